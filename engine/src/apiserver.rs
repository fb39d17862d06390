//! The simulated kube-apiserver: the request pipeline for create, update (apply) and delete.
//!
//! authenticate → decode (strict) → default → mutating admission → validation → validating
//! admission → persist. Follows `k8s.io/apiserver/pkg/endpoints/handlers/create.go`,
//! `patch.go` and `delete.go`, and kubectl's client-side apply
//! (`k8s.io/kubectl/pkg/cmd/apply/apply.go`, `patcher.go`: the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation and the three-way merge).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::admission::{self, Attributes, ClusterView, Operation, Phase, PluginStep, Registration};
use crate::controllers;
use crate::decode::{self, DecodeError};
use crate::defaults;
use crate::object::{KindInfo, Object};
use crate::scheduler::{Attempt, Profile};
use crate::settings::{Settings, UserInfo};
use crate::status::{ApiError, Reason};
use crate::store::{ObjRef, Origin, Store};
use crate::validation;

/// The annotation kubectl apply keeps the last applied manifest in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The simulated cluster: the store plus the control plane's configuration.
#[derive(Clone)]
pub struct Cluster {
    pub store: Store,
    pub settings: Settings,
    pub(crate) chain: Vec<&'static Registration>,
    /// Every scheduling attempt, in order.
    pub attempts: Vec<Attempt>,
    /// The admission trace of the last request for each object.
    pub admission: BTreeMap<ObjRef, Vec<PluginStep>>,
    /// Whether scheduling attempts are kept (the benchmark turns this off).
    pub record_traces: bool,
    /// Pods that did not fit, with the cluster fingerprint they were tried against.
    pub(crate) unschedulable: BTreeMap<ObjRef, u64>,
    /// Pods the scheduler assumed on a node while VolumeBinding's PreBind waits for their
    /// WaitForFirstConsumer claims to be provisioned and bound.
    /// Keyed by pod, with its uid (a pod recreated under the same name starts over) and node.
    pub(crate) waiting_on_volumes: BTreeMap<ObjRef, (String, String)>,
    /// The scheduler's `nextStartNodeIndex` (percentageOfNodesToScore).
    pub(crate) next_start_node_index: usize,
    /// `Warning:` lines admission returned for the last request.
    pub(crate) warnings: Vec<String>,
    /// What the API server only logged for the last request (kubefiddle's notes).
    pub(crate) logged: Vec<String>,
    /// kubefiddle's own explanations of the last step (what it does not simulate).
    pub(crate) explained: Vec<String>,
    /// What the controllers remember between rounds (their work queues).
    pub(crate) controller_state: controllers::State,
}

/// What an apply did.
#[derive(Clone, Debug, PartialEq)]
pub enum Applied {
    Created(ObjRef),
    Configured(ObjRef),
    Unchanged(ObjRef),
}

/// A failed apply: either kubectl refused it before sending, or the server rejected it.
#[derive(Clone, Debug, PartialEq)]
pub enum ApplyError {
    /// The request kubectl was making when the server refused it.
    Server { error: ApiError, when: When },
}

/// Which of kubectl apply's requests failed: the GET of the current object, the POST that
/// creates it, or the PATCH that updates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Retrieving,
    Creating,
    Patching,
}

impl Cluster {
    pub fn new(settings: Settings) -> Self {
        let (chain, _) = admission::enabled(&settings);
        let mut c = Cluster {
            store: Store::new(),
            settings,
            chain,
            attempts: Vec::new(),
            admission: BTreeMap::new(),
            record_traces: true,
            unschedulable: BTreeMap::new(),
            waiting_on_volumes: BTreeMap::new(),
            warnings: Default::default(),
            logged: Vec::new(),
            explained: Vec::new(),
            controller_state: controllers::State::default(),
            next_start_node_index: 0,
        };
        c.bootstrap();
        c
    }

    /// The namespaces and service accounts every cluster starts with.
    fn bootstrap(&mut self) {
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let v = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            if let Ok(mut obj) = decode_value(v) {
                defaults::apply(&mut obj);
                defaults::drop_disabled_fields(&mut obj, self.settings.minor);
                self.store.insert_new(obj, None);
            }
        }
        // The bootstrap RBAC policy (auth/bootstrap.rs: cluster-admin bound to system:masters,
        // admin/edit/view and their aggregated parts, discovery, basic-user, the controllers'
        // roles); kubeadm binds its kubeadm:cluster-admins group to cluster-admin since 1.29.
        let rbac = "rbac.authorization.k8s.io/v1";
        let mut policy = crate::auth::bootstrap::policy(self.settings.minor);
        if self.settings.minor >= 29 {
            policy.push(serde_json::json!({"apiVersion": rbac, "kind": "ClusterRoleBinding",
                "metadata": {"name": "kubeadm:cluster-admins"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "kubeadm:cluster-admins"}]}));
        }
        for v in policy {
            if let Ok(obj) = decode_value(v) {
                self.store.insert_new(obj, None);
            }
        }
        // kind's default StorageClass (kind's local-path-provisioner manifest): every kind
        // cluster starts with it, so claims without a class get `standard`.
        let v = serde_json::json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer"});
        if let Ok(mut obj) = decode_value(v) {
            defaults::apply(&mut obj);
            self.store.insert_new(obj, None);
        }
        // The API server's own PriorityClasses (pkg/apis/scheduling: SystemPriorityClasses).
        for (name, value, description) in [
            ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
            ("system-node-critical", 2_000_001_000, "Used for system critical pods that must not be moved from their current node."),
        ] {
            let v = serde_json::json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                "metadata": {"name": name}, "value": value, "description": description,
                "preemptionPolicy": "PreemptLowerPriority"});
            if let Ok(obj) = decode_value(v) {
                self.store.insert_new(obj, None);
            }
        }
    }

    /// Adds a node directly, as a kubelet registering itself would.
    pub fn register_node(&mut self, node: k8s_openapi::api::core::v1::Node) {
        let mut obj = Object::Node(Box::new(node));
        defaults::apply(&mut obj);
        self.store.insert_new(obj, None);
    }

    pub fn profile(&self) -> Profile {
        Profile::default_profile_for(self.settings.minor)
    }

    /// RBAC for the scenario's user (`--authorization-mode=Node,RBAC`); a denial is
    /// `errors.NewForbidden` with the authorizer's message.
    pub fn authorize(
        &self,
        verb: &str,
        info: &KindInfo,
        namespace: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        crate::auth::check(
            &self.store,
            &self.settings.user,
            verb,
            info,
            "",
            namespace,
            name,
        )
    }

    /// The part of every request after decoding: mutating admission, object validation, then
    /// validating admission (`k8s.io/apiserver/pkg/endpoints/handlers/create.go`). Records the
    /// admission trace and returns the object as admitted.
    fn admit_request(
        &mut self,
        operation: Operation,
        info: &'static KindInfo,
        key: &ObjRef,
        object: Option<Object>,
        old: Option<&Object>,
        user: &UserInfo,
    ) -> Result<Option<Object>, ApiError> {
        // Before the name is generated, admission names the object by its generateName
        // (admission.NewForbidden's extractResourceName).
        let generate_name = object
            .as_ref()
            .filter(|o| o.name().is_empty())
            .and_then(|o| o.meta().generate_name.clone());
        let mut attrs = Attributes {
            operation,
            kind: info,
            namespace: key.namespace.clone(),
            name: generate_name.clone().unwrap_or_else(|| key.name.clone()),
            subresource: String::new(),
            object,
            old_object: old,
            user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        let view = ClusterView {
            store: &self.store,
            settings: &self.settings,
        };
        let (mut trace, mutated) =
            admission::run_phase(&self.chain, Phase::Mutate, &mut attrs, &view);
        // The registry's BeforeCreate generates the name, then validates.
        if let (Ok(()), Some(prefix), Some(obj)) = (&mutated, &generate_name, attrs.object.as_mut())
        {
            let mut n = 0u32;
            let name = loop {
                let seed = format!("{prefix}{}/{n}", self.store.now);
                let candidate = format!("{prefix}{}", crate::controllers::name_suffix(&seed));
                if !self
                    .store
                    .contains(&ObjRef::new(info.kind, &key.namespace, &candidate))
                    || n > 1000
                {
                    break candidate;
                }
                n += 1;
            };
            obj.meta_mut().name = Some(name.clone());
            attrs.name = name;
        }
        let validated = mutated.and_then(|()| match (&attrs.object, operation, old) {
            (Some(obj), Operation::Create, _) => {
                validation::validate_create(obj, self.settings.minor)
            }
            (Some(obj), Operation::Update, Some(old)) => validation::validate_update(obj, old),
            _ => Ok(()),
        });
        let result = validated.and_then(|()| {
            let (t, r) = admission::run_phase(&self.chain, Phase::Validate, &mut attrs, &view);
            trace.extend(t);
            r
        });
        self.admission
            .insert(ObjRef::new(info.kind, &key.namespace, &attrs.name), trace);
        self.warnings.extend(attrs.warnings.take());
        self.logged.extend(attrs.notes.take());
        result.map(|()| attrs.object)
    }

    /// Admission of a CONNECT request (`ConnectResource` in
    /// `k8s.io/apiserver/pkg/endpoints/handlers/rest.go`): the mutating then the validating
    /// pass over the request's options object (`PodExecOptions` for `pods/exec`), named after
    /// the object it connects to. Nothing is stored, so no trace is kept.
    pub fn admit_connect(
        &mut self,
        info: &'static KindInfo,
        key: &ObjRef,
        subresource: &str,
        options: serde_json::Value,
    ) -> Result<(), ApiError> {
        let user = self.settings.user.clone();
        let mut attrs = Attributes {
            operation: Operation::Connect,
            kind: info,
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            subresource: subresource.to_string(),
            object: None,
            old_object: None,
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: Some(options),
        };
        let view = ClusterView {
            store: &self.store,
            settings: &self.settings,
        };
        let (_, mutated) = admission::run_phase(&self.chain, Phase::Mutate, &mut attrs, &view);
        let result = mutated
            .and_then(|()| admission::run_phase(&self.chain, Phase::Validate, &mut attrs, &view).1);
        self.warnings.extend(attrs.warnings.take());
        self.logged.extend(attrs.notes.take());
        result
    }

    /// The `Warning:` lines of the requests since the last call.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Adds kubefiddle's own explanation to the current step (an Info note).
    pub fn note(&mut self, message: String) {
        self.explained.push(message);
    }

    /// The explanations since the last call.
    pub fn take_explained(&mut self) -> Vec<String> {
        std::mem::take(&mut self.explained)
    }

    /// What the API server logged for the requests since the last call.
    pub fn take_logged(&mut self) -> Vec<String> {
        std::mem::take(&mut self.logged)
    }

    /// `kubectl apply` of one manifest already mapped to `info`.
    pub fn apply(
        &mut self,
        manifest: Value,
        info: &'static KindInfo,
        origin: Option<Origin>,
    ) -> Result<Applied, ApplyError> {
        let written = manifest.clone();
        self.apply_converted(manifest, written, info, origin)
    }

    /// `kubectl apply` of a manifest the API server converted from an older version
    /// (`written`): kubectl's last-applied annotation records what was written.
    pub fn apply_converted(
        &mut self,
        manifest: Value,
        written: Value,
        info: &'static KindInfo,
        origin: Option<Origin>,
    ) -> Result<Applied, ApplyError> {
        let mut manifest = client_prepare(manifest);
        let mut written = client_prepare(written);
        // kubectl fills in the namespace of its context for namespaced kinds.
        let namespace = if info.namespaced {
            let ns = manifest
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("default")
                .to_string();
            for m in [&mut manifest, &mut written] {
                set_path(m, &["metadata", "namespace"], Value::String(ns.clone()));
            }
            ns
        } else {
            String::new()
        };
        let name = manifest
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let key = ObjRef::new(info.kind, &namespace, &name);
        let last_applied = last_applied_json(&written);
        // The warning names the version the request was made in.
        let requested = written
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or(info.api_version);
        if let Some(w) =
            crate::object::deprecation_warning(requested, info.kind, self.settings.minor)
        {
            self.warnings.push(w);
        }
        // kubectl apply first GETs the object, then creates or patches it.
        self.authorize("get", info, &namespace, &name)
            .map_err(|error| ApplyError::Server {
                error,
                when: When::Retrieving,
            })?;
        match self.store.get(&key).map(|s| s.obj.clone()) {
            None => self
                .authorize("create", info, &namespace, "")
                .map(|()| self.auto_provision(info, &namespace))
                .and_then(|()| self.create(manifest, info, &last_applied, origin))
                .map_err(|error| ApplyError::Server {
                    error,
                    when: When::Creating,
                }),
            Some(current) => self
                .authorize("patch", info, &namespace, &name)
                .and_then(|()| self.update(manifest, info, current, &last_applied))
                .map_err(|error| ApplyError::Server {
                    error,
                    when: When::Patching,
                }),
        }
    }

    /// NamespaceAutoProvision creates a missing namespace before the chain runs (upstream's
    /// plugin creates it through a loopback client as `system:apiserver`).
    fn auto_provision(&mut self, info: &'static KindInfo, namespace: &str) {
        if namespace.is_empty()
            || !self
                .chain
                .iter()
                .any(|r| r.name == "NamespaceAutoProvision")
        {
            return;
        }
        let user = self.settings.user.clone();
        let attrs = Attributes {
            operation: Operation::Create,
            kind: info,
            namespace: namespace.to_string(),
            name: String::new(),
            subresource: String::new(),
            object: None,
            old_object: None,
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        let view = ClusterView {
            store: &self.store,
            settings: &self.settings,
        };
        let Some(ns) = admission::namespace_auto_provision::namespace_to_create(&attrs, &view)
        else {
            return;
        };
        let loopback = UserInfo {
            name: "system:apiserver".into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
        };
        if self
            .create_internal(Object::Namespace(Box::new(ns)), &loopback)
            .is_ok()
        {
            controllers::settle(self);
        }
    }

    fn create(
        &mut self,
        mut manifest: Value,
        info: &'static KindInfo,
        last_applied: &str,
        origin: Option<Origin>,
    ) -> Result<Applied, ApiError> {
        set_path(
            &mut manifest,
            &["metadata", "annotations", LAST_APPLIED],
            Value::String(last_applied.to_string()),
        );
        let mut obj = decode::decode(manifest, info).map_err(decode_error)?;
        defaults::apply(&mut obj);
        defaults::drop_disabled_fields(&mut obj, self.settings.minor);
        let key = ObjRef::of(&obj);
        let user = self.settings.user.clone();
        let obj = self
            .admit_request(Operation::Create, info, &key, Some(obj), None, &user)?
            .ok_or_else(removed)?;
        if self.store.contains(&key) {
            return Err(ApiError::already_exists(&info.resource(), &key.name));
        }
        self.store.insert_new(obj, origin);
        Ok(Applied::Created(key))
    }

    fn update(
        &mut self,
        manifest: Value,
        info: &'static KindInfo,
        current: Object,
        last_applied: &str,
    ) -> Result<Applied, ApiError> {
        let key = ObjRef::of(&current);
        let previous = current
            .meta()
            .annotations
            .as_ref()
            .and_then(|a| a.get(LAST_APPLIED))
            .cloned();
        if previous.as_deref() == Some(last_applied) {
            return Ok(Applied::Unchanged(key));
        }
        let previous_value: Value = previous
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or(Value::Null);
        let mut merged = current.to_value();
        three_way_merge(&mut merged, &previous_value, &manifest);
        set_path(
            &mut merged,
            &["metadata", "annotations", LAST_APPLIED],
            Value::String(last_applied.to_string()),
        );
        let mut obj = decode::decode(merged, info).map_err(decode_error)?;
        defaults::apply(&mut obj);
        defaults::drop_disabled_fields(&mut obj, self.settings.minor);
        let user = self.settings.user.clone();
        let obj = self
            .admit_request(
                Operation::Update,
                info,
                &key,
                Some(obj),
                Some(&current),
                &user,
            )?
            .ok_or_else(removed)?;
        let spec_changed = spec_of(&obj) != spec_of(&current);
        self.store.update(obj, spec_changed);
        Ok(Applied::Configured(key))
    }

    /// A create by a control-plane component (a controller making pods): defaulting, admission
    /// and validation as for any request, under the component's identity.
    pub fn create_internal(
        &mut self,
        mut obj: Object,
        user: &UserInfo,
    ) -> Result<ObjRef, ApiError> {
        defaults::apply(&mut obj);
        defaults::drop_disabled_fields(&mut obj, self.settings.minor);
        let info = obj.info();
        let key = ObjRef::of(&obj);
        let obj = self
            .admit_request(Operation::Create, info, &key, Some(obj), None, user)?
            .ok_or_else(removed)?;
        let key = ObjRef::of(&obj);
        if self.store.contains(&key) {
            return Err(ApiError::already_exists(&info.resource(), &key.name));
        }
        Ok(self.store.insert_new(obj, None))
    }

    /// `kubectl delete`: runs admission for DELETE, then marks or removes the object. Pods and
    /// namespaces are removed by their controllers when the cluster settles.
    pub fn delete(
        &mut self,
        info: &'static KindInfo,
        namespace: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        let key = ObjRef::new(info.kind, namespace, name);
        self.authorize("delete", info, namespace, name)?;
        let Some(current) = self.store.get(&key).map(|s| s.obj.clone()) else {
            return Err(ApiError::not_found(&info.resource(), name));
        };
        let user = self.settings.user.clone();
        self.admit_request(Operation::Delete, info, &key, None, Some(&current), &user)?;
        let now = self.store.timestamp();
        match &current {
            Object::Namespace(_) | Object::Pod(_) => {
                self.store.modify(&key, |o| {
                    if o.meta().deletion_timestamp.is_none() {
                        o.meta_mut().deletion_timestamp = Some(now);
                    }
                    if let Object::Namespace(ns) = o {
                        ns.status.get_or_insert_with(Default::default).phase =
                            Some("Terminating".into());
                    }
                    if let Object::Pod(p) = o {
                        let grace = p
                            .spec
                            .as_ref()
                            .and_then(|s| s.termination_grace_period_seconds);
                        o.meta_mut().deletion_grace_period_seconds = grace;
                    }
                });
            }
            // Finalizers (the storage protection ones): marked, removed once they are gone.
            Object::PersistentVolumeClaim(_) | Object::PersistentVolume(_)
                if current
                    .meta()
                    .finalizers
                    .as_ref()
                    .is_some_and(|f| !f.is_empty()) =>
            {
                self.store.modify(&key, |o| {
                    if o.meta().deletion_timestamp.is_none() {
                        o.meta_mut().deletion_timestamp = Some(now);
                    }
                });
            }
            _ => {
                self.store.remove(&key);
            }
        }
        Ok(())
    }

    /// A direct change to a stored object by a kubectl command (label, annotate, taint, cordon,
    /// scale), run through UPDATE admission like any update.
    pub fn patch(&mut self, key: &ObjRef, f: impl FnOnce(&mut Object)) -> Result<bool, ApiError> {
        if let Some(info) = crate::object::KINDS.iter().find(|k| k.kind == key.kind) {
            self.authorize("patch", info, &key.namespace, &key.name)?;
        }
        let Some(current) = self.store.get(key).map(|s| s.obj.clone()) else {
            let info = crate::object::KINDS.iter().find(|k| k.kind == key.kind);
            let resource = info.map(|i| i.resource()).unwrap_or_default();
            return Err(ApiError::not_found(&resource, &key.name));
        };
        let mut obj = current.clone();
        f(&mut obj);
        if obj == current {
            return Ok(false);
        }
        let user = self.settings.user.clone();
        let admitted = self.admit_request(
            Operation::Update,
            current.info(),
            key,
            Some(obj),
            Some(&current),
            &user,
        )?;
        if let Some(obj) = admitted {
            let spec_changed = spec_of(&obj) != spec_of(&current);
            self.store.update(obj, spec_changed);
        }
        Ok(true)
    }
}

fn removed() -> ApiError {
    ApiError::new(
        Reason::InternalError,
        "admission removed the object",
        "apiserver",
    )
}

fn spec_of(obj: &Object) -> Value {
    obj.to_value().get("spec").cloned().unwrap_or(Value::Null)
}

/// Decodes a JSON object of a served kind (for objects the control plane makes itself).
pub fn decode_value(v: Value) -> Result<Object, DecodeError> {
    let info = decode::mapping(&v, crate::settings::MAX_MINOR)?;
    decode::decode(v, info)
}

fn decode_error(e: DecodeError) -> ApiError {
    let field = e.field().map(str::to_string);
    let mut err = ApiError::new(
        Reason::BadRequest,
        e.server_message().unwrap_or_default(),
        "decoder",
    );
    err.field = field;
    err
}

/// What kubectl does to a manifest before sending it: go-yaml → a Go map → JSON sorts keys, and
/// client-side apply prunes null values.
pub fn client_prepare(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, client_prepare(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect::<Map<String, Value>>())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(client_prepare).collect()),
        other => other,
    }
}

/// The last-applied annotation's value: the manifest as JSON, with `metadata.annotations`
/// present (kubectl writes `"annotations":{}` when the manifest had none) and without the
/// annotation itself.
fn last_applied_json(manifest: &Value) -> String {
    let mut m = manifest.clone();
    if let Some(Value::Object(meta)) = m.get_mut("metadata") {
        let ann = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(a) = ann {
            a.remove(LAST_APPLIED);
        }
    }
    let m = client_prepare(m);
    serde_json::to_string(&m).unwrap_or_default()
}

/// Sets a value at a path of object keys, creating objects on the way.
pub fn set_path(v: &mut Value, path: &[&str], value: Value) {
    let mut cur = v;
    for (i, key) in path.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else { return };
        if i + 1 == path.len() {
            map.insert((*key).to_string(), value);
            return;
        }
        cur = map
            .entry((*key).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// kubectl's three-way merge: fields removed from the manifest since the last apply are
/// removed, fields in the manifest are set, fields only the server set (status, defaults,
/// admission's changes) stay. Lists with a strategic-merge key (containers by `name`,
/// volumeMounts by `mountPath`, …: the `patchMergeKey` tags of k8s.io/api core/v1/types.go)
/// are merged item by item, so that a server-added volume or mount survives an apply; other
/// lists are replaced whole.
fn three_way_merge(current: &mut Value, last: &Value, new: &Value) {
    let (Value::Object(cur), Value::Object(newm)) = (&mut *current, new) else {
        *current = new.clone();
        return;
    };
    if let Value::Object(lastm) = last {
        for k in lastm.keys() {
            if !newm.contains_key(k) {
                cur.remove(k);
            }
        }
    }
    for (k, nv) in newm {
        let lv = last.get(k).unwrap_or(&Value::Null);
        match cur.get_mut(k) {
            Some(cv) if cv.is_object() && nv.is_object() => three_way_merge(cv, lv, nv),
            Some(Value::Array(citems)) if nv.is_array() => match merge_key(k, nv) {
                Some(key) => merge_keyed_list(citems, lv, nv, key),
                None => *citems = nv.as_array().cloned().unwrap_or_default(),
            },
            _ => {
                cur.insert(k.clone(), nv.clone());
            }
        }
    }
}

/// The strategic-merge key of a list field, if it has one.
fn merge_key(field: &str, items: &Value) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "ports" => {
            let first = items.as_array().and_then(|a| a.first());
            if first.and_then(|f| f.get("containerPort")).is_some() {
                Some("containerPort")
            } else {
                Some("port")
            }
        }
        _ => None,
    }
}

fn merge_keyed_list(current: &mut Vec<Value>, last: &Value, new: &Value, key: &str) {
    let empty = Vec::new();
    let new_items = new.as_array().unwrap_or(&empty);
    let last_items = last.as_array().unwrap_or(&empty);
    let id = |v: &Value| v.get(key).cloned();
    let mut result: Vec<Value> = Vec::new();
    for n in new_items {
        let nid = id(n);
        let l = last_items
            .iter()
            .find(|l| id(l) == nid)
            .unwrap_or(&Value::Null);
        match current.iter().find(|c| id(c) == nid) {
            Some(c) => {
                let mut merged = c.clone();
                three_way_merge(&mut merged, l, n);
                result.push(merged);
            }
            None => result.push(n.clone()),
        }
    }
    // Items only the server added stay; items the user removed since the last apply go.
    for c in current.iter() {
        let cid = id(c);
        let in_new = new_items.iter().any(|n| id(n) == cid);
        let user_removed = last_items.iter().any(|l| id(l) == cid);
        if !in_new && !user_removed {
            result.push(c.clone());
        }
    }
    *current = result;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubectl_sorts_keys_and_prunes_nulls() {
        let v = client_prepare(json!({"b": 1, "a": {"z": null, "y": [ {"d": 1, "c": null} ]}}));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":{"y":[{"d":1}]},"b":1}"#
        );
    }

    #[test]
    fn containers_merge_by_name_and_keep_server_added_mounts() {
        let mut cur = json!({"spec": {"containers": [{"name": "a", "image": "v1",
            "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access-x"}]}],
            "volumes": [{"name": "kube-api-access-x"}]}});
        let last = json!({"spec": {"containers": [{"name": "a", "image": "v1"}]}});
        let new = json!({"spec": {"containers": [{"name": "a", "image": "v2"}]}});
        three_way_merge(&mut cur, &last, &new);
        assert_eq!(cur["spec"]["containers"][0]["image"], "v2");
        assert_eq!(
            cur["spec"]["containers"][0]["volumeMounts"][0]["name"],
            "kube-api-access-x"
        );
        assert_eq!(cur["spec"]["volumes"][0]["name"], "kube-api-access-x");
    }

    #[test]
    fn three_way_merge_keeps_server_fields_and_drops_removed_ones() {
        let mut cur = json!({"metadata": {"labels": {"a": "1", "b": "2"}, "uid": "u"}, "status": {"phase": "Running"}});
        let last = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        let new = json!({"metadata": {"labels": {"a": "3"}}});
        three_way_merge(&mut cur, &last, &new);
        assert_eq!(
            cur,
            json!({"metadata": {"labels": {"a": "3"}, "uid": "u"}, "status": {"phase": "Running"}})
        );
    }
}

#[cfg(test)]
mod trace_tests {
    use crate::scenario::{run, Input};
    use crate::store::ObjRef;

    /// A namespace with a LimitRange and a ResourceQuota: LimitRanger fills in the first pod's
    /// requests, the quota refuses the second (shared with the app's model tests).
    const SCENARIO: &str = include_str!("../tests/fixtures/team-quota.yaml");

    fn trace(kind: &str, ns: &str, name: &str) -> Vec<(String, &'static str, &'static str)> {
        let r = run(&[Input::new("s.yaml", SCENARIO)]);
        r.cluster
            .admission
            .get(&ObjRef::new(kind, ns, name))
            .map(|t| {
                t.iter()
                    .map(|s| (s.plugin.clone(), s.phase, s.verdict))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_pod_the_quota_rejects_keeps_its_trace_ending_with_the_rejecting_plugin() {
        let r = run(&[Input::new("s.yaml", SCENARIO)]);
        let t = r
            .cluster
            .admission
            .get(&ObjRef::new("Pod", "team", "big"))
            .cloned()
            .unwrap_or_default();
        let last = t.last().map(|s| (s.plugin.as_str(), s.phase, s.verdict));
        assert_eq!(last, Some(("ResourceQuota", "validate", "rejected")));
        let message = t.last().and_then(|s| s.message.clone()).unwrap_or_default();
        assert!(message.contains("exceeded quota: compute"), "{message}");
        // The rejected pod was not stored, but its mutations are still in the trace.
        assert!(!r.cluster.store.contains(&ObjRef::new("Pod", "team", "big")));
        assert!(t
            .iter()
            .any(|s| s.plugin == "LimitRanger" && s.verdict == "mutated"));
    }

    #[test]
    fn an_admitted_pod_keeps_the_trace_of_its_create_with_limit_rangers_before_and_after() {
        let r = run(&[Input::new("s.yaml", SCENARIO)]);
        let t = r
            .cluster
            .admission
            .get(&ObjRef::new("Pod", "team", "web"))
            .cloned()
            .unwrap_or_default();
        let lr = t
            .iter()
            .find(|s| s.plugin == "LimitRanger" && s.phase == "mutate");
        let lr = lr.map(|s| (s.verdict, s.before.clone(), s.after.clone()));
        let Some(("mutated", Some(before), Some(after))) = lr else {
            panic!("no LimitRanger mutation in {t:?}");
        };
        assert_eq!(
            before.pointer("/spec/containers/0/resources/requests"),
            None
        );
        assert_eq!(
            after.pointer("/spec/containers/0/resources/requests/cpu"),
            Some(&serde_json::json!("250m"))
        );
        assert!(trace("Pod", "team", "web")
            .iter()
            .all(|(_, _, verdict)| *verdict != "rejected"));
    }

    #[test]
    fn pod_securitys_warning_belongs_to_its_validating_step() {
        let scenario = "apiVersion: v1
kind: Namespace
metadata:
  name: dev
  labels:
    pod-security.kubernetes.io/warn: restricted
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: dev
spec:
  containers:
  - name: nginx
    image: nginx
";
        let r = run(&[Input::new("s.yaml", scenario)]);
        let t = r
            .cluster
            .admission
            .get(&ObjRef::new("Pod", "dev", "web"))
            .cloned()
            .unwrap_or_default();
        let psa: Vec<_> = t.iter().filter(|s| s.plugin == "PodSecurity").collect();
        assert_eq!(psa.len(), 1, "{t:?}");
        assert_eq!((psa[0].phase, psa[0].verdict), ("validate", "admitted"));
        assert_eq!(psa[0].warnings.len(), 1, "{:?}", psa[0].warnings);
        assert!(psa[0].warnings[0].starts_with("would violate PodSecurity \"restricted:latest\""));
        assert!(t
            .iter()
            .filter(|s| s.plugin != "PodSecurity")
            .all(|s| s.warnings.is_empty()));
        let result = r.results.iter().find(|x| x.name == "web");
        assert_eq!(
            result.map(|x| x.warnings.clone()),
            Some(psa[0].warnings.clone())
        );
    }

    #[test]
    fn a_webhook_that_fails_open_admits_the_pod_with_a_note_and_a_trace_message() {
        let scenario = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: demo
webhooks:
- name: check.example.com
  failurePolicy: Ignore
  sideEffects: None
  admissionReviewVersions: [\"v1\"]
  clientConfig:
    service:
      namespace: default
      name: checker
      path: /validate
  rules:
  - operations: [\"CREATE\"]
    apiGroups: [\"\"]
    apiVersions: [\"v1\"]
    resources: [\"pods\"]
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx
";
        let r = run(&[Input::new("s.yaml", scenario)]);
        let pod = r.results.iter().find(|x| x.name == "web");
        assert_eq!(
            pod.and_then(|p| p.message.clone()).as_deref(),
            Some("pod/web created")
        );
        let note = r
            .notes
            .iter()
            .find(|n| n.message.contains("\"check.example.com\""));
        let note = note.map(|n| (n.line, n.message.clone()));
        let Some((21, message)) = note else {
            panic!("no note on line 21: {:?}", r.notes);
        };
        assert!(
            message.contains("failed calling webhook \"check.example.com\""),
            "{message}"
        );
        let t = r
            .cluster
            .admission
            .get(&ObjRef::new("Pod", "default", "web"))
            .cloned()
            .unwrap_or_default();
        let step = t
            .iter()
            .find(|s| s.plugin == "ValidatingAdmissionWebhook")
            .map(|s| (s.verdict, s.message.clone().unwrap_or_default()));
        let Some(("admitted", msg)) = step else {
            panic!("{t:?}");
        };
        assert!(msg.contains("failurePolicy is Ignore"), "{msg}");
    }
}
