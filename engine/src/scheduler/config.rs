//! Plugin arguments of a scheduler profile (`pluginConfig` of a KubeSchedulerConfiguration) and
//! their defaults.
//!
//! Follows `pkg/scheduler/apis/config/types_pluginargs.go` and
//! `pkg/scheduler/apis/config/v1/defaults.go` (`SetDefaults_PodTopologySpreadArgs`,
//! `SetDefaults_NodeResourcesFitArgs`, `SetDefaults_InterPodAffinityArgs`) in
//! kubernetes/kubernetes.

use k8s_openapi::api::core::v1::TopologySpreadConstraint;

/// `PodTopologySpreadArgs.DefaultingType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultingType {
    /// The system default constraints (`systemDefaultConstraints`) apply.
    System,
    /// `defaultConstraints` as listed (possibly none).
    List,
}

/// `PodTopologySpreadArgs`.
#[derive(Clone, Debug)]
pub struct PodTopologySpreadArgs {
    pub default_constraints: Vec<TopologySpreadConstraint>,
    pub defaulting_type: DefaultingType,
}

/// `systemDefaultConstraints` (podtopologyspread/plugin.go): spread over hostnames with
/// maxSkew 3 and over zones with maxSkew 5, both ScheduleAnyway.
pub fn system_default_constraints() -> Vec<TopologySpreadConstraint> {
    [
        ("kubernetes.io/hostname", 3),
        ("topology.kubernetes.io/zone", 5),
    ]
    .into_iter()
    .map(|(key, skew)| TopologySpreadConstraint {
        topology_key: key.to_string(),
        max_skew: skew,
        when_unsatisfiable: "ScheduleAnyway".to_string(),
        ..Default::default()
    })
    .collect()
}

impl Default for PodTopologySpreadArgs {
    fn default() -> Self {
        PodTopologySpreadArgs {
            default_constraints: Vec::new(),
            defaulting_type: DefaultingType::System,
        }
    }
}

impl PodTopologySpreadArgs {
    /// The constraints that apply to a pod without its own.
    pub fn effective_defaults(&self) -> Vec<TopologySpreadConstraint> {
        match self.defaulting_type {
            DefaultingType::System => system_default_constraints(),
            DefaultingType::List => self.default_constraints.clone(),
        }
    }
}

/// `ScoringStrategy.Type` of NodeResourcesFitArgs.
#[derive(Clone, Debug, PartialEq)]
pub enum ScoringStrategyType {
    LeastAllocated,
    MostAllocated,
    /// With the shape: `(utilization, score)` points, utilization 0..=100, score 0..=10.
    RequestedToCapacityRatio(Vec<(i64, i64)>),
}

/// `NodeResourcesFitArgs.ScoringStrategy`: the strategy and the resources it weighs.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoringStrategy {
    pub type_: ScoringStrategyType,
    /// `(resource name, weight)`; default cpu 1, memory 1.
    pub resources: Vec<(String, i64)>,
}

impl Default for ScoringStrategy {
    fn default() -> Self {
        ScoringStrategy {
            type_: ScoringStrategyType::LeastAllocated,
            resources: vec![("cpu".to_string(), 1), ("memory".to_string(), 1)],
        }
    }
}

/// The arguments of every configurable plugin of one profile.
#[derive(Clone, Debug)]
pub struct PluginArgs {
    pub pod_topology_spread: PodTopologySpreadArgs,
    /// `InterPodAffinityArgs.HardPodAffinityWeight` (default 1).
    pub hard_pod_affinity_weight: i64,
    /// `NodeResourcesFitArgs.ScoringStrategy`.
    pub scoring_strategy: ScoringStrategy,
}

impl Default for PluginArgs {
    fn default() -> Self {
        PluginArgs {
            pod_topology_spread: PodTopologySpreadArgs::default(),
            hard_pod_affinity_weight: 1,
            scoring_strategy: ScoringStrategy::default(),
        }
    }
}

/// The default arguments, shared by profiles that configure nothing.
pub fn default_args() -> &'static PluginArgs {
    static ARGS: std::sync::LazyLock<PluginArgs> = std::sync::LazyLock::new(PluginArgs::default);
    &ARGS
}

/// `kubescheduler.config.k8s.io`: the API group of a KubeSchedulerConfiguration document.
pub const SCHEDULER_CONFIG_GROUP: &str = "kubescheduler.config.k8s.io/";

/// The extension points a profile's `plugins` may configure (`v1.Plugins`).
const EXTENSION_POINTS: &[&str] = &[
    "preEnqueue",
    "queueSort",
    "preFilter",
    "filter",
    "postFilter",
    "preScore",
    "score",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
    "multiPoint",
];

/// `v1.PluginSet` of one extension point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PluginSet {
    /// `(name, weight)`; weight 0 when not given.
    pub enabled: Vec<(String, i64)>,
    pub disabled: Vec<String>,
}

/// One entry of `profiles`.
#[derive(Clone, Debug)]
pub struct ProfileConfig {
    pub scheduler_name: String,
    pub percentage_of_nodes_to_score: Option<i64>,
    /// Extension point → its plugin set.
    pub plugins: BTreeMap<String, PluginSet>,
    pub args: PluginArgs,
}

/// A parsed, validated `KubeSchedulerConfiguration`.
#[derive(Clone, Debug)]
pub struct SchedulerConfiguration {
    pub percentage_of_nodes_to_score: Option<i64>,
    pub profiles: Vec<ProfileConfig>,
}

use std::collections::BTreeMap;

use serde_json::Value;

use crate::status::FieldError;

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// `field.Invalid` with an integer value.
fn invalid_int(path: &str, v: i64, detail: &str) -> FieldError {
    FieldError::invalid(path, v.to_string(), detail)
}

fn type_error(path: &str, want: &str) -> FieldError {
    FieldError::invalid(path, "<value>".to_string(), &format!("must be {want}"))
}

fn parse_plugin_set(v: &Value, path: &str, errs: &mut Vec<FieldError>) -> PluginSet {
    let mut set = PluginSet::default();
    for (key, list) in [("enabled", true), ("disabled", false)] {
        let Some(items) = v.get(key) else { continue };
        let Some(items) = items.as_array() else {
            if !items.is_null() {
                errs.push(type_error(&format!("{path}.{key}"), "a list"));
            }
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let name = item.get("name").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() {
                errs.push(FieldError::required(&format!("{path}.{key}[{i}].name"), ""));
                continue;
            }
            if list {
                let weight = item.get("weight").and_then(int).unwrap_or(0);
                set.enabled.push((name.to_string(), weight));
            } else {
                set.disabled.push(name.to_string());
            }
        }
    }
    set
}

/// `PodTopologySpreadArgs` with `ValidatePodTopologySpreadArgs`.
fn parse_spread_args(v: &Value, path: &str, errs: &mut Vec<FieldError>) -> PodTopologySpreadArgs {
    let mut args = PodTopologySpreadArgs::default();
    let constraints: Vec<Value> = v
        .get("defaultConstraints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let defaulting = v
        .get("defaultingType")
        .and_then(Value::as_str)
        .unwrap_or("System");
    let dpath = format!("{path}.defaultingType");
    match defaulting {
        "System" if !constraints.is_empty() => errs.push(FieldError::invalid(
            &dpath,
            format!("{defaulting:?}"),
            "when .defaultConstraints are not empty",
        )),
        "System" => {}
        "List" => args.defaulting_type = DefaultingType::List,
        other => errs.push(FieldError::not_supported(
            &dpath,
            other,
            &["System", "List"],
        )),
    }
    let cpath = format!("{path}.defaultConstraints");
    for (i, c) in constraints.iter().enumerate() {
        let p = format!("{cpath}[{i}]");
        let max_skew = c.get("maxSkew").and_then(int).unwrap_or(0);
        if max_skew <= 0 {
            errs.push(invalid_int(
                &format!("{p}.maxSkew"),
                max_skew,
                "not in valid range (0, inf)",
            ));
        }
        let key = c.get("topologyKey").and_then(Value::as_str).unwrap_or("");
        if key.is_empty() {
            errs.push(FieldError::required(
                &format!("{p}.topologyKey"),
                "can not be empty",
            ));
        }
        let when = c
            .get("whenUnsatisfiable")
            .and_then(Value::as_str)
            .unwrap_or("");
        let wpath = format!("{p}.whenUnsatisfiable");
        if when.is_empty() {
            errs.push(FieldError::required(&wpath, "can not be empty"));
        } else if when != "DoNotSchedule" && when != "ScheduleAnyway" {
            errs.push(FieldError::not_supported(
                &wpath,
                when,
                &["DoNotSchedule", "ScheduleAnyway"],
            ));
        }
        if c.get("labelSelector").is_some_and(|s| !s.is_null()) {
            errs.push(FieldError::forbidden(
                &format!("{p}.labelSelector"),
                "constraint must not define a selector, as they deduced for each pod",
            ));
        }
        let repeated = constraints.iter().take(i).any(|o| {
            o.get("topologyKey").and_then(Value::as_str) == Some(key)
                && o.get("whenUnsatisfiable").and_then(Value::as_str) == Some(when)
        });
        if repeated {
            errs.push(FieldError {
                field: p.clone(),
                kind: crate::status::FieldErrorKind::Duplicate,
                value: Some(format!("{:?}", format!("{{{key}, {when}}}"))),
                detail: String::new(),
            });
        }
        if let Ok(tsc) = serde_json::from_value::<TopologySpreadConstraint>(c.clone()) {
            args.default_constraints.push(tsc);
        }
    }
    args
}

/// `NodeResourcesFitArgs.scoringStrategy` with `ValidateNodeResourcesFitArgs`.
fn parse_fit_args(v: &Value, path: &str, errs: &mut Vec<FieldError>) -> ScoringStrategy {
    let mut strategy = ScoringStrategy::default();
    let Some(s) = v.get("scoringStrategy") else {
        return strategy;
    };
    let spath = format!("{path}.scoringStrategy");
    let type_ = s
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("LeastAllocated");
    if let Some(resources) = s.get("resources").and_then(Value::as_array) {
        strategy.resources.clear();
        for (i, r) in resources.iter().enumerate() {
            let name = r.get("name").and_then(Value::as_str).unwrap_or("");
            let weight = r.get("weight").and_then(int).unwrap_or(1);
            if weight <= 0 || weight > 100 {
                errs.push(invalid_int(
                    &format!("{spath}.resources[{i}].weight"),
                    weight,
                    &format!("resource weight of {name} not in valid range (0, 100]"),
                ));
            }
            strategy.resources.push((name.to_string(), weight));
        }
    }
    let ratio = s.get("requestedToCapacityRatio").filter(|r| !r.is_null());
    let rpath = format!("{spath}.requestedToCapacityRatio");
    match type_ {
        "LeastAllocated" => strategy.type_ = ScoringStrategyType::LeastAllocated,
        "MostAllocated" => strategy.type_ = ScoringStrategyType::MostAllocated,
        "RequestedToCapacityRatio" => {
            let Some(ratio) = ratio else {
                errs.push(FieldError::required(
                    &rpath,
                    "must be specified when type is RequestedToCapacityRatio",
                ));
                return strategy;
            };
            let points: Vec<Value> = ratio
                .get("shape")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let shpath = format!("{rpath}.shape");
            if points.is_empty() {
                errs.push(FieldError::required(
                    &shpath,
                    "at least one point must be specified",
                ));
            }
            let shape: Vec<(i64, i64)> = points
                .iter()
                .map(|p| {
                    (
                        p.get("utilization").and_then(int).unwrap_or(0),
                        p.get("score").and_then(int).unwrap_or(0),
                    )
                })
                .collect();
            if let Some(i) = (1..shape.len()).find(|&i| shape[i - 1].0 >= shape[i].0) {
                errs.push(invalid_int(
                    &format!("{shpath}[{i}].utilization"),
                    shape[i].0,
                    "values must be sorted in increasing order",
                ));
            }
            for (i, &(u, sc)) in shape.iter().enumerate() {
                if !(0..=100).contains(&u) {
                    errs.push(invalid_int(
                        &format!("{shpath}[{i}].utilization"),
                        u,
                        "not in valid range [0, 100]",
                    ));
                }
                if !(0..=10).contains(&sc) {
                    errs.push(invalid_int(
                        &format!("{shpath}[{i}].score"),
                        sc,
                        "not in valid range [0, 10]",
                    ));
                }
            }
            strategy.type_ = ScoringStrategyType::RequestedToCapacityRatio(shape);
            return strategy;
        }
        other => errs.push(FieldError::not_supported(
            &format!("{spath}.type"),
            other,
            &[
                "LeastAllocated",
                "MostAllocated",
                "RequestedToCapacityRatio",
            ],
        )),
    }
    if ratio.is_some() {
        errs.push(FieldError::forbidden(
            &rpath,
            "must be nil when type is not RequestedToCapacityRatio",
        ));
    }
    strategy
}

/// Parses and validates a `KubeSchedulerConfiguration` document (`SetDefaults_*`, then
/// `ValidateKubeSchedulerConfiguration` and the plugin args validation).
pub fn parse(v: &Value) -> Result<SchedulerConfiguration, Vec<FieldError>> {
    let mut errs = Vec::new();
    let percentage = v.get("percentageOfNodesToScore").and_then(int);
    if let Some(p) = percentage {
        if !(0..=100).contains(&p) {
            errs.push(invalid_int(
                "percentageOfNodesToScore",
                p,
                "not in valid range [0-100]",
            ));
        }
    }
    let mut profiles = Vec::new();
    let list: Vec<Value> = v
        .get("profiles")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, p) in list.iter().enumerate() {
        let path = format!("profiles[{i}]");
        let scheduler_name = match p.get("schedulerName") {
            None | Some(Value::Null) => "default-scheduler".to_string(),
            Some(n) => n.as_str().unwrap_or("").to_string(),
        };
        if scheduler_name.is_empty() {
            errs.push(FieldError::required(&format!("{path}.schedulerName"), ""));
        } else if profiles
            .iter()
            .any(|o: &ProfileConfig| o.scheduler_name == scheduler_name)
        {
            errs.push(FieldError {
                field: format!("{path}.schedulerName"),
                kind: crate::status::FieldErrorKind::Duplicate,
                value: Some(format!("{scheduler_name:?}")),
                detail: String::new(),
            });
        }
        let ppercent = p.get("percentageOfNodesToScore").and_then(int);
        if let Some(pp) = ppercent {
            if !(0..=100).contains(&pp) {
                errs.push(invalid_int(
                    &format!("{path}.percentageOfNodesToScore"),
                    pp,
                    "not in valid range [0-100]",
                ));
            }
        }
        let mut plugins = BTreeMap::new();
        if let Some(Value::Object(map)) = p.get("plugins") {
            for (point, set) in map {
                if !EXTENSION_POINTS.contains(&point.as_str()) {
                    continue;
                }
                let set = parse_plugin_set(set, &format!("{path}.plugins.{point}"), &mut errs);
                plugins.insert(point.clone(), set);
            }
        }
        let mut args = PluginArgs::default();
        let configs: Vec<Value> = p
            .get("pluginConfig")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut seen: Vec<String> = Vec::new();
        for (j, c) in configs.iter().enumerate() {
            let cpath = format!("{path}.pluginConfig[{j}]");
            let name = c.get("name").and_then(Value::as_str).unwrap_or("");
            if seen.iter().any(|s| s == name) {
                errs.push(FieldError {
                    field: format!("{cpath}.name"),
                    kind: crate::status::FieldErrorKind::Duplicate,
                    value: Some(format!("{name:?}")),
                    detail: String::new(),
                });
            }
            seen.push(name.to_string());
            let a = c.get("args").cloned().unwrap_or(Value::Null);
            let apath = format!("{cpath}.args");
            match name {
                "PodTopologySpread" => {
                    args.pod_topology_spread = parse_spread_args(&a, &apath, &mut errs)
                }
                "NodeResourcesFit" => args.scoring_strategy = parse_fit_args(&a, &apath, &mut errs),
                "InterPodAffinity" => {
                    let w = a.get("hardPodAffinityWeight").and_then(int).unwrap_or(1);
                    if !(0..=100).contains(&w) {
                        errs.push(invalid_int(
                            &format!("{apath}.hardPodAffinityWeight"),
                            w,
                            "not in valid range [0, 100]",
                        ));
                    }
                    args.hard_pod_affinity_weight = w;
                }
                _ => {}
            }
        }
        profiles.push(ProfileConfig {
            scheduler_name,
            percentage_of_nodes_to_score: ppercent,
            plugins,
            args,
        });
    }
    if profiles.is_empty() {
        profiles.push(ProfileConfig {
            scheduler_name: "default-scheduler".to_string(),
            percentage_of_nodes_to_score: None,
            plugins: BTreeMap::new(),
            args: PluginArgs::default(),
        });
    }
    if errs.is_empty() {
        Ok(SchedulerConfiguration {
            percentage_of_nodes_to_score: percentage,
            profiles,
        })
    } else {
        Err(errs)
    }
}

/// `mergePluginSet`: the defaults minus the disabled ones ("*" for all), with re-configured
/// defaults replaced in place and the other enabled plugins appended.
fn merge(defaults: &[(String, i64)], custom: &PluginSet) -> Vec<(String, i64)> {
    let star = custom.disabled.iter().any(|d| d == "*");
    let mut out = Vec::new();
    let mut replaced = vec![false; custom.enabled.len()];
    if !star {
        for (name, weight) in defaults {
            if custom.disabled.contains(name) {
                continue;
            }
            match custom.enabled.iter().position(|(n, _)| n == name) {
                Some(i) => {
                    if let Some(r) = replaced.get_mut(i) {
                        *r = true;
                    }
                    out.push(custom.enabled[i].clone());
                }
                None => out.push((name.clone(), *weight)),
            }
        }
    }
    for (i, p) in custom.enabled.iter().enumerate() {
        if !replaced.get(i).copied().unwrap_or(false) {
            out.push(p.clone());
        }
    }
    out
}

/// The plugins of one extension point after expanding MultiPoint
/// (`frameworkImpl.expandMultiPointPlugins`): plugins named at the point and in MultiPoint
/// first (in the point's order), then the other MultiPoint plugins that implement the point,
/// then the point's other plugins. A point with "*" disabled takes only its own plugins.
fn expand(
    multi: &[(String, i64)],
    point: Option<&PluginSet>,
    implements: &dyn Fn(&str) -> bool,
) -> Vec<(String, i64)> {
    let empty = PluginSet::default();
    let point = point.unwrap_or(&empty);
    if point.disabled.iter().any(|d| d == "*") {
        return point.enabled.clone();
    }
    let in_multi = |n: &str| multi.iter().any(|(m, _)| m == n);
    let mut out: Vec<(String, i64)> = point
        .enabled
        .iter()
        .filter(|(n, _)| in_multi(n))
        .map(|(n, w)| {
            let mw = multi.iter().find(|(m, _)| m == n).map_or(0, |(_, w)| *w);
            (n.clone(), if *w != 0 { *w } else { mw })
        })
        .collect();
    for (n, w) in multi {
        if !implements(n) || point.disabled.contains(n) || point.enabled.iter().any(|(e, _)| e == n)
        {
            continue;
        }
        out.push((n.clone(), *w));
    }
    for (n, w) in &point.enabled {
        if !in_multi(n) {
            out.push((n.clone(), *w));
        }
    }
    out
}

/// Every in-tree plugin name of kube-scheduler (`pkg/scheduler/framework/plugins/names`); the
/// ones kubefiddle does not simulate are accepted and have no effect.
const IN_TREE: &[&str] = &[
    "PrioritySort",
    "DefaultBinder",
    "DefaultPreemption",
    "DynamicResources",
    "ImageLocality",
    "InterPodAffinity",
    "NodeAffinity",
    "NodeName",
    "NodePorts",
    "NodeResourcesBalancedAllocation",
    "NodeResourcesFit",
    "NodeUnschedulable",
    "NodeVolumeLimits",
    "PodTopologySpread",
    "SchedulingGates",
    "TaintToleration",
    "VolumeBinding",
    "VolumeRestrictions",
    "VolumeZone",
];

/// Builds the scheduler profile of one configured profile on top of `defaults` (the default
/// profile: its filters and scores, in upstream order, are the MultiPoint defaults).
pub fn build_profile(
    cfg: &ProfileConfig,
    defaults: crate::scheduler::Profile,
) -> Result<crate::scheduler::Profile, String> {
    use crate::scheduler::{FilterPlugin, ScorePlugin};
    let filters: Vec<&'static dyn FilterPlugin> = defaults.filters.clone();
    let scores: Vec<(&'static dyn ScorePlugin, i64)> = defaults.scores.clone();
    // The MultiPoint defaults: filters and scores in one list, upstream order being filters
    // then the score-only plugins; weights from the score list.
    let mut multi_defaults: Vec<(String, i64)> = Vec::new();
    for f in &filters {
        let w = scores
            .iter()
            .find(|(s, _)| s.name() == f.name())
            .map_or(0, |(_, w)| *w);
        multi_defaults.push((f.name().to_string(), w));
    }
    for (s, w) in &scores {
        if !multi_defaults.iter().any(|(n, _)| n == s.name()) {
            multi_defaults.push((s.name().to_string(), *w));
        }
    }
    multi_defaults.push(("DefaultPreemption".to_string(), 0));
    let empty = PluginSet::default();
    let multi = merge(
        &multi_defaults,
        cfg.plugins.get("multiPoint").unwrap_or(&empty),
    );
    // updatePluginList: `<Point>Plugin "X" does not exist` (the interface's name).
    for (point, set) in &cfg.plugins {
        for (n, _) in &set.enabled {
            if !IN_TREE.contains(&n.as_str()) {
                let mut type_name = point.clone();
                if let Some(first) = type_name.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                return Err(format!("{type_name}Plugin {n:?} does not exist"));
            }
        }
    }
    let is_filter = |n: &str| filters.iter().any(|f| f.name() == n);
    let is_score = |n: &str| scores.iter().any(|(s, _)| s.name() == n);
    let mut profile = crate::scheduler::Profile {
        filters: Vec::new(),
        scores: Vec::new(),
        args: cfg.args.clone(),
        minor: defaults.minor,
        post_filter: false,
        percentage_of_nodes_to_score: cfg.percentage_of_nodes_to_score,
    };
    for (n, _) in expand(&multi, cfg.plugins.get("filter"), &is_filter) {
        match filters.iter().find(|f| f.name() == n) {
            Some(f) => profile.filters.push(*f),
            None if IN_TREE.contains(&n.as_str()) && !is_score(&n) => {}
            None => return Err(format!("plugin {n:?} does not extend FilterPlugin plugin")),
        }
    }
    for (n, w) in expand(&multi, cfg.plugins.get("score"), &is_score) {
        match scores.iter().find(|(s, _)| s.name() == n) {
            Some((s, _)) => profile.scores.push((*s, if w == 0 { 1 } else { w })),
            None if IN_TREE.contains(&n.as_str()) && !is_filter(&n) => {}
            None => return Err(format!("plugin {n:?} does not extend ScorePlugin plugin")),
        }
    }
    profile.post_filter = expand(&multi, cfg.plugins.get("postFilter"), &|n| {
        n == "DefaultPreemption"
    })
    .iter()
    .any(|(n, _)| n == "DefaultPreemption");
    Ok(profile)
}

/// `numFeasibleNodesToFind` (schedule_one.go): every node below 100 nodes; otherwise the
/// percentage (0 means adaptive: 50% minus 1% per 125 nodes, at least 5%), at least 100 nodes.
pub fn num_feasible_nodes_to_find(percentage: Option<i64>, num_all_nodes: usize) -> usize {
    const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
    const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: i64 = 5;
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return num_all_nodes;
    }
    let all = i64::try_from(num_all_nodes).unwrap_or(i64::MAX);
    let mut p = percentage.unwrap_or(0);
    if p == 0 {
        p = (50 - all / 125).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    }
    let n = usize::try_from(all.saturating_mul(p) / 100).unwrap_or(num_all_nodes);
    n.max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// The versions of `kubescheduler.config.k8s.io` each kube-scheduler registers: v1beta1 from
/// 1.18 until its removal in 1.23 (KEP-785); v1beta2 from
/// 1.22 until its removal in 1.28 (kubernetes/kubernetes#117649), v1beta3 from 1.23 until 1.29
/// (#119994), v1 from 1.25. Any other version fails the decoding with the scheme's error.
pub fn unregistered_version(api_version: &str, minor: u32) -> Option<String> {
    let version = api_version
        .strip_prefix(SCHEDULER_CONFIG_GROUP)
        .unwrap_or("");
    let registered = match version {
        "v1beta1" => (18..=22).contains(&minor),
        "v1beta2" => (22..=27).contains(&minor),
        "v1beta3" => (23..=28).contains(&minor),
        "v1" => minor >= 25,
        _ => false,
    };
    // The line of `Scheme = runtime.NewScheme()`, which 1.22's extra import moved down one.
    let line = if minor == 22 { 31 } else { 30 };
    (!registered).then(|| {
        format!(
            "no kind \"KubeSchedulerConfiguration\" is registered for version \"{api_version}\" in scheme \"k8s.io/kubernetes/pkg/scheduler/apis/config/scheme/scheme.go:{line}\""
        )
    })
}

/// The scheduler profiles of a configuration, by `schedulerName`, on top of the default
/// profile. An error is kube-scheduler's start-up error (`scheduler.New` wrapping
/// `profile.NewMap`) for a plugin that does not exist or does not extend the extension point
/// it is enabled at.
pub fn profiles(
    cfg: &SchedulerConfiguration,
    minor: u32,
) -> Result<Vec<(String, crate::scheduler::Profile)>, String> {
    let mut out = Vec::new();
    for p in &cfg.profiles {
        let mut profile = build_profile(p, crate::scheduler::Profile::default_profile_for(minor))
            .map_err(|e| {
            format!(
                "initializing profiles: creating profile for scheduler name {}: {e}",
                p.scheduler_name
            )
        })?;
        profile.percentage_of_nodes_to_score = p
            .percentage_of_nodes_to_score
            .or(cfg.percentage_of_nodes_to_score);
        out.push((p.scheduler_name.clone(), profile));
    }
    Ok(out)
}

/// The profiles of the scenario's settings: the configured ones, or the default profile as
/// `default-scheduler`.
pub fn profiles_of(
    settings: &crate::settings::Settings,
) -> Vec<(String, crate::scheduler::Profile)> {
    let configured = settings
        .scheduler_config
        .as_ref()
        .and_then(|v| parse(v).ok())
        .and_then(|c| profiles(&c, settings.minor).ok());
    let mut list = configured.unwrap_or_else(|| {
        vec![(
            "default-scheduler".to_string(),
            crate::scheduler::Profile::default_profile_for(settings.minor),
        )]
    });
    for (_, p) in &mut list {
        p.minor = settings.minor;
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(p: &crate::scheduler::Profile) -> (Vec<&str>, Vec<(&str, i64)>) {
        (
            p.filters.iter().map(|f| f.name()).collect(),
            p.scores.iter().map(|(s, w)| (s.name(), *w)).collect(),
        )
    }

    fn profile(v: serde_json::Value) -> crate::scheduler::Profile {
        let cfg = parse(&json!({"profiles": [v]})).unwrap();
        profiles(&cfg, crate::settings::DEFAULT_MINOR)
            .unwrap()
            .remove(0)
            .1
    }

    #[test]
    fn num_feasible_nodes_to_find_table() {
        let cases = [
            ("under 100 nodes every node", None, 99, 99),
            ("adaptive: 50% - 1000/125 = 42% of 1000", None, 1000, 420),
            ("adaptive for 5000 nodes: 10%", None, 5000, 500),
            ("adaptive never below 5%", None, 20000, 1000),
            ("never below 100 nodes", Some(1), 500, 100),
            ("a given percentage", Some(30), 1000, 300),
            ("0 means adaptive", Some(0), 1000, 420),
        ];
        for (name, p, n, want) in cases {
            assert_eq!(num_feasible_nodes_to_find(p, n), want, "{name}");
        }
    }

    #[test]
    fn each_release_registers_its_configuration_versions() {
        let g = SCHEDULER_CONFIG_GROUP;
        let cases = [
            ("v1", 24, false),
            ("v1", 25, true),
            ("v1beta2", 24, true),
            ("v1beta2", 27, true),
            ("v1beta2", 28, false),
            ("v1beta3", 28, true),
            ("v1beta3", 29, false),
            ("v1beta1", 24, false),
            ("v1beta1", 20, true),
            ("v1beta1", 22, true),
            ("v1beta1", 23, false),
            ("v1beta2", 21, false),
            ("v1beta3", 22, false),
            ("v2", 34, false),
        ];
        for (v, minor, ok) in cases {
            let got = unregistered_version(&format!("{g}{v}"), minor);
            assert_eq!(got.is_none(), ok, "{v} on 1.{minor}: {got:?}");
        }
        assert_eq!(
            unregistered_version("kubescheduler.config.k8s.io/v1beta1", 24).as_deref(),
            Some("no kind \"KubeSchedulerConfiguration\" is registered for version \"kubescheduler.config.k8s.io/v1beta1\" in scheme \"k8s.io/kubernetes/pkg/scheduler/apis/config/scheme/scheme.go:30\"")
        );
        assert!(
            unregistered_version("kubescheduler.config.k8s.io/v1beta3", 22)
                .is_some_and(|e| e.ends_with("scheme.go:31\""))
        );
    }

    #[test]
    fn an_empty_profile_is_the_default_profile() {
        let d = crate::scheduler::Profile::default_profile();
        let p = profile(json!({"schedulerName": "x"}));
        assert_eq!(names(&p), names(&d));
        assert!(p.post_filter);
    }

    #[test]
    fn disabling_a_plugin_at_one_point_keeps_it_at_the_others() {
        let p =
            profile(json!({"plugins": {"score": {"disabled": [{"name": "PodTopologySpread"}]}}}));
        let (filters, scores) = names(&p);
        assert!(filters.contains(&"PodTopologySpread"));
        assert!(!scores.iter().any(|(n, _)| *n == "PodTopologySpread"));
    }

    #[test]
    fn star_disables_every_default_and_keeps_the_enabled_ones_in_order_with_weight_1_for_0() {
        let p = profile(json!({"plugins": {"score": {
            "disabled": [{"name": "*"}],
            "enabled": [{"name": "ImageLocality"}, {"name": "NodeResourcesFit", "weight": 3}]}}}));
        assert_eq!(
            names(&p).1,
            vec![("ImageLocality", 1), ("NodeResourcesFit", 3)]
        );
    }

    #[test]
    fn re_enabling_a_default_at_its_point_moves_it_first_with_the_new_weight() {
        let p = profile(json!({"plugins": {"score": {
            "enabled": [{"name": "ImageLocality", "weight": 7}]}}}));
        let scores = names(&p).1;
        assert_eq!(scores.first(), Some(&("ImageLocality", 7)));
        assert_eq!(scores.len(), 7);
    }

    #[test]
    fn multi_point_disable_removes_the_plugin_everywhere_and_post_filter_can_be_disabled() {
        let p = profile(json!({"plugins": {
            "multiPoint": {"disabled": [{"name": "TaintToleration"}]},
            "postFilter": {"disabled": [{"name": "DefaultPreemption"}]}}}));
        let (filters, scores) = names(&p);
        assert!(!filters.contains(&"TaintToleration"));
        assert!(!scores.iter().any(|(n, _)| *n == "TaintToleration"));
        assert!(!p.post_filter);
    }

    #[test]
    fn plugin_args_are_read() {
        let p = profile(json!({"pluginConfig": [
            {"name": "NodeResourcesFit", "args": {"scoringStrategy": {
                "type": "RequestedToCapacityRatio",
                "resources": [{"name": "cpu", "weight": 2}],
                "requestedToCapacityRatio": {"shape": [
                    {"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]}}}},
            {"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 5}},
            {"name": "PodTopologySpread", "args": {"defaultingType": "List"}}]}));
        assert_eq!(
            p.args.scoring_strategy,
            ScoringStrategy {
                type_: ScoringStrategyType::RequestedToCapacityRatio(vec![(0, 0), (100, 10)]),
                resources: vec![("cpu".into(), 2)],
            }
        );
        assert_eq!(p.args.hard_pod_affinity_weight, 5);
        assert_eq!(
            p.args.pod_topology_spread.defaulting_type,
            DefaultingType::List
        );
        assert!(p.args.pod_topology_spread.effective_defaults().is_empty());
    }

    #[test]
    fn validation_messages_follow_upstream() {
        let errs = parse(&json!({"profiles": [{"pluginConfig": [
            {"name": "NodeResourcesFit", "args": {"scoringStrategy": {
                "type": "RequestedToCapacityRatio",
                "requestedToCapacityRatio": {"shape": [
                    {"utilization": 50, "score": 11}, {"utilization": 40, "score": 1}]}}}}]}]}))
        .unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        let p = "profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape";
        assert_eq!(
            text,
            vec![
                format!("{p}[1].utilization: Invalid value: 40: values must be sorted in increasing order"),
                format!("{p}[0].score: Invalid value: 11: not in valid range [0, 10]"),
            ]
        );
    }
}
