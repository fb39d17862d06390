//! The kubelets: a pod bound to a node starts (its containers pulled and running, its IP from the
//! node's podCIDR, its conditions true); a pod being deleted is stopped and removed.
//!
//! Follows `pkg/kubelet/kubelet_pods.go` (`generateAPIPodStatus`) and
//! `pkg/kubelet/status/generate.go` (the Initialized / Ready / ContainersReady /
//! PodReadyToStartContainers conditions). Images always pull and containers always start:
//! probes, crashes and image errors are not simulated.
//!
//! Containers run until the pod is deleted — except in pods controlled by a Job, whose
//! containers all exit 0 one second (of the logical clock) after they started: the pod becomes
//! `Succeeded`, its containers `Terminated` with reason `Completed` (as `generateAPIPodStatus`
//! reports a pod whose containers have all exited 0 and that will not restart them).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStatus, HostIP, Pod,
    PodCondition, PodIP,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::store::ObjRef;

pub fn reconcile(c: &mut Cluster) -> bool {
    let mut changed = false;
    // Pods being deleted: unscheduled ones go at once, scheduled ones once their kubelet
    // has stopped them (immediately, on the logical clock).
    let deleting: Vec<ObjRef> = c
        .store
        .list("Pod")
        .filter(|s| s.obj.meta().deletion_timestamp.is_some())
        .map(|s| ObjRef::of(&s.obj))
        .collect();
    for r in deleting {
        c.store.remove(&r);
        changed = true;
    }
    changed |= complete_job_pods(c);
    let to_start: Vec<(ObjRef, String)> = c
        .store
        .list("Pod")
        .filter_map(|s| {
            let pod = s.obj.as_pod()?;
            let node = pod.spec.as_ref()?.node_name.clone()?;
            let phase = pod.status.as_ref().and_then(|st| st.phase.as_deref());
            let started = pod
                .status
                .as_ref()
                .and_then(|st| st.start_time.as_ref())
                .is_some();
            let volumes_ready = super::persistentvolume::pod_claims_bound(&c.store, pod)
                && super::attach_detach::blocked(&c.store, pod).is_none();
            (phase == Some("Pending") && !started && volumes_ready)
                .then(|| (ObjRef::of(&s.obj), node))
        })
        .collect();
    for (r, node) in to_start {
        let Some(node_obj) = c
            .store
            .get_obj("Node", "", &node)
            .and_then(Object::as_node)
            .cloned()
        else {
            continue;
        };
        let host_ip = node_obj
            .status
            .as_ref()
            .and_then(|s| s.addresses.as_ref())
            .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
            .map(|a| a.address.clone())
            .unwrap_or_default();
        let host_network = c
            .store
            .get(&r)
            .and_then(|s| s.obj.as_pod())
            .and_then(|p| p.spec.as_ref())
            .and_then(|s| s.host_network)
            .unwrap_or(false);
        let pod_ip = if host_network {
            host_ip.clone()
        } else {
            next_pod_ip(c, &node, &node_obj)
        };
        let now = c.store.timestamp();
        c.store.modify(&r, |o| {
            if let Object::Pod(p) = o {
                start(p, &host_ip, &pod_ip, now);
            }
        });
        changed = true;
    }
    changed
}

/// The next free address in the node's podCIDR, from .2 upwards (.1 is the gateway).
fn next_pod_ip(c: &Cluster, node: &str, node_obj: &k8s_openapi::api::core::v1::Node) -> String {
    let cidr = node_obj
        .spec
        .as_ref()
        .and_then(|s| s.pod_cidr.clone())
        .unwrap_or_else(|| "10.244.0.0/24".to_string());
    let prefix: Vec<&str> = cidr.split('/').next().unwrap_or("").split('.').collect();
    let base = if prefix.len() == 4 {
        format!("{}.{}.{}", prefix[0], prefix[1], prefix[2])
    } else {
        "10.244.0".to_string()
    };
    let used: BTreeSet<String> = c
        .store
        .list("Pod")
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .filter_map(|p| p.status.as_ref().and_then(|s| s.pod_ip.clone()))
        .collect();
    (2..255)
        .map(|i| format!("{base}.{i}"))
        .find(|ip| !used.contains(ip))
        .unwrap_or_else(|| format!("{base}.254"))
}

fn condition(
    type_: &str,
    time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
) -> PodCondition {
    PodCondition {
        type_: type_.into(),
        status: "True".into(),
        last_transition_time: Some(time.clone()),
        ..PodCondition::default()
    }
}

fn start(
    p: &mut Pod,
    host_ip: &str,
    pod_ip: &str,
    now: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
) {
    let spec = p.spec.clone().unwrap_or_default();
    let status = p.status.get_or_insert_with(Default::default);
    status.phase = Some("Running".into());
    status.host_ip = Some(host_ip.into());
    status.host_ips = Some(vec![HostIP { ip: host_ip.into() }]);
    status.pod_ip = Some(pod_ip.into());
    status.pod_ips = Some(vec![PodIP { ip: pod_ip.into() }]);
    status.start_time = Some(now.clone());
    let mut conditions: Vec<PodCondition> = vec![
        condition("PodReadyToStartContainers", &now),
        condition("Initialized", &now),
        condition("Ready", &now),
        condition("ContainersReady", &now),
    ];
    // Keep the scheduler's PodScheduled condition (last, as the kubelet lists it).
    if let Some(sched) = status
        .conditions
        .as_ref()
        .and_then(|cs| cs.iter().find(|c| c.type_ == "PodScheduled"))
    {
        conditions.push(sched.clone());
    }
    status.conditions = Some(conditions);
    status.container_statuses = Some(
        spec.containers
            .iter()
            .map(|c| ContainerStatus {
                name: c.name.clone(),
                image: c.image.clone().unwrap_or_default(),
                image_id: String::new(),
                ready: true,
                restart_count: 0,
                started: Some(true),
                state: Some(ContainerState {
                    running: Some(ContainerStateRunning {
                        started_at: Some(now.clone()),
                    }),
                    ..ContainerState::default()
                }),
                ..ContainerStatus::default()
            })
            .collect(),
    );
    // Init containers ran to completion before the app started, except restartable ones
    // (native sidecars), which keep running beside it.
    status.init_container_statuses = spec
        .init_containers
        .as_ref()
        .filter(|ics| !ics.is_empty())
        .map(|ics| {
            ics.iter()
                .map(|c| {
                    let sidecar = c.restart_policy.as_deref() == Some("Always");
                    let state = if sidecar {
                        ContainerState {
                            running: Some(ContainerStateRunning {
                                started_at: Some(now.clone()),
                            }),
                            ..ContainerState::default()
                        }
                    } else {
                        ContainerState {
                            terminated: Some(ContainerStateTerminated {
                                exit_code: 0,
                                reason: Some("Completed".into()),
                                started_at: Some(now.clone()),
                                finished_at: Some(now.clone()),
                                ..ContainerStateTerminated::default()
                            }),
                            ..ContainerState::default()
                        }
                    };
                    ContainerStatus {
                        name: c.name.clone(),
                        image: c.image.clone().unwrap_or_default(),
                        image_id: String::new(),
                        ready: sidecar,
                        restart_count: 0,
                        started: Some(sidecar),
                        state: Some(state),
                        ..ContainerStatus::default()
                    }
                })
                .collect()
        });
}

/// Seconds a Job's pod runs before its containers exit 0.
pub const JOB_POD_RUN_SECONDS: i64 = 1;

fn job_pod(p: &Pod) -> bool {
    p.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.controller == Some(true) && o.kind == "Job")
}

/// When a running pod of a Job finishes, in seconds since the cluster started.
pub fn job_pod_finish_time(p: &Pod) -> Option<i64> {
    if !job_pod(p) || p.status.as_ref()?.phase.as_deref() != Some("Running") {
        return None;
    }
    let started = p.status.as_ref()?.start_time.as_ref()?.0.as_second();
    Some(
        started
            .saturating_sub(crate::store::EPOCH)
            .saturating_add(JOB_POD_RUN_SECONDS),
    )
}

fn complete_job_pods(c: &mut Cluster) -> bool {
    let now = c.store.now;
    let done: Vec<ObjRef> = c
        .store
        .list("Pod")
        .filter(|s| {
            s.obj.meta().deletion_timestamp.is_none()
                && s.obj
                    .as_pod()
                    .and_then(job_pod_finish_time)
                    .is_some_and(|t| t <= now)
        })
        .map(|s| ObjRef::of(&s.obj))
        .collect();
    let ts = c.store.timestamp();
    let mut changed = false;
    for r in done {
        changed |= c.store.modify(&r, |o| {
            if let Object::Pod(p) = o {
                complete(p, &ts);
            }
        });
    }
    changed
}

fn not_ready(type_: &str, time: &Time) -> PodCondition {
    PodCondition {
        type_: type_.into(),
        status: "False".into(),
        reason: Some("PodCompleted".into()),
        last_transition_time: Some(time.clone()),
        ..PodCondition::default()
    }
}

/// The status of a pod whose containers all exited 0.
fn complete(p: &mut Pod, now: &Time) {
    let status = p.status.get_or_insert_with(Default::default);
    status.phase = Some("Succeeded".into());
    for c in status.conditions.iter_mut().flatten() {
        match c.type_.as_str() {
            "Ready" | "ContainersReady" => *c = not_ready(&c.type_, now),
            "PodReadyToStartContainers" => {
                c.status = "False".into();
                c.last_transition_time = Some(now.clone());
            }
            "Initialized" => c.reason = Some("PodCompleted".into()),
            _ => {}
        }
    }
    for cs in status.container_statuses.iter_mut().flatten() {
        let started = cs
            .state
            .as_ref()
            .and_then(|s| s.running.as_ref())
            .and_then(|r| r.started_at.clone());
        cs.ready = false;
        cs.started = Some(false);
        cs.state = Some(ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code: 0,
                reason: Some("Completed".into()),
                started_at: started,
                finished_at: Some(now.clone()),
                ..ContainerStateTerminated::default()
            }),
            ..ContainerState::default()
        });
    }
}
