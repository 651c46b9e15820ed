//! Restart, catch-up, compaction, snapshots and stalled slots.

use super::harness::*;
use crate::contract::{Action, Core};
use crate::types::Zxid;

#[test]
fn a_restarted_node_commits_its_decided_slots_again_and_never_reuses_a_proposal_id() {
    let mut c = Cluster::new(3);
    c.propose(1, "x");
    c.deliver_all();
    c.restart(1, false);
    assert_eq!(c.commands(1), vec![(1, "x".to_string())]);
    // A prepare sent before the crash, in slot 2, whose id must not repeat.
    c.propose(1, "y");
    let first = c.nodes[&1].instance().unwrap().id;
    c.queue.clear();
    c.restart(1, true);
    c.propose(1, "y");
    assert!(c.nodes[&1].instance().unwrap().id > first);
    c.deliver_all();
    assert_eq!(
        c.commands(2),
        vec![(1, "x".to_string()), (2, "y".to_string())]
    );
}

#[test]
fn a_node_that_missed_the_decisions_catches_up_from_its_peers_progress() {
    let mut c = Cluster::new(3);
    for x in ["a", "b"] {
        c.propose(1, x);
        c.deliver_all_except(&[3]);
    }
    assert!(c.commands(3).is_empty());
    // Node 3 saw nothing of slots 1 and 2: it asks at its next resync.
    c.timer(3, Timer::Tick);
    assert!(c.queue.is_empty());
    c.timer(3, Timer::Resync);
    c.deliver_all();
    assert_eq!(c.commands(3), c.commands(1));
    assert_eq!(c.commands(3).len(), 2);
}

#[test]
fn past_the_compaction_point_a_lagging_node_is_sent_a_snapshot_and_continues_after_it() {
    let mut c = Cluster::new(3);
    for x in ["a", "b"] {
        c.propose(1, x);
        c.deliver_all_except(&[3]);
    }
    let upto = Zxid::new(2, 1);
    c.on(1, |n, o| n.compact(upto, o));
    // Slot 1 is forgotten; slot 2, the compaction point's, is kept (a
    // snapshot may end part-way through a slot's batch).
    assert_eq!(c.nodes[&1].decided().keys().collect::<Vec<_>>(), [&2]);
    assert!(!c.nodes[&1].durable().acceptors.contains_key(&1));
    c.timer(3, Timer::Resync);
    c.deliver_all_except(&[2]);
    assert_eq!(c.snapshots_asked, vec![(1, 3)]);
    // Once per resync period of the sender.
    c.timer(3, Timer::Resync);
    c.deliver_all_except(&[2]);
    assert_eq!(c.snapshots_asked.len(), 1);
    c.on(3, |n, o| n.snapshot_installed(upto, o));
    assert_eq!(c.nodes[&3].status().last_committed, upto);
    c.propose(3, "c");
    c.deliver_all();
    assert_eq!(c.commands(1).last(), Some(&(3, "c".to_string())));
}

#[test]
fn installing_a_snapshot_hands_back_the_command_being_proposed() {
    let mut c = Cluster::new(3);
    c.propose(3, "a");
    c.propose(3, "b");
    c.queue.clear();
    let acts = c.on(3, |n, o| n.snapshot_installed(Zxid::new(5, 1), o));
    assert!(
        acts.iter()
            .any(|a| matches!(a, Action::Rejected { command, .. } if command == b"a"))
    );
    // "b" is proposed next, in the snapshot's last slot (whose value node 3
    // does not know: its acceptors will say it is decided).
    assert_eq!(c.nodes[&3].instance().map(|i| i.slot), Some(5));
    assert_eq!(c.nodes[&3].pending(), [b"b".to_vec()]);
}

#[test]
fn a_slot_whose_proposer_vanished_is_filled_so_later_slots_commit() {
    let mut c = Cluster::new(3);
    // Node 1 gets "lost" accepted at node 2 only in slot 1, then crashes.
    c.on(2, |n, o| {
        n.on_message(
            1,
            Msg::Prepare {
                slot: 1,
                id: id(1, 1),
            },
            o,
        )
    });
    c.on(2, |n, o| {
        n.on_message(
            1,
            Msg::Accept {
                slot: 1,
                id: id(1, 1),
                value: cmd("lost"),
            },
            o,
        )
    });
    c.queue.clear();
    // Node 2 learns that slot 2 was decided (by some other proposer).
    c.on(2, |n, o| {
        n.on_message(
            3,
            Msg::Decided {
                values: [(2, cmd("later"))].into(),
            },
            o,
        )
    });
    assert!(c.commands(2).is_empty());
    // One resync notices the stall, the next fills it.
    c.timer(2, Timer::Resync);
    c.deliver_all_except(&[1]);
    assert!(c.commands(2).is_empty());
    c.timer(2, Timer::Resync);
    c.deliver_all_except(&[1]);
    assert_eq!(
        c.commands(2),
        vec![(1, "lost".to_string()), (2, "later".to_string())]
    );
}
