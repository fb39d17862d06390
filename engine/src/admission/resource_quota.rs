//! ResourceQuota: a request that would take a namespace past one of its quotas is refused, and
//! so is a pod that does not state the cpu or memory a quota tracks.
//!
//! Follows `staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/admission.go`
//! (subresources, cluster-scoped objects and namespace creation are let through) and
//! `controller.go` (`CheckRequest`: quotas matched against the object, pod constraints first,
//! then the usage the request adds checked against every matching quota; `prettyPrint` sorts
//! and joins with `,`) in kubernetes/kubernetes. What an object charges comes from
//! [`crate::quota`].
//!
//! Upstream keeps `status.used` current by adding each admitted request to it; here the usage
//! is summed from the objects in the store at the time of the request, which is the same number
//! (the controller runs after every request). Quotas are checked in name order; upstream takes
//! them in its informer cache's order, so with several violated quotas a real cluster may name
//! another one first.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::ResourceQuota as Quota;

use super::{Attributes, ClusterView, Operation, Plugin};
use crate::object::Object;
use crate::quantity::ResourceList;
use crate::quota::{self, Context, Evaluator};
use crate::status::ApiError;

pub struct ResourceQuota;

/// `prettyPrint`: `name=value` pairs sorted by name, joined by `,`.
pub fn pretty_print(list: &ResourceList) -> String {
    let parts: Vec<String> = list.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(",")
}

/// `prettyPrintResourceNames`: sorted, joined by `,`.
fn pretty_print_names(names: &BTreeSet<String>) -> String {
    let parts: Vec<&str> = names.iter().map(String::as_str).collect();
    parts.join(",")
}

/// The message for a request that would exceed a quota.
pub fn exceeded_message(
    quota: &str,
    requested: &ResourceList,
    used: &ResourceList,
    limited: &ResourceList,
) -> String {
    format!(
        "exceeded quota: {quota}, requested: {}, used: {}, limited: {}",
        pretty_print(requested),
        pretty_print(used),
        pretty_print(limited)
    )
}

/// The message for an object that fails a quota's constraints (`must specify ...`).
pub fn failed_quota_message(quota: &str, err: &str) -> String {
    format!("failed quota: {quota}: {err}")
}

/// The message for a quota whose usage the controller has not computed yet.
pub fn status_unknown_message(quota: &str, resources: &BTreeSet<String>) -> String {
    format!(
        "status unknown for quota: {quota}, resources: {}",
        pretty_print_names(resources)
    )
}

/// The message for an object whose usage would be negative.
pub fn negative_usage_message(resources: &BTreeSet<String>) -> String {
    format!(
        "quota usage is negative for resource(s): {}",
        pretty_print_names(resources)
    )
}

impl Plugin for ResourceQuota {
    fn name(&self) -> &'static str {
        "ResourceQuota"
    }

    fn handles(&self, op: Operation) -> bool {
        matches!(op, Operation::Create | Operation::Update)
    }

    fn validating(&self) -> bool {
        true
    }

    fn validate(&self, a: &Attributes, c: &ClusterView) -> Result<(), ApiError> {
        if !a.subresource.is_empty() || a.namespace.is_empty() {
            return Ok(());
        }
        if a.operation == Operation::Create && a.kind.kind == "Namespace" {
            return Ok(());
        }
        let Some(evaluator) = Evaluator::for_kind(a.kind) else {
            return Ok(());
        };
        if !evaluator.handles(a.operation) {
            return Ok(());
        }
        let Some(object) = a.object.as_ref() else {
            return Ok(());
        };
        let quotas: Vec<&Quota> = c
            .store
            .list_ns("ResourceQuota", &a.namespace)
            .filter_map(|s| match &s.obj {
                Object::ResourceQuota(q) => Some(q.as_ref()),
                _ => None,
            })
            .collect();
        if quotas.is_empty() {
            return Ok(());
        }
        let ctx = Context::of(c.store, c.settings);
        check_request(&quotas, a, object, &evaluator, c, ctx)
            .map_err(|err| ApiError::forbidden(&a.kind.resource(), &a.name, &err, self.name()))
    }
}

fn quota_name(q: &Quota) -> &str {
    q.metadata.name.as_deref().unwrap_or("")
}

fn status_list(q: &Quota, used: bool) -> ResourceList {
    let st = q.status.as_ref();
    quota::parse_list(if used {
        st.and_then(|s| s.used.as_ref())
    } else {
        st.and_then(|s| s.hard.as_ref())
    })
}

/// `CheckRequest`: the error text (without the `... is forbidden: ` prefix) if the request may
/// not go ahead.
fn check_request(
    quotas: &[&Quota],
    a: &Attributes,
    object: &Object,
    evaluator: &Evaluator,
    c: &ClusterView,
    ctx: Context,
) -> Result<(), String> {
    // The quotas that cover this object; constraints and usage status are checked on the way.
    let mut interesting: Vec<&Quota> = Vec::new();
    for q in quotas {
        if !evaluator.matches(q, object, ctx) {
            continue;
        }
        let hard = quota::status_hard_names(q);
        let restricted = evaluator.matching_resources(&hard);
        evaluator
            .constraints(&restricted, object)
            .map_err(|e| failed_quota_message(quota_name(q), &e))?;
        let used = status_list(q, true);
        if restricted.iter().any(|r| !used.contains_key(r)) {
            return Err(status_unknown_message(quota_name(q), &restricted));
        }
        interesting.push(q);
    }
    let input = evaluator.usage(object, ctx);
    let negative: BTreeSet<String> = input
        .iter()
        .filter(|(_, v)| v.signum() < 0)
        .map(|(k, _)| k.clone())
        .collect();
    if !negative.is_empty() {
        return Err(negative_usage_message(&negative));
    }
    // On update only the growth is charged, to the quotas that already covered the old object.
    let previous = match (a.operation, a.old_object) {
        (Operation::Update, Some(old)) => Some((old, evaluator.usage(old, ctx))),
        _ => None,
    };
    for q in interesting {
        let delta = match &previous {
            Some((old, prev)) if evaluator.matches(q, old, ctx) => {
                quota::subtract_non_negative(&input, prev)
            }
            _ => input.clone(),
        };
        let delta = quota::remove_zeros(&delta);
        if delta.is_empty() {
            continue;
        }
        let hard = status_list(q, false);
        let hard_names: BTreeSet<String> = hard.keys().cloned().collect();
        let requested = quota::mask(&delta, &hard_names);
        let used = quota::calculate_usage(c.store, q, &hard_names, ctx);
        let mut exceeded: BTreeSet<String> = BTreeSet::new();
        for (name, req) in &requested {
            let zero = crate::quantity::Quantity::zero();
            let now = used.get(name).unwrap_or(&zero);
            if let Some(limit) = hard.get(name) {
                if &(now + req) > limit {
                    exceeded.insert(name.clone());
                }
            }
        }
        if !exceeded.is_empty() {
            return Err(exceeded_message(
                quota_name(q),
                &quota::mask(&requested, &exceeded),
                &quota::mask(&used, &exceeded),
                &quota::mask(&hard, &exceeded),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::Cluster;
    use crate::object::lookup;
    use crate::quantity::Quantity;
    use crate::settings::{Settings, UserInfo};
    use crate::store::Store;
    use serde_json::{json, Value};

    /// A store with namespace `ns`, the given quotas (status as the controller would set it)
    /// and objects.
    fn cluster(objects: &[Value]) -> Cluster {
        let mut c = Cluster::new(Settings::default());
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}});
        insert(&mut c.store, ns);
        for o in objects {
            insert(&mut c.store, o.clone());
        }
        crate::controllers::settle(&mut c);
        c
    }

    fn insert(store: &mut Store, v: Value) {
        let mut obj = crate::apiserver::decode_value(v).unwrap();
        crate::defaults::apply(&mut obj);
        store.insert_new(obj, None);
    }

    fn quota(name: &str, hard: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ResourceQuota",
               "metadata": {"name": name, "namespace": "ns"}, "spec": {"hard": hard}})
    }

    fn pod(name: &str, resources: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"},
               "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": resources}]}})
    }

    fn check_op(c: &Cluster, op: Operation, v: Value) -> Result<(), String> {
        let mut obj = crate::apiserver::decode_value(v).unwrap();
        crate::defaults::apply(&mut obj);
        let user = UserInfo::default();
        let info = obj.info();
        let key = crate::store::ObjRef::of(&obj);
        let old = c.store.get(&key).map(|s| s.obj.clone());
        let a = Attributes {
            operation: op,
            kind: info,
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            subresource: String::new(),
            object: Some(obj),
            old_object: old.as_ref(),
            user: &user,
            warnings: Default::default(),
            notes: Default::default(),
            options: None,
        };
        ResourceQuota
            .validate(
                &a,
                &ClusterView {
                    store: &c.store,
                    settings: &c.settings,
                },
            )
            .map_err(|e| e.message)
    }

    fn check(c: &Cluster, v: Value) -> Result<(), String> {
        check_op(c, Operation::Create, v)
    }

    fn mem_cpu_demo() -> Value {
        quota(
            "mem-cpu-demo",
            json!({"requests.cpu": "1", "requests.memory": "1Gi", "limits.cpu": "2", "limits.memory": "2Gi"}),
        )
    }

    fn sized(cpu_req: &str, mem_req: &str, cpu_lim: &str, mem_lim: &str) -> Value {
        json!({"requests": {"cpu": cpu_req, "memory": mem_req},
               "limits": {"cpu": cpu_lim, "memory": mem_lim}})
    }

    #[test]
    fn a_pod_that_fits_is_admitted_and_one_that_exceeds_names_only_the_exceeded_resources() {
        let c = cluster(&[
            mem_cpu_demo(),
            pod("first", sized("800m", "600Mi", "800m", "800Mi")),
        ]);
        assert_eq!(
            check(&c, pod("web", sized("200m", "100Mi", "200m", "100Mi"))),
            Ok(())
        );
        assert_eq!(
            check(&c, pod("web", sized("500m", "100Mi", "500m", "100Mi"))),
            Err("pods \"web\" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.cpu=500m, used: requests.cpu=800m, limited: requests.cpu=1".into())
        );
        assert_eq!(
            check(&c, pod("web", sized("500m", "700Mi", "2", "1Gi"))),
            Err("pods \"web\" is forbidden: exceeded quota: mem-cpu-demo, requested: limits.cpu=2,requests.cpu=500m,requests.memory=700Mi, used: limits.cpu=800m,requests.cpu=800m,requests.memory=600Mi, limited: limits.cpu=2,requests.cpu=1,requests.memory=1Gi".into())
        );
    }

    #[test]
    fn a_pod_without_limits_must_specify_them() {
        let c = cluster(&[mem_cpu_demo()]);
        assert_eq!(
            check(&c, pod("web", json!({"requests": {"cpu": "100m", "memory": "10Mi"}}))),
            Err("pods \"web\" is forbidden: failed quota: mem-cpu-demo: must specify limits.cpu for: nginx; limits.memory for: nginx".into())
        );
        assert_eq!(
            check(&c, pod("web", json!({}))),
            Err("pods \"web\" is forbidden: failed quota: mem-cpu-demo: must specify limits.cpu for: nginx; limits.memory for: nginx; requests.cpu for: nginx; requests.memory for: nginx".into())
        );
        // Limits alone are enough: the API server defaults the requests to them.
        assert_eq!(
            check(
                &c,
                pod("web", json!({"limits": {"cpu": "100m", "memory": "10Mi"}}))
            ),
            Ok(())
        );
    }

    #[test]
    fn the_cpu_and_memory_aliases_count_requests() {
        let c = cluster(&[
            quota("legacy", json!({"cpu": "1", "memory": "1Gi"})),
            pod("a", json!({"requests": {"cpu": "600m", "memory": "1Gi"}})),
        ]);
        assert_eq!(
            check(&c, pod("b", json!({"requests": {"cpu": "600m", "memory": "1"}}))),
            Err("pods \"b\" is forbidden: exceeded quota: legacy, requested: cpu=600m,memory=1, used: cpu=600m,memory=1Gi, limited: cpu=1,memory=1Gi".into())
        );
    }

    #[test]
    fn the_pod_count_ignores_terminal_pods_but_count_pods_does_not() {
        let done = |n: &str| {
            let mut p = pod(n, json!({}));
            p["status"] = json!({"phase": "Succeeded"});
            p
        };
        let c = cluster(&[quota("pods", json!({"pods": "1"})), done("old")]);
        assert_eq!(check(&c, pod("web", json!({}))), Ok(()));
        let c = cluster(&[quota("pods", json!({"count/pods": "1"})), done("old")]);
        assert_eq!(
            check(&c, pod("web", json!({}))),
            Err("pods \"web\" is forbidden: exceeded quota: pods, requested: count/pods=1, used: count/pods=1, limited: count/pods=1".into())
        );
    }

    #[test]
    fn ephemeral_storage_and_extended_resources_are_charged_without_constraints() {
        let c = cluster(&[quota(
            "extra",
            json!({"requests.ephemeral-storage": "1Gi", "requests.example.com/gpu": "1"}),
        )]);
        assert_eq!(check(&c, pod("web", json!({}))), Ok(()));
        assert_eq!(
            check(&c, pod("web", json!({"requests": {"ephemeral-storage": "2Gi"},
                "limits": {"example.com/gpu": "2"}}))),
            Err("pods \"web\" is forbidden: exceeded quota: extra, requested: requests.ephemeral-storage=2Gi,requests.example.com/gpu=2, used: requests.ephemeral-storage=0,requests.example.com/gpu=0, limited: requests.ephemeral-storage=1Gi,requests.example.com/gpu=1".into())
        );
    }

    #[test]
    fn scopes_decide_which_quota_covers_a_pod() {
        let mut be = quota("best-effort", json!({"pods": "0"}));
        be["spec"]["scopes"] = json!(["BestEffort"]);
        let mut pc = quota("high", json!({"pods": "0"}));
        pc["spec"]["scopeSelector"] = json!({"matchExpressions": [
            {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]});
        let c = cluster(&[be, pc]);
        assert_eq!(
            check(&c, pod("web", json!({}))),
            Err("pods \"web\" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=0, limited: pods=0".into())
        );
        assert_eq!(
            check(&c, pod("web", json!({"requests": {"cpu": "1"}}))),
            Ok(())
        );
        let mut high = pod("web", json!({"requests": {"cpu": "1"}}));
        high["spec"]["priorityClassName"] = json!("high");
        assert_eq!(
            check(&c, high),
            Err("pods \"web\" is forbidden: exceeded quota: high, requested: pods=1, used: pods=0, limited: pods=0".into())
        );
    }

    #[test]
    fn every_quota_is_checked_and_constraints_come_before_usage() {
        let c = cluster(&[
            quota("a-count", json!({"pods": "0"})),
            quota("b-compute", json!({"limits.memory": "1Gi"})),
        ]);
        assert_eq!(
            check(&c, pod("web", json!({}))),
            Err("pods \"web\" is forbidden: failed quota: b-compute: must specify limits.memory for: nginx".into())
        );
        assert_eq!(
            check(&c, pod("web", json!({"limits": {"memory": "1Gi"}}))),
            Err("pods \"web\" is forbidden: exceeded quota: a-count, requested: pods=1, used: pods=0, limited: pods=0".into())
        );
        let c = cluster(&[
            quota("a-count", json!({"pods": "5"})),
            quota("b-compute", json!({"limits.memory": "1Gi"})),
        ]);
        assert_eq!(
            check(&c, pod("web", json!({"limits": {"memory": "2Gi"}}))),
            Err("pods \"web\" is forbidden: exceeded quota: b-compute, requested: limits.memory=2Gi, used: limits.memory=0, limited: limits.memory=1Gi".into())
        );
    }

    #[test]
    fn object_counts_use_count_names_and_legacy_aliases() {
        let cm = |n: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n, "namespace": "ns"}});
        let c = cluster(&[
            quota(
                "objects",
                json!({"count/configmaps": "1", "secrets": "0", "count/deployments.apps": "0"}),
            ),
            cm("one"),
        ]);
        assert_eq!(
            check(&c, cm("two")),
            // kube-root-ca.crt counts too, as on a real cluster.
            Err("configmaps \"two\" is forbidden: exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=1".into())
        );
        assert_eq!(
            check(&c, json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "ns"}})),
            Err("secrets \"s\" is forbidden: exceeded quota: objects, requested: secrets=1, used: secrets=0, limited: secrets=0".into())
        );
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}});
        assert_eq!(
            check(&c, deploy),
            Err("deployments.apps \"web\" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=0, limited: count/deployments.apps=0".into())
        );
        // Updates of counted objects are not charged.
        assert_eq!(check_op(&c, Operation::Update, cm("one")), Ok(()));
        // Events are never counted.
        let c = cluster(&[quota("objects", json!({"count/events": "0"}))]);
        let ev = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "ns"},
                        "involvedObject": {}});
        assert_eq!(check(&c, ev), Ok(()));
    }

    #[test]
    fn claims_charge_storage_overall_and_per_class_and_updates_only_the_growth() {
        let pvc = |n: &str, size: &str| {
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                   "metadata": {"name": n, "namespace": "ns"},
                   "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gold",
                            "resources": {"requests": {"storage": size}}}})
        };
        let c = cluster(&[
            quota(
                "storage",
                json!({"persistentvolumeclaims": "2", "requests.storage": "10Gi",
                       "gold.storageclass.storage.k8s.io/requests.storage": "6Gi"}),
            ),
            pvc("data", "4Gi"),
        ]);
        assert_eq!(check(&c, pvc("logs", "2Gi")), Ok(()));
        assert_eq!(
            check(&c, pvc("logs", "3Gi")),
            Err("persistentvolumeclaims \"logs\" is forbidden: exceeded quota: storage, requested: gold.storageclass.storage.k8s.io/requests.storage=3Gi, used: gold.storageclass.storage.k8s.io/requests.storage=4Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=6Gi".into())
        );
        assert_eq!(check_op(&c, Operation::Update, pvc("data", "6Gi")), Ok(()));
        assert_eq!(
            check_op(&c, Operation::Update, pvc("data", "7Gi")),
            Err("persistentvolumeclaims \"data\" is forbidden: exceeded quota: storage, requested: gold.storageclass.storage.k8s.io/requests.storage=3Gi, used: gold.storageclass.storage.k8s.io/requests.storage=4Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=6Gi".into())
        );
    }

    #[test]
    fn services_charge_node_ports_and_load_balancers() {
        let svc = |n: &str, t: &str| {
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": n, "namespace": "ns"},
                   "spec": {"type": t, "ports": [{"port": 80}, {"port": 443}]}})
        };
        let c = cluster(&[quota(
            "svc",
            json!({"services": "5", "services.nodeports": "1", "services.loadbalancers": "0"}),
        )]);
        assert_eq!(check(&c, svc("a", "ClusterIP")), Ok(()));
        assert_eq!(
            check(&c, svc("a", "LoadBalancer")),
            Err("services \"a\" is forbidden: exceeded quota: svc, requested: services.loadbalancers=1,services.nodeports=2, used: services.loadbalancers=0,services.nodeports=0, limited: services.loadbalancers=0,services.nodeports=1".into())
        );
    }

    #[test]
    fn deleting_releases_usage() {
        let mut c = cluster(&[quota("pods", json!({"pods": "1"})), pod("a", json!({}))]);
        assert!(check(&c, pod("b", json!({}))).is_err());
        let info = lookup("v1", "Pod").unwrap();
        c.delete(info, "ns", "a").unwrap();
        crate::controllers::settle(&mut c);
        assert_eq!(check(&c, pod("b", json!({}))), Ok(()));
    }

    #[test]
    fn quotas_not_yet_synced_constrain_nothing_and_half_synced_ones_are_unknown() {
        let mut c = cluster(&[]);
        insert(&mut c.store, quota("fresh", json!({"pods": "0"})));
        assert_eq!(check(&c, pod("web", json!({}))), Ok(()));
        let key = crate::store::ObjRef::new("ResourceQuota", "ns", "fresh");
        c.store.modify(&key, |o| {
            if let Object::ResourceQuota(q) = o {
                q.status = Some(k8s_openapi::api::core::v1::ResourceQuotaStatus {
                    hard: q.spec.as_ref().and_then(|s| s.hard.clone()),
                    used: None,
                });
            }
        });
        assert_eq!(
            check(&c, pod("web", json!({}))),
            Err(
                "pods \"web\" is forbidden: status unknown for quota: fresh, resources: pods"
                    .into()
            )
        );
    }

    #[test]
    fn requests_outside_namespaces_and_without_quotas_pass() {
        let c = cluster(&[]);
        assert_eq!(check(&c, pod("web", json!({}))), Ok(()));
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}});
        assert_eq!(check(&c, ns), Ok(()));
    }

    #[test]
    fn pretty_print_sorts_and_joins_with_commas() {
        let list: ResourceList = [("pods", "1"), ("limits.cpu", "500m")]
            .iter()
            .map(|(k, v)| (k.to_string(), Quantity::parse(v).unwrap()))
            .collect();
        assert_eq!(pretty_print(&list), "limits.cpu=500m,pods=1");
        assert_eq!(
            negative_usage_message(&["b".to_string(), "a".to_string()].into()),
            "quota usage is negative for resource(s): a,b"
        );
    }
}
