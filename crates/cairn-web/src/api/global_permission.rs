//! Global permissions in Confluence Data Center's shapes (site administrators):
//! `GET /rest/api/permissions` (every grant), `GET /rest/api/permissions/anonymous`,
//! `…/group/{name}` and `…/user/{username}` (one subject's), and `PUT …/grant` and `…/revoke` on
//! each with a list of operations. Anonymous access is `PUT /rest/api/permissions/anonymous/grant`
//! with `[{"operationKey": "use", "targetType": "application"}]`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::global_permission::{self, PermissionChange};
use cairn_app::space_permission::{Grant, SubjectName};
use cairn_core::Subject;
use cairn_store::GlobalGrant;

use super::parse_json_body;
use super::request::{GlobalOperationRequest, OneOrMany, decode_list};
use super::view::{GlobalOperationView, GlobalPermissionView, GlobalSubjectView};
use crate::error::{ApiError, ApiJson};
use crate::request_context::ApiContext;

/// Whose permissions a path names.
enum Named {
    Anonymous,
    Group(String),
    User(String),
}

impl Named {
    fn subject_name(&self) -> SubjectName {
        let (kind, name) = match self {
            Named::Anonymous => ("anonymous", String::new()),
            Named::Group(name) => ("group", name.clone()),
            Named::User(name) => ("user", name.clone()),
        };
        SubjectName::Typed {
            kind: kind.to_string(),
            name,
        }
    }

    fn matches(&self, grant: &GlobalGrant) -> bool {
        match (self, grant.subject) {
            (Named::Anonymous, Subject::Anonymous) => true,
            (Named::Group(name), Subject::Group(_)) => {
                grant.subject_name.eq_ignore_ascii_case(name)
            }
            (Named::User(name), Subject::User(_)) => grant.subject_name == *name,
            _ => false,
        }
    }
}

fn view(grant: &GlobalGrant) -> GlobalPermissionView {
    let (operation_key, target_type) = grant.permission.rest_operation();
    let kind = grant.subject.type_name();
    GlobalPermissionView {
        operation: GlobalOperationView {
            operation_key,
            target_type,
            permission: grant.permission.as_str(),
        },
        subject: GlobalSubjectView {
            kind,
            identifier: grant.subject_name.clone(),
            display_name: if kind == "anonymous" {
                "Anonymous".to_string()
            } else {
                grant.subject_name.clone()
            },
        },
    }
}

/// `GET /rest/api/permissions`: every global grant.
pub async fn list_all(
    ApiContext { state, caller, .. }: ApiContext,
) -> Result<ApiJson<Vec<GlobalPermissionView>>, ApiError> {
    let grants = global_permission::grants(&state, &caller.as_caller()).await?;
    Ok(ApiJson(grants.iter().map(view).collect()))
}

async fn list_of(
    context: ApiContext,
    named: Named,
) -> Result<ApiJson<Vec<GlobalPermissionView>>, ApiError> {
    let ApiContext { state, caller, .. } = context;
    let grants = global_permission::grants(&state, &caller.as_caller()).await?;
    Ok(ApiJson(
        grants
            .iter()
            .filter(|grant| named.matches(grant))
            .map(view)
            .collect(),
    ))
}

/// `GET /rest/api/permissions/anonymous`.
pub async fn list_anonymous(
    context: ApiContext,
) -> Result<ApiJson<Vec<GlobalPermissionView>>, ApiError> {
    list_of(context, Named::Anonymous).await
}

/// `GET /rest/api/permissions/group/{name}`.
pub async fn list_group(
    context: ApiContext,
    Path(name): Path<String>,
) -> Result<ApiJson<Vec<GlobalPermissionView>>, ApiError> {
    list_of(context, Named::Group(name)).await
}

/// `GET /rest/api/permissions/user/{username}`.
pub async fn list_user(
    context: ApiContext,
    Path(username): Path<String>,
) -> Result<ApiJson<Vec<GlobalPermissionView>>, ApiError> {
    list_of(context, Named::User(username)).await
}

/// Most operations one request names.
const MAX_OPERATIONS: usize = 50;

async fn apply(
    context: ApiContext,
    named: Named,
    grant: Grant,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ApiContext { state, caller, .. } = context;
    let OneOrMany(operations): OneOrMany<GlobalOperationRequest> =
        decode_list(&parse_json_body(&body)?, "a list of global permissions")?;
    if operations.is_empty() {
        return Err(ApiError::bad_request(
            "name the permissions: [{\"operationKey\": \"use\", \"targetType\": \"application\"}]",
        ));
    }
    if operations.len() > MAX_OPERATIONS {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_OPERATIONS} permissions per request"
        )));
    }
    let mut changes = Vec::with_capacity(operations.len());
    for operation in &operations {
        let permission = operation.permission().ok_or_else(|| {
            ApiError::bad_request(
                "not a global permission: use operationKey and targetType use/application, create/space, create/personalspace, administer/application or administer/system",
            )
        })?;
        changes.push(PermissionChange {
            grant,
            permission,
            subject: named.subject_name(),
        });
    }
    global_permission::change(&state, &caller.as_caller(), &changes).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PUT /rest/api/permissions/anonymous/grant` (anonymous access on).
pub async fn grant_anonymous(context: ApiContext, body: Bytes) -> Result<Response, ApiError> {
    apply(context, Named::Anonymous, Grant::Grant, body).await
}

/// `PUT /rest/api/permissions/anonymous/revoke`.
pub async fn revoke_anonymous(context: ApiContext, body: Bytes) -> Result<Response, ApiError> {
    apply(context, Named::Anonymous, Grant::Revoke, body).await
}

/// `PUT /rest/api/permissions/group/{name}/grant`.
pub async fn grant_group(
    context: ApiContext,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    apply(context, Named::Group(name), Grant::Grant, body).await
}

/// `PUT /rest/api/permissions/group/{name}/revoke`.
pub async fn revoke_group(
    context: ApiContext,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    apply(context, Named::Group(name), Grant::Revoke, body).await
}

/// `PUT /rest/api/permissions/user/{username}/grant`.
pub async fn grant_user(
    context: ApiContext,
    Path(username): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    apply(context, Named::User(username), Grant::Grant, body).await
}

/// `PUT /rest/api/permissions/user/{username}/revoke`.
pub async fn revoke_user(
    context: ApiContext,
    Path(username): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    apply(context, Named::User(username), Grant::Revoke, body).await
}
