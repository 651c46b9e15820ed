//! The node runtime end to end: three nodes in one process over in-memory
//! peer links and storage (the TCP transport and the dataDir store plug into
//! the same seams), for every protocol in the registry.

mod t20_runtime_cluster;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use coordinator::runtime::{MemNet, MemStorage, NodeHandle, ProtocolName, RequestError};
use coordinator::{Command, SessionId};
use coordinator::{CreateMode, CreateRequest, ErrorCode, EventType, Op, OpResult};
use protocols::Role;

use t20_runtime_cluster::{Cluster, wait_until};

fn create(path: &str, data: &str, mode: CreateMode) -> Command {
    Command::new(Op::Create(CreateRequest::new(
        path,
        Some(data.as_bytes().to_vec()),
        mode,
    )))
}

async fn put(node: &NodeHandle, path: &str, data: &str) {
    let r = node
        .submit(create(path, data, CreateMode::Persistent))
        .await;
    assert!(
        matches!(r, Ok(OpResult::Created { .. })),
        "create {path}: {r:?}"
    );
}

/// The data at `path` on `node`, if it has it.
async fn data(node: &NodeHandle, path: &str) -> Option<String> {
    match node.get_data(0, path, false, Vec::new()).await {
        Ok((d, _)) => Some(String::from_utf8_lossy(&d.unwrap_or_default()).into_owned()),
        Err(RequestError::Op(ErrorCode::NoNode)) => None,
        Err(e) => panic!("read {path}: {e}"),
    }
}

async fn wait_for_data(node: &NodeHandle, path: &str, expected: &str) {
    let what = format!("node {} has {path}={expected}", node.status().id);
    wait_until(&what, || async {
        (data(node, path).await.as_deref() == Some(expected)).then_some(())
    })
    .await;
}

async fn wait_gone(node: &NodeHandle, path: &str) {
    let what = format!("{path} is gone on node {}", node.status().id);
    wait_until(&what, || async {
        data(node, path).await.is_none().then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_elect_one_leader_that_every_node_reports() {
    for protocol in ProtocolName::available() {
        let c = Cluster::start(protocol, 3).await;
        let leader = c.leader().await;
        for s in c.statuses() {
            assert_eq!(s.protocol, protocol.as_str());
            assert_eq!(s.members, vec![1, 2, 3]);
            if protocol == ProtocolName::Paxos {
                // Basic Paxos: every node a peer, all naming one keeper.
                assert_eq!(s.role, Role::Peer, "node {}", s.id);
                assert_eq!(s.mode(), "peer");
                assert_eq!(s.keeper, Some(leader), "node {}", s.id);
                continue;
            }
            let expected = if s.id == leader {
                Role::Leader
            } else {
                Role::Follower
            };
            assert_eq!(s.role, expected, "node {}", s.id);
            assert_eq!(s.mode(), if s.id == leader { "leader" } else { "follower" });
        }
        c.stop_all().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_any_node_is_readable_on_every_node() {
    for protocol in ProtocolName::available() {
        let c = Cluster::start(protocol, 3).await;
        // Proposals made before any leader is known are held, not lost.
        for id in [1, 2, 3] {
            put(&c.handle(id), &format!("/via{id}"), &format!("v{id}")).await;
            // The writer reads its own write at once.
            assert_eq!(
                data(&c.handle(id), &format!("/via{id}")).await.as_deref(),
                Some(format!("v{id}").as_str())
            );
        }
        for reader in [1, 2, 3] {
            for writer in [1, 2, 3] {
                wait_for_data(
                    &c.handle(reader),
                    &format!("/via{writer}"),
                    &format!("v{writer}"),
                )
                .await;
            }
        }
        // sync makes the next read current without waiting.
        put(&c.handle(1), "/synced", "s").await;
        for id in [2, 3] {
            let applied = c.handle(id).sync().await.expect("sync");
            assert!(applied >= c.handle(1).status().last_zxid.min(applied));
            assert_eq!(data(&c.handle(id), "/synced").await.as_deref(), Some("s"));
        }
        // A failing command fails the same way for its client.
        let again = c
            .handle(2)
            .submit(create("/via1", "x", CreateMode::Persistent))
            .await;
        assert_eq!(again, Err(RequestError::Op(ErrorCode::NodeExists)));
        c.stop_all().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_a_restart_of_every_node() {
    // Recovery from the log alone, and from snapshots plus the log.
    for (protocol, snapshot_every) in ProtocolName::available().flat_map(|p| [(p, 10_000), (p, 4)])
    {
        let mut c = Cluster::start_with(protocol, 3, snapshot_every).await;
        let leader = c.leader().await;
        let follower = c
            .ids
            .iter()
            .copied()
            .find(|&id| id != leader)
            .expect("a follower");
        for i in 0..10 {
            put(&c.handle(1 + i % 3), &format!("/k{i}"), &format!("{i}")).await;
        }
        c.kill(follower);
        for i in 10..15 {
            put(&c.handle(leader), &format!("/k{i}"), &format!("{i}")).await;
        }
        for id in c.ids.clone() {
            c.kill(id);
        }
        for id in c.ids.clone() {
            c.boot(id).await;
        }
        c.leader().await;
        for id in c.ids.clone() {
            for i in 0..15 {
                wait_for_data(&c.handle(id), &format!("/k{i}"), &format!("{i}")).await;
            }
        }
        let fsyncs: u64 = c.stores.values().map(|s| s.fsyncs()).sum();
        assert!(fsyncs > 0, "records went through append_batch");
        c.stop_all().await;
    }
}

/// Keeps `session` alive through `node` until the returned task is aborted.
fn keep_alive(node: NodeHandle, session: SessionId) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_millis(50));
        loop {
            every.tick().await;
            if node.touch(session).await.is_err() {
                return;
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_session_expires_and_its_ephemeral_goes_while_a_live_one_stays() {
    for protocol in ProtocolName::available() {
        let c = Cluster::start(protocol, 3).await;
        let leader = c.leader().await;
        let others: Vec<_> = c.ids.iter().copied().filter(|&id| id != leader).collect();
        let (silent_at, live_at) = (c.handle(others[0]), c.handle(others[1]));
        let (silent, timeout, _) = silent_at.create_session(400).await.expect("session");
        assert_eq!(timeout, 400);
        let (live, _, _) = live_at.create_session(400).await.expect("session");
        let pinger = keep_alive(live_at.clone(), live);
        let mk = |s, p| create(p, "e", CreateMode::Ephemeral).with_session(s);
        silent_at
            .submit(mk(silent, "/silent"))
            .await
            .expect("ephemeral");
        live_at.submit(mk(live, "/live")).await.expect("ephemeral");
        for id in c.ids.clone() {
            wait_gone(&c.handle(id), "/silent").await;
        }
        // The live session was pinged on a follower only: the keeper heard
        // of it through liveness reports, well past several timeouts.
        for id in c.ids.clone() {
            assert_eq!(data(&c.handle(id), "/live").await.as_deref(), Some("e"));
        }
        let late = silent_at.submit(mk(silent, "/late")).await;
        assert_eq!(late, Err(RequestError::Op(ErrorCode::SessionExpired)));
        pinger.abort();
        wait_gone(&c.handle(leader), "/live").await;
        c.stop_all().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_fires_on_the_server_its_session_is_connected_to() {
    for protocol in ProtocolName::available() {
        let c = Cluster::start(protocol, 3).await;
        let (watcher, writer) = (c.handle(3), c.handle(1));
        let (session, _, _) = watcher.create_session(4000).await.expect("session");
        let mut events = watcher.subscribe(session).await.expect("subscribe");
        assert_eq!(
            watcher.exists(session, "/w", true).await,
            Err(RequestError::Op(ErrorCode::NoNode))
        );
        put(&writer, "/w", "1").await;
        let event = tokio::time::timeout(t20_runtime_cluster::PATIENCE, events.recv())
            .await
            .expect("an event in time")
            .expect("stream open");
        assert_eq!(
            (event.event_type, event.path.as_str()),
            (EventType::NodeCreated, "/w")
        );
        assert_eq!(event.session, session);
        // Closing the session ends its stream.
        watcher.close_session(session).await.expect("close");
        let end = tokio::time::timeout(t20_runtime_cluster::PATIENCE, events.recv()).await;
        assert_eq!(end.expect("stream ends in time"), None);
        c.stop_all().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_behind_the_compacted_log_catches_up_by_snapshot() {
    for protocol in ProtocolName::available() {
        let mut c = Cluster::start_with(protocol, 3, 5).await;
        let leader = c.leader().await;
        let lagging = c
            .ids
            .iter()
            .copied()
            .find(|&id| id != leader)
            .expect("a follower");
        c.kill(lagging);
        for i in 0..40 {
            put(&c.handle(leader), &format!("/s{i}"), &format!("{i}")).await;
        }
        assert!(c.stores[&leader].has_snapshot(), "the leader snapshotted");
        c.boot(lagging).await;
        wait_for_data(&c.handle(lagging), "/s39", "39").await;
        for i in 0..40 {
            assert_eq!(
                data(&c.handle(lagging), &format!("/s{i}")).await,
                Some(format!("{i}"))
            );
        }
        assert!(c.handle(lagging).status().snapshots_installed >= 1);
        assert!(
            c.stores[&leader].log_len() < 40,
            "the leader's log was checkpointed behind its snapshots"
        );
        c.stop_all().await;
    }
}

/// Whether `frame`, sent by `from`, announces a promise or a vote that is
/// not yet durable in `store` (Paxos Made Simple §2.3: an acceptor
/// remembers what it promised and accepted before it says so).
fn announces_undurable_state(store: &MemStorage, frame: &[u8]) -> bool {
    use coordinator::runtime::{PeerMessage, Storage};
    use protocols::multipaxos::{MpDurable, Msg};
    let Ok(PeerMessage::Core(msg)) = coordinator::codec::decode::<PeerMessage<Msg>>(frame) else {
        return false;
    };
    let mut store = store.clone();
    let loaded = Storage::<MpDurable>::load(&mut store, &Cluster::tree_config());
    let durable = loaded.expect("the store loads").durable;
    match msg {
        Msg::Promise { ballot, .. } => durable.promised < ballot,
        Msg::Accepted { ballot, slot } => {
            slot > durable.compacted.counter()
                && durable
                    .accepted
                    .get(&slot)
                    .is_none_or(|v| v.ballot != ballot)
        }
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_promise_or_vote_leaves_a_node_before_it_is_durable_and_replies_follow_the_fsync() {
    // Multi-Paxos's messages are decoded here to check the contract's rule 1
    // from outside the node.
    let protocol = ProtocolName::MultiPaxos;
    // A slow disk: every append takes 5 ms on the blocking thread.
    let net = MemNet::new();
    let stores: Arc<OnceLock<BTreeMap<u64, MemStorage>>> = Arc::default();
    let (checked, early) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let probe = {
        let (stores, checked, early) = (stores.clone(), checked.clone(), early.clone());
        Arc::new(move |from: u64, _to: u64, frame: &[u8]| {
            if let Some(stores) = stores.get() {
                checked.fetch_add(1, Ordering::Relaxed);
                if announces_undurable_state(&stores[&from], frame) {
                    early.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    net.set_probe(probe);
    let slow = || MemStorage::new().with_append_delay(Duration::from_millis(5));
    let mut c = Cluster::start_on(protocol, 3, 10_000, net, slow).await;
    let _ = stores.set(c.stores.clone());
    let leader = c.leader().await;
    for i in 0..20 {
        let id = 1 + i % 3;
        let before = c.stores[&id].fsyncs();
        put(&c.handle(id), &format!("/slow{i}"), "x").await;
        assert!(
            c.stores[&id].fsyncs() > before,
            "the origin persisted before it answered"
        );
    }
    // A new election: promises too.
    c.kill(leader);
    c.leader().await;
    put(&c.handle(1 + leader % 3), "/after", "x").await;
    assert!(checked.load(Ordering::Relaxed) > 0);
    assert_eq!(
        early.load(Ordering::Relaxed),
        0,
        "a promise or vote left before its fsync"
    );
    c.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_reads_its_own_pipelined_write() {
    for protocol in ProtocolName::available() {
        let c = Cluster::start(protocol, 3).await;
        let leader = c.leader().await;
        let follower = c.handle(1 + leader % 3);
        let (s, _, _) = follower.create_session(4000).await.expect("session");
        for i in 0..10 {
            let path = format!("/fifo{i}");
            // join! polls the write first: its request is queued before the
            // read's, and the read must not overtake it.
            let write = follower.submit(create(&path, "w", CreateMode::Persistent).with_session(s));
            let read = follower.get_data(s, &path, false, Vec::new());
            let (w, r) = tokio::join!(write, read);
            assert!(w.is_ok(), "{w:?}");
            let (data, _) = r.expect("the read sees the write");
            assert_eq!(data.as_deref(), Some(&b"w"[..]));
        }
        c.stop_all().await;
    }
}
