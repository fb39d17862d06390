//! NodeVolumeLimits: a node can attach only so many volumes of each CSI driver (managed clusters
//! limit the disks per VM size). A pod whose new volumes would take a driver over the node's
//! limit does not fit there.
//!
//! Follows `pkg/scheduler/framework/plugins/nodevolumelimits/csi.go` (`CSILimits.Filter`: the
//! unique volumes of the pods on the node and of the new pod, per driver; bound claims counted
//! by their volume's driver and handle, in-tree GCE PD / AWS EBS / Azure Disk volumes by the CSI
//! driver they migrated to (`csi-translation-lib`), unbound claims by their class's
//! provisioner; `ErrReasonMaxVolumeCountExceeded` `node(s) exceed max volume count`,
//! Unschedulable). Upstream reads the limit from the CSINode object
//! (`spec.drivers[].allocatable.count`); kubefiddle, which does not serve CSINode, reads it where
//! kubelets published it before CSINode: the node's `status.allocatable`
//! `attachable-volumes-csi-<driver>` (and the in-tree `attachable-volumes-gce-pd`,
//! `attachable-volumes-aws-ebs`, `attachable-volumes-azure-disk` for the migrated drivers). A
//! node that declares no limit for a driver has none.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{PersistentVolumeSpec, Pod};

use super::volume_binding::StorageSnapshot;
use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, Status};

/// `ErrReasonMaxVolumeCountExceeded`.
pub const MAX_VOLUME_COUNT_EXCEEDED: &str = "node(s) exceed max volume count";

/// The CSI driver an in-tree provisioner or volume plugin migrated to.
fn migrated(name: &str) -> &str {
    match name {
        "kubernetes.io/gce-pd" => "pd.csi.storage.gke.io",
        "kubernetes.io/aws-ebs" => "ebs.csi.aws.com",
        "kubernetes.io/azure-disk" => "disk.csi.azure.com",
        other => other,
    }
}

/// The in-tree allocatable key of a migrated driver.
fn in_tree_key(driver: &str) -> Option<&'static str> {
    match driver {
        "pd.csi.storage.gke.io" => Some("attachable-volumes-gce-pd"),
        "ebs.csi.aws.com" => Some("attachable-volumes-aws-ebs"),
        "disk.csi.azure.com" => Some("attachable-volumes-azure-disk"),
        _ => None,
    }
}

/// `(driver, handle)` of a persistent volume source.
fn source_of(spec: &PersistentVolumeSpec) -> Option<(String, String)> {
    if let Some(c) = &spec.csi {
        return Some((c.driver.clone(), c.volume_handle.clone()));
    }
    if let Some(g) = &spec.gce_persistent_disk {
        return Some(("pd.csi.storage.gke.io".into(), g.pd_name.clone()));
    }
    if let Some(a) = &spec.aws_elastic_block_store {
        return Some(("ebs.csi.aws.com".into(), a.volume_id.clone()));
    }
    if let Some(a) = &spec.azure_disk {
        return Some(("disk.csi.azure.com".into(), a.disk_name.clone()));
    }
    None
}

/// The attachable volumes of a pod: `(driver, handle)`.
pub fn pod_volumes(storage: &StorageSnapshot, pod: &Pod) -> BTreeSet<(String, String)> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut out = BTreeSet::new();
    for v in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
        if let Some(g) = &v.gce_persistent_disk {
            out.insert(("pd.csi.storage.gke.io".into(), g.pd_name.clone()));
        }
        if let Some(a) = &v.aws_elastic_block_store {
            out.insert(("ebs.csi.aws.com".into(), a.volume_id.clone()));
        }
        if let Some(a) = &v.azure_disk {
            out.insert(("disk.csi.azure.com".into(), a.disk_name.clone()));
        }
        let Some(src) = &v.persistent_volume_claim else {
            continue;
        };
        let Some(claim) = storage.claims.get(&format!("{ns}/{}", src.claim_name)) else {
            continue;
        };
        match storage.bound_volume(claim) {
            Some(Some(pv)) => {
                if let Some(s) = pv.spec.as_ref().and_then(source_of) {
                    out.insert(s);
                }
            }
            _ => {
                if let Some(class) = storage.class_of(claim) {
                    out.insert((
                        migrated(&class.provisioner).to_string(),
                        format!("{ns}/{}", src.claim_name),
                    ));
                }
            }
        }
    }
    out
}

/// The node's limit for a driver, if it declares one.
pub fn node_limit(node: &NodeInfo, driver: &str) -> Option<i64> {
    let alloc = node.node.status.as_ref()?.allocatable.as_ref()?;
    let key = format!("attachable-volumes-csi-{driver}");
    alloc
        .get(&key)
        .or_else(|| in_tree_key(driver).and_then(|k| alloc.get(k)))
        .and_then(|q| q.0.trim().parse::<i64>().ok())
}

pub struct NodeVolumeLimits;

impl FilterPlugin for NodeVolumeLimits {
    fn name(&self) -> &'static str {
        "NodeVolumeLimits"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let storage = &node.storage;
        let new = pod_volumes(storage, pod.pod);
        if new.is_empty() {
            return Status::success();
        }
        let attached: BTreeSet<(String, String)> = node
            .pod_objects
            .iter()
            .flat_map(|p| pod_volumes(storage, p))
            .collect();
        let mut per_driver: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for (driver, handle) in &attached {
            let _ = handle;
            per_driver.entry(driver.as_str()).or_default().0 += 1;
        }
        for v in new.iter().filter(|v| !attached.contains(*v)) {
            per_driver.entry(v.0.as_str()).or_default().1 += 1;
        }
        for (driver, (existing, added)) in per_driver {
            if added == 0 {
                continue;
            }
            if let Some(limit) = node_limit(node, driver) {
                if existing.saturating_add(added) > limit {
                    return Status::unschedulable(MAX_VOLUME_COUNT_EXCEEDED);
                }
            }
        }
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use serde_json::json;
    use std::sync::Arc;

    fn storage() -> Arc<StorageSnapshot> {
        let mut s = StorageSnapshot::default();
        for i in 0..3 {
            let name = format!("c{i}");
            s.claims.insert(
                format!("default/{name}"),
                serde_json::from_value(json!({"metadata": {"name": name, "namespace": "default",
                    "annotations": {"pv.kubernetes.io/bind-completed": "yes"}},
                    "spec": {"volumeName": format!("pv{i}")}}))
                .unwrap(),
            );
            s.volumes.insert(
                format!("pv{i}"),
                serde_json::from_value(json!({"metadata": {"name": format!("pv{i}")},
                    "spec": {"csi": {"driver": "disk.csi.azure.com", "volumeHandle": format!("h{i}")}}}))
                .unwrap(),
            );
        }
        Arc::new(s)
    }

    fn using(name: &str, claims: &[&str]) -> Pod {
        let vols: Vec<serde_json::Value> = claims
            .iter()
            .map(|c| json!({"name": c, "persistentVolumeClaim": {"claimName": c}}))
            .collect();
        let mut p = pod(json!({"containers": [{"name": "c", "image": "nginx"}], "volumes": vols}));
        p.metadata.name = Some(name.into());
        p
    }

    #[test]
    fn a_node_at_its_attach_limit_takes_no_new_volume_of_that_driver() {
        let cases = [
            (
                "room for one more",
                json!({"attachable-volumes-csi-disk.csi.azure.com": "2"}),
                vec!["c0"],
                vec!["c1"],
                true,
            ),
            (
                "the limit reached",
                json!({"attachable-volumes-csi-disk.csi.azure.com": "1"}),
                vec!["c0"],
                vec!["c1"],
                false,
            ),
            (
                "the in-tree key of the migrated driver",
                json!({"attachable-volumes-azure-disk": "1"}),
                vec!["c0"],
                vec!["c1"],
                false,
            ),
            (
                "a volume already attached is not counted twice",
                json!({"attachable-volumes-csi-disk.csi.azure.com": "1"}),
                vec!["c0"],
                vec!["c0"],
                true,
            ),
            (
                "no declared limit",
                json!({}),
                vec!["c0", "c1"],
                vec!["c2"],
                true,
            ),
        ];
        for (name, alloc, on_node, wanted, ok) in cases {
            let mut a = json!({"cpu": "4", "memory": "8Gi", "pods": "110"});
            for (k, v) in alloc.as_object().unwrap() {
                a[k] = v.clone();
            }
            let mut n = node("n", json!({"status": {"allocatable": a}}));
            n.storage = storage();
            n.add_pod(&using("existing", &on_node));
            let p = using("new", &wanted);
            let st = NodeVolumeLimits.filter(&PodInfo::new(&p), &n);
            assert_eq!(st.is_success(), ok, "{name}");
            if !ok {
                assert_eq!(
                    st,
                    Status::unschedulable(MAX_VOLUME_COUNT_EXCEEDED),
                    "{name}"
                );
            }
        }
    }
}
