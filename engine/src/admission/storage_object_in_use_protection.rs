//! StorageObjectInUseProtection: every new PersistentVolumeClaim gets the
//! `kubernetes.io/pvc-protection` finalizer and every new PersistentVolume the
//! `kubernetes.io/pv-protection` finalizer, which the PVC and PV protection controllers remove
//! once nothing uses the object.
//!
//! Follows `plugin/pkg/admission/storage/storageobjectinuseprotection/admission.go` in
//! kubernetes/kubernetes (finalizer names from `pkg/volume/util`). The plugin also protects
//! VolumeAttributesClasses (`kubernetes.io/vac-protection`), a kind kubefiddle does not serve.

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct StorageObjectInUseProtection;

/// `volumeutil.PVCProtectionFinalizer`.
pub const PVC_PROTECTION_FINALIZER: &str = "kubernetes.io/pvc-protection";
/// `volumeutil.PVProtectionFinalizer`.
pub const PV_PROTECTION_FINALIZER: &str = "kubernetes.io/pv-protection";

/// Appends `finalizer` unless it is already there.
fn add_finalizer(finalizers: &mut Option<Vec<String>>, finalizer: &str) {
    let list = finalizers.get_or_insert_with(Vec::new);
    if !list.iter().any(|f| f == finalizer) {
        list.push(finalizer.to_string());
    }
}

impl Plugin for StorageObjectInUseProtection {
    fn name(&self) -> &'static str {
        "StorageObjectInUseProtection"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if !a.subresource.is_empty() {
            return Ok(());
        }
        match a.object.as_mut() {
            Some(Object::PersistentVolumeClaim(pvc)) => {
                add_finalizer(&mut pvc.metadata.finalizers, PVC_PROTECTION_FINALIZER);
            }
            Some(Object::PersistentVolume(pv)) => {
                add_finalizer(&mut pv.metadata.finalizers, PV_PROTECTION_FINALIZER);
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testkit::{run, Request};
    use serde_json::{json, Value};

    fn finalizers(v: &Value) -> Value {
        v.pointer("/metadata/finalizers")
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn claim(finalizers: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default", "finalizers": finalizers},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    }

    #[test]
    fn new_claims_and_volumes_get_their_protection_finalizer() {
        let got = run(
            &StorageObjectInUseProtection,
            Request::create(claim(json!(null))),
        )
        .unwrap();
        assert_eq!(finalizers(&got), json!(["kubernetes.io/pvc-protection"]));
        let pv = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/x"}}});
        let got = run(&StorageObjectInUseProtection, Request::create(pv)).unwrap();
        assert_eq!(finalizers(&got), json!(["kubernetes.io/pv-protection"]));
    }

    #[test]
    fn the_finalizer_is_appended_once() {
        let got = run(
            &StorageObjectInUseProtection,
            Request::create(claim(json!(["example.com/keep"]))),
        )
        .unwrap();
        assert_eq!(
            finalizers(&got),
            json!(["example.com/keep", "kubernetes.io/pvc-protection"])
        );
        let got = run(
            &StorageObjectInUseProtection,
            Request::create(claim(json!(["kubernetes.io/pvc-protection"]))),
        )
        .unwrap();
        assert_eq!(finalizers(&got), json!(["kubernetes.io/pvc-protection"]));
    }

    #[test]
    fn updates_subresources_and_other_kinds_are_left_alone() {
        let got = run(
            &StorageObjectInUseProtection,
            Request::update(claim(json!(null)), claim(json!(null))),
        )
        .unwrap();
        assert_eq!(finalizers(&got), Value::Null);
        let got = run(
            &StorageObjectInUseProtection,
            Request::create(claim(json!(null))).subresource("status"),
        )
        .unwrap();
        assert_eq!(finalizers(&got), Value::Null);
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
        let got = run(&StorageObjectInUseProtection, Request::create(cm)).unwrap();
        assert_eq!(finalizers(&got), Value::Null);
    }
}
