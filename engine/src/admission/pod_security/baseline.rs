//! The baseline checks: they run for `baseline` and (unless a restricted check replaces them)
//! for `restricted`.
//!
//! One function per upstream revision, following `policy/check_appArmorProfile.go`,
//! `check_capabilities_baseline.go`, `check_hostNamespaces.go`, `check_hostPathVolumes.go`,
//! `check_hostPorts.go`, `check_hostProbesAndhostLifecycle.go`, `check_privileged.go`,
//! `check_procMount.go`, `check_seLinuxOptions.go`, `check_seccompProfile_baseline.go`,
//! `check_sysctls.go` and `check_windowsHostProcess.go` of kubernetes/pod-security-admission,
//! release 1.24 to 1.34.
//!
//! The user-namespace relaxation of procMount (`hostUsers: false`) sits behind the alpha
//! `UserNamespacesPodSecurityStandards` feature gate, off by default in 1.29–1.34, and is not
//! simulated.

use k8s_openapi::api::core::v1::{LifecycleHandler, PodSpec, Probe};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::api::Level;
use super::checks::{
    containers, containers_phrase, join_quote, pluralize, sorted_set, Check, Env, Forbidden,
    Versioned,
};
use crate::labels::go_quote;

pub const CAPABILITIES_BASELINE: &str = "capabilities_baseline";
pub const HOST_PATH_VOLUMES: &str = "hostPathVolumes";
pub const SECCOMP_BASELINE: &str = "seccompProfile_baseline";

const fn v(min: u32, check: super::checks::CheckFn) -> Versioned {
    Versioned {
        min,
        check,
        overrides: &[],
    }
}

pub static CHECKS: &[Check] = &[
    Check {
        id: "appArmorProfile",
        level: Level::Baseline,
        versions: &[v(0, app_armor_profile)],
    },
    Check {
        id: CAPABILITIES_BASELINE,
        level: Level::Baseline,
        versions: &[v(0, capabilities_baseline)],
    },
    Check {
        id: "hostNamespaces",
        level: Level::Baseline,
        versions: &[v(0, host_namespaces)],
    },
    Check {
        id: HOST_PATH_VOLUMES,
        level: Level::Baseline,
        versions: &[v(0, host_path_volumes)],
    },
    Check {
        id: "hostPorts",
        level: Level::Baseline,
        versions: &[v(0, host_ports)],
    },
    Check {
        id: "hostProbesAndHostLifecycle",
        level: Level::Baseline,
        versions: &[v(34, host_probes_and_lifecycle)],
    },
    Check {
        id: "privileged",
        level: Level::Baseline,
        versions: &[v(0, privileged)],
    },
    Check {
        id: "procMount",
        level: Level::Baseline,
        versions: &[v(0, proc_mount)],
    },
    Check {
        id: "seLinuxOptions",
        level: Level::Baseline,
        versions: &[v(0, se_linux_options_1_0), v(31, se_linux_options_1_31)],
    },
    Check {
        id: SECCOMP_BASELINE,
        level: Level::Baseline,
        versions: &[v(0, seccomp_baseline_1_0), v(19, seccomp_baseline_1_19)],
    },
    Check {
        id: "sysctls",
        level: Level::Baseline,
        versions: &[
            v(0, sysctls_1_0),
            v(27, sysctls_1_27),
            v(29, sysctls_1_29),
            v(32, sysctls_1_32),
        ],
    },
    Check {
        id: "windowsHostProcess",
        level: Level::Baseline,
        versions: &[v(0, windows_host_process)],
    },
];

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// AppArmor: the beta annotations may only ask for `runtime/default` or `localhost/*`; from
/// 1.30 the `appArmorProfile.type` fields may only be `RuntimeDefault` or `Localhost`.
fn app_armor_profile(env: Env, meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let allowed_annotation =
        |v: &str| v.is_empty() || v == "runtime/default" || v.starts_with("localhost/");
    let mut annotations: Vec<String> = meta
        .annotations
        .iter()
        .flatten()
        .filter(|(k, v)| k.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed_annotation(v))
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    annotations.sort();
    let reason = |n: usize| {
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            n,
        )
    };
    if env.minor < 30 {
        if annotations.is_empty() {
            return None;
        }
        return Some(Forbidden::new(
            reason(annotations.len()),
            annotations.join(", "),
        ));
    }
    let allowed_type = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let mut setters: Vec<String> = Vec::new();
    let mut bad_types: Vec<String> = Vec::new();
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.app_armor_profile.as_ref())
    {
        if !allowed_type(&p.type_) {
            setters.push("pod".into());
            bad_types.push(p.type_.clone());
        }
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in containers(spec) {
        if let Some(p) = c
            .security_context
            .and_then(|s| s.app_armor_profile.as_ref())
        {
            if !allowed_type(&p.type_) {
                bad_containers.push(c.name);
                bad_types.push(p.type_.clone());
            }
        }
    }
    if !bad_containers.is_empty() {
        setters.push(containers_phrase(&bad_containers));
    }
    let mut values = sorted_set(bad_types);
    if !annotations.is_empty() {
        setters.push(pluralize("annotation", "annotations", annotations.len()).to_string());
        values.extend(annotations);
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        reason(values.len()),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
    ))
}

const DEFAULT_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Only the container runtime's default capabilities may be added.
fn capabilities_baseline(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers: Vec<&str> = Vec::new();
    let mut caps: Vec<String> = Vec::new();
    for c in containers(spec) {
        let Some(added) = c
            .security_context
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|c| c.add.as_ref())
        else {
            continue;
        };
        let mut valid = true;
        for cap in added {
            if !DEFAULT_CAPABILITIES.contains(&cap.as_str()) {
                valid = false;
                caps.push(cap.clone());
            }
        }
        if !valid {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad_containers),
            join_quote(&sorted_set(caps))
        ),
    ))
}

/// No host network, PID or IPC namespace.
fn host_namespaces(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut shared = Vec::new();
    if spec.host_network == Some(true) {
        shared.push("hostNetwork=true");
    }
    if spec.host_pid == Some(true) {
        shared.push("hostPID=true");
    }
    if spec.host_ipc == Some(true) {
        shared.push("hostIPC=true");
    }
    if shared.is_empty() {
        return None;
    }
    Some(Forbidden::new("host namespaces", shared.join(", ")))
}

/// No hostPath volumes.
fn host_path_volumes(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let names: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| v.host_path.is_some())
        .map(|v| v.name.as_str())
        .collect();
    if names.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
    ))
}

/// No host ports.
fn host_ports(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers: Vec<&str> = Vec::new();
    let mut ports: Vec<String> = Vec::new();
    for c in containers(spec) {
        let mut valid = true;
        for p in c.ports {
            if let Some(hp) = p.host_port.filter(|hp| *hp != 0) {
                valid = false;
                ports.push(hp.to_string());
            }
        }
        if !valid {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let ports = sorted_set(ports);
    Some(Forbidden::new(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad_containers),
            pluralize("uses", "use", bad_containers.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
    ))
}

fn probe_hosts(p: Option<&Probe>) -> Vec<String> {
    let Some(p) = p else { return Vec::new() };
    let http = p.http_get.as_ref().and_then(|h| h.host.clone());
    let tcp = p.tcp_socket.as_ref().and_then(|t| t.host.clone());
    [http, tcp]
        .into_iter()
        .flatten()
        .filter(|h| !h.is_empty())
        .collect()
}

fn handler_hosts(h: Option<&LifecycleHandler>) -> Vec<String> {
    let Some(h) = h else { return Vec::new() };
    let http = h.http_get.as_ref().and_then(|g| g.host.clone());
    let tcp = h.tcp_socket.as_ref().and_then(|t| t.host.clone());
    [http, tcp]
        .into_iter()
        .flatten()
        .filter(|h| !h.is_empty())
        .collect()
}

/// Since policy v1.34: probes and lifecycle handlers may not name a host.
fn host_probes_and_lifecycle(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers: Vec<String> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    for c in containers(spec) {
        let mut found = probe_hosts(c.liveness_probe);
        found.extend(probe_hosts(c.readiness_probe));
        found.extend(probe_hosts(c.startup_probe));
        if let Some(l) = c.lifecycle {
            found.extend(handler_hosts(l.post_start.as_ref()));
            found.extend(handler_hosts(l.pre_stop.as_ref()));
        }
        if !found.is_empty() {
            bad_containers.push(c.name.to_string());
            hosts.extend(found);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let bad_containers = sorted_set(bad_containers);
    let hosts = sorted_set(hosts);
    Some(Forbidden::new(
        "probe or lifecycle host",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad_containers),
            pluralize("uses", "use", bad_containers.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
    ))
}

/// No privileged containers.
fn privileged(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let bad: Vec<&str> = containers(spec)
        .filter(|c| c.security_context.and_then(|s| s.privileged) == Some(true))
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad)
        ),
    ))
}

/// procMount may only be `Default`.
fn proc_mount(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad: Vec<&str> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    for c in containers(spec) {
        if let Some(pm) = c.security_context.and_then(|s| s.proc_mount.as_ref()) {
            if pm != "Default" {
                bad.push(c.name);
                types.push(pm.clone());
            }
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad),
            join_quote(&sorted_set(types))
        ),
    ))
}

const SELINUX_TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn se_linux_options_1_0(env: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    se_linux_options(env, spec, SELINUX_TYPES_1_0)
}

fn se_linux_options_1_31(env: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    se_linux_options(env, spec, SELINUX_TYPES_1_31)
}

/// SELinux: only the container types, and no user or role.
fn se_linux_options(env: Env, spec: &PodSpec, allowed: &[&str]) -> Option<Forbidden> {
    let mut bad_types: Vec<String> = Vec::new();
    let mut set_user = false;
    let mut set_role = false;
    let mut valid = |o: &k8s_openapi::api::core::v1::SELinuxOptions| {
        let mut ok = true;
        let t = o.type_.as_deref().unwrap_or("");
        if !allowed.contains(&t) {
            ok = false;
            bad_types.push(t.to_string());
        }
        if o.user.as_deref().is_some_and(|u| !u.is_empty()) {
            ok = false;
            set_user = true;
        }
        if o.role.as_deref().is_some_and(|r| !r.is_empty()) {
            ok = false;
            set_role = true;
        }
        ok
    };
    let mut setters: Vec<String> = Vec::new();
    if let Some(o) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.se_linux_options.as_ref())
    {
        if !valid(o) {
            setters.push("pod".into());
        }
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in containers(spec) {
        if let Some(o) = c.security_context.and_then(|s| s.se_linux_options.as_ref()) {
            if !valid(o) {
                bad_containers.push(c.name);
            }
        }
    }
    if !bad_containers.is_empty() {
        setters.push(containers_phrase(&bad_containers));
    }
    if setters.is_empty() {
        return None;
    }
    let bad_types = sorted_set(bad_types);
    let mut data: Vec<String> = Vec::new();
    if !bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", bad_types.len()),
            join_quote(&bad_types)
        ));
    }
    // Before 1.26 the user and role were only mentioned next to a bad type.
    if env.minor >= 26 || !bad_types.is_empty() {
        if set_user {
            data.push("user may not be set".into());
        }
        if set_role {
            data.push("role may not be set".into());
        }
    }
    Some(Forbidden::new(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
    ))
}

const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// Policy versions before 1.19: the seccomp annotations may only ask for the runtime's default
/// or a localhost profile.
fn seccomp_baseline_1_0(_: Env, meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let valid =
        |v: &str| v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
    let annotations = meta.annotations.as_ref();
    let mut forbidden: Vec<String> = Vec::new();
    if let Some(v) = annotations.and_then(|a| a.get(SECCOMP_POD_ANNOTATION)) {
        if !valid(v) {
            forbidden.push(format!("{SECCOMP_POD_ANNOTATION}={}", go_quote(v)));
        }
    }
    for c in containers(spec) {
        let key = format!("{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{}", c.name);
        if let Some(v) = annotations.and_then(|a| a.get(&key)) {
            if !valid(v) {
                forbidden.push(format!("{key}={}", go_quote(v)));
            }
        }
    }
    let forbidden = sorted_set(forbidden);
    if forbidden.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "seccompProfile",
        format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", forbidden.len()),
            forbidden.join(", ")
        ),
    ))
}

pub fn valid_seccomp(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

/// From policy v1.19: a seccomp profile, if given, is the runtime's default or a localhost one.
fn seccomp_baseline_1_19(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut setters: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
    {
        if !valid_seccomp(&p.type_) {
            setters.push("pod".into());
            values.push(p.type_.clone());
        }
    }
    let mut bad: Vec<&str> = Vec::new();
    for c in containers(spec) {
        if let Some(p) = c.security_context.and_then(|s| s.seccomp_profile.as_ref()) {
            if !valid_seccomp(&p.type_) {
                bad.push(c.name);
                values.push(p.type_.clone());
            }
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&sorted_set(values))
        ),
    ))
}

const SYSCTLS_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];

fn sysctls_1_0(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls(spec, &[SYSCTLS_1_0])
}

fn sysctls_1_27(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls(spec, &[SYSCTLS_1_0, SYSCTLS_1_27])
}

fn sysctls_1_29(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls(spec, &[SYSCTLS_1_0, SYSCTLS_1_27, SYSCTLS_1_29])
}

fn sysctls_1_32(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    sysctls(
        spec,
        &[SYSCTLS_1_0, SYSCTLS_1_27, SYSCTLS_1_29, SYSCTLS_1_32],
    )
}

/// Only the namespaced, isolated ("safe") sysctls.
fn sysctls(spec: &PodSpec, allowed: &[&[&str]]) -> Option<Forbidden> {
    let forbidden: Vec<&str> = spec
        .security_context
        .as_ref()
        .and_then(|s| s.sysctls.as_ref())
        .into_iter()
        .flatten()
        .map(|s| s.name.as_str())
        .filter(|n| !allowed.iter().any(|set| set.contains(n)))
        .collect();
    if forbidden.is_empty() {
        return None;
    }
    Some(Forbidden::new("forbidden sysctls", forbidden.join(", ")))
}

/// No Windows HostProcess pods or containers.
fn windows_host_process(_: Env, _: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let bad: Vec<&str> = containers(spec)
        .filter(|c| {
            c.security_context
                .and_then(|s| s.windows_options.as_ref())
                .and_then(|w| w.host_process)
                == Some(true)
        })
        .map(|c| c.name)
        .collect();
    let pod = spec
        .security_context
        .as_ref()
        .and_then(|s| s.windows_options.as_ref())
        .and_then(|w| w.host_process)
        == Some(true);
    let mut setters: Vec<String> = Vec::new();
    if pod {
        setters.push("pod".into());
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden::new(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    ))
}
