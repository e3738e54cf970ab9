//! `GET /rest/api/search` (result wrappers with excerpts) and `GET /rest/api/content/search` (plain
//! content list), both driven by CQL, answered from this node's search index (or the database while
//! the index is not ready).

use cairn_app::ErrorCode;
use std::time::Instant;

use axum::extract::State;
use cairn_core::{Content, ContentQuery, ContentType, Predicate};
use cairn_search::plan::{PlanContext, plan_cql};
use serde_json::json;

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use crate::AppState;
use crate::auth::{ApiUser, Principal};
use crate::error::{ApiError, ApiJson};
use crate::links::encode_component;
use crate::request_context::ApiContext;
use crate::time_format::{friendly_from_ms, iso_from_ms, now_ms};
use cairn_app::search::{Found, search_content};
use cairn_search::index::{HIGHLIGHT_END, HIGHLIGHT_START};

fn planned(query: &QueryPairs, caller: &Principal) -> Result<(String, ContentQuery), ApiError> {
    let cql = query
        .get("cql")
        .filter(|cql| !cql.trim().is_empty())
        .ok_or_else(|| ApiError::new(ErrorCode::CqlRequired, "The cql parameter is required"))?
        .to_string();
    let context = PlanContext {
        current_user: &caller.user.username,
        now_ms: now_ms(),
    };
    let planned = plan_cql(&cql, &context)
        .map_err(|error| ApiError::new(ErrorCode::InvalidCql, error.to_string()))?;
    Ok((cql, planned))
}

/// Words the query searched for, to highlight them in excerpts.
fn searched_terms(predicate: &Predicate, terms: &mut Vec<String>) {
    match predicate {
        Predicate::TextContains(found) | Predicate::TitleContains(found) => {
            terms.extend(found.iter().cloned())
        }
        Predicate::And(parts) | Predicate::Or(parts) => {
            parts.iter().for_each(|part| searched_terms(part, terms))
        }
        _ => {}
    }
}

/// Wraps each occurrence of a term (case-insensitively) in Confluence's highlight markers.
fn highlight(text: &str, terms: &[String]) -> String {
    if terms.is_empty() {
        return text.to_string();
    }
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        // Lower-casing changed byte offsets (rare scripts): leave the text unmarked rather than cut it wrongly.
        return text.to_string();
    }
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for term in terms.iter().filter(|term| !term.is_empty()) {
        let mut from = 0;
        while let Some(found) = lower[from..].find(term.as_str()) {
            let start = from + found;
            marks.push((start, start + term.len()));
            from = start + term.len();
        }
    }
    marks.sort_unstable();
    let mut out = String::with_capacity(text.len() + marks.len() * 24);
    let mut cursor = 0;
    for (start, end) in marks {
        if start < cursor || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&text[cursor..start]);
        out.push_str("@@@hl@@@");
        out.push_str(&text[start..end]);
        out.push_str("@@@endhl@@@");
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

fn excerpt_of(content: &Content) -> String {
    match cairn_format::parse(&content.body) {
        Ok(document) => cairn_format::excerpt(&document, 240),
        Err(_) => String::new(),
    }
}

/// `GET /rest/api/search?cql=…`: results wrapped with title, excerpt, url and container.
pub async fn search(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let started = Instant::now();
    let (cql, planned) = planned(&query, &caller)?;
    let paging = Paging::from_query(&query, 25, 1000)?;
    let outcome =
        search_content(&state, caller.user.id, &planned, paging.start, paging.limit).await?;
    let total = outcome.total;
    let expand = Expand::parse(query.get("expand")).below("content");
    let excerpt_mode = query.get("excerpt").unwrap_or("highlight");
    let mut terms = Vec::new();
    searched_terms(&planned.predicate, &mut terms);
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let mut results = Vec::with_capacity(outcome.hits.len());
    for hit in &outcome.hits {
        let space = builder.space_of(hit.space_id()).await?;
        let hit_json = match hit {
            Found::Content(content) => builder.content_json(content, &expand).await?,
            Found::Attachment(attachment) => builder.attachment_json(attachment, &expand).await?,
            Found::Space(found) => builder.space_json(found, &Expand::default()).await?,
        };
        let url = hit_json["_links"]["webui"].clone();
        let indexed = outcome.excerpts.get(&hit.id());
        let stored_excerpt = || match hit {
            Found::Content(content) => excerpt_of(content),
            Found::Attachment(_) => String::new(),
            Found::Space(found) => found.description.clone(),
        };
        let excerpt = match (excerpt_mode, indexed) {
            ("none", _) => String::new(),
            ("indexed", Some(excerpt)) => excerpt
                .replace(HIGHLIGHT_START, "")
                .replace(HIGHLIGHT_END, ""),
            ("indexed", None) => stored_excerpt(),
            (_, Some(excerpt)) => excerpt.clone(),
            (_, None) => highlight(&stored_excerpt(), &terms),
        };
        // Space results carry the space under `space`, as Confluence's do.
        let (entity, entity_type, icon) = match hit {
            Found::Space(_) => ("space", "space", "aui-icon space-avatar".to_string()),
            _ => (
                "content",
                "content",
                format!("aui-icon content-type-{}", hit.type_name()),
            ),
        };
        results.push(json!({
            entity: hit_json,
            "title": hit.title(),
            "excerpt": excerpt,
            "url": url,
            "resultGlobalContainer": {"title": space.name, "displayUrl": format!("/display/{}", encode_component(space.key.as_str()))},
            "breadcrumbs": [],
            "entityType": entity_type,
            "iconCssClass": icon,
            "lastModified": iso_from_ms(hit.last_modified_ms()),
            "friendlyLastModified": friendly_from_ms(hit.last_modified_ms(), now_ms()),
            "score": outcome.scores.get(&hit.id()).copied().unwrap_or(0.0),
        }));
    }
    let has_more = paging.start + (results.len() as i64) < total;
    let mut page = paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        "/rest/api/search",
        &query,
    );
    if let Some(object) = page.as_object_mut() {
        object.insert("totalSize".into(), json!(total));
        object.insert("cqlQuery".into(), json!(cql));
        object.insert(
            "searchDuration".into(),
            json!(started.elapsed().as_millis() as u64),
        );
    }
    Ok(ApiJson(page))
}

/// `GET /rest/api/content/search?cql=…`: a plain paged list of content.
pub async fn content_search(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let (_, planned) = planned(&query, &caller)?;
    let paging = Paging::from_query(&query, 25, 1000)?;
    let outcome =
        search_content(&state, caller.user.id, &planned, paging.start, paging.limit).await?;
    let total = outcome.total;
    let expand = Expand::parse(query.get("expand"));
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let mut results = Vec::with_capacity(outcome.hits.len());
    for hit in &outcome.hits {
        // Spaces are not content: this list leaves them out.
        match hit {
            Found::Content(content) => results.push(builder.content_json(content, &expand).await?),
            Found::Attachment(attachment) => {
                results.push(builder.attachment_json(attachment, &expand).await?)
            }
            Found::Space(_) => {}
        }
    }
    let has_more = paging.start + (results.len() as i64) < total;
    let mut page = paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        "/rest/api/content/search",
        &query,
    );
    if let Some(object) = page.as_object_mut() {
        object.insert("totalSize".into(), json!(total));
    }
    Ok(ApiJson(page))
}

/// Most titles the quick navigation suggests.
const QUICK_NAVIGATION_LIMIT: i64 = 8;

/// `GET /rest/quicknav/1/search?query=…`: titles that match what was typed so far (each word whole,
/// stemmed, or as the start of a title word), for the header's suggestions, in Confluence's shape:
/// `contentNameMatches` holds one group of content matches.
pub async fn quick_navigation(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let typed = query.get("query").unwrap_or("").trim().to_string();
    let words: Vec<String> = typed
        .split_whitespace()
        .map(|word| {
            word.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|word| !word.is_empty())
        .collect();
    if words.is_empty() {
        return Ok(ApiJson(json!({
            "query": typed, "totalSize": 0, "contentNameMatches": [], "queryTokens": [],
        })));
    }
    let planned = ContentQuery {
        predicate: Predicate::And(vec![
            Predicate::TitleContains(words.clone()),
            Predicate::ContentTypeIn(vec![ContentType::Page, ContentType::BlogPost]),
        ]),
        order: Vec::new(),
    };
    let outcome =
        search_content(&state, caller.user.id, &planned, 0, QUICK_NAVIGATION_LIMIT).await?;
    let builder = JsonBuilder::new(&state, String::new(), caller.user.id);
    let mut matches = Vec::with_capacity(outcome.hits.len());
    for hit in &outcome.hits {
        let Found::Content(content) = hit else {
            continue;
        };
        let space = builder.space_of(content.space_id).await?;
        matches.push(json!({
            "id": content.id.0.to_string(),
            "name": content.title,
            "href": crate::links::webui_path(&space.key, content),
            "className": format!("content-type-{}", content.content_type.as_str()),
            "spaceKey": space.key.as_str(),
            "spaceName": space.name,
        }));
    }
    Ok(ApiJson(json!({
        "query": typed,
        "totalSize": outcome.total,
        "contentNameMatches": [matches],
        "queryTokens": words,
    })))
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn terms_are_marked_case_insensitively() {
        assert_eq!(
            highlight("Deploy the Release", &["release".into()]),
            "Deploy the @@@hl@@@Release@@@endhl@@@"
        );
        assert_eq!(
            highlight("a b a", &["a".into()]),
            "@@@hl@@@a@@@endhl@@@ b @@@hl@@@a@@@endhl@@@"
        );
        assert_eq!(highlight("nothing", &[]), "nothing");
    }
}
