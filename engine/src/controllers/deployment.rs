//! The deployment controller: a Deployment owns one ReplicaSet per pod template, named
//! `<deployment>-<pod-template-hash>`, and keeps the current one at the desired replica count.
//! Old ReplicaSets are scaled to zero at once (rolling updates step by step are not simulated).
//!
//! Follows `pkg/controller/deployment/sync.go` (getNewReplicaSet, the `pod-template-hash` label
//! and selector), `pkg/controller/controller_utils.go` (ComputeHash) and
//! `pkg/controller/deployment/util/deployment_util.go` (the `ScalingReplicaSet` events).

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::apiserver::Cluster;
use crate::controllers::{fnv32a, safe_encode};
use crate::object::Object;
use crate::store::ObjRef;

pub fn reconcile(c: &mut Cluster) -> bool {
    let deployments: Vec<Deployment> = c
        .store
        .list("Deployment")
        .filter_map(|s| match &s.obj {
            Object::Deployment(d) if d.metadata.deletion_timestamp.is_none() => Some((**d).clone()),
            _ => None,
        })
        .collect();
    let mut changed = false;
    for d in deployments {
        changed |= sync(c, &d);
    }
    changed
}

fn owner_ref(d: &Deployment) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        name: d.metadata.name.clone().unwrap_or_default(),
        uid: d.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn sync(c: &mut Cluster, d: &Deployment) -> bool {
    let Some(spec) = d.spec.as_ref() else {
        return false;
    };
    let ns = d.metadata.namespace.clone().unwrap_or_default();
    let name = d.metadata.name.clone().unwrap_or_default();
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let desired = spec.replicas.unwrap_or(1);
    let template_json = serde_json::to_string(&spec.template).unwrap_or_default();
    let hash = safe_encode(fnv32a(template_json.as_bytes()));
    let rs_name = format!("{name}-{hash}");
    let deploy_ref = ObjRef::new("Deployment", &ns, &name);
    let mut changed = false;

    let owned: Vec<ReplicaSet> = c
        .store
        .list_ns("ReplicaSet", &ns)
        .filter_map(|s| match &s.obj {
            Object::ReplicaSet(rs) => Some((**rs).clone()),
            _ => None,
        })
        .filter(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid && o.controller == Some(true))
        })
        .collect();

    // Old ReplicaSets go to zero.
    for rs in owned
        .iter()
        .filter(|rs| rs.metadata.name.as_deref() != Some(rs_name.as_str()))
    {
        let current = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        if current > 0 {
            let key = ObjRef::new("ReplicaSet", &ns, rs.metadata.name.as_deref().unwrap_or(""));
            c.store.modify(&key, |o| {
                if let Object::ReplicaSet(r) = o {
                    if let Some(s) = r.spec.as_mut() {
                        s.replicas = Some(0);
                    }
                }
            });
            c.store.event(
                "Normal",
                "ScalingReplicaSet",
                deploy_ref.clone(),
                format!("Scaled down replica set {} from {current} to 0", key.name),
                "deployment-controller",
            );
            changed = true;
        }
    }

    let existing = owned
        .iter()
        .find(|rs| rs.metadata.name.as_deref() == Some(rs_name.as_str()));
    match existing {
        None => {
            let mut template = spec.template.clone();
            let labels = template
                .metadata
                .get_or_insert_with(Default::default)
                .labels
                .get_or_insert_with(Default::default);
            labels.insert("pod-template-hash".into(), hash.clone());
            let mut selector = spec.selector.clone();
            selector
                .match_labels
                .get_or_insert_with(Default::default)
                .insert("pod-template-hash".into(), hash.clone());
            let revision = owned.len() + 1;
            let rs = ReplicaSet {
                metadata: ObjectMeta {
                    name: Some(rs_name.clone()),
                    namespace: Some(ns.clone()),
                    labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
                    annotations: Some(
                        [
                            (
                                "deployment.kubernetes.io/desired-replicas".to_string(),
                                desired.to_string(),
                            ),
                            (
                                "deployment.kubernetes.io/max-replicas".to_string(),
                                desired.to_string(),
                            ),
                            (
                                "deployment.kubernetes.io/revision".to_string(),
                                revision.to_string(),
                            ),
                        ]
                        .into_iter()
                        .collect(),
                    ),
                    owner_references: Some(vec![owner_ref(d)]),
                    ..ObjectMeta::default()
                },
                spec: Some(ReplicaSetSpec {
                    replicas: Some(desired),
                    selector,
                    template: Some(template),
                    min_ready_seconds: spec.min_ready_seconds,
                }),
                status: None,
            };
            let user = crate::settings::UserInfo {
                name: "system:serviceaccount:kube-system:deployment-controller".into(),
                groups: vec![
                    "system:serviceaccounts".into(),
                    "system:serviceaccounts:kube-system".into(),
                    "system:authenticated".into(),
                ],
            };
            if c.create_internal(Object::ReplicaSet(Box::new(rs)), &user)
                .is_ok()
            {
                c.store.event(
                    "Normal",
                    "ScalingReplicaSet",
                    deploy_ref.clone(),
                    format!("Scaled up replica set {rs_name} from 0 to {desired}"),
                    "deployment-controller",
                );
                changed = true;
            }
        }
        Some(rs) => {
            let current = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
            if current != desired {
                let key = ObjRef::new("ReplicaSet", &ns, &rs_name);
                c.store.modify(&key, |o| {
                    if let Object::ReplicaSet(r) = o {
                        if let Some(s) = r.spec.as_mut() {
                            s.replicas = Some(desired);
                        }
                    }
                });
                let dir = if desired > current { "up" } else { "down" };
                c.store.event(
                    "Normal",
                    "ScalingReplicaSet",
                    deploy_ref.clone(),
                    format!("Scaled {dir} replica set {rs_name} from {current} to {desired}"),
                    "deployment-controller",
                );
                changed = true;
            }
        }
    }

    // Status from the ReplicaSets.
    let (mut replicas, mut ready, mut updated) = (0, 0, 0);
    for s in c.store.list_ns("ReplicaSet", &ns) {
        if let Object::ReplicaSet(rs) = &s.obj {
            let owned = rs
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid);
            if !owned {
                continue;
            }
            let st = rs.status.clone().unwrap_or_default();
            replicas += st.replicas;
            ready += st.ready_replicas.unwrap_or(0);
            if rs.metadata.name.as_deref() == Some(rs_name.as_str()) {
                updated += st.replicas;
            }
        }
    }
    let generation = d.metadata.generation;
    changed |= c.store.modify(&deploy_ref, |o| {
        if let Object::Deployment(dep) = o {
            let st = dep.status.get_or_insert_with(DeploymentStatus::default);
            st.replicas = Some(replicas);
            st.updated_replicas = Some(updated);
            st.ready_replicas = (ready > 0).then_some(ready);
            st.available_replicas = (ready > 0).then_some(ready);
            st.unavailable_replicas = (replicas > ready).then_some(replicas - ready);
            st.observed_generation = generation;
        }
    });
    changed
}
