//! What a misbehaving client gets on the wire listener: ZooKeeper's answer
//! (an error reply or a closed connection), and never harm to anyone else.

mod t20_runtime_cluster;
mod t35_wire_fixture;

use std::sync::Arc;

use coordinator::ErrorCode;
use coordinator::wire::frame::framed;
use coordinator::wire::opcode as op;
use coordinator::wire::request::Request;
use coordinator::wire::{FourLetterWords, WireConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use t35_wire_fixture::{WireCluster, Zk, closed};

/// A healthy session keeps working next to whatever the others did.
async fn still_served(zk: &mut Zk) {
    let reply = zk
        .call(&Request::Exists {
            path: "/".into(),
            watch: false,
        })
        .await;
    assert_eq!(reply.header.err, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_close_only_their_own_connection() {
    let c = WireCluster::start(WireConfig::default()).await;
    let mut healthy = Zk::connect(c.addr(1), 2_000).await;

    // Garbage before the handshake (a length far over jute.maxbuffer).
    let mut s = TcpStream::connect(c.addr(1)).await.expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").await.expect("send");
    assert!(closed(&mut s).await);

    // A negative length and an oversize frame after the handshake.
    for len in [-5i32, 0x0010_0000] {
        let mut zk = Zk::connect(c.addr(1), 2_000).await;
        zk.send_raw(&len.to_be_bytes()).await;
        assert!(closed(&mut zk.stream).await, "length {len}");
    }
    still_served(&mut healthy).await;

    // A truncated record: MARSHALLINGERROR, header only; the connection lives.
    let mut zk = Zk::connect(c.addr(1), 2_000).await;
    let mut body = Vec::new();
    body.extend_from_slice(&5i32.to_be_bytes());
    body.extend_from_slice(&op::GET_DATA.to_be_bytes());
    body.extend_from_slice(&100i32.to_be_bytes());
    body.extend_from_slice(b"/short");
    zk.send_raw(&framed(&body)).await;
    let reply = zk.recv().await;
    assert_eq!(
        (reply.header.xid, reply.header.err, reply.body.len()),
        (5, ErrorCode::MarshallingError.code(), 0)
    );
    // A multi mixing reads and writes is a marshalling error too.
    let mut mixed = Vec::new();
    for (kind, path) in [(op::GET_DATA, "/"), (op::DELETE, "/x")] {
        mixed.extend_from_slice(&kind.to_be_bytes());
        mixed.push(0);
        mixed.extend_from_slice(&(-1i32).to_be_bytes());
        mixed.extend_from_slice(&(path.len() as i32).to_be_bytes());
        mixed.extend_from_slice(path.as_bytes());
        if kind == op::DELETE {
            mixed.extend_from_slice(&(-1i32).to_be_bytes());
        }
    }
    mixed.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff]);
    let mut frame = 6i32.to_be_bytes().to_vec();
    frame.extend_from_slice(&op::MULTI.to_be_bytes());
    frame.extend_from_slice(&mixed);
    zk.send_raw(&framed(&frame)).await;
    let reply = zk.recv().await;
    assert_eq!(
        (reply.header.xid, reply.header.err),
        (6, ErrorCode::MarshallingError.code())
    );
    still_served(&mut zk).await;
    still_served(&mut healthy).await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_client_cnxns_bounds_connections_per_ip_and_a_closed_one_frees_its_slot() {
    let config = WireConfig {
        max_client_cnxns: 2,
        ..WireConfig::default()
    };
    let c = WireCluster::start(config).await;
    let mut first = Zk::connect(c.addr(1), 2_000).await;
    let _second = Zk::connect(c.addr(1), 2_000).await;
    let mut third = TcpStream::connect(c.addr(1)).await.expect("TCP accepts");
    assert!(closed(&mut third).await, "the third connection is closed");
    still_served(&mut first).await;
    first.call(&Request::CloseSession).await;
    assert!(closed(&mut first.stream).await);
    t20_runtime_cluster::wait_until("a slot frees up", || {
        let addr = c.addr(1);
        async move {
            let new = TcpStream::connect(addr).await.ok()?;
            let (mut s, payload) = t35_wire_fixture::handshake_on(new).await;
            let _ = s.shutdown().await;
            payload
        }
    })
    .await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_after_its_session_timeout() {
    let c = WireCluster::start(WireConfig::default()).await;
    // 200 ms, the shortest session the test tickTime allows.
    let mut zk = Zk::connect(c.addr(2), 200).await;
    assert_eq!(zk.session.timeout_ms, 200);
    assert!(closed(&mut zk.stream).await);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_four_letter_word_goes_to_the_hook_and_the_connection_closes() {
    let hook: Arc<dyn FourLetterWords> = Arc::new(|word: &[u8; 4]| match word {
        b"ruok" => Some("imok".to_string()),
        _ => None,
    });
    let c = WireCluster::start_with(WireConfig::default(), Some(hook)).await;
    let mut s = TcpStream::connect(c.addr(3)).await.expect("connect");
    s.write_all(b"ruok").await.expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.expect("read to EOF");
    assert_eq!(answer, "imok");
    // A word the hook does not answer: closed without a reply.
    let mut s = TcpStream::connect(c.addr(3)).await.expect("connect");
    s.write_all(b"wchs").await.expect("send");
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.expect("read to EOF");
    assert!(answer.is_empty());
    c.stop().await;
}
