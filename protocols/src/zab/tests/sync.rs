//! Synchronization (Zab phase 2): DIFF, TRUNC and SNAP, NEWLEADER, ACKLD,
//! COMMITLD.

use super::super::sync::Plan;
use super::harness::*;
use crate::contract::{Core, Recovered};
use crate::types::Role;

fn server(id: u64, durable: ZabDurable) -> Zab {
    let mut out = Ob::new();
    Zab::new(
        id,
        config(3),
        Recovered {
            durable,
            applied: z(0, 0),
        },
        &mut out,
    )
}

fn leader_history() -> ZabDurable {
    ZabDurable {
        accepted_epoch: 2,
        current_epoch: 2,
        history: entries(&[(z(1, 1), "a"), (z(1, 2), "b"), (z(2, 1), "c")]),
        compacted: z(0, 0),
    }
}

#[test]
fn a_follower_missing_proposals_gets_a_diff_of_them() {
    let l = server(3, leader_history());
    assert_eq!(
        l.plan_sync(z(1, 1)),
        Plan::Send(Sync::Diff {
            base: z(1, 1),
            entries: entries(&[(z(1, 2), "b"), (z(2, 1), "c")]),
        })
    );
    assert_eq!(
        l.plan_sync(z(2, 1)),
        Plan::Send(Sync::Diff {
            base: z(2, 1),
            entries: entries(&[]),
        })
    );
}

#[test]
fn a_follower_holding_proposals_the_leader_lacks_is_truncated_first() {
    let l = server(3, leader_history());
    // 1.3 was proposed in epoch 1 but never reached the new leader.
    assert_eq!(
        l.plan_sync(z(1, 3)),
        Plan::Send(Sync::Trunc {
            base: z(1, 2),
            entries: entries(&[(z(2, 1), "c")]),
        })
    );
    // Beyond everything the leader has.
    assert_eq!(
        l.plan_sync(z(2, 5)),
        Plan::Send(Sync::Trunc {
            base: z(2, 1),
            entries: entries(&[]),
        })
    );
}

#[test]
fn a_follower_behind_the_leaders_compaction_gets_a_snapshot() {
    let mut d = leader_history();
    d.history.remove(&z(1, 1));
    d.compacted = z(1, 1);
    let l = server(3, d);
    assert_eq!(l.plan_sync(z(0, 0)), Plan::Snapshot);
    assert!(matches!(
        l.plan_sync(z(1, 1)),
        Plan::Send(Sync::Diff { .. })
    ));
}

#[test]
fn the_follower_truncates_appends_and_takes_the_epoch_before_acking() {
    let mut f = server(
        1,
        ZabDurable {
            accepted_epoch: 2,
            current_epoch: 1,
            history: entries(&[(z(1, 1), "a"), (z(1, 2), "b"), (z(1, 3), "x")]),
            compacted: z(0, 0),
        },
    );
    // Follow 3 and accept its epoch 2 (already accepted: not fresh).
    step(&mut f, |c, o| {
        c.on_message(3, note(v(9, z(9, 9), 3), 1, PeerState::Looking), o)
    });
    step(&mut f, |c, o| {
        c.on_message(3, Msg::NewEpoch { epoch: 2 }, o)
    });
    let acts = step(&mut f, |c, o| {
        let msg = Msg::NewLeader {
            epoch: 2,
            sync: Sync::Trunc {
                base: z(1, 2),
                entries: entries(&[(z(2, 1), "c")]),
            },
            last: z(2, 1),
            committed: z(1, 1),
        };
        c.on_message(3, msg, o)
    });
    assert_eq!(
        acts,
        vec![
            persist(Record::Truncate(z(1, 2))),
            append(z(2, 1), "c"),
            persist(Record::CurrentEpoch(2)),
            status(Role::Follower, Some(3), 2, z(0, 0)),
            commit(z(1, 1), "a"),
            send(
                3,
                Msg::AckLd {
                    epoch: 2,
                    last: z(2, 1)
                }
            ),
        ]
    );
    // COMMITLD: broadcast starts; what the leader committed is delivered.
    let acts = step(&mut f, |c, o| {
        c.on_message(
            3,
            Msg::CommitLd {
                epoch: 2,
                committed: z(2, 1),
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![
            cancel(Timer::Init),
            cancel(Timer::Resend),
            set(Timer::LeaderSilent, 5),
            commit(z(1, 2), "b"),
            commit(z(2, 1), "c"),
        ]
    );
    assert!(f.is_broadcasting());
}

#[test]
fn a_quorum_of_ackld_commits_the_initial_history_and_sends_commitld() {
    let mut c = Cluster::empty(3);
    c.durable.insert(3, leader_history());
    for id in [3, 1, 2] {
        c.start(id);
        c.settle();
    }
    assert_eq!(c.role(3), Role::Leader);
    // Every server delivered the leader's history, in zxid order.
    for id in 1..=3 {
        assert_eq!(
            c.commands(id),
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()],
            "server {id}"
        );
    }
    assert_eq!(c.status(1).epoch, 3);
}

#[test]
fn a_snapshot_brings_a_follower_past_the_compaction_then_a_diff_follows() {
    let mut c = ensemble_led_by_3();
    c.crash(1);
    c.propose(3, b"a");
    c.propose(3, b"b");
    c.deliver_all();
    let upto = c.status(3).last_committed;
    assert_eq!(upto, z(1, 2));
    let acts = c.on(3, |core, o| core.compact(upto, o));
    assert_eq!(acts, vec![persist(Record::Compact(z(1, 2)))]);
    c.start(1);
    c.settle();
    assert_eq!(c.snapshots_asked, vec![(3, 1)]);
    // The host streams the snapshot; server 1 acks the epoch again from it.
    c.commits.insert(1, c.commits[&3].clone());
    let acts = c.on(1, |core, o| core.snapshot_installed(upto, o));
    assert_eq!(
        acts,
        vec![
            persist(Record::Compact(z(1, 2))),
            send(
                3,
                Msg::AckEpoch {
                    epoch: 1,
                    current_epoch: 1,
                    last: z(1, 2),
                    fresh: false
                }
            ),
            set(Timer::Resend, 2),
        ]
    );
    c.deliver_all();
    assert!(c.nodes[&1].is_broadcasting());
    c.propose(1, b"c");
    c.deliver_all();
    for id in 1..=3 {
        assert_eq!(
            c.commands(id),
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
    }
}
