//! What the benchmarks that run the release binary share: a mock process, medians, folders.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A mock process and the address it printed.
pub struct Mock {
    pub child: Child,
    pub base: String,
    /// The backup recordings host.
    pub backup: String,
}

impl Mock {
    /// `binary` with the CI flags and `extra`, after `setup` (a shell command) when given.
    pub fn start(binary: &Path, setup: Option<&str>, extra: &[&str]) -> Self {
        let ci = ["--db", ":memory:", "--clock", "manual", "--seed", "7", "--traffic", "off"];
        let ports = ["--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0"];
        let mut command = match setup {
            Some(shell) => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(format!("{shell} && exec \"$0\" \"$@\"")).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        let mut child = command
            .args(ci)
            .args(ports)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a banner");
        let url = |key: &str| line.split_whitespace().find_map(|w| w.strip_prefix(key)).map(str::to_string);
        let (base, backup) = (url("main=").expect("main=URL"), url("backup=").expect("backup=URL"));
        Self { child, base, backup }
    }

    /// A `/proc/<pid>/status` figure in MiB (`VmRSS`, `VmHWM`).
    pub fn memory(&self, key: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    }

    pub async fn token(&self, client: &reqwest::Client) -> String {
        let login = client
            .post(format!("{}/Integra/resources/auth/getUserToken", self.base))
            .body("user=admin&password=admin")
            .send()
            .await
            .expect("a login");
        login.json::<Value>().await.expect("JSON")[2].as_str().expect("a token").to_string()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mock {
    /// CPU seconds the process has used (user and system), from `/proc/<pid>/stat`.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
        let ticks: f64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<f64>().ok()).sum();
        ticks / 100.0
    }
}

pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ucontact-hardening-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// Runs each scenario of `scenarios` (key, label) that `wanted` keeps, on this build and, when the
/// environment variable `before` names one, an earlier build first; prints a Markdown table of
/// `run(key, binary)`'s results.
pub fn table(
    before: &str,
    scenarios: &[(&str, &str)],
    wanted: impl Fn(&str) -> bool,
    mut run: impl FnMut(&str, &Path) -> String,
) {
    let mut binaries = vec![("this build", PathBuf::from(env!("CARGO_BIN_EXE_ucontact-mock")))];
    if let Some(earlier) = std::env::var_os(before) {
        binaries.insert(0, (before, PathBuf::from(earlier)));
    }
    println!("| scenario | build | result |");
    println!("|---|---|---|");
    for (key, label) in scenarios.iter().filter(|(key, _)| wanted(key)) {
        for (build, binary) in &binaries {
            println!("| {label} | {build} | {} |", run(key, binary));
        }
    }
}
