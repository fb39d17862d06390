//! Resource arithmetic for scheduling: what a pod requests and what a node has left.
//!
//! Follows `pkg/scheduler/framework/types.go` (`Resource`), `k8s.io/component-helpers/resource`
//! (`PodRequests`: containers summed, init containers as a maximum, restartable init
//! containers — sidecars — added, pod overhead on top) and
//! `pkg/scheduler/util/pod_resources.go` (the non-zero defaults used for scoring).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use serde::Serialize;

use crate::quantity::Quantity;

/// `DefaultMilliCPURequest`: what scoring assumes for a container without a cpu request.
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// `DefaultMemoryRequest`: 200 MiB.
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// An amount of each resource: cpu in millicores, the rest in units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    pub milli_cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
    pub allowed_pod_number: i64,
    /// Extended and hugepages resources by name.
    pub scalar: BTreeMap<String, i64>,
}

fn amount(name: &str, q: &K8sQuantity) -> i64 {
    match Quantity::parse(&q.0) {
        Ok(q) if name == "cpu" => q.milli_value(),
        Ok(q) => q.value(),
        Err(_) => 0,
    }
}

impl Resources {
    pub fn from_list(list: Option<&BTreeMap<String, K8sQuantity>>) -> Self {
        let mut r = Resources::default();
        for (name, q) in list.into_iter().flatten() {
            r.set(name, amount(name, q));
        }
        r
    }

    fn set(&mut self, name: &str, v: i64) {
        match name {
            "cpu" => self.milli_cpu = v,
            "memory" => self.memory = v,
            "ephemeral-storage" => self.ephemeral_storage = v,
            "pods" => self.allowed_pod_number = v,
            other => {
                self.scalar.insert(other.to_string(), v);
            }
        }
    }

    pub fn add(&mut self, o: &Resources) {
        self.milli_cpu = self.milli_cpu.saturating_add(o.milli_cpu);
        self.memory = self.memory.saturating_add(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.saturating_add(o.ephemeral_storage);
        self.allowed_pod_number = self.allowed_pod_number.saturating_add(o.allowed_pod_number);
        for (k, v) in &o.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = e.saturating_add(*v);
        }
    }

    /// Each resource the larger of the two (`SetMaxResource`).
    pub fn max_with(&mut self, o: &Resources) {
        self.milli_cpu = self.milli_cpu.max(o.milli_cpu);
        self.memory = self.memory.max(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.max(o.ephemeral_storage);
        for (k, v) in &o.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = (*e).max(*v);
        }
    }
}

/// What a pod requests, as the scheduler counts it.
pub fn pod_requests(pod: &Pod) -> Resources {
    let Some(spec) = pod.spec.as_ref() else {
        return Resources::default();
    };
    let container_req = |c: &k8s_openapi::api::core::v1::Container| {
        Resources::from_list(c.resources.as_ref().and_then(|r| r.requests.as_ref()))
    };
    let mut reqs = Resources::default();
    for c in &spec.containers {
        reqs.add(&container_req(c));
    }
    // Init containers run one after another: the pod needs the largest of them, while
    // restartable init containers (sidecars) keep running and add to everything after them.
    let mut init_max = Resources::default();
    let mut sidecars = Resources::default();
    for c in spec.init_containers.iter().flatten() {
        let r = container_req(c);
        if c.restart_policy.as_deref() == Some("Always") {
            sidecars.add(&r);
            let mut running = sidecars.clone();
            running.max_with(&Resources::default());
            init_max.max_with(&running);
        } else {
            let mut during = sidecars.clone();
            during.add(&r);
            init_max.max_with(&during);
        }
    }
    reqs.add(&sidecars);
    reqs.max_with(&init_max);
    if let Some(overhead) = spec.overhead.as_ref() {
        reqs.add(&Resources::from_list(Some(overhead)));
    }
    reqs
}

/// Requests with the scoring defaults for pods that ask for no cpu or memory.
pub fn non_zero(r: &Resources) -> Resources {
    let mut n = r.clone();
    if n.milli_cpu == 0 {
        n.milli_cpu = DEFAULT_MILLI_CPU_REQUEST;
    }
    if n.memory == 0 {
        n.memory = DEFAULT_MEMORY_REQUEST;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn containers_add_init_containers_take_the_maximum_and_sidecars_add() {
        let p = pod(json!({"spec": {
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}},
                {"name": "b", "resources": {"requests": {"cpu": "200m"}}}],
            "initContainers": [
                {"name": "i", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}},
                {"name": "s", "restartPolicy": "Always", "resources": {"requests": {"cpu": "50m"}}}],
            "overhead": {"cpu": "10m"}}}));
        let r = pod_requests(&p);
        assert_eq!(r.milli_cpu, 1000 + 10);
        assert_eq!(r.memory, 1024 * 1024 * 1024);
        let p2 = pod(
            json!({"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "100m"}}}],
            "initContainers": [{"name": "s", "restartPolicy": "Always", "resources": {"requests": {"cpu": "50m"}}}]}}),
        );
        assert_eq!(pod_requests(&p2).milli_cpu, 150);
    }

    #[test]
    fn scoring_assumes_defaults_for_empty_requests() {
        let n = non_zero(&Resources::default());
        assert_eq!((n.milli_cpu, n.memory), (100, 200 * 1024 * 1024));
    }
}
