//! What a request says in its query string or form body, decoded once for the REST API and the
//! UI alike: ordered pairs ([`QueryPairs`]) and list windows ([`Paging`]).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use percent_encoding::percent_decode_str;

use crate::AppState;
use crate::error::ApiError;
use crate::links::encode_component;

/// `start` and `limit` of a list request, after defaults and caps.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub start: i64,
    pub limit: i64,
}

/// The furthest offset a listing serves. Far beyond any real listing, and small enough that no sum
/// of a start and a limit can overflow.
pub const MAX_START: i64 = 1_000_000_000;

impl Paging {
    /// The store's window for this page of a list.
    pub fn window(self) -> cairn_store::Window {
        cairn_store::Window::new(self.start, self.limit)
    }

    pub fn from_query(
        query: &QueryPairs,
        default_limit: i64,
        max_limit: i64,
    ) -> Result<Paging, ApiError> {
        let start = Paging::start_from(query, "start")?;
        let limit = match query.get("limit") {
            None | Some("") => default_limit,
            Some(text) => text.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("limit must be a whole number, got {text:?}"))
            })?,
        };
        Ok(Paging {
            start,
            limit: limit.clamp(0, max_limit),
        })
    }

    /// The offset named `name` (`start`, or `startIndex` in the UI): 0 when absent, refused when it
    /// is not a number or lies past [`MAX_START`].
    pub fn start_from(query: &QueryPairs, name: &str) -> Result<i64, ApiError> {
        let start = match query.get(name) {
            None | Some("") => 0,
            Some(text) => text.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("{name} must be a whole number, got {text:?}"))
            })?,
        };
        if start > MAX_START {
            return Err(ApiError::bad_request(format!(
                "{name} must be at most {MAX_START}, got {start}"
            )));
        }
        Ok(start.max(0))
    }
}

/// The query string as ordered pairs, kept whole so `_links.next` can carry every parameter.
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl QueryPairs {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a parameter that may repeat or be comma-separated (`spaceKey=A,B&spaceKey=C`).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The query with `start` and `limit` replaced.
    pub(crate) fn with_window(&self, start: i64, limit: i64) -> String {
        let mut parts: Vec<String> = self
            .0
            .iter()
            .filter(|(key, _)| key != "start" && key != "limit")
            .map(|(key, value)| format!("{}={}", encode_component(key), encode_component(value)))
            .collect();
        parts.push(format!("limit={limit}"));
        parts.push(format!("start={start}"));
        parts.join("&")
    }
}

impl FromRequestParts<AppState> for QueryPairs {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(parse_query(parts.uri.query().unwrap_or("")))
    }
}

/// Parses `a=1&b=x+y` into ordered pairs, decoding `+` and percent escapes.
pub fn parse_query(query: &str) -> QueryPairs {
    let decode = |text: &str| {
        percent_decode_str(&text.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    QueryPairs(
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) => (decode(key), decode(value)),
                None => (decode(pair), String::new()),
            })
            .collect(),
    )
}

/// Longest `searchString` an audit query takes.
const MAX_AUDIT_SEARCH_CHARS: usize = 200;

/// The audit log filter of a request (REST and the audit screen alike): `startDate` and `endDate`
/// as days (`2024-05-01`, UTC; an end day counts whole) or epoch milliseconds, and `searchString`.
pub fn audit_filter(query: &QueryPairs) -> Result<cairn_store::AuditFilter, ApiError> {
    const DAY_MS: i64 = 86_400_000;
    let instant = |name: &str, end_of_day: bool| -> Result<Option<i64>, ApiError> {
        let Some(text) = query
            .get(name)
            .map(str::trim)
            .filter(|text| !text.is_empty())
        else {
            return Ok(None);
        };
        if let Ok(epoch_ms) = text.parse::<i64>() {
            return Ok(Some(epoch_ms));
        }
        let day = cairn_app::clock::day_start_ms(text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name} must be a date (yyyy-MM-dd) or epoch milliseconds, got {text:?}"
            ))
        })?;
        Ok(Some(if end_of_day { day + DAY_MS - 1 } else { day }))
    };
    let search = query
        .get("searchString")
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string);
    if search
        .as_ref()
        .is_some_and(|text| text.chars().count() > MAX_AUDIT_SEARCH_CHARS)
    {
        return Err(ApiError::bad_request(format!(
            "searchString must be at most {MAX_AUDIT_SEARCH_CHARS} characters"
        )));
    }
    Ok(cairn_store::AuditFilter {
        from_ms: instant("startDate", false)?,
        to_ms: instant("endDate", true)?,
        search,
    })
}
