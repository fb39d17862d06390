//! Quota usage: what an object charges to a ResourceQuota, which quotas cover it, and what a
//! quota's usage adds up to. Shared by the ResourceQuota admission plugin and the resource quota
//! controller.
//!
//! Follows kubernetes/kubernetes:
//!
//! * `staging/src/k8s.io/apiserver/pkg/quota/v1/resources.go` (`Add`, `Mask`,
//!   `SubtractWithNonNegativeResult`, `RemoveZeros`, `CalculateUsage`);
//! * `staging/src/k8s.io/apiserver/pkg/quota/v1/generic/evaluator.go` (`Matches`,
//!   `CalculateUsageStats`, the object count evaluator and its `count/<resource>.<group>` names);
//! * `pkg/quota/v1/evaluator/core/pods.go` (`podResources`, `Constraints` and its
//!   `must specify` message, `PodUsageFunc`, `QuotaV1Pod`, the pod scopes);
//! * `pkg/quota/v1/evaluator/core/persistent_volume_claims.go` (claims, `requests.storage`, the
//!   `<class>.storageclass.storage.k8s.io/...` names, storage rounded up to whole bytes);
//! * `pkg/quota/v1/evaluator/core/services.go` (`services`, `services.nodeports`,
//!   `services.loadbalancers`);
//! * `pkg/quota/v1/evaluator/core/registry.go` (the legacy `configmaps`, `secrets`,
//!   `resourcequotas` aliases) and `pkg/quota/v1/install/registry.go` (events are ignored);
//! * `staging/src/k8s.io/component-helpers/resource/helpers.go` (`PodRequests`, `PodLimits`:
//!   containers summed, init containers as a maximum, sidecars added, overhead on top);
//! * `pkg/apis/core/v1/helper/helpers.go` (`IsNativeResource`, `IsExtendedResourceName`,
//!   `GetPersistentVolumeClaimClass`, `ScopedResourceSelectorRequirementsAsSelector`).
//!
//! Quantities keep upstream's `String()` behaviour: a value copied from an object prints as the
//! object spelled it, a sum prints canonically.
//!
//! Known difference: upstream's controller matches `spec.scopes` with an empty operator, which
//! makes a `PriorityClass` (or `VolumeAttributesClass`) entry in `spec.scopes` count nothing in
//! `status.used`; here every `spec.scopes` entry means `Exists`, as admission reads it.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Container, PersistentVolumeClaim, Pod, PodAffinityTerm, ResourceQuota, Service,
    WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use crate::admission::Operation;
use crate::labels::{is_qualified_name, Operator, Requirement};
use crate::object::{KindInfo, Object, KINDS};
use crate::quantity::{add_resource_lists, Format, Quantity, ResourceList};
use crate::settings::Settings;
use crate::store::{Store, EPOCH};

/// `storageClassSuffix`: `<class>.storageclass.storage.k8s.io/<resource>`.
pub const STORAGE_CLASS_SUFFIX: &str = ".storageclass.storage.k8s.io/";

/// `v1.BetaStorageClassAnnotation`, read before `spec.storageClassName`.
const BETA_STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";

/// The resources the pod evaluator tracks besides prefixed and extended ones (`podResources`).
const POD_RESOURCES: &[&str] = &[
    "count/pods",
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
];

/// `podResourcePrefixes`: hugepages, as requested or as `requests.` quota names.
const POD_RESOURCE_PREFIXES: &[&str] = &["hugepages-", "requests.hugepages-"];

/// `validationSet`: quotas on these make every container state them (a historical mistake,
/// kept for compatibility, as the upstream comment says).
const VALIDATION_SET: &[&str] = &[
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

/// `pvcResources`: also refined per storage class.
const PVC_RESOURCES: &[&str] = &["persistentvolumeclaims", "requests.storage"];

const SERVICE_RESOURCES: &[&str] = &[
    "count/services",
    "services",
    "services.nodeports",
    "services.loadbalancers",
];

/// What the evaluators need to know about "now" and the simulated release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Seconds since the Unix epoch (the logical clock).
    pub now: i64,
    /// The Kubernetes minor version, for feature gates.
    pub minor: u32,
}

impl Context {
    pub fn of(store: &Store, settings: &Settings) -> Self {
        Context {
            now: EPOCH.saturating_add(store.now),
            minor: settings.minor,
        }
    }

    /// `VolumeAttributesClass`: GA (on by default) from 1.34, off before.
    fn volume_attributes_class(self) -> bool {
        self.minor >= 34
    }

    /// `PodLevelResources`: beta (on by default) from 1.34; before, the API server drops
    /// `spec.resources` of pods.
    fn pod_level_resources(self) -> bool {
        self.minor >= 34
    }
}

/// One scope selector of a quota: `spec.scopes` entries (as `Exists`) then
/// `spec.scopeSelector.matchExpressions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeSelector {
    pub scope: String,
    pub operator: String,
    pub values: Vec<String>,
}

/// `getScopeSelectorsFromQuota`.
pub fn scope_selectors(q: &ResourceQuota) -> Vec<ScopeSelector> {
    let mut out = Vec::new();
    let Some(spec) = q.spec.as_ref() else {
        return out;
    };
    for s in spec.scopes.iter().flatten() {
        out.push(ScopeSelector {
            scope: s.clone(),
            operator: "Exists".into(),
            values: Vec::new(),
        });
    }
    for e in spec
        .scope_selector
        .iter()
        .flat_map(|s| s.match_expressions.iter().flatten())
    {
        out.push(ScopeSelector {
            scope: e.scope_name.clone(),
            operator: e.operator.clone(),
            values: e.values.clone().unwrap_or_default(),
        });
    }
    out
}

/// Parses a k8s-openapi resource map, skipping values that do not parse (validation refuses
/// them before they get here).
pub fn parse_list(list: Option<&BTreeMap<String, K8sQuantity>>) -> ResourceList {
    list.into_iter()
        .flatten()
        .filter_map(|(k, v)| Quantity::from_k8s(v).ok().map(|q| (k.clone(), q)))
        .collect()
}

/// `quota.Mask`: only the named resources.
pub fn mask(list: &ResourceList, names: &BTreeSet<String>) -> ResourceList {
    list.iter()
        .filter(|(k, _)| names.contains(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `quota.RemoveZeros`.
pub fn remove_zeros(list: &ResourceList) -> ResourceList {
    list.iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `quota.SubtractWithNonNegativeResult`: `a - b`, negative results as zero, keys of either.
pub fn subtract_non_negative(a: &ResourceList, b: &ResourceList) -> ResourceList {
    let zero = || Quantity::parse("0").unwrap_or_default();
    let mut out = ResourceList::new();
    for (k, v) in a {
        let d = match b.get(k) {
            Some(o) => v - o,
            None => v.clone(),
        };
        out.insert(k.clone(), if d.signum() > 0 { d } else { zero() });
    }
    for k in b.keys() {
        out.entry(k.clone()).or_insert_with(zero);
    }
    out
}

/// `quota.Equals`: same keys, equal values.
pub fn equals(a: &ResourceList, b: &ResourceList) -> bool {
    a.len() == b.len() && a.iter().all(|(k, v)| b.get(k) == Some(v))
}

/// `IsNativeResource`: unprefixed, or in a `kubernetes.io/` namespace.
fn is_native_resource(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `IsExtendedResourceName`: a prefixed, non-native name whose `requests.` form is a qualified
/// name.
pub fn is_extended_resource_name(name: &str) -> bool {
    if is_native_resource(name) || name.starts_with("requests.") {
        return false;
    }
    is_qualified_name(&format!("requests.{name}")).is_empty()
}

/// `isExtendedResourceNameForQuota`: a `requests.` quota name for an extended resource.
fn is_extended_resource_name_for_quota(name: &str) -> bool {
    !is_native_resource(name) && name.starts_with("requests.")
}

/// The quota evaluator of one kind (upstream `quota.Evaluator`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evaluator {
    Pods,
    Services,
    PersistentVolumeClaims,
    /// A generic object count: `count/<resource>[.<group>]`, plus a legacy alias for some.
    ObjectCount {
        kind: &'static str,
        names: Vec<String>,
    },
}

/// `ObjectCountQuotaResourceNameFor`.
pub fn object_count_name(info: &KindInfo) -> String {
    if info.group.is_empty() {
        format!("count/{}", info.plural)
    } else {
        format!("count/{}.{}", info.plural, info.group)
    }
}

impl Evaluator {
    /// The evaluator for a kind; `None` for cluster-scoped kinds and for ignored resources
    /// (events).
    pub fn for_kind(info: &'static KindInfo) -> Option<Evaluator> {
        if !info.namespaced {
            return None;
        }
        Some(match info.kind {
            "Pod" => Evaluator::Pods,
            "Service" => Evaluator::Services,
            "PersistentVolumeClaim" => Evaluator::PersistentVolumeClaims,
            "Event" => return None,
            kind => {
                let mut names = vec![object_count_name(info)];
                let alias = match kind {
                    "ConfigMap" => Some("configmaps"),
                    "Secret" => Some("secrets"),
                    "ResourceQuota" => Some("resourcequotas"),
                    "ReplicationController" => Some("replicationcontrollers"),
                    _ => None,
                };
                names.extend(alias.map(str::to_string));
                Evaluator::ObjectCount {
                    kind: info.kind,
                    names,
                }
            }
        })
    }

    /// Every evaluator, in a fixed order (the controller's registry).
    pub fn all() -> Vec<Evaluator> {
        KINDS.iter().filter_map(Evaluator::for_kind).collect()
    }

    /// The kind whose objects this evaluator measures.
    pub fn kind(&self) -> &'static str {
        match self {
            Evaluator::Pods => "Pod",
            Evaluator::Services => "Service",
            Evaluator::PersistentVolumeClaims => "PersistentVolumeClaim",
            Evaluator::ObjectCount { kind, .. } => kind,
        }
    }

    /// `Handles`: pods are charged on create (resizes are a subresource kubefiddle does not
    /// serve), services and claims on create and update, counted objects on create.
    pub fn handles(&self, op: Operation) -> bool {
        match self {
            Evaluator::Pods | Evaluator::ObjectCount { .. } => op == Operation::Create,
            Evaluator::Services | Evaluator::PersistentVolumeClaims => {
                matches!(op, Operation::Create | Operation::Update)
            }
        }
    }

    /// `MatchingResources`: which of these resource names this evaluator tracks.
    pub fn matching_resources<'a>(
        &self,
        input: impl IntoIterator<Item = &'a String>,
    ) -> BTreeSet<String> {
        input
            .into_iter()
            .filter(|name| self.tracks(name))
            .cloned()
            .collect()
    }

    fn tracks(&self, name: &str) -> bool {
        match self {
            Evaluator::Pods => {
                POD_RESOURCES.contains(&name)
                    || POD_RESOURCE_PREFIXES.iter().any(|p| name.starts_with(p))
                    || is_extended_resource_name_for_quota(name)
            }
            Evaluator::Services => SERVICE_RESOURCES.contains(&name),
            Evaluator::PersistentVolumeClaims => {
                name == "count/persistentvolumeclaims"
                    || PVC_RESOURCES.contains(&name)
                    || PVC_RESOURCES
                        .iter()
                        .any(|r| name.ends_with(&format!("{STORAGE_CLASS_SUFFIX}{r}")))
            }
            Evaluator::ObjectCount { names, .. } => names.iter().any(|n| n == name),
        }
    }

    /// The scope function of this evaluator: pods know the pod scopes, claims the
    /// `VolumeAttributesClass` scope (when its gate is on), the others none.
    pub fn matches_scope(&self, sel: &ScopeSelector, obj: &Object, ctx: Context) -> bool {
        match (self, obj) {
            (Evaluator::Pods, Object::Pod(p)) => pod_matches_scope(sel, p),
            (Evaluator::PersistentVolumeClaims, Object::PersistentVolumeClaim(pvc))
                if ctx.volume_attributes_class() =>
            {
                pvc_matches_scope(sel, pvc)
            }
            _ => false,
        }
    }

    /// `Matches` (generic.Matches): the quota's `status.hard` names something this evaluator
    /// tracks, and the object matches every scope selector of the quota.
    pub fn matches(&self, q: &ResourceQuota, obj: &Object, ctx: Context) -> bool {
        let hard = status_hard_names(q);
        if self.matching_resources(&hard).is_empty() {
            return false;
        }
        scope_selectors(q)
            .iter()
            .all(|s| self.matches_scope(s, obj, ctx))
    }

    /// `Usage`: what the object charges.
    pub fn usage(&self, obj: &Object, ctx: Context) -> ResourceList {
        match (self, obj) {
            (Evaluator::Pods, Object::Pod(p)) => pod_usage(p, ctx),
            (Evaluator::Services, Object::Service(s)) => service_usage(s),
            (Evaluator::PersistentVolumeClaims, Object::PersistentVolumeClaim(p)) => pvc_usage(p),
            (Evaluator::ObjectCount { names, .. }, _) => names
                .iter()
                .map(|n| (n.clone(), Quantity::from_value(1, Format::DecimalSI)))
                .collect(),
            _ => ResourceList::new(),
        }
    }

    /// `Constraints`: only pods have any (every container must state the cpu and memory
    /// requests and limits a quota tracks). Returns the `must specify ...` text.
    pub fn constraints(&self, required: &BTreeSet<String>, obj: &Object) -> Result<(), String> {
        match (self, obj) {
            (Evaluator::Pods, Object::Pod(p)) => pod_constraints(required, p),
            _ => Ok(()),
        }
    }
}

/// The resource names of a quota's `status.hard` (what admission enforces).
pub fn status_hard_names(q: &ResourceQuota) -> BTreeSet<String> {
    q.status
        .as_ref()
        .and_then(|s| s.hard.as_ref())
        .map(|h| h.keys().cloned().collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------

/// `addResourceList`: missing names are copied (keeping their spelling), present ones summed.
fn add_into(list: &mut ResourceList, other: &ResourceList) {
    for (k, v) in other {
        match list.get_mut(k) {
            Some(cur) => *cur += v,
            None => {
                list.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `maxResourceList`: each name the larger of the two.
fn max_into(list: &mut ResourceList, other: &ResourceList) {
    for (k, v) in other {
        if list.get(k).is_none_or(|cur| v > cur) {
            list.insert(k.clone(), v.clone());
        }
    }
}

fn container_requests(c: &Container) -> ResourceList {
    parse_list(c.resources.as_ref().and_then(|r| r.requests.as_ref()))
}

fn container_limits(c: &Container) -> ResourceList {
    parse_list(c.resources.as_ref().and_then(|r| r.limits.as_ref()))
}

/// `aggregateContainerResourcesByFn` over the spec: containers summed; init containers run one
/// at a time, so the largest counts, while restartable ones (sidecars) keep running and add.
fn aggregate(pod: &Pod, pick: fn(&Container) -> ResourceList) -> ResourceList {
    let mut result = ResourceList::new();
    let Some(spec) = pod.spec.as_ref() else {
        return result;
    };
    for c in &spec.containers {
        add_into(&mut result, &pick(c));
    }
    let mut sidecars = ResourceList::new();
    let mut init = ResourceList::new();
    for c in spec.init_containers.iter().flatten() {
        let r = pick(c);
        let during = if c.restart_policy.as_deref() == Some("Always") {
            add_into(&mut result, &r);
            add_into(&mut sidecars, &r);
            sidecars.clone()
        } else {
            let mut combined = ResourceList::new();
            add_into(&mut combined, &r);
            add_into(&mut combined, &sidecars);
            combined
        };
        max_into(&mut init, &during);
    }
    max_into(&mut result, &init);
    result
}

/// `IsSupportedPodLevelResource`.
fn is_pod_level_resource(name: &str) -> bool {
    name == "cpu" || name == "memory" || name.starts_with("hugepages-")
}

fn pod_level(pod: &Pod, limits: bool) -> ResourceList {
    let r = pod.spec.as_ref().and_then(|s| s.resources.as_ref());
    let list = if limits {
        r.and_then(|r| r.limits.as_ref())
    } else {
        r.and_then(|r| r.requests.as_ref())
    };
    parse_list(list)
}

/// `PodRequests`.
pub fn pod_requests(pod: &Pod, ctx: Context) -> ResourceList {
    let mut reqs = ResourceList::new();
    add_into(&mut reqs, &aggregate(pod, container_requests));
    if ctx.pod_level_resources() {
        let pod_reqs = pod_level(pod, false);
        if pod_reqs.keys().any(|k| is_pod_level_resource(k)) {
            for (k, v) in pod_reqs.iter().filter(|(k, _)| is_pod_level_resource(k)) {
                reqs.insert(k.clone(), v.clone());
            }
        }
    }
    let overhead = parse_list(pod.spec.as_ref().and_then(|s| s.overhead.as_ref()));
    add_into(&mut reqs, &overhead);
    reqs
}

/// `PodLimits`: overhead is added only to limits that are set and non-zero.
pub fn pod_limits(pod: &Pod, ctx: Context) -> ResourceList {
    let mut limits = ResourceList::new();
    add_into(&mut limits, &aggregate(pod, container_limits));
    if ctx.pod_level_resources() {
        let pod_lims = pod_level(pod, true);
        let pod_reqs = pod_level(pod, false);
        let set = pod_lims
            .keys()
            .chain(pod_reqs.keys())
            .any(|k| is_pod_level_resource(k));
        if set {
            for (k, v) in pod_lims.iter().filter(|(k, _)| is_pod_level_resource(k)) {
                limits.insert(k.clone(), v.clone());
            }
        }
    }
    let overhead = parse_list(pod.spec.as_ref().and_then(|s| s.overhead.as_ref()));
    for (k, v) in &overhead {
        if let Some(cur) = limits.get_mut(k) {
            if !cur.is_zero() {
                *cur += v;
            }
        }
    }
    limits
}

/// `podComputeUsageHelper`: the quota names charged for these requests and limits.
fn compute_usage(requests: &ResourceList, limits: &ResourceList) -> ResourceList {
    let mut r = ResourceList::new();
    r.insert(
        "pods".into(),
        Quantity::parse("1").unwrap_or_else(|_| Quantity::from_value(1, Format::DecimalSI)),
    );
    for (res, aliases) in [
        ("cpu", &["cpu", "requests.cpu"][..]),
        ("memory", &["memory", "requests.memory"][..]),
        (
            "ephemeral-storage",
            &["ephemeral-storage", "requests.ephemeral-storage"][..],
        ),
    ] {
        if let Some(q) = requests.get(res) {
            for a in aliases {
                r.insert((*a).to_string(), q.clone());
            }
        }
        if let Some(q) = limits.get(res) {
            r.insert(format!("limits.{res}"), q.clone());
        }
    }
    for (name, q) in requests {
        if name.starts_with("hugepages-") {
            r.insert(name.clone(), q.clone());
            r.insert(format!("requests.{name}"), q.clone());
        }
        if is_extended_resource_name(name) {
            r.insert(format!("requests.{name}"), q.clone());
        }
    }
    r
}

/// `QuotaV1Pod`: terminal pods, and pods whose deletion grace period has run out, are not
/// charged compute resources.
pub fn pod_is_charged(pod: &Pod, now: i64) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Failed" | "Succeeded")) {
        return false;
    }
    if let (Some(ts), Some(grace)) = (
        pod.metadata.deletion_timestamp.as_ref(),
        pod.metadata.deletion_grace_period_seconds,
    ) {
        if now > ts.0.as_second().saturating_add(grace) {
            return false;
        }
    }
    true
}

/// `PodUsageFunc`: `count/pods` always; the compute resources while the pod is charged.
pub fn pod_usage(pod: &Pod, ctx: Context) -> ResourceList {
    let mut result = ResourceList::new();
    result.insert(
        "count/pods".into(),
        Quantity::from_value(1, Format::DecimalSI),
    );
    if !pod_is_charged(pod, ctx.now) {
        return result;
    }
    let usage = compute_usage(&pod_requests(pod, ctx), &pod_limits(pod, ctx));
    add_resource_lists(&result, &usage)
}

/// The `must specify` message for the missing resources by container (names sorted, joined by
/// `,`; resources sorted, joined by `; `).
pub fn must_specify_message(missing: &BTreeMap<String, BTreeSet<String>>) -> String {
    let parts: Vec<String> = missing
        .iter()
        .map(|(res, names)| {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            format!("{res} for: {}", names.join(","))
        })
        .collect();
    format!("must specify {}", parts.join("; "))
}

/// The pod evaluator's `Constraints`.
fn pod_constraints(required: &BTreeSet<String>, pod: &Pod) -> Result<(), String> {
    let required: BTreeSet<&str> = required
        .iter()
        .map(String::as_str)
        .filter(|r| VALIDATION_SET.contains(r))
        .collect();
    let mut missing: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let Some(spec) = pod.spec.as_ref() else {
        return Ok(());
    };
    for c in spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
    {
        let usage = compute_usage(&container_requests(c), &container_limits(c));
        for r in &required {
            if !usage.contains_key(*r) {
                missing
                    .entry((*r).to_string())
                    .or_default()
                    .insert(c.name.clone());
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(must_specify_message(&missing))
    }
}

/// `GetPodQOS`: the recorded class, or the computed one.
fn is_best_effort(pod: &Pod) -> bool {
    let recorded = pod
        .status
        .as_ref()
        .and_then(|s| s.qos_class.as_deref())
        .filter(|c| !c.is_empty());
    match recorded {
        Some(c) => c == "BestEffort",
        None => pod
            .spec
            .as_ref()
            .is_some_and(|s| crate::defaults::qos_class(s) == "BestEffort"),
    }
}

fn is_terminating(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.active_deadline_seconds)
        .is_some_and(|d| d >= 0)
}

fn cross_namespace_term(t: &PodAffinityTerm) -> bool {
    t.namespaces.as_ref().is_some_and(|n| !n.is_empty()) || t.namespace_selector.is_some()
}

fn cross_namespace_terms(
    required: Option<&Vec<PodAffinityTerm>>,
    preferred: Option<&Vec<WeightedPodAffinityTerm>>,
) -> bool {
    required.into_iter().flatten().any(cross_namespace_term)
        || preferred
            .into_iter()
            .flatten()
            .any(|w| cross_namespace_term(&w.pod_affinity_term))
}

/// `usesCrossNamespacePodAffinity`.
fn uses_cross_namespace_pod_affinity(pod: &Pod) -> bool {
    let Some(aff) = pod.spec.as_ref().and_then(|s| s.affinity.as_ref()) else {
        return false;
    };
    let a = aff.pod_affinity.as_ref().is_some_and(|a| {
        cross_namespace_terms(
            a.required_during_scheduling_ignored_during_execution
                .as_ref(),
            a.preferred_during_scheduling_ignored_during_execution
                .as_ref(),
        )
    });
    let anti = aff.pod_anti_affinity.as_ref().is_some_and(|a| {
        cross_namespace_terms(
            a.required_during_scheduling_ignored_during_execution
                .as_ref(),
            a.preferred_during_scheduling_ignored_during_execution
                .as_ref(),
        )
    });
    a || anti
}

/// `ScopedResourceSelectorRequirementsAsSelector` applied to one label set; a selector that
/// does not convert matches nothing.
fn selector_matches(sel: &ScopeSelector, labels: &BTreeMap<String, String>) -> bool {
    let op = match sel.operator.as_str() {
        "In" => Operator::In,
        "NotIn" => Operator::NotIn,
        "Exists" => Operator::Exists,
        "DoesNotExist" => Operator::DoesNotExist,
        _ => return false,
    };
    Requirement::new(&sel.scope, op, sel.values.clone()).is_ok_and(|r| r.matches(labels))
}

/// `podMatchesScopeFunc`.
fn pod_matches_scope(sel: &ScopeSelector, pod: &Pod) -> bool {
    match sel.scope.as_str() {
        "Terminating" => is_terminating(pod),
        "NotTerminating" => !is_terminating(pod),
        "BestEffort" => is_best_effort(pod),
        "NotBestEffort" => !is_best_effort(pod),
        "PriorityClass" => {
            let pc = pod
                .spec
                .as_ref()
                .and_then(|s| s.priority_class_name.as_deref())
                .unwrap_or("");
            if sel.operator == "Exists" {
                return !pc.is_empty();
            }
            let mut labels = BTreeMap::new();
            if !pc.is_empty() {
                labels.insert("PriorityClass".to_string(), pc.to_string());
            }
            selector_matches(sel, &labels)
        }
        "CrossNamespacePodAffinity" => uses_cross_namespace_pod_affinity(pod),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Persistent volume claims and services
// ---------------------------------------------------------------------------

/// `GetPersistentVolumeClaimClass`: the beta annotation first, then `spec.storageClassName`.
pub fn pvc_class(pvc: &PersistentVolumeClaim) -> String {
    if let Some(c) = pvc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(BETA_STORAGE_CLASS_ANNOTATION))
    {
        return c.clone();
    }
    pvc.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

/// `getReferencedVolumeAttributesClassNames`.
fn vac_names(pvc: &PersistentVolumeClaim) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let spec = pvc
        .spec
        .as_ref()
        .and_then(|s| s.volume_attributes_class_name.clone());
    let st = pvc.status.as_ref();
    let current = st.and_then(|s| s.current_volume_attributes_class_name.clone());
    let target = st.and_then(|s| s.modify_volume_status.as_ref()).map(|m| {
        m.target_volume_attributes_class_name
            .clone()
            .unwrap_or_default()
    });
    for n in [spec, current, target].into_iter().flatten() {
        if !n.is_empty() {
            out.insert(n);
        }
    }
    out
}

/// `pvcMatchesScopeFunc`.
fn pvc_matches_scope(sel: &ScopeSelector, pvc: &PersistentVolumeClaim) -> bool {
    if sel.scope != "VolumeAttributesClass" {
        return false;
    }
    let names = vac_names(pvc);
    if sel.operator == "Exists" {
        return !names.is_empty();
    }
    if names.is_empty() {
        return selector_matches(sel, &BTreeMap::new());
    }
    names.into_iter().any(|n| {
        let labels = BTreeMap::from([("VolumeAttributesClass".to_string(), n)]);
        selector_matches(sel, &labels)
    })
}

/// Storage counted in whole bytes (`RoundUp(0)`; an exact value keeps its spelling).
fn round_up_bytes(q: &Quantity) -> Quantity {
    let mut r = q.clone();
    if r.round_up(0) {
        q.clone()
    } else {
        r
    }
}

/// `getStorageUsage`: the request, or the allocated size when larger.
fn pvc_storage(pvc: &PersistentVolumeClaim) -> Option<Quantity> {
    let requests = parse_list(
        pvc.spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref()),
    );
    let result = requests.get("storage").map(round_up_bytes);
    let allocated = parse_list(
        pvc.status
            .as_ref()
            .and_then(|s| s.allocated_resources.as_ref()),
    );
    match (result, allocated.get("storage")) {
        (Some(r), Some(a)) if a > &r => Some(round_up_bytes(a)),
        (r, _) => r,
    }
}

/// The claim evaluator's `Usage`.
pub fn pvc_usage(pvc: &PersistentVolumeClaim) -> ResourceList {
    let one = || Quantity::from_value(1, Format::DecimalSI);
    let mut r = ResourceList::new();
    r.insert("persistentvolumeclaims".into(), one());
    r.insert("count/persistentvolumeclaims".into(), one());
    let class = pvc_class(pvc);
    if !class.is_empty() {
        r.insert(
            format!("{class}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"),
            one(),
        );
    }
    if let Some(storage) = pvc_storage(pvc) {
        if !class.is_empty() {
            r.insert(
                format!("{class}{STORAGE_CLASS_SUFFIX}requests.storage"),
                storage.clone(),
            );
        }
        r.insert("requests.storage".into(), storage);
    }
    r
}

/// The service evaluator's `Usage`: node ports for NodePort and LoadBalancer services (only
/// the explicit ones when a load balancer allocates none), one load balancer for the latter.
pub fn service_usage(svc: &Service) -> ResourceList {
    let spec = svc.spec.as_ref();
    let ports = spec.and_then(|s| s.ports.as_ref());
    let port_count = ports.map_or(0, Vec::len);
    let count =
        |n: usize| Quantity::from_value(i64::try_from(n).unwrap_or(i64::MAX), Format::DecimalSI);
    let mut r = ResourceList::new();
    r.insert("count/services".into(), count(1));
    r.insert("services".into(), count(1));
    r.insert("services.loadbalancers".into(), Quantity::zero());
    r.insert("services.nodeports".into(), Quantity::zero());
    match spec.and_then(|s| s.type_.as_deref()) {
        Some("NodePort") => {
            r.insert("services.nodeports".into(), count(port_count));
        }
        Some("LoadBalancer") => {
            let explicit_only =
                spec.and_then(|s| s.allocate_load_balancer_node_ports) == Some(false);
            let n = if explicit_only {
                ports
                    .into_iter()
                    .flatten()
                    .filter(|p| p.node_port.is_some_and(|n| n != 0))
                    .count()
            } else {
                port_count
            };
            r.insert("services.nodeports".into(), count(n));
            r.insert("services.loadbalancers".into(), count(1));
        }
        _ => {}
    }
    r
}

// ---------------------------------------------------------------------------
// A quota's usage
// ---------------------------------------------------------------------------

/// `CalculateUsage`: the usage of everything in the namespace that the quota covers, for each
/// of the `hard` names some evaluator tracks (zero when nothing is charged).
pub fn calculate_usage(
    store: &Store,
    q: &ResourceQuota,
    hard: &BTreeSet<String>,
    ctx: Context,
) -> ResourceList {
    let ns = q.metadata.namespace.as_deref().unwrap_or("");
    let selectors = scope_selectors(q);
    let evaluators = Evaluator::all();
    let matched: BTreeSet<String> = evaluators
        .iter()
        .flat_map(|e| e.matching_resources(hard))
        .collect();
    let mut usage = ResourceList::new();
    for e in &evaluators {
        let resources = e.matching_resources(&matched);
        if resources.is_empty() {
            continue;
        }
        let mut used: ResourceList = resources
            .iter()
            .map(|r| (r.clone(), Quantity::zero()))
            .collect();
        for stored in store.list_ns(e.kind(), ns) {
            if selectors
                .iter()
                .all(|s| e.matches_scope(s, &stored.obj, ctx))
            {
                used = add_resource_lists(&used, &e.usage(&stored.obj, ctx));
            }
        }
        usage = add_resource_lists(&usage, &used);
    }
    mask(&usage, &matched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context {
            now: EPOCH,
            minor: 34,
        }
    }

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    fn shown(list: &ResourceList) -> Vec<String> {
        list.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_pod_charges_requests_limits_their_aliases_and_its_count() {
        let p = pod(json!({"spec": {"containers": [
            {"name": "a", "resources": {
                "requests": {"cpu": "250m", "memory": "64Mi", "ephemeral-storage": "1Gi",
                             "example.com/gpu": "1", "hugepages-2Mi": "4Mi"},
                "limits": {"cpu": "500m", "memory": "128Mi"}}}]}}));
        assert_eq!(
            shown(&pod_usage(&p, ctx())),
            [
                "count/pods=1",
                "cpu=250m",
                "ephemeral-storage=1Gi",
                "hugepages-2Mi=4Mi",
                "limits.cpu=500m",
                "limits.memory=128Mi",
                "memory=64Mi",
                "pods=1",
                "requests.cpu=250m",
                "requests.ephemeral-storage=1Gi",
                "requests.example.com/gpu=1",
                "requests.hugepages-2Mi=4Mi",
                "requests.memory=64Mi",
            ]
        );
    }

    #[test]
    fn containers_add_init_containers_take_the_maximum_sidecars_add_overhead_on_top() {
        let p = pod(json!({"spec": {
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}}},
                {"name": "b", "resources": {"requests": {"cpu": "200m"}}}],
            "initContainers": [
                {"name": "i", "resources": {"requests": {"cpu": "2"}}},
                {"name": "s", "restartPolicy": "Always",
                 "resources": {"requests": {"cpu": "50m"}, "limits": {"cpu": "100m"}}}],
            "overhead": {"cpu": "10m"}}}));
        let u = pod_usage(&p, ctx());
        assert_eq!(u["requests.cpu"].to_string(), "2010m");
        assert_eq!(u["limits.cpu"].to_string(), "1110m");
    }

    #[test]
    fn terminal_and_expired_pods_keep_only_their_count() {
        let done = pod(json!({"spec": {"containers": [{"name": "a",
            "resources": {"requests": {"cpu": "1"}}}]}, "status": {"phase": "Succeeded"}}));
        assert_eq!(shown(&pod_usage(&done, ctx())), ["count/pods=1"]);
        let deleting = pod(
            json!({"metadata": {"deletionTimestamp": "2025-01-01T00:00:00Z",
            "deletionGracePeriodSeconds": 30},
            "spec": {"containers": [{"name": "a"}]}}),
        );
        let at = |secs| Context {
            now: EPOCH + secs,
            minor: 34,
        };
        assert!(pod_usage(&deleting, at(30)).contains_key("pods"));
        assert!(!pod_usage(&deleting, at(31)).contains_key("pods"));
    }

    #[test]
    fn spelling_is_kept_for_a_single_value_and_canonical_for_sums() {
        let one = pod(json!({"spec": {"containers": [{"name": "a",
            "resources": {"requests": {"memory": "1.5Gi"}}}]}}));
        assert_eq!(
            pod_usage(&one, ctx())["requests.memory"].to_string(),
            "1536Mi"
        );
        let two = pod(json!({"spec": {"containers": [
            {"name": "a", "resources": {"requests": {"cpu": "0.5"}}},
            {"name": "b", "resources": {"requests": {"cpu": "0.5"}}}]}}));
        assert_eq!(pod_usage(&two, ctx())["requests.cpu"].to_string(), "1");
    }

    #[test]
    fn pod_level_resources_count_from_1_34() {
        let p = pod(
            json!({"spec": {"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "3"}},
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]}}),
        );
        assert_eq!(pod_usage(&p, ctx())["requests.cpu"].to_string(), "2");
        assert_eq!(pod_usage(&p, ctx())["limits.cpu"].to_string(), "3");
        let old = Context {
            now: EPOCH,
            minor: 33,
        };
        assert_eq!(pod_usage(&p, old)["requests.cpu"].to_string(), "1");
        assert!(!pod_usage(&p, old).contains_key("limits.cpu"));
    }

    #[test]
    fn must_specify_lists_each_resource_with_its_containers() {
        let p = pod(json!({"spec": {
            "containers": [
                {"name": "web", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}},
                {"name": "app"}],
            "initContainers": [{"name": "init", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}}));
        let req = names(&[
            "requests.cpu",
            "limits.cpu",
            "limits.memory",
            "pods",
            "requests.storage",
        ]);
        assert_eq!(
            Evaluator::Pods.constraints(&req, &Object::Pod(Box::new(p))),
            Err("must specify limits.cpu for: app,web; limits.memory for: app,web; requests.cpu for: app,init".into())
        );
    }

    #[test]
    fn claims_charge_count_storage_and_their_class() {
        let pvc: PersistentVolumeClaim = serde_json::from_value(json!({
            "spec": {"storageClassName": "gold", "resources": {"requests": {"storage": "1.5"}}}}))
        .unwrap();
        assert_eq!(
            shown(&pvc_usage(&pvc)),
            [
                "count/persistentvolumeclaims=1",
                "gold.storageclass.storage.k8s.io/persistentvolumeclaims=1",
                "gold.storageclass.storage.k8s.io/requests.storage=2",
                "persistentvolumeclaims=1",
                "requests.storage=2",
            ]
        );
        let ann: PersistentVolumeClaim = serde_json::from_value(json!({
            "metadata": {"annotations": {"volume.beta.kubernetes.io/storage-class": "slow"}},
            "spec": {"storageClassName": "gold"}}))
        .unwrap();
        assert_eq!(pvc_class(&ann), "slow");
    }

    #[test]
    fn services_charge_node_ports_and_load_balancers() {
        let svc = |v| serde_json::from_value::<Service>(v).unwrap();
        let np = svc(json!({"spec": {"type": "NodePort", "ports": [{"port": 80}, {"port": 443}]}}));
        assert_eq!(
            shown(&service_usage(&np)),
            [
                "count/services=1",
                "services=1",
                "services.loadbalancers=0",
                "services.nodeports=2"
            ]
        );
        let lb = svc(
            json!({"spec": {"type": "LoadBalancer", "allocateLoadBalancerNodePorts": false,
            "ports": [{"port": 80, "nodePort": 30080}, {"port": 443}]}}),
        );
        let u = service_usage(&lb);
        assert_eq!(u["services.nodeports"].to_string(), "1");
        assert_eq!(u["services.loadbalancers"].to_string(), "1");
    }

    #[test]
    fn each_kind_has_its_evaluator_and_names() {
        let info = |v, k| crate::object::lookup(v, k).unwrap();
        let cm = Evaluator::for_kind(info("v1", "ConfigMap")).unwrap();
        assert_eq!(
            cm.matching_resources(&names(&["configmaps", "count/configmaps", "pods"])),
            names(&["configmaps", "count/configmaps"])
        );
        let d = Evaluator::for_kind(info("apps/v1", "Deployment")).unwrap();
        assert_eq!(
            d,
            Evaluator::ObjectCount {
                kind: "Deployment",
                names: vec!["count/deployments.apps".into()]
            }
        );
        assert!(Evaluator::for_kind(info("v1", "Event")).is_none());
        assert!(Evaluator::for_kind(info("v1", "Namespace")).is_none());
        assert_eq!(
            Evaluator::Pods.matching_resources(&names(&[
                "requests.cpu",
                "requests.nvidia.com/gpu",
                "requests.hugepages-2Mi",
                "requests.storage",
                "count/pods",
                "services"
            ])),
            names(&[
                "count/pods",
                "requests.cpu",
                "requests.hugepages-2Mi",
                "requests.nvidia.com/gpu"
            ])
        );
        assert_eq!(
            Evaluator::PersistentVolumeClaims.matching_resources(&names(&[
                "gold.storageclass.storage.k8s.io/requests.storage",
                "requests.storage",
                "requests.cpu"
            ])),
            names(&[
                "gold.storageclass.storage.k8s.io/requests.storage",
                "requests.storage"
            ])
        );
        assert!(Evaluator::Pods.handles(Operation::Create));
        assert!(!Evaluator::Pods.handles(Operation::Update));
        assert!(Evaluator::Services.handles(Operation::Update));
        assert!(!cm.handles(Operation::Update));
    }

    #[test]
    fn pod_scopes_match_like_upstream() {
        let sel = |scope: &str, op: &str, values: &[&str]| ScopeSelector {
            scope: scope.into(),
            operator: op.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        };
        let be = Object::Pod(Box::new(pod(
            json!({"spec": {"containers": [{"name": "a"}], "priorityClassName": "high"}}),
        )));
        let job = Object::Pod(Box::new(pod(json!({"spec": {"activeDeadlineSeconds": 60,
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]}}))));
        let e = Evaluator::Pods;
        let m = |s: &ScopeSelector, o: &Object| e.matches_scope(s, o, ctx());
        assert!(m(&sel("BestEffort", "Exists", &[]), &be));
        assert!(!m(&sel("NotBestEffort", "Exists", &[]), &be));
        assert!(m(&sel("NotBestEffort", "Exists", &[]), &job));
        assert!(m(&sel("Terminating", "Exists", &[]), &job));
        assert!(m(&sel("NotTerminating", "Exists", &[]), &be));
        assert!(m(&sel("PriorityClass", "Exists", &[]), &be));
        assert!(!m(&sel("PriorityClass", "Exists", &[]), &job));
        assert!(m(&sel("PriorityClass", "In", &["high", "low"]), &be));
        assert!(!m(&sel("PriorityClass", "In", &["low"]), &be));
        assert!(m(&sel("PriorityClass", "NotIn", &["high"]), &job));
        assert!(m(&sel("PriorityClass", "DoesNotExist", &[]), &job));
        assert!(!m(&sel("CrossNamespacePodAffinity", "Exists", &[]), &be));
        // Counted objects and services match no scope.
        assert!(!Evaluator::Services.matches_scope(&sel("BestEffort", "Exists", &[]), &be, ctx()));
    }

    #[test]
    fn list_helpers_follow_the_quota_package() {
        let l = |pairs: &[(&str, &str)]| -> ResourceList {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Quantity::parse(v).unwrap()))
                .collect()
        };
        let d = subtract_non_negative(&l(&[("a", "1"), ("b", "2")]), &l(&[("a", "3"), ("c", "1")]));
        assert_eq!(shown(&d), ["a=0", "b=2", "c=0"]);
        assert_eq!(shown(&remove_zeros(&d)), ["b=2"]);
        assert!(equals(&l(&[("a", "1")]), &l(&[("a", "1000m")])));
        assert!(!equals(&l(&[("a", "1")]), &l(&[("a", "1"), ("b", "0")])));
        assert!(is_extended_resource_name("example.com/gpu"));
        assert!(!is_extended_resource_name("kubernetes.io/gpu"));
        assert!(!is_extended_resource_name("cpu"));
    }
}
