//! `kubefiddle`: runs a scenario on a fresh simulated cluster, from the command line.
//!
//! ```text
//! kubefiddle apply -f FILE [-f FILE]... [-o json]
//! ```
//!
//! Prints what kubectl would print for each document and step, then the pods as
//! `kubectl get pods -A -o wide` shows them and the warning events. With `-o json`, prints the
//! documented JSON contract instead (see README.md). Exit status: 0 when every document and
//! step succeeded, 1 when any was rejected or invalid, 2 on a usage error or unreadable file.

use std::io::Read;
use std::process::ExitCode;

use kubefiddle_engine::{printers, run, Input};

const USAGE: &str = "usage: kubefiddle apply -f FILE [-f FILE]... [-o json]
       (-f - reads standard input)";

enum Output {
    Text,
    Json,
}

struct Options {
    files: Vec<String>,
    output: Output,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("apply") => {}
        Some("-h") | Some("--help") | Some("help") => return Err(String::new()),
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("a command is required".into()),
    }
    let mut files = Vec::new();
    let mut output = Output::Text;
    while let Some(a) = it.next() {
        match a.as_str() {
            "-f" | "--filename" => {
                files.push(it.next().ok_or("flag needs an argument: -f")?.clone())
            }
            s if s.starts_with("--filename=") => files.push(s["--filename=".len()..].to_string()),
            s if s.starts_with("-f") && s.len() > 2 => {
                files.push(s[2..].trim_start_matches('=').to_string())
            }
            "-o" | "--output" => {
                output = output_format(it.next().ok_or("flag needs an argument: -o")?)?
            }
            s if s.starts_with("-o=") || s.starts_with("--output=") => {
                output = output_format(s.split_once('=').map(|x| x.1).unwrap_or(""))?
            }
            s if s.starts_with("-o") && s.len() > 2 => output = output_format(&s[2..])?,
            other => return Err(format!("unknown flag or argument {other:?}")),
        }
    }
    if files.is_empty() {
        return Err("must specify one of -f".into());
    }
    Ok(Options { files, output })
}

fn output_format(s: &str) -> Result<Output, String> {
    match s {
        "json" => Ok(Output::Json),
        "" | "text" => Ok(Output::Text),
        other => Err(format!("unable to match a printer suitable for the output format {other:?}, allowed formats are: json")),
    }
}

fn read(path: &str) -> Result<Input, String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("error reading standard input: {e}"))?;
        return Ok(Input::new("STDIN", text));
    }
    let bytes =
        std::fs::read(path).map_err(|e| format!("the path {path:?} cannot be read: {e}"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("the file {path:?} is not UTF-8 text"))?;
    Ok(Input::new(path, text))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut inputs = Vec::new();
    for f in &opts.files {
        match read(f) {
            Ok(i) => inputs.push(i),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let result = run(&inputs);
    match opts.output {
        Output::Json => {
            let text = serde_json::to_string_pretty(&result.to_json()).unwrap_or_default();
            println!("{text}");
        }
        Output::Text => {
            print!("{}", result.kubectl_output());
            println!("\n$ kubectl get pods -A -o wide");
            print!("{}", printers::pods_wide(&result.cluster.store));
            let warnings = printers::events(&result.cluster.store, None, true);
            if !warnings.starts_with("No resources") {
                println!("\n$ kubectl get events -A --field-selector type=Warning");
                print!("{warnings}");
            }
            let _ = std::io::Write::flush(&mut std::io::stdout());
            for n in &result.notes {
                let at = if n.file.is_empty() {
                    String::new()
                } else {
                    format!("{}:{}: ", n.file, n.line)
                };
                eprintln!("# kubefiddle {}: {at}{}", severity(n.severity), n.message);
            }
        }
    }
    ExitCode::from(u8::try_from(result.exit_code()).unwrap_or(1))
}

fn severity(s: kubefiddle_engine::Severity) -> &'static str {
    match s {
        kubefiddle_engine::Severity::Info => "note",
        kubefiddle_engine::Severity::Warning => "warning",
        kubefiddle_engine::Severity::Error => "error",
    }
}
