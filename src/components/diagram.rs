//! The cluster diagram: a grid of node cards (SVG) and a lane of the pods without a node, each
//! with the scheduler's FailedScheduling message. Clicking a pod asks "why here?".
//!
//! A "Group nodes by" control draws the nodes in one labelled box per value of a topology key
//! (zone, hostname, region or any node label key); the grouping is `crate::model::topology`.

use std::rc::Rc;

use kubefiddle_engine::views::{NodeView, PodView};
use yew::prelude::*;

use super::node_card::NodeCard;
use super::pod_tone;
use crate::model::topology::{self, GroupBy};
use crate::units::{bytes, cpu};

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub nodes: Rc<Vec<NodeView>>,
    pub pending: Rc<Vec<PodView>>,
    pub selected: Option<(String, String)>,
    pub on_select: Callback<(String, String)>,
    pub group_by: GroupBy,
    pub on_group_by: Callback<GroupBy>,
}

#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    let selected_on = |node: &NodeView| {
        let (ns, name) = props.selected.as_ref()?;
        node.pod_list
            .iter()
            .any(|p| &p.namespace == ns && &p.name == name)
            .then(|| name.clone())
    };
    let card = |n: &NodeView| {
        html! { <NodeCard key={n.name.clone()} node={n.clone()} selected={selected_on(n)} on_select={props.on_select.clone()} /> }
    };
    let key = topology::resolve(&props.group_by, &props.nodes);
    let groups = topology::group(&props.nodes, key.as_deref());
    let grid = match &key {
        None => html! { <div class="node-grid">{ for props.nodes.iter().map(card) }</div> },
        Some(key) => {
            let boxes = groups.iter().map(|g| {
                let title = g.title(key);
                // Each box asks for the width of its cards, so that small groups share a row.
                let style = format!("--cards: {}", g.nodes.len().max(1));
                html! {
                    <section class={classes!("node-group", g.value.is_none().then_some("unlabelled"))} aria-label={title.clone()} {style}>
                        <h3 class="node-group-title">
                            { g.head(key) }{ " \u{2014} " }<span class="counts">{ g.counts() }</span>
                        </h3>
                        <div class="node-grid">{ for g.nodes.iter().filter_map(|&i| props.nodes.get(i)).map(card) }</div>
                    </section>
                }
            });
            html! { <div class="node-groups">{ for boxes }</div> }
        }
    };
    html! {
        <div class="diagram">
            if props.nodes.is_empty() {
                <p class="empty">{ "No nodes: this cluster has nowhere to run pods." }</p>
            } else {
                <GroupControl nodes={props.nodes.clone()} current={key.clone()} on_group_by={props.on_group_by.clone()} />
            }
            { grid }
            <PendingLane pending={props.pending.clone()} selected={props.selected.clone()} on_select={props.on_select.clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct GroupControlProps {
    pub nodes: Rc<Vec<NodeView>>,
    /// The key the diagram groups by now.
    pub current: Option<String>,
    pub on_group_by: Callback<GroupBy>,
}

/// The "Group nodes by" select: none, the well-known topology keys, every node label key.
#[function_component(GroupControl)]
pub fn group_control(props: &GroupControlProps) -> Html {
    let mut keys = topology::key_choices(&props.nodes);
    if let Some(k) = &props.current {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    let onchange = {
        let on_group_by = props.on_group_by.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                on_group_by.emit(GroupBy::from_value(&select.value()));
            }
        })
    };
    let current = props.current.as_deref();
    let options = keys.iter().map(|k| {
        let value = GroupBy::Key(k.clone()).to_value();
        html! {
            <option {value} selected={current == Some(k.as_str())} title={k.clone()}>{ topology::short_key(k).to_string() }</option>
        }
    });
    html! {
        <div class="diagram-bar">
            <label class="group-by">
                <span>{ "Group nodes by" }</span>
                <select {onchange} aria-label="Group nodes by topology key">
                    <option value={GroupBy::None.to_value()} selected={current.is_none()}>{ "none" }</option>
                    { for options }
                </select>
            </label>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct PendingLaneProps {
    pub pending: Rc<Vec<PodView>>,
    pub selected: Option<(String, String)>,
    pub on_select: Callback<(String, String)>,
}

#[function_component(PendingLane)]
pub fn pending_lane(props: &PendingLaneProps) -> Html {
    let items = props.pending.iter().map(|p| {
        let key = (p.namespace.clone(), p.name.clone());
        let selected = props.selected.as_ref() == Some(&key);
        let onclick = {
            let on_select = props.on_select.clone();
            Callback::from(move |_| on_select.emit(key.clone()))
        };
        let mut asks = Vec::new();
        if p.cpu_milli > 0 {
            asks.push(format!("{} CPU", cpu(p.cpu_milli)));
        }
        if p.memory_bytes > 0 {
            asks.push(format!("{} memory", bytes(p.memory_bytes)));
        }
        let requests = if asks.is_empty() {
            "no requests".to_string()
        } else {
            format!("requests {}", asks.join(", "))
        };
        html! {
            <li>
                <button type="button" class={classes!("pending-pod", pod_tone(&p.status), selected.then_some("selected"))} {onclick}
                    aria-label={format!("Pending pod {}. Why is it pending?", p.name)}>
                    <span class="pending-head">
                        <span class="dot" />
                        <span class="pending-name">{ p.name.clone() }</span>
                        if p.namespace != "default" { <span class="ns">{ p.namespace.clone() }</span> }
                        <span class="pending-req">{ requests }</span>
                    </span>
                    <span class="pending-msg">
                        { p.message.clone().unwrap_or_else(|| "Waiting for the scheduler.".into()) }
                    </span>
                </button>
            </li>
        }
    });
    html! {
        <section class={classes!("pending-lane", props.pending.is_empty().then_some("empty"))} aria-label="Pods without a node">
            <h3>{ "Pending" }<span class="count">{ props.pending.len() }</span></h3>
            if props.pending.is_empty() {
                <p class="muted">{ "Every pod has a node." }</p>
            } else {
                <ul>{ for items }</ul>
            }
        </section>
    }
}
