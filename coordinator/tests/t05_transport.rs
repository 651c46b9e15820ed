//! The peer transport on loopback: delivery in every direction, reconnects,
//! refusals, the frame limit, bounded queues and shutdown.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use coordinator::net::{
    Limits, Listen, SendError, Transport, TransportConfig, TransportHandle, TransportStats,
};
use protocols::NodeId;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::mpsc::Receiver;
use tokio::sync::mpsc::error::TryRecvError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Msg {
    Seq(u64),
    Blob(Vec<u8>),
}

/// Generous: every wait ends as soon as its condition holds.
const WAIT: Duration = Duration::from_secs(20);

struct Node {
    handle: TransportHandle<Msg>,
    rx: Receiver<(NodeId, Msg)>,
}

fn test_limits() -> Limits {
    Limits {
        backoff_initial: Duration::from_millis(10),
        backoff_max: Duration::from_millis(200),
        ..Limits::default()
    }
}

async fn bind_all(ids: &[NodeId]) -> (BTreeMap<NodeId, TcpListener>, BTreeMap<NodeId, SocketAddr>) {
    let mut listeners = BTreeMap::new();
    let mut addrs = BTreeMap::new();
    for &id in ids {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        addrs.insert(id, listener.local_addr().unwrap());
        listeners.insert(id, listener);
    }
    (listeners, addrs)
}

/// An address nobody listens on.
async fn dead_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

fn start(
    me: NodeId,
    cluster: &str,
    protocol: &str,
    listen: impl Into<Listen>,
    peers: &BTreeMap<NodeId, SocketAddr>,
    limits: Limits,
) -> Node {
    let (handle, rx) = Transport::start(TransportConfig {
        me,
        cluster_id: cluster.into(),
        protocol: protocol.into(),
        listen: listen.into(),
        peers: peers.clone(),
        limits,
    })
    .unwrap();
    Node { handle, rx }
}

async fn start_cluster(ids: &[NodeId]) -> (BTreeMap<NodeId, Node>, BTreeMap<NodeId, SocketAddr>) {
    let (listeners, addrs) = bind_all(ids).await;
    let nodes = listeners
        .into_iter()
        .map(|(id, l)| (id, start(id, "c1", "zab", l, &addrs, test_limits())))
        .collect();
    (nodes, addrs)
}

async fn recv(node: &mut Node) -> (NodeId, Msg) {
    tokio::time::timeout(WAIT, node.rx.recv())
        .await
        .expect("timed out waiting for a message")
        .expect("transport closed its receiver")
}

/// Receives until `wanted` arrives from `from`; returns what came before.
async fn recv_until(node: &mut Node, from: NodeId, wanted: &Msg) -> Vec<(NodeId, Msg)> {
    let mut before = Vec::new();
    loop {
        let got = recv(node).await;
        if got.0 == from && &got.1 == wanted {
            return before;
        }
        before.push(got);
    }
}

/// Polls the transport's counters until `done` holds (there is no event
/// to wait on for counters; each poll is a condition check, not a guess).
async fn wait_stats(
    handle: &TransportHandle<Msg>,
    what: &str,
    done: impl Fn(&TransportStats) -> bool,
) {
    let polled = tokio::time::timeout(WAIT, async {
        loop {
            if done(&handle.stats()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        polled.is_ok(),
        "timed out waiting for {what}: {:?}",
        handle.stats()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_exchange_in_every_direction_fifo_per_pair() {
    const N: u64 = 500;
    let ids = [1, 2, 3];
    let (mut nodes, _) = start_cluster(&ids).await;
    // Queued before any connection exists: they wait for it.
    for from in ids {
        for to in ids.into_iter().filter(|&to| to != from) {
            for n in 0..N {
                nodes[&from].handle.send(to, &Msg::Seq(n)).unwrap();
            }
        }
    }
    for me in ids {
        let node = nodes.get_mut(&me).unwrap();
        let mut got: BTreeMap<NodeId, Vec<u64>> = BTreeMap::new();
        for _ in 0..2 * N {
            match recv(node).await {
                (from, Msg::Seq(n)) => got.entry(from).or_default().push(n),
                other => panic!("unexpected {other:?}"),
            }
        }
        let expected: Vec<u64> = (0..N).collect();
        for from in ids.into_iter().filter(|&from| from != me) {
            assert_eq!(got[&from], expected, "node {me} from node {from}");
        }
        let stats = node.handle.stats();
        for peer in stats.peers.values() {
            assert!(peer.connected);
            assert_eq!(peer.received, N);
            assert_eq!(peer.dropped, 0);
        }
    }
    for node in nodes.into_values() {
        node.handle.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_peer_is_reconnected_and_messages_flow_again() {
    // Node 2 dials node 1 and is dialed by node 3: both roles restart.
    let (mut nodes, addrs) = start_cluster(&[1, 2, 3]).await;
    for (from, to) in [(1, 2), (3, 2), (2, 1), (2, 3)] {
        nodes[&from].handle.send(to, &Msg::Seq(1)).unwrap();
        recv_until(nodes.get_mut(&to).unwrap(), from, &Msg::Seq(1)).await;
    }

    let old = nodes.remove(&2).unwrap();
    old.handle.shutdown().await;
    for peer_of_2 in [1, 3] {
        wait_stats(&nodes[&peer_of_2].handle, "peer 2 to be seen down", |s| {
            !s.peers[&2].connected
        })
        .await;
    }

    nodes.insert(2, start(2, "c1", "zab", addrs[&2], &addrs, test_limits()));
    for (from, to) in [(1, 2), (3, 2), (2, 1), (2, 3)] {
        nodes[&from].handle.send(to, &Msg::Seq(2)).unwrap();
        let stale = recv_until(nodes.get_mut(&to).unwrap(), from, &Msg::Seq(2)).await;
        assert!(
            stale.iter().all(|(_, m)| m == &Msg::Seq(1)),
            "only earlier messages may precede: {stale:?}"
        );
    }
    for peer_of_2 in [1, 3] {
        let stats = nodes[&peer_of_2].handle.stats();
        assert!(stats.peers[&2].connected);
        // At least the first connection and the one to the new node 2 (a
        // redial may also have reached the old one while it shut down).
        assert!(stats.peers[&2].connects >= 2, "node {peer_of_2}: {stats:?}");
    }
    for node in nodes.into_values() {
        node.handle.shutdown().await;
    }
}

/// Starts node 1 and node `dialer` (a higher id, so it dials), each
/// configured by `configure`, and checks that node 1 keeps refusing the
/// dialer and that no message crosses either way.
async fn assert_refused(dialer: NodeId, setup: [(&str, &str, &[NodeId]); 2]) {
    let (listeners, addrs) = bind_all(&[1, dialer]).await;
    let mut nodes = BTreeMap::new();
    for ((id, listener), (cluster, protocol, members)) in listeners.into_iter().zip(setup) {
        let peers = addrs
            .iter()
            .filter(|(peer, _)| members.contains(peer))
            .map(|(&peer, &addr)| (peer, addr))
            .collect();
        nodes.insert(
            id,
            start(id, cluster, protocol, listener, &peers, test_limits()),
        );
    }
    for (from, to) in [(1, dialer), (dialer, 1)] {
        // Unknown peers are refused by `send` itself.
        let _ = nodes[&from].handle.send(to, &Msg::Seq(9));
    }
    // Two refusals: the dialer retried and was refused again.
    wait_stats(&nodes[&1].handle, "node 1 to refuse twice", |s| {
        s.rejected_inbound >= 2
    })
    .await;
    wait_stats(&nodes[&dialer].handle, "the dialer to hear it", |s| {
        s.peers.get(&1).is_some_and(|p| p.handshake_failures >= 2)
    })
    .await;
    for (id, node) in nodes.iter_mut() {
        assert!(
            matches!(node.rx.try_recv(), Err(TryRecvError::Empty)),
            "node {id}"
        );
        let stats = node.handle.stats();
        assert!(
            stats
                .peers
                .values()
                .all(|p| p.connects == 0 && p.received == 0),
            "{stats:?}"
        );
    }
    for node in nodes.into_values() {
        node.handle.shutdown().await;
    }
}

#[tokio::test]
async fn a_peer_of_another_cluster_is_refused() {
    assert_refused(2, [("c1", "zab", &[2]), ("c2", "zab", &[1])]).await;
}

#[tokio::test]
async fn a_peer_running_another_protocol_is_refused() {
    assert_refused(2, [("c1", "zab", &[2]), ("c1", "multipaxos", &[1])]).await;
}

#[tokio::test]
async fn a_node_outside_the_membership_is_refused() {
    // Node 1 knows only node 2; node 3 believes it is node 1's peer.
    let other = dead_addr().await;
    let (listeners, addrs) = bind_all(&[1, 3]).await;
    let mut listeners = listeners.into_iter();
    let (_, l1) = listeners.next().unwrap();
    let (_, l3) = listeners.next().unwrap();
    let mut n1 = start(
        1,
        "c1",
        "zab",
        l1,
        &BTreeMap::from([(2, other)]),
        test_limits(),
    );
    let mut n3 = start(
        3,
        "c1",
        "zab",
        l3,
        &BTreeMap::from([(1, addrs[&1])]),
        test_limits(),
    );
    let _ = n3.handle.send(1, &Msg::Seq(1));
    wait_stats(&n1.handle, "node 1 to refuse node 3", |s| {
        s.rejected_inbound >= 2
    })
    .await;
    wait_stats(&n3.handle, "node 3 to hear it", |s| {
        s.peers[&1].handshake_failures >= 2
    })
    .await;
    assert!(matches!(n1.rx.try_recv(), Err(TryRecvError::Empty)));
    assert!(matches!(n3.rx.try_recv(), Err(TryRecvError::Empty)));
    assert!(matches!(
        n1.handle.send(3, &Msg::Seq(1)),
        Err(SendError::UnknownPeer(3))
    ));
    n1.handle.shutdown().await;
    n3.handle.shutdown().await;
}

#[tokio::test]
async fn a_stranger_cannot_make_a_node_allocate() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut nodes, addrs) = start_cluster(&[1, 2]).await;
    // "GET " read as a frame length is over a gigabyte: refused from the
    // header alone, long before the handshake limit would be reached.
    let mut stranger = tokio::net::TcpStream::connect(addrs[&1]).await.unwrap();
    stranger.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(WAIT, stranger.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the node must close the connection");
    assert!(rest.is_empty(), "no handshake reply to a non-zoolab client");
    assert_eq!(nodes[&1].handle.stats().rejected_inbound, 1);
    // The real peers are unaffected.
    nodes[&2].handle.send(1, &Msg::Seq(5)).unwrap();
    recv_until(nodes.get_mut(&1).unwrap(), 2, &Msg::Seq(5)).await;
    for node in nodes.into_values() {
        node.handle.shutdown().await;
    }
}

#[tokio::test]
async fn an_oversize_frame_is_refused_and_the_link_recovers() {
    let (listeners, addrs) = bind_all(&[1, 2]).await;
    let mut listeners = listeners.into_iter();
    let small = Limits {
        max_frame: 1024,
        ..test_limits()
    };
    let mut n1 = start(1, "c1", "zab", listeners.next().unwrap().1, &addrs, small);
    let n2 = start(
        2,
        "c1",
        "zab",
        listeners.next().unwrap().1,
        &addrs,
        test_limits(),
    );

    // The sender refuses what is over its own limit...
    assert!(matches!(
        n1.handle.send(2, &Msg::Blob(vec![0; 4096])),
        Err(SendError::TooLarge {
            to: 2,
            max: 1024,
            ..
        })
    ));
    // ...and the receiver what is over its limit but not the sender's.
    n2.handle.send(1, &Msg::Blob(vec![0; 4096])).unwrap();
    wait_stats(&n1.handle, "node 1 to refuse the frame", |s| {
        s.peers[&2].oversize_frames == 1
    })
    .await;
    // Node 2 redials; what it sends next arrives.
    n2.handle.send(1, &Msg::Seq(8)).unwrap();
    let before = recv_until(&mut n1, 2, &Msg::Seq(8)).await;
    assert!(before.is_empty(), "the oversize message leaked: {before:?}");
    assert_eq!(n1.handle.stats().peers[&2].received, 1);
    n1.handle.shutdown().await;
    n2.handle.shutdown().await;
}

#[tokio::test]
async fn a_dead_peer_never_holds_more_than_the_queue_bound() {
    const QUEUE: usize = 64;
    const SENT: usize = 1000;
    // Node 3 dials node 1 and waits for node 5: both roles, both dead.
    let peers = BTreeMap::from([(1, dead_addr().await), (5, dead_addr().await)]);
    let limits = Limits {
        send_queue: QUEUE,
        ..test_limits()
    };
    let node = start(3, "c1", "zab", dead_addr().await, &peers, limits);
    for to in [1, 5] {
        let mut full = 0;
        for n in 0..SENT {
            match node.handle.send(to, &Msg::Seq(n as u64)) {
                Ok(()) => {}
                Err(SendError::QueueFull(peer)) => {
                    assert_eq!(peer, to);
                    full += 1;
                }
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert_eq!(full, SENT - QUEUE);
    }
    // The dialer keeps retrying, and the queue stays at its bound.
    wait_stats(&node.handle, "node 3 to retry node 1", |s| {
        s.peers[&1].handshake_failures >= 3
    })
    .await;
    let stats = node.handle.stats();
    for to in [1, 5] {
        let peer = &stats.peers[&to];
        assert_eq!(peer.queued, QUEUE, "{stats:?}");
        assert_eq!(peer.dropped, (SENT - QUEUE) as u64);
        assert_eq!(peer.sent, 0);
        assert!(!peer.connected);
    }
    node.handle.shutdown().await;
}

#[tokio::test]
async fn large_messages_are_bounded_by_bytes_not_just_by_count() {
    const BYTES: usize = 10_000;
    let peers = BTreeMap::from([(1, dead_addr().await)]);
    let limits = Limits {
        send_queue_bytes: BYTES,
        ..test_limits()
    };
    let node = start(3, "c1", "zab", dead_addr().await, &peers, limits);
    let mut queued = 0;
    for _ in 0..100 {
        if node.handle.send(1, &Msg::Blob(vec![7; 1000])).is_ok() {
            queued += 1;
        }
    }
    let stats = node.handle.stats();
    let peer = &stats.peers[&1];
    assert!(peer.queued_bytes <= BYTES, "{stats:?}");
    // Each message encodes to a little over 1000 bytes: nine fit in 10 000.
    assert_eq!(queued, 9);
    assert_eq!(peer.queued, 9);
    assert_eq!(peer.dropped, 91);
    node.handle.shutdown().await;
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test]
async fn shutdown_stops_every_task_closes_the_receiver_and_the_port() {
    let baseline = alive_tasks();
    let (mut nodes, addrs) = start_cluster(&[1, 2]).await;
    nodes[&2].handle.send(1, &Msg::Seq(1)).unwrap();
    recv_until(nodes.get_mut(&1).unwrap(), 2, &Msg::Seq(1)).await;
    assert!(alive_tasks() > baseline);
    let sender = nodes[&1].handle.sender();

    for (_, mut node) in nodes {
        node.handle.shutdown().await;
        let end = tokio::time::timeout(WAIT, node.rx.recv()).await;
        assert!(matches!(end, Ok(None)), "the receiver must end: {end:?}");
    }
    assert_eq!(alive_tasks(), baseline);
    assert!(matches!(
        sender.send(2, &Msg::Seq(2)),
        Err(SendError::Closed)
    ));
    for addr in addrs.values() {
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "{addr} still listening"
        );
    }
}

#[tokio::test]
async fn dropping_the_handle_aborts_every_task() {
    let baseline = alive_tasks();
    let (mut nodes, _) = start_cluster(&[1, 2]).await;
    nodes[&2].handle.send(1, &Msg::Seq(1)).unwrap();
    recv_until(nodes.get_mut(&1).unwrap(), 2, &Msg::Seq(1)).await;
    drop(nodes);
    // Aborted tasks finish when the runtime next polls them.
    let gone = tokio::time::timeout(WAIT, async {
        while alive_tasks() != baseline {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(
        gone.is_ok(),
        "{} tasks outlived their handle",
        alive_tasks() - baseline
    );
}
