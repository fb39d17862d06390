//! The state the app starts in: a shared link's scenario (with the saved text kept for
//! Undo), else the saved text, else the welcome example; a broken link leaves a banner and
//! falls back. The theme comes from `?theme=`, else the saved choice, else the system.

use crate::browser::{self, TEXT_KEY, THEME_KEY};
use crate::examples::WELCOME;
use crate::permalink;
use crate::state::{Banner, Level, State, Theme};

/// The first state: a shared link's scenario, else the saved text, else the welcome example.
pub fn initial_state() -> State {
    let saved = browser::load(TEXT_KEY);
    let theme = match browser::query_param("theme")
        .or_else(|| browser::load(THEME_KEY))
        .as_deref()
    {
        Some("dark") => Theme::Dark,
        Some("light") => Theme::Light,
        _ => Theme::System,
    };
    let fallback = saved.clone().unwrap_or_else(|| WELCOME.text.to_string());
    let hash = browser::hash();
    if hash.len() <= 1 {
        return State::new(fallback, theme);
    }
    match permalink::decode(&hash) {
        Ok(text) => {
            browser::clear_hash();
            let mut state = State::new(text, theme);
            if saved.as_ref().is_some_and(|s| *s != state.text) {
                state.previous = saved;
                state.banner = Some(Banner {
                    level: Level::Info,
                    message:
                        "Opened a shared scenario. Your own text is kept: Undo brings it back."
                            .into(),
                    undo: true,
                });
            }
            state
        }
        Err(e) => {
            let mut state = State::new(fallback, theme);
            state.banner = Some(Banner {
                level: Level::Error,
                message: e.message(),
                undo: false,
            });
            state
        }
    }
}
