//! PodTopologySpread: the pod's topology spread constraints (or, for a pod without any, the
//! profile's default constraints over the Services, ReplicaSet or StatefulSet it belongs to).
//! Filter: `whenUnsatisfiable: DoNotSchedule` constraints rule out nodes whose domain would
//! exceed `maxSkew` over the least loaded eligible domain (taken as 0 while fewer than
//! `minDomains` domains exist), and nodes missing a constraint's topology key. Score:
//! `ScheduleAnyway` constraints prefer nodes whose domains hold fewer matching pods.
//!
//! Follows `pkg/scheduler/framework/plugins/podtopologyspread/filtering.go` (PreFilter's
//! `TpPairToMatchNum`, `TpKeyToDomainsNum` and critical paths, `Filter`, `minMatchNum`),
//! `scoring.go` (`initPreScoreState`, `PreScore`, `Score`, `NormalizeScore`,
//! `topologyNormalizingWeight`, `scoreForCount`), `plugin.go` (`systemDefaultConstraints`) and
//! `common.go` (`filterTopologySpreadConstraints` with `matchLabelKeys`,
//! `buildDefaultConstraints`, the defaults `minDomains` 1, `nodeAffinityPolicy: Honor`,
//! `nodeTaintsPolicy: Ignore`, `matchNodeInclusionPolicies`, `countPodsMatchSelector`), and
//! `pkg/scheduler/framework/plugins/helper/spread.go` (`DefaultSelector`) in
//! kubernetes/kubernetes.
//!
//! PreScore returns upstream's `Skip` (no score column) when the pod has no soft constraint, as
//! since 1.26; before, such pods got the same 100 on every node, which changes no decision.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::{Pod, TopologySpreadConstraint};

use crate::labels::{pod_matches_node_selector_and_affinity, Operator, Requirement, Selector};
use crate::scheduler::config::DefaultingType;
use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status, MAX_NODE_SCORE};
use crate::store::Store;
use crate::taints::find_untolerated_taint;

pub struct PodTopologySpread;

/// `ErrReasonConstraintsNotMatch`.
pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";
/// `ErrReasonNodeLabelNotMatch`.
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// `v1.LabelHostname`: per-node counts are computed in Score rather than PreScore.
const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";

/// `topologySpreadConstraint`: a constraint with its selector built and its defaults applied.
struct Constraint {
    max_skew: i64,
    topology_key: String,
    selector: Selector,
    min_domains: i64,
    honor_node_affinity: bool,
    honor_node_taints: bool,
}

/// `filterTopologySpreadConstraints`: the constraints with the given `whenUnsatisfiable`, the
/// pod's values for `matchLabelKeys` added to the selector.
fn filter_constraints(
    list: &[TopologySpreadConstraint],
    pod: &Pod,
    action: &str,
) -> Vec<Constraint> {
    let empty = BTreeMap::new();
    let pod_labels = pod.metadata.labels.as_ref().unwrap_or(&empty);
    list.iter()
        .filter(|c| c.when_unsatisfiable == action)
        .map(|c| {
            let mut selector = Selector::from_optional_label_selector(c.label_selector.as_ref())
                .unwrap_or_else(|_| Selector::nothing());
            let extra: Vec<Requirement> = c
                .match_label_keys
                .iter()
                .flatten()
                .filter_map(|k| {
                    let v = pod_labels.get(k)?;
                    Requirement::new(k, Operator::Equals, vec![v.clone()]).ok()
                })
                .collect();
            if !extra.is_empty() {
                selector = selector.add(extra);
            }
            Constraint {
                max_skew: i64::from(c.max_skew),
                topology_key: c.topology_key.clone(),
                selector,
                min_domains: c.min_domains.map_or(1, i64::from),
                honor_node_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
                honor_node_taints: c.node_taints_policy.as_deref() == Some("Honor"),
            }
        })
        .collect()
}

/// The pod's own constraints with the given action, or else `buildDefaultConstraints`: the
/// profile's default constraints with the pod's default selector (none when that is empty).
fn constraints(pod: &PodInfo, action: &str) -> Vec<Constraint> {
    let own: &[TopologySpreadConstraint] = pod
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.topology_spread_constraints.as_deref())
        .unwrap_or(&[]);
    if !own.is_empty() {
        return filter_constraints(own, pod.pod, action);
    }
    let defaults = pod.args.pod_topology_spread.effective_defaults();
    let mut list = filter_constraints(&defaults, pod.pod, action);
    if list.is_empty() || pod.default_spread_selector.is_empty() {
        return Vec::new();
    }
    for c in &mut list {
        c.selector = pod.default_spread_selector.clone();
    }
    list
}

/// `helper.DefaultSelector`: the selectors of the Services of the pod's namespace that select
/// it, and of the ReplicaSet or StatefulSet controlling it, combined. An empty selector when
/// the pod belongs to none.
pub fn default_selector(store: &Store, pod: &Pod) -> Selector {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("");
    let empty = BTreeMap::new();
    let pod_labels = pod.metadata.labels.as_ref().unwrap_or(&empty);
    let mut set: BTreeMap<String, String> = BTreeMap::new();
    for s in store.list_ns("Service", ns) {
        let crate::object::Object::Service(svc) = &s.obj else {
            continue;
        };
        let sel = svc
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .unwrap_or(&empty);
        if Selector::from_set(sel).matches(pod_labels) {
            set.extend(sel.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    let mut selector = Selector::from_set(&set);
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true));
    let Some(owner) = owner else {
        return selector;
    };
    if owner.api_version != "apps/v1" {
        return selector;
    }
    let label_selector = match (
        owner.kind.as_str(),
        store.get_obj(&owner.kind, ns, &owner.name),
    ) {
        ("ReplicaSet", Some(crate::object::Object::ReplicaSet(rs))) => {
            rs.spec.as_ref().map(|s| s.selector.clone())
        }
        ("StatefulSet", Some(crate::object::Object::StatefulSet(ss))) => {
            ss.spec.as_ref().map(|s| s.selector.clone())
        }
        _ => None,
    };
    if let Some(other) = label_selector.and_then(|ls| Selector::from_label_selector(&ls).ok()) {
        if let Some(reqs) = other.requirements() {
            selector = selector.add(reqs.iter().cloned());
        }
    }
    selector
}

/// `matchNodeInclusionPolicies`.
fn node_included(c: &Constraint, pod: &Pod, node: &NodeInfo) -> bool {
    if c.honor_node_affinity && !pod_matches_node_selector_and_affinity(pod, &node.node) {
        return false;
    }
    if c.honor_node_taints {
        let tolerations = pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.as_deref())
            .unwrap_or(&[]);
        let untolerated = find_untolerated_taint(&node.taints, tolerations, |t| {
            t.effect == "NoSchedule" || t.effect == "NoExecute"
        });
        if untolerated.is_some() {
            return false;
        }
    }
    true
}

/// `countPodsMatchSelector`: pods of the namespace, not terminating, matching the selector; an
/// empty selector counts nothing.
fn count_matching(node: &NodeInfo, selector: &Selector, namespace: &str) -> i64 {
    if selector.is_empty() {
        return 0;
    }
    let n = node
        .pod_objects
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| p.metadata.namespace.as_deref().unwrap_or("") == namespace)
        .filter(|p| selector.matches_opt(p.metadata.labels.as_ref()))
        .count();
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `nodeLabelsMatchSpreadConstraints`: the node has every constraint's topology key.
fn has_all_keys(node: &NodeInfo, constraints: &[Constraint]) -> bool {
    constraints
        .iter()
        .all(|c| node.labels.contains_key(&c.topology_key))
}

/// `preFilterState`.
struct FilterState {
    constraints: Vec<Constraint>,
    /// Matching pods per eligible topology key, then value (`TpPairToMatchNum`; the number of
    /// values is `TpKeyToDomainsNum`). Nested so that lookups borrow instead of allocating.
    pair_counts: HashMap<String, HashMap<String, i64>>,
    /// The smallest count per topology key (the critical path's first entry).
    min_counts: HashMap<String, i64>,
}

fn pre_filter(pod: &PodInfo) -> FilterState {
    let constraints = constraints(pod, "DoNotSchedule");
    let namespace = pod.pod.metadata.namespace.as_deref().unwrap_or("");
    let mut pair_counts: HashMap<String, HashMap<String, i64>> = HashMap::new();
    if !constraints.is_empty() {
        let mut per_node: Vec<(&str, &str, i64)> = Vec::with_capacity(constraints.len());
        for node in pod.nodes {
            if !has_all_keys(node, &constraints) {
                continue;
            }
            // Per node, constraints sharing a topology key share the pair (the last one wins).
            per_node.clear();
            for c in &constraints {
                if !node_included(c, pod.pod, node) {
                    continue;
                }
                let value = node
                    .labels
                    .get(&c.topology_key)
                    .map(String::as_str)
                    .unwrap_or("");
                let n = count_matching(node, &c.selector, namespace);
                match per_node.iter_mut().find(|(k, _, _)| *k == c.topology_key) {
                    Some(e) => *e = (&c.topology_key, value, n),
                    None => per_node.push((&c.topology_key, value, n)),
                }
            }
            for &(key, value, n) in &per_node {
                let values = match pair_counts.get_mut(key) {
                    Some(v) => v,
                    None => pair_counts.entry(key.to_string()).or_default(),
                };
                match values.get_mut(value) {
                    Some(count) => *count += n,
                    None => {
                        values.insert(value.to_string(), n);
                    }
                }
            }
        }
    }
    let min_counts = pair_counts
        .iter()
        .filter_map(|(k, values)| values.values().min().map(|m| (k.clone(), *m)))
        .collect();
    FilterState {
        constraints,
        pair_counts,
        min_counts,
    }
}

impl FilterPlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let s = pod
            .cycle
            .get_or_init("PreFilterPodTopologySpread", || pre_filter(pod));
        if s.constraints.is_empty() {
            return Status::success();
        }
        let empty = BTreeMap::new();
        let pod_labels = pod.pod.metadata.labels.as_ref().unwrap_or(&empty);
        for c in &s.constraints {
            let Some(value) = node.labels.get(&c.topology_key) else {
                return Status::unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
            };
            // minMatchNum: the critical path, 0 below minDomains; with no eligible domain for
            // the key upstream's lookup fails and the constraint is skipped.
            let Some(values) = s.pair_counts.get(&c.topology_key) else {
                continue;
            };
            let Some(&min) = s.min_counts.get(&c.topology_key) else {
                continue;
            };
            let domains = i64::try_from(values.len()).unwrap_or(i64::MAX);
            let min = if domains < c.min_domains { 0 } else { min };
            let self_match = i64::from(c.selector.matches(pod_labels));
            let matched = values.get(value).copied().unwrap_or(0);
            if matched + self_match - min > c.max_skew {
                return Status::unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
            }
        }
        Status::success()
    }
}

/// `preScoreState`.
struct ScoreState {
    constraints: Vec<Constraint>,
    /// Feasible nodes missing a topology key: scored 0.
    ignored: BTreeSet<String>,
    /// Matching pods per (topology key, value) of the feasible nodes (hostname excepted).
    pair_counts: HashMap<(String, String), i64>,
    /// `topologyNormalizingWeight` per constraint.
    weights: Vec<f64>,
}

const PRE_SCORE_KEY: &str = "PreScorePodTopologySpread";

/// `PreScore` with `initPreScoreState`.
fn pre_score(pod: &PodInfo, feasible: &[&NodeInfo]) -> ScoreState {
    let constraints = constraints(pod, "ScheduleAnyway");
    let has_own = pod
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.topology_spread_constraints.as_ref())
        .is_some_and(|c| !c.is_empty());
    // Only non-system-default spreading requires every topology key: a node without a zone
    // label is still spread by hostname.
    let require_all =
        has_own || pod.args.pod_topology_spread.defaulting_type != DefaultingType::System;
    let mut ignored = BTreeSet::new();
    let mut pair_counts: HashMap<(String, String), i64> = HashMap::new();
    let mut sizes = vec![0usize; constraints.len()];
    for node in feasible {
        if require_all && !has_all_keys(node, &constraints) {
            ignored.insert(node.name.clone());
            continue;
        }
        for (i, c) in constraints.iter().enumerate() {
            if c.topology_key == LABEL_HOSTNAME {
                continue;
            }
            let value = node
                .labels
                .get(&c.topology_key)
                .cloned()
                .unwrap_or_default();
            if let std::collections::hash_map::Entry::Vacant(e) =
                pair_counts.entry((c.topology_key.clone(), value))
            {
                e.insert(0);
                if let Some(s) = sizes.get_mut(i) {
                    *s += 1;
                }
            }
        }
    }
    let weights = constraints
        .iter()
        .zip(&sizes)
        .map(|(c, &size)| {
            let size = if c.topology_key == LABEL_HOSTNAME {
                feasible.len().saturating_sub(ignored.len())
            } else {
                size
            };
            ((size + 2) as f64).ln()
        })
        .collect();
    let namespace = pod.pod.metadata.namespace.as_deref().unwrap_or("");
    // Count over every node of the snapshot, for the pairs of the feasible nodes.
    for node in pod.nodes {
        if require_all && !has_all_keys(node, &constraints) {
            continue;
        }
        for c in &constraints {
            if !node_included(c, pod.pod, node) {
                continue;
            }
            // A node without the key counts towards the "" domain, as upstream's map lookup.
            let value = node
                .labels
                .get(&c.topology_key)
                .cloned()
                .unwrap_or_default();
            let key = (c.topology_key.clone(), value);
            if let Some(n) = pair_counts.get_mut(&key) {
                *n += count_matching(node, &c.selector, namespace);
            }
        }
    }
    ScoreState {
        constraints,
        ignored,
        pair_counts,
        weights,
    }
}

/// `scoreForCount`: `maxSkew - 1` waters down small differences.
fn score_for_count(count: i64, max_skew: i64, weight: f64) -> f64 {
    count as f64 * weight + (max_skew - 1) as f64
}

impl ScorePlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn pre_score(&self, pod: &PodInfo, feasible: &[&NodeInfo]) -> bool {
        if feasible.is_empty() || pod.nodes.is_empty() {
            return false;
        }
        let s = pod
            .cycle
            .get_or_init(PRE_SCORE_KEY, || pre_score(pod, feasible));
        !s.constraints.is_empty()
    }

    /// The sum over the constraints of the matching pods in the node's domain, weighted.
    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let all: Vec<&NodeInfo> = pod.nodes.iter().collect();
        let s = pod
            .cycle
            .get_or_init(PRE_SCORE_KEY, || pre_score(pod, &all));
        if s.ignored.contains(&node.name) {
            return 0;
        }
        let namespace = pod.pod.metadata.namespace.as_deref().unwrap_or("");
        let mut score = 0.0;
        for (c, weight) in s.constraints.iter().zip(&s.weights) {
            let Some(value) = node.labels.get(&c.topology_key) else {
                continue;
            };
            let count = if c.topology_key == LABEL_HOSTNAME {
                count_matching(node, &c.selector, namespace)
            } else {
                s.pair_counts
                    .get(&(c.topology_key.clone(), value.clone()))
                    .copied()
                    .unwrap_or(0)
            };
            score += score_for_count(count, c.max_skew, *weight);
        }
        score.round() as i64
    }

    /// Fewer matching pods score higher: `100 * (max + min - score) / max`; ignored nodes 0.
    fn normalize_for(&self, pod: &PodInfo, feasible: &[&NodeInfo], scores: &mut [i64]) {
        let s = pod
            .cycle
            .get_or_init(PRE_SCORE_KEY, || pre_score(pod, feasible));
        let counted = |n: &NodeInfo| !s.ignored.contains(&n.name);
        let mut min = i64::MAX;
        let mut max = 0;
        for (n, &score) in feasible.iter().zip(scores.iter()) {
            if counted(n) {
                min = min.min(score);
                max = max.max(score);
            }
        }
        for (n, score) in feasible.iter().zip(scores.iter_mut()) {
            *score = if !counted(n) {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE.saturating_mul(max.saturating_add(min).saturating_sub(*score)) / max
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::node;
    use crate::scheduler::Code;
    use serde_json::{json, Value};

    const ZONE: &str = "zone";

    fn pod_with(name: &str, labels: Value, spec: Value) -> Pod {
        let mut spec = spec;
        spec["containers"] = json!([]);
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default", "labels": labels}, "spec": spec}))
        .unwrap()
    }

    fn foo(n: usize) -> Vec<Pod> {
        (0..n)
            .map(|i| pod_with(&format!("e{i}"), json!({"foo": ""}), json!({})))
            .collect()
    }

    fn spread(max_skew: i32, key: &str, extra: Value) -> Value {
        let mut c = json!({"maxSkew": max_skew, "topologyKey": key,
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}});
        if let (Value::Object(c), Value::Object(e)) = (&mut c, extra) {
            c.extend(e);
        }
        c
    }

    /// Nodes `(name, zone or none, pods matching foo, extra node fields)`.
    fn nodes(spec: &[(&str, Option<&str>, usize, Value)]) -> Vec<NodeInfo> {
        spec.iter()
            .map(|(name, zone, n, extra)| {
                let mut labels = json!({"node": name});
                if let Some(z) = zone {
                    labels[ZONE] = json!(z);
                }
                let mut v = json!({"metadata": {"labels": labels}});
                if let (Value::Object(v), Value::Object(e)) = (&mut v, extra.clone()) {
                    v.extend(e);
                }
                let mut info = node(name, v);
                for p in foo(*n) {
                    info.add_pod(&p);
                }
                info
            })
            .collect()
    }

    fn verdicts(pod: &Pod, nodes: &[NodeInfo]) -> Vec<Option<(Code, &'static str)>> {
        let info = PodInfo::with_nodes(pod, nodes);
        nodes
            .iter()
            .map(|n| {
                let s = PodTopologySpread.filter(&info, n);
                if s.is_success() {
                    None
                } else if s.reasons == [ERR_REASON_NODE_LABEL_NOT_MATCH] {
                    Some((s.code, ERR_REASON_NODE_LABEL_NOT_MATCH))
                } else {
                    assert_eq!(s.reasons, [ERR_REASON_CONSTRAINTS_NOT_MATCH]);
                    Some((s.code, ERR_REASON_CONSTRAINTS_NOT_MATCH))
                }
            })
            .collect()
    }

    #[test]
    fn filter_table() {
        let skew = Some((Code::Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH));
        let label = Some((
            Code::UnschedulableAndUnresolvable,
            ERR_REASON_NODE_LABEL_NOT_MATCH,
        ));
        let n = |name, zone, count| (name, zone, count, json!({}));
        let cases = [
            (
                "no constraint: every node fits",
                pod_with("p", json!({"foo": ""}), json!({})),
                nodes(&[n("a", Some("z1"), 3), n("b", None, 0)]),
                vec![None, None],
            ),
            (
                "zones 2 and 0 matching pods, maxSkew 1: only the empty zone fits",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"topologySpreadConstraints": [spread(1, ZONE, json!({}))]}),
                ),
                nodes(&[
                    n("a", Some("z1"), 1),
                    n("b", Some("z1"), 1),
                    n("c", Some("z2"), 0),
                ]),
                vec![skew, skew, None],
            ),
            (
                "a node without the topology key is refused as unresolvable",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"topologySpreadConstraints": [spread(1, ZONE, json!({}))]}),
                ),
                nodes(&[n("a", Some("z1"), 0), n("b", None, 0)]),
                vec![None, label],
            ),
            (
                "the pod not matching its own selector does not count itself",
                pod_with(
                    "p",
                    json!({}),
                    json!({"topologySpreadConstraints": [spread(1, ZONE, json!({}))]}),
                ),
                nodes(&[n("a", Some("z1"), 1), n("c", Some("z2"), 0)]),
                vec![None, None],
            ),
            (
                "minDomains above the domain count makes the global minimum 0",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"topologySpreadConstraints": [spread(2, ZONE, json!({"minDomains": 3}))]}),
                ),
                nodes(&[n("a", Some("z1"), 2), n("c", Some("z2"), 1)]),
                vec![skew, None],
            ),
            (
                "without minDomains the same cluster fits both zones",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"topologySpreadConstraints": [spread(2, ZONE, json!({}))]}),
                ),
                nodes(&[n("a", Some("z1"), 2), n("c", Some("z2"), 1)]),
                vec![None, None],
            ),
            (
                "nodes outside the pod's nodeSelector are not domains (nodeAffinityPolicy Honor)",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"nodeSelector": {"node": "a"},
                    "topologySpreadConstraints": [spread(1, ZONE, json!({}))]}),
                ),
                nodes(&[n("a", Some("z1"), 1), n("c", Some("z2"), 0)]),
                vec![None, None],
            ),
            (
                "nodeAffinityPolicy Ignore counts them",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"nodeSelector": {"node": "a"},
                    "topologySpreadConstraints": [spread(1, ZONE, json!({"nodeAffinityPolicy": "Ignore"}))]}),
                ),
                nodes(&[n("a", Some("z1"), 1), n("c", Some("z2"), 0)]),
                vec![skew, None],
            ),
            (
                "tainted nodes count by default (nodeTaintsPolicy Ignore)",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"topologySpreadConstraints": [spread(1, ZONE, json!({}))]}),
                ),
                nodes(&[
                    n("a", Some("z1"), 1),
                    (
                        "c",
                        Some("z2"),
                        0,
                        json!({"spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}),
                    ),
                ]),
                vec![skew, None],
            ),
            (
                "nodeTaintsPolicy Honor leaves untolerated tainted nodes out",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"topologySpreadConstraints": [spread(1, ZONE, json!({"nodeTaintsPolicy": "Honor"}))]}),
                ),
                nodes(&[
                    n("a", Some("z1"), 1),
                    (
                        "c",
                        Some("z2"),
                        0,
                        json!({"spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}),
                    ),
                ]),
                vec![None, None],
            ),
            (
                "matchLabelKeys narrows the selector to the pod's value",
                pod_with(
                    "p",
                    json!({"foo": "", "rev": "2"}),
                    json!({"topologySpreadConstraints": [spread(1, ZONE, json!({"matchLabelKeys": ["rev"]}))]}),
                ),
                nodes(&[n("a", Some("z1"), 1), n("c", Some("z2"), 0)]),
                vec![None, None],
            ),
            (
                "ScheduleAnyway constraints do not filter",
                pod_with(
                    "p",
                    json!({"foo": ""}),
                    json!({"topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "ScheduleAnyway",
                     "labelSelector": {"matchLabels": {"foo": ""}}}]}),
                ),
                nodes(&[n("a", Some("z1"), 3), n("b", None, 0)]),
                vec![None, None],
            ),
        ];
        for (name, pod, nodes, want) in cases {
            assert_eq!(verdicts(&pod, &nodes), want, "{name}");
        }
    }

    const HOST: &str = "kubernetes.io/hostname";
    const TZONE: &str = "topology.kubernetes.io/zone";

    /// Nodes `(name, zone, labels of the pods on it)` labelled with hostname and zone.
    fn cluster(spec: &[(&str, Option<&str>, Vec<Value>)]) -> Vec<NodeInfo> {
        spec.iter()
            .map(|(name, zone, pods)| {
                let mut labels = json!({HOST: name});
                if let Some(z) = zone {
                    labels[TZONE] = json!(z);
                }
                let mut info = node(name, json!({"metadata": {"labels": labels}}));
                for (i, l) in pods.iter().enumerate() {
                    info.add_pod(&pod_with(&format!("{name}-{i}"), l.clone(), json!({})));
                }
                info
            })
            .collect()
    }

    fn soft(max_skew: i32, key: &str) -> Value {
        json!({"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {"app": "web"}}})
    }

    /// `(raw, normalized)` per node, or `None` when PreScore skips the plugin.
    fn scores(info: &PodInfo, nodes: &[NodeInfo]) -> Option<Vec<(i64, i64)>> {
        let feasible: Vec<&NodeInfo> = nodes.iter().collect();
        if !PodTopologySpread.pre_score(info, &feasible) {
            return None;
        }
        let raw: Vec<i64> = nodes
            .iter()
            .map(|n| PodTopologySpread.score(info, n))
            .collect();
        let mut norm = raw.clone();
        PodTopologySpread.normalize_for(info, &feasible, &mut norm);
        Some(raw.into_iter().zip(norm).collect())
    }

    #[test]
    fn score_table() {
        let web = json!({"app": "web"});
        let other = json!({"app": "db"});
        let two_zones = || {
            cluster(&[
                ("a", Some("z1"), vec![web.clone(), web.clone()]),
                ("b", Some("z1"), vec![web.clone(), other.clone()]),
                ("c", Some("z2"), vec![]),
                ("d", Some("z2"), vec![other.clone()]),
            ])
        };
        type Case = (&'static str, Value, Vec<NodeInfo>, Option<Vec<(i64, i64)>>);
        let cases: Vec<Case> = vec![
            (
                "no soft constraint: PreScore skips the plugin",
                json!({"topologySpreadConstraints": [spread(1, ZONE, json!({}))]}),
                two_zones(),
                None,
            ),
            (
                // zone z1 holds 3 matching pods, z2 none; weight ln(2+2): 3*1.386 = 4.16 -> 4
                "a zone constraint scores every node of the crowded zone 0 and the empty zone 100",
                json!({"topologySpreadConstraints": [soft(1, TZONE)]}),
                two_zones(),
                Some(vec![(4, 0), (4, 0), (0, 100), (0, 100)]),
            ),
            (
                // weight ln(4+2) = 1.79: a 2 pods -> 3.58 -> 4, b 1 pod -> 1.79 -> 2
                "a hostname constraint counts each node's own pods",
                json!({"topologySpreadConstraints": [soft(1, HOST)]}),
                two_zones(),
                Some(vec![(4, 0), (2, 50), (0, 100), (0, 100)]),
            ),
            (
                // maxSkew 3 adds 2 to every node: a 5.58 -> 6, b 3.79 -> 4, c and d 2;
                // 100 * (6 + 2 - s) / 6
                "a larger maxSkew waters the differences down",
                json!({"topologySpreadConstraints": [soft(3, HOST)]}),
                two_zones(),
                Some(vec![(6, 33), (4, 66), (2, 100), (2, 100)]),
            ),
            (
                // a: 4.16 + 3.58 = 7.74 -> 8; b: 4.16 + 1.79 = 5.95 -> 6
                "two constraints add up",
                json!({"topologySpreadConstraints": [soft(1, TZONE), soft(1, HOST)]}),
                two_zones(),
                Some(vec![(8, 0), (6, 25), (0, 100), (0, 100)]),
            ),
            (
                "a node missing the topology key of the pod's own constraint scores 0",
                json!({"topologySpreadConstraints": [soft(1, TZONE)]}),
                cluster(&[
                    ("a", Some("z1"), vec![web.clone()]),
                    ("b", Some("z2"), vec![]),
                    ("e", None, vec![]),
                ]),
                // weight ln(4) = 1.386 -> a 1; normalized 100 * (1 + 0 - s) / 1
                Some(vec![(1, 0), (0, 100), (0, 0)]),
            ),
            (
                "with no matching pod anywhere every counted node scores 100",
                json!({"topologySpreadConstraints": [soft(1, TZONE)]}),
                cluster(&[("a", Some("z1"), vec![]), ("b", Some("z2"), vec![])]),
                Some(vec![(0, 100), (0, 100)]),
            ),
        ];
        for (name, spec, nodes, want) in cases {
            let p = pod_with("p", web.clone(), spec);
            let info = PodInfo::with_nodes(&p, &nodes);
            assert_eq!(scores(&info, &nodes), want, "{name}");
        }
    }

    #[test]
    fn system_default_constraints_spread_pods_of_a_service_by_hostname_and_zone() {
        let web = json!({"app": "web"});
        let nodes = cluster(&[
            ("a", Some("z1"), vec![web.clone(), web.clone()]),
            ("b", Some("z1"), vec![]),
            ("c", Some("z2"), vec![web.clone()]),
            ("d", Some("z2"), vec![]),
            ("e", None, vec![]),
        ]);
        let p = pod_with("p", web.clone(), json!({}));
        // Not part of any Service or controller: no default constraints.
        let info = PodInfo::with_nodes(&p, &nodes);
        assert_eq!(scores(&info, &nodes), None);
        // hostname weight ln(5+2), zone weight ln(3+2) (z1, z2 and e's empty zone);
        // a: 2*1.95+2 + 2*1.61+4 = 13.11; b: 2 + 7.22; c: 3.95 + 5.61; d: 2 + 5.61; e: 2 only.
        let mut info = PodInfo::with_nodes(&p, &nodes);
        info.default_spread_selector =
            Selector::from_set(&BTreeMap::from([("app".to_string(), "web".to_string())]));
        assert_eq!(
            scores(&info, &nodes),
            Some(vec![(13, 15), (9, 46), (10, 38), (8, 53), (2, 100)])
        );
        // The defaults are ScheduleAnyway: they never filter.
        assert!(nodes
            .iter()
            .all(|n| PodTopologySpread.filter(&info, n).is_success()));
    }

    #[test]
    fn listed_default_constraints_with_do_not_schedule_filter_pods_without_their_own() {
        let web = json!({"app": "web"});
        let nodes = cluster(&[
            ("a", Some("z1"), vec![web.clone()]),
            ("c", Some("z2"), vec![]),
            ("e", None, vec![]),
        ]);
        let p = pod_with("p", web.clone(), json!({}));
        let args = crate::scheduler::config::PluginArgs {
            pod_topology_spread: crate::scheduler::config::PodTopologySpreadArgs {
                default_constraints: vec![serde_json::from_value(json!({
                    "maxSkew": 1, "topologyKey": TZONE, "whenUnsatisfiable": "DoNotSchedule"}))
                .unwrap()],
                defaulting_type: DefaultingType::List,
            },
            ..Default::default()
        };
        let mut info = PodInfo::with_nodes(&p, &nodes);
        info.args = &args;
        info.default_spread_selector =
            Selector::from_set(&BTreeMap::from([("app".to_string(), "web".to_string())]));
        let codes: Vec<Vec<String>> = nodes
            .iter()
            .map(|n| PodTopologySpread.filter(&info, n).reasons)
            .collect();
        assert_eq!(
            codes,
            vec![
                vec![ERR_REASON_CONSTRAINTS_NOT_MATCH.to_string()],
                vec![],
                vec![ERR_REASON_NODE_LABEL_NOT_MATCH.to_string()]
            ]
        );
    }

    #[test]
    fn default_selector_combines_services_and_the_controlling_replica_set() {
        let mut store = Store::new();
        for v in [
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"selector": {"app": "web"}}}),
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "other", "namespace": "default"},
                "spec": {"selector": {"app": "db"}}}),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "web-1", "namespace": "default"},
                "spec": {"selector": {"matchLabels": {"app": "web", "pod-template-hash": "1"}},
                    "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "1"}},
                        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}),
        ] {
            store.insert_new(crate::apiserver::decode_value(v).unwrap(), None);
        }
        let owned: Pod = serde_json::from_value(json!({"metadata": {"name": "p",
            "namespace": "default", "labels": {"app": "web", "pod-template-hash": "1"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1",
                "uid": "u", "controller": true}]}}))
        .unwrap();
        assert_eq!(
            default_selector(&store, &owned).to_string(),
            "app=web,app=web,pod-template-hash=1"
        );
        let lone: Pod = serde_json::from_value(
            json!({"metadata": {"name": "q", "namespace": "default", "labels": {"x": "y"}}}),
        )
        .unwrap();
        assert!(default_selector(&store, &lone).is_empty());
    }
}
