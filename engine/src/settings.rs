//! Cluster settings, and the cluster's nodes when the scenario does not give them.
//!
//! A scenario may hold one settings document:
//!
//! ```yaml
//! apiVersion: kubefiddle.dev/v1alpha1
//! kind: Settings
//! kubernetesVersion: "1.34"          # the simulated cluster's version (1.20 … 1.34)
//! user: alice                         # who runs the scenario (kubectl --as); default: a cluster-admin
//! groups: [dev]                       # kubectl --as-group
//! apiServer:
//!   extraArgs:                        # kube-apiserver flags, as kubeadm's ClusterConfiguration takes them
//!     enable-admission-plugins: PodSecurityPolicy
//!     disable-admission-plugins: DefaultStorageClass
//! ```
//!
//! and a kind cluster config (`kind.x-k8s.io/v1alpha4` `Cluster`), which becomes the Nodes kind
//! would create. Without either, nor any Node manifest, the cluster is kind's default shape with
//! two workers. Node naming, labels and the control-plane taint follow kubernetes-sigs/kind
//! (`pkg/cluster/internal/create/actions/config`, `pkg/cluster/nodeutils`), and the kubeadm
//! node labels (`node-role.kubernetes.io/control-plane`,
//! `node.kubernetes.io/exclude-from-external-load-balancers`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo, Taint,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::Value;

pub const SETTINGS_API_VERSION: &str = "kubefiddle.dev/v1alpha1";
pub const KIND_API_VERSION: &str = "kind.x-k8s.io/v1alpha4";

/// The oldest and newest Kubernetes minor versions kubefiddle simulates.
pub const MIN_MINOR: u32 = 20;
pub const MAX_MINOR: u32 = 34;
pub const DEFAULT_MINOR: u32 = 34;

/// The user the scenario runs as: `kubectl --as` / `--as-group`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl Default for UserInfo {
    fn default() -> Self {
        UserInfo::admin(DEFAULT_MINOR)
    }
}

impl UserInfo {
    /// kind's kubeconfig user, `kubernetes-admin`: a client certificate in the
    /// `kubeadm:cluster-admins` group since kubeadm 1.29, in `system:masters` before.
    pub fn admin(minor: u32) -> Self {
        let group = if minor >= 29 {
            "kubeadm:cluster-admins"
        } else {
            "system:masters"
        };
        UserInfo {
            name: "kubernetes-admin".to_string(),
            groups: vec![group.to_string(), "system:authenticated".to_string()],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Minor version of the simulated Kubernetes 1.x.
    pub minor: u32,
    pub user: UserInfo,
    /// `--enable-admission-plugins`, split.
    pub enable_admission_plugins: Vec<String>,
    /// `--disable-admission-plugins`, split.
    pub disable_admission_plugins: Vec<String>,
    /// Plugin configuration from an `AdmissionConfiguration` document (`--admission-control-config-file`):
    /// plugin name → its `configuration`.
    pub admission_config: BTreeMap<String, Value>,
    /// A `KubeSchedulerConfiguration` document (`kube-scheduler --config`), validated when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduler_config: Option<Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            minor: DEFAULT_MINOR,
            user: UserInfo::default(),
            enable_admission_plugins: Vec::new(),
            disable_admission_plugins: Vec::new(),
            admission_config: BTreeMap::new(),
            scheduler_config: None,
        }
    }
}

impl Settings {
    pub fn version_string(&self) -> String {
        format!("v1.{}.0", self.minor)
    }

    /// Reads a settings document. Errors name the field.
    pub fn from_value(v: &Value) -> Result<Settings, (String, String)> {
        let mut s = Settings::default();
        let mut user_given = false;
        let Value::Object(map) = v else {
            return Err((String::new(), "settings must be a mapping".into()));
        };
        for (key, val) in map {
            match key.as_str() {
                "apiVersion" | "kind" | "metadata" => {}
                "kubernetesVersion" => {
                    let text = match val {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => String::new(),
                    };
                    s.minor = parse_minor(&text).ok_or_else(|| {
                        (
                            key.clone(),
                            format!(
                                "unsupported kubernetesVersion {text:?}: kubefiddle simulates 1.{MIN_MINOR} to 1.{MAX_MINOR}"
                            ),
                        )
                    })?;
                }
                "user" => {
                    user_given = true;
                    s.user.name = val
                        .as_str()
                        .ok_or((key.clone(), "user must be a string".to_string()))?
                        .to_string();
                    s.user.groups = vec!["system:authenticated".to_string()];
                }
                "groups" => {
                    let list = val
                        .as_array()
                        .ok_or((key.clone(), "groups must be a list of strings".to_string()))?;
                    let mut groups: Vec<String> = list
                        .iter()
                        .filter_map(|g| g.as_str().map(String::from))
                        .collect();
                    if !groups.iter().any(|g| g == "system:authenticated") {
                        groups.push("system:authenticated".to_string());
                    }
                    s.user.groups = groups;
                }
                "apiServer" => {
                    let args = val.get("extraArgs").and_then(Value::as_object);
                    for (flag, v) in args.into_iter().flatten() {
                        let list = split_list(v.as_str().unwrap_or(""));
                        match flag.as_str() {
                            "enable-admission-plugins" => s.enable_admission_plugins = list,
                            "disable-admission-plugins" => s.disable_admission_plugins = list,
                            other => {
                                return Err((
                                    format!("apiServer.extraArgs.{other}"),
                                    format!("unknown kube-apiserver flag --{other} (kubefiddle reads --enable-admission-plugins and --disable-admission-plugins)"),
                                ))
                            }
                        }
                    }
                }
                other => {
                    return Err((other.to_string(), format!("unknown field {other:?}")));
                }
            }
        }
        if !user_given {
            let groups: Vec<String> = s.user.groups.clone();
            s.user = UserInfo::admin(s.minor);
            if map.contains_key("groups") {
                s.user.groups = groups;
            }
        }
        Ok(s)
    }
}

/// `apiserver.config.k8s.io` AdmissionConfiguration: the configuration of each plugin, inline
/// (`configuration:`); a `path:` to a file cannot be read in a browser and is refused.
pub const ADMISSION_CONFIG_GROUP: &str = "apiserver.config.k8s.io/";

pub fn admission_configuration(v: &Value) -> Result<BTreeMap<String, Value>, (String, String)> {
    let mut out = BTreeMap::new();
    let plugins = match v.get("plugins") {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Array(p)) => p,
        Some(_) => return Err(("plugins".into(), "plugins must be a list".into())),
    };
    for (i, p) in plugins.iter().enumerate() {
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() {
            return Err((
                format!("plugins[{i}].name"),
                "every plugin needs a name".into(),
            ));
        }
        if p.get("path").is_some() {
            return Err((
                format!("plugins[{i}].path"),
                "kubefiddle cannot read files: give the plugin's configuration inline under `configuration:`".into(),
            ));
        }
        out.insert(
            name.to_string(),
            p.get("configuration").cloned().unwrap_or(Value::Null),
        );
    }
    Ok(out)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

/// "1.24", "v1.24.3", "1.24.0" → 24.
pub fn parse_minor(text: &str) -> Option<u32> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t.split('.');
    if parts.next()? != "1" {
        return None;
    }
    let minor: u32 = parts.next()?.parse().ok()?;
    (MIN_MINOR..=MAX_MINOR).contains(&minor).then_some(minor)
}

/// One node of a kind cluster config.
#[derive(Clone, Debug, PartialEq)]
struct KindNode {
    role: String,
    labels: BTreeMap<String, String>,
}

/// Expands a kind `Cluster` config into the Nodes kind would create.
pub fn kind_cluster_nodes(v: &Value, minor: u32) -> Result<Vec<Node>, (String, String)> {
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("kind")
        .to_string();
    let mut nodes = Vec::new();
    match v.get("nodes") {
        None | Some(Value::Null) => nodes.push(KindNode {
            role: "control-plane".into(),
            labels: BTreeMap::new(),
        }),
        Some(Value::Array(list)) => {
            for (i, n) in list.iter().enumerate() {
                let role = n
                    .get("role")
                    .and_then(Value::as_str)
                    .unwrap_or("control-plane");
                if role != "control-plane" && role != "worker" {
                    return Err((
                        format!("nodes[{i}].role"),
                        format!("unknown node role {role:?}: kind accepts \"control-plane\" and \"worker\""),
                    ));
                }
                let mut labels = BTreeMap::new();
                if let Some(Value::Object(l)) = n.get("labels") {
                    for (k, val) in l {
                        let text = match val {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        labels.insert(k.clone(), text);
                    }
                }
                nodes.push(KindNode {
                    role: role.to_string(),
                    labels,
                });
            }
        }
        Some(_) => return Err(("nodes".into(), "nodes must be a list".into())),
    }
    if !nodes.iter().any(|n| n.role == "control-plane") {
        return Err((
            "nodes".into(),
            "must have at least one node with role \"control-plane\"".into(),
        ));
    }
    // kind names nodes <cluster>-control-plane, <cluster>-control-plane2, <cluster>-worker,
    // <cluster>-worker2, … in order of appearance per role.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let c = counts.entry(n.role.clone()).or_insert(0);
        *c += 1;
        let suffix = if *c == 1 {
            String::new()
        } else {
            c.to_string()
        };
        let node_name = format!("{name}-{}{suffix}", n.role);
        out.push(make_node(
            &node_name,
            n.role == "control-plane",
            &n.labels,
            i,
            minor,
        ));
    }
    // kind's kubeadminit action: "if we are only provisioning one node, remove the control
    // plane taint" (`kubectl taint nodes --all node-role.kubernetes.io/control-plane-`).
    if let [only] = out.as_mut_slice() {
        if let Some(spec) = only.spec.as_mut() {
            spec.taints = None;
        }
    }
    Ok(out)
}

/// kind's default cluster, as the playground uses it: one control-plane node and two workers.
pub fn default_nodes(minor: u32) -> Vec<Node> {
    let v = serde_json::json!({"nodes": [
        {"role": "control-plane"}, {"role": "worker"}, {"role": "worker"}
    ]});
    kind_cluster_nodes(&v, minor).unwrap_or_default()
}

/// What kind's kubelet reports for a node it registers, for Nodes a scenario declares without
/// a status (capacity it does give is kept).
pub fn kubelet_status(name: &str, index: usize, minor: u32) -> NodeStatus {
    make_node(name, false, &BTreeMap::new(), index, minor)
        .status
        .unwrap_or_default()
}

/// A Node as kind's kubelet registers it: 4 CPUs, 8 GiB, 110 pods, Ready.
fn make_node(
    name: &str,
    control_plane: bool,
    extra_labels: &BTreeMap<String, String>,
    index: usize,
    minor: u32,
) -> Node {
    let mut labels = BTreeMap::new();
    labels.insert("beta.kubernetes.io/arch".to_string(), "amd64".to_string());
    labels.insert("beta.kubernetes.io/os".to_string(), "linux".to_string());
    labels.insert("kubernetes.io/arch".to_string(), "amd64".to_string());
    labels.insert("kubernetes.io/hostname".to_string(), name.to_string());
    labels.insert("kubernetes.io/os".to_string(), "linux".to_string());
    let mut taints = None;
    if control_plane {
        labels.insert(
            "node-role.kubernetes.io/control-plane".to_string(),
            String::new(),
        );
        // KEP-2067 "rename-master-label-taint": kubeadm 1.20 added the control-plane label
        // next to the master one, which 1.24 dropped.
        if minor < 24 {
            labels.insert("node-role.kubernetes.io/master".to_string(), String::new());
        }
        // From kubeadm 1.21 (kubernetes/kubernetes#98269).
        if minor >= 21 {
            labels.insert(
                "node.kubernetes.io/exclude-from-external-load-balancers".to_string(),
                String::new(),
            );
        }
        // kubeadm taints control-plane nodes `node-role.kubernetes.io/master` until 1.23,
        // `node-role.kubernetes.io/control-plane` from 1.25, and both in 1.24, the master one
        // first (KEP-2067; kind removes them from a single node: the master taint before 1.24,
        // both "for versions < 1.25"). The master taint is the one 1.24's scheduler names.
        let mut list = Vec::new();
        if minor < 25 {
            list.push(Taint {
                key: "node-role.kubernetes.io/master".to_string(),
                effect: "NoSchedule".to_string(),
                ..Taint::default()
            });
        }
        if minor >= 24 {
            list.push(Taint {
                key: "node-role.kubernetes.io/control-plane".to_string(),
                effect: "NoSchedule".to_string(),
                ..Taint::default()
            });
        }
        taints = Some(list);
    }
    for (k, v) in extra_labels {
        labels.insert(k.clone(), v.clone());
    }
    let mut capacity = BTreeMap::new();
    capacity.insert("cpu".to_string(), Quantity("4".into()));
    capacity.insert("ephemeral-storage".to_string(), Quantity("100Gi".into()));
    capacity.insert("hugepages-1Gi".to_string(), Quantity("0".into()));
    capacity.insert("hugepages-2Mi".to_string(), Quantity("0".into()));
    capacity.insert("memory".to_string(), Quantity("8Gi".into()));
    capacity.insert("pods".to_string(), Quantity("110".into()));
    let ip = format!("172.18.0.{}", index + 2);
    Node {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        spec: Some(NodeSpec {
            pod_cidr: Some(format!("10.244.{index}.0/24")),
            pod_cidrs: Some(vec![format!("10.244.{index}.0/24")]),
            provider_id: Some(format!("kind://docker/kind/{name}")),
            taints,
            ..NodeSpec::default()
        }),
        status: Some(NodeStatus {
            addresses: Some(vec![
                NodeAddress {
                    type_: "InternalIP".into(),
                    address: ip,
                },
                NodeAddress {
                    type_: "Hostname".into(),
                    address: name.to_string(),
                },
            ]),
            allocatable: Some(capacity.clone()),
            capacity: Some(capacity),
            conditions: Some(vec![NodeCondition {
                type_: "Ready".into(),
                status: "True".into(),
                reason: Some("KubeletReady".into()),
                message: Some("kubelet is posting ready status".into()),
                ..NodeCondition::default()
            }]),
            node_info: Some(NodeSystemInfo {
                architecture: "amd64".into(),
                container_runtime_version: "containerd://2.1.1".into(),
                kubelet_version: format!("v1.{minor}.0"),
                kube_proxy_version: String::new(),
                operating_system: "linux".into(),
                os_image: "Debian GNU/Linux 12 (bookworm)".into(),
                kernel_version: "6.8.0".into(),
                boot_id: String::new(),
                machine_id: String::new(),
                system_uuid: String::new(),
                ..NodeSystemInfo::default()
            }),
            ..NodeStatus::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kind_names_nodes_by_role_in_order() {
        let v = json!({"name": "demo", "nodes": [
            {"role": "control-plane"}, {"role": "worker"}, {"role": "worker", "labels": {"disktype": "ssd"}},
            {"role": "control-plane"}]});
        let nodes = kind_cluster_nodes(&v, 34).unwrap();
        let names: Vec<&str> = nodes
            .iter()
            .map(|n| n.metadata.name.as_deref().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "demo-control-plane",
                "demo-worker",
                "demo-worker2",
                "demo-control-plane2"
            ]
        );
        assert_eq!(
            nodes[2].metadata.labels.as_ref().unwrap()["disktype"],
            "ssd"
        );
        assert!(nodes[0].spec.as_ref().unwrap().taints.is_some());
        assert!(nodes[1].spec.as_ref().unwrap().taints.is_none());
    }

    #[test]
    fn control_plane_taints_by_version_and_none_on_a_single_node() {
        let v = json!({"nodes": [{"role": "control-plane"}, {"role": "worker"}]});
        let keys = |minor: u32| -> Vec<String> {
            let nodes = kind_cluster_nodes(&v, minor).unwrap_or_default();
            let taints = nodes.first().and_then(|n| n.spec.as_ref()?.taints.clone());
            taints
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.key)
                .collect()
        };
        assert_eq!(
            keys(24),
            [
                "node-role.kubernetes.io/master",
                "node-role.kubernetes.io/control-plane"
            ]
        );
        assert_eq!(keys(25), ["node-role.kubernetes.io/control-plane"]);
        assert_eq!(keys(20), ["node-role.kubernetes.io/master"]);
        assert_eq!(keys(23), ["node-role.kubernetes.io/master"]);
        let roles = |minor: u32| -> Vec<String> {
            let nodes = kind_cluster_nodes(&v, minor).unwrap_or_default();
            let labels = nodes.first().and_then(|n| n.metadata.labels.clone());
            labels
                .unwrap_or_default()
                .into_keys()
                .filter(|k| k.starts_with("node-role.") || k.contains("exclude-from"))
                .collect()
        };
        assert_eq!(
            roles(20),
            [
                "node-role.kubernetes.io/control-plane",
                "node-role.kubernetes.io/master"
            ]
        );
        assert_eq!(
            roles(21).len(),
            3,
            "kubeadm 1.21 adds exclude-from-external-load-balancers"
        );
        assert_eq!(roles(24).len(), 2, "kubeadm 1.24 drops the master label");
        let single = json!({"nodes": [{"role": "control-plane"}]});
        for minor in [20, 23, 24, 34] {
            let nodes = kind_cluster_nodes(&single, minor).unwrap_or_default();
            assert_eq!(nodes.len(), 1);
            assert!(
                nodes[0]
                    .spec
                    .as_ref()
                    .and_then(|s| s.taints.as_ref())
                    .is_none(),
                "kind untaints a lone control-plane node (1.{minor})"
            );
        }
    }

    #[test]
    fn settings_read_flags_and_versions() {
        let s = Settings::from_value(&json!({"kubernetesVersion": "1.24", "user": "alice",
            "apiServer": {"extraArgs": {"enable-admission-plugins": "PodSecurityPolicy, AlwaysPullImages"}}}))
        .unwrap();
        assert_eq!(s.minor, 24);
        assert_eq!(s.user.name, "alice");
        assert_eq!(
            s.enable_admission_plugins,
            ["PodSecurityPolicy", "AlwaysPullImages"]
        );
        assert!(Settings::from_value(&json!({"kubernetesVersion": "1.12"})).is_err());
        assert!(Settings::from_value(&json!({"colour": "red"})).is_err());
    }
}
