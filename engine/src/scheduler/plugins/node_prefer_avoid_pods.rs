//! NodePreferAvoidPods (default until 1.21, weight 10000): a node whose
//! `scheduler.alpha.kubernetes.io/preferAvoidPods` annotation names the pod's ReplicaSet or
//! ReplicationController scores 0, every other node 100. With its weight, the annotation
//! outweighs every other score. Gone from the v1beta2 defaults (1.22) and from the scheduler in
//! 1.24.
//!
//! Follows `pkg/scheduler/framework/plugins/nodepreferavoidpods/node_prefer_avoid_pods.go` and
//! `v1helper.GetAvoidPodsFromNodeAnnotations` (an annotation that does not parse avoids
//! nothing), as vendored by kubernetes/autoscaler's cluster-autoscaler-1.21.0 (v1.21.0).

use serde_json::Value;

use crate::scheduler::{NodeInfo, PodInfo, ScorePlugin, MAX_NODE_SCORE};

pub struct NodePreferAvoidPods;

pub const ANNOTATION: &str = "scheduler.alpha.kubernetes.io/preferAvoidPods";

impl ScorePlugin for NodePreferAvoidPods {
    fn name(&self) -> &'static str {
        "NodePreferAvoidPods"
    }

    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let controller = pod
            .pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|r| r.controller == Some(true))
            .filter(|r| matches!(r.kind.as_str(), "ReplicationController" | "ReplicaSet"));
        let Some(controller) = controller else {
            return MAX_NODE_SCORE;
        };
        let avoids: Option<Value> = node
            .node
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(ANNOTATION))
            .and_then(|text| serde_json::from_str(text).ok());
        let avoided = avoids
            .as_ref()
            .and_then(|v| v.get("preferAvoidPods"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.pointer("/podSignature/podController"))
            .any(|c| {
                c.get("kind").and_then(Value::as_str) == Some(controller.kind.as_str())
                    && c.get("uid").and_then(Value::as_str) == Some(controller.uid.as_str())
            });
        if avoided {
            0
        } else {
            MAX_NODE_SCORE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::pod;
    use k8s_openapi::api::core::v1::Node;
    use serde_json::json;

    fn node(annotation: Option<Value>) -> NodeInfo {
        let mut meta = json!({"name": "n"});
        if let Some(a) = annotation {
            meta["annotations"] = json!({ANNOTATION: a.to_string()});
        }
        let n: Node = serde_json::from_value(json!({"metadata": meta})).unwrap();
        NodeInfo::new(&n)
    }

    fn owned_by(kind: &str, uid: &str) -> k8s_openapi::api::core::v1::Pod {
        let mut p = pod(json!({"containers": []}));
        p.metadata.owner_references = Some(vec![serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": kind, "name": "web", "uid": uid, "controller": true
        }))
        .unwrap()]);
        p
    }

    fn avoid(kind: &str, uid: &str) -> Value {
        json!({"preferAvoidPods": [{"podSignature": {"podController": {
            "apiVersion": "v1", "kind": kind, "name": "web", "uid": uid, "controller": true}},
            "reason": "maintenance"}]})
    }

    #[test]
    fn a_node_avoiding_the_pods_replica_set_scores_zero_and_others_the_maximum() {
        let p = owned_by("ReplicaSet", "u1");
        let info = PodInfo::new(&p);
        assert_eq!(
            NodePreferAvoidPods.score(&info, &node(Some(avoid("ReplicaSet", "u1")))),
            0
        );
        assert_eq!(
            NodePreferAvoidPods.score(&info, &node(Some(avoid("ReplicaSet", "u2")))),
            100
        );
        assert_eq!(NodePreferAvoidPods.score(&info, &node(None)), 100);
    }

    #[test]
    fn only_replica_sets_and_replication_controllers_are_avoided() {
        let p = owned_by("StatefulSet", "u1");
        let info = PodInfo::new(&p);
        assert_eq!(
            NodePreferAvoidPods.score(&info, &node(Some(avoid("StatefulSet", "u1")))),
            100
        );
        let bare = pod(json!({"containers": []}));
        assert_eq!(
            NodePreferAvoidPods.score(&PodInfo::new(&bare), &node(Some(avoid("ReplicaSet", "u1")))),
            100
        );
    }

    #[test]
    fn an_annotation_that_does_not_parse_avoids_nothing() {
        let p = owned_by("ReplicaSet", "u1");
        let mut n = node(None);
        n.node.metadata.annotations =
            Some([(ANNOTATION.to_string(), "{not json".to_string())].into());
        assert_eq!(NodePreferAvoidPods.score(&PodInfo::new(&p), &n), 100);
    }
}
