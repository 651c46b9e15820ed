//! The zoo.cfg settings the state machine depends on.

use serde::{Deserialize, Serialize};

/// `jute.maxbuffer`'s default: 1,048,575 bytes.
pub const DEFAULT_MAX_DATA_BYTES: usize = 0xfffff;

/// Settings every replica must share (they change apply results).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TreeConfig {
    /// zoo.cfg `tickTime` (ms).
    pub tick_time_ms: i32,
    /// zoo.cfg `minSessionTimeout`; default 2·tickTime.
    pub min_session_timeout_ms: Option<i32>,
    /// zoo.cfg `maxSessionTimeout`; default 20·tickTime.
    pub max_session_timeout_ms: Option<i32>,
    /// `zookeeper.extendedTypesEnabled`: TTL nodes. Off by default, as in
    /// ZooKeeper, which then answers createTTL with Unimplemented.
    pub extended_types_enabled: bool,
    /// Largest znode data accepted (`jute.maxbuffer`).
    pub max_data_bytes: usize,
}

impl Default for TreeConfig {
    fn default() -> TreeConfig {
        TreeConfig {
            tick_time_ms: 2000,
            min_session_timeout_ms: None,
            max_session_timeout_ms: None,
            extended_types_enabled: false,
            max_data_bytes: DEFAULT_MAX_DATA_BYTES,
        }
    }
}

impl TreeConfig {
    pub fn min_session_timeout(&self) -> i32 {
        self.min_session_timeout_ms
            .unwrap_or(self.tick_time_ms.saturating_mul(2))
    }

    pub fn max_session_timeout(&self) -> i32 {
        self.max_session_timeout_ms
            .unwrap_or(self.tick_time_ms.saturating_mul(20))
    }

    /// Clamps a requested session timeout into [min, max], as
    /// `ZooKeeperServer.processConnectRequest` does.
    pub fn negotiate_timeout(&self, requested_ms: i32) -> i32 {
        let (lo, hi) = (self.min_session_timeout(), self.max_session_timeout());
        requested_ms.max(lo).min(hi.max(lo))
    }

    /// Applies the recognised `key=value` lines of a zoo.cfg; others (ports,
    /// servers, dataDir…) belong to the runtime and are ignored here.
    pub fn from_zoo_cfg(text: &str) -> Result<TreeConfig, ConfigError> {
        let mut cfg = TreeConfig::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            let bad = || ConfigError {
                line: n + 1,
                key: key.to_string(),
                value: value.to_string(),
            };
            let int = || value.parse::<i32>().ok().filter(|v| *v > 0).ok_or_else(bad);
            match key {
                "tickTime" => cfg.tick_time_ms = int()?,
                "minSessionTimeout" => cfg.min_session_timeout_ms = Some(int()?),
                "maxSessionTimeout" => cfg.max_session_timeout_ms = Some(int()?),
                "extendedTypesEnabled" | "zookeeper.extendedTypesEnabled" => {
                    cfg.extended_types_enabled = value.parse::<bool>().map_err(|_| bad())?
                }
                "jute.maxbuffer" => cfg.max_data_bytes = int()? as usize,
                _ => {}
            }
        }
        Ok(cfg)
    }
}

/// A zoo.cfg value the tree cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub key: String,
    pub value: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "zoo.cfg line {}: bad value {:?} for {}",
            self.line, self.value, self.key
        )
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_clamped_to_two_and_twenty_ticks() {
        let cfg = TreeConfig::default();
        assert_eq!(cfg.negotiate_timeout(1000), 4000);
        assert_eq!(cfg.negotiate_timeout(100_000), 40_000);
        assert_eq!(cfg.negotiate_timeout(30_000), 30_000);
    }

    #[test]
    fn zoo_cfg_keys_are_read() {
        let cfg = TreeConfig::from_zoo_cfg(
            "# c\ntickTime=3000\nextendedTypesEnabled=true\ndataDir=/tmp/x\nmaxSessionTimeout=9000\n",
        );
        let cfg = cfg.expect("valid");
        assert_eq!(cfg.tick_time_ms, 3000);
        assert!(cfg.extended_types_enabled);
        assert_eq!(
            (cfg.min_session_timeout(), cfg.max_session_timeout()),
            (6000, 9000)
        );
        let err = TreeConfig::from_zoo_cfg("tickTime=abc").expect_err("bad");
        assert_eq!(err.line, 1);
    }
}
