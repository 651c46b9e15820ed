//! ZooKeeper's replicated state machine: the znode tree, sessions and watches.
