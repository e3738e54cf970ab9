//! Restrictions of content (`/rest/api/content/{id}/restriction…`), space permissions
//! (`/rest/api/space/{key}/permission(s)`) and the JSON-RPC methods atlassian-python-api 4.x uses for
//! space permissions on Server.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use cairn_core::{
    Content, ContentId, ContentType, Restriction, RestrictionOperation, Space, SpaceKey,
    SpacePermission, Subject,
};
use cairn_store::{NamedRestriction, SpaceGrant};
use serde_json::Value;

use super::json::JsonBuilder;
use super::parse_json_body;
use super::request::{
    GrantRequest, OneOrMany, RestrictionRequest, RpcPermissionEntry, RpcRequest, decode,
};
use super::view::{
    ContentPermissionSet, GrantList, GrantOperation, GrantSubject, GrantView,
    OperationRestrictions, PermissionHolder, RestrictedGroup, RestrictionList, RestrictionSubjects,
    RestrictionsByOperation, RpcAnswer, RpcError, RpcResult, SpacePermissionSet, SubjectList,
    links,
};
use crate::AppState;
use crate::access;
use crate::auth::{ApiUser, Principal};
use crate::request_context::ApiContext;
use cairn_app::restriction::{self, RestrictionChange};
use cairn_app::space_permission::{self, Grant, PermissionChange, SubjectName};

use crate::error::{ApiError, ApiJson};
use crate::links::request_base;

/// The content of a restriction request by its path id (see [`restriction::restricted_content`]).
async fn restricted_content(
    state: &AppState,
    caller: &Principal,
    id_text: &str,
) -> Result<Content, ApiError> {
    let id = ContentId::parse(id_text).ok_or_else(|| ApiError::content_not_found(id_text))?;
    Ok(restriction::restricted_content(state, caller.user.id, id).await?)
}

/// How many users or groups one restriction listing shows.
const RESTRICTION_LIST_LIMIT: usize = 200;

/// One operation's restrictions in Confluence's shape.
async fn operation_view(
    builder: &JsonBuilder<'_>,
    content_id: ContentId,
    operation: RestrictionOperation,
    restrictions: &[NamedRestriction],
) -> Result<OperationRestrictions, ApiError> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let shown = restrictions
        .iter()
        .filter(|named| named.restriction.operation == operation);
    builder
        .preload_users(
            shown
                .clone()
                .filter_map(|named| match named.restriction.subject {
                    Subject::User(user_id) => Some(user_id),
                    _ => None,
                })
                .take(RESTRICTION_LIST_LIMIT)
                .collect(),
        )
        .await?;
    for named in shown {
        match named.restriction.subject {
            Subject::User(user_id) => {
                if users.len() < RESTRICTION_LIST_LIMIT {
                    users.push(builder.user_view_by_id(user_id).await?);
                }
            }
            Subject::Group(_) => {
                if groups.len() < RESTRICTION_LIST_LIMIT {
                    groups.push(RestrictedGroup {
                        kind: "group",
                        name: named.subject_name.clone(),
                        links: links([(
                            "self",
                            format!("{}/rest/api/group/{}", builder.base, named.subject_name),
                        )]),
                    });
                }
            }
            Subject::Anonymous => {}
        }
    }
    let base = &builder.base;
    let operation_name = operation.as_str();
    Ok(OperationRestrictions {
        operation: operation_name,
        restrictions: RestrictionSubjects {
            user: SubjectList {
                start: 0,
                limit: RESTRICTION_LIST_LIMIT,
                size: users.len(),
                results: users,
            },
            group: SubjectList {
                start: 0,
                limit: RESTRICTION_LIST_LIMIT,
                size: groups.len(),
                results: groups,
            },
        },
        expandable: links([("content", format!("/rest/api/content/{content_id}"))]),
        links: links([(
            "self",
            format!(
                "{base}/rest/api/content/{content_id}/restriction/byOperation/{operation_name}"
            ),
        )]),
    })
}

/// `GET /rest/api/content/{id}/restriction/byOperation`: `{"read": …, "update": …}`.
pub async fn by_operation(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(id_text): Path<String>,
) -> Result<ApiJson<RestrictionsByOperation>, ApiError> {
    let content = restricted_content(&state, &caller, &id_text).await?;
    let restrictions = state.store.content_restrictions(content.id).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let read = operation_view(
        &builder,
        content.id,
        RestrictionOperation::Read,
        &restrictions,
    )
    .await?;
    let update = operation_view(
        &builder,
        content.id,
        RestrictionOperation::Update,
        &restrictions,
    )
    .await?;
    Ok(ApiJson(RestrictionsByOperation {
        read: Some(read),
        update: Some(update),
        links: links([
            ("base", builder.base.clone()),
            ("context", String::new()),
            (
                "self",
                format!(
                    "{}/rest/api/content/{}/restriction/byOperation",
                    builder.base, content.id
                ),
            ),
        ]),
    }))
}

/// `GET /rest/api/content/{id}/restriction/byOperation/{operation}`.
pub async fn for_operation(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path((id_text, operation_text)): Path<(String, String)>,
) -> Result<ApiJson<OperationRestrictions>, ApiError> {
    let content = restricted_content(&state, &caller, &id_text).await?;
    let operation = RestrictionOperation::parse(&operation_text).ok_or_else(|| {
        ApiError::bad_request(format!("operation {operation_text} is not read or update"))
    })?;
    let restrictions = state.store.content_restrictions(content.id).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(
        operation_view(&builder, content.id, operation, &restrictions).await?,
    ))
}

/// The restrictions of a content as the list `GET /restriction`, `PUT` and `POST` answer.
async fn restriction_list(
    state: &AppState,
    caller: &Principal,
    headers: &HeaderMap,
    content_id: ContentId,
) -> Result<ApiJson<RestrictionList>, ApiError> {
    let restrictions = state.store.content_restrictions(content_id).await?;
    let builder = JsonBuilder::new(state, request_base(state, headers), caller.user.id);
    let mut results = Vec::new();
    for operation in RestrictionOperation::ALL {
        results.push(operation_view(&builder, content_id, operation, &restrictions).await?);
    }
    Ok(ApiJson(RestrictionList {
        results,
        start: 0,
        limit: RestrictionOperation::ALL.len(),
        size: RestrictionOperation::ALL.len(),
        links: links([("base", builder.base.clone()), ("context", String::new())]),
    }))
}

/// `GET /rest/api/content/{id}/restriction`.
pub async fn list(
    ApiContext {
        state,
        caller,
        base: _,
    }: ApiContext,
    headers: HeaderMap,
    Path(id_text): Path<String>,
) -> Result<ApiJson<RestrictionList>, ApiError> {
    let content = restricted_content(&state, &caller, &id_text).await?;
    restriction_list(&state, &caller, &headers, content.id).await
}

/// The restrictions a PUT or POST body asks for, with every user and group looked up.
async fn requested_restrictions(
    state: &AppState,
    body: &Value,
) -> Result<(Vec<RestrictionOperation>, Vec<Restriction>), ApiError> {
    let OneOrMany(items): OneOrMany<RestrictionRequest> =
        serde_json::from_value(body.clone()).unwrap_or_default();
    if items.is_empty() {
        return Err(ApiError::bad_request(
            "restrictions must be an array of {\"operation\":\"read|update\",\"restrictions\":{\"user\":[…],\"group\":[…]}}",
        ));
    }
    let mut operations = Vec::new();
    let mut restrictions = Vec::new();
    for item in items {
        let operation_text = item
            .operation
            .ok_or_else(|| ApiError::bad_request("every restriction needs an operation"))?;
        let operation = RestrictionOperation::parse(&operation_text).ok_or_else(|| {
            ApiError::bad_request(format!("operation {operation_text} is not read or update"))
        })?;
        if !operations.contains(&operation) {
            operations.push(operation);
        }
        let subjects = item.restrictions.unwrap_or_default();
        for user in subjects.user.0 {
            let key = user.user_key.or(user.account_id);
            let found = match (&user.username, &key) {
                (Some(username), _) => state.store.find_user_by_username(username).await?,
                (None, Some(key)) => state.store.find_user_by_key(key).await?,
                (None, None) => {
                    return Err(ApiError::bad_request(
                        "a user in restrictions needs a username or userKey",
                    ));
                }
            };
            let found = found.ok_or_else(|| {
                ApiError::bad_request(format!(
                    "no user {} to restrict to",
                    user.username.or(key).unwrap_or_default()
                ))
            })?;
            restrictions.push(Restriction {
                operation,
                subject: Subject::User(found.id),
            });
        }
        for group in subjects.group.0 {
            let name = group
                .name
                .ok_or_else(|| ApiError::bad_request("a group in restrictions needs a name"))?;
            let group_id =
                state.store.group_id_by_name(&name).await?.ok_or_else(|| {
                    ApiError::bad_request(format!("no group {name} to restrict to"))
                })?;
            restrictions.push(Restriction {
                operation,
                subject: Subject::Group(group_id),
            });
        }
    }
    Ok((operations, restrictions))
}

/// `PUT /rest/api/content/{id}/restriction`: the body's restrictions replace all there were.
pub async fn replace(
    ApiContext {
        state,
        caller,
        base: _,
    }: ApiContext,
    headers: HeaderMap,
    Path(id_text): Path<String>,
    body: Bytes,
) -> Result<ApiJson<RestrictionList>, ApiError> {
    let content = restricted_content(&state, &caller, &id_text).await?;
    let request = parse_json_body(&body)?;
    let (_, restrictions) = requested_restrictions(&state, &request).await?;
    let change = RestrictionChange::Replace {
        operations: RestrictionOperation::ALL.to_vec(),
        restrictions: restrictions.clone(),
    };
    restriction::change(&state, &caller.as_caller(), &content, change).await?;
    tracing::info!(content_id = %content.id, restrictions = restrictions.len(), user = %caller.user.username, "restrictions replaced");
    restriction_list(&state, &caller, &headers, content.id).await
}

/// `POST /rest/api/content/{id}/restriction`: the body's restrictions are added to those there are.
pub async fn add(
    ApiContext {
        state,
        caller,
        base: _,
    }: ApiContext,
    headers: HeaderMap,
    Path(id_text): Path<String>,
    body: Bytes,
) -> Result<ApiJson<RestrictionList>, ApiError> {
    let content = restricted_content(&state, &caller, &id_text).await?;
    let request = parse_json_body(&body)?;
    let (_, added) = requested_restrictions(&state, &request).await?;
    let change = RestrictionChange::Add(added);
    restriction::change(&state, &caller.as_caller(), &content, change).await?;
    tracing::info!(content_id = %content.id, user = %caller.user.username, "restrictions added");
    restriction_list(&state, &caller, &headers, content.id).await
}

/// `DELETE /rest/api/content/{id}/restriction`: every restriction goes.
pub async fn remove_all(
    ApiContext {
        state,
        caller,
        base: _,
    }: ApiContext,
    headers: HeaderMap,
    Path(id_text): Path<String>,
) -> Result<ApiJson<RestrictionList>, ApiError> {
    let content = restricted_content(&state, &caller, &id_text).await?;
    let change = RestrictionChange::remove_all();
    restriction::change(&state, &caller.as_caller(), &content, change).await?;
    tracing::info!(content_id = %content.id, user = %caller.user.username, "restrictions removed");
    restriction_list(&state, &caller, &headers, content.id).await
}

/// A space the caller may view, by key.
async fn viewable_space(
    state: &AppState,
    caller: &Principal,
    key: &str,
) -> Result<Space, ApiError> {
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    access::require_view_space(state, caller.user.id, &space).await?;
    Ok(space)
}

/// One grant in Confluence Data Center's REST shape.
fn grant_view(builder: &JsonBuilder<'_>, space: &Space, grant: &SpaceGrant) -> GrantView {
    let (operation, target) = grant.permission.rest_operation();
    let subject = match grant.subject {
        Subject::User(id) => GrantSubject {
            kind: "user",
            display_name: grant.subject_name.clone(),
            username: Some(grant.subject_name.clone()),
            id: Some(id.0),
            name: None,
        },
        Subject::Group(_) => GrantSubject {
            kind: "group",
            display_name: grant.subject_name.clone(),
            username: None,
            id: None,
            name: Some(grant.subject_name.clone()),
        },
        Subject::Anonymous => GrantSubject {
            kind: "anonymous",
            display_name: "Anonymous".to_string(),
            username: None,
            id: None,
            name: None,
        },
    };
    GrantView {
        operation: GrantOperation {
            target_type: target,
            operation_key: operation,
        },
        subject,
        space_key: space.key.as_str().to_string(),
        space_id: space.id.0,
        links: links([("base", builder.base.clone())]),
    }
}

/// `GET /rest/api/space/{key}/permissions`: every grant, as a JSON array (space administrators).
pub async fn space_permissions(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(key): Path<String>,
) -> Result<ApiJson<Vec<GrantView>>, ApiError> {
    let space = viewable_space(&state, &caller, &key).await?;
    // Who holds what in a space is for its administrators, as on Confluence's permissions page.
    crate::access::require_space_permission(
        &state,
        caller.user.id,
        &space,
        cairn_core::SpacePermission::SetSpacePermissions,
    )
    .await?;
    let grants = state.store.space_grants(space.id).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(
        grants
            .iter()
            .map(|grant| grant_view(&builder, &space, grant))
            .collect(),
    ))
}

/// `GET /rest/api/space/{key}/permission` (the singular, Cloud-style path): the grants in a page.
pub async fn space_permission_page(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(key): Path<String>,
) -> Result<ApiJson<GrantList>, ApiError> {
    let space = viewable_space(&state, &caller, &key).await?;
    // Who holds what in a space is for its administrators, as on Confluence's permissions page.
    crate::access::require_space_permission(
        &state,
        caller.user.id,
        &space,
        cairn_core::SpacePermission::SetSpacePermissions,
    )
    .await?;
    let grants = state.store.space_grants(space.id).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let results: Vec<GrantView> = grants
        .iter()
        .map(|grant| grant_view(&builder, &space, grant))
        .collect();
    Ok(ApiJson(GrantList {
        start: 0,
        limit: results.len(),
        size: results.len(),
        results,
        space_key: space.key.as_str().to_string(),
        links: links([("base", builder.base.clone()), ("context", String::new())]),
    }))
}

/// `POST /rest/api/space/{key}/permission`: grants one permission,
/// `{"subject":{"type":"user|group","identifier":"name"},"operation":{"key":"read","target":"space"}}`.
pub async fn grant_space_permission(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<ApiJson<GrantView>, ApiError> {
    let request: GrantRequest = decode(&parse_json_body(&body)?, "a space permission")?;
    let space = viewable_space(&state, &caller, &key).await?;
    let named = request.subject.unwrap_or_default();
    let kind = named.subject_type.unwrap_or_default();
    let name = named.identifier.or(named.name).unwrap_or_default();
    let operation_request = request.operation.unwrap_or_default();
    let operation = operation_request
        .key
        .or(operation_request.operation_key)
        .unwrap_or_default();
    let target = operation_request
        .target
        .or(operation_request.target_type)
        .unwrap_or_else(|| "space".to_string());
    let (operation, target) = (operation.as_str(), target.as_str());
    let permission = SpacePermission::from_rest_operation(operation, target).ok_or_else(|| {
        ApiError::bad_request(format!(
            "operation {operation} on {target} is not a space permission"
        ))
    })?;
    let change = PermissionChange {
        grant: Grant::Grant,
        permission,
        subject: SubjectName::Typed {
            kind,
            name: name.clone(),
        },
    };
    let (space, subjects) =
        space_permission::change(&state, &caller.as_caller(), &space.key, &[change]).await?;
    let subject = subjects.first().copied().ok_or_else(ApiError::internal)?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let grant = SpaceGrant {
        permission,
        subject,
        subject_name: name.to_string(),
    };
    Ok(ApiJson(grant_view(&builder, &space, &grant)))
}

/// The permission sets of a space for JSON-RPC `getSpacePermissionSets`.
fn permission_sets(grants: &[SpaceGrant]) -> Vec<SpacePermissionSet> {
    SpacePermission::ALL
        .into_iter()
        .map(|permission| {
            let holders = grants
                .iter()
                .filter(|grant| grant.permission == permission)
                .map(|grant| {
                    let (user_name, group_name) = match grant.subject {
                        Subject::User(_) => (Some(grant.subject_name.clone()), None),
                        Subject::Group(_) => (None, Some(grant.subject_name.clone())),
                        Subject::Anonymous => (None, None),
                    };
                    PermissionHolder {
                        kind: permission.as_str(),
                        user_name,
                        group_name,
                    }
                })
                .collect();
            SpacePermissionSet {
                permission: permission.as_str(),
                space_permissions: holders,
            }
        })
        .collect()
}

fn rpc_error(id: &Value, code: i64, message: String) -> RpcAnswer {
    RpcAnswer {
        jsonrpc: "2.0",
        id: id.clone(),
        result: None,
        error: Some(RpcError { code, message }),
    }
}

fn rpc_result(id: &Value, result: RpcResult) -> RpcAnswer {
    RpcAnswer {
        jsonrpc: "2.0",
        id: id.clone(),
        result: Some(result),
        error: None,
    }
}

/// `POST /rpc/json-rpc/confluenceservice-v2`: JSON-RPC 2.0 with `getSpacePermissionSets`,
/// `addPermissionToSpace`, `addPermissionsToSpace`, `removePermissionFromSpace`,
/// `getContentPermissionSets` and `setContentPermissions`.
pub async fn json_rpc(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<RpcAnswer>), ApiError> {
    let request: RpcRequest = decode(&parse_json_body(&body)?, "a JSON-RPC call")?;
    let id = request.id;
    let method = request.method.as_deref().unwrap_or("");
    let params = request.params.unwrap_or_default();
    let text = |index: usize| params.get(index).and_then(Value::as_str).unwrap_or("");
    let answer = match method {
        "getSpacePermissionSets" => match rpc_space(&state, &caller, text(0)).await? {
            Err(message) => rpc_error(&id, -32602, message),
            Ok(space) => {
                let grants = state.store.space_grants(space.id).await?;
                rpc_result(
                    &id,
                    RpcResult::SpacePermissionSets(permission_sets(&grants)),
                )
            }
        },
        // (permission, user or group name, space key) / ([permissions], name, space key)
        "addPermissionToSpace" | "addPermissionsToSpace" | "removePermissionFromSpace" => {
            let names: Vec<String> = match params.first() {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                Some(Value::String(one)) => vec![one.clone()],
                _ => Vec::new(),
            };
            match rpc_change(&state, &caller, method, &names, text(1), text(2)).await? {
                Ok(()) => rpc_result(&id, RpcResult::Done(true)),
                Err(message) => rpc_error(&id, -32602, message),
            }
        }
        // (page id) and (page id, "View" | "Edit", [{"userName" | "groupName"}])
        "getContentPermissionSets" => match rpc_content(&state, &caller, params.first()).await? {
            Err(message) => rpc_error(&id, -32602, message),
            Ok(content) => {
                let restrictions = state.store.content_restrictions(content.id).await?;
                rpc_result(
                    &id,
                    RpcResult::ContentPermissionSets(content_permission_sets(&restrictions)),
                )
            }
        },
        "setContentPermissions" => match rpc_content(&state, &caller, params.first()).await? {
            Err(message) => rpc_error(&id, -32602, message),
            Ok(content) => {
                let entries = params.get(2).cloned().unwrap_or(Value::Null);
                match rpc_set_content_permissions(&state, &caller, &content, text(1), &entries)
                    .await
                {
                    Ok(()) => rpc_result(&id, RpcResult::Done(true)),
                    Err(error) => rpc_error(&id, -32602, error.message),
                }
            }
        },
        other => rpc_error(&id, -32601, format!("Method not found: {other}")),
    };
    Ok((StatusCode::OK, ApiJson(answer)))
}

/// The space a JSON-RPC call names, when the caller may view it.
async fn rpc_space(
    state: &AppState,
    caller: &Principal,
    key: &str,
) -> Result<Result<Space, String>, ApiError> {
    let space = state
        .store
        .find_space_by_key(&SpaceKey::from_stored(key))
        .await?;
    match space {
        Some(space) if access::can_view_space(state, caller.user.id, space.id).await? => {
            Ok(Ok(space))
        }
        _ => Ok(Err(format!("No space with key : {key}"))),
    }
}

async fn rpc_change(
    state: &AppState,
    caller: &Principal,
    method: &str,
    permission_names: &[String],
    entity: &str,
    key: &str,
) -> Result<Result<(), String>, ApiError> {
    let space = match rpc_space(state, caller, key).await? {
        Ok(space) => space,
        Err(message) => return Ok(Err(message)),
    };
    let mut permissions = Vec::new();
    for name in permission_names {
        match SpacePermission::parse(name) {
            Some(permission) => permissions.push(permission),
            None => return Ok(Err(format!("unknown space permission {name}"))),
        }
    }
    let changes: Vec<PermissionChange> = permissions
        .into_iter()
        .map(|permission| PermissionChange {
            grant: if method == "removePermissionFromSpace" {
                Grant::Revoke
            } else {
                Grant::Grant
            },
            permission,
            subject: SubjectName::UserOrGroup(entity.to_string()),
        })
        .collect();
    // JSON-RPC reports a refusal as a fault with a message, not as an HTTP status.
    match space_permission::change(state, &caller.as_caller(), &space.key, &changes).await {
        Ok(_) => Ok(Ok(())),
        Err(error) if error.code.kind() == cairn_app::FailureKind::Internal => Err(error.into()),
        Err(error) if error.code.kind() == cairn_app::FailureKind::Unavailable => Err(error.into()),
        Err(error) => Ok(Err(error.message)),
    }
}

/// Confluence's RPC names for the two restriction operations.
fn rpc_operation_name(operation: RestrictionOperation) -> &'static str {
    match operation {
        RestrictionOperation::Read => "View",
        RestrictionOperation::Update => "Edit",
    }
}

fn content_permission_sets(restrictions: &[NamedRestriction]) -> Vec<ContentPermissionSet> {
    RestrictionOperation::ALL
        .into_iter()
        .map(|operation| {
            let kind = rpc_operation_name(operation);
            let entries = restrictions
                .iter()
                .filter(|named| named.restriction.operation == operation)
                .map(|named| match named.restriction.subject {
                    Subject::Group(_) => PermissionHolder {
                        kind,
                        user_name: None,
                        group_name: Some(named.subject_name.clone()),
                    },
                    _ => PermissionHolder {
                        kind,
                        user_name: Some(named.subject_name.clone()),
                        group_name: None,
                    },
                })
                .collect();
            ContentPermissionSet {
                kind,
                content_permissions: entries,
            }
        })
        .collect()
}

/// The page or blog post a JSON-RPC call names (an id as a string or number).
async fn rpc_content(
    state: &AppState,
    caller: &Principal,
    id: Option<&Value>,
) -> Result<Result<Content, String>, ApiError> {
    let Some(id) = id.and_then(super::json_content_id) else {
        return Ok(Err("the first parameter must be a content id".to_string()));
    };
    match access::viewable_content(state, caller.user.id, id).await {
        Ok(content) if content.content_type != ContentType::Comment => Ok(Ok(content)),
        Ok(_) => Ok(Err("restrictions apply to pages and blog posts".to_string())),
        Err(error) if error.code.kind() == cairn_app::FailureKind::NotFound => {
            Ok(Err(error.message))
        }
        Err(error) => Err(error.into()),
    }
}

/// `setContentPermissions`: the entries replace the restrictions of one operation.
async fn rpc_set_content_permissions(
    state: &AppState,
    caller: &Principal,
    content: &Content,
    kind: &str,
    entries: &Value,
) -> Result<(), ApiError> {
    let operation = RestrictionOperation::parse(kind).ok_or_else(|| {
        ApiError::bad_request(format!("permission type {kind} is not View or Edit"))
    })?;
    let mut wanted: Vec<Restriction> = Vec::new();
    let entries: Vec<RpcPermissionEntry> = match entries {
        Value::Array(items) => items
            .iter()
            .map(|item| serde_json::from_value(item.clone()).unwrap_or_default())
            .collect(),
        _ => Vec::new(),
    };
    for entry in &entries {
        let subject = match (entry.user_name.as_deref(), entry.group_name.as_deref()) {
            (Some(user), _) if !user.is_empty() => {
                restriction::subject_by_name(state, "user", user).await?
            }
            (_, Some(group)) if !group.is_empty() => {
                restriction::subject_by_name(state, "group", group).await?
            }
            _ => {
                return Err(ApiError::bad_request(
                    "every entry needs a userName or groupName",
                ));
            }
        };
        wanted.push(Restriction { operation, subject });
    }
    let change = RestrictionChange::Replace {
        operations: vec![operation],
        restrictions: wanted,
    };
    Ok(restriction::change(state, &caller.as_caller(), content, change).await?)
}
