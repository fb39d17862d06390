//! The editor pane's summary of the last run: documents applied, failed, and how long it took
//! (dimmed while a newer run is pending).

use std::rc::Rc;

use yew::prelude::*;

use crate::model::Model;

#[derive(Properties, PartialEq)]
pub struct RunStatusProps {
    pub model: Option<Rc<Model>>,
    pub millis: f64,
    pub stale: bool,
}

#[function_component(RunStatus)]
pub fn run_status(props: &RunStatusProps) -> Html {
    let Some(m) = &props.model else {
        return html! { <span class="run-status muted">{ "Starting the cluster…" }</span> };
    };
    html! {
        <span class={classes!("run-status", props.stale.then_some("stale"))} aria-live="polite">
            <span class="tone ok">{ format!("✓ {} applied", m.applied) }</span>
            if m.failures > 0 {
                <span class="tone bad">{ format!("✗ {} failed", m.failures) }</span>
            }
            <span class="muted">{ if props.stale { "running…".to_string() } else { format!("{:.0} ms", props.millis.max(1.0)) } }</span>
        </span>
    }
}
