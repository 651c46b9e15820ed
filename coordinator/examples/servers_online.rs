//! The seed's section 3.4 `DistributeServer`: registers this process as an
//! EPHEMERAL_SEQUENTIAL child of `/servers` holding its host name, then
//! works until it is killed. When it dies its session expires and the node
//! goes, which is how the watchers learn it is offline.
//!
//! ```sh
//! cargo run -p coordinator --example servers_online -- -server 127.0.0.1:PORT hadoop102
//! ```

#[path = "servers/common.rs"]
mod common;

use coordinator::CreateMode;
use coordinator::client::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (connect, args) = common::parse_args();
    let Some(hostname) = args.first() else {
        return Err("usage: servers_online [-server host:port,…] HOSTNAME".into());
    };
    let zk = Client::connect(&connect, common::SESSION_TIMEOUT).await?;
    common::ensure_parent(&zk).await?;
    let created = zk
        .create(
            &format!("{}/server", common::PARENT),
            hostname.as_bytes(),
            CreateMode::EphemeralSequential,
        )
        .await?;
    println!("{hostname} is online {created}");
    println!("{hostname} is working ...");
    // Thread.sleep(Long.MAX_VALUE): the client's own task keeps the
    // session alive meanwhile.
    std::future::pending::<()>().await;
    Ok(())
}
