//! The scheduler plugins, one file each, named after the upstream plugin
//! (`pkg/scheduler/framework/plugins/<name>/` in kubernetes/kubernetes).

pub mod default_preemption;
pub mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_prefer_avoid_pods;
pub mod node_resources_balanced_allocation;
pub mod node_resources_fit;
pub mod node_resources_least_allocated;
pub mod node_unschedulable;
pub mod node_volume_limits;
pub mod pod_topology_spread;
pub mod scheduling_gates;
pub mod taint_toleration;
pub mod volume_binding;
pub mod volume_restrictions;
pub mod volume_zone;

#[cfg(test)]
pub(crate) mod testutil {
    //! Tiny builders for table tests, like upstream's `st.MakePod()` / `st.MakeNode()`.
    use crate::scheduler::NodeInfo;
    use k8s_openapi::api::core::v1::{Node, Pod};
    use serde_json::{json, Value};

    pub fn pod(spec: Value) -> Pod {
        serde_json::from_value(
            json!({"metadata": {"name": "p", "namespace": "default"}, "spec": spec}),
        )
        .unwrap()
    }

    pub fn node(name: &str, extra: Value) -> NodeInfo {
        let mut v = json!({"metadata": {"name": name, "labels": {}}, "spec": {},
            "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}});
        merge(&mut v, extra);
        let n: Node = serde_json::from_value(v).unwrap();
        NodeInfo::new(&n)
    }

    fn merge(a: &mut Value, b: Value) {
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    merge(a.entry(k).or_insert(Value::Null), v);
                }
            }
            (a, b) => *a = b,
        }
    }
}
