//! Phase 2, learning the chosen prefix, catch-up and compaction.

use std::collections::BTreeMap;

use super::harness::*;
use crate::contract::{Action, Core, RejectReason};
use crate::multipaxos::{Entry, MAX_CATCH_UP_BATCH, Msg, Record, Timer};
use crate::types::{Role, Zxid};

/// PMS §2.3 / our outbox rule 1: the vote is durable before `Accepted`
/// leaves; the acceptor follows the ballot's leader.
#[test]
fn acceptor_persists_its_vote_before_answering_and_follows_the_leader() {
    let (mut n2, _) = fresh(2, 3);
    let acts = step(&mut n2, |c, o| {
        c.on_message(
            1,
            Msg::Accept {
                ballot: b(1, 1),
                slot: 1,
                entry: cmd(1, "a"),
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![
            persist_vote(1, b(1, 1), cmd(1, "a")),
            set(Timer::Election, n2.election_after),
            status(Role::Follower, Some(1), 1, Zxid::ZERO),
            send(
                1,
                Msg::Accepted {
                    ballot: b(1, 1),
                    slot: 1
                }
            ),
        ]
    );
}

/// PMS P1a: no vote in a ballot below the promise.
#[test]
fn acceptor_nacks_accept_below_its_promise() {
    let (mut n2, _) = fresh(2, 3);
    n2.durable.promised = b(2, 3);
    let acts = step(&mut n2, |c, o| {
        c.on_message(
            1,
            Msg::Accept {
                ballot: b(1, 1),
                slot: 1,
                entry: cmd(1, "a"),
            },
            o,
        )
    });
    assert_eq!(acts, vec![send(1, Msg::Nack { promised: b(2, 3) })]);
}

/// PMS §2.3: a value is chosen when a quorum voted for it; the leader
/// commits it and tells every replica how far the chosen prefix reaches.
#[test]
fn leader_commits_on_a_quorum_of_votes_and_tells_the_replicas() {
    let mut c = cluster_with_leader_1();
    let acts = c.propose(1, b"a");
    let accept = Msg::Accept {
        ballot: b(1, 1),
        slot: 1,
        entry: cmd(1, "a"),
    };
    assert_eq!(
        acts,
        vec![
            persist_vote(1, b(1, 1), cmd(1, "a")),
            send(2, accept.clone()),
            send(3, accept),
        ]
    );
    c.queue.clear();
    let acts = c.on(1, |core, o| {
        core.on_message(
            3,
            Msg::Accepted {
                ballot: b(1, 1),
                slot: 1,
            },
            o,
        )
    });
    let chosen = Msg::Chosen {
        ballot: b(1, 1),
        upto: 1,
    };
    assert_eq!(
        acts,
        vec![
            commit(Zxid::new(1, 1), "a"),
            send(2, chosen.clone()),
            send(3, chosen),
        ]
    );
    assert_eq!(c.nodes[&1].status().last_committed, Zxid::new(1, 1));
}

/// Pipelining: slots are voted on concurrently but committed in slot order.
#[test]
fn pipelined_slots_commit_in_slot_order() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.propose(1, b"b");
    c.queue.clear();
    let accepted = |slot| Msg::Accepted {
        ballot: b(1, 1),
        slot,
    };
    let acts = c.on(1, |core, o| core.on_message(2, accepted(2), o));
    assert_eq!(acts, vec![]);
    let acts = c.on(1, |core, o| core.on_message(2, accepted(1), o));
    let chosen = Msg::Chosen {
        ballot: b(1, 1),
        upto: 2,
    };
    assert_eq!(
        acts,
        vec![
            commit(Zxid::new(1, 1), "a"),
            commit(Zxid::new(1, 2), "b"),
            send(2, chosen.clone()),
            send(3, chosen),
        ]
    );
}

/// PMS §2.4: a learner must learn the chosen value. A follower commits a
/// slot from `Chosen(b, c)` only if its vote there was cast in `b`; a vote
/// from another ballot may be a value that lost, so it asks instead.
#[test]
fn follower_commits_from_chosen_only_votes_cast_in_the_leaders_ballot() {
    let (mut n3, _) = fresh(3, 3);
    n3.durable.promised = b(2, 1);
    n3.durable.accepted.insert(1, vote(b(1, 2), cmd(1, "lost")));
    n3.durable.accepted.insert(2, vote(b(2, 1), cmd(2, "won")));
    let acts = step(&mut n3, |c, o| {
        c.on_message(
            1,
            Msg::Chosen {
                ballot: b(2, 1),
                upto: 2,
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![
            set(Timer::Election, n3.election_after),
            status(Role::Follower, Some(1), 2, Zxid::ZERO),
            send(
                1,
                Msg::Behind {
                    ballot: b(2, 1),
                    upto: 0
                }
            ),
        ]
    );
    // With slot 1's vote in the leader's ballot, both slots commit.
    n3.durable
        .accepted
        .insert(1, vote(b(2, 1), cmd(1, "chosen")));
    let acts = step(&mut n3, |c, o| {
        c.on_message(
            1,
            Msg::Chosen {
                ballot: b(2, 1),
                upto: 2,
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![
            set(Timer::Election, n3.election_after),
            commit(Zxid::new(1, 1), "chosen"),
            commit(Zxid::new(2, 2), "won"),
            send(
                1,
                Msg::Learned {
                    ballot: b(2, 1),
                    upto: 2
                }
            ),
        ]
    );
}

/// A lagging replica gets the chosen entries from the leader, records each
/// as a vote before committing it, and asks for more.
#[test]
fn lagging_replica_catches_up_from_the_leaders_chosen_entries() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.propose(1, b"b");
    c.deliver_all_except(&[3]);
    let acts = c.on(1, |core, o| {
        core.on_message(
            3,
            Msg::Behind {
                ballot: b(1, 1),
                upto: 0,
            },
            o,
        )
    });
    let entries = BTreeMap::from([
        (1, vote(b(1, 1), cmd(1, "a"))),
        (2, vote(b(1, 1), cmd(1, "b"))),
    ]);
    let catch_up = Msg::CatchUp {
        ballot: b(1, 1),
        entries,
    };
    assert_eq!(acts, vec![send(3, catch_up.clone())]);
    let acts = c.on(3, |core, o| core.on_message(1, catch_up, o));
    let after = c.nodes[&3].election_after;
    assert_eq!(
        acts,
        vec![
            persist_vote(1, b(1, 1), cmd(1, "a")),
            commit(Zxid::new(1, 1), "a"),
            persist_vote(2, b(1, 1), cmd(1, "b")),
            commit(Zxid::new(1, 2), "b"),
            set(Timer::Election, after),
        ]
    );
}

/// A full catch-up batch means more may follow: the replica asks at once.
#[test]
fn after_a_full_catch_up_batch_the_replica_asks_for_the_next() {
    let mut c = cluster_with_leader_1();
    for i in 0..MAX_CATCH_UP_BATCH + 1 {
        c.propose(1, format!("c{i}").as_bytes());
    }
    c.deliver_all_except(&[3]);
    c.timer(1, Timer::Heartbeat);
    c.deliver_all();
    assert_eq!(c.commands(3), c.commands(1));
    assert_eq!(c.commands(3).len(), MAX_CATCH_UP_BATCH + 1);
}

/// Compaction forgets votes durably; a replica that needs forgotten
/// entries gets the host's snapshot (once per check-quorum period), then
/// continues after it.
#[test]
fn replica_behind_the_compaction_point_gets_a_snapshot_then_continues() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.propose(1, b"b");
    c.deliver_all_except(&[3]);
    let acts = c.on(1, |core, o| core.compact(Zxid::new(1, 1), o));
    assert_eq!(
        acts,
        vec![Action::Persist(Record::Compact(Zxid::new(1, 1)))]
    );
    assert_eq!(
        c.nodes[&1].durable().accepted.keys().collect::<Vec<_>>(),
        [&2]
    );
    let learned = Msg::Behind {
        ballot: b(1, 1),
        upto: 0,
    };
    let acts = c.on(1, |core, o| core.on_message(3, learned.clone(), o));
    assert_eq!(acts, vec![Action::SendSnapshot { to: 3 }]);
    let acts = c.on(1, |core, o| core.on_message(3, learned, o));
    assert_eq!(acts, vec![], "one transfer at a time");
    // Node 3's host installed the snapshot up to slot 1. A proposal waiting
    // at node 3 may be in it: its outcome is unknown, so it is handed back.
    c.propose(3, b"waiting");
    c.queue.clear();
    let acts = c.on(3, |core, o| core.snapshot_installed(Zxid::new(1, 1), o));
    assert_eq!(
        acts,
        vec![
            Action::Persist(Record::Compact(Zxid::new(1, 1))),
            Action::Rejected {
                command: b"waiting".to_vec(),
                reason: RejectReason::Abandoned
            },
            send(
                1,
                Msg::Behind {
                    ballot: b(1, 1),
                    upto: 1
                }
            ),
        ]
    );
    c.deliver_all();
    assert_eq!(c.commands(3), vec![b"b".to_vec()]);
    assert_eq!(c.nodes[&3].status().last_committed, Zxid::new(1, 2));
}

/// Messages may be lost: the heartbeat repeats the chosen prefix and
/// re-sends every accept a peer has not answered.
#[test]
fn heartbeat_repeats_chosen_and_retransmits_unanswered_accepts() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.queue.clear();
    let acts = c.timer(1, Timer::Heartbeat);
    let chosen = Msg::Chosen {
        ballot: b(1, 1),
        upto: 0,
    };
    let accept = Msg::Accept {
        ballot: b(1, 1),
        slot: 1,
        entry: cmd(1, "a"),
    };
    assert_eq!(
        acts,
        vec![
            send(2, chosen.clone()),
            send(3, chosen),
            send(2, accept.clone()),
            send(3, accept),
            set(Timer::Heartbeat, 1),
        ]
    );
}

/// Zxids: the epoch of slot s is the largest epoch stored in the chosen
/// entries up to s, so a new leader's no-op in an old hole and the old
/// leader's re-proposed entry keep zxids increasing and equal everywhere.
#[test]
fn zxids_increase_across_leader_changes_and_agree_on_every_node() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.deliver_all();
    // Node 1 proposes "b" but only node 1 votes for it; then node 2 leads.
    c.propose(1, b"b");
    c.queue.clear();
    c.timer(2, Timer::Election);
    c.deliver_all();
    assert_eq!(c.nodes[&2].status().role, Role::Leader);
    c.propose(2, b"c");
    c.deliver_all();
    let expected = vec![
        (Zxid::new(1, 1), b"a".to_vec()),
        (Zxid::new(1, 2), b"b".to_vec()),
        (Zxid::new(2, 3), b"c".to_vec()),
    ];
    for id in 1..=3 {
        assert_eq!(c.commits[&id], expected, "node {id}");
    }
}

/// A hole filled by a later leader gets that leader's epoch, and so does
/// every zxid after it: the re-proposed older entry above the hole commits
/// at the new epoch, never below a zxid already handed out.
#[test]
fn a_noop_filling_a_hole_raises_the_epoch_of_the_slots_after_it() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.propose(1, b"b");
    // Only node 2 hears of slot 2; nobody else of slot 1. Then node 1 dies.
    c.queue
        .retain(|(_, to, m)| *to == 2 && matches!(m, Msg::Accept { slot: 2, .. }));
    c.deliver_all();
    assert!(!c.commits.contains_key(&1), "slot 1 is not chosen");
    let acts = c.timer(2, Timer::Election);
    assert!(acts.contains(&send(
        3,
        Msg::Prepare {
            ballot: b(2, 2),
            first: 1
        }
    )));
    c.deliver_all_except(&[1]);
    assert_eq!(c.nodes[&2].status().role, Role::Leader);
    assert_eq!(
        c.durable[&2].accepted[&1],
        vote(b(2, 2), Entry::noop(2)),
        "the hole is filled with a no-op of the new round"
    );
    let expected = vec![(Zxid::new(2, 2), b"b".to_vec())];
    assert_eq!(c.commits[&2], expected);
    assert_eq!(c.commits[&3], expected);
    assert_eq!(c.nodes[&3].status().last_committed, Zxid::new(2, 2));
}
