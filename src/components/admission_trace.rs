//! The admission tab: the scenario's objects on the left, and for the selected one the trace
//! the API server recorded for its last request — every plugin of the chain in order, its
//! phase (mutate, validate) and verdict, the rejection message, the `Warning:` lines, and for
//! each mutation a diff of the object (added lines green, removed red).

use std::rc::Rc;

use kubefiddle_engine::admission::PluginStep;
use yew::prelude::*;

use crate::diff::{object_diff, Change, Row};
use crate::model::{target_line, Traced};
use crate::state::ObjKey;

#[derive(Properties, PartialEq)]
pub struct AdmissionTraceProps {
    pub traced: Rc<Vec<Traced>>,
    pub selected: Option<ObjKey>,
    /// The trace of the selected object.
    pub trace: Option<Rc<Vec<PluginStep>>>,
    pub on_select: Callback<Option<ObjKey>>,
    pub on_goto: Callback<(u32, u32)>,
}

fn title(key: &ObjKey) -> String {
    if key.namespace.is_empty() {
        format!("{} {}", key.kind, key.name)
    } else {
        format!("{} {}/{}", key.kind, key.namespace, key.name)
    }
}

fn verdict_class(verdict: &str) -> &'static str {
    match verdict {
        "rejected" => "bad",
        "mutated" => "info",
        _ => "ok",
    }
}

#[function_component(AdmissionTrace)]
pub fn admission_trace(props: &AdmissionTraceProps) -> Html {
    if props.traced.is_empty() {
        return html! {
            <p class="muted empty-tab">{ "Nothing has gone through admission yet: apply a manifest to see the plugins that admit, change or refuse it." }</p>
        };
    }
    let list = props.traced.iter().map(|t| {
        let selected = props.selected.as_ref() == Some(&t.key);
        let onclick = {
            let (on_select, key) = (props.on_select.clone(), t.key.clone());
            Callback::from(move |_: MouseEvent| on_select.emit(Some(key.clone())))
        };
        let (badge, class) = if t.record.failed() {
            ("refused", "bad")
        } else {
            ("admitted", "ok")
        };
        html! {
            <li>
                <button type="button" class={classes!("trace-pick", selected.then_some("selected"))}
                    aria-pressed={selected.to_string()} {onclick}>
                    <span class="pick-kind">{ t.key.kind.clone() }</span>
                    <span class="pick-name">{ t.key.name.clone() }</span>
                    <span class={classes!("dot", class)} title={badge} />
                </button>
            </li>
        }
    });
    let panel = match (&props.selected, &props.trace) {
        (Some(key), Some(trace)) => {
            let record = props.traced.iter().find(|t| &t.key == key);
            panel(key, record, trace, props)
        }
        (Some(key), None) => html! {
            <p class="muted">{ format!("No admission trace for {}.", title(key)) }</p>
        },
        _ => html! {
            <p class="muted pick-hint">{ "Pick an object (or click a result below) to see the admission plugins that ran on it, in order." }</p>
        },
    };
    html! {
        <div class="admission">
            <nav class="trace-list" aria-label="Objects with an admission trace"><ul>{ for list }</ul></nav>
            <div class="trace-main">{ panel }</div>
        </div>
    }
}

fn panel(
    key: &ObjKey,
    traced: Option<&Traced>,
    trace: &[PluginStep],
    props: &AdmissionTraceProps,
) -> Html {
    let close = props.on_select.reform(|_: MouseEvent| None);
    let onkeydown = {
        let on_select = props.on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_select.emit(None);
            }
        })
    };
    let record = traced.map(|t| &t.record);
    let failed = record.is_some_and(|r| r.failed());
    let decided_by = record.and_then(|r| r.decided_by.clone());
    let rejected_in_trace = trace.iter().any(|s| s.verdict == "rejected");
    // Object validation runs between the two phases and has no plugin step of its own.
    let validation_failed =
        failed && !rejected_in_trace && decided_by.as_deref() == Some("validation");
    let stopped_before = failed && !rejected_in_trace && !validation_failed;
    let line_button = record.map(|r| {
        let line = target_line(r);
        let column = if r.field_line.is_some() { r.field_column.unwrap_or(1) } else { 1 };
        let on_goto = props.on_goto.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_goto.emit((line, column)));
        html! {
            <button type="button" class="line-link" {onclick} title={format!("Show line {line} in the editor")}>{ format!("L{line}") }</button>
        }
    });
    let outcome = match (failed, &decided_by) {
        (true, Some(by)) => {
            html! { <span class="plugin-badge bad">{ "refused by " }<b>{ by.clone() }</b></span> }
        }
        (true, None) => html! { <span class="plugin-badge bad">{ "refused" }</span> },
        (false, _) => html! { <span class="plugin-badge ok">{ "admitted" }</span> },
    };
    let mutate: Vec<&PluginStep> = trace.iter().filter(|s| s.phase == "mutate").collect();
    let validate: Vec<&PluginStep> = trace.iter().filter(|s| s.phase != "mutate").collect();
    let mutations = mutate.iter().filter(|s| s.verdict == "mutated").count();
    html! {
        <section class="trace-panel" aria-label={format!("Admission trace of {}", title(key))} {onkeydown}>
            <header>
                <h3>{ "Admission " }<code>{ title(key) }</code></h3>
                { for line_button }
                <button type="button" class="icon-button" onclick={close} aria-label="Close the admission trace">{ "×" }</button>
            </header>
            <div class="trace-outcome">
                { outcome }
                if mutations > 0 {
                    <span class="muted">{ format!("{mutations} plugin{} changed the object", if mutations == 1 { "" } else { "s" }) }</span>
                }
            </div>
            if let Some(message) = record.filter(|_| failed).and_then(|r| r.message.clone()) {
                <p class="reject-msg">{ message }</p>
            }
            if let Some(r) = record {
                { for r.warnings.iter().map(|w| warning(w)) }
            }
            if stopped_before {
                <p class="muted">{ format!("This request stopped before admission ({}): the trace below is of the last request for this object that reached it.", decided_by.clone().unwrap_or_default()) }</p>
            }
            <h4>{ "Mutating admission " }<span class="muted">{ format!("{} plugins, in order", mutate.len()) }</span></h4>
            <ol class="trace">{ for mutate.iter().map(|s| step(s)) }</ol>
            if validation_failed {
                <ol class="trace"><li class="step rejected">
                    <div class="step-head">
                        <span class="step-plugin">{ "object validation" }</span>
                        <span class={classes!("verdict", "bad")}>{ "rejected" }</span>
                    </div>
                </li></ol>
            }
            if !validate.is_empty() {
                <h4>{ "Validating admission " }<span class="muted">{ format!("{} plugins", validate.len()) }</span></h4>
                <ol class="trace">{ for validate.iter().map(|s| step(s)) }</ol>
            }
        </section>
    }
}

/// A `Warning:` line, folded after its first clause (PodSecurity's list every check).
fn warning(w: &str) -> Html {
    let text = format!("Warning: {w}");
    match w.split_once(": ") {
        Some((head, _)) if text.len() > 120 => html! {
            <details class="warn-msg">
                <summary>{ format!("Warning: {head}") }<span class="muted">{ " · details" }</span></summary>
                <div>{ text }</div>
            </details>
        },
        _ => html! { <p class="warn-msg">{ text }</p> },
    }
}

/// Long lines (the last-applied annotation) are cut for reading; the full text is in the
/// object itself.
fn clip(line: &str) -> String {
    const MAX: usize = 110;
    match line.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

fn step(s: &PluginStep) -> Html {
    let diff = match (&s.before, &s.after) {
        (Some(before), Some(after)) => {
            let rows = object_diff(before, after, 2).into_iter().map(|r| match r {
                Row::Skipped(n) => html! { <div class="d skip">{ format!("⋯ {n} unchanged line{}", if n == 1 { "" } else { "s" }) }</div> },
                Row::Line(Change::Same, l) => html! { <div class="d same">{ format!("  {}", clip(&l)) }</div> },
                Row::Line(Change::Added, l) => html! { <div class="d add">{ format!("+ {}", clip(&l)) }</div> },
                Row::Line(Change::Removed, l) => html! { <div class="d del">{ format!("- {}", clip(&l)) }</div> },
            });
            Some(html! {
                <details class="mutation" open=true>
                    <summary>{ "what it changed" }</summary>
                    <pre class="diff">{ for rows }</pre>
                </details>
            })
        }
        _ => None,
    };
    html! {
        <li class={classes!("step", s.verdict)}>
            <div class="step-head">
                <span class="step-plugin">{ s.plugin.clone() }</span>
                <span class={classes!("verdict", verdict_class(s.verdict))}>{ s.verdict }</span>
            </div>
            if let Some(m) = &s.message {
                <div class="step-msg">{ m.clone() }</div>
            }
            { for s.warnings.iter().map(|w| warning(w)) }
            { for diff }
        </li>
    }
}
