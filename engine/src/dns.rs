//! The records a cluster DNS serves for the Services in the store, as kind's CoreDNS would
//! answer them.
//!
//! Follows the Kubernetes DNS-Based Service Discovery specification (kubernetes/dns
//! `docs/specification.md`, version 1.1.0): for a Service with a ClusterIP,
//! `<service>.<ns>.svc.<zone>. A <cluster-ip>`, an `SRV` record per named port
//! (`_<port>._<proto>.<service>.<ns>.svc.<zone>.`) and a `PTR` for the address; for a headless
//! Service, an `A` record per ready endpoint under the service name and under
//! `<hostname>.<service>.<ns>.svc.<zone>.`, one `SRV` record per ready endpoint and named port
//! pointing at that name, and a `PTR` per endpoint; for an ExternalName Service, a `CNAME`.
//! Where the specification leaves values open, kubefiddle gives CoreDNS's `kubernetes` plugin
//! answers (`plugin/kubernetes`): an endpoint without `hostname` is named by its dashed IP
//! (`10-244-1-2`), SRV priority is 0 and the weight is 100 shared among the records of the
//! name, and the TTL is 30 seconds (kind's Corefile sets `ttl 30`). Ready endpoints are the
//! `addresses` (not `notReadyAddresses`) of the Service's Endpoints. The deprecated
//! `<a>-<b>-<c>-<d>.<ns>.pod.<zone>` records (`pods insecure`) answer any address and are not
//! listed.

use serde::Serialize;

use k8s_openapi::api::core::v1::{EndpointAddress, Endpoints, Service};

use crate::object::Object;
use crate::store::Store;

/// kind's cluster domain.
pub const ZONE: &str = "cluster.local";
/// kind's CoreDNS TTL.
pub const TTL: u32 = 30;

/// One resource record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Fully qualified, with the trailing dot.
    pub name: String,
    pub ttl: u32,
    #[serde(rename = "type")]
    pub type_: String,
    /// The record data as zone files write it (`10.96.0.1`, `0 100 443 kubernetes…`).
    pub data: String,
}

impl Record {
    fn new(name: String, type_: &str, data: String) -> Self {
        Record {
            name,
            ttl: TTL,
            type_: type_.into(),
            data,
        }
    }

    /// `name. ttl IN TYPE data`, as `dig` prints an answer.
    pub fn line(&self) -> String {
        format!("{} {} IN {} {}", self.name, self.ttl, self.type_, self.data)
    }
}

/// `<service>.<ns>.svc.<zone>.`
pub fn service_name(service: &str, ns: &str) -> String {
    format!("{service}.{ns}.svc.{ZONE}.")
}

/// `<d>.<c>.<b>.<a>.in-addr.arpa.` for an IPv4 address.
pub fn reverse_name(ip: &str) -> Option<String> {
    let parts: Vec<&str> = ip.split('.').collect();
    if parts.len() != 4 || parts.iter().any(|p| p.parse::<u8>().is_err()) {
        return None;
    }
    let rev: Vec<&str> = parts.into_iter().rev().collect();
    Some(format!("{}.in-addr.arpa.", rev.join(".")))
}

/// The endpoint's _hostname_: its `hostname`, else CoreDNS's dashed address.
pub fn endpoint_hostname(addr: &EndpointAddress) -> String {
    match addr.hostname.as_deref().filter(|h| !h.is_empty()) {
        Some(h) => h.to_string(),
        None => addr.ip.replace(['.', ':'], "-"),
    }
}

fn srv_data(weight: usize, port: i32, target: &str) -> String {
    format!("0 {weight} {port} {target}")
}

/// The records for one Service, given its Endpoints (if any).
pub fn service_records(svc: &Service, endpoints: Option<&Endpoints>) -> Vec<Record> {
    let ns = svc.metadata.namespace.as_deref().unwrap_or("default");
    let name = svc.metadata.name.as_deref().unwrap_or("");
    let fqdn = service_name(name, ns);
    let Some(spec) = svc.spec.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if spec.type_.as_deref() == Some("ExternalName") {
        if let Some(target) = spec.external_name.as_deref().filter(|t| !t.is_empty()) {
            let target = if target.ends_with('.') {
                target.to_string()
            } else {
                format!("{target}.")
            };
            out.push(Record::new(fqdn, "CNAME", target));
        }
        return out;
    }
    let named_ports: Vec<(String, String, i32)> = spec
        .ports
        .iter()
        .flatten()
        .filter_map(|p| {
            let n = p.name.clone().filter(|n| !n.is_empty())?;
            let proto = p.protocol.as_deref().unwrap_or("TCP").to_ascii_lowercase();
            Some((n, proto, p.port))
        })
        .collect();
    match spec.cluster_ip.as_deref() {
        Some("None") => {
            let ready: Vec<&EndpointAddress> = endpoints
                .into_iter()
                .flat_map(|e| e.subsets.iter().flatten())
                .flat_map(|s| s.addresses.iter().flatten())
                .collect();
            let mut seen = std::collections::BTreeSet::new();
            let ready: Vec<&EndpointAddress> = ready
                .into_iter()
                .filter(|a| seen.insert(a.ip.clone()))
                .collect();
            for a in &ready {
                out.push(Record::new(fqdn.clone(), "A", a.ip.clone()));
            }
            for a in &ready {
                let host = format!("{}.{fqdn}", endpoint_hostname(a));
                out.push(Record::new(host, "A", a.ip.clone()));
            }
            let weight = 100 / ready.len().max(1);
            for (port, proto, number) in &named_ports {
                for a in &ready {
                    let host = format!("{}.{fqdn}", endpoint_hostname(a));
                    out.push(Record::new(
                        format!("_{port}._{proto}.{fqdn}"),
                        "SRV",
                        srv_data(
                            weight,
                            endpoint_port(endpoints, a, port).unwrap_or(*number),
                            &host,
                        ),
                    ));
                }
            }
            for a in &ready {
                if let Some(rev) = reverse_name(&a.ip) {
                    let host = format!("{}.{fqdn}", endpoint_hostname(a));
                    out.push(Record::new(rev, "PTR", host));
                }
            }
        }
        Some(ip) if !ip.is_empty() => {
            out.push(Record::new(fqdn.clone(), "A", ip.to_string()));
            for (port, proto, number) in &named_ports {
                out.push(Record::new(
                    format!("_{port}._{proto}.{fqdn}"),
                    "SRV",
                    srv_data(100, *number, &fqdn),
                ));
            }
            if let Some(rev) = reverse_name(ip) {
                out.push(Record::new(rev, "PTR", fqdn));
            }
        }
        _ => {}
    }
    out
}

/// For a headless Service CoreDNS answers SRV with the endpoint's port (the resolved target
/// port) of the same name.
fn endpoint_port(endpoints: Option<&Endpoints>, addr: &EndpointAddress, name: &str) -> Option<i32> {
    endpoints?
        .subsets
        .iter()
        .flatten()
        .find(|s| s.addresses.iter().flatten().any(|a| a.ip == addr.ip))?
        .ports
        .iter()
        .flatten()
        .find(|p| p.name.as_deref() == Some(name))
        .map(|p| p.port)
}

/// Every record the cluster DNS serves, Service by Service in namespace and name order.
pub fn records(store: &Store) -> Vec<Record> {
    let mut out = Vec::new();
    for s in store.list("Service") {
        let Object::Service(svc) = &s.obj else {
            continue;
        };
        let ns = svc.metadata.namespace.as_deref().unwrap_or("");
        let name = svc.metadata.name.as_deref().unwrap_or("");
        let eps = match store.get_obj("Endpoints", ns, name) {
            Some(Object::Endpoints(e)) => Some(e.as_ref()),
            _ => None,
        };
        out.extend(service_records(svc, eps));
    }
    out
}

/// The records as `dig` would print them, one per line.
pub fn zone_text(store: &Store) -> String {
    records(store).iter().map(|r| r.line() + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn svc(v: serde_json::Value) -> Service {
        serde_json::from_value(v).unwrap()
    }

    fn lines(rs: &[Record]) -> Vec<String> {
        rs.iter().map(Record::line).collect()
    }

    #[test]
    fn a_cluster_ip_service_has_an_a_record_srv_for_named_ports_only_and_a_ptr() {
        let s = svc(
            json!({"metadata": {"name": "kubernetes", "namespace": "default"},
            "spec": {"clusterIP": "10.96.0.1",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP"},
                               {"port": 80, "protocol": "TCP"}]}}),
        );
        assert_eq!(
            lines(&service_records(&s, None)),
            [
                "kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1",
                "_https._tcp.kubernetes.default.svc.cluster.local. 30 IN SRV 0 100 443 kubernetes.default.svc.cluster.local.",
                "1.0.96.10.in-addr.arpa. 30 IN PTR kubernetes.default.svc.cluster.local.",
            ]
        );
    }

    #[test]
    fn a_headless_service_lists_ready_endpoints_under_their_hostnames() {
        let s = svc(
            json!({"metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"clusterIP": "None", "ports": [{"name": "web", "port": 80, "protocol": "TCP"}]}}),
        );
        let e: Endpoints = serde_json::from_value(json!({"metadata": {"name": "nginx"},
            "subsets": [{"addresses": [{"ip": "10.244.1.2", "hostname": "web-0"},
                                       {"ip": "10.244.2.2"}],
                         "notReadyAddresses": [{"ip": "10.244.1.3", "hostname": "web-1"}],
                         "ports": [{"name": "web", "port": 80, "protocol": "TCP"}]}]}))
        .unwrap();
        assert_eq!(
            lines(&service_records(&s, Some(&e))),
            [
                "nginx.default.svc.cluster.local. 30 IN A 10.244.1.2",
                "nginx.default.svc.cluster.local. 30 IN A 10.244.2.2",
                "web-0.nginx.default.svc.cluster.local. 30 IN A 10.244.1.2",
                "10-244-2-2.nginx.default.svc.cluster.local. 30 IN A 10.244.2.2",
                "_web._tcp.nginx.default.svc.cluster.local. 30 IN SRV 0 50 80 web-0.nginx.default.svc.cluster.local.",
                "_web._tcp.nginx.default.svc.cluster.local. 30 IN SRV 0 50 80 10-244-2-2.nginx.default.svc.cluster.local.",
                "2.1.244.10.in-addr.arpa. 30 IN PTR web-0.nginx.default.svc.cluster.local.",
                "2.2.244.10.in-addr.arpa. 30 IN PTR 10-244-2-2.nginx.default.svc.cluster.local.",
            ]
        );
        // No ready endpoints: the name exists but has no records.
        assert!(service_records(&s, None).is_empty());
    }

    #[test]
    fn an_external_name_service_is_a_cname() {
        let s = svc(json!({"metadata": {"name": "db", "namespace": "prod"},
            "spec": {"type": "ExternalName", "externalName": "db.example.com"}}));
        assert_eq!(
            lines(&service_records(&s, None)),
            ["db.prod.svc.cluster.local. 30 IN CNAME db.example.com."]
        );
    }
}
