//! kazoo (the Python ZooKeeper client, from PyPI) against a 3-node zoolab
//! cluster, for every protocol: the scenarios in `tests/kazoo/*.py` (CRUD
//! and errors, digest ACLs, sequential and ephemeral nodes, watches,
//! transactions, the lock / counter / election recipes) speak ZooKeeper's wire protocol to
//! the servers' clientPorts. `tests/run.sh` installs kazoo when missing;
//! without it this test fails (it never skips).

use std::path::{Path, PathBuf};
use std::time::Duration;

use tests::cluster::{Cluster, Options};
use tests::protocols;
use tokio::process::Command;

/// One scenario's bound (each takes a few seconds on a quiet machine).
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(180);

const SCENARIOS: [&str; 6] = [
    "crud.py",
    "acl.py",
    "nodes.py",
    "watches.py",
    "transactions.py",
    "recipes.py",
];

fn kazoo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("kazoo")
}

async fn require_kazoo() {
    let out = Command::new("python3")
        .args(["-c", "import kazoo; print(kazoo.version.__version__)"])
        .output()
        .await
        .expect("python3 runs (install Python 3)");
    assert!(
        out.status.success(),
        "kazoo is not installed: run tests/run.sh (it installs it) or `python3 -m pip install kazoo`\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn run_scenario(script: &str, connect: &str) -> Result<String, String> {
    let run = Command::new("python3")
        .arg(script)
        .arg(connect)
        .current_dir(kazoo_dir())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(SCENARIO_TIMEOUT, run)
        .await
        .map_err(|_| format!("{script} did not finish within {SCENARIO_TIMEOUT:?}"))?
        .map_err(|e| format!("{script}: python3 failed to start: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{script} failed ({}):\n{text}", out.status))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kazoo_scenarios_pass_against_a_three_node_cluster_of_every_protocol() {
    require_kazoo().await;
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        cluster.wait_for_leader().await;
        let connect = cluster.client_connect_string();
        for script in SCENARIOS {
            let out = match run_scenario(script, &connect).await {
                Ok(out) => out,
                Err(e) => {
                    let logs: Vec<String> = cluster
                        .ids()
                        .into_iter()
                        .map(|id| format!("server.{id}:\n{}", cluster.log_tail(id)))
                        .collect();
                    panic!("{protocol}: {e}\n{}", logs.join("\n"));
                }
            };
            let done = format!("{} ok", script.trim_end_matches(".py"));
            assert!(out.contains(&done), "{protocol}: {script} printed:\n{out}");
        }
    }
}
