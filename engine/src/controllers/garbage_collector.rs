//! The garbage collector: objects whose controller owner is gone are deleted (background
//! cascading deletion, kubectl's default).
//!
//! Follows `pkg/controller/garbagecollector/garbagecollector.go` (owner looked up by uid).

use std::collections::BTreeSet;

use crate::apiserver::Cluster;
use crate::store::ObjRef;

pub fn reconcile(c: &mut Cluster) -> bool {
    let uids: BTreeSet<String> = c
        .store
        .all()
        .filter_map(|s| s.obj.meta().uid.clone())
        .collect();
    let orphans: Vec<ObjRef> = c
        .store
        .all()
        .filter(|s| {
            let owners = s.obj.meta().owner_references.as_deref().unwrap_or(&[]);
            !owners.is_empty() && owners.iter().all(|o| !uids.contains(&o.uid))
        })
        .map(|s| ObjRef::of(&s.obj))
        .collect();
    let changed = !orphans.is_empty();
    for r in orphans {
        c.store.remove(&r);
    }
    changed
}
