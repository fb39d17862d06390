//! The app component: the reducer, the hooks that follow it (the debounced engine run, local
//! storage, the theme, Ctrl+Enter) and the two-pane layout. Panels are in `components/`.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::browser::{self, PREVIOUS_KEY, TEXT_KEY, THEME_KEY};
use crate::components::banner::BannerView;
use crate::components::editor::Editor;
use crate::components::header::Header;
use crate::components::output::Output;
use crate::components::run_status::RunStatus;
use crate::components::share::ShareDialog;
use crate::examples::EXAMPLES;
use crate::model::Model;
use crate::permalink;
use crate::startup::initial_state;
use crate::state::{toggled, Action, Banner, Level, Share, State, Theme};

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.reduce(action);
        Rc::new(next)
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    let model = use_state(|| None::<Rc<Model>>);
    let millis = use_state(|| 0.0f64);
    let dispatch = state.dispatcher();

    // The engine run, debounced by the reducer's request.
    {
        let (text, console) = (state.text.clone(), state.console.clone());
        let (model, millis) = (model.setter(), millis.setter());
        use_effect_with(state.run, move |run| {
            let id = run.id;
            let timeout = Timeout::new(run.delay_ms, move || {
                let start = browser::now_ms();
                let m = Model::compute(&text, &console, id);
                millis.set(browser::now_ms() - start);
                model.set(Some(Rc::new(m)));
            });
            move || drop(timeout)
        });
    }
    use_effect_with(state.text.clone(), |text| {
        browser::save(TEXT_KEY, text);
        // A shared link in the address bar no longer matches the text: drop it.
        if browser::hash().len() > 1
            && permalink::decode(&browser::hash()).ok().as_ref() != Some(text)
        {
            browser::clear_hash();
        }
    });
    use_effect_with(state.previous.clone(), |previous| {
        if let Some(p) = previous {
            browser::save(PREVIOUS_KEY, p);
        }
    });
    use_effect_with(state.theme, |theme| {
        browser::set_theme_attribute(match theme {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        })
    });
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                    e.prevent_default();
                    dispatch.dispatch(Action::RunNow);
                }
            });
            let window = browser::window();
            if let Some(w) = &window {
                let _ = w
                    .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = window {
                    let _ = w.remove_event_listener_with_callback(
                        "keydown",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    let on_example = {
        let dispatch = dispatch.clone();
        Callback::from(move |i: usize| {
            if let Some(e) = EXAMPLES.get(i) {
                dispatch.dispatch(Action::LoadExample {
                    title: e.title().into(),
                    text: e.text.into(),
                });
            }
        })
    };
    let on_version = {
        let dispatch = dispatch.clone();
        Callback::from(move |minor: u32| dispatch.dispatch(Action::SetVersion(minor)))
    };
    let on_share = {
        let (dispatch, text) = (dispatch.clone(), state.text.clone());
        Callback::from(move |_| {
            if text.len() > permalink::MAX_TEXT_BYTES {
                let message = "This scenario is over 1 MB: too large for a link.".to_string();
                dispatch.dispatch(Action::ShowBanner(Banner {
                    level: Level::Warning,
                    message,
                    undo: false,
                }));
                return;
            }
            let fragment = permalink::encode(&text);
            browser::set_hash(&fragment);
            let url = format!("{}#{fragment}", browser::base_url());
            dispatch.dispatch(Action::ShowShare(Share {
                url: url.clone(),
                copied: None,
            }));
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let copied = browser::copy(url).await;
                dispatch.dispatch(Action::Copied(copied));
            });
        })
    };
    let dark = match state.theme {
        Theme::System => browser::prefers_dark(),
        Theme::Dark => true,
        Theme::Light => false,
    };
    let on_theme = {
        let (dispatch, theme) = (dispatch.clone(), state.theme);
        Callback::from(move |_| {
            let next = toggled(theme, browser::prefers_dark());
            browser::save(
                THEME_KEY,
                if next == Theme::Dark { "dark" } else { "light" },
            );
            dispatch.dispatch(Action::SetTheme(next));
        })
    };
    let send = |action: fn() -> Action| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(action()))
    };
    let on_change = {
        let dispatch = dispatch.clone();
        Callback::from(move |text: String| dispatch.dispatch(Action::Edit(text)))
    };

    let m = (*model).clone();
    let markers = m.as_ref().map(|m| m.markers.clone()).unwrap_or_default();
    let stale = m.as_ref().is_none_or(|m| m.generation != state.run.id);
    html! {
        <div class="app">
            <Header version={m.as_ref().map(|m| AttrValue::from(m.version.clone()))} {dark} {on_example}
                on_run={send(|| Action::RunNow)} {on_share} {on_theme} {on_version} />
            if let Some(b) = state.banner.clone() {
                <BannerView banner={b} on_dismiss={send(|| Action::DismissBanner)} on_undo={send(|| Action::Undo)} />
            }
            <main class="workspace">
                <section class="pane editor-pane" aria-label="Scenario">
                    <div class="pane-head">
                        <span class="file-name">{ crate::model::SCENARIO }</span>
                        <RunStatus model={m.clone()} millis={*millis} {stale} />
                    </div>
                    <Editor text={AttrValue::from(state.text.clone())} {markers} goto={state.goto} {on_change} />
                    <div class="pane-foot hint">
                        { "Tab indents · Shift+Tab dedents · Esc, Tab leaves the editor · Ctrl+Enter runs now" }
                    </div>
                </section>
                <Output state={state.clone()} model={m} />
            </main>
            if let Some(share) = state.share.clone() {
                <ShareDialog {share} on_close={send(|| Action::CloseShare)} />
            }
        </div>
    }
}
