//! The deployment controller: a Deployment owns one ReplicaSet per pod template, named
//! `<deployment>-<pod-template-hash>`, and keeps the current one at the desired replica count.
//! A changed template rolls out step by step: RollingUpdate scales the new ReplicaSet up within
//! `maxSurge` and the old ones down while `desired − maxUnavailable` pods stay available;
//! Recreate scales the old ones to zero and waits for their pods to go first.
//!
//! Follows `pkg/controller/deployment/sync.go` (getNewReplicaSet, the `pod-template-hash` label
//! and selector), `rolling.go` (rolloutRolling, reconcileNewReplicaSet, reconcileOldReplicaSets,
//! cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate), `recreate.go`,
//! `pkg/controller/controller_utils.go` (ComputeHash) and
//! `pkg/controller/deployment/util/deployment_util.go` (NewRSNewReplicas, ResolveFenceposts, the
//! `ScalingReplicaSet` events). A pod counts as available as soon as it is Ready
//! (`minReadySeconds` is not waited for).

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

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
    super::owner_ref("Deployment", "apps/v1", &d.metadata, true)
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
        .filter(|rs| super::owned_by(&rs.metadata, &uid, true))
        .collect();

    let (rolling, max_surge, max_unavailable) = strategy(d, desired);
    let replicas_of = |rs: &ReplicaSet| rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
    let available_of = |rs: &ReplicaSet| {
        rs.status
            .as_ref()
            .and_then(|s| s.available_replicas)
            .unwrap_or(0)
    };
    let mut old: Vec<ReplicaSet> = owned
        .iter()
        .filter(|rs| rs.metadata.name.as_deref() != Some(rs_name.as_str()))
        .cloned()
        .collect();
    // Oldest first (`controller.ReplicaSetsByCreationTimestamp`).
    old.sort_by_key(|rs| {
        (
            rs.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
                .unwrap_or(0),
            rs.metadata.name.clone(),
        )
    });
    let existing = owned
        .iter()
        .find(|rs| rs.metadata.name.as_deref() == Some(rs_name.as_str()))
        .cloned();
    let old_total: i32 = old.iter().map(replicas_of).sum();

    if !rolling {
        // rolloutRecreate: old ReplicaSets to zero, wait for their pods to go, then the new one.
        for rs in old.iter().filter(|rs| replicas_of(rs) > 0) {
            changed |= scale(c, d, &deploy_ref, rs, 0);
        }
        let old_pods_running = old.iter().any(|rs| {
            let rs_uid = rs.metadata.uid.clone().unwrap_or_default();
            c.store.list_ns("Pod", &ns).any(|p| {
                p.obj
                    .meta()
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == rs_uid)
            })
        });
        if old_pods_running {
            return changed | status(c, d, &deploy_ref, &rs_name);
        }
        match &existing {
            None => {
                changed |= create_new(
                    c,
                    d,
                    &deploy_ref,
                    &rs_name,
                    &hash,
                    desired,
                    desired,
                    owned.len(),
                )
            }
            Some(rs) if replicas_of(rs) != desired => {
                changed |= scale(c, d, &deploy_ref, rs, desired)
            }
            Some(_) => {}
        }
        return changed | status(c, d, &deploy_ref, &rs_name);
    }

    // rolloutRolling: reconcileNewReplicaSet (`NewRSNewReplicas`: up to desired + maxSurge pods
    // in all), then reconcileOldReplicaSets (down to desired − maxUnavailable available pods).
    let max_total = desired.saturating_add(max_surge);
    match &existing {
        None => {
            let scale_up = max_total.saturating_sub(old_total).max(0);
            let replicas = scale_up.min(desired);
            changed |= create_new(
                c,
                d,
                &deploy_ref,
                &rs_name,
                &hash,
                replicas,
                max_total,
                owned.len(),
            );
        }
        Some(rs) => {
            let current = replicas_of(rs);
            if old_total == 0 || current > desired {
                if current != desired {
                    changed |= scale(c, d, &deploy_ref, rs, desired);
                }
            } else if current < desired {
                let total = old_total.saturating_add(current);
                let scale_up = max_total.saturating_sub(total).max(0);
                let target = current.saturating_add(scale_up.min(desired - current));
                if target != current {
                    changed |= scale(c, d, &deploy_ref, rs, target);
                }
            }
        }
    }
    if old_total > 0 {
        let new_rs = c
            .store
            .get_obj("ReplicaSet", &ns, &rs_name)
            .and_then(|o| match o {
                Object::ReplicaSet(r) => Some((**r).clone()),
                _ => None,
            });
        let new_replicas = new_rs.as_ref().map(replicas_of).unwrap_or(0);
        let new_available = new_rs.as_ref().map(available_of).unwrap_or(0);
        let all_pods = old_total.saturating_add(new_replicas);
        let min_available = desired.saturating_sub(max_unavailable);
        let new_unavailable = new_replicas.saturating_sub(new_available).max(0);
        let max_scaled_down = all_pods
            .saturating_sub(min_available)
            .saturating_sub(new_unavailable);
        if max_scaled_down > 0 {
            // cleanupUnhealthyReplicas: old pods that are not available go first.
            let mut budget = max_scaled_down;
            let mut current_old: Vec<(ReplicaSet, i32)> =
                old.iter().map(|rs| (rs.clone(), replicas_of(rs))).collect();
            for (rs, replicas) in current_old.iter_mut() {
                if budget <= 0 {
                    break;
                }
                let unhealthy = replicas.saturating_sub(available_of(rs)).max(0);
                if *replicas == 0 || unhealthy == 0 {
                    continue;
                }
                let down = budget.min(unhealthy);
                let target = *replicas - down;
                changed |= scale(c, d, &deploy_ref, rs, target);
                *replicas = target;
                budget -= down;
            }
            // scaleDownOldReplicaSetsForRollingUpdate: keep minAvailable available pods.
            let available: i32 = current_old
                .iter()
                .map(|(rs, r)| available_of(rs).min(*r))
                .sum::<i32>()
                .saturating_add(new_available);
            let mut remaining = available.saturating_sub(min_available).max(0);
            for (rs, replicas) in current_old.iter_mut() {
                if remaining <= 0 {
                    break;
                }
                if *replicas == 0 {
                    continue;
                }
                let down = remaining.min(*replicas);
                let target = *replicas - down;
                changed |= scale(c, d, &deploy_ref, rs, target);
                *replicas = target;
                remaining -= down;
            }
        }
    }
    changed | status(c, d, &deploy_ref, &rs_name)
}

/// The strategy: (rolling, maxSurge, maxUnavailable) for `desired` replicas, as
/// `deploymentutil.ResolveFenceposts` resolves them (surge rounds up, unavailable down; both
/// zero means one unavailable).
fn strategy(d: &Deployment, desired: i32) -> (bool, i32, i32) {
    let s = d.spec.as_ref().and_then(|s| s.strategy.as_ref());
    if s.and_then(|s| s.type_.as_deref()) == Some("Recreate") {
        return (false, 0, 0);
    }
    let ru = s.and_then(|s| s.rolling_update.as_ref());
    let pct = |v: Option<&IntOrString>, up: bool| -> i32 {
        match v {
            None => {
                let n = i64::from(desired) * 25;
                i32::try_from(if up { (n + 99) / 100 } else { n / 100 }).unwrap_or(0)
            }
            Some(IntOrString::Int(i)) => *i,
            Some(IntOrString::String(p)) => {
                let n: i64 = p.trim_end_matches('%').parse().unwrap_or(0);
                let n = n.saturating_mul(i64::from(desired));
                i32::try_from(if up {
                    (n + 99).div_euclid(100)
                } else {
                    n.div_euclid(100)
                })
                .unwrap_or(0)
            }
        }
    };
    let surge = pct(ru.and_then(|r| r.max_surge.as_ref()), true).max(0);
    let mut unavailable = pct(ru.and_then(|r| r.max_unavailable.as_ref()), false).max(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (true, surge, unavailable.min(desired.max(0)))
}

/// Scales a ReplicaSet, with the deployment controller's `ScalingReplicaSet` event.
fn scale(c: &mut Cluster, d: &Deployment, deploy_ref: &ObjRef, rs: &ReplicaSet, to: i32) -> bool {
    let ns = rs.metadata.namespace.clone().unwrap_or_default();
    let name = rs.metadata.name.clone().unwrap_or_default();
    let key = ObjRef::new("ReplicaSet", &ns, &name);
    let from = c
        .store
        .get_obj("ReplicaSet", &ns, &name)
        .and_then(|o| match o {
            Object::ReplicaSet(r) => r.spec.as_ref().and_then(|s| s.replicas),
            _ => None,
        })
        .unwrap_or(0);
    if from == to {
        return false;
    }
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let (_, surge, _) = strategy(d, desired);
    c.store.modify(&key, |o| {
        if let Object::ReplicaSet(r) = o {
            if let Some(s) = r.spec.as_mut() {
                s.replicas = Some(to);
            }
            let a = r.metadata.annotations.get_or_insert_with(Default::default);
            a.insert(
                "deployment.kubernetes.io/desired-replicas".into(),
                desired.to_string(),
            );
            a.insert(
                "deployment.kubernetes.io/max-replicas".into(),
                desired.saturating_add(surge).to_string(),
            );
        }
    });
    let dir = if to > from { "up" } else { "down" };
    c.store.event(
        "Normal",
        "ScalingReplicaSet",
        deploy_ref.clone(),
        format!("Scaled {dir} replica set {name} from {from} to {to}"),
        "deployment-controller",
    );
    true
}

/// getNewReplicaSet: the ReplicaSet of the current template, created with `replicas`.
#[allow(clippy::too_many_arguments)]
fn create_new(
    c: &mut Cluster,
    d: &Deployment,
    deploy_ref: &ObjRef,
    rs_name: &str,
    hash: &str,
    replicas: i32,
    max_replicas: i32,
    owned: usize,
) -> bool {
    let Some(spec) = d.spec.as_ref() else {
        return false;
    };
    let ns = d.metadata.namespace.clone().unwrap_or_default();
    let desired = spec.replicas.unwrap_or(1);
    let mut template = spec.template.clone();
    let labels = template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(Default::default);
    labels.insert("pod-template-hash".into(), hash.to_string());
    let mut selector = spec.selector.clone();
    selector
        .match_labels
        .get_or_insert_with(Default::default)
        .insert("pod-template-hash".into(), hash.to_string());
    let revision = owned + 1;
    let rs = ReplicaSet {
        metadata: ObjectMeta {
            name: Some(rs_name.to_string()),
            namespace: Some(ns),
            labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
            annotations: Some(
                [
                    (
                        "deployment.kubernetes.io/desired-replicas".to_string(),
                        desired.to_string(),
                    ),
                    (
                        "deployment.kubernetes.io/max-replicas".to_string(),
                        max_replicas.to_string(),
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
            replicas: Some(replicas),
            selector,
            template: Some(template),
            min_ready_seconds: spec.min_ready_seconds,
        }),
        status: None,
    };
    let user = super::controller_user("deployment-controller");
    if c.create_internal(Object::ReplicaSet(Box::new(rs)), &user)
        .is_err()
    {
        return false;
    }
    if replicas > 0 {
        c.store.event(
            "Normal",
            "ScalingReplicaSet",
            deploy_ref.clone(),
            format!("Scaled up replica set {rs_name} from 0 to {replicas}"),
            "deployment-controller",
        );
    }
    true
}

/// The Deployment's status from its ReplicaSets.
fn status(c: &mut Cluster, d: &Deployment, deploy_ref: &ObjRef, rs_name: &str) -> bool {
    let ns = deploy_ref.namespace.clone();
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let (mut replicas, mut ready, mut updated) = (0, 0, 0);
    for s in c.store.list_ns("ReplicaSet", &ns) {
        if let Object::ReplicaSet(rs) = &s.obj {
            let owned = super::owned_by(&rs.metadata, &uid, false);
            if !owned {
                continue;
            }
            let st = rs.status.clone().unwrap_or_default();
            replicas += st.replicas;
            ready += st.ready_replicas.unwrap_or(0);
            if rs.metadata.name.as_deref() == Some(rs_name) {
                updated += st.replicas;
            }
        }
    }
    let generation = d.metadata.generation;
    c.store.modify(deploy_ref, |o| {
        if let Object::Deployment(dep) = o {
            let st = dep.status.get_or_insert_with(DeploymentStatus::default);
            st.replicas = Some(replicas);
            st.updated_replicas = Some(updated);
            st.ready_replicas = (ready > 0).then_some(ready);
            st.available_replicas = (ready > 0).then_some(ready);
            st.unavailable_replicas = (replicas > ready).then_some(replicas - ready);
            st.observed_generation = generation;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(strategy: serde_json::Value) -> Deployment {
        serde_json::from_value(serde_json::json!({"metadata": {"name": "d"},
            "spec": {"selector": {}, "template": {}, "strategy": strategy}}))
        .unwrap_or_default()
    }

    type Case = (&'static str, serde_json::Value, i32, (bool, i32, i32));

    #[test]
    fn surge_rounds_up_unavailable_rounds_down_and_both_zero_means_one_unavailable() {
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            ("the 25% defaults on 3 replicas", serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}), 3, (true, 1, 0)),
            ("the 25% defaults on 4 replicas", serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}), 4, (true, 1, 1)),
            ("integers as given", serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 1}}), 5, (true, 2, 1)),
            ("zero and zero become zero and one", serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}), 5, (true, 0, 1)),
            ("Recreate has no fenceposts", serde_json::json!({"type": "Recreate"}), 5, (false, 0, 0)),
        ];
        for (name, s, replicas, want) in cases {
            assert_eq!(strategy(&deployment(s), replicas), want, "{name}");
        }
    }
}
