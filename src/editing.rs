//! The editor's key commands as pure text edits: Tab indents, Shift+Tab dedents, Enter keeps
//! the indentation (two more after a line ending in `:`).
//!
//! Each command returns a [`Splice`] (replace a byte range, then select a range of the new
//! text) so the editor can apply it with `execCommand("insertText")`, which keeps the browser's
//! undo history. The DOM counts UTF-16 units, Rust bytes: [`to_utf16`] and [`from_utf16`]
//! convert between them.

const INDENT: &str = "  ";

/// Replace `start..end` of the old text with `insert`; then select `sel_start..sel_end` (byte
/// offsets in the new text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    pub start: usize,
    pub end: usize,
    pub insert: String,
    pub sel_start: usize,
    pub sel_end: usize,
}

impl Splice {
    pub fn apply(&self, text: &str) -> String {
        format!(
            "{}{}{}",
            &text[..self.start],
            self.insert,
            &text[self.end..]
        )
    }
}

/// The byte offset of UTF-16 offset `units` in `text` (clamped to the text).
pub fn from_utf16(text: &str, units: u32) -> usize {
    let mut count = 0u32;
    for (i, c) in text.char_indices() {
        if count >= units {
            return i;
        }
        count += c.len_utf16() as u32;
    }
    text.len()
}

/// The UTF-16 offset of byte offset `byte` in `text`.
pub fn to_utf16(text: &str, byte: usize) -> u32 {
    let byte = floor_boundary(text, byte);
    text[..byte].encode_utf16().count() as u32
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offset where the line holding `pos` starts.
fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset where the line holding `pos` ends (before its `\n`).
fn line_end(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i)
}

/// Byte offset of the start of 1-based line `line` (the end of the text past the last line).
pub fn offset_of_line(text: &str, line: u32) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line as usize - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// The whole lines touched by `start..end`, as a byte range.
fn touched_lines(text: &str, start: usize, end: usize) -> (usize, usize) {
    let last = if end > start && text[..end].ends_with('\n') {
        end - 1
    } else {
        end
    };
    (line_start(text, start), line_end(text, last.max(start)))
}

/// Tab: two spaces at the caret, or every touched line indented when the selection spans lines.
pub fn indent(text: &str, start: usize, end: usize) -> Splice {
    if !text[start..end].contains('\n') {
        let caret = start + INDENT.len();
        return Splice {
            start,
            end,
            insert: INDENT.into(),
            sel_start: caret,
            sel_end: caret,
        };
    }
    let (from, to) = touched_lines(text, start, end);
    let block: Vec<String> = text[from..to]
        .split('\n')
        .map(|l| format!("{INDENT}{l}"))
        .collect();
    let insert = block.join("\n");
    let sel_end = end + (insert.len() - (to - from));
    Splice {
        start: from,
        end: to,
        insert,
        sel_start: start + INDENT.len(),
        sel_end,
    }
}

/// Shift+Tab: up to two leading spaces removed from every touched line.
pub fn dedent(text: &str, start: usize, end: usize) -> Splice {
    let (from, to) = touched_lines(text, start, end);
    let mut insert = String::new();
    let mut at = from;
    let (mut shift_start, mut shift_end) = (0, 0);
    for (i, line) in text[from..to].split('\n').enumerate() {
        let removed = (line.len() - line.trim_start_matches(' ').len()).min(INDENT.len());
        // A position inside the removed spaces moves to where they were.
        if start >= at {
            shift_start += removed.min(start - at);
        }
        if end >= at {
            shift_end += removed.min(end - at);
        }
        if i > 0 {
            insert.push('\n');
        }
        insert.push_str(&line[removed..]);
        at += line.len() + 1;
    }
    Splice {
        start: from,
        end: to,
        insert,
        sel_start: start - shift_start,
        sel_end: end - shift_end,
    }
}

/// Enter: a newline and the current line's indentation, two more after a `key:` line; after a
/// `- key: value` list item, aligned with the item's keys.
pub fn newline(text: &str, start: usize, end: usize) -> Splice {
    let before = &text[line_start(text, start)..start];
    let spaces = before.len() - before.trim_start_matches(' ').len();
    let content = &before[spaces..];
    let mut width = spaces;
    let mut item = content;
    while let Some(rest) = item.strip_prefix("- ") {
        let gap = rest.len() - rest.trim_start_matches(' ').len();
        width += 2 + gap;
        item = &rest[gap..];
    }
    if item.len() < content.len() && crate::highlight::key_end(item).is_none() {
        width = spaces;
    }
    let code = if item.starts_with('#') {
        ""
    } else {
        item.split(" #").next().unwrap_or("").trim_end()
    };
    if code.ends_with(':') {
        width += INDENT.len();
    }
    let insert = format!("\n{}", " ".repeat(width));
    let caret = start + insert.len();
    Splice {
        start,
        end,
        insert,
        sel_start: caret,
        sel_end: caret,
    }
}

#[cfg(test)]
mod tests;
