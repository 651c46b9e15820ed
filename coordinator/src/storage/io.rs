//! File-system helpers shared by the WAL, the snapshot store and the lock:
//! I/O errors that name the file and the operation, and directory fsyncs.

use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// An I/O operation that failed, with the path it was applied to: the one
/// thing an operator needs to go and look.
#[derive(Debug)]
pub struct IoFailure {
    pub op: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

impl fmt::Display for IoFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.op, self.path.display(), self.source)
    }
}

impl std::error::Error for IoFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

pub(crate) trait IoContext<T> {
    fn at(self, op: &'static str, path: &Path) -> Result<T, IoFailure>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, op: &'static str, path: &Path) -> Result<T, IoFailure> {
        self.map_err(|source| IoFailure {
            op,
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Makes the directory's entries (creations, renames, removals) durable: a
/// file's own fsync does not cover the name that points at it.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), IoFailure> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .at("fsync directory", dir)
}

/// Creates `dir` (and its parents) if it is missing, and makes its name
/// durable in its parent.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), IoFailure> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).at("create directory", dir)?;
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent),
        _ => Ok(()),
    }
}

/// Creates (or empties) `tmp`, writes `bytes` and fsyncs it. Returns the
/// open file, positioned at its end.
pub(crate) fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<File, IoFailure> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(tmp)
        .at("create", tmp)?;
    file.write_all(bytes).at("write", tmp)?;
    file.sync_all().at("fsync", tmp)?;
    Ok(file)
}

/// Renames the synced `tmp` to `dest` in `dir` and fsyncs `dir`: afterwards
/// `dest` holds either its old content or all of the new, whatever crashes.
pub(crate) fn publish(dir: &Path, tmp: &Path, dest: &Path) -> Result<(), IoFailure> {
    std::fs::rename(tmp, dest).at("rename into place", dest)?;
    sync_dir(dir)
}
