//! DefaultPreemption's diagnosis, the `preemption: ...` half of a FailedScheduling message.
//!
//! Follows `pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go` and
//! `pkg/scheduler/framework/preemption/preemption.go` (`findCandidates`,
//! `SelectVictimsOnNode`): nodes that failed a filter preemption cannot fix are "not helpful";
//! nodes with no lower-priority pods have no victims. Evicting victims is not simulated yet: a
//! node where removing every lower-priority pod would make room is reported with the filter's
//! own reasons.

use k8s_openapi::api::core::v1::Pod;

use crate::scheduler::{histogram, Code, NodeInfo, NodeVerdict};

/// Reason for nodes whose failure preemption cannot resolve.
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
/// Reason for nodes without lower-priority pods.
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// The preemption part of the message, without its final period.
pub fn post_filter(pod: &Pod, nodes: &[NodeInfo], verdicts: &[NodeVerdict]) -> String {
    let spec = pod.spec.as_ref();
    if spec.and_then(|s| s.preemption_policy.as_deref()) == Some("Never") {
        return "preemption: not eligible due to preemptionPolicy=Never".to_string();
    }
    let mut reasons = Vec::new();
    for (node, verdict) in nodes.iter().zip(verdicts) {
        let Some(last) = verdict.filters.last() else {
            continue;
        };
        if last.status.code == Code::UnschedulableAndUnresolvable {
            reasons.push(NOT_HELPFUL.to_string());
        } else if node.pods.is_empty() || !has_lower_priority_pods(pod, node) {
            reasons.push(NO_VICTIMS.to_string());
        } else {
            reasons.extend(last.status.reasons.iter().cloned());
        }
    }
    format!(
        "preemption: 0/{} nodes are available: {}",
        nodes.len(),
        histogram(reasons.into_iter())
    )
}

/// Whether any pod on the node has a lower priority than the incoming pod.
fn has_lower_priority_pods(pod: &Pod, node: &NodeInfo) -> bool {
    let mine = pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0);
    node.priorities.iter().any(|p| *p < mine)
}
