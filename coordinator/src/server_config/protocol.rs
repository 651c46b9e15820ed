//! The replication protocols a server can run: one enum, used by zoo.cfg's
//! `protocol=`, the `--protocol` flag and the runtime's registry.

use std::fmt;
use std::str::FromStr;

/// A replication protocol, by the name zoo.cfg and `--protocol` use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolName {
    /// Multi-Paxos with a stable leader (the default).
    #[default]
    MultiPaxos,
    /// ZooKeeper's own atomic broadcast (fast leader election, discovery,
    /// synchronization, broadcast).
    Zab,
    /// Basic Paxos: leaderless, one single-decree instance per log slot,
    /// every server a proposer (`Mode: peer`).
    Paxos,
}

impl ProtocolName {
    /// Every name, available or reserved, in the order messages list them.
    pub const ALL: [ProtocolName; 3] = [
        ProtocolName::MultiPaxos,
        ProtocolName::Zab,
        ProtocolName::Paxos,
    ];

    /// The name in zoo.cfg, on the command line and in `Status`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolName::MultiPaxos => "multipaxos",
            ProtocolName::Zab => "zab",
            ProtocolName::Paxos => "paxos",
        }
    }

    /// Whether this build can run the protocol. Flip a protocol here when its
    /// core lands and the registry can build it.
    pub fn is_available(self) -> bool {
        matches!(
            self,
            ProtocolName::MultiPaxos | ProtocolName::Zab | ProtocolName::Paxos
        )
    }

    /// The protocols this build can run.
    pub fn available() -> impl Iterator<Item = ProtocolName> {
        Self::ALL.into_iter().filter(|p| p.is_available())
    }

    /// The protocol of that name, available or not (case-insensitive;
    /// `multi-paxos` and `multi_paxos` are accepted too).
    pub fn from_name(name: &str) -> Option<ProtocolName> {
        let norm: String = name
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| p.as_str() == norm)
    }

    fn list(available: bool) -> String {
        Self::ALL
            .into_iter()
            .filter(|p| p.is_available() == available)
            .map(ProtocolName::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ProtocolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a protocol name cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// No protocol has that name.
    Unknown(String),
    /// The name is reserved for a protocol this build cannot run yet.
    NotAvailableYet(ProtocolName),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Unknown(name) => {
                write!(
                    f,
                    "unknown protocol {name:?}: use one of {}",
                    ProtocolName::list(true)
                )?;
                let reserved = ProtocolName::list(false);
                if !reserved.is_empty() {
                    write!(f, " (reserved for later: {reserved})")?;
                }
                Ok(())
            }
            ProtocolError::NotAvailableYet(p) => write!(
                f,
                "protocol {p} is not available yet: use one of {}",
                ProtocolName::list(true)
            ),
        }
    }
}

impl std::error::Error for ProtocolError {}

impl FromStr for ProtocolName {
    type Err = ProtocolError;

    /// Only protocols this build can run parse; reserved names are refused
    /// with [`ProtocolError::NotAvailableYet`], so a flag parsed with this
    /// never reaches the registry with a protocol it cannot build.
    fn from_str(s: &str) -> Result<ProtocolName, ProtocolError> {
        let p = ProtocolName::from_name(s).ok_or_else(|| ProtocolError::Unknown(s.to_string()))?;
        if p.is_available() {
            Ok(p)
        } else {
            Err(ProtocolError::NotAvailableYet(p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reserved_names_are_refused() {
        for p in ProtocolName::ALL {
            assert_eq!(ProtocolName::from_name(&p.to_string()), Some(p));
        }
        assert_eq!("multipaxos".parse(), Ok(ProtocolName::MultiPaxos));
        assert_eq!("Multi-Paxos".parse(), Ok(ProtocolName::MultiPaxos));
        assert_eq!("zab".parse::<ProtocolName>(), Ok(ProtocolName::Zab));
        assert_eq!("paxos".parse::<ProtocolName>(), Ok(ProtocolName::Paxos));
        assert_eq!(ProtocolName::available().count(), 3);
        let err = "raft".parse::<ProtocolName>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown protocol \"raft\": use one of multipaxos, zab, paxos"
        );
    }
}
