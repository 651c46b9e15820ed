//! ZooKeeper's four-letter words on a real server's clientPort, as
//! `printf srvr | nc 127.0.0.1 <clientPort>` sends them: `srvr` (in
//! ZooKeeper's default whitelist) names each server's mode as `zoolab
//! status` does; a word outside the whitelist gets ZooKeeper's refusal.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use coordinator::cmd::status::{effective_mode, mode_name};
use tests::cluster::{Cluster, Options};
use tests::protocols;

async fn ask(endpoint: &str, word: &str) -> String {
    let mut stream = TcpStream::connect(endpoint)
        .await
        .expect("clientPort accepts");
    stream.write_all(word.as_bytes()).await.expect("word sent");
    let mut answer = String::new();
    // The server answers, then closes: read to the end.
    stream
        .read_to_string(&mut answer)
        .await
        .expect("answer read");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srvr_names_every_servers_mode_and_unlisted_words_are_refused() {
    for protocol in protocols() {
        let mut cluster = Cluster::start(Options::new(3, protocol));
        cluster.wait_for_leader().await;
        for id in cluster.ids() {
            let status = cluster.status(id).await.expect("status answers");
            let mode = mode_name(effective_mode(&status));
            let srvr = ask(&cluster.client_endpoint(id), "srvr").await;
            assert!(
                srvr.starts_with("Zookeeper version: "),
                "{protocol} server.{id}: {srvr}"
            );
            assert!(
                srvr.lines().any(|l| l == format!("Mode: {mode}")),
                "{protocol} server.{id} is {mode}, srvr said:\n{srvr}"
            );
            if let Some(keeper) = status.session_keeper.filter(|_| mode == "peer") {
                assert!(
                    srvr.lines()
                        .any(|l| l == format!("Session keeper: server.{keeper}")),
                    "{protocol} server.{id} names keeper {keeper} in status, srvr said:\n{srvr}"
                );
            }
            let ruok = ask(&cluster.client_endpoint(id), "ruok").await;
            assert_eq!(
                ruok, "ruok is not executed because it is not in the whitelist.\n",
                "{protocol} server.{id}"
            );
        }
    }
}
