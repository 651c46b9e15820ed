//! What every protocol's golden-transcript test shares: finding the scenario
//! files, comparing each one's transcript with the expected one stored after
//! `----` in the same file, and rewriting them with `UPDATE_GOLDEN=1`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const SEPARATOR: &str = "----\n";

/// Runs every `*.txt` scenario in `tests/<dir>` through `run` (script in,
/// transcript out) and fails with a diff for each transcript that differs.
pub fn check_all(dir: &str, run: fn(&str) -> Result<String, String>) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let files = golden_files(dir);
    assert!(
        files.len() >= 2,
        "expected golden scenarios, found {files:?}"
    );
    let mut failures = Vec::new();
    for path in files {
        let content = std::fs::read_to_string(&path).expect("readable golden file");
        let (script, expected) = match content.split_once(SEPARATOR) {
            Some((s, e)) => (s.to_string(), e.to_string()),
            None => (content.clone(), String::new()),
        };
        let actual = match run(&script) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        if update {
            std::fs::write(&path, format!("{script}{SEPARATOR}{actual}")).expect("writable");
        } else if actual != expected {
            failures.push(format!(
                "{}: transcript differs (UPDATE_GOLDEN=1 to rewrite)\n{}",
                path.display(),
                diff(&expected, &actual)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn golden_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

/// A line diff good enough to spot where two transcripts part.
fn diff(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let same = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let mut s = format!("first difference at line {}\n", same + 1);
    for l in e.iter().skip(same).take(8) {
        let _ = writeln!(s, "- {l}");
    }
    for l in a.iter().skip(same).take(8) {
        let _ = writeln!(s, "+ {l}");
    }
    s
}
