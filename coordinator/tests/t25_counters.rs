//! Every server counts the frames and bytes its peer links carry and the
//! commands it commits, and reports them through the gRPC `Status` call
//! (issue #9: messages and bytes per committed write). Three runtime nodes
//! in one process, each behind its own gRPC server (fixture:
//! `t30_grpc_cluster`).

mod t20_runtime_cluster;
mod t30_grpc_cluster;

use coordinator::CreateMode;
use coordinator::api::pb;
use coordinator::client::server_status;

use t20_runtime_cluster::wait_until;
use t30_grpc_cluster::GrpcCluster;

async fn statuses(c: &GrpcCluster) -> Vec<pb::StatusResponse> {
    let mut all = Vec::new();
    for &id in c.servers.keys() {
        all.push(server_status(&c.addr(id)).await.expect("status answers"));
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_traffic_and_commits_rise_with_writes_on_every_server() {
    let c = GrpcCluster::start().await;
    let before = statuses(&c).await;
    let client = c.client(1).await;
    const WRITES: u64 = 20;
    client
        .create("/counted", b"", CreateMode::Persistent)
        .await
        .expect("create");
    for i in 1..WRITES {
        client
            .set_data("/counted", &[7u8; 1024], i as i32 - 1)
            .await
            .expect("set");
    }
    // Followers apply the last commits a moment after the leader answers.
    let after = wait_until("every server applied the writes", || async {
        let now = statuses(&c).await;
        let all = now
            .iter()
            .zip(&before)
            .all(|(a, b)| a.commits >= b.commits + WRITES);
        all.then_some(now)
    })
    .await;
    for (a, b) in after.iter().zip(&before) {
        let server = a.server_id;
        assert!(a.messages_sent > b.messages_sent, "server {server} sent");
        assert!(
            a.messages_received > b.messages_received,
            "server {server} received"
        );
        // Each 1 KB value crosses at least one peer link of every server.
        assert!(
            a.bytes_received - b.bytes_received >= 1024 * (WRITES - 1)
                || a.bytes_sent - b.bytes_sent >= 1024 * (WRITES - 1),
            "server {server} moved the values: {a:?}"
        );
        assert!(
            a.bytes_sent >= a.messages_sent,
            "a frame is at least a byte"
        );
    }
    // `zoolab status` prints them.
    let endpoint = c.addr(1);
    let text = coordinator::cmd::status::render(&endpoint, None, &after[0]);
    let line = text
        .lines()
        .find(|l| l.starts_with("Peer messages sent/received: "))
        .unwrap_or_else(|| panic!("a counters line in {text}"));
    assert!(
        line.contains(&format!(
            "{}/{}",
            after[0].messages_sent, after[0].messages_received
        )) && line.ends_with(&format!("Commits: {}.", after[0].commits)),
        "{line}"
    );
    drop(client);
    c.stop().await;
}

/// The four-letter words read the same counters: `mntr` of a real node
/// (its snapshot built from its handle and configuration) names its mode
/// and its commits, and `srvr` the mode `zkServer.sh status` looks for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mntr_and_srvr_of_a_live_node_report_its_mode_and_counters() {
    use coordinator::fourlw::{ClientStats, Whitelist, respond, snapshot};
    let c = GrpcCluster::start().await;
    let leader = c.nodes.leader().await;
    let client = c.client(leader).await;
    client
        .create("/four", b"letters", CreateMode::Persistent)
        .await
        .expect("create");
    let all = Whitelist::parse("*");
    for &id in c.servers.keys() {
        let snap = snapshot(&c.nodes.handle(id), &c.config(id), ClientStats::default())
            .await
            .expect("snapshot");
        let mntr = respond(b"mntr", &snap, &all).expect("mntr is a word");
        let value = |key: &str| {
            mntr.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}\t")))
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("{key} in {mntr}"))
        };
        let mode = if id == leader { "leader" } else { "follower" };
        assert_eq!(value("zk_server_state"), mode);
        assert_eq!(value("zk_quorum_size"), "3");
        assert!(value("zoolab_commits").parse::<u64>().expect("a count") >= 1);
        assert!(
            value("zoolab_messages_sent")
                .parse::<u64>()
                .expect("a count")
                > 0
        );
        let nodes: usize = value("zk_znode_count").parse().expect("a count");
        assert!(nodes >= 3, "/, /zookeeper and /four at least: {nodes}");
        let srvr = respond(b"srvr", &snap, &Whitelist::default()).expect("srvr");
        assert!(srvr.contains(&format!("\nMode: {mode}\n")), "{srvr}");
    }
    drop(client);
    c.stop().await;
}
