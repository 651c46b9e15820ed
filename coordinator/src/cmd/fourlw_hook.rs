//! The four-letter words of `zoolab server`'s clientPort: the wire
//! listener recognises the word, this answers it from a snapshot of the
//! node ([`crate::fourlw`]) under zoo.cfg's `4lw.commands.whitelist`.

use std::sync::Arc;
use std::time::Instant;

use crate::fourlw::{self, ClientStats, Whitelist};
use crate::runtime::NodeHandle;
use crate::server_config::ServerConfig;
use crate::wire::FourLetterWords;
use crate::wire::fourlw::AnswerFuture;

/// ZooKeeper's answer while the server cannot read its tree.
const NOT_SERVING: &str = "This ZooKeeper instance is not currently serving requests\n";

pub struct Hook {
    handle: NodeHandle,
    config: Arc<ServerConfig>,
    whitelist: Arc<Whitelist>,
    started: Instant,
}

impl Hook {
    /// `zoo_cfg` is the configuration file's text (for the whitelist key,
    /// which `ServerConfig` does not keep).
    pub fn new(handle: NodeHandle, config: ServerConfig, zoo_cfg: &str) -> Hook {
        Hook {
            handle,
            config: Arc::new(config),
            whitelist: Arc::new(Whitelist::from_zoo_cfg(zoo_cfg)),
            started: Instant::now(),
        }
    }
}

impl FourLetterWords for Hook {
    fn answer(&self, word: [u8; 4]) -> AnswerFuture {
        let handle = self.handle.clone();
        let config = Arc::clone(&self.config);
        let whitelist = Arc::clone(&self.whitelist);
        let uptime_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Box::pin(async move {
            let clients = ClientStats {
                uptime_ms,
                ..ClientStats::default()
            };
            match fourlw::snapshot(&handle, &config, clients).await {
                Ok(snap) => fourlw::respond(&word, &snap, &whitelist),
                Err(_) => Some(NOT_SERVING.to_owned()),
            }
        })
    }
}
