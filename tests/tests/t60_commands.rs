//! The `zoolab` command as a person uses it: `zoolab status` against real
//! servers, and the README's `zoolab cluster` command from start to Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use coordinator::server_config::ProtocolName;
use tests::binary::zoolab;
use tests::cluster::{Cluster, Options};
use tests::protocols;

/// Runs `zoolab status <args>`: (exit success, stdout, stderr).
fn status_command(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(zoolab())
        .arg("status")
        .args(args)
        .output()
        .expect("run zoolab status");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The word after `Mode: `.
fn printed_mode(stdout: &str) -> Option<&str> {
    stdout.lines().find_map(|l| l.strip_prefix("Mode: "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoolab_status_prints_each_servers_mode_and_fails_for_a_dead_server() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        // Under leaderless basic Paxos every server is a peer, and what
        // the fixture returns is the session keeper they agree on.
        let leader = cluster.wait_for_leader().await;
        for id in cluster.ids() {
            let expected = match protocol {
                ProtocolName::Paxos => "peer",
                _ if id == leader => "leader",
                _ => "follower",
            };
            let endpoint = cluster.endpoint(id);
            let (ok, stdout, stderr) = status_command(&["--server", &endpoint]);
            assert!(ok, "{protocol}: status of server.{id}: {stderr}");
            assert_eq!(printed_mode(&stdout), Some(expected), "{stdout}");
            let keeper = format!("Session keeper: server.{leader}\n");
            assert!(stdout.contains(&keeper), "{protocol}: {stdout}");
            let config = cluster.node(id).config_path.clone();
            let config = config.to_str().expect("utf-8 path");
            let (ok, stdout, stderr) = status_command(&["--config", config]);
            assert!(ok, "{protocol}: status --config of server.{id}: {stderr}");
            assert_eq!(printed_mode(&stdout), Some(expected), "{stdout}");
            assert!(
                stdout.starts_with(&format!("Using config: {config}\n")),
                "{stdout}"
            );
        }
        let follower = cluster
            .ids()
            .into_iter()
            .find(|&id| id != leader)
            .expect("follower");
        cluster.kill(follower);
        let (ok, stdout, stderr) = status_command(&["--server", &cluster.endpoint(follower)]);
        assert!(!ok, "status of a killed server succeeded: {stdout}");
        assert!(stderr.contains("It is probably not running"), "{stderr}");
    }
    let mut single = Cluster::start(Options::new(1, protocols()[0]));
    single.wait_for_leader().await;
    let (ok, stdout, stderr) = status_command(&["--server", &single.endpoint(1)]);
    assert!(ok, "{stderr}");
    assert_eq!(printed_mode(&stdout), Some("standalone"));
}

/// The `zoolab cluster` command line of README.md's Set-up section (the
/// arguments after `--`).
fn readme_cluster_args() -> Vec<String> {
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let text = std::fs::read_to_string(readme).expect("README.md");
    let line = text
        .lines()
        .find(|l| l.contains("--bin zoolab -- cluster"))
        .expect("README.md shows a `--bin zoolab -- cluster` command");
    let (_, args) = line.split_once(" -- ").expect("arguments after --");
    args.split_whitespace().map(str::to_owned).collect()
}

fn process_exists(pid: u32) -> bool {
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn the_readme_cluster_command_starts_a_cluster_that_status_reports_and_ctrl_c_stops() {
    let args = readme_cluster_args();
    assert_eq!(
        args.first().map(String::as_str),
        Some("cluster"),
        "{args:?}"
    );
    let mut child = Command::new(zoolab())
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start zoolab cluster");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut next_line = |what: &str| -> String {
        match lines.recv_timeout(Duration::from_secs(90)) {
            Ok(line) => {
                seen.push(line.clone());
                line
            }
            Err(e) => {
                let _ = child.kill();
                panic!(
                    "zoolab cluster: no {what} ({e}); printed so far:\n{}",
                    seen.join("\n")
                )
            }
        }
    };
    // The banner: where, the servers (pids, endpoints), the connect string.
    let mut pids = Vec::new();
    let mut base_dir = None;
    let connect = loop {
        let line = next_line("banner");
        if let Some(rest) = line.strip_prefix("zoolab cluster: ") {
            base_dir = rest
                .split(" in ")
                .nth(1)
                .and_then(|r| r.split(" (").next())
                .map(str::to_owned);
        }
        if let Some(pid) = line
            .split("  pid ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
        {
            pids.push(pid.parse::<u32>().expect("a pid"));
        }
        if let Some(c) = line.strip_prefix("Connect string (gRPC): ") {
            break c.to_owned();
        }
    };
    let endpoints: Vec<&str> = connect.split(',').collect();
    assert_eq!(endpoints.len(), 3, "{connect}");
    assert_eq!(pids.len(), 3, "{pids:?}");
    let base_dir = base_dir.expect("the banner names the cluster's directory");
    // Then each server's mode once a leader is elected.
    let mut modes = Vec::new();
    loop {
        let line = next_line("'Cluster ready' line");
        if let Some((_, mode)) = line.split_once(": Mode: ") {
            modes.push(mode.to_owned());
        }
        if line.starts_with("Cluster ready") {
            break;
        }
    }
    modes.sort();
    assert_eq!(modes, ["follower", "follower", "leader"]);

    // `zoolab status` agrees.
    let mut reported: Vec<String> = endpoints
        .iter()
        .map(|e| {
            let (ok, stdout, stderr) = status_command(&["--server", e]);
            assert!(ok, "status of {e}: {stderr}");
            printed_mode(&stdout).expect("a Mode line").to_owned()
        })
        .collect();
    reported.sort();
    assert_eq!(reported, ["follower", "follower", "leader"]);

    // Ctrl-C: every server stops, the temporary directory goes.
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("zoolab cluster did not stop within a minute of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let rest: Vec<String> = lines.try_iter().collect();
    assert!(
        status.success(),
        "exit {status}; output after SIGINT: {rest:?}"
    );
    assert!(
        rest.iter().any(|l| l.starts_with("Stopping 3 servers")),
        "{rest:?}"
    );
    assert_eq!(
        rest.iter().filter(|l| l.ends_with(" stopped")).count(),
        3,
        "{rest:?}"
    );
    for pid in pids {
        assert!(
            !process_exists(pid),
            "server pid {pid} outlived zoolab cluster"
        );
    }
    assert!(
        !std::path::Path::new(&base_dir).exists(),
        "{base_dir} was not removed"
    );
    for e in endpoints {
        let (ok, _, _) = status_command(&["--server", e]);
        assert!(!ok, "{e} still answers after the cluster stopped");
    }
}
