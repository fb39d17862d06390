//! Label selectors and node selectors.
//!
//! Follows, as of the Kubernetes `release-1.34` branches:
//!
//! * k8s.io/apimachinery `pkg/labels/selector.go`: `Requirement`
//!   (`NewRequirement` validation and messages, `Matches`, `String`), the
//!   `internalSelector`, `Everything` / `Nothing`, `SelectorFromSet`, and the
//!   `Parse` lexer/parser used by `kubectl -l` with its error messages;
//! * `pkg/apis/meta/v1/helpers.go`: `LabelSelectorAsSelector` and
//!   `FormatLabelSelector`;
//! * `pkg/util/validation/validation.go`: `IsQualifiedName`,
//!   `IsValidLabelValue`, `IsDNS1123Subdomain` and their messages;
//! * `pkg/util/validation/field` and `pkg/util/errors`: how field errors and
//!   aggregates are rendered (`key: Invalid value: "x": detail`,
//!   `[err1, err2]`);
//! * k8s.io/component-helpers `scheduling/corev1/nodeaffinity/nodeaffinity.go`
//!   and `scheduling/corev1/helpers.go`: node selector terms
//!   (`LazyErrorNodeSelector`, `NewNodeSelector`, `PreferredSchedulingTerms`,
//!   `RequiredNodeAffinity`, `MatchNodeSelectorTerms`).
//!
//! Nil versus empty selectors, as upstream: a *missing* `LabelSelector`
//! ([`Selector::from_optional_label_selector`] with `None`, or
//! [`Selector::nothing`]) matches nothing; a present but empty one
//! ([`Selector::from_label_selector`] of `LabelSelector::default()`,
//! [`Selector::everything`], [`Selector::parse`] of `""`,
//! [`Selector::from_set`] of an empty map) matches everything.
//!
//! Go's `strconv.Quote` is reproduced for ASCII and common Unicode; for
//! unassigned or rare non-printable code points the escaping may differ.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::core::v1::{
    Node, NodeSelector, NodeSelectorTerm, Pod, PreferredSchedulingTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

// ---------------------------------------------------------------------------
// Go formatting helpers
// ---------------------------------------------------------------------------

fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = u32::from(c);
    let format_or_private = matches!(u,
        0x00AD
        | 0x0600..=0x0605
        | 0x061C
        | 0x06DD
        | 0x070F
        | 0x0890..=0x0891
        | 0x08E2
        | 0x180E
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x206F
        | 0xE000..=0xF8FF
        | 0xFEFF
        | 0xFFF9..=0xFFFB
        | 0xFFFE..=0xFFFF
        | 0x110BD
        | 0x110CD
        | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A
        | 0xE0001
        | 0xE0020..=0xE007F
        | 0xF0000..=0x10FFFF);
    !format_or_private
}

/// Go's `strconv.Quote` (the `%q` verb on strings).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{7F}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// A JSON string as Go's `encoding/json` writes it (HTML-safe escaping).
fn go_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `json.Marshal` of a `[]string`; `None` is a nil slice (`null`).
fn go_json_string_list(values: Option<&[String]>) -> String {
    match values {
        None => "null".to_string(),
        Some(v) => {
            let parts: Vec<String> = v.iter().map(|s| go_json_string(s)).collect();
            format!("[{}]", parts.join(","))
        }
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
fn go_parse_int64(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, b.get(1..).unwrap_or(&[])),
        Some(b'+') => (false, b.get(1..).unwrap_or(&[])),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut acc: i128 = 0;
    for d in digits {
        acc = acc * 10 + i128::from(d - b'0');
        if acc > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    if neg {
        acc = -acc;
    }
    i64::try_from(acc).ok()
}

/// `errors.NewAggregate(...).Error()` over already-flattened messages.
fn aggregate_message(msgs: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for m in msgs {
        if !seen.contains(&m.as_str()) {
            seen.push(m);
        }
    }
    match seen.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

// ---------------------------------------------------------------------------
// Field paths and errors (k8s.io/apimachinery/pkg/util/validation/field)
// ---------------------------------------------------------------------------

/// A `*field.Path`; `None` is the nil path.
#[derive(Clone, Debug, Default)]
struct Path(Option<String>);

impl Path {
    fn child(&self, name: &str) -> Path {
        match &self.0 {
            None => Path(Some(name.to_string())),
            Some(p) => Path(Some(format!("{p}.{name}"))),
        }
    }
    fn index(&self, i: usize) -> Path {
        Path(Some(format!("{}[{i}]", self.0.as_deref().unwrap_or(""))))
    }
    fn key(&self, k: &str) -> Path {
        Path(Some(format!("{}[{k}]", self.0.as_deref().unwrap_or(""))))
    }
    fn render(&self) -> &str {
        self.0.as_deref().unwrap_or("<nil>")
    }
}

/// `field.Invalid(path, value, detail).Error()` with a pre-rendered value.
fn invalid(path: &Path, rendered_value: &str, detail: &str) -> String {
    if detail.is_empty() {
        format!("{}: Invalid value: {rendered_value}", path.render())
    } else {
        format!(
            "{}: Invalid value: {rendered_value}: {detail}",
            path.render()
        )
    }
}

/// `field.NotSupported(path, value, valid).Error()` for a named string type
/// (rendered through `json.Marshal`).
fn not_supported(path: &Path, value: &str, valid: &[&str]) -> String {
    let quoted: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
    format!(
        "{}: Unsupported value: {}: supported values: {}",
        path.render(),
        go_json_string(value),
        quoted.join(", ")
    )
}

// ---------------------------------------------------------------------------
// Validation (k8s.io/apimachinery/pkg/util/validation)
// ---------------------------------------------------------------------------

const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX_LENGTH: usize = 63;
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
/// `validation.LabelValueMaxLength`
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
/// `validation.DNS1123SubdomainMaxLength`
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(e);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(fmt);
    out.push_str("')");
    out
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`
fn matches_qualified_name_regex(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
fn matches_dns1123_label_regex(s: &str) -> bool {
    let b = s.as_bytes();
    let ok_end = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => ok_end(f) && ok_end(l) && b.iter().all(|c| ok_end(c) || *c == b'-'),
        _ => false,
    }
}

/// `validation.IsDNS1123Subdomain`.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !value.split('.').all(matches_dns1123_label_regex) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `validation.IsQualifiedName` (label keys, taint keys); empty when valid.
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                for m in is_dns1123_subdomain(prefix) {
                    errs.push(format!("prefix part {m}"));
                }
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_ERR_MSG,
                    QUALIFIED_NAME_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > QUALIFIED_NAME_MAX_LENGTH {
        errs.push(format!(
            "name part {}",
            max_len_error(QUALIFIED_NAME_MAX_LENGTH)
        ));
    }
    if !matches_qualified_name_regex(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// `validation.IsValidLabelValue`; empty when valid.
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !matches_qualified_name_regex(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

// ---------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------

/// `selection.Operator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    /// `!`
    DoesNotExist,
    /// `=`
    Equals,
    /// `==`
    DoubleEquals,
    /// `in`
    In,
    /// `!=`
    NotEquals,
    /// `notin`
    NotIn,
    /// `exists`
    Exists,
    /// `gt`
    GreaterThan,
    /// `lt`
    LessThan,
}

impl Operator {
    /// Upstream's string value of the operator constant.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::DoesNotExist => "!",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::In => "in",
            Operator::NotEquals => "!=",
            Operator::NotIn => "notin",
            Operator::Exists => "exists",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `binaryOperators` joined as upstream prints them.
const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

/// One `key op values` condition (upstream `labels.Requirement`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

/// `NewRequirement`; `values == None` is a nil slice (rendered `null` in
/// errors). Returns the flattened error messages.
fn new_requirement(
    key: &str,
    op: Operator,
    values: Option<&[String]>,
    path: &Path,
) -> Result<Requirement, Vec<String>> {
    let mut errs = Vec::new();
    let key_errs = is_qualified_name(key);
    if !key_errs.is_empty() {
        errs.push(invalid(
            &path.child("key"),
            &go_quote(key),
            &key_errs.join("; "),
        ));
    }
    let vals: &[String] = values.unwrap_or(&[]);
    let value_path = path.child("values");
    let list = || go_json_string_list(values);
    match op {
        Operator::In | Operator::NotIn => {
            if vals.is_empty() {
                errs.push(invalid(
                    &value_path,
                    &list(),
                    "for 'in', 'notin' operators, values set can't be empty",
                ));
            }
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
            if vals.len() != 1 {
                errs.push(invalid(
                    &value_path,
                    &list(),
                    "exact-match compatibility requires one single value",
                ));
            }
        }
        Operator::Exists | Operator::DoesNotExist => {
            if !vals.is_empty() {
                errs.push(invalid(
                    &value_path,
                    &list(),
                    "values set must be empty for exists and does not exist",
                ));
            }
        }
        Operator::GreaterThan | Operator::LessThan => {
            if vals.len() != 1 {
                errs.push(invalid(
                    &value_path,
                    &list(),
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                ));
            }
            for (i, v) in vals.iter().enumerate() {
                if go_parse_int64(v).is_none() {
                    errs.push(invalid(
                        &value_path.index(i),
                        &go_quote(v),
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    ));
                }
            }
        }
    }
    for (i, v) in vals.iter().enumerate() {
        let v_errs = is_valid_label_value(v);
        if !v_errs.is_empty() {
            errs.push(invalid(
                &value_path.index(i).key(key),
                &go_quote(v),
                &v_errs.join("; "),
            ));
        }
    }
    if errs.is_empty() {
        Ok(Requirement {
            key: key.to_string(),
            operator: op,
            values: vals.to_vec(),
        })
    } else {
        Err(errs)
    }
}

impl Requirement {
    /// `NewRequirement(key, op, values)` (no field path), with upstream's
    /// aggregated error text on failure.
    pub fn new(key: &str, operator: Operator, values: Vec<String>) -> Result<Requirement, String> {
        new_requirement(key, operator, Some(&values), &Path::default())
            .map_err(|e| aggregate_message(&e))
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, in the order given.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    fn has_value(&self, v: &str) -> bool {
        self.values.iter().any(|x| x == v)
    }

    /// `Requirement.Matches`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                labels.get(&self.key).is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => {
                labels.get(&self.key).is_none_or(|v| !self.has_value(v))
            }
            Operator::Exists => labels.contains_key(&self.key),
            Operator::DoesNotExist => !labels.contains_key(&self.key),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(label_value) = labels.get(&self.key).and_then(|v| go_parse_int64(v))
                else {
                    return false;
                };
                let [only] = self.values.as_slice() else {
                    return false;
                };
                let Some(r) = go_parse_int64(only) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    label_value > r
                } else {
                    label_value < r
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    /// `Requirement.String()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        let set = matches!(self.operator, Operator::In | Operator::NotIn);
        if set {
            f.write_str("(")?;
        }
        if let [only] = self.values.as_slice() {
            f.write_str(only)?;
        } else {
            let mut sorted = self.values.clone();
            sorted.sort();
            f.write_str(&sorted.join(","))?;
        }
        if set {
            f.write_str(")")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Selector
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Inner {
    Nothing,
    Requirements(Vec<Requirement>),
}

/// A label selector (upstream `labels.Selector`): an AND of requirements, or
/// the special "nothing" selector.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selector(Inner);

impl Default for Selector {
    fn default() -> Self {
        Selector::everything()
    }
}

fn sorted_by_key(mut reqs: Vec<Requirement>) -> Vec<Requirement> {
    reqs.sort_by(|a, b| a.key.cmp(&b.key));
    reqs
}

impl Selector {
    /// `labels.Everything()`: matches every label set.
    pub fn everything() -> Selector {
        Selector(Inner::Requirements(Vec::new()))
    }

    /// `labels.Nothing()`: matches no label set.
    pub fn nothing() -> Selector {
        Selector(Inner::Nothing)
    }

    /// `SelectorFromSet`: `k=v` for each entry, without validation. An empty
    /// map gives [`Selector::everything`].
    pub fn from_set(set: &BTreeMap<String, String>) -> Selector {
        Selector(Inner::Requirements(
            set.iter()
                .map(|(k, v)| Requirement {
                    key: k.clone(),
                    operator: Operator::Equals,
                    values: vec![v.clone()],
                })
                .collect(),
        ))
    }

    /// `metav1.LabelSelectorAsSelector` of a present selector: an empty one
    /// (no matchLabels, no matchExpressions) matches everything.
    pub fn from_label_selector(ls: &LabelSelector) -> Result<Selector, String> {
        let empty = BTreeMap::new();
        let match_labels = ls.match_labels.as_ref().unwrap_or(&empty);
        let exprs = ls.match_expressions.as_deref().unwrap_or(&[]);
        if match_labels.is_empty() && exprs.is_empty() {
            return Ok(Selector::everything());
        }
        let root = Path::default();
        let mut reqs = Vec::with_capacity(match_labels.len() + exprs.len());
        for (k, v) in match_labels {
            let r = new_requirement(k, Operator::Equals, Some(std::slice::from_ref(v)), &root)
                .map_err(|e| aggregate_message(&e))?;
            reqs.push(r);
        }
        for expr in exprs {
            let op = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(format!(
                        "{} is not a valid label selector operator",
                        go_quote(other)
                    ))
                }
            };
            // append([]string(nil), expr.Values...) is nil when empty
            let values = expr.values.as_deref().filter(|v| !v.is_empty());
            let r =
                new_requirement(&expr.key, op, values, &root).map_err(|e| aggregate_message(&e))?;
            reqs.push(r);
        }
        Ok(Selector(Inner::Requirements(sorted_by_key(reqs))))
    }

    /// `LabelSelectorAsSelector` of a possibly nil selector: `None` matches
    /// nothing.
    pub fn from_optional_label_selector(ls: Option<&LabelSelector>) -> Result<Selector, String> {
        match ls {
            None => Ok(Selector::nothing()),
            Some(ls) => Selector::from_label_selector(ls),
        }
    }

    /// `labels.Parse`: the `kubectl -l` / `--selector` syntax, e.g.
    /// `app=web,tier!=db,env in (a,b),!x,y`. Errors carry upstream's text.
    pub fn parse(s: &str) -> Result<Selector, String> {
        let mut p = Parser::new(s);
        let reqs = p.parse()?;
        Ok(Selector(Inner::Requirements(sorted_by_key(reqs))))
    }

    /// `Selector.Matches`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match &self.0 {
            Inner::Nothing => false,
            Inner::Requirements(reqs) => reqs.iter().all(|r| r.matches(labels)),
        }
    }

    /// `matches` for an object's optional label map (`None` = no labels).
    pub fn matches_opt(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        match labels {
            Some(l) => self.matches(l),
            None => self.matches(&BTreeMap::new()),
        }
    }

    /// `Selector.Empty()`: true when it does not restrict the selection
    /// (everything); false for `nothing`.
    pub fn is_empty(&self) -> bool {
        matches!(&self.0, Inner::Requirements(r) if r.is_empty())
    }

    /// Same as [`Selector::is_empty`]: matches every label set.
    pub fn is_everything(&self) -> bool {
        self.is_empty()
    }

    /// `labels.MatchesNothing`: true only for the nothing selector.
    pub fn is_nothing(&self) -> bool {
        matches!(self.0, Inner::Nothing)
    }

    /// `Requirements()`: `None` for the nothing selector (not selectable).
    pub fn requirements(&self) -> Option<&[Requirement]> {
        match &self.0 {
            Inner::Nothing => None,
            Inner::Requirements(r) => Some(r),
        }
    }

    /// `Add`: a copy with more requirements (re-sorted by key); adding to
    /// nothing stays nothing.
    pub fn add(&self, more: impl IntoIterator<Item = Requirement>) -> Selector {
        match &self.0 {
            Inner::Nothing => Selector::nothing(),
            Inner::Requirements(r) => {
                let mut all = r.clone();
                all.extend(more);
                Selector(Inner::Requirements(sorted_by_key(all)))
            }
        }
    }

    /// `RequiresExactMatch`.
    pub fn requires_exact_match(&self, label: &str) -> Option<&str> {
        let Inner::Requirements(reqs) = &self.0 else {
            return None;
        };
        let r = reqs.iter().find(|r| r.key == label)?;
        match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [only]) => Some(only),
            _ => None,
        }
    }
}

impl fmt::Display for Selector {
    /// `Selector.String()`: requirements joined by `,` (nothing prints `""`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Inner::Requirements(reqs) = &self.0 {
            for (i, r) in reqs.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{r}")?;
            }
        }
        Ok(())
    }
}

/// `metav1.FormatLabelSelector`: `<error>` if invalid, `<none>` if it prints
/// empty (nil or empty selector).
pub fn format_label_selector(ls: Option<&LabelSelector>) -> String {
    match Selector::from_optional_label_selector(ls) {
        Err(_) => "<error>".to_string(),
        Ok(s) => {
            let text = s.to_string();
            if text.is_empty() {
                "<none>".to_string()
            } else {
                text
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Selector string parser (labels.Parse)
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn string_to_token(s: &[u8]) -> Option<Token> {
    Some(match s {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"in" => Token::In,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"notin" => Token::NotIn,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(ch: u8) -> bool {
    matches!(ch, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special_symbol(ch: u8) -> bool {
    matches!(ch, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn read(&mut self) -> u8 {
        match self.s.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn scan_id_or_keyword(&mut self) -> (Token, String) {
        let mut buffer = Vec::new();
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if is_special_symbol(ch) || is_whitespace(ch) {
                self.unread();
                break;
            }
            buffer.push(ch);
        }
        let s = String::from_utf8_lossy(&buffer).into_owned();
        match string_to_token(&buffer) {
            Some(t) => (t, s),
            None => (Token::Identifier, s),
        }
    }

    fn scan_special_symbol(&mut self) -> (Token, String) {
        let mut last: Option<(Token, String)> = None;
        let mut buffer = Vec::new();
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if is_special_symbol(ch) {
                buffer.push(ch);
                if let Some(t) = string_to_token(&buffer) {
                    last = Some((t, String::from_utf8_lossy(&buffer).into_owned()));
                } else if last.is_some() {
                    self.unread();
                    break;
                }
            } else {
                self.unread();
                break;
            }
        }
        match last {
            Some(item) => item,
            None => (
                Token::Error,
                format!(
                    "error expected: keyword found '{}'",
                    String::from_utf8_lossy(&buffer)
                ),
            ),
        }
    }

    fn skip_white_spaces(&mut self, mut ch: u8) -> u8 {
        while is_whitespace(ch) {
            ch = self.read();
        }
        ch
    }

    fn lex(&mut self) -> (Token, String) {
        let first = self.read();
        let ch = self.skip_white_spaces(first);
        if ch == 0 {
            (Token::EndOfString, String::new())
        } else if is_special_symbol(ch) {
            self.unread();
            self.scan_special_symbol()
        } else {
            self.unread();
            self.scan_id_or_keyword()
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

impl Parser {
    fn new(s: &str) -> Parser {
        let mut lexer = Lexer {
            s: s.as_bytes(),
            pos: 0,
        };
        let mut items = Vec::new();
        loop {
            let item = lexer.lex();
            let end = item.0 == Token::EndOfString;
            items.push(item);
            if end {
                break;
            }
        }
        Parser { items, position: 0 }
    }

    fn item(&self, i: usize, ctx: Context) -> (Token, String) {
        let (tok, lit) = self
            .items
            .get(i)
            .cloned()
            .unwrap_or((Token::EndOfString, String::new()));
        let tok = match (ctx, tok) {
            (Context::Values, Token::In | Token::NotIn) => Token::Identifier,
            (_, t) => t,
        };
        (tok, lit)
    }

    fn lookahead(&self, ctx: Context) -> (Token, String) {
        self.item(self.position, ctx)
    }

    fn consume(&mut self, ctx: Context) -> (Token, String) {
        self.position += 1;
        self.item(self.position - 1, ctx)
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume(Context::Values);
                    match t {
                        Token::EndOfString => return Ok(reqs),
                        Token::Comma => {
                            let (t2, l2) = self.lookahead(Context::Values);
                            if t2 != Token::Identifier && t2 != Token::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Token::EndOfString => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ))
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, op) = self.parse_key_and_infer_operator()?;
        let nil_path = Path::default();
        if let Some(op @ (Operator::Exists | Operator::DoesNotExist)) = op {
            return new_requirement(&key, op, Some(&[]), &nil_path)
                .map_err(|e| aggregate_message(&e));
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        let values: Vec<String> = values.into_iter().collect();
        new_requirement(&key, op, Some(&values), &nil_path).map_err(|e| aggregate_message(&e))
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let mut op = None;
        let (mut tok, mut literal) = self.consume(Context::Values);
        if tok == Token::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, literal) = self.consume(Context::Values);
        }
        if tok != Token::Identifier {
            return Err(format!("found '{literal}', expected: identifier"));
        }
        let key_errs = is_qualified_name(&literal);
        if !key_errs.is_empty() {
            // validateLabelKey(literal, p.path) with the parser's nil path
            return Err(invalid(
                &Path::default(),
                &go_quote(&literal),
                &key_errs.join("; "),
            ));
        }
        let (t, _) = self.lookahead(Context::Values);
        if (t == Token::EndOfString || t == Token::Comma) && op != Some(Operator::DoesNotExist) {
            op = Some(Operator::Exists);
        }
        Ok((literal, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => return Err(format!("found '{lit}', expected: {BINARY_OPERATORS}")),
        })
    }

    fn parse_values(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Token::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Token::Identifier | Token::Comma => {
                let s = self.parse_identifiers_list()?;
                let (t, _) = self.consume(Context::Values);
                if t != Token::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, String> {
        let mut s = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Token::Identifier => {
                    s.insert(lit);
                    let (tok2, lit2) = self.lookahead(Context::Values);
                    match tok2 {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{lit2}', expected: ',' or ')'")),
                    }
                }
                Token::Comma => {
                    if s.is_empty() {
                        s.insert(String::new());
                    }
                    let (tok2, _) = self.lookahead(Context::Values);
                    if tok2 == Token::ClosedPar {
                        s.insert(String::new());
                        return Ok(s);
                    }
                    if tok2 == Token::Comma {
                        // release-1.34 consumes the second comma here
                        self.consume(Context::Values);
                        s.insert(String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, _) = self.lookahead(Context::Values);
        if tok == Token::EndOfString || tok == Token::Comma {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (tok, lit) = self.consume(Context::Values);
        if tok == Token::Identifier {
            Ok(BTreeSet::from([lit]))
        } else {
            Err(format!("found '{lit}', expected: identifier"))
        }
    }
}

// ---------------------------------------------------------------------------
// Node selectors (component-helpers nodeaffinity)
// ---------------------------------------------------------------------------

const VALID_SELECTOR_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
const VALID_FIELD_SELECTOR_OPERATORS: &[&str] = &["In", "NotIn"];

enum FieldTerm {
    Equal(String, String),
    NotEqual(String, String),
}

/// A `nodeSelectorTerm` after parsing.
struct ParsedTerm {
    match_labels: Option<Selector>,
    match_fields: Option<Vec<FieldTerm>>,
    parse_errs: Vec<String>,
}

fn is_empty_term(term: &NodeSelectorTerm) -> bool {
    term.match_expressions.as_deref().unwrap_or(&[]).is_empty()
        && term.match_fields.as_deref().unwrap_or(&[]).is_empty()
}

fn parse_term(term: &NodeSelectorTerm, path: &Path) -> ParsedTerm {
    let mut parsed = ParsedTerm {
        match_labels: None,
        match_fields: None,
        parse_errs: Vec::new(),
    };
    let exprs = term.match_expressions.as_deref().unwrap_or(&[]);
    if !exprs.is_empty() {
        let p = path.child("matchExpressions");
        let mut reqs = Vec::new();
        let mut errs = Vec::new();
        for (i, expr) in exprs.iter().enumerate() {
            let pi = p.index(i);
            let op = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                "Gt" => Operator::GreaterThan,
                "Lt" => Operator::LessThan,
                other => {
                    errs.push(not_supported(
                        &pi.child("operator"),
                        other,
                        VALID_SELECTOR_OPERATORS,
                    ));
                    continue;
                }
            };
            match new_requirement(&expr.key, op, expr.values.as_deref(), &pi) {
                Ok(r) => reqs.push(r),
                Err(e) => errs.extend(e),
            }
        }
        if errs.is_empty() {
            parsed.match_labels = Some(Selector(Inner::Requirements(sorted_by_key(reqs))));
        } else {
            parsed.parse_errs.extend(errs);
        }
    }
    let fields = term.match_fields.as_deref().unwrap_or(&[]);
    if !fields.is_empty() {
        let p = path.child("matchFields");
        let mut terms = Vec::new();
        let mut errs = Vec::new();
        for (i, expr) in fields.iter().enumerate() {
            let pi = p.index(i);
            let values = expr.values.as_deref();
            let one = match values {
                Some([v]) => Some(v.clone()),
                _ => None,
            };
            match expr.operator.as_str() {
                op @ ("In" | "NotIn") => match one {
                    Some(v) if op == "In" => terms.push(FieldTerm::Equal(expr.key.clone(), v)),
                    Some(v) => terms.push(FieldTerm::NotEqual(expr.key.clone(), v)),
                    None => errs.push(invalid(
                        &pi.child("values"),
                        &go_json_string_list(values),
                        "must have one element",
                    )),
                },
                other => errs.push(not_supported(
                    &pi.child("operator"),
                    other,
                    VALID_FIELD_SELECTOR_OPERATORS,
                )),
            }
        }
        if errs.is_empty() {
            parsed.match_fields = Some(terms);
        } else {
            parsed.parse_errs.extend(errs);
        }
    }
    parsed
}

impl ParsedTerm {
    /// `nodeSelectorTerm.match`: (matched, parse errors).
    fn matches(&self, labels: &BTreeMap<String, String>, node_name: &str) -> (bool, &[String]) {
        if !self.parse_errs.is_empty() {
            return (false, &self.parse_errs);
        }
        if let Some(sel) = &self.match_labels {
            if !sel.matches(labels) {
                return (false, &[]);
            }
        }
        // The only node field is metadata.name, and only when it is set;
        // with no fields at all, matchFields is not evaluated.
        if let (Some(fields), false) = (&self.match_fields, node_name.is_empty()) {
            let get = |k: &str| if k == "metadata.name" { node_name } else { "" };
            let ok = fields.iter().all(|f| match f {
                FieldTerm::Equal(k, v) => get(k) == v,
                FieldTerm::NotEqual(k, v) => get(k) != v,
            });
            if !ok {
                return (false, &[]);
            }
        }
        (true, &[])
    }
}

fn node_labels(node: &Node) -> BTreeMap<String, String> {
    node.metadata.labels.clone().unwrap_or_default()
}

fn node_name(node: &Node) -> &str {
    node.metadata.name.as_deref().unwrap_or("")
}

/// One node selector term: its expressions ANDed (label requirements,
/// In/NotIn/Exists/DoesNotExist/Gt/Lt), its `matchFields` (only
/// `metadata.name`, In/NotIn with exactly one value; ignored when
/// `node_name` is empty, as upstream). An empty term, or one that fails to
/// parse (bad operator, invalid key/value, non-integer Gt/Lt value), matches
/// nothing.
pub fn node_selector_term_matches(
    term: &NodeSelectorTerm,
    labels: &BTreeMap<String, String>,
    node_name: &str,
) -> bool {
    if is_empty_term(term) {
        return false;
    }
    parse_term(term, &Path::default().index(0))
        .matches(labels, node_name)
        .0
}

/// `LazyErrorNodeSelector.Match` / `MatchNodeSelectorTerms`: terms ORed.
/// `Ok(false)` when nothing matched cleanly; `Err` (upstream's aggregated
/// text) when nothing matched and some term failed to parse.
pub fn match_node_selector(sel: &NodeSelector, node: &Node) -> Result<bool, String> {
    let labels = node_labels(node);
    let name = node_name(node);
    let path = Path::default().child("nodeSelectorTerms");
    let mut errs: Vec<String> = Vec::new();
    for (i, term) in sel.node_selector_terms.iter().enumerate() {
        if is_empty_term(term) {
            continue;
        }
        let parsed = parse_term(term, &path.index(i));
        let (matched, term_errs) = parsed.matches(&labels, name);
        if !term_errs.is_empty() {
            errs.extend(term_errs.iter().cloned());
            continue;
        }
        if matched {
            return Ok(true);
        }
    }
    if errs.is_empty() {
        Ok(false)
    } else {
        Err(aggregate_message(&errs))
    }
}

/// Whether any term of the node selector matches the node (parse errors
/// count as no match). An empty term list matches nothing.
pub fn node_selector_matches(sel: &NodeSelector, node: &Node) -> bool {
    match_node_selector(sel, node).unwrap_or(false)
}

/// `NewNodeSelector`'s validation: every parse error of every term, as
/// upstream's aggregated text.
pub fn check_node_selector(sel: &NodeSelector) -> Result<(), String> {
    let path = Path::default().child("nodeSelectorTerms");
    let mut errs = Vec::new();
    for (i, term) in sel.node_selector_terms.iter().enumerate() {
        if is_empty_term(term) {
            continue;
        }
        errs.extend(parse_term(term, &path.index(i)).parse_errs);
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(aggregate_message(&errs))
    }
}

/// The weight of one preferred term if it matches the node, else 0 (also 0
/// for a zero weight, an empty preference, or a preference that fails to
/// parse).
pub fn preferred_scheduling_term_score(term: &PreferredSchedulingTerm, node: &Node) -> i64 {
    if term.weight == 0 || is_empty_term(&term.preference) {
        return 0;
    }
    let parsed = parse_term(&term.preference, &Path::default().index(0));
    if parsed.matches(&node_labels(node), node_name(node)).0 {
        i64::from(term.weight)
    } else {
        0
    }
}

/// `NewPreferredSchedulingTerms(terms).Score(node)`: the sum of the weights
/// of the matching terms. Terms with weight 0 or an empty preference are
/// skipped; any other term that fails to parse makes the whole call fail with
/// upstream's aggregated error (the scheduler then fails scoring).
pub fn preferred_scheduling_terms_score(
    terms: &[PreferredSchedulingTerm],
    node: &Node,
) -> Result<i64, String> {
    let labels = node_labels(node);
    let name = node_name(node);
    let mut errs = Vec::new();
    let mut parsed_terms = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        if term.weight == 0 || is_empty_term(&term.preference) {
            continue;
        }
        let parsed = parse_term(&term.preference, &Path::default().index(i));
        if parsed.parse_errs.is_empty() {
            parsed_terms.push((parsed, i64::from(term.weight)));
        } else {
            errs.extend(parsed.parse_errs);
        }
    }
    if !errs.is_empty() {
        return Err(aggregate_message(&errs));
    }
    Ok(parsed_terms
        .iter()
        .filter(|(p, _)| p.matches(&labels, name).0)
        .map(|(_, w)| *w)
        .sum())
}

/// `GetRequiredNodeAffinity(pod).Match(node)`: the pod's `nodeSelector` map
/// (exact label matches, not validated) AND its required node affinity
/// terms. `Err` carries upstream's parse error text when no term matched.
pub fn required_node_affinity_match(pod: &Pod, node: &Node) -> Result<bool, String> {
    let spec = pod.spec.as_ref();
    if let Some(ns) = spec.and_then(|s| s.node_selector.as_ref()) {
        if !ns.is_empty() && !Selector::from_set(ns).matches(&node_labels(node)) {
            return Ok(false);
        }
    }
    let required = spec
        .and_then(|s| s.affinity.as_ref())
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    match required {
        Some(sel) => match_node_selector(sel, node),
        None => Ok(true),
    }
}

/// Whether the pod's `nodeSelector` and required node affinity both accept
/// the node (upstream `RequiredNodeAffinity.Match`; parse errors mean no
/// match).
pub fn pod_matches_node_selector_and_affinity(pod: &Pod, node: &Node) -> bool {
    required_node_affinity_match(pod, node).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Affinity, NodeAffinity, NodeSelectorRequirement, PodSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelectorRequirement, ObjectMeta};

    fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse_ok(s: &str) -> Selector {
        match Selector::parse(s) {
            Ok(sel) => sel,
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn good_selector_strings_from_upstream_test_selector_parse_restring_without_spaces() {
        for s in [
            "x=a,y=b,z=c",
            "",
            "x!=a,y=b",
            "x=",
            "x= ",
            "x=,z= ",
            "x= ,z= ",
            "!x",
            "x>1",
            "x>1,z<5",
        ] {
            assert_eq!(parse_ok(s).to_string(), s.replace(' ', ""), "{s:?}");
        }
    }

    #[test]
    fn bad_selector_strings_from_upstream_are_rejected() {
        for s in [
            "x=a||y=b",
            "x==a==b",
            "!x=a",
            "x<a",
            "x,,y",
            ",x,y",
            "x nott in (y)",
            "a in (xyz),",
            "a in (xyz)b notin ()",
            "a in (xyz abc)",
            "a notin(",
            "a (",
            "(",
        ] {
            assert!(Selector::parse(s).is_err(), "{s:?} should fail");
        }
    }

    #[test]
    fn parse_error_messages_match_upstream_text() {
        let cases = [
            ("x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
            ("!x=a", "found '=', expected: ',' or 'end of string'"),
            ("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"),
            (",x", "found ',', expected: !, identifier, or 'end of string'"),
            ("x,", "found '', expected: identifier after ','"),
            ("x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"),
            ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
            ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
            ("a in x", "unable to parse requirement: found 'x' expected: '('"),
            ("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
            ("(", "found '(', expected: !, identifier, or 'end of string'"),
            ("a=(", "unable to parse requirement: found '(', expected: identifier"),
            ("a in (b,=", "unable to parse requirement: found '=', expected: ',', or identifier"),
            ("x/y/z", "unable to parse requirement: <nil>: Invalid value: \"x/y/z\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
            ("-x", "unable to parse requirement: <nil>: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
            ("Foo.com/x", "unable to parse requirement: <nil>: Invalid value: \"Foo.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
            ("/x", "unable to parse requirement: <nil>: Invalid value: \"/x\": prefix part must be non-empty"),
            ("x in (a,,)", "unable to parse requirement: found ')', expected: ',', or identifier"),
        ];
        for (input, want) in cases {
            assert_eq!(
                Selector::parse(input).err().as_deref(),
                Some(want),
                "{input:?}"
            );
        }
        let long = format!("x={}", "a".repeat(64));
        assert_eq!(
            Selector::parse(&long).err().unwrap_or_default(),
            format!("unable to parse requirement: values[0][x]: Invalid value: \"{}\": must be no more than 63 characters", "a".repeat(64))
        );
    }

    #[test]
    fn set_based_parsing_from_upstream_test_set_selector_parser() {
        for (input, want) in [
            ("\rx", "x"),
            (
                "this-is-a-dns.domain.com/key-with-dash",
                "this-is-a-dns.domain.com/key-with-dash",
            ),
            (
                "this-is-another-dns.domain.com/key-with-dash in (so,what)",
                "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            ),
            (
                "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
                "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
            ),
            ("foo  in\t (abc)", "foo in (abc)"),
            ("x notin\n (abc)", "x notin (abc)"),
            ("x  notin\t\t\t(abc,def)", "x notin (abc,def)"),
            ("x in (abc,def)", "x in (abc,def)"),
            ("x in (abc,)", "x in (,abc)"),
            ("x in ()", "x in ()"),
            (
                "x notin (abc,,def),bar,z in (),w",
                "bar,w,x notin (,abc,def),z in ()",
            ),
            ("x,y in (a)", "x,y in (a)"),
            ("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"),
            ("x notin ( )", "x notin ()"),
            ("x notin (, a)", "x notin (,a)"),
            ("a ", "a"),
            ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
            ("notin=in", "notin=in"),
            ("x==a", "x==a"),
            ("x in (a,,b)", "x in (,a,b)"),
        ] {
            assert_eq!(parse_ok(input).to_string(), want, "{input:?}");
        }
    }

    #[test]
    fn matching_from_upstream_test_selector_matches() {
        let yes = [
            ("", set(&[("x", "y")])),
            ("x=y", set(&[("x", "y")])),
            ("x=y,z=w", set(&[("x", "y"), ("z", "w")])),
            ("x!=y,z!=w", set(&[("x", "z"), ("z", "a")])),
            ("notin=in", set(&[("notin", "in")])),
            ("x", set(&[("x", "z")])),
            ("!x", set(&[("y", "z")])),
            ("x>1", set(&[("x", "2")])),
            ("x<1", set(&[("x", "0")])),
            ("foo=bar,baz=blah", set(&[("foo", "bar"), ("baz", "blah")])),
            ("x notin (a)", set(&[])),
            ("x>2", set(&[("x", "+3")])),
        ];
        for (s, labels) in &yes {
            assert!(parse_ok(s).matches(labels), "{s:?} should match {labels:?}");
        }
        let no = [
            ("x=z", set(&[])),
            ("x=y", set(&[("x", "z")])),
            ("x=y,z=w", set(&[("x", "w"), ("z", "w")])),
            ("x!=y,z!=w", set(&[("x", "z"), ("z", "w")])),
            ("x", set(&[("y", "z")])),
            ("!x", set(&[("x", "z")])),
            ("x>1", set(&[("x", "0")])),
            ("x<1", set(&[("x", "2")])),
            ("x>1", set(&[("x", "v2")])),
            ("x>1", set(&[("x", "1.5")])),
            (
                "foo=bar,foobar=bar,baz=blah",
                set(&[("foo", "bar"), ("baz", "blah")]),
            ),
            ("x in ()", set(&[("y", "")])),
        ];
        for (s, labels) in &no {
            assert!(
                !parse_ok(s).matches(labels),
                "{s:?} should not match {labels:?}"
            );
        }
    }

    #[test]
    fn requirement_constructor_errors_from_upstream_test_requirement_constructor() {
        let cases: Vec<(&str, Operator, Vec<String>, Option<&str>)> = vec![
            ("x1", Operator::In, vec![], Some("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty")),
            ("x3", Operator::In, strs(&["foo"]), None),
            ("x5", Operator::Equals, strs(&["bar", "foo"]), Some("values: Invalid value: [\"bar\",\"foo\"]: exact-match compatibility requires one single value")),
            ("x6", Operator::Exists, vec![], None),
            ("x8", Operator::Exists, strs(&["foo"]), Some("values: Invalid value: [\"foo\"]: values set must be empty for exists and does not exist")),
            ("x11", Operator::GreaterThan, strs(&["1"]), None),
            ("x13", Operator::GreaterThan, vec![], Some("values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required")),
            ("x14", Operator::GreaterThan, strs(&["bar"]), Some("values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer")),
            ("x17", Operator::Equals, strs(&["a b"]), Some("values[0][x17]: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")),
        ];
        for (key, op, vals, want) in cases {
            let got = Requirement::new(key, op, vals).err();
            assert_eq!(got.as_deref(), want, "{key}");
        }
        let long_key = "a".repeat(254);
        let err = Requirement::new(&long_key, Operator::Exists, vec![])
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("key: Invalid value: \"aaaa"), "{err}");
        assert!(
            err.ends_with("\": name part must be no more than 63 characters"),
            "{err}"
        );
        // two problems: an aggregate in brackets
        let two = Requirement::new("a b", Operator::In, vec![])
            .err()
            .unwrap_or_default();
        assert!(
            two.starts_with("[key: Invalid value: \"a b\": name part must consist"),
            "{two}"
        );
        assert!(two.ends_with(", values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty]"), "{two}");
    }

    #[test]
    fn to_string_from_upstream_test_to_string() {
        let r = |k: &str, op, v: &[&str]| match Requirement::new(k, op, strs(v)) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let sel = Selector::everything().add([
            r("x", Operator::In, &["abc", "def"]),
            r("y", Operator::NotIn, &["jkl"]),
            r("z", Operator::Exists, &[]),
        ]);
        assert_eq!(sel.to_string(), "x in (abc,def),y notin (jkl),z");
        let sel = Selector::everything().add([
            r("x", Operator::NotIn, &["def", "abc"]),
            r("y", Operator::NotEquals, &["jkl"]),
            r("z", Operator::DoesNotExist, &[]),
        ]);
        assert_eq!(sel.to_string(), "x notin (abc,def),y!=jkl,!z");
        let sel = Selector::everything().add([
            r("z", Operator::NotIn, &[""]),
            r("x", Operator::NotIn, &["abc"]),
            r("y", Operator::In, &["jkl", "mno"]),
        ]);
        assert_eq!(sel.to_string(), "x notin (abc),y in (jkl,mno),z notin ()");
        let sel = Selector::everything().add([
            r("x", Operator::Equals, &["abc"]),
            r("y", Operator::DoubleEquals, &["jkl"]),
            r("z", Operator::NotEquals, &["a"]),
            r("z", Operator::Exists, &[]),
        ]);
        assert_eq!(sel.to_string(), "x=abc,y==jkl,z!=a,z");
        let sel = Selector::everything().add([
            r("x", Operator::GreaterThan, &["2"]),
            r("y", Operator::LessThan, &["8"]),
            r("z", Operator::Exists, &[]),
        ]);
        assert_eq!(sel.to_string(), "x>2,y<8,z");
        assert_eq!(sel.requires_exact_match("x"), None);
        let exact = parse_ok("key in (value),key2=v2");
        assert_eq!(exact.requires_exact_match("key"), Some("value"));
        assert_eq!(exact.requires_exact_match("key2"), Some("v2"));
        assert_eq!(exact.requires_exact_match("nope"), None);
    }

    #[test]
    fn deterministic_parse_sorts_requirements_by_key() {
        assert_eq!(
            parse_ok("x=a,a=x").to_string(),
            parse_ok("a=x,x=a").to_string()
        );
        assert_eq!(
            parse_ok("app=web,tier!=db,env in (a,b),!x,y").to_string(),
            "app=web,env in (a,b),tier!=db,!x,y"
        );
    }

    #[test]
    fn nil_selector_matches_nothing_and_empty_selector_matches_everything() {
        let labels = set(&[("a", "b")]);
        let nil = Selector::from_optional_label_selector(None).unwrap_or_default();
        assert!(nil.is_nothing() && !nil.is_empty() && !nil.matches(&labels));
        assert!(nil.requirements().is_none());
        let empty = Selector::from_label_selector(&LabelSelector::default())
            .unwrap_or_else(|_| Selector::nothing());
        assert!(empty.is_everything() && !empty.is_nothing() && empty.matches(&labels));
        assert!(Selector::from_set(&BTreeMap::new()).is_everything());
        assert!(parse_ok("").matches_opt(None));
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(
            format_label_selector(Some(&LabelSelector::default())),
            "<none>"
        );
    }

    #[test]
    fn label_selector_conversion_follows_label_selector_as_selector() {
        let ls = LabelSelector {
            match_labels: Some(set(&[("app", "web"), ("tier", "fe")])),
            match_expressions: Some(vec![
                LabelSelectorRequirement {
                    key: "env".into(),
                    operator: "In".into(),
                    values: Some(strs(&["prod", "dev"])),
                },
                LabelSelectorRequirement {
                    key: "canary".into(),
                    operator: "DoesNotExist".into(),
                    values: None,
                },
            ]),
        };
        let sel = Selector::from_label_selector(&ls).unwrap_or_else(|_| Selector::nothing());
        assert_eq!(sel.to_string(), "app=web,!canary,env in (dev,prod),tier=fe");
        assert!(sel.matches(&set(&[("app", "web"), ("tier", "fe"), ("env", "dev")])));
        assert!(!sel.matches(&set(&[
            ("app", "web"),
            ("tier", "fe"),
            ("env", "dev"),
            ("canary", "1")
        ])));
        assert_eq!(
            format_label_selector(Some(&ls)),
            "app=web,!canary,env in (dev,prod),tier=fe"
        );

        let bad_op = LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "env".into(),
                operator: "Gt".into(),
                values: Some(strs(&["1"])),
            }]),
            ..Default::default()
        };
        assert_eq!(
            Selector::from_label_selector(&bad_op).err().as_deref(),
            Some("\"Gt\" is not a valid label selector operator")
        );
        assert_eq!(format_label_selector(Some(&bad_op)), "<error>");
        for values in [None, Some(vec![])] {
            let empty_in = LabelSelector {
                match_expressions: Some(vec![LabelSelectorRequirement {
                    key: "env".into(),
                    operator: "In".into(),
                    values,
                }]),
                ..Default::default()
            };
            assert_eq!(
                Selector::from_label_selector(&empty_in).err().as_deref(),
                Some("values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty")
            );
        }
        let bad_label = LabelSelector {
            match_labels: Some(set(&[("app", "a<b")])),
            ..Default::default()
        };
        let err = Selector::from_label_selector(&bad_label)
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("values[0][app]: Invalid value: \"a<b\": a valid label must be"),
            "{err}"
        );
    }

    fn req(key: &str, op: &str, values: Option<&[&str]>) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: values.map(strs),
        }
    }

    fn term(
        exprs: Vec<NodeSelectorRequirement>,
        fields: Vec<NodeSelectorRequirement>,
    ) -> NodeSelectorTerm {
        NodeSelectorTerm {
            match_expressions: (!exprs.is_empty()).then_some(exprs),
            match_fields: (!fields.is_empty()).then_some(fields),
        }
    }

    fn node(name: &str, labels: &[(&str, &str)]) -> Node {
        Node {
            metadata: ObjectMeta {
                name: (!name.is_empty()).then(|| name.to_string()),
                labels: Some(set(labels)),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn node_selector_cases_from_upstream_test_node_selector_match() {
        let invalid = NodeSelector {
            node_selector_terms: vec![
                term(
                    vec![],
                    vec![req("metadata.name", "In", Some(&["host_1", "host_2"]))],
                ),
                term(
                    vec![req("label_1", "In", Some(&["label_1_val"]))],
                    vec![req("metadata.name", "In", Some(&["host_1"]))],
                ),
                term(
                    vec![req("invalid key", "In", Some(&["label_value"]))],
                    vec![],
                ),
            ],
        };
        assert_eq!(
            check_node_selector(&invalid).err().as_deref(),
            Some("[nodeSelectorTerms[0].matchFields[0].values: Invalid value: [\"host_1\",\"host_2\"]: must have one element, nodeSelectorTerms[2].matchExpressions[0].key: Invalid value: \"invalid key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')]")
        );
        let fields_but_not_labels = NodeSelector {
            node_selector_terms: vec![term(
                vec![req("label_1", "In", Some(&["label_1_val"]))],
                vec![req("metadata.name", "In", Some(&["host_1"]))],
            )],
        };
        assert!(!node_selector_matches(
            &fields_but_not_labels,
            &node("host_1", &[])
        ));
        assert!(node_selector_matches(
            &fields_but_not_labels,
            &node("host_1", &[("label_1", "label_1_val")])
        ));
        let second = NodeSelector {
            node_selector_terms: vec![
                term(vec![req("label_1", "In", Some(&["label_1_val"]))], vec![]),
                term(vec![], vec![req("metadata.name", "In", Some(&["host_1"]))]),
            ],
        };
        assert!(node_selector_matches(&second, &node("host_1", &[])));
        assert_eq!(
            match_node_selector(&second, &node("host_2", &[])),
            Ok(false)
        );
        // a term that fails to parse only reports when nothing matched
        assert_eq!(
            match_node_selector(&invalid, &node("host_1", &[("label_1", "label_1_val")])),
            Ok(true)
        );
        assert!(match_node_selector(&invalid, &node("host_9", &[])).is_err());
    }

    #[test]
    fn node_selector_terms_follow_upstream_semantics() {
        let labels = set(&[("zone", "a"), ("cores", "8"), ("gpu", "")]);
        let cases: Vec<(&str, NodeSelectorTerm, bool)> = vec![
            ("an empty term matches nothing", term(vec![], vec![]), false),
            (
                "In matches a listed value",
                term(vec![req("zone", "In", Some(&["a", "b"]))], vec![]),
                true,
            ),
            (
                "NotIn rejects a listed value",
                term(vec![req("zone", "NotIn", Some(&["a"]))], vec![]),
                false,
            ),
            (
                "NotIn accepts a missing key",
                term(vec![req("rack", "NotIn", Some(&["r1"]))], vec![]),
                true,
            ),
            (
                "Exists accepts an empty value",
                term(vec![req("gpu", "Exists", None)], vec![]),
                true,
            ),
            (
                "DoesNotExist rejects a present key",
                term(vec![req("gpu", "DoesNotExist", None)], vec![]),
                false,
            ),
            (
                "Gt compares integers",
                term(vec![req("cores", "Gt", Some(&["4"]))], vec![]),
                true,
            ),
            (
                "Lt compares integers",
                term(vec![req("cores", "Lt", Some(&["4"]))], vec![]),
                false,
            ),
            (
                "Gt with a non-integer value fails to parse",
                term(vec![req("cores", "Gt", Some(&["4.5"]))], vec![]),
                false,
            ),
            (
                "Gt against a non-integer label does not match",
                term(vec![req("zone", "Gt", Some(&["1"]))], vec![]),
                false,
            ),
            (
                "expressions are ANDed",
                term(
                    vec![
                        req("zone", "In", Some(&["a"])),
                        req("cores", "Gt", Some(&["8"])),
                    ],
                    vec![],
                ),
                false,
            ),
            (
                "unknown operators fail to parse",
                term(vec![req("zone", "Equals", Some(&["a"]))], vec![]),
                false,
            ),
            (
                "matchFields on metadata.name",
                term(vec![], vec![req("metadata.name", "In", Some(&["n1"]))]),
                true,
            ),
            (
                "matchFields NotIn",
                term(vec![], vec![req("metadata.name", "NotIn", Some(&["n1"]))]),
                false,
            ),
            (
                "matchFields on another field sees an empty value",
                term(vec![], vec![req("spec.unschedulable", "In", Some(&[""]))]),
                true,
            ),
            (
                "matchFields Exists is unsupported",
                term(vec![], vec![req("metadata.name", "Exists", None)]),
                false,
            ),
            (
                "matchFields needs exactly one value",
                term(
                    vec![],
                    vec![req("metadata.name", "In", Some(&["n1", "n2"]))],
                ),
                false,
            ),
        ];
        for (name, t, want) in cases {
            assert_eq!(
                node_selector_term_matches(&t, &labels, "n1"),
                want,
                "{name}"
            );
        }
        // with no node name, matchFields are not evaluated (upstream quirk)
        let only_fields = term(vec![], vec![req("metadata.name", "In", Some(&["other"]))]);
        assert!(node_selector_term_matches(&only_fields, &labels, ""));
        assert!(!node_selector_matches(
            &NodeSelector::default(),
            &node("n1", &[])
        ));
        let bad_op = NodeSelector {
            node_selector_terms: vec![term(vec![req("zone", "Foo", Some(&["a"]))], vec![])],
        };
        assert_eq!(
            check_node_selector(&bad_op).err().as_deref(),
            Some("nodeSelectorTerms[0].matchExpressions[0].operator: Unsupported value: \"Foo\": supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\", \"Gt\", \"Lt\"")
        );
    }

    fn pref(weight: i32, t: NodeSelectorTerm) -> PreferredSchedulingTerm {
        PreferredSchedulingTerm {
            weight,
            preference: t,
        }
    }

    #[test]
    fn preferred_terms_from_upstream_test_preferred_scheduling_terms_score() {
        let invalid = vec![
            pref(
                1,
                term(
                    vec![],
                    vec![req("metadata.name", "In", Some(&["host_1", "host_2"]))],
                ),
            ),
            pref(
                1,
                term(
                    vec![req("label_1", "In", Some(&["label_1_val"]))],
                    vec![req("metadata.name", "In", Some(&["host_1"]))],
                ),
            ),
            pref(
                1,
                term(
                    vec![req("invalid key", "In", Some(&["label_value"]))],
                    vec![],
                ),
            ),
        ];
        let err = preferred_scheduling_terms_score(&invalid, &node("host_1", &[]))
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("[[0].matchFields[0].values: Invalid value: [\"host_1\",\"host_2\"]: must have one element, [2].matchExpressions[0].key: Invalid value: \"invalid key\""), "{err}");
        let no_weight = vec![pref(
            0,
            term(
                vec![],
                vec![req("metadata.name", "In", Some(&["host_1", "host_2"]))],
            ),
        )];
        assert_eq!(
            preferred_scheduling_terms_score(&no_weight, &node("host_1", &[])),
            Ok(0)
        );
        let terms = vec![
            pref(
                5,
                term(vec![], vec![req("metadata.name", "In", Some(&["host_1"]))]),
            ),
            pref(
                7,
                term(
                    vec![req("unknown_label", "In", Some(&["unknown_label_val"]))],
                    vec![],
                ),
            ),
            pref(
                11,
                term(vec![req("label_1", "In", Some(&["label_1_val"]))], vec![]),
            ),
        ];
        let n = node("host_1", &[("label_1", "label_1_val")]);
        assert_eq!(preferred_scheduling_terms_score(&terms, &n), Ok(16));
        let singles: Vec<i64> = terms
            .iter()
            .map(|t| preferred_scheduling_term_score(t, &n))
            .collect();
        assert_eq!(singles, [5, 0, 11]);
    }

    fn pod(node_selector: &[(&str, &str)], required: Option<NodeSelector>) -> Pod {
        Pod {
            spec: Some(PodSpec {
                node_selector: (!node_selector.is_empty()).then(|| set(node_selector)),
                affinity: required.map(|r| Affinity {
                    node_affinity: Some(NodeAffinity {
                        required_during_scheduling_ignored_during_execution: Some(r),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn pods_follow_upstream_test_pod_matches_node_selector_and_affinity_terms() {
        let foo_bar = node("n", &[("foo", "bar")]);
        let sel = |ts: Vec<NodeSelectorTerm>| NodeSelector {
            node_selector_terms: ts,
        };
        let cases: Vec<(&str, Pod, Node, bool)> = vec![
            ("no selector", pod(&[], None), node("n", &[]), true),
            (
                "missing labels",
                pod(&[("foo", "bar")], None),
                node("n", &[]),
                false,
            ),
            (
                "same labels",
                pod(&[("foo", "bar")], None),
                foo_bar.clone(),
                true,
            ),
            (
                "node labels are superset",
                pod(&[("foo", "bar")], None),
                node("n", &[("foo", "bar"), ("baz", "blah")]),
                true,
            ),
            (
                "node labels are subset",
                pod(&[("foo", "bar"), ("baz", "blah")], None),
                foo_bar.clone(),
                false,
            ),
            (
                "In operator matches",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![req("foo", "In", Some(&["bar", "value2"]))],
                        vec![],
                    )])),
                ),
                foo_bar.clone(),
                true,
            ),
            (
                "Gt operator matches",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![req("kernel-version", "Gt", Some(&["0204"]))],
                        vec![],
                    )])),
                ),
                node("n", &[("kernel-version", "0206")]),
                true,
            ),
            (
                "NotIn operator matches",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![req("mem-type", "NotIn", Some(&["DDR", "DDR2"]))],
                        vec![],
                    )])),
                ),
                node("n", &[("mem-type", "DDR3")]),
                true,
            ),
            (
                "Exists operator matches",
                pod(
                    &[],
                    Some(sel(vec![term(vec![req("GPU", "Exists", None)], vec![])])),
                ),
                node("n", &[("GPU", "NVIDIA-GRID-K1")]),
                true,
            ),
            (
                "affinity that doesn't match",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![req("foo", "In", Some(&["value1", "value2"]))],
                        vec![],
                    )])),
                ),
                foo_bar.clone(),
                false,
            ),
            (
                "nil NodeSelectorTerms",
                pod(&[], Some(sel(vec![]))),
                foo_bar.clone(),
                false,
            ),
            (
                "empty MatchExpressions matches no objects",
                pod(&[], Some(sel(vec![term(vec![], vec![])]))),
                foo_bar.clone(),
                false,
            ),
            (
                "Affinity with nil NodeSelector (no affinity) schedules",
                pod(&[], None),
                foo_bar.clone(),
                true,
            ),
            (
                "multiple matchExpressions ANDed match",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![
                            req("GPU", "Exists", None),
                            req("GPU", "NotIn", Some(&["AMD", "INTER"])),
                        ],
                        vec![],
                    )])),
                ),
                node("n", &[("GPU", "NVIDIA-GRID-K1")]),
                true,
            ),
            (
                "multiple matchExpressions ANDed don't match",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![
                            req("GPU", "Exists", None),
                            req("GPU", "In", Some(&["AMD", "INTER"])),
                        ],
                        vec![],
                    )])),
                ),
                node("n", &[("GPU", "NVIDIA-GRID-K1")]),
                false,
            ),
            (
                "NodeSelectorTerms ORed",
                pod(
                    &[],
                    Some(sel(vec![
                        term(vec![req("foo", "In", Some(&["bar", "value2"]))], vec![]),
                        term(
                            vec![req("diffkey", "In", Some(&["wrong", "value2"]))],
                            vec![],
                        ),
                    ])),
                ),
                foo_bar.clone(),
                true,
            ),
            (
                "affinity and nodeSelector both match",
                pod(
                    &[("foo", "bar")],
                    Some(sel(vec![term(vec![req("foo", "Exists", None)], vec![])])),
                ),
                foo_bar.clone(),
                true,
            ),
            (
                "affinity matches but nodeSelector doesn't",
                pod(
                    &[("foo", "bar")],
                    Some(sel(vec![term(vec![req("foo", "Exists", None)], vec![])])),
                ),
                node("n", &[("foo", "barrrrrr")]),
                false,
            ),
            (
                "invalid value in affinity term",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![req("foo", "In", Some(&["invalid value: ___@#$%^"]))],
                        vec![],
                    )])),
                ),
                foo_bar.clone(),
                false,
            ),
            (
                "matchFields In matches",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![],
                        vec![req("metadata.name", "In", Some(&["node_1"]))],
                    )])),
                ),
                node("node_1", &[]),
                true,
            ),
            (
                "matchFields In doesn't match",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![],
                        vec![req("metadata.name", "In", Some(&["node_1"]))],
                    )])),
                ),
                node("node_2", &[]),
                false,
            ),
            (
                "two terms: fields don't match, expressions do",
                pod(
                    &[],
                    Some(sel(vec![
                        term(vec![], vec![req("metadata.name", "In", Some(&["node_1"]))]),
                        term(vec![req("foo", "In", Some(&["bar"]))], vec![]),
                    ])),
                ),
                node("node_2", &[("foo", "bar")]),
                true,
            ),
            (
                "one term: fields don't match, expressions do",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![req("foo", "In", Some(&["bar"]))],
                        vec![req("metadata.name", "In", Some(&["node_1"]))],
                    )])),
                ),
                node("node_2", &[("foo", "bar")]),
                false,
            ),
            (
                "one term: both match",
                pod(
                    &[],
                    Some(sel(vec![term(
                        vec![req("foo", "In", Some(&["bar"]))],
                        vec![req("metadata.name", "In", Some(&["node_1"]))],
                    )])),
                ),
                node("node_1", &[("foo", "bar")]),
                true,
            ),
            (
                "two terms: neither matches",
                pod(
                    &[],
                    Some(sel(vec![
                        term(vec![], vec![req("metadata.name", "In", Some(&["node_1"]))]),
                        term(vec![req("foo", "In", Some(&["bar"]))], vec![]),
                    ])),
                ),
                node("node_2", &[("foo", "not-bar")]),
                false,
            ),
        ];
        for (name, p, n, want) in cases {
            assert_eq!(
                pod_matches_node_selector_and_affinity(&p, &n),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn go_quoting_helpers_escape_like_go() {
        assert_eq!(
            go_quote("a\"b\\c\n\t\u{1}é\u{a0}"),
            "\"a\\\"b\\\\c\\n\\t\\x01é\\u00a0\""
        );
        assert_eq!(
            go_json_string("<a&b>\u{2028}\u{1}"),
            "\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\""
        );
        assert_eq!(go_json_string_list(None), "null");
        assert_eq!(go_json_string_list(Some(&[])), "[]");
    }

    #[test]
    fn arbitrary_byte_strings_never_panic_the_selector_parser() {
        let alphabet: &[u8] = b"ab=!(),<> in notin\t\r\n/.-_0\x00\xc3\xa9";
        let mut seed: u64 = 0xDEADBEEFCAFEBABE;
        let labels = set(&[("a", "b"), ("b", "1"), ("in", "notin")]);
        for _ in 0..20000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 16) as usize;
            let mut s2 = seed;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    s2 = s2.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[((s2 >> 33) as usize) % alphabet.len()]
                })
                .collect();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Ok(sel) = Selector::parse(&text) {
                let _ = sel.matches(&labels);
                // the printed form re-parses to the same selector
                let printed = sel.to_string();
                if !printed.contains('\u{0}') {
                    assert_eq!(
                        Selector::parse(&printed).map(|s| s.to_string()),
                        Ok(printed.clone()),
                        "{text:?}"
                    );
                }
            }
        }
    }
}
