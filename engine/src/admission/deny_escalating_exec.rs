//! DenyEscalatingExec: no `kubectl exec` or `kubectl attach` into a pod that shares the node's
//! network, PID or IPC namespace, or that runs a privileged container. Default off; shipped by
//! kube-apiserver until 1.20 (deprecated since 1.13, removed in 1.21 by
//! kubernetes/kubernetes#98669, PodSecurityPolicy or a custom plugin being the replacement).
//!
//! Follows `plugin/pkg/admission/exec/admission.go` in kubernetes/kubernetes 1.20: a validating
//! plugin for CONNECT requests on `pods/exec` and `pods/attach`, which reads the pod and checks,
//! in this order, host network, host PID, host IPC, then any privileged container (init, regular
//! or ephemeral). DenyExecOnPrivileged (`deny_exec_on_privileged.rs`) is the same plugin with
//! only the last check.

use k8s_openapi::api::core::v1::{Container, Pod};

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

/// The checks one variant of the plugin makes (`DenyExec`'s flags).
pub struct DenyExec {
    pub name: &'static str,
    pub host_namespaces: bool,
}

pub static DENY_ESCALATING_EXEC: DenyExec = DenyExec {
    name: "DenyEscalatingExec",
    host_namespaces: true,
};

impl Plugin for DenyExec {
    fn name(&self) -> &'static str {
        self.name
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Connect
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if a.kind.kind != "Pod" || !matches!(a.subresource.as_str(), "exec" | "attach") {
            return Ok(());
        }
        let refuse = |why: &str| ApiError::forbidden("pods", &a.name, why, self.name);
        let Some(Object::Pod(pod)) = c.store.get_obj("Pod", &a.namespace, &a.name) else {
            let missing = format!("pods {:?} not found", a.name);
            return Err(refuse(&missing));
        };
        let spec = pod.spec.clone().unwrap_or_default();
        if self.host_namespaces {
            let checks = [
                (spec.host_network, "host network"),
                (spec.host_pid, "host pid"),
                (spec.host_ipc, "host ipc"),
            ];
            for (on, what) in checks {
                if on == Some(true) {
                    return Err(refuse(&format!(
                        "cannot exec into or attach to a container using {what}"
                    )));
                }
            }
        }
        if is_privileged(pod) {
            return Err(refuse(
                "cannot exec into or attach to a privileged container",
            ));
        }
        Ok(())
    }
}

/// Whether any container of the pod (init, regular, ephemeral) is privileged.
fn is_privileged(pod: &Pod) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    let privileged = |c: &Container| {
        c.security_context
            .as_ref()
            .and_then(|s| s.privileged)
            .unwrap_or(false)
    };
    spec.init_containers.iter().flatten().any(privileged)
        || spec.containers.iter().any(privileged)
        || spec.ephemeral_containers.iter().flatten().any(|e| {
            e.security_context
                .as_ref()
                .and_then(|s| s.privileged)
                .unwrap_or(false)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::deny_exec_on_privileged::DENY_EXEC_ON_PRIVILEGED;
    use crate::admission::testkit::{run, Request};
    use serde_json::{json, Value};

    fn pod(spec: Value) -> Value {
        let mut spec = spec;
        if spec.get("containers").is_none() {
            spec["containers"] = json!([{"name": "app", "image": "nginx"}]);
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"}, "spec": spec})
    }

    fn privileged() -> Value {
        json!({"name": "app", "image": "nginx", "securityContext": {"privileged": true}})
    }

    fn exec(plugin: &'static DenyExec, spec: Value) -> Result<(), String> {
        run(plugin, Request::connect(pod(spec), "exec").minor(20)).map(|_| ())
    }

    const PRIVILEGED: &str =
        "pods \"web\" is forbidden: cannot exec into or attach to a privileged container";

    #[test]
    fn an_ordinary_pod_can_be_exec_d_into() {
        assert_eq!(exec(&DENY_ESCALATING_EXEC, json!({})), Ok(()));
        assert_eq!(exec(&DENY_EXEC_ON_PRIVILEGED, json!({})), Ok(()));
    }

    #[test]
    fn host_namespaces_are_refused_in_upstream_order_by_deny_escalating_exec_only() {
        let all = json!({"hostNetwork": true, "hostPID": true, "hostIPC": true});
        let table = [
            (all.clone(), "host network"),
            (json!({"hostPID": true, "hostIPC": true}), "host pid"),
            (json!({"hostIPC": true}), "host ipc"),
        ];
        for (spec, what) in table {
            assert_eq!(
                exec(&DENY_ESCALATING_EXEC, spec.clone()),
                Err(format!(
                    "pods \"web\" is forbidden: cannot exec into or attach to a container using {what}"
                )),
                "{spec}"
            );
            assert_eq!(exec(&DENY_EXEC_ON_PRIVILEGED, spec), Ok(()));
        }
    }

    #[test]
    fn any_privileged_container_is_refused_by_both_including_init_containers() {
        let specs = [
            json!({"containers": [privileged()]}),
            json!({"containers": [{"name": "a", "image": "x"}, privileged()]}),
            json!({"initContainers": [privileged()]}),
        ];
        for spec in specs {
            for plugin in [&DENY_ESCALATING_EXEC, &DENY_EXEC_ON_PRIVILEGED] {
                assert_eq!(exec(plugin, spec.clone()), Err(PRIVILEGED.to_string()));
            }
        }
        let not = json!({"containers": [{"name": "app", "image": "x", "securityContext": {"privileged": false}}]});
        assert_eq!(exec(&DENY_ESCALATING_EXEC, not), Ok(()));
    }

    #[test]
    fn host_network_is_reported_before_privileged() {
        let spec = json!({"hostNetwork": true, "containers": [privileged()]});
        assert_eq!(
            exec(&DENY_ESCALATING_EXEC, spec.clone()),
            Err("pods \"web\" is forbidden: cannot exec into or attach to a container using host network".into())
        );
        assert_eq!(exec(&DENY_EXEC_ON_PRIVILEGED, spec), Err(PRIVILEGED.into()));
    }

    #[test]
    fn attach_is_refused_too_but_other_subresources_and_creates_are_not() {
        let spec = json!({"containers": [privileged()]});
        let attach = run(
            &DENY_ESCALATING_EXEC,
            Request::connect(pod(spec.clone()), "attach"),
        );
        assert_eq!(attach.map(|_| ()), Err(PRIVILEGED.to_string()));
        let proxy = run(
            &DENY_ESCALATING_EXEC,
            Request::connect(pod(spec.clone()), "proxy"),
        );
        assert!(proxy.is_ok());
        assert!(run(&DENY_ESCALATING_EXEC, Request::create(pod(spec))).is_ok());
    }
}
