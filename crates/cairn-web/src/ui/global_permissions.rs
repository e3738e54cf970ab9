//! The Global permissions screen (`/admin/permissions/globalpermissions.action`): who may use the
//! site, create spaces and personal spaces, and administer it, as a grid of anonymous visitors,
//! groups and users against the five permissions, with a form to add a group or user. Anonymous
//! access is the anonymous row's "Can use". Site administrators only; the work is
//! `cairn_app::global_permission`.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::global_permission::{self, PermissionChange};
use cairn_app::space_permission::{Grant, SubjectName};
use cairn_core::{ADMINISTRATORS_GROUP, GlobalPermission};
use cairn_store::GlobalGrant;
use maud::{Markup, html};

use super::layout::{administration_sidebar, page};
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::request::{QueryPairs, parse_query};

const SCREEN: &str = "/admin/permissions/globalpermissions.action";

/// A row of the grid: `anonymous`, `group` or `user`, and the name.
type RowKey = (String, String);

fn rows(grants: &[GlobalGrant]) -> BTreeMap<RowKey, BTreeSet<GlobalPermission>> {
    let mut rows: BTreeMap<RowKey, BTreeSet<GlobalPermission>> = BTreeMap::new();
    rows.entry(("anonymous".to_string(), String::new()))
        .or_default();
    for grant in grants {
        let kind = grant.subject.type_name().to_string();
        rows.entry((kind, grant.subject_name.clone()))
            .or_default()
            .insert(grant.permission);
    }
    rows
}

/// The value of a grid checkbox.
fn cell(permission: GlobalPermission, (kind, name): &RowKey) -> String {
    format!("{}|{kind}|{name}", permission.as_str())
}

fn fixed(permission: GlobalPermission, (kind, name): &RowKey) -> bool {
    permission.administers() && kind == "group" && name == ADMINISTRATORS_GROUP
}

async fn screen(
    state: &AppState,
    user: &Principal,
    message: Option<(&str, bool)>,
) -> Result<Markup, UiError> {
    let grants = global_permission::grants(state, &user.as_caller()).await?;
    let rows = rows(&grants);
    let order = |kind: &str| match kind {
        "anonymous" => 0,
        "group" => 1,
        _ => 2,
    };
    let mut keys: Vec<&RowKey> = rows.keys().collect();
    keys.sort_by_key(|(kind, name)| (order(kind), name.clone()));
    Ok(page(
        "Global permissions",
        user,
        Some(administration_sidebar("Global permissions")),
        html! {
            main.content.wide id="content" tabindex="-1" {
                h1.title { "Global permissions" }
                @if let Some((text, is_error)) = message {
                    @if is_error { p.notice.error role="alert" { (text) } }
                    @else { p.notice.ok role="status" { (text) } }
                }
                p.muted { "Who may use the site, create spaces and administer it. Anonymous access: tick " strong { "Can use" } " for anonymous visitors; they then read exactly what each space grants to anonymous, and nothing else." }
                form.card method="post" action=(SCREEN) {
                    input type="hidden" name="action" value="save";
                    table.grid id="global-permissions" {
                        thead { tr {
                            th { "" }
                            @for permission in GlobalPermission::ALL { th scope="col" { (permission.label()) } }
                        } }
                        tbody {
                            @for key in &keys {
                                @let held = &rows[*key];
                                tr {
                                    th scope="row" {
                                        input type="hidden" name="subject" value={ (key.0) "|" (key.1) };
                                        @match key.0.as_str() {
                                            "anonymous" => { "Anonymous" }
                                            "group" => { span.muted { "Group " } (key.1) }
                                            _ => { span.muted { "User " } (key.1) }
                                        }
                                    }
                                    @for permission in GlobalPermission::ALL {
                                        td {
                                            @if key.0 == "anonymous" && !GlobalPermission::FOR_ANONYMOUS.contains(&permission) {
                                                span.muted { "—" }
                                            } @else if fixed(permission, key) {
                                                input type="checkbox" checked disabled aria-label={ (permission.label()) " for " (key.1) " (always)" };
                                                input type="hidden" name="grant" value=(cell(permission, key));
                                            } @else {
                                                input type="checkbox" name="grant" value=(cell(permission, key)) checked[held.contains(&permission)]
                                                    aria-label={ (permission.label()) " for " @if key.0 == "anonymous" { "anonymous visitors" } @else { (key.0) " " (key.1) } };
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    p { button.button type="submit" { "Save changes" } }
                }
                div.card {
                    h2 { "Grant to a group or user" }
                    form method="post" action=(SCREEN) {
                        input type="hidden" name="action" value="add";
                        label for="kind" { "Kind" }
                        select id="kind" name="kind" {
                            option value="group" { "Group" }
                            option value="user" { "User" }
                        }
                        label for="name" { "Group or username" }
                        input type="text" id="name" name="name" required autocomplete="off";
                        label for="permission" { "Permission" }
                        select id="permission" name="permission" {
                            @for permission in GlobalPermission::ALL { option value=(permission.as_str()) { (permission.label()) } }
                        }
                        p { button.button type="submit" { "Grant" } }
                    }
                }
            }
        },
    ))
}

pub async fn global_permissions_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "change the global permissions")?;
    screen(&state, &user, None).await
}

/// The changes the saved grid asks for: for each row it listed, what is ticked and was not
/// granted, and what was granted and is not ticked.
fn grid_changes(form: &QueryPairs, grants: &[GlobalGrant]) -> Vec<PermissionChange> {
    let current = rows(grants);
    let ticked: BTreeSet<String> = form
        .0
        .iter()
        .filter(|(key, _)| key == "grant")
        .map(|(_, value)| value.clone())
        .collect();
    let mut changes = Vec::new();
    for (_, listed) in form.0.iter().filter(|(key, _)| key == "subject") {
        let Some((kind, name)) = listed.split_once('|') else {
            continue;
        };
        let key: RowKey = (kind.to_string(), name.to_string());
        let held = current.get(&key).cloned().unwrap_or_default();
        for permission in GlobalPermission::ALL {
            if kind == "anonymous" && !GlobalPermission::FOR_ANONYMOUS.contains(&permission) {
                continue;
            }
            let wanted = ticked.contains(&cell(permission, &key));
            let grant = match (wanted, held.contains(&permission)) {
                (true, false) => Grant::Grant,
                (false, true) => Grant::Revoke,
                _ => continue,
            };
            changes.push(PermissionChange {
                grant,
                permission,
                subject: SubjectName::Typed {
                    kind: kind.to_string(),
                    name: name.to_string(),
                },
            });
        }
    }
    changes
}

pub async fn global_permissions_action(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    super::require_site_administrator(&user, "change the global permissions")?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let caller = user.as_caller();
    let outcome = match form.get("action") {
        Some("add") => {
            let kind = form.get("kind").unwrap_or("group").to_string();
            let name = form.get("name").unwrap_or("").trim().to_string();
            let permission = form
                .get("permission")
                .and_then(|name| GlobalPermission::parse(name, None))
                .unwrap_or(GlobalPermission::Use);
            if name.is_empty() {
                Err(cairn_app::Error::bad_request("name a group or a user"))
            } else {
                let change = PermissionChange {
                    grant: Grant::Grant,
                    permission,
                    subject: SubjectName::Typed {
                        kind,
                        name: name.clone(),
                    },
                };
                global_permission::change(&state, &caller, &[change])
                    .await
                    .map(|()| format!("{} granted to {name}.", permission.label()))
            }
        }
        _ => {
            let grants = global_permission::grants(&state, &caller).await?;
            let changes = grid_changes(&form, &grants);
            if changes.is_empty() {
                Ok("Nothing changed.".to_string())
            } else {
                global_permission::change(&state, &caller, &changes)
                    .await
                    .map(|()| "Global permissions saved.".to_string())
            }
        }
    };
    match outcome {
        Ok(done) => Ok(screen(&state, &user, Some((&done, false)))
            .await?
            .into_response()),
        Err(error) if error.code.kind() == cairn_app::FailureKind::Internal => Err(error.into()),
        Err(error) => {
            let markup = screen(&state, &user, Some((&error.message, true))).await?;
            Ok((StatusCode::BAD_REQUEST, markup).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_core::{GroupId, Subject, UserId};

    fn grant(permission: GlobalPermission, subject: Subject, name: &str) -> GlobalGrant {
        GlobalGrant {
            permission,
            subject,
            subject_name: name.to_string(),
        }
    }

    #[test]
    fn the_saved_grid_changes_only_what_was_toggled_in_the_rows_it_listed() {
        let grants = [
            grant(
                GlobalPermission::Use,
                Subject::Group(GroupId(1)),
                "confluence-users",
            ),
            grant(
                GlobalPermission::CreateSpace,
                Subject::Group(GroupId(1)),
                "confluence-users",
            ),
            grant(GlobalPermission::Use, Subject::User(UserId(7)), "hidden"),
        ];
        let form = QueryPairs(vec![
            ("subject".into(), "anonymous|".into()),
            ("grant".into(), "USECONFLUENCE|anonymous|".into()),
            ("subject".into(), "group|confluence-users".into()),
            (
                "grant".into(),
                "USECONFLUENCE|group|confluence-users".into(),
            ),
            (
                "grant".into(),
                "PERSONALSPACE|group|confluence-users".into(),
            ),
        ]);
        let changes = grid_changes(&form, &grants);
        let described: Vec<(Grant, GlobalPermission, String)> = changes
            .iter()
            .map(|change| (change.grant, change.permission, change.subject.label().1))
            .collect();
        assert_eq!(
            described,
            [
                (Grant::Grant, GlobalPermission::Use, "anonymous".to_string()),
                (
                    Grant::Revoke,
                    GlobalPermission::CreateSpace,
                    "confluence-users".to_string()
                ),
                (
                    Grant::Grant,
                    GlobalPermission::CreatePersonalSpace,
                    "confluence-users".to_string()
                ),
            ]
        );
    }
}
