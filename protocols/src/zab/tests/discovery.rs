//! Discovery (Zab phase 1): CEPOCH, NEWEPOCH, ACKEPOCH.

use std::collections::BTreeMap;

use super::harness::*;
use crate::contract::{Core, Recovered};
use crate::types::Role;

/// Server 3 of 3 with `durable`, made LEADING by server 1's vote.
fn leader_3(durable: ZabDurable) -> Zab {
    let mut out = Ob::new();
    let mut core = Zab::new(
        3,
        config(3),
        Recovered {
            durable,
            applied: z(0, 0),
        },
        &mut out,
    );
    let vote = core.vote();
    step(&mut core, |c, o| {
        c.on_message(1, note(vote, 1, PeerState::Looking), o)
    });
    assert_eq!(core.status().role, Role::Leader);
    core
}

/// Server 1 of 3 with `durable`, made FOLLOWING 3 by 3's vote.
fn follower_1(durable: ZabDurable) -> Zab {
    let mut out = Ob::new();
    let mut core = Zab::new(
        1,
        config(3),
        Recovered {
            durable,
            applied: z(0, 0),
        },
        &mut out,
    );
    step(&mut core, |c, o| {
        c.on_message(3, note(v(9, z(9, 9), 3), 1, PeerState::Looking), o)
    });
    assert_eq!(core.status().leader, Some(3));
    core
}

#[test]
fn the_new_epoch_is_above_every_epoch_a_quorum_accepted() {
    let mut leader = leader_3(ZabDurable {
        accepted_epoch: 2,
        ..Default::default()
    });
    let acts = step(&mut leader, |c, o| {
        c.on_message(1, Msg::CEpoch { accepted_epoch: 4 }, o)
    });
    assert_eq!(
        acts,
        vec![
            persist(Record::AcceptedEpoch(5)),
            send(1, Msg::NewEpoch { epoch: 5 }),
        ]
    );
}

#[test]
fn a_follower_accepts_a_higher_epoch_durably_before_acking_it() {
    let mut f = follower_1(ZabDurable {
        accepted_epoch: 1,
        current_epoch: 1,
        history: entries(&[(z(1, 1), "a")]),
        compacted: z(0, 0),
    });
    let acts = step(&mut f, |c, o| {
        c.on_message(3, Msg::NewEpoch { epoch: 2 }, o)
    });
    assert_eq!(
        acts,
        vec![
            persist(Record::AcceptedEpoch(2)),
            send(
                3,
                Msg::AckEpoch {
                    epoch: 2,
                    current_epoch: 1,
                    last: z(1, 1),
                    fresh: true
                }
            ),
            set(Timer::Resend, 2),
        ]
    );
}

#[test]
fn an_epoch_already_accepted_is_acked_without_counting() {
    let mut f = follower_1(ZabDurable {
        accepted_epoch: 2,
        ..Default::default()
    });
    let acts = step(&mut f, |c, o| {
        c.on_message(3, Msg::NewEpoch { epoch: 2 }, o)
    });
    assert_eq!(
        acts,
        vec![
            send(
                3,
                Msg::AckEpoch {
                    epoch: 2,
                    current_epoch: 0,
                    last: z(0, 0),
                    fresh: false
                }
            ),
            set(Timer::Resend, 2),
        ]
    );
}

#[test]
fn a_lower_epoch_sends_the_follower_back_to_looking() {
    let mut f = follower_1(ZabDurable {
        accepted_epoch: 3,
        ..Default::default()
    });
    step(&mut f, |c, o| {
        c.on_message(3, Msg::NewEpoch { epoch: 2 }, o)
    });
    assert_eq!(f.status().role, Role::Looking);
    assert_eq!(f.durable().accepted_epoch, 3);
}

#[test]
fn the_injected_bug_accepts_a_lower_epoch() {
    let mut out = Ob::new();
    let durable = ZabDurable {
        accepted_epoch: 3,
        ..Default::default()
    };
    let mut f = Zab::new_with_bug(
        1,
        config(3),
        Recovered {
            durable,
            applied: z(0, 0),
        },
        Some(super::super::InjectedBug::AcceptStaleEpoch),
        &mut out,
    );
    step(&mut f, |c, o| {
        c.on_message(3, note(v(9, z(9, 9), 3), 1, PeerState::Looking), o)
    });
    step(&mut f, |c, o| {
        c.on_message(3, Msg::NewEpoch { epoch: 2 }, o)
    });
    assert_eq!(f.status().role, Role::Follower);
    assert_eq!(f.durable().accepted_epoch, 2);
}

#[test]
fn a_quorum_of_epoch_acks_establishes_the_epoch_and_starts_synchronization() {
    let mut leader = leader_3(ZabDurable::default());
    step(&mut leader, |c, o| {
        c.on_message(1, Msg::CEpoch { accepted_epoch: 0 }, o)
    });
    let acts = step(&mut leader, |c, o| {
        let ack = Msg::AckEpoch {
            epoch: 1,
            current_epoch: 0,
            last: z(0, 0),
            fresh: true,
        };
        c.on_message(1, ack, o)
    });
    assert_eq!(
        acts,
        vec![
            persist(Record::CurrentEpoch(1)),
            status(Role::Leader, Some(3), 1, z(0, 0)),
            send(
                1,
                Msg::NewLeader {
                    epoch: 1,
                    sync: Sync::Diff {
                        base: z(0, 0),
                        entries: BTreeMap::new()
                    },
                    last: z(0, 0),
                    committed: z(0, 0),
                }
            ),
        ]
    );
}

#[test]
fn a_leader_gives_up_when_a_follower_is_ahead_of_it() {
    // "Follower is ahead of the leader": it may hold committed proposals
    // the leader lacks.
    let mut leader = leader_3(ZabDurable::default());
    step(&mut leader, |c, o| {
        c.on_message(1, Msg::CEpoch { accepted_epoch: 1 }, o)
    });
    step(&mut leader, |c, o| {
        let ack = Msg::AckEpoch {
            epoch: 2,
            current_epoch: 1,
            last: z(1, 3),
            fresh: true,
        };
        c.on_message(1, ack, o)
    });
    assert_eq!(leader.status().role, Role::Looking);
    assert_eq!(leader.durable().current_epoch, 0);
}

#[test]
fn a_leader_steps_down_for_a_learner_that_promised_a_later_epoch() {
    // The learner will refuse our epoch forever; only a new discovery can
    // pick an epoch above its promise.
    let mut c = ensemble_led_by_3();
    c.on(3, |l, o| {
        l.on_message(1, Msg::CEpoch { accepted_epoch: 2 }, o)
    });
    assert_eq!(c.role(3), Role::Looking);
    // A late copy of an old CEPOCH from an active follower changes nothing.
    let mut c = ensemble_led_by_3();
    let acts = c.on(3, |l, o| {
        l.on_message(1, Msg::CEpoch { accepted_epoch: 0 }, o)
    });
    assert_eq!(acts, vec![]);
    assert_eq!(c.role(3), Role::Leader);
}
