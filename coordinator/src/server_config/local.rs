//! Configurations for a whole cluster on one machine (`zoolab cluster`), and
//! rendering a configuration back to a zoo.cfg a server can be started with.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use protocols::NodeId;

use super::error::ConfigError;
use super::myid::write_myid;
use super::parse::ServerAddr;
use super::{DEFAULT_INIT_LIMIT, DEFAULT_SYNC_LIMIT, DEFAULT_TICK_TIME_MS, ServerConfig};
use super::{ProtocolName, derived_cluster_id};

/// The four ports of one local server (the caller finds free ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodePorts {
    pub client: u16,
    pub grpc: u16,
    pub peer: u16,
    pub election: u16,
}

/// Every local server lives on the loopback interface.
const LOOPBACK: &str = "127.0.0.1";

impl ServerConfig {
    /// `n` servers on 127.0.0.1 with ids 1..=n, server i using `ports[i-1]`
    /// and dataDir `base_dir/node<i>` (created, with its myid written).
    /// `base_dir` should be fresh: an existing dataDir's contents are kept,
    /// and a server would recover from them. Everything else has zoo.cfg's
    /// defaults; adjust the public fields before writing the files.
    pub fn local_cluster(
        n: usize,
        base_dir: &Path,
        ports: &[NodePorts],
    ) -> Result<Vec<ServerConfig>, ConfigError> {
        if n == 0 || ports.len() != n {
            return Err(ConfigError::LocalCluster {
                reason: format!("{n} servers need {n} sets of ports, {} given", ports.len()),
            });
        }
        let servers: std::collections::BTreeMap<NodeId, ServerAddr> = (1..)
            .zip(ports)
            .map(|(id, p)| {
                let mut addr = ServerAddr::new(LOOPBACK, p.peer, p.election);
                addr.client_port = Some(p.client);
                (id, addr)
            })
            .collect();
        let cluster_id = derived_cluster_id(&servers);
        let configs: Vec<ServerConfig> = (1..)
            .zip(ports)
            .map(|(id, p)| {
                let tick = DEFAULT_TICK_TIME_MS;
                ServerConfig {
                    my_id: id,
                    protocol: ProtocolName::default(),
                    tick_time_ms: tick,
                    init_limit: DEFAULT_INIT_LIMIT,
                    sync_limit: DEFAULT_SYNC_LIMIT,
                    data_dir: base_dir.join(format!("node{id}")),
                    client_port: p.client,
                    grpc_port: p.grpc,
                    servers: servers.clone(),
                    cluster_id: cluster_id.clone(),
                    extended_types_enabled: false,
                    min_session_timeout_ms: tick * 2,
                    max_session_timeout_ms: tick * 20,
                    max_data_bytes: crate::config::DEFAULT_MAX_DATA_BYTES,
                    max_client_cnxns: crate::wire::DEFAULT_MAX_CLIENT_CNXNS,
                    snap_count: super::DEFAULT_SNAP_COUNT,
                    warnings: Vec::new(),
                }
            })
            .collect();
        for c in &configs {
            c.check_addresses()?;
            write_myid(&c.data_dir, c.my_id)?;
        }
        Ok(configs)
    }

    /// This configuration as a zoo.cfg: every setting explicit, so loading
    /// it (with dataDir/myid in place) gives back the same configuration.
    pub fn to_zoo_cfg(&self) -> String {
        let mut out = String::new();
        let mut line = |k: &str, v: &dyn std::fmt::Display| {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "{k}={v}");
        };
        line("tickTime", &self.tick_time_ms);
        line("initLimit", &self.init_limit);
        line("syncLimit", &self.sync_limit);
        line("dataDir", &self.data_dir.display());
        line("clientPort", &self.client_port);
        line("grpcPort", &self.grpc_port);
        line("protocol", &self.protocol);
        line("clusterId", &self.cluster_id);
        line("extendedTypesEnabled", &self.extended_types_enabled);
        line("minSessionTimeout", &self.min_session_timeout_ms);
        line("maxSessionTimeout", &self.max_session_timeout_ms);
        line("jute.maxbuffer", &self.max_data_bytes);
        line("snapCount", &self.snap_count);
        for (id, s) in &self.servers {
            line(&format!("server.{id}"), &s.to_zoo_cfg_value());
        }
        out
    }

    /// Writes [`ServerConfig::to_zoo_cfg`] to `path`.
    pub fn write_zoo_cfg(&self, path: &Path) -> Result<(), ConfigError> {
        fs::write(path, self.to_zoo_cfg()).map_err(|source| ConfigError::WriteFile {
            path: path.to_path_buf(),
            source,
        })
    }
}
