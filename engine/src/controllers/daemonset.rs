//! The DaemonSet controller: one pod per eligible node. A node is eligible when the pod's
//! nodeSelector and required node affinity match it and it has no NoSchedule / NoExecute taint
//! the pod does not tolerate — counting the tolerations the controller adds to every daemon pod
//! (not-ready and unreachable NoExecute; disk-, memory- and pid-pressure and unschedulable
//! NoSchedule; network-unavailable NoSchedule for hostNetwork pods). Each pod carries a required
//! node affinity term `metadata.name In [node]`, so the scheduler places it (since 1.12). Pods on
//! nodes that no longer qualify are deleted, unless only a NoSchedule taint changed (they may
//! keep running); failed pods are replaced; extra pods on a node go, the oldest stays.
//!
//! Follows `pkg/controller/daemon/daemon_controller.go` (`manage`, `podsShouldBeOnNode`,
//! `NodeShouldRunDaemonPod`, `predicates`, `updateDaemonSetStatus`, the `SuccessfulCreate`
//! `Created pod: %v` / `SuccessfulDelete` `Deleted pod: %v` events of `daemonset-controller`) and
//! `pkg/controller/daemon/util/daemonset_util.go` (`AddOrUpdateDaemonPodTolerations`,
//! `ReplaceDaemonSetPodNodeNameNodeAffinity`, `GetTargetNodeName`). Pods are labelled
//! `controller-revision-hash` (a hash of the template, as the ControllerRevision's) and
//! `pod-template-generation`. Rolling updates of a changed template are not simulated.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetStatus};
use k8s_openapi::api::core::v1::{
    Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod,
    PodSpec, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::apiserver::Cluster;
use crate::controllers::{fnv32a, safe_encode};
use crate::labels;
use crate::object::Object;
use crate::store::ObjRef;
use crate::taints;

const SOURCE: &str = "daemonset-controller";

fn toleration(key: &str, effect: &str) -> Toleration {
    Toleration {
        key: Some(key.into()),
        operator: Some("Exists".into()),
        effect: Some(effect.into()),
        value: None,
        toleration_seconds: None,
    }
}

/// `AddOrUpdateDaemonPodTolerations`: the tolerations every daemon pod gets, in upstream's
/// order, each added unless an equal one is there.
pub fn add_daemon_tolerations(spec: &mut PodSpec) {
    let mut wanted = vec![
        toleration("node.kubernetes.io/not-ready", "NoExecute"),
        toleration("node.kubernetes.io/unreachable", "NoExecute"),
        toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
        toleration("node.kubernetes.io/unschedulable", "NoSchedule"),
    ];
    if spec.host_network == Some(true) {
        wanted.push(toleration(
            "node.kubernetes.io/network-unavailable",
            "NoSchedule",
        ));
    }
    let list = spec.tolerations.get_or_insert_with(Vec::new);
    for t in wanted {
        // `AddOrUpdateTolerationInPodSpec`: an equal toleration (key, operator, value,
        // effect) is kept as it is.
        let same = |o: &Toleration| {
            o.key == t.key
                && o.operator.as_deref().unwrap_or("Equal") == "Exists"
                && o.value.as_deref().unwrap_or("").is_empty()
                && o.effect == t.effect
        };
        if !list.iter().any(same) {
            list.push(t);
        }
    }
}

/// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required node affinity becomes one term
/// `metadata.name In [node]` (other required terms are replaced; preferred ones stay).
pub fn replace_node_name_affinity(affinity: Option<Affinity>, node: &str) -> Affinity {
    let term = NodeSelectorTerm {
        match_expressions: None,
        match_fields: Some(vec![NodeSelectorRequirement {
            key: "metadata.name".into(),
            operator: "In".into(),
            values: Some(vec![node.into()]),
        }]),
    };
    let mut affinity = affinity.unwrap_or_default();
    let na = affinity
        .node_affinity
        .get_or_insert_with(NodeAffinity::default);
    na.required_during_scheduling_ignored_during_execution = Some(NodeSelector {
        node_selector_terms: vec![term],
    });
    affinity
}

/// `GetTargetNodeName`: the pod's node, or the node its affinity's `metadata.name` term names.
pub fn target_node(pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    if let Some(n) = &spec.node_name {
        return Some(n.clone());
    }
    let terms = &spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    terms.iter().find_map(|t| {
        t.match_fields.iter().flatten().find_map(|r| {
            (r.key == "metadata.name" && r.operator == "In")
                .then(|| r.values.as_ref().and_then(|v| v.first().cloned()))
                .flatten()
        })
    })
}

/// `NodeShouldRunDaemonPod`: (shouldRun, shouldContinueRunning).
pub fn should_run(ds: &DaemonSet, node: &Node) -> (bool, bool) {
    let node_name = node.metadata.name.clone().unwrap_or_default();
    let Some(mut spec) = ds.spec.as_ref().and_then(|s| s.template.spec.clone()) else {
        return (false, false);
    };
    if spec
        .node_name
        .as_deref()
        .is_some_and(|n| !n.is_empty() && n != node_name)
    {
        return (false, false);
    }
    spec.node_name = Some(node_name);
    add_daemon_tolerations(&mut spec);
    let pod = Pod {
        spec: Some(spec),
        ..Pod::default()
    };
    if !labels::pod_matches_node_selector_and_affinity(&pod, node) {
        return (false, false);
    }
    let tolerations = pod
        .spec
        .as_ref()
        .and_then(|s| s.tolerations.clone())
        .unwrap_or_default();
    let node_taints = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.clone())
        .unwrap_or_default();
    let untolerated = taints::find_untolerated_taint(&node_taints, &tolerations, |t| {
        t.effect == "NoExecute" || t.effect == "NoSchedule"
    });
    match untolerated {
        None => (true, true),
        Some(_) => {
            let evicting = taints::find_untolerated_taint(&node_taints, &tolerations, |t| {
                t.effect == "NoExecute"
            });
            (false, evicting.is_none())
        }
    }
}

fn phase(p: &Pod) -> &str {
    p.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn ready(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

pub fn reconcile(c: &mut Cluster) -> bool {
    let sets: Vec<DaemonSet> = c
        .store
        .typed::<DaemonSet>()
        .filter(|v| v.metadata.deletion_timestamp.is_none())
        .cloned()
        .collect();
    let mut changed = false;
    for ds in sets {
        changed |= sync(c, &ds);
    }
    changed
}

fn template_hash(ds: &DaemonSet) -> String {
    let json = ds
        .spec
        .as_ref()
        .map(|s| serde_json::to_string(&s.template).unwrap_or_default())
        .unwrap_or_default();
    safe_encode(fnv32a(json.as_bytes()))
}

fn new_pod(ds: &DaemonSet, node: &str, hash: &str) -> Option<Pod> {
    let template = ds.spec.as_ref()?.template.clone();
    let name = ds.metadata.name.clone()?;
    let meta = template.metadata.unwrap_or_default();
    let mut spec = template.spec?;
    add_daemon_tolerations(&mut spec);
    spec.affinity = Some(replace_node_name_affinity(spec.affinity.take(), node));
    let mut labels = meta.labels.unwrap_or_default();
    labels.insert("controller-revision-hash".into(), hash.to_string());
    labels.insert(
        "pod-template-generation".into(),
        ds.metadata.generation.unwrap_or(1).to_string(),
    );
    Some(Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{name}-")),
            namespace: ds.metadata.namespace.clone(),
            labels: Some(labels),
            annotations: meta.annotations,
            owner_references: Some(vec![super::owner_ref(
                "DaemonSet",
                "apps/v1",
                &ds.metadata,
                true,
            )]),
            ..ObjectMeta::default()
        },
        spec: Some(spec),
        status: None,
    })
}

fn sync(c: &mut Cluster, ds: &DaemonSet) -> bool {
    let ns = ds.metadata.namespace.clone().unwrap_or_default();
    let name = ds.metadata.name.clone().unwrap_or_default();
    let uid = ds.metadata.uid.clone().unwrap_or_default();
    let ds_ref = ObjRef::new("DaemonSet", &ns, &name);
    let hash = template_hash(ds);
    let nodes: Vec<Node> = c
        .store
        .list("Node")
        .filter_map(|s| s.obj.as_node().cloned())
        .collect();
    let owned: Vec<Pod> = c
        .store
        .list_ns("Pod", &ns)
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| super::owned_by(&p.metadata, &uid, true))
        .cloned()
        .collect();
    let mut by_node: BTreeMap<String, Vec<Pod>> = BTreeMap::new();
    for p in &owned {
        if let Some(n) = target_node(p) {
            by_node.entry(n).or_default().push(p.clone());
        }
    }
    let mut to_create: Vec<String> = Vec::new();
    let mut to_delete: Vec<String> = Vec::new();
    let (mut desired, mut current, mut misscheduled, mut ready_count, mut updated) =
        (0i32, 0i32, 0i32, 0i32, 0i32);
    for node in &nodes {
        let node_name = node.metadata.name.clone().unwrap_or_default();
        let (run, keep) = should_run(ds, node);
        let pods: Vec<&Pod> = by_node
            .get(&node_name)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let live: Vec<&Pod> = pods
            .iter()
            .copied()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .collect();
        if run {
            desired = desired.saturating_add(1);
            if !pods.is_empty() {
                current = current.saturating_add(1);
                if pods.iter().any(|p| ready(p)) {
                    ready_count = ready_count.saturating_add(1);
                }
                if pods.iter().any(|p| {
                    p.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("controller-revision-hash"))
                        == Some(&hash)
                }) {
                    updated = updated.saturating_add(1);
                }
            }
        } else if !pods.is_empty() {
            misscheduled = misscheduled.saturating_add(1);
        }
        // podsShouldBeOnNode
        if run {
            let (failed, healthy): (Vec<&Pod>, Vec<&Pod>) =
                live.iter().copied().partition(|p| phase(p) == "Failed");
            for p in failed {
                to_delete.push(p.metadata.name.clone().unwrap_or_default());
            }
            if healthy.is_empty() {
                to_create.push(node_name.clone());
            } else if healthy.len() > 1 {
                // Keep the oldest (by creation, then name); delete the rest.
                let mut sorted = healthy.clone();
                sorted.sort_by_key(|p| {
                    (
                        p.metadata
                            .creation_timestamp
                            .as_ref()
                            .map(|t| t.0.as_second())
                            .unwrap_or(0),
                        p.metadata.name.clone(),
                    )
                });
                for p in sorted.iter().skip(1) {
                    to_delete.push(p.metadata.name.clone().unwrap_or_default());
                }
            }
        } else if !keep {
            for p in &live {
                to_delete.push(p.metadata.name.clone().unwrap_or_default());
            }
        }
    }
    let mut changed = false;
    for node in to_create {
        let Some(pod) = new_pod(ds, &node, &hash) else {
            break;
        };
        match super::create_pod(
            c,
            pod,
            &super::controller_user("daemon-set-controller"),
            &ds_ref,
            SOURCE,
        ) {
            Ok(()) => {
                changed = true;
            }
            Err(event_changed) => {
                changed |= event_changed;
                break;
            }
        }
    }
    for pod_name in to_delete {
        let key = ObjRef::new("Pod", &ns, &pod_name);
        let now = c.store.timestamp();
        c.store
            .modify(&key, |o| o.meta_mut().deletion_timestamp = Some(now));
        c.store.event(
            "Normal",
            "SuccessfulDelete",
            ds_ref.clone(),
            format!("Deleted pod: {pod_name}"),
            SOURCE,
        );
        changed = true;
    }
    let generation = ds.metadata.generation;
    let available = ready_count;
    changed |= c.store.modify(&ds_ref, |o| {
        if let Object::DaemonSet(d) = o {
            let st = d.status.get_or_insert_with(DaemonSetStatus::default);
            st.desired_number_scheduled = desired;
            st.current_number_scheduled = current;
            st.number_misscheduled = misscheduled;
            st.number_ready = ready_count;
            st.updated_number_scheduled = Some(updated);
            st.number_available = Some(available);
            st.number_unavailable = (desired > available).then(|| desired - available);
            st.observed_generation = generation;
        }
    });
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{NodeSpec, Taint};

    fn ds(json: serde_json::Value) -> DaemonSet {
        serde_json::from_value(json).unwrap_or_default()
    }

    fn node(name: &str, labels: &[(&str, &str)], taints: &[(&str, &str)]) -> Node {
        Node {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..ObjectMeta::default()
            },
            spec: Some(NodeSpec {
                taints: Some(
                    taints
                        .iter()
                        .map(|(k, e)| Taint {
                            key: k.to_string(),
                            effect: e.to_string(),
                            value: None,
                            time_added: None,
                        })
                        .collect(),
                ),
                ..NodeSpec::default()
            }),
            status: None,
        }
    }

    #[test]
    fn which_nodes_run_a_daemon_pod() {
        let plain = ds(
            serde_json::json!({"metadata": {"name": "a"}, "spec": {"selector": {},
            "template": {"spec": {"containers": [{"name": "c"}]}}}}),
        );
        let ssd_only = ds(
            serde_json::json!({"metadata": {"name": "a"}, "spec": {"selector": {},
            "template": {"spec": {"nodeSelector": {"disk": "ssd"}, "containers": [{"name": "c"}]}}}}),
        );
        let tolerant = ds(
            serde_json::json!({"metadata": {"name": "a"}, "spec": {"selector": {},
            "template": {"spec": {"tolerations": [{"operator": "Exists"}], "containers": [{"name": "c"}]}}}}),
        );
        let host_net = ds(
            serde_json::json!({"metadata": {"name": "a"}, "spec": {"selector": {},
            "template": {"spec": {"hostNetwork": true, "containers": [{"name": "c"}]}}}}),
        );
        #[rustfmt::skip]
        let cases: Vec<(&str, &DaemonSet, Node, (bool, bool))> = vec![
            ("an untainted node runs it", &plain, node("n", &[], &[]), (true, true)),
            ("a control-plane taint keeps it off, a running pod may stay", &plain, node("n", &[], &[("node-role.kubernetes.io/control-plane", "NoSchedule")]), (false, true)),
            ("an untolerated NoExecute taint evicts it", &plain, node("n", &[], &[("maintenance", "NoExecute")]), (false, false)),
            ("a cordoned node still runs it (unschedulable is tolerated)", &plain, node("n", &[], &[("node.kubernetes.io/unschedulable", "NoSchedule")]), (true, true)),
            ("not-ready NoExecute is tolerated", &plain, node("n", &[], &[("node.kubernetes.io/not-ready", "NoExecute")]), (true, true)),
            ("memory pressure is tolerated", &plain, node("n", &[], &[("node.kubernetes.io/memory-pressure", "NoSchedule")]), (true, true)),
            ("network-unavailable is not tolerated without hostNetwork", &plain, node("n", &[], &[("node.kubernetes.io/network-unavailable", "NoSchedule")]), (false, true)),
            ("but is with hostNetwork", &host_net, node("n", &[], &[("node.kubernetes.io/network-unavailable", "NoSchedule")]), (true, true)),
            ("a nodeSelector must match", &ssd_only, node("n", &[], &[]), (false, false)),
            ("and then it runs", &ssd_only, node("n", &[("disk", "ssd")], &[]), (true, true)),
            ("tolerate everything runs on the control plane", &tolerant, node("n", &[], &[("node-role.kubernetes.io/control-plane", "NoSchedule")]), (true, true)),
        ];
        for (name, d, n, want) in cases {
            assert_eq!(should_run(d, &n), want, "{name}");
        }
    }

    #[test]
    fn daemon_pods_are_bound_by_node_affinity_and_found_by_it() {
        let d = ds(
            serde_json::json!({"metadata": {"name": "agent", "namespace": "kube-system", "uid": "u"},
            "spec": {"selector": {}, "template": {"metadata": {"labels": {"app": "agent"}},
            "spec": {"containers": [{"name": "c"}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "x", "operator": "Exists"}]}]}}}}}}}),
        );
        let pod = new_pod(&d, "kind-worker", "abc").unwrap_or_default();
        assert_eq!(target_node(&pod).as_deref(), Some("kind-worker"));
        assert_eq!(pod.metadata.generate_name.as_deref(), Some("agent-"));
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        assert_eq!(
            labels.get("controller-revision-hash").map(String::as_str),
            Some("abc")
        );
        assert_eq!(
            labels.get("pod-template-generation").map(String::as_str),
            Some("1")
        );
        let tolerations: Vec<String> = pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.clone())
            .unwrap_or_default()
            .iter()
            .map(|t| {
                format!(
                    "{}:{}",
                    t.key.clone().unwrap_or_default(),
                    t.effect.clone().unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            tolerations,
            [
                "node.kubernetes.io/not-ready:NoExecute",
                "node.kubernetes.io/unreachable:NoExecute",
                "node.kubernetes.io/disk-pressure:NoSchedule",
                "node.kubernetes.io/memory-pressure:NoSchedule",
                "node.kubernetes.io/pid-pressure:NoSchedule",
                "node.kubernetes.io/unschedulable:NoSchedule"
            ]
        );
        let terms = pod
            .spec
            .and_then(|s| s.affinity)
            .and_then(|a| a.node_affinity)
            .and_then(|n| n.required_during_scheduling_ignored_during_execution)
            .map(|r| r.node_selector_terms)
            .unwrap_or_default();
        assert_eq!(terms.len(), 1, "the template's required terms are replaced");
    }
}
