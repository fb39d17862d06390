//! Tests of the model derived from engine runs (the engine itself is tested in its crate).

use super::*;
use crate::examples::WELCOME;

#[test]
fn welcome_scenario_fills_every_panel() {
    let m = Model::compute(WELCOME.text, &[], 7);
    assert_eq!(m.generation, 7);
    assert_eq!(m.nodes.len(), 3);
    assert!(m.version.starts_with("v1."));
    assert!(m.pending.iter().any(|p| p.name == "big-batch"));
    assert!(m.failures >= 1, "the pod in a missing namespace is refused");
    assert!(m.markers.iter().any(|mk| mk.level == Level::Error));
    assert!(m
        .groups
        .iter()
        .any(|g| g.prompt == "kubectl apply -f scenario.yaml"));
}

#[test]
fn console_commands_get_their_own_output() {
    let commands = vec![
        "kubectl cordon kind-worker".to_string(),
        "kubectl frobnicate".to_string(),
    ];
    let m = Model::compute("", &commands, 1);
    assert_eq!(m.console.len(), 2);
    assert_eq!(m.console[0].command, "kubectl cordon kind-worker");
    assert_eq!(
        m.console[0].lines,
        vec![(false, "node/kind-worker cordoned".to_string())]
    );
    assert!(
        m.console[1].lines.iter().any(|(err, _)| *err),
        "an unknown command is an error"
    );
    assert!(
        m.groups.is_empty(),
        "console records stay out of the scenario's results"
    );
    let cordoned = m
        .nodes
        .iter()
        .find(|n| n.name == "kind-worker")
        .map(|n| n.status.clone());
    assert_eq!(cordoned.as_deref(), Some("Ready,SchedulingDisabled"));
}

#[test]
fn a_key_given_twice_marks_its_line_as_a_warning() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
    let m = Model::compute(text, &[], 1);
    let marker = m
        .markers
        .iter()
        .find(|mk| mk.line == 5)
        .expect("a marker on line 5");
    assert_eq!(marker.level, Level::Warning);
    assert!(marker.messages[0].contains("given twice"));
}

#[test]
fn an_invalid_document_marks_its_field_line_as_an_error() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
    let m = Model::compute(text, &[], 1);
    assert_eq!(m.failures, 1);
    let failed = &m.groups[0].records[0];
    assert!(failed
        .message
        .as_deref()
        .is_some_and(|t| t.contains("is invalid")));
    let marker = m
        .markers
        .iter()
        .find(|mk| mk.level == Level::Error)
        .expect("an error marker");
    assert_eq!(marker.line, target_line(failed));
}

/// The engine's fixture: a quota that refuses a pod after LimitRanger filled in its requests.
const TEAM: &str = include_str!("../../engine/tests/fixtures/team-quota.yaml");

#[test]
fn every_applied_or_rejected_object_has_its_admission_trace() {
    let m = Model::compute(TEAM, &[], 1);
    let names: Vec<&str> = m.traced.iter().map(|t| t.key.name.as_str()).collect();
    assert_eq!(names, vec!["team", "defaults", "compute", "web", "big"]);
    let big = m.traced.last().expect("big");
    assert_eq!(big.record.decided_by.as_deref(), Some("ResourceQuota"));
    let trace = m.trace(&big.key).expect("trace of the rejected pod");
    assert_eq!(
        trace.last().map(|s| (s.plugin.as_str(), s.verdict)),
        Some(("ResourceQuota", "rejected"))
    );
    assert_eq!(m.namespaces.len(), 1);
    assert_eq!(m.namespaces[0].quotas[0].resources[0].used, "250m");
}

#[test]
fn a_reapplied_object_is_listed_once_with_its_last_result() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: a\n    image: nginx\n";
    let text = format!(
        "{pod}---\n{}",
        pod.replace("image: nginx", "image: nginx:1.27")
    );
    let m = Model::compute(&text, &[], 1);
    let webs: Vec<&Traced> = m.traced.iter().filter(|t| t.key.name == "web").collect();
    assert_eq!(webs.len(), 1);
    assert_eq!(webs[0].record.line, 10);
    assert!(m.traced_for(&webs[0].record).is_some());
}
