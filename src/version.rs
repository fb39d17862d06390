//! The header's version picker as a pure text edit: the scenario's Settings document gets the
//! chosen `kubernetesVersion` (its line rewritten, or added after `kind: Settings`), or a
//! Settings document is put first when the scenario has none.

use kubefiddle_engine::settings::SETTINGS_API_VERSION;

/// The scenario text with its cluster set to Kubernetes 1.`minor`.
pub fn set_kubernetes_version(text: &str, minor: u32) -> String {
    let value = format!("kubernetesVersion: \"1.{minor}\"");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // A top-level `kubernetesVersion:` line: replaced, with whatever comment followed it.
    if let Some(i) = lines
        .iter()
        .position(|l| l.starts_with("kubernetesVersion:"))
    {
        let ending = if lines[i].ends_with('\n') { "\n" } else { "" };
        let mut out: String = lines[..i].concat();
        out.push_str(&value);
        out.push_str(ending);
        out.push_str(&lines[i + 1..].concat());
        return out;
    }
    // A Settings document without the field: the line goes right after its `kind`.
    if let Some(i) = lines.iter().position(|l| l.trim_end() == "kind: Settings") {
        let mut out: String = lines[..=i].concat();
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&value);
        out.push('\n');
        out.push_str(&lines[i + 1..].concat());
        return out;
    }
    format!("apiVersion: {SETTINGS_API_VERSION}\nkind: Settings\n{value}\n---\n{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_version_line_is_rewritten() {
        let text = "apiVersion: kubefiddle.dev/v1alpha1\nkind: Settings\nkubernetesVersion: \"1.24\"\n---\napiVersion: v1\n";
        assert_eq!(
            set_kubernetes_version(text, 20),
            "apiVersion: kubefiddle.dev/v1alpha1\nkind: Settings\nkubernetesVersion: \"1.20\"\n---\napiVersion: v1\n"
        );
    }

    #[test]
    fn a_settings_document_without_a_version_gets_one_after_its_kind() {
        let text = "kind: Settings\napiVersion: kubefiddle.dev/v1alpha1\nuser: alice\n";
        assert_eq!(
            set_kubernetes_version(text, 31),
            "kind: Settings\nkubernetesVersion: \"1.31\"\napiVersion: kubefiddle.dev/v1alpha1\nuser: alice\n"
        );
    }

    #[test]
    fn a_scenario_without_settings_gets_a_settings_document_first() {
        let text = "# my pods\napiVersion: v1\nkind: Pod\n";
        assert_eq!(
            set_kubernetes_version(text, 22),
            "apiVersion: kubefiddle.dev/v1alpha1\nkind: Settings\nkubernetesVersion: \"1.22\"\n---\n# my pods\napiVersion: v1\nkind: Pod\n"
        );
        // An indented key (inside some other object) is not the setting.
        let nested = "apiVersion: v1\nkind: ConfigMap\ndata:\n  kubernetesVersion: \"1.9\"\n";
        assert!(
            set_kubernetes_version(nested, 22).starts_with("apiVersion: kubefiddle.dev/v1alpha1\n")
        );
    }
}
