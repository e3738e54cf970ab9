//! Restrictions of a page (`/pages/restrictions.action?pageId=N`) and the permissions of a space
//! (`/spaces/spacepermissions.action?key=KEY`), as forms.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::{
    Content, ContentId, Restriction, RestrictionOperation, SpaceKey, SpacePermission, Subject,
};
use cairn_store::{NamedRestriction, SpaceGrant};
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::access;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::links::{encode_component, view_path};
use crate::request::QueryPairs;
use crate::request::parse_query;
use cairn_app::restriction::{self, RestrictionChange, subject_by_name};
use cairn_app::space_permission::{self, Grant, PermissionChange, SubjectName};

fn page_id(query: &QueryPairs) -> Result<ContentId, UiError> {
    query
        .get("pageId")
        .and_then(ContentId::parse)
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "pageId must be a content id"))
}

/// Names of one kind of subject restricted for `operation`, comma-separated, for a form field.
fn names_of(
    restrictions: &[NamedRestriction],
    operation: RestrictionOperation,
    groups: bool,
) -> String {
    restrictions
        .iter()
        .filter(|named| named.restriction.operation == operation)
        .filter(|named| matches!(named.restriction.subject, Subject::Group(_)) == groups)
        .map(|named| named.subject_name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn split_names(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

fn restrictions_page(
    user: &Principal,
    content: &Content,
    fields: [String; 4],
    notice: Option<&str>,
) -> Markup {
    let [read_users, read_groups, edit_users, edit_groups] = fields;
    let action = format!("/pages/restrictions.action?pageId={}", content.id);
    page(
        &format!("Restrictions of {}", content.title),
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.breadcrumbs { a href=(view_path(content.id)) { (content.title) } }
                h1.title { "Restrictions" }
                @if let Some(notice) = notice { p.notice.error role="alert" { (notice) } }
                p.muted {
                    "Leave a list empty for no restriction. Viewing restrictions also apply to every page below this one; "
                    "editing restrictions apply to this page only. Include yourself (or a group of yours) in any list you fill in."
                }
                form.card method="post" action=(action) {
                    h2 { "Who can view" }
                    label for="read-users" { "Users (usernames, comma-separated)" }
                    input type="text" id="read-users" name="readUsers" value=(read_users);
                    label for="read-groups" { "Groups" }
                    input type="text" id="read-groups" name="readGroups" value=(read_groups);
                    h2 { "Who can edit" }
                    label for="edit-users" { "Users" }
                    input type="text" id="edit-users" name="editUsers" value=(edit_users);
                    label for="edit-groups" { "Groups" }
                    input type="text" id="edit-groups" name="editGroups" value=(edit_groups);
                    p { button.button type="submit" { "Save restrictions" } }
                }
            }
        },
    )
}

/// `GET /pages/restrictions.action?pageId=N`.
pub async fn restrictions_form(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let content = access::viewable_content(&state, user.user.id, page_id(&query)?).await?;
    let restrictions = state.store.content_restrictions(content.id).await?;
    let fields = [
        names_of(&restrictions, RestrictionOperation::Read, false),
        names_of(&restrictions, RestrictionOperation::Read, true),
        names_of(&restrictions, RestrictionOperation::Update, false),
        names_of(&restrictions, RestrictionOperation::Update, true),
    ];
    Ok(restrictions_page(&user, &content, fields, None))
}

/// `POST /pages/restrictions.action?pageId=N`: the four lists replace the page's restrictions.
pub async fn save_restrictions(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
    body: Bytes,
) -> Result<Response, UiError> {
    let content = access::viewable_content(&state, user.user.id, page_id(&query)?).await?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let field = |name: &str| form.get(name).unwrap_or("").to_string();
    let fields = [
        field("readUsers"),
        field("readGroups"),
        field("editUsers"),
        field("editGroups"),
    ];
    let mut wanted = Vec::new();
    let mut problem: Option<ApiError> = None;
    let lists = [
        (RestrictionOperation::Read, "user", &fields[0]),
        (RestrictionOperation::Read, "group", &fields[1]),
        (RestrictionOperation::Update, "user", &fields[2]),
        (RestrictionOperation::Update, "group", &fields[3]),
    ];
    'lists: for (operation, kind, text) in lists {
        for name in split_names(text) {
            match subject_by_name(&state, kind, name).await {
                Ok(subject) => wanted.push(Restriction { operation, subject }),
                Err(error) => {
                    problem = Some(ApiError::from(error));
                    break 'lists;
                }
            }
        }
    }
    let outcome = match problem {
        Some(error) => Err(error),
        None => {
            let change = RestrictionChange::Replace {
                operations: RestrictionOperation::ALL.to_vec(),
                restrictions: wanted.clone(),
            };
            restriction::change(&state, &user.as_caller(), &content, change)
                .await
                .map_err(ApiError::from)
        }
    };
    match outcome {
        Ok(()) => {
            tracing::info!(content_id = %content.id, restrictions = wanted.len(), user = %user.user.username, "restrictions saved");
            Ok(Redirect::to(&view_path(content.id)).into_response())
        }
        Err(error) => Ok((
            error.status,
            restrictions_page(&user, &content, fields, Some(&error.message)),
        )
            .into_response()),
    }
}

fn space_key(query: &QueryPairs) -> Result<SpaceKey, UiError> {
    query
        .get("key")
        .filter(|key| !key.is_empty())
        .map(SpaceKey::from_stored)
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "key is required"))
}

/// The grants as a grid: one row per user or group, one column per permission.
fn grants_grid(grants: &[SpaceGrant]) -> Markup {
    let mut subjects: Vec<(Subject, String)> = grants
        .iter()
        .map(|grant| (grant.subject, grant.subject_name.clone()))
        .collect();
    subjects.sort();
    subjects.dedup();
    html! {
        table.grid {
            thead {
                tr {
                    th { "Who" }
                    @for permission in SpacePermission::ALL { th title=(permission.as_str()) { (column_label(permission)) } }
                }
            }
            tbody {
                @for (subject, name) in &subjects {
                    tr {
                        td {
                            @match subject {
                                Subject::User(_) => { (name) }
                                Subject::Group(_) => { (name) " (group)" }
                                Subject::Anonymous => { "Anonymous" }
                            }
                        }
                        @for permission in SpacePermission::ALL {
                            td {
                                @if grants.iter().any(|grant| grant.subject == *subject && grant.permission == permission) { "✓" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn column_label(permission: SpacePermission) -> &'static str {
    match permission {
        SpacePermission::ViewSpace => "View",
        SpacePermission::EditSpace => "Add pages",
        SpacePermission::EditBlog => "Add blog",
        SpacePermission::Comment => "Comment",
        SpacePermission::CreateAttachment => "Attach",
        SpacePermission::RemovePage => "Delete pages",
        SpacePermission::RemoveBlog => "Delete blog",
        SpacePermission::RemoveComment => "Delete comments",
        SpacePermission::RemoveAttachment => "Delete attachments",
        SpacePermission::RemoveOwnContent => "Delete own",
        SpacePermission::SetPagePermissions => "Restrict",
        SpacePermission::SetSpacePermissions => "Administer",
        SpacePermission::ExportSpace => "Export",
    }
}

/// `GET /spaces/spacepermissions.action?key=KEY` (space administrators).
pub async fn space_permissions(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let key = space_key(&query)?;
    space_permissions_page(&state, &user, &key, None).await
}

async fn space_permissions_page(
    state: &AppState,
    user: &Principal,
    key: &SpaceKey,
    notice: Option<&str>,
) -> Result<Markup, UiError> {
    let space = state.store.space_by_key(key).await?;
    access::require_space_permission(
        state,
        user.user.id,
        &space,
        SpacePermission::SetSpacePermissions,
    )
    .await?;
    let grants = state.store.space_grants(space.id).await?;
    let action = format!(
        "/spaces/spacepermissions.action?key={}",
        encode_component(space.key.as_str())
    );
    Ok(page(
        &format!("Permissions of {}", space.name),
        user,
        None,
        html! {
            main.content.wide id="content" tabindex="-1" {
                div.breadcrumbs { a href={ "/display/" (encode_component(space.key.as_str())) } { (space.name) } }
                h1.title { "Space permissions" }
                @if let Some(notice) = notice { p.notice.error role="alert" { (notice) } }
                (grants_grid(&grants))
                form.card method="post" action=(action) {
                    h2 { "Grant or revoke" }
                    label for="subject-type" { "Who" }
                    select id="subject-type" name="subjectType" {
                        option value="user" { "User" }
                        option value="group" { "Group" }
                    }
                    label for="subject-name" { "Username or group name" }
                    input type="text" id="subject-name" name="subjectName" required;
                    label for="permission" { "Permission" }
                    select id="permission" name="permission" {
                        @for permission in SpacePermission::ALL {
                            option value=(permission.as_str()) { (column_label(permission)) }
                        }
                    }
                    p {
                        button.button type="submit" name="change" value="grant" { "Grant" }
                        " "
                        button.button.secondary type="submit" name="change" value="revoke" { "Revoke" }
                    }
                }
            }
        },
    ))
}

/// `POST /spaces/spacepermissions.action?key=KEY`: grants or revokes one permission.
pub async fn change_space_permission(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
    body: Bytes,
) -> Result<Response, UiError> {
    let key = space_key(&query)?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let permission = form.get("permission").and_then(SpacePermission::parse);
    let change = permission.map(|permission| PermissionChange {
        grant: if form.get("change") == Some("revoke") {
            Grant::Revoke
        } else {
            Grant::Grant
        },
        permission,
        subject: SubjectName::Typed {
            kind: form.get("subjectType").unwrap_or("user").to_string(),
            name: form.get("subjectName").unwrap_or("").trim().to_string(),
        },
    });
    let changes: Vec<PermissionChange> = change.into_iter().collect();
    let space = match space_permission::change(&state, &user.as_caller(), &key, &changes).await {
        Ok((space, _)) => space,
        // A mistake in the form is shown on the form; refusals and failures are error pages.
        Err(error) if error.code.kind() == cairn_app::FailureKind::Invalid => {
            let message = if permission.is_none() {
                "choose a permission".to_string()
            } else {
                error.message
            };
            let markup = space_permissions_page(&state, &user, &key, Some(&message)).await?;
            return Ok((StatusCode::BAD_REQUEST, markup).into_response());
        }
        Err(error) => return Err(error.into()),
    };
    Ok(Redirect::to(&format!(
        "/spaces/spacepermissions.action?key={}",
        encode_component(space.key.as_str())
    ))
    .into_response())
}
