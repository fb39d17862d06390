//! Object validation: the checks behind `The Pod "x" is invalid: ...`.
//!
//! Follows `pkg/apis/core/validation/validation.go` (ValidateObjectMeta, ValidatePodCreate,
//! ValidatePodSpec's container checks, ValidatePodUpdate) and
//! `k8s.io/apimachinery/pkg/util/validation/validation.go` (the RFC 1123 messages). Only the
//! checks listed here are simulated; everything else is accepted.

use serde_json::Value;

use crate::object::Object;
use crate::status::{ApiError, FieldError};

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

/// `path.IsValidPathSegmentName`'s messages.
fn path_segment_errors(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name == "." || name == ".." {
        errs.push(format!("may not be '{name}'"));
        return errs;
    }
    for c in ["/", "%"] {
        if name.contains(c) {
            errs.push(format!("may not contain '{c}'"));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`'s message.
pub fn subdomain_message() -> String {
    format!(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{DNS1123_SUBDOMAIN_FMT}')"
    )
}

/// `IsDNS1123Label`'s message.
pub fn label_message() -> String {
    format!(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{DNS1123_LABEL_FMT}')"
    )
}

fn qualified_kind(obj: &Object) -> String {
    let info = obj.info();
    if info.group.is_empty() {
        info.kind.to_string()
    } else {
        format!("{}.{}", info.kind, info.group)
    }
}

/// Validation on create, on a cluster of minor version `minor`.
pub fn validate_create(obj: &Object, minor: u32) -> Result<(), ApiError> {
    let mut errs = Vec::new();
    let name = obj.name();
    // Namespaces, and a few other kinds, must be DNS labels; most names are subdomains.
    let label_named = matches!(obj, Object::Namespace(_) | Object::Service(_));
    // RBAC objects only need a valid path segment (ValidateRBACName = path.IsValidPathSegmentName).
    let path_segment_named = matches!(
        obj,
        Object::Role(_)
            | Object::ClusterRole(_)
            | Object::RoleBinding(_)
            | Object::ClusterRoleBinding(_)
    );
    if path_segment_named && !name.is_empty() {
        for msg in path_segment_errors(name) {
            errs.push(FieldError::invalid(
                "metadata.name",
                format!("{name:?}"),
                &msg,
            ));
        }
    } else if name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else if label_named && !is_dns1123_label(name) {
        errs.push(FieldError::invalid(
            "metadata.name",
            format!("{name:?}"),
            &label_message(),
        ));
    } else if !label_named && !is_dns1123_subdomain(name) {
        errs.push(FieldError::invalid(
            "metadata.name",
            format!("{name:?}"),
            &subdomain_message(),
        ));
    }
    if let Object::Pod(p) = obj {
        match p.spec.as_ref() {
            None => errs.push(FieldError::required("spec.containers", "")),
            Some(spec) => {
                if spec.containers.is_empty() {
                    errs.push(FieldError::required("spec.containers", ""));
                }
                let mut seen = Vec::new();
                for (i, c) in spec.containers.iter().enumerate() {
                    let path = format!("spec.containers[{i}]");
                    if c.name.is_empty() {
                        errs.push(FieldError::required(&format!("{path}.name"), ""));
                    } else if !is_dns1123_label(&c.name) {
                        errs.push(FieldError::invalid(
                            &format!("{path}.name"),
                            format!("{:?}", c.name),
                            &label_message(),
                        ));
                    } else if seen.contains(&c.name) {
                        errs.push(FieldError {
                            field: format!("{path}.name"),
                            kind: crate::status::FieldErrorKind::Duplicate,
                            value: Some(format!("{:?}", c.name)),
                            detail: String::new(),
                        });
                    }
                    seen.push(c.name.clone());
                    if c.image.as_deref().unwrap_or("").trim().is_empty() {
                        errs.push(FieldError::required(&format!("{path}.image"), ""));
                    }
                }
                if let Some(rp) = spec.restart_policy.as_deref() {
                    if !["Always", "OnFailure", "Never"].contains(&rp) {
                        errs.push(FieldError::not_supported(
                            "spec.restartPolicy",
                            rp,
                            &["Always", "OnFailure", "Never"],
                        ));
                    }
                }
            }
        }
    }
    if let Object::PersistentVolumeClaim(pvc) = obj {
        errs.extend(claim_spec_errors(pvc.spec.as_ref(), minor));
    }
    if let Object::PersistentVolume(pv) = obj {
        errs.extend(volume_spec_errors(pv.spec.as_ref(), minor));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(
            &qualified_kind(obj),
            obj.name(),
            &errs,
            "validation",
        ))
    }
}

/// The access modes of a claim or a volume: each supported (ReadWriteOncePod once its gate is
/// on, 1.27) and ReadWriteOncePod alone (from 1.22).
fn access_mode_errors(modes: &[&str], minor: u32) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut supported = vec!["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce"];
    if minor >= 27 {
        supported.push("ReadWriteOncePod");
    }
    for mode in modes {
        if !supported.contains(mode) {
            errs.push(FieldError::not_supported(
                "spec.accessModes",
                mode,
                &supported,
            ));
        }
    }
    let rwop = modes.contains(&"ReadWriteOncePod");
    let other = modes
        .iter()
        .any(|m| ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce"].contains(m));
    if minor >= 22 && rwop && other {
        errs.push(FieldError::forbidden(
            "spec.accessModes",
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
    errs
}

/// `ValidatePersistentVolumeSpec`, its most common refusals: no access mode, no capacity, a
/// size that is not above zero, no volume source.
fn volume_spec_errors(
    spec: Option<&k8s_openapi::api::core::v1::PersistentVolumeSpec>,
    minor: u32,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let default_spec = k8s_openapi::api::core::v1::PersistentVolumeSpec::default();
    let spec = spec.unwrap_or(&default_spec);
    let modes: Vec<&str> = spec
        .access_modes
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if modes.is_empty() {
        errs.push(FieldError::required("spec.accessModes", ""));
    }
    errs.extend(access_mode_errors(&modes, minor));
    match spec.capacity.as_ref().filter(|c| !c.is_empty()) {
        None => {
            errs.push(FieldError::required("spec.capacity", ""));
            // Go's %#v of the nil ResourceList.
            errs.push(FieldError::not_supported(
                "spec.capacity",
                "core.ResourceList(nil)",
                &["storage"],
            ));
            if let Some(e) = errs.last_mut() {
                e.value = Some("core.ResourceList(nil)".into());
            }
        }
        Some(capacity) => {
            // `validateBasicResource` (the value as an integer), then
            // `ValidatePositiveQuantityValue`.
            if let Some(q) = capacity.get("storage") {
                if let Ok(parsed) = crate::quantity::Quantity::parse(&q.0) {
                    if parsed.signum() < 0 {
                        errs.push(FieldError::invalid(
                            "spec.capacity[storage]",
                            parsed.value().to_string(),
                            "must be a valid resource quantity",
                        ));
                    }
                    errs.extend(not_above_zero("spec.capacity[storage]", &parsed));
                }
            }
        }
    }
    let sources = [
        spec.host_path.is_some(),
        spec.nfs.is_some(),
        spec.local.is_some(),
        spec.csi.is_some(),
        spec.aws_elastic_block_store.is_some(),
        spec.gce_persistent_disk.is_some(),
        spec.azure_disk.is_some(),
        spec.azure_file.is_some(),
        spec.cephfs.is_some(),
        spec.cinder.is_some(),
        spec.fc.is_some(),
        spec.flex_volume.is_some(),
        spec.flocker.is_some(),
        spec.glusterfs.is_some(),
        spec.iscsi.is_some(),
        spec.photon_persistent_disk.is_some(),
        spec.portworx_volume.is_some(),
        spec.quobyte.is_some(),
        spec.rbd.is_some(),
        spec.scale_io.is_some(),
        spec.storageos.is_some(),
        spec.vsphere_volume.is_some(),
    ];
    if !sources.contains(&true) {
        errs.push(FieldError::required("spec", "must specify a volume type"));
    }
    errs
}

/// `ValidatePositiveQuantityValue`: a size of zero or less.
fn not_above_zero(field: &str, q: &crate::quantity::Quantity) -> Option<FieldError> {
    (q.signum() <= 0).then(|| {
        FieldError::invalid(
            field,
            format!("{:?}", q.to_string()),
            "must be greater than zero",
        )
    })
}

/// `ValidatePersistentVolumeClaimSpec`: at least one access mode, each one supported
/// (ReadWriteOncePod only once its gate is on, 1.27, and never with another mode, from 1.22),
/// and a storage request above zero.
fn claim_spec_errors(
    spec: Option<&k8s_openapi::api::core::v1::PersistentVolumeClaimSpec>,
    minor: u32,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let modes: Vec<&str> = spec
        .and_then(|s| s.access_modes.as_ref())
        .map(|m| m.iter().map(String::as_str).collect())
        .unwrap_or_default();
    if modes.is_empty() {
        errs.push(FieldError::required(
            "spec.accessModes",
            "at least 1 access mode is required",
        ));
    }
    errs.extend(access_mode_errors(&modes, minor));
    let storage = spec
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"));
    match storage {
        None => errs.push(FieldError::required("spec.resources[storage]", "")),
        // `ValidatePositiveQuantityValue`; before 1.22 `ValidateResourceQuantityValue` ran too,
        // so a negative size was also "not greater than or equal to 0".
        Some(q) => {
            if let Ok(parsed) = crate::quantity::Quantity::parse(&q.0) {
                if minor < 22 && parsed.signum() < 0 {
                    errs.push(FieldError::invalid(
                        "spec.resources[storage]",
                        format!("{:?}", parsed.to_string()),
                        "must be greater than or equal to 0",
                    ));
                }
                errs.extend(not_above_zero("spec.resources[storage]", &parsed));
            }
        }
    }
    errs
}

/// The fields of a pod's spec an update may change (`ValidatePodUpdate`).
pub const POD_UPDATE_MESSAGE: &str = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// Validation on update.
pub fn validate_update(new: &Object, old: &Object) -> Result<(), ApiError> {
    if let (Object::Pod(n), Object::Pod(o)) = (new, old) {
        let strip = |p: &k8s_openapi::api::core::v1::Pod| -> Value {
            let mut spec = serde_json::to_value(&p.spec).unwrap_or(Value::Null);
            for list in ["containers", "initContainers"] {
                if let Some(Value::Array(cs)) = spec.get_mut(list) {
                    for c in cs {
                        if let Value::Object(m) = c {
                            m.remove("image");
                        }
                    }
                }
            }
            if let Value::Object(m) = &mut spec {
                m.remove("activeDeadlineSeconds");
                m.remove("tolerations");
                m.remove("terminationGracePeriodSeconds");
            }
            spec
        };
        let tolerations_ok = {
            let old_t = o
                .spec
                .as_ref()
                .and_then(|s| s.tolerations.clone())
                .unwrap_or_default();
            let new_t = n
                .spec
                .as_ref()
                .and_then(|s| s.tolerations.clone())
                .unwrap_or_default();
            old_t.iter().all(|t| new_t.contains(t))
        };
        if strip(n) != strip(o) || !tolerations_ok {
            return Err(ApiError::invalid(
                "Pod",
                new.name(),
                &[FieldError::forbidden("spec", POD_UPDATE_MESSAGE)],
                "validation",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::decode_value;
    use serde_json::json;

    fn create(v: Value) -> Result<(), String> {
        validate_create(&decode_value(v).unwrap(), crate::settings::DEFAULT_MINOR)
            .map_err(|e| e.message)
    }

    #[test]
    fn a_claim_needs_an_access_mode_a_supported_one_and_a_storage_request() {
        let claim = |spec: Value, minor: u32| {
            let v = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                           "metadata": {"name": "data"}, "spec": spec});
            validate_create(&decode_value(v).unwrap(), minor).map_err(|e| e.message)
        };
        assert_eq!(
            claim(json!({}), 34),
            Err("PersistentVolumeClaim \"data\" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]".into())
        );
        let rwop = json!({"accessModes": ["ReadWriteOncePod"], "resources": {"requests": {"storage": "1Gi"}}});
        assert_eq!(claim(rwop.clone(), 27), Ok(()));
        assert_eq!(
            claim(rwop, 26),
            Err("PersistentVolumeClaim \"data\" is invalid: spec.accessModes: Unsupported value: \"ReadWriteOncePod\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\"".into())
        );
        let mixed = json!({"accessModes": ["ReadWriteOncePod", "ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}});
        assert_eq!(
            claim(mixed, 34),
            Err("PersistentVolumeClaim \"data\" is invalid: spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes".into())
        );
        let negative = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "-1Gi"}}});
        assert_eq!(
            claim(negative.clone(), 34),
            Err("PersistentVolumeClaim \"data\" is invalid: spec.resources[storage]: Invalid value: \"-1Gi\": must be greater than zero".into())
        );
        assert_eq!(
            claim(negative, 21),
            Err("PersistentVolumeClaim \"data\" is invalid: [spec.resources[storage]: Invalid value: \"-1Gi\": must be greater than or equal to 0, spec.resources[storage]: Invalid value: \"-1Gi\": must be greater than zero]".into())
        );
        let zero =
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "0"}}});
        assert_eq!(
            claim(zero, 34),
            Err("PersistentVolumeClaim \"data\" is invalid: spec.resources[storage]: Invalid value: \"0\": must be greater than zero".into())
        );
    }

    #[test]
    fn an_empty_volume_is_refused_as_kubernetes_refuses_it() {
        let v = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "code-pv"}, "spec": {}});
        assert_eq!(
            create(v).unwrap_err(),
            "PersistentVolume \"code-pv\" is invalid: [spec.accessModes: Required value, spec.capacity: Required value, \
             spec.capacity: Unsupported value: core.ResourceList(nil): supported values: \"storage\", spec: Required value: must specify a volume type]"
        );
        let ok = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
            "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}, "hostPath": {"path": "/data"}}});
        assert_eq!(create(ok), Ok(()));
        let negative = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
            "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "-1Gi"}, "hostPath": {"path": "/data"}}});
        assert_eq!(
            create(negative).unwrap_err(),
            "PersistentVolume \"pv\" is invalid: [spec.capacity[storage]: Invalid value: -1073741824: must be a valid resource quantity, \
             spec.capacity[storage]: Invalid value: \"-1Gi\": must be greater than zero]"
        );
    }

    #[test]
    fn names_must_be_rfc_1123() {
        assert!(create(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ok.name"}})
        )
        .is_ok());
        let err = create(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}}),
        )
        .unwrap_err();
        assert!(err.starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"), "{err}");
        let err =
            create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}}))
                .unwrap_err();
        assert!(err.contains("RFC 1123 label"), "{err}");
    }

    #[test]
    fn rbac_names_are_path_segments() {
        let role = |n: &str| json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": n}});
        assert!(create(role("psp:unprivileged")).is_ok());
        assert_eq!(
            create(role("a/b")).unwrap_err(),
            "ClusterRole.rbac.authorization.k8s.io \"a/b\" is invalid: metadata.name: Invalid value: \"a/b\": may not contain '/'"
        );
    }

    #[test]
    fn pods_need_containers_with_images() {
        let err = create(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a"}]}}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Pod \"p\" is invalid: spec.containers[0].image: Required value"
        );
        let err = create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}})).unwrap_err();
        assert_eq!(err, "Pod \"p\" is invalid: spec.containers: Required value");
    }
}
