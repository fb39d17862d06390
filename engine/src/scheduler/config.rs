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
