//! Content restrictions and space permissions.

use schemars::JsonSchema;
use serde::Serialize;

use super::{Expandable, Links};

/// The restrictions of one operation (`read` or `update`) on content.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OperationRestrictions {
    pub operation: &'static str,
    pub restrictions: RestrictionSubjects,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// Who a restriction lets in: users and groups.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RestrictionSubjects {
    pub user: SubjectList<RestrictedUser>,
    pub group: SubjectList<RestrictedGroup>,
}

/// A bounded list of restriction subjects.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "SubjectListOf{T}")]
pub struct SubjectList<T> {
    pub results: Vec<T>,
    pub start: i64,
    pub limit: usize,
    pub size: usize,
}

/// A user named by a restriction: Confluence's user object.
pub type RestrictedUser = super::UserView;

/// A group named by a restriction.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RestrictedGroup {
    /// Always `group`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// Every operation's restrictions, keyed by operation
/// (`GET /rest/api/content/{id}/restriction/byOperation`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct RestrictionsByOperation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<OperationRestrictions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<OperationRestrictions>,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// The restrictions of every operation as a list (`GET /rest/api/content/{id}/restriction`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct RestrictionList {
    pub results: Vec<OperationRestrictions>,
    pub start: i64,
    pub limit: usize,
    pub size: usize,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// One space permission grant, in Confluence Data Center's REST shape.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GrantView {
    pub operation: GrantOperation,
    pub subject: GrantSubject,
    #[serde(rename = "spaceKey")]
    pub space_key: String,
    #[serde(rename = "spaceId")]
    pub space_id: i64,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// What a grant allows: an operation on a target (`read` on `space`, `create` on `page`…).
#[derive(Debug, Serialize, JsonSchema)]
pub struct GrantOperation {
    #[serde(rename = "targetType")]
    pub target_type: &'static str,
    #[serde(rename = "operationKey")]
    pub operation_key: &'static str,
}

/// Who a grant is for.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GrantSubject {
    /// `user`, `group` or `anonymous`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "displayName")]
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Every grant of a space (`GET /rest/api/space/{key}/permissions`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct GrantList {
    pub results: Vec<GrantView>,
    pub start: i64,
    pub limit: usize,
    pub size: usize,
    #[serde(rename = "spaceKey")]
    pub space_key: String,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// A JSON-RPC 2.0 answer of `/rpc/json-rpc/confluenceservice-v2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RpcAnswer {
    pub jsonrpc: &'static str,
    /// The request's id, echoed.
    pub id: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<RpcResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcError>,
}

/// What a JSON-RPC method returns.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RpcResult {
    Done(bool),
    SpacePermissionSets(Vec<SpacePermissionSet>),
    ContentPermissionSets(Vec<ContentPermissionSet>),
}

/// A JSON-RPC error.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

/// The holders of one space permission (`getSpacePermissionSets`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct SpacePermissionSet {
    #[serde(rename = "type")]
    pub permission: &'static str,
    #[serde(rename = "spacePermissions")]
    pub space_permissions: Vec<PermissionHolder>,
}

/// The holders of one content restriction (`getContentPermissionSets`): `View` or `Edit`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ContentPermissionSet {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "contentPermissions")]
    pub content_permissions: Vec<PermissionHolder>,
}

/// A user or group holding a permission (both `null` for anonymous).
#[derive(Debug, Serialize, JsonSchema)]
pub struct PermissionHolder {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "userName")]
    pub user_name: Option<String>,
    #[serde(rename = "groupName")]
    pub group_name: Option<String>,
}

/// One global permission granted to one subject (`GET /rest/api/permissions`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct GlobalPermissionView {
    pub operation: GlobalOperationView,
    pub subject: GlobalSubjectView,
}

/// A global permission as Data Center names it, with Confluence's stored name.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GlobalOperationView {
    /// `use`, `create`, `administer`.
    #[serde(rename = "operationKey")]
    pub operation_key: &'static str,
    /// `application`, `space`, `personalspace`, `system`.
    #[serde(rename = "targetType")]
    pub target_type: &'static str,
    /// `USECONFLUENCE`, `CREATESPACE`, `PERSONALSPACE`, `ADMINISTRATECONFLUENCE`,
    /// `SYSTEMADMINISTRATOR`.
    pub permission: &'static str,
}

/// Whom a global permission is granted to.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GlobalSubjectView {
    /// `user`, `group` or `anonymous`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The username or group name; empty for anonymous.
    pub identifier: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
}
