//! Grouping the node diagram by a topology key: nodes that share the key's value are drawn in
//! one labelled box, as the scheduler sees them as one topology domain (`topologyKey` of pod
//! affinity and of topologySpreadConstraints). Pure: no Yew, no browser.
//!
//! The well-known keys are those of `staging/src/k8s.io/api/core/v1/well_known_labels.go`
//! (`LabelTopologyZone`, `LabelTopologyRegion`, `LabelHostname`).

use std::collections::BTreeMap;

use kubefiddle_engine::views::NodeView;

pub const ZONE: &str = "topology.kubernetes.io/zone";
pub const HOSTNAME: &str = "kubernetes.io/hostname";
pub const REGION: &str = "topology.kubernetes.io/region";

/// What the user chose in the diagram's "Group by" control.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GroupBy {
    /// The zone when any node has one, else no grouping.
    #[default]
    Auto,
    /// One flat grid.
    None,
    /// A label key.
    Key(String),
}

impl GroupBy {
    /// The value of the control's `<option>`: `""` for Auto, `"-"` for none, else the key
    /// (label keys never are empty nor `-`).
    pub fn to_value(&self) -> String {
        match self {
            GroupBy::Auto => String::new(),
            GroupBy::None => "-".into(),
            GroupBy::Key(k) => k.clone(),
        }
    }

    pub fn from_value(value: &str) -> GroupBy {
        match value {
            "" => GroupBy::Auto,
            "-" => GroupBy::None,
            k => GroupBy::Key(k.to_string()),
        }
    }
}

/// The key the diagram groups by, for these nodes.
pub fn resolve(choice: &GroupBy, nodes: &[NodeView]) -> Option<String> {
    match choice {
        GroupBy::Auto => nodes
            .iter()
            .any(|n| n.labels.contains_key(ZONE))
            .then(|| ZONE.to_string()),
        GroupBy::None => None,
        GroupBy::Key(k) => Some(k.clone()),
    }
}

/// The keys offered: zone, hostname and region first (always), then every other label key some
/// node has, in order.
pub fn key_choices(nodes: &[NodeView]) -> Vec<String> {
    let mut keys: Vec<String> = vec![ZONE.into(), HOSTNAME.into(), REGION.into()];
    let mut others: Vec<&String> = nodes.iter().flat_map(|n| n.labels.keys()).collect();
    others.sort();
    others.dedup();
    keys.extend(
        others
            .into_iter()
            .filter(|k| ![ZONE, HOSTNAME, REGION].contains(&k.as_str()))
            .cloned(),
    );
    keys
}

/// How a key is named in a group's title: the short name of a well-known key, else the key.
pub fn short_key(key: &str) -> &str {
    match key {
        ZONE => "zone",
        HOSTNAME => "hostname",
        REGION => "region",
        k => k,
    }
}

/// Nodes sharing one value of the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeGroup {
    /// The label's value; None for the nodes without the label.
    pub value: Option<String>,
    /// Indexes into the node list, in its order.
    pub nodes: Vec<usize>,
    /// Pods on these nodes.
    pub pods: usize,
}

impl NodeGroup {
    /// `zone: eu-west-1a — 2 nodes, 5 pods`, or `(no zone) — 1 node, 0 pods`.
    pub fn title(&self, key: &str) -> String {
        format!("{} \u{2014} {}", self.head(key), self.counts())
    }

    /// `zone: eu-west-1a`, or `(no zone)`.
    pub fn head(&self, key: &str) -> String {
        let key = short_key(key);
        match &self.value {
            Some(v) => format!("{key}: {v}"),
            None => format!("(no {key})"),
        }
    }

    /// `2 nodes, 5 pods`.
    pub fn counts(&self) -> String {
        format!(
            "{}, {}",
            count(self.nodes.len(), "node"),
            count(self.pods, "pod")
        )
    }
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The groups, by value in string order, the nodes without the key last. No key: one group of
/// every node, with no value.
pub fn group(nodes: &[NodeView], key: Option<&str>) -> Vec<NodeGroup> {
    let Some(key) = key else {
        return vec![NodeGroup {
            value: None,
            nodes: (0..nodes.len()).collect(),
            pods: nodes.iter().map(|n| n.pod_list.len()).sum(),
        }];
    };
    let mut by_value: BTreeMap<Option<&String>, NodeGroup> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        let value = n.labels.get(key);
        let g = by_value.entry(value).or_insert_with(|| NodeGroup {
            value: value.cloned(),
            nodes: Vec::new(),
            pods: 0,
        });
        g.nodes.push(i);
        g.pods = g.pods.saturating_add(n.pod_list.len());
    }
    // BTreeMap orders None first; the unlabelled nodes go last.
    let mut groups: Vec<NodeGroup> = by_value.into_values().collect();
    if groups.first().is_some_and(|g| g.value.is_none()) {
        groups.rotate_left(1);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubefiddle_engine::views::{PodView, Usage};

    fn node(name: &str, labels: &[(&str, &str)], pods: usize) -> NodeView {
        let pod = |i: usize| PodView {
            namespace: "default".into(),
            name: format!("{name}-pod-{i}"),
            status: "Running".into(),
            ready: "1/1".into(),
            node: Some(name.into()),
            ip: None,
            message: None,
            cpu_milli: 0,
            memory_bytes: 0,
            owner: None,
            labels: BTreeMap::new(),
        };
        NodeView {
            name: name.into(),
            roles: Vec::new(),
            status: "Ready".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            taints: Vec::new(),
            cpu: Usage::default(),
            memory: Usage::default(),
            pods: Usage::default(),
            pod_list: (0..pods).map(pod).collect(),
        }
    }

    fn zoned() -> Vec<NodeView> {
        vec![
            node("control-plane", &[(HOSTNAME, "control-plane")], 1),
            node("w1", &[(HOSTNAME, "w1"), (ZONE, "eu-west-1b")], 2),
            node("w2", &[(HOSTNAME, "w2"), (ZONE, "eu-west-1a")], 3),
            node(
                "w3",
                &[(HOSTNAME, "w3"), (ZONE, "eu-west-1a"), ("disk", "ssd")],
                2,
            ),
        ]
    }

    #[test]
    fn auto_groups_by_zone_when_any_node_has_a_zone_and_not_otherwise() {
        assert_eq!(resolve(&GroupBy::Auto, &zoned()), Some(ZONE.to_string()));
        let flat = vec![node("a", &[(HOSTNAME, "a")], 0)];
        assert_eq!(resolve(&GroupBy::Auto, &flat), None);
        assert_eq!(resolve(&GroupBy::None, &zoned()), None);
        assert_eq!(
            resolve(&GroupBy::Key(HOSTNAME.into()), &flat),
            Some(HOSTNAME.to_string())
        );
    }

    #[test]
    fn nodes_sharing_a_value_form_one_group_in_value_order_with_unlabelled_nodes_last() {
        let groups = group(&zoned(), Some(ZONE));
        let shape: Vec<(Option<&str>, &[usize], usize)> = groups
            .iter()
            .map(|g| (g.value.as_deref(), g.nodes.as_slice(), g.pods))
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some("eu-west-1a"), &[2, 3][..], 5),
                (Some("eu-west-1b"), &[1][..], 2),
                (None, &[0][..], 1),
            ]
        );
    }

    #[test]
    fn no_key_gives_one_group_of_every_node() {
        let groups = group(&zoned(), None);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].nodes, vec![0, 1, 2, 3]);
        assert_eq!(groups[0].pods, 8);
        assert!(group(&[], Some(ZONE)).is_empty());
    }

    #[test]
    fn titles_name_the_key_shortly_and_count_nodes_and_pods_in_the_singular_and_plural() {
        let groups = group(&zoned(), Some(ZONE));
        assert_eq!(
            groups[0].title(ZONE),
            "zone: eu-west-1a \u{2014} 2 nodes, 5 pods"
        );
        assert_eq!(
            groups[1].title(ZONE),
            "zone: eu-west-1b \u{2014} 1 node, 2 pods"
        );
        assert_eq!(groups[2].title(ZONE), "(no zone) \u{2014} 1 node, 1 pod");
        let disk = group(&zoned(), Some("disk"));
        assert_eq!(disk[0].title("disk"), "disk: ssd \u{2014} 1 node, 2 pods");
    }

    #[test]
    fn the_choices_are_the_well_known_keys_then_every_other_label_key_once() {
        assert_eq!(key_choices(&zoned()), vec![ZONE, HOSTNAME, REGION, "disk"]);
    }

    #[test]
    fn a_choice_survives_the_select_value_round_trip() {
        for choice in [GroupBy::Auto, GroupBy::None, GroupBy::Key(ZONE.into())] {
            assert_eq!(GroupBy::from_value(&choice.to_value()), choice);
        }
    }
}
