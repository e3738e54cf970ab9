//! Attachments on the page view: the list (with download links) and a form to upload files. Files
//! with a name already on the page become its next version, as in Confluence.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::{Content, ContentId, ContentStatus, ContentType};
use cairn_store::AttachmentListing;
use cairn_store::{Listed, Window};
use maud::{Markup, html};

use super::{UiError, UiUser};
use crate::AppState;
use cairn_app::attachment::{Upload, UploadTarget};

use crate::links::download_path;
use crate::links::view_path;
use crate::request::QueryPairs;
use crate::time_format::human_from_ms;
use crate::upload::receive_form;

/// Most attachments listed on a page view.
const SHOWN_ATTACHMENTS: i64 = 200;

fn human_size(bytes: i64) -> String {
    match bytes {
        ..1_024 => format!("{bytes} B"),
        1_024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1_024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

/// The attachment list of `container` and the upload form.
pub async fn section(state: &AppState, container: &Content) -> Result<Markup, UiError> {
    let listing = AttachmentListing {
        container_id: container.id,
        filename: None,
        media_type: None,
        window: Window::first(SHOWN_ATTACHMENTS),
    };
    let Listed {
        items: attachments,
        has_more: more,
    } = state.store.list_attachments(&listing).await?;
    Ok(html! {
        section.card.attachments id="attachments" {
            h2 { "Attachments (" (attachments.len()) @if more { "+" } ")" }
            @if !attachments.is_empty() {
                table.grid {
                    thead { tr { th { "File" } th { "Size" } th { "Version" } th { "Updated" } } }
                    tbody {
                        @for attachment in &attachments {
                            tr {
                                td { a href=(download_path(attachment)) { (attachment.title) } }
                                td.muted { (human_size(attachment.size_bytes)) }
                                td.muted { "v" (attachment.version) }
                                td.muted { (human_from_ms(attachment.last_modified_ms)) }
                            }
                        }
                    }
                }
            }
            form.write-action method="post" enctype="multipart/form-data" action={ "/pages/doattachfile.action?pageId=" (container.id) } {
                label for="file" { "Attach files" }
                input type="file" id="file" name="file" multiple required;
                label for="attachment-comment" { "Comment" }
                input type="text" id="attachment-comment" name="comment";
                p { button.button type="submit" { "Upload" } }
            }
        }
    })
}

/// `POST /pages/doattachfile.action?pageId=N`: the form's files.
pub async fn upload(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
    mut multipart: Multipart,
) -> Result<Response, UiError> {
    let id = query
        .get("pageId")
        .and_then(ContentId::parse)
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "pageId must be a content id"))?;
    let container = state
        .store
        .find_content(id)
        .await?
        .filter(|content| {
            content.status == ContentStatus::Current && content.content_type != ContentType::Comment
        })
        .ok_or_else(|| UiError::not_found(format!("page {id} does not exist")))?;
    let target = UploadTarget::Files {
        allow_duplicated: true,
    };
    let upload = Upload::start(&state, &user.as_caller(), container.clone(), target).await?;
    let (upload, form) = receive_form(upload, &mut multipart).await?;
    upload
        .record(&user.as_caller(), &form.comment, form.minor_edit)
        .await?;
    Ok(Redirect::to(&format!("{}#attachments", view_path(container.id))).into_response())
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(2_048), "2.0 KB");
        assert_eq!(human_size(5 * 1_048_576), "5.0 MB");
    }
}
