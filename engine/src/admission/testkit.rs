//! Table-test helpers for the storage, certificates, network, node and ownerReference plugins:
//! one request of any kind, operation, subresource and user, through one plugin's mutating then
//! validating pass, in a fresh cluster holding some objects.

use serde_json::Value;

use super::{run_phase, Attributes, ClusterView, Operation, Phase, Plugin, Registration};
use crate::apiserver::{decode_value, Cluster};
use crate::object::Object;
use crate::settings::{Settings, UserInfo, DEFAULT_MINOR};
use crate::status::ApiError;

/// One request to admit.
pub struct Request {
    operation: Operation,
    object: Option<Value>,
    old: Option<Value>,
    subresource: String,
    objects: Vec<Value>,
    later: Vec<Value>,
    minor: u32,
    user: UserInfo,
    /// For a CONNECT: the pod connected to (also stored).
    connect: Option<Value>,
}

impl Request {
    fn new(operation: Operation, object: Option<Value>, old: Option<Value>) -> Self {
        Request {
            operation,
            object,
            old,
            subresource: String::new(),
            objects: Vec::new(),
            later: Vec::new(),
            minor: DEFAULT_MINOR,
            user: UserInfo::default(),
            connect: None,
        }
    }

    /// A CONNECT to `pods/<subresource>` of `pod` (stored first), as `kubectl exec` and
    /// `kubectl attach` send it.
    pub fn connect(pod: Value, subresource: &str) -> Self {
        let mut r = Request::new(Operation::Connect, None, None);
        r.subresource = subresource.to_string();
        r.objects.push(pod.clone());
        r.connect = Some(pod);
        r
    }

    pub fn create(object: Value) -> Self {
        Request::new(Operation::Create, Some(object), None)
    }

    /// An update of `old` (stored first) to `object`.
    pub fn update(object: Value, old: Value) -> Self {
        Request::new(Operation::Update, Some(object), Some(old))
    }

    /// A delete of `old` (stored first).
    pub fn delete(old: Value) -> Self {
        Request::new(Operation::Delete, None, Some(old))
    }

    /// Objects the cluster holds before the request.
    pub fn with(mut self, objects: &[Value]) -> Self {
        self.objects.extend_from_slice(objects);
        self
    }

    /// Objects created ten seconds after the others.
    pub fn later(mut self, objects: &[Value]) -> Self {
        self.later.extend_from_slice(objects);
        self
    }

    pub fn minor(mut self, minor: u32) -> Self {
        self.minor = minor;
        self
    }

    pub fn subresource(mut self, s: &str) -> Self {
        self.subresource = s.to_string();
        self
    }

    pub fn user(mut self, name: &str, groups: &[&str]) -> Self {
        self.user = UserInfo {
            name: name.to_string(),
            groups: groups.iter().map(|g| (*g).to_string()).collect(),
        };
        self
    }
}

fn decode(v: &Value) -> Object {
    let mut obj = decode_value(v.clone()).unwrap_or_else(|e| panic!("bad fixture {v}: {e:?}"));
    crate::defaults::apply(&mut obj);
    obj
}

/// Stores a fixture; a `metadata.uid` it gives is kept.
fn insert(c: &mut Cluster, v: &Value) -> crate::store::ObjRef {
    let key = c.store.insert_new(decode(v), None);
    if let Some(uid) = v.pointer("/metadata/uid").and_then(Value::as_str) {
        c.store
            .modify(&key, |o| o.meta_mut().uid = Some(uid.to_string()));
    }
    key
}

/// Runs the plugin on the request; the admitted object as JSON (`null` for a delete), or the
/// whole error.
pub fn run_full(plugin: &'static dyn Plugin, req: Request) -> Result<Value, ApiError> {
    let settings = Settings {
        minor: req.minor,
        ..Settings::default()
    };
    let mut c = Cluster::new(settings);
    for o in &req.objects {
        insert(&mut c, o);
    }
    if !req.later.is_empty() {
        c.store.advance(10);
        for o in &req.later {
            insert(&mut c, o);
        }
    }
    let old = req.old.as_ref().map(|o| {
        let key = insert(&mut c, o);
        c.store
            .get(&key)
            .map(|s| s.obj.clone())
            .unwrap_or_else(|| decode(o))
    });
    let mut object = req.object.as_ref().map(decode);
    // An update carries the stored object's system metadata, as a client's GET-modify-PUT does.
    if let (Some(new), Some(old)) = (object.as_mut(), old.as_ref()) {
        let (meta, stored) = (new.meta_mut(), old.meta());
        meta.uid = meta.uid.take().or_else(|| stored.uid.clone());
        meta.creation_timestamp = meta
            .creation_timestamp
            .take()
            .or_else(|| stored.creation_timestamp.clone());
        meta.resource_version = meta
            .resource_version
            .take()
            .or_else(|| stored.resource_version.clone());
        meta.generation = meta.generation.or(stored.generation);
    }
    let target = req.connect.as_ref().map(decode);
    let Some(any) = object.as_ref().or(old.as_ref()).or(target.as_ref()) else {
        panic!("a request needs an object");
    };
    let reg: &'static Registration = Box::leak(Box::new(Registration {
        name: plugin.name(),
        default_on: true,
        plugin: Some(plugin),
        versions: (0, u32::MAX),
    }));
    let mut a = Attributes {
        operation: req.operation,
        kind: any.info(),
        namespace: any.namespace().unwrap_or("").to_string(),
        name: any.name().to_string(),
        subresource: req.subresource.clone(),
        object,
        old_object: old.as_ref(),
        user: &req.user,
        warnings: Default::default(),
        notes: Default::default(),
        options: None,
    };
    let view = ClusterView {
        store: &c.store,
        settings: &c.settings,
    };
    for phase in [Phase::Mutate, Phase::Validate] {
        run_phase(&[reg], phase, &mut a, &view).1?;
    }
    Ok(a.object
        .as_ref()
        .map(Object::to_value)
        .unwrap_or(Value::Null))
}

/// Runs the plugin on the request; the admitted object, or the error's message.
pub fn run(plugin: &'static dyn Plugin, req: Request) -> Result<Value, String> {
    run_full(plugin, req).map_err(|e| e.message)
}

/// Merges `patch` into `target` like a JSON merge patch: objects key by key, `null` removes,
/// anything else replaces.
pub fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(&k);
                } else {
                    merge(t.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p,
    }
}
