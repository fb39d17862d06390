//! Static pods: pod manifests in a node's manifest directory (`staticPodPath`), run by that
//! node's kubelet without the scheduler, and shown in the API as mirror pods — `<name>-<node>`,
//! annotated `kubernetes.io/config.mirror`, `kubernetes.io/config.source: file`, owned by the
//! Node. Deleting a mirror pod through the API does not stop the static pod: the kubelet creates
//! the mirror again.
//!
//! A scenario declares them with kubefiddle's `StaticPod` document (see `scenario.rs`):
//!
//! ```yaml
//! apiVersion: kubefiddle.dev/v1alpha1
//! kind: StaticPod
//! node: kind-worker          # whose /etc/kubernetes/manifests it is in
//! pod:                       # the manifest file's content
//!   apiVersion: v1
//!   kind: Pod
//!   metadata: {name: web}
//!   spec: {containers: [{name: web, image: nginx}]}
//! ```
//!
//! Follows `pkg/kubelet/config/common.go` (`applyDefaults`: the uid from a hash of the manifest
//! and the node, the name `<name>-<node>`, namespace `default`, `nodeName`, the
//! `kubernetes.io/config.hash` annotation, a toleration of every NoExecute taint, phase Pending),
//! `pkg/kubelet/config/config.go` (the `kubernetes.io/config.source` and `config.seen`
//! annotations) and `pkg/kubelet/pod/mirror_client.go` (`CreateMirrorPod`: the
//! `kubernetes.io/config.mirror` annotation with the pod's hash, the controller ownerReference to
//! the Node; created as the node's user `system:node:<node>`, so NodeRestriction applies).
//! The manifests are read when the cluster starts, as a kubelet reads its directory on start.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use crate::apiserver::Cluster;
use crate::controllers::fnv32a;
use crate::object::Object;
use crate::settings::UserInfo;
use crate::store::ObjRef;

pub const CONFIG_MIRROR: &str = "kubernetes.io/config.mirror";
pub const CONFIG_HASH: &str = "kubernetes.io/config.hash";
pub const CONFIG_SOURCE: &str = "kubernetes.io/config.source";
pub const CONFIG_SEEN: &str = "kubernetes.io/config.seen";

/// A static pod as the node's kubelet holds it (after `applyDefaults`).
#[derive(Clone, Debug, PartialEq)]
pub struct StaticPod {
    pub node: String,
    pub pod: Pod,
}

/// A 32-hex-digit hash (upstream: md5 of the manifest and `host:<node>file:<path>`).
fn hash_hex(manifest: &str, node: &str) -> String {
    (0..4u8)
        .map(|i| {
            let seed = format!("{i}\u{0}{node}\u{0}{manifest}");
            format!("{:08x}", fnv32a(seed.as_bytes()))
        })
        .collect()
}

/// `applyDefaults` for a manifest read from a file on `node`.
pub fn from_manifest(mut pod: Pod, node: &str) -> StaticPod {
    let manifest = serde_json::to_string(&pod).unwrap_or_default();
    let uid = hash_hex(&manifest, node);
    let name = pod.metadata.name.clone().unwrap_or_default();
    pod.metadata.name = Some(format!("{name}-{}", node.to_lowercase()));
    if pod.metadata.namespace.as_deref().unwrap_or("").is_empty() {
        pod.metadata.namespace = Some("default".into());
    }
    let spec = pod.spec.get_or_insert_with(Default::default);
    spec.node_name = Some(node.to_string());
    let all_no_execute = Toleration {
        operator: Some("Exists".into()),
        effect: Some("NoExecute".into()),
        ..Toleration::default()
    };
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    if !tolerations.contains(&all_no_execute) {
        tolerations.push(all_no_execute);
    }
    let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert(CONFIG_HASH.into(), uid);
    annotations.insert(CONFIG_SOURCE.into(), "file".into());
    pod.status = None;
    StaticPod {
        node: node.to_string(),
        pod,
    }
}

fn node_user(node: &str) -> UserInfo {
    UserInfo {
        name: format!("system:node:{node}"),
        groups: vec!["system:nodes".into(), "system:authenticated".into()],
    }
}

/// The mirror pod of a static pod (`CreateMirrorPod`).
pub fn mirror_pod(sp: &StaticPod, node_uid: &str, seen: &str) -> Pod {
    let mut pod = sp.pod.clone();
    let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert(CONFIG_SEEN.into(), seen.to_string());
    let hash = annotations.get(CONFIG_HASH).cloned().unwrap_or_default();
    annotations.insert(CONFIG_MIRROR.into(), hash);
    pod.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "v1".into(),
        kind: "Node".into(),
        name: sp.node.clone(),
        uid: node_uid.to_string(),
        controller: Some(true),
        block_owner_deletion: None,
    }]);
    pod
}

pub fn reconcile(c: &mut Cluster) -> bool {
    let mut changed = false;
    let pods = c.controller_state.static_pods.clone();
    for sp in pods {
        let Some(node_uid) = c
            .store
            .get_obj("Node", "", &sp.node)
            .and_then(|n| n.meta().uid.clone())
        else {
            continue;
        };
        let ns = sp.pod.metadata.namespace.clone().unwrap_or_default();
        let name = sp.pod.metadata.name.clone().unwrap_or_default();
        if c.store.contains(&ObjRef::new("Pod", &ns, &name)) {
            continue;
        }
        let seen = c.store.timestamp().0.to_string();
        let mirror = mirror_pod(&sp, &node_uid, &seen);
        // A refused mirror changes nothing (the kubelet logs it and tries again later).
        if c.create_internal(Object::Pod(Box::new(mirror)), &node_user(&sp.node))
            .is_ok()
        {
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Pod {
        serde_json::from_value(serde_json::json!({"metadata": {"name": "web"},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]}}))
        .unwrap_or_default()
    }

    #[test]
    fn apply_defaults_names_binds_and_tolerates() {
        let sp = from_manifest(manifest(), "kind-worker");
        assert_eq!(sp.pod.metadata.name.as_deref(), Some("web-kind-worker"));
        assert_eq!(sp.pod.metadata.namespace.as_deref(), Some("default"));
        let spec = sp.pod.spec.clone().unwrap_or_default();
        assert_eq!(spec.node_name.as_deref(), Some("kind-worker"));
        let t = spec.tolerations.unwrap_or_default();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].operator.as_deref(), Some("Exists"));
        assert_eq!(t[0].effect.as_deref(), Some("NoExecute"));
        assert_eq!(t[0].key, None);
        let a = sp.pod.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(a.get(CONFIG_SOURCE).map(String::as_str), Some("file"));
        assert_eq!(a.get(CONFIG_HASH).map(String::len), Some(32));
        assert_ne!(
            from_manifest(manifest(), "kind-worker2")
                .pod
                .metadata
                .annotations
                .and_then(|a| a.get(CONFIG_HASH).cloned()),
            a.get(CONFIG_HASH).cloned(),
            "the hash depends on the node"
        );
    }

    #[test]
    fn the_mirror_pod_names_its_hash_and_its_node() {
        let sp = from_manifest(manifest(), "kind-worker");
        let m = mirror_pod(&sp, "node-uid", "2025-01-01T00:00:00Z");
        let a = m.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(a.get(CONFIG_MIRROR), a.get(CONFIG_HASH));
        let owner = m
            .metadata
            .owner_references
            .unwrap_or_default()
            .first()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
            ("Node", "kind-worker", "node-uid")
        );
        assert_eq!(owner.controller, Some(true));
    }
}
