//! ServiceAccount: a pod runs as a service account (`default` unless it names one), which must
//! exist, and gets that account's token mounted as the `kube-api-access-<suffix>` projected
//! volume in every container, unless automounting is turned off.
//!
//! Follows `plugin/pkg/admission/serviceaccount/admission.go` in kubernetes/kubernetes (the
//! volume's sources and `expirationSeconds: 3607` from `pkg/serviceaccount/claims.go`).

use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath,
    ObjectFieldSelector, Pod, ProjectedVolumeSource, ServiceAccountTokenProjection, Volume,
    VolumeMount, VolumeProjection,
};

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::ApiError;

pub struct ServiceAccount;

pub const DEFAULT_SERVICE_ACCOUNT: &str = "default";
pub const MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
const VOLUME_PREFIX: &str = "kube-api-access-";
/// The annotation that marks a mirror pod (a static pod's reflection in the API).
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// The token volume, as the plugin builds it.
fn token_volume(name: &str) -> Volume {
    Volume {
        name: name.to_string(),
        projected: Some(ProjectedVolumeSource {
            default_mode: Some(0o644),
            sources: Some(vec![
                VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        expiration_seconds: Some(3607),
                        path: "token".into(),
                        audience: None,
                    }),
                    ..VolumeProjection::default()
                },
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: "kube-root-ca.crt".into(),
                        items: Some(vec![KeyToPath {
                            key: "ca.crt".into(),
                            path: "ca.crt".into(),
                            mode: None,
                        }]),
                        optional: None,
                    }),
                    ..VolumeProjection::default()
                },
                VolumeProjection {
                    downward_api: Some(DownwardAPIProjection {
                        items: Some(vec![DownwardAPIVolumeFile {
                            field_ref: Some(ObjectFieldSelector {
                                api_version: Some("v1".into()),
                                field_path: "metadata.namespace".into(),
                            }),
                            path: "namespace".into(),
                            ..DownwardAPIVolumeFile::default()
                        }]),
                    }),
                    ..VolumeProjection::default()
                },
            ]),
        }),
        ..Volume::default()
    }
}

/// A stand-in for the five random characters of the volume name, stable for a pod.
fn suffix(pod: &Pod) -> String {
    let seed = format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or(""),
        pod.metadata.name.as_deref().unwrap_or("")
    );
    crate::controllers::name_suffix(&seed)
}

/// Mounts the token volume read-only at the token path in every init and regular container
/// that has nothing there yet; whether any did (upstream's `needsTokenVolume`: the volume is
/// added only then).
fn mount_token(spec: &mut k8s_openapi::api::core::v1::PodSpec, volume_name: &str) -> bool {
    let mut needed = false;
    let containers = spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut());
    for container in containers {
        let mounts = container.volume_mounts.get_or_insert_with(Vec::new);
        if !mounts.iter().any(|m| m.mount_path == MOUNT_PATH) {
            mounts.push(VolumeMount {
                name: volume_name.to_string(),
                read_only: Some(true),
                mount_path: MOUNT_PATH.into(),
                ..VolumeMount::default()
            });
            needed = true;
        }
    }
    needed
}

/// `BoundServiceAccountTokenVolume`: beta and on from 1.21, GA in 1.22. Before, the plugin
/// mounts the account's token Secret.
fn bound_token_volume(minor: u32) -> bool {
    minor >= 21
}

/// The 1.20 plugin: the first token Secret the account references is mounted read-only at
/// the token path, in a `secret` volume named after the Secret. An account with no token yet
/// is the API server's `ServerTimeout`: the tokens controller has not caught up.
fn mount_secret_token(
    spec: &mut k8s_openapi::api::core::v1::PodSpec,
    sa: &k8s_openapi::api::core::v1::ServiceAccount,
    c: &ClusterView,
) -> Result<(), ApiError> {
    let sa_name = sa.metadata.name.clone().unwrap_or_default();
    let Some(token) = crate::controllers::tokens::referenced_token(c.store, sa) else {
        return Err(ApiError::new(
            crate::status::Reason::ServerTimeout,
            format!("No API token found for service account {sa_name:?}, retry after the token is automatically created and added to the service account"),
            "ServiceAccount",
        ));
    };
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    let existing = volumes
        .iter()
        .find(|v| v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) == Some(&token))
        .map(|v| v.name.clone());
    let has_volume = existing.is_some();
    let volume_name = existing.unwrap_or_else(|| {
        if volumes.iter().any(|v| v.name == token) {
            format!("{token}-{}", crate::controllers::name_suffix(&token))
        } else {
            token.clone()
        }
    });
    let needs_volume = mount_token(spec, &volume_name);
    if !has_volume && needs_volume {
        spec.volumes.get_or_insert_with(Vec::new).push(Volume {
            name: volume_name,
            secret: Some(k8s_openapi::api::core::v1::SecretVolumeSource {
                secret_name: Some(token),
                // What a GET returns: the API server defaults the mode when it reads the pod.
                default_mode: Some(0o644),
                ..Default::default()
            }),
            ..Volume::default()
        });
    }
    Ok(())
}

impl Plugin for ServiceAccount {
    fn name(&self) -> &'static str {
        "ServiceAccount"
    }

    fn handles(&self, op: Operation) -> bool {
        op == Operation::Create
    }

    fn mutating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, c: &ClusterView) -> Result<(), ApiError> {
        let name = a.name.clone();
        let namespace = a.namespace.clone();
        let Some(Object::Pod(pod)) = a.object.as_mut() else {
            return Ok(());
        };
        let mirror = pod
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|an| an.contains_key(MIRROR_ANNOTATION));
        if mirror {
            return Ok(());
        }
        let vol_suffix = suffix(pod);
        let Some(spec) = pod.spec.as_mut() else {
            return Ok(());
        };
        let sa_name = spec
            .service_account_name
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_SERVICE_ACCOUNT.to_string());
        spec.service_account_name = Some(sa_name.clone());
        spec.service_account = Some(sa_name.clone());
        let Some(Object::ServiceAccount(sa)) =
            c.store.get_obj("ServiceAccount", &namespace, &sa_name)
        else {
            return Err(ApiError::forbidden(
                "pods",
                &name,
                &format!("error looking up service account {namespace}/{sa_name}: serviceaccount {sa_name:?} not found"),
                self.name(),
            ));
        };
        if spec
            .image_pull_secrets
            .as_ref()
            .is_none_or(|s| s.is_empty())
        {
            if let Some(secrets) = sa.image_pull_secrets.clone().filter(|s| !s.is_empty()) {
                spec.image_pull_secrets = Some(secrets);
            }
        }
        let automount = spec
            .automount_service_account_token
            .or(sa.automount_service_account_token)
            .unwrap_or(true);
        if !automount {
            return Ok(());
        }
        if !bound_token_volume(c.settings.minor) {
            return mount_secret_token(spec, sa, c);
        }
        let existing = spec
            .volumes
            .iter()
            .flatten()
            .find(|v| v.name.starts_with(VOLUME_PREFIX))
            .map(|v| v.name.clone());
        let has_volume = existing.is_some();
        let volume_name = existing.unwrap_or_else(|| format!("{VOLUME_PREFIX}{vol_suffix}"));
        if mount_token(spec, &volume_name) && !has_volume {
            spec.volumes
                .get_or_insert_with(Vec::new)
                .push(token_volume(&volume_name));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::testutil::{admit_pod, admit_pod_with, pod};
    use serde_json::json;

    #[test]
    fn the_default_account_is_used_and_its_token_mounted() {
        let p = admit_pod(
            &ServiceAccount,
            pod(json!({"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]})),
        )
        .unwrap();
        let spec = p.spec.unwrap();
        assert_eq!(spec.service_account_name.as_deref(), Some("default"));
        let vol = &spec.volumes.unwrap()[0];
        assert!(
            vol.name.starts_with("kube-api-access-")
                && vol.name.len() == "kube-api-access-".len() + 5
        );
        for c in &spec.containers {
            let m = &c.volume_mounts.as_ref().unwrap()[0];
            assert_eq!(
                (m.mount_path.as_str(), m.read_only, &m.name),
                (MOUNT_PATH, Some(true), &vol.name)
            );
        }
    }

    #[test]
    fn on_1_20_the_accounts_token_secret_is_mounted_and_without_one_the_pod_must_wait() {
        use crate::admission::testkit::{run_full, Request};
        let robot = |secrets: serde_json::Value| {
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "robot", "namespace": "default", "uid": "sa-uid"},
                   "secrets": secrets})
        };
        let token = |name: &str, uid: &str| {
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                   "metadata": {"name": name, "namespace": "default", "annotations": {
                       "kubernetes.io/service-account.name": "robot",
                       "kubernetes.io/service-account.uid": uid}}})
        };
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
            "spec": {"serviceAccountName": "robot",
                     "initContainers": [{"name": "i", "image": "x"}],
                     "containers": [{"name": "a", "image": "x"}]}});
        // The first referenced Secret that really is the account's token: not one of another
        // uid (a deleted account's), not a missing one.
        let objects = [
            robot(
                json!([{"name": "gone"}, {"name": "robot-token-old"}, {"name": "robot-token-abcde"}]),
            ),
            token("robot-token-old", "another-uid"),
            token("robot-token-abcde", "sa-uid"),
        ];
        let p = run_full(
            &ServiceAccount,
            Request::create(pod.clone()).with(&objects).minor(20),
        )
        .unwrap();
        assert_eq!(
            p["spec"]["volumes"],
            json!([{"name": "robot-token-abcde", "secret": {"secretName": "robot-token-abcde", "defaultMode": 420}}])
        );
        let mount = json!([{"name": "robot-token-abcde", "readOnly": true,
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]);
        assert_eq!(p["spec"]["initContainers"][0]["volumeMounts"], mount);
        assert_eq!(p["spec"]["containers"][0]["volumeMounts"], mount);
        // 1.21 projects a bound token instead.
        let p = run_full(
            &ServiceAccount,
            Request::create(pod.clone()).with(&objects).minor(21),
        )
        .unwrap();
        assert!(p["spec"]["volumes"][0]["projected"].is_object());
        let err = run_full(
            &ServiceAccount,
            Request::create(pod).with(&[robot(json!([]))]).minor(20),
        )
        .unwrap_err();
        assert_eq!(err.reason, crate::status::Reason::ServerTimeout);
        assert_eq!(err.message, "No API token found for service account \"robot\", retry after the token is automatically created and added to the service account");
    }

    #[test]
    fn a_missing_account_is_refused() {
        let err = admit_pod(
            &ServiceAccount,
            pod(json!({"containers": [], "serviceAccountName": "robot"})),
        )
        .unwrap_err();
        assert_eq!(err, "pods \"p\" is forbidden: error looking up service account default/robot: serviceaccount \"robot\" not found");
    }

    #[test]
    fn automount_can_be_turned_off_by_the_pod_or_the_account() {
        let p = admit_pod(&ServiceAccount, pod(json!({"containers": [{"name": "a", "image": "x"}], "automountServiceAccountToken": false}))).unwrap();
        assert!(p.spec.unwrap().volumes.unwrap_or_default().is_empty());
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "quiet", "namespace": "default"},
            "automountServiceAccountToken": false});
        let p = admit_pod_with(
            &ServiceAccount,
            pod(
                json!({"containers": [{"name": "a", "image": "x"}], "serviceAccountName": "quiet"}),
            ),
            &[sa],
        )
        .unwrap();
        assert!(p.spec.unwrap().volumes.unwrap_or_default().is_empty());
    }
}
