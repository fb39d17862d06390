//! RuntimeClass: a pod that names a RuntimeClass gets that class's pod overhead and scheduling
//! constraints, and must not claim an overhead of its own.
//!
//! Follows `plugin/pkg/admission/runtimeclass/admission.go` in kubernetes/kubernetes, for pod
//! CREATE only:
//!
//! * an unknown `runtimeClassName` is refused (`pod rejected: RuntimeClass "x" not found`);
//! * `overhead.podFixed` becomes the pod's `overhead` (a different overhead already on the pod
//!   is refused);
//! * `scheduling.nodeSelector` is merged into the pod's (a contradicting key is refused) and
//!   `scheduling.tolerations` merged into its tolerations (`tolerations.MergeTolerations`);
//! * the validating pass checks the overhead again, and refuses an overhead without a class
//!   that defines one.
//!
//! Quantities compare semantically (`1000m` equals `1`); absent and empty maps are equal.

use std::collections::BTreeMap;

use k8s_openapi::api::node::v1::RuntimeClass as RuntimeClassObject;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::always_deny::{forbidden, forbidden_name};
use super::pod_toleration_restriction::merge_tolerations;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::quantity::Quantity;
use crate::status::ApiError;

pub struct RuntimeClass;

pub const OVERHEAD_MISMATCH: &str =
    "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead";
pub const OVERHEAD_WITHOUT_CLASS: &str =
    "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead";

pub fn not_found(name: &str) -> String {
    format!("pod rejected: RuntimeClass {name:?} not found")
}

pub fn selector_conflict(key: &str, class_value: &str, pod_value: &str) -> String {
    format!("conflict: runtimeClass.scheduling.nodeSelector[{key}] = {class_value}; pod.spec.nodeSelector[{key}] = {pod_value}")
}

type Resources = BTreeMap<String, K8sQuantity>;

/// `apiequality.Semantic.DeepEqual` of two resource lists.
fn same_resources(a: Option<&Resources>, b: Option<&Resources>) -> bool {
    let empty = Resources::new();
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    a.len() == b.len()
        && a.iter().all(|(k, q)| {
            b.get(k)
                .is_some_and(|r| match (Quantity::from_k8s(q), Quantity::from_k8s(r)) {
                    (Ok(x), Ok(y)) => x == y,
                    _ => q.0 == r.0,
                })
        })
}

/// `shouldIgnore`: only pods themselves.
fn should_ignore(a: &Attributes) -> bool {
    !a.subresource.is_empty() || a.kind.kind != "Pod" || !a.kind.group.is_empty()
}

impl RuntimeClass {
    /// `prepareObjects`: the pod's RuntimeClass, if it names one.
    fn class<'a>(
        &self,
        a: &Attributes,
        c: &'a ClusterView,
    ) -> Result<Option<&'a RuntimeClassObject>, ApiError> {
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(None);
        };
        let Some(name) = pod
            .spec
            .as_ref()
            .and_then(|s| s.runtime_class_name.as_ref())
        else {
            return Ok(None);
        };
        match c.store.get_obj("RuntimeClass", "", name) {
            Some(Object::RuntimeClass(rc)) => Ok(Some(rc)),
            _ => Err(forbidden(a, &not_found(name), self.name())),
        }
    }
}

impl Plugin for RuntimeClass {
    fn name(&self) -> &'static str {
        "RuntimeClass"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn mutating(&self) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if should_ignore(a) {
            return Ok(());
        }
        let Some(rc) = self.class(a, c)? else {
            return Ok(());
        };
        let resource = a.kind.resource();
        let name = forbidden_name(a);
        let refuse = |msg: &str| ApiError::forbidden(&resource, &name, msg, "RuntimeClass");
        // setOverhead
        let Some(Object::Pod(pod)) = a.object.as_mut() else {
            return Ok(());
        };
        let spec = pod.spec.get_or_insert_with(Default::default);
        if let Some(overhead) = rc.overhead.as_ref() {
            let fixed = overhead.pod_fixed.as_ref();
            if spec.overhead.is_some() && !same_resources(fixed, spec.overhead.as_ref()) {
                return Err(refuse(OVERHEAD_MISMATCH));
            }
            spec.overhead = fixed.cloned();
        }
        // setScheduling
        let Some(scheduling) = rc.scheduling.as_ref() else {
            return Ok(());
        };
        let class_selector = scheduling.node_selector.clone();
        let node_selector = match spec.node_selector.take() {
            None => class_selector,
            Some(mut own) => {
                for (key, class_value) in class_selector.into_iter().flatten() {
                    if let Some(pod_value) = own.get(&key) {
                        if *pod_value != class_value {
                            let msg = selector_conflict(&key, &class_value, pod_value);
                            spec.node_selector = Some(own);
                            return Err(refuse(&msg));
                        }
                    }
                    own.insert(key, class_value);
                }
                Some(own)
            }
        };
        let merged = merge_tolerations(
            spec.tolerations.as_deref().unwrap_or(&[]),
            scheduling.tolerations.as_deref().unwrap_or(&[]),
        );
        spec.node_selector = node_selector;
        spec.tolerations = (!merged.is_empty()).then_some(merged);
        Ok(())
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if should_ignore(a) {
            return Ok(());
        }
        let rc = self.class(a, c)?;
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(());
        };
        let pod_overhead = pod.spec.as_ref().and_then(|s| s.overhead.as_ref());
        match rc.and_then(|rc| rc.overhead.as_ref()) {
            Some(overhead) => {
                if !same_resources(overhead.pod_fixed.as_ref(), pod_overhead) {
                    return Err(forbidden(a, OVERHEAD_MISMATCH, self.name()));
                }
            }
            None => {
                if pod_overhead.is_some() {
                    return Err(forbidden(a, OVERHEAD_WITHOUT_CLASS, self.name()));
                }
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

    fn class() -> Value {
        json!({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
            "metadata": {"name": "gvisor"}, "handler": "runsc",
            "overhead": {"podFixed": {"cpu": "250m", "memory": "120Mi"}},
            "scheduling": {"nodeSelector": {"runtime": "gvisor"},
                "tolerations": [{"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"}]}})
    }

    fn using(extra: Value) -> Value {
        let mut spec = json!({"containers": containers(), "runtimeClassName": "gvisor"});
        if let (Some(s), Value::Object(e)) = (spec.as_object_mut(), extra) {
            s.extend(e);
        }
        pod(spec)
    }

    #[test]
    fn the_class_gives_overhead_node_selector_and_tolerations() {
        let out = run(
            &RuntimeClass,
            Req::create(using(json!({"nodeSelector": {"disk": "ssd"}}))).with(&[class()]),
        )
        .unwrap();
        let spec = &out["spec"];
        assert_eq!(spec["overhead"], json!({"cpu": "250m", "memory": "120Mi"}));
        assert_eq!(
            spec["nodeSelector"],
            json!({"disk": "ssd", "runtime": "gvisor"})
        );
        assert_eq!(
            spec["tolerations"],
            json!([{"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"}])
        );
    }

    #[test]
    fn an_unknown_class_is_refused() {
        assert_eq!(
            run(&RuntimeClass, Req::create(using(json!({})))),
            Err("pods \"p\" is forbidden: pod rejected: RuntimeClass \"gvisor\" not found".into())
        );
    }

    #[test]
    fn a_contradicting_node_selector_is_refused() {
        assert_eq!(
            run(
                &RuntimeClass,
                Req::create(using(json!({"nodeSelector": {"runtime": "runc"}}))).with(&[class()])
            ),
            Err("pods \"p\" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[runtime] = gvisor; pod.spec.nodeSelector[runtime] = runc".into())
        );
    }

    #[test]
    fn overheads_must_match_the_class_semantically() {
        let same = using(json!({"overhead": {"cpu": "0.25", "memory": "120Mi"}}));
        assert!(run(&RuntimeClass, Req::create(same).with(&[class()])).is_ok());
        let other = using(json!({"overhead": {"cpu": "1"}}));
        assert_eq!(
            run(&RuntimeClass, Req::create(other).with(&[class()])),
            Err(format!("pods \"p\" is forbidden: {OVERHEAD_MISMATCH}"))
        );
        let classless = pod(json!({"containers": containers(), "overhead": {"cpu": "1"}}));
        assert_eq!(
            run(&RuntimeClass, Req::create(classless)),
            Err("pods \"p\" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead".into())
        );
    }

    #[test]
    fn pods_without_a_class_and_other_kinds_are_left_alone() {
        let plain = pod(json!({"containers": containers()}));
        let out = run(&RuntimeClass, Req::create(plain)).unwrap();
        assert!(out["spec"].get("overhead").is_none());
        assert!(run(&RuntimeClass, Req::create(config_map())).is_ok());
        assert!(!RuntimeClass.handles(Operation::Update));
    }
}
