//! Decoding a manifest into a typed object, strictly, as the API server does with kubectl's
//! default `--validate=strict` (server-side field validation).
//!
//! Follows `k8s.io/apimachinery/pkg/runtime/serializer/json/json.go` (strict decoding through
//! `sigs.k8s.io/json.UnmarshalStrict`, which reports every unknown field as
//! `unknown field "<path>"`) and `k8s.io/apiserver/pkg/endpoints/handlers/create.go` (the
//! `<Kind> in version "<v>" cannot be handled as a <Kind>: ...` wrapping), and kubectl's
//! client-side checks in `k8s.io/cli-runtime/pkg/resource` (missing apiVersion/kind, unknown
//! kinds: `no matches for kind`).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::object::{self, KindInfo, Object};

/// Why a manifest could not become an object. The variants follow who reports it: kubectl
/// itself (client side) or the API server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The document is not a JSON object (a list or a scalar at the top).
    NotAnObject,
    /// `apiVersion` and/or `kind` are missing: kubectl refuses before sending.
    MissingTypeInfo { api_version: bool, kind: bool },
    /// No served kind matches: kubectl's REST mapping fails.
    NoMatch {
        kind: String,
        api_version: String,
        name: String,
        namespace: String,
    },
    /// The API server's strict decoding found unknown fields (paths in document order).
    UnknownFields {
        kind: String,
        version: String,
        fields: Vec<String>,
    },
    /// A value of the wrong JSON type.
    WrongType {
        kind: String,
        version: String,
        path: String,
        message: String,
    },
}

impl DecodeError {
    /// The field the error is about, for pointing at its line.
    pub fn field(&self) -> Option<&str> {
        match self {
            DecodeError::UnknownFields { fields, .. } => fields.first().map(String::as_str),
            DecodeError::WrongType { path, .. } => Some(path),
            DecodeError::MissingTypeInfo {
                api_version: true, ..
            } => Some("apiVersion"),
            DecodeError::MissingTypeInfo { .. } => Some("kind"),
            DecodeError::NoMatch { .. } => Some("kind"),
            DecodeError::NotAnObject => None,
        }
    }

    /// The body of the API server's message (for server-side errors).
    pub fn server_message(&self) -> Option<String> {
        match self {
            DecodeError::UnknownFields {
                kind,
                version,
                fields,
            } => {
                let list: Vec<String> = fields
                    .iter()
                    .map(|f| format!("unknown field {:?}", f))
                    .collect();
                Some(format!(
                    "{kind} in version {version:?} cannot be handled as a {kind}: strict decoding error: {}",
                    list.join(", ")
                ))
            }
            DecodeError::WrongType {
                kind,
                version,
                message,
                ..
            } => Some(format!(
                "{kind} in version {version:?} cannot be handled as a {kind}: {message}"
            )),
            _ => None,
        }
    }
}

/// A type error from serde, with the path where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeError {
    pub path: String,
    pub message: String,
}

/// Deserializes `value` into `T`, reporting every field `T` does not know.
pub(crate) fn typed<T: DeserializeOwned>(
    value: Value,
    ignored: &mut dyn FnMut(String),
) -> Result<T, TypeError> {
    let mut track = serde_path_to_error::Track::new();
    let result = {
        let de = serde_path_to_error::Deserializer::new(value, &mut track);
        serde_ignored::deserialize(de, |path| ignored(ignored_path(&path)))
    };
    result.map_err(|e| TypeError {
        path: track.path().to_string(),
        message: e.to_string(),
    })
}

fn ignored_path(path: &serde_ignored::Path) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => {
            let p = ignored_path(parent);
            if p.is_empty() {
                key.clone()
            } else {
                format!("{p}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` of a manifest, as strings.
pub fn type_info(value: &Value) -> (String, String, String, String) {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    (
        s(value.get("apiVersion")),
        s(value.get("kind")),
        s(value.pointer("/metadata/name")),
        s(value.pointer("/metadata/namespace")),
    )
}

/// Finds the served kind for a manifest, as kubectl's REST mapper does, for a cluster of
/// `minor` version (removed APIs are not served).
pub fn mapping(value: &Value, minor: u32) -> Result<&'static KindInfo, DecodeError> {
    let Value::Object(_) = value else {
        return Err(DecodeError::NotAnObject);
    };
    let (api_version, kind, name, namespace) = type_info(value);
    if api_version.is_empty() || kind.is_empty() {
        return Err(DecodeError::MissingTypeInfo {
            api_version: api_version.is_empty(),
            kind: kind.is_empty(),
        });
    }
    let served = object::lookup(&api_version, &kind)
        .filter(|info| object::served_in(info, minor))
        .or_else(|| object::older_version(&api_version, &kind, minor));
    match served {
        Some(info) => Ok(info),
        None => Err(DecodeError::NoMatch {
            kind,
            api_version,
            name,
            namespace,
        }),
    }
}

/// Decodes a manifest of a served kind strictly.
pub fn decode(value: Value, info: &'static KindInfo) -> Result<Object, DecodeError> {
    let mut unknown = Vec::new();
    let value = normalize_quantities(value);
    // resource.Quantity's UnmarshalJSON fails the whole decode on a bad quantity, before any
    // strictness check.
    if let Some((path, err)) = bad_quantity(&value, "", None) {
        return Err(DecodeError::WrongType {
            kind: info.kind.to_string(),
            version: info.version.to_string(),
            path,
            message: err,
        });
    }
    let decoded = Object::decode_kind(info.kind, value, &mut |p| unknown.push(p));
    match decoded {
        None => Err(DecodeError::NoMatch {
            kind: info.kind.to_string(),
            api_version: info.api_version.to_string(),
            name: String::new(),
            namespace: String::new(),
        }),
        Some(Err(e)) => Err(DecodeError::WrongType {
            kind: info.kind.to_string(),
            version: info.version.to_string(),
            path: e.path.clone(),
            message: go_type_message(info.kind, &e),
        }),
        Some(Ok(obj)) => {
            if unknown.is_empty() {
                Ok(obj)
            } else {
                Err(DecodeError::UnknownFields {
                    kind: info.kind.to_string(),
                    version: info.version.to_string(),
                    fields: unknown,
                })
            }
        }
    }
}

/// Renders serde's type error the way Go's encoding/json (sigs.k8s.io/json) words it:
/// `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
/// int32` — the innermost Go struct, then the field path without list indices or map keys.
fn go_type_message(kind: &str, e: &TypeError) -> String {
    let msg = &e.message;
    let Some(rest) = msg.strip_prefix("invalid type: ") else {
        return format!("json: {msg}");
    };
    let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
    let got_kind = if got.starts_with("string") {
        "string"
    } else if got.starts_with("integer") || got.starts_with("floating point") {
        "number"
    } else if got.starts_with("boolean") {
        "bool"
    } else if got.starts_with("map") {
        "object"
    } else if got.starts_with("sequence") {
        "array"
    } else {
        "value"
    };
    let go_type = match expected {
        "i32" => "int32",
        "i64" => "int64",
        "u8" | "u16" | "u32" | "u64" => "uint64",
        "f64" => "float64",
        "a boolean" => "bool",
        "a string" => "string",
        "a sequence" => "[]interface {}",
        other if other.starts_with("struct ") => other.trim_start_matches("struct "),
        _ => "map[string]interface {}",
    };
    // Segments without indices; the last one inside a string map is a map key, not a field.
    let mut segs: Vec<&str> = e
        .path
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .filter(|p| !p.is_empty())
        .collect();
    const STRING_MAPS: &[&str] = &[
        "labels",
        "annotations",
        "nodeSelector",
        "data",
        "matchLabels",
        "stringData",
        "parameters",
    ];
    if segs.len() >= 2 && STRING_MAPS.contains(&segs[segs.len() - 2]) {
        segs.pop();
    }
    let parent = go_struct(kind, &segs[..segs.len().saturating_sub(1)]);
    format!(
        "json: cannot unmarshal {got_kind} into Go struct field {parent}.{} of type {go_type}",
        segs.join(".")
    )
}

/// The Go struct that holds the last field of `path` in an object of `kind`.
fn go_struct(kind: &str, parents: &[&str]) -> String {
    let last = parents.last().copied().unwrap_or("");
    let before = if parents.len() >= 2 {
        parents[parents.len() - 2]
    } else {
        ""
    };
    let name = match last {
        "" => kind.to_string(),
        "metadata" => "ObjectMeta".into(),
        "spec" if before == "template" => "PodSpec".into(),
        "spec" if before == "volumeClaimTemplates" => "PersistentVolumeClaimSpec".into(),
        "spec" if parents.len() == 1 => format!("{kind}Spec"),
        "status" if parents.len() == 1 => format!("{kind}Status"),
        "template" => "PodTemplateSpec".into(),
        "containers" | "initContainers" => "Container".into(),
        "ports" if before == "containers" || before == "initContainers" => "ContainerPort".into(),
        "ports" => "ServicePort".into(),
        "env" => "EnvVar".into(),
        "resources"
            if kind == "PersistentVolumeClaim" || before == "spec" && kind == "StatefulSet" =>
        {
            "VolumeResourceRequirements".into()
        }
        "resources" => "ResourceRequirements".into(),
        "selector" => "LabelSelector".into(),
        "matchExpressions" => "LabelSelectorRequirement".into(),
        "tolerations" => "Toleration".into(),
        "taints" => "Taint".into(),
        "volumes" => "Volume".into(),
        "volumeMounts" => "VolumeMount".into(),
        "livenessProbe" | "readinessProbe" | "startupProbe" => "Probe".into(),
        "httpGet" => "HTTPGetAction".into(),
        "tcpSocket" => "TCPSocketAction".into(),
        "securityContext" if before == "spec" => "PodSecurityContext".into(),
        "securityContext" => "SecurityContext".into(),
        "affinity" => "Affinity".into(),
        "nodeAffinity" => "NodeAffinity".into(),
        "limits" if kind == "LimitRange" => "LimitRangeItem".into(),
        "strategy" => "DeploymentStrategy".into(),
        "rollingUpdate" => "RollingUpdateDeployment".into(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => kind.to_string(),
            }
        }
    };
    name
}

/// Maps of resource name to quantity, by the key they stand under.
const QUANTITY_MAPS: &[&str] = &[
    "limits",
    "requests",
    "capacity",
    "allocatable",
    "hard",
    "used",
    "max",
    "min",
    "default",
    "defaultRequest",
    "maxLimitRequestRatio",
    "overhead",
];

/// The first quantity that does not parse, with its path and upstream's error text.
fn bad_quantity(v: &Value, path: &str, parent_key: Option<&str>) -> Option<(String, String)> {
    match v {
        Value::Object(map) => {
            let is_quantity_map = parent_key.is_some_and(|k| QUANTITY_MAPS.contains(&k));
            for (k, child) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let single = k == "sizeLimit" || (k == "storage" && !is_quantity_map);
                if is_quantity_map || single {
                    if let Value::String(s) = child {
                        if let Err(e) = crate::quantity::Quantity::parse(s) {
                            return Some((p, e.to_string()));
                        }
                        continue;
                    }
                }
                if let Some(found) = bad_quantity(child, &p, Some(k)) {
                    return Some(found);
                }
            }
            None
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| bad_quantity(item, &format!("{path}[{i}]"), None)),
        _ => None,
    }
}

/// Quantities may be written as YAML numbers (`cpu: 1`, `storage: 5`); the API server accepts
/// them (`resource.Quantity.UnmarshalJSON` takes numbers) while the typed decoder wants strings.
/// Turns numbers into their decimal string wherever a quantity map stands.
fn normalize_quantities(mut value: Value) -> Value {
    const QUANTITY_MAPS: &[&str] = &[
        "limits",
        "requests",
        "capacity",
        "allocatable",
        "hard",
        "used",
        "max",
        "min",
        "default",
        "defaultRequest",
        "maxLimitRequestRatio",
        "overhead",
    ];
    fn walk(v: &mut Value, parent_key: Option<&str>) {
        match v {
            Value::Object(map) => {
                let is_quantity_map = parent_key.is_some_and(|k| QUANTITY_MAPS.contains(&k));
                for (k, child) in map.iter_mut() {
                    if is_quantity_map {
                        if let Value::Number(n) = child {
                            *child = Value::String(n.to_string());
                            continue;
                        }
                    }
                    if k == "sizeLimit" || k == "storage" && !is_quantity_map {
                        if let Value::Number(n) = child {
                            *child = Value::String(n.to_string());
                            continue;
                        }
                    }
                    walk(child, Some(k));
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, None);
                }
            }
            _ => {}
        }
    }
    walk(&mut value, None);
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode_json(v: Value) -> Result<Object, DecodeError> {
        let info = mapping(&v, 34)?;
        decode(v, info)
    }

    #[test]
    fn the_talks_misindented_limitrange_reports_its_unknown_fields() {
        let v = json!({"apiVersion": "v1", "kind": "LimitRange",
            "metadata": {"name": "mem-limit-range"},
            "spec": {"limits": [{"default": {"memory": "512Mi"}}],
                     "defaultRequest": {"memory": "256Mi"}, "type": "Container"}});
        let err = decode_json(v).unwrap_err();
        assert_eq!(
            err.server_message().unwrap(),
            "LimitRange in version \"v1\" cannot be handled as a LimitRange: strict decoding error: unknown field \"spec.defaultRequest\", unknown field \"spec.type\""
        );
        assert_eq!(err.field(), Some("spec.defaultRequest"));
    }

    #[test]
    fn unknown_fields_inside_lists_carry_their_index() {
        let v = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "nginx", "imagePullPolcy": "Always"}]}});
        let err = decode_json(v).unwrap_err();
        assert_eq!(err.field(), Some("spec.containers[0].imagePullPolcy"));
    }

    #[test]
    fn missing_type_information_is_refused_by_the_client() {
        let err = decode_json(json!({"metadata": {"name": "x"}})).unwrap_err();
        assert_eq!(
            err,
            DecodeError::MissingTypeInfo {
                api_version: true,
                kind: true
            }
        );
    }

    #[test]
    fn unserved_kinds_have_no_mapping() {
        let err = decode_json(
            json!({"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
            "metadata": {"name": "my-psp"}}),
        )
        .unwrap_err();
        assert!(matches!(err, DecodeError::NoMatch { .. }));
    }

    #[test]
    fn quantities_may_be_numbers() {
        let v = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
            "spec": {"hard": {"pods": 4, "requests.cpu": "1"}}});
        let Object::ResourceQuota(q) = decode_json(v).unwrap() else {
            panic!()
        };
        let hard = q.spec.unwrap().hard.unwrap();
        assert_eq!(hard["pods"].0, "4");
    }

    #[test]
    fn the_talks_second_limitrange_fails_on_its_quantity() {
        let v = json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "x"},
            "spec": {"limits": [{"max": {"cpu": "200m", "type": "Container"}}]}});
        let err = decode_json(v).unwrap_err();
        assert_eq!(
            err.server_message().unwrap(),
            "LimitRange in version \"v1\" cannot be handled as a LimitRange: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        assert_eq!(err.field(), Some("spec.limits[0].max.type"));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let v = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"replicas": "three", "selector": {}, "template": {}}});
        let err = decode_json(v).unwrap_err();
        assert_eq!(err.field(), Some("spec.replicas"));
        assert!(
            err.server_message()
                .unwrap()
                .contains("cannot unmarshal string"),
            "{err:?}"
        );
    }
}
