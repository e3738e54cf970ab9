//! When an edit crosses a newer version (someone published since the editor opened, in the UI or
//! through REST), saving never overwrites it: the two edits are merged block by block
//! (`cairn_format::merge_storage`). What does not overlap is merged at once and shown in the
//! editor to check and publish; where both changed the same part, a page shows the two side by
//! side and the person chooses, then reviews the result in the editor and publishes it as the
//! next version. If yet another version lands meanwhile, the next save merges again.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_core::{Content, Space};
use cairn_format::{Merge, MergeChunk, Resolution, merge_storage};
use maud::{Markup, html};

use super::editor::{EditView, edit_markup, space_of, stored_version};
use super::editor_form::{BodyField, ChangeNote};
use super::layout::page as page_frame;
use super::page::{current_content, query_id};
use super::{UiError, UiUser};
use crate::AppState;
use crate::access::{self, ContentAction};
use crate::auth::Principal;
use crate::links::view_path;
use crate::render::storage_to_view;
use crate::request::parse_query;
use crate::time_format::human_from_ms;

/// An edit that was started from `based_on` and could not be saved because `current` is newer.
pub struct CrossedEdit<'a> {
    pub current: &'a Content,
    pub space: &'a Space,
    pub based_on: i32,
    pub title: &'a str,
    /// The edit, as storage.
    pub mine: String,
    pub change: ChangeNote<'a>,
}

/// Whose title wins when both edits renamed the page differently.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TitleChoice {
    Theirs,
    Mine,
}

/// The title of a merge: the side that changed it, or `None` when both changed it differently.
fn merged_title<'a>(base: &str, theirs: &'a str, mine: &'a str) -> Option<&'a str> {
    if mine == base || mine == theirs {
        Some(theirs)
    } else if theirs == base {
        Some(mine)
    } else {
        None
    }
}

/// Answers a save that crossed a newer version: the merged page in the editor when nothing
/// overlaps, otherwise the page that asks where both edits changed the same part (409 either way:
/// nothing was published).
pub async fn crossed(
    state: &AppState,
    user: &Principal,
    edit: CrossedEdit<'_>,
) -> Result<Response, UiError> {
    let current = edit.current;
    let (base_title, base_body) = stored_version(state, current, edit.based_on).await?;
    let merge = merge_storage(&base_body, &current.body, &edit.mine)
        .map_err(|error| UiError::new(StatusCode::BAD_REQUEST, error.to_string()))?;
    let publisher = publisher_line(state, current).await?;
    let title = merged_title(&base_title, &current.title, edit.title);
    if let (0, Some(title)) = (merge.conflicts(), title) {
        let merged = merge.resolve(|_| Resolution::Mine);
        let people = crate::people::gather(state, &merged).await?;
        let field = BodyField::editor_over_unsaved(merged, edit.space, Some(current), &people);
        let compare = compare_href(current, edit.based_on);
        let notice = html! {
            div.notice.merge-notice role="alert" {
                p { (publisher) " while you were editing (you started from version " (edit.based_on) ")." }
                p {
                    "Their changes and yours touch different parts of the page, so both are merged below ("
                    (count(merge.theirs_taken, "of their changes")) ", " (count(merge.mine_taken, "of yours")) "). "
                    "Check the page and save to publish it as version " (current.version + 1) ". "
                    a href=(compare) target="_blank" { "What they changed" }
                }
            }
        };
        let view = EditView {
            content: current,
            based_on: current.version,
            space_key: edit.space.key.as_str(),
            title,
            body: &field,
            change: edit.change,
            notice: Some(notice),
            other_mode_href: None,
        };
        return Ok((StatusCode::CONFLICT, edit_markup(user, view)).into_response());
    }
    let page = ConflictPage {
        current,
        based_on: edit.based_on,
        their_version: current.version,
        publisher: &publisher,
        title_choices: title
            .is_none()
            .then_some((current.title.as_str(), edit.title)),
        title: edit.title,
        mine: &edit.mine,
        merge: &merge,
        change: &edit.change,
        space: edit.space,
    };
    Ok((StatusCode::CONFLICT, conflict_markup(user, &page)).into_response())
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}")
}

/// "Ana Lima published version 8 at Dec 07, 2026 16:40 UTC".
async fn publisher_line(state: &AppState, current: &Content) -> Result<String, UiError> {
    let author = state.store.find_user(current.last_modifier_id).await?;
    let name = author.map_or_else(|| "Someone".to_string(), |author| author.display_name);
    Ok(format!(
        "{name} published version {} at {}",
        current.version,
        human_from_ms(current.last_modified_ms)
    ))
}

fn compare_href(current: &Content, based_on: i32) -> String {
    format!(
        "/pages/diffpagesbyversion.action?pageId={}&originalVersion={based_on}&revisedVersion={}",
        current.id, current.version
    )
}

struct ConflictPage<'a> {
    current: &'a Content,
    based_on: i32,
    their_version: i32,
    publisher: &'a str,
    /// Their title and mine, when both renamed the page differently.
    title_choices: Option<(&'a str, &'a str)>,
    title: &'a str,
    mine: &'a str,
    merge: &'a Merge,
    change: &'a ChangeNote<'a>,
    space: &'a Space,
}

fn rendered(storage: &str, page: &ConflictPage<'_>) -> Markup {
    let view = storage_to_view(
        storage,
        Some(page.space.key.as_str()),
        Some(&page.current.title),
    );
    html! {
        @if storage.trim().is_empty() {
            p.muted { "(removed)" }
        } @else {
            div.wiki-content { (maud::PreEscaped(view)) }
        }
    }
}

fn conflict_markup(user: &Principal, page: &ConflictPage<'_>) -> Markup {
    let content = page.current;
    let conflicts = page.merge.conflicts();
    let heading = format!("Merge your changes into {}", content.title);
    let mut number = 0;
    page_frame(
        &heading,
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { (heading) }
                div.notice role="alert" {
                    p { (page.publisher) " while you were editing (you started from version " (page.based_on) "). Nothing was overwritten." }
                    p {
                        "You both changed the same part of the page in " (conflicts) " place" @if conflicts != 1 { "s" } ". "
                        "Choose what to keep there"
                        @if page.merge.theirs_taken + page.merge.mine_taken > 0 {
                            "; everything else (" (count(page.merge.theirs_taken, "of their changes")) ", "
                            (count(page.merge.mine_taken, "of yours")) ") is merged already"
                        }
                        ". You review the result before it is published. "
                        a href=(compare_href(content, page.based_on)) target="_blank" { "What they changed" }
                    }
                }
                form.card.merge method="post" action="/pages/resolveconflict.action" {
                    input type="hidden" name="pageId" value=(content.id);
                    input type="hidden" name="baseVersion" value=(page.based_on);
                    input type="hidden" name="theirVersion" value=(page.their_version);
                    input type="hidden" name="mine" value=(page.mine);
                    input type="hidden" name="title" value=(page.title);
                    input type="hidden" name="message" value=(page.change.message);
                    @if page.change.minor_edit { input type="hidden" name="minorEdit" value="true"; }
                    @if let Some((theirs, mine)) = page.title_choices {
                        fieldset.merge-conflict {
                            legend { "Title" }
                            div.merge-sides {
                                div.merge-side {
                                    input type="radio" id="title-theirs" name="titleChoice" value="theirs";
                                    label for="title-theirs" { "Keep their title" }
                                    p.merge-title { (theirs) }
                                }
                                div.merge-side {
                                    input type="radio" id="title-mine" name="titleChoice" value="mine" checked;
                                    label for="title-mine" { "Keep your title" }
                                    p.merge-title { (mine) }
                                }
                            }
                        }
                    }
                    @for chunk in &page.merge.chunks {
                        @if let MergeChunk::Conflict { theirs, mine, .. } = chunk {
                            @let index = { number += 1; number - 1 };
                            fieldset.merge-conflict {
                                legend { "Change " (index + 1) " of " (conflicts) }
                                div.merge-sides {
                                    div.merge-side {
                                        input type="radio" id=(format!("choice-{index}-theirs")) name=(format!("choice_{index}")) value="theirs";
                                        label for=(format!("choice-{index}-theirs")) { "Keep their version (version " (page.their_version) ")" }
                                        (rendered(theirs, page))
                                    }
                                    div.merge-side {
                                        input type="radio" id=(format!("choice-{index}-mine")) name=(format!("choice_{index}")) value="mine" checked;
                                        label for=(format!("choice-{index}-mine")) { "Keep your version" }
                                        (rendered(mine, page))
                                    }
                                }
                                p {
                                    input type="radio" id=(format!("choice-{index}-both")) name=(format!("choice_{index}")) value="both";
                                    " "
                                    label for=(format!("choice-{index}-both")) { "Keep both (theirs, then yours)" }
                                }
                            }
                        }
                    }
                    p.form-actions {
                        button.button type="submit" { "Apply and review" }
                        " "
                        a.button.secondary href=(view_path(content.id)) { "Cancel (your changes are lost)" }
                    }
                }
            }
        },
    )
}

/// `POST /pages/resolveconflict.action`: the choices applied to the same merge (recomputed from
/// the stored versions and the posted edit), shown in the editor to review and publish.
pub async fn resolve(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let id = query_id(&form, "pageId")?;
    let version = |name: &str| {
        form.get(name)
            .and_then(|text| text.parse::<i32>().ok())
            .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, format!("{name} is required")))
    };
    let (based_on, their_version) = (version("baseVersion")?, version("theirVersion")?);
    let mine = form.get("mine").unwrap_or("");
    let title = form.get("title").unwrap_or("");
    let content = current_content(&state, &user, id).await?;
    access::require(&state, user.user.id, &content, ContentAction::Edit).await?;
    let space = space_of(&state, &content).await?;
    let (base_title, base) = stored_version(&state, &content, based_on).await?;
    let (their_title, theirs) = stored_version(&state, &content, their_version).await?;
    let merge = merge_storage(&base, &theirs, mine)
        .map_err(|error| UiError::new(StatusCode::BAD_REQUEST, error.to_string()))?;
    let merged = merge.resolve(|index| match form.get(&format!("choice_{index}")) {
        Some("theirs") => Resolution::Theirs,
        Some("both") => Resolution::Both,
        _ => Resolution::Mine,
    });
    let title = merged_title(&base_title, &their_title, title).unwrap_or(
        match form.get("titleChoice") {
            Some("theirs") => TitleChoice::Theirs,
            _ => TitleChoice::Mine,
        }
        .pick(&their_title, title),
    );
    let people = crate::people::gather(&state, &merged).await?;
    let field = BodyField::editor_over_unsaved(merged, &space, Some(&content), &people);
    let notice = html! {
        p.notice role="status" {
            "Your choices are applied. Check the page and save to publish it as version " (content.version + 1) "."
        }
    };
    let view = EditView {
        content: &content,
        based_on: their_version,
        space_key: space.key.as_str(),
        title,
        body: &field,
        change: ChangeNote {
            message: form.get("message").unwrap_or(""),
            minor_edit: form.get("minorEdit") == Some("true"),
        },
        notice: Some(notice),
        other_mode_href: None,
    };
    Ok(edit_markup(&user, view).into_response())
}

impl TitleChoice {
    fn pick<'a>(self, theirs: &'a str, mine: &'a str) -> &'a str {
        match self {
            TitleChoice::Theirs => theirs,
            TitleChoice::Mine => mine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merged_title;

    #[test]
    fn the_title_follows_whoever_changed_it() {
        assert_eq!(merged_title("Plan", "Plan", "My plan"), Some("My plan"));
        assert_eq!(
            merged_title("Plan", "Their plan", "Plan"),
            Some("Their plan")
        );
        assert_eq!(merged_title("Plan", "Same", "Same"), Some("Same"));
        assert_eq!(merged_title("Plan", "Theirs", "Mine"), None);
    }
}
