//! What the UI draws, derived from the final cluster: nodes with their capacity bars and pods,
//! and the pods still waiting for a node. The UI renders these and computes nothing itself.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::printers::{node_roles, pod_ready, pod_status};
use crate::scheduler::{self, Attempt};
use crate::store::ObjRef;
use crate::taints::taint_to_string;

/// Used against available, in the resource's unit (millicores for cpu, bytes, pods).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub used: i64,
    pub total: i64,
}

impl Usage {
    /// Fraction used, 0.0..=1.0 (over-committed nodes clamp to 1).
    pub fn fraction(&self) -> f64 {
        if self.total <= 0 {
            return 0.0;
        }
        (self.used as f64 / self.total as f64).clamp(0.0, 1.0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodView {
    pub namespace: String,
    pub name: String,
    /// kubectl's STATUS column: Running, Pending, ContainerCreating, Terminating…
    pub status: String,
    pub ready: String,
    pub node: Option<String>,
    pub ip: Option<String>,
    /// Why it is Pending: the PodScheduled condition's message.
    pub message: Option<String>,
    pub cpu_milli: i64,
    pub memory_bytes: i64,
    /// The kind of the pod's controller (ReplicaSet, StatefulSet…), if any.
    pub owner: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    pub name: String,
    pub roles: Vec<String>,
    /// Ready, NotReady, with `,SchedulingDisabled` when cordoned.
    pub status: String,
    pub labels: BTreeMap<String, String>,
    /// Taints as `key=value:Effect`.
    pub taints: Vec<String>,
    pub cpu: Usage,
    pub memory: Usage,
    pub pods: Usage,
    pub pod_list: Vec<PodView>,
}

fn pod_view(p: &k8s_openapi::api::core::v1::Pod) -> PodView {
    let r = scheduler::PodInfo::new(p).requests;
    let message = p
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        })
        .and_then(|c| c.message.clone());
    PodView {
        namespace: p.metadata.namespace.clone().unwrap_or_default(),
        name: p.metadata.name.clone().unwrap_or_default(),
        status: pod_status(p),
        ready: pod_ready(p),
        node: p.spec.as_ref().and_then(|s| s.node_name.clone()),
        ip: p.status.as_ref().and_then(|s| s.pod_ip.clone()),
        message,
        cpu_milli: r.milli_cpu,
        memory_bytes: r.memory,
        owner: p
            .metadata
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|o| o.controller == Some(true)))
            .map(|o| o.kind.clone()),
        labels: p.metadata.labels.clone().unwrap_or_default(),
    }
}

/// Every node, in name order, with its pods.
pub fn nodes(c: &Cluster) -> Vec<NodeView> {
    let infos = scheduler::snapshot(&c.store);
    infos
        .iter()
        .map(|n| {
            let pod_list: Vec<PodView> = n
                .pods
                .iter()
                .filter_map(|r| c.store.get(r).and_then(|s| s.obj.as_pod()))
                .map(pod_view)
                .collect();
            NodeView {
                name: n.name.clone(),
                roles: node_roles(&n.node),
                status: crate::printers::node_status(&n.node),
                labels: n.labels.clone(),
                taints: n.taints.iter().map(taint_to_string).collect(),
                cpu: Usage {
                    used: n.requested.milli_cpu,
                    total: n.allocatable.milli_cpu,
                },
                memory: Usage {
                    used: n.requested.memory,
                    total: n.allocatable.memory,
                },
                pods: Usage {
                    used: i64::try_from(n.pods.len()).unwrap_or(i64::MAX),
                    total: n.allocatable.allowed_pod_number,
                },
                pod_list,
            }
        })
        .collect()
}

/// Pods without a node.
pub fn pending(c: &Cluster) -> Vec<PodView> {
    c.store
        .list("Pod")
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_none())
        .map(pod_view)
        .collect()
}

/// The last scheduling attempt for a pod: the "why here?" table.
pub fn last_attempt<'a>(c: &'a Cluster, pod: &ObjRef) -> Option<&'a Attempt> {
    c.attempts.iter().rev().find(|a| &a.pod == pod)
}

/// Whether the scheduler chose a node for the pod and its binding waits for the pod's
/// WaitForFirstConsumer claims (VolumeBinding's PreBind).
pub fn binding_waits_for_volumes(c: &Cluster, namespace: &str, name: &str) -> bool {
    c.waiting_on_volumes
        .contains_key(&ObjRef::new("Pod", namespace, name))
}

/// What a pod that is not running yet waits on, besides the scheduler: its own warnings (a
/// `FailedAttachVolume`), and the last warning of each of its claims that is not bound (a
/// `ProvisioningFailed`), as `<reason>: <message>` lines, the claim's as
/// `persistentvolumeclaim/<name> <reason>: <message>`.
pub fn waiting_on(c: &Cluster, namespace: &str, name: &str) -> Vec<String> {
    let pod_ref = ObjRef::new("Pod", namespace, name);
    let Some(pod) = c.store.get(&pod_ref).and_then(|s| s.obj.as_pod()) else {
        return Vec::new();
    };
    if pod.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Pending") {
        return Vec::new();
    }
    let warnings = |r: &ObjRef| {
        c.store
            .events
            .iter()
            .filter(|e| &e.involved_object == r && e.type_ == "Warning")
            .filter(|e| e.reason != "FailedScheduling")
            .collect::<Vec<_>>()
    };
    let mut out: Vec<String> = warnings(&pod_ref)
        .iter()
        .map(|e| format!("{}: {}", e.reason, e.message))
        .collect();
    let claims = pod
        .spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref());
    for src in claims {
        let r = ObjRef::new("PersistentVolumeClaim", namespace, &src.claim_name);
        let bound = matches!(
            c.store.get(&r).map(|s| &s.obj),
            Some(Object::PersistentVolumeClaim(p))
                if p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
        );
        if let (false, Some(e)) = (bound, warnings(&r).last()) {
            out.push(format!(
                "persistentvolumeclaim/{} {}: {}",
                src.claim_name, e.reason, e.message
            ));
        }
    }
    out
}

/// One resource of a ResourceQuota: `kubectl describe quota`'s Resource / Used / Hard row
/// (`k8s.io/kubectl/pkg/describe/describe.go`, `describeQuota`), with how full it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaResource {
    pub resource: String,
    pub used: String,
    pub hard: String,
    /// used / hard, 0.0..=1.0 (a hard limit of zero counts as full).
    pub fraction: f64,
    /// `ok`, `near` (80 % or more) or `full` (nothing more fits).
    pub level: &'static str,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaView {
    pub name: String,
    /// `spec.scopes` and the scope selector's scope names.
    pub scopes: Vec<String>,
    pub resources: Vec<QuotaResource>,
}

/// One row of `kubectl describe limitrange` (`describeLimitRangeSpec`): a resource of one
/// limit type, `-` where the LimitRange sets nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitRow {
    /// `Container`, `Pod` or `PersistentVolumeClaim`.
    pub type_: String,
    pub resource: String,
    pub min: String,
    pub max: String,
    pub default_request: String,
    pub default_limit: String,
    pub max_limit_request_ratio: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitRangeView {
    pub name: String,
    pub rows: Vec<LimitRow>,
}

/// A Pod Security admission mode of a namespace: its level and version, from the namespace's
/// `pod-security.kubernetes.io/<mode>` and `<mode>-version` labels or else the plugin's
/// defaults (`k8s.io/pod-security-admission/api/constants.go`, `helpers.go`
/// PolicyToEvaluate).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityMode {
    /// `enforce`, `audit` or `warn`.
    pub mode: &'static str,
    pub level: String,
    pub version: String,
    /// Whether the namespace's labels set it (else it is the plugin's default).
    pub labelled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceView {
    pub name: String,
    /// `Active` or `Terminating`.
    pub phase: String,
    pub pods: usize,
    pub quotas: Vec<QuotaView>,
    pub limit_ranges: Vec<LimitRangeView>,
    pub pod_security: Vec<PodSecurityMode>,
    /// Listed in the PodSecurity configuration's `exemptions.namespaces`.
    pub pod_security_exempt: bool,
}

impl NamespaceView {
    /// Whether anything constrains the namespace's pods (a quota, a LimitRange, a Pod
    /// Security level other than privileged).
    pub fn has_policy(&self) -> bool {
        !self.quotas.is_empty()
            || !self.limit_ranges.is_empty()
            || self
                .pod_security
                .iter()
                .any(|m| m.labelled || m.level != "privileged")
    }
}

const BOOTSTRAP_NAMESPACES: [&str; 4] =
    ["default", "kube-node-lease", "kube-public", "kube-system"];

/// A quantity as the API server returns it (canonical form: `0.5` reads back as `500m`).
fn canonical(s: &str) -> String {
    crate::quantity::Quantity::parse(s)
        .map(|q| q.canonical_string())
        .unwrap_or_else(|_| s.to_string())
}

fn quantity_fraction(used: &str, hard: &str) -> f64 {
    let parse = |s: &str| crate::quantity::Quantity::parse(s).ok().map(|q| q.as_f64());
    let used = parse(used).unwrap_or(0.0);
    match parse(hard) {
        Some(h) if h > 0.0 && (used / h).is_finite() => (used / h).clamp(0.0, 1.0),
        // A hard limit of 0 (or one that does not parse) leaves no room.
        _ => 1.0,
    }
}

fn quota_level(fraction: f64) -> &'static str {
    if fraction >= 1.0 {
        "full"
    } else if fraction >= 0.8 {
        "near"
    } else {
        "ok"
    }
}

fn quota_view(q: &k8s_openapi::api::core::v1::ResourceQuota) -> QuotaView {
    let spec = q.spec.clone().unwrap_or_default();
    let status = q.status.clone().unwrap_or_default();
    // The controller copies spec.hard into status.hard once it has synced the quota.
    let hard = status
        .hard
        .filter(|h| !h.is_empty())
        .or(spec.hard)
        .unwrap_or_default();
    let used = status.used.unwrap_or_default();
    let resources = hard
        .iter()
        .map(|(resource, h)| {
            let u = used.get(resource).map_or("0", |u| u.0.as_str());
            let fraction = quantity_fraction(u, &h.0);
            QuotaResource {
                resource: resource.clone(),
                used: canonical(u),
                hard: canonical(&h.0),
                fraction,
                level: quota_level(fraction),
            }
        })
        .collect();
    let mut scopes = spec.scopes.unwrap_or_default();
    if let Some(sel) = spec.scope_selector {
        for e in sel.match_expressions.unwrap_or_default() {
            if !scopes.contains(&e.scope_name) {
                scopes.push(e.scope_name);
            }
        }
    }
    QuotaView {
        name: q.metadata.name.clone().unwrap_or_default(),
        scopes,
        resources,
    }
}

fn limit_range_view(lr: &k8s_openapi::api::core::v1::LimitRange) -> LimitRangeView {
    let mut rows = Vec::new();
    let items = lr
        .spec
        .as_ref()
        .map(|s| s.limits.clone())
        .unwrap_or_default();
    for item in items {
        let lists = [
            item.min.unwrap_or_default(),
            item.max.unwrap_or_default(),
            item.default_request.unwrap_or_default(),
            item.default.unwrap_or_default(),
            item.max_limit_request_ratio.unwrap_or_default(),
        ];
        let mut resources: Vec<&String> = lists.iter().flat_map(|l| l.keys()).collect();
        resources.sort();
        resources.dedup();
        for resource in resources {
            let cell = |i: usize| {
                lists
                    .get(i)
                    .and_then(|l| l.get(resource))
                    .map_or_else(|| "-".to_string(), |q| canonical(&q.0))
            };
            rows.push(LimitRow {
                type_: item.type_.clone(),
                resource: resource.clone(),
                min: cell(0),
                max: cell(1),
                default_request: cell(2),
                default_limit: cell(3),
                max_limit_request_ratio: cell(4),
            });
        }
    }
    LimitRangeView {
        name: lr.metadata.name.clone().unwrap_or_default(),
        rows,
    }
}

/// The namespace's Pod Security modes: its labels, else the PodSecurity configuration's
/// `defaults` (from the scenario's AdmissionConfiguration), else `privileged` at `latest`.
fn pod_security_modes(
    labels: &BTreeMap<String, String>,
    defaults: Option<&serde_json::Value>,
) -> Vec<PodSecurityMode> {
    const PREFIX: &str = "pod-security.kubernetes.io/";
    ["enforce", "audit", "warn"]
        .into_iter()
        .map(|mode| {
            let version_key = format!("{mode}-version");
            let default = |key: &str, fallback: &str| {
                defaults
                    .and_then(|d| d.get(key))
                    .and_then(serde_json::Value::as_str)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(fallback)
                    .to_string()
            };
            let level = labels.get(&format!("{PREFIX}{mode}"));
            let version = labels.get(&format!("{PREFIX}{version_key}"));
            PodSecurityMode {
                mode,
                labelled: level.is_some() || version.is_some(),
                level: level
                    .cloned()
                    .unwrap_or_else(|| default(mode, "privileged")),
                version: version
                    .cloned()
                    .unwrap_or_else(|| default(&version_key, "latest")),
            }
        })
        .collect()
}

/// Every namespace with what limits its pods: ResourceQuotas as used / hard, LimitRanges as
/// `kubectl describe limitrange` lists them, and the Pod Security levels. The namespaces the
/// cluster starts with are left out unless something constrains them.
pub fn namespaces(c: &Cluster) -> Vec<NamespaceView> {
    // No modes where nothing enforces them: PodSecurity disabled, or before 1.23 (absent until
    // 1.21, behind an alpha feature gate in 1.22).
    let psa_active = c.settings.minor >= 23 && c.chain.iter().any(|r| r.name == "PodSecurity");
    let config = c.settings.admission_config.get("PodSecurity");
    let defaults = config.and_then(|v| v.get("defaults"));
    let exempt: Vec<&str> = config
        .and_then(|v| v.pointer("/exemptions/namespaces"))
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    c.store
        .list("Namespace")
        .filter_map(|s| s.obj.as_namespace())
        .map(|ns| {
            let name = ns.metadata.name.clone().unwrap_or_default();
            let quotas = c
                .store
                .list_ns("ResourceQuota", &name)
                .filter_map(|s| match &s.obj {
                    crate::object::Object::ResourceQuota(q) => Some(quota_view(q)),
                    _ => None,
                })
                .collect();
            let limit_ranges = c
                .store
                .list_ns("LimitRange", &name)
                .filter_map(|s| match &s.obj {
                    crate::object::Object::LimitRange(lr) => Some(limit_range_view(lr)),
                    _ => None,
                })
                .collect();
            let labels = ns.metadata.labels.clone().unwrap_or_default();
            NamespaceView {
                phase: ns
                    .status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_else(|| "Active".into()),
                pods: c.store.list_ns("Pod", &name).count(),
                quotas,
                limit_ranges,
                pod_security: if psa_active {
                    pod_security_modes(&labels, defaults)
                } else {
                    Vec::new()
                },
                pod_security_exempt: exempt.contains(&name.as_str()),
                name,
            }
        })
        .filter(|v| !BOOTSTRAP_NAMESPACES.contains(&v.name.as_str()) || v.has_policy())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{run, Input};

    const TEAM: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: team
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.34
    pod-security.kubernetes.io/warn: restricted
---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: team
spec:
  limits:
  - type: Container
    defaultRequest:
      cpu: 250m
    default:
      cpu: \"0.5\"
    max:
      memory: 1Gi
  - type: Pod
    maxLimitRequestRatio:
      cpu: \"4\"
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: team
spec:
  hard:
    requests.cpu: 300m
    pods: \"4\"
    services: \"0\"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team
spec:
  containers:
  - name: nginx
    image: nginx
";

    fn team() -> NamespaceView {
        let r = run(&[Input::new("s.yaml", TEAM)]);
        namespaces(&r.cluster)
            .into_iter()
            .find(|n| n.name == "team")
            .expect("the team namespace")
    }

    #[test]
    fn quota_bars_show_used_over_hard_with_a_level_per_resource() {
        let ns = team();
        assert_eq!(ns.quotas.len(), 1);
        let rows: Vec<(&str, &str, &str, &str)> = ns.quotas[0]
            .resources
            .iter()
            .map(|r| {
                (
                    r.resource.as_str(),
                    r.used.as_str(),
                    r.hard.as_str(),
                    r.level,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("pods", "1", "4", "ok"),
                ("requests.cpu", "250m", "300m", "near"),
                ("services", "0", "0", "full"),
            ]
        );
        let cpu = &ns.quotas[0].resources[1];
        assert!((cpu.fraction - 250.0 / 300.0).abs() < 1e-9);
    }

    #[test]
    fn quantities_show_in_the_canonical_form_the_api_server_returns() {
        assert_eq!(canonical("0.5"), "500m");
        assert_eq!(canonical("1024Mi"), "1Gi");
        assert_eq!(canonical("not-a-quantity"), "not-a-quantity");
    }

    #[test]
    fn limit_ranges_list_each_resource_of_each_type_as_kubectl_describe_does() {
        let ns = team();
        let rows = &ns.limit_ranges[0].rows;
        let cpu = rows
            .iter()
            .find(|r| r.type_ == "Container" && r.resource == "cpu")
            .expect("container cpu");
        assert_eq!(
            (
                cpu.min.as_str(),
                cpu.max.as_str(),
                cpu.default_request.as_str(),
                cpu.default_limit.as_str(),
                cpu.max_limit_request_ratio.as_str()
            ),
            ("-", "-", "250m", "500m", "-")
        );
        let memory = rows
            .iter()
            .find(|r| r.type_ == "Container" && r.resource == "memory")
            .expect("container memory");
        assert_eq!(memory.max, "1Gi");
        let pod = rows.iter().find(|r| r.type_ == "Pod").expect("pod row");
        assert_eq!(
            (pod.resource.as_str(), pod.max_limit_request_ratio.as_str()),
            ("cpu", "4")
        );
    }

    #[test]
    fn pod_security_modes_come_from_labels_and_otherwise_from_the_defaults() {
        let ns = team();
        let modes: Vec<(&str, &str, &str, bool)> = ns
            .pod_security
            .iter()
            .map(|m| (m.mode, m.level.as_str(), m.version.as_str(), m.labelled))
            .collect();
        assert_eq!(
            modes,
            vec![
                ("enforce", "baseline", "v1.34", true),
                ("audit", "privileged", "latest", false),
                ("warn", "restricted", "latest", true),
            ]
        );
        assert_eq!(ns.pods, 1);
        assert!(!ns.pod_security_exempt);
    }

    #[test]
    fn pod_security_defaults_and_exemptions_come_from_the_admission_configuration() {
        let config = "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
      enforce-version: v1.30
    exemptions:
      namespaces: [kube-system]
";
        let r = run(&[Input::new("s.yaml", config)]);
        let all = namespaces(&r.cluster);
        let default = all.iter().find(|n| n.name == "default").expect("default");
        assert_eq!(default.pod_security[0].level, "baseline");
        assert_eq!(default.pod_security[0].version, "v1.30");
        assert!(!default.pod_security[0].labelled);
        let system = all
            .iter()
            .find(|n| n.name == "kube-system")
            .expect("kube-system");
        assert!(system.pod_security_exempt);
    }

    #[test]
    fn the_bootstrap_namespaces_are_left_out_when_nothing_constrains_them() {
        let r = run(&[Input::new("s.yaml", "")]);
        assert!(namespaces(&r.cluster).is_empty());
    }

    #[test]
    fn a_quota_with_an_unparsable_or_zero_hard_limit_counts_as_full() {
        assert_eq!(quantity_fraction("0", "0"), 1.0);
        assert_eq!(quantity_fraction("1", "x"), 1.0);
        assert_eq!(quantity_fraction("3", "2"), 1.0);
        assert_eq!(quantity_fraction("1Gi", "2Gi"), 0.5);
        assert_eq!(quota_level(0.79), "ok");
        assert_eq!(quota_level(0.8), "near");
        assert_eq!(quota_level(1.0), "full");
    }
}

// ---- Storage and StatefulSets (issue 5) ----

/// One StorageClass in the storage graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageClassView {
    pub name: String,
    pub provisioner: String,
    pub reclaim_policy: String,
    pub volume_binding_mode: String,
    pub allow_volume_expansion: bool,
    pub is_default: bool,
}

/// One PersistentVolume: phase, size, modes, and the claim it is bound to.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeView {
    pub name: String,
    /// Available, Bound, Released, Failed, or Terminating while being deleted.
    pub phase: String,
    pub capacity: String,
    /// RWO, ROX, RWX, RWOP.
    pub access_modes: String,
    pub reclaim_policy: String,
    pub class: String,
    /// `namespace/name` of the claim in `spec.claimRef`.
    pub claim: Option<String>,
    /// The node a volume with node affinity on `kubernetes.io/hostname` lives on.
    pub node: Option<String>,
}

/// One PersistentVolumeClaim, the pods that mount it, and the events that explain its state.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimView {
    pub namespace: String,
    pub name: String,
    /// Pending, Bound, Lost, or Terminating while being deleted.
    pub phase: String,
    pub request: String,
    pub access_modes: String,
    pub class: String,
    pub volume: Option<String>,
    /// `namespace/name` of the pods that mount it.
    pub pods: Vec<String>,
    /// The claim's events (`reason: message`), oldest first: why a Pending claim waits.
    pub events: Vec<String>,
}

/// The storage graph: class → volume ↔ claim ← pod.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageView {
    pub classes: Vec<StorageClassView>,
    pub volumes: Vec<VolumeView>,
    pub claims: Vec<ClaimView>,
}

fn hostname_of_volume(v: &k8s_openapi::api::core::v1::PersistentVolume) -> Option<String> {
    v.spec
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required
        .as_ref()?
        .node_selector_terms
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .find(|e| e.key == "kubernetes.io/hostname" && e.operator == "In")
        .and_then(|e| e.values.as_ref()?.first().cloned())
        .filter(|n| !n.is_empty())
}

/// Everything the storage view draws.
pub fn storage(c: &Cluster) -> StorageView {
    use crate::controllers::persistentvolume::{claim_class, volume_class};
    use crate::object::Object;
    use crate::printers::access_modes;
    let mut view = StorageView::default();
    for s in c.store.list("StorageClass") {
        let Object::StorageClass(sc) = &s.obj else {
            continue;
        };
        let ann = sc.metadata.annotations.as_ref();
        let is_default = ann.is_some_and(|a| {
            a.get("storageclass.kubernetes.io/is-default-class")
                .or_else(|| a.get("storageclass.beta.kubernetes.io/is-default-class"))
                .is_some_and(|v| v == "true")
        });
        view.classes.push(StorageClassView {
            name: sc.metadata.name.clone().unwrap_or_default(),
            provisioner: sc.provisioner.clone(),
            reclaim_policy: sc.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
            volume_binding_mode: sc
                .volume_binding_mode
                .clone()
                .unwrap_or_else(|| "Immediate".into()),
            allow_volume_expansion: sc.allow_volume_expansion.unwrap_or(false),
            is_default,
        });
    }
    let quantity =
        |m: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>| {
            m.and_then(|m| m.get("storage"))
                .map(|q| q.0.clone())
                .unwrap_or_default()
        };
    for s in c.store.list("PersistentVolume") {
        let Object::PersistentVolume(v) = &s.obj else {
            continue;
        };
        let spec = v.spec.clone().unwrap_or_default();
        let phase = if v.metadata.deletion_timestamp.is_some() {
            "Terminating".to_string()
        } else {
            v.status
                .as_ref()
                .and_then(|st| st.phase.clone())
                .unwrap_or_else(|| "Pending".into())
        };
        view.volumes.push(VolumeView {
            name: v.metadata.name.clone().unwrap_or_default(),
            phase,
            capacity: quantity(spec.capacity.as_ref()),
            access_modes: access_modes(spec.access_modes.as_ref()),
            reclaim_policy: spec
                .persistent_volume_reclaim_policy
                .clone()
                .unwrap_or_default(),
            class: volume_class(v),
            claim: spec.claim_ref.as_ref().map(|r| {
                format!(
                    "{}/{}",
                    r.namespace.as_deref().unwrap_or(""),
                    r.name.as_deref().unwrap_or("")
                )
            }),
            node: hostname_of_volume(v),
        });
    }
    for s in c.store.list("PersistentVolumeClaim") {
        let Object::PersistentVolumeClaim(p) = &s.obj else {
            continue;
        };
        let ns = p.metadata.namespace.clone().unwrap_or_default();
        let name = p.metadata.name.clone().unwrap_or_default();
        let spec = p.spec.clone().unwrap_or_default();
        let phase = if p.metadata.deletion_timestamp.is_some() {
            "Terminating".to_string()
        } else {
            p.status
                .as_ref()
                .and_then(|st| st.phase.clone())
                .unwrap_or_else(|| "Pending".into())
        };
        let pods: Vec<String> = c
            .store
            .list_ns("Pod", &ns)
            .filter_map(|s| s.obj.as_pod())
            .filter(|pod| {
                pod.spec
                    .iter()
                    .flat_map(|s| s.volumes.iter().flatten())
                    .filter_map(|v| v.persistent_volume_claim.as_ref())
                    .any(|v| v.claim_name == name)
            })
            .map(|pod| format!("{ns}/{}", pod.metadata.name.as_deref().unwrap_or("")))
            .collect();
        let me = ObjRef::new("PersistentVolumeClaim", &ns, &name);
        let events: Vec<String> = c
            .store
            .events
            .iter()
            .filter(|e| e.involved_object == me)
            .map(|e| format!("{}: {}", e.reason, e.message))
            .collect();
        view.claims.push(ClaimView {
            namespace: ns,
            name,
            phase,
            request: quantity(spec.resources.as_ref().and_then(|r| r.requests.as_ref())),
            access_modes: access_modes(spec.access_modes.as_ref()),
            class: claim_class(p),
            volume: spec.volume_name.clone().filter(|v| !v.is_empty()),
            pods,
            events,
        });
    }
    view
}

/// One replica of a StatefulSet, in ordinal order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaView {
    pub ordinal: i32,
    /// `<set>-<ordinal>`; `pod` is `None` until the controller has created it.
    pub name: String,
    pub pod: Option<PodView>,
    /// `(claim name, phase)` for each volumeClaimTemplate.
    pub claims: Vec<(String, String)>,
    /// `<pod>.<service>.<ns>.svc.cluster.local`, when the set names a governing Service.
    pub dns_name: Option<String>,
}

/// A StatefulSet with its replicas.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetView {
    pub namespace: String,
    pub name: String,
    pub service_name: Option<String>,
    pub pod_management_policy: String,
    /// `spec.replicas` and `status.readyReplicas`.
    pub replicas: i32,
    pub ready: i32,
    pub replica_list: Vec<ReplicaView>,
}

/// Every StatefulSet: the ordinals it wants (from `spec.ordinals.start`) plus any pod of
/// another ordinal it still owns, each with its claims and stable DNS name.
pub fn stateful_sets(c: &Cluster) -> Vec<StatefulSetView> {
    use crate::controllers::statefulset::{
        claim_name, parent_and_ordinal, pod_name, start_ordinal,
    };
    use crate::object::Object;
    let mut out = Vec::new();
    for s in c.store.list("StatefulSet") {
        let Object::StatefulSet(set) = &s.obj else {
            continue;
        };
        let ns = set.metadata.namespace.clone().unwrap_or_default();
        let name = set.metadata.name.clone().unwrap_or_default();
        let uid = set.metadata.uid.clone().unwrap_or_default();
        let spec = set.spec.clone().unwrap_or_default();
        let replicas = spec.replicas.unwrap_or(1).max(0);
        let start = start_ordinal(set, c.settings.minor);
        let service = spec.service_name.clone().filter(|s| !s.is_empty());
        let mut ordinals: Vec<i32> = (start..start.saturating_add(replicas)).take(1000).collect();
        for p in c.store.list_ns("Pod", &ns).filter_map(|s| s.obj.as_pod()) {
            let owned = p
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid);
            if let (true, Some((parent, ord))) = (
                owned,
                p.metadata.name.as_deref().and_then(parent_and_ordinal),
            ) {
                if parent == name && !ordinals.contains(&ord) {
                    ordinals.push(ord);
                }
            }
        }
        ordinals.sort_unstable();
        let replica_list = ordinals
            .into_iter()
            .map(|ordinal| {
                let pname = pod_name(&name, ordinal);
                let pod = c
                    .store
                    .get_obj("Pod", &ns, &pname)
                    .and_then(Object::as_pod)
                    .map(pod_view);
                let claims = spec
                    .volume_claim_templates
                    .iter()
                    .flatten()
                    .map(|t| {
                        let cname =
                            claim_name(t.metadata.name.as_deref().unwrap_or(""), &name, ordinal);
                        let phase = match c.store.get_obj("PersistentVolumeClaim", &ns, &cname) {
                            Some(Object::PersistentVolumeClaim(p))
                                if p.metadata.deletion_timestamp.is_some() =>
                            {
                                "Terminating".to_string()
                            }
                            Some(Object::PersistentVolumeClaim(p)) => p
                                .status
                                .as_ref()
                                .and_then(|s| s.phase.clone())
                                .unwrap_or_else(|| "Pending".into()),
                            _ => "Missing".into(),
                        };
                        (cname, phase)
                    })
                    .collect();
                ReplicaView {
                    ordinal,
                    dns_name: service
                        .as_ref()
                        .map(|svc| format!("{pname}.{svc}.{ns}.svc.{}", crate::dns::ZONE)),
                    name: pname,
                    pod,
                    claims,
                }
            })
            .collect();
        out.push(StatefulSetView {
            namespace: ns,
            name,
            service_name: service,
            pod_management_policy: spec
                .pod_management_policy
                .clone()
                .unwrap_or_else(|| "OrderedReady".into()),
            replicas,
            ready: set
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0),
            replica_list,
        });
    }
    out
}

/// The DNS records the cluster serves (see `dns.rs`).
pub fn dns_records(c: &Cluster) -> Vec<crate::dns::Record> {
    crate::dns::records(&c.store)
}

#[cfg(test)]
mod storage_view_tests {
    use super::*;

    #[test]
    fn the_statefulset_example_shows_three_replicas_their_claims_dns_names_and_an_unbound_claim() {
        let text = include_str!("../../examples/16-statefulset-and-headless-service.yaml");
        let r = crate::run(&[crate::Input::new("16.yaml", text)]);
        let sets = stateful_sets(&r.cluster);
        assert_eq!(sets.len(), 1);
        let web = &sets[0];
        assert_eq!((web.replicas, web.ready), (3, 3));
        let names: Vec<&str> = web.replica_list.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["web-0", "web-1", "web-2"]);
        assert_eq!(
            web.replica_list[1].dns_name.as_deref(),
            Some("web-1.nginx.default.svc.cluster.local")
        );
        assert_eq!(
            web.replica_list[2].claims,
            [("www-web-2".to_string(), "Bound".to_string())]
        );
        let storage = storage(&r.cluster);
        let shared = storage
            .claims
            .iter()
            .find(|c| c.name == "shared-www")
            .unwrap();
        assert_eq!(shared.phase, "Pending");
        assert_eq!(
            shared.events,
            ["FailedBinding: no persistent volumes available for this claim and no storage class is set"]
        );
        let www0 = storage
            .claims
            .iter()
            .find(|c| c.name == "www-web-0")
            .unwrap();
        assert_eq!(www0.pods, ["default/web-0"]);
        let records: Vec<String> = dns_records(&r.cluster).iter().map(|r| r.line()).collect();
        assert!(
            records
                .contains(&"web-0.nginx.default.svc.cluster.local. 30 IN A 10.244.1.2".to_string()),
            "{records:#?}"
        );
    }
}

#[cfg(test)]
mod waiting_tests {
    use super::*;
    use crate::scenario::{run, Input};

    #[test]
    fn a_pod_waits_on_its_multi_attach_error_and_on_its_claims_provisioning_failures() {
        let text = include_str!("../../examples/22-read-write-once-multi-attach.yaml");
        // Without the deletions at the end: writer-2 still waits.
        let text = text.split("$ kubectl delete").next().unwrap_or_default();
        let r = run(&[Input::new("multi.yaml", text)]);
        let lines = waiting_on(&r.cluster, "default", "writer-2");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("FailedAttachVolume: Multi-Attach error for volume \"pvc-"),
            "{lines:?}"
        );
        assert!(
            waiting_on(&r.cluster, "default", "writer-1").is_empty(),
            "running"
        );

        let text = include_str!("../../examples/13-storage-classes-and-claims.yaml");
        let r = run(&[Input::new("13.yaml", text)]);
        assert_eq!(
            waiting_on(&r.cluster, "default", "shared-writer"),
            vec!["persistentvolumeclaim/shared-local ProvisioningFailed: failed to provision volume with StorageClass \"standard\": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes".to_string()]
        );
    }
}
