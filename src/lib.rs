//! kubefiddle's browser app: a Yew (CSR) front end over `kubefiddle-engine`.
//!
//! Code map: [`app`] holds the state hooks and layout; [`state`] is the reducer (no Yew, tested
//! natively); [`model`] turns an engine run into what the panels show; [`components`] are the
//! panels, one a file. Pure helpers, tested natively: [`highlight`] (YAML tokens),
//! [`editing`] (editor key commands), [`permalink`] (share links), [`examples`], [`units`].
//! [`browser`] wraps the browser APIs, none of which may panic.

pub mod app;
pub mod browser;
pub mod components;
pub mod diff;
pub mod editing;
pub mod examples;
pub mod highlight;
pub mod model;
pub mod permalink;
pub mod startup;
pub mod state;
pub mod units;
pub mod version;

/// Mounts the app into `root` (tests mount it into their own element).
pub fn mount(root: web_sys::Element) -> yew::AppHandle<app::App> {
    yew::Renderer::<app::App>::with_root(root).render()
}

/// The page's entry point: a panic hook, then the app in `#app` (or the body).
pub fn start() {
    browser::install_panic_hook();
    let root = browser::document().and_then(|d| {
        if let Some(loading) = d.get_element_by_id("loading") {
            loading.remove();
        }
        d.get_element_by_id("app")
    });
    match root {
        Some(root) => {
            mount(root);
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
