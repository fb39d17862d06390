//! Tests of the reducer.

use super::*;

fn state() -> State {
    State::new("kind: Pod\n".into(), Theme::System)
}

fn reduce(mut s: State, action: Action) -> State {
    s.reduce(action);
    s
}

#[test]
fn first_run_is_immediate() {
    assert_eq!(state().run, RunRequest { id: 1, delay_ms: 0 });
}

#[test]
fn typing_debounces_and_same_text_does_not_rerun() {
    let s = reduce(state(), Action::Edit("kind: Node\n".into()));
    assert_eq!(s.text, "kind: Node\n");
    assert_eq!(
        s.run,
        RunRequest {
            id: 2,
            delay_ms: EDIT_DELAY_MS
        }
    );
    let s = reduce(s, Action::Edit("kind: Node\n".into()));
    assert_eq!(s.run.id, 2);
    let s = reduce(s, Action::RunNow);
    assert_eq!(s.run, RunRequest { id: 3, delay_ms: 0 });
}

#[test]
fn loading_an_example_keeps_the_previous_text_for_undo() {
    let mut s = reduce(state(), Action::Console("kubectl get pods".into()));
    s.selected_pod = Some(("default".into(), "web".into()));
    let s = reduce(
        s,
        Action::LoadExample {
            title: "Taints".into(),
            text: "kind: Node\n".into(),
        },
    );
    assert_eq!(s.text, "kind: Node\n");
    assert_eq!(s.previous.as_deref(), Some("kind: Pod\n"));
    assert!(s.console.is_empty() && s.selected_pod.is_none());
    let banner = s.banner.clone().expect("banner");
    assert!(banner.undo && banner.message.contains("Taints"));
    assert_eq!(s.run.delay_ms, 0);

    let s = reduce(s, Action::Undo);
    assert_eq!(s.text, "kind: Pod\n");
    assert_eq!(
        s.previous.as_deref(),
        Some("kind: Node\n"),
        "undo can be undone"
    );
    let banner = s
        .banner
        .clone()
        .expect("the banner stays to offer the swap back");
    assert!(banner.undo);
    let s = reduce(s, Action::Edit("kind: Pod\nmetadata: {}\n".into()));
    let s = reduce(s, Action::Undo);
    assert_eq!(s.text, "kind: Node\n");
    assert_eq!(
        s.previous.as_deref(),
        Some("kind: Pod\nmetadata: {}\n"),
        "the edits made after an undo are kept for the next one"
    );
}

#[test]
fn loading_the_same_text_changes_nothing() {
    let before = state();
    let after = reduce(
        before.clone(),
        Action::LoadExample {
            title: "x".into(),
            text: before.text.clone(),
        },
    );
    assert_eq!(after, before);
}

#[test]
fn console_commands_are_trimmed_kept_and_capped() {
    let s = reduce(
        state(),
        Action::Console("  $ kubectl cordon kind-worker ".into()),
    );
    assert_eq!(s.console, vec!["kubectl cordon kind-worker"]);
    assert_eq!(s.run, RunRequest { id: 2, delay_ms: 0 });
    let s = reduce(s, Action::Console("   ".into()));
    assert_eq!(s.run.id, 2, "empty commands do nothing");
    let mut s = s;
    for i in 0..CONSOLE_LIMIT + 5 {
        s.reduce(Action::Console(format!("kubectl get pod p{i}")));
    }
    assert_eq!(s.console.len(), CONSOLE_LIMIT);
    assert_eq!(
        s.console.last().map(String::as_str),
        Some("kubectl get pod p104")
    );
    let s = reduce(s, Action::ClearConsole);
    assert!(s.console.is_empty());
}

#[test]
fn selecting_a_pod_shows_the_cluster() {
    let s = reduce(state(), Action::SetTab(Tab::Events));
    let s = reduce(s, Action::SelectPod(Some(("default".into(), "web".into()))));
    assert_eq!(s.tab, Tab::Cluster);
    let s = reduce(s, Action::SetTab(Tab::Get));
    let s = reduce(s, Action::SelectPod(None));
    assert_eq!(s.tab, Tab::Get, "closing the panel stays where you are");
}

#[test]
fn goto_requests_are_distinct() {
    let s = reduce(state(), Action::Goto { line: 4, column: 3 });
    let first = s.goto.expect("goto");
    let s = reduce(s, Action::Goto { line: 4, column: 3 });
    assert_ne!(s.goto, Some(first));
    assert_eq!(s.goto.map(|g| g.line), Some(4));
}

#[test]
fn theme_toggle_flips_what_is_shown() {
    assert_eq!(toggled(Theme::System, true), Theme::Light);
    assert_eq!(toggled(Theme::System, false), Theme::Dark);
    assert_eq!(toggled(Theme::Dark, false), Theme::Light);
    assert_eq!(toggled(Theme::Light, true), Theme::Dark);
}

#[test]
fn banners_and_share_open_and_close() {
    let banner = Banner {
        level: Level::Error,
        message: "bad link".into(),
        undo: false,
    };
    let s = reduce(state(), Action::ShowBanner(banner.clone()));
    assert_eq!(s.banner, Some(banner));
    let s = reduce(s, Action::DismissBanner);
    assert!(s.banner.is_none());
    let s = reduce(
        s,
        Action::ShowShare(Share {
            url: "u".into(),
            copied: None,
        }),
    );
    let s = reduce(s, Action::Copied(true));
    assert_eq!(s.share.as_ref().and_then(|s| s.copied), Some(true));
    assert!(reduce(s, Action::CloseShare).share.is_none());
}

fn key(name: &str) -> ObjKey {
    ObjKey {
        kind: "Pod".into(),
        namespace: "team".into(),
        name: name.into(),
    }
}

#[test]
fn selecting_an_object_opens_its_admission_trace_and_closing_it_stays_on_the_tab() {
    let s = reduce(state(), Action::SetTab(Tab::Events));
    let s = reduce(s, Action::SelectObject(Some(key("big"))));
    assert_eq!(s.tab, Tab::Admission);
    assert_eq!(s.selected_object, Some(key("big")));
    let s = reduce(s, Action::SelectObject(None));
    assert_eq!(s.tab, Tab::Admission);
    assert_eq!(s.selected_object, None);
}

#[test]
fn loading_an_example_closes_the_admission_trace() {
    let s = reduce(state(), Action::SelectObject(Some(key("big"))));
    let s = reduce(
        s,
        Action::LoadExample {
            title: "t".into(),
            text: "kind: Node\n".into(),
        },
    );
    assert_eq!(s.selected_object, None);
}

#[test]
fn the_diagram_grouping_is_chosen_without_a_rerun_and_a_new_example_resets_it_to_auto() {
    assert_eq!(state().group_by, GroupBy::Auto);
    let s = reduce(
        state(),
        Action::GroupBy(GroupBy::Key("kubernetes.io/hostname".into())),
    );
    assert_eq!(s.group_by, GroupBy::Key("kubernetes.io/hostname".into()));
    assert_eq!(s.run, state().run);
    let s = reduce(
        s,
        Action::LoadExample {
            title: "t".into(),
            text: "kind: Node\n".into(),
        },
    );
    assert_eq!(s.group_by, GroupBy::Auto);
}

#[test]
fn picking_a_version_writes_it_into_the_scenario_and_can_be_undone() {
    let s = reduce(state(), Action::SetVersion(20));
    assert!(s.text.contains("kubernetesVersion: \"1.20\"") && s.text.ends_with("kind: Pod\n"));
    assert_eq!(s.previous.as_deref(), Some("kind: Pod\n"));
    assert!(s
        .banner
        .as_ref()
        .is_some_and(|b| b.undo && b.message.contains("1.20")));
    assert_eq!(s.run.delay_ms, 0);
    let id = s.run.id;
    // The same version again changes nothing.
    let s = reduce(s, Action::SetVersion(20));
    assert_eq!(s.run.id, id);
    let s = reduce(s, Action::Undo);
    assert_eq!(s.text, "kind: Pod\n");
}
