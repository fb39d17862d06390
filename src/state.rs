//! The app's state and its reducer, free of Yew and of the browser so that it runs (and is
//! tested) natively. `app.rs` wraps it in a `Reducible`; side effects (storage, timers, the
//! engine run) live in the app's hooks and follow the fields changed here.
//!
//! Runs are requested, not performed: every change that needs a new run bumps
//! [`RunRequest::id`] and says how long to wait, [`EDIT_DELAY_MS`] while typing, 0 otherwise.

/// Debounce while typing.
pub const EDIT_DELAY_MS: u32 = 300;
/// The console keeps this many commands.
pub const CONSOLE_LIMIT: usize = 100;
/// The banner after Undo: the swapped-out text is kept, so Undo is offered again.
pub const UNDONE: &str = "Your earlier text is back. Undo again returns to the text it replaced.";

mod types;
pub use types::*;

pub use crate::model::topology::GroupBy;

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub text: String,
    pub console: Vec<String>,
    pub theme: Theme,
    pub tab: Tab,
    /// (namespace, name) of the pod whose "why here?" panel is open.
    pub selected_pod: Option<(String, String)>,
    /// The object whose admission trace is open.
    pub selected_object: Option<ObjKey>,
    pub banner: Option<Banner>,
    /// The text an example replaced, for Undo.
    pub previous: Option<String>,
    pub share: Option<Share>,
    pub goto: Option<Goto>,
    pub run: RunRequest,
    /// The node diagram's topology key (`crate::model::topology`).
    pub group_by: GroupBy,
}

pub enum Action {
    /// The user typed.
    Edit(String),
    /// Ctrl+Enter or the Run button.
    RunNow,
    LoadExample {
        title: String,
        text: String,
    },
    /// The header's version picker: the scenario's cluster becomes Kubernetes 1.N.
    SetVersion(u32),
    Undo,
    Console(String),
    ClearConsole,
    SetTab(Tab),
    SelectPod(Option<(String, String)>),
    /// Open (or close) the admission trace of an object.
    SelectObject(Option<ObjKey>),
    SetTheme(Theme),
    ShowBanner(Banner),
    DismissBanner,
    Goto {
        line: u32,
        column: u32,
    },
    ShowShare(Share),
    /// The clipboard answered.
    Copied(bool),
    CloseShare,
    /// The node diagram's "Group by" control.
    GroupBy(GroupBy),
}

impl State {
    pub fn new(text: String, theme: Theme) -> Self {
        State {
            text,
            console: Vec::new(),
            theme,
            tab: Tab::Cluster,
            selected_pod: None,
            selected_object: None,
            banner: None,
            previous: None,
            share: None,
            goto: None,
            run: RunRequest { id: 1, delay_ms: 0 },
            group_by: GroupBy::Auto,
        }
    }

    fn request_run(&mut self, delay_ms: u32) {
        self.run = RunRequest {
            id: self.run.id + 1,
            delay_ms,
        };
    }

    pub fn reduce(&mut self, action: Action) {
        match action {
            Action::Edit(text) => {
                if text != self.text {
                    self.text = text;
                    self.request_run(EDIT_DELAY_MS);
                }
            }
            Action::RunNow => self.request_run(0),
            Action::LoadExample { title, text } => {
                if text == self.text {
                    return;
                }
                let previous = std::mem::replace(&mut self.text, text);
                self.previous = Some(previous);
                self.console.clear();
                self.selected_pod = None;
                self.selected_object = None;
                self.group_by = GroupBy::Auto;
                self.banner = Some(Banner {
                    level: Level::Info,
                    message: format!("Loaded the example \u{201c}{title}\u{201d}."),
                    undo: true,
                });
                self.request_run(0);
            }
            Action::SetVersion(minor) => {
                let text = crate::version::set_kubernetes_version(&self.text, minor);
                if text == self.text {
                    return;
                }
                self.previous = Some(std::mem::replace(&mut self.text, text));
                self.banner = Some(Banner {
                    level: Level::Info,
                    message: format!(
                        "The cluster now runs Kubernetes 1.{minor}: the Settings document says so."
                    ),
                    undo: true,
                });
                self.request_run(0);
            }
            Action::Undo => {
                if let Some(previous) = self.previous.take() {
                    // A swap, never a loss: the text Undo replaces is kept, and the banner
                    // stays so that Undo again brings it back.
                    self.previous = Some(std::mem::replace(&mut self.text, previous));
                    self.banner = Some(Banner {
                        level: Level::Info,
                        message: UNDONE.into(),
                        undo: true,
                    });
                    self.request_run(0);
                }
            }
            Action::Console(command) => {
                let command = command.trim();
                let command = command.strip_prefix('$').unwrap_or(command).trim();
                if !command.is_empty() {
                    self.console.push(command.to_string());
                    let excess = self.console.len().saturating_sub(CONSOLE_LIMIT);
                    self.console.drain(..excess);
                    self.request_run(0);
                }
            }
            Action::ClearConsole => {
                if !self.console.is_empty() {
                    self.console.clear();
                    self.request_run(0);
                }
            }
            Action::SetTab(tab) => self.tab = tab,
            Action::SelectPod(pod) => {
                if pod.is_some() {
                    self.tab = Tab::Cluster;
                }
                self.selected_pod = pod;
            }
            Action::SelectObject(object) => {
                if object.is_some() {
                    self.tab = Tab::Admission;
                }
                self.selected_object = object;
            }
            Action::SetTheme(theme) => self.theme = theme,
            Action::ShowBanner(banner) => self.banner = Some(banner),
            Action::DismissBanner => self.banner = None,
            Action::Goto { line, column } => {
                let nonce = self.goto.map_or(1, |g| g.nonce + 1);
                self.goto = Some(Goto {
                    line,
                    column,
                    nonce,
                });
            }
            Action::ShowShare(share) => self.share = Some(share),
            Action::Copied(copied) => {
                if let Some(share) = &mut self.share {
                    share.copied = Some(copied);
                }
            }
            Action::CloseShare => self.share = None,
            Action::GroupBy(group_by) => self.group_by = group_by,
        }
    }
}

/// The theme after a click on the toggle: the opposite of what is showing.
pub fn toggled(theme: Theme, system_dark: bool) -> Theme {
    let dark = match theme {
        Theme::System => system_dark,
        Theme::Light => false,
        Theme::Dark => true,
    };
    if dark {
        Theme::Light
    } else {
        Theme::Dark
    }
}

#[cfg(test)]
mod tests;
