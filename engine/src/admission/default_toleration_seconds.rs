//! DefaultTolerationSeconds: every pod tolerates `node.kubernetes.io/not-ready` and
//! `node.kubernetes.io/unreachable` (NoExecute) for 300 seconds unless it says otherwise, so a
//! node failure evicts its pods after five minutes.
//!
//! Follows `plugin/pkg/admission/defaulttolerationseconds/admission.go` in kubernetes/kubernetes.

use k8s_openapi::api::core::v1::Toleration;

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct DefaultTolerationSeconds;

/// `--default-not-ready-toleration-seconds` and `--default-unreachable-toleration-seconds`.
pub const DEFAULT_SECONDS: i64 = 300;
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

fn tolerates(tolerations: &[Toleration], key: &str) -> bool {
    tolerations.iter().any(|t| {
        let key_ok = t.key.as_deref().unwrap_or("").is_empty() || t.key.as_deref() == Some(key);
        let effect_ok = matches!(t.effect.as_deref(), None | Some("") | Some("NoExecute"));
        key_ok && effect_ok
    })
}

impl Plugin for DefaultTolerationSeconds {
    fn name(&self) -> &'static str {
        "DefaultTolerationSeconds"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        let Some(Object::Pod(pod)) = a.object.as_mut() else {
            return Ok(());
        };
        let Some(spec) = pod.spec.as_mut() else {
            return Ok(());
        };
        let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
        for key in [NOT_READY, UNREACHABLE] {
            if !tolerates(tolerations, key) {
                tolerations.push(Toleration {
                    key: Some(key.to_string()),
                    operator: Some("Exists".into()),
                    effect: Some("NoExecute".into()),
                    toleration_seconds: Some(DEFAULT_SECONDS),
                    value: None,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testutil::{admit_pod, pod};
    use serde_json::json;

    #[test]
    fn a_plain_pod_gets_both_tolerations_in_order() {
        let out = admit_pod(
            &DefaultTolerationSeconds,
            pod(json!({"containers": [{"name": "c", "image": "x"}]})),
        )
        .unwrap();
        let t = out.spec.unwrap().tolerations.unwrap();
        let keys: Vec<_> = t
            .iter()
            .map(|t| (t.key.clone().unwrap(), t.toleration_seconds))
            .collect();
        assert_eq!(
            keys,
            [
                (NOT_READY.to_string(), Some(300)),
                (UNREACHABLE.to_string(), Some(300))
            ]
        );
    }

    #[test]
    fn a_pod_that_already_tolerates_keeps_its_own() {
        let p = pod(json!({"containers": [], "tolerations": [
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 10}]}));
        let t = admit_pod(&DefaultTolerationSeconds, p)
            .unwrap()
            .spec
            .unwrap()
            .tolerations
            .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].toleration_seconds, Some(10));
        assert_eq!(t[1].key.as_deref(), Some(NOT_READY));
        let all = pod(json!({"containers": [], "tolerations": [{"operator": "Exists"}]}));
        assert_eq!(
            admit_pod(&DefaultTolerationSeconds, all)
                .unwrap()
                .spec
                .unwrap()
                .tolerations
                .unwrap()
                .len(),
            1
        );
    }
}
