//! The few browser services the app uses, each failure-tolerant: storage that may be
//! disabled, a URL fragment and query, the colour scheme, the clipboard, `execCommand`.
//! Every function returns `None`/`false` instead of throwing or panicking.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

pub const TEXT_KEY: &str = "kubefiddle.text";
pub const PREVIOUS_KEY: &str = "kubefiddle.previous";
pub const THEME_KEY: &str = "kubefiddle.theme";

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

pub fn document() -> Option<web_sys::Document> {
    window()?.document()
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Saves, ignoring failures (private mode, quota).
pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The URL fragment, with its `#`, or "".
pub fn hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Drops the fragment from the address bar without reloading or adding history.
pub fn clear_hash() {
    let Some(w) = window() else { return };
    let loc = w.location();
    let url = format!(
        "{}{}",
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default()
    );
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Puts `fragment` (without `#`) in the address bar without reloading or adding history.
pub fn set_hash(fragment: &str) {
    let Some(w) = window() else { return };
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("#{fragment}")));
    }
}

/// A parameter of the query string (`?theme=dark`).
pub fn query_param(name: &str) -> Option<String> {
    let search = window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The page's address without query or fragment: the base of share links.
pub fn base_url() -> String {
    let Some(w) = window() else {
        return String::new();
    };
    let loc = w.location();
    format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    )
}

pub fn prefers_dark() -> bool {
    window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Sets `data-theme` on `<html>` ("light", "dark"), or removes it to follow the system.
pub fn set_theme_attribute(theme: Option<&str>) {
    let Some(root) = document().and_then(|d| d.document_element()) else {
        return;
    };
    let _ = match theme {
        Some(t) => root.set_attribute("data-theme", t),
        None => root.remove_attribute("data-theme"),
    };
}

/// Milliseconds since the page started, for timing runs.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Copies text to the clipboard; false when the browser has no clipboard API or refuses.
pub async fn copy(text: String) -> bool {
    let Some(w) = window() else { return false };
    let nav = w.navigator();
    let has = js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has {
        return false;
    }
    let promise = nav.clipboard().write_text(&text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Replaces the focused field's selection as typing would (so Ctrl+Z undoes it). False when
/// the browser does not support it.
pub fn insert_text(text: &str) -> bool {
    document()
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| {
            d.exec_command_with_show_ui_and_value("insertText", false, text)
                .ok()
        })
        .unwrap_or(false)
}

/// Shows a panic in the page instead of a frozen app: the engine promises none, but if one
/// happens the user should know to reload.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!("kubefiddle stopped: {info}. Reload the page; your text is saved.");
        web_sys::console::error_1(&JsValue::from_str(&message));
        let Some(doc) = document() else { return };
        let Some(body) = doc.body() else { return };
        if let Ok(div) = doc.create_element("div") {
            div.set_class_name("panic");
            div.set_text_content(Some(&message));
            let _ = div.set_attribute("role", "alert");
            let _ = body.append_child(&div);
        }
    }));
}
