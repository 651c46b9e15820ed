//! ACLs and authentication over gRPC, end to end: addauth digest, the
//! `auth`, `digest`, `ip` and `world` schemes, NoAuth / InvalidACL /
//! BadVersion / AuthFailed, and identities replayed when a client moves to
//! another server (fixture: `t30_grpc_cluster`, three in-process nodes).

mod t20_runtime_cluster;
mod t30_grpc_cluster;

use coordinator::acl::perms;
use coordinator::api::pb;
use coordinator::api::pb::zoo_lab_client::ZooLabClient;
use coordinator::auth::generate_digest;
use coordinator::client::{Client, KeeperState};
use coordinator::{Acl, CreateMode, CreateRequest, ErrorCode, Id};

use t20_runtime_cluster::PATIENCE;
use t30_grpc_cluster::{GrpcCluster, SESSION, code, wait_state};

fn alice() -> Id {
    Id::new("digest", generate_digest("alice:secret"))
}

fn with_acl(path: &str, acl: Vec<Acl>) -> CreateRequest {
    CreateRequest::new(path, Some(b"v".to_vec()), CreateMode::Persistent).with_acl(acl)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_identities_guard_nodes_and_get_acl_hides_them_from_non_admins() {
    let c = GrpcCluster::start().await;
    let owner = c.client(1).await;
    let other = c.client(2).await;
    owner
        .add_auth("digest", b"alice:secret")
        .await
        .expect("addauth digest");

    // `auth` expands to the session's digest identity (not its ip).
    let auth_acl = vec![Acl::new(perms::ALL, Id::new("auth", ""))];
    owner
        .create_with(with_acl("/secret", auth_acl))
        .await
        .expect("create with the auth scheme");
    let (acl, stat) = owner.get_acl("/secret").await.expect("owner reads the ACL");
    assert_eq!(acl, vec![Acl::new(perms::ALL, alice())]);
    assert_eq!(stat.aversion, 0);

    // Another session has no identity but its address. (It reads from
    // another server: sync first, reads may lag.)
    other.sync("/secret").await.expect("sync");
    assert_eq!(
        code(other.get_data("/secret", false).await),
        ErrorCode::NoAuth
    );
    assert_eq!(
        code(other.set_data("/secret", b"x", -1).await),
        ErrorCode::NoAuth
    );
    assert_eq!(
        code(
            other
                .create("/secret/child", b"", CreateMode::Persistent)
                .await
        ),
        ErrorCode::NoAuth
    );
    assert_eq!(
        code(other.get_children("/secret", false).await),
        ErrorCode::NoAuth
    );
    assert_eq!(code(other.get_acl("/secret").await), ErrorCode::NoAuth);
    assert_eq!(
        code(other.set_acl("/secret", Acl::open_unsafe(), -1).await),
        ErrorCode::NoAuth
    );
    // exists checks no permission in ZooKeeper 3.8.
    assert!(
        other
            .exists("/secret", false)
            .await
            .expect("exists")
            .is_some()
    );

    // setACL with the ACL version: a stale one is BadVersion.
    let readable = vec![
        Acl::new(perms::ALL, alice()),
        Acl::new(perms::READ, Id::anyone()),
    ];
    let stat = owner
        .set_acl("/secret", readable.clone(), 0)
        .await
        .expect("setAcl at aversion 0");
    assert_eq!(stat.aversion, 1);
    assert_eq!(
        code(owner.set_acl("/secret", readable, 0).await),
        ErrorCode::BadVersion
    );
    // Readers without ADMIN see the digest without its hash.
    other.sync("/secret").await.expect("sync");
    let (acl, _) = other
        .get_acl("/secret")
        .await
        .expect("READ lets getAcl through");
    assert_eq!(acl[0].id, Id::new("digest", "alice:x"));
    let (data, _) = other
        .get_data("/secret", false)
        .await
        .expect("world may read now");
    assert_eq!(data.as_deref(), Some(&b"v"[..]));

    // The same credentials prove the same identity to another session.
    other
        .add_auth("digest", b"alice:secret")
        .await
        .expect("addauth");
    other
        .set_data("/secret", b"w", -1)
        .await
        .expect("alice writes");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_acls_are_refused_before_anything_changes() {
    let c = GrpcCluster::start().await;
    let client = c.client(1).await;
    let invalid = [
        vec![],
        vec![Acl::new(perms::ALL, Id::new("auth", ""))],
        vec![Acl::new(perms::ALL, Id::new("world", "someone"))],
        vec![Acl::new(perms::ALL, Id::new("digest", "no-hash"))],
        vec![Acl::new(perms::ALL, Id::new("ip", "300.0.0.1"))],
        vec![Acl::new(perms::ALL, Id::new("ip", "10.0.0.0/40"))],
        vec![Acl::new(perms::ALL, Id::new("kerberos", "x"))],
    ];
    for acl in invalid {
        assert_eq!(
            code(client.create_with(with_acl("/bad", acl.clone())).await),
            ErrorCode::InvalidAcl,
            "{acl:?}"
        );
    }
    assert!(
        client
            .exists("/bad", false)
            .await
            .expect("exists")
            .is_none()
    );
    client
        .create("/n", b"", CreateMode::Persistent)
        .await
        .expect("create");
    assert_eq!(
        code(client.set_acl("/n", vec![], -1).await),
        ErrorCode::InvalidAcl
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_and_world_acls() {
    let c = GrpcCluster::start().await;
    let client = c.client(1).await;
    // Every request carries ip:127.0.0.1, the address it came from.
    let local = vec![Acl::new(perms::ALL, Id::new("ip", "127.0.0.1"))];
    client
        .create_with(with_acl("/local", local))
        .await
        .expect("create ip ACL");
    client
        .set_data("/local", b"mine", -1)
        .await
        .expect("127.0.0.1 may write");
    let prefix = vec![Acl::new(perms::ALL, Id::new("ip", "127.0.0.0/8"))];
    client
        .create_with(with_acl("/local/net", prefix))
        .await
        .expect("create under it");
    client
        .get_data("/local/net", false)
        .await
        .expect("in 127/8");
    let elsewhere = vec![Acl::new(perms::ALL, Id::new("ip", "10.0.0.0/8"))];
    client
        .create_with(with_acl("/remote", elsewhere))
        .await
        .expect("create");
    assert_eq!(
        code(client.get_data("/remote", false).await),
        ErrorCode::NoAuth
    );
    // world:anyone with READ only: everyone reads, nobody writes.
    client
        .create_with(with_acl("/ro", Acl::read_unsafe()))
        .await
        .expect("create read-only");
    client.get_data("/ro", false).await.expect("world reads");
    assert_eq!(
        code(client.set_data("/ro", b"x", -1).await),
        ErrorCode::NoAuth
    );
    assert_eq!(
        code(
            client
                .create("/ro/child", b"", CreateMode::Persistent)
                .await
        ),
        ErrorCode::NoAuth
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_addauth_ends_the_client_as_zookeepers_does() {
    let c = GrpcCluster::start().await;
    let client = c.client(1).await;
    let mut events = client.take_events().expect("events");
    assert_eq!(
        code(client.add_auth("kerberos", b"x").await),
        ErrorCode::AuthFailed
    );
    wait_state(&mut events, KeeperState::AuthFailed).await;
    assert_eq!(client.state(), KeeperState::AuthFailed);
    assert_eq!(code(client.exists("/", false).await), ErrorCode::AuthFailed);

    // On the wire: the anonymous session keeps no identities, and a bad
    // scheme detaches the session from the server.
    let mut rpc = ZooLabClient::connect(format!("http://{}", c.addr(1)))
        .await
        .expect("dial");
    let anonymous = rpc
        .add_auth(pb::AddAuthRequest {
            header: None,
            scheme: "digest".into(),
            auth: b"a:b".to_vec(),
        })
        .await
        .expect("answered")
        .into_inner();
    assert_eq!(
        anonymous.header.map(|h| h.err),
        Some(ErrorCode::BadArguments.code())
    );
    // A session no client task holds (one would resume it at once).
    let session = rpc
        .create_session(pb::CreateSessionRequest {
            timeout_ms: 2_000,
            last_zxid_seen: 0,
        })
        .await
        .expect("answered")
        .into_inner()
        .session_id;
    let failed = rpc
        .add_auth(pb::AddAuthRequest {
            header: t30_grpc_cluster::header(session),
            scheme: "nope".into(),
            auth: vec![],
        })
        .await
        .expect("answered")
        .into_inner();
    assert_eq!(
        failed.header.map(|h| h.err),
        Some(ErrorCode::AuthFailed.code())
    );
    let moved = rpc
        .keep_alive(pb::KeepAliveRequest {
            header: t30_grpc_cluster::header(session),
        })
        .await
        .expect("answered")
        .into_inner();
    assert_eq!(
        moved.header.map(|h| h.err),
        Some(ErrorCode::SessionMoved.code())
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_moves_replays_its_identities_on_the_new_server() {
    let mut c = GrpcCluster::start().await;
    let client = Client::connect(&c.connect_string(), SESSION)
        .await
        .expect("connect");
    let mut events = client.take_events().expect("events");
    wait_state(&mut events, KeeperState::SyncConnected).await;
    client
        .add_auth("digest", b"alice:secret")
        .await
        .expect("addauth");
    client
        .create_with(with_acl("/guarded", vec![Acl::new(perms::ALL, alice())]))
        .await
        .expect("create");

    let old = c.id_of(&client.server().await);
    let server = c.servers.remove(&old).expect("the client's server");
    tokio::time::timeout(PATIENCE, server.shutdown())
        .await
        .expect("graceful shutdown finishes")
        .expect("clean stop");
    wait_state(&mut events, KeeperState::Disconnected).await;
    wait_state(&mut events, KeeperState::SyncConnected).await;
    assert_ne!(c.id_of(&client.server().await), old);

    // Identities live on the server: only the replay lets these through.
    let (data, _) = client
        .get_data("/guarded", false)
        .await
        .expect("READ as alice on the new server");
    assert_eq!(data.as_deref(), Some(&b"v"[..]));
    client
        .set_data("/guarded", b"moved", -1)
        .await
        .expect("WRITE as alice on the new server");
    c.stop().await;
}
