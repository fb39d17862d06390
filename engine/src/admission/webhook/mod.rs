//! What the two webhook admission plugins share: deciding whether a webhook would be called for a
//! request, and what calling it does in a cluster where nothing answers.
//!
//! Follows, in `k8s.io/apiserver/pkg/admission/plugin/webhook/`:
//! * `generic/webhook.go` `ShouldCallHook` (namespaceSelector, objectSelector, rules, then
//!   matchConditions; a failed matchCondition is `errors.NewForbidden`) and `Dispatch`
//!   (`rules.IsExemptAdmissionConfigurationResource`);
//! * `predicates/namespace/matcher.go`, `predicates/object/matcher.go`, `predicates/rules/rules.go`;
//! * `matchconditions/matcher.go` (false skips the webhook; errors follow the failurePolicy);
//! * `mutating/dispatcher.go` and `validating/dispatcher.go` (`ErrCallingWebhook` with
//!   failurePolicy Fail is `apierrors.NewInternalError`; Ignore fails open with only a log line,
//!   a metric and an audit annotation: nothing reaches the client);
//! * `k8s.io/apiserver/pkg/util/webhook/client.go` (the `https://<svc>.<ns>.svc:<port><path>` URL,
//!   the dialer that resolves the service) and `error.go` (`failed calling webhook %q: %v`);
//! * `k8s.io/apiserver/pkg/util/proxy/proxy.go` `ResolveCluster`, the resolver kube-apiserver
//!   uses without `--enable-aggregator-routing` (kind, kubeadm): a missing Service is the
//!   lister's `service "x" not found`; a Service that exists is dialled at its ClusterIP, and with
//!   no ready endpoint behind it kube-proxy rejects the connection (`connect: connection
//!   refused`). `no endpoints available for service "x"` is only what
//!   `--enable-aggregator-routing=true` gives.
//!
//! kubefiddle runs no webhook servers, so every call fails as one to an unreachable service.

use std::collections::BTreeMap;

use k8s_openapi::api::admissionregistration::v1 as ar;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::{json, Value};

use super::{Attributes, ClusterView, Operation};
use crate::labels::Selector;
use crate::object::{KindInfo, Object};
use crate::status::{ApiError, Reason};

/// The admissionregistration kinds no webhook is ever called for
/// (`IsExemptAdmissionConfigurationResource`).
pub fn is_exempt(kind: &KindInfo) -> bool {
    kind.group == "admissionregistration.k8s.io"
        && matches!(
            kind.kind,
            "ValidatingWebhookConfiguration"
                | "MutatingWebhookConfiguration"
                | "ValidatingAdmissionPolicy"
                | "ValidatingAdmissionPolicyBinding"
                | "MutatingAdmissionPolicy"
                | "MutatingAdmissionPolicyBinding"
        )
}

/// `attr.GetNamespace()`: for requests on a Namespace object it is the namespace's own name.
pub fn request_namespace(a: &Attributes) -> String {
    if a.kind.kind == "Namespace" && a.kind.group.is_empty() {
        a.name.clone()
    } else {
        a.namespace.clone()
    }
}

fn is_namespaces(a: &Attributes) -> bool {
    a.kind.group.is_empty() && a.kind.plural == "namespaces"
}

/// One rule of a webhook or policy (`RuleWithOperations`, or the rule part of
/// `NamedRuleWithOperations`).
pub struct Rule<'a> {
    pub operations: &'a [String],
    pub api_groups: &'a [String],
    pub api_versions: &'a [String],
    pub resources: &'a [String],
    pub scope: Option<&'a str>,
}

impl<'a> Rule<'a> {
    pub fn of(r: &'a ar::RuleWithOperations) -> Self {
        Rule {
            operations: r.operations.as_deref().unwrap_or(&[]),
            api_groups: r.api_groups.as_deref().unwrap_or(&[]),
            api_versions: r.api_versions.as_deref().unwrap_or(&[]),
            resources: r.resources.as_deref().unwrap_or(&[]),
            scope: r.scope.as_deref(),
        }
    }

    pub fn of_named(r: &'a ar::NamedRuleWithOperations) -> Self {
        Rule {
            operations: r.operations.as_deref().unwrap_or(&[]),
            api_groups: r.api_groups.as_deref().unwrap_or(&[]),
            api_versions: r.api_versions.as_deref().unwrap_or(&[]),
            resources: r.resources.as_deref().unwrap_or(&[]),
            scope: r.scope.as_deref(),
        }
    }

    /// `rules.Matcher.Matches`: scope, operation, group, version and resource/subresource.
    pub fn matches(&self, a: &Attributes) -> bool {
        let namespace = request_namespace(a);
        let scope = match self.scope {
            None | Some("*") => true,
            Some("Namespaced") => !is_namespaces(a) && !namespace.is_empty(),
            Some("Cluster") => is_namespaces(a) || namespace.is_empty(),
            Some(_) => false,
        };
        let op = operation_name(a.operation);
        scope
            && self.operations.iter().any(|o| o == "*" || o == op)
            && exact_or_wildcard(self.api_groups, a.kind.group)
            && exact_or_wildcard(self.api_versions, a.kind.version)
            && self.resources.iter().any(|r| {
                let (res, sub) = r.split_once('/').unwrap_or((r.as_str(), ""));
                (res == "*" || res == a.kind.plural) && (sub == "*" || sub == a.subresource)
            })
    }
}

fn exact_or_wildcard(items: &[String], requested: &str) -> bool {
    items.iter().any(|i| i == "*" || i == requested)
}

pub fn operation_name(op: Operation) -> &'static str {
    match op {
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
        Operation::Connect => "CONNECT",
    }
}

/// A selector that failed to parse is an internal error (`apierrors.NewInternalError`).
pub fn internal_error(err: &str, source: &str) -> ApiError {
    ApiError::new(
        Reason::InternalError,
        format!("Internal error occurred: {err}"),
        source,
    )
}

/// `namespace.Matcher.MatchNamespaceSelector`. A missing selector is the API default `{}`.
pub fn match_namespace_selector(
    sel: Option<&LabelSelector>,
    a: &Attributes,
    c: &ClusterView,
    source: &str,
) -> Result<bool, ApiError> {
    let namespace = request_namespace(a);
    if namespace.is_empty() && !is_namespaces(a) {
        // Cluster-scoped objects other than namespaces are never exempted.
        return Ok(true);
    }
    let selector = match sel {
        None => Selector::everything(),
        Some(s) => Selector::from_label_selector(s).map_err(|e| internal_error(&e, source))?,
    };
    if selector.is_empty() {
        return Ok(true);
    }
    let labels: Option<BTreeMap<String, String>> = if is_namespaces(a)
        && matches!(a.operation, Operation::Create | Operation::Update)
    {
        a.object.as_ref().and_then(|o| o.meta().labels.clone())
    } else {
        match c.store.get_obj("Namespace", "", &namespace) {
            Some(ns) => ns.meta().labels.clone(),
            None => return Err(ApiError::not_found("namespaces", &namespace).from_plugin(source)),
        }
    };
    Ok(selector.matches_opt(labels.as_ref()))
}

/// `object.Matcher.MatchObjectSelector`: the object's or the old object's labels.
pub fn match_object_selector(
    sel: Option<&LabelSelector>,
    a: &Attributes,
    source: &str,
) -> Result<bool, ApiError> {
    let selector = match sel {
        None => Selector::everything(),
        Some(s) => Selector::from_label_selector(s).map_err(|e| internal_error(&e, source))?,
    };
    if selector.is_empty() {
        return Ok(true);
    }
    let matches =
        |o: Option<&Object>| o.is_some_and(|o| selector.matches_opt(o.meta().labels.as_ref()));
    Ok(matches(a.object.as_ref()) || matches(a.old_object))
}

/// The `request` variable of admission CEL: the AdmissionRequest as `CreateAdmissionRequest`
/// builds it (no object, no oldObject).
pub fn request_json(a: &Attributes) -> Value {
    // A CONNECT request has the kind of its options (`PodExecOptions`), not of the resource.
    let kind = a
        .options
        .as_ref()
        .and_then(|o| o.get("kind"))
        .and_then(Value::as_str)
        .unwrap_or(a.kind.kind);
    let gvk = json!({"group": a.kind.group, "version": a.kind.version, "kind": kind});
    let gvr = json!({"group": a.kind.group, "version": a.kind.version, "resource": a.kind.plural});
    let mut r = serde_json::Map::new();
    r.insert("uid".into(), json!(""));
    r.insert("kind".into(), gvk.clone());
    r.insert("resource".into(), gvr.clone());
    if !a.subresource.is_empty() {
        r.insert("subResource".into(), json!(a.subresource));
    }
    r.insert("requestKind".into(), gvk);
    r.insert("requestResource".into(), gvr);
    if !a.subresource.is_empty() {
        r.insert("requestSubResource".into(), json!(a.subresource));
    }
    if !a.name.is_empty() {
        r.insert("name".into(), json!(a.name));
    }
    let namespace = request_namespace(a);
    if !namespace.is_empty() {
        r.insert("namespace".into(), json!(namespace));
    }
    r.insert("operation".into(), json!(operation_name(a.operation)));
    let mut user = serde_json::Map::new();
    if !a.user.name.is_empty() {
        user.insert("username".into(), json!(a.user.name));
    }
    if !a.user.groups.is_empty() {
        user.insert("groups".into(), json!(a.user.groups));
    }
    r.insert("userInfo".into(), Value::Object(user));
    r.insert("dryRun".into(), json!(false));
    Value::Object(r)
}

/// `object`, `oldObject` and `request` for a request's CEL expressions.
pub fn cel_vars(a: &Attributes) -> crate::cel::Vars {
    let mut vars = crate::cel::Vars::new();
    let object = a
        .object
        .as_ref()
        .map(Object::to_value)
        .or(a.options.clone());
    let old = a.old_object.map(Object::to_value);
    vars.set_json("object", object.as_ref());
    vars.set_json("oldObject", old.as_ref());
    vars.set_json("request", Some(&request_json(a)));
    vars
}

/// The outcome of matchConditions (`matchconditions.matcher.Match`): `Ok(true)` to call,
/// `Ok(false)` to skip, `Err` with the error text when failurePolicy is Fail.
pub fn match_conditions(
    conditions: &[ar::MatchCondition],
    vars: &crate::cel::Vars,
    fail: bool,
) -> Result<bool, String> {
    let mut errors = Vec::new();
    for cond in conditions {
        match crate::cel::evaluate(&cond.expression, vars) {
            Ok(::cel::Value::Bool(false)) => return Ok(false),
            Ok(::cel::Value::Bool(true)) => {}
            Ok(_) => errors.push(format!(
                "expression '{}' resulted in error: no such overload",
                cond.expression
            )),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        return Ok(true);
    }
    if !fail {
        return Ok(false);
    }
    // utilerrors.NewAggregate: one error plain, several in brackets.
    Err(if errors.len() == 1 {
        errors.remove(0)
    } else {
        format!("[{}]", errors.join(", "))
    })
}

/// A webhook of either kind, as the dispatchers see it.
pub struct Hook<'a> {
    pub name: &'a str,
    pub client_config: &'a ar::WebhookClientConfig,
    pub rules: &'a [ar::RuleWithOperations],
    pub failure_policy: Option<&'a str>,
    pub namespace_selector: Option<&'a LabelSelector>,
    pub object_selector: Option<&'a LabelSelector>,
    pub match_conditions: &'a [ar::MatchCondition],
    pub timeout_seconds: Option<i32>,
}

impl Hook<'_> {
    /// failurePolicy defaults to Fail.
    pub fn ignores_failures(&self) -> bool {
        self.failure_policy == Some("Ignore")
    }
}

/// A `Hook` from a `MutatingWebhook` or a `ValidatingWebhook` (two types, the same fields).
macro_rules! hook {
    ($w:expr) => {
        Hook {
            name: &$w.name,
            client_config: &$w.client_config,
            rules: $w.rules.as_deref().unwrap_or(&[]),
            failure_policy: $w.failure_policy.as_deref(),
            namespace_selector: $w.namespace_selector.as_ref(),
            object_selector: $w.object_selector.as_ref(),
            match_conditions: $w.match_conditions.as_deref().unwrap_or(&[]),
            timeout_seconds: $w.timeout_seconds,
        }
    };
}

/// The mutating webhooks, configurations sorted by name, webhooks in their order.
pub fn mutating_hooks<'a>(c: &'a ClusterView) -> Vec<Hook<'a>> {
    let mut configs: Vec<&ar::MutatingWebhookConfiguration> = c
        .store
        .list("MutatingWebhookConfiguration")
        .filter_map(|s| match &s.obj {
            Object::MutatingWebhookConfiguration(m) => Some(m.as_ref()),
            _ => None,
        })
        .collect();
    configs.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    configs
        .into_iter()
        .flat_map(|m| m.webhooks.iter().flatten())
        .map(|w| hook!(w))
        .collect()
}

/// The validating webhooks, configurations sorted by name, webhooks in their order.
pub fn validating_hooks<'a>(c: &'a ClusterView) -> Vec<Hook<'a>> {
    let mut configs: Vec<&ar::ValidatingWebhookConfiguration> = c
        .store
        .list("ValidatingWebhookConfiguration")
        .filter_map(|s| match &s.obj {
            Object::ValidatingWebhookConfiguration(v) => Some(v.as_ref()),
            _ => None,
        })
        .collect();
    configs.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    configs
        .into_iter()
        .flat_map(|v| v.webhooks.iter().flatten())
        .map(|w| hook!(w))
        .collect()
}

/// `ShouldCallHook`: `Ok(true)` when the webhook would be called for this request. Selector
/// errors only count for a webhook whose rules match; a matchCondition error with failurePolicy
/// Fail is `<resource> "<name>" is forbidden: <error>`.
pub fn should_call(
    hook: &Hook,
    a: &Attributes,
    c: &ClusterView,
    source: &str,
) -> Result<bool, ApiError> {
    let ns = match_namespace_selector(hook.namespace_selector, a, c, source);
    if matches!(ns, Ok(false)) {
        return Ok(false);
    }
    let obj = match_object_selector(hook.object_selector, a, source);
    if matches!(obj, Ok(false)) {
        return Ok(false);
    }
    if !hook.rules.iter().any(|r| Rule::of(r).matches(a)) {
        return Ok(false);
    }
    ns?;
    obj?;
    if hook.match_conditions.is_empty() {
        return Ok(true);
    }
    let vars = cel_vars(a);
    match_conditions(hook.match_conditions, &vars, !hook.ignores_failures())
        .map_err(|e| ApiError::forbidden(&a.kind.resource(), &a.name, &e, source))
}

/// `path.Join("/", p)`: the request path the REST client builds from a webhook's path.
fn clean_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Go's `time.Duration.String()` for whole seconds.
fn go_seconds(s: i64) -> String {
    if s < 60 {
        return format!("{s}s");
    }
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}h{m}m{sec}s")
    } else {
        format!("{m}m{sec}s")
    }
}

/// A stand-in ClusterIP (in kind's 10.96.0.0/16) for a Service stored without one: the real one
/// is random, so any address in the range is as good; this one is stable per Service.
pub fn stand_in_cluster_ip(namespace: &str, name: &str) -> String {
    let mut h: u32 = 2_166_136_261;
    for b in namespace.bytes().chain([b'/']).chain(name.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(16_777_619);
    }
    let third = (h >> 8) % 256;
    let fourth = (h % 254) + 1;
    format!("10.96.{third}.{fourth}")
}

/// What calling the webhook fails with in a cluster with no webhook servers: the text after
/// `failed calling webhook "<name>": `.
pub fn call_error(hook: &Hook, c: &ClusterView) -> String {
    let timeout = hook.timeout_seconds.unwrap_or(10);
    let query = if timeout > 0 {
        format!("?timeout={}", go_seconds(i64::from(timeout)))
    } else {
        String::new()
    };
    if let Some(svc) = &hook.client_config.service {
        let port = svc.port.unwrap_or(443);
        let url = format!(
            "https://{}.{}.svc:{port}{}{query}",
            svc.name,
            svc.namespace,
            clean_path(svc.path.as_deref().unwrap_or(""))
        );
        let reason = resolve_service(&svc.namespace, &svc.name, port, c);
        return format!("failed to call webhook: Post \"{url}\": {reason}");
    }
    let Some(raw) = hook.client_config.url.as_deref() else {
        return "webhook configuration must have either service or URL".to_string();
    };
    let (scheme, rest) = raw.split_once("://").unwrap_or(("https", raw));
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let url = format!("{scheme}://{host}{}{query}", clean_path(path));
    let (hostname, port) = match host.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, p.to_string()),
        _ => (host, "443".to_string()),
    };
    let bare = hostname.trim_start_matches('[').trim_end_matches(']');
    let reason = if bare.parse::<std::net::IpAddr>().is_ok() {
        format!(
            "dial tcp {host_port}: connect: connection refused",
            host_port = join_host_port(bare, &port)
        )
    } else {
        format!("dial tcp: lookup {bare}: no such host")
    };
    format!("failed to call webhook: Post \"{url}\": {reason}")
}

fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `proxy.ResolveCluster`, then the dial.
fn resolve_service(namespace: &str, name: &str, port: i32, c: &ClusterView) -> String {
    let Some(Object::Service(svc)) = c.store.get_obj("Service", namespace, name) else {
        return format!("service \"{name}\" not found");
    };
    let spec = svc.spec.clone().unwrap_or_default();
    let type_ = spec.type_.as_deref().unwrap_or("ClusterIP");
    let cluster_ip = spec.cluster_ip.clone().unwrap_or_default();
    match type_ {
        "ClusterIP" if cluster_ip == "None" => {
            "cannot route to service with ClusterIP \"None\"".to_string()
        }
        "ClusterIP" | "NodePort" | "LoadBalancer" => {
            if !spec.ports.iter().flatten().any(|p| p.port == port) {
                return format!("no service port {port} found for service \"{name}\"");
            }
            let ip = if cluster_ip.is_empty() {
                stand_in_cluster_ip(namespace, name)
            } else {
                cluster_ip
            };
            format!(
                "dial tcp {}: connect: connection refused",
                join_host_port(&ip, &port.to_string())
            )
        }
        "ExternalName" => format!(
            "dial tcp: lookup {}: no such host",
            spec.external_name.as_deref().unwrap_or("")
        ),
        other => format!("unsupported service type \"{other}\""),
    }
}

/// A webhook that would have been called but could not be reached, and whose failurePolicy
/// Ignore let the request through (kube-apiserver only logs it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedOpen {
    pub webhook: String,
    /// `failed calling webhook "<name>": ...`, the error the API server logs.
    pub error: String,
}

/// Records each webhook that failed open: kube-apiserver admits the request and only logs
/// `failed calling webhook "<name>": ...` (dispatcher.go, `ignoreClientCallFailures`); kubectl
/// prints nothing, so kubefiddle says it in a note.
pub fn note_failed_open(a: &Attributes, d: &Dispatch) {
    for f in &d.failed_open {
        a.notes.push(format!(
            "webhook {:?} could not be called and its failurePolicy is Ignore: the request was admitted without it ({})",
            f.webhook, f.error
        ));
    }
}

/// The error the API server returns for a webhook call that failed under failurePolicy Fail.
pub fn calling_error(hook: &Hook, c: &ClusterView, source: &str) -> (ApiError, String) {
    let err = format!(
        "failed calling webhook \"{}\": {}",
        hook.name,
        call_error(hook, c)
    );
    (internal_error(&err, source), err)
}

/// Which webhooks of a pass would be called for a request and what came of it: the first
/// Fail webhook's error, or the list of those that failed open.
pub struct Dispatch {
    pub called: Vec<String>,
    pub failed_open: Vec<FailedOpen>,
}

/// The mutating dispatcher: webhooks in order, each matched then called; the first failure under
/// failurePolicy Fail stops the request.
pub fn dispatch_serial(
    hooks: &[Hook],
    a: &Attributes,
    c: &ClusterView,
    source: &str,
) -> Result<Dispatch, ApiError> {
    let mut d = Dispatch {
        called: Vec::new(),
        failed_open: Vec::new(),
    };
    if is_exempt(a.kind) {
        return Ok(d);
    }
    for hook in hooks {
        if !should_call(hook, a, c, source)? {
            continue;
        }
        d.called.push(hook.name.to_string());
        let (err, text) = calling_error(hook, c, source);
        if hook.ignores_failures() {
            d.failed_open.push(FailedOpen {
                webhook: hook.name.to_string(),
                error: text,
            });
            continue;
        }
        return Err(err);
    }
    Ok(d)
}

/// The validating dispatcher: every webhook is matched first (a matching error stops the request
/// before any call), then all matching webhooks are called in parallel and the first error is
/// returned. Upstream the first error is whichever call fails first; here it is the first
/// webhook in order.
pub fn dispatch_parallel(
    hooks: &[Hook],
    a: &Attributes,
    c: &ClusterView,
    source: &str,
) -> Result<Dispatch, ApiError> {
    let mut d = Dispatch {
        called: Vec::new(),
        failed_open: Vec::new(),
    };
    if is_exempt(a.kind) {
        return Ok(d);
    }
    let mut relevant = Vec::new();
    for hook in hooks {
        if should_call(hook, a, c, source)? {
            relevant.push(hook);
        }
    }
    let mut first = None;
    for hook in relevant {
        d.called.push(hook.name.to_string());
        let (err, text) = calling_error(hook, c, source);
        if hook.ignores_failures() {
            d.failed_open.push(FailedOpen {
                webhook: hook.name.to_string(),
                error: text,
            });
        } else if first.is_none() {
            first = Some(err);
        }
    }
    match first {
        Some(e) => Err(e),
        None => Ok(d),
    }
}

#[cfg(test)]
pub(crate) mod tests;
