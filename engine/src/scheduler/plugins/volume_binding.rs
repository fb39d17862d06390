//! VolumeBinding's PreFilter: a pod whose claims are missing, being deleted or unbound in an
//! Immediate class cannot be scheduled anywhere.
//!
//! Follows `pkg/scheduler/framework/plugins/volumebinding/volume_binding.go` (`podHasPVCs`:
//! `persistentvolumeclaim "x" not found`, `persistentvolumeclaim "x" is being deleted`;
//! `PreFilter`: `pod has unbound immediate PersistentVolumeClaims`, all
//! UnschedulableAndUnresolvable) and `binder.go` (`GetPodVolumeClaims`: a claim is bound when it
//! names a volume and carries `pv.kubernetes.io/bind-completed`; an unbound claim of a
//! WaitForFirstConsumer class is left to the scheduler). Claims of WaitForFirstConsumer classes
//! get the chosen node in `volume.kubernetes.io/selected-node` from the PersistentVolume
//! controller's stand-in for PreBind (`controllers/persistentvolume.rs`). The Filter reasons for
//! static volumes (`node(s) didn't find available persistent volumes to bind`, `node(s) had
//! volume node affinity conflict`) are not simulated yet.

use k8s_openapi::api::core::v1::Pod;

use crate::object::Object;
use crate::store::Store;

/// `ErrReasonBindConflict`-free PreFilter reason for immediate claims.
pub const UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";

/// The PreFilter's UnschedulableAndUnresolvable reason, or `None` when the pod may go on to the
/// filters.
pub fn pre_filter(store: &Store, pod: &Pod) -> Option<String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let claims: Vec<&str> = pod
        .spec
        .as_ref()?
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .map(|s| s.claim_name.as_str())
        .collect();
    let mut immediate_unbound = false;
    for name in claims {
        let Some(Object::PersistentVolumeClaim(pvc)) =
            store.get_obj("PersistentVolumeClaim", ns, name)
        else {
            return Some(format!("persistentvolumeclaim \"{name}\" not found"));
        };
        if pvc.metadata.deletion_timestamp.is_some() {
            return Some(format!("persistentvolumeclaim \"{name}\" is being deleted"));
        }
        let bound = pvc
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_deref())
            .is_some_and(|v| !v.is_empty())
            && pvc
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key("pv.kubernetes.io/bind-completed"));
        if bound {
            continue;
        }
        let class = pvc
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
            .cloned()
            .or_else(|| pvc.spec.as_ref().and_then(|s| s.storage_class_name.clone()))
            .unwrap_or_default();
        let delayed = matches!(
            store.get_obj("StorageClass", "", &class),
            Some(Object::StorageClass(sc))
                if sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer")
        );
        if !delayed {
            immediate_unbound = true;
        }
    }
    immediate_unbound.then(|| UNBOUND_IMMEDIATE.to_string())
}

/// A fingerprint of the pod's claims and StorageClasses (their resourceVersions), so that a pod
/// rejected for its claims is tried again once they change.
pub fn claims_signature(store: &Store, pod: &Pod) -> u64 {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut text = String::new();
    for v in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
        if let Some(src) = v.persistent_volume_claim.as_ref() {
            let rv = store
                .get_obj("PersistentVolumeClaim", ns, &src.claim_name)
                .and_then(|o| o.meta().resource_version.clone())
                .unwrap_or_default();
            text.push_str(&format!("{}={rv};", src.claim_name));
        }
    }
    if text.is_empty() {
        return 0;
    }
    for sc in store.list("StorageClass") {
        let rv = sc.obj.meta().resource_version.clone().unwrap_or_default();
        text.push_str(&format!("{}={rv};", sc.obj.name()));
    }
    u64::from(crate::controllers::fnv32a(text.as_bytes()))
}

/// `FitError.Error()` for a PreFilter rejection: the reason, then DefaultPreemption's verdict
/// that evicting pods cannot help an UnschedulableAndUnresolvable pod.
pub fn pre_filter_fit_error(reason: &str, nodes: usize) -> String {
    format!(
        "0/{nodes} nodes are available: {reason}. preemption: 0/{nodes} nodes are available: \
         {nodes} Preemption is not helpful for scheduling."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use serde_json::json;

    fn store_with(objs: &[serde_json::Value]) -> Store {
        let mut s = Store::new();
        for v in objs {
            if let Ok(o) = crate::apiserver::decode_value(v.clone()) {
                s.insert_new(o, None);
            }
        }
        s
    }

    fn pod(claim: &str) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}],
                     "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": claim}}]}}))
        .unwrap()
    }

    fn claim(name: &str, class: &str, volume: Option<&str>) -> serde_json::Value {
        let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"storageClassName": class, "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}});
        if let Some(vol) = volume {
            v["spec"]["volumeName"] = json!(vol);
            v["metadata"]["annotations"] = json!({"pv.kubernetes.io/bind-completed": "yes"});
        }
        v
    }

    #[test]
    fn pre_filter_reasons() {
        let store = store_with(&[
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                   "metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path",
                   "volumeBindingMode": "WaitForFirstConsumer"}),
            claim("slow", "slow", None),
            claim("later", "standard", None),
            claim("done", "slow", Some("pv1")),
        ]);
        let cases = [
            (
                "missing",
                Some("persistentvolumeclaim \"missing\" not found"),
            ),
            ("slow", Some(UNBOUND_IMMEDIATE)),
            ("later", None),
            ("done", None),
        ];
        for (name, want) in cases {
            assert_eq!(pre_filter(&store, &pod(name)).as_deref(), want, "{name}");
        }
        assert_eq!(
            pre_filter_fit_error(UNBOUND_IMMEDIATE, 3),
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. \
             preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
    }
}
