//! A server's configuration: ZooKeeper's zoo.cfg plus zoolab's keys, the
//! `myid` file, and command-line overrides.
//!
//! ```text
//! tickTime=2000            # ms; sessions live between 2 and 20 ticks
//! initLimit=10             # ticks to elect and catch up
//! syncLimit=5              # ticks of silence before a peer is suspected
//! dataDir=/var/lib/zoolab  # WAL, snapshots, myid (created if missing)
//! clientPort=2181          # ZooKeeper's wire protocol
//! grpcPort=2182            # zoolab's gRPC API (default clientPort + 1)
//! protocol=multipaxos      # multipaxos; zab and paxos are reserved
//! clusterId=prod-1         # optional; default derived from the server list
//! snapCount=10000          # commits between snapshots of the tree
//! server.1=host1:2888:3888
//! server.2=host2:2888:3888
//! server.3=host3:2888:3888
//! ```
//!
//! Zero or one `server.N` line is standalone mode. Loading is in three steps,
//! each usable alone: [`ZooCfg::parse`] (syntax and values),
//! [`ConfigOverrides`] (flags over the file), [`ServerConfig::resolve`]
//! (defaults, dataDir, myid, cross-checks). Defaults where ZooKeeper has
//! none: tickTime 2000, initLimit 10, syncLimit 5.
//!
//! Host names are compared as written: `localhost` and `127.0.0.1` are not
//! known to be the same host (zoolab does no DNS lookups while loading).

mod error;
mod local;
mod myid;
mod parse;
mod protocol;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use protocols::{ClusterConfig, NodeId};

use crate::config::TreeConfig;

pub use error::{ConfigError, ConfigWarning};
pub use local::NodePorts;
pub use myid::{MYID_FILE, myid_path, read_myid, write_myid};
pub use parse::{ServerAddr, ZooCfg};
pub use protocol::{ProtocolError, ProtocolName};

pub const DEFAULT_TICK_TIME_MS: u32 = 2000;
pub const DEFAULT_INIT_LIMIT: u32 = 10;
pub const DEFAULT_SYNC_LIMIT: u32 = 5;
/// Commits between snapshots (ZooKeeper's default snapCount is 100000; a
/// snapshot of zoolab's tree is written whole, so it comes more often).
pub const DEFAULT_SNAP_COUNT: u64 = 10_000;

/// Command-line flags that override zoo.cfg; `None` keeps the file's value.
/// The runtime's clap flags fill this in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigOverrides {
    /// Used instead of dataDir/myid.
    pub my_id: Option<NodeId>,
    pub protocol: Option<ProtocolName>,
    pub data_dir: Option<PathBuf>,
    pub client_port: Option<u16>,
    pub grpc_port: Option<u16>,
    pub tick_time_ms: Option<u32>,
    pub init_limit: Option<u32>,
    pub sync_limit: Option<u32>,
    pub cluster_id: Option<String>,
    pub extended_types_enabled: Option<bool>,
}

impl ConfigOverrides {
    /// Writes the overrides into a parsed file.
    pub fn apply(&self, cfg: &mut ZooCfg) {
        fn set<T: Clone>(target: &mut Option<T>, value: &Option<T>) {
            if value.is_some() {
                target.clone_from(value);
            }
        }
        set(&mut cfg.protocol, &self.protocol);
        set(&mut cfg.data_dir, &self.data_dir);
        set(&mut cfg.client_port, &self.client_port);
        set(&mut cfg.grpc_port, &self.grpc_port);
        set(&mut cfg.tick_time_ms, &self.tick_time_ms);
        set(&mut cfg.init_limit, &self.init_limit);
        set(&mut cfg.sync_limit, &self.sync_limit);
        set(&mut cfg.cluster_id, &self.cluster_id);
        set(
            &mut cfg.extended_types_enabled,
            &self.extended_types_enabled,
        );
    }
}

/// A validated configuration a server can start with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// This server's id (myid).
    pub my_id: NodeId,
    pub protocol: ProtocolName,
    pub tick_time_ms: u32,
    /// In ticks of tickTime.
    pub init_limit: u32,
    /// In ticks of tickTime.
    pub sync_limit: u32,
    pub data_dir: PathBuf,
    /// ZooKeeper's wire protocol port.
    pub client_port: u16,
    pub grpc_port: u16,
    /// Every `server.N` line, this server's included; empty or one entry in
    /// standalone mode.
    pub servers: BTreeMap<NodeId, ServerAddr>,
    /// Peers with another cluster id are refused at the handshake.
    pub cluster_id: String,
    pub extended_types_enabled: bool,
    pub min_session_timeout_ms: u32,
    pub max_session_timeout_ms: u32,
    /// `jute.maxbuffer`: the largest znode data accepted.
    pub max_data_bytes: usize,
    /// maxClientCnxns: wire-protocol connections per client IP (0: none).
    pub max_client_cnxns: usize,
    /// snapCount: the tree is snapshotted (and the log truncated behind
    /// the snapshot) every this many commits.
    pub snap_count: u64,
    /// What was accepted but ignored: the server logs these at startup.
    pub warnings: Vec<ConfigWarning>,
}

impl ServerConfig {
    /// Reads zoo.cfg at `path`, applies `overrides`, and resolves it (which
    /// creates dataDir if needed and reads dataDir/myid).
    pub fn load(path: &Path, overrides: &ConfigOverrides) -> Result<ServerConfig, ConfigError> {
        let text = fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
            path: path.to_path_buf(),
            source,
        })?;
        ServerConfig::from_zoo_cfg(&text, overrides)
    }

    /// As [`ServerConfig::load`], from zoo.cfg's text.
    pub fn from_zoo_cfg(
        text: &str,
        overrides: &ConfigOverrides,
    ) -> Result<ServerConfig, ConfigError> {
        let mut cfg = ZooCfg::parse(text)?;
        overrides.apply(&mut cfg);
        ServerConfig::resolve(cfg, overrides.my_id)
    }

    /// Fills in defaults, prepares dataDir, determines this server's id
    /// (`my_id`, else dataDir/myid) and checks everything against
    /// everything else.
    pub fn resolve(cfg: ZooCfg, my_id: Option<NodeId>) -> Result<ServerConfig, ConfigError> {
        let tick_time_ms = cfg.tick_time_ms.unwrap_or(DEFAULT_TICK_TIME_MS);
        let init_limit = at_least_one("initLimit", cfg.init_limit, DEFAULT_INIT_LIMIT)?;
        let sync_limit = at_least_one("syncLimit", cfg.sync_limit, DEFAULT_SYNC_LIMIT)?;
        at_least_one("tickTime", Some(tick_time_ms), DEFAULT_TICK_TIME_MS)?;
        let data_dir = cfg.data_dir.clone().ok_or(ConfigError::MissingKey {
            key: "dataDir",
            fix: "add dataDir=/path/to/data (the directory is created if missing)",
        })?;
        prepare_data_dir(&data_dir)?;
        let my_id = resolve_my_id(&cfg.servers, &data_dir, my_id)?;
        let me = cfg.servers.get(&my_id);
        let client_port = cfg.client_port.or(me.and_then(|m| m.client_port)).ok_or(
            ConfigError::MissingKey {
                key: "clientPort",
                fix: "add clientPort=2181 (or a ;clientPort suffix on this server's server.N line)",
            },
        )?;
        let grpc_port = match cfg.grpc_port {
            Some(p) => p,
            None => client_port.checked_add(1).ok_or(ConfigError::OutOfRange {
                key: "grpcPort",
                reason: "defaults to clientPort + 1, which is past 65535: set grpcPort".into(),
            })?,
        };
        let (min_session_timeout_ms, max_session_timeout_ms) = session_bounds(&cfg, tick_time_ms)?;
        let config = ServerConfig {
            my_id,
            protocol: cfg.protocol.unwrap_or_default(),
            tick_time_ms,
            init_limit,
            sync_limit,
            data_dir,
            client_port,
            grpc_port,
            cluster_id: cfg
                .cluster_id
                .clone()
                .unwrap_or_else(|| derived_cluster_id(&cfg.servers)),
            servers: cfg.servers,
            extended_types_enabled: cfg.extended_types_enabled.unwrap_or(false),
            min_session_timeout_ms,
            max_session_timeout_ms,
            max_data_bytes: cfg
                .max_data_bytes
                .unwrap_or(crate::config::DEFAULT_MAX_DATA_BYTES),
            max_client_cnxns: cfg
                .max_client_cnxns
                .unwrap_or(crate::wire::DEFAULT_MAX_CLIENT_CNXNS),
            snap_count: cfg.snap_count.unwrap_or(DEFAULT_SNAP_COUNT),
            warnings: cfg.warnings,
        };
        config.check_addresses()?;
        Ok(config)
    }

    /// One server (or none) listed: no replication, `Mode: standalone`.
    pub fn is_standalone(&self) -> bool {
        self.servers.len() <= 1
    }

    /// Every voting member, this server included.
    pub fn members(&self) -> BTreeSet<NodeId> {
        let mut m: BTreeSet<NodeId> = self.servers.keys().copied().collect();
        m.insert(self.my_id);
        m
    }

    /// This server's `server.N` line, if zoo.cfg has one.
    pub fn me(&self) -> Option<&ServerAddr> {
        self.servers.get(&self.my_id)
    }

    /// The other members and their addresses.
    pub fn peers(&self) -> impl Iterator<Item = (NodeId, &ServerAddr)> {
        self.servers
            .iter()
            .filter(|(id, _)| **id != self.my_id)
            .map(|(id, a)| (*id, a))
    }

    /// This server's host: its `server.N` host, else `127.0.0.1`.
    pub fn host(&self) -> &str {
        self.me().map_or("127.0.0.1", |m| m.host.as_str())
    }

    /// `host:grpcPort`, where clients reach this server.
    pub fn grpc_endpoint(&self) -> String {
        ServerAddr::endpoint(self.host(), self.grpc_port)
    }

    /// `host:clientPort`, where ZooKeeper clients reach this server.
    pub fn client_endpoint(&self) -> String {
        ServerAddr::endpoint(self.host(), self.client_port)
    }

    /// dataDir/myid.
    pub fn myid_path(&self) -> PathBuf {
        myid_path(&self.data_dir)
    }

    /// The settings the state machine needs (identical on every replica).
    pub fn tree_config(&self) -> TreeConfig {
        let ms = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        TreeConfig {
            tick_time_ms: ms(self.tick_time_ms),
            min_session_timeout_ms: Some(ms(self.min_session_timeout_ms)),
            max_session_timeout_ms: Some(ms(self.max_session_timeout_ms)),
            extended_types_enabled: self.extended_types_enabled,
            max_data_bytes: self.max_data_bytes,
        }
    }

    /// The protocol cores' configuration. The runtime's timer tick is a
    /// fraction of tickTime: `ticks_per_tick_time` core ticks per tickTime
    /// (initLimit and syncLimit are scaled by it; heartbeats every core tick).
    pub fn cluster_config(&self, ticks_per_tick_time: u32) -> ClusterConfig {
        let scale = ticks_per_tick_time.max(1);
        let mut c = ClusterConfig::new(self.members());
        c.init_limit = self.init_limit.saturating_mul(scale);
        c.sync_limit = self.sync_limit.saturating_mul(scale);
        c.seed = fnv1a(self.cluster_id.as_bytes());
        c
    }

    /// Two listeners on one host:port would fail at bind time with a less
    /// helpful message (or, across machines, not at all until traffic mixes).
    fn check_addresses(&self) -> Result<(), ConfigError> {
        let mut seen: BTreeMap<(String, u16), String> = BTreeMap::new();
        let mut claim = |host: &str, port: u16, what: String| -> Result<(), ConfigError> {
            let key = (host.to_string(), port);
            if let Some(first) = seen.get(&key) {
                return Err(ConfigError::DuplicateAddress {
                    address: ServerAddr::endpoint(host, port),
                    first: first.clone(),
                    second: what,
                });
            }
            seen.insert(key, what);
            Ok(())
        };
        let host = self.host().to_string();
        claim(&host, self.client_port, "clientPort".into())?;
        claim(&host, self.grpc_port, "grpcPort".into())?;
        for (id, s) in &self.servers {
            claim(&s.host, s.peer_port, format!("server.{id}'s peer port"))?;
            claim(
                &s.host,
                s.election_port,
                format!("server.{id}'s election port"),
            )?;
            let client_host = s.client_host.as_deref().unwrap_or(&s.host);
            match s.client_port {
                // This server's own suffix is clientPort itself unless the
                // file set both; then they must agree.
                Some(p) if *id == self.my_id && p == self.client_port && client_host == host => {}
                Some(p) => claim(client_host, p, format!("server.{id}'s client port"))?,
                None => {}
            }
        }
        Ok(())
    }
}

fn at_least_one(key: &'static str, value: Option<u32>, default: u32) -> Result<u32, ConfigError> {
    match value.unwrap_or(default) {
        0 => Err(ConfigError::OutOfRange {
            key,
            reason: "must be at least 1 tick".into(),
        }),
        v => Ok(v),
    }
}

fn session_bounds(cfg: &ZooCfg, tick: u32) -> Result<(u32, u32), ConfigError> {
    let min = cfg.min_session_timeout_ms.unwrap_or(tick.saturating_mul(2));
    let max = cfg
        .max_session_timeout_ms
        .unwrap_or(tick.saturating_mul(20));
    if min > max {
        return Err(ConfigError::OutOfRange {
            key: "minSessionTimeout",
            reason: format!(
                "{min} ms is above maxSessionTimeout ({max} ms): lower minSessionTimeout or raise maxSessionTimeout"
            ),
        });
    }
    Ok((min, max))
}

/// ZooKeeper creates a missing dataDir; so does zoolab, and it proves it can
/// write there now rather than at the first fsync.
fn prepare_data_dir(dir: &Path) -> Result<(), ConfigError> {
    let fail = |reason: String| ConfigError::DataDir {
        path: dir.to_path_buf(),
        reason,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(fail("it exists but is not a directory".into()));
    }
    fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create it: {e}")))?;
    fs::read_dir(dir).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let probe = dir.join(".zoolab-write-probe");
    fs::write(&probe, b"").map_err(|e| fail(format!("cannot write in it: {e}")))?;
    fs::remove_file(&probe).map_err(|e| fail(format!("cannot delete files in it: {e}")))?;
    Ok(())
}

/// Standalone servers need no myid (as in ZooKeeper); a cluster member must
/// have one, and it must be listed.
fn resolve_my_id(
    servers: &BTreeMap<NodeId, ServerAddr>,
    data_dir: &Path,
    given: Option<NodeId>,
) -> Result<NodeId, ConfigError> {
    let ids: Vec<NodeId> = servers.keys().copied().collect();
    let id = match given {
        Some(0) => {
            return Err(ConfigError::OutOfRange {
                key: "myid",
                reason: "server ids start at 1".into(),
            });
        }
        Some(id) => Some(id),
        None => read_myid(data_dir)?,
    };
    match (id, ids.as_slice()) {
        (Some(id), []) => Ok(id),
        (None, []) => Ok(1),
        (None, [only]) => Ok(*only),
        (None, _) => Err(ConfigError::MissingMyId {
            path: myid_path(data_dir),
            ids,
        }),
        (Some(id), _) if servers.contains_key(&id) => Ok(id),
        (Some(id), _) => Err(ConfigError::IdNotInServerList { id, ids }),
    }
}

/// `zoolab-` and a stable hash of the server lines: every member derives
/// the same id from the same list, and another ensemble gets another one.
fn derived_cluster_id(servers: &BTreeMap<NodeId, ServerAddr>) -> String {
    let canonical = servers
        .iter()
        .map(|(id, s)| format!("{id}={}:{}:{}", s.host, s.peer_port, s.election_port))
        .collect::<Vec<_>>()
        .join(",");
    format!("zoolab-{:016x}", fnv1a(canonical.as_bytes()))
}

/// FNV-1a: specified, so the derived id never changes between builds (std's
/// hashers promise no such thing).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
