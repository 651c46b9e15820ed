//! ZooKeeper's four-letter words, answered the way ZooKeeper 3.8 answers
//! them: `ruok`, `srvr`, `stat`, `mntr`, `conf`, `cons`, `envi`, `isro`,
//! `wchs`, `dirs`, and the `4lw.commands.whitelist` zoo.cfg key.
//!
//! Pure: [`respond`] turns a word and a [`ServerSnapshot`] into the bytes
//! to write back; it does no I/O and reads no clock. A front end that
//! listens on `clientPort` (the ZooKeeper wire protocol) calls it when the
//! first four bytes of a connection are not a jute length prefix it
//! expects:
//!
//! ```
//! use coordinator::fourlw::{respond, ServerSnapshot, Whitelist};
//!
//! let snap = ServerSnapshot::example();
//! let whitelist = Whitelist::parse("srvr, ruok");
//! let answer = respond(b"ruok", &snap, &whitelist).expect("a four-letter word");
//! assert_eq!(answer, "imok");
//! let answer = respond(b"mntr", &snap, &whitelist).expect("a four-letter word");
//! assert_eq!(answer, "mntr is not executed because it is not in the whitelist.\n");
//! assert!(respond(b"\0\0\0\x2c", &snap, &whitelist).is_none());
//! ```
//!
//! The caller then writes the answer and closes the connection, as
//! ZooKeeper does. It builds the snapshot with [`snapshot`] from its
//! [`NodeHandle`](crate::runtime::NodeHandle), the server's configuration
//! and what only the front end knows ([`ClientStats`]: connections,
//! latency, packets), and the whitelist from zoo.cfg's text with
//! [`Whitelist::from_zoo_cfg`].
//!
//! Where zoolab differs from ZooKeeper 3.8:
//! - `mntr` lists the `zk_*` keys zoolab can fill with real values (in the
//!   order ZooKeeper prints them), not ZooKeeper's ~500 processor metrics,
//!   then its own `zoolab_*` keys (protocol, peer messages and bytes,
//!   commits).
//! - `envi` lists the process's host, OS and user, not a JVM's properties.
//! - The version is `3.8.0-zoolab-<crate version>`, so tools that parse the
//!   leading `major.minor.patch` see the ZooKeeper release zoolab speaks.
//! - Words ZooKeeper knows but zoolab does not answer (`dump`, `wchc`,
//!   `wchp`, `srst`, `crst`, `gtmk`, `stmk`, `reqs`, `hash`) are refused as
//!   if not whitelisted.

mod snapshot;
mod whitelist;
mod words;

#[cfg(test)]
mod tests;

pub use snapshot::{
    ClientStats, ConfSnapshot, Connection, ConnectionSession, Latency, Member, Mode, QuorumConf,
    ServerSnapshot, WatchCounts, snapshot, version_string,
};
pub use whitelist::{DEFAULT_WHITELIST, WHITELIST_KEY, Whitelist};

/// Every four-letter word zoolab answers.
pub const WORDS: [&str; 10] = [
    "ruok", "srvr", "stat", "mntr", "conf", "cons", "envi", "isro", "wchs", "dirs",
];

/// ZooKeeper 3.8's other words: recognised (the connection is answered and
/// closed, never read as a jute frame) but never executed.
pub const UNSUPPORTED_WORDS: [&str; 9] = [
    "dump", "wchc", "wchp", "srst", "crst", "gtmk", "stmk", "reqs", "hash",
];

/// ZooKeeper's answer to most words on a server that does not serve yet.
pub const NOT_SERVING: &str = "This ZooKeeper instance is not currently serving requests";

/// The answer to `word`, or `None` when `word` is not a four-letter word
/// (the connection carries the wire protocol).
///
/// A word outside `whitelist` answers ZooKeeper's refusal line. On a
/// server that is not serving (electing), the words that need the tree
/// answer [`NOT_SERVING`], as ZooKeeper's do.
pub fn respond(word: &[u8; 4], snap: &ServerSnapshot, whitelist: &Whitelist) -> Option<String> {
    let word = std::str::from_utf8(word).ok()?;
    if !WORDS.contains(&word) && !UNSUPPORTED_WORDS.contains(&word) {
        return None;
    }
    if !WORDS.contains(&word) || !whitelist.allows(word) {
        return Some(format!(
            "{word} is not executed because it is not in the whitelist.\n"
        ));
    }
    Some(words::answer(word, snap))
}
