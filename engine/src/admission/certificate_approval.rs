//! CertificateApproval: approving or denying a CertificateSigningRequest through its
//! `approval` subresource needs the `approve` verb on the `signers` resource
//! (`certificates.k8s.io`) named after the request's signer, or after `<domain>/*`.
//!
//! Follows `plugin/pkg/admission/certificates/approval/admission.go` in kubernetes/kubernetes.
//! The signer is read from the stored (old) object, so changing it in the same request does
//! not help.

use super::certificates::authorize_signer;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct CertificateApproval;

impl Plugin for CertificateApproval {
    fn name(&self) -> &'static str {
        "CertificateApproval"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Update
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if a.subresource != "approval" || a.kind.kind != "CertificateSigningRequest" {
            return Ok(());
        }
        let Some(Object::CertificateSigningRequest(csr)) = a.old_object else {
            return Ok(());
        };
        let signer = &csr.spec.signer_name;
        authorize_signer(a, c, "approve", signer, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::certificates::fixtures::{csr, ALICE};
    use crate::admission::testkit::{run, Request};
    use serde_json::{json, Value};

    fn grant(verb: &str, signers: &[&str]) -> [Value; 2] {
        crate::admission::certificates::fixtures::grant(
            verb,
            signers,
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "bob"}),
        )
    }

    fn approve(signer: &str, rbac: &[Value]) -> Result<Value, String> {
        let old = csr("req", signer, ALICE);
        let mut new = old.clone();
        new["status"] = json!({"conditions": [{"type": "Approved", "status": "True"}]});
        run(
            &CertificateApproval,
            Request::update(new, old)
                .subresource("approval")
                .with(rbac)
                .user("bob", &["system:authenticated"]),
        )
    }

    #[test]
    fn approving_needs_approve_on_the_signer_or_its_domain() {
        assert!(approve(
            "example.com/issuer",
            &grant("approve", &["example.com/issuer"])
        )
        .is_ok());
        assert!(approve("example.com/issuer", &grant("approve", &["example.com/*"])).is_ok());
        assert_eq!(
            approve("example.com/issuer", &grant("approve", &["example.com/other"])).unwrap_err(),
            "certificatesigningrequests.certificates.k8s.io \"req\" is forbidden: user not permitted to approve requests with signerName \"example.com/issuer\""
        );
        assert!(approve(
            "example.com/issuer",
            &grant("sign", &["example.com/issuer"])
        )
        .is_err());
    }

    #[test]
    fn the_signer_is_taken_from_the_stored_request() {
        let rbac = grant("approve", &["allowed.com/x"]);
        let old = csr("req", "notallowed.com/x", ALICE);
        let new = csr("req", "allowed.com/x", ALICE);
        let err = run(
            &CertificateApproval,
            Request::update(new, old)
                .subresource("approval")
                .with(&rbac)
                .user("bob", &["system:authenticated"]),
        )
        .unwrap_err();
        assert!(err.ends_with("signerName \"notallowed.com/x\""));
    }

    #[test]
    fn cluster_admins_may_approve_anything() {
        let old = csr("req", "kubernetes.io/kube-apiserver-client", ALICE);
        let req = Request::update(old.clone(), old).subresource("approval");
        assert!(run(&CertificateApproval, req).is_ok());
    }

    #[test]
    fn other_subresources_and_kinds_are_left_alone() {
        let old = csr("req", "example.com/issuer", ALICE);
        for sub in ["", "status"] {
            let req = Request::update(old.clone(), old.clone())
                .subresource(sub)
                .user("bob", &["system:authenticated"]);
            assert!(run(&CertificateApproval, req).is_ok());
        }
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
        let req = Request::update(cm.clone(), cm)
            .subresource("approval")
            .user("bob", &["system:authenticated"]);
        assert!(run(&CertificateApproval, req).is_ok());
    }
}
