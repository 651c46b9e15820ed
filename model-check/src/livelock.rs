//! Dueling proposers, as bounded liveness.
//!
//! stateright's `eventually` cannot show a livelock (notes §3: it never
//! reports cycles, and with bounded ballots the highest ballot always
//! wins). The duel is stated instead as a `sometimes` property on ghost
//! counters: *two proposers each got through phase 1 at least twice and
//! were pre-empted each time, and nothing was chosen*. Found, it is a
//! trace of the duel; exhausted without it, no duel exists within the
//! bounds.
//!
//! A protocol takes part through [`Duelist`], a read-only view of its core:
//! the proposer's phase (preparing or accepting under a rank), the highest
//! rank it promised or saw, and the acceptor's votes. [`DuelActor`] wraps
//! the ordinary model actor and, after every step of a server, compares
//! the view before and after:
//! - entering `Accepting(r)` is a pass through phase 1;
//! - leaving `Accepting(r)` while the node now knows a rank above `r` is a
//!   pre-emption (an acceptor refused its phase 2 for a higher ballot, or
//!   a higher ballot's message reached it);
//! - every vote the acceptor ever held is kept, so "chosen" (a quorum
//!   voted for one value in one rank) never un-happens when votes are
//!   overwritten.
//!
//! States in which something was chosen are outside the boundary: the
//! property needs nothing chosen, and "chosen" is stable, so no witness is
//! lost and the search stays small.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use protocols::{Command, Core, NodeId};
use stateright::actor::{Actor, ActorModel, ActorModelAction, ActorModelState, Id, Network, Out};
use stateright::{Checker, Expectation, HasDiscoveries, Model, Path};

use crate::adapter::{CoreActor, ModelMsg, ServerState};
use crate::client::{ActorState, ClientActor, ModelActor};
use crate::host::Stored;
use crate::model::Bounds;
use crate::register::RegOp;

pub const DUEL: &str = "two proposers each got through phase 1 twice, were pre-empted each time, and nothing was chosen";

/// A proposal number as the view compares them: `(round, proposer)` for
/// Paxos ballots, `(epoch, 0)` for Zab epochs.
pub type Rank = (u32, NodeId);

/// Where a node's proposer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Not proposing (an acceptor or follower only).
    Idle,
    /// Phase 1 under this rank: collecting promises (Zab: discovery).
    Preparing(Rank),
    /// Through phase 1: proposing under this rank (Zab: NEWEPOCH
    /// acknowledged by a quorum).
    Accepting(Rank),
}

/// One acceptor vote: the slot, the rank it was cast in, the value.
pub type VoteKey = (u64, Rank, Command);

/// A read-only view of a core for the duel property.
pub trait Duelist: Core {
    fn phase(&self) -> Phase;
    /// The highest rank this node promised or saw.
    fn promised(&self) -> Rank;
    /// The votes its acceptor holds now.
    fn votes(&self) -> Vec<VoteKey>;
    /// The rank of a phase-2 request (an accept), for the trace to say
    /// whose accept an acceptor refused.
    fn accept_rank(msg: &Self::Msg) -> Option<Rank>;
    /// A rank as the trace prints it.
    fn rank_name(rank: Rank) -> String {
        format!("({}, n{})", rank.0, rank.1)
    }
}

/// What the duel property counts, per server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ghost {
    /// Times the proposer got through phase 1.
    pub passes: u32,
    /// Times it was pre-empted in phase 2.
    pub preempted: u32,
    /// Every vote the acceptor ever held.
    pub votes: BTreeSet<VoteKey>,
}

impl Ghost {
    fn observe<C: Duelist>(&mut self, before: Option<&C>, after: &C) {
        let old = before.map_or(Phase::Idle, Duelist::phase);
        let new = after.phase();
        if old != new {
            if let Phase::Accepting(_) = new {
                self.passes += 1;
            }
            if let Phase::Accepting(rank) = old
                && after.promised() > rank
            {
                self.preempted += 1;
            }
        }
        self.votes.extend(after.votes());
    }

    /// Got through phase 1 at least twice, and was pre-empted each time.
    pub fn dueled(&self) -> bool {
        self.passes >= 2 && self.preempted >= self.passes
    }
}

/// A model actor with the ghost beside it.
pub struct DuelActor<C: Core> {
    pub actor: ModelActor<C>,
    /// Senders whose messages this actor never receives (see
    /// [`DuelBounds::slow_links`]).
    pub slow_from: Vec<Id>,
}

impl<C: Core> Clone for DuelActor<C> {
    fn clone(&self) -> Self {
        DuelActor {
            actor: self.actor.clone(),
            slow_from: self.slow_from.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DuelState<C: Core> {
    pub actor: ActorState<C>,
    pub ghost: Ghost,
}

impl<C: Duelist> DuelState<C> {
    pub fn server(&self) -> Option<&ServerState<C>> {
        match &self.actor {
            ActorState::Server(s) => Some(s),
            ActorState::Client(_) => None,
        }
    }
}

impl<C: Duelist> DuelActor<C> {
    /// Runs the wrapped actor's handler; if it changed the state, updates
    /// the ghost from the core's view before and after.
    fn wrap(state: &mut Cow<DuelState<C>>, handler: impl FnOnce(&mut Cow<ActorState<C>>)) {
        let mut inner = Cow::Borrowed(&state.actor);
        handler(&mut inner);
        let next = match inner {
            Cow::Owned(next) => next,
            Cow::Borrowed(_) => return,
        };
        let mut ghost = state.ghost.clone();
        if let (ActorState::Server(a), ActorState::Server(b)) = (&state.actor, &next) {
            ghost.observe(Some(&a.core), &b.core);
        }
        *state = Cow::Owned(DuelState { actor: next, ghost });
    }
}

impl<C: Duelist> Actor for DuelActor<C> {
    type Msg = ModelMsg<C>;
    type Timer = C::Timer;
    type State = DuelState<C>;
    type Storage = Stored<C::Durable>;
    type Random = ();

    fn on_start(&self, id: Id, storage: &Option<Self::Storage>, o: &mut Out<Self>) -> Self::State {
        let mut out = Out::new();
        let actor = self.actor.on_start(id, storage, &mut out);
        o.append(&mut out);
        let mut ghost = Ghost::default();
        if let ActorState::Server(s) = &actor {
            ghost.observe(None, &s.core);
        }
        DuelState { actor, ghost }
    }

    fn on_msg(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        src: Id,
        msg: Self::Msg,
        o: &mut Out<Self>,
    ) {
        if self.slow_from.contains(&src) {
            return;
        }
        let mut out = Out::new();
        Self::wrap(state, |inner| {
            self.actor.on_msg(id, inner, src, msg, &mut out)
        });
        o.append(&mut out);
    }

    fn on_timeout(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        timer: &Self::Timer,
        o: &mut Out<Self>,
    ) {
        let mut out = Out::new();
        Self::wrap(state, |inner| {
            self.actor.on_timeout(id, inner, timer, &mut out)
        });
        o.append(&mut out);
    }
}

/// The livelock model's bounds: the register model's (servers, clients)
/// and the highest round (or epoch) a node may promise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuelBounds {
    pub model: Bounds,
    pub max_round: u32,
    /// Pairs of servers (node ids) whose messages to each other are never
    /// delivered: an asynchronous network may delay them past the end of
    /// any trace. A duel found under this schedule is a duel of the full
    /// model; an absence is only an absence under it, so absences are
    /// checked with no slow links.
    pub slow_links: Vec<(NodeId, NodeId)>,
}

impl DuelBounds {
    fn slow_from(&self, index: usize) -> Vec<Id> {
        let me = index as NodeId + 1;
        self.slow_links
            .iter()
            .filter_map(|&(a, b)| match (a == me, b == me) {
                (true, _) => Some(b),
                (_, true) => Some(a),
                _ => None,
            })
            .filter_map(crate::adapter::actor_id)
            .collect()
    }
}

/// The bounds every protocol's livelock check uses: 3 servers, a write
/// entering at `n1` and another at `n2`, rounds (epochs) up to 5, and the
/// duel's schedule: `n1` and `n2` never hear from each other, so `n3` is
/// the swing acceptor. (A pre-empted basic-Paxos proposer prepares again
/// one round above the id that pre-empted it, so two passes each take
/// rounds 1, 1, 2, 3, the pre-emption of the last one round 4, and the
/// re-prepare of that proposer round 5.)
pub fn duel_bounds() -> DuelBounds {
    DuelBounds {
        model: Bounds {
            servers: 3,
            clients: vec![vec![RegOp::Put('A')], vec![RegOp::Put('B')]],
            max_epoch: 3,
            max_crashes: 0,
            entry: 0,
            max_in_flight: None,
        },
        max_round: 5,
        slow_links: vec![(1, 2)],
    }
}

pub type DuelModel<C> = ActorModel<DuelActor<C>, DuelBounds, ()>;
pub type DuelModelState<C> = ActorModelState<DuelActor<C>, ()>;
pub type DuelPath<C> =
    Path<DuelModelState<C>, ActorModelAction<ModelMsg<C>, <C as Core>::Timer, ()>>;

/// Every server's state and ghost, with its actor index.
pub fn servers<'a, C: Duelist>(
    bounds: &DuelBounds,
    state: &'a DuelModelState<C>,
) -> impl Iterator<Item = (usize, &'a ServerState<C>, &'a Ghost)> {
    state
        .actor_states
        .iter()
        .take(bounds.model.servers)
        .enumerate()
        .filter_map(|(i, s)| s.server().map(|st| (i, st, &s.ghost)))
}

/// A quorum voted for one value in one rank at some point, or a server
/// committed something.
pub fn chosen<C: Duelist>(bounds: &DuelBounds, state: &DuelModelState<C>) -> bool {
    let mut voters: BTreeMap<&VoteKey, usize> = BTreeMap::new();
    for (_, st, ghost) in servers(bounds, state) {
        if !st.machine().committed.is_empty() {
            return true;
        }
        for vote in &ghost.votes {
            *voters.entry(vote).or_default() += 1;
        }
    }
    let quorum = bounds.model.servers / 2 + 1;
    voters.values().any(|&n| n >= quorum)
}

/// The property: at least two servers dueled, and nothing was chosen.
pub fn duel<C: Duelist>(m: &DuelModel<C>, state: &DuelModelState<C>) -> bool {
    let duelists = servers(&m.cfg, state)
        .filter(|(_, _, g)| g.dueled())
        .count();
    duelists >= 2 && !chosen(&m.cfg, state)
}

fn within_boundary<C: Duelist>(bounds: &DuelBounds, state: &DuelModelState<C>) -> bool {
    servers(bounds, state).all(|(_, st, _)| st.core.promised().0 <= bounds.max_round)
        && !chosen(bounds, state)
}

/// The livelock model over `actor`'s core.
pub fn build<C: Duelist>(
    actor: CoreActor<C>,
    bounds: DuelBounds,
    network: Network<ModelMsg<C>>,
) -> DuelModel<C> {
    let servers = bounds.model.servers;
    let clients = bounds.model.clients.clone();
    let entry = bounds.model.entry;
    let server_actors: Vec<_> = (0..servers)
        .map(|i| DuelActor {
            actor: ModelActor::Server(actor.clone()),
            slow_from: bounds.slow_from(i),
        })
        .collect();
    ActorModel::new(bounds, ())
        .actors(server_actors)
        .actors(clients.into_iter().map(|script| DuelActor {
            actor: ModelActor::Client(ClientActor {
                script,
                servers,
                entry,
            }),
            slow_from: Vec::new(),
        }))
        .init_network(network)
        .within_boundary(within_boundary::<C>)
        .property(Expectation::Sometimes, DUEL, duel::<C>)
}

/// How to search.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// At least 2: stateright 0.31 ignores the timeout with one thread.
    pub threads: usize,
    pub timeout: Duration,
    /// Breadth-first (shorter traces, more memory) or depth-first.
    pub breadth_first: bool,
    /// Stop at the first duel (how many states that took depends on the
    /// threads' timing); otherwise exhaust the bounded space, which gives
    /// an exact state count either way.
    pub stop_at_duel: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            threads: 2,
            timeout: Duration::from_secs(120),
            breadth_first: false,
            stop_at_duel: true,
        }
    }
}

pub struct LivelockReport<C: Duelist> {
    pub model: DuelModel<C>,
    /// The duel, if found.
    pub path: Option<DuelPath<C>>,
    pub unique_states: usize,
    pub states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
    /// Found, or the bounded space was exhausted without it (false: the
    /// guard timeout ended the search, and an absence proves nothing).
    pub conclusive: bool,
}

impl<C: Duelist> LivelockReport<C> {
    pub fn found(&self) -> bool {
        self.path.is_some()
    }

    /// The verdict, the trace if there is one, the counts and the time.
    pub fn render(&self) -> String {
        let mut text = String::new();
        match &self.path {
            Some(path) => {
                text.push_str(&format!(
                    "duel found ({} steps): {DUEL}\n",
                    path.clone().into_actions().len()
                ));
                text.push_str(&crate::livelock_trace::render(&self.model, path));
            }
            None if self.conclusive => text.push_str("no duel within bounds\n"),
            None => text.push_str("no duel found, but the search stopped early (INCOMPLETE)\n"),
        }
        text.push_str(&format!(
            "states: {} unique, {} generated, max depth {}; {:.2}s\n",
            self.unique_states,
            self.states,
            self.max_depth,
            self.elapsed.as_secs_f64()
        ));
        text
    }
}

/// Searches `model` for the duel, stopping at the first one found.
pub fn search<C: Duelist>(model: DuelModel<C>, opts: &SearchOptions) -> LivelockReport<C> {
    let started = Instant::now();
    let finish = if opts.stop_at_duel {
        HasDiscoveries::AnyOf([DUEL].into_iter().collect())
    } else {
        // A `sometimes` property never fails: this explores everything.
        HasDiscoveries::AnyFailures
    };
    let builder = model
        .checker()
        .threads(opts.threads.max(2))
        .timeout(opts.timeout)
        .finish_when(finish);
    let checker = if opts.breadth_first {
        Box::new(builder.spawn_bfs().join()) as Box<dyn Checker<DuelModel<C>>>
    } else {
        Box::new(builder.spawn_dfs().join())
    };
    let elapsed = started.elapsed();
    let path = checker.discovery(DUEL);
    let exhausted = elapsed < opts.timeout;
    LivelockReport {
        conclusive: if opts.stop_at_duel {
            path.is_some() || exhausted
        } else {
            exhausted
        },
        path,
        unique_states: checker.unique_state_count(),
        states: checker.state_count(),
        max_depth: checker.max_depth(),
        model: checker.model().clone(),
        elapsed,
    }
}

/// Whether every step of `path` is a transition of `model` (guards a trace
/// against the checker's path bugs, notes §6).
pub fn replays<C: Duelist>(model: &DuelModel<C>, path: &DuelPath<C>) -> bool {
    let steps = path.clone().into_vec();
    steps.windows(2).all(|pair| match pair {
        [(before, Some(action)), (after, _)] => {
            model.next_state(before, action.clone()).as_ref() == Some(after)
        }
        _ => false,
    })
}
