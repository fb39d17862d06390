//! NodeUnschedulable: a cordoned node (`spec.unschedulable`) takes no new pods, unless the pod
//! tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint.
//!
//! Follows `pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go`.

use k8s_openapi::api::core::v1::Taint;

use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, Status};
use crate::taints::toleration_tolerates_taint;

pub struct NodeUnschedulable;

/// `ErrReasonUnschedulable`.
pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";
/// `v1.TaintNodeUnschedulable`.
pub const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

impl FilterPlugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        "NodeUnschedulable"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        if !node.unschedulable {
            return Status::success();
        }
        let taint = Taint {
            key: TAINT_NODE_UNSCHEDULABLE.into(),
            effect: "NoSchedule".into(),
            ..Taint::default()
        };
        let tolerated = pod
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.as_ref())
            .is_some_and(|ts| ts.iter().any(|t| toleration_tolerates_taint(t, &taint)));
        if tolerated {
            Status::success()
        } else {
            Status::unresolvable(ERR_REASON_UNSCHEDULABLE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use crate::scheduler::Code;
    use serde_json::json;

    #[test]
    fn cordoned_nodes_refuse_pods_that_do_not_tolerate_it() {
        let cordoned = node("n", json!({"spec": {"unschedulable": true}}));
        let plain = pod(json!({"containers": []}));
        let s = NodeUnschedulable.filter(&PodInfo::new(&plain), &cordoned);
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.reasons, [ERR_REASON_UNSCHEDULABLE]);
        let tolerant = pod(json!({"containers": [], "tolerations": [
            {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]}));
        assert!(NodeUnschedulable
            .filter(&PodInfo::new(&tolerant), &cordoned)
            .is_success());
        assert!(NodeUnschedulable
            .filter(&PodInfo::new(&plain), &node("m", json!({})))
            .is_success());
    }
}
