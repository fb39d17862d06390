//! CertificateSigning: changing a CertificateSigningRequest's `status.certificate` or
//! `status.conditions` through the `status` subresource needs the `sign` verb on the `signers`
//! resource (`certificates.k8s.io`) named after the request's signer, or after `<domain>/*`.
//!
//! Follows `plugin/pkg/admission/certificates/signing/admission.go` in kubernetes/kubernetes.
//! The signer is read from the stored (old) object. (1.34 also guards PodCertificateRequests
//! behind an alpha feature gate; kubefiddle does not serve them.)

use super::certificates::authorize_signer;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct CertificateSigning;

impl Plugin for CertificateSigning {
    fn name(&self) -> &'static str {
        "CertificateSigning"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Update
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if a.subresource != "status" || a.kind.kind != "CertificateSigningRequest" {
            return Ok(());
        }
        let (
            Some(Object::CertificateSigningRequest(old)),
            Some(Object::CertificateSigningRequest(new)),
        ) = (a.old_object, a.object.as_ref())
        else {
            return Ok(());
        };
        let certificate = |o: &k8s_openapi::api::certificates::v1::CertificateSigningRequest| {
            o.status.as_ref().and_then(|s| s.certificate.clone())
        };
        // Semantic equality: a missing list equals an empty one.
        let conditions = |o: &k8s_openapi::api::certificates::v1::CertificateSigningRequest| {
            o.status
                .as_ref()
                .and_then(|s| s.conditions.clone())
                .unwrap_or_default()
        };
        if certificate(old) == certificate(new) && conditions(old) == conditions(new) {
            return Ok(());
        }
        let signer = &old.spec.signer_name;
        authorize_signer(a, c, "sign", signer, self.name())
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
            json!({"kind": "ServiceAccount", "name": "issuer", "namespace": "certs"}),
        )
    }

    fn update_status(old: Value, status: Value, rbac: &[Value]) -> Result<Value, String> {
        let mut new = old.clone();
        new["status"] = status;
        run(
            &CertificateSigning,
            Request::update(new, old)
                .subresource("status")
                .with(rbac)
                .user(
                    "system:serviceaccount:certs:issuer",
                    &["system:serviceaccounts", "system:authenticated"],
                ),
        )
    }

    const ISSUED: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==";

    #[test]
    fn issuing_a_certificate_needs_sign_on_the_signer_or_its_domain() {
        let old = csr("req", "example.com/issuer", ALICE);
        let status = json!({"certificate": ISSUED});
        assert!(update_status(
            old.clone(),
            status.clone(),
            &grant("sign", &["example.com/issuer"])
        )
        .is_ok());
        assert!(update_status(
            old.clone(),
            status.clone(),
            &grant("sign", &["example.com/*"])
        )
        .is_ok());
        assert_eq!(
            update_status(old, status, &grant("approve", &["example.com/issuer"])).unwrap_err(),
            "certificatesigningrequests.certificates.k8s.io \"req\" is forbidden: user not permitted to sign requests with signerName \"example.com/issuer\""
        );
    }

    #[test]
    fn adding_a_condition_also_needs_sign() {
        let old = csr("req", "example.com/issuer", ALICE);
        let failed =
            json!({"conditions": [{"type": "Failed", "status": "True", "reason": "Nope"}]});
        assert!(update_status(old, failed, &[]).is_err());
    }

    #[test]
    fn status_updates_that_keep_certificate_and_conditions_pass() {
        let mut old = csr("req", "example.com/issuer", ALICE);
        old["status"] = json!({"certificate": ISSUED});
        let same = json!({"certificate": ISSUED, "conditions": []});
        assert!(update_status(old, same, &[]).is_ok());
    }

    #[test]
    fn other_subresources_and_kinds_are_left_alone() {
        let old = csr("req", "example.com/issuer", ALICE);
        let mut new = old.clone();
        new["status"] = json!({"certificate": ISSUED});
        for sub in ["", "approval"] {
            let req = Request::update(new.clone(), old.clone())
                .subresource(sub)
                .user("bob", &["system:authenticated"]);
            assert!(run(&CertificateSigning, req).is_ok());
        }
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
        let req = Request::update(cm.clone(), cm)
            .subresource("status")
            .user("bob", &["system:authenticated"]);
        assert!(run(&CertificateSigning, req).is_ok());
    }
}
