//! The endpoints controller: for each Service with a selector, an Endpoints object of the same
//! name listing the selected pods' addresses — ready ones in `addresses`, the others in
//! `notReadyAddresses` — with the service's ports resolved against each pod's container ports.
//!
//! Follows `pkg/controller/endpoint/endpoints_controller.go` (`syncService`,
//! `podToEndpointAddressForService`, `addEndpointSubset`; the `service.kubernetes.io/headless`
//! label; a headless Service without ports gets subsets without ports), `pkg/api/v1/pod`
//! (`FindPort`: a numeric targetPort as is, a named one looked up among the containers' ports)
//! and `staging/src/k8s.io/endpointslice/util` (`ShouldPodBeInEndpoints`: no terminal pods, no
//! pods without an IP, no terminating pods; `ShouldSetHostname`: the pod's `spec.hostname` when
//! its `spec.subdomain` names the Service in the pod's namespace — the stable names of
//! StatefulSet pods under their headless Service). Subsets are grouped by their ports and the
//! addresses sorted by IP, as `RepackSubsets` does. The `last-change-trigger-time` annotation
//! is not written (it carries wall-clock time).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Pod, Service,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::apiserver::Cluster;
use crate::labels::Selector;
use crate::object::Object;
use crate::store::{ObjRef, Store};

/// `v1.IsHeadlessService`.
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

/// One pod as an endpoint of one Service.
#[derive(Clone, Debug, PartialEq)]
pub struct PodEndpoint {
    pub ip: String,
    pub pod: String,
    pub namespace: String,
    pub uid: String,
    pub node: Option<String>,
    pub hostname: Option<String>,
    pub ready: bool,
    pub terminating: bool,
    /// `(name, port, protocol)` of each service port the pod serves.
    pub ports: Vec<(String, i32, String)>,
}

pub fn is_headless(svc: &Service) -> bool {
    svc.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None")
}

/// `podutil.IsPodReady`.
pub fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// `podutil.FindPort`.
pub fn find_port(
    pod: &Pod,
    target: Option<&IntOrString>,
    port: i32,
    protocol: &str,
) -> Option<i32> {
    match target {
        None => Some(port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => {
            let spec = pod.spec.as_ref()?;
            spec.containers
                .iter()
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| {
                    p.name.as_deref() == Some(name.as_str())
                        && p.protocol.as_deref().unwrap_or("TCP") == protocol
                })
                .map(|p| p.container_port)
        }
    }
}

/// The pods a Service with a selector sends traffic to, in name order. `None` when the Service
/// has no selector (its Endpoints are the user's to write).
pub fn service_endpoints(store: &Store, svc: &Service) -> Option<Vec<PodEndpoint>> {
    let spec = svc.spec.as_ref()?;
    let selector = spec.selector.as_ref()?;
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    let ns = svc.metadata.namespace.as_deref().unwrap_or("default");
    let svc_name = svc.metadata.name.as_deref().unwrap_or("");
    let sel = Selector::from_set(selector);
    let publish_not_ready = spec.publish_not_ready_addresses.unwrap_or(false);
    let mut out = Vec::new();
    for pod in store.list_ns("Pod", ns).filter_map(|s| s.obj.as_pod()) {
        if !sel.matches_opt(pod.metadata.labels.as_ref()) {
            continue;
        }
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        let Some(ip) = pod
            .status
            .as_ref()
            .and_then(|s| s.pod_ip.clone())
            .filter(|ip| !ip.is_empty())
        else {
            continue;
        };
        let terminating = pod.metadata.deletion_timestamp.is_some();
        if matches!(phase, Some("Succeeded" | "Failed")) || (terminating && !publish_not_ready) {
            continue;
        }
        let pspec = pod.spec.as_ref();
        let hostname = pspec
            .and_then(|s| s.hostname.clone())
            .filter(|h| !h.is_empty())
            .filter(|_| pspec.and_then(|s| s.subdomain.as_deref()) == Some(svc_name));
        let ports = spec
            .ports
            .iter()
            .flatten()
            .filter_map(|p| {
                let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
                let n = find_port(pod, p.target_port.as_ref(), p.port, &proto)?;
                Some((p.name.clone().unwrap_or_default(), n, proto))
            })
            .collect();
        out.push(PodEndpoint {
            ip,
            pod: pod.metadata.name.clone().unwrap_or_default(),
            namespace: ns.to_string(),
            uid: pod.metadata.uid.clone().unwrap_or_default(),
            node: pspec.and_then(|s| s.node_name.clone()),
            hostname,
            ready: publish_not_ready || pod_ready(pod),
            terminating,
            ports,
        });
    }
    Some(out)
}

fn address(e: &PodEndpoint) -> EndpointAddress {
    EndpointAddress {
        ip: e.ip.clone(),
        hostname: e.hostname.clone(),
        node_name: e.node.clone(),
        target_ref: Some(ObjectReference {
            kind: Some("Pod".into()),
            namespace: Some(e.namespace.clone()),
            name: Some(e.pod.clone()),
            uid: Some(e.uid.clone()),
            ..ObjectReference::default()
        }),
    }
}

/// The subsets of a Service's Endpoints.
pub fn subsets(svc: &Service, endpoints: &[PodEndpoint]) -> Vec<EndpointSubset> {
    let no_ports = svc
        .spec
        .as_ref()
        .is_none_or(|s| s.ports.as_ref().is_none_or(Vec::is_empty));
    type ReadyAndNot<'a> = (Vec<&'a PodEndpoint>, Vec<&'a PodEndpoint>);
    let mut groups: BTreeMap<Vec<(String, i32, String)>, ReadyAndNot> = BTreeMap::new();
    for e in endpoints {
        if e.ports.is_empty() && !(no_ports && is_headless(svc)) {
            continue;
        }
        let g = groups.entry(e.ports.clone()).or_default();
        if e.ready {
            g.0.push(e);
        } else {
            g.1.push(e);
        }
    }
    groups
        .into_iter()
        .map(|(ports, (mut ready, mut not_ready))| {
            ready.sort_by(|a, b| a.ip.cmp(&b.ip));
            not_ready.sort_by(|a, b| a.ip.cmp(&b.ip));
            EndpointSubset {
                addresses: (!ready.is_empty()).then(|| ready.into_iter().map(address).collect()),
                not_ready_addresses: (!not_ready.is_empty())
                    .then(|| not_ready.into_iter().map(address).collect()),
                ports: (!ports.is_empty()).then(|| {
                    ports
                        .into_iter()
                        .map(|(name, port, protocol)| EndpointPort {
                            name: (!name.is_empty()).then_some(name),
                            port,
                            protocol: Some(protocol),
                            app_protocol: None,
                        })
                        .collect()
                }),
            }
        })
        .collect()
}

pub fn reconcile(c: &mut Cluster) -> bool {
    let services: Vec<Service> = c.store.typed::<Service>().cloned().collect();
    let mut changed = false;
    for svc in &services {
        let Some(eps) = service_endpoints(&c.store, svc) else {
            continue;
        };
        let ns = svc.metadata.namespace.clone().unwrap_or_default();
        let name = svc.metadata.name.clone().unwrap_or_default();
        let mut labels = svc.metadata.labels.clone().unwrap_or_default();
        if is_headless(svc) {
            labels.insert(HEADLESS_LABEL.into(), String::new());
        }
        let subsets = subsets(svc, &eps);
        let subsets = (!subsets.is_empty()).then_some(subsets);
        let key = ObjRef::new("Endpoints", &ns, &name);
        if c.store.contains(&key) {
            changed |= c.store.modify(&key, |o| {
                if let Object::Endpoints(e) = o {
                    e.subsets = subsets;
                    e.metadata.labels = (!labels.is_empty()).then_some(labels);
                }
            });
        } else {
            let e = Endpoints {
                metadata: ObjectMeta {
                    name: Some(name),
                    namespace: Some(ns),
                    labels: (!labels.is_empty()).then_some(labels),
                    ..ObjectMeta::default()
                },
                subsets,
            };
            c.store.insert_new(Object::Endpoints(Box::new(e)), None);
            changed = true;
        }
    }
    // Endpoints of a Service that is gone (the controller deletes them on the service's delete
    // event); a user's Endpoints without a Service stay.
    let orphans: Vec<ObjRef> = c
        .store
        .list("Endpoints")
        .filter(|s| {
            let ns = s.obj.namespace().unwrap_or("");
            // Only the controller's own (made during settling, not from the input).
            let managed = s.origin.is_none();
            managed
                && s.obj.name() != "kubernetes"
                && c.store.get_obj("Service", ns, s.obj.name()).is_none()
        })
        .map(|s| ObjRef::of(&s.obj))
        .collect();
    for r in orphans {
        c.store.remove(&r);
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, ip: Option<&str>, ready: bool, extra: serde_json::Value) -> Pod {
        let mut v = json!({"metadata": {"name": name, "namespace": "default", "uid": name,
                                        "labels": {"app": "nginx"}},
            "spec": {"nodeName": "kind-worker",
                     "containers": [{"name": "c", "image": "nginx",
                                     "ports": [{"name": "web", "containerPort": 8080}]}]},
            "status": {"phase": "Running",
                       "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}});
        if let Some(ip) = ip {
            v["status"]["podIP"] = json!(ip);
        }
        if let Some(o) = extra.as_object() {
            for (k, val) in o {
                v["spec"][k] = val.clone();
            }
        }
        serde_json::from_value(v).unwrap()
    }

    fn store_with(pods: Vec<Pod>) -> Store {
        let mut s = Store::new();
        for p in pods {
            s.insert_new(Object::Pod(Box::new(p)), None);
        }
        s
    }

    fn svc(v: serde_json::Value) -> Service {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn ready_pods_are_addresses_unready_ones_not_ready_addresses_and_ipless_ones_nothing() {
        let store = store_with(vec![
            pod("b", Some("10.244.1.3"), true, json!({})),
            pod("a", Some("10.244.1.2"), true, json!({})),
            pod("c", Some("10.244.2.2"), false, json!({})),
            pod("d", None, false, json!({})),
        ]);
        let s = svc(json!({"metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "nginx"},
                     "ports": [{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"}]}}));
        let eps = service_endpoints(&store, &s).unwrap();
        let subsets = subsets(&s, &eps);
        assert_eq!(subsets.len(), 1);
        let ips: Vec<&str> = subsets[0]
            .addresses
            .as_ref()
            .unwrap()
            .iter()
            .map(|a| a.ip.as_str())
            .collect();
        assert_eq!(ips, ["10.244.1.2", "10.244.1.3"]);
        assert_eq!(
            subsets[0].not_ready_addresses.as_ref().unwrap()[0].ip,
            "10.244.2.2"
        );
        let port = &subsets[0].ports.as_ref().unwrap()[0];
        assert_eq!((port.name.as_deref(), port.port), (Some("http"), 8080));
    }

    #[test]
    fn a_named_target_port_no_container_has_leaves_the_pod_out_and_no_selector_means_unmanaged() {
        let store = store_with(vec![pod("a", Some("10.244.1.2"), true, json!({}))]);
        let s = svc(json!({"metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "nginx"},
                     "ports": [{"port": 80, "targetPort": "metrics", "protocol": "TCP"}]}}));
        let eps = service_endpoints(&store, &s).unwrap();
        assert!(subsets(&s, &eps).is_empty());
        let manual = svc(json!({"metadata": {"name": "db", "namespace": "default"},
            "spec": {"ports": [{"port": 5432}]}}));
        assert!(service_endpoints(&store, &manual).is_none());
    }

    #[test]
    fn stateful_pods_get_their_hostname_only_under_the_service_their_subdomain_names() {
        let store = store_with(vec![pod(
            "web-0",
            Some("10.244.1.2"),
            true,
            json!({"hostname": "web-0", "subdomain": "nginx"}),
        )]);
        let headless = svc(
            json!({"metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"}}}),
        );
        let other = svc(
            json!({"metadata": {"name": "other", "namespace": "default"},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"}}}),
        );
        let under = service_endpoints(&store, &headless).unwrap();
        assert_eq!(under[0].hostname.as_deref(), Some("web-0"));
        // A headless service without ports still lists the address, in a subset without ports.
        let s = subsets(&headless, &under);
        assert_eq!(s.len(), 1);
        assert!(s[0].ports.is_none());
        let elsewhere = service_endpoints(&store, &other).unwrap();
        assert_eq!(elsewhere[0].hostname, None);
    }
}
