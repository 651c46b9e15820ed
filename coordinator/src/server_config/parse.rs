//! zoo.cfg's syntax: Java properties as ZooKeeper writes them (`key=value`
//! lines, `#` comments), read into typed but not yet validated settings.
//!
//! Unknown keys are not errors: ZooKeeper turns any key it does not know
//! into a system property and starts anyway, so real zoo.cfg files carry
//! settings zoolab has no use for (dataLogDir, autopurge.*, admin.*).
//! Refusing them would refuse the seed's own zoo_sample.cfg once its
//! comments are removed. Each becomes a [`ConfigWarning`] the server logs;
//! a key that looks like a misspelt known key says which one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use protocols::NodeId;

use super::error::{ConfigError, ConfigWarning};
use super::protocol::ProtocolName;

/// One `server.N=` line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    /// Host name or IP address, as written (IPv6 without brackets).
    pub host: String,
    /// The port the protocol's messages use (ZooKeeper's quorum port).
    pub peer_port: u16,
    /// The election port. zoolab's protocols elect over the peer link, so it
    /// is reserved (and checked for clashes) but not listened on today.
    pub election_port: u16,
    /// From the `;[clientHost:]clientPort` suffix, when given.
    pub client_host: Option<String>,
    pub client_port: Option<u16>,
}

impl ServerAddr {
    pub fn new(host: impl Into<String>, peer_port: u16, election_port: u16) -> ServerAddr {
        ServerAddr {
            host: host.into(),
            peer_port,
            election_port,
            client_host: None,
            client_port: None,
        }
    }

    /// `host:port` with IPv6 hosts bracketed.
    pub fn endpoint(host: &str, port: u16) -> String {
        if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        }
    }

    /// Where peers connect to this server.
    pub fn peer_endpoint(&self) -> String {
        ServerAddr::endpoint(&self.host, self.peer_port)
    }

    /// The value of its `server.N=` line.
    pub fn to_zoo_cfg_value(&self) -> String {
        let mut v = format!(
            "{}:{}",
            ServerAddr::endpoint(&self.host, self.peer_port),
            self.election_port
        );
        if let Some(port) = self.client_port {
            v.push(';');
            if let Some(host) = &self.client_host {
                v.push_str(&ServerAddr::endpoint(host, port));
            } else {
                v.push_str(&port.to_string());
            }
        }
        v
    }
}

/// zoo.cfg as written: every setting optional, nothing cross-checked yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZooCfg {
    pub tick_time_ms: Option<u32>,
    pub init_limit: Option<u32>,
    pub sync_limit: Option<u32>,
    pub data_dir: Option<PathBuf>,
    pub client_port: Option<u16>,
    pub grpc_port: Option<u16>,
    pub protocol: Option<ProtocolName>,
    pub extended_types_enabled: Option<bool>,
    pub cluster_id: Option<String>,
    pub min_session_timeout_ms: Option<u32>,
    pub max_session_timeout_ms: Option<u32>,
    pub max_data_bytes: Option<usize>,
    /// maxClientCnxns: wire-protocol connections per client IP (0: no limit).
    pub max_client_cnxns: Option<usize>,
    /// snapCount: commits between snapshots of the tree.
    pub snap_count: Option<u64>,
    pub servers: BTreeMap<NodeId, ServerAddr>,
    pub warnings: Vec<ConfigWarning>,
}

/// The keys zoolab reads (for "did you mean").
const KNOWN: [&str; 17] = [
    "maxClientCnxns",
    "snapCount",
    "tickTime",
    "initLimit",
    "syncLimit",
    "dataDir",
    "clientPort",
    "grpcPort",
    "protocol",
    "extendedTypesEnabled",
    "clusterId",
    "minSessionTimeout",
    "maxSessionTimeout",
    "jute.maxbuffer",
    "peerType",
    "server.N",
    "zookeeper.extendedTypesEnabled",
];

/// ZooKeeper settings zoolab accepts and ignores (exact keys, then prefixes).
const IGNORED: [&str; 20] = [
    "dataLogDir",
    "standaloneEnabled",
    "reconfigEnabled",
    "dynamicConfigFile",
    "clientPortAddress",
    "secureClientPort",
    "secureClientPortAddress",
    "4lw.commands.whitelist",
    "globalOutstandingLimit",
    "preAllocSize",
    "leaderServes",
    "cnxTimeout",
    "electionAlg",
    "quorumListenOnAllIPs",
    "syncEnabled",
    "localSessionsEnabled",
    "localSessionsUpgradingEnabled",
    "skipACL",
    "forceSync",
    "maxCnxns",
];
const IGNORED_PREFIXES: [&str; 9] = [
    "autopurge.",
    "admin.",
    "metricsProvider.",
    "ssl.",
    "sslQuorum",
    "portUnification",
    "authProvider.",
    "group.",
    "weight.",
];

impl ZooCfg {
    /// Parses zoo.cfg's text. Duplicate keys and malformed values are
    /// errors; unknown keys are warnings (see the module docs).
    pub fn parse(text: &str) -> Result<ZooCfg, ConfigError> {
        let mut cfg = ZooCfg::default();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
                continue;
            }
            let Some((key, value)) = trimmed.split_once('=') else {
                return Err(ConfigError::Syntax {
                    line,
                    text: trimmed.to_string(),
                });
            };
            let (key, value) = (key.trim(), value.trim());
            if let Some(&first_line) = seen.get(key) {
                return Err(ConfigError::DuplicateKey {
                    key: key.to_string(),
                    first_line,
                    line,
                });
            }
            seen.insert(key.to_string(), line);
            cfg.set(key, value)?;
        }
        Ok(cfg)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "tickTime" => self.tick_time_ms = Some(positive(key, value)?),
            "initLimit" => self.init_limit = Some(positive(key, value)?),
            "syncLimit" => self.sync_limit = Some(positive(key, value)?),
            "dataDir" if value.is_empty() => {
                return Err(invalid(key, value, "the path of a directory"));
            }
            "dataDir" => self.data_dir = Some(PathBuf::from(value)),
            "clientPort" => self.client_port = Some(port(key, value)?),
            "grpcPort" => self.grpc_port = Some(port(key, value)?),
            "protocol" => {
                self.protocol = Some(value.parse().map_err(|error| ConfigError::Protocol {
                    key: "protocol",
                    error,
                })?)
            }
            "extendedTypesEnabled" | "zookeeper.extendedTypesEnabled" => {
                self.extended_types_enabled = Some(boolean(key, value)?)
            }
            "clusterId" => self.cluster_id = Some(cluster_id(key, value)?),
            "minSessionTimeout" => self.min_session_timeout_ms = Some(positive(key, value)?),
            "maxSessionTimeout" => self.max_session_timeout_ms = Some(positive(key, value)?),
            "jute.maxbuffer" => self.max_data_bytes = Some(positive(key, value)? as usize),
            "maxClientCnxns" => {
                let n: u32 = value
                    .parse()
                    .map_err(|_| invalid(key, value, "a count of connections (0: no limit)"))?;
                self.max_client_cnxns = Some(n as usize);
            }
            "snapCount" => self.snap_count = Some(u64::from(positive(key, value)?)),
            "peerType" if value == "observer" => {
                return Err(ConfigError::Observer {
                    key: key.to_string(),
                });
            }
            "peerType" if value == "participant" => {}
            "peerType" => return Err(invalid(key, value, "participant")),
            _ if key.starts_with("server.") => {
                let id = server_id(key, value)?;
                if self.servers.contains_key(&id) {
                    return Err(ConfigError::InvalidServer {
                        key: key.to_string(),
                        value: value.to_string(),
                        reason: format!("server {id} is already listed"),
                    });
                }
                self.servers.insert(id, server_line(key, value)?);
            }
            _ if IGNORED.contains(&key) || IGNORED_PREFIXES.iter().any(|p| key.starts_with(p)) => {
                self.warnings.push(ConfigWarning::Ignored {
                    key: key.to_string(),
                })
            }
            _ => self.warnings.push(ConfigWarning::Unknown {
                key: key.to_string(),
                suggestion: suggest(key),
            }),
        }
        Ok(())
    }
}

pub(super) fn invalid(key: &str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError::InvalidValue {
        key: key.to_string(),
        value: value.to_string(),
        expected,
    }
}

/// Numbers ≥ 1. Zero and negative numbers are range errors rather than
/// shape errors, so the message can say what the key means.
fn positive(key: &str, value: &str) -> Result<u32, ConfigError> {
    let n: i64 = value
        .parse()
        .map_err(|_| invalid(key, value, "a whole number"))?;
    u32::try_from(n)
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| invalid(key, value, "a whole number from 1 to 4294967295"))
}

fn port(key: &str, value: &str) -> Result<u16, ConfigError> {
    value
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| invalid(key, value, "a port number from 1 to 65535"))
}

fn boolean(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        _ => Err(invalid(key, value, "true or false")),
    }
}

fn cluster_id(key: &str, value: &str) -> Result<String, ConfigError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(value.to_string())
    } else {
        Err(invalid(
            key,
            value,
            "1 to 64 letters, digits, '-', '_' or '.'",
        ))
    }
}

fn server_id(key: &str, value: &str) -> Result<NodeId, ConfigError> {
    let n = &key["server.".len()..];
    n.parse::<NodeId>()
        .ok()
        .filter(|id| *id >= 1)
        .ok_or_else(|| ConfigError::InvalidServer {
            key: key.to_string(),
            value: value.to_string(),
            reason: format!("{n:?} is not a server id (a whole number from 1)"),
        })
}

/// `host:peerPort:electionPort[:participant|:observer][;[clientHost:]clientPort]`,
/// with IPv6 hosts in brackets as ZooKeeper writes them.
fn server_line(key: &str, value: &str) -> Result<ServerAddr, ConfigError> {
    let bad = |reason: String| ConfigError::InvalidServer {
        key: key.to_string(),
        value: value.to_string(),
        reason,
    };
    let (quorum, client) = match value.split_once(';') {
        Some((q, c)) => (q.trim(), Some(c.trim())),
        None => (value, None),
    };
    let (host, rest) = split_host(quorum).map_err(&bad)?;
    let fields: Vec<&str> = rest.split(':').collect();
    let role = match fields.as_slice() {
        [_, _] => None,
        [_, _, role] => Some(*role),
        _ => {
            return Err(bad(
                "expected a host, a peer port and an election port".into()
            ));
        }
    };
    match role {
        None | Some("participant") => {}
        Some("observer") => {
            return Err(ConfigError::Observer {
                key: key.to_string(),
            });
        }
        Some(other) => return Err(bad(format!("unknown role {other:?} (participant)"))),
    }
    let port = |what: &str, v: &str| {
        v.parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad(format!("{what} {v:?} is not a port number from 1 to 65535")))
    };
    let mut addr = ServerAddr::new(
        host,
        port("peer port", fields[0])?,
        port("election port", fields[1])?,
    );
    if let Some(client) = client {
        let (client_host, client_port) = match client.rsplit_once(':') {
            Some(_) => {
                let (h, p) = split_host(client).map_err(&bad)?;
                (Some(h), p)
            }
            None => (None, client),
        };
        addr.client_host = client_host;
        addr.client_port = Some(port("client port", client_port)?);
    }
    Ok(addr)
}

/// Splits `host:rest` or `[v6]:rest`.
fn split_host(s: &str) -> Result<(String, &str), String> {
    let (host, rest) = if let Some(inner) = s.strip_prefix('[') {
        let (h, r) = inner
            .split_once(']')
            .ok_or_else(|| "an IPv6 address lacks its closing ']'".to_string())?;
        (h, r.strip_prefix(':').unwrap_or(r))
    } else {
        s.split_once(':')
            .ok_or_else(|| "expected host:port".to_string())?
    };
    if host.is_empty() {
        return Err("the host is empty".into());
    }
    Ok((host.to_string(), rest))
}

/// A known key within two edits of `key` (ignoring case), if any.
fn suggest(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    KNOWN
        .into_iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
