//! PodNodeSelector: a namespace (or the cluster) gives its pods a node selector they cannot
//! contradict, and the configuration can limit which node labels a namespace's pods may select.
//!
//! Follows `plugin/pkg/admission/podnodeselector/admission.go` in kubernetes/kubernetes, for pod
//! CREATE only:
//!
//! * the namespace's node selector is its `scheduler.alpha.kubernetes.io/node-selector`
//!   annotation when present (even empty), else the configuration's
//!   `clusterDefaultNodeSelector`, both in `labels.ConvertSelectorToLabelsMap` form
//!   (`key=value,key=value`);
//! * a pod selecting another value for one of those keys is refused; otherwise the namespace's
//!   labels are merged into the pod's `nodeSelector`;
//! * the result must stay within the configuration's whitelist for the namespace (the entry
//!   named after it), checked again in the validating pass.
//!
//! The configuration (`readConfig`, no apiVersion or kind) is
//! `podNodeSelectorPluginConfig: {clusterDefaultNodeSelector: "...", <namespace>: "..."}`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::labels::{go_quote, is_qualified_name, is_valid_label_value};
use crate::object::Object;
use crate::settings::Settings;
use crate::status::{ApiError, FieldError, Reason};

pub struct PodNodeSelector;

/// `NamespaceNodeSelectors`.
pub const NODE_SELECTOR_ANNOTATION: &str = "scheduler.alpha.kubernetes.io/node-selector";
pub const CLUSTER_DEFAULT: &str = "clusterDefaultNodeSelector";
pub const NAMESPACE_CONFLICT: &str =
    "pod node label selector conflicts with its namespace node label selector";
pub const WHITELIST_CONFLICT: &str =
    "pod node label selector labels conflict with its namespace whitelist";

type Labels = BTreeMap<String, String>;

/// `labels.ConvertSelectorToLabelsMap`: `k=v,k=v`; the errors are apimachinery's
/// (`invalid selector: [..]`, and `field.Invalid` with a nil path for bad keys and values).
pub fn selector_to_map(selector: &str) -> Result<Labels, String> {
    let mut out = Labels::new();
    if selector.is_empty() {
        return Ok(out);
    }
    for label in selector.split(',') {
        let parts: Vec<&str> = label.split('=').collect();
        if parts.len() != 2 {
            return Err(format!("invalid selector: [{}]", parts.join(" ")));
        }
        let key = parts[0].trim();
        let errs = is_qualified_name(key);
        if !errs.is_empty() {
            let e = FieldError::invalid("<nil>", go_quote(key), &errs.join("; "));
            return Err(e.to_string());
        }
        let value = parts[1].trim();
        let errs = is_valid_label_value(value);
        if !errs.is_empty() {
            let e = FieldError::invalid(&format!("[{key}]"), go_quote(value), &errs.join("; "));
            return Err(e.to_string());
        }
        out.insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

/// `labels.Conflicts`: a key both maps have, with different values.
fn conflicts(a: &Labels, b: &Labels) -> bool {
    a.iter().any(|(k, v)| b.get(k).is_some_and(|w| w != v))
}

/// `isSubset`: every pod label is in a non-empty whitelist with the same value.
fn is_subset(sub: &Labels, whitelist: &Labels) -> bool {
    whitelist.is_empty() || sub.iter().all(|(k, v)| whitelist.get(k) == Some(v))
}

/// `readConfig`: the `podNodeSelectorPluginConfig` map (matched case-insensitively, as Go's
/// JSON decoding matches field names); values that are not strings are ignored.
pub fn cluster_node_selectors(settings: &Settings) -> BTreeMap<String, String> {
    let Some(Value::Object(top)) = settings.admission_config.get("PodNodeSelector") else {
        return BTreeMap::new();
    };
    let inner = top.get("podNodeSelectorPluginConfig").or_else(|| {
        top.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("podNodeSelectorPluginConfig"))
            .map(|(_, v)| v)
    });
    let Some(Value::Object(m)) = inner else {
        return BTreeMap::new();
    };
    m.iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

fn plain(message: String, plugin: &str) -> ApiError {
    ApiError::new(Reason::Unknown, message, plugin)
}

impl PodNodeSelector {
    /// `getNamespaceNodeSelectorMap`: the namespace's selector, or the cluster default. A missing
    /// namespace is the InternalError of `defaultGetNamespace`'s plain error.
    fn namespace_selector(&self, a: &Attributes, c: &ClusterView) -> Result<Labels, ApiError> {
        let Some(ns) = c
            .store
            .get_obj("Namespace", "", &a.namespace)
            .and_then(Object::as_namespace)
        else {
            return Err(ApiError::new(
                Reason::InternalError,
                format!(
                    "Internal error occurred: namespace {} does not exist",
                    a.namespace
                ),
                self.name(),
            ));
        };
        let annotation = ns
            .metadata
            .annotations
            .as_ref()
            .and_then(|m| m.get(NODE_SELECTOR_ANNOTATION));
        let selector = match annotation {
            Some(s) => s.clone(),
            None => cluster_node_selectors(c.settings)
                .get(CLUSTER_DEFAULT)
                .cloned()
                .unwrap_or_default(),
        };
        selector_to_map(&selector).map_err(|e| plain(e, self.name()))
    }

    /// `Validate`: no conflict with the namespace, and within the namespace's whitelist.
    fn check(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(());
        };
        let namespace_labels = self.namespace_selector(a, c)?;
        let pod_labels: Labels = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_selector.clone())
            .unwrap_or_default();
        if conflicts(&namespace_labels, &pod_labels) {
            return Err(ApiError::forbidden(
                "pods",
                &a.name,
                NAMESPACE_CONFLICT,
                self.name(),
            ));
        }
        let whitelist_text = cluster_node_selectors(c.settings)
            .get(&a.namespace)
            .cloned()
            .unwrap_or_default();
        let whitelist = selector_to_map(&whitelist_text).map_err(|e| plain(e, self.name()))?;
        if !is_subset(&pod_labels, &whitelist) {
            return Err(ApiError::forbidden(
                "pods",
                &a.name,
                WHITELIST_CONFLICT,
                self.name(),
            ));
        }
        Ok(())
    }
}

/// `shouldIgnore`: only pods themselves.
fn should_ignore(a: &Attributes) -> bool {
    a.kind.kind != "Pod"
        || !a.kind.group.is_empty()
        || !a.subresource.is_empty()
        || !matches!(a.object, Some(Object::Pod(_)))
}

impl Plugin for PodNodeSelector {
    fn name(&self) -> &'static str {
        "PodNodeSelector"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn mutating(&self) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if should_ignore(a) {
            return Ok(());
        }
        let namespace_labels = self.namespace_selector(a, c)?;
        let name = a.name.clone();
        if let Some(Object::Pod(pod)) = a.object.as_mut() {
            let spec = pod.spec.get_or_insert_with(Default::default);
            let mut merged = namespace_labels;
            let pod_labels = spec.node_selector.clone().unwrap_or_default();
            if conflicts(&merged, &pod_labels) {
                return Err(ApiError::forbidden(
                    "pods",
                    &name,
                    NAMESPACE_CONFLICT,
                    self.name(),
                ));
            }
            // Second map wins: the pod's own values stay.
            merged.extend(pod_labels);
            spec.node_selector = (!merged.is_empty()).then_some(merged);
        }
        self.check(a, c)
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if should_ignore(a) {
            return Ok(());
        }
        self.check(a, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{
        config_map, containers, map, namespace, pod_in, run, run_full, Req,
    };
    use serde_json::json;

    fn selector(out: &Value) -> Labels {
        serde_json::from_value(out["spec"]["nodeSelector"].clone()).unwrap_or_default()
    }

    fn pod_selecting(ns: &str, sel: Value) -> Value {
        pod_in(ns, json!({"containers": containers(), "nodeSelector": sel}))
    }

    fn config(m: Value) -> Value {
        json!({"podNodeSelectorPluginConfig": m})
    }

    #[test]
    fn the_namespace_annotation_is_merged_into_the_pod() {
        let ns = namespace(
            "team",
            json!({NODE_SELECTOR_ANNOTATION: "env=prod, tier=web"}),
        );
        let out = run(
            &PodNodeSelector,
            Req::create(pod_selecting("team", json!({"disk": "ssd"}))).with(&[ns]),
        )
        .unwrap();
        assert_eq!(
            selector(&out),
            map(&[("disk", "ssd"), ("env", "prod"), ("tier", "web")])
        );
    }

    #[test]
    fn a_contradicting_pod_is_refused() {
        let ns = namespace("team", json!({NODE_SELECTOR_ANNOTATION: "env=prod"}));
        let e = run_full(
            &PodNodeSelector,
            Req::create(pod_selecting("team", json!({"env": "dev"}))).with(&[ns]),
        )
        .unwrap_err();
        assert_eq!(e.reason, Reason::Forbidden);
        assert_eq!(
            e.message,
            "pods \"p\" is forbidden: pod node label selector conflicts with its namespace node label selector"
        );
    }

    #[test]
    fn the_cluster_default_applies_only_without_the_annotation() {
        let cfg = config(json!({"clusterDefaultNodeSelector": "region=eu"}));
        let out = run(
            &PodNodeSelector,
            Req::create(pod_selecting("default", json!({}))).config("PodNodeSelector", cfg.clone()),
        )
        .unwrap();
        assert_eq!(selector(&out), map(&[("region", "eu")]));
        let opted_out = namespace("free", json!({NODE_SELECTOR_ANNOTATION: ""}));
        let out = run(
            &PodNodeSelector,
            Req::create(pod_selecting("free", json!({})))
                .with(&[opted_out])
                .config("PodNodeSelector", cfg),
        )
        .unwrap();
        assert_eq!(selector(&out), Labels::new());
    }

    #[test]
    fn the_whitelist_bounds_the_merged_selector() {
        let cfg = config(json!({"team": "env=prod,disk=ssd"}));
        let ns = namespace("team", json!({NODE_SELECTOR_ANNOTATION: "env=prod"}));
        assert!(run(
            &PodNodeSelector,
            Req::create(pod_selecting("team", json!({"disk": "ssd"})))
                .with(std::slice::from_ref(&ns))
                .config("PodNodeSelector", cfg.clone())
        )
        .is_ok());
        assert_eq!(
            run(
                &PodNodeSelector,
                Req::create(pod_selecting("team", json!({"gpu": "true"})))
                    .with(&[ns])
                    .config("PodNodeSelector", cfg)
            ),
            Err("pods \"p\" is forbidden: pod node label selector labels conflict with its namespace whitelist".into())
        );
    }

    #[test]
    fn bad_selectors_fail_with_apimachinery_s_words() {
        assert_eq!(
            selector_to_map("env").unwrap_err(),
            "invalid selector: [env]"
        );
        assert_eq!(
            selector_to_map("a=b=c").unwrap_err(),
            "invalid selector: [a b c]"
        );
        assert!(selector_to_map("bad key!=x")
            .unwrap_err()
            .starts_with("<nil>: Invalid value: \"bad key!\": name part must consist of"));
        assert!(selector_to_map("env=bad value")
            .unwrap_err()
            .starts_with("[env]: Invalid value: \"bad value\": a valid label must be"));
        let ns = namespace("odd", json!({NODE_SELECTOR_ANNOTATION: "env"}));
        let e = run_full(
            &PodNodeSelector,
            Req::create(pod_selecting("odd", json!({}))).with(&[ns]),
        )
        .unwrap_err();
        assert_eq!(
            (e.reason, e.message.as_str()),
            (Reason::Unknown, "invalid selector: [env]")
        );
    }

    #[test]
    fn a_missing_namespace_is_an_internal_error() {
        // Reached only without NamespaceLifecycle, which refuses such pods earlier.
        let p = pod_selecting("nowhere", json!({}));
        let e = run_full(&PodNodeSelector, Req::create(p)).unwrap_err();
        assert_eq!(
            (e.reason, e.message.as_str()),
            (
                Reason::InternalError,
                "Internal error occurred: namespace nowhere does not exist"
            )
        );
    }

    #[test]
    fn updates_and_other_kinds_are_left_alone() {
        assert!(!PodNodeSelector.handles(Operation::Update));
        assert!(run(&PodNodeSelector, Req::create(config_map())).is_ok());
    }
}
