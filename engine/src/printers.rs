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
pub fn pod_ready(pod: &Pod) -> String {
    let total = pod.spec.as_ref().map(|s| s.containers.len()).unwrap_or(0);
    let ready = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().filter(|c| c.ready).count())
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

/// `kubectl get events -A` (optionally only warnings), in the order they happened.
pub fn events(store: &Store, warnings_only: bool) -> String {
    let rows: Vec<Vec<String>> = store
        .events
        .iter()
        .filter(|e| !warnings_only || e.type_ == "Warning")
        .map(|e| {
            vec![
                e.involved_object.namespace.clone(),
                human_duration(store.now - e.last_seen),
                e.type_.clone(),
                e.reason.clone(),
                format!(
                    "{}/{}",
                    e.involved_object.kind.to_ascii_lowercase(),
                    e.involved_object.name
                ),
                e.message.trim().to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return "No resources found\n".into();
    }
    table(
        &[
            "NAMESPACE",
            "LAST SEEN",
            "TYPE",
            "REASON",
            "OBJECT",
            "MESSAGE",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
