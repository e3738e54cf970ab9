//! The node's clock, in the unit storage uses.

use time::OffsetDateTime;

/// Current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}
