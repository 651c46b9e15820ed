//! The adapter on a deliberately trivial core (a fixed-leader sequencer),
//! so that the adapter's own behaviour (loopback, storage, timers, the
//! register host, the history hooks) is pinned independently of any real
//! protocol, and so that a broken core is shown to be caught.

use std::collections::BTreeMap;
use std::time::Duration;

use model_check::adapter::CoreActor;
use model_check::check::{self, RunOptions, Stop};
use model_check::model::{self, Bounds};
use model_check::properties;
use model_check::register::RegOp;
use protocols::{
    ClusterConfig, Command, Core, Durable, NodeId, OutboxOf, Recovered, Role, Status, Zxid,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
enum Msg {
    Forward(Command),
    Commit { zxid: Zxid, command: Command },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
enum Timer {
    /// Never armed by the model: checks the adapter's timer predicate.
    Heartbeat,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
struct Log(BTreeMap<Zxid, Command>);

impl Durable for Log {
    type Record = (Zxid, Command);
    fn apply(&mut self, (zxid, command): &(Zxid, Command)) {
        self.0.insert(*zxid, command.clone());
    }
}

/// Node 1 orders everything; followers forward to it and commit in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Sequencer {
    id: NodeId,
    members: Vec<NodeId>,
    log: BTreeMap<Zxid, Command>,
    committed: Zxid,
    /// A broken sequencer forgets to persist what it orders.
    forgetful: bool,
}

impl Sequencer {
    fn commit_ready(&mut self, out: &mut OutboxOf<Self>) {
        while let Some(c) = self.log.get(&Zxid::new(1, self.committed.counter() + 1)) {
            self.committed = Zxid::new(1, self.committed.counter() + 1);
            out.commit(self.committed, c.clone());
        }
    }

    fn new_forgetful(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<Log>,
        out: &mut OutboxOf<Self>,
    ) -> Self {
        let mut s = Self::new(id, config, recovered, out);
        s.forgetful = true;
        s
    }
}

impl Core for Sequencer {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Log;
    const NAME: &'static str = "sequencer";

    fn new(
        id: NodeId,
        config: ClusterConfig,
        rec: Recovered<Log>,
        out: &mut OutboxOf<Self>,
    ) -> Self {
        out.set_timer(Timer::Heartbeat, 1);
        let mut s = Sequencer {
            id,
            members: config.members.into_iter().collect(),
            log: rec.durable.0,
            committed: rec.applied,
            forgetful: false,
        };
        s.commit_ready(out);
        s
    }

    fn propose(&mut self, command: Command, out: &mut OutboxOf<Self>) {
        if self.id != 1 {
            out.send(1, Msg::Forward(command));
            return;
        }
        let zxid = Zxid::new(1, self.log.len() as u32 + 1);
        if !self.forgetful {
            out.persist((zxid, command.clone()));
        }
        self.log.insert(zxid, command.clone());
        for &to in &self.members {
            if to != self.id {
                out.send(
                    to,
                    Msg::Commit {
                        zxid,
                        command: command.clone(),
                    },
                );
            }
        }
        self.commit_ready(out);
    }

    fn on_message(&mut self, _from: NodeId, msg: Msg, out: &mut OutboxOf<Self>) {
        match msg {
            Msg::Forward(command) => self.propose(command, out),
            Msg::Commit { zxid, command } => {
                out.persist((zxid, command.clone()));
                self.log.insert(zxid, command);
                self.commit_ready(out);
            }
        }
    }

    fn on_timer(&mut self, _timer: Timer, _out: &mut OutboxOf<Self>) {}
    fn compact(&mut self, _upto: Zxid, _out: &mut OutboxOf<Self>) {}
    fn snapshot_installed(&mut self, _at: Zxid, _out: &mut OutboxOf<Self>) {}

    fn status(&self) -> Status {
        Status {
            role: if self.id == 1 {
                Role::Leader
            } else {
                Role::Follower
            },
            leader: Some(1),
            epoch: 1,
            last_committed: self.committed,
        }
    }

    fn id(&self) -> NodeId {
        self.id
    }
}

/// Pinned: a change to the adapter that alters the state space shows here.
const UNIQUE_NO_CRASH: usize = 2740;
const UNIQUE_ONE_CRASH: usize = 32380;

fn bounds(max_crashes: usize) -> Bounds {
    Bounds {
        servers: 3,
        clients: vec![
            vec![RegOp::Put('A'), RegOp::Get],
            vec![RegOp::Put('B'), RegOp::Get],
        ],
        max_epoch: 1,
        max_crashes,
        entry: 0,
        max_in_flight: None,
    }
}

fn unordered() -> stateright::actor::Network<model_check::adapter::ModelMsg<Sequencer>> {
    stateright::actor::Network::new_unordered_nonduplicating([])
}

fn actor() -> CoreActor<Sequencer> {
    CoreActor::new(ClusterConfig::new([1, 2, 3]), |_, _| false)
}

fn opts() -> RunOptions {
    RunOptions {
        timeout: Duration::from_secs(60),
        ..RunOptions::default()
    }
}

#[test]
fn a_correct_core_keeps_every_property() {
    let report = check::run(model::build(actor(), bounds(0), unordered()), &opts());
    assert!(report.all_hold(), "{}", report.render());
    assert_eq!(report.unique_states, UNIQUE_NO_CRASH, "{}", report.render());
}

#[test]
fn a_crash_keeps_every_property_when_the_core_persists() {
    let report = check::run(model::build(actor(), bounds(1), unordered()), &opts());
    assert!(report.all_hold(), "{}", report.render());
    assert_eq!(
        report.unique_states,
        UNIQUE_ONE_CRASH,
        "{}",
        report.render()
    );
}

#[test]
fn a_core_that_forgets_to_persist_breaks_durability() {
    let broken = actor().with_ctor(Sequencer::new_forgetful);
    let report = check::run(
        model::build(broken, bounds(1), unordered()),
        &RunOptions {
            stop: Stop::AnyFailure,
            ..opts()
        },
    );
    let durability = report.outcome(properties::DURABILITY).expect("property");
    assert!(!durability.holds, "{}", report.render());
}
