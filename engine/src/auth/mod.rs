//! Authorization: RBAC, as kube-apiserver's `--authorization-mode=Node,RBAC` answers for a user.
//!
//! Follows `plugin/pkg/auth/authorizer/rbac/rbac.go` (RBACAuthorizer: ClusterRoleBindings, then
//! the RoleBindings of the request's namespace; the first rule that allows wins) and
//! `pkg/apis/rbac/v1/evaluation_helpers.go` (VerbMatches, APIGroupMatches, ResourceMatches,
//! ResourceNameMatches, subject matching) in kubernetes/kubernetes, and
//! `k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go` (the Forbidden message).
//!
//! The policy a cluster starts with is in `bootstrap.rs`; `impersonation.rs` is kubectl's
//! `--as`; `review.rs` answers `kubectl auth can-i --list`.
//!
//! What is authorized: the requests kubectl makes for the scenario's user (or the user a step
//! impersonates). Requests of the control plane's controllers are not: they create and change
//! objects directly, as their bootstrap roles (`system:controller:*`, bound to their
//! kube-system ServiceAccounts) allow them to on a real cluster. Deleting or editing those
//! roles therefore does not stop kubefiddle's controllers, where a real controller would get
//! Forbidden errors until the API server restores the roles at its next start.

pub mod bootstrap;
pub mod impersonation;
pub mod review;

use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};

use crate::labels::go_quote;
use crate::object::{KindInfo, Object};
use crate::settings::UserInfo;
use crate::status::ApiError;
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
pub fn authorize_non_resource(
    store: &Store,
    user: &UserInfo,
    req: &NonResourceRequest,
) -> Decision {
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
        if !visit(role_rules(
            store,
            &b.role_ref.kind,
            &b.role_ref.name,
            namespace,
        )) {
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

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        PolicyRule {
            verbs: v(verbs),
            api_groups: Some(v(groups)),
            resources: Some(v(resources)),
            resource_names: (!names.is_empty()).then(|| v(names)),
            non_resource_urls: None,
        }
    }

    #[test]
    fn rule_matching_table() {
        let full = |verb: &str, group: &str, resource: &str, sub: &str, name: &str| Request {
            verb: verb.into(),
            api_group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: "ns".into(),
            name: name.into(),
        };
        #[rustfmt::skip]
        let cases: &[(PolicyRule, Request, bool)] = &[
            (rule(&["get"], &[""], &["pods"], &[]), full("get", "", "pods", "", "a"), true),
            (rule(&["get"], &[""], &["pods"], &[]), full("list", "", "pods", "", ""), false),
            (rule(&["*"], &[""], &["pods"], &[]), full("deletecollection", "", "pods", "", ""), true),
            // A rule for pods does not cover its subresources, nor pods in another group.
            (rule(&["get"], &[""], &["pods"], &[]), full("get", "", "pods", "log", "a"), false),
            (rule(&["get"], &[""], &["pods"], &[]), full("get", "apps", "pods", "", "a"), false),
            (rule(&["get"], &[""], &["pods/log"], &[]), full("get", "", "pods", "log", "a"), true),
            (rule(&["get"], &[""], &["*/log"], &[]), full("get", "", "pods", "log", "a"), true),
            (rule(&["get"], &[""], &["*/log"], &[]), full("get", "", "pods", "", "a"), false),
            (rule(&["get"], &["*"], &["*"], &[]), full("get", "apps", "deployments", "scale", "x"), true),
            (rule(&["get"], &[""], &["configmaps"], &["a"]), full("get", "", "configmaps", "", "a"), true),
            (rule(&["get"], &[""], &["configmaps"], &["a"]), full("get", "", "configmaps", "", "b"), false),
            // resourceNames cannot allow a list or a create: the request has no name.
            (rule(&["list"], &[""], &["configmaps"], &["a"]), full("list", "", "configmaps", "", ""), false),
            // A request for verb "*" needs a rule with verb "*".
            (rule(&["get"], &[""], &["pods"], &[]), full("*", "", "pods", "", ""), false),
        ];
        for (i, (r, q, want)) in cases.iter().enumerate() {
            assert_eq!(rule_allows(r, q), *want, "case {i}: {q:?}");
        }
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_prefix() {
        let r = PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: Some(vec!["/healthz".into(), "/apis/*".into()]),
            ..PolicyRule::default()
        };
        for (path, want) in [
            ("/healthz", true),
            ("/healthz/etcd", false),
            ("/apis", false),
            ("/apis/", true),
            ("/apis/apps/v1", true),
        ] {
            assert_eq!(non_resource_url_matches(&r, path), want, "{path}");
        }
        let star = PolicyRule {
            verbs: vec!["*".into()],
            non_resource_urls: Some(vec!["*".into()]),
            ..PolicyRule::default()
        };
        assert!(non_resource_url_matches(&star, "/anything"));
        // A resource rule grants no path.
        assert!(!non_resource_url_matches(
            &rule(&["get"], &["*"], &["*"], &[]),
            "/healthz"
        ));
    }

    #[test]
    fn subjects_table() {
        let sub = |kind: &str, name: &str, ns: Option<&str>| Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: ns.map(String::from),
            api_group: None,
        };
        let sa = UserInfo {
            name: "system:serviceaccount:dev:ci".into(),
            groups: vec!["system:serviceaccounts".into()],
        };
        assert!(subject_matches(&sub("User", "alice", None), &alice(), ""));
        assert!(!subject_matches(&sub("User", "Alice", None), &alice(), ""));
        assert!(subject_matches(
            &sub("Group", "system:authenticated", None),
            &alice(),
            ""
        ));
        assert!(subject_matches(
            &sub("ServiceAccount", "ci", Some("dev")),
            &sa,
            ""
        ));
        // The binding's namespace stands in for a missing one, and only then.
        assert!(subject_matches(
            &sub("ServiceAccount", "ci", None),
            &sa,
            "dev"
        ));
        assert!(!subject_matches(
            &sub("ServiceAccount", "ci", None),
            &sa,
            ""
        ));
        assert!(!subject_matches(
            &sub("ServiceAccount", "ci", Some("prod")),
            &sa,
            "dev"
        ));
        assert!(!subject_matches(&sub("Robot", "alice", None), &alice(), ""));
    }

    #[test]
    fn missing_roles_are_the_reason_of_a_denial() {
        let s = store_with(&[
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b1"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "gone"},
                   "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b2", "namespace": "dev"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "missing"},
                   "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b3", "namespace": "dev"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "gone"},
                   "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
        ]);
        assert_eq!(
            authorize(&s, &alice(), &req("get", "pods", "", "")),
            Decision::Deny("RBAC: clusterrole.rbac.authorization.k8s.io \"gone\" not found".into())
        );
        // Several errors: deduplicated, in brackets.
        assert_eq!(
            authorize(&s, &alice(), &req("get", "pods", "dev", "")),
            Decision::Deny("RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found, role.rbac.authorization.k8s.io \"missing\" not found]".into())
        );
        assert_eq!(
            forbidden_message(&alice(), &req("get", "pods", "dev", "x"), "RBAC: oops"),
            "User \"alice\" cannot get resource \"pods\" in API group \"\" in the namespace \"dev\": RBAC: oops"
        );
    }

    #[test]
    fn messages_quote_like_go_and_escape_html() {
        let odd = UserInfo {
            name: "a<b>&\"c\"".into(),
            groups: vec![],
        };
        let q = Request {
            verb: "get".into(),
            resource: "deployments".into(),
            subresource: "scale".into(),
            api_group: "apps".into(),
            ..Request::default()
        };
        assert_eq!(
            forbidden_message(&odd, &q, "R<1>"),
            "User \"a&lt;b&gt;&amp;\\\"c\\\"\" cannot get resource \"deployments/scale\" in API group \"apps\" at the cluster scope: R<1>"
        );
        let nr = NonResourceRequest {
            verb: "get".into(),
            path: "/metrics".into(),
        };
        assert_eq!(
            forbidden_message_non_resource(&alice(), &nr, ""),
            "User \"alice\" cannot get path \"/metrics\""
        );
    }

    /// The bootstrap policy on a fresh cluster, aggregated by the controller.
    fn cluster() -> crate::apiserver::Cluster {
        let mut c = crate::apiserver::Cluster::new(crate::settings::Settings::default());
        crate::controllers::settle(&mut c);
        c
    }

    #[test]
    fn every_authenticated_user_may_discover_and_review_itself() {
        let c = cluster();
        let get = |path: &str| NonResourceRequest {
            verb: "get".into(),
            path: path.into(),
        };
        for path in ["/healthz", "/version", "/apis/apps/v1", "/openapi/v3"] {
            assert_eq!(
                authorize_non_resource(&c.store, &alice(), &get(path)),
                Decision::Allow,
                "{path}"
            );
        }
        assert!(matches!(
            authorize_non_resource(&c.store, &alice(), &get("/metrics")),
            Decision::Deny(_)
        ));
        let anonymous = UserInfo {
            name: "system:anonymous".into(),
            groups: vec!["system:unauthenticated".into()],
        };
        assert_eq!(
            authorize_non_resource(&c.store, &anonymous, &get("/healthz")),
            Decision::Allow
        );
        assert!(matches!(
            authorize_non_resource(&c.store, &anonymous, &get("/api")),
            Decision::Deny(_)
        ));
        let ssar = Request {
            verb: "create".into(),
            api_group: "authorization.k8s.io".into(),
            resource: "selfsubjectaccessreviews".into(),
            ..Request::default()
        };
        assert_eq!(authorize(&c.store, &alice(), &ssar), Decision::Allow);
        assert!(matches!(
            authorize(&c.store, &anonymous, &ssar),
            Decision::Deny(_)
        ));
    }

    #[test]
    fn edit_view_and_admin_through_a_role_binding() {
        let mut c = cluster();
        for (user, role) in [("ed", "edit"), ("vi", "view"), ("ad", "admin")] {
            let b = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": user, "namespace": "default"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}]});
            c.store.insert_new(decode_value(b).unwrap(), None);
        }
        let u = |name: &str| UserInfo {
            name: name.into(),
            groups: vec!["system:authenticated".into()],
        };
        let ask = |user: &str, verb: &str, group: &str, resource: &str, sub: &str| {
            authorize(
                &c.store,
                &u(user),
                &Request {
                    verb: verb.into(),
                    api_group: group.into(),
                    resource: resource.into(),
                    subresource: sub.into(),
                    namespace: "default".into(),
                    name: String::new(),
                },
            ) == Decision::Allow
        };
        #[rustfmt::skip]
        let cases = [
            ("vi", "list", "", "pods", "", true),
            ("vi", "get", "", "pods", "log", true),
            ("vi", "create", "", "pods", "", false),
            ("vi", "get", "", "secrets", "", false),
            ("vi", "get", "apps", "deployments", "scale", true),
            ("vi", "patch", "apps", "deployments", "scale", false),
            ("ed", "create", "", "pods", "", true),
            ("ed", "list", "", "pods", "", true),
            ("ed", "get", "", "secrets", "", true),
            ("ed", "create", "", "pods", "exec", true),
            ("ed", "patch", "apps", "deployments", "scale", true),
            ("ed", "create", "rbac.authorization.k8s.io", "rolebindings", "", false),
            ("ed", "update", "", "resourcequotas", "", false),
            ("ed", "create", "coordination.k8s.io", "leases", "", true),
            ("ad", "create", "rbac.authorization.k8s.io", "rolebindings", "", true),
            ("ad", "create", "authorization.k8s.io", "localsubjectaccessreviews", "", true),
            ("ad", "delete", "", "pods", "", true),
            ("ad", "update", "", "resourcequotas", "", false),
        ];
        for (user, verb, group, resource, sub, want) in cases {
            assert_eq!(
                ask(user, verb, group, resource, sub),
                want,
                "{user} {verb} {group}/{resource}/{sub}"
            );
        }
        // A RoleBinding grants nothing outside its namespace.
        let other_ns = Request {
            verb: "list".into(),
            resource: "pods".into(),
            namespace: "kube-system".into(),
            ..Request::default()
        };
        assert!(matches!(
            authorize(&c.store, &u("ad"), &other_ns),
            Decision::Deny(_)
        ));
    }

    #[test]
    fn controllers_are_allowed_what_they_do() {
        let c = cluster();
        let sa = |name: &str| UserInfo {
            name: format!("system:serviceaccount:kube-system:{name}"),
            groups: vec![
                "system:serviceaccounts".into(),
                "system:serviceaccounts:kube-system".into(),
                "system:authenticated".into(),
            ],
        };
        let ask = |who: &str, verb: &str, group: &str, resource: &str| {
            authorize(
                &c.store,
                &sa(who),
                &Request {
                    verb: verb.into(),
                    api_group: group.into(),
                    resource: resource.into(),
                    namespace: "team".into(),
                    ..Request::default()
                },
            ) == Decision::Allow
        };
        assert!(ask("replicaset-controller", "create", "", "pods"));
        assert!(!ask(
            "replicaset-controller",
            "create",
            "apps",
            "deployments"
        ));
        assert!(ask(
            "deployment-controller",
            "create",
            "apps",
            "replicasets"
        ));
        assert!(ask(
            "namespace-controller",
            "deletecollection",
            "apps",
            "deployments"
        ));
        assert!(ask("generic-garbage-collector", "delete", "", "pods"));
        assert!(ask("resourcequota-controller", "list", "", "pods"));
        assert!(!ask("resourcequota-controller", "delete", "", "pods"));
        assert!(ask(
            "service-account-controller",
            "create",
            "",
            "serviceaccounts"
        ));
        assert!(ask(
            "clusterrole-aggregation-controller",
            "escalate",
            "rbac.authorization.k8s.io",
            "clusterroles"
        ));
    }
}
