//! The differential test (issue #7): one seeded, randomized sequence of
//! requests (creates of every mode, versioned sets and deletes, multis
//! with a failing op, reads, syncs, one-shot and persistent watches,
//! session close and reopen) sent to the real Apache ZooKeeper 3.8 and to
//! a 3-node zoolab cluster of every protocol (and a standalone zoolab) by
//! `tests/difftest/difftest.py` (kazoo), which compares every outcome,
//! data, children, stat, reply zxid and watch event after normalizing
//! times and session ids. Differences that are intended are listed, with
//! their reason, in `tests/difftest/DIFFERENCES.md` and normalized
//! explicitly by the script. `tests/run.sh` installs ZooKeeper and kazoo;
//! without them this test fails (it never skips).
//!
//! `DIFFTEST_SEEDS=7,8 DIFFTEST_STEPS=500` replays other sequences.

use std::path::{Path, PathBuf};
use std::time::Duration;

use coordinator::server_config::ProtocolName;
use tests::cluster::{Cluster, Options};
use tests::protocols;
use tests::zookeeper::ApacheZooKeeper;
use tokio::process::Command;

/// The seeds every run compares (the sequences are deterministic in them).
const SEEDS: &str = "1,2,3,4,5,6,7,8";
const STEPS: &str = "300";

/// Bound on one protocol's comparison (a few seconds on a quiet machine).
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// TTL nodes exist only with this in Apache ZooKeeper's zoo.cfg (and
/// `extended_types_enabled` in zoolab's).
const EXTENDED_TYPES: &str = "extendedTypesEnabled=true\n";

fn difftest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("difftest")
}

/// How the subject numbers its commits (see `Run.counter` in the script):
/// basic Paxos puts the slot in the zxid's high half.
fn zxid_layout(protocol: ProtocolName) -> &'static str {
    match protocol {
        ProtocolName::Paxos => "slot",
        ProtocolName::MultiPaxos | ProtocolName::Zab => "counter",
    }
}

async fn difftest(reference: &str, subject: &str, layout: &str) -> Result<String, String> {
    let seeds = std::env::var("DIFFTEST_SEEDS").unwrap_or_else(|_| SEEDS.to_string());
    let steps = std::env::var("DIFFTEST_STEPS").unwrap_or_else(|_| STEPS.to_string());
    let run = Command::new("python3")
        .arg("difftest.py")
        .args(["--reference", reference, "--subject", subject])
        .args(["--seeds", &seeds, "--steps", &steps, "--ttl"])
        .args(["--subject-zxids", layout])
        .current_dir(difftest_dir())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(RUN_TIMEOUT, run)
        .await
        .map_err(|_| format!("difftest.py did not finish within {RUN_TIMEOUT:?}"))?
        .map_err(|e| format!("python3 failed to start: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("difftest.py failed ({}):\n{text}", out.status))
    }
}

/// Starts `nodes` zoolab servers running `protocol` with TTL nodes
/// enabled, compares them with `zookeeper` and asserts no difference.
async fn compare(zookeeper: &ApacheZooKeeper, nodes: usize, protocol: ProtocolName) {
    let mut cluster = Cluster::create(Options::new(nodes, protocol));
    for id in cluster.ids() {
        cluster.edit_config(id, |c| c.extended_types_enabled = true);
        cluster.start_node(id);
    }
    cluster.wait_for_leader().await;
    let connect = cluster.client_connect_string();
    let what = format!("{nodes} x {protocol}");
    let out = difftest(&zookeeper.endpoint(), &connect, zxid_layout(protocol))
        .await
        .unwrap_or_else(|e| {
            let logs: Vec<String> = cluster
                .ids()
                .into_iter()
                .map(|id| format!("--- server.{id}:\n{}", cluster.log_tail(id)))
                .collect();
            panic!(
                "{what}: {e}\n--- Apache ZooKeeper:\n{}\n{}",
                zookeeper.log_tail(),
                logs.join("\n")
            )
        });
    eprintln!("{what}:\n{out}");
    assert!(
        out.contains("difftest ok"),
        "{what}: difftest.py printed:\n{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoolab_answers_a_random_request_sequence_as_apache_zookeeper_does() {
    let zookeeper = ApacheZooKeeper::start(EXTENDED_TYPES).await;
    for protocol in protocols() {
        compare(&zookeeper, 3, protocol).await;
    }
    // A standalone server (ZooKeeper's own mode) too.
    compare(&zookeeper, 1, ProtocolName::default()).await;
}
