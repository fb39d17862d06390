//! SchedulingGates: a pod with `spec.schedulingGates` is held back at PreEnqueue and never
//! tried against the nodes (no FailedScheduling event) until every gate is removed.
//!
//! Follows `pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates.go` in
//! kubernetes/kubernetes. The `PodScheduled=False` condition with reason `SchedulingGated` is
//! written by the API server when the pod is created (`applySchedulingGatedCondition` in
//! `pkg/registry/core/pod/strategy.go`), see [`gated_condition`], and `kubectl get pods` shows
//! that reason as the STATUS (`printPod`).

use k8s_openapi::api::core::v1::{Pod, PodCondition};

/// `v1.PodReasonSchedulingGated`.
pub const REASON_SCHEDULING_GATED: &str = "SchedulingGated";
/// The message of the condition the API server adds.
pub const GATED_MESSAGE: &str = "Scheduling is blocked due to non-empty scheduling gates";

/// PreEnqueue: `None` lets the pod into the active queue; otherwise the
/// UnschedulableAndUnresolvable status message, `waiting for scheduling gates: [a b]`.
pub fn pre_enqueue(pod: &Pod) -> Option<String> {
    let gates = pod.spec.as_ref()?.scheduling_gates.as_ref()?;
    if gates.is_empty() {
        return None;
    }
    let names: Vec<&str> = gates.iter().map(|g| g.name.as_str()).collect();
    Some(format!(
        "waiting for scheduling gates: [{}]",
        names.join(" ")
    ))
}

/// `applySchedulingGatedCondition`: on create, a gated pod without a PodScheduled condition
/// gets `PodScheduled=False`, reason `SchedulingGated` (no transition time).
pub fn gated_condition(pod: &mut Pod) {
    if pre_enqueue(pod).is_none() {
        return;
    }
    let status = pod.status.get_or_insert_with(Default::default);
    let conds = status.conditions.get_or_insert_with(Vec::new);
    if conds.iter().any(|c| c.type_ == "PodScheduled") {
        return;
    }
    conds.push(PodCondition {
        type_: "PodScheduled".into(),
        status: "False".into(),
        reason: Some(REASON_SCHEDULING_GATED.into()),
        message: Some(GATED_MESSAGE.into()),
        ..Default::default()
    });
}

/// Whether `printPod` shows the pod as `SchedulingGated`.
pub fn shows_gated(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some(REASON_SCHEDULING_GATED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::pod;
    use serde_json::json;

    #[test]
    fn gates_hold_the_pod_back_until_all_are_removed() {
        let none = pod(json!({"containers": []}));
        assert_eq!(pre_enqueue(&none), None);
        let empty = pod(json!({"containers": [], "schedulingGates": []}));
        assert_eq!(pre_enqueue(&empty), None);
        let two =
            pod(json!({"containers": [], "schedulingGates": [{"name": "foo"}, {"name": "bar"}]}));
        assert_eq!(
            pre_enqueue(&two).as_deref(),
            Some("waiting for scheduling gates: [foo bar]")
        );
    }

    #[test]
    fn a_gated_pod_is_created_with_the_scheduling_gated_condition() {
        let mut p = pod(json!({"containers": [], "schedulingGates": [{"name": "foo"}]}));
        gated_condition(&mut p);
        gated_condition(&mut p);
        let conds = p
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        assert_eq!(conds.len(), 1);
        assert_eq!(conds[0].reason.as_deref(), Some("SchedulingGated"));
        assert_eq!(conds[0].message.as_deref(), Some(GATED_MESSAGE));
        assert!(shows_gated(&p));
        let mut ungated = pod(json!({"containers": []}));
        gated_condition(&mut ungated);
        assert!(!shows_gated(&ungated));
    }
}
