//! CertificateSubjectRestriction: a CertificateSigningRequest for the
//! `kubernetes.io/kube-apiserver-client` signer may not ask for the `system:masters` group
//! (an organization of the request's subject).
//!
//! Follows `plugin/pkg/admission/certificates/subjectrestriction/admission.go` in
//! kubernetes/kubernetes (the request parsed by `certificates.ParseCSR`).

use super::certificates::{parse_csr, KUBE_APISERVER_CLIENT_SIGNER};
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct CertificateSubjectRestriction;

/// The refusal of a `system:masters` client certificate.
pub fn masters_message() -> String {
    format!("use of {KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed")
}

impl Plugin for CertificateSubjectRestriction {
    fn name(&self) -> &'static str {
        "CertificateSubjectRestriction"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if a.kind.kind != "CertificateSigningRequest" || !a.subresource.is_empty() {
            return Ok(());
        }
        let Some(Object::CertificateSigningRequest(csr)) = a.object.as_ref() else {
            return Ok(());
        };
        if csr.spec.signer_name != KUBE_APISERVER_CLIENT_SIGNER {
            return Ok(());
        }
        let name = if a.name.is_empty() {
            "Unknown"
        } else {
            &a.name
        };
        let forbidden = |msg: &str| ApiError::forbidden(&a.kind.resource(), name, msg, self.name());
        let parsed = parse_csr(&csr.spec.request.0)
            .map_err(|e| forbidden(&format!("failed to parse CSR: {e}")))?;
        if parsed.organizations.iter().any(|o| o == "system:masters") {
            return Err(forbidden(&masters_message()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::certificates::fixtures::{csr, ALICE, MASTERS};
    use crate::admission::testkit::{run, Request};
    use serde_json::json;

    #[test]
    fn client_certificates_for_system_masters_are_refused() {
        let err = run(
            &CertificateSubjectRestriction,
            Request::create(csr("root", KUBE_APISERVER_CLIENT_SIGNER, MASTERS)),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "certificatesigningrequests.certificates.k8s.io \"root\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"
        );
    }

    #[test]
    fn other_groups_and_other_signers_pass() {
        assert!(run(
            &CertificateSubjectRestriction,
            Request::create(csr("alice", KUBE_APISERVER_CLIENT_SIGNER, ALICE))
        )
        .is_ok());
        assert!(run(
            &CertificateSubjectRestriction,
            Request::create(csr("root", "example.com/issuer", MASTERS))
        )
        .is_ok());
    }

    #[test]
    fn an_unparsable_request_is_refused() {
        let bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let err = run(
            &CertificateSubjectRestriction,
            Request::create(csr("bad", KUBE_APISERVER_CLIENT_SIGNER, bad)),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "certificatesigningrequests.certificates.k8s.io \"bad\" is forbidden: failed to parse CSR: PEM block type must be CERTIFICATE REQUEST"
        );
    }

    #[test]
    fn updates_and_other_kinds_are_left_alone() {
        let root = csr("root", KUBE_APISERVER_CLIENT_SIGNER, MASTERS);
        assert!(run(
            &CertificateSubjectRestriction,
            Request::update(root.clone(), root)
        )
        .is_ok());
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
        assert!(run(&CertificateSubjectRestriction, Request::create(cm)).is_ok());
    }
}
