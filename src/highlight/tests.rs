//! Tests of the YAML line tokenizer.

use super::Kind::*;
use super::*;

fn kinds(line: &str) -> Vec<(Kind, &str)> {
    highlight(line).remove(0)
}

/// The tokens of every line must rebuild it exactly, or the overlay drifts.
fn assert_lossless(text: &str) {
    let lines = highlight(text);
    let rebuilt: Vec<String> = lines
        .iter()
        .map(|l| l.iter().map(|t| t.1).collect())
        .collect();
    assert_eq!(rebuilt.join("\n"), text);
    assert!(
        lines.iter().flatten().all(|t| !t.1.is_empty()),
        "empty token in {text:?}"
    );
}

#[test]
fn tokens_rebuild_every_line() {
    for text in [
        "",
        "\n\n",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web # the name\n",
        "- - a\n-   b: 'it''s'\n- \"esc \\\" q\": x\n",
        "key: |-\n  text: not a key\n\n  more\nnext: >\n",
        "--- # doc\n... \n$ kubectl taint nodes n1 k=v:NoSchedule --overwrite # why\n",
        "a: &x [1, 2]\nb: *x\nc: !!str 3\nd: {x: 1}\ne: \"unterminated\n",
        "ünï: cødé ✓\n\tweird: tabs\n  -x\n  - \n",
    ] {
        assert_lossless(text);
    }
}

#[test]
fn keys_colons_and_scalars() {
    assert_eq!(
        kinds("  replicas: 3"),
        vec![
            (Plain, "  "),
            (Key, "replicas"),
            (Punct, ":"),
            (Plain, " "),
            (Num, "3")
        ]
    );
    assert_eq!(
        kinds("image: nginx:1.25"),
        vec![
            (Key, "image"),
            (Punct, ":"),
            (Plain, " "),
            (Str, "nginx:1.25")
        ]
    );
    assert_eq!(kinds("x: true")[3], (Bool, "true"));
    assert_eq!(kinds("x: ~")[3], (Null, "~"));
    assert_eq!(kinds("x: \"1\"")[3], (Str, "\"1\""));
    assert_eq!(kinds("cpu: 500m")[3], (Str, "500m"));
    assert_eq!(kinds("x: -1.5e3")[3], (Num, "-1.5e3"));
    assert_eq!(kinds("x: 0x1F")[3], (Num, "0x1F"));
    assert_eq!(kinds("\"a b\": 1")[0], (Key, "\"a b\""));
    assert_eq!(kinds("url: http://x")[0], (Key, "url"));
    assert_eq!(kinds("http://x")[0], (Str, "http://x"));
}

#[test]
fn list_items_and_comments() {
    assert_eq!(
        kinds("- name: web # main"),
        vec![
            (Punct, "-"),
            (Plain, " "),
            (Key, "name"),
            (Punct, ":"),
            (Plain, " "),
            (Str, "web"),
            (Plain, " "),
            (Comment, "# main"),
        ]
    );
    assert_eq!(kinds("  # note"), vec![(Plain, "  "), (Comment, "# note")]);
    assert_eq!(kinds("a: b#c")[3], (Str, "b#c"));
}

#[test]
fn separators() {
    assert_eq!(kinds("---"), vec![(Separator, "---")]);
    assert_eq!(kinds("--- # x")[0], (Separator, "---"));
    assert_eq!(kinds("----")[0].0, Str);
}

#[test]
fn command_lines() {
    assert_eq!(
        kinds("$ kubectl scale deploy web --replicas=5"),
        vec![
            (Prompt, "$"),
            (Plain, " "),
            (Command, "kubectl"),
            (Plain, " "),
            (Plain, "scale"),
            (Plain, " "),
            (Plain, "deploy"),
            (Plain, " "),
            (Plain, "web"),
            (Plain, " "),
            (Flag, "--replicas=5"),
        ]
    );
}

#[test]
fn block_scalars_are_text_until_dedent() {
    let lines = highlight("script: |\n  a: b\n\n  # not a comment\nnext: 1\n- |\n  x: y\n");
    assert_eq!(lines[0][3], (BlockIndicator, "|"));
    assert_eq!(lines[1], vec![(Plain, "  "), (Str, "a: b")]);
    assert_eq!(lines[3][1], (Str, "# not a comment"));
    assert_eq!(lines[4][0], (Key, "next"));
    assert_eq!(lines[6][1], (Str, "x: y"));
    let nested = highlight("  - args: >-\n      long\n    next: 1\n");
    assert_eq!(nested[1][1], (Str, "long"));
    assert_eq!(nested[2][1], (Key, "next"));
}

#[test]
fn anchors_and_tags() {
    assert_eq!(kinds("a: &x 1")[3], (Anchor, "&x"));
    assert_eq!(kinds("a: &x 1")[5], (Num, "1"));
    assert_eq!(kinds("c: !!str 3")[3], (Tag, "!!str"));
}
