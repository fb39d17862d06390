//! API-server defaulting: what `kubectl get -o yaml` shows that the manifest did not say.
//!
//! Follows `pkg/apis/core/v1/defaults.go` (SetDefaults_Pod, SetDefaults_PodSpec,
//! SetDefaults_Container, SetDefaults_Probe, SetDefaults_Namespace, SetDefaults_Service,
//! SetDefaults_PersistentVolume(Claim)…), `pkg/apis/apps/v1/defaults.go`,
//! `pkg/apis/batch/v1/defaults.go` and `pkg/apis/storage/v1/defaults.go` in kubernetes/kubernetes.
//! Quantities are stored in canonical form, as the API server re-encodes them.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::object::Object;
use crate::quantity::Quantity;

/// `dropDisabledFields` of the registry strategies: fields of features whose gate is off in the
/// selected version are dropped on create and update, defaults and all. Each feature is named
/// with the release whose default turned it on, as `pkg/features/kube_features.go` has them at
/// v1.20.0–v1.24.0 (read in the copies kubernetes/autoscaler vendors):
/// - StatefulSet `persistentVolumeClaimRetentionPolicy`: `StatefulSetAutoDeletePVC`, 1.27
///   (`pkg/registry/apps/statefulset/strategy.go`); `minReadySeconds`:
///   `StatefulSetMinReadySeconds`, 1.23.
/// - Job `completionMode` and `suspend`: `IndexedJob` and `SuspendJob`, alpha in 1.21, on in
///   1.22 (`pkg/registry/batch/job/strategy.go`); `ttlSecondsAfterFinished`:
///   `TTLAfterFinished`, 1.21.
/// - DaemonSet `rollingUpdate.maxSurge`: `DaemonSetUpdateSurge`, 1.22.
/// - Service `internalTrafficPolicy`: `ServiceInternalTrafficPolicy`, 1.22;
///   `allocateLoadBalancerNodePorts`: `ServiceLBNodePortControl`, 1.22.
/// - Pod (and pod template) affinity terms' `namespaceSelector`:
///   `PodAffinityNamespaceSelector`, 1.22 (`pkg/api/pod/util.go`).
/// - Namespace label `kubernetes.io/metadata.name`: `NamespaceDefaultLabelName`, 1.21
///   (`pkg/registry/core/namespace/strategy.go`).
pub fn drop_disabled_fields(obj: &mut Object, minor: u32) {
    match obj {
        Object::StatefulSet(s) => {
            if let Some(spec) = s.spec.as_mut() {
                if minor < 27 {
                    spec.persistent_volume_claim_retention_policy = None;
                }
                if minor < 23 {
                    spec.min_ready_seconds = None;
                }
                drop_pod_spec_fields(spec.template.spec.as_mut(), minor);
            }
        }
        Object::Job(j) => drop_job_spec_fields(j.spec.as_mut(), minor),
        Object::DaemonSet(d) => {
            if let Some(spec) = d.spec.as_mut() {
                if minor < 22 {
                    if let Some(ru) = spec
                        .update_strategy
                        .as_mut()
                        .and_then(|u| u.rolling_update.as_mut())
                    {
                        ru.max_surge = None;
                    }
                }
                drop_pod_spec_fields(spec.template.spec.as_mut(), minor);
            }
        }
        Object::Deployment(d) => {
            if let Some(spec) = d.spec.as_mut() {
                drop_pod_spec_fields(spec.template.spec.as_mut(), minor);
            }
        }
        Object::CronJob(cj) => drop_job_spec_fields(
            cj.spec.as_mut().and_then(|s| s.job_template.spec.as_mut()),
            minor,
        ),
        Object::ReplicaSet(r) => {
            if let Some(spec) = r.spec.as_mut() {
                drop_pod_spec_fields(spec.template.as_mut().and_then(|t| t.spec.as_mut()), minor);
            }
        }
        Object::Pod(p) => drop_pod_spec_fields(p.spec.as_mut(), minor),
        Object::Service(svc) if minor < 22 => {
            if let Some(spec) = svc.spec.as_mut() {
                spec.internal_traffic_policy = None;
                spec.allocate_load_balancer_node_ports = None;
            }
        }
        Object::Namespace(ns) if minor < 21 => {
            if let Some(labels) = ns.metadata.labels.as_mut() {
                labels.remove("kubernetes.io/metadata.name");
            }
        }
        _ => {}
    }
}

/// The fields of a Job's spec (a Job's, or a CronJob's template) that are off in the version.
fn drop_job_spec_fields(spec: Option<&mut k8s_openapi::api::batch::v1::JobSpec>, minor: u32) {
    let Some(spec) = spec else {
        return;
    };
    if minor < 22 {
        spec.completion_mode = None;
        spec.suspend = None;
    }
    if minor < 21 {
        spec.ttl_seconds_after_finished = None;
    }
    drop_pod_spec_fields(spec.template.spec.as_mut(), minor);
}

/// The pod-spec fields of features that are off in the version (`dropDisabledPodFields`).
fn drop_pod_spec_fields(spec: Option<&mut core::PodSpec>, minor: u32) {
    let Some(spec) = spec else {
        return;
    };
    if minor < 22 {
        let Some(affinity) = spec.affinity.as_mut() else {
            return;
        };
        let affinity_terms = affinity.pod_affinity.as_mut().map(|a| {
            (
                a.required_during_scheduling_ignored_during_execution
                    .as_mut(),
                a.preferred_during_scheduling_ignored_during_execution
                    .as_mut(),
            )
        });
        let anti_terms = affinity.pod_anti_affinity.as_mut().map(|a| {
            (
                a.required_during_scheduling_ignored_during_execution
                    .as_mut(),
                a.preferred_during_scheduling_ignored_during_execution
                    .as_mut(),
            )
        });
        for (required, preferred) in affinity_terms.into_iter().chain(anti_terms) {
            for term in required.into_iter().flatten() {
                term.namespace_selector = None;
            }
            for weighted in preferred.into_iter().flatten() {
                weighted.pod_affinity_term.namespace_selector = None;
            }
        }
    }
}

/// Applies the defaults of the object's kind.
pub fn apply(obj: &mut Object) {
    match obj {
        Object::Pod(p) => {
            if let Some(spec) = p.spec.as_mut() {
                pod_spec(spec);
            }
            let status = p.status.get_or_insert_with(Default::default);
            if status.phase.is_none() {
                status.phase = Some("Pending".into());
            }
            if status.qos_class.is_none() {
                status.qos_class = p.spec.as_ref().map(|s| qos_class(s).to_string());
            }
            crate::scheduler::plugins::scheduling_gates::gated_condition(p);
        }
        // `stringData` is write-only: the API server merges it into `data` (its keys win) and
        // drops it (`Convert_v1_Secret_To_core_Secret`); the type defaults to Opaque.
        Object::Secret(secret) => {
            if let Some(strings) = secret.string_data.take().filter(|s| !s.is_empty()) {
                let data = secret.data.get_or_insert_with(BTreeMap::new);
                for (k, v) in strings {
                    data.insert(k, k8s_openapi::ByteString(v.into_bytes()));
                }
            }
            if secret.type_.as_deref().is_none_or(str::is_empty) {
                secret.type_ = Some("Opaque".into());
            }
        }
        Object::Namespace(ns) => {
            let name = ns.metadata.name.clone().unwrap_or_default();
            ns.metadata
                .labels
                .get_or_insert_with(BTreeMap::new)
                .insert("kubernetes.io/metadata.name".into(), name);
            let spec = ns.spec.get_or_insert_with(Default::default);
            if spec.finalizers.is_none() {
                spec.finalizers = Some(vec!["kubernetes".into()]);
            }
            let status = ns.status.get_or_insert_with(Default::default);
            if status.phase.is_none() {
                status.phase = Some("Active".into());
            }
        }
        Object::PersistentVolumeClaim(pvc) => {
            if let Some(spec) = pvc.spec.as_mut() {
                if spec.volume_mode.is_none() {
                    spec.volume_mode = Some("Filesystem".into());
                }
                if let Some(r) = spec.resources.as_mut() {
                    canonical_map(&mut r.requests);
                    canonical_map(&mut r.limits);
                }
            }
            let status = pvc.status.get_or_insert_with(Default::default);
            if status.phase.is_none() {
                status.phase = Some("Pending".into());
            }
        }
        Object::PersistentVolume(pv) => {
            if let Some(spec) = pv.spec.as_mut() {
                if spec.persistent_volume_reclaim_policy.is_none() {
                    spec.persistent_volume_reclaim_policy = Some("Retain".into());
                }
                if spec.volume_mode.is_none() {
                    spec.volume_mode = Some("Filesystem".into());
                }
                canonical_map(&mut spec.capacity);
            }
            let status = pv.status.get_or_insert_with(Default::default);
            if status.phase.is_none() {
                status.phase = Some("Pending".into());
            }
        }
        Object::Service(svc) => {
            if let Some(spec) = svc.spec.as_mut() {
                if spec.type_.is_none() {
                    spec.type_ = Some("ClusterIP".into());
                }
                if spec.session_affinity.is_none() {
                    spec.session_affinity = Some("None".into());
                }
                if spec.type_.as_deref() != Some("ExternalName") {
                    if spec.internal_traffic_policy.is_none() {
                        spec.internal_traffic_policy = Some("Cluster".into());
                    }
                    if spec.ip_family_policy.is_none() {
                        spec.ip_family_policy = Some("SingleStack".into());
                    }
                    if spec.ip_families.is_none() {
                        spec.ip_families = Some(vec!["IPv4".into()]);
                    }
                }
                for port in spec.ports.iter_mut().flatten() {
                    if port.protocol.is_none() {
                        port.protocol = Some("TCP".into());
                    }
                    if port.target_port.is_none() {
                        port.target_port = Some(IntOrString::Int(port.port));
                    }
                }
            }
        }
        Object::LimitRange(lr) => {
            for item in lr.spec.iter_mut().flat_map(|s| s.limits.iter_mut()) {
                canonical_map(&mut item.default);
                canonical_map(&mut item.default_request);
                canonical_map(&mut item.max);
                canonical_map(&mut item.min);
                canonical_map(&mut item.max_limit_request_ratio);
                limit_range_item(item);
            }
        }
        Object::ResourceQuota(q) => {
            if let Some(spec) = q.spec.as_mut() {
                canonical_map(&mut spec.hard);
            }
        }
        Object::Deployment(d) => {
            if let Some(spec) = d.spec.as_mut() {
                deployment_spec(spec);
            }
        }
        Object::ReplicaSet(rs) => {
            if let Some(spec) = rs.spec.as_mut() {
                if spec.replicas.is_none() {
                    spec.replicas = Some(1);
                }
                if let Some(t) = spec.template.as_mut().and_then(|t| t.spec.as_mut()) {
                    pod_spec(t);
                }
            }
        }
        Object::StatefulSet(s) => {
            if let Some(spec) = s.spec.as_mut() {
                if spec.replicas.is_none() {
                    spec.replicas = Some(1);
                }
                if spec.pod_management_policy.is_none() {
                    spec.pod_management_policy = Some("OrderedReady".into());
                }
                if spec.revision_history_limit.is_none() {
                    spec.revision_history_limit = Some(10);
                }
                if spec.update_strategy.is_none() {
                    spec.update_strategy = Some(apps::StatefulSetUpdateStrategy {
                        type_: Some("RollingUpdate".into()),
                        rolling_update: Some(apps::RollingUpdateStatefulSetStrategy {
                            partition: Some(0),
                            ..Default::default()
                        }),
                    });
                }
                // Each of the two is defaulted on its own (SetDefaults_StatefulSet).
                let policy = spec
                    .persistent_volume_claim_retention_policy
                    .get_or_insert_with(Default::default);
                for field in [&mut policy.when_deleted, &mut policy.when_scaled] {
                    if field.as_deref().is_none_or(str::is_empty) {
                        *field = Some("Retain".into());
                    }
                }
                if let Some(t) = spec.template.spec.as_mut() {
                    pod_spec(t);
                }
                for pvc in spec.volume_claim_templates.iter_mut().flatten() {
                    if let Some(ps) = pvc.spec.as_mut() {
                        if ps.volume_mode.is_none() {
                            ps.volume_mode = Some("Filesystem".into());
                        }
                    }
                }
            }
        }
        Object::DaemonSet(ds) => {
            if let Some(spec) = ds.spec.as_mut() {
                if spec.revision_history_limit.is_none() {
                    spec.revision_history_limit = Some(10);
                }
                if spec.update_strategy.is_none() {
                    spec.update_strategy = Some(apps::DaemonSetUpdateStrategy {
                        type_: Some("RollingUpdate".into()),
                        rolling_update: Some(apps::RollingUpdateDaemonSet {
                            max_surge: Some(IntOrString::Int(0)),
                            max_unavailable: Some(IntOrString::Int(1)),
                        }),
                    });
                }
                if let Some(t) = spec.template.spec.as_mut() {
                    pod_spec(t);
                }
            }
        }
        Object::Job(j) => {
            if let Some(spec) = j.spec.as_mut() {
                if spec.parallelism.is_none() {
                    spec.parallelism = Some(1);
                }
                if spec.completions.is_none() && spec.parallelism == Some(1) {
                    spec.completions = Some(1);
                }
                if spec.backoff_limit.is_none() {
                    spec.backoff_limit = Some(6);
                }
                if spec.completion_mode.is_none() {
                    spec.completion_mode = Some("NonIndexed".into());
                }
                if spec.suspend.is_none() {
                    spec.suspend = Some(false);
                }
                if let Some(t) = spec.template.spec.as_mut() {
                    pod_spec(t);
                }
            }
        }
        Object::StorageClass(sc) => {
            if sc.reclaim_policy.is_none() {
                sc.reclaim_policy = Some("Delete".into());
            }
            if sc.volume_binding_mode.is_none() {
                sc.volume_binding_mode = Some("Immediate".into());
            }
        }
        Object::Node(n) => {
            if let Some(st) = n.status.as_mut() {
                canonical_map(&mut st.capacity);
                canonical_map(&mut st.allocatable);
                if st.allocatable.is_none() {
                    st.allocatable = st.capacity.clone();
                }
            }
        }
        _ => {}
    }
}

fn deployment_spec(spec: &mut apps::DeploymentSpec) {
    if spec.replicas.is_none() {
        spec.replicas = Some(1);
    }
    if spec.strategy.is_none() {
        spec.strategy = Some(apps::DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(apps::RollingUpdateDeployment {
                max_surge: Some(IntOrString::String("25%".into())),
                max_unavailable: Some(IntOrString::String("25%".into())),
            }),
        });
    }
    if spec.revision_history_limit.is_none() {
        spec.revision_history_limit = Some(10);
    }
    if spec.progress_deadline_seconds.is_none() {
        spec.progress_deadline_seconds = Some(600);
    }
    if let Some(t) = spec.template.spec.as_mut() {
        pod_spec(t);
    }
}

/// SetDefaults_PodSpec and the container defaults.
pub fn pod_spec(spec: &mut core::PodSpec) {
    if spec.restart_policy.is_none() {
        spec.restart_policy = Some("Always".into());
    }
    if spec.dns_policy.is_none() {
        spec.dns_policy = Some("ClusterFirst".into());
    }
    if spec.termination_grace_period_seconds.is_none() {
        spec.termination_grace_period_seconds = Some(30);
    }
    if spec.scheduler_name.is_none() {
        spec.scheduler_name = Some("default-scheduler".into());
    }
    if spec.security_context.is_none() {
        spec.security_context = Some(Default::default());
    }
    if spec.enable_service_links.is_none() {
        spec.enable_service_links = Some(true);
    }
    let host_network = spec.host_network == Some(true);
    for c in spec.containers.iter_mut() {
        container(c, host_network);
    }
    for c in spec.init_containers.iter_mut().flatten() {
        container(c, host_network);
    }
    for v in spec.volumes.iter_mut().flatten() {
        if let Some(hp) = v.host_path.as_mut() {
            if hp.type_.is_none() {
                hp.type_ = Some(String::new());
            }
        }
        if let Some(cm) = v.config_map.as_mut() {
            if cm.default_mode.is_none() {
                cm.default_mode = Some(0o644);
            }
        }
        if let Some(s) = v.secret.as_mut() {
            if s.default_mode.is_none() {
                s.default_mode = Some(0o644);
            }
        }
        if let Some(ed) = v.empty_dir.as_mut() {
            if let Some(q) = ed.size_limit.as_mut() {
                canonical(q);
            }
        }
    }
    canonical_map(&mut spec.overhead);
}

/// SetDefaults_Container: imagePullPolicy by tag, termination message, port protocol, probes.
fn container(c: &mut core::Container, host_network: bool) {
    if c.image_pull_policy.is_none() {
        c.image_pull_policy = Some(pull_policy_for(c.image.as_deref().unwrap_or("")).into());
    }
    if c.termination_message_path.is_none() {
        c.termination_message_path = Some("/dev/termination-log".into());
    }
    if c.termination_message_policy.is_none() {
        c.termination_message_policy = Some("File".into());
    }
    for p in c.ports.iter_mut().flatten() {
        if p.protocol.is_none() {
            p.protocol = Some("TCP".into());
        }
        if host_network && p.host_port.is_none() {
            p.host_port = Some(p.container_port);
        }
    }
    for probe in [
        &mut c.liveness_probe,
        &mut c.readiness_probe,
        &mut c.startup_probe,
    ]
    .into_iter()
    .flatten()
    {
        if probe.timeout_seconds.is_none() {
            probe.timeout_seconds = Some(1);
        }
        if probe.period_seconds.is_none() {
            probe.period_seconds = Some(10);
        }
        if probe.success_threshold.is_none() {
            probe.success_threshold = Some(1);
        }
        if probe.failure_threshold.is_none() {
            probe.failure_threshold = Some(3);
        }
        if let Some(h) = probe.http_get.as_mut() {
            if h.path.is_none() {
                h.path = Some("/".into());
            }
            if h.scheme.is_none() {
                h.scheme = Some("HTTP".into());
            }
        }
    }
    if let Some(r) = c.resources.as_mut() {
        canonical_map(&mut r.limits);
        canonical_map(&mut r.requests);
        // SetDefaults_ResourceRequirements (via the pod): requests default to limits.
        if let Some(limits) = r.limits.clone() {
            let req = r.requests.get_or_insert_with(BTreeMap::new);
            for (k, v) in limits {
                req.entry(k).or_insert(v);
            }
        }
    }
}

/// SetDefaults_LimitRangeItem: for a `Container` item, `default` takes `max` for each resource
/// it lacks, then `defaultRequest` takes `default`, then `min`, for each resource it lacks.
/// Upstream starts from empty maps; an empty map is omitted when the object is written, so the
/// maps are only created when something lands in them.
fn limit_range_item(item: &mut core::LimitRangeItem) {
    if item.type_ != "Container" {
        return;
    }
    fill_missing(&mut item.default, item.max.as_ref());
    fill_missing(&mut item.default_request, item.default.as_ref());
    fill_missing(&mut item.default_request, item.min.as_ref());
}

/// Copies every entry of `from` whose key `into` lacks.
fn fill_missing(
    into: &mut Option<BTreeMap<String, K8sQuantity>>,
    from: Option<&BTreeMap<String, K8sQuantity>>,
) {
    for (k, v) in from.into_iter().flatten() {
        let target = into.get_or_insert_with(BTreeMap::new);
        if !target.contains_key(k) {
            target.insert(k.clone(), v.clone());
        }
    }
}

/// `Always` for `:latest` or no tag (and no digest), `IfNotPresent` otherwise.
pub fn pull_policy_for(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

/// The pod's QoS class (pkg/apis/core/v1/helper/qos/qos.go, GetPodQOS).
pub fn qos_class(spec: &core::PodSpec) -> &'static str {
    let mut requests: BTreeMap<String, Quantity> = BTreeMap::new();
    let mut limits: BTreeMap<String, Quantity> = BTreeMap::new();
    let mut guaranteed = true;
    let all = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten());
    for c in all {
        let r = c.resources.as_ref();
        let mut has_cpu_limit = false;
        let mut has_mem_limit = false;
        for (name, q) in r.and_then(|r| r.requests.as_ref()).into_iter().flatten() {
            if name != "cpu" && name != "memory" {
                continue;
            }
            if let Ok(q) = Quantity::parse(&q.0) {
                if !q.is_zero() {
                    let e = requests.entry(name.clone()).or_insert_with(Quantity::zero);
                    *e += &q;
                }
            }
        }
        for (name, q) in r.and_then(|r| r.limits.as_ref()).into_iter().flatten() {
            if name != "cpu" && name != "memory" {
                continue;
            }
            if let Ok(q) = Quantity::parse(&q.0) {
                if !q.is_zero() {
                    if name == "cpu" {
                        has_cpu_limit = true;
                    } else {
                        has_mem_limit = true;
                    }
                    let e = limits.entry(name.clone()).or_insert_with(Quantity::zero);
                    *e += &q;
                }
            }
        }
        if !(has_cpu_limit && has_mem_limit) {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort";
    }
    if guaranteed && requests.iter().all(|(k, v)| limits.get(k) == Some(v)) {
        return "Guaranteed";
    }
    "Burstable"
}

fn canonical(q: &mut K8sQuantity) {
    if let Ok(parsed) = Quantity::parse(&q.0) {
        q.0 = parsed.to_string();
    }
}

fn canonical_map(m: &mut Option<BTreeMap<String, K8sQuantity>>) {
    for q in m.iter_mut().flat_map(|m| m.values_mut()) {
        canonical(q);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_pull_policy_follows_the_tag() {
        for (image, policy) in [
            ("nginx", "Always"),
            ("nginx:latest", "Always"),
            ("nginx:1.25", "IfNotPresent"),
            ("localhost:5000/nginx", "Always"),
            ("localhost:5000/nginx:1.0", "IfNotPresent"),
            ("nginx@sha256:abc", "IfNotPresent"),
            ("k8s.gcr.io/pause:2.0", "IfNotPresent"),
        ] {
            assert_eq!(pull_policy_for(image), policy, "{image}");
        }
    }

    #[test]
    fn the_claim_retention_policy_exists_only_from_1_27() {
        let sts = |minor: u32| {
            let v = serde_json::json!({"metadata": {"name": "web"}, "spec": {
                "selector": {"matchLabels": {"app": "web"}}, "serviceName": "web",
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}},
                "persistentVolumeClaimRetentionPolicy": {"whenScaled": "Delete"}}});
            let mut obj =
                Object::StatefulSet(Box::new(serde_json::from_value(v).unwrap_or_default()));
            apply(&mut obj);
            drop_disabled_fields(&mut obj, minor);
            match obj {
                Object::StatefulSet(s) => s
                    .spec
                    .and_then(|s| s.persistent_volume_claim_retention_policy),
                _ => None,
            }
        };
        assert!(
            sts(26).is_none(),
            "StatefulSetAutoDeletePVC is off before 1.27"
        );
        let kept = sts(27).unwrap_or_default();
        assert_eq!(kept.when_scaled.as_deref(), Some("Delete"));
        assert_eq!(kept.when_deleted.as_deref(), Some("Retain"), "defaulted");
    }

    fn dropped(v: serde_json::Value, minor: u32) -> serde_json::Value {
        let mut obj = crate::apiserver::decode_value(v).unwrap();
        apply(&mut obj);
        drop_disabled_fields(&mut obj, minor);
        obj.to_value()
    }

    #[test]
    fn fields_of_features_off_before_1_24_are_dropped_with_their_defaults() {
        let job = serde_json::json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "spec": {"completionMode": "Indexed", "completions": 2, "ttlSecondsAfterFinished": 60,
                     "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}});
        let at = |minor| dropped(job.clone(), minor)["spec"].clone();
        assert!(at(20)["ttlSecondsAfterFinished"].is_null());
        assert_eq!(at(21)["ttlSecondsAfterFinished"], 60);
        assert!(at(21)["completionMode"].is_null() && at(21)["suspend"].is_null());
        assert_eq!(at(22)["completionMode"], "Indexed");
        assert_eq!(at(22)["suspend"], false);

        let ns = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
        assert!(
            dropped(ns.clone(), 20)["metadata"]["labels"]["kubernetes.io/metadata.name"].is_null()
        );
        assert_eq!(
            dropped(ns, 21)["metadata"]["labels"]["kubernetes.io/metadata.name"],
            "team"
        );

        let svc = serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80}]}});
        assert!(dropped(svc.clone(), 21)["spec"]["internalTrafficPolicy"].is_null());
        assert_eq!(dropped(svc, 22)["spec"]["internalTrafficPolicy"], "Cluster");

        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "x"}], "affinity": {"podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "kubernetes.io/hostname",
                    "labelSelector": {"matchLabels": {"app": "a"}}, "namespaceSelector": {}}]}}}});
        let term = |minor| {
            dropped(pod.clone(), minor)["spec"]["affinity"]["podAntiAffinity"]
                ["requiredDuringSchedulingIgnoredDuringExecution"][0]
                .clone()
        };
        assert!(term(21)["namespaceSelector"].is_null());
        assert!(term(21)["labelSelector"].is_object());
        assert!(term(22)["namespaceSelector"].is_object());
    }
}
