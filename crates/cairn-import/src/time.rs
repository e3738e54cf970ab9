//! Confluence's export times: `2013-10-14 15:37:52.357`, the server's wall clock without a zone.
//! They are read as UTC, the only zone an export lets one assume.

/// Epoch milliseconds of `text`, or `None` when it is not such a time.
pub fn parse_export_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, clock) = text.split_once([' ', 'T'])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    let (clock, fraction) = match clock.split_once('.') {
        Some((clock, fraction)) => (clock, fraction),
        None => (clock, ""),
    };
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: i64 = clock_parts.next().unwrap_or("0").parse().ok()?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || !(0..24).contains(&hour)
        || !(0..60).contains(&minute)
        || !(0..=60).contains(&second)
        || !(1..=9999).contains(&year)
    {
        return None;
    }
    let digits: String = fraction
        .chars()
        .take_while(char::is_ascii_digit)
        .take(3)
        .collect();
    let millis: i64 = if digits.is_empty() {
        0
    } else {
        format!("{digits:0<3}").parse().ok()?
    };
    let days = days_from_civil(year, month, day);
    Some((((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + millis)
}

/// `ms` (epoch milliseconds) as an export writes times: `2013-10-14 15:37:52.357`, in UTC.
pub fn format_export_time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let of_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}",
        of_day / 3_600_000,
        of_day / 60_000 % 60,
        of_day / 1000 % 60,
        of_day % 1000
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = if shifted >= 0 {
        shifted
    } else {
        shifted - 146_096
    } / 146_097;
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_export_times_as_utc() {
        assert_eq!(parse_export_time("1970-01-01 00:00:00.000"), Some(0));
        assert_eq!(
            parse_export_time("2013-10-14 15:37:52.357"),
            Some(1_381_765_072_357)
        );
        assert_eq!(
            parse_export_time("2024-02-29 23:59:59"),
            Some(1_709_251_199_000)
        );
        assert_eq!(
            parse_export_time("2013-10-14 15:37:52.5"),
            Some(1_381_765_072_500)
        );
    }

    #[test]
    fn written_times_read_back_to_the_same_millisecond() {
        for ms in [
            0,
            1_381_765_072_357,
            1_709_251_199_000,
            951_782_400_001,
            -86_400_000,
            253_402_300_799_999,
        ] {
            let text = format_export_time(ms);
            assert_eq!(parse_export_time(&text), Some(ms), "{text}");
        }
        assert_eq!(
            format_export_time(1_381_765_072_357),
            "2013-10-14 15:37:52.357"
        );
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for text in [
            "",
            "yesterday",
            "2013-13-01 00:00:00",
            "2013-10-14",
            "2013-10-14 25:00:00",
        ] {
            assert_eq!(parse_export_time(text), None, "{text}");
        }
    }
}
