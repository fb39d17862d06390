//! TaintNodesByCondition: every new Node starts with the `node.kubernetes.io/not-ready`
//! NoSchedule taint, so nothing is scheduled onto it before the node lifecycle controller has
//! seen it Ready (and removed the taint).
//!
//! Follows `plugin/pkg/admission/nodetaint/admission.go` in kubernetes/kubernetes: a mutating
//! plugin for Node CREATE (not subresources) that appends `{key: node.kubernetes.io/not-ready,
//! effect: NoSchedule}` unless a taint with that key and effect is already there.
//!
//! The nodes kubefiddle's cluster starts with (kind's, or a kind Cluster config) register
//! directly, as kubelets whose taint was already removed; only Node objects sent through the API
//! (a Node manifest) pass through this plugin.

use k8s_openapi::api::core::v1::Taint;

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct TaintNodesByCondition;

/// `v1.TaintNodeNotReady`.
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";

impl Plugin for TaintNodesByCondition {
    fn name(&self) -> &'static str {
        "TaintNodesByCondition"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if a.kind.kind != "Node" || !a.kind.group.is_empty() || !a.subresource.is_empty() {
            return Ok(());
        }
        let Some(Object::Node(node)) = a.object.as_mut() else {
            return Ok(());
        };
        let spec = node.spec.get_or_insert_with(Default::default);
        let taints = spec.taints.get_or_insert_with(Vec::new);
        // `MatchTaint`: same key and effect.
        if !taints
            .iter()
            .any(|t| t.key == NOT_READY && t.effect == "NoSchedule")
        {
            taints.push(Taint {
                key: NOT_READY.to_string(),
                effect: "NoSchedule".to_string(),
                ..Taint::default()
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{containers, pod, run, Req};
    use serde_json::{json, Value};

    fn node(taints: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
            "spec": {"taints": taints}})
    }

    #[test]
    fn a_new_node_gets_the_not_ready_taint_after_its_own() {
        let out = run(
            &TaintNodesByCondition,
            Req::create(node(
                json!([{"key": "gpu", "value": "true", "effect": "NoSchedule"}]),
            )),
        )
        .unwrap();
        assert_eq!(
            out["spec"]["taints"],
            json!([{"key": "gpu", "value": "true", "effect": "NoSchedule"},
                   {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}])
        );
    }

    #[test]
    fn the_taint_is_not_added_twice_and_only_on_create() {
        let t = json!([{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]);
        let out = run(&TaintNodesByCondition, Req::create(node(t.clone()))).unwrap();
        assert_eq!(out["spec"]["taints"], t);
        assert!(!TaintNodesByCondition.handles(Operation::Update));
        // A NoExecute not-ready taint is another taint.
        let ne = json!([{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]);
        let out = run(&TaintNodesByCondition, Req::create(node(ne))).unwrap();
        assert_eq!(out["spec"]["taints"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn pods_are_left_alone() {
        let out = run(
            &TaintNodesByCondition,
            Req::create(pod(json!({"containers": containers()}))),
        )
        .unwrap();
        assert!(out["spec"].get("taints").is_none());
    }
}
