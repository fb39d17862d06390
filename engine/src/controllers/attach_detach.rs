//! The attach/detach controller's multi-attach check: a disk that only one node may attach at
//! a time keeps the pods of any other node in ContainerCreating.
//!
//! Follows `pkg/controller/volume/attachdetach/reconciler/reconciler.go` (`attachDesiredVolumes`:
//! a volume already attached to another node is not attached again unless
//! `util.IsMultiAttachAllowed`; `reportMultiAttachError`, once per volume and node: the
//! `FailedAttachVolume` event `Multi-Attach error for volume "<pv>" Volume is already used by
//! pod(s) <pods>`). `IsMultiAttachAllowed` is true when the volume's access modes include
//! ReadWriteMany or ReadOnlyMany. The volumes that attach are the cloud disks (EBS, GCE PD,
//! Azure Disk, Cinder, vSphere) and CSI volumes whose driver requires attachment — every driver
//! but the file-sharing ones whose `CSIDriver` sets `attachRequired: false` (NFS, SMB, Azure
//! Files, EFS). hostPath and local volumes (kind's local-path class) never attach.
//!
//! Where the real controller keeps an actual state of the world, kubefiddle derives it: a
//! volume is attached to the node of a running pod that uses it, else to the node of the first
//! pod (by creation, then name) that was scheduled with it.

use k8s_openapi::api::core::v1::{PersistentVolume, Pod};

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::store::{ObjRef, Store};

const SOURCE: &str = "attachdetach-controller";

/// CSI drivers whose `CSIDriver` object sets `attachRequired: false`.
const NO_ATTACH_DRIVERS: &[&str] = &[
    "nfs.csi.k8s.io",
    "smb.csi.k8s.io",
    "file.csi.azure.com",
    "efs.csi.aws.com",
];

/// Whether a volume goes through attach (`AttachableVolumePlugin`).
fn attachable(pv: &PersistentVolume) -> bool {
    let Some(s) = pv.spec.as_ref() else {
        return false;
    };
    if let Some(csi) = &s.csi {
        // kubefiddle's stand-in source for an in-tree plugin's volume is not a CSI driver.
        return !NO_ATTACH_DRIVERS.contains(&csi.driver.as_str())
            && !csi.driver.starts_with("kubernetes.io/");
    }
    s.aws_elastic_block_store.is_some()
        || s.gce_persistent_disk.is_some()
        || s.azure_disk.is_some()
        || s.cinder.is_some()
        || s.vsphere_volume.is_some()
}

/// `util.IsMultiAttachAllowed`.
fn multi_attach_allowed(pv: &PersistentVolume) -> bool {
    pv.spec
        .as_ref()
        .and_then(|s| s.access_modes.as_ref())
        .is_some_and(|m| {
            m.iter()
                .any(|m| m == "ReadWriteMany" || m == "ReadOnlyMany")
        })
}

/// The bound volumes of the pod's claims.
fn volumes_of(store: &Store, pod: &Pod) -> Vec<PersistentVolume> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .filter_map(
            |src| match store.get_obj("PersistentVolumeClaim", ns, &src.claim_name) {
                Some(Object::PersistentVolumeClaim(c)) => c.spec.as_ref()?.volume_name.clone(),
                _ => None,
            },
        )
        .filter_map(|name| match store.get_obj("PersistentVolume", "", &name) {
            Some(Object::PersistentVolume(pv)) => Some(pv.as_ref().clone()),
            _ => None,
        })
        .collect()
}

fn node_of(pod: &Pod) -> Option<&str> {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .filter(|n| !n.is_empty())
}

/// The first of the pod's single-node disks that is attached to another node, with the pods
/// there that use it: the `Multi-Attach error` the pod waits on.
pub fn blocked(store: &Store, pod: &Pod) -> Option<(String, Vec<String>)> {
    let node = node_of(pod)?;
    for pv in volumes_of(store, pod) {
        if !attachable(&pv) || multi_attach_allowed(&pv) {
            continue;
        }
        let name = pv.metadata.name.clone().unwrap_or_default();
        // The other scheduled pods that use the volume.
        let mut users: Vec<&Pod> = store
            .list("Pod")
            .filter_map(|s| s.obj.as_pod())
            .filter(|p| p.metadata.deletion_timestamp.is_none() && node_of(p).is_some())
            // Finished pods are out of the desired state of the world: their disks detach.
            .filter(|p| !crate::scheduler::is_terminal(p))
            .filter(|p| {
                volumes_of(store, p)
                    .iter()
                    .any(|v| v.metadata.name.as_deref() == Some(name.as_str()))
            })
            .collect();
        users.sort_by(|a, b| {
            let key = |p: &Pod| {
                (
                    p.metadata.creation_timestamp.as_ref().map(|t| t.0),
                    p.metadata.name.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        let running =
            |p: &Pod| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
        let owner = users
            .iter()
            .find(|p| running(p))
            .or(users.first())
            .and_then(|p| node_of(p));
        match owner {
            Some(owner) if owner != node => {
                let mut pods: Vec<String> = users
                    .iter()
                    .filter(|p| node_of(p) == Some(owner))
                    .filter_map(|p| p.metadata.name.clone())
                    .collect();
                pods.sort();
                return Some((name, pods));
            }
            _ => {}
        }
    }
    None
}

/// Reports each pod that waits on a disk attached elsewhere, once.
pub fn reconcile(c: &mut Cluster) -> bool {
    let waiting: Vec<(ObjRef, String, String)> = c
        .store
        .list("Pod")
        .filter_map(|s| {
            let pod = s.obj.as_pod()?;
            let pending = pod.status.as_ref().and_then(|st| st.phase.as_deref()) == Some("Pending");
            if !pending || pod.metadata.deletion_timestamp.is_some() {
                return None;
            }
            let (pv, pods) = blocked(&c.store, pod)?;
            let message = format!(
                "Multi-Attach error for volume {pv:?} Volume is already used by pod(s) {}",
                pods.join(", ")
            );
            Some((ObjRef::of(&s.obj), pv, message))
        })
        .collect();
    for (key, pv, message) in waiting {
        // Reported once for the volume on the pod's node (`MultiAttachErrorReported`).
        let prefix = format!("Multi-Attach error for volume {pv:?} ");
        let known = c.store.events.iter().any(|e| {
            e.involved_object == key
                && e.reason == "FailedAttachVolume"
                && e.message.starts_with(&prefix)
        });
        if !known {
            c.store
                .event("Warning", "FailedAttachVolume", key, message, SOURCE);
        }
    }
    // Events only: nothing the other controllers act on changed.
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pv(source: serde_json::Value, modes: &[&str]) -> PersistentVolume {
        let mut spec = source;
        spec["accessModes"] = serde_json::json!(modes);
        serde_json::from_value(serde_json::json!({"metadata": {"name": "pv"}, "spec": spec}))
            .expect("pv")
    }

    #[test]
    fn only_single_node_disks_are_held_to_one_node() {
        let rwo = ["ReadWriteOnce"];
        let cases = [
            (
                serde_json::json!({"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "v"}}),
                &rwo[..],
                true,
            ),
            (
                serde_json::json!({"awsElasticBlockStore": {"volumeID": "vol-1"}}),
                &rwo[..],
                true,
            ),
            (
                serde_json::json!({"gcePersistentDisk": {"pdName": "d"}}),
                &rwo[..],
                true,
            ),
            (
                serde_json::json!({"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "v"}}),
                &["ReadWriteOnce", "ReadOnlyMany"][..],
                false,
            ),
            (
                serde_json::json!({"csi": {"driver": "disk.csi.azure.com", "volumeHandle": "v"}}),
                &["ReadWriteMany"][..],
                false,
            ),
            (
                serde_json::json!({"csi": {"driver": "nfs.csi.k8s.io", "volumeHandle": "v"}}),
                &rwo[..],
                false,
            ),
            (
                serde_json::json!({"hostPath": {"path": "/data"}}),
                &rwo[..],
                false,
            ),
            (
                serde_json::json!({"nfs": {"server": "s", "path": "/"}}),
                &rwo[..],
                false,
            ),
        ];
        for (source, modes, held) in cases {
            let v = pv(source.clone(), modes);
            assert_eq!(
                attachable(&v) && !multi_attach_allowed(&v),
                held,
                "{source} {modes:?}"
            );
        }
    }
}
