//! The share dialog: the permalink in a selectable field, and whether it is on the clipboard.
//! Escape or × closes it; it never blocks the page.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::Share;

#[derive(Properties, PartialEq)]
pub struct ShareProps {
    pub share: Share,
    pub on_close: Callback<()>,
}

#[function_component(ShareDialog)]
pub fn share_dialog(props: &ShareProps) -> Html {
    let field = use_node_ref();
    {
        let field = field.clone();
        use_effect_with(props.share.url.clone(), move |_| {
            if let Some(f) = field.cast::<HtmlInputElement>() {
                let _ = f.focus();
                f.select();
            }
        });
    }
    let close = props.on_close.reform(|_: MouseEvent| ());
    let onkeydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_close.emit(());
            }
        })
    };
    let select = Callback::from(|e: FocusEvent| {
        let f: HtmlInputElement = e.target_unchecked_into();
        f.select();
    });
    let size = props.share.url.len();
    html! {
        <div class="share-dialog" role="dialog" aria-label="Share this scenario" {onkeydown}>
            <div class="share-head">
                <strong>{ "Share this scenario" }</strong>
                <button type="button" class="icon-button" onclick={close} aria-label="Close">{ "×" }</button>
            </div>
            <p class="muted">
                { match props.share.copied {
                    Some(true) => html! { <span class="tone ok">{ "✓ Copied to the clipboard. " }</span> },
                    Some(false) => html! { "Copy this link (Ctrl+C). " },
                    None => html! { "Copying… " },
                } }
                { format!("The scenario travels inside the link ({size} characters): nothing is uploaded.") }
            </p>
            <input ref={field} type="text" readonly=true class="share-url" value={props.share.url.clone()}
                onfocus={select} aria-label="Share link" />
        </div>
    }
}
