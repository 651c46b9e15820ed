//! Fault testing on real processes (tests/src/nemesis): for every protocol,
//! a bounded run of README.md's `zoolab-nemesis` command — kill -9 and
//! restarts, SIGSTOP/SIGCONT, partitions between network namespaces —
//! finds no anomaly; and the same runner finds the bug a test-only fault
//! switch plants in the server.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use clap::Parser;
use tests::binary::zoolab;
use tests::nemesis::cli::{self, Args};
use tests::nemesis::schedule::FaultKind;
use tests::nemesis::{Report, run};
use tests::protocols;

/// Seconds of faults per protocol in the bounded run.
const BOUNDED_SECS: u64 = 40;

/// Building a `zoolab` (with or without the fault switch) replaces the one
/// cargo leaves in the target directory: each test copies the binary it
/// runs, one build at a time.
static BUILDS: Mutex<()> = Mutex::new(());

fn private_copy(build: impl FnOnce() -> PathBuf, dir: &Path) -> PathBuf {
    let _one = BUILDS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exe = dir.join("zoolab");
    std::fs::copy(build(), &exe).expect("copy zoolab");
    exe
}

/// The `zoolab-nemesis` command line of README.md's Fault testing section.
fn readme_args() -> Args {
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let text = std::fs::read_to_string(readme).expect("README.md");
    let line = text
        .lines()
        .find(|l| l.contains("--bin zoolab-nemesis --"))
        .expect("README.md shows a `--bin zoolab-nemesis --` command");
    let (_, args) = line.split_once(" -- ").expect("arguments after --");
    let argv = std::iter::once("zoolab-nemesis").chain(args.split_whitespace());
    Args::try_parse_from(argv).expect("README's zoolab-nemesis arguments parse")
}

fn assert_clean(report: &Report, summary: &str) {
    let (ok, _, _) = report.outcomes();
    assert!(
        report.findings.anomalies.is_empty(),
        "anomalies found:\n{summary}"
    );
    assert!(ok >= 100, "too little traffic to mean anything:\n{summary}");
    for kind in [FaultKind::Kill, FaultKind::Pause, FaultKind::Partition] {
        assert!(
            report.faults.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind:?} fault was injected:\n{summary}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protocol_survives_kills_pauses_and_partitions_with_no_anomaly() {
    let readme = readme_args();
    let dir = tempfile::tempdir().expect("temporary directory");
    let exe = private_copy(|| zoolab().to_path_buf(), dir.path());
    for protocol in protocols() {
        let out = dir.path().join(protocol.to_string());
        let args = Args {
            protocol,
            nodes: 3,
            duration: BOUNDED_SECS,
            out: Some(out.clone()),
            ..readme.clone()
        };
        let report = run(&args.config(exe.clone()))
            .await
            .unwrap_or_else(|e| panic!("{protocol}: the run failed: {e}"));
        let summary = cli::summary(&report);
        println!("{summary}");
        assert_clean(&report, &summary);
        let written = std::fs::read_to_string(out.join("history.txt")).expect("history.txt");
        assert_eq!(written.lines().count(), report.ops.len());
    }
}

/// Builds `zoolab` with the test-only fault switch (the coordinator's
/// `fault-injection` feature), copies it, and builds the normal one again so
/// the target directory is left as it was.
fn fault_switch_binary(dir: &Path) -> PathBuf {
    let build = |features: &[&str]| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = std::process::Command::new(cargo)
            .current_dir(workspace)
            .args(["build", "--quiet", "-p", "coordinator", "--bin", "zoolab"])
            .args(["--profile", "test"])
            .args(features)
            .status()
            .expect("run cargo");
        assert!(status.success(), "cargo build {features:?} failed");
        zoolab().to_path_buf()
    };
    private_copy(
        || {
            let _normal = zoolab();
            let featured = dir.join("zoolab-fault-switch");
            std::fs::copy(build(&["--features", "fault-injection"]), &featured)
                .expect("copy the fault-switch zoolab");
            build(&[]);
            featured
        },
        dir,
    )
}

// A follower lags its leader by well under a millisecond; a server just
// restarted after kill -9 lags by seconds: that is where the stale sync shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_finds_the_bug_of_a_sync_that_skips_the_protocol() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let exe = fault_switch_binary(dir.path());
    let args = Args {
        protocol: protocols()[0],
        nodes: 3,
        duration: 30,
        seed: 2,
        faults: vec![FaultKind::Kill],
        ..readme_args()
    };
    let mut config = args.config(exe);
    config.server_env = vec!["ZOOLAB_FAULT=stale-sync".into()];
    let report = run(&config).await.expect("the run completes");
    let summary = cli::summary(&report);
    println!("{summary}");
    assert!(
        report
            .findings
            .anomalies
            .iter()
            .any(|a| a.check == "linearizability"),
        "the stale sync went unnoticed:\n{summary}"
    );
}
