//! The message strip under the header: a bad share link, a loaded example (with Undo).
//! Non-blocking: the app stays usable behind it.

use yew::prelude::*;

use crate::state::{Banner, Level};

#[derive(Properties, PartialEq)]
pub struct BannerProps {
    pub banner: Banner,
    pub on_dismiss: Callback<()>,
    pub on_undo: Callback<()>,
}

#[function_component(BannerView)]
pub fn banner_view(props: &BannerProps) -> Html {
    let b = &props.banner;
    let (class, icon) = match b.level {
        Level::Info => ("info", "ℹ"),
        Level::Warning => ("warn", "⚠"),
        Level::Error => ("err", "⚠"),
    };
    let dismiss = props.on_dismiss.reform(|_: MouseEvent| ());
    let undo = props.on_undo.reform(|_: MouseEvent| ());
    html! {
        <div class={classes!("banner", class)} role={if b.level == Level::Info { "status" } else { "alert" }}>
            <span class="banner-icon" aria-hidden="true">{ icon }</span>
            <span class="banner-text">{ b.message.clone() }</span>
            if b.undo {
                <button type="button" class="button small" onclick={undo}>{ "Undo" }</button>
            }
            <button type="button" class="icon-button" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
        </div>
    }
}
