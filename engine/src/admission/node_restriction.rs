//! NodeRestriction: what a kubelet (user `system:node:<name>` in group `system:nodes`) may do
//! to its own Node, to pods (only mirror pods bound to itself), to persistent volume claims
//! (only their status) and, since 1.31, which certificate requests it may file.
//!
//! Follows `plugin/pkg/admission/noderestriction/admission.go` in kubernetes/kubernetes (a
//! mutating plugin that only refuses), with the node identity of
//! `pkg/auth/nodeidentifier/default.go` and the labels a kubelet may set from
//! `staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go`. By version: pods may not project
//! ClusterTrustBundles from 1.29; kubelet CSRs are checked from 1.31
//! (`AllowInsecureKubeletCertificateSigningRequests`, off by default); the allocated resources
//! of a claim's status are the kubelet's from 1.32 (`RecoverVolumeExpansionFailure` on); a node
//! may not change its own ownerReferences from 1.34.0 (CVE-2025-5187,
//! kubernetes/kubernetes#133467).
//!
//! Leases, CSINodes, ResourceSlices and ServiceAccount token requests, which the plugin also
//! guards, are not served by kubefiddle.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Container, EphemeralContainer, PersistentVolumeClaim, Pod};
use serde_json::Value;

use super::certificates::{
    parse_csr, KUBELET_SERVING_SIGNER, KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
};
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::settings::UserInfo;
use crate::status::ApiError;

pub struct NodeRestriction;

const NODE_USER_PREFIX: &str = "system:node:";
const NODES_GROUP: &str = "system:nodes";
/// `api.MirrorPodAnnotationKey`.
pub const MIRROR_POD_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// `v1.LabelNamespaceNodeRestriction`.
pub const NODE_RESTRICTION_LABEL_NAMESPACE: &str = "node-restriction.kubernetes.io";

/// Label keys a kubelet may set on its own Node (`kubeletLabels`).
const KUBELET_LABELS: &[&str] = &[
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
];
/// Label namespaces (and their subdomains) a kubelet may set (`kubeletLabelNamespaces`).
const KUBELET_LABEL_NAMESPACES: &[&str] = &["kubelet.kubernetes.io", "node.kubernetes.io"];

/// `NodeIdentity`: the node name of a node user, `Some("")` for `system:node:` itself, `None`
/// for everyone else.
pub fn node_identity(user: &UserInfo) -> Option<&str> {
    let name = user.name.strip_prefix(NODE_USER_PREFIX)?;
    user.groups.iter().any(|g| g == NODES_GROUP).then_some(name)
}

fn label_namespace(key: &str) -> &str {
    key.split_once('/').map(|(ns, _)| ns).unwrap_or("")
}

fn in_namespace(ns: &str, domain: &str) -> bool {
    ns == domain
        || ns
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// `kubeletapis.IsKubeletLabel`.
pub fn is_kubelet_label(key: &str) -> bool {
    KUBELET_LABELS.contains(&key)
        || KUBELET_LABEL_NAMESPACES
            .iter()
            .any(|d| in_namespace(label_namespace(key), d))
}

/// `isKubernetesLabel`: in the `kubernetes.io` or `k8s.io` namespaces or their subdomains.
fn is_kubernetes_label(key: &str) -> bool {
    let ns = label_namespace(key);
    in_namespace(ns, "kubernetes.io") || in_namespace(ns, "k8s.io")
}

/// Keys added, removed or changed between two label maps (`getModifiedLabels`).
fn modified_labels(
    a: Option<&BTreeMap<String, String>>,
    b: Option<&BTreeMap<String, String>>,
) -> BTreeSet<String> {
    let empty = BTreeMap::new();
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .chain(b.iter().filter(|(k, v)| a.get(*k) != Some(*v)))
        .map(|(k, _)| k.clone())
        .collect()
}

/// `getForbiddenLabels`, sorted.
fn forbidden_labels(modified: &BTreeSet<String>) -> Vec<String> {
    modified
        .iter()
        .filter(|k| {
            in_namespace(label_namespace(k), NODE_RESTRICTION_LABEL_NAMESPACE)
                || (is_kubernetes_label(k) && !is_kubelet_label(k))
        })
        .cloned()
        .collect()
}

fn all_containers(pod: &Pod) -> Vec<&Container> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    spec.init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .collect()
}

fn ephemeral_containers(pod: &Pod) -> impl Iterator<Item = &EphemeralContainer> {
    pod.spec
        .as_ref()
        .and_then(|s| s.ephemeral_containers.as_ref())
        .into_iter()
        .flatten()
}

/// `podutil.VisitPodSecretNames` with all containers: whether the pod names any secret.
fn references_secrets(pod: &Pod) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    if spec
        .image_pull_secrets
        .as_ref()
        .is_some_and(|s| !s.is_empty())
    {
        return true;
    }
    let env_uses = |env_from: Option<&Vec<k8s_openapi::api::core::v1::EnvFromSource>>,
                    env: Option<&Vec<k8s_openapi::api::core::v1::EnvVar>>| {
        env_from
            .into_iter()
            .flatten()
            .any(|e| e.secret_ref.is_some())
            || env.into_iter().flatten().any(|e| {
                e.value_from
                    .as_ref()
                    .is_some_and(|v| v.secret_key_ref.is_some())
            })
    };
    if all_containers(pod)
        .iter()
        .any(|c| env_uses(c.env_from.as_ref(), c.env.as_ref()))
        || ephemeral_containers(pod).any(|c| env_uses(c.env_from.as_ref(), c.env.as_ref()))
    {
        return true;
    }
    spec.volumes.iter().flatten().any(|v| {
        v.azure_file
            .as_ref()
            .is_some_and(|s| !s.secret_name.is_empty())
            || v.cephfs.as_ref().is_some_and(|s| s.secret_ref.is_some())
            || v.cinder.as_ref().is_some_and(|s| s.secret_ref.is_some())
            || v.flex_volume
                .as_ref()
                .is_some_and(|s| s.secret_ref.is_some())
            || v.projected
                .as_ref()
                .is_some_and(|p| p.sources.iter().flatten().any(|s| s.secret.is_some()))
            || v.rbd.as_ref().is_some_and(|s| s.secret_ref.is_some())
            || v.secret.is_some()
            || v.scale_io.is_some()
            || v.iscsi.as_ref().is_some_and(|s| s.secret_ref.is_some())
            || v.storageos.as_ref().is_some_and(|s| s.secret_ref.is_some())
            || v.csi
                .as_ref()
                .is_some_and(|s| s.node_publish_secret_ref.is_some())
    })
}

/// `podutil.VisitPodConfigmapNames` with all containers: whether the pod names any configmap.
fn references_config_maps(pod: &Pod) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    let env_uses = |env_from: Option<&Vec<k8s_openapi::api::core::v1::EnvFromSource>>,
                    env: Option<&Vec<k8s_openapi::api::core::v1::EnvVar>>| {
        env_from
            .into_iter()
            .flatten()
            .any(|e| e.config_map_ref.is_some())
            || env.into_iter().flatten().any(|e| {
                e.value_from
                    .as_ref()
                    .is_some_and(|v| v.config_map_key_ref.is_some())
            })
    };
    if all_containers(pod)
        .iter()
        .any(|c| env_uses(c.env_from.as_ref(), c.env.as_ref()))
        || ephemeral_containers(pod).any(|c| env_uses(c.env_from.as_ref(), c.env.as_ref()))
    {
        return true;
    }
    spec.volumes.iter().flatten().any(|v| {
        v.config_map.is_some()
            || v.projected
                .as_ref()
                .is_some_and(|p| p.sources.iter().flatten().any(|s| s.config_map.is_some()))
    })
}

/// A lister's NotFound (`errors.NewNotFound(v1.Resource("pod"), name)`: singular resource).
fn lister_not_found(resource: &str, name: &str) -> ApiError {
    ApiError::not_found(resource, name).from_plugin("NodeRestriction")
}

/// A PVC as JSON without the fields a kubelet may change through `status`.
fn pvc_without_kubelet_fields(pvc: &PersistentVolumeClaim, minor: u32) -> Value {
    let mut v = serde_json::to_value(pvc).unwrap_or(Value::Null);
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
        meta.remove("managedFields");
    }
    if let Some(status) = v.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("capacity");
        status.remove("conditions");
        if minor >= 32 {
            status.remove("allocatedResourceStatuses");
            status.remove("allocatedResources");
        }
    }
    v
}

/// The differing leaves of two JSON values, as `-path: old` / `+path: new` lines.
fn json_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                json_diff(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a != b => {
            out.push(format!("-{path}: {a}"));
            out.push(format!("+{path}: {b}"));
        }
        _ => {}
    }
}

struct Check<'a, 'b, 'c> {
    a: &'a Attributes<'b>,
    c: &'a ClusterView<'c>,
    node: &'a str,
}

impl Check<'_, '_, '_> {
    fn forbidden(&self, msg: &str) -> ApiError {
        let name = if !self.a.name.is_empty() {
            self.a.name.clone()
        } else {
            self.a
                .object
                .as_ref()
                .map(|o| o.name().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "Unknown".to_string())
        };
        ApiError::forbidden(&self.a.kind.resource(), &name, msg, "NodeRestriction")
    }

    fn stored_pod(&self, name: &str) -> Option<&Pod> {
        self.c
            .store
            .get_obj("Pod", &self.a.namespace, name)
            .and_then(Object::as_pod)
    }

    fn pod(&self) -> Result<(), ApiError> {
        let node = self.node;
        match self.a.operation {
            Operation::Create => self.pod_create(),
            Operation::Delete => {
                let Some(existing) = self.stored_pod(&self.a.name) else {
                    return Err(lister_not_found("pod", &self.a.name));
                };
                if existing.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(node) {
                    return Err(self.forbidden(&format!(
                        "node {node:?} can only delete pods with spec.nodeName set to itself"
                    )));
                }
                Ok(())
            }
            op => Err(self.forbidden(&format!(
                "unexpected operation {:?}, node {node:?} can only create and delete mirror pods",
                op_name(op)
            ))),
        }
    }

    fn pod_create(&self) -> Result<(), ApiError> {
        let node = self.node;
        let Some(Object::Pod(pod)) = self.a.object.as_ref() else {
            return Ok(());
        };
        let mirror = pod
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(MIRROR_POD_ANNOTATION));
        if !mirror {
            return Err(self.forbidden(&format!(
                "pod does not have {MIRROR_POD_ANNOTATION:?} annotation, node {node:?} can only create mirror pods"
            )));
        }
        let spec = pod.spec.clone().unwrap_or_default();
        if spec.node_name.as_deref().unwrap_or("") != node {
            return Err(self.forbidden(&format!(
                "node {node:?} can only create pods with spec.nodeName set to itself"
            )));
        }
        let owners = pod.metadata.owner_references.clone().unwrap_or_default();
        if owners.len() > 1 {
            return Err(self.forbidden(&format!(
                "node {node:?} can only create pods with a single owner reference set to itself"
            )));
        }
        let Some(owner) = owners.first() else {
            return Err(self.forbidden(&format!(
                "node {node:?} can only create pods with an owner reference set to itself"
            )));
        };
        if owner.api_version != "v1" || owner.kind != "Node" || owner.name != node {
            return Err(self.forbidden(&format!(
                "node {node:?} can only create pods with an owner reference set to itself"
            )));
        }
        if owner.controller != Some(true) {
            return Err(self.forbidden(&format!(
                "node {node:?} can only create pods with a controller owner reference set to itself"
            )));
        }
        if owner.block_owner_deletion == Some(true) {
            return Err(self.forbidden(&format!(
                "node {node:?} must not set blockOwnerDeletion on an owner reference"
            )));
        }
        let Some(stored) = self.c.store.get_obj("Node", "", node) else {
            return Err(lister_not_found("node", node));
        };
        let uid = stored.meta().uid.clone().unwrap_or_default();
        if owner.uid != uid {
            return Err(self.forbidden(&format!(
                "node {node} UID mismatch: expected {} got {uid}",
                owner.uid
            )));
        }
        if spec
            .service_account_name
            .as_deref()
            .is_some_and(|s| !s.is_empty())
        {
            return Err(self.forbidden(&format!(
                "node {node:?} can not create pods that reference a service account"
            )));
        }
        if references_secrets(pod) {
            return Err(self.forbidden(&format!(
                "node {node:?} can not create pods that reference secrets"
            )));
        }
        if references_config_maps(pod) {
            return Err(self.forbidden(&format!(
                "node {node:?} can not create pods that reference configmaps"
            )));
        }
        let volumes = spec.volumes.clone().unwrap_or_default();
        if self.c.settings.minor >= 29
            && volumes.iter().any(|v| {
                v.projected.as_ref().is_some_and(|p| {
                    p.sources
                        .iter()
                        .flatten()
                        .any(|s| s.cluster_trust_bundle.is_some())
                })
            })
        {
            return Err(self.forbidden(&format!(
                "node {node:?} can not create pods that reference clustertrustbundles"
            )));
        }
        if volumes.iter().any(|v| v.persistent_volume_claim.is_some()) {
            return Err(self.forbidden(&format!(
                "node {node:?} can not create pods that reference persistentvolumeclaims"
            )));
        }
        Ok(())
    }

    fn pod_status(&self) -> Result<(), ApiError> {
        let node = self.node;
        if self.a.operation != Operation::Update {
            return Err(self.forbidden(&format!(
                "unexpected operation {:?}",
                op_name(self.a.operation)
            )));
        }
        let (Some(Object::Pod(old)), Some(Object::Pod(new))) =
            (self.a.old_object, self.a.object.as_ref())
        else {
            return Ok(());
        };
        if old.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(node) {
            return Err(self.forbidden(&format!(
                "node {node:?} can only update pod status for pods with spec.nodeName set to itself"
            )));
        }
        let labels = |p: &Pod| p.metadata.labels.clone().unwrap_or_default();
        if labels(old) != labels(new) {
            return Err(self.forbidden(&format!(
                "node {node:?} cannot update labels through pod status"
            )));
        }
        let claims = |p: &Pod| {
            p.status
                .as_ref()
                .and_then(|s| s.resource_claim_statuses.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|s| (s.name, s.resource_claim_name))
                .collect::<Vec<_>>()
        };
        if self.c.settings.minor >= 28 && claims(old) != claims(new) {
            return Err(self.forbidden(&format!(
                "node {node:?} cannot update resource claim statues"
            )));
        }
        Ok(())
    }

    fn pod_eviction(&self) -> Result<(), ApiError> {
        let node = self.node;
        if self.a.operation != Operation::Create {
            return Err(self.forbidden(&format!(
                "unexpected operation {}",
                op_name(self.a.operation)
            )));
        }
        if self.a.name.is_empty() {
            return Err(self.forbidden("could not determine pod from request data"));
        }
        let Some(existing) = self.stored_pod(&self.a.name) else {
            return Err(lister_not_found("pod", &self.a.name));
        };
        if existing.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(node) {
            return Err(self.forbidden(&format!(
                "node {node} can only evict pods with spec.nodeName set to itself"
            )));
        }
        Ok(())
    }

    fn pvc_status(&self) -> Result<(), ApiError> {
        let node = self.node;
        if self.a.operation != Operation::Update {
            return Err(self.forbidden(&format!(
                "unexpected operation {:?}",
                op_name(self.a.operation)
            )));
        }
        let (Some(Object::PersistentVolumeClaim(old)), Some(Object::PersistentVolumeClaim(new))) =
            (self.a.old_object, self.a.object.as_ref())
        else {
            return Ok(());
        };
        let minor = self.c.settings.minor;
        let (old, new) = (
            pvc_without_kubelet_fields(old, minor),
            pvc_without_kubelet_fields(new, minor),
        );
        if old != new {
            let mut diff = Vec::new();
            json_diff("", &old, &new, &mut diff);
            return Err(self.forbidden(&format!(
                "node {node:?} is not allowed to update fields other than status.quantity and status.conditions: {}",
                diff.join("\n")
            )));
        }
        Ok(())
    }

    fn node(&self) -> Result<(), ApiError> {
        let node = self.node;
        if self.a.name != node {
            return Err(self.forbidden(&format!(
                "node {node:?} is not allowed to modify node {:?}",
                self.a.name
            )));
        }
        let Some(Object::Node(new)) = self.a.object.as_ref() else {
            return Ok(());
        };
        let spec = new.spec.clone().unwrap_or_default();
        match (self.a.operation, self.a.old_object) {
            (Operation::Create, _) => {
                if spec.config_source.is_some() {
                    return Err(self.forbidden(&format!(
                        "node {node:?} is not allowed to create pods with a non-nil configSource"
                    )));
                }
                let forbidden =
                    forbidden_labels(&modified_labels(new.metadata.labels.as_ref(), None));
                if !forbidden.is_empty() {
                    return Err(self.forbidden(&format!(
                        "node {node:?} is not allowed to set the following labels: {}",
                        forbidden.join(", ")
                    )));
                }
            }
            (Operation::Update, Some(Object::Node(old))) => {
                let old_spec = old.spec.clone().unwrap_or_default();
                if spec.config_source.is_some() && spec.config_source != old_spec.config_source {
                    return Err(self.forbidden(&format!(
                        "node {node:?} is not allowed to update configSource to a new non-nil configSource"
                    )));
                }
                if spec.taints.clone().unwrap_or_default()
                    != old_spec.taints.clone().unwrap_or_default()
                {
                    return Err(
                        self.forbidden(&format!("node {node:?} is not allowed to modify taints"))
                    );
                }
                if self.c.settings.minor >= 34
                    && new.metadata.owner_references.clone().unwrap_or_default()
                        != old.metadata.owner_references.clone().unwrap_or_default()
                {
                    return Err(self.forbidden(&format!(
                        "node {node:?} is not allowed to modify ownerReferences"
                    )));
                }
                let forbidden = forbidden_labels(&modified_labels(
                    new.metadata.labels.as_ref(),
                    old.metadata.labels.as_ref(),
                ));
                if !forbidden.is_empty() {
                    return Err(self.forbidden(&format!(
                        "is not allowed to modify labels: {}",
                        forbidden.join(", ")
                    )));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn csr(&self) -> Result<(), ApiError> {
        let node = self.node;
        if self.a.operation != Operation::Create {
            return Ok(());
        }
        let Some(Object::CertificateSigningRequest(csr)) = self.a.object.as_ref() else {
            return Ok(());
        };
        let signer = csr.spec.signer_name.as_str();
        if signer != KUBELET_SERVING_SIGNER && signer != KUBE_APISERVER_CLIENT_KUBELET_SIGNER {
            return Ok(());
        }
        let parsed = parse_csr(&csr.spec.request.0)
            .map_err(|e| self.forbidden(&format!("unable to parse csr: {e}")))?;
        if parsed.common_name != format!("{NODE_USER_PREFIX}{node}") {
            return Err(self.forbidden(&format!(
                "can only create a node CSR with CN={NODE_USER_PREFIX}{node}"
            )));
        }
        Ok(())
    }
}

/// `admission.Operation` as Go prints it.
fn op_name(op: Operation) -> &'static str {
    match op {
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
        Operation::Connect => "CONNECT",
    }
}

impl Plugin for NodeRestriction {
    fn name(&self) -> &'static str {
        "NodeRestriction"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(
            op,
            Operation::Create | Operation::Update | Operation::Delete
        )
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let user = a.user;
        let Some(node) = node_identity(user) else {
            return Ok(());
        };
        let check = Check { a, c, node };
        if node.is_empty() {
            return Err(check.forbidden(&format!(
                "could not determine node from user {:?}",
                user.name
            )));
        }
        match (a.kind.kind, a.kind.group) {
            ("Pod", "") => match a.subresource.as_str() {
                "" => check.pod(),
                "status" => check.pod_status(),
                "eviction" => check.pod_eviction(),
                other => Err(check.forbidden(&format!(
                    "unexpected pod subresource {other:?}, only 'status' and 'eviction' are allowed"
                ))),
            },
            ("Node", "") => check.node(),
            ("PersistentVolumeClaim", "") => match a.subresource.as_str() {
                "status" => check.pvc_status(),
                _ => Err(check.forbidden("may only update PVC status")),
            },
            ("CertificateSigningRequest", "certificates.k8s.io") if c.settings.minor >= 31 => {
                check.csr()
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::certificates::fixtures::{csr, KIND_WORKER, KIND_WORKER2};
    use crate::admission::testkit::{run, run_full, Request};
    use serde_json::json;

    const WORKER: &str = "kind-worker";

    fn as_node(req: Request, node: &str) -> Request {
        req.user(
            &format!("system:node:{node}"),
            &["system:nodes", "system:authenticated"],
        )
    }

    fn node(labels: Value, taints: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": WORKER, "uid": "node-uid", "labels": labels},
            "spec": {"taints": taints}})
    }

    fn node_update(new: Value, old: Value) -> Result<Value, String> {
        run(&NodeRestriction, as_node(Request::update(new, old), WORKER))
    }

    #[test]
    fn other_users_are_not_restricted() {
        let req = Request::update(
            node(json!({"node-role.kubernetes.io/worker": ""}), json!(null)),
            node(json!({}), json!(null)),
        );
        assert!(run(&NodeRestriction, req).is_ok());
        let req = Request::update(
            node(json!({"node-role.kubernetes.io/worker": ""}), json!(null)),
            node(json!({}), json!(null)),
        )
        .user("system:node:kind-worker", &["system:authenticated"]);
        assert!(run(&NodeRestriction, req).is_ok());
    }

    #[test]
    fn a_node_user_without_a_name_is_refused() {
        let req = Request::update(node(json!({}), json!(null)), node(json!({}), json!(null)));
        let err = run(&NodeRestriction, as_node(req, "")).unwrap_err();
        assert_eq!(
            err,
            "nodes \"kind-worker\" is forbidden: could not determine node from user \"system:node:\""
        );
    }

    #[test]
    fn a_node_may_only_modify_itself() {
        let req = Request::update(node(json!({}), json!(null)), node(json!({}), json!(null)));
        assert_eq!(
            run(&NodeRestriction, as_node(req, "kind-worker2")).unwrap_err(),
            "nodes \"kind-worker\" is forbidden: node \"kind-worker2\" is not allowed to modify node \"kind-worker\""
        );
    }

    #[test]
    fn a_node_may_change_kubelet_labels_only() {
        assert!(node_update(
            node(
                json!({"kubernetes.io/hostname": "x", "node.kubernetes.io/exclude-from-external-load-balancers": "", "example.com/disk": "ssd", "a.kubelet.kubernetes.io/x": "1"}),
                json!(null)
            ),
            node(json!({}), json!(null))
        )
        .is_ok());
        assert_eq!(
            node_update(
                node(
                    json!({"node-role.kubernetes.io/worker": "", "node-restriction.kubernetes.io/pool": "a", "example.k8s.io/x": "y"}),
                    json!(null)
                ),
                node(json!({}), json!(null))
            )
            .unwrap_err(),
            "nodes \"kind-worker\" is forbidden: is not allowed to modify labels: example.k8s.io/x, node-restriction.kubernetes.io/pool, node-role.kubernetes.io/worker"
        );
        // Removing one is a modification too.
        assert!(node_update(
            node(json!({}), json!(null)),
            node(
                json!({"node-role.kubernetes.io/control-plane": ""}),
                json!(null)
            )
        )
        .is_err());
    }

    #[test]
    fn a_node_may_not_change_its_taints() {
        let taint = json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]);
        assert_eq!(
            node_update(node(json!({}), json!(null)), node(json!({}), taint.clone())).unwrap_err(),
            "nodes \"kind-worker\" is forbidden: node \"kind-worker\" is not allowed to modify taints"
        );
        assert!(node_update(node(json!({}), json!([])), node(json!({}), json!(null))).is_ok());
        assert!(node_update(node(json!({}), taint.clone()), node(json!({}), taint)).is_ok());
    }

    #[test]
    fn since_1_34_a_node_may_not_change_its_owner_references() {
        let mut owned = node(json!({}), json!(null));
        owned["metadata"]["ownerReferences"] =
            json!([{"apiVersion": "v1", "kind": "Namespace", "name": "gone", "uid": "u"}]);
        let err = node_update(owned.clone(), node(json!({}), json!(null))).unwrap_err();
        assert_eq!(
            err,
            "nodes \"kind-worker\" is forbidden: node \"kind-worker\" is not allowed to modify ownerReferences"
        );
        let req = as_node(Request::update(owned, node(json!({}), json!(null))), WORKER).minor(33);
        assert!(run(&NodeRestriction, req).is_ok());
    }

    #[test]
    fn a_node_registers_without_restricted_labels_or_config_source() {
        let create = |v: Value| run(&NodeRestriction, as_node(Request::create(v), WORKER));
        assert!(create(node(json!({"kubernetes.io/os": "linux"}), json!(null))).is_ok());
        assert_eq!(
            create(node(json!({"node-role.kubernetes.io/worker": ""}), json!(null))).unwrap_err(),
            "nodes \"kind-worker\" is forbidden: node \"kind-worker\" is not allowed to set the following labels: node-role.kubernetes.io/worker"
        );
        let mut with_source = node(json!({}), json!(null));
        with_source["spec"]["configSource"] = json!({"configMap": {"name": "c", "namespace": "kube-system", "kubeletConfigKey": "k"}});
        assert_eq!(
            create(with_source).unwrap_err(),
            "nodes \"kind-worker\" is forbidden: node \"kind-worker\" is not allowed to create pods with a non-nil configSource"
        );
    }

    fn mirror(extra: Value) -> Value {
        let mut v = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "etcd-kind-worker", "namespace": "kube-system",
                "annotations": {"kubernetes.io/config.mirror": "hash"},
                "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": WORKER,
                                     "uid": "UID", "controller": true}]},
            "spec": {"nodeName": WORKER, "containers": [{"name": "c", "image": "etcd"}]}});
        crate::admission::testkit::merge(&mut v, extra);
        v
    }

    /// Creates a pod as kind-worker in a cluster whose kind-worker Node (uid `UID`) exists.
    fn create_pod(pod: Value, minor: u32) -> Result<Value, String> {
        let the_node =
            json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": WORKER, "uid": "UID"}});
        run_full(
            &NodeRestriction,
            as_node(Request::create(pod), WORKER)
                .with(&[the_node])
                .minor(minor),
        )
        .map_err(|e| e.message)
    }

    #[test]
    fn a_node_creates_only_mirror_pods_of_its_own() {
        let bound = run_full(
            &NodeRestriction,
            as_node(Request::create(mirror(json!({}))), WORKER),
        );
        // Without the Node object the lister answers NotFound.
        let err = bound.unwrap_err();
        assert_eq!(err.message, "node \"kind-worker\" not found");
        assert_eq!(err.reason, crate::status::Reason::NotFound);
        assert!(create_pod(mirror(json!({})), 34).is_ok());
        let prefix = "pods \"etcd-kind-worker\" is forbidden: ";
        for (extra, want) in [
            (json!({"metadata": {"annotations": {"kubernetes.io/config.mirror": null}}}),
             "pod does not have \"kubernetes.io/config.mirror\" annotation, node \"kind-worker\" can only create mirror pods"),
            (json!({"spec": {"nodeName": "kind-worker2"}}),
             "node \"kind-worker\" can only create pods with spec.nodeName set to itself"),
            (json!({"metadata": {"ownerReferences": []}}),
             "node \"kind-worker\" can only create pods with an owner reference set to itself"),
            (json!({"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "d", "uid": "u"}]}}),
             "node \"kind-worker\" can only create pods with an owner reference set to itself"),
            (json!({"metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": WORKER, "uid": "UID"}]}}),
             "node \"kind-worker\" can only create pods with a controller owner reference set to itself"),
            (json!({"metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": WORKER, "uid": "UID", "controller": true, "blockOwnerDeletion": true}]}}),
             "node \"kind-worker\" must not set blockOwnerDeletion on an owner reference"),
            (json!({"metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": WORKER, "uid": "other", "controller": true}]}}),
             "node kind-worker UID mismatch: expected other got UID"),
            (json!({"spec": {"serviceAccountName": "default"}}),
             "node \"kind-worker\" can not create pods that reference a service account"),
            (json!({"spec": {"imagePullSecrets": [{"name": "regcred"}]}}),
             "node \"kind-worker\" can not create pods that reference secrets"),
            (json!({"spec": {"volumes": [{"name": "s", "secret": {"secretName": "s"}}]}}),
             "node \"kind-worker\" can not create pods that reference secrets"),
            (json!({"spec": {"containers": [{"name": "c", "image": "etcd", "envFrom": [{"configMapRef": {"name": "cm"}}]}]}}),
             "node \"kind-worker\" can not create pods that reference configmaps"),
            (json!({"spec": {"volumes": [{"name": "p", "projected": {"sources": [{"clusterTrustBundle": {"name": "b", "path": "b.pem"}}]}}]}}),
             "node \"kind-worker\" can not create pods that reference clustertrustbundles"),
            (json!({"spec": {"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}}),
             "node \"kind-worker\" can not create pods that reference persistentvolumeclaims"),
        ] {
            assert_eq!(
                create_pod(mirror(extra.clone()), 34).unwrap_err(),
                format!("{prefix}{want}"),
                "{extra}"
            );
        }
        // Before 1.29 a ClusterTrustBundle projection was not checked.
        let ctb = json!({"spec": {"volumes": [{"name": "p", "projected": {"sources": [{"clusterTrustBundle": {"name": "b", "path": "b.pem"}}]}}]}});
        assert!(create_pod(mirror(ctb), 28).is_ok());
    }

    fn bound_pod(node_name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": "nginx"}]}})
    }

    #[test]
    fn a_node_deletes_only_pods_bound_to_it_and_never_updates_them() {
        assert!(run(
            &NodeRestriction,
            as_node(Request::delete(bound_pod(WORKER)), WORKER)
        )
        .is_ok());
        assert_eq!(
            run(&NodeRestriction, as_node(Request::delete(bound_pod("kind-worker2")), WORKER))
                .unwrap_err(),
            "pods \"web\" is forbidden: node \"kind-worker\" can only delete pods with spec.nodeName set to itself"
        );
        assert_eq!(
            run(
                &NodeRestriction,
                as_node(Request::update(bound_pod(WORKER), bound_pod(WORKER)), WORKER)
            )
            .unwrap_err(),
            "pods \"web\" is forbidden: unexpected operation \"UPDATE\", node \"kind-worker\" can only create and delete mirror pods"
        );
    }

    #[test]
    fn pod_status_and_eviction_are_limited_to_the_nodes_pods() {
        let status = |new: Value, old: Value| {
            run(
                &NodeRestriction,
                as_node(Request::update(new, old).subresource("status"), WORKER),
            )
        };
        assert!(status(bound_pod(WORKER), bound_pod(WORKER)).is_ok());
        assert_eq!(
            status(bound_pod("kind-worker2"), bound_pod("kind-worker2")).unwrap_err(),
            "pods \"web\" is forbidden: node \"kind-worker\" can only update pod status for pods with spec.nodeName set to itself"
        );
        let mut relabeled = bound_pod(WORKER);
        relabeled["metadata"]["labels"] = json!({"app": "other"});
        assert_eq!(
            status(relabeled, bound_pod(WORKER)).unwrap_err(),
            "pods \"web\" is forbidden: node \"kind-worker\" cannot update labels through pod status"
        );
        let evict = |pod: Value| {
            run(
                &NodeRestriction,
                as_node(Request::delete(pod.clone()), WORKER).subresource("eviction"),
            )
        };
        // An eviction is a CREATE of the subresource; as a DELETE it is unexpected.
        assert_eq!(
            evict(bound_pod(WORKER)).unwrap_err(),
            "pods \"web\" is forbidden: unexpected operation DELETE"
        );
        let req = as_node(Request::create(bound_pod("kind-worker2")), WORKER)
            .with(&[bound_pod("kind-worker2")])
            .subresource("eviction");
        assert_eq!(
            run(&NodeRestriction, req).unwrap_err(),
            "pods \"web\" is forbidden: node kind-worker can only evict pods with spec.nodeName set to itself"
        );
        let req = as_node(Request::create(bound_pod(WORKER)), WORKER).subresource("logs");
        assert_eq!(
            run(&NodeRestriction, req).unwrap_err(),
            "pods \"web\" is forbidden: unexpected pod subresource \"logs\", only 'status' and 'eviction' are allowed"
        );
    }

    fn claim(labels: Value, capacity: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default", "labels": labels},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            "status": {"phase": "Bound", "capacity": {"storage": capacity}}})
    }

    #[test]
    fn a_node_may_only_update_claim_capacity_and_conditions() {
        let req = as_node(
            Request::update(claim(json!({}), "2Gi"), claim(json!({}), "1Gi")).subresource("status"),
            WORKER,
        );
        assert!(run(&NodeRestriction, req).is_ok());
        let req = as_node(
            Request::update(claim(json!({"a": "b"}), "2Gi"), claim(json!({}), "1Gi"))
                .subresource("status"),
            WORKER,
        );
        let err = run(&NodeRestriction, req).unwrap_err();
        assert!(err.starts_with("persistentvolumeclaims \"data\" is forbidden: node \"kind-worker\" is not allowed to update fields other than status.quantity and status.conditions: "));
        let req = as_node(Request::create(claim(json!({}), "1Gi")), WORKER);
        assert_eq!(
            run(&NodeRestriction, req).unwrap_err(),
            "persistentvolumeclaims \"data\" is forbidden: may only update PVC status"
        );
    }

    #[test]
    fn since_1_31_a_kubelet_csr_must_name_the_node() {
        let request = |pem: &str, minor: u32| {
            run(
                &NodeRestriction,
                as_node(
                    Request::create(csr("node-csr", KUBE_APISERVER_CLIENT_KUBELET_SIGNER, pem)),
                    WORKER,
                )
                .minor(minor),
            )
        };
        assert!(request(KIND_WORKER, 31).is_ok());
        assert_eq!(
            request(KIND_WORKER2, 31).unwrap_err(),
            "certificatesigningrequests.certificates.k8s.io \"node-csr\" is forbidden: can only create a node CSR with CN=system:node:kind-worker"
        );
        assert!(request(KIND_WORKER2, 30).is_ok());
        let other = as_node(
            Request::create(csr("x", "example.com/signer", KIND_WORKER2)),
            WORKER,
        );
        assert!(run(&NodeRestriction, other).is_ok());
    }

    #[test]
    fn other_kinds_are_left_alone() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
        assert!(run(&NodeRestriction, as_node(Request::create(cm), WORKER)).is_ok());
    }
}
