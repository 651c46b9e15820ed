//! A duel as a numbered trace: each step as the protocol names it, then
//! what it meant for the duel (who prepared, who promised, who voted,
//! whose accept was refused and why, which proposer was pre-empted).

use std::fmt::Write as _;

use stateright::actor::ActorModelAction;
use stateright::actor::register::RegisterMsg;

use crate::adapter::node_id;
use crate::livelock::{DuelModel, DuelModelState, DuelPath, Duelist, Phase, servers};
use crate::register::describe_command;
use crate::trace::describe_action;

fn name(index: usize) -> String {
    format!("n{}", index + 1)
}

/// Who made server `index` give up: the sender of the message it got.
fn refused_by<M, T>(action: &ActorModelAction<M, T, ()>, index: usize) -> String {
    match action {
        ActorModelAction::Deliver { src, dst, .. } if usize::from(*dst) == index => {
            format!(": n{} refused it for a higher id", node_id(*src))
        }
        _ => String::new(),
    }
}

/// What one step meant for the duel, server by server.
fn effects<C: Duelist>(
    model: &DuelModel<C>,
    before: &DuelModelState<C>,
    action: &ActorModelAction<crate::adapter::ModelMsg<C>, C::Timer, ()>,
    after: &DuelModelState<C>,
) -> Vec<String> {
    let bounds = &model.cfg;
    let rank = |r| C::rank_name(r);
    let mut lines = Vec::new();
    // An accept delivered: voted for, or refused because of a promise.
    if let ActorModelAction::Deliver {
        src,
        dst,
        msg: RegisterMsg::Internal(msg),
    } = action
        && let Some(r) = C::accept_rank(msg)
        && let Some(acceptor) = servers(bounds, after).find(|(i, _, _)| *i == usize::from(*dst))
        && acceptor.1.core.promised() > r
    {
        lines.push(format!(
            "{} refuses n{}'s accept in {}: it has promised {}",
            name(acceptor.0),
            node_id(*src),
            rank(r),
            rank(acceptor.1.core.promised())
        ));
    }
    let pairs = servers(bounds, before).zip(servers(bounds, after));
    for ((i, b, gb), (_, a, ga)) in pairs {
        let n = name(i);
        let (old, new) = (b.core.phase(), a.core.phase());
        let promised = a.core.promised();
        if old != new {
            match old {
                Phase::Accepting(r) if promised > r => lines.push(format!(
                    "{n} is pre-empted in phase 2 of {}{} (pre-emption #{})",
                    rank(r),
                    refused_by(action, i),
                    ga.preempted
                )),
                Phase::Preparing(r) if promised > r => lines.push(format!(
                    "{n} gives up phase 1 of {}: {} is higher",
                    rank(r),
                    rank(promised)
                )),
                _ => {}
            }
            match (old, new) {
                (_, Phase::Preparing(r)) => {
                    lines.push(format!("{n} starts phase 1 with {}", rank(r)))
                }
                (_, Phase::Accepting(r)) => lines.push(format!(
                    "{n} got through phase 1 with {} (a quorum promised): pass #{}",
                    rank(r),
                    ga.passes
                )),
                _ => {}
            }
        } else if promised != b.core.promised() {
            lines.push(format!("{n} promises {}", rank(promised)));
        }
        for (slot, r, value) in ga.votes.difference(&gb.votes) {
            lines.push(format!(
                "{n} votes for {} in {} at slot {slot}",
                if value.is_empty() {
                    "a no-op".to_owned()
                } else {
                    describe_command(value)
                },
                rank(*r)
            ));
        }
        for (z, c) in &a.machine().committed {
            if !b.machine().committed.contains_key(z) {
                lines.push(format!("{n} commits {z}: {}", describe_command(c)));
            }
        }
    }
    lines
}

/// The numbered trace, a summary of the ghost counters, and the Explorer
/// path.
pub fn render<C: Duelist>(model: &DuelModel<C>, path: &DuelPath<C>) -> String {
    let steps = path.clone().into_vec();
    let mut text = String::new();
    for (k, pair) in steps.windows(2).enumerate() {
        let [(before, Some(action)), (after, _)] = pair else {
            continue;
        };
        let _ = writeln!(
            text,
            "  {:>3}. {}",
            k + 1,
            describe_action::<C>(&model.cfg.model, action)
        );
        for effect in effects(model, before, action, after) {
            let _ = writeln!(text, "         {effect}");
        }
    }
    if let Some((last, _)) = steps.last() {
        for (i, _, g) in servers(&model.cfg, last) {
            let _ = writeln!(
                text,
                "  {}: through phase 1 {} times, pre-empted {} times",
                name(i),
                g.passes,
                g.preempted
            );
        }
        let _ = writeln!(
            text,
            "  chosen: {}",
            if crate::livelock::chosen(&model.cfg, last) {
                "yes"
            } else {
                "nothing"
            }
        );
    }
    let _ = writeln!(text, "  Explorer path: {}", path.encode(model));
    text
}
