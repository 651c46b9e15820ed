use super::harness::*;
use crate::contract::Core;
use crate::multipaxos::Timer;
use crate::types::Role;

#[test]
fn smoke_three_nodes_elect_and_commit() {
    let mut c = Cluster::new(3);
    c.timer(1, Timer::Election);
    c.deliver_all();
    assert_eq!(c.nodes[&1].status().role, Role::Leader);
    c.propose(1, b"a");
    c.propose(2, b"b");
    c.deliver_all();
    for id in 1..=3 {
        assert_eq!(
            c.commands(id),
            vec![b"a".to_vec(), b"b".to_vec()],
            "node {id}"
        );
    }
}
