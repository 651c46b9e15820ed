//! Log truncation: with a small snapCount the servers snapshot their tree
//! and truncate the log behind it, so a follower that was down meanwhile
//! catches up by a snapshot transfer.
//!
//! The peer transport keeps up to 4096 messages for a peer that is down and
//! delivers them when it is back, so a short outage is healed from that
//! queue alone. The test writes until the leader's log says the queue to the
//! dead follower overflowed (what followed is lost to it), then writes
//! several snapshots' worth more: only a snapshot can fill the gap.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use coordinator::api::pb::CreateMode;
use tests::client::Conn;
use tests::cluster::{Cluster, ELECTION_TIMEOUT, Options};
use tests::protocols;
use tests::wait::wait_until;

/// Commits between snapshots in this test.
const SNAP_COUNT: u64 = 20;
/// Concurrent writers.
const WRITERS: usize = 8;
/// What the transport logs when it drops messages for a peer.
const QUEUE_FULL: &str = "send queue to peer full";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_restarted_after_the_log_was_truncated_catches_up_by_snapshot() {
    for protocol in protocols() {
        let mut cluster = Cluster::create(Options::new(3, protocol));
        for id in cluster.ids() {
            cluster.edit_config(id, |c| c.snap_count = SNAP_COUNT);
            cluster.start_node(id);
        }
        let leader = cluster.wait_for_leader().await;
        let follower = cluster
            .ids()
            .into_iter()
            .find(|&id| id != leader)
            .expect("follower");
        let mut conn = Conn::connect(&cluster.endpoint(leader))
            .await
            .expect("connect");
        conn.create("/early", b"e", CreateMode::Persistent)
            .await
            .expect("create");
        cluster.wait_for_applied(conn.last_zxid).await;

        cluster.kill(follower);
        let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let (acked, stop) = (Arc::clone(&acked), Arc::clone(&stop));
            let mut c = conn.clone();
            writers.push(tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let path = format!("/w{w}-{i:05}");
                    c.create(&path, b"", CreateMode::Persistent)
                        .await
                        .unwrap_or_else(|e| panic!("write {path}: {e}"));
                    acked.lock().expect("acked").insert(path);
                    i += 1;
                }
            }));
        }
        let leader_log = cluster.node(leader).log_path.clone();
        wait_until(
            "the leader's queue to the dead follower overflows",
            ELECTION_TIMEOUT * 4,
            || {
                let leader_log = leader_log.clone();
                async move {
                    let log = std::fs::read_to_string(&leader_log).ok()?;
                    log.contains(QUEUE_FULL).then_some(())
                }
            },
        )
        .await;
        let overflowed_at = acked.lock().expect("acked").len();
        let counted = Arc::clone(&acked);
        let more = overflowed_at + 5 * SNAP_COUNT as usize;
        wait_until(
            "five snapshots' worth more writes",
            ELECTION_TIMEOUT,
            || {
                let counted = Arc::clone(&counted);
                async move { (counted.lock().expect("acked").len() >= more).then_some(()) }
            },
        )
        .await;
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.await.expect("writer");
        }
        conn.set("/early", b"late").await.expect("set");
        let last = conn.last_zxid;
        let acked = acked.lock().expect("acked").clone();

        cluster.start_node(follower);
        let endpoint = cluster.endpoint(follower);
        wait_until(
            &format!("server.{follower} applied {last:#x}"),
            ELECTION_TIMEOUT,
            || {
                let endpoint = endpoint.clone();
                async move {
                    let s = coordinator::cmd::status::query(&endpoint).await.ok()?;
                    (s.last_zxid >= last).then_some(())
                }
            },
        )
        .await;
        let mut c = Conn::connect(&endpoint).await.expect("connect");
        assert_eq!(c.get("/early", false).await, Ok(b"late".to_vec()));
        for path in &acked {
            assert_eq!(
                c.exists(path, false).await,
                Ok(true),
                "{protocol}: {path} missing on the caught-up follower"
            );
        }
        // It got there by a snapshot (the runtime logs both ends of a
        // transfer at info level, which the fixture turns on).
        let log = std::fs::read_to_string(&cluster.node(follower).log_path).expect("log");
        assert!(
            log.contains("installing a snapshot"),
            "{protocol}: server.{follower} caught up without a snapshot:\n{}",
            cluster.log_tail(follower)
        );
        // And it keeps following: a new write reaches it.
        conn.create("/after", b"", CreateMode::Persistent)
            .await
            .expect("create");
        cluster.wait_for_applied(conn.last_zxid).await;
        assert_eq!(c.exists("/after", false).await, Ok(true));
        eprintln!(
            "{protocol}: {} writes while server.{follower} was down (queue overflow after {overflowed_at})",
            acked.len()
        );
    }
}
