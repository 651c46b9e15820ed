//! The driver with a scripted core: every action is one the test chose, so
//! the Ready's contents and order can be asserted exactly.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use protocols::{
    Action, ClusterConfig, Command as Bytes, Core, Durable, NodeId, OutboxOf, Recovered,
    RejectReason, Role, Status, Zxid,
};

use super::*;
use crate::command::{CreateMode, CreateRequest};
use crate::result::OpResult;

/// Proposals are persisted and sent to peer 2 under a slot; peer messages
/// then say what to do with a slot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Script {
    id: NodeId,
    slots: BTreeMap<u64, Bytes>,
    next_zxid: u32,
    leader: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
enum Cmd {
    Commit(u64),
    Reject(u64),
    Abandon(u64),
    SnapshotTo(NodeId),
    Lead,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
struct Log(BTreeSet<u64>);

impl Durable for Log {
    type Record = u64;
    fn apply(&mut self, record: &u64) {
        self.0.insert(*record);
    }
}

impl Core for Script {
    type Msg = Cmd;
    type Timer = u8;
    type Durable = Log;
    const NAME: &'static str = "script";

    fn new(id: NodeId, _: ClusterConfig, r: Recovered<Log>, out: &mut OutboxOf<Self>) -> Self {
        out.set_timer(7, 3);
        Script {
            id,
            next_zxid: r.applied.counter() + 1,
            ..Script::default()
        }
    }

    fn propose(&mut self, command: Bytes, out: &mut OutboxOf<Self>) {
        let slot = self.slots.len() as u64 + 1;
        self.slots.insert(slot, command);
        out.persist(slot);
        out.send(2, Cmd::Commit(slot));
    }

    fn on_message(&mut self, _: NodeId, msg: Cmd, out: &mut OutboxOf<Self>) {
        match msg {
            Cmd::Commit(s) => {
                let command = self.slots[&s].clone();
                out.commit(Zxid::new(1, self.next_zxid), command);
                self.next_zxid += 1;
            }
            Cmd::Reject(s) | Cmd::Abandon(s) => {
                let reason = match msg {
                    Cmd::Reject(_) => RejectReason::NotLeader { leader: Some(3) },
                    _ => RejectReason::Abandoned,
                };
                let command = self.slots[&s].clone();
                out.push(Action::Rejected { command, reason });
            }
            Cmd::SnapshotTo(to) => out.push(Action::SendSnapshot { to }),
            Cmd::Lead => {
                self.leader = true;
                out.push(Action::StatusChanged(self.status()));
            }
        }
    }

    fn on_timer(&mut self, _: u8, _: &mut OutboxOf<Self>) {}

    fn compact(&mut self, upto: Zxid, out: &mut OutboxOf<Self>) {
        out.persist(u64::from(upto.counter()) + 1000);
    }

    fn snapshot_installed(&mut self, at: Zxid, _: &mut OutboxOf<Self>) {
        self.next_zxid = at.counter() + 1;
    }

    fn status(&self) -> Status {
        let (role, leader) = if self.leader {
            (Role::Leader, Some(self.id))
        } else {
            (Role::Looking, None)
        };
        Status {
            role,
            leader,
            epoch: 1,
            last_committed: Zxid::new(1, self.next_zxid - 1),
        }
    }

    fn id(&self) -> NodeId {
        self.id
    }
}

fn driver() -> NodeDriver<Script> {
    let config = DriverConfig::new(1, TreeConfig::default(), 1);
    let (d, first) = NodeDriver::new(
        config,
        ClusterConfig::new([1, 2, 3]),
        Log::default(),
        StateMachine::new(TreeConfig::default()),
        0,
    );
    assert_eq!(first.timers, vec![TimerOp::Set { timer: 7, after: 3 }]);
    d
}

fn create(path: &str) -> Command {
    Command::new(Op::Create(CreateRequest::new(
        path,
        Some(b"v".to_vec()),
        CreateMode::Persistent,
    )))
}

fn submit(ticket: Ticket, command: Command) -> Input<Script> {
    Input::Submit { ticket, command }
}

fn msg(m: Cmd) -> Input<Script> {
    Input::Message { from: 2, msg: m }
}

#[test]
fn a_proposal_is_persisted_and_sent_but_not_answered_before_it_commits() {
    let mut d = driver();
    let ready = d.step(10, [submit(1, create("/a"))]);
    assert_eq!(ready.persist, vec![1]);
    assert_eq!(ready.send, vec![(2, PeerMessage::Core(Cmd::Commit(1)))]);
    assert!(ready.deliveries.is_empty(), "no reply before the commit");
    assert_eq!(d.waiting(), 1);
    assert!(d.replica_mut().exists(0, "/a", false).is_err());
}

#[test]
fn the_reply_comes_with_the_local_commit_and_the_write_is_readable() {
    let mut d = driver();
    d.step(10, [submit(1, create("/a"))]);
    let ready = d.step(20, [msg(Cmd::Commit(1))]);
    assert_eq!(ready.commits.len(), 1);
    assert_eq!(ready.commits[0].zxid, Zxid::new(1, 1));
    let replies: Vec<_> = ready.replies().collect();
    assert!(matches!(
        replies.as_slice(),
        [(1, Ok(OpResult::Created { path, .. }))] if path == "/a"
    ));
    let (data, stat) = d.replica_mut().get_data(0, "/a", false, &[]).expect("/a");
    assert_eq!(data, Some(&b"v"[..]));
    assert_eq!(stat.ctime, 10, "the proposer's clock stamps the command");
}

#[test]
fn one_batch_keeps_every_persist_ahead_of_its_sends_and_commits_in_order() {
    let mut d = driver();
    let ready = d.step(
        10,
        [
            submit(1, create("/a")),
            submit(2, create("/a/b")),
            msg(Cmd::Commit(1)),
            msg(Cmd::Commit(2)),
            submit(3, create("/c")),
        ],
    );
    // All records of the batch, to be written under one fsync.
    assert_eq!(ready.persist, vec![1, 2, 3]);
    assert_eq!(ready.send.len(), 3);
    let zxids: Vec<Zxid> = ready.commits.iter().map(|c| c.zxid).collect();
    assert_eq!(zxids, vec![Zxid::new(1, 1), Zxid::new(1, 2)]);
    let tickets: Vec<Ticket> = ready.replies().map(|(t, _)| t).collect();
    assert_eq!(tickets, vec![1, 2], "ticket 3 has not committed");
    assert!(ready.replies().all(|(_, r)| r.is_ok()), "/a/b saw /a");
    assert_eq!(d.durable().0, BTreeSet::from([1, 2, 3]));
}

#[test]
fn a_command_committed_twice_is_applied_once() {
    let mut d = driver();
    d.step(10, [submit(1, create("/dup"))]);
    let first = d.step(20, [msg(Cmd::Commit(1))]);
    assert!(first.commits[0].result.is_ok());
    let again = d.step(30, [msg(Cmd::Commit(1))]);
    assert!(again.commits[0].duplicate);
    assert!(again.deliveries.is_empty(), "answered once");
    assert_eq!(d.state_machine().last_zxid(), Zxid::new(1, 2));
    let (_, stat) = d
        .replica_mut()
        .get_data(0, "/dup", false, &[])
        .expect("/dup");
    assert_eq!(stat.mzxid, Zxid::new(1, 1).0 as i64, "not re-applied");
}

#[test]
fn the_same_command_sequence_gives_the_same_state_with_duplicates() {
    // A second replica applies the committed bytes of the first (the
    // duplicate included) and ends up identical.
    let mut d = driver();
    d.step(10, [submit(1, create("/x")), msg(Cmd::Commit(1))]);
    let seq = d.step(11, [msg(Cmd::Commit(1))]);
    let mut other = StateMachine::new(TreeConfig::default());
    for (i, bytes) in d
        .core()
        .slots
        .values()
        .chain(d.core().slots.values())
        .enumerate()
    {
        other.apply(Zxid::new(1, i as u32 + 1), bytes);
    }
    assert!(seq.commits[0].duplicate);
    assert_eq!(other.snapshot(), d.state_machine().snapshot());
}

#[test]
fn a_rejected_proposal_answers_not_leader_and_an_abandoned_one_connection_loss() {
    let mut d = driver();
    d.step(10, [submit(1, create("/a")), submit(2, create("/b"))]);
    let ready = d.step(20, [msg(Cmd::Reject(1)), msg(Cmd::Abandon(2))]);
    let replies: Vec<_> = ready.replies().map(|(t, r)| (t, r.clone())).collect();
    assert_eq!(
        replies,
        vec![
            (1, Err(RequestError::NotLeader { leader: Some(3) })),
            (2, Err(RequestError::ConnectionLoss)),
        ]
    );
    assert_eq!(d.waiting(), 0);
}

#[test]
fn a_failed_command_is_answered_with_its_error_code() {
    let mut d = driver();
    d.step(10, [submit(1, create("/no/parent")), msg(Cmd::Commit(1))]);
    let ready = d.step(10, [submit(2, create("/a")), msg(Cmd::Commit(2))]);
    assert!(ready.replies().all(|(_, r)| r.is_ok()));
    let mut d = driver();
    let ready = d.step(10, [submit(1, create("/no/parent")), msg(Cmd::Commit(1))]);
    let replies: Vec<_> = ready.replies().map(|(t, r)| (t, r.clone())).collect();
    assert_eq!(
        replies,
        vec![(1, Err(RequestError::Op(crate::error::ErrorCode::NoNode)))]
    );
}

#[test]
fn snapshots_are_taken_every_n_commits_and_compaction_follows_the_save() {
    let config = DriverConfig {
        snapshot_every: 2,
        ..DriverConfig::new(1, TreeConfig::default(), 1)
    };
    let (mut d, _) = NodeDriver::<Script>::new(
        config,
        ClusterConfig::new([1, 2, 3]),
        Log::default(),
        StateMachine::new(TreeConfig::default()),
        0,
    );
    let r = d.step(1, [submit(1, create("/a")), msg(Cmd::Commit(1))]);
    assert!(r.snapshot.is_none());
    let r = d.step(2, [submit(2, create("/b")), msg(Cmd::Commit(2))]);
    let (at, bytes) = r.snapshot.expect("due after 2 commits");
    assert_eq!(at, Zxid::new(1, 2));
    let restored = StateMachine::restore(&bytes, TreeConfig::default()).expect("valid");
    assert_eq!(restored.last_zxid(), at);
    let r = d.step(3, [Input::SnapshotSaved(at)]);
    assert!(r.compacted);
    assert_eq!(
        r.persist,
        vec![1002],
        "the core compacted up to the snapshot"
    );
}

#[test]
fn a_peer_snapshot_replaces_the_state_and_the_core_continues_after_it() {
    let mut a = driver();
    a.step(1, [submit(1, create("/a")), msg(Cmd::Commit(1))]);
    a.step(2, [submit(2, create("/b")), msg(Cmd::Commit(2))]);
    let (at, bytes) = a.snapshot_for_peer();
    let mut b = driver();
    let r = b.step(3, [Input::InstallSnapshot(bytes)]);
    assert!(r.watches_reset);
    assert_eq!(b.state_machine().last_zxid(), at);
    assert_eq!(b.core().next_zxid, at.counter() + 1);
    assert!(b.replica_mut().exists(0, "/b", false).is_ok());
    let r = b.step(4, [Input::InstallSnapshot(Vec::new())]);
    assert!(!r.watches_reset, "garbage is refused");
}

#[test]
fn liveness_is_reported_to_every_peer_and_only_the_keeper_expires() {
    let mut d = driver();
    let open = Command::new(Op::CreateSession {
        timeout_ms: 4000,
        password: [1; 16],
    });
    d.step(0, [submit(1, open), msg(Cmd::Commit(1))]);
    let (session, _) = d.state_machine().sessions()[0];
    d.step(100, [Input::Touch(session)]);
    let r = d.step(200, [Input::SessionTick]);
    let liveness = PeerMessage::Liveness {
        sessions: vec![session],
    };
    assert_eq!(r.send, vec![(2, liveness.clone()), (3, liveness)]);
    // Not keeper (no leader): silence proposes nothing.
    let r = d.step(60_000, [Input::SessionTick]);
    assert!(r.persist.is_empty());
    // Leader now: a full timeout of grace from this moment, then expiry.
    d.step(60_000, [msg(Cmd::Lead)]);
    assert!(d.tracker().is_keeper());
    let r = d.step(63_000, [Input::SessionTick]);
    assert!(r.persist.is_empty(), "within the grace period");
    let r = d.step(64_001, [Input::SessionTick]);
    assert_eq!(r.persist.len(), 1, "ExpireSession proposed");
    let r = d.step(64_002, [msg(Cmd::Commit(2))]);
    assert_eq!(r.closed_sessions, vec![session]);
    assert!(d.state_machine().sessions().is_empty());
    assert_eq!(d.tracker().tracked(), 0);
}

#[test]
fn a_peer_report_keeps_a_session_alive_at_the_keeper() {
    let mut d = driver();
    d.step(0, [msg(Cmd::Lead)]);
    let open = Command::new(Op::CreateSession {
        timeout_ms: 4000,
        password: [1; 16],
    });
    d.step(0, [submit(1, open), msg(Cmd::Commit(1))]);
    let (session, _) = d.state_machine().sessions()[0];
    for t in (1000..=12_000).step_by(1000) {
        let r = d.step(
            t,
            [
                Input::Liveness {
                    from: 3,
                    sessions: vec![session],
                },
                Input::SessionTick,
            ],
        );
        assert!(r.persist.is_empty(), "reported alive at {t}");
    }
    let r = d.step(16_001, [Input::SessionTick]);
    assert_eq!(r.persist.len(), 1);
}

#[test]
fn the_keeper_removes_an_emptied_container_once_and_others_do_not() {
    let mut d = driver();
    let container = Command::new(Op::Create(CreateRequest::new(
        "/c",
        None,
        CreateMode::Container,
    )));
    let delete = Command::new(Op::Delete(crate::command::DeleteRequest {
        path: "/c/k".into(),
        version: -1,
    }));
    d.step(
        0,
        [
            submit(1, container),
            submit(2, create("/c/k")),
            submit(3, delete),
            msg(Cmd::Commit(1)),
            msg(Cmd::Commit(2)),
            msg(Cmd::Commit(3)),
        ],
    );
    let r = d.step(100, [Input::SessionTick]);
    assert!(r.persist.is_empty(), "not keeper: no clean-up");
    d.step(100, [msg(Cmd::Lead)]);
    let r = d.step(200, [Input::SessionTick]);
    assert_eq!(r.persist, vec![4], "DeleteContainer proposed");
    let r = d.step(300, [Input::SessionTick]);
    assert!(
        r.persist.is_empty(),
        "not proposed again within the retry time"
    );
    d.step(400, [msg(Cmd::Commit(4))]);
    assert!(d.replica_mut().exists(0, "/c", false).is_err());
}
