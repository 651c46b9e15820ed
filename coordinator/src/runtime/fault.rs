//! A test-only fault switch, compiled only with the `fault-injection`
//! feature (never in a normal build, never read from zoo.cfg): it gives the
//! nemesis runner (tests/src/nemesis) a known bug to find.
//!
//! `ZOOLAB_FAULT=stale-sync` makes `sync` answer at once from this
//! server's replica instead of committing a no-op through the protocol, so
//! a read after sync on a lagging server can miss acknowledged writes.

/// Whether `sync` should skip the round through the protocol.
pub fn stale_sync() -> bool {
    std::env::var("ZOOLAB_FAULT").is_ok_and(|v| v == "stale-sync")
}
