//! Short human forms of the quantities the diagram shows: cpu in millicores, memory in bytes.

/// `1500` → `1.5`, `250` → `250m`, `4000` → `4` (cores).
pub fn cpu(milli: i64) -> String {
    if milli == 0 {
        "0".into()
    } else if milli % 1000 == 0 {
        format!("{}", milli / 1000)
    } else if milli % 100 == 0 && milli > 1000 {
        format!("{:.1}", milli as f64 / 1000.0)
    } else {
        format!("{milli}m")
    }
}

/// Bytes in binary units: `268435456` → `256Mi`, `1610612736` → `1.5Gi`.
pub fn bytes(b: i64) -> String {
    const UNITS: [(&str, i64); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if b.abs() >= size {
            let v = b as f64 / size as f64;
            return if (v - v.round()).abs() < 0.05 {
                format!("{}{unit}", v.round() as i64)
            } else {
                format!("{v:.1}{unit}")
            };
        }
    }
    format!("{b}")
}

/// Cuts `s` to `max` characters, with an ellipsis when cut.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let kept: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// Cuts the middle out of `s` to keep `max` characters.
pub fn ellipsize_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head = max / 3;
    let tail = max.saturating_sub(1 + head);
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// A taint or label in `max` characters, keeping its end (value, effect): first the key's
/// domain goes (`…/control-plane:NoSchedule`), then the middle.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    match text.split_once('/') {
        Some((_, rest)) => ellipsize_middle(&format!("…/{rest}"), max),
        None => ellipsize_middle(text, max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_forms() {
        assert_eq!(cpu(0), "0");
        assert_eq!(cpu(250), "250m");
        assert_eq!(cpu(1500), "1.5");
        assert_eq!(cpu(1250), "1250m");
        assert_eq!(cpu(4000), "4");
    }

    #[test]
    fn byte_forms() {
        assert_eq!(bytes(0), "0");
        assert_eq!(bytes(512), "512");
        assert_eq!(bytes(256 << 20), "256Mi");
        assert_eq!(bytes(3 << 29), "1.5Gi");
        assert_eq!(bytes(8 << 30), "8Gi");
    }

    #[test]
    fn ellipsis() {
        assert_eq!(ellipsize("kind-worker", 20), "kind-worker");
        assert_eq!(ellipsize("kind-worker", 6), "kind-…");
        assert_eq!(ellipsize("ünïcødé", 3), "ün…");
        assert_eq!(ellipsize_middle("abcdefghij", 7), "ab…ghij");
        assert_eq!(ellipsize_middle("short", 32), "short");
        let taint = "node-role.kubernetes.io/control-plane:NoSchedule";
        assert_eq!(shorten(taint, 30), "…/control-plane:NoSchedule");
        assert_eq!(
            shorten("dedicated=gpu:NoSchedule", 30),
            "dedicated=gpu:NoSchedule"
        );
        assert_eq!(shorten(&"k".repeat(40), 10).chars().count(), 10);
    }
}
