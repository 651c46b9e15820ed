//! `zoolab cli` as scripts use it, on a real 3-node cluster: one-shot
//! exit codes, two clients watching each other's changes, an ephemeral
//! node that goes with its creator, ACLs.

use tests::cluster::{Cluster, Options};
use tests::protocols;
use tests::shell::{PipedCli, one_shot};

async fn cluster() -> (Cluster, String) {
    let protocol = protocols()
        .into_iter()
        .next()
        .expect("a protocol is available");
    let mut cluster = Cluster::start(Options::new(3, protocol));
    cluster.wait_for_leader().await;
    let connect = cluster
        .ids()
        .into_iter()
        .map(|id| cluster.endpoint(id))
        .collect::<Vec<_>>()
        .join(",");
    (cluster, connect)
}

/// The output of a one-shot run after its start-up lines (`Connecting
/// to`, and the SyncConnected event).
fn after_startup(output: &str) -> Vec<&str> {
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(
        lines.first().map(|l| l.starts_with("Connecting to ")),
        Some(true),
        "{output}"
    );
    assert_eq!(
        lines.get(1..5),
        Some(
            &[
                "",
                "WATCHER::",
                "",
                "WatchedEvent state:SyncConnected type:None path:null"
            ][..]
        ),
        "{output}"
    );
    lines[5..].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shot_commands_exit_with_zkclis_status() {
    let (_cluster, connect) = cluster().await;
    let (code, out) = one_shot(&connect, &["create", "/one", "data"]);
    assert_eq!((code, after_startup(&out)), (0, vec!["Created /one"]));
    let (code, out) = one_shot(&connect, &["get", "/one"]);
    assert_eq!((code, after_startup(&out)), (0, vec!["data"]));
    let (code, out) = one_shot(&connect, &["create", "/one", "again"]);
    assert_eq!(
        (code, after_startup(&out)),
        (1, vec!["Node already exists: /one"])
    );
    let (code, out) = one_shot(&connect, &["get", "/missing"]);
    assert_eq!(
        (code, after_startup(&out)),
        (1, vec!["Node does not exist: /missing"])
    );
    let (code, out) = one_shot(&connect, &["bogus"]);
    assert_eq!(code, 127, "{out}");
    assert_eq!(
        after_startup(&out).last(),
        Some(&"Command not found: Command not found bogus")
    );
    // No server answers: the session cannot be opened.
    let (code, out) = one_shot("127.0.0.1:1", &["ls", "/"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cannot connect to 127.0.0.1:1"), "{out}");
}

const DATA_CHANGED: &str = "WatchedEvent state:SyncConnected type:NodeDataChanged path:/sanguo";
const CHILD_CHANGED: &str =
    "WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/sanguo";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sees_the_changes_another_makes_to_what_it_watches() {
    let (_cluster, connect) = cluster().await;
    let mut a = PipedCli::start(&connect);
    a.send(r#"create /sanguo "jinlian""#);
    a.send("get -w /sanguo");
    a.wait_for_line("jinlian");
    // B changes the data: A's data watch fires once.
    assert_eq!(one_shot(&connect, &["set", "/sanguo", "xisi"]).0, 0);
    a.wait_for_line(DATA_CHANGED);
    assert_eq!(one_shot(&connect, &["set", "/sanguo", "again"]).0, 0);
    a.send("ls -w /sanguo");
    a.wait_for_line("[]");
    // B adds a child: A's child watch fires; a second child, no watch left.
    assert_eq!(
        one_shot(&connect, &["create", "/sanguo/jin", "simayi"]).0,
        0
    );
    a.wait_for_line(CHILD_CHANGED);
    assert_eq!(one_shot(&connect, &["create", "/sanguo/wei", "x"]).0, 0);
    a.send("ls /sanguo");
    a.wait_for_line("[jin, wei]");
    a.send("quit");
    let (code, lines) = a.finish();
    assert_eq!(code, 0);
    let count = |text: &str| lines.iter().filter(|l| *l == text).count();
    assert_eq!(count(DATA_CHANGED), 1, "{lines:#?}");
    assert_eq!(count(CHILD_CHANGED), 1, "{lines:#?}");
    // Each event as zkCli prints it: a blank line, WATCHER::, a blank line.
    let at = lines
        .iter()
        .position(|l| l == DATA_CHANGED)
        .expect("the event");
    assert_eq!(&lines[at - 3..at], ["", "WATCHER::", ""]);
    assert_eq!(
        lines.last().map(String::as_str),
        Some("WatchedEvent state:Closed type:None path:null")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ephemeral_node_goes_when_its_creator_quits() {
    let (_cluster, connect) = cluster().await;
    let mut a = PipedCli::start(&connect);
    a.send(r#"create /sanguo "jinlian""#);
    a.send(r#"create -e /sanguo/wuguo "zhouyu""#);
    a.send("getEphemerals");
    a.wait_for_line("[/sanguo/wuguo]");
    let (_, out) = one_shot(&connect, &["ls", "/sanguo"]);
    assert_eq!(after_startup(&out), ["[wuguo]"]);
    a.send("quit");
    assert_eq!(a.finish().0, 0);
    // quit closed the session: the node is gone at once, on every server.
    let (_, out) = one_shot(&connect, &["ls", "/sanguo"]);
    assert_eq!(after_startup(&out), ["[]"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acls_are_read_and_replaced() {
    let (_cluster, connect) = cluster().await;
    let mut a = PipedCli::start(&connect);
    a.send("create /acl x");
    a.send("getAcl /acl");
    a.send("setAcl -v 5 /acl world:anyone:cdrwa");
    a.send("setAcl /acl world:anyone:r");
    a.send("getAcl /acl");
    a.send("set /acl y");
    a.send("quit");
    let (code, lines) = a.finish();
    assert_eq!(code, 0);
    assert!(lines.len() > 11, "{lines:#?}");
    assert_eq!(
        &lines[lines.len() - 11..lines.len() - 4],
        [
            "Created /acl",
            "'world,'anyone",
            ": cdrwa",
            "version No is not valid : /acl",
            "'world,'anyone",
            ": r",
            "Insufficient permission : /acl",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addauth_identities_open_nodes_to_their_owner_only() {
    let (_cluster, connect) = cluster().await;
    let mut a = PipedCli::start(&connect);
    a.send("addauth digest zhouyu:secret");
    a.send("create /sec x");
    a.send("setAcl /sec auth::cdrwa");
    a.send("get /sec");
    a.wait_for_line("x");
    // Another client, without the identity, may not read it.
    let (code, out) = one_shot(&connect, &["get", "/sec"]);
    assert_eq!(
        (code, after_startup(&out)),
        (1, vec!["Insufficient permission : /sec"])
    );
    a.send("quit");
    let (code, lines) = a.finish();
    assert_eq!(code, 0, "{lines:#?}");
}
