//! The resource quota controller: every ResourceQuota's `status.hard` follows `spec.hard`, and
//! `status.used` is recomputed from the objects in its namespace, so usage is released when
//! objects go away or pods finish.
//!
//! Follows `pkg/controller/resourcequota/resource_quota_controller.go` (`syncResourceQuota`:
//! previous usage kept for names no evaluator tracks, new usage for the others, masked to the
//! hard names; the status is written only when hard or used changed) and
//! `staging/src/k8s.io/apiserver/pkg/quota/v1/resources.go` (`CalculateUsage`) in
//! kubernetes/kubernetes; what each object charges comes from [`crate::quota`].

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{ResourceQuota, ResourceQuotaStatus};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::quantity::{resource_list_to_k8s, Quantity};
use crate::quota::{self, Context};
use crate::store::{ObjRef, Store};

pub fn reconcile(c: &mut Cluster) -> bool {
    let ctx = Context::of(&c.store, &c.settings);
    let updates: Vec<(ObjRef, ResourceQuotaStatus)> = c
        .store
        .list("ResourceQuota")
        .filter_map(|s| match &s.obj {
            Object::ResourceQuota(q) => {
                desired_status(&c.store, q, ctx).map(|st| (ObjRef::of(&s.obj), st))
            }
            _ => None,
        })
        .collect();
    let mut changed = false;
    for (key, status) in updates {
        changed |= c.store.modify(&key, |o| {
            if let Object::ResourceQuota(q) = o {
                q.status = Some(status);
            }
        });
    }
    changed
}

/// `apiequality.Semantic.DeepEqual` on two resource maps: same names, equal quantities.
fn semantic_equal(
    a: Option<&BTreeMap<String, K8sQuantity>>,
    b: Option<&BTreeMap<String, K8sQuantity>>,
) -> bool {
    let empty = BTreeMap::new();
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    a.len() == b.len()
        && a.iter().all(|(k, v)| {
            b.get(k).is_some_and(|w| {
                v == w
                    || matches!(
                        (Quantity::from_k8s(v), Quantity::from_k8s(w)),
                        (Ok(x), Ok(y)) if x == y
                    )
            })
        })
}

/// `syncResourceQuota`: the status this quota should have, or `None` when it is current.
pub fn desired_status(
    store: &Store,
    q: &ResourceQuota,
    ctx: Context,
) -> Option<ResourceQuotaStatus> {
    let spec_hard = q.spec.as_ref().and_then(|s| s.hard.as_ref());
    let status = q.status.as_ref();
    let status_hard = status.and_then(|s| s.hard.as_ref());
    let status_used = status.and_then(|s| s.used.as_ref());
    let mut dirty =
        !semantic_equal(spec_hard, status_hard) || status_hard.is_none() || status_used.is_none();

    let hard_names: BTreeSet<String> = spec_hard
        .map(|h| h.keys().cloned().collect())
        .unwrap_or_default();
    let old_used = quota::parse_list(status_used);
    let mut used = old_used.clone();
    used.extend(quota::calculate_usage(store, q, &hard_names, ctx));
    let used = quota::mask(&used, &hard_names);
    dirty |= !quota::equals(&used, &old_used);
    if !dirty {
        return None;
    }
    let non_empty = |m: BTreeMap<String, K8sQuantity>| (!m.is_empty()).then_some(m);
    Some(ResourceQuotaStatus {
        hard: spec_hard.cloned().and_then(non_empty),
        used: non_empty(resource_list_to_k8s(&used)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::lookup;
    use crate::scenario::{run, Input};
    use crate::settings::Settings;
    use serde_json::{json, Value};

    fn status_of(store: &Store, ns: &str, name: &str) -> Vec<String> {
        let Some(Object::ResourceQuota(q)) = store.get_obj("ResourceQuota", ns, name) else {
            return vec!["missing".into()];
        };
        let st = q.status.clone().unwrap_or_default();
        let mut out = Vec::new();
        for (k, v) in st.hard.unwrap_or_default() {
            out.push(format!("hard {k}={}", v.0));
        }
        for (k, v) in st.used.unwrap_or_default() {
            out.push(format!("used {k}={}", v.0));
        }
        out
    }

    fn apply(c: &mut Cluster, v: Value) {
        let info = crate::decode::mapping(&v, crate::settings::MAX_MINOR).unwrap();
        c.apply(v, info, None).unwrap();
        crate::controllers::settle(c);
    }

    fn pod(name: &str, cpu: &str, mem: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"},
               "spec": {"containers": [{"name": "app", "image": "nginx",
                   "resources": {"limits": {"cpu": cpu, "memory": mem}}}]}})
    }

    fn setup(hard: Value) -> Cluster {
        let mut c = Cluster::new(Settings::default());
        apply(
            &mut c,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}),
        );
        apply(
            &mut c,
            json!({"apiVersion": "v1", "kind": "ResourceQuota",
                   "metadata": {"name": "q", "namespace": "ns"}, "spec": {"hard": hard}}),
        );
        c
    }

    #[test]
    fn status_follows_spec_and_counts_the_root_ca_configmap() {
        let c = setup(
            json!({"pods": 4, "requests.memory": "2Gi", "count/configmaps": "1k",
                             "count/widgets.example.com": "1"}),
        );
        assert_eq!(
            status_of(&c.store, "ns", "q"),
            [
                "hard count/configmaps=1k",
                "hard count/widgets.example.com=1",
                "hard pods=4",
                "hard requests.memory=2Gi",
                "used count/configmaps=1",
                "used pods=0",
                "used requests.memory=0"
            ]
        );
    }

    #[test]
    fn usage_grows_with_objects_and_is_released_when_they_go() {
        let mut c = setup(
            json!({"pods": "4", "limits.cpu": "2", "requests.memory": "2Gi",
                                 "count/secrets": "3", "resourcequotas": "2"}),
        );
        apply(&mut c, pod("a", "500m", "1Gi"));
        apply(&mut c, pod("b", "250m", "512Mi"));
        apply(
            &mut c,
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "ns"}}),
        );
        assert_eq!(
            status_of(&c.store, "ns", "q"),
            [
                "hard count/secrets=3",
                "hard limits.cpu=2",
                "hard pods=4",
                "hard requests.memory=2Gi",
                "hard resourcequotas=2",
                "used count/secrets=1",
                "used limits.cpu=750m",
                "used pods=2",
                "used requests.memory=1536Mi",
                "used resourcequotas=1"
            ]
        );
        let pods = lookup("v1", "Pod").unwrap();
        c.delete(pods, "ns", "a").unwrap();
        crate::controllers::settle(&mut c);
        let used: Vec<String> = status_of(&c.store, "ns", "q")
            .into_iter()
            .filter(|l| l.starts_with("used"))
            .collect();
        assert_eq!(
            used,
            [
                "used count/secrets=1",
                "used limits.cpu=250m",
                "used pods=1",
                "used requests.memory=512Mi",
                "used resourcequotas=1"
            ]
        );
    }

    #[test]
    fn terminal_pods_release_compute_but_stay_counted() {
        let mut c = setup(json!({"pods": "4", "count/pods": "4", "limits.cpu": "2"}));
        apply(&mut c, pod("a", "500m", "1Gi"));
        let key = ObjRef::new("Pod", "ns", "a");
        c.store.modify(&key, |o| {
            if let Object::Pod(p) = o {
                p.status.get_or_insert_with(Default::default).phase = Some("Failed".into());
            }
        });
        crate::controllers::settle(&mut c);
        let used: Vec<String> = status_of(&c.store, "ns", "q")
            .into_iter()
            .filter(|l| l.starts_with("used"))
            .collect();
        assert_eq!(
            used,
            ["used count/pods=1", "used limits.cpu=0", "used pods=0"]
        );
    }

    #[test]
    fn a_changed_spec_updates_hard_and_an_unchanged_quota_is_left_alone() {
        let mut c = setup(json!({"pods": "1"}));
        let rv = |c: &Cluster| {
            c.store
                .get_obj("ResourceQuota", "ns", "q")
                .and_then(|o| o.meta().resource_version.clone())
        };
        let before = rv(&c);
        assert!(!reconcile(&mut c));
        assert_eq!(rv(&c), before);
        apply(
            &mut c,
            json!({"apiVersion": "v1", "kind": "ResourceQuota",
                   "metadata": {"name": "q", "namespace": "ns"},
                   "spec": {"hard": {"pods": "2", "services": "1"}}}),
        );
        assert_eq!(
            status_of(&c.store, "ns", "q"),
            [
                "hard pods=2",
                "hard services=1",
                "used pods=0",
                "used services=0"
            ]
        );
    }

    #[test]
    fn scoped_quotas_count_only_the_pods_they_cover() {
        let mut c = setup(json!({"pods": "10"}));
        apply(
            &mut c,
            json!({"apiVersion": "v1", "kind": "ResourceQuota",
                   "metadata": {"name": "be", "namespace": "ns"},
                   "spec": {"hard": {"pods": "10"}, "scopes": ["BestEffort"]}}),
        );
        apply(&mut c, pod("burstable", "1", "1Gi"));
        apply(
            &mut c,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "be", "namespace": "ns"},
                   "spec": {"containers": [{"name": "app", "image": "nginx"}]}}),
        );
        assert_eq!(
            status_of(&c.store, "ns", "be"),
            ["hard pods=10", "used pods=1"]
        );
        assert_eq!(
            status_of(&c.store, "ns", "q"),
            ["hard pods=10", "used pods=2"]
        );
    }

    #[test]
    fn the_talks_namespace_quota_starts_with_nothing_used() {
        let text = include_str!("../../../examples/05-namespace-and-quota.yaml");
        let r = run(&[Input::new("05-namespace-and-quota.yaml", text)]);
        assert_eq!(
            status_of(&r.cluster.store, "my-nice-namespace", "my-nice-quota"),
            [
                "hard limits.cpu=4",
                "hard limits.memory=4Gi",
                "hard pods=4",
                "hard requests.cpu=1",
                "hard requests.memory=2Gi",
                "used limits.cpu=0",
                "used limits.memory=0",
                "used pods=0",
                "used requests.cpu=0",
                "used requests.memory=0"
            ]
        );
    }

    #[test]
    fn an_empty_quota_settles() {
        let mut c = Cluster::new(Settings::default());
        apply(
            &mut c,
            json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "empty"}}),
        );
        assert!(!reconcile(&mut c));
        assert!(status_of(&c.store, "default", "empty").is_empty());
    }
}
