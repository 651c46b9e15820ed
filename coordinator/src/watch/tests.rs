//! One test per trigger rule of ZooKeeper's `WatchManager`/`DataTree`
//! (reference §9.3), plus removeWatches, checkWatches and setWatches.

use protocols::Zxid;

use crate::event::{EventType, SessionId, Trigger};

use super::table::ancestors;
use super::*;

use EventType::{NodeChildrenChanged, NodeCreated, NodeDataChanged, NodeDeleted};

const A: SessionId = 0x100;
const B: SessionId = 0x200;

fn t(event: EventType, path: &str, zxid: u64) -> Trigger {
    Trigger {
        path: path.to_owned(),
        event,
        zxid: Zxid(zxid),
    }
}

fn fire(m: &mut WatchManager, event: EventType, path: &str) -> Vec<(SessionId, EventType, String)> {
    m.trigger(&t(event, path, 7))
        .into_iter()
        .map(|e| (e.session, e.event_type, e.path))
        .collect()
}

fn one(session: SessionId, event: EventType, path: &str) -> Vec<(SessionId, EventType, String)> {
    vec![(session, event, path.to_owned())]
}

#[test]
fn data_watch_fires_once_on_data_changed() {
    let mut m = WatchManager::new();
    m.watch_data(A, "/a");
    let events = m.trigger(&t(NodeDataChanged, "/a", 0x100000005));
    assert_eq!(
        events,
        vec![WatchedEvent {
            event_type: NodeDataChanged,
            path: "/a".into(),
            zxid: Zxid(0x100000005),
            session: A
        }]
    );
    assert!(fire(&mut m, NodeDataChanged, "/a").is_empty(), "one-shot");
    assert!(m.is_empty());
}

#[test]
fn exist_watch_fires_on_created() {
    let mut m = WatchManager::new();
    m.watch_data(A, "/missing");
    assert_eq!(
        fire(&mut m, NodeCreated, "/missing"),
        one(A, NodeCreated, "/missing")
    );
    assert!(m.is_empty());
}

#[test]
fn data_watch_ignores_children_changed_and_other_paths() {
    let mut m = WatchManager::new();
    m.watch_data(A, "/a");
    assert!(fire(&mut m, NodeChildrenChanged, "/a").is_empty());
    assert!(fire(&mut m, NodeDataChanged, "/a/b").is_empty());
    assert!(fire(&mut m, NodeDataChanged, "/ab").is_empty());
    assert!(fire(&mut m, NodeCreated, "/a/b").is_empty());
    assert_eq!(
        fire(&mut m, NodeDataChanged, "/a"),
        one(A, NodeDataChanged, "/a")
    );
}

#[test]
fn child_watch_fires_on_children_changed_only() {
    let mut m = WatchManager::new();
    m.watch_children(A, "/a");
    assert!(fire(&mut m, NodeDataChanged, "/a").is_empty());
    assert!(fire(&mut m, NodeCreated, "/a").is_empty());
    assert!(
        fire(&mut m, NodeCreated, "/a/b").is_empty(),
        "the child's own event"
    );
    assert_eq!(
        fire(&mut m, NodeChildrenChanged, "/a"),
        one(A, NodeChildrenChanged, "/a")
    );
    assert!(
        fire(&mut m, NodeChildrenChanged, "/a").is_empty(),
        "one-shot"
    );
}

#[test]
fn deleted_fires_data_and_child_watches_once_per_session() {
    let mut m = WatchManager::new();
    m.watch_data(A, "/a");
    m.watch_children(A, "/a");
    m.watch_children(B, "/a");
    assert_eq!(
        fire(&mut m, NodeDeleted, "/a"),
        vec![(A, NodeDeleted, "/a".into()), (B, NodeDeleted, "/a".into())]
    );
    assert!(m.is_empty(), "both one-shot watches are spent");
}

#[test]
fn deleted_does_not_fire_parent_child_watch() {
    // The tree raises NodeChildrenChanged on the parent separately.
    let mut m = WatchManager::new();
    m.watch_children(A, "/a");
    assert!(fire(&mut m, NodeDeleted, "/a/b").is_empty());
    assert_eq!(m.summary().watches, 1);
}

#[test]
fn persistent_watch_fires_every_event_on_its_path_and_stays() {
    let mut m = WatchManager::new();
    m.add_watch(A, "/p", AddWatchMode::Persistent);
    for event in [
        NodeCreated,
        NodeDataChanged,
        NodeChildrenChanged,
        NodeDeleted,
        NodeCreated,
    ] {
        assert_eq!(fire(&mut m, event, "/p"), one(A, event, "/p"));
    }
    assert!(
        fire(&mut m, NodeDataChanged, "/p/c").is_empty(),
        "not descendants"
    );
    assert!(fire(&mut m, NodeCreated, "/p/c").is_empty());
}

#[test]
fn recursive_watch_fires_for_descendants_but_never_children_changed() {
    let mut m = WatchManager::new();
    m.add_watch(A, "/r", AddWatchMode::PersistentRecursive);
    for (event, path) in [
        (NodeCreated, "/r"),
        (NodeDataChanged, "/r"),
        (NodeCreated, "/r/x"),
        (NodeDataChanged, "/r/x/y"),
        (NodeDeleted, "/r/x/y"),
        (NodeDeleted, "/r"),
    ] {
        assert_eq!(fire(&mut m, event, path), one(A, event, path));
    }
    assert!(fire(&mut m, NodeChildrenChanged, "/r").is_empty());
    assert!(fire(&mut m, NodeChildrenChanged, "/r/x").is_empty());
    assert!(
        fire(&mut m, NodeDataChanged, "/rx").is_empty(),
        "prefix is not ancestry"
    );
    assert!(fire(&mut m, NodeDataChanged, "/").is_empty());
}

#[test]
fn recursive_watch_on_root_sees_everything_but_children_changed() {
    let mut m = WatchManager::new();
    m.add_watch(A, "/", AddWatchMode::PersistentRecursive);
    assert_eq!(fire(&mut m, NodeCreated, "/a"), one(A, NodeCreated, "/a"));
    assert_eq!(
        fire(&mut m, NodeDeleted, "/a/b/c"),
        one(A, NodeDeleted, "/a/b/c")
    );
    assert!(fire(&mut m, NodeChildrenChanged, "/").is_empty());
}

#[test]
fn one_notification_per_session_when_several_watches_match() {
    let mut m = WatchManager::new();
    m.watch_data(A, "/a/b");
    m.watch_children(A, "/a/b");
    m.add_watch(A, "/a/b", AddWatchMode::Persistent);
    m.add_watch(A, "/a", AddWatchMode::PersistentRecursive);
    m.add_watch(A, "/", AddWatchMode::PersistentRecursive);
    m.watch_data(B, "/a/b");
    assert_eq!(
        fire(&mut m, NodeDeleted, "/a/b"),
        vec![
            (A, NodeDeleted, "/a/b".into()),
            (B, NodeDeleted, "/a/b".into())
        ]
    );
    assert_eq!(
        fire(&mut m, NodeCreated, "/a/b"),
        one(A, NodeCreated, "/a/b")
    );
}

#[test]
fn one_shot_and_persistent_on_one_path_coexist() {
    // ZooKeeper 3.8 would let the later registration replace the earlier one.
    let mut m = WatchManager::new();
    m.watch_children(A, "/w");
    m.add_watch(A, "/w", AddWatchMode::PersistentRecursive);
    assert_eq!(
        fire(&mut m, NodeChildrenChanged, "/w"),
        one(A, NodeChildrenChanged, "/w"),
        "the one-shot child watch survives addWatch"
    );
    assert!(fire(&mut m, NodeChildrenChanged, "/w").is_empty());

    m.add_watch(B, "/v", AddWatchMode::Persistent);
    m.watch_data(B, "/v");
    assert_eq!(
        fire(&mut m, NodeDataChanged, "/v"),
        one(B, NodeDataChanged, "/v")
    );
    assert_eq!(
        fire(&mut m, NodeDataChanged, "/v"),
        one(B, NodeDataChanged, "/v"),
        "getData(watch) does not turn a persistent watch into a one-shot"
    );
}

#[test]
fn sessions_are_notified_in_ascending_order_with_the_trigger_zxid() {
    let mut m = WatchManager::new();
    m.watch_data(B, "/a");
    m.watch_data(A, "/a");
    let events = m.trigger_all(&[t(NodeDataChanged, "/a", 9), t(NodeDataChanged, "/a", 10)]);
    let got: Vec<_> = events.iter().map(|e| (e.session, e.zxid)).collect();
    assert_eq!(got, vec![(A, Zxid(9)), (B, Zxid(9))]);
}

#[test]
fn dedup_is_per_trigger_not_per_command() {
    // A multi that sets /p twice raises two triggers: a persistent watch
    // hears both, as in ZooKeeper (one triggerWatch call each).
    let mut m = WatchManager::new();
    m.add_watch(A, "/p", AddWatchMode::Persistent);
    let events = m.trigger_all(&[t(NodeDataChanged, "/p", 4), t(NodeDataChanged, "/p", 4)]);
    assert_eq!(events.len(), 2);
}

#[test]
fn trigger_all_keeps_trigger_order() {
    let mut m = WatchManager::new();
    m.add_watch(A, "/", AddWatchMode::Persistent);
    m.add_watch(A, "/", AddWatchMode::PersistentRecursive);
    let events = m.trigger_all(&[
        t(NodeCreated, "/x", 1),
        t(NodeChildrenChanged, "/", 1),
        t(NodeDeleted, "/x", 2),
        t(NodeChildrenChanged, "/", 2),
    ]);
    let got: Vec<_> = events
        .iter()
        .map(|e| (e.event_type, e.path.as_str(), e.zxid.0))
        .collect();
    assert_eq!(
        got,
        vec![
            (NodeCreated, "/x", 1),
            (NodeChildrenChanged, "/", 1),
            (NodeDeleted, "/x", 2),
            (NodeChildrenChanged, "/", 2)
        ]
    );
}

#[test]
fn remove_watches_by_type() {
    let mut m = WatchManager::new();
    m.watch_data(A, "/a");
    m.watch_children(A, "/a");
    m.remove_watches(A, "/a", WatcherType::Data)
        .expect("data watch present");
    assert_eq!(
        m.remove_watches(A, "/a", WatcherType::Data),
        Err(WatchError::NoWatcher { path: "/a".into() })
    );
    assert!(fire(&mut m, NodeDataChanged, "/a").is_empty());
    assert_eq!(
        fire(&mut m, NodeChildrenChanged, "/a"),
        one(A, NodeChildrenChanged, "/a")
    );

    m.watch_data(A, "/a");
    m.watch_children(A, "/a");
    m.remove_watches(A, "/a", WatcherType::Children)
        .expect("child watch present");
    assert!(fire(&mut m, NodeChildrenChanged, "/a").is_empty());
    m.remove_watches(A, "/a", WatcherType::Any)
        .expect("data watch present");
    assert!(m.is_empty());
    let err = m.remove_watches(A, "/a", WatcherType::Any).unwrap_err();
    assert_eq!(err.code(), -121);
}

#[test]
fn remove_watches_is_per_session() {
    let mut m = WatchManager::new();
    m.watch_data(B, "/a");
    assert!(m.remove_watches(A, "/a", WatcherType::Any).is_err());
    assert_eq!(
        fire(&mut m, NodeDataChanged, "/a"),
        one(B, NodeDataChanged, "/a")
    );
}

#[test]
fn removing_the_data_half_of_a_persistent_watch_keeps_the_child_half() {
    let mut m = WatchManager::new();
    m.add_watch(A, "/p", AddWatchMode::Persistent);
    m.remove_watches(A, "/p", WatcherType::Data)
        .expect("persistent is in the data table");
    assert!(fire(&mut m, NodeDataChanged, "/p").is_empty());
    assert_eq!(
        fire(&mut m, NodeChildrenChanged, "/p"),
        one(A, NodeChildrenChanged, "/p")
    );
    m.remove_watches(A, "/p", WatcherType::Children)
        .expect("and in the child table");
    assert!(m.is_empty());
}

#[test]
fn removing_a_recursive_watch_stops_descendant_events() {
    let mut m = WatchManager::new();
    m.add_watch(A, "/r", AddWatchMode::PersistentRecursive);
    m.remove_watches(A, "/r", WatcherType::Any)
        .expect("present");
    assert!(fire(&mut m, NodeCreated, "/r/x").is_empty());
    assert!(m.is_empty());
}

#[test]
fn check_watches_by_type() {
    let mut m = WatchManager::new();
    m.watch_children(A, "/a");
    assert!(m.check_watches(A, "/a", WatcherType::Children).is_ok());
    assert!(m.check_watches(A, "/a", WatcherType::Any).is_ok());
    assert_eq!(
        m.check_watches(A, "/a", WatcherType::Data),
        Err(WatchError::NoWatcher { path: "/a".into() })
    );
    assert!(m.check_watches(B, "/a", WatcherType::Any).is_err());
    assert!(m.check_watches(A, "/a/b", WatcherType::Any).is_err());
    m.add_watch(A, "/p", AddWatchMode::PersistentRecursive);
    assert!(m.check_watches(A, "/p", WatcherType::Data).is_ok());
    assert!(m.check_watches(A, "/p", WatcherType::Children).is_ok());
    assert_eq!(m.summary().watches, 3, "checking removes nothing");
}

#[test]
fn closing_a_session_drops_all_its_watches() {
    let mut m = WatchManager::new();
    m.watch_data(A, "/a");
    m.watch_children(A, "/a");
    m.add_watch(A, "/", AddWatchMode::PersistentRecursive);
    m.add_watch(A, "/p", AddWatchMode::Persistent);
    m.watch_data(B, "/a");
    assert_eq!(
        m.summary(),
        WatchSummary {
            sessions: 2,
            paths: 3,
            watches: 7
        }
    );
    m.remove_session(A);
    assert_eq!(
        fire(&mut m, NodeDataChanged, "/a"),
        one(B, NodeDataChanged, "/a")
    );
    assert!(fire(&mut m, NodeCreated, "/x").is_empty());
    assert!(fire(&mut m, NodeDataChanged, "/p").is_empty());
    assert!(m.is_empty());
}

#[test]
fn registering_twice_is_one_watch() {
    let mut m = WatchManager::new();
    m.watch_data(A, "/a");
    m.watch_data(A, "/a");
    assert_eq!(m.summary().watches, 1);
    assert_eq!(fire(&mut m, NodeDataChanged, "/a").len(), 1);
    assert!(fire(&mut m, NodeDataChanged, "/a").is_empty());
}

fn node(mzxid: u64, pzxid: u64) -> Option<NodeZxids> {
    Some(NodeZxids {
        mzxid: Zxid(mzxid),
        pzxid: Zxid(pzxid),
    })
}

fn paths(list: &[&str]) -> Vec<String> {
    list.iter().map(|p| (*p).to_owned()).collect()
}

#[test]
fn set_watches_fires_what_was_missed_and_arms_the_rest() {
    let mut m = WatchManager::new();
    let tree = |path: &str| match path {
        "/old" => node(5, 5),
        "/changed" => node(9, 5),
        "/kids" => node(5, 9),
        _ => None,
    };
    let request = SetWatches {
        relative_zxid: Zxid(6),
        data: paths(&["/old", "/changed", "/gone"]),
        exist: paths(&["/old", "/absent"]),
        child: paths(&["/old", "/kids", "/gone"]),
        persistent: paths(&["/p"]),
        persistent_recursive: paths(&["/r"]),
    };
    let events = m.set_watches(A, &request, Zxid(10), tree);
    let got: Vec<_> = events
        .iter()
        .map(|e| (e.event_type, e.path.as_str(), e.zxid, e.session))
        .collect();
    assert_eq!(
        got,
        vec![
            (NodeDataChanged, "/changed", Zxid(10), A),
            (NodeDeleted, "/gone", Zxid(10), A),
            (NodeCreated, "/old", Zxid(10), A),
            (NodeChildrenChanged, "/kids", Zxid(10), A),
        ],
        "NodeDeleted /gone once although listed as data and child watch"
    );
    // Armed: data /old, exist /absent, child /old, persistent /p, recursive /r.
    assert_eq!(
        fire(&mut m, NodeDataChanged, "/old"),
        one(A, NodeDataChanged, "/old")
    );
    assert_eq!(
        fire(&mut m, NodeCreated, "/absent"),
        one(A, NodeCreated, "/absent")
    );
    assert_eq!(
        fire(&mut m, NodeChildrenChanged, "/old"),
        one(A, NodeChildrenChanged, "/old")
    );
    assert!(
        fire(&mut m, NodeDataChanged, "/changed").is_empty(),
        "fired, not armed"
    );
    assert!(
        fire(&mut m, NodeChildrenChanged, "/kids").is_empty(),
        "fired, not armed"
    );
    assert_eq!(
        fire(&mut m, NodeChildrenChanged, "/p"),
        one(A, NodeChildrenChanged, "/p")
    );
    assert_eq!(
        fire(&mut m, NodeDeleted, "/r/x"),
        one(A, NodeDeleted, "/r/x")
    );
    assert_eq!(
        m.summary().watches,
        4,
        "only the persistent ones remain, in two tables"
    );
}

#[test]
fn set_watches_compares_strictly_greater() {
    let mut m = WatchManager::new();
    let request = SetWatches {
        relative_zxid: Zxid(5),
        data: paths(&["/a"]),
        child: paths(&["/a"]),
        ..SetWatches::default()
    };
    assert!(
        m.set_watches(A, &request, Zxid(5), |_| node(5, 5))
            .is_empty()
    );
    assert_eq!(m.summary().watches, 2);
}

#[test]
fn ancestors_nearest_first() {
    assert_eq!(
        ancestors("/a/b/c").collect::<Vec<_>>(),
        vec!["/a/b", "/a", "/"]
    );
    assert_eq!(ancestors("/a").collect::<Vec<_>>(), vec!["/"]);
    assert_eq!(ancestors("/").count(), 0);
}

#[test]
fn mode_codes_round_trip() {
    for mode in [AddWatchMode::Persistent, AddWatchMode::PersistentRecursive] {
        assert_eq!(AddWatchMode::from_code(mode.code()), Some(mode));
    }
    assert_eq!(AddWatchMode::from_code(2), None);
    for ty in [WatcherType::Children, WatcherType::Data, WatcherType::Any] {
        assert_eq!(WatcherType::from_code(ty.code()), Some(ty));
    }
    assert_eq!(WatcherType::from_code(0), None);
}
