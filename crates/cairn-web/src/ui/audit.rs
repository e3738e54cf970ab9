//! The audit log screen (`/admin/auditlog.action`): entries newest first, filtered by dates and
//! words, a page at a time, with a CSV export of what the filter selects. Site administrators
//! only; the work is `cairn_app::audit`.

use axum::extract::State;
use cairn_store::{AuditRecord, Listed, Window};
use maud::{Markup, html};

use super::layout::{administration_sidebar, page};
use super::{UiError, UiUser};
use crate::AppState;
use crate::links::encode_component;
use crate::request::{Paging, QueryPairs, audit_filter};
use crate::time_format::human_from_ms;

/// Entries shown per page.
const PER_PAGE: i64 = 50;

pub async fn audit_log(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "read the audit log")?;
    let filter = audit_filter(&query)?;
    let start = Paging::start_from(&query, "start")?;
    let Listed { items, has_more } = cairn_app::audit::list(
        &state,
        &user.as_caller(),
        &filter,
        Window::new(start, PER_PAGE),
    )
    .await?;
    let field = |name: &str| query.get(name).unwrap_or("").to_string();
    let kept: Vec<String> = ["startDate", "endDate", "searchString"]
        .iter()
        .filter_map(|name| {
            query
                .get(name)
                .filter(|value| !value.is_empty())
                .map(|value| format!("{name}={}", encode_component(value)))
        })
        .collect();
    let link_with = |start: i64| {
        let mut parts = kept.clone();
        parts.push(format!("start={start}"));
        format!("/admin/auditlog.action?{}", parts.join("&"))
    };
    let export = format!("/rest/api/audit/export?format=csv&{}", kept.join("&"));
    Ok(page(
        "Audit log",
        &user,
        Some(administration_sidebar("Audit log")),
        html! {
            main.content.wide id="content" tabindex="-1" {
                h1.title { "Audit log" }
                p.muted { "Who did what, when and from where: sign-ins, permissions and restrictions, users and groups, spaces, content removed and restored, settings and tokens." }
                form.card.filters method="get" action="/admin/auditlog.action" role="search" aria-label="Filter the audit log" {
                    label { "From " input type="date" name="startDate" value=(field("startDate")); }
                    label { "To " input type="date" name="endDate" value=(field("endDate")); }
                    label { "Containing " input type="search" name="searchString" maxlength="200" value=(field("searchString")); }
                    button.button type="submit" { "Filter" }
                    a.button.secondary href=(export) download { "Export CSV" }
                }
                @if items.is_empty() {
                    p.muted id="audit-empty" { "No entries match." }
                } @else {
                    div.card {
                        table.grid id="audit" {
                            thead { tr { th { "Date" } th { "Author" } th { "Address" } th { "Category" } th { "Summary" } th { "Object" } th { "Details" } } }
                            tbody {
                                @for record in &items { (row(record)) }
                            }
                        }
                    }
                }
                nav.pager aria-label="Audit log pages" {
                    @if start > 0 { a href=(link_with((start - PER_PAGE).max(0))) rel="prev" { "Newer" } }
                    @if has_more { a href=(link_with(start + PER_PAGE)) rel="next" { "Older" } }
                }
            }
        },
    ))
}

fn row(record: &AuditRecord) -> Markup {
    let entry = &record.entry;
    html! {
        tr {
            td.muted { (human_from_ms(record.created_ms)) }
            td {
                (entry.author_display)
                @if entry.author_display != entry.author_name { " " span.muted { "(" (entry.author_name) ")" } }
                @if entry.sys_admin { " " span.lozenge { "admin" } }
            }
            td { code { (entry.remote_address) } }
            td { (entry.category) }
            td { (entry.summary) }
            td { span.muted { (entry.object.object_type) ": " } (entry.object.name) }
            td {
                @for object in &entry.associated {
                    div { span.muted { (object.object_type) ": " } (object.name) }
                }
                @for change in &entry.changed {
                    div { (change.name) ": " del { (change.old_value) } " → " ins { (change.new_value) } }
                }
                @if !entry.description.is_empty() { div.muted { (entry.description) } }
            }
        }
    }
}
