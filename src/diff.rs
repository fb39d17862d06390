//! What a mutating admission plugin changed, as a line diff of the object's YAML: the object
//! rendered the way `kubectl get -o yaml` lays it out (block style; list items at their key's
//! indentation, as go-yaml v2 writes them through `sigs.k8s.io/yaml`), then a longest common
//! subsequence over the lines, then hunks with a little context. Pure and bounded: no Yew, no
//! browser, tested natively.

use serde_json::Value;

/// Above this many cells the LCS table is not built: the changed middle is shown as removed
/// then added (still correct, only less precise).
const MAX_CELLS: usize = 4_000_000;

/// What happened to a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Same,
    Added,
    Removed,
}

/// One row of a diff as shown: a line, or a run of unchanged lines left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    Line(Change, String),
    Skipped(usize),
}

/// The YAML lines of a JSON value, as `kubectl get -o yaml` lays them out.
pub fn yaml_lines(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => write_list(a, 0, &mut out),
        other => out.push(scalar(other)),
    }
    out
}

fn pad(indent: usize) -> String {
    " ".repeat(indent)
}

fn write_map(m: &serde_json::Map<String, Value>, indent: usize, out: &mut Vec<String>) {
    for (k, v) in m {
        let key = format!("{}{}:", pad(indent), quote(k));
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push(key);
                write_map(inner, indent + 2, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push(key);
                write_list(items, indent, out);
            }
            other => out.push(format!("{key} {}", scalar(other))),
        }
    }
}

fn write_list(items: &[Value], indent: usize, out: &mut Vec<String>) {
    for item in items {
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key shares the dash's line; the rest align under it.
                let start = out.len();
                write_map(m, indent + 2, out);
                if let Some(first) = out.get_mut(start) {
                    let rest = first.get(indent + 2..).unwrap_or("").to_string();
                    *first = format!("{}- {rest}", pad(indent));
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                let start = out.len();
                write_list(inner, indent + 2, out);
                if let Some(first) = out.get_mut(start) {
                    let rest = first.get(indent + 2..).unwrap_or("").to_string();
                    *first = format!("{}- {rest}", pad(indent));
                }
            }
            other => out.push(format!("{}- {}", pad(indent), scalar(other))),
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as a YAML scalar: plain when it reads back as the same string, else double-quoted
/// (strings that look like numbers, booleans or null, or contain YAML syntax).
fn quote(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let reserved = matches!(
        lower.as_str(),
        "" | "~"
            | "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | ".nan"
    );
    let numeric = s.parse::<f64>().is_ok()
        || s.strip_prefix("0x")
            .is_some_and(|h| i64::from_str_radix(h, 16).is_ok());
    let special_start = s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c));
    let special_inside = s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.ends_with(' ')
        || s.chars().any(char::is_control);
    if reserved || numeric || special_start || special_inside {
        serde_json::to_string(s).unwrap_or_default()
    } else {
        s.to_string()
    }
}

/// The changes that turn `a` into `b`, line by line, in order.
pub fn diff_lines(a: &[String], b: &[String]) -> Vec<(Change, String)> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out: Vec<(Change, String)> = a[..prefix]
        .iter()
        .map(|l| (Change::Same, l.clone()))
        .collect();
    let (n, m) = (a_mid.len(), b_mid.len());
    if n.saturating_mul(m) > MAX_CELLS {
        out.extend(a_mid.iter().map(|l| (Change::Removed, l.clone())));
        out.extend(b_mid.iter().map(|l| (Change::Added, l.clone())));
    } else {
        // lcs[i][j]: the longest common subsequence of a_mid[i..] and b_mid[j..].
        let width = m + 1;
        let mut lcs = vec![0u32; (n + 1) * width];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * width + j] = if a_mid[i] == b_mid[j] {
                    lcs[(i + 1) * width + j + 1] + 1
                } else {
                    lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && a_mid[i] == b_mid[j] {
                out.push((Change::Same, a_mid[i].clone()));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
                // Removals first when both keep the subsequence, as diff -u shows them.
                out.push((Change::Removed, a_mid[i].clone()));
                i += 1;
            } else {
                out.push((Change::Added, b_mid[j].clone()));
                j += 1;
            }
        }
    }
    out.extend(
        a[a.len() - suffix..]
            .iter()
            .map(|l| (Change::Same, l.clone())),
    );
    out
}

/// The diff with unchanged runs longer than `2 × context` lines folded, keeping `context`
/// lines around each change.
pub fn hunks(diff: &[(Change, String)], context: usize) -> Vec<Row> {
    let changed: Vec<usize> = diff
        .iter()
        .enumerate()
        .filter(|(_, (c, _))| *c != Change::Same)
        .map(|(i, _)| i)
        .collect();
    let near = |i: usize| changed.iter().any(|&c| i.abs_diff(c) <= context);
    let mut rows = Vec::new();
    let mut skipped = 0usize;
    for (i, (change, line)) in diff.iter().enumerate() {
        if *change == Change::Same && !near(i) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            rows.push(Row::Skipped(skipped));
            skipped = 0;
        }
        rows.push(Row::Line(*change, line.clone()));
    }
    if skipped > 0 {
        rows.push(Row::Skipped(skipped));
    }
    rows
}

/// The folded YAML diff of two renderings of an object.
pub fn object_diff(before: &Value, after: &Value, context: usize) -> Vec<Row> {
    hunks(
        &diff_lines(&yaml_lines(before), &yaml_lines(after)),
        context,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn objects_render_as_kubectl_get_o_yaml_lays_them_out() {
        let v = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "labels": {}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx",
                "resources": {"requests": {"cpu": "250m"}}, "args": ["-v", "1"]}],
                "tolerations": []}});
        assert_eq!(
            yaml_lines(&v),
            lines(
                "apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {}
spec:
  containers:
  - name: nginx
    image: nginx
    resources:
      requests:
        cpu: 250m
    args:
    - \"-v\"
    - \"1\"
  tolerations: []"
            )
        );
    }

    #[test]
    fn strings_that_would_read_back_as_something_else_are_quoted() {
        assert_eq!(quote("4"), "\"4\"");
        assert_eq!(quote("true"), "\"true\"");
        assert_eq!(quote("No"), "\"No\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a: b"), "\"a: b\"");
        assert_eq!(quote("{\"x\":1}"), "\"{\\\"x\\\":1}\"");
        assert_eq!(quote("256Mi"), "256Mi");
        assert_eq!(quote("nginx:1.27"), "nginx:1.27");
        assert_eq!(quote("kube-root-ca.crt"), "kube-root-ca.crt");
    }

    #[test]
    fn nested_lists_and_scalars_in_lists_line_up_under_their_dash() {
        let v = json!({"a": [[1, 2], {"b": [{"c": 3}]}]});
        assert_eq!(yaml_lines(&v), lines("a:\n- - 1\n  - 2\n- b:\n  - c: 3"));
    }

    #[test]
    fn an_added_field_is_one_added_line_between_unchanged_ones() {
        let a = lines("a: 1\nb: 2\nc: 3");
        let b = lines("a: 1\nb: 2\nx: 9\nc: 3");
        assert_eq!(
            diff_lines(&a, &b),
            vec![
                (Change::Same, "a: 1".into()),
                (Change::Same, "b: 2".into()),
                (Change::Added, "x: 9".into()),
                (Change::Same, "c: 3".into()),
            ]
        );
    }

    #[test]
    fn a_changed_value_shows_as_removed_then_added() {
        let a = lines("p: IfNotPresent\nq: 1");
        let b = lines("p: Always\nq: 1");
        assert_eq!(
            diff_lines(&a, &b),
            vec![
                (Change::Removed, "p: IfNotPresent".into()),
                (Change::Added, "p: Always".into()),
                (Change::Same, "q: 1".into()),
            ]
        );
    }

    #[test]
    fn the_diff_keeps_every_line_of_both_sides_in_order() {
        let a = lines("1\n2\n3\n4\n5\n6\n7");
        let b = lines("0\n2\n3\nx\n5\n7\n8");
        let d = diff_lines(&a, &b);
        let old: Vec<&String> = d
            .iter()
            .filter(|(c, _)| *c != Change::Added)
            .map(|(_, l)| l)
            .collect();
        let new: Vec<&String> = d
            .iter()
            .filter(|(c, _)| *c != Change::Removed)
            .map(|(_, l)| l)
            .collect();
        assert_eq!(old, a.iter().collect::<Vec<_>>());
        assert_eq!(new, b.iter().collect::<Vec<_>>());
        // 2, 3, 5, 7 are common: a longest common subsequence keeps all four.
        assert_eq!(d.iter().filter(|(c, _)| *c == Change::Same).count(), 4);
    }

    #[test]
    fn identical_or_empty_inputs_give_no_changes() {
        let a = lines("a\nb");
        assert!(diff_lines(&a, &a).iter().all(|(c, _)| *c == Change::Same));
        assert!(diff_lines(&[], &[]).is_empty());
        assert_eq!(
            diff_lines(&[], &a),
            vec![(Change::Added, "a".into()), (Change::Added, "b".into())]
        );
    }

    #[test]
    fn huge_inputs_fall_back_to_removed_then_added_without_a_table() {
        let a: Vec<String> = (0..3000).map(|i| format!("a{i}")).collect();
        let b: Vec<String> = (0..3000).map(|i| format!("b{i}")).collect();
        let d = diff_lines(&a, &b);
        assert_eq!(d.len(), 6000);
        assert_eq!(d[0].0, Change::Removed);
        assert_eq!(d[5999].0, Change::Added);
    }

    #[test]
    fn unchanged_runs_far_from_a_change_are_folded() {
        let a: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let mut b = a.clone();
        b[10] = "ten".into();
        let rows = hunks(&diff_lines(&a, &b), 2);
        assert_eq!(rows.first(), Some(&Row::Skipped(8)));
        assert_eq!(rows.last(), Some(&Row::Skipped(7)));
        assert!(rows.contains(&Row::Line(Change::Removed, "10".into())));
        assert!(rows.contains(&Row::Line(Change::Added, "ten".into())));
        assert_eq!(rows.len(), 2 + 2 + 2 + 2);
    }

    #[test]
    fn a_limit_ranger_mutation_shows_the_filled_in_resources() {
        let before = json!({"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}});
        let after = json!({"spec": {"containers": [{"name": "nginx", "image": "nginx",
            "resources": {"limits": {"cpu": "500m"}, "requests": {"cpu": "250m"}}}]}});
        let added: Vec<String> = object_diff(&before, &after, 3)
            .into_iter()
            .filter_map(|r| match r {
                Row::Line(Change::Added, l) => Some(l),
                _ => None,
            })
            .collect();
        assert_eq!(
            added,
            vec![
                "    resources:",
                "      limits:",
                "        cpu: 500m",
                "      requests:",
                "        cpu: 250m"
            ]
        );
    }
}
