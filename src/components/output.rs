//! The right-hand pane, in two parts that are always visible together: the views (tabs:
//! Cluster diagram with "why here?", Events, kubectl get) above, and the results as a terminal
//! log with the console line below, so a refused manifest is seen next to the cluster.

use std::rc::Rc;

use kubefiddle_engine::store::ObjRef;
use kubefiddle_engine::views;
use web_sys::{Element, HtmlElement, ScrollBehavior, ScrollIntoViewOptions, ScrollLogicalPosition};
use yew::prelude::*;

use super::admission_trace::AdmissionTrace;
use super::console::Console;
use super::diagram::Diagram;
use super::namespaces::Namespaces;
use super::node_card::NodeVolumes;
use super::results::Results;
use super::stateful_sets::StatefulSets;
use super::storage::Storage;
use super::storage_graph::node_volumes;
use super::tables::Tables;
use super::why_here::WhyHere;
use crate::model::Model;
use crate::state::{Action, ObjKey, State, Tab};

#[derive(Properties, PartialEq)]
pub struct OutputProps {
    pub state: UseReducerHandle<State>,
    pub model: Option<Rc<Model>>,
}

fn scroll_to(el: &Element) {
    let options = ScrollIntoViewOptions::new();
    options.set_behavior(ScrollBehavior::Smooth);
    options.set_block(ScrollLogicalPosition::Nearest);
    el.scroll_into_view_with_scroll_into_view_options(&options);
}

#[function_component(Output)]
pub fn output(props: &OutputProps) -> Html {
    let state = &props.state;
    let why_ref = use_node_ref();
    let log_ref = use_node_ref();
    {
        let why_ref = why_ref.clone();
        use_effect_with(state.selected_pod.clone(), move |pod| {
            if let (Some(_), Some(el)) = (pod, why_ref.cast::<Element>()) {
                scroll_to(&el);
            }
        });
    }
    {
        // A new console command: show its output at the bottom of the log.
        let log_ref = log_ref.clone();
        let commands = props.model.as_ref().map_or(0, |m| m.console.len());
        use_effect_with(commands, move |_| {
            if let Some(log) = log_ref.cast::<HtmlElement>() {
                if commands > 0 {
                    log.set_scroll_top(log.scroll_height());
                }
            }
        });
    }
    let Some(m) = props.model.clone() else {
        return html! { <section class="pane output-pane"><p class="empty">{ "Starting the cluster…" }</p></section> };
    };
    let dispatch = state.dispatcher();
    let tab_button = |tab: Tab, label: &str, badge: Option<(String, &'static str)>| {
        let dispatch = dispatch.clone();
        let selected = state.tab == tab;
        let onclick = Callback::from(move |_| dispatch.dispatch(Action::SetTab(tab)));
        html! {
            <button type="button" role="tab" aria-selected={selected.to_string()}
                class={classes!("tab", selected.then_some("active"))} {onclick}>
                { label.to_string() }
                if let Some((text, class)) = badge { <span class={classes!("badge", class)}>{ text }</span> }
            </button>
        }
    };
    let pending = m.pending.len();
    let cluster_badge = Some(if pending > 0 {
        (format!("{pending} pending"), "wait")
    } else {
        (format!("{} nodes", m.nodes.len()), "neutral")
    });
    let warnings = m
        .run
        .cluster
        .store
        .events
        .iter()
        .filter(|e| e.type_ == "Warning")
        .count();
    let events_badge = (warnings > 0).then(|| {
        (
            format!("{warnings} warning{}", if warnings == 1 { "" } else { "s" }),
            "wait",
        )
    });

    let refused = m.traced.iter().filter(|t| t.record.failed()).count();
    let admission_badge = Some(if refused > 0 {
        (format!("{refused} refused"), "bad")
    } else {
        (format!("{} objects", m.traced.len()), "neutral")
    });
    let quota_level = m
        .namespaces
        .iter()
        .flat_map(|n| &n.quotas)
        .flat_map(|q| &q.resources)
        .map(|r| r.level)
        .max_by_key(|l| match *l {
            "full" => 2,
            "near" => 1,
            _ => 0,
        });
    let namespaces_badge = match quota_level {
        Some("full") => Some(("quota full".to_string(), "bad")),
        Some("near") => Some(("quota near".to_string(), "wait")),
        _ => (!m.namespaces.is_empty()).then(|| (m.namespaces.len().to_string(), "neutral")),
    };
    let unbound = m
        .storage
        .claims
        .iter()
        .filter(|c| c.phase != "Bound")
        .count();
    let storage_badge = (unbound > 0).then(|| (format!("{unbound} unbound"), "wait"));
    let unready = m
        .stateful_sets
        .iter()
        .filter(|s| s.ready < s.replicas)
        .count();
    let sets_badge = (unready > 0).then(|| (format!("{unready} not ready"), "wait"));
    let on_trace = {
        let dispatch = dispatch.clone();
        Callback::from(move |key: Option<ObjKey>| dispatch.dispatch(Action::SelectObject(key)))
    };
    let on_goto = {
        let dispatch = dispatch.clone();
        Callback::from(move |(line, column): (u32, u32)| {
            dispatch.dispatch(Action::Goto { line, column })
        })
    };
    let on_select = {
        let dispatch = dispatch.clone();
        Callback::from(move |pod: (String, String)| dispatch.dispatch(Action::SelectPod(Some(pod))))
    };
    let on_group_by = {
        let dispatch = dispatch.clone();
        Callback::from(move |g| dispatch.dispatch(Action::GroupBy(g)))
    };
    let body = match state.tab {
        Tab::Cluster => {
            let why = state.selected_pod.as_ref().and_then(|(ns, name)| {
                let pod = m
                    .nodes
                    .iter()
                    .flat_map(|n| &n.pod_list)
                    .chain(m.pending.iter())
                    .find(|p| &p.namespace == ns && &p.name == name)?
                    .clone();
                let attempt =
                    views::last_attempt(&m.run.cluster, &ObjRef::new("Pod", ns, name)).cloned();
                let on_close = {
                    let dispatch = dispatch.clone();
                    Callback::from(move |_| dispatch.dispatch(Action::SelectPod(None)))
                };
                let key = ObjKey {
                    kind: "Pod".into(),
                    namespace: ns.clone(),
                    name: name.clone(),
                };
                let on_trace = m.trace(&key).is_some().then(|| {
                    let dispatch = dispatch.clone();
                    Callback::from(move |()| {
                        dispatch.dispatch(Action::SelectObject(Some(key.clone())))
                    })
                });
                let waiting = views::waiting_on(&m.run.cluster, ns, name);
                let binding_waits = views::binding_waits_for_volumes(&m.run.cluster, ns, name);
                Some(html! { <WhyHere {pod} {attempt} {on_close} {on_trace} {waiting} {binding_waits} /> })
            });
            let volumes = NodeVolumes(Rc::new(node_volumes(&m.storage, &m.nodes)));
            html! { <ContextProvider<NodeVolumes> context={volumes}>
                <Diagram nodes={m.nodes.clone()} pending={m.pending.clone()} selected={state.selected_pod.clone()} {on_select}
                    group_by={state.group_by.clone()} {on_group_by} />
                <div ref={why_ref}>{ for why }</div>
            </ContextProvider<NodeVolumes>> }
        }
        Tab::Admission => {
            let trace = state
                .selected_object
                .as_ref()
                .and_then(|k| m.trace(k))
                .map(|t| Rc::new(t.clone()));
            html! {
                <AdmissionTrace traced={m.traced.clone()} selected={state.selected_object.clone()} {trace}
                    on_select={on_trace.clone()} on_goto={on_goto.clone()} />
            }
        }
        Tab::Namespaces => html! { <Namespaces namespaces={m.namespaces.clone()} /> },
        Tab::Storage => {
            let pods: Vec<_> = m
                .nodes
                .iter()
                .flat_map(|n| n.pod_list.iter())
                .chain(m.pending.iter())
                .cloned()
                .collect();
            html! { <Storage storage={m.storage.clone()} pods={Rc::new(pods)} /> }
        }
        Tab::StatefulSets => html! {
            <StatefulSets sets={m.stateful_sets.clone()} storage={m.storage.clone()} dns={m.dns.clone()} />
        },
        Tab::Events => html! {
            <Tables tables={vec![("kubectl get events -A".to_string(), m.events())]} empty="No events yet." />
        },
        Tab::Get => html! {
            <Tables tables={vec![
                ("kubectl get nodes".to_string(), m.nodes_table()),
                ("kubectl get pods -o wide".to_string(), m.pods_table()),
            ]} empty="Nothing in the cluster yet." />
        },
    };
    let on_run = {
        let dispatch = dispatch.clone();
        Callback::from(move |c: String| dispatch.dispatch(Action::Console(c)))
    };
    let clear = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::ClearConsole))
    };
    let first_failure = {
        let log_ref = log_ref.clone();
        Callback::from(move |_: MouseEvent| {
            let found = log_ref
                .cast::<Element>()
                .and_then(|l| l.query_selector(".rec.failed").ok().flatten());
            if let Some(el) = found {
                scroll_to(&el);
            }
        })
    };
    html! {
        <section class="pane output-pane" aria-label="Cluster and results">
            <div class="views">
                <nav class="tabs" role="tablist" aria-label="Views">
                    { tab_button(Tab::Cluster, "Cluster", cluster_badge) }
                    { tab_button(Tab::Admission, "Admission", admission_badge) }
                    { tab_button(Tab::Namespaces, "Namespaces", namespaces_badge) }
                    { tab_button(Tab::Storage, "Storage", storage_badge) }
                    { tab_button(Tab::StatefulSets, "StatefulSets", sets_badge) }
                    { tab_button(Tab::Events, "Events", events_badge) }
                    { tab_button(Tab::Get, "kubectl get", None) }
                </nav>
                <div class="tab-body" role="tabpanel">{ body }</div>
            </div>
            <section class="terminal-pane" aria-label="Results">
                <div class="terminal-head">
                    <span class="terminal-title">{ "Results" }</span>
                    <span class="badge ok">{ format!("{} applied", m.applied) }</span>
                    if m.failures > 0 {
                        <button type="button" class="badge bad" onclick={first_failure} title="Show the first failure">
                            { format!("{} failed", m.failures) }
                        </button>
                    }
                    <span class="spacer" />
                    if !state.console.is_empty() {
                        <button type="button" class="link-button" onclick={clear}>{ "Clear console" }</button>
                    }
                </div>
                <div class="terminal-scroll" ref={log_ref}>
                    <Results groups={m.groups.clone()} notes={m.notes.clone()} console={m.console.clone()} {on_goto}
                        traced={m.traced.clone()} selected={state.selected_object.clone()} on_trace={on_trace.reform(Some)} />
                </div>
                <Console history={Rc::new(state.console.clone())} {on_run} />
            </section>
        </section>
    }
}
