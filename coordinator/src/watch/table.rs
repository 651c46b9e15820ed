//! One watch table, ZooKeeper's `WatchManager` instance: the data table
//! (getData/exists watches, persistent and recursive ones) or the child table
//! (getChildren watches, persistent and recursive ones).

use std::collections::{BTreeMap, BTreeSet};

use crate::event::{EventType, SessionId};

use super::mode::{Mode, Modes};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct WatchTable {
    by_path: BTreeMap<String, BTreeMap<SessionId, Modes>>,
    /// The reverse index, so closing a session does not scan every path.
    by_session: BTreeMap<SessionId, BTreeSet<String>>,
    /// How many (session, path) entries hold a recursive watch: while zero,
    /// a trigger need not look at the ancestors of its path.
    recursive: usize,
}

impl WatchTable {
    pub fn add(&mut self, session: SessionId, path: &str, mode: Mode) {
        let modes = self
            .by_path
            .entry(path.to_owned())
            .or_default()
            .entry(session)
            .or_default();
        let added = modes.with(mode);
        if added.recursive && !modes.recursive {
            self.recursive += 1;
        }
        *modes = added;
        self.by_session
            .entry(session)
            .or_default()
            .insert(path.to_owned());
    }

    /// Whether `session` holds any watch on exactly `path`.
    pub fn contains(&self, session: SessionId, path: &str) -> bool {
        self.by_path
            .get(path)
            .is_some_and(|watchers| watchers.contains_key(&session))
    }

    /// Removes every mode `session` holds on `path`; false if it held none.
    pub fn remove(&mut self, session: SessionId, path: &str) -> bool {
        let Some(watchers) = self.by_path.get_mut(path) else {
            return false;
        };
        let Some(modes) = watchers.remove(&session) else {
            return false;
        };
        if modes.recursive {
            self.recursive -= 1;
        }
        if watchers.is_empty() {
            self.by_path.remove(path);
        }
        if let Some(paths) = self.by_session.get_mut(&session) {
            paths.remove(path);
            if paths.is_empty() {
                self.by_session.remove(&session);
            }
        }
        true
    }

    pub fn remove_session(&mut self, session: SessionId) {
        for path in self.by_session.get(&session).cloned().unwrap_or_default() {
            self.remove(session, &path);
        }
    }

    /// Adds to `fired` every session whose watch in this table `event` on
    /// `path` fires, and drops the one-shot watches that fired (ZooKeeper's
    /// `WatchManager.triggerWatch`): a watch on `path` itself fires for any
    /// event that reaches this table, except that a recursive-only watch
    /// ignores NodeChildrenChanged; a recursive watch on an ancestor fires for
    /// every event but NodeChildrenChanged.
    pub fn fire(&mut self, path: &str, event: EventType, fired: &mut BTreeSet<SessionId>) {
        let children_changed = event == EventType::NodeChildrenChanged;
        let mut spent = Vec::new();
        if let Some(watchers) = self.by_path.get_mut(path) {
            for (&session, modes) in watchers.iter_mut() {
                if modes.standard || modes.persistent || (modes.recursive && !children_changed) {
                    fired.insert(session);
                }
                if modes.standard {
                    modes.standard = false;
                    if modes.is_empty() {
                        spent.push(session);
                    }
                }
            }
        }
        for session in spent {
            self.remove(session, path);
        }
        if self.recursive == 0 || children_changed {
            return;
        }
        for ancestor in ancestors(path) {
            if let Some(watchers) = self.by_path.get(ancestor) {
                fired.extend(
                    watchers
                        .iter()
                        .filter(|(_, modes)| modes.recursive)
                        .map(|(&session, _)| session),
                );
            }
        }
    }

    pub fn sessions(&self) -> impl Iterator<Item = SessionId> + '_ {
        self.by_session.keys().copied()
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> + '_ {
        self.by_path.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    /// Number of (session, path) entries.
    pub fn len(&self) -> usize {
        self.by_session.values().map(BTreeSet::len).sum()
    }
}

/// The proper ancestors of an absolute path, nearest first, ending with "/".
pub(crate) fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(path);
    std::iter::from_fn(move || {
        let current = rest?;
        if current == "/" {
            rest = None;
            return None;
        }
        let parent = match current.rfind('/') {
            Some(0) => "/",
            Some(i) => &current[..i],
            None => {
                rest = None;
                return None;
            }
        };
        rest = Some(parent);
        Some(parent)
    })
}
