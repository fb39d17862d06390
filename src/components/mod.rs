//! The app's components, one a file, each with `PartialEq` props, plus the helpers they share:
//! status colours and kubectl-table rendering.

pub mod admission_trace;
pub mod banner;
pub mod console;
pub mod diagram;
pub mod editor;
pub mod header;
pub mod highlighted;
pub mod namespaces;
pub mod node_card;
pub mod output;
pub mod pod_chip;
pub mod results;
pub mod run_status;
pub mod share;
pub mod stateful_sets;
pub mod storage;
pub mod storage_graph;
pub mod tables;
pub mod why_here;

use yew::prelude::*;

/// The colour class of a kubectl status word: green running, amber waiting, red failed, grey
/// leaving, blue creating, teal bound.
pub fn tone(word: &str) -> Option<&'static str> {
    let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    Some(match word {
        "Running" | "Ready" | "Normal" | "Completed" | "Succeeded" | "Scheduled" | "Started" => {
            "ok"
        }
        "Pending" | "SchedulingDisabled" | "Warning" | "Cordoned" => "wait",
        "ContainerCreating" | "Created" | "Pulled" | "Pulling" | "Configured" => "info",
        "Terminating" | "Deleted" | "Killing" | "Unchanged" => "gone",
        "Bound" => "bound",
        "NotReady" | "Failed" | "Error" | "CrashLoopBackOff" | "FailedScheduling" | "Evicted"
        | "ImagePullBackOff" | "ErrImagePull" | "OOMKilled" | "Rejected" | "Invalid" => "bad",
        _ => return None,
    })
}

/// The status class of a pod, by its kubectl STATUS.
pub fn pod_tone(status: &str) -> &'static str {
    tone(status).unwrap_or("gone")
}

/// A kubectl table (or any terminal text) with its status cells coloured. Only whole cells
/// are coloured (set apart by two spaces or more, as tabwriter pads columns), so a word inside
/// a MESSAGE stays plain.
pub fn terminal_text(text: &str) -> Html {
    let lines = text.lines().map(|line| {
        let mut pieces = Vec::new();
        let mut rest = line;
        let mut cell_start = true;
        while !rest.is_empty() {
            let word_end = rest.find(' ').unwrap_or(rest.len());
            let (word, after) = rest.split_at(word_end);
            let spaces = after.len() - after.trim_start_matches(' ').len();
            let cell = cell_start && (spaces >= 2 || spaces == after.len());
            let parts: Vec<&str> = word.split(',').collect();
            for (i, w) in parts.iter().enumerate() {
                if i > 0 {
                    pieces.push(html! { "," });
                }
                pieces.push(match tone(w).filter(|_| cell) {
                    Some(t) => html! { <span class={classes!("tone", t)}>{ w.to_string() }</span> },
                    None => html! { {w.to_string()} },
                });
            }
            pieces.push(html! { {after[..spaces].to_string()} });
            cell_start = spaces >= 2;
            rest = &after[spaces..];
        }
        html! { <div class="term-line">{ for pieces }</div> }
    });
    html! { <pre class="terminal">{ for lines }</pre> }
}

/// Breaks CamelCase plugin names at their capitals so table headers can wrap.
pub fn camel_breaks(name: &str) -> Html {
    let mut parts: Vec<String> = Vec::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() || parts.is_empty() {
            parts.push(String::new());
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    html! { for parts.into_iter().map(|p| html! { <>{ p }<wbr/></> }) }
}
