//! ExtendedResourceToleration: a pod that requests an extended resource (`example.com/gpu`)
//! tolerates the taint of the same name, so nodes dedicated to that resource can be tainted
//! with it without every user writing the toleration.
//!
//! Follows `plugin/pkg/admission/extendedresourcetoleration/admission.go` in
//! kubernetes/kubernetes: a mutating plugin for pod CREATE and UPDATE; for each extended
//! resource named in the requests of the containers and init containers (sorted), the
//! toleration `{key: <resource>, operator: Exists, effect: NoSchedule}` is added or replaces the
//! pod's toleration with the same key, operator, value and effect
//! (`helper.AddOrUpdateTolerationInPod`). Extended resources are `helper.IsExtendedResourceName`:
//! a `/` in the name, not in `kubernetes.io/`, not `requests.`-prefixed, and a qualified name
//! once prefixed with `requests.`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Toleration;

use super::pod_toleration_restriction::same_toleration;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::labels::is_qualified_name;
use crate::object::Object;
use crate::status::ApiError;

pub struct ExtendedResourceToleration;

/// `helper.IsExtendedResourceName`.
pub fn is_extended_resource_name(name: &str) -> bool {
    let native = !name.contains('/') || name.contains("kubernetes.io/");
    if native || name.starts_with("requests.") {
        return false;
    }
    is_qualified_name(&format!("requests.{name}")).is_empty()
}

/// `AddOrUpdateTolerationInPod`: replaces the tolerations matching on key, effect, operator
/// and value, or appends.
fn add_or_update(tolerations: &mut Vec<Toleration>, t: Toleration) {
    let matches = |other: &Toleration| {
        other.key.as_deref().unwrap_or("") == t.key.as_deref().unwrap_or("")
            && other.effect.as_deref().unwrap_or("") == t.effect.as_deref().unwrap_or("")
            && other.operator.as_deref().unwrap_or("") == t.operator.as_deref().unwrap_or("")
            && other.value.as_deref().unwrap_or("") == t.value.as_deref().unwrap_or("")
    };
    let mut updated = false;
    for existing in tolerations.iter_mut() {
        if matches(existing) {
            if !same_toleration(existing, &t) {
                *existing = t.clone();
            }
            updated = true;
        }
    }
    if !updated {
        tolerations.push(t);
    }
}

impl Plugin for ExtendedResourceToleration {
    fn name(&self) -> &'static str {
        "ExtendedResourceToleration"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if !a.subresource.is_empty() || a.kind.kind != "Pod" || !a.kind.group.is_empty() {
            return Ok(());
        }
        let Some(Object::Pod(pod)) = a.object.as_mut() else {
            return Ok(());
        };
        let Some(spec) = pod.spec.as_mut() else {
            return Ok(());
        };
        let resources: BTreeSet<String> = spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
            .filter_map(|c| c.resources.as_ref()?.requests.as_ref())
            .flat_map(|r| r.keys())
            .filter(|name| is_extended_resource_name(name))
            .cloned()
            .collect();
        if resources.is_empty() {
            return Ok(());
        }
        let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
        for resource in resources {
            add_or_update(
                tolerations,
                Toleration {
                    key: Some(resource),
                    operator: Some("Exists".to_string()),
                    effect: Some("NoSchedule".to_string()),
                    ..Toleration::default()
                },
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{config_map, pod, run, Req};
    use serde_json::{json, Value};

    fn tolerations(out: &Value) -> Vec<String> {
        out["spec"]["tolerations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| {
                format!(
                    "{}:{}:{}",
                    t["key"].as_str().unwrap_or(""),
                    t["operator"].as_str().unwrap_or(""),
                    t["effect"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn which_resources_are_extended() {
        for (name, extended) in [
            ("example.com/gpu", true),
            ("nvidia.com/gpu", true),
            ("cpu", false),
            ("hugepages-2Mi", false),
            ("kubernetes.io/something", false),
            ("requests.example.com/gpu", false),
            ("example.com/bad name", false),
        ] {
            assert_eq!(is_extended_resource_name(name), extended, "{name}");
        }
    }

    #[test]
    fn requested_extended_resources_are_tolerated_in_sorted_order() {
        let p = pod(json!({
            "initContainers": [{"name": "i", "image": "x", "resources": {"requests": {"vendor.io/fpga": "1"}, "limits": {"vendor.io/fpga": "1"}}}],
            "containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "1", "example.com/gpu": "2"}, "limits": {"example.com/gpu": "2"}}}],
            "tolerations": [{"key": "other", "operator": "Exists"}]}));
        let out = run(&ExtendedResourceToleration, Req::create(p)).unwrap();
        assert_eq!(
            tolerations(&out),
            [
                "other:Exists:",
                "example.com/gpu:Exists:NoSchedule",
                "vendor.io/fpga:Exists:NoSchedule"
            ]
        );
    }

    #[test]
    fn an_existing_matching_toleration_is_not_duplicated() {
        let p = pod(json!({
            "containers": [{"name": "c", "image": "x", "resources": {"requests": {"example.com/gpu": "1"}, "limits": {"example.com/gpu": "1"}}}],
            "tolerations": [{"key": "example.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}));
        let out = run(&ExtendedResourceToleration, Req::create(p)).unwrap();
        assert_eq!(tolerations(&out), ["example.com/gpu:Exists:NoSchedule"]);
    }

    #[test]
    fn plain_pods_and_other_kinds_are_left_alone() {
        let p = pod(
            json!({"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "1"}}}]}),
        );
        let out = run(&ExtendedResourceToleration, Req::create(p)).unwrap();
        assert!(out["spec"].get("tolerations").is_none());
        assert!(run(&ExtendedResourceToleration, Req::create(config_map())).is_ok());
    }
}
