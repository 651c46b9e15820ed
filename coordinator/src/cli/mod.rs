//! The heart of `zoolab cli`: zkCli 3.8's shell, pure and I/O-free. The
//! binary owns the terminal and the gRPC client; everything zkCli decides
//! and prints is here, as values.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use coordinator::cli::{MemoryClient, MemoryServer, Shell, ShellClient};
//! use jiff::tz::TimeZone;
//!
//! let server = MemoryServer::shared(1, 1_535_472_203_000, 1000);
//! let mut client = MemoryClient::connect(&server).unwrap();
//! let mut shell = Shell::new("127.0.0.1:2181", TimeZone::UTC);
//! assert_eq!(shell.prompt(client.state()), "[zk: 127.0.0.1:2181(CONNECTED) 0] ");
//! let out = shell.execute_line(r#"create /sanguo "jinlian""#, &mut client).await;
//! assert_eq!(out.texts(), ["Created /sanguo"]);
//! let out = shell.execute_line("get /sanguo", &mut client).await;
//! assert_eq!(out.texts(), ["jinlian"]);
//! let out = shell.execute_line("ls", &mut client).await;
//! assert_eq!(out.texts(), ["ls [-s] [-w] [-R] path"]);
//! assert_eq!(out.exit_code, 1);
//! # });
//! ```
//!
//! Module map:
//! - [`tokenize`]: zkCli's line splitting (its regex, quotes and all).
//! - [`options`]: commons-cli's flag parsing, with its error wording.
//! - [`command`]: the command table, usage strings and [`Command`] parsing.
//! - [`errors`]: [`CliError`] and every message zkCli prints for a failure.
//! - [`stat`]: `StatPrinter` and Java's `Date.toString` in a time zone.
//! - [`render`]: child lists, watch events, the prompt, connection states.
//! - [`help`]: the usage text; [`history`]: `history` and `redo`.
//! - [`client`]: [`ClientOp`], [`Reply`] and the [`ShellClient`] trait.
//! - [`shell`]: [`Shell`], the `ZooKeeperMain` loop as a state machine.
//! - [`memory`]: [`MemoryClient`], a [`ShellClient`] on an in-memory replica.
//! - [`grpc_client`]: [`GrpcClient`], the [`ShellClient`] `zoolab cli` uses;
//!   [`terminal`]: where it reads lines (rustyline, or plain stdin).
//!
//! Where zoolab's shell knowingly differs from zkCli 3.8:
//! - `ls2 path` (= `ls -s path`) and `rmr path` (= `deleteall`, with 3.5's
//!   deprecation notice) are accepted for the seed; 3.8 answers
//!   `Command not found` to both. `help` does not list them.
//! - A number flag that is not a number (`set -v x`, `redo x`) prints
//!   `java.lang.NumberFormatException: For input string: "x"` and the shell
//!   goes on; zkCli 3.8 dies with a stack trace.
//! - A line that tokenizes to nothing (a lone `"`) prints usage and
//!   `No command entered`; zkCli re-runs the previous command.
//! - `config`, `delquota`, `listquota`, `reconfig`, `setquota`,
//!   `version`, `whoami` are listed by `help` but answer
//!   `zoolab: 'NAME' is not supported by this shell`. (`addauth` works
//!   over gRPC; the in-memory client answers it Unimplemented.)
//! - `setAcl -R` stops at the first node it cannot change and reports
//!   that error; zkCli prints the message and goes on.
//! - `deleteall` sends its batches one after another and stops at the
//!   first failed one; zkCli pipelines up to ten and stops submitting after
//!   a failure it has already heard of.

pub mod client;
pub mod command;
pub mod errors;
pub mod grpc_client;
pub mod help;
pub mod history;
pub mod memory;
pub mod options;
pub mod render;
pub mod shell;
pub mod stat;
pub mod terminal;
pub mod tokenize;

pub use client::{ClientOp, Reply, ShellClient};
pub use command::{Command, Invocation};
pub use errors::CliError;
pub use grpc_client::GrpcClient;
pub use history::History;
pub use memory::{ClientEvent, MemoryClient, MemoryServer, SharedServer};
pub use render::{ConnState, KeeperState};
pub use shell::{Line, Outcome, Shell, Stream};
