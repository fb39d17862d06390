//! SecurityContextDeny: refuses pods that set the security-context fields a user could use to
//! pick their identity on the node (pod `supplementalGroups`, `seLinuxOptions`, `runAsUser`,
//! `fsGroup`; container `seLinuxOptions`, `runAsUser`).
//!
//! Follows `plugin/pkg/admission/securitycontext/scdeny/admission.go` in kubernetes/kubernetes:
//! a validating plugin for pod CREATE and UPDATE, the first offending field wins, each refused
//! with `errors.NewForbidden(pods, pod.Name, ...)`. Deprecated in 1.27, when it also started
//! requiring the alpha `SecurityContextDeny` feature gate to load at all (off by default; see
//! [`init_error`]); removed in 1.30.

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::settings::Settings;
use crate::status::ApiError;

pub struct SecurityContextDeny;

pub const POD_SUPPLEMENTAL_GROUPS: &str =
    "pod.Spec.SecurityContext.SupplementalGroups is forbidden";
pub const POD_SE_LINUX_OPTIONS: &str = "pod.Spec.SecurityContext.SELinuxOptions is forbidden";
pub const POD_RUN_AS_USER: &str = "pod.Spec.SecurityContext.RunAsUser is forbidden";
pub const POD_FS_GROUP: &str = "pod.Spec.SecurityContext.FSGroup is forbidden";
pub const CONTAINER_SE_LINUX_OPTIONS: &str = "SecurityContext.SELinuxOptions is forbidden";
pub const CONTAINER_RUN_AS_USER: &str = "SecurityContext.RunAsUser is forbidden";

const DOC_LINK: &str =
    "https://k8s.io/docs/reference/access-authn-authz/admission-controllers/#securitycontextdeny";

/// Why kube-apiserver would not start with this plugin enabled: from 1.27 to 1.29 the plugin
/// refuses to load without the alpha `SecurityContextDeny` feature gate, which kubefiddle's
/// clusters (like kind's) leave off. The text is `Plugins.InitPlugin`'s wrapping of the
/// plugin factory's error.
pub fn init_error(settings: &Settings) -> Option<String> {
    (27..=29).contains(&settings.minor).then(|| {
        format!(
            "couldn't init admission plugin \"SecurityContextDeny\": SecurityContextDeny admission controller is an alpha feature, planned to be removed, and requires the SecurityContextDeny feature gate to be enabled, see {DOC_LINK} for more information"
        )
    })
}

/// The first forbidden field of the pod, in upstream's order.
fn violation(pod: &k8s_openapi::api::core::v1::Pod) -> Option<&'static str> {
    let spec = pod.spec.as_ref()?;
    if let Some(sc) = spec.security_context.as_ref() {
        if sc.supplemental_groups.is_some() {
            return Some(POD_SUPPLEMENTAL_GROUPS);
        }
        if sc.se_linux_options.is_some() {
            return Some(POD_SE_LINUX_OPTIONS);
        }
        if sc.run_as_user.is_some() {
            return Some(POD_RUN_AS_USER);
        }
        if sc.fs_group.is_some() {
            return Some(POD_FS_GROUP);
        }
    }
    let containers = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter());
    for c in containers {
        let Some(sc) = c.security_context.as_ref() else {
            continue;
        };
        if sc.se_linux_options.is_some() {
            return Some(CONTAINER_SE_LINUX_OPTIONS);
        }
        if sc.run_as_user.is_some() {
            return Some(CONTAINER_RUN_AS_USER);
        }
    }
    None
}

impl Plugin for SecurityContextDeny {
    fn name(&self) -> &'static str {
        "SecurityContextDeny"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if !a.subresource.is_empty() || a.kind.kind != "Pod" || !a.kind.group.is_empty() {
            return Ok(());
        }
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(());
        };
        match violation(pod) {
            Some(msg) => Err(ApiError::forbidden("pods", &a.name, msg, self.name())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{config_map, pod, run, Req};
    use serde_json::json;

    #[test]
    fn each_forbidden_field_is_named_and_the_first_one_wins() {
        let cases = [
            (
                json!({"securityContext": {"supplementalGroups": [1], "runAsUser": 1}, "containers": []}),
                POD_SUPPLEMENTAL_GROUPS,
            ),
            (
                json!({"securityContext": {"seLinuxOptions": {"level": "s0"}}, "containers": []}),
                POD_SE_LINUX_OPTIONS,
            ),
            (
                json!({"securityContext": {"runAsUser": 1000}, "containers": []}),
                POD_RUN_AS_USER,
            ),
            (
                json!({"securityContext": {"fsGroup": 2000}, "containers": []}),
                POD_FS_GROUP,
            ),
            (
                json!({"containers": [{"name": "c", "image": "x", "securityContext": {"runAsUser": 0}}]}),
                CONTAINER_RUN_AS_USER,
            ),
            (
                json!({"initContainers": [{"name": "i", "image": "x", "securityContext": {"seLinuxOptions": {"user": "u"}}}],
                    "containers": [{"name": "c", "image": "x", "securityContext": {"runAsUser": 0}}]}),
                CONTAINER_SE_LINUX_OPTIONS,
            ),
        ];
        for (spec, msg) in cases {
            assert_eq!(
                run(&SecurityContextDeny, Req::create(pod(spec))),
                Err(format!("pods \"p\" is forbidden: {msg}"))
            );
        }
        assert_eq!(
            CONTAINER_RUN_AS_USER,
            "SecurityContext.RunAsUser is forbidden"
        );
    }

    #[test]
    fn allowed_fields_and_other_kinds_pass() {
        let ok = pod(json!({"securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "c", "image": "x", "securityContext": {"privileged": false}}]}));
        assert!(run(&SecurityContextDeny, Req::create(ok)).is_ok());
        assert!(run(&SecurityContextDeny, Req::create(config_map())).is_ok());
    }

    #[test]
    fn from_1_27_to_1_29_the_plugin_needs_its_feature_gate() {
        let at = |minor| {
            init_error(&Settings {
                minor,
                ..Settings::default()
            })
        };
        assert_eq!(at(26), None);
        assert_eq!(
            at(27).unwrap(),
            "couldn't init admission plugin \"SecurityContextDeny\": SecurityContextDeny admission controller is an alpha feature, planned to be removed, and requires the SecurityContextDeny feature gate to be enabled, see https://k8s.io/docs/reference/access-authn-authz/admission-controllers/#securitycontextdeny for more information"
        );
        assert!(at(29).is_some());
    }
}
