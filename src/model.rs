//! What the panels show, derived once per run from the engine's [`Run`]: result groups as a
//! terminal would print them, the editor's line markers, the console's outputs, the diagram's
//! nodes and pending pods, and the kubectl tables. Pure: no Yew, no browser.

use std::rc::Rc;

use kubefiddle_engine::admission::PluginStep;
use kubefiddle_engine::dns::Record;
use kubefiddle_engine::scenario::Stream;
use kubefiddle_engine::store::ObjRef;
use kubefiddle_engine::views::{
    self, NamespaceView, NodeView, PodView, StatefulSetView, StorageView,
};
use kubefiddle_engine::{printers, run_with_commands, Input, Note, ResultRecord, Run};

use crate::state::{Level, ObjKey};

/// The editor's file name in results.
pub const SCENARIO: &str = "scenario.yaml";
const CONSOLE: &str = "console";

/// One kubectl invocation: `kubectl apply -f scenario.yaml` for a run of documents, or a step.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub prompt: String,
    pub records: Vec<ResultRecord>,
}

/// A line of the editor with something to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub line: u32,
    pub level: Level,
    pub messages: Vec<String>,
}

/// A console command and what kubectl printed for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleEntry {
    pub command: String,
    /// (is stderr, text)
    pub lines: Vec<(bool, String)>,
}

pub struct Model {
    /// Distinguishes runs: two models are equal when they come from the same run.
    pub generation: u64,
    pub run: Run,
    pub version: String,
    pub groups: Rc<Vec<Group>>,
    pub notes: Rc<Vec<Note>>,
    pub markers: Rc<Vec<Marker>>,
    pub console: Rc<Vec<ConsoleEntry>>,
    pub nodes: Rc<Vec<NodeView>>,
    pub pending: Rc<Vec<PodView>>,
    pub namespaces: Rc<Vec<NamespaceView>>,
    pub storage: Rc<StorageView>,
    pub stateful_sets: Rc<Vec<StatefulSetView>>,
    pub dns: Rc<Vec<Record>>,
    /// The scenario's objects that went through admission, with the last request's result.
    pub traced: Rc<Vec<Traced>>,
    pub failures: usize,
    pub applied: usize,
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
    }
}

impl Model {
    /// Runs the scenario and the console commands on a fresh cluster.
    pub fn compute(text: &str, console: &[String], generation: u64) -> Model {
        let run = run_with_commands(&[Input::new(SCENARIO, text)], console);
        let scenario: Vec<&ResultRecord> =
            run.results.iter().filter(|r| r.file != CONSOLE).collect();
        Model {
            generation,
            version: run.cluster.settings.version_string(),
            groups: Rc::new(groups(&scenario)),
            notes: Rc::new(
                run.notes
                    .iter()
                    .filter(|n| n.file != CONSOLE)
                    .cloned()
                    .collect(),
            ),
            markers: Rc::new(markers(&run)),
            console: Rc::new(console_entries(&run, console)),
            nodes: Rc::new(views::nodes(&run.cluster)),
            pending: Rc::new(views::pending(&run.cluster)),
            namespaces: Rc::new(views::namespaces(&run.cluster)),
            storage: Rc::new(views::storage(&run.cluster)),
            stateful_sets: Rc::new(views::stateful_sets(&run.cluster)),
            dns: Rc::new(views::dns_records(&run.cluster)),
            traced: Rc::new(traced(&run, &scenario)),
            failures: scenario.iter().filter(|r| r.failed()).count(),
            applied: scenario.iter().filter(|r| !r.failed()).count(),
            run,
        }
    }

    /// The admission trace of the last request for an object.
    pub fn trace(&self, key: &ObjKey) -> Option<&Vec<PluginStep>> {
        self.run.cluster.admission.get(&obj_ref(key))
    }

    /// The traced object a result row is about.
    pub fn traced_for(&self, r: &ResultRecord) -> Option<&Traced> {
        let key = key_of(r);
        self.traced.iter().find(|t| t.key == key)
    }

    pub fn events(&self) -> String {
        printers::events(&self.run.cluster.store, None, false)
    }

    pub fn nodes_table(&self) -> String {
        printers::nodes(&self.run.cluster.store)
    }

    pub fn pods_table(&self) -> String {
        printers::pods_wide(&self.run.cluster.store)
    }
}

/// An object of the scenario that admission saw, and the result of the last request for it
/// (the trace the cluster keeps is that request's).
#[derive(Clone, Debug, PartialEq)]
pub struct Traced {
    pub key: ObjKey,
    pub record: ResultRecord,
}

/// The object a result is about.
pub fn key_of(r: &ResultRecord) -> ObjKey {
    ObjKey {
        kind: r.kind.clone(),
        namespace: r.namespace.clone().unwrap_or_default(),
        name: r.name.clone(),
    }
}

fn obj_ref(key: &ObjKey) -> ObjRef {
    ObjRef::new(&key.kind, &key.namespace, &key.name)
}

/// The scenario's results whose object has an admission trace, the last result per object,
/// in the order of those last results.
fn traced(run: &Run, records: &[&ResultRecord]) -> Vec<Traced> {
    let mut out: Vec<Traced> = Vec::new();
    for r in records {
        let key = key_of(r);
        if key.name.is_empty() || !run.cluster.admission.contains_key(&obj_ref(&key)) {
            continue;
        }
        out.retain(|t| t.key != key);
        out.push(Traced {
            key,
            record: (*r).clone(),
        });
    }
    out
}

/// The line a record is about: its field's, else its document's.
pub fn target_line(r: &ResultRecord) -> u32 {
    r.field_line.unwrap_or(r.line)
}

fn groups(records: &[&ResultRecord]) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut last = None;
    for r in records {
        if last != Some(r.invocation) || out.is_empty() {
            let prompt = match &r.command {
                Some(c) => c.clone(),
                None => format!("kubectl apply -f {}", r.file),
            };
            out.push(Group {
                prompt,
                records: Vec::new(),
            });
            last = Some(r.invocation);
        }
        if let Some(g) = out.last_mut() {
            g.records.push((*r).clone());
        }
    }
    out
}

/// Console records carry the 1-based index of their command as their line.
fn console_entries(run: &Run, commands: &[String]) -> Vec<ConsoleEntry> {
    commands
        .iter()
        .enumerate()
        .map(|(i, command)| {
            let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let records: Vec<&ResultRecord> = run
                .results
                .iter()
                .filter(|r| r.file == CONSOLE && r.line == line)
                .collect();
            let mut lines = Vec::new();
            for r in &records {
                lines.extend(r.warnings.iter().map(|w| (true, format!("Warning: {w}"))));
            }
            for stream in [Stream::Stdout, Stream::Stderr] {
                for r in records.iter().filter(|r| r.stream == stream) {
                    if let Some(m) = &r.message {
                        let m = m.strip_suffix('\n').unwrap_or(m);
                        lines.push((stream == Stream::Stderr, m.to_string()));
                    }
                }
            }
            ConsoleEntry {
                command: command.clone(),
                lines,
            }
        })
        .collect()
}

mod markers;
use markers::markers;
pub mod topology;

#[cfg(test)]
mod tests;
