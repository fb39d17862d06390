//! Runs the scheduler over the pods waiting for a node, in PrioritySort order, and writes the
//! outcome back as the binding, the PodScheduled condition and the Scheduled / FailedScheduling
//! events.
//!
//! Follows `pkg/scheduler/schedule_one.go` (`handleSchedulingFailure`, the `Scheduled` event
//! `Successfully assigned %v/%v to %v`) and `framework/plugins/queuesort/priority_sort.go`
//! (higher priority first, then earlier in the queue). An unschedulable pod is tried again
//! only after the cluster changed, as upstream re-queues it on cluster events.

use std::collections::BTreeMap;

use crate::apiserver::Cluster;
use crate::controllers::fnv32a;
use crate::object::Object;
use crate::scheduler::{self, scheduled_condition, NodeInfo};
use crate::store::ObjRef;
use k8s_openapi::api::core::v1::PodCondition;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

pub fn reconcile(c: &mut Cluster) -> bool {
    // One profile per schedulerName (a KubeSchedulerConfiguration document, or the default).
    let profiles = scheduler::config::profiles_of(&c.settings);
    let mut queue: Vec<(i32, String, String, ObjRef)> = c
        .store
        .list("Pod")
        .filter_map(|s| {
            let pod = s.obj.as_pod()?;
            let spec = pod.spec.as_ref()?;
            if spec.node_name.is_some() || pod.metadata.deletion_timestamp.is_some() {
                return None;
            }
            if c.waiting_on_volumes
                .get(&ObjRef::of(&s.obj))
                .is_some_and(|(uid, _)| Some(uid) == pod.metadata.uid.as_ref())
            {
                return None;
            }
            // SchedulingGates' PreEnqueue: a gated pod never reaches the active queue.
            if scheduler::plugins::scheduling_gates::pre_enqueue(pod).is_some() {
                return None;
            }
            // A pod for a scheduler that does not exist stays Pending, without an event.
            let name = spec
                .scheduler_name
                .as_deref()
                .unwrap_or("default-scheduler");
            if !profiles.iter().any(|(n, _)| n == name) {
                return None;
            }
            let created = pod
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second().to_string())
                .unwrap_or_default();
            let uid = pod.metadata.uid.clone().unwrap_or_default();
            Some((
                spec.priority.unwrap_or(0),
                format!("{created:0>20}"),
                uid,
                ObjRef::of(&s.obj),
            ))
        })
        .collect();
    let mut changed = bind_waiting(c);
    if queue.is_empty() {
        return changed;
    }
    queue.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    let mut nodes = scheduler::snapshot(&c.store);
    let pdbs: Vec<PodDisruptionBudget> = c
        .store
        .list("PodDisruptionBudget")
        .filter_map(|s| match &s.obj {
            Object::PodDisruptionBudget(p) => Some(p.as_ref().clone()),
            _ => None,
        })
        .collect();
    // The pods PreBind still waits for hold their node's resources (the scheduler's cache
    // keeps them assumed).
    for (key, (_, node)) in &c.waiting_on_volumes {
        let pod = c.store.get(key).and_then(|s| s.obj.as_pod());
        if let (Some(pod), Some(n)) = (pod, nodes.iter_mut().find(|n| &n.name == node)) {
            n.add_pod(pod);
        }
    }
    // Computed when first needed and again after a binding changes the nodes.
    let mut signature: Option<u64> = None;
    for (_, _, _, key) in queue {
        let Some(pod) = c.store.get(&key).and_then(|s| s.obj.as_pod()).cloned() else {
            continue;
        };
        let name = pod
            .spec
            .as_ref()
            .and_then(|s| s.scheduler_name.as_deref())
            .unwrap_or("default-scheduler");
        let Some((_, profile)) = profiles.iter().find(|(n, _)| n == name) else {
            continue;
        };
        // The pod's claims are part of what it was tried against (VolumeBinding).
        let claims = scheduler::plugins::volume_binding::claims_signature(&c.store, &pod);
        let tried = c.unschedulable.get(&key).copied();
        if tried.is_some_and(|t| {
            t == *signature.get_or_insert_with(|| cluster_signature(&nodes)) ^ claims
        }) {
            continue;
        }
        let scheduler_name = name.to_string();
        let attempt = match scheduler::plugins::volume_binding::pre_filter(&c.store, &pod) {
            // VolumeBinding's PreFilter rejects the pod before any node is filtered.
            Some(reason) => scheduler::Attempt {
                pod: key.clone(),
                time: c.store.now,
                nodes: Vec::new(),
                chosen: None,
                message: Some(scheduler::plugins::volume_binding::pre_filter_fit_error(
                    c.settings.minor,
                    &reason,
                    nodes.len(),
                )),
                preemption: None,
            },
            None => {
                let mut info = scheduler::PodInfo::with_nodes(&pod, &nodes);
                info.args = &profile.args;
                info.default_spread_selector =
                    scheduler::plugins::pod_topology_spread::default_selector(&c.store, &pod);
                info.pdbs = &pdbs;
                let start = c.next_start_node_index;
                let d = scheduler::schedule_pod_from(profile, info, c.store.now, start);
                c.next_start_node_index =
                    start.saturating_add(d.processed_nodes) % nodes.len().max(1);
                d.attempt
            }
        };
        let now = c.store.timestamp();
        match attempt.chosen.clone() {
            Some(node) if waits_for_volumes(c, &pod, &node) => {
                // VolumeBinding's PreBind: the claims get the chosen node, and the binding
                // waits until they are bound.
                c.unschedulable.remove(&key);
                let uid = pod.metadata.uid.clone().unwrap_or_default();
                c.waiting_on_volumes
                    .insert(key.clone(), (uid, node.clone()));
                if let Some(i) = nodes.iter().position(|n| n.name == node) {
                    nodes[i].add_pod(&pod);
                }
                // The claims now carry the node: the next pods' VolumeBinding sees it.
                let storage = std::sync::Arc::new(
                    scheduler::plugins::volume_binding::StorageSnapshot::from_store(&c.store),
                );
                for n in &mut nodes {
                    n.storage = storage.clone();
                }
                signature = None;
                changed = true;
            }
            Some(node) => {
                c.unschedulable.remove(&key);
                bind(c, &key, &node, &scheduler_name);
                if let Some(i) = nodes.iter().position(|n| n.name == node) {
                    if let Some(bound) = c.store.get(&key).and_then(|s| s.obj.as_pod()) {
                        nodes[i].add_pod(bound);
                    }
                }
                signature = None;
                changed = true;
            }
            None => {
                // PostFilter runs before the failure is recorded: the victims' events come
                // first.
                if let Some(p) = &attempt.preemption {
                    preempt(c, &pod, &key, p);
                }
                let message = attempt.message.clone().unwrap_or_default();
                c.store.modify(&key, |o| {
                    if let Object::Pod(p) = o {
                        let status = p.status.get_or_insert_with(Default::default);
                        let conds = status.conditions.get_or_insert_with(Vec::new);
                        let same = conds.iter().any(|c| {
                            c.type_ == "PodScheduled"
                                && c.message.as_deref() == Some(message.as_str())
                        });
                        if !same {
                            conds.retain(|c| c.type_ != "PodScheduled");
                            conds.push(scheduled_condition(false, Some(message.clone()), &now));
                        }
                    }
                });
                c.store.event(
                    "Warning",
                    "FailedScheduling",
                    key.clone(),
                    message,
                    &scheduler_name,
                );
                let sig = *signature.get_or_insert_with(|| cluster_signature(&nodes));
                c.unschedulable.insert(key.clone(), sig ^ claims);
                changed = true;
            }
        }
        if c.record_traces {
            c.attempts.push(attempt);
        }
    }
    changed
}

/// The binding: `spec.nodeName`, the PodScheduled condition and the `Scheduled` event.
fn bind(c: &mut Cluster, key: &ObjRef, node: &str, scheduler_name: &str) {
    let now = c.store.timestamp();
    c.store.modify(key, |o| {
        if let Object::Pod(p) = o {
            if let Some(spec) = p.spec.as_mut() {
                spec.node_name = Some(node.to_string());
            }
            let status = p.status.get_or_insert_with(Default::default);
            let conds = status.conditions.get_or_insert_with(Vec::new);
            conds.retain(|c| c.type_ != "PodScheduled");
            conds.push(scheduled_condition(true, None, &now));
        }
    });
    c.store.event(
        "Normal",
        "Scheduled",
        key.clone(),
        format!(
            "Successfully assigned {}/{} to {}",
            key.namespace, key.name, node
        ),
        scheduler_name,
    );
}

/// Whether binding `pod` to `node` waits for volumes: it has WaitForFirstConsumer claims not
/// bound yet, which now get the node (`volume.kubernetes.io/selected-node`, as VolumeBinding's
/// PreBind sets it through `BindPodVolumes`).
fn waits_for_volumes(c: &mut Cluster, pod: &k8s_openapi::api::core::v1::Pod, node: &str) -> bool {
    let claims = crate::controllers::persistentvolume::delayed_unbound_claims(&c.store, pod);
    for key in &claims {
        c.store.modify(key, |o| {
            o.meta_mut()
                .annotations
                .get_or_insert_with(Default::default)
                .entry(crate::controllers::persistentvolume::ANN_SELECTED_NODE.into())
                .or_insert_with(|| node.to_string());
        });
    }
    !claims.is_empty()
}

/// Binds the pods whose claims PreBind was waiting for, once all of them are bound; drops the
/// ones deleted meanwhile. (A real PreBind gives up after `bindTimeoutSeconds`, 600 s;
/// kubefiddle's pods keep waiting.)
fn bind_waiting(c: &mut Cluster) -> bool {
    let waiting: Vec<(ObjRef, String, String)> = c
        .waiting_on_volumes
        .iter()
        .map(|(k, (uid, n))| (k.clone(), uid.clone(), n.clone()))
        .collect();
    let mut changed = false;
    for (key, uid, node) in waiting {
        let pod = c.store.get(&key).and_then(|s| s.obj.as_pod()).cloned();
        // Gone, being deleted, or another pod of the same name: forget the old binding.
        let Some(pod) = pod.filter(|p| {
            p.metadata.deletion_timestamp.is_none() && p.metadata.uid.as_deref() == Some(&uid)
        }) else {
            c.waiting_on_volumes.remove(&key);
            continue;
        };
        if !crate::controllers::persistentvolume::pod_claims_bound(&c.store, &pod) {
            // A claim deleted or being deleted meanwhile: the binding fails and the pod goes
            // back to the queue, where PreFilter says why (upstream, after PreBind's timeout).
            if scheduler::plugins::volume_binding::pre_filter(&c.store, &pod).is_some() {
                c.waiting_on_volumes.remove(&key);
                changed = true;
            }
            continue;
        }
        c.waiting_on_volumes.remove(&key);
        let scheduler_name = pod
            .spec
            .as_ref()
            .and_then(|s| s.scheduler_name.clone())
            .unwrap_or_else(|| "default-scheduler".into());
        bind(c, &key, &node, &scheduler_name);
        changed = true;
    }
    changed
}

/// `prepareCandidate`: delete the victims (with the `Preempted` event and, since 1.26, the
/// DisruptionTarget condition), then record the nomination in the preemptor's status
/// (`handleSchedulingFailure` with the PostFilter's nominating info).
fn preempt(
    c: &mut Cluster,
    pod: &k8s_openapi::api::core::v1::Pod,
    key: &ObjRef,
    p: &scheduler::plugins::default_preemption::Preemption,
) {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let scheduler_name = pod
        .spec
        .as_ref()
        .and_then(|s| s.scheduler_name.clone())
        .unwrap_or_else(|| "default-scheduler".to_string());
    let minor = c.settings.minor;
    for victim in &p.victims {
        let now = c.store.timestamp();
        c.store.modify(victim, |o| {
            if o.meta().deletion_timestamp.is_none() {
                o.meta_mut().deletion_timestamp = Some(now.clone());
            }
            if let Object::Pod(v) = o {
                let grace = v
                    .spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds);
                if minor >= 26 {
                    let status = v.status.get_or_insert_with(Default::default);
                    let conds = status.conditions.get_or_insert_with(Vec::new);
                    conds.retain(|c| c.type_ != "DisruptionTarget");
                    conds.push(PodCondition {
                        type_: "DisruptionTarget".into(),
                        status: "True".into(),
                        reason: Some("PreemptionByScheduler".into()),
                        message: Some(format!(
                            "{scheduler_name}: preempting to accommodate a higher priority pod"
                        )),
                        last_transition_time: Some(now.clone()),
                        last_probe_time: None,
                        observed_generation: None,
                    });
                }
                o.meta_mut().deletion_grace_period_seconds = grace;
            }
        });
        // The message named the preemptor by namespace/name until kubernetes#114923 (1.27,
        // backported to 1.24-1.26 patch releases) and by UID since kubernetes#119971 (1.29).
        // Releases before 1.24 keep the namespace/name of their .0 release.
        let message = if minor >= 29 {
            format!("Preempted by pod {uid} on node {}", p.node)
        } else if minor < 24 {
            format!(
                "Preempted by {}/{} on node {}",
                key.namespace, key.name, p.node
            )
        } else {
            format!("Preempted by a pod on node {}", p.node)
        };
        c.store.event(
            "Normal",
            "Preempted",
            victim.clone(),
            message,
            "default-scheduler",
        );
    }
    let node = p.node.clone();
    c.store.modify(key, |o| {
        if let Object::Pod(p) = o {
            p.status
                .get_or_insert_with(Default::default)
                .nominated_node_name = Some(node);
        }
    });
}

/// A fingerprint of what the filters look at, so that an unschedulable pod is retried only when
/// it might fit now.
fn cluster_signature(nodes: &[NodeInfo]) -> u64 {
    let mut parts: BTreeMap<&str, String> = BTreeMap::new();
    for n in nodes {
        parts.insert(
            &n.name,
            format!(
                "{:?}|{:?}|{}|{:?}|{:?}|{}",
                n.labels,
                n.taints,
                n.unschedulable,
                n.allocatable,
                n.requested,
                n.pods.len()
            ),
        );
    }
    let text = format!("{parts:?}");
    let a = u64::from(fnv32a(text.as_bytes()));
    let b = u64::from(fnv32a(text.chars().rev().collect::<String>().as_bytes()));
    (a << 32) | b
}
