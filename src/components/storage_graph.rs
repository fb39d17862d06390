//! The storage tab's layout, without Yew: the graph class → volume ↔ claim ← pod laid out as
//! rows, one group of rows per StorageClass; the colour of a volume's or a claim's phase; the
//! volumes attached to each node (a pod on the node mounts a bound claim); the volume behind a
//! StatefulSet replica's claim. The data comes from `views::storage`, which follows the
//! persistentvolume controller (`pkg/controller/volume/persistentvolume/pv_controller.go`).

use std::collections::BTreeMap;

use kubefiddle_engine::views::{ClaimView, NodeView, StorageView};

/// One row of the graph: a volume and the claim it is bound to (or pre-bound, or that names
/// it), either of which may be missing. Indexes into `StorageView::volumes` and `::claims`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub volume: Option<usize>,
    pub claim: Option<usize>,
}

impl Row {
    /// Both sides are there and both say Bound: a solid link; else a dashed one.
    pub fn bound(&self, view: &StorageView) -> bool {
        let v = self.volume.and_then(|i| view.volumes.get(i));
        let c = self.claim.and_then(|i| view.claims.get(i));
        matches!((v, c), (Some(v), Some(c)) if v.phase == "Bound" && c.phase == "Bound")
    }
}

/// The rows of one StorageClass (`class` is `""` for volumes and claims without a class).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassGroup {
    pub class: String,
    /// Index into `StorageView::classes`; `None` for `""` or a class that does not exist.
    pub index: Option<usize>,
    pub rows: Vec<Row>,
}

fn claim_key(c: &ClaimView) -> String {
    format!("{}/{}", c.namespace, c.name)
}

/// The graph's groups: every StorageClass in the view's order (with or without rows), then
/// the classes that volumes or claims name but that do not exist, then the volumes and claims
/// without a class. In a group, the rows with a claim by `namespace/name`, then the volumes
/// no claim goes with by name. A claim goes with the volume it names in `spec.volumeName` or
/// whose `claimRef` names it; a row belongs to its volume's class, else its claim's.
pub fn groups(view: &StorageView) -> Vec<ClassGroup> {
    let mut rows: Vec<(String, Row)> = Vec::new();
    let mut used_volumes = vec![false; view.volumes.len()];
    for (ci, c) in view.claims.iter().enumerate() {
        let key = claim_key(c);
        let vi = c
            .volume
            .as_ref()
            .and_then(|name| view.volumes.iter().position(|v| &v.name == name))
            .or_else(|| {
                view.volumes
                    .iter()
                    .position(|v| v.claim.as_deref() == Some(key.as_str()))
            })
            .filter(|&vi| !used_volumes.get(vi).copied().unwrap_or(true));
        if let Some(slot) = vi.and_then(|vi| used_volumes.get_mut(vi)) {
            *slot = true;
        }
        let class = vi
            .and_then(|vi| view.volumes.get(vi))
            .map(|v| v.class.clone())
            .unwrap_or_else(|| c.class.clone());
        rows.push((
            class,
            Row {
                volume: vi,
                claim: Some(ci),
            },
        ));
    }
    rows.sort_by(|a, b| {
        let name = |r: &Row| r.claim.and_then(|i| view.claims.get(i)).map(claim_key);
        name(&a.1).cmp(&name(&b.1))
    });
    let mut lone: Vec<(String, Row)> = view
        .volumes
        .iter()
        .enumerate()
        .filter(|(vi, _)| !used_volumes.get(*vi).copied().unwrap_or(true))
        .map(|(vi, v)| {
            (
                v.class.clone(),
                Row {
                    volume: Some(vi),
                    claim: None,
                },
            )
        })
        .collect();
    lone.sort_by(|a, b| {
        let name = |r: &Row| r.volume.and_then(|i| view.volumes.get(i)).map(|v| &v.name);
        name(&a.1).cmp(&name(&b.1))
    });
    rows.extend(lone);

    let mut out: Vec<ClassGroup> = view
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| ClassGroup {
            class: c.name.clone(),
            index: Some(i),
            rows: Vec::new(),
        })
        .collect();
    let mut missing: Vec<ClassGroup> = Vec::new();
    let mut none = ClassGroup {
        class: String::new(),
        index: None,
        rows: Vec::new(),
    };
    for (class, row) in rows {
        if class.is_empty() {
            none.rows.push(row);
        } else if let Some(g) = out.iter_mut().find(|g| g.class == class) {
            g.rows.push(row);
        } else if let Some(g) = missing.iter_mut().find(|g| g.class == class) {
            g.rows.push(row);
        } else {
            missing.push(ClassGroup {
                class,
                index: None,
                rows: vec![row],
            });
        }
    }
    missing.sort_by(|a, b| a.class.cmp(&b.class));
    out.extend(missing);
    if !none.rows.is_empty() {
        out.push(none);
    }
    out
}

/// The colour class of a volume's or a claim's phase: green Bound, amber Pending, red Released,
/// Failed and Lost (the data is no longer reachable through a claim), blue Available (ready to
/// bind), grey Terminating, and red a StatefulSet claim not created.
pub fn phase_tone(phase: &str) -> &'static str {
    match phase {
        "Bound" => "ok",
        "Pending" => "wait",
        "Available" => "info",
        "Released" | "Failed" | "Lost" | "Missing" => "bad",
        _ => "gone",
    }
}

/// The volumes attached to each node: for every Bound claim, the nodes of the pods that mount
/// it. Sorted and without duplicates.
pub fn node_volumes(storage: &StorageView, nodes: &[NodeView]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in storage.claims.iter().filter(|c| c.phase == "Bound") {
        let Some(volume) = &c.volume else { continue };
        for pod in &c.pods {
            let on = nodes.iter().find(|n| {
                n.pod_list
                    .iter()
                    .any(|p| format!("{}/{}", p.namespace, p.name) == *pod)
            });
            if let Some(n) = on {
                let list = out.entry(n.name.clone()).or_default();
                if !list.contains(volume) {
                    list.push(volume.clone());
                }
            }
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

/// The claim of a StatefulSet replica, by namespace and name, for its volume and size.
pub fn claim<'a>(storage: &'a StorageView, namespace: &str, name: &str) -> Option<&'a ClaimView> {
    storage
        .claims
        .iter()
        .find(|c| c.namespace == namespace && c.name == name)
}

/// The DNS record types in the order the list shows them, each with its colour class.
pub fn record_tone(type_: &str) -> &'static str {
    match type_ {
        "A" | "AAAA" => "ok",
        "SRV" => "info",
        "CNAME" => "wait",
        _ => "gone",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubefiddle_engine::views::{self, StorageClassView, VolumeView};

    fn class(name: &str) -> StorageClassView {
        StorageClassView {
            name: name.into(),
            provisioner: "rancher.io/local-path".into(),
            reclaim_policy: "Delete".into(),
            volume_binding_mode: "WaitForFirstConsumer".into(),
            allow_volume_expansion: false,
            is_default: false,
        }
    }

    fn volume(name: &str, phase: &str, class: &str, claim: Option<&str>) -> VolumeView {
        VolumeView {
            name: name.into(),
            phase: phase.into(),
            capacity: "1Gi".into(),
            access_modes: "RWO".into(),
            reclaim_policy: "Retain".into(),
            class: class.into(),
            claim: claim.map(String::from),
            node: None,
        }
    }

    fn claim_view(name: &str, phase: &str, class: &str, volume: Option<&str>) -> ClaimView {
        ClaimView {
            namespace: "default".into(),
            name: name.into(),
            phase: phase.into(),
            request: "1Gi".into(),
            access_modes: "RWO".into(),
            class: class.into(),
            volume: volume.map(String::from),
            pods: Vec::new(),
            events: Vec::new(),
        }
    }

    fn names(view: &StorageView, g: &ClassGroup) -> Vec<(String, String)> {
        g.rows
            .iter()
            .map(|r| {
                (
                    r.volume
                        .map(|i| view.volumes[i].name.clone())
                        .unwrap_or_default(),
                    r.claim
                        .map(|i| view.claims[i].name.clone())
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn a_bound_claim_shares_a_row_with_its_volume_and_lone_volumes_and_claims_get_their_own() {
        let view = StorageView {
            classes: vec![class("standard")],
            volumes: vec![
                volume("pv-b", "Bound", "standard", Some("default/data")),
                volume("pv-a", "Available", "standard", None),
            ],
            claims: vec![
                claim_view("data", "Bound", "standard", Some("pv-b")),
                claim_view("alone", "Pending", "standard", None),
            ],
        };
        let g = groups(&view);
        assert_eq!(g.len(), 1);
        assert_eq!(
            names(&view, &g[0]),
            [
                ("".to_string(), "alone".to_string()),
                ("pv-b".into(), "data".into()),
                ("pv-a".into(), "".into())
            ]
        );
        assert!(!g[0].rows[0].bound(&view));
        assert!(g[0].rows[1].bound(&view));
    }

    #[test]
    fn a_volume_pre_bound_by_claim_ref_pairs_with_its_pending_claim_by_a_dashed_link() {
        let view = StorageView {
            classes: vec![],
            volumes: vec![volume("pv0003", "Available", "", Some("default/myclaim"))],
            claims: vec![claim_view("myclaim", "Pending", "", None)],
        };
        let g = groups(&view);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].class, "");
        assert_eq!(
            names(&view, &g[0]),
            [("pv0003".to_string(), "myclaim".to_string())]
        );
        assert!(!g[0].rows[0].bound(&view));
    }

    #[test]
    fn classes_without_rows_stay_and_a_class_that_does_not_exist_comes_after_the_real_ones() {
        let view = StorageView {
            classes: vec![class("fast"), class("slow")],
            volumes: vec![],
            claims: vec![
                claim_view("x", "Pending", "my-storage-class", None),
                claim_view("y", "Pending", "", None),
            ],
        };
        let g = groups(&view);
        let classes: Vec<(&str, Option<usize>, usize)> = g
            .iter()
            .map(|g| (g.class.as_str(), g.index, g.rows.len()))
            .collect();
        assert_eq!(
            classes,
            [
                ("fast", Some(0), 0),
                ("slow", Some(1), 0),
                ("my-storage-class", None, 1),
                ("", None, 1)
            ]
        );
    }

    #[test]
    fn two_claims_naming_the_same_volume_do_not_both_take_it() {
        let view = StorageView {
            classes: vec![],
            volumes: vec![volume("pv", "Bound", "", Some("default/a"))],
            claims: vec![
                claim_view("a", "Bound", "", Some("pv")),
                claim_view("b", "Pending", "", Some("pv")),
            ],
        };
        let g = groups(&view);
        assert_eq!(
            names(&view, &g[0]),
            [("pv".to_string(), "a".to_string()), ("".into(), "b".into())]
        );
    }

    #[test]
    fn phases_are_coloured_by_meaning() {
        let tones: Vec<&str> = [
            "Bound",
            "Pending",
            "Available",
            "Released",
            "Failed",
            "Lost",
            "Terminating",
            "Missing",
        ]
        .iter()
        .map(|p| phase_tone(p))
        .collect();
        assert_eq!(
            tones,
            ["ok", "wait", "info", "bad", "bad", "bad", "gone", "bad"]
        );
    }

    #[test]
    fn the_statefulset_example_lays_out_three_bound_rows_the_unbindable_claim_and_node_volumes() {
        let text = include_str!("../../examples/16-statefulset-and-headless-service.yaml");
        let r = kubefiddle_engine::run(&[kubefiddle_engine::Input::new("16.yaml", text)]);
        let storage = views::storage(&r.cluster);
        let g = groups(&storage);
        let standard = g.iter().find(|g| g.class == "standard").unwrap();
        let claims: Vec<String> = names(&storage, standard).into_iter().map(|n| n.1).collect();
        assert_eq!(claims, ["www-web-0", "www-web-1", "www-web-2"]);
        assert!(standard.rows.iter().all(|r| r.bound(&storage)));
        let none = g.last().unwrap();
        assert_eq!(none.class, "");
        assert_eq!(
            names(&storage, none),
            [("".to_string(), "shared-www".into())]
        );

        let nodes = views::nodes(&r.cluster);
        let attached = node_volumes(&storage, &nodes);
        let total: usize = attached.values().map(Vec::len).sum();
        assert_eq!(total, 3, "{attached:?}");
        let www0 = claim(&storage, "default", "www-web-0").unwrap();
        let node_of_web0 = nodes
            .iter()
            .find(|n| n.pod_list.iter().any(|p| p.name == "web-0"))
            .unwrap();
        assert!(attached[&node_of_web0.name].contains(www0.volume.as_ref().unwrap()));
    }
}
