//! `create`'s flags (modes, TTL, container) and zkCli's ACL argument.

use crate::acl::{Acl, Id, perms};
use crate::command::CreateMode;

use super::super::errors::CliError;
use super::super::options::{OptSpec, flag, parse as parse_options, valued};
use super::{Command, Invocation, arg, usage_str};

/// `EphemeralType.TTL.maxValue()`: the largest TTL in milliseconds.
pub const MAX_TTL_MS: i64 = 0xff_ffff_ffff;

pub(super) fn create(tokens: &[String], inv: &mut Invocation) -> Result<Command, CliError> {
    const SPECS: [OptSpec; 4] = [flag('e'), flag('s'), flag('c'), valued('t')];
    let p = parse_options(&SPECS, tokens)?;
    if p.args.len() < 2 {
        return Err(CliError::Parse(usage_str("create")));
    }
    let (e, s, c, t) = (p.has('e'), p.has('s'), p.has('c'), p.has('t'));
    if c && (e || s) {
        return Err(CliError::Malformed(
            "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential."
                .into(),
        ));
    }
    let ttl = match p.value('t') {
        Some(v) if t => Some(
            v.parse::<i64>()
                .map_err(|_| CliError::Malformed("-t argument must be a long value".into()))?,
        ),
        _ => None,
    };
    if t && e {
        return Err(CliError::Malformed(
            "TTLs cannot be used with Ephemeral znodes".into(),
        ));
    }
    if t && c {
        return Err(CliError::Malformed(
            "TTLs cannot be used with Container znodes".into(),
        ));
    }
    let mode = match (e, s, c, t) {
        (true, true, _, _) => CreateMode::EphemeralSequential,
        (true, false, _, _) => CreateMode::Ephemeral,
        (false, true, _, true) => CreateMode::PersistentSequentialWithTtl,
        (false, true, _, false) => CreateMode::PersistentSequential,
        (false, false, true, _) => CreateMode::Container,
        (false, false, false, true) => CreateMode::PersistentWithTtl,
        (false, false, false, false) => CreateMode::Persistent,
    };
    if let Some(ttl) = ttl
        && (ttl <= 0 || ttl > MAX_TTL_MS)
    {
        return Err(CliError::Malformed(format!(
            "ttl must be positive and cannot be larger than: {MAX_TTL_MS}"
        )));
    }
    let acl = match p.args.get(3) {
        Some(text) => parse_acl(text, &mut inv.notices),
        None => Acl::open_unsafe(),
    };
    Ok(Command::Create {
        path: arg(&p, 1),
        data: p.args.get(2).map(|d| d.as_bytes().to_vec()),
        acl,
        mode,
        ttl,
    })
}

/// `AclParser.parse`: `scheme:id:perms[,…]`; malformed entries are skipped
/// with a notice, unknown permission letters too.
pub fn parse_acl(text: &str, notices: &mut Vec<String>) -> Vec<Acl> {
    let mut acl = Vec::new();
    for entry in text.split(',').filter(|e| !e.is_empty()) {
        let (Some(first), Some(last)) = (entry.find(':'), entry.rfind(':')) else {
            notices.push(format!("{entry} does not have the form scheme:id:perm"));
            continue;
        };
        if first == last {
            notices.push(format!("{entry} does not have the form scheme:id:perm"));
            continue;
        }
        let mut bits = 0;
        for c in entry[last + 1..].chars() {
            match c {
                'r' => bits |= perms::READ,
                'w' => bits |= perms::WRITE,
                'c' => bits |= perms::CREATE,
                'd' => bits |= perms::DELETE,
                'a' => bits |= perms::ADMIN,
                other => notices.push(format!("Unknown perm type: {other}")),
            }
        }
        acl.push(Acl::new(
            bits,
            Id::new(&entry[..first], &entry[first + 1..last]),
        ));
    }
    acl
}
