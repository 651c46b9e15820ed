//! Sessions across servers: expiry (also of a session whose server died),
//! and a session that moves to another server with its ephemerals and
//! watches.

use std::time::Duration;

use coordinator::api::pb::{CreateMode, EventType};
use tests::client::Conn;
use tests::cluster::{Cluster, ELECTION_TIMEOUT, Options};
use tests::protocols;
use tests::wait::wait_until;

/// Whether `path` exists on server `endpoint` (after a sync).
async fn exists_on(endpoint: &str, path: &str) -> Option<bool> {
    let mut conn = Conn::connect(endpoint).await.ok()?;
    conn.sync().await.ok()?;
    conn.exists(path, false).await.ok()
}

async fn wait_gone_everywhere(cluster: &mut Cluster, path: &str, within: Duration) {
    for id in cluster.running() {
        let endpoint = cluster.endpoint(id);
        wait_until(&format!("{path} is gone on server.{id}"), within, || {
            let endpoint = endpoint.clone();
            async move { (exists_on(&endpoint, path).await == Some(false)).then_some(()) }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ephemeral_node_goes_when_its_silent_session_expires() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        let leader = cluster.wait_for_leader().await;
        let follower = cluster
            .ids()
            .into_iter()
            .find(|&id| id != leader)
            .expect("follower");
        let mut conn = Conn::with_session(&cluster.endpoint(follower), 1000)
            .await
            .expect("session");
        conn.create("/eph", b"", CreateMode::Ephemeral)
            .await
            .expect("ephemeral");
        for id in cluster.ids() {
            assert_eq!(exists_on(&cluster.endpoint(id), "/eph").await, Some(true));
        }
        let session = conn.session;
        drop(conn); // no more keep-alives
        wait_gone_everywhere(&mut cluster, "/eph", ELECTION_TIMEOUT).await;
        // The session is gone too: using it fails.
        let mut again = Conn::connect(&cluster.endpoint(follower))
            .await
            .expect("connect");
        again.session = session;
        assert!(
            again.ping().await.is_err(),
            "{protocol}: the expired session still answers"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ephemeral_node_goes_when_the_server_its_session_used_was_killed() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        let leader = cluster.wait_for_leader().await;
        let follower = cluster
            .ids()
            .into_iter()
            .find(|&id| id != leader)
            .expect("follower");
        // Once on a follower, once on the leader (whose death also moves
        // the session keeper).
        for (victim, path) in [(follower, "/eph-on-follower"), (leader, "/eph-on-leader")] {
            let mut conn = Conn::with_session(&cluster.endpoint(victim), 1000)
                .await
                .expect("session");
            let keep = conn.keep_alive();
            conn.create(path, b"", CreateMode::Ephemeral)
                .await
                .expect("ephemeral");
            // Well past the timeout: the keep-alives hold it.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert_eq!(exists_on(&cluster.endpoint(victim), path).await, Some(true));
            cluster.kill(victim);
            drop(keep);
            cluster.wait_for_leader().await;
            eprintln!("{protocol}: killed server.{victim}, waiting for {path} to go");
            wait_gone_everywhere(&mut cluster, path, ELECTION_TIMEOUT).await;
            cluster.start_node(victim);
            cluster.wait_for_leader().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_moved_to_another_server_keeps_its_ephemerals_and_gets_its_watch_events() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        let leader = cluster.wait_for_leader().await;
        let mut others = cluster.ids().into_iter().filter(|&id| id != leader);
        let (first, second) = (others.next().expect("a"), others.next().expect("b"));

        let mut anon = Conn::connect(&cluster.endpoint(leader))
            .await
            .expect("connect");
        anon.create("/watched", b"v0", CreateMode::Persistent)
            .await
            .expect("create");

        let mut conn = Conn::with_session(&cluster.endpoint(first), 1000)
            .await
            .expect("session");
        let keep_first = conn.keep_alive();
        conn.create("/mine", b"", CreateMode::Ephemeral)
            .await
            .expect("ephemeral");
        assert_eq!(conn.get("/watched", true).await, Ok(b"v0".to_vec()));

        // Its server dies; the client moves the session to another one and
        // re-registers its watch there (what a ZooKeeper client does).
        cluster.kill(first);
        drop(keep_first);
        let mut moved = conn
            .resume_on(&cluster.endpoint(second))
            .await
            .unwrap_or_else(|e| panic!("{protocol}: resume on server.{second}: {e}"));
        let _keep = moved.keep_alive();
        let mut events = moved.watch_stream().await.expect("watch stream");
        moved
            .set_watches(vec!["/watched".into()], Vec::new())
            .await
            .expect("setWatches");

        // Several timeouts later, the ephemeral is still there, everywhere.
        tokio::time::sleep(Duration::from_millis(3000)).await;
        for id in cluster.running() {
            assert_eq!(
                exists_on(&cluster.endpoint(id), "/mine").await,
                Some(true),
                "{protocol}: /mine on server.{id}"
            );
        }
        // A change of the watched node reaches the moved session.
        anon.set("/watched", b"v1").await.expect("set");
        let event = tokio::time::timeout(ELECTION_TIMEOUT, events.message())
            .await
            .expect("an event in time")
            .expect("stream ok")
            .expect("stream open");
        assert_eq!(event.r#type(), EventType::NodeDataChanged, "{event:?}");
        assert_eq!(event.path, "/watched");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_client_fails_over_with_its_session_ephemerals_and_watches() {
    use coordinator::client::Client;
    use coordinator::{CreateMode as TreeMode, EventType as TreeEvent};
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        cluster.wait_for_leader().await;
        let connect: Vec<String> = cluster
            .ids()
            .iter()
            .map(|&id| cluster.endpoint(id))
            .collect();
        let client = Client::connect(&connect.join(","), Duration::from_millis(1000))
            .await
            .expect("client");
        let mut events = client.take_events().expect("events");
        client
            .create("/watched", b"v0", TreeMode::Persistent)
            .await
            .expect("create");
        client
            .create("/client-eph", b"", TreeMode::Ephemeral)
            .await
            .expect("ephemeral");
        client
            .get_data("/watched", true)
            .await
            .expect("get with watch");

        let attached = client.server().await;
        let victim = cluster
            .ids()
            .into_iter()
            .find(|&id| cluster.endpoint(id) == attached)
            .expect("the client's server is one of the cluster's");
        cluster.kill(victim);
        cluster.wait_for_leader().await;
        // Several session timeouts: the client moved and kept it alive.
        tokio::time::sleep(Duration::from_millis(3000)).await;
        assert_ne!(
            client.server().await,
            attached,
            "{protocol}: the client did not move"
        );
        for id in cluster.running() {
            assert_eq!(
                exists_on(&cluster.endpoint(id), "/client-eph").await,
                Some(true),
                "{protocol}: /client-eph on server.{id}"
            );
        }
        let survivor = cluster.running()[0];
        let mut other = Conn::connect(&cluster.endpoint(survivor))
            .await
            .expect("connect");
        other.set("/watched", b"v1").await.expect("set");
        let event = tokio::time::timeout(ELECTION_TIMEOUT, async {
            loop {
                match events.recv().await {
                    Some(e) if e.path == "/watched" => return Some(e),
                    Some(_) => continue,
                    None => return None,
                }
            }
        })
        .await
        .expect("an event in time")
        .expect("events open");
        assert_eq!(event.event_type, TreeEvent::NodeDataChanged, "{event:?}");
        client.close().await.expect("close");
        wait_gone_everywhere(&mut cluster, "/client-eph", ELECTION_TIMEOUT).await;
    }
}
