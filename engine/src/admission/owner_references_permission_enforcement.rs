//! OwnerReferencesPermissionEnforcement: changing an object's `metadata.ownerReferences` needs
//! permission to delete the object, and a reference with `blockOwnerDeletion: true` needs
//! permission to update the owner's `finalizers` subresource.
//!
//! Follows `plugin/pkg/admission/gc/gc_admission.go` in kubernetes/kubernetes (Validate on
//! CREATE and UPDATE; `pods/status` is exempt). On CREATE the delete check is skipped: whoever
//! may create the object may as well never have created it. Before looking owners up, one
//! check asks whether the user may update `*/finalizers` of everything
//! (`finalizeAnythingRecord`). Denials quote the authorizer's reason and error: RBAC gives an
//! empty reason and no error, hence `: , <nil>`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::auth::{self, Decision, Request};
use crate::object::{self, Object};
use crate::status::ApiError;

pub struct OwnerReferencesPermissionEnforcement;

/// The refusal when the user may not delete the object (`reason, err` of the authorizer).
pub fn cannot_delete_message(reason: &str) -> String {
    format!("cannot set an ownerRef on a resource you can't delete: {reason}, <nil>")
}

/// The refusal when the user may not set finalizers on an owner.
pub fn cannot_finalize_message(reason: &str) -> String {
    format!("cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: {reason}, <nil>")
}

/// The refusal when an owner's kind is not served.
pub fn no_mapping_message(r: &OwnerReference, err: &str) -> String {
    format!(
        "cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion {} Kind {}: {err}",
        r.api_version, r.kind
    )
}

fn owner_refs(o: Option<&Object>) -> Vec<OwnerReference> {
    o.and_then(|o| o.meta().owner_references.clone())
        .unwrap_or_default()
}

/// `isChangingOwnerReference`.
fn is_changing(new: &[OwnerReference], old: Option<&[OwnerReference]>) -> bool {
    match old {
        None => !new.is_empty(),
        Some(old) => old != new,
    }
}

fn blocking(r: &OwnerReference) -> bool {
    r.block_owner_deletion == Some(true)
}

/// `newBlockingOwnerDeletionRefs`: blocking references that are new, or were not blocking.
fn new_blocking(new: &[OwnerReference], old: Option<&[OwnerReference]>) -> Vec<OwnerReference> {
    new.iter()
        .filter(|r| blocking(r))
        .filter(|r| match old {
            None => true,
            Some(old) => !old.iter().any(|o| o.uid == r.uid && blocking(o)),
        })
        .cloned()
        .collect()
}

/// The resource of an owner reference (`RESTMappings` for its group, kind and version), or
/// the mapper's error.
fn owner_resource(r: &OwnerReference, minor: u32) -> Result<&'static object::KindInfo, String> {
    if r.api_version.matches('/').count() > 1 {
        return Err(format!("unexpected GroupVersion string: {}", r.api_version));
    }
    object::lookup(&r.api_version, &r.kind)
        .filter(|info| object::served_in(info, minor))
        .ok_or_else(|| {
            format!(
                "no matches for kind {:?} in version {:?}",
                r.kind, r.api_version
            )
        })
}

impl Plugin for OwnerReferencesPermissionEnforcement {
    fn name(&self) -> &'static str {
        "OwnerReferencesPermissionEnforcement"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if a.kind.kind == "Pod" && a.subresource == "status" {
            return Ok(());
        }
        let Some(new_obj) = a.object.as_ref() else {
            return Ok(());
        };
        let new = owner_refs(Some(new_obj));
        let old_refs = a.old_object.map(|o| owner_refs(Some(o)));
        let old = old_refs.as_deref();
        if !is_changing(&new, old) {
            return Ok(());
        }
        let name = if a.name.is_empty() {
            "Unknown"
        } else {
            &a.name
        };
        let forbidden = |msg: &str| ApiError::forbidden(&a.kind.resource(), name, msg, self.name());
        let decide = |req: &Request| auth::authorize(c.store, a.user, req);
        if a.operation != Operation::Create {
            let delete = Request {
                verb: "delete".into(),
                api_group: a.kind.group.into(),
                resource: a.kind.plural.into(),
                subresource: a.subresource.clone(),
                namespace: a.namespace.clone(),
                name: a.name.clone(),
            };
            if let Decision::Deny(reason) = decide(&delete) {
                return Err(forbidden(&cannot_delete_message(&reason)));
            }
        }
        let blocking_refs = new_blocking(&new, old);
        if blocking_refs.is_empty() {
            return Ok(());
        }
        let finalize_anything = Request {
            verb: "update".into(),
            api_group: "*".into(),
            resource: "*".into(),
            subresource: "finalizers".into(),
            namespace: String::new(),
            name: "*".into(),
        };
        if decide(&finalize_anything) == Decision::Allow {
            return Ok(());
        }
        for r in &blocking_refs {
            let info = owner_resource(r, c.settings.minor)
                .map_err(|e| forbidden(&no_mapping_message(r, &e)))?;
            let finalize = Request {
                verb: "update".into(),
                api_group: info.group.into(),
                resource: info.plural.into(),
                subresource: "finalizers".into(),
                namespace: a.namespace.clone(),
                name: r.name.clone(),
            };
            if let Decision::Deny(reason) = decide(&finalize) {
                return Err(forbidden(&cannot_finalize_message(&reason)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testkit::{run, Request as Req};
    use serde_json::{json, Value};

    const ALICE: &str = "alice";

    /// alice may do `verbs` on `resources` in namespace dev.
    fn alice_may(resources: &[&str], verbs: &[&str]) -> [Value; 2] {
        [
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "r", "namespace": "dev"},
                "rules": [{"apiGroups": ["", "apps"], "resources": resources, "verbs": verbs}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "alice", "namespace": "dev"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": ALICE}]}),
        ]
    }

    fn owner(kind: &str, api_version: &str, name: &str, block: Option<bool>) -> Value {
        let mut v = json!({"apiVersion": api_version, "kind": kind, "name": name, "uid": format!("uid-{name}")});
        if let Some(b) = block {
            v["blockOwnerDeletion"] = json!(b);
        }
        v
    }

    fn cm(owners: &[Value]) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "dev", "ownerReferences": owners}})
    }

    fn as_alice(req: Req) -> Req {
        req.user(ALICE, &["system:authenticated"])
    }

    #[test]
    fn creating_with_owner_references_needs_no_delete_permission() {
        let rbac = alice_may(&["configmaps"], &["create"]);
        let req = Req::create(cm(&[owner("Deployment", "apps/v1", "web", None)])).with(&rbac);
        assert!(run(&OwnerReferencesPermissionEnforcement, as_alice(req)).is_ok());
    }

    #[test]
    fn changing_owner_references_needs_delete_permission() {
        let rbac = alice_may(&["configmaps"], &["update", "patch"]);
        let req =
            Req::update(cm(&[owner("Deployment", "apps/v1", "web", None)]), cm(&[])).with(&rbac);
        assert_eq!(
            run(&OwnerReferencesPermissionEnforcement, as_alice(req)).unwrap_err(),
            "configmaps \"settings\" is forbidden: cannot set an ownerRef on a resource you can't delete: , <nil>"
        );
        let rbac = alice_may(&["configmaps"], &["update", "delete"]);
        let req =
            Req::update(cm(&[owner("Deployment", "apps/v1", "web", None)]), cm(&[])).with(&rbac);
        assert!(run(&OwnerReferencesPermissionEnforcement, as_alice(req)).is_ok());
    }

    #[test]
    fn unchanged_owner_references_need_nothing() {
        let refs = [owner("Deployment", "apps/v1", "web", Some(true))];
        let req = Req::update(cm(&refs), cm(&refs));
        assert!(run(&OwnerReferencesPermissionEnforcement, as_alice(req)).is_ok());
    }

    #[test]
    fn blocking_owner_deletion_needs_update_on_the_owners_finalizers() {
        let blocking = [owner("Deployment", "apps/v1", "web", Some(true))];
        let rbac = alice_may(&["configmaps"], &["create"]);
        let req = Req::create(cm(&blocking)).with(&rbac);
        assert_eq!(
            run(&OwnerReferencesPermissionEnforcement, as_alice(req)).unwrap_err(),
            "configmaps \"settings\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>"
        );
        let rbac = alice_may(
            &["configmaps", "deployments/finalizers"],
            &["create", "update"],
        );
        let req = Req::create(cm(&blocking)).with(&rbac);
        assert!(run(&OwnerReferencesPermissionEnforcement, as_alice(req)).is_ok());
    }

    #[test]
    fn only_newly_blocking_references_are_checked() {
        let rbac = alice_may(&["configmaps"], &["update", "delete"]);
        // From nil or false to true: checked.
        for before in [None, Some(false)] {
            let req = Req::update(
                cm(&[owner("Deployment", "apps/v1", "web", Some(true))]),
                cm(&[owner("Deployment", "apps/v1", "web", before)]),
            )
            .with(&rbac);
            assert!(run(&OwnerReferencesPermissionEnforcement, as_alice(req)).is_err());
        }
        // From true to false: not.
        let req = Req::update(
            cm(&[owner("Deployment", "apps/v1", "web", Some(false))]),
            cm(&[owner("Deployment", "apps/v1", "web", Some(true))]),
        )
        .with(&rbac);
        assert!(run(&OwnerReferencesPermissionEnforcement, as_alice(req)).is_ok());
    }

    #[test]
    fn an_owner_kind_the_cluster_does_not_serve_cannot_be_mapped() {
        let rbac = alice_may(&["configmaps"], &["create"]);
        let req =
            Req::create(cm(&[owner("Widget", "example.com/v1", "w", Some(true))])).with(&rbac);
        assert_eq!(
            run(&OwnerReferencesPermissionEnforcement, as_alice(req)).unwrap_err(),
            "configmaps \"settings\" is forbidden: cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion example.com/v1 Kind Widget: no matches for kind \"Widget\" in version \"example.com/v1\""
        );
    }

    #[test]
    fn cluster_admins_may_block_any_owner() {
        let req = Req::create(cm(&[owner("Widget", "example.com/v1", "w", Some(true))]));
        assert!(run(&OwnerReferencesPermissionEnforcement, req).is_ok());
    }

    #[test]
    fn pod_status_and_deletes_are_left_alone() {
        let pod = |owners: &[Value]| {
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": "dev", "ownerReferences": owners},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
        };
        let req = Req::update(
            pod(&[owner("Deployment", "apps/v1", "web", Some(true))]),
            pod(&[]),
        )
        .subresource("status");
        assert!(run(&OwnerReferencesPermissionEnforcement, as_alice(req)).is_ok());
        let req = Req::delete(cm(&[owner("Deployment", "apps/v1", "web", Some(true))]));
        assert!(run(&OwnerReferencesPermissionEnforcement, as_alice(req)).is_ok());
    }
}
