//! `kubectl drain NODE… [--ignore-daemonsets] [--delete-emptydir-data] [--force]
//! [--timeout=D]`: cordons the nodes, then evicts their pods through the eviction API.
//!
//! Follows kubectl `pkg/cmd/drain/drain.go` (`RunDrain`, `deleteOrEvictPodsSimple`: the
//! `unable to drain node` line, `There are pending nodes to be drained:`, the final aggregate
//! printed one error per line) and `pkg/drain/filters.go` / `drain.go` (the filters in order —
//! DaemonSet, mirror, local storage, unreplicated — their fatal and warning texts, and
//! `evictPods`: `evicting pod ns/name`, the retry line on HTTP 429, `pod/name evicted`); and the
//! API server's eviction subresource `pkg/registry/core/pod/storage/eviction.go` (pods that are
//! Pending, finished or terminating are deleted without asking their budget; more than one
//! budget is an error; a budget without disruptions allowed answers 429 `Cannot evict pod as it
//! would violate the pod's disruption budget.`; the `DisruptionTarget` condition
//! `EvictionByEvictionAPI` from 1.26). The budget's `disruptionsAllowed` is computed as
//! `pkg/controller/disruption/disruption.go` would (`getExpectedPodCount`,
//! `countHealthyPods`), since kubefiddle runs no disruption controller.
//!
//! Where kubectl evicts concurrently, kubefiddle goes through the pods in the API's order: every
//! `evicting pod` line, then each eviction; a refused one is retried after 5 seconds of the
//! logical clock (the cluster settles in between), as kubectl retries. Without `--timeout`
//! kubectl would retry forever; kubefiddle stops retrying once a retry changes nothing.
//! Where kubectl iterates a Go map (the order of several warnings or errors), kubefiddle keeps
//! the order in which they first appear.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{allowed, cordon, error_record, record, Args, CmdError};
use crate::apiserver::Cluster;
use crate::labels::Selector;
use crate::object::{self, Object};
use crate::scenario::{Outcome, ResultRecord, Stream};
use crate::status::{ApiError, Reason};
use crate::store::ObjRef;

const DAEMONSET_FATAL: &str = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";
const LOCAL_STORAGE_FATAL: &str =
    "Pods with local storage (use --delete-emptydir-data to override)";
const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
/// `unmanagedFatal`: 1.30 added "cannot delete that" to it, which `errors()` prefixes with
/// "cannot delete" again (kubernetes/kubernetes#135817, fixed in 1.36).
const UNMANAGED_FATAL: &str =
    "cannot delete Pods that declare no controller (use --force to override)";
const UNMANAGED_FATAL_BEFORE_1_30: &str = "Pods declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";
/// Until 1.23 (`pkg/drain/filters.go` at kubernetes-1.20.0 … 1.23.0).
const UNMANAGED_FATAL_BEFORE_1_24: &str = "Pods not managed by ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet (use --force to override)";
const UNMANAGED_WARNING_BEFORE_1_24: &str =
    "deleting Pods not managed by ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet";
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// The eviction subresource's 429 message.
pub const PDB_VIOLATION: &str = "Cannot evict pod as it would violate the pod's disruption budget.";
const MULTIPLE_PDBS: &str =
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";

/// What the filters decided for one pod (`PodDeleteStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Okay,
    Skip,
    Warning { delete: bool, message: String },
    Error(String),
}

impl Verdict {
    fn deletes(&self) -> bool {
        matches!(self, Verdict::Okay | Verdict::Warning { delete: true, .. })
    }
}

/// The drain flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    pub ignore_daemonsets: bool,
    pub delete_emptydir_data: bool,
    pub force: bool,
}

fn finished(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

fn controller_of(
    pod: &Pod,
) -> Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference> {
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
}

/// `makeFilters` applied in order, stopping at the first that keeps the pod.
pub fn filter(c: &Cluster, pod: &Pod, flags: Flags) -> Verdict {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("");
    let mut status = Verdict::Okay;
    let filters: [&dyn Fn() -> Verdict; 4] = [
        // daemonSetFilter
        &|| {
            let Some(owner) = controller_of(pod).filter(|o| o.kind == "DaemonSet") else {
                return Verdict::Okay;
            };
            if finished(pod) {
                return Verdict::Okay;
            }
            if c.store.get_obj("DaemonSet", ns, &owner.name).is_none() {
                let err = format!("daemonsets.apps {:?} not found", owner.name);
                return if flags.force {
                    Verdict::Warning {
                        delete: true,
                        message: err,
                    }
                } else {
                    Verdict::Error(err)
                };
            }
            if !flags.ignore_daemonsets {
                return Verdict::Error(DAEMONSET_FATAL.into());
            }
            Verdict::Warning {
                delete: false,
                message: DAEMONSET_WARNING.into(),
            }
        },
        // mirrorPodFilter
        &|| {
            let mirror = pod
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key(MIRROR_ANNOTATION));
            if mirror {
                Verdict::Skip
            } else {
                Verdict::Okay
            }
        },
        // localStorageFilter
        &|| {
            let empty_dir = pod
                .spec
                .as_ref()
                .and_then(|s| s.volumes.as_ref())
                .is_some_and(|vs| vs.iter().any(|v| v.empty_dir.is_some()));
            if !empty_dir || finished(pod) {
                return Verdict::Okay;
            }
            if !flags.delete_emptydir_data {
                return Verdict::Error(LOCAL_STORAGE_FATAL.into());
            }
            Verdict::Warning {
                delete: true,
                message: LOCAL_STORAGE_WARNING.into(),
            }
        },
        // unreplicatedFilter
        &|| {
            if finished(pod) || controller_of(pod).is_some() {
                return Verdict::Okay;
            }
            if flags.force {
                let message = if c.settings.minor < 24 {
                    UNMANAGED_WARNING_BEFORE_1_24
                } else {
                    UNMANAGED_WARNING
                };
                Verdict::Warning {
                    delete: true,
                    message: message.into(),
                }
            } else if c.settings.minor < 24 {
                Verdict::Error(UNMANAGED_FATAL_BEFORE_1_24.into())
            } else if c.settings.minor < 30 {
                Verdict::Error(UNMANAGED_FATAL_BEFORE_1_30.into())
            } else {
                Verdict::Error(UNMANAGED_FATAL.into())
            }
        },
    ];
    for f in filters {
        status = f();
        if !status.deletes() {
            break;
        }
    }
    status
}

/// `GetPodsForDeletion`: every pod on the node with its verdict, in the API's order.
fn pods_on(c: &Cluster, node: &str, flags: Flags) -> Vec<(Pod, Verdict)> {
    c.store
        .list("Pod")
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .map(|p| (p.clone(), filter(c, p, flags)))
        .collect()
}

fn pod_key(p: &Pod) -> String {
    format!(
        "{}/{}",
        p.metadata.namespace.as_deref().unwrap_or(""),
        p.metadata.name.as_deref().unwrap_or("")
    )
}

/// `PodDeleteList.Warnings` (one `message: pods` part per message, joined by `; `).
fn warnings(list: &[(Pod, Verdict)]) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (p, v) in list {
        if let Verdict::Warning { message, .. } = v {
            match groups.iter_mut().find(|(m, _)| m == message) {
                Some((_, pods)) => pods.push(pod_key(p)),
                None => groups.push((message.clone(), vec![pod_key(p)])),
            }
        }
    }
    groups
        .iter()
        .map(|(m, pods)| format!("{m}: {}", pods.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `PodDeleteList.errors`.
fn errors(list: &[(Pod, Verdict)]) -> Vec<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (p, v) in list {
        if let Verdict::Error(message) = v {
            match groups.iter_mut().find(|(m, _)| m == message) {
                Some((_, pods)) => pods.push(pod_key(p)),
                None => groups.push((message.clone(), vec![pod_key(p)])),
            }
        }
    }
    groups
        .into_iter()
        .map(|(m, pods)| format!("cannot delete {m}: {}", pods.join(", ")))
        .collect()
}

/// `utilerrors.NewAggregate(errs).Error()`.
fn aggregate(errs: &[String]) -> String {
    match errs {
        [one] => one.clone(),
        _ => format!("[{}]", errs.join(", ")),
    }
}

fn pod_ready(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// `intstr.GetScaledValueFromIntOrPercent`.
fn scaled(v: &IntOrString, total: i32, round_up: bool) -> Option<i32> {
    match v {
        IntOrString::Int(i) => Some(*i),
        IntOrString::String(s) => {
            let pct: i64 = s.strip_suffix('%')?.parse().ok()?;
            let num = pct.saturating_mul(i64::from(total));
            let val = if round_up {
                (num + 99).div_euclid(100)
            } else {
                num.div_euclid(100)
            };
            i32::try_from(val).ok()
        }
    }
}

/// The scale of the pods' controllers (`getExpectedScale`): each controller once.
fn expected_scale(c: &Cluster, ns: &str, pods: &[&Pod]) -> i32 {
    let mut seen: Vec<String> = Vec::new();
    let mut total: i32 = 0;
    for p in pods {
        let Some(owner) = controller_of(p) else {
            continue;
        };
        if seen.contains(&owner.uid) {
            continue;
        }
        seen.push(owner.uid.clone());
        let replicas = match c.store.get_obj(&owner.kind, ns, &owner.name) {
            Some(Object::ReplicaSet(rs)) => rs.spec.as_ref().and_then(|s| s.replicas),
            Some(Object::StatefulSet(s)) => s.spec.as_ref().and_then(|s| s.replicas),
            Some(Object::Deployment(d)) => d.spec.as_ref().and_then(|s| s.replicas),
            _ => None,
        };
        total = total.saturating_add(replicas.unwrap_or(1));
    }
    total
}

/// The budget's `disruptionsAllowed` (and desired / current healthy), as the disruption
/// controller would have written it in its status.
pub fn disruptions_allowed(c: &Cluster, pdb: &PodDisruptionBudget) -> (i32, i32, i32) {
    let ns = pdb.metadata.namespace.as_deref().unwrap_or("");
    let spec = pdb.spec.clone().unwrap_or_default();
    let Ok(sel) = Selector::from_optional_label_selector(spec.selector.as_ref()) else {
        return (0, 0, 0);
    };
    let pods: Vec<&Pod> = c
        .store
        .list_ns("Pod", ns)
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| sel.matches(&p.metadata.labels.clone().unwrap_or_default()))
        .collect();
    let healthy = i32::try_from(
        pods.iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none() && pod_ready(p))
            .count(),
    )
    .unwrap_or(i32::MAX);
    let (expected, desired) = if let Some(max) = &spec.max_unavailable {
        let expected = expected_scale(c, ns, &pods);
        let max = scaled(max, expected, true).unwrap_or(0);
        (expected, expected.saturating_sub(max).max(0))
    } else if let Some(min) = &spec.min_available {
        match min {
            IntOrString::Int(i) => (i32::try_from(pods.len()).unwrap_or(i32::MAX), *i),
            IntOrString::String(_) => {
                let expected = expected_scale(c, ns, &pods);
                (expected, scaled(min, expected, true).unwrap_or(0))
            }
        }
    } else {
        (0, 0)
    };
    let allowed = if expected <= 0 {
        0
    } else {
        healthy.saturating_sub(desired).max(0)
    };
    (allowed, desired, healthy)
}

/// The eviction subresource (`EvictionREST.Create`) for one pod.
pub fn evict(c: &mut Cluster, ns: &str, name: &str) -> Result<(), ApiError> {
    let key = ObjRef::new("Pod", ns, name);
    let Some(pod) = c.store.get(&key).and_then(|s| s.obj.as_pod()).cloned() else {
        return Err(ApiError::not_found("pods", name));
    };
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    let ignore_pdb = matches!(phase, Some("Succeeded") | Some("Failed") | Some("Pending"))
        || pod.metadata.deletion_timestamp.is_some();
    if !ignore_pdb {
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        let pdbs: Vec<PodDisruptionBudget> = c
            .store
            .list_ns("PodDisruptionBudget", ns)
            .filter_map(|s| match &s.obj {
                Object::PodDisruptionBudget(p) => Some((**p).clone()),
                _ => None,
            })
            .filter(|p| {
                Selector::from_optional_label_selector(
                    p.spec.as_ref().and_then(|s| s.selector.as_ref()),
                )
                .is_ok_and(|s| !s.is_nothing() && s.matches(&labels))
            })
            .collect();
        if pdbs.len() > 1 {
            return Err(ApiError::new(
                Reason::InternalError,
                MULTIPLE_PDBS,
                "apiserver",
            ));
        }
        if let Some(pdb) = pdbs.first() {
            let (allowed, _, _) = disruptions_allowed(c, pdb);
            if allowed <= 0 {
                return Err(ApiError::new(
                    Reason::TooManyRequests,
                    PDB_VIOLATION,
                    "apiserver",
                ));
            }
        }
    }
    let minor = c.settings.minor;
    let now = c.store.timestamp();
    c.store.modify(&key, |o| {
        if let Object::Pod(p) = o {
            if minor >= 26 {
                crate::controllers::add_disruption_condition(
                    p,
                    "EvictionByEvictionAPI",
                    "Eviction API: evicting",
                    &now,
                );
            }
            if p.metadata.deletion_timestamp.is_none() {
                p.metadata.deletion_timestamp = Some(now.clone());
                p.metadata.deletion_grace_period_seconds = p
                    .spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds);
            }
        }
    });
    Ok(())
}

/// A Go duration as `time.Duration.String()` prints whole seconds: `1m0s`, `30s`, `1h0m0s`.
fn go_duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

/// Lines a command prints, in order, with their stream.
struct Output {
    lines: Vec<(Stream, String)>,
}

impl Output {
    fn out(&mut self, s: String) {
        self.lines.push((Stream::Stdout, s));
    }
    fn err(&mut self, s: String) {
        self.lines.push((Stream::Stderr, s));
    }
}

/// `DeleteOrEvictPods` → `evictPods`: the pods' evictions, retried on 429.
fn evict_pods(
    c: &mut Cluster,
    pods_info: &'static crate::object::KindInfo,
    pods: &[Pod],
    timeout: Option<i64>,
    out: &mut Output,
) -> Result<(), Vec<String>> {
    let start = c.store.now;
    let mut pending: Vec<(String, String)> = pods
        .iter()
        .map(|p| {
            (
                p.metadata.namespace.clone().unwrap_or_default(),
                p.metadata.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    let mut evicted: Vec<String> = Vec::new();
    let mut errs: Vec<String> = Vec::new();
    for round in 0..1000 {
        if pending.is_empty() {
            break;
        }
        for (ns, name) in &pending {
            out.out(format!("evicting pod {ns}/{name}"));
        }
        if timeout.is_some_and(|t| t > 0 && c.store.now.saturating_sub(start) >= t) {
            for (ns, name) in pending.drain(..) {
                errs.push(format!(
                    "error when evicting pods/{name:?} -n {ns:?}: global timeout reached: {}",
                    go_duration(timeout.unwrap_or(0))
                ));
            }
            break;
        }
        let mut retry = Vec::new();
        for (ns, name) in pending.drain(..) {
            if let Err(e) = allowed(c, "create", pods_info, "eviction", &ns, &name) {
                errs.push(format!(
                    "error when evicting pods/{name:?} -n {ns:?}: {}",
                    e.message
                ));
                continue;
            }
            match evict(c, &ns, &name) {
                Ok(()) => evicted.push(name),
                Err(e) if e.reason == Reason::NotFound => {}
                Err(e) if e.reason == Reason::TooManyRequests => {
                    out.err(format!(
                        "error when evicting pods/{name:?} -n {ns:?} (will retry after 5s): {}",
                        e.message
                    ));
                    retry.push((ns, name));
                }
                Err(e) => errs.push(format!(
                    "error when evicting pods/{name:?} -n {ns:?}: {}",
                    e.message
                )),
            }
        }
        let before = fingerprint(c);
        crate::controllers::settle(c);
        if retry.is_empty() {
            break;
        }
        c.store.advance(5);
        crate::controllers::settle(c);
        // kubectl would retry forever; stop when a retry can change nothing.
        if timeout.is_none() && round > 0 && before == fingerprint(c) {
            pending = retry;
            break;
        }
        pending = retry;
    }
    crate::controllers::settle(c);
    for name in evicted {
        out.out(format!("pod/{name} evicted"));
    }
    if errs.is_empty() && pending.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

pub(super) fn drain(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let info = object::resolve_resource("nodes").ok_or_else(|| super::no_resource("nodes"))?;
    let pods_info = object::resolve_resource("pods").ok_or_else(|| super::no_resource("pods"))?;
    if rest.is_empty() {
        return Err((
            "error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples".into(),
            Outcome::Invalid,
        ));
    }
    // `--timeout=0` (the default) means no timeout.
    let timeout = match args.timeout.as_deref() {
        None => None,
        Some(t) => Some(parse_go_duration(t).ok_or_else(|| {
            (
                format!("error: invalid argument {t:?} for \"--timeout\" flag: time: invalid duration {t:?}"),
                Outcome::Invalid,
            )
        })?),
    }
    .filter(|t| *t > 0);
    let flags = Flags {
        ignore_daemonsets: args.ignore_daemonsets,
        delete_emptydir_data: args.delete_emptydir_data,
        force: args.force,
    };
    let nodes: Vec<String> = rest
        .iter()
        .map(|n| {
            n.strip_prefix("node/")
                .or_else(|| n.strip_prefix("nodes/"))
                .unwrap_or(n)
                .to_string()
        })
        .collect();
    // kubectl GETs every node first; a missing one stops the command before anything.
    for name in &nodes {
        if let Err(e) = allowed(c, "get", info, "", "", name) {
            return Ok(vec![error_record(base, info, "", name, e)]);
        }
        if c.store.get_obj("Node", "", name).is_none() {
            let e = ApiError::not_found("nodes", name);
            return Ok(vec![error_record(base, info, "", name, e)]);
        }
    }
    let mut records = cordon(c, &nodes, base, true)?;
    let minor = c.settings.minor;
    let mut fatal: Vec<Vec<String>> = Vec::new();
    let mut remaining: Vec<String> = Vec::new();
    let mut out = Output { lines: Vec::new() };
    for name in &nodes {
        let result = (|| -> Result<(), Vec<String>> {
            if let Err(e) = allowed(c, "list", pods_info, "", "", "") {
                return Err(vec![e.message]);
            }
            let list = pods_on(c, name, flags);
            let errs = errors(&list);
            if !errs.is_empty() {
                return Err(errs);
            }
            let w = warnings(&list);
            if !w.is_empty() {
                if minor >= 25 {
                    out.err(format!("Warning: {w}"));
                } else {
                    out.err(format!("WARNING: {w}"));
                }
            }
            let to_evict: Vec<Pod> = list
                .into_iter()
                .filter(|(_, v)| v.deletes())
                .map(|(p, _)| p)
                .collect();
            if let Err(e) = evict_pods(c, pods_info, &to_evict, timeout, &mut out) {
                let pending: Vec<Pod> = pods_on(c, name, flags)
                    .into_iter()
                    .filter(|(_, v)| v.deletes())
                    .map(|(p, _)| p)
                    .collect();
                if !e.is_empty() {
                    if !pending.is_empty() {
                        out.err(format!(
                            "There are pending pods in node {name:?} when an error occurred: {}",
                            aggregate(&e)
                        ));
                        for p in &pending {
                            out.err(format!("pod/{}", p.metadata.name.as_deref().unwrap_or("")));
                        }
                    }
                    return Err(e);
                }
                // Still retrying: kubectl has not returned.
                return Err(Vec::new());
            }
            Ok(())
        })();
        match result {
            Ok(()) => out.out(format!("node/{name} drained")),
            Err(e) if e.is_empty() => {
                // kubectl is still retrying the refused evictions.
                flush(&mut records, base, info, name, &mut out);
                return Ok(records);
            }
            Err(e) if minor < 23 => {
                // Until 1.22 the first node that fails stops the command: it and the nodes
                // not drained yet are listed as pending (1.22 warns first that this will go).
                if minor == 22 {
                    out.err("DEPRECATED WARNING: Aborting the drain command in a list of nodes will be deprecated in v1.23.\nThe new behavior will make the drain command go through all nodes even if one or more nodes failed during the drain.\nFor now, users can try such experience via: --ignore-errors".to_string());
                }
                out.err(format!(
                    "error: unable to drain node {name:?}, aborting command..."
                ));
                fatal.push(e);
                remaining.extend(nodes.iter().skip_while(|n| *n != name).cloned());
                flush(&mut records, base, info, name, &mut out);
                break;
            }
            Err(e) => {
                // `due to error:%s` until 1.30, with a space from 1.31.
                let space = if c.settings.minor >= 31 { " " } else { "" };
                out.err(format!(
                    "error: unable to drain node {name:?} due to error:{space}{}, continuing command...",
                    aggregate(&e)
                ));
                fatal.push(e);
                remaining.push(name.clone());
            }
        }
        flush(&mut records, base, info, name, &mut out);
    }
    if !remaining.is_empty() {
        // Before 1.23 a blank line follows the abort line.
        let mut text = if minor < 23 {
            String::from("\nThere are pending nodes to be drained:")
        } else {
            String::from("There are pending nodes to be drained:")
        };
        for n in &remaining {
            text.push_str(&format!("\n {n}"));
        }
        // The returned aggregate: one error unwrapped, its errors one per line.
        let final_errors: Vec<String> = match fatal.as_slice() {
            // Until 1.22 kubectl returned the node's own aggregate, which `CheckErr` unwraps
            // when it holds one error and prints with the `error: ` prefix.
            [one] if minor < 23 && one.len() == 1 => vec![format!("error: {}", one[0])],
            [one] => one.clone(),
            many => many.iter().map(|e| aggregate(e)).collect(),
        };
        let last = final_errors.join("\n");
        let mut r = record(
            base,
            info,
            "",
            remaining.first().map(String::as_str).unwrap_or(""),
            Outcome::Rejected,
            format!("{text}\n{last}"),
        );
        r.stream = Stream::Stderr;
        r.decided_by = Some("kubectl".into());
        records.push(r);
    }
    Ok(records)
}

/// Moves the printed lines into records, one per line. stderr lines printed while the command
/// runs (warnings, retries) are not its final error: they keep a non-failing outcome, so they
/// are printed in place.
fn flush(
    records: &mut Vec<ResultRecord>,
    base: &ResultRecord,
    info: &'static crate::object::KindInfo,
    node: &str,
    out: &mut Output,
) {
    for (stream, line) in out.lines.drain(..) {
        let mut r = record(base, info, "", node, Outcome::Configured, line);
        r.stream = stream;
        records.push(r);
    }
}

/// A Go duration (`time.ParseDuration`) in whole seconds: `0`, `90s`, `5m`, `1h30m`.
pub fn parse_go_duration(s: &str) -> Option<i64> {
    if s == "0" {
        return Some(0);
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut any = false;
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            num.push(ch);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let mult = match ch {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.saturating_add(n.saturating_mul(mult));
        any = true;
    }
    (num.is_empty() && any).then_some(total)
}

/// What changes when the cluster moves: every object's resourceVersion.
fn fingerprint(c: &Cluster) -> Vec<Option<String>> {
    c.store
        .all()
        .map(|s| s.obj.meta().resource_version.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Cluster {
        let text = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: busybox}]}";
        crate::scenario::run(&[crate::scenario::Input::new("t.yaml", text)]).cluster
    }

    fn pod(json: &str) -> Pod {
        serde_json::from_str(json).unwrap_or_default()
    }

    #[test]
    fn the_filters_decide_in_upstreams_order() {
        let c = cluster();
        let owned = r#"{"metadata":{"name":"p","namespace":"default","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"1","controller":true}]}}"#;
        let bare = r#"{"metadata":{"name":"p","namespace":"default"}}"#;
        let bare_empty_dir = r#"{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[],"volumes":[{"name":"v","emptyDir":{}}]}}"#;
        let ds = r#"{"metadata":{"name":"p","namespace":"default","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"agent","uid":"1","controller":true}]}}"#;
        let gone_ds = r#"{"metadata":{"name":"p","namespace":"default","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"gone","uid":"1","controller":true}]}}"#;
        let mirror = r#"{"metadata":{"name":"p","namespace":"default","annotations":{"kubernetes.io/config.mirror":"x"}}}"#;
        let done =
            r#"{"metadata":{"name":"p","namespace":"default"},"status":{"phase":"Succeeded"}}"#;
        let none = Flags::default();
        let all = Flags {
            ignore_daemonsets: true,
            delete_emptydir_data: true,
            force: true,
        };
        #[rustfmt::skip]
        let cases: Vec<(&str, &str, Flags, Verdict)> = vec![
            ("a replicated pod is evicted", owned, none, Verdict::Okay),
            ("an unmanaged pod needs --force", bare, none, Verdict::Error(UNMANAGED_FATAL.into())),
            ("--force evicts it with a warning", bare, all, Verdict::Warning { delete: true, message: UNMANAGED_WARNING.into() }),
            ("emptyDir is checked before the controller", bare_empty_dir, none, Verdict::Error(LOCAL_STORAGE_FATAL.into())),
            ("the last filter's warning is kept", bare_empty_dir, all, Verdict::Warning { delete: true, message: UNMANAGED_WARNING.into() }),
            ("a DaemonSet pod needs --ignore-daemonsets", ds, none, Verdict::Error(DAEMONSET_FATAL.into())),
            ("and is then left alone", ds, all, Verdict::Warning { delete: false, message: DAEMONSET_WARNING.into() }),
            ("an orphan of a missing DaemonSet is an error", gone_ds, none, Verdict::Error("daemonsets.apps \"gone\" not found".into())),
            ("which --force deletes, the warning lost to the later filters", gone_ds, all, Verdict::Okay),
            ("mirror pods are skipped", mirror, none, Verdict::Skip),
            ("a finished pod may always go", done, none, Verdict::Okay),
        ];
        for (name, p, flags, want) in cases {
            assert_eq!(filter(&c, &pod(p), flags), want, "{name}");
        }
        let mut old = cluster();
        old.settings.minor = 29;
        assert_eq!(
            filter(&old, &pod(bare), none),
            Verdict::Error("Pods declare no controller (use --force to override)".into()),
            "1.24 to 1.29 say it without \"that\""
        );
    }

    #[test]
    fn errors_are_grouped_by_message_and_prefixed_with_cannot_delete() {
        let a = pod(r#"{"metadata":{"name":"a","namespace":"x"}}"#);
        let b = pod(r#"{"metadata":{"name":"b","namespace":"y"}}"#);
        let list = vec![
            (a.clone(), Verdict::Error(DAEMONSET_FATAL.into())),
            (b.clone(), Verdict::Error(DAEMONSET_FATAL.into())),
            (a, Verdict::Error(UNMANAGED_FATAL.into())),
            (b, Verdict::Okay),
        ];
        let errs = errors(&list);
        assert_eq!(
            errs,
            [
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): x/a, y/b",
                "cannot delete cannot delete Pods that declare no controller (use --force to override): x/a"
            ]
        );
        assert!(aggregate(&errs).starts_with("[cannot delete DaemonSet"));
    }

    #[test]
    fn go_durations_parse_and_print() {
        assert_eq!(parse_go_duration("90s"), Some(90));
        assert_eq!(parse_go_duration("1m30s"), Some(90));
        assert_eq!(parse_go_duration("0"), Some(0));
        assert_eq!(parse_go_duration("5"), None);
        assert_eq!(parse_go_duration("5x"), None);
        assert_eq!(go_duration(60), "1m0s");
        assert_eq!(go_duration(12), "12s");
        assert_eq!(go_duration(3700), "1h1m40s");
    }
}
