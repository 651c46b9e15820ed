//! One client connection: four-letter word or handshake, then requests
//! served in order, notifications interleaved, until the client leaves,
//! the session ends, it idles past its timeout, or the server stops.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

use protocols::Zxid;

use crate::auth::AuthInfo;
use crate::error::ErrorCode;
use crate::frontend::Opened;
use crate::watch::WatchedEvent;

use super::dispatch::{Answer, Caller, serve};
use super::fourlw::is_word;
use super::frame::{FrameError, check_length, framed, read_frame, read_payload, reply_frame};
use super::jute::{JuteError, Reader, Writer};
use super::opcode as op;
use super::records::{
    ConnectRequest, ConnectResponse, ReplyHeader, RequestHeader, SYNC_CONNECTED, WatcherEvent,
};
use super::request::Request;
use super::{Shared, stopped};

/// Frames read ahead of the one being served (clients pipeline).
const READ_AHEAD: usize = 64;

/// One request as the reader task saw it.
enum Incoming {
    Request {
        xid: i32,
        request: Request,
    },
    /// A body that did not decode: MARSHALLINGERROR, header only.
    Malformed {
        xid: i32,
    },
}

type Writer_ = BufWriter<OwnedWriteHalf>;

/// Serves a connection to the end. Errors only end this connection.
pub(super) async fn run(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let (mut reader, writer) = stream.into_split();
    let mut writer = BufWriter::new(writer);
    let handshake_limit = Duration::from_millis(u64::from(shared.config.max_session_timeout_ms));
    let mut first = [0u8; 4];
    match timeout(handshake_limit, reader.read_exact(&mut first)).await {
        Ok(Ok(_)) => {}
        _ => return,
    }
    if is_word(&first) {
        if let Some(hook) = &shared.fourlw
            && let Some(text) = hook.answer(first).await
        {
            let _ = writer.write_all(text.as_bytes()).await;
            let _ = writer.flush().await;
        }
        let _ = writer.shutdown().await;
        return;
    }
    let connect = async {
        let len = check_length(i32::from_be_bytes(first), shared.config.max_buffer).ok()?;
        let payload = read_payload(&mut reader, len).await.ok()?;
        ConnectRequest::decode(&payload).ok()
    };
    let Ok(Some(request)) = timeout(handshake_limit, connect).await else {
        return;
    };
    let Some((caller, timeout_ms, zxid)) = handshake(&shared, &request, peer, &mut writer).await
    else {
        let _ = writer.shutdown().await;
        return;
    };
    let session = caller.session;
    let events = match shared.core.handle().subscribe(session).await {
        Ok(events) => events,
        Err(_) => return,
    };
    let (tx, incoming) = mpsc::channel(READ_AHEAD);
    let reading = tokio::spawn(read_requests(reader, shared.config.max_buffer, tx));
    let mut conn = Conn {
        shared: shared.clone(),
        caller,
        writer,
        last_zxid: zxid,
        idle: Duration::from_millis(u64::try_from(timeout_ms.max(1)).unwrap_or(1)),
    };
    let end = conn.serve(incoming, events).await;
    reading.abort();
    let _ = conn.writer.shutdown().await;
    if end == End::Left {
        // The client left: this server stops watching for it (it re-arms
        // with setWatches wherever it reconnects); the session lives on
        // until it expires or the client resumes it.
        let _ = shared.core.handle().disconnect(session).await;
    }
}

/// ConnectRequest → ConnectResponse. `None` closes the connection (after
/// the expired reply when there is one).
async fn handshake(
    shared: &Shared,
    request: &ConnectRequest,
    peer: SocketAddr,
    writer: &mut Writer_,
) -> Option<(Caller, i32, Zxid)> {
    let core = &shared.core;
    let opened = if request.session_id == 0 {
        core.open(request.timeout_ms, request.last_zxid_seen).await
    } else {
        let password = request.password.clone().unwrap_or_default();
        core.resume(request.session_id, &password, request.last_zxid_seen)
            .await
    };
    let response = match opened.ok()? {
        Opened::Behind { .. } => return None,
        Opened::Expired { .. } => {
            let response = ConnectResponse::expired(request.read_only);
            let _ = write_frame(writer, &framed(&response.encode())).await;
            return None;
        }
        Opened::Session {
            session,
            timeout_ms,
            password,
            zxid,
        } => (
            ConnectResponse {
                protocol_version: 0,
                timeout_ms,
                session_id: session,
                password: password.to_vec(),
                read_only: request.read_only.map(|_| false),
            },
            zxid,
        ),
    };
    let (response, zxid) = response;
    write_frame(writer, &framed(&response.encode()))
        .await
        .ok()?;
    let caller = Caller {
        session: response.session_id,
        peer: peer.ip(),
        auth: AuthInfo::for_client(Some(peer.ip())),
    };
    Some((caller, response.timeout_ms, zxid))
}

async fn write_frame(writer: &mut Writer_, frame: &[u8]) -> std::io::Result<()> {
    writer.write_all(frame).await?;
    writer.flush().await
}

/// Reads frames until the connection fails; a bad length closes it (the
/// channel ends), a bad body is passed on as malformed.
async fn read_requests(mut reader: OwnedReadHalf, max: usize, tx: mpsc::Sender<Incoming>) {
    loop {
        let frame = match read_frame(&mut reader, max).await {
            Ok(frame) => frame,
            Err(FrameError::BadLength(n)) => {
                tracing::debug!("wire: frame length {n}: closing");
                return;
            }
            Err(FrameError::Io(_)) => return,
        };
        let item = match decode_request(&frame) {
            Ok((xid, request)) => Incoming::Request { xid, request },
            Err((Some(xid), _)) => Incoming::Malformed { xid },
            // Not even a header: nothing to answer.
            Err((None, _)) => return,
        };
        if tx.send(item).await.is_err() {
            return;
        }
    }
}

/// A request frame: header and body. The error carries the xid when the
/// header was readable.
pub fn decode_request(frame: &[u8]) -> Result<(i32, Request), (Option<i32>, JuteError)> {
    let mut r = Reader::new(frame);
    let header = RequestHeader::read(&mut r).map_err(|e| (None, e))?;
    let body = &frame[frame.len() - r.remaining()..];
    Request::decode(header.op, body)
        .map(|request| (header.xid, request))
        .map_err(|e| (Some(header.xid), e))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The client went away or idled out: drop its watches here.
    Left,
    /// The session ended, moved to a newer connection, or the server
    /// stopped: nothing to drop (or no longer ours to drop).
    Done,
}

struct Conn {
    shared: Arc<Shared>,
    caller: Caller,
    writer: Writer_,
    /// The highest zxid sent in a reply header: none goes backwards.
    last_zxid: Zxid,
    idle: Duration,
}

impl Conn {
    async fn serve(
        &mut self,
        mut incoming: mpsc::Receiver<Incoming>,
        mut events: mpsc::UnboundedReceiver<WatchedEvent>,
    ) -> End {
        let mut stopping = self.shared.stopping.clone();
        let mut deadline = Instant::now() + self.idle;
        loop {
            tokio::select! {
                biased;
                () = stopped(&mut stopping) => return End::Done,
                event = events.recv() => match event {
                    Some(e) => {
                        if self.notify(&e).await.is_err() || self.flush().await.is_err() {
                            return End::Left;
                        }
                    }
                    // The session ended, a newer connection took it over,
                    // or a snapshot dropped every watch: the client
                    // reconnects and learns which.
                    None => return End::Done,
                },
                item = incoming.recv() => {
                    let Some(item) = item else { return End::Left };
                    deadline = Instant::now() + self.idle;
                    match self.answer(item, &mut events).await {
                        Ok(true) => {}
                        Ok(false) => return End::Done,
                        Err(_) => return End::Left,
                    }
                }
                () = tokio::time::sleep_until(deadline) => return End::Left,
            }
        }
    }

    /// Serves one request and writes its reply after any notification
    /// already queued (the events a write caused come before its reply).
    /// Ok(false): close now.
    async fn answer(
        &mut self,
        item: Incoming,
        events: &mut mpsc::UnboundedReceiver<WatchedEvent>,
    ) -> std::io::Result<bool> {
        let (xid, answer) = match item {
            Incoming::Malformed { xid } => {
                let zxid = self.shared.core.applied_zxid().await;
                let answer = Answer {
                    err: ErrorCode::MarshallingError.code(),
                    zxid: Some(zxid),
                    ..Answer::default()
                };
                (xid, answer)
            }
            Incoming::Request { xid, request } => {
                let ping = matches!(request, Request::Ping);
                if ping {
                    let _ = self.shared.core.handle().touch(self.caller.session).await;
                }
                match serve(&self.shared.core, &mut self.caller, xid, request).await {
                    // Ping replies always carry xid -2.
                    Ok(answer) => (if ping { op::XID_PING } else { xid }, answer),
                    Err(lost) => {
                        tracing::debug!("wire: request lost ({:?}): closing", lost.0);
                        return Ok(false);
                    }
                }
            }
        };
        while let Ok(e) = events.try_recv() {
            self.notify(&e).await?;
        }
        for e in &answer.events {
            self.notify(e).await?;
        }
        let zxid = match answer.zxid {
            Some(z) => {
                self.last_zxid = self.last_zxid.max(z);
                self.last_zxid.0 as i64
            }
            None => answer.fixed_zxid,
        };
        let header = ReplyHeader {
            xid,
            zxid,
            err: answer.err,
        };
        let body = (answer.err == 0).then_some(answer.body.as_ref()).flatten();
        self.writer.write_all(&reply_frame(header, body)).await?;
        self.flush().await?;
        Ok(!answer.close)
    }

    async fn notify(&mut self, e: &WatchedEvent) -> std::io::Result<()> {
        let mut w = Writer::new();
        ReplyHeader {
            xid: op::XID_NOTIFICATION,
            zxid: -1,
            err: 0,
        }
        .write(&mut w);
        WatcherEvent {
            event_type: e.event_type.code(),
            state: SYNC_CONNECTED,
            path: e.path.clone(),
        }
        .write(&mut w);
        self.writer.write_all(&framed(&w.into_bytes())).await
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush().await
    }
}
