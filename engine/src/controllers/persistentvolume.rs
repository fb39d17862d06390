//! The PersistentVolume controller: binds claims to volumes, provisions volumes for claims of a
//! StorageClass, keeps the phases of both up to date and reclaims volumes whose claim is gone.
//!
//! Follows `pkg/controller/volume/persistentvolume/pv_controller.go` in kubernetes/kubernetes
//! (`syncUnboundClaim`, `syncBoundClaim`, `syncVolume`, `bind`, `provisionClaim`,
//! `reclaimVolume`) and `FindMatchingVolume` from
//! `staging/src/k8s.io/component-helpers/storage/volume/pv_helpers.go`: among the volumes
//! whose access modes include the claim's (the smallest such set of modes first), the smallest
//! Available volume of the claim's class, volume mode and selector that is at least as large
//! as the request; a volume pre-bound to the claim (`spec.claimRef`) wins at once.
//!
//! Note: kubefiddle treats every provisioner as installed and provisioning instantly. Where a
//! real cluster needs the provisioner's pod to be running (kind's `rancher.io/local-path`, a
//! cloud's CSI driver), the simulated one creates the volume in the same settle round, with the
//! external provisioner's `Provisioning` / `ProvisioningSucceeded` events (its source is the
//! provisioner's name, without the pod name and random identity a real one appends). The
//! external-provisioner library refuses claims with a selector (`claim Selector is not
//! supported`), and so does kubefiddle.
//!
//! For a WaitForFirstConsumer class the scheduler's VolumeBinding plugin chooses the node: once
//! a pod using the claim is bound, the claim gets `volume.kubernetes.io/selected-node` (done
//! here, as the plugin's PreBind would) and is provisioned.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    ObjectReference, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus,
    PersistentVolumeSpec, PersistentVolumeStatus, Pod,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::provisioners::{self, Plugin};
use crate::apiserver::Cluster;
use crate::labels::Selector;
use crate::object::Object;
use crate::quantity::Quantity;
use crate::store::ObjRef;

const SOURCE: &str = "persistentvolume-controller";
/// `core.BetaStorageClassAnnotation`.
const BETA_STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";
/// `AnnBindCompleted`.
pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
/// `AnnBoundByController`.
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
/// `AnnSelectedNode`.
pub const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
/// `AnnStorageProvisioner` and its beta twin.
pub const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
pub const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
/// `AnnDynamicallyProvisioned`.
pub const ANN_PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";

/// `FailedBinding` for a claim of no class that no volume fits.
pub const NO_VOLUME_NO_CLASS: &str =
    "no persistent volumes available for this claim and no storage class is set";
/// `WaitForFirstConsumer`.
pub const WAIT_FOR_FIRST_CONSUMER: &str = "waiting for first consumer to be created before binding";

/// The `ExternalProvisioning` event's message.
pub fn external_provisioning_message(provisioner: &str, minor: u32) -> String {
    if minor < 28 {
        return format!(
            "waiting for a volume to be created, either by external provisioner \"{provisioner}\" or manually created by system administrator"
        );
    }
    format!(
        "Waiting for a volume to be created either by the external provisioner '{provisioner}' \
         or manually by the system administrator. If volume creation is delayed, please verify \
         that the provisioner is running and correctly registered."
    )
}

pub fn reconcile(c: &mut Cluster) -> bool {
    let mut changed = select_nodes(c);
    let claims: Vec<PersistentVolumeClaim> = c
        .store
        .typed::<PersistentVolumeClaim>()
        .filter(|v| v.metadata.deletion_timestamp.is_none())
        .cloned()
        .collect();
    for claim in claims {
        changed |= sync_claim(c, &claim);
    }
    let volumes: Vec<PersistentVolume> = c.store.typed::<PersistentVolume>().cloned().collect();
    for volume in volumes {
        changed |= sync_volume(c, &volume);
    }
    changed |= expand(c);
    changed
}

/// `ExternalExpanding`'s message (`pkg/controller/volume/expand/expand_controller.go`).
pub const EXTERNAL_EXPANDING: &str = "waiting for an external controller to expand this PVC";

/// Volume expansion of bound claims whose request grew: the expand controller hands CSI volumes
/// (and every volume without an in-tree expander, which on a current cluster is all of them) to
/// an external resizer (`ExternalExpanding`, a Warning since no in-tree plugin matched); the
/// CSI external-resizer grows the volume (`Resizing`, then `FileSystemResizeRequired` and the
/// claim's `FileSystemResizePending` condition); the kubelet of a node running a pod that mounts
/// the claim grows the file system (`FileSystemResizeSuccessful` on the claim and the pod) and
/// the claim's capacity follows. Volumes that are not CSI volumes have no resizer: the claim
/// keeps waiting. Follows `expand_controller.go` (`syncHandler`), kubernetes-csi/external-resizer
/// (`controller.go`: `External resizer is resizing volume %s`, `Require file system resize of
/// volume on node`) and `pkg/volume/util/operationexecutor/operation_generator.go`
/// (`MountVolume.NodeExpandVolume succeeded for volume %q %s`).
fn expand(c: &mut Cluster) -> bool {
    let claims: Vec<PersistentVolumeClaim> = c
        .store
        .list("PersistentVolumeClaim")
        .filter_map(|s| match &s.obj {
            Object::PersistentVolumeClaim(p)
                if p.metadata.deletion_timestamp.is_none() && claim_phase(p) == Some("Bound") =>
            {
                Some((**p).clone())
            }
            _ => None,
        })
        .collect();
    let mut changed = false;
    for claim in claims {
        let requested = claim_request(&claim);
        let capacity = storage_of(claim.status.as_ref().and_then(|s| s.capacity.as_ref()));
        if requested <= capacity {
            continue;
        }
        let key = claim_key(&claim);
        let Some(vname) = claim.spec.as_ref().and_then(|s| s.volume_name.clone()) else {
            continue;
        };
        let Some(Object::PersistentVolume(pv)) = c.store.get_obj("PersistentVolume", "", &vname)
        else {
            continue;
        };
        let pv = (**pv).clone();
        let before = c.store.events.len();
        event(
            c,
            "Warning",
            "ExternalExpanding",
            key.clone(),
            EXTERNAL_EXPANDING.into(),
            "volume_expand",
        );
        changed |= c.store.events.len() != before;
        let Some(driver) = pv
            .spec
            .as_ref()
            .and_then(|s| s.csi.as_ref())
            .map(|d| d.driver.clone())
        else {
            continue;
        };
        let resizer = format!("external-resizer {driver}");
        let request = claim
            .spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .cloned();
        let Some(request) = request else {
            continue;
        };
        if volume_capacity(&pv) < requested {
            c.store
                .modify(&ObjRef::new("PersistentVolume", "", &vname), |o| {
                    if let Object::PersistentVolume(v) = o {
                        v.spec
                            .get_or_insert_with(PersistentVolumeSpec::default)
                            .capacity = Some(BTreeMap::from([("storage".into(), request.clone())]));
                    }
                });
            c.store.event(
                "Normal",
                "Resizing",
                key.clone(),
                format!("External resizer is resizing volume {vname}"),
                &resizer,
            );
            c.store.event(
                "Normal",
                "FileSystemResizeRequired",
                key.clone(),
                "Require file system resize of volume on node".into(),
                &resizer,
            );
            let now = c.store.timestamp();
            c.store.modify(&key, |o| {
                if let Object::PersistentVolumeClaim(p) = o {
                    let st = p.status.get_or_insert_with(PersistentVolumeClaimStatus::default);
                    let conds = st.conditions.get_or_insert_with(Vec::new);
                    conds.retain(|c| c.type_ != "FileSystemResizePending");
                    conds.push(k8s_openapi::api::core::v1::PersistentVolumeClaimCondition {
                        type_: "FileSystemResizePending".into(),
                        status: "True".into(),
                        message: Some(
                            "Waiting for user to (re-)start a pod to finish file system resize of volume on node."
                                .into(),
                        ),
                        last_transition_time: Some(now),
                        ..Default::default()
                    });
                }
            });
            changed = true;
        }
        // The kubelet of a node running a pod that mounts the claim: NodeExpandVolume.
        let ns = key.namespace.clone();
        let user = c
            .store
            .list_ns("Pod", &ns)
            .filter_map(|s| s.obj.as_pod())
            .find(|p| {
                p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                    && p.spec
                        .iter()
                        .flat_map(|s| s.volumes.iter().flatten())
                        .filter_map(|v| v.persistent_volume_claim.as_ref())
                        .any(|v| Some(v.claim_name.as_str()) == claim.metadata.name.as_deref())
            })
            .map(|p| {
                (
                    p.metadata.name.clone().unwrap_or_default(),
                    p.spec
                        .as_ref()
                        .and_then(|s| s.node_name.clone())
                        .unwrap_or_default(),
                )
            });
        let Some((pod, node)) = user else {
            continue;
        };
        c.store.modify(&key, |o| {
            if let Object::PersistentVolumeClaim(p) = o {
                let st = p
                    .status
                    .get_or_insert_with(PersistentVolumeClaimStatus::default);
                st.capacity = Some(BTreeMap::from([("storage".into(), request.clone())]));
                if let Some(conds) = st.conditions.as_mut() {
                    conds.retain(|c| c.type_ != "FileSystemResizePending");
                }
                if st.conditions.as_ref().is_some_and(Vec::is_empty) {
                    st.conditions = None;
                }
            }
        });
        let msg = format!("MountVolume.NodeExpandVolume succeeded for volume {vname:?} {node}");
        c.store.event(
            "Normal",
            "FileSystemResizeSuccessful",
            key.clone(),
            msg.clone(),
            "kubelet",
        );
        c.store.event(
            "Normal",
            "FileSystemResizeSuccessful",
            ObjRef::new("Pod", &ns, &pod),
            msg,
            "kubelet",
        );
        changed = true;
    }
    changed
}

/// `GetPersistentVolumeClaimClass`: the beta annotation, then `spec.storageClassName`.
pub fn claim_class(claim: &PersistentVolumeClaim) -> String {
    if let Some(c) = claim
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(BETA_STORAGE_CLASS_ANNOTATION))
    {
        return c.clone();
    }
    claim
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

/// `GetPersistentVolumeClass`.
pub fn volume_class(volume: &PersistentVolume) -> String {
    if let Some(c) = volume
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(BETA_STORAGE_CLASS_ANNOTATION))
    {
        return c.clone();
    }
    volume
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

fn storage_of(map: Option<&BTreeMap<String, K8sQuantity>>) -> Quantity {
    map.and_then(|m| m.get("storage"))
        .and_then(|q| Quantity::from_k8s(q).ok())
        .unwrap_or_else(Quantity::zero)
}

fn claim_request(claim: &PersistentVolumeClaim) -> Quantity {
    storage_of(
        claim
            .spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref()),
    )
}

fn volume_capacity(volume: &PersistentVolume) -> Quantity {
    storage_of(volume.spec.as_ref().and_then(|s| s.capacity.as_ref()))
}

fn access_modes(modes: Option<&Vec<String>>) -> BTreeSet<String> {
    modes.into_iter().flatten().cloned().collect()
}

fn claim_mode(claim: &PersistentVolumeClaim) -> &str {
    claim
        .spec
        .as_ref()
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("Filesystem")
}

fn volume_mode(volume: &PersistentVolume) -> &str {
    volume
        .spec
        .as_ref()
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("Filesystem")
}

fn volume_phase(volume: &PersistentVolume) -> &str {
    volume
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

fn claim_ref(volume: &PersistentVolume) -> Option<&ObjectReference> {
    volume.spec.as_ref().and_then(|s| s.claim_ref.as_ref())
}

/// `IsVolumeBoundToClaim`: the claim reference names the claim, and its uid (when set) is the
/// claim's.
pub fn is_bound_to(volume: &PersistentVolume, claim: &PersistentVolumeClaim) -> bool {
    let Some(r) = claim_ref(volume) else {
        return false;
    };
    r.name == claim.metadata.name
        && r.namespace == claim.metadata.namespace
        && r.uid
            .as_deref()
            .is_none_or(|u| u.is_empty() || Some(u) == claim.metadata.uid.as_deref())
}

/// `FindMatchingVolume` over `volumes` for `claim`, as the controller calls it (no node).
/// `delay_binding` is whether the claim's class waits for the first consumer: then only a
/// volume pre-bound to the claim is returned.
pub fn find_best_match<'a>(
    claim: &PersistentVolumeClaim,
    volumes: &'a [PersistentVolume],
    delay_binding: bool,
) -> Option<&'a PersistentVolume> {
    let wanted = access_modes(claim.spec.as_ref().and_then(|s| s.access_modes.as_ref()));
    let requested = claim_request(claim);
    let class = claim_class(claim);
    let selector = claim
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .map(Selector::from_label_selector);
    // allPossibleMatchingAccessModes: every set of modes some volume has that includes the
    // claim's, fewest modes first.
    let mut mode_sets: Vec<BTreeSet<String>> = Vec::new();
    for v in volumes {
        let m = access_modes(v.spec.as_ref().and_then(|s| s.access_modes.as_ref()));
        if m.is_superset(&wanted) && !mode_sets.contains(&m) {
            mode_sets.push(m);
        }
    }
    mode_sets.sort_by_key(BTreeSet::len);
    for modes in mode_sets {
        let mut smallest: Option<(&PersistentVolume, Quantity)> = None;
        for v in volumes {
            if access_modes(v.spec.as_ref().and_then(|s| s.access_modes.as_ref())) != modes {
                continue;
            }
            if claim_ref(v).is_some() && !is_bound_to(v, claim) {
                continue;
            }
            let capacity = volume_capacity(v);
            if capacity < requested
                || claim_mode(claim) != volume_mode(v)
                || v.metadata.deletion_timestamp.is_some()
            {
                continue;
            }
            if is_bound_to(v, claim) {
                return Some(v);
            }
            if delay_binding || volume_phase(v) != "Available" {
                continue;
            }
            match &selector {
                Some(Ok(sel)) if !sel.matches_opt(v.metadata.labels.as_ref()) => continue,
                Some(Err(_)) => continue,
                _ => {}
            }
            if volume_class(v) != class {
                continue;
            }
            if smallest.as_ref().is_none_or(|(_, q)| *q > capacity) {
                smallest = Some((v, capacity));
            }
        }
        if let Some((v, _)) = smallest {
            return Some(v);
        }
    }
    None
}

fn class_of(c: &Cluster, name: &str) -> Option<StorageClass> {
    match c.store.get_obj("StorageClass", "", name) {
        Some(Object::StorageClass(sc)) => Some((**sc).clone()),
        _ => None,
    }
}

fn is_delay_binding(class: Option<&StorageClass>) -> bool {
    class.and_then(|sc| sc.volume_binding_mode.as_deref()) == Some("WaitForFirstConsumer")
}

fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

fn claim_phase(claim: &PersistentVolumeClaim) -> Option<&str> {
    claim.status.as_ref().and_then(|s| s.phase.as_deref())
}

fn claim_key(claim: &PersistentVolumeClaim) -> ObjRef {
    ObjRef::new(
        "PersistentVolumeClaim",
        claim.metadata.namespace.as_deref().unwrap_or(""),
        claim.metadata.name.as_deref().unwrap_or(""),
    )
}

fn set_claim_phase(c: &mut Cluster, key: &ObjRef, phase: &str) -> bool {
    c.store.modify(key, |o| {
        if let Object::PersistentVolumeClaim(p) = o {
            p.status
                .get_or_insert_with(PersistentVolumeClaimStatus::default)
                .phase = Some(phase.to_string());
        }
    })
}

fn set_volume_phase(c: &mut Cluster, name: &str, phase: &str) -> bool {
    c.store
        .modify(&ObjRef::new("PersistentVolume", "", name), |o| {
            if let Object::PersistentVolume(v) = o {
                v.status
                    .get_or_insert_with(PersistentVolumeStatus::default)
                    .phase = Some(phase.to_string());
            }
        })
}

/// Records an event only when it is new or the object's state changed, so settling stays finite.
fn event(c: &mut Cluster, type_: &str, reason: &str, obj: ObjRef, message: String, source: &str) {
    let known = c
        .store
        .events
        .iter()
        .any(|e| e.involved_object == obj && e.reason == reason && e.message == message);
    if !known {
        c.store.event(type_, reason, obj, message, source);
    }
}

fn list_volumes(c: &Cluster) -> Vec<PersistentVolume> {
    c.store
        .list("PersistentVolume")
        .filter_map(|s| match &s.obj {
            Object::PersistentVolume(v) => Some((**v).clone()),
            _ => None,
        })
        .collect()
}

fn sync_claim(c: &mut Cluster, claim: &PersistentVolumeClaim) -> bool {
    let key = claim_key(claim);
    let bound = annotation(&claim.metadata, ANN_BIND_COMPLETED).is_some();
    let volume_name = claim
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.clone())
        .unwrap_or_default();
    let volumes = list_volumes(c);
    if bound && !volume_name.is_empty() {
        // syncBoundClaim.
        let volume = volumes
            .iter()
            .find(|v| v.metadata.name.as_deref() == Some(volume_name.as_str()));
        return match volume {
            None => {
                let changed = set_claim_phase(c, &key, "Lost");
                if changed {
                    c.store.event(
                        "Warning",
                        "ClaimLost",
                        key,
                        "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!".into(),
                        SOURCE,
                    );
                }
                changed
            }
            Some(v) if claim_ref(v).is_none() || is_bound_to(v, claim) => bind(c, v, claim),
            Some(_) => {
                let changed = set_claim_phase(c, &key, "Lost");
                if changed {
                    c.store.event(
                        "Warning",
                        "ClaimMisbound",
                        key,
                        "Two claims are bound to the same volume, this one is bound incorrectly"
                            .into(),
                        SOURCE,
                    );
                }
                changed
            }
        };
    }
    if !volume_name.is_empty() {
        // A claim pre-bound to a volume by name.
        let Some(v) = volumes
            .iter()
            .find(|v| v.metadata.name.as_deref() == Some(volume_name.as_str()))
        else {
            return set_claim_phase(c, &key, "Pending");
        };
        if claim_ref(v).is_none() || is_bound_to(v, claim) {
            return bind(c, v, claim);
        }
        return set_claim_phase(c, &key, "Pending");
    }
    let class_name = claim_class(claim);
    let class = class_of(c, &class_name);
    let delay = is_delay_binding(class.as_ref());
    if let Some(v) = find_best_match(claim, &volumes, delay) {
        return bind(c, v, claim);
    }
    // WaitForFirstConsumer, once the scheduler chose a node: the VolumeBinding plugin's PreBind
    // binds the static volume it found for that node (`bindAPIUpdate`), else the claim is
    // provisioned there.
    if let (true, Some(node_name)) = (delay, annotation(&claim.metadata, ANN_SELECTED_NODE)) {
        if let Some(node) = c
            .store
            .get_obj("Node", "", node_name)
            .and_then(Object::as_node)
        {
            let fitting: Vec<PersistentVolume> = volumes
                .iter()
                .filter(|v| crate::scheduler::plugins::volume_binding::volume_fits_node(v, node))
                .cloned()
                .collect();
            if let Some(v) = find_best_match(claim, &fitting, false) {
                let v = v.clone();
                return bind(c, &v, claim);
            }
        }
    }
    let mut changed = set_claim_phase(c, &key, "Pending");
    let selected = annotation(&claim.metadata, ANN_SELECTED_NODE).is_some();
    if delay && !selected {
        event(
            c,
            "Normal",
            "WaitForFirstConsumer",
            key,
            WAIT_FOR_FIRST_CONSUMER.into(),
            SOURCE,
        );
    } else if !class_name.is_empty() {
        changed |= provision(c, claim, &class_name, class.as_ref());
    } else {
        event(
            c,
            "Normal",
            "FailedBinding",
            key,
            NO_VOLUME_NO_CLASS.into(),
            SOURCE,
        );
    }
    changed
}

/// `bind`: the volume's claimRef, then the claim's volumeName, then both statuses.
fn bind(c: &mut Cluster, volume: &PersistentVolume, claim: &PersistentVolumeClaim) -> bool {
    let vname = volume.metadata.name.clone().unwrap_or_default();
    let new_ref = ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("PersistentVolumeClaim".into()),
        name: claim.metadata.name.clone(),
        namespace: claim.metadata.namespace.clone(),
        uid: claim.metadata.uid.clone(),
        resource_version: claim.metadata.resource_version.clone(),
        ..ObjectReference::default()
    };
    let vkey = ObjRef::new("PersistentVolume", "", &vname);
    let mut changed = c.store.modify(&vkey, |o| {
        if let Object::PersistentVolume(v) = o {
            let spec = v.spec.get_or_insert_with(PersistentVolumeSpec::default);
            let already = spec.claim_ref.as_ref().is_some_and(|r| {
                r.name == new_ref.name && r.namespace == new_ref.namespace && r.uid == new_ref.uid
            });
            if !already {
                if spec.claim_ref.is_none() {
                    v.metadata
                        .annotations
                        .get_or_insert_with(BTreeMap::new)
                        .insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
                }
                spec.claim_ref = Some(new_ref);
            }
            v.status
                .get_or_insert_with(PersistentVolumeStatus::default)
                .phase = Some("Bound".into());
        }
    });
    let key = claim_key(claim);
    let capacity = volume.spec.as_ref().and_then(|s| s.capacity.clone());
    let modes = volume.spec.as_ref().and_then(|s| s.access_modes.clone());
    changed |= c.store.modify(&key, |o| {
        if let Object::PersistentVolumeClaim(p) = o {
            let spec = p.spec.get_or_insert_with(Default::default);
            let annotations = p.metadata.annotations.get_or_insert_with(BTreeMap::new);
            if spec.volume_name.as_deref() != Some(vname.as_str()) {
                spec.volume_name = Some(vname.clone());
                annotations.insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
            }
            annotations.insert(ANN_BIND_COMPLETED.into(), "yes".into());
            let st = p
                .status
                .get_or_insert_with(PersistentVolumeClaimStatus::default);
            st.phase = Some("Bound".into());
            st.capacity = capacity;
            st.access_modes = modes;
        }
    });
    changed
}

/// `provisionClaim` for an external (or CSI-migrated) provisioner, then the simulated external
/// provisioner itself.
fn provision(
    c: &mut Cluster,
    claim: &PersistentVolumeClaim,
    class_name: &str,
    class: Option<&StorageClass>,
) -> bool {
    let key = claim_key(claim);
    let Some(class) = class else {
        let msg = format!("storageclass.storage.k8s.io \"{class_name}\" not found");
        event(c, "Warning", "ProvisioningFailed", key, msg, SOURCE);
        return false;
    };
    let minor = c.settings.minor;
    match provisioners::in_tree(&class.provisioner, minor) {
        // `kubernetes.io/no-provisioner` (the class only delays binding), a removed plugin.
        Some(Plugin::Missing(msg)) => {
            event(c, "Warning", "ProvisioningFailed", key, msg, SOURCE);
            return false;
        }
        Some(Plugin::InTree(plugin)) => {
            // "Add provisioner annotation to be consistent with external provisioner workflow".
            let annotated = set_claim_provisioner(c, &key, plugin.name, None);
            // The PV controller's words for a plugin's error.
            let failed = |e: &str| {
                format!("Failed to provision volume with StorageClass \"{class_name}\": {e}")
            };
            if let Err(e) = provisioners::in_tree_check(&plugin, claim) {
                event(c, "Warning", "ProvisioningFailed", key, failed(&e), SOURCE);
                return annotated;
            }
            let created = create_volume(c, claim, class_name, class, plugin.name);
            let succeeded =
                |pv: &str| format!("Successfully provisioned volume {pv} using {}", plugin.name);
            return annotated | report_created(c, key, created, succeeded, failed, SOURCE);
        }
        None => {}
    }
    let provisioner = provisioners::migrated(&class.provisioner, minor)
        .unwrap_or(&class.provisioner)
        .to_string();
    let migrated = (provisioner != class.provisioner).then_some(provisioner.as_str());
    let changed = set_claim_provisioner(c, &key, &provisioner, migrated);
    event(
        c,
        "Normal",
        "ExternalProvisioning",
        key.clone(),
        external_provisioning_message(&provisioner, minor),
        SOURCE,
    );
    // The external provisioner (sig-storage-lib-external-provisioner).
    if let Some(msg) = provisioners::block_refusal(&provisioner, claim) {
        event(c, "Warning", "ProvisioningFailed", key, msg, &provisioner);
        return changed;
    }
    let ns = key.namespace.clone();
    let name = key.name.clone();
    event(
        c,
        "Normal",
        "Provisioning",
        key.clone(),
        format!("External provisioner is provisioning volume for claim \"{ns}/{name}\""),
        &provisioner,
    );
    // The library's words for the provisioner's error.
    let failed =
        |e: &str| format!("failed to provision volume with StorageClass \"{class_name}\": {e}");
    let selector = claim.spec.as_ref().and_then(|s| s.selector.as_ref());
    let pv_name = format!("pvc-{}", claim.metadata.uid.clone().unwrap_or_default());
    let refused = match selector {
        Some(_) => Err("claim Selector is not supported".to_string()),
        None => provisioners::create_volume_check(&provisioner, claim, class, &pv_name),
    };
    if let Err(e) = refused {
        event(
            c,
            "Warning",
            "ProvisioningFailed",
            key,
            failed(&e),
            &provisioner,
        );
        return changed;
    }
    let created = create_volume(c, claim, class_name, class, &provisioner);
    let succeeded = |pv: &str| format!("Successfully provisioned volume {pv}");
    changed | report_created(c, key, created, succeeded, failed, &provisioner)
}

/// `setClaimProvisioner`: the claim names its provisioner (and, for a migrated in-tree name,
/// the CSI driver it went to).
fn set_claim_provisioner(
    c: &mut Cluster,
    key: &ObjRef,
    provisioner: &str,
    migrated_to: Option<&str>,
) -> bool {
    c.store.modify(key, |o| {
        let a = o.meta_mut().annotations.get_or_insert_with(BTreeMap::new);
        a.insert(ANN_BETA_STORAGE_PROVISIONER.into(), provisioner.to_string());
        a.insert(ANN_STORAGE_PROVISIONER.into(), provisioner.to_string());
        if let Some(driver) = migrated_to {
            a.insert("pv.kubernetes.io/migrated-to".into(), driver.to_string());
        }
    })
}

/// The events for a volume a provisioner created: `ProvisioningSucceeded`, nothing when it
/// exists already (an earlier round made it), `ProvisioningFailed` otherwise. Whether a volume
/// was created.
fn report_created(
    c: &mut Cluster,
    key: ObjRef,
    created: Result<String, crate::status::ApiError>,
    succeeded: impl Fn(&str) -> String,
    failed: impl Fn(&str) -> String,
    source: &str,
) -> bool {
    match created {
        Ok(pv_name) => {
            event(
                c,
                "Normal",
                "ProvisioningSucceeded",
                key,
                succeeded(&pv_name),
                source,
            );
            true
        }
        Err(e) if e.reason == crate::status::Reason::AlreadyExists => false,
        Err(e) => {
            event(
                c,
                "Warning",
                "ProvisioningFailed",
                key,
                failed(&e.message),
                source,
            );
            false
        }
    }
}

/// Creates the volume a provisioner makes for the claim: named `pvc-<claim uid>`, of the
/// claim's size, modes and volume mode, with the class's reclaim policy and mount options,
/// pre-bound to the claim.
fn create_volume(
    c: &mut Cluster,
    claim: &PersistentVolumeClaim,
    class_name: &str,
    class: &StorageClass,
    provisioner: &str,
) -> Result<String, crate::status::ApiError> {
    let pv_name = format!("pvc-{}", claim.metadata.uid.clone().unwrap_or_default());
    if c.store
        .contains(&ObjRef::new("PersistentVolume", "", &pv_name))
    {
        return Err(crate::status::ApiError::already_exists(
            "persistentvolumes",
            &pv_name,
        ));
    }
    let spec = claim.spec.clone().unwrap_or_default();
    let request = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .cloned();
    let mut annotations = BTreeMap::new();
    annotations.insert(ANN_PROVISIONED_BY.to_string(), provisioner.to_string());
    let source = volume_source(claim, provisioner, &pv_name);
    let pv = PersistentVolume {
        metadata: ObjectMeta {
            name: Some(pv_name.clone()),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        },
        spec: Some(PersistentVolumeSpec {
            access_modes: spec.access_modes.clone(),
            capacity: request.map(|q| BTreeMap::from([("storage".to_string(), q)])),
            claim_ref: Some(ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("PersistentVolumeClaim".into()),
                name: claim.metadata.name.clone(),
                namespace: claim.metadata.namespace.clone(),
                uid: claim.metadata.uid.clone(),
                resource_version: claim.metadata.resource_version.clone(),
                ..ObjectReference::default()
            }),
            mount_options: class.mount_options.clone(),
            persistent_volume_reclaim_policy: Some(
                class
                    .reclaim_policy
                    .clone()
                    .unwrap_or_else(|| "Delete".into()),
            ),
            storage_class_name: Some(class_name.to_string()),
            volume_mode: Some(
                spec.volume_mode
                    .clone()
                    .unwrap_or_else(|| "Filesystem".into()),
            ),
            ..source
        }),
        status: None,
    };
    let user = super::controller_user("persistent-volume-binder");
    c.create_internal(Object::PersistentVolume(Box::new(pv)), &user)
        .map(|_| pv_name)
}

/// Where the provisioned volume lives: local-path-provisioner's host directory on the selected
/// node (`/var/local-path-provisioner` in kind's configuration), or a CSI volume.
fn volume_source(
    claim: &PersistentVolumeClaim,
    provisioner: &str,
    pv_name: &str,
) -> PersistentVolumeSpec {
    if provisioner != "rancher.io/local-path" {
        let v = serde_json::json!({"csi": {"driver": provisioner, "volumeHandle": pv_name}});
        return serde_json::from_value(v).unwrap_or_default();
    }
    let ns = claim.metadata.namespace.as_deref().unwrap_or("");
    let name = claim.metadata.name.as_deref().unwrap_or("");
    let node = annotation(&claim.metadata, ANN_SELECTED_NODE).unwrap_or("");
    let v = serde_json::json!({
        "hostPath": {"path": format!("/var/local-path-provisioner/{pv_name}_{ns}_{name}"),
                     "type": "DirectoryOrCreate"},
        "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}});
    serde_json::from_value(v).unwrap_or_default()
}

/// `syncVolume`: Available without a claim, Released once its claim is gone, then reclaimed.
fn sync_volume(c: &mut Cluster, volume: &PersistentVolume) -> bool {
    let name = volume.metadata.name.clone().unwrap_or_default();
    let Some(r) = claim_ref(volume) else {
        return set_volume_phase(c, &name, "Available");
    };
    let ns = r.namespace.clone().unwrap_or_default();
    let cname = r.name.clone().unwrap_or_default();
    let claim = match c.store.get_obj("PersistentVolumeClaim", &ns, &cname) {
        Some(Object::PersistentVolumeClaim(p)) => Some((**p).clone()),
        _ => None,
    };
    let uid_set = r.uid.as_deref().is_some_and(|u| !u.is_empty());
    match claim {
        Some(p) if !uid_set || p.metadata.uid == r.uid => {
            // Bound, or pre-bound and waiting for the claim's sync to finish the binding.
            if uid_set && volume_phase(volume) != "Bound" {
                return set_volume_phase(c, &name, "Bound");
            }
            if !uid_set {
                return set_volume_phase(c, &name, "Available");
            }
            false
        }
        None if !uid_set => set_volume_phase(c, &name, "Available"),
        _ => reclaim(c, volume, &name),
    }
}

fn reclaim(c: &mut Cluster, volume: &PersistentVolume, name: &str) -> bool {
    let phase = volume_phase(volume);
    if phase == "Failed" {
        return false;
    }
    let mut changed = false;
    if phase != "Released" {
        changed |= set_volume_phase(c, name, "Released");
    }
    let policy = volume
        .spec
        .as_ref()
        .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
        .unwrap_or("Retain");
    let key = ObjRef::new("PersistentVolume", "", name);
    match policy {
        "Delete" => {
            // `findDeletablePlugin`: a provisioned volume is deleted by its provisioner, which
            // the simulation always has; a static one needs a volume plugin that can delete
            // it — only hostPath can, and only under /tmp (`hostPathDeleter.Delete`).
            let spec = volume.spec.as_ref();
            let provisioned = annotation(&volume.metadata, ANN_PROVISIONED_BY).is_some();
            let failure = match spec.and_then(|s| s.host_path.as_ref()) {
                _ if provisioned => None,
                Some(hp) if tmp_path(&hp.path) => None,
                Some(hp) => Some(format!(
                    "host_path deleter only supports /tmp/.+ but received provided {}",
                    hp.path
                )),
                None => Some(format!(
                    "error getting deleter volume plugin for volume \"{name}\": no deletable volume plugin matched"
                )),
            };
            match failure {
                None => {
                    c.store.remove(&key);
                    true
                }
                Some(msg) => fail_volume(c, &key, "VolumeFailedDelete", msg) || changed,
            }
        }
        "Recycle"
            if volume
                .spec
                .as_ref()
                .is_some_and(|s| s.nfs.is_none() && s.host_path.is_none()) =>
        {
            // `recycleVolumeOperation`: only NFS and hostPath volumes have a recycler.
            let msg = "No recycler plugin found for the volume!".to_string();
            fail_volume(c, &key, "VolumeFailedRecycle", msg) || changed
        }
        "Recycle" => {
            // The recycler pod (`busybox` scrubbing the volume) always succeeds.
            changed |= c.store.modify(&key, |o| {
                if let Object::PersistentVolume(v) = o {
                    if let Some(spec) = v.spec.as_mut() {
                        spec.claim_ref = None;
                    }
                    if let Some(a) = v.metadata.annotations.as_mut() {
                        a.remove(ANN_BOUND_BY_CONTROLLER);
                    }
                    v.status
                        .get_or_insert_with(PersistentVolumeStatus::default)
                        .phase = Some("Available".into());
                }
            });
            c.store.event(
                "Normal",
                "VolumeRecycled",
                key,
                "Volume recycled".into(),
                SOURCE,
            );
            changed
        }
        _ => changed,
    }
}

/// The hostPath deleter's `/tmp/.+` (unanchored, as `regexp.MatchString` matches).
fn tmp_path(path: &str) -> bool {
    path.match_indices("/tmp/")
        .any(|(i, m)| path.len() > i.saturating_add(m.len()))
}

/// `updateVolumePhaseWithEvent(volume, Failed, Warning, reason, message)`.
fn fail_volume(c: &mut Cluster, key: &ObjRef, reason: &str, message: String) -> bool {
    let changed = c.store.modify(key, |o| {
        if let Object::PersistentVolume(v) = o {
            let st = v.status.get_or_insert_with(PersistentVolumeStatus::default);
            st.phase = Some("Failed".into());
            st.message = Some(message.clone());
        }
    });
    if changed {
        c.store
            .event("Warning", reason, key.clone(), message, SOURCE);
    }
    changed
}

/// The VolumeBinding plugin's PreBind for WaitForFirstConsumer claims: a scheduled pod's
/// unbound claims get `volume.kubernetes.io/selected-node`.
fn select_nodes(c: &mut Cluster) -> bool {
    let pods: Vec<Pod> = c
        .store
        .list("Pod")
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| p.spec.as_ref().is_some_and(|s| s.node_name.is_some()))
        // Only pods with claims matter; clone those alone.
        .filter(|p| {
            p.spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .any(|v| v.persistent_volume_claim.is_some())
        })
        .cloned()
        .collect();
    let mut changed = false;
    for pod in pods {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let Some(spec) = pod.spec.as_ref() else {
            continue;
        };
        let node = spec.node_name.clone().unwrap_or_default();
        for v in spec.volumes.iter().flatten() {
            let Some(src) = v.persistent_volume_claim.as_ref() else {
                continue;
            };
            let key = ObjRef::new("PersistentVolumeClaim", &ns, &src.claim_name);
            let Some(Object::PersistentVolumeClaim(p)) = c.store.get(&key).map(|s| &s.obj) else {
                continue;
            };
            let unbound = p
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.as_deref())
                .is_none_or(str::is_empty);
            let class = class_of(c, &claim_class(p));
            if !unbound
                || !is_delay_binding(class.as_ref())
                || annotation(&p.metadata, ANN_SELECTED_NODE).is_some()
                || claim_phase(p) == Some("Bound")
            {
                continue;
            }
            changed |= c.store.modify(&key, |o| {
                o.meta_mut()
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert(ANN_SELECTED_NODE.into(), node.clone());
            });
        }
    }
    changed
}

/// The pod's claims of a WaitForFirstConsumer class that are not bound yet: the ones
/// VolumeBinding's PreBind hands the chosen node to.
pub fn delayed_unbound_claims(store: &crate::store::Store, pod: &Pod) -> Vec<ObjRef> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .filter_map(|src| {
            let key = ObjRef::new("PersistentVolumeClaim", ns, &src.claim_name);
            let Some(Object::PersistentVolumeClaim(p)) = store.get(&key).map(|s| &s.obj) else {
                return None;
            };
            let class = store
                .get_obj("StorageClass", "", &claim_class(p))
                .and_then(|o| match o {
                    Object::StorageClass(s) => Some(s.as_ref()),
                    _ => None,
                });
            let delayed = class.and_then(|c| c.volume_binding_mode.as_deref())
                == Some("WaitForFirstConsumer");
            (delayed && claim_phase(p) != Some("Bound")).then_some(key)
        })
        .collect()
}

/// Whether every claim a pod mounts is Bound: the kubelet's volume manager
/// (`pkg/kubelet/volumemanager`, `WaitForAttachAndMount`) keeps a pod in ContainerCreating
/// until then.
pub fn pod_claims_bound(store: &crate::store::Store, pod: &Pod) -> bool {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .all(|src| {
            matches!(
                store.get_obj("PersistentVolumeClaim", ns, &src.claim_name),
                Some(Object::PersistentVolumeClaim(p)) if claim_phase(p) == Some("Bound")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pv(v: serde_json::Value) -> PersistentVolume {
        serde_json::from_value(v).unwrap()
    }

    fn pvc(v: serde_json::Value) -> PersistentVolumeClaim {
        serde_json::from_value(v).unwrap()
    }

    fn volume(name: &str, size: &str, modes: &[&str], class: &str) -> PersistentVolume {
        pv(
            json!({"metadata": {"name": name, "labels": {"release": "stable"}},
            "spec": {"capacity": {"storage": size}, "accessModes": modes,
                     "storageClassName": class},
            "status": {"phase": "Available"}}),
        )
    }

    fn claim(size: &str, modes: &[&str], class: &str) -> PersistentVolumeClaim {
        pvc(
            json!({"metadata": {"name": "c", "namespace": "default", "uid": "u1"},
            "spec": {"accessModes": modes, "storageClassName": class,
                     "resources": {"requests": {"storage": size}}}}),
        )
    }

    #[test]
    fn binding_decisions() {
        let vols = vec![
            volume("big", "10Gi", &["ReadWriteOnce"], ""),
            volume("small", "2Gi", &["ReadWriteOnce"], ""),
            volume("rwx", "1Gi", &["ReadWriteOnce", "ReadWriteMany"], ""),
            volume("slow5", "5Gi", &["ReadWriteOnce"], "slow"),
        ];
        let name = |c: &PersistentVolumeClaim, delay| {
            find_best_match(c, &vols, delay).and_then(|v| v.metadata.name.clone())
        };
        let cases: &[(PersistentVolumeClaim, bool, Option<&str>)] = &[
            // Smallest fitting volume of the claim's (empty) class.
            (claim("1Gi", &["ReadWriteOnce"], ""), false, Some("small")),
            (claim("3Gi", &["ReadWriteOnce"], ""), false, Some("big")),
            // The fewest access modes win before size.
            (claim("1Gi", &["ReadWriteMany"], ""), false, Some("rwx")),
            (claim("20Gi", &["ReadWriteOnce"], ""), false, None),
            // The talk's claim: 8Gi of class slow, but pv0003-like slow5 has only 5Gi.
            (claim("8Gi", &["ReadWriteOnce"], "slow"), false, None),
            (
                claim("4Gi", &["ReadWriteOnce"], "slow"),
                false,
                Some("slow5"),
            ),
            // Delayed binding: the controller leaves the choice to the scheduler.
            (claim("4Gi", &["ReadWriteOnce"], "slow"), true, None),
        ];
        for (c, delay, want) in cases {
            assert_eq!(name(c, *delay).as_deref(), *want, "{c:?}");
        }
    }

    #[test]
    fn selector_volume_mode_and_pre_bound() {
        let mut vols = vec![volume("a", "5Gi", &["ReadWriteOnce"], "")];
        let mut c = claim("1Gi", &["ReadWriteOnce"], "");
        c.spec.as_mut().unwrap().selector =
            serde_json::from_value(json!({"matchLabels": {"release": "canary"}})).unwrap();
        assert!(find_best_match(&c, &vols, false).is_none());
        let c = claim("1Gi", &["ReadWriteOnce"], "");
        let mut block = c.clone();
        block.spec.as_mut().unwrap().volume_mode = Some("Block".into());
        assert!(find_best_match(&block, &vols, false).is_none());
        // A volume pre-bound to another claim is not offered; one pre-bound to this claim is,
        // even with delayed binding.
        vols[0].spec.as_mut().unwrap().claim_ref =
            serde_json::from_value(json!({"namespace": "default", "name": "other"})).unwrap();
        assert!(find_best_match(&c, &vols, false).is_none());
        vols[0].spec.as_mut().unwrap().claim_ref =
            serde_json::from_value(json!({"namespace": "default", "name": "c"})).unwrap();
        assert_eq!(
            find_best_match(&c, &vols, true).and_then(|v| v.metadata.name.as_deref()),
            Some("a")
        );
    }

    fn phase_of_pv(c: &Cluster, name: &str) -> Option<String> {
        match c.store.get_obj("PersistentVolume", "", name) {
            Some(Object::PersistentVolume(v)) => v.status.as_ref().and_then(|s| s.phase.clone()),
            _ => None,
        }
    }

    #[test]
    fn binding_then_reclaim_by_policy() {
        let mut c = Cluster::new(crate::settings::Settings::default());
        let names = ["keep", "scrub", "drop", "stuck", "nfs-drop", "disk-scrub"];
        for (name, policy, source) in [
            ("keep", "Retain", json!({"hostPath": {"path": "/x"}})),
            ("scrub", "Recycle", json!({"hostPath": {"path": "/x"}})),
            ("drop", "Delete", json!({"hostPath": {"path": "/tmp/drop"}})),
            (
                "stuck",
                "Delete",
                json!({"hostPath": {"path": "/data/stuck"}}),
            ),
            (
                "nfs-drop",
                "Delete",
                json!({"nfs": {"server": "s", "path": "/e"}}),
            ),
            (
                "disk-scrub",
                "Recycle",
                json!({"csi": {"driver": "d", "volumeHandle": "h"}}),
            ),
        ] {
            let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": name},
                "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                         "persistentVolumeReclaimPolicy": policy, "storageClassName": "",
                         "claimRef": {"namespace": "default", "name": name}}});
            for (k, val) in source.as_object().unwrap() {
                v["spec"][k] = val.clone();
            }
            let obj = crate::apiserver::decode_value(v).unwrap();
            c.store.insert_new(obj, None);
            let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": name, "namespace": "default"},
                "spec": {"storageClassName": "", "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}}});
            let obj = crate::apiserver::decode_value(claim).unwrap();
            c.store.insert_new(obj, None);
        }
        crate::controllers::settle(&mut c);
        for name in names {
            assert_eq!(phase_of_pv(&c, name).as_deref(), Some("Bound"), "{name}");
            let Some(Object::PersistentVolumeClaim(p)) =
                c.store.get_obj("PersistentVolumeClaim", "default", name)
            else {
                panic!("claim {name}");
            };
            assert_eq!(claim_phase(p), Some("Bound"));
            assert_eq!(p.spec.as_ref().unwrap().volume_name.as_deref(), Some(name));
            c.store
                .remove(&ObjRef::new("PersistentVolumeClaim", "default", name));
        }
        crate::controllers::settle(&mut c);
        assert_eq!(phase_of_pv(&c, "keep").as_deref(), Some("Released"));
        assert_eq!(phase_of_pv(&c, "scrub").as_deref(), Some("Available"));
        assert_eq!(phase_of_pv(&c, "drop"), None);
        for name in ["stuck", "nfs-drop", "disk-scrub"] {
            assert_eq!(phase_of_pv(&c, name).as_deref(), Some("Failed"), "{name}");
        }
        let failures: Vec<(String, String)> = c
            .store
            .events
            .iter()
            .filter(|e| e.type_ == "Warning")
            .map(|e| (e.reason.clone(), e.message.clone()))
            .collect();
        assert_eq!(
            failures,
            [
                (
                    "VolumeFailedRecycle".to_string(),
                    "No recycler plugin found for the volume!".to_string()
                ),
                (
                    "VolumeFailedDelete".to_string(),
                    "error getting deleter volume plugin for volume \"nfs-drop\": no deletable volume plugin matched".to_string()
                ),
                (
                    "VolumeFailedDelete".to_string(),
                    "host_path deleter only supports /tmp/.+ but received provided /data/stuck"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn messages() {
        assert_eq!(
            external_provisioning_message("rancher.io/local-path", 34),
            "Waiting for a volume to be created either by the external provisioner \
             'rancher.io/local-path' or manually by the system administrator. If volume creation \
             is delayed, please verify that the provisioner is running and correctly registered."
        );
    }
}
