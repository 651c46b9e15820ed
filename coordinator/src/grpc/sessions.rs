//! The sessions attached to this server: the ones created or last resumed
//! here. A request naming a session attached elsewhere is answered with
//! SESSIONMOVED until the client resumes it here.
//!
//! Attachment is this server's knowledge only (nothing is replicated): a
//! server learns that a session moved away when its watch stream ends or
//! the client closes it, not from the server it moved to.

use std::collections::BTreeMap;
use std::sync::Mutex;

use tokio::sync::mpsc;

use protocols::Zxid;

use crate::acl::Id;
use crate::auth::AuthInfo;
use crate::event::SessionId;
use crate::watch::WatchedEvent;

/// One attached session.
#[derive(Default)]
struct Attached {
    /// This server's applied zxid when the session was attached: the
    /// session existed in the tree at that zxid.
    since: Zxid,
    /// Bumped by every Watch stream opened for the session, so an old
    /// stream ending late does not drop the new stream's watches.
    stream: u64,
    /// Events fired by SetWatches, for the open stream.
    direct: Option<mpsc::UnboundedSender<WatchedEvent>>,
    /// SetWatches events that came before any stream was opened.
    pending: Vec<WatchedEvent>,
    /// The client closed the session here (the stream's last event says
    /// CLOSED rather than EXPIRED).
    closed: bool,
    /// Identities proven by AddAuth since the session was attached here
    /// (ZooKeeper keeps them per connection; the client's address is
    /// added per request).
    auth: AuthInfo,
}

/// The table; every method holds the lock briefly and never across an
/// await.
#[derive(Default)]
pub(crate) struct Sessions {
    table: Mutex<BTreeMap<SessionId, Attached>>,
}

impl Sessions {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<SessionId, Attached>) -> R) -> R {
        // A panic while holding this lock leaves a map that is still
        // consistent (every mutation is one insert or remove).
        let mut table = self
            .table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut table)
    }

    pub(crate) fn attach(&self, session: SessionId, since: Zxid) {
        self.with(|t| {
            let a = t.entry(session).or_default();
            a.closed = false;
            a.since = a.since.max(since);
            // Attaching is a new connection: a moving client sends its
            // AddAuths again, as ZooKeeper's client does on reconnect.
            a.auth = AuthInfo::new();
        });
    }

    pub(crate) fn detach(&self, session: SessionId) {
        self.with(|t| t.remove(&session));
    }

    /// Forgets sessions the tree no longer had at `at` (expired while no
    /// stream or request of theirs noticed). One attached after `at` is
    /// kept: the tree read may predate its creation.
    pub(crate) fn retain_live(&self, live: &std::collections::BTreeSet<SessionId>, at: Zxid) {
        self.with(|t| t.retain(|id, a| live.contains(id) || a.since > at));
    }

    pub(crate) fn is_attached(&self, session: SessionId) -> bool {
        self.with(|t| t.contains_key(&session))
    }

    pub(crate) fn len(&self) -> usize {
        self.with(|t| t.len())
    }

    /// Adds identities to an attached session; false if it is not
    /// attached here.
    pub(crate) fn add_auth(&self, session: SessionId, ids: Vec<Id>) -> bool {
        self.with(|t| match t.get_mut(&session) {
            Some(a) => {
                a.auth.extend(ids);
                true
            }
            None => false,
        })
    }

    /// The identities AddAuth proved for the session here.
    pub(crate) fn auth(&self, session: SessionId) -> Vec<Id> {
        self.with(|t| {
            t.get(&session)
                .map(|a| a.auth.ids().to_vec())
                .unwrap_or_default()
        })
    }

    pub(crate) fn mark_closed(&self, session: SessionId) {
        self.with(|t| {
            if let Some(a) = t.get_mut(&session) {
                a.closed = true;
            }
        });
    }

    pub(crate) fn was_closed(&self, session: SessionId) -> bool {
        self.with(|t| t.get(&session).is_some_and(|a| a.closed))
    }

    /// A new Watch stream: its generation and the receiver of SetWatches
    /// events (already holding those that came before it).
    pub(crate) fn open_stream(
        &self,
        session: SessionId,
    ) -> (u64, mpsc::UnboundedReceiver<WatchedEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let generation = self.with(|t| {
            let a = t.entry(session).or_default();
            a.stream += 1;
            for event in a.pending.drain(..) {
                let _ = tx.send(event);
            }
            a.direct = Some(tx);
            a.stream
        });
        (generation, rx)
    }

    /// Whether `generation` is still the session's newest stream.
    pub(crate) fn is_current_stream(&self, session: SessionId, generation: u64) -> bool {
        self.with(|t| t.get(&session).is_some_and(|a| a.stream == generation))
    }

    /// Events SetWatches fired at once: onto the open stream, or kept for
    /// the next one.
    pub(crate) fn deliver(&self, session: SessionId, events: Vec<WatchedEvent>) {
        if events.is_empty() {
            return;
        }
        self.with(|t| {
            // A session detached meanwhile has no stream to miss them.
            let Some(a) = t.get_mut(&session) else {
                return;
            };
            let mut events = events.into_iter();
            if let Some(tx) = &a.direct {
                for event in events.by_ref() {
                    if let Err(mpsc::error::SendError(event)) = tx.send(event) {
                        a.direct = None;
                        a.pending.push(event);
                        break;
                    }
                }
            }
            a.pending.extend(events);
        });
    }
}
