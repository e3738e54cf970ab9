//! The audit log in Confluence Server's shapes (`/rest/api/audit`).

use schemars::JsonSchema;
use serde::Serialize;

/// One entry of the audit log.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditRecordView {
    pub author: AuditAuthor,
    #[serde(rename = "remoteAddress")]
    pub remote_address: String,
    /// Epoch milliseconds.
    #[serde(rename = "creationDate")]
    pub creation_date: i64,
    pub summary: String,
    pub description: String,
    /// `Security`, `Permissions`, `Users and groups`, `Spaces`, `Pages`, `Global configuration`.
    pub category: String,
    /// Whether the author acted as a site administrator.
    #[serde(rename = "sysAdmin")]
    pub sys_admin: bool,
    #[serde(rename = "affectedObject")]
    pub affected_object: AuditObjectView,
    #[serde(rename = "changedValues")]
    pub changed_values: Vec<ChangedValueView>,
    #[serde(rename = "associatedObjects")]
    pub associated_objects: Vec<AuditObjectView>,
}

/// Who acted.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditAuthor {
    /// Always `user`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "displayName")]
    pub display_name: String,
    /// Always `null`, as in Confluence.
    pub operations: Option<()>,
    pub username: String,
    /// Empty when no account acted (a failed sign-in, the command line).
    #[serde(rename = "userKey")]
    pub user_key: String,
}

/// An object an entry names.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditObjectView {
    pub name: String,
    #[serde(rename = "objectType")]
    pub object_type: String,
}

/// A value an action changed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ChangedValueView {
    pub name: String,
    #[serde(rename = "oldValue")]
    pub old_value: String,
    #[serde(rename = "newValue")]
    pub new_value: String,
}

/// How long entries are kept: `{"number": 3, "units": "YEARS"}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RetentionView {
    pub number: u32,
    /// `DAYS`, `MONTHS` or `YEARS`.
    pub units: &'static str,
}
