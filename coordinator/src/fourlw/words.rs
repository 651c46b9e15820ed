//! The text of each word, byte for byte as ZooKeeper 3.8 prints it
//! (NIOServerCnxn's commands: StatCommand, MonitorCommand, ConfCommand…).

use std::fmt::Write;

use super::NOT_SERVING;
use super::snapshot::{Connection, Mode, ServerSnapshot};

/// The answer to a known, whitelisted word.
pub(super) fn answer(word: &str, s: &ServerSnapshot) -> String {
    let needs_tree = !matches!(word, "ruok" | "envi" | "isro");
    if needs_tree && !s.serving {
        return format!("{NOT_SERVING}\n");
    }
    match word {
        "ruok" => "imok".to_owned(),
        "srvr" => stat(s, false),
        "stat" => stat(s, true),
        "mntr" => mntr(s),
        "conf" => conf(s),
        "cons" => cons(s),
        "envi" => envi(s),
        "isro" => if s.serving { "rw" } else { "null" }.to_owned(),
        "wchs" => format!(
            "{} connections watching {} paths\nTotal watches:{}\n",
            s.watches.sessions, s.watches.paths, s.watches.watches
        ),
        "dirs" => format!(
            "datadir_size: {}\nlogdir_size: {}\n",
            s.conf.data_dir_size, s.conf.data_dir_size
        ),
        _ => String::new(),
    }
}

/// A double as Java's `Double.toString` prints the 4-decimal values
/// ServerStats computes: `0.0`, `2.5`, `2.7521`.
pub(super) fn java_double(v: f64) -> String {
    let rounded = (v * 10_000.0).round() / 10_000.0;
    let text = format!("{rounded}");
    if text.contains('.') || text.contains("inf") || text.contains("NaN") {
        text
    } else {
        format!("{text}.0")
    }
}

fn stat(s: &ServerSnapshot, with_clients: bool) -> String {
    let c = &s.clients;
    let mut out = format!("Zookeeper version: {}\n", s.version);
    if with_clients {
        out.push_str("Clients:\n");
        for conn in &c.connections {
            connection(&mut out, conn, true);
            out.push('\n');
        }
        out.push('\n');
    }
    let _ = write!(
        out,
        "Latency min/avg/max: {}/{}/{}\nReceived: {}\nSent: {}\nConnections: {}\n\
         Outstanding: {}\nZxid: 0x{:x}\nMode: {}\nNode count: {}\n",
        c.latency.min,
        java_double(c.latency.avg),
        c.latency.max,
        c.packets_received,
        c.packets_sent,
        c.connections.len(),
        c.outstanding,
        s.zxid,
        s.mode.name(),
        s.node_count,
    );
    if s.mode == Mode::Leader {
        // zoolab does not track proposal sizes: ZooKeeper's "none yet".
        out.push_str("Proposal sizes last/min/max: -1/-1/-1\n");
    }
    if let (Mode::Peer, Some(keeper)) = (s.mode, s.session_keeper) {
        // zoolab's own line: with no leader, who expires sessions is news.
        let _ = writeln!(out, "Session keeper: server.{keeper}");
    }
    out
}

/// ServerCnxn.dumpConnectionInfo.
fn connection(out: &mut String, c: &Connection, brief: bool) {
    let _ = write!(
        out,
        " /{}[0](queued={},recved={},sent={}",
        c.remote, c.queued, c.received, c.sent
    );
    if let (false, Some(session)) = (brief, &c.session) {
        let _ = write!(
            out,
            ",sid=0x{:x},lop={},est={},to={}",
            session.id, session.last_op, session.established_ms, session.timeout_ms
        );
        if session.last_cxid >= 0 {
            let _ = write!(out, ",lcxid=0x{:x}", session.last_cxid);
        }
        let _ = write!(
            out,
            ",lzxid=0x{:x},lresp={},llat={},minlat={},avglat={},maxlat={}",
            session.last_zxid,
            session.last_response_ms,
            session.last_latency,
            session.latency.min,
            java_double(session.latency.avg),
            session.latency.max
        );
    }
    out.push(')');
}

fn cons(s: &ServerSnapshot) -> String {
    let mut out = String::new();
    for conn in &s.clients.connections {
        connection(&mut out, conn, false);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// mntr's lines, in the order ZooKeeper 3.8 prints those keys.
pub(super) fn mntr_pairs(s: &ServerSnapshot) -> Vec<(&'static str, String)> {
    let c = &s.clients;
    let quorum = s.mode != Mode::Standalone;
    let leader = s.mode == Mode::Leader;
    let mut kv: Vec<(&'static str, String)> = vec![
        ("zk_version", s.version.clone()),
        ("zk_server_state", s.mode.name().to_owned()),
    ];
    if quorum {
        kv.push(("zk_peer_state", s.mode.peer_state().to_owned()));
    }
    kv.extend([
        ("zk_ephemerals_count", s.ephemerals.to_string()),
        ("zk_num_alive_connections", c.connections.len().to_string()),
        ("zk_avg_latency", java_double(c.latency.avg)),
        ("zk_outstanding_requests", c.outstanding.to_string()),
        ("zk_znode_count", s.node_count.to_string()),
        ("zk_global_sessions", s.global_sessions.to_string()),
        ("zk_packets_sent", c.packets_sent.to_string()),
        ("zk_packets_received", c.packets_received.to_string()),
    ]);
    if leader {
        kv.push(("zk_synced_followers", s.synced_followers.to_string()));
    }
    kv.extend([
        ("zk_watch_count", s.watches.watches.to_string()),
        ("zk_min_latency", c.latency.min.to_string()),
        ("zk_max_file_descriptor_count", s.max_fds.to_string()),
        (
            "zk_approximate_data_size",
            s.approximate_data_size.to_string(),
        ),
        ("zk_open_file_descriptor_count", s.open_fds.to_string()),
        ("zk_uptime", c.uptime_ms.to_string()),
        ("zk_max_latency", c.latency.max.to_string()),
    ]);
    if leader {
        kv.push(("zk_learners", s.synced_followers.to_string()));
    }
    if quorum {
        kv.push(("zk_quorum_size", s.quorum_size.to_string()));
    }
    let t = &s.traffic;
    kv.extend([
        ("zoolab_protocol", s.protocol.clone()),
        ("zoolab_messages_sent", t.messages_sent.to_string()),
        ("zoolab_messages_received", t.messages_received.to_string()),
        ("zoolab_bytes_sent", t.bytes_sent.to_string()),
        ("zoolab_bytes_received", t.bytes_received.to_string()),
        ("zoolab_commits", t.commits.to_string()),
    ]);
    kv
}

fn mntr(s: &ServerSnapshot) -> String {
    let mut out = String::new();
    for (k, v) in mntr_pairs(s) {
        let _ = writeln!(out, "{k}\t{v}");
    }
    out
}

/// ZooKeeperServer.dumpConf, and QuorumZooKeeperServer's additions.
fn conf(s: &ServerSnapshot) -> String {
    let c = &s.conf;
    let dir = c.data_dir.display();
    let mut out = format!(
        "clientPort={}\nsecureClientPort=-1\ndataDir={dir}\ndataDirSize={}\n\
         dataLogDir={dir}\ndataLogSize={}\ntickTime={}\nmaxClientCnxns={}\n\
         minSessionTimeout={}\nmaxSessionTimeout={}\nclientPortListenBacklog=-1\nserverId={}\n",
        c.client_port,
        c.data_dir_size,
        c.data_dir_size,
        c.tick_time_ms,
        c.max_client_cnxns,
        c.min_session_timeout_ms,
        c.max_session_timeout_ms,
        c.server_id,
    );
    if let Some(q) = &c.quorum {
        let _ = write!(
            out,
            "initLimit={}\nsyncLimit={}\nelectionAlg=3\nelectionPort={}\nquorumPort={}\n\
             peerType=0\nmembership: \n",
            q.init_limit, q.sync_limit, q.election_port, q.quorum_port
        );
        for m in &q.members {
            let _ = write!(
                out,
                "server.{}={}:{}:{}:participant",
                m.id, m.host, m.peer_port, m.election_port
            );
            if let Some(port) = m.client_port {
                let _ = write!(out, ";{}:{port}", m.host);
            }
            out.push('\n');
        }
        // QuorumVerifier.toString ends without a newline.
        out.push_str("version=0");
    }
    out
}

fn envi(s: &ServerSnapshot) -> String {
    let mut out = "Environment:\n".to_owned();
    for (k, v) in &s.env {
        let _ = writeln!(out, "{k}={v}");
    }
    out
}
