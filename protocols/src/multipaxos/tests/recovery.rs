use super::harness::*;
use crate::contract::Core;
use crate::multipaxos::Timer;
use crate::types::Role;

#[test]
fn smoke_restarted_follower_catches_up() {
    let mut c = Cluster::new(3);
    c.timer(1, Timer::Election);
    c.deliver_all();
    c.propose(1, b"a");
    c.deliver_all_except(&[3]);
    c.restart(3, 3);
    c.propose(1, b"b");
    c.deliver_all();
    assert_eq!(c.nodes[&1].status().role, Role::Leader);
    assert_eq!(c.commands(3), vec![b"a".to_vec(), b"b".to_vec()]);
}
