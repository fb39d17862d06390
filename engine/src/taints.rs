//! Taints and tolerations, and the `kubectl taint` command's logic.
//!
//! Follows, as of the Kubernetes `release-1.34` branches:
//!
//! * k8s.io/api `core/v1/toleration.go` (`Toleration.ToleratesTaint`) and
//!   `core/v1/taint.go` (`Taint.MatchTaint`, `Taint.ToString`);
//! * k8s.io/component-helpers `scheduling/corev1/helpers.go`
//!   (`TolerationsTolerateTaint`, `FindMatchingUntoleratedTaint`), which
//!   k8s.io/kubernetes `pkg/apis/core/v1/helper` mirrors;
//! * k8s.io/kubectl `pkg/cmd/taint/utils.go` (`parseTaints`, `parseTaint`,
//!   `validateTaintEffect`, `reorganizeTaints`, `addTaints`, `deleteTaints`,
//!   `checkIfTaintsAlreadyExists`) and `pkg/cmd/taint/taint.go`
//!   (argument splitting in `Complete`, the conflict check in `Validate`,
//!   `updateTaints`), with their error messages.
//!
//! kubectl prints parse errors from [`parse_taint_args`] as usage errors,
//! i.e. followed by `"\nSee 'kubectl taint -h' for help and examples"`
//! ([`KUBECTL_TAINT_USAGE_HINT`]); the other messages are printed as-is after
//! `error: `.

use k8s_openapi::api::core::v1::{Taint, Toleration};

use super::labels::{go_quote, is_qualified_name, is_valid_label_value};

/// `v1.TaintEffectNoSchedule`
pub const TAINT_EFFECT_NO_SCHEDULE: &str = "NoSchedule";
/// `v1.TaintEffectPreferNoSchedule`
pub const TAINT_EFFECT_PREFER_NO_SCHEDULE: &str = "PreferNoSchedule";
/// `v1.TaintEffectNoExecute`
pub const TAINT_EFFECT_NO_EXECUTE: &str = "NoExecute";
/// `v1.TolerationOpEqual`
pub const TOLERATION_OP_EQUAL: &str = "Equal";
/// `v1.TolerationOpExists`
pub const TOLERATION_OP_EXISTS: &str = "Exists";

/// What `cmdutil.UsageErrorf` appends to `kubectl taint` parse errors.
pub const KUBECTL_TAINT_USAGE_HINT: &str = "\nSee 'kubectl taint -h' for help and examples";

fn taint_value(t: &Taint) -> &str {
    t.value.as_deref().unwrap_or("")
}

/// `Toleration.ToleratesTaint`:
///
/// 1. an empty toleration effect matches every taint effect, otherwise the
///    effects must be equal;
/// 2. an empty toleration key matches every taint key, otherwise the keys
///    must be equal;
/// 3. operator `Exists` matches any value; an empty operator means `Equal`,
///    which compares values (missing = empty); any other operator never
///    matches.
pub fn toleration_tolerates_taint(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("") {
        "" | TOLERATION_OP_EQUAL => toleration.value.as_deref().unwrap_or("") == taint_value(taint),
        TOLERATION_OP_EXISTS => true,
        _ => false,
    }
}

/// `TolerationsTolerateTaint`: some toleration tolerates the taint.
pub fn tolerations_tolerate_taint(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations
        .iter()
        .any(|t| toleration_tolerates_taint(t, taint))
}

/// `FindMatchingUntoleratedTaint`: the first taint accepted by `filter` that
/// no toleration tolerates. (Upstream's nil filter is `|_| true`.)
pub fn find_untolerated_taint<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
    filter: impl Fn(&Taint) -> bool,
) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|t| filter(t))
        .find(|t| !tolerations_tolerate_taint(tolerations, t))
}

/// `Taint.MatchTaint`: same key and effect.
pub fn match_taint(a: &Taint, b: &Taint) -> bool {
    a.key == b.key && a.effect == b.effect
}

/// `Taint.ToString()`: `key=value:effect`, `key=value:`, `key:effect` or `key`.
pub fn taint_to_string(t: &Taint) -> String {
    let value = taint_value(t);
    match (t.effect.is_empty(), value.is_empty()) {
        (true, true) => t.key.clone(),
        (true, false) => format!("{}={}:", t.key, value),
        (false, true) => format!("{}:{}", t.key, t.effect),
        (false, false) => format!("{}={}:{}", t.key, value, t.effect),
    }
}

fn new_taint(key: &str, value: &str, effect: &str) -> Taint {
    Taint {
        key: key.to_string(),
        value: (!value.is_empty()).then(|| value.to_string()),
        effect: effect.to_string(),
        time_added: None,
    }
}

/// kubectl's `validateTaintEffect`.
pub fn validate_taint_effect(effect: &str) -> Result<(), String> {
    match effect {
        TAINT_EFFECT_NO_SCHEDULE | TAINT_EFFECT_PREFER_NO_SCHEDULE | TAINT_EFFECT_NO_EXECUTE => {
            Ok(())
        }
        other => Err(format!(
            "invalid taint effect: {other}, unsupported taint effect"
        )),
    }
}

/// kubectl's `parseTaint`: `key=value:effect`, `key:effect` or `key` (the
/// last only makes sense for removal). A missing value is stored as `None`.
pub fn parse_taint(spec: &str) -> Result<Taint, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (key, value, effect) = match parts.as_slice() {
        [key] => (*key, "", ""),
        [kv, effect] => {
            validate_taint_effect(effect)?;
            let kv_parts: Vec<&str> = kv.split('=').collect();
            match kv_parts.as_slice() {
                [key] => (*key, "", *effect),
                [key, value] => {
                    let errs = is_valid_label_value(value);
                    if !errs.is_empty() {
                        return Err(format!("invalid taint spec: {spec}, {}", errs.join("; ")));
                    }
                    (*key, *value, *effect)
                }
                _ => return Err(format!("invalid taint spec: {spec}")),
            }
        }
        _ => return Err(format!("invalid taint spec: {spec}")),
    };
    let errs = is_qualified_name(key);
    if !errs.is_empty() {
        return Err(format!("invalid taint spec: {spec}, {}", errs.join("; ")));
    }
    Ok(new_taint(key, value, effect))
}

/// Go's `%v` of a `v1.Taint` value (as used in kubectl's duplicate message).
fn go_struct_taint(t: &Taint) -> String {
    format!(
        "{{{} {} {} {}}}",
        t.key,
        taint_value(t),
        t.effect,
        if t.time_added.is_some() {
            "<time>"
        } else {
            "<nil>"
        }
    )
}

/// kubectl's `parseTaints`: the taint arguments of `kubectl taint` split into
/// taints to add and taints to remove (`key-`, `key:Effect-`,
/// `key=value:Effect-`; removals keep only key and effect). Additions must
/// have an effect and be unique by key and effect.
pub fn parse_taint_args(args: &[&str]) -> Result<(Vec<Taint>, Vec<Taint>), String> {
    let mut add: Vec<Taint> = Vec::new();
    let mut remove: Vec<Taint> = Vec::new();
    for spec in args {
        if let Some(stripped) = spec.strip_suffix('-') {
            let t = parse_taint(stripped)?;
            remove.push(new_taint(&t.key, "", &t.effect));
        } else {
            let t = parse_taint(spec)?;
            if t.effect.is_empty() {
                return Err(format!("invalid taint spec: {spec}"));
            }
            if add.iter().any(|a| a.effect == t.effect && a.key == t.key) {
                return Err(format!(
                    "duplicated taints with the same key and effect: {}",
                    go_struct_taint(&t)
                ));
            }
            add.push(t);
        }
    }
    Ok((add, remove))
}

/// The argument split of `kubectl taint`'s `Complete`: resource arguments
/// (`node`, names) come first, then taint arguments (anything containing
/// `=` or `:`, or ending in `-`).
pub fn split_taint_command_args(args: &[&str]) -> Result<(Vec<String>, Vec<String>), String> {
    let mut resources = Vec::new();
    let mut taints = Vec::new();
    let mut met_taint = false;
    for s in args {
        let is_taint = s.contains('=') || s.contains(':') || s.ends_with('-');
        if is_taint {
            met_taint = true;
            taints.push(s.to_string());
        } else if met_taint {
            return Err(format!(
                "all resources must be specified before taint changes: {s}"
            ));
        } else {
            resources.push(s.to_string());
        }
    }
    if resources.is_empty() {
        return Err("one or more resources must be specified as <resource> <name>".to_string());
    }
    if taints.is_empty() {
        return Err("at least one taint update is required".to_string());
    }
    Ok((resources, taints))
}

/// The taint part of `kubectl taint`'s `Validate`: a command may not both
/// add and remove the same taint.
pub fn validate_taint_changes(add: &[Taint], remove: &[Taint]) -> Result<(), String> {
    let mut conflicts = Vec::new();
    for a in add {
        for r in remove {
            if a.key != r.key {
                continue;
            }
            if r.effect.is_empty() || a.effect == r.effect {
                conflicts.push(format!("{}={}", r.key, r.effect));
            }
        }
    }
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "can not both modify and remove the following taint(s) in the same command: {}",
            conflicts.join(", ")
        ))
    }
}

/// How kubectl reports the change (`node/foo tainted`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaintOperation {
    /// `modified`
    Modified,
    /// `tainted`
    Tainted,
    /// `untainted`
    Untainted,
}

impl TaintOperation {
    /// kubectl's word for the operation.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintOperation::Modified => "modified",
            TaintOperation::Tainted => "tainted",
            TaintOperation::Untainted => "untainted",
        }
    }
}

impl std::fmt::Display for TaintOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Result of [`apply_taints_detailed`].
#[derive(Clone, Debug, PartialEq)]
pub struct TaintUpdate {
    /// The node's new taint list (new and updated taints first, then the
    /// untouched old ones, as kubectl builds it).
    pub taints: Vec<Taint>,
    /// kubectl's reported operation.
    pub operation: TaintOperation,
    /// Whether the list differs from the existing one.
    pub changed: bool,
}

/// kubectl's `updateTaints` / `reorganizeTaints` for one node, with the full
/// outcome. Errors: the `--overwrite` refusal (`node NAME already has KEYS
/// taint(s) with same effect(s) and --overwrite is false`) and, for removals
/// that matched nothing, `taint "K:E" not found` (aggregated).
pub fn apply_taints_detailed(
    node_name: &str,
    existing: &[Taint],
    add: &[Taint],
    remove: &[Taint],
    overwrite: bool,
) -> Result<TaintUpdate, String> {
    if !overwrite {
        let exists: Vec<&str> = add
            .iter()
            .flat_map(|t| {
                existing
                    .iter()
                    .filter(move |old| t.key == old.key && t.effect == old.effect)
                    .map(move |_| t.key.as_str())
            })
            .collect();
        if !exists.is_empty() {
            return Err(format!(
                "node {node_name} already has {} taint(s) with same effect(s) and --overwrite is false",
                exists.join(",")
            ));
        }
    }
    // addTaints: keep old taints that the new ones do not replace
    let mut new_taints: Vec<Taint> = add.to_vec();
    for old in existing {
        if !new_taints.iter().any(|t| match_taint(t, old)) {
            new_taints.push(old.clone());
        }
    }
    let added = existing.len() != new_taints.len();
    // deleteTaints: `deleted` is the result of the last removal, as upstream
    let mut errors = Vec::new();
    let mut deleted = false;
    for r in remove {
        let before = new_taints.len();
        if r.effect.is_empty() {
            new_taints.retain(|t| t.key != r.key);
        } else {
            new_taints.retain(|t| !match_taint(r, t));
        }
        deleted = new_taints.len() != before;
        if !deleted {
            errors.push(format!("taint {} not found", go_quote(&taint_to_string(r))));
        }
    }
    if !errors.is_empty() {
        let mut seen: Vec<&String> = Vec::new();
        for e in &errors {
            if !seen.contains(&e) {
                seen.push(e);
            }
        }
        let text: Vec<&str> = seen.iter().map(|s| s.as_str()).collect();
        return Err(if text.len() == 1 {
            text.join("")
        } else {
            format!("[{}]", text.join(", "))
        });
    }
    let operation = if (added && deleted) || overwrite {
        TaintOperation::Modified
    } else if added {
        TaintOperation::Tainted
    } else {
        TaintOperation::Untainted
    };
    let changed = new_taints != existing;
    Ok(TaintUpdate {
        taints: new_taints,
        operation,
        changed,
    })
}

/// `kubectl taint` on one node: the new taint list and whether it changed.
/// `node_name` is only used in the `--overwrite` refusal message.
pub fn apply_taints(
    node_name: &str,
    existing: &[Taint],
    add: &[Taint],
    remove: &[Taint],
    overwrite: bool,
) -> Result<(Vec<Taint>, bool), String> {
    apply_taints_detailed(node_name, existing, add, remove, overwrite)
        .map(|u| (u.taints, u.changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: &str) -> Taint {
        new_taint(key, value, effect)
    }

    fn tol(key: &str, op: &str, value: &str, effect: &str) -> Toleration {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Toleration {
            key: opt(key),
            operator: opt(op),
            value: opt(value),
            effect: opt(effect),
            toleration_seconds: None,
        }
    }

    #[test]
    fn tolerations_follow_tolerates_taint_rules() {
        let t = taint("foo", "bar", "NoSchedule");
        let cases = [
            (
                "equal key, value and effect tolerate",
                tol("foo", "Equal", "bar", "NoSchedule"),
                true,
            ),
            (
                "an empty operator means Equal",
                tol("foo", "", "bar", "NoSchedule"),
                true,
            ),
            (
                "a different value does not tolerate",
                tol("foo", "Equal", "baz", "NoSchedule"),
                false,
            ),
            (
                "Exists ignores the value",
                tol("foo", "Exists", "", "NoSchedule"),
                true,
            ),
            (
                "an empty effect matches every effect",
                tol("foo", "Exists", "", ""),
                true,
            ),
            (
                "a different effect does not tolerate",
                tol("foo", "Exists", "", "NoExecute"),
                false,
            ),
            (
                "an empty key with Exists tolerates everything",
                tol("", "Exists", "", ""),
                true,
            ),
            (
                "an empty key with Equal compares only the value",
                tol("", "Equal", "bar", ""),
                true,
            ),
            (
                "an empty key with Equal and another value does not",
                tol("", "Equal", "x", ""),
                false,
            ),
            (
                "a different key does not tolerate",
                tol("other", "Exists", "", ""),
                false,
            ),
            (
                "unknown operators never tolerate",
                tol("foo", "Gt", "bar", ""),
                false,
            ),
            (
                "operators are case sensitive",
                tol("foo", "exists", "", ""),
                false,
            ),
        ];
        for (name, toleration, want) in cases {
            assert_eq!(toleration_tolerates_taint(&toleration, &t), want, "{name}");
        }
        let no_value = taint("foo", "", "NoSchedule");
        assert!(toleration_tolerates_taint(
            &tol("foo", "Equal", "", ""),
            &no_value
        ));
    }

    #[test]
    fn untolerated_taints_from_upstream_test_find_matching_untolerated_taint() {
        let foo_ns = tol("foo", "Exists", "", "NoSchedule");
        let all = |_: &Taint| true;
        assert!(
            find_untolerated_taint(&[], &[], all).is_none(),
            "empty tolerations tolerate empty taints"
        );
        assert!(
            find_untolerated_taint(&[], std::slice::from_ref(&foo_ns), all).is_none(),
            "non-empty tolerations tolerate empty taints"
        );
        let foo = [taint("foo", "", "NoSchedule")];
        assert!(
            find_untolerated_taint(&foo, std::slice::from_ref(&foo_ns), all).is_none(),
            "tolerations match all taints"
        );
        let bar = [taint("bar", "", "NoSchedule")];
        assert!(
            find_untolerated_taint(&bar, std::slice::from_ref(&foo_ns), |_| false).is_none(),
            "no taint passes the filter"
        );
        assert_eq!(
            find_untolerated_taint(&bar, &[foo_ns], all),
            bar.first(),
            "no filter: untolerated"
        );
        let mixed = [
            taint("foo", "", "NoExecute"),
            taint("bar", "", "NoSchedule"),
        ];
        let foo_ne = tol("foo", "Exists", "", "NoExecute");
        assert!(
            find_untolerated_taint(&mixed, &[foo_ne], |t| t.effect == "NoExecute").is_none(),
            "tolerations match the NoExecute taints"
        );
        assert!(tolerations_tolerate_taint(
            &[tol("", "Exists", "", "")],
            &mixed[1]
        ));
    }

    #[test]
    fn taint_strings_follow_taint_to_string() {
        assert_eq!(
            taint_to_string(&taint("k", "v", "NoSchedule")),
            "k=v:NoSchedule"
        );
        assert_eq!(taint_to_string(&taint("k", "", "NoExecute")), "k:NoExecute");
        assert_eq!(taint_to_string(&taint("k", "v", "")), "k=v:");
        assert_eq!(taint_to_string(&taint("k", "", "")), "k");
    }

    #[test]
    fn taint_args_parse_like_upstream_test_parse_taints() {
        let parsed = parse_taint_args(&[
            "foo=abc:NoSchedule",
            "bar=abc:NoSchedule",
            "baz:NoSchedule",
            "qux:NoSchedule",
            "foobar=:NoSchedule",
        ]);
        assert_eq!(
            parsed,
            Ok((
                vec![
                    taint("foo", "abc", "NoSchedule"),
                    taint("bar", "abc", "NoSchedule"),
                    taint("baz", "", "NoSchedule"),
                    taint("qux", "", "NoSchedule"),
                    taint("foobar", "", "NoSchedule"),
                ],
                vec![]
            ))
        );
        let removals = parse_taint_args(&[
            "foo:NoSchedule-",
            "bar:NoSchedule-",
            "qux=:NoSchedule-",
            "dedicated-",
        ]);
        assert_eq!(
            removals,
            Ok((
                vec![],
                vec![
                    taint("foo", "", "NoSchedule"),
                    taint("bar", "", "NoSchedule"),
                    taint("qux", "", "NoSchedule"),
                    taint("dedicated", "", ""),
                ]
            ))
        );
        let both = parse_taint_args(&["foo=abc:NoSchedule", "baz=:NoSchedule-"]);
        assert_eq!(both.map(|(a, r)| (a.len(), r.len())), Ok((1, 1)));
    }

    #[test]
    fn bad_taint_args_give_kubectl_messages() {
        let name_regex = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        let cases: Vec<(&[&str], String)> = vec![
            (&[""], format!("invalid taint spec: , name part must be non-empty; {name_regex}")),
            (&["foo=abc"], format!("invalid taint spec: foo=abc, {name_regex}")),
            (&["foo=abc=xyz:NoSchedule"], "invalid taint spec: foo=abc=xyz:NoSchedule".to_string()),
            (&["foo=abc:xyz:NoSchedule"], "invalid taint spec: foo=abc:xyz:NoSchedule".to_string()),
            (&["foo"], "invalid taint spec: foo".to_string()),
            (&["foo=abc:invalid_effect"], "invalid taint effect: invalid_effect, unsupported taint effect".to_string()),
            (&["foo:invalid_effect-"], "invalid taint effect: invalid_effect, unsupported taint effect".to_string()),
            (&["foo=bar:NoExcute"], "invalid taint effect: NoExcute, unsupported taint effect".to_string()),
            (&["nospecialchars^@=banana:NoSchedule"], format!("invalid taint spec: nospecialchars^@=banana:NoSchedule, {name_regex}")),
            (&["foo=b@d:NoSchedule"], "invalid taint spec: foo=b@d:NoSchedule, a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string()),
            (&["foo=bar:NoSchedule", "foo=barz:NoSchedule"], "duplicated taints with the same key and effect: {foo barz NoSchedule <nil>}".to_string()),
            (&["-"], format!("invalid taint spec: , name part must be non-empty; {name_regex}")),
        ];
        for (args, want) in cases {
            assert_eq!(parse_taint_args(args).err(), Some(want), "{args:?}");
        }
        assert!(parse_taint_args(&["foo=bar:NoSchedule", "foo=bar:NoExecute"]).is_ok());
    }

    #[test]
    fn command_arguments_split_like_kubectl_complete_and_validate() {
        assert_eq!(
            split_taint_command_args(&["node", "node-name", "foo=bar:NoSchedule", "dedicated-"]),
            Ok((
                vec!["node".to_string(), "node-name".to_string()],
                vec!["foo=bar:NoSchedule".to_string(), "dedicated-".to_string()]
            ))
        );
        assert_eq!(
            split_taint_command_args(&["node", "foo=bar:NoSchedule", "n2"])
                .err()
                .as_deref(),
            Some("all resources must be specified before taint changes: n2")
        );
        assert_eq!(
            split_taint_command_args(&["foo=bar:NoSchedule"])
                .err()
                .as_deref(),
            Some("one or more resources must be specified as <resource> <name>")
        );
        assert_eq!(
            split_taint_command_args(&["node", "n1"]).err().as_deref(),
            Some("at least one taint update is required")
        );
        let (add, remove) =
            parse_taint_args(&["foo=:NoExecute", "foo=:NoExecute-"]).unwrap_or_default();
        assert_eq!(
            validate_taint_changes(&add, &remove).err().as_deref(),
            Some("can not both modify and remove the following taint(s) in the same command: foo=NoExecute")
        );
        let (add, remove) = parse_taint_args(&["foo=a:NoSchedule", "foo-"]).unwrap_or_default();
        assert_eq!(
            validate_taint_changes(&add, &remove).err().as_deref(),
            Some("can not both modify and remove the following taint(s) in the same command: foo=")
        );
        let (add, remove) =
            parse_taint_args(&["foo=a:NoSchedule", "foo:NoExecute-"]).unwrap_or_default();
        assert!(validate_taint_changes(&add, &remove).is_ok());
    }

    #[test]
    fn reorganizing_follows_upstream_test_reorganize_taints() {
        let existing = vec![taint("foo", "bar", "NoSchedule")];
        let run = |overwrite: bool, add: Vec<Taint>, remove: Vec<Taint>| {
            apply_taints_detailed("node-name", &existing, &add, &remove, overwrite)
        };
        let r = run(true, vec![], vec![]);
        assert_eq!(
            r.as_ref().map(|u| (u.operation, u.changed)),
            Ok((TaintOperation::Modified, false)),
            "no changes with overwrite is true"
        );
        let r = run(false, vec![], vec![]);
        assert_eq!(
            r.as_ref().map(|u| (u.operation, u.changed)),
            Ok((TaintOperation::Untainted, false)),
            "no changes with overwrite is false"
        );
        let r = run(false, vec![taint("foo_1", "", "NoExecute")], vec![]);
        assert_eq!(
            r.as_ref().map(|u| (u.taints.clone(), u.operation)),
            Ok((
                vec![
                    taint("foo_1", "", "NoExecute"),
                    taint("foo", "bar", "NoSchedule")
                ],
                TaintOperation::Tainted
            )),
            "add new taint"
        );
        let r = run(false, vec![], vec![taint("foo", "", "NoSchedule")]);
        assert_eq!(
            r.as_ref().map(|u| (u.taints.len(), u.operation, u.changed)),
            Ok((0, TaintOperation::Untainted, true)),
            "delete taint with effect"
        );
        let r = run(false, vec![], vec![taint("foo", "", "")]);
        assert_eq!(
            r.as_ref().map(|u| (u.taints.len(), u.operation)),
            Ok((0, TaintOperation::Untainted)),
            "delete taint with no effect"
        );
        let r = run(false, vec![], vec![taint("foo_1", "", "NoSchedule")]);
        assert_eq!(
            r.err().as_deref(),
            Some("taint \"foo_1:NoSchedule\" not found"),
            "delete non-exist taint"
        );
        let r = run(
            false,
            vec![taint("foo_1", "", "NoSchedule")],
            vec![taint("foo", "", "NoSchedule")],
        );
        assert_eq!(
            r.as_ref().map(|u| (u.taints.clone(), u.operation)),
            Ok((
                vec![taint("foo_1", "", "NoSchedule")],
                TaintOperation::Modified
            )),
            "add new taint and delete old one"
        );
        let r = run(
            false,
            vec![],
            vec![taint("a", "", ""), taint("b", "", "NoExecute")],
        );
        assert_eq!(
            r.err().as_deref(),
            Some("[taint \"a\" not found, taint \"b:NoExecute\" not found]")
        );
    }

    #[test]
    fn kubectl_taint_scenarios_from_upstream_test_taint() {
        let run = |old: Vec<Taint>, args: &[&str], overwrite: bool| -> Result<Vec<Taint>, String> {
            let (add, remove) = parse_taint_args(args)?;
            validate_taint_changes(&add, &remove)?;
            apply_taints("node-name", &old, &add, &remove, overwrite).map(|(t, _)| t)
        };
        assert_eq!(
            run(vec![], &["foo=bar:NoSchedule"], false),
            Ok(vec![taint("foo", "bar", "NoSchedule")])
        );
        assert_eq!(
            run(
                vec![taint("foo", "bar", "NoSchedule")],
                &["foo=barz:NoSchedule"],
                true
            ),
            Ok(vec![taint("foo", "barz", "NoSchedule")]),
            "update an existing taint with --overwrite"
        );
        assert_eq!(
            run(
                vec![],
                &[
                    "dedicated=namespaceA:NoSchedule",
                    "foo=bar:PreferNoSchedule"
                ],
                false
            )
            .map(|t| t.len()),
            Ok(2)
        );
        let two = vec![
            taint("dedicated", "namespaceA", "NoSchedule"),
            taint("dedicated", "namespaceA", "PreferNoSchedule"),
        ];
        assert_eq!(
            run(two.clone(), &["dedicated:NoSchedule-"], false),
            Ok(vec![taint("dedicated", "namespaceA", "PreferNoSchedule")])
        );
        assert_eq!(run(two, &["dedicated-"], false), Ok(vec![]));
        assert_eq!(
            run(
                vec![
                    taint("dedicated", "namespaceA", "NoSchedule"),
                    taint("foo", "bar", "PreferNoSchedule")
                ],
                &["dedicated:NoSchedule-", "foo=barz:PreferNoSchedule"],
                true
            ),
            Ok(vec![taint("foo", "barz", "PreferNoSchedule")])
        );
        assert_eq!(
            run(vec![taint("foo", "bar", "NoSchedule")], &["foo=bar:NoSchedule"], false).err().as_deref(),
            Some("node node-name already has foo taint(s) with same effect(s) and --overwrite is false")
        );
        assert!(run(vec![], &["foo=bar:NoExcute", "foo=barz:NoExcute"], false).is_err());
        assert!(run(vec![], &["foo=:NoExcute", "foo=:NoExcute-"], false).is_err());
        let unchanged = apply_taints(
            "n",
            &[taint("k", "v", "NoSchedule")],
            &[taint("k", "v", "NoSchedule")],
            &[],
            true,
        );
        assert_eq!(unchanged.map(|(_, changed)| changed), Ok(false));
    }

    #[test]
    fn arbitrary_taint_specs_never_panic() {
        let alphabet: &[u8] = b"ab=:-_./NoSchedulExcut\xc3\xa9 ";
        let mut seed: u64 = 0x0123456789ABCDEF;
        for _ in 0..5000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 20) as usize;
            let mut s2 = seed;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    s2 = s2.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[((s2 >> 33) as usize) % alphabet.len()]
                })
                .collect();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Ok((add, remove)) = parse_taint_args(&[text.as_str()]) {
                let _ = apply_taints("n", &add, &add, &remove, false);
                for t in add.iter().chain(remove.iter()) {
                    let _ = taint_to_string(t);
                }
            }
        }
    }
}
