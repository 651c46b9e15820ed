//! Broadcast (Zab phase 3): PROPOSE, ACK, COMMIT; forwarded writes.

use super::harness::*;
use crate::contract::{Action, Core, RejectReason};
use crate::types::Role;

#[test]
fn the_leader_logs_a_proposal_before_sending_it_and_commits_on_a_quorum_of_acks() {
    let mut c = ensemble_led_by(5, 5);
    let acts = c.propose(5, b"a");
    let propose = Msg::Propose {
        epoch: 1,
        zxid: z(1, 1),
        command: b"a".to_vec(),
    };
    let mut expected = vec![append(z(1, 1), "a")];
    expected.extend((1..=4).map(|p| send(p, propose.clone())));
    assert_eq!(acts, expected);
    c.queue.clear();
    let ack = Msg::Ack {
        epoch: 1,
        zxid: z(1, 1),
    };
    // The leader and one follower: two of five.
    assert_eq!(c.on(5, |l, o| l.on_message(1, ack.clone(), o)), vec![]);
    // Three of five: committed, in order, and every follower told.
    let acts = c.on(5, |l, o| l.on_message(2, ack.clone(), o));
    let mut expected = vec![commit(z(1, 1), "a")];
    expected.extend((1..=4).map(|p| {
        send(
            p,
            Msg::Commit {
                epoch: 1,
                zxid: z(1, 1),
            },
        )
    }));
    assert_eq!(acts, expected);
}

#[test]
fn an_ack_covers_every_earlier_proposal() {
    let mut c = ensemble_led_by_3();
    c.propose(3, b"a");
    c.propose(3, b"b");
    c.queue.clear();
    let acts = c.on(3, |l, o| {
        l.on_message(
            1,
            Msg::Ack {
                epoch: 1,
                zxid: z(1, 2),
            },
            o,
        )
    });
    assert_eq!(&acts[..2], &[commit(z(1, 1), "a"), commit(z(1, 2), "b")]);
}

#[test]
fn a_follower_acks_the_next_proposal_and_keeps_one_that_came_early() {
    let mut c = ensemble_led_by_3();
    let p = |n: u32, s: &str| Msg::Propose {
        epoch: 1,
        zxid: z(1, n),
        command: s.as_bytes().to_vec(),
    };
    // 1.2 overtook 1.1: kept, not acked.
    let acts = c.on(1, |f, o| f.on_message(3, p(2, "b"), o));
    assert_eq!(acts, vec![set(Timer::LeaderSilent, 5)]);
    // 1.1 fills the gap: both logged, one ACK covering both.
    let acts = c.on(1, |f, o| f.on_message(3, p(1, "a"), o));
    assert_eq!(
        acts,
        vec![
            set(Timer::LeaderSilent, 5),
            append(z(1, 1), "a"),
            append(z(1, 2), "b"),
            send(
                3,
                Msg::Ack {
                    epoch: 1,
                    zxid: z(1, 2)
                }
            ),
        ]
    );
    // A duplicate is acked with what we hold.
    let acts = c.on(1, |f, o| f.on_message(3, p(1, "a"), o));
    assert_eq!(
        acts,
        vec![
            set(Timer::LeaderSilent, 5),
            send(
                3,
                Msg::Ack {
                    epoch: 1,
                    zxid: z(1, 2)
                }
            ),
        ]
    );
}

#[test]
fn a_follower_forwards_writes_and_hands_them_back_abandoned_when_the_leader_is_lost() {
    let mut c = ensemble_led_by_3();
    let acts = c.propose(1, b"w");
    assert_eq!(
        acts,
        vec![
            set(Timer::Reforward, 10),
            send(
                3,
                Msg::Forward {
                    command: b"w".to_vec()
                }
            ),
        ]
    );
    c.queue.clear();
    let acts = c.timer(1, Timer::LeaderSilent);
    assert!(acts.contains(&Action::Rejected {
        command: b"w".to_vec(),
        reason: RejectReason::Abandoned,
    }));
    assert_eq!(c.role(1), Role::Looking);
}

#[test]
fn with_no_leader_writes_are_held_and_go_to_the_leader_once_it_broadcasts() {
    let mut c = Cluster::empty(3);
    c.start(1);
    assert_eq!(c.propose(1, b"h"), vec![]);
    assert_eq!(c.nodes[&1].pending().count(), 1);
    c.start(3);
    c.settle();
    c.start(2);
    c.settle();
    for id in 1..=3 {
        assert_eq!(c.commands(id), vec![b"h".to_vec()], "server {id}");
    }
    assert_eq!(c.nodes[&1].pending().count(), 0);
}

#[test]
fn a_leader_that_hears_from_no_quorum_for_sync_limit_looks_again() {
    let mut c = ensemble_led_by_3();
    c.queue.clear();
    // Acks arrived since the last check: still leading.
    let acts = c.timer(3, Timer::CheckQuorum);
    assert_eq!(acts, vec![set(Timer::CheckQuorum, 5)]);
    // Silence since: back to LOOKING.
    c.timer(3, Timer::CheckQuorum);
    assert_eq!(c.role(3), Role::Looking);
}
