//! PodSecurity: the Pod Security Standards (privileged, baseline, restricted) enforced, audited
//! and warned about per namespace, as the namespace's `pod-security.kubernetes.io/<mode>` and
//! `<mode>-version` labels (or the configured defaults) ask.
//!
//! * Pods are rejected when they violate the enforce level
//!   (`pods "x" is forbidden: violates PodSecurity "restricted:latest": …`), otherwise warned
//!   about when they violate the warn level (`would violate PodSecurity "baseline:latest": …`).
//! * Workload objects with a pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
//!   CronJob) are never rejected, only warned about; their pods meet the enforce level when the
//!   controller creates them.
//! * Namespaces: bad labels are Invalid; a stricter enforce level warns about the existing pods
//!   that violate it.
//! * The audit level only adds an audit annotation, which kubectl never shows: not simulated.
//!
//! Follows `admission/admission.go` (Validate, ValidateNamespace, ValidatePod,
//! ValidatePodController, EvaluatePod, EvaluatePodsInNamespace, isSignificantPodUpdate,
//! exemptNamespaceWarning) and `admission/response.go` of kubernetes/pod-security-admission,
//! with the differences between releases 1.24 and 1.34, and
//! `plugin/pkg/admission/security/podsecurity/admission.go` in kubernetes/kubernetes (CREATE and
//! UPDATE of pods, namespaces and the pod-template kinds). The checks live in
//! `pod_security/`.

mod api;
mod baseline;
mod checks;
mod restricted;

use k8s_openapi::api::core::v1::{Namespace, Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use self::api::{
    policy_to_evaluate, Config, Level, LevelVersion, Policy, AUDIT_LABEL, AUDIT_VERSION_LABEL,
    ENFORCE_LABEL, ENFORCE_VERSION_LABEL, WARN_LABEL, WARN_VERSION_LABEL,
};
use self::checks::evaluate;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::labels::go_quote;
use crate::object::Object;
use crate::status::{ApiError, Reason};

pub struct PodSecurity;

const NAME: &str = "PodSecurity";

/// Pod subresources that never change what the checks look at.
const IGNORED_POD_SUBRESOURCES: &[&str] = &[
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// At most this many existing pods are checked when a namespace's enforce level changes.
const NAMESPACE_MAX_PODS_TO_CHECK: usize = 3000;

/// What the plugin answers a request: warnings, or an error.
#[derive(Debug, Default)]
struct Decision {
    warnings: Vec<String>,
    error: Option<ApiError>,
}

impl Decision {
    fn allow() -> Self {
        Decision::default()
    }

    fn warn(warnings: Vec<String>) -> Self {
        Decision {
            warnings,
            error: None,
        }
    }

    fn deny(error: ApiError) -> Self {
        Decision {
            warnings: Default::default(),
            error: Some(error),
        }
    }
}

impl Plugin for PodSecurity {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        // On 1.22 the plugin is registered and enabled, but its `PodSecurity` feature gate is
        // alpha and off: `InspectFeatureGates` leaves it disabled and it admits everything.
        if c.settings.minor < 23 {
            return Ok(());
        }
        let d = decide(a, c, true);
        match d.error {
            Some(e) => Err(e),
            None => {
                a.warnings.extend(d.warnings);
                Ok(())
            }
        }
    }
}

/// The plugin's answer; `warnings: false` skips the work only warnings need (listing a
/// namespace's pods).
fn decide(a: &Attributes, c: &ClusterView, warnings: bool) -> Decision {
    let minor = c.settings.minor;
    // A configuration kube-apiserver would refuse to start with is ignored here.
    let config = Config::from_value(c.plugin_config(NAME), minor).unwrap_or_default();
    match (a.kind.group, a.kind.kind) {
        ("", "Namespace") => validate_namespace(a, c, &config, warnings),
        ("", "Pod") => validate_pod(a, c, &config),
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("batch", "Job" | "CronJob") => validate_pod_controller(a, c, &config),
        _ => Decision::allow(),
    }
}

/// The namespace's policy: its labels over the configured defaults, and the labels' errors.
fn namespace_policy(
    ns: &Namespace,
    config: &Config,
    minor: u32,
) -> (Policy, Vec<crate::status::FieldError>) {
    policy_to_evaluate(ns.metadata.labels.as_ref(), config.defaults, minor)
}

fn validate_namespace(
    a: &Attributes,
    c: &ClusterView,
    config: &Config,
    warnings: bool,
) -> Decision {
    if !a.subresource.is_empty() {
        return Decision::allow();
    }
    let Some(Object::Namespace(ns)) = &a.object else {
        return Decision::allow();
    };
    let minor = c.settings.minor;
    let (new_policy, new_errs) = namespace_policy(ns, config, minor);
    // kube-apiserver makes a namespace's own name the namespace of requests on it (the path
    // of an update; handlers/create.go sets it on create).
    let request_namespace = if a.namespace.is_empty() {
        a.name.as_str()
    } else {
        a.namespace.as_str()
    };
    let invalid = |errs: &[crate::status::FieldError]| {
        Decision::deny(ApiError::invalid("Namespace", &a.name, errs, NAME))
    };
    match a.operation {
        Operation::Create => {
            if !new_errs.is_empty() {
                return invalid(&new_errs);
            }
            if minor >= 25 && config.exempt_namespace(request_namespace) {
                if let Some(w) = exempt_namespace_warning(ns, &new_policy, config, minor) {
                    return Decision::warn(vec![w]);
                }
            }
            Decision::allow()
        }
        Operation::Update => {
            let Some(Object::Namespace(old)) = a.old_object else {
                return Decision::allow();
            };
            let (old_policy, old_errs) = namespace_policy(old, config, minor);
            if !new_errs.is_empty() && (old_errs.is_empty() || new_errs != old_errs) {
                return invalid(&new_errs);
            }
            let (new_e, old_e) = (new_policy.enforce, old_policy.enforce);
            if new_e == old_e
                || new_e.level == Level::Privileged
                || (new_e.version == old_e.version && new_e.level.compare(old_e.level) < 1)
            {
                return Decision::allow();
            }
            if config.exempt_namespace(request_namespace) {
                if minor >= 25 {
                    if let Some(w) = exempt_namespace_warning(ns, &new_policy, config, minor) {
                        return Decision::warn(vec![w]);
                    }
                }
                return Decision::allow();
            }
            if !warnings {
                return Decision::allow();
            }
            Decision::warn(evaluate_pods_in_namespace(c, config, &a.name, new_e))
        }
        _ => Decision::allow(),
    }
}

/// `namespace "x" is exempt from Pod Security, and the policy (enforce=…) will be ignored`, for
/// an exempt namespace that asks for a non-privileged policy other than the defaults (1.25+;
/// from 1.26 only the modes its labels set are listed).
fn exempt_namespace_warning(
    ns: &Namespace,
    policy: &Policy,
    config: &Config,
    minor: u32,
) -> Option<String> {
    if policy.fully_privileged() || policy.equivalent(&config.defaults) {
        return None;
    }
    let labels = ns.metadata.labels.clone().unwrap_or_default();
    let set = |level: &str, version: &str| {
        minor < 26 || labels.contains_key(level) || labels.contains_key(version)
    };
    let mut parts: Vec<String> = Vec::new();
    for (mode, lv, level_label, version_label) in [
        (
            "enforce",
            policy.enforce,
            ENFORCE_LABEL,
            ENFORCE_VERSION_LABEL,
        ),
        ("audit", policy.audit, AUDIT_LABEL, AUDIT_VERSION_LABEL),
        ("warn", policy.warn, WARN_LABEL, WARN_VERSION_LABEL),
    ] {
        if lv.level != Level::Privileged && set(level_label, version_label) {
            parts.push(format!("{mode}={lv}"));
        }
    }
    Some(format!(
        "namespace {} is exempt from Pod Security, and the policy ({}) will be ignored",
        go_quote(ns.metadata.name.as_deref().unwrap_or("")),
        parts.join(", ")
    ))
}

fn validate_pod(a: &Attributes, c: &ClusterView, config: &Config) -> Decision {
    if IGNORED_POD_SUBRESOURCES.contains(&a.subresource.as_str()) {
        return Decision::allow();
    }
    if config.exempt_namespace(&a.namespace) || config.exempt_user(&a.user.name) {
        return Decision::allow();
    }
    let minor = c.settings.minor;
    let Some(Object::Namespace(ns)) = c.store.get_obj("Namespace", "", &a.namespace) else {
        let ns = if minor >= 25 {
            go_quote(&a.namespace)
        } else {
            a.namespace.clone()
        };
        return Decision::deny(ApiError::new(
            Reason::InternalError,
            format!("Internal error occurred: failed to lookup namespace {ns}"),
            NAME,
        ));
    };
    let (policy, errs) = namespace_policy(ns, config, minor);
    if errs.is_empty() && policy.fully_privileged() {
        return Decision::allow();
    }
    let Some(Object::Pod(pod)) = &a.object else {
        return Decision::allow();
    };
    if a.operation == Operation::Update {
        if let Some(Object::Pod(old)) = a.old_object {
            if !significant_pod_update(pod, old, minor) {
                return Decision::allow();
            }
        }
    }
    let spec = pod.spec.clone().unwrap_or_default();
    evaluate_pod(a, config, minor, policy, &pod.metadata, &spec, true)
}

/// The pod template of a workload object (an empty one if it has none).
fn pod_template(obj: &Object) -> Option<PodTemplateSpec> {
    let t = match obj {
        Object::Deployment(d) => d.spec.as_ref().map(|s| s.template.clone()),
        Object::ReplicaSet(r) => r.spec.as_ref().and_then(|s| s.template.clone()),
        Object::StatefulSet(s) => s.spec.as_ref().map(|s| s.template.clone()),
        Object::DaemonSet(d) => d.spec.as_ref().map(|s| s.template.clone()),
        Object::Job(j) => j.spec.as_ref().map(|s| s.template.clone()),
        Object::CronJob(cj) => cj
            .spec
            .as_ref()
            .and_then(|s| s.job_template.spec.as_ref())
            .map(|s| s.template.clone()),
        _ => return None,
    };
    Some(t.unwrap_or_default())
}

fn validate_pod_controller(a: &Attributes, c: &ClusterView, config: &Config) -> Decision {
    if !a.subresource.is_empty() {
        return Decision::allow();
    }
    if config.exempt_namespace(&a.namespace) || config.exempt_user(&a.user.name) {
        return Decision::allow();
    }
    let minor = c.settings.minor;
    // Without the namespace the request is allowed (with an audit annotation).
    let Some(Object::Namespace(ns)) = c.store.get_obj("Namespace", "", &a.namespace) else {
        return Decision::allow();
    };
    let (policy, errs) = namespace_policy(ns, config, minor);
    if errs.is_empty()
        && policy.warn.level == Level::Privileged
        && policy.audit.level == Level::Privileged
    {
        return Decision::allow();
    }
    let Some(template) = a.object.as_ref().and_then(pod_template) else {
        return Decision::allow();
    };
    let meta = template.metadata.unwrap_or_default();
    let spec = template.spec.unwrap_or_default();
    evaluate_pod(a, config, minor, policy, &meta, &spec, false)
}

/// The name validating admission sees: the object's own, once the API server has generated it
/// from `generateName` (rest.AdmissionToValidateObjectFunc), else the request's.
fn validated_name(a: &Attributes) -> String {
    a.object
        .as_ref()
        .map(Object::name)
        .filter(|n| !n.is_empty())
        .unwrap_or(&a.name)
        .to_string()
}

/// `EvaluatePod`: the enforce level (for pods), then the warn level unless the request is
/// already refused.
fn evaluate_pod(
    a: &Attributes,
    config: &Config,
    minor: u32,
    policy: Policy,
    meta: &ObjectMeta,
    spec: &PodSpec,
    enforce: bool,
) -> Decision {
    if config.exempt_runtime_class(spec.runtime_class_name.as_deref()) {
        return Decision::allow();
    }
    if enforce {
        let result = evaluate(policy.enforce, minor, meta, spec);
        if !result.allowed() {
            return Decision::deny(ApiError::forbidden(
                &a.kind.resource(),
                &validated_name(a),
                &format!(
                    "violates PodSecurity {}: {}",
                    go_quote(&policy.enforce.to_string()),
                    result.detail()
                ),
                NAME,
            ));
        }
    }
    let result = evaluate(policy.warn, minor, meta, spec);
    if result.allowed() {
        return Decision::allow();
    }
    Decision::warn(vec![format!(
        "would violate PodSecurity {}: {}",
        go_quote(&policy.warn.to_string()),
        result.detail()
    )])
}

fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> &'a str {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map_or("", String::as_str)
}

/// `isSignificantPodUpdate`: only a changed image, a changed number of containers or a new
/// ephemeral container is checked again (before 1.27 also the seccomp annotations, before 1.25
/// the pod-level one too).
fn significant_pod_update(pod: &Pod, old: &Pod, minor: u32) -> bool {
    const POD_SECCOMP: &str = "seccomp.security.alpha.kubernetes.io/pod";
    const CONTAINER_SECCOMP: &str = "container.seccomp.security.alpha.kubernetes.io/";
    if minor < 25
        && annotation(&pod.metadata, POD_SECCOMP) != annotation(&old.metadata, POD_SECCOMP)
    {
        return true;
    }
    let empty = PodSpec::default();
    let new_spec = pod.spec.as_ref().unwrap_or(&empty);
    let old_spec = old.spec.as_ref().unwrap_or(&empty);
    let significant = |name: &str, image: Option<&String>, old_image: Option<&String>| {
        if image.map_or("", String::as_str) != old_image.map_or("", String::as_str) {
            return true;
        }
        let key = format!("{CONTAINER_SECCOMP}{name}");
        minor < 27 && annotation(&pod.metadata, &key) != annotation(&old.metadata, &key)
    };
    let new_init = new_spec.init_containers.as_deref().unwrap_or(&[]);
    let old_init = old_spec.init_containers.as_deref().unwrap_or(&[]);
    if new_spec.containers.len() != old_spec.containers.len() || new_init.len() != old_init.len() {
        return true;
    }
    let pairs = new_spec
        .containers
        .iter()
        .zip(&old_spec.containers)
        .chain(new_init.iter().zip(old_init));
    for (n, o) in pairs {
        if significant(&n.name, n.image.as_ref(), o.image.as_ref()) {
            return true;
        }
    }
    let old_ephemeral = old_spec.ephemeral_containers.as_deref().unwrap_or(&[]);
    for e in new_spec.ephemeral_containers.iter().flatten() {
        match old_ephemeral.iter().find(|o| o.name == e.name) {
            None => return true,
            Some(o) if significant(&e.name, e.image.as_ref(), o.image.as_ref()) => return true,
            Some(_) => {}
        }
    }
    false
}

/// `EvaluatePodsInNamespace`: the warnings for the existing pods of a namespace that violate a
/// new enforce level, one line per distinct set of violations (reasons only), naming the
/// lexically first pod and how many others share it.
fn evaluate_pods_in_namespace(
    c: &ClusterView,
    config: &Config,
    namespace: &str,
    enforce: LevelVersion,
) -> Vec<String> {
    let minor = c.settings.minor;
    let pods: Vec<&Pod> = c
        .store
        .list_ns("Pod", namespace)
        .filter_map(|s| s.obj.as_pod())
        .collect();
    // Pods of exempt runtime classes are skipped; the first pod of each controller comes first,
    // its siblings after every other pod.
    let mut prioritized: Vec<&Pod> = Vec::new();
    let mut duplicates: Vec<&Pod> = Vec::new();
    let mut controllers: Vec<&str> = Vec::new();
    for pod in pods {
        let rc = pod
            .spec
            .as_ref()
            .and_then(|s| s.runtime_class_name.as_deref());
        if config.exempt_runtime_class(rc) {
            continue;
        }
        let controller = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true))
            .map(|o| o.uid.as_str());
        match controller {
            None => prioritized.push(pod),
            Some(uid) if controllers.contains(&uid) => duplicates.push(pod),
            Some(uid) => {
                controllers.push(uid);
                prioritized.push(pod);
            }
        }
    }
    prioritized.extend(duplicates);
    let total = prioritized.len();
    prioritized.truncate(NAMESPACE_MAX_PODS_TO_CHECK);
    let checked = prioritized.len();

    // warning → (lexically first pod name, number of pods)
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    let empty = PodSpec::default();
    for pod in prioritized {
        let spec = pod.spec.as_ref().unwrap_or(&empty);
        let result = evaluate(enforce, minor, &pod.metadata, spec);
        if result.allowed() {
            continue;
        }
        let warning = result.reason();
        let name = pod.metadata.name.clone().unwrap_or_default();
        match seen.iter_mut().find(|(w, _, _)| *w == warning) {
            Some((_, first, count)) => {
                if name < *first {
                    *first = name;
                }
                *count += 1;
            }
            None => seen.push((warning, name, 1)),
        }
    }
    let mut warnings = Vec::new();
    if checked < total {
        warnings.push(format!(
            "new PodSecurity enforce level only checked against the first {checked} of {total} existing pods"
        ));
    }
    if !seen.is_empty() {
        warnings.push(format!(
            "existing pods in namespace {} violate the new PodSecurity enforce level {}",
            go_quote(namespace),
            go_quote(&enforce.to_string())
        ));
    }
    let mut pod_warnings: Vec<String> = seen
        .into_iter()
        .map(|(warning, first, count)| match count {
            1 => format!("{first}: {warning}"),
            2 => format!("{first} (and 1 other pod): {warning}"),
            n => format!("{first} (and {} other pods): {warning}", n - 1),
        })
        .collect();
    pod_warnings.sort();
    warnings.extend(pod_warnings);
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::decode_value;
    use crate::settings::{Settings, UserInfo};
    use crate::store::Store;
    use serde_json::{json, Value};

    struct World {
        store: Store,
        settings: Settings,
    }

    fn world(minor: u32, config: Option<Value>, objects: &[Value]) -> World {
        let mut settings = Settings {
            minor,
            ..Settings::default()
        };
        if let Some(c) = config {
            settings.admission_config.insert(NAME.into(), c);
        }
        let mut store = Store::new();
        for o in objects {
            store.insert_new(decode_value(o.clone()).unwrap(), None);
        }
        World { store, settings }
    }

    fn ns(name: &str, labels: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
    }

    fn bare_pod(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
               "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    }

    fn privileged_pod(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
               "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": true}}]}})
    }

    fn restricted_pod(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
               "spec": {"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                        "containers": [{"name": "app", "image": "nginx", "securityContext": {
                            "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}})
    }

    fn deployment(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
               "spec": {"selector": {"matchLabels": {"app": name}}, "template": {
                   "metadata": {"labels": {"app": name}},
                   "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    }

    /// Runs the plugin's two passes on one request; returns its warnings and its error.
    fn request(
        w: &World,
        op: Operation,
        obj: Value,
        old: Option<Value>,
        user: &str,
    ) -> (Vec<String>, Result<(), String>) {
        let obj = decode_value(obj).unwrap();
        let old = old.map(|o| decode_value(o).unwrap());
        let user = UserInfo {
            name: user.into(),
            groups: vec!["system:authenticated".into()],
        };
        let a = Attributes {
            operation: op,
            kind: obj.info(),
            namespace: obj.namespace().unwrap_or("").to_string(),
            name: obj.name().to_string(),
            subresource: String::new(),
            object: Some(obj),
            old_object: old.as_ref(),
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        let view = ClusterView {
            store: &w.store,
            settings: &w.settings,
        };
        let result = PodSecurity.validate(&a, &view).map_err(|e| e.message);
        (a.warnings.take(), result)
    }

    fn create(w: &World, obj: Value) -> (Vec<String>, Result<(), String>) {
        request(w, Operation::Create, obj, None, "kubernetes-admin")
    }

    const RESTRICTED_BARE: &str = "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), \
        unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), \
        runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), \
        seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")";

    #[test]
    fn enforce_rejects_pods_without_warnings() {
        let w = world(
            34,
            None,
            &[ns(
                "prod",
                json!({"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted"}),
            )],
        );
        let (warnings, result) = create(&w, bare_pod("prod", "web"));
        assert_eq!(
            result,
            Err(format!("pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": {RESTRICTED_BARE}"))
        );
        assert!(warnings.is_empty());
        assert_eq!(create(&w, restricted_pod("prod", "ok")), (vec![], Ok(())));
    }

    #[test]
    fn warn_and_enforce_levels_and_versions_combine() {
        let w = world(
            34,
            None,
            &[ns(
                "dev",
                json!({
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": "v1.23",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "v1.22"}),
            )],
        );
        let (warnings, result) = create(&w, bare_pod("dev", "web"));
        assert_eq!(result, Ok(()));
        assert_eq!(
            warnings,
            [format!(
                "would violate PodSecurity \"restricted:v1.22\": {RESTRICTED_BARE}"
            )]
        );
        assert_eq!(
            create(&w, privileged_pod("dev", "root")).1,
            Err("pods \"root\" is forbidden: violates PodSecurity \"baseline:v1.23\": privileged (container \"app\" must not set securityContext.privileged=true)".into())
        );
    }

    #[test]
    fn workloads_are_warned_and_never_rejected() {
        let labels = json!({"pod-security.kubernetes.io/enforce": "restricted"});
        // From 1.26 an enforce label also sets the warn level when no warn label is given.
        let w = world(34, None, &[ns("prod", labels.clone())]);
        let (warnings, result) = create(&w, deployment("prod", "web"));
        assert_eq!(result, Ok(()));
        assert_eq!(
            warnings,
            [format!(
                "would violate PodSecurity \"restricted:latest\": {RESTRICTED_BARE}"
            )]
        );
        let w = world(25, None, &[ns("prod", labels)]);
        assert_eq!(create(&w, deployment("prod", "web")), (vec![], Ok(())));
        let w = world(
            34,
            None,
            &[ns(
                "prod",
                json!({"pod-security.kubernetes.io/audit": "restricted"}),
            )],
        );
        assert_eq!(create(&w, deployment("prod", "web")), (vec![], Ok(())));
        let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick", "namespace": "prod"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "hostNetwork": true, "containers": [{"name": "app", "image": "busybox"}]}}}}}});
        let w = world(
            34,
            None,
            &[ns(
                "prod",
                json!({"pod-security.kubernetes.io/warn": "baseline"}),
            )],
        );
        assert_eq!(
            create(&w, cronjob).0,
            ["would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)"]
        );
    }

    #[test]
    fn bad_namespace_labels_are_invalid() {
        let w = world(34, None, &[]);
        assert_eq!(
            create(&w, ns("x", json!({"pod-security.kubernetes.io/enforce": "strict"}))).1,
            Err("Namespace \"x\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted".into())
        );
        assert_eq!(
            create(&w, ns("x", json!({"pod-security.kubernetes.io/warn": "none", "pod-security.kubernetes.io/audit-version": "1.25"}))).1,
            Err("Namespace \"x\" is invalid: [metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: \"1.25\": must be \"latest\" or \"v1.x\", metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: \"none\": must be one of privileged, baseline, restricted]".into())
        );
        // Unchanged bad labels do not block other updates.
        let bad = ns(
            "x",
            json!({"pod-security.kubernetes.io/enforce-version": "v1.025"}),
        );
        let mut relabelled = bad.clone();
        relabelled["metadata"]["labels"]["team"] = json!("a");
        let w = world(34, None, std::slice::from_ref(&bad));
        assert_eq!(
            request(
                &w,
                Operation::Update,
                relabelled,
                Some(bad),
                "kubernetes-admin"
            )
            .1,
            Ok(())
        );
    }

    #[test]
    fn a_stricter_enforce_level_reports_existing_pods() {
        let owned = |name: &str| {
            let mut p = bare_pod("prod", name);
            p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "name": "web", "uid": "rs-1", "controller": true}]);
            p
        };
        let old = ns("prod", json!({}));
        let w = world(
            34,
            None,
            &[
                old.clone(),
                owned("web-b"),
                owned("web-a"),
                owned("web-c"),
                privileged_pod("prod", "db"),
                restricted_pod("prod", "ok"),
            ],
        );
        let new = ns(
            "prod",
            json!({"pod-security.kubernetes.io/enforce": "restricted"}),
        );
        let (warnings, result) = request(
            &w,
            Operation::Update,
            new.clone(),
            Some(old.clone()),
            "kubernetes-admin",
        );
        assert_eq!(result, Ok(()));
        assert_eq!(
            warnings,
            [
                "existing pods in namespace \"prod\" violate the new PodSecurity enforce level \"restricted:latest\"",
                "db: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
                "web-a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
            ]
        );
        // A looser or privileged enforce level, or no change, checks nothing.
        let baseline = ns(
            "prod",
            json!({"pod-security.kubernetes.io/enforce": "baseline"}),
        );
        assert_eq!(
            request(
                &w,
                Operation::Update,
                baseline.clone(),
                Some(new.clone()),
                "u"
            )
            .0,
            Vec::<String>::new()
        );
        assert_eq!(
            request(&w, Operation::Update, baseline, Some(old.clone()), "u").0,
            [
                "existing pods in namespace \"prod\" violate the new PodSecurity enforce level \"baseline:latest\"",
                "db: privileged",
            ]
        );
        let privileged = ns(
            "prod",
            json!({"pod-security.kubernetes.io/enforce": "privileged"}),
        );
        assert!(request(&w, Operation::Update, privileged, Some(new), "u")
            .0
            .is_empty());
    }

    #[test]
    fn configuration_defaults_and_exemptions() {
        let config = json!({"apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration",
            "defaults": {"enforce": "baseline", "warn": "restricted"},
            "exemptions": {"usernames": ["ci-bot"], "namespaces": ["legacy"], "runtimeClasses": ["kata"]}});
        let w = world(
            34,
            Some(config.clone()),
            &[ns("apps", json!({})), ns("legacy", json!({}))],
        );
        assert_eq!(
            create(&w, privileged_pod("apps", "root")).1,
            Err("pods \"root\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)".into())
        );
        assert_eq!(
            create(&w, bare_pod("apps", "web")).0,
            [format!(
                "would violate PodSecurity \"restricted:latest\": {RESTRICTED_BARE}"
            )]
        );
        assert_eq!(
            create(&w, privileged_pod("legacy", "root")),
            (vec![], Ok(()))
        );
        assert_eq!(
            request(
                &w,
                Operation::Create,
                privileged_pod("apps", "root"),
                None,
                "ci-bot"
            ),
            (vec![], Ok(()))
        );
        let mut kata = privileged_pod("apps", "vm");
        kata["spec"]["runtimeClassName"] = json!("kata");
        assert_eq!(create(&w, kata), (vec![], Ok(())));
        // Labelling an exempt namespace says the labels are ignored (1.25+).
        let labelled = ns(
            "legacy",
            json!({"pod-security.kubernetes.io/enforce": "restricted"}),
        );
        assert_eq!(
            request(&w, Operation::Update, labelled.clone(), Some(ns("legacy", json!({}))), "u").0,
            ["namespace \"legacy\" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored"]
        );
        assert_eq!(
            create(&w, labelled.clone()).0,
            ["namespace \"legacy\" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored"]
        );
        let w25 = world(25, Some(config), &[]);
        assert_eq!(
            request(&w25, Operation::Update, labelled.clone(), Some(ns("legacy", json!({}))), "u").0,
            ["namespace \"legacy\" is exempt from Pod Security, and the policy (enforce=restricted:latest, warn=restricted:latest) will be ignored"]
        );
        let w24 = world(
            24,
            Some(
                json!({"apiVersion": "pod-security.admission.config.k8s.io/v1beta1",
            "kind": "PodSecurityConfiguration", "exemptions": {"namespaces": ["legacy"]}}),
            ),
            &[],
        );
        assert!(request(
            &w24,
            Operation::Update,
            labelled,
            Some(ns("legacy", json!({}))),
            "u"
        )
        .0
        .is_empty());
    }

    #[test]
    fn configurations_kube_apiserver_refuses() {
        let cfg = |v: Value, minor| Config::from_value(Some(&v), minor);
        let ok = json!({"apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration"});
        assert_eq!(cfg(ok.clone(), 34), Ok(Config::default()));
        assert!(cfg(ok, 24).is_err());
        let beta = json!({"apiVersion": "pod-security.admission.config.k8s.io/v1beta1", "kind": "PodSecurityConfiguration"});
        assert_eq!(cfg(beta.clone(), 23), Ok(Config::default()));
        assert!(cfg(beta, 22).is_err(), "v1beta1 arrived in 1.23");
        assert_eq!(
            cfg(json!({"apiVersion": "pod-security.admission.config.k8s.io/v1beta1", "kind": "PodSecurityConfiguration",
                "defaults": {"enforce": "strict"}, "exemptions": {"usernames": ["a", "a"]}}), 34),
            Err("PodSecurity invalid: [defaults.enforce: Invalid value: \"strict\": must be one of privileged, baseline, restricted, exemptions.usernames[1]: Duplicate value: \"a\"]".into())
        );
        assert!(cfg(json!({"apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration",
            "defaults": {"enforce": "baseline", "colour": "red"}}), 34).is_err());
    }

    #[test]
    fn pod_updates_are_checked_only_when_images_change() {
        let w = world(
            34,
            None,
            &[ns(
                "prod",
                json!({"pod-security.kubernetes.io/enforce": "restricted"}),
            )],
        );
        let old = bare_pod("prod", "web");
        let mut labelled = old.clone();
        labelled["metadata"]["labels"] = json!({"tier": "web"});
        assert_eq!(
            request(&w, Operation::Update, labelled, Some(old.clone()), "u"),
            (vec![], Ok(()))
        );
        let mut new_image = old.clone();
        new_image["spec"]["containers"][0]["image"] = json!("nginx:1.27");
        assert!(request(&w, Operation::Update, new_image, Some(old), "u")
            .1
            .is_err());
    }

    #[test]
    fn a_missing_namespace_is_an_internal_error() {
        let w = world(34, None, &[]);
        assert_eq!(
            create(&w, bare_pod("ghost", "web")).1,
            Err("Internal error occurred: failed to lookup namespace \"ghost\"".into())
        );
        // Workloads are let through.
        assert_eq!(create(&w, deployment("ghost", "web")), (vec![], Ok(())));
    }

    #[test]
    fn runs_in_the_admission_chain() {
        use crate::admission::testutil::{admit_pod_with, pod};
        let restricted = ns(
            "default",
            json!({"pod-security.kubernetes.io/enforce": "restricted"}),
        );
        let err = admit_pod_with(
            &PodSecurity,
            pod(json!({"containers": [{"name": "app", "image": "nginx"}]})),
            &[restricted],
        )
        .unwrap_err();
        assert_eq!(
            err,
            format!("pods \"p\" is forbidden: violates PodSecurity \"restricted:latest\": {RESTRICTED_BARE}")
        );
    }

    #[test]
    fn on_1_22_the_plugin_is_enabled_but_its_alpha_feature_gate_is_off() {
        use crate::admission::testkit::{run, Request};
        let restricted = ns(
            "default",
            json!({"pod-security.kubernetes.io/enforce": "restricted"}),
        );
        let admit = |minor| {
            run(
                &PodSecurity,
                Request::create(bare_pod("default", "p"))
                    .with(std::slice::from_ref(&restricted))
                    .minor(minor),
            )
            .map(|_| ())
        };
        assert_eq!(admit(22), Ok(()));
        assert!(admit(23)
            .unwrap_err()
            .starts_with("pods \"p\" is forbidden: violates PodSecurity \"restricted:latest\""));
    }

    #[test]
    fn labels_parse_like_upstream() {
        use super::api::Version;
        assert_eq!(Version::parse("v1.0"), Ok(Version::V1(0)));
        assert_eq!(Version::parse("v1.34"), Ok(Version::V1(34)));
        for bad in [
            "v1.034",
            "v2.1",
            "1.25",
            "v1.",
            "v1.-1",
            "Latest",
            "v1.99999999999999999999",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Version::V1(99).effective(30), 30);
        assert_eq!(Version::Latest.effective(30), 30);
        assert_eq!(Version::V1(3).effective(30), 3);
    }
}
