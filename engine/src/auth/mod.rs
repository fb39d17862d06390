//! Authorization: RBAC, as kube-apiserver's `--authorization-mode=Node,RBAC` answers for a user.
//!
//! Follows `plugin/pkg/auth/authorizer/rbac/rbac.go` (RBACAuthorizer: ClusterRoleBindings, then
//! the RoleBindings of the request's namespace; the first rule that allows wins) and
//! `pkg/apis/rbac/v1/evaluation_helpers.go` (VerbMatches, APIGroupMatches, ResourceMatches,
//! ResourceNameMatches, subject matching) in kubernetes/kubernetes, and
//! `k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go` (the Forbidden message).

pub mod bootstrap;

use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};

use crate::labels::go_quote;
use crate::object::{KindInfo, Object};
use crate::status::ApiError;
use crate::settings::UserInfo;
use crate::store::Store;

/// What is being asked: `authorizer.AttributesRecord`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub verb: String,
    pub api_group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
}

/// The answer, with the reason a denial gives (empty for RBAC's plain "no rule allows").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(String),
}

/// A request for a path outside the API (`/healthz`, `/version`): `IsResourceRequest() == false`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NonResourceRequest {
    pub verb: String,
    pub path: String,
}

/// The group whose members bypass authorization (`authorizerfactory.NewPrivilegedGroups`, the
/// first authorizer of kube-apiserver's union).
pub const PRIVILEGED_GROUP: &str = "system:masters";

/// Whether `user` may do `req`, by the RBAC objects in `store`.
pub fn authorize(store: &Store, user: &UserInfo, req: &Request) -> Decision {
    decide(store, user, &req.namespace, |r| rule_allows(r, req))
}

/// Whether `user` may do a non-resource request. Only ClusterRoleBindings can grant these: the
/// request has no namespace.
pub fn authorize_non_resource(store: &Store, user: &UserInfo, req: &NonResourceRequest) -> Decision {
    decide(store, user, "", |r| {
        verb_matches(r, &req.verb) && non_resource_url_matches(r, &req.path)
    })
}

/// The union authorizer as kind configures it (`--authorization-mode=Node,RBAC` behind the
/// privileged-group authorizer): RBAC visits the rules of every binding that applies to the
/// user, ClusterRoleBindings first, and stops at the first rule that allows. A binding whose role
/// does not exist contributes an error; a denial carries them as its reason,
/// `RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`.
fn decide(
    store: &Store,
    user: &UserInfo,
    namespace: &str,
    mut allows: impl FnMut(&PolicyRule) -> bool,
) -> Decision {
    if user.groups.iter().any(|g| g == PRIVILEGED_GROUP) {
        return Decision::Allow;
    }
    let mut errors: Vec<String> = Vec::new();
    let mut outcome = None;
    visit_rules(store, user, namespace, |rules| match rules {
        Ok(rules) => {
            if rules.iter().any(&mut allows) {
                outcome = Some(Decision::Allow);
                false
            } else {
                true
            }
        }
        Err(e) => {
            errors.push(e);
            true
        }
    });
    outcome.unwrap_or_else(|| {
        if errors.is_empty() {
            Decision::Deny(String::new())
        } else {
            Decision::Deny(format!("RBAC: {}", aggregate_errors(&errors)))
        }
    })
}

/// `DefaultRuleResolver.VisitRulesFor`: calls `visit` with the rules (or the lookup error) of
/// each binding that applies to `user`: every ClusterRoleBinding, then the RoleBindings of
/// `namespace`. `visit` returns false to stop.
pub fn visit_rules(
    store: &Store,
    user: &UserInfo,
    namespace: &str,
    mut visit: impl FnMut(Result<Vec<PolicyRule>, String>) -> bool,
) {
    for s in store.list("ClusterRoleBinding") {
        let Object::ClusterRoleBinding(b) = &s.obj else {
            continue;
        };
        if !applies_to(b.subjects.as_deref(), user, "") {
            continue;
        }
        if !visit(role_rules(store, &b.role_ref.kind, &b.role_ref.name, "")) {
            return;
        }
    }
    if namespace.is_empty() {
        return;
    }
    for s in store.list_ns("RoleBinding", namespace) {
        let Object::RoleBinding(b) = &s.obj else {
            continue;
        };
        if !applies_to(b.subjects.as_deref(), user, namespace) {
            continue;
        }
        if !visit(role_rules(store, &b.role_ref.kind, &b.role_ref.name, namespace)) {
            return;
        }
    }
}

/// `utilerrors.NewAggregate(errs).Error()`: one message plain, several deduplicated in brackets.
fn aggregate_errors(errors: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for e in errors {
        if !seen.contains(&e.as_str()) {
            seen.push(e);
        }
    }
    match seen.as_slice() {
        [one] => (*one).to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

fn applies_to(subjects: Option<&[Subject]>, user: &UserInfo, binding_namespace: &str) -> bool {
    subjects
        .unwrap_or(&[])
        .iter()
        .any(|sub| subject_matches(sub, user, binding_namespace))
}

/// `GetRoleReferenceRules`: the rules of a Role (in the binding's namespace) or ClusterRole, or
/// the registry's NotFound message.
fn role_rules(
    store: &Store,
    kind: &str,
    name: &str,
    namespace: &str,
) -> Result<Vec<PolicyRule>, String> {
    match kind {
        "ClusterRole" => match store.get_obj("ClusterRole", "", name) {
            Some(Object::ClusterRole(r)) => Ok(r.rules.clone().unwrap_or_default()),
            _ => Err(format!(
                "clusterrole.rbac.authorization.k8s.io {} not found",
                go_quote(name)
            )),
        },
        "Role" => match store.get_obj("Role", namespace, name) {
            Some(Object::Role(r)) => Ok(r.rules.clone().unwrap_or_default()),
            _ => Err(format!(
                "role.rbac.authorization.k8s.io {} not found",
                go_quote(name)
            )),
        },
        other => Err(format!(
            "unsupported role reference kind: {}",
            go_quote(other)
        )),
    }
}

/// `appliesToUser`: User by name, Group by membership, ServiceAccount by its user name
/// `system:serviceaccount:<ns>:<name>` (namespace defaults to the binding's; none at all never
/// matches).
pub fn subject_matches(s: &Subject, user: &UserInfo, binding_namespace: &str) -> bool {
    match s.kind.as_str() {
        "User" => s.name == user.name,
        "Group" => user.groups.contains(&s.name),
        "ServiceAccount" => {
            let ns = s
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_namespace);
            !ns.is_empty() && user.name == format!("system:serviceaccount:{ns}:{}", s.name)
        }
        _ => false,
    }
}

fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == "*" || v == verb)
}

/// `NonResourceURLMatches`: `*`, the exact path, or a prefix ending in `*`.
fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    rule.non_resource_urls.iter().flatten().any(|u| {
        u == "*"
            || u == path
            || u.strip_suffix('*')
                .is_some_and(|prefix| path.starts_with(prefix.trim_end_matches('*')))
    })
}

/// `RuleAllows` for resource requests.
pub fn rule_allows(rule: &PolicyRule, req: &Request) -> bool {
    let group_ok = rule
        .api_groups
        .iter()
        .flatten()
        .any(|g| g == "*" || *g == req.api_group);
    let combined = if req.subresource.is_empty() {
        req.resource.clone()
    } else {
        format!("{}/{}", req.resource, req.subresource)
    };
    let resource_ok = rule.resources.iter().flatten().any(|r| {
        r == "*"
            || *r == combined
            || (!req.subresource.is_empty() && *r == format!("*/{}", req.subresource))
    });
    let names = rule.resource_names.as_deref().unwrap_or(&[]);
    let name_ok = names.is_empty() || names.contains(&req.name);
    verb_matches(rule, &req.verb) && group_ok && resource_ok && name_ok
}

/// Authorizes a request on a served kind; a denial is `errors.NewForbidden` with the Forbidden
/// message (`pods "web" is forbidden: User …`), decided by `RBAC`.
pub fn check(
    store: &Store,
    user: &UserInfo,
    verb: &str,
    info: &KindInfo,
    subresource: &str,
    namespace: &str,
    name: &str,
) -> Result<(), ApiError> {
    let req = Request {
        verb: verb.to_string(),
        api_group: info.group.to_string(),
        resource: info.plural.to_string(),
        subresource: subresource.to_string(),
        namespace: namespace.to_string(),
        name: name.to_string(),
    };
    match authorize(store, user, &req) {
        Decision::Allow => Ok(()),
        Decision::Deny(reason) => Err(ApiError::forbidden(
            &info.resource(),
            name,
            &forbidden_message(user, &req, &reason),
            "RBAC",
        )),
    }
}

/// The Forbidden message: `User "alice" cannot create resource "pods" in API group "" in the
/// namespace "dev"`, then `: <reason>` when the authorizer gave one. Like `responsewriters`,
/// `&`, `<` and `>` in the message (not in the reason) are HTML-escaped.
pub fn forbidden_message(user: &UserInfo, req: &Request, reason: &str) -> String {
    let resource = if req.subresource.is_empty() {
        req.resource.clone()
    } else {
        format!("{}/{}", req.resource, req.subresource)
    };
    let mut msg = format!(
        "User {} cannot {} resource {} in API group {}",
        go_quote(&user.name),
        req.verb,
        go_quote(&resource),
        go_quote(&req.api_group)
    );
    if req.namespace.is_empty() {
        msg.push_str(" at the cluster scope");
    } else {
        msg.push_str(&format!(" in the namespace {}", go_quote(&req.namespace)));
    }
    with_reason(sanitize(&msg), reason)
}

/// The Forbidden message of a non-resource request: `User "alice" cannot get path "/healthz"`.
pub fn forbidden_message_non_resource(
    user: &UserInfo,
    req: &NonResourceRequest,
    reason: &str,
) -> String {
    let msg = format!(
        "User {} cannot {} path {}",
        go_quote(&user.name),
        req.verb,
        go_quote(&req.path)
    );
    with_reason(sanitize(&msg), reason)
}

fn with_reason(msg: String, reason: &str) -> String {
    if reason.is_empty() {
        msg
    } else {
        format!("{msg}: {reason}")
    }
}

fn sanitize(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::decode_value;
    use serde_json::json;

    fn store_with(objs: &[serde_json::Value]) -> Store {
        let mut s = Store::new();
        for o in objs {
            s.insert_new(decode_value(o.clone()).unwrap(), None);
        }
        s
    }

    fn alice() -> UserInfo {
        UserInfo {
            name: "alice".into(),
            groups: vec!["system:authenticated".into()],
        }
    }

    fn req(verb: &str, resource: &str, ns: &str, name: &str) -> Request {
        Request {
            verb: verb.into(),
            resource: resource.into(),
            namespace: ns.into(),
            name: name.into(),
            ..Request::default()
        }
    }

    #[test]
    fn a_role_binding_allows_in_its_namespace_only() {
        let s = store_with(&[
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pods", "namespace": "dev"},
                   "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "create"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "dev"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pods"},
                   "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
        ]);
        assert_eq!(
            authorize(&s, &alice(), &req("create", "pods", "dev", "")),
            Decision::Allow
        );
        assert!(matches!(
            authorize(&s, &alice(), &req("delete", "pods", "dev", "web")),
            Decision::Deny(_)
        ));
        assert!(matches!(
            authorize(&s, &alice(), &req("create", "pods", "prod", "")),
            Decision::Deny(_)
        ));
        assert_eq!(
            forbidden_message(&alice(), &req("create", "pods", "prod", ""), ""),
            "User \"alice\" cannot create resource \"pods\" in API group \"\" in the namespace \"prod\""
        );
    }

    #[test]
    fn the_talks_binding_lets_service_accounts_use_a_psp() {
        let s = store_with(&[
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "my-clusterrole"},
                   "rules": [{"apiGroups": ["policy"], "resources": ["podsecuritypolicies"], "verbs": ["use"], "resourceNames": ["my-psp"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "my-rolebinding", "namespace": "my-namespace"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "my-clusterrole"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:serviceaccounts"},
                                {"kind": "ServiceAccount", "name": "default", "namespace": "my-namespace"}]}),
        ]);
        let sa = UserInfo {
            name: "system:serviceaccount:my-namespace:default".into(),
            groups: vec![],
        };
        let use_psp = Request {
            verb: "use".into(),
            api_group: "policy".into(),
            resource: "podsecuritypolicies".into(),
            namespace: "my-namespace".into(),
            name: "my-psp".into(),
            ..Request::default()
        };
        assert_eq!(authorize(&s, &sa, &use_psp), Decision::Allow);
        let other = Request {
            name: "other-psp".into(),
            ..use_psp.clone()
        };
        assert!(matches!(authorize(&s, &sa, &other), Decision::Deny(_)));
        assert!(matches!(
            authorize(&s, &alice(), &use_psp),
            Decision::Deny(_)
        ));
    }
}
