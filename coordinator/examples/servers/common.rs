//! What the seed's two programs share: the command line and `/servers`.

use std::time::Duration;

use coordinator::CreateMode;
use coordinator::ErrorCode;
use coordinator::client::{Client, ClientError};

/// The parent the servers register under.
pub const PARENT: &str = "/servers";

/// The seed's sessionTimeout (the server raises it to 2 tickTimes).
pub const SESSION_TIMEOUT: Duration = Duration::from_millis(2000);

/// `[-server host:port[,host:port…]] [ARG…]` (the connect string defaults
/// to `zoolab cli`'s default server).
pub fn parse_args() -> (String, Vec<String>) {
    let mut connect = coordinator::cmd::status::DEFAULT_ENDPOINT.to_string();
    let mut rest = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.len()) {
            ("-server", n) if n > 0 => connect = args.next().unwrap_or_default(),
            _ => rest.push(arg),
        }
    }
    (connect, rest)
}

/// Creates `/servers` (data "servers", as the seed's `create`) unless it
/// is there already.
pub async fn ensure_parent(client: &Client) -> Result<(), ClientError> {
    match client
        .create(PARENT, b"servers", CreateMode::Persistent)
        .await
    {
        Ok(_) => Ok(()),
        Err(ClientError::Keeper {
            code: ErrorCode::NodeExists,
            ..
        }) => Ok(()),
        Err(e) => Err(e),
    }
}
