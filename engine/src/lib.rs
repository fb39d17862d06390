//! kubefiddle's engine: a simulated Kubernetes cluster that runs a scenario (manifests and
//! kubectl-like steps) the way a real cluster would, and reports what kubectl would print.
//!
//! Invariants (see ARCHITECTURE.md): pure Rust, no I/O, no web crates, deterministic (a logical
//! clock; the same input gives byte-identical output), and no panic on any input.
//!
//! Entry point: [`run`]. The result, [`Run`], holds one [`ResultRecord`] per document or step,
//! kubefiddle's own [`Note`]s, and the final [`Cluster`], from which [`views`] derives what the
//! UI draws and [`printers`] what the CLI prints.

// ApiError carries the Status message, field and causes; requests fail rarely and the size is
// not on a hot path, so errors stay unboxed for readability.
#![allow(clippy::result_large_err)]

pub mod admission;
pub mod apiserver;
pub mod auth;
pub mod cel;
pub mod client_validation;
pub mod controllers;
pub mod decode;
pub mod defaults;
pub mod dns;
pub mod labels;
pub mod object;
pub mod printers;
pub mod psp;
pub mod quantity;
pub mod quota;
pub mod scenario;
pub mod scheduler;
pub mod settings;
pub mod status;
pub mod steps;
pub mod store;
pub mod taints;
pub mod validation;
pub mod views;
pub mod yaml;

pub use apiserver::Cluster;
pub use scenario::{run, run_with_commands, Input, Note, Outcome, ResultRecord, Run, Severity};
