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

// ---- Storage and StatefulSets (issue 5) ----

/// One StorageClass in the storage graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageClassView {
    pub name: String,
    pub provisioner: String,
    pub reclaim_policy: String,
    pub volume_binding_mode: String,
    pub allow_volume_expansion: bool,
    pub is_default: bool,
}

/// One PersistentVolume: phase, size, modes, and the claim it is bound to.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeView {
    pub name: String,
    /// Available, Bound, Released, Failed, or Terminating while being deleted.
    pub phase: String,
    pub capacity: String,
    /// RWO, ROX, RWX, RWOP.
    pub access_modes: String,
    pub reclaim_policy: String,
    pub class: String,
    /// `namespace/name` of the claim in `spec.claimRef`.
    pub claim: Option<String>,
    /// The node a volume with node affinity on `kubernetes.io/hostname` lives on.
    pub node: Option<String>,
}

/// One PersistentVolumeClaim, the pods that mount it, and the events that explain its state.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimView {
    pub namespace: String,
    pub name: String,
    /// Pending, Bound, Lost, or Terminating while being deleted.
    pub phase: String,
    pub request: String,
    pub access_modes: String,
    pub class: String,
    pub volume: Option<String>,
    /// `namespace/name` of the pods that mount it.
    pub pods: Vec<String>,
    /// The claim's events (`reason: message`), oldest first: why a Pending claim waits.
    pub events: Vec<String>,
}

/// The storage graph: class → volume ↔ claim ← pod.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageView {
    pub classes: Vec<StorageClassView>,
    pub volumes: Vec<VolumeView>,
    pub claims: Vec<ClaimView>,
}

fn hostname_of_volume(v: &k8s_openapi::api::core::v1::PersistentVolume) -> Option<String> {
    v.spec
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required
        .as_ref()?
        .node_selector_terms
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .find(|e| e.key == "kubernetes.io/hostname" && e.operator == "In")
        .and_then(|e| e.values.as_ref()?.first().cloned())
        .filter(|n| !n.is_empty())
}

/// Everything the storage view draws.
pub fn storage(c: &Cluster) -> StorageView {
    use crate::controllers::persistentvolume::{claim_class, volume_class};
    use crate::object::Object;
    use crate::printers::access_modes;
    let mut view = StorageView::default();
    for s in c.store.list("StorageClass") {
        let Object::StorageClass(sc) = &s.obj else {
            continue;
        };
        let ann = sc.metadata.annotations.as_ref();
        let is_default = ann.is_some_and(|a| {
            a.get("storageclass.kubernetes.io/is-default-class")
                .or_else(|| a.get("storageclass.beta.kubernetes.io/is-default-class"))
                .is_some_and(|v| v == "true")
        });
        view.classes.push(StorageClassView {
            name: sc.metadata.name.clone().unwrap_or_default(),
            provisioner: sc.provisioner.clone(),
            reclaim_policy: sc.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
            volume_binding_mode: sc
                .volume_binding_mode
                .clone()
                .unwrap_or_else(|| "Immediate".into()),
            allow_volume_expansion: sc.allow_volume_expansion.unwrap_or(false),
            is_default,
        });
    }
    let quantity =
        |m: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>| {
            m.and_then(|m| m.get("storage"))
                .map(|q| q.0.clone())
                .unwrap_or_default()
        };
    for s in c.store.list("PersistentVolume") {
        let Object::PersistentVolume(v) = &s.obj else {
            continue;
        };
        let spec = v.spec.clone().unwrap_or_default();
        let phase = if v.metadata.deletion_timestamp.is_some() {
            "Terminating".to_string()
        } else {
            v.status
                .as_ref()
                .and_then(|st| st.phase.clone())
                .unwrap_or_else(|| "Pending".into())
        };
        view.volumes.push(VolumeView {
            name: v.metadata.name.clone().unwrap_or_default(),
            phase,
            capacity: quantity(spec.capacity.as_ref()),
            access_modes: access_modes(spec.access_modes.as_ref()),
            reclaim_policy: spec
                .persistent_volume_reclaim_policy
                .clone()
                .unwrap_or_default(),
            class: volume_class(v),
            claim: spec.claim_ref.as_ref().map(|r| {
                format!(
                    "{}/{}",
                    r.namespace.as_deref().unwrap_or(""),
                    r.name.as_deref().unwrap_or("")
                )
            }),
            node: hostname_of_volume(v),
        });
    }
    for s in c.store.list("PersistentVolumeClaim") {
        let Object::PersistentVolumeClaim(p) = &s.obj else {
            continue;
        };
        let ns = p.metadata.namespace.clone().unwrap_or_default();
        let name = p.metadata.name.clone().unwrap_or_default();
        let spec = p.spec.clone().unwrap_or_default();
        let phase = if p.metadata.deletion_timestamp.is_some() {
            "Terminating".to_string()
        } else {
            p.status
                .as_ref()
                .and_then(|st| st.phase.clone())
                .unwrap_or_else(|| "Pending".into())
        };
        let pods: Vec<String> = c
            .store
            .list_ns("Pod", &ns)
            .filter_map(|s| s.obj.as_pod())
            .filter(|pod| {
                pod.spec
                    .iter()
                    .flat_map(|s| s.volumes.iter().flatten())
                    .filter_map(|v| v.persistent_volume_claim.as_ref())
                    .any(|v| v.claim_name == name)
            })
            .map(|pod| format!("{ns}/{}", pod.metadata.name.as_deref().unwrap_or("")))
            .collect();
        let me = ObjRef::new("PersistentVolumeClaim", &ns, &name);
        let events: Vec<String> = c
            .store
            .events
            .iter()
            .filter(|e| e.involved_object == me)
            .map(|e| format!("{}: {}", e.reason, e.message))
            .collect();
        view.claims.push(ClaimView {
            namespace: ns,
            name,
            phase,
            request: quantity(spec.resources.as_ref().and_then(|r| r.requests.as_ref())),
            access_modes: access_modes(spec.access_modes.as_ref()),
            class: claim_class(p),
            volume: spec.volume_name.clone().filter(|v| !v.is_empty()),
            pods,
            events,
        });
    }
    view
}

/// One replica of a StatefulSet, in ordinal order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaView {
    pub ordinal: i32,
    /// `<set>-<ordinal>`; `pod` is `None` until the controller has created it.
    pub name: String,
    pub pod: Option<PodView>,
    /// `(claim name, phase)` for each volumeClaimTemplate.
    pub claims: Vec<(String, String)>,
    /// `<pod>.<service>.<ns>.svc.cluster.local`, when the set names a governing Service.
    pub dns_name: Option<String>,
}

/// A StatefulSet with its replicas.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetView {
    pub namespace: String,
    pub name: String,
    pub service_name: Option<String>,
    pub pod_management_policy: String,
    /// `spec.replicas` and `status.readyReplicas`.
    pub replicas: i32,
    pub ready: i32,
    pub replica_list: Vec<ReplicaView>,
}

/// Every StatefulSet: the ordinals it wants (from `spec.ordinals.start`) plus any pod of
/// another ordinal it still owns, each with its claims and stable DNS name.
pub fn stateful_sets(c: &Cluster) -> Vec<StatefulSetView> {
    use crate::controllers::statefulset::{
        claim_name, parent_and_ordinal, pod_name, start_ordinal,
    };
    use crate::object::Object;
    let mut out = Vec::new();
    for s in c.store.list("StatefulSet") {
        let Object::StatefulSet(set) = &s.obj else {
            continue;
        };
        let ns = set.metadata.namespace.clone().unwrap_or_default();
        let name = set.metadata.name.clone().unwrap_or_default();
        let uid = set.metadata.uid.clone().unwrap_or_default();
        let spec = set.spec.clone().unwrap_or_default();
        let replicas = spec.replicas.unwrap_or(1).max(0);
        let start = start_ordinal(set, c.settings.minor);
        let service = spec.service_name.clone().filter(|s| !s.is_empty());
        let mut ordinals: Vec<i32> = (start..start.saturating_add(replicas)).take(1000).collect();
        for p in c.store.list_ns("Pod", &ns).filter_map(|s| s.obj.as_pod()) {
            let owned = p
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid);
            if let (true, Some((parent, ord))) = (
                owned,
                p.metadata.name.as_deref().and_then(parent_and_ordinal),
            ) {
                if parent == name && !ordinals.contains(&ord) {
                    ordinals.push(ord);
                }
            }
        }
        ordinals.sort_unstable();
        let replica_list = ordinals
            .into_iter()
            .map(|ordinal| {
                let pname = pod_name(&name, ordinal);
                let pod = c
                    .store
                    .get_obj("Pod", &ns, &pname)
                    .and_then(Object::as_pod)
                    .map(pod_view);
                let claims = spec
                    .volume_claim_templates
                    .iter()
                    .flatten()
                    .map(|t| {
                        let cname =
                            claim_name(t.metadata.name.as_deref().unwrap_or(""), &name, ordinal);
                        let phase = match c.store.get_obj("PersistentVolumeClaim", &ns, &cname) {
                            Some(Object::PersistentVolumeClaim(p))
                                if p.metadata.deletion_timestamp.is_some() =>
                            {
                                "Terminating".to_string()
                            }
                            Some(Object::PersistentVolumeClaim(p)) => p
                                .status
                                .as_ref()
                                .and_then(|s| s.phase.clone())
                                .unwrap_or_else(|| "Pending".into()),
                            _ => "Missing".into(),
                        };
                        (cname, phase)
                    })
                    .collect();
                ReplicaView {
                    ordinal,
                    dns_name: service
                        .as_ref()
                        .map(|svc| format!("{pname}.{svc}.{ns}.svc.{}", crate::dns::ZONE)),
                    name: pname,
                    pod,
                    claims,
                }
            })
            .collect();
        out.push(StatefulSetView {
            namespace: ns,
            name,
            service_name: service,
            pod_management_policy: spec
                .pod_management_policy
                .clone()
                .unwrap_or_else(|| "OrderedReady".into()),
            replicas,
            ready: set
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0),
            replica_list,
        });
    }
    out
}

/// The DNS records the cluster serves (see `dns.rs`).
pub fn dns_records(c: &Cluster) -> Vec<crate::dns::Record> {
    crate::dns::records(&c.store)
}

#[cfg(test)]
mod storage_view_tests {
    use super::*;

    #[test]
    fn the_statefulset_example_shows_three_replicas_their_claims_dns_names_and_an_unbound_claim() {
        let text = include_str!("../../examples/16-statefulset-and-headless-service.yaml");
        let r = crate::run(&[crate::Input::new("16.yaml", text)]);
        let sets = stateful_sets(&r.cluster);
        assert_eq!(sets.len(), 1);
        let web = &sets[0];
        assert_eq!((web.replicas, web.ready), (3, 3));
        let names: Vec<&str> = web.replica_list.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["web-0", "web-1", "web-2"]);
        assert_eq!(
            web.replica_list[1].dns_name.as_deref(),
            Some("web-1.nginx.default.svc.cluster.local")
        );
        assert_eq!(
            web.replica_list[2].claims,
            [("www-web-2".to_string(), "Bound".to_string())]
        );
        let storage = storage(&r.cluster);
        let shared = storage
            .claims
            .iter()
            .find(|c| c.name == "shared-www")
            .unwrap();
        assert_eq!(shared.phase, "Pending");
        assert_eq!(
            shared.events,
            ["FailedBinding: no persistent volumes available for this claim and no storage class is set"]
        );
        let www0 = storage
            .claims
            .iter()
            .find(|c| c.name == "www-web-0")
            .unwrap();
        assert_eq!(www0.pods, ["default/web-0"]);
        let records: Vec<String> = dns_records(&r.cluster).iter().map(|r| r.line()).collect();
        assert!(
            records
                .contains(&"web-0.nginx.default.svc.cluster.local. 30 IN A 10.244.1.2".to_string()),
            "{records:#?}"
        );
    }
}
