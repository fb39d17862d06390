//! One policy as the plugin uses it: its strategies, the defaults it fills into a pod
//! (`MutatePod`) and the checks the pod must then pass (`ValidatePod`).
//!
//! Follows `pkg/security/podsecuritypolicy/provider.go` and `factory.go` of kubernetes/kubernetes
//! release-1.24, with the effective security context of `pkg/securitycontext/accessors.go` (a
//! container's runAsUser, runAsGroup, runAsNonRoot and seLinuxOptions fall back to the pod's;
//! a default is written to the container only when it differs from what the pod gives).
//!
//! Feature gates as a 1.24 cluster has them: RunAsGroup and CSIInlineVolume on, ProcMountType
//! off. With ProcMountType off the registry drops `allowedProcMountTypes` from every policy, so
//! only the `Default` proc mount is ever allowed.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, PodSecurityContext, SecurityContext};

use super::strategies::{
    same_selinux, AppArmor, CapabilitiesStrategy, Group, RunAsUser, SeLinux, Seccomp, Sysctls,
    SECCOMP_POD_ANNOTATION,
};
use super::util::{self, quoted};
use crate::psp::{PodSecurityPolicy, PodSecurityPolicySpec};
use crate::status::FieldError;

/// The ProcMountType feature gate (alpha, off, through 1.24).
const PROC_MOUNT_TYPE_GATE: bool = false;
/// `corev1.DefaultProcMount`.
const DEFAULT_PROC_MOUNT: &str = "Default";
/// `policy.AllowAllRuntimeClassNames`.
const ALL_RUNTIME_CLASSES: &str = "*";

pub struct Provider<'a> {
    pub name: String,
    spec: &'a PodSecurityPolicySpec,
    run_as_user: RunAsUser,
    run_as_group: Group,
    se_linux: SeLinux,
    app_armor: AppArmor,
    seccomp: Seccomp,
    fs_group: Group,
    supplemental_groups: Group,
    capabilities: CapabilitiesStrategy,
    sysctls: Sysctls,
}

impl<'a> Provider<'a> {
    /// `NewSimpleProvider` with `CreateStrategies`: every strategy error, joined as an
    /// aggregate (`[a, b]` when several).
    pub fn new(
        psp: &'a PodSecurityPolicy,
        spec: &'a PodSecurityPolicySpec,
        minor: u32,
    ) -> Result<Self, String> {
        let annotations = psp.metadata.annotations.clone().unwrap_or_default();
        let mut errs = Vec::new();
        let user = RunAsUser::new(&spec.run_as_user).map_err(|e| errs.push(e));
        let group = Group::new(spec.run_as_group.as_ref(), "RunAsGroup").map_err(|e| errs.push(e));
        let se_linux = SeLinux::new(&spec.se_linux).map_err(|e| errs.push(e));
        let fs_group = Group::new(Some(&spec.fs_group), "FSGroup").map_err(|e| errs.push(e));
        let supplemental = Group::new(Some(&spec.supplemental_groups), "SupplementalGroups")
            .map_err(|e| errs.push(e));
        match (user, group, se_linux, fs_group, supplemental) {
            (
                Ok(run_as_user),
                Ok(run_as_group),
                Ok(se_linux),
                Ok(fs_group),
                Ok(supplemental_groups),
            ) => Ok(Provider {
                name: psp.metadata.name.clone().unwrap_or_default(),
                spec,
                run_as_user,
                run_as_group,
                se_linux,
                app_armor: AppArmor::new(&annotations),
                seccomp: Seccomp::new(&annotations),
                fs_group,
                supplemental_groups,
                capabilities: CapabilitiesStrategy::new(spec),
                sysctls: Sysctls::new(spec, minor),
            }),
            _ if errs.len() == 1 => Err(errs.remove(0)),
            _ => Err(format!("[{}]", errs.join(", "))),
        }
    }

    /// `allowPrivilegeEscalation` defaults to true in policy/v1beta1.
    fn allows_privilege_escalation(&self) -> bool {
        self.spec.allow_privilege_escalation.unwrap_or(true)
    }

    // -----------------------------------------------------------------------
    // MutatePod
    // -----------------------------------------------------------------------

    /// `MutatePod`: fills in what the pod leaves unset, pod first, then every init container
    /// and container.
    pub fn mutate_pod(&self, pod: &mut Pod) {
        let seccomp = self.seccomp.generate(pod);
        let Some(spec) = pod.spec.as_mut() else {
            return;
        };
        let mut sc = spec.security_context.clone();
        if sc
            .as_ref()
            .and_then(|s| s.supplemental_groups.as_ref())
            .is_none()
        {
            if let Some(groups) = self
                .supplemental_groups
                .generate()
                .filter(|g| !g.is_empty())
            {
                sc.get_or_insert_with(PodSecurityContext::default)
                    .supplemental_groups = Some(groups);
            }
        }
        if sc.as_ref().and_then(|s| s.fs_group).is_none() {
            if let Some(g) = self.fs_group.generate_single() {
                sc.get_or_insert_with(PodSecurityContext::default).fs_group = Some(g);
            }
        }
        if sc
            .as_ref()
            .and_then(|s| s.se_linux_options.as_ref())
            .is_none()
        {
            if let Some(o) = self.se_linux.generate() {
                sc.get_or_insert_with(PodSecurityContext::default)
                    .se_linux_options = Some(o);
            }
        }
        spec.security_context = sc;
        if let Some(rc) = &self.spec.runtime_class {
            if spec.runtime_class_name.is_none() {
                spec.runtime_class_name = rc.default_runtime_class_name.clone();
            }
        }
        if !seccomp.is_empty() {
            pod.metadata
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(SECCOMP_POD_ANNOTATION.to_string(), seccomp);
        }
        let Some(spec) = pod.spec.as_mut() else {
            return;
        };
        let pod_sc = spec.security_context.clone();
        let annotations = &mut pod.metadata.annotations;
        let containers = spec
            .init_containers
            .iter_mut()
            .flatten()
            .chain(spec.containers.iter_mut());
        for c in containers {
            self.mutate_container(pod_sc.as_ref(), annotations, c);
        }
    }

    /// `mutateContainer`.
    fn mutate_container(
        &self,
        pod_sc: Option<&PodSecurityContext>,
        annotations: &mut Option<BTreeMap<String, String>>,
        c: &mut Container,
    ) {
        let eff = Effective::of(pod_sc, c.security_context.as_ref());
        if eff.run_as_user.is_none() {
            if let Some(uid) = self.run_as_user.generate() {
                csc(c).run_as_user = Some(uid);
            }
        }
        if eff.run_as_group.is_none() {
            if let Some(gid) = self.run_as_group.generate_single() {
                csc(c).run_as_group = Some(gid);
            }
        }
        if eff.se_linux.is_none() {
            if let Some(o) = self.se_linux.generate() {
                if !same_selinux(eff.se_linux.as_ref(), Some(&o)) {
                    csc(c).se_linux_options = Some(o);
                }
            }
        }
        self.app_armor.generate(annotations, &c.name);
        let eff = Effective::of(pod_sc, c.security_context.as_ref());
        if eff.run_as_non_root.is_none()
            && eff.run_as_user.is_none()
            && matches!(self.run_as_user, RunAsUser::MustRunAsNonRoot)
        {
            csc(c).run_as_non_root = Some(true);
        }
        let current = c
            .security_context
            .as_ref()
            .and_then(|s| s.capabilities.as_ref());
        let caps = self.capabilities.generate(current);
        if caps.as_ref() != current {
            match caps {
                Some(caps) => csc(c).capabilities = Some(caps),
                None => {
                    if let Some(sc) = c.security_context.as_mut() {
                        sc.capabilities = None;
                    }
                }
            }
        }
        let sc = c.security_context.as_ref();
        if self.spec.read_only_root_filesystem == Some(true)
            && sc.and_then(|s| s.read_only_root_filesystem).is_none()
        {
            csc(c).read_only_root_filesystem = Some(true);
        }
        let escalation = c
            .security_context
            .as_ref()
            .and_then(|s| s.allow_privilege_escalation);
        if let (Some(d), None) = (self.spec.default_allow_privilege_escalation, escalation) {
            csc(c).allow_privilege_escalation = Some(d);
        }
        let escalation = c
            .security_context
            .as_ref()
            .and_then(|s| s.allow_privilege_escalation);
        if !self.allows_privilege_escalation() && escalation.is_none() {
            csc(c).allow_privilege_escalation = Some(false);
        }
    }

    // -----------------------------------------------------------------------
    // ValidatePod
    // -----------------------------------------------------------------------

    /// `ValidatePod`: the pod's own settings, its volumes, then every init container and
    /// container.
    pub fn validate_pod(&self, pod: &Pod) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let Some(spec) = pod.spec.as_ref() else {
            return errs;
        };
        let sc = spec.security_context.as_ref();
        let sc_path = "spec.securityContext";
        let fs_groups: Option<Vec<i64>> = sc.and_then(|s| s.fs_group).map(|g| vec![g]);
        errs.extend(
            self.fs_group
                .validate(&format!("{sc_path}.fsGroup"), fs_groups.as_deref()),
        );
        errs.extend(self.supplemental_groups.validate(
            &format!("{sc_path}.supplementalGroups"),
            sc.and_then(|s| s.supplemental_groups.as_deref()),
        ));
        errs.extend(self.seccomp.validate_pod(pod));
        errs.extend(self.se_linux.validate(
            &format!("{sc_path}.seLinuxOptions"),
            sc.and_then(|s| s.se_linux_options.as_ref()),
        ));
        for (on, allowed, field, what) in [
            (
                spec.host_network,
                self.spec.host_network,
                "hostNetwork",
                "Host network",
            ),
            (spec.host_pid, self.spec.host_pid, "hostPID", "Host PID"),
            (spec.host_ipc, self.spec.host_ipc, "hostIPC", "Host IPC"),
        ] {
            if on == Some(true) && allowed != Some(true) {
                errs.push(FieldError::invalid(
                    &format!("{sc_path}.{field}"),
                    "true".into(),
                    &format!("{what} is not allowed to be used"),
                ));
            }
        }
        errs.extend(self.sysctls.validate(pod));
        errs.extend(self.validate_pod_volumes(pod));
        if let Some(rc) = &self.spec.runtime_class {
            if let Some(name) = &spec.runtime_class_name {
                let ok = rc
                    .allowed_runtime_class_names
                    .iter()
                    .any(|n| n == ALL_RUNTIME_CLASSES || n == name);
                if !ok {
                    errs.push(FieldError::invalid(
                        "spec.runtimeClassName",
                        quoted(name),
                        "",
                    ));
                }
            }
        }
        for (i, c) in spec.init_containers.iter().flatten().enumerate() {
            errs.extend(self.validate_container(pod, c, &format!("spec.initContainers[{i}]")));
        }
        for (i, c) in spec.containers.iter().enumerate() {
            errs.extend(self.validate_container(pod, c, &format!("spec.containers[{i}]")));
        }
        errs
    }

    /// `validatePodVolumes`: the volume types, host path prefixes (and read-only mounts), flex
    /// volume drivers and inline CSI drivers the policy allows.
    fn validate_pod_volumes(&self, pod: &Pod) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let Some(spec) = pod.spec.as_ref() else {
            return errs;
        };
        let all = util::allows_all_volumes(self.spec);
        let allowed: Vec<&str> = self
            .spec
            .volumes
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        for (i, v) in spec.volumes.iter().flatten().enumerate() {
            let fs_type = util::volume_fs_type(v);
            let type_ok = all
                || allowed.contains(&fs_type)
                || (fs_type == "projected"
                    && allowed.contains(&"secret")
                    && v.projected
                        .as_ref()
                        .is_some_and(util::is_only_service_account_token_sources));
            if !type_ok {
                errs.push(FieldError::invalid(
                    &format!("spec.volumes[{i}]"),
                    quoted(fs_type),
                    &format!("{fs_type} volumes are not allowed to be used"),
                ));
                continue;
            }
            if let Some(hp) = &v.host_path {
                let (ok, read_only) = util::allows_host_volume_path(self.spec, &hp.path);
                if !ok {
                    errs.push(FieldError::invalid(
                        &format!("spec.volumes[{i}].hostPath.pathPrefix"),
                        quoted(&hp.path),
                        "is not allowed to be used",
                    ));
                } else if read_only {
                    let containers = spec
                        .init_containers
                        .iter()
                        .flatten()
                        .enumerate()
                        .map(|(j, c)| (format!("spec.initContainers[{j}]"), c))
                        .chain(
                            spec.containers
                                .iter()
                                .enumerate()
                                .map(|(j, c)| (format!("spec.containers[{j}]"), c)),
                        );
                    for (path, c) in containers {
                        for (m, mount) in c.volume_mounts.iter().flatten().enumerate() {
                            if mount.name == v.name && mount.read_only != Some(true) {
                                errs.push(FieldError::invalid(
                                    &format!("{path}.volumeMounts[{m}].readOnly"),
                                    "false".into(),
                                    "must be read-only",
                                ));
                            }
                        }
                    }
                }
            } else if let Some(flex) = &v.flex_volume {
                let drivers = self.spec.allowed_flex_volumes.as_deref().unwrap_or(&[]);
                if !drivers.is_empty() && !drivers.iter().any(|d| d.driver == flex.driver) {
                    errs.push(FieldError::invalid(
                        &format!("spec.volumes[{i}].driver"),
                        quoted(&flex.driver),
                        "Flexvolume driver is not allowed to be used",
                    ));
                }
            } else if let Some(csi) = &v.csi {
                let drivers = self.spec.allowed_csi_drivers.as_deref().unwrap_or(&[]);
                if !drivers.is_empty() && !drivers.iter().any(|d| d.name == csi.driver) {
                    errs.push(FieldError::invalid(
                        &format!("spec.volumes[{i}].csi.driver"),
                        quoted(&csi.driver),
                        "Inline CSI driver is not allowed to be used",
                    ));
                }
            }
        }
        errs
    }

    /// `validateContainer`: the effective security context of one container.
    fn validate_container(&self, pod: &Pod, c: &Container, path: &str) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let pod_sc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
        let csc = c.security_context.as_ref();
        let eff = Effective::of(pod_sc, csc);
        let sc_path = format!("{path}.securityContext");
        errs.extend(
            self.run_as_user
                .validate(&sc_path, eff.run_as_non_root, eff.run_as_user),
        );
        let groups: Option<Vec<i64>> = eff.run_as_group.map(|g| vec![g]);
        errs.extend(self.run_as_group.validate(&sc_path, groups.as_deref()));
        errs.extend(
            self.se_linux
                .validate(&format!("{sc_path}.seLinuxOptions"), eff.se_linux.as_ref()),
        );
        errs.extend(self.app_armor.validate(pod, &c.name));
        errs.extend(self.seccomp.validate_container(pod, c));
        if self.spec.privileged != Some(true) && csc.and_then(|s| s.privileged) == Some(true) {
            errs.push(FieldError::invalid(
                &format!("{sc_path}.privileged"),
                "true".into(),
                "Privileged containers are not allowed",
            ));
        }
        let proc_mount = csc
            .and_then(|s| s.proc_mount.as_deref())
            .unwrap_or(DEFAULT_PROC_MOUNT);
        let allowed_proc_mounts: Vec<&str> = match &self.spec.allowed_proc_mount_types {
            Some(types) if PROC_MOUNT_TYPE_GATE && !types.is_empty() => {
                types.iter().map(String::as_str).collect()
            }
            _ => vec![DEFAULT_PROC_MOUNT],
        };
        if !allowed_proc_mounts.contains(&proc_mount) {
            errs.push(FieldError::invalid(
                &format!("{sc_path}.procMount"),
                quoted(proc_mount),
                "ProcMountType is not allowed",
            ));
        }
        errs.extend(self.capabilities.validate(
            &format!("{sc_path}.capabilities"),
            csc.and_then(|s| s.capabilities.as_ref()),
        ));
        for port in c.ports.iter().flatten() {
            let Some(hp) = port.host_port.filter(|p| *p > 0) else {
                continue;
            };
            let ranges = self.spec.host_ports.as_deref().unwrap_or(&[]);
            if !ranges.iter().any(|r| hp >= r.min && hp <= r.max) {
                let allowed: Vec<String> = ranges
                    .iter()
                    .map(|r| {
                        if r.min == r.max {
                            r.min.to_string()
                        } else {
                            format!("{}-{}", r.min, r.max)
                        }
                    })
                    .collect();
                errs.push(FieldError::invalid(
                    &format!("{path}.hostPort"),
                    hp.to_string(),
                    &format!(
                        "Host port {hp} is not allowed to be used. Allowed ports: [{}]",
                        allowed.join(",")
                    ),
                ));
            }
        }
        if self.spec.read_only_root_filesystem == Some(true) {
            match csc.and_then(|s| s.read_only_root_filesystem) {
                None => errs.push(FieldError::invalid(
                    &format!("{sc_path}.readOnlyRootFilesystem"),
                    util::null(),
                    "ReadOnlyRootFilesystem may not be nil and must be set to true",
                )),
                Some(false) => errs.push(FieldError::invalid(
                    &format!("{sc_path}.readOnlyRootFilesystem"),
                    "false".into(),
                    "ReadOnlyRootFilesystem must be set to true",
                )),
                Some(true) => {}
            }
        }
        let escalation = csc.and_then(|s| s.allow_privilege_escalation);
        if !self.allows_privilege_escalation() && escalation != Some(false) {
            errs.push(FieldError::invalid(
                &format!("{sc_path}.allowPrivilegeEscalation"),
                util::opt_bool(escalation),
                "Allowing privilege escalation for containers is not allowed",
            ));
        }
        errs
    }
}

/// The container's security context, created when a default must be written to it.
fn csc(c: &mut Container) -> &mut SecurityContext {
    c.security_context
        .get_or_insert_with(SecurityContext::default)
}

/// The fields whose container value falls back to the pod's
/// (`NewEffectiveContainerSecurityContextAccessor`).
struct Effective {
    run_as_user: Option<i64>,
    run_as_group: Option<i64>,
    run_as_non_root: Option<bool>,
    se_linux: Option<k8s_openapi::api::core::v1::SELinuxOptions>,
}

impl Effective {
    fn of(pod: Option<&PodSecurityContext>, c: Option<&SecurityContext>) -> Self {
        Effective {
            run_as_user: c
                .and_then(|s| s.run_as_user)
                .or_else(|| pod.and_then(|p| p.run_as_user)),
            run_as_group: c
                .and_then(|s| s.run_as_group)
                .or_else(|| pod.and_then(|p| p.run_as_group)),
            run_as_non_root: c
                .and_then(|s| s.run_as_non_root)
                .or_else(|| pod.and_then(|p| p.run_as_non_root)),
            se_linux: c
                .and_then(|s| s.se_linux_options.clone())
                .or_else(|| pod.and_then(|p| p.se_linux_options.clone())),
        }
    }
}
