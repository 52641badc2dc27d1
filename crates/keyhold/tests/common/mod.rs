//! Test harness: starts the real `keyhold` binary on an ephemeral loopback
//! port and talks to it through the client crate.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use keyhold_client::{Client, ClientError};

pub mod kmip;

/// The path of the binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_keyhold")
}

/// A running server, killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub token: Option<String>,
    /// The KMIP listener's `host:port`, when `[kmip]` is configured.
    pub kmip_addr: Option<String>,
    pub data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Server {
    /// `keyhold server --dev` on a fresh data directory with a known token.
    pub fn dev() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let mut s = Self::dev_in(temp.path(), Some("test-root-token"));
        s._temp = Some(temp);
        s
    }

    /// `keyhold server --dev --data-dir DIR`.
    pub fn dev_in(dir: &Path, token: Option<&str>) -> Self {
        let mut cmd = Command::new(bin());
        cmd.args([
            "server",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--log",
            "warn",
            "--data-dir",
        ]);
        cmd.arg(dir);
        if let Some(t) = token {
            cmd.args(["--dev-root-token", t]);
        }
        Self::spawn(cmd, dir.to_owned(), Stdio::inherit())
    }

    /// `keyhold server --config FILE` with a plain-HTTP loopback listener in `dir`.
    pub fn production_in(dir: &Path) -> Self {
        Self::production_with(dir, "plain_http_on_loopback = true\n")
    }

    /// Same, with more TOML appended to the configuration file.
    pub fn production_with(dir: &Path, extra: &str) -> Self {
        let (cmd, data) = production_cmd(dir, extra, "warn");
        Self::spawn(cmd, data, Stdio::inherit())
    }

    /// A plain-HTTP loopback production server logging at trace level
    /// into `log` (for tests that read the log).
    pub fn production_traced(dir: &Path, log: &Path) -> Self {
        let (cmd, data) = production_cmd(dir, "plain_http_on_loopback = true\n", "trace");
        let file = std::fs::File::create(log).unwrap();
        Self::spawn(cmd, data, Stdio::from(file))
    }

    fn spawn(mut cmd: Command, data_dir: PathBuf, stderr: Stdio) -> Self {
        cmd.stdout(Stdio::piped())
            .stderr(stderr)
            .stdin(Stdio::null());
        let mut child = cmd.spawn().expect("start keyhold");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut url, mut token, mut kmip_addr) = (None, None, None);
        let deadline = Instant::now() + Duration::from_secs(60);
        while url.is_none() || (token.is_none() && cmd_is_dev(&cmd)) {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => {
                    let _ = child.kill();
                    panic!("keyhold did not announce its address: {:?}", child.wait());
                }
            };
            if let Some(v) = line.strip_prefix("KEYHOLD_ADDR=") {
                url = Some(v.to_owned());
            } else if let Some(v) = line.strip_prefix("KEYHOLD_KMIP_ADDR=") {
                kmip_addr = Some(v.to_owned());
            } else if let Some(v) = line.strip_prefix("KEYHOLD_TOKEN=") {
                token = Some(v.to_owned());
            } else if line.starts_with("# root token unchanged") {
                token = Some(String::new());
            }
        }
        let token = token.filter(|t| !t.is_empty());
        Self {
            child,
            url: url.unwrap(),
            token,
            kmip_addr,
            data_dir,
            _temp: None,
        }
    }

    /// A client with the root token.
    pub fn client(&self) -> Client {
        Client::new(&self.url, self.token.clone()).unwrap()
    }

    /// A client with another token.
    pub fn client_with(&self, token: Option<&str>) -> Client {
        Client::new(&self.url, token.map(str::to_owned)).unwrap()
    }

    /// Stops the server (SIGKILL: the store must survive a crash).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `keyhold server --config FILE` in `dir` at log `level`, and its data dir.
fn production_cmd(dir: &Path, extra: &str, level: &str) -> (Command, PathBuf) {
    let config = dir.join("keyhold.toml");
    let data = dir.join("data");
    let text = format!(
        "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n{extra}",
        data.display()
    );
    std::fs::write(&config, text).unwrap();
    let mut cmd = Command::new(bin());
    cmd.args(["server", "--log", level, "--config"])
        .arg(&config);
    (cmd, data)
}

fn cmd_is_dev(cmd: &Command) -> bool {
    cmd.get_args().any(|a| a == "--dev")
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The error code of a failed call.
pub fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> keyhold_api::ErrorCode {
    match r {
        Err(e) => e.code().unwrap_or_else(|| panic!("no error code in {e:?}")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// Every byte of every file in `dir` whose name starts with `keyhold.db`.
pub fn raw_store_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("keyhold.db")
        {
            all.extend(std::fs::read(entry.path()).unwrap());
        }
    }
    assert!(!all.is_empty(), "no store files in {}", dir.display());
    all
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Runs the CLI against `server` as a user would: `KEYHOLD_ADDR` set,
/// `KEYHOLD_TOKEN` set to `token` (or unset), `stdin` fed to it.
pub fn cli(server: &Server, token: Option<&str>, args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env("KEYHOLD_ADDR", &server.url)
        .env_remove("KEYHOLD_TOKEN");
    if let Some(t) = token {
        cmd.env("KEYHOLD_TOKEN", t);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Standard output of a command that must succeed.
pub fn ok(out: Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "failed: {err}");
    String::from_utf8(out.stdout).unwrap()
}

/// Standard output of a command that must fail with `needle` in its errors.
pub fn fails(out: Output, needle: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "succeeded unexpectedly (stderr {err:?})"
    );
    assert!(err.contains(needle), "stderr {err:?} lacks {needle:?}");
    String::from_utf8(out.stdout).unwrap()
}
