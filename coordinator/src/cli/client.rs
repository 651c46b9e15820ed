//! What the shell asks of a ZooKeeper client: one enum of operations, one
//! of replies, and the [`ShellClient`] trait the binary implements over
//! gRPC (and the tests over an in-memory replica).

use async_trait::async_trait;

use crate::acl::Acl;
use crate::command::CreateMode;
use crate::error::ErrorCode;
use crate::stat::Stat;
use crate::watch::{AddWatchMode, WatcherType};

use super::render::ConnState;

/// One client call. Paths are checked by the shell before a call is made
/// (the Java client's `PathUtils.validatePath`), so a client may send them
/// as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientOp {
    /// create / create2 / createContainer / createTTL → [`Reply::Created`].
    Create {
        path: String,
        data: Option<Vec<u8>>,
        acl: Vec<Acl>,
        mode: CreateMode,
        ttl: Option<i64>,
    },
    /// getData, arming a data watch if `watch` → [`Reply::Data`].
    GetData { path: String, watch: bool },
    /// setData → [`Reply::Stat`].
    SetData {
        path: String,
        data: Vec<u8>,
        version: i32,
    },
    /// exists, arming a data/exist watch if `watch` (also on a missing
    /// node) → [`Reply::Stat`], or `Err(NoNode)` when there is no node.
    Exists { path: String, watch: bool },
    /// delete → [`Reply::Done`].
    Delete { path: String, version: i32 },
    /// getChildren2, arming a child watch if `watch` → [`Reply::Children`].
    GetChildren { path: String, watch: bool },
    /// One multi of `delete(path, -1)` for each path, in order, all or
    /// nothing → [`Reply::Done`], or the multi's first error.
    DeleteBatch { paths: Vec<String> },
    /// sync → [`Reply::Done`].
    Sync { path: String },
    /// addWatch → [`Reply::Done`].
    AddWatch { path: String, mode: AddWatchMode },
    /// removeWatches / removeAllWatches (`local`: drop them client-side
    /// even without a server) → [`Reply::Done`].
    RemoveWatches {
        path: String,
        watcher_type: WatcherType,
        local: bool,
    },
    /// getEphemerals of this session under `prefix` (a plain string
    /// prefix; `/` for all) → [`Reply::Paths`].
    GetEphemerals { prefix: String },
    /// getAllChildrenNumber → [`Reply::Count`].
    GetAllChildrenNumber { path: String },
    /// addAuthInfo → [`Reply::Done`]. A refused identity is not an error
    /// of the call: the session then reports `AuthFailed` through its
    /// event stream, as Java's client does.
    AddAuth { scheme: String, auth: Vec<u8> },
    /// getACL → [`Reply::Acl`].
    GetAcl { path: String },
    /// setACL (`version`: the expected aclVersion, -1 for any) →
    /// [`Reply::Stat`].
    SetAcl {
        path: String,
        acl: Vec<Acl>,
        version: i32,
    },
    /// Close the current session (if alive) and open a new one to `host`
    /// (a connect string) → [`Reply::Done`]. The client reports the new
    /// session's events (SyncConnected…) through its event stream.
    Connect { host: String },
    /// Close the session → [`Reply::Done`]. The client then reports
    /// `state:Closed` through its event stream, as Java's client does.
    Close,
}

/// A successful call's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The created path (sequence suffix included).
    Created {
        path: String,
    },
    /// Data (`None` is null data) and the node's stat.
    Data {
        data: Option<Vec<u8>>,
        stat: Stat,
    },
    Stat(Stat),
    /// Child names in the server's order, and the parent's stat.
    Children {
        names: Vec<String>,
        stat: Stat,
    },
    Paths(Vec<String>),
    Count(i32),
    /// A node's ACL and stat.
    Acl {
        acl: Vec<Acl>,
        stat: Stat,
    },
    Done,
}

/// A ZooKeeper session the shell drives. Errors are ZooKeeper's codes: a
/// client that loses its server answers `ConnectionLoss`, one whose
/// session expired `SessionExpired`, like the Java client.
#[async_trait]
pub trait ShellClient: Send {
    /// The handle's state, for the prompt and for `Not connected`.
    fn state(&self) -> ConnState;

    async fn call(&mut self, op: ClientOp) -> Result<Reply, ErrorCode>;
}

/// The reply did not have the shape the operation promises: a bug in the
/// client. The shell reports it as ZooKeeper's MarshallingError.
pub(crate) fn unexpected(_reply: Reply) -> ErrorCode {
    ErrorCode::MarshallingError
}
