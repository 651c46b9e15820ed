//! Logs: `tracing` to stderr, quiet by default (warnings and errors),
//! `RUST_LOG` for more (e.g. `RUST_LOG=info` or `RUST_LOG=coordinator=debug`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the subscriber once per process; a second call does nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a server started by `zoolab cluster`
        // writes to a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
