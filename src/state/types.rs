//! The plain data the state holds: theme, tab, selected object, banner, editor jump, run request, share link.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    System,
    Light,
    Dark,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Cluster,
    /// The admission trace of the selected object.
    Admission,
    /// Quotas, LimitRanges and Pod Security levels per namespace.
    Namespaces,
    /// StorageClasses, volumes and claims as a graph.
    Storage,
    /// StatefulSet replicas with their claims and DNS names; the DNS records.
    StatefulSets,
    Events,
    Get,
}

/// An object the user picked (a result row): kind, namespace (empty when cluster-scoped),
/// name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjKey {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A non-blocking message above the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub level: Level,
    pub message: String,
    /// Offer to bring back [`State::previous`].
    pub undo: bool,
}

/// Ask the editor to select a line; `nonce` makes a repeated click a new request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Goto {
    pub line: u32,
    pub column: u32,
    pub nonce: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunRequest {
    pub id: u64,
    pub delay_ms: u32,
}

/// The share dialog: the link, and whether it reached the clipboard (None: not known yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub url: String,
    pub copied: Option<bool>,
}
