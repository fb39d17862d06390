//! NodePorts: a pod asking for a hostPort does not fit a node where a pod already uses the same
//! port and protocol on the same host IP (or where either side binds every IP, `0.0.0.0`).
//!
//! Follows `pkg/scheduler/framework/plugins/nodeports/node_ports.go`, `HostPortInfo` in
//! `pkg/scheduler/framework/types.go` (`CheckConflict`, `sanitize`) and `GetHostPorts` in
//! `pkg/scheduler/util/utils.go` in kubernetes/kubernetes: the ports of the containers and of
//! the restartable (sidecar) init containers count, those with `hostPort` > 0 only. (Before
//! sidecars were counted, 1.32 and older looked at `containers` alone; a sidecar with a
//! hostPort is the only case where that differs.)

use k8s_openapi::api::core::v1::{Container, Pod};

use crate::scheduler::{FilterPlugin, NodeInfo, PodInfo, Status};

pub struct NodePorts;

/// `ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// `DefaultBindAllHostIP`.
const BIND_ALL: &str = "0.0.0.0";

/// A host port as `HostPortInfo` keeps it: IP, protocol and port, sanitized.
#[derive(Debug, PartialEq, Eq)]
struct HostPort<'a> {
    ip: &'a str,
    protocol: &'a str,
    port: i32,
}

/// `GetHostPorts`, sanitized: an empty hostIP is `0.0.0.0`, an empty protocol `TCP`.
fn host_ports(pod: &Pod) -> Vec<HostPort<'_>> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"));
    sidecars
        .chain(spec.containers.iter())
        .flat_map(|c: &Container| c.ports.iter().flatten())
        .filter(|p| p.host_port.is_some_and(|hp| hp > 0))
        .map(|p| HostPort {
            ip: p
                .host_ip
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or(BIND_ALL),
            protocol: p
                .protocol
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("TCP"),
            port: p.host_port.unwrap_or(0),
        })
        .collect()
}

/// `HostPortInfo.CheckConflict`: `0.0.0.0` conflicts with any IP, another IP with itself and
/// with `0.0.0.0`.
fn conflicts(want: &HostPort, used: &HostPort) -> bool {
    want.protocol == used.protocol
        && want.port == used.port
        && (want.ip == BIND_ALL || used.ip == BIND_ALL || want.ip == used.ip)
}

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        "NodePorts"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let wanted = host_ports(pod.pod);
        if wanted.is_empty() {
            return Status::success();
        }
        let clash = node.pod_objects.iter().any(|existing| {
            host_ports(existing)
                .iter()
                .any(|used| wanted.iter().any(|w| conflicts(w, used)))
        });
        if clash {
            Status::unschedulable(ERR_REASON)
        } else {
            Status::success()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::node;
    use crate::scheduler::Code;
    use serde_json::{json, Value};

    fn with_ports(ports: Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]}}))
        .unwrap()
    }

    fn port(ip: &str, protocol: &str, host_port: i32) -> Value {
        json!({"containerPort": 80, "hostIP": ip, "protocol": protocol, "hostPort": host_port})
    }

    /// The cases of upstream's `TestNodePorts`.
    #[test]
    fn filter_table() {
        let cases = [
            (
                "nothing running",
                json!([]),
                json!([port("127.0.0.1", "UDP", 8080)]),
                true,
            ),
            (
                "other port",
                json!([port("127.0.0.1", "UDP", 8080)]),
                json!([port("127.0.0.1", "UDP", 9090)]),
                true,
            ),
            (
                "same udp port",
                json!([port("127.0.0.1", "UDP", 8080)]),
                json!([port("127.0.0.1", "UDP", 8080)]),
                false,
            ),
            (
                "same tcp port",
                json!([port("127.0.0.1", "TCP", 8080)]),
                json!([port("127.0.0.1", "TCP", 8080)]),
                false,
            ),
            (
                "different host ip",
                json!([port("127.0.0.2", "TCP", 8080)]),
                json!([port("127.0.0.1", "TCP", 8080)]),
                true,
            ),
            (
                "different protocol",
                json!([port("127.0.0.1", "UDP", 8080)]),
                json!([port("127.0.0.1", "TCP", 8080)]),
                true,
            ),
            (
                "second udp port conflict",
                json!([port("127.0.0.1", "UDP", 8080)]),
                json!([
                    port("127.0.0.1", "TCP", 8001),
                    port("127.0.0.1", "UDP", 8080)
                ]),
                false,
            ),
            (
                "first tcp port conflict due to 0.0.0.0 hostIP",
                json!([port("", "TCP", 8001), port("127.0.0.1", "UDP", 8080)]),
                json!([
                    port("127.0.0.1", "TCP", 8001),
                    port("127.0.0.1", "UDP", 8081)
                ]),
                false,
            ),
            (
                "first tcp port conflict due to 0.0.0.0 hostIP of the incoming pod",
                json!([port("127.0.0.1", "TCP", 8001)]),
                json!([port("0.0.0.0", "TCP", 8001)]),
                false,
            ),
            (
                "an empty protocol is TCP",
                json!([port("127.0.0.1", "", 8001)]),
                json!([port("127.0.0.1", "TCP", 8001)]),
                false,
            ),
            (
                "a port without hostPort takes nothing",
                json!([{"containerPort": 8001}]),
                json!([port("", "TCP", 8001)]),
                true,
            ),
        ];
        for (name, existing, wanted, fits) in cases {
            let mut n = node("n", json!({}));
            n.add_pod(&with_ports(existing));
            let p = with_ports(wanted);
            let s = NodePorts.filter(&PodInfo::new(&p), &n);
            if fits {
                assert!(s.is_success(), "{name}: {s:?}");
            } else {
                assert_eq!(s.code, Code::Unschedulable, "{name}");
                assert_eq!(s.reasons, [ERR_REASON], "{name}");
            }
        }
    }

    #[test]
    fn sidecar_ports_count_and_plain_init_container_ports_do_not() {
        let mut n = node("n", json!({}));
        let existing: Pod = serde_json::from_value(json!({"metadata": {"name": "e"}, "spec": {
            "initContainers": [
                {"name": "init", "image": "i", "ports": [{"containerPort": 1, "hostPort": 7000}]},
                {"name": "sidecar", "image": "i", "restartPolicy": "Always",
                 "ports": [{"containerPort": 1, "hostPort": 7001}]}],
            "containers": []}}))
        .unwrap();
        n.add_pod(&existing);
        let p = with_ports(json!([port("", "TCP", 7000)]));
        assert!(NodePorts.filter(&PodInfo::new(&p), &n).is_success());
        let p = with_ports(json!([port("", "TCP", 7001)]));
        assert_eq!(
            NodePorts.filter(&PodInfo::new(&p), &n).reasons,
            [ERR_REASON]
        );
    }
}
