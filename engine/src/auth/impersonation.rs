//! Impersonation: kubectl's global `--as`, `--as-group` and `--as-uid` flags, as the API server's
//! impersonation filter handles them.
//!
//! Follows `k8s.io/apiserver/pkg/endpoints/filters/impersonation.go` in kubernetes/kubernetes:
//! the requester must be allowed to `impersonate` each thing asked for — the user (`users`, or
//! `serviceaccounts` in its namespace for `system:serviceaccount:<ns>:<name>`), then each group
//! (`groups`), then the uid (`uids` in `authentication.k8s.io`); the first refusal is a
//! Forbidden error for that attribute (`users "bob" is forbidden: User "alice" cannot
//! impersonate resource "users" in API group "" at the cluster scope`). The impersonated user's
//! groups are the ones given, or for a service account without `--as-group` its two
//! service-account groups; `system:authenticated` is added unless `system:authenticated` or
//! `system:unauthenticated` is among them (`system:unauthenticated` for `system:anonymous`).

use super::{authorize, forbidden_message, Decision, Request};
use crate::settings::UserInfo;
use crate::status::ApiError;
use crate::store::Store;

const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
const ANONYMOUS: &str = "system:anonymous";
const ALL_AUTHENTICATED: &str = "system:authenticated";
const ALL_UNAUTHENTICATED: &str = "system:unauthenticated";

/// `serviceaccount.SplitUsername`: `system:serviceaccount:<ns>:<name>` → (ns, name).
pub fn split_service_account(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// The user the API server acts as when `requester` impersonates `user` (with `groups` and
/// `uid`), or the Forbidden error for the first thing `requester` may not impersonate.
pub fn impersonate(
    store: &Store,
    requester: &UserInfo,
    user: &str,
    groups: &[String],
    uid: Option<&str>,
) -> Result<UserInfo, ApiError> {
    let mut checks: Vec<(String, Request)> = Vec::new();
    let impersonate = |group: &str, resource: &str, namespace: &str, name: &str| Request {
        verb: "impersonate".into(),
        api_group: group.into(),
        resource: resource.into(),
        subresource: String::new(),
        namespace: namespace.into(),
        name: name.into(),
    };
    let mut new_groups: Vec<String> = Vec::new();
    match split_service_account(user) {
        Some((ns, name)) => {
            checks.push((
                "serviceaccounts".into(),
                impersonate("", "serviceaccounts", ns, name),
            ));
            if groups.is_empty() {
                new_groups = vec![
                    "system:serviceaccounts".to_string(),
                    format!("system:serviceaccounts:{ns}"),
                ];
            }
        }
        None => checks.push(("users".into(), impersonate("", "users", "", user))),
    }
    for g in groups {
        checks.push(("groups".into(), impersonate("", "groups", "", g)));
        new_groups.push(g.clone());
    }
    if let Some(uid) = uid {
        checks.push((
            "uids.authentication.k8s.io".into(),
            impersonate("authentication.k8s.io", "uids", "", uid),
        ));
    }
    for (resource, req) in &checks {
        if let Decision::Deny(reason) = authorize(store, requester, req) {
            return Err(ApiError::forbidden(
                resource,
                &req.name,
                &forbidden_message(requester, req, &reason),
                "impersonation",
            ));
        }
    }
    if user != ANONYMOUS {
        if !new_groups
            .iter()
            .any(|g| g == ALL_AUTHENTICATED || g == ALL_UNAUTHENTICATED)
        {
            new_groups.push(ALL_AUTHENTICATED.to_string());
        }
    } else if !new_groups.iter().any(|g| g == ALL_UNAUTHENTICATED) {
        new_groups.push(ALL_UNAUTHENTICATED.to_string());
    }
    Ok(UserInfo {
        name: user.to_string(),
        groups: new_groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::decode_value;
    use serde_json::json;

    fn admin() -> UserInfo {
        UserInfo::admin(34)
    }

    fn store() -> Store {
        let mut s = Store::new();
        for v in crate::auth::bootstrap::policy(34) {
            s.insert_new(decode_value(v).unwrap(), None);
        }
        s.insert_new(
            decode_value(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "kubeadm:cluster-admins"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "kubeadm:cluster-admins"}]}))
            .unwrap(),
            None,
        );
        s
    }

    #[test]
    fn groups_follow_the_filter() {
        let s = store();
        let u = impersonate(&s, &admin(), "alice", &[], None).unwrap();
        assert_eq!(u.groups, ["system:authenticated"]);
        let u = impersonate(&s, &admin(), "alice", &["dev".into()], None).unwrap();
        assert_eq!(u.groups, ["dev", "system:authenticated"]);
        let u = impersonate(
            &s,
            &admin(),
            "alice",
            &["system:unauthenticated".into()],
            None,
        )
        .unwrap();
        assert_eq!(u.groups, ["system:unauthenticated"]);
        let u = impersonate(&s, &admin(), "system:serviceaccount:dev:ci", &[], None).unwrap();
        assert_eq!(
            u.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:dev",
                "system:authenticated"
            ]
        );
        let u = impersonate(&s, &admin(), "system:anonymous", &[], None).unwrap();
        assert_eq!(u.groups, ["system:unauthenticated"]);
    }

    #[test]
    fn the_requester_needs_impersonate() {
        let s = store();
        let alice = UserInfo {
            name: "alice".into(),
            groups: vec!["system:authenticated".into()],
        };
        let e = impersonate(&s, &alice, "bob", &[], None).unwrap_err();
        assert_eq!(
            e.message,
            "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
        );
        let e = impersonate(&s, &alice, "system:serviceaccount:dev:ci", &[], None).unwrap_err();
        assert_eq!(
            e.message,
            "serviceaccounts \"ci\" is forbidden: User \"alice\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"dev\""
        );
        assert_eq!(split_service_account("system:serviceaccount:a:b:c"), None);
    }
}
