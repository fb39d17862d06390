//! The right-hand side of a YAML line (quoted and plain scalars, numbers, booleans, anchors,
//! tags, block scalar indicators, trailing comments) and kubefiddle's `$ kubectl` lines.

use super::{Kind, Token};

/// Tokenizes a value; returns whether it opens a block scalar.
pub(super) fn value<'a>(s: &'a str, out: &mut Vec<Token<'a>>) -> bool {
    let v = s.trim_start();
    let lead = &s[..s.len() - v.len()];
    if !lead.is_empty() {
        out.push((Kind::Plain, lead));
    }
    if v.is_empty() {
        return false;
    }
    if v.starts_with('#') {
        out.push((Kind::Comment, v));
        return false;
    }
    let first = v.as_bytes()[0];
    if first == b'&' || first == b'*' || first == b'!' {
        let end = v.find([' ', '\t']).unwrap_or(v.len());
        let kind = if first == b'!' {
            Kind::Tag
        } else {
            Kind::Anchor
        };
        out.push((kind, &v[..end]));
        return value(&v[end..], out);
    }
    if first == b'|' || first == b'>' {
        let end =
            v.find(|c: char| !(c == '|' || c == '>' || c == '+' || c == '-' || c.is_ascii_digit()));
        let end = end.unwrap_or(v.len());
        let tail = v[end..].trim_start();
        if tail.is_empty() || tail.starts_with('#') {
            out.push((Kind::BlockIndicator, &v[..end]));
            value(&v[end..], out);
            return true;
        }
    }
    let (scalar, tail) = if first == b'"' || first == b'\'' {
        let end = quoted_end(v).unwrap_or(v.len());
        (&v[..end], &v[end..])
    } else {
        let end = v.find(" #").or_else(|| v.find("\t#")).unwrap_or(v.len());
        let trimmed = v[..end].trim_end();
        (trimmed, &v[trimmed.len()..])
    };
    out.push((scalar_kind(scalar), scalar));
    if !tail.is_empty() {
        let t = tail.trim_start();
        if !tail[..tail.len() - t.len()].is_empty() {
            out.push((Kind::Plain, &tail[..tail.len() - t.len()]));
        }
        if !t.is_empty() {
            out.push((
                if t.starts_with('#') {
                    Kind::Comment
                } else {
                    Kind::Plain
                },
                t,
            ));
        }
    }
    false
}

/// The end (exclusive) of the quoted string at the start of `v`.
fn quoted_end(v: &str) -> Option<usize> {
    let quote = v.as_bytes()[0];
    let bytes = v.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn scalar_kind(s: &str) -> Kind {
    match s {
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => Kind::Bool,
        "null" | "Null" | "NULL" | "~" => Kind::Null,
        _ if s.starts_with('"') || s.starts_with('\'') => Kind::Str,
        _ if is_number(s) => Kind::Num,
        _ if s.starts_with('{') || s.starts_with('[') => Kind::Plain,
        _ => Kind::Str,
    }
}

fn is_number(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if [".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"].contains(&t) {
        return true;
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(oct) = t.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    !t.is_empty()
        && t.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && t.parse::<f64>().is_ok()
}

/// `$ kubectl scale deployment web --replicas=5  # comment`
pub(super) fn command<'a>(s: &'a str, out: &mut Vec<Token<'a>>) {
    out.push((Kind::Prompt, "$"));
    let mut rest = &s[1..];
    let mut first = true;
    while !rest.is_empty() {
        let word = rest.trim_start();
        let gap = &rest[..rest.len() - word.len()];
        if !gap.is_empty() {
            out.push((Kind::Plain, gap));
        }
        if word.starts_with('#') {
            out.push((Kind::Comment, word));
            return;
        }
        let end = word.find([' ', '\t']).unwrap_or(word.len());
        let kind = match (first, word.starts_with('-')) {
            (true, _) => Kind::Command,
            (false, true) => Kind::Flag,
            _ => Kind::Plain,
        };
        if end > 0 {
            out.push((kind, &word[..end]));
        }
        first = false;
        rest = &word[end..];
    }
}
