use jiff::tz::TimeZone;

use super::*;
use crate::cli::memory::{MemoryClient, MemoryServer, SharedServer};

const T0: i64 = 1_795_593_640_000;

fn setup() -> (SharedServer, MemoryClient, Shell) {
    let server = MemoryServer::shared(1, T0, 1000);
    let mut client = MemoryClient::connect(&server).unwrap();
    client.take_events();
    (server, client, Shell::new("127.0.0.1:2181", TimeZone::UTC))
}

async fn run(shell: &mut Shell, client: &mut MemoryClient, line: &str) -> Outcome {
    shell.execute_line(line, client).await
}

#[tokio::test]
async fn outputs_go_to_zkclis_streams() {
    let (_server, mut c, mut sh) = setup();
    let out = run(&mut sh, &mut c, "create /a x").await;
    assert_eq!(
        out.lines,
        [Line {
            stream: Stream::Err,
            text: "Created /a".into()
        }]
    );
    let out = run(&mut sh, &mut c, "get /a").await;
    assert_eq!(out.lines[0].stream, Stream::Out);
    let out = run(&mut sh, &mut c, "get /missing").await;
    assert_eq!(
        out.lines,
        [Line {
            stream: Stream::Err,
            text: "Node does not exist: /missing".into()
        }]
    );
    assert_eq!(out.exit_code, 1);
    let out = run(&mut sh, &mut c, "ls /").await;
    assert_eq!(out.texts(), ["[a, zookeeper]"]);
    assert_eq!(out.exit_code, 0);
}

#[tokio::test]
async fn null_data_prints_null_and_invalid_paths_never_reach_the_server() {
    let (server, mut c, mut sh) = setup();
    run(&mut sh, &mut c, "create /n").await;
    assert_eq!(run(&mut sh, &mut c, "get /n").await.texts(), ["null"]);
    let before = server.lock().unwrap().last_zxid();
    let out = run(&mut sh, &mut c, "create sanguo x").await;
    assert_eq!(out.texts(), ["Path must start with / character"]);
    let out = run(&mut sh, &mut c, "delete /a/").await;
    assert_eq!(out.texts(), ["Path must not end with / character"]);
    assert_eq!(server.lock().unwrap().last_zxid(), before);
}

#[tokio::test]
async fn unknown_commands_and_help_print_usage_then_not_found() {
    let (_server, mut c, mut sh) = setup();
    let out = run(&mut sh, &mut c, "help").await;
    let texts = out.texts();
    let usage = usage_lines();
    assert_eq!(texts.len(), usage.len() + 1);
    assert_eq!(&texts[..usage.len()], usage.as_slice());
    assert_eq!(
        texts[usage.len()],
        "Command not found: Command not found help"
    );
    assert!(out.lines.iter().all(|l| l.stream == Stream::Err));
    assert_eq!(out.exit_code, 127);
    // Still counted in the history.
    assert_eq!(sh.history().count(), 1);
}

#[tokio::test]
async fn history_redo_and_the_prompt_count() {
    let (_server, mut c, mut sh) = setup();
    assert_eq!(sh.prompt(c.state()), "[zk: 127.0.0.1:2181(CONNECTED) 0] ");
    run(&mut sh, &mut c, "create /r a").await;
    // Empty lines are not counted.
    assert!(run(&mut sh, &mut c, "").await.lines.is_empty());
    run(&mut sh, &mut c, "ls /").await;
    assert_eq!(sh.prompt(c.state()), "[zk: 127.0.0.1:2181(CONNECTED) 2] ");
    let out = run(&mut sh, &mut c, "redo 1").await;
    assert_eq!(out.texts(), ["[r, zookeeper]"]);
    let out = run(&mut sh, &mut c, "history").await;
    assert_eq!(
        out.texts(),
        ["0 - create /r a", "1 - ls /", "2 - ls /", "3 - history"]
    );
    assert_eq!(
        run(&mut sh, &mut c, "redo 9").await.texts(),
        ["Command index out of range"]
    );
    // Line 5 may not redo itself.
    assert_eq!(
        run(&mut sh, &mut c, "redo 5").await.texts(),
        ["Command index out of range"]
    );
    let out = run(&mut sh, &mut c, "redo 4").await;
    assert_eq!(out.texts(), ["No redoing redos"]);
    let out = run(&mut sh, &mut c, "redo 0").await;
    assert_eq!(out.texts(), ["Node already exists: /r"]);
    // As in zkCli: the redo itself succeeded, so the outer processCmd
    // resets the exit code the replayed command set.
    assert_eq!(out.exit_code, 0);
}

#[tokio::test]
async fn printwatches_switches_the_default_watcher() {
    let (server, mut c, mut sh) = setup();
    assert_eq!(
        run(&mut sh, &mut c, "printwatches").await.texts(),
        ["printwatches is on"]
    );
    run(&mut sh, &mut c, "create /w x").await;
    run(&mut sh, &mut c, "get -w /w").await;
    let mut other = MemoryClient::connect(&server).unwrap();
    let mut other_shell = Shell::new("127.0.0.1:2182", TimeZone::UTC);
    run(&mut other_shell, &mut other, "set /w y").await;
    let events = c.take_events();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    let shown = sh.watcher_lines(e.state, e.event_type, e.path.as_deref());
    let texts: Vec<&str> = shown.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "",
            "WATCHER::",
            "",
            "WatchedEvent state:SyncConnected type:NodeDataChanged path:/w"
        ]
    );
    run(&mut sh, &mut c, "printwatches off").await;
    assert!(
        sh.watcher_lines(e.state, e.event_type, e.path.as_deref())
            .is_empty()
    );
}

#[tokio::test]
async fn close_then_commands_print_not_connected() {
    let (_server, mut c, mut sh) = setup();
    run(&mut sh, &mut c, "close").await;
    assert_eq!(sh.prompt(c.state()), "[zk: 127.0.0.1:2181(CLOSED) 1] ");
    assert_eq!(
        run(&mut sh, &mut c, "ls /").await.texts(),
        ["Not connected"]
    );
    // Built-ins run, then the connection check still speaks.
    assert_eq!(
        run(&mut sh, &mut c, "history").await.texts(),
        ["0 - close", "1 - ls /", "2 - history", "Not connected"]
    );
    // Even a malformed command: the check comes before parsing.
    assert_eq!(run(&mut sh, &mut c, "ls").await.texts(), ["Not connected"]);
    let out = run(&mut sh, &mut c, "connect 127.0.0.1:2182").await;
    assert!(out.lines.is_empty());
    assert_eq!(sh.host(), "127.0.0.1:2182");
    assert_eq!(run(&mut sh, &mut c, "ls /").await.texts(), ["[zookeeper]"]);
    let out = run(&mut sh, &mut c, "quit").await;
    assert!(out.quit);
    assert_eq!(c.state(), ConnState::Closed);
}

#[tokio::test]
async fn deleteall_walks_the_subtree_and_ls_r_lists_it() {
    let (server, mut c, mut sh) = setup();
    for line in [
        "create /t",
        "create /t/b",
        "create /t/a",
        "create /t/a/x",
        "create /t/b/y",
    ] {
        run(&mut sh, &mut c, line).await;
    }
    let out = run(&mut sh, &mut c, "ls -R /t").await;
    assert_eq!(out.texts(), ["/t", "/t/a", "/t/b", "/t/a/x", "/t/b/y"]);
    assert_eq!(
        run(&mut sh, &mut c, "ls -R /nope").await.texts(),
        ["Node does not exist: /nope"]
    );
    assert_eq!(
        run(&mut sh, &mut c, "getAllChildrenNumber /t")
            .await
            .texts(),
        ["4"]
    );
    // Batches of 2: three multis, leaves first.
    let out = run(&mut sh, &mut c, "deleteall /t -b 2").await;
    assert!(out.lines.is_empty(), "{out:?}");
    assert!(server.lock().unwrap().replica().tree().node("/t").is_none());
    assert_eq!(
        run(&mut sh, &mut c, "deleteall /t").await.texts(),
        ["Node does not exist: /t"]
    );
    let out = run(&mut sh, &mut c, "rmr /zookeeper").await;
    assert_eq!(
        out.texts(),
        [
            "The command 'rmr' has been deprecated. Please use 'deleteall' instead.",
            "Failed to delete some node(s) in the subtree!"
        ]
    );
}

#[tokio::test]
async fn sync_ephemerals_and_watch_management() {
    let (_server, mut c, mut sh) = setup();
    assert_eq!(run(&mut sh, &mut c, "sync /").await.texts(), ["Sync is OK"]);
    run(&mut sh, &mut c, "create -e /e1 a").await;
    run(&mut sh, &mut c, "create /p").await;
    run(&mut sh, &mut c, "create -e /p/e2 a").await;
    assert_eq!(
        run(&mut sh, &mut c, "getEphemerals").await.texts(),
        ["[/e1, /p/e2]"]
    );
    assert_eq!(
        run(&mut sh, &mut c, "getEphemerals /p").await.texts(),
        ["[/p/e2]"]
    );
    assert_eq!(
        run(&mut sh, &mut c, "create /e1/c x").await.texts(),
        ["Ephemerals cannot have children: /e1/c"]
    );
    assert!(
        run(&mut sh, &mut c, "addWatch -m PERSISTENT /p")
            .await
            .lines
            .is_empty()
    );
    assert!(
        run(&mut sh, &mut c, "removewatches /p")
            .await
            .lines
            .is_empty()
    );
    assert_eq!(
        run(&mut sh, &mut c, "removewatches /p").await.texts(),
        ["KeeperErrorCode = No such watcher for /p"]
    );
    assert_eq!(
        run(&mut sh, &mut c, "delete /p").await.texts(),
        ["Node not empty: /p"]
    );
    assert_eq!(
        run(&mut sh, &mut c, "delete -v 5 /p/e2").await.texts(),
        ["version No is not valid : /p/e2"]
    );
    assert_eq!(
        run(&mut sh, &mut c, "setAcl -v 5 /p world:anyone:cdrwa")
            .await
            .texts(),
        ["version No is not valid : /p"]
    );
    assert!(
        run(&mut sh, &mut c, "setAcl /p world:anyone:r")
            .await
            .texts()
            .is_empty()
    );
    assert_eq!(
        run(&mut sh, &mut c, "getAcl /p").await.texts(),
        ["'world,'anyone", ": r"]
    );
    // Changing it again needs ADMIN, which world:anyone:r no longer gives.
    assert_eq!(
        run(&mut sh, &mut c, "setAcl /p world:anyone:cdrwa")
            .await
            .texts(),
        ["Insufficient permission : /p"]
    );
    assert_eq!(
        run(&mut sh, &mut c, "addauth").await.texts(),
        ["addauth scheme auth"]
    );
}

#[tokio::test]
async fn one_shot_arguments_are_not_tokenized_again_nor_recorded() {
    let (_server, mut c, mut sh) = setup();
    let args: Vec<String> = ["create", "/x", "two words"].map(String::from).to_vec();
    let out = sh.execute_args(&args, &mut c).await;
    assert_eq!(out.texts(), ["Created /x"]);
    assert_eq!(sh.history().count(), 0);
    let out = sh.execute_args(&["get".into(), "/x".into()], &mut c).await;
    assert_eq!(out.texts(), ["two words"]);
}

#[tokio::test]
async fn connect_closes_the_old_session_first() {
    let (_server, mut c, mut sh) = setup();
    let old = c.session();
    run(&mut sh, &mut c, "create -e /mine x").await;
    run(&mut sh, &mut c, "connect").await;
    assert_ne!(c.session(), old);
    let events: Vec<(KeeperState, EventType)> = c
        .take_events()
        .into_iter()
        .map(|e| (e.state, e.event_type))
        .collect();
    assert_eq!(
        events,
        [
            (KeeperState::Closed, EventType::None),
            (KeeperState::SyncConnected, EventType::None)
        ]
    );
    // The old session's ephemeral went with it.
    assert_eq!(run(&mut sh, &mut c, "ls /").await.texts(), ["[zookeeper]"]);
    assert_eq!(sh.host(), "127.0.0.1:2181");
}
