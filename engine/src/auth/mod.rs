//! Authorization: RBAC, as kube-apiserver's `--authorization-mode=Node,RBAC` answers for a user.
//!
//! Follows `plugin/pkg/auth/authorizer/rbac/rbac.go` (RBACAuthorizer: ClusterRoleBindings, then
//! the RoleBindings of the request's namespace; the first rule that allows wins) and
//! `pkg/apis/rbac/v1/evaluation_helpers.go` (VerbMatches, APIGroupMatches, ResourceMatches,
//! ResourceNameMatches, subject matching) in kubernetes/kubernetes, and
//! `k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go` (the Forbidden message).

use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};

use crate::object::Object;
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

/// Whether `user` may do `req`, by the RBAC objects in `store`.
pub fn authorize(store: &Store, user: &UserInfo, req: &Request) -> Decision {
    // Members of system:masters bypass authorization entirely (the "privileged group").
    if user.groups.iter().any(|g| g == "system:masters") {
        return Decision::Allow;
    }
    for s in store.list("ClusterRoleBinding") {
        let Object::ClusterRoleBinding(b) = &s.obj else {
            continue;
        };
        if !b
            .subjects
            .iter()
            .flatten()
            .any(|sub| subject_matches(sub, user, ""))
        {
            continue;
        }
        if rules_of(store, &b.role_ref.kind, &b.role_ref.name, "")
            .iter()
            .any(|r| rule_allows(r, req))
        {
            return Decision::Allow;
        }
    }
    if !req.namespace.is_empty() {
        for s in store.list_ns("RoleBinding", &req.namespace) {
            let Object::RoleBinding(b) = &s.obj else {
                continue;
            };
            if !b
                .subjects
                .iter()
                .flatten()
                .any(|sub| subject_matches(sub, user, &req.namespace))
            {
                continue;
            }
            if rules_of(store, &b.role_ref.kind, &b.role_ref.name, &req.namespace)
                .iter()
                .any(|r| rule_allows(r, req))
            {
                return Decision::Allow;
            }
        }
    }
    Decision::Deny(String::new())
}

/// The rules of a Role (in `namespace`) or ClusterRole.
fn rules_of(store: &Store, kind: &str, name: &str, namespace: &str) -> Vec<PolicyRule> {
    match kind {
        "ClusterRole" => match store.get_obj("ClusterRole", "", name) {
            Some(Object::ClusterRole(r)) => r.rules.clone().unwrap_or_default(),
            _ => Vec::new(),
        },
        "Role" => match store.get_obj("Role", namespace, name) {
            Some(Object::Role(r)) => r.rules.clone().unwrap_or_default(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// `appliesToUser`: User by name, Group by membership, ServiceAccount by its user name
/// `system:serviceaccount:<ns>:<name>` (namespace defaults to the binding's).
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
            user.name == format!("system:serviceaccount:{ns}:{}", s.name)
        }
        _ => false,
    }
}

/// `RuleAllows` for resource requests.
pub fn rule_allows(rule: &PolicyRule, req: &Request) -> bool {
    let verb_ok = rule.verbs.iter().any(|v| v == "*" || *v == req.verb);
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
    verb_ok && group_ok && resource_ok && name_ok
}

/// The Forbidden message: `User "alice" cannot create resource "pods" in API group "" in the
/// namespace "dev"`.
pub fn forbidden_message(user: &UserInfo, req: &Request, reason: &str) -> String {
    let resource = if req.subresource.is_empty() {
        req.resource.clone()
    } else {
        format!("{}/{}", req.resource, req.subresource)
    };
    let mut msg = format!(
        "User {:?} cannot {} resource {:?} in API group {:?}",
        user.name, req.verb, resource, req.api_group
    );
    if req.namespace.is_empty() {
        msg.push_str(" at the cluster scope");
    } else {
        msg.push_str(&format!(" in the namespace {:?}", req.namespace));
    }
    if !reason.is_empty() {
        msg.push_str(": ");
        msg.push_str(reason);
    }
    msg
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
