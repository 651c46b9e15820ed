//! Runs any [`Core`] as a stateright [`Actor`]: the same code the cluster
//! runs, driven by the model checker.
//!
//! # Ids
//!
//! Our configurations number servers `1..=N`; stateright numbers actors by
//! their index in the model. Server `NodeId` `n` is stateright `Id(n - 1)`
//! ([`actor_id`], [`node_id`]), and the model's client actors follow the
//! servers at `Id(N)..`. A model's configuration must therefore be exactly
//! `{1, ..., N}`.
//!
//! # One step
//!
//! Each stateright input (a delivery, a timer, a restart) runs the core on a
//! clone of the actor state and then performs the core's actions in order,
//! keeping the ordering contract of [`protocols::Outbox`]:
//! - `Persist` folds the record into the mirrored [`Stored`] state, which is
//!   handed to `o.save` once at the end of the step if it changed. The step
//!   is atomic in the model, so "persist before send" holds by construction,
//!   and `max_crashes` models a crash between any two steps;
//! - `Send` to a peer becomes a network message; `Send` to itself is
//!   delivered within the same step (loopback), which keeps those
//!   interleavings, irrelevant to the protocol, out of the state space;
//! - `Commit` is applied to the host's register (see [`crate::host`]), which
//!   answers the client that asked this node;
//! - `SetTimer`/`CancelTimer` arm stateright timers with `model_timeout()`
//!   (any armed timer may fire at any moment), but only for timers the
//!   model's `arm_timer` predicate accepts for the core's state after the
//!   step (re-judged after every step):
//!   periodic timers such as heartbeats resend identical messages forever
//!   and make the state space infinite, so a model leaves them unarmed, and
//!   a model may arm a failure detector only while it has reason to fire
//!   (otherwise no state is ever terminal);
//! - `Rejected` parks the client's request; a later `StatusChanged` naming a
//!   leader proposes it again.
//!
//! The state is reported changed (`Cow::Owned`) only when it differs from the
//! old one: a delivery that changes nothing and emits nothing is then no
//! transition at all, which shrinks the state space by orders of magnitude.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use protocols::{Action, ClusterConfig, Core, Durable, NodeId, OutboxOf, Recovered};
use stateright::actor::register::RegisterMsg;
use stateright::actor::{Actor, Id, Out, model_timeout};

use crate::host::{self, HostViolation, Machine, Stored, Waiting};
use crate::register::{RegCommand, RegOp};

/// The messages of a model: client requests and replies, and the core's own
/// messages wrapped in `Internal`.
pub type ModelMsg<C> = RegisterMsg<u64, char, <C as Core>::Msg>;

/// Builds a core; `C::new` unless a model checks a deliberately broken one.
pub type CoreCtor<C> =
    fn(NodeId, ClusterConfig, Recovered<<C as Core>::Durable>, &mut OutboxOf<C>) -> C;

/// Decides which of the timers a core has set the model arms, given the
/// core's state after a step; see [`CoreActor::arm_timer`].
pub type ArmTimer<C> = fn(&C, &<C as Core>::Timer) -> bool;

/// How many self-addressed rounds one step may take before the host gives up.
const LOOPBACK_LIMIT: usize = 64;

/// Server node `n` (1-based) as a stateright actor id.
pub fn actor_id(node: NodeId) -> Option<Id> {
    let index = node.checked_sub(1)?;
    usize::try_from(index).ok().map(Id::from)
}

/// The server node a stateright actor id stands for.
pub fn node_id(id: Id) -> NodeId {
    usize::from(id) as NodeId + 1
}

/// One server of a model: a core and its host.
pub struct CoreActor<C: Core> {
    pub config: ClusterConfig,
    pub new_core: CoreCtor<C>,
    /// Whether the model arms a timer the core has set, for a core in this
    /// state. Judged again after every step: a timer refused now may be
    /// armed later, and an armed one the predicate now refuses is disarmed.
    pub arm_timer: ArmTimer<C>,
    /// Whether a restart increments [`Stored::restarts`] (see
    /// [`CoreActor::counting_restarts`]).
    pub count_restarts: bool,
}

impl<C: Core> Clone for CoreActor<C> {
    fn clone(&self) -> Self {
        CoreActor {
            config: self.config.clone(),
            new_core: self.new_core,
            arm_timer: self.arm_timer,
            count_restarts: self.count_restarts,
        }
    }
}

impl<C: Core> fmt::Debug for CoreActor<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoreActor")
            .field("protocol", &C::NAME)
            .field("config", &self.config)
            .finish()
    }
}

impl<C: Core> CoreActor<C> {
    pub fn new(config: ClusterConfig, arm_timer: ArmTimer<C>) -> Self {
        CoreActor {
            config,
            new_core: C::new,
            arm_timer,
            count_restarts: false,
        }
    }

    /// The same model with every restart counted in the persisted ghost
    /// [`Stored::restarts`], so `within_boundary` can bound the total
    /// number of crashes: stateright's `max_crashes` bounds only how many
    /// servers are down at once, and a server that crashes and restarts
    /// again and again re-sends its start-up messages each time, which on
    /// FIFO channels queues without bound.
    pub fn counting_restarts(mut self) -> Self {
        self.count_restarts = true;
        self
    }

    /// The same model with a different (e.g. deliberately broken) constructor.
    pub fn with_ctor(mut self, new_core: CoreCtor<C>) -> Self {
        self.new_core = new_core;
        self
    }
}

/// A server actor's state: the core, the host's persisted half (mirroring
/// what `o.save` last stored), and the requests its clients wait on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerState<C: Core> {
    pub core: C,
    pub stored: Stored<C::Durable>,
    pub waiting: BTreeMap<(u64, u64), Waiting>,
    /// The timers the core has set (and not cancelled, nor seen fire).
    pub timers: BTreeSet<C::Timer>,
    /// The subset armed in stateright (mirrored, because an actor cannot
    /// see the model's timer set): only real changes become timer
    /// commands, so a step that changes nothing stays a no-op.
    pub armed: BTreeSet<C::Timer>,
}

impl<C: Core> ServerState<C> {
    pub fn machine(&self) -> &Machine {
        &self.stored.machine
    }
}

impl<C: Core> CoreActor<C> {
    /// Runs `input` on a copy of the state, performs the resulting actions,
    /// and replaces the state only if it changed.
    fn step(
        &self,
        id: Id,
        state: &mut Cow<ServerState<C>>,
        o: &mut Out<Self>,
        input: impl FnOnce(&mut ServerState<C>, &mut OutboxOf<C>),
    ) {
        let mut next = (**state).clone();
        let mut out = OutboxOf::<C>::new();
        input(&mut next, &mut out);
        self.settle(id, &mut next, out, o);
        if next != **state {
            if next.stored != state.stored {
                o.save(next.stored.clone());
            }
            *state = Cow::Owned(next);
        }
    }

    /// Performs the core's actions until nothing is left: replies, timers
    /// and network messages go to `o`; self-addressed messages and
    /// re-proposals are fed back into the core.
    fn settle(&self, id: Id, st: &mut ServerState<C>, mut out: OutboxOf<C>, o: &mut Out<Self>) {
        let me = node_id(id);
        let mut loopback = VecDeque::new();
        let mut proposals = VecDeque::new();
        for _ in 0..LOOPBACK_LIMIT {
            for action in out.take() {
                match action {
                    Action::Persist(record) => st.stored.durable.apply(&record),
                    Action::Send { to, msg } if to == me => loopback.push_back(msg),
                    Action::Send { to, msg } => match actor_id(to) {
                        Some(dst) if self.config.members.contains(&to) => {
                            o.send(dst, RegisterMsg::Internal(msg))
                        }
                        _ => {
                            st.stored
                                .machine
                                .violations
                                .insert(HostViolation::SendToUnknownNode { to });
                        }
                    },
                    Action::Commit { zxid, command } => {
                        let reply = host::apply_commit(
                            &mut st.stored.machine,
                            &mut st.waiting,
                            zxid,
                            command,
                        );
                        if let Some((client, msg)) = reply {
                            o.send(client, msg);
                        }
                    }
                    // Re-arming a set timer changes nothing in a model
                    // without a clock; `reconcile_timers` arms it.
                    Action::SetTimer { timer, .. } => {
                        st.timers.insert(timer);
                    }
                    Action::CancelTimer(timer) => {
                        st.timers.remove(&timer);
                    }
                    // Snapshot transfer is not modelled: the transfer is
                    // lost, as a real one may be. A restarted core whose
                    // host already applied entries compacts its log and
                    // asks for this to serve a lagging peer; safety does
                    // not depend on it, only that peer's progress does.
                    Action::SendSnapshot { .. } => {}
                    Action::StatusChanged(status) => {
                        if status.leader.is_some() {
                            proposals.extend(host::unpark(&mut st.waiting));
                        }
                    }
                    Action::Rejected { command, .. } => host::park(&mut st.waiting, &command),
                }
            }
            if let Some(cmd) = proposals.pop_front() {
                st.core.propose(cmd.encode(), &mut out);
            } else if let Some(msg) = loopback.pop_front() {
                st.core.on_message(me, msg, &mut out);
            } else {
                self.reconcile_timers(st, o);
                return;
            }
        }
        st.stored
            .machine
            .violations
            .insert(HostViolation::LoopbackDidNotSettle);
        self.reconcile_timers(st, o);
    }

    /// Arms in stateright exactly the timers the core has set that the
    /// model's predicate accepts for the core's state after this step.
    fn reconcile_timers(&self, st: &mut ServerState<C>, o: &mut Out<Self>) {
        let stale: Vec<C::Timer> = st
            .armed
            .iter()
            .filter(|t| !st.timers.contains(*t) || !(self.arm_timer)(&st.core, t))
            .cloned()
            .collect();
        for timer in stale {
            st.armed.remove(&timer);
            o.cancel_timer(timer);
        }
        let due: Vec<C::Timer> = st
            .timers
            .iter()
            .filter(|t| !st.armed.contains(*t) && (self.arm_timer)(&st.core, t))
            .cloned()
            .collect();
        for timer in due {
            st.armed.insert(timer.clone());
            o.set_timer(timer, model_timeout());
        }
    }

    /// A client's request: propose it through the core, once.
    fn request(&self, id: Id, state: &mut Cow<ServerState<C>>, cmd: RegCommand, o: &mut Out<Self>) {
        if state.waiting.contains_key(&cmd.key()) || state.machine().applied.contains(&cmd.key()) {
            return;
        }
        self.step(id, state, o, |st, out| {
            st.waiting.insert(
                cmd.key(),
                Waiting {
                    command: cmd,
                    parked: false,
                },
            );
            st.core.propose(cmd.encode(), out);
        });
    }
}

impl<C: Core> Actor for CoreActor<C> {
    type Msg = ModelMsg<C>;
    type Timer = C::Timer;
    type State = ServerState<C>;
    type Storage = Stored<C::Durable>;
    type Random = ();

    fn name(&self) -> String {
        String::new()
    }

    fn on_start(&self, id: Id, storage: &Option<Self::Storage>, o: &mut Out<Self>) -> Self::State {
        let mut stored = storage.clone().unwrap_or_default();
        let before = stored.clone();
        if self.count_restarts && storage.is_some() {
            stored.restarts = stored.restarts.saturating_add(1);
        }
        let recovered = Recovered {
            durable: stored.durable.clone(),
            applied: stored.machine.last_applied(),
        };
        let mut out = OutboxOf::<C>::new();
        let core = (self.new_core)(node_id(id), self.config.clone(), recovered, &mut out);
        let mut st = ServerState {
            core,
            stored: stored.clone(),
            waiting: BTreeMap::new(),
            timers: BTreeSet::new(),
            armed: BTreeSet::new(),
        };
        self.settle(id, &mut st, out, o);
        // Counting restarts needs storage from the first start on: a server
        // that crashed before saving anything would otherwise restart
        // uncounted.
        if st.stored != before || (self.count_restarts && storage.is_none()) {
            o.save(st.stored.clone());
        }
        st
    }

    fn on_msg(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        src: Id,
        msg: Self::Msg,
        o: &mut Out<Self>,
    ) {
        let client = usize::from(src) as u64;
        match msg {
            RegisterMsg::Internal(msg) => {
                let from = node_id(src);
                if self.config.members.contains(&from) {
                    self.step(id, state, o, |st, out| st.core.on_message(from, msg, out));
                }
            }
            RegisterMsg::Put(request, value) => {
                let cmd = RegCommand {
                    client,
                    request,
                    op: RegOp::Put(value),
                };
                self.request(id, state, cmd, o);
            }
            RegisterMsg::Get(request) => {
                let cmd = RegCommand {
                    client,
                    request,
                    op: RegOp::Get,
                };
                self.request(id, state, cmd, o);
            }
            RegisterMsg::PutOk(_) | RegisterMsg::GetOk(..) => {}
        }
    }

    fn on_timeout(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        timer: &Self::Timer,
        o: &mut Out<Self>,
    ) {
        let timer = timer.clone();
        self.step(id, state, o, |st, out| {
            // Firing disarmed it, in stateright and for the core.
            st.armed.remove(&timer);
            st.timers.remove(&timer);
            st.core.on_timer(timer, out)
        });
    }
}
