//! `kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] [-q] -- COMMAND [args...]`: every
//! check a real exec goes through before the command would run, in upstream's order.
//!
//! - kubectl (`pkg/cmd/exec/exec.go` in kubernetes/kubectl, `Complete` / `Validate` / `Run`):
//!   the usage errors; the command given without `--` (a deprecation warning until 1.30, an
//!   error from 1.31); the GET of the pod, or of the workload whose first pod it takes
//!   (`polymorphichelpers/attachablepodforobject.go`: `SelectorsForObject`, then the pods in
//!   reverse `podutils.ActivePods` order); the refusal of a completed pod; the default container
//!   (`pkg/cmd/util/podcmd/podcmd.go`: the `kubectl.kubernetes.io/default-container`
//!   annotation, else the first container, with the `Defaulted container` line on stderr;
//!   kubectl 1.20's `pkg/cmd/exec/exec.go` took the first container and said `Defaulting
//!   container name to …`, and `-q` silenced neither that nor the deprecation line).
//! - The API server: authorization of `create` on `pods/exec` (from 1.30 kubectl first tries a
//!   WebSocket GET, which `get` on `pods/exec` authorizes, and falls back to the SPDY POST, so
//!   either verb lets it through and a refusal names `create`); admission of the CONNECT
//!   request (`ConnectResource` in `k8s.io/apiserver/pkg/endpoints/handlers/rest.go`: the
//!   `PodExecOptions` object through both passes of the chain — AlwaysDeny, webhooks whose
//!   rules name `pods/exec` and CONNECT, ValidatingAdmissionPolicy; PodSecurity ignores exec);
//!   then `streamLocation` in `pkg/registry/core/pod/strategy.go` (a container that is not in
//!   the pod, a pod without a node).
//! - The kubelet (`GetExec` in `pkg/kubelet/kubelet_pods.go`): a container that is not running
//!   is `container not found`; from 1.30 the API server has already upgraded the WebSocket and
//!   wraps the kubelet's answer as an internal error.
//!
//! kubefiddle runs no containers: an exec that passes every check prints nothing, and a note
//! says what would run where.

use k8s_openapi::api::core::v1::Pod;

use super::{allowed, error_record, record, Args, CmdError};
use crate::apiserver::Cluster;
use crate::labels::Selector;
use crate::object::{self, KindInfo, Object};
use crate::scenario::{Outcome, ResultRecord, Stream};
use crate::status::{ApiError, Reason};
use crate::store::ObjRef;

/// `podcmd.DefaultContainerAnnotationName`.
const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

pub(super) fn exec(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let minor = c.settings.minor;
    let mut out = Vec::new();
    // Complete: the first argument names the pod; the command is what follows `--`, or, in
    // the old form, the other arguments.
    let resource = rest.first().cloned();
    let command: Vec<String> = match &args.after_dash {
        Some(words) => words.clone(),
        None if rest.len() > 1 => {
            if minor >= 31 {
                return Err((
                    "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples".into(),
                    Outcome::Invalid,
                ));
            }
            if !args.quiet || minor < 21 {
                out.push(stderr_line(
                    base,
                    "kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.",
                ));
            }
            rest[1..].to_vec()
        }
        None => Vec::new(),
    };
    // Validate.
    let Some(resource) = resource else {
        return Err((
            "error: pod, type/name or --filename must be specified".into(),
            Outcome::Invalid,
        ));
    };
    if command.is_empty() {
        return Err((
            "error: you must specify at least one command for the container".into(),
            Outcome::Invalid,
        ));
    }
    let pods = object::resolve_resource("pods").ok_or_else(|| super::no_resource("pods"))?;
    let ns = args.namespace.clone().unwrap_or_else(|| "default".into());
    // Run: the pod, directly or through its workload.
    let pod = match attachable_pod(c, &resource, &ns) {
        Ok(p) => p,
        Err(Found::Api(info, name, e)) => {
            out.push(error_record(base, info, &ns, &name, e));
            return Ok(out);
        }
        Err(Found::Kubectl(msg)) => return Err((msg, Outcome::Rejected)),
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    if phase == "Succeeded" || phase == "Failed" {
        return Err((
            format!(
                "error: cannot exec into a container in a completed pod; current phase is {phase}"
            ),
            Outcome::Rejected,
        ));
    }
    let names = ContainerNames::of(&pod);
    let container = match &args.container {
        Some(cn) => cn.clone(),
        None if minor < 21 => {
            // kubectl 1.20: the first container, no annotation, and two lines that `-q` does
            // not silence when the pod has several (regular) containers.
            let first = names.containers.first().cloned().unwrap_or_default();
            if names.containers.len() > 1 {
                out.push(stderr_line(
                    base,
                    &format!("Defaulting container name to {first}.\nUse 'kubectl describe pod/{name} -n {ns}' to see all of the containers in this pod."),
                ));
            }
            first
        }
        None => {
            let (chosen, line) = names.default_container(&pod);
            if let Some(line) = line.filter(|_| !args.quiet) {
                out.push(stderr_line(base, &line));
            }
            chosen
        }
    };
    // The CONNECT request: authorization, admission, then the registry's location checks.
    let key = ObjRef::new("Pod", &ns, &name);
    let authorized = allowed(c, "create", pods, "exec", &ns, &name);
    let authorized = match authorized {
        Err(e) if minor >= 30 => allowed(c, "get", pods, "exec", &ns, &name).map_err(|_| e),
        other => other,
    };
    let options = serde_json::json!({
        "kind": "PodExecOptions", "apiVersion": "v1",
        "stdin": args.stdin, "stdout": true, "stderr": true, "tty": args.tty,
        "container": container, "command": command,
    });
    let checked = authorized
        .and_then(|()| c.admit_connect(pods, &key, "exec", options))
        .and_then(|()| location(&pod, &name, &container, &names));
    if let Err(e) = checked {
        out.push(error_record(base, pods, &ns, &name, e));
        return Ok(out);
    }
    // The kubelet finds only running containers.
    if !names.running.contains(&container) {
        let internal = if minor >= 30 {
            "Internal error occurred: "
        } else {
            ""
        };
        let mut r = record(
            base,
            pods,
            &ns,
            &name,
            Outcome::Rejected,
            format!(
                "error: {internal}unable to upgrade connection: container not found ({container:?})"
            ),
        );
        r.stream = Stream::Stderr;
        r.decided_by = Some("kubelet".into());
        out.push(r);
        return Ok(out);
    }
    let node = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.clone())
        .unwrap_or_default();
    let mut r = record(base, pods, &ns, &name, Outcome::Unchanged, String::new());
    r.message = None;
    out.push(r);
    c.note(format!(
        "kubectl exec: allowed. kubefiddle runs no containers; on {node} the kubelet would run `{}` in container {container:?} of pod {ns}/{name}.",
        command.join(" ")
    ));
    Ok(out)
}

fn stderr_line(base: &ResultRecord, line: &str) -> ResultRecord {
    let mut r = base.clone();
    r.stream = Stream::Stderr;
    r.message = Some(line.to_string());
    r
}

enum Found {
    /// A request the API server refused (the GET, the LIST).
    Api(&'static KindInfo, String, ApiError),
    /// An error kubectl prints itself.
    Kubectl(String),
}

/// `attachablePodForObject`: a pod as it is; for a workload or a Service, the first of its
/// pods in reverse `podutils.ActivePods` order (ties, which Go's sort leaves to chance, go to
/// the first name).
fn attachable_pod(c: &Cluster, resource: &str, ns: &str) -> Result<Pod, Found> {
    let (res, name) = resource
        .split_once('/')
        .map_or(("pods", resource), |(r, n)| (r, n));
    let info = object::resolve_resource(res).ok_or_else(|| {
        Found::Kubectl(format!(
            "error: the server doesn't have a resource type {res:?}"
        ))
    })?;
    let ns = if info.namespaced { ns } else { "" };
    allowed(c, "get", info, "", ns, name).map_err(|e| Found::Api(info, name.into(), e))?;
    let Some(obj) = c.store.get_obj(info.kind, ns, name) else {
        let e = ApiError::not_found(info.plural, name);
        return Err(Found::Api(info, name.into(), e));
    };
    if let Object::Pod(p) = obj {
        return Ok(p.as_ref().clone());
    }
    let selector = selector_for(obj).map_err(|e| {
        Found::Kubectl(format!(
            "error: cannot attach to *{}.{}: {e}",
            go_package(info),
            info.kind
        ))
    })?;
    let pods = object::resolve_resource("pods").ok_or_else(|| Found::Kubectl(String::new()))?;
    allowed(c, "list", pods, "", ns, "").map_err(|e| Found::Api(pods, String::new(), e))?;
    let mut candidates: Vec<&Pod> = c
        .store
        .list_ns("Pod", ns)
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| selector.matches_opt(p.metadata.labels.as_ref()))
        .collect();
    // Stable sort by name first, so that equal pods keep name order.
    candidates.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    candidates.sort_by_key(|p| std::cmp::Reverse(active_rank(p)));
    match candidates.first() {
        Some(p) => Ok((*p).clone()),
        // kubectl watches for a pod until --pod-running-timeout (1m) runs out.
        None => Err(Found::Kubectl(
            "error: timed out waiting for the condition".into(),
        )),
    }
}

/// The Go package `%T` prints for an object (`*v1.ConfigMap`).
fn go_package(info: &KindInfo) -> &'static str {
    info.version
}

/// `polymorphichelpers.SelectorsForObject`.
fn selector_for(obj: &Object) -> Result<Selector, String> {
    let from = |ls: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>| {
        Selector::from_optional_label_selector(ls)
            .map_err(|e| format!("invalid label selector: {e}"))
    };
    match obj {
        Object::Deployment(d) => from(d.spec.as_ref().map(|s| &s.selector)),
        Object::ReplicaSet(r) => from(r.spec.as_ref().map(|s| &s.selector)),
        Object::StatefulSet(s) => from(s.spec.as_ref().map(|s| &s.selector)),
        Object::DaemonSet(d) => from(d.spec.as_ref().map(|s| &s.selector)),
        Object::Job(j) => from(j.spec.as_ref().and_then(|s| s.selector.as_ref())),
        Object::Service(s) => match s.spec.as_ref().and_then(|s| s.selector.as_ref()) {
            Some(sel) if !sel.is_empty() => Ok(Selector::from_set(sel)),
            _ => Err("invalid service provided".into()),
        },
        other => Err(format!(
            "selector for *{}.{} not implemented",
            go_package(other.info()),
            other.info().kind
        )),
    }
}

/// `podutils.ActivePods` as a key where larger is more active: assigned, then Running over
/// Unknown over Pending, ready, ready for longer, fewer restarts, older.
fn active_rank(p: &Pod) -> (bool, u8, bool, i64, i64, i64) {
    let assigned = p
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .is_some_and(|n| !n.is_empty());
    let status = p.status.as_ref();
    let phase = match status.and_then(|s| s.phase.as_deref()) {
        Some("Running") => 2,
        Some("Unknown") => 1,
        _ => 0,
    };
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .filter(|c| c.status == "True");
    let ready_since = ready
        .and_then(|c| c.last_transition_time.as_ref())
        .map_or(i64::MIN, |t| t.0.as_second().saturating_neg());
    let restarts = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.iter().map(|c| c.restart_count).max())
        .unwrap_or(0);
    let created = p
        .metadata
        .creation_timestamp
        .as_ref()
        .map_or(i64::MIN, |t| t.0.as_second().saturating_neg());
    (
        assigned,
        phase,
        ready.is_some(),
        ready_since,
        -i64::from(restarts),
        created,
    )
}

/// The pod's container names by kind, and which are running.
struct ContainerNames {
    containers: Vec<String>,
    init: Vec<String>,
    ephemeral: Vec<String>,
    running: Vec<String>,
}

impl ContainerNames {
    fn of(pod: &Pod) -> Self {
        let spec = pod.spec.as_ref();
        let names = |v: Option<Vec<String>>| v.unwrap_or_default();
        let status = pod.status.as_ref();
        let running = [
            status.and_then(|s| s.container_statuses.as_ref()),
            status.and_then(|s| s.init_container_statuses.as_ref()),
            status.and_then(|s| s.ephemeral_container_statuses.as_ref()),
        ]
        .into_iter()
        .flatten()
        .flatten()
        .filter(|s| s.state.as_ref().is_some_and(|st| st.running.is_some()))
        .map(|s| s.name.clone())
        .collect();
        ContainerNames {
            containers: names(spec.map(|s| s.containers.iter().map(|c| c.name.clone()).collect())),
            init: names(
                spec.and_then(|s| s.init_containers.as_ref())
                    .map(|v| v.iter().map(|c| c.name.clone()).collect()),
            ),
            ephemeral: names(
                spec.and_then(|s| s.ephemeral_containers.as_ref())
                    .map(|v| v.iter().map(|c| c.name.clone()).collect()),
            ),
            running,
        }
    }

    fn contains(&self, name: &str) -> bool {
        [&self.containers, &self.init, &self.ephemeral]
            .into_iter()
            .any(|v| v.iter().any(|n| n == name))
    }

    /// `podcmd.FindOrDefaultContainerByName` with an empty name: the annotated default
    /// container if it exists, else the first container, and the line kubectl prints when
    /// there was a choice.
    fn default_container(&self, pod: &Pod) -> (String, Option<String>) {
        let annotated = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
            .filter(|n| self.contains(n));
        if let Some(n) = annotated {
            return (n.clone(), None);
        }
        let first = self.containers.first().cloned().unwrap_or_default();
        let total = self.containers.len() + self.init.len() + self.ephemeral.len();
        if total <= 1 {
            return (first, None);
        }
        let all: Vec<String> = self
            .containers
            .iter()
            .cloned()
            .chain(self.ephemeral.iter().map(|n| format!("{n} (ephem)")))
            .chain(self.init.iter().map(|n| format!("{n} (init)")))
            .collect();
        let line = format!("Defaulted container {first:?} out of: {}", all.join(", "));
        (first, Some(line))
    }
}

/// `streamLocation`: the container must be the pod's, and the pod must have a node.
fn location(
    pod: &Pod,
    name: &str,
    container: &str,
    names: &ContainerNames,
) -> Result<(), ApiError> {
    if !names.contains(container) {
        return Err(ApiError::new(
            Reason::BadRequest,
            format!("container {container} is not valid for pod {name}"),
            "registry",
        ));
    }
    let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
    if node.is_none_or(str::is_empty) {
        return Err(ApiError::new(
            Reason::BadRequest,
            format!("pod {name} does not have a host assigned"),
            "registry",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).expect("pod")
    }

    #[test]
    fn the_default_container_is_the_annotated_one_else_the_first_with_kubectls_line() {
        let spec = serde_json::json!({
            "containers": [{"name": "app"}, {"name": "proxy"}],
            "initContainers": [{"name": "init"}],
            "ephemeralContainers": [{"name": "debug"}],
        });
        let cases = [
            (
                None,
                "app",
                Some("Defaulted container \"app\" out of: app, proxy, debug (ephem), init (init)"),
            ),
            // An annotated container that exists is chosen silently.
            (Some("proxy"), "proxy", None),
            (Some("init"), "init", None),
            // An annotation naming no container is ignored (kubectl only logs it).
            (
                Some("gone"),
                "app",
                Some("Defaulted container \"app\" out of: app, proxy, debug (ephem), init (init)"),
            ),
        ];
        for (annotation, want, line) in cases {
            let mut p = pod(serde_json::json!({"metadata": {"name": "p"}, "spec": spec}));
            if let Some(a) = annotation {
                p.metadata.annotations =
                    Some([(DEFAULT_CONTAINER_ANNOTATION.to_string(), a.to_string())].into());
            }
            let (chosen, printed) = ContainerNames::of(&p).default_container(&p);
            assert_eq!(chosen, want, "{annotation:?}");
            assert_eq!(printed.as_deref(), line, "{annotation:?}");
        }
        let single = pod(serde_json::json!({"spec": {"containers": [{"name": "only"}]}}));
        assert_eq!(
            ContainerNames::of(&single).default_container(&single),
            ("only".to_string(), None),
            "one container: no choice, no line"
        );
    }

    #[test]
    fn a_workloads_first_pod_is_the_most_active_one() {
        let mk = |name: &str,
                  node: Option<&str>,
                  phase: &str,
                  ready: bool,
                  restarts: i32,
                  created: &str| {
            pod(serde_json::json!({
                "metadata": {"name": name, "creationTimestamp": created},
                "spec": {"nodeName": node, "containers": [{"name": "c"}]},
                "status": {"phase": phase,
                    "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"},
                                    "lastTransitionTime": created}],
                    "containerStatuses": [{"name": "c", "image": "i", "imageID": "", "ready": ready,
                                           "restartCount": restarts}]},
            }))
        };
        let t1 = "2026-01-01T00:00:00Z";
        let t2 = "2026-01-01T00:01:00Z";
        let more_active = [
            // (more active, less active, why)
            (
                mk("a", Some("n"), "Pending", false, 0, t2),
                mk("b", None, "Pending", false, 0, t1),
                "assigned beats unassigned",
            ),
            (
                mk("a", Some("n"), "Running", false, 0, t2),
                mk("b", Some("n"), "Pending", false, 0, t1),
                "Running beats Pending",
            ),
            (
                mk("a", Some("n"), "Running", true, 0, t2),
                mk("b", Some("n"), "Running", false, 0, t1),
                "ready beats not ready",
            ),
            (
                mk("a", Some("n"), "Running", true, 0, t1),
                mk("b", Some("n"), "Running", true, 0, t2),
                "ready for longer",
            ),
            (
                mk("a", Some("n"), "Running", false, 0, t2),
                mk("b", Some("n"), "Running", false, 3, t2),
                "fewer restarts",
            ),
            (
                mk("a", Some("n"), "Running", false, 0, t1),
                mk("b", Some("n"), "Running", false, 0, t2),
                "older",
            ),
        ];
        for (winner, loser, why) in more_active {
            assert!(active_rank(&winner) > active_rank(&loser), "{why}");
        }
    }

    #[test]
    fn the_registry_refuses_a_foreign_container_then_a_pod_without_a_node() {
        let p = pod(serde_json::json!({"spec": {"containers": [{"name": "c"}]}}));
        let names = ContainerNames::of(&p);
        let e = location(&p, "web", "x", &names).expect_err("foreign container");
        assert_eq!(e.message, "container x is not valid for pod web");
        assert_eq!(e.reason, Reason::BadRequest);
        let e = location(&p, "web", "c", &names).expect_err("no node");
        assert_eq!(e.message, "pod web does not have a host assigned");
        let mut placed = p.clone();
        if let Some(s) = placed.spec.as_mut() {
            s.node_name = Some("n".into());
        }
        assert!(location(&placed, "web", "c", &names).is_ok());
    }
}
