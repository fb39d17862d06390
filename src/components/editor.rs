//! The code editor: a transparent `<textarea>` over the highlighted `<pre>`, in one scroller
//! with a line-number gutter, so nothing needs scroll syncing. Tab/Shift+Tab/Enter follow
//! `editing.rs` (Escape then Tab leaves the editor); gutter markers show messages on hover and
//! click; a [`Goto`] request selects and reveals a line.

use std::rc::Rc;

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::highlighted::{level_class, Highlighted};
use crate::browser;
use crate::editing::{self, Splice};
use crate::model::Marker;
use crate::state::{Goto, Level};

mod scroll;
use scroll::{follow_caret, reveal};

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub text: AttrValue,
    pub markers: Rc<Vec<Marker>>,
    pub goto: Option<Goto>,
    pub on_change: Callback<String>,
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let scroller = use_node_ref();
    let gutter = use_node_ref();
    let textarea = use_node_ref();
    let popup = use_state(|| None::<u32>);
    // After Escape, the next Tab moves focus instead of indenting.
    let tab_leaves = use_mut_ref(|| false);

    {
        let (scroller, gutter, textarea) = (scroller.clone(), gutter.clone(), textarea.clone());
        use_effect_with(props.goto, move |goto| {
            if let Some(g) = goto {
                reveal(g.line, &scroller, &gutter, &textarea);
            }
        });
    }

    let oninput = {
        let on_change = props.on_change.clone();
        let (scroller, textarea) = (scroller.clone(), textarea.clone());
        Callback::from(move |e: InputEvent| {
            let ta: HtmlTextAreaElement = e.target_unchecked_into();
            on_change.emit(ta.value());
            follow_caret(&scroller, &textarea);
        })
    };
    // The textarea cannot scroll (it is as large as its text), so the caret is followed here.
    let onkeyup = {
        let (scroller, textarea) = (scroller.clone(), textarea.clone());
        Callback::from(move |_: KeyboardEvent| follow_caret(&scroller, &textarea))
    };

    let onkeydown = {
        let on_change = props.on_change.clone();
        let popup = popup.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.is_composing() {
                return;
            }
            let key = e.key();
            let leave = std::mem::replace(&mut *tab_leaves.borrow_mut(), key == "Escape");
            let modifier = e.ctrl_key() || e.meta_key() || e.alt_key();
            let ta: HtmlTextAreaElement = e.target_unchecked_into();
            let text = ta.value();
            let start =
                editing::from_utf16(&text, ta.selection_start().ok().flatten().unwrap_or(0));
            let end = editing::from_utf16(&text, ta.selection_end().ok().flatten().unwrap_or(0));
            let (start, end) = (start.min(end), start.max(end));
            let splice = match (key.as_str(), e.shift_key(), modifier) {
                ("Escape", _, _) => {
                    popup.set(None);
                    return;
                }
                ("Tab", _, false) if leave => return,
                ("Tab", false, false) => editing::indent(&text, start, end),
                ("Tab", true, false) => editing::dedent(&text, start, end),
                ("Enter", false, false) => editing::newline(&text, start, end),
                _ => return,
            };
            e.prevent_default();
            apply(&ta, &text, &splice, &on_change);
        })
    };

    // The textarea is as large as its text, so it never needs to scroll itself; a paste wider
    // than the box can make it scroll before the box grows, which would misalign the layers.
    let onscroll = Callback::from(|e: Event| {
        let ta: HtmlTextAreaElement = e.target_unchecked_into();
        if ta.scroll_top() != 0 || ta.scroll_left() != 0 {
            ta.set_scroll_top(0);
            ta.set_scroll_left(0);
        }
    });

    let line_count = props.text.split('\n').count();
    let mut markers = props.markers.iter().peekable();
    let gutter_lines = (1..=line_count as u32).map(|n| {
        while markers.peek().is_some_and(|m| m.line < n) {
            markers.next();
        }
        let marker = markers.peek().filter(|m| m.line == n);
        let button = marker.map(|m| {
            let popup = popup.clone();
            let open = *popup == Some(n);
            let onclick = Callback::from(move |_| popup.set(if open { None } else { Some(n) }));
            let title = m.messages.join("\n\n");
            html! {
                <button type="button" tabindex="-1" {title} {onclick}
                    class={classes!("mark", level_class(m.level))}
                    aria-label={format!("Line {n}: {}", m.messages.join(" "))}></button>
            }
        });
        let level = marker.map(|m| format!("marker marker-{}", level_name(m.level)));
        let data_line = marker.map(|_| n.to_string());
        html! { <div class={classes!("gl", level)} data-line={data_line}>{ for button }<span>{ n }</span></div> }
    });

    let popup_view = (*popup).and_then(|line| {
        let marker = props.markers.iter().find(|m| m.line == line)?;
        let close = {
            let popup = popup.clone();
            Callback::from(move |_| popup.set(None))
        };
        Some(html! {
            <div class={classes!("mark-popup", level_class(marker.level))}
                style={format!("top: calc(var(--pad-y) + {line} * var(--lh) + 4px)")} role="note">
                { for marker.messages.iter().map(|m| html! { <p>{ m.clone() }</p> }) }
                <button type="button" class="popup-close" onclick={close} aria-label="Close">{ "×" }</button>
            </div>
        })
    });

    html! {
        <div class="editor" ref={scroller}>
            <div class="editor-inner">
                <div class="gutter" ref={gutter}>{ for gutter_lines }</div>
                <div class="code">
                    <Highlighted text={props.text.clone()} markers={props.markers.clone()} flash={props.goto} />
                    <textarea ref={textarea} class="input" value={props.text.clone()} {oninput} {onkeydown} {onkeyup} {onscroll}
                        spellcheck="false" autocomplete="off" autocapitalize="off" wrap="off"
                        aria-label="Scenario (YAML manifests and $ kubectl steps)" />
                    { for popup_view }
                    <span class="measure" aria-hidden="true">{ "0123456789" }</span>
                </div>
            </div>
        </div>
    }
}

/// `error`, `warning`, `info`: the marker's class in the gutter.
fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "info",
    }
}

/// Applies a splice the way typing would, so that the browser's undo history keeps it.
fn apply(ta: &HtmlTextAreaElement, text: &str, splice: &Splice, on_change: &Callback<String>) {
    let new_text = splice.apply(text);
    let (s16, e16) = (
        editing::to_utf16(text, splice.start),
        editing::to_utf16(text, splice.end),
    );
    if text[splice.start..splice.end] != splice.insert {
        let _ = ta.set_selection_range(s16, e16);
        if !browser::insert_text(&splice.insert) || ta.value() != new_text {
            ta.set_value(&new_text);
            on_change.emit(new_text.clone());
        }
    }
    let _ = ta.set_selection_range(
        editing::to_utf16(&new_text, splice.sel_start),
        editing::to_utf16(&new_text, splice.sel_end),
    );
}
