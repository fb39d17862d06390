//! PodTolerationRestriction: a namespace (or the cluster) can give its pods default tolerations
//! and limit the tolerations they may carry.
//!
//! Follows `plugin/pkg/admission/podtolerationrestriction/admission.go` and `config.go` in
//! kubernetes/kubernetes, with the merge and whitelist rules of `pkg/util/tolerations`:
//!
//! * on CREATE the namespace's `scheduler.alpha.kubernetes.io/defaultTolerations` (a JSON list;
//!   when the annotation is absent, the configuration's `default`) are merged into the pod's;
//! * every pod that is not BestEffort also gets `node.kubernetes.io/memory-pressure:NoSchedule`
//!   (operator Exists), on CREATE and UPDATE;
//! * then, and again in the validating pass, the tolerations must each be covered by the
//!   namespace's `scheduler.alpha.kubernetes.io/tolerationsWhitelist` (when absent, the
//!   configuration's `whitelist`; an empty list allows everything). A refusal is a plain error,
//!   which the API server answers with 500 and no reason (`Error from server: ...`).
//!
//! The configuration is `podtolerationrestriction.admission.k8s.io/v1alpha1` `Configuration`
//! with `default` and `whitelist` lists, decoded by the API machinery (apiVersion and kind are
//! required). Its toleration validation at load time is not simulated.

use k8s_openapi::api::core::v1::{Namespace, PodSpec, Toleration};
use serde_json::{Map, Value};

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::quantity::Quantity;
use crate::settings::Settings;
use crate::status::{ApiError, Reason};

pub struct PodTolerationRestriction;

pub const NS_DEFAULT_TOLERATIONS: &str = "scheduler.alpha.kubernetes.io/defaultTolerations";
pub const NS_WHITELIST_TOLERATIONS: &str = "scheduler.alpha.kubernetes.io/tolerationsWhitelist";
/// `corev1.TaintNodeMemoryPressure`.
pub const MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
pub const CONFIG_API_VERSION: &str = "podtolerationrestriction.admission.k8s.io/v1alpha1";

/// The refusal; `scope` is `namespace` or `cluster`, after where the whitelist came from.
pub fn whitelist_conflict(scope: &str) -> String {
    format!("pod tolerations (possibly merged with namespace default tolerations) conflict with its {scope} whitelist")
}

// ---------------------------------------------------------------------------------------------
// pkg/util/tolerations, shared with RuntimeClass
// ---------------------------------------------------------------------------------------------

fn s(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// `apiequality.Semantic.DeepEqual` of two tolerations (an absent string is the empty string).
pub(crate) fn same_toleration(a: &Toleration, b: &Toleration) -> bool {
    s(&a.key) == s(&b.key)
        && s(&a.operator) == s(&b.operator)
        && s(&a.value) == s(&b.value)
        && s(&a.effect) == s(&b.effect)
        && a.toleration_seconds == b.toleration_seconds
}

/// `isSuperset`: whether `ss` tolerates everything `t` tolerates.
pub(crate) fn is_superset(ss: &Toleration, t: &Toleration) -> bool {
    if same_toleration(t, ss) {
        return true;
    }
    // An empty key with Exists matches every key.
    if s(&t.key) != s(&ss.key) && (!s(&ss.key).is_empty() || s(&ss.operator) != "Exists") {
        return false;
    }
    // An empty effect matches every effect.
    if s(&t.effect) != s(&ss.effect) && !s(&ss.effect).is_empty() {
        return false;
    }
    if s(&ss.effect) == "NoExecute" {
        if let Some(limit) = ss.toleration_seconds {
            match t.toleration_seconds {
                Some(secs) if secs <= limit => {}
                _ => return false,
            }
        }
    }
    match s(&ss.operator) {
        // An empty operator means Equal; the tolerated one must say Equal itself.
        "Equal" | "" => s(&t.operator) == "Equal" && s(&t.value) == s(&ss.value),
        "Exists" => true,
        _ => false,
    }
}

/// `MergeTolerations`: `first` then `second`, keeping only tolerations no other one covers
/// (of equal ones, the first).
pub(crate) fn merge_tolerations(first: &[Toleration], second: &[Toleration]) -> Vec<Toleration> {
    let all: Vec<&Toleration> = first.iter().chain(second.iter()).collect();
    let mut merged: Vec<Toleration> = Vec::new();
    'next: for (i, t) in all.iter().enumerate() {
        if merged.iter().any(|m| is_superset(m, t)) {
            continue 'next;
        }
        for later in &all[i + 1..] {
            if !same_toleration(t, later) && is_superset(later, t) {
                continue 'next;
            }
        }
        merged.push((*t).clone());
    }
    merged
}

/// `VerifyAgainstWhitelist`: every toleration is covered by some whitelisted one.
pub(crate) fn verify_against_whitelist(
    tolerations: &[Toleration],
    whitelist: &[Toleration],
) -> bool {
    if whitelist.is_empty() || tolerations.is_empty() {
        return true;
    }
    tolerations
        .iter()
        .all(|t| whitelist.iter().any(|w| is_superset(w, t)))
}

// ---------------------------------------------------------------------------------------------
// Go's encoding/json, as it reads an annotation into []v1.Toleration
// ---------------------------------------------------------------------------------------------

/// The JSON type name Go's `UnmarshalTypeError` reports.
fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's `quoteChar` for a byte of the input.
fn go_quote_char(b: u8) -> String {
    match b {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        b => {
            let quoted = crate::labels::go_quote(&char::from(b).to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

/// Where encoding/json's scanner is inside a composite value.
#[derive(Clone, Copy, PartialEq)]
enum Nest {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// The scanner's state (`encoding/json/scanner.go`), one per `state*` function.
#[derive(Clone, Copy, PartialEq)]
enum Scan {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside `true`, `false` or `null`: the literal and how many bytes were read.
    Literal(&'static str, usize),
}

fn syntax(b: u8, context: &str) -> Result<(), String> {
    Err(format!("invalid character {} {context}", go_quote_char(b)))
}

/// The `SyntaxError` encoding/json reports for invalid JSON (its scanner, state by state).
pub(crate) fn go_json_syntax(text: &str) -> Result<(), String> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut stack: Vec<Nest> = Vec::new();
    let mut state = Scan::BeginValue;
    // A trailing space ends a number or a literal, as the scanner's `eof` does.
    for b in text.bytes().chain(std::iter::once(b' ')) {
        // Some states hand the byte on to the next one: loop until it is consumed.
        loop {
            match state {
                Scan::BeginValueOrEmpty if b == b']' => {
                    state = Scan::EndValue;
                    continue;
                }
                Scan::BeginValue | Scan::BeginValueOrEmpty => {
                    if is_space(b) {
                        break;
                    }
                    state = match b {
                        b'{' => {
                            stack.push(Nest::ObjectKey);
                            Scan::BeginStringOrEmpty
                        }
                        b'[' => {
                            stack.push(Nest::ArrayValue);
                            Scan::BeginValueOrEmpty
                        }
                        b'"' => Scan::InString,
                        b'-' => Scan::Neg,
                        b'0' => Scan::Zero,
                        b'1'..=b'9' => Scan::One,
                        b't' => Scan::Literal("true", 1),
                        b'f' => Scan::Literal("false", 1),
                        b'n' => Scan::Literal("null", 1),
                        _ => return syntax(b, "looking for beginning of value"),
                    };
                }
                Scan::BeginStringOrEmpty => {
                    if is_space(b) {
                        break;
                    }
                    if b == b'}' {
                        if let Some(top) = stack.last_mut() {
                            *top = Nest::ObjectValue;
                        }
                        state = Scan::EndValue;
                    } else {
                        state = Scan::BeginString;
                    }
                    continue;
                }
                Scan::BeginString => {
                    if is_space(b) {
                        break;
                    }
                    if b != b'"' {
                        return syntax(b, "looking for beginning of object key string");
                    }
                    state = Scan::InString;
                }
                Scan::EndValue => {
                    let Some(top) = stack.last_mut() else {
                        state = Scan::EndTop;
                        continue;
                    };
                    if is_space(b) {
                        break;
                    }
                    match (*top, b) {
                        (Nest::ObjectKey, b':') => {
                            *top = Nest::ObjectValue;
                            state = Scan::BeginValue;
                        }
                        (Nest::ObjectKey, _) => return syntax(b, "after object key"),
                        (Nest::ObjectValue, b',') => {
                            *top = Nest::ObjectKey;
                            state = Scan::BeginString;
                        }
                        (Nest::ObjectValue, b'}') | (Nest::ArrayValue, b']') => {
                            stack.pop();
                            state = Scan::EndValue;
                        }
                        (Nest::ObjectValue, _) => return syntax(b, "after object key:value pair"),
                        (Nest::ArrayValue, b',') => state = Scan::BeginValue,
                        (Nest::ArrayValue, _) => return syntax(b, "after array element"),
                    }
                }
                Scan::EndTop => {
                    if !is_space(b) {
                        return syntax(b, "after top-level value");
                    }
                }
                Scan::InString => match b {
                    b'"' => state = Scan::EndValue,
                    b'\\' => state = Scan::InStringEsc,
                    b if b < 0x20 => return syntax(b, "in string literal"),
                    _ => {}
                },
                Scan::InStringEsc => match b {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                        state = Scan::InString
                    }
                    b'u' => state = Scan::InStringEscU(0),
                    _ => return syntax(b, "in string escape code"),
                },
                Scan::InStringEscU(n) => {
                    if !b.is_ascii_hexdigit() {
                        return syntax(b, "in \\u hexadecimal character escape");
                    }
                    state = if n == 3 {
                        Scan::InString
                    } else {
                        Scan::InStringEscU(n + 1)
                    };
                }
                Scan::Neg => match b {
                    b'0' => state = Scan::Zero,
                    b'1'..=b'9' => state = Scan::One,
                    _ => return syntax(b, "in numeric literal"),
                },
                Scan::One if b.is_ascii_digit() => {}
                Scan::One | Scan::Zero => match b {
                    b'.' => state = Scan::Dot,
                    b'e' | b'E' => state = Scan::E,
                    _ => {
                        state = Scan::EndValue;
                        continue;
                    }
                },
                Scan::Dot => {
                    if !b.is_ascii_digit() {
                        return syntax(b, "after decimal point in numeric literal");
                    }
                    state = Scan::Dot0;
                }
                Scan::Dot0 => match b {
                    b'0'..=b'9' => {}
                    b'e' | b'E' => state = Scan::E,
                    _ => {
                        state = Scan::EndValue;
                        continue;
                    }
                },
                Scan::E if b == b'+' || b == b'-' => state = Scan::ESign,
                Scan::E | Scan::ESign => {
                    if !b.is_ascii_digit() {
                        return syntax(b, "in exponent of numeric literal");
                    }
                    state = Scan::E0;
                }
                Scan::E0 => {
                    if !b.is_ascii_digit() {
                        state = Scan::EndValue;
                        continue;
                    }
                }
                Scan::Literal(word, read) => {
                    let want = word.as_bytes().get(read).copied().unwrap_or(b' ');
                    if b != want {
                        let context =
                            format!("in literal {word} (expecting {})", go_quote_char(want));
                        return syntax(b, &context);
                    }
                    state = if read + 1 == word.len() {
                        Scan::EndValue
                    } else {
                        Scan::Literal(word, read + 1)
                    };
                }
            }
            break;
        }
    }
    if state == Scan::EndTop {
        Ok(())
    } else {
        Err("unexpected end of JSON input".to_string())
    }
}

/// The value of a struct field as encoding/json finds it: an exact key first, else a
/// case-insensitive one.
fn go_field<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.get(name).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// `json.Unmarshal(text, &[]corev1.Toleration)`: null elements and fields stay empty, unknown
/// fields are ignored, field names match case-insensitively, and the first type mismatch is
/// the error.
pub(crate) fn parse_tolerations_json(text: &str) -> Result<Vec<Toleration>, String> {
    go_json_syntax(text)?;
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let items = match &v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type []v1.Toleration",
                go_json_type(other)
            ))
        }
    };
    let mut first_error: Option<String> = None;
    let mut out = Vec::new();
    for item in items {
        let mut t = Toleration::default();
        match item {
            Value::Null => {}
            Value::Object(m) => {
                for (name, slot) in [
                    ("key", &mut t.key),
                    ("operator", &mut t.operator),
                    ("value", &mut t.value),
                    ("effect", &mut t.effect),
                ] {
                    match go_field(m, name) {
                        None | Some(Value::Null) => {}
                        Some(Value::String(v)) => *slot = Some(v.clone()),
                        Some(other) => {
                            first_error.get_or_insert_with(|| format!(
                                "json: cannot unmarshal {} into Go struct field Toleration.{name} of type string",
                                go_json_type(other)
                            ));
                        }
                    }
                }
                match go_field(m, "tolerationSeconds") {
                    None | Some(Value::Null) => {}
                    Some(Value::Number(n)) => match n.as_i64() {
                        Some(secs) => t.toleration_seconds = Some(secs),
                        None => {
                            first_error.get_or_insert_with(|| format!(
                                "json: cannot unmarshal number {n} into Go struct field Toleration.tolerationSeconds of type int64"
                            ));
                        }
                    },
                    Some(other) => {
                        first_error.get_or_insert_with(|| format!(
                            "json: cannot unmarshal {} into Go struct field Toleration.tolerationSeconds of type int64",
                            go_json_type(other)
                        ));
                    }
                }
            }
            other => {
                first_error.get_or_insert_with(|| {
                    format!(
                        "json: cannot unmarshal {} into Go value of type v1.Toleration",
                        go_json_type(other)
                    )
                });
            }
        }
        out.push(t);
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Go's `json.Marshal` of a decoded YAML/JSON document: compact, object keys sorted, `<`, `>`
/// and `&` escaped. This is how the API server holds an inline plugin configuration.
pub(crate) fn go_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sorted(v))
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A plugin configuration read through the API machinery's universal decoder: `kind` and
/// `apiVersion` must be present (`runtime.NewMissingKindErr`, `NewMissingVersionErr`) and name
/// the plugin's `Configuration`.
pub(crate) fn decode_versioned<'a>(
    config: &'a Value,
    api_version: &str,
) -> Result<&'a Map<String, Value>, String> {
    let raw = go_json(config);
    let Value::Object(m) = config else {
        return Err(format!("Object 'Kind' is missing in '{raw}'"));
    };
    let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
    let version = m.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() {
        return Err(format!("Object 'Kind' is missing in '{raw}'"));
    }
    if version.is_empty() {
        return Err(format!("Object 'apiVersion' is missing in '{raw}'"));
    }
    if version != api_version || kind != "Configuration" {
        // Upstream adds ` in scheme "<file:line of the scheme>"`, which kubefiddle cannot know.
        return Err(format!(
            "no kind {kind:?} is registered for version {version:?}"
        ));
    }
    Ok(m)
}

/// The plugin's configuration: cluster-wide default tolerations and whitelist.
#[derive(Default)]
struct Config {
    default: Vec<Toleration>,
    whitelist: Option<Vec<Toleration>>,
}

fn read_config(settings: &Settings) -> Result<Config, String> {
    let Some(raw) = settings.admission_config.get("PodTolerationRestriction") else {
        return Ok(Config::default());
    };
    let m = decode_versioned(raw, CONFIG_API_VERSION)?;
    let list = |name: &str| -> Result<Option<Vec<Toleration>>, String> {
        match m.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|e| e.to_string()),
        }
    };
    Ok(Config {
        default: list("default")?.unwrap_or_default(),
        whitelist: list("whitelist")?,
    })
}

/// Why kube-apiserver would not start with this configuration (`couldn't init admission
/// plugin ...`), if it would not.
pub fn init_error(settings: &Settings) -> Option<String> {
    read_config(settings)
        .err()
        .map(|e| format!("couldn't init admission plugin \"PodTolerationRestriction\": {e}"))
}

// ---------------------------------------------------------------------------------------------
// The plugin
// ---------------------------------------------------------------------------------------------

/// The pod's namespace, or the NotFound error of the live lookup.
fn namespace<'a>(
    a: &Attributes,
    c: &'a ClusterView,
    plugin: &str,
) -> Result<&'a Namespace, ApiError> {
    c.store
        .get_obj("Namespace", "", &a.namespace)
        .and_then(Object::as_namespace)
        .ok_or_else(|| ApiError::not_found("namespaces", &a.namespace).from_plugin(plugin))
}

/// `extractNSTolerations`: absent annotation → None; empty → no tolerations; else the JSON.
fn namespace_tolerations(ns: &Namespace, key: &str) -> Result<Option<Vec<Toleration>>, String> {
    match ns.metadata.annotations.as_ref().and_then(|a| a.get(key)) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(Some(Vec::new())),
        Some(v) => parse_tolerations_json(v).map(Some),
    }
}

fn positive(
    list: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >,
) -> bool {
    list.into_iter().flatten().any(|(name, q)| {
        (name == "cpu" || name == "memory") && Quantity::from_k8s(q).is_ok_and(|q| q.signum() > 0)
    })
}

/// Whether the pod is BestEffort (`qos.ComputePodQOS`): no positive cpu or memory request or
/// limit; pod-level resources decide when set (PodLevelResources, on by default from 1.34).
pub(crate) fn is_best_effort(spec: &PodSpec, minor: u32) -> bool {
    if minor >= 34 {
        if let Some(r) = spec.resources.as_ref() {
            return !positive(r.requests.as_ref()) && !positive(r.limits.as_ref());
        }
    }
    !spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .filter_map(|c| c.resources.as_ref())
        .any(|r| positive(r.requests.as_ref()) || positive(r.limits.as_ref()))
}

/// `shouldIgnore`: only pods themselves.
fn should_ignore(a: &Attributes) -> bool {
    a.kind.kind != "Pod"
        || !a.kind.group.is_empty()
        || !a.subresource.is_empty()
        || !matches!(a.object, Some(Object::Pod(_)))
}

fn plain(message: String, plugin: &str) -> ApiError {
    ApiError::new(Reason::Unknown, message, plugin)
}

impl PodTolerationRestriction {
    /// `Validate`: the tolerations against the namespace's, else the cluster's, whitelist.
    fn check(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(());
        };
        let tolerations = pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.as_deref())
            .unwrap_or(&[]);
        if tolerations.is_empty() {
            return Ok(());
        }
        let ns = namespace(a, c, self.name())?;
        let (whitelist, scope) = match namespace_tolerations(ns, NS_WHITELIST_TOLERATIONS)
            .map_err(|e| plain(e, self.name()))?
        {
            Some(list) => (list, "namespace"),
            None => (
                read_config(c.settings)
                    .unwrap_or_default()
                    .whitelist
                    .unwrap_or_default(),
                "cluster",
            ),
        };
        if !whitelist.is_empty() && !verify_against_whitelist(tolerations, &whitelist) {
            return Err(plain(whitelist_conflict(scope), self.name()));
        }
        Ok(())
    }
}

impl Plugin for PodTolerationRestriction {
    fn name(&self) -> &'static str {
        "PodTolerationRestriction"
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
        if should_ignore(a) {
            return Ok(());
        }
        let mut extra: Vec<Toleration> = Vec::new();
        if a.operation == Operation::Create {
            let ns = namespace(a, c, self.name())?;
            extra = match namespace_tolerations(ns, NS_DEFAULT_TOLERATIONS)
                .map_err(|e| plain(e, self.name()))?
            {
                Some(list) => list,
                None => read_config(c.settings).unwrap_or_default().default,
            };
        }
        let minor = c.settings.minor;
        if let Some(Object::Pod(pod)) = a.object.as_mut() {
            let spec = pod.spec.get_or_insert_with(PodSpec::default);
            if !is_best_effort(spec, minor) {
                extra.push(Toleration {
                    key: Some(MEMORY_PRESSURE.to_string()),
                    operator: Some("Exists".to_string()),
                    effect: Some("NoSchedule".to_string()),
                    ..Toleration::default()
                });
            }
            if !extra.is_empty() {
                let merged = merge_tolerations(spec.tolerations.as_deref().unwrap_or(&[]), &extra);
                spec.tolerations = (!merged.is_empty()).then_some(merged);
            }
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
        config_map, namespace, pod_in, run, run_full, Req,
    };
    use serde_json::json;

    fn tol(v: Value) -> Toleration {
        serde_json::from_value(v).unwrap()
    }

    fn keys(out: &Value) -> Vec<String> {
        out["spec"]["tolerations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| {
                format!(
                    "{}:{}:{}",
                    t["key"].as_str().unwrap_or(""),
                    t["operator"].as_str().unwrap_or(""),
                    t["effect"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    const BEST_EFFORT: &str = "nginx";

    fn spec(tolerations: Value, guaranteed: bool) -> Value {
        let resources = if guaranteed {
            json!({"limits": {"cpu": "100m", "memory": "64Mi"}})
        } else {
            json!({})
        };
        json!({"containers": [{"name": "c", "image": BEST_EFFORT, "resources": resources}],
               "tolerations": tolerations})
    }

    #[test]
    fn superset_follows_upstream_including_its_operator_rule() {
        let exists_all = tol(json!({"operator": "Exists"}));
        let equal =
            tol(json!({"key": "a", "operator": "Equal", "value": "1", "effect": "NoSchedule"}));
        let no_op = tol(json!({"key": "a", "value": "1", "effect": "NoSchedule"}));
        assert!(is_superset(&exists_all, &equal));
        assert!(is_superset(&no_op, &equal));
        // The tolerated toleration must spell out Equal.
        assert!(!is_superset(&equal, &no_op));
        let limited = tol(
            json!({"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}),
        );
        let longer = tol(
            json!({"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 120}),
        );
        let forever = tol(json!({"key": "k", "operator": "Exists", "effect": "NoExecute"}));
        assert!(!is_superset(&limited, &longer));
        assert!(is_superset(&longer, &limited));
        assert!(!is_superset(&limited, &forever));
    }

    #[test]
    fn merging_keeps_the_broadest_tolerations_in_order() {
        let a = tol(json!({"key": "a", "operator": "Equal", "value": "1"}));
        let a_any = tol(json!({"key": "a", "operator": "Exists"}));
        let b = tol(json!({"key": "b", "operator": "Exists", "effect": "NoSchedule"}));
        let merged = merge_tolerations(&[a.clone(), b.clone()], &[a_any.clone(), b.clone()]);
        assert_eq!(merged, [b, a_any]);
    }

    #[test]
    fn namespace_defaults_are_merged_and_burstable_pods_tolerate_memory_pressure() {
        let ns = namespace(
            "team",
            json!({NS_DEFAULT_TOLERATIONS: r#"[{"key": "dedicated", "operator": "Equal", "value": "team", "effect": "NoSchedule"}]"#}),
        );
        let out = run(
            &PodTolerationRestriction,
            Req::create(pod_in("team", spec(json!([]), true))).with(std::slice::from_ref(&ns)),
        )
        .unwrap();
        assert_eq!(
            keys(&out),
            [
                "dedicated:Equal:NoSchedule",
                "node.kubernetes.io/memory-pressure:Exists:NoSchedule"
            ]
        );
        // BestEffort pods get only the defaults.
        let out = run(
            &PodTolerationRestriction,
            Req::create(pod_in("team", spec(json!([]), false))).with(&[ns]),
        )
        .unwrap();
        assert_eq!(keys(&out), ["dedicated:Equal:NoSchedule"]);
    }

    #[test]
    fn the_cluster_default_applies_only_without_the_annotation() {
        let cfg = json!({"apiVersion": CONFIG_API_VERSION, "kind": "Configuration",
            "default": [{"key": "cluster", "operator": "Exists", "effect": "NoSchedule"}]});
        let plain_ns = namespace("a", json!({}));
        let out = run(
            &PodTolerationRestriction,
            Req::create(pod_in("a", spec(json!([]), false)))
                .with(&[plain_ns])
                .config("PodTolerationRestriction", cfg.clone()),
        )
        .unwrap();
        assert_eq!(keys(&out), ["cluster:Exists:NoSchedule"]);
        let empty = namespace("b", json!({NS_DEFAULT_TOLERATIONS: ""}));
        let out = run(
            &PodTolerationRestriction,
            Req::create(pod_in("b", spec(json!([]), false)))
                .with(&[empty])
                .config("PodTolerationRestriction", cfg),
        )
        .unwrap();
        assert_eq!(keys(&out), Vec::<String>::new());
    }

    #[test]
    fn tolerations_outside_the_whitelist_are_refused_naming_its_scope() {
        let ns = namespace(
            "gpu",
            json!({NS_WHITELIST_TOLERATIONS: r#"[{"key": "gpu", "operator": "Exists"}]"#}),
        );
        let p = pod_in(
            "gpu",
            spec(json!([{"key": "ssd", "operator": "Exists"}]), false),
        );
        let e = run_full(
            &PodTolerationRestriction,
            Req::create(p).with(std::slice::from_ref(&ns)),
        )
        .unwrap_err();
        assert_eq!(e.reason, Reason::Unknown);
        assert_eq!(
            e.message,
            "pod tolerations (possibly merged with namespace default tolerations) conflict with its namespace whitelist"
        );
        assert_eq!(
            e.kubectl_line(crate::status::Verb::Create, "p.yaml"),
            "Error from server: error when creating \"p.yaml\": pod tolerations (possibly merged with namespace default tolerations) conflict with its namespace whitelist"
        );
        // The memory-pressure toleration of a Burstable pod needs whitelisting too.
        let p = pod_in(
            "gpu",
            spec(json!([{"key": "gpu", "operator": "Exists"}]), true),
        );
        assert!(run(
            &PodTolerationRestriction,
            Req::create(p).with(std::slice::from_ref(&ns))
        )
        .is_err());
        let p = pod_in(
            "gpu",
            spec(
                json!([{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]),
                false,
            ),
        );
        assert!(run(&PodTolerationRestriction, Req::create(p).with(&[ns])).is_ok());
        let cfg = json!({"apiVersion": CONFIG_API_VERSION, "kind": "Configuration",
            "whitelist": [{"key": "ok", "operator": "Exists"}]});
        let p = pod_in(
            "default",
            spec(json!([{"key": "no", "operator": "Exists"}]), false),
        );
        assert_eq!(
            run(
                &PodTolerationRestriction,
                Req::create(p).config("PodTolerationRestriction", cfg)
            ),
            Err(whitelist_conflict("cluster"))
        );
    }

    #[test]
    fn bad_annotations_fail_with_encoding_json_s_words() {
        for (text, msg) in [
            ("{\"key\": \"a\"}", "json: cannot unmarshal object into Go value of type []v1.Toleration"),
            ("[{\"key\": 1}]", "json: cannot unmarshal number into Go struct field Toleration.key of type string"),
            ("[{\"key\": \"a\", \"tolerationSeconds\": \"60\"}]", "json: cannot unmarshal string into Go struct field Toleration.tolerationSeconds of type int64"),
            ("[{\"key\": \"a\"", "unexpected end of JSON input"),
            ("x", "invalid character 'x' looking for beginning of value"),
            ("[{key: \"a\"}]", "invalid character 'k' looking for beginning of object key string"),
            ("[{\"key\" \"a\"}]", "invalid character '\"' after object key"),
            ("[{\"key\": \"a\" \"effect\": \"b\"}]", "invalid character '\"' after object key:value pair"),
            ("[{\"key\": \"a\"} {}]", "invalid character '{' after array element"),
            ("[] []", "invalid character '[' after top-level value"),
            ("[{\"tolerationSeconds\": 1.}]", "invalid character '}' after decimal point in numeric literal"),
            ("[{\"key\": 'a'}]", "invalid character '\\'' looking for beginning of value"),
            ("[tru]", "invalid character ']' in literal true (expecting 'e')"),
        ] {
            assert_eq!(parse_tolerations_json(text).unwrap_err(), msg, "{text}");
        }
        let t =
            parse_tolerations_json("[{\"Key\": \"a\", \"OPERATOR\": \"Exists\", \"extra\": 1}]")
                .unwrap();
        assert_eq!(
            (t[0].key.as_deref(), t[0].operator.as_deref()),
            (Some("a"), Some("Exists"))
        );
        let ns = namespace("bad", json!({NS_DEFAULT_TOLERATIONS: "nope"}));
        let e = run_full(
            &PodTolerationRestriction,
            Req::create(pod_in("bad", spec(json!([]), false))).with(&[ns]),
        )
        .unwrap_err();
        assert_eq!(
            (e.reason, e.message.as_str()),
            (
                Reason::Unknown,
                "invalid character 'o' in literal null (expecting 'u')"
            )
        );
    }

    #[test]
    fn a_configuration_without_kind_would_stop_the_api_server() {
        let settings = |cfg: Value| {
            let mut s = Settings::default();
            s.admission_config
                .insert("PodTolerationRestriction".into(), cfg);
            s
        };
        assert_eq!(init_error(&Settings::default()), None);
        assert_eq!(
            init_error(&settings(json!({"whitelist": [{"key": "a", "operator": "Exists"}]}))).unwrap(),
            "couldn't init admission plugin \"PodTolerationRestriction\": Object 'Kind' is missing in '{\"whitelist\":[{\"key\":\"a\",\"operator\":\"Exists\"}]}'"
        );
        assert_eq!(
            init_error(&settings(json!({"kind": "Configuration"}))).unwrap(),
            "couldn't init admission plugin \"PodTolerationRestriction\": Object 'apiVersion' is missing in '{\"kind\":\"Configuration\"}'"
        );
        assert_eq!(
            init_error(&settings(
                json!({"apiVersion": CONFIG_API_VERSION, "kind": "Configuration"})
            )),
            None
        );
    }

    #[test]
    fn pod_level_resources_decide_the_qos_from_1_34() {
        let p = pod_in(
            "default",
            json!({"containers": [{"name": "c", "image": "x"}],
                   "resources": {"requests": {"cpu": "100m"}}}),
        );
        let out = run(&PodTolerationRestriction, Req::create(p.clone())).unwrap();
        assert_eq!(
            keys(&out),
            ["node.kubernetes.io/memory-pressure:Exists:NoSchedule"]
        );
        let out = run(&PodTolerationRestriction, Req::create(p).minor(33)).unwrap();
        assert_eq!(keys(&out), Vec::<String>::new());
    }

    #[test]
    fn a_missing_namespace_is_not_found_and_other_kinds_are_left_alone() {
        let p = pod_in("nowhere", spec(json!([]), true));
        assert_eq!(
            run(&PodTolerationRestriction, Req::create(p)),
            Err("namespaces \"nowhere\" not found".into())
        );
        assert!(run(&PodTolerationRestriction, Req::create(config_map())).is_ok());
    }
}
