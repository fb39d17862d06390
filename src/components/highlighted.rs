//! The syntax-highlighted copy of the editor text that sits under the transparent textarea:
//! one block per line (so marked lines get a full-width background), same font metrics.

use std::rc::Rc;

use yew::prelude::*;

use crate::highlight::{highlight, Kind};
use crate::model::Marker;
use crate::state::{Goto, Level};

#[derive(Properties, PartialEq)]
pub struct HighlightedProps {
    pub text: AttrValue,
    pub markers: Rc<Vec<Marker>>,
    /// The line to flash after a jump from the results.
    pub flash: Option<Goto>,
}

pub fn level_class(level: Level) -> &'static str {
    match level {
        Level::Error => "err",
        Level::Warning => "warn",
        Level::Info => "info",
    }
}

#[function_component(Highlighted)]
pub fn highlighted(props: &HighlightedProps) -> Html {
    let lines = highlight(&props.text);
    let mut markers = props.markers.iter().peekable();
    let rendered = lines.iter().enumerate().map(|(i, tokens)| {
        let number = i as u32 + 1;
        while markers.peek().is_some_and(|m| m.line < number) {
            markers.next();
        }
        let marker = markers
            .peek()
            .filter(|m| m.line == number)
            .map(|m| level_class(m.level));
        let flash = props.flash.filter(|g| g.line == number).map(|g| {
            if g.nonce % 2 == 0 {
                "flash-a"
            } else {
                "flash-b"
            }
        });
        html! {
            <div class={classes!("hl-line", marker.map(|m| format!("line-{m}")), flash)}>
                { for tokens.iter().map(|(kind, text)| token(*kind, text)) }
            </div>
        }
    });
    html! {
        <pre class="hl" aria-hidden="true">{ for rendered }</pre>
    }
}

fn token(kind: Kind, text: &str) -> Html {
    if kind == Kind::Plain {
        html! { {text.to_string()} }
    } else {
        html! { <span class={kind.class()}>{ text.to_string() }</span> }
    }
}
