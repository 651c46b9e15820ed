//! Crashes: kill -9 of the leader, of everyone, and restarts. A write that
//! was acknowledged survives any of them.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coordinator::api::pb::{CreateMode, Mode};
use coordinator::server_config::ProtocolName;
use tests::client::{Conn, write_somewhere};
use tests::cluster::{Cluster, ELECTION_TIMEOUT, Options};
use tests::protocols;
use tests::wait::wait_until;

/// Reads `path` on server `id` after a sync.
async fn read_synced(cluster: &Cluster, id: u64, path: &str) -> Option<Vec<u8>> {
    let mut conn = Conn::connect(&cluster.endpoint(id)).await.ok()?;
    conn.sync().await.ok()?;
    conn.get(path, false).await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_of_the_leader_a_new_one_is_elected_writes_resume_and_the_old_one_catches_up()
{
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        let old = cluster.wait_for_leader().await;
        let mut conn = Conn::connect(&cluster.endpoint(old))
            .await
            .expect("connect");
        conn.create("/before", b"1", CreateMode::Persistent)
            .await
            .expect("write before the crash");

        cluster.kill(old);
        let new = cluster.wait_for_new_leader(old).await;
        assert_ne!(new, old);
        let survivors: Vec<String> = cluster
            .running()
            .iter()
            .map(|&id| cluster.endpoint(id))
            .collect();
        write_somewhere(&survivors, "/after", b"2", ELECTION_TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{protocol}: no write accepted after the failover: {e}"));
        for id in cluster.running() {
            assert_eq!(
                read_synced(&cluster, id, "/before").await,
                Some(b"1".to_vec())
            );
            assert_eq!(
                read_synced(&cluster, id, "/after").await,
                Some(b"2".to_vec())
            );
        }

        // The old leader comes back as a follower of the new one and
        // learns what it missed.
        cluster.start_node(old);
        let endpoint = cluster.endpoint(old);
        wait_until(
            &format!("server.{old} has /after"),
            ELECTION_TIMEOUT,
            || {
                let endpoint = endpoint.clone();
                async move {
                    let mut c = Conn::connect(&endpoint).await.ok()?;
                    (c.get("/after", false).await.ok()? == b"2").then_some(())
                }
            },
        )
        .await;
        let leader = cluster.wait_for_leader().await;
        let s = cluster.status(old).await.expect("status");
        if protocol == ProtocolName::Paxos {
            assert_eq!(s.mode(), Mode::Peer, "{protocol}: {s:?}");
        } else if leader != old {
            assert_eq!(s.mode(), Mode::Follower, "{protocol}: {s:?}");
        }
        // And it takes part: a write through it is seen everywhere.
        let mut c = Conn::connect(&endpoint).await.expect("connect");
        c.create("/via-restarted", b"3", CreateMode::Persistent)
            .await
            .expect("write through the restarted server");
        for id in cluster.ids() {
            assert_eq!(
                read_synced(&cluster, id, "/via-restarted").await,
                Some(b"3".to_vec())
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_of_every_server_and_a_restart_every_acknowledged_write_is_there() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        cluster.wait_for_leader().await;
        let endpoints: Vec<String> = cluster
            .ids()
            .iter()
            .map(|&id| cluster.endpoint(id))
            .collect();

        // Writers on every server, until the crash stops them.
        let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
        let mut writers = Vec::new();
        for (w, endpoint) in endpoints.iter().enumerate() {
            let acked = Arc::clone(&acked);
            let endpoint = endpoint.clone();
            writers.push(tokio::spawn(async move {
                let Ok(mut conn) = Conn::connect(&endpoint).await else {
                    return;
                };
                for i in 0.. {
                    let path = format!("/w{w}-{i:05}");
                    match conn
                        .create(&path, path.as_bytes(), CreateMode::Persistent)
                        .await
                    {
                        Ok(_) => {
                            acked.lock().expect("acked").insert(path);
                        }
                        Err(_) => return,
                    }
                }
            }));
        }
        let counted = Arc::clone(&acked);
        wait_until("60 writes are acknowledged", ELECTION_TIMEOUT, || {
            let counted = Arc::clone(&counted);
            async move { (counted.lock().expect("acked").len() >= 60).then_some(()) }
        })
        .await;
        // Writes are in flight while everyone dies.
        for id in cluster.ids() {
            cluster.kill(id);
        }
        for w in writers {
            let _ = tokio::time::timeout(Duration::from_secs(15), w).await;
        }
        let acked = acked.lock().expect("acked").clone();

        for id in cluster.ids() {
            cluster.start_node(id);
        }
        cluster.wait_for_leader().await;
        for id in cluster.ids() {
            let mut conn = Conn::connect(&cluster.endpoint(id)).await.expect("connect");
            conn.sync().await.expect("sync");
            for path in &acked {
                assert_eq!(
                    conn.get(path, false).await,
                    Ok(path.as_bytes().to_vec()),
                    "{protocol}: acknowledged {path} on server.{id} after the restart"
                );
            }
        }
        eprintln!(
            "{protocol}: {} acknowledged writes all survived",
            acked.len()
        );
    }
}
