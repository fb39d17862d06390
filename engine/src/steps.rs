//! Scenario steps: kubectl-like commands, written as a person types them.
//!
//! ```text
//! $ kubectl label nodes kind-worker disktype=ssd
//! $ kubectl taint nodes kind-worker dedicated=gpu:NoSchedule
//! $ kubectl cordon kind-worker2
//! $ kubectl scale deployment web --replicas=5
//! $ kubectl delete pod web
//! $ sleep 5m
//! ```
//!
//! Supported: `delete`, `label`, `annotate`, `taint`, `cordon`, `uncordon`, `scale`, `get`
//! (pods, nodes, events), and `sleep` to advance the simulated clock. Output lines and errors
//! follow kubectl (`pkg/cmd/{delete,label,annotate,taint,drain,scale,get}` in
//! kubernetes/kubectl; `drain.go` for cordon/uncordon).

use std::collections::BTreeMap;

use crate::apiserver::Cluster;
use crate::labels::Selector;
use crate::object::{self, KindInfo, Object};
use crate::printers;
use crate::scenario::{Outcome, ResultRecord, Stream};
use crate::status::{ApiError, Reason};
use crate::store::ObjRef;
use crate::taints;

/// A parsed command line.
#[derive(Debug, Default)]
struct Args {
    words: Vec<String>,
    namespace: Option<String>,
    overwrite: bool,
    all_namespaces: bool,
    output: Option<String>,
    replicas: Option<String>,
    selector: Option<String>,
    all: bool,
}

/// Splits a command line like a shell: spaces separate words; single and double quotes group.
fn tokenize(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for ch in line.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => cur.push(ch),
            None if ch == '\'' || ch == '"' => {
                quote = Some(ch);
                in_word = true;
            }
            None if ch.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(ch);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

fn parse_args(words: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let mut value = |name: &str| -> Result<String, String> {
            if let Some(v) = w.strip_prefix(&format!("{name}=")) {
                return Ok(v.to_string());
            }
            i += 1;
            words
                .get(i)
                .cloned()
                .ok_or_else(|| format!("error: flag needs an argument: {name}"))
        };
        match w.as_str() {
            "-n" | "--namespace" => a.namespace = Some(value(w)?),
            s if s.starts_with("--namespace=") => a.namespace = Some(value("--namespace")?),
            "--overwrite" | "--overwrite=true" => a.overwrite = true,
            "-A" | "--all-namespaces" => a.all_namespaces = true,
            "--all" => a.all = true,
            "-o" | "--output" => a.output = Some(value(w)?),
            s if s.starts_with("-o=") || s.starts_with("--output=") => {
                a.output = s.split_once('=').map(|(_, v)| v.to_string())
            }
            s if s.starts_with("-owide") => a.output = Some("wide".into()),
            "--replicas" => a.replicas = Some(value("--replicas")?),
            s if s.starts_with("--replicas=") => a.replicas = Some(value("--replicas")?),
            "-l" | "--selector" => a.selector = Some(value(w)?),
            s if s.starts_with("--selector=") => a.selector = Some(value("--selector")?),
            s if s.starts_with("-l") && s.len() > 2 => a.selector = Some(s[2..].to_string()),
            s if s.starts_with("--") => return Err(format!("error: unknown flag: {s}")),
            _ => a.words.push(w.clone()),
        }
        i += 1;
    }
    Ok(a)
}

/// Runs one command against the cluster and returns what kubectl would print.
pub fn execute(c: &mut Cluster, file: &str, line: u32, command: &str) -> Vec<ResultRecord> {
    let base = ResultRecord {
        file: file.to_string(),
        line,
        kind: String::new(),
        namespace: None,
        name: String::new(),
        outcome: Outcome::Unchanged,
        message: None,
        command: Some(command.to_string()),
        stream: Stream::Stdout,
        warnings: Vec::new(),
        field: None,
        field_line: None,
        field_column: None,
        decided_by: None,
        invocation: 0,
        aggregate_message: None,
    };
    let words = tokenize(command);
    let fail = |msg: String, outcome: Outcome| {
        let mut r = base.clone();
        r.outcome = outcome;
        r.stream = Stream::Stderr;
        r.message = Some(msg);
        r.decided_by = Some("kubectl".into());
        vec![r]
    };
    match words.first().map(String::as_str) {
        Some("sleep") => {
            let arg = words.get(1).map(String::as_str).unwrap_or("");
            match parse_duration(arg) {
                Some(secs) => {
                    c.store.advance(secs);
                    vec![base]
                }
                None => fail(
                    format!("sleep: invalid time interval '{arg}'"),
                    Outcome::Invalid,
                ),
            }
        }
        Some("kubectl") => {
            let args = match parse_args(&words[1..]) {
                Ok(a) => a,
                Err(e) => return fail(e, Outcome::Invalid),
            };
            match kubectl(c, &args, &base) {
                Ok(records) => records,
                Err(e) => fail(e.0, e.1),
            }
        }
        Some(other) => fail(
            format!("{other}: command not found (kubefiddle runs `kubectl …` and `sleep …`)"),
            Outcome::Invalid,
        ),
        None => vec![],
    }
}

/// `30`, `30s`, `5m`, `2h`, `1d` → seconds.
fn parse_duration(s: &str) -> Option<i64> {
    let (num, mult) = match s.chars().last()? {
        's' => (&s[..s.len() - 1], 1),
        'm' => (&s[..s.len() - 1], 60),
        'h' => (&s[..s.len() - 1], 3600),
        'd' => (&s[..s.len() - 1], 86400),
        c if c.is_ascii_digit() => (s, 1),
        _ => return None,
    };
    let n: i64 = num.parse().ok()?;
    (n >= 0).then(|| n.saturating_mul(mult))
}

type CmdError = (String, Outcome);

fn server_error(e: ApiError) -> CmdError {
    let outcome = match e.reason {
        Reason::BadRequest | Reason::Invalid => Outcome::Invalid,
        _ => Outcome::Rejected,
    };
    (e.kubectl_line(crate::status::Verb::Other, ""), outcome)
}

/// `TYPE NAME...` or `TYPE/NAME...` → the kind and the names.
fn targets(words: &[String]) -> Result<(&'static KindInfo, Vec<String>), CmdError> {
    let Some(first) = words.first() else {
        return Err((
            "error: You must provide one or more resources by argument or filename.".into(),
            Outcome::Invalid,
        ));
    };
    if let Some((res, name)) = first.split_once('/') {
        let info = object::resolve_resource(res).ok_or_else(|| no_resource(res))?;
        let mut names = vec![name.to_string()];
        for w in &words[1..] {
            match w.split_once('/') {
                Some((_, n)) => names.push(n.to_string()),
                None => names.push(w.clone()),
            }
        }
        return Ok((info, names));
    }
    let info = object::resolve_resource(first).ok_or_else(|| no_resource(first))?;
    Ok((info, words[1..].to_vec()))
}

fn no_resource(res: &str) -> CmdError {
    (
        format!("error: the server doesn't have a resource type {res:?}"),
        Outcome::Invalid,
    )
}

fn namespace_for(info: &KindInfo, args: &Args) -> String {
    if info.namespaced {
        args.namespace.clone().unwrap_or_else(|| "default".into())
    } else {
        String::new()
    }
}

fn record(
    base: &ResultRecord,
    info: &KindInfo,
    ns: &str,
    name: &str,
    outcome: Outcome,
    msg: String,
) -> ResultRecord {
    let mut r = base.clone();
    r.kind = info.kind.to_string();
    r.namespace = (!ns.is_empty()).then(|| ns.to_string());
    r.name = name.to_string();
    r.outcome = outcome;
    r.message = Some(msg);
    r
}

fn kubectl(
    c: &mut Cluster,
    args: &Args,
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let verb = args.words.first().cloned().unwrap_or_default();
    let rest = &args.words[1.min(args.words.len())..];
    match verb.as_str() {
        "delete" => delete(c, args, rest, base),
        "label" | "annotate" => label(c, args, rest, base, verb == "label"),
        "taint" => taint(c, args, rest, base),
        "cordon" | "uncordon" => cordon(c, rest, base, verb == "cordon"),
        "scale" => scale(c, args, rest, base),
        "get" => get(c, args, rest, base),
        "" => Err(("error: a kubectl command is required".into(), Outcome::Invalid)),
        other => Err((
            format!("error: unknown command {other:?} for \"kubectl\" (kubefiddle runs delete, label, annotate, taint, cordon, uncordon, scale and get)"),
            Outcome::Invalid,
        )),
    }
}

fn names_matching(
    c: &Cluster,
    info: &KindInfo,
    ns: &str,
    args: &Args,
    names: Vec<String>,
) -> Result<Vec<String>, CmdError> {
    if names.is_empty() && (args.all || args.selector.is_some()) {
        let sel = match &args.selector {
            Some(s) => {
                Some(Selector::parse(s).map_err(|e| (format!("error: {e}"), Outcome::Invalid))?)
            }
            None => None,
        };
        let list: Box<dyn Iterator<Item = &crate::store::Stored>> = if info.namespaced {
            Box::new(c.store.list_ns(info.kind, ns))
        } else {
            Box::new(c.store.list(info.kind))
        };
        return Ok(list
            .filter(|s| {
                let labels = s.obj.meta().labels.clone().unwrap_or_default();
                sel.as_ref().is_none_or(|sel| sel.matches(&labels))
            })
            .map(|s| s.obj.name().to_string())
            .collect());
    }
    if names.is_empty() {
        return Err((
            "error: resource(s) were provided, but no name was specified".to_string(),
            Outcome::Invalid,
        ));
    }
    Ok(names)
}

fn delete(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let (info, names) = targets(rest)?;
    let ns = namespace_for(info, args);
    let names = names_matching(c, info, &ns, args, names)?;
    if names.is_empty() {
        let mut r = base.clone();
        r.message = Some("No resources found".into());
        return Ok(vec![r]);
    }
    let mut out = Vec::new();
    for name in names {
        match c.delete(info, &ns, &name) {
            Ok(()) => {
                let mut msg = format!("{} {name:?} deleted", info.singular());
                // kubectl 1.34 added the namespace (kubernetes/kubectl#126619).
                if info.namespaced && c.settings.minor >= 34 {
                    msg.push_str(&format!(" from {ns} namespace"));
                }
                out.push(record(base, info, &ns, &name, Outcome::Deleted, msg));
            }
            Err(e) => {
                let (msg, outcome) = server_error(e);
                let mut r = record(base, info, &ns, &name, outcome, msg);
                r.stream = Stream::Stderr;
                r.decided_by = Some("apiserver".into());
                out.push(r);
            }
        }
    }
    Ok(out)
}

fn label(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
    is_label: bool,
) -> Result<Vec<ResultRecord>, CmdError> {
    // Resources first, then key=value / key- changes.
    let split = rest
        .iter()
        .position(|w| w.contains('=') || (w.ends_with('-') && rest.len() > 1 && !w.contains('/')))
        .unwrap_or(rest.len());
    let (res_words, changes) = rest.split_at(split.max(1).min(rest.len()));
    let (info, names) = targets(res_words)?;
    if changes.is_empty() {
        return Err((
            format!(
                "error: at least one {} update is required",
                if is_label { "label" } else { "annotation" }
            ),
            Outcome::Invalid,
        ));
    }
    let mut add: BTreeMap<String, String> = BTreeMap::new();
    let mut remove: Vec<String> = Vec::new();
    for ch in changes {
        if let Some((k, v)) = ch.split_once('=') {
            add.insert(k.to_string(), v.to_string());
        } else if let Some(k) = ch.strip_suffix('-') {
            remove.push(k.to_string());
        } else {
            return Err((
                format!(
                    "error: invalid {} format: {ch}",
                    if is_label { "label" } else { "annotation" }
                ),
                Outcome::Invalid,
            ));
        }
    }
    let ns = namespace_for(info, args);
    let names = names_matching(c, info, &ns, args, names)?;
    let mut out = Vec::new();
    for name in names {
        let key = ObjRef::new(info.kind, &ns, &name);
        let Some(current) = c.store.get(&key).map(|s| s.obj.clone()) else {
            let (msg, outcome) = server_error(ApiError::not_found(&info.resource(), &name));
            let mut r = record(base, info, &ns, &name, outcome, msg);
            r.stream = Stream::Stderr;
            out.push(r);
            continue;
        };
        let existing = if is_label {
            current.meta().labels.clone()
        } else {
            current.meta().annotations.clone()
        }
        .unwrap_or_default();
        if !args.overwrite {
            let conflicts: Vec<String> = add
                .iter()
                .filter(|(k, v)| existing.get(*k).is_some_and(|old| old != *v))
                .map(|(k, _)| format!("'{k}' already has a value ({})", existing[k]))
                .collect();
            if !conflicts.is_empty() {
                let msg = if is_label {
                    format!("error: {}, and --overwrite is false", conflicts.join(", "))
                } else {
                    format!("error: --overwrite is false but found the following declared annotation(s): {}", conflicts.join(", "))
                };
                let mut r = record(base, info, &ns, &name, Outcome::Invalid, msg);
                r.stream = Stream::Stderr;
                out.push(r);
                continue;
            }
        }
        let mut added = false;
        let mut removed = false;
        let result = c.patch(&key, |o: &mut Object| {
            let meta = o.meta_mut();
            let map = if is_label {
                &mut meta.labels
            } else {
                &mut meta.annotations
            };
            let m = map.get_or_insert_with(BTreeMap::new);
            for (k, v) in &add {
                if m.get(k) != Some(v) {
                    m.insert(k.clone(), v.clone());
                    added = true;
                }
            }
            for k in &remove {
                if m.remove(k).is_some() {
                    removed = true;
                }
            }
            if m.is_empty() {
                *map = None;
            }
        });
        match result {
            Ok(_) => {
                let word = if !is_label {
                    "annotated"
                } else {
                    match (added, removed) {
                        (true, true) => "modified",
                        (true, false) => "labeled",
                        (false, true) => "unlabeled",
                        (false, false) => "not labeled",
                    }
                };
                let outcome = if added || removed {
                    Outcome::Configured
                } else {
                    Outcome::Unchanged
                };
                out.push(record(
                    base,
                    info,
                    &ns,
                    &name,
                    outcome,
                    format!("{}/{name} {word}", info.singular()),
                ));
            }
            Err(e) => {
                let (msg, outcome) = server_error(e);
                let mut r = record(base, info, &ns, &name, outcome, msg);
                r.stream = Stream::Stderr;
                out.push(r);
            }
        }
    }
    Ok(out)
}

fn taint(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let Some(first) = rest.first() else {
        return Err((
            "error: at least one taint update is required".into(),
            Outcome::Invalid,
        ));
    };
    let (res, mut names) = match first.split_once('/') {
        Some((r, n)) => (r.to_string(), vec![n.to_string()]),
        None => (first.clone(), Vec::new()),
    };
    let info = object::resolve_resource(&res).ok_or_else(|| no_resource(&res))?;
    if info.kind != "Node" {
        return Err((
            format!("error: invalid resource type {res}, only node types are supported"),
            Outcome::Invalid,
        ));
    }
    let mut specs: Vec<&str> = Vec::new();
    for w in &rest[1..] {
        if w.contains('=') || w.contains(':') || w.ends_with('-') {
            specs.push(w);
        } else if specs.is_empty() {
            names.push(w.clone());
        } else {
            return Err((
                format!("error: all resources must be specified before taint changes: {w}"),
                Outcome::Invalid,
            ));
        }
    }
    if specs.is_empty() {
        return Err((
            "error: at least one taint update is required".into(),
            Outcome::Invalid,
        ));
    }
    let usage = |e: String| {
        (
            format!("error: {e}\nSee 'kubectl taint -h' for help and examples"),
            Outcome::Invalid,
        )
    };
    let (to_add, to_remove) = taints::parse_taint_args(&specs).map_err(usage)?;
    taints::validate_taint_changes(&to_add, &to_remove).map_err(usage)?;
    let names = names_matching(c, info, "", args, names)?;
    let mut out = Vec::new();
    for name in names {
        let key = ObjRef::new("Node", "", &name);
        let Some(node) = c.store.get(&key).and_then(|s| s.obj.as_node()).cloned() else {
            let (msg, outcome) = server_error(ApiError::not_found("nodes", &name));
            let mut r = record(base, info, "", &name, outcome, msg);
            r.stream = Stream::Stderr;
            out.push(r);
            continue;
        };
        let existing = node
            .spec
            .as_ref()
            .and_then(|s| s.taints.clone())
            .unwrap_or_default();
        match taints::apply_taints_detailed(&name, &existing, &to_add, &to_remove, args.overwrite) {
            Err(e) => {
                let mut r = record(
                    base,
                    info,
                    "",
                    &name,
                    Outcome::Invalid,
                    format!("error: {e}"),
                );
                r.stream = Stream::Stderr;
                out.push(r);
            }
            Ok(update) => {
                let new_taints = update.taints;
                let operation = update.operation.as_str();
                let result = c.patch(&key, |o| {
                    if let Object::Node(n) = o {
                        let spec = n.spec.get_or_insert_with(Default::default);
                        spec.taints = (!new_taints.is_empty()).then(|| new_taints.clone());
                    }
                });
                match result {
                    Ok(_) => out.push(record(
                        base,
                        info,
                        "",
                        &name,
                        Outcome::Configured,
                        format!("node/{name} {operation}"),
                    )),
                    Err(e) => {
                        let (msg, outcome) = server_error(e);
                        out.push(record(base, info, "", &name, outcome, msg));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn cordon(
    c: &mut Cluster,
    rest: &[String],
    base: &ResultRecord,
    on: bool,
) -> Result<Vec<ResultRecord>, CmdError> {
    let info = object::resolve_resource("nodes").ok_or_else(|| no_resource("nodes"))?;
    if rest.is_empty() {
        return Err((
            format!(
                "error: USAGE: {} NODE [flags]\nSee 'kubectl {} -h' for help and examples",
                if on { "cordon" } else { "uncordon" },
                if on { "cordon" } else { "uncordon" }
            ),
            Outcome::Invalid,
        ));
    }
    let mut out = Vec::new();
    for name in rest {
        let name = name
            .strip_prefix("node/")
            .or_else(|| name.strip_prefix("nodes/"))
            .unwrap_or(name);
        let key = ObjRef::new("Node", "", name);
        let Some(node) = c.store.get(&key).and_then(|s| s.obj.as_node()).cloned() else {
            let (msg, outcome) = server_error(ApiError::not_found("nodes", name));
            let mut r = record(base, info, "", name, outcome, msg);
            r.stream = Stream::Stderr;
            out.push(r);
            continue;
        };
        let current = node
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false);
        let word = if on { "cordoned" } else { "uncordoned" };
        if current == on {
            out.push(record(
                base,
                info,
                "",
                name,
                Outcome::Unchanged,
                format!("node/{name} already {word}"),
            ));
            continue;
        }
        let result = c.patch(&key, |o| {
            if let Object::Node(n) = o {
                n.spec.get_or_insert_with(Default::default).unschedulable = on.then_some(true);
            }
        });
        match result {
            Ok(_) => out.push(record(
                base,
                info,
                "",
                name,
                Outcome::Configured,
                format!("node/{name} {word}"),
            )),
            Err(e) => {
                let (msg, outcome) = server_error(e);
                out.push(record(base, info, "", name, outcome, msg));
            }
        }
    }
    Ok(out)
}

fn scale(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let replicas: i32 = args
        .replicas
        .as_deref()
        .and_then(|r| r.parse().ok())
        .filter(|r: &i32| *r >= 0)
        .ok_or_else(|| ("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0".to_string(), Outcome::Invalid))?;
    let (info, names) = targets(rest)?;
    if !matches!(info.kind, "Deployment" | "ReplicaSet" | "StatefulSet") {
        return Err((
            format!(
                "error: no scaler has been implemented for {{\"{}\" {:?}}}",
                info.group, info.kind
            ),
            Outcome::Invalid,
        ));
    }
    let ns = namespace_for(info, args);
    let mut out = Vec::new();
    for name in names {
        let key = ObjRef::new(info.kind, &ns, &name);
        let result = c.patch(&key, |o| match o {
            Object::Deployment(d) => {
                if let Some(s) = d.spec.as_mut() {
                    s.replicas = Some(replicas)
                }
            }
            Object::ReplicaSet(r) => {
                if let Some(s) = r.spec.as_mut() {
                    s.replicas = Some(replicas)
                }
            }
            Object::StatefulSet(s) => {
                if let Some(s) = s.spec.as_mut() {
                    s.replicas = Some(replicas)
                }
            }
            _ => {}
        });
        match result {
            Ok(_) => out.push(record(
                base,
                info,
                &ns,
                &name,
                Outcome::Configured,
                format!("{}/{name} scaled", info.singular()),
            )),
            Err(e) => {
                let (msg, outcome) = server_error(e);
                let mut r = record(base, info, &ns, &name, outcome, msg);
                r.stream = Stream::Stderr;
                out.push(r);
            }
        }
    }
    Ok(out)
}

fn get(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let Some(res) = rest.first() else {
        return Err((
            "error: You must specify the type of resource to get.".into(),
            Outcome::Invalid,
        ));
    };
    let info = object::resolve_resource(res).ok_or_else(|| no_resource(res))?;
    let text = match info.kind {
        "Pod" if args.all_namespaces || args.output.as_deref() == Some("wide") => {
            printers::pods_wide(&c.store)
        }
        "Pod" => printers::pods(&c.store, args.namespace.as_deref().unwrap_or("default")),
        "Node" => printers::nodes(&c.store),
        "Event" => printers::events(&c.store, false),
        other => {
            return Err((
                format!("error: kubefiddle prints pods, nodes and events; not {other}"),
                Outcome::Invalid,
            ));
        }
    };
    let mut r = base.clone();
    r.kind = info.kind.to_string();
    r.message = Some(text.trim_end().to_string());
    Ok(vec![r])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_like_a_shell() {
        assert_eq!(
            tokenize("kubectl label pod web 'note=a b'"),
            ["kubectl", "label", "pod", "web", "note=a b"]
        );
        assert_eq!(tokenize("  sleep   5m "), ["sleep", "5m"]);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Some(30));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("2h"), Some(7200));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("-3s"), None);
    }
}
