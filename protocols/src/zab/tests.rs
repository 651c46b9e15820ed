//! Unit tests: each drives the core through one step and asserts the exact
//! list of actions it emitted (openraft's habit), named after the rule of
//! the paper or of FLE it checks.

mod broadcast;
mod discovery;
mod election;
mod harness;
mod seed;
mod sync;
