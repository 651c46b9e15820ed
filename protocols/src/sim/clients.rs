//! The simulated clients. Each command is unique (its bytes are its client
//! sequence number). A client proposes at a random live node; when that
//! node rejects the command, or crashes while the command is outstanding
//! there, the client retries at another node after a while, as a real
//! ZooKeeper client does after a connection loss — and gives up after
//! [`ClientLoad::max_attempts`].

use std::collections::{BTreeMap, BTreeSet};

use super::config::ClientLoad;
use super::dice::Dice;
use crate::contract::Command;
use crate::types::NodeId;

pub fn command(id: u64) -> Command {
    id.to_be_bytes().to_vec()
}

pub fn command_id(command: &Command) -> Option<u64> {
    <[u8; 8]>::try_from(command.as_slice())
        .ok()
        .map(u64::from_be_bytes)
}

#[derive(Clone, Copy, Debug)]
struct Outstanding {
    /// Where the command waits now; `None` while it waits for a retry.
    at: Option<NodeId>,
    /// The node to avoid on the next attempt.
    avoid: Option<NodeId>,
    attempts: u32,
}

#[derive(Clone, Debug)]
pub struct Clients {
    load: ClientLoad,
    next_id: u64,
    outstanding: BTreeMap<u64, Outstanding>,
    /// (due tick, command id)
    retries: BTreeSet<(u64, u64)>,
    committed: BTreeSet<u64>,
    abandoned: BTreeSet<u64>,
    pub rejections: u64,
}

impl Clients {
    pub fn new(load: ClientLoad) -> Clients {
        Clients {
            load,
            next_id: 1,
            outstanding: BTreeMap::new(),
            retries: BTreeSet::new(),
            committed: BTreeSet::new(),
            abandoned: BTreeSet::new(),
            rejections: 0,
        }
    }

    pub fn load(&self) -> &ClientLoad {
        &self.load
    }

    /// A fresh command, not yet sent anywhere.
    pub fn new_command(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.outstanding.insert(
            id,
            Outstanding {
                at: None,
                avoid: None,
                attempts: 0,
            },
        );
        id
    }

    pub fn proposed_at(&mut self, id: u64, node: NodeId) {
        if let Some(o) = self.outstanding.get_mut(&id) {
            o.at = Some(node);
            o.attempts += 1;
        }
    }

    /// Commands whose retry is due, with the node each should avoid.
    pub fn due_retries(&mut self, now: u64) -> Vec<(u64, Option<NodeId>)> {
        let mut due = Vec::new();
        while let Some(&(tick, id)) = self.retries.first() {
            if tick > now {
                break;
            }
            self.retries.pop_first();
            if let Some(o) = self.outstanding.get(&id) {
                due.push((id, o.avoid));
            }
        }
        due
    }

    pub fn on_commit(&mut self, command: &Command) {
        if let Some(id) = command_id(command) {
            self.committed.insert(id);
            self.outstanding.remove(&id);
        }
    }

    pub fn on_rejected(&mut self, command: &Command, node: NodeId, now: u64, dice: &mut Dice) {
        self.rejections += 1;
        if let Some(id) = command_id(command) {
            self.retry_later(id, node, now, dice);
        }
    }

    /// `node` crashed: the commands waiting there are lost to their clients.
    pub fn on_crash(&mut self, node: NodeId, now: u64, dice: &mut Dice) {
        let orphaned: Vec<u64> = self
            .outstanding
            .iter()
            .filter(|(_, o)| o.at == Some(node))
            .map(|(id, _)| *id)
            .collect();
        for id in orphaned {
            self.retry_later(id, node, now, dice);
        }
    }

    /// No node could take command `id` now: try again later, without
    /// counting an attempt.
    pub fn postpone(&mut self, id: u64, now: u64, dice: &mut Dice) {
        if let Some(o) = self.outstanding.get_mut(&id) {
            o.at = None;
            let delay = dice.between(
                self.load.retry_min,
                self.load.retry_max.max(self.load.retry_min),
            );
            self.retries.insert((now + u64::from(delay), id));
        }
    }

    fn retry_later(&mut self, id: u64, node: NodeId, now: u64, dice: &mut Dice) {
        let Some(o) = self.outstanding.get_mut(&id) else {
            return; // committed already, or given up
        };
        if o.at != Some(node) {
            return; // a stale answer from an earlier attempt
        }
        if o.attempts >= self.load.max_attempts {
            self.outstanding.remove(&id);
            self.abandoned.insert(id);
            return;
        }
        o.at = None;
        o.avoid = Some(node);
        let delay = dice.between(
            self.load.retry_min,
            self.load.retry_max.max(self.load.retry_min),
        );
        self.retries.insert((now + u64::from(delay), id));
    }

    /// No command is waiting for its client any more.
    pub fn idle(&self) -> bool {
        self.outstanding.is_empty()
    }

    /// Every command proposed and not given up on.
    pub fn expected(&self) -> Vec<Command> {
        self.committed
            .iter()
            .chain(self.outstanding.keys())
            .map(|&id| command(id))
            .collect()
    }

    pub fn proposed(&self) -> u64 {
        self.next_id - 1
    }

    pub fn abandoned(&self) -> u64 {
        self.abandoned.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Command;

    fn load() -> ClientLoad {
        ClientLoad {
            propose_permille: 0,
            max_attempts: 2,
            retry_min: 3,
            retry_max: 3,
        }
    }

    #[test]
    fn a_rejected_command_is_retried_elsewhere_then_given_up() {
        let mut c = Clients::new(load());
        let mut dice = Dice::new(1);
        let id = c.new_command();
        c.proposed_at(id, 2);
        c.on_rejected(&command(id), 2, 10, &mut dice);
        assert!(c.due_retries(12).is_empty());
        assert_eq!(c.due_retries(13), vec![(id, Some(2))]);
        c.proposed_at(id, 3);
        c.on_rejected(&command(id), 3, 20, &mut dice);
        assert!(c.idle());
        assert_eq!(c.abandoned(), 1);
        assert_eq!(c.expected(), Vec::<Command>::new());
    }

    #[test]
    fn a_crash_orphans_only_the_commands_waiting_at_that_node() {
        let mut c = Clients::new(load());
        let mut dice = Dice::new(1);
        let (a, b) = (c.new_command(), c.new_command());
        c.proposed_at(a, 1);
        c.proposed_at(b, 2);
        c.on_crash(1, 0, &mut dice);
        assert_eq!(c.due_retries(3), vec![(a, Some(1))]);
        c.on_commit(&command(b));
        c.on_rejected(&command(b), 2, 0, &mut dice); // too late: committed
        assert_eq!(c.expected(), vec![command(b), command(a)]);
        assert_eq!(command_id(&command(a)), Some(a));
    }

    #[test]
    fn a_postponed_command_is_retried_without_spending_an_attempt() {
        let mut c = Clients::new(load());
        let mut dice = Dice::new(1);
        let id = c.new_command();
        for now in [0, 10, 20] {
            c.postpone(id, now, &mut dice);
            assert_eq!(c.due_retries(now + 3), vec![(id, None)]);
        }
        c.proposed_at(id, 1);
        c.on_rejected(&command(id), 1, 30, &mut dice);
        assert_eq!(c.abandoned(), 0, "one rejection of two allowed");
    }
}
