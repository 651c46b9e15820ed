//! The client's two background tasks: keep-alive pings every third of the
//! session timeout, and the Watch stream, reopened (with SetWatches) on
//! whichever server holds the session.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;

use crate::api::pb;
use crate::error::ErrorCode;

use super::conn::Shared;
use super::error::ClientError;
use super::events::WatchedEvent;

/// Pings while the session lives. A ping answered CONNECTIONLOSS means the
/// server's node stopped or the server is behind: move.
pub(crate) async fn keep_alive(shared: Arc<Shared>) {
    let mut every = tokio::time::interval((shared.timeout / 3).max(Duration::from_millis(10)));
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        if shared.state().is_final() {
            return;
        }
        let (generation, _) = shared.current().await;
        // A ping is a local read on the server: one unanswered for two
        // thirds of the timeout leaves a third to move the session in time
        // (ZooKeeper's client uses the same read timeout).
        let ping = shared
            .call_within(shared.timeout * 2 / 3, true, |mut rpc, header| async move {
                rpc.keep_alive(pb::KeepAliveRequest {
                    header: Some(header),
                })
                .await
            })
            .await;
        match ping {
            Ok(_) => {}
            Err(ClientError::SessionExpired | ClientError::Closed) => return,
            Err(e) if e.code() == ErrorCode::ConnectionLoss => {
                // `call` already failed over on transport errors; this is an
                // in-band refusal, or a failover that ran out of time.
                let _ = shared.failover(generation).await;
            }
            Err(e) => tracing::debug!(session = shared.session_id, "keep-alive: {e}"),
        }
    }
}

/// How reading one stream ended.
enum StreamEnd {
    /// The session is over (the event was delivered).
    Final,
    /// The client moved to another server: open the stream there.
    Moved,
    /// The stream broke or ended without a final event.
    Broken,
}

/// Forwards the session's events to the application for as long as the
/// session lives.
pub(crate) async fn watch_events(shared: Arc<Shared>) {
    let mut generations = shared.generation.subscribe();
    // Changes after this zxid may have been missed while no stream was
    // open: SetWatches asks the server to fire them at once.
    let mut relative = shared.last_zxid();
    let mut quick_ends = 0u32;
    loop {
        if shared.state().is_final() {
            return;
        }
        let (generation, mut rpc) = shared.current().await;
        generations.mark_unchanged();
        let opened = tokio::time::timeout(
            shared.request_timeout(),
            rpc.watch(pb::WatchRequest {
                header: Some(shared.header()),
            }),
        )
        .await;
        let mut stream = match opened {
            Ok(Ok(response)) => response.into_inner(),
            _ => {
                if failover(&shared, generation).await.is_err() {
                    return;
                }
                continue;
            }
        };
        let rearm = {
            let registry = shared
                .watches
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (!registry.is_empty()).then(|| registry.set_watches(shared.header(), relative))
        };
        if let Some(request) = rearm {
            let set =
                tokio::time::timeout(shared.request_timeout(), rpc.set_watches(request)).await;
            let accepted = matches!(&set, Ok(Ok(r)) if r.get_ref().header.as_ref().is_some_and(|h| h.err == 0));
            if !accepted {
                if failover(&shared, generation).await.is_err() {
                    return;
                }
                continue;
            }
        }
        let end = loop {
            tokio::select! {
                message = stream.message() => match message {
                    Ok(Some(event)) => {
                        quick_ends = 0;
                        if deliver(&shared, &event) {
                            break StreamEnd::Final;
                        }
                    }
                    Ok(None) | Err(_) => break StreamEnd::Broken,
                },
                changed = generations.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    break StreamEnd::Moved;
                }
            }
        };
        relative = shared.last_zxid();
        match end {
            StreamEnd::Final => return,
            StreamEnd::Moved => {}
            StreamEnd::Broken => {
                // A stream the server ended on purpose (its watches were
                // reset) is reopened where it is; one that keeps ending
                // means the server is going away.
                quick_ends += 1;
                if quick_ends > 1 && failover(&shared, generation).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Fails over, waiting a little when no server took the session so the
/// loop does not spin; `Err` once the session is over.
async fn failover(shared: &Shared, generation: u64) -> Result<(), ()> {
    match shared.failover(generation).await {
        Ok(()) => Ok(()),
        Err(ClientError::SessionExpired | ClientError::Closed) => Err(()),
        Err(_) => {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(())
        }
    }
}

/// Hands one stream event to the application; true if it ended the session.
fn deliver(shared: &Shared, event: &pb::WatchEvent) -> bool {
    let Some(event) = WatchedEvent::from_pb(event) else {
        return false;
    };
    shared.saw_zxid(event.zxid);
    if event.state.is_final() {
        shared.set_state(event.state);
        return true;
    }
    shared
        .watches
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .fired(event.event_type, &event.path);
    let _ = shared.events.send(event);
    false
}
