//! `zoolab cli [-server host:port[,host:port…]] [-timeout ms] [CMD ARGS…]`:
//! zkCli. With a command it runs it once and exits with its status;
//! otherwise it reads lines, from the terminal with line editing and a
//! prompt, or plain lines from a pipe (no prompt, same output). Every
//! decision and every printed word comes from [`crate::cli::Shell`]; this
//! module only moves lines between the terminal, the shell and the client.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use jiff::tz::TimeZone;
use tokio::sync::mpsc;

use crate::cli::render::{self, JLINE_DISABLED, JLINE_ENABLED, WELCOME};
use crate::cli::terminal::{Input, LineReader, TerminalError};
use crate::cli::{ClientEvent, GrpcClient, Line, Shell, ShellClient, Stream};

use super::status::DEFAULT_ENDPOINT;

/// zkCli's default session timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// The command line after `cli`, as zkCli's `MyCommandOptions` reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliOptions {
    pub server: String,
    pub timeout: Duration,
    /// The one-shot command and its arguments (empty: read lines).
    pub command: Vec<String>,
}

/// Options zkCli knows, then the first word not starting with `-` begins
/// the command (the rest are its arguments, as given).
pub fn parse_options(words: &[String]) -> Result<CliOptions, String> {
    let mut options = CliOptions {
        server: DEFAULT_ENDPOINT.to_string(),
        timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
        command: Vec::new(),
    };
    let mut it = words.iter();
    while let Some(word) = it.next() {
        match word.as_str() {
            "-server" => {
                options.server = it.next().ok_or("-server needs host:port")?.clone();
            }
            "-timeout" => {
                let ms = it.next().ok_or("-timeout needs milliseconds")?;
                let ms: u64 = ms
                    .parse()
                    .map_err(|_| format!("-timeout: not a number of milliseconds: {ms}"))?;
                options.timeout = Duration::from_millis(ms);
            }
            w if w.starts_with('-') => return Err(format!("unknown option {w}")),
            _ => {
                options.command.push(word.clone());
                options.command.extend(it.by_ref().cloned());
            }
        }
    }
    Ok(options)
}

/// Runs `zoolab cli` on its own runtime; the exit status is the last
/// command's (zkCli's exitCode), 1 when the session cannot be opened.
pub fn main(words: &[String]) -> ExitCode {
    let options = match parse_options(words) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("zoolab cli: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zoolab cli: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(options));
    // The stdin reader thread may be blocked in a read: do not wait for it.
    runtime.shutdown_timeout(Duration::from_secs(1));
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

async fn run(options: CliOptions) -> i32 {
    let (tx, mut events) = mpsc::unbounded_channel();
    let mut client = GrpcClient::new(options.timeout, tx);
    let mut shell = Shell::new(options.server.clone(), TimeZone::system());
    println!("{}", render::connecting(&options.server));
    let opened = client.open(&options.server).await;
    if let Err(e) = &opened {
        eprintln!("zoolab cli: cannot connect to {}: {e}", options.server);
    }
    if !options.command.is_empty() {
        if opened.is_err() {
            return 1;
        }
        print_events(&shell, &mut events);
        let outcome = shell.execute_args(&options.command, &mut client).await;
        print_lines(&outcome.lines);
        // A one-shot run ends its session at once, so its ephemerals go
        // now rather than at expiry; zkCli prints nothing more either way.
        client.close().await;
        return outcome.exit_code;
    }
    let stdin_is_terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let reader = if stdin_is_terminal {
        LineReader::interactive()
    } else {
        Ok(LineReader::piped())
    };
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zoolab cli: {e}");
            return 1;
        }
    };
    println!("{WELCOME}");
    println!(
        "{}",
        if reader.is_interactive() {
            JLINE_ENABLED
        } else {
            JLINE_DISABLED
        }
    );
    print_events(&shell, &mut events);
    match read_eval_print(&mut shell, &mut client, &mut reader, &mut events).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("zoolab cli: {e}");
            client.close().await;
            1
        }
    }
}

/// The loop: prompt, read a line (printing events while waiting), run it,
/// print what it printed and the events it caused. Returns the exit code.
async fn read_eval_print(
    shell: &mut Shell,
    client: &mut GrpcClient,
    reader: &mut LineReader,
    events: &mut mpsc::UnboundedReceiver<ClientEvent>,
) -> Result<i32, TerminalError> {
    loop {
        reader.prompt(&shell.prompt(client.state()));
        let input = loop {
            tokio::select! {
                input = reader.next() => break input?,
                Some(event) = events.recv() => {
                    let text = event_text(shell, &event);
                    if !text.is_empty() {
                        reader
                            .print_while_reading(text)
                            .map_err(|e| TerminalError(e.to_string()))?;
                    }
                }
            }
        };
        match input {
            Input::Line(line) => {
                let outcome = shell.execute_line(line.trim(), client).await;
                print_lines(&outcome.lines);
                print_events(shell, events);
                if outcome.quit {
                    return Ok(outcome.exit_code);
                }
            }
            Input::Interrupted => {}
            Input::Eof => {
                // zkCli exits at the end of its input without closing the
                // session; zoolab closes it so its ephemerals go at once.
                client.close().await;
                return Ok(shell.exit_code());
            }
        }
    }
}

/// Prints the events already received, as the default watcher does.
fn print_events(shell: &Shell, events: &mut mpsc::UnboundedReceiver<ClientEvent>) {
    let mut text = String::new();
    while let Ok(event) = events.try_recv() {
        text.push_str(&event_text(shell, &event));
    }
    if !text.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

fn event_text(shell: &Shell, event: &ClientEvent) -> String {
    shell
        .watcher_lines(event.state, event.event_type, event.path.as_deref())
        .iter()
        .map(|line| format!("{}\n", line.text))
        .collect()
}

/// Each line on its stream, as zkCli prints it (standard error for
/// `Created …` and errors, standard output for the rest).
fn print_lines(lines: &[Line]) {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    for line in lines {
        let _ = match line.stream {
            Stream::Out => writeln!(out, "{}", line.text).and_then(|()| out.flush()),
            Stream::Err => writeln!(err, "{}", line.text).and_then(|()| err.flush()),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options_come_first_and_the_command_keeps_its_own_flags() {
        let o = parse_options(&words("-server h:1,h:2 -timeout 5000 ls -s /")).expect("parses");
        assert_eq!(o.server, "h:1,h:2");
        assert_eq!(o.timeout, Duration::from_millis(5000));
        assert_eq!(o.command, words("ls -s /"));
        let o = parse_options(&[]).expect("parses");
        assert_eq!(o.server, DEFAULT_ENDPOINT);
        assert!(o.command.is_empty());
        assert!(parse_options(&words("-server")).is_err());
        assert!(parse_options(&words("-timeout x")).is_err());
        assert!(parse_options(&words("-bogus ls /")).is_err());
    }
}
