//! The server-streaming `Watch` call: a session's notifications, in zxid
//! order, until the session ends, a newer stream replaces this one, the
//! client goes away or the server stops.

use std::pin::Pin;

use tokio::sync::{OwnedSemaphorePermit, mpsc, watch};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use crate::api::convert::{session_event, watch_event};
use crate::api::pb;
use crate::event::SessionId;
use crate::watch::WatchedEvent;

use super::service::ZooLabService;

/// The stream type of `Watch`.
pub type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::WatchEvent, Status>> + Send>>;

/// Events buffered per stream for a slow client, beyond the runtime's own
/// queue.
const STREAM_BUFFER: usize = 256;

/// How a stream's forwarding loop ended.
enum End {
    /// The runtime ended the subscription: the session ended, or a newer
    /// stream or a snapshot install replaced it.
    Subscription,
    /// The client went away (or stopped reading and the server is stopping).
    Client,
    /// The server is shutting down.
    Server,
}

impl ZooLabService {
    pub(crate) async fn open_watch_stream(
        &self,
        session: SessionId,
    ) -> Result<WatchStream, Status> {
        if session == 0 {
            return Err(Status::invalid_argument(
                "the anonymous session (0) has no watch events",
            ));
        }
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        if let Err(refusal) = self.admit(session).await {
            if refusal.code != crate::ErrorCode::SessionExpired {
                return Err(Status::failed_precondition(refusal.message));
            }
            // As for a session that expires while the stream is open: one
            // EXPIRED event, then the end.
            let event = session_event(pb::KeeperState::Expired, self.zxid());
            let _ = tx.send(Ok(event)).await;
            return Ok(Box::pin(ReceiverStream::new(rx)));
        }
        let Ok(permit) = self.inner.streams.clone().try_acquire_owned() else {
            return Err(Status::resource_exhausted(
                "too many open watch streams on this server",
            ));
        };
        let (generation, direct) = self.inner.sessions.open_stream(session);
        let events = self
            .handle()
            .subscribe(session)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        let service = self.clone();
        tokio::spawn(async move {
            service
                .forward(session, generation, events, direct, tx, permit)
                .await;
        });
        Ok(Box::pin(ReceiverStream::new(rx)))
    }

    async fn forward(
        self,
        session: SessionId,
        generation: u64,
        mut events: mpsc::UnboundedReceiver<WatchedEvent>,
        mut direct: mpsc::UnboundedReceiver<WatchedEvent>,
        tx: mpsc::Sender<Result<pb::WatchEvent, Status>>,
        _permit: OwnedSemaphorePermit,
    ) {
        let mut stopping = self.inner.stopping.clone();
        let end = loop {
            let event = tokio::select! {
                // SetWatches' events were queued before any later commit's.
                biased;
                _ = tx.closed() => break End::Client,
                _ = stopped(&mut stopping) => break End::Server,
                Some(e) = direct.recv() => e,
                e = events.recv() => match e {
                    Some(e) => e,
                    None => break End::Subscription,
                },
            };
            let message = Ok(watch_event(event.event_type, event.path, event.zxid));
            tokio::select! {
                sent = tx.send(message) => if sent.is_err() { break End::Client },
                _ = stopped(&mut stopping) => break End::Server,
            }
        };
        match end {
            End::Subscription => self.subscription_ended(session, &tx).await,
            End::Client => {
                // This server stops watching for a client that left; it
                // re-registers (setWatches) wherever it reconnects. A newer
                // stream of the same session keeps its watches.
                if self.inner.sessions.is_current_stream(session, generation) {
                    let _ = self.handle().disconnect(session).await;
                }
            }
            End::Server => {}
        }
    }

    /// The runtime dropped the subscription: if the session is gone, the
    /// stream's last event says how (CLOSED or EXPIRED).
    async fn subscription_ended(
        &self,
        session: SessionId,
        tx: &mpsc::Sender<Result<pb::WatchEvent, Status>>,
    ) {
        let lookup = self
            .handle()
            .read(move |r| (r.tree().session(session).is_some(), r.last_zxid()))
            .await;
        let Ok((false, zxid)) = lookup else {
            return;
        };
        let state = if self.inner.sessions.was_closed(session) {
            pb::KeeperState::Closed
        } else {
            pb::KeeperState::Expired
        };
        self.inner.sessions.detach(session);
        let _ = tx.send(Ok(session_event(state, zxid))).await;
    }
}

/// Resolves once `stopping` is true (or its sender is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|s| *s).await;
}
