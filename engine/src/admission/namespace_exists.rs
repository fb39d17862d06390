//! NamespaceExists: refuses any request in a namespace that does not exist (the older,
//! stricter half of NamespaceLifecycle).
//!
//! Follows `plugin/pkg/admission/namespace/exists/admission.go` in kubernetes/kubernetes: a
//! validating plugin for CREATE, UPDATE and DELETE of namespaced objects other than Namespaces;
//! a missing namespace is the client's NotFound error, `namespaces "<ns>" not found`.

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::status::ApiError;

pub struct NamespaceExists;

impl Plugin for NamespaceExists {
    fn name(&self) -> &'static str {
        "NamespaceExists"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(
            op,
            Operation::Create | Operation::Update | Operation::Delete
        )
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if a.namespace.is_empty() || (a.kind.kind == "Namespace" && a.kind.group.is_empty()) {
            return Ok(());
        }
        if c.store.get_obj("Namespace", "", &a.namespace).is_some() {
            return Ok(());
        }
        Err(ApiError::not_found("namespaces", &a.namespace).from_plugin(self.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{config_map, containers, pod_in, run_full, Req};
    use crate::status::Reason;
    use serde_json::json;

    #[test]
    fn a_pod_in_a_missing_namespace_is_not_found() {
        let e = run_full(
            &NamespaceExists,
            Req::create(pod_in("prod", json!({"containers": containers()}))),
        )
        .unwrap_err();
        assert_eq!(e.reason, Reason::NotFound);
        assert_eq!(e.message, "namespaces \"prod\" not found");
        assert_eq!(e.source, "NamespaceExists");
    }

    #[test]
    fn existing_namespaces_namespaces_themselves_and_cluster_scoped_kinds_pass() {
        assert!(run_full(
            &NamespaceExists,
            Req::create(pod_in("default", json!({"containers": containers()})))
        )
        .is_ok());
        assert!(run_full(&NamespaceExists, Req::create(config_map())).is_ok());
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "new"}});
        assert!(run_full(&NamespaceExists, Req::create(ns)).is_ok());
        let pc = json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
            "metadata": {"name": "high"}, "value": 10});
        assert!(run_full(&NamespaceExists, Req::create(pc)).is_ok());
    }
}
