//! The `zoolab` binary the tests spawn, built by the tests themselves.
//!
//! `CARGO_BIN_EXE_zoolab` exists only inside the coordinator package, so the
//! first test that needs the binary runs `cargo build -p coordinator --bin
//! zoolab` once per test process (same target directory and profile as the
//! test itself, so it reuses everything already compiled) and every test
//! gets its path. No binary built by hand beforehand is ever used.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The path of a freshly built `zoolab`; panics with cargo's output when
/// the build fails.
pub fn zoolab() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(path) => path,
        Err(e) => panic!("building zoolab failed:\n{e}"),
    }
}

fn build() -> Result<PathBuf, String> {
    // The test binary is target/<profile dir>/deps/<name>-<hash>.
    let me = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let profile_dir = me
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("{} is not in target/<profile>/deps", me.display()))?;
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| format!("{} has no parent", profile_dir.display()))?;
    // `cargo test` builds with the `test` profile (into target/debug) and
    // `cargo test --release` with `bench`'s parent `release`; building the
    // binary with the same profile reuses the compiled libraries.
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("release") => "release",
        _ => "test",
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the tests crate is not inside the workspace")?;
    let output = Command::new(cargo)
        .current_dir(workspace)
        .args(["build", "--quiet", "-p", "coordinator", "--bin", "zoolab"])
        .arg("--profile")
        .arg(profile)
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let exe = profile_dir.join("zoolab");
    if exe.is_file() {
        Ok(exe)
    } else {
        Err(format!("cargo built nothing at {}", exe.display()))
    }
}
