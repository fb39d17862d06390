//! The tokens controller. Until 1.23 every ServiceAccount gets a long-lived token in a Secret
//! `<account>-token-<5 characters>` of type `kubernetes.io/service-account-token`, listed in
//! the account's `secrets`. From 1.24 (`LegacyServiceAccountTokenNoAutoGeneration`, KEP-2799)
//! none is generated: pods get short-lived projected tokens. In every version a token Secret
//! made by hand for an account gets its token filled in, and a token goes with its account.
//!
//! Follows `pkg/controller/serviceaccount/tokens_controller.go` in kubernetes/kubernetes
//! (`ensureReferencedToken`: a token already referenced is kept; otherwise one is created and its
//! name appended to `secrets`; `syncSecret` deletes a token whose account is gone and fills an
//! empty one; `removeSecretReference` drops a deleted token from `secrets`). The simulated
//! cluster signs nothing: the token says so.

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
    let mut changed = delete_orphans(c);
    changed |= fill_hand_made_tokens(c);
    changed |= drop_stale_references(c);
    if generates_tokens(c.settings.minor) {
        changed |= create_tokens(c);
    }
    changed
}

fn key_of(s: &Secret) -> ObjRef {
    ObjRef::new(
        "Secret",
        s.metadata.namespace.as_deref().unwrap_or(""),
        s.metadata.name.as_deref().unwrap_or(""),
    )
}

/// `syncSecret`: a token whose account is gone (or was recreated under the same name) goes.
fn delete_orphans(c: &mut Cluster) -> bool {
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
        .map(key_of)
        .collect();
    let mut changed = false;
    for key in orphans {
        changed |= c.store.remove(&key).is_some();
    }
    changed
}

/// `generateTokenIfNeeded`: a token Secret made by hand (the documented way to get a
/// long-lived token from 1.24) gets its token, namespace and CA, and the account's uid.
fn fill_hand_made_tokens(c: &mut Cluster) -> bool {
    let empty: Vec<(ObjRef, String)> = c
        .store
        .typed::<Secret>()
        .filter(|s| s.type_.as_deref() == Some(TOKEN_TYPE))
        .filter(|s| {
            s.data
                .as_ref()
                .and_then(|d| d.get("token"))
                .is_none_or(|t| t.0.is_empty())
        })
        .filter_map(|s| {
            let account = s.metadata.annotations.as_ref()?.get(NAME_ANNOTATION)?;
            let ns = s.metadata.namespace.as_deref().unwrap_or("");
            let Some(Object::ServiceAccount(sa)) = c.store.get_obj("ServiceAccount", ns, account)
            else {
                return None;
            };
            Some((key_of(s), sa.metadata.uid.clone().unwrap_or_default()))
        })
        .collect();
    let changed = !empty.is_empty();
    for (key, uid) in empty {
        let namespace = key.namespace.clone();
        c.store.modify(&key, |o| {
            if let Object::Secret(s) = o {
                // Each key only where it is missing or empty (`needsCA`, `needsNamespace`,
                // `needsToken`).
                let data = s.data.get_or_insert_with(BTreeMap::new);
                for (k, v) in token_data(&namespace) {
                    if data.get(&k).is_none_or(|old| old.0.is_empty()) {
                        data.insert(k, v);
                    }
                }
                s.metadata
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert(UID_ANNOTATION.to_string(), uid);
            }
        });
    }
    changed
}

/// What the controller writes in a token Secret.
fn token_data(namespace: &str) -> BTreeMap<String, ByteString> {
    [
        ("ca.crt", super::root_ca_cert_publisher::PLACEHOLDER),
        ("namespace", namespace),
        ("token", TOKEN_PLACEHOLDER),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
    .collect()
}

/// `removeSecretReference`: an account stops listing a token Secret that was deleted.
fn drop_stale_references(c: &mut Cluster) -> bool {
    let stale: Vec<(ObjRef, Vec<ObjectReference>)> = c
        .store
        .typed::<ServiceAccount>()
        .filter_map(|sa| {
            let ns = sa.metadata.namespace.as_deref().unwrap_or("");
            let prefix = format!("{}-token-", sa.metadata.name.as_deref().unwrap_or(""));
            let refs = sa.secrets.as_ref()?;
            let kept: Vec<ObjectReference> = refs
                .iter()
                .filter(|r| {
                    let n = r.name.as_deref().unwrap_or("");
                    !n.starts_with(&prefix) || c.store.get_obj("Secret", ns, n).is_some()
                })
                .cloned()
                .collect();
            (kept.len() != refs.len()).then(|| {
                let key = ObjRef::new(
                    "ServiceAccount",
                    ns,
                    sa.metadata.name.as_deref().unwrap_or(""),
                );
                (key, kept)
            })
        })
        .collect();
    let changed = !stale.is_empty();
    for (key, kept) in stale {
        c.store.modify(&key, |o| {
            if let Object::ServiceAccount(sa) = o {
                sa.secrets = Some(kept);
            }
        });
    }
    changed
}

/// `ensureReferencedToken` (until 1.23): an account that lists no token of its own gets one.
fn create_tokens(c: &mut Cluster) -> bool {
    let mut changed = false;
    // Only the accounts without a token of their own, outside terminating namespaces.
    let accounts: Vec<ServiceAccount> = c
        .store
        .typed::<ServiceAccount>()
        .filter(|sa| {
            let ns = sa.metadata.namespace.as_deref().unwrap_or("");
            let terminating = c
                .store
                .get_obj("Namespace", "", ns)
                .and_then(Object::as_namespace)
                .and_then(|n| n.status.as_ref())
                .and_then(|s| s.phase.as_deref())
                == Some("Terminating");
            !terminating && referenced_token(&c.store, sa).is_none()
        })
        .cloned()
        .collect();
    for sa in accounts {
        let ns = sa.metadata.namespace.clone().unwrap_or_default();
        let name = sa.metadata.name.clone().unwrap_or_default();
        // `GenerateName`: the base cut to 58 characters, five random ones after it; here a
        // hash of the account and the logical time, so a deleted token is not reborn under
        // its old name.
        let base: String = format!("{name}-token-").chars().take(58).collect();
        let uid = sa.metadata.uid.clone().unwrap_or_default();
        let now = c.store.now;
        let secret_name = (0..16u32)
            .map(|attempt| {
                let seed = format!("{ns}/{name}/{uid}/{now}/{attempt}");
                format!("{base}{}", super::name_suffix(&seed))
            })
            .find(|candidate| c.store.get_obj("Secret", &ns, candidate).is_none());
        let Some(secret_name) = secret_name else {
            continue;
        };
        let secret = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret", "type": TOKEN_TYPE,
            "metadata": {"name": secret_name, "namespace": ns,
                         "annotations": {NAME_ANNOTATION: name, UID_ANNOTATION: uid}},
            "data": token_data(&ns),
        });
        let Ok(obj) = decode_value(secret) else {
            continue;
        };
        c.store.insert_new(obj, None);
        let mut refs = sa.secrets.clone().unwrap_or_default();
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
