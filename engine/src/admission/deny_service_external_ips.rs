//! DenyServiceExternalIPs: no new `spec.externalIPs` on Services. Creating a Service with
//! external IPs is refused; an update may keep, reorder or drop the IPs it had, never add one.
//!
//! Follows `plugin/pkg/admission/network/denyserviceexternalips/admission.go` in
//! kubernetes/kubernetes (Validate on CREATE and UPDATE).

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct DenyServiceExternalIPs;

pub const DENIED: &str = "Use of external IPs is denied by admission control";

impl Plugin for DenyServiceExternalIPs {
    fn name(&self) -> &'static str {
        "DenyServiceExternalIPs"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if !a.subresource.is_empty() {
            return Ok(());
        }
        let Some(Object::Service(svc)) = a.object.as_ref() else {
            return Ok(());
        };
        let ips = |s: &k8s_openapi::api::core::v1::Service| {
            s.spec
                .as_ref()
                .and_then(|sp| sp.external_ips.clone())
                .unwrap_or_default()
        };
        let new_ips = ips(svc);
        if new_ips.is_empty() {
            return Ok(());
        }
        // Every IP must already have been there.
        let subset = match a.old_object {
            Some(Object::Service(old)) => {
                let old_ips = ips(old);
                new_ips.iter().all(|ip| old_ips.contains(ip))
            }
            _ => false,
        };
        if subset {
            return Ok(());
        }
        let name = if a.name.is_empty() {
            "Unknown"
        } else {
            &a.name
        };
        Err(ApiError::forbidden(
            &a.kind.resource(),
            name,
            DENIED,
            self.name(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testkit::{run, Request};
    use serde_json::{json, Value};

    fn svc(ips: &[&str]) -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "test-svc", "namespace": "default"},
            "spec": {"ports": [{"port": 80}], "externalIPs": ips}})
    }

    const REFUSED: &str =
        "services \"test-svc\" is forbidden: Use of external IPs is denied by admission control";

    #[test]
    fn creating_a_service_with_external_ips_is_refused() {
        assert!(run(&DenyServiceExternalIPs, Request::create(svc(&[]))).is_ok());
        assert_eq!(
            run(&DenyServiceExternalIPs, Request::create(svc(&["1.1.1.1"]))).unwrap_err(),
            REFUSED
        );
    }

    #[test]
    fn updates_may_keep_reorder_or_drop_ips_but_not_add_them() {
        let update = |new: &[&str], old: &[&str]| {
            run(&DenyServiceExternalIPs, Request::update(svc(new), svc(old)))
        };
        assert!(update(&["1.1.1.1", "2.2.2.2"], &["1.1.1.1", "2.2.2.2"]).is_ok());
        assert!(update(&["1.1.1.1", "2.2.2.2"], &["2.2.2.2", "1.1.1.1"]).is_ok());
        assert!(update(&[], &["1.1.1.1", "2.2.2.2"]).is_ok());
        assert!(update(&["1.1.1.1"], &["1.1.1.1", "2.2.2.2"]).is_ok());
        assert!(update(&["2.2.2.2"], &["1.1.1.1", "2.2.2.2"]).is_ok());
        assert_eq!(
            update(&["1.1.1.1", "2.2.2.2"], &["1.1.1.1", "3.3.3.3"]).unwrap_err(),
            REFUSED
        );
        assert_eq!(
            update(&["1.1.1.1", "2.2.2.2"], &["1.1.1.1"]).unwrap_err(),
            REFUSED
        );
    }

    #[test]
    fn other_kinds_are_left_alone() {
        let ep = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
        assert!(run(&DenyServiceExternalIPs, Request::create(ep)).is_ok());
    }
}
