//! Scenario steps: kubectl-like commands, written as a person types them.
//!
//! ```text
//! $ kubectl label nodes kind-worker disktype=ssd
//! $ kubectl taint nodes kind-worker dedicated=gpu:NoSchedule
//! $ kubectl cordon kind-worker2
//! $ kubectl drain kind-worker --ignore-daemonsets --delete-emptydir-data
//! $ kubectl scale deployment web --replicas=5
//! $ kubectl delete pod web
//! $ kubectl run web --image=nginx -n team --as alice
//! $ kubectl auth can-i create pods -n team --as alice
//! $ kubectl exec web -c nginx -- ls /
//! $ sleep 5m
//! ```
//!
//! Supported: `delete`, `label`, `annotate`, `taint`, `cordon`, `uncordon`, `drain`
//! (`steps/drain.rs`), `scale`, `get`
//! (pods, nodes, events), `run`, `exec` (`steps/exec.rs`), `auth can-i` (and `--list`), and
//! `sleep` to advance the
//! simulated clock. Output lines and errors follow kubectl
//! (`pkg/cmd/{delete,label,annotate,taint,drain,scale,get,run}` and `pkg/cmd/auth/cani.go` in
//! kubernetes/kubectl; `drain.go` for cordon/uncordon).
//!
//! Every command takes kubectl's global `--as`, `--as-group` and `--as-uid`: the scenario's
//! user must be allowed to impersonate (auth/impersonation.rs), and each request the command
//! makes is then authorized as the impersonated user — including the GET kubectl makes before
//! it labels, taints, cordons or scales an object, the LIST of `get` and of `-l`/`--all`, and
//! the PATCH of a `scale` subresource.

mod drain;
mod exec;

use std::collections::BTreeMap;

use crate::apiserver::Cluster;
use crate::labels::Selector;
use crate::object::{self, KindInfo, Object};
use crate::printers;
use crate::scenario::{Outcome, ResultRecord, Stream};
use crate::settings::UserInfo;
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
    /// kubectl's global impersonation flags `--as`, `--as-group` (repeatable), `--as-uid`.
    as_user: Option<String>,
    as_groups: Vec<String>,
    as_uid: Option<String>,
    /// `auth can-i` flags.
    list: bool,
    quiet: bool,
    no_headers: bool,
    subresource: Option<String>,
    /// `run` flags.
    image: Option<String>,
    labels: Option<String>,
    restart: Option<String>,
    /// `drain` flags.
    ignore_daemonsets: bool,
    delete_emptydir_data: bool,
    force: bool,
    timeout: Option<String>,
    /// `exec` flags, and the words after `--` (`None` without a `--`).
    container: Option<String>,
    stdin: bool,
    tty: bool,
    after_dash: Option<Vec<String>>,
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
            words.get(i).cloned().ok_or_else(|| {
                match name.strip_prefix('-').filter(|s| !s.starts_with('-')) {
                    // pflag's shorthand form.
                    Some(short) => format!("error: flag needs an argument: '{short}' in {name}"),
                    None => format!("error: flag needs an argument: {name}"),
                }
            })
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
            "--as" => a.as_user = Some(value("--as")?),
            s if s.starts_with("--as=") => a.as_user = Some(value("--as")?),
            "--as-group" => a.as_groups.push(value("--as-group")?),
            s if s.starts_with("--as-group=") => a.as_groups.push(value("--as-group")?),
            "--as-uid" => a.as_uid = Some(value("--as-uid")?),
            s if s.starts_with("--as-uid=") => a.as_uid = Some(value("--as-uid")?),
            "--list" | "--list=true" => a.list = true,
            "-q" | "--quiet" | "--quiet=true" => a.quiet = true,
            "--no-headers" | "--no-headers=true" => a.no_headers = true,
            "--subresource" => a.subresource = Some(value("--subresource")?),
            s if s.starts_with("--subresource=") => a.subresource = Some(value("--subresource")?),
            "--image" => a.image = Some(value("--image")?),
            s if s.starts_with("--image=") => a.image = Some(value("--image")?),
            "--labels" => a.labels = Some(value("--labels")?),
            s if s.starts_with("--labels=") => a.labels = Some(value("--labels")?),
            "--restart" => a.restart = Some(value("--restart")?),
            s if s.starts_with("--restart=") => a.restart = Some(value("--restart")?),
            "--ignore-daemonsets" | "--ignore-daemonsets=true" => a.ignore_daemonsets = true,
            "--delete-emptydir-data" | "--delete-emptydir-data=true" => {
                a.delete_emptydir_data = true
            }
            "--force" | "--force=true" => a.force = true,
            "--timeout" => a.timeout = Some(value("--timeout")?),
            s if s.starts_with("--timeout=") => a.timeout = Some(value("--timeout")?),
            "-c" | "--container" => a.container = Some(value(w)?),
            s if s.starts_with("--container=") => a.container = Some(value("--container")?),
            "-i" | "--stdin" | "--stdin=true" => a.stdin = true,
            "-t" | "--tty" | "--tty=true" => a.tty = true,
            "-it" | "-ti" => (a.stdin, a.tty) = (true, true),
            "--" => {
                a.after_dash = Some(words[i + 1..].to_vec());
                break;
            }
            s if s.starts_with("--") => return Err(format!("error: unknown flag: {s}")),
            _ => a.words.push(w.clone()),
        }
        i += 1;
    }
    Ok(a)
}

/// A flag error as kubectl's templater prints it (`FlagErrorFunc` in
/// `pkg/util/templates/templater.go`): the error, then where to look for the usage.
fn flag_error(e: String, words: &[String]) -> String {
    if !e.starts_with("error: unknown") && !e.starts_with("error: flag needs") {
        return e;
    }
    // The subcommand: the first word that is neither a flag nor a flag's value.
    const TAKES_VALUE: &[&str] = &[
        "-n",
        "--namespace",
        "-o",
        "--output",
        "-c",
        "--container",
        "-l",
        "--selector",
        "--as",
        "--as-group",
        "--as-uid",
        "--image",
        "--labels",
        "--restart",
        "--timeout",
        "--subresource",
        "--replicas",
        "-f",
        "--filename",
    ];
    let mut commands = words.iter().enumerate().filter(|(i, w)| {
        !w.starts_with('-') && (*i == 0 || !TAKES_VALUE.contains(&words[i - 1].as_str()))
    });
    // `CommandPath`: the subcommand too for the commands that have them.
    let verb = match commands.next() {
        Some((_, v)) if matches!(v.as_str(), "create" | "rollout" | "auth" | "set") => {
            match commands.next() {
                Some((_, sub)) => format!(" {v} {sub}"),
                None => format!(" {v}"),
            }
        }
        Some((_, v)) => format!(" {v}"),
        None => String::new(),
    };
    format!("{e}\nSee 'kubectl{verb} --help' for usage.")
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
                    // Time passes: the cluster settles at every moment something is due
                    // (a scheduled eviction, a Job's pod finishing) before the end.
                    let end = c.store.now.saturating_add(secs);
                    crate::controllers::settle(c);
                    for _ in 0..10_000 {
                        match crate::controllers::next_deadline(c).filter(|t| *t < end) {
                            Some(t) => {
                                c.store.advance(t.saturating_sub(c.store.now));
                                crate::controllers::settle(c);
                            }
                            None => break,
                        }
                    }
                    c.store.advance(end.saturating_sub(c.store.now));
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
                Err(e) => return fail(flag_error(e, &words[1..]), Outcome::Invalid),
            };
            // kubectl 1.20's exec had no --quiet (added in 1.21).
            if c.settings.minor < 21
                && args.quiet
                && args.words.first().map(String::as_str) == Some("exec")
            {
                let flag = words
                    .iter()
                    .find(|w| matches!(w.as_str(), "-q" | "--quiet" | "--quiet=true"))
                    .cloned()
                    .unwrap_or_default();
                let e = if flag.starts_with("--") {
                    format!(
                        "error: unknown flag: {}",
                        flag.split('=').next().unwrap_or("")
                    )
                } else {
                    "error: unknown shorthand flag: 'q' in -q".to_string()
                };
                return fail(flag_error(e, &words[1..]), Outcome::Invalid);
            }
            // The global --as flags: every request of the command is made as that user.
            let requester = c.settings.user.clone();
            match acting_user(c, &args) {
                Ok(user) => c.settings.user = user,
                Err((msg, outcome, by)) => {
                    let mut r = fail(msg, outcome);
                    if let Some(r) = r.first_mut() {
                        r.decided_by = Some(by);
                    }
                    return r;
                }
            }
            let result = kubectl(c, &args, &base);
            c.settings.user = requester;
            match result {
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
        "drain" => drain::drain(c, args, rest, base),
        "scale" => scale(c, args, rest, base),
        "get" => get(c, args, rest, base),
        "run" => run(c, args, rest, base),
        "exec" => exec::exec(c, args, rest, base),
        "auth" => match rest.first().map(String::as_str) {
            Some("can-i") => can_i(c, args, &rest[1..], base),
            Some(other) => Err((
                format!("error: unknown command {other:?} for \"kubectl auth\" (kubefiddle runs auth can-i)"),
                Outcome::Invalid,
            )),
            None => Err((
                "error: a kubectl auth command is required (kubefiddle runs auth can-i)".into(),
                Outcome::Invalid,
            )),
        },
        "" => Err(("error: a kubectl command is required".into(), Outcome::Invalid)),
        other => Err((
            format!("error: unknown command {other:?} for \"kubectl\" (kubefiddle runs delete, label, annotate, taint, cordon, uncordon, drain, scale, get, run, exec and auth can-i)"),
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
        allowed(c, "list", info, "", ns, "").map_err(server_error)?;
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
    // Resources first, then key=value / key- changes (cmdutil.GetResourcesAndPairs).
    let pair_type = if is_label { "label" } else { "annotation" };
    let mut res_words: Vec<String> = Vec::new();
    let mut changes: Vec<String> = Vec::new();
    for w in rest {
        let is_pair = (w.contains('=') && !w.starts_with('=')) || (w.ends_with('-') && w != "-");
        if is_pair {
            changes.push(w.clone());
        } else if changes.is_empty() {
            res_words.push(w.clone());
        } else {
            return Err((
                format!("error: all resources must be specified before {pair_type} changes: {w}"),
                Outcome::Invalid,
            ));
        }
    }
    let (res_words, changes) = (res_words.as_slice(), changes.as_slice());
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
        // kubectl GETs the object before patching it.
        if let Err(e) = allowed(c, "get", info, "", &ns, &name) {
            out.push(error_record(base, info, &ns, &name, e));
            continue;
        }
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
        if let Err(e) = allowed(c, "get", info, "", "", &name) {
            out.push(error_record(base, info, "", &name, e));
            continue;
        }
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
        if let Err(e) = allowed(c, "get", info, "", "", name) {
            out.push(error_record(base, info, "", name, e));
            continue;
        }
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
        // kubectl GETs the object, then PATCHes its scale subresource.
        if let Err(e) = allowed(c, "get", info, "", &ns, &name)
            .and_then(|()| allowed(c, "patch", info, "scale", &ns, &name))
        {
            out.push(error_record(base, info, &ns, &name, e));
            continue;
        }
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
    let list_ns = if info.namespaced && !args.all_namespaces {
        args.namespace.clone().unwrap_or_else(|| "default".into())
    } else {
        String::new()
    };
    if let Err(e) = allowed(c, "list", info, "", &list_ns, "") {
        return Ok(vec![error_record(base, info, &list_ns, "", e)]);
    }
    let wide = args.output.as_deref() == Some("wide");
    let scope = (!list_ns.is_empty()).then_some(list_ns.as_str());
    // Named objects (`kubectl get svc nginx`): the found ones in the table, a NotFound error
    // for each missing one.
    let names: Vec<String> = rest.iter().skip(1).cloned().collect();
    let mut missing = Vec::new();
    let mut found = Vec::new();
    if !matches!(info.kind, "Pod" | "Node" | "Event") {
        for n in &names {
            let ns = if info.namespaced {
                list_ns.as_str()
            } else {
                ""
            };
            if c.store.get_obj(info.kind, ns, n).is_some() {
                found.push(n.clone());
            } else {
                missing.push(error_record(
                    base,
                    info,
                    ns,
                    n,
                    crate::status::ApiError::not_found(&info.resource(), n),
                ));
            }
        }
        if !names.is_empty() && found.is_empty() {
            return Ok(missing);
        }
    }
    let names = &found;
    let text = match info.kind {
        "Pod" if args.all_namespaces => printers::pods_wide(&c.store),
        // `-o wide` in one namespace: no NAMESPACE column.
        "Pod" if wide => printers::pods_wide_in(&c.store, scope),
        "Pod" => printers::pods(&c.store, args.namespace.as_deref().unwrap_or("default")),
        "Node" => printers::nodes(&c.store),
        "Event" => printers::events(&c.store, scope, false),
        "Service" => printers::services(&c.store, scope, names, wide),
        "Endpoints" => printers::endpoints(&c.store, scope, names),
        "EndpointSlice" => printers::endpoint_slices(&c.store, scope, names),
        "PersistentVolume" => printers::persistent_volumes(&c.store, names, c.settings.minor, wide),
        "PersistentVolumeClaim" => {
            printers::persistent_volume_claims(&c.store, scope, names, c.settings.minor, wide)
        }
        "StorageClass" => printers::storage_classes(&c.store, names),
        "StatefulSet" => printers::stateful_sets(&c.store, scope, names, wide),
        "ServiceAccount" => printers::service_accounts(&c.store, scope, names),
        "Secret" => printers::secrets(&c.store, scope, names),
        "ConfigMap" => printers::config_maps(&c.store, scope, names),
        "Namespace" => printers::namespaces(&c.store, names),
        other => {
            return Err((
                format!("error: kubefiddle prints pods, nodes, events, services, endpoints, endpointslices, pv, pvc, storageclasses, statefulsets, serviceaccounts, secrets, configmaps and namespaces; not {other}"),
                Outcome::Invalid,
            ));
        }
    };
    let mut r = base.clone();
    r.kind = info.kind.to_string();
    r.message = Some(text.trim_end().to_string());
    // The API server's deprecation warning for v1 Endpoints (KEP-4974, from 1.33).
    if info.kind == "Endpoints" && c.settings.minor >= 33 {
        c.warnings.push(
            "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice".into(),
        );
    }
    let mut out = vec![r];
    out.extend(missing);
    Ok(out)
}

/// The user a command's requests are made as: the scenario's user, or the one `--as` /
/// `--as-group` / `--as-uid` impersonate (the scenario's user must be allowed to). Errors are
/// kubectl's line, its outcome and who decided.
fn acting_user(c: &Cluster, args: &Args) -> Result<UserInfo, (String, Outcome, String)> {
    let requester = c.settings.user.clone();
    let user = args.as_user.as_deref().filter(|u| !u.is_empty());
    let Some(user) = user else {
        if !args.as_groups.is_empty() || args.as_uid.as_deref().is_some_and(|u| !u.is_empty()) {
            // client-go's kubeconfig validation (clientcmd validateAuthInfo) for kind's user.
            return Err((
                "error: invalid configuration: requesting uid, groups or user-extra for kind-kind without impersonating a user".into(),
                Outcome::Invalid,
                "kubectl".into(),
            ));
        }
        return Ok(requester);
    };
    crate::auth::impersonation::impersonate(
        &c.store,
        &requester,
        user,
        &args.as_groups,
        args.as_uid.as_deref().filter(|u| !u.is_empty()),
    )
    .map_err(|e| {
        let (msg, outcome) = server_error(e);
        (msg, outcome, "impersonation".into())
    })
}

/// Authorizes one request kubectl makes as the command's user.
fn allowed(
    c: &Cluster,
    verb: &str,
    info: &KindInfo,
    subresource: &str,
    ns: &str,
    name: &str,
) -> Result<(), ApiError> {
    crate::auth::check(
        &c.store,
        &c.settings.user,
        verb,
        info,
        subresource,
        ns,
        name,
    )
}

fn error_record(
    base: &ResultRecord,
    info: &KindInfo,
    ns: &str,
    name: &str,
    e: ApiError,
) -> ResultRecord {
    let by = e.source.clone();
    let (msg, outcome) = server_error(e);
    let mut r = record(base, info, ns, name, outcome, msg);
    r.stream = Stream::Stderr;
    r.decided_by = Some(by);
    r
}

/// `kubectl run NAME --image=IMAGE [--labels=k=v,…] [--restart=Always|OnFailure|Never]`: creates
/// the pod kubectl's `run-pod/v1` generator builds (label `run=NAME`, one container named NAME,
/// `dnsPolicy: ClusterFirst`), with a POST, so a refusal reads `pods is forbidden: User … cannot
/// create resource "pods"`. Follows kubectl `pkg/cmd/run/run.go` and
/// `pkg/generate/versioned/run.go`.
fn run(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let Some(image) = args.image.clone() else {
        return Err((
            "error: required flag(s) \"image\" not set".into(),
            Outcome::Invalid,
        ));
    };
    let usage = |m: String| {
        (
            format!("error: {m}\nSee 'kubectl run -h' for help and examples"),
            Outcome::Invalid,
        )
    };
    let Some(name) = rest.first().cloned() else {
        return Err(usage("NAME is required for run".into()));
    };
    if image.is_empty() {
        return Err(("error: --image is required".into(), Outcome::Invalid));
    }
    let restart = match args.restart.as_deref().unwrap_or("Always") {
        "" | "Always" => "Always",
        "OnFailure" => "OnFailure",
        "Never" => "Never",
        other => return Err(usage(format!("invalid restart policy: {other}"))),
    };
    let mut labels = serde_json::Map::new();
    match args.labels.as_deref().or(args.selector.as_deref()) {
        None | Some("") => {
            labels.insert("run".into(), serde_json::Value::String(name.clone()));
        }
        Some(spec) => {
            for pair in spec.split(',') {
                let Some((k, v)) = pair.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                    return Err((
                        format!("error: invalid label spec: {pair}"),
                        Outcome::Invalid,
                    ));
                };
                labels.insert(k.to_string(), serde_json::Value::String(v.to_string()));
            }
        }
    }
    let info = object::resolve_resource("pods").ok_or_else(|| no_resource("pods"))?;
    let ns = namespace_for(info, args);
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": [{"name": name, "image": image, "resources": {}}],
                 "dnsPolicy": "ClusterFirst", "restartPolicy": restart}});
    if let Err(e) = allowed(c, "create", info, "", &ns, "") {
        return Ok(vec![error_record(base, info, &ns, &name, e)]);
    }
    let obj = match crate::apiserver::decode_value(pod) {
        Ok(o) => o,
        Err(e) => {
            return Err((
                format!("error: {}", e.server_message().unwrap_or_default()),
                Outcome::Invalid,
            ))
        }
    };
    let user = c.settings.user.clone();
    let created = c.create_internal(obj, &user);
    let r = match created {
        Ok(_) => record(
            base,
            info,
            &ns,
            &name,
            Outcome::Created,
            format!("pod/{name} created"),
        ),
        Err(e) => error_record(base, info, &ns, &name, e),
    };
    Ok(vec![r])
}

/// Whether `user` may create the review `resource` (`selfsubjectaccessreviews`,
/// `selfsubjectrulesreviews`); the Forbidden error otherwise.
fn review_allowed(c: &Cluster, user: &UserInfo, resource: &str) -> Result<(), ApiError> {
    let req = crate::auth::Request {
        verb: "create".into(),
        api_group: "authorization.k8s.io".into(),
        resource: resource.into(),
        ..crate::auth::Request::default()
    };
    match crate::auth::authorize(&c.store, user, &req) {
        crate::auth::Decision::Allow => Ok(()),
        crate::auth::Decision::Deny(reason) => Err(ApiError::forbidden(
            &format!("{resource}.authorization.k8s.io"),
            "",
            &crate::auth::forbidden_message(user, &req, &reason),
            "RBAC",
        )),
    }
}

/// Verbs `kubectl auth can-i` knows for resources, by kubectl version (`approve` from 1.31;
/// `sign`, `escalate`, `attest` from 1.32).
fn known_resource_verb(verb: &str, minor: u32) -> bool {
    const BASE: &[&str] = &[
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
        "use",
        "bind",
        "impersonate",
        "*",
    ];
    BASE.contains(&verb)
        || (minor >= 31 && verb == "approve")
        || (minor >= 32 && matches!(verb, "sign" | "escalate" | "attest"))
}

const NON_RESOURCE_VERBS: &[&str] = &[
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];

/// Resources a real cluster serves that kubefiddle does not simulate, for `can-i` to resolve
/// as kubectl's RESTMapper would: (resource, short names, group, namespaced, first minor served
/// by default).
const OTHER_RESOURCES: &[(&str, &[&str], &str, bool, u32)] = &[
    ("bindings", &[], "", true, 0),
    ("componentstatuses", &["cs"], "", false, 0),
    ("podtemplates", &[], "", true, 0),
    ("replicationcontrollers", &["rc"], "", true, 0),
    (
        "customresourcedefinitions",
        &["crd", "crds"],
        "apiextensions.k8s.io",
        false,
        0,
    ),
    ("apiservices", &[], "apiregistration.k8s.io", false, 0),
    ("controllerrevisions", &[], "apps", true, 0),
    // authentication.k8s.io/v1beta1 SelfSubjectReview: on by default from 1.27.
    (
        "selfsubjectreviews",
        &[],
        "authentication.k8s.io",
        false,
        27,
    ),
    ("tokenreviews", &[], "authentication.k8s.io", false, 0),
    (
        "localsubjectaccessreviews",
        &[],
        "authorization.k8s.io",
        true,
        0,
    ),
    (
        "selfsubjectaccessreviews",
        &[],
        "authorization.k8s.io",
        false,
        0,
    ),
    (
        "selfsubjectrulesreviews",
        &[],
        "authorization.k8s.io",
        false,
        0,
    ),
    (
        "subjectaccessreviews",
        &[],
        "authorization.k8s.io",
        false,
        0,
    ),
    ("horizontalpodautoscalers", &["hpa"], "autoscaling", true, 0),
    ("leases", &[], "coordination.k8s.io", true, 0),
    ("endpointslices", &[], "discovery.k8s.io", true, 0),
    ("flowschemas", &[], "flowcontrol.apiserver.k8s.io", false, 0),
    (
        "prioritylevelconfigurations",
        &[],
        "flowcontrol.apiserver.k8s.io",
        false,
        0,
    ),
    ("csidrivers", &[], "storage.k8s.io", false, 0),
    ("csinodes", &[], "storage.k8s.io", false, 0),
    ("csistoragecapacities", &[], "storage.k8s.io", true, 0),
    ("volumeattachments", &[], "storage.k8s.io", false, 0),
];

/// kubectl's `resourceFor` for `can-i`: (group, resource, namespaced) of a known resource; an
/// unknown one is used as typed, in the core group, after a warning.
fn can_i_resource(
    arg: &str,
    minor: u32,
    warnings: &mut Vec<String>,
    nl: &str,
) -> (String, String, Option<bool>) {
    if arg == "*" {
        return (String::new(), "*".into(), Some(true));
    }
    let lower = arg.to_ascii_lowercase();
    if let Some(info) =
        object::resolve_resource(&lower).filter(|i| object::resource_served_in(i, minor))
    {
        return (
            info.group.to_string(),
            info.plural.to_string(),
            Some(info.namespaced),
        );
    }
    let (name, group) = match lower.split_once('.') {
        Some((n, g)) => (n.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    if let Some((plural, _, g, namespaced, _)) =
        OTHER_RESOURCES.iter().find(|(plural, short, g, _, from)| {
            minor >= *from
                && group.as_deref().is_none_or(|want| want == *g)
                && (*plural == name
                    || plural.strip_suffix('s') == Some(name.as_str())
                    || short.contains(&name.as_str()))
        })
    {
        return (g.to_string(), plural.to_string(), Some(*namespaced));
    }
    if !matches!(lower.as_str(), "users" | "groups") {
        match &group {
            None => warnings.push(format!(
                "the server doesn't have a resource type '{name}'{nl}"
            )),
            Some(g) => warnings.push(format!(
                "the server doesn't have a resource type '{name}' in group '{g}'{nl}"
            )),
        }
    }
    (String::new(), arg.to_string(), None)
}

/// `kubectl auth can-i VERB TYPE[/NAME] | NONRESOURCEURL` and `--list`: a SelfSubjectAccessReview
/// (SelfSubjectRulesReview) made as the command's user. Prints `yes`, or `no` (with ` - reason`
/// when the review has one) and fails with exit status 1. Follows kubectl
/// `pkg/cmd/auth/cani.go`; the warnings are printed by cli-runtime's WarningPrinter, which
/// (from 1.25) adds a newline to messages that already end with one.
fn can_i(
    c: &mut Cluster,
    args: &Args,
    rest: &[String],
    base: &ResultRecord,
) -> Result<Vec<ResultRecord>, CmdError> {
    let minor = c.settings.minor;
    let nl = if minor >= 25 { "\n" } else { "" };
    let ns = if args.all_namespaces {
        String::new()
    } else {
        args.namespace.clone().unwrap_or_else(|| "default".into())
    };
    let user = c.settings.user.clone();
    let mut r = base.clone();
    r.namespace = (!ns.is_empty()).then(|| ns.clone());
    // Creating the review is itself authorized (system:basic-user grants it).
    let review_allowed = |c: &Cluster, resource: &str| review_allowed(c, &user, resource);
    let server_failure = |mut r: ResultRecord, e: ApiError| {
        let by = e.source.clone();
        let (msg, outcome) = server_error(e);
        r.outcome = outcome;
        r.message = Some(msg);
        r.stream = Stream::Stderr;
        r.decided_by = Some(by);
        vec![r]
    };
    if args.list {
        if !rest.is_empty() {
            return Err((
                "error: list option must be specified with no arguments".into(),
                Outcome::Invalid,
            ));
        }
        if args.quiet || args.all_namespaces || args.subresource.is_some() {
            return Err(("error: list option can't be specified with neither quiet, all-namespaces nor subresource options".into(), Outcome::Invalid));
        }
        if let Err(e) = review_allowed(c, "selfsubjectrulesreviews") {
            return Ok(server_failure(r, e));
        }
        let review = crate::auth::review::rules_review(&c.store, &user, &ns);
        let rows = crate::auth::review::access_rows(&review.rules);
        let header = ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"];
        let text = if args.no_headers {
            let t = printers::table(&["", "", "", ""], &rows);
            t.split_once('\n')
                .map(|(_, rest)| rest.to_string())
                .unwrap_or_default()
        } else {
            printers::table(&header, &rows)
        };
        r.message = Some(text.trim_end().to_string());
        return Ok(vec![r]);
    }
    let [verb, target] = rest else {
        let msg = if minor >= 26 {
            "error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples."
        } else {
            "error: you must specify two or three arguments: verb, resource, and optional resourceName"
        };
        return Err((msg.into(), Outcome::Invalid));
    };
    let mut warnings: Vec<String> = Vec::new();
    let decision;
    if target.starts_with('/') {
        if args.subresource.is_some() {
            return Err((
                "error: --subresource can not be used with NonResourceURL".into(),
                Outcome::Invalid,
            ));
        }
        if !NON_RESOURCE_VERBS.contains(&verb.as_str()) {
            warnings.push(format!("verb '{verb}' is not a known verb{nl}"));
        }
        if args.no_headers {
            return Err((
                "error: --no-headers cannot be set without --list specified".into(),
                Outcome::Invalid,
            ));
        }
        if let Err(e) = review_allowed(c, "selfsubjectaccessreviews") {
            // kubectl's warnings reach stderr before the response.
            c.warnings.extend(warnings);
            return Ok(server_failure(r, e));
        }
        // A path has no namespace.
        r.namespace = None;
        let req = crate::auth::NonResourceRequest {
            verb: verb.clone(),
            path: target.clone(),
        };
        decision = crate::auth::authorize_non_resource(&c.store, &user, &req);
    } else {
        let (resource_arg, name) = match target.split_once('/') {
            Some((res, name)) => (res, name),
            None => (target.as_str(), ""),
        };
        let (group, resource, namespaced) = can_i_resource(resource_arg, minor, &mut warnings, nl);
        if !args.all_namespaces {
            if namespaced == Some(false) {
                warnings.push(if group.is_empty() {
                    format!("resource '{resource}' is not namespace scoped{nl}")
                } else {
                    format!("resource '{resource}' is not namespace scoped in group '{group}'{nl}")
                });
            }
            if !known_resource_verb(verb, minor) {
                warnings.push(format!("verb '{verb}' is not a known verb{nl}"));
            }
        }
        if args.no_headers {
            return Err((
                "error: --no-headers cannot be set without --list specified".into(),
                Outcome::Invalid,
            ));
        }
        if let Err(e) = review_allowed(c, "selfsubjectaccessreviews") {
            // kubectl's warnings reach stderr before the response.
            c.warnings.extend(warnings);
            return Ok(server_failure(r, e));
        }
        let req = crate::auth::Request {
            verb: verb.clone(),
            api_group: group,
            resource,
            subresource: args.subresource.clone().unwrap_or_default(),
            namespace: ns.clone(),
            name: name.to_string(),
        };
        decision = crate::auth::authorize(&c.store, &user, &req);
    }
    c.warnings.extend(warnings);
    match decision {
        crate::auth::Decision::Allow => {
            r.message = (!args.quiet).then(|| "yes".to_string());
        }
        crate::auth::Decision::Deny(reason) => {
            r.outcome = Outcome::Rejected;
            r.decided_by = Some("RBAC".into());
            let mut text = "no".to_string();
            if !reason.is_empty() {
                text.push_str(" - ");
                text.push_str(&reason);
            }
            r.message = (!args.quiet).then_some(text);
        }
    }
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

    /// Runs `commands` (one step each) after `setup` on a fresh cluster of 1.`minor`; returns the
    /// terminal output of the steps only.
    fn terminal(minor: u32, setup: &str, commands: &[&str]) -> String {
        let mut text = format!(
            "apiVersion: kubefiddle.dev/v1alpha1\nkind: Settings\nkubernetesVersion: \"1.{minor}\"\n---\n{setup}\n---\n"
        );
        for c in commands {
            text.push_str(&format!("$ {c}\n"));
        }
        let run = crate::scenario::run(&[crate::scenario::Input::new("t.yaml", text)]);
        let out = run.kubectl_output();
        let start = out.find("$ ").unwrap_or(0);
        out[start..].to_string()
    }

    const VIEWER: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: v, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: vic}]";

    #[test]
    fn can_i_answers_table() {
        #[rustfmt::skip]
        let cases: &[(&str, &str)] = &[
            ("kubectl auth can-i list pods --as vic", "yes\n"),
            ("kubectl auth can-i list pods -n kube-system --as vic", "no\n"),
            ("kubectl auth can-i get pods/web --as vic", "yes\n"),
            ("kubectl auth can-i get po --subresource=log --as vic", "yes\n"),
            ("kubectl auth can-i create pods --as vic", "no\n"),
            ("kubectl auth can-i get /readyz --as vic", "yes\n"),
            ("kubectl auth can-i get /logs/ --as vic", "no\n"),
            ("kubectl auth can-i -q create pods --as vic", ""),
            ("kubectl auth can-i create pods", "yes\n"),
            ("kubectl auth can-i get users --as vic", "no\n"),
            ("kubectl auth can-i list nodes -A --as vic", "no\n"),
            ("kubectl auth can-i list nodes --as vic", "Warning: resource 'nodes' is not namespace scoped\n\nno\n"),
            ("kubectl auth can-i approve certificatesigningrequests.certificates.k8s.io -A --as vic", "no\n"),
            ("kubectl auth can-i approve pods --as vic", "no\n"),
            ("kubectl auth can-i get /healthz --subresource=x", "error: --subresource can not be used with NonResourceURL\n"),
        ];
        for (command, want) in cases {
            let out = terminal(34, VIEWER, &[command]);
            assert_eq!(out, format!("$ {command}\n{want}"), "{command}");
        }
    }

    #[test]
    fn can_i_follows_kubectls_version() {
        let unknown_verb = "kubectl auth can-i approve pods --as vic";
        assert_eq!(
            terminal(30, VIEWER, &[unknown_verb]),
            format!("$ {unknown_verb}\nWarning: verb 'approve' is not a known verb\n\nno\n")
        );
        assert_eq!(
            terminal(31, VIEWER, &[unknown_verb]),
            format!("$ {unknown_verb}\nno\n")
        );
        let sign = "kubectl auth can-i sign pods --as vic";
        assert!(terminal(31, VIEWER, &[sign]).contains("Warning: verb 'sign'"));
        assert!(!terminal(32, VIEWER, &[sign]).contains("Warning"));
        // 1.24's kubectl printed its warnings itself, without the WarningPrinter's extra line.
        let nodes = "kubectl auth can-i list nodes --as vic";
        assert_eq!(
            terminal(24, VIEWER, &[nodes]),
            format!("$ {nodes}\nWarning: resource 'nodes' is not namespace scoped\nno\n")
        );
        let three = "kubectl auth can-i get pods web";
        assert_eq!(
            terminal(25, VIEWER, &[three]),
            format!("$ {three}\nerror: you must specify two or three arguments: verb, resource, and optional resourceName\n")
        );
        assert!(terminal(26, VIEWER, &[three]).contains("you must specify two arguments"));
        // selfsubjectreviews: served, and granted to everyone, from 1.27.
        let review =
            "kubectl auth can-i create selfsubjectreviews.authentication.k8s.io -A --as vic";
        assert_eq!(
            terminal(26, VIEWER, &[review]),
            format!("$ {review}\nWarning: the server doesn't have a resource type 'selfsubjectreviews' in group 'authentication.k8s.io'\n\nno\n")
        );
        assert_eq!(
            terminal(27, VIEWER, &[review]),
            format!("$ {review}\nyes\n")
        );
    }

    #[test]
    fn can_i_list_prints_kubectls_table() {
        let out = terminal(
            34,
            VIEWER,
            &["kubectl auth can-i --list --no-headers --as nobody"],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[1],
            // Without the header, the columns are as wide as their widest cell (plus 3).
            "selfsubjectreviews.authentication.k8s.io        []             []    [create]"
        );
        assert_eq!(lines.len(), 1 + 3 + 16);
        assert!(lines.iter().all(|l| !l.starts_with("Resources")));
        let with_header = terminal(34, VIEWER, &["kubectl auth can-i --list --as vic"]);
        assert!(with_header.contains(
            "\nResources                                       Non-Resource URLs   Resource Names   Verbs\n"
        ));
        assert!(with_header.contains("\npods                                            []                  []               [get list watch]\n"));
    }

    #[test]
    fn impersonation_needs_permission_and_restores_the_user() {
        let setup = "apiVersion: kubefiddle.dev/v1alpha1\nkind: Settings\nuser: vic";
        let text = format!(
            "{setup}\n---\n$ kubectl get pods --as root\n$ kubectl auth can-i get pods --as-uid 42\n$ kubectl auth can-i create pods\n"
        );
        let run = crate::scenario::run(&[crate::scenario::Input::new("t.yaml", text)]);
        assert_eq!(
            run.kubectl_output(),
            "$ kubectl get pods --as root\nError from server (Forbidden): users \"root\" is forbidden: User \"vic\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope\n\
             $ kubectl auth can-i get pods --as-uid 42\nerror: invalid configuration: requesting uid, groups or user-extra for kind-kind without impersonating a user\n\
             $ kubectl auth can-i create pods\nno\n"
        );
        // The admin may impersonate; the next command is the admin's again.
        let out = terminal(
            34,
            VIEWER,
            &[
                "kubectl run a --image=nginx --as vic",
                "kubectl run a --image=nginx",
            ],
        );
        assert_eq!(
            out,
            "$ kubectl run a --image=nginx --as vic\nError from server (Forbidden): pods is forbidden: User \"vic\" cannot create resource \"pods\" in API group \"\" in the namespace \"default\"\n$ kubectl run a --image=nginx\npod/a created\n"
        );
    }

    #[test]
    fn run_builds_kubectls_pod() {
        let text = "$ kubectl run web --image=nginx:1.27 --labels=app=web,tier=front --restart=Never -n default\n";
        let run = crate::scenario::run(&[crate::scenario::Input::new("t.yaml", text)]);
        let pod = run
            .cluster
            .store
            .get_obj("Pod", "default", "web")
            .and_then(|o| o.as_pod())
            .cloned()
            .expect("the pod");
        let labels = pod.metadata.labels.unwrap_or_default();
        assert_eq!(labels.get("app").map(String::as_str), Some("web"));
        assert_eq!(labels.get("run"), None);
        let spec = pod.spec.unwrap_or_default();
        assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
        assert_eq!(spec.dns_policy.as_deref(), Some("ClusterFirst"));
        assert_eq!(spec.containers[0].name, "web");
        assert_eq!(spec.containers[0].image.as_deref(), Some("nginx:1.27"));
        assert!(!pod
            .metadata
            .annotations
            .unwrap_or_default()
            .contains_key(crate::apiserver::LAST_APPLIED));
    }

    #[test]
    fn label_pairs_follow_get_resources_and_pairs() {
        let out = terminal(
            34,
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {example.com/team: a}}",
            &[
                "kubectl label namespace x example.com/team-",
                "kubectl label namespace a=b x",
            ],
        );
        assert_eq!(
            out,
            "$ kubectl label namespace x example.com/team-\nnamespace/x unlabeled\n$ kubectl label namespace a=b x\nerror: all resources must be specified before label changes: x\n"
        );
    }
}
