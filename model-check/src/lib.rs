//! Stateright models of the protocols crate's cores: the *same* code the
//! cluster runs, wrapped as actors, with clients and properties around it.
//!
//! Module map:
//! - [`adapter`]: [`adapter::CoreActor`], any `protocols::Core` as a
//!   stateright `Actor` (node ids ↔ actor ids, loopback, timers, storage);
//! - [`host`]: the host beside each core: the replicated register its
//!   commits are applied to, and the ordering-contract checks;
//! - [`client`]: scripted clients, and the actor type holding both kinds;
//! - [`register`]: register operations encoded as the commands a core orders;
//! - [`history`]: the linearizability history, matched by request id;
//! - [`model`]: the register service over `N` servers and its bounds;
//! - [`properties`]: what is checked (agreement, durability, ...);
//! - [`multipaxos`]: the Multi-Paxos instance of all of the above;
//! - [`paxos`]: basic Paxos's register and livelock models;
//! - [`check`]: running a model and summarising the verdicts;
//! - [`trace`]: counterexamples in protocol terms;
//! - [`livelock`], [`livelock_trace`], [`livelock_views`]: dueling
//!   proposers as bounded liveness, its trace, and each core's view.

pub mod adapter;
pub mod check;
pub mod client;
pub mod history;
pub mod host;
pub mod livelock;
pub mod livelock_cli;
pub mod livelock_trace;
pub mod livelock_views;
pub mod model;
pub mod multipaxos;
pub mod paxos;
pub mod properties;
pub mod register;
pub mod trace;
pub mod zab;
