//! [`NodeDriver`]: the Ready loop's logic, with no I/O and no clock.
//!
//! The driver owns the consensus core and the [`StateMachine`]. The host
//! hands it a batch of [`Input`]s and the current wall clock; the driver
//! feeds each to the core, applies the commits the core emits to the
//! replica in order, matches them to the local requests waiting on them,
//! and returns one [`Ready`] for the whole batch, which the host performs in
//! the order written on [`Ready`]. Everything here is deterministic given
//! the inputs and `now_ms`, so the tests below drive it by hand.
//!
//! It also holds the server side of sessions (see [`crate::session`] for
//! the design): the [`SessionTracker`], fed by local keep-alives and peers'
//! liveness reports, and, when this server is keeper, the proposals that
//! expire silent sessions and clean up empty containers and TTL nodes.

mod ready;
mod sessions;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use protocols::{
    Action, ClusterConfig, Core, Durable, NodeId, OutboxOf, Recovered, RejectReason, Status, Zxid,
};

use crate::command::{Command, Op};
use crate::config::TreeConfig;
use crate::event::SessionId;
use crate::replica::Replica;
use crate::session_tracker::SessionTracker;

use super::dedup::DEDUP_SPAN;
use super::error::RequestError;
use super::peer::PeerMessage;
use super::state_machine::{StateMachine, session_closed, session_created};

pub use ready::{Delivery, Ready, Ticket, TimerOp};

/// One input of a batch.
#[derive(Clone, Debug)]
pub enum Input<C: Core> {
    /// A client request submitted here. The driver sets its origin, tag and
    /// time; `ticket` comes back with the reply.
    Submit { ticket: Ticket, command: Command },
    /// A core message from a peer.
    Message { from: NodeId, msg: C::Msg },
    /// A core timer fired.
    Timer(C::Timer),
    /// A peer's liveness report.
    Liveness {
        from: NodeId,
        sessions: Vec<SessionId>,
    },
    /// A local client showed life (ping or request).
    Touch(SessionId),
    /// The session clock: report liveness to peers and, as keeper, expire
    /// and clean up.
    SessionTick,
    /// A snapshot at this zxid is durable: the core may compact up to it.
    SnapshotSaved(Zxid),
    /// A peer's snapshot, already saved durably by the host: install it.
    InstallSnapshot(Vec<u8>),
}

/// The driver's own settings.
#[derive(Clone, Debug)]
pub struct DriverConfig {
    pub id: NodeId,
    pub tree: TreeConfig,
    /// Take a snapshot every this many applied commits.
    pub snapshot_every: u64,
    /// How long the keeper waits before proposing the same clean-up again.
    pub cleanup_retry_ms: i64,
    /// Wall clock at boot (ms): the high bits of this boot's tags, so tags
    /// grow across restarts (see [`super::dedup`]).
    pub boot_ms: i64,
}

impl DriverConfig {
    pub fn new(id: NodeId, tree: TreeConfig, boot_ms: i64) -> DriverConfig {
        DriverConfig {
            id,
            tree,
            snapshot_every: 10_000,
            cleanup_retry_ms: 10_000,
            boot_ms,
        }
    }
}

/// The pure Ready loop of one node.
pub struct NodeDriver<C: Core> {
    config: DriverConfig,
    peers: Vec<NodeId>,
    core: C,
    sm: StateMachine,
    /// Every record persisted, folded: what a restart would rebuild the core
    /// from, and the base image of a log checkpoint.
    durable: C::Durable,
    status: Status,
    /// Local requests waiting for their command to commit here, by tag.
    waiting: BTreeMap<u64, Ticket>,
    next_tag: u64,
    tracker: SessionTracker,
    /// When each peer was last heard from (the leaderless keeper rule).
    heard: BTreeMap<NodeId, i64>,
    /// The session keeper as this server last decided it.
    keeper: Option<NodeId>,
    /// Clean-ups proposed, and when.
    cleanup_proposed: BTreeMap<String, i64>,
    since_snapshot: u64,
    snapshot_pending: bool,
    snapshots_installed: u64,
    commits: u64,
}

impl<C: Core> NodeDriver<C> {
    /// Starts the core from what the host recovered: the folded durable
    /// records and the state machine (snapshot). Returns the first Ready
    /// (the core's initial timers).
    pub fn new(
        config: DriverConfig,
        cluster: ClusterConfig,
        durable: C::Durable,
        sm: StateMachine,
        now_ms: i64,
    ) -> (NodeDriver<C>, Ready<C>) {
        let mut out = OutboxOf::<C>::new();
        let recovered = Recovered {
            durable: durable.clone(),
            applied: sm.last_zxid(),
        };
        let id = config.id;
        let core = C::new(id, cluster.clone(), recovered, &mut out);
        let mut tracker = SessionTracker::new();
        tracker.sync(sm.sessions(), now_ms);
        // Tags: the boot's wall clock above 20 bits of counter.
        let next_tag = (config.boot_ms.max(1) as u64) << 20;
        let mut driver = NodeDriver {
            peers: cluster
                .members
                .iter()
                .copied()
                .filter(|&m| m != id)
                .collect(),
            status: core.status(),
            config,
            core,
            sm,
            durable,
            waiting: BTreeMap::new(),
            next_tag,
            tracker,
            heard: BTreeMap::new(),
            keeper: None,
            cleanup_proposed: BTreeMap::new(),
            since_snapshot: 0,
            snapshot_pending: false,
            snapshots_installed: 0,
            commits: 0,
        };
        let mut ready = Ready::default();
        driver.perform(now_ms, out, &mut ready);
        driver.end_batch(now_ms, &mut ready);
        (driver, ready)
    }

    /// Feeds a batch of inputs and returns everything it asks for.
    pub fn step(&mut self, now_ms: i64, inputs: impl IntoIterator<Item = Input<C>>) -> Ready<C> {
        let mut ready = Ready::default();
        for input in inputs {
            self.input(now_ms, input, &mut ready);
        }
        self.end_batch(now_ms, &mut ready);
        ready
    }

    pub fn id(&self) -> NodeId {
        self.config.id
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn core(&self) -> &C {
        &self.core
    }

    pub fn durable(&self) -> &C::Durable {
        &self.durable
    }

    pub fn state_machine(&self) -> &StateMachine {
        &self.sm
    }

    /// The replica, for reads and watch registration (served locally).
    pub fn replica_mut(&mut self) -> &mut Replica {
        self.sm.replica_mut()
    }

    /// Requests waiting for their commit.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Snapshots from peers installed since start.
    pub fn snapshots_installed(&self) -> u64 {
        self.snapshots_installed
    }

    /// Commands committed and applied here since start (duplicates not
    /// counted).
    pub fn commits(&self) -> u64 {
        self.commits
    }

    pub fn tracker(&self) -> &SessionTracker {
        &self.tracker
    }

    /// The server this one takes for session keeper (itself included).
    pub fn keeper(&self) -> Option<NodeId> {
        self.keeper
    }

    fn input(&mut self, now: i64, input: Input<C>, ready: &mut Ready<C>) {
        let mut out = OutboxOf::<C>::new();
        match input {
            Input::Submit { ticket, command } => {
                if command.session != 0 {
                    self.tracker.touch_local(command.session, now);
                }
                let tag = self.propose(now, command, &mut out, ready);
                self.waiting.insert(tag, ticket);
            }
            Input::Message { from, msg } => {
                self.heard.insert(from, now);
                self.core.on_message(from, msg, &mut out);
            }
            Input::Timer(timer) => self.core.on_timer(timer, &mut out),
            Input::Liveness { from, sessions } => {
                self.heard.insert(from, now);
                self.tracker.report(sessions, now);
            }
            Input::Touch(session) => self.tracker.touch_local(session, now),
            Input::SessionTick => self.session_tick(now, &mut out, ready),
            Input::SnapshotSaved(at) => {
                self.snapshot_pending = false;
                self.core.compact(at, &mut out);
                ready.compacted = true;
            }
            Input::InstallSnapshot(bytes) => self.install(now, &bytes, &mut out, ready),
        }
        self.perform(now, out, ready);
    }

    /// Stamps a command as this server's and proposes it. Keeps the span
    /// invariant of [`super::dedup`]: requests older than the window are
    /// answered with connection loss before the new tag is issued.
    fn propose(
        &mut self,
        now: i64,
        mut command: Command,
        out: &mut OutboxOf<C>,
        ready: &mut Ready<C>,
    ) -> u64 {
        let tag = self.next_tag;
        self.next_tag += 1;
        while let Some((&oldest, _)) = self.waiting.first_key_value() {
            if tag - oldest < DEDUP_SPAN {
                break;
            }
            if let Some((_, ticket)) = self.waiting.pop_first() {
                ready.deliveries.push(Delivery::Reply {
                    ticket,
                    result: Err(RequestError::ConnectionLoss),
                });
            }
        }
        command.origin = self.config.id;
        command.tag = tag;
        command.time_ms = now;
        self.core.propose(command.encode(), out);
        tag
    }

    /// A server-internal proposal (expiry, clean-up): nobody waits on it.
    fn propose_internal(&mut self, now: i64, op: Op, out: &mut OutboxOf<C>, ready: &mut Ready<C>) {
        self.propose(now, Command::new(op), out, ready);
    }

    fn install(&mut self, now: i64, bytes: &[u8], out: &mut OutboxOf<C>, ready: &mut Ready<C>) {
        let sm = match StateMachine::restore(bytes, self.config.tree.clone()) {
            Ok(sm) => sm,
            Err(e) => {
                tracing::warn!(node = self.config.id, "refusing a peer's snapshot: {e}");
                return;
            }
        };
        let at = sm.last_zxid();
        if at <= self.sm.last_zxid() {
            return;
        }
        self.sm.install(sm);
        self.tracker.sync(self.sm.sessions(), now);
        ready.watches_reset = true;
        self.since_snapshot = 0;
        self.snapshots_installed += 1;
        self.core.snapshot_installed(at, out);
    }

    /// Turns the core's actions into the Ready, applying commits as they
    /// come (they are in zxid order by contract).
    fn perform(&mut self, now: i64, mut out: OutboxOf<C>, ready: &mut Ready<C>) {
        for action in out.take() {
            match action {
                Action::Persist(record) => {
                    self.durable.apply(&record);
                    ready.persist.push(record);
                }
                Action::Send { to, msg } => ready.send.push((to, PeerMessage::Core(msg))),
                Action::Commit { zxid, command } => self.commit(now, zxid, &command, ready),
                Action::SetTimer { timer, after } => {
                    ready.timers.push(TimerOp::Set { timer, after })
                }
                Action::CancelTimer(timer) => ready.timers.push(TimerOp::Cancel(timer)),
                Action::SendSnapshot { to } => ready.snapshot_to.push(to),
                Action::StatusChanged(status) => {
                    self.status = status;
                    ready.status = Some(status);
                }
                Action::Rejected { command, reason } => self.rejected(&command, reason, ready),
            }
        }
    }

    fn commit(&mut self, now: i64, zxid: Zxid, bytes: &[u8], ready: &mut Ready<C>) {
        let commit = self.sm.apply(zxid, bytes);
        if !commit.duplicate {
            self.commits += 1;
            if let Some((id, timeout)) = session_created(&commit.result) {
                self.tracker.added(id, timeout, now);
            }
            if let Some(id) = session_closed(&commit.result) {
                self.tracker.removed(id);
                ready.closed_sessions.push(id);
            }
            ready.deliveries.extend(
                commit
                    .notifications
                    .iter()
                    .map(|e| Delivery::Event(e.clone())),
            );
            if commit.origin == self.config.id
                && let Some(ticket) = self.waiting.remove(&commit.tag)
            {
                ready.deliveries.push(Delivery::Reply {
                    ticket,
                    result: commit.result.clone().map_err(RequestError::Op),
                });
            }
        }
        self.since_snapshot += 1;
        ready.commits.push(commit);
    }

    fn rejected(&mut self, bytes: &[u8], reason: RejectReason, ready: &mut Ready<C>) {
        let Ok(command) = Command::decode(bytes) else {
            return;
        };
        if command.origin != self.config.id {
            return;
        }
        if let Some(ticket) = self.waiting.remove(&command.tag) {
            let error = match reason {
                RejectReason::NotLeader { leader } => RequestError::NotLeader { leader },
                RejectReason::Abandoned => RequestError::ConnectionLoss,
            };
            ready.deliveries.push(Delivery::Reply {
                ticket,
                result: Err(error),
            });
        }
    }

    fn end_batch(&mut self, now: i64, ready: &mut Ready<C>) {
        self.update_keeper(now);
        if self.since_snapshot >= self.config.snapshot_every && !self.snapshot_pending {
            self.since_snapshot = 0;
            self.snapshot_pending = true;
            ready.snapshot = Some((self.sm.last_zxid(), self.sm.snapshot()));
        }
    }

    /// The runtime snapshot to stream to a lagging peer.
    pub fn snapshot_for_peer(&self) -> (Zxid, Vec<u8>) {
        (self.sm.last_zxid(), self.sm.snapshot())
    }
}
