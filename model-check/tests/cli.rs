//! The `zoolab-check` binary: its flags, its exit status, its traces.

use std::process::Command;

fn zoolab_check(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zoolab-check"))
        .args(args)
        .output()
        .expect("run zoolab-check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_unknown_protocol_is_a_clap_error() {
    let (ok, _, err) = zoolab_check(&["--protocol", "raft", "check"]);
    assert!(!ok);
    assert!(err.contains("invalid value 'raft'"), "{err}");
    assert!(err.contains("multipaxos"), "{err}");
}

#[test]
fn the_explorer_refuses_a_non_loopback_address() {
    let (ok, _, err) = zoolab_check(&[
        "--protocol",
        "multipaxos",
        "explore",
        "--addr",
        "0.0.0.0:3000",
    ]);
    assert!(!ok);
    assert!(err.contains("loopback"), "{err}");
}

#[test]
fn an_injected_bug_prints_a_counterexample_in_protocol_terms_and_fails() {
    let (ok, out, err) = zoolab_check(&[
        "--protocol",
        "multipaxos",
        "check",
        "--inject-bug",
        "accept-below-promise",
        "--timeout",
        "60",
    ]);
    assert!(!ok, "{out}{err}");
    assert!(out.contains("VIOLATED"), "{out}");
    assert!(out.contains("counterexample"), "{out}");
    // Steps are named in protocol terms, with the Explorer path beside them.
    assert!(out.contains("n1 -> n"), "{out}");
    assert!(out.contains("Prepare"), "{out}");
    assert!(out.contains("timeout n"), "{out}");
    assert!(out.contains("Explorer path: 0/"), "{out}");
    assert!(!out.contains("does not replay"), "{out}");
}

#[test]
fn zab_check_exhausts_its_model_and_exits_zero() {
    let (ok, out, err) = zoolab_check(&["--protocol", "zab", "check", "--timeout", "60"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("all properties hold"), "{out}");
    assert!(out.contains("unique"), "{out}");
    assert!(!out.contains("INCOMPLETE"), "{out}");
}

#[test]
fn a_zab_injected_bug_prints_a_counterexample_and_fails() {
    let (ok, out, err) = zoolab_check(&[
        "--protocol",
        "zab",
        "check",
        "--inject-bug",
        "commit-without-quorum",
        "--timeout",
        "60",
    ]);
    assert!(!ok, "{out}{err}");
    assert!(out.contains("VIOLATED"), "{out}");
    assert!(out.contains("counterexample"), "{out}");
    assert!(out.contains("Propose"), "{out}");
    assert!(!out.contains("does not replay"), "{out}");
}

#[test]
fn a_bug_of_another_protocol_is_refused() {
    let (ok, _, err) = zoolab_check(&[
        "--protocol",
        "zab",
        "check",
        "--inject-bug",
        "accept-below-promise",
    ]);
    assert!(!ok);
    assert!(err.contains("not a zab bug"), "{err}");
}
