//! LimitPodHardAntiAffinityTopology: a pod's required pod anti-affinity may only spread over
//! `kubernetes.io/hostname`, so that nobody can claim a whole zone for themselves.
//!
//! Follows `plugin/pkg/admission/antiaffinity/admission.go` in kubernetes/kubernetes: a
//! validating plugin for pod CREATE and UPDATE; the first
//! `requiredDuringSchedulingIgnoredDuringExecution` term with another topology key is refused
//! with `errors.NewForbidden(pods, pod.Name, ...)`. Preferred terms are not checked.

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct LimitPodHardAntiAffinityTopology;

/// `v1.LabelHostname`.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";

pub fn refusal(topology_key: &str) -> String {
    format!(
        "affinity.PodAntiAffinity.RequiredDuringScheduling has TopologyKey {topology_key} but only key {LABEL_HOSTNAME} is allowed"
    )
}

impl Plugin for LimitPodHardAntiAffinityTopology {
    fn name(&self) -> &'static str {
        "LimitPodHardAntiAffinityTopology"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if !a.subresource.is_empty() || a.kind.kind != "Pod" || !a.kind.group.is_empty() {
            return Ok(());
        }
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(());
        };
        let terms = pod
            .spec
            .as_ref()
            .and_then(|s| s.affinity.as_ref())
            .and_then(|af| af.pod_anti_affinity.as_ref())
            .and_then(|pa| {
                pa.required_during_scheduling_ignored_during_execution
                    .as_ref()
            });
        for term in terms.into_iter().flatten() {
            if term.topology_key != LABEL_HOSTNAME {
                return Err(ApiError::forbidden(
                    "pods",
                    &a.name,
                    &refusal(&term.topology_key),
                    self.name(),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{config_map, containers, pod, run, Req};
    use serde_json::{json, Value};

    fn anti(required: Value, preferred: Value) -> Value {
        pod(
            json!({"containers": containers(), "affinity": {"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": required,
            "preferredDuringSchedulingIgnoredDuringExecution": preferred}}}),
        )
    }

    fn term(key: &str) -> Value {
        json!({"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": key})
    }

    #[test]
    fn a_required_term_over_zones_is_refused() {
        let p = anti(
            json!([
                term("kubernetes.io/hostname"),
                term("topology.kubernetes.io/zone")
            ]),
            json!([]),
        );
        assert_eq!(
            run(&LimitPodHardAntiAffinityTopology, Req::create(p)),
            Err("pods \"p\" is forbidden: affinity.PodAntiAffinity.RequiredDuringScheduling has TopologyKey topology.kubernetes.io/zone but only key kubernetes.io/hostname is allowed".into())
        );
    }

    #[test]
    fn hostname_terms_preferred_terms_and_other_kinds_pass() {
        let p = anti(
            json!([term("kubernetes.io/hostname")]),
            json!([{"weight": 10, "podAffinityTerm": term("topology.kubernetes.io/zone")}]),
        );
        assert!(run(&LimitPodHardAntiAffinityTopology, Req::create(p)).is_ok());
        assert!(run(&LimitPodHardAntiAffinityTopology, Req::create(config_map())).is_ok());
    }
}
