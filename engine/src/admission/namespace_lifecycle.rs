//! NamespaceLifecycle: no new objects in a namespace that does not exist or is being deleted,
//! and the system namespaces can never be deleted.
//!
//! Follows `plugin/pkg/admission/namespace/lifecycle/admission.go` in kubernetes/kubernetes.

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::status::ApiError;

pub struct NamespaceLifecycle;

/// Namespaces that may never be deleted (`immortalNamespaces`).
pub const IMMORTAL: &[&str] = &["default", "kube-system", "kube-public"];

/// The message for content created in a terminating namespace.
pub fn terminating_message(namespace: &str) -> String {
    format!("unable to create new content in namespace {namespace} because it is being terminated")
}

impl Plugin for NamespaceLifecycle {
    fn name(&self) -> &'static str {
        "NamespaceLifecycle"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(
            op,
            Operation::Create | Operation::Update | Operation::Delete
        )
    }

    /// Upstream implements `Admit`, so the check runs in the mutating pass, first in the chain:
    /// a pod in a missing namespace is refused before ServiceAccount looks for its account.
    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        // Deleting one of the immortal namespaces is refused.
        if a.operation == Operation::Delete && a.kind.kind == "Namespace" {
            if IMMORTAL.contains(&a.name.as_str()) {
                return Err(ApiError::forbidden(
                    "namespaces",
                    &a.name,
                    "this namespace may not be deleted",
                    self.name(),
                ));
            }
            return Ok(());
        }
        // Cluster-scoped objects and namespaces themselves are not checked.
        if a.namespace.is_empty() || a.kind.kind == "Namespace" {
            return Ok(());
        }
        // Objects may always be deleted, even from a terminating namespace.
        if a.operation == Operation::Delete {
            return Ok(());
        }
        let Some(ns) = c.store.get_obj("Namespace", "", &a.namespace) else {
            return Err(ApiError::not_found("namespaces", &a.namespace).from_plugin(self.name()));
        };
        let terminating = ns
            .as_namespace()
            .and_then(|n| n.status.as_ref())
            .and_then(|s| s.phase.as_deref())
            == Some("Terminating");
        if terminating && a.operation == Operation::Create {
            return Err(ApiError::forbidden(
                &a.kind.resource(),
                &a.name,
                &terminating_message(&a.namespace),
                self.name(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{lookup, Object};
    use crate::settings::{Settings, UserInfo};
    use crate::store::Store;
    use k8s_openapi::api::core::v1::{Namespace, NamespaceStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn store_with(ns: &str, phase: &str) -> Store {
        let mut s = Store::new();
        s.insert_new(
            Object::Namespace(Box::new(Namespace {
                metadata: ObjectMeta {
                    name: Some(ns.into()),
                    ..Default::default()
                },
                status: Some(NamespaceStatus {
                    phase: Some(phase.into()),
                    ..Default::default()
                }),
                ..Default::default()
            })),
            None,
        );
        s
    }

    fn check(store: &Store, op: Operation, kind: &str, ns: &str, name: &str) -> Result<(), String> {
        let user = UserInfo::default();
        let settings = Settings::default();
        let mut a = Attributes {
            operation: op,
            kind: lookup(
                if kind == "Pod" || kind == "Namespace" {
                    "v1"
                } else {
                    "apps/v1"
                },
                kind,
            )
            .unwrap(),
            namespace: ns.into(),
            name: name.into(),
            subresource: String::new(),
            object: None,
            old_object: None,
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        NamespaceLifecycle
            .admit(
                &mut a,
                &ClusterView {
                    store,
                    settings: &settings,
                },
            )
            .map_err(|e| e.message)
    }

    #[test]
    fn creating_in_a_missing_namespace_is_not_found() {
        let s = store_with("dev", "Active");
        assert_eq!(
            check(&s, Operation::Create, "Pod", "prod", "web"),
            Err("namespaces \"prod\" not found".into())
        );
        assert_eq!(check(&s, Operation::Create, "Pod", "dev", "web"), Ok(()));
    }

    #[test]
    fn a_terminating_namespace_takes_no_new_content_but_allows_deletes() {
        let s = store_with("dev", "Terminating");
        assert_eq!(
            check(&s, Operation::Create, "Deployment", "dev", "web"),
            Err("deployments.apps \"web\" is forbidden: unable to create new content in namespace dev because it is being terminated".into())
        );
        assert_eq!(check(&s, Operation::Delete, "Pod", "dev", "web"), Ok(()));
        assert_eq!(check(&s, Operation::Update, "Pod", "dev", "web"), Ok(()));
    }

    #[test]
    fn system_namespaces_may_not_be_deleted() {
        let s = Store::new();
        assert_eq!(
            check(&s, Operation::Delete, "Namespace", "", "kube-system"),
            Err(
                "namespaces \"kube-system\" is forbidden: this namespace may not be deleted".into()
            )
        );
        assert_eq!(check(&s, Operation::Delete, "Namespace", "", "dev"), Ok(()));
    }
}
