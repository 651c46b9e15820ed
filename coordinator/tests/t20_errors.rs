//! Every error case with the ZooKeeper code it must produce, including which
//! error wins when several apply (PrepRequestProcessor's order of checks,
//! zk-wire-protocol.md §10.4).

mod common;

use common::Harness;
use coordinator::{
    Acl, CheckRequest, Command, CreateMode, CreateRequest, DeleteRequest, ErrorCode, Op,
    SetAclRequest, SetDataRequest, TreeConfig,
};

fn create(path: &str, flags: i32) -> Op {
    Op::Create(CreateRequest {
        path: path.into(),
        data: Some(b"x".to_vec()),
        acl: Acl::open_unsafe(),
        flags,
        ttl: -1,
    })
}

fn create_ttl(path: &str, flags: i32, ttl: i64) -> Op {
    Op::Create(CreateRequest {
        path: path.into(),
        data: None,
        acl: Acl::open_unsafe(),
        flags,
        ttl,
    })
}

fn create_acl(path: &str, acl: Vec<Acl>) -> Op {
    Op::Create(CreateRequest {
        path: path.into(),
        data: None,
        acl,
        flags: 0,
        ttl: -1,
    })
}

fn delete(path: &str, version: i32) -> Op {
    Op::Delete(DeleteRequest {
        path: path.into(),
        version,
    })
}

fn set(path: &str, len: usize, version: i32) -> Op {
    Op::SetData(SetDataRequest {
        path: path.into(),
        data: Some(vec![b'x'; len]),
        version,
    })
}

fn check(path: &str, version: i32) -> Op {
    Op::Check(CheckRequest {
        path: path.into(),
        version,
    })
}

fn set_acl(path: &str, acl: Vec<Acl>, version: i32) -> Op {
    Op::SetAcl(SetAclRequest {
        path: path.into(),
        acl,
        version,
    })
}

/// /a (with child /a/b), /raw, and /e an ephemeral of a live session.
fn fixture(cfg: TreeConfig) -> (Harness, i64) {
    let mut h = Harness::with_config(cfg);
    let s = h.session(30_000);
    h.create(0, "/a", b"1", CreateMode::Persistent).unwrap();
    h.create(0, "/a/b", b"2", CreateMode::Persistent).unwrap();
    h.create(0, "/raw", b"", CreateMode::Persistent).unwrap();
    h.create(s, "/e", b"", CreateMode::Ephemeral).unwrap();
    (h, s)
}

#[test]
fn each_error_case_answers_zookeepers_code() {
    let big = coordinator::config::DEFAULT_MAX_DATA_BYTES + 1;
    let cases: Vec<(&str, i64, Op, ErrorCode)> = vec![
        // create
        ("create existing", 0, create("/a", 0), ErrorCode::NodeExists),
        ("create root", 0, create("/", 0), ErrorCode::NodeExists),
        (
            "create without parent",
            0,
            create("/nope/x", 0),
            ErrorCode::NoNode,
        ),
        (
            "create relative path",
            0,
            create("raw", 0),
            ErrorCode::BadArguments,
        ),
        (
            "create trailing slash",
            0,
            create("/raw/", 0),
            ErrorCode::BadArguments,
        ),
        (
            "create empty component: parent /raw/ missing",
            0,
            create("/raw//x", 0),
            ErrorCode::NoNode,
        ),
        (
            "create control char",
            0,
            create("/a/\u{1}", 0),
            ErrorCode::BadArguments,
        ),
        (
            "create dot component",
            0,
            create("/a/.", 0),
            ErrorCode::BadArguments,
        ),
        ("create emoji", 0, create("/😀", 0), ErrorCode::BadArguments),
        ("create flag 7", 0, create("/f", 7), ErrorCode::BadArguments),
        (
            "create flag -1",
            0,
            create("/f", -1),
            ErrorCode::BadArguments,
        ),
        (
            "createTTL while extended types are off",
            0,
            create_ttl("/t", 5, 1000),
            ErrorCode::Unimplemented,
        ),
        (
            "TTL check before path check",
            0,
            create_ttl("raw", 6, 1000),
            ErrorCode::Unimplemented,
        ),
        (
            "ttl on a plain create",
            0,
            create_ttl("/t", 0, 1000),
            ErrorCode::BadArguments,
        ),
        (
            "child of an ephemeral",
            0,
            create("/e/c", 0),
            ErrorCode::NoChildrenForEphemerals,
        ),
        (
            "ephemeral without a session",
            0,
            create("/x", 1),
            ErrorCode::SessionExpired,
        ),
        (
            "empty ACL",
            0,
            create_acl("/x", vec![]),
            ErrorCode::InvalidAcl,
        ),
        (
            "ACL checked before the parent",
            0,
            create_acl("/nope/x", vec![]),
            ErrorCode::InvalidAcl,
        ),
        (
            "create under read-only /zookeeper/config",
            0,
            create("/zookeeper/config/x", 0),
            ErrorCode::NoAuth,
        ),
        (
            "create data over 1 MB",
            0,
            Op::Create(CreateRequest::new(
                "/big",
                Some(vec![0; big]),
                CreateMode::Persistent,
            )),
            ErrorCode::BadArguments,
        ),
        // delete
        ("delete missing", 0, delete("/nope", -1), ErrorCode::NoNode),
        (
            "delete missing parent",
            0,
            delete("/nope/x", 7),
            ErrorCode::NoNode,
        ),
        (
            "delete with children",
            0,
            delete("/a", -1),
            ErrorCode::NotEmpty,
        ),
        (
            "delete bad version",
            0,
            delete("/a/b", 3),
            ErrorCode::BadVersion,
        ),
        (
            "version checked before children",
            0,
            delete("/a", 3),
            ErrorCode::BadVersion,
        ),
        (
            "delete without slash",
            0,
            delete("x", -1),
            ErrorCode::BadArguments,
        ),
        ("delete NUL", 0, delete("/a\0", -1), ErrorCode::BadArguments),
        ("delete /", 0, delete("/", -1), ErrorCode::BadArguments),
        (
            "delete /zookeeper",
            0,
            delete("/zookeeper", -1),
            ErrorCode::BadArguments,
        ),
        (
            "delete /zookeeper/quota",
            0,
            delete("/zookeeper/quota", -1),
            ErrorCode::BadArguments,
        ),
        (
            "delete /zookeeper/config",
            0,
            delete("/zookeeper/config", -1),
            ErrorCode::BadArguments,
        ),
        // setData
        ("set missing", 0, set("/nope", 1, -1), ErrorCode::NoNode),
        ("set bad version", 0, set("/a", 1, 5), ErrorCode::BadVersion),
        (
            "set invalid path",
            0,
            set("/a/", 1, -1),
            ErrorCode::BadArguments,
        ),
        (
            "set read-only config",
            0,
            set("/zookeeper/config", 1, -1),
            ErrorCode::NoAuth,
        ),
        (
            "set over 1 MB",
            0,
            set("/a", big, -1),
            ErrorCode::BadArguments,
        ),
        (
            "set at exactly the limit is fine, so a bad version shows",
            0,
            set("/a", big - 1, 9),
            ErrorCode::BadVersion,
        ),
        // check
        ("check missing", 0, check("/nope", -1), ErrorCode::NoNode),
        (
            "check bad version",
            0,
            check("/a", 1),
            ErrorCode::BadVersion,
        ),
        (
            "check invalid path",
            0,
            check("a", 0),
            ErrorCode::BadArguments,
        ),
        // setACL
        (
            "setACL empty",
            0,
            set_acl("/a", vec![], -1),
            ErrorCode::InvalidAcl,
        ),
        (
            "setACL ACL before existence",
            0,
            set_acl("/nope", vec![], -1),
            ErrorCode::InvalidAcl,
        ),
        (
            "setACL missing",
            0,
            set_acl("/nope", Acl::open_unsafe(), -1),
            ErrorCode::NoNode,
        ),
        (
            "setACL bad aversion",
            0,
            set_acl("/a", Acl::open_unsafe(), 2),
            ErrorCode::BadVersion,
        ),
        (
            "setACL invalid path",
            0,
            set_acl("/a//", Acl::open_unsafe(), -1),
            ErrorCode::BadArguments,
        ),
        (
            "setACL without ADMIN",
            0,
            set_acl("/zookeeper/config", Acl::open_unsafe(), -1),
            ErrorCode::NoAuth,
        ),
        // sessions
        (
            "write from an unknown session",
            0x77,
            set("/a", 1, -1),
            ErrorCode::SessionExpired,
        ),
        (
            "session checked first",
            0x77,
            create("raw", 9),
            ErrorCode::SessionExpired,
        ),
    ];
    for (name, session, op, want) in cases {
        let (mut h, _) = fixture(TreeConfig::default());
        let before = h.tree.clone();
        let out = h.run(Command::new(op).with_session(session));
        assert_eq!(
            out.result.as_ref().err(),
            Some(&want),
            "{name}: {:?}",
            out.result
        );
        assert_eq!(want.code(), want as i32);
        assert!(
            out.triggers.is_empty(),
            "{name}: a failed command raises nothing"
        );
        assert_ne!(
            h.tree.last_zxid(),
            before.last_zxid(),
            "{name}: the zxid is consumed"
        );
        // Everything but the zxid (snapshot header bytes 12..20) is untouched.
        assert_eq!(
            h.tree.snapshot()[20..],
            before.snapshot()[20..],
            "{name}: state changed"
        );
    }
}

#[test]
fn ttl_arguments_are_checked_when_extended_types_are_on() {
    let cfg = TreeConfig {
        extended_types_enabled: true,
        ..TreeConfig::default()
    };
    let cases = [
        (create_ttl("/t", 5, 0), Err(ErrorCode::BadArguments)),
        (create_ttl("/t", 5, -1), Err(ErrorCode::BadArguments)),
        (
            create_ttl("/t", 5, 0x100_0000_0000),
            Err(ErrorCode::BadArguments),
        ),
        (create_ttl("/t", 5, 0xFF_FFFF_FFFF), Ok(())),
        (create_ttl("/t", 6, 10), Ok(())),
    ];
    for (op, want) in cases {
        let (mut h, _) = fixture(cfg.clone());
        assert_eq!(h.op(0, op.clone()).result.map(|_| ()), want, "{op:?}");
    }
}
