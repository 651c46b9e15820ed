//! zoolab-bench end to end: real server processes on loopback (started from
//! the bench binary's own `server` subcommand), a short bench through the
//! library and through the CLI, and the throughput experiment's smoke mode
//! through `experiments/run.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use coordinator::runtime::ProtocolName;
use experiments::cluster::LocalCluster;
use experiments::driver::GrpcDriver;
use experiments::run::{BenchConfig, Load, run};
use experiments::workload::{KeyDistribution, Workload};

fn bench_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zoolab-bench"))
}

fn assert_sane(json: &serde_json::Value) {
    let tput = json["throughput"].as_f64().expect("throughput");
    assert!(tput > 0.0, "{json}");
    let lat = &json["latency_us"];
    let p = |k: &str| lat[k].as_u64().unwrap_or_else(|| panic!("{k} in {json}"));
    assert!(p("p50") > 0, "{json}");
    assert!(p("p50") <= p("p90") && p("p90") <= p("p99") && p("p99") <= p("p999"));
    assert!(p("p999") <= p("max"), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_second_bench_measures_throughput_latency_and_the_servers() {
    let cluster = LocalCluster::start(&bench_exe(), ProtocolName::default(), 3)
        .await
        .expect("cluster starts");
    let driver = GrpcDriver::new(cluster.endpoints_leader_first().await);
    let cfg = BenchConfig {
        workload: Workload::Mixed { read_percent: 50 },
        load: Load::Closed {
            sessions: 3,
            in_flight: 2,
        },
        keys: 50,
        distribution: KeyDistribution::Zipf(0.99),
        warmup: Duration::from_millis(500),
        duration: Duration::from_millis(1500),
        server_pids: cluster.pids(),
        progress: false,
        ..BenchConfig::default()
    };
    let report = run(&driver, &cfg).await.expect("bench runs");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
    assert_sane(&json);
    assert_eq!(report.errors, 0, "{:?}", report.errors_by_kind);
    assert_eq!(report.servers.len(), 3);
    assert!(report.servers.iter().all(|s| s.peak_rss_kib > 0));
    assert!(
        report.servers.iter().any(|s| s.cpu_percent > 0.0),
        "{:?}",
        report.servers
    );
    let client = report.client.expect("the client's own usage");
    assert!(client.cpu_percent > 0.0 && client.peak_rss_kib > 0);

    // An open loop at a modest rate completes about that rate.
    let open = BenchConfig {
        workload: Workload::GetData,
        load: Load::Open {
            sessions: 2,
            rate: 200.0,
        },
        keys: 50,
        warmup: Duration::from_millis(200),
        duration: Duration::from_millis(1000),
        prepare: false,
        progress: false,
        ..BenchConfig::default()
    };
    let report = run(&driver, &open).await.expect("open loop runs");
    assert!(
        (100.0..=260.0).contains(&report.throughput),
        "{}",
        report.to_json()
    );

    // The CLI writes the same JSON.
    let dir = tempfile::tempdir().expect("tempdir");
    let json_path = dir.path().join("r.json");
    let status = Command::new(bench_exe())
        .args(["run", "--servers"])
        .arg(cluster.endpoints().join(","))
        .args([
            "--workload",
            "create-delete",
            "--sessions",
            "2",
            "--warmup",
            "0.2",
            "--duration",
            "0.8",
            "--no-progress",
            "--json",
        ])
        .arg(&json_path)
        .status()
        .expect("zoolab-bench runs");
    assert!(status.success());
    let text = std::fs::read_to_string(&json_path).expect("JSON written");
    assert_sane(&serde_json::from_str(&text).expect("valid JSON"));
    cluster.stop().await;
}

#[test]
fn the_experiments_smoke_runs_write_csv_png_and_their_sections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("results");
    let results = dir.path().join("RESULTS.md");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("run.sh");
    let status = Command::new("bash")
        .arg(&script)
        .args(["throughput", "--smoke", "--out"])
        .arg(&out)
        .arg("--results")
        .arg(&results)
        .env("ZOOLAB_BENCH", bench_exe())
        .status()
        .expect("run.sh runs");
    assert!(status.success());
    let csv = std::fs::read_to_string(out.join("throughput.csv")).expect("medians CSV");
    let protocols = ProtocolName::available().count();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), protocols * 4, "{csv}");
    for row in rows {
        let tput: f64 = row
            .split(',')
            .nth(3)
            .and_then(|v| v.parse().ok())
            .expect("a number");
        assert!(tput > 0.0, "{row}");
    }
    // Writes cost peer messages: the Status counters show it per commit.
    let runs = std::fs::read_to_string(out.join("throughput_runs.csv")).expect("runs CSV");
    for row in runs
        .lines()
        .skip(1)
        .filter(|r| r.split(',').nth(2) == Some("0"))
    {
        let per_commit: f64 = row
            .split(',')
            .rev()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("messages per commit in {row}"));
        assert!(per_commit > 0.0, "{row}");
    }
    let png = std::fs::read(out.join("throughput.png")).expect("plot");
    assert_eq!(&png[..4], b"\x89PNG");
    let md = std::fs::read_to_string(&results).expect("RESULTS.md");
    assert!(md.contains("<!-- experiment:throughput:begin -->"));
    assert!(md.contains("fsync"));
    assert!(md.contains("| multipaxos | 3 |"), "{md}");
    assert!(md.contains("peer messages / commit"), "{md}");

    // The create loop writes its own section beside the first.
    let status = Command::new("bash")
        .arg(&script)
        .args(["create-loop", "--smoke", "--out"])
        .arg(&out)
        .arg("--results")
        .arg(&results)
        .env("ZOOLAB_BENCH", bench_exe())
        .status()
        .expect("run.sh runs");
    assert!(status.success());
    let csv = std::fs::read_to_string(out.join("create_loop.csv")).expect("medians CSV");
    assert_eq!(csv.lines().skip(1).count(), protocols * 2, "{csv}");
    assert!(out.join("create_loop.png").exists());
    let md = std::fs::read_to_string(&results).expect("RESULTS.md");
    assert!(md.contains("<!-- experiment:create_loop:begin -->"));
    assert!(md.contains("<!-- experiment:throughput:begin -->"), "kept");
}
