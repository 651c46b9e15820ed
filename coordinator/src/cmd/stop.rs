//! What stops a foreground process: SIGINT (Ctrl-C), SIGTERM, and — for a
//! server started by `zoolab cluster` or a test — the end of its standard
//! input, which comes when the parent closes the pipe or dies (so a server
//! never outlives whoever started it, even after a `kill -9` of that parent).

use std::fmt;
use std::io::Read;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;

/// Why the process is stopping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    Interrupt,
    Terminate,
    StdinClosed,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Interrupt => "SIGINT",
            StopReason::Terminate => "SIGTERM",
            StopReason::StdinClosed => "standard input closed",
        })
    }
}

/// Signal handlers installed before anything starts, so a signal that
/// arrives during startup is not lost (nor kills the process half-way).
pub struct StopSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    stdin_eof: Option<oneshot::Receiver<()>>,
}

impl StopSignals {
    /// Installs the handlers; with `stdin_eof`, also watches standard input.
    pub fn install(stdin_eof: bool) -> std::io::Result<StopSignals> {
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            stdin_eof: stdin_eof.then(watch_stdin),
        })
    }

    /// Waits for the first reason to stop.
    pub async fn wait(&mut self) -> StopReason {
        let stdin = async {
            match self.stdin_eof.as_mut() {
                Some(rx) => {
                    // A dropped sender (the thread died) also means: stop.
                    let _ = rx.await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = self.interrupt.recv() => StopReason::Interrupt,
            _ = self.terminate.recv() => StopReason::Terminate,
            () = stdin => StopReason::StdinClosed,
        }
    }
}

/// Reads standard input to its end on a plain thread: tokio's stdin would
/// keep the runtime from shutting down while a read is blocked. The thread
/// is detached; process exit ends it.
fn watch_stdin() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("stdin-eof".into())
        .spawn(move || {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            loop {
                match stdin.read(&mut sink) {
                    Ok(0) => break,
                    Ok(_) => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
    if let Err(e) = spawned {
        tracing::error!("cannot watch standard input: {e}");
    }
    rx
}
