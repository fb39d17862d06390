//! ImageLocality: favours nodes that already hold the pod's container images, by image size
//! and by how many nodes have them.
//!
//! Follows `pkg/scheduler/framework/plugins/imagelocality/image_locality.go` in
//! kubernetes/kubernetes. kubefiddle's nodes report no images (`status.images` is never filled
//! and nothing is ever pulled), so the sum of image scores is 0 on every node: this plugin
//! always scores 0. It has no NormalizeScore upstream either; it is registered so that the
//! "why here?" table lists the default profile's score plugins as upstream does.

use crate::scheduler::{NodeInfo, PodInfo, ScorePlugin};

pub struct ImageLocality;

impl ScorePlugin for ImageLocality {
    fn name(&self) -> &'static str {
        "ImageLocality"
    }

    /// `calculatePriority(sumImageScores(...))` with no image present on any node: 0.
    fn score(&self, _pod: &PodInfo, _node: &NodeInfo) -> i64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use serde_json::json;

    #[test]
    fn nodes_without_images_all_score_zero() {
        let p = pod(json!({"containers": [{"name": "c", "image": "nginx:1.25"}]}));
        let info = PodInfo::new(&p);
        let mut s = vec![
            ImageLocality.score(&info, &node("a", json!({}))),
            ImageLocality.score(&info, &node("b", json!({}))),
        ];
        ImageLocality.normalize(&mut s);
        assert_eq!(s, [0, 0]);
    }
}
