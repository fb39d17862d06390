//! PodTopologySpread, Filter: the pod's `whenUnsatisfiable: DoNotSchedule` topology spread
//! constraints rule out nodes whose domain would exceed `maxSkew` over the least loaded eligible
//! domain (taken as 0 while fewer than `minDomains` domains exist), and nodes missing a
//! constraint's topology key.
//!
//! Follows `pkg/scheduler/framework/plugins/podtopologyspread/filtering.go` (PreFilter's
//! `TpPairToMatchNum`, `TpKeyToDomainsNum` and critical paths, `Filter`, `minMatchNum`) and
//! `common.go` (`filterTopologySpreadConstraints` with `matchLabelKeys`, the defaults
//! `minDomains` 1, `nodeAffinityPolicy: Honor`, `nodeTaintsPolicy: Ignore`,
//! `matchNodeInclusionPolicies`, `countPodsMatchSelector`) in kubernetes/kubernetes.
//!
//! Not simulated yet: the Score extension point (`ScheduleAnyway` constraints) and the system
//! default constraints (zone maxSkew 5, hostname maxSkew 3). Both are `ScheduleAnyway`, so they
//! never filter: this Filter is complete on its own.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::{Pod, TopologySpreadConstraint};

use crate::labels::{pod_matches_node_selector_and_affinity, Operator, Requirement, Selector};
use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, Status};
use crate::taints::find_untolerated_taint;

pub struct PodTopologySpread;

/// `ErrReasonConstraintsNotMatch`.
pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";
/// `ErrReasonNodeLabelNotMatch`.
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

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
fn constraints(pod: &Pod, action: &str) -> Vec<Constraint> {
    let empty = BTreeMap::new();
    let pod_labels = pod.metadata.labels.as_ref().unwrap_or(&empty);
    let list: &[TopologySpreadConstraint] = pod
        .spec
        .as_ref()
        .and_then(|s| s.topology_spread_constraints.as_deref())
        .unwrap_or(&[]);
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

/// `preFilterState`.
struct FilterState {
    constraints: Vec<Constraint>,
    /// Matching pods per eligible (topology key, value).
    pair_counts: HashMap<(String, String), i64>,
    /// Eligible domains per topology key.
    domains: HashMap<String, i64>,
    /// The smallest count per topology key (the critical path's first entry).
    min_counts: HashMap<String, i64>,
}

fn pre_filter(pod: &Pod, nodes: &[NodeInfo]) -> FilterState {
    let constraints = constraints(pod, "DoNotSchedule");
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("");
    let mut pair_counts: HashMap<(String, String), i64> = HashMap::new();
    if !constraints.is_empty() {
        for node in nodes {
            // nodeLabelsMatchSpreadConstraints: the node must have every topology key.
            if !constraints
                .iter()
                .all(|c| node.labels.contains_key(&c.topology_key))
            {
                continue;
            }
            // Per node, constraints sharing a topology key share the pair (the last one wins).
            let mut per_node: HashMap<(String, String), i64> = HashMap::new();
            for c in &constraints {
                if !node_included(c, pod, node) {
                    continue;
                }
                let value = node
                    .labels
                    .get(&c.topology_key)
                    .cloned()
                    .unwrap_or_default();
                per_node.insert(
                    (c.topology_key.clone(), value),
                    count_matching(node, &c.selector, namespace),
                );
            }
            for (pair, n) in per_node {
                *pair_counts.entry(pair).or_insert(0) += n;
            }
        }
    }
    let mut domains: HashMap<String, i64> = HashMap::new();
    let mut min_counts: HashMap<String, i64> = HashMap::new();
    for ((key, _), n) in &pair_counts {
        *domains.entry(key.clone()).or_insert(0) += 1;
        let m = min_counts.entry(key.clone()).or_insert(i64::from(i32::MAX));
        *m = (*m).min(*n);
    }
    FilterState {
        constraints,
        pair_counts,
        domains,
        min_counts,
    }
}

impl FilterPlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let s = pod.cycle.get_or_init("PreFilterPodTopologySpread", || {
            pre_filter(pod.pod, pod.nodes)
        });
        let empty = BTreeMap::new();
        let pod_labels = pod.pod.metadata.labels.as_ref().unwrap_or(&empty);
        for c in &s.constraints {
            let Some(value) = node.labels.get(&c.topology_key) else {
                return Status::unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
            };
            // minMatchNum: the critical path, 0 below minDomains; with no eligible domain for
            // the key upstream's lookup fails and the constraint is skipped.
            let (Some(&min), Some(&domains)) = (
                s.min_counts.get(&c.topology_key),
                s.domains.get(&c.topology_key),
            ) else {
                continue;
            };
            let min = if domains < c.min_domains { 0 } else { min };
            let self_match = i64::from(c.selector.matches(pod_labels));
            let matched = s
                .pair_counts
                .get(&(c.topology_key.clone(), value.clone()))
                .copied()
                .unwrap_or(0);
            if matched + self_match - min > c.max_skew {
                return Status::unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
            }
        }
        Status::success()
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
}
