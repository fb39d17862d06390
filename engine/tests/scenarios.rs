//! Data-driven scenario tests: every example in `examples/` and every file in
//! `engine/tests/scenarios/` is run, and what it prints is compared with
//! `engine/tests/expected/<name>.out`. Run with `UPDATE_EXPECT=1` to rewrite the expected files,
//! then review the diff. `SCENARIO=<part of a name>` limits the run (and the rewrite) to the
//! matching inputs.

use std::path::{Path, PathBuf};

use kubefiddle_engine::{printers, run, Input};

fn render(name: &str, text: &str) -> String {
    let r = run(&[Input::new(name, text)]);
    let mut out = String::new();
    out.push_str("# kubectl apply -f ");
    out.push_str(name);
    out.push('\n');
    out.push_str(&r.kubectl_output());
    out.push_str("\n# kubectl get pods -A -o wide\n");
    out.push_str(&printers::pods_wide(&r.cluster.store));
    out.push_str("\n# kubectl get events -A\n");
    out.push_str(&printers::events(&r.cluster.store, None, false));
    if !r.notes.is_empty() {
        out.push_str("\n# kubefiddle notes\n");
        for n in &r.notes {
            out.push_str(&format!(
                "{}:{} {:?}: {}\n",
                n.file, n.line, n.severity, n.message
            ));
        }
    }
    out.push_str("\n# results\n");
    for res in &r.results {
        let line = serde_json::to_string(res).unwrap_or_default();
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!("\n# exit code {}\n", r.exit_code()));
    out
}

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [root.join("../examples"), root.join("tests/scenarios")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "yaml") {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn scenarios_print_what_is_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let files = inputs();
    assert!(
        files.len() >= 6,
        "expected the examples and scenarios, found {files:?}"
    );
    let mut failures = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("x")
            .to_string();
        let text = std::fs::read_to_string(&f).unwrap();
        let got = render(&name, &text);
        // Byte-identical on a second run: the engine is deterministic.
        assert_eq!(got, render(&name, &text), "{name} is not deterministic");
        let expected_path = root
            .join("tests/expected")
            .join(format!("{}.out", name.trim_end_matches(".yaml")));
        if update {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "{name}: output differs from {}\n--- want\n{want}\n--- got\n{got}",
                expected_path.display()
            )),
            Err(_) => failures.push(format!(
                "{name}: no expected output at {} (run with UPDATE_EXPECT=1)",
                expected_path.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
