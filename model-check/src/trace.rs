//! Counterexamples and examples in protocol terms: one line per step
//! (`n1 -> n2: Prepare { .. }`, `timeout n2 Election`, `crash n3`), followed
//! by what the step changed on the hosts (commits, leader changes).

use std::fmt::Write as _;

use protocols::Core;
use stateright::Model;
use stateright::Path;
use stateright::actor::register::RegisterMsg;
use stateright::actor::{ActorModelAction, Id};

use crate::adapter::{ModelMsg, node_id};
use crate::model::{Bounds, CoreModel, CoreModelState, server};
use crate::register::{RegCommand, describe_command};

pub type CorePath<C> =
    Path<CoreModelState<C>, ActorModelAction<ModelMsg<C>, <C as Core>::Timer, ()>>;

/// `n1` for the server with node id 1, `c3` for the client at actor index 3.
pub fn actor_name(bounds: &Bounds, id: Id) -> String {
    let index = usize::from(id);
    if index < bounds.servers {
        format!("n{}", node_id(id))
    } else {
        format!("c{index}")
    }
}

pub fn describe_msg<M: std::fmt::Debug>(msg: &RegisterMsg<u64, char, M>) -> String {
    match msg {
        RegisterMsg::Internal(m) => readable_ballots(&readable_commands(&format!("{m:?}"))),
        RegisterMsg::Put(r, v) => format!("Put #{r} {v:?}"),
        RegisterMsg::Get(r) => format!("Get #{r}"),
        RegisterMsg::PutOk(r) => format!("PutOk #{r}"),
        RegisterMsg::GetOk(r, v) => format!("GetOk #{r} {v:?}"),
    }
}

/// Shortens `Ballot { round: 1, node: 2 }` to `(1, n2)`, the way papers
/// write ballots.
pub fn readable_ballots(debug: &str) -> String {
    const OPEN: &str = "Ballot { round: ";
    let mut text = String::new();
    let mut rest = debug;
    while let Some(at) = rest.find(OPEN) {
        text.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let parsed = after.find(" }").and_then(|close| {
            let (round, node) = after[..close].split_once(", node: ")?;
            Some((close, round.parse::<u32>().ok()?, node.parse::<u64>().ok()?))
        });
        match parsed {
            Some((close, round, node)) => {
                text.push_str(&format!("({round}, n{node})"));
                rest = &after[close + 2..];
            }
            None => {
                text.push_str(OPEN);
                rest = after;
            }
        }
    }
    text.push_str(rest);
    text
}

/// Replaces every byte list in a message's `Debug` text that is a register
/// command (`[80, 3, 0, ...]`) with the command it encodes.
pub fn readable_commands(debug: &str) -> String {
    let mut text = String::new();
    let mut rest = debug;
    while let Some(open) = rest.find('[') {
        let (before, from_open) = rest.split_at(open);
        text.push_str(before);
        let decoded = from_open.find(']').and_then(|close| {
            let bytes: Result<Vec<u8>, _> = from_open[1..close]
                .split(',')
                .map(|b| b.trim().parse::<u8>())
                .collect();
            let cmd = RegCommand::decode(&bytes.ok()?).ok()?;
            Some((close, cmd))
        });
        match decoded {
            Some((close, cmd)) => {
                text.push_str(&format!("<{cmd}>"));
                rest = &from_open[close + 1..];
            }
            None => {
                text.push('[');
                rest = &from_open[1..];
            }
        }
    }
    text.push_str(rest);
    text
}

pub fn describe_action<C: Core>(
    bounds: &Bounds,
    action: &ActorModelAction<ModelMsg<C>, C::Timer, ()>,
) -> String {
    let name = |id: &Id| actor_name(bounds, *id);
    match action {
        ActorModelAction::Deliver { src, dst, msg } => {
            format!("{} -> {}: {}", name(src), name(dst), describe_msg(msg))
        }
        ActorModelAction::Drop(env) => format!(
            "drop {} -> {}: {}",
            name(&env.src),
            name(&env.dst),
            describe_msg(&env.msg)
        ),
        ActorModelAction::Timeout(id, timer) => format!("timeout {} {timer:?}", name(id)),
        ActorModelAction::Crash(id) => format!("crash {}", name(id)),
        ActorModelAction::Recover(id) => format!("recover {}", name(id)),
        ActorModelAction::SelectRandom { actor, key, .. } => {
            format!("random {} {key}", name(actor))
        }
    }
}

/// What one step changed on the servers: new commits and status changes.
fn effects<C: Core>(
    bounds: &Bounds,
    before: &CoreModelState<C>,
    after: &CoreModelState<C>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..bounds.servers {
        let (Some(b), Some(a)) = (server(before, i), server(after, i)) else {
            continue;
        };
        let name = actor_name(bounds, Id::from(i));
        let (sb, sa) = (b.core.status(), a.core.status());
        if (sb.role, sb.leader, sb.epoch) != (sa.role, sa.leader, sa.epoch) {
            let leader = sa.leader.map_or("none".to_owned(), |l| format!("n{l}"));
            lines.push(format!(
                "{name} is {} (epoch {}, leader {leader})",
                sa.role, sa.epoch
            ));
        }
        for (z, c) in &a.machine().committed {
            if !b.machine().committed.contains_key(z) {
                lines.push(format!("{name} commits {z}: {}", describe_command(c)));
            }
        }
        for v in a.machine().violations.difference(&b.machine().violations) {
            lines.push(format!("{name} host contract broken: {v:?}"));
        }
    }
    lines
}

/// The whole trace, and stateright's action-index path for the Explorer.
pub fn render<C: Core>(model: &CoreModel<C>, path: &CorePath<C>) -> String {
    let bounds = &model.cfg;
    let steps = path.clone().into_vec();
    let mut text = String::new();
    for (n, pair) in steps.windows(2).enumerate() {
        let [(before, Some(action)), (after, _)] = pair else {
            continue;
        };
        let _ = writeln!(
            text,
            "  {:>3}. {}",
            n + 1,
            describe_action::<C>(bounds, action)
        );
        for effect in effects(bounds, before, after) {
            let _ = writeln!(text, "         {effect}");
        }
    }
    let _ = writeln!(
        text,
        "  Explorer path: {}  (open http://127.0.0.1:3000/#/steps/{} under `explore`)",
        path.encode(model),
        path.encode(model)
    );
    text
}

/// The trace as a list of action lines only (for tests).
pub fn action_lines<C: Core>(model: &CoreModel<C>, path: &CorePath<C>) -> Vec<String> {
    path.clone()
        .into_actions()
        .iter()
        .map(|a| describe_action::<C>(&model.cfg, a))
        .collect()
}

/// Whether `model` has a state transition for this path at all (guards the
/// trace against a path the checker mangled, bug 1/5 of the notes).
pub fn replays<C: Core>(model: &CoreModel<C>, path: &CorePath<C>) -> bool {
    let steps = path.clone().into_vec();
    steps.windows(2).all(|pair| match pair {
        [(before, Some(action)), (after, _)] => {
            model.next_state(before, action.clone()).as_ref() == Some(after)
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::RegOp;

    #[test]
    fn commands_inside_messages_are_printed_as_register_ops() {
        let cmd = RegCommand {
            client: 3,
            request: 3,
            op: RegOp::Put('A'),
        };
        let debug = format!("Accept {{ slot: 1, command: {:?} }}", cmd.encode());
        assert_eq!(
            readable_commands(&debug),
            "Accept { slot: 1, command: <Put('A') #3 from c3> }"
        );
        assert_eq!(
            readable_commands("Promise { log: [1, 2] }"),
            "Promise { log: [1, 2] }"
        );
    }
}
