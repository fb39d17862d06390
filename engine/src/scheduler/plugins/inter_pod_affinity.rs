//! InterPodAffinity: the pod's required pod affinity and anti-affinity, and the required
//! anti-affinity of the pods already running, rule nodes out by topology domain; preferred terms
//! (the pod's and the existing pods') and the existing pods' required affinity score them.
//!
//! Follows `pkg/scheduler/framework/plugins/interpodaffinity/filtering.go` (PreFilter counts
//! per topology pair, `satisfyPodAffinity` with its "first pod of a group" rule,
//! `satisfyPodAntiAffinity`, `satisfyExistingPodsAntiAffinity`), `scoring.go` (PreScore's
//! per-topology scores, `processExistingPod`, the min/max NormalizeScore) and
//! `pkg/scheduler/framework/types.go` (`AffinityTerm.Matches`) in kubernetes/kubernetes, with
//! `hardPodAffinityWeight` from the profile's args (default 1) and
//! `ignorePreferredTermsOfExistingPods` false.
//!
//! Namespace labels: kubefiddle's scheduler snapshot does not carry Namespace objects, so a
//! `namespaceSelector` is matched against the one label every namespace has,
//! `kubernetes.io/metadata.name`; selectors on other namespace labels match nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::{Pod, PodAffinityTerm, WeightedPodAffinityTerm};

use crate::labels::Selector;
use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status, MAX_NODE_SCORE};

pub struct InterPodAffinity;

/// `ErrReasonExistingAntiAffinityRulesNotMatch`.
pub const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";
/// `ErrReasonAffinityRulesNotMatch`.
pub const ERR_REASON_AFFINITY_RULES_NOT_MATCH: &str = "node(s) didn't match pod affinity rules";
/// `ErrReasonAntiAffinityRulesNotMatch`.
pub const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't match pod anti-affinity rules";

/// Until 1.21 every failure also carried `ErrReasonAffinityNotMatch` ahead of the specific
/// reason, so each failing node counted twice in the FailedScheduling histogram: `node(s)
/// didn't match pod affinity/anti-affinity` in 1.20, with ` rules` appended in 1.21. 1.22
/// dropped it (kubernetes/kubernetes#102518). Read in the v1.21.0 and v1.22.0 sources vendored
/// by kubernetes/autoscaler (cluster-autoscaler-1.21.0, -1.22.0) and its late-1.20 copy.
fn with_general_reason(mut status: Status, minor: u32) -> Status {
    let general = match minor {
        ..=20 => "node(s) didn't match pod affinity/anti-affinity",
        21 => "node(s) didn't match pod affinity/anti-affinity rules",
        _ => return status,
    };
    status.reasons.insert(0, general.to_string());
    status
}

/// `framework.AffinityTerm`: a term with its selectors parsed and its namespaces resolved.
#[derive(Debug)]
pub(crate) struct Term {
    namespaces: BTreeSet<String>,
    namespace_selector: Selector,
    selector: Selector,
    topology_key: String,
    weight: i64,
}

impl Term {
    /// `newAffinityTerm`: no namespaces and no namespaceSelector mean the owning pod's namespace;
    /// a nil selector matches nothing, an empty one everything.
    fn new(t: &PodAffinityTerm, owner_namespace: &str, weight: i64) -> Term {
        let mut namespaces: BTreeSet<String> = t.namespaces.iter().flatten().cloned().collect();
        if namespaces.is_empty() && t.namespace_selector.is_none() {
            namespaces.insert(owner_namespace.to_string());
        }
        Term {
            namespaces,
            namespace_selector: Selector::from_optional_label_selector(
                t.namespace_selector.as_ref(),
            )
            .unwrap_or_else(|_| Selector::nothing()),
            selector: Selector::from_optional_label_selector(t.label_selector.as_ref())
                .unwrap_or_else(|_| Selector::nothing()),
            topology_key: t.topology_key.clone(),
            weight,
        }
    }

    /// `AffinityTerm.Matches`: the pod's namespace is one of the term's (by name or by
    /// namespaceSelector) and its labels match the term's selector.
    fn matches(&self, pod: &Pod) -> bool {
        let ns = namespace(pod);
        (self.namespaces.contains(ns) || self.namespace_selector.matches(&namespace_labels(ns)))
            && self.selector.matches_opt(pod.metadata.labels.as_ref())
    }
}

fn namespace(pod: &Pod) -> &str {
    pod.metadata.namespace.as_deref().unwrap_or("")
}

/// The labels kubefiddle knows a namespace to have (see the module comment).
fn namespace_labels(ns: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("kubernetes.io/metadata.name".to_string(), ns.to_string())])
}

/// The pod's affinity terms, as upstream's `framework.PodInfo` keeps them.
#[derive(Debug, Default)]
pub(crate) struct Terms {
    required_affinity: Vec<Term>,
    required_anti_affinity: Vec<Term>,
    preferred_affinity: Vec<Term>,
    preferred_anti_affinity: Vec<Term>,
}

impl Terms {
    pub(crate) fn of(pod: &Pod) -> Terms {
        let ns = namespace(pod);
        let Some(aff) = pod.spec.as_ref().and_then(|s| s.affinity.as_ref()) else {
            return Terms::default();
        };
        let required = |terms: Option<&Vec<PodAffinityTerm>>| -> Vec<Term> {
            terms
                .into_iter()
                .flatten()
                .map(|t| Term::new(t, ns, 0))
                .collect()
        };
        let preferred = |terms: Option<&Vec<WeightedPodAffinityTerm>>| -> Vec<Term> {
            terms
                .into_iter()
                .flatten()
                .map(|w| Term::new(&w.pod_affinity_term, ns, i64::from(w.weight)))
                .collect()
        };
        let pa = aff.pod_affinity.as_ref();
        let paa = aff.pod_anti_affinity.as_ref();
        Terms {
            required_affinity: required(pa.and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            required_anti_affinity: required(paa.and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            preferred_affinity: preferred(pa.and_then(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            preferred_anti_affinity: preferred(paa.and_then(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
        }
    }
}

/// `podMatchesAllAffinityTerms`: false when there are no terms.
fn matches_all(terms: &[Term], pod: &Pod) -> bool {
    !terms.is_empty() && terms.iter().all(|t| t.matches(pod))
}

type TopologyPair = (String, String);

/// `preFilterState`.
struct FilterState {
    terms: Terms,
    /// Pairs where existing pods' required anti-affinity terms match the incoming pod.
    existing_anti_affinity_counts: HashMap<TopologyPair, i64>,
    /// Pairs holding pods that match all the incoming pod's required affinity terms.
    affinity_counts: HashMap<TopologyPair, i64>,
    /// Pairs holding pods that match one of the incoming pod's required anti-affinity terms.
    anti_affinity_counts: HashMap<TopologyPair, i64>,
}

fn bump(counts: &mut HashMap<TopologyPair, i64>, key: &str, node: &NodeInfo, by: i64) {
    if let Some(v) = node.labels.get(key) {
        *counts.entry((key.to_string(), v.clone())).or_insert(0) += by;
    }
}

/// PreFilter: one pass over every pod of every node.
fn pre_filter(pod: &Pod, nodes: &[NodeInfo]) -> FilterState {
    let terms = Terms::of(pod);
    let mut s = FilterState {
        terms,
        existing_anti_affinity_counts: HashMap::new(),
        affinity_counts: HashMap::new(),
        anti_affinity_counts: HashMap::new(),
    };
    for node in nodes {
        for (k, existing) in node.pod_objects.iter().enumerate() {
            // The existing pod's terms, parsed once when it was added to the node.
            if let Some(theirs) = node.affinity_terms.get(k).and_then(|t| t.as_ref()) {
                for t in &theirs.required_anti_affinity {
                    if t.matches(pod) {
                        bump(
                            &mut s.existing_anti_affinity_counts,
                            &t.topology_key,
                            node,
                            1,
                        );
                    }
                }
            }
            if matches_all(&s.terms.required_affinity, existing) {
                for t in &s.terms.required_affinity {
                    bump(&mut s.affinity_counts, &t.topology_key, node, 1);
                }
            }
            for t in &s.terms.required_anti_affinity {
                if t.matches(existing) {
                    bump(&mut s.anti_affinity_counts, &t.topology_key, node, 1);
                }
            }
        }
    }
    s
}

fn count(counts: &HashMap<TopologyPair, i64>, key: &str, value: &str) -> i64 {
    // Allocation-free lookups would need a borrowed pair type; the maps are small.
    counts
        .get(&(key.to_string(), value.to_string()))
        .copied()
        .unwrap_or(0)
}

/// `satisfyPodAffinity`.
fn satisfy_pod_affinity(s: &FilterState, pod: &Pod, node: &NodeInfo) -> bool {
    let mut pods_exist = true;
    for t in &s.terms.required_affinity {
        match node.labels.get(&t.topology_key) {
            // All topology labels must exist on the node.
            None => return false,
            Some(v) => {
                if count(&s.affinity_counts, &t.topology_key, v) <= 0 {
                    pods_exist = false;
                }
            }
        }
    }
    // The first pod of a group with affinity to itself: no pod in the cluster matches, the pod
    // matches its own terms, and the node has every topology key.
    pods_exist || (s.affinity_counts.is_empty() && matches_all(&s.terms.required_affinity, pod))
}

/// `satisfyPodAntiAffinity`.
fn satisfy_pod_anti_affinity(s: &FilterState, node: &NodeInfo) -> bool {
    if s.anti_affinity_counts.is_empty() {
        return true;
    }
    !s.terms.required_anti_affinity.iter().any(|t| {
        node.labels
            .get(&t.topology_key)
            .is_some_and(|v| count(&s.anti_affinity_counts, &t.topology_key, v) > 0)
    })
}

/// `satisfyExistingPodsAntiAffinity`.
fn satisfy_existing_pods_anti_affinity(s: &FilterState, node: &NodeInfo) -> bool {
    if s.existing_anti_affinity_counts.is_empty() {
        return true;
    }
    !node
        .labels
        .iter()
        .any(|(k, v)| count(&s.existing_anti_affinity_counts, k, v) > 0)
}

impl FilterPlugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let s = pod.cycle.get_or_init("PreFilterInterPodAffinity", || {
            pre_filter(pod.pod, pod.nodes)
        });
        let status = if !satisfy_pod_affinity(&s, pod.pod, node) {
            Status::unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH)
        } else if !satisfy_pod_anti_affinity(&s, node) {
            Status::unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH)
        } else if !satisfy_existing_pods_anti_affinity(&s, node) {
            Status::unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH)
        } else {
            return Status::success();
        };
        with_general_reason(status, pod.minor)
    }
}

/// `preScoreState.topologyScore`: topology key → value → score.
type TopologyScore = HashMap<String, HashMap<String, i64>>;

/// `scoreMap.processTerm`.
fn process_term(
    scores: &mut TopologyScore,
    term: &Term,
    weight: i64,
    pod: &Pod,
    node: &NodeInfo,
    multiplier: i64,
) {
    if term.matches(pod) {
        if let Some(v) = node.labels.get(&term.topology_key) {
            *scores
                .entry(term.topology_key.clone())
                .or_default()
                .entry(v.clone())
                .or_insert(0) += weight * multiplier;
        }
    }
}

/// PreScore over every node of the snapshot (filtered out or not, as upstream).
/// `hard_weight` is `args.HardPodAffinityWeight` (default 1).
fn pre_score(pod: &Pod, nodes: &[NodeInfo], hard_weight: i64) -> TopologyScore {
    let mine = Terms::of(pod);
    let mut scores = TopologyScore::new();
    for node in nodes {
        if node.labels.is_empty() {
            continue;
        }
        for (k, existing) in node.pod_objects.iter().enumerate() {
            for t in &mine.preferred_affinity {
                process_term(&mut scores, t, t.weight, existing, node, 1);
            }
            for t in &mine.preferred_anti_affinity {
                process_term(&mut scores, t, t.weight, existing, node, -1);
            }
            let Some(theirs) = node.affinity_terms.get(k).and_then(|t| t.as_ref()) else {
                continue;
            };
            for t in &theirs.required_affinity {
                process_term(&mut scores, t, hard_weight, pod, node, 1);
            }
            for t in &theirs.preferred_affinity {
                process_term(&mut scores, t, t.weight, pod, node, 1);
            }
            for t in &theirs.preferred_anti_affinity {
                process_term(&mut scores, t, t.weight, pod, node, -1);
            }
        }
    }
    scores
}

impl ScorePlugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    /// The sum, over the topology keys the node has, of the score of its domain.
    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let s = pod.cycle.get_or_init("PreScoreInterPodAffinity", || {
            pre_score(pod.pod, pod.nodes, pod.args.hard_pod_affinity_weight)
        });
        s.iter()
            .filter_map(|(key, values)| node.labels.get(key).and_then(|v| values.get(v)))
            .sum()
    }

    /// Scales to 0..=100 between the lowest and the highest score; all equal gives 0.
    fn normalize(&self, scores: &mut [i64]) {
        let (Some(&min), Some(&max)) = (scores.iter().min(), scores.iter().max()) else {
            return;
        };
        let diff = max - min;
        for s in scores.iter_mut() {
            *s = if diff > 0 {
                // float64(MaxNodeScore) * (float64(score-min) / float64(diff)), truncated.
                (MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)) as i64
            } else {
                0
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

    const ZONE: &str = "topology.kubernetes.io/zone";

    fn pod_with(name: &str, ns: &str, labels: Value, affinity: Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"containers": [], "affinity": affinity}}))
        .unwrap()
    }

    /// Nodes `a` and `b` in zone z1, `c` in zone z2, `d` without a zone; `existing` runs on `a`.
    fn cluster(existing: &[Pod]) -> Vec<NodeInfo> {
        let mut nodes = vec![
            node(
                "a",
                json!({"metadata": {"labels": {ZONE: "z1", "kubernetes.io/hostname": "a"}}}),
            ),
            node(
                "b",
                json!({"metadata": {"labels": {ZONE: "z1", "kubernetes.io/hostname": "b"}}}),
            ),
            node(
                "c",
                json!({"metadata": {"labels": {ZONE: "z2", "kubernetes.io/hostname": "c"}}}),
            ),
            node(
                "d",
                json!({"metadata": {"labels": {"kubernetes.io/hostname": "d"}}}),
            ),
        ];
        for p in existing {
            nodes[0].add_pod(p);
        }
        nodes
    }

    fn term(selector: Value, key: &str) -> Value {
        json!({"labelSelector": selector, "topologyKey": key})
    }

    fn required(kind: &str, terms: Value) -> Value {
        json!({kind: {"requiredDuringSchedulingIgnoredDuringExecution": terms}})
    }

    fn preferred(kind: &str, weight: i32, t: Value) -> Value {
        json!({kind: {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": weight, "podAffinityTerm": t}]}})
    }

    fn in_s1() -> Value {
        json!({"matchExpressions": [{"key": "security", "operator": "In", "values": ["S1"]}]})
    }

    /// Runs the filter on nodes a, b, c, d; `None` is success.
    fn verdicts(pod: &Pod, nodes: &[NodeInfo]) -> Vec<Option<(Code, String)>> {
        let info = PodInfo::with_nodes(pod, nodes);
        nodes
            .iter()
            .map(|n| {
                let s = InterPodAffinity.filter(&info, n);
                (!s.is_success()).then(|| (s.code, s.reasons.join(",")))
            })
            .collect()
    }

    #[test]
    fn filter_table() {
        let aff = Some((
            Code::UnschedulableAndUnresolvable,
            ERR_REASON_AFFINITY_RULES_NOT_MATCH.to_string(),
        ));
        let anti = Some((
            Code::Unschedulable,
            ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH.to_string(),
        ));
        let existing_anti = Some((
            Code::Unschedulable,
            ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH.to_string(),
        ));
        let s1 = pod_with("s1", "default", json!({"security": "S1"}), json!(null));
        let s1_other_ns = pod_with("s1", "other", json!({"security": "S1"}), json!(null));
        let cases = [
            (
                "a pod without affinity fits everywhere",
                pod_with("p", "default", json!({}), json!(null)),
                vec![s1.clone()],
                vec![None, None, None, None],
            ),
            (
                "required affinity is satisfied in the zone of a matching pod only",
                pod_with(
                    "p",
                    "default",
                    json!({}),
                    required("podAffinity", json!([term(in_s1(), ZONE)])),
                ),
                vec![s1.clone()],
                vec![None, None, aff.clone(), aff.clone()],
            ),
            (
                "a matching pod in another namespace does not count",
                pod_with(
                    "p",
                    "default",
                    json!({}),
                    required("podAffinity", json!([term(in_s1(), ZONE)])),
                ),
                vec![s1_other_ns.clone()],
                vec![aff.clone(), aff.clone(), aff.clone(), aff.clone()],
            ),
            (
                "listed namespaces are searched",
                pod_with(
                    "p",
                    "default",
                    json!({}),
                    required(
                        "podAffinity",
                        json!([
                    {"labelSelector": in_s1(), "topologyKey": ZONE, "namespaces": ["other"]}]),
                    ),
                ),
                vec![s1_other_ns.clone()],
                vec![None, None, aff.clone(), aff.clone()],
            ),
            (
                "an empty namespaceSelector selects every namespace",
                pod_with(
                    "p",
                    "default",
                    json!({}),
                    required(
                        "podAffinity",
                        json!([
                    {"labelSelector": in_s1(), "topologyKey": ZONE, "namespaceSelector": {}}]),
                    ),
                ),
                vec![s1_other_ns.clone()],
                vec![None, None, aff.clone(), aff.clone()],
            ),
            (
                "the first pod of a group may match itself, on nodes having the topology key",
                pod_with(
                    "p",
                    "default",
                    json!({"security": "S1"}),
                    required("podAffinity", json!([term(in_s1(), ZONE)])),
                ),
                vec![],
                vec![None, None, None, aff.clone()],
            ),
            (
                "a first pod that does not match its own terms stays pending",
                pod_with(
                    "p",
                    "default",
                    json!({"security": "S2"}),
                    required("podAffinity", json!([term(in_s1(), ZONE)])),
                ),
                vec![],
                vec![aff.clone(), aff.clone(), aff.clone(), aff.clone()],
            ),
            (
                "a nil labelSelector matches no pod",
                pod_with(
                    "p",
                    "default",
                    json!({}),
                    required("podAffinity", json!([{"topologyKey": ZONE}])),
                ),
                vec![s1.clone()],
                vec![aff.clone(), aff.clone(), aff.clone(), aff.clone()],
            ),
            (
                "required anti-affinity keeps the pod out of the matching pod's zone",
                pod_with(
                    "p",
                    "default",
                    json!({}),
                    required("podAntiAffinity", json!([term(in_s1(), ZONE)])),
                ),
                vec![s1.clone()],
                vec![anti.clone(), anti.clone(), None, None],
            ),
            (
                "an existing pod's anti-affinity keeps a matching pod out of its domain",
                pod_with("p", "default", json!({"app": "web"}), json!(null)),
                vec![pod_with(
                    "e",
                    "default",
                    json!({}),
                    required(
                        "podAntiAffinity",
                        json!([term(
                            json!({"matchLabels": {"app": "web"}}),
                            "kubernetes.io/hostname"
                        )]),
                    ),
                )],
                vec![existing_anti.clone(), None, None, None],
            ),
            (
                "an existing pod's anti-affinity in another namespace ignores the pod",
                pod_with("p", "other", json!({"app": "web"}), json!(null)),
                vec![pod_with(
                    "e",
                    "default",
                    json!({}),
                    required(
                        "podAntiAffinity",
                        json!([term(
                            json!({"matchLabels": {"app": "web"}}),
                            "kubernetes.io/hostname"
                        )]),
                    ),
                )],
                vec![None, None, None, None],
            ),
            (
                "affinity is checked before anti-affinity",
                pod_with(
                    "p",
                    "default",
                    json!({}),
                    json!({
                    "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term(in_s1(), ZONE)]},
                    "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term(in_s1(), "kubernetes.io/hostname")]}}),
                ),
                vec![s1.clone()],
                vec![anti.clone(), None, aff.clone(), aff.clone()],
            ),
        ];
        for (name, pod, existing, want) in cases {
            let nodes = cluster(&existing);
            assert_eq!(verdicts(&pod, &nodes), want, "{name}");
        }
    }

    fn scores(pod: &Pod, nodes: &[NodeInfo]) -> (Vec<i64>, Vec<i64>) {
        let info = PodInfo::with_nodes(pod, nodes);
        let raw: Vec<i64> = nodes
            .iter()
            .map(|n| InterPodAffinity.score(&info, n))
            .collect();
        let mut normalized = raw.clone();
        InterPodAffinity.normalize(&mut normalized);
        (raw, normalized)
    }

    #[test]
    fn preferred_terms_score_by_domain() {
        let s1 = pod_with("s1", "default", json!({"security": "S1"}), json!(null));
        let s2 = pod_with("s2", "default", json!({"security": "S2"}), json!(null));
        let in_s2 =
            json!({"matchExpressions": [{"key": "security", "operator": "In", "values": ["S2"]}]});
        // Preferred affinity to S1 by zone.
        let p = pod_with(
            "p",
            "default",
            json!({}),
            preferred("podAffinity", 5, term(in_s1(), ZONE)),
        );
        assert_eq!(
            scores(&p, &cluster(std::slice::from_ref(&s1))),
            (vec![5, 5, 0, 0], vec![100, 100, 0, 0])
        );
        // Preferred anti-affinity to S2 by zone: the zone holding S2 loses.
        let p = pod_with(
            "p",
            "default",
            json!({}),
            preferred("podAntiAffinity", 10, term(in_s2, ZONE)),
        );
        assert_eq!(
            scores(&p, &cluster(&[s2])),
            (vec![-10, -10, 0, 0], vec![0, 0, 100, 100])
        );
        // Nothing matches: all zero.
        let p = pod_with(
            "p",
            "default",
            json!({}),
            preferred("podAffinity", 5, term(in_s1(), ZONE)),
        );
        assert_eq!(
            scores(&p, &cluster(&[])),
            (vec![0, 0, 0, 0], vec![0, 0, 0, 0])
        );
    }

    #[test]
    fn existing_pods_terms_score_the_incoming_pod() {
        let web = pod_with("p", "default", json!({"app": "web"}), json!(null));
        let sel = json!({"matchLabels": {"app": "web"}});
        // An existing pod's required affinity counts with hardPodAffinityWeight 1.
        let e = pod_with(
            "e",
            "default",
            json!({}),
            required("podAffinity", json!([term(sel.clone(), ZONE)])),
        );
        assert_eq!(
            scores(&web, &cluster(&[e])),
            (vec![1, 1, 0, 0], vec![100, 100, 0, 0])
        );
        // Its preferred affinity and anti-affinity add and subtract their weights.
        let e = pod_with(
            "e",
            "default",
            json!({}),
            json!({
            "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 4, "podAffinityTerm": term(sel.clone(), "kubernetes.io/hostname")}]},
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 6, "podAffinityTerm": term(sel.clone(), ZONE)}]}}),
        );
        assert_eq!(
            scores(&web, &cluster(&[e])),
            (vec![-2, -6, 0, 0], vec![66, 0, 100, 100])
        );
        // Its required anti-affinity does not score.
        let e = pod_with(
            "e",
            "default",
            json!({}),
            required("podAntiAffinity", json!([term(sel, ZONE)])),
        );
        assert_eq!(
            scores(&web, &cluster(&[e])),
            (vec![0, 0, 0, 0], vec![0, 0, 0, 0])
        );
    }
}
