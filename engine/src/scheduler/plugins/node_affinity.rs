//! NodeAffinity: `nodeSelector` and required node affinity rule nodes out; preferred terms add
//! their weights to the nodes they match.
//!
//! Follows `pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go` and
//! `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`.

use crate::labels::{node_selector_term_matches, pod_matches_node_selector_and_affinity};
use crate::scheduler::{default_normalize, FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status};

pub struct NodeAffinity;

/// `ErrReasonPod`.
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// `ErrReasonPod` of the version: 1.20 said `node(s) didn't match Pod's node affinity`; the
/// `/selector` came with kubernetes/kubernetes#97521 in 1.21.
pub fn err_reason_pod(minor: u32) -> &'static str {
    if minor < 21 {
        "node(s) didn't match Pod's node affinity"
    } else {
        ERR_REASON_POD
    }
}

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        if pod_matches_node_selector_and_affinity(pod.pod, &node.node) {
            Status::success()
        } else {
            Status::unresolvable(err_reason_pod(pod.minor))
        }
    }
}

impl ScorePlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    /// The sum of the weights of the preferred terms the node matches.
    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let preferred = pod
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.affinity.as_ref())
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|na| {
                na.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            });
        preferred
            .into_iter()
            .flatten()
            .filter(|t| t.weight != 0)
            .filter(|t| node_selector_term_matches(&t.preference, &node.labels, &node.name))
            .map(|t| i64::from(t.weight))
            .sum()
    }

    fn normalize(&self, scores: &mut [i64]) {
        default_normalize(scores, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use serde_json::json;

    #[test]
    fn node_selector_and_required_terms_filter() {
        let ssd = node(
            "a",
            json!({"metadata": {"labels": {"disktype": "ssd", "kubernetes.io/e2e-az-name": "e2e-az1"}}}),
        );
        let hdd = node("b", json!({"metadata": {"labels": {"disktype": "hdd"}}}));
        let by_selector = pod(json!({"containers": [], "nodeSelector": {"disktype": "ssd"}}));
        assert!(NodeAffinity
            .filter(&PodInfo::new(&by_selector), &ssd)
            .is_success());
        assert_eq!(
            NodeAffinity
                .filter(&PodInfo::new(&by_selector), &hdd)
                .reasons,
            [ERR_REASON_POD]
        );
        let by_affinity = pod(json!({"containers": [], "affinity": {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/e2e-az-name", "operator": "In", "values": ["e2e-az1", "e2e-az2"]}]}]}}}}));
        assert!(NodeAffinity
            .filter(&PodInfo::new(&by_affinity), &ssd)
            .is_success());
        assert!(!NodeAffinity
            .filter(&PodInfo::new(&by_affinity), &hdd)
            .is_success());
    }

    #[test]
    fn preferred_terms_add_their_weight() {
        let p = pod(json!({"containers": [], "affinity": {"nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 1, "preference": {"matchExpressions": [{"key": "another-node-label-key", "operator": "In", "values": ["another-node-label-value"]}]}},
                {"weight": 5, "preference": {"matchExpressions": [{"key": "disktype", "operator": "Exists"}]}}]}}}));
        let info = PodInfo::new(&p);
        let both = node(
            "a",
            json!({"metadata": {"labels": {"another-node-label-key": "another-node-label-value", "disktype": "ssd"}}}),
        );
        let one = node("b", json!({"metadata": {"labels": {"disktype": "hdd"}}}));
        let none = node("c", json!({}));
        let mut s = vec![
            NodeAffinity.score(&info, &both),
            NodeAffinity.score(&info, &one),
            NodeAffinity.score(&info, &none),
        ];
        assert_eq!(s, [6, 5, 0]);
        NodeAffinity.normalize(&mut s);
        assert_eq!(s, [100, 83, 0]);
    }
}
