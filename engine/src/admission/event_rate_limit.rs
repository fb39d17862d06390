//! EventRateLimit: caps the rate of Event writes, per API server, namespace, user, or event
//! source and object, with token buckets.
//!
//! Follows `plugin/pkg/admission/eventratelimit/admission.go`, `limitenforcer.go`, `config.go`
//! and `apis/eventratelimit/validation/validation.go` in kubernetes/kubernetes: a validating
//! plugin for CREATE and UPDATE of core Events; each configured limit keeps a token bucket
//! (`qps` refill per second, `burst` capacity, full at first use) per key; a request every
//! bucket of which has a token is admitted, otherwise it is refused with 429
//! `Too many requests: limit reached on type <Type> for key <key>` (several limits aggregated).
//! The configuration is `eventratelimit.admission.k8s.io/v1alpha1` `Configuration` with
//! `limits: [{type, qps, burst, cacheSize}]`; it is required (without it, or with an invalid
//! one, kube-apiserver does not start: [`init_error`]).
//!
//! What kubefiddle simulates: the controllers, scheduler and kubelets of the simulated cluster
//! record their Events directly, not through the API, so they neither use tokens nor get
//! refused. The limits apply to Event objects sent through the API (an Event manifest). Plugins
//! keep no state between requests here, so the buckets are replayed from the Events the store
//! holds, at their creation times on kubefiddle's logical clock (one second per document or
//! command), all as created by the scenario's user; updates of Events, refused requests and the
//! LRU eviction of `cacheSize` keys are not replayed. With whole-number `qps` and one request per
//! second, a limit is only reached by several Events in the same second.

use k8s_openapi::api::core::v1::Event;
use serde_json::Value;

use super::always_pull_images::aggregate;
use super::pod_toleration_restriction::decode_versioned;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::settings::Settings;
use crate::status::{ApiError, FieldError, Reason};

pub struct EventRateLimit;

pub const CONFIG_API_VERSION: &str = "eventratelimit.admission.k8s.io/v1alpha1";
/// The limit types, in the order kubefiddle lists them (upstream lists a Go map's keys, in no
/// fixed order).
pub const LIMIT_TYPES: &[&str] = &["Server", "Namespace", "User", "SourceAndObject"];

/// One configured limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub type_: String,
    pub qps: i64,
    pub burst: i64,
    pub cache_size: i64,
}

/// A whole number field as encoding/json reads it into an int32.
fn int_field(m: &serde_json::Map<String, Value>, name: &str) -> Result<i64, String> {
    match m.get(name) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|v| i32::try_from(*v).is_ok())
            .ok_or_else(|| format!("json: cannot unmarshal number {n} into Go struct field Limit.limits.{name} of type int32")),
        Some(other) => Err(format!(
            "json: cannot unmarshal {} into Go struct field Limit.limits.{name} of type int32",
            json_type(other)
        )),
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

/// `LoadConfiguration` then `ValidateConfiguration`: the limits, or the error that stops
/// kube-apiserver.
pub fn read_config(settings: &Settings) -> Result<Vec<Limit>, String> {
    let limits: Option<Vec<Value>> = match settings.admission_config.get("EventRateLimit") {
        None | Some(Value::Null) => None,
        Some(raw) => {
            let m = decode_versioned(raw, CONFIG_API_VERSION)?;
            match m.get("limits") {
                None | Some(Value::Null) => None,
                Some(Value::Array(items)) => Some(items.clone()),
                Some(other) => {
                    return Err(format!(
                        "json: cannot unmarshal {} into Go struct field Configuration.limits of type []v1alpha1.Limit",
                        json_type(other)
                    ))
                }
            }
        }
    };
    let mut parsed = Vec::new();
    for item in limits.iter().flatten() {
        let Value::Object(m) = item else {
            return Err(format!(
                "json: cannot unmarshal {} into Go struct field Configuration.limits of type v1alpha1.Limit",
                json_type(item)
            ));
        };
        let type_ = match m.get("type") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(format!(
                    "json: cannot unmarshal {} into Go struct field Limit.limits.type of type v1alpha1.LimitType",
                    json_type(other)
                ))
            }
        };
        parsed.push(Limit {
            type_,
            qps: int_field(m, "qps")?,
            burst: int_field(m, "burst")?,
            cache_size: int_field(m, "cacheSize")?,
        });
    }
    let mut errors: Vec<String> = Vec::new();
    if parsed.is_empty() {
        let shown = if limits.is_some() {
            "[]eventratelimit.Limit{}"
        } else {
            "[]eventratelimit.Limit(nil)"
        };
        errors.push(
            FieldError::invalid("limits", shown.to_string(), "must not be empty").to_string(),
        );
    }
    for (i, l) in parsed.iter().enumerate() {
        if !LIMIT_TYPES.contains(&l.type_.as_str()) {
            errors.push(
                FieldError::not_supported(&format!("limits[{i}].type"), &l.type_, LIMIT_TYPES)
                    .to_string(),
            );
        }
        if l.burst <= 0 {
            errors.push(
                FieldError::invalid(
                    &format!("limits[{i}].burst"),
                    l.burst.to_string(),
                    "must be positive",
                )
                .to_string(),
            );
        }
        if l.qps <= 0 {
            errors.push(
                FieldError::invalid(
                    &format!("limits[{i}].qps"),
                    l.qps.to_string(),
                    "must be positive",
                )
                .to_string(),
            );
        }
        if l.type_ != "Server" && l.cache_size < 0 {
            errors.push(
                FieldError::invalid(
                    &format!("limits[{i}].cacheSize"),
                    l.cache_size.to_string(),
                    "must not be negative",
                )
                .to_string(),
            );
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(aggregate(&errors))
    }
}

/// Why kube-apiserver would not start with this plugin enabled, if it would not.
pub fn init_error(settings: &Settings) -> Option<String> {
    read_config(settings)
        .err()
        .map(|e| format!("couldn't init admission plugin \"EventRateLimit\": {e}"))
}

/// The bucket key of an event for a limit type (`getServerKey` … `getSourceAndObjectKey`).
fn key(type_: &str, namespace: &str, user: &str, event: Option<&Event>) -> String {
    match type_ {
        "Namespace" => namespace.to_string(),
        "User" => user.to_string(),
        "SourceAndObject" => {
            let Some(e) = event else {
                return String::new();
            };
            let source = e.source.as_ref();
            let o = &e.involved_object;
            [
                source.and_then(|s| s.component.clone()),
                source.and_then(|s| s.host.clone()),
                o.kind.clone(),
                o.namespace.clone(),
                o.name.clone(),
                o.uid.clone(),
                o.api_version.clone(),
            ]
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
        }
        _ => String::new(),
    }
}

/// A token bucket (`rate.Limiter`): full at first use, `qps` tokens a second up to `burst`.
struct Bucket {
    tokens: f64,
    at: i64,
}

impl Bucket {
    fn refill(&mut self, now: i64, l: &Limit) {
        let elapsed = (now - self.at).max(0);
        #[allow(clippy::cast_precision_loss)]
        let added = elapsed as f64 * l.qps as f64;
        #[allow(clippy::cast_precision_loss)]
        let cap = l.burst as f64;
        self.tokens = (self.tokens + added).min(cap);
        self.at = self.at.max(now);
    }

    /// `TryAccept`.
    fn take(&mut self, now: i64, l: &Limit) -> bool {
        self.refill(now, l);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl Plugin for EventRateLimit {
    fn name(&self) -> &'static str {
        "EventRateLimit"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if a.kind.kind != "Event" || !a.kind.group.is_empty() {
            return Ok(());
        }
        // Without a valid configuration the API server would not be running.
        let Ok(limits) = read_config(c.settings) else {
            return Ok(());
        };
        let event = match a.object.as_ref() {
            Some(Object::Event(e)) => Some(e.as_ref()),
            _ => None,
        };
        let now = c.store.now;
        // The Events admitted before, oldest first, with their creation times.
        let mut history: Vec<(i64, String, &Event)> = c
            .store
            .list("Event")
            .filter_map(|s| match &s.obj {
                Object::Event(e) => {
                    let created = e
                        .metadata
                        .creation_timestamp
                        .as_ref()
                        .map(|t| t.0.as_second() - crate::store::EPOCH)
                        .unwrap_or(0);
                    Some((
                        created,
                        e.metadata.namespace.clone().unwrap_or_default(),
                        e.as_ref(),
                    ))
                }
                _ => None,
            })
            .collect();
        history.sort_by_key(|(t, _, _)| *t);
        let history_user = c.settings.user.name.as_str();
        let mut errors = Vec::new();
        for l in &limits {
            let wanted = key(&l.type_, &a.namespace, &a.user.name, event);
            let mut bucket: Option<Bucket> = None;
            #[allow(clippy::cast_precision_loss)]
            let full = l.burst as f64;
            for (t, ns, e) in &history {
                if key(&l.type_, ns, history_user, Some(e)) != wanted {
                    continue;
                }
                bucket
                    .get_or_insert(Bucket {
                        tokens: full,
                        at: *t,
                    })
                    .take(*t, l);
            }
            let mut b = bucket.unwrap_or(Bucket {
                tokens: full,
                at: now,
            });
            if !b.take(now, l) {
                errors.push(format!(
                    "limit reached on type {} for key {wanted}",
                    l.type_
                ));
            }
        }
        if errors.is_empty() {
            return Ok(());
        }
        Err(ApiError::new(
            Reason::TooManyRequests,
            format!("Too many requests: {}", aggregate(&errors)),
            self.name(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{containers, pod, run_full, Req};
    use serde_json::json;

    fn event(name: &str, ns: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": ns},
            "reason": "Test", "message": "hello", "type": "Normal",
            "source": {"component": "me"}})
    }

    fn config(limits: Value) -> Value {
        json!({"apiVersion": CONFIG_API_VERSION, "kind": "Configuration", "limits": limits})
    }

    #[test]
    fn events_within_the_burst_pass_and_the_next_one_in_the_same_second_is_refused() {
        let cfg = config(json!([{"type": "Namespace", "qps": 1, "burst": 2}]));
        let earlier = [event("e1", "default"), event("e2", "default")];
        let e = run_full(
            &EventRateLimit,
            Req::create(event("e3", "default"))
                .with(&earlier)
                .config("EventRateLimit", cfg.clone()),
        )
        .unwrap_err();
        assert_eq!(e.reason, Reason::TooManyRequests);
        assert_eq!(
            e.message,
            "Too many requests: limit reached on type Namespace for key default"
        );
        assert_eq!(
            e.kubectl_line(crate::status::Verb::Create, "ev.yaml"),
            "Error from server (TooManyRequests): error when creating \"ev.yaml\": Too many requests: limit reached on type Namespace for key default"
        );
        // One second later a token is back; another namespace has its own bucket.
        assert!(run_full(
            &EventRateLimit,
            Req::create(event("e3", "default"))
                .with(&earlier)
                .later(1)
                .config("EventRateLimit", cfg.clone())
        )
        .is_ok());
        assert!(run_full(
            &EventRateLimit,
            Req::create(event("e3", "kube-system"))
                .with(&earlier)
                .config("EventRateLimit", cfg)
        )
        .is_ok());
    }

    #[test]
    fn several_limits_reached_are_aggregated() {
        let cfg = config(json!([
            {"type": "Server", "qps": 1, "burst": 1},
            {"type": "SourceAndObject", "qps": 1, "burst": 1}]));
        let e = run_full(
            &EventRateLimit,
            Req::create(event("e2", "default"))
                .with(&[event("e1", "default")])
                .config("EventRateLimit", cfg),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Too many requests: [limit reached on type Server for key , limit reached on type SourceAndObject for key mePoddefaultweb]"
        );
    }

    #[test]
    fn the_configuration_is_required_and_validated() {
        let with = |cfg: Option<Value>| {
            let mut s = Settings::default();
            if let Some(c) = cfg {
                s.admission_config.insert("EventRateLimit".into(), c);
            }
            init_error(&s)
        };
        assert_eq!(
            with(None).unwrap(),
            "couldn't init admission plugin \"EventRateLimit\": limits: Invalid value: []eventratelimit.Limit(nil): must not be empty"
        );
        assert_eq!(
            with(Some(config(json!([{"type": "Pod", "qps": 0, "burst": 5, "cacheSize": -1}])))).unwrap(),
            "couldn't init admission plugin \"EventRateLimit\": [limits[0].type: Unsupported value: \"Pod\": supported values: \"Server\", \"Namespace\", \"User\", \"SourceAndObject\", limits[0].qps: Invalid value: 0: must be positive, limits[0].cacheSize: Invalid value: -1: must not be negative]"
        );
        assert_eq!(
            with(Some(json!({"limits": []}))).unwrap(),
            "couldn't init admission plugin \"EventRateLimit\": Object 'Kind' is missing in '{\"limits\":[]}'"
        );
        assert_eq!(
            with(Some(config(
                json!([{"type": "User", "qps": 5, "burst": 10}])
            ))),
            None
        );
    }

    #[test]
    fn other_kinds_pass() {
        let cfg = config(json!([{"type": "Server", "qps": 1, "burst": 1}]));
        assert!(run_full(
            &EventRateLimit,
            Req::create(pod(json!({"containers": containers()}))).config("EventRateLimit", cfg)
        )
        .is_ok());
    }
}
