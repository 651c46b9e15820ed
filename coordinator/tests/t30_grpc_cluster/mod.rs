//! A 3-node runtime cluster in one process (the t20 fixture: in-memory peer
//! links and storage) with a gRPC server per node on 127.0.0.1, and helpers
//! to wait for client events.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use coordinator::api::pb;
use coordinator::client::{Client, ClientError, KeeperState, WatchedEvent};
use coordinator::grpc::{GrpcLimits, GrpcServer};
use coordinator::runtime::ProtocolName;
use coordinator::server_config::{NodePorts, ServerConfig};
use coordinator::{ErrorCode, EventType};
use protocols::NodeId;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::t20_runtime_cluster::{Cluster, PATIENCE};

/// The longest session timeout the test tickTime allows (20 tickTimes).
pub const SESSION: Duration = Duration::from_millis(2_000);

pub struct GrpcCluster {
    pub nodes: Cluster,
    pub servers: BTreeMap<NodeId, GrpcServer>,
    configs: Vec<ServerConfig>,
    _dir: tempfile::TempDir,
}

impl GrpcCluster {
    pub async fn start() -> GrpcCluster {
        let nodes = Cluster::start(ProtocolName::MultiPaxos, 3).await;
        nodes.leader().await;
        // Status reports the configuration; the ports in it are not used.
        let dir = tempfile::tempdir().expect("tempdir");
        let ports: Vec<NodePorts> = (0..3u16)
            .map(|i| NodePorts {
                client: 20_000 + i,
                grpc: 21_000 + i,
                peer: 22_000 + i,
                election: 23_000 + i,
            })
            .collect();
        let configs = ServerConfig::local_cluster(3, dir.path(), &ports).expect("configs");
        let mut servers = BTreeMap::new();
        for (id, config) in (1..).zip(configs.clone()) {
            let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
            let server = GrpcServer::start(nodes.handle(id), config, addr, GrpcLimits::default())
                .await
                .expect("gRPC server starts");
            servers.insert(id, server);
        }
        GrpcCluster {
            nodes,
            servers,
            configs,
            _dir: dir,
        }
    }

    /// Server `id`'s configuration (what its Status reports).
    pub fn config(&self, id: NodeId) -> ServerConfig {
        self.configs[usize::try_from(id).expect("small id") - 1].clone()
    }

    pub fn addr(&self, id: NodeId) -> String {
        self.servers[&id].local_addr().to_string()
    }

    pub fn connect_string(&self) -> String {
        let all: Vec<String> = self.servers.keys().map(|&id| self.addr(id)).collect();
        all.join(",")
    }

    pub fn id_of(&self, addr: &str) -> NodeId {
        *self
            .servers
            .keys()
            .find(|&&id| self.addr(id) == addr)
            .expect("a server of the cluster")
    }

    pub async fn client(&self, id: NodeId) -> Client {
        Client::connect(&self.addr(id), SESSION)
            .await
            .expect("client connects")
    }

    pub async fn stop(self) {
        for (_, server) in self.servers {
            tokio::time::timeout(PATIENCE, server.shutdown())
                .await
                .expect("graceful shutdown finishes")
                .expect("server stops cleanly");
        }
        self.nodes.stop_all().await;
    }
}

pub fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> ErrorCode {
    match r {
        Err(e) => e.code(),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// The next node event (session state changes are skipped).
pub async fn next_node_event(events: &mut UnboundedReceiver<WatchedEvent>) -> WatchedEvent {
    loop {
        let e = tokio::time::timeout(PATIENCE, events.recv())
            .await
            .expect("an event in time")
            .expect("the event channel is open");
        if e.event_type != EventType::None {
            return e;
        }
    }
}

/// Waits for a session state change to `state`.
pub async fn wait_state(events: &mut UnboundedReceiver<WatchedEvent>, state: KeeperState) {
    loop {
        let e = tokio::time::timeout(PATIENCE, events.recv())
            .await
            .expect("a state change in time")
            .expect("the event channel is open");
        if e.event_type == EventType::None && e.state == state {
            return;
        }
    }
}

pub fn header(session: i64) -> Option<pb::RequestHeader> {
    Some(pb::RequestHeader {
        session_id: session,
        xid: 9,
    })
}
