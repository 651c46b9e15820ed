//! zkCli's `StatPrinter` and Java's `Date.toString()`.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::stat::Stat;

/// Java's `new Date(ms).toString()` in `zone`: `Wed Aug 29 00:03:23 CST 2018`
/// (`EEE MMM dd HH:mm:ss zzz yyyy`, the zone's abbreviation at that
/// instant, so DST shows as e.g. `CEST`). zkCli uses the JVM's default
/// zone; the shell passes `TimeZone::system()`.
pub fn java_date(ms: i64, zone: &TimeZone) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned(zone.clone())
            .strftime("%a %b %d %H:%M:%S %Z %Y")
            .to_string(),
        // Outside jiff's range (±9999 years): no znode carries such a time;
        // print the raw value rather than fail.
        Err(_) => ms.to_string(),
    }
}

/// `StatPrinter.print`: the eleven lines, in ZooKeeper's order.
pub fn stat_lines(stat: &Stat, zone: &TimeZone) -> Vec<String> {
    vec![
        format!("cZxid = 0x{:x}", stat.czxid),
        format!("ctime = {}", java_date(stat.ctime, zone)),
        format!("mZxid = 0x{:x}", stat.mzxid),
        format!("mtime = {}", java_date(stat.mtime, zone)),
        format!("pZxid = 0x{:x}", stat.pzxid),
        format!("cversion = {}", stat.cversion),
        format!("dataVersion = {}", stat.version),
        format!("aclVersion = {}", stat.aversion),
        format!("ephemeralOwner = 0x{:x}", stat.ephemeral_owner),
        format!("dataLength = {}", stat.data_length),
        format!("numChildren = {}", stat.num_children),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_java_in_utc_and_in_a_named_zone() {
        let utc = TimeZone::UTC;
        assert_eq!(java_date(0, &utc), "Thu Jan 01 00:00:00 UTC 1970");
        // From the 3.8 capture.
        assert_eq!(
            java_date(1_795_593_640_000, &utc),
            "Wed Nov 25 08:00:40 UTC 2026"
        );
        // The seed's ctime, printed by a JVM in China.
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(
            java_date(1_535_472_203_000, &shanghai),
            "Wed Aug 29 00:03:23 CST 2018"
        );
        assert_eq!(java_date(0, &shanghai), "Thu Jan 01 08:00:00 CST 1970");
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            java_date(1_535_472_203_000, &berlin),
            "Tue Aug 28 18:03:23 CEST 2018"
        );
    }

    #[test]
    fn stat_block_is_in_zookeeper_order_with_hex_zxids() {
        let stat = Stat {
            czxid: 0x1_0000_001d,
            mzxid: 0x1_0000_0028,
            ctime: 1_795_593_640_000,
            mtime: 1_795_593_650_000,
            version: 2,
            cversion: 4,
            aversion: 0,
            ephemeral_owner: 0x1000003eafb0002,
            data_length: 10,
            num_children: 4,
            pzxid: 0x1_0000_0024,
        };
        let lines = stat_lines(&stat, &TimeZone::UTC);
        assert_eq!(
            lines,
            [
                "cZxid = 0x10000001d",
                "ctime = Wed Nov 25 08:00:40 UTC 2026",
                "mZxid = 0x100000028",
                "mtime = Wed Nov 25 08:00:50 UTC 2026",
                "pZxid = 0x100000024",
                "cversion = 4",
                "dataVersion = 2",
                "aclVersion = 0",
                "ephemeralOwner = 0x1000003eafb0002",
                "dataLength = 10",
                "numChildren = 4",
            ]
        );
        // Long.toHexString: two's complement for negative values.
        let neg = Stat {
            ephemeral_owner: -1,
            ..Stat::default()
        };
        assert_eq!(
            stat_lines(&neg, &TimeZone::UTC)[8],
            "ephemeralOwner = 0xffffffffffffffff"
        );
    }
}
