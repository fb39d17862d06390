//! The wasm half of issue 4's scheduling benchmark: the engine compiled to
//! `wasm32-unknown-unknown`, driven from node by `scripts/bench-wasm.sh`, which times each call
//! with `performance.now()`. (The native half is the divan benchmark `engine/benches/`.)
//!
//! Two measurements:
//! - [`schedule_plain`]: the shape of upstream's `SchedulingBasic`
//!   (`test/integration/scheduler_perf/config/performance-config.yaml`, templates
//!   `node-default.yaml` and `pod-default.yaml`): N nodes with 4 CPU, 32Gi and 110 pods, and M
//!   pods of one container requesting 100m CPU and 500Mi, scheduled one after another with the
//!   default profile through `scheduler::schedule_in_turn`, each bound pod added to its node as the
//!   scheduler's cache does. Only the scheduling loop is timed by the caller; building the nodes
//!   and pods happens in [`prepare_plain`].
//! - [`run_scenario`]: the whole engine (`kubefiddle_engine::run`) on a scenario text, which is
//!   what the page does after each edit ("redo time").
//!
//! Nothing here is part of the app; the numbers go into the README's "Speed" section.

use std::cell::RefCell;

use k8s_openapi::api::core::v1::{Node, Pod};
use kubefiddle_engine::scheduler::{self, NodeInfo, Profile};
use kubefiddle_engine::{run, Input};
use serde_json::json;
use wasm_bindgen::prelude::*;

/// A node as `node-default.yaml` describes it, named and labelled as a kind node in a zone.
pub fn node(i: usize, zones: usize) -> Option<Node> {
    let name = format!("node-{i:05}");
    serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "topology.kubernetes.io/zone": format!("zone-{}", i % zones.max(1)),
            },
        },
        "status": {
            "capacity": { "cpu": "4", "memory": "32Gi", "pods": "110" },
            "allocatable": { "cpu": "4", "memory": "32Gi", "pods": "110" },
            "conditions": [{ "type": "Ready", "status": "True" }],
        },
    }))
    .ok()
}

/// A pod as `pod-default.yaml` describes it.
pub fn pod(i: usize) -> Option<Pod> {
    serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": { "name": format!("pod-{i:05}"), "namespace": "default" },
        "spec": {
            "containers": [{
                "name": "pause",
                "image": "registry.k8s.io/pause:3.10",
                "resources": { "requests": { "cpu": "100m", "memory": "500Mi" } },
            }],
        },
    }))
    .ok()
}

struct Prepared {
    nodes: Vec<NodeInfo>,
    pods: Vec<Pod>,
}

thread_local! {
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
}

/// Builds `nodes` empty nodes (in 3 zones) and `pods` unscheduled pods for [`schedule_plain`].
#[wasm_bindgen]
pub fn prepare_plain(nodes: usize, pods: usize) {
    let prepared = Prepared {
        nodes: (0..nodes)
            .filter_map(|i| node(i, 3))
            .map(|n| NodeInfo::new(&n))
            .collect(),
        pods: (0..pods).filter_map(pod).collect(),
    };
    PREPARED.with(|p| *p.borrow_mut() = Some(prepared));
}

/// Schedules every prepared pod in turn with the default profile (the native benchmark's loop,
/// `scheduler::schedule_in_turn`); returns how many were bound.
pub fn schedule_all(nodes: &mut [NodeInfo], pods: &[Pod]) -> usize {
    scheduler::schedule_in_turn(&Profile::default_profile(), nodes, pods)
}

/// Schedules the pods [`prepare_plain`] built onto its nodes; returns how many were bound.
#[wasm_bindgen]
pub fn schedule_plain() -> usize {
    PREPARED.with(|p| {
        let mut p = p.borrow_mut();
        match p.as_mut() {
            Some(Prepared { nodes, pods }) => schedule_all(nodes, pods),
            None => 0,
        }
    })
}

/// A scenario: a kind cluster of `workers` workers and a Deployment of `replicas` pods that
/// request 100m CPU and 500Mi each.
#[wasm_bindgen]
pub fn deployment_scenario(workers: usize, replicas: usize) -> String {
    let mut s = String::from(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n",
    );
    for _ in 0..workers {
        s.push_str("- role: worker\n");
    }
    s.push_str(&format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        resources:\n          requests:\n            cpu: 100m\n            memory: 500Mi\n"
    ));
    s
}

/// Runs a whole scenario through the engine, as the page does after an edit; returns the number
/// of pods bound to a node at the end.
#[wasm_bindgen]
pub fn run_scenario(text: &str) -> usize {
    let run = run(&[Input::new("scenario.yaml", text)]);
    kubefiddle_engine::views::nodes(&run.cluster)
        .iter()
        .map(|n| n.pod_list.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plain_pod_is_bound_when_the_nodes_have_room() {
        let mut nodes: Vec<NodeInfo> = (0..4)
            .filter_map(|i| node(i, 3))
            .map(|n| NodeInfo::new(&n))
            .collect();
        let pods: Vec<Pod> = (0..20).filter_map(pod).collect();
        assert_eq!(schedule_all(&mut nodes, &pods), 20);
        // LeastAllocated and BalancedAllocation spread the pods evenly.
        assert!(nodes.iter().all(|n| n.pods.len() == 5));
    }

    #[test]
    fn the_deployment_scenario_runs_every_replica() {
        assert_eq!(run_scenario(&deployment_scenario(3, 10)), 10);
    }
}
