//! Restarts from durable state, and the injected bug.

use super::harness::*;
use crate::contract::{Action, Core, Recovered};
use crate::multipaxos::{InjectedBug, Msg, MultiPaxos, Record, Timer};
use crate::types::{Role, Zxid};

/// PMS §2.3: an acceptor remembers its promise across a crash and never
/// promises or votes below it afterwards.
#[test]
fn restarted_acceptor_refuses_ballots_below_its_persisted_promise() {
    let mut c = Cluster::new(3);
    c.on(2, |core, o| {
        core.on_message(
            3,
            Msg::Prepare {
                ballot: b(2, 3),
                first: 1,
            },
            o,
        )
    });
    c.restart(2, 3);
    let nack = send(1, Msg::Nack { promised: b(2, 3) });
    let acts = c.on(2, |core, o| {
        core.on_message(
            1,
            Msg::Prepare {
                ballot: b(1, 1),
                first: 1,
            },
            o,
        )
    });
    assert_eq!(acts, vec![nack.clone()]);
    let acts = c.on(2, |core, o| {
        core.on_message(
            1,
            Msg::Accept {
                ballot: b(1, 1),
                slot: 1,
                entry: cmd(1, "a"),
            },
            o,
        )
    });
    assert_eq!(acts, vec![nack]);
}

/// The host's state machine already holds everything up to `applied`: a
/// restarted node forgets its votes up to there (they may be stale if the
/// host installed a snapshot just before the crash) and arms its election
/// timer.
#[test]
fn restart_compacts_up_to_what_the_host_applied() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.deliver_all();
    let acts = c.restart(3, 3);
    let after = c.nodes[&3].election_after;
    assert_eq!(
        acts,
        vec![
            Action::Persist(Record::Compact(Zxid::new(1, 1))),
            set(Timer::Election, after),
        ]
    );
    assert_eq!(c.nodes[&3].status().last_committed, Zxid::new(1, 1));
}

/// Recovered::applied: a restarted node never commits again at or below
/// what its host applied, and goes on committing after it.
#[test]
fn restarted_node_never_recommits_at_or_below_applied() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.propose(1, b"b");
    c.deliver_all();
    c.restart(3, 3);
    c.timer(1, Timer::Heartbeat);
    c.propose(1, b"c");
    c.deliver_all();
    let commits = &c.commits[&3];
    assert_eq!(
        commits,
        &vec![
            (Zxid::new(1, 1), b"a".to_vec()),
            (Zxid::new(1, 2), b"b".to_vec()),
            (Zxid::new(1, 3), b"c".to_vec()),
        ]
    );
}

/// A whole cluster restarted from durable state elects a leader that
/// completes the slot the old leader left in flight.
#[test]
fn after_a_full_restart_the_new_leader_completes_the_in_flight_slot() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    // Node 2 votes for slot 1; its answer is lost, so nothing is chosen.
    c.queue
        .retain(|(_, to, m)| *to == 2 && matches!(m, Msg::Accept { .. }));
    c.deliver_one_and_drop_answers();
    for id in 1..=3 {
        c.restart(id, 3);
    }
    c.timer(3, Timer::Election);
    c.deliver_all();
    assert_eq!(c.nodes[&3].status().role, Role::Leader);
    c.timer(3, Timer::Heartbeat);
    c.deliver_all();
    for id in 1..=3 {
        assert_eq!(c.commands(id), vec![b"a".to_vec()], "node {id}");
    }
}

/// The injected bug makes the acceptor vote below its promise, and being
/// part of the core (set by the constructor) it survives a restart.
#[test]
fn injected_bug_votes_below_the_promise_even_after_restart() {
    let mut out = Ob::new();
    let bug = Some(InjectedBug::AcceptBelowPromise);
    let mut n2 = MultiPaxos::new_with_bug(2, config(3), Recovered::fresh(), bug, &mut out);
    let mut durable = Default::default();
    for core_round in 0..2 {
        step(&mut n2, |core, o| {
            core.on_message(
                3,
                Msg::Prepare {
                    ballot: b(5, 3),
                    first: 1,
                },
                o,
            )
        });
        let acts = step(&mut n2, |core, o| {
            core.on_message(
                1,
                Msg::Accept {
                    ballot: b(1, 1),
                    slot: 1,
                    entry: cmd(1, "a"),
                },
                o,
            )
        });
        assert!(
            acts.contains(&send(
                1,
                Msg::Accepted {
                    ballot: b(1, 1),
                    slot: 1
                }
            )),
            "round {core_round}: {acts:?}"
        );
        durable = n2.durable().clone();
        n2 = MultiPaxos::new_with_bug(
            2,
            config(3),
            Recovered {
                durable: durable.clone(),
                applied: Zxid::ZERO,
            },
            bug,
            &mut out,
        );
    }
    assert_eq!(durable.promised, b(5, 3));
}

/// Why the promise check matters (PMS P1a): node 3 promised ballot 2.2 and
/// told node 2 it had no vote; with the bug it then votes for the old
/// leader's stale accept, and two different values are chosen for slot 1.
/// Without the bug the same schedule ends in a Nack.
#[test]
fn injected_bug_lets_two_values_be_chosen_for_one_slot() {
    for bug in [None, Some(InjectedBug::AcceptBelowPromise)] {
        let mut c = Cluster::new(3);
        for id in 1..=3 {
            let mut out = Ob::new();
            let core = MultiPaxos::new_with_bug(id, config(3), Recovered::fresh(), bug, &mut out);
            c.nodes.insert(id, core);
        }
        c.timer(1, Timer::Election);
        c.deliver_all();
        c.propose(1, b"v");
        // The old leader's accept to node 3 is delayed; the rest is lost.
        let stale: Vec<_> = c.queue.drain(..).filter(|(_, to, _)| *to == 3).collect();
        c.timer(2, Timer::Election);
        c.queue.retain(|(_, to, _)| *to == 3);
        c.deliver_all_except(&[1]);
        c.propose(2, b"w");
        c.deliver_all_except(&[1]);
        assert_eq!(c.commands(2), vec![b"w".to_vec()]);
        c.queue.extend(stale);
        c.deliver_all();
        let node1 = c.commands(1);
        match bug {
            None => assert!(node1.is_empty() || node1 == [b"w".to_vec()], "{node1:?}"),
            Some(_) => assert_eq!(node1, vec![b"v".to_vec()], "slot 1 chosen twice"),
        }
    }
}
