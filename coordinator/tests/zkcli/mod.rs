//! A tiny stand-in for zkCli's printing, for the seed walkthrough: Stat as
//! `printStat` prints it, dates as Java's `Date.toString()` in UTC, and the
//! default watcher's two lines. The real renderer belongs to the CLI.

use coordinator::watch::WatchedEvent;
use coordinator::{SessionId, Stat};
use protocols::Zxid;

/// zkCli's `printStat`.
pub fn render_stat(s: &Stat) -> String {
    [
        format!("cZxid = {:#x}", s.czxid),
        format!("ctime = {}", java_date(s.ctime)),
        format!("mZxid = {:#x}", s.mzxid),
        format!("mtime = {}", java_date(s.mtime)),
        format!("pZxid = {:#x}", s.pzxid),
        format!("cversion = {}", s.cversion),
        format!("dataVersion = {}", s.version),
        format!("aclVersion = {}", s.aversion),
        format!("ephemeralOwner = {:#x}", s.ephemeral_owner),
        format!("dataLength = {}", s.data_length),
        format!("numChildren = {}", s.num_children),
    ]
    .join("\n")
}

/// The expected `printStat` from values this test tracked itself.
#[allow(clippy::too_many_arguments)]
pub fn expect_stat(
    czxid: Zxid,
    ctime_ms: i64,
    mzxid: Zxid,
    mtime_ms: i64,
    pzxid: Zxid,
    cversion: i32,
    data_version: i32,
    ephemeral_owner: SessionId,
    data_length: usize,
    num_children: usize,
) -> String {
    format!(
        "cZxid = {czxid}\nctime = {}\nmZxid = {mzxid}\nmtime = {}\npZxid = {pzxid}\n\
         cversion = {cversion}\ndataVersion = {data_version}\naclVersion = 0\n\
         ephemeralOwner = {ephemeral_owner:#x}\ndataLength = {data_length}\nnumChildren = {num_children}",
        java_date(ctime_ms),
        java_date(mtime_ms),
    )
}

/// Java's `Date.toString()` in UTC: `Tue Aug 28 16:03:23 UTC 2018`.
pub fn java_date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[(days + 4).rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        sod / 3600,
        sod % 3600 / 60,
        sod % 60,
        year
    )
}

/// zkCli's default watcher printing a notification.
pub fn render_event(e: &WatchedEvent) -> String {
    format!(
        "WATCHER::\n\nWatchedEvent state:SyncConnected type:{:?} path:{}",
        e.event_type, e.path
    )
}

#[test]
fn java_date_matches_known_instants() {
    assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
    assert_eq!(java_date(1_535_472_203_000), "Tue Aug 28 16:03:23 UTC 2018");
    // From the 3.8 capture: `ctime = Wed Nov 25 08:00:40 UTC 2026`.
    assert_eq!(java_date(1_795_593_640_000), "Wed Nov 25 08:00:40 UTC 2026");
    assert_eq!(java_date(951_782_400_000), "Tue Feb 29 00:00:00 UTC 2000");
}
