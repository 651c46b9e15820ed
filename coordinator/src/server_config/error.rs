//! What can be wrong with a server's configuration. Every message names the
//! key (or file) at fault and says how to fix it.

use std::fmt;
use std::io;
use std::path::PathBuf;

use protocols::NodeId;

use super::protocol::ProtocolError;

/// A configuration the server cannot start with.
#[derive(Debug)]
pub enum ConfigError {
    /// zoo.cfg itself could not be read.
    ReadFile { path: PathBuf, source: io::Error },
    /// A non-comment line without `=`.
    Syntax { line: usize, text: String },
    /// A key given twice (ZooKeeper would silently keep the last one).
    DuplicateKey {
        key: String,
        first_line: usize,
        line: usize,
    },
    /// A value of the wrong shape.
    InvalidValue {
        key: String,
        value: String,
        /// What would be accepted, e.g. "a whole number of milliseconds".
        expected: &'static str,
    },
    /// A required key is absent.
    MissingKey {
        key: &'static str,
        fix: &'static str,
    },
    /// A `server.N` line that does not parse.
    InvalidServer {
        key: String,
        value: String,
        reason: String,
    },
    /// zoolab has no observers.
    Observer { key: String },
    /// Two listeners on the same host and port.
    DuplicateAddress {
        address: String,
        first: String,
        second: String,
    },
    /// A number out of its allowed range.
    OutOfRange { key: &'static str, reason: String },
    /// `protocol=` (or `--protocol`) names no usable protocol.
    Protocol {
        key: &'static str,
        error: ProtocolError,
    },
    /// dataDir cannot be created or is not a writable directory.
    DataDir { path: PathBuf, reason: String },
    /// A cluster member without `dataDir/myid`.
    MissingMyId { path: PathBuf, ids: Vec<NodeId> },
    /// `myid` that holds no server id.
    InvalidMyId { path: PathBuf, content: String },
    /// `myid` (or `--myid`) names a server zoo.cfg does not list.
    IdNotInServerList { id: NodeId, ids: Vec<NodeId> },
    /// `local_cluster` was given unusable arguments.
    LocalCluster { reason: String },
    /// Writing a file for a local cluster failed.
    WriteFile { path: PathBuf, source: io::Error },
}

fn ids(ids: &[NodeId]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ReadFile { path, source } => write!(
                f,
                "cannot read the configuration {}: {source} (pass an existing zoo.cfg with --config)",
                path.display()
            ),
            ConfigError::Syntax { line, text } => write!(
                f,
                "zoo.cfg line {line}: {text:?} is not `key=value` (comment it out with #)"
            ),
            ConfigError::DuplicateKey {
                key,
                first_line,
                line,
            } => write!(
                f,
                "zoo.cfg line {line}: {key} is already set on line {first_line}: keep one of them"
            ),
            ConfigError::InvalidValue {
                key,
                value,
                expected,
            } => write!(f, "{key}={value} is not valid: {key} must be {expected}"),
            ConfigError::MissingKey { key, fix } => write!(f, "{key} is not set: {fix}"),
            ConfigError::InvalidServer { key, value, reason } => write!(
                f,
                "{key}={value} is not valid: {reason}; write it as {key}=host:peerPort:electionPort[;clientPort]"
            ),
            ConfigError::Observer { key } => write!(
                f,
                "{key}: zoolab has no observers: remove the :observer role (every listed server is a voting participant)"
            ),
            ConfigError::DuplicateAddress {
                address,
                first,
                second,
            } => write!(
                f,
                "{first} and {second} both use {address}: give each listener its own port"
            ),
            ConfigError::OutOfRange { key, reason } => write!(f, "{key}: {reason}"),
            ConfigError::Protocol { key, error } => write!(f, "{key}: {error}"),
            ConfigError::DataDir { path, reason } => write!(
                f,
                "dataDir={}: {reason} (point dataDir at a directory this user can create and write)",
                path.display()
            ),
            ConfigError::MissingMyId { path, ids: listed } => write!(
                f,
                "{} does not exist: every server of a cluster needs its id there, e.g. `echo {} > {}` (zoo.cfg lists servers {})",
                path.display(),
                listed.first().copied().unwrap_or(1),
                path.display(),
                ids(listed)
            ),
            ConfigError::InvalidMyId { path, content } => write!(
                f,
                "{} holds {content:?}, not a server id: write the number N of this server's server.N line into it",
                path.display()
            ),
            ConfigError::IdNotInServerList { id, ids: listed } => write!(
                f,
                "myid is {id} but zoo.cfg lists servers {} only: add a server.{id}=host:peerPort:electionPort line or fix dataDir/myid",
                ids(listed)
            ),
            ConfigError::LocalCluster { reason } => write!(f, "local cluster: {reason}"),
            ConfigError::WriteFile { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::ReadFile { source, .. } | ConfigError::WriteFile { source, .. } => {
                Some(source)
            }
            ConfigError::Protocol { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Something in zoo.cfg that zoolab accepts but ignores; the server logs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigWarning {
    /// A key ZooKeeper knows that zoolab does not use (dataLogDir,
    /// autopurge.*, admin.*, 4lw.commands.whitelist, ...).
    Ignored { key: String },
    /// A key neither knows; `suggestion` is a known key it resembles.
    Unknown {
        key: String,
        suggestion: Option<&'static str>,
    },
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigWarning::Ignored { key } => {
                write!(f, "zoo.cfg: {key} is a ZooKeeper setting zoolab ignores")
            }
            ConfigWarning::Unknown {
                key,
                suggestion: Some(s),
            } => write!(f, "zoo.cfg: unknown key {key} ignored (did you mean {s}?)"),
            ConfigWarning::Unknown {
                key,
                suggestion: None,
            } => write!(f, "zoo.cfg: unknown key {key} ignored"),
        }
    }
}
