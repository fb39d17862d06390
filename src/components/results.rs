//! The results, as a terminal log: kubefiddle's notes, each kubectl invocation of the scenario
//! (one row per document, coloured by outcome), then the console's commands and their output.
//! A row's line link selects that line in the editor; failed rows say who decided (admission
//! plugin, decoder, validation, kubectl) and about which field.

use std::rc::Rc;

use kubefiddle_engine::{Note, Outcome, ResultRecord, Severity};
use yew::prelude::*;

use super::terminal_text;
use crate::model::{key_of, target_line, ConsoleEntry, Group, Traced};
use crate::state::ObjKey;

#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    pub groups: Rc<Vec<Group>>,
    pub notes: Rc<Vec<Note>>,
    pub console: Rc<Vec<ConsoleEntry>>,
    pub on_goto: Callback<(u32, u32)>,
    /// The objects with an admission trace: their rows open it.
    pub traced: Rc<Vec<Traced>>,
    pub selected: Option<ObjKey>,
    pub on_trace: Callback<ObjKey>,
}

fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Created => "created",
        Outcome::Configured => "configured",
        Outcome::Unchanged | Outcome::Deleted => "unchanged",
        Outcome::Rejected => "rejected",
        Outcome::Invalid => "invalid",
    }
}

/// A `L12` button that selects the line in the editor.
fn line_link(line: u32, column: u32, on_goto: &Callback<(u32, u32)>) -> Html {
    if line == 0 {
        return html! { <span class="line-link none" /> };
    }
    let on_goto = on_goto.clone();
    let onclick = Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        on_goto.emit((line, column));
    });
    html! {
        <button type="button" class="line-link" {onclick} title={format!("Show line {line} in the editor")}>
            { format!("L{line}") }
        </button>
    }
}

#[function_component(Results)]
pub fn results(props: &ResultsProps) -> Html {
    let notes = props.notes.iter().map(|n| {
        let class = match n.severity {
            Severity::Info => "info",
            Severity::Warning => "warn",
            Severity::Error => "err",
        };
        html! {
            <li class={classes!("note", class)}>
                { line_link(n.line, 1, &props.on_goto) }
                <span class="note-badge">{ format!("{:?}", n.severity) }</span>
                <span class="note-text">{ n.message.clone() }</span>
            </li>
        }
    });
    let groups = props.groups.iter().map(|g| {
        html! {
            <div class="term-group">
                <div class="prompt-line"><span class="prompt">{ "$ " }</span>{ g.prompt.clone() }</div>
                { for g.records.iter().map(|r| record(r, props)) }
            </div>
        }
    });
    html! {
        <div class="results">
            if !props.notes.is_empty() {
                <section class="notes" aria-label="kubefiddle's notes">
                    <h3>{ "kubefiddle notes" }</h3>
                    <ul>{ for notes }</ul>
                </section>
            }
            if props.groups.is_empty() && props.console.is_empty() {
                <p class="empty">{ "Nothing to apply yet: write a manifest or a $ kubectl step." }</p>
            }
            <div class="terminal-log">
                { for groups }
                { for props.console.iter().map(console_entry) }
            </div>
        </div>
    }
}

fn record(r: &ResultRecord, props: &ResultsProps) -> Html {
    let on_goto = &props.on_goto;
    let key = key_of(r);
    let traced = props.traced.iter().any(|t| t.key == key);
    let selected = traced && props.selected.as_ref() == Some(&key);
    let line = target_line(r);
    let column = if r.field_line.is_some() {
        r.field_column.unwrap_or(1)
    } else {
        1
    };
    let onclick = {
        let (on_goto, on_trace, key) = (on_goto.clone(), props.on_trace.clone(), key.clone());
        Callback::from(move |_: MouseEvent| {
            on_goto.emit((line, column));
            if traced {
                on_trace.emit(key.clone());
            }
        })
    };
    let trace_button = traced.then(|| {
        let (on_trace, key) = (props.on_trace.clone(), key.clone());
        let onclick = Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_trace.emit(key.clone());
        });
        html! {
            <button type="button" class="trace-link" {onclick} title="Show the admission plugins that ran on it">{ "admission ›" }</button>
        }
    });
    let message = r.message.clone().unwrap_or_else(|| match &r.command {
        Some(_) => String::new(),
        None => format!("{} {}", r.kind, r.name),
    });
    let failed = r.failed();
    html! {
        <div class={classes!("rec", outcome_class(r.outcome), failed.then_some("failed"), selected.then_some("selected"))} {onclick}>
            { line_link(line, column, on_goto) }
            <div class="rec-body">
                { for r.warnings.iter().map(|w| html! { <div class="warn-line">{ format!("Warning: {w}") }</div> }) }
                if message.contains('\n') && !failed {
                    { terminal_text(&message) }
                } else if !message.is_empty() {
                    <div class="msg">{ message }</div>
                }
                if failed && (r.decided_by.is_some() || r.field.is_some()) {
                    <div class="rec-meta">
                        if let Some(by) = &r.decided_by {
                            <span class="plugin-badge bad" title="Who decided: the admission plugin, the decoder, validation or kubectl">{ "decided by " }<b>{ by.clone() }</b></span>
                        }
                        if let Some(field) = &r.field {
                            <span class="chip">{ "field " }<code>{ field.clone() }</code></span>
                        }
                    </div>
                }
            </div>
            { for trace_button }
        </div>
    }
}

fn console_entry(entry: &ConsoleEntry) -> Html {
    html! {
        <div class="term-group console-entry">
            <div class="prompt-line"><span class="prompt">{ "$ " }</span>{ entry.command.clone() }</div>
            { for entry.lines.iter().map(|(err, line)| if *err {
                html! { <div class="out-line stderr">{ line.clone() }</div> }
            } else {
                terminal_text(line)
            }) }
        </div>
    }
}
