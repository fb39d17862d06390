//! NodeResourcesFit: a pod fits a node when the node's allocatable resources minus what its
//! pods request leave room for the pod's requests, and the node has a pod slot left. Scores with
//! the profile's scoring strategy: LeastAllocated (the default, cpu and memory with weight 1
//! each), MostAllocated or RequestedToCapacityRatio.
//!
//! Follows `pkg/scheduler/framework/plugins/noderesources/fit.go` (`fitsRequest`),
//! `resource_allocation.go`, `least_allocated.go`, `most_allocated.go`,
//! `requested_to_capacity_ratio.go` and `pkg/scheduler/framework/plugins/helper/shape_score.go`
//! (`BuildBrokenLinearFunction`).

use crate::scheduler::config::ScoringStrategyType;
use crate::scheduler::{
    Code, FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status, MAX_NODE_SCORE,
};

pub struct NodeResourcesFit;

impl FilterPlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let mut reasons = Vec::new();
        let mut unresolvable = false;
        let alloc = &node.allocatable;
        let used = &node.requested;
        let pods_on_node = i64::try_from(node.pods.len()).unwrap_or(i64::MAX);
        if pods_on_node.saturating_add(1) > alloc.allowed_pod_number {
            reasons.push("Too many pods".to_string());
        }
        let req = &pod.requests;
        let mut check = |name: &str, want: i64, have: i64, used: i64| {
            if want > 0 && want > have.saturating_sub(used) {
                reasons.push(format!("Insufficient {name}"));
                // A request larger than the whole node can never fit, whatever is preempted.
                if want > have {
                    unresolvable = true;
                }
            }
        };
        check("cpu", req.milli_cpu, alloc.milli_cpu, used.milli_cpu);
        check("memory", req.memory, alloc.memory, used.memory);
        check(
            "ephemeral-storage",
            req.ephemeral_storage,
            alloc.ephemeral_storage,
            used.ephemeral_storage,
        );
        for (name, want) in &req.scalar {
            let have = alloc.scalar.get(name).copied().unwrap_or(0);
            let u = used.scalar.get(name).copied().unwrap_or(0);
            check(name, *want, have, u);
        }
        if reasons.is_empty() {
            return Status::success();
        }
        Status {
            code: if unresolvable {
                Code::UnschedulableAndUnresolvable
            } else {
                Code::Unschedulable
            },
            reasons,
        }
    }
}

/// `leastRequestedScore`.
fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// `mostRequestedScore`: a request above capacity counts as full.
fn most_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    requested.min(capacity) * MAX_NODE_SCORE / capacity
}

/// `helper.BuildBrokenLinearFunction` over the shape scaled to 0..=100
/// (`score * MaxNodeScore / MaxCustomPriorityScore`).
fn broken_linear(shape: &[(i64, i64)], p: i64) -> i64 {
    for (i, &(u, s)) in shape.iter().enumerate() {
        if p <= u {
            let Some(&(pu, ps)) = i.checked_sub(1).and_then(|j| shape.get(j)) else {
                return s;
            };
            if u == pu {
                return s;
            }
            return ps + (s - ps) * (p - pu) / (u - pu);
        }
    }
    shape.last().map_or(0, |&(_, s)| s)
}

/// What the node would have requested of `resource` with the pod placed, and its allocatable
/// (`calculateResourceAllocatableRequest`: cpu and memory with the non-zero defaults).
fn requested_and_allocatable(pod: &PodInfo, node: &NodeInfo, resource: &str) -> (i64, i64) {
    match resource {
        "cpu" => (
            node.non_zero_requested
                .milli_cpu
                .saturating_add(pod.non_zero_requests.milli_cpu),
            node.allocatable.milli_cpu,
        ),
        "memory" => (
            node.non_zero_requested
                .memory
                .saturating_add(pod.non_zero_requests.memory),
            node.allocatable.memory,
        ),
        "ephemeral-storage" => (
            node.requested
                .ephemeral_storage
                .saturating_add(pod.requests.ephemeral_storage),
            node.allocatable.ephemeral_storage,
        ),
        other => (
            node.requested
                .scalar
                .get(other)
                .copied()
                .unwrap_or(0)
                .saturating_add(pod.requests.scalar.get(other).copied().unwrap_or(0)),
            node.allocatable.scalar.get(other).copied().unwrap_or(0),
        ),
    }
}

impl ScorePlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    /// The profile's scoring strategy over its resources, weighted (`resourceAllocationScorer`).
    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let strategy = &pod.args.scoring_strategy;
        let (mut score, mut weights) = (0i64, 0i64);
        for (resource, weight) in &strategy.resources {
            let (requested, allocatable) = requested_and_allocatable(pod, node, resource);
            if allocatable == 0 {
                continue;
            }
            let s = match &strategy.type_ {
                ScoringStrategyType::LeastAllocated => least_requested(requested, allocatable),
                ScoringStrategyType::MostAllocated => most_requested(requested, allocatable),
                ScoringStrategyType::RequestedToCapacityRatio(shape) => {
                    let scaled: Vec<(i64, i64)> = shape
                        .iter()
                        .map(|&(u, s)| (u, s.saturating_mul(MAX_NODE_SCORE / 10)))
                        .collect();
                    let utilization = if requested > allocatable {
                        100
                    } else {
                        requested.saturating_mul(100) / allocatable
                    };
                    broken_linear(&scaled, utilization)
                }
            };
            let rtcr = matches!(
                strategy.type_,
                ScoringStrategyType::RequestedToCapacityRatio(_)
            );
            // RequestedToCapacityRatio counts only resources that scored above 0.
            if rtcr && s <= 0 {
                continue;
            }
            score = score.saturating_add(s.saturating_mul(*weight));
            weights = weights.saturating_add(*weight);
        }
        if weights == 0 {
            return 0;
        }
        if matches!(
            strategy.type_,
            ScoringStrategyType::RequestedToCapacityRatio(_)
        ) {
            // math.Round(float64(nodeScore) / float64(weightSum))
            return (score as f64 / weights as f64).round() as i64;
        }
        score / weights
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use serde_json::json;

    fn requesting(cpu: &str, mem: &str) -> k8s_openapi::api::core::v1::Pod {
        pod(
            json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": mem}}}]}),
        )
    }

    #[test]
    fn filter_table() {
        let cases = [
            ("a pod that fits passes", "1", "1Gi", Code::Success, vec![]),
            (
                "too much cpu for what is left",
                "3500m",
                "1Gi",
                Code::Unschedulable,
                vec!["Insufficient cpu"],
            ),
            (
                "more than the whole node is unresolvable",
                "5",
                "1Gi",
                Code::UnschedulableAndUnresolvable,
                vec!["Insufficient cpu"],
            ),
            (
                "both resources short",
                "3500m",
                "7Gi",
                Code::Unschedulable,
                vec!["Insufficient cpu", "Insufficient memory"],
            ),
        ];
        let mut n = node("n", json!({}));
        n.add_pod(&requesting("1", "2Gi"));
        for (name, cpu, mem, code, reasons) in cases {
            let p = requesting(cpu, mem);
            let s = NodeResourcesFit.filter(&PodInfo::new(&p), &n);
            assert_eq!(s.code, code, "{name}");
            assert_eq!(s.reasons, reasons, "{name}");
        }
    }

    #[test]
    fn a_full_node_has_too_many_pods() {
        let mut n = node("n", json!({"status": {"allocatable": {"pods": "1"}}}));
        n.add_pod(&requesting("100m", "1Mi"));
        let p = pod(json!({"containers": [{"name": "c"}]}));
        assert_eq!(
            NodeResourcesFit.filter(&PodInfo::new(&p), &n).reasons,
            ["Too many pods"]
        );
    }

    #[test]
    fn least_allocated_prefers_the_emptier_node() {
        let p = requesting("1", "1Gi");
        let info = PodInfo::new(&p);
        let empty = node("a", json!({}));
        let mut busy = node("b", json!({}));
        busy.add_pod(&requesting("2", "4Gi"));
        // empty: cpu (4000-1000)/4000 = 75, memory (8-1)/8 = 87 → 81
        assert_eq!(NodeResourcesFit.score(&info, &empty), 81);
        // busy: cpu (4000-3000)/4000 = 25, memory (8-5)/8 = 37 → 31
        assert_eq!(NodeResourcesFit.score(&info, &busy), 31);
    }

    #[test]
    fn scoring_strategies_table() {
        use crate::scheduler::config::{PluginArgs, ScoringStrategy};
        let p = requesting("1", "1Gi");
        let mut busy = node("b", json!({}));
        busy.add_pod(&requesting("2", "4Gi"));
        let cpu_only = vec![("cpu".to_string(), 1)];
        let cases = [
            // cpu (2000+1000)/4000
            (
                "MostAllocated over cpu",
                ScoringStrategyType::MostAllocated,
                cpu_only.clone(),
                75,
            ),
            // cpu 75, memory 5/8 = 62 -> (75*1 + 62*3) / 4
            (
                "weights average the resources",
                ScoringStrategyType::MostAllocated,
                vec![("cpu".to_string(), 1), ("memory".to_string(), 3)],
                65,
            ),
            // utilization 75 on the shape (0,0)-(100,10) scaled to 0..100
            (
                "RequestedToCapacityRatio follows the shape",
                ScoringStrategyType::RequestedToCapacityRatio(vec![(0, 0), (100, 10)]),
                cpu_only.clone(),
                75,
            ),
            (
                "a falling shape prefers empty nodes",
                ScoringStrategyType::RequestedToCapacityRatio(vec![(0, 10), (50, 10), (100, 0)]),
                cpu_only.clone(),
                50,
            ),
        ];
        for (name, type_, resources, want) in cases {
            let args = PluginArgs {
                scoring_strategy: ScoringStrategy { type_, resources },
                ..PluginArgs::default()
            };
            let mut info = PodInfo::new(&p);
            info.args = &args;
            assert_eq!(NodeResourcesFit.score(&info, &busy), want, "{name}");
        }
    }
}
