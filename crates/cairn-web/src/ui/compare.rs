//! Comparing two versions of a page, at Confluence's
//! `/pages/diffpagesbyversion.action?pageId=N&selectedPageVersions=A&selectedPageVersions=B` (one
//! version given: compared with the current one). Each version is shown as Markdown-like text (so
//! a heading, a list item or a table row is one line) and the lines that changed are marked, with
//! a little unchanged text around them.

use axum::extract::State;
use axum::http::StatusCode;
use cairn_core::diff::{DiffLine, diff_lines};
use cairn_core::{Content, ContentVersion};
use maud::{Markup, html};

use super::layout::page;
use super::page::query_id;
use super::{UiError, UiUser};
use crate::AppState;
use crate::links::view_path;
use crate::request::QueryPairs;

/// Unchanged lines shown before and after a change.
const CONTEXT_LINES: usize = 3;

/// A version's text for comparing: its storage as Markdown, or the storage itself when it does
/// not parse.
fn comparable_text(version: &ContentVersion) -> String {
    match cairn_format::parse(&version.body) {
        Ok(document) => cairn_format::storage_to_markdown(&document, &cairn_format::NoContext),
        Err(_) => version.body.clone(),
    }
}

async fn version_of(
    state: &AppState,
    content: &Content,
    number: i32,
) -> Result<ContentVersion, UiError> {
    state
        .store
        .find_version(content.id, number)
        .await?
        .ok_or_else(|| UiError::not_found(format!("page {} has no version {number}", content.id)))
}

/// The lines to show: every change, and up to `CONTEXT_LINES` unchanged lines around each;
/// `None` stands for unchanged lines left out.
fn with_context<'a>(lines: &[DiffLine<'a>]) -> Vec<Option<DiffLine<'a>>> {
    let changed: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| !matches!(line, DiffLine::Same(_)))
        .map(|(index, _)| index)
        .collect();
    let near_change = |index: usize| {
        changed
            .iter()
            .any(|&at| index + CONTEXT_LINES >= at && index <= at + CONTEXT_LINES)
    };
    let mut shown = Vec::new();
    let mut skipping = false;
    for (index, line) in lines.iter().enumerate() {
        if matches!(line, DiffLine::Same(_)) && !near_change(index) {
            if !skipping {
                shown.push(None);
                skipping = true;
            }
        } else {
            shown.push(Some(*line));
            skipping = false;
        }
    }
    shown
}

pub async fn compare(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let content =
        crate::access::viewable_content(&state, user.user.id, query_id(&query, "pageId")?).await?;
    let mut numbers = Vec::new();
    for text in query.list("selectedPageVersions") {
        let number: i32 = text.parse().map_err(|_| {
            UiError::new(
                StatusCode::BAD_REQUEST,
                format!("{text:?} is not a version number"),
            )
        })?;
        numbers.push(number);
    }
    match numbers.len() {
        1 => numbers.push(content.version),
        2 => {}
        _ => {
            return Err(UiError::new(
                StatusCode::BAD_REQUEST,
                "choose two versions to compare (selectedPageVersions, twice)",
            ));
        }
    }
    numbers.sort_unstable();
    let older = version_of(&state, &content, numbers[0]).await?;
    let newer = version_of(&state, &content, numbers[1]).await?;
    let older_text = comparable_text(&older);
    let newer_text = comparable_text(&newer);
    let older_lines: Vec<&str> = older_text.lines().collect();
    let newer_lines: Vec<&str> = newer_text.lines().collect();
    let lines = diff_lines(&older_lines, &newer_lines);
    let changes = lines
        .iter()
        .filter(|line| !matches!(line, DiffLine::Same(_)))
        .count();
    Ok(page(
        &format!("Compare versions of {}", content.title),
        &user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.breadcrumbs {
                    a href=(view_path(content.id)) { (content.title) } " · "
                    a href={ "/pages/viewpreviousversions.action?pageId=" (content.id) } { "Page history" }
                }
                h1.title { "Compare versions" }
                p {
                    "Version " a href={ (view_path(content.id)) "&pageVersion=" (older.number) } { (older.number) }
                    " with version " a href={ (view_path(content.id)) "&pageVersion=" (newer.number) } { (newer.number) }
                    ": " (changes) " changed line" @if changes != 1 { "s" } "."
                }
                @if older.title != newer.title {
                    p id="title-change" { "Title: " del.diff-removed { (older.title) } " → " ins.diff-added { (newer.title) } }
                }
                @if changes == 0 && older.title == newer.title {
                    p.muted { "The two versions have the same text." }
                }
                div.card.diff id="diff" {
                    @for line in with_context(&lines) {
                        @match line {
                            None => div.diff-gap aria-hidden="true" { "⋯" },
                            Some(DiffLine::Same(text)) => div.diff-same { (text) " " },
                            Some(DiffLine::Removed(text)) => div { del.diff-removed { (text) " " } },
                            Some(DiffLine::Added(text)) => div { ins.diff-added { (text) " " } },
                        }
                    }
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_unchanged_runs_are_folded_around_changes() {
        let lines: Vec<DiffLine<'_>> = (0..20)
            .map(|n| {
                if n == 10 {
                    DiffLine::Added("new")
                } else {
                    DiffLine::Same("x")
                }
            })
            .collect();
        let shown = with_context(&lines);
        // A gap, three lines before, the change, three after, a gap.
        assert_eq!(shown.len(), 9);
        assert_eq!(shown[0], None);
        assert_eq!(shown[4], Some(DiffLine::Added("new")));
        assert_eq!(shown[8], None);
    }
}
