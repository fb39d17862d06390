//! The restricted checks, on top of the baseline checks they do not replace.
//!
//! One function per upstream revision, following `policy/check_allowPrivilegeEscalation.go`,
//! `check_capabilities_restricted.go`, `check_restrictedVolumes.go`, `check_runAsNonRoot.go`,
//! `check_runAsUser.go` and `check_seccompProfile_restricted.go` of
//! kubernetes/pod-security-admission, release 1.24 to 1.34. The 1.25 revisions let Windows
//! pods (`spec.os.name: windows`) through.
//!
//! The user-namespace relaxation of runAsNonRoot and runAsUser (`hostUsers: false`) sits
//! behind the alpha `UserNamespacesPodSecurityStandards` feature gate, off by default in
//! 1.29–1.34, and is not simulated.

use k8s_openapi::api::core::v1::{PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::api::Level;
use super::baseline::{valid_seccomp, CAPABILITIES_BASELINE, HOST_PATH_VOLUMES, SECCOMP_BASELINE};
use super::checks::{
    containers, containers_phrase, is_windows, join_quote, pluralize, sorted_set, Check, CheckFn,
    Env, Forbidden, Versioned,
};

const fn v(min: u32, check: CheckFn, overrides: &'static [&'static str]) -> Versioned {
    Versioned {
        min,
        check,
        overrides,
    }
}

pub static CHECKS: &[Check] = &[
    Check {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        versions: &[
            v(8, allow_privilege_escalation_1_8, &[]),
            v(25, allow_privilege_escalation_1_25, &[]),
        ],
    },
    Check {
        id: "capabilities_restricted",
        level: Level::Restricted,
        versions: &[
            v(22, capabilities_restricted_1_22, &[CAPABILITIES_BASELINE]),
            v(25, capabilities_restricted_1_25, &[CAPABILITIES_BASELINE]),
        ],
    },
    Check {
        id: "restrictedVolumes",
        level: Level::Restricted,
        versions: &[v(0, restricted_volumes, &[HOST_PATH_VOLUMES])],
    },
    Check {
        id: "runAsNonRoot",
        level: Level::Restricted,
        versions: &[v(0, run_as_non_root, &[])],
    },
    Check {
        id: "runAsUser",
        level: Level::Restricted,
        versions: &[v(23, run_as_user, &[])],
    },
    Check {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        versions: &[
            v(19, seccomp_restricted_1_19, &[SECCOMP_BASELINE]),
            v(25, seccomp_restricted_1_25, &[SECCOMP_BASELINE]),
        ],
    },
];

/// Every container must set `allowPrivilegeEscalation: false`.
fn allow_privilege_escalation_1_8(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let bad: Vec<&str> = containers(spec)
        .filter(|c| {
            c.security_context
                .and_then(|s| s.allow_privilege_escalation)
                != Some(false)
        })
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad)
        ),
    ))
}

fn allow_privilege_escalation_1_25(
    env: Env,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    allow_privilege_escalation_1_8(env, meta, spec)
}

/// Every container drops ALL capabilities and adds none but NET_BIND_SERVICE.
fn capabilities_restricted_1_22(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut missing_drop: Vec<&str> = Vec::new();
    let mut adding: Vec<&str> = Vec::new();
    let mut caps: Vec<String> = Vec::new();
    for c in containers(spec) {
        let Some(capabilities) = c.security_context.and_then(|s| s.capabilities.as_ref()) else {
            missing_drop.push(c.name);
            continue;
        };
        if !capabilities.drop.iter().flatten().any(|d| d == "ALL") {
            missing_drop.push(c.name);
        }
        let mut forbidden = false;
        for a in capabilities.add.iter().flatten() {
            if a != "NET_BIND_SERVICE" {
                forbidden = true;
                caps.push(a.clone());
            }
        }
        if forbidden {
            adding.push(c.name);
        }
    }
    let mut details: Vec<String> = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(&sorted_set(caps))
        ));
    }
    if details.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "unrestricted capabilities",
        details.join("; "),
    ))
}

fn capabilities_restricted_1_25(env: Env, meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    capabilities_restricted_1_22(env, meta, spec)
}

/// The type a volume declares, and whether the restricted level allows it (configMap, csi,
/// downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret; image from
/// 1.33). A volume without any source is defaulted to emptyDir by the API server.
fn volume_type(env: Env, v: &Volume) -> Result<(), &'static str> {
    let allowed = v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || (env.minor >= 33 && v.image.is_some())
        || v.persistent_volume_claim.is_some()
        || v.projected.is_some()
        || v.secret.is_some();
    if allowed {
        return Ok(());
    }
    let restricted: [(bool, &'static str); 21] = [
        (v.host_path.is_some(), "hostPath"),
        (v.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (v.aws_elastic_block_store.is_some(), "awsElasticBlockStore"),
        (v.git_repo.is_some(), "gitRepo"),
        (v.nfs.is_some(), "nfs"),
        (v.iscsi.is_some(), "iscsi"),
        (v.glusterfs.is_some(), "glusterfs"),
        (v.rbd.is_some(), "rbd"),
        (v.flex_volume.is_some(), "flexVolume"),
        (v.cinder.is_some(), "cinder"),
        (v.cephfs.is_some(), "cephfs"),
        (v.flocker.is_some(), "flocker"),
        (v.fc.is_some(), "fc"),
        (v.azure_file.is_some(), "azureFile"),
        (v.vsphere_volume.is_some(), "vsphereVolume"),
        (v.quobyte.is_some(), "quobyte"),
        (v.azure_disk.is_some(), "azureDisk"),
        (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
        (v.portworx_volume.is_some(), "portworxVolume"),
        (v.scale_io.is_some(), "scaleIO"),
        (v.storageos.is_some(), "storageos"),
    ];
    match restricted.iter().find(|(set, _)| *set) {
        Some((_, name)) => Err(name),
        None if v.image.is_some() => Err("unknown"),
        None => Ok(()),
    }
}

/// Only the volume types listed in `volume_type`.
fn restricted_volumes(env: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad: Vec<&str> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    for v in spec.volumes.iter().flatten() {
        if let Err(t) = volume_type(env, v) {
            bad.push(&v.name);
            types.push(t.to_string());
        }
    }
    if bad.is_empty() {
        return None;
    }
    let types = sorted_set(types);
    Some(Forbidden::new(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    ))
}

/// The pod, or every container, must set `runAsNonRoot: true`, and none may set it false.
fn run_as_non_root(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut setters: Vec<String> = Vec::new();
    let mut pod_non_root = false;
    if let Some(v) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_non_root)
    {
        if v {
            pod_non_root = true;
        } else {
            setters.push("pod".into());
        }
    }
    let mut explicit: Vec<&str> = Vec::new();
    let mut implicit: Vec<&str> = Vec::new();
    for c in containers(spec) {
        match c.security_context.and_then(|s| s.run_as_non_root) {
            Some(false) => explicit.push(c.name),
            Some(true) => {}
            None if !pod_non_root => implicit.push(c.name),
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return Some(Forbidden::new(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
        ));
    }
    if !implicit.is_empty() {
        return Some(Forbidden::new(
            "runAsNonRoot != true",
            format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(&implicit)
            ),
        ));
    }
    None
}

/// From policy v1.23: neither the pod nor a container may set `runAsUser: 0`.
fn run_as_user(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut setters: Vec<String> = Vec::new();
    if spec.security_context.as_ref().and_then(|s| s.run_as_user) == Some(0) {
        setters.push("pod".into());
    }
    let bad: Vec<&str> = containers(spec)
        .filter(|c| c.security_context.and_then(|s| s.run_as_user) == Some(0))
        .map(|c| c.name)
        .collect();
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
    ))
}

/// From policy v1.19: the pod, or every container, must set a RuntimeDefault or Localhost
/// seccomp profile.
fn seccomp_restricted_1_19(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut setters: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut pod_set = false;
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
    {
        if valid_seccomp(&p.type_) {
            pod_set = true;
        } else {
            setters.push("pod".into());
            values.push(p.type_.clone());
        }
    }
    let mut explicit: Vec<&str> = Vec::new();
    let mut implicit: Vec<&str> = Vec::new();
    for c in containers(spec) {
        match c.security_context.and_then(|s| s.seccomp_profile.as_ref()) {
            Some(p) if !valid_seccomp(&p.type_) => {
                explicit.push(c.name);
                values.push(p.type_.clone());
            }
            Some(_) => {}
            None if !pod_set => implicit.push(c.name),
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return Some(Forbidden::new(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&sorted_set(values))
            ),
        ));
    }
    if !implicit.is_empty() {
        return Some(Forbidden::new(
            "seccompProfile",
            format!(
                "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                containers_phrase(&implicit)
            ),
        ));
    }
    None
}

fn seccomp_restricted_1_25(env: Env, meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    seccomp_restricted_1_19(env, meta, spec)
}
