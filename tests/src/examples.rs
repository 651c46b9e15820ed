//! The coordinator's example programs, built by the tests themselves (as
//! [`crate::binary`] builds `zoolab`: same target directory and profile).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The example programs' directory, after building them all once per test
/// process; panics with cargo's output when the build fails.
pub fn examples_dir() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(path) => path,
        Err(e) => panic!("building the examples failed:\n{e}"),
    }
}

/// The path of one built example.
pub fn example(name: &str) -> PathBuf {
    examples_dir().join(name)
}

fn build() -> Result<PathBuf, String> {
    // zoolab's own build finds the profile and target directory; the
    // examples sit beside it, in <profile dir>/examples.
    let zoolab = crate::binary::zoolab();
    let profile_dir = zoolab.parent().ok_or("zoolab has no directory")?;
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| format!("{} has no parent", profile_dir.display()))?;
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
        .args(["build", "--quiet", "-p", "coordinator", "--examples"])
        .arg("--profile")
        .arg(profile)
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(profile_dir.join("examples"))
}
