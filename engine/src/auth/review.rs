//! `kubectl auth can-i --list`: the SelfSubjectRulesReview the API server answers, and the table
//! kubectl prints from it.
//!
//! Server side follows `pkg/registry/rbac/validation/rule.go` (`RulesFor`: the rules of every
//! binding that applies, ClusterRoleBindings then the namespace's RoleBindings) and
//! `plugin/pkg/auth/authorizer/rbac/rbac.go` (`RulesFor`: resource rules and non-resource rules
//! apart). The privileged group has no rule resolver, so `system:masters` sees only what RBAC
//! grants it. Client side follows kubectl `pkg/cmd/auth/cani.go` (`printStatus`) and
//! `pkg/util/rbac` (`BreakdownRule`, `CompactRules`, `SortableRuleSlice`, which orders rules by
//! their generated `String()`), with `describe.CombineResourceGroup` for the first column.

use k8s_openapi::api::rbac::v1::PolicyRule;

use super::visit_rules;
use crate::settings::UserInfo;
use crate::store::Store;

/// The status of a SelfSubjectRulesReview: the rules, and the lookup errors as its
/// `evaluationError` (RBAC reports them without marking the list incomplete).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RulesReview {
    /// `resourceRules` then `nonResourceRules`, as kubectl turns them back into PolicyRules.
    pub rules: Vec<PolicyRule>,
    pub evaluation_error: String,
}

pub fn rules_review(store: &Store, user: &UserInfo, namespace: &str) -> RulesReview {
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    let mut errors = Vec::new();
    visit_rules(store, user, namespace, |r| {
        match r {
            Ok(rules) => {
                for rule in rules {
                    if rule.resources.as_ref().is_some_and(|r| !r.is_empty()) {
                        resource_rules.push(PolicyRule {
                            verbs: rule.verbs.clone(),
                            api_groups: rule.api_groups.clone(),
                            resources: rule.resources.clone(),
                            resource_names: rule.resource_names.clone(),
                            non_resource_urls: None,
                        });
                    }
                    if rule
                        .non_resource_urls
                        .as_ref()
                        .is_some_and(|u| !u.is_empty())
                    {
                        non_resource_rules.push(PolicyRule {
                            verbs: rule.verbs,
                            non_resource_urls: rule.non_resource_urls,
                            ..PolicyRule::default()
                        });
                    }
                }
            }
            Err(e) => errors.push(e),
        }
        true
    });
    resource_rules.extend(non_resource_rules);
    RulesReview {
        rules: resource_rules,
        evaluation_error: if errors.is_empty() {
            String::new()
        } else {
            super::aggregate_errors(&errors)
        },
    }
}

fn list(v: &Option<Vec<String>>) -> &[String] {
    v.as_deref().unwrap_or(&[])
}

/// `BreakdownRule`: one rule per group × resource (× name), one per non-resource URL.
fn breakdown(rule: &PolicyRule) -> Vec<PolicyRule> {
    let one = |s: &String| Some(vec![s.clone()]);
    let mut out = Vec::new();
    for group in list(&rule.api_groups) {
        for resource in list(&rule.resources) {
            let names = list(&rule.resource_names);
            if names.is_empty() {
                out.push(PolicyRule {
                    verbs: rule.verbs.clone(),
                    api_groups: one(group),
                    resources: one(resource),
                    ..PolicyRule::default()
                });
            }
            for name in names {
                out.push(PolicyRule {
                    verbs: rule.verbs.clone(),
                    api_groups: one(group),
                    resources: one(resource),
                    resource_names: one(name),
                    non_resource_urls: None,
                });
            }
        }
    }
    for url in list(&rule.non_resource_urls) {
        out.push(PolicyRule {
            verbs: rule.verbs.clone(),
            non_resource_urls: one(url),
            ..PolicyRule::default()
        });
    }
    out
}

/// A simple rule's group, resource and optional name (`simpleResource`).
type SimpleKey = (String, String, Option<String>);

/// `CompactRules`: rules on one group and one resource (and at most one name) that differ only
/// by verbs become one, the verbs in the order met; the others stay as they are, before them.
fn compact(rules: Vec<PolicyRule>) -> Vec<PolicyRule> {
    let mut compacted = Vec::new();
    let mut simple: Vec<(SimpleKey, PolicyRule)> = Vec::new();
    for rule in rules {
        let key = match (
            list(&rule.api_groups),
            list(&rule.resources),
            list(&rule.resource_names),
            list(&rule.non_resource_urls),
        ) {
            ([g], [r], names, []) if names.len() <= 1 => {
                Some((g.clone(), r.clone(), names.first().cloned()))
            }
            _ => None,
        };
        match key {
            Some(key) => match simple.iter_mut().find(|(k, _)| *k == key) {
                Some((_, existing)) => {
                    for v in &rule.verbs {
                        if !existing.verbs.contains(v) {
                            existing.verbs.push(v.clone());
                        }
                    }
                }
                None => simple.push((key, rule)),
            },
            None => compacted.push(rule),
        }
    }
    compacted.extend(simple.into_iter().map(|(_, r)| r));
    compacted
}

/// Go's `%v` of a string slice: `[a b]`.
fn go_list(v: &[String]) -> String {
    format!("[{}]", v.join(" "))
}

/// The generated `PolicyRule.String()` kubectl sorts by.
fn sort_key(r: &PolicyRule) -> String {
    format!(
        "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
        go_list(&r.verbs),
        go_list(list(&r.api_groups)),
        go_list(list(&r.resources)),
        go_list(list(&r.resource_names)),
        go_list(list(&r.non_resource_urls)),
    )
}

/// `describe.CombineResourceGroup`: `deployments.apps/scale`.
fn combine_resource_group(resources: &[String], groups: &[String]) -> String {
    let Some(first) = resources.first() else {
        return String::new();
    };
    let (resource, sub) = match first.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (first.as_str(), None),
    };
    let mut out = resource.to_string();
    if let Some(g) = groups.first().filter(|g| !g.is_empty()) {
        out.push('.');
        out.push_str(g);
    }
    if let Some(s) = sub {
        out.push('/');
        out.push_str(s);
    }
    out
}

/// The rows kubectl prints for these rules: Resources, Non-Resource URLs, Resource Names, Verbs.
pub fn access_rows(rules: &[PolicyRule]) -> Vec<Vec<String>> {
    let broken: Vec<PolicyRule> = rules.iter().flat_map(breakdown).collect();
    let mut compacted = compact(broken);
    compacted.sort_by_cached_key(sort_key);
    compacted
        .iter()
        .map(|r| {
            vec![
                combine_resource_group(list(&r.resources), list(&r.api_groups)),
                go_list(list(&r.non_resource_urls)),
                go_list(list(&r.resource_names)),
                go_list(&r.verbs),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        PolicyRule {
            verbs: v(verbs),
            api_groups: Some(v(groups)),
            resources: Some(v(resources)),
            ..PolicyRule::default()
        }
    }

    #[test]
    fn rules_break_down_compact_and_sort_by_their_string() {
        let rules = vec![
            rule(&["create", "delete"], &[""], &["pods", "pods/exec"]),
            rule(&["get", "list"], &["", "apps"], &["pods"]),
            PolicyRule {
                verbs: vec!["get".into()],
                non_resource_urls: Some(vec!["/healthz".into(), "/api/*".into()]),
                ..PolicyRule::default()
            },
        ];
        let rows = access_rows(&rules);
        let text: Vec<String> = rows.iter().map(|r| r.join("|")).collect();
        assert_eq!(
            text,
            [
                "pods|[]|[]|[create delete get list]",
                "pods/exec|[]|[]|[create delete]",
                // `[get list]` sorts before `[get]`: a space is less than `]`.
                "pods.apps|[]|[]|[get list]",
                "|[/api/*]|[]|[get]",
                "|[/healthz]|[]|[get]",
            ]
        );
    }

    #[test]
    fn resource_groups_combine_like_describe() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            combine_resource_group(&s(&["deployments/scale"]), &s(&["apps"])),
            "deployments.apps/scale"
        );
        assert_eq!(combine_resource_group(&s(&["*"]), &s(&["*"])), "*.*");
        assert_eq!(combine_resource_group(&[], &s(&["apps"])), "");
    }
}
