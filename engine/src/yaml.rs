//! Reading manifests: a YAML stream split into documents, each turned into JSON with the line and
//! column of every field kept.
//!
//! Follows how kubectl reads a file:
//! - documents are split the way `k8s.io/apimachinery/pkg/util/yaml.YAMLReader` splits them: a
//!   line that starts with `---` followed only by white space ends a document;
//! - each document goes through `sigs.k8s.io/yaml.YAMLToJSON`, which resolves plain scalars with
//!   go-yaml v2's rules (`gopkg.in/yaml.v2/resolve.go`): `yes`/`no`/`on`/`off`/`y`/`n` are
//!   booleans, integers accept `0x`, `0o`, leading-zero octal and `_` separators, `~` is null;
//! - a key defined twice in one mapping is an error, as go-yaml reports it.
//!
//! JSON is YAML, so JSON input takes the same path.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Upper bound on the nodes one document may expand to (aliases included), so that a hostile
/// "billion laughs" document gets an error instead of exhausting memory.
const MAX_NODES: usize = 200_000;
/// Deepest nesting accepted; deeper input is refused rather than risking the stack.
const MAX_DEPTH: usize = 200;

/// A position in a source file: 1-based line, 1-based column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// Where each field of a document stands. Paths are written the way the API server writes field
/// paths in its messages: `spec.containers[0].image`; the empty path is the document itself.
#[derive(Clone, Debug, Default)]
pub struct Positions {
    map: HashMap<String, Pos>,
    duplicates: Vec<Duplicate>,
}

impl Positions {
    /// Keys that were given twice (the later value won).
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }

    pub fn get(&self, path: &str) -> Option<Pos> {
        self.map.get(path).copied()
    }

    /// The position of `path`, or of its nearest ancestor that has one.
    pub fn nearest(&self, path: &str) -> Option<Pos> {
        let mut p = path;
        loop {
            if let Some(pos) = self.map.get(p) {
                return Some(*pos);
            }
            if p.is_empty() {
                return None;
            }
            let cut = p.rfind(['.', '[']).unwrap_or(0);
            p = &p[..cut];
        }
    }

    fn insert(&mut self, path: String, pos: Pos) {
        self.map.entry(path).or_insert(pos);
    }
}

/// A YAML syntax problem, worded as go-yaml words it where the wording is known.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// One document of a file.
#[derive(Clone, Debug)]
pub struct Document {
    /// 0-based index of the document in its file.
    pub index: usize,
    /// Line on which the document's text starts (after its `---`).
    pub first_line: u32,
    /// The document's raw text.
    pub text: String,
    /// What it parsed to: `Ok(None)` for a document with nothing but comments and blank lines.
    pub content: Result<Option<(Value, Positions)>, YamlError>,
}

/// Splits a file into documents as `YAMLReader` does and parses each.
pub fn parse_stream(text: &str) -> Vec<Document> {
    split_documents(text)
        .into_iter()
        .enumerate()
        .map(|(index, (first_line, body))| {
            let content = parse_document(&body, first_line);
            Document {
                index,
                first_line,
                text: body,
                content,
            }
        })
        .collect()
}

/// The documents of a stream with the line each starts on. Separator lines are dropped; the
/// documents' texts keep their own lines so positions can be shifted back.
pub fn split_documents(text: &str) -> Vec<(u32, String)> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut start = 1u32;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let bare = line.trim_end_matches(['\n', '\r']);
        if let Some(after) = bare.strip_prefix("---") {
            if after.trim().is_empty() {
                docs.push((start, std::mem::take(&mut current)));
                start = lineno.saturating_add(1);
                continue;
            }
        }
        current.push_str(line);
    }
    docs.push((start, current));
    // Empty documents (only blank lines or comments) are dropped by kubectl's decoder; keep them
    // out unless the whole stream is empty.
    docs.retain(|(_, body)| !is_blank_document(body));
    docs
}

/// True when a document holds nothing but white space and comments.
pub fn is_blank_document(body: &str) -> bool {
    body.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#')
    })
}

/// A node while it is being built, with the position of its start.
enum Building {
    Seq(Vec<(Value, Pos)>, Pos),
    Map(
        Map<String, Value>,
        Option<(String, Pos)>,
        Pos,
        HashMap<String, Pos>,
    ),
}

/// A key given twice in one mapping: kubectl keeps the last value without a word.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Duplicate {
    pub path: String,
    pub first: Pos,
    pub second: Pos,
}

struct Builder {
    duplicates: Vec<Duplicate>,
    stack: Vec<Building>,
    /// Path segments of the nodes on the stack.
    path: Vec<String>,
    anchors: HashMap<usize, Value>,
    /// Anchors being defined, by the depth of the stack at which their node started.
    pending_anchors: Vec<(usize, usize)>,
    positions: Positions,
    nodes: usize,
    line_offset: u32,
    root: Option<Value>,
}

fn pos_of(span: &Span, line_offset: u32) -> Pos {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(span.start.col()).unwrap_or(u32::MAX);
    Pos {
        line: line.saturating_add(line_offset).saturating_sub(1),
        col: col.saturating_add(1),
    }
}

fn join_path(path: &[String]) -> String {
    let mut out = String::new();
    for seg in path {
        if seg.starts_with('[') || out.is_empty() {
            out.push_str(seg);
        } else {
            out.push('.');
            out.push_str(seg);
        }
    }
    out
}

impl Builder {
    /// The path segment the next value will take inside the top of the stack.
    fn next_segment(&self) -> Option<String> {
        match self.stack.last()? {
            Building::Seq(items, _) => Some(format!("[{}]", items.len())),
            Building::Map(_, Some((key, _)), _, _) => Some(key.clone()),
            Building::Map(_, None, _, _) => None,
        }
    }

    fn count(&mut self, pos: Pos) -> Result<(), YamlError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(YamlError {
                pos,
                message: format!("document is too large: more than {MAX_NODES} values"),
            });
        }
        if self.stack.len() > MAX_DEPTH {
            return Err(YamlError {
                pos,
                message: format!("document is nested too deeply: more than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    /// Places a finished value into its parent (or as the root).
    fn place(&mut self, value: Value, pos: Pos) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(value);
                Ok(())
            }
            Some(Building::Seq(items, _)) => {
                items.push((value, pos));
                Ok(())
            }
            Some(Building::Map(map, pending, _, keys)) => match pending.take() {
                None => {
                    // This value is a key.
                    let key = match value {
                        Value::String(s) => s,
                        Value::Null => "null".to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) => n.to_string(),
                        Value::Array(_) | Value::Object(_) => {
                            return Err(YamlError {
                                pos,
                                message: "error converting YAML to JSON: yaml: invalid map key"
                                    .to_string(),
                            })
                        }
                    };
                    if let Some(first) = keys.get(&key) {
                        // go-yaml v2 (what kubectl uses) keeps the last value silently; note it
                        // so the playground can explain what happened.
                        let mut path = self.path.clone();
                        path.push(key.clone());
                        self.duplicates.push(Duplicate {
                            path: join_path(&path),
                            first: *first,
                            second: pos,
                        });
                        map.shift_remove(&key);
                    }
                    keys.insert(key.clone(), pos);
                    let mut path = self.path.clone();
                    path.push(key.clone());
                    self.positions.insert(join_path(&path), pos);
                    *pending = Some((key, pos));
                    Ok(())
                }
                Some((key, _)) => {
                    if key == "<<" {
                        // Merge key: fold the mapping(s) in without overriding explicit keys.
                        merge_into(map, value);
                    } else {
                        map.insert(key, value);
                    }
                    Ok(())
                }
            },
        }
    }

    fn on_event(&mut self, ev: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = pos_of(&span, self.line_offset);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(pos)?;
                let is_key = matches!(self.stack.last(), Some(Building::Map(_, None, _, _)));
                let value = resolve_scalar(&text, style, tag.as_ref().map(|t| t.suffix.as_str()));
                if !is_key {
                    if let Some(seg) = self.next_segment() {
                        let mut path = self.path.clone();
                        path.push(seg);
                        self.positions.insert(join_path(&path), pos);
                    }
                }
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.place(value, pos)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.count(pos)?;
                let seg = self.next_segment();
                if let Some(seg) = seg {
                    self.path.push(seg);
                } else if !self.stack.is_empty() {
                    return Err(YamlError {
                        pos,
                        message: "error converting YAML to JSON: yaml: invalid map key".to_string(),
                    });
                }
                if self.stack.is_empty() {
                    self.positions.insert(String::new(), pos);
                } else {
                    self.positions.insert(join_path(&self.path), pos);
                }
                if anchor > 0 {
                    self.pending_anchors.push((anchor, self.stack.len()));
                }
                if matches!(ev, Event::SequenceStart(..)) {
                    self.stack.push(Building::Seq(Vec::new(), pos));
                } else {
                    self.stack
                        .push(Building::Map(Map::new(), None, pos, HashMap::new()));
                }
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(done) = self.stack.pop() else {
                    return Ok(());
                };
                let (value, start) = match done {
                    Building::Seq(items, start) => (
                        Value::Array(items.into_iter().map(|(v, _)| v).collect()),
                        start,
                    ),
                    Building::Map(map, _, start, _) => (Value::Object(map), start),
                };
                if !self.stack.is_empty() {
                    self.path.pop();
                }
                if let Some(&(anchor, depth)) = self.pending_anchors.last() {
                    if depth == self.stack.len() {
                        self.pending_anchors.pop();
                        self.anchors.insert(anchor, value.clone());
                    }
                }
                self.place(value, start)
            }
            Event::Alias(id) => {
                let Some(value) = self.anchors.get(&id).cloned() else {
                    return Err(YamlError {
                        pos,
                        message: "error converting YAML to JSON: yaml: unknown anchor referenced"
                            .to_string(),
                    });
                };
                let size = count_values(&value);
                self.nodes = self.nodes.saturating_add(size);
                self.count(pos)?;
                self.place(value, pos)
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }
}

fn count_values(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_values).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(count_values).sum::<usize>(),
        _ => 1,
    }
}

fn merge_into(map: &mut Map<String, Value>, value: Value) {
    match value {
        Value::Object(src) => {
            for (k, v) in src {
                map.entry(k).or_insert(v);
            }
        }
        Value::Array(items) => {
            for item in items {
                merge_into(map, item);
            }
        }
        _ => {}
    }
}

/// Parses one document's text; `first_line` is the line of the file the text starts on.
pub fn parse_document(
    text: &str,
    first_line: u32,
) -> Result<Option<(Value, Positions)>, YamlError> {
    if is_blank_document(text) {
        return Ok(None);
    }
    if let Some(err) = tab_indentation(text, first_line) {
        return Err(err);
    }
    let mut builder = Builder {
        duplicates: Vec::new(),
        stack: Vec::new(),
        path: Vec::new(),
        anchors: HashMap::new(),
        pending_anchors: Vec::new(),
        positions: Positions::default(),
        nodes: 0,
        line_offset: first_line,
        root: None,
    };
    let mut seen_document = false;
    for item in Parser::new_from_str(text) {
        let (ev, span) = item.map_err(|e| scan_error(&e, first_line))?;
        if let Event::DocumentStart(_) = ev {
            if seen_document {
                // A `...` end marker followed by more content: kubectl's reader would have split
                // it; keep to the first document.
                break;
            }
            seen_document = true;
        }
        builder.on_event(ev, span)?;
    }
    let mut positions = builder.positions;
    positions.duplicates = builder.duplicates;
    Ok(builder.root.map(|v| (v, positions)))
}

/// go-yaml refuses tabs used for indentation; name the line as it does.
fn tab_indentation(text: &str, first_line: u32) -> Option<YamlError> {
    for (i, line) in text.lines().enumerate() {
        let indent: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        if indent.contains('\t') && line.trim_start().chars().next().is_some_and(|c| c != '#') {
            let doc_line = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let line_no = first_line.saturating_add(doc_line).saturating_sub(1);
            return Some(YamlError {
                pos: Pos {
                    line: line_no,
                    col: u32::try_from(indent.find('\t').unwrap_or(0) + 1).unwrap_or(1),
                },
                message: format!(
                    "error converting YAML to JSON: yaml: line {doc_line}: found character that cannot start any token"
                ),
            });
        }
    }
    None
}

/// Turns the parser's error into go-yaml v2's wording where a match is known. go-yaml counts
/// lines from the start of the document kubectl decoded, and reports parser errors (unlike scanner
/// errors) on the 0-based line, one less than an editor shows; the message keeps that quirk while
/// the position points at the real line.
fn scan_error(e: &ScanError, first_line: u32) -> YamlError {
    let m = e.marker();
    let doc_line = u32::try_from(m.line()).unwrap_or(u32::MAX);
    let line = doc_line.saturating_add(first_line).saturating_sub(1);
    let col = u32::try_from(m.col()).unwrap_or(u32::MAX).saturating_add(1);
    let info = e.info();
    const SCANNER: &[&str] = &[
        "mapping values are not allowed in this context",
        "found character that cannot start any token",
        "could not find expected ':'",
        "block sequence entries are not allowed in this context",
        "mapping keys are not allowed in this context",
        "found unexpected end of stream",
        "did not find expected whitespace or line break",
        "found unknown escape character",
    ];
    const PARSER: &[&str] = &[
        "did not find expected key",
        "did not find expected '-' indicator",
        "did not find expected node content",
        "did not find expected ',' or ']'",
        "did not find expected ',' or '}'",
    ];
    let (what, reported) = if let Some(p) = SCANNER.iter().find(|p| info.contains(*p)) {
        (p.to_string(), doc_line)
    } else if let Some(p) = PARSER.iter().find(|p| info.contains(&p[..p.len().min(24)])) {
        (p.to_string(), doc_line.saturating_sub(1))
    } else if info.contains("unexpected end") || info.contains("unclosed") {
        ("found unexpected end of stream".to_string(), doc_line)
    } else {
        (info.to_string(), doc_line)
    };
    let message = if reported == 0 {
        format!("error converting YAML to JSON: yaml: {what}")
    } else {
        format!("error converting YAML to JSON: yaml: line {reported}: {what}")
    };
    YamlError {
        pos: Pos { line, col },
        message,
    }
}

/// Resolves a scalar as go-yaml v2 does when decoding into `interface{}`.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    if style != ScalarStyle::Plain {
        return match tag {
            Some("int") | Some("float") | Some("bool") | Some("null") => resolve_plain(text),
            _ => Value::String(text.to_string()),
        };
    }
    if tag == Some("str") {
        return Value::String(text.to_string());
    }
    resolve_plain(text)
}

fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            // JSON has no infinities or NaN; YAMLToJSON fails on them too.
            return Value::String(text.to_string());
        }
        _ => {}
    }
    let first = text.as_bytes().first().copied().unwrap_or(b' ');
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::String(text.to_string());
    }
    if let Some(i) = parse_go_int(text) {
        return Value::Number(Number::from(i));
    }
    if let Ok(u) = text.strip_prefix('+').unwrap_or(text).parse::<u64>() {
        return Value::Number(Number::from(u));
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if plain
        .chars()
        .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
    {
        if let Ok(f) = plain.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(text.to_string())
}

/// `strconv.ParseInt(s, 0, 64)` after removing `_`, as go-yaml v2 resolves integers.
fn parse_go_int(text: &str) -> Option<i64> {
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, digits) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(h) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
        (16, h)
    } else if let Some(o) = digits.strip_prefix("0o").or(digits.strip_prefix("0O")) {
        (8, o)
    } else if let Some(b) = digits.strip_prefix("0b").or(digits.strip_prefix("0B")) {
        (2, b)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    let v = if neg { -magnitude } else { magnitude };
    i64::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> (Value, Positions) {
        parse_document(text, 1).unwrap().unwrap()
    }

    #[test]
    fn documents_are_split_on_separator_lines_only() {
        let docs = split_documents("a: 1\n---\nb: 2\n--- \n# only a comment\n---\nc: |\n  ---x\n");
        let starts: Vec<u32> = docs.iter().map(|d| d.0).collect();
        assert_eq!(starts, vec![1, 3, 7]);
    }

    #[test]
    fn go_yaml_v2_resolves_yes_no_on_off_as_booleans() {
        let (v, _) = one("a: yes\nb: off\nc: 'yes'\nd: y\ne: ~\nf: 0x1F\ng: 010\nh: 1_000\ni: 1.5\nj: 1e3\nk: 12abc\n");
        assert_eq!(
            v,
            json!({"a": true, "b": false, "c": "yes", "d": true, "e": null, "f": 31, "g": 8,
                   "h": 1000, "i": 1.5, "j": 1000.0, "k": "12abc"})
        );
    }

    #[test]
    fn every_field_remembers_its_line() {
        let text =
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx\n";
        let (_, p) = parse_document(text, 10).unwrap().unwrap();
        assert_eq!(p.get("kind").unwrap().line, 11);
        assert_eq!(p.get("spec.containers[0].image").unwrap().line, 15);
        assert_eq!(p.get("spec.containers[0]").unwrap().line, 14);
        assert_eq!(p.nearest("spec.containers[0].ports[3].x").unwrap().line, 14);
    }

    #[test]
    fn a_key_defined_twice_keeps_the_last_value_as_kubectl_does() {
        let (v, p) = parse_document("max:\n  cpu: 1\n  min:\n  cpu: 2\n", 1)
            .unwrap()
            .unwrap();
        assert_eq!(v, json!({"max": {"min": null, "cpu": 2}}));
        assert_eq!(p.duplicates()[0].path, "max.cpu");
        assert_eq!(
            (p.duplicates()[0].first.line, p.duplicates()[0].second.line),
            (2, 4)
        );
    }

    #[test]
    fn malformed_yaml_names_the_line() {
        let err = parse_document("x: 1\na: b: c\n", 5).unwrap_err();
        assert_eq!(err.pos.line, 6);
        assert!(
            err.message
                .contains("line 2: mapping values are not allowed in this context"),
            "{}",
            err.message
        );
    }

    #[test]
    fn tabs_in_indentation_are_refused() {
        let err = parse_document("a:\n\tb: 1\n", 1).unwrap_err();
        assert!(
            err.message
                .contains("line 2: found character that cannot start any token"),
            "{}",
            err.message
        );
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let (v, _) = one("base: &b {a: 1, b: 2}\nother:\n  <<: *b\n  b: 3\n");
        assert_eq!(v["other"], json!({"a": 1, "b": 3}));
        // go-yaml v2 resolves keys too: `y` is a boolean key, which becomes "true".
        let (v, _) = one("y: 1\n");
        assert_eq!(v, json!({"true": 1}));
    }

    #[test]
    fn a_billion_laughs_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse_document(&text, 1).unwrap_err();
        assert!(err.message.contains("too large"));
    }

    #[test]
    fn json_is_read_as_yaml() {
        let (v, p) = one("{\"kind\": \"Pod\",\n \"metadata\": {\"name\": \"x\"}}");
        assert_eq!(v["metadata"]["name"], "x");
        assert_eq!(p.get("metadata.name").unwrap().line, 2);
    }
}
