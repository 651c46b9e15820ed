//! Waiting for a condition instead of sleeping.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How often conditions are polled.
pub const POLL: Duration = Duration::from_millis(50);

/// Polls `check` until it yields `Some`, and returns that; panics naming
/// `what` (and the last value seen, via `check`'s own message) after
/// `timeout`.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting until {what}");
        }
        tokio::time::sleep(POLL).await;
    }
}
