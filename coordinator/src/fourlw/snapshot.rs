//! [`ServerSnapshot`]: everything the four-letter words print, gathered
//! once per word so that rendering is pure.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use protocols::Role;

use crate::runtime::{NodeHandle, NodeStatus, RequestError, Traffic};
use crate::server_config::ServerConfig;

/// The ZooKeeper release whose client protocol zoolab speaks.
pub const ZOOKEEPER_RELEASE: &str = "3.8.0";

/// What `srvr` prints after `Zookeeper version: `.
pub fn version_string() -> String {
    format!(
        "{ZOOKEEPER_RELEASE}-zoolab-{}, built on n/a",
        env!("CARGO_PKG_VERSION")
    )
}

/// A server's mode, as `srvr` and `mntr` name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Standalone,
    Leader,
    Follower,
    /// A member of a leaderless protocol (basic Paxos).
    Peer,
    /// Electing: not serving.
    Looking,
}

impl Mode {
    pub fn from_status(status: &NodeStatus) -> Mode {
        match status.role {
            _ if status.members.len() == 1 => Mode::Standalone,
            Role::Leader => Mode::Leader,
            Role::Follower => Mode::Follower,
            Role::Peer => Mode::Peer,
            Role::Looking => Mode::Looking,
        }
    }

    /// `Mode: ` in srvr, `zk_server_state` in mntr.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Standalone => "standalone",
            Mode::Leader => "leader",
            Mode::Follower => "follower",
            Mode::Peer => "peer",
            Mode::Looking => "looking",
        }
    }

    /// mntr's `zk_peer_state` (ZooKeeper: the peer state, then the Zab
    /// phase unless electing).
    pub fn peer_state(self) -> &'static str {
        match self {
            Mode::Standalone => "standalone",
            Mode::Leader => "leading - broadcast",
            Mode::Follower => "following - broadcast",
            Mode::Peer => "peer - broadcast",
            Mode::Looking => "looking",
        }
    }
}

/// Request latency in ms, as ZooKeeper's ServerStats keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    pub min: u64,
    pub avg: f64,
    pub max: u64,
}

/// A client connection, as `cons` and `stat` list it.
#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub remote: SocketAddr,
    /// Requests read but not answered yet.
    pub queued: u64,
    pub received: u64,
    pub sent: u64,
    /// The session, once the handshake made one.
    pub session: Option<ConnectionSession>,
}

/// `cons`'s per-session details.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionSession {
    pub id: i64,
    /// The last operation's short name (`GETD`, `SETD`, `PING`…).
    pub last_op: String,
    /// When the connection was established, ms since the Unix epoch.
    pub established_ms: i64,
    pub timeout_ms: i32,
    pub last_cxid: i64,
    pub last_zxid: i64,
    pub last_response_ms: i64,
    pub last_latency: u64,
    pub latency: Latency,
}

/// What only the client front end knows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientStats {
    pub connections: Vec<Connection>,
    pub latency: Latency,
    pub packets_received: u64,
    pub packets_sent: u64,
    /// Requests received and not yet answered.
    pub outstanding: u64,
    /// Since the front end started serving.
    pub uptime_ms: u64,
}

/// wchs's counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchCounts {
    /// Sessions holding a watch.
    pub sessions: usize,
    pub paths: usize,
    pub watches: usize,
}

/// One `server.N` line of `conf`'s membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: u64,
    pub host: String,
    pub peer_port: u16,
    pub election_port: u16,
    pub client_port: Option<u16>,
}

/// `conf`'s quorum part (absent in standalone mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumConf {
    pub init_limit: u32,
    pub sync_limit: u32,
    pub election_port: u16,
    pub quorum_port: u16,
    pub members: Vec<Member>,
}

/// `conf` and `dirs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfSnapshot {
    pub client_port: u16,
    pub data_dir: PathBuf,
    pub data_dir_size: u64,
    pub tick_time_ms: u32,
    pub max_client_cnxns: u32,
    pub min_session_timeout_ms: u32,
    pub max_session_timeout_ms: u32,
    pub server_id: u64,
    pub quorum: Option<QuorumConf>,
}

/// Everything the words print.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerSnapshot {
    pub version: String,
    pub mode: Mode,
    /// The replication protocol's `--protocol` name.
    pub protocol: String,
    /// False while electing: most words then answer "not serving".
    pub serving: bool,
    pub zxid: u64,
    pub node_count: usize,
    pub ephemerals: usize,
    pub approximate_data_size: u64,
    pub global_sessions: usize,
    pub watches: WatchCounts,
    pub clients: ClientStats,
    pub open_fds: u64,
    pub max_fds: u64,
    /// Voting members (mntr's `zk_quorum_size`).
    pub quorum_size: usize,
    /// Followers known to be connected (leader only).
    pub synced_followers: usize,
    pub traffic: Traffic,
    /// The server that expires silent sessions, when known: srvr names it
    /// where no server leads (basic Paxos).
    pub session_keeper: Option<u64>,
    pub conf: ConfSnapshot,
    /// `envi`'s `key=value` lines, in order.
    pub env: Vec<(String, String)>,
}

impl ServerSnapshot {
    /// A standalone server with one connection and made-up numbers: for
    /// examples and tests.
    pub fn example() -> ServerSnapshot {
        let remote: SocketAddr = ([127, 0, 0, 1], 41164).into();
        ServerSnapshot {
            version: version_string(),
            mode: Mode::Standalone,
            protocol: "zab".into(),
            serving: true,
            zxid: 0x4e,
            node_count: 14,
            ephemerals: 0,
            approximate_data_size: 94,
            global_sessions: 0,
            watches: WatchCounts::default(),
            clients: ClientStats {
                connections: vec![Connection {
                    remote,
                    queued: 0,
                    received: 1,
                    sent: 0,
                    session: None,
                }],
                latency: Latency {
                    min: 0,
                    avg: 2.7521,
                    max: 15,
                },
                packets_received: 125,
                packets_sent: 135,
                outstanding: 0,
                uptime_ms: 147_348,
            },
            open_fds: 39,
            max_fds: 20_000,
            quorum_size: 1,
            synced_followers: 0,
            traffic: Traffic::default(),
            session_keeper: None,
            conf: ConfSnapshot {
                client_port: 42181,
                data_dir: "/data/zk/data".into(),
                data_dir_size: 67_109_337,
                tick_time_ms: 2000,
                max_client_cnxns: 60,
                min_session_timeout_ms: 4000,
                max_session_timeout_ms: 40000,
                server_id: 0,
                quorum: None,
            },
            env: vec![("host.name".into(), "localhost".into())],
        }
    }
}

/// Gathers a snapshot: the node's status and counters, the tree's counts
/// (one read on the node's task), the configuration, the dataDir's size,
/// the process's file descriptors and environment, and what the front end
/// passes in.
pub async fn snapshot(
    handle: &NodeHandle,
    config: &ServerConfig,
    clients: ClientStats,
) -> Result<ServerSnapshot, RequestError> {
    let status = handle.status();
    let (node_count, ephemerals, approximate_data_size, global_sessions, watches) = handle
        .read(|replica| {
            let tree = replica.tree();
            let mut ephemerals = 0;
            let mut size = 0u64;
            for (path, node) in tree.nodes() {
                if node.kind.ephemeral_owner() != 0 {
                    ephemerals += 1;
                }
                // ZooKeeper's approximateDataSize: path plus data lengths.
                size += (path.len() + node.data_len()) as u64;
            }
            let w = replica.watches().summary();
            let watches = WatchCounts {
                sessions: w.sessions,
                paths: w.paths,
                watches: w.watches,
            };
            (
                tree.node_count(),
                ephemerals,
                size,
                tree.sessions().count(),
                watches,
            )
        })
        .await?;
    let mode = Mode::from_status(&status);
    let (open_fds, max_fds) = fd_counts();
    Ok(ServerSnapshot {
        version: version_string(),
        mode,
        protocol: status.protocol.to_string(),
        serving: status.running && mode != Mode::Looking,
        zxid: status.last_zxid.0,
        node_count,
        ephemerals,
        approximate_data_size,
        global_sessions,
        watches,
        clients,
        open_fds,
        max_fds,
        quorum_size: status.members.len(),
        // The runtime does not track followers' links; every other member
        // is counted while this server leads.
        synced_followers: if mode == Mode::Leader {
            status.members.len().saturating_sub(1)
        } else {
            0
        },
        traffic: status.traffic,
        session_keeper: status.keeper,
        conf: conf_snapshot(config),
        env: environment(),
    })
}

fn conf_snapshot(config: &ServerConfig) -> ConfSnapshot {
    let quorum = (!config.is_standalone()).then(|| {
        let me = config.me();
        QuorumConf {
            init_limit: config.init_limit,
            sync_limit: config.sync_limit,
            election_port: me.map_or(0, |m| m.election_port),
            quorum_port: me.map_or(0, |m| m.peer_port),
            members: config
                .servers
                .iter()
                .map(|(&id, s)| Member {
                    id,
                    host: s.host.clone(),
                    peer_port: s.peer_port,
                    election_port: s.election_port,
                    client_port: s.client_port,
                })
                .collect(),
        }
    });
    ConfSnapshot {
        client_port: config.client_port,
        data_dir: config.data_dir.clone(),
        data_dir_size: dir_size(&config.data_dir),
        tick_time_ms: config.tick_time_ms,
        max_client_cnxns: 0,
        min_session_timeout_ms: config.min_session_timeout_ms,
        max_session_timeout_ms: config.max_session_timeout_ms,
        server_id: config.my_id,
        quorum,
    }
}

/// The bytes of the regular files under `dir` (0 when unreadable).
fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// Open file descriptors and the soft limit, from /proc (0 elsewhere).
fn fd_counts() -> (u64, u64) {
    let open = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64);
    let max = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|soft| soft.parse().ok())
        })
        .unwrap_or(0);
    (open, max)
}

fn environment() -> Vec<(String, String)> {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    vec![
        ("zookeeper.version".into(), version_string()),
        ("host.name".into(), read("/proc/sys/kernel/hostname")),
        ("os.name".into(), std::env::consts::OS.into()),
        ("os.arch".into(), std::env::consts::ARCH.into()),
        ("os.version".into(), read("/proc/sys/kernel/osrelease")),
        ("user.name".into(), var("USER")),
        ("user.home".into(), var("HOME")),
        (
            "user.dir".into(),
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        ),
    ]
}
