//! The storage tab: StorageClasses, PersistentVolumes and claims as a graph, class → volume ↔
//! claim ← pod, one group of rows per class (see `storage_graph`). Phases are coloured by
//! meaning; a claim that is not Bound shows the persistentvolume controller's events that say
//! why (`FailedBinding`, `WaitForFirstConsumer`, `ExternalProvisioning`…). Everything comes from
//! `views::storage`.

use std::collections::BTreeMap;
use std::rc::Rc;

use kubefiddle_engine::views::{ClaimView, PodView, StorageClassView, StorageView, VolumeView};
use yew::prelude::*;

use super::storage_graph::{groups, phase_tone, ClassGroup};
use super::{camel_breaks, pod_tone};
use crate::units::ellipsize_middle;

#[derive(Properties, PartialEq)]
pub struct StorageProps {
    pub storage: Rc<StorageView>,
    /// Every pod (on a node or pending), for the status and node of a claim's pods.
    pub pods: Rc<Vec<PodView>>,
}

/// A volume's name in the graph: provisioned names (`pvc-<uid>`) lose their middle.
const NAME_CHARS: usize = 26;

#[function_component(Storage)]
pub fn storage(props: &StorageProps) -> Html {
    let view = &props.storage;
    if view.classes.is_empty() && view.volumes.is_empty() && view.claims.is_empty() {
        return html! {
            <p class="muted empty-tab">{ "No StorageClass, PersistentVolume or PersistentVolumeClaim yet." }</p>
        };
    }
    let pods: BTreeMap<String, &PodView> = props
        .pods
        .iter()
        .map(|p| (format!("{}/{}", p.namespace, p.name), p))
        .collect();
    let groups = groups(view);
    html! {
        <div class="storage">
            <div class="sg-scroll">
                <div class="sg-head" aria-hidden="true">
                    <span>{ "StorageClass" }</span><span />
                    <span>{ "PersistentVolume" }</span><span />
                    <span>{ "PersistentVolumeClaim" }</span><span />
                    <span>{ "Pods" }</span>
                </div>
                { for groups.iter().map(|g| group(view, g, &pods)) }
            </div>
        </div>
    }
}

fn grid(row: usize, span: usize, col: &str) -> String {
    format!(
        "grid-row: {} / span {}; grid-column: {col}",
        row + 1,
        span.max(1)
    )
}

fn group(view: &StorageView, g: &ClassGroup, pods: &BTreeMap<String, &PodView>) -> Html {
    let mut cells: Vec<Html> = Vec::new();
    let mut line = 0usize;
    let n = g.rows.len();
    for (i, row) in g.rows.iter().enumerate() {
        let claim = row.claim.and_then(|i| view.claims.get(i));
        let volume = row.volume.and_then(|i| view.volumes.get(i));
        let why =
            claim.filter(|c| c.phase != "Bound" && (c.phase == "Pending" || !c.events.is_empty()));
        let span = if why.is_some() { 2 } else { 1 };
        let position = match (i == 0, i + 1 == n) {
            (true, true) => "only",
            (true, false) => "first",
            (false, true) => "last",
            (false, false) => "mid",
        };
        let dashed = volume.is_none_or(|v| v.phase != "Bound" && v.phase != "Available");
        cells.push(html! {
            <span class={classes!("sg-link", "trunk", position, dashed.then_some("dashed"))} style={grid(line, span, "2")} />
        });
        cells.push(html! { <div class="sg-cell" style={grid(line, 1, "3")}>{ volume_card(volume, claim) }</div> });
        let bound = row.bound(view);
        cells.push(html! {
            <span class={classes!("sg-link", "pair", if bound { "bound" } else { "dashed" })} style={grid(line, 1, "4")}
                title={if bound { "Bound to each other" } else { "Not bound" }} />
        });
        cells.push(html! { <div class="sg-cell" style={grid(line, 1, "5")}>{ claim_card(claim, volume) }</div> });
        let users: Vec<&String> = claim.map(|c| c.pods.iter().collect()).unwrap_or_default();
        if !users.is_empty() {
            cells.push(html! { <span class="sg-link uses" style={grid(line, 1, "6")} /> });
        }
        cells.push(html! {
            <div class="sg-cell sg-pods" style={grid(line, 1, "7")}>
                { for users.iter().map(|p| pod_chip(p, pods.get(p.as_str()).copied())) }
            </div>
        });
        if let Some(c) = why {
            cells.push(html! { <div class="sg-why-cell" style={grid(line + 1, 1, "3 / -1")}>{ why_box(c) }</div> });
        }
        line += span;
    }
    if n == 0 {
        cells.push(html! {
            <div class="sg-cell sg-nothing muted" style={grid(0, 1, "3 / -1")}>
                { "No volume or claim of this class." }
            </div>
        });
        line = 1;
    }
    let label = if g.class.is_empty() {
        "No storage class".to_string()
    } else {
        format!("StorageClass {}", g.class)
    };
    html! {
        <section class="sg-group" aria-label={label}>
            <div class="sg-cell" style={grid(0, line, "1")}>
                { class_card(g.index.and_then(|i| view.classes.get(i)), &g.class) }
            </div>
            { for cells }
        </section>
    }
}

fn class_card(class: Option<&StorageClassView>, name: &str) -> Html {
    let Some(c) = class else {
        if name.is_empty() {
            return html! {
                <div class="sg-card sg-class none">
                    <div class="sg-title"><span class="sg-name muted">{ "no class" }</span></div>
                    <div class="sg-meta" title="storageClassName: \"\"">{ "class " }<code>{ "\"\"" }</code></div>
                    <div class="sg-meta muted">{ "static binding only: no provisioning" }</div>
                </div>
            };
        }
        return html! {
            <div class="sg-card sg-class missing" title="No StorageClass of this name exists: nothing provisions for it">
                <div class="sg-title"><code class="sg-name">{ name.to_string() }</code></div>
                <span class="badge bad">{ "not found" }</span>
            </div>
        };
    };
    html! {
        <div class="sg-card sg-class">
            <div class="sg-title">
                <code class="sg-name">{ c.name.clone() }</code>
                if c.is_default { <span class="badge info" title="storageclass.kubernetes.io/is-default-class: \"true\"">{ "default" }</span> }
            </div>
            <div class="sg-meta mono" title="provisioner">{ c.provisioner.clone() }</div>
            <dl class="sg-facts">
                <dt>{ "reclaim" }</dt><dd class={classes!(reclaim_tone(&c.reclaim_policy))}>{ c.reclaim_policy.clone() }</dd>
                <dt>{ "binding" }</dt><dd>{ camel_breaks(&c.volume_binding_mode) }</dd>
                if c.allow_volume_expansion { <dt>{ "expand" }</dt><dd>{ "allowed" }</dd> }
            </dl>
        </div>
    }
}

/// Delete loses the data with the claim: said in amber.
fn reclaim_tone(policy: &str) -> &'static str {
    if policy == "Delete" {
        "reclaim-delete"
    } else {
        "reclaim-keep"
    }
}

fn phase_badge(phase: &str) -> Html {
    html! { <span class={classes!("badge", "sg-phase", phase_tone(phase))}>{ phase.to_string() }</span> }
}

fn volume_card(volume: Option<&VolumeView>, claim: Option<&ClaimView>) -> Html {
    let Some(v) = volume else {
        let text = match claim {
            Some(c) if c.phase == "Pending" && !c.class.is_empty() => "not provisioned yet",
            _ => "no volume",
        };
        return html! { <div class="sg-card sg-placeholder">{ text }</div> };
    };
    // A claimRef to a claim that is not in the row: the claim is gone (Released) or elsewhere.
    let orphan_ref = v.claim.as_ref().filter(|_| claim.is_none());
    html! {
        <div class={classes!("sg-card", "sg-volume", phase_tone(&v.phase))} title={v.name.clone()}>
            <div class="sg-title">
                <code class="sg-name">{ ellipsize_middle(&v.name, NAME_CHARS) }</code>
                { phase_badge(&v.phase) }
            </div>
            <div class="sg-meta"><b>{ v.capacity.clone() }</b>{ " · " }{ v.access_modes.clone() }
                { " · " }<span class={reclaim_tone(&v.reclaim_policy)}>{ v.reclaim_policy.clone() }</span></div>
            if let Some(node) = &v.node {
                <div class="sg-meta muted">{ "on node " }<code>{ node.clone() }</code></div>
            }
            if let Some(r) = orphan_ref {
                <div class="sg-meta muted">{ "claimRef " }<code>{ r.clone() }</code></div>
            }
        </div>
    }
}

fn claim_card(claim: Option<&ClaimView>, volume: Option<&VolumeView>) -> Html {
    let Some(c) = claim else {
        let text = match volume {
            Some(v) if v.phase == "Released" => "claim deleted: the volume keeps its data",
            Some(v) if v.phase == "Available" => "free for a claim",
            _ => "no claim",
        };
        return html! { <div class="sg-card sg-placeholder">{ text }</div> };
    };
    let class = if c.class.is_empty() {
        "\"\"".to_string()
    } else {
        c.class.clone()
    };
    html! {
        <div class={classes!("sg-card", "sg-claim", phase_tone(&c.phase))} title={c.events.join("\n")}>
            <div class="sg-title">
                <code class="sg-name">{ c.name.clone() }</code>
                if c.namespace != "default" { <span class="ns">{ c.namespace.clone() }</span> }
                { phase_badge(&c.phase) }
            </div>
            <div class="sg-meta"><b>{ c.request.clone() }</b>{ " · " }{ c.access_modes.clone() }
                { " · class " }<code>{ class }</code></div>
        </div>
    }
}

fn why_box(c: &ClaimView) -> Html {
    html! {
        <div class={classes!("sg-why", phase_tone(&c.phase))} role="note" aria-label={format!("Why {} is {}", c.name, c.phase)}>
            <span class="sg-why-head">{ format!("Why is {} {}?", c.name, c.phase) }</span>
            if c.events.is_empty() {
                <div class="sg-event muted">{ "No events for this claim." }</div>
            }
            { for c.events.iter().map(|e| {
                let (reason, message) = e.split_once(": ").unwrap_or(("", e.as_str()));
                html! { <div class="sg-event"><b>{ reason.to_string() }</b>{ " " }{ message.to_string() }</div> }
            }) }
        </div>
    }
}

fn pod_chip(key: &str, pod: Option<&PodView>) -> Html {
    let name = key.split_once('/').map_or(key, |(_, n)| n);
    let (status, node) = match pod {
        Some(p) => (p.status.clone(), p.node.clone()),
        None => ("Unknown".to_string(), None),
    };
    html! {
        <div class={classes!("sg-pod", pod_tone(&status))} title={key.to_string()}>
            <span class="sg-pod-name">{ name.to_string() }</span>
            <span class="sg-pod-status">{ status }</span>
            if let Some(n) = node { <span class="sg-pod-node muted">{ n }</span> }
        </div>
    }
}
