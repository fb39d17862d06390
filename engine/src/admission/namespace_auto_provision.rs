//! NamespaceAutoProvision: a request into a namespace that does not exist creates that
//! namespace first, instead of failing.
//!
//! Follows `plugin/pkg/admission/namespace/autoprovision/admission.go` in kubernetes/kubernetes:
//! a mutating plugin for CREATE only, skipping cluster-scoped objects and Namespaces
//! themselves; when the namespace is not in the informer cache it POSTs
//! `{metadata: {name: <ns>}}` through the API server's loopback client (an AlreadyExists
//! answer is fine; any other failure becomes `admission.NewForbidden(a, err)`). It runs before
//! NamespaceLifecycle, which then finds the namespace.
//!
//! The `Plugin` interface gives plugins a read-only view of the store, so the plugin cannot
//! create the namespace itself: [`namespace_to_create`] says which Namespace upstream would
//! create, and the API server has to create it (see the report of this batch). Until then
//! `admit` decides but changes nothing, and NamespaceLifecycle still answers NotFound.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::status::ApiError;

pub struct NamespaceAutoProvision;

/// The Namespace upstream would create for this request, if any: the request is namespaced,
/// is not itself a Namespace, and its namespace does not exist.
pub fn namespace_to_create(a: &Attributes, c: &ClusterView) -> Option<Namespace> {
    if a.operation != Operation::Create
        || a.namespace.is_empty()
        || (a.kind.kind == "Namespace" && a.kind.group.is_empty())
    {
        return None;
    }
    if c.store.get_obj("Namespace", "", &a.namespace).is_some() {
        return None;
    }
    Some(Namespace {
        metadata: ObjectMeta {
            name: Some(a.namespace.clone()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    })
}

impl Plugin for NamespaceAutoProvision {
    fn name(&self) -> &'static str {
        "NamespaceAutoProvision"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        // The creation itself needs the API server (see the module documentation).
        let _ = namespace_to_create(a, c);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{config_map, containers, pod_in, run_full, Req};
    use crate::object::lookup;
    use crate::settings::{Settings, UserInfo};
    use crate::store::Store;
    use serde_json::json;

    fn wants(kind: (&str, &str), ns: &str, op: Operation, store: &Store) -> Option<String> {
        let user = UserInfo::default();
        let settings = Settings::default();
        let a = Attributes {
            operation: op,
            kind: lookup(kind.0, kind.1).unwrap(),
            namespace: ns.into(),
            name: "x".into(),
            subresource: String::new(),
            object: None,
            old_object: None,
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        let view = ClusterView {
            store,
            settings: &settings,
        };
        namespace_to_create(&a, &view).and_then(|n| n.metadata.name)
    }

    #[test]
    fn a_create_in_a_missing_namespace_asks_for_that_namespace() {
        let mut store = Store::new();
        let dev = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}});
        store.insert_new(crate::apiserver::decode_value(dev).unwrap(), None);
        let pod = ("v1", "Pod");
        assert_eq!(
            wants(pod, "prod", Operation::Create, &store),
            Some("prod".into())
        );
        assert_eq!(wants(pod, "dev", Operation::Create, &store), None);
        assert_eq!(wants(pod, "prod", Operation::Update, &store), None);
        assert_eq!(
            wants(("v1", "Namespace"), "", Operation::Create, &store),
            None
        );
        assert_eq!(wants(("v1", "Node"), "", Operation::Create, &store), None);
    }

    #[test]
    fn admit_changes_nothing_on_the_object() {
        let p = pod_in("prod", json!({"containers": containers()}));
        let out = run_full(&NamespaceAutoProvision, Req::create(p)).unwrap();
        assert_eq!(out["metadata"]["namespace"], "prod");
        assert!(run_full(&NamespaceAutoProvision, Req::create(config_map())).is_ok());
    }
}
