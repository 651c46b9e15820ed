//! The seed's section 3.4 `DistributeClient`: prints the host names of the
//! servers online (the data of `/servers`' children) as a list, then again
//! every time the children change.
//!
//! ```sh
//! cargo run -p coordinator --example servers_watch -- -server 127.0.0.1:PORT
//! ```

#[path = "servers/common.rs"]
mod common;

use coordinator::client::{Client, ClientError};
use coordinator::{ErrorCode, EventType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (connect, _) = common::parse_args();
    let zk = Client::connect(&connect, common::SESSION_TIMEOUT).await?;
    let mut events = zk.take_events().ok_or("the event channel was taken")?;
    common::ensure_parent(&zk).await?;
    println!("{}", server_list(&zk).await?);
    println!("client is working ...");
    while let Some(event) = events.recv().await {
        if event.state.is_final() {
            return Err(format!("the session ended ({:?})", event.state).into());
        }
        // The watch fired (and is gone): read the list again, leaving a
        // new watch, as the seed's watcher does.
        if event.event_type == EventType::NodeChildrenChanged {
            println!("{}", server_list(&zk).await?);
        }
    }
    Ok(())
}

/// `getServerList`: the children with a watch, then each one's data, as
/// Java prints an `ArrayList`: `[a, b]`.
async fn server_list(zk: &Client) -> Result<String, ClientError> {
    let children = zk.get_children(common::PARENT, true).await?;
    let mut servers = Vec::new();
    for child in children {
        match zk
            .get_data(&format!("{}/{child}", common::PARENT), false)
            .await
        {
            Ok((data, _)) => {
                servers.push(String::from_utf8_lossy(&data.unwrap_or_default()).into_owned())
            }
            // Gone since the listing: the next event brings the new list.
            Err(ClientError::Keeper {
                code: ErrorCode::NoNode,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(format!("[{}]", servers.join(", ")))
}
