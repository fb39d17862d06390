//! A pod inside a node card: a chip coloured by its status, with its name (and its status
//! when not Running), a tooltip with its requests and IP; Enter, Space or a click asks
//! "why here?".

use kubefiddle_engine::views::PodView;
use yew::prelude::*;

use super::node_card::{CHIP_H, PAD, W};
use super::pod_tone;
use crate::units::{bytes, cpu, ellipsize};

pub fn chip(pod: &PodView, y: f64, selected: bool, on_select: &Callback<(String, String)>) -> Html {
    let key = (pod.namespace.clone(), pod.name.clone());
    let onclick = {
        let (on_select, key) = (on_select.clone(), key.clone());
        Callback::from(move |_: MouseEvent| on_select.emit(key.clone()))
    };
    let onkeydown = {
        let on_select = on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_select.emit(key.clone());
            }
        })
    };
    let show_status = pod.status != "Running";
    // Name and status share the chip: 7.5 units a name character, 6.6 a status one.
    let room = W
        - 2.0 * PAD
        - 21.0
        - if show_status {
            pod.status.len() as f64 * 6.6 + 10.0
        } else {
            0.0
        };
    let name = ellipsize(&pod.name, (room / 7.5).max(6.0) as usize);
    let tip = format!(
        "{}/{} · {} · {} CPU, {} memory requested{}",
        pod.namespace,
        pod.name,
        pod.status,
        cpu(pod.cpu_milli),
        bytes(pod.memory_bytes),
        pod.ip
            .as_ref()
            .map(|ip| format!(" · IP {ip}"))
            .unwrap_or_default()
    );
    html! {
        <g class={classes!("pod-chip", pod_tone(&pod.status), selected.then_some("selected"))} tabindex="0" role="button"
            aria-label={format!("Pod {}, {}. Why here?", pod.name, pod.status)} {onclick} {onkeydown}>
            <title>{ tip }</title>
            <rect class="chip-bg" x={PAD.to_string()} y={y.to_string()} width={(W - 2.0 * PAD).to_string()} height={CHIP_H.to_string()} rx="6" />
            <rect class="chip-stripe" x={PAD.to_string()} y={y.to_string()} width="5" height={CHIP_H.to_string()} rx="2" />
            <text x={(PAD + 13.0).to_string()} y={(y + 17.5).to_string()} class="chip-name mono">{ name }</text>
            if show_status {
                <text x={(W - PAD - 8.0).to_string()} y={(y + 17.0).to_string()} text-anchor="end" class="chip-status">{ pod.status.clone() }</text>
            }
        </g>
    }
}
