//! AlwaysDeny: refuses every request (deprecated since 1.13; useful only to see a rejection).
//!
//! Follows `plugin/pkg/admission/deny/admission.go` in kubernetes/kubernetes: every operation,
//! both passes, `admission.NewForbidden(a, "admission control is denying all modifications")`.
//! It runs last in the chain (`AllOrderedPlugins` ends with it), so a request reaches it only
//! when every other mutating plugin admitted it.

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct AlwaysDeny;

/// The error every request gets.
pub const DENY_MESSAGE: &str = "admission control is denying all modifications";

/// The name `admission.NewForbidden` puts in its message (`extractResourceName` in
/// k8s.io/apiserver/pkg/admission/errors.go): the request's name, else the object's name, else
/// its generateName, else `Unknown`.
pub(crate) fn forbidden_name(a: &Attributes) -> String {
    if !a.name.is_empty() {
        return a.name.clone();
    }
    let meta = a.object.as_ref().map(Object::meta);
    meta.and_then(|m| m.name.clone().filter(|n| !n.is_empty()))
        .or_else(|| meta.and_then(|m| m.generate_name.clone().filter(|n| !n.is_empty())))
        .unwrap_or_else(|| "Unknown".to_string())
}

/// `admission.NewForbidden(a, err)`: `<resource> "<name>" is forbidden: <err>`.
pub(crate) fn forbidden(a: &Attributes, err: &str, plugin: &str) -> ApiError {
    ApiError::forbidden(&a.kind.resource(), &forbidden_name(a), err, plugin)
}

impl Plugin for AlwaysDeny {
    fn name(&self) -> &'static str {
        "AlwaysDeny"
    }

    fn handles(&self, _op: Operation) -> bool {
        true
    }

    fn mutating(&self) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        Err(forbidden(a, DENY_MESSAGE, self.name()))
    }

    fn validate(&self, a: &Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        Err(forbidden(a, DENY_MESSAGE, self.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{config_map, containers, pod, run_full, Req};
    use crate::status::Reason;
    use serde_json::json;

    #[test]
    fn a_pod_is_refused_in_the_mutating_pass() {
        let e = run_full(
            &AlwaysDeny,
            Req::create(pod(json!({"containers": containers()}))),
        )
        .unwrap_err();
        assert_eq!(e.reason, Reason::Forbidden);
        assert_eq!(
            e.message,
            "pods \"p\" is forbidden: admission control is denying all modifications"
        );
        assert_eq!(e.source, "AlwaysDeny");
    }

    #[test]
    fn every_kind_and_operation_is_refused_too() {
        let e = run_full(&AlwaysDeny, Req::delete(config_map())).unwrap_err();
        assert_eq!(
            e.message,
            "configmaps \"cm\" is forbidden: admission control is denying all modifications"
        );
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}});
        let e = run_full(&AlwaysDeny, Req::create(ns)).unwrap_err();
        assert_eq!(
            e.message,
            "namespaces \"dev\" is forbidden: admission control is denying all modifications"
        );
    }
}
