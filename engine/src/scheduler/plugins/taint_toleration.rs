//! TaintToleration: NoSchedule and NoExecute taints a pod does not tolerate rule the node out;
//! PreferNoSchedule taints it does not tolerate lower the node's score.
//!
//! Follows `pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go`.

use k8s_openapi::api::core::v1::Toleration;

use crate::scheduler::{default_normalize, FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status};
use crate::taints::{find_untolerated_taint, toleration_tolerates_taint};

pub struct TaintToleration;

/// `ErrReasonNotMatch`, formatted with the taint's key and value: `node(s) had untolerated
/// taint {k: v}` from 1.24 (kubernetes/kubernetes#109119; read in the v1.23.0 and v1.24.0
/// sources vendored by kubernetes/autoscaler's cluster-autoscaler-1.23.0 and -1.24.0),
/// `node(s) had taint {k: v}, that the pod didn't tolerate` before.
pub fn err_reason_not_match(minor: u32, key: &str, value: &str) -> String {
    if minor < 24 {
        format!("node(s) had taint {{{key}: {value}}}, that the pod didn't tolerate")
    } else {
        format!("node(s) had untolerated taint {{{key}: {value}}}")
    }
}

fn tolerations<'a>(pod: &'a PodInfo) -> &'a [Toleration] {
    pod.pod
        .spec
        .as_ref()
        .and_then(|s| s.tolerations.as_deref())
        .unwrap_or(&[])
}

impl FilterPlugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let untolerated = find_untolerated_taint(&node.taints, tolerations(pod), |t| {
            t.effect == "NoSchedule" || t.effect == "NoExecute"
        });
        match untolerated {
            None => Status::success(),
            Some(t) => Status::unresolvable(err_reason_not_match(
                pod.minor,
                &t.key,
                t.value.as_deref().unwrap_or(""),
            )),
        }
    }
}

impl ScorePlugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    /// The number of PreferNoSchedule taints the pod does not tolerate.
    fn score(&self, pod: &PodInfo, node: &NodeInfo) -> i64 {
        let prefer: Vec<&Toleration> = tolerations(pod)
            .iter()
            .filter(|t| {
                matches!(
                    t.effect.as_deref(),
                    None | Some("") | Some("PreferNoSchedule")
                )
            })
            .collect();
        let count = node
            .taints
            .iter()
            .filter(|t| t.effect == "PreferNoSchedule")
            .filter(|t| !prefer.iter().any(|tol| toleration_tolerates_taint(tol, t)))
            .count();
        i64::try_from(count).unwrap_or(i64::MAX)
    }

    fn normalize(&self, scores: &mut [i64]) {
        default_normalize(scores, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::{node, pod};
    use crate::scheduler::Code;
    use serde_json::json;

    fn tainted(effect: &str) -> NodeInfo {
        node(
            "n",
            json!({"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": effect}]}}),
        )
    }

    #[test]
    fn filter_table() {
        let cases = [
            (
                "a pod without tolerations is refused by a NoSchedule taint",
                json!([]),
                "NoSchedule",
                Some("node(s) had untolerated taint {dedicated: gpu}"),
            ),
            (
                "a NoExecute taint refuses too",
                json!([]),
                "NoExecute",
                Some("node(s) had untolerated taint {dedicated: gpu}"),
            ),
            (
                "a PreferNoSchedule taint does not filter",
                json!([]),
                "PreferNoSchedule",
                None,
            ),
            (
                "Equal with the same value tolerates",
                json!([{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]),
                "NoSchedule",
                None,
            ),
            (
                "Equal with another value does not",
                json!([{"key": "dedicated", "operator": "Equal", "value": "cpu", "effect": "NoSchedule"}]),
                "NoSchedule",
                Some("node(s) had untolerated taint {dedicated: gpu}"),
            ),
            (
                "Exists ignores the value",
                json!([{"key": "dedicated", "operator": "Exists"}]),
                "NoExecute",
                None,
            ),
            (
                "an empty key with Exists tolerates everything",
                json!([{"operator": "Exists"}]),
                "NoSchedule",
                None,
            ),
            (
                "another effect does not tolerate",
                json!([{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}]),
                "NoSchedule",
                Some("node(s) had untolerated taint {dedicated: gpu}"),
            ),
        ];
        for (name, tols, effect, want) in cases {
            let p = pod(json!({"containers": [], "tolerations": tols}));
            let s = TaintToleration.filter(&PodInfo::new(&p), &tainted(effect));
            match want {
                None => assert!(s.is_success(), "{name}: {s:?}"),
                Some(r) => {
                    assert_eq!(s.code, Code::UnschedulableAndUnresolvable, "{name}");
                    assert_eq!(s.reasons, [r], "{name}");
                }
            }
        }
    }

    #[test]
    fn before_1_24_the_reason_names_the_taint_the_pod_did_not_tolerate() {
        let p = pod(json!({"containers": []}));
        let mut info = PodInfo::new(&p);
        info.minor = 23;
        let s = TaintToleration.filter(&info, &tainted("NoSchedule"));
        assert_eq!(
            s.reasons,
            ["node(s) had taint {dedicated: gpu}, that the pod didn't tolerate"]
        );
        info.minor = 24;
        let s = TaintToleration.filter(&info, &tainted("NoSchedule"));
        assert_eq!(
            s.reasons,
            ["node(s) had untolerated taint {dedicated: gpu}"]
        );
    }

    #[test]
    fn prefer_no_schedule_taints_lower_the_score() {
        let p = pod(json!({"containers": []}));
        let info = PodInfo::new(&p);
        let mut scores = vec![
            TaintToleration.score(&info, &tainted("PreferNoSchedule")),
            TaintToleration.score(&info, &node("clean", json!({}))),
        ];
        assert_eq!(scores, [1, 0]);
        TaintToleration.normalize(&mut scores);
        assert_eq!(scores, [0, 100]);
    }
}
