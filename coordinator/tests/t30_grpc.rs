//! The gRPC service and the Rust client end to end: three runtime nodes in
//! one process (in-memory peer links and storage, the t20 fixture), each
//! served over gRPC on 127.0.0.1, driven through `coordinator::client`.

mod t20_runtime_cluster;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use coordinator::api::pb;
use coordinator::api::pb::zoo_lab_client::ZooLabClient;
use coordinator::client::{Client, ClientError, KeeperState, WatchedEvent};
use coordinator::grpc::{GrpcLimits, GrpcServer};
use coordinator::runtime::ProtocolName;
use coordinator::server_config::{NodePorts, ServerConfig};
use coordinator::{CheckRequest, SetDataRequest};
use coordinator::{CreateMode, CreateRequest, DeleteRequest, ErrorCode, EventType, MultiOp};
use protocols::NodeId;
use tokio::sync::mpsc::UnboundedReceiver;

use t20_runtime_cluster::{Cluster, PATIENCE, wait_until};

/// The longest session timeout the test tickTime allows (20 tickTimes).
const SESSION: Duration = Duration::from_millis(2_000);

struct GrpcCluster {
    nodes: Cluster,
    servers: BTreeMap<NodeId, GrpcServer>,
    _dir: tempfile::TempDir,
}

impl GrpcCluster {
    async fn start() -> GrpcCluster {
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
        for (id, config) in (1..).zip(configs) {
            let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
            let server = GrpcServer::start(nodes.handle(id), config, addr, GrpcLimits::default())
                .await
                .expect("gRPC server starts");
            servers.insert(id, server);
        }
        GrpcCluster {
            nodes,
            servers,
            _dir: dir,
        }
    }

    fn addr(&self, id: NodeId) -> String {
        self.servers[&id].local_addr().to_string()
    }

    fn connect_string(&self) -> String {
        let all: Vec<String> = self.servers.keys().map(|&id| self.addr(id)).collect();
        all.join(",")
    }

    fn id_of(&self, addr: &str) -> NodeId {
        *self
            .servers
            .keys()
            .find(|&&id| self.addr(id) == addr)
            .expect("a server of the cluster")
    }

    async fn client(&self, id: NodeId) -> Client {
        Client::connect(&self.addr(id), SESSION)
            .await
            .expect("client connects")
    }

    async fn stop(self) {
        for (_, server) in self.servers {
            tokio::time::timeout(PATIENCE, server.shutdown())
                .await
                .expect("graceful shutdown finishes")
                .expect("server stops cleanly");
        }
        self.nodes.stop_all().await;
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> ErrorCode {
    match r {
        Err(e) => e.code(),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// The next node event (session state changes are skipped).
async fn next_node_event(events: &mut UnboundedReceiver<WatchedEvent>) -> WatchedEvent {
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
async fn wait_state(events: &mut UnboundedReceiver<WatchedEvent>, state: KeeperState) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn znode_operations_carry_versions_and_zookeeper_error_codes() {
    let c = GrpcCluster::start().await;
    let client = c.client(2).await;
    assert_eq!(client.session_timeout(), SESSION);

    let path = client
        .create("/a", b"one", CreateMode::Persistent)
        .await
        .expect("create");
    assert_eq!(path, "/a");
    let (data, stat) = client.get_data("/a", false).await.expect("get");
    assert_eq!(data.as_deref(), Some(&b"one"[..]));
    assert_eq!((stat.version, stat.data_length), (0, 3));
    assert!(client.last_zxid_seen() >= stat.czxid);

    let stat = client.set_data("/a", b"two", 0).await.expect("set v0");
    assert_eq!(stat.version, 1);
    assert_eq!(
        code(client.set_data("/a", b"x", 0).await),
        ErrorCode::BadVersion
    );
    assert_eq!(
        code(client.create("/a", b"", CreateMode::Persistent).await),
        ErrorCode::NodeExists
    );
    assert_eq!(code(client.delete("/nope", -1).await), ErrorCode::NoNode);
    assert_eq!(
        code(
            client
                .create("/no/parent", b"", CreateMode::Persistent)
                .await
        ),
        ErrorCode::NoNode
    );
    assert_eq!(
        code(client.create("bad", b"", CreateMode::Persistent).await),
        ErrorCode::BadArguments
    );
    client
        .create("/a/b", b"", CreateMode::Persistent)
        .await
        .expect("child");
    assert_eq!(code(client.delete("/a", -1).await), ErrorCode::NotEmpty);
    assert_eq!(client.exists("/none", false).await.expect("exists"), None);
    let (children, stat) = client.get_children2("/a", false).await.expect("ls");
    assert_eq!((children, stat.num_children), (vec!["b".to_string()], 1));
    assert_eq!(client.get_all_children_number("/a").await.expect("n"), 1);
    let (acl, _) = client.get_acl("/a").await.expect("acl");
    assert_eq!(acl, coordinator::Acl::open_unsafe());

    let seq = client
        .create("/s-", b"", CreateMode::PersistentSequential)
        .await
        .expect("sequential");
    let suffix = seq.strip_prefix("/s-").expect("the prefix is kept");
    assert!(
        suffix.len() == 10 && suffix.bytes().all(|b| b.is_ascii_digit()),
        "{seq}"
    );

    client
        .create("/e", b"", CreateMode::Ephemeral)
        .await
        .expect("ephemeral");
    assert_eq!(
        client.get_ephemerals("/").await.expect("ephemerals"),
        vec!["/e".to_string()]
    );
    assert_eq!(
        code(client.create("/e/c", b"", CreateMode::Persistent).await),
        ErrorCode::NoChildrenForEphemerals
    );

    // A multi commits every op or none.
    let set = |p: &str, v| {
        MultiOp::SetData(SetDataRequest {
            path: p.into(),
            data: Some(b"m".to_vec()),
            version: v,
        })
    };
    let ok = client
        .multi(vec![
            MultiOp::Create(CreateRequest::new("/m", None, CreateMode::Persistent)),
            set("/a", 1),
            MultiOp::Check(CheckRequest {
                path: "/a/b".into(),
                version: 0,
            }),
        ])
        .await
        .expect("multi");
    assert!(ok.committed, "{ok:?}");
    assert_eq!(ok.results[0].path.as_deref(), Some("/m"));
    assert_eq!(ok.results[1].stat.map(|s| s.version), Some(2));
    let aborted = client
        .multi(vec![
            MultiOp::Create(CreateRequest::new("/m2", None, CreateMode::Persistent)),
            MultiOp::Delete(DeleteRequest {
                path: "/a/b".into(),
                version: 7,
            }),
            set("/a", -1),
        ])
        .await
        .expect("multi answered");
    assert!(!aborted.committed);
    let codes: Vec<ErrorCode> = aborted.results.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        vec![
            ErrorCode::Ok,
            ErrorCode::BadVersion,
            ErrorCode::RuntimeInconsistency
        ]
    );
    assert_eq!(aborted.first_error(), Some((1, ErrorCode::BadVersion)));
    assert_eq!(client.exists("/m2", false).await.expect("exists"), None);

    // Another server serves reads locally; sync makes them current.
    let other = c.client(3).await;
    other.sync("/").await.expect("sync");
    let (data, stat) = other.get_data("/a", false).await.expect("read on 3");
    assert_eq!((data.as_deref(), stat.version), (Some(&b"m"[..]), 2));
    other.delete("/a/b", 0).await.expect("delete with version");
    assert_eq!(code(other.delete("/a/b", -1).await), ErrorCode::NoNode);

    client.close().await.expect("close");
    other.close().await.expect("close");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watches_fire_through_the_stream_and_ephemerals_go_with_a_closed_session() {
    let c = GrpcCluster::start().await;
    let watcher = c.client(1).await;
    let writer = c.client(2).await;
    let mut events = watcher.take_events().expect("events");
    assert!(watcher.take_events().is_none());

    writer
        .create("/w", b"0", CreateMode::Persistent)
        .await
        .expect("create");
    watcher.sync("/").await.expect("sync");
    watcher.get_data("/w", true).await.expect("watch data");
    assert_eq!(
        watcher.exists("/x", true).await.expect("watch exists"),
        None
    );
    watcher
        .get_children("/w", true)
        .await
        .expect("watch children");

    let stat = writer.set_data("/w", b"1", -1).await.expect("set");
    let e = next_node_event(&mut events).await;
    assert_eq!(
        (e.event_type, e.path.as_str(), e.state),
        (EventType::NodeDataChanged, "/w", KeeperState::SyncConnected)
    );
    assert_eq!(e.zxid, stat.mzxid);
    writer
        .create("/x", b"", CreateMode::Persistent)
        .await
        .expect("create x");
    let e = next_node_event(&mut events).await;
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeCreated, "/x")
    );
    writer
        .create("/w/kid", b"", CreateMode::Persistent)
        .await
        .expect("kid");
    let e = next_node_event(&mut events).await;
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeChildrenChanged, "/w")
    );
    // One-shot: a second change fires nothing; a persistent watch does.
    watcher
        .add_watch("/w", coordinator::watch::AddWatchMode::Persistent)
        .await
        .expect("add watch");
    writer.set_data("/w", b"2", -1).await.expect("set");
    writer.set_data("/w", b"3", -1).await.expect("set");
    for _ in 0..2 {
        let e = next_node_event(&mut events).await;
        assert_eq!(
            (e.event_type, e.path.as_str()),
            (EventType::NodeDataChanged, "/w")
        );
    }
    watcher
        .remove_watches("/w", coordinator::watch::WatcherType::Any)
        .await
        .expect("remove");
    assert_eq!(
        code(
            watcher
                .remove_watches("/w", coordinator::watch::WatcherType::Any)
                .await
        ),
        ErrorCode::NoWatcher
    );

    // An ephemeral goes when its session closes, on every server.
    watcher
        .create("/eph", b"", CreateMode::Ephemeral)
        .await
        .expect("ephemeral");
    writer.sync("/").await.expect("sync");
    assert!(
        writer
            .exists("/eph", false)
            .await
            .expect("exists")
            .is_some()
    );
    watcher.close().await.expect("close");
    wait_state(&mut events, KeeperState::Closed).await;
    assert_eq!(watcher.state(), KeeperState::Closed);
    assert_eq!(
        watcher.get_data("/w", false).await.err(),
        Some(ClientError::Closed)
    );
    writer.sync("/").await.expect("sync");
    assert_eq!(writer.exists("/eph", false).await.expect("exists"), None);
    let third = c.client(3).await;
    wait_until("the ephemeral is gone on server 3", || async {
        third
            .exists("/eph", false)
            .await
            .ok()?
            .is_none()
            .then_some(())
    })
    .await;
    writer.close().await.expect("close");
    third.close().await.expect("close");
    c.stop().await;
}

fn header(session: i64) -> Option<pb::RequestHeader> {
    Some(pb::RequestHeader {
        session_id: session,
        xid: 9,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_served_by_one_server_until_it_is_resumed_elsewhere() {
    let c = GrpcCluster::start().await;
    let mut one = ZooLabClient::connect(format!("http://{}", c.addr(1)))
        .await
        .expect("dial 1");
    let mut two = ZooLabClient::connect(format!("http://{}", c.addr(2)))
        .await
        .expect("dial 2");
    let created = one
        .create_session(pb::CreateSessionRequest {
            timeout_ms: 2_000,
            last_zxid_seen: 0,
        })
        .await
        .expect("create session")
        .into_inner();
    let h = created.header.clone().expect("header");
    assert_eq!(h.err, 0);
    assert!(h.zxid > 0, "the reply carries the server's zxid");
    let session = created.session_id;
    let ping = |r: pb::KeepAliveResponse| r.header.expect("header");

    // Server 2 knows the session (once it applied its creation) but does
    // not serve it.
    let seen = h.zxid;
    let moved = wait_until("server 2 knows the session", || {
        let mut two = two.clone();
        async move {
            let r = two
                .keep_alive(pb::KeepAliveRequest {
                    header: header(session),
                })
                .await
                .ok()?;
            let h = ping(r.into_inner());
            (h.err == ErrorCode::SessionMoved.code()).then_some(h)
        }
    })
    .await;
    assert!(moved.message.contains("SESSIONMOVED"), "{}", moved.message);

    // Resume: refused if the server is behind, or with a wrong password.
    let resume = |password: Vec<u8>, last_zxid_seen| pb::ResumeSessionRequest {
        session_id: session,
        password,
        last_zxid_seen,
    };
    let far = two
        .resume_session(resume(created.password.clone(), seen + (1 << 40)))
        .await
        .expect("answered")
        .into_inner();
    let far = far.header.expect("header");
    assert_eq!(far.err, ErrorCode::ConnectionLoss.code());
    assert!(far.message.contains("behind"), "{}", far.message);
    let wrong = two
        .resume_session(resume(vec![0; 16], seen))
        .await
        .expect("answered")
        .into_inner();
    assert_eq!(wrong.header.expect("h").err, ErrorCode::AuthFailed.code());
    let ok = two
        .resume_session(resume(created.password.clone(), seen))
        .await
        .expect("answered")
        .into_inner();
    assert_eq!(ok.header.expect("h").err, 0);
    assert_eq!(ok.timeout_ms, 2_000);
    let alive = two
        .keep_alive(pb::KeepAliveRequest {
            header: header(session),
        })
        .await
        .expect("ping");
    assert_eq!(ping(alive.into_inner()).err, 0);

    // An unknown session is expired everywhere; session 0 is anonymous.
    let unknown = two
        .keep_alive(pb::KeepAliveRequest { header: header(77) })
        .await
        .expect("ping");
    assert_eq!(
        ping(unknown.into_inner()).err,
        ErrorCode::SessionExpired.code()
    );
    let anon = two
        .exists(pb::ExistsRequest {
            header: header(0),
            path: "/zookeeper".into(),
            watch: false,
        })
        .await
        .expect("exists")
        .into_inner();
    assert_eq!(anon.header.expect("h").err, 0);

    // A short session (clamped up to 2 tickTimes) left silent expires:
    // its Watch stream says so last.
    let short = one
        .create_session(pb::CreateSessionRequest {
            timeout_ms: 1,
            last_zxid_seen: 0,
        })
        .await
        .expect("create session")
        .into_inner();
    assert_eq!(short.timeout_ms, 200);
    let mut stream = one
        .watch(pb::WatchRequest {
            header: header(short.session_id),
        })
        .await
        .expect("watch")
        .into_inner();
    let last = tokio::time::timeout(PATIENCE, async {
        let mut last = None;
        while let Ok(Some(e)) = stream.message().await {
            last = Some(e);
        }
        last
    })
    .await
    .expect("the stream ends");
    assert_eq!(last.map(|e| e.state), Some(pb::KeeperState::Expired as i32));

    let status = two
        .status(pb::StatusRequest {})
        .await
        .expect("status")
        .into_inner();
    assert_eq!(status.server_id, 2);
    assert_eq!(status.protocol, "multipaxos");
    assert_eq!(status.peers.len(), 3);
    assert!(
        [pb::Mode::Leader as i32, pb::Mode::Follower as i32].contains(&status.mode),
        "{status:?}"
    );
    let via_helper = coordinator::client::server_status(&c.addr(1))
        .await
        .expect("status");
    assert_eq!(via_helper.server_id, 1);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_server_goes_away_moves_with_its_session_ephemeral_and_watches() {
    let mut c = GrpcCluster::start().await;
    let client = Client::connect(&c.connect_string(), SESSION)
        .await
        .expect("connect");
    let mut events = client.take_events().expect("events");
    wait_state(&mut events, KeeperState::SyncConnected).await;
    client
        .create("/mine", b"", CreateMode::Ephemeral)
        .await
        .expect("ephemeral");
    client
        .create("/data", b"0", CreateMode::Persistent)
        .await
        .expect("data");
    client.get_data("/data", true).await.expect("data watch");
    assert_eq!(client.exists("/later", true).await.expect("exists"), None);

    let old = c.id_of(&client.server().await);
    let observer_id = c
        .servers
        .keys()
        .copied()
        .find(|&id| id != old)
        .expect("another");
    let observer = c.client(observer_id).await;

    // The client's server goes away: its gRPC server shuts down and its
    // node stops.
    let server = c.servers.remove(&old).expect("the client's server");
    tokio::time::timeout(PATIENCE, server.shutdown())
        .await
        .expect("graceful shutdown finishes")
        .expect("clean stop");
    c.nodes.kill(old);
    wait_state(&mut events, KeeperState::Disconnected).await;

    // A change while the client is away fires when it re-registers.
    let changed = wait_until("a write is accepted by the surviving servers", || async {
        observer.set_data("/data", b"1", -1).await.ok()
    })
    .await;
    wait_state(&mut events, KeeperState::SyncConnected).await;
    let now = client.server().await;
    assert_ne!(c.id_of(&now), old, "moved to a live server");
    let e = next_node_event(&mut events).await;
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeDataChanged, "/data")
    );
    assert!(e.zxid >= changed.mzxid);

    // The watch left before the move fires for a change after it.
    observer
        .create("/later", b"", CreateMode::Persistent)
        .await
        .expect("create");
    let e = next_node_event(&mut events).await;
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeCreated, "/later")
    );

    // The session lives on: its ephemeral stays for several timeouts while
    // the client's keep-alives reach the new server.
    let watch_until = tokio::time::Instant::now() + SESSION * 3;
    let mut checks = tokio::time::interval(Duration::from_millis(100));
    while tokio::time::Instant::now() < watch_until {
        checks.tick().await;
        observer.sync("/").await.expect("sync");
        assert!(
            observer
                .exists("/mine", false)
                .await
                .expect("exists")
                .is_some(),
            "the moved session's ephemeral survives"
        );
    }
    assert_eq!(
        client.get_ephemerals("/").await.expect("ephemerals"),
        vec!["/mine".to_string()]
    );
    client.close().await.expect("close");
    observer.sync("/").await.expect("sync");
    assert_eq!(observer.exists("/mine", false).await.expect("exists"), None);
    observer.close().await.expect("close");
    c.stop().await;
}
