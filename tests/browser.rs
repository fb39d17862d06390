//! The app in a real browser (wasm-bindgen-test in headless Chromium): it mounts, draws the
//! cluster diagram with its node boxes, and shows kubectl's message for a manifest the API
//! server refuses once it is typed into the editor; a quota rejection opens its admission
//! trace and fills the namespace's quota bar. Run with
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p kubefiddle --test browser`.
#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

const REFUSED: &str = "apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
spec:
  containers:
  - name: api
    image: nginx
";

/// Polls `check` every 50 ms for up to 10 s.
async fn eventually(root: &Element, check: impl Fn(&Element) -> bool) -> bool {
    for _ in 0..200 {
        if check(root) {
            return true;
        }
        TimeoutFuture::new(50).await;
    }
    false
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector)
        .map(|l| l.length())
        .unwrap_or(0)
}

fn text(root: &Element) -> String {
    root.text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn draws_the_cluster_and_shows_a_refused_manifest() {
    let window = web_sys::window().expect("window");
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.remove_item("kubefiddle.text");
    }
    let document = window.document().expect("document");
    let root = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let _app = kubefiddle::mount(root.clone());

    // The welcome scenario: kind's three nodes, drawn as SVG boxes with their pods.
    assert!(
        eventually(&root, |r| count(r, "svg.node-card rect.node-box") >= 3).await,
        "no node boxes in the diagram: {}",
        text(&root)
    );
    let drawn = text(&root);
    for node in ["kind-control-plane", "kind-worker", "kind-worker2"] {
        assert!(drawn.contains(node), "{node} is not drawn");
    }
    assert!(count(&root, "g.pod-chip") >= 1, "no pod chips");

    // Typing a manifest the API server refuses (an invalid name): kubectl's message, a marker.
    let textarea: HtmlTextAreaElement = root
        .query_selector("textarea")
        .ok()
        .flatten()
        .and_then(|t| t.dyn_into().ok())
        .expect("the editor's textarea");
    textarea.set_value(REFUSED);
    let init = EventInit::new();
    init.set_bubbles(true);
    let input = Event::new_with_event_init_dict("input", &init).expect("event");
    textarea.dispatch_event(&input).expect("dispatch");

    let message = "The Pod \"Bad_Name\" is invalid: metadata.name: Invalid value";
    assert!(
        eventually(&root, |r| text(r).contains(message)).await,
        "the refusal is not shown: {}",
        text(&root)
    );
    assert!(
        count(&root, ".rec.failed") >= 1,
        "the refused document is not marked failed"
    );
    assert!(
        count(&root, ".gutter .marker-error") >= 1,
        "no error marker in the gutter"
    );
}

const QUOTA: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: team
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: no-pods
  namespace: team
spec:
  hard:
    pods: \"0\"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team
spec:
  containers:
  - name: nginx
    image: nginx
";

fn click(root: &Element, selector: &str) {
    let el: HtmlElement = root
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into().ok())
        .unwrap_or_else(|| panic!("no {selector}"));
    el.click();
}

#[wasm_bindgen_test]
async fn a_quota_rejection_opens_its_admission_trace_and_fills_the_quota_bar() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let root = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let _app = kubefiddle::mount(root.clone());
    assert!(eventually(&root, |r| count(r, "textarea") >= 1).await);
    let textarea: HtmlTextAreaElement = root
        .query_selector("textarea")
        .ok()
        .flatten()
        .and_then(|t| t.dyn_into().ok())
        .expect("the editor's textarea");
    textarea.set_value(QUOTA);
    let init = EventInit::new();
    init.set_bubbles(true);
    let input = Event::new_with_event_init_dict("input", &init).expect("event");
    textarea.dispatch_event(&input).expect("dispatch");

    let message = "pods \"web\" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0";
    assert!(
        eventually(&root, |r| text(r).contains(message)).await,
        "the rejection is not shown: {}",
        text(&root)
    );
    assert!(
        eventually(&root, |r| count(r, ".rec.failed .plugin-badge") >= 1).await,
        "no plugin badge on the rejection"
    );
    click(&root, ".rec.failed .msg");
    assert!(
        eventually(&root, |r| count(r, ".trace-panel .step.rejected") == 1).await,
        "the trace panel does not show the rejecting step"
    );
    let rejected = root
        .query_selector(".trace-panel .step.rejected .step-plugin")
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
        .unwrap_or_default();
    assert_eq!(rejected, "ResourceQuota");

    click(&root, "button[role=tab]:nth-child(3)");
    assert!(
        eventually(&root, |r| count(r, ".ns-card .quota-row.full") == 1).await,
        "no full quota bar: {}",
        text(&root)
    );
}
