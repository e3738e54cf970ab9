//! `GET /rest/api/search` (result wrappers with excerpts) and `GET /rest/api/content/search` (plain
//! content list), both driven by CQL, answered from this node's search index (or the database while
//! the index is not ready).

use cairn_app::ErrorCode;
use std::time::Instant;

use axum::extract::State;
use cairn_core::{Content, ContentQuery, ContentType, Predicate};
use cairn_search::plan::{PlanContext, plan_cql};

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use super::view::{
    AnyContent, CountedList, GlobalContainer, QuickMatch, QuickNavigation, SearchResult,
    SearchResults,
};
use crate::AppState;
use crate::auth::{ApiUser, Principal};
use crate::error::{ApiError, ApiJson};
use crate::links::encode_component;
use crate::request_context::ReadContext;
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
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    query: QueryPairs,
) -> Result<ApiJson<SearchResults>, ApiError> {
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
    preload_hits(&builder, &outcome.hits, &expand).await?;
    let mut results = Vec::with_capacity(outcome.hits.len());
    for hit in &outcome.hits {
        let space = builder.space_of(hit.space_id()).await?;
        let (content, space_found, url) = match hit {
            Found::Content(content) => {
                let view = builder.content_view(content, &expand).await?;
                let url = view.links.get("webui").cloned();
                (Some(AnyContent::Content(Box::new(view))), None, url)
            }
            Found::Attachment(attachment) => {
                let view = builder.attachment_view(attachment, &expand).await?;
                let url = view.links.get("webui").cloned();
                (Some(AnyContent::Attachment(Box::new(view))), None, url)
            }
            Found::Space(found) => {
                let view = builder.space_view(found, &Expand::default()).await?;
                let url = view.links.get("webui").cloned();
                (None, Some(Box::new(view)), url)
            }
        };
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
        let (entity_type, icon) = match hit {
            Found::Space(_) => ("space", "aui-icon space-avatar".to_string()),
            _ => (
                "content",
                format!("aui-icon content-type-{}", hit.type_name()),
            ),
        };
        results.push(SearchResult {
            content,
            space: space_found,
            title: hit.title().to_string(),
            excerpt,
            url,
            result_global_container: GlobalContainer {
                title: space.name.clone(),
                display_url: format!("/display/{}", encode_component(space.key.as_str())),
            },
            breadcrumbs: Vec::new(),
            entity_type,
            icon_css_class: icon,
            last_modified: iso_from_ms(hit.last_modified_ms()),
            friendly_last_modified: friendly_from_ms(hit.last_modified_ms(), now_ms()),
            score: outcome.scores.get(&hit.id()).copied().unwrap_or(0.0),
        });
    }
    let has_more = paging.start + (results.len() as i64) < total;
    let page = paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        "/rest/api/search",
        &query,
    );
    Ok(ApiJson(SearchResults {
        results: page.results,
        start: page.start,
        limit: page.limit,
        size: page.size,
        links: page.links,
        total_size: total,
        cql_query: cql,
        search_duration: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }))
}

/// Loads what showing `hits` needs in batches: their spaces, and what their content expands to.
async fn preload_hits(
    builder: &JsonBuilder<'_>,
    hits: &[Found],
    expand: &Expand,
) -> Result<(), ApiError> {
    builder
        .preload_spaces(hits.iter().map(Found::space_id))
        .await?;
    let contents: Vec<&Content> = hits
        .iter()
        .filter_map(|hit| match hit {
            Found::Content(content) => Some(content),
            _ => None,
        })
        .collect();
    builder.preload(&contents, expand).await
}

/// `GET /rest/api/content/search?cql=…`: a plain paged list of content.
pub async fn content_search(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    query: QueryPairs,
) -> Result<ApiJson<CountedList<AnyContent>>, ApiError> {
    let (_, planned) = planned(&query, &caller)?;
    let paging = Paging::from_query(&query, 25, 1000)?;
    let outcome =
        search_content(&state, caller.user.id, &planned, paging.start, paging.limit).await?;
    let total = outcome.total;
    let expand = Expand::parse(query.get("expand"));
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    preload_hits(&builder, &outcome.hits, &expand).await?;
    let mut results = Vec::with_capacity(outcome.hits.len());
    for hit in &outcome.hits {
        // Spaces are not content: this list leaves them out.
        match hit {
            Found::Content(content) => {
                let view = builder.content_view(content, &expand).await?;
                results.push(AnyContent::Content(Box::new(view)));
            }
            Found::Attachment(attachment) => {
                let view = builder.attachment_view(attachment, &expand).await?;
                results.push(AnyContent::Attachment(Box::new(view)));
            }
            Found::Space(_) => {}
        }
    }
    let has_more = paging.start + (results.len() as i64) < total;
    let list = paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        "/rest/api/content/search",
        &query,
    );
    Ok(ApiJson(CountedList {
        list,
        total_size: total,
    }))
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
) -> Result<ApiJson<QuickNavigation>, ApiError> {
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
        return Ok(ApiJson(QuickNavigation {
            query: typed.clone(),
            total_size: 0,
            content_name_matches: Vec::new(),
            query_tokens: Vec::new(),
        }));
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
        matches.push(QuickMatch {
            id: content.id.0.to_string(),
            name: content.title.clone(),
            href: crate::links::webui_path(&space.key, content),
            class_name: format!("content-type-{}", content.content_type.as_str()),
            space_key: space.key.as_str().to_string(),
            space_name: space.name.clone(),
        });
    }
    Ok(ApiJson(QuickNavigation {
        query: typed.clone(),
        total_size: outcome.total,
        content_name_matches: vec![matches],
        query_tokens: words,
    }))
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
