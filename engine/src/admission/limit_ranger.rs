//! LimitRanger: fills in container requests and limits from the namespace's LimitRanges
//! (mutating), then checks pods and PersistentVolumeClaims against their `min`, `max` and
//! `maxLimitRequestRatio` (validating).
//!
//! Follows `plugin/pkg/admission/limitranger/admission.go` in kubernetes/kubernetes
//! (release 1.30 to 1.34): `runLimitFunc`, `SupportsAttributes`, `PodMutateLimitFunc`
//! (`defaultContainerResourceRequirements`, `mergeContainerResources`,
//! `mergePodResourceRequirements`), `PodValidateLimitFunc` (`minConstraint`, `maxConstraint`,
//! `limitRequestRatioConstraint`, `podRequests`, `podLimits`) and
//! `PersistentVolumeClaimValidateLimitFunc` (`maxRequestConstraint`). Errors are joined like
//! `utilerrors.NewAggregate` (`k8s.io/apimachinery/pkg/util/errors/errors.go`) and returned as
//! `admission.NewForbidden` (`k8s.io/apiserver/pkg/admission/errors.go`).
//!
//! Where upstream's order is Go map order (the resource names of one `min`/`max`/ratio map,
//! and the LimitRanges of a namespace as the informer lists them) kubefiddle uses name order,
//! so a message that names several violations lists them in a fixed order a real cluster may
//! shuffle.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod, ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::quantity::{Quantity, ResourceList};
use crate::status::ApiError;

pub struct LimitRanger;

/// The annotation naming what the plugin filled in (`limitRangerAnnotation`).
pub const ANNOTATION: &str = "kubernetes.io/limit-ranger";

/// `LimitTypeContainer`, `LimitTypePod`, `LimitTypePersistentVolumeClaim`.
pub const TYPE_CONTAINER: &str = "Container";
pub const TYPE_POD: &str = "Pod";
pub const TYPE_PVC: &str = "PersistentVolumeClaim";

/// `resource.MaxMilliValue`: above it, values are compared in units instead of milli-units.
const MAX_MILLI_VALUE: i64 = i64::MAX / 1000;

/// The resources a pod-level `resources` stanza may set (`supportedPodLevelResources`).
const POD_LEVEL_RESOURCES: &[&str] = &["cpu", "memory"];

/// First minor version where the PodLevelResources feature gate is on by default (beta).
const POD_LEVEL_RESOURCES_MINOR: u32 = 34;

// ---------------------------------------------------------------------------
// Messages (admission.go, word for word)
// ---------------------------------------------------------------------------

/// minConstraint, no request for the resource.
pub fn min_no_request(resource: &str, limit_type: &str, enforced: &Quantity) -> String {
    format!("minimum {resource} usage per {limit_type} is {enforced}.  No request is specified")
}

/// minConstraint, request below the minimum.
pub fn min_request(
    resource: &str,
    limit_type: &str,
    enforced: &Quantity,
    req: &Quantity,
) -> String {
    format!("minimum {resource} usage per {limit_type} is {enforced}, but request is {req}")
}

/// minConstraint, limit below the minimum.
pub fn min_limit(resource: &str, limit_type: &str, enforced: &Quantity, lim: &Quantity) -> String {
    format!("minimum {resource} usage per {limit_type} is {enforced}, but limit is {lim}")
}

/// maxConstraint, no limit for the resource.
pub fn max_no_limit(resource: &str, limit_type: &str, enforced: &Quantity) -> String {
    format!("maximum {resource} usage per {limit_type} is {enforced}.  No limit is specified")
}

/// maxRequestConstraint (PersistentVolumeClaims), no request for the resource.
pub fn max_no_request(resource: &str, limit_type: &str, enforced: &Quantity) -> String {
    format!("maximum {resource} usage per {limit_type} is {enforced}.  No request is specified")
}

/// maxConstraint, limit above the maximum.
pub fn max_limit(resource: &str, limit_type: &str, enforced: &Quantity, lim: &Quantity) -> String {
    format!("maximum {resource} usage per {limit_type} is {enforced}, but limit is {lim}")
}

/// maxConstraint / maxRequestConstraint, request above the maximum.
pub fn max_request(
    resource: &str,
    limit_type: &str,
    enforced: &Quantity,
    req: &Quantity,
) -> String {
    format!("maximum {resource} usage per {limit_type} is {enforced}, but request is {req}")
}

/// limitRequestRatioConstraint, no (or zero) request.
pub fn ratio_no_request(resource: &str, limit_type: &str, enforced: &Quantity) -> String {
    format!(
        "{resource} max limit to request ratio per {limit_type} is {enforced}, but no request is specified or request is 0"
    )
}

/// limitRequestRatioConstraint, no (or zero) limit.
pub fn ratio_no_limit(resource: &str, limit_type: &str, enforced: &Quantity) -> String {
    format!(
        "{resource} max limit to request ratio per {limit_type} is {enforced}, but no limit is specified or limit is 0"
    )
}

/// limitRequestRatioConstraint, ratio too high; the ratio is printed like Go's `%f`.
pub fn ratio_exceeded(resource: &str, limit_type: &str, enforced: &Quantity, ratio: f64) -> String {
    format!(
        "{resource} max limit to request ratio per {limit_type} is {enforced}, but provided ratio is {ratio:.6}"
    )
}

/// The annotation value: `LimitRanger plugin set: <note>; <note>`.
pub fn annotation_value(notes: &[String]) -> String {
    format!("LimitRanger plugin set: {}", notes.join("; "))
}

/// One note of the annotation: `cpu, memory request for container nginx`. `what` is `request`
/// or `limit`, `prefix` `container` or `init container`; names are sorted like `sort.Strings`.
pub fn annotation_note(names: &[String], what: &str, prefix: &str, container: &str) -> String {
    let mut sorted = names.to_vec();
    sorted.sort();
    format!("{} {what} for {prefix} {container}", sorted.join(", "))
}

/// `utilerrors.NewAggregate(errs).Error()`: one message as is, several deduplicated (first
/// occurrence kept) and, if more than one remains, in brackets joined by ", ".
pub fn aggregate(messages: &[String]) -> Option<String> {
    let mut unique: Vec<&str> = Vec::new();
    for m in messages {
        if !unique.contains(&m.as_str()) {
            unique.push(m);
        }
    }
    match unique.as_slice() {
        [] => None,
        [one] => Some((*one).to_string()),
        many => Some(format!("[{}]", many.join(", "))),
    }
}

// ---------------------------------------------------------------------------
// The plugin
// ---------------------------------------------------------------------------

/// One failed constraint: its message and the field it is about (for kubefiddle's pointer).
#[derive(Clone, Debug, PartialEq)]
struct Violation {
    message: String,
    field: String,
}

impl Plugin for LimitRanger {
    fn name(&self) -> &'static str {
        "LimitRanger"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn mutating(&self) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }

    /// `Admit` → `MutateLimit`: only pods are changed.
    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if !supports_attributes(a) || old_is_deleting(a) {
            return Ok(());
        }
        let Some(Object::Pod(pod)) = a.object.as_mut() else {
            return Ok(());
        };
        for stored in c.store.list_ns("LimitRange", &a.namespace) {
            if let Object::LimitRange(lr) = &stored.obj {
                mutate_pod(lr, pod);
            }
        }
        Ok(())
    }

    /// `Validate` → `ValidateLimit`: pods and PersistentVolumeClaims; the first LimitRange
    /// with violations decides, all of its violations in one message.
    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if !supports_attributes(a) || old_is_deleting(a) {
            return Ok(());
        }
        let pod_level = c.settings.minor >= POD_LEVEL_RESOURCES_MINOR;
        for stored in c.store.list_ns("LimitRange", &a.namespace) {
            let Object::LimitRange(lr) = &stored.obj else {
                continue;
            };
            let violations = match &a.object {
                Some(Object::Pod(pod)) => validate_pod(lr, pod, pod_level),
                Some(Object::PersistentVolumeClaim(pvc)) => validate_pvc(lr, pvc),
                _ => return Ok(()),
            };
            let messages: Vec<String> = violations.iter().map(|v| v.message.clone()).collect();
            if let Some(message) = aggregate(&messages) {
                let mut err =
                    ApiError::forbidden(&a.kind.resource(), &error_name(a), &message, self.name());
                if let Some(first) = violations.first() {
                    err = err.with_field(first.field.clone());
                }
                return Err(err);
            }
        }
        Ok(())
    }
}

/// `SupportsAttributes`: pods (not their updates, except through the `resize` subresource)
/// and PersistentVolumeClaims, no other subresource.
fn supports_attributes(a: &Attributes) -> bool {
    let core = a.kind.group.is_empty();
    let is_pod = core && a.kind.kind == "Pod";
    let is_pvc = core && a.kind.kind == "PersistentVolumeClaim";
    if a.subresource == "resize" && is_pod && a.operation == Operation::Update {
        return true;
    }
    if !a.subresource.is_empty() {
        return false;
    }
    // Containers cannot be changed once created, so pod updates are not checked.
    if is_pod && a.operation == Operation::Update {
        return false;
    }
    is_pod || is_pvc
}

/// `runLimitFunc`: objects already marked for deletion are let through.
fn old_is_deleting(a: &Attributes) -> bool {
    a.old_object
        .is_some_and(|o| o.meta().deletion_timestamp.is_some())
}

/// The name `admission.NewForbidden` puts in the message (`extractResourceName`): the
/// request's name, else the object's name, else its generateName, else `Unknown`.
fn error_name(a: &Attributes) -> String {
    if !a.name.is_empty() {
        return a.name.clone();
    }
    let meta = a.object.as_ref().map(Object::meta);
    meta.and_then(|m| m.name.clone().filter(|n| !n.is_empty()))
        .or_else(|| meta.and_then(|m| m.generate_name.clone().filter(|n| !n.is_empty())))
        .unwrap_or_else(|| "Unknown".to_string())
}

fn items(lr: &LimitRange) -> impl Iterator<Item = &LimitRangeItem> {
    lr.spec.iter().flat_map(|s| s.limits.iter())
}

// ---------------------------------------------------------------------------
// Mutation
// ---------------------------------------------------------------------------

/// `defaultContainerResourceRequirements`: the `defaultRequest` and `default` of every
/// Container item (a later item wins for the same resource), as (requests, limits).
fn default_requirements(
    lr: &LimitRange,
) -> (BTreeMap<String, K8sQuantity>, BTreeMap<String, K8sQuantity>) {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    for item in items(lr).filter(|i| i.type_ == TYPE_CONTAINER) {
        for (k, v) in item.default_request.iter().flatten() {
            requests.insert(k.clone(), v.clone());
        }
        for (k, v) in item.default.iter().flatten() {
            limits.insert(k.clone(), v.clone());
        }
    }
    (requests, limits)
}

/// `PodMutateLimitFunc` / `mergePodResourceRequirements`: fills in what each container and
/// init container lacks and, if anything was filled in, sets the annotation (replacing the
/// one an earlier LimitRange may have set).
fn mutate_pod(lr: &LimitRange, pod: &mut Pod) {
    let (requests, limits) = default_requirements(lr);
    let mut notes = Vec::new();
    if let Some(spec) = pod.spec.as_mut() {
        for c in spec.containers.iter_mut() {
            merge_container(c, &requests, &limits, "container", &mut notes);
        }
        for c in spec.init_containers.iter_mut().flatten() {
            merge_container(c, &requests, &limits, "init container", &mut notes);
        }
    }
    if !notes.is_empty() {
        pod.metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(ANNOTATION.to_string(), annotation_value(&notes));
    }
}

/// `mergeContainerResources`: the request note comes before the limit note.
fn merge_container(
    c: &mut Container,
    requests: &BTreeMap<String, K8sQuantity>,
    limits: &BTreeMap<String, K8sQuantity>,
    prefix: &str,
    notes: &mut Vec<String>,
) {
    let current = c.resources.as_ref();
    let set_limits = missing(current.and_then(|r| r.limits.as_ref()), limits);
    let set_requests = missing(current.and_then(|r| r.requests.as_ref()), requests);
    if set_limits.is_empty() && set_requests.is_empty() {
        return;
    }
    let r = c
        .resources
        .get_or_insert_with(ResourceRequirements::default);
    fill(&mut r.limits, limits, &set_limits);
    fill(&mut r.requests, requests, &set_requests);
    if !set_requests.is_empty() {
        notes.push(annotation_note(&set_requests, "request", prefix, &c.name));
    }
    if !set_limits.is_empty() {
        notes.push(annotation_note(&set_limits, "limit", prefix, &c.name));
    }
}

/// The names of `defaults` that `list` lacks.
fn missing(
    list: Option<&BTreeMap<String, K8sQuantity>>,
    defaults: &BTreeMap<String, K8sQuantity>,
) -> Vec<String> {
    defaults
        .keys()
        .filter(|k| !list.is_some_and(|l| l.contains_key(*k)))
        .cloned()
        .collect()
}

/// Copies the named defaults into the list.
fn fill(
    list: &mut Option<BTreeMap<String, K8sQuantity>>,
    defaults: &BTreeMap<String, K8sQuantity>,
    names: &[String],
) {
    for name in names {
        if let Some(v) = defaults.get(name) {
            list.get_or_insert_with(BTreeMap::new)
                .insert(name.clone(), v.clone());
        }
    }
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

/// Parses a resource map; a value that does not parse (the decoder already refuses those)
/// counts as absent.
fn parse_list(list: Option<&BTreeMap<String, K8sQuantity>>) -> ResourceList {
    list.into_iter()
        .flatten()
        .filter_map(|(k, v)| Quantity::from_k8s(v).ok().map(|q| (k.clone(), q)))
        .collect()
}

/// `requestLimitEnforcedValues`: milli-units when all three fit, units otherwise; an absent
/// quantity counts as zero.
fn comparable(
    req: Option<&Quantity>,
    lim: Option<&Quantity>,
    enforced: &Quantity,
) -> (i64, i64, i64) {
    let value = |q: Option<&Quantity>| q.map_or(0, Quantity::value);
    let milli = |q: Option<&Quantity>| q.map_or(0, Quantity::milli_value);
    let (r, l, e) = (value(req), value(lim), enforced.value());
    if r <= MAX_MILLI_VALUE && l <= MAX_MILLI_VALUE && e <= MAX_MILLI_VALUE {
        (milli(req), milli(lim), enforced.milli_value())
    } else {
        (r, l, e)
    }
}

/// Where a request or limit lives, for the field pointer.
enum Place<'a> {
    /// A container's `resources` (`spec.containers[0].resources`): the pointer names the
    /// request or limit.
    Resources(&'a str),
    /// A total over the pod: the pointer is this field whatever the resource.
    Whole(&'a str),
}

impl Place<'_> {
    fn requests(&self, resource: &str) -> String {
        match self {
            Place::Resources(base) => format!("{base}.requests.{resource}"),
            Place::Whole(field) => field.to_string(),
        }
    }
    fn limits(&self, resource: &str) -> String {
        match self {
            Place::Resources(base) => format!("{base}.limits.{resource}"),
            Place::Whole(field) => field.to_string(),
        }
    }
}

/// `minConstraint`.
fn min_constraint(
    limit_type: &str,
    resource: &str,
    enforced: &Quantity,
    requests: &ResourceList,
    limits: &ResourceList,
    place: &Place,
) -> Option<Violation> {
    let req = requests.get(resource);
    let lim = limits.get(resource);
    let (r, l, e) = comparable(req, lim, enforced);
    let Some(req) = req else {
        return Some(Violation {
            message: min_no_request(resource, limit_type, enforced),
            field: place.requests(resource),
        });
    };
    if r < e {
        return Some(Violation {
            message: min_request(resource, limit_type, enforced, req),
            field: place.requests(resource),
        });
    }
    match lim {
        Some(lim) if l < e => Some(Violation {
            message: min_limit(resource, limit_type, enforced, lim),
            field: place.limits(resource),
        }),
        _ => None,
    }
}

/// `maxConstraint`.
fn max_constraint(
    limit_type: &str,
    resource: &str,
    enforced: &Quantity,
    requests: &ResourceList,
    limits: &ResourceList,
    place: &Place,
) -> Option<Violation> {
    let req = requests.get(resource);
    let lim = limits.get(resource);
    let (r, l, e) = comparable(req, lim, enforced);
    let Some(lim) = lim else {
        return Some(Violation {
            message: max_no_limit(resource, limit_type, enforced),
            field: place.limits(resource),
        });
    };
    if l > e {
        return Some(Violation {
            message: max_limit(resource, limit_type, enforced, lim),
            field: place.limits(resource),
        });
    }
    match req {
        Some(req) if r > e => Some(Violation {
            message: max_request(resource, limit_type, enforced, req),
            field: place.requests(resource),
        }),
        _ => None,
    }
}

/// `maxRequestConstraint`: for kinds whose limits are not user input (PersistentVolumeClaims).
fn max_request_constraint(
    limit_type: &str,
    resource: &str,
    enforced: &Quantity,
    requests: &ResourceList,
    place: &Place,
) -> Option<Violation> {
    let req = requests.get(resource);
    let (r, _, e) = comparable(req, None, enforced);
    let Some(req) = req else {
        return Some(Violation {
            message: max_no_request(resource, limit_type, enforced),
            field: place.requests(resource),
        });
    };
    (r > e).then(|| Violation {
        message: max_request(resource, limit_type, enforced, req),
        field: place.requests(resource),
    })
}

/// `limitRequestRatioConstraint`.
fn ratio_constraint(
    limit_type: &str,
    resource: &str,
    enforced: &Quantity,
    requests: &ResourceList,
    limits: &ResourceList,
    place: &Place,
) -> Option<Violation> {
    let req = requests.get(resource);
    let lim = limits.get(resource);
    let (r, l, _) = comparable(req, lim, enforced);
    if req.is_none() || r == 0 {
        return Some(Violation {
            message: ratio_no_request(resource, limit_type, enforced),
            field: place.requests(resource),
        });
    }
    if lim.is_none() || l == 0 {
        return Some(Violation {
            message: ratio_no_limit(resource, limit_type, enforced),
            field: place.limits(resource),
        });
    }
    let observed = l as f64 / r as f64;
    let (compared, allowed) = if enforced.value() <= MAX_MILLI_VALUE {
        (observed * 1000.0, enforced.milli_value() as f64)
    } else {
        (observed, enforced.value() as f64)
    };
    (compared > allowed).then(|| Violation {
        message: ratio_exceeded(resource, limit_type, enforced, observed),
        field: place.limits(resource),
    })
}

/// Runs an item's `min`, then `max`, then `maxLimitRequestRatio` against one set of requests
/// and limits.
fn check_item(
    item: &LimitRangeItem,
    requests: &ResourceList,
    limits: &ResourceList,
    place: &Place,
    out: &mut Vec<Violation>,
) {
    let t = item.type_.as_str();
    for (k, v) in parse_list(item.min.as_ref()) {
        out.extend(min_constraint(t, &k, &v, requests, limits, place));
    }
    for (k, v) in parse_list(item.max.as_ref()) {
        out.extend(max_constraint(t, &k, &v, requests, limits, place));
    }
    for (k, v) in parse_list(item.max_limit_request_ratio.as_ref()) {
        out.extend(ratio_constraint(t, &k, &v, requests, limits, place));
    }
}

fn container_lists(c: &Container) -> (ResourceList, ResourceList) {
    let r = c.resources.as_ref();
    (
        parse_list(r.and_then(|r| r.requests.as_ref())),
        parse_list(r.and_then(|r| r.limits.as_ref())),
    )
}

/// `PodValidateLimitFunc`: Container items against every container then every init
/// container; Pod items against the pod's effective requests and limits.
fn validate_pod(lr: &LimitRange, pod: &Pod, pod_level: bool) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(spec) = pod.spec.as_ref() else {
        return out;
    };
    for item in items(lr) {
        match item.type_.as_str() {
            TYPE_CONTAINER => {
                let all = spec
                    .containers
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (format!("spec.containers[{i}].resources"), c))
                    .chain(
                        spec.init_containers
                            .iter()
                            .flatten()
                            .enumerate()
                            .map(|(i, c)| (format!("spec.initContainers[{i}].resources"), c)),
                    );
                for (base, c) in all {
                    let (requests, limits) = container_lists(c);
                    check_item(item, &requests, &limits, &Place::Resources(&base), &mut out);
                }
            }
            TYPE_POD => {
                let (requests, limits) = pod_totals(pod, pod_level);
                let place = if pod_level && spec.resources.is_some() {
                    Place::Resources("spec.resources")
                } else {
                    Place::Whole("spec.containers")
                };
                check_item(item, &requests, &limits, &place, &mut out);
            }
            _ => {}
        }
    }
    out
}

/// `PersistentVolumeClaimValidateLimitFunc`: `min` and `max` of PersistentVolumeClaim items
/// against `spec.resources.requests` (a claim's limits are not user input).
fn validate_pvc(lr: &LimitRange, pvc: &PersistentVolumeClaim) -> Vec<Violation> {
    let requests = parse_list(
        pvc.spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref()),
    );
    let none = ResourceList::new();
    let place = Place::Resources("spec.resources");
    let mut out = Vec::new();
    for item in items(lr).filter(|i| i.type_ == TYPE_PVC) {
        for (k, v) in parse_list(item.min.as_ref()) {
            out.extend(min_constraint(TYPE_PVC, &k, &v, &requests, &none, &place));
        }
        for (k, v) in parse_list(item.max.as_ref()) {
            out.extend(max_request_constraint(TYPE_PVC, &k, &v, &requests, &place));
        }
    }
    out
}

/// `addResourceList`: a new name is copied, an existing one summed (`Quantity.Add`).
fn add_into(list: &mut ResourceList, other: &ResourceList) {
    for (k, v) in other {
        match list.get_mut(k) {
            Some(existing) => *existing += v,
            None => {
                list.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `maxResourceList`: keeps the larger of each name.
fn max_into(list: &mut ResourceList, other: &ResourceList) {
    for (k, v) in other {
        let larger = list.get(k).is_none_or(|existing| v > existing);
        if larger {
            list.insert(k.clone(), v.clone());
        }
    }
}

/// `podRequests` and `podLimits`: the containers' sum, raised to the largest init container
/// (each counted with the restartable init containers (sidecars) started before it; sidecars
/// also add to the sum); with PodLevelResources on, the pod-level cpu and memory replace the
/// aggregate. Status (in-place resize) is not looked at: these checks run on create.
fn pod_totals(pod: &Pod, pod_level: bool) -> (ResourceList, ResourceList) {
    let Some(spec) = pod.spec.as_ref() else {
        return (ResourceList::new(), ResourceList::new());
    };
    let pod_level = if pod_level {
        spec.resources.as_ref()
    } else {
        None
    };
    let requests = pod_side(
        spec,
        |r| r.requests.as_ref(),
        pod_level.and_then(|r| r.requests.as_ref()),
    );
    let limits = pod_side(
        spec,
        |r| r.limits.as_ref(),
        pod_level.and_then(|r| r.limits.as_ref()),
    );
    (requests, limits)
}

type Pick = fn(&ResourceRequirements) -> Option<&BTreeMap<String, K8sQuantity>>;

/// One side (requests or limits) of `podRequests` / `podLimits`.
fn pod_side(
    spec: &k8s_openapi::api::core::v1::PodSpec,
    pick: Pick,
    pod_level: Option<&BTreeMap<String, K8sQuantity>>,
) -> ResourceList {
    let own = |c: &Container| parse_list(c.resources.as_ref().and_then(pick));
    let mut total = ResourceList::new();
    for c in &spec.containers {
        add_into(&mut total, &own(c));
    }
    let mut sidecars = ResourceList::new();
    let mut init = ResourceList::new();
    for c in spec.init_containers.iter().flatten() {
        let list = own(c);
        let effective = if c.restart_policy.as_deref() == Some("Always") {
            add_into(&mut total, &list);
            add_into(&mut sidecars, &list);
            sidecars.clone()
        } else {
            let mut tmp = list;
            add_into(&mut tmp, &sidecars);
            tmp
        };
        max_into(&mut init, &effective);
    }
    max_into(&mut total, &init);
    for (k, v) in parse_list(pod_level) {
        if POD_LEVEL_RESOURCES.contains(&k.as_str()) {
            total.insert(k, v);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defaults;
    use crate::object::lookup;
    use crate::settings::{Settings, UserInfo};
    use crate::store::Store;
    use serde_json::{json, Value};

    /// A LimitRange named `name` in `default` with these items, defaulted like the API server.
    fn limit_range(name: &str, limits: Value) -> Object {
        let lr: LimitRange = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"limits": limits}
        }))
        .unwrap();
        let mut obj = Object::LimitRange(Box::new(lr));
        defaults::apply(&mut obj);
        obj
    }

    fn store(ranges: Vec<Object>) -> Store {
        let mut s = Store::new();
        for r in ranges {
            s.insert_new(r, None);
        }
        s
    }

    /// A pod named `web` in `default` whose containers are given as JSON.
    fn pod(spec: Value) -> Object {
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": spec
        }))
        .unwrap();
        let mut obj = Object::Pod(Box::new(p));
        defaults::apply(&mut obj);
        obj
    }

    fn pvc(storage: Option<&str>) -> Object {
        let requests = storage.map_or(json!({}), |s| json!({"storage": s}));
        let p: PersistentVolumeClaim = serde_json::from_value(json!({
            "metadata": {"name": "data", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": requests}}
        }))
        .unwrap();
        Object::PersistentVolumeClaim(Box::new(p))
    }

    struct Request<'a> {
        op: Operation,
        subresource: &'a str,
        minor: u32,
        old: Option<&'a Object>,
        name: &'a str,
    }

    const CREATE: Request<'static> = Request {
        op: Operation::Create,
        subresource: "",
        minor: 34,
        old: None,
        name: "",
    };

    /// Runs the plugin's mutating then validating pass, as the chain does; returns the
    /// admitted object or the error message.
    fn run(store: &Store, obj: Object, req: Request) -> Result<Object, String> {
        let user = UserInfo::default();
        let settings = Settings {
            minor: req.minor,
            ..Settings::default()
        };
        let view = ClusterView {
            store,
            settings: &settings,
        };
        let info = obj.info();
        let name = if req.name.is_empty() {
            obj.name().to_string()
        } else {
            req.name.to_string()
        };
        let mut a = Attributes {
            operation: req.op,
            kind: info,
            namespace: "default".into(),
            name,
            subresource: req.subresource.into(),
            object: Some(obj),
            old_object: req.old,
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        LimitRanger.admit(&mut a, &view).map_err(|e| e.message)?;
        LimitRanger.validate(&a, &view).map_err(|e| {
            assert_eq!(e.reason, crate::status::Reason::Forbidden);
            assert_eq!(e.source, "LimitRanger");
            e.message
        })?;
        Ok(a.object.unwrap())
    }

    fn create(store: &Store, obj: Object) -> Result<Object, String> {
        run(store, obj, CREATE)
    }

    fn resources(obj: &Object, init: bool, i: usize) -> Value {
        let Object::Pod(p) = obj else {
            panic!("not a pod")
        };
        let spec = p.spec.as_ref().unwrap();
        let c = if init {
            &spec.init_containers.as_ref().unwrap()[i]
        } else {
            &spec.containers[i]
        };
        serde_json::to_value(&c.resources).unwrap()
    }

    fn annotation(obj: &Object) -> Option<String> {
        obj.meta()
            .annotations
            .as_ref()
            .and_then(|a| a.get(ANNOTATION).cloned())
    }

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    fn nginx(resources: Value) -> Value {
        json!({"containers": [{"name": "nginx", "image": "nginx", "resources": resources}]})
    }

    fn talk_ranges() -> Store {
        store(vec![
            limit_range(
                "cpu-min-max-demo-lr",
                json!([{"type": "Container", "max": {"cpu": "800m"}, "min": {"cpu": "200m"}}]),
            ),
            limit_range(
                "mem-limit-range",
                json!([{"type": "Container", "default": {"memory": "512Mi"},
                        "defaultRequest": {"memory": "256Mi"}}]),
            ),
        ])
    }

    #[test]
    fn the_api_server_defaults_a_container_item_from_max_default_and_min() {
        let cases = [
            (
                "max becomes the default limit, and the default limit the default request",
                json!({"type": "Container", "max": {"cpu": "800m"}, "min": {"cpu": "200m"}}),
                json!({"cpu": "800m"}),
                json!({"cpu": "800m"}),
            ),
            (
                "min becomes the default request when there is no default limit",
                json!({"type": "Container", "min": {"memory": "100Mi"}}),
                Value::Null,
                json!({"memory": "100Mi"}),
            ),
            (
                "given values are kept and only missing names are filled",
                json!({"type": "Container", "max": {"cpu": "2", "memory": "1Gi"},
                       "default": {"cpu": "500m"}, "defaultRequest": {"memory": "0.5Gi"}}),
                json!({"cpu": "500m", "memory": "1Gi"}),
                json!({"cpu": "500m", "memory": "512Mi"}),
            ),
            (
                "a Pod item is not defaulted",
                json!({"type": "Pod", "max": {"cpu": "2"}, "min": {"cpu": "1"}}),
                Value::Null,
                Value::Null,
            ),
            (
                "a Container item with nothing to copy keeps no empty maps",
                json!({"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}}),
                Value::Null,
                Value::Null,
            ),
        ];
        for (name, item, default, default_request) in cases {
            let Object::LimitRange(lr) = limit_range("x", json!([item])) else {
                unreachable!()
            };
            let item = &lr.spec.as_ref().unwrap().limits[0];
            let got = (
                serde_json::to_value(&item.default).unwrap(),
                serde_json::to_value(&item.default_request).unwrap(),
            );
            assert_eq!(got, (default, default_request), "{name}");
        }
    }

    #[test]
    fn missing_requests_and_limits_are_filled_and_named_in_the_annotation() {
        let s = store(vec![limit_range(
            "defaults",
            json!([{"type": "Container", "default": {"cpu": "500m", "memory": "512Mi"},
                    "defaultRequest": {"cpu": "250m", "memory": "256Mi"}}]),
        )]);
        let cases = [
            (
                "an empty container gets every default",
                json!({"containers": [{"name": "nginx", "image": "nginx"}]}),
                vec![json!({"limits": {"cpu": "500m", "memory": "512Mi"},
                            "requests": {"cpu": "250m", "memory": "256Mi"}})],
                Some("LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx"),
            ),
            (
                "a given request is kept",
                nginx(json!({"requests": {"memory": "100Mi"}})),
                vec![json!({"limits": {"cpu": "500m", "memory": "512Mi"},
                            "requests": {"cpu": "250m", "memory": "100Mi"}})],
                Some("LimitRanger plugin set: cpu request for container nginx; cpu, memory limit for container nginx"),
            ),
            (
                "a given limit is kept and, defaulted to the request first, keeps the request too",
                nginx(json!({"limits": {"cpu": "1"}})),
                vec![json!({"limits": {"cpu": "1", "memory": "512Mi"},
                            "requests": {"cpu": "1", "memory": "256Mi"}})],
                Some("LimitRanger plugin set: memory request for container nginx; memory limit for container nginx"),
            ),
            (
                "a fully specified container is left alone",
                nginx(json!({"requests": {"cpu": "100m", "memory": "64Mi"},
                             "limits": {"cpu": "200m", "memory": "128Mi"}})),
                vec![json!({"limits": {"cpu": "200m", "memory": "128Mi"},
                            "requests": {"cpu": "100m", "memory": "64Mi"}})],
                None,
            ),
            (
                "containers are noted in order, then init containers",
                json!({"containers": [
                        {"name": "app", "image": "app", "resources": {"limits": {"cpu": "300m", "memory": "300Mi"}}},
                        {"name": "log", "image": "log"}],
                       "initContainers": [{"name": "setup", "image": "busybox",
                        "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}}}]}),
                vec![
                    json!({"limits": {"cpu": "300m", "memory": "300Mi"},
                           "requests": {"cpu": "300m", "memory": "300Mi"}}),
                    json!({"limits": {"cpu": "500m", "memory": "512Mi"},
                           "requests": {"cpu": "250m", "memory": "256Mi"}}),
                ],
                Some("LimitRanger plugin set: cpu, memory request for container log; cpu, memory limit for container log; cpu, memory limit for init container setup"),
            ),
        ];
        for (name, spec, want, note) in cases {
            let got = create(&s, pod(spec)).unwrap_or_else(|e| panic!("{name}: {e}"));
            for (i, w) in want.iter().enumerate() {
                assert_eq!(&resources(&got, false, i), w, "{name}");
            }
            assert_eq!(annotation(&got).as_deref(), note, "{name}");
        }
    }

    #[test]
    fn init_containers_get_defaults_too() {
        let s = store(vec![limit_range(
            "defaults",
            json!([{"type": "Container", "default": {"cpu": "500m"}}]),
        )]);
        let spec = json!({"containers": [{"name": "app", "image": "app"}],
                          "initContainers": [{"name": "setup", "image": "busybox"}]});
        let got = create(&s, pod(spec)).unwrap();
        let want = json!({"limits": {"cpu": "500m"}, "requests": {"cpu": "500m"}});
        assert_eq!(resources(&got, true, 0), want);
        assert_eq!(
            annotation(&got).as_deref(),
            Some("LimitRanger plugin set: cpu request for container app; cpu limit for container app; cpu request for init container setup; cpu limit for init container setup")
        );
    }

    #[test]
    fn each_violation_has_upstreams_message() {
        let container = |item: Value| store(vec![limit_range("lr", json!([item]))]);
        let cases = [
            (
                "a limit above max",
                container(json!({"type": "Container", "max": {"cpu": "800m"}})),
                nginx(json!({"limits": {"cpu": "1000m"}})),
                "maximum cpu usage per Container is 800m, but limit is 1",
            ),
            (
                "a request below min",
                container(json!({"type": "Container", "min": {"cpu": "200m"}})),
                nginx(json!({"requests": {"cpu": "100m"}})),
                "minimum cpu usage per Container is 200m, but request is 100m",
            ),
            (
                "a limit over twice the request",
                container(json!({"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}})),
                nginx(json!({"requests": {"cpu": "250m"}, "limits": {"cpu": "1"}})),
                "cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000",
            ),
            (
                "a ratio printed with six decimals",
                container(json!({"type": "Container", "maxLimitRequestRatio": {"memory": "1"}})),
                nginx(json!({"requests": {"memory": "384Mi"}, "limits": {"memory": "512Mi"}})),
                "memory max limit to request ratio per Container is 1, but provided ratio is 1.333333",
            ),
            (
                "a zero request under a ratio",
                container(json!({"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}})),
                nginx(json!({"requests": {"cpu": "0"}, "limits": {"cpu": "1"}})),
                "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0",
            ),
            (
                "no limit under a Pod ratio",
                container(json!({"type": "Pod", "maxLimitRequestRatio": {"cpu": "2"}})),
                nginx(json!({"requests": {"cpu": "100m"}})),
                "cpu max limit to request ratio per Pod is 2, but no limit is specified or limit is 0",
            ),
            (
                "no limit under a Pod max",
                container(json!({"type": "Pod", "max": {"memory": "1Gi"}})),
                nginx(json!({"requests": {"memory": "100Mi"}})),
                "maximum memory usage per Pod is 1Gi.  No limit is specified",
            ),
            (
                "no request under a Pod min",
                container(json!({"type": "Pod", "min": {"cpu": "100m"}})),
                nginx(json!({})),
                "minimum cpu usage per Pod is 100m.  No request is specified",
            ),
            (
                "an init container above max",
                container(json!({"type": "Container", "max": {"memory": "1Gi"}})),
                json!({"containers": [{"name": "app", "image": "app"}],
                       "initContainers": [{"name": "setup", "image": "busybox",
                                           "resources": {"limits": {"memory": "2Gi"}}}]}),
                "maximum memory usage per Container is 1Gi, but limit is 2Gi",
            ),
        ];
        for (name, s, spec, want) in cases {
            assert_eq!(
                create(&s, pod(spec)),
                Err(format!("pods \"web\" is forbidden: {want}")),
                "{name}"
            );
        }
    }

    #[test]
    fn constraints_that_pod_validation_would_catch_first_still_have_their_messages() {
        // A request above max (or a limit below min) means request > limit, which pod
        // validation refuses before validating admission; the wording is upstream's anyway.
        let e = q("800m");
        let place = Place::Resources("spec.containers[0].resources");
        let list = |k: &str, v: &str| ResourceList::from([(k.to_string(), q(v))]);
        let cases = [
            (
                max_constraint(
                    "Container",
                    "cpu",
                    &e,
                    &list("cpu", "900m"),
                    &list("cpu", "800m"),
                    &place,
                ),
                "maximum cpu usage per Container is 800m, but request is 900m",
            ),
            (
                min_constraint(
                    "Container",
                    "cpu",
                    &e,
                    &list("cpu", "800m"),
                    &list("cpu", "500m"),
                    &place,
                ),
                "minimum cpu usage per Container is 800m, but limit is 500m",
            ),
            (
                max_constraint(
                    "Container",
                    "cpu",
                    &e,
                    &list("cpu", "100m"),
                    &ResourceList::new(),
                    &place,
                ),
                "maximum cpu usage per Container is 800m.  No limit is specified",
            ),
            (
                min_constraint(
                    "Container",
                    "cpu",
                    &e,
                    &ResourceList::new(),
                    &ResourceList::new(),
                    &place,
                ),
                "minimum cpu usage per Container is 800m.  No request is specified",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got.map(|v| v.message).as_deref(), Some(want));
        }
    }

    #[test]
    fn several_violations_are_bracketed_and_repeats_dropped() {
        let s = store(vec![limit_range(
            "lr",
            json!([{"type": "Container", "min": {"memory": "100Mi"}, "max": {"cpu": "800m"}}]),
        )]);
        let cases = [
            (
                "min before max within a container",
                nginx(json!({"requests": {"memory": "50Mi"}, "limits": {"cpu": "1", "memory": "50Mi"}})),
                "[minimum memory usage per Container is 100Mi, but request is 50Mi, maximum cpu usage per Container is 800m, but limit is 1]",
            ),
            (
                "two containers with the same fault give one message",
                json!({"containers": [
                    {"name": "a", "image": "a", "resources": {"limits": {"cpu": "2"}}},
                    {"name": "b", "image": "b", "resources": {"limits": {"cpu": "2"}}}]}),
                "maximum cpu usage per Container is 800m, but limit is 2",
            ),
        ];
        for (name, spec, want) in cases {
            assert_eq!(
                create(&s, pod(spec)),
                Err(format!("pods \"web\" is forbidden: {want}")),
                "{name}"
            );
        }
    }

    #[test]
    fn the_talks_fixed_limit_ranges_default_then_check() {
        let s = talk_ranges();
        let got = create(
            &s,
            pod(json!({"containers": [{"name": "nginx", "image": "nginx"}]})),
        )
        .unwrap();
        assert_eq!(
            resources(&got, false, 0),
            json!({"limits": {"cpu": "800m", "memory": "512Mi"},
                   "requests": {"cpu": "800m", "memory": "256Mi"}})
        );
        // The second LimitRange also set something, so its note replaces the first one's.
        assert_eq!(
            annotation(&got).as_deref(),
            Some("LimitRanger plugin set: memory request for container nginx; memory limit for container nginx")
        );
        assert_eq!(
            create(&s, pod(nginx(json!({"requests": {"cpu": "100m"}, "limits": {"cpu": "1500m"}})))),
            Err("pods \"web\" is forbidden: [minimum cpu usage per Container is 200m, but request is 100m, maximum cpu usage per Container is 800m, but limit is 1500m]".into())
        );
        assert!(create(
            &s,
            pod(nginx(
                json!({"requests": {"cpu": "500m"}, "limits": {"cpu": "800m"}})
            ))
        )
        .is_ok());
    }

    #[test]
    fn the_first_limit_range_with_violations_decides() {
        let s = store(vec![
            limit_range(
                "a-small",
                json!([{"type": "Container", "max": {"cpu": "1"}}]),
            ),
            limit_range(
                "b-smaller",
                json!([{"type": "Container", "max": {"cpu": "500m", "memory": "1Gi"}}]),
            ),
        ]);
        assert_eq!(
            create(
                &s,
                pod(nginx(json!({"limits": {"cpu": "2", "memory": "2Gi"}})))
            ),
            Err(
                "pods \"web\" is forbidden: maximum cpu usage per Container is 1, but limit is 2"
                    .into()
            )
        );
        assert_eq!(
            create(&s, pod(nginx(json!({"limits": {"cpu": "800m", "memory": "2Gi"}})))),
            Err("pods \"web\" is forbidden: [maximum cpu usage per Container is 500m, but limit is 800m, maximum memory usage per Container is 1Gi, but limit is 2Gi]".into())
        );
        // Defaults: the first LimitRange fills cpu (1), the second only memory.
        let got = create(
            &s,
            pod(json!({"containers": [{"name": "nginx", "image": "nginx"}]})),
        );
        assert_eq!(
            got,
            Err("pods \"web\" is forbidden: maximum cpu usage per Container is 500m, but limit is 1".into())
        );
    }

    #[test]
    fn pod_items_check_the_pods_effective_totals() {
        let s = store(vec![limit_range(
            "lr",
            json!([{"type": "Pod", "max": {"cpu": "1", "memory": "1Gi"}}]),
        )]);
        let c = |name: &str, cpu: &str, mem: &str| json!({"name": name, "image": "x", "resources": {"limits": {"cpu": cpu, "memory": mem}}});
        let cases = [
            (
                "containers are summed",
                json!({"containers": [c("a", "600m", "512Mi"), c("b", "600m", "512Mi")]}),
                Err("maximum cpu usage per Pod is 1, but limit is 1200m"),
            ),
            (
                "sums keep the format of the first quantity",
                json!({"containers": [c("a", "500m", "768Mi"), c("b", "500m", "768Mi")]}),
                Err("maximum memory usage per Pod is 1Gi, but limit is 1536Mi"),
            ),
            (
                "the largest init container raises the total",
                json!({"containers": [c("a", "300m", "100Mi")],
                       "initContainers": [c("i", "2", "100Mi")]}),
                Err("maximum cpu usage per Pod is 1, but limit is 2"),
            ),
            (
                "a sidecar adds to the containers and to later init containers",
                json!({"containers": [c("a", "500m", "100Mi")],
                       "initContainers": [
                           {"name": "s", "image": "x", "restartPolicy": "Always",
                            "resources": {"limits": {"cpu": "400m", "memory": "100Mi"}}},
                           c("i", "700m", "100Mi")]}),
                Err("maximum cpu usage per Pod is 1, but limit is 1100m"),
            ),
            (
                "a pod within its totals passes",
                json!({"containers": [c("a", "500m", "512Mi"), c("b", "500m", "512Mi")],
                       "initContainers": [c("i", "1", "1Gi")]}),
                Ok(()),
            ),
        ];
        for (name, spec, want) in cases {
            let got = create(&s, pod(spec)).map(|_| ());
            let want = want.map_err(|m| format!("pods \"web\" is forbidden: {m}"));
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn pod_level_resources_count_from_1_34() {
        let s = store(vec![limit_range(
            "lr",
            json!([{"type": "Pod", "max": {"cpu": "1"}}]),
        )]);
        let spec = json!({"resources": {"limits": {"cpu": "2"}},
                          "containers": [{"name": "a", "image": "a", "resources": {"limits": {"cpu": "500m"}}}]});
        assert_eq!(
            run(&s, pod(spec.clone()), CREATE),
            Err("pods \"web\" is forbidden: maximum cpu usage per Pod is 1, but limit is 2".into())
        );
        let old = Request {
            minor: 33,
            ..CREATE
        };
        assert!(run(&s, pod(spec), old).is_ok());
    }

    #[test]
    fn claims_are_checked_against_storage_min_and_max() {
        let s = store(vec![limit_range(
            "storage",
            json!([{"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "2Gi"}}]),
        )]);
        let cases = [
            ("a claim within range passes", Some("1500Mi"), Ok(())),
            (
                "a claim below min",
                Some("500Mi"),
                Err("minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"),
            ),
            (
                "a claim above max",
                Some("5Gi"),
                Err("maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi"),
            ),
            (
                "a claim without a request",
                None,
                Err("[minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified, maximum storage usage per PersistentVolumeClaim is 2Gi.  No request is specified]"),
            ),
        ];
        for (name, storage, want) in cases {
            let got = create(&s, pvc(storage)).map(|_| ());
            let want =
                want.map_err(|m| format!("persistentvolumeclaims \"data\" is forbidden: {m}"));
            assert_eq!(got, want, "{name}");
        }
        // Claims are checked on update too (a resize).
        let old = pvc(Some("1Gi"));
        let update = Request {
            op: Operation::Update,
            old: Some(&old),
            ..CREATE
        };
        assert_eq!(
            run(&s, pvc(Some("3Gi")), update),
            Err("persistentvolumeclaims \"data\" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 3Gi".into())
        );
        // Container items do not apply to claims, nor claim items to pods.
        let pods_only = store(vec![limit_range(
            "c",
            json!([{"type": "Container", "max": {"storage": "1Gi"}}]),
        )]);
        assert!(create(&pods_only, pvc(Some("5Gi"))).is_ok());
        assert!(create(&s, pod(nginx(json!({})))).is_ok());
    }

    #[test]
    fn what_upstream_skips_is_let_through_unchanged() {
        let s = store(vec![limit_range(
            "lr",
            json!([{"type": "Container", "max": {"cpu": "100m"}}]),
        )]);
        let big = || pod(nginx(json!({"limits": {"cpu": "2"}})));
        let mut deleting = big();
        deleting.meta_mut().deletion_timestamp = Some(Store::new().timestamp());
        let cases = [
            (
                "a pod update",
                Request {
                    op: Operation::Update,
                    old: Some(&deleting),
                    ..CREATE
                },
            ),
            (
                "a pod subresource",
                Request {
                    subresource: "status",
                    ..CREATE
                },
            ),
        ];
        for (name, req) in cases {
            let got = run(&s, big(), req).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(annotation(&got), None, "{name}");
        }
        let old = pvc(Some("1Gi"));
        let mut old_deleting = old.clone();
        old_deleting.meta_mut().deletion_timestamp = Some(Store::new().timestamp());
        let claim_items = store(vec![limit_range(
            "lr",
            json!([{"type": "PersistentVolumeClaim", "max": {"storage": "1Gi"}}]),
        )]);
        let update = Request {
            op: Operation::Update,
            old: Some(&old_deleting),
            ..CREATE
        };
        assert!(
            run(&claim_items, pvc(Some("5Gi")), update).is_ok(),
            "a claim being deleted"
        );

        // Other kinds are not looked at.
        let cm: k8s_openapi::api::core::v1::ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": "cfg", "namespace": "default"}}))
                .unwrap();
        assert!(create(&s, Object::ConfigMap(Box::new(cm))).is_ok());
        let deploy: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx",
                                           "resources": {"limits": {"cpu": "2"}}}]}}}
        }))
        .unwrap();
        let deploy = Object::Deployment(Box::new(deploy));
        assert_eq!(create(&s, deploy.clone()), Ok(deploy));
        // Without LimitRanges nothing changes.
        let plain = pod(nginx(json!({})));
        assert_eq!(create(&Store::new(), plain.clone()), Ok(plain));
    }

    #[test]
    fn a_generated_name_is_named_like_upstream() {
        let s = store(vec![limit_range(
            "lr",
            json!([{"type": "Container", "max": {"cpu": "100m"}}]),
        )]);
        let mut p = pod(nginx(json!({"limits": {"cpu": "2"}})));
        p.meta_mut().name = None;
        p.meta_mut().generate_name = Some("web-7d4b9c-".into());
        let req = Request { name: "", ..CREATE };
        assert_eq!(
            run(&s, p, req),
            Err("pods \"web-7d4b9c-\" is forbidden: maximum cpu usage per Container is 100m, but limit is 2".into())
        );
    }

    #[test]
    fn errors_point_at_the_first_offending_field() {
        let s = store(vec![limit_range(
            "lr",
            json!([{"type": "Container", "max": {"cpu": "100m"}}]),
        )]);
        let user = UserInfo::default();
        let settings = Settings::default();
        let a = Attributes {
            operation: Operation::Create,
            kind: lookup("v1", "Pod").unwrap(),
            namespace: "default".into(),
            name: "web".into(),
            subresource: String::new(),
            object: Some(pod(json!({"containers": [
                {"name": "a", "image": "a", "resources": {"limits": {"cpu": "50m"}}},
                {"name": "b", "image": "b", "resources": {"limits": {"cpu": "2"}}}]}))),
            old_object: None,
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        let e = LimitRanger
            .validate(
                &a,
                &ClusterView {
                    store: &s,
                    settings: &settings,
                },
            )
            .unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("spec.containers[1].resources.limits.cpu")
        );
    }

    #[test]
    fn odd_quantities_never_panic() {
        let s = store(vec![limit_range(
            "lr",
            json!([{"type": "Container", "min": {"cpu": "-1"}, "max": {"cpu": "1e30", "memory": "0"},
                    "maxLimitRequestRatio": {"cpu": "1e40", "memory": "0"}},
                   {"type": "Pod", "max": {"cpu": "9223372036854775807"}, "maxLimitRequestRatio": {"cpu": "1m"}}]),
        )]);
        let spec = nginx(json!({"requests": {"cpu": "1n", "memory": "1e20"},
                                "limits": {"cpu": "99999999999999999999", "memory": "1e21"}}));
        let _ = create(&s, pod(spec));
        let _ = create(&s, pod(json!({})));
    }
}
