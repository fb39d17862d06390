//! ValidatingAdmissionPolicy: CEL validations from ValidatingAdmissionPolicy objects, applied
//! through their ValidatingAdmissionPolicyBindings.
//!
//! Follows `k8s.io/apiserver/pkg/admission/plugin/policy/validating/` (dispatcher.go: policies
//! and bindings matched with `matching.Matcher`, params collected, `Deny` / `Warn` / `Audit`
//! validation actions, `ValidatingAdmissionPolicy '%s' with binding '%s' denied request: %s`
//! as an `admission.NewForbidden` whose reason is the validation's reason or `Invalid`, the
//! warning `Validation failed for ValidatingAdmissionPolicy '%s' with binding '%s': %s`, and
//! `failed to configure binding: %w` under failurePolicy Fail; validator.go: matchConditions,
//! the message from messageExpression, message or `failed expression: %v`, errors by the
//! failurePolicy), `policy/generic/policy_dispatcher.go` `CollectParams`, and
//! `cel/matching/matching.go`. The policies never apply to the policy kinds themselves.
//! Audit annotations are not shown by kubectl and are left out.

use k8s_openapi::api::admissionregistration::v1 as ar;
use serde_json::Value;

use super::webhook::{
    cel_vars, match_conditions, match_namespace_selector, match_object_selector, request_namespace,
    Rule,
};
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::cel::{self as kcel, Vars};
use crate::object::Object;
use crate::status::{ApiError, Reason};

pub struct ValidatingAdmissionPolicy;

pub const NAME: &str = "ValidatingAdmissionPolicy";

/// `celconfig.MaxEvaluatedMessageExpressionSizeBytes`.
const MAX_MESSAGE_BYTES: usize = 5 * 1024;

impl Plugin for ValidatingAdmissionPolicy {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handles(&self, _op: Operation) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }

    /// The `Warn` actions' warnings go with the answer, whether or not a `Deny` refuses it.
    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let outcome = decide(a, c);
        a.warnings.extend(outcome.warnings);
        match outcome.denied {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// What the policies decided for one request.
#[derive(Debug, Default)]
pub struct Outcome {
    pub warnings: Vec<String>,
    pub denied: Option<ApiError>,
}

/// One denial: the policy, the binding (absent for a policy configuration error), the message
/// and the status reason.
struct Denial {
    policy: String,
    binding: Option<String>,
    message: String,
    reason: String,
}

/// The policy resources the plugin never applies to (`admissionResources`).
fn excluded(a: &Attributes) -> bool {
    a.kind.group == "admissionregistration.k8s.io"
        && matches!(
            a.kind.plural,
            "validatingadmissionpolicies"
                | "validatingadmissionpolicybindings"
                | "mutatingadmissionpolicies"
                | "mutatingadmissionpolicybindings"
        )
}

/// `matching.Matcher.Matches`: namespaceSelector, objectSelector, excludeResourceRules, then
/// resourceRules (a binding without resourceRules matches every resource its policy does).
fn matches(
    m: &ar::MatchResources,
    a: &Attributes,
    c: &ClusterView,
    binding: bool,
) -> Result<bool, ApiError> {
    if !match_namespace_selector(m.namespace_selector.as_ref(), a, c, NAME)? {
        return Ok(false);
    }
    if !match_object_selector(m.object_selector.as_ref(), a, NAME)? {
        return Ok(false);
    }
    let rule_matches = |rules: &[ar::NamedRuleWithOperations]| {
        rules.iter().any(|r| {
            Rule::of_named(r).matches(a)
                && r.resource_names
                    .as_deref()
                    .is_none_or(|names| names.is_empty() || names.contains(&a.name))
        })
    };
    if rule_matches(m.exclude_resource_rules.as_deref().unwrap_or(&[])) {
        return Ok(false);
    }
    match m.resource_rules.as_deref() {
        None if binding => Ok(true),
        rules => Ok(rule_matches(rules.unwrap_or(&[]))),
    }
}

/// Runs every policy and binding against the request.
pub fn decide(a: &Attributes, c: &ClusterView) -> Outcome {
    let mut out = Outcome::default();
    if excluded(a) {
        return out;
    }
    let bindings: Vec<&ar::ValidatingAdmissionPolicyBinding> = c
        .store
        .list("ValidatingAdmissionPolicyBinding")
        .filter_map(|s| match &s.obj {
            Object::ValidatingAdmissionPolicyBinding(b) => Some(b.as_ref()),
            _ => None,
        })
        .collect();
    if bindings.is_empty() {
        return out;
    }
    let mut denials: Vec<Denial> = Vec::new();
    for stored in c.store.list("ValidatingAdmissionPolicy") {
        let Object::ValidatingAdmissionPolicy(policy) = &stored.obj else {
            continue;
        };
        let policy_name = policy.metadata.name.clone().unwrap_or_default();
        let Some(spec) = policy.spec.as_ref() else {
            continue;
        };
        let fail = spec.failure_policy.as_deref() != Some("Ignore");
        let config_error = |denials: &mut Vec<Denial>, binding: Option<&str>, err: String| {
            if fail {
                let message = match binding {
                    None => format!("failed to configure policy: {err}"),
                    Some(_) => format!("failed to configure binding: {err}"),
                };
                denials.push(Denial {
                    policy: policy_name.clone(),
                    binding: binding.map(str::to_string),
                    message,
                    reason: String::new(),
                });
            }
        };
        let constraints = spec.match_constraints.clone().unwrap_or_default();
        // A policy whose matching fails (a namespace that cannot be read) is skipped.
        if !matches(&constraints, a, c, false).unwrap_or(false) {
            continue;
        }
        // The param kind must be a served resource (the policy source's configuration error).
        let param_kind = match spec.param_kind.as_ref() {
            None => None,
            Some(pk) => {
                let api_version = pk.api_version.clone().unwrap_or_default();
                let kind = pk.kind.clone().unwrap_or_default();
                match crate::object::lookup(&api_version, &kind) {
                    Some(info) => Some(info),
                    None => {
                        let (group, version) =
                            api_version.rsplit_once('/').unwrap_or(("", &api_version));
                        config_error(
                            &mut denials,
                            None,
                            format!("failed to find resource referenced by paramKind: '{group}/{version}, Kind={kind}'"),
                        );
                        continue;
                    }
                }
            }
        };
        for binding in &bindings {
            let Some(bspec) = binding.spec.as_ref() else {
                continue;
            };
            if bspec.policy_name.as_deref() != Some(policy_name.as_str()) {
                continue;
            }
            let binding_name = binding.metadata.name.clone().unwrap_or_default();
            let bmatch = bspec.match_resources.clone().unwrap_or_default();
            match matches(&bmatch, a, c, true) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    config_error(&mut denials, Some(&binding_name), e.message);
                    continue;
                }
            }
            let params = match collect_params(param_kind, bspec.param_ref.as_ref(), a, c) {
                Ok(p) => p,
                Err(e) => {
                    config_error(&mut denials, Some(&binding_name), e);
                    continue;
                }
            };
            let namespace = if a.kind.kind == "Namespace" && a.kind.group.is_empty() {
                String::new()
            } else {
                request_namespace(a)
            };
            let namespace_object = if namespace.is_empty() {
                None
            } else {
                match c.store.get_obj("Namespace", "", &namespace) {
                    Some(ns) => Some(namespace_object(ns)),
                    None => {
                        out.denied =
                            Some(ApiError::not_found("namespaces", &namespace).from_plugin(NAME));
                        return out;
                    }
                }
            };
            let actions = bspec.validation_actions.clone().unwrap_or_default();
            for param in params {
                let mut vars = cel_vars(a);
                vars.set_json("params", param.as_ref());
                vars.set_json("namespaceObject", namespace_object.as_ref());
                for decision in validate(spec, fail, &mut vars) {
                    for action in &actions {
                        match action.as_str() {
                            "Deny" => denials.push(Denial {
                                policy: policy_name.clone(),
                                binding: Some(binding_name.clone()),
                                message: decision.message.clone(),
                                reason: decision.reason.clone(),
                            }),
                            "Warn" => out.warnings.push(format!(
                                "Validation failed for ValidatingAdmissionPolicy '{policy_name}' with binding '{binding_name}': {}",
                                decision.message
                            )),
                            // Audit: an audit annotation, nothing the client sees.
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    if let Some(d) = denials.into_iter().next() {
        out.denied = Some(denial_error(a, &d));
    }
    out
}

/// `admission.NewForbidden` with the decision's reason (`Invalid` when it has none), and the
/// message as the status' one cause.
fn denial_error(a: &Attributes, d: &Denial) -> ApiError {
    let message = match &d.binding {
        Some(b) => format!(
            "ValidatingAdmissionPolicy '{}' with binding '{b}' denied request: {}",
            d.policy, d.message
        ),
        None => format!(
            "ValidatingAdmissionPolicy '{}' denied request: {}",
            d.policy, d.message
        ),
    };
    let mut e = ApiError::forbidden(&a.kind.resource(), &a.name, &message, NAME);
    match d.reason.as_str() {
        "" | "Invalid" => {
            e.reason = Reason::Invalid;
            // kubectl prints an Invalid status from its details: the resource, the name and
            // the causes as `<field>: <message>`, the field being empty here.
            e.details = Some((a.kind.plural.to_string(), a.name.clone()));
            e.causes = vec![format!(": {message}")];
        }
        // Forbidden, and the reasons kubefiddle has no status for (Unauthorized,
        // RequestEntityTooLarge).
        _ => e.reason = Reason::Forbidden,
    }
    e
}

/// The namespace as `namespaceObject` shows it (`CreateNamespaceObject`: metadata without
/// managedFields and ownerReferences, spec and status).
fn namespace_object(ns: &Object) -> Value {
    let mut v = ns.to_value();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        meta.remove("ownerReferences");
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("apiVersion");
        o.remove("kind");
    }
    v
}

/// `CollectParams`: the params a binding evaluates its policy with (`[None]` without a param
/// kind or reference).
fn collect_params(
    kind: Option<&'static crate::object::KindInfo>,
    param_ref: Option<&ar::ParamRef>,
    a: &Attributes,
    c: &ClusterView,
) -> Result<Vec<Option<Value>>, String> {
    let (Some(kind), Some(pr)) = (kind, param_ref) else {
        return Ok(vec![None]);
    };
    let ref_ns = pr.namespace.clone().unwrap_or_default();
    let namespace = if kind.namespaced {
        if !ref_ns.is_empty() {
            ref_ns.clone()
        } else {
            let ns = request_namespace(a);
            if ns.is_empty() {
                return Err("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources".into());
            }
            ns
        }
    } else {
        if !ref_ns.is_empty() {
            return Err(
                "paramRef.namespace must not be provided for a cluster-scoped `paramKind`".into(),
            );
        }
        String::new()
    };
    let name = pr.name.clone().unwrap_or_default();
    let params: Vec<Option<Value>> = if !name.is_empty() {
        if pr.selector.is_some() {
            return Err("paramRef.name and paramRef.selector are mutually exclusive".into());
        }
        c.store
            .get_obj(kind.kind, &namespace, &name)
            .map(|o| vec![Some(o.to_value())])
            .unwrap_or_default()
    } else if let Some(sel) = &pr.selector {
        let selector = crate::labels::Selector::from_label_selector(sel)?;
        let list: Vec<&crate::store::Stored> = if kind.namespaced {
            c.store.list_ns(kind.kind, &namespace).collect()
        } else {
            c.store.list(kind.kind).collect()
        };
        list.into_iter()
            .filter(|s| selector.matches_opt(s.obj.meta().labels.as_ref()))
            .map(|s| Some(s.obj.to_value()))
            .collect()
    } else {
        return Err("one of name or selector must be provided".into());
    };
    if params.is_empty() && pr.parameter_not_found_action.as_deref() == Some("Deny") {
        return Err(
            "no params found for policy binding with `Deny` parameterNotFoundAction".into(),
        );
    }
    Ok(params)
}

/// One failed validation (or evaluation error under failurePolicy Fail).
struct Decision {
    message: String,
    reason: String,
}

/// `validator.Validate` for one param: matchConditions, variables, then each validation.
fn validate(
    spec: &ar::ValidatingAdmissionPolicySpec,
    fail: bool,
    vars: &mut Vars,
) -> Vec<Decision> {
    let mut decisions = Vec::new();
    let error = |decisions: &mut Vec<Decision>, message: String| {
        if fail {
            decisions.push(Decision {
                message,
                reason: String::new(),
            });
        }
    };
    let conditions = spec.match_conditions.as_deref().unwrap_or(&[]);
    if !conditions.is_empty() {
        match match_conditions(conditions, vars, fail) {
            Ok(true) => {}
            Ok(false) => return decisions,
            Err(e) => {
                error(&mut decisions, e);
                return decisions;
            }
        }
    }
    // Variables, in order, each seeing the ones before it. Upstream evaluates them lazily; an
    // error surfaces only in an expression that uses the variable.
    let mut values: Vec<(String, Value)> = Vec::new();
    let mut failed: Vec<(String, String)> = Vec::new();
    for v in spec.variables.as_deref().unwrap_or(&[]) {
        vars.set("variables", variables_value(&values));
        match kcel::compile(&v.expression) {
            Err(e) => failed.push((
                v.name.clone(),
                format!("composited variable \"{}\" fails to compile: {e}", v.name),
            )),
            Ok(compiled) => match kcel::eval(&compiled, vars) {
                Ok(val) => values.push((v.name.clone(), cel_to_json(&val))),
                Err(e) => failed.push((
                    v.name.clone(),
                    format!("composited variable \"{}\" fails to evaluate: {e}", v.name),
                )),
            },
        }
    }
    vars.set("variables", variables_value(&values));
    let run = |expr: &str, vars: &Vars| -> Result<::cel::Value, String> {
        kcel::evaluate(expr, vars).map_err(|e| {
            // An expression that reached a failed variable reports that variable's error.
            for (name, err) in &failed {
                if e.ends_with(&format!("no such key: {name}"))
                    && expr.contains(&format!("variables.{name}"))
                {
                    return format!("expression '{expr}' resulted in error: {err}");
                }
            }
            e
        })
    };
    for validation in spec.validations.as_deref().unwrap_or(&[]) {
        match run(&validation.expression, vars) {
            Err(e) => error(&mut decisions, e),
            Ok(v) if kcel::is_true(&v) => {}
            Ok(_) => {
                let from_expression = validation
                    .message_expression
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .and_then(|m| run(m, vars).ok())
                    .and_then(|v| kcel::as_string(&v))
                    .map(|m| m.trim().to_string())
                    .filter(|m| m.len() <= MAX_MESSAGE_BYTES && !m.contains('\n'))
                    .unwrap_or_default();
                let message = if !from_expression.is_empty() {
                    from_expression
                } else {
                    let m = validation
                        .message
                        .as_deref()
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    if m.is_empty() {
                        format!("failed expression: {}", validation.expression.trim())
                    } else {
                        m
                    }
                };
                decisions.push(Decision {
                    message,
                    reason: validation
                        .reason
                        .clone()
                        .unwrap_or_else(|| "Invalid".to_string()),
                });
            }
        }
    }
    // Audit annotations reach only the audit log, but their errors deny under Fail.
    for audit in spec.audit_annotations.as_deref().unwrap_or(&[]) {
        match run(&audit.value_expression, vars) {
            Err(e) => error(&mut decisions, e),
            Ok(::cel::Value::String(_)) | Ok(::cel::Value::Null) => {}
            Ok(other) => error(
                &mut decisions,
                format!(
                    "valueExpression '{}' resulted in unsupported return type: {}. Return type must be either string or null.",
                    audit.value_expression,
                    type_name(&other)
                ),
            ),
        }
    }
    decisions
}

fn type_name(v: &::cel::Value) -> &'static str {
    use ::cel::Value as V;
    match v {
        V::Int(_) => "int",
        V::UInt(_) => "uint",
        V::Float(_) => "double",
        V::Bool(_) => "bool",
        V::List(_) => "list",
        V::Map(_) => "map",
        V::Bytes(_) => "bytes",
        V::String(_) => "string",
        V::Null => "null_type",
        _ => "dyn",
    }
}

fn variables_value(values: &[(String, Value)]) -> ::cel::Value {
    let map: serde_json::Map<String, Value> = values.iter().cloned().collect();
    kcel::json(&Value::Object(map))
}

/// A CEL value back as JSON, to carry variables between evaluations.
fn cel_to_json(v: &::cel::Value) -> Value {
    use ::cel::Value as V;
    match v {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Int(i) => Value::from(*i),
        V::UInt(u) => Value::from(*u),
        V::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        V::String(s) => Value::String(s.to_string()),
        V::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        V::List(l) => Value::Array(l.iter().map(cel_to_json).collect()),
        V::Map(m) => {
            let mut entries: Vec<(String, Value)> = m
                .map
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        ::cel::objects::Key::String(s) => s.to_string(),
                        ::cel::objects::Key::Int(i) => i.to_string(),
                        ::cel::objects::Key::Uint(u) => u.to_string(),
                        ::cel::objects::Key::Bool(b) => b.to_string(),
                    };
                    (key, cel_to_json(v))
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::ValidatingAdmissionPolicy;
    use crate::admission::webhook::tests::{admit, namespace, pod, Req};
    use crate::status::{ApiError, Reason, Verb};
    use serde_json::{json, Value};

    fn policy(name: &str, spec: Value) -> Value {
        let mut s = json!({
            "matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}]},
        });
        crate::admission::testkit::merge(&mut s, spec);
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
               "metadata": {"name": name}, "spec": s})
    }

    fn binding(name: &str, policy: &str, spec: Value) -> Value {
        let mut s = json!({"policyName": policy, "validationActions": ["Deny"]});
        crate::admission::testkit::merge(&mut s, spec);
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
               "metadata": {"name": name}, "spec": s})
    }

    fn deployment(replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx"}},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "nginx"}},
                        "template": {"metadata": {"labels": {"app": "nginx"}},
                                     "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})
    }

    fn run(objects: &[Value], object: Value) -> (Result<(), ApiError>, Vec<String>) {
        admit(&ValidatingAdmissionPolicy, Req::create(object, objects))
    }

    fn replicas_policy(extra: Value) -> Value {
        let mut spec = json!({"validations": [{"expression": "object.spec.replicas <= 5"}]});
        crate::admission::testkit::merge(&mut spec, extra);
        policy("demo-policy.example.com", spec)
    }

    #[test]
    fn a_false_validation_denies_as_invalid_with_the_documented_text() {
        let objects = [
            replicas_policy(json!({})),
            binding(
                "demo-binding-test.example.com",
                "demo-policy.example.com",
                json!({}),
            ),
        ];
        let (r, warnings) = run(&objects, deployment(6));
        let e = r.unwrap_err();
        assert_eq!(e.reason, Reason::Invalid);
        assert_eq!(
            e.message,
            "deployments.apps \"nginx\" is forbidden: ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5"
        );
        // As the Kubernetes documentation shows it.
        assert_eq!(
            e.kubectl_line(Verb::Create, "d.yaml"),
            "The deployments \"nginx\" is invalid: : ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5"
        );
        assert!(warnings.is_empty());
        assert!(run(&objects, deployment(5)).0.is_ok());
    }

    #[test]
    fn message_message_expression_and_reason() {
        let cases = [
            (
                json!({"message": "  too many replicas  "}),
                "too many replicas",
            ),
            (
                json!({"message": "m", "messageExpression": "'replicas: ' + string(object.spec.replicas)"}),
                "replicas: 6",
            ),
            // A messageExpression that fails, or gives no usable string, falls back.
            (
                json!({"message": "m", "messageExpression": "object.nope"}),
                "m",
            ),
            (
                json!({"messageExpression": "'  '"}),
                "failed expression: object.spec.replicas <= 5",
            ),
            (json!({"message": "m", "messageExpression": "'a\\nb'"}), "m"),
        ];
        for (extra, want) in cases {
            let mut v = json!({"expression": "object.spec.replicas <= 5"});
            crate::admission::testkit::merge(&mut v, extra.clone());
            let objects = [
                policy("p", json!({"validations": [v]})),
                binding("b", "p", json!({})),
            ];
            let e = run(&objects, deployment(6)).0.unwrap_err();
            assert!(
                e.message.ends_with(&format!(
                    "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: {want}"
                )),
                "{extra}: {}",
                e.message
            );
        }
        let objects = [
            policy(
                "p",
                json!({"validations": [{"expression": "false", "reason": "Forbidden", "message": "no"}]}),
            ),
            binding("b", "p", json!({})),
        ];
        let e = run(&objects, deployment(1)).0.unwrap_err();
        assert_eq!(
            e.kubectl_line(Verb::Create, "d.yaml"),
            "Error from server (Forbidden): error when creating \"d.yaml\": deployments.apps \"nginx\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: no"
        );
    }

    #[test]
    fn warn_and_audit_actions_admit() {
        let objects = [
            replicas_policy(json!({})),
            binding(
                "warn",
                "demo-policy.example.com",
                json!({"validationActions": ["Warn", "Audit"]}),
            ),
        ];
        let (r, warnings) = run(&objects, deployment(6));
        assert!(r.is_ok());
        assert_eq!(
            warnings,
            ["Validation failed for ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'warn': failed expression: object.spec.replicas <= 5"]
        );
        let audit = [
            replicas_policy(json!({})),
            binding(
                "audit",
                "demo-policy.example.com",
                json!({"validationActions": ["Audit"]}),
            ),
        ];
        assert_eq!(run(&audit, deployment(6)), (Ok(()), vec![]));
        // Deny and Warn together: the warning and the denial.
        let both = [
            replicas_policy(json!({})),
            binding(
                "both",
                "demo-policy.example.com",
                json!({"validationActions": ["Deny", "Warn"]}),
            ),
        ];
        let (r, warnings) = run(&both, deployment(6));
        assert!(r.is_err());
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn evaluation_errors_follow_the_failure_policy() {
        let objects = [
            policy(
                "p",
                json!({"validations": [{"expression": "object.spec.paused == false"}]}),
            ),
            binding("b", "p", json!({})),
        ];
        assert_eq!(
            run(&objects, deployment(1)).0.unwrap_err().message,
            "deployments.apps \"nginx\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: expression 'object.spec.paused == false' resulted in error: no such key: paused"
        );
        let ignore = [
            policy(
                "p",
                json!({"failurePolicy": "Ignore", "validations": [{"expression": "object.spec.paused == false"}]}),
            ),
            binding("b", "p", json!({})),
        ];
        assert!(run(&ignore, deployment(1)).0.is_ok());
    }

    #[test]
    fn selection_by_rules_selectors_match_conditions_and_binding() {
        let deny = |spec: Value, bspec: Value| {
            [
                policy(
                    "p",
                    merge(json!({"validations": [{"expression": "false"}]}), spec),
                ),
                binding("b", "p", bspec),
            ]
        };
        let denied = |objects: &[Value], obj: Value| run(objects, obj).0.is_err();
        // Not a deployment.
        assert!(!denied(
            &deny(json!({}), json!({})),
            pod("x", "default", json!({}))
        ));
        // A binding for another policy.
        assert!(!denied(
            &[
                policy("p", json!({"validations": [{"expression": "false"}]})),
                binding("b", "other", json!({}))
            ],
            deployment(1)
        ));
        // No binding.
        assert!(!denied(
            &[policy(
                "p",
                json!({"validations": [{"expression": "false"}]})
            )],
            deployment(1)
        ));
        // The binding narrows to a namespace with a label.
        let narrowed = deny(
            json!({}),
            json!({"matchResources": {"namespaceSelector": {"matchLabels": {"env": "prod"}}}}),
        );
        assert!(!denied(&narrowed, deployment(1)));
        let mut with_ns = narrowed.to_vec();
        with_ns.push(namespace("prod", json!({"env": "prod"})));
        let mut d = deployment(1);
        d["metadata"]["namespace"] = json!("prod");
        assert!(denied(&with_ns, d));
        // excludeResourceRules and resourceNames.
        assert!(!denied(
            &deny(
                json!({"matchConstraints": {"excludeResourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"], "resourceNames": ["nginx"]}]}}),
                json!({})
            ),
            deployment(1)
        ));
        // matchConditions.
        assert!(!denied(
            &deny(
                json!({"matchConditions": [{"name": "big", "expression": "object.spec.replicas > 3"}]}),
                json!({})
            ),
            deployment(1)
        ));
        assert!(denied(
            &deny(
                json!({"matchConditions": [{"name": "big", "expression": "object.spec.replicas > 3"}]}),
                json!({})
            ),
            deployment(4)
        ));
        // objectSelector.
        assert!(!denied(
            &deny(
                json!({"matchConstraints": {"objectSelector": {"matchLabels": {"app": "other"}}}}),
                json!({})
            ),
            deployment(1)
        ));
    }

    fn merge(mut a: Value, b: Value) -> Value {
        crate::admission::testkit::merge(&mut a, b);
        a
    }

    #[test]
    fn params_variables_and_namespace_object() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "limits", "namespace": "default"}, "data": {"max": "3"}});
        let p = policy(
            "p",
            json!({
                "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
                "variables": [{"name": "max", "expression": "int(params.data.max)"}],
                "validations": [{"expression": "object.spec.replicas <= variables.max", "messageExpression": "'at most ' + params.data.max + ' in ' + namespaceObject.metadata.name"}],
            }),
        );
        let b = binding(
            "b",
            "p",
            json!({"paramRef": {"name": "limits", "parameterNotFoundAction": "Deny"}}),
        );
        let e = run(&[p.clone(), b.clone(), cm.clone()], deployment(4))
            .0
            .unwrap_err();
        assert!(
            e.message.ends_with("denied request: at most 3 in default"),
            "{}",
            e.message
        );
        assert!(run(&[p.clone(), b.clone(), cm], deployment(3)).0.is_ok());
        // The param is missing: Deny.
        assert_eq!(
            run(&[p.clone(), b], deployment(1)).0.unwrap_err().message,
            "deployments.apps \"nginx\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"
        );
        // Allow: nothing to validate.
        let allow = binding(
            "b",
            "p",
            json!({"paramRef": {"name": "limits", "parameterNotFoundAction": "Allow"}}),
        );
        assert!(run(&[p.clone(), allow], deployment(9)).0.is_ok());
        // A variable that fails names itself.
        let bad = policy(
            "p",
            json!({
                "variables": [{"name": "x", "expression": "object.spec.nope"}],
                "validations": [{"expression": "variables.x == 1"}],
            }),
        );
        assert_eq!(
            run(&[bad, binding("b", "p", json!({}))], deployment(1)).0.unwrap_err().message,
            "deployments.apps \"nginx\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: expression 'variables.x == 1' resulted in error: composited variable \"x\" fails to evaluate: no such key: nope"
        );
    }

    #[test]
    fn old_object_on_update_and_policy_kinds_are_exempt() {
        let p = policy(
            "p",
            json!({"validations": [{"expression": "oldObject == null || object.spec.replicas >= oldObject.spec.replicas", "message": "no scaling down"}]}),
        );
        let objects = [p.clone(), binding("b", "p", json!({}))];
        let (r, _) = admit(
            &ValidatingAdmissionPolicy,
            Req::update(deployment(2), deployment(3), &objects),
        );
        assert!(r
            .unwrap_err()
            .message
            .ends_with("denied request: no scaling down"));
        let (r, _) = admit(
            &ValidatingAdmissionPolicy,
            Req::update(deployment(4), deployment(3), &objects),
        );
        assert!(r.is_ok());
        // A policy on everything does not apply to policies.
        let all = policy(
            "all",
            json!({"matchConstraints": {"resourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}]}, "validations": [{"expression": "false"}]}),
        );
        let objects = [all, binding("b", "all", json!({}))];
        assert!(run(&objects, policy("new", json!({}))).0.is_ok());
        assert!(run(&objects, deployment(1)).0.is_err());
    }
}
