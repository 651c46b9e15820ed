//! ZooKeeper's client protocol end to end on the wire listener: the
//! handshake, replies and their error codes, notifications before the
//! reply that caused them, multi's encoding, special xids. Raw jute frames
//! against three in-process nodes (fixture: `t35_wire_fixture`).

mod t20_runtime_cluster;
mod t35_wire_fixture;

use coordinator::command::{CheckRequest, CreateRequest, DeleteRequest, SetDataRequest};
use coordinator::wire::WireConfig;
use coordinator::wire::multi::{MultiEntry, MultiReply, MultiRequest};
use coordinator::wire::opcode as op;
use coordinator::wire::records::ConnectResponse;
use coordinator::wire::request::Request;
use coordinator::wire::response::Response;
use coordinator::{CreateMode, ErrorCode, EventType};

use t35_wire_fixture::{WireCluster, Zk, closed, handshake, new_session};

fn create(path: &str, data: &[u8], mode: CreateMode) -> Request {
    Request::Create {
        op: op::CREATE,
        request: CreateRequest::new(path, Some(data.to_vec()), mode),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handshake_negotiates_the_timeout_and_echoes_the_read_only_byte_only_when_sent() {
    let c = WireCluster::start(WireConfig::default()).await;
    // tickTime 100 ms: sessions last 200..=2000 ms.
    for (asked, read_only, got, len) in [
        (10, None, 200, 36),
        (100_000, Some(false), 2_000, 37),
        (1_000, Some(false), 1_000, 37),
    ] {
        let (_, payload) = handshake(c.addr(1), &new_session(asked, read_only)).await;
        let payload = payload.expect("a ConnectResponse");
        assert_eq!(payload.len(), len, "asked {asked}, readOnly {read_only:?}");
        let response = ConnectResponse::decode(&payload).expect("decodes");
        assert_eq!(response.timeout_ms, got);
        assert_ne!(response.session_id, 0);
        assert_eq!(response.password.len(), 16);
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_works_on_another_server_and_a_bad_password_or_a_future_zxid_is_refused() {
    let c = WireCluster::start(WireConfig::default()).await;
    let mut a = Zk::connect(c.addr(1), 2_000).await;
    let created = a.call(&create("/r", b"x", CreateMode::Ephemeral)).await;
    assert_eq!(created.header.err, 0);
    let seen = created.header.zxid;

    let mut resume = new_session(2_000, Some(false));
    resume.session_id = a.session.session_id;
    resume.password = Some(a.session.password.clone());
    resume.last_zxid_seen = seen;
    // Wait for server 2 to apply the create: until then it refuses by
    // closing without a reply (the client must try another server).
    let resumed = t20_runtime_cluster::wait_until("server 2 serves the resume", || {
        let resume = resume.clone();
        let addr = c.addr(2);
        async move { handshake(addr, &resume).await.1 }
    })
    .await;
    let resumed = ConnectResponse::decode(&resumed).expect("decodes");
    assert_eq!(resumed.session_id, a.session.session_id);
    assert_eq!(resumed.timeout_ms, a.session.timeout_ms);

    let mut wrong = resume.clone();
    wrong.password = Some(vec![9; 16]);
    let (mut s, payload) = handshake(c.addr(1), &wrong).await;
    let expired = ConnectResponse::decode(&payload.expect("an answer")).expect("decodes");
    assert_eq!(expired, ConnectResponse::expired(Some(false)));
    assert!(closed(&mut s).await);

    let mut ahead = resume.clone();
    ahead.last_zxid_seen = i64::MAX / 2;
    let (mut s, payload) = handshake(c.addr(1), &ahead).await;
    assert_eq!(payload, None, "a server behind the client says nothing");
    assert!(closed(&mut s).await);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_carry_zookeeper_codes_with_header_only_errors_and_fixed_special_xids() {
    let c = WireCluster::start(WireConfig::default()).await;
    let mut zk = Zk::connect(c.addr(2), 2_000).await;
    let reply = zk.call(&create("/a", b"one", CreateMode::Persistent)).await;
    assert_eq!(
        reply.response(op::CREATE),
        Response::Create { path: "/a".into() }
    );
    let again = zk.call(&create("/a", b"", CreateMode::Persistent)).await;
    assert_eq!(again.header.err, ErrorCode::NodeExists.code());
    assert!(again.body.is_empty(), "an error reply is a header only");
    assert!(again.header.zxid >= reply.header.zxid);

    let get = zk
        .call(&Request::GetData {
            path: "/nope".into(),
            watch: false,
        })
        .await;
    assert_eq!(
        (get.header.err, get.body.len()),
        (ErrorCode::NoNode.code(), 0)
    );

    // create2 answers the path and the Stat.
    let two = zk
        .call(&Request::Create {
            op: op::CREATE2,
            request: CreateRequest::new("/b", None, CreateMode::Persistent),
        })
        .await;
    let Response::Create2 { path, stat } = two.response(op::CREATE2) else {
        panic!("create2 answers Create2Response");
    };
    assert_eq!((path.as_str(), stat.czxid), ("/b", two.header.zxid));

    // A ping with any xid is answered with -2; an auth's zxid is 0.
    zk.send_xid(7, &Request::Ping).await;
    let pong = zk.recv().await;
    assert_eq!((pong.header.xid, pong.header.err), (op::XID_PING, 0));
    assert!(pong.header.zxid >= two.header.zxid);
    zk.send_xid(
        op::XID_AUTH,
        &Request::Auth {
            kind: 0,
            scheme: "digest".into(),
            auth: b"user:pass".to_vec(),
        },
    )
    .await;
    let auth = zk.recv().await;
    assert_eq!(
        (auth.header.xid, auth.header.zxid, auth.header.err),
        (op::XID_AUTH, 0, 0)
    );

    let who = zk.call(&Request::WhoAmI).await;
    assert_eq!(
        who.response(op::WHO_AM_I),
        Response::WhoAmI(vec![
            ("ip".into(), "127.0.0.1".into()),
            ("digest".into(), "user".into())
        ])
    );

    // Unknown opcodes: UNIMPLEMENTED with zxid -1, and the connection lives.
    let unknown = zk.call(&Request::Unknown(999)).await;
    assert_eq!(
        (unknown.header.err, unknown.header.zxid),
        (ErrorCode::Unimplemented.code(), -1)
    );

    // An unknown auth scheme: AUTHFAILED, then the connection closes.
    let mut other = Zk::connect(c.addr(2), 2_000).await;
    other
        .send_xid(
            op::XID_AUTH,
            &Request::Auth {
                kind: 0,
                scheme: "kerberos".into(),
                auth: b"x".to_vec(),
            },
        )
        .await;
    let failed = other.recv().await;
    assert_eq!(
        (failed.header.zxid, failed.header.err),
        (0, ErrorCode::AuthFailed.code())
    );
    assert!(closed(&mut other.stream).await);
    let sync = zk.call(&Request::Sync { path: "/a".into() }).await;
    assert_eq!(
        sync.response(op::SYNC),
        Response::Sync { path: "/a".into() }
    );
    let n = zk
        .call(&Request::GetAllChildrenNumber { path: "/".into() })
        .await;
    // /zookeeper, /zookeeper/quota, /zookeeper/config, /a, /b.
    assert_eq!(
        n.response(op::GET_ALL_CHILDREN_NUMBER),
        Response::AllChildrenNumber(5)
    );

    let close = zk.call(&Request::CloseSession).await;
    assert_eq!((close.header.err, close.body.len()), (0, 0));
    assert!(
        closed(&mut zk.stream).await,
        "closeSession closes after its reply"
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_comes_before_the_reply_of_the_write_that_fired_it() {
    let c = WireCluster::start(WireConfig::default()).await;
    let mut zk = Zk::connect(c.addr(3), 2_000).await;
    zk.call(&create("/w", b"v1", CreateMode::Persistent)).await;
    let get = zk
        .call(&Request::GetData {
            path: "/w".into(),
            watch: true,
        })
        .await;
    assert_eq!(get.header.err, 0);
    let xid = zk
        .send(&Request::SetData(SetDataRequest {
            path: "/w".into(),
            data: Some(b"v2".to_vec()),
            version: -1,
        }))
        .await;
    let first = zk.recv().await;
    let event = first.event();
    assert_eq!(first.header.zxid, -1);
    assert_eq!(
        (event.event_type, event.state, event.path.as_str()),
        (EventType::NodeDataChanged.code(), 3, "/w")
    );
    let reply = zk.recv().await;
    assert_eq!(reply.header.xid, xid);
    let Response::Stat(stat) = reply.response(op::SET_DATA) else {
        panic!("setData answers a Stat");
    };
    assert_eq!(stat.version, 1);

    // exists on a missing node arms a watch that another client's create fires.
    let exists = zk
        .call(&Request::Exists {
            path: "/later".into(),
            watch: true,
        })
        .await;
    assert_eq!(exists.header.err, ErrorCode::NoNode.code());
    let mut other = Zk::connect(c.addr(1), 2_000).await;
    other
        .call(&create("/later", b"", CreateMode::Persistent))
        .await;
    let event = zk.recv().await.event();
    assert_eq!(
        (event.event_type, event.path.as_str()),
        (EventType::NodeCreated.code(), "/later")
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_results_are_encoded_as_zookeeper_encodes_them() {
    let c = WireCluster::start(WireConfig::default()).await;
    let mut zk = Zk::connect(c.addr(1), 2_000).await;
    let ok = MultiRequest {
        read: false,
        ops: vec![
            MultiEntry::Create {
                op: op::CREATE2,
                request: CreateRequest::new("/m", None, CreateMode::Persistent),
            },
            MultiEntry::Create {
                op: op::CREATE_CONTAINER,
                request: CreateRequest::new("/m/c", None, CreateMode::Container),
            },
            MultiEntry::SetData(SetDataRequest {
                path: "/m".into(),
                data: Some(b"d".to_vec()),
                version: 0,
            }),
            MultiEntry::Check(CheckRequest {
                path: "/m".into(),
                version: 1,
            }),
        ],
    };
    let reply = zk.call(&Request::Multi(ok)).await;
    let Response::Multi(results) = reply.response(op::MULTI) else {
        panic!("multi answers MultiResponse");
    };
    assert_eq!(results.len(), 4);
    // create2 inside multi answers type 1 (kazoo parses only that); a
    // container answers type 15.
    assert_eq!(results[0], MultiReply::Create { path: "/m".into() });
    assert!(matches!(&results[1], MultiReply::Create2 { path, .. } if path == "/m/c"));
    assert!(matches!(&results[2], MultiReply::SetData(s) if s.version == 1));
    assert_eq!(results[3], MultiReply::Check);

    let failing = MultiRequest {
        read: false,
        ops: vec![
            MultiEntry::Create {
                op: op::CREATE,
                request: CreateRequest::new("/n", None, CreateMode::Persistent),
            },
            MultiEntry::Check(CheckRequest {
                path: "/m".into(),
                version: 7,
            }),
            MultiEntry::Delete(DeleteRequest {
                path: "/m/c".into(),
                version: -1,
            }),
        ],
    };
    let reply = zk.call(&Request::Multi(failing)).await;
    assert_eq!(
        reply.header.err, 0,
        "a failed multi still says 0 in its header"
    );
    assert_eq!(
        reply.response(op::MULTI),
        Response::Multi(vec![
            MultiReply::Error(0),
            MultiReply::Error(ErrorCode::BadVersion.code()),
            MultiReply::Error(ErrorCode::RuntimeInconsistency.code()),
        ])
    );
    let gone = zk
        .call(&Request::Exists {
            path: "/n".into(),
            watch: false,
        })
        .await;
    assert_eq!(
        gone.header.err,
        ErrorCode::NoNode.code(),
        "nothing was applied"
    );

    let read = MultiRequest {
        read: true,
        ops: vec![
            MultiEntry::GetData { path: "/m".into() },
            MultiEntry::GetChildren {
                path: "/none".into(),
            },
            MultiEntry::GetChildren { path: "/m".into() },
        ],
    };
    let reply = zk.call(&Request::Multi(read)).await;
    let Response::Multi(results) = reply.response(op::MULTI_READ) else {
        panic!("multiRead answers MultiResponse");
    };
    assert!(matches!(&results[0], MultiReply::GetData { data: Some(d), .. } if d == b"d"));
    assert_eq!(results[1], MultiReply::Error(ErrorCode::NoNode.code()));
    assert_eq!(results[2], MultiReply::GetChildren(vec!["c".into()]));
    c.stop().await;
}
