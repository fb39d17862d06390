//! Table tests for the webhook plugins, and a harness the ValidatingAdmissionPolicy tests share.

use serde_json::{json, Value};

use super::super::mutating_admission_webhook::MutatingAdmissionWebhook;
use super::super::validating_admission_webhook::ValidatingAdmissionWebhook;
use super::super::{run_phase, Attributes, ClusterView, Operation, Phase, Plugin, Registration};
use crate::apiserver::{decode_value, Cluster};
use crate::object::Object;
use crate::settings::{Settings, UserInfo};
use crate::status::ApiError;

/// One request through one plugin: `object` (CREATE), `object` over `old` (UPDATE) or `old`
/// alone (DELETE), in a cluster also holding `objects`.
pub struct Req {
    pub op: Operation,
    pub object: Option<Value>,
    pub old: Option<Value>,
    pub objects: Vec<Value>,
    pub user: UserInfo,
}

impl Req {
    pub fn create(object: Value, objects: &[Value]) -> Self {
        Req {
            op: Operation::Create,
            object: Some(object),
            old: None,
            objects: objects.to_vec(),
            user: UserInfo::default(),
        }
    }

    pub fn update(object: Value, old: Value, objects: &[Value]) -> Self {
        Req {
            op: Operation::Update,
            object: Some(object),
            old: Some(old),
            objects: objects.to_vec(),
            user: UserInfo::default(),
        }
    }

    pub fn delete(old: Value, objects: &[Value]) -> Self {
        Req {
            op: Operation::Delete,
            object: None,
            old: Some(old),
            objects: objects.to_vec(),
            user: UserInfo::default(),
        }
    }
}

fn decode(v: &Value) -> Object {
    let mut obj = decode_value(v.clone()).unwrap_or_else(|e| panic!("bad fixture {v}: {e:?}"));
    crate::defaults::apply(&mut obj);
    obj
}

/// The plugin's mutating then validating pass: the error, and the warnings.
pub fn admit(plugin: &'static dyn Plugin, req: Req) -> (Result<(), ApiError>, Vec<String>) {
    let mut c = Cluster::new(Settings::default());
    for o in &req.objects {
        c.store.insert_new(decode(o), None);
    }
    let old = req.old.as_ref().map(decode);
    let object = req.object.as_ref().map(decode);
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
    let mut a = Attributes {
        operation: req.op,
        kind: any.info(),
        namespace: any.namespace().unwrap_or("").to_string(),
        name: any.name().to_string(),
        subresource: String::new(),
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
    let mut result = Ok(());
    for phase in [Phase::Mutate, Phase::Validate] {
        if let Err(e) = run_phase(&[reg], phase, &mut a, &view).1 {
            result = Err(e);
            break;
        }
    }
    (result, a.warnings.take())
}

pub fn pod(name: &str, namespace: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": labels},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
}

pub fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn validating(name: &str, webhooks: Value) -> Value {
    json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
           "metadata": {"name": name}, "webhooks": webhooks})
}

fn mutating(name: &str, webhooks: Value) -> Value {
    json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
           "metadata": {"name": name}, "webhooks": webhooks})
}

/// A webhook on pods CREATE, served by `svc` in `webhooks` at `/validate`.
fn hook(name: &str, extra: Value) -> Value {
    let mut h = json!({
        "name": name,
        "clientConfig": {"service": {"name": "svc", "namespace": "webhooks", "path": "/validate"}},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
    });
    crate::admission::testkit::merge(&mut h, extra);
    h
}

fn message(r: (Result<(), ApiError>, Vec<String>)) -> Result<(), String> {
    r.0.map_err(|e| e.message)
}

const NOT_FOUND: &str = "Internal error occurred: failed calling webhook \"check.example.com\": failed to call webhook: Post \"https://svc.webhooks.svc:443/validate?timeout=10s\": service \"svc\" not found";

#[test]
fn a_missing_service_fails_the_request_under_the_default_fail_policy() {
    let cfg = validating("demo", json!([hook("check.example.com", json!({}))]));
    let r = admit(
        &ValidatingAdmissionWebhook,
        Req::create(pod("p", "default", json!({})), std::slice::from_ref(&cfg)),
    );
    let e = r.0.unwrap_err();
    assert_eq!(e.reason, crate::status::Reason::InternalError);
    assert_eq!(e.message, NOT_FOUND);
    assert_eq!(
        e.kubectl_line(crate::status::Verb::Create, "p.yaml"),
        format!("Error from server (InternalError): error when creating \"p.yaml\": {NOT_FOUND}")
    );
    // The same for a mutating webhook.
    let m = mutating("demo", json!([hook("check.example.com", json!({}))]));
    assert_eq!(
        message(admit(
            &MutatingAdmissionWebhook,
            Req::create(pod("p", "default", json!({})), &[m])
        )),
        Err(NOT_FOUND.to_string())
    );
}

#[test]
fn an_existing_service_without_endpoints_refuses_the_connection() {
    let svc = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "svc", "namespace": "webhooks"},
        "spec": {"clusterIP": "10.96.12.34", "ports": [{"port": 443, "targetPort": 8443}]}});
    let cfg = validating(
        "demo",
        json!([hook("check.example.com", json!({"timeoutSeconds": 5}))]),
    );
    assert_eq!(
        message(admit(&ValidatingAdmissionWebhook, Req::create(pod("p", "default", json!({})), &[cfg, svc.clone()]))),
        Err("Internal error occurred: failed calling webhook \"check.example.com\": failed to call webhook: Post \"https://svc.webhooks.svc:443/validate?timeout=5s\": dial tcp 10.96.12.34:443: connect: connection refused".into())
    );
    // A port the Service does not expose.
    let cfg = validating(
        "demo",
        json!([hook(
            "check.example.com",
            json!({"clientConfig": {"service": {"port": 8443, "path": "validate/"}}})
        )]),
    );
    assert_eq!(
        message(admit(&ValidatingAdmissionWebhook, Req::create(pod("p", "default", json!({})), &[cfg, svc]))),
        Err("Internal error occurred: failed calling webhook \"check.example.com\": failed to call webhook: Post \"https://svc.webhooks.svc:8443/validate?timeout=10s\": no service port 8443 found for service \"svc\"".into())
    );
    // A headless Service.
    let headless = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "svc", "namespace": "webhooks"},
        "spec": {"clusterIP": "None", "ports": [{"port": 443}]}});
    let cfg = validating(
        "demo",
        json!([hook(
            "check.example.com",
            json!({"clientConfig": {"service": {"path": null}}})
        )]),
    );
    assert_eq!(
        message(admit(&ValidatingAdmissionWebhook, Req::create(pod("p", "default", json!({})), &[cfg, headless]))),
        Err("Internal error occurred: failed calling webhook \"check.example.com\": failed to call webhook: Post \"https://svc.webhooks.svc:443/?timeout=10s\": cannot route to service with ClusterIP \"None\"".into())
    );
}

#[test]
fn failure_policy_ignore_admits_without_a_word() {
    for plugin in [
        &ValidatingAdmissionWebhook as &'static dyn Plugin,
        &MutatingAdmissionWebhook,
    ] {
        let cfg = if plugin.name() == "ValidatingAdmissionWebhook" {
            validating(
                "demo",
                json!([hook(
                    "check.example.com",
                    json!({"failurePolicy": "Ignore"})
                )]),
            )
        } else {
            mutating(
                "demo",
                json!([hook(
                    "check.example.com",
                    json!({"failurePolicy": "Ignore"})
                )]),
            )
        };
        let (r, warnings) = admit(plugin, Req::create(pod("p", "default", json!({})), &[cfg]));
        assert!(r.is_ok(), "{}", plugin.name());
        assert!(warnings.is_empty());
    }
}

/// Which of a set of webhooks (all failing closed) a request reaches: the name in the error.
fn called(webhooks: Value, req: Req) -> Option<String> {
    let mut objects = req.objects;
    objects.push(validating("demo", webhooks));
    let r = admit(&ValidatingAdmissionWebhook, Req { objects, ..req });
    r.0.err().map(|e| {
        let m = e.message;
        let start = m.find("webhook \"").map(|i| i + 9).unwrap_or(0);
        m[start..].split('"').next().unwrap_or("").to_string()
    })
}

#[test]
fn rules_select_operations_groups_versions_resources_and_scope() {
    let p = || pod("p", "default", json!({"app": "web"}));
    let cases: Vec<(Value, Option<&str>)> = vec![
        (
            json!({"name": "a", "rules": [{"operations": ["UPDATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]}),
            None,
        ),
        (
            json!({"name": "a", "rules": [{"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"]}]}),
            Some("a"),
        ),
        (
            json!({"name": "a", "rules": [{"operations": ["CREATE"], "apiGroups": ["apps"], "apiVersions": ["v1"], "resources": ["pods"]}]}),
            None,
        ),
        (
            json!({"name": "a", "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v2"], "resources": ["pods"]}]}),
            None,
        ),
        (
            json!({"name": "a", "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods/status"]}]}),
            None,
        ),
        (
            json!({"name": "a", "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods/*"]}]}),
            Some("a"),
        ),
        (
            json!({"name": "a", "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["*/*"]}]}),
            Some("a"),
        ),
        (
            json!({"name": "a", "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "scope": "Cluster"}]}),
            None,
        ),
        (
            json!({"name": "a", "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "scope": "Namespaced"}]}),
            Some("a"),
        ),
        (
            json!({"name": "a", "objectSelector": {"matchLabels": {"app": "db"}}}),
            None,
        ),
        (
            json!({"name": "a", "objectSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}}),
            Some("a"),
        ),
        (
            json!({"name": "a", "namespaceSelector": {"matchLabels": {"team": "x"}}}),
            None,
        ),
        (
            json!({"name": "a", "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]}}),
            Some("a"),
        ),
    ];
    for (extra, want) in cases {
        let h = hook("x", extra.clone());
        assert_eq!(
            called(json!([h]), Req::create(p(), &[])).as_deref(),
            want,
            "{extra}"
        );
    }
}

#[test]
fn namespaces_are_cluster_scoped_and_select_on_their_own_labels() {
    let rule = json!({"rules": [{"operations": ["CREATE", "DELETE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["namespaces"], "scope": "Cluster"}],
                      "namespaceSelector": {"matchLabels": {"guarded": "yes"}}});
    let h = json!([hook("ns", rule)]);
    assert_eq!(
        called(
            h.clone(),
            Req::create(namespace("dev", json!({"guarded": "yes"})), &[])
        )
        .as_deref(),
        Some("ns")
    );
    assert_eq!(
        called(h.clone(), Req::create(namespace("dev", json!({})), &[])),
        None
    );
    // A delete reads the stored namespace's labels.
    let stored = namespace("dev", json!({"guarded": "yes"}));
    assert_eq!(
        called(h, Req::delete(stored.clone(), &[stored])).as_deref(),
        Some("ns")
    );
}

#[test]
fn admission_configuration_kinds_are_exempt() {
    let all = json!([hook(
        "all",
        json!({"rules": [{"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"]}]})
    )]);
    let other = validating("other", json!([]));
    assert_eq!(called(all.clone(), Req::create(other, &[])), None);
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
    assert_eq!(called(all, Req::create(cm, &[])).as_deref(), Some("all"));
}

#[test]
fn match_conditions_skip_select_or_fail() {
    let p = pod("p", "default", json!({"app": "web"}));
    let with = |exprs: Value, policy: &str| {
        json!([hook(
            "mc",
            json!({"matchConditions": exprs, "failurePolicy": policy})
        )])
    };
    // All true: called.
    assert_eq!(
        called(
            with(
                json!([{"name": "web", "expression": "object.metadata.labels.app == 'web'"}]),
                "Fail"
            ),
            Req::create(p.clone(), &[])
        )
        .as_deref(),
        Some("mc")
    );
    // One false: skipped, even next to an error.
    assert_eq!(
        called(
            with(
                json!([{"name": "err", "expression": "object.spec.nope == 1"}, {"name": "no", "expression": "request.userInfo.username == 'nobody'"}]),
                "Fail"
            ),
            Req::create(p.clone(), &[])
        ),
        None
    );
    // An error under Fail: Forbidden with the CEL error.
    let cfg = validating(
        "demo",
        with(
            json!([{"name": "err", "expression": "object.spec.nope == 1"}]),
            "Fail",
        ),
    );
    assert_eq!(
        message(admit(&ValidatingAdmissionWebhook, Req::create(p.clone(), &[cfg]))),
        Err("pods \"p\" is forbidden: expression 'object.spec.nope == 1' resulted in error: no such key: nope".into())
    );
    // An error under Ignore: skipped.
    let cfg = validating(
        "demo",
        with(
            json!([{"name": "err", "expression": "object.spec.nope == 1"}]),
            "Ignore",
        ),
    );
    assert_eq!(
        message(admit(&ValidatingAdmissionWebhook, Req::create(p, &[cfg]))),
        Ok(())
    );
}

#[test]
fn configurations_run_in_name_order_and_validating_matching_comes_before_calls() {
    let a = mutating("a-first", json!([hook("one.example.com", json!({}))]));
    let b = mutating("b-second", json!([hook("two.example.com", json!({}))]));
    let r = message(admit(
        &MutatingAdmissionWebhook,
        Req::create(pod("p", "default", json!({})), &[b, a]),
    ));
    assert!(r.unwrap_err().contains("\"one.example.com\""));
    // Validating: a matchCondition error in a later webhook wins over an earlier failing call.
    let cfg = validating(
        "demo",
        json!([
            hook("one.example.com", json!({})),
            hook(
                "two.example.com",
                json!({"matchConditions": [{"name": "e", "expression": "object.x"}]})
            )
        ]),
    );
    let r = message(admit(
        &ValidatingAdmissionWebhook,
        Req::create(pod("p", "default", json!({})), &[cfg]),
    ));
    assert_eq!(
        r,
        Err(
            "pods \"p\" is forbidden: expression 'object.x' resulted in error: no such key: x"
                .into()
        )
    );
}

#[test]
fn url_webhooks_cannot_be_reached_either() {
    let cfg = validating(
        "demo",
        json!([hook(
            "u.example.com",
            json!({"clientConfig": {"service": null, "url": "https://hooks.example.com/check"}})
        )]),
    );
    assert_eq!(
        message(admit(&ValidatingAdmissionWebhook, Req::create(pod("p", "default", json!({})), &[cfg]))),
        Err("Internal error occurred: failed calling webhook \"u.example.com\": failed to call webhook: Post \"https://hooks.example.com/check?timeout=10s\": dial tcp: lookup hooks.example.com: no such host".into())
    );
}

#[test]
fn the_request_variable_describes_the_request() {
    let p = pod("p", "default", json!({}));
    let cond = |e: &str| {
        json!([hook(
            "r",
            json!({"matchConditions": [{"name": "r", "expression": e}]})
        )])
    };
    for e in [
        "request.operation == 'CREATE'",
        "request.namespace == 'default' && request.name == 'p'",
        "request.kind.kind == 'Pod' && request.kind.version == 'v1' && request.kind.group == ''",
        "request.resource.resource == 'pods'",
        "request.userInfo.username == 'kubernetes-admin'",
        "'system:authenticated' in request.userInfo.groups",
        "oldObject == null",
    ] {
        assert_eq!(
            called(cond(e), Req::create(p.clone(), &[])).as_deref(),
            Some("r"),
            "{e}"
        );
    }
}
