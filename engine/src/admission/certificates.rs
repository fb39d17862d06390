//! What the certificates admission plugins share: the signer authorization check and the
//! parsing of a CertificateSigningRequest's PEM request.
//!
//! Follows `plugin/pkg/admission/certificates/util.go` (`IsAuthorizedForSignerName`, moved to
//! `pkg/certauthorization` in later releases) and `pkg/apis/certificates/helpers.go`
//! (`ParseCSR`) in kubernetes/kubernetes. The PKCS#10 structure is read with a small DER reader
//! of our own: only the subject's common name and organizations are needed.

use crate::auth::{self, Decision, Request};
use crate::settings::UserInfo;
use crate::store::Store;

/// `certificatesv1.KubeAPIServerClientSignerName`.
pub const KUBE_APISERVER_CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client";
/// `certificates.KubeletServingSignerName`.
pub const KUBELET_SERVING_SIGNER: &str = "kubernetes.io/kubelet-serving";
/// `certificates.KubeAPIServerClientKubeletSignerName`.
pub const KUBE_APISERVER_CLIENT_KUBELET_SIGNER: &str =
    "kubernetes.io/kube-apiserver-client-kubelet";

/// The check both CertificateApproval (`approve`) and CertificateSigning (`sign`) make: allowed
/// when the user may `verb` the signer, else their Forbidden error
/// `user not permitted to <verb> requests with signerName "<signer>"`, naming the request
/// `Unknown` when it has no name (as `admission.NewForbidden` does).
pub fn authorize_signer(
    a: &super::Attributes,
    c: &super::ClusterView,
    verb: &str,
    signer: &str,
    plugin: &str,
) -> Result<(), crate::status::ApiError> {
    if is_authorized_for_signer_name(c.store, a.user, verb, signer) {
        return Ok(());
    }
    let name = if a.name.is_empty() {
        "Unknown"
    } else {
        &a.name
    };
    Err(crate::status::ApiError::forbidden(
        &a.kind.resource(),
        name,
        &format!("user not permitted to {verb} requests with signerName {signer:?}"),
        plugin,
    ))
}

/// Whether `user` may `verb` the synthetic `signers` resource named `signer_name`, or, failing
/// that, `<domain>/*` (`IsAuthorizedForSignerName`).
pub fn is_authorized_for_signer_name(
    store: &Store,
    user: &UserInfo,
    verb: &str,
    signer_name: &str,
) -> bool {
    let request = |name: String| Request {
        verb: verb.to_string(),
        api_group: "certificates.k8s.io".to_string(),
        resource: "signers".to_string(),
        subresource: String::new(),
        namespace: String::new(),
        name,
    };
    if auth::authorize(store, user, &request(signer_name.to_string())) == Decision::Allow {
        return true;
    }
    let domain = signer_name.split('/').next().unwrap_or("");
    auth::authorize(store, user, &request(format!("{domain}/*"))) == Decision::Allow
}

/// The parts of an `x509.CertificateRequest` the plugins look at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedCsr {
    /// `Subject.CommonName` (the last CN attribute, as Go's `pkix.Name` keeps it).
    pub common_name: String,
    /// `Subject.Organization`, in order.
    pub organizations: Vec<String>,
}

/// `certificates.ParseCSR`: the first PEM block must be a `CERTIFICATE REQUEST`, whose DER is a
/// PKCS#10 CertificationRequest. Errors are the texts Go's `encoding/pem` / `encoding/asn1`
/// give for the common cases.
pub fn parse_csr(pem: &[u8]) -> Result<ParsedCsr, String> {
    const PEM_TYPE_ERROR: &str = "PEM block type must be CERTIFICATE REQUEST";
    let Some((kind, der)) = pem_decode(pem) else {
        return Err(PEM_TYPE_ERROR.into());
    };
    if kind != "CERTIFICATE REQUEST" {
        return Err(PEM_TYPE_ERROR.into());
    }
    parse_certification_request(&der)
}

/// `pem.Decode`: the first well-formed block, as its type and decoded bytes.
fn pem_decode(data: &[u8]) -> Option<(String, Vec<u8>)> {
    let text = String::from_utf8_lossy(data);
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let line_end = after.find('\n').unwrap_or(after.len());
        let line = after[..line_end].trim_end_matches('\r');
        rest = &after[line_end..];
        let Some(kind) = line.strip_suffix("-----") else {
            continue;
        };
        let end_marker = format!("-----END {kind}-----");
        let Some(end) = rest.find(&end_marker) else {
            continue;
        };
        let mut body = &rest[..end];
        // Optional RFC 1421 headers end with a blank line.
        if body
            .lines()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.contains(':'))
        {
            match body.find("\n\n").or_else(|| body.find("\r\n\r\n")) {
                Some(i) => body = &body[i..],
                None => continue,
            }
        }
        if let Some(bytes) = base64_decode(body) {
            return Some((kind.to_string(), bytes));
        }
    }
    None
}

/// Standard base64 with padding, whitespace ignored.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

const TRUNCATED: &str = "asn1: syntax error: data truncated";

/// One DER element: its tag byte, its content, and what follows it.
fn read_tlv(data: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = data.split_first().ok_or(TRUNCATED)?;
    if tag & 0x1f == 0x1f {
        return Err("asn1: structure error: tag number too large".into());
    }
    let (&first, mut rest) = rest.split_first().ok_or(TRUNCATED)?;
    let len = if first & 0x80 == 0 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err("asn1: structure error: length too large".into());
        }
        let mut len = 0usize;
        for _ in 0..count {
            let (&b, r) = rest.split_first().ok_or(TRUNCATED)?;
            len = (len << 8) | usize::from(b);
            rest = r;
        }
        len
    };
    if rest.len() < len {
        return Err(TRUNCATED.into());
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect(tag: u8, want: u8) -> Result<(), String> {
    if tag == want {
        Ok(())
    } else {
        Err(format!(
            "asn1: structure error: tags don't match ({} vs {})",
            want & 0x1f,
            tag & 0x1f
        ))
    }
}

/// CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature }
/// with CertificationRequestInfo ::= SEQUENCE { version INTEGER, subject Name, … }.
fn parse_certification_request(der: &[u8]) -> Result<ParsedCsr, String> {
    let (tag, outer, trailing) = read_tlv(der)?;
    expect(tag, 0x30)?;
    if !trailing.is_empty() {
        return Err("asn1: syntax error: trailing data".into());
    }
    let (tag, info, after_info) = read_tlv(outer)?;
    expect(tag, 0x30)?;
    let (tag, _algorithm, after_algorithm) = read_tlv(after_info)?;
    expect(tag, 0x30)?;
    let (tag, _signature, _) = read_tlv(after_algorithm)?;
    expect(tag, 0x03)?;
    let (tag, _version, rest) = read_tlv(info)?;
    expect(tag, 0x02)?;
    let (tag, mut name, _) = read_tlv(rest)?;
    expect(tag, 0x30)?;
    let mut parsed = ParsedCsr::default();
    while !name.is_empty() {
        let (tag, mut set, rest) = read_tlv(name)?;
        expect(tag, 0x31)?;
        name = rest;
        while !set.is_empty() {
            let (tag, attribute, rest) = read_tlv(set)?;
            expect(tag, 0x30)?;
            set = rest;
            let (tag, oid, value) = read_tlv(attribute)?;
            expect(tag, 0x06)?;
            let (value_tag, value, _) = read_tlv(value)?;
            let Some(text) = asn1_string(value_tag, value) else {
                continue;
            };
            match oid {
                [0x55, 0x04, 0x03] => parsed.common_name = text,
                [0x55, 0x04, 0x0a] => parsed.organizations.push(text),
                _ => {}
            }
        }
    }
    Ok(parsed)
}

/// The string types Go's `encoding/asn1` decodes into a `string`.
fn asn1_string(tag: u8, value: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, NumericString, PrintableString, T61String, IA5String
        0x0c | 0x12 | 0x13 | 0x14 | 0x16 => Some(String::from_utf8_lossy(value).into_owned()),
        // BMPString: UTF-16, big-endian
        0x1e => {
            let units: Vec<u16> = value
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// Test fixtures: CSRs made with `openssl req -new -newkey ec …`.
#[cfg(test)]
pub(crate) mod fixtures {
    use serde_json::{json, Value};

    /// A ClusterRole granting `verb` on the given signers, bound to `subject`.
    pub fn grant(verb: &str, signers: &[&str], subject: Value) -> [Value; 2] {
        [
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "signers"},
                "rules": [{"apiGroups": ["certificates.k8s.io"], "resources": ["signers"],
                           "resourceNames": signers, "verbs": [verb]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "signer-binding"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "signers"},
                "subjects": [subject]}),
        ]
    }

    /// `/O=system:masters/CN=mallory`
    pub const MASTERS: &str = "-----BEGIN CERTIFICATE REQUEST-----
MIHmMIGNAgEAMCsxFzAVBgNVBAoMDnN5c3RlbTptYXN0ZXJzMRAwDgYDVQQDDAdt
YWxsb3J5MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBYrlAEvmYfRTVakCMZvy
9YyZ+pvPwLKT7XFjRJJfyRBArGDI18IZvHrT7ReVgM3cPc8KDsD5OhVs2YCLYFx+
QaAAMAoGCCqGSM49BAMCA0gAMEUCIQD56xaQUld2NKY90kEaVrjYUL2rQdIyF5hK
hh2O90PXeAIgOEdr0XYQYwsVo6r6sXJv7e2qNV8fiZVd1ZoIYSBP6eQ=
-----END CERTIFICATE REQUEST-----
";
    /// `/O=dev/O=ops/CN=alice`
    pub const ALICE: &str = "-----BEGIN CERTIFICATE REQUEST-----
MIHoMIGOAgEAMCwxDDAKBgNVBAoMA2RldjEMMAoGA1UECgwDb3BzMQ4wDAYDVQQD
DAVhbGljZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCUOHNBfss6KKx/rs7f2
8+apvn8NtpsyAmSi5eaoU4OmGiIfA4LvE7ZkhrJJoCi1cnkR9uI+Z8sUiEKVCOFQ
FJOgADAKBggqhkjOPQQDAgNJADBGAiEA2ZXPGp7nbBxL0pN55Bl1JiO7hwS7XJtB
DIrPFClQjUQCIQCFCUh2qZJxjLE9zUMizpeYmZpN02KmfaqgxmFqZBoQUQ==
-----END CERTIFICATE REQUEST-----
";
    /// `/CN=system:node:kind-worker/O=system:nodes`
    pub const KIND_WORKER: &str = "-----BEGIN CERTIFICATE REQUEST-----
MIH0MIGbAgEAMDkxIDAeBgNVBAMMF3N5c3RlbTpub2RlOmtpbmQtd29ya2VyMRUw
EwYDVQQKDAxzeXN0ZW06bm9kZXMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASt
Csh6cH7ckTls6EmuNiU2mHZPTBrO7JMs0bxocRSCSZHAjSOKDPHmFbaxXIUZnLny
bj4iHmpqdOz27So70pspoAAwCgYIKoZIzj0EAwIDSAAwRQIgG/1CQkJMDWSSMYTi
6zUNPYbeM0djKIwhLKeQSt9m4RsCIQDSUFp9/jN3wrqiCHl6p+M4peBt8qlzbm60
D56m0eqYtw==
-----END CERTIFICATE REQUEST-----
";
    /// `/CN=system:node:kind-worker2/O=system:nodes`
    pub const KIND_WORKER2: &str = "-----BEGIN CERTIFICATE REQUEST-----
MIH2MIGcAgEAMDoxITAfBgNVBAMMGHN5c3RlbTpub2RlOmtpbmQtd29ya2VyMjEV
MBMGA1UECgwMc3lzdGVtOm5vZGVzMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
zWWGtusvXyJZQGhdT2sBKwD4m7dFJZGY4TmMQBl0LvsI9/Yc/10uiMLsM3I6vpVs
vIO95osnP4YekdZUW5myJaAAMAoGCCqGSM49BAMCA0kAMEYCIQDNbbqhOWf9trCN
MJrc4VF6+HbKAYMSZtmBR0DDr2va8wIhAIA6iZbkSUv7zsWykLpdt87wP/6wYtdC
e1aBlA+5zsCj
-----END CERTIFICATE REQUEST-----
";

    /// A CertificateSigningRequest manifest for `pem` and `signer`, as JSON.
    pub fn csr(name: &str, signer: &str, pem: &str) -> serde_json::Value {
        serde_json::json!({
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": name},
            "spec": {"signerName": signer, "usages": ["client auth"], "request": base64(pem)}
        })
    }

    fn base64(s: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let bytes = s.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn the_subject_of_a_pem_request_is_read() {
        let masters = parse_csr(MASTERS.as_bytes()).unwrap();
        assert_eq!(masters.organizations, ["system:masters"]);
        assert_eq!(masters.common_name, "mallory");
        let alice = parse_csr(ALICE.as_bytes()).unwrap();
        assert_eq!(alice.organizations, ["dev", "ops"]);
        let node = parse_csr(KIND_WORKER.as_bytes()).unwrap();
        assert_eq!(node.common_name, "system:node:kind-worker");
    }

    #[test]
    fn anything_but_a_certificate_request_block_is_refused() {
        for input in [
            "",
            "hello",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ] {
            assert_eq!(
                parse_csr(input.as_bytes()),
                Err("PEM block type must be CERTIFICATE REQUEST".to_string())
            );
        }
        let truncated =
            "-----BEGIN CERTIFICATE REQUEST-----\nMIHmMIGN\n-----END CERTIFICATE REQUEST-----\n";
        assert_eq!(
            parse_csr(truncated.as_bytes()),
            Err("asn1: syntax error: data truncated".to_string())
        );
    }
}
