//! Randomized checks of the tree's own properties: it stays well formed
//! after any command, failed commands and aborted multis change nothing but
//! the zxid, and a snapshot always restores the exact state.

use coordinator::{
    CheckRequest, Command, CreateMode, CreateRequest, DataTree, DeleteRequest, MultiOp,
    MultiResult, Op, OpResult, SetDataRequest, TreeConfig,
};
use proptest::prelude::*;
use protocols::Zxid;

const PATHS: [&str; 7] = ["/a", "/b", "/a/x", "/a/y", "/b/z", "/a/x/q", "/a/"];

#[derive(Clone, Debug)]
enum Step {
    Write { session: usize, op: MultiOp },
    Multi { session: usize, ops: Vec<MultiOp> },
    NewSession,
    Close(usize),
    Expire(usize),
}

fn path() -> impl Strategy<Value = String> {
    prop::sample::select(PATHS.to_vec()).prop_map(str::to_string)
}

fn multi_op() -> impl Strategy<Value = MultiOp> {
    let version = prop_oneof![Just(-1), 0..3i32];
    prop_oneof![
        (
            path(),
            0..5i32,
            prop::option::of(prop::collection::vec(any::<u8>(), 0..4))
        )
            .prop_map(|(p, f, d)| {
                let mode = CreateMode::from_flag(f).unwrap_or(CreateMode::Persistent);
                MultiOp::Create(CreateRequest::new(p, d, mode))
            }),
        (path(), version.clone())
            .prop_map(|(path, version)| MultiOp::Delete(DeleteRequest { path, version })),
        (path(), version.clone()).prop_map(|(path, version)| {
            MultiOp::SetData(SetDataRequest {
                path,
                data: Some(vec![1]),
                version,
            })
        }),
        (path(), version)
            .prop_map(|(path, version)| MultiOp::Check(CheckRequest { path, version })),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..4usize, multi_op()).prop_map(|(session, op)| Step::Write { session, op }),
        2 => (0..4usize, prop::collection::vec(multi_op(), 0..4)).prop_map(|(session, ops)| Step::Multi { session, ops }),
        2 => Just(Step::NewSession),
        1 => (0..4usize).prop_map(Step::Close),
        1 => (0..4usize).prop_map(Step::Expire),
    ]
}

fn to_op(op: MultiOp) -> Op {
    match op {
        MultiOp::Create(r) => Op::Create(r),
        MultiOp::Delete(r) => Op::Delete(r),
        MultiOp::SetData(r) => Op::SetData(r),
        MultiOp::Check(r) => Op::Check(r),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_history_keeps_the_tree_well_formed_and_snapshots_exact(steps in prop::collection::vec(step(), 1..40)) {
        let mut tree = DataTree::new(TreeConfig::default());
        // Slot 0 is the anonymous session.
        let mut sessions = vec![0i64];
        for (i, step) in steps.into_iter().enumerate() {
            let zxid = Zxid::new(1, i as u32 + 1);
            let pick = |s: usize| sessions[s % sessions.len()];
            let cmd = match step {
                Step::Write { session, op } => Command::new(to_op(op)).with_session(pick(session)),
                Step::Multi { session, ops } => Command::new(Op::Multi(ops)).with_session(pick(session)),
                Step::NewSession => Command::new(Op::CreateSession { timeout_ms: 5000, password: [1; 16] }),
                Step::Close(s) => Command::new(Op::CloseSession).with_session(pick(s)),
                Step::Expire(s) => Command::new(Op::ExpireSession { session: pick(s) }),
            };
            let before = tree.snapshot();
            let out = tree.apply(zxid, &cmd.with_time(i as i64 * 100));
            prop_assert_eq!(tree.check_invariants(), Ok(()));
            let unchanged = matches!(
                &out.result,
                Err(_)
                    | Ok(OpResult::Multi(MultiResult::Aborted { .. }))
                    | Ok(OpResult::SessionClosed { existed: false, .. })
            );
            if unchanged {
                prop_assert!(out.triggers.is_empty());
                prop_assert_eq!(&tree.snapshot()[20..], &before[20..]);
            }
            if let Some((id, _)) = out.session_created() {
                sessions.push(id);
            }
            prop_assert!(out.triggers.iter().all(|t| t.zxid == zxid));
            let restored = DataTree::restore(&tree.snapshot(), TreeConfig::default());
            prop_assert_eq!(restored.as_ref(), Ok(&tree));
        }
    }
}

/// A snapshot frame around an arbitrary body, with a correct checksum, so
/// the body reaches the decoder and the consistency checks.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(coordinator::snapshot::MAGIC);
    out.extend_from_slice(&coordinator::snapshot::SNAPSHOT_VERSION.to_le_bytes());
    out.extend_from_slice(&5u64.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut with_format = vec![coordinator::command::COMMAND_FORMAT];
        with_format.extend_from_slice(&bytes);
        let _ = Command::decode(&bytes);
        if let Ok(cmd) = Command::decode(&with_format) {
            // Whatever decodes re-encodes to the same bytes.
            prop_assert_eq!(&cmd.encode(), &with_format);
        }
        let _ = DataTree::restore(&bytes, TreeConfig::default());
        if let Ok(tree) = DataTree::restore(&framed(&bytes), TreeConfig::default()) {
            prop_assert_eq!(tree.check_invariants(), Ok(()));
        }
        let mut tree = DataTree::default();
        let _ = tree.apply_bytes(Zxid(1), &with_format);
    }
}
