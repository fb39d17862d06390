//! The PV protection controller: a PersistentVolume being deleted keeps its
//! `kubernetes.io/pv-protection` finalizer — and stays Terminating — while it is Bound to a
//! claim; once it is not, the finalizer goes and so does the volume.
//!
//! Follows `pkg/controller/volume/pvprotection/pv_protection_controller.go` (`processPV`,
//! `isBeingUsed`: the volume's phase is Bound).

use crate::admission::storage_object_in_use_protection::PV_PROTECTION_FINALIZER;
use crate::apiserver::Cluster;
use crate::object::Object;
use crate::store::ObjRef;

pub fn reconcile(c: &mut Cluster) -> bool {
    let releasable: Vec<ObjRef> = c
        .store
        .list("PersistentVolume")
        .filter(|s| s.obj.meta().deletion_timestamp.is_some())
        .filter(|s| match &s.obj {
            Object::PersistentVolume(v) => {
                v.status.as_ref().and_then(|st| st.phase.as_deref()) != Some("Bound")
            }
            _ => false,
        })
        .map(|s| ObjRef::of(&s.obj))
        .collect();
    let mut changed = false;
    for key in releasable {
        changed |= super::release_finalizer(c, &key, PV_PROTECTION_FINALIZER);
    }
    changed
}
