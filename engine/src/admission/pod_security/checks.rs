//! The check registry: every Pod Security Standards check with its level, its versions and the
//! baseline checks a restricted check replaces, and the evaluation of a pod against a level at
//! a version.
//!
//! Follows `policy/checks.go` (CheckResult, AggregateCheckResults, ForbiddenReason /
//! ForbiddenDetail), `policy/registry.go` (a version runs the newest revision of each check not
//! newer than it; restricted runs the baseline checks it does not override; results are
//! ordered by check ID, baseline first) and `policy/helpers.go`, `policy/visitor.go`.
//!
//! A cluster of minor version N runs release N's checks: "latest" (and any newer version) is
//! evaluated as v1.N, and a few checks changed in place between releases (see `Env`).

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EphemeralContainer, Lifecycle, PodSpec, Probe, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::api::{Level, LevelVersion};
use super::{baseline, restricted};

/// What a check says about a forbidden pod: a short reason and, optionally, details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forbidden {
    pub reason: String,
    pub detail: String,
}

impl Forbidden {
    pub fn new(reason: impl Into<String>, detail: impl Into<String>) -> Self {
        Forbidden {
            reason: reason.into(),
            detail: detail.into(),
        }
    }
}

/// The release whose code runs the checks: some checks changed without a new policy version.
#[derive(Clone, Copy, Debug)]
pub struct Env {
    pub minor: u32,
}

pub type CheckFn = fn(Env, &ObjectMeta, &PodSpec) -> Option<Forbidden>;

/// One revision of a check, in force from policy version v1.`min`.
pub struct Versioned {
    pub min: u32,
    pub check: CheckFn,
    /// Baseline checks this (restricted) revision replaces.
    pub overrides: &'static [&'static str],
}

pub struct Check {
    pub id: &'static str,
    pub level: Level,
    pub versions: &'static [Versioned],
}

/// Every check, in no particular order (evaluation sorts them by ID).
fn all_checks() -> impl Iterator<Item = &'static Check> {
    baseline::CHECKS.iter().chain(restricted::CHECKS.iter())
}

impl Check {
    /// The revision in force at policy version v1.`v`, if the check exists then.
    fn at(&self, v: u32) -> Option<&Versioned> {
        self.versions.iter().rev().find(|c| c.min <= v)
    }
}

/// The checks that run for a level at policy version v1.`v` on a cluster of minor version
/// `minor`, in upstream order: baseline IDs sorted, then restricted IDs sorted. From 1.24 a
/// restricted check replaces the baseline checks it overrides (`OverrideCheckIDs`, new in
/// pod-security-admission 1.24); on 1.23 both run and both report.
pub fn checks_for(level: Level, v: u32, minor: u32) -> Vec<(&'static str, &'static Versioned)> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let overridden: Vec<&str> = if level == Level::Restricted && minor >= 24 {
        all_checks()
            .filter(|c| c.level == Level::Restricted)
            .filter_map(|c| c.at(v))
            .flat_map(|c| c.overrides.iter().copied())
            .collect()
    } else {
        Vec::new()
    };
    let mut out: Vec<(&Check, &Versioned)> = all_checks()
        .filter(|c| c.level == Level::Baseline || level == Level::Restricted)
        .filter(|c| !(c.level == Level::Baseline && overridden.contains(&c.id)))
        .filter_map(|c| c.at(v).map(|vc| (c, vc)))
        .collect();
    out.sort_by(|a, b| {
        (a.0.level == Level::Restricted, a.0.id).cmp(&(b.0.level == Level::Restricted, b.0.id))
    });
    out.into_iter().map(|(c, vc)| (c.id, vc)).collect()
}

/// The forbidden results of all checks of one evaluation, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aggregate {
    pub forbidden: Vec<Forbidden>,
}

impl Aggregate {
    pub fn allowed(&self) -> bool {
        self.forbidden.is_empty()
    }

    /// `host ports, privileged containers` (what a namespace's existing pods are told).
    pub fn reason(&self) -> String {
        let reasons: Vec<&str> = self
            .forbidden
            .iter()
            .map(|f| {
                if f.reason.is_empty() {
                    "unknown forbidden reason"
                } else {
                    f.reason.as_str()
                }
            })
            .collect();
        reasons.join(", ")
    }

    /// `host ports (8080, 9090), privileged containers (…)`.
    pub fn detail(&self) -> String {
        let parts: Vec<String> = self
            .forbidden
            .iter()
            .map(|f| {
                let reason = if f.reason.is_empty() {
                    "unknown forbidden reason"
                } else {
                    f.reason.as_str()
                };
                if f.detail.is_empty() {
                    reason.to_string()
                } else {
                    format!("{reason} ({})", f.detail)
                }
            })
            .collect();
        parts.join(", ")
    }
}

/// Evaluates a pod (or a pod template) against a level and version on a cluster of minor
/// version `minor`.
pub fn evaluate(lv: LevelVersion, minor: u32, meta: &ObjectMeta, spec: &PodSpec) -> Aggregate {
    let env = Env { minor };
    let v = lv.version.effective(minor);
    Aggregate {
        forbidden: checks_for(lv.level, v, minor)
            .into_iter()
            .filter_map(|(_, c)| (c.check)(env, meta, spec))
            .collect(),
    }
}

/// `"a", "b"`.
pub fn join_quote(items: &[impl AsRef<str>]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let parts: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("\"{}\"", parts.join("\", \""))
}

pub fn pluralize<'a>(singular: &'a str, plural: &'a str, count: usize) -> &'a str {
    if count == 1 {
        singular
    } else {
        plural
    }
}

/// `container "a"` / `containers "a", "b"`.
pub fn containers_phrase(names: &[impl AsRef<str>]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// The fields of a container (regular, init or ephemeral) the checks read.
pub struct ContainerView<'a> {
    pub name: &'a str,
    pub security_context: Option<&'a SecurityContext>,
    pub ports: &'a [ContainerPort],
    pub liveness_probe: Option<&'a Probe>,
    pub readiness_probe: Option<&'a Probe>,
    pub startup_probe: Option<&'a Probe>,
    pub lifecycle: Option<&'a Lifecycle>,
}

impl<'a> ContainerView<'a> {
    fn of(c: &'a Container) -> Self {
        ContainerView {
            name: &c.name,
            security_context: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or(&[]),
            liveness_probe: c.liveness_probe.as_ref(),
            readiness_probe: c.readiness_probe.as_ref(),
            startup_probe: c.startup_probe.as_ref(),
            lifecycle: c.lifecycle.as_ref(),
        }
    }

    fn of_ephemeral(c: &'a EphemeralContainer) -> Self {
        ContainerView {
            name: &c.name,
            security_context: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or(&[]),
            liveness_probe: c.liveness_probe.as_ref(),
            readiness_probe: c.readiness_probe.as_ref(),
            startup_probe: c.startup_probe.as_ref(),
            lifecycle: c.lifecycle.as_ref(),
        }
    }
}

/// `visitContainers`: init containers, containers, then ephemeral containers.
pub fn containers(spec: &PodSpec) -> impl Iterator<Item = ContainerView<'_>> {
    spec.init_containers
        .iter()
        .flatten()
        .map(ContainerView::of)
        .chain(spec.containers.iter().map(ContainerView::of))
        .chain(
            spec.ephemeral_containers
                .iter()
                .flatten()
                .map(ContainerView::of_ephemeral),
        )
}

/// Whether the pod declares itself a Windows pod (`spec.os.name: windows`).
pub fn is_windows(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

/// A sorted set of strings, as `sets.String.List()` gives them.
pub fn sorted_set(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    //! Table tests: one pod per case, the level and version it is checked against, and the
    //! `ForbiddenDetail` upstream would print (empty when allowed). Expected texts follow the
    //! messages built in kubernetes/pod-security-admission `policy/check_*.go`.

    use super::super::api::{Level, LevelVersion, Version};
    use super::*;
    use serde_json::{json, Value};

    fn run(level: &str, version: &str, minor: u32, pod: Value) -> String {
        let meta: ObjectMeta =
            serde_json::from_value(pod.get("metadata").cloned().unwrap_or(json!({}))).unwrap();
        let spec: PodSpec = serde_json::from_value(
            pod.get("spec")
                .cloned()
                .unwrap_or(json!({"containers": []})),
        )
        .unwrap();
        let lv = LevelVersion {
            level: Level::parse(level).unwrap(),
            version: Version::parse(version).unwrap(),
        };
        evaluate(lv, minor, &meta, &spec).detail()
    }

    /// A container that meets the restricted level, with extra securityContext fields.
    fn good(name: &str, extra: Value) -> Value {
        let mut sc = json!({"allowPrivilegeEscalation": false, "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}});
        if let (Some(m), Some(e)) = (sc.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                m.insert(k.clone(), v.clone());
            }
        }
        json!({"name": name, "image": "nginx", "securityContext": sc})
    }

    fn pod(containers: Value, extra_spec: Value) -> Value {
        let mut spec = json!({"containers": containers});
        if let (Some(m), Some(e)) = (spec.as_object_mut(), extra_spec.as_object()) {
            for (k, v) in e {
                m.insert(k.clone(), v.clone());
            }
        }
        json!({"spec": spec})
    }

    #[test]
    fn a_bare_pod_fails_restricted_in_upstream_order() {
        let p = pod(json!([{"name": "nginx", "image": "nginx"}]), json!({}));
        assert_eq!(
            run("restricted", "latest", 34, p.clone()),
            "allowPrivilegeEscalation != false (container \"nginx\" must set securityContext.allowPrivilegeEscalation=false), \
             unrestricted capabilities (container \"nginx\" must set securityContext.capabilities.drop=[\"ALL\"]), \
             runAsNonRoot != true (pod or container \"nginx\" must set securityContext.runAsNonRoot=true), \
             seccompProfile (pod or container \"nginx\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
        );
        assert_eq!(run("baseline", "latest", 34, p.clone()), "");
        assert_eq!(run("privileged", "latest", 34, p), "");
    }

    #[test]
    fn baseline_violations_come_first_sorted_by_check_id() {
        let p = pod(
            json!([good("app", json!({"privileged": true})),
                   {"name": "side", "image": "x", "ports": [{"containerPort": 80, "hostPort": 8080}]}]),
            json!({"hostNetwork": true, "hostPID": true,
                   "volumes": [{"name": "host", "hostPath": {"path": "/"}}]}),
        );
        assert_eq!(
            run("baseline", "latest", 34, p.clone()),
            "host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume \"host\"), \
             hostPort (container \"side\" uses hostPort 8080), privileged (container \"app\" must not set securityContext.privileged=true)"
        );
        // restrictedVolumes replaces hostPathVolumes; the restricted checks follow the baseline ones.
        assert_eq!(
            run("restricted", "latest", 34, p),
            "host namespaces (hostNetwork=true, hostPID=true), \
             hostPort (container \"side\" uses hostPort 8080), privileged (container \"app\" must not set securityContext.privileged=true), \
             allowPrivilegeEscalation != false (container \"side\" must set securityContext.allowPrivilegeEscalation=false), \
             unrestricted capabilities (container \"side\" must set securityContext.capabilities.drop=[\"ALL\"]), \
             restricted volume types (volume \"host\" uses restricted volume type \"hostPath\"), \
             runAsNonRoot != true (pod or container \"side\" must set securityContext.runAsNonRoot=true), \
             seccompProfile (pod or container \"side\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
        );
    }

    #[test]
    fn before_1_24_a_restricted_check_does_not_replace_the_baseline_check_it_overrides() {
        let p = pod(
            json!([good("app", json!({}))]),
            json!({"volumes": [{"name": "host", "hostPath": {"path": "/"}}]}),
        );
        let both = "hostPath volumes (volume \"host\"), \
             restricted volume types (volume \"host\" uses restricted volume type \"hostPath\")";
        assert_eq!(run("restricted", "latest", 23, p.clone()), both);
        assert_eq!(
            run("restricted", "latest", 24, p),
            "restricted volume types (volume \"host\" uses restricted volume type \"hostPath\")"
        );
    }

    #[test]
    fn baseline_checks() {
        let cases: Vec<(Value, &str)> = vec![
            (
                pod(json!([{"name": "a", "image": "x", "securityContext": {"capabilities": {"add": ["NET_ADMIN", "CHOWN", "SYS_TIME"]}}},
                           {"name": "b", "image": "x", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]), json!({})),
                "non-default capabilities (containers \"a\", \"b\" must not include \"NET_ADMIN\", \"SYS_TIME\" in securityContext.capabilities.add)",
            ),
            (
                pod(json!([{"name": "a", "image": "x", "ports": [{"containerPort": 1, "hostPort": 9090}, {"containerPort": 2, "hostPort": 10000}]},
                           {"name": "b", "image": "x", "ports": [{"containerPort": 3, "hostPort": 9090}]}]), json!({})),
                "hostPort (containers \"a\", \"b\" use hostPorts 10000, 9090)",
            ),
            (
                pod(json!([{"name": "a", "image": "x"}]), json!({"hostIPC": true})),
                "host namespaces (hostIPC=true)",
            ),
            (
                pod(json!([{"name": "a", "image": "x"}]), json!({"volumes": [
                    {"name": "h1", "hostPath": {"path": "/a"}}, {"name": "ok", "emptyDir": {}}, {"name": "h2", "hostPath": {"path": "/b"}}]})),
                "hostPath volumes (volumes \"h1\", \"h2\")",
            ),
            (
                pod(json!([{"name": "a", "image": "x", "securityContext": {"procMount": "Unmasked"}},
                           {"name": "b", "image": "x", "securityContext": {"procMount": "Default"}}]), json!({})),
                "procMount (container \"a\" must not set securityContext.procMount to \"Unmasked\")",
            ),
            (
                pod(json!([{"name": "a", "image": "x"}]), json!({"securityContext": {"sysctls": [
                    {"name": "kernel.shm_rmid_forced", "value": "0"}, {"name": "net.core.somaxconn", "value": "1"},
                    {"name": "kernel.msgmax", "value": "1"}]}})),
                "forbidden sysctls (net.core.somaxconn, kernel.msgmax)",
            ),
            (
                pod(json!([{"name": "a", "image": "x", "securityContext": {"windowsOptions": {"hostProcess": true}}}]),
                    json!({"securityContext": {"windowsOptions": {"hostProcess": true}}})),
                "hostProcess (pod and container \"a\" must not set securityContext.windowsOptions.hostProcess=true)",
            ),
            (
                pod(json!([{"name": "a", "image": "x", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]),
                    json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}})),
                "seccompProfile (pod and container \"a\" must not set securityContext.seccompProfile.type to \"Unconfined\")",
            ),
            (
                pod(json!([{"name": "a", "image": "x", "securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "root"}}}]),
                    json!({"securityContext": {"seLinuxOptions": {"role": "sysadm_r"}}})),
                "seLinuxOptions (pod and container \"a\" set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set; role may not be set)",
            ),
            (
                pod(json!([{"name": "b", "image": "x", "readinessProbe": {"httpGet": {"port": 80, "host": "10.0.0.1"}},
                            "lifecycle": {"preStop": {"tcpSocket": {"port": 1, "host": "evil"}}}},
                           {"name": "a", "image": "x", "livenessProbe": {"tcpSocket": {"port": 80, "host": "10.0.0.1"}}}]), json!({})),
                "probe or lifecycle host (containers \"a\", \"b\" use probe or lifecycle hosts \"10.0.0.1\", \"evil\")",
            ),
        ];
        for (p, want) in cases {
            assert_eq!(run("baseline", "latest", 34, p.clone()), want, "{p}");
        }
    }

    #[test]
    fn app_armor_changed_in_1_30() {
        let p = json!({"metadata": {"annotations": {
                "container.apparmor.security.beta.kubernetes.io/b": "unconfined",
                "container.apparmor.security.beta.kubernetes.io/a": "localhost/ok",
                "container.apparmor.security.beta.kubernetes.io/c": "runtime/default"}},
            "spec": {"securityContext": {"appArmorProfile": {"type": "Unconfined"}},
                     "containers": [{"name": "a", "image": "x"}]}});
        assert_eq!(
            run("baseline", "latest", 29, p.clone()),
            "forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/b=\"unconfined\")"
        );
        assert_eq!(
            run("baseline", "latest", 34, p),
            "forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/b=\"unconfined\"\")"
        );
    }

    #[test]
    fn se_linux_user_and_role_before_1_26() {
        let p = pod(
            json!([{"name": "a", "image": "x", "securityContext": {"seLinuxOptions": {"user": "root"}}}]),
            json!({}),
        );
        assert_eq!(
            run("baseline", "latest", 25, p.clone()),
            "seLinuxOptions (container \"a\" set forbidden securityContext.seLinuxOptions: )"
        );
        assert_eq!(
            run("baseline", "latest", 26, p),
            "seLinuxOptions (container \"a\" set forbidden securityContext.seLinuxOptions: user may not be set)"
        );
        let engine = pod(
            json!([{"name": "a", "image": "x", "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}]),
            json!({}),
        );
        assert_eq!(
            run("baseline", "v1.30", 34, engine.clone()),
            "seLinuxOptions (container \"a\" set forbidden securityContext.seLinuxOptions: type \"container_engine_t\")"
        );
        assert_eq!(run("baseline", "v1.31", 34, engine.clone()), "");
        // A 1.30 cluster has no v1.31 revision: latest is v1.30 there.
        assert_ne!(run("baseline", "latest", 30, engine), "");
    }

    #[test]
    fn sysctls_by_policy_version() {
        let p = |name: &str| {
            pod(
                json!([{"name": "a", "image": "x"}]),
                json!({"securityContext": {"sysctls": [{"name": name, "value": "1"}]}}),
            )
        };
        for (name, allowed_from) in [
            ("net.ipv4.ip_local_reserved_ports", 27),
            ("net.ipv4.tcp_keepalive_time", 29),
            ("net.ipv4.tcp_rmem", 32),
        ] {
            let before = format!("v1.{}", allowed_from - 1);
            let from = format!("v1.{allowed_from}");
            assert_eq!(
                run("baseline", &before, 34, p(name)),
                format!("forbidden sysctls ({name})")
            );
            assert_eq!(run("baseline", &from, 34, p(name)), "");
            // The cluster's own release bounds `latest`.
            assert_eq!(
                run("baseline", "latest", allowed_from - 1, p(name)),
                format!("forbidden sysctls ({name})")
            );
        }
    }

    #[test]
    fn host_probes_only_from_1_34() {
        let p = pod(
            json!([{"name": "a", "image": "x", "livenessProbe": {"httpGet": {"port": 80, "host": "example.com"}}}]),
            json!({}),
        );
        assert_eq!(run("baseline", "latest", 33, p.clone()), "");
        assert_eq!(run("baseline", "v1.33", 34, p.clone()), "");
        assert_eq!(
            run("baseline", "latest", 34, p),
            "probe or lifecycle host (container \"a\" uses probe or lifecycle host \"example.com\")"
        );
    }

    #[test]
    fn seccomp_annotations_before_policy_1_19() {
        let p = json!({"metadata": {"annotations": {
                "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                "container.seccomp.security.alpha.kubernetes.io/a": "docker/default",
                "container.seccomp.security.alpha.kubernetes.io/b": "unconfined"}},
            "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "x"}]}});
        assert_eq!(
            run("baseline", "v1.18", 34, p.clone()),
            "seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/b=\"unconfined\", seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")"
        );
        assert_eq!(run("baseline", "v1.19", 34, p), "");
    }

    #[test]
    fn restricted_checks() {
        let cases: Vec<(Value, &str)> = vec![
            (
                pod(json!([good("a", json!({"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "SYS_ADMIN", "NET_RAW"]}})),
                           good("b", json!({"capabilities": {"add": ["NET_BIND_SERVICE"]}}))]), json!({})),
                "unrestricted capabilities (container \"b\" must set securityContext.capabilities.drop=[\"ALL\"]; \
                 container \"a\" must not include \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.add)",
            ),
            (
                pod(json!([good("a", json!({"runAsNonRoot": false, "runAsUser": 0}))]),
                    json!({"securityContext": {"runAsNonRoot": false, "runAsUser": 0}})),
                "runAsNonRoot != true (pod and container \"a\" must not set securityContext.runAsNonRoot=false), \
                 runAsUser=0 (pod and container \"a\" must not set runAsUser=0)",
            ),
            (
                pod(json!([good("a", json!({"runAsNonRoot": null, "seccompProfile": null}))]),
                    json!({"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}})),
                "",
            ),
            (
                pod(json!([good("a", json!({"seccompProfile": {"type": "Unconfined"}}))]),
                    json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}})),
                "seccompProfile (container \"a\" must not set securityContext.seccompProfile.type to \"Unconfined\")",
            ),
            (
                pod(json!([good("a", json!({}))]), json!({"volumes": [
                    {"name": "cm", "configMap": {"name": "c"}}, {"name": "nfs", "nfs": {"server": "s", "path": "/"}},
                    {"name": "git", "gitRepo": {"repository": "r"}}, {"name": "pvc", "persistentVolumeClaim": {"claimName": "c"}},
                    {"name": "nothing"}]})),
                "restricted volume types (volumes \"nfs\", \"git\" use restricted volume types \"gitRepo\", \"nfs\")",
            ),
        ];
        for (p, want) in cases {
            assert_eq!(run("restricted", "latest", 34, p.clone()), want, "{p}");
        }
    }

    #[test]
    fn restricted_versions() {
        let bare = pod(
            json!([{"name": "a", "image": "x", "securityContext": {"runAsUser": 0}}]),
            json!({}),
        );
        // Before v1.8 there is no allowPrivilegeEscalation check, before v1.19 no seccomp
        // requirement, before v1.22 capabilities are only checked as in baseline, before v1.23
        // runAsUser=0 is allowed.
        assert_eq!(
            run("restricted", "v1.7", 34, bare.clone()),
            "runAsNonRoot != true (pod or container \"a\" must set securityContext.runAsNonRoot=true)"
        );
        assert_eq!(
            run("restricted", "v1.22", 34, bare.clone()),
            "allowPrivilegeEscalation != false (container \"a\" must set securityContext.allowPrivilegeEscalation=false), \
             unrestricted capabilities (container \"a\" must set securityContext.capabilities.drop=[\"ALL\"]), \
             runAsNonRoot != true (pod or container \"a\" must set securityContext.runAsNonRoot=true), \
             seccompProfile (pod or container \"a\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
        );
        assert!(run("restricted", "v1.23", 34, bare.clone())
            .contains("runAsUser=0 (container \"a\" must not set runAsUser=0)"));
        // Windows pods skip allowPrivilegeEscalation, capabilities and seccomp from v1.25.
        let windows = pod(
            json!([{"name": "a", "image": "x", "securityContext": {"runAsNonRoot": true}}]),
            json!({"os": {"name": "windows"}}),
        );
        assert_eq!(run("restricted", "v1.25", 34, windows.clone()), "");
        assert!(run("restricted", "v1.24", 34, windows.clone())
            .starts_with("allowPrivilegeEscalation != false"));
        // On a 1.24 cluster `latest` has no v1.25 revision.
        assert!(run("restricted", "latest", 24, windows)
            .starts_with("allowPrivilegeEscalation != false"));
    }

    #[test]
    fn image_volumes_are_allowed_from_1_33() {
        let p = pod(
            json!([good("a", json!({}))]),
            json!({"securityContext": {"runAsNonRoot": true},
                   "volumes": [{"name": "img", "image": {"reference": "quay.io/x:1"}}]}),
        );
        assert_eq!(run("restricted", "latest", 33, p.clone()), "");
        assert_eq!(
            run("restricted", "latest", 32, p),
            "restricted volume types (volume \"img\" uses restricted volume type \"unknown\")"
        );
    }

    #[test]
    fn reasons_and_details_aggregate() {
        let a = Aggregate {
            forbidden: vec![
                Forbidden::new("host ports", "8080, 9090"),
                Forbidden::new("privileged containers", ""),
                Forbidden::new("", "x"),
            ],
        };
        assert_eq!(
            a.reason(),
            "host ports, privileged containers, unknown forbidden reason"
        );
        assert_eq!(
            a.detail(),
            "host ports (8080, 9090), privileged containers, unknown forbidden reason (x)"
        );
        assert!(Aggregate::default().allowed());
    }
}
