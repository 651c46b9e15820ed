//! Phase 1, leader election and pre-emption.

use std::collections::BTreeMap;

use super::harness::*;
use crate::contract::{Action, Core};
use crate::multipaxos::{Entry, Msg, MultiPaxos, Timer};
use crate::types::{Role, Zxid};

/// PMS §3: the new leader runs phase 1 once, with one message covering
/// every slot from the first it does not know to be chosen.
#[test]
fn campaign_promises_itself_then_sends_one_prepare_per_peer() {
    let (mut n1, _) = fresh(1, 3);
    let acts = step(&mut n1, |c, o| c.on_timer(Timer::Election, o));
    let prepare = Msg::Prepare {
        ballot: b(1, 1),
        first: 1,
    };
    assert_eq!(
        acts,
        vec![
            persist_promise(b(1, 1)),
            set(Timer::Election, n1.election_after),
            status(Role::Looking, None, 1, Zxid::ZERO),
            send(2, prepare.clone()),
            send(3, prepare),
        ]
    );
}

/// PMS P2c / PMMC pmax: the leader re-proposes, per slot, the entry of the
/// highest ballot any promiser voted for (keeping that entry's epoch), and
/// fills the holes below the last voted slot with no-ops of its own round.
#[test]
fn new_leader_reproposes_highest_ballot_votes_and_fills_holes_with_noops() {
    let (mut n1, _) = fresh(1, 3);
    step(&mut n1, |c, o| c.on_timer(Timer::Election, o));
    let (old, older) = (cmd(1, "old"), cmd(1, "older"));
    let votes = BTreeMap::from([(2, vote(b(1, 3), older)), (3, vote(b(1, 2), old.clone()))]);
    let acts = step(&mut n1, |c, o| {
        c.on_message(
            2,
            Msg::Promise {
                ballot: b(1, 1),
                votes,
                compacted: Zxid::ZERO,
            },
            o,
        )
    });
    let ballot = b(1, 1);
    let accept = |slot, entry: Entry| Msg::Accept {
        ballot,
        slot,
        entry,
    };
    let older = cmd(1, "older");
    assert_eq!(
        acts,
        vec![
            Action::CancelTimer(Timer::Election),
            set(Timer::Heartbeat, 1),
            set(Timer::CheckQuorum, 5),
            status(Role::Leader, Some(1), 1, Zxid::ZERO),
            persist_vote(1, ballot, Entry::noop(1)),
            send(2, accept(1, Entry::noop(1))),
            send(3, accept(1, Entry::noop(1))),
            persist_vote(2, ballot, older.clone()),
            send(2, accept(2, older.clone())),
            send(3, accept(2, older)),
            persist_vote(3, ballot, old.clone()),
            send(2, accept(3, old.clone())),
            send(3, accept(3, old)),
            send(2, Msg::Chosen { ballot, upto: 0 }),
            send(3, Msg::Chosen { ballot, upto: 0 }),
        ]
    );
}

/// PMS P2c: of two votes for one slot, the higher ballot's entry wins,
/// whichever promiser (the candidate itself included) reported it.
#[test]
fn of_conflicting_votes_the_highest_ballot_is_reproposed() {
    for (own, peers, winner) in [(b(1, 2), b(1, 3), "peer"), (b(1, 3), b(1, 2), "own")] {
        let (mut n1, _) = fresh(1, 3);
        n1.durable.promised = b(1, 3);
        n1.durable.accepted.insert(1, vote(own, cmd(1, "own")));
        step(&mut n1, |c, o| c.on_timer(Timer::Election, o));
        let acts = step(&mut n1, |c, o| {
            c.on_message(
                2,
                Msg::Promise {
                    ballot: b(2, 1),
                    votes: BTreeMap::from([(1, vote(peers, cmd(1, "peer")))]),
                    compacted: Zxid::ZERO,
                },
                o,
            )
        });
        assert!(
            acts.contains(&persist_vote(1, b(2, 1), cmd(1, winner))),
            "{acts:?}"
        );
        assert_eq!(
            acts.iter()
                .filter(|a| matches!(a, Action::Persist(_)))
                .count(),
            1
        );
    }
}

/// PMS P1a: an acceptor promises no ballot below one it promised; it says
/// so with the higher promise (PMMC's preempted).
#[test]
fn acceptor_nacks_prepare_below_its_promise() {
    let (mut n2, _) = fresh(2, 3);
    step(&mut n2, |c, o| {
        c.on_message(
            3,
            Msg::Prepare {
                ballot: b(2, 3),
                first: 1,
            },
            o,
        )
    });
    let acts = step(&mut n2, |c, o| {
        c.on_message(
            1,
            Msg::Prepare {
                ballot: b(2, 1),
                first: 1,
            },
            o,
        )
    });
    assert_eq!(acts, vec![send(1, Msg::Nack { promised: b(2, 3) })]);
}

/// PMS §2.3: the promise is durable before the candidate hears of it.
#[test]
fn acceptor_persists_its_promise_before_sending_it() {
    let (mut n2, _) = fresh(2, 3);
    let acts = step(&mut n2, |c, o| {
        c.on_message(
            1,
            Msg::Prepare {
                ballot: b(1, 1),
                first: 1,
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![
            persist_promise(b(1, 1)),
            set(Timer::Election, n2.election_after),
            send(
                1,
                Msg::Promise {
                    ballot: b(1, 1),
                    votes: BTreeMap::new(),
                    compacted: Zxid::ZERO,
                }
            ),
        ]
    );
}

/// PMMC: a leader pre-empted by a higher ballot stops leading.
#[test]
fn leader_steps_down_on_nack_with_higher_ballot() {
    let mut c = cluster_with_leader_1();
    let acts = c.on(1, |core, o| {
        core.on_message(2, Msg::Nack { promised: b(3, 3) }, o)
    });
    let after = c.nodes[&1].election_after;
    assert_eq!(
        acts,
        vec![
            persist_promise(b(3, 3)),
            Action::CancelTimer(Timer::Heartbeat),
            Action::CancelTimer(Timer::CheckQuorum),
            set(Timer::Election, after),
            status(Role::Looking, None, 3, Zxid::ZERO),
        ]
    );
}

/// PMMC: a higher `Prepare` pre-empts the leader, which promises it.
#[test]
fn leader_promises_a_higher_prepare_and_steps_down() {
    let mut c = cluster_with_leader_1();
    let acts = c.on(1, |core, o| {
        core.on_message(
            3,
            Msg::Prepare {
                ballot: b(2, 3),
                first: 1,
            },
            o,
        )
    });
    let after = c.nodes[&1].election_after;
    assert_eq!(
        acts,
        vec![
            persist_promise(b(2, 3)),
            Action::CancelTimer(Timer::Heartbeat),
            Action::CancelTimer(Timer::CheckQuorum),
            set(Timer::Election, after),
            status(Role::Looking, None, 2, Zxid::ZERO),
            send(
                3,
                Msg::Promise {
                    ballot: b(2, 3),
                    votes: BTreeMap::new(),
                    compacted: Zxid::ZERO,
                }
            ),
        ]
    );
}

/// A candidate that learns a promiser compacted slots it does not know
/// cannot re-propose them: it steps down and fetches them.
#[test]
fn candidate_behind_a_promisers_compaction_steps_down_and_asks_for_a_snapshot() {
    let (mut n1, _) = fresh(1, 3);
    step(&mut n1, |c, o| c.on_timer(Timer::Election, o));
    let acts = step(&mut n1, |c, o| {
        c.on_message(
            2,
            Msg::Promise {
                ballot: b(1, 1),
                votes: BTreeMap::new(),
                compacted: Zxid::new(1, 4),
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![
            set(Timer::Election, n1.election_after),
            status(Role::Looking, None, 1, Zxid::ZERO),
            send(
                2,
                Msg::Behind {
                    ballot: b(1, 1),
                    upto: 0
                }
            ),
        ]
    );
    // The promiser answers with a snapshot request to its host.
    let mut n2 = fresh(2, 3).0;
    n2.committed = Zxid::new(1, 4);
    n2.durable.compacted = Zxid::new(1, 4);
    let acts = step(&mut n2, |c, o| {
        c.on_message(
            1,
            Msg::Behind {
                ballot: b(1, 1),
                upto: 0,
            },
            o,
        )
    });
    assert_eq!(acts, vec![Action::SendSnapshot { to: 1 }]);
}

/// Check-quorum: a leader that heard from no quorum since the last check
/// steps down; one that did stays and re-arms the check.
#[test]
fn leader_without_a_quorum_since_the_last_check_steps_down() {
    let mut c = cluster_with_leader_1();
    // The election's own answers count: node 1 heard from 2 and 3.
    let acts = c.timer(1, Timer::CheckQuorum);
    assert_eq!(acts, vec![set(Timer::CheckQuorum, 5)]);
    let acts = c.timer(1, Timer::CheckQuorum);
    let after = c.nodes[&1].election_after;
    assert_eq!(
        acts,
        vec![
            Action::CancelTimer(Timer::Heartbeat),
            Action::CancelTimer(Timer::CheckQuorum),
            set(Timer::Election, after),
            status(Role::Looking, None, 1, Zxid::ZERO),
        ]
    );
}

/// Election timeouts are `sync_limit` plus seeded per-node jitter: they
/// replay exactly for one seed and differ between nodes.
#[test]
fn election_jitter_is_seeded_per_node() {
    let timeouts = |seed| {
        (1..=5)
            .map(|id| {
                let mut config = config(5);
                config.seed = seed;
                let mut out = Ob::new();
                MultiPaxos::new(id, config, crate::contract::Recovered::fresh(), &mut out)
                    .election_after
            })
            .collect::<Vec<_>>()
    };
    let a = timeouts(7);
    assert_eq!(a, timeouts(7));
    assert!(a.iter().all(|t| (5..=10).contains(t)));
    let distinct: std::collections::BTreeSet<_> = a.iter().collect();
    assert!(distinct.len() > 1, "{a:?}");
}

/// A single-node ensemble is its own quorum: it leads at once.
#[test]
fn single_node_leads_and_commits_alone() {
    let (mut n1, _) = fresh(1, 1);
    step(&mut n1, |c, o| c.on_timer(Timer::Election, o));
    assert_eq!(n1.status().role, Role::Leader);
    let acts = step(&mut n1, |c, o| c.propose(b"x".to_vec(), o));
    assert_eq!(
        acts,
        vec![
            persist_vote(1, b(1, 1), cmd(1, "x")),
            commit(Zxid::new(1, 1), "x"),
        ]
    );
}
