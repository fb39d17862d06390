//! The ReplicaSet controller: creates pods from the template until the ReplicaSet owns as many
//! as it wants, deletes the extra ones (unscheduled, then pending, then newest first).
//!
//! Follows `pkg/controller/replicaset/replica_set.go` (manageReplicas, the `SuccessfulCreate`
//! `Created pod: %v` / `SuccessfulDelete` `Deleted pod: %v` / `FailedCreate` `Error creating: %v`
//! events) and `pkg/controller/controller_utils.go` (`ActivePodsWithRanks` ordering).

use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::store::ObjRef;

pub fn reconcile(c: &mut Cluster) -> bool {
    let sets: Vec<ReplicaSet> = c
        .store
        .typed::<ReplicaSet>()
        .filter(|v| v.metadata.deletion_timestamp.is_none())
        .cloned()
        .collect();
    let mut changed = false;
    for rs in sets {
        changed |= sync(c, &rs);
    }
    changed
}

fn sync(c: &mut Cluster, rs: &ReplicaSet) -> bool {
    let ns = rs.metadata.namespace.clone().unwrap_or_default();
    let name = rs.metadata.name.clone().unwrap_or_default();
    let uid = rs.metadata.uid.clone().unwrap_or_default();
    let rs_ref = ObjRef::new("ReplicaSet", &ns, &name);
    let desired = rs
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1)
        .max(0);
    let mut pods: Vec<Pod> = c
        .store
        .list_ns("Pod", &ns)
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| super::owned_by(&p.metadata, &uid, false))
        .cloned()
        .collect();
    let have = i32::try_from(pods.len()).unwrap_or(i32::MAX);
    let mut changed = false;
    if have < desired {
        // Stop at the first failure, as the controller's slow-start batches do.
        for _ in 0..(desired - have) {
            let Some(pod) = pod_from_template(rs) else {
                break;
            };
            match super::create_pod(
                c,
                pod,
                &super::controller_user("replicaset-controller"),
                &rs_ref,
                "replicaset-controller",
            ) {
                Ok(()) => {
                    changed = true;
                }
                Err(event_changed) => {
                    changed |= event_changed;
                    break;
                }
            }
        }
    } else if have > desired {
        // Delete the least useful pods first: unscheduled, then not running, then newest.
        pods.sort_by_key(|p| {
            let scheduled = p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
            let running = p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
            let created = p
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| -t.0.as_second())
                .unwrap_or(0);
            (scheduled, running, created, p.metadata.uid.clone())
        });
        let excess = usize::try_from(have - desired).unwrap_or(0);
        for p in pods.iter().take(excess) {
            let key = ObjRef::new("Pod", &ns, p.metadata.name.as_deref().unwrap_or(""));
            let now = c.store.timestamp();
            c.store
                .modify(&key, |o| o.meta_mut().deletion_timestamp = Some(now));
            c.store.event(
                "Normal",
                "SuccessfulDelete",
                rs_ref.clone(),
                format!("Deleted pod: {}", key.name),
                "replicaset-controller",
            );
            changed = true;
        }
    }
    // Status.
    let owned: Vec<Pod> = c
        .store
        .list_ns("Pod", &ns)
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| super::owned_by(&p.metadata, &uid, false))
        .cloned()
        .collect();
    let replicas = i32::try_from(owned.len()).unwrap_or(i32::MAX);
    let ready = i32::try_from(
        owned
            .iter()
            .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .count(),
    )
    .unwrap_or(i32::MAX);
    let generation = rs.metadata.generation;
    changed |= c.store.modify(&rs_ref, |o| {
        if let Object::ReplicaSet(r) = o {
            let st = r.status.get_or_insert_with(ReplicaSetStatus::default);
            st.replicas = replicas;
            st.fully_labeled_replicas = Some(replicas);
            st.ready_replicas = (ready > 0).then_some(ready);
            st.available_replicas = (ready > 0).then_some(ready);
            st.observed_generation = generation;
        }
    });
    changed
}

fn pod_from_template(rs: &ReplicaSet) -> Option<Pod> {
    let template = rs.spec.as_ref()?.template.clone()?;
    let rs_name = rs.metadata.name.clone()?;
    let meta = template.metadata.unwrap_or_default();
    Some(Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{rs_name}-")),
            namespace: rs.metadata.namespace.clone(),
            labels: meta.labels,
            annotations: meta.annotations,
            owner_references: Some(vec![super::owner_ref(
                "ReplicaSet",
                "apps/v1",
                &rs.metadata,
                true,
            )]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    })
}
