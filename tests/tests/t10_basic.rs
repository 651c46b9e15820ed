//! Basic service: elections, replication of writes to every server, and
//! standalone mode. Real `zoolab server` processes on loopback.

use coordinator::api::pb::{CreateMode, Mode};
use coordinator::server_config::ProtocolName;
use tests::client::{Conn, NO_NODE};
use tests::cluster::{Cluster, Options};
use tests::protocols;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_node_cluster_elects_one_leader_that_the_others_follow() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        let leader = cluster.wait_for_leader().await;
        let modes = cluster.modes().await;
        assert_eq!(modes.len(), 3, "{protocol}: {modes:?}");
        // Leaderless basic Paxos: every server is a peer, and `leader` is
        // the session keeper they agree on.
        for (id, mode) in &modes {
            let expected = match protocol {
                ProtocolName::Paxos => Mode::Peer,
                _ if *id == leader => Mode::Leader,
                _ => Mode::Follower,
            };
            assert_eq!(
                *mode,
                Some(expected),
                "{protocol}: server.{id} in {modes:?}"
            );
        }
        for id in cluster.ids() {
            let s = cluster.status(id).await.expect("status");
            assert_eq!(s.server_id, id as i64);
            assert_eq!(s.protocol, protocol.as_str());
            if protocol == ProtocolName::Paxos {
                assert_eq!(s.leader_id, None);
            } else {
                assert_eq!(s.leader_id, Some(leader as i64));
            }
            assert_eq!(s.session_keeper, Some(leader as i64), "{protocol}: {s:?}");
            assert_eq!(s.peers.len(), 3, "{protocol}: {s:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_any_server_is_readable_on_every_server() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        cluster.wait_for_leader().await;
        let ids = cluster.ids();
        for &writer in &ids {
            let mut conn = Conn::connect(&cluster.endpoint(writer))
                .await
                .expect("connect");
            let path = format!("/written-via-{writer}");
            let data = format!("from server.{writer}");
            conn.create(&path, data.as_bytes(), CreateMode::Persistent)
                .await
                .unwrap_or_else(|e| panic!("{protocol}: create via server.{writer}: {e}"));
            // The writer reads its own write at once.
            assert_eq!(conn.get(&path, false).await, Ok(data.clone().into_bytes()));
            for &reader in &ids {
                let mut r = Conn::connect(&cluster.endpoint(reader))
                    .await
                    .expect("connect");
                // sync makes the next read current (reads are local).
                r.sync().await.expect("sync");
                assert_eq!(
                    r.get(&path, false).await,
                    Ok(data.clone().into_bytes()),
                    "{protocol}: {path} on server.{reader}"
                );
            }
        }
        // A later change is seen everywhere too.
        let mut conn = Conn::connect(&cluster.endpoint(ids[0]))
            .await
            .expect("connect");
        conn.set("/written-via-1", b"changed").await.expect("set");
        for &reader in &ids {
            let mut r = Conn::connect(&cluster.endpoint(reader))
                .await
                .expect("connect");
            r.sync().await.expect("sync");
            assert_eq!(
                r.get("/written-via-1", false).await,
                Ok(b"changed".to_vec())
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_mode_serves_writes_and_keeps_them_across_a_restart() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(1, protocol));
        assert_eq!(cluster.wait_for_leader().await, 1);
        let s = cluster.status(1).await.expect("status");
        assert_eq!(s.mode(), Mode::Standalone, "{protocol}: {s:?}");
        let endpoint = cluster.endpoint(1);
        let mut conn = Conn::with_session(&endpoint, 2000).await.expect("session");
        conn.create("/app", b"v1", CreateMode::Persistent)
            .await
            .expect("create");
        conn.set("/app", b"v2").await.expect("set");
        let eph = conn
            .create("/app/eph-", b"", CreateMode::EphemeralSequential)
            .await
            .expect("ephemeral");
        assert_eq!(eph, "/app/eph-0000000000");
        assert_eq!(conn.get("/app", false).await, Ok(b"v2".to_vec()));

        cluster.stop(1);
        cluster.start_node(1);
        cluster.wait_for_leader().await;
        let mut conn = Conn::connect(&endpoint).await.expect("reconnect");
        assert_eq!(conn.get("/app", false).await, Ok(b"v2".to_vec()));
        // The session was not closed: its ephemeral lives until it expires.
        let gone = tests::wait::wait_until(
            "the dead session's ephemeral is deleted",
            std::time::Duration::from_secs(30),
            || {
                let mut conn = conn.clone();
                let eph = eph.clone();
                async move { (conn.exists(&eph, false).await == Ok(false)).then_some(()) }
            },
        );
        gone.await;
        assert_eq!(conn.get("/missing", false).await, Err(NO_NODE));
    }
}
