//! The simulated network: every message is delayed by a random number of
//! ticks (which reorders them), may be dropped or duplicated, and is lost
//! when a partition separates its ends, either when it is sent or while it
//! is in flight (a broken TCP connection loses what it buffered).
//!
//! Partitions follow etcd-raft's test network: [`Network::cut`] one link,
//! [`Network::isolate`] a node from everyone, [`Network::heal`] everything.

use std::collections::{BTreeMap, BTreeSet};

use super::dice::Dice;
use crate::types::NodeId;

/// How unreliable the network is. Probabilities are in permille.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkFaults {
    pub drop_permille: u32,
    pub dup_permille: u32,
    /// Every delivery takes `min_delay..=max_delay` ticks; `min_delay` is at
    /// least 1 so that a tick always ends.
    pub min_delay: u32,
    pub max_delay: u32,
    /// A message is slow (delayed `max_delay..=slow_delay` ticks, long
    /// past election timeouts, so it arrives from an older ballot or epoch)
    /// with this probability.
    pub slow_permille: u32,
    pub slow_delay: u32,
}

impl NetworkFaults {
    /// Delays but neither drops nor duplicates: what is left after the fault
    /// phase (messages still arrive out of order).
    pub fn reliable(min_delay: u32, max_delay: u32) -> NetworkFaults {
        NetworkFaults {
            drop_permille: 0,
            dup_permille: 0,
            min_delay,
            max_delay,
            slow_permille: 0,
            slow_delay: max_delay,
        }
    }
}

/// One message on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope<P> {
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: u64,
    pub payload: P,
}

/// What the network did, for the run's report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    pub sent: u64,
    pub delivered: u64,
    pub dropped: u64,
    pub duplicated: u64,
    /// Lost to a partition, at send time or in flight.
    pub partitioned: u64,
}

#[derive(Clone, Debug)]
pub struct Network<P> {
    faults: NetworkFaults,
    members: BTreeSet<NodeId>,
    /// Keyed by (delivery tick, random tie-break, sequence number): messages
    /// due at the same tick come out in a random order.
    in_flight: BTreeMap<(u64, u64, u64), Envelope<P>>,
    /// Cut links, each stored as (smaller id, larger id).
    cuts: BTreeSet<(NodeId, NodeId)>,
    seq: u64,
    stats: NetStats,
}

fn link(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    (a.min(b), a.max(b))
}

impl<P: Clone> Network<P> {
    pub fn new(members: impl IntoIterator<Item = NodeId>, faults: NetworkFaults) -> Network<P> {
        Network {
            faults,
            members: members.into_iter().collect(),
            in_flight: BTreeMap::new(),
            cuts: BTreeSet::new(),
            seq: 0,
            stats: NetStats::default(),
        }
    }

    pub fn set_faults(&mut self, faults: NetworkFaults) {
        self.faults = faults;
    }

    pub fn stats(&self) -> NetStats {
        self.stats
    }

    /// Puts a message on the wire at tick `now`.
    pub fn send(&mut self, dice: &mut Dice, now: u64, from: NodeId, to: NodeId, payload: P) {
        self.stats.sent += 1;
        if self.is_cut(from, to) {
            self.stats.partitioned += 1;
            return;
        }
        if dice.chance(self.faults.drop_permille) {
            self.stats.dropped += 1;
            return;
        }
        if dice.chance(self.faults.dup_permille) {
            self.stats.duplicated += 1;
            self.enqueue(dice, now, from, to, payload.clone());
        }
        self.enqueue(dice, now, from, to, payload);
    }

    fn enqueue(&mut self, dice: &mut Dice, now: u64, from: NodeId, to: NodeId, payload: P) {
        let lo = self.faults.min_delay.max(1);
        let hi = self.faults.max_delay.max(lo);
        let delay = if dice.chance(self.faults.slow_permille) {
            dice.between(hi, self.faults.slow_delay.max(hi))
        } else {
            dice.between(lo, hi)
        };
        self.seq += 1;
        let key = (now + u64::from(delay), dice.next_u64(), self.seq);
        let envelope = Envelope {
            from,
            to,
            sent_at: now,
            payload,
        };
        self.in_flight.insert(key, envelope);
    }

    /// Takes out the next message due at or before `now` whose link is up;
    /// messages whose link was cut while they flew are lost on the way.
    pub fn next_due(&mut self, now: u64) -> Option<Envelope<P>> {
        loop {
            let entry = self.in_flight.first_entry()?;
            if entry.key().0 > now {
                return None;
            }
            let envelope = entry.remove();
            if self.is_cut(envelope.from, envelope.to) {
                self.stats.partitioned += 1;
                continue;
            }
            self.stats.delivered += 1;
            return Some(envelope);
        }
    }

    /// Puts a taken-out message back, to arrive at tick `at` (its receiver
    /// was paused).
    pub fn hold_until(&mut self, dice: &mut Dice, at: u64, envelope: Envelope<P>) {
        self.stats.delivered -= 1;
        self.seq += 1;
        self.in_flight
            .insert((at, dice.next_u64(), self.seq), envelope);
    }

    /// Whether some message is due at or before `now`.
    pub fn has_due(&self, now: u64) -> bool {
        self.in_flight
            .first_key_value()
            .is_some_and(|(key, _)| key.0 <= now)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Cuts the link between `a` and `b`, both ways.
    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        if a != b {
            self.cuts.insert(link(a, b));
        }
    }

    /// Cuts `n` from every other member.
    pub fn isolate(&mut self, n: NodeId) {
        let others: Vec<NodeId> = self.members.iter().copied().filter(|&m| m != n).collect();
        for m in others {
            self.cut(n, m);
        }
    }

    /// Restores every link.
    pub fn heal(&mut self) {
        self.cuts.clear();
    }

    pub fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        self.cuts.contains(&link(a, b))
    }

    pub fn cuts(&self) -> &BTreeSet<(NodeId, NodeId)> {
        &self.cuts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(net: &mut Network<u32>, upto: u64) -> Vec<Envelope<u32>> {
        let mut out = Vec::new();
        for now in 0..=upto {
            while let Some(e) = net.next_due(now) {
                out.push(e);
            }
        }
        out
    }

    #[test]
    fn a_reliable_network_delivers_everything_within_the_delay_bounds() {
        let mut net = Network::new([1, 2, 3], NetworkFaults::reliable(2, 5));
        let mut dice = Dice::new(1);
        for i in 0..100 {
            net.send(&mut dice, 0, 1, 2, i);
        }
        assert!(!net.has_due(1), "nothing arrives before min_delay");
        let got = drain(&mut net, 5);
        assert_eq!(got.len(), 100);
        let mut payloads: Vec<u32> = got.iter().map(|e| e.payload).collect();
        assert_ne!(
            payloads,
            (0..100).collect::<Vec<_>>(),
            "random delays reorder"
        );
        payloads.sort();
        assert_eq!(payloads, (0..100).collect::<Vec<_>>());
        assert_eq!(net.in_flight(), 0);
    }

    #[test]
    fn drops_and_duplicates_happen_at_their_rates() {
        let faults = NetworkFaults {
            drop_permille: 200,
            dup_permille: 200,
            min_delay: 1,
            max_delay: 3,
            slow_permille: 0,
            slow_delay: 3,
        };
        let mut net = Network::new([1, 2], faults);
        let mut dice = Dice::new(2);
        for i in 0..5000 {
            net.send(&mut dice, 0, 1, 2, i);
        }
        let got = drain(&mut net, 3);
        let stats = net.stats();
        assert!((800..1200).contains(&stats.dropped), "{stats:?}");
        assert!((600..1000).contains(&stats.duplicated), "{stats:?}");
        assert_eq!(got.len() as u64, 5000 - stats.dropped + stats.duplicated);
        let distinct: BTreeSet<u32> = got.iter().map(|e| e.payload).collect();
        assert!(distinct.len() < got.len(), "some payload arrived twice");
    }

    #[test]
    fn slow_messages_arrive_long_after_the_others() {
        let faults = NetworkFaults {
            slow_permille: 100,
            slow_delay: 50,
            ..NetworkFaults::reliable(1, 2)
        };
        let mut net = Network::new([1, 2], faults);
        let mut dice = Dice::new(4);
        for i in 0..1000 {
            net.send(&mut dice, 0, 1, 2, i);
        }
        let on_time = drain(&mut net, 2).len();
        assert!((850..950).contains(&on_time), "{on_time} on time");
        assert_eq!(on_time + drain(&mut net, 50).len(), 1000);
    }

    #[test]
    fn a_cut_link_loses_messages_both_ways_and_in_flight_until_healed() {
        let mut net = Network::new([1, 2, 3], NetworkFaults::reliable(1, 1));
        let mut dice = Dice::new(3);
        net.send(&mut dice, 0, 1, 2, 10); // in flight when the link is cut
        net.cut(2, 1);
        net.send(&mut dice, 0, 1, 2, 11);
        net.send(&mut dice, 0, 2, 1, 12);
        net.send(&mut dice, 0, 1, 3, 13); // other links still work
        let got: Vec<u32> = drain(&mut net, 1).iter().map(|e| e.payload).collect();
        assert_eq!(got, vec![13]);
        assert_eq!(net.stats().partitioned, 3);
        net.heal();
        net.send(&mut dice, 1, 1, 2, 14);
        let got: Vec<u32> = drain(&mut net, 2).iter().map(|e| e.payload).collect();
        assert_eq!(got, vec![14]);
    }

    #[test]
    fn isolate_cuts_a_node_from_every_other_member_only() {
        let mut net: Network<u32> = Network::new([1, 2, 3], NetworkFaults::reliable(1, 1));
        net.isolate(2);
        assert!(net.is_cut(1, 2) && net.is_cut(2, 3) && net.is_cut(3, 2));
        assert!(!net.is_cut(1, 3));
        net.heal();
        assert!(net.cuts().is_empty());
    }
}
