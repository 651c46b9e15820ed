//! The async shell around [`NodeDriver`]: one tokio task per node.
//!
//! Each turn it waits for one input (a request, a peer frame, a due timer,
//! the session clock), drains every other input already available
//! (`try_recv` until empty — batching falls out of this), hands the batch to
//! the driver, and performs the [`Ready`] in the contract's order: append
//! every record with ONE fsync, then send, then answer clients; then save a
//! due snapshot and arm timers. Storage runs on a blocking thread.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, MissedTickBehavior};

use protocols::{Core, NodeId};

use crate::codec;
use crate::event::SessionId;
use crate::result::OpResult;
use crate::watch::WatchedEvent;

use super::LIVENESS_EVERY_TICKS;
use super::driver::{Delivery, Input, NodeDriver, Ready, Ticket, TimerOp};
use super::error::RequestError;
use super::handle::{NodeStatus, ReadFn, Request};
use super::peer::{Inbound, PeerLink, PeerMessage};
use super::session_order::SessionOrder;
use super::snapshot_transfer::{self, Assembler};
use super::state_machine::StateMachine;
use super::storage::{Storage, StorageError};

/// The wall clock in ms since the Unix epoch: command times (ctime, mtime,
/// TTLs) and session liveness.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) struct Shell<C: Core> {
    pub(crate) driver: NodeDriver<C>,
    pub(crate) protocol: &'static str,
    pub(crate) members: Vec<NodeId>,
    pub(crate) link: Box<dyn PeerLink>,
    pub(crate) inbound: Inbound,
    pub(crate) storage: Option<Box<dyn Storage<C::Durable>>>,
    pub(crate) requests: mpsc::Receiver<Request>,
    pub(crate) status: watch::Sender<NodeStatus>,
    pub(crate) tick: Duration,
    pub(crate) timers: BTreeMap<C::Timer, Instant>,
    pub(crate) replies: BTreeMap<Ticket, oneshot::Sender<Result<OpResult, RequestError>>>,
    pub(crate) next_ticket: Ticket,
    pub(crate) subscribers: BTreeMap<SessionId, mpsc::UnboundedSender<WatchedEvent>>,
    pub(crate) assembler: Assembler,
    pub(crate) order: SessionOrder<ReadFn>,
    /// Inputs produced by performing a Ready (a saved snapshot), for the
    /// next turn.
    pub(crate) follow_up: Vec<Input<C>>,
    pub(crate) traffic: super::traffic::Traffic,
}

/// Whether the loop goes on.
enum Flow {
    Continue,
    Stop,
}

impl<C: Core> Shell<C> {
    pub(crate) async fn run(mut self, first: Ready<C>) -> Result<(), StorageError> {
        let result = self.run_inner(first).await;
        if let Err(e) = &result {
            tracing::error!(node = self.driver.id(), "stopping: {e}");
        }
        self.status.send_modify(|s| s.running = false);
        result
    }

    async fn run_inner(&mut self, first: Ready<C>) -> Result<(), StorageError> {
        self.perform(first).await?;
        let mut liveness = tokio::time::interval(self.tick * LIVENESS_EVERY_TICKS);
        liveness.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut inbound_open = true;
        loop {
            let mut inputs = std::mem::take(&mut self.follow_up);
            if inputs.is_empty() {
                let next_timer = self.timers.values().min().copied();
                let far = Instant::now() + Duration::from_secs(3600);
                tokio::select! {
                    request = self.requests.recv() => match request {
                        Some(r) => {
                            if let Flow::Stop = self.request(r, &mut inputs) {
                                return Ok(());
                            }
                        }
                        None => return Ok(()),
                    },
                    frame = self.inbound.recv(), if inbound_open => match frame {
                        Some((from, bytes)) => self.frame(from, &bytes, &mut inputs).await?,
                        None => inbound_open = false,
                    },
                    _ = tokio::time::sleep_until(next_timer.unwrap_or(far)), if next_timer.is_some() => {}
                    _ = liveness.tick() => inputs.push(Input::SessionTick),
                }
            }
            while let Ok(r) = self.requests.try_recv() {
                if let Flow::Stop = self.request(r, &mut inputs) {
                    return Ok(());
                }
            }
            while let Ok((from, bytes)) = self.inbound.try_recv() {
                self.frame(from, &bytes, &mut inputs).await?;
            }
            self.fire_due_timers(&mut inputs);
            if inputs.is_empty() {
                continue;
            }
            let ready = self.driver.step(now_ms(), inputs);
            self.perform(ready).await?;
        }
    }

    fn request(&mut self, request: Request, inputs: &mut Vec<Input<C>>) -> Flow {
        match request {
            Request::Submit { command, reply } => {
                let ticket = self.next_ticket;
                self.next_ticket += 1;
                self.replies.insert(ticket, reply);
                self.order.write(command.session, ticket);
                inputs.push(Input::Submit { ticket, command });
            }
            // Reads run at once, between batches: everything applied so far
            // is visible, and every reply sent so far was for an applied
            // commit, so a client reads its own writes.
            Request::Read(session, f) => {
                let ready = match session {
                    Some(s) => self.order.read(s, f),
                    None => Some(f),
                };
                if let Some(f) = ready {
                    f(self.driver.replica_mut());
                }
            }
            Request::Touch(session) => inputs.push(Input::Touch(session)),
            Request::Subscribe { session, events } => {
                self.subscribers.insert(session, events);
            }
            Request::Disconnect(session) => {
                self.subscribers.remove(&session);
                self.driver.replica_mut().disconnect(session);
            }
            Request::Shutdown => return Flow::Stop,
        }
        Flow::Continue
    }

    async fn frame(
        &mut self,
        from: NodeId,
        bytes: &[u8],
        inputs: &mut Vec<Input<C>>,
    ) -> Result<(), StorageError> {
        self.traffic.received(bytes.len());
        let message: PeerMessage<C::Msg> = match codec::decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(node = self.driver.id(), from, "dropping a bad frame: {e}");
                return Ok(());
            }
        };
        match message {
            PeerMessage::Core(msg) => inputs.push(Input::Message { from, msg }),
            PeerMessage::Liveness { sessions } => inputs.push(Input::Liveness { from, sessions }),
            PeerMessage::SnapshotChunk {
                at,
                offset,
                total,
                bytes,
            } => {
                let Some(whole) = self.assembler.add(from, at, offset, total, bytes) else {
                    return Ok(());
                };
                let tree = self
                    .driver
                    .state_machine()
                    .replica()
                    .tree()
                    .config()
                    .clone();
                if at <= self.driver.state_machine().last_zxid() {
                    return Ok(());
                }
                if let Err(e) = StateMachine::restore(&whole, tree) {
                    tracing::warn!(node = self.driver.id(), from, "bad snapshot: {e}");
                    return Ok(());
                }
                // Durable before the core hears of it: the core may then
                // forget (and persist that it forgot) what the snapshot holds.
                let copy = whole.clone();
                self.with_storage(move |s| s.save_snapshot(at, &copy))
                    .await?;
                tracing::info!(node = self.driver.id(), from, %at, "installing a snapshot");
                inputs.push(Input::InstallSnapshot(whole));
            }
        }
        Ok(())
    }

    fn fire_due_timers(&mut self, inputs: &mut Vec<Input<C>>) {
        let now = Instant::now();
        let due: Vec<C::Timer> = self
            .timers
            .iter()
            .filter(|&(_, at)| *at <= now)
            .map(|(t, _)| t.clone())
            .collect();
        for timer in due {
            self.timers.remove(&timer);
            inputs.push(Input::Timer(timer));
        }
    }

    /// Performs a Ready in the order written on [`Ready`].
    async fn perform(&mut self, mut ready: Ready<C>) -> Result<(), StorageError> {
        if !ready.persist.is_empty() {
            let records = std::mem::take(&mut ready.persist);
            self.with_storage(move |s| s.append_batch(&records)).await?;
        }
        for (to, message) in &ready.send {
            self.send(*to, message);
        }
        for &to in &ready.snapshot_to {
            let (at, bytes) = self.driver.snapshot_for_peer();
            tracing::info!(node = self.driver.id(), to, %at, "streaming a snapshot");
            for chunk in snapshot_transfer::chunks::<C::Msg>(at, &bytes) {
                self.send(to, &chunk);
            }
        }
        for delivery in ready.deliveries {
            match delivery {
                Delivery::Event(event) => {
                    if let Some(tx) = self.subscribers.get(&event.session)
                        && tx.send(event.clone()).is_err()
                    {
                        self.subscribers.remove(&event.session);
                    }
                }
                Delivery::Reply { ticket, result } => {
                    if let Some(tx) = self.replies.remove(&ticket) {
                        let _ = tx.send(result);
                    }
                    for read in self.order.answered(ticket) {
                        read(self.driver.replica_mut());
                    }
                }
            }
        }
        for session in &ready.closed_sessions {
            self.subscribers.remove(session);
        }
        if ready.watches_reset {
            self.subscribers.clear();
        }
        if let Some((at, bytes)) = ready.snapshot {
            self.with_storage(move |s| s.save_snapshot(at, &bytes))
                .await?;
            self.follow_up.push(Input::SnapshotSaved(at));
        }
        if ready.compacted {
            // This batch's records (the core's compaction) are durable:
            // the folded state replaces the log.
            let state = self.driver.durable().clone();
            self.with_storage(move |s| s.checkpoint(&state)).await?;
        }
        let now = Instant::now();
        for op in ready.timers {
            match op {
                TimerOp::Set { timer, after } => {
                    self.timers.insert(timer, now + self.tick * after);
                }
                TimerOp::Cancel(timer) => {
                    self.timers.remove(&timer);
                }
            }
        }
        self.publish_status();
        Ok(())
    }

    fn send(&mut self, to: NodeId, message: &PeerMessage<C::Msg>) {
        match codec::encode(message) {
            Ok(frame) => {
                self.traffic.sent(frame.len());
                self.link.send(to, frame)
            }
            Err(e) => tracing::error!(node = self.driver.id(), to, "cannot encode: {e}"),
        }
    }

    fn publish_status(&self) {
        let s = self.driver.status();
        let status = NodeStatus {
            id: self.driver.id(),
            protocol: self.protocol,
            role: s.role,
            leader: s.leader,
            epoch: s.epoch,
            last_zxid: self.driver.state_machine().last_zxid(),
            members: self.members.clone(),
            snapshots_installed: self.driver.snapshots_installed(),
            running: true,
            traffic: super::traffic::Traffic {
                commits: self.driver.commits(),
                ..self.traffic
            },
            keeper: self.driver.keeper(),
        };
        self.status.send_if_modified(|old| {
            // Counters alone change every turn: not worth waking watchers.
            old.traffic = status.traffic;
            let changed = *old != status;
            *old = status;
            changed
        });
    }

    /// Runs a storage call on a blocking thread.
    async fn with_storage<R, F>(&mut self, f: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn Storage<C::Durable>) -> Result<R, StorageError> + Send + 'static,
    {
        let mut storage = self
            .storage
            .take()
            .ok_or_else(|| StorageError("storage lost by an earlier failure".into()))?;
        let (storage, result) = tokio::task::spawn_blocking(move || {
            let r = f(storage.as_mut());
            (storage, r)
        })
        .await
        .map_err(|e| StorageError(format!("storage thread failed: {e}")))?;
        self.storage = Some(storage);
        result
    }
}
