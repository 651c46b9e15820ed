//! zkCli 3.8's commands: which names exist, their flags, and how a tokenized
//! line becomes a [`Command`] — with the usage strings, deprecation notices
//! and argument checks each `CliCommand.parse` has.

use crate::acl::Acl;
use crate::command::CreateMode;
use crate::watch::{AddWatchMode, WatcherType};

use super::errors::CliError;
use super::options::{OptSpec, Parsed, flag, parse as parse_options, valued};

/// zkCli's default `deleteall` batch (`-b`).
pub const DEFAULT_DELETE_BATCH: i32 = 1000;

/// One zkCli command with its flags resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `ls [-s] [-w] [-R] path`; also the seed's `ls2 path` (= `ls -s`) and
    /// `ls path watch`.
    Ls {
        path: String,
        watch: bool,
        stat: bool,
        recursive: bool,
    },
    /// `create [-s] [-e] [-c] [-t ttl] path [data] [acl]`; `data` is `None`
    /// (null) when not given, as zkCli sends it.
    Create {
        path: String,
        data: Option<Vec<u8>>,
        acl: Vec<Acl>,
        mode: CreateMode,
        ttl: Option<i64>,
    },
    /// `get [-s] [-w] path`, and `get path watch`.
    Get {
        path: String,
        watch: bool,
        stat: bool,
    },
    /// `set [-s] [-v version] path data`.
    Set {
        path: String,
        data: Vec<u8>,
        version: i32,
        stat: bool,
    },
    /// `stat [-w] path`, and `stat path watch`.
    Stat { path: String, watch: bool },
    /// `delete [-v version] path`.
    Delete { path: String, version: i32 },
    /// `deleteall path [-b batch size]`, and the old `rmr path`.
    DeleteAll { path: String, batch: i32 },
    /// `sync path`.
    Sync { path: String },
    /// `addWatch [-m mode] path` (default PERSISTENT_RECURSIVE).
    AddWatch { path: String, mode: AddWatchMode },
    /// `removewatches path [-c|-d|-a] [-l]`.
    RemoveWatches {
        path: String,
        watcher_type: WatcherType,
        local: bool,
    },
    /// `getEphemerals [path]`: `None` asks for all of the session's.
    GetEphemerals { path: Option<String> },
    /// `getAllChildrenNumber path`.
    GetAllChildrenNumber { path: String },
    /// `addauth scheme auth` (no auth: empty).
    AddAuth { scheme: String, auth: Vec<u8> },
    /// `getAcl [-s] path`.
    GetAcl { path: String, stat: bool },
    /// `setAcl [-s] [-v version] [-R] path acl`.
    SetAcl {
        path: String,
        acl: Vec<Acl>,
        version: i32,
        stat: bool,
        recursive: bool,
    },
    /// `close`.
    Close,
    /// `connect [host:port]`: `None` reconnects to the current host.
    Connect { host: Option<String> },
    /// `history`.
    History,
    /// `redo cmdno`: the raw argument (zkCli decodes it with `Integer.decode`).
    Redo { index: Option<String> },
    /// `printwatches [on|off]`: `None` shows the setting.
    PrintWatches { on: Option<bool> },
    /// `quit`.
    Quit,
    /// A zkCli 3.8 command zoolab does not implement.
    Unsupported { name: String },
}

/// A parsed line: the command and what zkCli printed on standard error
/// while parsing it (deprecation notices, ACL parser complaints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub command: Command,
    pub notices: Vec<String>,
    /// Lines zkCli printed on standard output while parsing (`ls -?`).
    pub output: Vec<String>,
}

/// zkCli 3.8's command table: name and option string, in `help`'s order
/// (`Collections.sort`, case-sensitive).
pub const COMMANDS: [(&str, &str); 28] = [
    (
        "addWatch",
        "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE",
    ),
    ("addauth", "scheme auth"),
    ("close", ""),
    ("config", "[-c] [-w] [-s]"),
    ("connect", "host:port"),
    ("create", "[-s] [-e] [-c] [-t ttl] path [data] [acl]"),
    ("delete", "[-v version] path"),
    ("deleteall", "path [-b batch size]"),
    ("delquota", "[-n|-b|-N|-B] path"),
    ("get", "[-s] [-w] path"),
    ("getAcl", "[-s] path"),
    ("getAllChildrenNumber", "path"),
    ("getEphemerals", "path"),
    ("history", ""),
    ("listquota", "path"),
    ("ls", "[-s] [-w] [-R] path"),
    ("printwatches", "on|off"),
    ("quit", ""),
    (
        "reconfig",
        "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
    ),
    ("redo", "cmdno"),
    ("removewatches", "path [-c|-d|-a] [-l]"),
    ("set", "[-s] [-v version] path data"),
    ("setAcl", "[-s] [-v version] [-R] path acl"),
    ("setquota", "-n|-b|-N|-B val path"),
    ("stat", "[-w] path"),
    ("sync", "path"),
    ("version", ""),
    ("whoami", ""),
];

/// Names zoolab accepts beyond 3.8's table: the seed's 3.4-era `ls2` and
/// `rmr` (3.8 answers "Command not found" to both). Not listed by `help`.
pub const EXTRA_COMMANDS: [(&str, &str); 2] = [("ls2", "path"), ("rmr", "path [-b batch size]")];

/// Whether zkCli (or zoolab's extras) knows the command name.
pub fn is_known(name: &str) -> bool {
    COMMANDS
        .iter()
        .chain(&EXTRA_COMMANDS)
        .any(|(n, _)| *n == name)
}

/// The commands `ZooKeeperMain` handles itself, before checking the
/// connection (every other command prints `Not connected` when closed).
pub fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "quit" | "redo" | "history" | "printwatches" | "connect"
    )
}

/// `CliCommand.getUsageStr`.
pub fn usage_str(name: &str) -> String {
    let options = COMMANDS
        .iter()
        .chain(&EXTRA_COMMANDS)
        .find(|(n, _)| *n == name)
        .map_or("", |(_, o)| o);
    format!("{name} {options}")
}

/// Parses a tokenized line (command name first). The caller has checked
/// [`is_known`]; an unknown name is `CommandNotFound` here too.
pub fn parse(tokens: &[String]) -> Result<Invocation, CliError> {
    let Some(name) = tokens.first() else {
        return Err(CliError::Malformed("No command entered".into()));
    };
    if !is_known(name) {
        return Err(CliError::CommandNotFound(name.clone()));
    }
    let mut inv = Invocation {
        command: Command::Quit,
        notices: Vec::new(),
        output: Vec::new(),
    };
    inv.command = match name.as_str() {
        "ls" | "ls2" => ls(tokens, &mut inv)?,
        "get" => get(tokens, &mut inv)?,
        "stat" => stat(tokens, &mut inv)?,
        "create" => create(tokens, &mut inv)?,
        "set" => set(tokens)?,
        "delete" => delete(tokens, &mut inv)?,
        "deleteall" | "rmr" => delete_all(tokens, &mut inv)?,
        "sync" => Command::Sync {
            path: required_path(tokens, &[], name)?,
        },
        "addWatch" => add_watch(tokens)?,
        "removewatches" => remove_watches(tokens)?,
        "getEphemerals" => Command::GetEphemerals {
            path: parse_options(&[], tokens)?.args.get(1).cloned(),
        },
        "getAllChildrenNumber" => {
            let p = parse_options(&[], tokens)?;
            match p.args.get(1) {
                Some(path) => Command::GetAllChildrenNumber { path: path.clone() },
                None => return Err(CliError::Malformed(usage_str(name))),
            }
        }
        "addauth" => {
            let p = parse_options(&[], tokens)?;
            let Some(scheme) = p.args.get(1) else {
                return Err(CliError::Parse(usage_str(name)));
            };
            Command::AddAuth {
                scheme: scheme.clone(),
                auth: p
                    .args
                    .get(2)
                    .map(|a| a.as_bytes().to_vec())
                    .unwrap_or_default(),
            }
        }
        "getAcl" => get_acl(tokens)?,
        "setAcl" => set_acl(tokens, &mut inv)?,
        "close" => {
            parse_options(&[], tokens)?;
            Command::Close
        }
        "connect" => Command::Connect {
            host: tokens.get(1).cloned(),
        },
        "history" => Command::History,
        "redo" => Command::Redo {
            index: tokens.get(1).cloned(),
        },
        "printwatches" => Command::PrintWatches {
            on: tokens.get(1).map(|a| a == "on"),
        },
        "quit" => Command::Quit,
        other => Command::Unsupported {
            name: other.to_string(),
        },
    };
    Ok(inv)
}

/// Parses, and checks that a path argument is there (`args.length < 2`).
fn required_path(tokens: &[String], specs: &[OptSpec], name: &str) -> Result<String, CliError> {
    let p = parse_options(specs, tokens)?;
    p.args
        .get(1)
        .cloned()
        .ok_or_else(|| CliError::Parse(usage_str(name)))
}

/// The old trailing `watch` argument: zkCli overwrites the third raw token
/// with `-w`, warns, and parses again. (Any third argument counts, and the
/// raw index is used even when flags come first, as in zkCli.)
fn retain_compatibility(
    specs: &[OptSpec],
    tokens: &[String],
    parsed: Parsed,
    notice: &str,
    inv: &mut Invocation,
) -> Result<Parsed, CliError> {
    if parsed.args.len() <= 2 {
        return Ok(parsed);
    }
    let mut rewritten = tokens.to_vec();
    rewritten[2] = "-w".into();
    inv.notices.push(notice.to_string());
    parse_options(specs, &rewritten)
}

fn ls(tokens: &[String], inv: &mut Invocation) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 4] = [flag('?'), flag('s'), flag('w'), flag('R')];
    let p = parse_options(&SPECS, tokens)?;
    if p.has('?') {
        inv.output.extend(
            [
                "usage: ls [options] path",
                " -?   help",
                " -R   recurse",
                " -s   stat",
                " -w   watch",
            ]
            .map(String::from),
        );
    }
    let p = retain_compatibility(
        &SPECS,
        tokens,
        p,
        "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.",
        inv,
    )?;
    let Some(path) = p.args.get(1) else {
        return Err(CliError::Malformed(usage_str("ls")));
    };
    Ok(Command::Ls {
        path: path.clone(),
        watch: p.has('w'),
        stat: p.has('s') || tokens[0] == "ls2",
        recursive: p.has('R'),
    })
}

fn get(tokens: &[String], inv: &mut Invocation) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 2] = [flag('s'), flag('w')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() < 2 {
        return Err(CliError::Parse(usage_str("get")));
    }
    let p = retain_compatibility(
        &SPECS,
        tokens,
        p,
        "'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.",
        inv,
    )?;
    Ok(Command::Get {
        path: arg(&p, 1),
        watch: p.has('w'),
        stat: p.has('s'),
    })
}

fn stat(tokens: &[String], inv: &mut Invocation) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 1] = [flag('w')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() < 2 {
        return Err(CliError::Parse(usage_str("stat")));
    }
    let p = retain_compatibility(
        &SPECS,
        tokens,
        p,
        "'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.",
        inv,
    )?;
    Ok(Command::Stat {
        path: arg(&p, 1),
        watch: p.has('w'),
    })
}

/// An argument zkCli reads after the rewrite; a rewrite can leave fewer
/// arguments (`get -s /p watch`), where zkCli itself would throw
/// `ArrayIndexOutOfBoundsException`: zoolab reads an empty path, which the
/// path check then refuses.
fn arg(p: &Parsed, i: usize) -> String {
    p.args.get(i).cloned().unwrap_or_default()
}

fn set(tokens: &[String]) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 2] = [flag('s'), valued('v')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() < 3 {
        return Err(CliError::Parse(usage_str("set")));
    }
    Ok(Command::Set {
        path: arg(&p, 1),
        data: p.args[2].as_bytes().to_vec(),
        version: version(&p)?,
        stat: p.has('s'),
    })
}

/// `-v`: `Integer.parseInt`, -1 (any version) when absent.
fn version(p: &Parsed) -> Result<i32, CliError> {
    match p.value('v') {
        Some(v) => java_parse_int(v).ok_or_else(|| CliError::NumberFormat(v.to_string())),
        None => Ok(-1),
    }
}

fn get_acl(tokens: &[String]) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 1] = [flag('s')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() < 2 {
        return Err(CliError::Parse(usage_str("getAcl")));
    }
    Ok(Command::GetAcl {
        path: arg(&p, 1),
        stat: p.has('s'),
    })
}

fn set_acl(tokens: &[String], inv: &mut Invocation) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 3] = [flag('s'), valued('v'), flag('R')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() < 3 {
        return Err(CliError::Parse(usage_str("setAcl")));
    }
    Ok(Command::SetAcl {
        path: arg(&p, 1),
        acl: parse_acl(&p.args[2], &mut inv.notices),
        version: version(&p)?,
        stat: p.has('s'),
        recursive: p.has('R'),
    })
}

fn delete(tokens: &[String], inv: &mut Invocation) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 1] = [valued('v')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() < 2 {
        return Err(CliError::Parse(usage_str("delete")));
    }
    if p.args.len() > 2 {
        inv.notices.push(
            "'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead."
                .into(),
        );
    }
    Ok(Command::Delete {
        path: arg(&p, 1),
        version: version(&p)?,
    })
}

fn delete_all(tokens: &[String], inv: &mut Invocation) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 1] = [valued('b')];
    let name = tokens[0].as_str();
    let path = required_path(tokens, &SPECS, name)?;
    let p = parse_options(&SPECS, tokens)?;
    if name == "rmr" {
        inv.notices
            .push("The command 'rmr' has been deprecated. Please use 'deleteall' instead.".into());
    }
    let batch = match p.value('b') {
        Some(b) => java_parse_int(b)
            .ok_or_else(|| CliError::Malformed("-b argument must be an int value".into()))?,
        None => DEFAULT_DELETE_BATCH,
    };
    Ok(Command::DeleteAll { path, batch })
}

fn add_watch(tokens: &[String]) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 1] = [valued('m')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() != 2 {
        return Err(CliError::Parse(usage_str("addWatch")));
    }
    let mode = match p.value('m').map(str::to_uppercase).as_deref() {
        None => AddWatchMode::PersistentRecursive,
        Some("PERSISTENT") => AddWatchMode::Persistent,
        Some("PERSISTENT_RECURSIVE") => AddWatchMode::PersistentRecursive,
        Some(_) => return Err(CliError::Parse(usage_str("addWatch"))),
    };
    Ok(Command::AddWatch {
        path: arg(&p, 1),
        mode,
    })
}

fn remove_watches(tokens: &[String]) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 4] = [flag('c'), flag('d'), flag('a'), flag('l')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() < 2 {
        return Err(CliError::Parse(usage_str("removewatches")));
    }
    let watcher_type = if p.has('c') {
        WatcherType::Children
    } else if p.has('d') {
        WatcherType::Data
    } else {
        WatcherType::Any
    };
    Ok(Command::RemoveWatches {
        path: arg(&p, 1),
        watcher_type,
        local: p.has('l'),
    })
}

mod create;
mod numbers;

use create::create;
pub use create::{MAX_TTL_MS, parse_acl};
pub use numbers::java_decode_int;
use numbers::java_parse_int;

#[cfg(test)]
mod tests;
