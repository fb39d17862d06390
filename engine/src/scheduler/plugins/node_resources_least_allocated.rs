//! NodeResourcesLeastAllocated: the resource score of the 1.20 and 1.21 default profile, which
//! favours the nodes with the most room left. From 1.22 the same scoring is NodeResourcesFit's
//! `LeastAllocated` scoring strategy (its default), so this plugin is that score under its old
//! name, with cpu and memory weighted 1 as its defaults were.
//!
//! Follows `pkg/scheduler/framework/plugins/noderesources/least_allocated.go`, as vendored by
//! kubernetes/autoscaler's cluster-autoscaler-1.21.0 (v1.21.0).

use crate::scheduler::plugins::node_resources_fit::NodeResourcesFit;
use crate::scheduler::{NodeInfo, PodInfo, ScorePlugin};

pub struct NodeResourcesLeastAllocated;

impl ScorePlugin for NodeResourcesLeastAllocated {
    fn name(&self) -> &'static str {
        "NodeResourcesLeastAllocated"
    }

    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        NodeResourcesFit.score(pod, node)
    }
}
