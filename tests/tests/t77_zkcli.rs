//! ZooKeeper's own Java CLI, `zkCli.sh` from Debian's `zookeeper` package,
//! against a 3-node zoolab cluster over the clientPorts:
//! - the seed's section 3.2 walkthrough (`tests/zkcli/sanguo.script`), its
//!   output compared line by line with real zkCli 3.8 against real
//!   ZooKeeper 3.8 (filter and variable rules in `tests/zkcli/driver.rs`);
//! - the Java client's reconnect to another server with its data watch and
//!   a persistent watch re-set (setWatches2): both still fire there.
//!
//! `tests/run.sh` installs the package when missing; without it these tests
//! fail (they never skip).

#[path = "../zkcli/driver.rs"]
mod driver;

use std::collections::BTreeMap;
use std::path::Path;

use coordinator::server_config::ProtocolName;
use driver::{Matcher, ZkCli, require_zkcli};
use tests::cluster::{Cluster, Options};
use tests::protocols;

fn script() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("zkcli/sanguo.script");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs the script's steps; panics at the first difference.
async fn run_script(cluster: &Cluster, protocol: ProtocolName, script: &str) {
    let ids = cluster.ids();
    let mut clients: BTreeMap<String, ZkCli> = BTreeMap::new();
    let mut matcher = Matcher::default();
    for (n, step) in script.lines().enumerate() {
        let at = format!("{protocol}: sanguo.script line {}", n + 1);
        if step.is_empty() || step.starts_with('#') {
            continue;
        }
        let (name, rest) = step.split_at(1);
        let (op, arg) = rest.split_at(1.min(rest.len()));
        match op {
            "+" => {
                let index: usize = arg.trim().parse().expect("server index");
                let id = ids[index - 1];
                let cli = ZkCli::spawn(name, &cluster.client_endpoint(id), &[]);
                clients.insert(name.to_string(), cli);
            }
            "$" => client(&mut clients, name, &at).send(arg.trim_start()),
            "|" => {
                let cli = client(&mut clients, name, &at);
                let line = cli.next_line().await;
                if let Err(e) = matcher.check(arg, &line) {
                    panic!("{at}: {e}\nzkCli {name} printed:\n{}", cli.transcript());
                }
            }
            "~" => {
                let cli = client(&mut clients, name, &at);
                let line = cli.next_line().await;
                if list_items(arg).is_none() || list_items(arg) != list_items(&line) {
                    panic!("{at}: expected `{arg}` in any order, zkCli {name} printed `{line}`");
                }
            }
            "." => {
                let cli = client(&mut clients, name, &at);
                cli.finish().await;
                let extra = cli.unmatched();
                assert!(
                    extra.is_empty(),
                    "{at}: zkCli {name} also printed {extra:?}"
                );
            }
            _ => panic!("{at}: unknown step `{step}`"),
        }
    }
}

/// The items of zkCli's `[a, b, c]`, sorted.
fn list_items(line: &str) -> Option<Vec<&str>> {
    let inner = line.strip_prefix('[')?.strip_suffix(']')?;
    let mut items: Vec<&str> = inner.split(", ").collect();
    items.sort_unstable();
    Some(items)
}

fn client<'a>(clients: &'a mut BTreeMap<String, ZkCli>, name: &str, at: &str) -> &'a mut ZkCli {
    clients
        .get_mut(name)
        .unwrap_or_else(|| panic!("{at}: zkCli {name} was not started"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zkcli_follows_the_seed_walkthrough_and_prints_what_it_prints_against_zookeeper() {
    require_zkcli();
    let script = script();
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        cluster.wait_for_leader().await;
        run_script(&cluster, protocol, &script).await;
    }
}

/// What zkCli prints for one watcher event (real zkCli 3.8: a blank line,
/// `WATCHER::`, a blank line, the event; zk-3.8-captures/zkcli_reconn.txt).
fn event(state: &str, kind: &str, path: &str) -> [String; 4] {
    [
        String::new(),
        "WATCHER::".to_string(),
        String::new(),
        format!("WatchedEvent state:{state} type:{kind} path:{path}"),
    ]
}

async fn expect(cli: &mut ZkCli, at: &str, lines: &[String]) {
    for want in lines {
        let got = cli.next_line().await;
        assert_eq!(&got, want, "{at}: zkCli printed:\n{}", cli.transcript());
    }
}

/// A one-shot `zkCli.sh -server <server> <command…>`, another client.
async fn one_shot(server: &str, command: &[&str]) {
    let mut cli = ZkCli::spawn("one-shot", server, command);
    cli.finish().await;
}

async fn reconnect_keeps_the_data_watch(protocol: ProtocolName) {
    let mut options = Options::new(3, protocol);
    // Sessions up to 20 ticks: 10 s, room for the Java client's up-to-1 s
    // back-off before it tries the next server.
    options.tick_time_ms = 500;
    let mut cluster = Cluster::start(options);
    let leader = cluster.wait_for_leader().await;
    let followers: Vec<_> = cluster
        .ids()
        .into_iter()
        .filter(|&id| id != leader)
        .collect();
    let (a, b) = (followers[0], followers[1]);
    // With B down the client can only attach to A (it shuffles its list).
    cluster.kill(b);
    let connect = format!(
        "{},{}",
        cluster.client_endpoint(a),
        cluster.client_endpoint(b)
    );
    let mut cli = ZkCli::spawn("reconnect", &connect, &[]);
    let at = format!("{protocol}: reconnect");
    expect(&mut cli, &at, &event("SyncConnected", "None", "null")).await;
    cli.send("create /x before");
    expect(&mut cli, &at, &["Created /x".to_string()]).await;
    cli.send("get -w /x");
    expect(&mut cli, &at, &["before".to_string()]).await;
    // A persistent watch makes the Java client re-set its watches with
    // setWatches2 (with only one-shot watches it sends the older setWatches).
    // addWatch prints nothing; `ls /y`'s error shows it has been handled.
    cli.send("addWatch -m PERSISTENT /y");
    cli.send("ls /y");
    expect(&mut cli, &at, &["Node does not exist: /y".to_string()]).await;

    cluster.start_node(b);
    cluster.wait_for_leader().await;
    cluster.kill(a);
    expect(&mut cli, &at, &event("Disconnected", "None", "null")).await;
    expect(&mut cli, &at, &event("SyncConnected", "None", "null")).await;

    one_shot(&cluster.client_endpoint(leader), &["set", "/x", "after"]).await;
    expect(
        &mut cli,
        &at,
        &event("SyncConnected", "NodeDataChanged", "/x"),
    )
    .await;
    cli.send("get /x");
    expect(&mut cli, &at, &["after".to_string()]).await;
    // The persistent watch came along too, and stays after firing.
    one_shot(&cluster.client_endpoint(leader), &["create", "/y", "one"]).await;
    expect(&mut cli, &at, &event("SyncConnected", "NodeCreated", "/y")).await;
    one_shot(&cluster.client_endpoint(leader), &["set", "/y", "two"]).await;
    expect(
        &mut cli,
        &at,
        &event("SyncConnected", "NodeDataChanged", "/y"),
    )
    .await;
    cli.send("quit");
    expect(&mut cli, &at, &event("Closed", "None", "null")).await;
    cli.finish().await;
    assert!(
        cli.unmatched().is_empty(),
        "{at}: also printed {:?}",
        cli.unmatched()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zkcli_reconnects_to_another_server_and_its_data_watch_still_fires() {
    require_zkcli();
    for protocol in protocols() {
        reconnect_keeps_the_data_watch(protocol).await;
    }
}
