//! The properties every core's register model is checked against. Names
//! are the ones `zoolab-check` prints and the tests assert on.

use std::collections::BTreeMap;

use protocols::{Command, Core, Zxid};
use stateright::Model;

use crate::client::ActorState;

use crate::host::INITIAL_VALUE;
use crate::model::{Bounds, CoreModel, CoreModelState, live_servers, server};

pub const LINEARIZABLE: &str = "linearizable";
pub const AGREEMENT: &str = "agreement";
pub const DURABILITY: &str = "durability";
pub const HOST_CONTRACT: &str = "commits keep the host contract";
pub const TERMINAL_DECIDED: &str = "every terminal state has decided everything proposed";
pub const VALUE_CHOSEN: &str = "value chosen";
pub const PREFIX_CONSISTENCY: &str = "committed sequences are prefixes of one another";
pub const QUIESCENT: &str = "a terminal state answers every request";

/// Two committed sequences never hold different commands at one zxid.
fn consistent(a: &BTreeMap<Zxid, Command>, b: &BTreeMap<Zxid, Command>) -> bool {
    a.iter()
        .all(|(z, c)| b.get(z).is_none_or(|other| other == c))
}

fn pairwise_consistent(logs: &[&BTreeMap<Zxid, Command>]) -> bool {
    logs.iter()
        .enumerate()
        .all(|(i, a)| logs[i + 1..].iter().all(|b| consistent(a, b)))
}

/// One committed sequence is a prefix of the other (same commands at the
/// same zxids, and no zxid committed by one inside the other's range that
/// the other skipped).
fn prefix(a: &BTreeMap<Zxid, Command>, b: &BTreeMap<Zxid, Command>) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.iter().zip(long.iter()).all(|(x, y)| x == y)
}

/// The committed sequences of any two live servers are prefixes of one
/// another (Zab.tla's PrefixConsistency, on what the hosts applied).
pub fn prefix_consistency<C: Core>(m: &CoreModel<C>, s: &CoreModelState<C>) -> bool {
    let logs: Vec<_> = live_servers(&m.cfg, s)
        .map(|(_, st)| &st.machine().committed)
        .collect();
    logs.iter()
        .enumerate()
        .all(|(i, a)| logs[i + 1..].iter().all(|b| prefix(a, b)))
}

/// No two live servers commit different commands at one zxid.
pub fn agreement<C: Core>(m: &CoreModel<C>, s: &CoreModelState<C>) -> bool {
    let logs: Vec<_> = live_servers(&m.cfg, s)
        .map(|(_, st)| &st.machine().committed)
        .collect();
    pairwise_consistent(&logs)
}

/// A command committed by any node stays committed at that zxid: what each
/// node persisted (its machine survives a crash) agrees with what every
/// live node holds now. A crashed node's volatile state is not consulted.
pub fn durability<C: Core>(m: &CoreModel<C>, s: &CoreModelState<C>) -> bool {
    let mut logs: Vec<_> = live_servers(&m.cfg, s)
        .map(|(_, st)| &st.machine().committed)
        .collect();
    logs.extend(
        s.actor_storages
            .iter()
            .take(m.cfg.servers)
            .flatten()
            .map(|stored| &stored.machine.committed),
    );
    pairwise_consistent(&logs)
}

/// No host saw a breach of the ordering contract (commits in increasing
/// zxid order, only proposed commands, no stray sends).
pub fn host_contract<C: Core>(m: &CoreModel<C>, s: &CoreModelState<C>) -> bool {
    let live = live_servers(&m.cfg, s).all(|(_, st)| st.machine().violations.is_empty());
    let stored = s
        .actor_storages
        .iter()
        .take(m.cfg.servers)
        .flatten()
        .all(|stored| stored.machine.violations.is_empty());
    live && stored
}

/// Every client got an answer to every request it made.
pub fn all_answered<C: Core>(bounds: &Bounds, s: &CoreModelState<C>) -> bool {
    s.actor_states
        .iter()
        .skip(bounds.servers)
        .all(|a| matches!(&**a, ActorState::Client(c) if c.awaiting.is_none()))
}

/// Whether `s` has a successor (in or out of the boundary). Stops at the
/// first action that is a transition, unlike `Model::next_states`, which
/// computes every successor: this runs on almost every state.
pub fn has_successor<C: Core>(m: &CoreModel<C>, s: &CoreModelState<C>) -> bool {
    let mut actions = Vec::new();
    m.actions(s, &mut actions);
    actions.into_iter().any(|a| m.next_state(s, a).is_some())
}

/// Every terminal state (no action is a transition) has answered every
/// request: the sound form of "eventually decided" for a stable predicate
/// (stateright's `eventually` misses cycles and DAG joins).
pub fn terminal_decided<C: Core>(m: &CoreModel<C>, s: &CoreModelState<C>) -> bool {
    all_answered(&m.cfg, s) || has_successor(m, s)
}

/// A terminal state that answered every request exists: the terminal
/// property above is not vacuous.
pub fn quiescent<C: Core>(m: &CoreModel<C>, s: &CoreModelState<C>) -> bool {
    all_answered(&m.cfg, s) && !has_successor(m, s)
}

/// A write was chosen and applied somewhere: the register holds a value.
pub fn value_chosen<C: Core>(m: &CoreModel<C>, s: &CoreModelState<C>) -> bool {
    live_servers(&m.cfg, s).any(|(_, st)| st.machine().value != INITIAL_VALUE)
}

/// Every command committed anywhere (live servers), by zxid: what a trace
/// prints as the outcome.
pub fn committed_anywhere<C: Core>(
    bounds: &Bounds,
    s: &CoreModelState<C>,
) -> BTreeMap<Zxid, Vec<(usize, Command)>> {
    let mut all: BTreeMap<Zxid, Vec<(usize, Command)>> = BTreeMap::new();
    for i in 0..bounds.servers {
        if let Some(st) = server(s, i) {
            for (z, c) in &st.machine().committed {
                all.entry(*z).or_default().push((i, c.clone()));
            }
        }
    }
    all
}
