//! The Events and "kubectl get" tabs: the engine's kubectl tables, as a terminal shows them,
//! with status words coloured.

use yew::prelude::*;

use super::terminal_text;

#[derive(Properties, PartialEq)]
pub struct TablesProps {
    /// (command, output) pairs.
    pub tables: Vec<(String, String)>,
    /// Shown when every table is empty.
    pub empty: AttrValue,
}

#[function_component(Tables)]
pub fn tables(props: &TablesProps) -> Html {
    let all_empty = props.tables.iter().all(|(_, out)| out.trim().is_empty());
    let blocks = props.tables.iter().map(|(command, out)| {
        html! {
            <div class="term-group">
                <div class="prompt-line"><span class="prompt">{ "$ " }</span>{ command.clone() }</div>
                if out.trim().is_empty() {
                    <div class="out-line muted">{ "No resources found in default namespace." }</div>
                } else {
                    { terminal_text(out) }
                }
            </div>
        }
    });
    html! {
        <div class="tables">
            if all_empty { <p class="empty">{ props.empty.clone() }</p> }
            <div class="terminal-log">{ for blocks }</div>
        </div>
    }
}
