//! AlwaysAdmit: lets every request through, in both passes. Deprecated since 1.13 ("it has no
//! real meaning": the chain behaves exactly as without it).
//!
//! Follows `plugin/pkg/admission/admit/admission.go` in kubernetes/kubernetes: it handles every
//! operation and its `Admit` and `Validate` always return nil.

use super::{Operation, Plugin};

pub struct AlwaysAdmit;

impl Plugin for AlwaysAdmit {
    fn name(&self) -> &'static str {
        "AlwaysAdmit"
    }

    fn handles(&self, _op: Operation) -> bool {
        true
    }

    fn mutating(&self) -> bool {
        true
    }

    fn validating(&self) -> bool {
        true
    }
}

/// Table-test helpers shared by this batch of plugins (AlwaysAdmit … ImagePolicyWebhook): one
/// request of any kind and operation, through one plugin's mutating then validating pass, in a
/// fresh cluster with the given settings (version, AdmissionConfiguration) and objects.
#[cfg(test)]
pub(crate) mod table {
    use std::collections::BTreeMap;

    use serde_json::{json, Value};

    use crate::admission::{run_phase, Attributes, ClusterView, Operation, Phase, Plugin};
    use crate::admission::{PluginStep, Registration};
    use crate::apiserver::{decode_value, Cluster};
    use crate::object::Object;
    use crate::settings::{Settings, UserInfo};
    use crate::status::ApiError;

    pub struct Req {
        pub op: Operation,
        pub object: Option<Value>,
        pub old: Option<Value>,
        pub objects: Vec<Value>,
        pub settings: Settings,
        pub subresource: String,
        /// Seconds of logical time between the stored objects and the request.
        pub later: i64,
    }

    impl Req {
        pub fn create(object: Value) -> Self {
            Req {
                op: Operation::Create,
                object: Some(object),
                old: None,
                objects: Vec::new(),
                settings: Settings::default(),
                subresource: String::new(),
                later: 0,
            }
        }

        /// An update of `old` (stored first) to `object`.
        pub fn update(object: Value, old: Value) -> Self {
            Req {
                op: Operation::Update,
                old: Some(old),
                ..Req::create(object)
            }
        }

        /// A delete of `old` (stored first).
        pub fn delete(old: Value) -> Self {
            Req {
                op: Operation::Delete,
                object: None,
                old: Some(old),
                ..Req::create(Value::Null)
            }
        }

        pub fn with(mut self, objects: &[Value]) -> Self {
            self.objects.extend_from_slice(objects);
            self
        }

        /// The plugin's `configuration` in the AdmissionConfiguration.
        pub fn config(mut self, plugin: &str, config: Value) -> Self {
            self.settings
                .admission_config
                .insert(plugin.to_string(), config);
            self
        }

        pub fn minor(mut self, minor: u32) -> Self {
            self.settings.minor = minor;
            self
        }

        pub fn subresource(mut self, s: &str) -> Self {
            self.subresource = s.to_string();
            self
        }

        pub fn later(mut self, secs: i64) -> Self {
            self.later = secs;
            self
        }
    }

    fn decode(v: &Value) -> Object {
        let mut obj = decode_value(v.clone()).unwrap_or_else(|e| panic!("bad fixture {v}: {e:?}"));
        crate::defaults::apply(&mut obj);
        obj
    }

    /// What one request did: the admitted object (JSON, `null` for a delete) or the error, and
    /// the trace of the plugin.
    pub struct Outcome {
        pub result: Result<Value, ApiError>,
        pub trace: Vec<PluginStep>,
    }

    pub fn run_traced(plugin: &'static dyn Plugin, req: Req) -> Outcome {
        let mut c = Cluster::new(req.settings.clone());
        for o in &req.objects {
            c.store.insert_new(decode(o), None);
        }
        c.store.advance(req.later);
        let old = req.old.as_ref().map(|o| {
            let key = c.store.insert_new(decode(o), None);
            c.store
                .get(&key)
                .map(|s| s.obj.clone())
                .unwrap_or_else(|| decode(o))
        });
        let object = req.object.as_ref().filter(|v| !v.is_null()).map(decode);
        let any = object
            .as_ref()
            .or(old.as_ref())
            .expect("a request needs an object")
            .clone();
        let reg: &'static Registration = Box::leak(Box::new(Registration {
            name: plugin.name(),
            default_on: true,
            plugin: Some(plugin),
            versions: (0, u32::MAX),
        }));
        let user: UserInfo = req.settings.user.clone();
        let mut a = Attributes {
            operation: req.op,
            kind: any.info(),
            namespace: any.namespace().unwrap_or("").to_string(),
            name: any.name().to_string(),
            subresource: req.subresource.clone(),
            object,
            old_object: old.as_ref(),
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        let view = ClusterView {
            store: &c.store,
            settings: &c.settings,
        };
        let mut trace = Vec::new();
        for phase in [Phase::Mutate, Phase::Validate] {
            let (t, r) = run_phase(&[reg], phase, &mut a, &view);
            trace.extend(t);
            if let Err(e) = r {
                return Outcome {
                    result: Err(e),
                    trace,
                };
            }
        }
        Outcome {
            result: Ok(a
                .object
                .as_ref()
                .map(Object::to_value)
                .unwrap_or(Value::Null)),
            trace,
        }
    }

    pub fn run_full(plugin: &'static dyn Plugin, req: Req) -> Result<Value, ApiError> {
        run_traced(plugin, req).result
    }

    /// The admitted object, or the error's message.
    pub fn run(plugin: &'static dyn Plugin, req: Req) -> Result<Value, String> {
        run_full(plugin, req).map_err(|e| e.message)
    }

    /// A pod named `p` in `default` with this spec.
    pub fn pod(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "default"}, "spec": spec})
    }

    /// A pod in `namespace` with this spec.
    pub fn pod_in(namespace: &str, spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": namespace}, "spec": spec})
    }

    /// A namespace with these annotations.
    pub fn namespace(name: &str, annotations: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "annotations": annotations}})
    }

    /// One plain container.
    pub fn containers() -> Value {
        json!([{"name": "c", "image": "nginx"}])
    }

    /// A ConfigMap, for "leaves other kinds alone" rows.
    pub fn config_map() -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cm", "namespace": "default"}, "data": {"a": "b"}})
    }

    pub fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::table::{config_map, containers, pod, run_traced, Req};
    use super::*;
    use serde_json::json;

    #[test]
    fn every_request_is_admitted_unchanged_in_both_passes() {
        let p = pod(json!({"containers": containers()}));
        let out = run_traced(&AlwaysAdmit, Req::create(p.clone()));
        let got = out.result.unwrap();
        assert_eq!(got["spec"]["containers"][0]["image"], "nginx");
        let phases: Vec<_> = out.trace.iter().map(|s| (s.phase, s.verdict)).collect();
        assert_eq!(phases, [("mutate", "admitted"), ("validate", "admitted")]);
        assert!(run_traced(&AlwaysAdmit, Req::delete(config_map()))
            .result
            .is_ok());
    }

    /// The plugin lists `kube-apiserver -h` prints for `--enable-admission-plugins`: the
    /// default-on set in `AllOrderedPlugins` order, and every plugin, sorted.
    #[test]
    fn the_registry_matches_kube_apiserver_of_each_version() {
        use crate::admission::{enabled, REGISTRY};
        use crate::settings::Settings;
        let defaults = |minor: u32| -> Vec<String> {
            let s = Settings {
                minor,
                ..Settings::default()
            };
            enabled(&s).0.iter().map(|r| r.name.to_string()).collect()
        };
        let all = |minor: u32| -> Vec<String> {
            let mut names: Vec<String> = REGISTRY
                .iter()
                .filter(|r| r.exists_in(minor))
                .map(|r| r.name.to_string())
                .collect();
            names.sort_unstable();
            names
        };
        let split = |s: &str| -> Vec<String> { s.split(", ").map(String::from).collect() };
        let v124 = "NamespaceLifecycle, LimitRanger, ServiceAccount, TaintNodesByCondition, PodSecurity, Priority, DefaultTolerationSeconds, DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize, RuntimeClass, CertificateApproval, CertificateSigning, CertificateSubjectRestriction, DefaultIngressClass, MutatingAdmissionWebhook, ValidatingAdmissionWebhook, ResourceQuota";
        assert_eq!(defaults(24), split(v124));
        // PodSecurity is on from 1.22 (inert there: its feature gate was alpha).
        let v120 = v124.replace("PodSecurity, ", "");
        assert_eq!(defaults(20), split(&v120));
        assert_eq!(defaults(21), split(&v120));
        assert_eq!(defaults(22), split(v124));
        assert_eq!(defaults(23), split(v124));
        assert_eq!(defaults(25), split(v124));
        let v126 = v124.replace(
            "MutatingAdmissionWebhook, ",
            "MutatingAdmissionWebhook, ValidatingAdmissionPolicy, ",
        );
        assert_eq!(defaults(26), split(&v126));
        let v127 = v126.replace(
            "CertificateSigning, ",
            "CertificateSigning, ClusterTrustBundleAttest, ",
        );
        for minor in 27..=31 {
            assert_eq!(defaults(minor), split(&v127), "1.{minor}");
        }
        let v132 = v127.replace(
            "DefaultIngressClass, ",
            "DefaultIngressClass, MutatingAdmissionPolicy, ",
        );
        assert_eq!(defaults(32), split(&v132));
        let v133 = v132.replace(
            "DefaultIngressClass, ",
            "DefaultIngressClass, PodTopologyLabels, ",
        );
        assert_eq!(defaults(33), split(&v133));
        assert_eq!(defaults(34), split(&v133));
        let all124 = "AlwaysAdmit, AlwaysDeny, AlwaysPullImages, CertificateApproval, CertificateSigning, CertificateSubjectRestriction, DefaultIngressClass, DefaultStorageClass, DefaultTolerationSeconds, DenyServiceExternalIPs, EventRateLimit, ExtendedResourceToleration, ImagePolicyWebhook, LimitPodHardAntiAffinityTopology, LimitRanger, MutatingAdmissionWebhook, NamespaceAutoProvision, NamespaceExists, NamespaceLifecycle, NodeRestriction, OwnerReferencesPermissionEnforcement, PersistentVolumeClaimResize, PersistentVolumeLabel, PodNodeSelector, PodSecurity, PodSecurityPolicy, PodTolerationRestriction, Priority, ResourceQuota, RuntimeClass, SecurityContextDeny, ServiceAccount, StorageObjectInUseProtection, TaintNodesByCondition, ValidatingAdmissionWebhook";
        assert_eq!(all(24), split(all124));
        // 1.20: the exec plugins, no DenyServiceExternalIPs (1.21), no PodSecurity (1.22).
        let all120 = all124
            .replace(
                "DenyServiceExternalIPs, ",
                "DenyEscalatingExec, DenyExecOnPrivileged, ",
            )
            .replace("PodSecurity, ", "");
        assert_eq!(all(20), split(&all120));
        let all121 = all124.replace("PodSecurity, ", "");
        assert_eq!(all(21), split(&all121));
        assert_eq!(all(22), split(all124));
        let all131 = "AlwaysAdmit, AlwaysDeny, AlwaysPullImages, CertificateApproval, CertificateSigning, CertificateSubjectRestriction, ClusterTrustBundleAttest, DefaultIngressClass, DefaultStorageClass, DefaultTolerationSeconds, DenyServiceExternalIPs, EventRateLimit, ExtendedResourceToleration, ImagePolicyWebhook, LimitPodHardAntiAffinityTopology, LimitRanger, MutatingAdmissionWebhook, NamespaceAutoProvision, NamespaceExists, NamespaceLifecycle, NodeRestriction, OwnerReferencesPermissionEnforcement, PersistentVolumeClaimResize, PodNodeSelector, PodSecurity, PodTolerationRestriction, Priority, ResourceQuota, RuntimeClass, ServiceAccount, StorageObjectInUseProtection, TaintNodesByCondition, ValidatingAdmissionPolicy, ValidatingAdmissionWebhook";
        assert_eq!(all(31), split(all131));
        let all134 = "AlwaysAdmit, AlwaysDeny, AlwaysPullImages, CertificateApproval, CertificateSigning, CertificateSubjectRestriction, ClusterTrustBundleAttest, DefaultIngressClass, DefaultStorageClass, DefaultTolerationSeconds, DenyServiceExternalIPs, EventRateLimit, ExtendedResourceToleration, ImagePolicyWebhook, LimitPodHardAntiAffinityTopology, LimitRanger, MutatingAdmissionPolicy, MutatingAdmissionWebhook, NamespaceAutoProvision, NamespaceExists, NamespaceLifecycle, NodeRestriction, OwnerReferencesPermissionEnforcement, PersistentVolumeClaimResize, PodNodeSelector, PodSecurity, PodTolerationRestriction, PodTopologyLabels, Priority, ResourceQuota, RuntimeClass, ServiceAccount, StorageObjectInUseProtection, TaintNodesByCondition, ValidatingAdmissionPolicy, ValidatingAdmissionWebhook";
        assert_eq!(all(34), split(all134));
        // Removed before 1.20: PodPreset.
        assert!(REGISTRY.iter().all(|r| r.name != "PodPreset"));
        for (name, last) in [
            ("DenyEscalatingExec", 20),
            ("DenyExecOnPrivileged", 20),
            ("PodSecurityPolicy", 24),
            ("SecurityContextDeny", 29),
            ("PersistentVolumeLabel", 30),
        ] {
            assert!(
                all(last).iter().any(|n| n == name) && !all(last + 1).iter().any(|n| n == name),
                "{name}"
            );
        }
    }

    #[test]
    fn it_handles_every_operation() {
        for op in [
            Operation::Create,
            Operation::Update,
            Operation::Delete,
            Operation::Connect,
        ] {
            assert!(AlwaysAdmit.handles(op));
        }
    }
}
