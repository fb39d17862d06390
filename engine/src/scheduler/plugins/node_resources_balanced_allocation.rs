//! NodeResourcesBalancedAllocation: prefers nodes where cpu and memory would be used in equal
//! proportion once the pod is placed.
//!
//! Follows `pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go`
//! (`balancedResourceScorer`: since 1.23 with actual requests rather than the non-zero
//! defaults, since 1.22 as a standard deviation).

use crate::scheduler::{NodeInfo, PodInfo, ScorePlugin, MAX_NODE_SCORE};

pub struct NodeResourcesBalancedAllocation;

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }

    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        // Until 1.22 the requests counted were the non-zero ones (100m cpu, 200Mi memory for a
        // container that asks for nothing); 1.23 scores with the actual requests.
        let (on_node, of_pod) = if pod.minor < 23 {
            (&node.non_zero_requested, &pod.non_zero_requests)
        } else {
            (&node.requested, &pod.requests)
        };
        let pairs = [
            (
                on_node.milli_cpu.saturating_add(of_pod.milli_cpu),
                node.allocatable.milli_cpu,
            ),
            (
                on_node.memory.saturating_add(of_pod.memory),
                node.allocatable.memory,
            ),
        ];
        if pod.minor < 22 {
            return score_before_1_22(pairs);
        }
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

/// 1.20 and 1.21's `balancedResourceScorer`: one minus the difference of the cpu and memory
/// fractions, and 0 for a node the pod would fill (a fraction of 1 or more; no capacity counts
/// as full). Read in the v1.21.0 source vendored by kubernetes/autoscaler.
fn score_before_1_22(pairs: [(i64, i64); 2]) -> i64 {
    let fraction = |(requested, capacity): (i64, i64)| {
        if capacity == 0 {
            1.0
        } else {
            requested as f64 / capacity as f64
        }
    };
    let (cpu, memory) = (fraction(pairs[0]), fraction(pairs[1]));
    if cpu >= 1.0 || memory >= 1.0 {
        return 0;
    }
    ((1.0 - (cpu - memory).abs()) * MAX_NODE_SCORE as f64) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use serde_json::json;

    #[test]
    fn before_1_22_the_score_is_one_minus_the_difference_and_zero_when_full() {
        let p = pod(
            json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": "2", "memory": "2Gi"}}}]}),
        );
        let n = node("n", json!({}));
        let mut info = PodInfo::new(&p);
        info.minor = 21;
        // cpu 2/4 = 0.5, memory 2Gi/8Gi = 0.25: (1 - 0.25) * 100.
        assert_eq!(NodeResourcesBalancedAllocation.score(&info, &n), 75);
        info.minor = 22;
        // The standard deviation: (1 - 0.25 / 2) * 100.
        assert_eq!(NodeResourcesBalancedAllocation.score(&info, &n), 87);
        let full = pod(
            json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": "4", "memory": "1Gi"}}}]}),
        );
        let mut info = PodInfo::new(&full);
        info.minor = 20;
        assert_eq!(NodeResourcesBalancedAllocation.score(&info, &n), 0);
        // A pod without requests counts 100m and 200Mi until 1.22, nothing from 1.23.
        let bare = pod(json!({"containers": [{"name": "c"}]}));
        let mut info = PodInfo::new(&bare);
        info.minor = 22;
        assert!(NodeResourcesBalancedAllocation.score(&info, &n) < 100);
        info.minor = 23;
        assert_eq!(NodeResourcesBalancedAllocation.score(&info, &n), 100);
    }

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
