//! Running a scenario: files of YAML documents and kubectl-like steps, applied in order on a
//! fresh simulated cluster, each followed by the cluster settling.
//!
//! A scenario file is a YAML stream. A document whose lines (comments aside) all start with
//! `$ ` is a list of commands (see `steps.rs`); every other document is a manifest applied as
//! `kubectl apply -f FILE` would apply it. Two kinds of documents configure the cluster instead
//! of being applied, wherever they stand: `kubefiddle.dev/v1alpha1` `Settings` and kind's
//! `kind.x-k8s.io/v1alpha4` `Cluster` (see `settings.rs`). A `kubefiddle.dev/v1alpha1`
//! `StaticPod` document puts a manifest in a node's static pod directory
//! (`controllers/static_pods.rs`).
//!
//! kubectl's reading rules are kept (cli-runtime `pkg/resource/visitor.go`): a YAML syntax error
//! or a document without apiVersion/kind stops the reading of that file, while a kind the
//! cluster does not serve only fails its own document.

use serde::Serialize;
use serde_json::Value;

use crate::apiserver::{Applied, ApplyError, Cluster, When};
use crate::controllers;
use crate::decode::{self, DecodeError};
use crate::object::REMOVED_APIS;
use crate::settings::{self, Settings, KIND_API_VERSION, SETTINGS_API_VERSION};
use crate::status::{Reason, Verb};
use crate::steps;
use crate::store::Origin;
use crate::yaml::{self, Positions};

/// One input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    pub text: String,
}

impl Input {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Input {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// What happened to a document or step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
    Deleted,
    /// Well-formed, but refused: admission, authorization, not found, already exists.
    Rejected,
    /// Malformed: YAML, decoding, schema or validation errors, and kubectl usage errors.
    Invalid,
}

/// Where kubectl prints the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One entry of the `-o json` contract's `results`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultRecord {
    pub file: String,
    pub line: u32,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub outcome: Outcome,
    /// Exactly what kubectl prints for it (null when nothing).
    pub message: Option<String>,
    /// The command, for steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    pub stream: Stream,
    /// `Warning:` lines kubectl prints before the result.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The field the message is about, and where it stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_column: Option<u32>,
    /// Who decided a rejection: an admission plugin, `decoder`, `validation`, `kubectl`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Index of the kubectl invocation this belongs to (one per file run of documents, one per
    /// step), for printing outputs grouped as a terminal would show them.
    #[serde(skip)]
    pub invocation: usize,
    /// How kubectl prints this error when it is one of several in the same invocation.
    #[serde(skip)]
    pub aggregate_message: Option<String>,
}

impl ResultRecord {
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Rejected | Outcome::Invalid)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// kubefiddle's own explanation of something in the input (never a kubectl message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub file: String,
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

/// The outcome of a scenario.
#[derive(Clone)]
pub struct Run {
    pub results: Vec<ResultRecord>,
    pub notes: Vec<Note>,
    pub cluster: Cluster,
}

/// A document ready to run.
enum Item {
    Manifest {
        file: String,
        line: u32,
        value: Value,
        positions: Positions,
        /// Path prefix of this object inside its document (`items[2]` for List items).
        prefix: String,
    },
    Steps {
        file: String,
        commands: Vec<(u32, String)>,
    },
    /// kubectl stopped reading the file here.
    Stop {
        file: String,
        line: u32,
        message: String,
        field_line: Option<(u32, u32)>,
        skipped: usize,
    },
}

/// A `kubefiddle.dev/v1alpha1` `StaticPod` document: `node` and the manifest `pod` in that
/// node's static pod directory (see `controllers/static_pods.rs`). Errors name the field.
fn static_pod(v: &Value) -> Result<controllers::static_pods::StaticPod, (String, String)> {
    let node = v
        .get("node")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            (
                "node".to_string(),
                "node (the node whose kubelet runs the pod) is required".to_string(),
            )
        })?;
    let pod = v.get("pod").filter(|p| p.is_object()).ok_or_else(|| {
        (
            "pod".to_string(),
            "pod (the Pod manifest) is required".to_string(),
        )
    })?;
    if pod.get("kind").and_then(Value::as_str) != Some("Pod") {
        return Err((
            "pod.kind".into(),
            "pod must be a manifest of kind Pod".into(),
        ));
    }
    match crate::apiserver::decode_value(pod.clone()) {
        Ok(crate::object::Object::Pod(p)) => {
            if p.metadata.name.as_deref().unwrap_or("").is_empty() {
                return Err((
                    "pod.metadata.name".into(),
                    "pod.metadata.name is required".into(),
                ));
            }
            Ok(controllers::static_pods::from_manifest(*p, node))
        }
        Ok(_) => Err((
            "pod.kind".into(),
            "pod must be a manifest of kind Pod".into(),
        )),
        Err(e) => Err(("pod".into(), e.server_message().unwrap_or_default())),
    }
}

fn is_command_document(body: &str) -> bool {
    let mut any = false;
    for l in body.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if !t.starts_with('$') {
            return false;
        }
        any = true;
    }
    any
}

fn first_content_line(body: &str, first_line: u32) -> u32 {
    let offset = body
        .lines()
        .position(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .unwrap_or(0);
    first_line.saturating_add(u32::try_from(offset).unwrap_or(0))
}

/// Runs a scenario on a fresh cluster.
pub fn run(inputs: &[Input]) -> Run {
    run_with_commands(inputs, &[])
}

/// Runs a scenario, then extra commands typed at the console (as a file named `console`).
pub fn run_with_commands(inputs: &[Input], console: &[String]) -> Run {
    let mut notes = Vec::new();
    let mut items = Vec::new();
    let mut settings = Settings::default();
    let mut kind_cluster: Option<(Value, String, u32)> = None;
    // Where the KubeSchedulerConfiguration document stands, for its version check.
    let mut scheduler_config_at: Option<(String, u32)> = None;
    let mut has_nodes = false;
    let mut static_pods = Vec::new();

    for input in inputs {
        let mut stopped = false;
        let docs = yaml::split_documents(&input.text);
        let total = docs.len();
        for (index, (first_line, body)) in docs.into_iter().enumerate() {
            if stopped {
                break;
            }
            let line = first_content_line(&body, first_line);
            if is_command_document(&body) {
                let commands = body
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.trim().starts_with('$'))
                    .map(|(i, l)| {
                        let n = first_line.saturating_add(u32::try_from(i).unwrap_or(0));
                        (n, l.trim().trim_start_matches('$').trim().to_string())
                    })
                    .collect();
                items.push(Item::Steps {
                    file: input.name.clone(),
                    commands,
                });
                continue;
            }
            match yaml::parse_document(&body, first_line) {
                Ok(None) => {}
                Err(e) => {
                    items.push(Item::Stop {
                        file: input.name.clone(),
                        line,
                        message: format!("error: error parsing {}: {}", input.name, e.message),
                        field_line: Some((e.pos.line, e.pos.col)),
                        skipped: total - index - 1,
                    });
                    stopped = true;
                }
                Ok(Some((value, positions))) => {
                    for d in positions.duplicates() {
                        notes.push(Note {
                            file: input.name.clone(),
                            line: d.second.line,
                            severity: Severity::Warning,
                            message: format!(
                                "`{}` is given twice (lines {} and {}): kubectl keeps the last value without a word, so the first is lost.",
                                d.path, d.first.line, d.second.line
                            ),
                        });
                    }
                    let api_version = value
                        .get("apiVersion")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
                    if api_version == SETTINGS_API_VERSION && kind == "Settings" {
                        match Settings::from_value(&value) {
                            Ok(s) => {
                                let config = std::mem::take(&mut settings.admission_config);
                                let scheduler_config = settings.scheduler_config.take();
                                settings = s;
                                settings.admission_config = config;
                                settings.scheduler_config = scheduler_config;
                            }
                            Err((field, msg)) => notes.push(Note {
                                file: input.name.clone(),
                                line: positions.nearest(&field).map(|p| p.line).unwrap_or(line),
                                severity: Severity::Error,
                                message: format!("Settings: {msg}"),
                            }),
                        }
                        continue;
                    }
                    if api_version == SETTINGS_API_VERSION && kind == "StaticPod" {
                        match static_pod(&value) {
                            Ok(sp) => static_pods.push(sp),
                            Err((field, msg)) => notes.push(Note {
                                file: input.name.clone(),
                                line: positions.nearest(&field).map(|p| p.line).unwrap_or(line),
                                severity: Severity::Error,
                                message: format!("StaticPod: {msg}"),
                            }),
                        }
                        continue;
                    }
                    if api_version.starts_with(settings::ADMISSION_CONFIG_GROUP)
                        && kind == "AdmissionConfiguration"
                    {
                        match settings::admission_configuration(&value) {
                            Ok(c) => settings.admission_config = c,
                            Err((field, msg)) => notes.push(Note {
                                file: input.name.clone(),
                                line: positions.nearest(&field).map(|p| p.line).unwrap_or(line),
                                severity: Severity::Error,
                                message: format!("AdmissionConfiguration: {msg}"),
                            }),
                        }
                        continue;
                    }
                    if api_version.starts_with(crate::scheduler::config::SCHEDULER_CONFIG_GROUP)
                        && kind == "KubeSchedulerConfiguration"
                    {
                        // Validation errors point at their field, a start-up error at the
                        // document.
                        let checked: Result<(), Vec<(String, String)>> =
                            match crate::scheduler::config::parse(&value) {
                                Err(errs) => Err(errs
                                    .into_iter()
                                    .map(|e| (e.field.clone(), e.to_string()))
                                    .collect()),
                                Ok(c) => crate::scheduler::config::profiles(&c, settings.minor)
                                    .map(|_| ())
                                    .map_err(|e| vec![(String::new(), e)]),
                            };
                        match checked {
                            Ok(()) => {
                                settings.scheduler_config = Some(value);
                                scheduler_config_at = Some((input.name.clone(), line));
                            }
                            Err(errs) => {
                                for (field, e) in errs {
                                    let at = if field.is_empty() {
                                        None
                                    } else {
                                        positions.nearest(&field)
                                    };
                                    notes.push(Note {
                                        file: input.name.clone(),
                                        line: at.map(|p| p.line).unwrap_or(line),
                                        severity: Severity::Error,
                                        message: format!("KubeSchedulerConfiguration: {e}"),
                                    });
                                }
                            }
                        }
                        continue;
                    }
                    if api_version == KIND_API_VERSION && kind == "Cluster" {
                        kind_cluster = Some((value, input.name.clone(), line));
                        continue;
                    }
                    if kind == "Node" {
                        has_nodes = true;
                    }
                    if kind == "List" {
                        if let Some(Value::Array(list)) = value.get("items") {
                            for (i, item) in list.iter().enumerate() {
                                let prefix = format!("items[{i}]");
                                let l = positions.get(&prefix).map(|p| p.line).unwrap_or(line);
                                if item.get("kind").and_then(Value::as_str) == Some("Node") {
                                    has_nodes = true;
                                }
                                items.push(Item::Manifest {
                                    file: input.name.clone(),
                                    line: l,
                                    value: item.clone(),
                                    positions: positions.clone(),
                                    prefix,
                                });
                            }
                            continue;
                        }
                    }
                    items.push(Item::Manifest {
                        file: input.name.clone(),
                        line,
                        value,
                        positions,
                        prefix: String::new(),
                    });
                }
            }
        }
    }
    if !console.is_empty() {
        items.push(Item::Steps {
            file: "console".into(),
            commands: console
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        u32::try_from(i + 1).unwrap_or(0),
                        c.trim().trim_start_matches('$').trim().to_string(),
                    )
                })
                .collect(),
        });
    }

    // kube-scheduler decodes its configuration with the versions its release registers.
    if let (Some(v), Some((file, line))) = (&settings.scheduler_config, &scheduler_config_at) {
        let api_version = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if let Some(e) = crate::scheduler::config::unregistered_version(api_version, settings.minor)
        {
            notes.push(Note {
                file: file.clone(),
                line: *line,
                severity: Severity::Error,
                message: format!("KubeSchedulerConfiguration: {e}"),
            });
            settings.scheduler_config = None;
        }
    }
    let mut cluster = Cluster::new(settings.clone());
    let (_, problems) = crate::admission::enabled(&settings);
    for (error, history) in problems.unknown {
        let history = history
            .map(|h| format!(" ({h}; this cluster runs 1.{})", settings.minor))
            .unwrap_or_default();
        notes.push(Note {
            file: String::new(),
            line: 0,
            severity: Severity::Error,
            message: format!("kube-apiserver would not start: {error}{history}"),
        });
    }
    match kind_cluster {
        Some((v, file, line)) => match settings::kind_cluster_nodes(&v, settings.minor) {
            Ok(nodes) => nodes.into_iter().for_each(|n| cluster.register_node(n)),
            Err((_, msg)) => notes.push(Note {
                file,
                line,
                severity: Severity::Error,
                message: format!("kind Cluster: {msg}"),
            }),
        },
        None if !has_nodes => settings::default_nodes(settings.minor)
            .into_iter()
            .for_each(|n| cluster.register_node(n)),
        None => {}
    }
    cluster.controller_state.static_pods = static_pods;
    controllers::settle(&mut cluster);

    let mut results = Vec::new();
    let mut invocation = 0usize;
    let mut last_file: Option<String> = None;
    let mut stopped_files: Vec<String> = Vec::new();
    for item in items {
        cluster.store.advance(1);
        match item {
            Item::Manifest {
                file,
                line,
                value,
                positions,
                prefix,
            } => {
                if stopped_files.contains(&file) {
                    continue;
                }
                if last_file.as_deref() != Some(file.as_str()) {
                    invocation += 1;
                    last_file = Some(file.clone());
                }
                let mut r = apply_manifest(
                    &mut cluster,
                    &file,
                    line,
                    value,
                    &positions,
                    &prefix,
                    &mut notes,
                );
                r.invocation = invocation;
                let stop = r.decided_by.as_deref() == Some("kubectl:stop");
                if stop {
                    r.decided_by = Some("kubectl".into());
                }
                results.push(r);
                controllers::settle(&mut cluster);
                if stop {
                    notes.push(Note {
                        file: file.clone(),
                        line,
                        severity: Severity::Info,
                        message: format!("kubectl stops reading {file} at this document: the documents after it are not applied."),
                    });
                    stopped_files.push(file.clone());
                }
            }
            Item::Steps { file, commands } => {
                last_file = None;
                for (line, command) in commands {
                    invocation += 1;
                    cluster.take_warnings();
                    cluster.take_logged();
                    cluster.take_explained();
                    let mut records = steps::execute(&mut cluster, &file, line, &command);
                    if let Some(first) = records.first_mut() {
                        first.warnings = cluster.take_warnings();
                    }
                    let logged = cluster.take_logged().into_iter();
                    let explained = cluster.take_explained().into_iter();
                    let step_notes = logged
                        .map(|m| (Severity::Warning, m))
                        .chain(explained.map(|m| (Severity::Info, m)));
                    notes.extend(step_notes.map(|(severity, message)| Note {
                        file: file.clone(),
                        line,
                        severity,
                        message,
                    }));
                    for mut r in records {
                        r.invocation = invocation;
                        results.push(r);
                    }
                    controllers::settle(&mut cluster);
                    cluster.store.advance(1);
                }
            }
            Item::Stop {
                file,
                line,
                message,
                field_line,
                skipped,
            } => {
                invocation += 1;
                results.push(ResultRecord {
                    file: file.clone(),
                    line,
                    kind: String::new(),
                    namespace: None,
                    name: String::new(),
                    outcome: Outcome::Invalid,
                    message: Some(message),
                    command: None,
                    stream: Stream::Stderr,
                    warnings: Vec::new(),
                    field: None,
                    field_line: field_line.map(|f| f.0),
                    field_column: field_line.map(|f| f.1),
                    decided_by: Some("kubectl".into()),
                    invocation,
                    aggregate_message: None,
                });
                if skipped > 0 {
                    notes.push(Note {
                        file,
                        line,
                        severity: Severity::Info,
                        message: format!(
                            "kubectl stops reading the file at this error: the {skipped} document(s) after it are not applied."
                        ),
                    });
                }
            }
        }
    }
    Run {
        results,
        notes,
        cluster,
    }
}

/// Applies one manifest and says what kubectl would print.
fn apply_manifest(
    cluster: &mut Cluster,
    file: &str,
    line: u32,
    value: Value,
    positions: &Positions,
    prefix: &str,
    notes: &mut Vec<Note>,
) -> ResultRecord {
    let (api_version, kind, name, namespace) = decode::type_info(&value);
    let at = |field: &str| {
        let path = if prefix.is_empty() {
            field.to_string()
        } else if field.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        positions.nearest(&path)
    };
    let mut record = ResultRecord {
        file: file.to_string(),
        line,
        kind: kind.clone(),
        namespace: None,
        name: name.clone(),
        outcome: Outcome::Invalid,
        message: None,
        command: None,
        stream: Stream::Stderr,
        warnings: Vec::new(),
        field: None,
        field_line: None,
        field_column: None,
        decided_by: None,
        invocation: 0,
        aggregate_message: None,
    };
    let minor = cluster.settings.minor;
    let removed = REMOVED_APIS
        .iter()
        .find(|(av, k, _)| *av == api_version && *k == kind);
    let mapping = decode::mapping(&value, minor);
    let info = match mapping {
        Ok(info) => info,
        Err(e) => {
            let (message, stop) = match &e {
                DecodeError::MissingTypeInfo { api_version, kind } => {
                    let mut errs = Vec::new();
                    if *api_version {
                        errs.push("apiVersion not set");
                    }
                    if *kind {
                        errs.push("kind not set");
                    }
                    let list = if errs.len() == 1 {
                        errs[0].to_string()
                    } else {
                        format!("[{}]", errs.join(", "))
                    };
                    (
                        format!("error: error validating {file:?}: error validating data: {list}; if you choose to ignore these errors, turn validation off with --validate=false"),
                        true,
                    )
                }
                DecodeError::NotAnObject => (
                    format!("error: error validating {file:?}: error validating data: invalid object to validate; if you choose to ignore these errors, turn validation off with --validate=false"),
                    true,
                ),
                // cli-runtime's `pkg/resource/mapper.go`: `unable to recognize` until 1.23.
                DecodeError::NoMatch { kind, api_version, .. } if minor < 24 => (
                    format!(
                        "error: unable to recognize {file:?}: no matches for kind {kind:?} in version {api_version:?}"
                    ),
                    false,
                ),
                DecodeError::NoMatch { kind, api_version, name, namespace } => (
                    format!(
                        "error: resource mapping not found for name: {name:?} namespace: {namespace:?} from {file:?}: no matches for kind {kind:?} in version {api_version:?}\nensure CRDs are installed first"
                    ),
                    false,
                ),
                _ => (String::new(), false),
            };
            if let (Some((_, _, last)), DecodeError::NoMatch { .. }) = (removed, &e) {
                if minor > *last {
                    notes.push(Note {
                        file: file.to_string(),
                        line,
                        severity: Severity::Info,
                        message: format!(
                            "{api_version} {kind} was removed after Kubernetes 1.{last}; this cluster runs 1.{minor}. Set kubernetesVersion in a Settings document to try an older cluster."
                        ),
                    });
                } else {
                    notes.push(Note {
                        file: file.to_string(),
                        line,
                        severity: Severity::Warning,
                        message: format!(
                            "Kubernetes 1.{minor} still serves {api_version} {kind}, but kubefiddle does not simulate it yet."
                        ),
                    });
                }
            }
            let pos = e.field().and_then(&at);
            record.message = Some(message);
            record.field = e.field().map(str::to_string);
            record.field_line = pos.map(|p| p.line);
            record.field_column = pos.map(|p| p.col);
            record.decided_by = Some(if stop { "kubectl:stop" } else { "kubectl" }.to_string());
            return record;
        }
    };
    record.kind = info.kind.to_string();
    if info.namespaced {
        record.namespace = Some(if namespace.is_empty() {
            "default".into()
        } else {
            namespace
        });
    }
    // Up to 1.24 kubectl validates the manifest against the server's models before sending
    // it; a failure stops the rest of the file, as cli-runtime's StreamVisitor does.
    if crate::client_validation::validates_client_side(minor) {
        let problems = crate::client_validation::validate(&value, &api_version, &kind);
        if let Some(first) = problems.first() {
            let pos = at(&first.field);
            record.message = Some(crate::client_validation::kubectl_error(file, &problems));
            record.field = Some(first.field.clone());
            record.field_line = pos.map(|p| p.line);
            record.field_column = pos.map(|p| p.col);
            record.decided_by = Some("kubectl:stop".to_string());
            return record;
        }
    }
    // An older served version (`batch/v1beta1` CronJob on 1.24): the API server converts it to
    // the version kubefiddle stores (and warns while it is deprecated, as for any request).
    let written = value.clone();
    let mut value = value;
    if api_version != info.api_version {
        value["apiVersion"] = Value::String(info.api_version.to_string());
        // policy/v1beta1's empty selector matched no pods; v1's matches all, so the conversion
        // stores `NonV1beta1MatchNoneSelector` (pkg/apis/policy/helper.go).
        if kind == "PodDisruptionBudget" {
            if let Some(sel) = value.pointer_mut("/spec/selector") {
                let no_labels = sel
                    .get("matchLabels")
                    .and_then(Value::as_object)
                    .is_none_or(serde_json::Map::is_empty);
                let no_expressions = sel
                    .get("matchExpressions")
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty);
                if sel.is_object() && no_labels && no_expressions {
                    *sel = serde_json::json!({"matchExpressions": [{
                        "key": "pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match",
                        "operator": "Exists"}]});
                }
            }
        }
    }
    let origin = Some(Origin {
        file: file.to_string(),
        line,
    });
    cluster.take_warnings();
    cluster.take_logged();
    let applied = cluster.apply_converted(value, written, info, origin);
    record.warnings = cluster.take_warnings();
    notes.extend(cluster.take_logged().into_iter().map(|message| Note {
        file: file.to_string(),
        line,
        severity: Severity::Warning,
        message,
    }));
    match applied {
        Ok(applied) => {
            let (word, outcome) = match applied {
                Applied::Created(_) => ("created", Outcome::Created),
                Applied::Configured(_) => ("configured", Outcome::Configured),
                Applied::Unchanged(_) => ("unchanged", Outcome::Unchanged),
            };
            record.outcome = outcome;
            record.stream = Stream::Stdout;
            record.message = Some(format!("{}/{} {word}", info.singular(), name));
        }
        Err(ApplyError::Server { error, when }) => {
            let verb = match when {
                When::Creating => Verb::Create,
                When::Retrieving => Verb::Retrieve {
                    info,
                    namespace: record.namespace.clone().unwrap_or_default(),
                    name: name.clone(),
                },
                When::Patching => Verb::Other,
            };
            record.outcome = match error.reason {
                Reason::BadRequest | Reason::Invalid => Outcome::Invalid,
                _ => Outcome::Rejected,
            };
            record.message = Some(error.kubectl_line(verb, file));
            if error.reason == Reason::Invalid {
                record.aggregate_message = Some(format!(
                    "Error from server (Invalid): error when creating {file:?}: {}",
                    error.message
                ));
            }
            record.decided_by = Some(error.source.clone());
            if let Some(f) = &error.field {
                let pos = at(f);
                record.field = Some(f.clone());
                record.field_line = pos.map(|p| p.line);
                record.field_column = pos.map(|p| p.col);
            }
        }
    }
    record
}

impl Run {
    /// 0 when every document and step succeeded, 1 otherwise (the CLI's exit code).
    pub fn exit_code(&self) -> i32 {
        if self.results.iter().any(ResultRecord::failed) {
            1
        } else {
            0
        }
    }

    /// The `-o json` contract: results, the final objects, the events; plus kubefiddle's notes
    /// and the Kubernetes version.
    pub fn to_json(&self) -> Value {
        let items: Vec<Value> = self
            .cluster
            .store
            .all()
            .filter(|s| !matches!(s.obj, crate::object::Object::Event(_)))
            .map(|s| s.obj.to_value())
            .collect();
        serde_json::json!({
            "kubernetesVersion": self.cluster.settings.version_string(),
            "results": self.results,
            "items": items,
            "events": self.cluster.store.events,
            "notes": self.notes,
        })
    }

    /// What a terminal shows: each kubectl invocation's stdout lines, then its stderr lines.
    pub fn kubectl_output(&self) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < self.results.len() {
            let inv = self.results[i].invocation;
            let group: Vec<&ResultRecord> = self.results[i..]
                .iter()
                .take_while(|r| r.invocation == inv)
                .collect();
            i += group.len();
            if let Some(cmd) = group.first().and_then(|r| r.command.as_ref()) {
                out.push_str(&format!("$ {cmd}\n"));
            }
            // Warnings reach stderr as each response arrives, once per distinct text
            // (kubectl's warning handler deduplicates); successes go to stdout as they happen;
            // errors are printed together at the end (cmd/util/helpers.go). Several errors
            // come as an aggregate, one per line, without `error: ` and with Invalid errors in
            // their raw `Kind "name" is invalid: [..]` form.
            // stderr lines that are not the command's error (drain's warnings and retries)
            // are printed in place, as they happen.
            let is_error = |r: &ResultRecord| r.stream == Stream::Stderr && r.failed();
            let errors = group.iter().filter(|r| is_error(r)).count();
            let mut seen_warnings: Vec<&String> = Vec::new();
            for r in &group {
                for w in &r.warnings {
                    if !seen_warnings.contains(&w) {
                        seen_warnings.push(w);
                        out.push_str(&format!("Warning: {w}\n"));
                    }
                }
                if !is_error(r) {
                    if let Some(m) = &r.message {
                        push_line(&mut out, m);
                    }
                }
            }
            for r in group.iter().filter(|r| is_error(r)) {
                let text = if errors > 1 {
                    r.aggregate_message.clone().or_else(|| {
                        r.message
                            .as_ref()
                            .map(|m| m.strip_prefix("error: ").unwrap_or(m).to_string())
                    })
                } else {
                    r.message.clone()
                };
                if let Some(m) = text {
                    push_line(&mut out, &m);
                }
            }
        }
        out
    }
}

fn push_line(out: &mut String, m: &str) {
    out.push_str(m);
    if !m.ends_with('\n') {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_documents_are_recognised() {
        assert!(is_command_document(
            "# steps\n$ kubectl cordon kind-worker\n\n$ sleep 30\n"
        ));
        assert!(!is_command_document("apiVersion: v1\n$ x\n"));
        assert!(!is_command_document("# only a comment\n"));
    }

    #[test]
    fn an_older_version_is_stored_converted_and_annotated_as_written() {
        let v1beta1 = "apiVersion: kubefiddle.dev/v1alpha1\nkind: Settings\nkubernetesVersion: \"1.21\"\n---\n\
            apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: b\nspec:\n  minAvailable: 1\n  selector: {}\n";
        // Re-applied as v1 with the same empty selector: kubectl's patch, computed from what
        // was written, leaves the converted "match none" selector alone.
        let v1 = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: b\nspec:\n  minAvailable: 1\n  selector: {}\n";
        for inputs in [
            vec![Input::new("a.yaml", v1beta1)],
            vec![Input::new("a.yaml", v1beta1), Input::new("b.yaml", v1)],
        ] {
            let run = run(&inputs);
            let pdb = run
                .cluster
                .store
                .get_obj("PodDisruptionBudget", "default", "b")
                .map(crate::object::Object::to_value)
                .unwrap_or_default();
            assert_eq!(pdb["apiVersion"], "policy/v1");
            assert_eq!(
                pdb["spec"]["selector"]["matchExpressions"][0]["key"],
                "pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match"
            );
            let annotation = pdb["metadata"]["annotations"]
                ["kubectl.kubernetes.io/last-applied-configuration"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            assert!(annotation.contains("\"selector\":{}"), "{annotation}");
        }
    }
}
