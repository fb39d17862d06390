//! DefaultIngressClass: an Ingress created without a class gets the cluster's default
//! IngressClass (`ingressclass.kubernetes.io/is-default-class: "true"`).
//!
//! Follows `plugin/pkg/admission/network/defaultingressclass/admission.go` in
//! kubernetes/kubernetes. An Ingress "has a class" when it sets `spec.ingressClassName` or the
//! legacy `kubernetes.io/ingress.class` annotation. Several defaults: 1.24 refuses the Ingress
//! (`%d default IngressClasses were found, only 1 allowed`, an internal error wrapped in
//! Forbidden); since 1.25 (kubernetes/kubernetes#110974) the newest class wins, ties broken by
//! the smaller name.

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct DefaultIngressClass;

/// `networkingv1.AnnotationIsDefaultIngressClass`.
pub const IS_DEFAULT_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";
/// `networkingv1beta1.AnnotationIngressClass`.
pub const INGRESS_CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";

/// The first minor version that picks the newest of several defaults instead of refusing.
const NEWEST_DEFAULT_SINCE: u32 = 25;

/// The error of 1.24 for several defaults (`errors.NewInternalError`).
pub fn several_defaults_message(count: usize) -> String {
    format!("Internal error occurred: {count} default IngressClasses were found, only 1 allowed")
}

impl Plugin for DefaultIngressClass {
    fn name(&self) -> &'static str {
        "DefaultIngressClass"
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
        let Some(Object::Ingress(ingress)) = a.object.as_mut() else {
            return Ok(());
        };
        let has_class = ingress
            .spec
            .as_ref()
            .is_some_and(|s| s.ingress_class_name.is_some());
        let annotated = ingress
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|an| an.contains_key(INGRESS_CLASS_ANNOTATION));
        if has_class || annotated {
            return Ok(());
        }
        let defaults: Vec<_> = c
            .store
            .list("IngressClass")
            .filter_map(|s| match &s.obj {
                Object::IngressClass(ic)
                    if ic
                        .metadata
                        .annotations
                        .as_ref()
                        .and_then(|an| an.get(IS_DEFAULT_ANNOTATION))
                        .map(String::as_str)
                        == Some("true") =>
                {
                    Some(ic.as_ref())
                }
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
                ingress
                    .spec
                    .get_or_insert_with(Default::default)
                    .ingress_class_name = Some(class);
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
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
               "metadata": {"name": name, "annotations": {IS_DEFAULT_ANNOTATION: default}},
               "spec": {"controller": "k8s.io/ingress-nginx"}})
    }

    fn ingress(extra: Value) -> Value {
        let mut v = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}});
        merge(&mut v, extra);
        v
    }

    fn class_of(v: &Value) -> Value {
        v.pointer("/spec/ingressClassName")
            .cloned()
            .unwrap_or(Value::Null)
    }

    #[test]
    fn an_ingress_without_a_class_gets_the_default() {
        let got = run(
            &DefaultIngressClass,
            Request::create(ingress(json!({})))
                .with(&[class("nginx", "true"), class("other", "false")]),
        )
        .unwrap();
        assert_eq!(class_of(&got), "nginx");
    }

    #[test]
    fn a_class_name_or_the_legacy_annotation_is_kept() {
        let classes = [class("nginx", "true")];
        let got = run(
            &DefaultIngressClass,
            Request::create(ingress(json!({"spec": {"ingressClassName": "traefik"}})))
                .with(&classes),
        )
        .unwrap();
        assert_eq!(class_of(&got), "traefik");
        let got = run(
            &DefaultIngressClass,
            Request::create(ingress(
                json!({"metadata": {"annotations": {INGRESS_CLASS_ANNOTATION: "traefik"}}}),
            ))
            .with(&classes),
        )
        .unwrap();
        assert_eq!(class_of(&got), Value::Null);
    }

    #[test]
    fn without_a_default_nothing_changes() {
        let got = run(
            &DefaultIngressClass,
            Request::create(ingress(json!({}))).with(&[class("nginx", "True")]),
        )
        .unwrap();
        assert_eq!(class_of(&got), Value::Null);
    }

    #[test]
    fn several_defaults_are_refused_in_1_24() {
        let err = run(
            &DefaultIngressClass,
            Request::create(ingress(json!({})))
                .with(&[class("a", "true"), class("b", "true")])
                .minor(24),
        )
        .unwrap_err();
        assert_eq!(err, "ingresses.networking.k8s.io \"web\" is forbidden: Internal error occurred: 2 default IngressClasses were found, only 1 allowed");
    }

    #[test]
    fn since_1_25_the_newest_default_wins_then_the_smaller_name() {
        let got = run(
            &DefaultIngressClass,
            Request::create(ingress(json!({})))
                .with(&[class("b", "true"), class("a", "true")])
                .minor(25),
        )
        .unwrap();
        assert_eq!(class_of(&got), "a");
        let got = run(
            &DefaultIngressClass,
            Request::create(ingress(json!({})))
                .with(&[class("a", "true")])
                .later(&[class("z", "true")]),
        )
        .unwrap();
        assert_eq!(class_of(&got), "z");
    }

    #[test]
    fn updates_and_other_kinds_are_left_alone() {
        let classes = [class("nginx", "true")];
        let got = run(
            &DefaultIngressClass,
            Request::update(ingress(json!({})), ingress(json!({}))).with(&classes),
        )
        .unwrap();
        assert_eq!(class_of(&got), Value::Null);
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "default"},
            "spec": {"ports": [{"port": 80}]}});
        let got = run(&DefaultIngressClass, Request::create(svc).with(&classes)).unwrap();
        assert_eq!(class_of(&got), Value::Null);
    }
}
