//! Service addresses: the API server's ClusterIP and NodePort allocators, and the `kubernetes`
//! Service the API server keeps in `default`.
//!
//! Follows `pkg/registry/core/service/ipallocator` (the service CIDR, kind's `10.96.0.0/16`;
//! the first address is reserved for the `kubernetes` Service; dynamic allocation prefers the
//! upper band above `min(max(16, size/16), 256)` addresses, so a /16 hands out addresses from
//! `10.96.1.0` up), `pkg/registry/core/service/portallocator` (node ports from
//! `30000-32767`) and `pkg/controlplane/controller/kubernetesservice/controller.go` (the
//! `kubernetes` Service: ClusterIP `10.96.0.1`, port `https` 443 → 6443, with its Endpoints
//! and EndpointSlice pointing at the control plane).
//!
//! Upstream allocates at create time, at random; kubefiddle allocates when the cluster settles
//! after the request (before anything can read the Service), deterministically: a hash of
//! `namespace/name` picks the start of a linear probe, so the same Service gets the same
//! address whatever else the scenario holds. `10.96.0.10`, kind's `kube-dns`, is never handed
//! out. Headless (`clusterIP: None`) and ExternalName Services get no address.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Service;

use crate::apiserver::{decode_value, Cluster};
use crate::object::Object;
use crate::store::ObjRef;

/// kind's `--service-cluster-ip-range` base, `10.96.0.0/16`.
const BASE: [u8; 2] = [10, 96];
/// `kubernetes` and `kube-dns`.
const RESERVED: [u32; 2] = [1, 10];
/// The lower band kept for static addresses in a /16.
const DYNAMIC_OFFSET: u32 = 256;
const RANGE: u32 = 65_536;
/// The default `--service-node-port-range`.
const NODE_PORTS: (i32, i32) = (30_000, 32_767);

pub fn reconcile(c: &mut Cluster) -> bool {
    let mut changed = ensure_kubernetes_service(c);
    let services: Vec<Service> = c.store.typed::<Service>().cloned().collect();
    let mut used_ips: BTreeSet<String> = services
        .iter()
        .filter_map(|s| s.spec.as_ref()?.cluster_ip.clone())
        .collect();
    let mut used_ports: BTreeSet<i32> = services
        .iter()
        .flat_map(|s| s.spec.iter().flat_map(|sp| sp.ports.iter().flatten()))
        .filter_map(|p| p.node_port)
        .collect();
    for svc in services {
        let Some(spec) = svc.spec.as_ref() else {
            continue;
        };
        let type_ = spec.type_.as_deref().unwrap_or("ClusterIP");
        if type_ == "ExternalName" {
            continue;
        }
        let ns = svc.metadata.namespace.clone().unwrap_or_default();
        let name = svc.metadata.name.clone().unwrap_or_default();
        let key = ObjRef::new("Service", &ns, &name);
        let needs_ip = spec.cluster_ip.as_deref().is_none_or(str::is_empty);
        let ip = needs_ip.then(|| allocate_ip(&format!("{ns}/{name}"), &used_ips));
        if let Some(ip) = &ip {
            used_ips.insert(ip.clone());
        }
        let wants_node_ports = matches!(type_, "NodePort" | "LoadBalancer");
        let mut node_ports = Vec::new();
        if wants_node_ports {
            for (i, p) in spec.ports.iter().flatten().enumerate() {
                if p.node_port.is_none() {
                    let port = allocate_node_port(&format!("{ns}/{name}/{i}"), &used_ports);
                    used_ports.insert(port);
                    node_ports.push((i, port));
                }
            }
        }
        if ip.is_none() && node_ports.is_empty() {
            continue;
        }
        changed |= c.store.modify(&key, |o| {
            if let Object::Service(s) = o {
                if let Some(spec) = s.spec.as_mut() {
                    if let Some(ip) = ip {
                        spec.cluster_ip = Some(ip.clone());
                        spec.cluster_ips = Some(vec![ip]);
                    }
                    for (i, port) in node_ports {
                        if let Some(p) = spec.ports.as_mut().and_then(|ps| ps.get_mut(i)) {
                            p.node_port = Some(port);
                        }
                    }
                }
            }
        });
    }
    changed
}

/// The address at `offset` in the service CIDR.
fn address(offset: u32) -> String {
    format!("{}.{}.{}.{}", BASE[0], BASE[1], offset / 256, offset % 256)
}

/// A free address of the upper band, probing from a hash of `seed`.
pub fn allocate_ip(seed: &str, used: &BTreeSet<String>) -> String {
    let band = RANGE - DYNAMIC_OFFSET - 1; // without the broadcast address
    let start = super::fnv32a(seed.as_bytes()) % band;
    for i in 0..band {
        let offset = DYNAMIC_OFFSET + (start + i) % band;
        let ip = address(offset);
        if !used.contains(&ip) {
            return ip;
        }
    }
    // The upper band is full: the lower one, as the allocator falls back to it.
    (2..DYNAMIC_OFFSET)
        .filter(|o| !RESERVED.contains(o))
        .map(address)
        .find(|ip| !used.contains(ip))
        .unwrap_or_else(|| address(2))
}

/// A free node port, probing from a hash of `seed`.
pub fn allocate_node_port(seed: &str, used: &BTreeSet<i32>) -> i32 {
    let size = NODE_PORTS.1 - NODE_PORTS.0 + 1;
    let span = u32::try_from(size).unwrap_or(1).max(1);
    let start = i32::try_from(super::fnv32a(seed.as_bytes()) % span).unwrap_or(0);
    (0..size)
        .map(|i| NODE_PORTS.0 + (start + i) % size)
        .find(|p| !used.contains(p))
        .unwrap_or(NODE_PORTS.0)
}

/// The `kubernetes` Service, its Endpoints and its EndpointSlice, once.
fn ensure_kubernetes_service(c: &mut Cluster) -> bool {
    if c.store
        .contains(&ObjRef::new("Service", "default", "kubernetes"))
    {
        return false;
    }
    if c.store.get_obj("Namespace", "", "default").is_none() {
        return false;
    }
    let api_ip = c
        .store
        .list("Node")
        .filter_map(|s| s.obj.as_node())
        .find(|n| {
            n.metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key("node-role.kubernetes.io/control-plane"))
        })
        .and_then(|n| n.status.as_ref()?.addresses.clone())
        .and_then(|a| a.into_iter().find(|a| a.type_ == "InternalIP"))
        .map(|a| a.address);
    let labels = serde_json::json!({"component": "apiserver", "provider": "kubernetes"});
    let mut docs = vec![serde_json::json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": labels},
        "spec": {"type": "ClusterIP", "clusterIP": address(RESERVED[0]),
                 "clusterIPs": [address(RESERVED[0])], "sessionAffinity": "None",
                 "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
                 "ipFamilyPolicy": "SingleStack",
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}})];
    if let Some(ip) = api_ip {
        docs.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": ip}],
                         "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]}));
        docs.push(serde_json::json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": true}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}));
    }
    for d in docs {
        if let Ok(obj) = decode_value(d) {
            c.store.insert_new(obj, None);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_come_from_the_upper_band_and_skip_taken_ones() {
        let mut used = BTreeSet::new();
        let a = allocate_ip("default/nginx", &used);
        assert!(a.starts_with("10.96."));
        let third: u32 = a.split('.').nth(2).unwrap().parse().unwrap();
        assert!(third >= 1, "{a} is in the static band");
        assert_eq!(a, allocate_ip("default/nginx", &used), "deterministic");
        used.insert(a.clone());
        let b = allocate_ip("default/nginx", &used);
        assert_ne!(a, b);
    }

    #[test]
    fn node_ports_stay_in_the_default_range() {
        let used = BTreeSet::from([30_000]);
        for seed in ["a", "b", "default/web/0"] {
            let p = allocate_node_port(seed, &used);
            assert!((30_001..=32_767).contains(&p), "{p}");
        }
    }

    #[test]
    fn the_kubernetes_service_is_created_once_at_the_first_address() {
        let mut c = Cluster::new(crate::settings::Settings::default());
        for n in crate::settings::default_nodes(c.settings.minor) {
            c.register_node(n);
        }
        assert!(reconcile(&mut c));
        assert!(!reconcile(&mut c));
        let Some(Object::Service(s)) = c.store.get_obj("Service", "default", "kubernetes") else {
            panic!("no kubernetes service");
        };
        assert_eq!(
            s.spec.as_ref().unwrap().cluster_ip.as_deref(),
            Some("10.96.0.1")
        );
        assert!(c
            .store
            .get_obj("Endpoints", "default", "kubernetes")
            .is_some());
    }
}
