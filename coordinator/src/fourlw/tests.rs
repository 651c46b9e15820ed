//! The words against ZooKeeper 3.8's own output (testdata/: captured from a
//! standalone server and a 3-server ensemble), line by line: the same
//! lines in the same order, numbers where ZooKeeper prints numbers.

use std::net::SocketAddr;

use super::snapshot::{ConnectionSession, Latency, Member, QuorumConf};
use super::words::{java_double, mntr_pairs};
use super::*;

const SRVR: &str = include_str!("testdata/srvr.txt");
const STAT: &str = include_str!("testdata/stat.txt");
const CONS: &str = include_str!("testdata/cons.txt");
const CONF: &str = include_str!("testdata/conf.txt");
const DIRS: &str = include_str!("testdata/dirs.txt");
const WCHS: &str = include_str!("testdata/wchs.txt");
const ENVI: &str = include_str!("testdata/envi.txt");
const MNTR: &str = include_str!("testdata/mntr.txt");
const RUOK: &str = include_str!("testdata/ruok.txt");
const ISRO: &str = include_str!("testdata/isro.txt");
const LEADER: &str = include_str!("testdata/4lw_ensemble_leader.txt");
const FOLLOWER: &str = include_str!("testdata/4lw_ensemble_follower.txt");

/// One word's output in a transcript of `$ echo WORD | nc …` commands (the
/// transcript adds a newline after each output: dropped).
fn section<'a>(transcript: &'a str, word: &str) -> &'a str {
    let start = transcript
        .find(&format!("$ echo {word} "))
        .unwrap_or_else(|| panic!("{word} in the transcript"));
    let body = &transcript[start..];
    let body = &body[body.find('\n').expect("a command line") + 1..];
    let end = body.find("\n$ echo ").map_or(body.len(), |e| e + 1);
    body[..end].strip_suffix('\n').unwrap_or(&body[..end])
}

/// A line with its values abstracted: digit runs become `9`, the version
/// after `3.8.0-` and directory paths are elided.
fn shape(line: &str) -> String {
    if let Some(at) = line.find("3.8.0-") {
        return format!("{}3.8.0-V", &line[..at]);
    }
    for key in ["dataDir=", "dataLogDir="] {
        if line.starts_with(key) {
            return format!("{key}PATH");
        }
    }
    // Numbers (signed decimal, or hex after 0x) become 9.
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let number_start = chars[i].is_ascii_digit()
            || (chars[i] == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !number_start {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let hex = chars[i] == '0' && chars.get(i + 1) == Some(&'x');
        i += if hex { 2 } else { 1 };
        while i < chars.len()
            && (chars[i].is_ascii_digit() || (hex && chars[i].is_ascii_hexdigit()))
        {
            i += 1;
        }
        out.push_str(if hex { "0x9" } else { "9" });
    }
    out
}

fn assert_same_shape(ours: &str, theirs: &str) {
    let ours: Vec<String> = ours.split('\n').map(shape).collect();
    let theirs: Vec<String> = theirs.split('\n').map(shape).collect();
    assert_eq!(ours, theirs, "zoolab's lines vs ZooKeeper's");
}

fn all_words() -> Whitelist {
    Whitelist::parse("*")
}

fn say(word: &[u8; 4], s: &ServerSnapshot) -> String {
    respond(word, s, &all_words()).expect("a four-letter word")
}

fn ensemble(mode: Mode) -> ServerSnapshot {
    let mut s = ServerSnapshot::example();
    s.mode = mode;
    s.quorum_size = 3;
    s.synced_followers = 2;
    s.conf.server_id = 3;
    s.conf.quorum = Some(QuorumConf {
        init_limit: 10,
        sync_limit: 5,
        election_port: 3890,
        quorum_port: 2890,
        members: (1..=3)
            .map(|id| Member {
                id,
                host: "127.0.0.1".into(),
                peer_port: 2887 + id as u16,
                election_port: 3887 + id as u16,
                client_port: None,
            })
            .collect(),
    });
    s
}

#[test]
fn ruok_and_isro_match_byte_for_byte() {
    let s = ServerSnapshot::example();
    assert_eq!(say(b"ruok", &s), RUOK);
    assert_eq!(say(b"isro", &s), ISRO);
}

#[test]
fn srvr_and_stat_of_a_standalone_server_have_zookeepers_lines() {
    let s = ServerSnapshot::example();
    assert_same_shape(&say(b"srvr", &s), SRVR);
    assert_same_shape(&say(b"stat", &s), STAT);
    assert!(say(b"srvr", &s).contains("\nMode: standalone\n"));
}

#[test]
fn a_leaders_srvr_and_stat_add_proposal_sizes() {
    let s = ensemble(Mode::Leader);
    assert_same_shape(&say(b"srvr", &s), section(LEADER, "srvr"));
    assert_same_shape(&say(b"stat", &s), section(LEADER, "stat"));
    let follower = ensemble(Mode::Follower);
    assert_same_shape(&say(b"srvr", &follower), section(FOLLOWER, "srvr"));
}

#[test]
fn a_peers_srvr_names_its_session_keeper_and_only_a_peers_does() {
    let mut peer = ensemble(Mode::Peer);
    peer.session_keeper = Some(2);
    let srvr = say(b"srvr", &peer);
    assert!(srvr.contains("\nMode: peer\nNode count: "), "{srvr}");
    assert!(srvr.ends_with("Session keeper: server.2\n"), "{srvr}");
    let mut leader = ensemble(Mode::Leader);
    leader.session_keeper = Some(1);
    assert!(!say(b"srvr", &leader).contains("Session keeper"));
}

#[test]
fn cons_wchs_dirs_match_zookeepers_lines() {
    let s = ServerSnapshot::example();
    assert_same_shape(&say(b"cons", &s), CONS);
    assert_same_shape(&say(b"wchs", &s), WCHS);
    assert_same_shape(&say(b"dirs", &s), DIRS);
    let leader = ensemble(Mode::Leader);
    assert_same_shape(&say(b"wchs", &leader), section(LEADER, "wchs"));
    assert_same_shape(&say(b"dirs", &leader), section(LEADER, "dirs"));
}

#[test]
fn cons_details_a_connection_with_a_session() {
    let mut s = ServerSnapshot::example();
    s.clients.connections[0].session = Some(ConnectionSession {
        id: 0x1000,
        last_op: "GETD".into(),
        established_ms: 1_700_000_000_000,
        timeout_ms: 30_000,
        last_cxid: 5,
        last_zxid: 0x4e,
        last_response_ms: 1_700_000_000_500,
        last_latency: 1,
        latency: Latency {
            min: 0,
            avg: 0.5,
            max: 1,
        },
    });
    let text = say(b"cons", &s);
    let line = text.lines().next().expect("a connection");
    assert_eq!(
        line,
        " /127.0.0.1:41164[0](queued=0,recved=1,sent=0,sid=0x1000,lop=GETD,\
         est=1700000000000,to=30000,lcxid=0x5,lzxid=0x4e,lresp=1700000000500,\
         llat=1,minlat=0,avglat=0.5,maxlat=1)"
    );
}

#[test]
fn conf_matches_standalone_and_ensemble_layouts() {
    assert_same_shape(&say(b"conf", &ServerSnapshot::example()), CONF);
    assert_same_shape(
        &say(b"conf", &ensemble(Mode::Leader)),
        section(LEADER, "conf"),
    );
}

/// mntr: every `zk_*` key zoolab prints is one ZooKeeper prints in that
/// mode, in ZooKeeper's order, with a value of the same shape.
fn assert_mntr_like(s: &ServerSnapshot, capture: &str) {
    let theirs: Vec<(&str, &str)> = capture.lines().filter_map(|l| l.split_once('\t')).collect();
    let mut last = 0;
    for (key, value) in mntr_pairs(s) {
        if !key.starts_with("zk_") {
            assert!(key.starts_with("zoolab_"), "{key}");
            continue;
        }
        let at = theirs
            .iter()
            .position(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("ZooKeeper prints no {key} in {:?} mode", s.mode));
        assert!(at >= last, "{key} out of ZooKeeper's order");
        last = at;
        assert_eq!(shape(&value), shape(theirs[at].1), "{key}'s value");
    }
    let text = say(b"mntr", s);
    assert!(text.lines().all(|l| l.split('\t').count() == 2), "{text}");
    assert!(text.ends_with('\n'));
}

#[test]
fn mntr_keys_follow_zookeeper_in_every_mode() {
    let mut s = ServerSnapshot::example();
    s.clients.latency.avg = 2.7521;
    assert_mntr_like(&s, MNTR);
    assert_mntr_like(&ensemble(Mode::Leader), section(LEADER, "mntr"));
    let mut follower = ensemble(Mode::Follower);
    follower.clients.latency.avg = 2.5155;
    assert_mntr_like(&follower, section(FOLLOWER, "mntr"));
    // Leader-only keys stay with the leader.
    let keys: Vec<&str> = mntr_pairs(&follower).iter().map(|(k, _)| *k).collect();
    assert!(!keys.contains(&"zk_synced_followers"));
    assert!(keys.contains(&"zk_peer_state"));
}

#[test]
fn mntr_reports_zoolabs_counters() {
    let mut s = ServerSnapshot::example();
    s.traffic.messages_sent = 12;
    s.traffic.bytes_received = 3400;
    s.traffic.commits = 4;
    let text = say(b"mntr", &s);
    for line in [
        "zoolab_messages_sent\t12",
        "zoolab_bytes_received\t3400",
        "zoolab_commits\t4",
        "zoolab_protocol\tzab",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in {text}");
    }
}

#[test]
fn envi_lists_keys_zookeeper_lists() {
    let s = ServerSnapshot::example();
    let mut env = s.clone();
    env.env = vec![
        ("zookeeper.version".into(), version_string()),
        ("host.name".into(), "localhost".into()),
        ("os.name".into(), "Linux".into()),
    ];
    let ours = say(b"envi", &env);
    let keys: Vec<&str> = ENVI
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    assert_eq!(ours.lines().next(), ENVI.lines().next());
    for line in ours.lines().skip(1) {
        let (key, _) = line.split_once('=').expect("key=value");
        assert!(keys.contains(&key), "{key}");
    }
}

#[test]
fn the_default_whitelist_allows_srvr_only() {
    let s = ServerSnapshot::example();
    let default = Whitelist::default();
    assert!(respond(b"srvr", &s, &default).is_some_and(|a| a.starts_with("Zookeeper version: ")));
    for word in WORDS.iter().filter(|w| **w != "srvr") {
        let bytes: [u8; 4] = word.as_bytes().try_into().expect("four letters");
        assert_eq!(
            respond(&bytes, &s, &default),
            Some(format!(
                "{word} is not executed because it is not in the whitelist.\n"
            ))
        );
    }
}

#[test]
fn whitelists_parse_as_zookeeper_reads_them() {
    let w = Whitelist::parse("stat, ruok , conf,isro");
    assert!(w.allows("ruok") && w.allows("isro") && w.allows("stat"));
    assert!(!w.allows("srvr") && !w.allows("mntr"));
    assert_eq!(Whitelist::parse("srvr,*"), Whitelist::All);
    let cfg = "tickTime=2000\n# 4lw.commands.whitelist=*\n4lw.commands.whitelist = mntr, srvr\n";
    let w = Whitelist::from_zoo_cfg(cfg);
    assert!(w.allows("mntr") && w.allows("srvr") && !w.allows("ruok"));
    assert_eq!(
        Whitelist::from_zoo_cfg("tickTime=2000\n"),
        Whitelist::default()
    );
}

#[test]
fn unknown_bytes_are_not_words_and_unsupported_words_are_refused() {
    let s = ServerSnapshot::example();
    assert_eq!(respond(b"\0\0\0\x2c", &s, &all_words()), None);
    assert_eq!(respond(b"RUOK", &s, &all_words()), None);
    assert_eq!(
        respond(b"wchc", &s, &all_words()).as_deref(),
        Some("wchc is not executed because it is not in the whitelist.\n")
    );
}

#[test]
fn a_server_that_is_not_serving_says_so() {
    let mut s = ServerSnapshot::example();
    s.serving = false;
    s.mode = Mode::Looking;
    assert_eq!(say(b"ruok", &s), "imok");
    assert_eq!(say(b"isro", &s), "null");
    for word in [
        b"srvr", b"stat", b"mntr", b"cons", b"wchs", b"dirs", b"conf",
    ] {
        assert_eq!(say(word, &s), format!("{NOT_SERVING}\n"));
    }
    assert!(say(b"envi", &s).starts_with("Environment:\n"));
}

#[test]
fn averages_print_as_java_doubles() {
    assert_eq!(java_double(0.0), "0.0");
    assert_eq!(java_double(2.5), "2.5");
    assert_eq!(java_double(2.752_149), "2.7521");
    assert_eq!(java_double(12.0), "12.0");
}

#[test]
fn the_remote_address_prints_as_javas_inet_socket_address() {
    let mut s = ServerSnapshot::example();
    let addr: SocketAddr = ([10, 0, 0, 7], 5000).into();
    s.clients.connections[0].remote = addr;
    assert!(say(b"cons", &s).starts_with(" /10.0.0.7:5000[0](queued=0,"));
}
