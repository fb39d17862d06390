//! The editor's line markers: failed documents at their field's line (red), kubectl warnings
//! and kubefiddle's notes at their line (amber, blue), merged per line, severest first.

use std::collections::BTreeMap;

use kubefiddle_engine::{Run, Severity};

use super::{target_line, Marker, SCENARIO};
use crate::state::Level;

pub(super) fn markers(run: &Run) -> Vec<Marker> {
    let mut by_line: BTreeMap<u32, Marker> = BTreeMap::new();
    let mut add = |line: u32, level: Level, message: String| {
        if line == 0 {
            return;
        }
        let m = by_line.entry(line).or_insert(Marker {
            line,
            level,
            messages: Vec::new(),
        });
        m.level = severest(m.level, level);
        if !m.messages.contains(&message) {
            m.messages.push(message);
        }
    };
    for r in run.results.iter().filter(|r| r.file == SCENARIO) {
        if r.failed() {
            add(
                target_line(r),
                Level::Error,
                r.message.clone().unwrap_or_default(),
            );
        }
        for w in &r.warnings {
            add(r.line, Level::Warning, format!("Warning: {w}"));
        }
    }
    for n in run.notes.iter().filter(|n| n.file == SCENARIO) {
        let level = match n.severity {
            Severity::Info => Level::Info,
            Severity::Warning => Level::Warning,
            Severity::Error => Level::Error,
        };
        add(n.line, level, n.message.clone());
    }
    by_line.into_values().collect()
}

fn severest(a: Level, b: Level) -> Level {
    let rank = |l: Level| match l {
        Level::Info => 0,
        Level::Warning => 1,
        Level::Error => 2,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}
