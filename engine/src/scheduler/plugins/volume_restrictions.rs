//! VolumeRestrictions: volumes that cannot be shared. An inline GCE PD, AWS EBS, iSCSI or RBD
//! disk already used on a node (unless both uses are read-only where that is allowed) keeps
//! another pod using it off that node; a claim with the ReadWriteOncePod access mode used by a
//! pod anywhere keeps every other pod using it off every node.
//!
//! Follows `pkg/scheduler/framework/plugins/volumerestrictions/volume_restrictions.go`
//! (`isVolumeConflict`: same `pdName` unless both read-only; same EBS `volumeID`; same iSCSI
//! `iqn` unless both read-only; RBD with an overlapping monitor, the same pool and image unless
//! both read-only — `ErrReasonDiskConflict` `node(s) had no available disk`, Unschedulable;
//! `ErrReasonReadWriteOncePodConflict` `node has pod using PersistentVolumeClaim with the same
//! name and ReadWriteOncePod access mode`, Unschedulable, counted over the whole cluster as
//! PreFilter's `conflictingPVCRefCount`).

use k8s_openapi::api::core::v1::{Pod, Volume};

use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, Status};

/// `ErrReasonDiskConflict`.
pub const DISK_CONFLICT: &str = "node(s) had no available disk";
/// `ErrReasonReadWriteOncePodConflict`.
pub const RWOP_CONFLICT: &str =
    "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode";

/// `isVolumeConflict` for one pair of inline volumes.
pub fn is_volume_conflict(v: &Volume, e: &Volume) -> bool {
    if let (Some(a), Some(b)) = (&v.gce_persistent_disk, &e.gce_persistent_disk) {
        if a.pd_name == b.pd_name && !(a.read_only == Some(true) && b.read_only == Some(true)) {
            return true;
        }
    }
    if let (Some(a), Some(b)) = (&v.aws_elastic_block_store, &e.aws_elastic_block_store) {
        if a.volume_id == b.volume_id {
            return true;
        }
    }
    if let (Some(a), Some(b)) = (&v.iscsi, &e.iscsi) {
        if a.iqn == b.iqn && !(a.read_only == Some(true) && b.read_only == Some(true)) {
            return true;
        }
    }
    if let (Some(a), Some(b)) = (&v.rbd, &e.rbd) {
        let overlap = a.monitors.iter().any(|m| b.monitors.contains(m));
        let pool = |p: &Option<String>| p.clone().unwrap_or_else(|| "rbd".into());
        if overlap
            && pool(&a.pool) == pool(&b.pool)
            && a.image == b.image
            && !(a.read_only == Some(true) && b.read_only == Some(true))
        {
            return true;
        }
    }
    false
}

fn same_pod(a: &Pod, b: &Pod) -> bool {
    a.metadata.namespace == b.metadata.namespace && a.metadata.name == b.metadata.name
}

fn uses_claim(pod: &Pod, ns: &str, claim: &str) -> bool {
    pod.metadata.namespace.as_deref().unwrap_or("default") == ns
        && pod
            .spec
            .iter()
            .flat_map(|s| s.volumes.iter().flatten())
            .filter_map(|v| v.persistent_volume_claim.as_ref())
            .any(|c| c.claim_name == claim)
}

pub struct VolumeRestrictions;

impl FilterPlugin for VolumeRestrictions {
    fn name(&self) -> &'static str {
        "VolumeRestrictions"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let volumes = pod
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.volumes.as_deref())
            .unwrap_or(&[]);
        for v in volumes {
            for existing in node.pod_objects.iter().filter(|p| !same_pod(p, pod.pod)) {
                let theirs = existing
                    .spec
                    .as_ref()
                    .and_then(|s| s.volumes.as_deref())
                    .unwrap_or(&[]);
                if theirs.iter().any(|e| is_volume_conflict(v, e)) {
                    return Status::unschedulable(DISK_CONFLICT);
                }
            }
        }
        // ReadWriteOncePod: any other pod in the cluster using the same claim. The cluster's
        // pods are looked at only for such a claim (most pods have none).
        let ns = pod.pod.metadata.namespace.as_deref().unwrap_or("default");
        let everywhere = || -> Box<dyn Iterator<Item = &Pod> + '_> {
            if pod.nodes.is_empty() {
                Box::new(node.pod_objects.iter())
            } else {
                Box::new(pod.nodes.iter().flat_map(|n| n.pod_objects.iter()))
            }
        };
        for claim in node.storage.pod_claims(pod.pod) {
            let rwop = claim
                .spec
                .as_ref()
                .and_then(|s| s.access_modes.as_ref())
                .is_some_and(|m| m.iter().any(|m| m == "ReadWriteOncePod"));
            if !rwop {
                continue;
            }
            let name = claim.metadata.name.as_deref().unwrap_or("");
            if everywhere().any(|p| !same_pod(p, pod.pod) && uses_claim(p, ns, name)) {
                return Status::unschedulable(RWOP_CONFLICT);
            }
        }
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use crate::scheduler::plugins::volume_binding::StorageSnapshot;
    use serde_json::json;
    use std::sync::Arc;

    fn vol(v: serde_json::Value) -> Volume {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn inline_disks_conflict_unless_both_uses_are_read_only() {
        let gce = |ro: bool| {
            vol(json!({"name": "d", "gcePersistentDisk": {"pdName": "disk-1", "readOnly": ro}}))
        };
        let ebs = |id: &str| vol(json!({"name": "d", "awsElasticBlockStore": {"volumeID": id}}));
        let rbd = |mon: &str, ro: bool| {
            vol(json!({"name": "d", "rbd": {"monitors": [mon], "image": "img", "readOnly": ro}}))
        };
        let cases = [
            ("same GCE PD read-write", gce(false), gce(false), true),
            ("same GCE PD both read-only", gce(true), gce(true), false),
            ("same GCE PD one read-only", gce(true), gce(false), true),
            (
                "same EBS volume even read-only",
                ebs("vol-1"),
                ebs("vol-1"),
                true,
            ),
            ("different EBS volumes", ebs("vol-1"), ebs("vol-2"), false),
            (
                "RBD sharing a monitor",
                rbd("m1", false),
                rbd("m1", false),
                true,
            ),
            (
                "RBD without a shared monitor",
                rbd("m1", false),
                rbd("m2", false),
                false,
            ),
            (
                "RBD both read-only",
                rbd("m1", true),
                rbd("m1", true),
                false,
            ),
        ];
        for (name, a, b, want) in cases {
            assert_eq!(is_volume_conflict(&a, &b), want, "{name}");
        }
    }

    #[test]
    fn a_disk_in_use_on_the_node_rejects_the_pod_there() {
        let spec = json!({"containers": [{"name": "c", "image": "nginx"}],
            "volumes": [{"name": "d", "gcePersistentDisk": {"pdName": "disk-1"}}]});
        let mut other: Pod = pod(spec.clone());
        other.metadata.name = Some("other".into());
        let mut n = node("n", json!({}));
        n.add_pod(&other);
        let p = pod(spec);
        assert_eq!(
            VolumeRestrictions.filter(&PodInfo::new(&p), &n),
            Status::unschedulable(DISK_CONFLICT)
        );
        assert!(VolumeRestrictions
            .filter(&PodInfo::new(&p), &node("m", json!({})))
            .is_success());
    }

    #[test]
    fn a_read_write_once_pod_claim_in_use_anywhere_rejects_the_pod() {
        let spec = json!({"containers": [{"name": "c", "image": "nginx"}],
            "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "single"}}]});
        let mut other: Pod = pod(spec.clone());
        other.metadata.name = Some("other".into());
        let mut s = StorageSnapshot::default();
        for (name, mode) in [("single", "ReadWriteOncePod"), ("shared", "ReadWriteOnce")] {
            s.claims.insert(
                format!("default/{name}"),
                serde_json::from_value(json!({"metadata": {"name": name, "namespace": "default"},
                    "spec": {"accessModes": [mode]}}))
                .unwrap(),
            );
        }
        let s = Arc::new(s);
        let mut busy = node("a", json!({}));
        busy.add_pod(&other);
        busy.storage = s.clone();
        let mut idle = node("b", json!({}));
        idle.storage = s.clone();
        let nodes = [busy, idle];
        let p = pod(spec);
        let info = PodInfo::with_nodes(&p, &nodes);
        for n in &nodes {
            assert_eq!(
                VolumeRestrictions.filter(&info, n),
                Status::unschedulable(RWOP_CONFLICT),
                "{}",
                n.name
            );
        }
        // The same pod with a ReadWriteOnce claim is not restricted.
        let shared = pod(json!({"containers": [{"name": "c", "image": "nginx"}],
            "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "shared"}}]}));
        assert!(VolumeRestrictions
            .filter(&PodInfo::with_nodes(&shared, &nodes), &nodes[1])
            .is_success());
    }
}
