//! [`Shell`]: zkCli's `ZooKeeperMain` loop as a state machine. The binary
//! reads a line, calls [`Shell::execute_line`] with its client, prints the
//! returned lines on the stream each names, and prints
//! [`Shell::watcher_lines`] for every event its client reports.

use jiff::tz::TimeZone;

use crate::error::ErrorCode;
use crate::event::EventType;

use super::client::{ClientOp, Reply, ShellClient, unexpected};
use super::command::{self, Command, java_decode_int};
use super::errors::{CliError, keeper_exception_message, validate_path};
use super::help::usage_lines;
use super::history::History;
use super::render::{self, ConnState, KeeperState};
use super::stat::stat_lines;
use super::tokenize::tokenize;

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

    /// `CliCommand.exec` for each command.
    async fn exec(
        &mut self,
        command: Command,
        client: &mut dyn ShellClient,
        out: &mut Outcome,
    ) -> Result<(), CliError> {
        match command {
            Command::Ls {
                path,
                watch,
                stat,
                recursive,
            } => {
                validate_path(&path, false)?;
                if recursive {
                    self.ls_recursive(&path, watch, client, out).await?;
                } else {
                    let (names, node) = children(client, &path, watch).await?;
                    out.out(render::children(&names));
                    if stat {
                        self.stat(&node, out);
                    }
                }
            }
            Command::Create {
                path,
                data,
                acl,
                mode,
                ttl,
            } => {
                validate_path(&path, mode.is_sequential())?;
                let op = ClientOp::Create {
                    path: path.clone(),
                    data,
                    acl,
                    mode,
                    ttl,
                };
                match client.call(op).await {
                    Ok(Reply::Created { path }) => out.err(format!("Created {path}")),
                    Ok(other) => return Err(CliError::keeper(unexpected(other), path)),
                    Err(code) => {
                        match code {
                            ErrorCode::EphemeralOnLocalSession => {
                                out.err("Unable to create ephemeral node on a local session")
                            }
                            ErrorCode::InvalidAcl => out.err(keeper_exception_message(code, &path)),
                            _ => {}
                        }
                        return Err(CliError::keeper(code, path));
                    }
                }
            }
            Command::Get { path, watch, stat } => {
                validate_path(&path, false)?;
                match call(
                    client,
                    ClientOp::GetData {
                        path: path.clone(),
                        watch,
                    },
                    &path,
                )
                .await?
                {
                    Reply::Data { data, stat: node } => {
                        out.out(match data {
                            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                            None => "null".to_string(),
                        });
                        if stat {
                            self.stat(&node, out);
                        }
                    }
                    other => return Err(CliError::keeper(unexpected(other), path)),
                }
            }
            Command::Set {
                path,
                data,
                version,
                stat,
            } => {
                validate_path(&path, false)?;
                let op = ClientOp::SetData {
                    path: path.clone(),
                    data,
                    version,
                };
                let node = expect_stat(call(client, op, &path).await?, &path)?;
                if stat {
                    self.stat(&node, out);
                }
            }
            Command::Stat { path, watch } => {
                validate_path(&path, false)?;
                let op = ClientOp::Exists {
                    path: path.clone(),
                    watch,
                };
                let node = expect_stat(call(client, op, &path).await?, &path)?;
                self.stat(&node, out);
            }
            Command::Delete { path, version } => {
                validate_path(&path, false)?;
                let op = ClientOp::Delete {
                    path: path.clone(),
                    version,
                };
                call(client, op, &path).await?;
            }
            Command::DeleteAll { path, batch } => {
                validate_path(&path, false)?;
                if !delete_recursive(client, &path, batch).await? {
                    out.err("Failed to delete some node(s) in the subtree!");
                }
            }
            Command::Sync { path } => {
                validate_path(&path, false)?;
                match client.call(ClientOp::Sync { path }).await {
                    Ok(_) => out.out("Sync is OK"),
                    Err(code) => out.out(format!("Sync has failed. rc={}", code.code())),
                }
            }
            Command::AddWatch { path, mode } => {
                validate_path(&path, false)?;
                let op = ClientOp::AddWatch {
                    path: path.clone(),
                    mode,
                };
                call(client, op, &path).await?;
            }
            Command::RemoveWatches {
                path,
                watcher_type,
                local,
            } => {
                validate_path(&path, false)?;
                let op = ClientOp::RemoveWatches {
                    path: path.clone(),
                    watcher_type,
                    local,
                };
                call(client, op, &path).await?;
            }
            Command::GetEphemerals { path } => {
                let prefix = match path {
                    Some(p) => {
                        validate_path(&p, false)?;
                        p
                    }
                    None => "/".to_string(),
                };
                let op = ClientOp::GetEphemerals {
                    prefix: prefix.clone(),
                };
                match call(client, op, &prefix).await? {
                    Reply::Paths(paths) => out.out(render::java_list(&paths)),
                    other => return Err(CliError::keeper(unexpected(other), prefix)),
                }
            }
            Command::GetAllChildrenNumber { path } => {
                validate_path(&path, false)?;
                let op = ClientOp::GetAllChildrenNumber { path: path.clone() };
                match call(client, op, &path).await? {
                    Reply::Count(n) => out.out(n.to_string()),
                    other => return Err(CliError::keeper(unexpected(other), path)),
                }
            }
            Command::Close => {
                call(client, ClientOp::Close, "").await?;
            }
            Command::Unsupported { name } => return Err(CliError::Unsupported(name)),
            // Built-ins never reach exec (see process_zk).
            Command::Connect { .. }
            | Command::History
            | Command::Redo { .. }
            | Command::PrintWatches { .. }
            | Command::Quit => {}
        }
        Ok(())
    }

    fn stat(&self, stat: &crate::stat::Stat, out: &mut Outcome) {
        for line in stat_lines(stat, &self.zone) {
            out.out(line);
        }
    }

    /// `ls -R` (`ZKUtil.visitSubTreeDFS`): the node (read with getData, so
    /// a missing one is an error), then for each node its children sorted,
    /// then each child's subtree in turn. A node deleted meanwhile is
    /// skipped.
    async fn ls_recursive(
        &self,
        path: &str,
        watch: bool,
        client: &mut dyn ShellClient,
        out: &mut Outcome,
    ) -> Result<(), CliError> {
        let op = ClientOp::GetData {
            path: path.to_string(),
            watch,
        };
        call(client, op, path).await?;
        out.out(path);
        let mut stack = vec![path.to_string()];
        while let Some(node) = stack.pop() {
            let names = match children(client, &node, watch).await {
                Ok((names, _)) => names,
                Err(CliError::Keeper {
                    code: ErrorCode::NoNode,
                    ..
                }) => continue,
                Err(e) => return Err(e),
            };
            let mut names = names;
            names.sort_unstable_by(|a, b| render::java_compare(a, b));
            let paths: Vec<String> = names.iter().map(|n| join(&node, n)).collect();
            for p in &paths {
                out.out(p.clone());
            }
            stack.extend(paths.into_iter().rev());
        }
        Ok(())
    }
}

fn usage(out: &mut Outcome) {
    for line in usage_lines() {
        out.err(line);
    }
}

/// A call whose failure is reported against `path`.
async fn call(client: &mut dyn ShellClient, op: ClientOp, path: &str) -> Result<Reply, CliError> {
    client
        .call(op)
        .await
        .map_err(|code| CliError::keeper(code, path))
}

fn expect_stat(reply: Reply, path: &str) -> Result<crate::stat::Stat, CliError> {
    match reply {
        Reply::Stat(stat) => Ok(stat),
        other => Err(CliError::keeper(unexpected(other), path)),
    }
}

async fn children(
    client: &mut dyn ShellClient,
    path: &str,
    watch: bool,
) -> Result<(Vec<String>, crate::stat::Stat), CliError> {
    let op = ClientOp::GetChildren {
        path: path.to_string(),
        watch,
    };
    match call(client, op, path).await? {
        Reply::Children { names, stat } => Ok((names, stat)),
        other => Err(CliError::keeper(unexpected(other), path)),
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// `ZKUtil.deleteRecursive`: list the subtree breadth-first (a listing
/// error is the command's error), then delete it leaves first in multis of
/// `batch` deletes; the first failed multi stops it and returns false.
async fn delete_recursive(
    client: &mut dyn ShellClient,
    root: &str,
    batch: i32,
) -> Result<bool, CliError> {
    let mut tree = vec![root.to_string()];
    let mut next = 0;
    while next < tree.len() {
        let node = tree[next].clone();
        next += 1;
        let (names, _) = children(client, &node, false).await?;
        tree.extend(names.iter().map(|n| join(&node, n)));
    }
    // zkCli flushes when the batch is exactly full, and at the end: a
    // batch of 0 or less sends everything in one multi.
    let size = usize::try_from(batch)
        .ok()
        .filter(|&b| b > 0)
        .unwrap_or(tree.len());
    let leaves_first: Vec<String> = tree.into_iter().rev().collect();
    for chunk in leaves_first.chunks(size) {
        let op = ClientOp::DeleteBatch {
            paths: chunk.to_vec(),
        };
        if client.call(op).await.is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests;
