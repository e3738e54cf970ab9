//! Labels on the page view: shown under the title, added and removed with small forms.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_app::label;
use cairn_core::{ContentId, Label};
use maud::{Markup, html};

use super::{UiError, UiUser};
use crate::AppState;
use crate::links::{encode_component, view_path};
use crate::request::QueryPairs;
use crate::request::parse_query;

/// The labels of a page, each removable, and a field to add more (several, separated by spaces).
pub fn labels_bar(id: ContentId, labels: &[Label]) -> Markup {
    html! {
        div.labels {
            @for label in labels {
                form.inline.label method="post" action={ "/labels/removelabel.action?pageId=" (id) "&name=" (encode_component(&label.name)) } {
                    span.label-name { (label.name) }
                    button.write-action type="submit" title={ "Remove label " (label.name) } { "×" }
                }
            }
            form.inline.add-label.write-action method="post" action={ "/labels/addlabel.action?pageId=" (id) } {
                input type="text" name="labels" placeholder="Add labels" aria-label="Add labels" maxlength="255";
                button.button.secondary type="submit" { "Add" }
            }
        }
    }
}

fn page_id(query: &QueryPairs) -> Result<ContentId, UiError> {
    query
        .get("pageId")
        .and_then(ContentId::parse)
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "pageId must be a content id"))
}

/// `POST /labels/addlabel.action?pageId=N` with `labels` (space-separated names).
pub async fn add(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
    body: Bytes,
) -> Result<Response, UiError> {
    let id = page_id(&query)?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let names: Vec<(String, String)> = form
        .get("labels")
        .unwrap_or("")
        .split([' ', ','])
        .filter(|name| !name.is_empty())
        .map(|name| ("global".to_string(), name.to_string()))
        .collect();
    label::add(&state, &user.as_caller(), id, &names).await?;
    Ok(Redirect::to(&view_path(id)).into_response())
}

/// `POST /labels/removelabel.action?pageId=N&name=x`.
pub async fn remove(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Response, UiError> {
    let id = page_id(&query)?;
    let name = query.get("name").unwrap_or("");
    // Removing a label that is not there leaves the page as the person sees it.
    match label::remove(&state, &user.as_caller(), id, name).await {
        Err(error) if error.code == cairn_app::ErrorCode::LabelNotFound => {}
        other => other?,
    }
    Ok(Redirect::to(&view_path(id)).into_response())
}
