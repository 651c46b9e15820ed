//! ACLs: the data model (`Id`, `ACL`, permission bits), ZooKeeper's
//! `fixupACL` validation of a requested list, and the permission check.
//!
//! The identities of the requester travel in the [`crate::Command`] so that
//! every replica decides permission identically at apply time.

use serde::{Deserialize, Serialize};

use crate::auth;
use crate::error::ErrorCode;

/// Permission bits (`ZooDefs.Perms`).
pub mod perms {
    pub const READ: i32 = 1;
    pub const WRITE: i32 = 2;
    pub const CREATE: i32 = 4;
    pub const DELETE: i32 = 8;
    pub const ADMIN: i32 = 16;
    pub const ALL: i32 = 31;
}

/// An identity: `scheme:id` (`world:anyone`, `digest:user:hash`, `ip:10.0.0.1`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Id {
    pub scheme: String,
    pub id: String,
}

impl Id {
    pub fn new(scheme: impl Into<String>, id: impl Into<String>) -> Id {
        Id {
            scheme: scheme.into(),
            id: id.into(),
        }
    }

    /// `world:anyone`.
    pub fn anyone() -> Id {
        Id::new("world", "anyone")
    }
}

/// One ACL entry: the permissions granted to an identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Acl {
    pub perms: i32,
    pub id: Id,
}

impl Acl {
    pub fn new(perms: i32, id: Id) -> Acl {
        Acl { perms, id }
    }

    /// `ZooDefs.Ids.OPEN_ACL_UNSAFE`: world:anyone:cdrwa.
    pub fn open_unsafe() -> Vec<Acl> {
        vec![Acl::new(perms::ALL, Id::anyone())]
    }

    /// `ZooDefs.Ids.READ_ACL_UNSAFE`: world:anyone:r.
    pub fn read_unsafe() -> Vec<Acl> {
        vec![Acl::new(perms::READ, Id::anyone())]
    }
}

/// Whether `id` is an identity the `auth` ACL scheme expands to: ZooKeeper's
/// providers that say `isAuthenticated` (digest, sasl, x509 — not ip, and
/// not `super`, which has no provider).
pub fn is_authenticated(id: &Id) -> bool {
    id.scheme != "ip" && id.scheme != "super" && id.scheme != "world"
}

/// `PrepRequestProcessor.fixupACL`: validates a requested ACL list and
/// replaces `auth` entries with the requester's authenticated identities
/// (`ip` ids do not count). Empty lists, unknown schemes and malformed ids
/// are [`ErrorCode::InvalidAcl`]. Duplicates are removed, first one kept.
pub fn fixup(requested: &[Acl], auth: &[Id]) -> Result<Vec<Acl>, ErrorCode> {
    if requested.is_empty() {
        return Err(ErrorCode::InvalidAcl);
    }
    let mut out: Vec<Acl> = Vec::with_capacity(requested.len());
    let mut push = |acl: Acl| {
        if !out.contains(&acl) {
            out.push(acl);
        }
    };
    for acl in requested {
        match acl.id.scheme.as_str() {
            "world" if acl.id.id == "anyone" => push(acl.clone()),
            "auth" => {
                let mut any = false;
                for id in auth.iter().filter(|id| is_authenticated(id)) {
                    any = true;
                    push(Acl::new(acl.perms, id.clone()));
                }
                if !any {
                    return Err(ErrorCode::InvalidAcl);
                }
            }
            "digest" if auth::digest_is_valid(&acl.id.id) => push(acl.clone()),
            "ip" if auth::ip::is_valid(&acl.id.id) => push(acl.clone()),
            "sasl" | "x509" if !acl.id.id.is_empty() => push(acl.clone()),
            _ => return Err(ErrorCode::InvalidAcl),
        }
    }
    Ok(out)
}

/// `ZooKeeperServer.checkACL`: whether `ids` hold `perm` on a node with
/// `acl`. An empty ACL and the `super` identity allow everything.
pub fn check(acl: &[Acl], perm: i32, ids: &[Id]) -> Result<(), ErrorCode> {
    if acl.is_empty() || ids.iter().any(|id| id.scheme == "super") {
        return Ok(());
    }
    let granted = acl.iter().filter(|a| a.perms & perm != 0).any(|a| {
        if a.id.scheme == "world" && a.id.id == "anyone" {
            return true;
        }
        ids.iter()
            .filter(|id| id.scheme == a.id.scheme)
            .any(|id| match id.scheme.as_str() {
                "ip" => auth::ip::matches(&a.id.id, &id.id),
                _ => id.id == a.id.id,
            })
    });
    if granted {
        Ok(())
    } else {
        Err(ErrorCode::NoAuth)
    }
}

/// What getACL shows a requester without ADMIN on the node: digest ids
/// lose their hash (`user:x`), as ZooKeeper 3.8's FinalRequestProcessor
/// does (`id.replaceAll(":.*", ":x")`).
pub fn redact_digests(acl: Vec<Acl>) -> Vec<Acl> {
    acl.into_iter()
        .map(|mut a| {
            if a.id.scheme == "digest" {
                let user = a.id.id.split(':').next().unwrap_or("");
                a.id.id = format!("{user}:x");
            }
            a
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixup_refuses_what_zookeeper_refuses() {
        assert_eq!(fixup(&[], &[]), Err(ErrorCode::InvalidAcl));
        let bad_world = [Acl::new(perms::ALL, Id::new("world", "someone"))];
        assert_eq!(fixup(&bad_world, &[]), Err(ErrorCode::InvalidAcl));
        let unknown = [Acl::new(perms::ALL, Id::new("nope", "x"))];
        assert_eq!(fixup(&unknown, &[]), Err(ErrorCode::InvalidAcl));
        let auth = [Acl::new(perms::ALL, Id::new("auth", ""))];
        assert_eq!(
            fixup(&auth, &[Id::new("ip", "127.0.0.1")]),
            Err(ErrorCode::InvalidAcl)
        );
        let alice = Id::new("digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
        assert_eq!(
            fixup(&auth, std::slice::from_ref(&alice)),
            Ok(vec![Acl::new(perms::ALL, alice)])
        );
        let twice = [Acl::new(1, Id::anyone()), Acl::new(1, Id::anyone())];
        assert_eq!(fixup(&twice, &[]).map(|v| v.len()), Ok(1));
        assert!(fixup(&[Acl::new(1, Id::new("ip", "10.0.0.0/8"))], &[]).is_ok());
        assert!(fixup(&[Acl::new(1, Id::new("ip", "10.0.0.0/33"))], &[]).is_err());
    }

    #[test]
    fn check_grants_by_scheme() {
        let acl = vec![
            Acl::new(perms::READ, Id::anyone()),
            Acl::new(perms::WRITE, Id::new("ip", "10.1.0.0/16")),
            Acl::new(perms::ADMIN, Id::new("digest", "bob:h")),
        ];
        assert_eq!(check(&acl, perms::READ, &[]), Ok(()));
        assert_eq!(check(&acl, perms::WRITE, &[]), Err(ErrorCode::NoAuth));
        assert_eq!(
            check(&acl, perms::WRITE, &[Id::new("ip", "10.1.2.3")]),
            Ok(())
        );
        assert_eq!(
            check(&acl, perms::WRITE, &[Id::new("ip", "10.2.2.3")]),
            Err(ErrorCode::NoAuth)
        );
        assert_eq!(
            check(&acl, perms::ADMIN, &[Id::new("digest", "bob:h")]),
            Ok(())
        );
        assert_eq!(check(&acl, perms::DELETE, &[Id::new("super", "")]), Ok(()));
        assert_eq!(check(&[], perms::DELETE, &[]), Ok(()));
    }
}
