//! The search page: `/dosearchsite.action?queryString=…` (the header's search box), on the same CQL
//! search as the REST API.

use axum::extract::State;
use cairn_core::{ContentQuery, Predicate};
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::api::json::QueryPairs;
use crate::links::view_path;
use crate::time_format::{friendly_from_ms, now_ms};

/// Results shown on one page.
const PAGE_SIZE: i64 = 25;

pub async fn search(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let text = query.get("queryString").unwrap_or("").trim().to_string();
    let start: i64 = query
        .get("startIndex")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
        .max(0);
    let terms: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let (results, total) = if terms.is_empty() {
        (Vec::new(), 0)
    } else {
        let query = ContentQuery {
            predicate: Predicate::TextContains(terms),
            order: Vec::new(),
        };
        state
            .store
            .search_content(user.user.id, &query, start, PAGE_SIZE)
            .await?
    };
    let mut spaces = std::collections::HashMap::new();
    for content in &results {
        if let std::collections::hash_map::Entry::Vacant(slot) = spaces.entry(content.space_id) {
            let name = state
                .store
                .find_space_by_id(content.space_id)
                .await?
                .map(|space| space.name);
            slot.insert(name.unwrap_or_default());
        }
    }
    // Comments are shown on their page.
    let mut links = Vec::with_capacity(results.len());
    for content in &results {
        let link = match content.content_type {
            cairn_core::ContentType::Comment => match state.store.comment_meta(content.id).await? {
                Some(meta) => crate::links::comment_webui_path(meta.container_id, content.id),
                None => view_path(content.id),
            },
            _ => view_path(content.id),
        };
        links.push(link);
    }
    let now = now_ms();
    Ok(page(
        "Search",
        &user,
        None,
        html! {
            main.content {
                h1.title { "Search" }
                form.card method="get" action="/dosearchsite.action" {
                    label for="queryString" { "Find pages, blog posts and comments containing" }
                    input type="text" id="queryString" name="queryString" value=(text) autofocus;
                    p { button.button type="submit" { "Search" } }
                }
                @if !text.is_empty() {
                    p.muted { (total) " result" @if total != 1 { "s" } " for “" (text) "”" }
                    ol.search-results {
                        @for (content, link) in results.iter().zip(&links) {
                            li {
                                a href=(link) { (content.title) }
                                div.muted {
                                    (content.content_type.as_str()) " in " (spaces.get(&content.space_id).map(String::as_str).unwrap_or(""))
                                    " · updated " (friendly_from_ms(content.last_modified_ms, now))
                                }
                            }
                        }
                    }
                    div.pager {
                        @if start > 0 { a href={ "/dosearchsite.action?queryString=" (crate::links::encode_component(&text)) "&startIndex=" ((start - PAGE_SIZE).max(0)) } { "Previous" } }
                        @if start + PAGE_SIZE < total { a href={ "/dosearchsite.action?queryString=" (crate::links::encode_component(&text)) "&startIndex=" (start + PAGE_SIZE) } { "Next" } }
                    }
                }
            }
        },
    ))
}
