//! `zoolab cluster`: a whole cluster on this machine, one `zoolab server`
//! process per server (this very binary, re-executed), fresh data dirs and
//! free loopback ports. It prints how to connect, waits for a leader, shows
//! each server's mode and stays in the foreground; Ctrl-C or SIGTERM stops
//! every server cleanly (a server that does not exit in time is killed).
//!
//! The servers' standard input is a pipe from this process: closing it is
//! how they are told to stop, and it closes by itself if this process dies,
//! so no server is ever left behind.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use tokio::process::{Child, ChildStdin};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use protocols::NodeId;

use crate::api::pb::Mode;

use super::args::ClusterArgs;
use super::local::{
    LayoutError, LocalClusterSpec, LocalNode, log_tail, server_command, write_local_cluster,
};
use super::status::{self, mode_name};
use super::stop::{StopReason, StopSignals};

/// How long a server may take to stop after its stdin closes.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How often modes are polled while waiting for a leader.
const POLL: Duration = Duration::from_millis(100);

/// Why `zoolab cluster` failed.
#[derive(Debug)]
pub enum ClusterError {
    Layout(LayoutError),
    /// The binary cannot find itself, or a server cannot be started.
    Spawn {
        what: String,
        source: std::io::Error,
    },
    /// A server exited before the cluster was up.
    EarlyExit {
        id: NodeId,
        how: String,
        log: String,
    },
    /// Every server exited.
    AllExited,
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::Layout(e) => write!(f, "{e}"),
            ClusterError::Spawn { what, source } => write!(f, "{what}: {source}"),
            ClusterError::EarlyExit { id, how, log } => {
                write!(
                    f,
                    "server.{id} {how} while starting; its log ends with:\n{log}"
                )
            }
            ClusterError::AllExited => write!(f, "every server has exited"),
        }
    }
}

impl std::error::Error for ClusterError {}

/// A server's end, as the supervisor saw it.
#[derive(Debug)]
struct Exit {
    id: NodeId,
    how: String,
    /// Stopped by us (not on its own).
    asked: bool,
}

/// `zoolab cluster`.
pub async fn run(args: &ClusterArgs, signals: &mut StopSignals) -> Result<(), ClusterError> {
    let exe = std::env::current_exe().map_err(|source| ClusterError::Spawn {
        what: "cannot locate the zoolab binary to start servers with".into(),
        source,
    })?;
    // Dropped (deleted) last, after every server has stopped.
    let temp = match &args.base_dir {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("zoolab-cluster-")
                .tempdir()
                .map_err(|source| ClusterError::Spawn {
                    what: "cannot create a temporary directory".into(),
                    source,
                })?,
        ),
    };
    let base: PathBuf = match (&args.base_dir, &temp) {
        (Some(dir), _) => dir.clone(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => unreachable!("a temporary directory exists when --base-dir is absent"),
    };
    let spec = LocalClusterSpec {
        nodes: usize::from(args.nodes),
        protocol: args.protocol,
        tick_time_ms: args.tick_time,
    };
    let nodes = write_local_cluster(&base, &spec).map_err(ClusterError::Layout)?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let (exit_tx, mut exits) = mpsc::unbounded_channel();
    let mut pids = BTreeMap::new();
    for node in &nodes {
        let std_cmd = server_command(&exe, node).map_err(|source| ClusterError::Spawn {
            what: format!("cannot open {}", node.log_path.display()),
            source,
        })?;
        let mut cmd = tokio::process::Command::from(std_cmd);
        cmd.kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|source| ClusterError::Spawn {
            what: format!("cannot start server.{}", node.id()),
            source,
        })?;
        pids.insert(node.id(), child.id().unwrap_or(0));
        let stdin = child.stdin.take();
        tokio::spawn(supervise(
            node.id(),
            child,
            stdin,
            stop_rx.clone(),
            exit_tx.clone(),
        ));
    }
    drop(exit_tx);
    print_banner(&base, temp.is_some(), &spec, &nodes, &pids);

    let outcome = foreground(&nodes, signals, &mut exits).await;
    println!("Stopping {} servers...", nodes.len());
    let _ = stop_tx.send(true);
    while let Some(exit) = exits.recv().await {
        if exit.asked {
            println!("server.{} {}", exit.id, exit.how);
        }
    }
    match &temp {
        Some(t) => println!("Removed {}.", t.path().display()),
        None => println!("Kept {}.", base.display()),
    }
    drop(temp);
    outcome
}

/// Waits for a leader (printing every mode once there is one), then for a
/// stop signal. A server exiting on its own is reported; the cluster stays
/// up while any server runs (killing one is a normal experiment).
async fn foreground(
    nodes: &[LocalNode],
    signals: &mut StopSignals,
    exits: &mut mpsc::UnboundedReceiver<Exit>,
) -> Result<(), ClusterError> {
    let mut running = nodes.len();
    println!("Waiting for a leader...");
    let started = Instant::now();
    let wait = wait_for_leader(nodes);
    tokio::pin!(wait);
    let mut leader_found = false;
    loop {
        tokio::select! {
            modes = &mut wait, if !leader_found => {
                leader_found = true;
                for (id, mode) in &modes {
                    println!("server.{id}: Mode: {mode}");
                }
                println!(
                    "Cluster ready in {:.1} s. Press Ctrl-C to stop every server.",
                    started.elapsed().as_secs_f64()
                );
            }
            reason = signals.wait() => {
                report_stop(reason);
                return Ok(());
            }
            exit = exits.recv() => {
                let Some(exit) = exit else { return Err(ClusterError::AllExited) };
                running -= 1;
                let node = nodes.iter().find(|n| n.id() == exit.id);
                let log = node.map(|n| log_tail(&n.log_path, 20)).unwrap_or_default();
                if !leader_found {
                    return Err(ClusterError::EarlyExit { id: exit.id, how: exit.how, log });
                }
                eprintln!("server.{} {}; its log ends with:\n{log}", exit.id, exit.how);
                if running == 0 {
                    return Err(ClusterError::AllExited);
                }
            }
        }
    }
}

fn report_stop(reason: StopReason) {
    println!("\n{reason}: stopping the cluster.");
}

/// Polls every server's Status until one is leader and every other
/// follows (or, leaderless, every one is a peer); returns each server's
/// mode word.
async fn wait_for_leader(nodes: &[LocalNode]) -> Vec<(NodeId, &'static str)> {
    loop {
        let mut modes = Vec::with_capacity(nodes.len());
        for node in nodes {
            let mode = match status::query(&node.grpc_endpoint()).await {
                Ok(s) => Some(status::effective_mode(&s)),
                Err(_) => None,
            };
            modes.push((node.id(), mode));
        }
        let leaders = modes
            .iter()
            .filter(|(_, m)| matches!(m, Some(Mode::Leader | Mode::Standalone)))
            .count();
        let serving = modes.iter().all(|(_, m)| m.is_some_and(status::is_serving));
        // Under leaderless basic Paxos every server is a peer and serves.
        let leaderless = modes.iter().all(|(_, m)| *m == Some(Mode::Peer));
        if (leaders == 1 || leaderless) && serving {
            return modes
                .into_iter()
                .map(|(id, m)| (id, m.map_or("unknown", mode_name)))
                .collect();
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Owns one server process: reports its exit, and on the stop signal
/// closes its stdin, waits [`STOP_GRACE`], then kills it.
async fn supervise(
    id: NodeId,
    mut child: Child,
    stdin: Option<ChildStdin>,
    mut stop: watch::Receiver<bool>,
    exits: mpsc::UnboundedSender<Exit>,
) {
    let exit = tokio::select! {
        status = child.wait() => Exit { id, how: describe(status), asked: false },
        () = async { let _ = stop.wait_for(|s| *s).await; } => {
            drop(stdin);
            let how = match tokio::time::timeout(STOP_GRACE, child.wait()).await {
                Ok(status) => describe(status),
                Err(_) => {
                    let killed = child.kill().await;
                    format!("did not stop within {STOP_GRACE:?}; killed ({killed:?})")
                }
            };
            Exit { id, how, asked: true }
        }
    };
    let _ = exits.send(exit);
}

fn describe(status: std::io::Result<ExitStatus>) -> String {
    match status {
        Ok(s) if s.success() => "stopped".into(),
        Ok(s) => format!("exited ({s})"),
        Err(e) => format!("could not be waited for: {e}"),
    }
}

fn print_banner(
    base: &std::path::Path,
    temporary: bool,
    spec: &LocalClusterSpec,
    nodes: &[LocalNode],
    pids: &BTreeMap<NodeId, u32>,
) {
    let kept = if temporary {
        "deleted on exit"
    } else {
        "kept on exit"
    };
    println!(
        "zoolab cluster: {} servers running {} in {} ({kept})",
        nodes.len(),
        spec.protocol,
        base.display()
    );
    for node in nodes {
        let id = node.id();
        println!(
            "  server.{id}  gRPC {}  ZooKeeper {}  pid {}  config {}  log {}",
            node.grpc_endpoint(),
            node.client_endpoint(),
            pids.get(&id).copied().unwrap_or(0),
            node.config_path.display(),
            node.log_path.display()
        );
    }
    let connect: Vec<String> = nodes.iter().map(LocalNode::grpc_endpoint).collect();
    println!("Connect string (gRPC): {}", connect.join(","));
    let zk: Vec<String> = nodes.iter().map(LocalNode::client_endpoint).collect();
    println!("Connect string (ZooKeeper clients): {}", zk.join(","));
    if let Some(first) = nodes.first() {
        println!(
            "Status of a server:    zoolab status --server {}",
            first.grpc_endpoint()
        );
    }
}
