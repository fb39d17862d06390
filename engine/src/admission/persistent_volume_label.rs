//! PersistentVolumeLabel (deprecated, off by default, removed in 1.31): labels new
//! PersistentVolumes with their zone and region and adds the matching node affinity.
//!
//! Follows `plugin/pkg/admission/storage/persistentvolume/label/admission.go` in
//! kubernetes/kubernetes. A dynamically provisioned volume (`pv.kubernetes.io/provisioned-by`)
//! that already carries both topology labels (GA `topology.kubernetes.io/*`, else the beta
//! `failure-domain.beta.kubernetes.io/*`) keeps them and gets a `nodeAffinity` requirement per
//! label (zone values split on `__`, sorted). Other volumes are asked of their cloud provider:
//! AWS EBS, GCE PD, Azure Disk, vSphere (and OpenStack Cinder up to 1.25).
//!
//! kind has no cloud. Where the provider was no longer compiled into kube-apiserver the lookup
//! fails with `unable to build … cloud provider` (AWS from 1.27, Azure and vSphere in 1.30:
//! kubernetes/kubernetes#124504); where it still was, the answer depends on reaching the
//! cloud's metadata service, which kubefiddle does not simulate: such volumes are admitted
//! unlabeled. Upstream ranges over a Go map to build the requirements, in random order;
//! kubefiddle adds them in key order.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PersistentVolume, VolumeNodeAffinity,
};

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct PersistentVolumeLabel;

pub const LABEL_TOPOLOGY_ZONE: &str = "topology.kubernetes.io/zone";
pub const LABEL_TOPOLOGY_REGION: &str = "topology.kubernetes.io/region";
pub const LABEL_BETA_ZONE: &str = "failure-domain.beta.kubernetes.io/zone";
pub const LABEL_BETA_REGION: &str = "failure-domain.beta.kubernetes.io/region";
/// `AnnDynamicallyProvisioned`.
pub const ANN_DYNAMICALLY_PROVISIONED: &str = "pv.kubernetes.io/provisioned-by";
/// `cloudvolume.ProvisionedVolumeName`: a volume still being provisioned.
pub const PROVISIONED_VOLUME_NAME: &str = "placeholder-for-provisioning";
/// `cloudvolume.LabelMultiZoneDelimiter`.
const MULTI_ZONE_DELIMITER: &str = "__";

/// The zone label's value as a sorted set (`volumehelpers.LabelZonesToSet`).
fn zones(value: &str) -> Option<Vec<String>> {
    let mut set: Vec<String> = Vec::new();
    for zone in value.split(MULTI_ZONE_DELIMITER) {
        let zone = zone.trim();
        if zone.is_empty() {
            return None;
        }
        set.push(zone.to_string());
    }
    set.sort();
    set.dedup();
    Some(set)
}

/// Why a cloud volume cannot be labeled, or `None` when it is admitted without labels.
fn cloud_lookup_error(pv: &PersistentVolume, minor: u32) -> Option<String> {
    let spec = pv.spec.as_ref()?;
    if let Some(ebs) = &spec.aws_elastic_block_store {
        if ebs.volume_id == PROVISIONED_VOLUME_NAME || minor < 27 {
            return None;
        }
        return Some(format!(
            "error querying AWS EBS volume {}: unable to build AWS cloud provider for EBS",
            ebs.volume_id
        ));
    }
    if spec.gce_persistent_disk.is_some() {
        return None;
    }
    if let Some(disk) = &spec.azure_disk {
        if disk.disk_name == PROVISIONED_VOLUME_NAME || minor < 30 {
            return None;
        }
        return Some(format!(
            "error querying AzureDisk volume {}: unable to build Azure cloud provider for AzureDisk",
            disk.disk_name
        ));
    }
    if spec.cinder.is_some() {
        return None;
    }
    if let Some(vsphere) = &spec.vsphere_volume {
        if minor < 30 {
            return None;
        }
        return Some(format!(
            "error querying vSphere Volume {}: unable to build vSphere cloud provider",
            vsphere.volume_path
        ));
    }
    None
}

/// `findVolumeLabels` for what kubefiddle can answer: the labels of a dynamically provisioned
/// volume that has them all.
fn trusted_labels(pv: &PersistentVolume) -> Option<BTreeMap<String, String>> {
    let labels = pv.metadata.labels.clone().unwrap_or_default();
    let provisioned = pv
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(ANN_DYNAMICALLY_PROVISIONED));
    if !provisioned {
        return None;
    }
    for (zone_key, region_key) in [
        (LABEL_TOPOLOGY_ZONE, LABEL_TOPOLOGY_REGION),
        (LABEL_BETA_ZONE, LABEL_BETA_REGION),
    ] {
        if let (Some(zone), Some(region)) = (labels.get(zone_key), labels.get(region_key)) {
            return Some(BTreeMap::from([
                (zone_key.to_string(), zone.clone()),
                (region_key.to_string(), region.clone()),
            ]));
        }
    }
    None
}

impl Plugin for PersistentVolumeLabel {
    fn name(&self) -> &'static str {
        "PersistentVolumeLabel"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let resource = a.kind.resource();
        let name = if a.name.is_empty() {
            "Unknown".to_string()
        } else {
            a.name.clone()
        };
        let Some(Object::PersistentVolume(pv)) = a.object.as_mut() else {
            return Ok(());
        };
        let forbidden =
            |msg: &str| ApiError::forbidden(&resource, &name, msg, "PersistentVolumeLabel");
        let labels = match trusted_labels(pv) {
            Some(l) => l,
            None => {
                if let Some(err) = cloud_lookup_error(pv, c.settings.minor) {
                    return Err(forbidden(&err));
                }
                return Ok(());
            }
        };
        let mut requirements = Vec::new();
        for (key, value) in &labels {
            let values = if key == LABEL_TOPOLOGY_ZONE || key == LABEL_BETA_ZONE {
                zones(value).ok_or_else(|| {
                    forbidden(&format!(
                        "failed to convert label string for Zone: {value} to a Set"
                    ))
                })?
            } else {
                vec![value.clone()]
            };
            requirements.push(NodeSelectorRequirement {
                key: key.clone(),
                operator: "In".into(),
                values: Some(values),
            });
        }
        let volume_labels = pv.metadata.labels.get_or_insert_with(BTreeMap::new);
        for (k, v) in labels {
            volume_labels.insert(k, v);
        }
        let spec = pv.spec.get_or_insert_with(Default::default);
        let affinity = spec
            .node_affinity
            .get_or_insert_with(VolumeNodeAffinity::default);
        let required = affinity.required.get_or_insert_with(NodeSelector::default);
        if required.node_selector_terms.is_empty() {
            required
                .node_selector_terms
                .push(NodeSelectorTerm::default());
        }
        let conflict = requirements.iter().any(|req| {
            required.node_selector_terms.iter().any(|term| {
                term.match_expressions
                    .iter()
                    .flatten()
                    .any(|r| r.key == req.key)
            })
        });
        if !conflict {
            for term in &mut required.node_selector_terms {
                term.match_expressions
                    .get_or_insert_with(Vec::new)
                    .extend(requirements.iter().cloned());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testkit::{merge, run, Request};
    use serde_json::{json, Value};

    fn pv(extra: Value) -> Value {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}});
        merge(&mut v, extra);
        v
    }

    fn provisioned(labels: Value) -> Value {
        pv(json!({"metadata": {"labels": labels,
            "annotations": {"pv.kubernetes.io/provisioned-by": "kubernetes.io/gce-pd"}},
            "spec": {"gcePersistentDisk": {"pdName": "disk-1"}}}))
    }

    #[test]
    fn volumes_outside_a_cloud_are_left_alone() {
        let host = pv(json!({"spec": {"hostPath": {"path": "/data"}}}));
        let got = run(
            &PersistentVolumeLabel,
            Request::create(host.clone()).minor(30),
        )
        .unwrap();
        assert_eq!(got.pointer("/spec/nodeAffinity"), None);
        assert_eq!(got.pointer("/metadata/labels"), None);
    }

    #[test]
    fn a_provisioned_volume_with_both_labels_gets_node_affinity() {
        let got = run(
            &PersistentVolumeLabel,
            Request::create(provisioned(json!({
                "topology.kubernetes.io/zone": "us-east-1b__us-east-1a",
                "topology.kubernetes.io/region": "us-east-1"}))),
        )
        .unwrap();
        assert_eq!(
            got.pointer("/spec/nodeAffinity/required/nodeSelectorTerms"),
            Some(&json!([{"matchExpressions": [
                {"key": "topology.kubernetes.io/region", "operator": "In", "values": ["us-east-1"]},
                {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1a", "us-east-1b"]}
            ]}]))
        );
    }

    #[test]
    fn beta_labels_are_used_when_the_ga_pair_is_incomplete() {
        let got = run(
            &PersistentVolumeLabel,
            Request::create(provisioned(json!({
                "topology.kubernetes.io/zone": "z",
                "failure-domain.beta.kubernetes.io/zone": "a",
                "failure-domain.beta.kubernetes.io/region": "r"}))),
        )
        .unwrap();
        let keys: Vec<&str> = got
            .pointer("/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions")
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .filter_map(|r| r["key"].as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "failure-domain.beta.kubernetes.io/region",
                "failure-domain.beta.kubernetes.io/zone"
            ]
        );
    }

    #[test]
    fn existing_affinity_on_the_same_keys_is_kept() {
        let mut v = provisioned(json!({
            "topology.kubernetes.io/zone": "a", "topology.kubernetes.io/region": "r"}));
        v["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["b"]}]}]}});
        let got = run(&PersistentVolumeLabel, Request::create(v)).unwrap();
        assert_eq!(
            got.pointer(
                "/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/0/values"
            ),
            Some(&json!(["b"]))
        );
        assert_eq!(
            got.pointer("/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/1"),
            None
        );
    }

    #[test]
    fn an_empty_zone_in_the_list_is_refused() {
        let err = run(
            &PersistentVolumeLabel,
            Request::create(provisioned(json!({
                "topology.kubernetes.io/zone": "a__", "topology.kubernetes.io/region": "r"}))),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "persistentvolumes \"pv1\" is forbidden: failed to convert label string for Zone: a__ to a Set"
        );
    }

    #[test]
    fn providers_no_longer_built_in_cannot_label() {
        let ebs = pv(json!({"spec": {"awsElasticBlockStore": {"volumeID": "vol-1"}}}));
        assert!(run(
            &PersistentVolumeLabel,
            Request::create(ebs.clone()).minor(26)
        )
        .is_ok());
        assert_eq!(
            run(&PersistentVolumeLabel, Request::create(ebs).minor(27)).unwrap_err(),
            "persistentvolumes \"pv1\" is forbidden: error querying AWS EBS volume vol-1: unable to build AWS cloud provider for EBS"
        );
        let azure = pv(json!({"spec": {"azureDisk": {"diskName": "d1", "diskURI": "uri"}}}));
        assert!(run(
            &PersistentVolumeLabel,
            Request::create(azure.clone()).minor(29)
        )
        .is_ok());
        assert_eq!(
            run(&PersistentVolumeLabel, Request::create(azure).minor(30)).unwrap_err(),
            "persistentvolumes \"pv1\" is forbidden: error querying AzureDisk volume d1: unable to build Azure cloud provider for AzureDisk"
        );
        let vsphere = pv(json!({"spec": {"vsphereVolume": {"volumePath": "[ds] v.vmdk"}}}));
        assert_eq!(
            run(&PersistentVolumeLabel, Request::create(vsphere).minor(30)).unwrap_err(),
            "persistentvolumes \"pv1\" is forbidden: error querying vSphere Volume [ds] v.vmdk: unable to build vSphere cloud provider"
        );
    }

    #[test]
    fn updates_and_other_kinds_are_left_alone() {
        let ebs = pv(json!({"spec": {"awsElasticBlockStore": {"volumeID": "vol-1"}}}));
        assert!(run(
            &PersistentVolumeLabel,
            Request::update(ebs.clone(), ebs).minor(30)
        )
        .is_ok());
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
        assert!(run(&PersistentVolumeLabel, Request::create(cm)).is_ok());
    }
}
