//! The header: the product name, the example picker, Run, Share, the theme toggle and the
//! simulated Kubernetes version.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::examples::EXAMPLES;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// `v1.34.0`, once the first run is done.
    pub version: Option<AttrValue>,
    pub dark: bool,
    pub on_example: Callback<usize>,
    pub on_run: Callback<()>,
    pub on_share: Callback<()>,
    pub on_theme: Callback<()>,
    /// A version picked in the version menu (the minor).
    pub on_version: Callback<u32>,
}

#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let onchange = {
        let on_example = props.on_example.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = select.value().parse::<usize>() {
                on_example.emit(i);
            }
            // Back to the placeholder, so the same example can be picked again.
            select.set_value("");
        })
    };
    let options = EXAMPLES.iter().enumerate().map(|(i, e)| {
        html! { <option value={i.to_string()} title={e.description().unwrap_or_default()}>{ e.title() }</option> }
    });
    let run = props.on_run.reform(|_: MouseEvent| ());
    let share = props.on_share.reform(|_: MouseEvent| ());
    let theme = props.on_theme.reform(|_: MouseEvent| ());
    let version = props.version.as_ref().map(|v| {
        v.trim_start_matches('v')
            .rsplit_once('.')
            .map_or(v.to_string(), |(mm, _)| mm.to_string())
    });
    let current_minor: Option<u32> = version
        .as_deref()
        .and_then(|v| v.strip_prefix("1."))
        .and_then(|m| m.parse().ok());
    let on_version = {
        let on_version = props.on_version.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(minor) = select.value().parse::<u32>() {
                on_version.emit(minor);
            }
        })
    };
    let versions = (kubefiddle_engine::settings::MIN_MINOR..=kubefiddle_engine::settings::MAX_MINOR)
        .rev()
        .map(|m| {
            html! { <option value={m.to_string()} selected={current_minor == Some(m)}>{ format!("Kubernetes v1.{m}") }</option> }
        });
    html! {
        <header class="top">
            <div class="brand">
                <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
                    <path d="M16 2 28 8.5v15L16 30 4 23.5v-15z" class="logo-hex" />
                    <circle cx="16" cy="16" r="5.5" class="logo-hub" />
                    <path d="M16 7v3.5M16 21.5V25M8.2 11.5l3 1.8M20.8 18.7l3 1.8M8.2 20.5l3-1.8M20.8 13.3l3-1.8" class="logo-spokes" />
                </svg>
                <span class="name">{ "kubefiddle" }</span>
                <span class="tagline">{ "a Kubernetes playground in your browser" }</span>
            </div>
            <div class="actions">
                <label class="picker">
                    <span class="visually-hidden">{ "Load an example" }</span>
                    <select {onchange}>
                        <option value="" selected=true disabled=true hidden=true>{ "Examples…" }</option>
                        { for options }
                    </select>
                </label>
                <button type="button" class="button primary" onclick={run} title="Run now (Ctrl+Enter)">
                    { "▶ Run" }<kbd>{ "Ctrl+Enter" }</kbd>
                </button>
                <button type="button" class="button" onclick={share} title="Copy a link that holds this scenario">{ "Share" }</button>
                <button type="button" class="icon-button theme" onclick={theme}
                    aria-label={if props.dark { "Switch to the light theme" } else { "Switch to the dark theme" }}
                    title={if props.dark { "Light theme" } else { "Dark theme" }}>
                    { if props.dark { "☀" } else { "☾" } }
                </button>
                if version.is_some() {
                    <label class="version" title="The simulated cluster's version: picking one writes kubernetesVersion in the Settings document">
                        <span class="visually-hidden">{ "Kubernetes version" }</span>
                        <select class="version-select" onchange={on_version}>
                            { for versions }
                        </select>
                    </label>
                }
            </div>
        </header>
    }
}
