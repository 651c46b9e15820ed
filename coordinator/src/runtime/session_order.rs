//! ZooKeeper's FIFO order per session for reads: a read a session issues
//! after a write is served only once that write is applied here, and before
//! any write the session issued after the read is applied. Writes are
//! answered when they commit; reads wait in the session's queue behind the
//! writes issued before them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::event::SessionId;

use super::driver::Ticket;

enum Pending<R> {
    Write(Ticket),
    Read(R),
}

/// Per-session queues of reads waiting for earlier writes.
pub struct SessionOrder<R> {
    queues: BTreeMap<SessionId, VecDeque<Pending<R>>>,
    /// Writes answered while an earlier write of their session was not.
    done: BTreeSet<Ticket>,
    owner: BTreeMap<Ticket, SessionId>,
}

impl<R> Default for SessionOrder<R> {
    fn default() -> SessionOrder<R> {
        SessionOrder {
            queues: BTreeMap::new(),
            done: BTreeSet::new(),
            owner: BTreeMap::new(),
        }
    }
}

impl<R> SessionOrder<R> {
    /// A write of `session` was submitted (session 0, anonymous, is not
    /// ordered).
    pub fn write(&mut self, session: SessionId, ticket: Ticket) {
        if session != 0 {
            self.owner.insert(ticket, session);
            self.queues
                .entry(session)
                .or_default()
                .push_back(Pending::Write(ticket));
        }
    }

    /// A read of `session`: returned at once if nothing is ahead of it,
    /// else queued.
    pub fn read(&mut self, session: SessionId, read: R) -> Option<R> {
        match self.queues.get_mut(&session) {
            Some(queue) if session != 0 => {
                queue.push_back(Pending::Read(read));
                None
            }
            _ => Some(read),
        }
    }

    /// Write `ticket` was answered: the reads now free to run, in order.
    pub fn answered(&mut self, ticket: Ticket) -> Vec<R> {
        let Some(session) = self.owner.remove(&ticket) else {
            return Vec::new();
        };
        self.done.insert(ticket);
        let mut ready = Vec::new();
        let Some(queue) = self.queues.get_mut(&session) else {
            return ready;
        };
        while let Some(front) = queue.front() {
            match front {
                Pending::Write(t) if self.done.remove(t) => {
                    queue.pop_front();
                }
                Pending::Write(_) => break,
                Pending::Read(_) => {
                    if let Some(Pending::Read(r)) = queue.pop_front() {
                        ready.push(r);
                    }
                }
            }
        }
        if queue.is_empty() {
            self.queues.remove(&session);
        }
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_waits_for_the_writes_before_it_and_not_for_those_after() {
        let mut o = SessionOrder::default();
        assert_eq!(o.read(5, "r0"), Some("r0"), "nothing ahead");
        o.write(5, 1);
        assert_eq!(o.read(5, "r1"), None);
        o.write(5, 2);
        assert_eq!(o.read(5, "r2"), None);
        assert_eq!(
            o.read(6, "other"),
            Some("other"),
            "sessions are independent"
        );
        assert_eq!(o.read(0, "anon"), Some("anon"));
        assert_eq!(o.answered(1), vec!["r1"]);
        assert_eq!(o.answered(2), vec!["r2"]);
        assert_eq!(o.read(5, "r3"), Some("r3"), "queue drained");
    }

    #[test]
    fn a_later_write_answered_first_holds_nothing_back_wrongly() {
        let mut o = SessionOrder::default();
        o.write(5, 1);
        o.write(5, 2);
        assert_eq!(o.read(5, "r"), None);
        assert!(o.answered(2).is_empty(), "write 1 still ahead");
        assert_eq!(o.answered(1), vec!["r"]);
        assert!(o.answered(99).is_empty());
    }
}
