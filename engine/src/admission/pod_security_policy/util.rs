//! What the provider and the strategies share: volume types, host path prefixes, the bound
//! service account token volume, and the way a field error prints its value.
//!
//! Follows `pkg/security/podsecuritypolicy/util/util.go` (release-1.24: `GetVolumeFSType`,
//! `PSPAllowsAllVolumes`, `AllowsHostVolumePath`, `hasPathPrefix`,
//! `IsOnlyServiceAccountTokenSources`) and `ErrorBody` in
//! `k8s.io/apimachinery/pkg/util/validation/field/errors.go` of the same release: numbers and
//! booleans print with `%v`, strings with `%q`, a nil pointer as the string `"null"`, anything
//! else with `%#v` (`[]int64{1000}`, `[]core.Capability{"ALL"}`; the internal API package is
//! named `core`).

use k8s_openapi::api::core::v1::{ProjectedVolumeSource, Volume};

use crate::labels::go_quote;
use crate::psp::{IDRange, PodSecurityPolicySpec};

/// `psputil.ValidatedPSPAnnotation`: the policy that admitted the pod.
pub const VALIDATED_PSP_ANNOTATION: &str = "kubernetes.io/psp";
/// `policy.All`: every volume type.
pub const ALL_VOLUMES: &str = "*";

/// `GetVolumeFSType`: the `policy.FSType` name of a volume's source, in upstream's order. A
/// volume without a source the 1.24 API knows is an `emptyDir`: `SetDefaults_Volume` gives one
/// to every source-less volume before admission runs.
pub fn volume_fs_type(v: &Volume) -> &'static str {
    let kinds: [(bool, &'static str); 29] = [
        (v.host_path.is_some(), "hostPath"),
        (v.empty_dir.is_some(), "emptyDir"),
        (v.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (v.aws_elastic_block_store.is_some(), "awsElasticBlockStore"),
        (v.git_repo.is_some(), "gitRepo"),
        (v.secret.is_some(), "secret"),
        (v.nfs.is_some(), "nfs"),
        (v.iscsi.is_some(), "iscsi"),
        (v.glusterfs.is_some(), "glusterfs"),
        (v.persistent_volume_claim.is_some(), "persistentVolumeClaim"),
        (v.rbd.is_some(), "rbd"),
        (v.flex_volume.is_some(), "flexVolume"),
        (v.cinder.is_some(), "cinder"),
        (v.cephfs.is_some(), "cephFS"),
        (v.flocker.is_some(), "flocker"),
        (v.downward_api.is_some(), "downwardAPI"),
        (v.fc.is_some(), "fc"),
        (v.azure_file.is_some(), "azureFile"),
        (v.config_map.is_some(), "configMap"),
        (v.vsphere_volume.is_some(), "vsphereVolume"),
        (v.quobyte.is_some(), "quobyte"),
        (v.azure_disk.is_some(), "azureDisk"),
        (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
        (v.storageos.is_some(), "storageos"),
        (v.projected.is_some(), "projected"),
        (v.portworx_volume.is_some(), "portworxVolume"),
        (v.scale_io.is_some(), "scaleIO"),
        (v.csi.is_some(), "csi"),
        (v.ephemeral.is_some(), "ephemeral"),
    ];
    kinds
        .iter()
        .find(|(set, _)| *set)
        .map(|(_, name)| *name)
        .unwrap_or("emptyDir")
}

/// `PSPAllowsAllVolumes`: the policy lists `*`.
pub fn allows_all_volumes(spec: &PodSecurityPolicySpec) -> bool {
    spec.volumes.iter().flatten().any(|v| v == ALL_VOLUMES)
}

/// `AllowsHostVolumePath`: whether the path is allowed, and whether it must then be mounted
/// read-only (a writable prefix wins over a read-only one).
pub fn allows_host_volume_path(spec: &PodSecurityPolicySpec, host_path: &str) -> (bool, bool) {
    let prefixes = spec.allowed_host_paths.as_deref().unwrap_or(&[]);
    if prefixes.is_empty() {
        return (true, false);
    }
    let mut allowed = false;
    let mut read_only = false;
    for p in prefixes {
        if has_path_prefix(host_path, &p.path_prefix) {
            if p.read_only != Some(true) {
                return (true, false);
            }
            allowed = true;
            read_only = true;
        }
    }
    (allowed, read_only)
}

/// `hasPathPrefix`: `s` equals the prefix or continues it at a `/`, trailing slashes ignored.
pub fn has_path_prefix(s: &str, prefix: &str) -> bool {
    let s = s.strip_suffix('/').unwrap_or(s);
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    if !s.starts_with(prefix) {
        return false;
    }
    s.len() == prefix.len() || s.as_bytes().get(prefix.len()) == Some(&b'/')
}

/// `IsOnlyServiceAccountTokenSources`: the projected volume holds only what the ServiceAccount
/// plugin injects (the token at `token`, the `kube-root-ca.crt` ConfigMap, the namespace), so a
/// policy that allows `secret` volumes allows it too.
pub fn is_only_service_account_token_sources(v: &ProjectedVolumeSource) -> bool {
    v.sources.iter().flatten().all(|s| {
        if s.service_account_token.is_none() && s.config_map.is_none() && s.downward_api.is_none() {
            return false;
        }
        if let Some(t) = &s.service_account_token {
            if t.path != "token" || t.audience.as_deref().is_some_and(|a| !a.is_empty()) {
                return false;
            }
        }
        if let Some(cm) = &s.config_map {
            if cm.name != "kube-root-ca.crt" {
                return false;
            }
        }
        if let Some(d) = &s.downward_api {
            let ok = d.items.iter().flatten().all(|item| {
                item.path == "namespace"
                    && item.field_ref.as_ref().is_some_and(|f| {
                        f.api_version.as_deref() == Some("v1")
                            && f.field_path == "metadata.namespace"
                    })
            });
            if !ok {
                return false;
            }
        }
        true
    })
}

/// `id >= rng.Min && id <= rng.Max` (`UserFallsInRange`, `GroupFallsInRange`).
pub fn falls_in_range(id: i64, r: &IDRange) -> bool {
    id >= r.min && id <= r.max
}

// ---------------------------------------------------------------------------
// Values as a field error prints them
// ---------------------------------------------------------------------------

/// A nil pointer: `ErrorBody` turns it into the string `"null"`, then quotes it.
pub fn null() -> String {
    go_quote("null")
}

/// A `*bool`: its value, or `"null"`.
pub fn opt_bool(v: Option<bool>) -> String {
    v.map_or_else(null, |b| b.to_string())
}

/// A string (`%q`).
pub fn quoted(s: &str) -> String {
    go_quote(s)
}

/// A `[]int64` with `%#v`: `[]int64{1, 2}`, `[]int64{}`, `[]int64(nil)`.
pub fn int64s(v: Option<&[i64]>) -> String {
    match v {
        None => "[]int64(nil)".to_string(),
        Some(ids) => {
            let items: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!("[]int64{{{}}}", items.join(", "))
        }
    }
}

/// A `[]core.Capability` with `%#v`: `[]core.Capability{"NET_RAW"}`, `[]core.Capability(nil)`.
pub fn capabilities(v: Option<&[String]>) -> String {
    match v {
        None => "[]core.Capability(nil)".to_string(),
        Some(caps) => {
            let items: Vec<String> = caps.iter().map(|c| go_quote(c)).collect();
            format!("[]core.Capability{{{}}}", items.join(", "))
        }
    }
}

/// `[]policy.IDRange` with `%v`: `[{1 3} {4 4}]`.
pub fn id_ranges(ranges: &[IDRange]) -> String {
    let items: Vec<String> = ranges
        .iter()
        .map(|r| format!("{{{} {}}}", r.min, r.max))
        .collect();
    format!("[{}]", items.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_prefixes_match_at_segment_boundaries() {
        assert!(has_path_prefix("/foo/bar", "/foo"));
        assert!(has_path_prefix("/foo/", "/foo"));
        assert!(has_path_prefix("/foo", "/foo/"));
        assert!(!has_path_prefix("/foobar", "/foo"));
        assert!(!has_path_prefix("/fo", "/foo"));
    }

    #[test]
    fn values_print_like_go() {
        assert_eq!(int64s(None), "[]int64(nil)");
        assert_eq!(int64s(Some(&[1, 2])), "[]int64{1, 2}");
        assert_eq!(
            capabilities(Some(&["ALL".to_string()])),
            "[]core.Capability{\"ALL\"}"
        );
        assert_eq!(opt_bool(None), "\"null\"");
        assert_eq!(
            id_ranges(&[IDRange { min: 1, max: 3 }, IDRange { min: 4, max: 4 }]),
            "[{1 3} {4 4}]"
        );
    }
}
