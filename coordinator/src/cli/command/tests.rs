use super::*;
use crate::acl::{Id, perms};
use crate::cli::tokenize::tokenize;

fn parse_line(line: &str) -> Result<Invocation, CliError> {
    parse(&tokenize(line))
}

fn command(line: &str) -> Command {
    match parse_line(line) {
        Ok(inv) => inv.command,
        Err(e) => panic!("{line}: {e}"),
    }
}

fn error(line: &str) -> String {
    match parse_line(line) {
        Ok(inv) => panic!("{line} parsed: {inv:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn ls_flags_the_old_watch_argument_and_ls2() {
    let ls = |path: &str, watch, stat, recursive| Command::Ls {
        path: path.into(),
        watch,
        stat,
        recursive,
    };
    assert_eq!(command("ls /"), ls("/", false, false, false));
    assert_eq!(command("ls -s -w -R /a"), ls("/a", true, true, true));
    assert_eq!(command("ls -swR /a"), ls("/a", true, true, true));
    assert_eq!(command("ls /a -w"), ls("/a", true, false, false));
    assert_eq!(command("ls2 /a"), ls("/a", false, true, false));
    let old = parse_line("ls /sanguo watch").unwrap();
    assert_eq!(old.command, ls("/sanguo", true, false, false));
    assert_eq!(
        old.notices,
        ["'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead."]
    );
    assert_eq!(error("ls"), "ls [-s] [-w] [-R] path");
    assert_eq!(
        error("ls -x /"),
        "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x"
    );
}

#[test]
fn get_and_stat_take_the_old_watch_argument_too() {
    let inv = parse_line("get /sanguo watch").unwrap();
    assert_eq!(
        inv.command,
        Command::Get {
            path: "/sanguo".into(),
            watch: true,
            stat: false
        }
    );
    assert_eq!(
        inv.notices,
        ["'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead."]
    );
    assert_eq!(
        command("get -s -w /a"),
        Command::Get {
            path: "/a".into(),
            watch: true,
            stat: true
        }
    );
    assert_eq!(
        command("stat /a watch"),
        Command::Stat {
            path: "/a".into(),
            watch: true
        }
    );
    assert_eq!(error("get"), "get [-s] [-w] path");
    assert_eq!(error("get -s"), "get [-s] [-w] path");
    assert_eq!(error("stat"), "stat [-w] path");
}

#[test]
fn create_modes_data_and_acl() {
    let create = |line| match command(line) {
        Command::Create {
            path,
            data,
            mode,
            ttl,
            acl,
        } => (path, data, mode, ttl, acl),
        other => panic!("{other:?}"),
    };
    let (path, data, mode, ttl, acl) = create(r#"create /sanguo "jinlian""#);
    assert_eq!(path, "/sanguo");
    assert_eq!(data.as_deref(), Some(&b"jinlian"[..]));
    assert_eq!((mode, ttl), (CreateMode::Persistent, None));
    assert_eq!(acl, Acl::open_unsafe());
    // No data argument: null data, as zkCli sends it.
    assert_eq!(create("create /a").1, None);
    assert_eq!(
        create("create -e -s /a x").2,
        CreateMode::EphemeralSequential
    );
    assert_eq!(create("create -es /a x").2, CreateMode::EphemeralSequential);
    assert_eq!(create("create -s /a").2, CreateMode::PersistentSequential);
    assert_eq!(create("create -c /a").2, CreateMode::Container);
    let (_, _, mode, ttl, _) = create("create -t 500 /a");
    assert_eq!((mode, ttl), (CreateMode::PersistentWithTtl, Some(500)));
    assert_eq!(
        create("create -s -t 5 /a").2,
        CreateMode::PersistentSequentialWithTtl
    );
    let acl = create("create /a x digest:bob:hash:rw,world:anyone:c").4;
    assert_eq!(
        acl,
        [
            Acl::new(perms::READ | perms::WRITE, Id::new("digest", "bob:hash")),
            Acl::new(perms::CREATE, Id::new("world", "anyone")),
        ]
    );
}

#[test]
fn create_refusals_word_as_zkcli() {
    assert_eq!(
        error("create"),
        "create [-s] [-e] [-c] [-t ttl] path [data] [acl]"
    );
    assert_eq!(
        error("create -c -e /a"),
        "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential."
    );
    assert_eq!(error("create -t x /a"), "-t argument must be a long value");
    assert_eq!(
        error("create -t 5 -e /a"),
        "TTLs cannot be used with Ephemeral znodes"
    );
    assert_eq!(
        error("create -t 5 -c /a"),
        "TTLs cannot be used with Container znodes"
    );
    assert_eq!(
        error("create -t 0 /a"),
        format!("ttl must be positive and cannot be larger than: {MAX_TTL_MS}")
    );
    assert_eq!(
        error("create /a x -t"),
        "org.apache.commons.cli.MissingArgumentException: Missing argument for option: t"
    );
    let inv = parse_line("create /a x bad,world:anyone:rz").unwrap();
    assert_eq!(
        inv.notices,
        [
            "bad does not have the form scheme:id:perm",
            "Unknown perm type: z"
        ]
    );
}

#[test]
fn set_delete_and_deleteall() {
    assert_eq!(
        command("set -s -v 3 /a b"),
        Command::Set {
            path: "/a".into(),
            data: b"b".to_vec(),
            version: 3,
            stat: true
        }
    );
    assert_eq!(error("set /a"), "set [-s] [-v version] path data");
    assert_eq!(
        error("set -v x /a b"),
        "java.lang.NumberFormatException: For input string: \"x\""
    );
    assert_eq!(
        command("delete /a"),
        Command::Delete {
            path: "/a".into(),
            version: -1
        }
    );
    assert_eq!(
        command("delete -v 0 /a"),
        Command::Delete {
            path: "/a".into(),
            version: 0
        }
    );
    let old = parse_line("delete /a 3").unwrap();
    assert_eq!(
        old.notices,
        [
            "'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead."
        ]
    );
    assert_eq!(error("delete"), "delete [-v version] path");
    assert_eq!(
        command("deleteall /a"),
        Command::DeleteAll {
            path: "/a".into(),
            batch: DEFAULT_DELETE_BATCH
        }
    );
    assert_eq!(
        command("deleteall /a -b 2"),
        Command::DeleteAll {
            path: "/a".into(),
            batch: 2
        }
    );
    assert_eq!(
        error("deleteall /a -b x"),
        "-b argument must be an int value"
    );
    assert_eq!(error("deleteall"), "deleteall path [-b batch size]");
    let rmr = parse_line("rmr /a").unwrap();
    assert_eq!(
        rmr.command,
        Command::DeleteAll {
            path: "/a".into(),
            batch: DEFAULT_DELETE_BATCH
        }
    );
    assert_eq!(
        rmr.notices,
        ["The command 'rmr' has been deprecated. Please use 'deleteall' instead."]
    );
}

#[test]
fn watches_ephemerals_counts_and_builtins() {
    assert_eq!(
        command("addWatch /a"),
        Command::AddWatch {
            path: "/a".into(),
            mode: AddWatchMode::PersistentRecursive
        }
    );
    assert_eq!(
        command("addWatch -m persistent /a"),
        Command::AddWatch {
            path: "/a".into(),
            mode: AddWatchMode::Persistent
        }
    );
    assert_eq!(error("addWatch -m ONCE /a"), usage_str("addWatch"));
    assert_eq!(error("addWatch /a /b"), usage_str("addWatch"));
    assert_eq!(
        command("removewatches /a -c -l"),
        Command::RemoveWatches {
            path: "/a".into(),
            watcher_type: WatcherType::Children,
            local: true
        }
    );
    assert_eq!(
        command("removewatches /a"),
        Command::RemoveWatches {
            path: "/a".into(),
            watcher_type: WatcherType::Any,
            local: false
        }
    );
    assert_eq!(error("removewatches"), "removewatches path [-c|-d|-a] [-l]");
    assert_eq!(
        command("getEphemerals"),
        Command::GetEphemerals { path: None }
    );
    assert_eq!(
        command("getEphemerals /s"),
        Command::GetEphemerals {
            path: Some("/s".into())
        }
    );
    assert_eq!(error("getAllChildrenNumber"), "getAllChildrenNumber path");
    assert_eq!(error("sync"), "sync path");
    assert_eq!(
        command("printwatches off"),
        Command::PrintWatches { on: Some(false) }
    );
    assert_eq!(command("printwatches"), Command::PrintWatches { on: None });
    assert_eq!(
        command("connect h:1"),
        Command::Connect {
            host: Some("h:1".into())
        }
    );
    assert_eq!(
        command("whoami"),
        Command::Unsupported {
            name: "whoami".into()
        }
    );
    assert_eq!(error("help"), "Command not found: Command not found help");
    assert_eq!(error("LS /"), "Command not found: Command not found LS");
}

#[test]
fn integer_decode_as_java() {
    assert_eq!(java_decode_int("12"), Some(12));
    assert_eq!(java_decode_int("0x1f"), Some(31));
    assert_eq!(java_decode_int("#10"), Some(16));
    assert_eq!(java_decode_int("010"), Some(8));
    assert_eq!(java_decode_int("-3"), Some(-3));
    assert_eq!(java_decode_int("0"), Some(0));
    assert_eq!(java_decode_int("x"), None);
    assert_eq!(java_decode_int("--1"), None);
    assert_eq!(java_decode_int("99999999999"), None);
}

#[test]
fn the_watch_rewrite_uses_the_raw_third_word_as_zkcli_does() {
    // zkCli overwrites raw token 2 with -w: with a flag first, the path is
    // the one overwritten and `watch` becomes the path (refused later).
    assert_eq!(
        command("ls -s /p watch"),
        Command::Ls {
            path: "watch".into(),
            watch: true,
            stat: true,
            recursive: false
        }
    );
    assert_eq!(
        command("get /p anything"),
        Command::Get {
            path: "/p".into(),
            watch: true,
            stat: false
        }
    );
}
