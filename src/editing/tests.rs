//! Tests of the editor's key commands.

use super::*;

/// Runs a command on text where `[` and `]` mark the selection (or `|` the caret).
fn run(cmd: fn(&str, usize, usize) -> Splice, marked: &str) -> String {
    let (text, start, end) = if let Some(c) = marked.find('|') {
        (marked.replacen('|', "", 1), c, c)
    } else {
        let s = marked.find('[').expect("selection");
        let e = marked.find(']').expect("selection") - 1;
        (marked.replacen('[', "", 1).replacen(']', "", 1), s, e)
    };
    let splice = cmd(&text, start, end);
    let mut out = splice.apply(&text);
    if splice.sel_start == splice.sel_end {
        out.insert(splice.sel_start, '|');
    } else {
        out.insert(splice.sel_end, ']');
        out.insert(splice.sel_start, '[');
    }
    out
}

#[test]
fn tab_inserts_two_spaces_or_indents_lines() {
    assert_eq!(run(indent, "a:|"), "a:  |");
    assert_eq!(run(indent, "a: [x]y"), "a:   |y");
    assert_eq!(run(indent, "a[:\nb]:\nc:"), "  a[:\n  b]:\nc:");
    assert_eq!(run(indent, "[a:\nb:\n]c:"), "  [a:\n  b:\n]c:");
}

#[test]
fn shift_tab_dedents_touched_lines() {
    assert_eq!(run(dedent, "    a|: 1"), "  a|: 1");
    assert_eq!(run(dedent, " |a"), "|a");
    assert_eq!(run(dedent, "a|"), "a|");
    assert_eq!(run(dedent, "  [a\n   b]\nc"), "[a\n b]\nc");
    assert_eq!(run(dedent, "x\n [ a\n    b]"), "x\n[a\n  b]");
}

#[test]
fn enter_keeps_indentation() {
    assert_eq!(run(newline, "  name: web|"), "  name: web\n  |");
    assert_eq!(run(newline, "spec:|"), "spec:\n  |");
    assert_eq!(
        run(newline, "  template:  # pods|"),
        "  template:  # pods\n    |"
    );
    assert_eq!(run(newline, "  - name: web|"), "  - name: web\n    |");
    assert_eq!(run(newline, "- name:|"), "- name:\n    |");
    assert_eq!(run(newline, "  - nginx|"), "  - nginx\n  |");
    assert_eq!(run(newline, "# title:|"), "# title:\n|");
    assert_eq!(run(newline, "a: [b]"), "a: \n  |");
}

#[test]
fn utf16_offsets_convert_both_ways() {
    let text = "é🚀x";
    assert_eq!(to_utf16(text, 0), 0);
    assert_eq!(to_utf16(text, 2), 1);
    assert_eq!(to_utf16(text, 6), 3);
    assert_eq!(to_utf16(text, 7), 4);
    assert_eq!(from_utf16(text, 3), 6);
    assert_eq!(from_utf16(text, 4), 7);
    assert_eq!(from_utf16(text, 99), 7);
    assert_eq!(to_utf16(text, 3), 1, "inside a character rounds down");
}

#[test]
fn line_offsets() {
    let text = "a\nbb\n\nc";
    assert_eq!(offset_of_line(text, 1), 0);
    assert_eq!(offset_of_line(text, 2), 2);
    assert_eq!(offset_of_line(text, 4), 6);
    assert_eq!(offset_of_line(text, 9), text.len());
}
