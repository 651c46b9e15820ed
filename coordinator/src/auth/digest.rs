//! The `digest` scheme (`DigestAuthenticationProvider`): `addauth digest
//! user:password` makes the identity `digest:user:base64(sha1("user:password"))`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

use crate::acl::Id;

use super::AuthConfig;

/// `DigestAuthenticationProvider.generateDigest`: the user (everything
/// before the first `:`, or the whole string), a `:`, and the base64 of the
/// SHA-1 of the *whole* `user:password` string.
///
/// ```
/// assert_eq!(
///     coordinator::auth::generate_digest("super:test"),
///     "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
/// );
/// ```
pub fn generate_digest(user_password: &str) -> String {
    let user = user_password
        .split_once(':')
        .map_or(user_password, |(u, _)| u);
    let hash = Sha1::digest(user_password.as_bytes());
    format!("{user}:{}", STANDARD.encode(hash))
}

/// `handleAuthentication`: ZooKeeper refuses no credentials here (bytes
/// that are not UTF-8 are read as Java's `new String(bytes)` reads them,
/// with U+FFFD for each bad sequence, and hashed that way). The super
/// digest adds `super:` as well.
pub(crate) fn authenticate(auth: &[u8], config: &AuthConfig) -> Vec<Id> {
    let digest = generate_digest(&String::from_utf8_lossy(auth));
    let mut ids = Vec::with_capacity(2);
    if config.super_digest.as_deref() == Some(digest.as_str()) {
        ids.push(Id::new("super", ""));
    }
    ids.push(Id::new("digest", digest));
    ids
}

/// `isValid`: Java's `id.split(":").length == 2`, where `split` drops
/// trailing empty strings (so `user:` is refused and `user:hash:` is not).
pub(crate) fn is_valid(id: &str) -> bool {
    let mut parts: Vec<&str> = id.split(':').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts.len() == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_zookeepers_published_values() {
        // The superDigest example of ZooKeeper's administrator guide.
        assert_eq!(
            generate_digest("super:test"),
            "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        );
        assert_eq!(
            generate_digest("alice:secret"),
            "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="
        );
        // Only the first colon separates the user; the hash covers it all.
        assert!(generate_digest("bob:pa:ss").starts_with("bob:"));
        assert_ne!(generate_digest("bob:pa:ss"), generate_digest("bob:pa"));
        // No colon at all: the whole string is the user, as in ZooKeeper.
        assert!(generate_digest("nocolon").starts_with("nocolon:"));
    }

    #[test]
    fn the_super_digest_adds_the_super_identity() {
        let plain = AuthConfig::default();
        assert_eq!(
            authenticate(b"super:test", &plain),
            vec![Id::new("digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")]
        );
        let config = AuthConfig {
            super_digest: Some("super:D/InIHSb7yEEbrWz8b9l71RjZJU=".into()),
        };
        assert_eq!(
            authenticate(b"super:test", &config),
            vec![
                Id::new("super", ""),
                Id::new("digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")
            ]
        );
        assert_eq!(authenticate(b"super:wrong", &config).len(), 1);
    }

    #[test]
    fn validity_follows_javas_split() {
        assert!(is_valid("alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="));
        assert!(is_valid(":hash"));
        assert!(is_valid("user:hash:"));
        assert!(!is_valid("user:"));
        assert!(!is_valid("user"));
        assert!(!is_valid(""));
        assert!(!is_valid("a:b:c"));
    }
}
