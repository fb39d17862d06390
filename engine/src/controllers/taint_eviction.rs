//! Taint-based eviction: a pod bound to a node with a `NoExecute` taint it does not tolerate is
//! deleted at once; one that tolerates every such taint, some with `tolerationSeconds`, is
//! deleted when the shortest of those has passed on the logical clock; tolerations without
//! `tolerationSeconds` keep it forever. Removing the taint (or the pod) before then cancels the
//! scheduled deletion.
//!
//! Follows `pkg/controller/tainteviction/taint_eviction.go` (1.29+, its own controller
//! `taint-eviction-controller`) and, before 1.29, `pkg/controller/nodelifecycle/scheduler/
//! taint_manager.go` (the `NoExecuteTaintManager` inside the node lifecycle controller, events
//! from `taint-controller`): `processPodOnNode`, `getMinTolerationTime`,
//! `GetMatchingTolerations`, the `TaintManagerEviction` events `Marking for deletion Pod %s` and
//! `Cancelling deletion of Pod %s`, and `addConditionAndDeletePod` (the `DisruptionTarget`
//! condition, reason `DeletionByTaintManager`, from 1.26 when PodDisruptionConditions is on).
//! The timed work queue (`timed_workers.go`) is `State::taint_evictions`: the time the work was
//! created and when it fires; fired work stays (as upstream keeps a nil worker) until the pod
//! is gone, so it is never added twice.

use k8s_openapi::api::core::v1::{Pod, PodCondition, Taint, Toleration};

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::store::ObjRef;
use crate::taints;

/// A pod's scheduled deletion: `TimedWorker` (`CreatedAt`, `FireAt`) and whether it has run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledEviction {
    pub created_at: i64,
    pub fire_at: i64,
    pub fired: bool,
}

/// The component name events are reported by.
fn component(minor: u32) -> &'static str {
    if minor >= 29 {
        "taint-eviction-controller"
    } else {
        "taint-controller"
    }
}

/// `getMinTolerationTime`: the shortest `tolerationSeconds` of the tolerations used, `Some(0)`
/// when none are used or one is zero or negative, `None` for "forever".
pub fn min_toleration_time(used: &[&Toleration]) -> Option<i64> {
    if used.is_empty() {
        return Some(0);
    }
    let mut min: Option<i64> = None;
    for t in used {
        if let Some(secs) = t.toleration_seconds {
            if secs <= 0 {
                return Some(0);
            }
            min = Some(min.map_or(secs, |m: i64| m.min(secs)));
        }
    }
    min
}

/// `GetMatchingTolerations`: whether every taint is tolerated, and for each taint the first
/// toleration that tolerates it.
pub fn matching_tolerations<'a>(
    taints: &[Taint],
    tolerations: &'a [Toleration],
) -> (bool, Vec<&'a Toleration>) {
    let mut used = Vec::new();
    for taint in taints {
        match tolerations
            .iter()
            .find(|t| taints::toleration_tolerates_taint(t, taint))
        {
            Some(t) => used.push(t),
            None => return (false, Vec::new()),
        }
    }
    (true, used)
}

fn no_execute_taints(node: &k8s_openapi::api::core::v1::Node) -> Vec<Taint> {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .map(|ts| {
            ts.iter()
                .filter(|t| t.effect == taints::TAINT_EFFECT_NO_EXECUTE)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

pub fn reconcile(c: &mut Cluster) -> bool {
    let now = c.store.now;
    let source = component(c.settings.minor);
    let mut changed = false;
    // Pods that are gone: their work is dropped; pending work is cancelled with an event
    // (`handlePodUpdate` on NotFound).
    let gone: Vec<ObjRef> = c
        .controller_state
        .taint_evictions
        .keys()
        .filter(|k| !c.store.contains(k))
        .cloned()
        .collect();
    for key in gone {
        if let Some(work) = c.controller_state.taint_evictions.remove(&key) {
            if !work.fired {
                cancel_event(c, &key, source);
                changed = true;
            }
        }
    }
    let pods: Vec<(ObjRef, String, Vec<Toleration>)> = c
        .store
        .list("Pod")
        .filter_map(|s| {
            let pod = s.obj.as_pod()?;
            if pod.metadata.deletion_timestamp.is_some() {
                return None;
            }
            let spec = pod.spec.as_ref()?;
            let node = spec.node_name.clone()?;
            Some((
                ObjRef::of(&s.obj),
                node,
                spec.tolerations.clone().unwrap_or_default(),
            ))
        })
        .collect();
    for (key, node, tolerations) in pods {
        let taints = c
            .store
            .get_obj("Node", "", &node)
            .and_then(Object::as_node)
            .map(no_execute_taints)
            .unwrap_or_default();
        let existing = c.controller_state.taint_evictions.get(&key).cloned();
        if taints.is_empty() {
            if let Some(work) = existing {
                c.controller_state.taint_evictions.remove(&key);
                if !work.fired {
                    cancel_event(c, &key, source);
                }
                changed = true;
            }
            continue;
        }
        let (all_tolerated, used) = matching_tolerations(&taints, &tolerations);
        let wanted = if all_tolerated {
            min_toleration_time(&used)
        } else {
            Some(0)
        };
        match (wanted, existing) {
            // Tolerated forever: cancel any scheduled deletion.
            (None, Some(work)) => {
                c.controller_state.taint_evictions.remove(&key);
                if !work.fired {
                    cancel_event(c, &key, source);
                }
                changed = true;
            }
            (None, None) => {}
            // Not tolerated: the pending work (if any) is cancelled and the pod deleted now.
            (Some(0), Some(work)) if !all_tolerated && !work.fired => {
                cancel_event(c, &key, source);
                c.controller_state.taint_evictions.insert(
                    key.clone(),
                    ScheduledEviction {
                        created_at: now,
                        fire_at: now,
                        fired: false,
                    },
                );
                changed = true;
            }
            // Work already queued (or done) stays as it is.
            (Some(_), Some(_)) => {}
            (Some(secs), None) => {
                c.controller_state.taint_evictions.insert(
                    key.clone(),
                    ScheduledEviction {
                        created_at: now,
                        fire_at: now.saturating_add(secs),
                        fired: false,
                    },
                );
                changed = true;
            }
        }
    }
    // Fire the work that is due, in key order.
    let due: Vec<ObjRef> = c
        .controller_state
        .taint_evictions
        .iter()
        .filter(|(_, w)| !w.fired && w.fire_at <= now)
        .map(|(k, _)| k.clone())
        .collect();
    for key in due {
        if let Some(w) = c.controller_state.taint_evictions.get_mut(&key) {
            w.fired = true;
        }
        delete_pod(c, &key, source);
        changed = true;
    }
    changed
}

fn cancel_event(c: &mut Cluster, key: &ObjRef, source: &str) {
    c.store.event(
        "Normal",
        "TaintManagerEviction",
        key.clone(),
        format!("Cancelling deletion of Pod {}/{}", key.namespace, key.name),
        source,
    );
}

/// `deletePodHandler`: the event, then `addConditionAndDeletePod`.
fn delete_pod(c: &mut Cluster, key: &ObjRef, source: &str) {
    c.store.event(
        "Normal",
        "TaintManagerEviction",
        key.clone(),
        format!("Marking for deletion Pod {}/{}", key.namespace, key.name),
        source,
    );
    let with_condition = c.settings.minor >= 26;
    let now = c.store.timestamp();
    c.store.modify(key, |o| {
        if let Object::Pod(p) = o {
            if with_condition {
                add_disruption_condition(
                    p,
                    "DeletionByTaintManager",
                    "Taint manager: deleting due to NoExecute taint",
                    &now,
                );
            }
            if p.metadata.deletion_timestamp.is_none() {
                p.metadata.deletion_timestamp = Some(now.clone());
                p.metadata.deletion_grace_period_seconds = p
                    .spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds);
            }
        }
    });
}

/// `apipod.UpdatePodCondition` with a `DisruptionTarget` condition (status True).
pub(crate) fn add_disruption_condition(
    p: &mut Pod,
    reason: &str,
    message: &str,
    now: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
) {
    let status = p.status.get_or_insert_with(Default::default);
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    let condition = PodCondition {
        type_: "DisruptionTarget".into(),
        status: "True".into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_transition_time: Some(now.clone()),
        ..PodCondition::default()
    };
    match conditions
        .iter_mut()
        .find(|c| c.type_ == "DisruptionTarget")
    {
        Some(existing) => {
            if existing.status != "True" {
                *existing = condition;
            } else {
                existing.reason = condition.reason;
                existing.message = condition.message;
            }
        }
        None => conditions.push(condition),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toleration(key: &str, effect: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: Some(key.into()),
            operator: Some("Exists".into()),
            effect: Some(effect.into()),
            toleration_seconds: seconds,
            value: None,
        }
    }

    fn taint(key: &str) -> Taint {
        Taint {
            key: key.into(),
            effect: "NoExecute".into(),
            value: None,
            time_added: None,
        }
    }

    #[test]
    fn the_shortest_toleration_seconds_of_the_used_tolerations_wins() {
        #[rustfmt::skip]
        let cases: &[(&str, Vec<Toleration>, Option<i64>)] = &[
            ("no tolerations used means delete now", vec![], Some(0)),
            ("a toleration without seconds tolerates forever", vec![toleration("a", "NoExecute", None)], None),
            ("one toleration with seconds", vec![toleration("a", "NoExecute", Some(60))], Some(60)),
            ("the smaller of two", vec![toleration("a", "NoExecute", Some(60)), toleration("b", "NoExecute", Some(30))], Some(30)),
            ("forever and bounded gives the bound", vec![toleration("a", "NoExecute", None), toleration("b", "NoExecute", Some(30))], Some(30)),
            ("zero seconds means delete now", vec![toleration("a", "NoExecute", Some(0))], Some(0)),
            ("negative seconds means delete now", vec![toleration("a", "NoExecute", Some(-5)), toleration("b", "NoExecute", Some(30))], Some(0)),
        ];
        for (name, tolerations, want) in cases {
            let used: Vec<&Toleration> = tolerations.iter().collect();
            assert_eq!(min_toleration_time(&used), *want, "{name}");
        }
    }

    #[test]
    fn every_taint_must_be_tolerated_and_the_first_matching_toleration_is_used() {
        let tolerations = vec![
            toleration("a", "NoExecute", Some(10)),
            toleration("a", "NoExecute", None),
            toleration("b", "", Some(20)),
        ];
        let (all, used) = matching_tolerations(&[taint("a"), taint("b")], &tolerations);
        assert!(all);
        assert_eq!(
            used.iter()
                .map(|t| t.toleration_seconds)
                .collect::<Vec<_>>(),
            [Some(10), Some(20)]
        );
        let (all, used) = matching_tolerations(&[taint("a"), taint("c")], &tolerations);
        assert!(!all);
        assert!(used.is_empty());
        let (all, _) = matching_tolerations(&[taint("b")], &[toleration("b", "NoSchedule", None)]);
        assert!(
            !all,
            "a NoSchedule toleration does not tolerate a NoExecute taint"
        );
    }

    fn run(minor: u32, text: &str) -> crate::scenario::Run {
        let text = format!(
            "apiVersion: kubefiddle.dev/v1alpha1\nkind: Settings\nkubernetesVersion: \"1.{minor}\"\n---\n{text}"
        );
        crate::scenario::run(&[crate::scenario::Input::new("t.yaml", text)])
    }

    const PODS: &str = "apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  nodeName: kind-worker
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: patient}
spec:
  nodeName: kind-worker
  tolerations: [{key: maintenance, operator: Exists, effect: NoExecute, tolerationSeconds: 120}]
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: forever}
spec:
  nodeName: kind-worker
  tolerations: [{key: maintenance, operator: Exists}]
  containers: [{name: c, image: nginx}]
";

    fn pods(run: &crate::scenario::Run) -> Vec<String> {
        run.cluster
            .store
            .list("Pod")
            .map(|s| s.obj.name().to_string())
            .collect()
    }

    fn events(run: &crate::scenario::Run) -> Vec<String> {
        run.cluster
            .store
            .events
            .iter()
            .filter(|e| e.reason == "TaintManagerEviction")
            .map(|e| format!("{} {}", e.message, e.source))
            .collect()
    }

    #[test]
    fn an_untolerated_noexecute_taint_deletes_at_once_and_tolerated_ones_wait() {
        let r = run(
            34,
            &format!("{PODS}---\n$ kubectl taint nodes kind-worker maintenance=now:NoExecute\n"),
        );
        assert_eq!(pods(&r), ["forever", "patient"]);
        assert_eq!(
            events(&r),
            ["Marking for deletion Pod default/plain taint-eviction-controller"]
        );
        let r = run(
            34,
            &format!("{PODS}---\n$ kubectl taint nodes kind-worker maintenance=now:NoExecute\n$ sleep 1m\n"),
        );
        assert_eq!(pods(&r), ["forever", "patient"], "120s have not passed");
        let r = run(
            34,
            &format!("{PODS}---\n$ kubectl taint nodes kind-worker maintenance=now:NoExecute\n$ sleep 2m\n"),
        );
        assert_eq!(pods(&r), ["forever"]);
        assert_eq!(
            events(&r),
            [
                "Marking for deletion Pod default/plain taint-eviction-controller",
                "Marking for deletion Pod default/patient taint-eviction-controller"
            ]
        );
    }

    #[test]
    fn removing_the_taint_in_time_cancels_the_deletion_with_an_event() {
        let r = run(
            28,
            &format!("{PODS}---\n$ kubectl taint nodes kind-worker maintenance=now:NoExecute\n$ sleep 1m\n$ kubectl taint nodes kind-worker maintenance:NoExecute-\n$ sleep 5m\n"),
        );
        assert_eq!(pods(&r), ["forever", "patient"]);
        assert_eq!(
            events(&r),
            [
                "Marking for deletion Pod default/plain taint-controller",
                "Cancelling deletion of Pod default/patient taint-controller"
            ]
        );
    }

    #[test]
    fn noschedule_taints_evict_nobody() {
        let r = run(
            34,
            &format!("{PODS}---\n$ kubectl taint nodes kind-worker maintenance=now:NoSchedule\n$ sleep 1h\n"),
        );
        assert_eq!(pods(&r), ["forever", "patient", "plain"]);
        assert!(events(&r).is_empty());
    }

    #[test]
    fn the_disruption_target_condition_is_set_from_1_26() {
        for (minor, want) in [(25, false), (26, true)] {
            let mut c = run(minor, PODS).cluster;
            let key = ObjRef::new("Pod", "default", "plain");
            delete_pod(&mut c, &key, "x");
            let pod = c
                .store
                .get_obj("Pod", "default", "plain")
                .and_then(Object::as_pod)
                .cloned()
                .unwrap_or_default();
            assert!(pod.metadata.deletion_timestamp.is_some());
            let has = pod
                .status
                .and_then(|s| s.conditions)
                .unwrap_or_default()
                .iter()
                .any(|c| {
                    c.type_ == "DisruptionTarget"
                        && c.reason.as_deref() == Some("DeletionByTaintManager")
                });
            assert_eq!(has, want, "1.{minor}");
        }
    }
}
