//! DefaultPreemption (PostFilter): when no node fits, find the nodes where evicting pods of
//! lower priority would make the pod fit, pick one, and name the victims. The scheduler then
//! deletes them and sets the pod's `status.nominatedNodeName`; the pod binds in a later cycle.
//!
//! Follows `pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go`
//! (`PodEligibleToPreemptOthers`, `SelectVictimsOnNode`, `filterPodsWithPDBViolation`, the
//! `preemption: ` prefix of the message) and `pkg/scheduler/framework/preemption/preemption.go`
//! (`Preempt`, `findCandidates`, `nodesWherePreemptionMightHelp`, `DryRunPreemption`,
//! `pickOneNodeForPreemption`, `prepareCandidate`) and `pkg/scheduler/util/utils.go`
//! (`MoreImportantPod`, `GetEarliestPodStartTime`) in kubernetes/kubernetes.
//!
//! Differences: every potential node is a candidate (upstream samples at least 100 nodes or 10%
//! from a random offset; the same for clusters of up to 100 nodes); ties between nodes go to the
//! first by name. Filters are re-run on a copy of the snapshot without the victims, so
//! cross-node state (PodTopologySpread, InterPodAffinity) is recomputed rather than updated.
//! A PodDisruptionBudget's `status.disruptionsAllowed` is used when present; otherwise it is
//! computed as the disruption controller would from the matching pods (expected = matching
//! pods, healthy = running ones). Not simulated: nominated pods are not added to the nodes when
//! filtering (`RunFilterPluginsWithNominatedPods`), the nominations of lower-priority pods on
//! the chosen node are not cleared, and `minCandidateNodesPercentage` /
//! `minCandidateNodesAbsolute` cannot be configured.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::labels::Selector;
use crate::scheduler::{histogram, Code, NodeInfo, NodeVerdict, PodInfo, Profile, Status};
use crate::store::ObjRef;

/// Reason for nodes whose failure preemption cannot resolve.
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
/// Reason for nodes without lower-priority pods.
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// The node chosen for preemption and the pods to evict there (the trace's record).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preemption {
    pub node: String,
    pub victims: Vec<ObjRef>,
    pub num_pdb_violations: i64,
    /// The other candidate nodes, with their victims, in the order they were compared.
    pub candidates: Vec<Candidate>,
}

/// A node where preemption would work.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub node: String,
    pub victims: Vec<ObjRef>,
    pub num_pdb_violations: i64,
}

/// What PostFilter returns: the message (with its final period, or empty when preemption
/// found a node) and the nomination.
pub struct PostFilterResult {
    pub message: String,
    pub preemption: Option<Preemption>,
}

fn priority(pod: &Pod) -> i32 {
    pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0)
}

fn pod_ref(pod: &Pod) -> ObjRef {
    ObjRef::new(
        "Pod",
        pod.metadata.namespace.as_deref().unwrap_or(""),
        pod.metadata.name.as_deref().unwrap_or(""),
    )
}

/// `status.startTime` in seconds; a pod not started counts as starting now (latest).
fn start_time(pod: &Pod) -> i64 {
    pod.status
        .as_ref()
        .and_then(|s| s.start_time.as_ref())
        .map(|t| t.0.as_second())
        .unwrap_or(i64::MAX)
}

/// `MoreImportantPod`: higher priority, then the one that started earlier.
fn more_important(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    priority(b)
        .cmp(&priority(a))
        .then_with(|| start_time(a).cmp(&start_time(b)))
}

/// `PodEligibleToPreemptOthers`.
fn eligible(pod: &Pod, nodes: &[NodeInfo], verdicts: &[NodeVerdict]) -> Result<(), String> {
    let spec = pod.spec.as_ref();
    if spec.and_then(|s| s.preemption_policy.as_deref()) == Some("Never") {
        return Err("not eligible due to preemptionPolicy=Never.".to_string());
    }
    let nominated = pod
        .status
        .as_ref()
        .and_then(|s| s.nominated_node_name.as_deref())
        .unwrap_or("");
    if nominated.is_empty() {
        return Ok(());
    }
    let Some(i) = nodes.iter().position(|n| n.name == nominated) else {
        return Ok(());
    };
    let unresolvable = verdicts
        .get(i)
        .and_then(|v| v.filters.last())
        .is_some_and(|f| f.status.code == Code::UnschedulableAndUnresolvable);
    if unresolvable {
        return Ok(());
    }
    let mine = priority(pod);
    let terminating = nodes[i]
        .pod_objects
        .iter()
        .any(|p| priority(p) < mine && p.metadata.deletion_timestamp.is_some());
    if terminating {
        return Err("not eligible due to a terminating pod on the nominated node.".to_string());
    }
    Ok(())
}

/// The filters' verdict for the pod on node `index` of `nodes` (a fresh cycle, so PreFilter
/// state sees exactly these nodes).
fn run_filters(profile: &Profile, info: &PodInfo, nodes: &[NodeInfo], index: usize) -> Status {
    let mut fresh = PodInfo::with_nodes(info.pod, nodes);
    fresh.args = info.args;
    fresh.default_spread_selector = info.default_spread_selector.clone();
    fresh.pdbs = info.pdbs;
    let Some(node) = nodes.get(index) else {
        return Status::unresolvable(NOT_HELPFUL);
    };
    for f in &profile.filters {
        let s = f.filter(&fresh, node);
        if !s.is_success() {
            return s;
        }
    }
    Status::success()
}

/// `NodeInfo` with only the given pods.
fn rebuild(node: &NodeInfo, pods: &[Pod]) -> NodeInfo {
    let mut n = NodeInfo::new(&node.node);
    for p in pods {
        n.add_pod(p);
    }
    n
}

/// `disruptionsAllowed` of a PDB (see the module comment).
fn disruptions_allowed(pdb: &PodDisruptionBudget, all: &[NodeInfo]) -> i64 {
    if let Some(s) = pdb.status.as_ref() {
        return i64::from(s.disruptions_allowed);
    }
    let ns = pdb.metadata.namespace.as_deref().unwrap_or("");
    let selector = pdb_selector(pdb);
    let matching: Vec<&Pod> = all
        .iter()
        .flat_map(|n| n.pod_objects.iter())
        .filter(|p| p.metadata.namespace.as_deref().unwrap_or("") == ns)
        .filter(|p| !selector.is_empty() && selector.matches_opt(p.metadata.labels.as_ref()))
        .collect();
    let expected = i64::try_from(matching.len()).unwrap_or(i64::MAX);
    let healthy = i64::try_from(
        matching
            .iter()
            .filter(|p| {
                p.metadata.deletion_timestamp.is_none()
                    && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
            })
            .count(),
    )
    .unwrap_or(i64::MAX);
    let scaled = |v: &IntOrString| -> i64 {
        match v {
            IntOrString::Int(i) => i64::from(*i),
            IntOrString::String(s) => {
                let pct: i64 = s.trim_end_matches('%').parse().unwrap_or(0);
                // GetScaledValueFromIntOrPercent rounding up.
                (pct.saturating_mul(expected) + 99) / 100
            }
        }
    };
    let spec = pdb.spec.as_ref();
    let desired_healthy = if let Some(min) = spec.and_then(|s| s.min_available.as_ref()) {
        scaled(min)
    } else if let Some(max) = spec.and_then(|s| s.max_unavailable.as_ref()) {
        expected.saturating_sub(scaled(max))
    } else {
        expected
    };
    healthy.saturating_sub(desired_healthy).max(0)
}

fn pdb_selector(pdb: &PodDisruptionBudget) -> Selector {
    Selector::from_optional_label_selector(pdb.spec.as_ref().and_then(|s| s.selector.as_ref()))
        .unwrap_or_else(|_| Selector::nothing())
}

/// `filterPodsWithPDBViolation`: victims whose eviction would exceed a budget, and the rest.
fn split_by_pdb(
    victims: Vec<Pod>,
    pdbs: &[PodDisruptionBudget],
    all: &[NodeInfo],
) -> (Vec<Pod>, Vec<Pod>) {
    let mut allowed: Vec<i64> = pdbs.iter().map(|p| disruptions_allowed(p, all)).collect();
    let (mut violating, mut fine) = (Vec::new(), Vec::new());
    for pod in victims {
        let mut violated = false;
        if pod.metadata.labels.as_ref().is_some_and(|l| !l.is_empty()) {
            for (i, pdb) in pdbs.iter().enumerate() {
                if pdb.metadata.namespace != pod.metadata.namespace {
                    continue;
                }
                let sel = pdb_selector(pdb);
                if sel.is_empty() || !sel.matches_opt(pod.metadata.labels.as_ref()) {
                    continue;
                }
                let disrupted = pdb
                    .status
                    .as_ref()
                    .and_then(|s| s.disrupted_pods.as_ref())
                    .is_some_and(|d| d.contains_key(pod.metadata.name.as_deref().unwrap_or("")));
                if disrupted {
                    continue;
                }
                if let Some(a) = allowed.get_mut(i) {
                    *a -= 1;
                    if *a < 0 {
                        violated = true;
                    }
                }
            }
        }
        if violated {
            violating.push(pod);
        } else {
            fine.push(pod);
        }
    }
    (violating, fine)
}

/// `SelectVictimsOnNode`: remove every lower-priority pod; if the pod then fits, put back as
/// many as possible (PDB-violating ones first, most important first).
fn select_victims(
    profile: &Profile,
    info: &PodInfo,
    index: usize,
) -> Result<(Vec<Pod>, i64), Status> {
    let nodes = info.nodes;
    let Some(node) = nodes.get(index) else {
        return Err(Status::unresolvable(NOT_HELPFUL));
    };
    let mine = priority(info.pod);
    let (mut potential, mut kept): (Vec<Pod>, Vec<Pod>) = node
        .pod_objects
        .iter()
        .cloned()
        .partition(|p| priority(p) < mine);
    if potential.is_empty() {
        return Err(Status::unresolvable(NO_VICTIMS));
    }
    let mut copy: Vec<NodeInfo> = nodes.to_vec();
    copy[index] = rebuild(node, &kept);
    let status = run_filters(profile, info, &copy, index);
    if !status.is_success() {
        return Err(status);
    }
    potential.sort_by(more_important);
    let (violating, fine) = split_by_pdb(potential, info.pdbs, nodes);
    let mut victims = Vec::new();
    let mut violations = 0;
    for (is_violating, pod) in violating
        .into_iter()
        .map(|p| (true, p))
        .chain(fine.into_iter().map(|p| (false, p)))
    {
        kept.push(pod);
        copy[index] = rebuild(node, &kept);
        if !run_filters(profile, info, &copy, index).is_success() {
            if let Some(p) = kept.pop() {
                victims.push(p);
            }
            copy[index] = rebuild(node, &kept);
            if is_violating {
                violations += 1;
            }
        }
    }
    victims.sort_by(more_important);
    Ok((victims, violations))
}

/// `pickOneNodeForPreemption`: fewest PDB violations, then the lowest highest-priority victim,
/// the smallest sum of priorities, the fewest victims, the latest start of the highest-priority
/// victims; then the first.
fn pick(candidates: &[(usize, Vec<Pod>, i64)]) -> Option<usize> {
    let key = |(_, victims, violations): &(usize, Vec<Pod>, i64)| {
        let highest = victims.first().map(priority).unwrap_or(i32::MIN);
        let sum: i64 = victims
            .iter()
            .map(|p| i64::from(priority(p)) + i64::from(i32::MAX) + 1)
            .sum();
        let earliest = victims
            .iter()
            .filter(|p| priority(p) == highest)
            .map(start_time)
            .min()
            .unwrap_or(i64::MAX);
        (
            *violations,
            highest,
            sum,
            victims.len(),
            std::cmp::Reverse(earliest),
        )
    };
    candidates
        .iter()
        .enumerate()
        .min_by(|(ia, a), (ib, b)| key(a).cmp(&key(b)).then_with(|| ia.cmp(ib)))
        .map(|(i, _)| i)
}

/// `DefaultPreemption.PostFilter`.
pub fn post_filter(
    profile: &Profile,
    info: &PodInfo,
    verdicts: &[NodeVerdict],
) -> PostFilterResult {
    let nodes = info.nodes;
    if let Err(msg) = eligible(info.pod, nodes, verdicts) {
        return PostFilterResult {
            message: format!("preemption: {msg}"),
            preemption: None,
        };
    }
    // nodesWherePreemptionMightHelp, then DryRunPreemption over those nodes.
    let mut statuses: BTreeMap<usize, Status> = BTreeMap::new();
    let mut candidates: Vec<(usize, Vec<Pod>, i64)> = Vec::new();
    for (i, verdict) in verdicts.iter().enumerate() {
        let Some(last) = verdict.filters.last() else {
            continue;
        };
        if last.status.code == Code::UnschedulableAndUnresolvable {
            statuses.insert(i, Status::unresolvable(NOT_HELPFUL));
            continue;
        }
        match select_victims(profile, info, i) {
            Ok((victims, violations)) if !victims.is_empty() => {
                candidates.push((i, victims, violations))
            }
            Ok(_) => {
                statuses.insert(
                    i,
                    Status::unresolvable(format!(
                        "expected at least one victim pod on node {}",
                        crate::labels::go_quote(&verdict.node)
                    )),
                );
            }
            Err(s) => {
                statuses.insert(i, s);
            }
        }
    }
    let Some(best) = pick(&candidates) else {
        let reasons = statuses.values().flat_map(|s| s.reasons.iter().cloned());
        return PostFilterResult {
            message: format!(
                "preemption: 0/{} nodes are available: {}.",
                statuses.len(),
                histogram(reasons)
            ),
            preemption: None,
        };
    };
    let name = |i: usize| nodes.get(i).map(|n| n.name.clone()).unwrap_or_default();
    let (i, victims, violations) = &candidates[best];
    PostFilterResult {
        message: String::new(),
        preemption: Some(Preemption {
            node: name(*i),
            victims: victims.iter().map(pod_ref).collect(),
            num_pdb_violations: *violations,
            candidates: candidates
                .iter()
                .map(|(i, v, n)| Candidate {
                    node: name(*i),
                    victims: v.iter().map(pod_ref).collect(),
                    num_pdb_violations: *n,
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::node;
    use crate::scheduler::schedule_one;
    use serde_json::json;

    fn pod(name: &str, priority: i32, cpu: &str, start: i64) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
            "spec": {"priority": priority, "containers": [
                {"name": "c", "resources": {"requests": {"cpu": cpu}}}]},
            "status": {"startTime": format!("2024-01-01T00:00:{start:02}Z")}}))
        .unwrap()
    }

    fn names(v: &[ObjRef]) -> Vec<&str> {
        v.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn the_fewest_least_important_victims_are_chosen_after_reprieving_the_more_important() {
        let mut n = node("n", json!({}));
        for p in [
            pod("p1", 1, "1", 0),
            pod("p2", 2, "2", 0),
            pod("p3", 3, "1", 0),
        ] {
            n.add_pod(&p);
        }
        let nodes = vec![n];
        let preemptor = pod("big", 10, "2", 0);
        let d = schedule_one(&Profile::default_profile(), &preemptor, &nodes, 0).attempt;
        assert_eq!(d.chosen, None);
        // p3 is put back first (1 cpu), then p2 does not fit back, then p1 does.
        let p = d.preemption.expect("a preemption");
        assert_eq!((p.node.as_str(), names(&p.victims)), ("n", vec!["p2"]));
        assert_eq!(
            d.message.as_deref(),
            Some("0/1 nodes are available: 1 Insufficient cpu.")
        );
    }

    #[test]
    fn pick_one_node_for_preemption_table() {
        let c = |victims: Vec<Pod>, pdb: i64| (0usize, victims, pdb);
        let cases = [
            (
                "fewer PDB violations win",
                vec![
                    c(vec![pod("a", 1, "1", 0)], 1),
                    c(vec![pod("b", 5, "1", 0)], 0),
                ],
                1,
            ),
            (
                "then the lower highest-priority victim",
                vec![
                    c(vec![pod("a", 5, "1", 0)], 0),
                    c(vec![pod("b", 1, "1", 0)], 0),
                ],
                1,
            ),
            (
                "then the smaller sum of priorities",
                vec![
                    c(vec![pod("a", 5, "1", 0), pod("a2", 4, "1", 0)], 0),
                    c(vec![pod("b", 5, "1", 0), pod("b2", 1, "1", 0)], 0),
                ],
                1,
            ),
            (
                "then fewer victims",
                vec![
                    c(vec![pod("a", -5, "1", 0), pod("a2", -5, "1", 0)], 0),
                    c(vec![pod("b", 0, "1", 0)], 0),
                ],
                0,
            ),
            (
                "then the latest start of the highest-priority victims",
                vec![
                    c(vec![pod("a", 5, "1", 10)], 0),
                    c(vec![pod("b", 5, "1", 20)], 0),
                ],
                1,
            ),
            (
                "then the first",
                vec![
                    c(vec![pod("a", 5, "1", 10)], 0),
                    c(vec![pod("b", 5, "1", 10)], 0),
                ],
                0,
            ),
        ];
        for (name, candidates, want) in cases {
            assert_eq!(pick(&candidates), Some(want), "{name}");
        }
    }

    #[test]
    fn without_lower_priority_pods_there_are_no_victims_and_unresolvable_nodes_are_not_helpful() {
        let mut a = node("a", json!({}));
        a.add_pod(&pod("same", 10, "4", 0));
        let b = node("b", json!({"spec": {"unschedulable": true}}));
        let nodes = vec![a, b];
        let preemptor = pod("p", 10, "1", 0);
        let d = schedule_one(&Profile::default_profile(), &preemptor, &nodes, 0).attempt;
        assert_eq!(d.preemption, None);
        assert_eq!(
            d.message.as_deref(),
            Some(
                "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. \
                 preemption: 0/2 nodes are available: 1 No preemption victims found for incoming \
                 pod, 1 Preemption is not helpful for scheduling.."
            )
        );
    }

    #[test]
    fn a_budget_without_status_allows_what_the_disruption_controller_would() {
        let mut running = pod("a", 1, "1", 0);
        running.status.as_mut().unwrap().phase = Some("Running".into());
        let mut n = node("n", json!({}));
        n.add_pod(&running);
        n.add_pod(&running);
        let pdb = |spec: serde_json::Value| -> PodDisruptionBudget {
            serde_json::from_value(json!({"metadata": {"name": "b", "namespace": "default"},
                "spec": spec}))
            .unwrap()
        };
        let sel = json!({"matchLabels": {"app": "a"}});
        let nodes = vec![n];
        assert_eq!(
            disruptions_allowed(&pdb(json!({"minAvailable": 1, "selector": sel})), &nodes),
            1
        );
        assert_eq!(
            disruptions_allowed(
                &pdb(json!({"maxUnavailable": "50%", "selector": sel})),
                &nodes
            ),
            1
        );
        assert_eq!(
            disruptions_allowed(
                &pdb(json!({"minAvailable": "100%", "selector": sel})),
                &nodes
            ),
            0
        );
    }
}
