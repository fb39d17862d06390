//! DefaultStorageClass: a PersistentVolumeClaim created without a storage class gets the
//! cluster's default StorageClass (`storageclass.kubernetes.io/is-default-class: "true"`).
//!
//! Follows `plugin/pkg/admission/storage/storageclass/setdefault/admission.go` in
//! kubernetes/kubernetes, with `GetDefaultClass` from `pkg/volume/util/storageclass.go`. A claim
//! "has a class" when it sets `spec.storageClassName` (even to `""`) or the beta annotation
//! `volume.beta.kubernetes.io/storage-class` (`helper.PersistentVolumeClaimHasClass`).
//!
//! Several default classes: up to 1.25 the claim is refused (`%d default StorageClasses were
//! found`, an internal error wrapped in Forbidden); since 1.26 (kubernetes/kubernetes#110559)
//! the newest class wins, ties broken by the smaller name.

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct DefaultStorageClass;

pub const IS_DEFAULT_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
pub const BETA_IS_DEFAULT_ANNOTATION: &str = "storageclass.beta.kubernetes.io/is-default-class";
/// `core.BetaStorageClassAnnotation`.
pub const BETA_STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";

/// The first minor version that picks the newest of several defaults instead of refusing.
const NEWEST_DEFAULT_SINCE: u32 = 26;

/// The error of 1.24 and 1.25 for several defaults (`errors.NewInternalError`).
pub fn several_defaults_message(count: usize) -> String {
    format!("Internal error occurred: {count} default StorageClasses were found")
}

/// `IsDefaultAnnotation`: the GA or the beta annotation set to exactly `"true"`.
pub fn is_default(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> bool {
    meta.annotations.as_ref().is_some_and(|a| {
        a.get(IS_DEFAULT_ANNOTATION).map(String::as_str) == Some("true")
            || a.get(BETA_IS_DEFAULT_ANNOTATION).map(String::as_str) == Some("true")
    })
}

impl Plugin for DefaultStorageClass {
    fn name(&self) -> &'static str {
        "DefaultStorageClass"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if !a.subresource.is_empty() {
            return Ok(());
        }
        let resource = a.kind.resource();
        let name = a.name.clone();
        let Some(Object::PersistentVolumeClaim(pvc)) = a.object.as_mut() else {
            return Ok(());
        };
        let beta_class = pvc
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|an| an.contains_key(BETA_STORAGE_CLASS_ANNOTATION));
        let has_class = pvc
            .spec
            .as_ref()
            .is_some_and(|s| s.storage_class_name.is_some());
        if beta_class || has_class {
            return Ok(());
        }
        let defaults: Vec<_> = c
            .store
            .list("StorageClass")
            .filter_map(|s| match &s.obj {
                Object::StorageClass(sc) if is_default(&sc.metadata) => Some(sc.as_ref()),
                _ => None,
            })
            .collect();
        let metas = defaults.iter().map(|d| &d.metadata).collect();
        match super::default_class::choose(metas, c.settings.minor, NEWEST_DEFAULT_SINCE) {
            Err(count) => {
                let shown = if name.is_empty() { "Unknown" } else { &name };
                return Err(ApiError::forbidden(
                    &resource,
                    shown,
                    &several_defaults_message(count),
                    self.name(),
                ));
            }
            Ok(Some(class)) => {
                pvc.spec
                    .get_or_insert_with(Default::default)
                    .storage_class_name = Some(class);
            }
            Ok(None) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testkit::{merge, run, Request};
    use serde_json::{json, Value};

    fn class(name: &str, default: &str) -> Value {
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
               "metadata": {"name": name, "annotations": {IS_DEFAULT_ANNOTATION: default}},
               "provisioner": "rancher.io/local-path"})
    }

    fn claim(extra: Value) -> Value {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
        merge(&mut v, extra);
        v
    }

    fn class_of(v: &Value) -> Value {
        v.pointer("/spec/storageClassName")
            .cloned()
            .unwrap_or(Value::Null)
    }

    #[test]
    fn a_claim_without_a_class_gets_the_default() {
        let got = run(
            &DefaultStorageClass,
            Request::create(claim(json!({})))
                .with(&[class("standard", "true"), class("fast", "false")]),
        )
        .unwrap();
        assert_eq!(class_of(&got), "standard");
    }

    #[test]
    fn a_claim_that_names_a_class_even_empty_keeps_it() {
        let classes = [class("standard", "true")];
        for (extra, want) in [
            (json!({"spec": {"storageClassName": "fast"}}), json!("fast")),
            (json!({"spec": {"storageClassName": ""}}), json!("")),
            (
                json!({"metadata": {"annotations": {BETA_STORAGE_CLASS_ANNOTATION: "slow"}}}),
                Value::Null,
            ),
        ] {
            let got = run(
                &DefaultStorageClass,
                Request::create(claim(extra)).with(&classes),
            )
            .unwrap();
            assert_eq!(class_of(&got), want);
        }
    }

    #[test]
    fn without_a_default_nothing_changes_and_the_beta_annotation_also_counts() {
        let got = run(
            &DefaultStorageClass,
            Request::create(claim(json!({}))).with(&[class("standard", "false")]),
        )
        .unwrap();
        assert_eq!(class_of(&got), Value::Null);
        let beta = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "old", "annotations": {BETA_IS_DEFAULT_ANNOTATION: "true"}},
            "provisioner": "x"});
        let got = run(
            &DefaultStorageClass,
            Request::create(claim(json!({}))).with(&[beta]),
        )
        .unwrap();
        assert_eq!(class_of(&got), "old");
    }

    #[test]
    fn several_defaults_are_refused_up_to_1_25() {
        for minor in [24, 25] {
            let err = run(
                &DefaultStorageClass,
                Request::create(claim(json!({})))
                    // `standard` replaces the cluster's own default class, kind's `standard`.
                    .with(&[class("standard", "true"), class("b", "true")])
                    .minor(minor),
            )
            .unwrap_err();
            assert_eq!(err, "persistentvolumeclaims \"data\" is forbidden: Internal error occurred: 2 default StorageClasses were found");
        }
    }

    #[test]
    fn since_1_26_the_newest_default_wins_then_the_smaller_name() {
        let got = run(
            &DefaultStorageClass,
            Request::create(claim(json!({})))
                .with(&[class("b", "true"), class("a", "true")])
                .minor(26),
        )
        .unwrap();
        assert_eq!(class_of(&got), "a");
        let got = run(
            &DefaultStorageClass,
            Request::create(claim(json!({})))
                .with(&[class("a", "true")])
                .later(&[class("z", "true")]),
        )
        .unwrap();
        assert_eq!(class_of(&got), "z");
    }

    #[test]
    fn updates_and_other_kinds_are_left_alone() {
        let classes = [class("standard", "true")];
        let got = run(
            &DefaultStorageClass,
            Request::update(claim(json!({})), claim(json!({}))).with(&classes),
        )
        .unwrap();
        assert_eq!(class_of(&got), Value::Null);
        let pv = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/x"}}});
        let got = run(&DefaultStorageClass, Request::create(pv).with(&classes)).unwrap();
        assert_eq!(class_of(&got), Value::Null);
    }
}
