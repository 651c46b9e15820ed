//! The duel view ([`Duelist`]) of the leader-based cores, and their
//! livelock models.
//!
//! - Multi-Paxos: phase 1 is a candidate's ballot, phase 2 a leader's; it
//!   is pre-empted when a higher ballot refuses it (`Nack`) or reaches it.
//!   With a stable leader only `n1` campaigns (the distinguished proposer
//!   of Paxos Made Simple §3); `n2` forwards its write to the leader.
//! - Zab: phase 1 is discovery (CEPOCH, NEWEPOCH, ACKEPOCH); a leader gets
//!   through it when a quorum acknowledged its NEWEPOCH, and is pre-empted
//!   when a higher epoch supersedes it. The failure detectors are the main
//!   model's (no follower gives up on a leader it follows).

use protocols::multipaxos::{Entry, Msg as MpMsg, MultiPaxos};
use protocols::zab::{Msg as ZabMsg, Zab};
use protocols::{ClusterConfig, NodeId};
use stateright::actor::Network;

use crate::adapter::CoreActor;
use crate::livelock::{self, DuelBounds, DuelModel, Duelist, Phase, Rank, VoteKey};
use crate::multipaxos::{self, Campaigns};
use crate::zab;

impl Duelist for MultiPaxos {
    fn phase(&self) -> Phase {
        if let Some(b) = self.leader_ballot() {
            Phase::Accepting((b.round, b.node))
        } else if let Some(b) = self.candidate_ballot() {
            Phase::Preparing((b.round, b.node))
        } else {
            Phase::Idle
        }
    }

    fn promised(&self) -> Rank {
        let b = self.durable().promised;
        (b.round, b.node)
    }

    fn votes(&self) -> Vec<VoteKey> {
        self.durable()
            .accepted
            .iter()
            .map(|(slot, v)| {
                let Entry { command, .. } = &v.entry;
                (
                    u64::from(*slot),
                    (v.ballot.round, v.ballot.node),
                    command.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn accept_rank(msg: &MpMsg) -> Option<Rank> {
        match msg {
            MpMsg::Accept { ballot, .. } => Some((ballot.round, ballot.node)),
            _ => None,
        }
    }
}

impl Duelist for Zab {
    fn phase(&self) -> Phase {
        match self.leader_epoch() {
            Some((epoch, true)) => Phase::Accepting((epoch, 0)),
            Some((epoch, false)) => Phase::Preparing((epoch, 0)),
            None => Phase::Idle,
        }
    }

    fn promised(&self) -> Rank {
        (self.durable().accepted_epoch, 0)
    }

    fn votes(&self) -> Vec<VoteKey> {
        self.durable()
            .history
            .iter()
            .map(|(z, c)| (z.0, (z.epoch(), 0), c.clone()))
            .collect()
    }

    fn accept_rank(msg: &ZabMsg) -> Option<Rank> {
        match msg {
            ZabMsg::NewEpoch { epoch } => Some((*epoch, 0)),
            _ => None,
        }
    }

    fn rank_name(rank: Rank) -> String {
        format!("epoch {}", rank.0)
    }
}

fn members(bounds: &DuelBounds) -> ClusterConfig {
    ClusterConfig::new(1..=bounds.model.servers as NodeId)
}

/// Multi-Paxos's livelock model; `campaigners` 1 is the stable leader.
pub fn multipaxos_model(bounds: DuelBounds, campaigners: u64) -> DuelModel<MultiPaxos> {
    let campaigns = Campaigns {
        campaigners,
        eager: false,
    };
    let actor = CoreActor::new(members(&bounds), multipaxos::arm_timer(campaigns));
    livelock::build(actor, bounds, Network::new_unordered_nonduplicating([]))
}

/// Zab's livelock model, over FIFO channels as Zab assumes.
pub fn zab_model(bounds: DuelBounds) -> DuelModel<Zab> {
    let actor = CoreActor::new(members(&bounds), zab::arm_timer(zab::MAIN_DETECTORS));
    livelock::build(actor, bounds, Network::new_ordered([]))
}
