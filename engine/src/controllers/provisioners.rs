//! What each provisioner accepts of a claim: its access modes and volume mode.
//!
//! Two kinds of provisioner answer a claim of a StorageClass:
//!
//! - **In-tree plugins** that the PersistentVolume controller runs itself
//!   (`provisionClaimOperation` in `pkg/controller/volume/persistentvolume/pv_controller.go`).
//!   Each checks the claim's access modes against its own (`util.ContainsAllAccessModes` in its
//!   `Provision`, `pkg/volume/<plugin>/`): `invalid AccessModes [ReadWriteMany]: only
//!   AccessModes [ReadWriteOnce ReadOnlyMany] are supported`, which the controller reports as
//!   `Failed to provision volume with StorageClass "<class>": <error>`. ReadWriteOncePod is in
//!   no plugin's list. The plugins that were neither migrated to CSI nor removed by 1.24 left
//!   one by one: flocker, quobyte and storageos after 1.24, glusterfs after 1.25, rbd and cephfs
//!   after 1.30, and portworx was migrated to `pxd.portworx.com` in 1.31. A removed plugin is
//!   `no volume plugin matched name: kubernetes.io/<plugin>`.
//! - **External provisioners** (`kubernetes-csi/external-provisioner` over
//!   `sig-storage-lib-external-provisioner`), including the in-tree names migrated to CSI
//!   (`csi-translation-lib` passes the claim's modes through unchanged). The library refuses a
//!   Block claim of a provisioner without block support before it starts (`<provisioner> does
//!   not support block volume provisioning`); otherwise each access mode becomes a CSI volume
//!   capability (ReadWriteOnce and ReadWriteOncePod `SINGLE_NODE_WRITER`, ReadOnlyMany
//!   `MULTI_NODE_READER_ONLY`, ReadWriteMany `MULTI_NODE_MULTI_WRITER`) and the driver's
//!   CreateVolume decides, its gRPC error passed through as `rpc error: code = <code> desc =
//!   <message>`. The library wraps it as `failed to provision volume with StorageClass
//!   "<class>": <error>` up to its v11.0 (external-provisioner v5.x, and every
//!   local-path-provisioner); kubefiddle simulates those releases.
//!
//! The drivers' checks, each from its CreateVolume:
//! - `rancher.io/local-path` (kind's default class; `provisioner.go` in
//!   rancher/local-path-provisioner, v0.0.25 and later): node paths take only ReadWriteOnce and
//!   ReadWriteOncePod; no block volumes.
//! - `ebs.csi.aws.com` (`pkg/driver/controller.go` in kubernetes-sigs/aws-ebs-csi-driver):
//!   `SINGLE_NODE_WRITER`, and `MULTI_NODE_MULTI_WRITER` for Block volumes only, which EC2 then
//!   attaches to several instances only for io2 volumes (`pkg/cloud/cloud.go`).
//! - `disk.csi.azure.com` (`IsValidVolumeCapabilities` in kubernetes-sigs/azuredisk-csi-driver,
//!   v1.30 and later): shared access only for Block volumes of a class with `maxShares` of 2 or
//!   more.
//! - `pd.csi.storage.gke.io` (`pkg/gce-pd-csi-driver/utils.go` and `controller.go`): no
//!   multi-writer with a filesystem; a read-only claim needs a data source to copy.
//! - `file.csi.azure.com` (`pkg/azurefile/controllerserver.go`): any mode, no block volumes.
//! - `csi.vsphere.vmware.com` (`pkg/csi/service/common/util.go` in
//!   kubernetes-sigs/vsphere-csi-driver): a claim with ReadOnlyMany or ReadWriteMany is a file
//!   volume, which takes neither Block nor the single-node modes.
//! - `cinder.csi.openstack.org` (`pkg/csi/cinder/controllerserver.go`) checks nothing at
//!   creation, and neither does a driver kubefiddle does not know.

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;

const RWO: &str = "ReadWriteOnce";
const ROX: &str = "ReadOnlyMany";
const RWX: &str = "ReadWriteMany";
const RWOP: &str = "ReadWriteOncePod";

/// An in-tree plugin that still provisions in the selected version.
pub struct InTree {
    pub name: &'static str,
    /// `GetAccessModes` of the plugin.
    pub modes: &'static [&'static str],
}

/// The in-tree provisioning plugins kubefiddle's versions still ship, and the last minor
/// version of each (inclusive). cephfs never provisioned: its plugin is not provisionable.
const IN_TREE: &[(&str, &[&str], u32)] = &[
    ("kubernetes.io/flocker", &[RWO], 24),
    ("kubernetes.io/quobyte", &[RWO, ROX, RWX], 24),
    ("kubernetes.io/storageos", &[RWO, ROX], 24),
    ("kubernetes.io/glusterfs", &[RWO, ROX, RWX], 25),
    ("kubernetes.io/rbd", &[RWO, ROX], 30),
    ("kubernetes.io/portworx-volume", &[RWO, RWX], 30),
];

/// Plugins kube-controller-manager registers that cannot provision
/// (`ProbeControllerVolumePlugins` in `cmd/kube-controller-manager/app/plugins.go`).
const NOT_PROVISIONABLE: &[&str] = &[
    "kubernetes.io/nfs",
    "kubernetes.io/local-volume",
    "kubernetes.io/csi",
];

/// What the PV controller does with a `kubernetes.io/` provisioner that is not migrated.
pub enum Plugin {
    /// It provisions itself.
    InTree(InTree),
    /// `findProvisionablePlugin` finds no plugin: the message of the `ProvisioningFailed`
    /// event.
    Missing(String),
}

/// The in-tree plugin for a provisioner name, in the selected version; `None` for a name the
/// PV controller leaves to an external provisioner (migrated, or not `kubernetes.io/`).
pub fn in_tree(provisioner: &str, minor: u32) -> Option<Plugin> {
    if !provisioner.starts_with("kubernetes.io/") || migrated(provisioner, minor).is_some() {
        return None;
    }
    if let Some((name, modes, _)) = IN_TREE
        .iter()
        .find(|(name, _, last)| *name == provisioner && minor <= *last)
    {
        return Some(Plugin::InTree(InTree { name, modes }));
    }
    if provisioner == "kubernetes.io/host-path" {
        // Registered and provisionable, but only with --enable-hostpath-provisioner; kubefiddle
        // treats it as provisioning.
        return None;
    }
    if NOT_PROVISIONABLE.contains(&provisioner) {
        return Some(Plugin::Missing(
            "no provisionable volume plugin matched".into(),
        ));
    }
    Some(Plugin::Missing(format!(
        "no volume plugin matched name: {provisioner}"
    )))
}

/// The CSI driver an in-tree provisioner name is migrated to (`csi-translation-lib`).
pub fn migrated(provisioner: &str, minor: u32) -> Option<&'static str> {
    match provisioner {
        "kubernetes.io/gce-pd" => Some("pd.csi.storage.gke.io"),
        "kubernetes.io/aws-ebs" => Some("ebs.csi.aws.com"),
        "kubernetes.io/azure-disk" => Some("disk.csi.azure.com"),
        "kubernetes.io/azure-file" => Some("file.csi.azure.com"),
        "kubernetes.io/cinder" => Some("cinder.csi.openstack.org"),
        "kubernetes.io/vsphere-volume" => Some("csi.vsphere.vmware.com"),
        "kubernetes.io/portworx-volume" if minor >= 31 => Some("pxd.portworx.com"),
        _ => None,
    }
}

/// The claim's access modes as its spec lists them.
fn modes(claim: &PersistentVolumeClaim) -> Vec<String> {
    claim
        .spec
        .as_ref()
        .and_then(|s| s.access_modes.clone())
        .unwrap_or_default()
}

fn is_block(claim: &PersistentVolumeClaim) -> bool {
    claim.spec.as_ref().and_then(|s| s.volume_mode.as_deref()) == Some("Block")
}

/// An in-tree plugin's check (`util.ContainsAllAccessModes`); the error as Go prints it.
pub fn in_tree_check(plugin: &InTree, claim: &PersistentVolumeClaim) -> Result<(), String> {
    let wanted = modes(claim);
    if wanted.iter().all(|m| plugin.modes.contains(&m.as_str())) {
        return Ok(());
    }
    Err(format!(
        "invalid AccessModes [{}]: only AccessModes [{}] are supported",
        wanted.join(" "),
        plugin.modes.join(" ")
    ))
}

/// The library's check before it starts: a Block claim of a provisioner without block support.
pub fn block_refusal(provisioner: &str, claim: &PersistentVolumeClaim) -> Option<String> {
    (provisioner == "rancher.io/local-path" && is_block(claim))
        .then(|| format!("{provisioner} does not support block volume provisioning"))
}

/// The CSI access mode of a Kubernetes one (`accessmodes.ToCSIAccessMode` without
/// SINGLE_NODE_MULTI_WRITER).
fn csi_mode(mode: &str) -> &'static str {
    match mode {
        ROX => "MULTI_NODE_READER_ONLY",
        RWX => "MULTI_NODE_MULTI_WRITER",
        _ => "SINGLE_NODE_WRITER",
    }
}

fn invalid_argument(desc: &str) -> String {
    format!("rpc error: code = InvalidArgument desc = {desc}")
}

/// The driver's CreateVolume checks of the claim; the error as the provisioner reports it,
/// before the library's prefix. `pv_name` is the volume it would create.
pub fn create_volume_check(
    driver: &str,
    claim: &PersistentVolumeClaim,
    class: &StorageClass,
    pv_name: &str,
) -> Result<(), String> {
    let wanted = modes(claim);
    let block = is_block(claim);
    let param = |key: &str| {
        class
            .parameters
            .as_ref()
            .and_then(|p| p.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v.as_str())
    };
    let has = |m: &str| wanted.iter().any(|w| w == m);
    match driver {
        "rancher.io/local-path" => {
            if wanted.iter().all(|m| m == RWO || m == RWOP) {
                Ok(())
            } else {
                Err(
                    "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes"
                        .into(),
                )
            }
        }
        "ebs.csi.aws.com" => {
            let supported = wanted
                .iter()
                .all(|m| m == RWO || m == RWOP || (m == RWX && block));
            if !supported {
                return Err(invalid_argument("Volume capabilities not supported"));
            }
            if has(RWX) && param("type").unwrap_or("gp3") != "io2" {
                return Err(format!(
                    "rpc error: code = Aborted desc = Could not create volume {pv_name:?}: CreateDisk: multi-attach is only supported for io2 volumes"
                ));
            }
            Ok(())
        }
        "disk.csi.azure.com" => {
            let shares: u32 = param("maxShares").and_then(|v| v.parse().ok()).unwrap_or(1);
            for m in wanted.iter().filter(|m| *m == ROX || *m == RWX) {
                if !block {
                    return Err(invalid_argument(&format!(
                        "mountVolume is not supported for access mode: {}",
                        csi_mode(m)
                    )));
                }
                if shares < 2 {
                    return Err(invalid_argument(&format!(
                        "access mode: {} is not supported for non-shared disk",
                        csi_mode(m)
                    )));
                }
            }
            Ok(())
        }
        "pd.csi.storage.gke.io" => {
            if has(RWX) && !block {
                return Err(invalid_argument(
                    "VolumeCapabilities is invalid: specified multi writer with mount access type",
                ));
            }
            let read_only = has(ROX) && !has(RWX);
            let source = claim
                .spec
                .as_ref()
                .is_some_and(|s| s.data_source.is_some() || s.data_source_ref.is_some());
            if read_only && !source {
                return Err(invalid_argument(
                    "VolumeContentSource must be provided when AccessMode is set to read only",
                ));
            }
            Ok(())
        }
        "file.csi.azure.com" if block => Err(invalid_argument(
            "CreateVolume Volume capabilities not valid: driver does not support block volumes",
        )),
        "csi.vsphere.vmware.com" if has(ROX) || has(RWX) => {
            let err = |inner: &str| {
                invalid_argument(&format!("volume capability not supported. Err: {inner}"))
            };
            if block {
                return Err(err(
                    "block volume mode is not supported for ReadWriteMany or ReadOnlyMany volume creation",
                ));
            }
            match wanted.iter().find(|m| *m == RWO || *m == RWOP) {
                Some(m) => Err(err(&format!(
                    "{} access mode is not supported for \"FILE\" volumes",
                    csi_mode(m)
                ))),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(modes: &[&str], block: bool) -> PersistentVolumeClaim {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "data"},
            "spec": {"accessModes": modes, "volumeMode": if block {"Block"} else {"Filesystem"}},
        }))
        .expect("claim")
    }

    fn class(params: &[(&str, &str)]) -> StorageClass {
        let params: serde_json::Map<String, serde_json::Value> = params
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect();
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "slow"}, "provisioner": "x", "parameters": params,
        }))
        .expect("class")
    }

    #[test]
    fn each_driver_accepts_only_its_access_modes_with_its_own_words() {
        let invalid = |d: &str| format!("rpc error: code = InvalidArgument desc = {d}");
        type Case<'a> = (
            &'a str,
            &'a [&'a str],
            bool,
            &'a [(&'a str, &'a str)],
            Result<(), String>,
        );
        let cases: Vec<Case> = vec![
            ("rancher.io/local-path", &[RWO], false, &[], Ok(())),
            ("rancher.io/local-path", &[RWOP], false, &[], Ok(())),
            (
                "rancher.io/local-path",
                &[RWX],
                false,
                &[],
                Err("NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes".into()),
            ),
            ("ebs.csi.aws.com", &[RWO], false, &[], Ok(())),
            ("ebs.csi.aws.com", &[RWX], false, &[], Err(invalid("Volume capabilities not supported"))),
            ("ebs.csi.aws.com", &[ROX], true, &[], Err(invalid("Volume capabilities not supported"))),
            ("ebs.csi.aws.com", &[RWX], true, &[("type", "io2")], Ok(())),
            (
                "ebs.csi.aws.com",
                &[RWX],
                true,
                &[("type", "io1")],
                Err("rpc error: code = Aborted desc = Could not create volume \"pvc-1\": CreateDisk: multi-attach is only supported for io2 volumes".into()),
            ),
            (
                "disk.csi.azure.com",
                &[RWO, ROX],
                false,
                &[],
                Err(invalid("mountVolume is not supported for access mode: MULTI_NODE_READER_ONLY")),
            ),
            (
                "disk.csi.azure.com",
                &[RWX],
                true,
                &[],
                Err(invalid("access mode: MULTI_NODE_MULTI_WRITER is not supported for non-shared disk")),
            ),
            ("disk.csi.azure.com", &[RWX], true, &[("maxShares", "2")], Ok(())),
            (
                "pd.csi.storage.gke.io",
                &[RWX],
                false,
                &[],
                Err(invalid("VolumeCapabilities is invalid: specified multi writer with mount access type")),
            ),
            (
                "pd.csi.storage.gke.io",
                &[RWO, ROX],
                false,
                &[],
                Err(invalid("VolumeContentSource must be provided when AccessMode is set to read only")),
            ),
            ("pd.csi.storage.gke.io", &[RWX], true, &[], Ok(())),
            ("file.csi.azure.com", &[RWX, ROX], false, &[], Ok(())),
            (
                "file.csi.azure.com",
                &[RWO],
                true,
                &[],
                Err(invalid("CreateVolume Volume capabilities not valid: driver does not support block volumes")),
            ),
            ("csi.vsphere.vmware.com", &[RWX], false, &[], Ok(())),
            (
                "csi.vsphere.vmware.com",
                &[RWO, RWX],
                false,
                &[],
                Err(invalid("volume capability not supported. Err: SINGLE_NODE_WRITER access mode is not supported for \"FILE\" volumes")),
            ),
            ("cinder.csi.openstack.org", &[RWX], false, &[], Ok(())),
            ("nfs.csi.k8s.io", &[RWX], false, &[], Ok(())),
        ];
        for (driver, modes, block, params, want) in cases {
            let got = create_volume_check(driver, &claim(modes, block), &class(params), "pvc-1");
            assert_eq!(got, want, "{driver} {modes:?} block={block} {params:?}");
        }
    }

    #[test]
    fn in_tree_plugins_check_their_modes_and_leave_with_their_release() {
        let Some(Plugin::InTree(rbd)) = in_tree("kubernetes.io/rbd", 30) else {
            panic!("rbd provisions in 1.30");
        };
        assert_eq!(
            in_tree_check(&rbd, &claim(&[RWO, RWX], false)),
            Err("invalid AccessModes [ReadWriteOnce ReadWriteMany]: only AccessModes [ReadWriteOnce ReadOnlyMany] are supported".into())
        );
        assert!(in_tree_check(&rbd, &claim(&[ROX], false)).is_ok());
        assert!(
            in_tree_check(&rbd, &claim(&[RWOP], false)).is_err(),
            "no in-tree plugin lists ReadWriteOncePod"
        );
        let missing = |p: &str, minor: u32| match in_tree(p, minor) {
            Some(Plugin::Missing(m)) => m,
            _ => String::new(),
        };
        assert_eq!(
            missing("kubernetes.io/rbd", 31),
            "no volume plugin matched name: kubernetes.io/rbd"
        );
        assert_eq!(
            missing("kubernetes.io/glusterfs", 26),
            "no volume plugin matched name: kubernetes.io/glusterfs"
        );
        assert!(matches!(
            in_tree("kubernetes.io/glusterfs", 25),
            Some(Plugin::InTree(_))
        ));
        assert!(matches!(
            in_tree("kubernetes.io/flocker", 24),
            Some(Plugin::InTree(_))
        ));
        assert_eq!(
            missing("kubernetes.io/flocker", 25),
            "no volume plugin matched name: kubernetes.io/flocker"
        );
        assert_eq!(
            missing("kubernetes.io/cephfs", 24),
            "no volume plugin matched name: kubernetes.io/cephfs"
        );
        assert_eq!(
            missing("kubernetes.io/nfs", 34),
            "no provisionable volume plugin matched"
        );
        assert_eq!(
            missing("kubernetes.io/no-provisioner", 34),
            "no volume plugin matched name: kubernetes.io/no-provisioner"
        );
        assert!(
            in_tree("kubernetes.io/portworx-volume", 31).is_none(),
            "migrated"
        );
        assert_eq!(
            migrated("kubernetes.io/portworx-volume", 31),
            Some("pxd.portworx.com")
        );
        assert!(in_tree("kubernetes.io/aws-ebs", 24).is_none(), "migrated");
        assert!(in_tree("example.com/nfs", 24).is_none(), "external");
        assert_eq!(
            block_refusal("rancher.io/local-path", &claim(&[RWO], true)).as_deref(),
            Some("rancher.io/local-path does not support block volume provisioning")
        );
        assert!(block_refusal("ebs.csi.aws.com", &claim(&[RWO], true)).is_none());
    }
}
