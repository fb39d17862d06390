//! The service account controller: every active namespace has a `default` ServiceAccount.
//!
//! Follows `pkg/controller/serviceaccount/serviceaccounts_controller.go` in kubernetes/kubernetes.

use crate::apiserver::{decode_value, Cluster};

pub fn reconcile(c: &mut Cluster) -> bool {
    let missing: Vec<String> = c
        .store
        .list("Namespace")
        .filter(|s| {
            let active = s
                .obj
                .as_namespace()
                .and_then(|n| n.status.as_ref())
                .and_then(|st| st.phase.as_deref())
                != Some("Terminating");
            active
                && c.store
                    .get_obj("ServiceAccount", s.obj.name(), "default")
                    .is_none()
        })
        .map(|s| s.obj.name().to_string())
        .collect();
    for ns in &missing {
        let v = serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": ns}});
        if let Ok(obj) = decode_value(v) {
            c.store.insert_new(obj, None);
        }
    }
    !missing.is_empty()
}
