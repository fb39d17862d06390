//! The PVC protection controller: a claim being deleted keeps its `kubernetes.io/pvc-protection`
//! finalizer — and stays Terminating — while a pod uses it; once none does, the finalizer goes
//! and so does the claim.
//!
//! Follows `pkg/controller/volume/pvcprotection/pvc_protection_controller.go` (`processPVC`,
//! `isBeingUsed`: a pod of the claim's namespace that mounts it and has not terminated —
//! phase Succeeded or Failed — holds it; pods not yet scheduled count too).

use crate::admission::storage_object_in_use_protection::PVC_PROTECTION_FINALIZER;
use crate::apiserver::Cluster;
use crate::store::ObjRef;

/// Whether a pod that has not terminated mounts the claim.
pub fn claim_in_use(c: &Cluster, namespace: &str, claim: &str) -> bool {
    c.store
        .list_ns("Pod", namespace)
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| !crate::scheduler::is_terminal(p))
        .any(|p| {
            p.spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .filter_map(|v| v.persistent_volume_claim.as_ref())
                .any(|src| src.claim_name == claim)
        })
}

pub fn reconcile(c: &mut Cluster) -> bool {
    let terminating: Vec<ObjRef> = c
        .store
        .list("PersistentVolumeClaim")
        .filter(|s| s.obj.meta().deletion_timestamp.is_some())
        .map(|s| ObjRef::of(&s.obj))
        .collect();
    let mut changed = false;
    for key in terminating {
        if claim_in_use(c, &key.namespace, &key.name) {
            continue;
        }
        changed |= super::release_finalizer(c, &key, PVC_PROTECTION_FINALIZER);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_claim_in_use_stays_terminating_until_its_pod_is_gone() {
        let mut c = Cluster::new(crate::settings::Settings::default());
        let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default",
                         "finalizers": ["kubernetes.io/pvc-protection"]},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "user", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}],
                     "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}]}});
        for v in [claim, pod] {
            let o = crate::apiserver::decode_value(v).unwrap();
            c.store.insert_new(o, None);
        }
        let key = ObjRef::new("PersistentVolumeClaim", "default", "data");
        let now = c.store.timestamp();
        c.store
            .modify(&key, |o| o.meta_mut().deletion_timestamp = Some(now));
        assert!(!reconcile(&mut c));
        assert!(c.store.contains(&key), "still used by pod/user");
        c.store.remove(&ObjRef::new("Pod", "default", "user"));
        assert!(reconcile(&mut c));
        assert!(!c.store.contains(&key));
    }
}
