//! Driving `zoolab cli` as a person (a pseudo-terminal) or a script would
//! (a pipe, or one command per run), and comparing what it printed with
//! an expected transcript where history-dependent values are patterns.
//!
//! Transcript patterns (in expected lines):
//! - `<SERVER>`: the connect string the test passed;
//! - `<ZXID>`: `0x` and hex digits;
//! - `<DATE>`: Java's `Date.toString` (`Wed Aug 29 00:03:23 CST 2018`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rexpect::session::PtySession;

use crate::binary::zoolab;

/// How long any one expected output may take to appear.
pub const OUTPUT_TIMEOUT: Duration = Duration::from_secs(30);

/// `zoolab cli -server <connect> ARGS…` as a command, dates in UTC.
pub fn cli_command(connect: &str, args: &[&str]) -> Command {
    let mut command = Command::new(zoolab());
    command
        .arg("cli")
        .arg("-server")
        .arg(connect)
        .args(args)
        .env("TZ", "UTC")
        .env_remove("RUST_LOG");
    command
}

/// A one-shot run: its exit code and everything it printed (stdout and
/// stderr through one pipe, in order).
pub fn one_shot(connect: &str, args: &[&str]) -> (i32, String) {
    let (mut reader, writer) = std::io::pipe().expect("pipe");
    let mut command = cli_command(connect, args);
    command
        .stdin(Stdio::null())
        .stdout(writer.try_clone().expect("pipe clone"))
        .stderr(writer);
    let mut child = command.spawn().expect("spawn zoolab cli");
    drop(command); // closes our copies of the pipe's write end
    let mut text = String::new();
    std::io::Read::read_to_string(&mut reader, &mut text).expect("read output");
    let status = child.wait().expect("wait for zoolab cli");
    (status.code().unwrap_or(-1), text)
}

/// `zoolab cli` reading commands from a pipe, its stdout and stderr
/// merged and collected line by line.
pub struct PipedCli {
    child: Child,
    stdin: Option<ChildStdin>,
    output: Arc<(Mutex<Vec<String>>, Condvar)>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl PipedCli {
    pub fn start(connect: &str) -> PipedCli {
        let (reader, writer) = std::io::pipe().expect("pipe");
        let mut command = cli_command(connect, &[]);
        command
            .stdin(Stdio::piped())
            .stdout(writer.try_clone().expect("pipe clone"))
            .stderr(writer);
        let mut child = command.spawn().expect("spawn zoolab cli");
        drop(command);
        let stdin = child.stdin.take();
        let output = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                let (lines, changed) = &*sink;
                lines.lock().expect("output lock").push(line);
                changed.notify_all();
            }
        });
        PipedCli {
            child,
            stdin,
            output,
            reader: Some(reader),
        }
    }

    /// Types one line (no prompt to wait for: the shell reads in order).
    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").expect("write to zoolab cli");
        stdin.flush().expect("flush");
    }

    /// Every line printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.output.0.lock().expect("output lock").clone()
    }

    /// Waits until a printed line equals `line`; returns all lines then.
    pub fn wait_for_line(&self, line: &str) -> Vec<String> {
        self.wait_for(&format!("the line {line:?}"), |lines| {
            lines.iter().any(|l| l == line)
        })
    }

    /// Waits until `done` holds for the lines printed so far.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + OUTPUT_TIMEOUT;
        let (lines, changed) = &*self.output;
        let mut guard = lines.lock().expect("output lock");
        while !done(&guard) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "zoolab cli did not print {what}; it printed:\n{}",
                guard.join("\n")
            );
            guard = changed.wait_timeout(guard, left).expect("output lock").0;
        }
        guard.clone()
    }

    /// Closes its stdin and waits for it to exit: its exit code and
    /// everything it printed.
    pub fn finish(mut self) -> (i32, Vec<String>) {
        self.stdin.take();
        let status = self.child.wait().expect("wait for zoolab cli");
        if let Some(reader) = self.reader.take() {
            reader.join().expect("output reader");
        }
        (status.code().unwrap_or(-1), self.lines())
    }
}

impl Drop for PipedCli {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `zoolab cli` on a pseudo-terminal, everything it shows kept (with the
/// terminal's `\r\n` made `\n`).
pub struct PtyCli {
    session: PtySession,
    pub transcript: String,
}

impl PtyCli {
    /// Starts it with `TERM` set (`dumb`: rustyline reads plain lines but
    /// the shell is still interactive: prompts, JLine enabled).
    pub fn start(connect: &str, term: &str) -> PtyCli {
        // rexpect turns the terminal's echo off; a person's terminal has
        // it on (what they type shows after the prompt), so turn it on
        // again in the child before it becomes the shell.
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(r#"stty echo && exec "$0" "$@""#)
            .arg(zoolab())
            .args(["cli", "-server", connect])
            .env("TZ", "UTC")
            .env_remove("RUST_LOG")
            .env("TERM", term);
        let timeout = u64::try_from(OUTPUT_TIMEOUT.as_millis()).unwrap_or(u64::MAX);
        let session = rexpect::spawn_with_options(
            command,
            rexpect::reader::Options {
                timeout_ms: Some(timeout),
                strip_ansi_escape_codes: true,
            },
        )
        .expect("spawn zoolab cli on a pty");
        PtyCli {
            session,
            transcript: String::new(),
        }
    }

    /// Waits until the terminal shows `text` (after what it showed so far).
    pub fn expect(&mut self, text: &str) {
        match self.session.exp_string(text) {
            Ok(before) => {
                self.transcript.push_str(&before.replace('\r', ""));
                self.transcript.push_str(text);
            }
            Err(e) => panic!(
                "the terminal never showed {text:?} ({e}); it showed:\n{}",
                self.transcript
            ),
        }
    }

    /// Types keys (no newline added).
    pub fn type_keys(&mut self, keys: &str) {
        self.session.send(keys).expect("type into the pty");
        self.session.flush().expect("flush the pty");
    }

    pub fn type_line(&mut self, line: &str) {
        self.session.send_line(line).expect("type into the pty");
    }

    /// Waits for the program to exit, keeping what it printed last.
    pub fn expect_exit(&mut self) {
        match self.session.exp_eof() {
            Ok(rest) => self.transcript.push_str(&rest.replace('\r', "")),
            Err(e) => panic!("zoolab cli did not exit ({e}):\n{}", self.transcript),
        }
    }
}

/// Compares `actual` with `expected` line by line (patterns as in the
/// module doc); the error names the first line that differs.
pub fn compare_transcript(
    expected: &[String],
    actual: &[String],
    server: &str,
) -> Result<(), String> {
    for (i, want) in expected.iter().enumerate() {
        let want = want.replace("<SERVER>", server);
        let Some(got) = actual.get(i) else {
            return Err(format!(
                "line {}: expected {want:?}, the output ended",
                i + 1
            ));
        };
        if !line_matches(&want, got) {
            return Err(format!(
                "line {}: expected {want:?}, got {got:?}\n--- whole output:\n{}",
                i + 1,
                actual.join("\n")
            ));
        }
    }
    if actual.len() > expected.len() {
        return Err(format!(
            "extra output after line {}: {:?}",
            expected.len(),
            &actual[expected.len()..]
        ));
    }
    Ok(())
}

/// One line against one pattern line.
pub fn line_matches(pattern: &str, line: &str) -> bool {
    let mut rest = line;
    let mut pattern = pattern;
    loop {
        let next = ["<ZXID>", "<DATE>"]
            .iter()
            .filter_map(|p| pattern.find(p).map(|at| (at, *p)))
            .min();
        let Some((at, placeholder)) = next else {
            return rest == pattern;
        };
        let Some(after) = rest.strip_prefix(&pattern[..at]) else {
            return false;
        };
        let Some(after) = (match placeholder {
            "<ZXID>" => skip_zxid(after),
            _ => skip_date(after),
        }) else {
            return false;
        };
        rest = after;
        pattern = &pattern[at + placeholder.len()..];
    }
}

fn skip_zxid(text: &str) -> Option<&str> {
    let hex = text.strip_prefix("0x")?;
    let len = hex
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(hex.len());
    (len > 0).then(|| &hex[len..])
}

/// `EEE MMM dd HH:mm:ss zzz yyyy`.
fn skip_date(text: &str) -> Option<&str> {
    let mut rest = text;
    let shapes: [fn(&str) -> bool; 6] = [
        |w| w.len() == 3 && w.chars().all(|c| c.is_ascii_alphabetic()),
        |w| w.len() == 3 && w.chars().all(|c| c.is_ascii_alphabetic()),
        |w| w.len() == 2 && w.chars().all(|c| c.is_ascii_digit()),
        |w| {
            w.len() == 8
                && w.split(':')
                    .all(|p| p.len() == 2 && p.parse::<u8>().is_ok())
        },
        |w| !w.is_empty(),
        |w| w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()),
    ];
    for (i, shape) in shapes.iter().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(' ')?;
        }
        let end = rest.find(' ').unwrap_or(rest.len());
        if !shape(&rest[..end]) {
            return None;
        }
        rest = &rest[end..];
    }
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_shapes_only() {
        assert!(line_matches("cZxid = <ZXID>", "cZxid = 0x100000003"));
        assert!(!line_matches("cZxid = <ZXID>", "cZxid = 0x"));
        assert!(!line_matches("cZxid = <ZXID>", "cZxid = 12"));
        assert!(line_matches(
            "ctime = <DATE>",
            "ctime = Wed Aug 29 00:03:23 CST 2018"
        ));
        assert!(!line_matches("ctime = <DATE>", "ctime = Wed Aug 29 2018"));
        assert!(line_matches("[a, b]", "[a, b]"));
        assert!(!line_matches("[a, b]", "[a, b] "));
    }
}
