//! The gRPC service and the Rust client end to end: znode operations and
//! watches, through three runtime nodes in one process each served over
//! gRPC on 127.0.0.1 (fixture: `t30_grpc_cluster`).

mod t20_runtime_cluster;
mod t30_grpc_cluster;

use coordinator::client::{ClientError, KeeperState};
use coordinator::{CheckRequest, SetDataRequest};
use coordinator::{CreateMode, CreateRequest, DeleteRequest, ErrorCode, EventType, MultiOp};

use t20_runtime_cluster::wait_until;
use t30_grpc_cluster::{GrpcCluster, SESSION, code, next_node_event, wait_state};

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
