//! The simulated etcd: objects by kind, namespace and name, with the metadata the API server
//! fills in (uid, resourceVersion, generation, creationTimestamp) and the event log, all driven by
//! a logical clock so that the same scenario always produces byte-identical output.
//!
//! Follows `k8s.io/apiserver/pkg/registry/rest/create.go` (`FillObjectMetaSystemFields`) and
//! `k8s.io/client-go/tools/record/events_cache.go` (events for the same object, reason and
//! message are aggregated into one with a count).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use crate::object::Object;

/// Seconds since the Unix epoch at which every simulated cluster starts: 2025-01-01T00:00:00Z.
pub const EPOCH: i64 = 1_735_689_600;

/// Where an object came from in the user's input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: u32,
}

/// A stored object and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub obj: Object,
    pub origin: Option<Origin>,
}

/// Identifies an object: kind, namespace ("" for cluster-scoped) and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        ObjRef {
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    pub fn of(obj: &Object) -> Self {
        ObjRef::new(obj.info().kind, obj.namespace().unwrap_or(""), obj.name())
    }
}

/// A core/v1 Event as `kubectl get events` and our JSON contract show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub involved_object: ObjRef,
    pub message: String,
    pub count: u32,
    /// The reporting component (`default-scheduler`, `kubelet`, `persistentvolume-controller`).
    pub source: String,
    /// Logical time of the first and last occurrence, seconds since the cluster started.
    pub first_seen: i64,
    pub last_seen: i64,
}

/// The whole stored state.
#[derive(Clone, Debug, Default)]
pub struct Store {
    objects: BTreeMap<ObjRef, Stored>,
    /// Seconds since the cluster started.
    pub now: i64,
    next_rv: u64,
    next_uid: u64,
    pub events: Vec<EventRecord>,
}

impl Store {
    pub fn new() -> Self {
        Store {
            next_rv: 1,
            next_uid: 1,
            ..Store::default()
        }
    }

    /// The current logical time as an API timestamp.
    pub fn timestamp(&self) -> Time {
        let secs = EPOCH.saturating_add(self.now);
        Time(Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH))
    }

    pub fn advance(&mut self, secs: i64) {
        self.now = self.now.saturating_add(secs.max(0));
    }

    pub fn get(&self, r: &ObjRef) -> Option<&Stored> {
        self.objects.get(r)
    }

    pub fn get_obj(&self, kind: &str, namespace: &str, name: &str) -> Option<&Object> {
        self.objects
            .get(&ObjRef::new(kind, namespace, name))
            .map(|s| &s.obj)
    }

    pub fn contains(&self, r: &ObjRef) -> bool {
        self.objects.contains_key(r)
    }

    /// All objects of a kind, in namespace then name order.
    pub fn list<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Stored> + 'a {
        let start = ObjRef::new(kind, "", "");
        self.objects
            .range(start..)
            .take_while(move |(k, _)| k.kind == kind)
            .map(|(_, v)| v)
    }

    /// All objects of a kind in one namespace.
    /// The objects of one kind, typed, in the store's order.
    pub fn typed<'a, T: crate::object::Typed + 'a>(&'a self) -> impl Iterator<Item = &'a T> + 'a {
        self.list(T::KIND).filter_map(|s| T::from_object(&s.obj))
    }

    pub fn list_ns<'a>(
        &'a self,
        kind: &'a str,
        ns: &'a str,
    ) -> impl Iterator<Item = &'a Stored> + 'a {
        let start = ObjRef::new(kind, ns, "");
        self.objects
            .range(start..)
            .take_while(move |(k, _)| k.kind == kind && k.namespace == ns)
            .map(|(_, v)| v)
    }

    pub fn all(&self) -> impl Iterator<Item = &Stored> {
        self.objects.values()
    }

    fn next_resource_version(&mut self) -> String {
        let rv = self.next_rv;
        self.next_rv += 1;
        rv.to_string()
    }

    /// A deterministic UUID-shaped uid.
    fn next_uid(&mut self) -> String {
        let n = self.next_uid;
        self.next_uid += 1;
        format!("00000000-0000-4000-8000-{n:012x}")
    }

    /// Stores a new object, filling its system metadata.
    pub fn insert_new(&mut self, mut obj: Object, origin: Option<Origin>) -> ObjRef {
        let ts = self.timestamp();
        let uid = self.next_uid();
        let rv = self.next_resource_version();
        let meta = obj.meta_mut();
        meta.uid = Some(uid);
        meta.resource_version = Some(rv);
        meta.creation_timestamp = Some(ts);
        if has_generation(&obj) {
            obj.meta_mut().generation = Some(1);
        }
        let key = ObjRef::of(&obj);
        self.objects.insert(key.clone(), Stored { obj, origin });
        key
    }

    /// Replaces a stored object, bumping its resourceVersion (and generation when `spec_changed`).
    pub fn update(&mut self, mut obj: Object, spec_changed: bool) {
        let key = ObjRef::of(&obj);
        let rv = self.next_resource_version();
        obj.meta_mut().resource_version = Some(rv);
        if spec_changed && has_generation(&obj) {
            let g = obj.meta().generation.unwrap_or(0);
            obj.meta_mut().generation = Some(g.saturating_add(1));
        }
        match self.objects.get_mut(&key) {
            Some(s) => s.obj = obj,
            None => {
                self.objects.insert(key, Stored { obj, origin: None });
            }
        }
    }

    /// Changes a stored object in place through `f`; bumps resourceVersion when it changed.
    /// Returns whether anything changed.
    pub fn modify(&mut self, r: &ObjRef, f: impl FnOnce(&mut Object)) -> bool {
        let Some(stored) = self.objects.get(r) else {
            return false;
        };
        let mut obj = stored.obj.clone();
        f(&mut obj);
        if obj == stored.obj {
            return false;
        }
        self.update(obj, false);
        true
    }

    pub fn remove(&mut self, r: &ObjRef) -> Option<Stored> {
        self.objects.remove(r)
    }

    /// Records an event, folding it into an identical earlier one as client-go's event
    /// aggregator does.
    pub fn event(&mut self, type_: &str, reason: &str, obj: ObjRef, message: String, source: &str) {
        let now = self.now;
        if let Some(e) = self.events.iter_mut().find(|e| {
            e.involved_object == obj
                && e.reason == reason
                && e.message == message
                && e.type_ == type_
        }) {
            e.count = e.count.saturating_add(1);
            e.last_seen = now;
            return;
        }
        self.events.push(EventRecord {
            type_: type_.to_string(),
            reason: reason.to_string(),
            involved_object: obj,
            message,
            count: 1,
            source: source.to_string(),
            first_seen: now,
            last_seen: now,
        });
    }
}

/// Kinds whose `metadata.generation` the API server maintains (those with a spec it tracks).
fn has_generation(obj: &Object) -> bool {
    !matches!(
        obj,
        Object::Pod(_)
            | Object::Event(_)
            | Object::ConfigMap(_)
            | Object::Secret(_)
            | Object::Endpoints(_)
            | Object::ServiceAccount(_)
            | Object::Namespace(_)
            | Object::Node(_)
    )
}
