//! YAML syntax highlighting for the editor, one line at a time.
//!
//! The tokens of a line concatenate to exactly that line, so the highlighted `<pre>` lines up
//! character for character with the `<textarea>` over it. The tokenizer keeps one piece of state
//! between lines: the indentation of an open block scalar (`|` or `>`), whose lines are text.
//! kubefiddle's command lines (`$ kubectl …`) get their own colours.

/// What a piece of a line is; [`Kind::class`] names its CSS class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plain,
    Key,
    Punct,
    Str,
    Num,
    Bool,
    Null,
    Comment,
    Separator,
    Anchor,
    Tag,
    BlockIndicator,
    Prompt,
    Command,
    Flag,
}

impl Kind {
    pub fn class(self) -> &'static str {
        match self {
            Kind::Plain => "t",
            Kind::Key => "t-key",
            Kind::Punct => "t-punct",
            Kind::Str => "t-str",
            Kind::Num => "t-num",
            Kind::Bool => "t-bool",
            Kind::Null => "t-null",
            Kind::Comment => "t-comment",
            Kind::Separator => "t-sep",
            Kind::Anchor => "t-anchor",
            Kind::Tag => "t-tag",
            Kind::BlockIndicator => "t-block",
            Kind::Prompt => "t-prompt",
            Kind::Command => "t-cmd",
            Kind::Flag => "t-flag",
        }
    }
}

pub type Token<'a> = (Kind, &'a str);

mod scalars;
use scalars::{command, value};

/// Tokens for every line of `text` (split on `\n`, so a trailing newline gives an empty line).
pub fn highlight(text: &str) -> Vec<Vec<Token<'_>>> {
    let mut block: Option<usize> = None;
    text.split('\n')
        .map(|line| {
            let indent = line.len() - line.trim_start_matches(' ').len();
            if let Some(b) = block {
                if line.is_empty() {
                    return Vec::new();
                }
                if line.trim().is_empty() {
                    return vec![(Kind::Str, line)];
                }
                if indent > b {
                    return vec![(Kind::Plain, &line[..indent]), (Kind::Str, &line[indent..])];
                }
                block = None;
            }
            let mut out = Vec::new();
            block = tokenize_line(line, &mut out);
            out
        })
        .collect()
}

/// Tokenizes one line; returns the indentation of a block scalar it opens.
fn tokenize_line<'a>(line: &'a str, out: &mut Vec<Token<'a>>) -> Option<usize> {
    let rest = line.trim_start();
    let indent = &line[..line.len() - rest.len()];
    if !indent.is_empty() {
        out.push((Kind::Plain, indent));
    }
    if let Some(after) = ["---", "..."].iter().find_map(|s| rest.strip_prefix(s)) {
        if after.is_empty() || after.starts_with([' ', '\t']) {
            out.push((Kind::Separator, &rest[..3]));
            value(after, out);
            return None;
        }
    }
    if rest.starts_with('#') {
        out.push((Kind::Comment, rest));
        return None;
    }
    if rest == "$" || rest.starts_with("$ ") {
        command(rest, out);
        return None;
    }
    let mut rest = rest;
    let mut column = indent.len();
    let mut item_column = None;
    while let Some(after) = rest.strip_prefix('-') {
        if !(after.is_empty() || after.starts_with(' ')) {
            break;
        }
        let spaces = after.len() - after.trim_start_matches(' ').len();
        out.push((Kind::Punct, "-"));
        if spaces > 0 {
            out.push((Kind::Plain, &after[..spaces]));
        }
        item_column = Some(column);
        column += 1 + spaces;
        rest = &after[spaces..];
    }
    if let Some(end) = key_end(rest) {
        out.push((Kind::Key, &rest[..end]));
        out.push((Kind::Punct, ":"));
        rest = &rest[end + 1..];
    } else if let Some(c) = item_column {
        column = c;
    }
    value(rest, out).then_some(column)
}

/// Where the key of `s` ends (the index of its `:`), if `s` starts with a mapping key.
pub(crate) fn key_end(s: &str) -> Option<usize> {
    let first = s.chars().next()?;
    if "{[&*!|>%@`#,".contains(first) {
        return None;
    }
    let bytes = s.as_bytes();
    let start = if first == '"' || first == '\'' {
        1 + s[1..].find(first)? + 1
    } else {
        0
    };
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b':'
            && (i + 1 == bytes.len() || bytes[i + 1] == b' ' || bytes[i + 1] == b'\t')
        {
            return (i > 0).then_some(i);
        }
        if bytes[i] == b'#' && i > 0 && bytes[i - 1] == b' ' {
            return None;
        }
        if start > 0 && bytes[i] != b' ' {
            return None;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests;
