//! Unit tests: each drives the core through one step and asserts the exact
//! list of actions it emitted (openraft's habit), named after the rule of
//! the paper it checks.

mod election;
mod harness;
mod proposals;
mod random;
mod recovery;
mod replication;
