//! `4lw.commands.whitelist`: which words a server executes.
//!
//! As in ZooKeeper 3.5.3 and later: a comma-separated list (spaces around
//! names ignored); `*` allows every word; without the key only `srvr` is
//! allowed (what `zkServer.sh status` needs).

use std::collections::BTreeSet;

/// The zoo.cfg key.
pub const WHITELIST_KEY: &str = "4lw.commands.whitelist";

/// The whitelist when zoo.cfg does not set the key.
pub const DEFAULT_WHITELIST: &str = "srvr";

/// The words a server executes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Whitelist {
    All,
    Only(BTreeSet<String>),
}

impl Default for Whitelist {
    fn default() -> Whitelist {
        Whitelist::parse(DEFAULT_WHITELIST)
    }
}

impl Whitelist {
    /// The key's value: `*` or a comma-separated list.
    pub fn parse(value: &str) -> Whitelist {
        let words: BTreeSet<String> = value
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        if words.contains("*") {
            Whitelist::All
        } else {
            Whitelist::Only(words)
        }
    }

    /// The whitelist a zoo.cfg's text sets (its last `4lw.commands.whitelist`
    /// line), or the default.
    pub fn from_zoo_cfg(text: &str) -> Whitelist {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| k.trim() == WHITELIST_KEY)
            .map(|(_, v)| Whitelist::parse(v))
            .next_back()
            .unwrap_or_default()
    }

    pub fn allows(&self, word: &str) -> bool {
        match self {
            Whitelist::All => true,
            Whitelist::Only(words) => words.contains(word),
        }
    }
}
