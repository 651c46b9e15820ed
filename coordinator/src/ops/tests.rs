//! Which permission each operation checks, and where, as ZooKeeper 3.8's
//! PrepRequestProcessor (writes) and FinalRequestProcessor (reads) check
//! them: one test per operation.

use protocols::Zxid;

use crate::acl::{Acl, Id, perms};
use crate::auth::generate_digest;
use crate::command::{
    CheckRequest, Command, CreateMode, CreateRequest, DeleteRequest, MultiOp, Op, SetAclRequest,
    SetDataRequest,
};
use crate::config::TreeConfig;
use crate::error::ErrorCode;
use crate::replica::Replica;
use crate::result::{ApplyResult, MultiResult, OpResult};

fn alice() -> Id {
    Id::new("digest", generate_digest("alice:secret"))
}

fn bob() -> Id {
    Id::new("digest", generate_digest("bob:secret"))
}

/// A replica with a zxid counter.
struct Tree {
    replica: Replica,
    counter: u32,
}

impl Tree {
    /// `/open` (world:anyone:cdrwa) and `/alice` (alice:cdrwa, world:r).
    fn new() -> Tree {
        let mut t = Tree {
            replica: Replica::new(TreeConfig::default()),
            counter: 0,
        };
        t.ok(&[], create("/open", Acl::open_unsafe()));
        let acl = vec![
            Acl::new(perms::ALL, alice()),
            Acl::new(perms::READ, Id::anyone()),
        ];
        t.ok(&[], create("/alice", acl));
        t
    }

    fn apply(&mut self, ids: &[Id], op: Op) -> ApplyResult {
        self.counter += 1;
        let cmd = Command::new(op).with_auth(ids.to_vec());
        self.replica.apply(Zxid::new(1, self.counter), &cmd).result
    }

    fn ok(&mut self, ids: &[Id], op: Op) -> OpResult {
        match self.apply(ids, op) {
            Ok(r) => r,
            Err(e) => panic!("expected success, got {e:?}"),
        }
    }

    fn err(&mut self, ids: &[Id], op: Op) -> ErrorCode {
        match self.apply(ids, op) {
            Ok(r) => panic!("expected an error, got {r:?}"),
            Err(e) => e,
        }
    }

    /// Sets `path`'s ACL as `super`.
    fn set_acl(&mut self, path: &str, acl: Vec<Acl>) {
        self.ok(&[Id::new("super", "")], set_acl(path, acl, -1));
    }
}

fn create(path: &str, acl: Vec<Acl>) -> Op {
    Op::Create(CreateRequest::new(path, Some(vec![]), CreateMode::Persistent).with_acl(acl))
}

fn set_acl(path: &str, acl: Vec<Acl>, version: i32) -> Op {
    Op::SetAcl(SetAclRequest {
        path: path.into(),
        acl,
        version,
    })
}

fn set_data(path: &str) -> Op {
    Op::SetData(SetDataRequest {
        path: path.into(),
        data: Some(b"x".to_vec()),
        version: -1,
    })
}

fn delete(path: &str) -> Op {
    Op::Delete(DeleteRequest {
        path: path.into(),
        version: -1,
    })
}

#[test]
fn create_needs_create_on_the_parent_after_acl_validation() {
    let mut t = Tree::new();
    let open = Acl::open_unsafe();
    assert_eq!(
        t.err(&[bob()], create("/alice/b", open.clone())),
        ErrorCode::NoAuth
    );
    // fixupACL runs before the permission check, NoNode before NoAuth.
    assert_eq!(
        t.err(&[bob()], create("/alice/b", vec![])),
        ErrorCode::InvalidAcl
    );
    assert_eq!(
        t.err(&[bob()], create("/alice/x/y", open.clone())),
        ErrorCode::NoNode
    );
    t.ok(&[alice()], create("/alice/a", open.clone()));
    // Only CREATE counts: every other bit for bob is not enough.
    t.set_acl("/open", vec![Acl::new(perms::ALL & !perms::CREATE, bob())]);
    assert_eq!(
        t.err(&[bob()], create("/open/b", open.clone())),
        ErrorCode::NoAuth
    );
    t.set_acl("/open", vec![Acl::new(perms::CREATE, bob())]);
    t.ok(&[bob()], create("/open/b", open));
}

#[test]
fn delete_needs_delete_on_the_parent_not_on_the_node() {
    let mut t = Tree::new();
    t.ok(&[alice()], create("/alice/c", Acl::open_unsafe()));
    assert_eq!(t.err(&[bob()], delete("/alice/c")), ErrorCode::NoAuth);
    // The parent's check comes before the node's existence.
    assert_eq!(t.err(&[bob()], delete("/alice/none")), ErrorCode::NoAuth);
    t.ok(
        &[],
        create("/open/locked", vec![Acl::new(perms::READ, alice())]),
    );
    t.ok(&[bob()], delete("/open/locked"));
    t.ok(&[alice()], delete("/alice/c"));
}

#[test]
fn set_data_needs_write_on_the_node() {
    let mut t = Tree::new();
    assert_eq!(t.err(&[bob()], set_data("/alice")), ErrorCode::NoAuth);
    assert_eq!(t.err(&[bob()], set_data("/nope")), ErrorCode::NoNode);
    t.set_acl("/open", vec![Acl::new(perms::WRITE, bob())]);
    t.ok(&[bob()], set_data("/open"));
    assert_eq!(t.err(&[alice()], set_data("/open")), ErrorCode::NoAuth);
}

#[test]
fn set_acl_needs_admin_then_checks_the_acl_version() {
    let mut t = Tree::new();
    let acl = Acl::open_unsafe();
    assert_eq!(
        t.err(&[bob()], set_acl("/alice", acl.clone(), -1)),
        ErrorCode::NoAuth
    );
    // ACL validation first, then existence, then ADMIN, then aversion.
    assert_eq!(
        t.err(&[bob()], set_acl("/alice", vec![], -1)),
        ErrorCode::InvalidAcl
    );
    assert_eq!(
        t.err(&[bob()], set_acl("/nope", acl.clone(), -1)),
        ErrorCode::NoNode
    );
    assert_eq!(
        t.err(&[bob()], set_acl("/alice", acl.clone(), 7)),
        ErrorCode::NoAuth
    );
    assert_eq!(
        t.err(&[alice()], set_acl("/alice", acl.clone(), 7)),
        ErrorCode::BadVersion
    );
    let OpResult::AclSet { stat } = t.ok(&[alice()], set_acl("/alice", acl.clone(), 0)) else {
        panic!("setACL answers a stat");
    };
    assert_eq!(stat.aversion, 1);
    // The `auth` scheme expands to the requester's non-ip identities.
    let ip = Id::new("ip", "127.0.0.1");
    let auth = vec![Acl::new(perms::ALL, Id::new("auth", ""))];
    assert_eq!(
        t.err(
            std::slice::from_ref(&ip),
            set_acl("/open", auth.clone(), -1)
        ),
        ErrorCode::InvalidAcl
    );
    t.ok(&[ip, bob()], set_acl("/open", auth, -1));
    let (shown, _) = t
        .replica
        .tree()
        .get_acl_as("/open", &[bob()])
        .expect("bob reads it");
    assert_eq!(shown, vec![Acl::new(perms::ALL, bob())]);
}

#[test]
fn check_and_multi_check_each_op_in_order() {
    let mut t = Tree::new();
    t.set_acl("/open", vec![Acl::new(perms::WRITE, bob())]);
    let check = |path: &str| {
        MultiOp::Check(CheckRequest {
            path: path.into(),
            version: -1,
        })
    };
    // check needs READ: bob may write /open but not read it.
    assert_eq!(
        t.err(
            &[bob()],
            Op::Check(CheckRequest {
                path: "/open".into(),
                version: -1
            })
        ),
        ErrorCode::NoAuth
    );
    let ops = vec![
        MultiOp::SetData(SetDataRequest {
            path: "/open".into(),
            data: None,
            version: -1,
        }),
        check("/alice"),
        check("/open"),
    ];
    let OpResult::Multi(result) = t.ok(&[bob()], Op::Multi(ops)) else {
        panic!("multi answers a multi result");
    };
    assert_eq!(
        result,
        MultiResult::Aborted {
            failed: 2,
            error: ErrorCode::NoAuth,
            ops: 3
        }
    );
    assert_eq!(
        t.replica.tree().node("/open").map(|n| n.stat.version),
        Some(0)
    );
}

#[test]
fn reads_check_read_except_exists_and_getacl_hides_hashes_without_admin() {
    let mut t = Tree::new();
    t.set_acl(
        "/open",
        vec![
            Acl::new(perms::ADMIN, alice()),
            Acl::new(perms::READ, bob()),
        ],
    );
    let r = &mut t.replica;
    // exists checks nothing in 3.8.
    assert!(r.exists(0, "/open", false).is_ok());
    assert_eq!(
        r.get_data(0, "/open", false, &[]).err(),
        Some(ErrorCode::NoAuth)
    );
    assert_eq!(
        r.get_data(0, "/none", false, &[]).err(),
        Some(ErrorCode::NoNode)
    );
    assert!(r.get_data(0, "/open", false, &[bob()]).is_ok());
    assert_eq!(
        r.get_children(0, "/open", false, &[alice()]).err(),
        Some(ErrorCode::NoAuth)
    );
    assert!(r.get_children(0, "/open", false, &[bob()]).is_ok());
    let tree = r.tree();
    assert_eq!(
        tree.get_all_children_number_as("/open", &[]),
        Err(ErrorCode::NoAuth)
    );
    assert_eq!(tree.get_all_children_number_as("/open", &[bob()]), Ok(0));
    // getACL: READ or ADMIN; only ADMIN sees the digests' hashes.
    assert_eq!(tree.get_acl_as("/open", &[]).err(), Some(ErrorCode::NoAuth));
    let (seen_by_admin, _) = tree.get_acl_as("/open", &[alice()]).expect("admin");
    assert_eq!(seen_by_admin[0].id, alice());
    let (seen_by_reader, _) = tree.get_acl_as("/open", &[bob()]).expect("reader");
    let ids: Vec<&str> = seen_by_reader.iter().map(|a| a.id.id.as_str()).collect();
    assert_eq!(ids, ["alice:x", "bob:x"]);
    assert_eq!(tree.get_acl_as("/none", &[]).err(), Some(ErrorCode::NoNode));
}

#[test]
fn super_and_ip_prefixes_pass_checks() {
    let mut t = Tree::new();
    t.set_acl(
        "/open",
        vec![Acl::new(perms::ALL, Id::new("ip", "10.1.0.0/16"))],
    );
    assert_eq!(
        t.err(&[Id::new("ip", "10.2.0.1")], set_data("/open")),
        ErrorCode::NoAuth
    );
    t.ok(&[Id::new("ip", "10.1.7.1")], set_data("/open"));
    t.ok(&[Id::new("super", "")], set_data("/alice"));
}
