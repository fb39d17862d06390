//! NodeResourcesBalancedAllocation: prefers nodes where cpu and memory would be used in equal
//! proportion once the pod is placed.
//!
//! Follows `pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go`
//! (`balancedResourceScorer`, with actual requests rather than the non-zero defaults).

use crate::scheduler::{NodeInfo, PodInfo, ScorePlugin, MAX_NODE_SCORE};

pub struct NodeResourcesBalancedAllocation;

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }

    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let pairs = [
            (
                node.requested
                    .milli_cpu
                    .saturating_add(pod.requests.milli_cpu),
                node.allocatable.milli_cpu,
            ),
            (
                node.requested.memory.saturating_add(pod.requests.memory),
                node.allocatable.memory,
            ),
        ];
        let fractions: Vec<f64> = pairs
            .iter()
            .filter(|(_, a)| *a != 0)
            .map(|(r, a)| (*r as f64 / *a as f64).min(1.0))
            .collect();
        let std = if fractions.len() == 2 {
            ((fractions[0] - fractions[1]) / 2.0).abs()
        } else {
            0.0
        };
        ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use serde_json::json;

    #[test]
    fn equal_proportions_score_best() {
        let p = pod(
            json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": "2", "memory": "4Gi"}}}]}),
        );
        let lopsided = pod(
            json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": "4", "memory": "0"}}}]}),
        );
        let n = node("n", json!({}));
        assert_eq!(
            NodeResourcesBalancedAllocation.score(&PodInfo::new(&p), &n),
            100
        );
        assert_eq!(
            NodeResourcesBalancedAllocation.score(&PodInfo::new(&lopsided), &n),
            50
        );
    }
}
