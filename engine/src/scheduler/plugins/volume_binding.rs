//! VolumeBinding: PreFilter rejects a pod whose claims are missing, being deleted or unbound in
//! an Immediate class; Filter checks, node by node, that bound claims' volumes may be used there
//! and that unbound WaitForFirstConsumer claims can be met there — by an Available volume whose
//! node affinity admits the node, or by provisioning where the class's allowedTopologies allow.
//!
//! Follows `pkg/scheduler/framework/plugins/volumebinding/volume_binding.go` (`podHasPVCs`:
//! `persistentvolumeclaim "x" not found`, `persistentvolumeclaim "x" is being deleted`;
//! `PreFilter`: `pod has unbound immediate PersistentVolumeClaims`, all
//! UnschedulableAndUnresolvable; `Filter`: `ErrReasonBindConflict` `node(s) didn't find
//! available persistent volumes to bind`, `ErrReasonNodeConflict` `node(s) had volume node
//! affinity conflict`, `ErrReasonPVNotExist` `node(s) unavailable due to one or more pvc(s)
//! bound to non-existent pv(s)`, UnschedulableAndUnresolvable) and `binder.go`
//! (`GetPodVolumeClaims`: a claim is bound when it names a volume and carries
//! `pv.kubernetes.io/bind-completed`; `FindPodVolumes`, `checkBoundClaims`,
//! `findMatchingVolumes` — `FindMatchingVolume` with the node —, `checkVolumeProvisions`: no
//! provisioning for `kubernetes.io/no-provisioner`, and the node must match the class's
//! allowedTopologies). The chosen node reaches the claims as
//! `volume.kubernetes.io/selected-node` through the PersistentVolume controller's stand-in for
//! PreBind (`controllers/persistentvolume.rs`), which then binds the matching static volume or
//! provisions one.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;

use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, Status};
use k8s_openapi::api::core::v1::Pod;

use crate::object::Object;
use crate::store::Store;

/// `ErrReasonBindConflict`.
pub const BIND_CONFLICT: &str = "node(s) didn't find available persistent volumes to bind";
/// `ErrReasonNodeConflict`.
pub const NODE_CONFLICT: &str = "node(s) had volume node affinity conflict";
/// `ErrReasonPVNotExist`.
pub const PV_NOT_EXIST: &str =
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

/// The PreFilter reason for immediate claims.
pub const UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";

/// The PreFilter's UnschedulableAndUnresolvable reason, or `None` when the pod may go on to the
/// filters.
pub fn pre_filter(store: &Store, pod: &Pod) -> Option<String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let claims: Vec<&str> = pod
        .spec
        .as_ref()?
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .map(|s| s.claim_name.as_str())
        .collect();
    let mut immediate_unbound = false;
    for name in claims {
        let Some(Object::PersistentVolumeClaim(pvc)) =
            store.get_obj("PersistentVolumeClaim", ns, name)
        else {
            return Some(format!("persistentvolumeclaim \"{name}\" not found"));
        };
        if pvc.metadata.deletion_timestamp.is_some() {
            return Some(format!("persistentvolumeclaim \"{name}\" is being deleted"));
        }
        let bound = pvc
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_deref())
            .is_some_and(|v| !v.is_empty())
            && pvc
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key("pv.kubernetes.io/bind-completed"));
        if bound {
            continue;
        }
        let class = pvc
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
            .cloned()
            .or_else(|| pvc.spec.as_ref().and_then(|s| s.storage_class_name.clone()))
            .unwrap_or_default();
        let delayed = matches!(
            store.get_obj("StorageClass", "", &class),
            Some(Object::StorageClass(sc))
                if sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer")
        );
        if !delayed {
            immediate_unbound = true;
        }
    }
    immediate_unbound.then(|| UNBOUND_IMMEDIATE.to_string())
}

/// A fingerprint of the pod's claims and StorageClasses (their resourceVersions), so that a pod
/// rejected for its claims is tried again once they change.
pub fn claims_signature(store: &Store, pod: &Pod) -> u64 {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut text = String::new();
    for v in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
        if let Some(src) = v.persistent_volume_claim.as_ref() {
            let rv = store
                .get_obj("PersistentVolumeClaim", ns, &src.claim_name)
                .and_then(|o| o.meta().resource_version.clone())
                .unwrap_or_default();
            text.push_str(&format!("{}={rv};", src.claim_name));
        }
    }
    if text.is_empty() {
        return 0;
    }
    for sc in store.list("StorageClass") {
        let rv = sc.obj.meta().resource_version.clone().unwrap_or_default();
        text.push_str(&format!("{}={rv};", sc.obj.name()));
    }
    u64::from(crate::controllers::fnv32a(text.as_bytes()))
}

/// `FitError.Error()` for a PreFilter rejection: the reason, then DefaultPreemption's verdict
/// that evicting pods cannot help an UnschedulableAndUnresolvable pod, with the extra period
/// the PostFilter message gets since 1.25 (as `fit_error_message` in the scheduler).
pub fn pre_filter_fit_error(minor: u32, reason: &str, nodes: usize) -> String {
    let end = if minor >= 25 { "." } else { "" };
    format!(
        "0/{nodes} nodes are available: {reason}. preemption: 0/{nodes} nodes are available: \
         {nodes} Preemption is not helpful for scheduling.{end}"
    )
}

/// What the volume plugins read from the API (upstream: the PVC, PV, StorageClass and CSINode
/// listers), taken once per scheduling snapshot.
#[derive(Clone, Debug, Default)]
pub struct StorageSnapshot {
    /// Claims by `namespace/name`.
    pub claims: BTreeMap<String, PersistentVolumeClaim>,
    pub volumes: BTreeMap<String, PersistentVolume>,
    pub classes: BTreeMap<String, StorageClass>,
}

impl StorageSnapshot {
    pub fn from_store(store: &Store) -> Self {
        let mut s = StorageSnapshot::default();
        for o in store.list("PersistentVolumeClaim") {
            if let Object::PersistentVolumeClaim(p) = &o.obj {
                s.claims
                    .insert(crate::object::key_of(&p.metadata), (**p).clone());
            }
        }
        for o in store.list("PersistentVolume") {
            if let Object::PersistentVolume(v) = &o.obj {
                s.volumes.insert(o.obj.name().to_string(), (**v).clone());
            }
        }
        for o in store.list("StorageClass") {
            if let Object::StorageClass(c) = &o.obj {
                s.classes.insert(o.obj.name().to_string(), (**c).clone());
            }
        }
        s
    }

    /// The claims a pod mounts that exist, in volume order.
    pub fn pod_claims(&self, pod: &Pod) -> Vec<&PersistentVolumeClaim> {
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        pod.spec
            .iter()
            .flat_map(|s| s.volumes.iter().flatten())
            .filter_map(|v| v.persistent_volume_claim.as_ref())
            .filter_map(|src| self.claims.get(&format!("{ns}/{}", src.claim_name)))
            .collect()
    }

    /// The volume a claim is bound to (`None` when unbound); `Some(None)` when it names a volume
    /// that does not exist.
    pub fn bound_volume(&self, claim: &PersistentVolumeClaim) -> Option<Option<&PersistentVolume>> {
        let name = claim.spec.as_ref()?.volume_name.as_deref()?;
        if name.is_empty() {
            return None;
        }
        Some(self.volumes.get(name))
    }

    pub fn class_of(&self, claim: &PersistentVolumeClaim) -> Option<&StorageClass> {
        self.classes
            .get(&crate::controllers::persistentvolume::claim_class(claim))
    }
}

/// `CheckNodeAffinity`: a volume without node affinity fits every node.
pub fn volume_fits_node(volume: &PersistentVolume, node: &Node) -> bool {
    match volume
        .spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
    {
        Some(sel) => crate::labels::node_selector_matches(sel, node),
        None => true,
    }
}

/// `checkVolumeProvisions` for one claim on one node.
pub fn can_provision_on(class: &StorageClass, node: &Node) -> bool {
    if class.provisioner == "kubernetes.io/no-provisioner" {
        return false;
    }
    let Some(terms) = class.allowed_topologies.as_ref().filter(|t| !t.is_empty()) else {
        return true;
    };
    let labels = node.metadata.labels.clone().unwrap_or_default();
    // `MatchTopologySelectorTerms`: terms ORed, expressions ANDed.
    terms.iter().any(|t| {
        t.match_label_expressions.iter().flatten().all(|e| {
            labels
                .get(&e.key)
                .is_some_and(|v| e.values.iter().any(|x| x == v))
        })
    })
}

pub struct VolumeBinding;

impl FilterPlugin for VolumeBinding {
    fn name(&self) -> &'static str {
        "VolumeBinding"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let storage: &Arc<StorageSnapshot> = &node.storage;
        let mut bound_ok = true;
        let mut pv_found = true;
        let mut unbound_ok = true;
        let mut taken: Vec<&str> = Vec::new();
        for claim in storage.pod_claims(pod.pod) {
            let bound = claim
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key("pv.kubernetes.io/bind-completed"));
            match storage.bound_volume(claim) {
                Some(Some(v)) if bound => {
                    if !volume_fits_node(v, &node.node) {
                        bound_ok = false;
                    }
                }
                Some(None) if bound => pv_found = false,
                _ => {
                    // Unbound: only WaitForFirstConsumer claims get here (PreFilter).
                    let Some(class) = storage.class_of(claim) else {
                        unbound_ok = false;
                        continue;
                    };
                    // `FindPodVolumes`' fast path: a claim another pod's binding already gave
                    // a node is provisioned there, and only there.
                    let selected = claim.metadata.annotations.as_ref().and_then(|a| {
                        a.get(crate::controllers::persistentvolume::ANN_SELECTED_NODE)
                    });
                    if let Some(selected) = selected {
                        if *selected != node.name {
                            unbound_ok = false;
                        }
                        continue;
                    }
                    let candidates: Vec<PersistentVolume> = storage
                        .volumes
                        .values()
                        .filter(|v| {
                            !taken.contains(&v.metadata.name.as_deref().unwrap_or(""))
                                && volume_fits_node(v, &node.node)
                        })
                        .cloned()
                        .collect();
                    let found = crate::controllers::persistentvolume::find_best_match(
                        claim,
                        &candidates,
                        false,
                    )
                    .and_then(|v| v.metadata.name.clone());
                    if let Some(name) = found {
                        if let Some((k, _)) = storage.volumes.get_key_value(&name) {
                            taken.push(k.as_str());
                        }
                    } else if !can_provision_on(class, &node.node) {
                        unbound_ok = false;
                    }
                }
            }
        }
        let mut reasons = Vec::new();
        if !bound_ok {
            reasons.push(NODE_CONFLICT.to_string());
        }
        if !unbound_ok {
            reasons.push(BIND_CONFLICT.to_string());
        }
        if !pv_found {
            // `pvc(s) bound to non-existent pv(s)` until 1.22, in the PV controller's
            // scheduler_binder.go; 1.23 moved the binder into the plugin and reworded it.
            reasons.push(if pod.minor < 23 {
                "pvc(s) bound to non-existent pv(s)".to_string()
            } else {
                PV_NOT_EXIST.to_string()
            });
        }
        if reasons.is_empty() {
            Status::success()
        } else {
            Status {
                code: crate::scheduler::Code::UnschedulableAndUnresolvable,
                reasons,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use serde_json::json;

    fn store_with(objs: &[serde_json::Value]) -> Store {
        let mut s = Store::new();
        for v in objs {
            if let Ok(o) = crate::apiserver::decode_value(v.clone()) {
                s.insert_new(o, None);
            }
        }
        s
    }

    fn pod(claim: &str) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}],
                     "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": claim}}]}}))
        .unwrap()
    }

    fn claim(name: &str, class: &str, volume: Option<&str>) -> serde_json::Value {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"storageClassName": class, "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}});
        if let Some(vol) = volume {
            v["spec"]["volumeName"] = json!(vol);
            v["metadata"]["annotations"] = json!({"pv.kubernetes.io/bind-completed": "yes"});
        }
        v
    }

    #[test]
    fn pre_filter_reasons() {
        let store = store_with(&[
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                   "metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path",
                   "volumeBindingMode": "WaitForFirstConsumer"}),
            claim("slow", "slow", None),
            claim("later", "standard", None),
            claim("done", "slow", Some("pv1")),
        ]);
        let cases = [
            (
                "missing",
                Some("persistentvolumeclaim \"missing\" not found"),
            ),
            ("slow", Some(UNBOUND_IMMEDIATE)),
            ("later", None),
            ("done", None),
        ];
        for (name, want) in cases {
            assert_eq!(pre_filter(&store, &pod(name)).as_deref(), want, "{name}");
        }
        assert_eq!(
            pre_filter_fit_error(24, UNBOUND_IMMEDIATE, 3),
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. \
             preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
        assert_eq!(
            pre_filter_fit_error(34, UNBOUND_IMMEDIATE, 3),
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. \
             preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
        );
    }

    fn storage_of(objs: &[serde_json::Value]) -> Arc<StorageSnapshot> {
        Arc::new(StorageSnapshot::from_store(&store_with(objs)))
    }

    fn local_pv(name: &str, host: &str, size: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
            "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                     "storageClassName": "local", "local": {"path": "/mnt"},
                     "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                        {"key": "kubernetes.io/hostname", "operator": "In", "values": [host]}]}]}}},
            "status": {"phase": "Available"}})
    }

    #[test]
    fn filter_reasons_for_bound_and_waiting_claims() {
        use crate::scheduler::plugins::testutil::node;
        let local = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "local"}, "provisioner": "kubernetes.io/no-provisioner",
            "volumeBindingMode": "WaitForFirstConsumer"});
        let zonal = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "zonal"}, "provisioner": "pd.csi.storage.gke.io",
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowedTopologies": [{"matchLabelExpressions": [
                {"key": "topology.kubernetes.io/zone", "values": ["a"]}]}]});
        let storage = storage_of(&[
            local,
            zonal,
            local_pv("pv-a", "node-a", "10Gi"),
            local_pv("pv-bound", "node-a", "10Gi"),
            claim("small", "local", None),
            claim("on-a", "local", Some("pv-bound")),
            claim("ghost", "local", Some("nowhere")),
            claim("provisioned", "zonal", None),
        ]);
        let mut huge = claim("huge", "local", None);
        huge["spec"]["resources"]["requests"]["storage"] = json!("50Gi");
        let with_huge = store_with(&[huge]);
        let storage_huge = {
            let mut s = (*storage).clone();
            s.claims
                .extend(StorageSnapshot::from_store(&with_huge).claims);
            Arc::new(s)
        };
        let at = |name: &str, zone: &str, st: &Arc<StorageSnapshot>| {
            let mut n = node(
                name,
                json!({"metadata": {"labels": {"kubernetes.io/hostname": name,
                                               "topology.kubernetes.io/zone": zone}}}),
            );
            n.storage = st.clone();
            n
        };
        let cases: &[(&str, &str, &str, Option<&str>)] = &[
            (
                "a waiting claim finds the local volume on its node",
                "small",
                "node-a",
                None,
            ),
            (
                "and none on another node",
                "small",
                "node-b",
                Some(BIND_CONFLICT),
            ),
            (
                "a bound local volume pins the pod to its node",
                "on-a",
                "node-a",
                None,
            ),
            (
                "elsewhere it is a node affinity conflict",
                "on-a",
                "node-b",
                Some(NODE_CONFLICT),
            ),
            (
                "a claim bound to a missing volume",
                "ghost",
                "node-a",
                Some(PV_NOT_EXIST),
            ),
            (
                "provisioning is allowed in the class's zones",
                "provisioned",
                "node-a",
                None,
            ),
            (
                "and not outside them",
                "provisioned",
                "node-b",
                Some(BIND_CONFLICT),
            ),
            (
                "no local volume is large enough",
                "huge",
                "node-a",
                Some(BIND_CONFLICT),
            ),
        ];
        for (name, claim_name, node_name, want) in cases {
            let p = pod(claim_name);
            let zone = if *node_name == "node-a" { "a" } else { "b" };
            let n = at(node_name, zone, &storage_huge);
            let st = VolumeBinding.filter(&PodInfo::new(&p), &n);
            match want {
                None => assert!(st.is_success(), "{name}: {st:?}"),
                Some(r) => assert_eq!(st, Status::unresolvable(*r), "{name}"),
            }
        }
    }
}
