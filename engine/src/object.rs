//! The kinds the simulated API server serves, as typed objects.
//!
//! Types come from `k8s-openapi`; this module only knows, for each kind, its group, version,
//! resource name and scope (what `kubectl api-resources` lists), and turns a typed object back
//! into JSON. Decoding lives in `decode.rs`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{ClusterResourceScope, Metadata, NamespaceResourceScope, Resource};
use serde_json::Value;

use k8s_openapi::api::admissionregistration::v1 as admissionregistration;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::certificates::v1 as certificates;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::api::node::v1 as node;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::api::storage::v1 as storage;

/// What the API server knows about one kind.
#[derive(Debug, PartialEq, Eq)]
pub struct KindInfo {
    pub kind: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub api_version: &'static str,
    /// The resource name: `pods`, `limitranges`.
    pub plural: &'static str,
    pub namespaced: bool,
    /// `kubectl` short names (`po`, `ns`, `deploy`).
    pub short_names: &'static [&'static str],
}

impl KindInfo {
    /// The lowercase singular `kubectl` prints before the slash: `pod`, `deployment.apps`.
    pub fn singular(&self) -> String {
        let lower = self.kind.to_ascii_lowercase();
        if self.group.is_empty() {
            lower
        } else {
            format!("{lower}.{}", self.group)
        }
    }

    /// The resource as kubectl names it in messages: `pods`, `deployments.apps`.
    pub fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

trait Scope {
    const NAMESPACED: bool;
}
impl Scope for NamespaceResourceScope {
    const NAMESPACED: bool = true;
}
impl Scope for ClusterResourceScope {
    const NAMESPACED: bool = false;
}

/// A served kind's Rust type: `Store::typed::<ReplicaSet>()` lists its objects typed.
pub trait Typed: Sized {
    const KIND: &'static str;
    fn from_object(o: &Object) -> Option<&Self>;
}

macro_rules! kinds {
    ($( $variant:ident => $ty:ty, [$($short:literal),*] );* $(;)?) => {
        /// An object of one of the served kinds.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Object {
            $( $variant(Box<$ty>), )*
        }

        $( impl Typed for $ty {
            const KIND: &'static str = <$ty as Resource>::KIND;
            fn from_object(o: &Object) -> Option<&Self> {
                match o {
                    Object::$variant(x) => Some(x),
                    _ => None,
                }
            }
        } )*

        /// Every served kind, in the order `kubectl api-resources` would group them.
        pub static KINDS: &[KindInfo] = &[
            $( KindInfo {
                kind: <$ty as Resource>::KIND,
                group: <$ty as Resource>::GROUP,
                version: <$ty as Resource>::VERSION,
                api_version: <$ty as Resource>::API_VERSION,
                plural: <$ty as Resource>::URL_PATH_SEGMENT,
                namespaced: <<$ty as Resource>::Scope as Scope>::NAMESPACED,
                short_names: &[$($short),*],
            }, )*
        ];

        impl Object {
            pub fn info(&self) -> &'static KindInfo {
                let kind = match self { $( Object::$variant(_) => <$ty as Resource>::KIND, )* };
                KINDS.iter().find(|k| k.kind == kind).unwrap_or(&KINDS[0])
            }

            pub fn meta(&self) -> &ObjectMeta {
                match self { $( Object::$variant(o) => o.metadata(), )* }
            }

            pub fn meta_mut(&mut self) -> &mut ObjectMeta {
                match self { $( Object::$variant(o) => o.metadata_mut(), )* }
            }

            /// The object as the API server would return it in JSON.
            pub fn to_value(&self) -> Value {
                let v = match self { $( Object::$variant(o) => serde_json::to_value(o.as_ref()), )* };
                v.unwrap_or(Value::Null)
            }

            /// Decodes a JSON object already known to be of `kind`; unknown fields are reported
            /// through `ignored` as dotted paths.
            pub(crate) fn decode_kind(
                kind: &str,
                value: Value,
                ignored: &mut dyn FnMut(String),
            ) -> Option<Result<Object, crate::decode::TypeError>> {
                match kind {
                    $( k if k == <$ty as Resource>::KIND => Some(
                        crate::decode::typed::<$ty>(value, ignored).map(|o| Object::$variant(Box::new(o)))
                    ), )*
                    _ => None,
                }
            }
        }
    };
}

kinds! {
    Namespace => core::Namespace, ["ns"];
    Node => core::Node, ["no"];
    Pod => core::Pod, ["po"];
    ServiceAccount => core::ServiceAccount, ["sa"];
    ConfigMap => core::ConfigMap, ["cm"];
    Secret => core::Secret, [];
    Service => core::Service, ["svc"];
    Endpoints => core::Endpoints, ["ep"];
    EndpointSlice => discovery::EndpointSlice, [];
    LimitRange => core::LimitRange, ["limits"];
    ResourceQuota => core::ResourceQuota, ["quota"];
    PersistentVolume => core::PersistentVolume, ["pv"];
    PersistentVolumeClaim => core::PersistentVolumeClaim, ["pvc"];
    Event => core::Event, ["ev"];
    Deployment => apps::Deployment, ["deploy"];
    ReplicaSet => apps::ReplicaSet, ["rs"];
    StatefulSet => apps::StatefulSet, ["sts"];
    DaemonSet => apps::DaemonSet, ["ds"];
    Job => batch::Job, [];
    CronJob => batch::CronJob, ["cj"];
    StorageClass => storage::StorageClass, ["sc"];
    Role => rbac::Role, [];
    ClusterRole => rbac::ClusterRole, [];
    RoleBinding => rbac::RoleBinding, [];
    ClusterRoleBinding => rbac::ClusterRoleBinding, [];
    NetworkPolicy => networking::NetworkPolicy, ["netpol"];
    Ingress => networking::Ingress, ["ing"];
    IngressClass => networking::IngressClass, [];
    PriorityClass => scheduling::PriorityClass, ["pc"];
    PodDisruptionBudget => policy::PodDisruptionBudget, ["pdb"];
    PodSecurityPolicy => crate::psp::PodSecurityPolicy, ["psp"];
    RuntimeClass => node::RuntimeClass, [];
    CertificateSigningRequest => certificates::CertificateSigningRequest, ["csr"];
    MutatingWebhookConfiguration => admissionregistration::MutatingWebhookConfiguration, [];
    ValidatingWebhookConfiguration => admissionregistration::ValidatingWebhookConfiguration, [];
    ValidatingAdmissionPolicy => admissionregistration::ValidatingAdmissionPolicy, [];
    ValidatingAdmissionPolicyBinding => admissionregistration::ValidatingAdmissionPolicyBinding, [];
}

/// Kinds served only in some of the simulated versions: `(api_version, kind, first minor,
/// last minor)`. A kind not listed is served by every simulated version.
pub static SERVED: &[(&str, &str, u32, u32)] = &[
    ("policy/v1beta1", "PodSecurityPolicy", 0, 24),
    // GA in 1.21; 1.20 served only their v1beta1 versions (CronJob and PodDisruptionBudget are
    // converted from theirs, see DEPRECATED; EndpointSlice's is not simulated).
    ("policy/v1", "PodDisruptionBudget", 21, u32::MAX),
    ("batch/v1", "CronJob", 21, u32::MAX),
    ("discovery.k8s.io/v1", "EndpointSlice", 21, u32::MAX),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
        30,
        u32::MAX,
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicyBinding",
        30,
        u32::MAX,
    ),
];

/// Whether a cluster of minor version `minor` serves this kind.
pub fn served_in(info: &KindInfo, minor: u32) -> bool {
    SERVED
        .iter()
        .find(|(av, k, _, _)| *av == info.api_version && *k == info.kind)
        .is_none_or(|(_, _, from, to)| (*from..=*to).contains(&minor))
}

/// Whether a cluster of minor version `minor` has the kind's resource in some version: an
/// older version it still served counts, simulated or not (`discovery.k8s.io/v1beta1`
/// EndpointSlices on 1.20). For resource names, which carry no version (`kubectl auth can-i`).
pub fn resource_served_in(info: &KindInfo, minor: u32) -> bool {
    served_in(info, minor)
        || REMOVED_APIS.iter().any(|(av, k, last)| {
            let group = av.rsplit_once('/').map_or("", |(g, _)| g);
            *k == info.kind && group == info.group && minor <= *last
        })
}

/// API versions a kind was once served under and when they stopped being served, so that a
/// manifest for an older cluster gets kubectl's `no matches for kind` on a newer one.
/// `(api_version, kind, last minor version that served it)`. From the Kubernetes deprecated API
/// migration guide (kubernetes/website content/en/docs/reference/using-api/deprecation-guide.md).
pub static REMOVED_APIS: &[(&str, &str, u32)] = &[
    ("extensions/v1beta1", "Deployment", 15),
    ("extensions/v1beta1", "DaemonSet", 15),
    ("extensions/v1beta1", "ReplicaSet", 15),
    ("extensions/v1beta1", "NetworkPolicy", 15),
    ("extensions/v1beta1", "PodSecurityPolicy", 15),
    ("apps/v1beta1", "Deployment", 15),
    ("apps/v1beta1", "StatefulSet", 15),
    ("apps/v1beta2", "Deployment", 15),
    ("apps/v1beta2", "StatefulSet", 15),
    ("apps/v1beta2", "DaemonSet", 15),
    ("apps/v1beta2", "ReplicaSet", 15),
    ("extensions/v1beta1", "Ingress", 21),
    ("networking.k8s.io/v1beta1", "Ingress", 21),
    ("networking.k8s.io/v1beta1", "IngressClass", 21),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", 21),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        21,
    ),
    ("rbac.authorization.k8s.io/v1beta1", "Role", 21),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", 21),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", 21),
    ("storage.k8s.io/v1beta1", "StorageClass", 21),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        21,
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        21,
    ),
    (
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        21,
    ),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", 24),
    ("events.k8s.io/v1beta1", "Event", 24),
    ("node.k8s.io/v1beta1", "RuntimeClass", 24),
    ("batch/v1beta1", "CronJob", 24),
    ("policy/v1beta1", "PodDisruptionBudget", 24),
    ("policy/v1beta1", "PodSecurityPolicy", 24),
];

/// Deprecated API versions, with the minor version that deprecated them (the types'
/// `zz_generated.prerelease-lifecycle.go`). Where the version's kind is simulated in another
/// version (v1), the API server converts it: those objects are the same as the v1 ones, so
/// kubefiddle stores the v1 object. The last version that served each is in `REMOVED_APIS`.
pub static DEPRECATED: &[(&str, &str, u32)] = &[
    ("policy/v1beta1", "PodSecurityPolicy", 21),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", 17),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        17,
    ),
    ("rbac.authorization.k8s.io/v1beta1", "Role", 17),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", 17),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", 14),
    ("storage.k8s.io/v1beta1", "StorageClass", 19),
    ("batch/v1beta1", "CronJob", 21),
    ("policy/v1beta1", "PodDisruptionBudget", 21),
];

/// A deprecated version's entry, its last served minor, and the simulated kind it converts to
/// when that is another version (`None` for a kind simulated in this very version).
fn deprecated_entry(
    api_version: &str,
    kind: &str,
) -> Option<(u32, u32, Option<&'static KindInfo>)> {
    let (_, _, deprecated) = DEPRECATED
        .iter()
        .find(|(av, k, _)| *av == api_version && *k == kind)?;
    let (_, _, last) = REMOVED_APIS
        .iter()
        .find(|(av, k, _)| *av == api_version && *k == kind)?;
    let converted = KINDS
        .iter()
        .find(|k| k.kind == kind && k.api_version != api_version);
    Some((*deprecated, *last, converted))
}

/// The simulated kind an older served version converts to on a cluster of `minor`
/// (`batch/v1beta1` CronJob → `batch/v1` until 1.24).
pub fn older_version(api_version: &str, kind: &str, minor: u32) -> Option<&'static KindInfo> {
    deprecated_entry(api_version, kind)
        .filter(|(_, last, _)| minor <= *last)
        .and_then(|(_, _, converted)| converted)
}

/// The API server's warning for a request in a deprecated version it still serves:
/// `<apiVersion> <Kind> is deprecated in v1.<d>+, unavailable in v1.<r>+`, then `; use
/// <replacement>` where there is one (`k8s.io/apiserver/pkg/endpoints/deprecation`).
pub fn deprecation_warning(api_version: &str, kind: &str, minor: u32) -> Option<String> {
    let (deprecated, last, converted) = deprecated_entry(api_version, kind)?;
    if minor < deprecated || minor > last {
        return None;
    }
    let removed = last.saturating_add(1);
    let mut w = format!(
        "{api_version} {kind} is deprecated in v1.{deprecated}+, unavailable in v1.{removed}+"
    );
    if let Some(v1) = converted {
        w.push_str(&format!("; use {} {kind}", v1.api_version));
    }
    Some(w)
}

/// Looks a kind up by `apiVersion` and `kind`.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static KindInfo> {
    KINDS
        .iter()
        .find(|k| k.api_version == api_version && k.kind == kind)
}

/// Looks a resource up the way kubectl resolves the first argument of `kubectl get|delete|scale`:
/// plural, singular, short name or kind, optionally qualified by group (`deployments.apps`).
pub fn resolve_resource(arg: &str) -> Option<&'static KindInfo> {
    let lower = arg.to_ascii_lowercase();
    let (name, group) = match lower.split_once('.') {
        Some((n, g)) => (n.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    KINDS.iter().find(|k| {
        let group_ok = group.as_deref().is_none_or(|g| g == k.group);
        group_ok
            && (k.plural == name
                || k.kind.to_ascii_lowercase() == name
                || k.short_names.contains(&name.as_str()))
    })
}

/// `namespace/name`, or `name` for cluster-scoped objects.
pub fn key_of(meta: &ObjectMeta) -> String {
    match &meta.namespace {
        Some(ns) => format!("{ns}/{}", meta.name.as_deref().unwrap_or("")),
        None => meta.name.clone().unwrap_or_default(),
    }
}

impl Object {
    pub fn name(&self) -> &str {
        self.meta().name.as_deref().unwrap_or("")
    }

    pub fn namespace(&self) -> Option<&str> {
        self.meta().namespace.as_deref()
    }

    pub fn as_pod(&self) -> Option<&core::Pod> {
        match self {
            Object::Pod(p) => Some(p),
            _ => None,
        }
    }

    pub fn as_node(&self) -> Option<&core::Node> {
        match self {
            Object::Node(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_namespace(&self) -> Option<&core::Namespace> {
        match self {
            Object::Namespace(n) => Some(n),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_know_their_resource_names_and_scope() {
        let pod = lookup("v1", "Pod").unwrap();
        assert_eq!((pod.plural, pod.namespaced), ("pods", true));
        let node = lookup("v1", "Node").unwrap();
        assert!(!node.namespaced);
        let deploy = lookup("apps/v1", "Deployment").unwrap();
        assert_eq!(deploy.singular(), "deployment.apps");
        assert_eq!(deploy.resource(), "deployments.apps");
        assert!(lookup("v1", "Deployment").is_none());
    }

    #[test]
    fn kubectl_resource_arguments_resolve() {
        for (arg, kind) in [
            ("po", "Pod"),
            ("pods", "Pod"),
            ("pod", "Pod"),
            ("deploy", "Deployment"),
            ("deployments.apps", "Deployment"),
            ("no", "Node"),
            ("ns", "Namespace"),
            ("sts", "StatefulSet"),
        ] {
            assert_eq!(resolve_resource(arg).map(|k| k.kind), Some(kind), "{arg}");
        }
        assert!(resolve_resource("widgets").is_none());
    }
}
