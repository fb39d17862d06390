//! What the UI draws, derived from the final cluster: nodes with their capacity bars and pods,
//! and the pods still waiting for a node. The UI renders these and computes nothing itself.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::apiserver::Cluster;
use crate::printers::{node_roles, pod_ready, pod_status};
use crate::scheduler::{self, Attempt};
use crate::store::ObjRef;
use crate::taints::taint_to_string;

/// Used against available, in the resource's unit (millicores for cpu, bytes, pods).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub used: i64,
    pub total: i64,
}

impl Usage {
    /// Fraction used, 0.0..=1.0 (over-committed nodes clamp to 1).
    pub fn fraction(&self) -> f64 {
        if self.total <= 0 {
            return 0.0;
        }
        (self.used as f64 / self.total as f64).clamp(0.0, 1.0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodView {
    pub namespace: String,
    pub name: String,
    /// kubectl's STATUS column: Running, Pending, ContainerCreating, Terminating…
    pub status: String,
    pub ready: String,
    pub node: Option<String>,
    pub ip: Option<String>,
    /// Why it is Pending: the PodScheduled condition's message.
    pub message: Option<String>,
    pub cpu_milli: i64,
    pub memory_bytes: i64,
    /// The kind of the pod's controller (ReplicaSet, StatefulSet…), if any.
    pub owner: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    pub name: String,
    pub roles: Vec<String>,
    /// Ready, NotReady, with `,SchedulingDisabled` when cordoned.
    pub status: String,
    pub labels: BTreeMap<String, String>,
    /// Taints as `key=value:Effect`.
    pub taints: Vec<String>,
    pub cpu: Usage,
    pub memory: Usage,
    pub pods: Usage,
    pub pod_list: Vec<PodView>,
}

fn pod_view(p: &k8s_openapi::api::core::v1::Pod) -> PodView {
    let r = scheduler::PodInfo::new(p).requests;
    let message = p
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        })
        .and_then(|c| c.message.clone());
    PodView {
        namespace: p.metadata.namespace.clone().unwrap_or_default(),
        name: p.metadata.name.clone().unwrap_or_default(),
        status: pod_status(p),
        ready: pod_ready(p),
        node: p.spec.as_ref().and_then(|s| s.node_name.clone()),
        ip: p.status.as_ref().and_then(|s| s.pod_ip.clone()),
        message,
        cpu_milli: r.milli_cpu,
        memory_bytes: r.memory,
        owner: p
            .metadata
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|o| o.controller == Some(true)))
            .map(|o| o.kind.clone()),
        labels: p.metadata.labels.clone().unwrap_or_default(),
    }
}

/// Every node, in name order, with its pods.
pub fn nodes(c: &Cluster) -> Vec<NodeView> {
    let infos = scheduler::snapshot(&c.store);
    infos
        .iter()
        .map(|n| {
            let pod_list: Vec<PodView> = n
                .pods
                .iter()
                .filter_map(|r| c.store.get(r).and_then(|s| s.obj.as_pod()))
                .map(pod_view)
                .collect();
            NodeView {
                name: n.name.clone(),
                roles: node_roles(&n.node),
                status: crate::printers::node_status(&n.node),
                labels: n.labels.clone(),
                taints: n.taints.iter().map(taint_to_string).collect(),
                cpu: Usage {
                    used: n.requested.milli_cpu,
                    total: n.allocatable.milli_cpu,
                },
                memory: Usage {
                    used: n.requested.memory,
                    total: n.allocatable.memory,
                },
                pods: Usage {
                    used: i64::try_from(n.pods.len()).unwrap_or(i64::MAX),
                    total: n.allocatable.allowed_pod_number,
                },
                pod_list,
            }
        })
        .collect()
}

/// Pods without a node.
pub fn pending(c: &Cluster) -> Vec<PodView> {
    c.store
        .list("Pod")
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_none())
        .map(pod_view)
        .collect()
}

/// The last scheduling attempt for a pod: the "why here?" table.
pub fn last_attempt<'a>(c: &'a Cluster, pod: &ObjRef) -> Option<&'a Attempt> {
    c.attempts.iter().rev().find(|a| &a.pod == pod)
}
