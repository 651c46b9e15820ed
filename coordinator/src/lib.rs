//! ZooKeeper's replicated state machine: the znode tree, sessions and watches.
//!
//! The tree is pure and deterministic: [`DataTree::apply`] takes a committed
//! [`Command`] and its zxid and returns an [`ApplyOutcome`] (the typed
//! result for the client, and the watch [`Trigger`]s); reads are methods of
//! [`DataTree`]. No clock, no I/O: time comes in the command (the
//! proposer's wall clock) and in `now_ms` arguments.
//!
//! ```
//! use coordinator::{Command, CreateMode, CreateRequest, DataTree, Op, OpResult, TreeConfig};
//! use protocols::Zxid;
//!
//! let mut tree = DataTree::new(TreeConfig::default());
//! // A session: its id is derived from the zxid and the proposing server.
//! let open = Command::new(Op::CreateSession { timeout_ms: 30_000, password: [7; 16] }).with_origin(1, 0);
//! let (session, _) = tree.apply(Zxid::new(1, 1), &open).session_created().unwrap();
//! // An ephemeral sequential node, created at the proposer's clock.
//! let req = CreateRequest::new("/servers-", Some(b"host1".to_vec()), CreateMode::EphemeralSequential);
//! let cmd = Command::new(Op::Create(req)).with_session(session).with_time(1_700_000_000_000);
//! let out = tree.apply(Zxid::new(1, 2), &cmd);
//! let Ok(OpResult::Created { path, stat }) = out.result else { panic!() };
//! // The root's create counter starts at 0 (/zookeeper is not counted: a fresh
//! // root shows cversion -1), so this is the first sequence number.
//! assert_eq!(path, "/servers-0000000000");
//! assert_eq!(stat.ephemeral_owner, session);
//! assert_eq!(out.triggers.len(), 2); // NodeCreated on the path, NodeChildrenChanged on "/"
//! // Reads are plain methods; closing the session takes its ephemerals.
//! assert_eq!(tree.get_data(&path).unwrap().0, Some(&b"host1"[..]));
//! tree.apply(Zxid::new(1, 3), &Command::new(Op::CloseSession).with_session(session));
//! assert!(tree.exists(&path).is_err());
//! ```
//!
//! Where zoolab knowingly differs from ZooKeeper 3.8:
//! - Checks run at apply time on every replica, not in the leader's
//!   PrepRequestProcessor; with one total order of commands they see the
//!   same state, so the same errors result, in the same order of checks.
//! - Session 0 is an anonymous session: it may do everything but own
//!   ephemerals (ZooKeeper has no session-less clients; the gRPC API and
//!   tests find it handy). Any other unknown session gets SessionExpired.
//! - Data over `jute.maxbuffer` is refused with BadArguments (ZooKeeper
//!   drops the oversized frame and the connection).
//! - A node is a container when its flag says so (ZooKeeper looks at the
//!   opcode, 19; zkCli always sends both together).
//! - Children are listed sorted (ZooKeeper: hash order, unspecified).
//! - A closing session's ephemerals are deleted in path order.
//!
//! Module map:
//! - [`event`]: session ids, event types and the triggers the tree raises.
//! - [`codec`]: postcard, the one format of the peer link, the WAL and snapshots.
//! - [`error`]: ZooKeeper's error codes.
//! - [`command`]: commands and their encoding (postcard).
//! - [`result`]: apply results.
//! - [`tree`]: the [`DataTree`], its nodes and the undo-logged mutations.
//! - `ops`: one file per operation (create, delete, setData, check, setACL,
//!   multi, sessions, clean-up) and the reads.
//! - [`path`], [`stat`], [`acl`]: paths, Stat, ACLs as ZooKeeper defines them;
//!   [`auth`]: the auth providers (digest, ip) and a connection's identities.
//! - [`session`]: the session table and the expiry design;
//!   [`session_tracker`]: the pure tracker that decides expiry.
//! - [`snapshot`]: versioned, checksummed snapshots of the whole state.
//! - [`config`]: the zoo.cfg settings the state machine depends on.
//! - [`server_config`]: a server's whole zoo.cfg (ensemble, ports, dataDir,
//!   protocol), `myid`, command-line overrides and local clusters.
//! - [`api`]: the gRPC API (`proto/zoolab.proto`) and its conversions.
//! - [`codec`]: postcard, the one format of the peer link, the WAL and snapshots.
//! - [`watch`]: one server's watches, turning triggers into notifications.
//! - [`runtime`]: the node runtime: Ready loop, request core, the server side
//!   of sessions, storage and snapshot seams.
//! - [`replica`]: what one server holds (tree + its watches), the facade
//!   every front end calls.
//! - [`storage`]: the dataDir: its lock, the write-ahead log, snapshot files.
//! - [`net`]: the peer transport between servers: framed, handshaken TCP links.
//! - [`cli`]: the heart of `zoolab cli`: zkCli's parser, renderer and shell.
//! - [`grpc`]: the gRPC service over the runtime's request core, and `serve`.
//! - [`client`]: the Rust client: connect string, keep-alive, failover with
//!   the session intact, watch re-registration, typed errors.
//! - [`cmd`]: the `zoolab` command (server, cluster, status).
pub mod acl;
pub mod api;
pub mod auth;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod codec;
pub mod command;
pub mod config;
pub mod error;
pub mod event;
pub mod grpc;
pub mod net;
mod ops;
pub mod path;
pub mod replica;
pub mod result;
pub mod runtime;
pub mod server_config;
pub mod session;
pub mod session_tracker;
pub mod snapshot;
pub mod stat;
pub mod storage;
pub mod tree;
pub mod watch;

pub use acl::{Acl, Id};
pub use command::{
    CheckRequest, Command, CreateMode, CreateRequest, DecodeError, DeleteRequest, MultiOp, Op,
    SetAclRequest, SetDataRequest,
};
pub use config::TreeConfig;
pub use error::ErrorCode;
pub use event::{EventType, SessionId, Trigger};
pub use result::{ApplyOutcome, ApplyResult, MultiOpResult, MultiResult, OpResult};
pub use session::Session;
pub use session_tracker::{KeeperRule, SessionTracker, choose_keeper};
pub use snapshot::SnapshotError;
pub use stat::Stat;
pub use tree::{DataTree, Node, NodeKind};
