//! From a CQL AST to a [`ContentQuery`]: field semantics, values, and functions of time.

use cairn_core::{Comparison, ContentId, ContentQuery, ContentType, OrderField, Predicate};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::cql::{CqlError, Expr, Operator, Query, Value, parse};

/// What a query is evaluated against.
pub struct PlanContext<'a> {
    /// Username for `currentUser()`.
    pub current_user: &'a str,
    /// The current time, epoch milliseconds (UTC).
    pub now_ms: i64,
}

/// Parses and plans `cql`.
pub fn plan_cql(cql: &str, context: &PlanContext<'_>) -> Result<ContentQuery, CqlError> {
    let query = parse(cql)?;
    plan(&query, context).map_err(|message| CqlError {
        cql: cql.to_string(),
        message,
        position: 1,
    })
}

/// Turns a parsed query into a content query. Errors are messages about fields and values.
pub fn plan(query: &Query, context: &PlanContext<'_>) -> Result<ContentQuery, String> {
    let predicate = match &query.filter {
        Some(expr) => predicate(expr, context)?,
        None => Predicate::All,
    };
    let mut order = Vec::new();
    for key in &query.order {
        let field = match key.field.as_str() {
            "title" => OrderField::Title,
            "created" => OrderField::Created,
            "lastmodified" | "modified" => OrderField::LastModified,
            "id" | "content" => OrderField::Id,
            other => return Err(format!("cannot order by {other}")),
        };
        order.push((field, key.descending));
    }
    Ok(ContentQuery { predicate, order })
}

fn predicate(expr: &Expr, context: &PlanContext<'_>) -> Result<Predicate, String> {
    match expr {
        Expr::And(left, right) => Ok(Predicate::And(vec![
            predicate(left, context)?,
            predicate(right, context)?,
        ])),
        Expr::Or(left, right) => Ok(Predicate::Or(vec![
            predicate(left, context)?,
            predicate(right, context)?,
        ])),
        Expr::Not(inner) => Ok(Predicate::Not(Box::new(predicate(inner, context)?))),
        Expr::In {
            field,
            negated,
            values,
        } => {
            let texts = values
                .iter()
                .map(|value| text_of(value, context))
                .collect::<Result<Vec<_>, _>>()?;
            let matched = equality(field, texts)?;
            Ok(if *negated {
                Predicate::Not(Box::new(matched))
            } else {
                matched
            })
        }
        Expr::Clause {
            field,
            operator,
            value,
        } => clause(field, *operator, value, context),
    }
}

/// A value as text; `currentUser()` becomes the caller's username.
fn text_of(value: &Value, context: &PlanContext<'_>) -> Result<String, String> {
    match value {
        Value::Text(text) => Ok(text.clone()),
        Value::Function { name, .. } if name.eq_ignore_ascii_case("currentuser") => {
            Ok(context.current_user.to_string())
        }
        Value::Function { name, .. } => Err(format!("function {name}() cannot be used here")),
    }
}

fn ids(values: &[String]) -> Result<Vec<ContentId>, String> {
    values
        .iter()
        .map(|value| {
            ContentId::parse(value.trim()).ok_or_else(|| format!("{value} is not a content id"))
        })
        .collect()
}

fn single_id(values: Vec<String>, field: &str) -> Result<ContentId, String> {
    let found = ids(&values)?;
    match found.as_slice() {
        [id] => Ok(*id),
        _ => Err(format!("{field} takes one content id")),
    }
}

/// `field = v` or `field IN (v, …)`.
fn equality(field: &str, values: Vec<String>) -> Result<Predicate, String> {
    match field {
        "type" => {
            let mut types = Vec::new();
            let mut attachments = false;
            let mut spaces = false;
            for value in &values {
                match value.to_lowercase().as_str() {
                    "page" => types.push(ContentType::Page),
                    "blogpost" | "blog" => types.push(ContentType::BlogPost),
                    "comment" => types.push(ContentType::Comment),
                    "attachment" => attachments = true,
                    "space" => spaces = true,
                    other => return Err(format!("unknown content type {other}")),
                }
            }
            let mut kinds = Vec::new();
            if !types.is_empty() {
                kinds.push(Predicate::ContentTypeIn(types));
            }
            if attachments {
                kinds.push(Predicate::IsAttachment);
            }
            if spaces {
                kinds.push(Predicate::IsSpace);
            }
            Ok(match kinds.len() {
                0 => Predicate::Nothing,
                1 => kinds.remove(0),
                _ => Predicate::Or(kinds),
            })
        }
        "space" | "space.key" => Ok(Predicate::SpaceKeyIn(values)),
        "title" => Ok(Predicate::Or(
            values.into_iter().map(Predicate::TitleEquals).collect(),
        )),
        "label" => Ok(Predicate::LabelIn(
            values
                .iter()
                .map(|label| label.trim().to_lowercase())
                .collect(),
        )),
        "id" | "content" => Ok(Predicate::IdIn(ids(&values)?)),
        "parent" => Ok(Predicate::ParentIs(single_id(values, "parent")?)),
        "ancestor" => Ok(Predicate::AncestorIs(single_id(values, "ancestor")?)),
        "container" => Ok(Predicate::ContainerIs(single_id(values, "container")?)),
        "creator" => Ok(Predicate::CreatorIn(
            values
                .iter()
                .map(|name| name.trim().to_lowercase())
                .collect(),
        )),
        "contributor" => Ok(Predicate::ContributorIn(
            values
                .iter()
                .map(|name| name.trim().to_lowercase())
                .collect(),
        )),
        // Nothing is watched, favourited or mentioned-indexed yet: these match no content.
        "mention" => Ok(Predicate::MentionIn(
            values
                .iter()
                .map(|name| name.trim().to_lowercase())
                .collect(),
        )),
        // Nothing is watched or favourited yet: these match no content.
        "watcher" | "favourite" | "favorite" => Ok(Predicate::Nothing),
        "created" | "lastmodified" | "modified" => {
            Err(format!("use a comparison such as >= with {field}"))
        }
        "text" | "sitesearch" => Err(format!("{field} takes ~ (contains)")),
        other => Err(format!("unknown field {other}")),
    }
}

fn clause(
    field: &str,
    operator: Operator,
    value: &Value,
    context: &PlanContext<'_>,
) -> Result<Predicate, String> {
    match field {
        "created" | "lastmodified" | "modified" => {
            let (start, end) = time_range(value, context)?;
            let make = |comparison, at| match field {
                "created" => Predicate::Created(comparison, at),
                _ => Predicate::LastModified(comparison, at),
            };
            Ok(match operator {
                Operator::Equals => Predicate::And(vec![
                    make(Comparison::GreaterOrEqual, start),
                    make(Comparison::Less, end),
                ]),
                Operator::NotEquals => Predicate::Or(vec![
                    make(Comparison::Less, start),
                    make(Comparison::GreaterOrEqual, end),
                ]),
                Operator::Greater => make(Comparison::GreaterOrEqual, end),
                Operator::GreaterOrEqual => make(Comparison::GreaterOrEqual, start),
                Operator::Less => make(Comparison::Less, start),
                Operator::LessOrEqual => make(Comparison::Less, end),
                Operator::Contains | Operator::NotContains => {
                    return Err(format!("{field} cannot be compared with ~"));
                }
            })
        }
        "text" | "sitesearch" | "title"
            if matches!(operator, Operator::Contains | Operator::NotContains) =>
        {
            let terms = terms(&text_of(value, context)?);
            if terms.is_empty() {
                return Err(format!("{field} ~ needs some text"));
            }
            let contains = if field == "title" {
                Predicate::TitleContains(terms)
            } else {
                Predicate::TextContains(terms)
            };
            Ok(if operator == Operator::NotContains {
                Predicate::Not(Box::new(contains))
            } else {
                contains
            })
        }
        _ => match operator {
            Operator::Equals => equality(field, vec![text_of(value, context)?]),
            Operator::NotEquals => Ok(Predicate::Not(Box::new(equality(
                field,
                vec![text_of(value, context)?],
            )?))),
            other => Err(format!("{field} does not support {other}")),
        },
    }
}

/// Search terms: quoted phrases stay whole (wildcards in them are dropped), other words split on
/// whitespace and keep a trailing `*` (prefix) or `~` (fuzzy) marker; everything lower case.
fn terms(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let (phrase, after) = quoted.split_once('"').unwrap_or((quoted, ""));
            found.push(phrase.replace(['*', '?', '~'], " "));
            rest = after.trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            found.push(word_term(&rest[..end]));
            rest = rest[end..].trim_start();
        }
    }
    found
        .into_iter()
        .map(|term| term.trim().to_lowercase())
        .filter(|term| !term.is_empty() && term != "*" && term != "~")
        .collect()
}

/// One unquoted word: inner wildcards become spaces, a trailing `*` or `~` stays as a marker.
fn word_term(word: &str) -> String {
    let (stem, marker) = match word.as_bytes().last() {
        Some(b'*') => (&word[..word.len() - 1], "*"),
        Some(b'~') => (&word[..word.len() - 1], "~"),
        _ => (word, ""),
    };
    let stem = stem.replace(['*', '?', '~'], " ");
    if stem.trim().is_empty() || stem.trim().contains(char::is_whitespace) {
        return stem;
    }
    format!("{}{marker}", stem.trim())
}

/// The half-open interval `[start, end)` a time value names: a day for dates and day functions, a
/// minute for times, an instant (one millisecond) for `now()`.
fn time_range(value: &Value, context: &PlanContext<'_>) -> Result<(i64, i64), String> {
    let now = OffsetDateTime::from_unix_timestamp_nanos(i128::from(context.now_ms) * 1_000_000)
        .map_err(|_| "the clock is out of range".to_string())?;
    const DAY_MS: i64 = 86_400_000;
    match value {
        Value::Text(text) => {
            if let Some(shifted) = relative(now, text)? {
                let at = millis(shifted);
                return Ok((at, at + 1));
            }
            let (moment, span) = absolute(text).ok_or_else(|| {
                format!("{text} is not a date (use yyyy-MM-dd or yyyy-MM-dd HH:mm)")
            })?;
            let start = millis(moment.assume_utc());
            Ok((start, start + span))
        }
        Value::Function { name, arguments } => {
            let lower = name.to_lowercase();
            let shifted = match arguments.first() {
                Some(argument) => relative(now, argument)?
                    .ok_or_else(|| format!("{argument} is not a relative time like -1d or +2w"))?,
                None => now,
            };
            let date = shifted.date();
            let day_start =
                |date: Date| millis(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
            let week_start =
                date - Duration::days(i64::from(date.weekday().number_days_from_monday()));
            let month_start = date.replace_day(1).map_err(|error| error.to_string())?;
            let year_start = Date::from_calendar_date(date.year(), Month::January, 1)
                .map_err(|error| error.to_string())?;
            let next_month = add_months(month_start, 1)?;
            let next_year = Date::from_calendar_date(date.year() + 1, Month::January, 1)
                .map_err(|error| error.to_string())?;
            let instant = |at: i64| (at, at + 1);
            match lower.as_str() {
                "now" => Ok(instant(millis(shifted))),
                "startofday" => Ok(instant(day_start(date))),
                "endofday" => Ok(instant(day_start(date) + DAY_MS - 1)),
                "startofweek" => Ok(instant(day_start(week_start))),
                "endofweek" => Ok(instant(day_start(week_start) + 7 * DAY_MS - 1)),
                "startofmonth" => Ok(instant(day_start(month_start))),
                "endofmonth" => Ok(instant(day_start(next_month) - 1)),
                "startofyear" => Ok(instant(day_start(year_start))),
                "endofyear" => Ok(instant(day_start(next_year) - 1)),
                other => Err(format!("unknown function {other}()")),
            }
        }
    }
}

fn millis(moment: OffsetDateTime) -> i64 {
    i64::try_from(moment.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn add_months(date: Date, months: i64) -> Result<Date, String> {
    let total = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let year = i32::try_from(total.div_euclid(12)).map_err(|_| "date out of range".to_string())?;
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1))
        .map_err(|error| error.to_string())?;
    let last_day = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, date.day().min(last_day))
        .map_err(|error| error.to_string())
}

/// The largest shift of a relative time, in years.
const MAX_SHIFT_YEARS: i64 = 10_000;

/// `-1d`, `+2w`, `3M`, `-1y`, `4h`, `30m`: `now` shifted; `None` when the text is not of that form.
fn relative(now: OffsetDateTime, text: &str) -> Result<Option<OffsetDateTime>, String> {
    let text = text.trim();
    let (sign, digits_and_unit) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    let Some(unit) = digits_and_unit.chars().last() else {
        return Ok(None);
    };
    let digits = &digits_and_unit[..digits_and_unit.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    // Shifts reach at most 10,000 years either way, so no arithmetic below can overflow; the
    // calendar's own range (years -9999 to 9999) is checked by `checked_add`.
    let (most, unit_name) = match unit {
        'y' => (MAX_SHIFT_YEARS, "years"),
        'M' => (MAX_SHIFT_YEARS * 12, "months"),
        'w' => (MAX_SHIFT_YEARS * 53, "weeks"),
        'd' => (MAX_SHIFT_YEARS * 366, "days"),
        'h' => (MAX_SHIFT_YEARS * 366 * 24, "hours"),
        'm' => (MAX_SHIFT_YEARS * 366 * 24 * 60, "minutes"),
        _ => return Ok(None),
    };
    let out_of_range = || format!("{text} is out of range (at most {most} {unit_name})");
    let amount: i64 = digits.parse().map_err(|_| out_of_range())?;
    if amount > most {
        return Err(out_of_range());
    }
    let amount = sign * amount;
    let shifted = match unit {
        'y' => Some(now.replace_date(add_months(now.date(), amount * 12)?)),
        'M' => Some(now.replace_date(add_months(now.date(), amount)?)),
        'w' => now.checked_add(Duration::weeks(amount)),
        'd' => now.checked_add(Duration::days(amount)),
        'h' => now.checked_add(Duration::hours(amount)),
        _ => now.checked_add(Duration::minutes(amount)),
    };
    shifted.map(Some).ok_or_else(out_of_range)
}

/// `yyyy-MM-dd` or `yyyy/MM/dd` (a day), optionally with ` HH:mm` (a minute).
fn absolute(text: &str) -> Option<(PrimitiveDateTime, i64)> {
    let normalised = text.trim().replace('/', "-");
    let (date_text, time_text) = match normalised.split_once(' ') {
        Some((date, time)) => (date.to_string(), Some(time.trim().to_string())),
        None => (normalised, None),
    };
    let mut parts = date_text.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    match time_text {
        None => Some((PrimitiveDateTime::new(date, Time::MIDNIGHT), 86_400_000)),
        Some(time_text) => {
            let (hour, minute) = time_text.split_once(':')?;
            let at = Time::from_hms(hour.parse().ok()?, minute.parse().ok()?, 0).ok()?;
            Some((PrimitiveDateTime::new(date, at), 60_000))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-05-15 (a Wednesday) 12:00:00 UTC.
    const NOW: i64 = 1_715_774_400_000;
    const DAY: i64 = 86_400_000;

    fn planned(cql: &str) -> ContentQuery {
        plan_cql(
            cql,
            &PlanContext {
                current_user: "alice",
                now_ms: NOW,
            },
        )
        .unwrap_or_else(|error| panic!("{cql}: {error}"))
    }

    #[test]
    fn fields_become_predicates() {
        assert_eq!(
            planned(r#"type = page AND label = "Docs""#).predicate,
            Predicate::And(vec![
                Predicate::ContentTypeIn(vec![ContentType::Page]),
                Predicate::LabelIn(vec!["docs".into()])
            ])
        );
        assert_eq!(
            planned("space IN (DEV, OPS)").predicate,
            Predicate::SpaceKeyIn(vec!["DEV".into(), "OPS".into()])
        );
        assert_eq!(
            planned("creator = currentUser()").predicate,
            Predicate::CreatorIn(vec!["alice".into()])
        );
        assert_eq!(
            planned("parent = 65539").predicate,
            Predicate::ParentIs(ContentId(65539))
        );
        assert_eq!(
            planned(r#"text ~ "\"exact phrase\" other*""#).predicate,
            Predicate::TextContains(vec!["exact phrase".into(), "other*".into()])
        );
        assert_eq!(
            planned(r#"text ~ "relase~ de?loy \"a* b\" *""#).predicate,
            Predicate::TextContains(vec!["relase~".into(), "de loy".into(), "a  b".into()])
        );
        assert_eq!(
            planned(r#"title !~ "draft""#).predicate,
            Predicate::Not(Box::new(Predicate::TitleContains(vec!["draft".into()])))
        );
        assert_eq!(
            planned("type = attachment").predicate,
            Predicate::IsAttachment
        );
        assert_eq!(
            planned("type IN (page, attachment)").predicate,
            Predicate::Or(vec![
                Predicate::ContentTypeIn(vec![ContentType::Page]),
                Predicate::IsAttachment
            ])
        );
        assert_eq!(planned("type = space").predicate, Predicate::IsSpace);
        assert_eq!(planned("watcher = bob").predicate, Predicate::Nothing);
        assert_eq!(planned("").predicate, Predicate::All);
        assert_eq!(
            planned("order by lastmodified desc, title").order,
            vec![(OrderField::LastModified, true), (OrderField::Title, false)]
        );
    }

    #[test]
    fn dates_and_functions_resolve_against_the_clock() {
        let day_start = NOW - 12 * 3_600_000;
        assert_eq!(
            planned(r#"created >= "2024-05-15""#).predicate,
            Predicate::Created(Comparison::GreaterOrEqual, day_start)
        );
        assert_eq!(
            planned(r#"created > "2024/05/15""#).predicate,
            Predicate::Created(Comparison::GreaterOrEqual, day_start + DAY)
        );
        assert_eq!(
            planned(r#"created = "2024-05-15""#).predicate,
            Predicate::And(vec![
                Predicate::Created(Comparison::GreaterOrEqual, day_start),
                Predicate::Created(Comparison::Less, day_start + DAY)
            ])
        );
        assert_eq!(
            planned("lastmodified > startOfDay()").predicate,
            Predicate::LastModified(Comparison::GreaterOrEqual, day_start + 1)
        );
        let monday = day_start - 2 * DAY;
        assert_eq!(
            planned("lastmodified >= startOfWeek()").predicate,
            Predicate::LastModified(Comparison::GreaterOrEqual, monday)
        );
        let april_first = day_start - 44 * DAY;
        assert_eq!(
            planned(r#"lastmodified >= startOfMonth("-1M")"#).predicate,
            Predicate::LastModified(Comparison::GreaterOrEqual, april_first)
        );
        let new_year = 1_704_067_200_000;
        assert_eq!(
            planned("created >= startOfYear()").predicate,
            Predicate::Created(Comparison::GreaterOrEqual, new_year)
        );
        assert_eq!(
            planned(r#"created < now("-1d")"#).predicate,
            Predicate::Created(Comparison::Less, NOW - DAY)
        );
        assert_eq!(
            planned(r#"created >= "-4w""#).predicate,
            Predicate::Created(Comparison::GreaterOrEqual, NOW - 28 * DAY)
        );
    }

    #[test]
    fn meaningless_queries_are_refused() {
        let context = PlanContext {
            current_user: "alice",
            now_ms: NOW,
        };
        for cql in [
            "colour = red",
            "type = widget",
            r#"created >= "yesterday""#,
            "text = word",
            "parent = abc",
            "title > x",
            "order by colour",
            r#"created > now("-99999999999999d")"#,
            r#"created > now("+99999999999999999999m")"#,
            r#"created > now("-9223372036854775807w")"#,
            r#"created > startOfYear("10001y")"#,
            r#"created > startOfWeek("-3660001d")"#,
            r#"created > "-99999999999999h""#,
        ] {
            assert!(plan_cql(cql, &context).is_err(), "{cql} should be refused");
        }
        for cql in [
            r#"created > now("-10000y")"#,
            r#"created > startOfMonth("+7000y")"#,
            r#"created > now("-3660000d")"#,
        ] {
            assert!(plan_cql(cql, &context).is_ok(), "{cql} is within range");
        }
    }
}
