//! The cluster diagram: a grid of node cards (SVG) and a lane of the pods without a node, each
//! with the scheduler's FailedScheduling message. Clicking a pod asks "why here?".

use std::rc::Rc;

use kubefiddle_engine::views::{NodeView, PodView};
use yew::prelude::*;

use super::node_card::NodeCard;
use super::pod_tone;
use crate::units::{bytes, cpu};

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub nodes: Rc<Vec<NodeView>>,
    pub pending: Rc<Vec<PodView>>,
    pub selected: Option<(String, String)>,
    pub on_select: Callback<(String, String)>,
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
    let cards = props.nodes.iter().map(|n| {
        html! { <NodeCard key={n.name.clone()} node={n.clone()} selected={selected_on(n)} on_select={props.on_select.clone()} /> }
    });
    html! {
        <div class="diagram">
            if props.nodes.is_empty() {
                <p class="empty">{ "No nodes: this cluster has nowhere to run pods." }</p>
            }
            <div class="node-grid">{ for cards }</div>
            <PendingLane pending={props.pending.clone()} selected={props.selected.clone()} on_select={props.on_select.clone()} />
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
