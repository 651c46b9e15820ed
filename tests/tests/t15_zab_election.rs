//! The seed's election example (section 4) on real Zab processes: five
//! fresh servers started one after another. Servers 1 and 2 alone are no
//! majority of five and stay LOOKING; server 3 has the highest id of the
//! first three, so it leads the moment it starts; 4 and 5 join the settled
//! ensemble and follow it.

use std::time::Duration;

use coordinator::api::pb::Mode;
use coordinator::cmd::status::effective_mode;
use coordinator::server_config::ProtocolName;
use protocols::NodeId;
use tests::cluster::{Cluster, ELECTION_TIMEOUT, Options};
use tests::wait::{POLL, wait_until};

/// How long servers 1 and 2 are watched to see that they stay LOOKING: two
/// whole election timeouts (2·syncLimit tickTimes) of the fixture.
const NO_QUORUM_WINDOW: Duration = Duration::from_secs(2);

async fn mode(cluster: &Cluster, id: NodeId) -> Option<Mode> {
    cluster.status(id).await.map(|s| effective_mode(&s))
}

/// Waits until `id` answers Status and follows `leader`.
async fn wait_following(cluster: &Cluster, id: NodeId, leader: NodeId) {
    wait_until(
        &format!("server.{id} follows server.{leader}"),
        ELECTION_TIMEOUT,
        || async {
            let s = cluster.status(id).await?;
            (effective_mode(&s) == Mode::Follower && s.leader_id == Some(leader as i64))
                .then_some(())
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_fresh_servers_started_one_by_one_elect_server_3() {
    let mut cluster = Cluster::create(Options::new(5, ProtocolName::Zab));

    cluster.start_node(1);
    cluster.start_node(2);
    for id in [1, 2] {
        wait_until(
            &format!("server.{id} answers and is looking"),
            ELECTION_TIMEOUT,
            || async { (mode(&cluster, id).await == Some(Mode::Looking)).then_some(()) },
        )
        .await;
    }
    // Two of five can never settle: watch them for a while.
    let window = tokio::time::Instant::now() + NO_QUORUM_WINDOW;
    while tokio::time::Instant::now() < window {
        for id in [1, 2] {
            assert_eq!(
                mode(&cluster, id).await,
                Some(Mode::Looking),
                "server.{id} must stay LOOKING with only servers 1 and 2 up\n{}",
                cluster.log_tail(id)
            );
        }
        tokio::time::sleep(POLL).await;
    }

    cluster.start_node(3);
    let leader = cluster.wait_for_leader().await;
    assert_eq!(leader, 3, "the first majority's highest id leads");

    for id in [4, 5] {
        cluster.start_node(id);
        wait_following(&cluster, id, 3).await;
    }
    let modes = cluster.modes().await;
    let expected = [
        (1, Mode::Follower),
        (2, Mode::Follower),
        (3, Mode::Leader),
        (4, Mode::Follower),
        (5, Mode::Follower),
    ];
    for (id, want) in expected {
        assert_eq!(modes.get(&id), Some(&Some(want)), "server.{id}: {modes:?}");
    }
}
