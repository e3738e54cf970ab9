//! Creating and editing pages and blog posts in the UI: the forms (see `editor_form`) and their
//! posts, which go through the same use cases as the REST API (`cairn_app::page::create` and
//! `cairn_app::page::save`). A post that fails comes back as the form with what was typed.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_app::{ErrorCode, page};
use cairn_core::{Content, ContentId, ContentStatus, ContentType, Space, SpaceKey};
use cairn_store::{ContentListing, Listed, PageDraft, Window};
use maud::{Markup, html};

use super::editor_form::{
    BodyField, BodyFormat, ChangeNote, PageForm, Placement, PostedBody, check_typed_storage,
    document_worth_showing_again, editor_document_to_storage, page_form, typed_labels,
};
use super::layout::page as page_frame;
use super::page::{current_content, query_id};
use super::{UiError, UiUser};
use crate::AppState;
use crate::access::{self, ContentAction};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::links::{encode_component, view_path};
use crate::people::People;
use crate::request::{QueryPairs, parse_query};
use crate::time_format::human_from_ms;

/// Most pages offered as a parent in the create form's list.
const PARENT_CHOICES_LIMIT: i64 = 1000;
/// Most spaces offered in the create form's list.
const SPACE_CHOICES_LIMIT: i64 = 500;

/// Whether the form was asked for in source mode (the storage textarea, no editor).
fn wants_source(query: &QueryPairs) -> bool {
    query.get("source") == Some("true")
}

/// The title and storage of `content` at version `number`: the version an edit started from.
pub(super) async fn stored_version(
    state: &AppState,
    content: &Content,
    number: i32,
) -> Result<(String, String), UiError> {
    if number == content.version {
        return Ok((content.title.clone(), content.body.clone()));
    }
    let version = state
        .store
        .find_version(content.id, number)
        .await?
        .ok_or_else(|| {
            UiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "page {} has no version {number} to start an edit from",
                    content.id
                ),
            )
        })?;
    Ok((version.title, version.body))
}

/// The storage of `content` at version `number`.
async fn stored_version_body(
    state: &AppState,
    content: &Content,
    number: i32,
) -> Result<String, UiError> {
    Ok(stored_version(state, content, number).await?.1)
}

/// The storage a post carries, or the form's body part to show again with the reason it failed.
/// `original` is the storage the editor was opened with, when the post did not carry it.
fn posted_storage(
    posted: PostedBody,
    original: &str,
    space: &Space,
    content: Option<&Content>,
) -> Result<String, (BodyField, String)> {
    match posted.format {
        BodyFormat::Storage => match check_typed_storage(&posted.body) {
            Ok(()) => Ok(posted.body),
            // Storage that does not parse can only be repaired in the textarea.
            Err(reason) => Err((BodyField::source(posted.body), reason)),
        },
        BodyFormat::EditorJson => {
            let original = posted.editor_original.as_deref().unwrap_or(original);
            match editor_document_to_storage(&posted.body, original) {
                Ok(storage) => Ok(storage),
                Err(reason) => {
                    let mut field = BodyField::editor_over_stored(
                        original.to_string(),
                        space,
                        content,
                        &People::default(),
                    );
                    if let Some(document) = document_worth_showing_again(&posted.body) {
                        field.editor_document = Some(document);
                    }
                    field.editor_original = posted.editor_original;
                    Err((field, reason))
                }
            }
        }
    }
}

/// Where a new page goes and what the create form shows, as asked for or posted.
struct CreateRequest<'a> {
    space: Space,
    content_type: ContentType,
    parent_id: Option<ContentId>,
    title: &'a str,
    labels: &'a str,
    /// The person's unpublished draft of this new page, once the editor has saved one.
    draft: Option<&'a Content>,
}

fn create_action(content_type: ContentType) -> &'static str {
    match content_type {
        ContentType::BlogPost => "/pages/createblogpost.action",
        ContentType::Page | ContentType::Comment => "/pages/createpage.action",
    }
}

async fn create_markup(
    state: &AppState,
    user: &Principal,
    request: &CreateRequest<'_>,
    body: &BodyField,
    error: Option<&str>,
    other_mode_href: Option<String>,
) -> Result<Markup, UiError> {
    let space = &request.space;
    let Listed { items: spaces, .. } = state
        .store
        .list_spaces(user.user.id, Window::first(SPACE_CHOICES_LIMIT))
        .await?;
    let parents = match request.content_type {
        ContentType::Page => {
            let listing = ContentListing {
                content_type: ContentType::Page,
                space_id: Some(space.id),
                title: None,
                status: Some(ContentStatus::Current),
                label: None,
                root_only: false,
                viewer: user.user.id,
                created_between: None,
                window: Window::first(PARENT_CHOICES_LIMIT),
            };
            let mut pages = state.store.list_content(&listing).await?.items;
            pages.sort_by_key(|page| page.title.to_lowercase());
            Some(pages)
        }
        ContentType::BlogPost | ContentType::Comment => None,
    };
    let parent_title = parents.as_ref().and_then(|pages| {
        pages
            .iter()
            .find(|page| Some(page.id) == request.parent_id)
            .map(|page| page.title.clone())
    });
    let heading = match request.content_type {
        ContentType::Page | ContentType::Comment => "Create page",
        ContentType::BlogPost => "Create blog post",
    };
    let cancel_href = match request.parent_id {
        Some(parent) => view_path(parent),
        None => format!("/display/{}", encode_component(space.key.as_str())),
    };
    let form = PageForm {
        action: create_action(request.content_type),
        hidden: vec![
            ("type", request.content_type.as_str().to_string()),
            (
                "draftId",
                request
                    .draft
                    .map(|draft| draft.id.to_string())
                    .unwrap_or_default(),
            ),
        ],
        title: request.title,
        body,
        change: None,
        placement: Some(Placement {
            spaces: &spaces,
            space,
            parents: parents.as_deref(),
            parent_id: request.parent_id,
            labels: request.labels,
        }),
        cancel_href: &cancel_href,
        other_mode_href,
        content_id: request.draft.map(|draft| draft.id),
        space_key: space.key.as_str(),
    };
    Ok(page_frame(
        heading,
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.breadcrumbs { (space.name) @if let Some(title) = &parent_title { " / " (title) } }
                h1.title { (heading) }
                @if let Some(error) = error { p.notice.error role="alert" { (error) } }
                @if let Some(draft) = request.draft { (new_draft_notice(draft)) }
                (page_form(&form))
            }
        },
    ))
}

async fn create_form_for(
    state: &AppState,
    user: &Principal,
    query: &QueryPairs,
    content_type: ContentType,
) -> Result<Markup, UiError> {
    let key = query
        .get("spaceKey")
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "spaceKey is required"))?;
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    let parent_id = match content_type {
        ContentType::Page => query.get("fromPageId").and_then(ContentId::parse),
        _ => None,
    };
    access::require_create(state, user.user.id, &space, content_type, parent_id).await?;
    let source = wants_source(query);
    let body = if source {
        BodyField::source(String::new())
    } else {
        BodyField::editor_over_stored(String::new(), &space, None, &People::default())
    };
    let mut other_mode_href = format!(
        "{}?spaceKey={}",
        create_action(content_type),
        encode_component(space.key.as_str())
    );
    if let Some(parent) = parent_id {
        other_mode_href.push_str(&format!("&fromPageId={parent}"));
    }
    if !source {
        other_mode_href.push_str("&source=true");
    }
    let request = CreateRequest {
        space,
        content_type,
        parent_id,
        title: "",
        labels: "",
        draft: None,
    };
    create_markup(state, user, &request, &body, None, Some(other_mode_href)).await
}

/// `GET /pages/createpage.action?spaceKey=K[&fromPageId=N][&source=true]`.
pub async fn create_form(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    create_form_for(&state, &user, &query, ContentType::Page).await
}

/// `GET /pages/createblogpost.action?spaceKey=K[&source=true]`.
pub async fn create_blog_form(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    create_form_for(&state, &user, &query, ContentType::BlogPost).await
}

/// `POST /pages/createpage.action` (and `createblogpost.action`).
pub async fn create(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let key = form.get("spaceKey").unwrap_or("");
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    // The form adds pages and blog posts only; comments have their own form.
    let content_type = match form.get("type") {
        Some("blogpost") => ContentType::BlogPost,
        _ => ContentType::Page,
    };
    let parent_id = match content_type {
        ContentType::Page => form.get("parentId").and_then(ContentId::parse),
        _ => None,
    };
    let title = form.get("title").unwrap_or("");
    let labels = form.get("labels").unwrap_or("");
    let draft = match form.get("draftId").and_then(ContentId::parse) {
        Some(id) => Some(own_new_draft(&state, &user, id).await?),
        None => None,
    };
    let posted = PostedBody::read(&form);
    let from_textarea = posted.format == BodyFormat::Storage;
    let mut request = CreateRequest {
        space,
        content_type,
        parent_id,
        title,
        labels,
        draft: draft.as_ref(),
    };
    // A new page's editor starts from an empty page.
    let converted = posted_storage(posted, "", &request.space, None);
    let storage = match converted {
        Ok(storage) => storage,
        Err((field, reason)) => {
            let markup =
                create_markup(&state, &user, &request, &field, Some(&reason), None).await?;
            return Ok((StatusCode::BAD_REQUEST, markup).into_response());
        }
    };
    let error = match create_refusal(&state, &user, &request).await? {
        Some(refusal) => {
            // A parent from another space is dropped, so the form offers the chosen space's pages.
            if refusal.parent_in_other_space {
                request.parent_id = None;
            }
            refusal.error
        }
        None => {
            let command = page::CreatePage {
                content_type,
                space_key: request.space.key.clone(),
                parent_id,
                title: title.to_string(),
                body: storage.clone(),
                draft: false,
                message: String::new(),
                minor_edit: false,
                labels: typed_labels(labels),
                properties: Vec::new(),
            };
            let created = match request.draft {
                // The draft the editor kept is what gets published.
                Some(draft) => publish_new_draft(&state, &user, draft, command).await,
                None => page::create(&state, &user.as_caller(), command).await,
            };
            match created {
                Ok(content) => return Ok(Redirect::to(&view_path(content.id)).into_response()),
                Err(error) => ApiError::from(error),
            }
        }
    };
    let field = if from_textarea {
        BodyField::source(storage)
    } else {
        BodyField::editor_over_unsaved(storage, &request.space, None, &People::default())
    };
    let markup = create_markup(&state, &user, &request, &field, Some(&error.message), None).await?;
    Ok((error.status, markup).into_response())
}

/// Why a new page may not go where the form put it.
struct Refusal {
    error: ApiError,
    /// The parent page chosen is in another space than the one chosen.
    parent_in_other_space: bool,
}

/// Why the person may not create this here; `None` if they may.
async fn create_refusal(
    state: &AppState,
    user: &Principal,
    request: &CreateRequest<'_>,
) -> Result<Option<Refusal>, UiError> {
    let allowed = access::require_create(
        state,
        user.user.id,
        &request.space,
        request.content_type,
        request.parent_id,
    )
    .await;
    match allowed {
        Ok(Some(parent)) if parent.space_id != request.space.id => Ok(Some(Refusal {
            error: ApiError::bad_request(format!(
                "the parent page {:?} is in another space: choose a parent page in {}",
                parent.title, request.space.name
            )),
            parent_in_other_space: true,
        })),
        Ok(_) => Ok(None),
        Err(error) => Ok(Some(Refusal {
            error: ApiError::from(error),
            parent_in_other_space: false,
        })),
    }
}

/// What the edit form shows.
pub(super) struct EditView<'a> {
    pub(super) content: &'a Content,
    /// The version the edit starts from (`originalVersion`).
    pub(super) based_on: i32,
    pub(super) space_key: &'a str,
    pub(super) title: &'a str,
    pub(super) body: &'a BodyField,
    pub(super) change: ChangeNote<'a>,
    pub(super) notice: Option<Markup>,
    pub(super) other_mode_href: Option<String>,
}

pub(super) fn edit_markup(user: &Principal, view: EditView<'_>) -> Markup {
    let content = view.content;
    let cancel_href = view_path(content.id);
    let form = PageForm {
        action: "/pages/editpage.action",
        hidden: vec![
            ("pageId", content.id.to_string()),
            ("originalVersion", view.based_on.to_string()),
        ],
        title: view.title,
        body: view.body,
        change: Some(view.change),
        placement: None,
        cancel_href: &cancel_href,
        other_mode_href: view.other_mode_href,
        content_id: Some(content.id),
        space_key: view.space_key,
    };
    page_frame(
        &format!("Edit {}", content.title),
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { "Edit " (content.title) }
                @if let Some(notice) = view.notice { (notice) }
                (page_form(&form))
            }
        },
    )
}

pub(super) async fn space_of(state: &AppState, content: &Content) -> Result<Space, UiError> {
    state
        .store
        .find_space_by_id(content.space_id)
        .await?
        .ok_or_else(|| UiError::not_found("space not found"))
}

/// `GET /pages/editpage.action?pageId=N[&source=true]`.
pub async fn edit_form(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let content = current_content(&state, &user, query_id(&query, "pageId")?).await?;
    access::require(&state, user.user.id, &content, ContentAction::Edit).await?;
    let space = space_of(&state, &content).await?;
    let source = wants_source(&query);
    // A draft the person left is where they go on: their text, based on the version they started
    // from (publishing it merges with anything published since).
    let draft = cairn_app::draft::find(&state, &user.as_caller(), &content).await?;
    let (based_on, title, storage) = match &draft {
        Some(draft) => (draft.base_version, draft.title.as_str(), draft.body.clone()),
        None => (
            content.version,
            content.title.as_str(),
            content.body.clone(),
        ),
    };
    let people = crate::people::gather(&state, &storage).await?;
    let body = match (source, &draft) {
        (true, _) => BodyField::source(storage),
        (false, None) => BodyField::editor_over_stored(storage, &space, Some(&content), &people),
        (false, Some(_)) => {
            BodyField::editor_over_unsaved(storage, &space, Some(&content), &people)
        }
    };
    let other_mode_href = format!(
        "/pages/editpage.action?pageId={}{}",
        content.id,
        if source { "" } else { "&source=true" }
    );
    let change = ChangeNote {
        message: "",
        minor_edit: false,
    };
    let notice = draft.as_ref().map(|draft| draft_notice(draft, &content));
    let view = EditView {
        content: &content,
        based_on,
        space_key: space.key.as_str(),
        title,
        body: &body,
        change,
        notice,
        other_mode_href: Some(other_mode_href),
    };
    Ok(edit_markup(&user, view))
}

/// Says that the editor holds the person's unpublished draft, with the button that throws it away.
fn draft_notice(draft: &PageDraft, content: &Content) -> Markup {
    html! {
        div.notice.draft-notice role="status" {
            p {
                "You are editing your unpublished draft, saved " (human_from_ms(draft.saved_ms))
                " (started from version " (draft.base_version) ")."
                @if draft.base_version < content.version {
                    " Version " (content.version) " was published since: when you save, both are merged."
                }
            }
            form.inline method="post" action="/pages/discarddraft.action" {
                input type="hidden" name="pageId" value=(content.id);
                button.button.secondary type="submit" { "Discard draft" }
            }
        }
    }
}

/// The caller's own unpublished new page `id` (a `status=draft` content), or 404.
async fn own_new_draft(
    state: &AppState,
    user: &Principal,
    id: ContentId,
) -> Result<Content, UiError> {
    let draft = state.store.find_content(id).await?;
    draft
        .filter(|draft| draft.status == ContentStatus::Draft && draft.creator_id == user.user.id)
        .ok_or_else(|| UiError::not_found(format!("draft {id} does not exist or was published")))
}

/// Publishes the draft the create form kept, as `command` says (in another space than the
/// draft's, the page is created there and the draft removed).
async fn publish_new_draft(
    state: &AppState,
    user: &Principal,
    draft: &Content,
    command: page::CreatePage,
) -> Result<Content, cairn_app::Error> {
    let caller = user.as_caller();
    let draft_space = state.store.find_space_by_id(draft.space_id).await?;
    if draft_space.is_none_or(|space| space.key != command.space_key) {
        let created = page::create(state, &caller, command).await?;
        cairn_app::lifecycle::remove(state, &caller, draft, Some("draft")).await?;
        return Ok(created);
    }
    let save = page::SavePage {
        id: draft.id,
        version_number: draft.version,
        title: Some(command.title),
        body: Some(command.body),
        parent_id: command.parent_id,
        space_key: None,
        status: page::WantedStatus::Current,
        message: command.message,
        minor_edit: command.minor_edit,
        labels: Some(command.labels),
        properties: Vec::new(),
    };
    Ok(page::save(state, &caller, save).await?.content)
}

/// Says that the create form holds the person's unpublished new page, with Discard draft.
fn new_draft_notice(draft: &Content) -> Markup {
    html! {
        div.notice.draft-notice role="status" {
            p { "You are writing your unpublished draft, saved " (human_from_ms(draft.last_modified_ms)) ". Only you can see it." }
            form.inline method="post" action="/pages/discarddraft.action" {
                input type="hidden" name="draftId" value=(draft.id);
                button.button.secondary type="submit" { "Discard draft" }
            }
        }
    }
}

/// `GET /pages/resumedraft.action?draftId=N`: the create form again, on the person's draft of a
/// new page.
pub async fn resume_draft(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let draft = own_new_draft(&state, &user, query_id(&query, "draftId")?).await?;
    let space = space_of(&state, &draft).await?;
    let people = crate::people::gather(&state, &draft.body).await?;
    let body = BodyField::editor_over_unsaved(draft.body.clone(), &space, None, &people);
    let request = CreateRequest {
        space,
        content_type: draft.content_type,
        parent_id: draft.parent_id,
        title: &draft.title,
        labels: "",
        draft: Some(&draft),
    };
    create_markup(&state, &user, &request, &body, None, None).await
}

/// The autosave of a new page: the first one creates it as the person's draft
/// (`status=draft`), later ones update it.
async fn save_new_draft(
    state: &AppState,
    user: &Principal,
    form: &QueryPairs,
) -> Result<Result<Content, String>, UiError> {
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(form.get("spaceKey").unwrap_or("")))
        .await?;
    let content_type = match form.get("type") {
        Some("blogpost") => ContentType::BlogPost,
        _ => ContentType::Page,
    };
    let title = form.get("title").unwrap_or("").trim();
    if title.is_empty() {
        return Ok(Err("give the page a title first".to_string()));
    }
    let storage = match posted_storage(PostedBody::read(form), "", &space, None) {
        Ok(storage) => storage,
        Err((_, reason)) => return Ok(Err(reason)),
    };
    let caller = user.as_caller();
    let saved = match form.get("draftId").and_then(ContentId::parse) {
        None => {
            let parent_id = match content_type {
                ContentType::Page => form.get("parentId").and_then(ContentId::parse),
                _ => None,
            };
            let command = page::CreatePage {
                content_type,
                space_key: space.key.clone(),
                parent_id,
                title: title.to_string(),
                body: storage,
                draft: true,
                message: String::new(),
                minor_edit: false,
                labels: Vec::new(),
                properties: Vec::new(),
            };
            page::create(state, &caller, command).await
        }
        Some(id) => {
            let draft = own_new_draft(state, user, id).await?;
            let save = page::SavePage {
                id,
                version_number: draft.version,
                title: Some(title.to_string()),
                body: Some(storage),
                parent_id: None,
                space_key: None,
                status: page::WantedStatus::Draft,
                message: String::new(),
                minor_edit: false,
                labels: None,
                properties: Vec::new(),
            };
            page::save(state, &caller, save)
                .await
                .map(|saved| saved.content)
        }
    };
    match saved {
        Ok(content) => Ok(Ok(content)),
        Err(error) if error.code.kind() == cairn_app::error::FailureKind::Invalid => {
            Ok(Err(error.message))
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /pages/savedraft.action` (the editor's autosave, every few seconds while someone types):
/// the form as it is now, kept as the person's draft of the page. Answers JSON for the script:
/// `{"savedAt": "…"}`, or `{"message": "…"}` with 400 when the text cannot be kept as it is.
pub async fn save_draft(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let refused = |message: String| {
        let body = serde_json::json!({ "message": message });
        (StatusCode::BAD_REQUEST, crate::error::json_body(&body)).into_response()
    };
    if form.get("pageId").is_none() {
        return Ok(match save_new_draft(&state, &user, &form).await? {
            Ok(draft) => crate::error::json_body(&serde_json::json!({
                "savedAt": human_from_ms(draft.last_modified_ms),
                "contentId": draft.id.0,
                "draftId": draft.id.0,
            })),
            Err(message) => refused(message),
        });
    }
    let id = query_id(&form, "pageId")?;
    let content = current_content(&state, &user, id).await?;
    let Some(based_on) = form
        .get("originalVersion")
        .and_then(|text| text.parse::<i32>().ok())
    else {
        return Ok(refused("originalVersion is required".to_string()));
    };
    let posted = PostedBody::read(&form);
    let original = match (&posted.format, &posted.editor_original) {
        (BodyFormat::EditorJson, None) => stored_version_body(&state, &content, based_on).await?,
        _ => String::new(),
    };
    let space = space_of(&state, &content).await?;
    let storage = match posted_storage(posted, &original, &space, Some(&content)) {
        Ok(storage) => storage,
        Err((_, reason)) => return Ok(refused(reason)),
    };
    let text = cairn_app::draft::DraftText {
        base_version: based_on,
        title: form.get("title").unwrap_or("").to_string(),
        body: storage,
    };
    match cairn_app::draft::save(&state, &user.as_caller(), &content, text).await {
        Ok(draft) => {
            let body = serde_json::json!({
                "savedAt": human_from_ms(draft.saved_ms),
                "contentId": content.id.0,
            });
            Ok(crate::error::json_body(&body))
        }
        Err(error) if error.code.kind() == cairn_app::error::FailureKind::Invalid => {
            Ok(refused(error.message))
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /pages/discarddraft.action` with `pageId` (a draft of a published page: the editor opens
/// on the published page) or `draftId` (a new page never published: it is removed).
pub async fn discard_draft(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    if form.get("pageId").is_none() {
        // A new page never published: the draft is all there is.
        let draft = own_new_draft(&state, &user, query_id(&form, "draftId")?).await?;
        let space = space_of(&state, &draft).await?;
        cairn_app::lifecycle::remove(&state, &user.as_caller(), &draft, Some("draft")).await?;
        let home = format!("/display/{}", encode_component(space.key.as_str()));
        return Ok(Redirect::to(&home).into_response());
    }
    let content = current_content(&state, &user, query_id(&form, "pageId")?).await?;
    access::require(&state, user.user.id, &content, ContentAction::Edit).await?;
    cairn_app::draft::discard(&state, &user.as_caller(), &content).await?;
    Ok(Redirect::to(&format!("/pages/editpage.action?pageId={}", content.id)).into_response())
}

/// `POST /pages/editpage.action`: a new version, from the textarea's storage or the editor's
/// document converted against the version the edit started from.
pub async fn edit(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let id = query_id(&form, "pageId")?;
    let based_on: i32 = form
        .get("originalVersion")
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "originalVersion is required"))?;
    let title = form.get("title").unwrap_or("");
    let change = ChangeNote {
        message: form.get("message").unwrap_or(""),
        minor_edit: form.get("minorEdit") == Some("true"),
    };
    let editing = current_content(&state, &user, id).await?;
    access::require(&state, user.user.id, &editing, ContentAction::Edit).await?;
    let space = space_of(&state, &editing).await?;
    let posted = PostedBody::read(&form);
    let from_textarea = posted.format == BodyFormat::Storage;
    let original = match (&posted.format, &posted.editor_original) {
        (BodyFormat::EditorJson, None) => stored_version_body(&state, &editing, based_on).await?,
        _ => String::new(),
    };
    let storage = match posted_storage(posted, &original, &space, Some(&editing)) {
        Ok(storage) => storage,
        Err((field, reason)) => {
            let notice = html! { p.notice.error role="alert" { (reason) } };
            let view = EditView {
                content: &editing,
                based_on,
                space_key: space.key.as_str(),
                title,
                body: &field,
                change,
                notice: Some(notice),
                other_mode_href: None,
            };
            let markup = edit_markup(&user, view);
            return Ok((StatusCode::BAD_REQUEST, markup).into_response());
        }
    };
    let command = page::SavePage {
        id,
        version_number: based_on + 1,
        title: Some(title.to_string()),
        body: Some(storage.clone()),
        parent_id: None,
        space_key: None,
        status: page::WantedStatus::Unnamed,
        message: change.message.to_string(),
        minor_edit: change.minor_edit,
        labels: None,
        properties: Vec::new(),
    };
    let error = match page::save(&state, &user.as_caller(), command).await {
        Ok(saved) => {
            // What was published is no longer a draft.
            cairn_app::draft::discard(&state, &user.as_caller(), &saved.content).await?;
            return Ok(Redirect::to(&view_path(saved.content.id)).into_response());
        }
        Err(error) => error,
    };
    // Nothing is lost: the author's text comes back, as storage in the textarea they used, or in
    // the editor (built from the converted storage, which the post then carries).
    let content = current_content(&state, &user, id).await?;
    if error.code == ErrorCode::StaleVersion {
        // Never an overwrite: the two edits are merged, and the person checks the result.
        let edit = super::merge::CrossedEdit {
            current: &content,
            space: &space,
            based_on,
            title,
            mine: storage,
            change,
        };
        return super::merge::crossed(&state, &user, edit).await;
    }
    let field = if from_textarea {
        BodyField::source(storage)
    } else {
        let people = crate::people::gather(&state, &storage).await?;
        BodyField::editor_over_unsaved(storage, &space, Some(&content), &people)
    };
    let notice = html! { p.notice.error role="alert" { (error.message) } };
    let status = crate::error::status_of(error.code.kind());
    let view = EditView {
        content: &content,
        based_on,
        space_key: space.key.as_str(),
        title,
        body: &field,
        change,
        notice: Some(notice),
        other_mode_href: None,
    };
    let markup = edit_markup(&user, view);
    Ok((status, markup).into_response())
}
