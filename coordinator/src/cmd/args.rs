//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use protocols::NodeId;

use crate::server_config::{ConfigOverrides, ProtocolName};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "zoolab",
    version,
    about = "zoolab: ZooKeeper's coordination service, replicated by a protocol chosen at startup"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs one server from a zoo.cfg (flags override the file).
    Server(ServerArgs),
    /// Starts a whole cluster on this machine (one process per server, fresh
    /// data dirs, free loopback ports) and stops it on Ctrl-C.
    Cluster(ClusterArgs),
    /// Prints a server's mode (leader, follower, standalone), as
    /// `zkServer.sh status` does.
    Status(StatusArgs),
    /// zkCli: `zoolab cli [-server host:port[,host:port…]] [-timeout ms]
    /// [CMD ARGS…]` (default server 127.0.0.1:2182); one-shot with a
    /// command, else a shell (plain lines, no prompt, when stdin is not a
    /// terminal).
    Cli(CliArgs),
}

#[derive(Debug, Args)]
pub struct CliArgs {
    /// zkCli's own options (`-server`, `-timeout`), then a command and its
    /// arguments.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub words: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The server's zoo.cfg.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The replication protocol (overrides zoo.cfg's `protocol=`).
    #[arg(long, value_name = "NAME")]
    pub protocol: Option<ProtocolName>,
    /// This server's id (instead of dataDir/myid).
    #[arg(long, value_name = "N")]
    pub myid: Option<NodeId>,
    /// The data directory (overrides zoo.cfg's `dataDir=`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// ZooKeeper's client port (overrides `clientPort=`).
    #[arg(long, value_name = "PORT")]
    pub client_port: Option<u16>,
    /// The gRPC port (overrides `grpcPort=`).
    #[arg(long, value_name = "PORT")]
    pub grpc_port: Option<u16>,
    /// Stop cleanly when standard input reaches end of file: `zoolab
    /// cluster` and the integration tests start servers with a pipe there,
    /// so a server never outlives the process that started it.
    #[arg(long, hide = true)]
    pub exit_on_stdin_eof: bool,
}

impl ServerArgs {
    /// The flags that override zoo.cfg.
    pub fn overrides(&self) -> ConfigOverrides {
        ConfigOverrides {
            my_id: self.myid,
            protocol: self.protocol,
            data_dir: self.data_dir.clone(),
            client_port: self.client_port,
            grpc_port: self.grpc_port,
            ..ConfigOverrides::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// The replication protocol every server runs.
    #[arg(long, value_name = "NAME", default_value_t = ProtocolName::default())]
    pub protocol: ProtocolName,
    /// How many servers.
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u16).range(1..=15))]
    pub nodes: u16,
    /// Where the servers' zoo.cfg files and data dirs go (default: a fresh
    /// temporary directory, deleted on exit). Must be empty or absent.
    #[arg(long, value_name = "DIR")]
    pub base_dir: Option<PathBuf>,
    /// zoo.cfg's tickTime in ms for every server.
    #[arg(long, value_name = "MS", default_value_t = crate::server_config::DEFAULT_TICK_TIME_MS)]
    pub tick_time: u32,
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct StatusArgs {
    /// The server's gRPC endpoint, host:port [default: 127.0.0.1:2182, the
    /// gRPC port of zoo.cfg's default clientPort 2181].
    #[arg(long, value_name = "HOST:PORT")]
    pub server: Option<String>,
    /// The server's zoo.cfg (its host and grpcPort are used).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
