//! zoo.cfg parsing, validation messages, overrides, local clusters.

use std::fs;
use std::path::Path;

use super::*;

/// The seed's zoo_sample.cfg with its dataDir edit (section 2.1), comments
/// included.
const SEED_STANDALONE: &str = "\
# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial
# synchronization phase can take
initLimit=10
# The number of ticks that can pass between
# sending a request and getting an acknowledgement
syncLimit=5
dataDir=DATADIR
# the port at which the clients will connect
clientPort=2181
#maxClientCnxns=60
#autopurge.snapRetainCount=3
#autopurge.purgeInterval=1
";

/// The seed's cluster (section 3.1): the sample plus three servers.
const SEED_CLUSTER_SERVERS: &str = "\
#######################cluster##########################
server.2=hadoop102:2888:3888
server.3=hadoop103:2888:3888
server.4=hadoop104:2888:3888
";

fn cfg_text(dir: &Path, extra: &str) -> String {
    SEED_STANDALONE.replace("DATADIR", &dir.display().to_string()) + extra
}

fn load(text: &str) -> Result<ServerConfig, ConfigError> {
    ServerConfig::from_zoo_cfg(text, &ConfigOverrides::default())
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn the_seeds_standalone_zoo_cfg_runs_standalone() {
    let dir = tmp();
    let c = load(&cfg_text(dir.path(), "")).expect("valid");
    assert!(c.is_standalone());
    assert_eq!((c.tick_time_ms, c.init_limit, c.sync_limit), (2000, 10, 5));
    assert_eq!((c.client_port, c.grpc_port), (2181, 2182));
    assert_eq!(c.protocol, ProtocolName::MultiPaxos);
    assert_eq!(c.my_id, 1);
    assert_eq!(c.members().into_iter().collect::<Vec<_>>(), vec![1]);
    assert_eq!(
        (c.min_session_timeout_ms, c.max_session_timeout_ms),
        (4000, 40000)
    );
    assert_eq!(c.tree_config().negotiate_timeout(1), 4000);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn the_seeds_cluster_zoo_cfg_reads_myid() {
    let dir = tmp();
    write_myid(dir.path(), 3).expect("myid");
    let c = load(&cfg_text(dir.path(), SEED_CLUSTER_SERVERS)).expect("valid");
    assert!(!c.is_standalone());
    assert_eq!(c.my_id, 3);
    assert_eq!(c.host(), "hadoop103");
    assert_eq!(c.grpc_endpoint(), "hadoop103:2182");
    let peers: Vec<(u64, String)> = c.peers().map(|(id, a)| (id, a.peer_endpoint())).collect();
    assert_eq!(
        peers,
        vec![
            (2, "hadoop102:2888".to_string()),
            (4, "hadoop104:2888".to_string())
        ]
    );
    let cc = c.cluster_config(4);
    assert_eq!(cc.members.len(), 3);
    assert_eq!((cc.init_limit, cc.sync_limit), (40, 20));
    // Every member derives the same cluster id from the same list.
    let other = tmp();
    write_myid(other.path(), 2).expect("myid");
    let c2 = load(&cfg_text(other.path(), SEED_CLUSTER_SERVERS)).expect("valid");
    assert_eq!(c.cluster_id, c2.cluster_id);
    assert!(c.cluster_id.starts_with("zoolab-"));
    let changed = SEED_CLUSTER_SERVERS.replace("hadoop104:2888", "hadoop105:2888");
    let c3 = load(&cfg_text(other.path(), &changed)).expect("valid");
    assert_ne!(c.cluster_id, c3.cluster_id);
}

#[test]
fn zoolab_keys_and_zookeeper_suffixes_are_read() {
    let dir = tmp();
    write_myid(dir.path(), 1).expect("myid");
    let text = cfg_text(
        dir.path(),
        "grpcPort=9000\nprotocol=multipaxos\nclusterId=prod-1\nextendedTypesEnabled=true\n\
         minSessionTimeout=1000\nmaxSessionTimeout=9000\n\
         server.1=10.0.0.1:2888:3888:participant;2181\n\
         server.2=[::1]:2888:3888;10.0.0.9:2191\n",
    );
    let c = load(&text).expect("valid");
    assert_eq!(c.grpc_port, 9000);
    assert_eq!(c.cluster_id, "prod-1");
    assert!(c.extended_types_enabled);
    assert_eq!(
        (c.min_session_timeout_ms, c.max_session_timeout_ms),
        (1000, 9000)
    );
    let two = &c.servers[&2];
    assert_eq!((two.host.as_str(), two.peer_port), ("::1", 2888));
    assert_eq!(
        (two.client_host.as_deref(), two.client_port),
        (Some("10.0.0.9"), Some(2191))
    );
    assert_eq!(two.peer_endpoint(), "[::1]:2888");
}

#[test]
fn max_client_cnxns_is_read_with_zookeepers_default_of_60() {
    let dir = tmp();
    assert_eq!(
        load(&cfg_text(dir.path(), ""))
            .expect("valid")
            .max_client_cnxns,
        60
    );
    let dir = tmp();
    let c = load(&cfg_text(dir.path(), "maxClientCnxns=0\n")).expect("valid");
    assert_eq!(c.max_client_cnxns, 0);
}

#[test]
fn unknown_keys_warn_and_zookeeper_keys_are_ignored() {
    let dir = tmp();
    let text = cfg_text(
        dir.path(),
        "dataLogDir=/tmp/x\nautopurge.purgeInterval=1\nsynclimit=3\nfrobnicate=1\n",
    );
    let c = load(&text).expect("unknown keys do not stop the server");
    assert_eq!(
        c.warnings,
        vec![
            ConfigWarning::Ignored {
                key: "dataLogDir".into()
            },
            ConfigWarning::Ignored {
                key: "autopurge.purgeInterval".into()
            },
            ConfigWarning::Unknown {
                key: "synclimit".into(),
                suggestion: Some("syncLimit")
            },
            ConfigWarning::Unknown {
                key: "frobnicate".into(),
                suggestion: None
            },
        ]
    );
    assert_eq!(
        c.warnings[2].to_string(),
        "zoo.cfg: unknown key synclimit ignored (did you mean syncLimit?)"
    );
}

/// Loads `extra` over the seed's sample and returns the error's message.
fn error_of(dir: &Path, extra: &str) -> (ConfigError, String) {
    let err = load(&cfg_text(dir, extra)).expect_err("must be refused");
    let msg = err.to_string();
    (err, msg)
}

#[test]
fn a_cluster_member_without_myid_is_told_how_to_create_it() {
    let dir = tmp();
    let (err, msg) = error_of(dir.path(), SEED_CLUSTER_SERVERS);
    assert!(matches!(err, ConfigError::MissingMyId { .. }), "{err:?}");
    let path = dir.path().join("myid").display().to_string();
    assert!(msg.contains(&format!("`echo 2 > {path}`")), "{msg}");
    assert!(msg.contains("lists servers 2, 3, 4"), "{msg}");
}

#[test]
fn myid_must_be_listed_and_numeric() {
    let dir = tmp();
    write_myid(dir.path(), 7).expect("myid");
    let (err, msg) = error_of(dir.path(), SEED_CLUSTER_SERVERS);
    assert!(
        matches!(err, ConfigError::IdNotInServerList { id: 7, .. }),
        "{err:?}"
    );
    assert!(
        msg.contains("add a server.7=host:peerPort:electionPort line"),
        "{msg}"
    );
    // One server listed is standalone, but a myid naming another is a mistake.
    let (err, _) = error_of(dir.path(), "server.1=localhost:2888:3888\n");
    assert!(
        matches!(err, ConfigError::IdNotInServerList { id: 7, .. }),
        "{err:?}"
    );
    fs::write(dir.path().join("myid"), "two\n").expect("write");
    let (err, msg) = error_of(dir.path(), SEED_CLUSTER_SERVERS);
    assert!(matches!(err, ConfigError::InvalidMyId { .. }), "{err:?}");
    assert!(msg.contains("holds \"two\""), "{msg}");
}

#[test]
fn duplicate_ports_name_both_listeners() {
    let dir = tmp();
    write_myid(dir.path(), 1).expect("myid");
    let (err, msg) = error_of(
        dir.path(),
        "server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2888:3889\n",
    );
    assert!(
        matches!(err, ConfigError::DuplicateAddress { .. }),
        "{err:?}"
    );
    assert_eq!(
        msg,
        "server.1's peer port and server.2's peer port both use 127.0.0.1:2888: give each listener its own port"
    );
    let (_, msg) = error_of(dir.path(), "grpcPort=2181\n");
    assert!(msg.starts_with("clientPort and grpcPort both use"), "{msg}");
    let (_, msg) = error_of(
        dir.path(),
        "server.1=127.0.0.1:2181:3888\nserver.2=127.0.0.1:2889:3889\n",
    );
    assert!(msg.contains("clientPort and server.1's peer port"), "{msg}");
    let (_, msg) = error_of(dir.path(), "server.1=h:2888:3888\nserver.01=h2:2888:3888\n");
    assert!(msg.contains("server 1 is already listed"), "{msg}");
    let (err, msg) = error_of(dir.path(), "clientPort=2182\n");
    assert!(
        matches!(err, ConfigError::DuplicateKey { first_line: 11, .. }),
        "{err:?}"
    );
    assert!(
        msg.contains("clientPort is already set on line 11"),
        "{msg}"
    );
}

#[test]
fn unknown_protocols_are_refused_by_name() {
    let dir = tmp();
    let (err, msg) = error_of(dir.path(), "protocol=raft\n");
    assert!(matches!(err, ConfigError::Protocol { .. }), "{err:?}");
    assert_eq!(
        msg,
        "protocol: unknown protocol \"raft\": use one of multipaxos, zab, paxos"
    );
}

#[test]
fn bad_values_name_the_key_and_what_it_accepts() {
    let dir = tmp();
    let text = SEED_STANDALONE.replace("DATADIR", &dir.path().display().to_string());
    let cases = [
        (
            "tickTime=2000",
            "tickTime=2s",
            "tickTime=2s is not valid: tickTime must be a whole number",
        ),
        (
            "initLimit=10",
            "initLimit=0",
            "initLimit=0 is not valid: initLimit must be a whole number from 1",
        ),
        (
            "syncLimit=5",
            "syncLimit=-1",
            "syncLimit=-1 is not valid: syncLimit must be a whole number from 1",
        ),
        (
            "clientPort=2181",
            "clientPort=70000",
            "clientPort=70000 is not valid: clientPort must be a port number from 1 to 65535",
        ),
        (
            "clientPort=2181",
            "clientPort=2181\nextendedTypesEnabled=maybe",
            "extendedTypesEnabled=maybe is not valid: extendedTypesEnabled must be true or false",
        ),
        (
            "clientPort=2181",
            "clientPort=2181\nserver.1=h:2888",
            "server.1=h:2888 is not valid: expected a host, a peer port and an election port",
        ),
        (
            "clientPort=2181",
            "clientPort=2181\nserver.x=h:1:2",
            "\"x\" is not a server id",
        ),
        (
            "clientPort=2181",
            "clientPort=2181\nserver.1=h:1:2:observer",
            "server.1: zoolab has no observers",
        ),
        (
            "clientPort=2181",
            "clientPort=2181\npeerType=observer",
            "peerType: zoolab has no observers",
        ),
        (
            "clientPort=2181",
            "clientPort=2181\nminSessionTimeout=50000",
            "minSessionTimeout: 50000 ms is above maxSessionTimeout (40000 ms)",
        ),
        (
            "clientPort=2181",
            "clientPort=2181\nno equals sign",
            "zoo.cfg line 12: \"no equals sign\" is not `key=value`",
        ),
        (
            "clientPort=2181",
            "",
            "clientPort is not set: add clientPort=2181",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(text.contains(from));
        let err = load(&text.replacen(from, to, 1)).expect_err(to);
        assert!(err.to_string().contains(expected), "{to}: {err}");
    }
    let missing = ServerConfig::load(&dir.path().join("nope.cfg"), &ConfigOverrides::default())
        .expect_err("no file");
    assert!(
        matches!(missing, ConfigError::ReadFile { .. }),
        "{missing:?}"
    );
    assert!(
        missing
            .to_string()
            .starts_with("cannot read the configuration"),
        "{missing}"
    );
    let no_dir = SEED_STANDALONE.replace("dataDir=DATADIR\n", "");
    let err = load(&no_dir).expect_err("no dataDir");
    assert!(
        err.to_string()
            .starts_with("dataDir is not set: add dataDir="),
        "{err}"
    );
}

#[test]
fn an_unusable_data_dir_is_refused_with_the_reason() {
    let dir = tmp();
    let file = dir.path().join("a-file");
    fs::write(&file, "x").expect("write");
    let (err, msg) = error_of(&file, "");
    assert!(matches!(err, ConfigError::DataDir { .. }), "{err:?}");
    assert!(msg.contains("not a directory"), "{msg}");
    // A dataDir below a file cannot be created.
    let (err, msg) = error_of(&file.join("data"), "");
    assert!(matches!(err, ConfigError::DataDir { .. }), "{err:?}");
    assert!(msg.contains("cannot create it"), "{msg}");
    // A missing one is created, as ZooKeeper does.
    let fresh = dir.path().join("fresh/data");
    load(&cfg_text(&fresh, "")).expect("created");
    assert!(fresh.is_dir());
}

#[test]
fn flags_override_the_file() {
    let dir = tmp();
    let other = tmp();
    let overrides = ConfigOverrides {
        my_id: Some(4),
        protocol: Some(ProtocolName::MultiPaxos),
        data_dir: Some(other.path().to_path_buf()),
        client_port: Some(3181),
        grpc_port: Some(4000),
        tick_time_ms: Some(100),
        init_limit: Some(3),
        sync_limit: Some(2),
        cluster_id: Some("test".into()),
        extended_types_enabled: Some(true),
    };
    let c = ServerConfig::from_zoo_cfg(&cfg_text(dir.path(), SEED_CLUSTER_SERVERS), &overrides)
        .expect("valid without any myid file: --myid given");
    assert_eq!(c.my_id, 4);
    assert_eq!(c.data_dir, other.path());
    assert_eq!((c.client_port, c.grpc_port), (3181, 4000));
    assert_eq!((c.tick_time_ms, c.init_limit, c.sync_limit), (100, 3, 2));
    assert_eq!(
        (c.min_session_timeout_ms, c.max_session_timeout_ms),
        (200, 2000)
    );
    assert_eq!(c.cluster_id, "test");
    assert!(c.extended_types_enabled);
    let zero = ConfigOverrides {
        sync_limit: Some(0),
        ..ConfigOverrides::default()
    };
    let err = ServerConfig::from_zoo_cfg(&cfg_text(dir.path(), ""), &zero).expect_err("zero");
    assert_eq!(err.to_string(), "syncLimit: must be at least 1 tick");
}

fn ports(base: u16, n: u16) -> Vec<NodePorts> {
    (0..n)
        .map(|i| NodePorts {
            client: base + 10 * i,
            grpc: base + 10 * i + 1,
            peer: base + 10 * i + 2,
            election: base + 10 * i + 3,
        })
        .collect()
}

#[test]
fn a_local_cluster_writes_myid_and_its_zoo_cfg_loads_back_identically() {
    let base = tmp();
    let configs = ServerConfig::local_cluster(3, base.path(), &ports(30000, 3)).expect("local");
    assert_eq!(configs.len(), 3);
    for c in &configs {
        assert_eq!(read_myid(&c.data_dir).expect("readable"), Some(c.my_id));
        assert_eq!(c.members().len(), 3);
        assert_eq!(c.host(), "127.0.0.1");
        let path = base.path().join(format!("zoo{}.cfg", c.my_id));
        c.write_zoo_cfg(&path).expect("write");
        let loaded = ServerConfig::load(&path, &ConfigOverrides::default()).expect("loads");
        assert_eq!(&loaded, c);
    }
    assert_eq!(configs[0].cluster_id, configs[2].cluster_id);
    assert_ne!(configs[0].data_dir, configs[1].data_dir);
    let one =
        ServerConfig::local_cluster(1, &base.path().join("one"), &ports(31000, 1)).expect("one");
    assert!(one[0].is_standalone());
    let err = ServerConfig::local_cluster(3, base.path(), &ports(30000, 2)).expect_err("ports");
    assert!(
        err.to_string()
            .contains("3 servers need 3 sets of ports, 2 given"),
        "{err}"
    );
    let mut clash = ports(30000, 2);
    clash[1].peer = clash[0].peer;
    let err = ServerConfig::local_cluster(2, base.path(), &clash).expect_err("clash");
    assert!(
        matches!(err, ConfigError::DuplicateAddress { .. }),
        "{err:?}"
    );
}
