//! DenyExecOnPrivileged: no `kubectl exec` or `kubectl attach` into a pod with a privileged
//! container. Upstream kept it "for legacy support"; DenyEscalatingExec, which also refuses pods
//! in the node's network, PID or IPC namespace, was the one to prefer. Default off; shipped by
//! kube-apiserver until 1.20.
//!
//! Follows `plugin/pkg/admission/exec/admission.go` in kubernetes/kubernetes 1.20
//! (`NewDenyExecOnPrivileged`: the `DenyExec` plugin with only its privileged check on); the
//! shared implementation is in `deny_escalating_exec.rs`, its table tests cover both.

use super::deny_escalating_exec::DenyExec;

pub static DENY_EXEC_ON_PRIVILEGED: DenyExec = DenyExec {
    name: "DenyExecOnPrivileged",
    host_namespaces: false,
};
