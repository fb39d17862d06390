//! The clusterrole-aggregation controller: a ClusterRole with an `aggregationRule` gets, as its
//! rules, the rules of every other ClusterRole its `clusterRoleSelectors` select.
//!
//! Follows `pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go` in
//! kubernetes/kubernetes: selectors in order, the selected roles by name, the role itself
//! skipped, each rule once (semantic equality: an absent list equals an empty one); the role is
//! written only when the result differs from its current rules, and a selector that does not
//! parse leaves the role as it is (the controller logs the error and retries). The write goes
//! straight to the store (upstream applies it as `system:serviceaccount:kube-system:
//! clusterrole-aggregation-controller`, whose bootstrap role may `escalate` ClusterRoles).

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};

use crate::apiserver::Cluster;
use crate::labels::Selector;
use crate::object::Object;
use crate::store::ObjRef;

pub fn reconcile(c: &mut Cluster) -> bool {
    let aggregated: Vec<String> = cluster_roles(c)
        .into_iter()
        .filter(|r| r.aggregation_rule.is_some())
        .filter_map(|r| r.metadata.name.clone())
        .collect();
    let mut changed = false;
    for name in aggregated {
        // Each role sees the roles as the previous ones left them, so chains (view → edit →
        // admin) settle in one pass.
        let rules = {
            let roles = cluster_roles(c);
            let Some(role) = roles
                .iter()
                .find(|r| r.metadata.name.as_deref() == Some(&name))
            else {
                continue;
            };
            let Ok(rules) = aggregate(role, &roles) else {
                continue;
            };
            if same_rules(&rules, role.rules.as_deref().unwrap_or(&[])) {
                continue;
            }
            rules
        };
        let key = ObjRef::new("ClusterRole", "", &name);
        changed |= c.store.modify(&key, |o| {
            if let Object::ClusterRole(r) = o {
                r.rules = (!rules.is_empty()).then(|| rules.clone());
            }
        });
    }
    changed
}

/// The cluster roles as the store holds them (borrowed: the aggregator runs every round).
fn cluster_roles(c: &Cluster) -> Vec<&ClusterRole> {
    c.store
        .list("ClusterRole")
        .filter_map(|s| match &s.obj {
            Object::ClusterRole(r) => Some(r.as_ref()),
            _ => None,
        })
        .collect()
}

/// The rules `role` aggregates from `all` (listed in name order).
pub fn aggregate(role: &ClusterRole, all: &[&ClusterRole]) -> Result<Vec<PolicyRule>, String> {
    let mut rules: Vec<PolicyRule> = Vec::new();
    let selectors = role
        .aggregation_rule
        .as_ref()
        .and_then(|a| a.cluster_role_selectors.as_deref())
        .unwrap_or(&[]);
    let mut by_name: Vec<&ClusterRole> = all.to_vec();
    by_name.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    for selector in selectors {
        let selector = Selector::from_label_selector(selector)?;
        for other in &by_name {
            if other.metadata.name == role.metadata.name
                || !selector.matches_opt(other.metadata.labels.as_ref())
            {
                continue;
            }
            for rule in other.rules.iter().flatten() {
                if !rules.iter().any(|r| same_rule(r, rule)) {
                    rules.push(rule.clone());
                }
            }
        }
    }
    Ok(rules)
}

/// `equality.Semantic.DeepEqual` on rules: a missing list and an empty one are equal.
fn same_rule(a: &PolicyRule, b: &PolicyRule) -> bool {
    fn list(v: &Option<Vec<String>>) -> &[String] {
        v.as_deref().unwrap_or(&[])
    }
    a.verbs == b.verbs
        && list(&a.api_groups) == list(&b.api_groups)
        && list(&a.resources) == list(&b.resources)
        && list(&a.resource_names) == list(&b.resource_names)
        && list(&a.non_resource_urls) == list(&b.non_resource_urls)
}

fn same_rules(a: &[PolicyRule], b: &[PolicyRule]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_rule(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::decode_value;
    use serde_json::json;

    fn role(v: serde_json::Value) -> ClusterRole {
        match decode_value(v) {
            Ok(Object::ClusterRole(r)) => *r,
            other => panic!("not a ClusterRole: {other:?}"),
        }
    }

    fn labelled(name: &str, label: &str, resources: &[&str]) -> ClusterRole {
        role(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": name, "labels": {label: "true"}},
            "rules": [{"apiGroups": [""], "resources": resources, "verbs": ["get"]}]}),
        )
    }

    fn aggregating(name: &str, selectors: serde_json::Value) -> ClusterRole {
        role(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": name}, "aggregationRule": {"clusterRoleSelectors": selectors}}),
        )
    }

    fn resources(rules: &[PolicyRule]) -> Vec<Vec<String>> {
        rules
            .iter()
            .map(|r| r.resources.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn selected_roles_by_name_each_rule_once_and_not_itself() {
        let target = aggregating("mine", json!([{"matchLabels": {"x": "true"}}]));
        let mut self_labelled = target.clone();
        self_labelled.metadata.labels = Some([("x".to_string(), "true".to_string())].into());
        self_labelled.rules = Some(vec![]);
        let all = [
            labelled("zeta", "x", &["secrets"]),
            labelled("alpha", "x", &["pods"]),
            labelled("beta", "x", &["pods"]),
            labelled("other", "y", &["nodes"]),
            self_labelled.clone(),
        ];
        let rules = aggregate(&self_labelled, &all.iter().collect::<Vec<_>>()).unwrap();
        assert_eq!(resources(&rules), [vec!["pods"], vec!["secrets"]]);
    }

    #[test]
    fn selectors_add_in_order_and_bad_selectors_are_errors() {
        let target = aggregating(
            "mine",
            json!([{"matchLabels": {"y": "true"}}, {"matchLabels": {"x": "true"}}]),
        );
        let all = [
            labelled("a", "x", &["pods"]),
            labelled("b", "y", &["nodes"]),
        ];
        assert_eq!(
            resources(&aggregate(&target, &all.iter().collect::<Vec<_>>()).unwrap()),
            [vec!["nodes"], vec!["pods"]]
        );
        let bad = aggregating(
            "bad",
            json!([{"matchExpressions": [{"key": "x", "operator": "Near"}]}]),
        );
        assert!(aggregate(&bad, &all.iter().collect::<Vec<_>>()).is_err());
    }

    #[test]
    fn absent_and_empty_lists_are_the_same_rule() {
        let a = PolicyRule {
            verbs: vec!["get".into()],
            api_groups: Some(vec![]),
            ..PolicyRule::default()
        };
        let b = PolicyRule {
            verbs: vec!["get".into()],
            ..PolicyRule::default()
        };
        assert!(same_rule(&a, &b));
        assert!(same_rules(&[], &[]));
    }
}
