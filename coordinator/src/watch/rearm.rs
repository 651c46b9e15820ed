//! `setWatches` / `setWatches2`: re-arming a client's watches on the server
//! it moved to, and firing at once what it missed while it was away.

use std::collections::BTreeSet;

use protocols::Zxid;

use crate::event::{EventType, SessionId};

use super::manager::WatchManager;
use super::mode::Mode;
use super::notification::WatchedEvent;

/// The body of SetWatches (101) / SetWatches2 (105).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetWatches {
    /// The last zxid the client saw: changes after it are what it missed.
    pub relative_zxid: Zxid,
    pub data: Vec<String>,
    pub exist: Vec<String>,
    pub child: Vec<String>,
    pub persistent: Vec<String>,
    pub persistent_recursive: Vec<String>,
}

/// What setWatches needs to know about an existing node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeZxids {
    pub mzxid: Zxid,
    pub pzxid: Zxid,
}

impl WatchManager {
    /// ZooKeeper's `DataTree.setWatches`, path by path:
    /// - data: node gone ⇒ NodeDeleted now; `mzxid > relative` ⇒
    ///   NodeDataChanged now; else a one-shot data watch;
    /// - exist: node there ⇒ NodeCreated now; else a one-shot data watch;
    /// - child: node gone ⇒ NodeDeleted now; `pzxid > relative` ⇒
    ///   NodeChildrenChanged now; else a one-shot child watch;
    /// - persistent and persistent-recursive: registered, nothing fired.
    ///
    /// `node` looks a path up in this server's tree, which has applied up to
    /// `now`; the immediate events carry `now` as their zxid. Unlike
    /// ZooKeeper, which may send the same (event, path) twice (a vanished
    /// path listed as both data and child watch), each is sent once.
    pub fn set_watches(
        &mut self,
        session: SessionId,
        request: &SetWatches,
        now: Zxid,
        node: impl Fn(&str) -> Option<NodeZxids>,
    ) -> Vec<WatchedEvent> {
        let relative = request.relative_zxid;
        let mut fired: Vec<(EventType, &str)> = Vec::new();
        let (data, child) = self.tables_mut();
        for path in &request.data {
            match node(path) {
                None => fired.push((EventType::NodeDeleted, path)),
                Some(n) if n.mzxid > relative => fired.push((EventType::NodeDataChanged, path)),
                Some(_) => data.add(session, path, Mode::Standard),
            }
        }
        for path in &request.exist {
            match node(path) {
                Some(_) => fired.push((EventType::NodeCreated, path)),
                None => data.add(session, path, Mode::Standard),
            }
        }
        for path in &request.child {
            match node(path) {
                None => fired.push((EventType::NodeDeleted, path)),
                Some(n) if n.pzxid > relative => fired.push((EventType::NodeChildrenChanged, path)),
                Some(_) => child.add(session, path, Mode::Standard),
            }
        }
        for (paths, mode) in [
            (&request.persistent, Mode::Persistent),
            (&request.persistent_recursive, Mode::Recursive),
        ] {
            for path in paths {
                data.add(session, path, mode);
                child.add(session, path, mode);
            }
        }
        let mut seen = BTreeSet::new();
        fired
            .into_iter()
            .filter(|&(event, path)| seen.insert((event, path)))
            .map(|(event_type, path)| WatchedEvent {
                event_type,
                path: path.to_owned(),
                zxid: now,
                session,
            })
            .collect()
    }
}
