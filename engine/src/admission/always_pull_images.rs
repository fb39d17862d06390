//! AlwaysPullImages: every new pod, and every pod update that brings a new image, gets
//! `imagePullPolicy: Always` in all its containers, so that a cached private image cannot be
//! used without the credentials to pull it.
//!
//! Follows `plugin/pkg/admission/alwayspullimages/admission.go` in kubernetes/kubernetes:
//! `Admit` sets the policy on init, regular and ephemeral containers
//! (`pods.VisitContainersWithPath`); `Validate` refuses any container left without `Always`
//! (each as `admission.NewForbidden` of a `field.NotSupported`, aggregated: a plain error, so
//! the API server answers 500 with no reason); pod updates that add no image are ignored.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, PodSpec};

use super::always_deny::forbidden;
use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::status::{ApiError, FieldError, Reason};

pub struct AlwaysPullImages;

pub const PULL_ALWAYS: &str = "Always";

/// Every container of a pod spec with its field path, in `VisitContainersWithPath` order.
fn containers_mut(spec: &mut PodSpec) -> Vec<(String, &mut Container)> {
    let mut out = Vec::new();
    for (i, c) in spec.init_containers.iter_mut().flatten().enumerate() {
        out.push((format!("spec.initContainers[{i}]"), c));
    }
    for (i, c) in spec.containers.iter_mut().enumerate() {
        out.push((format!("spec.containers[{i}]"), c));
    }
    out
}

/// The image pull policies of every container (ephemeral ones included) with their paths.
fn pull_policies(spec: &PodSpec) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        out.push((
            format!("spec.initContainers[{i}]"),
            c.image_pull_policy.clone().unwrap_or_default(),
        ));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        out.push((
            format!("spec.containers[{i}]"),
            c.image_pull_policy.clone().unwrap_or_default(),
        ));
    }
    for (i, c) in spec.ephemeral_containers.iter().flatten().enumerate() {
        out.push((
            format!("spec.ephemeralContainers[{i}]"),
            c.image_pull_policy.clone().unwrap_or_default(),
        ));
    }
    out
}

fn images(spec: &PodSpec) -> BTreeSet<String> {
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.image.clone());
    let regular = spec.containers.iter().map(|c| c.image.clone());
    let ephemeral = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .map(|c| c.image.clone());
    init.chain(regular)
        .chain(ephemeral)
        .map(Option::unwrap_or_default)
        .collect()
}

/// `isUpdateWithNoNewImages`: an update whose every image was already in the old pod.
fn update_without_new_images(a: &Attributes) -> bool {
    if a.operation != Operation::Update {
        return false;
    }
    let (Some(Object::Pod(new)), Some(Object::Pod(old))) = (a.object.as_ref(), a.old_object) else {
        return false;
    };
    let empty = PodSpec::default();
    let old_images = images(old.spec.as_ref().unwrap_or(&empty));
    images(new.spec.as_ref().unwrap_or(&empty)).is_subset(&old_images)
}

/// `shouldIgnore`: only pods themselves (no subresource), and not image-less updates.
fn should_ignore(a: &Attributes) -> bool {
    !a.subresource.is_empty()
        || a.kind.kind != "Pod"
        || !a.kind.group.is_empty()
        || update_without_new_images(a)
}

/// Go's `utilerrors.NewAggregate(errs).Error()`: one message alone, several in brackets
/// joined by ", " (duplicates dropped).
pub(crate) fn aggregate(messages: &[String]) -> String {
    let mut seen: Vec<&String> = Vec::new();
    for m in messages {
        if !seen.contains(&m) {
            seen.push(m);
        }
    }
    let joined = seen
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if seen.len() == 1 {
        joined
    } else {
        format!("[{joined}]")
    }
}

impl Plugin for AlwaysPullImages {
    fn name(&self) -> &'static str {
        "AlwaysPullImages"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn mutating(&self) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }

    fn admit(&self, a: &mut Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if should_ignore(a) {
            return Ok(());
        }
        let Some(Object::Pod(pod)) = a.object.as_mut() else {
            return Ok(());
        };
        let Some(spec) = pod.spec.as_mut() else {
            return Ok(());
        };
        for (_, c) in containers_mut(spec) {
            c.image_pull_policy = Some(PULL_ALWAYS.to_string());
        }
        for c in spec.ephemeral_containers.iter_mut().flatten() {
            c.image_pull_policy = Some(PULL_ALWAYS.to_string());
        }
        Ok(())
    }

    fn validate(&self, a: &Attributes, _c: &ClusterView) -> Result<(), ApiError> {
        if should_ignore(a) {
            return Ok(());
        }
        let Some(Object::Pod(pod)) = a.object.as_ref() else {
            return Ok(());
        };
        let Some(spec) = pod.spec.as_ref() else {
            return Ok(());
        };
        let errors: Vec<String> = pull_policies(spec)
            .into_iter()
            .filter(|(_, policy)| policy != PULL_ALWAYS)
            .map(|(path, policy)| {
                let field = FieldError::not_supported(
                    &format!("{path}.imagePullPolicy"),
                    &policy,
                    &[PULL_ALWAYS],
                );
                forbidden(a, &field.to_string(), self.name()).message
            })
            .collect();
        if errors.is_empty() {
            return Ok(());
        }
        Err(ApiError::new(
            Reason::Unknown,
            aggregate(&errors),
            self.name(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::always_admit::table::{config_map, pod, run, Req};
    use serde_json::json;

    fn policies(v: &serde_json::Value) -> Vec<String> {
        let spec = &v["spec"];
        ["initContainers", "containers"]
            .iter()
            .flat_map(|k| spec[k].as_array().cloned().unwrap_or_default())
            .map(|c| c["imagePullPolicy"].as_str().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn a_new_pod_pulls_always_in_every_container() {
        let p = pod(json!({
            "initContainers": [{"name": "i", "image": "busybox:1.36", "imagePullPolicy": "Never"}],
            "containers": [{"name": "a", "image": "nginx:1.25"},
                           {"name": "b", "image": "redis", "imagePullPolicy": "IfNotPresent"}]}));
        let out = run(&AlwaysPullImages, Req::create(p)).unwrap();
        assert_eq!(policies(&out), ["Always", "Always", "Always"]);
    }

    #[test]
    fn an_update_with_a_new_image_is_mutated_and_one_without_is_left_alone() {
        let old = pod(
            json!({"containers": [{"name": "a", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent"}]}),
        );
        let new_image = pod(
            json!({"containers": [{"name": "a", "image": "nginx:1.26", "imagePullPolicy": "IfNotPresent"}]}),
        );
        let out = run(&AlwaysPullImages, Req::update(new_image, old.clone())).unwrap();
        assert_eq!(policies(&out), ["Always"]);
        let same = pod(
            json!({"containers": [{"name": "a", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent"}]}),
        );
        let out = run(&AlwaysPullImages, Req::update(same, old)).unwrap();
        assert_eq!(policies(&out), ["IfNotPresent"]);
    }

    #[test]
    fn the_validating_pass_names_every_container_left_without_always() {
        let p = json!({"metadata": {"name": "p"}, "spec": {
            "initContainers": [{"name": "i", "image": "x", "imagePullPolicy": "Never"}],
            "containers": [{"name": "a", "image": "x", "imagePullPolicy": "Always"},
                           {"name": "b", "image": "x", "imagePullPolicy": "IfNotPresent"}]}});
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(p).unwrap();
        let user = crate::settings::UserInfo::default();
        let a = Attributes {
            operation: Operation::Create,
            kind: crate::object::lookup("v1", "Pod").unwrap(),
            namespace: "default".into(),
            name: "p".into(),
            subresource: String::new(),
            object: Some(Object::Pod(Box::new(pod))),
            old_object: None,
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        let store = crate::store::Store::new();
        let settings = crate::settings::Settings::default();
        let view = ClusterView {
            store: &store,
            settings: &settings,
        };
        let e = AlwaysPullImages.validate(&a, &view).unwrap_err();
        assert_eq!(e.reason, Reason::Unknown);
        assert_eq!(
            e.message,
            "[pods \"p\" is forbidden: spec.initContainers[0].imagePullPolicy: Unsupported value: \"Never\": supported values: \"Always\", pods \"p\" is forbidden: spec.containers[1].imagePullPolicy: Unsupported value: \"IfNotPresent\": supported values: \"Always\"]"
        );
        assert_eq!(
            e.kubectl_line(crate::status::Verb::Create, "p.yaml"),
            format!(
                "Error from server: error when creating \"p.yaml\": {}",
                e.message
            )
        );
    }

    #[test]
    fn other_kinds_and_subresources_are_left_alone() {
        assert!(run(&AlwaysPullImages, Req::create(config_map())).is_ok());
        let p =
            pod(json!({"containers": [{"name": "a", "image": "x", "imagePullPolicy": "Never"}]}));
        let out = run(&AlwaysPullImages, Req::create(p).subresource("status")).unwrap();
        assert_eq!(policies(&out), ["Never"]);
    }
}
