//! The search page: `/dosearchsite.action?queryString=…` (the header's search box), on the same
//! search as the REST API, with filters (space, type, label, contributor, last modified) and
//! highlighted excerpts.

use axum::extract::State;
use cairn_core::{Comparison, ContentQuery, ContentType, Predicate};
use maud::{Markup, PreEscaped, html};

use super::layout::page;
use super::{UiError, UiReader};
use crate::AppState;
use crate::links::{encode_component, view_path};
use crate::request::QueryPairs;
use crate::time_format::{friendly_from_ms, now_ms};
use cairn_app::search::Found;
use cairn_search::index::{HIGHLIGHT_END, HIGHLIGHT_START};

/// Results shown on one page.
const PAGE_SIZE: i64 = 25;

/// The filters of the search form, as typed.
#[derive(Default)]
struct Filters {
    space: String,
    kind: String,
    label: String,
    contributor: String,
    /// `day`, `week`, `month`, `year` or empty.
    modified: String,
}

impl Filters {
    fn from_query(query: &QueryPairs) -> Filters {
        let get = |name: &str| query.get(name).unwrap_or("").trim().to_string();
        Filters {
            space: get("where"),
            kind: get("type"),
            label: get("label"),
            contributor: get("contributor"),
            modified: get("lastModified"),
        }
    }

    fn is_empty(&self) -> bool {
        self.space.is_empty()
            && self.kind.is_empty()
            && self.label.is_empty()
            && self.contributor.is_empty()
            && self.modified.is_empty()
    }

    /// The conditions the filters add to the words searched for.
    fn predicates(&self, now: i64) -> Vec<Predicate> {
        let mut found = Vec::new();
        if !self.space.is_empty() {
            found.push(Predicate::SpaceKeyIn(vec![self.space.clone()]));
        }
        if let Some(kind) = ContentType::parse(&self.kind) {
            found.push(Predicate::ContentTypeIn(vec![kind]));
        } else if self.kind == "attachment" {
            found.push(Predicate::IsAttachment);
        } else if self.kind == "space" {
            found.push(Predicate::IsSpace);
        }
        if !self.label.is_empty() {
            found.push(Predicate::LabelIn(vec![self.label.to_lowercase()]));
        }
        if !self.contributor.is_empty() {
            found.push(Predicate::ContributorIn(vec![
                self.contributor.to_lowercase(),
            ]));
        }
        let day = 86_400_000;
        let span = match self.modified.as_str() {
            "day" => Some(day),
            "week" => Some(7 * day),
            "month" => Some(31 * day),
            "year" => Some(366 * day),
            _ => None,
        };
        if let Some(span) = span {
            found.push(Predicate::LastModified(
                Comparison::GreaterOrEqual,
                now - span,
            ));
        }
        found
    }

    /// The filters as query-string pairs, for paging links.
    fn query_string(&self) -> String {
        [
            ("where", &self.space),
            ("type", &self.kind),
            ("label", &self.label),
            ("contributor", &self.contributor),
            ("lastModified", &self.modified),
        ]
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("&{name}={}", encode_component(value)))
        .collect()
    }
}

/// An excerpt with its highlight markers turned into `<mark>`, everything else escaped.
fn highlighted(excerpt: &str) -> Markup {
    let mut out = String::with_capacity(excerpt.len() + 32);
    for (index, part) in excerpt.split(HIGHLIGHT_START).enumerate() {
        match (index, part.split_once(HIGHLIGHT_END)) {
            (0, _) | (_, None) => out.push_str(&maud::html! { (part) }.into_string()),
            (_, Some((marked, rest))) => {
                out.push_str("<mark>");
                out.push_str(&maud::html! { (marked) }.into_string());
                out.push_str("</mark>");
                out.push_str(&maud::html! { (rest) }.into_string());
            }
        }
    }
    PreEscaped(out)
}

pub async fn search(
    State(state): State<AppState>,
    UiReader(user): UiReader,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let text = query.get("queryString").unwrap_or("").trim().to_string();
    let filters = Filters::from_query(&query);
    let start = crate::request::Paging::start_from(&query, "startIndex")?;
    let now = now_ms();
    let terms: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let searched = !terms.is_empty() || !filters.is_empty();
    let (results, total, excerpts) = if !searched {
        (Vec::new(), 0, Default::default())
    } else {
        let mut parts = filters.predicates(now);
        if !terms.is_empty() {
            parts.insert(0, Predicate::TextContains(terms));
        }
        let query = ContentQuery {
            predicate: Predicate::And(parts),
            order: Vec::new(),
        };
        let outcome =
            cairn_app::search::search_content(&state, user.user.id, &query, start, PAGE_SIZE)
                .await?;
        (outcome.hits, outcome.total, outcome.excerpts)
    };
    let mut spaces = std::collections::HashMap::new();
    for hit in &results {
        if let std::collections::hash_map::Entry::Vacant(slot) = spaces.entry(hit.space_id()) {
            let name = state
                .store
                .find_space_by_id(hit.space_id())
                .await?
                .map(|space| space.name);
            slot.insert(name.unwrap_or_default());
        }
    }
    // Comments are shown on their page; attachments open from the page they are on.
    let mut links = Vec::with_capacity(results.len());
    for hit in &results {
        let link = match hit {
            Found::Content(content) if content.content_type == ContentType::Comment => {
                match state.store.comment_meta(content.id).await? {
                    Some(meta) => crate::links::comment_webui_path(meta.container_id, content.id),
                    None => view_path(content.id),
                }
            }
            Found::Content(content) => view_path(content.id),
            Found::Attachment(attachment) => crate::links::download_path(attachment),
            Found::Space(space) => format!("/display/{}", encode_component(space.key.as_str())),
        };
        links.push(link);
    }
    let paging = format!(
        "/dosearchsite.action?queryString={}{}",
        encode_component(&text),
        filters.query_string()
    );
    Ok(page(
        "Search",
        &user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { "Search" }
                form.card.search-form method="get" action="/dosearchsite.action" {
                    label for="queryString" { "Find pages, blog posts, comments and attachments containing" }
                    input type="text" id="queryString" name="queryString" value=(text) autofocus;
                    div.filters {
                        label { "Space key " input type="text" name="where" value=(filters.space) size="8"; }
                        label { "Type "
                            select name="type" {
                                option value="" selected[filters.kind.is_empty()] { "Any" }
                                option value="page" selected[filters.kind == "page"] { "Pages" }
                                option value="blogpost" selected[filters.kind == "blogpost"] { "Blog posts" }
                                option value="comment" selected[filters.kind == "comment"] { "Comments" }
                                option value="attachment" selected[filters.kind == "attachment"] { "Attachments" }
                                option value="space" selected[filters.kind == "space"] { "Spaces" }
                            }
                        }
                        label { "Label " input type="text" name="label" value=(filters.label) size="10"; }
                        label { "Contributor " input type="text" name="contributor" value=(filters.contributor) size="10"; }
                        label { "Modified "
                            select name="lastModified" {
                                option value="" selected[filters.modified.is_empty()] { "Any time" }
                                option value="day" selected[filters.modified == "day"] { "Last day" }
                                option value="week" selected[filters.modified == "week"] { "Last week" }
                                option value="month" selected[filters.modified == "month"] { "Last month" }
                                option value="year" selected[filters.modified == "year"] { "Last year" }
                            }
                        }
                    }
                    p { button.button type="submit" { "Search" } }
                }
                @if searched {
                    p.muted { (total) " result" @if total != 1 { "s" } @if !text.is_empty() { " for “" (text) "”" } }
                    ol.search-results {
                        @for (hit, link) in results.iter().zip(&links) {
                            li {
                                a href=(link) { (hit.title()) }
                                @if let Some(excerpt) = excerpts.get(&hit.id()).filter(|excerpt| !excerpt.is_empty()) {
                                    p.excerpt { (highlighted(excerpt)) }
                                }
                                div.muted {
                                    (hit.type_name()) " in " (spaces.get(&hit.space_id()).map(String::as_str).unwrap_or(""))
                                    " · updated " (friendly_from_ms(hit.last_modified_ms(), now))
                                }
                            }
                        }
                    }
                    div.pager {
                        @if start > 0 { a href={ (paging) "&startIndex=" ((start - PAGE_SIZE).max(0)) } { "Previous" } }
                        @if start + PAGE_SIZE < total { a href={ (paging) "&startIndex=" (start + PAGE_SIZE) } { "Next" } }
                    }
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::highlighted;

    #[test]
    fn highlights_become_marks_and_the_rest_is_escaped() {
        assert_eq!(
            highlighted("a <b> @@@hl@@@word@@@endhl@@@ & c").into_string(),
            "a &lt;b&gt; <mark>word</mark> &amp; c"
        );
    }
}
