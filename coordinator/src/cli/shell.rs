//! [`Shell`]: zkCli's `ZooKeeperMain` loop as a state machine. The binary
//! reads a line, calls [`Shell::execute_line`] with its client, prints the
//! returned lines on the stream each names, and prints
//! [`Shell::watcher_lines`] for every event its client reports.

use jiff::tz::TimeZone;

use crate::event::EventType;

use super::client::{ClientOp, ShellClient};
use super::command::{self, java_decode_int};
use super::errors::CliError;
use super::help::usage_lines;
use super::history::History;
use super::render::{self, ConnState, KeeperState};
use super::tokenize::tokenize;
use exec::call;

/// Which stream zkCli prints a line on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// One printed line (without its newline; data may itself hold newlines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub stream: Stream,
    pub text: String,
}

/// What one command printed, and what the binary does next.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub lines: Vec<Line>,
    /// zkCli's `exitCode` after this command: 0, 1, or 127 (command not
    /// found). A one-shot run and `quit` exit with it.
    pub exit_code: i32,
    /// `quit` ran: the session is closed, exit with `exit_code`.
    pub quit: bool,
}

impl Outcome {
    fn out(&mut self, text: impl Into<String>) {
        self.lines.push(Line {
            stream: Stream::Out,
            text: text.into(),
        });
    }

    fn err(&mut self, text: impl Into<String>) {
        self.lines.push(Line {
            stream: Stream::Err,
            text: text.into(),
        });
    }

    /// The text of every line, both streams interleaved as a terminal shows
    /// them.
    pub fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.text.as_str()).collect()
    }
}

/// zkCli's state between lines: the host for the prompt, the history, the
/// `printwatches` switch, the last exit code, and the zone dates print in.
#[derive(Clone, Debug)]
pub struct Shell {
    host: String,
    history: History,
    print_watches: bool,
    exit_code: i32,
    zone: TimeZone,
}

/// What `processZKCmd` does after a built-in command.
enum Flow {
    /// Go on to the connection check (and nothing else for built-ins).
    Continue,
    Quit,
}

impl Shell {
    /// A shell connected (or connecting) to `host`, printing dates in
    /// `zone` (zkCli uses the JVM's default zone: `TimeZone::system()`).
    pub fn new(host: impl Into<String>, zone: TimeZone) -> Shell {
        Shell {
            host: host.into(),
            history: History::new(),
            print_watches: true,
            exit_code: 0,
            zone,
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn print_watches(&self) -> bool {
        self.print_watches
    }

    pub fn exit_code(&self) -> i32 {
        self.exit_code
    }

    /// `[zk: host(STATE) N] `.
    pub fn prompt(&self, state: ConnState) -> String {
        render::prompt(&self.host, state, self.history.count())
    }

    /// What the default watcher prints for an event, or nothing when
    /// `printwatches off`.
    pub fn watcher_lines(
        &self,
        state: KeeperState,
        event: EventType,
        path: Option<&str>,
    ) -> Vec<Line> {
        if !self.print_watches {
            return Vec::new();
        }
        render::watcher_lines(state, event, path)
            .into_iter()
            .map(|text| Line {
                stream: Stream::Out,
                text,
            })
            .collect()
    }

    /// `executeLine`: an empty line does nothing; any other is numbered,
    /// recorded in the history and run.
    pub async fn execute_line(&mut self, line: &str, client: &mut dyn ShellClient) -> Outcome {
        let mut out = Outcome::default();
        if line.is_empty() {
            out.exit_code = self.exit_code;
            return out;
        }
        self.history.record(line);
        self.process(tokenize(line), client, &mut out).await;
        self.history.advance();
        out
    }

    /// A one-shot command from the program's arguments (`zkCli.sh cmd
    /// args…`): run as given, no history.
    pub async fn execute_args(&mut self, args: &[String], client: &mut dyn ShellClient) -> Outcome {
        let mut out = Outcome::default();
        self.process(args.to_vec(), client, &mut out).await;
        out
    }

    /// `processCmd`: errors are printed, and set the exit code.
    async fn process(
        &mut self,
        tokens: Vec<String>,
        client: &mut dyn ShellClient,
        out: &mut Outcome,
    ) {
        match self.process_zk(tokens, client, out).await {
            Ok(Flow::Continue) => self.exit_code = 0,
            Ok(Flow::Quit) => {
                self.exit_code = 0;
                out.quit = true;
            }
            Err(e) => {
                self.exit_code = e.exit_code();
                out.err(e.to_string());
            }
        }
        out.exit_code = self.exit_code;
    }

    /// `processZKCmd`.
    async fn process_zk(
        &mut self,
        tokens: Vec<String>,
        client: &mut dyn ShellClient,
        out: &mut Outcome,
    ) -> Result<Flow, CliError> {
        let Some(name) = tokens.first().cloned() else {
            usage(out);
            return Err(CliError::Malformed("No command entered".into()));
        };
        if !command::is_known(&name) {
            usage(out);
            return Err(CliError::CommandNotFound(name));
        }
        match name.as_str() {
            "quit" => {
                call(client, ClientOp::Close, "").await.ok();
                return Ok(Flow::Quit);
            }
            "redo" if tokens.len() >= 2 => self.redo(&tokens[1], client, out).await?,
            "history" => {
                for line in self.history.listing() {
                    out.out(line);
                }
            }
            "printwatches" => match tokens.get(1) {
                None => out.out(format!(
                    "printwatches is {}",
                    if self.print_watches { "on" } else { "off" }
                )),
                Some(arg) => self.print_watches = arg == "on",
            },
            "connect" => {
                let host = tokens.get(1).cloned().unwrap_or_else(|| self.host.clone());
                self.host = host.clone();
                call(client, ClientOp::Connect { host }, "").await?;
            }
            _ => {}
        }
        // Everything below needs a live handle; built-ins end here too.
        if !client.state().is_alive() {
            out.out("Not connected");
            return Ok(Flow::Continue);
        }
        if command::is_builtin(&name) {
            return Ok(Flow::Continue);
        }
        let invocation = command::parse(&tokens)?;
        for line in invocation.output {
            out.out(line);
        }
        for notice in invocation.notices {
            out.err(notice);
        }
        self.exec(invocation.command, client, out).await?;
        Ok(Flow::Continue)
    }

    /// `redo N`: replays history line N (not a redo) under this line's
    /// number. Its errors are printed and set the exit code, and the redo
    /// itself then goes on like any built-in.
    async fn redo(
        &mut self,
        arg: &str,
        client: &mut dyn ShellClient,
        out: &mut Outcome,
    ) -> Result<(), CliError> {
        let index = java_decode_int(arg).ok_or_else(|| CliError::NumberFormat(arg.into()))?;
        let line = u32::try_from(index)
            .ok()
            .filter(|&i| i < self.history.count())
            .and_then(|i| self.history.get(i))
            .map(str::to_string)
            .ok_or_else(|| CliError::Malformed("Command index out of range".into()))?;
        let tokens = tokenize(&line);
        if tokens.first().map(String::as_str) == Some("redo") {
            return Err(CliError::Malformed("No redoing redos".into()));
        }
        self.history.replace_current(&line);
        Box::pin(self.process(tokens, client, out)).await;
        Ok(())
    }
}

fn usage(out: &mut Outcome) {
    for line in usage_lines() {
        out.err(line);
    }
}

mod exec;

#[cfg(test)]
mod tests;
