//! The Job controller: keeps `min(parallelism, completions − succeeded)` pods running until
//! `completions` pods have succeeded, then marks the Job complete.
//!
//! Follows `pkg/controller/job/job_controller.go` (`syncJob`, `manageJob`: pods from the template
//! named `<job>-` plus a suffix, or `<job>-<index>-` plus a suffix in Indexed mode with the
//! `batch.kubernetes.io/job-completion-index` annotation (and label from 1.28); the
//! `SuccessfulCreate` `Created pod: %v` and `Completed` `Job completed` events of
//! `job-controller`; the `Complete` condition — from 1.31 preceded by `SuccessCriteriaMet`, both
//! with reason `CompletionsReached` and message `Reached expected number of succeeded pods`) and
//! `pkg/registry/batch/job/strategy.go` (`generateSelector`: the `controller-uid` and `job-name`
//! labels, and from 1.27 their `batch.kubernetes.io/` forms, on the template and in the
//! selector). kubefiddle adds those labels when the controller first sees the Job rather than in
//! the API server; the stored Job ends up the same once the cluster settles.
//!
//! Pods of a Job run to completion one second after they start (see `kubelet.rs`); pods never
//! fail, so `backoffLimit` and pod failure policies have nothing to act on.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::apiserver::Cluster;
use crate::object::Object;
use crate::store::ObjRef;

const SOURCE: &str = "job-controller";
const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
const COMPLETIONS_REACHED: &str = "CompletionsReached";
const COMPLETIONS_REACHED_MESSAGE: &str = "Reached expected number of succeeded pods";

/// The labels `generateSelector` puts on the template (all) and in the selector (the uid one).
pub fn generated_labels(name: &str, uid: &str, minor: u32) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if minor >= 27 {
        out.push(("batch.kubernetes.io/controller-uid", uid.to_string()));
        out.push(("batch.kubernetes.io/job-name", name.to_string()));
    }
    out.push(("controller-uid", uid.to_string()));
    out.push(("job-name", name.to_string()));
    out
}

fn phase(p: &Pod) -> &str {
    p.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn finished(job: &Job) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
        })
}

pub fn reconcile(c: &mut Cluster) -> bool {
    let jobs: Vec<ObjRef> = c
        .store
        .list("Job")
        .filter(|s| s.obj.meta().deletion_timestamp.is_none())
        .map(|s| ObjRef::of(&s.obj))
        .collect();
    let mut changed = false;
    for key in jobs {
        changed |= sync(c, &key);
    }
    changed
}

fn sync(c: &mut Cluster, key: &ObjRef) -> bool {
    let minor = c.settings.minor;
    let mut changed = false;
    // generateSelector, once.
    let Some(Object::Job(job)) = c.store.get(key).map(|s| s.obj.clone()) else {
        return false;
    };
    let uid = job.metadata.uid.clone().unwrap_or_default();
    let manual = job
        .spec
        .as_ref()
        .and_then(|s| s.manual_selector)
        .unwrap_or(false);
    if !manual
        && job
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .is_none()
    {
        let labels = generated_labels(&key.name, &uid, minor);
        let uid_key = labels.first().map(|(k, _)| *k).unwrap_or("controller-uid");
        changed |= c.store.modify(key, |o| {
            if let Object::Job(j) = o {
                if let Some(spec) = j.spec.as_mut() {
                    let meta = spec
                        .template
                        .metadata
                        .get_or_insert_with(ObjectMeta::default);
                    let tl = meta.labels.get_or_insert_with(BTreeMap::new);
                    for (k, v) in &labels {
                        tl.insert(k.to_string(), v.clone());
                    }
                    spec.selector = Some(LabelSelector {
                        match_labels: Some(BTreeMap::from([(uid_key.to_string(), uid.clone())])),
                        match_expressions: None,
                    });
                }
            }
        });
    }
    let Some(Object::Job(job)) = c.store.get(key).map(|s| s.obj.clone()) else {
        return changed;
    };
    let spec = job.spec.clone().unwrap_or_default();
    let job_ref = key.clone();
    let pods: Vec<Pod> = c
        .store
        .list_ns("Pod", &key.namespace)
        .filter_map(|s| s.obj.as_pod())
        .filter(|p| super::owned_by(&p.metadata, &uid, true))
        .cloned()
        .collect();
    let active: Vec<&Pod> = pods
        .iter()
        .filter(|p| {
            p.metadata.deletion_timestamp.is_none() && !matches!(phase(p), "Succeeded" | "Failed")
        })
        .collect();
    let succeeded_pods: Vec<&Pod> = pods.iter().filter(|p| phase(p) == "Succeeded").collect();
    let succeeded = i32::try_from(succeeded_pods.len()).unwrap_or(i32::MAX);
    let failed =
        i32::try_from(pods.iter().filter(|p| phase(p) == "Failed").count()).unwrap_or(i32::MAX);
    let parallelism = spec.parallelism.unwrap_or(1).max(0);
    let indexed = spec.completion_mode.as_deref() == Some("Indexed");
    let suspended = spec.suspend.unwrap_or(false);
    let done = finished(&job);
    let now = c.store.timestamp();
    let complete_now = !done
        && match spec.completions {
            Some(n) => succeeded >= n,
            // A work queue: done when one pod succeeded and none is left running.
            None => succeeded > 0 && active.is_empty(),
        };
    let mut created = 0i32;
    if !done && !complete_now && !suspended {
        let wanted = match spec.completions {
            Some(n) => parallelism.min(n.saturating_sub(succeeded)),
            None => {
                if succeeded > 0 {
                    0
                } else {
                    parallelism
                }
            }
        };
        let have = i32::try_from(active.len()).unwrap_or(i32::MAX);
        // Indexed: the lowest indexes neither succeeded nor running.
        let mut taken: Vec<i32> = succeeded_pods
            .iter()
            .chain(active.iter())
            .filter_map(|p| {
                p.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(COMPLETION_INDEX))
                    .and_then(|v| v.parse().ok())
            })
            .collect();
        for _ in 0..wanted.saturating_sub(have).clamp(0, 500) {
            let index = if indexed {
                let limit = spec.completions.unwrap_or(0);
                let Some(i) = (0..limit).find(|i| !taken.contains(i)) else {
                    break;
                };
                taken.push(i);
                Some(i)
            } else {
                None
            };
            let Some(pod) = new_pod(&job, index, minor) else {
                break;
            };
            match super::create_pod(
                c,
                pod,
                &super::controller_user("job-controller"),
                &job_ref,
                SOURCE,
            ) {
                Ok(()) => {
                    created = created.saturating_add(1);
                    changed = true;
                }
                Err(event_changed) => {
                    changed |= event_changed;
                    break;
                }
            }
        }
    }
    let active_count = i32::try_from(active.len())
        .unwrap_or(i32::MAX)
        .saturating_add(created);
    let ready = i32::try_from(
        active
            .iter()
            .filter(|p| {
                p.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
            })
            .count(),
    )
    .unwrap_or(i32::MAX);
    let completed_indexes = indexed.then(|| {
        let mut idx: Vec<i32> = succeeded_pods
            .iter()
            .filter_map(|p| {
                p.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(COMPLETION_INDEX))
                    .and_then(|v| v.parse().ok())
            })
            .collect();
        idx.sort_unstable();
        idx.dedup();
        compress_indexes(&idx)
    });
    changed |= c.store.modify(key, |o| {
        let Object::Job(j) = o else { return };
        let st = j.status.get_or_insert_with(JobStatus::default);
        if st.start_time.is_none() && !suspended {
            st.start_time = Some(now.clone());
        }
        st.active = (active_count > 0).then_some(active_count);
        st.succeeded = (succeeded > 0).then_some(succeeded);
        st.failed = (failed > 0).then_some(failed);
        // `JobReadyPods`: beta and on from 1.24.
        st.ready = (minor >= 24).then_some(ready);
        if let Some(ci) = &completed_indexes {
            st.completed_indexes = (!ci.is_empty()).then(|| ci.clone());
        }
        if minor >= 26 && st.uncounted_terminated_pods.is_none() {
            st.uncounted_terminated_pods = Some(Default::default());
        }
        if complete_now {
            let conditions = st.conditions.get_or_insert_with(Vec::new);
            let condition = |type_: &str| JobCondition {
                type_: type_.into(),
                status: "True".into(),
                last_probe_time: Some(now.clone()),
                last_transition_time: Some(now.clone()),
                reason: (minor >= 31).then(|| COMPLETIONS_REACHED.to_string()),
                message: (minor >= 31).then(|| COMPLETIONS_REACHED_MESSAGE.to_string()),
            };
            if minor >= 31 {
                conditions.push(condition("SuccessCriteriaMet"));
            }
            conditions.push(condition("Complete"));
            st.completion_time = Some(now.clone());
        }
    });
    if complete_now {
        c.store.event(
            "Normal",
            "Completed",
            job_ref,
            "Job completed".into(),
            SOURCE,
        );
        changed = true;
    }
    changed
}

/// `completedIndexes` as the controller writes it: `1,3-5,7`.
pub fn compress_indexes(sorted: &[i32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end.saturating_add(1) {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

fn new_pod(job: &Job, index: Option<i32>, minor: u32) -> Option<Pod> {
    let template = job.spec.as_ref()?.template.clone();
    let name = job.metadata.name.clone()?;
    let meta = template.metadata.unwrap_or_default();
    let mut labels = meta.labels.unwrap_or_default();
    let mut annotations = meta.annotations.unwrap_or_default();
    let mut spec = template.spec?;
    let generate_name = match index {
        Some(i) => {
            annotations.insert(COMPLETION_INDEX.into(), i.to_string());
            if minor >= 28 {
                labels.insert(COMPLETION_INDEX.into(), i.to_string());
            }
            if spec.hostname.is_none() {
                spec.hostname = Some(format!("{name}-{i}"));
            }
            format!("{name}-{i}-")
        }
        None => format!("{name}-"),
    };
    Some(Pod {
        metadata: ObjectMeta {
            generate_name: Some(generate_name),
            namespace: job.metadata.namespace.clone(),
            labels: (!labels.is_empty()).then_some(labels),
            annotations: (!annotations.is_empty()).then_some(annotations),
            owner_references: Some(vec![super::owner_ref(
                "Job",
                "batch/v1",
                &job.metadata,
                true,
            )]),
            ..ObjectMeta::default()
        },
        spec: Some(spec),
        status: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_indexes_are_written_as_ranges() {
        #[rustfmt::skip]
        let cases: &[(&[i32], &str)] = &[
            (&[], ""),
            (&[0], "0"),
            (&[0, 1, 2], "0-2"),
            (&[1, 3, 4, 5, 7], "1,3-5,7"),
        ];
        for (idx, want) in cases {
            assert_eq!(compress_indexes(idx), *want, "{idx:?}");
        }
    }

    #[test]
    fn the_generated_labels_follow_the_version() {
        let keys = |minor| {
            generated_labels("pi", "u", minor)
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(26), ["controller-uid", "job-name"]);
        assert_eq!(
            keys(27),
            [
                "batch.kubernetes.io/controller-uid",
                "batch.kubernetes.io/job-name",
                "controller-uid",
                "job-name"
            ]
        );
    }

    fn run(minor: u32, steps: &str) -> crate::scenario::Run {
        let text = format!(
            "apiVersion: kubefiddle.dev/v1alpha1\nkind: Settings\nkubernetesVersion: \"1.{minor}\"\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {{name: pi}}\nspec:\n  completions: 3\n  parallelism: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: pi, image: perl}}]\n---\n{steps}"
        );
        crate::scenario::run(&[crate::scenario::Input::new("t.yaml", text)])
    }

    fn job_status(r: &crate::scenario::Run) -> JobStatus {
        match r.cluster.store.get_obj("Job", "default", "pi") {
            Some(Object::Job(j)) => j.status.clone().unwrap_or_default(),
            _ => JobStatus::default(),
        }
    }

    #[test]
    fn a_job_runs_its_completions_with_its_parallelism_and_completes() {
        let r = run(34, "");
        let st = job_status(&r);
        assert_eq!(st.active, Some(2), "parallelism 2");
        assert_eq!(st.succeeded, None);
        let r = run(34, "$ sleep 10s\n");
        let st = job_status(&r);
        assert_eq!(st.succeeded, Some(3));
        assert_eq!(st.active, None);
        let types: Vec<String> = st
            .conditions
            .unwrap_or_default()
            .iter()
            .map(|c| format!("{}:{}", c.type_, c.reason.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            types,
            [
                "SuccessCriteriaMet:CompletionsReached",
                "Complete:CompletionsReached"
            ]
        );
        let events: Vec<String> = r
            .cluster
            .store
            .events
            .iter()
            .filter(|e| e.involved_object.kind == "Job")
            .map(|e| format!("{} {}", e.reason, e.message))
            .collect();
        assert_eq!(events.len(), 4, "{events:?}");
        assert_eq!(
            events.last().map(String::as_str),
            Some("Completed Job completed")
        );
        // The pod carries the generated labels.
        let pod = r
            .cluster
            .store
            .list("Pod")
            .filter_map(|s| s.obj.as_pod())
            .next()
            .cloned()
            .unwrap_or_default();
        let labels = pod.metadata.labels.unwrap_or_default();
        assert_eq!(labels.get("job-name").map(String::as_str), Some("pi"));
        assert!(labels.contains_key("batch.kubernetes.io/controller-uid"));
    }

    #[test]
    fn before_1_31_complete_has_no_reason() {
        let st = job_status(&run(30, "$ sleep 10s\n"));
        let conditions = st.conditions.unwrap_or_default();
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].type_, "Complete");
        assert_eq!(conditions[0].reason, None);
    }
}
