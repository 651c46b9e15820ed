//! Round trips between the generated types and the state machine's, and
//! responses built from real apply and read results.

use protocols::{Role, Status, Zxid};

use super::convert::*;
use super::reply::*;
use super::{Reply, SessionRequest, WriteReply, WriteRequest, pb};
use crate::acl::{Acl, Id, perms};
use crate::command::{Command, CreateMode, MultiOp, Op};
use crate::config::TreeConfig;
use crate::error::ErrorCode;
use crate::event::EventType;
use crate::stat::Stat;
use crate::tree::DataTree;

fn header(session: i64, xid: i32) -> Option<pb::RequestHeader> {
    Some(pb::RequestHeader {
        session_id: session,
        xid,
    })
}

#[test]
fn stats_round_trip_field_for_field() {
    let stat = Stat {
        czxid: 0x1_0000_0003,
        mzxid: 0x1_0000_0004,
        ctime: 1_700_000_000_000,
        mtime: 1_700_000_000_001,
        version: 2,
        cversion: 3,
        aversion: 4,
        ephemeral_owner: 0x1000a2b3c0000,
        data_length: 7,
        num_children: 1,
        pzxid: 0x1_0000_0005,
    };
    let wire = pb::Stat::from(stat);
    assert_eq!(wire.pzxid, 0x1_0000_0005);
    assert_eq!(wire.ephemeral_owner, stat.ephemeral_owner);
    assert_eq!(Stat::from(wire), stat);
}

#[test]
fn acls_round_trip_and_a_missing_id_is_refused_later() {
    let acl = vec![
        Acl::new(perms::ALL, Id::anyone()),
        Acl::new(perms::READ, Id::new("ip", "10.0.0.0/8")),
    ];
    assert_eq!(acls_from_pb(acls_to_pb(acl.clone())), acl);
    let no_id = pb::Acl {
        perms: 31,
        id: None,
    };
    let acl = Acl::from(no_id);
    assert_eq!(crate::acl::fixup(&[acl], &[]), Err(ErrorCode::InvalidAcl));
}

#[test]
fn every_error_code_has_the_same_number_on_the_wire() {
    // Both enums must list exactly ZooKeeper's codes: compare them over
    // the whole range ZooKeeper uses.
    let mut seen = 0;
    for code in -200..=0 {
        let ours = ErrorCode::from_code(code);
        let wire = pb::ErrorCode::try_from(code).ok();
        assert_eq!(ours.is_some(), wire.is_some(), "code {code}");
        if let Some(ours) = ours {
            seen += 1;
            assert_eq!(pb::ErrorCode::from(ours) as i32, code, "{ours}");
            assert_eq!(result_from_err(code).err(), (code != 0).then_some(ours));
        }
    }
    assert_eq!(seen, 32);
    assert_eq!(result_from_err(-9), Err(ErrorCode::SystemError));
}

#[test]
fn watch_enums_keep_zookeepers_numbers() {
    // The runtime hands these raw values to AddWatchMode::from_code and
    // WatcherType::from_code of the watch manager.
    assert_eq!(pb::AddWatchMode::Persistent as i32, 0);
    assert_eq!(pb::AddWatchMode::PersistentRecursive as i32, 1);
    assert_eq!(pb::WatcherType::Children as i32, 1);
    assert_eq!(pb::WatcherType::Data as i32, 2);
    assert_eq!(pb::WatcherType::Any as i32, 3);
    let ended = session_event(pb::KeeperState::Expired, Zxid::new(1, 1));
    assert_eq!(
        (ended.r#type(), ended.path.as_str()),
        (pb::EventType::None, "")
    );
}

#[test]
fn create_modes_and_event_types_round_trip() {
    for flag in 0..=6 {
        let mode = create_mode_from_pb(flag).expect("flag");
        assert_eq!(pb::CreateMode::from(mode) as i32, flag);
    }
    assert_eq!(create_mode_from_pb(7), Err(ErrorCode::BadArguments));
    for code in 1..=7 {
        let wire = pb::EventType::try_from(code).expect("event");
        assert_eq!(EventType::from(wire).code(), code);
        assert_eq!(pb::EventType::from(EventType::from(wire)), wire);
    }
    assert_eq!(pb::EventType::from(EventType::None), pb::EventType::None);
    let event = watch_event(EventType::NodeDataChanged, "/sanguo", Zxid::new(1, 3));
    assert_eq!(event.zxid, 0x1_0000_0003);
    assert_eq!(event.r#type(), pb::EventType::NodeDataChanged);
    assert_eq!(event.state(), pb::KeeperState::SyncConnected);
}

#[test]
fn zxids_keep_their_bits() {
    for z in [0, 1, 0x1_0000_0003, u64::MAX] {
        assert_eq!(zxid_from_pb(zxid_to_pb(Zxid(z))), Zxid(z));
    }
}

#[test]
fn write_requests_become_commands() {
    let create = pb::CreateRequest {
        header: header(42, 7),
        path: "/a".into(),
        data: Some(b"x".to_vec()),
        acl: acls_to_pb(Acl::open_unsafe()),
        mode: pb::CreateMode::PersistentSequentialWithTtl.into(),
        ttl_ms: 5000,
    };
    let cmd = create.clone().into_command().expect("valid");
    assert_eq!((cmd.session, cmd.xid), (42, 7));
    let Op::Create(req) = &cmd.op else {
        panic!("{cmd:?}")
    };
    assert_eq!(req.flags, CreateMode::PersistentSequentialWithTtl.flag());
    assert_eq!((req.ttl, req.data.as_deref()), (5000, Some(&b"x"[..])));
    // Without a TTL mode the ttl is ignored, as ZooKeeper's create2 has none.
    let plain = pb::CreateRequest {
        mode: pb::CreateMode::Ephemeral.into(),
        data: None,
        ..create.clone()
    };
    let Op::Create(req) = plain.into_op().expect("valid") else {
        panic!()
    };
    assert_eq!((req.ttl, req.data), (-1, None));
    // A multi keeps its order; an empty MultiOp is refused.
    let multi = pb::MultiRequest {
        header: header(1, 2),
        ops: vec![
            pb::MultiOp {
                op: Some(pb::multi_op::Op::Create(create)),
            },
            pb::MultiOp {
                op: Some(pb::multi_op::Op::Check(pb::CheckRequest {
                    header: None,
                    path: "/a".into(),
                    version: 3,
                })),
            },
        ],
    };
    let Op::Multi(ops) = multi.clone().into_op().expect("valid") else {
        panic!()
    };
    assert!(matches!(&ops[0], MultiOp::Create(c) if c.path == "/a"));
    assert!(matches!(&ops[1], MultiOp::Check(c) if c.version == 3));
    let mut bad = multi;
    bad.ops.push(pb::MultiOp { op: None });
    assert_eq!(bad.into_op(), Err(ErrorCode::BadArguments));
    let close = pb::CloseSessionRequest { header: None };
    assert_eq!(close.session_and_xid(), (0, 0));
    assert_eq!(close.into_op(), Ok(Op::CloseSession));
    let read = pb::GetDataRequest {
        header: header(9, 3),
        path: "/a".into(),
        watch: true,
    };
    assert_eq!(read.session_and_xid(), (9, 3));
}

/// Applies a request through the tree, the way the runtime will.
fn apply<R: WriteReply>(tree: &mut DataTree, counter: u32, command: Command) -> R {
    let zxid = Zxid::new(1, counter);
    let result = tree.apply(zxid, &command).result;
    R::from_apply(command.xid, tree.last_zxid(), result)
}

#[test]
fn responses_carry_results_errors_and_the_servers_zxid() {
    let mut tree = DataTree::new(TreeConfig::default());
    let open = pb::CreateSessionRequest {
        timeout_ms: 1,
        last_zxid_seen: 0,
    };
    let cmd = Command::new(create_session_op(&open, [9; 16])).with_origin(1, 0);
    let session: pb::CreateSessionResponse = apply(&mut tree, 1, cmd);
    assert_eq!(session.header.as_ref().map(|h| h.err), Some(0));
    assert_eq!(session.timeout_ms, 4000, "clamped to 2 ticks");
    assert_eq!(password_from_pb(&session.password), Ok([9; 16]));
    let request = pb::CreateRequest {
        header: header(session.session_id, 5),
        path: "/sanguo".into(),
        data: Some(b"jinlian".to_vec()),
        acl: acls_to_pb(Acl::open_unsafe()),
        mode: pb::CreateMode::Ephemeral.into(),
        ttl_ms: 0,
    };
    let created: pb::CreateResponse =
        apply(&mut tree, 2, request.clone().into_command().expect("ok"));
    let h = created.header.clone().expect("header");
    assert_eq!((h.xid, h.zxid, h.err), (5, 0x1_0000_0002, 0));
    assert_eq!(created.path, "/sanguo");
    assert_eq!(
        created.stat.map(|s| s.ephemeral_owner),
        Some(session.session_id)
    );
    let again: pb::CreateResponse = apply(&mut tree, 3, request.into_command().expect("ok"));
    let h = again.header.expect("header");
    assert_eq!((h.err, h.message.as_str()), (-110, "NODEEXISTS"));
    assert_eq!(again.stat, None);
    // A result of the wrong kind is a runtime bug, not a silent success.
    let wrong = pb::DeleteResponse::from_apply(1, Zxid::new(1, 3), Ok(crate::OpResult::Checked));
    assert_eq!(
        wrong.header.map(|h| h.err),
        Some(ErrorCode::SystemError.code())
    );

    // Reads.
    let data = get_data_reply(1, tree.last_zxid(), tree.get_data("/sanguo"));
    assert_eq!(data.data.as_deref(), Some(&b"jinlian"[..]));
    let missing = exists_reply(1, tree.last_zxid(), tree.exists("/nope"));
    assert_eq!(
        (missing.header.map(|h| h.err), missing.stat),
        (Some(-101), None)
    );
    let children = get_children_reply(1, tree.last_zxid(), tree.get_children2("/"));
    assert!(children.children.contains(&"sanguo".to_string()));
    assert_eq!(
        ephemerals_reply(
            1,
            tree.last_zxid(),
            tree.get_ephemerals(session.session_id, "/")
        )
        .paths,
        vec!["/sanguo".to_string()]
    );
    let acl = get_acl_reply(1, tree.last_zxid(), tree.get_acl("/sanguo"));
    assert_eq!(acls_from_pb(acl.acl), Acl::open_unsafe());
    let n = all_children_number_reply(1, tree.last_zxid(), tree.get_all_children_number("/"));
    assert!(n.number >= 2, "/zookeeper and /sanguo: {}", n.number);
}

#[test]
fn multi_results_follow_zookeepers_convention() {
    let mut tree = DataTree::new(TreeConfig::default());
    let op = |path: &str| pb::MultiOp {
        op: Some(pb::multi_op::Op::Create(pb::CreateRequest {
            header: None,
            path: path.into(),
            data: None,
            acl: acls_to_pb(Acl::open_unsafe()),
            mode: pb::CreateMode::PersistentSequential.into(),
            ttl_ms: 0,
        })),
    };
    let ok = pb::MultiRequest {
        header: header(0, 1),
        ops: vec![op("/a-"), op("/b-")],
    };
    let reply: pb::MultiResponse = apply(&mut tree, 1, ok.into_command().expect("ok"));
    assert!(reply.committed);
    let paths: Vec<&str> = reply.results.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, vec!["/a-0000000000", "/b-0000000001"]);
    let failing = pb::MultiRequest {
        header: header(0, 2),
        ops: vec![op("/c-"), op("/missing/d-"), op("/e-")],
    };
    let reply: pb::MultiResponse = apply(&mut tree, 2, failing.into_command().expect("ok"));
    assert!(!reply.committed);
    assert_eq!(reply.header.map(|h| h.err), Some(0));
    let codes: Vec<i32> = reply.results.iter().map(|r| r.err).collect();
    assert_eq!(codes, vec![0, -101, -2]);
}

#[test]
fn a_server_behind_the_client_refuses_and_says_why() {
    assert_eq!(behind(Zxid::new(1, 5), 0x1_0000_0005), None);
    let why = behind(Zxid::new(1, 5), 0x1_0000_0007).expect("behind");
    assert_eq!(
        why,
        "this server has applied up to zxid 0x100000005, behind the 0x100000007 the client has seen: try another server"
    );
    let refused =
        pb::ResumeSessionResponse::failed(0, Zxid::new(1, 5), ErrorCode::ConnectionLoss, why);
    let h = refused.header.expect("header");
    assert_eq!(h.err, -4);
    assert!(
        h.message.starts_with("CONNECTIONLOSS: this server"),
        "{}",
        h.message
    );
    assert_eq!(password_from_pb(&[1, 2]), Err(ErrorCode::AuthFailed));
}

#[test]
fn status_reports_the_mode_like_zkserver_sh() {
    let dir = tempfile::tempdir().expect("dir");
    let ports: Vec<_> = (0..3)
        .map(|i| crate::server_config::NodePorts {
            client: 32000 + i * 10,
            grpc: 32001 + i * 10,
            peer: 32002 + i * 10,
            election: 32003 + i * 10,
        })
        .collect();
    let configs =
        crate::server_config::ServerConfig::local_cluster(3, dir.path(), &ports).expect("local");
    let status = Status {
        role: Role::Follower,
        leader: Some(3),
        epoch: 2,
        last_committed: Zxid::new(2, 9),
    };
    let r = status_reply(&configs[0], &status, 4);
    assert_eq!(mode_name(r.mode()), "follower");
    assert_eq!((r.server_id, r.leader_id, r.epoch), (1, Some(3), 2));
    assert_eq!((r.protocol.as_str(), r.sessions), ("multipaxos", 4));
    assert_eq!(r.peers.len(), 3);
    assert_eq!(r.last_zxid, 0x2_0000_0009);
    assert_eq!(r.header.map(|h| h.zxid), Some(0x2_0000_0009));
    let one =
        crate::server_config::ServerConfig::local_cluster(1, &dir.path().join("s"), &ports[..1])
            .expect("one");
    let leader = Status {
        role: Role::Leader,
        ..status
    };
    let r = status_reply(&one[0], &leader, 0);
    assert_eq!(mode_name(r.mode()), "standalone");
    assert!(r.peers.is_empty());
    assert_eq!(mode(Role::Leader, false), pb::Mode::Leader);
    assert_eq!(mode(Role::Looking, false), pb::Mode::Looking);
}
