//! The EndpointSlice controller: for each Service with a selector, EndpointSlices (IPv4, up to
//! 100 endpoints each) listing the selected pods with their `ready` / `serving` /
//! `terminating` conditions, hostname, node and zone.
//!
//! Follows `pkg/controller/endpointslice/endpointslice_controller.go` and
//! `staging/src/k8s.io/endpointslice/reconciler.go` / `utils.go` (`newEndpointSlice`: named
//! from `generateName: <service>-`, owned by the Service, labelled
//! `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
//! endpointslice-controller.k8s.io` plus the Service's labels and the headless label;
//! `podToEndpoint`: the zone from the node's `topology.kubernetes.io/zone` label; one slice per
//! set of resolved ports; a Service with no endpoints keeps one empty placeholder slice).
//! Which pods count and how ports resolve is shared with the endpoints controller
//! (`endpoints.rs`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ObjectReference, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::endpoints::{is_headless, service_endpoints, PodEndpoint, HEADLESS_LABEL};
use crate::apiserver::Cluster;
use crate::object::Object;
use crate::store::{ObjRef, Store};

/// `discovery.LabelServiceName`.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// `discovery.LabelManagedBy` and the controller's name.
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// `maxEndpointsPerSlice`'s default.
const MAX_PER_SLICE: usize = 100;

type Ports = Vec<(String, i32, String)>;

fn zone_of(store: &Store, node: Option<&str>) -> Option<String> {
    let node = store.get_obj("Node", "", node?)?.as_node()?;
    node.metadata
        .labels
        .as_ref()?
        .get("topology.kubernetes.io/zone")
        .cloned()
}

fn endpoint(store: &Store, e: &PodEndpoint) -> Endpoint {
    Endpoint {
        addresses: vec![e.ip.clone()],
        conditions: Some(EndpointConditions {
            ready: Some(e.ready && !e.terminating),
            serving: Some(e.ready),
            terminating: Some(e.terminating),
        }),
        hostname: e.hostname.clone(),
        node_name: e.node.clone(),
        target_ref: Some(ObjectReference {
            kind: Some("Pod".into()),
            namespace: Some(e.namespace.clone()),
            name: Some(e.pod.clone()),
            uid: Some(e.uid.clone()),
            ..ObjectReference::default()
        }),
        zone: zone_of(store, e.node.as_deref()),
        ..Endpoint::default()
    }
}

/// The slices a Service should have: `(ports, endpoints)` per slice, endpoints in name order.
pub fn desired_slices(store: &Store, svc: &Service) -> Option<Vec<(Ports, Vec<Endpoint>)>> {
    let eps = service_endpoints(store, svc)?;
    let no_ports = svc
        .spec
        .as_ref()
        .is_none_or(|s| s.ports.as_ref().is_none_or(Vec::is_empty));
    let mut groups: BTreeMap<Ports, Vec<Endpoint>> = BTreeMap::new();
    for e in &eps {
        if e.ports.is_empty() && !(no_ports && is_headless(svc)) {
            continue;
        }
        groups
            .entry(e.ports.clone())
            .or_default()
            .push(endpoint(store, e));
    }
    let mut out = Vec::new();
    for (ports, endpoints) in groups {
        for chunk in endpoints.chunks(MAX_PER_SLICE) {
            out.push((ports.clone(), chunk.to_vec()));
        }
    }
    if out.is_empty() {
        out.push((Vec::new(), Vec::new()));
    }
    Some(out)
}

fn slice_ports(ports: &Ports) -> Option<Vec<EndpointPort>> {
    Some(
        ports
            .iter()
            .map(|(name, port, protocol)| EndpointPort {
                name: Some(name.clone()),
                port: Some(*port),
                protocol: Some(protocol.clone()),
                app_protocol: None,
            })
            .collect(),
    )
}

fn owned_slices(c: &Cluster, ns: &str, svc_name: &str) -> Vec<EndpointSlice> {
    c.store
        .list_ns("EndpointSlice", ns)
        .filter_map(|s| match &s.obj {
            Object::EndpointSlice(es) => Some((**es).clone()),
            _ => None,
        })
        .filter(|es| {
            let l = es.metadata.labels.as_ref();
            l.and_then(|l| l.get(SERVICE_NAME_LABEL))
                .map(String::as_str)
                == Some(svc_name)
                && l.and_then(|l| l.get(MANAGED_BY_LABEL)).map(String::as_str)
                    == Some(CONTROLLER_NAME)
        })
        .collect()
}

pub fn reconcile(c: &mut Cluster) -> bool {
    let services: Vec<Service> = c.store.typed::<Service>().cloned().collect();
    let mut changed = false;
    for svc in &services {
        let Some(desired) = desired_slices(&c.store, svc) else {
            continue;
        };
        let ns = svc.metadata.namespace.clone().unwrap_or_default();
        let name = svc.metadata.name.clone().unwrap_or_default();
        let mut labels = svc.metadata.labels.clone().unwrap_or_default();
        labels.insert(SERVICE_NAME_LABEL.into(), name.clone());
        labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
        if is_headless(svc) {
            labels.insert(HEADLESS_LABEL.into(), String::new());
        }
        let existing = owned_slices(c, &ns, &name);
        // Reuse existing slices in name order; create or delete the difference.
        for (i, (ports, endpoints)) in desired.iter().enumerate() {
            let endpoints = (!endpoints.is_empty()).then(|| endpoints.clone());
            let ports = slice_ports(ports);
            match existing.get(i) {
                Some(es) => {
                    let key = ObjRef::new(
                        "EndpointSlice",
                        &ns,
                        es.metadata.name.as_deref().unwrap_or(""),
                    );
                    let labels = labels.clone();
                    changed |= c.store.modify(&key, |o| {
                        if let Object::EndpointSlice(s) = o {
                            s.endpoints = endpoints.unwrap_or_default();
                            s.ports = ports;
                            s.metadata.labels = Some(labels);
                        }
                    });
                }
                None => {
                    let slice = EndpointSlice {
                        metadata: ObjectMeta {
                            generate_name: Some(format!("{name}-")),
                            name: Some(format!(
                                "{name}-{}",
                                super::name_suffix(&format!("{ns}/{name}/{i}"))
                            )),
                            namespace: Some(ns.clone()),
                            labels: Some(labels.clone()),
                            owner_references: Some(vec![super::owner_ref(
                                "Service",
                                "v1",
                                &svc.metadata,
                                true,
                            )]),
                            ..ObjectMeta::default()
                        },
                        address_type: "IPv4".into(),
                        endpoints: endpoints.unwrap_or_default(),
                        ports,
                    };
                    c.store
                        .insert_new(Object::EndpointSlice(Box::new(slice)), None);
                    changed = true;
                }
            }
        }
        for es in existing.iter().skip(desired.len()) {
            let key = ObjRef::new(
                "EndpointSlice",
                &ns,
                es.metadata.name.as_deref().unwrap_or(""),
            );
            c.store.remove(&key);
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_service_gets_one_slice_with_conditions_hostnames_and_zones() {
        let mut c = Cluster::new(crate::settings::Settings::default());
        let node = json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "kind-worker", "labels": {"topology.kubernetes.io/zone": "a"}}});
        let node = crate::apiserver::decode_value(node).unwrap();
        c.store.insert_new(node, None);
        for (name, ready) in [("web-0", "True"), ("web-1", "False")] {
            let p = json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "default", "labels": {"app": "nginx"}},
                "spec": {"nodeName": "kind-worker", "hostname": name, "subdomain": "nginx",
                         "containers": [{"name": "c", "image": "nginx"}]},
                "status": {"phase": "Running", "podIP": format!("10.244.1.{}", name.len()),
                           "conditions": [{"type": "Ready", "status": ready}]}});
            let p = crate::apiserver::decode_value(p).unwrap();
            c.store.insert_new(p, None);
        }
        let s = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                     "ports": [{"name": "web", "port": 80, "protocol": "TCP"}]}});
        let s = crate::apiserver::decode_value(s).unwrap();
        c.store.insert_new(s, None);
        assert!(reconcile(&mut c));
        assert!(!reconcile(&mut c));
        let slices = owned_slices(&c, "default", "nginx");
        assert_eq!(slices.len(), 1);
        let eps = &slices[0].endpoints;
        assert_eq!(eps.len(), 2);
        assert_eq!(eps[0].hostname.as_deref(), Some("web-0"));
        assert_eq!(eps[0].zone.as_deref(), Some("a"));
        assert_eq!(eps[0].conditions.as_ref().unwrap().ready, Some(true));
        assert_eq!(eps[1].conditions.as_ref().unwrap().ready, Some(false));
        assert!(slices[0]
            .metadata
            .name
            .as_deref()
            .unwrap()
            .starts_with("nginx-"));
    }
}
