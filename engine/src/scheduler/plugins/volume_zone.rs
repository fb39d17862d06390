//! VolumeZone: a pod whose bound volumes are labelled with a zone or region runs only on nodes
//! of that zone or region.
//!
//! Follows `pkg/scheduler/framework/plugins/volumezone/volume_zone.go`: the topology labels
//! (`topology.kubernetes.io/zone` / `region` and their deprecated
//! `failure-domain.beta.kubernetes.io/…` twins) of each bound volume, a value being a set
//! written `a__b` (`volumehelpers.LabelZonesToSet`); a node without any of those labels is not
//! constrained; otherwise `ErrReasonConflict` `node(s) had no available volume zone`
//! (UnschedulableAndUnresolvable). Unbound claims are VolumeBinding's concern.

use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, Status};

/// `ErrReasonConflict`.
pub const CONFLICT: &str = "node(s) had no available volume zone";

const TOPOLOGY_LABELS: [&str; 4] = [
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
];

/// The GA label for a deprecated beta one (`translateToGALabel`).
fn ga(key: &str) -> &str {
    match key {
        "failure-domain.beta.kubernetes.io/zone" => "topology.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region" => "topology.kubernetes.io/region",
        other => other,
    }
}

pub struct VolumeZone;

impl FilterPlugin for VolumeZone {
    fn name(&self) -> &'static str {
        "VolumeZone"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        if !TOPOLOGY_LABELS.iter().any(|k| node.labels.contains_key(*k)) {
            return Status::success();
        }
        let storage = &node.storage;
        for claim in storage.pod_claims(pod.pod) {
            let Some(Some(volume)) = storage.bound_volume(claim) else {
                continue;
            };
            for (key, value) in volume.metadata.labels.iter().flatten() {
                if !TOPOLOGY_LABELS.contains(&key.as_str()) {
                    continue;
                }
                let node_value = node.labels.get(key).or_else(|| node.labels.get(ga(key)));
                let allowed: Vec<&str> = value.split("__").map(str::trim).collect();
                if !node_value.is_some_and(|v| allowed.contains(&v.as_str())) {
                    return Status::unresolvable(CONFLICT);
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
    use crate::scheduler::plugins::volume_binding::StorageSnapshot;
    use serde_json::json;
    use std::sync::Arc;

    fn storage(zone_label: serde_json::Value) -> Arc<StorageSnapshot> {
        let mut s = StorageSnapshot::default();
        s.claims.insert(
            "default/data".into(),
            serde_json::from_value(json!({"metadata": {"name": "data", "namespace": "default",
                "annotations": {"pv.kubernetes.io/bind-completed": "yes"}},
                "spec": {"volumeName": "pv1"}}))
            .unwrap(),
        );
        s.volumes.insert(
            "pv1".into(),
            serde_json::from_value(json!({"metadata": {"name": "pv1", "labels": zone_label}}))
                .unwrap(),
        );
        Arc::new(s)
    }

    #[test]
    fn a_zoned_volume_keeps_its_pod_in_its_zones_and_unlabelled_nodes_are_unconstrained() {
        let p = pod(json!({"containers": [{"name": "c", "image": "nginx"}],
            "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}]}));
        let info = PodInfo::new(&p);
        let cases = [
            (
                "same zone",
                json!({"topology.kubernetes.io/zone": "us-east-1a"}),
                json!({"topology.kubernetes.io/zone": "us-east-1a"}),
                true,
            ),
            (
                "other zone",
                json!({"topology.kubernetes.io/zone": "us-east-1a"}),
                json!({"topology.kubernetes.io/zone": "us-east-1b"}),
                false,
            ),
            (
                "one of a set",
                json!({"topology.kubernetes.io/zone": "us-east-1a__us-east-1b"}),
                json!({"topology.kubernetes.io/zone": "us-east-1b"}),
                true,
            ),
            (
                "beta label on the volume, GA on the node",
                json!({"failure-domain.beta.kubernetes.io/zone": "a"}),
                json!({"topology.kubernetes.io/zone": "a"}),
                true,
            ),
            (
                "node without topology labels",
                json!({"topology.kubernetes.io/zone": "a"}),
                json!({}),
                true,
            ),
            (
                "node with a region only",
                json!({"topology.kubernetes.io/zone": "a"}),
                json!({"topology.kubernetes.io/region": "r"}),
                false,
            ),
        ];
        for (name, pv_labels, node_labels, ok) in cases {
            let mut n = node("n", json!({"metadata": {"labels": node_labels}}));
            n.storage = storage(pv_labels);
            let st = VolumeZone.filter(&info, &n);
            assert_eq!(st.is_success(), ok, "{name}");
            if !ok {
                assert_eq!(st, Status::unresolvable(CONFLICT), "{name}");
            }
        }
    }
}
