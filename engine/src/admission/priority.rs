//! Priority: resolves a pod's `priorityClassName` to its integer `priority` and
//! `preemptionPolicy`; pods without one get the global default class, or priority 0.
//!
//! Follows `plugin/pkg/admission/priority/admission.go` in kubernetes/kubernetes, with the
//! built-in classes of `pkg/apis/scheduling/types.go` (`system-node-critical` 2000001000,
//! `system-cluster-critical` 2000000000).

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct Priority;

/// `scheduling.DefaultPriorityWhenNoDefaultClassExists`.
pub const DEFAULT_PRIORITY: i32 = 0;

impl Plugin for Priority {
    fn name(&self) -> &'static str {
        "Priority"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn mutating(&self) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if a.operation != Operation::Create {
            return Ok(());
        }
        let name = a.name.clone();
        let Some(Object::Pod(pod)) = a.object.as_mut() else {
            return Ok(());
        };
        let Some(spec) = pod.spec.as_mut() else {
            return Ok(());
        };
        let class_name = spec.priority_class_name.clone().unwrap_or_default();
        let classes = || {
            c.store.list("PriorityClass").filter_map(|s| match &s.obj {
                Object::PriorityClass(pc) => Some(pc.as_ref()),
                _ => None,
            })
        };
        let (value, policy) = if class_name.is_empty() {
            match classes().find(|pc| pc.global_default == Some(true)) {
                Some(pc) => {
                    spec.priority_class_name = pc.metadata.name.clone();
                    (pc.value, pc.preemption_policy.clone())
                }
                None => (DEFAULT_PRIORITY, None),
            }
        } else {
            match classes().find(|pc| pc.metadata.name.as_deref() == Some(class_name.as_str())) {
                Some(pc) => (pc.value, pc.preemption_policy.clone()),
                None => {
                    return Err(ApiError::forbidden(
                        "pods",
                        &name,
                        &format!("no PriorityClass with name {class_name} was found"),
                        self.name(),
                    ))
                }
            }
        };
        if let Some(given) = spec.priority {
            if given != value {
                return Err(ApiError::forbidden(
                    "pods",
                    &name,
                    &format!("the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {value} from the given PriorityClass name"),
                    self.name(),
                ));
            }
        }
        spec.priority = Some(value);
        if spec.preemption_policy.is_none() {
            spec.preemption_policy = Some(policy.unwrap_or_else(|| "PreemptLowerPriority".into()));
        }
        Ok(())
    }

    /// Only one PriorityClass may be the global default.
    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let Some(Object::PriorityClass(pc)) = a.object.as_ref() else {
            return Ok(());
        };
        if pc.global_default != Some(true) {
            return Ok(());
        }
        let other = c.store.list("PriorityClass").find_map(|s| match &s.obj {
            Object::PriorityClass(o)
                if o.global_default == Some(true) && o.metadata.name != pc.metadata.name =>
            {
                o.metadata.name.clone()
            }
            _ => None,
        });
        match other {
            Some(existing) => Err(ApiError::forbidden(
                "priorityclasses.scheduling.k8s.io",
                &a.name,
                &format!("PriorityClass {existing} is already marked as default. Only one default can exist"),
                self.name(),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testutil::{admit_pod, admit_pod_with, pod};
    use serde_json::json;

    #[test]
    fn pods_without_a_class_get_priority_zero() {
        let p = admit_pod(&Priority, pod(json!({"containers": []}))).unwrap();
        let spec = p.spec.unwrap();
        assert_eq!(spec.priority, Some(0));
        assert_eq!(
            spec.preemption_policy.as_deref(),
            Some("PreemptLowerPriority")
        );
    }

    #[test]
    fn a_class_gives_its_value_and_an_unknown_class_is_refused() {
        let classes = [
            json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
            "metadata": {"name": "high"}, "value": 1000, "preemptionPolicy": "Never"}),
        ];
        let p = admit_pod_with(
            &Priority,
            pod(json!({"containers": [], "priorityClassName": "high"})),
            &classes,
        )
        .unwrap();
        assert_eq!(p.spec.as_ref().unwrap().priority, Some(1000));
        assert_eq!(p.spec.unwrap().preemption_policy.as_deref(), Some("Never"));
        let err = admit_pod_with(
            &Priority,
            pod(json!({"containers": [], "priorityClassName": "low"})),
            &classes,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "pods \"p\" is forbidden: no PriorityClass with name low was found"
        );
        let err = admit_pod_with(
            &Priority,
            pod(json!({"containers": [], "priorityClassName": "high", "priority": 5})),
            &classes,
        )
        .unwrap_err();
        assert!(err.ends_with("the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name"));
    }

    #[test]
    fn the_built_in_classes_exist_in_every_cluster() {
        let c = crate::apiserver::Cluster::new(crate::settings::Settings::default());
        let p = admit_pod_with(
            &Priority,
            pod(json!({"containers": [], "priorityClassName": "system-node-critical"})),
            &[],
        );
        assert_eq!(p.unwrap().spec.unwrap().priority, Some(2_000_001_000));
        assert!(c
            .store
            .get_obj("PriorityClass", "", "system-cluster-critical")
            .is_some());
    }
}
