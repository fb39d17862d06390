//! The StatefulSet controller: one pod per ordinal, named `<set>-<ordinal>`, with a stable
//! hostname under the set's governing Service and one claim per volumeClaimTemplate named
//! `<template>-<set>-<ordinal>`, created before the pod and kept when the pod goes (unless the
//! set's `persistentVolumeClaimRetentionPolicy` says otherwise).
//!
//! Follows `pkg/controller/statefulset/stateful_set_control.go` (`updateStatefulSet`: replicas
//! in `[start, start+replicas)` are created in ordinal order — with `OrderedReady` one at a time,
//! the next only once every lower one is Running and Ready; condemned pods are deleted from the
//! highest ordinal; a RollingUpdate deletes pods of an old revision from the highest ordinal down
//! to the partition, one at a time; `computeReplicaStatus`, `completeRollingUpdate`),
//! `stateful_set_utils.go` (`getPodName`, `getPersistentVolumeClaimName`,
//! `getPersistentVolumeClaims`, `initIdentity`/`updateIdentity`: `spec.hostname`,
//! `spec.subdomain`, the `statefulset.kubernetes.io/pod-name` label and, from 1.28 where the
//! PodIndexLabel gate is on, `apps.kubernetes.io/pod-index`; `updateStorage`;
//! `updateClaimOwnerRefForSetAndPod`) and `stateful_pod_control.go` (`recordPodEvent`,
//! `recordClaimEvent`: `SuccessfulCreate` `create Pod web-0 in StatefulSet web successful`,
//! `create Claim www-web-0 Pod web-0 in StatefulSet web success`, and their `Failed…` twins).
//!
//! Differences, on purpose: revisions are not stored as ControllerRevisions (the
//! `controller-revision-hash` label and `status.updateRevision` are `<set>-<hash of the
//! template>` as upstream computes their shape); a pod below the partition that is deleted is
//! recreated from the current template, where upstream would use the older revision's.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::store::ObjRef;

const SOURCE: &str = "statefulset-controller";
/// `apps.StatefulSetPodNameLabel`.
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// `apps.PodIndexLabel` (PodIndexLabel: beta and on by default from 1.28).
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// `apps.ControllerRevisionHashLabelKey`.
pub const REVISION_LABEL: &str = "controller-revision-hash";
/// How many pods one sync creates at most.
const MAX_CREATES_PER_SYNC: usize = 500;

pub fn reconcile(c: &mut Cluster) -> bool {
    let sets: Vec<StatefulSet> = c
        .store
        .typed::<StatefulSet>()
        .filter(|v| v.metadata.deletion_timestamp.is_none())
        .cloned()
        .collect();
    let mut changed = false;
    for set in sets {
        changed |= sync(c, &set);
    }
    changed
}

/// `getPodName`.
pub fn pod_name(set: &str, ordinal: i32) -> String {
    format!("{set}-{ordinal}")
}

/// `getPersistentVolumeClaimName`.
pub fn claim_name(template: &str, set: &str, ordinal: i32) -> String {
    format!("{template}-{set}-{ordinal}")
}

/// `getParentNameAndOrdinal`: the set name and ordinal a pod name encodes (`(.*)-([0-9]+)$`).
pub fn parent_and_ordinal(pod: &str) -> Option<(&str, i32)> {
    let (parent, digits) = pod.rsplit_once('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((parent, digits.parse().ok()?))
}

/// The first ordinal: `spec.ordinals.start` (StatefulSetStartOrdinal, beta from 1.27), else 0.
pub fn start_ordinal(set: &StatefulSet, minor: u32) -> i32 {
    if minor < 27 {
        return 0;
    }
    set.spec
        .as_ref()
        .and_then(|s| s.ordinals.as_ref())
        .and_then(|o| o.start)
        .unwrap_or(0)
        .max(0)
}

fn replicas_of(set: &StatefulSet) -> i32 {
    set.spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1)
        .max(0)
}

/// `isRunningAndReady`.
pub fn running_and_ready(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The revision name the template hashes to: `<set>-<hash>`, as `controller.ComputeHash` and
/// `newRevision` name ControllerRevisions.
pub fn update_revision(set: &StatefulSet) -> String {
    let name = set.metadata.name.as_deref().unwrap_or("");
    let template = set
        .spec
        .as_ref()
        .map(|s| serde_json::to_string(&s.template).unwrap_or_default())
        .unwrap_or_default();
    let hash = super::fnv32a(template.as_bytes());
    format!("{name}-{}", super::safe_encode(hash))
}

fn retention(set: &StatefulSet, minor: u32) -> (bool, bool) {
    // StatefulSetAutoDeletePVC: beta and on by default from 1.27.
    if minor < 27 {
        return (false, false);
    }
    let p = set
        .spec
        .as_ref()
        .and_then(|s| s.persistent_volume_claim_retention_policy.as_ref());
    let when_deleted = p.and_then(|p| p.when_deleted.as_deref()) == Some("Delete");
    let when_scaled = p.and_then(|p| p.when_scaled.as_deref()) == Some("Delete");
    (when_deleted, when_scaled)
}

/// `getPersistentVolumeClaims`: the claims a pod of `ordinal` uses, from the templates, with the
/// set's selector labels added.
pub fn claims_for(set: &StatefulSet, ordinal: i32) -> Vec<PersistentVolumeClaim> {
    let Some(spec) = set.spec.as_ref() else {
        return Vec::new();
    };
    let set_name = set.metadata.name.as_deref().unwrap_or("");
    spec.volume_claim_templates
        .iter()
        .flatten()
        .map(|t| {
            let mut claim = t.clone();
            let template_name = t.metadata.name.as_deref().unwrap_or("");
            claim.metadata = ObjectMeta {
                name: Some(claim_name(template_name, set_name, ordinal)),
                namespace: set.metadata.namespace.clone(),
                labels: t.metadata.labels.clone(),
                annotations: t.metadata.annotations.clone(),
                ..ObjectMeta::default()
            };
            if let Some(ml) = spec.selector.match_labels.as_ref() {
                let labels = claim.metadata.labels.get_or_insert_with(BTreeMap::new);
                for (k, v) in ml {
                    labels.insert(k.clone(), v.clone());
                }
            }
            claim.status = None;
            claim
        })
        .collect()
}

/// `newStatefulSetPod`: the template with the ordinal's identity and storage.
pub fn new_pod(set: &StatefulSet, ordinal: i32, minor: u32, revision: &str) -> Option<Pod> {
    let spec = set.spec.as_ref()?;
    let set_name = set.metadata.name.clone()?;
    let name = pod_name(&set_name, ordinal);
    let template_meta = spec.template.metadata.clone().unwrap_or_default();
    let mut labels = template_meta.labels.unwrap_or_default();
    labels.insert(POD_NAME_LABEL.into(), name.clone());
    if minor >= 28 {
        labels.insert(POD_INDEX_LABEL.into(), ordinal.to_string());
    }
    labels.insert(REVISION_LABEL.into(), revision.to_string());
    let mut pod_spec = spec.template.spec.clone().unwrap_or_default();
    pod_spec.hostname = Some(name.clone());
    pod_spec.subdomain = spec.service_name.clone().filter(|s| !s.is_empty());
    // updateStorage: a volume per claim template, replacing a template volume of that name.
    let mut volumes: Vec<Volume> = Vec::new();
    for (t, claim) in spec
        .volume_claim_templates
        .iter()
        .flatten()
        .zip(claims_for(set, ordinal))
    {
        volumes.push(Volume {
            name: t.metadata.name.clone().unwrap_or_default(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim.metadata.name.clone().unwrap_or_default(),
                read_only: Some(false),
            }),
            ..Volume::default()
        });
    }
    for v in pod_spec.volumes.iter().flatten() {
        if !volumes.iter().any(|c| c.name == v.name) {
            volumes.push(v.clone());
        }
    }
    pod_spec.volumes = (!volumes.is_empty()).then_some(volumes);
    Some(Pod {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: set.metadata.namespace.clone(),
            labels: Some(labels),
            annotations: template_meta.annotations,
            owner_references: Some(vec![super::owner_ref(
                "StatefulSet",
                "apps/v1",
                &set.metadata,
                true,
            )]),
            ..ObjectMeta::default()
        },
        spec: Some(pod_spec),
        status: None,
    })
}

fn revision_of(pod: &Pod) -> Option<&str> {
    pod.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(REVISION_LABEL))
        .map(String::as_str)
}

fn event(c: &mut Cluster, set: &ObjRef, type_: &str, reason: &str, message: String) {
    c.store.event(type_, reason, set.clone(), message, SOURCE);
}

/// `createPersistentVolumeClaims` for the claims of `pod` that do not exist yet. Returns
/// whether all of them exist afterwards, and whether anything changed.
fn create_missing_claims(
    c: &mut Cluster,
    set: &StatefulSet,
    set_ref: &ObjRef,
    ordinal: i32,
    pod: &str,
) -> (bool, bool) {
    let ns = set.metadata.namespace.clone().unwrap_or_default();
    let set_name = set.metadata.name.clone().unwrap_or_default();
    let mut ok = true;
    let mut changed = false;
    for claim in claims_for(set, ordinal) {
        let name = claim.metadata.name.clone().unwrap_or_default();
        match c.store.get_obj("PersistentVolumeClaim", &ns, &name) {
            Some(Object::PersistentVolumeClaim(existing)) => {
                if existing.metadata.deletion_timestamp.is_some() {
                    // `pvc %s is being deleted` in createMissingPersistentVolumeClaims.
                    ok = false;
                }
            }
            _ => match c.create_internal(
                Object::PersistentVolumeClaim(Box::new(claim)),
                &super::controller_user("statefulset-controller"),
            ) {
                Ok(_) => {
                    changed = true;
                    event(
                        c,
                        set_ref,
                        "Normal",
                        "SuccessfulCreate",
                        format!("create Claim {name} Pod {pod} in StatefulSet {set_name} success"),
                    );
                }
                Err(e) => {
                    ok = false;
                    let before = c.store.events.len();
                    event(
                        c,
                        set_ref,
                        "Warning",
                        "FailedCreate",
                        format!(
                            "create Claim {name} for Pod {pod} in StatefulSet {set_name} failed error: {}",
                            e.message
                        ),
                    );
                    changed |= c.store.events.len() != before;
                }
            },
        }
    }
    (ok, changed)
}

/// `updateClaimOwnerRefForSetAndPod`: who owns a replica's claims under the retention policy.
fn claim_owners(
    c: &mut Cluster,
    set: &StatefulSet,
    ordinal: i32,
    pod: Option<&Pod>,
    condemned: bool,
    minor: u32,
) -> bool {
    let (when_deleted, when_scaled) = retention(set, minor);
    if !when_deleted && !when_scaled {
        return false;
    }
    let ns = set.metadata.namespace.clone().unwrap_or_default();
    let set_uid = set.metadata.uid.clone().unwrap_or_default();
    let pod_uid = pod.and_then(|p| p.metadata.uid.clone());
    let mut changed = false;
    for claim in claims_for(set, ordinal) {
        let key = ObjRef::new(
            "PersistentVolumeClaim",
            &ns,
            claim.metadata.name.as_deref().unwrap_or(""),
        );
        let set_owner = super::owner_ref("StatefulSet", "apps/v1", &set.metadata, false);
        let pod_owner = pod.map(|p| super::owner_ref("Pod", "v1", &p.metadata, false));
        let scaled_down = condemned && when_scaled;
        changed |= c.store.modify(&key, |o| {
            let meta = o.meta_mut();
            let mut refs = meta.owner_references.clone().unwrap_or_default();
            let has = |refs: &Vec<OwnerReference>, uid: &str| refs.iter().any(|r| r.uid == uid);
            if when_deleted && !scaled_down {
                if !has(&refs, &set_uid) {
                    refs.push(set_owner);
                }
            } else {
                refs.retain(|r| r.uid != set_uid);
            }
            if let (true, Some(owner), Some(uid)) = (scaled_down, pod_owner, pod_uid.as_deref()) {
                if !has(&refs, uid) {
                    refs.push(owner);
                }
            }
            meta.owner_references = (!refs.is_empty()).then_some(refs);
        });
    }
    changed
}

fn delete_pod(c: &mut Cluster, set_ref: &ObjRef, set_name: &str, pod: &Pod) -> bool {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let key = ObjRef::new("Pod", &ns, &name);
    let now = c.store.timestamp();
    let changed = c.store.modify(&key, |o| {
        if o.meta().deletion_timestamp.is_none() {
            o.meta_mut().deletion_timestamp = Some(now);
        }
    });
    if changed {
        event(
            c,
            set_ref,
            "Normal",
            "SuccessfulDelete",
            format!("delete Pod {name} in StatefulSet {set_name} successful"),
        );
    }
    changed
}

fn sync(c: &mut Cluster, set: &StatefulSet) -> bool {
    let minor = c.settings.minor;
    let ns = set.metadata.namespace.clone().unwrap_or_default();
    let name = set.metadata.name.clone().unwrap_or_default();
    let uid = set.metadata.uid.clone().unwrap_or_default();
    let set_ref = ObjRef::new("StatefulSet", &ns, &name);
    let replicas = replicas_of(set);
    let start = start_ordinal(set, minor);
    let end = start.saturating_add(replicas);
    let monotonic = set
        .spec
        .as_ref()
        .and_then(|s| s.pod_management_policy.as_deref())
        != Some("Parallel");
    let revision = update_revision(set);
    let owned = |c: &Cluster| -> Vec<(i32, Pod)> {
        let mut pods: Vec<(i32, Pod)> = c
            .store
            .list_ns("Pod", &ns)
            .filter_map(|s| s.obj.as_pod())
            .filter(|p| super::owned_by(&p.metadata, &uid, false))
            .filter_map(|p| {
                let (parent, ord) = parent_and_ordinal(p.metadata.name.as_deref()?)?;
                (parent == name).then(|| (ord, p.clone()))
            })
            .collect();
        pods.sort_by_key(|(o, _)| *o);
        pods
    };
    let pods = owned(c);
    let mut changed = false;
    let mut waiting = false;
    // The replicas, in ordinal order (bounded, so that an absurd replica count cannot hang the
    // page: the rest come in later syncs).
    let mut created = 0usize;
    for ordinal in start..end {
        if created >= MAX_CREATES_PER_SYNC {
            break;
        }
        let existing = pods.iter().find(|(o, _)| *o == ordinal).map(|(_, p)| p);
        match existing {
            None => {
                let pname = pod_name(&name, ordinal);
                let (claims_ok, ch) = create_missing_claims(c, set, &set_ref, ordinal, &pname);
                changed |= ch;
                if !claims_ok {
                    waiting = true;
                    break;
                }
                changed |= claim_owners(c, set, ordinal, None, false, minor);
                let Some(pod) = new_pod(set, ordinal, minor, &revision) else {
                    break;
                };
                match c.create_internal(
                    Object::Pod(Box::new(pod)),
                    &super::controller_user("statefulset-controller"),
                ) {
                    Ok(_) => {
                        changed = true;
                        created += 1;
                        event(
                            c,
                            &set_ref,
                            "Normal",
                            "SuccessfulCreate",
                            format!("create Pod {pname} in StatefulSet {name} successful"),
                        );
                    }
                    Err(e) => {
                        let before = c.store.events.len();
                        event(
                            c,
                            &set_ref,
                            "Warning",
                            "FailedCreate",
                            format!(
                                "create Pod {pname} in StatefulSet {name} failed error: {}",
                                e.message
                            ),
                        );
                        changed |= c.store.events.len() != before;
                        waiting = true;
                        break;
                    }
                }
                if monotonic {
                    waiting = true;
                    break;
                }
            }
            Some(pod) => {
                let (_, ch) =
                    create_missing_claims(c, set, &set_ref, ordinal, &pod_name(&name, ordinal));
                changed |= ch;
                changed |= claim_owners(c, set, ordinal, Some(pod), false, minor);
                if monotonic
                    && (pod.metadata.deletion_timestamp.is_some() || !running_and_ready(pod))
                {
                    waiting = true;
                    break;
                }
            }
        }
    }
    // Condemned pods, from the highest ordinal.
    if !waiting {
        let condemned: Vec<(i32, Pod)> = pods
            .iter()
            .filter(|(o, _)| *o < start || *o >= end)
            .rev()
            .cloned()
            .collect();
        for (ordinal, pod) in condemned {
            if pod.metadata.deletion_timestamp.is_some() {
                if monotonic {
                    waiting = true;
                    break;
                }
                continue;
            }
            changed |= claim_owners(c, set, ordinal, Some(&pod), true, minor);
            changed |= delete_pod(c, &set_ref, &name, &pod);
            if monotonic {
                waiting = true;
                break;
            }
        }
    }
    // RollingUpdate: pods of another revision, from the highest ordinal down to the partition.
    let strategy = set.spec.as_ref().and_then(|s| s.update_strategy.as_ref());
    let rolling = strategy.and_then(|s| s.type_.as_deref()) != Some("OnDelete");
    if !waiting && rolling {
        let partition = strategy
            .and_then(|s| s.rolling_update.as_ref())
            .and_then(|r| r.partition)
            .unwrap_or(0)
            .max(0);
        let update_min = start.saturating_add(partition);
        let current = owned(c);
        for (ordinal, pod) in current.iter().rev() {
            if *ordinal < update_min || *ordinal >= end {
                continue;
            }
            if revision_of(pod) != Some(revision.as_str())
                && pod.metadata.deletion_timestamp.is_none()
            {
                changed |= delete_pod(c, &set_ref, &name, pod);
                break;
            }
            if !running_and_ready(pod) {
                break;
            }
        }
    }
    changed |= update_status(c, set, &set_ref, &revision, owned(c));
    changed
}

fn update_status(
    c: &mut Cluster,
    set: &StatefulSet,
    set_ref: &ObjRef,
    revision: &str,
    pods: Vec<(i32, Pod)>,
) -> bool {
    let count = |f: &dyn Fn(&Pod) -> bool| {
        i32::try_from(pods.iter().filter(|(_, p)| f(p)).count()).unwrap_or(i32::MAX)
    };
    let replicas = count(&|_| true);
    let ready = count(&running_and_ready);
    let updated = count(&|p| revision_of(p) == Some(revision));
    let previous = set.status.clone().unwrap_or_default();
    let mut current_revision = previous
        .current_revision
        .clone()
        .unwrap_or_else(|| revision.to_string());
    let mut current = {
        let cr = current_revision.clone();
        count(&move |p| revision_of(p) == Some(cr.as_str()))
    };
    // completeRollingUpdate.
    if updated == replicas && ready == replicas {
        current_revision = revision.to_string();
        current = updated;
    }
    let status = StatefulSetStatus {
        available_replicas: Some(ready),
        collision_count: Some(0),
        conditions: previous.conditions.clone(),
        current_replicas: (current > 0).then_some(current),
        current_revision: Some(current_revision),
        observed_generation: set.metadata.generation,
        ready_replicas: (ready > 0).then_some(ready),
        replicas,
        update_revision: Some(revision.to_string()),
        updated_replicas: (updated > 0).then_some(updated),
    };
    c.store.modify(set_ref, |o| {
        if let Object::StatefulSet(s) = o {
            s.status = Some(status);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn web(extra: serde_json::Value) -> StatefulSet {
        let mut v = json!({
            "metadata": {"name": "web", "namespace": "default", "uid": "set-uid"},
            "spec": {
                "serviceName": "nginx", "replicas": 3,
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {"metadata": {"labels": {"app": "nginx"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx"}],
                             "volumes": [{"name": "www", "emptyDir": {}},
                                         {"name": "cache", "emptyDir": {}}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "www"},
                    "spec": {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": "1Gi"}}}}]}});
        if let (Some(spec), Some(extra)) = (v["spec"].as_object_mut(), extra.as_object()) {
            for (k, val) in extra {
                spec.insert(k.clone(), val.clone());
            }
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn names_follow_the_set_the_template_and_the_ordinal() {
        assert_eq!(pod_name("web", 0), "web-0");
        assert_eq!(claim_name("www", "web", 2), "www-web-2");
        for (pod, want) in [
            ("web-0", Some(("web", 0))),
            ("my-web-12", Some(("my-web", 12))),
            ("web", None),
            ("web-", None),
            ("web-x1", None),
        ] {
            assert_eq!(parent_and_ordinal(pod), want, "{pod}");
        }
    }

    #[test]
    fn a_pod_gets_its_identity_its_labels_by_version_and_its_claims() {
        let set = web(json!({}));
        let pod = new_pod(&set, 1, 34, "web-abc").unwrap();
        let spec = pod.spec.as_ref().unwrap();
        assert_eq!(pod.metadata.name.as_deref(), Some("web-1"));
        assert_eq!(spec.hostname.as_deref(), Some("web-1"));
        assert_eq!(spec.subdomain.as_deref(), Some("nginx"));
        let labels = pod.metadata.labels.as_ref().unwrap();
        assert_eq!(labels[POD_NAME_LABEL], "web-1");
        assert_eq!(labels[POD_INDEX_LABEL], "1");
        assert_eq!(labels["app"], "nginx");
        // The claim template's volume replaces the template's volume of the same name.
        let vols = spec.volumes.as_ref().unwrap();
        assert_eq!(vols.len(), 2);
        assert_eq!(
            vols[0].persistent_volume_claim.as_ref().unwrap().claim_name,
            "www-web-1"
        );
        assert!(vols[1].empty_dir.is_some());
        // Before 1.28 there is no pod-index label.
        let old = new_pod(&set, 1, 27, "web-abc").unwrap();
        assert!(!old.metadata.labels.unwrap().contains_key(POD_INDEX_LABEL));
    }

    #[test]
    fn claims_carry_the_selector_labels_and_the_start_ordinal_counts_from_1_27() {
        let set = web(json!({"ordinals": {"start": 5}}));
        let claims = claims_for(&set, 5);
        assert_eq!(claims[0].metadata.name.as_deref(), Some("www-web-5"));
        assert_eq!(claims[0].metadata.labels.as_ref().unwrap()["app"], "nginx");
        assert_eq!(start_ordinal(&set, 27), 5);
        assert_eq!(start_ordinal(&set, 26), 0);
    }

    fn cluster_with(set: StatefulSet) -> Cluster {
        let mut c = Cluster::new(crate::settings::Settings::default());
        for n in crate::settings::default_nodes(c.settings.minor) {
            c.register_node(n);
        }
        crate::controllers::settle(&mut c);
        let mut v = serde_json::to_value(&set).unwrap();
        v["apiVersion"] = json!("apps/v1");
        v["kind"] = json!("StatefulSet");
        v["metadata"].as_object_mut().unwrap().remove("uid");
        let mut obj = crate::apiserver::decode_value(v).unwrap();
        crate::defaults::apply(&mut obj);
        c.store.insert_new(obj, None);
        c
    }

    fn messages(c: &Cluster) -> Vec<String> {
        c.store
            .events
            .iter()
            .filter(|e| e.involved_object.kind == "StatefulSet")
            .map(|e| format!("{} {}", e.reason, e.message))
            .collect()
    }

    #[test]
    fn ordered_ready_creates_claims_then_pods_one_at_a_time_in_ordinal_order() {
        let mut c = cluster_with(web(json!({})));
        // One sync creates only web-0 and its claim: web-0 is not Running yet.
        assert!(reconcile(&mut c));
        assert_eq!(
            messages(&c),
            [
                "SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success",
                "SuccessfulCreate create Pod web-0 in StatefulSet web successful",
            ]
        );
        reconcile(&mut c);
        assert_eq!(
            messages(&c).len(),
            2,
            "waits for web-0 to be Running and Ready"
        );
        crate::controllers::settle(&mut c);
        let msgs = messages(&c);
        assert_eq!(msgs.len(), 6, "{msgs:?}");
        assert!(msgs[5].ends_with("create Pod web-2 in StatefulSet web successful"));
        let Some(Object::StatefulSet(s)) = c.store.get_obj("StatefulSet", "default", "web") else {
            panic!()
        };
        let st = s.status.as_ref().unwrap();
        assert_eq!(
            (st.replicas, st.ready_replicas, st.current_replicas),
            (3, Some(3), Some(3))
        );
    }

    #[test]
    fn parallel_creates_every_pod_in_one_sync_and_scale_down_starts_at_the_highest_ordinal() {
        let mut c = cluster_with(web(json!({"podManagementPolicy": "Parallel"})));
        reconcile(&mut c);
        assert_eq!(messages(&c).len(), 6);
        crate::controllers::settle(&mut c);
        let key = ObjRef::new("StatefulSet", "default", "web");
        c.store.modify(&key, |o| {
            if let Object::StatefulSet(s) = o {
                s.spec.as_mut().unwrap().replicas = Some(1);
            }
        });
        crate::controllers::settle(&mut c);
        let msgs = messages(&c);
        assert_eq!(
            msgs[6..],
            [
                "SuccessfulDelete delete Pod web-2 in StatefulSet web successful",
                "SuccessfulDelete delete Pod web-1 in StatefulSet web successful",
            ]
        );
        // Claims are kept (Retain).
        assert!(c
            .store
            .get_obj("PersistentVolumeClaim", "default", "www-web-2")
            .is_some());
        assert!(c.store.get_obj("Pod", "default", "web-2").is_none());
    }

    #[test]
    fn when_scaled_delete_removes_the_claims_of_condemned_pods() {
        let mut c = cluster_with(web(json!({
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Delete"}})));
        crate::controllers::settle(&mut c);
        let key = ObjRef::new("StatefulSet", "default", "web");
        c.store.modify(&key, |o| {
            if let Object::StatefulSet(s) = o {
                s.spec.as_mut().unwrap().replicas = Some(2);
            }
        });
        crate::controllers::settle(&mut c);
        assert!(c
            .store
            .get_obj("PersistentVolumeClaim", "default", "www-web-2")
            .is_none());
        assert!(c
            .store
            .get_obj("PersistentVolumeClaim", "default", "www-web-1")
            .is_some());
    }

    #[test]
    fn a_template_change_replaces_pods_from_the_highest_ordinal_down_to_the_partition() {
        let mut c = cluster_with(web(json!({})));
        crate::controllers::settle(&mut c);
        let key = ObjRef::new("StatefulSet", "default", "web");
        c.store.modify(&key, |o| {
            if let Object::StatefulSet(s) = o {
                let spec = s.spec.as_mut().unwrap();
                spec.template.spec.as_mut().unwrap().containers[0].image = Some("nginx:2".into());
                spec.update_strategy
                    .as_mut()
                    .unwrap()
                    .rolling_update
                    .as_mut()
                    .unwrap()
                    .partition = Some(1);
            }
        });
        crate::controllers::settle(&mut c);
        let deletes: Vec<String> = messages(&c)
            .into_iter()
            .filter(|m| m.starts_with("SuccessfulDelete"))
            .collect();
        assert_eq!(
            deletes,
            [
                "SuccessfulDelete delete Pod web-2 in StatefulSet web successful",
                "SuccessfulDelete delete Pod web-1 in StatefulSet web successful",
            ]
        );
        let image = |n: &str| match c.store.get_obj("Pod", "default", n) {
            Some(Object::Pod(p)) => p.spec.as_ref().unwrap().containers[0].image.clone(),
            _ => None,
        };
        assert_eq!(image("web-0").as_deref(), Some("nginx"));
        assert_eq!(image("web-2").as_deref(), Some("nginx:2"));
    }
}
