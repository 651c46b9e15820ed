//! Three runtime nodes in one process (the t20 fixture) with a ZooKeeper
//! wire-protocol listener each on 127.0.0.1, and a raw jute client that
//! shows exactly what the server sent.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use coordinator::runtime::ProtocolName;
use coordinator::wire::frame::framed;
use coordinator::wire::jute::{Reader, Writer};
use coordinator::wire::records::{ConnectRequest, ConnectResponse, ReplyHeader, WatcherEvent};
use coordinator::wire::request::Request;
use coordinator::wire::response::Response;
use coordinator::wire::{FourLetterWords, WireConfig, WireServer, opcode};
use protocols::NodeId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::t20_runtime_cluster::{Cluster, PATIENCE};

pub struct WireCluster {
    pub nodes: Cluster,
    pub servers: BTreeMap<NodeId, WireServer>,
}

impl WireCluster {
    pub async fn start(config: WireConfig) -> WireCluster {
        WireCluster::start_with(config, None).await
    }

    pub async fn start_with(
        config: WireConfig,
        fourlw: Option<Arc<dyn FourLetterWords>>,
    ) -> WireCluster {
        let nodes = Cluster::start(ProtocolName::MultiPaxos, 3).await;
        nodes.leader().await;
        let mut servers = BTreeMap::new();
        for id in nodes.ids.clone() {
            let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
            let server = WireServer::start(nodes.handle(id), addr, config.clone(), fourlw.clone())
                .await
                .expect("listener starts");
            servers.insert(id, server);
        }
        WireCluster { nodes, servers }
    }

    pub fn addr(&self, id: NodeId) -> SocketAddr {
        self.servers[&id].local_addr()
    }

    pub async fn stop(self) {
        for (_, s) in self.servers {
            s.shutdown().await;
        }
        self.nodes.stop_all().await;
    }
}

/// One server frame, decoded as far as the header.
#[derive(Debug)]
pub struct Frame {
    pub header: ReplyHeader,
    pub body: Vec<u8>,
}

impl Frame {
    pub fn event(&self) -> WatcherEvent {
        assert_eq!(self.header.xid, opcode::XID_NOTIFICATION, "{self:?}");
        WatcherEvent::read(&mut Reader::new(&self.body)).expect("a WatcherEvent")
    }

    pub fn response(&self, op: i32) -> Response {
        assert_eq!(self.header.err, 0, "{self:?}");
        Response::decode(op, &self.body).expect("a reply body")
    }
}

/// A raw client: frames in, frames out.
pub struct Zk {
    pub stream: TcpStream,
    pub xid: i32,
    pub session: ConnectResponse,
    pub connect: ConnectRequest,
}

pub fn new_session(timeout_ms: i32, read_only: Option<bool>) -> ConnectRequest {
    ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        timeout_ms,
        session_id: 0,
        password: Some(vec![0; 16]),
        read_only,
    }
}

/// Sends a ConnectRequest and returns the raw ConnectResponse payload, or
/// None if the server closed without one.
pub async fn handshake(addr: SocketAddr, request: &ConnectRequest) -> (TcpStream, Option<Vec<u8>>) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    handshake_with(stream, request).await
}

/// A new session's handshake on an open stream.
pub async fn handshake_on(stream: TcpStream) -> (TcpStream, Option<Vec<u8>>) {
    handshake_with(stream, &new_session(2_000, Some(false))).await
}

async fn handshake_with(
    mut stream: TcpStream,
    request: &ConnectRequest,
) -> (TcpStream, Option<Vec<u8>>) {
    stream
        .write_all(&framed(&request.encode()))
        .await
        .expect("send ConnectRequest");
    let payload = read_payload(&mut stream).await;
    (stream, payload)
}

/// One frame's payload, None at EOF.
pub async fn read_payload(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let read = async {
        let mut len = [0u8; 4];
        stream.read_exact(&mut len).await.ok()?;
        let mut payload = vec![0u8; usize::try_from(i32::from_be_bytes(len)).ok()?];
        stream.read_exact(&mut payload).await.ok()?;
        Some(payload)
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("the server answers or closes in time")
}

/// Whether the server closed the connection (EOF or reset) in time.
pub async fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(PATIENCE, read).await.unwrap_or(false)
}

impl Zk {
    pub async fn connect(addr: SocketAddr, timeout_ms: i32) -> Zk {
        let connect = new_session(timeout_ms, Some(false));
        let (stream, payload) = handshake(addr, &connect).await;
        let payload = payload.expect("a ConnectResponse");
        let session = ConnectResponse::decode(&payload).expect("ConnectResponse decodes");
        assert!(session.timeout_ms > 0, "{session:?}");
        Zk {
            stream,
            xid: 0,
            session,
            connect,
        }
    }

    pub async fn send_raw(&mut self, payload: &[u8]) {
        self.stream.write_all(payload).await.expect("send");
    }

    /// Sends a request with the next xid; returns the xid.
    pub async fn send(&mut self, request: &Request) -> i32 {
        self.xid += 1;
        let xid = self.xid;
        self.send_xid(xid, request).await;
        xid
    }

    pub async fn send_xid(&mut self, xid: i32, request: &Request) {
        let mut w = Writer::new();
        w.int(xid).int(request.opcode()).raw(&request.encode());
        self.send_raw(&framed(&w.into_bytes())).await;
    }

    pub async fn recv(&mut self) -> Frame {
        let payload = read_payload(&mut self.stream)
            .await
            .expect("a frame, not EOF");
        let mut r = Reader::new(&payload);
        let header = ReplyHeader::read(&mut r).expect("a reply header");
        let body = payload[payload.len() - r.remaining()..].to_vec();
        Frame { header, body }
    }

    /// Sends and returns the reply (asserting it echoes the xid).
    pub async fn call(&mut self, request: &Request) -> Frame {
        let xid = self.send(request).await;
        let frame = self.recv().await;
        assert_eq!(frame.header.xid, xid, "{frame:?}");
        frame
    }
}
