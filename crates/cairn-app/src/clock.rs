//! The node's clock, in the unit storage uses.

use time::OffsetDateTime;

/// Current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// `2024-05-01T12:34:56.789Z`: ISO-8601 in UTC with milliseconds, as Confluence writes times.
pub fn iso_utc(epoch_ms: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_default()
}

/// `Dec 07, 2026 14:11 CET`: a time for people, in the time zone named `zone` (IANA, such as
/// `Europe/Berlin`), or in UTC when none is named or the name is unknown.
pub fn human_in_zone(epoch_ms: i64, zone: Option<&str>) -> String {
    let Ok(timestamp) = jiff::Timestamp::from_millisecond(epoch_ms) else {
        return String::new();
    };
    let zone = zone
        .and_then(|name| jiff::tz::TimeZone::get(name).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    timestamp
        .to_zoned(zone)
        .strftime("%b %d, %Y %H:%M %Z")
        .to_string()
}

/// Whether `name` names a time zone (`Europe/Berlin`, `America/New_York`, `UTC`).
pub fn is_time_zone(name: &str) -> bool {
    !name.trim().is_empty() && jiff::tz::TimeZone::get(name.trim()).is_ok()
}

/// The start of day `2024-05-01` (UTC) in epoch milliseconds; `None` for anything else.
pub fn day_start_ms(day: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(day.trim(), &format).ok()?;
    let midnight = date.midnight().assume_utc();
    i64::try_from(midnight.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_instants_read_and_write_in_utc() {
        assert_eq!(day_start_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(day_start_ms("2024-13-01"), None);
        assert_eq!(day_start_ms("yesterday"), None);
        assert_eq!(iso_utc(86_400_123), "1970-01-02T00:00:00.123Z");
    }

    #[test]
    fn people_read_times_in_the_site_time_zone() {
        // 2026-12-07 13:05 UTC.
        let moment = 1_796_648_700_000;
        assert_eq!(human_in_zone(moment, None), "Dec 07, 2026 13:05 UTC");
        assert_eq!(
            human_in_zone(moment, Some("Europe/Berlin")),
            "Dec 07, 2026 14:05 CET"
        );
        assert_eq!(
            human_in_zone(moment, Some("Mars/Olympus")),
            "Dec 07, 2026 13:05 UTC"
        );
        assert!(is_time_zone("America/New_York"));
        assert!(!is_time_zone("Mars/Olympus"));
        assert!(!is_time_zone(""));
    }
}
