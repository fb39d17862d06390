//! Scheduler throughput, after kube-scheduler's `scheduler_perf` (`SchedulingBasic`,
//! `SchedulingPodAntiAffinity`, `TopologySpreading` in
//! `test/integration/scheduler_perf/config/performance-config.yaml`): pods scheduled one after
//! another onto a snapshot of nodes with the default profile, each bound before the next, and
//! the time to re-run a ~100-pod scenario from its text (what the page does after an edit).
//!
//! `cargo bench -p kubefiddle-engine --bench scheduling`. Without `--bench` (e.g. `cargo test
//! --benches`) every benchmark runs once on a tiny cluster, so that tests stay fast.

use k8s_openapi::api::core::v1::{Node, Pod};
use kubefiddle_engine::scheduler::{schedule_in_turn, NodeInfo, Profile};
use serde_json::json;

fn main() {
    divan::main();
}

/// Full size under `cargo bench`, tiny otherwise.
fn size(nodes: usize, pods: usize) -> (usize, usize) {
    if std::env::args().any(|a| a == "--bench") {
        (nodes, pods)
    } else {
        (10, 20)
    }
}

/// `node-default.yaml` of scheduler_perf: 4 cpu, 32Gi, 110 pods; ten zones.
fn nodes(n: usize) -> Vec<NodeInfo> {
    (0..n)
        .map(|i| {
            let name = format!("node-{i:05}");
            let node: Node = serde_json::from_value(json!({
                "metadata": {"name": name, "labels": {
                    "kubernetes.io/hostname": name,
                    "topology.kubernetes.io/zone": format!("zone-{}", i % 10)}},
                "status": {"allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"}}}))
            .expect("node");
            NodeInfo::new(&node)
        })
        .collect()
}

/// `pod-default.yaml`: 100m / 500Mi; `extra` adds to the spec.
fn pods(n: usize, extra: impl Fn(usize) -> serde_json::Value) -> Vec<Pod> {
    (0..n)
        .map(|i| {
            let mut spec = json!({"containers": [{"name": "pause",
                "image": "registry.k8s.io/pause:3.10",
                "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]});
            if let (Some(s), serde_json::Value::Object(e)) = (spec.as_object_mut(), extra(i)) {
                s.extend(e);
            }
            serde_json::from_value(json!({
                "metadata": {"name": format!("pod-{i}"), "namespace": "default",
                    "uid": format!("uid-{i}"),
                    "labels": {"app": "bench", "group": format!("g{}", i / 2)}},
                "spec": spec}))
            .expect("pod")
        })
        .collect()
}

/// Schedules every pod in turn, binding it on its node; returns how many were bound.
fn schedule_all(profile: &Profile, mut snapshot: Vec<NodeInfo>, pods: &[Pod]) -> usize {
    schedule_in_turn(profile, &mut snapshot, pods)
}

fn run(
    bencher: divan::Bencher,
    node_count: usize,
    pod_count: usize,
    extra: fn(usize) -> serde_json::Value,
) {
    let (n, p) = size(node_count, pod_count);
    let profile = Profile::default_profile();
    let snapshot = nodes(n);
    let pods = pods(p, extra);
    bencher
        .with_inputs(|| snapshot.clone())
        .bench_local_values(|snap| {
            let bound = schedule_all(&profile, snap, &pods);
            assert_eq!(bound, pods.len());
            bound
        });
}

/// SchedulingBasic: plain pods.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn basic_10k_pods_5k_nodes(bencher: divan::Bencher) {
    run(bencher, 5000, 10_000, |_| json!({}));
}

/// SchedulingPodAntiAffinity: pods in pairs that must not share a host.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn pod_anti_affinity_10k_pods_5k_nodes(bencher: divan::Bencher) {
    run(bencher, 5000, 10_000, |i| {
        json!({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"group": format!("g{}", i / 2)}},
             "topologyKey": "kubernetes.io/hostname"}]}}})
    });
}

/// TopologySpreading: every pod spread over the zones (DoNotSchedule, maxSkew 1).
#[divan::bench(sample_count = 1, sample_size = 1)]
fn topology_spread_10k_pods_5k_nodes(bencher: divan::Bencher) {
    run(bencher, 5000, 10_000, |_| {
        json!({"topologySpreadConstraints": [{"maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "bench"}}}]})
    });
}

/// A scenario of ~100 pods (a kind cluster of 10 workers, five Deployments of 20 replicas,
/// one with anti-affinity), run from its text: the time to redo after an edit.
#[divan::bench(sample_count = 10)]
fn rerun_100_pod_scenario(bencher: divan::Bencher) {
    let mut text = String::from(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n",
    );
    for _ in 0..10 {
        text.push_str("- role: worker\n");
    }
    for d in 0..5 {
        let anti = if d == 0 {
            "      affinity:\n        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n          - weight: 100\n            podAffinityTerm:\n              labelSelector:\n                matchLabels:\n                  app: web0\n              topologyKey: kubernetes.io/hostname\n"
        } else {
            ""
        };
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web{d}\nspec:\n  replicas: 20\n  selector:\n    matchLabels:\n      app: web{d}\n  template:\n    metadata:\n      labels:\n        app: web{d}\n    spec:\n{anti}      containers:\n      - name: app\n        image: nginx\n        resources:\n          requests:\n            cpu: 100m\n"
        ));
    }
    bencher.bench_local(|| {
        let r = kubefiddle_engine::run(&[kubefiddle_engine::Input::new("bench.yaml", &text)]);
        r.cluster.store.list("Pod").count()
    });
}
