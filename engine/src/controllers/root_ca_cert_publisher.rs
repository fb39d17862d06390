//! The root CA publisher: every active namespace has the `kube-root-ca.crt` ConfigMap that
//! service account token volumes project (and that counts against `count/configmaps` quotas).
//!
//! Follows `pkg/controller/certificates/rootcacertpublisher/publisher.go` in kubernetes/kubernetes.
//! The simulated cluster has no real CA: the certificate body says so.

use crate::apiserver::{decode_value, Cluster};

pub const NAME: &str = "kube-root-ca.crt";
pub const PLACEHOLDER: &str = "-----BEGIN CERTIFICATE-----\nkubefiddle simulates this cluster: it has no real certificate authority\n-----END CERTIFICATE-----\n";

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
            active && c.store.get_obj("ConfigMap", s.obj.name(), NAME).is_none()
        })
        .map(|s| s.obj.name().to_string())
        .collect();
    for ns in &missing {
        let v = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": NAME, "namespace": ns,
                         "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}},
            "data": {"ca.crt": PLACEHOLDER}});
        if let Ok(obj) = decode_value(v) {
            c.store.insert_new(obj, None);
        }
    }
    !missing.is_empty()
}
