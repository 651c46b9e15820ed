//! The seed's election example (SEED-NOTES §4): five fresh servers, ids
//! 1..5, no data, started one after another; only started servers exchange
//! messages and everything between them is delivered after each start. No
//! timer fires, so nothing depends on jitter.

use super::harness::*;
use crate::types::Role;

#[test]
fn five_fresh_servers_started_one_by_one_elect_server_3_the_moment_it_starts() {
    let mut c = Cluster::empty(5);

    c.start(1);
    c.deliver_all();
    assert_eq!(c.role(1), Role::Looking);

    c.start(2);
    c.deliver_all();
    // Two of five are no majority: both stay LOOKING, both voting for 2.
    assert_eq!((c.role(1), c.role(2)), (Role::Looking, Role::Looking));
    assert_eq!(c.nodes[&1].vote().leader, 2);

    c.start(3);
    c.deliver_all();
    // 3 has the highest id of the first majority: it leads at once, and
    // discovery and synchronization complete with 1 and 2 (epoch 1).
    assert_eq!(c.status(3).role, Role::Leader);
    for id in [1, 2] {
        assert_eq!(c.status(id).role, Role::Follower);
        assert_eq!(c.status(id).leader, Some(3));
    }
    assert!((1..=3).all(|id| c.nodes[&id].is_broadcasting()));
    assert_eq!(c.status(3).epoch, 1);

    // 4 and 5 have better votes than 3 but join the settled ensemble.
    for id in [4, 5] {
        c.start(id);
        c.deliver_all();
        assert_eq!(c.status(id).role, Role::Follower);
        assert_eq!(c.status(id).leader, Some(3));
        assert!(c.nodes[&id].is_broadcasting());
        assert_eq!(c.status(id).epoch, 1);
    }
    assert_eq!(c.role(3), Role::Leader);
    assert_eq!((1..=5).filter(|id| c.role(*id) == Role::Leader).count(), 1);

    // And the ensemble works: a write at 5 commits everywhere.
    c.propose(5, b"x");
    c.deliver_all();
    for id in 1..=5 {
        assert_eq!(c.commands(id), vec![b"x".to_vec()], "server {id}");
    }
}
