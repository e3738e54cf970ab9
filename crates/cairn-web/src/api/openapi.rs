//! The OpenAPI 3.0 document of the REST API, generated from the request and response types
//! (`request.rs`, `view/`) through their JSON Schemas, and served at
//! `GET /rest/cairn/1/openapi.json`. Each operation below names the types its handler decodes and
//! answers; a test holds this table to the router (every API route and method is documented, and
//! nothing else is) and pins the document with a snapshot.

use std::collections::BTreeMap;

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};

use super::request::{
    AccessModeRequest, ConfigurationRequest, ContentRequest, ConvertRequest, CopyRequest,
    GlobalOperationRequest, GrantRequest, LabelsRequest, NameRequest, NewUserRequest,
    PasswordChangeRequest, PasswordRequest, PasteRequest, PropertyRequest, RestrictionRequest,
    RetentionRequest, RpcRequest, SpaceRequest, TokenRequest,
};
use super::view::{
    AccessModeView, ActionDone, AnyContent, AttachmentView, AuditRecordView, ChildrenView,
    ConfigurationView, ContentView, ConvertedBody, CountedList, ExportStarted,
    GlobalPermissionView, GrantList, GrantView, GroupView, HistoryView, LabelView, LongTaskView,
    Moved, OperationRestrictions, PagedList, PastedContent, PropertyView, QuickNavigation,
    RestrictionList, RestrictionsByOperation, RetentionView, RpcAnswer, SearchResults,
    SpaceContent, SpaceView, TaskStarted, TokenView, UserSuggestions, UserView, VersionView,
    Watching,
};
use crate::error::ErrorBody;

/// Writes a schema for one type into the generator's definitions and answers a reference to it.
type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// How a request body is sent.
#[derive(Debug, Clone, Copy)]
enum BodyKind {
    Json(SchemaOf),
    /// `multipart/form-data` with one or more `file` parts (and `comment`, `minorEdit`).
    Files,
    /// `multipart/form-data` with one `file` part: a Confluence export (zip).
    Export,
}

/// One documented operation: a method on a path, what it reads and what it answers.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    summary: &'static str,
    query: &'static [&'static str],
    body: Option<BodyKind>,
    /// The success status and its body (`None`: no body, or not JSON).
    success: (u16, Option<SchemaOf>),
    /// The media type of a success that is not JSON (downloads, PDF).
    success_media: Option<&'static str>,
}

fn operation(method: &'static str, path: &'static str, summary: &'static str) -> Operation {
    Operation {
        method,
        path,
        summary,
        query: &[],
        body: None,
        success: (200, None),
        success_media: None,
    }
}

fn get(path: &'static str, summary: &'static str) -> Operation {
    operation("get", path, summary)
}
fn post(path: &'static str, summary: &'static str) -> Operation {
    operation("post", path, summary)
}
fn put(path: &'static str, summary: &'static str) -> Operation {
    operation("put", path, summary)
}
fn delete(path: &'static str, summary: &'static str) -> Operation {
    operation("delete", path, summary).answers_nothing(204)
}

impl Operation {
    fn query(mut self, names: &'static [&'static str]) -> Operation {
        self.query = names;
        self
    }

    fn reads<T: JsonSchema>(mut self) -> Operation {
        self.body = Some(BodyKind::Json(schema::<T>));
        self
    }

    fn reads_files(mut self) -> Operation {
        self.body = Some(BodyKind::Files);
        self
    }

    fn reads_export(mut self) -> Operation {
        self.body = Some(BodyKind::Export);
        self
    }

    fn answers<T: JsonSchema>(mut self) -> Operation {
        self.success = (200, Some(schema::<T>));
        self
    }

    fn answers_with<T: JsonSchema>(mut self, status: u16) -> Operation {
        self.success = (status, Some(schema::<T>));
        self
    }

    fn answers_nothing(mut self, status: u16) -> Operation {
        self.success = (status, None);
        self
    }

    fn answers_media(mut self, media: &'static str) -> Operation {
        self.success = (200, None);
        self.success_media = Some(media);
        self
    }
}

const PAGING: &[&str] = &["start", "limit"];
const CONTENT_LIST: &[&str] = &[
    "type",
    "spaceKey",
    "title",
    "status",
    "label",
    "postingDay",
    "expand",
    "start",
    "limit",
];
const EXPAND: &[&str] = &["expand"];
const PAGED_EXPAND: &[&str] = &["expand", "start", "limit"];

/// Every operation of the REST API and the Confluence endpoints beside it that clients call.
pub fn operations() -> Vec<Operation> {
    vec![
        // Spaces
        get("/rest/api/space", "List the spaces the caller can view")
            .query(&["spaceKey", "type", "status", "expand", "start", "limit"])
            .answers::<PagedList<SpaceView>>(),
        post("/rest/api/space", "Create a space with its home page")
            .reads::<SpaceRequest>()
            .answers::<SpaceView>(),
        get("/rest/api/space/{key}", "Get a space")
            .query(EXPAND)
            .answers::<SpaceView>(),
        put(
            "/rest/api/space/{key}",
            "Change a space's name, description or home page",
        )
        .reads::<SpaceRequest>()
        .answers::<SpaceView>(),
        delete(
            "/rest/api/space/{key}",
            "Delete a space with everything in it",
        )
        .answers_with::<TaskStarted>(202),
        get(
            "/rest/api/space/{key}/content",
            "A space's pages and blog posts",
        )
        .query(&["depth", "expand", "start", "limit"])
        .answers::<SpaceContent>(),
        get(
            "/rest/api/space/{key}/content/{kind}",
            "A space's pages or blog posts",
        )
        .query(&["depth", "expand", "start", "limit"])
        .answers::<PagedList<ContentView>>(),
        get(
            "/rest/api/space/{key}/permissions",
            "Every grant of a space",
        )
        .answers::<Vec<GrantView>>(),
        get(
            "/rest/api/space/{key}/permission",
            "The grants of a space, as a list",
        )
        .answers::<GrantList>(),
        post(
            "/rest/api/space/{key}/permission",
            "Grant a space permission",
        )
        .reads::<GrantRequest>()
        .answers::<GrantView>(),
        get(
            "/rest/api/longtask",
            "The caller's long tasks, newest first",
        )
        .query(PAGING)
        .answers::<PagedList<LongTaskView>>(),
        get("/rest/api/longtask/{id}", "A long task").answers::<LongTaskView>(),
        // Content
        get("/rest/api/content", "List or find content")
            .query(CONTENT_LIST)
            .answers::<PagedList<ContentView>>(),
        post("/rest/api/content", "Create a page, blog post or comment")
            .query(&["status", "expand"])
            .reads::<ContentRequest>()
            .answers::<ContentView>(),
        get("/rest/api/content/{id}", "Get content or an attachment")
            .query(&["status", "version", "expand"])
            .answers::<AnyContent>(),
        put(
            "/rest/api/content/{id}",
            "Update content (JSON), or upload a new version of an attachment (multipart)",
        )
        .query(&["status", "conflictPolicy"])
        .reads::<ContentRequest>()
        .answers::<AnyContent>(),
        delete(
            "/rest/api/content/{id}",
            "Trash or purge content, or remove a comment",
        )
        .query(&["status"]),
        get("/rest/api/content/{id}/history", "Content's history").answers::<HistoryView>(),
        get(
            "/rest/api/content/{id}/child",
            "Content's children of every kind",
        )
        .query(EXPAND)
        .answers::<ChildrenView>(),
        get(
            "/rest/api/content/{id}/child/page",
            "Child pages, in position order",
        )
        .query(PAGED_EXPAND)
        .answers::<PagedList<ContentView>>(),
        get(
            "/rest/api/content/{id}/child/comment",
            "Comments on content",
        )
        .query(&["location", "depth", "expand", "start", "limit"])
        .answers::<PagedList<ContentView>>(),
        get(
            "/rest/api/content/{id}/descendant/page",
            "Every page below, level by level",
        )
        .query(PAGED_EXPAND)
        .answers::<PagedList<ContentView>>(),
        put(
            "/rest/api/content/{id}/move/{position}/{target}",
            "Move a page before, after or below another",
        )
        .answers::<Moved>(),
        post(
            "/rest/api/content/{id}/copy",
            "Copy a page with what it carries",
        )
        .reads::<CopyRequest>()
        .answers::<ContentView>(),
        post(
            "/pages/movepage.action",
            "Move a page (Confluence Server's action)",
        )
        .query(&["pageId", "position", "targetId", "targetTitle", "spaceKey"])
        .answers::<Moved>(),
        // Versions
        get("/rest/api/content/{id}/version", "Versions, newest first")
            .query(PAGING)
            .answers::<PagedList<VersionView>>(),
        get(
            "/rest/experimental/content/{id}/version",
            "Versions, newest first",
        )
        .query(PAGING)
        .answers::<PagedList<VersionView>>(),
        get("/rest/api/content/{id}/version/{number}", "One version")
            .query(EXPAND)
            .answers::<VersionView>(),
        delete(
            "/rest/api/content/{id}/version/{number}",
            "Remove a historical version",
        ),
        get(
            "/rest/experimental/content/{id}/version/{number}",
            "One version",
        )
        .query(EXPAND)
        .answers::<VersionView>(),
        delete(
            "/rest/experimental/content/{id}/version/{number}",
            "Remove a historical version",
        ),
        // Labels and properties
        get("/rest/api/content/{id}/label", "Labels on content")
            .query(&["prefix", "start", "limit"])
            .answers::<PagedList<LabelView>>(),
        post("/rest/api/content/{id}/label", "Add labels")
            .reads::<LabelsRequest>()
            .answers::<PagedList<LabelView>>(),
        delete(
            "/rest/api/content/{id}/label",
            "Remove a label named in the query",
        )
        .query(&["name"]),
        delete("/rest/api/content/{id}/label/{label}", "Remove a label"),
        get("/rest/api/content/{id}/property", "Content properties")
            .query(PAGING)
            .answers::<PagedList<PropertyView>>(),
        post("/rest/api/content/{id}/property", "Create a property")
            .reads::<PropertyRequest>()
            .answers::<PropertyView>(),
        get("/rest/api/content/{id}/property/{key}", "One property").answers::<PropertyView>(),
        put("/rest/api/content/{id}/property/{key}", "Update a property")
            .reads::<PropertyRequest>()
            .answers::<PropertyView>(),
        delete("/rest/api/content/{id}/property/{key}", "Delete a property"),
        // Restrictions
        get(
            "/rest/api/content/{id}/restriction",
            "Content's restrictions",
        )
        .answers::<RestrictionList>(),
        put(
            "/rest/api/content/{id}/restriction",
            "Replace content's restrictions",
        )
        .reads::<Vec<RestrictionRequest>>()
        .answers::<RestrictionList>(),
        post("/rest/api/content/{id}/restriction", "Add restrictions")
            .reads::<Vec<RestrictionRequest>>()
            .answers::<RestrictionList>(),
        operation(
            "delete",
            "/rest/api/content/{id}/restriction",
            "Remove every restriction",
        )
        .answers::<RestrictionList>(),
        get(
            "/rest/api/content/{id}/restriction/byOperation",
            "Restrictions by operation",
        )
        .answers::<RestrictionsByOperation>(),
        get(
            "/rest/api/content/{id}/restriction/byOperation/{operation}",
            "One operation's restrictions",
        )
        .answers::<OperationRestrictions>(),
        post(
            "/rpc/json-rpc/confluenceservice-v2",
            "Confluence's JSON-RPC methods for space permissions and content restrictions",
        )
        .reads::<RpcRequest>()
        .answers::<RpcAnswer>(),
        // Attachments
        get(
            "/rest/api/content/{id}/child/attachment",
            "Attachments of content",
        )
        .query(&["filename", "mediaType", "expand", "start", "limit"])
        .answers::<PagedList<AttachmentView>>(),
        post(
            "/rest/api/content/{id}/child/attachment",
            "Upload attachments",
        )
        .query(&["allowDuplicated"])
        .reads_files()
        .answers::<PagedList<AttachmentView>>(),
        post(
            "/rest/api/content/{id}/child/attachment/{attachment}/data",
            "Upload a new version of an attachment",
        )
        .reads_files()
        .answers::<AttachmentView>(),
        put(
            "/rest/api/content/{id}/child/attachment/{attachment}",
            "Rename an attachment or change its comment or media type",
        )
        .answers::<AttachmentView>(),
        get(
            "/rest/api/content/{id}/child/attachment/{attachment}/download",
            "Download an attachment",
        )
        .query(&["version"])
        .answers_media("application/octet-stream"),
        get(
            "/download/attachments/{page}/{filename}",
            "Download an attachment by page and file name",
        )
        .query(&["version"])
        .answers_media("application/octet-stream"),
        post(
            "/json/removeattachment.action",
            "Remove an attachment or one of its versions (Confluence Server's action)",
        )
        .query(&["pageId", "fileName", "version"])
        .answers::<ActionDone>(),
        // Formats and export
        post(
            "/rest/api/contentbody/convert/{to}",
            "Convert a body between representations",
        )
        .reads::<ConvertRequest>()
        .answers::<ConvertedBody>(),
        get("/spaces/flyingpdf/pdfpageexport.action", "A page as PDF")
            .query(&["pageId"])
            .answers_media("application/pdf"),
        get("/exportword", "A page as a Word-compatible HTML document")
            .query(&["pageId"])
            .answers_media("application/msword"),
        get("/rest/cairn/1/export/markdown/{id}", "A page as Markdown")
            .answers_media("text/markdown"),
        get(
            "/rest/cairn/1/export/pdf/{key}",
            "Every page of a space the caller may see, in tree order, as one PDF (EXPORTSPACE)",
        )
        .answers_media("application/pdf"),
        // Search
        get("/rest/api/search", "Search with CQL")
            .query(&["cql", "excerpt", "expand", "start", "limit"])
            .answers::<SearchResults>(),
        get("/rest/api/content/search", "Search content with CQL")
            .query(&["cql", "expand", "start", "limit"])
            .answers::<CountedList<AnyContent>>(),
        get("/rest/quicknav/1/search", "Titles matching what was typed")
            .query(&["query"])
            .answers::<QuickNavigation>(),
        // Users and groups
        get("/rest/api/user/current", "The caller").answers::<UserView>(),
        get("/rest/api/user", "A user by username or key")
            .query(&["username", "key", "expand"])
            .answers::<UserView>(),
        get("/rest/api/user/anonymous", "The anonymous user").answers::<UserView>(),
        get("/rest/api/group", "Groups, by name")
            .query(PAGING)
            .answers::<PagedList<GroupView>>(),
        get("/rest/api/group/{name}/member", "Members of a group")
            .query(PAGING)
            .answers::<PagedList<UserView>>(),
        post("/rest/api/group/{name}/member", "Add a member to a group")
            .reads::<NameRequest>()
            .answers_nothing(204),
        delete(
            "/rest/api/group/{name}/member/{username}",
            "Remove a member from a group",
        ),
        put(
            "/rest/api/user/{username}/group/{name}",
            "Add a user to a group",
        )
        .answers_nothing(204),
        delete(
            "/rest/api/user/{username}/group/{name}",
            "Remove a user from a group",
        ),
        post("/rest/api/admin/user", "Create a user")
            .reads::<NewUserRequest>()
            .answers::<UserView>(),
        post(
            "/rest/api/admin/user/{username}/password",
            "Set a user's password",
        )
        .reads::<PasswordRequest>()
        .answers_nothing(204),
        put(
            "/rest/api/admin/user/{username}/disable",
            "Deactivate a user",
        )
        .answers_nothing(204),
        put(
            "/rest/api/admin/user/{username}/enable",
            "Reactivate a user",
        )
        .answers_nothing(204),
        post(
            "/rest/api/user/current/password",
            "Change one's own password",
        )
        .reads::<PasswordChangeRequest>()
        .answers_nothing(204),
        post("/rest/api/admin/group", "Create a group")
            .reads::<NameRequest>()
            .answers::<GroupView>(),
        delete("/rest/api/admin/group/{name}", "Remove a group"),
        get("/rest/api/accessmode", "Whether the site is read-only").answers::<String>(),
        // Global permissions
        get("/rest/api/permissions", "Every global permission granted")
            .answers::<Vec<GlobalPermissionView>>(),
        get(
            "/rest/api/permissions/anonymous",
            "What anonymous visitors are granted",
        )
        .answers::<Vec<GlobalPermissionView>>(),
        put(
            "/rest/api/permissions/anonymous/grant",
            "Grant anonymous visitors global permissions (anonymous access)",
        )
        .reads::<Vec<GlobalOperationRequest>>()
        .answers_nothing(204),
        put(
            "/rest/api/permissions/anonymous/revoke",
            "Revoke global permissions from anonymous visitors",
        )
        .reads::<Vec<GlobalOperationRequest>>()
        .answers_nothing(204),
        get(
            "/rest/api/permissions/group/{name}",
            "What a group is granted",
        )
        .answers::<Vec<GlobalPermissionView>>(),
        put(
            "/rest/api/permissions/group/{name}/grant",
            "Grant a group global permissions",
        )
        .reads::<Vec<GlobalOperationRequest>>()
        .answers_nothing(204),
        put(
            "/rest/api/permissions/group/{name}/revoke",
            "Revoke global permissions from a group",
        )
        .reads::<Vec<GlobalOperationRequest>>()
        .answers_nothing(204),
        get(
            "/rest/api/permissions/user/{username}",
            "What a user is granted",
        )
        .answers::<Vec<GlobalPermissionView>>(),
        put(
            "/rest/api/permissions/user/{username}/grant",
            "Grant a user global permissions",
        )
        .reads::<Vec<GlobalOperationRequest>>()
        .answers_nothing(204),
        put(
            "/rest/api/permissions/user/{username}/revoke",
            "Revoke global permissions from a user",
        )
        .reads::<Vec<GlobalOperationRequest>>()
        .answers_nothing(204),
        // The audit log
        get("/rest/api/audit", "Audit log entries, newest first")
            .query(&["startDate", "endDate", "searchString", "start", "limit"])
            .answers::<PagedList<AuditRecordView>>(),
        get("/rest/api/audit/export", "The audit log as CSV")
            .query(&["startDate", "endDate", "searchString", "format"])
            .answers_media("text/csv"),
        get(
            "/rest/api/audit/retention",
            "How long audit entries are kept",
        )
        .answers::<RetentionView>(),
        put(
            "/rest/api/audit/retention",
            "Change how long audit entries are kept",
        )
        .reads::<RetentionRequest>()
        .answers::<RetentionView>(),
        // Watches
        get(
            "/rest/api/user/watch/content/{id}",
            "Whether a user watches content",
        )
        .query(&["username", "key"])
        .answers::<Watching>(),
        post("/rest/api/user/watch/content/{id}", "Watch content")
            .query(&["username", "key"])
            .answers_nothing(204),
        delete("/rest/api/user/watch/content/{id}", "Stop watching content")
            .query(&["username", "key"]),
        get(
            "/rest/api/user/watch/space/{key}",
            "Whether a user watches a space",
        )
        .query(&["username", "key"])
        .answers::<Watching>(),
        post("/rest/api/user/watch/space/{key}", "Watch a space")
            .query(&["username", "key"])
            .answers_nothing(204),
        delete("/rest/api/user/watch/space/{key}", "Stop watching a space")
            .query(&["username", "key"]),
        get(
            "/rest/api/user/watch/label/{name}",
            "Whether a user watches a label",
        )
        .query(&["username", "key"])
        .answers::<Watching>(),
        post("/rest/api/user/watch/label/{name}", "Watch a label")
            .query(&["username", "key"])
            .answers_nothing(204),
        delete("/rest/api/user/watch/label/{name}", "Stop watching a label")
            .query(&["username", "key"]),
        // Personal access tokens
        get("/rest/pat/latest/tokens", "The caller's tokens").answers::<Vec<TokenView>>(),
        post(
            "/rest/pat/latest/tokens",
            "Create a token (the secret is shown once)",
        )
        .reads::<TokenRequest>()
        .answers_with::<TokenView>(201),
        delete("/rest/pat/latest/tokens/{id}", "Revoke a token"),
        post(
            "/rest/cairn/1/import/confluence",
            "Import a Confluence XML export (site administrators), as a long task",
        )
        .reads_export()
        .answers_with::<TaskStarted>(202),
        post(
            "/rest/cairn/1/export/confluence/{key}",
            "Export a space as a Confluence XML space export (space and site administrators), as a long task",
        )
        .answers_with::<ExportStarted>(202),
        get(
            "/rest/cairn/1/export/confluence/{key}/{task}",
            "Download the zip of a finished space export",
        )
        .answers_media("application/zip"),
        post(
            "/rest/cairn/1/export/html/{key}",
            "Export what the caller may see of a space as a static HTML site (EXPORTSPACE), as a long task",
        )
        .answers_with::<ExportStarted>(202),
        get(
            "/rest/cairn/1/export/html/{key}/{task}",
            "Download the zip of a finished static-site export (the user who started it)",
        )
        .answers_media("application/zip"),
        put("/rest/cairn/1/accessmode", "Turn read-only mode on or off")
            .reads::<AccessModeRequest>()
            .answers::<AccessModeView>(),
        get(
            "/rest/cairn/1/editor/users",
            "People to @mention in the editor",
        )
        .query(&["query", "limit"])
        .answers::<UserSuggestions>(),
        post(
            "/rest/cairn/1/editor/paste",
            "Pasted HTML or Markdown, cleaned into storage and the editor's document",
        )
        .reads::<PasteRequest>()
        .answers::<PastedContent>(),
        get("/rest/cairn/1/configuration", "The general configuration")
            .answers::<ConfigurationView>(),
        put(
            "/rest/cairn/1/configuration",
            "Change the general configuration",
        )
        .reads::<ConfigurationRequest>()
        .answers::<ConfigurationView>(),
        // This document
        get("/rest/cairn/1/openapi.json", "This document").answers_media("application/json"),
    ]
}

/// The names in `{…}` of a path template.
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

fn parameter(name: &str, location: &str, required: bool) -> Value {
    json!({"name": name, "in": location, "required": required, "schema": {"type": "string"}})
}

fn error_response(generator: &mut SchemaGenerator, description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema::<ErrorBody>(generator)}},
    })
}

fn operation_object(operation: &Operation, generator: &mut SchemaGenerator) -> Value {
    let mut parameters: Vec<Value> = path_parameters(operation.path)
        .into_iter()
        .map(|name| parameter(name, "path", true))
        .collect();
    parameters.extend(
        operation
            .query
            .iter()
            .map(|name| parameter(name, "query", false)),
    );
    let mut object = Map::new();
    object.insert("summary".into(), json!(operation.summary));
    object.insert(
        "operationId".into(),
        json!(format!("{} {}", operation.method, operation.path)),
    );
    if !parameters.is_empty() {
        object.insert("parameters".into(), Value::Array(parameters));
    }
    match operation.body {
        Some(BodyKind::Json(schema_of)) => {
            object.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": schema_of(generator)}}}),
            );
        }
        Some(BodyKind::Files) => {
            object.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"multipart/form-data": {"schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "comment": {"type": "string"},
                        "minorEdit": {"type": "string"},
                    },
                    "required": ["file"],
                }}}}),
            );
        }
        Some(BodyKind::Export) => {
            object.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"multipart/form-data": {"schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }}}}),
            );
        }
        None => {}
    }
    let (status, body) = operation.success;
    let success = match (body, operation.success_media) {
        (Some(schema_of), _) => json!({
            "description": "Success",
            "content": {"application/json": {"schema": schema_of(generator)}},
        }),
        (None, Some(media)) => json!({
            "description": "Success",
            "content": {media: {"schema": {"type": "string", "format": "binary"}}},
        }),
        (None, None) => json!({"description": "Success, with no body"}),
    };
    let mut responses = Map::new();
    responses.insert(status.to_string(), success);
    for (code, description) in [
        ("400", "The request is not valid"),
        ("401", "No credentials, or wrong ones"),
        ("403", "The caller may see this but not do it"),
        ("404", "Not found, or hidden from the caller"),
    ] {
        responses.insert(code.into(), error_response(generator, description));
    }
    object.insert("responses".into(), Value::Object(responses));
    Value::Object(object)
}

/// The OpenAPI document, the same bytes on every node of a release.
pub fn document() -> Value {
    let mut generator = SchemaGenerator::new(SchemaSettings::openapi3());
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for operation in operations() {
        let object = operation_object(&operation, &mut generator);
        paths
            .entry(operation.path)
            .or_default()
            .insert(operation.method.to_string(), object);
    }
    let schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Cairn REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Confluence Server/Data Center REST API v1, as Cairn serves it. Differences from Confluence are listed in docs/confluence-compat.md.",
        },
        "servers": [{"url": "/"}],
        "security": [{"basic": []}, {"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "A personal access token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "cairn_session"},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` in `value`.
    fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(object) => {
                for (key, item) in object {
                    match (key.as_str(), item) {
                        ("$ref", Value::String(reference)) => found.push(reference),
                        _ => references(item, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| references(item, found)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves() {
        let document = document();
        let schemas = document["components"]["schemas"]
            .as_object()
            .expect("components.schemas");
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(found.len() > 50, "the document references its schemas");
        for reference in found {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{reference} is not a component reference"));
            assert!(schemas.contains_key(name), "{reference} does not resolve");
        }
    }

    #[test]
    fn an_operation_is_documented_once() {
        let mut seen = std::collections::BTreeSet::new();
        for operation in operations() {
            assert!(
                seen.insert((operation.method, operation.path)),
                "{} {} twice",
                operation.method,
                operation.path
            );
        }
    }

    #[test]
    fn content_carries_its_expandable_parts() {
        let document = document();
        let content = &document["components"]["schemas"]["ContentView"]["properties"];
        for field in [
            "id",
            "type",
            "status",
            "title",
            "_links",
            "_expandable",
            "body",
        ] {
            assert!(content.get(field).is_some(), "ContentView lacks {field}");
        }
        let required = document["components"]["schemas"]["ContentView"]["required"]
            .as_array()
            .expect("required fields");
        assert!(required.contains(&json!("id")));
        assert!(!required.contains(&json!("body")), "body is expandable");
    }
}
