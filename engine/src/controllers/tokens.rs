//! The tokens controller of Kubernetes 1.20–1.23: every ServiceAccount gets a long-lived token
//! in a Secret `<account>-token-<5 characters>` of type `kubernetes.io/service-account-token`,
//! listed in the account's `secrets`; the token goes with the account. From 1.24
//! (`LegacyServiceAccountTokenNoAutoGeneration`, KEP-2799) no Secret is generated: pods get
//! short-lived projected tokens instead.
//!
//! Follows `pkg/controller/serviceaccount/tokens_controller.go` in kubernetes/kubernetes
//! (`ensureReferencedToken`: a token already referenced is kept; otherwise one is created and its
//! name appended to `secrets`; `deleteTokens` when the account goes; a reference to a deleted
//! token is dropped and a new token made). The simulated cluster signs nothing: the token says so.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ObjectReference, Secret, ServiceAccount};
use k8s_openapi::ByteString;

use crate::apiserver::{decode_value, Cluster};
use crate::object::Object;
use crate::store::ObjRef;

pub const TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
pub const NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";
pub const UID_ANNOTATION: &str = "kubernetes.io/service-account.uid";
const TOKEN_PLACEHOLDER: &str = "kubefiddle simulates this cluster: no token was signed";

/// Whether the selected version generates token Secrets.
pub fn generates_tokens(minor: u32) -> bool {
    minor < 24
}

/// `serviceaccount.IsServiceAccountToken`: a token Secret of this account (same name, and the
/// same uid when the Secret records one).
pub fn is_token_of(secret: &Secret, sa: &ServiceAccount) -> bool {
    if secret.type_.as_deref() != Some(TOKEN_TYPE) {
        return false;
    }
    let annotations = secret.metadata.annotations.clone().unwrap_or_default();
    let name_ok = annotations.get(NAME_ANNOTATION) == sa.metadata.name.as_ref();
    let uid_ok = match annotations.get(UID_ANNOTATION) {
        None => true,
        Some(uid) if uid.is_empty() => true,
        Some(uid) => Some(uid) == sa.metadata.uid.as_ref(),
    };
    name_ok && uid_ok
}

/// The first token Secret the account references that really is one of its tokens
/// (`getReferencedServiceAccountToken`, which the ServiceAccount admission plugin mounts).
pub fn referenced_token(store: &crate::store::Store, sa: &ServiceAccount) -> Option<String> {
    let ns = sa.metadata.namespace.as_deref().unwrap_or("");
    sa.secrets.iter().flatten().find_map(|r| {
        let name = r.name.as_deref()?;
        match store.get_obj("Secret", ns, name) {
            Some(Object::Secret(s)) if is_token_of(s, sa) => Some(name.to_string()),
            _ => None,
        }
    })
}

pub fn reconcile(c: &mut Cluster) -> bool {
    if !generates_tokens(c.settings.minor) {
        return false;
    }
    let mut changed = false;
    // Tokens whose account is gone (or was recreated under the same name) go with it.
    let orphans: Vec<ObjRef> = c
        .store
        .typed::<Secret>()
        .filter(|s| s.type_.as_deref() == Some(TOKEN_TYPE))
        .filter(|s| {
            let annotations = s.metadata.annotations.clone().unwrap_or_default();
            let Some(account) = annotations.get(NAME_ANNOTATION) else {
                return false;
            };
            let ns = s.metadata.namespace.as_deref().unwrap_or("");
            match c.store.get_obj("ServiceAccount", ns, account) {
                Some(Object::ServiceAccount(sa)) => !is_token_of(s, sa),
                _ => true,
            }
        })
        .map(|s| {
            ObjRef::new(
                "Secret",
                s.metadata.namespace.as_deref().unwrap_or(""),
                s.metadata.name.as_deref().unwrap_or(""),
            )
        })
        .collect();
    for key in orphans {
        changed |= c.store.remove(&key).is_some();
    }
    let accounts: Vec<ServiceAccount> = c.store.typed::<ServiceAccount>().cloned().collect();
    for sa in accounts {
        let ns = sa.metadata.namespace.clone().unwrap_or_default();
        let name = sa.metadata.name.clone().unwrap_or_default();
        let terminating = c
            .store
            .get_obj("Namespace", "", &ns)
            .and_then(Object::as_namespace)
            .and_then(|n| n.status.as_ref())
            .and_then(|s| s.phase.as_deref())
            == Some("Terminating");
        if terminating || referenced_token(&c.store, &sa).is_some() {
            continue;
        }
        // References to this account's tokens that are gone are dropped.
        let prefix = format!("{name}-token-");
        let kept: Vec<ObjectReference> = sa
            .secrets
            .iter()
            .flatten()
            .filter(|r| {
                let n = r.name.as_deref().unwrap_or("");
                !n.starts_with(&prefix) || c.store.get_obj("Secret", &ns, n).is_some()
            })
            .cloned()
            .collect();
        let uid = sa.metadata.uid.clone().unwrap_or_default();
        let mut attempt = 0u32;
        let secret_name = loop {
            let candidate = format!(
                "{prefix}{}",
                super::name_suffix(&format!("{ns}/{name}/{uid}/{attempt}"))
            );
            if c.store.get_obj("Secret", &ns, &candidate).is_none() || attempt > 16 {
                break candidate;
            }
            attempt += 1;
        };
        let data: BTreeMap<String, ByteString> = [
            ("ca.crt", super::root_ca_cert_publisher::PLACEHOLDER),
            ("namespace", ns.as_str()),
            ("token", TOKEN_PLACEHOLDER),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
        .collect();
        let secret = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret", "type": TOKEN_TYPE,
            "metadata": {"name": secret_name, "namespace": ns,
                         "annotations": {NAME_ANNOTATION: name, UID_ANNOTATION: uid}},
            "data": data,
        });
        let Ok(obj) = decode_value(secret) else {
            continue;
        };
        c.store.insert_new(obj, None);
        let mut refs = kept;
        refs.push(ObjectReference {
            name: Some(secret_name),
            ..ObjectReference::default()
        });
        c.store
            .modify(&ObjRef::new("ServiceAccount", &ns, &name), |o| {
                if let Object::ServiceAccount(sa) = o {
                    sa.secrets = Some(refs);
                }
            });
        changed = true;
    }
    changed
}
