//! The audit log in Confluence's shapes (site administrators): `GET /rest/api/audit` with
//! `startDate`, `endDate`, `searchString`, `start` and `limit`; `GET /rest/api/audit/export`
//! (CSV); `GET` and `PUT /rest/api/audit/retention`.

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cairn_app::audit::{self, Retention, RetentionUnit};
use cairn_core::UserId;
use cairn_store::{AuditObject, AuditRecord, Listed};

use super::json::paged_list;
use super::parse_json_body;
use super::request::{RetentionRequest, decode};
use super::view::{
    AuditAuthor, AuditObjectView, AuditRecordView, ChangedValueView, PagedList, RetentionView,
};
use crate::error::{ApiError, ApiJson};
use crate::request::{Paging, QueryPairs, audit_filter};
use crate::request_context::ApiContext;

/// `GET /rest/api/audit`: entries newest first (default limit 1000, as Confluence's).
pub async fn list(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<AuditRecordView>>, ApiError> {
    let filter = audit_filter(&query)?;
    let paging = Paging::from_query(&query, 1000, 1000)?;
    let Listed { items, has_more } =
        audit::list(&state, &caller.as_caller(), &filter, paging.window()).await?;
    let author_ids: Vec<UserId> = items
        .iter()
        .filter_map(|record| record.entry.author_id.map(UserId))
        .collect();
    let authors = state.store.find_users(&author_ids).await?;
    let results = items
        .iter()
        .map(|record| {
            let user_key = record
                .entry
                .author_id
                .and_then(|id| authors.iter().find(|user| user.id.0 == id))
                .map(|user| user.user_key.clone())
                .unwrap_or_default();
            record_view(record, user_key)
        })
        .collect();
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &base,
        "/rest/api/audit",
        &query,
    )))
}

fn record_view(record: &AuditRecord, user_key: String) -> AuditRecordView {
    let entry = &record.entry;
    AuditRecordView {
        author: AuditAuthor {
            kind: "user",
            display_name: entry.author_display.clone(),
            operations: None,
            username: entry.author_name.clone(),
            user_key,
        },
        remote_address: entry.remote_address.clone(),
        creation_date: record.created_ms,
        summary: entry.summary.clone(),
        description: entry.description.clone(),
        category: entry.category.clone(),
        sys_admin: entry.sys_admin,
        affected_object: object_view(&entry.object),
        changed_values: entry
            .changed
            .iter()
            .map(|change| ChangedValueView {
                name: change.name.clone(),
                old_value: change.old_value.clone(),
                new_value: change.new_value.clone(),
            })
            .collect(),
        associated_objects: entry.associated.iter().map(object_view).collect(),
    }
}

fn object_view(object: &AuditObject) -> AuditObjectView {
    AuditObjectView {
        name: object.name.clone(),
        object_type: object.object_type.clone(),
    }
}

/// `GET /rest/api/audit/export?format=csv` with the filters of the list: a CSV file.
pub async fn export(
    ApiContext { state, caller, .. }: ApiContext,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    if let Some(format) = query.get("format")
        && !format.eq_ignore_ascii_case("csv")
    {
        return Err(ApiError::bad_request(format!(
            "format must be csv, got {format:?}"
        )));
    }
    let filter = audit_filter(&query)?;
    let csv = audit::export_csv(&state, &caller.as_caller(), &filter).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// `GET /rest/api/audit/retention`.
pub async fn retention(
    ApiContext { state, caller, .. }: ApiContext,
) -> Result<ApiJson<RetentionView>, ApiError> {
    cairn_app::access::require_site_administrator(&caller.as_caller(), "read the audit log")?;
    let retention = audit::retention(&state).await?;
    Ok(ApiJson(retention_view(retention)))
}

/// `PUT /rest/api/audit/retention` with `{"number": 90, "units": "DAYS"}`: the retention now.
pub async fn set_retention(
    ApiContext { state, caller, .. }: ApiContext,
    body: Bytes,
) -> Result<ApiJson<RetentionView>, ApiError> {
    let request: RetentionRequest = decode(&parse_json_body(&body)?, "a retention period")?;
    let number = request
        .number
        .ok_or_else(|| ApiError::bad_request("give the retention's number"))?;
    let unit = request
        .units
        .as_deref()
        .and_then(RetentionUnit::parse)
        .ok_or_else(|| ApiError::bad_request("units must be DAYS, MONTHS or YEARS"))?;
    let wanted = Retention::new(number, unit)?;
    let now = audit::set_retention(&state, &caller.as_caller(), wanted).await?;
    Ok(ApiJson(retention_view(now)))
}

fn retention_view(retention: Retention) -> RetentionView {
    RetentionView {
        number: retention.number,
        units: retention.unit.as_str(),
    }
}
