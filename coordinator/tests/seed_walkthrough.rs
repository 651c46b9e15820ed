//! The seed's zkCli walkthrough (section 3.2 of
//! `seed/000_767d78ad54eea007.txt`), replayed against two replicas the way a
//! cluster runs it: every command is committed and applied on both servers
//! (hadoop103 and hadoop104, as in the seed), reads and watches go to the
//! server the client is connected to, and every value zkCli would print is
//! checked. zxids and times are the ones this test applies (the seed's own
//! numbers come from a different history); they are printed as zkCli 3.8
//! prints them (`0x100000003`, `Tue Aug 28 16:03:23 UTC 2018`).
//!
//! The printing helpers (`zkcli/`) are the test's own small zkCli; the real
//! renderer belongs to the CLI.

use coordinator::replica::{Applied, Replica};
use coordinator::watch::WatchedEvent;
use coordinator::{
    Command, CreateMode, CreateRequest, DeleteRequest, ErrorCode, EventType, MultiOp, Op, OpResult,
    SessionId, SetDataRequest,
};
use protocols::Zxid;

mod zkcli;
use zkcli::{expect_stat, render_event, render_stat};

/// 2018-08-29 00:03:23 CST, the seed's ctime of /sanguo.
const SEED_CTIME_MS: i64 = 1_535_472_203_000;

/// A two-server cluster without a protocol: commands are applied on both in
/// zxid order, as the protocol's Commit would deliver them.
struct Cluster {
    servers: [Replica; 2],
    counter: u32,
    now_ms: i64,
}

const HADOOP103: usize = 0;
const HADOOP104: usize = 1;

/// A zkCli connected to one server.
#[derive(Clone, Copy)]
struct Client {
    session: SessionId,
    server: usize,
}

impl Cluster {
    fn new() -> Cluster {
        Cluster {
            servers: [Replica::default(), Replica::default()],
            counter: 0,
            // The second command (create /sanguo) carries the seed's time.
            now_ms: SEED_CTIME_MS - 2000,
        }
    }

    /// Commits `op` from `session`, proposed by `origin`: applies it on
    /// every server and returns what each produced.
    fn commit(&mut self, origin: usize, session: SessionId, op: Op) -> [Applied; 2] {
        self.counter += 1;
        self.now_ms += 1000;
        let zxid = Zxid::new(1, self.counter);
        let command = Command::new(op)
            .with_session(session)
            .with_time(self.now_ms)
            .with_origin(origin as u64 + 103, 0);
        let applied = [
            self.servers[0].apply(zxid, &command),
            self.servers[1].apply(zxid, &command),
        ];
        assert_eq!(applied[0].result, applied[1].result, "replicas disagree");
        applied
    }

    fn last_zxid(&self) -> Zxid {
        Zxid::new(1, self.counter)
    }

    /// `bin/zkCli.sh` on `server`: a new session.
    fn connect(&mut self, server: usize) -> Client {
        let applied = self.commit(
            server,
            0,
            Op::CreateSession {
                timeout_ms: 30_000,
                password: [7; 16],
            },
        );
        match &applied[server].result {
            Ok(OpResult::SessionCreated { session, .. }) => Client {
                session: *session,
                server,
            },
            other => panic!("createSession answered {other:?}"),
        }
    }

    /// `quit`: closeSession. Returns the notifications on every server.
    fn quit(&mut self, c: Client) -> Vec<WatchedEvent> {
        let [a, b] = self.commit(c.server, c.session, Op::CloseSession);
        a.notifications.into_iter().chain(b.notifications).collect()
    }

    /// A write from `c`: its reply as zkCli prints it, and the notifications
    /// each server produced.
    fn write(
        &mut self,
        c: Client,
        op: Op,
    ) -> (Result<OpResult, ErrorCode>, [Vec<WatchedEvent>; 2]) {
        let [a, b] = self.commit(c.server, c.session, op);
        let result = if c.server == HADOOP103 {
            a.result
        } else {
            b.result
        };
        (result, [a.notifications, b.notifications])
    }

    /// `create [-s] [-e] path data`: what zkCli prints, and notifications.
    fn create(
        &mut self,
        c: Client,
        mode: CreateMode,
        path: &str,
        data: &str,
    ) -> (String, [Vec<WatchedEvent>; 2]) {
        let req = CreateRequest::new(path, Some(data.as_bytes().to_vec()), mode);
        let (result, events) = self.write(c, Op::Create(req));
        let printed = match result {
            Ok(OpResult::Created { path, .. }) => format!("Created {path}"),
            other => format!("{other:?}"),
        };
        (printed, events)
    }

    /// `set path data`: zkCli prints nothing; returns the notifications.
    fn set(&mut self, c: Client, path: &str, data: &str) -> [Vec<WatchedEvent>; 2] {
        let req = SetDataRequest {
            path: path.into(),
            data: Some(data.as_bytes().to_vec()),
            version: -1,
        };
        let (result, events) = self.write(c, Op::SetData(req));
        assert!(
            matches!(result, Ok(OpResult::DataSet { .. })),
            "set {path}: {result:?}"
        );
        events
    }

    /// `delete path`.
    fn delete(&mut self, c: Client, path: &str) -> [Vec<WatchedEvent>; 2] {
        let req = DeleteRequest {
            path: path.into(),
            version: -1,
        };
        let (result, events) = self.write(c, Op::Delete(req));
        assert_eq!(result, Ok(OpResult::Deleted), "delete {path}");
        events
    }

    /// `rmr` / `deleteall path`: zkCli 3.8 lists the subtree breadth first
    /// from the server it is connected to and deletes it deepest first in one
    /// multi (`ZKUtil.deleteRecursive`).
    fn deleteall(&mut self, c: Client, path: &str) -> [Vec<WatchedEvent>; 2] {
        let mut subtree = vec![path.to_owned()];
        let mut i = 0;
        while i < subtree.len() {
            let (children, _) = self.servers[c.server]
                .get_children(c.session, &subtree[i], false, &[])
                .expect("listing the subtree");
            let parent = subtree[i].clone();
            subtree.extend(children.into_iter().map(|n| format!("{parent}/{n}")));
            i += 1;
        }
        let ops = subtree
            .into_iter()
            .rev()
            .map(|path| MultiOp::Delete(DeleteRequest { path, version: -1 }))
            .collect();
        let (result, events) = self.write(c, Op::Multi(ops));
        match result {
            Ok(OpResult::Multi(m)) => assert!(m.is_committed(), "deleteall {path}: {m:?}"),
            other => panic!("deleteall {path}: {other:?}"),
        }
        events
    }

    /// `ls [-w] path`.
    fn ls(&mut self, c: Client, path: &str, watch: bool) -> String {
        let (children, _) = self.servers[c.server]
            .get_children(c.session, path, watch, &[])
            .expect("ls of an existing node");
        format!("[{}]", children.join(", "))
    }

    /// `ls -s path` (the seed's `ls2`).
    fn ls_s(&mut self, c: Client, path: &str) -> String {
        let (children, stat) = self.servers[c.server]
            .get_children(c.session, path, false, &[])
            .expect("ls of an existing node");
        format!("[{}]\n{}", children.join(", "), render_stat(&stat))
    }

    /// `get [-w] -s path`.
    fn get_s(&mut self, c: Client, path: &str, watch: bool) -> String {
        let (data, stat) = self.servers[c.server]
            .get_data(c.session, path, watch, &[])
            .expect("get of an existing node");
        let data = String::from_utf8_lossy(data.unwrap_or_default()).into_owned();
        format!("{data}\n{}", render_stat(&stat))
    }

    /// `stat path`.
    fn stat(&mut self, c: Client, path: &str) -> String {
        let stat = self.servers[c.server]
            .exists(c.session, path, false)
            .expect("stat of an existing node");
        render_stat(&stat)
    }
}

#[test]
fn seed_zkcli_walkthrough() {
    let mut zk = Cluster::new();

    // 1. bin/zkCli.sh (on hadoop103)
    let cli = zk.connect(HADOOP103);

    // 3. ls /
    assert_eq!(zk.ls(cli, "/", false), "[zookeeper]");
    // 4. ls2 / (ls -s /): the root of a fresh server, every stat zero and
    // cversion -1 (one child, /zookeeper, that no create made).
    assert_eq!(
        zk.ls_s(cli, "/"),
        format!(
            "[zookeeper]\n{}",
            expect_stat(Zxid(0), 0, Zxid(0), 0, Zxid(0), -1, 0, 0, 0, 1)
        )
    );

    // 5. create /sanguo "jinlian"; create /sanguo/shuguo "liubei"
    let (out, _) = zk.create(cli, CreateMode::Persistent, "/sanguo", "jinlian");
    assert_eq!(out, "Created /sanguo");
    let (z_sanguo, t_sanguo) = (zk.last_zxid(), zk.now_ms);
    assert_eq!(t_sanguo, SEED_CTIME_MS);
    let (out, _) = zk.create(cli, CreateMode::Persistent, "/sanguo/shuguo", "liubei");
    assert_eq!(out, "Created /sanguo/shuguo");
    let (z_shuguo, t_shuguo) = (zk.last_zxid(), zk.now_ms);

    // 6. get /sanguo, get /sanguo/shuguo (with their stats)
    assert_eq!(
        zk.get_s(cli, "/sanguo", false),
        format!(
            "jinlian\n{}",
            expect_stat(
                z_sanguo, t_sanguo, z_sanguo, t_sanguo, z_shuguo, 1, 0, 0, 7, 1
            )
        )
    );
    // The second command of a fresh epoch-1 history, printed as zkCli does.
    assert!(
        zk.get_s(cli, "/sanguo", false)
            .contains("cZxid = 0x100000002\n")
    );
    assert!(
        zk.get_s(cli, "/sanguo", false)
            .contains("ctime = Tue Aug 28 16:03:23 UTC 2018\n")
    );
    assert_eq!(
        zk.get_s(cli, "/sanguo/shuguo", false),
        format!(
            "liubei\n{}",
            expect_stat(
                z_shuguo, t_shuguo, z_shuguo, t_shuguo, z_shuguo, 0, 0, 0, 6, 0
            )
        )
    );

    // 7. create -e /sanguo/wuguo "zhouyu": visible to this client, with
    // this session as its owner…
    let (out, _) = zk.create(cli, CreateMode::Ephemeral, "/sanguo/wuguo", "zhouyu");
    assert_eq!(out, "Created /sanguo/wuguo");
    let (z_wuguo, t_wuguo) = (zk.last_zxid(), zk.now_ms);
    assert_eq!(zk.ls(cli, "/sanguo", false), "[shuguo, wuguo]");
    assert_eq!(
        zk.stat(cli, "/sanguo/wuguo"),
        expect_stat(
            z_wuguo,
            t_wuguo,
            z_wuguo,
            t_wuguo,
            z_wuguo,
            0,
            0,
            cli.session,
            6,
            0
        )
    );
    // … and from the other server too: every server holds the same tree.
    let other = zk.connect(HADOOP104);
    assert_eq!(zk.ls(other, "/sanguo", false), "[shuguo, wuguo]");
    // quit, then a new zkCli: the ephemeral node is gone.
    zk.quit(other);
    zk.quit(cli);
    let z_quit = zk.last_zxid();
    let cli = zk.connect(HADOOP103);
    assert_eq!(zk.ls(cli, "/sanguo", false), "[shuguo]");
    let root = zk.servers[HADOOP103]
        .tree()
        .node("/sanguo")
        .expect("/sanguo")
        .stat();
    assert_eq!(Zxid(root.pzxid as u64), z_quit, "the close deleted wuguo");

    // 8. create /sanguo/weiguo "caocao", then sequential children: the
    // counter is the parent's and starts at 0.
    let (out, _) = zk.create(cli, CreateMode::Persistent, "/sanguo/weiguo", "caocao");
    assert_eq!(out, "Created /sanguo/weiguo");
    for (name, seq) in [("xiaoqiao", 0), ("daqiao", 1), ("diaocan", 2)] {
        let path = format!("/sanguo/weiguo/{name}");
        let (out, _) = zk.create(cli, CreateMode::PersistentSequential, &path, "jinlian");
        assert_eq!(out, format!("Created {path}{seq:010}"));
    }
    assert_eq!(
        zk.ls(cli, "/sanguo/weiguo", false),
        "[daqiao0000000001, diaocan0000000002, xiaoqiao0000000000]"
    );

    // 9. set /sanguo/weiguo "simayi"
    zk.set(cli, "/sanguo/weiguo", "simayi");
    assert!(
        zk.get_s(cli, "/sanguo/weiguo", false)
            .starts_with("simayi\n")
    );

    // 10. On hadoop104: get -w /sanguo. On hadoop103: set /sanguo "xisi".
    let h104 = zk.connect(HADOOP104);
    let h103 = zk.connect(HADOOP103);
    assert!(zk.get_s(h104, "/sanguo", true).starts_with("jinlian\n"));
    let events = zk.set(h103, "/sanguo", "xisi");
    let z_set = zk.last_zxid();
    assert_eq!(events[HADOOP103], vec![], "no watch on hadoop103");
    assert_eq!(
        events[HADOOP104],
        vec![WatchedEvent {
            event_type: EventType::NodeDataChanged,
            path: "/sanguo".into(),
            zxid: z_set,
            session: h104.session,
        }]
    );
    assert_eq!(
        render_event(&events[HADOOP104][0]),
        "WATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/sanguo"
    );
    // The watch was one-shot: a second change notifies nobody.
    let events = zk.set(h103, "/sanguo", "xisi");
    let (z_mod, t_mod) = (zk.last_zxid(), zk.now_ms);
    assert_eq!(events, [vec![], vec![]]);

    // 11. On hadoop104: ls -w /sanguo. On hadoop103: create /sanguo/jin.
    assert_eq!(zk.ls(h104, "/sanguo", true), "[shuguo, weiguo]");
    let (out, events) = zk.create(h103, CreateMode::Persistent, "/sanguo/jin", "simayi");
    assert_eq!(out, "Created /sanguo/jin");
    assert_eq!(events[HADOOP103], vec![]);
    assert_eq!(events[HADOOP104].len(), 1);
    assert_eq!(
        render_event(&events[HADOOP104][0]),
        "WATCHER::\n\nWatchedEvent state:SyncConnected type:NodeChildrenChanged path:/sanguo"
    );
    assert_eq!(events[HADOOP104][0].session, h104.session);

    // 12. delete /sanguo/jin: the child watch was spent.
    let events = zk.delete(cli, "/sanguo/jin");
    assert_eq!(events, [vec![], vec![]]);
    assert_eq!(zk.ls(cli, "/sanguo", false), "[shuguo, weiguo]");

    // 13. rmr /sanguo/shuguo
    zk.deleteall(cli, "/sanguo/shuguo");
    let z_rmr = zk.last_zxid();
    assert_eq!(zk.ls(cli, "/sanguo", false), "[weiguo]");

    // 14. stat /sanguo: set twice (dataVersion 2, last at z_mod), children
    // created 4 times (shuguo, wuguo, weiguo, jin) and deleted 3 times
    // (wuguo, jin, shuguo): the client-visible cversion counts both.
    assert_eq!(
        zk.stat(cli, "/sanguo"),
        expect_stat(
            z_sanguo,
            t_sanguo,
            z_mod,
            t_mod,
            z_rmr,
            4 + 3,
            2,
            0,
            "xisi".len(),
            1
        )
    );
    // Every server prints the same.
    assert_eq!(zk.stat(h104, "/sanguo"), zk.stat(cli, "/sanguo"));

    // deleteall /sanguo, as the 3.8 capture ends; ls / is back to the start.
    zk.deleteall(cli, "/sanguo");
    assert_eq!(zk.ls(cli, "/", false), "[zookeeper]");
    assert_eq!(zk.servers[HADOOP103].tree(), zk.servers[HADOOP104].tree());
}

#[test]
fn deleteall_of_a_watched_subtree_notifies_deepest_first() {
    let mut zk = Cluster::new();
    let cli = zk.connect(HADOOP103);
    let watcher = zk.connect(HADOOP104);
    zk.create(cli, CreateMode::Persistent, "/sanguo", "jinlian");
    zk.create(cli, CreateMode::Persistent, "/sanguo/weiguo", "caocao");
    for name in ["xiaoqiao", "daqiao"] {
        let path = format!("/sanguo/weiguo/{name}");
        zk.create(cli, CreateMode::PersistentSequential, &path, "jinlian");
    }
    zk.servers[HADOOP104]
        .add_watch(
            watcher.session,
            "/sanguo",
            coordinator::watch::AddWatchMode::PersistentRecursive,
        )
        .expect("valid path");
    assert_eq!(zk.ls(watcher, "/sanguo", true), "[weiguo]");
    let events = zk.deleteall(cli, "/sanguo/weiguo");
    let z = zk.last_zxid();
    let printed: Vec<(EventType, &str)> = events[HADOOP104]
        .iter()
        .inspect(|e| assert_eq!((e.session, e.zxid), (watcher.session, z)))
        .map(|e| (e.event_type, e.path.as_str()))
        .collect();
    assert_eq!(
        printed,
        vec![
            (EventType::NodeDeleted, "/sanguo/weiguo/xiaoqiao0000000000"),
            (EventType::NodeDeleted, "/sanguo/weiguo/daqiao0000000001"),
            (EventType::NodeDeleted, "/sanguo/weiguo"),
            // The one-shot child watch of ls -w; recursive watches never
            // report NodeChildrenChanged.
            (EventType::NodeChildrenChanged, "/sanguo"),
        ]
    );
    assert_eq!(events[HADOOP103], vec![]);
}
