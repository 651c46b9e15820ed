//! Drives ZooKeeper's own `zkCli.sh` (Debian's `zookeeper` package) as a
//! child process and compares what it prints with transcripts taken from
//! real ZooKeeper 3.8.
//!
//! The comparison filter (documented here, used by every zkCli test):
//! - dropped lines: the JVM's `SLF4J:` notices, zkCli's banners
//!   (`Connecting to …`, `Welcome to ZooKeeper!`, `JLine support is
//!   disabled`) and log4j-shaped lines (`2026-11-25 08:00:40,123 [...`) — their order
//!   against the first watcher event is a race inside zkCli itself;
//! - `cZxid`/`mZxid`/`pZxid` values are variables: the expected transcript
//!   keeps real ZooKeeper's values, and equal expected values must map to
//!   equal actual values, distinct to distinct (a bijection);
//! - `ctime`/`mtime` must be a date in zkCli's `Wed Nov 25 08:00:40 UTC 2026` shape;
//! - a non-zero `ephemeralOwner` is a session id variable like a zxid;
//!   `0x0` stays literal.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tests::wait::wait_until;

pub const ZKCLI: &str = "/usr/share/zookeeper/bin/zkCli.sh";

/// How long one expected line may take to appear (a JVM start, a reconnect).
pub const LINE_TIMEOUT: Duration = Duration::from_secs(60);

/// Fails (never skips) when the Debian package is not installed.
pub fn require_zkcli() {
    assert!(
        std::path::Path::new(ZKCLI).exists(),
        "{ZKCLI} is missing: run tests/run.sh (it installs it) or \
         `apt-get install -y --no-install-recommends zookeeper`"
    );
}

fn is_noise(line: &str) -> bool {
    const BANNERS: [&str; 5] = [
        "SLF4J:",
        "Connecting to ",
        "Welcome to ZooKeeper!",
        "JLine support is disabled",
        "log4j:",
    ];
    let b = line.as_bytes();
    let log4j_stamp = b.len() > 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' ';
    log4j_stamp || BANNERS.iter().any(|p| line.starts_with(p))
}

/// One running `zkCli.sh`, its stdout and stderr merged, filtered lines
/// collected by a reader thread.
pub struct ZkCli {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<String>>>,
    eof: Arc<Mutex<bool>>,
    /// Lines already matched against the expected transcript.
    pub cursor: usize,
}

impl ZkCli {
    /// `zkCli.sh -server <connect> [command…]`; with no command it reads
    /// commands from stdin.
    pub fn spawn(name: &str, connect: &str, command: &[&str]) -> ZkCli {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {ZKCLI} -server \"$@\" 2>&1"))
            .arg("sh")
            .arg(connect)
            .args(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn zkCli.sh");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let eof = Arc::new(Mutex::new(false));
        let (sink, done) = (Arc::clone(&lines), Arc::clone(&eof));
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !is_noise(&line) {
                    sink.lock().expect("lines lock").push(line);
                }
            }
            *done.lock().expect("eof lock") = true;
        });
        ZkCli {
            name: name.to_string(),
            stdin: child.stdin.take(),
            child,
            lines,
            eof,
            cursor: 0,
        }
    }

    pub fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("zkCli stdin is open");
        writeln!(stdin, "{command}").expect("write to zkCli");
        stdin.flush().expect("flush zkCli stdin");
    }

    pub fn transcript(&self) -> String {
        self.lines.lock().expect("lines lock").join("\n")
    }

    fn line(&self, i: usize) -> Option<String> {
        self.lines.lock().expect("lines lock").get(i).cloned()
    }

    /// The next filtered line, waiting for it.
    pub async fn next_line(&mut self) -> String {
        let i = self.cursor;
        let what = format!(
            "{} prints line {} (so far:\n{})",
            self.name,
            i + 1,
            self.transcript()
        );
        let line = wait_until(&what, LINE_TIMEOUT, || {
            let l = self.line(i);
            async move { l }
        })
        .await;
        self.cursor += 1;
        line
    }

    /// Closes stdin, waits for exit (status must be success) and for the
    /// reader to see EOF.
    pub async fn finish(&mut self) {
        self.stdin = None;
        let what = format!("{} exits (printed:\n{})", self.name, self.transcript());
        let status = wait_until(&what, LINE_TIMEOUT, || {
            let exited = self.child.try_wait().expect("wait for zkCli");
            let eof = *self.eof.lock().expect("eof lock");
            async move { exited.filter(|_| eof) }
        })
        .await;
        assert!(status.success(), "{what}: {status}");
    }

    /// Lines printed after the matched ones.
    pub fn unmatched(&self) -> Vec<String> {
        self.lines.lock().expect("lines lock")[self.cursor..].to_vec()
    }
}

impl Drop for ZkCli {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Matches actual lines to expected ones under the module's rules,
/// remembering the variable bindings across the whole transcript.
#[derive(Default)]
pub struct Matcher {
    forward: BTreeMap<String, String>,
    backward: BTreeMap<String, String>,
}

const ZXID_KEYS: [&str; 4] = ["cZxid = ", "mZxid = ", "pZxid = ", "ephemeralOwner = "];
const TIME_KEYS: [&str; 2] = ["ctime = ", "mtime = "];

fn is_hex_id(v: &str) -> bool {
    v.strip_prefix("0x")
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// `Wed Nov 25 08:00:40 UTC 2026`, any zone name.
fn is_date(v: &str) -> bool {
    let t: Vec<&str> = v.split(' ').collect();
    let clock = |s: &str| {
        s.len() == 8
            && s.split(':')
                .all(|p| p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()))
    };
    t.len() == 6
        && t[0].len() == 3
        && t[1].len() == 3
        && t[2].len() == 2
        && clock(t[3])
        && t[5].len() == 4
        && t[5].bytes().all(|c| c.is_ascii_digit())
}

impl Matcher {
    /// `Err` explains the mismatch.
    pub fn check(&mut self, expected: &str, actual: &str) -> Result<(), String> {
        let mismatch = || Err(format!("expected `{expected}`, zkCli printed `{actual}`"));
        for key in TIME_KEYS {
            if let Some(want) = expected.strip_prefix(key) {
                return match actual.strip_prefix(key) {
                    Some(got) if is_date(want) && is_date(got) => Ok(()),
                    _ => mismatch(),
                };
            }
        }
        for key in ZXID_KEYS {
            let Some(want) = expected.strip_prefix(key) else {
                continue;
            };
            let Some(got) = actual.strip_prefix(key) else {
                return mismatch();
            };
            if want == "0x0" || got == "0x0" {
                return if want == got { Ok(()) } else { mismatch() };
            }
            if !is_hex_id(got) {
                return mismatch();
            }
            let bound_f = self.forward.get(want).cloned();
            let bound_b = self.backward.get(got).cloned();
            return match (bound_f, bound_b) {
                (None, None) => {
                    self.forward.insert(want.to_string(), got.to_string());
                    self.backward.insert(got.to_string(), want.to_string());
                    Ok(())
                }
                (Some(f), Some(b)) if f == got && b == want => Ok(()),
                (f, b) => Err(format!(
                    "expected `{expected}` (ZooKeeper's {want} was {f:?} here), zkCli printed \
                     `{actual}` ({got} stood for ZooKeeper's {b:?})"
                )),
            };
        }
        if expected == actual {
            Ok(())
        } else {
            mismatch()
        }
    }
}
