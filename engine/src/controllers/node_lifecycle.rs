//! Nodes the scenario declares come alive: the kubelet of a Node without a status registers it
//! (kind's capacity, addresses, the Ready condition), the node IPAM controller gives it a
//! podCIDR, and the node lifecycle controller lifts the condition taints
//! (`node.kubernetes.io/not-ready:NoSchedule`, added by TaintNodesByCondition) from Ready nodes.
//!
//! Follows `pkg/kubelet/kubelet_node_status.go` (registerWithAPIServer, setNodeStatus),
//! `pkg/controller/nodeipam` (range allocator: the next free /24 of the cluster CIDR) and
//! `pkg/controller/nodelifecycle/node_lifecycle_controller.go` (doNoScheduleTaintingPass).

use std::collections::BTreeSet;

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::settings;
use crate::store::ObjRef;

/// Taints the lifecycle controller keeps in step with the node's conditions.
const CONDITION_TAINTS: &[&str] = &[
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

pub fn reconcile(c: &mut Cluster) -> bool {
    let minor = c.settings.minor;
    let nodes: Vec<(ObjRef, k8s_openapi::api::core::v1::Node)> = c
        .store
        .list("Node")
        .filter_map(|s| s.obj.as_node().map(|n| (ObjRef::of(&s.obj), n.clone())))
        .collect();
    let mut used_cidrs: BTreeSet<String> = nodes
        .iter()
        .filter_map(|(_, n)| n.spec.as_ref().and_then(|s| s.pod_cidr.clone()))
        .collect();
    let mut changed = false;
    for (index, (key, node)) in nodes.iter().enumerate() {
        let needs_status = node
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_none_or(|c| c.is_empty());
        let needs_cidr = node
            .spec
            .as_ref()
            .and_then(|s| s.pod_cidr.as_ref())
            .is_none();
        let ready = !needs_status
            && node
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        let has_condition_taint = node
            .spec
            .as_ref()
            .and_then(|s| s.taints.as_ref())
            .is_some_and(|ts| {
                ts.iter()
                    .any(|t| CONDITION_TAINTS.contains(&t.key.as_str()) && t.effect == "NoSchedule")
            });
        if !(needs_status || needs_cidr || ready && has_condition_taint) {
            continue;
        }
        let cidr = if needs_cidr {
            let free = (0..=255)
                .map(|i| format!("10.244.{i}.0/24"))
                .find(|c| !used_cidrs.contains(c));
            if let Some(c) = &free {
                used_cidrs.insert(c.clone());
            }
            free
        } else {
            None
        };
        let name = key.name.clone();
        changed |= c.store.modify(key, |o| {
            let Object::Node(n) = o else { return };
            if needs_status {
                let given = n.status.take().unwrap_or_default();
                let mut status = settings::kubelet_status(&name, index, minor);
                if given.capacity.is_some() {
                    status.capacity = given.capacity.clone();
                    status.allocatable = given.allocatable.clone().or(given.capacity);
                }
                n.status = Some(status);
            }
            let spec = n.spec.get_or_insert_with(Default::default);
            if let Some(c) = &cidr {
                spec.pod_cidr = Some(c.clone());
                spec.pod_cidrs = Some(vec![c.clone()]);
            }
            if let Some(ts) = spec.taints.as_mut() {
                ts.retain(|t| {
                    !(CONDITION_TAINTS.contains(&t.key.as_str()) && t.effect == "NoSchedule")
                });
                if ts.is_empty() {
                    spec.taints = None;
                }
            }
        });
    }
    changed
}
