//! Levels, versions and policies, the namespace labels that choose them, and the plugin's
//! PodSecurityConfiguration (defaults and exemptions).
//!
//! Follows `api/constants.go` and `api/helpers.go` (ParseLevel, ParseVersion, CompareLevels,
//! PolicyToEvaluate, Policy.Equivalent / FullyPrivileged) and `admission/api/` (the
//! PodSecurityConfiguration types, their defaulting and `validation/validation.go`) in
//! kubernetes/pod-security-admission.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::labels::go_quote;
use crate::status::FieldError;

pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
pub const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
pub const AUDIT_LABEL: &str = "pod-security.kubernetes.io/audit";
pub const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";
pub const WARN_LABEL: &str = "pod-security.kubernetes.io/warn";
pub const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }

    /// `ParseLevel`: an unknown level is an error, and evaluates as `restricted`.
    pub fn parse(s: &str) -> Result<Level, (Level, String)> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err((
                Level::Restricted,
                "must be one of privileged, baseline, restricted".to_string(),
            )),
        }
    }

    fn strictness(self) -> u8 {
        match self {
            Level::Privileged => 0,
            Level::Baseline => 1,
            Level::Restricted => 2,
        }
    }

    /// `CompareLevels`: -1, 0 or 1 as `self` is less, as, or more strict than `other`.
    pub fn compare(self, other: Level) -> i8 {
        match self.strictness().cmp(&other.strictness()) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy version: `latest` or `v1.<minor>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    Latest,
    V1(u64),
}

impl Version {
    /// `ParseVersion`: `latest` or `v1.x` (no leading zeros); anything else is an error and
    /// evaluates as `latest`.
    pub fn parse(s: &str) -> Result<Version, (Version, String)> {
        let err = || {
            (
                Version::Latest,
                "must be \"latest\" or \"v1.x\"".to_string(),
            )
        };
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let Some(digits) = s.strip_prefix("v1.") else {
            return Err(err());
        };
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return Err(err());
        }
        // strconv.Atoi: an int64 overflow is an error.
        match digits.parse::<u64>() {
            Ok(n) if i64::try_from(n).is_ok() => Ok(Version::V1(n)),
            _ => Err(err()),
        }
    }

    /// The policy minor version this evaluates as on a cluster of minor version `cluster`:
    /// `latest`, and versions newer than the cluster's checks, mean the cluster's own version.
    pub fn effective(self, cluster: u32) -> u32 {
        match self {
            Version::Latest => cluster,
            Version::V1(n) => u32::try_from(n).unwrap_or(u32::MAX).min(cluster),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(n) => write!(f, "v1.{n}"),
        }
    }
}

/// A level at a version: `restricted:latest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    pub level: Level,
    pub version: Version,
}

impl LevelVersion {
    pub const PRIVILEGED: LevelVersion = LevelVersion {
        level: Level::Privileged,
        version: Version::Latest,
    };

    /// Both privileged, or the same level and version.
    fn equivalent(&self, other: &LevelVersion) -> bool {
        (self.level == Level::Privileged && other.level == Level::Privileged) || self == other
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// What a namespace enforces, audits and warns about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub enforce: LevelVersion,
    pub audit: LevelVersion,
    pub warn: LevelVersion,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            enforce: LevelVersion::PRIVILEGED,
            audit: LevelVersion::PRIVILEGED,
            warn: LevelVersion::PRIVILEGED,
        }
    }
}

impl Policy {
    pub fn fully_privileged(&self) -> bool {
        self.enforce.level == Level::Privileged
            && self.audit.level == Level::Privileged
            && self.warn.level == Level::Privileged
    }

    pub fn equivalent(&self, other: &Policy) -> bool {
        self.enforce.equivalent(&other.enforce)
            && self.audit.equivalent(&other.audit)
            && self.warn.equivalent(&other.warn)
    }
}

fn label_error(label: &str, value: &str, detail: String) -> FieldError {
    FieldError::invalid(
        &format!("metadata.labels[{label}]"),
        go_quote(value),
        &detail,
    )
}

/// `PolicyToEvaluate`: the namespace's labels over the configured defaults. A policy is always
/// returned, with the errors of the labels that did not parse (bad enforce levels evaluate as
/// `restricted`, bad audit and warn levels as `privileged`, bad versions as `latest`). From
/// 1.26 an explicit enforce level stricter than the warn level also raises the warn level.
pub fn policy_to_evaluate(
    labels: Option<&BTreeMap<String, String>>,
    defaults: Policy,
    minor: u32,
) -> (Policy, Vec<FieldError>) {
    let mut p = defaults;
    let mut errs = Vec::new();
    let Some(labels) = labels.filter(|l| !l.is_empty()) else {
        return (p, errs);
    };
    let mut has_enforce_level = false;
    if let Some(v) = labels.get(ENFORCE_LABEL) {
        match Level::parse(v) {
            Ok(l) => {
                p.enforce.level = l;
                has_enforce_level = true;
            }
            Err((l, e)) => {
                p.enforce.level = l;
                errs.push(label_error(ENFORCE_LABEL, v, e));
            }
        }
    }
    if let Some(v) = labels.get(ENFORCE_VERSION_LABEL) {
        p.enforce.version = Version::parse(v).unwrap_or_else(|(ver, e)| {
            errs.push(label_error(ENFORCE_VERSION_LABEL, v, e));
            ver
        });
    }
    if let Some(v) = labels.get(AUDIT_LABEL) {
        p.audit.level = Level::parse(v).unwrap_or_else(|(_, e)| {
            errs.push(label_error(AUDIT_LABEL, v, e));
            Level::Privileged
        });
    }
    if let Some(v) = labels.get(AUDIT_VERSION_LABEL) {
        p.audit.version = Version::parse(v).unwrap_or_else(|(ver, e)| {
            errs.push(label_error(AUDIT_VERSION_LABEL, v, e));
            ver
        });
    }
    let has_warn_level = labels.contains_key(WARN_LABEL);
    if let Some(v) = labels.get(WARN_LABEL) {
        p.warn.level = Level::parse(v).unwrap_or_else(|(_, e)| {
            errs.push(label_error(WARN_LABEL, v, e));
            Level::Privileged
        });
    }
    let has_warn_version = labels.contains_key(WARN_VERSION_LABEL);
    if let Some(v) = labels.get(WARN_VERSION_LABEL) {
        p.warn.version = Version::parse(v).unwrap_or_else(|(ver, e)| {
            errs.push(label_error(WARN_VERSION_LABEL, v, e));
            ver
        });
    }
    if minor >= 26
        && !has_warn_level
        && has_enforce_level
        && p.enforce.level.compare(p.warn.level) > 0
    {
        p.warn.level = p.enforce.level;
        if !has_warn_version {
            p.warn.version = p.enforce.version;
        }
    }
    (p, errs)
}

/// The plugin's configuration: cluster-wide defaults and exemptions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub defaults: Policy,
    pub usernames: Vec<String>,
    pub namespaces: Vec<String>,
    pub runtime_classes: Vec<String>,
}

const CONFIG_GROUP: &str = "pod-security.admission.config.k8s.io";

impl Config {
    /// Reads the `configuration` of the AdmissionConfiguration's PodSecurity entry (absent:
    /// the built-in defaults, everything privileged at `latest`, no exemptions). An error is
    /// what would keep kube-apiserver from starting.
    pub fn from_value(v: Option<&Value>, minor: u32) -> Result<Config, String> {
        let v = match v {
            None | Some(Value::Null) => return Ok(Config::default()),
            Some(v) => v,
        };
        let Value::Object(map) = v else {
            return Err("PodSecurity configuration must be an object".into());
        };
        let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
        if api_version.is_empty() {
            return Err("Object 'apiVersion' is missing in configuration".into());
        }
        if kind.is_empty() {
            return Err("Object 'Kind' is missing in configuration".into());
        }
        // v1alpha1 since 1.22, v1beta1 since 1.23, v1 since 1.25.
        let served = match api_version
            .strip_prefix(CONFIG_GROUP)
            .and_then(|r| r.strip_prefix('/'))
        {
            Some("v1alpha1") => true,
            Some("v1beta1") => minor >= 23,
            Some("v1") => minor >= 25,
            _ => false,
        };
        if !served || kind != "PodSecurityConfiguration" {
            return Err(format!(
                "no kind {kind:?} is registered for version {api_version:?} in scheme \"k8s.io/pod-security-admission/admission/api/scheme/scheme.go\""
            ));
        }
        let mut problems = Vec::new();
        let mut defaults = BTreeMap::new();
        let mut exemptions: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (key, val) in map {
            match key.as_str() {
                "apiVersion" | "kind" => {}
                "defaults" => {
                    if let Value::Object(d) = val {
                        for (k, dv) in d {
                            match k.as_str() {
                                "enforce" | "enforce-version" | "audit" | "audit-version"
                                | "warn" | "warn-version" => {
                                    defaults
                                        .insert(k.clone(), dv.as_str().unwrap_or("").to_string());
                                }
                                other => {
                                    problems.push(format!("unknown field \"defaults.{other}\""))
                                }
                            }
                        }
                    } else if !val.is_null() {
                        problems.push("defaults must be an object".into());
                    }
                }
                "exemptions" => {
                    if let Value::Object(e) = val {
                        for (k, ev) in e {
                            let field = match k.as_str() {
                                "usernames" => "usernames",
                                "namespaces" => "namespaces",
                                "runtimeClasses" => "runtimeClasses",
                                other => {
                                    problems.push(format!("unknown field \"exemptions.{other}\""));
                                    continue;
                                }
                            };
                            let list = ev
                                .as_array()
                                .map(|l| {
                                    l.iter()
                                        .map(|s| s.as_str().unwrap_or("").to_string())
                                        .collect()
                                })
                                .unwrap_or_default();
                            exemptions.insert(field, list);
                        }
                    } else if !val.is_null() {
                        problems.push("exemptions must be an object".into());
                    }
                }
                other => problems.push(format!("unknown field {other:?}")),
            }
        }
        if !problems.is_empty() {
            return Err(format!("strict decoding error: {}", problems.join(", ")));
        }
        // SetDefaults_PodSecurityDefaults, then ValidatePodSecurityConfiguration.
        let get = |k: &str, d: &str| {
            defaults
                .get(k)
                .filter(|v| !v.is_empty())
                .cloned()
                .unwrap_or_else(|| d.to_string())
        };
        let mut errs: Vec<String> = Vec::new();
        let mut level = |k: &str| {
            let v = get(k, "privileged");
            Level::parse(&v).unwrap_or_else(|(l, e)| {
                errs.push(format!(
                    "defaults.{k}: Invalid value: {}: {e}",
                    go_quote(&v)
                ));
                l
            })
        };
        let enforce_level = level("enforce");
        let warn_level = level("warn");
        let audit_level = level("audit");
        let mut version = |k: &str| {
            let v = get(k, "latest");
            Version::parse(&v).unwrap_or_else(|(ver, e)| {
                errs.push(format!(
                    "defaults.{k}: Invalid value: {}: {e}",
                    go_quote(&v)
                ));
                ver
            })
        };
        let enforce_version = version("enforce-version");
        let warn_version = version("warn-version");
        let audit_version = version("audit-version");
        let namespaces = exemptions.remove("namespaces").unwrap_or_default();
        let runtime_classes = exemptions.remove("runtimeClasses").unwrap_or_default();
        let usernames = exemptions.remove("usernames").unwrap_or_default();
        check_list(&mut errs, "namespaces", &namespaces, |s| {
            (!is_dns_label(s)).then(crate::validation::label_message)
        });
        check_list(&mut errs, "runtimeClasses", &runtime_classes, |s| {
            (!is_dns_subdomain(s)).then(crate::validation::subdomain_message)
        });
        check_list(&mut errs, "usernames", &usernames, |s| {
            s.is_empty()
                .then(|| "username must not be empty".to_string())
        });
        match errs.len() {
            0 => {}
            1 => return Err(format!("PodSecurity invalid: {}", errs[0])),
            _ => return Err(format!("PodSecurity invalid: [{}]", errs.join(", "))),
        }
        Ok(Config {
            defaults: Policy {
                enforce: LevelVersion {
                    level: enforce_level,
                    version: enforce_version,
                },
                audit: LevelVersion {
                    level: audit_level,
                    version: audit_version,
                },
                warn: LevelVersion {
                    level: warn_level,
                    version: warn_version,
                },
            },
            usernames,
            namespaces,
            runtime_classes,
        })
    }

    pub fn exempt_namespace(&self, ns: &str) -> bool {
        !ns.is_empty() && self.namespaces.iter().any(|n| n == ns)
    }

    pub fn exempt_user(&self, user: &str) -> bool {
        !user.is_empty() && self.usernames.iter().any(|n| n == user)
    }

    pub fn exempt_runtime_class(&self, rc: Option<&str>) -> bool {
        rc.is_some_and(|rc| !rc.is_empty() && self.runtime_classes.iter().any(|n| n == rc))
    }
}

fn check_list(
    errs: &mut Vec<String>,
    field: &str,
    items: &[String],
    invalid: impl Fn(&str) -> Option<String>,
) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(msg) = invalid(item) {
            errs.push(format!(
                "exemptions.{field}[{i}]: Invalid value: {}: {msg}",
                go_quote(item)
            ));
        } else if seen.contains(&item.as_str()) {
            errs.push(format!(
                "exemptions.{field}[{i}]: Duplicate value: {}",
                go_quote(item)
            ));
        } else {
            seen.push(item);
        }
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}
