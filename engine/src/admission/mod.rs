//! The admission chain: every plugin in kube-apiserver's fixed order, a mutating pass then a
//! validating pass, stopping at the first rejection.
//!
//! Follows `k8s.io/apiserver/pkg/admission/interfaces.go` (Handles / Admit / Validate),
//! `k8s.io/apiserver/pkg/admission/chain.go` (run in order, stop at the first error) and
//! `pkg/kubeapiserver/options/plugins.go` (`AllOrderedPlugins`, `DefaultOffAdmissionPlugins`).
//! One file per plugin, named after the upstream plugin.

mod always_admit;
mod always_deny;
mod always_pull_images;
mod certificate_approval;
mod certificate_signing;
mod certificate_subject_restriction;
mod certificates;
mod default_class;
mod default_ingress_class;
mod default_storage_class;
mod default_toleration_seconds;
mod deny_escalating_exec;
mod deny_exec_on_privileged;
mod deny_service_external_ips;
pub mod event_rate_limit;
mod extended_resource_toleration;
pub mod image_policy_webhook;
mod limit_pod_hard_anti_affinity_topology;
mod limit_ranger;
mod mutating_admission_webhook;
pub mod namespace_auto_provision;
mod namespace_exists;
mod namespace_lifecycle;
mod node_restriction;
mod owner_references_permission_enforcement;
mod persistent_volume_claim_resize;
mod persistent_volume_label;
mod pod_node_selector;
mod pod_security;
mod pod_security_policy;
pub mod pod_toleration_restriction;
mod priority;
mod resource_quota;
mod runtime_class;
pub mod security_context_deny;
mod service_account;
pub mod storage_object_in_use_protection;
mod taint_nodes_by_condition;
#[cfg(test)]
mod testkit;
mod validating_admission_policy;
mod validating_admission_webhook;
pub mod webhook;

use serde::Serialize;

use crate::object::{KindInfo, Object};
use crate::settings::{Settings, UserInfo};
use crate::status::ApiError;
use crate::store::Store;

/// The operation of a request (`admission.Operation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Operation {
    #[serde(rename = "CREATE")]
    Create,
    #[serde(rename = "UPDATE")]
    Update,
    #[serde(rename = "DELETE")]
    Delete,
    #[serde(rename = "CONNECT")]
    Connect,
}

/// `admission.Attributes`: what a plugin sees of a request.
pub struct Attributes<'a> {
    pub operation: Operation,
    pub kind: &'static KindInfo,
    pub namespace: String,
    pub name: String,
    pub subresource: String,
    /// The object being created or updated (mutating plugins change it).
    pub object: Option<Object>,
    pub old_object: Option<&'a Object>,
    pub user: &'a UserInfo,
    /// `Warning:` lines for the client. Validating plugins add them too, through a shared
    /// reference (upstream's `warning.AddWarning` on the request context).
    pub warnings: Lines,
    /// What the API server only logs and kubectl never shows (a webhook that failed open under
    /// failurePolicy Ignore): kubefiddle shows it as a note.
    pub notes: Lines,
    /// A CONNECT request's options object (`PodExecOptions` for `pods/exec`): what webhooks
    /// and policies see as `object`, and whose kind the request has.
    pub options: Option<serde_json::Value>,
}

/// Lines a request collects as it goes through the chain (its warnings, its log lines).
#[derive(Debug, Default)]
pub struct Lines(std::cell::RefCell<Vec<String>>);

impl Lines {
    pub fn push(&self, warning: String) {
        self.0.borrow_mut().push(warning);
    }

    pub fn extend(&self, warnings: impl IntoIterator<Item = String>) {
        self.0.borrow_mut().extend(warnings);
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lines added since the first `from`.
    pub fn since(&self, from: usize) -> Vec<String> {
        self.0.borrow().get(from..).unwrap_or_default().to_vec()
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// A read-only view of the cluster for plugins (their informers' caches).
pub struct ClusterView<'a> {
    pub store: &'a Store,
    pub settings: &'a Settings,
}

impl ClusterView<'_> {
    /// The plugin's `configuration` from the scenario's AdmissionConfiguration, if any.
    pub fn plugin_config(&self, plugin: &str) -> Option<&serde_json::Value> {
        self.settings.admission_config.get(plugin)
    }
}

/// An admission plugin. Mutating plugins override `admit`; validating ones `validate`.
pub trait Plugin: Sync {
    /// The upstream plugin name (`NamespaceLifecycle`).
    fn name(&self) -> &'static str;
    /// Whether the plugin wants this operation (`admission.Handler.Handles`).
    fn handles(&self, op: Operation) -> bool;
    fn mutating(&self) -> bool {
        false
    }
    fn validating(&self) -> bool {
        false
    }
    fn admit(&self, _a: &mut Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        Ok(())
    }
    fn validate(&self, _a: &Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        Ok(())
    }
}

/// One registered plugin: its upstream name, whether upstream enables it by default, the
/// Kubernetes minor versions whose kube-apiserver has it, and its implementation (absent for
/// plugins kubefiddle does not simulate yet).
pub struct Registration {
    pub name: &'static str,
    pub default_on: bool,
    pub plugin: Option<&'static dyn Plugin>,
    /// First and last minor version that ship the plugin (inclusive).
    pub versions: (u32, u32),
}

impl Registration {
    /// Sets the minor versions that ship this plugin.
    pub const fn versions(mut self, from: u32, until: u32) -> Self {
        self.versions = (from, until);
        self
    }

    pub fn exists_in(&self, minor: u32) -> bool {
        (self.versions.0..=self.versions.1).contains(&minor)
    }
}

/// `AllOrderedPlugins` from pkg/kubeapiserver/options/plugins.go, with the default-on set of
/// recent releases (`DefaultOffAdmissionPlugins` is the complement).
pub static REGISTRY: &[Registration] = &[
    reg("AlwaysAdmit", false, Some(&always_admit::AlwaysAdmit)),
    reg(
        "NamespaceAutoProvision",
        false,
        Some(&namespace_auto_provision::NamespaceAutoProvision),
    ),
    reg(
        "NamespaceLifecycle",
        true,
        Some(&namespace_lifecycle::NamespaceLifecycle),
    ),
    reg(
        "NamespaceExists",
        false,
        Some(&namespace_exists::NamespaceExists),
    ),
    reg(
        "SecurityContextDeny",
        false,
        Some(&security_context_deny::SecurityContextDeny),
    )
    .versions(0, 29),
    reg(
        "LimitPodHardAntiAffinityTopology",
        false,
        Some(&limit_pod_hard_anti_affinity_topology::LimitPodHardAntiAffinityTopology),
    ),
    reg("LimitRanger", true, Some(&limit_ranger::LimitRanger)),
    reg(
        "ServiceAccount",
        true,
        Some(&service_account::ServiceAccount),
    ),
    reg(
        "NodeRestriction",
        false,
        Some(&node_restriction::NodeRestriction),
    ),
    reg(
        "TaintNodesByCondition",
        true,
        Some(&taint_nodes_by_condition::TaintNodesByCondition),
    ),
    reg(
        "AlwaysPullImages",
        false,
        Some(&always_pull_images::AlwaysPullImages),
    ),
    reg(
        "ImagePolicyWebhook",
        false,
        Some(&image_policy_webhook::ImagePolicyWebhook),
    ),
    // Registered and on from 1.22, inert there (its feature gate was alpha); beta in 1.23.
    reg("PodSecurity", true, Some(&pod_security::PodSecurity)).versions(22, u32::MAX),
    reg(
        "PodSecurityPolicy",
        false,
        Some(&pod_security_policy::PodSecurityPolicy),
    )
    .versions(0, 24),
    reg(
        "PodNodeSelector",
        false,
        Some(&pod_node_selector::PodNodeSelector),
    ),
    reg("Priority", true, Some(&priority::Priority)),
    reg(
        "DefaultTolerationSeconds",
        true,
        Some(&default_toleration_seconds::DefaultTolerationSeconds),
    ),
    reg(
        "PodTolerationRestriction",
        false,
        Some(&pod_toleration_restriction::PodTolerationRestriction),
    ),
    // Until 1.20 (kubernetes/kubernetes#98669 removed both).
    reg(
        "DenyEscalatingExec",
        false,
        Some(&deny_escalating_exec::DENY_ESCALATING_EXEC),
    )
    .versions(0, 20),
    reg(
        "DenyExecOnPrivileged",
        false,
        Some(&deny_exec_on_privileged::DENY_EXEC_ON_PRIVILEGED),
    )
    .versions(0, 20),
    reg(
        "EventRateLimit",
        false,
        Some(&event_rate_limit::EventRateLimit),
    ),
    reg(
        "ExtendedResourceToleration",
        false,
        Some(&extended_resource_toleration::ExtendedResourceToleration),
    ),
    reg(
        "PersistentVolumeLabel",
        false,
        Some(&persistent_volume_label::PersistentVolumeLabel),
    )
    .versions(0, 30),
    reg(
        "DefaultStorageClass",
        true,
        Some(&default_storage_class::DefaultStorageClass),
    ),
    reg(
        "StorageObjectInUseProtection",
        true,
        Some(&storage_object_in_use_protection::StorageObjectInUseProtection),
    ),
    reg(
        "OwnerReferencesPermissionEnforcement",
        false,
        Some(&owner_references_permission_enforcement::OwnerReferencesPermissionEnforcement),
    ),
    reg(
        "PersistentVolumeClaimResize",
        true,
        Some(&persistent_volume_claim_resize::PersistentVolumeClaimResize),
    ),
    reg("RuntimeClass", true, Some(&runtime_class::RuntimeClass)),
    reg(
        "CertificateApproval",
        true,
        Some(&certificate_approval::CertificateApproval),
    ),
    reg(
        "CertificateSigning",
        true,
        Some(&certificate_signing::CertificateSigning),
    ),
    reg("ClusterTrustBundleAttest", true, None).versions(27, u32::MAX),
    reg(
        "CertificateSubjectRestriction",
        true,
        Some(&certificate_subject_restriction::CertificateSubjectRestriction),
    ),
    reg(
        "DefaultIngressClass",
        true,
        Some(&default_ingress_class::DefaultIngressClass),
    ),
    reg(
        "DenyServiceExternalIPs",
        false,
        Some(&deny_service_external_ips::DenyServiceExternalIPs),
    )
    // The CVE-2020-8554 mitigation, new in 1.21 (kubernetes/kubernetes#97395).
    .versions(21, u32::MAX),
    reg("PodTopologyLabels", true, None).versions(33, u32::MAX),
    reg("MutatingAdmissionPolicy", true, None).versions(32, u32::MAX),
    reg(
        "MutatingAdmissionWebhook",
        true,
        Some(&mutating_admission_webhook::MutatingAdmissionWebhook),
    ),
    reg(
        "ValidatingAdmissionPolicy",
        true,
        Some(&validating_admission_policy::ValidatingAdmissionPolicy),
    )
    .versions(26, u32::MAX),
    reg(
        "ValidatingAdmissionWebhook",
        true,
        Some(&validating_admission_webhook::ValidatingAdmissionWebhook),
    ),
    reg("ResourceQuota", true, Some(&resource_quota::ResourceQuota)),
    reg("AlwaysDeny", false, Some(&always_deny::AlwaysDeny)),
];

const fn reg(
    name: &'static str,
    default_on: bool,
    plugin: Option<&'static dyn Plugin>,
) -> Registration {
    Registration {
        name,
        default_on,
        plugin,
        versions: (0, u32::MAX),
    }
}

/// What one plugin did to one request: the trace the UI and CLI render.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginStep {
    pub plugin: String,
    /// `mutate` or `validate`.
    pub phase: &'static str,
    /// `admitted`, `mutated`, `rejected`.
    pub verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The `Warning:` lines this plugin added.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// For a mutation: the object before and after, as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

/// Why kube-apiserver would refuse to start with these settings: unknown plugin names, and
/// enabled plugins whose configuration is missing or invalid
/// (`couldn't init admission plugin "X": ...`).
pub struct ChainProblems {
    /// `AdmissionOptions.Validate`'s errors (`enable-admission-plugins plugin "X" is unknown`),
    /// each with kubefiddle's word on when the plugin existed, if it ever did.
    pub unknown: Vec<(String, Option<String>)>,
    pub init_errors: Vec<String>,
}

/// Plugins kube-apiserver dropped before the oldest version kubefiddle simulates, with the last
/// minor version that had them.
const REMOVED_BEFORE_1_20: &[(&str, u32)] = &[
    // The settings.k8s.io/v1alpha1 API and its plugin (kubernetes/kubernetes#94090).
    ("PodPreset", 19),
];

/// When a plugin unknown to the selected version existed.
fn history(name: &str) -> Option<String> {
    let span = |from: u32, until: u32| match (from, until) {
        (0, u) => format!("{name} was removed after Kubernetes 1.{u}"),
        (f, u32::MAX) => format!("{name} arrived in Kubernetes 1.{f}"),
        (f, u) => format!("{name} exists in Kubernetes 1.{f} to 1.{u}"),
    };
    if let Some(r) = REGISTRY.iter().find(|r| r.name == name) {
        return Some(span(r.versions.0, r.versions.1));
    }
    REMOVED_BEFORE_1_20
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, last)| span(0, *last))
}

/// The enabled chain for these settings, in upstream order.
pub fn enabled(settings: &Settings) -> (Vec<&'static Registration>, ChainProblems) {
    let mut unknown = Vec::new();
    let flags = [
        ("enable", &settings.enable_admission_plugins),
        ("disable", &settings.disable_admission_plugins),
    ];
    for (flag, names) in flags {
        for name in names {
            if REGISTRY
                .iter()
                .any(|r| r.name == name && r.exists_in(settings.minor))
            {
                continue;
            }
            let error = format!("{flag}-admission-plugins plugin {name:?} is unknown");
            unknown.push((error, history(name)));
        }
    }
    let chain: Vec<&'static Registration> = REGISTRY
        .iter()
        .filter(|r| r.exists_in(settings.minor))
        .filter(|r| {
            let on = r.default_on
                || settings
                    .enable_admission_plugins
                    .iter()
                    .any(|n| n == r.name);
            on && !settings
                .disable_admission_plugins
                .iter()
                .any(|n| n == r.name)
        })
        .collect();
    let on = |name: &str| chain.iter().any(|r: &&Registration| r.name == name);
    let mut init_errors = Vec::new();
    type InitCheck = fn(&Settings) -> Option<String>;
    let checks: [(&str, InitCheck); 4] = [
        ("SecurityContextDeny", security_context_deny::init_error),
        ("EventRateLimit", event_rate_limit::init_error),
        ("ImagePolicyWebhook", image_policy_webhook::init_error),
        (
            "PodTolerationRestriction",
            pod_toleration_restriction::init_error,
        ),
    ];
    for (name, check) in checks {
        if on(name) {
            init_errors.extend(check(settings));
        }
    }
    (
        chain,
        ChainProblems {
            unknown,
            init_errors,
        },
    )
}

/// The two passes of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Mutate,
    Validate,
}

/// Runs one pass of the chain over a request, in order, stopping at the first rejection.
/// Returns the trace of what each plugin did.
pub fn run_phase(
    chain: &[&'static Registration],
    phase: Phase,
    attrs: &mut Attributes,
    view: &ClusterView,
) -> (Vec<PluginStep>, Result<(), ApiError>) {
    let mut trace = Vec::new();
    for r in chain {
        let Some(p) = r.plugin else { continue };
        let wanted = match phase {
            Phase::Mutate => p.mutating(),
            Phase::Validate => p.validating(),
        };
        if !wanted || !p.handles(attrs.operation) {
            continue;
        }
        let warned = attrs.warnings.len();
        let noted = attrs.notes.len();
        let result = match phase {
            Phase::Mutate => {
                // Most plugins change nothing: compare the objects, and serialize the two
                // sides of the diff only when they differ.
                let before = attrs.object.clone();
                p.admit(attrs, view).map(|()| {
                    if before == attrs.object {
                        return (None, None);
                    }
                    let before = before.as_ref().map(Object::to_value);
                    let after = attrs.object.as_ref().map(Object::to_value);
                    if before == after {
                        (None, None)
                    } else {
                        (before, after)
                    }
                })
            }
            Phase::Validate => p.validate(attrs, view).map(|()| (None, None)),
        };
        let phase_name = if phase == Phase::Mutate {
            "mutate"
        } else {
            "validate"
        };
        match result {
            Ok((before, after)) => trace.push(PluginStep {
                plugin: r.name.to_string(),
                phase: phase_name,
                verdict: if after.is_some() {
                    "mutated"
                } else {
                    "admitted"
                },
                // What the API server would only log (a webhook that failed open).
                message: Some(attrs.notes.since(noted).join("; ")).filter(|m| !m.is_empty()),
                warnings: attrs.warnings.since(warned),
                before,
                after,
            }),
            Err(e) => {
                let mut step = rejected(r.name, phase_name, &e);
                step.warnings = attrs.warnings.since(warned);
                trace.push(step);
                return (trace, Err(e));
            }
        }
    }
    (trace, Ok(()))
}

fn rejected(name: &str, phase: &'static str, e: &ApiError) -> PluginStep {
    PluginStep {
        plugin: name.to_string(),
        phase,
        verdict: "rejected",
        message: Some(e.message.clone()),
        warnings: Default::default(),
        before: None,
        after: None,
    }
}

/// Helpers for plugin table tests: run one plugin on a pod in a fresh cluster.
#[cfg(test)]
pub(crate) mod testutil {
    use super::{run_phase, Attributes, ClusterView, Operation, Phase, Plugin, Registration};
    use crate::apiserver::{decode_value, Cluster};
    use crate::object::{lookup, Object};
    use crate::settings::Settings;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::{json, Value};

    pub fn pod(spec: Value) -> Pod {
        serde_json::from_value(
            json!({"metadata": {"name": "p", "namespace": "default"}, "spec": spec}),
        )
        .unwrap()
    }

    pub fn admit_pod(plugin: &'static dyn Plugin, pod: Pod) -> Result<Pod, String> {
        admit_pod_with(plugin, pod, &[])
    }

    /// Runs the plugin's mutating then validating pass on a pod CREATE, in a cluster that also
    /// holds `objects`.
    pub fn admit_pod_with(
        plugin: &'static dyn Plugin,
        pod: Pod,
        objects: &[Value],
    ) -> Result<Pod, String> {
        let mut c = Cluster::new(Settings::default());
        crate::controllers::settle(&mut c);
        for o in objects {
            let obj = decode_value(o.clone()).map_err(|e| format!("{e:?}"))?;
            c.store.insert_new(obj, None);
        }
        let reg: &'static Registration = Box::leak(Box::new(Registration {
            name: plugin.name(),
            default_on: true,
            plugin: Some(plugin),
            versions: (0, u32::MAX),
        }));
        let user = c.settings.user.clone();
        let mut a = Attributes {
            operation: Operation::Create,
            kind: lookup("v1", "Pod").unwrap(),
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            subresource: String::new(),
            object: Some(Object::Pod(Box::new(pod))),
            old_object: None,
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        let view = ClusterView {
            store: &c.store,
            settings: &c.settings,
        };
        for phase in [Phase::Mutate, Phase::Validate] {
            run_phase(&[reg], phase, &mut a, &view)
                .1
                .map_err(|e| e.message)?;
        }
        match a.object {
            Some(Object::Pod(p)) => Ok(*p),
            _ => Err("no pod".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_change_the_default_set_and_keep_upstream_order() {
        let s = Settings {
            enable_admission_plugins: vec!["AlwaysDeny".into(), "NamespaceAutoProvision".into()],
            disable_admission_plugins: vec!["ResourceQuota".into(), "Bogus".into()],
            ..Default::default()
        };
        let (chain, problems) = enabled(&s);
        let names: Vec<&str> = chain.iter().map(|r| r.name).collect();
        assert_eq!(names.first(), Some(&"NamespaceAutoProvision"));
        assert_eq!(names.last(), Some(&"AlwaysDeny"));
        assert!(!names.contains(&"ResourceQuota"));
        assert!(names.contains(&"NamespaceLifecycle"));
        assert_eq!(
            problems.unknown,
            [(
                "disable-admission-plugins plugin \"Bogus\" is unknown".to_string(),
                None
            )]
        );
        let old = Settings {
            enable_admission_plugins: vec!["DenyEscalatingExec".into(), "PodSecurityPolicy".into()],
            minor: 25,
            ..Default::default()
        };
        let (_, problems) = enabled(&old);
        assert_eq!(
            problems.unknown,
            [
                (
                    "enable-admission-plugins plugin \"DenyEscalatingExec\" is unknown".to_string(),
                    Some("DenyEscalatingExec was removed after Kubernetes 1.20".to_string())
                ),
                (
                    "enable-admission-plugins plugin \"PodSecurityPolicy\" is unknown".to_string(),
                    Some("PodSecurityPolicy was removed after Kubernetes 1.24".to_string())
                ),
            ]
        );
    }
}
