//! The kube-scheduler: a queue sorted by priority, Filter then Score plugins over every node,
//! the winning node bound, and a FailedScheduling event built from the per-node verdicts.
//!
//! Follows `pkg/scheduler/schedule_one.go` (schedulePod, findNodesThatFitPod,
//! prioritizeNodes, selectHost), `pkg/scheduler/framework/interface.go` (status codes),
//! `pkg/scheduler/framework/types.go` (`FitError.Error`, the `0/N nodes are available` message)
//! and `pkg/scheduler/apis/config/v1/default_plugins.go` (the default profile's plugins and
//! weights) in kubernetes/kubernetes.
//!
//! Where upstream picks at random among equally scored nodes (`selectHost` samples a reservoir),
//! kubefiddle takes the first of them in node-name order so that every run is the same.

pub mod config;
pub mod plugins;
mod resources;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod, PodCondition, Taint};
use serde::Serialize;

pub use resources::Resources;

use crate::store::{ObjRef, Store};

/// `framework.Code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Code {
    Success,
    /// The node does not fit now, but preempting pods could help.
    Unschedulable,
    /// The node does not fit and preemption would not change that.
    UnschedulableAndUnresolvable,
}

/// A Filter plugin's verdict on one node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    pub code: Code,
    pub reasons: Vec<String>,
}

impl Status {
    pub fn success() -> Self {
        Status {
            code: Code::Success,
            reasons: Vec::new(),
        }
    }
    pub fn unschedulable(reason: impl Into<String>) -> Self {
        Status {
            code: Code::Unschedulable,
            reasons: vec![reason.into()],
        }
    }
    pub fn unresolvable(reason: impl Into<String>) -> Self {
        Status {
            code: Code::UnschedulableAndUnresolvable,
            reasons: vec![reason.into()],
        }
    }
    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }
}

/// What the scheduler knows of a node: the node and the pods already on it.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    pub node: Node,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    pub allocatable: Resources,
    /// Sum of the requests of the pods on the node.
    pub requested: Resources,
    /// Same, counting a pod without cpu/memory requests as 100m / 200Mi (for scoring).
    pub non_zero_requested: Resources,
    pub pods: Vec<ObjRef>,
    /// `spec.priority` of each pod in `pods`.
    pub priorities: Vec<i32>,
    /// The pods in `pods` themselves (labels, namespace, affinity), for the plugins that look at
    /// other pods (InterPodAffinity).
    pub pod_objects: Vec<Pod>,
    /// The claims, volumes and classes of the cluster (the volume plugins' listers), shared by
    /// every node of a snapshot.
    pub storage: std::sync::Arc<plugins::volume_binding::StorageSnapshot>,
    /// For each pod in `pod_objects` with an affinity, its parsed pod (anti-)affinity terms
    /// (upstream's `PodInfo` keeps them the same way), so that each cycle does not re-parse the
    /// terms of every pod in the cluster.
    pub(crate) affinity_terms: Vec<Option<std::sync::Arc<plugins::inter_pod_affinity::Terms>>>,
}

impl NodeInfo {
    pub fn new(node: &Node) -> Self {
        let name = node.metadata.name.clone().unwrap_or_default();
        let spec = node.spec.as_ref();
        NodeInfo {
            labels: node.metadata.labels.clone().unwrap_or_default(),
            taints: spec.and_then(|s| s.taints.clone()).unwrap_or_default(),
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
            allocatable: Resources::from_list(
                node.status.as_ref().and_then(|s| s.allocatable.as_ref()),
            ),
            requested: Resources::default(),
            non_zero_requested: Resources::default(),
            pods: Vec::new(),
            priorities: Vec::new(),
            pod_objects: Vec::new(),
            storage: Default::default(),
            affinity_terms: Vec::new(),
            node: node.clone(),
            name,
        }
    }

    pub fn add_pod(&mut self, pod: &Pod) {
        let req = resources::pod_requests(pod);
        self.requested.add(&req);
        self.non_zero_requested.add(&resources::non_zero(&req));
        self.priorities
            .push(pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0));
        self.pods.push(ObjRef::new(
            "Pod",
            pod.metadata.namespace.as_deref().unwrap_or(""),
            pod.metadata.name.as_deref().unwrap_or(""),
        ));
        self.pod_objects.push(pod.clone());
        let has_affinity = pod
            .spec
            .as_ref()
            .and_then(|s| s.affinity.as_ref())
            .is_some();
        self.affinity_terms.push(
            has_affinity.then(|| std::sync::Arc::new(plugins::inter_pod_affinity::Terms::of(pod))),
        );
    }
}

/// The pod being scheduled, with what PreFilter computed once.
pub struct PodInfo<'a> {
    pub pod: &'a Pod,
    pub requests: Resources,
    pub non_zero_requests: Resources,
    /// Every node of the snapshot (not only the feasible ones), for plugins whose PreFilter or
    /// PreScore looks across the cluster. Empty unless built with `with_nodes`.
    pub nodes: &'a [NodeInfo],
    /// `framework.CycleState`: what a plugin computed once per cycle, by key.
    pub cycle: CycleState,
    /// The profile's plugin arguments.
    pub args: &'a config::PluginArgs,
    /// `helper.DefaultSelector`: the selectors of the Services, ReplicaSet and StatefulSet the
    /// pod belongs to, for PodTopologySpread's default constraints. Empty when none.
    pub default_spread_selector: crate::labels::Selector,
    /// The PodDisruptionBudgets of the cluster, for DefaultPreemption.
    pub pdbs: &'a [k8s_openapi::api::policy::v1::PodDisruptionBudget],
    /// The simulated Kubernetes minor version, for reasons whose text changed.
    pub minor: u32,
}

/// Per-cycle plugin state, computed lazily once (PreFilter / PreScore) and shared by the
/// per-node Filter / Score calls.
#[derive(Default)]
pub struct CycleState(
    std::sync::Mutex<BTreeMap<&'static str, std::sync::Arc<dyn std::any::Any + Send + Sync>>>,
);

impl CycleState {
    /// The state stored under `key`, computing it with `init` the first time.
    pub fn get_or_init<T: std::any::Any + Send + Sync>(
        &self,
        key: &'static str,
        init: impl FnOnce() -> T,
    ) -> std::sync::Arc<T> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = map.get(key).and_then(|v| v.clone().downcast::<T>().ok()) {
            return v;
        }
        let v = std::sync::Arc::new(init());
        map.insert(key, v.clone());
        v
    }
}

impl<'a> PodInfo<'a> {
    pub fn new(pod: &'a Pod) -> Self {
        let requests = resources::pod_requests(pod);
        let non_zero_requests = resources::non_zero(&requests);
        PodInfo {
            pod,
            requests,
            non_zero_requests,
            nodes: &[],
            cycle: CycleState::default(),
            args: config::default_args(),
            default_spread_selector: crate::labels::Selector::everything(),
            pdbs: &[],
            minor: crate::settings::DEFAULT_MINOR,
        }
    }

    /// Same, seeing every node of the snapshot.
    pub fn with_nodes(pod: &'a Pod, nodes: &'a [NodeInfo]) -> Self {
        PodInfo {
            nodes,
            ..PodInfo::new(pod)
        }
    }
}

/// A Filter plugin.
pub trait FilterPlugin: Sync {
    fn name(&self) -> &'static str;
    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status;
}

/// A Score plugin: raw scores per node, then normalised to 0..=100 (`MaxNodeScore`).
pub trait ScorePlugin: Sync {
    fn name(&self) -> &'static str;
    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64;
    /// NormalizeScore; the default leaves scores as they are.
    fn normalize(&self, _scores: &mut [i64]) {}
    /// PreScore over the feasible nodes; `false` is upstream's `Skip` status (the plugin does
    /// not score this pod). The default runs the plugin.
    fn pre_score(&self, _pod: &PodInfo, _feasible: &[&NodeInfo]) -> bool {
        true
    }
    /// NormalizeScore for plugins that need the pod or the nodes (given in the order of
    /// `scores`); the default calls `normalize`.
    fn normalize_for(&self, _pod: &PodInfo, _feasible: &[&NodeInfo], scores: &mut [i64]) {
        self.normalize(scores)
    }
}

/// `framework.MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;

/// `DefaultNormalizeScore` (pkg/scheduler/framework/plugins/helper/normalize_score.go): scale to
/// 0..=100 by the highest score, reversed when lower raw scores are better.
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            for s in scores.iter_mut() {
                *s = MAX_NODE_SCORE;
            }
        }
        return;
    }
    for s in scores.iter_mut() {
        let mut v = MAX_NODE_SCORE * *s / max;
        if reverse {
            v = MAX_NODE_SCORE - v;
        }
        *s = v;
    }
}

/// One node's line in the "why here?" table.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeVerdict {
    pub node: String,
    /// Each Filter plugin that ran on the node and its verdict, in order; filters stop at the
    /// first failure as upstream's do.
    pub filters: Vec<FilterResult>,
    pub scores: Vec<ScoreResult>,
    pub total: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterResult {
    pub plugin: String,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreResult {
    pub plugin: String,
    pub raw: i64,
    pub normalized: i64,
    pub weight: i64,
    pub weighted: i64,
}

/// One scheduling attempt for one pod: the data behind "why here?".
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub pod: ObjRef,
    /// Logical time of the attempt.
    pub time: i64,
    pub nodes: Vec<NodeVerdict>,
    pub chosen: Option<String>,
    /// The FailedScheduling message when no node fits.
    pub message: Option<String>,
    /// DefaultPreemption's choice when no node fits but evicting pods would make room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preemption: Option<plugins::default_preemption::Preemption>,
}

/// The default profile of the selected version (filters in order, scores with weights).
pub struct Profile {
    pub filters: Vec<&'static dyn FilterPlugin>,
    pub scores: Vec<(&'static dyn ScorePlugin, i64)>,
    /// The plugins' arguments (`pluginConfig`).
    pub args: config::PluginArgs,
    /// The simulated Kubernetes minor version (message formats changed over time).
    pub minor: u32,
    /// Whether DefaultPreemption runs at PostFilter.
    pub post_filter: bool,
    /// `percentageOfNodesToScore` (None or 0: adaptive).
    pub percentage_of_nodes_to_score: Option<i64>,
}

impl Profile {
    /// `getDefaultPlugins` for the plugins kubefiddle simulates, in upstream order.
    pub fn default_profile() -> Self {
        use plugins::*;
        Profile {
            filters: vec![
                &node_unschedulable::NodeUnschedulable,
                &node_name::NodeName,
                &taint_toleration::TaintToleration,
                &node_affinity::NodeAffinity,
                &node_ports::NodePorts,
                &node_resources_fit::NodeResourcesFit,
                &volume_restrictions::VolumeRestrictions,
                &node_volume_limits::NodeVolumeLimits,
                &volume_binding::VolumeBinding,
                &volume_zone::VolumeZone,
                &pod_topology_spread::PodTopologySpread,
                &inter_pod_affinity::InterPodAffinity,
            ],
            scores: vec![
                (&taint_toleration::TaintToleration, 3),
                (&node_affinity::NodeAffinity, 2),
                (&node_resources_fit::NodeResourcesFit, 1),
                (&pod_topology_spread::PodTopologySpread, 2),
                (&inter_pod_affinity::InterPodAffinity, 2),
                (
                    &node_resources_balanced_allocation::NodeResourcesBalancedAllocation,
                    1,
                ),
                (&image_locality::ImageLocality, 1),
            ],
            args: config::PluginArgs::default(),
            minor: crate::settings::DEFAULT_MINOR,
            post_filter: true,
            percentage_of_nodes_to_score: None,
        }
    }

    /// The default profile of Kubernetes 1.`minor`. The filters are the same since 1.20; the
    /// scores changed twice. 1.20 and 1.21 took them from the algorithm provider
    /// (`algorithmprovider/registry.go`): every weight 1 but PodTopologySpread's 2, resources
    /// scored by NodeResourcesLeastAllocated, and NodePreferAvoidPods at 10000. 1.22 took the
    /// v1beta2 defaults (`v1beta2/default_plugins.go`: NodeResourcesFit scores, no
    /// NodePreferAvoidPods), and 1.23 the v1beta3 ones, today's weights (`latest.go`). Read in
    /// the sources vendored by kubernetes/autoscaler's cluster-autoscaler-1.2x.0 tags.
    pub fn default_profile_for(minor: u32) -> Self {
        use plugins::*;
        let mut profile = Profile::default_profile();
        profile.minor = minor;
        if minor >= 23 {
            return profile;
        }
        let resources: &'static dyn ScorePlugin = if minor >= 22 {
            &node_resources_fit::NodeResourcesFit
        } else {
            &node_resources_least_allocated::NodeResourcesLeastAllocated
        };
        let mut scores: Vec<(&'static dyn ScorePlugin, i64)> = vec![
            (
                &node_resources_balanced_allocation::NodeResourcesBalancedAllocation,
                1,
            ),
            (&image_locality::ImageLocality, 1),
            (&inter_pod_affinity::InterPodAffinity, 1),
            (resources, 1),
            (&node_affinity::NodeAffinity, 1),
        ];
        if minor < 22 {
            scores.push((&node_prefer_avoid_pods::NodePreferAvoidPods, 10000));
        }
        scores.push((&pod_topology_spread::PodTopologySpread, 2));
        scores.push((&taint_toleration::TaintToleration, 1));
        profile.scores = scores;
        profile
    }
}

/// Builds the scheduler's snapshot of the nodes and of the pods bound to them.
pub fn snapshot(store: &Store) -> Vec<NodeInfo> {
    let mut nodes: Vec<NodeInfo> = store
        .list("Node")
        .filter_map(|s| s.obj.as_node())
        .map(NodeInfo::new)
        .collect();
    let storage = std::sync::Arc::new(plugins::volume_binding::StorageSnapshot::from_store(store));
    for n in &mut nodes {
        n.storage = storage.clone();
    }
    let index: BTreeMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.clone(), i))
        .collect();
    for s in store.list("Pod") {
        let Some(pod) = s.obj.as_pod() else { continue };
        if is_terminal(pod) {
            continue;
        }
        let node_name = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        if let Some(i) = node_name.and_then(|n| index.get(n)) {
            nodes[*i].add_pod(pod);
        }
    }
    nodes
}

/// Pods that finished no longer hold resources.
pub fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

/// The result of `schedule_one`.
pub struct Decision {
    pub attempt: Attempt,
    /// How many nodes the filters ran on (for the next cycle's start index).
    pub processed_nodes: usize,
}

/// Runs one scheduling cycle for `pod` against `nodes`.
pub fn schedule_one(profile: &Profile, pod: &Pod, nodes: &[NodeInfo], now: i64) -> Decision {
    let mut info = PodInfo::with_nodes(pod, nodes);
    info.args = &profile.args;
    schedule_pod(profile, info, now)
}

/// Schedules `pods` one after another onto a snapshot, binding each on its node before the
/// next and carrying `nextStartNodeIndex` from cycle to cycle, as kube-scheduler does with no
/// controllers around it (the benchmarks' loop, native and wasm). Returns how many were bound.
pub fn schedule_in_turn(profile: &Profile, nodes: &mut [NodeInfo], pods: &[Pod]) -> usize {
    let mut start = 0;
    let mut bound = 0;
    for pod in pods {
        let mut info = PodInfo::with_nodes(pod, nodes);
        info.args = &profile.args;
        let d = schedule_pod_from(profile, info, 0, start);
        start = start.saturating_add(d.processed_nodes) % nodes.len().max(1);
        if let Some(node) = d.attempt.chosen {
            if let Some(n) = nodes.iter_mut().find(|n| n.name == node) {
                n.add_pod(pod);
                bound += 1;
            }
        }
    }
    bound
}

/// `schedule_one` for a pod whose `PodInfo` the caller prepared (with what the plugins need
/// from the rest of the cluster, such as `default_spread_selector`).
pub fn schedule_pod(profile: &Profile, info: PodInfo, now: i64) -> Decision {
    schedule_pod_from(profile, info, now, 0)
}

/// `schedule_pod` filtering from node `start` (upstream's `nextStartNodeIndex`, wrapping
/// around) and stopping once `numFeasibleNodesToFind` nodes fit (`findNodesThatPassFilters`).
/// Nodes are in name order (upstream interleaves zones); the filters do not run on the nodes
/// after the stop, and those nodes are left out of the trace.
pub fn schedule_pod_from(profile: &Profile, mut info: PodInfo, now: i64, start: usize) -> Decision {
    info.minor = profile.minor;
    let (pod, nodes) = (info.pod, info.nodes);
    let to_find =
        config::num_feasible_nodes_to_find(profile.percentage_of_nodes_to_score, nodes.len());
    // A verdict per node, its name filled in once the filters ran on it.
    let mut verdicts: Vec<NodeVerdict> = nodes
        .iter()
        .map(|_| NodeVerdict {
            node: String::new(),
            filters: Vec::new(),
            scores: Vec::new(),
            total: 0,
        })
        .collect();
    let mut processed = vec![false; nodes.len()];
    let mut processed_nodes = 0;
    let mut feasible: Vec<usize> = Vec::new();
    let len = nodes.len().max(1);
    for k in 0..nodes.len() {
        if feasible.len() >= to_find {
            break;
        }
        let i = (start.saturating_add(k)) % len;
        let Some(node) = nodes.get(i) else { continue };
        processed_nodes += 1;
        if let Some(p) = processed.get_mut(i) {
            *p = true;
        }
        let mut filters = Vec::new();
        let mut ok = true;
        for f in &profile.filters {
            let status = f.filter(&info, node);
            let pass = status.is_success();
            filters.push(FilterResult {
                plugin: f.name().to_string(),
                status,
            });
            if !pass {
                ok = false;
                break;
            }
        }
        if ok {
            feasible.push(i);
        }
        verdicts[i].filters = filters;
        verdicts[i].node.clone_from(&node.name);
    }
    // The trace keeps the nodes in name order.
    feasible.sort_unstable();
    let pod_ref = ObjRef::new(
        "Pod",
        pod.metadata.namespace.as_deref().unwrap_or(""),
        pod.metadata.name.as_deref().unwrap_or(""),
    );
    if feasible.is_empty() {
        let post = if profile.post_filter {
            plugins::default_preemption::post_filter(profile, &info, &verdicts)
        } else {
            plugins::default_preemption::PostFilterResult {
                message: String::new(),
                preemption: None,
            }
        };
        let message = fit_error_message(profile.minor, nodes, &verdicts, &post.message);
        return Decision {
            attempt: Attempt {
                pod: pod_ref,
                time: now,
                nodes: verdicts,
                chosen: None,
                message: Some(message),
                preemption: post.preemption,
            },
            processed_nodes,
        };
    }
    let verdicts_of_processed = |verdicts: Vec<NodeVerdict>| -> Vec<NodeVerdict> {
        verdicts
            .into_iter()
            .zip(&processed)
            .filter_map(|(v, p)| p.then_some(v))
            .collect()
    };
    // A pod nominated by an earlier preemption goes to its nominated node when that node fits
    // (`evaluateNominatedNode`), without scoring.
    let nominated = pod
        .status
        .as_ref()
        .and_then(|s| s.nominated_node_name.as_deref())
        .and_then(|n| feasible.iter().copied().find(|&i| nodes[i].name == n));
    if let Some(i) = nominated {
        return Decision {
            attempt: Attempt {
                pod: pod_ref,
                time: now,
                chosen: Some(nodes[i].name.clone()),
                nodes: verdicts_of_processed(verdicts),
                message: None,
                preemption: None,
            },
            processed_nodes,
        };
    }
    // Score the feasible nodes. With one feasible node upstream skips scoring.
    if feasible.len() > 1 {
        let feasible_nodes: Vec<&NodeInfo> = feasible.iter().map(|&i| &nodes[i]).collect();
        for (plugin, weight) in &profile.scores {
            if !plugin.pre_score(&info, &feasible_nodes) {
                continue;
            }
            let mut raw: Vec<i64> = feasible_nodes
                .iter()
                .map(|n| plugin.score(&info, n))
                .collect();
            let mut normalized = raw.clone();
            plugin.normalize_for(&info, &feasible_nodes, &mut normalized);
            for (k, &i) in feasible.iter().enumerate() {
                let weighted = normalized[k] * weight;
                verdicts[i].scores.push(ScoreResult {
                    plugin: plugin.name().to_string(),
                    raw: std::mem::take(&mut raw[k]),
                    normalized: normalized[k],
                    weight: *weight,
                    weighted,
                });
                verdicts[i].total += weighted;
            }
        }
    }
    let mut best = feasible[0];
    for &i in &feasible[1..] {
        let (a, b) = (&verdicts[i], &verdicts[best]);
        if a.total > b.total || (a.total == b.total && a.node < b.node) {
            best = i;
        }
    }
    Decision {
        attempt: Attempt {
            pod: pod_ref,
            time: now,
            chosen: Some(nodes[best].name.clone()),
            nodes: verdicts_of_processed(verdicts),
            message: None,
            preemption: None,
        },
        processed_nodes,
    }
}

/// `FitError.Error()`: `0/N nodes are available: <histogram>.` followed by the preemption
/// plugin's own diagnosis (`post`, ending in a period, empty when preemption nominated a node).
/// Since 1.25 (kubernetes/kubernetes#110894) the PostFilter message is added with the format
/// `" %v."`, so a diagnosis that ends in a period ends in two.
fn fit_error_message(
    minor: u32,
    nodes: &[NodeInfo],
    verdicts: &[NodeVerdict],
    post: &str,
) -> String {
    let mut msg = format!("0/{} nodes are available", nodes.len());
    if nodes.is_empty() {
        msg.push_str(": no nodes available to schedule pods");
        return msg;
    }
    msg.push(':');
    let failed: Vec<&Status> = verdicts
        .iter()
        .filter_map(|v| v.filters.last().map(|f| &f.status))
        .collect();
    msg.push_str(&format!(
        " {}.",
        histogram(failed.iter().flat_map(|s| s.reasons.iter().cloned()))
    ));
    // The PostFilter's diagnosis joined the message in 1.24 (kubernetes/kubernetes#107775).
    if !post.is_empty() && minor >= 24 {
        msg.push(' ');
        msg.push_str(post);
        if minor >= 25 {
            msg.push('.');
        }
    }
    msg
}

/// Counts equal reasons and lists them sorted as strings: `1 node(s) were unschedulable, 2
/// Insufficient cpu`.
pub fn histogram(reasons: impl Iterator<Item = String>) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r).or_insert(0) += 1;
    }
    let mut lines: Vec<String> = counts
        .into_iter()
        .map(|(r, n)| format!("{n} {r}"))
        .collect();
    lines.sort();
    lines.join(", ")
}

/// The PodScheduled condition the scheduler writes.
pub fn scheduled_condition(
    ok: bool,
    message: Option<String>,
    time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
) -> PodCondition {
    PodCondition {
        type_: "PodScheduled".into(),
        status: if ok { "True" } else { "False" }.into(),
        reason: if ok {
            None
        } else {
            Some("Unschedulable".into())
        },
        message,
        last_transition_time: Some(time.clone()),
        last_probe_time: None,
        observed_generation: None,
    }
}
