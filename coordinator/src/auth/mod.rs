//! Authentication as ZooKeeper 3.8 has it, shared by every front end (gRPC
//! today, ZooKeeper's wire protocol next).
//!
//! A connection (gRPC: a session attached to this server) holds an
//! [`AuthInfo`]: the identities it has proven. It starts with `ip:<client
//! address>` ([`AuthInfo::for_client`]); `addauth` ([`AuthInfo::add_auth`])
//! adds more. The front end puts [`AuthInfo::ids`] into every
//! [`Command`](crate::Command) it proposes (`Command::with_auth`), so each
//! replica decides permissions identically at apply time, and passes the
//! same ids to the local reads (`Replica::get_data`, `DataTree::get_acl_as`,
//! …). Permission checks and ACL validation are in [`crate::acl`].
//!
//! Schemes:
//! - `digest`: `addauth digest user:password` proves
//!   `digest:user:base64(sha1("user:password"))` ([`generate_digest`]).
//!   With a super digest configured ([`AuthConfig::super_digest`], the
//!   equivalent of ZooKeeper's
//!   `zookeeper.DigestAuthenticationProvider.superDigest`), the matching
//!   credentials also prove `super:`, which passes every ACL.
//! - `ip`: the client's address, added to every connection; `addauth ip`
//!   (any bytes) adds it again, as ZooKeeper does. ACL ids may carry a
//!   `/bits` prefix (IPv4, and IPv6 as a zoolab extension).
//! - `world:anyone` is everyone; it is never an identity a session holds.
//! - `auth` is not an identity either: in an ACL given to create or setACL
//!   it stands for every authenticated (non-ip) identity of the requester,
//!   and is InvalidACL when there is none ([`crate::acl::fixup`]).
//!
//! Failures: an unknown scheme (or one that cannot be proven by `addauth`:
//! world, auth, super, sasl, x509) is [`AuthError::UnknownScheme`]; an `ip`
//! addauth on a connection with no known address is
//! [`AuthError::Refused`]. Both are ZooKeeper's AUTHFAILED (-115)
//! ([`AuthError::code`]), after which ZooKeeper closes the *connection*
//! (not the session): its client enters the terminal AUTH_FAILED state and
//! stops pinging, so the session expires. Front ends do the same: answer
//! AUTHFAILED and drop the connection (gRPC: detach the session from the
//! server). Digest credentials are never refused: ZooKeeper accepts any
//! bytes (even without a `:`), and so does zoolab.
//!
//! Where zoolab differs from ZooKeeper 3.8:
//! - `ip` ACL ids may be IPv6 (3.8 parses IPv4 only and calls IPv6 ids
//!   InvalidACL).
//! - The super digest comes from the environment ([`SUPER_DIGEST_ENV`]),
//!   not a JVM system property; no zoo.cfg key yet.
//! - No sasl or x509 providers: ACL ids of those schemes are accepted but
//!   no session can hold them.
//! - Over gRPC, identities belong to the session's attachment to a server,
//!   not to a TCP connection (see [`crate::grpc`]).
//! - As in 3.8, exists checks no permission (3.9 checks READ), and watch
//!   events reach a watcher whatever the node's ACL (3.8.4 stops persistent
//!   recursive watches from reporting nodes the watcher may not read).
//!
//! ```
//! use coordinator::auth::{AuthConfig, AuthInfo};
//!
//! let peer = "127.0.0.1".parse().ok();
//! let mut info = AuthInfo::for_client(peer);
//! info.add_auth("digest", b"alice:secret", peer, &AuthConfig::default()).unwrap();
//! let ids: Vec<String> = info.ids().iter().map(|id| format!("{}:{}", id.scheme, id.id)).collect();
//! assert_eq!(ids, ["ip:127.0.0.1", "digest:alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="]);
//! assert!(info.add_auth("kerberos", b"x", peer, &AuthConfig::default()).is_err());
//! ```

mod digest;
pub(crate) mod ip;

use std::fmt;
use std::net::IpAddr;
use std::sync::OnceLock;

use crate::acl::Id;
use crate::error::ErrorCode;

pub use digest::generate_digest;
pub(crate) use digest::is_valid as digest_is_valid;
pub use ip::host_address;

/// The name of ZooKeeper's super-digest setting (a Java system property).
pub const SUPER_DIGEST_KEY: &str = "zookeeper.DigestAuthenticationProvider.superDigest";

/// The environment variable zoolab reads the super digest from, the
/// equivalent of ZooKeeper's `-Dzookeeper.DigestAuthenticationProvider.superDigest=…`.
pub const SUPER_DIGEST_ENV: &str = "ZOOLAB_SUPER_DIGEST";

/// Server-wide authentication settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthConfig {
    /// `super:<base64(sha1("super:password"))>` (any user name works, as in
    /// ZooKeeper): digest credentials that hash to it also prove `super:`.
    pub super_digest: Option<String>,
}

impl AuthConfig {
    /// The settings from the environment ([`SUPER_DIGEST_ENV`]), read once
    /// per process as ZooKeeper reads its system property once.
    pub fn from_env() -> &'static AuthConfig {
        static CONFIG: OnceLock<AuthConfig> = OnceLock::new();
        CONFIG.get_or_init(|| AuthConfig {
            super_digest: std::env::var(SUPER_DIGEST_ENV)
                .ok()
                .filter(|s| !s.is_empty()),
        })
    }
}

/// Why `addauth` failed: always ZooKeeper's AUTHFAILED.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No provider for this scheme can be used by addauth.
    UnknownScheme(String),
    /// The provider refused the credentials.
    Refused { scheme: String, reason: String },
}

impl AuthError {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::AuthFailed
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::UnknownScheme(s) => write!(
                f,
                "no authentication provider for scheme {s:?} (known: digest, ip)"
            ),
            AuthError::Refused { scheme, reason } => {
                write!(f, "authentication failed for scheme {scheme:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for AuthError {}

impl From<AuthError> for ErrorCode {
    fn from(e: AuthError) -> ErrorCode {
        e.code()
    }
}

/// The identities `addauth scheme auth` proves for a client at `peer`
/// (`ProviderRegistry.getServerProvider(scheme).handleAuthentication`).
pub fn authenticate(
    scheme: &str,
    auth: &[u8],
    peer: Option<IpAddr>,
    config: &AuthConfig,
) -> Result<Vec<Id>, AuthError> {
    match scheme {
        "digest" => Ok(digest::authenticate(auth, config)),
        "ip" => match peer {
            Some(addr) => Ok(vec![Id::new("ip", host_address(addr))]),
            None => Err(AuthError::Refused {
                scheme: scheme.into(),
                reason: "the client's address is unknown".into(),
            }),
        },
        other => Err(AuthError::UnknownScheme(other.into())),
    }
}

/// `ServerCnxn.getClientInfos`' entry: the scheme and the user it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    pub auth_scheme: String,
    pub user: String,
}

/// One connection's (or attached session's) identities, in the order they
/// were proven, without duplicates (`ServerCnxn.addAuthInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthInfo {
    ids: Vec<Id>,
}

impl AuthInfo {
    /// No identity at all (world:anyone still applies).
    pub fn new() -> AuthInfo {
        AuthInfo::default()
    }

    /// What a new ZooKeeper connection holds: `ip:<address>` when the
    /// client's address is known.
    pub fn for_client(peer: Option<IpAddr>) -> AuthInfo {
        let mut info = AuthInfo::new();
        if let Some(addr) = peer {
            info.insert(Id::new("ip", host_address(addr)));
        }
        info
    }

    /// Adds one identity unless it is already there.
    pub fn insert(&mut self, id: Id) {
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
    }

    /// Adds every identity of `other`, in order.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Id>) {
        for id in other {
            self.insert(id);
        }
    }

    /// `addauth scheme auth` from a client at `peer`: the identities it
    /// proved are added and returned. On error nothing is added; the
    /// caller answers AUTHFAILED and closes the connection.
    pub fn add_auth(
        &mut self,
        scheme: &str,
        auth: &[u8],
        peer: Option<IpAddr>,
        config: &AuthConfig,
    ) -> Result<Vec<Id>, AuthError> {
        let ids = authenticate(scheme, auth, peer, config)?;
        self.extend(ids.iter().cloned());
        Ok(ids)
    }

    /// The identities, for [`crate::Command::with_auth`] and the reads.
    pub fn ids(&self) -> &[Id] {
        &self.ids
    }

    pub fn into_ids(self) -> Vec<Id> {
        self.ids
    }

    /// Whether the `auth` ACL scheme has anything to expand to (an
    /// identity other than ip and super).
    pub fn is_authenticated(&self) -> bool {
        self.ids.iter().any(crate::acl::is_authenticated)
    }

    /// whoAmI's answer (`AuthUtil.getClientInfos`): the scheme and user of
    /// each identity; a digest's user is the part before its first `:`.
    pub fn client_infos(&self) -> Vec<ClientInfo> {
        self.ids
            .iter()
            .map(|id| ClientInfo {
                auth_scheme: id.scheme.clone(),
                user: match id.scheme.as_str() {
                    "digest" => id.id.split(':').next().unwrap_or("").to_owned(),
                    _ => id.id.clone(),
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4() -> Option<IpAddr> {
        "10.0.0.7".parse().ok()
    }

    #[test]
    fn a_connection_starts_with_its_address() {
        assert_eq!(
            AuthInfo::for_client(v4()).ids(),
            &[Id::new("ip", "10.0.0.7")]
        );
        assert!(AuthInfo::for_client(None).ids().is_empty());
        assert!(!AuthInfo::for_client(v4()).is_authenticated());
    }

    #[test]
    fn addauth_adds_each_identity_once_in_order() {
        let config = AuthConfig::default();
        let mut info = AuthInfo::for_client(v4());
        let added = info.add_auth("digest", b"bob:pw", v4(), &config);
        assert_eq!(
            added,
            Ok(vec![Id::new("digest", generate_digest("bob:pw"))])
        );
        info.add_auth("digest", b"bob:pw", v4(), &config).unwrap();
        info.add_auth("ip", b"ignored", v4(), &config).unwrap();
        info.add_auth("digest", b"carol:pw", v4(), &config).unwrap();
        let schemes: Vec<&str> = info.ids().iter().map(|i| i.scheme.as_str()).collect();
        assert_eq!(schemes, ["ip", "digest", "digest"]);
        assert!(info.is_authenticated());
        assert_eq!(
            info.client_infos()[1],
            ClientInfo {
                auth_scheme: "digest".into(),
                user: "bob".into()
            }
        );
    }

    #[test]
    fn unknown_schemes_fail_with_authfailed_and_add_nothing() {
        let config = AuthConfig::default();
        let mut info = AuthInfo::for_client(v4());
        for scheme in ["world", "auth", "super", "sasl", "x509", "", "Digest"] {
            let err = info.add_auth(scheme, b"a:b", v4(), &config);
            assert_eq!(err, Err(AuthError::UnknownScheme(scheme.into())));
        }
        let no_peer = info.add_auth("ip", b"", None, &config);
        assert_eq!(no_peer.map_err(|e| e.code()), Err(ErrorCode::AuthFailed));
        assert_eq!(info.ids().len(), 1);
    }

    #[test]
    fn digest_accepts_any_bytes_as_zookeeper_does() {
        let config = AuthConfig::default();
        assert!(authenticate("digest", b"", None, &config).is_ok());
        assert!(authenticate("digest", b"nocolon", None, &config).is_ok());
        assert!(authenticate("digest", &[0xff, b':', 0xfe], None, &config).is_ok());
    }
}
