//! Sessions over gRPC: attachment to one server, resume (refused when the
//! server is behind, or with a wrong password), expiry on the Watch stream,
//! Status, and the client's failover with its session, ephemeral and
//! watches (fixture: `t30_grpc_cluster`).

mod t20_runtime_cluster;
mod t30_grpc_cluster;

use std::time::Duration;

use coordinator::api::pb;
use coordinator::api::pb::zoo_lab_client::ZooLabClient;
use coordinator::client::{Client, KeeperState};
use coordinator::{CreateMode, ErrorCode, EventType};

use t20_runtime_cluster::{PATIENCE, wait_until};
use t30_grpc_cluster::{GrpcCluster, SESSION, header, next_node_event, wait_state};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_node_stopped_answers_unavailable_and_its_clients_move() {
    let mut c = GrpcCluster::start().await;
    let client = Client::connect(&c.connect_string(), SESSION)
        .await
        .expect("connect");
    let mut events = client.take_events().expect("events");
    client
        .create("/n", b"x", CreateMode::Persistent)
        .await
        .expect("create");
    let old = c.id_of(&client.server().await);

    // Only the node stops; its gRPC server keeps answering, UNAVAILABLE.
    c.nodes.kill(old);
    let status = coordinator::client::server_status(&c.addr(old)).await;
    assert_eq!(
        status.err().map(|e| e.code()),
        Some(ErrorCode::ConnectionLoss)
    );
    wait_state(&mut events, KeeperState::Disconnected).await;
    wait_state(&mut events, KeeperState::SyncConnected).await;
    assert_ne!(c.id_of(&client.server().await), old);
    let (data, _) = client
        .get_data("/n", false)
        .await
        .expect("read after the move");
    assert_eq!(data.as_deref(), Some(&b"x"[..]));
    client.close().await.expect("close");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_holds_at_most_its_connection_limit_open() {
    let c = GrpcCluster::start().await;
    let limits = coordinator::grpc::GrpcLimits {
        max_connections: 1,
        ..coordinator::grpc::GrpcLimits::default()
    };
    let config = c.config(1);
    let addr = "127.0.0.1:0".parse().expect("addr");
    let server = coordinator::grpc::GrpcServer::start(c.nodes.handle(1), config, addr, limits)
        .await
        .expect("starts");
    let url = format!("http://{}", server.local_addr());
    let mut first = ZooLabClient::connect(url.clone()).await.expect("first");
    first
        .status(pb::StatusRequest {})
        .await
        .expect("the first connection is served");
    // The second connection waits for a free slot...
    let mut second = tokio::spawn(async move {
        let mut second = ZooLabClient::connect(url).await.expect("second");
        second.status(pb::StatusRequest {}).await.map(|_| ())
    });
    let early = tokio::time::timeout(Duration::from_millis(300), &mut second).await;
    assert!(early.is_err(), "a second connection was served at once");
    // ...which closing the first one frees.
    drop(first);
    tokio::time::timeout(PATIENCE, second)
        .await
        .expect("served once the first closed")
        .expect("task")
        .expect("status");
    tokio::time::timeout(PATIENCE, server.shutdown())
        .await
        .expect("shutdown")
        .expect("clean");
    c.stop().await;
}
