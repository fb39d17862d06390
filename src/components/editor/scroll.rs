//! Keeping the caret and jump targets in view. The textarea is as large as its text and never
//! scrolls itself, so the editor's scroller follows the caret, from the caret's line and
//! column and the font's measured metrics.

use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use web_sys::{FocusOptions, HtmlElement, HtmlTextAreaElement};
use yew::NodeRef;

use crate::editing;

/// Padding of the code area (CSS `--pad-x`, `--pad-y`).
const PAD_X: f64 = 16.0;
const PAD_Y: f64 = 12.0;

/// Scrolls the editor so that the caret shows, once the DOM has caught up with the text.
pub fn follow_caret(scroller: &NodeRef, textarea: &NodeRef) {
    let (scroller, textarea) = (scroller.clone(), textarea.clone());
    Timeout::new(0, move || {
        let sc = scroller.cast::<HtmlElement>();
        let ta = textarea.cast::<HtmlTextAreaElement>();
        if let (Some(sc), Some(ta)) = (sc, ta) {
            follow(&sc, &ta);
        }
    })
    .forget();
}

fn follow(sc: &HtmlElement, ta: &HtmlTextAreaElement) {
    let Some(gutter) = child::<HtmlElement>(sc, ".gutter") else {
        return;
    };
    let Some(measure) = child::<HtmlElement>(sc, ".measure") else {
        return;
    };
    let char_w = measure.get_bounding_client_rect().width() / 10.0;
    let line_h = gutter
        .first_element_child()
        .map_or(22.0, |row| row.get_bounding_client_rect().height());
    let text = ta.value();
    let pos = editing::from_utf16(&text, ta.selection_end().ok().flatten().unwrap_or(0));
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let row = text[..pos].matches('\n').count() as f64;
    let col = text[line_start..pos].chars().count() as f64;
    let gutter_w = f64::from(gutter.offset_width());
    let x = gutter_w + PAD_X + col * char_w;
    let y = PAD_Y + row * line_h;
    let (left, top) = (f64::from(sc.scroll_left()), f64::from(sc.scroll_top()));
    let (width, height) = (f64::from(sc.client_width()), f64::from(sc.client_height()));
    if y < top {
        sc.set_scroll_top((y - line_h).max(0.0) as i32);
    } else if y + line_h > top + height {
        sc.set_scroll_top((y + 2.0 * line_h - height) as i32);
    }
    if x < left + gutter_w + PAD_X {
        sc.set_scroll_left((x - gutter_w - PAD_X - 4.0 * char_w).max(0.0) as i32);
    } else if x + char_w > left + width {
        sc.set_scroll_left((x + 6.0 * char_w - width) as i32);
    }
}

fn child<T: JsCast>(parent: &HtmlElement, selector: &str) -> Option<T> {
    parent
        .query_selector(selector)
        .ok()
        .flatten()?
        .dyn_into()
        .ok()
}

/// Selects line `line` (without its indentation), focuses the editor, scrolls it into view.
pub fn reveal(line: u32, scroller: &NodeRef, gutter: &NodeRef, textarea: &NodeRef) {
    let Some(ta) = textarea.cast::<HtmlTextAreaElement>() else {
        return;
    };
    let text = ta.value();
    let start = editing::offset_of_line(&text, line);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let indent = text[start..end].len() - text[start..end].trim_start().len();
    let options = FocusOptions::new();
    options.set_prevent_scroll(true);
    let _ = ta.focus_with_options(&options);
    let _ = ta.set_selection_range(
        editing::to_utf16(&text, start + indent),
        editing::to_utf16(&text, end),
    );
    let row = gutter
        .cast::<HtmlElement>()
        .and_then(|g| g.children().item(line.saturating_sub(1)))
        .and_then(|r| r.dyn_into::<HtmlElement>().ok());
    if let (Some(row), Some(scroller)) = (row, scroller.cast::<HtmlElement>()) {
        let target = row.offset_top() - scroller.client_height() / 3;
        scroller.set_scroll_top(target.max(0));
        scroller.set_scroll_left(0);
    }
}
