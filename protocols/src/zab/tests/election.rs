//! Fast leader election, FLE's rules one by one.

use super::harness::*;
use crate::contract::{Core, Recovered};
use crate::types::Role;

fn fresh(id: u64, n: u64) -> (Zab, Vec<Act>) {
    let mut out = Ob::new();
    let core = Zab::new(id, config(n), Recovered::fresh(), &mut out);
    (core, out.take())
}

#[test]
fn votes_compare_epoch_first_then_zxid_then_server_id() {
    // FLE's totalOrderPredicate.
    assert!(v(1, z(0, 0), 1) > v(0, z(9, 9), 9));
    assert!(v(1, z(1, 2), 1) > v(1, z(1, 1), 9));
    assert!(v(1, z(1, 1), 3) > v(1, z(1, 1), 2));
}

#[test]
fn a_starting_server_is_looking_and_votes_for_itself_to_every_peer() {
    let (core, acts) = fresh(2, 3);
    let mine = note(v(0, z(0, 0), 2), 1, PeerState::Looking);
    assert_eq!(
        acts,
        vec![
            status(Role::Looking, None, 0, z(0, 0)),
            send(1, mine.clone()),
            send(3, mine),
            set(Timer::Notify, core.notify_after),
        ]
    );
    // The re-send interval has seeded jitter: 2..=4 heartbeats' worth.
    assert!((2..=4).contains(&core.notify_after));
}

#[test]
fn a_better_vote_is_adopted_and_sent_to_every_peer_again() {
    let (mut core, _) = fresh(1, 5);
    let better = v(0, z(0, 0), 4);
    let acts = step(&mut core, |c, o| {
        c.on_message(4, note(better, 1, PeerState::Looking), o)
    });
    let again = note(better, 1, PeerState::Looking);
    assert_eq!(
        acts,
        (2..=5).map(|p| send(p, again.clone())).collect::<Vec<_>>()
    );
    // Two votes of five: not settled.
    assert_eq!(core.status().role, Role::Looking);
}

#[test]
fn a_worse_vote_is_only_tallied() {
    let (mut core, _) = fresh(3, 5);
    let acts = step(&mut core, |c, o| {
        c.on_message(1, note(v(0, z(0, 0), 1), 1, PeerState::Looking), o)
    });
    assert_eq!(acts, vec![]);
    assert_eq!(core.vote().leader, 3);
}

#[test]
fn a_vote_from_an_older_round_is_answered_with_ours() {
    let (mut core, _) = fresh(3, 3);
    core.round = 4;
    let acts = step(&mut core, |c, o| {
        c.on_message(1, note(v(0, z(0, 0), 1), 2, PeerState::Looking), o)
    });
    assert_eq!(
        acts,
        vec![send(1, note(v(0, z(0, 0), 3), 4, PeerState::Looking))]
    );
}

#[test]
fn a_newer_round_restarts_the_tally_with_the_better_of_its_vote_and_ours() {
    let (mut core, _) = fresh(3, 5);
    let acts = step(&mut core, |c, o| {
        c.on_message(1, note(v(0, z(0, 0), 1), 7, PeerState::Looking), o)
    });
    let ours = note(v(0, z(0, 0), 3), 7, PeerState::Looking);
    assert_eq!(
        acts,
        [1, 2, 4, 5]
            .into_iter()
            .map(|p| send(p, ours.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!((core.round(), core.vote().leader), (7, 3));
}

#[test]
fn a_quorum_agreeing_on_our_vote_settles_us_following_its_leader() {
    let (mut core, _) = fresh(1, 3);
    let acts = step(&mut core, |c, o| {
        c.on_message(3, note(v(0, z(0, 0), 3), 1, PeerState::Looking), o)
    });
    let n3 = note(v(0, z(0, 0), 3), 1, PeerState::Looking);
    assert_eq!(
        acts,
        vec![
            send(2, n3.clone()),
            send(3, n3),
            cancel(Timer::Notify),
            status(Role::Follower, Some(3), 0, z(0, 0)),
            set(Timer::Init, 10),
            send(3, Msg::CEpoch { accepted_epoch: 0 }),
            set(Timer::Resend, 2),
        ]
    );
}

#[test]
fn a_quorum_voting_for_us_makes_us_lead_and_discovery_waits_for_cepochs() {
    let (mut core, _) = fresh(3, 3);
    let acts = step(&mut core, |c, o| {
        c.on_message(1, note(v(0, z(0, 0), 3), 1, PeerState::Looking), o)
    });
    assert_eq!(
        acts,
        vec![
            cancel(Timer::Notify),
            status(Role::Leader, Some(3), 0, z(0, 0)),
            set(Timer::Init, 10),
        ]
    );
}

#[test]
fn a_newcomer_follows_the_leader_a_settled_quorum_names_once_the_leader_says_leading() {
    let (mut core, _) = fresh(5, 5);
    let settled = v(0, z(0, 0), 3);
    for from in [1, 2] {
        let acts = step(&mut core, |c, o| {
            c.on_message(from, note(settled, 1, PeerState::Following), o)
        });
        assert_eq!(acts, vec![], "no word from the leader itself yet");
    }
    let acts = step(&mut core, |c, o| {
        c.on_message(3, note(settled, 1, PeerState::Leading), o)
    });
    assert_eq!(
        acts,
        vec![
            cancel(Timer::Notify),
            status(Role::Follower, Some(3), 0, z(0, 0)),
            set(Timer::Init, 10),
            send(3, Msg::CEpoch { accepted_epoch: 0 }),
            set(Timer::Resend, 2),
        ]
    );
}

#[test]
fn a_settled_server_tells_a_looking_peer_whom_it_follows() {
    let mut c = ensemble_led_by_3();
    let acts = c.on(1, |core, o| {
        core.on_message(2, note(v(0, z(0, 0), 2), 5, PeerState::Looking), o)
    });
    assert_eq!(
        acts,
        vec![send(2, note(v(0, z(0, 0), 3), 1, PeerState::Following))]
    );
    let acts = c.on(3, |core, o| {
        core.on_message(2, note(v(0, z(0, 0), 2), 5, PeerState::Looking), o)
    });
    assert_eq!(
        acts,
        vec![send(2, note(v(0, z(0, 0), 3), 1, PeerState::Leading))]
    );
}
