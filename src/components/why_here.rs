//! "Why here?": the scheduler's last attempt for a pod as a table. Rows are nodes; columns
//! the Filter plugins (✓ or the reason that removed the node), then the Score plugins
//! (normalized × weight) and the total. The chosen node is highlighted.

use kubefiddle_engine::scheduler::{Attempt, Code, NodeVerdict};
use kubefiddle_engine::views::PodView;
use yew::prelude::*;

use super::camel_breaks;

#[derive(Properties, PartialEq)]
pub struct WhyHereProps {
    pub pod: PodView,
    pub attempt: Option<Attempt>,
    pub on_close: Callback<()>,
    /// Opens the pod's admission trace, when it has one.
    #[prop_or_default]
    pub on_trace: Option<Callback<()>>,
    /// What the pod waits on besides the scheduler (`views::waiting_on`).
    #[prop_or_default]
    pub waiting: Vec<String>,
    /// The scheduler chose a node and the binding waits for the pod's volumes.
    #[prop_or_default]
    pub binding_waits: bool,
}

/// Plugin names in order of first appearance across the nodes.
fn columns<'a>(
    nodes: &'a [NodeVerdict],
    names: impl Fn(&'a NodeVerdict) -> Vec<&'a str>,
) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in nodes {
        for name in names(n) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

#[function_component(WhyHere)]
pub fn why_here(props: &WhyHereProps) -> Html {
    let pod = &props.pod;
    let close = props.on_close.reform(|_: MouseEvent| ());
    let title = format!("{}/{}", pod.namespace, pod.name);
    let body = match &props.attempt {
        None => html! {
            <p class="muted">{ match &pod.node {
                Some(node) => format!("The scheduler did not place this pod: it names its node ({node}) in spec.nodeName, so the kubelet there took it directly."),
                None => "The scheduler has not tried this pod yet.".to_string(),
            } }</p>
        },
        Some(a) => table(a),
    };
    let verdict = match props
        .attempt
        .as_ref()
        .and_then(|a| a.chosen.clone())
        .or(pod.node.clone())
    {
        Some(node) => html! { <>{ "→ " }<strong>{ node }</strong></> },
        None => html! { <span class="tone wait">{ "Pending" }</span> },
    };
    html! {
        <section class="why-here" aria-label={format!("Why here? {title}")}>
            <header>
                <h3>{ "Why here? " }<code>{ title }</code>{ " " }{ verdict }</h3>
                <span class="spacer" />
                if let Some(on_trace) = &props.on_trace {
                    <button type="button" class="trace-link" onclick={on_trace.reform(|_: MouseEvent| ())}
                        title="Show the admission plugins that ran on this pod">{ "admission ›" }</button>
                }
                <button type="button" class="icon-button" onclick={close} aria-label="Close the why-here panel">{ "×" }</button>
            </header>
            if let Some(message) = props.attempt.as_ref().and_then(|a| a.message.clone()) {
                <p class="fail-msg">{ message }</p>
            }
            if !props.waiting.is_empty() {
                <div class="waiting-on">
                    <p class="muted">{ if pod.node.is_some() {
                        "Placed, but its containers cannot start yet:"
                    } else if props.binding_waits {
                        "The scheduler chose a node; the binding waits for the pod's volumes:"
                    } else {
                        "Its claims are not bound:"
                    } }</p>
                    <ul>{ for props.waiting.iter().map(|w| html! { <li class="fail-msg">{ w.clone() }</li> }) }</ul>
                </div>
            }
            { body }
        </section>
    }
}

fn table(a: &Attempt) -> Html {
    let filters = columns(&a.nodes, |n| {
        n.filters.iter().map(|f| f.plugin.as_str()).collect()
    });
    let scores = columns(&a.nodes, |n| {
        n.scores.iter().map(|s| s.plugin.as_str()).collect()
    });
    let feasible = |n: &NodeVerdict| n.filters.iter().all(|f| f.status.code == Code::Success);
    let chosen = |n: &NodeVerdict| a.chosen.as_deref() == Some(n.node.as_str());
    let row_head = |n: &NodeVerdict| {
        html! { <th scope="row">{ n.node.clone() }if chosen(n) { <span class="chosen-tag">{ "chosen" }</span> }</th> }
    };
    let filter_rows = a.nodes.iter().map(|n| {
        let cells = filters.iter().map(|p| match n.filters.iter().find(|f| f.plugin == *p) {
            None => html! { <td class="skip" title="Not run: an earlier filter removed the node">{ "–" }</td> },
            Some(f) if f.status.code == Code::Success => html! { <td class="pass">{ "✓" }</td> },
            Some(f) => html! {
                <td class="fail" title={format!("{:?}", f.status.code)}>{ "✗ " }{ f.status.reasons.join("; ") }</td>
            },
        });
        html! {
            <tr class={classes!(chosen(n).then_some("chosen"), (!feasible(n)).then_some("filtered"))}>
                { row_head(n) }{ for cells }
            </tr>
        }
    });
    let weights: Vec<i64> = scores
        .iter()
        .map(|p| {
            a.nodes
                .iter()
                .flat_map(|n| &n.scores)
                .find(|s| s.plugin == *p)
                .map_or(0, |s| s.weight)
        })
        .collect();
    let score_rows = a.nodes.iter().filter(|n| feasible(n)).map(|n| {
        let cells = scores.iter().map(|p| match n.scores.iter().find(|s| s.plugin == *p) {
            None => html! { <td class="skip">{ "–" }</td> },
            Some(s) => html! {
                <td class="num" title={format!("raw {}, normalized {}, weight {} → {}", s.raw, s.normalized, s.weight, s.weighted)}>
                    { format!("{}×{}", s.normalized, s.weight) }<span class="weighted">{ format!(" = {}", s.weighted) }</span>
                </td>
            },
        });
        html! {
            <tr class={classes!(chosen(n).then_some("chosen"))}>
                { row_head(n) }{ for cells }<td class="num total">{ n.total }</td>
            </tr>
        }
    });
    let any_feasible = a.nodes.iter().any(feasible);
    let best = a
        .nodes
        .iter()
        .filter(|n| feasible(n))
        .map(|n| n.total)
        .max();
    let tied = a
        .nodes
        .iter()
        .filter(|n| feasible(n) && Some(n.total) == best)
        .count();
    html! { <>
        <h4>{ "Filters " }<span class="muted">{ "can the pod run on the node? (in order; the first ✗ stops the rest)" }</span></h4>
        <div class="table-scroll">
            <table class="why-table">
                <thead><tr>
                    <th>{ "Node" }</th>
                    { for filters.iter().map(|p| html! { <th>{ camel_breaks(p) }</th> }) }
                </tr></thead>
                <tbody>{ for filter_rows }</tbody>
            </table>
        </div>
        <h4>{ "Scores " }<span class="muted">{ "normalized score × plugin weight, for the nodes that passed" }</span></h4>
        if any_feasible && scores.is_empty() {
            <p class="muted">{ "Only one node passed the filters, so the scheduler skipped scoring (kube-scheduler does the same)." }</p>
        } else if any_feasible {
            <div class="table-scroll">
                <table class="why-table">
                    <thead><tr>
                        <th>{ "Node" }</th>
                        { for scores.iter().zip(&weights).map(|(p, w)| html! { <th>{ camel_breaks(p) }<span class="weight">{ format!(" ×{w}") }</span></th> }) }
                        <th>{ "Total" }</th>
                    </tr></thead>
                    <tbody>{ for score_rows }</tbody>
                </table>
            </div>
            if tied > 1 {
                <p class="muted">{ format!("{tied} nodes tie for the best total: kube-scheduler picks one of them at random; kubefiddle takes the first by name, so every run is the same.") }</p>
            }
        } else {
            <p class="muted">{ "No node passed every filter, so none was scored." }</p>
        }
    </> }
}
