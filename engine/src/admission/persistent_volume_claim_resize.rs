//! PersistentVolumeClaimResize: a claim's storage request may grow only when the claim is bound
//! and its StorageClass sets `allowVolumeExpansion: true`; shrinking or keeping the size is
//! left to validation.
//!
//! Follows `plugin/pkg/admission/storage/persistentvolume/resize/admission.go` in
//! kubernetes/kubernetes (Validate on UPDATE; the class is the beta annotation
//! `volume.beta.kubernetes.io/storage-class` or `spec.storageClassName`, and must be the same,
//! non-empty, before and after).

use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use super::default_storage_class::BETA_STORAGE_CLASS_ANNOTATION;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::quantity::Quantity;
use crate::status::ApiError;

pub struct PersistentVolumeClaimResize;

pub const NOT_BOUND: &str = "Only bound persistent volume claims can be expanded";
pub const NOT_EXPANDABLE: &str = "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize";

/// `spec.resources.requests.storage`, zero when absent.
fn requested_storage(pvc: &PersistentVolumeClaim) -> Quantity {
    pvc.spec
        .as_ref()
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .and_then(|q| Quantity::from_k8s(q).ok())
        .unwrap_or_else(Quantity::zero)
}

/// `helper.GetPersistentVolumeClaimClass`: the beta annotation first, then the field.
fn claim_class(pvc: &PersistentVolumeClaim) -> String {
    if let Some(class) = pvc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(BETA_STORAGE_CLASS_ANNOTATION))
    {
        return class.clone();
    }
    pvc.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

impl Plugin for PersistentVolumeClaimResize {
    fn name(&self) -> &'static str {
        "PersistentVolumeClaimResize"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Update
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if !a.subresource.is_empty() {
            return Ok(());
        }
        let (Some(Object::PersistentVolumeClaim(pvc)), Some(Object::PersistentVolumeClaim(old))) =
            (a.object.as_ref(), a.old_object)
        else {
            return Ok(());
        };
        if requested_storage(pvc) <= requested_storage(old) {
            return Ok(());
        }
        let forbidden = |msg: &str| {
            let name = if a.name.is_empty() {
                "Unknown"
            } else {
                &a.name
            };
            ApiError::forbidden(&a.kind.resource(), name, msg, self.name())
        };
        let bound = old.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
        if !bound {
            return Err(forbidden(NOT_BOUND));
        }
        let (class, old_class) = (claim_class(pvc), claim_class(old));
        let allowed = !class.is_empty()
            && class == old_class
            && matches!(
                c.store.get_obj("StorageClass", "", &class),
                Some(Object::StorageClass(sc)) if sc.allow_volume_expansion == Some(true)
            );
        if !allowed {
            return Err(forbidden(NOT_EXPANDABLE));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testkit::{run, Request};
    use serde_json::{json, Value};

    fn class(name: &str, expand: Option<bool>) -> Value {
        let mut v = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name}, "provisioner": "kubernetes.io/glusterfs"});
        if let Some(e) = expand {
            v["allowVolumeExpansion"] = json!(e);
        }
        v
    }

    fn claim(size: &str, class: Option<&str>, phase: &str) -> Value {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "volumeName": "volume1",
                     "resources": {"requests": {"storage": size}}},
            "status": {"phase": phase}});
        if let Some(c) = class {
            v["spec"]["storageClassName"] = json!(c);
        }
        v
    }

    fn classes() -> Vec<Value> {
        vec![
            class("gold", Some(true)),
            class("silver", Some(false)),
            class("bronze", None),
        ]
    }

    fn resize(from: Value, to: Value) -> Result<Value, String> {
        run(
            &PersistentVolumeClaimResize,
            Request::update(to, from).with(&classes()),
        )
    }

    #[test]
    fn a_bound_claim_of_an_expandable_class_may_grow() {
        assert!(resize(
            claim("1Gi", Some("gold"), "Bound"),
            claim("2Gi", Some("gold"), "Bound")
        )
        .is_ok());
    }

    #[test]
    fn classes_that_do_not_allow_expansion_refuse_growth() {
        for class in [Some("silver"), Some("bronze"), Some("missing"), None] {
            let err =
                resize(claim("1Gi", class, "Bound"), claim("2Gi", class, "Bound")).unwrap_err();
            assert_eq!(
                err,
                "persistentvolumeclaims \"data\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"
            );
        }
        let err = resize(
            claim("1Gi", Some("silver"), "Bound"),
            claim("2Gi", Some("gold"), "Bound"),
        )
        .unwrap_err();
        assert!(err.ends_with(NOT_EXPANDABLE));
    }

    #[test]
    fn only_bound_claims_may_grow() {
        let err = resize(
            claim("1Gi", Some("gold"), "Pending"),
            claim("2Gi", Some("gold"), "Pending"),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "persistentvolumeclaims \"data\" is forbidden: Only bound persistent volume claims can be expanded"
        );
    }

    #[test]
    fn keeping_or_shrinking_the_size_is_not_this_plugins_business() {
        for to in ["1Gi", "1024Mi", "500Mi"] {
            assert!(resize(
                claim("1Gi", Some("silver"), "Pending"),
                claim(to, Some("silver"), "Pending")
            )
            .is_ok());
        }
    }

    #[test]
    fn creates_and_other_kinds_are_left_alone() {
        assert!(run(
            &PersistentVolumeClaimResize,
            Request::create(claim("5Gi", Some("silver"), "Pending"))
        )
        .is_ok());
        let pv = |size: &str| {
            json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
                "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/x"}}})
        };
        assert!(run(
            &PersistentVolumeClaimResize,
            Request::update(pv("2Gi"), pv("1Gi"))
        )
        .is_ok());
    }
}
