//! The scenarios of the example picker, compiled into the app with `include_str!`.
//!
//! [`EXAMPLES`] is THE list: one line per file of `examples/`, in picker order. A file starts
//! with `# title: …` and `# description: …` comment lines, which the picker shows. A test fails
//! when a file of `examples/` is missing here. [`WELCOME`] (in `src/`) is the first visit's text.

/// One scenario of the picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    /// File name under `examples/`.
    pub file: &'static str,
    pub text: &'static str,
}

macro_rules! example {
    ($file:literal) => {
        Example {
            file: $file,
            text: include_str!(concat!("../examples/", $file)),
        }
    };
}

/// Every example, in the order the picker shows them. Add new files of `examples/` here.
pub const EXAMPLES: &[Example] = &[
    WELCOME,
    example!("01-kind-cluster-basics.yaml"),
    example!("02-taints-and-tolerations.yaml"),
    example!("03-node-selector-and-affinity.yaml"),
    example!("04-limitrange-lessons.yaml"),
    example!("05-namespace-and-quota.yaml"),
    example!("06-cordon-and-drain-steps.yaml"),
    example!("07-pod-security-admission.yaml"),
    example!("08-pod-security-policy.yaml"),
    example!("09-admission-plugins.yaml"),
    example!("10-webhooks-and-policies.yaml"),
    example!("11-namespaces-rbac-and-quotas.yaml"),
    example!("12-pod-affinity-and-spread.yaml"),
    example!("13-storage-classes-and-claims.yaml"),
    example!("14-noexecute-eviction.yaml"),
    example!("15-daemonsets-and-drain.yaml"),
    example!("16-statefulset-and-headless-service.yaml"),
    example!("17-reclaim-policies.yaml"),
    example!("18-wait-for-first-consumer-zones.yaml"),
    example!("19-zones-and-topology-spread.yaml"),
    example!("20-static-pods.yaml"),
    example!("21-multi-container-pods.yaml"),
    example!("22-read-write-once-multi-attach.yaml"),
    example!("23-deny-escalating-exec-1.20.yaml"),
];

/// What a first visit shows: a little of everything (placement, Pending, a rejection, steps).
pub const WELCOME: Example = Example {
    file: "welcome.yaml",
    text: include_str!("welcome.yaml"),
};

impl Example {
    /// The `# title:` line, or the file name.
    pub fn title(&self) -> &'static str {
        header(self.text, "title").unwrap_or(self.file)
    }

    /// The `# description:` line.
    pub fn description(&self) -> Option<&'static str> {
        header(self.text, "description")
    }
}

/// The value of a `# key: value` line among the comment lines that open `text`.
pub fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .map_while(|l| l.trim_start().strip_prefix('#'))
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key)
                .then(|| v.trim())
                .filter(|v| !v.is_empty())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_from_the_leading_comments() {
        let text = "# title: Taints\n#description:  Two taints \nkind: Pod\n# title: late\n";
        assert_eq!(header(text, "title"), Some("Taints"));
        assert_eq!(header(text, "description"), Some("Two taints"));
        assert_eq!(header("kind: Pod\n# title: late\n", "title"), None);
        assert_eq!(header("# title:\n", "title"), None);
    }

    #[test]
    fn every_example_has_a_title_and_a_description() {
        for e in EXAMPLES {
            assert!(
                header(e.text, "title").is_some(),
                "{} has no # title:",
                e.file
            );
            assert!(
                e.description().is_some(),
                "{} has no # description:",
                e.file
            );
        }
    }

    #[test]
    fn every_file_of_the_examples_directory_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".yaml") || name.ends_with(".yml") {
                assert!(
                    EXAMPLES.iter().any(|e| e.file == name),
                    "examples/{name} is not in src/examples.rs's EXAMPLES"
                );
            }
        }
    }
}
