//! NodeName: a pod that names a node fits only that node.
//!
//! Follows `pkg/scheduler/framework/plugins/nodename/node_name.go`. (A pod created with
//! `spec.nodeName` already set never reaches the scheduler; the kubelet of that node runs it.)

use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, Status};

pub struct NodeName;

/// `ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

/// `ErrReason` of the version: `hostname` until 1.20.
pub fn err_reason(minor: u32) -> &'static str {
    if minor < 21 {
        "node(s) didn't match the requested hostname"
    } else {
        ERR_REASON
    }
}

impl FilterPlugin for NodeName {
    fn name(&self) -> &'static str {
        "NodeName"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        match pod.pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            Some(n) if !n.is_empty() && n != node.name => {
                Status::unresolvable(err_reason(pod.minor))
            }
            _ => Status::success(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use serde_json::json;

    #[test]
    fn before_1_21_the_reason_says_hostname() {
        let p = pod(json!({"containers": [], "nodeName": "b"}));
        let mut info = PodInfo::new(&p);
        info.minor = 20;
        assert_eq!(
            NodeName.filter(&info, &node("a", json!({}))).reasons,
            ["node(s) didn't match the requested hostname"]
        );
        info.minor = 21;
        assert_eq!(
            NodeName.filter(&info, &node("a", json!({}))).reasons,
            [ERR_REASON]
        );
    }

    #[test]
    fn only_the_named_node_fits() {
        let p = pod(json!({"containers": [], "nodeName": "b"}));
        assert!(NodeName
            .filter(&PodInfo::new(&p), &node("b", json!({})))
            .is_success());
        assert_eq!(
            NodeName
                .filter(&PodInfo::new(&p), &node("a", json!({})))
                .reasons,
            [ERR_REASON]
        );
        let any = pod(json!({"containers": []}));
        assert!(NodeName
            .filter(&PodInfo::new(&any), &node("a", json!({})))
            .is_success());
    }
}
