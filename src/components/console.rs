//! The console line under the results: a `$ kubectl …` command run against the current
//! scenario on Enter, with Up/Down to recall earlier commands. The commands re-run with the
//! scenario whenever it changes; their output is shown by `results.rs`.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    /// The commands typed so far (for Up/Down), oldest first.
    pub history: Rc<Vec<String>>,
    pub on_run: Callback<String>,
}

#[function_component(Console)]
pub fn console(props: &ConsoleProps) -> Html {
    // Position in the history while recalling; None when editing a new line.
    let cursor = use_mut_ref(|| None::<usize>);
    let onkeydown = {
        let (history, on_run, cursor) =
            (props.history.clone(), props.on_run.clone(), cursor.clone());
        Callback::from(move |e: KeyboardEvent| {
            let field: HtmlInputElement = e.target_unchecked_into();
            let mut cursor = cursor.borrow_mut();
            match e.key().as_str() {
                "Enter" if !e.ctrl_key() && !e.meta_key() => {
                    e.prevent_default();
                    let command = field.value();
                    if !command.trim().is_empty() {
                        on_run.emit(command);
                        field.set_value("");
                        *cursor = None;
                    }
                }
                "ArrowUp" if !history.is_empty() => {
                    e.prevent_default();
                    let i = cursor.map_or(history.len() - 1, |c| c.saturating_sub(1));
                    *cursor = Some(i);
                    field.set_value(&history[i]);
                }
                "ArrowDown" if cursor.is_some() => {
                    e.prevent_default();
                    let next = cursor.map(|c| c + 1).filter(|&c| c < history.len());
                    *cursor = next;
                    field.set_value(next.map_or("", |i| history[i].as_str()));
                }
                _ => {}
            }
        })
    };
    html! {
        <div class="console-input">
            <span class="prompt" aria-hidden="true">{ "$" }</span>
            <input type="text" {onkeydown} placeholder="kubectl get pods -o wide   (Enter runs · ↑↓ history)"
                aria-label="Console: a kubectl command to run after the scenario"
                spellcheck="false" autocomplete="off" autocapitalize="off" />
        </div>
    }
}
