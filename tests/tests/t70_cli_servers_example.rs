//! The seed's section 3.4 on a real 3-node cluster: three `servers_online`
//! programs come online, `servers_watch` prints the list each time, and
//! as servers are killed (their sessions expire, their ephemeral nodes go)
//! it prints the shorter lists. Also the README's `zoolab cli` commands
//! around it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tests::cluster::{Cluster, Options};
use tests::examples::example;
use tests::protocols;
use tests::shell::one_shot;

/// A running example whose stdout lines arrive on a channel.
struct Program {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Program {
    fn start(name: &str, args: &[&str]) -> Program {
        let mut child = Command::new(example(name))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Program {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits for a line `accept` takes; returns it.
    fn wait_for(&mut self, what: &str, accept: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if accept(&line) {
                        return line;
                    }
                }
                Err(e) => panic!("no {what} ({e}); printed so far: {:#?}", self.seen),
            }
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `[a, b]` as a sorted set of names (the order is the server's).
fn names(list: &str) -> Vec<String> {
    let inner = list
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .unwrap_or_else(|| panic!("not a list: {list:?}"));
    let mut names: Vec<String> = inner
        .split(", ")
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect();
    names.sort();
    names
}

fn list_of(hosts: &[&str]) -> impl Fn(&str) -> bool {
    let mut want: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    want.sort();
    move |line: &str| line.starts_with('[') && names(line) == want
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_prints_the_servers_online_as_they_come_and_go() {
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
    // The README creates /servers with the shell first, as the seed does.
    let (code, out) = one_shot(&connect, &["create", "/servers", "servers"]);
    assert_eq!(code, 0, "{out}");

    let mut watcher = Program::start("servers_watch", &["-server", &connect]);
    watcher.wait_for("the empty list", list_of(&[]));
    watcher.wait_for("client is working", |l| l == "client is working ...");

    let mut servers = Vec::new();
    let hosts = ["hadoop102", "hadoop103", "hadoop104"];
    for (i, host) in hosts.iter().enumerate() {
        let mut server = Program::start("servers_online", &["-server", &connect, host]);
        let online = server.wait_for("online", |l| l.starts_with(&format!("{host} is online ")));
        assert!(
            online.starts_with(&format!("{host} is online /servers/server")),
            "{online}"
        );
        server.wait_for("working", |l| l == format!("{host} is working ..."));
        watcher.wait_for("the longer list", list_of(&hosts[..=i]));
        servers.push(server);
    }
    let (_, out) = one_shot(&connect, &["ls", "/servers"]);
    assert_eq!(out.lines().last().map(|l| names(l).len()), Some(3), "{out}");

    // Killed: no goodbye, the session expires and its node goes.
    servers[1].kill();
    watcher.wait_for(
        "the list without hadoop103",
        list_of(&["hadoop102", "hadoop104"]),
    );
    servers[0].kill();
    watcher.wait_for("the list of hadoop104", list_of(&["hadoop104"]));
    servers[2].kill();
    watcher.wait_for("the empty list again", list_of(&[]));
}
