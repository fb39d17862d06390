//! The strategies a policy is made of: each one generates a default for its field and validates
//! what the pod asks for.
//!
//! Follows `pkg/security/podsecuritypolicy/` of kubernetes/kubernetes release-1.24:
//! `factory.go` (which rule makes which strategy, and the `Unrecognized … strategy type` errors),
//! `user/` (MustRunAs, MustRunAsNonRoot, RunAsAny), `group/` (MustRunAs, MayRunAs, RunAsAny,
//! shared by fsGroup, supplementalGroups and runAsGroup), `selinux/` (MustRunAs with
//! `equalLevels`, RunAsAny), `capabilities/mustrunas.go`, `sysctl/mustmatchpatterns.go`,
//! `apparmor/strategy.go` and `seccomp/strategy.go` (annotations and, since the seccomp GA of
//! 1.19, the `seccompProfile` fields).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Capabilities, Container, Pod, SELinuxOptions, SeccompProfile};

use super::util::{self, falls_in_range, id_ranges, int64s, quoted};
use crate::psp::{IDRange, PodSecurityPolicySpec, RunAsStrategyOptions, SELinuxStrategyOptions};
use crate::status::FieldError;

// ---------------------------------------------------------------------------
// runAsUser
// ---------------------------------------------------------------------------

pub enum RunAsUser {
    MustRunAs(Vec<IDRange>),
    MustRunAsNonRoot,
    RunAsAny,
}

impl RunAsUser {
    /// `createUserStrategy`.
    pub fn new(opts: &RunAsStrategyOptions) -> Result<Self, String> {
        match opts.rule.as_str() {
            "MustRunAs" => {
                let ranges = opts.ranges.clone().unwrap_or_default();
                if ranges.is_empty() {
                    return Err("MustRunAs requires at least one range".into());
                }
                Ok(RunAsUser::MustRunAs(ranges))
            }
            "MustRunAsNonRoot" => Ok(RunAsUser::MustRunAsNonRoot),
            "RunAsAny" => Ok(RunAsUser::RunAsAny),
            other => Err(format!("Unrecognized RunAsUser strategy type {other}")),
        }
    }

    /// MustRunAs returns the first range's min; the others generate nothing.
    pub fn generate(&self) -> Option<i64> {
        match self {
            RunAsUser::MustRunAs(ranges) => ranges.first().map(|r| r.min),
            _ => None,
        }
    }

    /// `Validate(scPath, pod, container, runAsNonRoot, runAsUser)` of the effective context.
    pub fn validate(
        &self,
        sc_path: &str,
        run_as_non_root: Option<bool>,
        run_as_user: Option<i64>,
    ) -> Vec<FieldError> {
        let user_path = format!("{sc_path}.runAsUser");
        match self {
            RunAsUser::RunAsAny => vec![],
            RunAsUser::MustRunAs(ranges) => match run_as_user {
                None => vec![FieldError::required(&user_path, "")],
                Some(uid) if !ranges.iter().any(|r| falls_in_range(uid, r)) => {
                    vec![FieldError::invalid(
                        &user_path,
                        uid.to_string(),
                        &format!("must be in the ranges: {}", id_ranges(ranges)),
                    )]
                }
                Some(_) => vec![],
            },
            RunAsUser::MustRunAsNonRoot => {
                let non_root_path = format!("{sc_path}.runAsNonRoot");
                if run_as_non_root.is_none() && run_as_user.is_none() {
                    return vec![FieldError::required(&non_root_path, "must be true")];
                }
                if run_as_non_root == Some(false) {
                    return vec![FieldError::invalid(
                        &non_root_path,
                        "false".into(),
                        "must be true",
                    )];
                }
                if run_as_user == Some(0) {
                    return vec![FieldError::invalid(
                        &user_path,
                        "0".into(),
                        "running with the root UID is forbidden",
                    )];
                }
                vec![]
            }
        }
    }
}

// ---------------------------------------------------------------------------
// fsGroup, supplementalGroups, runAsGroup
// ---------------------------------------------------------------------------

pub enum Group {
    MustRunAs(Vec<IDRange>),
    MayRunAs(Vec<IDRange>),
    RunAsAny,
}

impl Group {
    /// `createFSGroupStrategy`, `createSupplementalGroupStrategy`, `createRunAsGroupStrategy`:
    /// `what` names the field in the error (`FSGroup`, `SupplementalGroups`, `RunAsGroup`).
    /// Only runAsGroup may be left out (RunAsAny).
    pub fn new(opts: Option<&RunAsStrategyOptions>, what: &str) -> Result<Self, String> {
        let Some(opts) = opts else {
            return Ok(Group::RunAsAny);
        };
        let ranges = || opts.ranges.clone().unwrap_or_default();
        match opts.rule.as_str() {
            "MustRunAs" if ranges().is_empty() => {
                Err("ranges must be supplied for MustRunAs".into())
            }
            "MustRunAs" => Ok(Group::MustRunAs(ranges())),
            "MayRunAs" if ranges().is_empty() => Err("ranges must be supplied for MayRunAs".into()),
            "MayRunAs" => Ok(Group::MayRunAs(ranges())),
            "RunAsAny" => Ok(Group::RunAsAny),
            other => Err(format!("Unrecognized {what} strategy type {other}")),
        }
    }

    /// `Generate`: MustRunAs gives the first range's min; the others nothing.
    pub fn generate(&self) -> Option<Vec<i64>> {
        self.generate_single().map(|g| vec![g])
    }

    /// `GenerateSingle` (fsGroup, runAsGroup).
    pub fn generate_single(&self) -> Option<i64> {
        match self {
            Group::MustRunAs(ranges) => ranges.first().map(|r| r.min),
            _ => None,
        }
    }

    /// `Validate(fldPath, pod, groups)`: every group in a range; MustRunAs also wants one.
    pub fn validate(&self, path: &str, groups: Option<&[i64]>) -> Vec<FieldError> {
        let (ranges, required) = match self {
            Group::RunAsAny => return vec![],
            Group::MustRunAs(r) => (r, true),
            Group::MayRunAs(r) => (r, false),
        };
        let list = groups.unwrap_or(&[]);
        let mut errs = Vec::new();
        if required && list.is_empty() {
            errs.push(FieldError::invalid(
                path,
                int64s(groups),
                "unable to validate empty groups against required ranges",
            ));
        }
        for g in list {
            if !ranges.iter().any(|r| falls_in_range(*g, r)) {
                errs.push(FieldError::invalid(
                    path,
                    int64s(groups),
                    &format!("group {g} must be in the ranges: {}", id_ranges(ranges)),
                ));
            }
        }
        errs
    }
}

// ---------------------------------------------------------------------------
// seLinux
// ---------------------------------------------------------------------------

pub enum SeLinux {
    MustRunAs(SELinuxOptions),
    RunAsAny,
}

impl SeLinux {
    /// `createSELinuxStrategy`.
    pub fn new(opts: &SELinuxStrategyOptions) -> Result<Self, String> {
        match opts.rule.as_str() {
            "MustRunAs" => match &opts.se_linux_options {
                Some(o) => Ok(SeLinux::MustRunAs(o.clone())),
                None => Err("MustRunAs requires SELinuxOptions".into()),
            },
            "RunAsAny" => Ok(SeLinux::RunAsAny),
            other => Err(format!("Unrecognized SELinuxContext strategy type {other}")),
        }
    }

    pub fn generate(&self) -> Option<SELinuxOptions> {
        match self {
            SeLinux::MustRunAs(o) => Some(o.clone()),
            SeLinux::RunAsAny => None,
        }
    }

    /// `Validate(fldPath, pod, container, seLinux)`: each part must be the policy's; levels
    /// compare with their categories in any order.
    pub fn validate(&self, path: &str, actual: Option<&SELinuxOptions>) -> Vec<FieldError> {
        let SeLinux::MustRunAs(want) = self else {
            return vec![];
        };
        let Some(got) = actual else {
            return vec![FieldError::required(path, "")];
        };
        let part = |o: &Option<String>| o.clone().unwrap_or_default();
        let mut errs = Vec::new();
        let (want_level, got_level) = (part(&want.level), part(&got.level));
        if !equal_levels(&want_level, &got_level) {
            errs.push(FieldError::invalid(
                &format!("{path}.level"),
                quoted(&got_level),
                &format!("must be {want_level}"),
            ));
        }
        for (name, w, g) in [
            ("role", &want.role, &got.role),
            ("type", &want.type_, &got.type_),
            ("user", &want.user, &got.user),
        ] {
            let (w, g) = (part(w), part(g));
            if w != g {
                errs.push(FieldError::invalid(
                    &format!("{path}.{name}"),
                    quoted(&g),
                    &format!("must be {w}"),
                ));
            }
        }
        errs
    }
}

/// `equalLevels`: `s0:c6,c0` equals `s0:c0,c6`; both must have the `sX:cY` form.
fn equal_levels(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    let (Some((es, ec)), Some((as_, ac))) = (expected.split_once(':'), actual.split_once(':'))
    else {
        return false;
    };
    if es != as_ {
        return false;
    }
    let mut e: Vec<&str> = ec.split(',').collect();
    let mut a: Vec<&str> = ac.split(',').collect();
    e.sort_unstable();
    a.sort_unstable();
    e == a
}

/// Two SELinux options as Go compares them (an unset part is the empty string).
pub fn same_selinux(a: Option<&SELinuxOptions>, b: Option<&SELinuxOptions>) -> bool {
    let norm = |o: &SELinuxOptions| {
        [&o.level, &o.role, &o.type_, &o.user].map(|p| p.clone().unwrap_or_default())
    };
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => norm(a) == norm(b),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// capabilities
// ---------------------------------------------------------------------------

/// `policy.AllowAllCapabilities`.
const ALLOW_ALL_CAPABILITIES: &str = "*";

pub struct CapabilitiesStrategy {
    default_add: Vec<String>,
    required_drop: Vec<String>,
    allowed: Vec<String>,
}

impl CapabilitiesStrategy {
    pub fn new(spec: &PodSecurityPolicySpec) -> Self {
        CapabilitiesStrategy {
            default_add: spec.default_add_capabilities.clone().unwrap_or_default(),
            required_drop: spec.required_drop_capabilities.clone().unwrap_or_default(),
            allowed: spec.allowed_capabilities.clone().unwrap_or_default(),
        }
    }

    /// `Generate`: the container's adds plus the defaults it does not drop, its drops plus the
    /// required ones, each sorted; the container's own capabilities when nothing changes.
    pub fn generate(&self, container: Option<&Capabilities>) -> Option<Capabilities> {
        let set = |v: Option<&Vec<String>>| -> BTreeSet<String> {
            v.into_iter().flatten().cloned().collect()
        };
        let container_add = set(container.and_then(|c| c.add.as_ref()));
        let container_drop = set(container.and_then(|c| c.drop.as_ref()));
        let default_add: BTreeSet<String> = self
            .default_add
            .iter()
            .filter(|c| !container_drop.contains(*c))
            .cloned()
            .collect();
        let combined_add: BTreeSet<String> = default_add.union(&container_add).cloned().collect();
        let combined_drop: BTreeSet<String> = self
            .required_drop
            .iter()
            .cloned()
            .chain(container_drop.iter().cloned())
            .collect();
        if combined_add.len() == container_add.len() && combined_drop.len() == container_drop.len()
        {
            return container.cloned();
        }
        let list = |s: BTreeSet<String>| (!s.is_empty()).then(|| s.into_iter().collect());
        Some(Capabilities {
            add: list(combined_add),
            drop: list(combined_drop),
        })
    }

    /// `Validate(fldPath, pod, container, capabilities)`.
    pub fn validate(&self, path: &str, caps: Option<&Capabilities>) -> Vec<FieldError> {
        let Some(caps) = caps else {
            if self.default_add.is_empty() && self.required_drop.is_empty() {
                return vec![];
            }
            return vec![FieldError::invalid(
                path,
                util::null(),
                "required capabilities are not set on the securityContext",
            )];
        };
        if self.allowed.iter().any(|c| c == ALLOW_ALL_CAPABILITIES) {
            return vec![];
        }
        let mut errs = Vec::new();
        for c in caps.add.iter().flatten() {
            if !self.default_add.contains(c) && !self.allowed.contains(c) {
                errs.push(FieldError::invalid(
                    &format!("{path}.add"),
                    quoted(c),
                    "capability may not be added",
                ));
            }
        }
        let drops = caps.drop.as_deref().unwrap_or(&[]);
        for required in &self.required_drop {
            if !drops.contains(required) {
                errs.push(FieldError::invalid(
                    &format!("{path}.drop"),
                    util::capabilities(caps.drop.as_deref()),
                    &format!("{required} is required to be dropped but was not found"),
                ));
            }
        }
        errs
    }
}

// ---------------------------------------------------------------------------
// sysctls
// ---------------------------------------------------------------------------

/// `SafeSysctlAllowlist` of 1.24: namespaced sysctls that cannot affect other pods.
pub const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];

pub struct Sysctls {
    /// `net.ipv4.ip_unprivileged_port_start` became safe in 1.22 (kubernetes/kubernetes#103326).
    unprivileged_port_start_safe: bool,
    allowed_unsafe: Vec<String>,
    forbidden: Vec<String>,
}

/// A sysctl pattern: an exact name, or a prefix ending in `*`.
fn sysctl_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

impl Sysctls {
    pub fn new(spec: &PodSecurityPolicySpec, minor: u32) -> Self {
        Sysctls {
            unprivileged_port_start_safe: minor >= 22,
            allowed_unsafe: spec.allowed_unsafe_sysctls.clone().unwrap_or_default(),
            forbidden: spec.forbidden_sysctls.clone().unwrap_or_default(),
        }
    }

    /// `mustMatchPatterns.Validate`: forbidden first, then safe, then allowed unsafe.
    pub fn validate(&self, pod: &Pod) -> Vec<FieldError> {
        let sysctls = pod
            .spec
            .as_ref()
            .and_then(|s| s.security_context.as_ref())
            .and_then(|sc| sc.sysctls.as_deref())
            .unwrap_or(&[]);
        let mut errs = Vec::new();
        for (i, s) in sysctls.iter().enumerate() {
            let path = format!("pod.spec.securityContext.sysctls[{i}]");
            if self.forbidden.iter().any(|p| sysctl_matches(p, &s.name)) {
                errs.push(FieldError::forbidden(
                    &path,
                    &format!("sysctl {} is not allowed", quoted(&s.name)),
                ));
            } else if (SAFE_SYSCTLS.contains(&s.name.as_str())
                && (s.name != "net.ipv4.ip_unprivileged_port_start"
                    || self.unprivileged_port_start_safe))
                || self
                    .allowed_unsafe
                    .iter()
                    .any(|p| sysctl_matches(p, &s.name))
            {
                continue;
            } else {
                errs.push(FieldError::forbidden(
                    &path,
                    &format!("unsafe sysctl {} is not allowed", quoted(&s.name)),
                ));
            }
        }
        errs
    }
}

// ---------------------------------------------------------------------------
// AppArmor (annotations)
// ---------------------------------------------------------------------------

pub const APPARMOR_ALLOWED_PROFILES: &str =
    "apparmor.security.beta.kubernetes.io/allowedProfileNames";
pub const APPARMOR_DEFAULT_PROFILE: &str =
    "apparmor.security.beta.kubernetes.io/defaultProfileName";
pub const APPARMOR_CONTAINER_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

pub struct AppArmor {
    default_profile: String,
    /// `None`: the policy does not restrict profiles.
    allowed: Option<BTreeSet<String>>,
    allowed_string: String,
}

impl AppArmor {
    pub fn new(psp_annotations: &BTreeMap<String, String>) -> Self {
        let allowed = psp_annotations
            .get(APPARMOR_ALLOWED_PROFILES)
            .map(|a| a.split(',').map(String::from).collect());
        AppArmor {
            default_profile: psp_annotations
                .get(APPARMOR_DEFAULT_PROFILE)
                .cloned()
                .unwrap_or_default(),
            allowed,
            allowed_string: psp_annotations
                .get(APPARMOR_ALLOWED_PROFILES)
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// `Generate`: the default profile for a container that names none.
    pub fn generate(&self, annotations: &mut Option<BTreeMap<String, String>>, container: &str) {
        let key = format!("{APPARMOR_CONTAINER_PREFIX}{container}");
        let set = annotations
            .as_ref()
            .and_then(|a| a.get(&key))
            .is_some_and(|v| !v.is_empty());
        if set || self.default_profile.is_empty() {
            return;
        }
        annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(key, self.default_profile.clone());
    }

    pub fn validate(&self, pod: &Pod, container: &str) -> Vec<FieldError> {
        let Some(allowed) = &self.allowed else {
            return vec![];
        };
        let key = format!("{APPARMOR_CONTAINER_PREFIX}{container}");
        let path = format!("pod.metadata.annotations[{key}]");
        let profile = annotation(pod, &key).unwrap_or("");
        if profile.is_empty() {
            if !allowed.is_empty() {
                return vec![FieldError::forbidden(&path, "AppArmor profile must be set")];
            }
            return vec![];
        }
        if !allowed.contains(profile) {
            return vec![FieldError::forbidden(
                &path,
                &format!(
                    "{profile} is not an allowed profile. Allowed values: {}",
                    quoted(&self.allowed_string)
                ),
            )];
        }
        vec![]
    }
}

fn annotation<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

// ---------------------------------------------------------------------------
// seccomp (annotations and fields)
// ---------------------------------------------------------------------------

pub const SECCOMP_ALLOWED_PROFILES: &str =
    "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
pub const SECCOMP_DEFAULT_PROFILE: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
pub const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
pub const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

pub struct Seccomp {
    default_profile: String,
    /// `None` when the policy has no allowed-profiles annotation.
    allowed: Option<BTreeSet<String>>,
    allowed_string: String,
    allow_any: bool,
}

/// `podutil.SeccompAnnotationForField`: the annotation value a `seccompProfile` field stands
/// for (empty for a Localhost type without a profile, or an unknown type).
pub fn seccomp_annotation_for_field(f: &SeccompProfile) -> String {
    match f.type_.as_str() {
        "Unconfined" => "unconfined".into(),
        "RuntimeDefault" => "runtime/default".into(),
        "Localhost" => f
            .localhost_profile
            .as_ref()
            .map(|p| format!("localhost/{p}"))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

impl Seccomp {
    pub fn new(psp_annotations: &BTreeMap<String, String>) -> Self {
        let mut allow_any = false;
        let allowed = psp_annotations.get(SECCOMP_ALLOWED_PROFILES).map(|a| {
            let mut set = BTreeSet::new();
            for p in a.split(',') {
                if p == "*" {
                    allow_any = true;
                } else {
                    set.insert(p.to_string());
                }
            }
            set
        });
        Seccomp {
            default_profile: psp_annotations
                .get(SECCOMP_DEFAULT_PROFILE)
                .cloned()
                .unwrap_or_default(),
            allowed,
            allowed_string: psp_annotations
                .get(SECCOMP_ALLOWED_PROFILES)
                .cloned()
                .unwrap_or_default(),
            allow_any,
        }
    }

    fn allowed_len(&self) -> usize {
        self.allowed.as_ref().map_or(0, BTreeSet::len)
    }

    /// `Generate`: the pod's annotation, else its field's equivalent, else the policy default.
    pub fn generate(&self, pod: &Pod) -> String {
        if let Some(p) = annotation(pod, SECCOMP_POD_ANNOTATION).filter(|p| !p.is_empty()) {
            return p.to_string();
        }
        if let Some(f) = pod_field(pod) {
            return seccomp_annotation_for_field(f);
        }
        self.default_profile.clone()
    }

    fn check(&self, path: &str, profile: &str) -> Vec<FieldError> {
        if !self.allow_any && self.allowed_len() == 0 && !profile.is_empty() {
            return vec![FieldError::forbidden(path, "seccomp may not be set")];
        }
        let allowed = (self.allowed_len() == 0 && profile.is_empty())
            || self.allow_any
            || self.allowed.as_ref().is_some_and(|a| a.contains(profile));
        if allowed {
            return vec![];
        }
        vec![FieldError::forbidden(
            path,
            &format!(
                "{profile} is not an allowed seccomp profile. Valid values are {}",
                self.allowed_string
            ),
        )]
    }

    pub fn validate_pod(&self, pod: &Pod) -> Vec<FieldError> {
        let path = format!("pod.metadata.annotations[{SECCOMP_POD_ANNOTATION}]");
        self.check(&path, &pod_profile(pod))
    }

    pub fn validate_container(&self, pod: &Pod, container: &Container) -> Vec<FieldError> {
        let path = format!(
            "pod.metadata.annotations[{SECCOMP_CONTAINER_PREFIX}{}]",
            container.name
        );
        self.check(&path, &container_profile(pod, container))
    }
}

fn pod_field(pod: &Pod) -> Option<&SeccompProfile> {
    pod.spec
        .as_ref()
        .and_then(|s| s.security_context.as_ref())
        .and_then(|sc| sc.seccomp_profile.as_ref())
}

/// The pod's profile: its annotation, or else its field.
fn pod_profile(pod: &Pod) -> String {
    let ann = annotation(pod, SECCOMP_POD_ANNOTATION).unwrap_or("");
    if ann.is_empty() {
        if let Some(f) = pod_field(pod) {
            return seccomp_annotation_for_field(f);
        }
    }
    ann.to_string()
}

/// `profileForContainer`: the container's field, its annotation, the pod's field, the pod's
/// annotation, in that order.
fn container_profile(pod: &Pod, container: &Container) -> String {
    if let Some(f) = container
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
    {
        return seccomp_annotation_for_field(f);
    }
    let key = format!("{SECCOMP_CONTAINER_PREFIX}{}", container.name);
    if let Some(p) = annotation(pod, &key) {
        return p.to_string();
    }
    if let Some(f) = pod_field(pod) {
        return seccomp_annotation_for_field(f);
    }
    annotation(pod, SECCOMP_POD_ANNOTATION)
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selinux_levels_compare_categories_in_any_order() {
        assert!(equal_levels("s0:c6,c0", "s0:c0,c6"));
        assert!(!equal_levels("s0:c6,c0", "s1:c0,c6"));
        assert!(!equal_levels("s0", "s0:c0"));
    }

    #[test]
    fn unknown_rules_are_refused_like_the_factory() {
        let opts = RunAsStrategyOptions {
            rule: "Sometimes".into(),
            ranges: None,
        };
        assert_eq!(
            RunAsUser::new(&opts).err().as_deref(),
            Some("Unrecognized RunAsUser strategy type Sometimes")
        );
        let must = RunAsStrategyOptions {
            rule: "MustRunAs".into(),
            ranges: None,
        };
        assert!(Group::new(Some(&must), "FSGroup").is_err());
        assert!(matches!(
            Group::new(None, "RunAsGroup"),
            Ok(Group::RunAsAny)
        ));
    }

    #[test]
    fn a_missing_required_drop_names_the_drop_list() {
        // Only reachable where defaults may not be filled in (validation of an update).
        let spec = PodSecurityPolicySpec {
            required_drop_capabilities: Some(vec!["ALL".into()]),
            ..Default::default()
        };
        let s = CapabilitiesStrategy::new(&spec);
        let caps = Capabilities {
            add: None,
            drop: Some(vec!["NET_RAW".into()]),
        };
        let errs: Vec<String> = s
            .validate(
                "spec.containers[0].securityContext.capabilities",
                Some(&caps),
            )
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errs, ["spec.containers[0].securityContext.capabilities.drop: Invalid value: []core.Capability{\"NET_RAW\"}: ALL is required to be dropped but was not found"]);
        let errs: Vec<String> = s
            .validate("spec.containers[0].securityContext.capabilities", None)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errs, ["spec.containers[0].securityContext.capabilities: Invalid value: \"null\": required capabilities are not set on the securityContext"]);
    }

    #[test]
    fn capabilities_generate_sorted_adds_and_drops() {
        let spec = PodSecurityPolicySpec {
            default_add_capabilities: Some(vec!["NET_ADMIN".into(), "CHOWN".into()]),
            required_drop_capabilities: Some(vec!["ALL".into()]),
            ..Default::default()
        };
        let s = CapabilitiesStrategy::new(&spec);
        let mine = Capabilities {
            add: None,
            drop: Some(vec!["CHOWN".into()]),
        };
        assert_eq!(
            s.generate(Some(&mine)),
            Some(Capabilities {
                add: Some(vec!["NET_ADMIN".into()]),
                drop: Some(vec!["ALL".into(), "CHOWN".into()]),
            })
        );
        let already = Capabilities {
            add: Some(vec!["CHOWN".into(), "NET_ADMIN".into()]),
            drop: Some(vec!["ALL".into()]),
        };
        assert_eq!(s.generate(Some(&already)), Some(already.clone()));
    }
}
