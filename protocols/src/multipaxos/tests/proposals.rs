//! What non-leaders do with proposals: forward, hold, re-forward, reject.

use super::harness::*;
use crate::contract::{Action, Core, RejectReason};
use crate::multipaxos::{MAX_PENDING, Msg, Timer};
use crate::types::Role;

fn forward(c: &str) -> Msg {
    Msg::Forward {
        command: c.as_bytes().to_vec(),
    }
}

/// A follower hands a proposal to the leader it knows, and keeps it until
/// it sees it committed.
#[test]
fn follower_forwards_a_proposal_to_its_leader_and_keeps_it_until_committed() {
    let mut c = cluster_with_leader_1();
    let acts = c.propose(2, b"a");
    assert_eq!(acts, vec![send(1, forward("a")), set(Timer::Reforward, 10)]);
    // The retry timer runs from the oldest waiting proposal: a steady
    // stream of proposals does not postpone it.
    let acts = c.propose(2, b"b");
    assert_eq!(acts, vec![send(1, forward("b"))]);
    assert_eq!(c.nodes[&2].pending(), [b"a".to_vec(), b"b".to_vec()]);
    c.deliver_all();
    assert_eq!(c.commands(2), vec![b"a".to_vec(), b"b".to_vec()]);
    assert!(c.nodes[&2].pending().is_empty());
}

/// With no leader known, a proposal is held, and forwarded as soon as a
/// leader appears.
#[test]
fn looking_node_holds_proposals_until_a_leader_appears() {
    let mut c = Cluster::new(3);
    let acts = c.propose(2, b"a");
    assert_eq!(acts, vec![]);
    c.timer(1, Timer::Election);
    c.deliver_one(); // Prepare to 2
    let acts = c.deliver_all_steps_at(2);
    assert!(acts.contains(&send(1, forward("a"))), "{acts:?}");
    c.deliver_all();
    for id in 1..=3 {
        assert_eq!(c.commands(id), vec![b"a".to_vec()]);
    }
}

/// After a leader change, a follower forwards again what it has not seen
/// committed; the Reforward timer covers a lost `Forward`.
#[test]
fn proposals_not_yet_committed_are_forwarded_again_to_a_new_leader() {
    let mut c = cluster_with_leader_1();
    c.propose(3, b"a");
    c.queue.clear(); // the forward to node 1 is lost, and node 1 dies
    let acts = c.timer(3, Timer::Reforward);
    assert_eq!(acts, vec![send(1, forward("a")), set(Timer::Reforward, 10)]);
    c.queue.clear();
    c.timer(2, Timer::Election);
    c.deliver_all_except(&[1]);
    assert_eq!(c.nodes[&2].status().role, Role::Leader);
    assert_eq!(c.commands(3), vec![b"a".to_vec()]);
    assert_eq!(c.commands(2), vec![b"a".to_vec()]);
}

/// A leader that steps down keeps its own proposals not yet committed and
/// forwards them to the next leader.
#[test]
fn a_deposed_leader_forwards_its_uncommitted_proposals_to_the_next_one() {
    let mut c = cluster_with_leader_1();
    c.propose(1, b"a");
    c.queue.clear();
    // Node 2 is elected by {2, 3}, which never saw "a".
    c.timer(2, Timer::Election);
    c.deliver_all_except(&[1]);
    assert_eq!(c.nodes[&2].status().role, Role::Leader);
    let acts = c.on(1, |core, o| {
        core.on_message(
            2,
            Msg::Chosen {
                ballot: b(2, 2),
                upto: 0,
            },
            o,
        )
    });
    assert!(acts.contains(&send(2, forward("a"))), "{acts:?}");
    c.deliver_all();
    for id in 1..=3 {
        assert_eq!(c.commands(id), vec![b"a".to_vec()], "node {id}");
    }
    assert!(c.nodes[&1].pending().is_empty());
}

/// Contract rule 5: past the bound, a proposal is handed back, not dropped.
#[test]
fn proposals_past_the_bound_are_rejected_not_dropped() {
    let (mut n2, _) = fresh(2, 3);
    for i in 0..MAX_PENDING {
        let acts = step(&mut n2, |c, o| c.propose(i.to_be_bytes().to_vec(), o));
        assert_eq!(acts, vec![]);
    }
    let acts = step(&mut n2, |c, o| c.propose(b"one too many".to_vec(), o));
    assert_eq!(
        acts,
        vec![Action::Rejected {
            command: b"one too many".to_vec(),
            reason: RejectReason::NotLeader { leader: None },
        }]
    );
}
