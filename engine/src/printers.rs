//! What kubectl prints: `kubectl get` tables and the durations in them.
//!
//! Follows `pkg/printers/internalversion/printers.go` (printPod, printNode, printEvent) in
//! kubernetes/kubernetes, `k8s.io/apimachinery/pkg/util/duration/duration.go` (HumanDuration)
//! and `k8s.io/cli-runtime/pkg/printers/tablewriter.go` (tabwriter: minwidth 6, padding 3).

use k8s_openapi::api::core::v1::{Node, Pod};

use crate::store::{Store, EPOCH};

/// `duration.HumanDuration` for a number of seconds.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 120 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    let seconds = secs % 60;
    if minutes < 10 {
        return if seconds == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{seconds}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    let rem_min = minutes % 60;
    if hours < 8 {
        return if rem_min == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rem_min}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    let rem_h = hours % 24;
    if hours < 192 {
        return if rem_h == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{rem_h}h")
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    let rem_d = days % 365;
    if hours < 24 * 365 * 8 {
        return if rem_d == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{rem_d}d")
        };
    }
    format!("{years}y")
}

/// Lays out rows like `text/tabwriter` with minwidth 6 and padding 3; the last column is not
/// padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<String>| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                let w = (widths[i] + 3).max(6);
                l.push_str(cell);
                for _ in cell.chars().count()..w {
                    l.push(' ');
                }
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.iter().map(|s| s.to_string()).collect());
    for r in rows {
        line(r.clone());
    }
    out
}

fn age(store: &Store, t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> String {
    match t {
        Some(t) => human_duration(EPOCH + store.now - t.0.as_second()),
        None => "<unknown>".into(),
    }
}

/// The STATUS column of `kubectl get pods` (printPod's reason logic, for the states the
/// simulation produces).
pub fn pod_status(pod: &Pod) -> String {
    let status = pod.status.as_ref();
    let mut reason = status
        .and_then(|s| s.reason.clone())
        .or_else(|| status.and_then(|s| s.phase.clone()))
        .unwrap_or_else(|| "Pending".into());
    // A container that terminated gives its reason (`Completed`), as printPod does.
    if let Some(r) = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| {
            cs.iter().rev().find_map(|c| {
                c.state
                    .as_ref()
                    .and_then(|st| st.terminated.as_ref())
                    .and_then(|t| t.reason.clone())
            })
        })
    {
        reason = r;
    }
    if crate::scheduler::plugins::scheduling_gates::shows_gated(pod) {
        reason = "SchedulingGated".into();
    }
    let scheduled = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_some();
    if reason == "Pending" && scheduled {
        reason = "ContainerCreating".into();
    }
    if pod.metadata.deletion_timestamp.is_some() && reason != "Succeeded" && reason != "Failed" {
        reason = "Terminating".into();
    }
    reason
}

/// READY: ready containers / containers.
///
/// Restartable init containers (native sidecars) count as containers of the pod, ready when
/// their status says so (`printPod` in pkg/printers/internalversion/printers.go, since the
/// SidecarContainers feature).
pub fn pod_ready(pod: &Pod) -> String {
    let restartable: Vec<&str> = pod
        .spec
        .iter()
        .flat_map(|s| s.init_containers.iter().flatten())
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.as_str())
        .collect();
    let total = pod.spec.as_ref().map(|s| s.containers.len()).unwrap_or(0) + restartable.len();
    let status = pod.status.as_ref();
    let ready = status
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().filter(|c| c.ready).count())
        .unwrap_or(0)
        + status
            .and_then(|s| s.init_container_statuses.as_ref())
            .map(|cs| {
                cs.iter()
                    .filter(|c| c.ready && restartable.contains(&c.name.as_str()))
                    .count()
            })
            .unwrap_or(0);
    format!("{ready}/{total}")
}

/// `kubectl get pods -A -o wide`.
pub fn pods_wide(store: &Store) -> String {
    pods_wide_in(store, None)
}

/// `kubectl get pods -o wide`, in one namespace (`Some`) or all (`None`, with a NAMESPACE
/// column).
pub fn pods_wide_in(store: &Store, namespace: Option<&str>) -> String {
    let list: Box<dyn Iterator<Item = &crate::store::Stored>> = match namespace {
        Some(ns) => Box::new(store.list_ns("Pod", ns)),
        None => Box::new(store.list("Pod")),
    };
    let rows: Vec<Vec<String>> = list
        .filter_map(|s| s.obj.as_pod())
        .map(|p| {
            let none = || "<none>".to_string();
            let mut row = Vec::new();
            if namespace.is_none() {
                row.push(p.metadata.namespace.clone().unwrap_or_default());
            }
            row.extend([
                p.metadata.name.clone().unwrap_or_default(),
                pod_ready(p),
                pod_status(p),
                "0".into(),
                age(store, p.metadata.creation_timestamp.as_ref()),
                p.status
                    .as_ref()
                    .and_then(|s| s.pod_ip.clone())
                    .unwrap_or_else(none),
                p.spec
                    .as_ref()
                    .and_then(|s| s.node_name.clone())
                    .unwrap_or_else(none),
                p.status
                    .as_ref()
                    .and_then(|s| s.nominated_node_name.clone())
                    .unwrap_or_else(none),
                none(),
            ]);
            row
        })
        .collect();
    if rows.is_empty() {
        return match namespace {
            Some(ns) => format!("No resources found in {ns} namespace.\n"),
            None => "No resources found\n".into(),
        };
    }
    let header = [
        "NAMESPACE",
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED NODE",
        "READINESS GATES",
    ];
    let header = if namespace.is_some() {
        &header[1..]
    } else {
        &header[..]
    };
    table(header, &rows)
}

/// `kubectl get pods [-n ns]` (narrow, one namespace).
pub fn pods(store: &Store, namespace: &str) -> String {
    let rows: Vec<Vec<String>> = store
        .list_ns("Pod", namespace)
        .filter_map(|s| s.obj.as_pod())
        .map(|p| {
            vec![
                p.metadata.name.clone().unwrap_or_default(),
                pod_ready(p),
                pod_status(p),
                "0".into(),
                age(store, p.metadata.creation_timestamp.as_ref()),
            ]
        })
        .collect();
    if rows.is_empty() {
        return format!("No resources found in {namespace} namespace.\n");
    }
    table(&["NAME", "READY", "STATUS", "RESTARTS", "AGE"], &rows)
}

/// ROLES: the suffixes of `node-role.kubernetes.io/<role>` labels.
pub fn node_roles(node: &Node) -> Vec<String> {
    let mut roles: Vec<String> = node
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/").map(String::from))
        .filter(|r| !r.is_empty())
        .collect();
    if let Some(r) = node
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("kubernetes.io/role"))
    {
        roles.push(r.clone());
    }
    roles.sort();
    roles
}

/// STATUS of a node: Ready / NotReady / Unknown, then `,SchedulingDisabled` when cordoned.
pub fn node_status(node: &Node) -> String {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"));
    let mut s = match ready {
        Some(c) if c.status == "True" => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        s.push_str(",SchedulingDisabled");
    }
    s
}

/// `kubectl get nodes`.
pub fn nodes(store: &Store) -> String {
    let rows: Vec<Vec<String>> = store
        .list("Node")
        .filter_map(|s| s.obj.as_node())
        .map(|n| {
            let roles = node_roles(n);
            vec![
                n.metadata.name.clone().unwrap_or_default(),
                node_status(n),
                if roles.is_empty() {
                    "<none>".into()
                } else {
                    roles.join(",")
                },
                age(store, n.metadata.creation_timestamp.as_ref()),
                n.status
                    .as_ref()
                    .and_then(|s| s.node_info.as_ref())
                    .map(|i| i.kubelet_version.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return "No resources found\n".into();
    }
    table(&["NAME", "STATUS", "ROLES", "AGE", "VERSION"], &rows)
}

/// The namespace an event is stored in: its object's, or `default` for a cluster-scoped object
/// (client-go's `record` package, `makeEvent`).
pub fn event_namespace(e: &crate::store::EventRecord) -> &str {
    if e.involved_object.namespace.is_empty() {
        "default"
    } else {
        &e.involved_object.namespace
    }
}

/// `kubectl get events` in one namespace (`Some`), or with `-A` (`None`, with a NAMESPACE
/// column), optionally only warnings. The rows come in the API's order, by namespace and then
/// by event name, which client-go's recorder makes `<object name>.<creation time in hex
/// nanoseconds>`: each object's events together, in the order they first happened.
pub fn events(store: &Store, namespace: Option<&str>, warnings_only: bool) -> String {
    let mut listed: Vec<(usize, &crate::store::EventRecord)> = store
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| !warnings_only || e.type_ == "Warning")
        .filter(|(_, e)| namespace.is_none_or(|ns| event_namespace(e) == ns))
        .collect();
    // The event's name as client-go makes it, `<name>.<creation time in hex nanoseconds>`,
    // compared as a string; events of the same second keep the order they happened in.
    let name = |e: &crate::store::EventRecord| {
        let secs = crate::store::EPOCH.saturating_add(e.first_seen);
        let nanos = u64::try_from(secs)
            .unwrap_or(0)
            .saturating_mul(1_000_000_000);
        format!("{}.{nanos:x}", e.involved_object.name)
    };
    listed.sort_by_cached_key(|(i, e)| (event_namespace(e).to_string(), name(e), *i));
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|(_, e)| {
            let mut row = vec![
                human_duration(store.now - e.last_seen),
                e.type_.clone(),
                e.reason.clone(),
                format!(
                    "{}/{}",
                    e.involved_object.kind.to_ascii_lowercase(),
                    e.involved_object.name
                ),
                e.message.trim().to_string(),
            ];
            if namespace.is_none() {
                row.insert(0, event_namespace(e).to_string());
            }
            row
        })
        .collect();
    if rows.is_empty() {
        return match namespace {
            Some(ns) => format!("No resources found in {ns} namespace.\n"),
            None => "No resources found\n".into(),
        };
    }
    let mut header = vec!["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
    if namespace.is_none() {
        header.insert(0, "NAMESPACE");
    }
    table(&header, &rows)
}

/// The rows of one kind, for `kubectl get <kind> [-n ns | -A] [-o wide]`: a NAMESPACE column
/// first when listing all namespaces, kubectl's "No resources found" lines when empty.
fn kind_table(
    store: &Store,
    kind: &str,
    namespace: Option<&str>,
    names: &[String],
    header: &[&str],
    row: &dyn Fn(&crate::object::Object) -> Option<Vec<String>>,
) -> String {
    let list: Box<dyn Iterator<Item = &crate::store::Stored>> = match namespace {
        Some(ns) => Box::new(store.list_ns(kind, ns)),
        None => Box::new(store.list(kind)),
    };
    let namespaced = crate::object::KINDS
        .iter()
        .find(|k| k.kind == kind)
        .is_some_and(|k| k.namespaced);
    let with_ns = namespaced && namespace.is_none();
    let rows: Vec<Vec<String>> = list
        .filter(|s| names.is_empty() || names.iter().any(|n| n == s.obj.name()))
        .filter_map(|s| {
            let mut r = row(&s.obj)?;
            if with_ns {
                r.insert(0, s.obj.namespace().unwrap_or("").to_string());
            }
            Some(r)
        })
        .collect();
    if rows.is_empty() {
        return match namespace {
            Some(ns) if namespaced => format!("No resources found in {ns} namespace.\n"),
            _ => "No resources found\n".into(),
        };
    }
    let mut h: Vec<&str> = Vec::new();
    if with_ns {
        h.push("NAMESPACE");
    }
    h.extend_from_slice(header);
    table(&h, &rows)
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
}

/// `labels.FormatLabels`: `k=v,k=v` in key order, `<none>` when empty.
fn format_labels(m: Option<&std::collections::BTreeMap<String, String>>) -> String {
    or_none(
        m.into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// `kubectl get services` (printService: `makePortString`, `getServiceExternalIP`).
pub fn services(store: &Store, namespace: Option<&str>, names: &[String], wide: bool) -> String {
    let mut header = vec![
        "NAME",
        "TYPE",
        "CLUSTER-IP",
        "EXTERNAL-IP",
        "PORT(S)",
        "AGE",
    ];
    if wide {
        header.push("SELECTOR");
    }
    kind_table(store, "Service", namespace, names, &header, &|o| {
        let crate::object::Object::Service(svc) = o else {
            return None;
        };
        let spec = svc.spec.clone().unwrap_or_default();
        let type_ = spec.type_.clone().unwrap_or_else(|| "ClusterIP".into());
        let cluster_ip = spec
            .cluster_ips
            .as_ref()
            .and_then(|ips| ips.first().cloned())
            .or(spec.cluster_ip.clone())
            .unwrap_or_else(|| "<none>".into());
        let external: Vec<String> = spec.external_ips.clone().unwrap_or_default();
        let external_ip = match type_.as_str() {
            "ClusterIP" | "NodePort" => or_none(external.join(",")),
            "LoadBalancer" => {
                let mut ips: Vec<String> = svc
                    .status
                    .as_ref()
                    .and_then(|s| s.load_balancer.as_ref())
                    .and_then(|lb| lb.ingress.as_ref())
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i.ip.clone())
                    .collect();
                let lb_empty = ips.is_empty();
                ips.extend(external.iter().cloned());
                if lb_empty && external.is_empty() {
                    "<pending>".into()
                } else {
                    ips.join(",")
                }
            }
            "ExternalName" => spec.external_name.clone().unwrap_or_default(),
            _ => "unknown".into(),
        };
        let ports: Vec<String> = spec
            .ports
            .iter()
            .flatten()
            .map(|p| {
                let proto = p.protocol.as_deref().unwrap_or("TCP");
                match p.node_port.filter(|n| *n > 0) {
                    Some(np) => format!("{}:{np}/{proto}", p.port),
                    None => format!("{}/{proto}", p.port),
                }
            })
            .collect();
        let mut row = vec![
            svc.metadata.name.clone().unwrap_or_default(),
            type_,
            cluster_ip,
            external_ip,
            or_none(ports.join(",")),
            age(store, svc.metadata.creation_timestamp.as_ref()),
        ];
        if wide {
            row.push(format_labels(spec.selector.as_ref()));
        }
        Some(row)
    })
}

/// `formatEndpoints`: up to three `ip:port` pairs, then ` + N more...`.
pub fn format_endpoints(e: &k8s_openapi::api::core::v1::Endpoints) -> String {
    let subsets = e.subsets.as_deref().unwrap_or(&[]);
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for ss in subsets {
        let addrs = ss.addresses.as_deref().unwrap_or(&[]);
        let ports = ss.ports.as_deref().unwrap_or(&[]);
        if ports.is_empty() {
            count += addrs.len();
            for a in addrs {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(a.ip.clone());
            }
            continue;
        }
        for p in ports {
            count += addrs.len();
            for a in addrs {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(format!("{}:{}", a.ip, p.port));
            }
        }
    }
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count.saturating_sub(MAX));
    }
    ret
}

/// `kubectl get endpoints`.
pub fn endpoints(store: &Store, namespace: Option<&str>, names: &[String]) -> String {
    kind_table(
        store,
        "Endpoints",
        namespace,
        names,
        &["NAME", "ENDPOINTS", "AGE"],
        &|o| {
            let crate::object::Object::Endpoints(e) = o else {
                return None;
            };
            Some(vec![
                e.metadata.name.clone().unwrap_or_default(),
                format_endpoints(e.as_ref()),
                age(store, e.metadata.creation_timestamp.as_ref()),
            ])
        },
    )
}

/// `listWithMoreString`: up to three items, then ` + N more...`; `<unset>` when empty.
fn list_with_more(items: Vec<String>) -> String {
    const MAX: usize = 3;
    let count = items.len();
    let ret = items.into_iter().take(MAX).collect::<Vec<_>>().join(",");
    if count > MAX {
        return format!("{ret} + {} more...", count - MAX);
    }
    if ret.is_empty() {
        return "<unset>".into();
    }
    ret
}

/// `kubectl get endpointslices` (printEndpointSlice: `formatDiscoveryPorts`,
/// `formatDiscoveryEndpoints`).
pub fn endpoint_slices(store: &Store, namespace: Option<&str>, names: &[String]) -> String {
    let header = ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"];
    kind_table(store, "EndpointSlice", namespace, names, &header, &|o| {
        let crate::object::Object::EndpointSlice(es) = o else {
            return None;
        };
        let ports = es
            .ports
            .iter()
            .flatten()
            .map(|p| match (p.port, &p.name) {
                (Some(n), _) => n.to_string(),
                (None, Some(name)) => name.clone(),
                (None, None) => "*".into(),
            })
            .collect();
        let addresses = es
            .endpoints
            .iter()
            .flat_map(|e| e.addresses.iter().cloned())
            .collect();
        Some(vec![
            es.metadata.name.clone().unwrap_or_default(),
            es.address_type.clone(),
            list_with_more(ports),
            list_with_more(addresses),
            age(store, es.metadata.creation_timestamp.as_ref()),
        ])
    })
}

/// `helper.GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order.
pub fn access_modes(modes: Option<&Vec<String>>) -> String {
    let modes = modes.map(Vec::as_slice).unwrap_or(&[]);
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(m, _)| modes.iter().any(|x| x == m))
    .map(|(_, s)| *s)
    .collect::<Vec<_>>()
    .join(",")
}

fn storage(
    m: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >,
) -> String {
    m.and_then(|m| m.get("storage"))
        .map(|q| q.0.clone())
        .unwrap_or_default()
}

/// `kubectl get pv` (printPersistentVolume; VOLUMEATTRIBUTESCLASS from 1.29).
pub fn persistent_volumes(store: &Store, names: &[String], minor: u32, wide: bool) -> String {
    let mut header = vec![
        "NAME",
        "CAPACITY",
        "ACCESS MODES",
        "RECLAIM POLICY",
        "STATUS",
        "CLAIM",
        "STORAGECLASS",
    ];
    if minor >= 29 {
        header.push("VOLUMEATTRIBUTESCLASS");
    }
    header.extend(["REASON", "AGE"]);
    if wide {
        header.push("VOLUMEMODE");
    }
    kind_table(store, "PersistentVolume", None, names, &header, &|o| {
        let crate::object::Object::PersistentVolume(v) = o else {
            return None;
        };
        let spec = v.spec.clone().unwrap_or_default();
        let claim = spec
            .claim_ref
            .as_ref()
            .map(|r| {
                format!(
                    "{}/{}",
                    r.namespace.as_deref().unwrap_or(""),
                    r.name.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_default();
        let status = v.status.clone().unwrap_or_default();
        let phase = if v.metadata.deletion_timestamp.is_some() {
            "Terminating".to_string()
        } else {
            status.phase.clone().unwrap_or_default()
        };
        let mut row = vec![
            v.metadata.name.clone().unwrap_or_default(),
            storage(spec.capacity.as_ref()),
            access_modes(spec.access_modes.as_ref()),
            spec.persistent_volume_reclaim_policy
                .clone()
                .unwrap_or_default(),
            phase,
            claim,
            crate::controllers::persistentvolume::volume_class(v),
        ];
        if minor >= 29 {
            row.push(
                spec.volume_attributes_class_name
                    .clone()
                    .unwrap_or_else(|| "<unset>".into()),
            );
        }
        row.push(status.reason.clone().unwrap_or_default());
        row.push(age(store, v.metadata.creation_timestamp.as_ref()));
        if wide {
            row.push(spec.volume_mode.clone().unwrap_or_else(|| "<unset>".into()));
        }
        Some(row)
    })
}

/// `kubectl get pvc` (printPersistentVolumeClaim; VOLUMEATTRIBUTESCLASS from 1.29).
pub fn persistent_volume_claims(
    store: &Store,
    namespace: Option<&str>,
    names: &[String],
    minor: u32,
    wide: bool,
) -> String {
    let mut header = vec![
        "NAME",
        "STATUS",
        "VOLUME",
        "CAPACITY",
        "ACCESS MODES",
        "STORAGECLASS",
    ];
    if minor >= 29 {
        header.push("VOLUMEATTRIBUTESCLASS");
    }
    header.push("AGE");
    if wide {
        header.push("VOLUMEMODE");
    }
    kind_table(
        store,
        "PersistentVolumeClaim",
        namespace,
        names,
        &header,
        &|o| {
            let crate::object::Object::PersistentVolumeClaim(p) = o else {
                return None;
            };
            let spec = p.spec.clone().unwrap_or_default();
            let status = p.status.clone().unwrap_or_default();
            let phase = if p.metadata.deletion_timestamp.is_some() {
                "Terminating".to_string()
            } else {
                status.phase.clone().unwrap_or_default()
            };
            let mut row = vec![
                p.metadata.name.clone().unwrap_or_default(),
                phase,
                spec.volume_name.clone().unwrap_or_default(),
                storage(status.capacity.as_ref()),
                access_modes(status.access_modes.as_ref()),
                crate::controllers::persistentvolume::claim_class(p),
            ];
            if minor >= 29 {
                row.push(
                    spec.volume_attributes_class_name
                        .clone()
                        .unwrap_or_else(|| "<unset>".into()),
                );
            }
            row.push(age(store, p.metadata.creation_timestamp.as_ref()));
            if wide {
                row.push(spec.volume_mode.clone().unwrap_or_else(|| "<unset>".into()));
            }
            Some(row)
        },
    )
}

/// `kubectl get storageclasses` (printStorageClass: `(default)` after the default's name).
pub fn storage_classes(store: &Store, names: &[String]) -> String {
    let header = [
        "NAME",
        "PROVISIONER",
        "RECLAIMPOLICY",
        "VOLUMEBINDINGMODE",
        "ALLOWVOLUMEEXPANSION",
        "AGE",
    ];
    kind_table(store, "StorageClass", None, names, &header, &|o| {
        let crate::object::Object::StorageClass(sc) = o else {
            return None;
        };
        let mut name = sc.metadata.name.clone().unwrap_or_default();
        let default = sc.metadata.annotations.as_ref().is_some_and(|a| {
            a.get("storageclass.kubernetes.io/is-default-class")
                .map(String::as_str)
                == Some("true")
                || a.get("storageclass.beta.kubernetes.io/is-default-class")
                    .map(String::as_str)
                    == Some("true")
        });
        if default {
            name.push_str(" (default)");
        }
        Some(vec![
            name,
            sc.provisioner.clone(),
            sc.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
            sc.volume_binding_mode
                .clone()
                .unwrap_or_else(|| "Immediate".into()),
            sc.allow_volume_expansion.unwrap_or(false).to_string(),
            age(store, sc.metadata.creation_timestamp.as_ref()),
        ])
    })
}

/// `kubectl get serviceaccounts` (printServiceAccount: SECRETS counts `secrets`, the token
/// Secrets the tokens controller listed until 1.24).
pub fn service_accounts(store: &Store, namespace: Option<&str>, names: &[String]) -> String {
    kind_table(
        store,
        "ServiceAccount",
        namespace,
        names,
        &["NAME", "SECRETS", "AGE"],
        &|o| {
            let crate::object::Object::ServiceAccount(sa) = o else {
                return None;
            };
            Some(vec![
                sa.metadata.name.clone().unwrap_or_default(),
                sa.secrets.as_ref().map_or(0, Vec::len).to_string(),
                age(store, sa.metadata.creation_timestamp.as_ref()),
            ])
        },
    )
}

/// `kubectl get secrets` (printSecret: TYPE, DATA is the number of keys).
pub fn secrets(store: &Store, namespace: Option<&str>, names: &[String]) -> String {
    kind_table(
        store,
        "Secret",
        namespace,
        names,
        &["NAME", "TYPE", "DATA", "AGE"],
        &|o| {
            let crate::object::Object::Secret(s) = o else {
                return None;
            };
            Some(vec![
                s.metadata.name.clone().unwrap_or_default(),
                s.type_.clone().unwrap_or_default(),
                s.data
                    .as_ref()
                    .map_or(0, std::collections::BTreeMap::len)
                    .to_string(),
                age(store, s.metadata.creation_timestamp.as_ref()),
            ])
        },
    )
}

/// `kubectl get configmaps` (printConfigMap: DATA counts `data` and `binaryData`).
pub fn config_maps(store: &Store, namespace: Option<&str>, names: &[String]) -> String {
    kind_table(
        store,
        "ConfigMap",
        namespace,
        names,
        &["NAME", "DATA", "AGE"],
        &|o| {
            let crate::object::Object::ConfigMap(cm) = o else {
                return None;
            };
            let count = cm.data.as_ref().map_or(0, std::collections::BTreeMap::len)
                + cm.binary_data
                    .as_ref()
                    .map_or(0, std::collections::BTreeMap::len);
            Some(vec![
                cm.metadata.name.clone().unwrap_or_default(),
                count.to_string(),
                age(store, cm.metadata.creation_timestamp.as_ref()),
            ])
        },
    )
}

/// `kubectl get namespaces` (printNamespace: STATUS is the phase).
pub fn namespaces(store: &Store, names: &[String]) -> String {
    kind_table(
        store,
        "Namespace",
        None,
        names,
        &["NAME", "STATUS", "AGE"],
        &|o| {
            let crate::object::Object::Namespace(ns) = o else {
                return None;
            };
            Some(vec![
                ns.metadata.name.clone().unwrap_or_default(),
                ns.status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_default(),
                age(store, ns.metadata.creation_timestamp.as_ref()),
            ])
        },
    )
}

/// `kubectl get statefulsets` (printStatefulSet: READY is ready / desired replicas).
pub fn stateful_sets(
    store: &Store,
    namespace: Option<&str>,
    names: &[String],
    wide: bool,
) -> String {
    let mut header = vec!["NAME", "READY", "AGE"];
    if wide {
        header.extend(["CONTAINERS", "IMAGES"]);
    }
    kind_table(store, "StatefulSet", namespace, names, &header, &|o| {
        let crate::object::Object::StatefulSet(s) = o else {
            return None;
        };
        let spec = s.spec.clone().unwrap_or_default();
        let ready = s
            .status
            .as_ref()
            .and_then(|st| st.ready_replicas)
            .unwrap_or(0);
        let desired = spec.replicas.unwrap_or(0);
        let mut row = vec![
            s.metadata.name.clone().unwrap_or_default(),
            format!("{ready}/{desired}"),
            age(store, s.metadata.creation_timestamp.as_ref()),
        ];
        if wide {
            let containers = spec
                .template
                .spec
                .as_ref()
                .map(|p| p.containers.as_slice())
                .unwrap_or(&[]);
            row.push(
                containers
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(","),
            );
            row.push(
                containers
                    .iter()
                    .map(|c| c.image.clone().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        Some(row)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ObjRef;

    #[test]
    fn events_list_as_the_api_does_by_namespace_then_object_name_then_time() {
        let mut store = Store::new();
        store.event(
            "Normal",
            "Scheduled",
            ObjRef::new("Pod", "default", "web"),
            "b".into(),
            "s",
        );
        store.advance(5);
        store.event(
            "Normal",
            "Scheduled",
            ObjRef::new("Pod", "default", "web-0"),
            "a".into(),
            "s",
        );
        store.event(
            "Warning",
            "Rebooted",
            ObjRef::new("Node", "", "kind-worker"),
            "n".into(),
            "k",
        );
        store.event(
            "Normal",
            "Created",
            ObjRef::new("Pod", "apps", "api"),
            "c".into(),
            "s",
        );
        // `web.0.<hex>` sorts before `web.<hex>`: '0' comes before the time's first digit.
        let web0 = ObjRef::new("Pod", "default", "web.0");
        store.event("Normal", "Created", web0, "d".into(), "s");
        let all = events(&store, None, false);
        let objects: Vec<&str> = all
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().nth(4))
            .collect();
        // `web-0.` sorts before `web.`; the node's event is stored in `default`.
        assert_eq!(
            objects,
            [
                "pod/api",
                "node/kind-worker",
                "pod/web-0",
                "pod/web.0",
                "pod/web"
            ],
            "{all}"
        );
        let default_only = events(&store, Some("default"), false);
        assert!(default_only.starts_with("LAST SEEN"), "{default_only}");
        assert_eq!(default_only.lines().count(), 5, "{default_only}");
        assert_eq!(
            events(&store, Some("kube-system"), false),
            "No resources found in kube-system namespace.\n"
        );
        assert_eq!(events(&store, None, true).lines().count(), 2);
    }

    #[test]
    fn ready_counts_native_sidecars_but_not_init_containers_that_completed() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "initContainers": [
                    {"name": "setup", "image": "busybox"},
                    {"name": "logshipper", "image": "busybox", "restartPolicy": "Always"}
                ],
                "containers": [{"name": "app", "image": "nginx"}]
            },
            "status": {
                "initContainerStatuses": [
                    {"name": "setup", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0},
                    {"name": "logshipper", "image": "busybox", "imageID": "", "ready": true, "restartCount": 0}
                ],
                "containerStatuses": [
                    {"name": "app", "image": "nginx", "imageID": "", "ready": false, "restartCount": 0}
                ]
            }
        }))
        .unwrap();
        assert_eq!(pod_ready(&pod), "1/2");
    }

    #[test]
    fn human_duration_table() {
        for (s, want) in [
            (-5, "<invalid>"),
            (0, "0s"),
            (90, "90s"),
            (119, "119s"),
            (120, "2m"),
            (123, "2m3s"),
            (599, "9m59s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 240, "3h4m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (51 * 3600, "2d3h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
        ] {
            assert_eq!(human_duration(s), want, "{s}");
        }
    }

    #[test]
    fn tables_pad_like_tabwriter() {
        let t = table(&["NAME", "READY"], &[vec!["web".into(), "1/1".into()]]);
        assert_eq!(t, "NAME   READY\nweb    1/1\n");
    }
}

#[cfg(test)]
mod service_and_storage_printer_tests {
    use super::*;
    use serde_json::json;

    fn store_with(objs: &[serde_json::Value]) -> Store {
        let mut s = Store::new();
        for v in objs {
            let o = crate::apiserver::decode_value(v.clone()).unwrap();
            s.insert_new(o, None);
        }
        s
    }

    #[test]
    fn service_columns_follow_print_service() {
        let store = store_with(&[
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb", "namespace": "default"},
                "spec": {"type": "LoadBalancer", "clusterIP": "10.96.1.2", "clusterIPs": ["10.96.1.2"],
                         "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                                   {"port": 53, "nodePort": 30053, "protocol": "UDP"}]}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "np", "namespace": "default"},
                "spec": {"type": "NodePort", "clusterIP": "10.96.1.3", "externalIPs": ["1.2.3.4"],
                         "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]}}),
        ]);
        assert_eq!(
            services(&store, Some("default"), &[], false),
            "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)                     AGE\n\
             lb     LoadBalancer   10.96.1.2    <pending>     80:30080/TCP,53:30053/UDP   0s\n\
             np     NodePort       10.96.1.3    1.2.3.4       443:31443/TCP               0s\n"
        );
        assert_eq!(
            services(&store, Some("prod"), &[], false),
            "No resources found in prod namespace.\n"
        );
    }

    #[test]
    fn endpoints_show_three_addresses_then_how_many_more() {
        let e: k8s_openapi::api::core::v1::Endpoints = serde_json::from_value(json!({
            "metadata": {"name": "x"},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
                         "ports": [{"port": 80}, {"port": 443}]}]}))
        .unwrap();
        assert_eq!(
            format_endpoints(&e),
            "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."
        );
        let headless: k8s_openapi::api::core::v1::Endpoints = serde_json::from_value(json!({
            "metadata": {"name": "x"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]}))
        .unwrap();
        assert_eq!(format_endpoints(&headless), "10.0.0.1");
        let empty: k8s_openapi::api::core::v1::Endpoints =
            serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
        assert_eq!(format_endpoints(&empty), "<none>");
        assert_eq!(
            list_with_more(vec![
                "a".into(),
                "b".into(),
                "c".into(),
                "d".into(),
                "e".into()
            ]),
            "a,b,c + 2 more..."
        );
        assert_eq!(list_with_more(Vec::new()), "<unset>");
    }

    #[test]
    fn access_modes_print_short_in_a_fixed_order() {
        let modes = vec![
            "ReadWriteOncePod".to_string(),
            "ReadWriteMany".to_string(),
            "ReadWriteOnce".to_string(),
        ];
        assert_eq!(access_modes(Some(&modes)), "RWO,RWX,RWOP");
        assert_eq!(access_modes(None), "");
    }

    #[test]
    fn the_volume_attributes_class_column_appears_from_1_29_and_the_default_class_is_marked() {
        let store = store_with(&[
            json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
                "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                         "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "slow",
                         "hostPath": {"path": "/x"}},
                "status": {"phase": "Available"}}),
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}),
        ]);
        assert!(persistent_volumes(&store, &[], 28, false).starts_with(
            "NAME   CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS      CLAIM   STORAGECLASS   REASON   AGE\n"
        ));
        assert!(persistent_volumes(&store, &[], 29, false)
            .contains("STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON"));
        assert_eq!(
            storage_classes(&store, &[]),
            "NAME                 PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE\n\
             standard (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  0s\n"
        );
    }
}
