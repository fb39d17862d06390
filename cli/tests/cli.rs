//! The `kubefiddle` command as a user runs it: exit codes, text output and the `-o json`
//! contract (results, items, events with the documented fields).

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn kubefiddle(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubefiddle"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run kubefiddle");
    if let Some(text) = stdin {
        // A usage error can exit before reading standard input: a broken pipe is expected then.
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(text.as_bytes());
        }
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn example(name: &str) -> String {
    format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: nginx\n    image: nginx\n";

#[test]
fn a_good_manifest_exits_zero_and_prints_kubectl_lines() {
    let out = kubefiddle(&["apply", "-f", "-"], Some(POD));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("pod/web created\n"), "{stdout}");
    assert!(
        stdout.contains("NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE"),
        "{stdout}"
    );
    assert!(stdout.contains("Running"), "{stdout}");
}

#[test]
fn a_rejected_manifest_exits_one() {
    let out = kubefiddle(
        &["apply", "-f", &example("04-limitrange-lessons.yaml")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("strict decoding error: unknown field \"spec.defaultRequest\", unknown field \"spec.type\""), "{stdout}");
}

#[test]
fn usage_errors_and_unreadable_files_exit_two() {
    assert_eq!(kubefiddle(&[], None).status.code(), Some(2));
    assert_eq!(kubefiddle(&["apply"], None).status.code(), Some(2));
    assert_eq!(
        kubefiddle(&["apply", "-f", "/nonexistent/x.yaml"], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        kubefiddle(&["apply", "-f", "-", "-o", "xml"], Some(POD))
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_output_follows_the_contract() {
    let out = kubefiddle(
        &[
            "apply",
            "-f",
            &example("01-kind-cluster-basics.yaml"),
            "-o",
            "json",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let results = v["results"].as_array().unwrap();
    for r in results {
        for key in [
            "file",
            "line",
            "kind",
            "namespace",
            "name",
            "outcome",
            "message",
        ] {
            assert!(r.get(key).is_some(), "result without {key}: {r}");
        }
        let outcome = r["outcome"].as_str().unwrap();
        assert!([
            "created",
            "configured",
            "unchanged",
            "deleted",
            "rejected",
            "invalid"
        ]
        .contains(&outcome));
    }
    assert_eq!(results[0]["message"], "deployment.apps/web created");
    assert_eq!(results[0]["kind"], "Deployment");
    assert_eq!(results[0]["namespace"], "default");
    let items = v["items"].as_array().unwrap();
    let big = items
        .iter()
        .find(|i| i["kind"] == "Pod" && i["metadata"]["name"] == "big")
        .unwrap();
    assert_eq!(big["status"]["phase"], "Pending");
    assert_eq!(big["status"]["conditions"][0]["reason"], "Unschedulable");
    let running = items
        .iter()
        .find(|i| i["kind"] == "Pod" && i["status"]["phase"] == "Running")
        .unwrap();
    assert!(running["spec"]["nodeName"]
        .as_str()
        .unwrap()
        .starts_with("kind-worker"));
    let events = v["events"].as_array().unwrap();
    let failed = events
        .iter()
        .find(|e| e["reason"] == "FailedScheduling")
        .unwrap();
    for key in ["type", "reason", "involvedObject", "message", "count"] {
        assert!(failed.get(key).is_some(), "event without {key}");
    }
    assert_eq!(failed["involvedObject"]["kind"], "Pod");
    assert_eq!(failed["involvedObject"]["name"], "big");
    assert!(failed["message"]
        .as_str()
        .unwrap()
        .starts_with("0/3 nodes are available: "));
}

#[test]
fn several_files_run_in_order() {
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n";
    let dir = std::env::temp_dir().join(format!("kubefiddle-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("ns.yaml");
    std::fs::write(&a, ns).unwrap();
    let out = kubefiddle(
        &["apply", "-f", a.to_str().unwrap(), "-f", "-"],
        Some(&POD.replace("name: web", "name: web\n  namespace: dev")),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("namespace/dev created\npod/web created\n"),
        "{stdout}"
    );
}
