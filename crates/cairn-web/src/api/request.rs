//! The request bodies of the REST API, as types.
//!
//! Confluence clients are loose about types: version numbers and ids come as numbers or strings,
//! `minorEdit` as a boolean or `"true"`, and some send `null` or an object where a string belongs.
//! Every field here is decoded leniently: a value of the wrong shape counts as absent (what
//! Confluence does with it), so the handler's own rule about a missing field decides the answer,
//! and only a body that is not a JSON object at all is refused by the decoder.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// A field whose value counts only when it has the expected shape; `null` is absent.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    Ok(serde_json::from_value(value).ok())
}

/// A whole number sent as a number or as a string of digits.
fn loose_number<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    })
}

/// A flag sent as a boolean or as `"true"` / `"false"`.
fn loose_flag<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::Bool(flag) => Some(flag),
        Value::String(text) => Some(text.trim().eq_ignore_ascii_case("true")),
        _ => None,
    })
}

/// Decodes a JSON body into `T`. Only a body that is not the object `T` describes at all (an array,
/// a string) is refused.
pub fn decode<T: DeserializeOwned>(body: &Value, what: &str) -> Result<T, ApiError> {
    // serde would read an array positionally into a struct; a body is an object.
    if !body.is_object() {
        return Err(ApiError::bad_request(format!(
            "the body is not {what}: a JSON object is expected"
        )));
    }
    serde_json::from_value(body.clone())
        .map_err(|error| ApiError::bad_request(format!("the body is not {what}: {error}")))
}

/// Decodes a JSON body that is a list (or one item, or `{"results": […]}`) of `T`.
pub fn decode_list<T: DeserializeOwned + Default>(
    body: &Value,
    what: &str,
) -> Result<OneOrMany<T>, ApiError> {
    serde_json::from_value(body.clone())
        .map_err(|error| ApiError::bad_request(format!("the body is not {what}: {error}")))
}

/// `{"id": …}`: a reference to content (a whole content object will do). Anything that is not an
/// object with a usable id has no id.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(from = "Value")]
pub struct ContentRef {
    /// A content id, as a number or a string of digits.
    #[schemars(with = "Option<String>")]
    pub id: Option<cairn_core::ContentId>,
}

impl From<Value> for ContentRef {
    fn from(value: Value) -> ContentRef {
        ContentRef {
            id: value
                .as_object()
                .and_then(|object| object.get("id"))
                .and_then(super::json_content_id),
        }
    }
}

/// `{"key": …}`: a reference to a space.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SpaceRef {
    #[serde(deserialize_with = "lenient")]
    pub key: Option<String>,
}

/// `{"value": …, "representation": …}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Representation {
    #[serde(deserialize_with = "lenient")]
    pub value: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub representation: Option<String>,
}

/// A content body in the representations Cairn reads.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BodyRequest {
    #[serde(deserialize_with = "lenient")]
    pub storage: Option<Representation>,
    #[serde(deserialize_with = "lenient")]
    pub editor: Option<Representation>,
    #[serde(deserialize_with = "lenient")]
    pub wiki: Option<Representation>,
}

/// `version` of a write.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct VersionRequest {
    #[serde(deserialize_with = "loose_number")]
    pub number: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub message: Option<String>,
    #[serde(deserialize_with = "loose_flag")]
    pub minor_edit: Option<bool>,
}

/// One label: `{"prefix": "global", "name": "…"}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LabelRequest {
    #[serde(deserialize_with = "lenient")]
    pub prefix: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
}

/// Labels as clients send them: one object or an array of them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum LabelsRequest {
    Many(Vec<LabelRequest>),
    One(LabelRequest),
}

impl LabelsRequest {
    pub fn into_vec(self) -> Vec<LabelRequest> {
        match self {
            LabelsRequest::Many(labels) => labels,
            LabelsRequest::One(label) => vec![label],
        }
    }
}

/// `metadata` of a content write.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct MetadataRequest {
    /// `None` when absent or `null`: the labels stay as they are. Anything else that is not a
    /// label or a list of labels is refused by the handler.
    pub labels: Option<Value>,
    /// `{"key": {"value": …}}`.
    #[serde(deserialize_with = "lenient")]
    pub properties: Option<Map<String, Value>>,
    /// Attachments: the new media type.
    #[serde(deserialize_with = "lenient")]
    pub media_type: Option<String>,
}

/// `extensions` of a comment.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtensionsRequest {
    #[serde(deserialize_with = "lenient")]
    pub location: Option<String>,
    /// The client's description of the highlighted passage, kept as it came.
    pub inline_properties: Option<Value>,
}

/// The body of `POST /rest/api/content` and `PUT /rest/api/content/{id}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ContentRequest {
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub content_type: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub title: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub space: Option<SpaceRef>,
    /// The last one is the direct parent.
    #[serde(deserialize_with = "lenient")]
    pub ancestors: Option<Vec<ContentRef>>,
    /// `None` when the request has no body (the body stays as it is on an update).
    pub body: Option<Value>,
    #[serde(deserialize_with = "lenient")]
    pub version: Option<VersionRequest>,
    #[serde(deserialize_with = "lenient")]
    pub metadata: Option<MetadataRequest>,
    /// Comments: the page they are on.
    #[serde(deserialize_with = "lenient")]
    pub container: Option<ContentRef>,
    #[serde(deserialize_with = "lenient")]
    pub extensions: Option<ExtensionsRequest>,
}

impl ContentRequest {
    pub fn version(&self) -> VersionRequest {
        self.version.clone().unwrap_or_default()
    }

    pub fn metadata(&self) -> MetadataRequest {
        self.metadata.clone().unwrap_or_default()
    }

    pub fn space_key(&self) -> Option<&str> {
        self.space.as_ref().and_then(|space| space.key.as_deref())
    }
}

/// The body of an attachment's metadata update (`PUT …/child/attachment/{attId}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AttachmentUpdateRequest {
    #[serde(deserialize_with = "lenient")]
    pub title: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub version: Option<VersionRequest>,
    #[serde(deserialize_with = "lenient")]
    pub metadata: Option<MetadataRequest>,
}

/// The body of `POST /rest/api/contentbody/convert/{to}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ConvertRequest {
    #[serde(deserialize_with = "lenient")]
    pub value: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub representation: Option<String>,
}

/// A property write: `{"key": …, "value": …, "version": {"number": …}}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PropertyRequest {
    #[serde(deserialize_with = "lenient")]
    pub key: Option<String>,
    /// Any JSON; `null` or absent is refused by the handler.
    pub value: Value,
    #[serde(deserialize_with = "lenient")]
    pub version: Option<VersionRequest>,
}

/// `description` of a space: `{"plain": {"value": …}}` (or `storage`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SpaceDescriptionRequest {
    #[serde(deserialize_with = "lenient")]
    pub plain: Option<Representation>,
    #[serde(deserialize_with = "lenient")]
    pub storage: Option<Representation>,
}

impl SpaceDescriptionRequest {
    /// The plain description, else the storage one.
    pub fn text(&self) -> Option<&str> {
        self.plain
            .as_ref()
            .and_then(|plain| plain.value.as_deref())
            .or_else(|| {
                self.storage
                    .as_ref()
                    .and_then(|storage| storage.value.as_deref())
            })
    }
}

/// The body of `POST /rest/api/space` and `PUT /rest/api/space/{key}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SpaceRequest {
    #[serde(deserialize_with = "lenient")]
    pub key: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub description: Option<SpaceDescriptionRequest>,
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub space_type: Option<String>,
    /// A whole content object or `{"id": …}`; `null` or absent keeps the home page.
    #[serde(deserialize_with = "lenient")]
    pub homepage: Option<ContentRef>,
}

/// `subject` of a space permission grant.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GrantSubjectRequest {
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub subject_type: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub identifier: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
}

/// `operation` of a space permission grant (Data Center's `key`/`target` or the older
/// `operationKey`/`targetType`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct GrantOperationRequest {
    #[serde(deserialize_with = "lenient")]
    pub key: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub operation_key: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub target: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub target_type: Option<String>,
}

/// The body of `POST /rest/api/space/{key}/permission`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GrantRequest {
    #[serde(deserialize_with = "lenient")]
    pub subject: Option<GrantSubjectRequest>,
    #[serde(deserialize_with = "lenient")]
    pub operation: Option<GrantOperationRequest>,
}

/// A JSON-RPC call (`/rpc/json-rpc/confluenceservice-v2`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RpcRequest {
    /// Echoed in the answer, whatever it is.
    pub id: Value,
    #[serde(deserialize_with = "lenient")]
    pub method: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub params: Option<Vec<Value>>,
}

/// The body of `POST /rest/pat/latest/tokens`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenRequest {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    /// Days, as a number or a string; `null` or absent: no expiry.
    pub expiration_duration: Value,
}

/// The bodies of user and group writes: `{"name": …}` (or `username` for users).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NameRequest {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub username: Option<String>,
}

/// `{"mode": "READ_ONLY" | "READ_WRITE"}` of `PUT /rest/cairn/1/accessmode`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AccessModeRequest {
    #[serde(deserialize_with = "lenient")]
    pub mode: Option<String>,
}

/// `POST /rest/api/admin/user`, as Confluence Data Center 8.4 takes it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NewUserRequest {
    #[serde(deserialize_with = "lenient")]
    pub user_name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub full_name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub email: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub password: Option<String>,
    /// Accepted for compatibility; Cairn sends no email yet.
    #[serde(deserialize_with = "loose_flag")]
    pub notify_via_email: Option<bool>,
}

/// `{"password": …}` of `POST /rest/api/admin/user/{username}/password`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PasswordRequest {
    #[serde(deserialize_with = "lenient")]
    pub password: Option<String>,
}

/// `POST /rest/api/user/current/password`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PasswordChangeRequest {
    #[serde(deserialize_with = "lenient")]
    pub old_password: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub new_password: Option<String>,
}

/// A list as clients send it: a plain array, `{"results": [...]}`, or one object. An item of the
/// wrong shape decodes as `T::default()` (every field absent), so the handler's rule about missing
/// fields answers for it; anything else (`null`, a number) is an empty list.
#[derive(Debug, Clone, JsonSchema)]
#[serde(transparent)]
#[schemars(rename = "OneOrManyOf{T}")]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> OneOrMany<T> {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: DeserializeOwned + Default> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OneOrMany<T>, D::Error> {
        let item = |value: Value| serde_json::from_value(value).unwrap_or_default();
        Ok(OneOrMany(match Value::deserialize(deserializer)? {
            Value::Array(items) => items.into_iter().map(item).collect(),
            Value::Object(mut object) => match object.remove("results") {
                Some(Value::Array(items)) => items.into_iter().map(item).collect(),
                Some(results) => {
                    object.insert("results".to_string(), results);
                    vec![item(Value::Object(object))]
                }
                None => vec![item(Value::Object(object))],
            },
            _ => Vec::new(),
        }))
    }
}

/// An operation named as `"read"` or as `{"operation": "read"}` (Confluence's own answers use the
/// second form, and clients send those back).
fn operation_name<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::String(name) => Some(name),
        Value::Object(object) => object
            .get("operation")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    })
}

/// A user named in a restriction: by username, user key, or (Cloud's) account id.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct UserRef {
    #[serde(deserialize_with = "lenient")]
    pub username: Option<String>,
    #[serde(rename = "userKey", deserialize_with = "lenient")]
    pub user_key: Option<String>,
    #[serde(rename = "accountId", deserialize_with = "lenient")]
    pub account_id: Option<String>,
}

/// A group named in a restriction.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GroupRef {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
}

/// Who one operation's restriction lets in.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RestrictedSubjectsRequest {
    pub user: OneOrMany<UserRef>,
    pub group: OneOrMany<GroupRef>,
}

/// One operation's restrictions in a `PUT` or `POST /rest/api/content/{id}/restriction` body.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RestrictionRequest {
    /// `read` or `update` (or `{"operation": "read"}`).
    #[serde(deserialize_with = "operation_name")]
    pub operation: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub restrictions: Option<RestrictedSubjectsRequest>,
}

/// One entry of JSON-RPC `setContentPermissions`: a user or a group.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RpcPermissionEntry {
    #[serde(rename = "userName", deserialize_with = "lenient")]
    pub user_name: Option<String>,
    #[serde(rename = "groupName", deserialize_with = "lenient")]
    pub group_name: Option<String>,
}

/// A string sent as a string or as a number (ids and keys in `destination.value`).
fn loose_text<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    })
}

/// Where a copy goes: `{"type": "space" | "parent_page" | "parent_content" | "existing_page",
/// "value": key or id}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CopyDestinationRequest {
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub destination_type: Option<String>,
    #[serde(deserialize_with = "loose_text")]
    pub value: Option<String>,
}

/// `POST /rest/api/content/{id}/copy`, as Confluence Data Center and Cloud take it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CopyRequest {
    #[serde(deserialize_with = "lenient")]
    pub destination: Option<CopyDestinationRequest>,
    #[serde(deserialize_with = "lenient")]
    pub page_title: Option<String>,
    /// Replaces the copied body when given (`{"storage": {"value": …}}`).
    #[serde(deserialize_with = "lenient")]
    pub body: Option<BodyRequest>,
    #[serde(deserialize_with = "loose_flag")]
    pub copy_attachments: Option<bool>,
    #[serde(deserialize_with = "loose_flag")]
    pub copy_permissions: Option<bool>,
    #[serde(deserialize_with = "loose_flag")]
    pub copy_properties: Option<bool>,
    #[serde(deserialize_with = "loose_flag")]
    pub copy_labels: Option<bool>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn loose_clients_are_understood() {
        let request: ContentRequest = decode(
            &json!({"type": "page", "title": "T", "ancestors": [{"id": 7}, {"id": "9"}],
                "version": {"number": "3", "minorEdit": "true"}, "space": {"key": "DEV"}}),
            "a content object",
        )
        .expect("decodes");
        assert_eq!(request.content_type.as_deref(), Some("page"));
        let parents: Vec<_> = request
            .ancestors
            .unwrap_or_default()
            .into_iter()
            .map(|ancestor| ancestor.id)
            .collect();
        assert_eq!(
            parents,
            [
                Some(cairn_core::ContentId(7)),
                Some(cairn_core::ContentId(9))
            ]
        );
        assert_eq!(request.version.as_ref().and_then(|v| v.number), Some(3));
        assert_eq!(request.version.and_then(|v| v.minor_edit), Some(true));
        assert_eq!(
            request.space.and_then(|space| space.key).as_deref(),
            Some("DEV")
        );
    }

    #[test]
    fn wrong_shapes_count_as_absent() {
        let request: ContentRequest = decode(
            &json!({"type": 5, "title": null, "space": "DEV", "version": 2, "ancestors": "x"}),
            "a content object",
        )
        .expect("decodes");
        assert!(request.content_type.is_none());
        assert!(request.title.is_none());
        assert!(request.space.is_none());
        assert!(request.version.is_none());
        assert!(request.ancestors.is_none());
        assert!(decode::<ContentRequest>(&json!([1, 2]), "a content object").is_err());
    }

    #[test]
    fn labels_come_one_or_many() {
        let one: LabelsRequest = serde_json::from_value(json!({"name": "a"})).expect("one");
        assert_eq!(one.into_vec().len(), 1);
        let many: LabelsRequest =
            serde_json::from_value(json!([{"name": "a"}, {"prefix": "global", "name": "b"}]))
                .expect("many");
        assert_eq!(many.into_vec().len(), 2);
    }
}

/// `{"number": 3, "units": "YEARS"}` of `PUT /rest/api/audit/retention`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RetentionRequest {
    #[serde(deserialize_with = "loose_number")]
    pub number: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub units: Option<String>,
}

/// One global permission in a grant or revoke body: a stored name (`"USECONFLUENCE"`), or an
/// operation as Data Center writes it (`{"operationKey": "use", "targetType": "application"}`),
/// also wrapped as its answers show it (`{"operation": {…}}`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum GlobalOperationRequest {
    Name(String),
    Wrapped { operation: GrantOperationRequest },
    Operation(GrantOperationRequest),
}

impl Default for GlobalOperationRequest {
    fn default() -> Self {
        GlobalOperationRequest::Operation(GrantOperationRequest::default())
    }
}

impl GlobalOperationRequest {
    /// The permission named, if it is one.
    pub fn permission(&self) -> Option<cairn_core::GlobalPermission> {
        let operation = match self {
            GlobalOperationRequest::Name(name) => {
                return cairn_core::GlobalPermission::parse(name, None);
            }
            GlobalOperationRequest::Wrapped { operation }
            | GlobalOperationRequest::Operation(operation) => operation,
        };
        let key = operation
            .operation_key
            .as_ref()
            .or(operation.key.as_ref())?;
        let target = operation.target_type.as_ref().or(operation.target.as_ref());
        cairn_core::GlobalPermission::parse(key, target.map(String::as_str))
    }
}

/// `POST /rest/cairn/1/editor/paste`: what the clipboard held.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct PasteRequest {
    /// `html` (cleaned by the sanitizer) or `markdown`.
    pub format: String,
    pub value: String,
}

/// `PUT /rest/cairn/1/configuration`: each field a text or a number; absent keeps the value, `""`
/// clears it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ConfigurationRequest {
    #[serde(deserialize_with = "loose_text")]
    pub site_title: Option<String>,
    #[serde(deserialize_with = "loose_text")]
    pub base_url: Option<String>,
    #[serde(deserialize_with = "loose_text")]
    pub attachment_max_mb: Option<String>,
    #[serde(deserialize_with = "loose_text")]
    pub rate_limit_per_minute: Option<String>,
    #[serde(deserialize_with = "loose_text")]
    pub time_zone: Option<String>,
}
