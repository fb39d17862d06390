//! One node of the diagram as an SVG card: name, role and status, taints as badges, the labels
//! a user added, CPU / memory / pod bars, and the node's pods as clickable chips.
//!
//! Text widths are estimated from character counts (0.6 em a character in the monospace
//! font), so the layout is computed here, deterministically, without measuring the DOM.

use kubefiddle_engine::views::{NodeView, Usage};
use yew::prelude::*;

use super::pod_chip::chip;
use crate::units::{bytes, cpu, ellipsize, shorten};

/// Card width in SVG units; the card scales to its grid cell.
pub(super) const W: f64 = 240.0;
pub(super) const PAD: f64 = 12.0;
pub(super) const CHIP_H: f64 = 26.0;
const MAX_CHIPS: usize = 14;

#[derive(Properties, PartialEq)]
pub struct NodeCardProps {
    pub node: NodeView,
    /// Name of the selected pod, if it is on this node.
    pub selected: Option<String>,
    pub on_select: Callback<(String, String)>,
}

/// Labels every node has (kubelet's and kubeadm's): not shown on the card.
fn is_default_label(key: &str) -> bool {
    key.starts_with("beta.kubernetes.io/")
        || key.starts_with("node-role.kubernetes.io/")
        || matches!(
            key,
            "kubernetes.io/arch"
                | "kubernetes.io/os"
                | "kubernetes.io/hostname"
                | "node.kubernetes.io/exclude-from-external-load-balancers"
        )
}

/// The volumes attached to each node (see `storage_graph::node_volumes`), provided around the
/// diagram: a node card shows them as a badge.
#[derive(Clone, PartialEq, Default)]
pub struct NodeVolumes(pub std::rc::Rc<std::collections::BTreeMap<String, Vec<String>>>);

#[function_component(NodeCard)]
pub fn node_card(props: &NodeCardProps) -> Html {
    let n = &props.node;
    let volumes = use_context::<NodeVolumes>().unwrap_or_default();
    let volumes = volumes.0.get(&n.name).cloned().unwrap_or_default();
    let mut parts: Vec<Html> = Vec::new();
    let roles = if n.roles.is_empty() {
        "worker".to_string()
    } else {
        n.roles.join(",")
    };
    let labels: Vec<String> = n.labels.iter().map(|(k, v)| format!("  {k}={v}")).collect();
    let labels = labels.join("\n");
    let cordoned = n.status.contains("SchedulingDisabled");
    let ready = n.status.split(',').next().unwrap_or("");
    let name = ellipsize(&n.name, 24);
    let status_chars = ready.len() + if cordoned { 21 } else { 0 };
    // The role goes right of the name, else right of the status, else only in the tooltip.
    let role_w = roles.chars().count() as f64 * 6.6;
    let role_y = if name.chars().count() as f64 * 8.8 + role_w + 10.0 <= W - 2.0 * PAD {
        Some(27)
    } else if 14.0 + status_chars as f64 * 7.0 + role_w + 10.0 <= W - 2.0 * PAD {
        Some(47)
    } else {
        None
    };
    parts.push(html! { <>
        <title>{ format!("{} ({}): {}\nLabels:\n{}", n.name, roles, n.status, labels) }</title>
        <text x={PAD.to_string()} y="27" class="node-name">{ name }</text>
        if let Some(y) = role_y {
            <text x={(W - PAD).to_string()} y={y.to_string()} class="node-role" text-anchor="end">{ roles.clone() }</text>
        }
        <circle cx={(PAD + 4.0).to_string()} cy="43" r="4.5" class={classes!("dot", if ready == "Ready" { "ok" } else { "bad" })} />
        <text x={(PAD + 14.0).to_string()} y="47" class="node-status">
            { ready.to_string() }
            if cordoned { <tspan class="cordoned">{ " · SchedulingDisabled" }</tspan> }
        </text>
    </> });
    let mut y = 58.0;

    // Taints, wrapped into rows of badges.
    let mut x = PAD;
    for taint in &n.taints {
        let text = shorten(taint, 30);
        let w = text.chars().count() as f64 * 6.6 + 14.0;
        if x > PAD && x + w > W - PAD {
            x = PAD;
            y += 23.0;
        }
        parts.push(html! { <g class="taint">
            <title>{ format!("Taint {taint}") }</title>
            <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height="19" rx="9.5" />
            <text x={(x + 7.0).to_string()} y={(y + 13.5).to_string()} class="mono">{ text }</text>
        </g> });
        x += w + 6.0;
    }
    if !n.taints.is_empty() {
        y += 27.0;
    }

    // Labels a user set.
    for (k, v) in n.labels.iter().filter(|(k, _)| !is_default_label(k)) {
        let text = shorten(&format!("{k}={v}"), 30);
        parts.push(html! { <g class="label">
            <rect x={PAD.to_string()} y={y.to_string()} width={(text.chars().count() as f64 * 6.6 + 12.0).to_string()} height="18" rx="4" />
            <text x={(PAD + 6.0).to_string()} y={(y + 13.0).to_string()} class="mono">{ text }</text>
        </g> });
        y += 22.0;
    }

    y += 6.0;
    for (label, usage, text) in [
        (
            "CPU",
            &n.cpu,
            format!("{} / {}", cpu(n.cpu.used), cpu(n.cpu.total)),
        ),
        (
            "Memory",
            &n.memory,
            format!("{} / {}", bytes(n.memory.used), bytes(n.memory.total)),
        ),
        (
            "Pods",
            &n.pods,
            format!("{} / {}", n.pods.used, n.pods.total),
        ),
    ] {
        parts.push(bar(y, label, usage, text));
        y += 21.0;
    }

    if !volumes.is_empty() {
        parts.push(volume_badge(y + 4.0, &volumes));
        y += 25.0;
    }
    y += 8.0;
    parts.push(html! { <line x1={PAD.to_string()} x2={(W - PAD).to_string()} y1={y.to_string()} y2={y.to_string()} class="sep" /> });
    y += 10.0;
    if n.pod_list.is_empty() {
        parts.push(html! { <text x={PAD.to_string()} y={(y + 15.0).to_string()} class="muted">{ "No pods" }</text> });
        y += CHIP_H;
    }
    for pod in n.pod_list.iter().take(MAX_CHIPS) {
        let selected = props.selected.as_deref() == Some(pod.name.as_str());
        parts.push(chip(pod, y, selected, &props.on_select));
        y += CHIP_H + 6.0;
    }
    if n.pod_list.len() > MAX_CHIPS {
        let more = format!("+{} more", n.pod_list.len() - MAX_CHIPS);
        parts.push(html! { <text x={PAD.to_string()} y={(y + 14.0).to_string()} class="muted">{ more }</text> });
        y += 22.0;
    }
    let h = y + PAD - 6.0;
    html! {
        <svg class={classes!("node-card", cordoned.then_some("is-cordoned"))} viewBox={format!("0 0 {W} {h}")}
            role="group" aria-label={format!("Node {} ({}), {} pods", n.name, n.status, n.pod_list.len())}>
            <rect class="node-box" x="1" y="1" width={(W - 2.0).to_string()} height={(h - 2.0).to_string()} rx="10" />
            { for parts }
        </svg>
    }
}

fn bar(y: f64, label: &str, usage: &Usage, text: String) -> Html {
    let (x, w) = (PAD + 54.0, 78.0);
    let f = usage.fraction();
    let level = if f >= 0.9 {
        "high"
    } else if f >= 0.7 {
        "mid"
    } else {
        "low"
    };
    html! { <g class="bar">
        <title>{ format!("{label}: {text} requested ({:.0}%)", f * 100.0) }</title>
        <text x={PAD.to_string()} y={(y + 11.0).to_string()} class="bar-label">{ label.to_string() }</text>
        <rect x={x.to_string()} y={(y + 3.0).to_string()} width={w.to_string()} height="9" rx="4.5" class="track" />
        <rect x={x.to_string()} y={(y + 3.0).to_string()} width={(w * f).max(if usage.used > 0 { 3.0 } else { 0.0 }).to_string()}
            height="9" rx="4.5" class={classes!("fill", level)} />
        <text x={(W - PAD).to_string()} y={(y + 11.5).to_string()} text-anchor="end" class="bar-text mono">{ text }</text>
    </g> }
}

/// The volumes attached to the node: a badge with their count, the names in its tooltip.
fn volume_badge(y: f64, volumes: &[String]) -> Html {
    let n = volumes.len();
    let text = format!("{n} volume{} attached", if n == 1 { "" } else { "s" });
    let w = text.chars().count() as f64 * 7.0 + 32.0;
    let (x, cx) = (PAD, PAD + 11.0);
    html! { <g class="volume-badge">
        <title>{ format!("Attached volumes:\n{}", volumes.join("\n")) }</title>
        <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height="20" rx="5" />
        <path class="disk" d={format!("M{} {} v8 a5 2 0 0 0 10 0 v-8", cx - 5.0, y + 6.0)} />
        <ellipse class="disk" cx={cx.to_string()} cy={(y + 6.0).to_string()} rx="5" ry="2" />
        <text x={(x + 23.0).to_string()} y={(y + 14.0).to_string()}>{ text }</text>
    </g> }
}
