//! The host that sits beside a core inside a model actor: the replicated
//! register it applies commits to, the client requests it is waiting on,
//! and the contract checks a real host would make.
//!
//! The applied part ([`Machine`]) is persisted together with the core's
//! durable state ([`Stored`]): it stands for the coordinator's state machine,
//! which survives a restart (snapshot plus replay), so a restarted core gets
//! `Recovered::applied` = the last zxid the machine holds, as in production.

use std::collections::{BTreeMap, BTreeSet};

use protocols::{Command, Zxid};
use stateright::actor::Id;
use stateright::actor::register::RegisterMsg;

use crate::register::{RegCommand, RegOp};

/// The register's value before any `Put`: what `Register('\0')` starts from.
pub const INITIAL_VALUE: char = '\0';

/// A breach of the ordering contract or of the model's assumptions, seen by
/// the host. Kept (and persisted) as a ghost so a property can report it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HostViolation {
    /// Contract rule 3: commits arrive in strictly increasing zxid order.
    CommitNotIncreasing { zxid: Zxid, last: Zxid },
    /// The core committed bytes that no client of this model proposed.
    UndecodableCommit { zxid: Zxid },
    /// A `Send` to a node outside the configuration.
    SendToUnknownNode { to: u64 },
    /// Self-addressed messages kept producing more: a core bug (or a model
    /// with no fixpoint), cut off so the checker terminates.
    LoopbackDidNotSettle,
}

/// The host's state machine: what is applied, and survives a crash.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Machine {
    /// Every command committed on this node, by zxid.
    pub committed: BTreeMap<Zxid, Command>,
    pub value: char,
    /// Request keys already applied: a re-proposed command committed twice
    /// is applied (and answered) once.
    pub applied: BTreeSet<(u64, u64)>,
    pub violations: BTreeSet<HostViolation>,
}

impl Default for Machine {
    fn default() -> Self {
        Machine {
            committed: BTreeMap::new(),
            value: INITIAL_VALUE,
            applied: BTreeSet::new(),
            violations: BTreeSet::new(),
        }
    }
}

impl Machine {
    pub fn last_applied(&self) -> Zxid {
        self.committed
            .last_key_value()
            .map_or(Zxid::ZERO, |(z, _)| *z)
    }
}

/// What a model actor persists: the core's folded `Persist` records and the
/// host's machine. This is the actor's stateright `Storage`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stored<D> {
    pub durable: D,
    pub machine: Machine,
    /// How many times this server restarted: a ghost, counted only by an
    /// adapter built [`crate::adapter::CoreActor::counting_restarts`], so a
    /// model can bound the total number of crashes (0 otherwise).
    pub restarts: u32,
}

/// A client request this node accepted and has not answered yet (volatile:
/// lost in a crash, like a real server's connections).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Waiting {
    pub command: RegCommand,
    /// The core handed it back (`Rejected`); it is proposed again when the
    /// core next reports a known leader.
    pub parked: bool,
}

/// The reply a server sends its client.
pub type Reply<M> = (Id, RegisterMsg<u64, char, M>);

/// Applies a commit to `machine`, answering the client if its request is
/// in `waiting` here.
pub fn apply_commit<M>(
    machine: &mut Machine,
    waiting: &mut BTreeMap<(u64, u64), Waiting>,
    zxid: Zxid,
    command: Command,
) -> Option<Reply<M>> {
    let last = machine.last_applied();
    if zxid <= last {
        machine
            .violations
            .insert(HostViolation::CommitNotIncreasing { zxid, last });
        return None;
    }
    let decoded = RegCommand::decode(&command);
    machine.committed.insert(zxid, command);
    let Ok(cmd) = decoded else {
        machine
            .violations
            .insert(HostViolation::UndecodableCommit { zxid });
        return None;
    };
    if !machine.applied.insert(cmd.key()) {
        return None;
    }
    let reply = match cmd.op {
        RegOp::Put(v) => {
            machine.value = v;
            RegisterMsg::PutOk(cmd.request)
        }
        RegOp::Get => RegisterMsg::GetOk(cmd.request, machine.value),
    };
    waiting
        .remove(&cmd.key())
        .map(|_| (Id::from(cmd.client as usize), reply))
}

/// The core will not order `command`: keep the request for a later leader.
pub fn park(waiting: &mut BTreeMap<(u64, u64), Waiting>, command: &[u8]) {
    if let Ok(cmd) = RegCommand::decode(command)
        && let Some(w) = waiting.get_mut(&cmd.key())
    {
        w.parked = true;
    }
}

/// Takes every parked request out of the parking lot, to be proposed again.
pub fn unpark(waiting: &mut BTreeMap<(u64, u64), Waiting>) -> Vec<RegCommand> {
    waiting
        .values_mut()
        .filter(|w| w.parked)
        .map(|w| {
            w.parked = false;
            w.command
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(client: u64, request: u64, v: char) -> RegCommand {
        RegCommand {
            client,
            request,
            op: RegOp::Put(v),
        }
    }

    #[test]
    fn a_command_committed_twice_is_applied_and_answered_once() {
        let mut m = Machine::default();
        let c = put(3, 3, 'A');
        let mut waiting = BTreeMap::from([(
            c.key(),
            Waiting {
                command: c,
                parked: false,
            },
        )]);
        let first = apply_commit::<()>(&mut m, &mut waiting, Zxid::new(1, 1), c.encode());
        assert_eq!(first, Some((Id::from(3), RegisterMsg::PutOk(3))));
        let again = apply_commit::<()>(&mut m, &mut waiting, Zxid::new(2, 1), c.encode());
        assert_eq!(again, None);
        assert_eq!(m.committed.len(), 2);
        assert!(m.violations.is_empty());
    }

    #[test]
    fn a_commit_at_or_below_the_last_is_a_violation() {
        let mut m = Machine::default();
        let mut waiting = BTreeMap::new();
        apply_commit::<()>(
            &mut m,
            &mut waiting,
            Zxid::new(1, 2),
            put(3, 3, 'A').encode(),
        );
        apply_commit::<()>(
            &mut m,
            &mut waiting,
            Zxid::new(1, 1),
            put(4, 4, 'B').encode(),
        );
        assert_eq!(m.value, 'A');
        assert!(m.violations.contains(&HostViolation::CommitNotIncreasing {
            zxid: Zxid::new(1, 1),
            last: Zxid::new(1, 2)
        }));
    }
}
