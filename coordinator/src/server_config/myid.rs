//! `dataDir/myid`: the server's id, one number in a file, as in ZooKeeper.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use protocols::NodeId;

use super::error::ConfigError;

/// The file name inside dataDir.
pub const MYID_FILE: &str = "myid";

/// `dataDir/myid`.
pub fn myid_path(data_dir: &Path) -> PathBuf {
    data_dir.join(MYID_FILE)
}

/// Reads `dataDir/myid`: `Ok(None)` when the file does not exist.
/// Surrounding whitespace is allowed (editors add a newline).
pub fn read_myid(data_dir: &Path) -> Result<Option<NodeId>, ConfigError> {
    let path = myid_path(data_dir);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ConfigError::InvalidMyId {
                path,
                content: format!("<unreadable: {e}>"),
            });
        }
    };
    match text.trim().parse::<NodeId>() {
        Ok(id) if id >= 1 => Ok(Some(id)),
        _ => Err(ConfigError::InvalidMyId {
            path,
            content: text.trim().chars().take(40).collect(),
        }),
    }
}

/// Writes `dataDir/myid` (creating dataDir), as `zoolab cluster` and a
/// person setting up a server do.
pub fn write_myid(data_dir: &Path, id: NodeId) -> Result<(), ConfigError> {
    fs::create_dir_all(data_dir).map_err(|e| ConfigError::DataDir {
        path: data_dir.to_path_buf(),
        reason: format!("cannot create it: {e}"),
    })?;
    let path = myid_path(data_dir);
    fs::write(&path, format!("{id}\n")).map_err(|source| ConfigError::WriteFile { path, source })
}
