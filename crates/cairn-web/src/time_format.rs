//! Times as Confluence shows them: ISO-8601 with milliseconds and an offset (UTC) in REST answers,
//! and for people in the site's time zone.

pub use cairn_app::clock::now_ms;

/// `2024-05-01T12:34:56.789Z`.
pub fn iso_from_ms(epoch_ms: i64) -> String {
    cairn_app::clock::iso_utc(epoch_ms)
}

/// `Jan 01, 2024 12:34 UTC` for people, in the site's time zone (the general configuration).
pub fn human_from_ms(epoch_ms: i64) -> String {
    cairn_app::clock::human_in_zone(epoch_ms, crate::read_only::site_time_zone().as_deref())
}

/// "just a moment ago", "5 minutes ago"... as Confluence's `friendlyWhen`.
pub fn friendly_from_ms(epoch_ms: i64, now_ms: i64) -> String {
    let seconds = (now_ms - epoch_ms).max(0) / 1000;
    match seconds {
        0..=59 => "just a moment ago".to_string(),
        60..=119 => "a minute ago".to_string(),
        120..=3599 => format!("{} minutes ago", seconds / 60),
        3600..=7199 => "an hour ago".to_string(),
        7200..=86_399 => format!("{} hours ago", seconds / 3600),
        _ => human_from_ms(epoch_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_have_milliseconds_and_zone() {
        assert_eq!(iso_from_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_from_ms(1_714_566_896_789), "2024-05-01T12:34:56.789Z");
    }

    #[test]
    fn friendly_times_read_naturally() {
        assert_eq!(friendly_from_ms(1_000, 1_500), "just a moment ago");
        assert_eq!(friendly_from_ms(0, 5 * 60_000), "5 minutes ago");
        assert_eq!(friendly_from_ms(0, 3 * 3_600_000), "3 hours ago");
    }
}
