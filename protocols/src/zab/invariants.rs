//! The invariants of ZooKeeper's `Zab.tla` (after the Zab paper, §III),
//! checked against what servers broadcast and deliver, so the simulator
//! (and a model checker) can hold a run of [`super::Zab`] to them.
//!
//! The checker is fed events as they happen: a primary broadcasting
//! (logging a proposal of its own epoch), a server delivering (`Commit`),
//! a server skipping ahead by installing a snapshot. A server's delivered
//! sequence is kept across its crashes (a restarted server delivers again
//! what its host lost, which must be the same thing). Each check names the
//! property of `Zab.tla` it stands for.

use std::collections::BTreeMap;
use std::fmt;

use crate::contract::Command;
use crate::types::{NodeId, Zxid};

/// Which property of `Zab.tla` an event broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZabProperty {
    /// Two servers' delivered sequences are prefixes of one another.
    PrefixConsistency,
    /// A server delivers only what some primary broadcast.
    Integrity,
    /// If one server delivered `a` and another `b`, a server that goes on
    /// delivering delivers both (here: one command per zxid, everywhere).
    Agreement,
    /// If a server delivers `a` before `b`, every server that delivers `b`
    /// delivers `a` first.
    TotalOrder,
    /// What one primary broadcast `a` before `b` is delivered in that
    /// order.
    LocalPrimaryOrder,
    /// What an earlier epoch's primary broadcast is delivered before what
    /// a later epoch's did.
    GlobalPrimaryOrder,
    /// A primary delivers everything earlier epochs had delivered before it
    /// broadcasts anything.
    PrimaryIntegrity,
    /// At most one primary broadcasts in an epoch (`Zab.tla`'s
    /// `PrimaryUniqueness`, on which the others rest).
    PrimaryUniqueness,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZabBreach {
    pub property: ZabProperty,
    pub detail: String,
}

impl fmt::Display for ZabBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.property, self.detail)
    }
}

fn breach(property: ZabProperty, detail: String) -> Result<(), ZabBreach> {
    Err(ZabBreach { property, detail })
}

/// One server's deliveries so far.
#[derive(Clone, Debug, Default)]
struct Delivered {
    /// Every zxid up to here was delivered or skipped by a snapshot.
    through: Zxid,
    /// The zxids it delivered itself, in order.
    entries: BTreeMap<Zxid, Command>,
}

/// The checker: every proposal broadcast, every server's deliveries.
#[derive(Clone, Debug, Default)]
pub struct ZabChecker {
    /// What each epoch's primary broadcast, and who it was.
    broadcast: BTreeMap<Zxid, Command>,
    primaries: BTreeMap<u32, NodeId>,
    /// For each epoch whose primary broadcast: how far that primary had
    /// delivered when it broadcast first.
    primary_cut: BTreeMap<u32, Zxid>,
    /// The one delivered sequence (zxid → command) all servers must agree
    /// on, and whether the zxid was seen delivered anywhere.
    decided: BTreeMap<Zxid, Command>,
    servers: BTreeMap<NodeId, Delivered>,
}

impl ZabChecker {
    pub fn new() -> ZabChecker {
        ZabChecker::default()
    }

    /// `primary`, leading `epoch` and having delivered through
    /// `delivered`, logs `command` at `zxid`.
    pub fn on_broadcast(
        &mut self,
        primary: NodeId,
        epoch: u32,
        zxid: Zxid,
        command: &Command,
        delivered: Zxid,
    ) -> Result<(), ZabBreach> {
        use ZabProperty::*;
        if zxid.epoch() != epoch {
            return breach(
                LocalPrimaryOrder,
                format!("primary {primary} of epoch {epoch} broadcast {zxid} of another epoch"),
            );
        }
        match self.primaries.get(&epoch) {
            Some(p) if *p != primary => {
                return breach(
                    PrimaryUniqueness,
                    format!("servers {p} and {primary} both broadcast in epoch {epoch}"),
                );
            }
            _ => {}
        }
        self.primaries.insert(epoch, primary);
        if let Some(last) = self
            .broadcast
            .range(Zxid::new(epoch, 0)..Zxid::new(epoch.saturating_add(1), 0))
            .next_back()
            .map(|(z, _)| *z)
            && zxid <= last
        {
            if self.broadcast.get(&zxid) == Some(command) {
                return Ok(());
            }
            return breach(
                LocalPrimaryOrder,
                format!("primary {primary} broadcast {zxid} after {last}"),
            );
        }
        if !self.primary_cut.contains_key(&epoch) {
            // PrimaryIntegrity: everything delivered anywhere from earlier
            // epochs must already be delivered by this primary.
            if let Some((z, _)) = self
                .decided
                .range(..Zxid::new(epoch, 0))
                .next_back()
                .filter(|(z, _)| **z > delivered)
            {
                return breach(
                    PrimaryIntegrity,
                    format!(
                        "primary {primary} of epoch {epoch} broadcasts having delivered \
                         through {delivered}, but {z} was delivered already"
                    ),
                );
            }
            self.primary_cut.insert(epoch, delivered);
        }
        self.broadcast.insert(zxid, command.clone());
        Ok(())
    }

    /// `server` delivered `command` at `zxid`.
    pub fn on_deliver(
        &mut self,
        server: NodeId,
        zxid: Zxid,
        command: &Command,
    ) -> Result<(), ZabBreach> {
        use ZabProperty::*;
        let show = |c: &Command| format!("{c:?}");
        if self.broadcast.get(&zxid) != Some(command) {
            return breach(
                Integrity,
                format!(
                    "server {server} delivered {} at {zxid}, which no primary broadcast there",
                    show(command)
                ),
            );
        }
        if let Some(other) = self.decided.get(&zxid)
            && other != command
        {
            return breach(
                Agreement,
                format!(
                    "server {server} delivered {} at {zxid}, another server {}",
                    show(command),
                    show(other)
                ),
            );
        }
        let s = self.servers.entry(server).or_default();
        if zxid <= s.through {
            // A restarted server delivering again what its host lost.
            return match s.entries.get(&zxid) {
                Some(c) if c != command => breach(
                    TotalOrder,
                    format!("server {server} delivered {zxid} twice, differently"),
                ),
                _ => Ok(()),
            };
        }
        // Everything decided between what it holds and `zxid` must have
        // been delivered first (PrefixConsistency / TotalOrder; within one
        // epoch LocalPrimaryOrder, across epochs GlobalPrimaryOrder).
        let skipped = self
            .decided
            .range(Zxid(s.through.0.saturating_add(1))..zxid)
            .next()
            .map(|(z, _)| *z);
        if let Some(z) = skipped {
            let property = if z.epoch() == zxid.epoch() {
                LocalPrimaryOrder
            } else {
                GlobalPrimaryOrder
            };
            return breach(
                property,
                format!(
                    "server {server} delivered {zxid} having delivered only through {}, \
                     but {z} was delivered before it elsewhere",
                    s.through
                ),
            );
        }
        // And nobody may have gone past it without delivering it.
        for (other, d) in &self.servers {
            if *other != server && d.through > zxid && !self.decided.contains_key(&zxid) {
                return breach(
                    PrefixConsistency,
                    format!(
                        "server {server} delivered {zxid}, which server {other} passed \
                         (through {}) without delivering",
                        d.through
                    ),
                );
            }
        }
        // PrimaryIntegrity, the other way round: a later primary that
        // already broadcast must have delivered this.
        if let Some((e, cut)) = self
            .primary_cut
            .range(zxid.epoch().saturating_add(1)..)
            .find(|(_, cut)| **cut < zxid)
        {
            return breach(
                PrimaryIntegrity,
                format!(
                    "server {server} delivered {zxid}, but the primary of epoch {e} broadcast \
                     having delivered only through {cut}"
                ),
            );
        }
        let s = self.servers.entry(server).or_default();
        s.through = zxid;
        s.entries.insert(zxid, command.clone());
        self.decided.insert(zxid, command.clone());
        Ok(())
    }

    /// `server` installed a snapshot holding every delivery through `at`.
    pub fn on_snapshot(&mut self, server: NodeId, at: Zxid) {
        let s = self.servers.entry(server).or_default();
        s.through = s.through.max(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Command {
        s.as_bytes().to_vec()
    }

    #[test]
    fn a_clean_history_passes_and_each_breach_is_named() {
        let z = Zxid::new;
        let mut k = ZabChecker::new();
        assert!(k.on_broadcast(1, 1, z(1, 1), &c("a"), Zxid::ZERO).is_ok());
        assert!(k.on_broadcast(1, 1, z(1, 2), &c("b"), Zxid::ZERO).is_ok());
        assert!(k.on_deliver(1, z(1, 1), &c("a")).is_ok());
        assert!(k.on_deliver(2, z(1, 1), &c("a")).is_ok());
        assert!(k.on_deliver(2, z(1, 2), &c("b")).is_ok());
        // A re-delivery after a restart is fine.
        assert!(k.on_deliver(2, z(1, 1), &c("a")).is_ok());

        let p = |r: Result<(), ZabBreach>| r.map_err(|b| b.property).err();
        assert_eq!(
            p(k.on_deliver(3, z(1, 2), &c("b"))),
            Some(ZabProperty::LocalPrimaryOrder)
        );
        assert_eq!(
            p(k.on_deliver(3, z(1, 1), &c("x"))),
            Some(ZabProperty::Integrity)
        );
        assert_eq!(
            p(k.on_broadcast(2, 1, z(1, 3), &c("c"), Zxid::ZERO)),
            Some(ZabProperty::PrimaryUniqueness)
        );
        // Epoch 2's primary has not delivered 1.2, which server 2 did.
        assert_eq!(
            p(k.on_broadcast(3, 2, z(2, 1), &c("d"), z(1, 1))),
            Some(ZabProperty::PrimaryIntegrity)
        );
        assert!(k.on_broadcast(3, 2, z(2, 1), &c("d"), z(1, 2)).is_ok());
        // Server 1 skips 1.2 going to 2.1: out of order across epochs.
        assert_eq!(
            p(k.on_deliver(1, z(2, 1), &c("d"))),
            Some(ZabProperty::GlobalPrimaryOrder)
        );
        // Unless a snapshot brought it there.
        k.on_snapshot(1, z(1, 2));
        assert!(k.on_deliver(1, z(2, 1), &c("d")).is_ok());
    }
}
