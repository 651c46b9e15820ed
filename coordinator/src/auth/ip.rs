//! The `ip` scheme (`IPAuthenticationProvider`): a client's identity is its
//! address, and an ACL id is an address with an optional `/bits` prefix.
//!
//! IPv4 is parsed as ZooKeeper parses it (four `.`-separated decimal
//! numbers in 0..=255, leading zeros and a `+` allowed). ZooKeeper 3.8 does
//! not parse IPv6 in ACLs at all (its `v6addr2Bytes` is a TODO); zoolab
//! accepts IPv6 addresses and prefixes up to /128 as well.

use std::net::{IpAddr, Ipv6Addr};

/// `InetAddress.getHostAddress`: dotted IPv4; IPv6 as eight uncompressed
/// lowercase hex groups (`0:0:0:0:0:0:0:1`). An IPv4-mapped IPv6 address is
/// the IPv4 client it stands for, as Java reports it.
pub fn host_address(addr: IpAddr) -> String {
    match addr.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .segments()
            .iter()
            .map(|s| format!("{s:x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// `v4addr2Bytes`, then (zoolab's extension) an IPv6 address.
fn addr_bytes(addr: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = addr.split('.').collect();
    if parts.len() == 4 {
        return parts
            .iter()
            .map(|p| p.parse::<i32>().ok().and_then(|v| u8::try_from(v).ok()))
            .collect();
    }
    if addr.contains(':') {
        return addr.parse::<Ipv6Addr>().ok().map(|a| a.octets().to_vec());
    }
    None
}

/// The address's bytes and the prefix length (the whole address without
/// `/bits`); `None` when either part is malformed or the prefix is longer
/// than the address.
fn parse_expr(expr: &str) -> Option<(Vec<u8>, usize)> {
    let (addr, bits) = match expr.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (expr, None),
    };
    let bytes = addr_bytes(addr)?;
    let max = bytes.len() * 8;
    let bits = match bits {
        None => max,
        Some(b) => usize::try_from(b.parse::<i32>().ok()?).ok()?,
    };
    (bits <= max).then_some((bytes, bits))
}

fn mask(bytes: &mut [u8], bits: usize) {
    for (i, b) in bytes.iter_mut().enumerate() {
        let kept = bits.saturating_sub(i * 8).min(8);
        // `kept` is 0..=8: shift in u16 so 8 does not overflow.
        *b &= (0xff00u16 >> kept) as u8;
    }
}

/// `isValid`: an address with an optional prefix no longer than it.
pub(crate) fn is_valid(expr: &str) -> bool {
    parse_expr(expr).is_some()
}

/// `matches(id, aclExpr)`: the client address `id` is inside `expr`.
/// Addresses of different families never match.
pub(crate) fn matches(expr: &str, id: &str) -> bool {
    let Some((mut acl, bits)) = parse_expr(expr) else {
        return false;
    };
    let Some(mut client) = addr_bytes(id) else {
        return false;
    };
    if client.len() != acl.len() {
        return false;
    }
    mask(&mut acl, bits);
    mask(&mut client, bits);
    acl == client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_as_in_zookeeper() {
        assert!(matches("127.0.0.1", "127.0.0.1"));
        assert!(!matches("127.0.0.1", "127.0.0.2"));
        assert!(matches("10.1.0.0/16", "10.1.200.3"));
        assert!(!matches("10.1.0.0/16", "10.2.0.3"));
        assert!(matches("10.1.2.3/0", "192.168.0.1"));
        assert!(matches("192.168.1.255/23", "192.168.0.7"));
        assert!(!matches("192.168.1.255/24", "192.168.0.7"));
        // ZooKeeper's parser accepts leading zeros and a sign.
        assert!(matches("010.001.000.000/8", "10.9.9.9"));
        assert!(!matches("10.0.0.0/33", "10.0.0.1"));
        assert!(!matches("10.0.0.0/x", "10.0.0.1"));
        assert!(!matches("10.0.0", "10.0.0.1"));
        assert!(!matches("256.0.0.1", "0.0.0.1"));
    }

    #[test]
    fn ipv6_addresses_and_prefixes() {
        assert!(matches("::1", "0:0:0:0:0:0:0:1"));
        assert!(matches("fe80::/10", "fe80::1234"));
        assert!(!matches("fe80::/10", "fec0::1"));
        assert!(matches("2001:db8::/32", "2001:db8:ffff::1"));
        assert!(!matches("2001:db8::/129", "2001:db8::1"));
        assert!(!matches("::1", "127.0.0.1"));
        assert!(!matches("127.0.0.1/8", "::1"));
    }

    #[test]
    fn validity() {
        for ok in [
            "1.2.3.4",
            "1.2.3.4/0",
            "1.2.3.4/32",
            "::1",
            "::/0",
            "::1/128",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4/33",
            "1.2.3.4/-1",
            "::1/129",
            "host",
            "1.2.3.4/",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn host_addresses_are_javas() {
        assert_eq!(host_address("127.0.0.1".parse().unwrap()), "127.0.0.1");
        assert_eq!(host_address("::1".parse().unwrap()), "0:0:0:0:0:0:0:1");
        assert_eq!(host_address("::ffff:10.0.0.7".parse().unwrap()), "10.0.0.7");
    }
}
