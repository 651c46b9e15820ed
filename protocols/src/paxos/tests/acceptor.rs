//! The acceptor's "two promises and one answer" (seed §4.4 step 2, Paxos
//! Made Simple §2.2 P1a), persisted before answering (PMS §2.5).

use super::harness::*;
use crate::contract::{Action, Core};

fn acceptor() -> Paxos {
    Cluster::new(3).nodes.remove(&2).expect("node 2")
}

#[test]
fn a_prepare_above_the_promise_is_promised_persisted_first_and_answered_with_the_accepted_proposal()
{
    let mut a = acceptor();
    let acts = step(&mut a, |c, o| {
        c.on_message(
            1,
            Msg::Prepare {
                slot: 1,
                id: id(1, 1),
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![
            Action::Persist(Record::Promise {
                slot: 1,
                id: id(1, 1)
            }),
            Action::Send {
                to: 1,
                msg: Msg::Promise {
                    slot: 1,
                    id: id(1, 1),
                    accepted: None
                }
            },
        ]
    );
    step(&mut a, |c, o| {
        c.on_message(
            1,
            Msg::Accept {
                slot: 1,
                id: id(1, 1),
                value: cmd("x"),
            },
            o,
        )
    });
    let acts = step(&mut a, |c, o| {
        c.on_message(
            3,
            Msg::Prepare {
                slot: 1,
                id: id(2, 3),
            },
            o,
        )
    });
    let accepted = Some(Accepted {
        id: id(1, 1),
        value: cmd("x"),
    });
    assert_eq!(
        sends(&acts),
        vec![(
            3,
            Msg::Promise {
                slot: 1,
                id: id(2, 3),
                accepted
            }
        )]
    );
}

#[test]
fn promise_one_no_prepare_with_a_lower_id_and_an_equal_id_gets_the_same_promise_again() {
    let mut a = acceptor();
    step(&mut a, |c, o| {
        c.on_message(
            3,
            Msg::Prepare {
                slot: 1,
                id: id(2, 3),
            },
            o,
        )
    });
    let acts = step(&mut a, |c, o| {
        c.on_message(
            1,
            Msg::Prepare {
                slot: 1,
                id: id(2, 1),
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![Action::Send {
            to: 1,
            msg: Msg::Nack {
                slot: 1,
                id: id(2, 1),
                promised: id(2, 3)
            }
        }]
    );
    // The same prepare delivered twice: no new promise, the same answer.
    let acts = step(&mut a, |c, o| {
        c.on_message(
            3,
            Msg::Prepare {
                slot: 1,
                id: id(2, 3),
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![Action::Send {
            to: 3,
            msg: Msg::Promise {
                slot: 1,
                id: id(2, 3),
                accepted: None
            }
        }]
    );
    // Promises are per slot.
    let acts = step(&mut a, |c, o| {
        c.on_message(
            1,
            Msg::Prepare {
                slot: 2,
                id: id(1, 1),
            },
            o,
        )
    });
    assert!(matches!(sends(&acts)[..], [(1, Msg::Promise { .. })]));
}

#[test]
fn promise_two_no_accept_below_the_promise_but_one_equal_to_it_is_accepted_and_persisted_first() {
    let mut a = acceptor();
    step(&mut a, |c, o| {
        c.on_message(
            3,
            Msg::Prepare {
                slot: 1,
                id: id(2, 3),
            },
            o,
        )
    });
    let acts = step(&mut a, |c, o| {
        c.on_message(
            1,
            Msg::Accept {
                slot: 1,
                id: id(1, 1),
                value: cmd("x"),
            },
            o,
        )
    });
    assert_eq!(
        sends(&acts),
        vec![(
            1,
            Msg::Nack {
                slot: 1,
                id: id(1, 1),
                promised: id(2, 3)
            }
        )]
    );
    let acts = step(&mut a, |c, o| {
        c.on_message(
            3,
            Msg::Accept {
                slot: 1,
                id: id(2, 3),
                value: cmd("y"),
            },
            o,
        )
    });
    assert_eq!(
        acts,
        vec![
            Action::Persist(Record::Accept {
                slot: 1,
                id: id(2, 3),
                value: cmd("y")
            }),
            Action::Send {
                to: 3,
                msg: Msg::Accepted {
                    slot: 1,
                    id: id(2, 3)
                }
            },
        ]
    );
    assert_eq!(a.durable().acceptors[&1].promised, id(2, 3));
}

#[test]
fn an_acceptor_that_knows_the_slot_decided_tells_a_late_proposer_the_value() {
    let mut a = acceptor();
    let values = [(1, cmd("x")), (2, cmd("y"))].into();
    step(&mut a, |c, o| c.on_message(1, Msg::Decided { values }, o));
    let acts = step(&mut a, |c, o| {
        c.on_message(
            3,
            Msg::Prepare {
                slot: 1,
                id: id(5, 3),
            },
            o,
        )
    });
    let values = [(1, cmd("x")), (2, cmd("y"))].into();
    assert_eq!(sends(&acts), vec![(3, Msg::Decided { values })]);
    assert_eq!(a.status().last_committed, crate::types::Zxid::new(2, 1));
}

#[test]
fn messages_from_non_members_and_from_itself_are_ignored() {
    let mut a = acceptor();
    assert!(
        step(&mut a, |c, o| c.on_message(
            9,
            Msg::Prepare {
                slot: 1,
                id: id(1, 9)
            },
            o
        ))
        .is_empty()
    );
    assert!(
        step(&mut a, |c, o| c.on_message(
            2,
            Msg::Prepare {
                slot: 1,
                id: id(1, 2)
            },
            o
        ))
        .is_empty()
    );
}
