//! One task per peer: it owns the peer's send queue and its one connection,
//! dials it (when this node has the higher id) or takes the connection the
//! listener accepted from it, and writes and reads frames until the
//! connection breaks, then starts over.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, watch};

use protocols::NodeId;

use super::backoff::Backoff;
use super::config::Limits;
use super::frame::{FrameError, FrameIn, PING, read_frame, write_frame};
use super::handshake::{self, HandshakeError, Identity};
use super::stats::PeerCounters;
use super::stopped;
use crate::codec;

/// Queued messages written before one flush: enough to batch small
/// messages into few syscalls, few enough to check for pings and shutdown.
const WRITE_BATCH: usize = 256;

pub(crate) struct PeerTask<M> {
    pub peer: NodeId,
    pub addr: SocketAddr,
    pub identity: Arc<Identity>,
    pub queue: mpsc::Receiver<Vec<u8>>,
    /// Connections the listener accepted from this peer; `None` when this
    /// node is the one that dials.
    pub incoming: Option<mpsc::Receiver<TcpStream>>,
    pub inbound: mpsc::Sender<(NodeId, M)>,
    pub counters: Arc<PeerCounters>,
    pub limits: Limits,
    pub stop: watch::Receiver<bool>,
}

/// How a connection ended.
enum End {
    Stop,
    /// The peer dialed again: the new connection supersedes this one.
    Replaced(TcpStream),
    Lost(Lost),
}

#[derive(Debug)]
enum Lost {
    Read(FrameError),
    Write(std::io::Error),
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lost::Read(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                write!(f, "closed by peer")
            }
            Lost::Read(e) => write!(f, "read: {e}"),
            Lost::Write(e) => write!(f, "write: {e}"),
        }
    }
}

enum Work {
    Message(Vec<u8>),
    Ping,
}

impl<M: DeserializeOwned + Send + 'static> PeerTask<M> {
    pub(crate) async fn run(mut self) {
        let me = self.identity.me;
        let peer = self.peer;
        let mut backoff = Backoff::new(self.limits.backoff_initial, self.limits.backoff_max);
        let mut next = None;
        loop {
            let stream = match next.take() {
                Some(stream) => stream,
                None => match self.connect(&mut backoff).await {
                    Some(stream) => stream,
                    None => return,
                },
            };
            self.counters.connected.store(true, Ordering::Relaxed);
            PeerCounters::bump(&self.counters.connects);
            tracing::info!(node = me, peer, "peer connected");
            let began = Instant::now();
            let end = self.run_connection(stream).await;
            self.counters.connected.store(false, Ordering::Relaxed);
            // A connection that lived a while earns a fresh backoff; one
            // that breaks at once (a peer crash-looping, or refusing what
            // we send) keeps growing it, and delays the redial too.
            let lived = began.elapsed() >= self.limits.backoff_max;
            if lived {
                backoff.reset();
            }
            match end {
                End::Stop => return,
                End::Replaced(stream) => {
                    tracing::info!(node = me, peer, "peer reconnected: replacing connection");
                    next = Some(stream);
                }
                End::Lost(why) => {
                    tracing::info!(node = me, peer, reason = %why, "peer connection lost");
                    let dialer = self.incoming.is_none();
                    if dialer && !lived && !self.pause(backoff.next_delay()).await {
                        return;
                    }
                }
            }
        }
    }

    /// The next connection to the peer, or `None` on shutdown.
    async fn connect(&mut self, backoff: &mut Backoff) -> Option<TcpStream> {
        if let Some(incoming) = self.incoming.as_mut() {
            return tokio::select! {
                _ = stopped(&mut self.stop) => None,
                stream = incoming.recv() => stream,
            };
        }
        loop {
            let attempt = dial(self.addr, &self.identity, self.peer, &self.limits);
            tokio::select! {
                _ = stopped(&mut self.stop) => return None,
                dialed = attempt => match dialed {
                    Ok(stream) => return Some(stream),
                    Err(e) => self.dial_failed(e),
                },
            }
            if !self.pause(backoff.next_delay()).await {
                return None;
            }
        }
    }

    /// Waits `delay`; false if shutdown came first.
    async fn pause(&mut self, delay: Duration) -> bool {
        tokio::select! {
            _ = stopped(&mut self.stop) => false,
            _ = tokio::time::sleep(delay) => true,
        }
    }

    fn dial_failed(&self, e: DialError) {
        PeerCounters::bump(&self.counters.handshake_failures);
        let (me, peer, addr) = (self.identity.me, self.peer, self.addr);
        match e {
            // A configuration error on one side: loud.
            DialError::Handshake(
                e @ (HandshakeError::RejectedByPeer(_) | HandshakeError::UnexpectedPeer { .. }),
            ) => {
                tracing::warn!(node = me, peer, %addr, error = %e, "peer refused the connection");
            }
            // The peer is down or unreachable: expected while it restarts.
            e => tracing::debug!(node = me, peer, %addr, error = %e, "dial failed"),
        }
    }

    async fn run_connection(&mut self, stream: TcpStream) -> End {
        let (read_half, write_half) = stream.into_split();
        let mut writer = BufWriter::new(write_half);
        let reader = read_loop(
            read_half,
            self.peer,
            self.inbound.clone(),
            Arc::clone(&self.counters),
            self.limits.max_frame_u32(),
            self.limits.idle_timeout,
        );
        tokio::pin!(reader);
        let mut ping = tokio::time::interval(self.limits.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let work = tokio::select! {
                biased;
                _ = stopped(&mut self.stop) => return End::Stop,
                replacement = next_incoming(&mut self.incoming) => return match replacement {
                    Some(stream) => End::Replaced(stream),
                    None => End::Stop,
                },
                lost = &mut reader => return lost,
                payload = self.queue.recv() => match payload {
                    Some(payload) => {
                        self.counters.release(payload.len());
                        Work::Message(payload)
                    }
                    // Every sender is gone: so is the handle.
                    None => return End::Stop,
                },
                _ = ping.tick() => Work::Ping,
            };
            // Keep reading while writing: two peers blocked writing to each
            // other, neither reading, would deadlock.
            let write = write_batch(&mut writer, work, &mut self.queue, &self.counters);
            tokio::select! {
                biased;
                _ = stopped(&mut self.stop) => return End::Stop,
                lost = &mut reader => return lost,
                written = write => if let Err(e) = written {
                    return End::Lost(Lost::Write(e));
                },
            }
        }
    }
}

async fn next_incoming(incoming: &mut Option<mpsc::Receiver<TcpStream>>) -> Option<TcpStream> {
    match incoming {
        Some(incoming) => incoming.recv().await,
        None => std::future::pending().await,
    }
}

/// Writes `first` and whatever else is queued (up to a batch), then flushes.
async fn write_batch(
    writer: &mut BufWriter<OwnedWriteHalf>,
    first: Work,
    queue: &mut mpsc::Receiver<Vec<u8>>,
    counters: &PeerCounters,
) -> std::io::Result<()> {
    let mut messages = 0u64;
    match first {
        Work::Message(payload) => {
            write_frame(writer, &payload).await?;
            messages += 1;
        }
        Work::Ping => write_frame(writer, PING).await?,
    }
    for _ in 1..WRITE_BATCH {
        let Ok(payload) = queue.try_recv() else { break };
        counters.release(payload.len());
        write_frame(writer, &payload).await?;
        messages += 1;
    }
    writer.flush().await?;
    counters.sent.fetch_add(messages, Ordering::Relaxed);
    Ok(())
}

/// Reads frames and hands messages to the runtime until the connection
/// fails. Waiting for the runtime to take a message is not idleness: only
/// the wait for the peer's bytes is under `idle`.
async fn read_loop<M: DeserializeOwned>(
    read_half: OwnedReadHalf,
    peer: NodeId,
    inbound: mpsc::Sender<(NodeId, M)>,
    counters: Arc<PeerCounters>,
    max_frame: u32,
    idle: Duration,
) -> End {
    let mut reader = BufReader::new(read_half);
    loop {
        let payload = match read_frame(&mut reader, max_frame, idle).await {
            Ok(payload) => payload,
            Err(e) => {
                match &e {
                    FrameError::TooLarge { len, max } => {
                        PeerCounters::bump(&counters.oversize_frames);
                        tracing::warn!(
                            peer,
                            len,
                            max,
                            "peer sent a frame over the size limit: closing the connection"
                        );
                    }
                    FrameError::Decode(_) | FrameError::Idle(_) | FrameError::Io(_) => {}
                }
                return End::Lost(Lost::Read(e));
            }
        };
        match codec::decode::<FrameIn<M>>(&payload) {
            Ok(FrameIn::Msg(msg)) => {
                // Counted first, so that whoever takes the message sees it
                // counted.
                PeerCounters::bump(&counters.received);
                if inbound.send((peer, msg)).await.is_err() {
                    // The runtime dropped its receiver: nothing to do here.
                    return End::Stop;
                }
            }
            Ok(FrameIn::Ping) => {}
            Err(e) => {
                PeerCounters::bump(&counters.bad_frames);
                tracing::warn!(peer, error = %e, "undecodable frame from peer: closing the connection");
                return End::Lost(Lost::Read(FrameError::Decode(e)));
            }
        }
    }
}

#[derive(Debug)]
enum DialError {
    Connect(std::io::Error),
    ConnectTimeout,
    Handshake(HandshakeError),
}

impl std::fmt::Display for DialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DialError::Connect(e) => write!(f, "connect: {e}"),
            DialError::ConnectTimeout => write!(f, "connect timed out"),
            DialError::Handshake(e) => write!(f, "handshake: {e}"),
        }
    }
}

async fn dial(
    addr: SocketAddr,
    identity: &Identity,
    peer: NodeId,
    limits: &Limits,
) -> Result<TcpStream, DialError> {
    let mut stream = tokio::time::timeout(limits.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| DialError::ConnectTimeout)?
        .map_err(DialError::Connect)?;
    let _ = stream.set_nodelay(true);
    handshake::dial(&mut stream, identity, peer, limits.handshake_timeout)
        .await
        .map_err(DialError::Handshake)?;
    Ok(stream)
}
