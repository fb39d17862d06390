//! The control loops that run after every request until nothing changes: the controller
//! manager's controllers, the scheduler and the kubelets.
//!
//! Each controller is a function `fn(&mut Cluster) -> bool` that reconciles once and says
//! whether it changed anything. Upstream these run concurrently in kube-controller-manager
//! (`cmd/kube-controller-manager/app/controllermanager.go`), kube-scheduler and the kubelets.
//! `settle` runs them in a fixed order until a whole round changes nothing, so the result is
//! deterministic.

mod attach_detach;
mod clusterrole_aggregation;
mod daemonset;
mod deployment;
pub mod endpoints;
mod endpointslice;
mod garbage_collector;
mod job;
mod kubelet;
mod namespace;
mod node_lifecycle;
pub mod persistentvolume;
mod provisioners;
mod pv_protection;
mod pvc_protection;
mod replicaset;
mod resource_quota;
mod root_ca_cert_publisher;
mod scheduling;
mod service_ip;
mod serviceaccounts;
pub(crate) mod static_pods;
mod taint_eviction;
pub mod tokens;

use std::collections::BTreeMap;
pub mod statefulset;

use crate::apiserver::Cluster;
use crate::store::ObjRef;

pub(crate) use taint_eviction::add_disruption_condition;

/// What controllers keep in memory between rounds, as their upstream counterparts keep work
/// queues: deterministic, part of the cluster's value.
#[derive(Clone, Debug, Default)]
pub struct State {
    /// The taint eviction controller's timed work queue, by pod.
    pub(crate) taint_evictions: BTreeMap<ObjRef, taint_eviction::ScheduledEviction>,
    /// Each node's static pods (its manifest directory), as its kubelet holds them.
    pub(crate) static_pods: Vec<static_pods::StaticPod>,
}

/// Upper bound on rounds, so that a controller bug can never hang the page.
const MAX_ROUNDS: usize = 10_000;

/// Runs every controller until the cluster is stable.
pub fn settle(cluster: &mut Cluster) {
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        changed |= namespace::reconcile(cluster);
        changed |= clusterrole_aggregation::reconcile(cluster);
        changed |= node_lifecycle::reconcile(cluster);
        changed |= serviceaccounts::reconcile(cluster);
        changed |= tokens::reconcile(cluster);
        changed |= root_ca_cert_publisher::reconcile(cluster);
        changed |= garbage_collector::reconcile(cluster);
        changed |= deployment::reconcile(cluster);
        changed |= replicaset::reconcile(cluster);
        changed |= statefulset::reconcile(cluster);
        changed |= service_ip::reconcile(cluster);
        changed |= endpoints::reconcile(cluster);
        changed |= endpointslice::reconcile(cluster);
        changed |= resource_quota::reconcile(cluster);
        changed |= persistentvolume::reconcile(cluster);
        changed |= taint_eviction::reconcile(cluster);
        changed |= daemonset::reconcile(cluster);
        changed |= job::reconcile(cluster);
        changed |= pvc_protection::reconcile(cluster);
        changed |= pv_protection::reconcile(cluster);
        changed |= scheduling::reconcile(cluster);
        changed |= static_pods::reconcile(cluster);
        changed |= attach_detach::reconcile(cluster);
        changed |= kubelet::reconcile(cluster);
        if !changed {
            return;
        }
    }
}

/// The next logical time (seconds since the cluster started) at which a controller or kubelet
/// has something to do on its own — a scheduled taint eviction, a Job's pod finishing — so
/// that `sleep` can stop there and let the cluster settle, as time passing would.
pub fn next_deadline(cluster: &Cluster) -> Option<i64> {
    let now = cluster.store.now;
    let evictions = cluster
        .controller_state
        .taint_evictions
        .values()
        .filter(|w| !w.fired)
        .map(|w| w.fire_at);
    let job_pods = cluster
        .store
        .list("Pod")
        .filter_map(|s| s.obj.as_pod())
        .filter_map(kubelet::job_pod_finish_time);
    evictions.chain(job_pods).filter(|t| *t > now).min()
}

/// Whether an object names `uid` among its owners; `controller_only` asks for the controller
/// reference (`metav1.GetControllerOf`).
pub fn owned_by(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    uid: &str,
    controller_only: bool,
) -> bool {
    meta.owner_references
        .iter()
        .flatten()
        .any(|o| o.uid == uid && (!controller_only || o.controller == Some(true)))
}

/// The owner reference a controller puts on what it creates (`metav1.NewControllerRef` when
/// `controller`), blocking its owner's foreground deletion.
pub fn owner_ref(
    kind: &str,
    api_version: &str,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    controller: bool,
) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
    k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
        api_version: api_version.into(),
        kind: kind.into(),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        controller: controller.then_some(true),
        block_owner_deletion: Some(true),
    }
}

/// The identity a kube-controller-manager controller acts as: with
/// `--use-service-account-credentials` (kubeadm's default) each controller uses its own service
/// account in kube-system (`system:serviceaccount:kube-system:replicaset-controller`).
pub fn controller_user(name: &str) -> crate::settings::UserInfo {
    crate::settings::UserInfo {
        name: format!("system:serviceaccount:kube-system:{name}"),
        groups: vec![
            "system:serviceaccounts".into(),
            "system:serviceaccounts:kube-system".into(),
            "system:authenticated".into(),
        ],
    }
}

/// `RealPodControl.CreatePods` (pkg/controller/controller_utils.go): creates a controller's pod
/// through the API server as the controller's identity and records on the owner
/// `SuccessfulCreate` `Created pod: <name>`, or `FailedCreate` `Error creating: <error>`.
/// `Err` says whether the failure's event changed anything (the controller stops its batch).
pub(crate) fn create_pod(
    c: &mut Cluster,
    pod: k8s_openapi::api::core::v1::Pod,
    user: &crate::settings::UserInfo,
    owner: &ObjRef,
    source: &str,
) -> Result<(), bool> {
    match c.create_internal(crate::object::Object::Pod(Box::new(pod)), user) {
        Ok(created) => {
            c.store.event(
                "Normal",
                "SuccessfulCreate",
                owner.clone(),
                format!("Created pod: {}", created.name),
                source,
            );
            Ok(())
        }
        Err(e) => {
            let before = c.store.events.len();
            c.store.event(
                "Warning",
                "FailedCreate",
                owner.clone(),
                format!("Error creating: {}", e.message),
                source,
            );
            Err(c.store.events.len() != before)
        }
    }
}

/// `rand.SafeEncodeString`'s alphabet (k8s.io/apimachinery/pkg/util/rand): no vowels, no
/// look-alike characters.
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// FNV-1a, 32 bits, as `hash/fnv` computes it.
pub(crate) fn fnv32a(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in data {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// `rand.SafeEncodeString(fmt.Sprint(hash))`: how pod-template-hash values look.
pub(crate) fn safe_encode(hash: u32) -> String {
    hash.to_string()
        .bytes()
        .map(|b| char::from(ALPHANUMS[usize::from(b) % ALPHANUMS.len()]))
        .collect()
}

/// A deterministic stand-in for `names.SimpleNameGenerator`'s five random characters.
pub fn name_suffix(seed: &str) -> String {
    let mut h = fnv32a(seed.as_bytes());
    let mut out = String::new();
    for _ in 0..5 {
        out.push(char::from(ALPHANUMS[(h % 27) as usize]));
        h = (h / 27) ^ fnv32a(out.as_bytes());
    }
    out
}

/// Removes `finalizer` from an object being deleted; the object goes once no finalizer is left
/// (the API server's `deleteForEmptyFinalizers`).
pub(crate) fn release_finalizer(
    cluster: &mut Cluster,
    key: &crate::store::ObjRef,
    finalizer: &str,
) -> bool {
    let changed = cluster.store.modify(key, |o| {
        if let Some(f) = o.meta_mut().finalizers.as_mut() {
            f.retain(|x| x != finalizer);
        }
    });
    let done = cluster.store.get(key).is_some_and(|s| {
        s.obj.meta().deletion_timestamp.is_some()
            && s.obj.meta().finalizers.as_ref().is_none_or(Vec::is_empty)
    });
    if done {
        cluster.store.remove(key);
        return true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hashes_use_the_safe_alphabet() {
        let s = safe_encode(1_234_567_890);
        assert_eq!(s, "56789bcdf4");
        assert_eq!(s.len(), 10);
        let n = name_suffix("web-7c5ddbdf54/1");
        assert_eq!(n.len(), 5);
        assert!(n.bytes().all(|b| ALPHANUMS.contains(&b)));
        assert_ne!(n, name_suffix("web-7c5ddbdf54/2"));
    }
}
