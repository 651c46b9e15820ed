//! Unit tests: each drives cores through a few steps and asserts what they
//! emitted or decided, named after the rule of the seed (§4.4) or of Paxos
//! Made Simple it checks.

mod acceptor;
mod harness;
mod proposer;
mod recovery;
