//! PodSecurityPolicy (policy/v1beta1, Kubernetes up to 1.24): a pod is admitted when one
//! policy that its creator or its service account may `use` accepts it; the policy may first
//! fill in defaults (run-as user, groups, SELinux, capabilities, …) and its name is recorded in
//! the `kubernetes.io/psp` annotation.
//!
//! Follows `plugin/pkg/admission/security/podsecuritypolicy/admission.go` of kubernetes/kubernetes
//! release-1.24: `Admit` (CREATE only, mutation allowed), `Validate` (CREATE and UPDATE, no
//! mutation, the annotated policy tried first), `shouldIgnore` (other resources, subresources,
//! updates that only touch ownerReferences or finalizers), `computeSecurityContext` (policies
//! sorted by name; the first that accepts the pod unchanged wins, else the first that accepts
//! it after defaulting; only policies the user or the pod's service account may use count),
//! `isAuthorizedForPolicy` (the service account first, then the user; the `policy` then the
//! `extensions` API group; in the pod's namespace) and the messages
//! `PodSecurityPolicy: unable to admit pod: [...]`, `PodSecurityPolicy: unable to validate pod:
//! [...]` and `PodSecurityPolicy: no providers available to validate pod request`, returned as
//! `admission.NewForbidden`. The policies themselves are in `pod_security_policy/`.
//!
//! Where upstream's order is Go map order (the errors of several rejecting policies) kubefiddle
//! lists them in policy-name order. Ephemeral containers are not looked at.

mod provider;
mod strategies;
mod util;

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::auth::{authorize, Decision, Request};
use crate::object::Object;
use crate::psp::PodSecurityPolicy as Psp;
use crate::settings::UserInfo;
use crate::status::{ApiError, FieldError};
use crate::store::Store;
use provider::Provider;
use util::VALIDATED_PSP_ANNOTATION;

pub struct PodSecurityPolicy;

const PLUGIN_NAME: &str = "PodSecurityPolicy";

// ---------------------------------------------------------------------------
// Messages (admission.go, word for word)
// ---------------------------------------------------------------------------

/// No policy exists (or none could be turned into a provider).
pub const NO_PROVIDERS: &str = "PodSecurityPolicy: no providers available to validate pod request";

/// `Admit` found no usable policy that accepts the pod: the errors of the usable policies, as
/// Go prints a `field.ErrorList` with `%v`.
pub fn unable_to_admit(errs: &[FieldError]) -> String {
    format!(
        "PodSecurityPolicy: unable to admit pod: {}",
        error_list(errs)
    )
}

/// `Validate` found no usable policy that accepts the pod without changing it.
pub fn unable_to_validate(errs: &[FieldError]) -> String {
    format!(
        "PodSecurityPolicy: unable to validate pod: {}",
        error_list(errs)
    )
}

fn error_list(errs: &[FieldError]) -> String {
    let items: Vec<String> = errs.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(" "))
}

// ---------------------------------------------------------------------------
// The plugin
// ---------------------------------------------------------------------------

impl Plugin for PodSecurityPolicy {
    fn name(&self) -> &'static str {
        PLUGIN_NAME
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn mutating(&self) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if ignored(a) || a.operation != Operation::Create {
            return Ok(());
        }
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(());
        };
        match compute(a, c.store, c.settings.minor, pod, true, "") {
            Err(NoProviders) => Err(forbidden(a, NO_PROVIDERS, &[])),
            Ok(Outcome::Rejected(errs)) => Err(forbidden(a, &unable_to_admit(&errs), &errs)),
            Ok(Outcome::Allowed { mut pod, policy }) => {
                pod.metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(VALIDATED_PSP_ANNOTATION.to_string(), policy);
                a.object = Some(Object::Pod(pod));
                Ok(())
            }
        }
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if ignored(a) {
            return Ok(());
        }
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(());
        };
        let hint = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|an| an.get(VALIDATED_PSP_ANNOTATION))
            .cloned()
            .unwrap_or_default();
        match compute(a, c.store, c.settings.minor, pod, false, &hint) {
            Err(NoProviders) => Err(forbidden(a, NO_PROVIDERS, &[])),
            Ok(Outcome::Allowed { pod: allowed, .. }) if semantically_equal(pod, &allowed) => {
                Ok(())
            }
            Ok(Outcome::Allowed { .. }) => Err(forbidden(a, &unable_to_validate(&[]), &[])),
            Ok(Outcome::Rejected(errs)) => Err(forbidden(a, &unable_to_validate(&errs), &errs)),
        }
    }
}

/// `admission.NewForbidden`, pointing at the first offending field of the manifest.
fn forbidden(a: &Attributes, message: &str, errs: &[FieldError]) -> ApiError {
    let mut err = ApiError::forbidden(&a.kind.resource(), &error_name(a), message, PLUGIN_NAME);
    if let Some(first) = errs.first() {
        err = err.with_field(manifest_field(&first.field));
    }
    err
}

/// Where an error's field is in a v1 manifest: the strategies name some fields as the internal
/// API has them (`spec.securityContext.hostPID`, `pod.spec…`, `pod.metadata.annotations[k]`).
fn manifest_field(field: &str) -> String {
    let f = field.strip_prefix("pod.").unwrap_or(field);
    for host in ["hostPID", "hostIPC", "hostNetwork"] {
        if f == format!("spec.securityContext.{host}") {
            return format!("spec.{host}");
        }
    }
    match f
        .strip_prefix("metadata.annotations[")
        .and_then(|k| k.strip_suffix(']'))
    {
        Some(key) => format!("metadata.annotations.{key}"),
        None => f.to_string(),
    }
}

/// The name `admission.NewForbidden` puts in the message (`extractResourceName`): the
/// request's name, else the object's name, else its generateName, else `Unknown`.
fn error_name(a: &Attributes) -> String {
    if !a.name.is_empty() {
        return a.name.clone();
    }
    let meta = a.object.as_ref().map(Object::meta);
    meta.and_then(|m| m.name.clone().filter(|n| !n.is_empty()))
        .or_else(|| meta.and_then(|m| m.generate_name.clone().filter(|n| !n.is_empty())))
        .unwrap_or_else(|| "Unknown".to_string())
}

/// `shouldIgnore`: anything but a pod, subresources, and updates that only change what the
/// garbage collector changes (`rbacregistry.IsOnlyMutatingGCFields`).
fn ignored(a: &Attributes) -> bool {
    if a.kind.kind != "Pod" || !a.kind.group.is_empty() || !a.subresource.is_empty() {
        return true;
    }
    let Some(Object::Pod(new)) = a.object.as_ref() else {
        return true;
    };
    if a.operation == Operation::Update {
        if let Some(Object::Pod(old)) = a.old_object {
            let mut copied = (**new).clone();
            copied.metadata.owner_references = old.metadata.owner_references.clone();
            copied.metadata.finalizers = old.metadata.finalizers.clone();
            copied.metadata.managed_fields = old.metadata.managed_fields.clone();
            copied.metadata.self_link = old.metadata.self_link.clone();
            return semantically_equal(&copied, old);
        }
    }
    false
}

// ---------------------------------------------------------------------------
// Choosing a policy
// ---------------------------------------------------------------------------

/// There is no policy to try.
struct NoProviders;

enum Outcome {
    /// The pod as the chosen policy leaves it.
    Allowed { pod: Box<Pod>, policy: String },
    /// The errors of every usable policy that refused the pod.
    Rejected(Vec<FieldError>),
}

/// `computeSecurityContext`.
fn compute(
    a: &Attributes,
    store: &Store,
    minor: u32,
    pod: &Pod,
    mutation_allowed: bool,
    hint: &str,
) -> Result<Outcome, NoProviders> {
    let sa_user = pod
        .spec
        .as_ref()
        .and_then(|s| s.service_account_name.as_deref())
        .filter(|n| !n.is_empty())
        .map(|sa| service_account_user(&a.namespace, sa));
    let mut policies: Vec<&Psp> = store
        .list("PodSecurityPolicy")
        .filter_map(|s| match &s.obj {
            Object::PodSecurityPolicy(p) => Some(p.as_ref()),
            _ => None,
        })
        .collect();
    // By name; on validation the annotated policy first.
    policies.sort_by_key(|p| {
        let name = p.metadata.name.as_deref().unwrap_or("");
        (mutation_allowed || name != hint, name)
    });
    let providers: Vec<Provider> = policies
        .iter()
        .filter_map(|p| Provider::new(p, p.spec.as_ref()?, minor).ok())
        .collect();
    if providers.is_empty() {
        return Err(NoProviders);
    }
    let authorized = |policy: &str| {
        authorized_for_policy(store, sa_user.as_ref(), &a.namespace, policy)
            || authorized_for_policy(store, Some(a.user), &a.namespace, policy)
    };
    let mut first_mutated: Option<(Pod, String)> = None;
    let mut refusals: Vec<(String, Vec<FieldError>)> = Vec::new();
    for provider in &providers {
        let mut copy = pod.clone();
        provider.mutate_pod(&mut copy);
        let errs = provider.validate_pod(&copy);
        if !errs.is_empty() {
            refusals.push((provider.name.clone(), errs));
            continue;
        }
        let mutated = !semantically_equal(pod, &copy);
        if mutated && !mutation_allowed {
            continue;
        }
        if !authorized(&provider.name) {
            continue;
        }
        if !mutated {
            return Ok(Outcome::Allowed {
                pod: Box::new(copy),
                policy: provider.name.clone(),
            });
        }
        if first_mutated.is_none() {
            first_mutated = Some((copy, provider.name.clone()));
        }
    }
    if let Some((pod, policy)) = first_mutated {
        return Ok(Outcome::Allowed {
            pod: Box::new(pod),
            policy,
        });
    }
    let errs = refusals
        .into_iter()
        .filter(|(name, _)| authorized(name))
        .flat_map(|(_, errs)| errs)
        .collect();
    Ok(Outcome::Rejected(errs))
}

/// `serviceaccount.UserInfo`: the identity a pod's service account has.
fn service_account_user(namespace: &str, name: &str) -> UserInfo {
    UserInfo {
        name: format!("system:serviceaccount:{namespace}:{name}"),
        groups: vec![
            "system:serviceaccounts".to_string(),
            format!("system:serviceaccounts:{namespace}"),
        ],
    }
}

/// `authorizedForPolicy`: `use` of the policy in the `policy` or the legacy `extensions` group.
fn authorized_for_policy(
    store: &Store,
    user: Option<&UserInfo>,
    namespace: &str,
    policy: &str,
) -> bool {
    let Some(user) = user else {
        return false;
    };
    ["policy", "extensions"].iter().any(|group| {
        let req = Request {
            verb: "use".into(),
            api_group: (*group).into(),
            resource: "podsecuritypolicies".into(),
            subresource: String::new(),
            namespace: namespace.into(),
            name: policy.into(),
        };
        authorize(store, user, &req) == Decision::Allow
    })
}

/// `apiequality.Semantic.DeepEqual` for what the policies change: an empty list or map is
/// the same as none.
fn semantically_equal(a: &Pod, b: &Pod) -> bool {
    let norm = |p: &Pod| prune(serde_json::to_value(p).unwrap_or(Value::Null));
    norm(a) == norm(b)
}

fn prune(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(prune).collect()),
        other => other,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
