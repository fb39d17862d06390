//! ImagePolicyWebhook: asks a backend webhook (an `imagepolicy.k8s.io/v1alpha1` ImageReview)
//! whether a pod's images may run.
//!
//! Follows `plugin/pkg/admission/imagepolicy/admission.go` and `config.go` in
//! kubernetes/kubernetes: a validating plugin for pod CREATE and UPDATE (and the
//! `ephemeralcontainers` subresource), configured by
//! `imagePolicy: {kubeConfigFile, allowTTL, denyTTL, retryBackoff, defaultAllow}`; the
//! configuration is required and its durations are checked when the API server starts
//! ([`init_error`]).
//!
//! kubefiddle runs in a static page, with no network and no webhook backend, so every review
//! fails the way an unreachable backend does, and `defaultAllow` decides, as upstream's
//! `webhookError` does:
//!
//! * `defaultAllow: true`: the pod is admitted and annotated
//!   `alpha.image-policy.k8s.io/failed-open: "true"` (upstream sets it on the pod during the
//!   validating pass; kubefiddle's validating plugins cannot change the object, so the
//!   annotation is set in the mutating pass, with the same stored result);
//! * `defaultAllow: false`: the pod is refused with `admission.NewForbidden(a, err)`, where `err`
//!   is the HTTP client's error. That text depends on the backend's address and the network
//!   (`Post "https://…": dial tcp …`), which kubefiddle cannot know: see [`BACKEND_ERROR`].

use serde_json::{Map, Value};

use super::always_deny::forbidden;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::settings::Settings;
use crate::status::ApiError;

pub struct ImagePolicyWebhook;

/// `api.ImagePolicyFailedOpenKey`.
pub const FAILED_OPEN_ANNOTATION: &str = "alpha.image-policy.k8s.io/failed-open";

/// kubefiddle's stand-in for the HTTP client's error (not an upstream text: the real one names
/// the backend URL from `kubeConfigFile` and the network failure).
pub const BACKEND_ERROR: &str =
    "Post \"<server of the kubeConfigFile>\": kubefiddle cannot reach webhook backends";

const SECOND: i64 = 1_000_000_000;
const MILLISECOND: i64 = 1_000_000;
const MINUTE: i64 = 60 * SECOND;

/// The normalized configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub kube_config_file: String,
    /// Nanoseconds, as `time.Duration`.
    pub allow_ttl: i64,
    pub deny_ttl: i64,
    pub retry_backoff: i64,
    pub default_allow: bool,
}

/// Go's `time.Duration.String`.
pub fn go_duration(d: i64) -> String {
    if d == 0 {
        return "0s".to_string();
    }
    let sign = if d < 0 { "-" } else { "" };
    let u = d.unsigned_abs();
    let frac = |value: u64, unit: u64| -> String {
        let whole = value / unit;
        let rest = value % unit;
        if rest == 0 {
            return whole.to_string();
        }
        let digits = unit.to_string().len() - 1;
        let text = format!("{rest:0digits$}");
        format!("{whole}.{}", text.trim_end_matches('0'))
    };
    if u < 1_000 {
        return format!("{sign}{u}ns");
    }
    if u < 1_000_000 {
        return format!("{sign}{}µs", frac(u, 1_000));
    }
    if u < 1_000_000_000 {
        return format!("{sign}{}ms", frac(u, 1_000_000));
    }
    let secs = u / 1_000_000_000;
    let nanos = u % 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let seconds = frac(s * 1_000_000_000 + nanos, 1_000_000_000);
    if h > 0 {
        format!("{sign}{h}h{m}m{seconds}s")
    } else if m > 0 {
        format!("{sign}{m}m{seconds}s")
    } else {
        format!("{sign}{seconds}s")
    }
}

/// `normalizeConfigDuration`: -1 disables, 0 takes the default, anything else is scaled and must
/// lie in (min, max].
fn normalize(value: i64, scale: i64, min: i64, max: i64, default: i64) -> Result<i64, String> {
    match value {
        -1 => Ok(0),
        0 => Ok(default),
        v => {
            let scaled = v.wrapping_mul(scale);
            if scaled <= min || scaled > max {
                Err(format!(
                    "valid value is between {} and {}, got {}",
                    go_duration(min),
                    go_duration(max),
                    go_duration(scaled)
                ))
            } else {
                Ok(scaled)
            }
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A field of a struct as encoding/json finds it (exact name first, then case-insensitive).
fn field<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.get(name).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// `NewImagePolicyWebhook`'s reading of the configuration (`yaml.NewYAMLOrJSONDecoder` into
/// `AdmissionConfig`, then `normalizeWebhookConfig`). The kubeconfig file itself cannot be
/// read here and is not checked.
pub fn read_config(settings: &Settings) -> Result<Config, String> {
    let raw = match settings.admission_config.get("ImagePolicyWebhook") {
        None | Some(Value::Null) => return Err("no config specified".to_string()),
        Some(v) => v,
    };
    let type_error = |v: &Value, path: &str, go_type: &str| {
        format!(
            "json: cannot unmarshal {} into Go struct field {path} of type {go_type}",
            json_type(v)
        )
    };
    let Value::Object(top) = raw else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type imagepolicy.AdmissionConfig",
            json_type(raw)
        ));
    };
    let empty = Map::new();
    let policy = match field(top, "imagePolicy") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(type_error(
                other,
                "AdmissionConfig.imagePolicy",
                "imagepolicy.imagePolicyWebhookConfig",
            ))
        }
    };
    let path = |name: &str| format!("imagePolicyWebhookConfig.imagePolicy.{name}");
    let duration = |name: &str| -> Result<i64, String> {
        match field(policy, name) {
            None | Some(Value::Null) => Ok(0),
            Some(Value::Number(n)) => n.as_i64().ok_or_else(|| {
                format!(
                    "json: cannot unmarshal number {n} into Go struct field {} of type time.Duration",
                    path(name)
                )
            }),
            Some(other) => Err(type_error(other, &path(name), "time.Duration")),
        }
    };
    let kube_config_file = match field(policy, "kubeConfigFile") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(type_error(other, &path("kubeConfigFile"), "string")),
    };
    let default_allow = match field(policy, "defaultAllow") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(type_error(other, &path("defaultAllow"), "bool")),
    };
    let (allow, deny, backoff) = (
        duration("allowTTL")?,
        duration("denyTTL")?,
        duration("retryBackoff")?,
    );
    let retry_backoff = normalize(backoff, MILLISECOND, 1, 5 * MINUTE, 500 * MILLISECOND)?;
    let allow_ttl = normalize(allow, SECOND, SECOND, 30 * MINUTE, 5 * MINUTE)?;
    let deny_ttl = normalize(deny, SECOND, SECOND, 30 * MINUTE, 30 * SECOND)?;
    Ok(Config {
        kube_config_file,
        allow_ttl,
        deny_ttl,
        retry_backoff,
        default_allow,
    })
}

/// Why kube-apiserver would not start with this plugin enabled, if it would not.
pub fn init_error(settings: &Settings) -> Option<String> {
    read_config(settings)
        .err()
        .map(|e| format!("couldn't init admission plugin \"ImagePolicyWebhook\": {e}"))
}

/// Pods themselves and their `ephemeralcontainers` subresource.
fn reviewed(a: &Attributes) -> bool {
    a.kind.kind == "Pod"
        && a.kind.group.is_empty()
        && (a.subresource.is_empty() || a.subresource == "ephemeralcontainers")
}

impl Plugin for ImagePolicyWebhook {
    fn name(&self) -> &'static str {
        "ImagePolicyWebhook"
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

    /// The failed-open annotation (see the module documentation).
    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if !reviewed(a) {
            return Ok(());
        }
        let Ok(config) = read_config(c.settings) else {
            return Ok(());
        };
        if !config.default_allow {
            return Ok(());
        }
        if let Some(Object::Pod(pod)) = a.object.as_mut() {
            pod.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(FAILED_OPEN_ANNOTATION.to_string(), "true".to_string());
        }
        Ok(())
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if !reviewed(a) || !matches!(a.object, Some(Object::Pod(_))) {
            return Ok(());
        }
        // Without a valid configuration the API server would not be running.
        let Ok(config) = read_config(c.settings) else {
            return Ok(());
        };
        if config.default_allow {
            return Ok(());
        }
        Err(forbidden(a, BACKEND_ERROR, self.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{config_map, containers, pod, run, Req};
    use serde_json::json;

    fn cfg(default_allow: bool) -> Value {
        json!({"imagePolicy": {"kubeConfigFile": "/etc/kubernetes/image-policy.kubeconfig",
            "allowTTL": 50, "denyTTL": 50, "retryBackoff": 500, "defaultAllow": default_allow}})
    }

    #[test]
    fn durations_print_as_go_does() {
        for (d, s) in [
            (0, "0s"),
            (1, "1ns"),
            (SECOND, "1s"),
            (30 * MINUTE, "30m0s"),
            (60 * MINUTE, "1h0m0s"),
            (400_500 * MILLISECOND, "6m40.5s"),
            (-2 * SECOND, "-2s"),
            (1_500_000, "1.5ms"),
        ] {
            assert_eq!(go_duration(d), s);
        }
    }

    #[test]
    fn default_allow_admits_and_marks_the_pod() {
        let out = run(
            &ImagePolicyWebhook,
            Req::create(pod(json!({"containers": containers()})))
                .config("ImagePolicyWebhook", cfg(true)),
        )
        .unwrap();
        assert_eq!(
            out["metadata"]["annotations"][FAILED_OPEN_ANNOTATION],
            "true"
        );
    }

    #[test]
    fn without_default_allow_the_pod_is_refused() {
        assert_eq!(
            run(
                &ImagePolicyWebhook,
                Req::create(pod(json!({"containers": containers()})))
                    .config("ImagePolicyWebhook", cfg(false))
            ),
            Err(format!("pods \"p\" is forbidden: {BACKEND_ERROR}"))
        );
    }

    #[test]
    fn the_configuration_is_required_and_its_durations_bounded() {
        let with = |c: Option<Value>| {
            let mut s = Settings::default();
            if let Some(c) = c {
                s.admission_config.insert("ImagePolicyWebhook".into(), c);
            }
            init_error(&s)
        };
        assert_eq!(
            with(None).unwrap(),
            "couldn't init admission plugin \"ImagePolicyWebhook\": no config specified"
        );
        assert_eq!(with(Some(cfg(true))), None);
        assert_eq!(
            with(Some(json!({"imagePolicy": {"allowTTL": 3600}}))).unwrap(),
            "couldn't init admission plugin \"ImagePolicyWebhook\": valid value is between 1s and 30m0s, got 1h0m0s"
        );
        assert_eq!(
            with(Some(json!({"imagePolicy": {"denyTTL": 1}}))).unwrap(),
            "couldn't init admission plugin \"ImagePolicyWebhook\": valid value is between 1s and 30m0s, got 1s"
        );
        assert_eq!(
            with(Some(json!({"imagePolicy": {"retryBackoff": 400000}}))).unwrap(),
            "couldn't init admission plugin \"ImagePolicyWebhook\": valid value is between 1ns and 5m0s, got 6m40s"
        );
        assert_eq!(
            with(Some(json!({"imagePolicy": {"allowTTL": "50s"}}))).unwrap(),
            "couldn't init admission plugin \"ImagePolicyWebhook\": json: cannot unmarshal string into Go struct field imagePolicyWebhookConfig.imagePolicy.allowTTL of type time.Duration"
        );
        let ok = read_config(&{
            let mut s = Settings::default();
            s.admission_config.insert(
                "ImagePolicyWebhook".into(),
                json!({"imagePolicy": {"allowTTL": -1}}),
            );
            s
        })
        .unwrap();
        assert_eq!(
            (ok.allow_ttl, ok.deny_ttl, ok.retry_backoff),
            (0, 30 * SECOND, 500 * MILLISECOND)
        );
    }

    #[test]
    fn other_kinds_and_subresources_are_not_reviewed() {
        assert!(run(
            &ImagePolicyWebhook,
            Req::create(config_map()).config("ImagePolicyWebhook", cfg(false))
        )
        .is_ok());
        assert!(run(
            &ImagePolicyWebhook,
            Req::create(pod(json!({"containers": containers()})))
                .subresource("status")
                .config("ImagePolicyWebhook", cfg(false))
        )
        .is_ok());
    }
}
