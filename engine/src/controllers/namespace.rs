//! The namespace controller: a Terminating namespace has its content deleted, then its
//! `kubernetes` finalizer removed, and disappears.
//!
//! Follows `pkg/controller/namespace/deletion/namespaced_resources_deleter.go`.

use crate::apiserver::Cluster;
use crate::object::KINDS;
use crate::store::ObjRef;

pub fn reconcile(c: &mut Cluster) -> bool {
    let terminating: Vec<String> = c
        .store
        .list("Namespace")
        .filter(|s| {
            s.obj
                .as_namespace()
                .and_then(|n| n.status.as_ref())
                .and_then(|st| st.phase.as_deref())
                == Some("Terminating")
        })
        .map(|s| s.obj.name().to_string())
        .collect();
    let mut changed = false;
    for ns in terminating {
        let mut content: Vec<ObjRef> = Vec::new();
        for k in KINDS.iter().filter(|k| k.namespaced) {
            content.extend(c.store.list_ns(k.kind, &ns).map(|s| ObjRef::of(&s.obj)));
        }
        for r in &content {
            c.store.remove(r);
        }
        c.store.remove(&ObjRef::new("Namespace", "", &ns));
        changed = true;
    }
    changed
}
