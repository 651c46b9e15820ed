//! Where `zoolab cli` reads its lines: a terminal (rustyline: line editing,
//! history, and events printed above the prompt while it waits) or plain
//! standard input, one line at a time and no prompt (zkCli with JLine off).
//! Either way a thread does the blocking reads and hands lines to the
//! async shell loop, which stays free to print watch events meanwhile.

use std::io::BufRead;
use std::sync::mpsc as std_mpsc;

use rustyline::error::ReadlineError;
use rustyline::{DefaultEditor, ExternalPrinter};
use tokio::sync::mpsc;

/// One read.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    Line(String),
    /// End of input (Ctrl-D at an empty prompt).
    Eof,
    /// Ctrl-C: the line typed so far is dropped.
    Interrupted,
}

/// A failure of the terminal itself.
#[derive(Debug)]
pub struct TerminalError(pub String);

impl std::fmt::Display for TerminalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "terminal: {}", self.0)
    }
}

impl std::error::Error for TerminalError {}

/// rustyline's list of terminals it does not edit on.
fn dumb_terminal() -> bool {
    std::env::var("TERM").is_ok_and(|term| {
        ["dumb", "cons25", "emacs"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&term))
    })
}

/// The line source the shell loop reads from.
pub struct LineReader {
    /// Interactive only: each prompt asks the editor thread for one line.
    prompts: Option<std_mpsc::Sender<String>>,
    lines: mpsc::UnboundedReceiver<Result<Input, TerminalError>>,
    printer: Option<Box<dyn ExternalPrinter + Send>>,
}

impl LineReader {
    /// rustyline on the terminal, with in-memory history.
    pub fn interactive() -> Result<LineReader, TerminalError> {
        let mut editor = DefaultEditor::new().map_err(|e| TerminalError(e.to_string()))?;
        // On a terminal rustyline cannot drive it reads plain lines and
        // never looks at its printer's queue: print directly there.
        let printer: Option<Box<dyn ExternalPrinter + Send>> = if dumb_terminal() {
            None
        } else {
            let printer = editor
                .create_external_printer()
                .map_err(|e| TerminalError(e.to_string()))?;
            Some(Box::new(printer))
        };
        let (prompt_tx, prompt_rx) = std_mpsc::channel::<String>();
        let (line_tx, line_rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            while let Ok(prompt) = prompt_rx.recv() {
                let input = match editor.readline(&prompt) {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            let _ = editor.add_history_entry(line.as_str());
                        }
                        Ok(Input::Line(line))
                    }
                    Err(ReadlineError::Eof) => Ok(Input::Eof),
                    Err(ReadlineError::Interrupted) => Ok(Input::Interrupted),
                    Err(e) => Err(TerminalError(e.to_string())),
                };
                if line_tx.send(input).is_err() {
                    break;
                }
            }
        });
        Ok(LineReader {
            prompts: Some(prompt_tx),
            lines: line_rx,
            printer,
        })
    }

    /// Plain lines from standard input, read ahead by a thread.
    pub fn piped() -> LineReader {
        let (line_tx, line_rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                let input = line
                    .map(Input::Line)
                    .map_err(|e| TerminalError(e.to_string()));
                if line_tx.send(input).is_err() {
                    return;
                }
            }
            let _ = line_tx.send(Ok(Input::Eof));
        });
        LineReader {
            prompts: None,
            lines: line_rx,
            printer: None,
        }
    }

    pub fn is_interactive(&self) -> bool {
        self.prompts.is_some()
    }

    /// Shows `prompt` (interactive only) and starts reading a line; take
    /// it with [`LineReader::next`].
    pub fn prompt(&self, prompt: &str) {
        if let Some(prompts) = &self.prompts {
            let _ = prompts.send(prompt.to_string());
        }
    }

    /// The next line (cancel-safe: a line is never lost to a `select!`).
    pub async fn next(&mut self) -> Result<Input, TerminalError> {
        self.lines.recv().await.unwrap_or(Ok(Input::Eof))
    }

    /// Prints `text` while the editor may be waiting for a line: above the
    /// prompt, which is then drawn again. Without an editor, on stdout.
    pub fn print_while_reading(&mut self, text: String) -> std::io::Result<()> {
        match &mut self.printer {
            Some(printer) => printer
                .print(text)
                .map_err(|e| std::io::Error::other(e.to_string())),
            None => {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()
            }
        }
    }
}
