//! The proposer (seed §4.4 steps 1, 3 and 5; Paxos Made Simple §2.2 P2c)
//! and the duel the seed warns of.

use super::harness::*;
use crate::contract::{Action, Core};
use crate::rng::SplitMix64;
use crate::types::Role;

#[test]
fn a_lone_proposer_decides_in_two_phases_and_every_learner_commits_slot_one() {
    let mut c = Cluster::new(3);
    let acts = c.propose(1, "x");
    // Its own acceptor promises before the prepare leaves.
    assert_eq!(
        acts[0],
        Action::Persist(Record::Promise {
            slot: 1,
            id: id(1, 1)
        })
    );
    assert_eq!(
        sends(&acts),
        vec![
            (
                2,
                Msg::Prepare {
                    slot: 1,
                    id: id(1, 1)
                }
            ),
            (
                3,
                Msg::Prepare {
                    slot: 1,
                    id: id(1, 1)
                }
            ),
        ]
    );
    c.deliver_all();
    for n in 1..=3 {
        assert_eq!(c.commands(n), vec![(1, "x".to_string())], "node {n}");
        assert_eq!(c.nodes[&n].status().role, Role::Peer);
        assert_eq!(c.nodes[&n].status().leader, None);
    }
    let s = c.nodes[&1].stats();
    assert_eq!((s.attempts, s.promises_won, s.preemptions), (1, 1, 0));
    assert!(c.nodes[&1].instance().is_none() && c.nodes[&1].pending().is_empty());
}

#[test]
fn the_proposer_adopts_the_value_of_the_highest_accepted_id_among_the_promises() {
    let mut c = Cluster::new(3);
    // Node 3 accepted "old" under 1.2 (node 2 got through phase 1, then
    // vanished after one accept reached node 3).
    c.on(3, |n, o| {
        n.on_message(
            2,
            Msg::Prepare {
                slot: 1,
                id: id(1, 2),
            },
            o,
        )
    });
    c.on(3, |n, o| {
        n.on_message(
            2,
            Msg::Accept {
                slot: 1,
                id: id(1, 2),
                value: cmd("old"),
            },
            o,
        )
    });
    c.queue.clear();
    c.propose(1, "new");
    c.deliver_all_except(&[2]);
    // Node 3 had promised 1.2: node 1 is pre-empted, and tries again above.
    assert_eq!(c.nodes[&1].stats().preemptions, 1);
    c.timer(1, Timer::Retry);
    c.deliver_all_except(&[2]);
    // Slot 1 decided "old"; "new" lost it and was proposed again in slot 2.
    assert_eq!(
        c.commands(1),
        vec![(1, "old".to_string()), (2, "new".to_string())]
    );
    assert_eq!(c.commands(3), c.commands(1));
}

#[test]
fn a_preempted_proposer_waits_a_seeded_backoff_then_prepares_with_a_higher_id() {
    let mut c = Cluster::new(3);
    c.propose(1, "x");
    c.queue.clear();
    // Node 2 pre-empts: its prepare reaches node 1's acceptors first.
    c.on(1, |n, o| {
        n.on_message(
            2,
            Msg::Nack {
                slot: 1,
                id: id(1, 1),
                promised: id(1, 2),
            },
            o,
        )
    });
    let core = &c.nodes[&1];
    assert_eq!(core.stats().preemptions, 1);
    let acts = c.on(1, |n, o| {
        n.on_message(
            2,
            Msg::Nack {
                slot: 1,
                id: id(1, 1),
                promised: id(1, 2),
            },
            o,
        )
    });
    assert!(
        acts.is_empty(),
        "a second refusal of the same attempt is not a second pre-emption"
    );
    let acts = c.timer(1, Timer::Retry);
    assert_eq!(
        acts[0],
        Action::Persist(Record::Promise {
            slot: 1,
            id: id(2, 1)
        })
    );
    assert_eq!(c.nodes[&1].stats().attempts, 2);
}

#[test]
fn with_backoff_the_pre_empted_proposer_sets_a_retry_timer_and_without_it_prepares_at_once() {
    for backoff in [true, false] {
        let mut c = Cluster::with_options(3, PaxosOptions { backoff, bug: None });
        c.propose(1, "x");
        let acts = c.on(1, |n, o| {
            n.on_message(
                2,
                Msg::Nack {
                    slot: 1,
                    id: id(1, 1),
                    promised: id(3, 2),
                },
                o,
            )
        });
        let timer = acts.iter().any(|a| {
            matches!(
                a,
                Action::SetTimer {
                    timer: Timer::Retry,
                    ..
                }
            )
        });
        let prepared = sends(&acts).contains(&(
            2,
            Msg::Prepare {
                slot: 1,
                id: id(4, 1),
            },
        ));
        assert_eq!((timer, prepared), (backoff, !backoff));
    }
}

/// The seed's defect: two proposers pre-empt each other, each getting
/// through phase 1 and having its accept refused, and nothing is chosen.
#[test]
fn without_backoff_two_proposers_can_duel_with_nothing_chosen() {
    let mut c = Cluster::with_options(
        3,
        PaxosOptions {
            backoff: false,
            bug: None,
        },
    );
    c.propose(1, "a");
    c.propose(3, "b");
    c.queue.clear();
    let deliver = |c: &mut Cluster, from, to, msg| {
        c.on(to, |n, o| n.on_message(from, msg, o));
    };
    for _ in 0..3 {
        let (i1, i3) = (
            c.nodes[&1].instance().unwrap().id,
            c.nodes[&3].instance().unwrap().id,
        );
        // 1 gets node 2's promise: through phase 1; accept goes out.
        deliver(&mut c, 1, 2, Msg::Prepare { slot: 1, id: i1 });
        let promise = c.queue.pop_back().unwrap().2;
        deliver(&mut c, 2, 1, promise);
        // 3 prepares at node 2 with a higher id before 1's accept arrives.
        let i3 = if i3 < i1 {
            c.on(3, |n, o| {
                n.on_message(
                    1,
                    Msg::Nack {
                        slot: 1,
                        id: i3,
                        promised: i1,
                    },
                    o,
                )
            });
            c.nodes[&3].instance().unwrap().id
        } else {
            i3
        };
        deliver(&mut c, 3, 2, Msg::Prepare { slot: 1, id: i3 });
        let promise = c.queue.pop_back().unwrap().2;
        deliver(&mut c, 2, 3, promise);
        // 1's accept is refused at node 2: pre-empted, it prepares at once.
        let accept = Msg::Accept {
            slot: 1,
            id: i1,
            value: cmd("a"),
        };
        deliver(&mut c, 1, 2, accept);
        let nack = c.queue.pop_back().unwrap().2;
        deliver(&mut c, 2, 1, nack);
        // 1's new prepare pre-empts 3 at node 2 in turn.
        let i1 = c.nodes[&1].instance().unwrap().id;
        deliver(&mut c, 1, 2, Msg::Prepare { slot: 1, id: i1 });
        c.queue.clear();
        let accept = Msg::Accept {
            slot: 1,
            id: i3,
            value: cmd("b"),
        };
        deliver(&mut c, 3, 2, accept);
        let nack = c.queue.pop_back().unwrap().2;
        deliver(&mut c, 2, 3, nack);
        c.queue.clear();
    }
    for n in [1, 3] {
        let s = c.nodes[&n].stats();
        assert!(s.promises_won >= 3 && s.preemptions >= 3, "node {n}: {s:?}");
    }
    assert!(c.nodes.values().all(|n| n.decided().is_empty()));
}

#[test]
fn commands_submitted_at_one_node_commit_in_submission_order() {
    let mut c = Cluster::new(3);
    for x in ["a", "b", "c"] {
        c.propose(2, x);
    }
    assert_eq!(c.nodes[&2].pending().len(), 3);
    c.deliver_all();
    // "a" went alone into slot 1; "b" and "c" waited and share slot 2.
    let expect: Vec<_> = [(1, "a"), (2, "b"), (2, "c")]
        .iter()
        .map(|(z, s)| (*z, s.to_string()))
        .collect();
    for n in 1..=3 {
        assert_eq!(c.commands(n), expect, "node {n}");
    }
}

/// Agreement and progress with several proposers and a random delivery
/// order (no loss): every command commits once, everywhere, in one order.
#[test]
fn concurrent_proposers_agree_under_any_delivery_order() {
    for seed in 0..200 {
        let mut rng = SplitMix64::new(seed);
        let mut c = Cluster::new(3 + 2 * (seed % 2));
        let mut proposed = 0;
        for round in 0..2000 {
            if round % 40 == 0 && proposed < 12 {
                let node = 1 + rng.between(0, c.n as u32 - 1) as u64;
                c.propose(node, &format!("c{proposed}"));
                proposed += 1;
            }
            if round % 7 == 0 {
                let node = 1 + rng.between(0, c.n as u32 - 1) as u64;
                let t = if round % 2 == 0 {
                    Timer::Tick
                } else {
                    Timer::Retry
                };
                c.timer(node, t);
            }
            if !c.queue.is_empty() {
                let i = rng.between(0, c.queue.len() as u32 - 1) as usize;
                let m = c.queue.remove(i).unwrap();
                c.queue.push_front(m);
                c.deliver_one();
            }
        }
        for _ in 0..20 {
            for n in 1..=c.n {
                c.timer(n, Timer::Tick);
                c.timer(n, Timer::Retry);
            }
            c.deliver_all();
        }
        let first = c.commands(1);
        let mut names: Vec<_> = first.iter().map(|(_, s)| s.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), proposed, "seed {seed}: {first:?}");
        for n in 2..=c.n {
            assert_eq!(c.commands(n), first, "seed {seed} node {n}");
        }
    }
}
