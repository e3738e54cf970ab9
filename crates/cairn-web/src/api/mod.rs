//! The Confluence REST API v1 surface: `/rest/api/...` (and `/rest/api/latest/...`, rewritten before
//! routing), plus personal access tokens at `/rest/pat/latest/tokens` as Confluence Data Center has them.

mod admin_user;
pub(crate) mod attachment;
mod audit;
mod configuration;
mod content;
mod convert;
mod copy;
mod editor_support;
mod export;
mod global_permission;
mod import;
pub mod json;
mod label;
mod movement;
pub mod openapi;
pub(crate) mod permission;
mod property;
pub mod request;
mod search;
mod space;
mod space_export;
pub(crate) mod token;
mod user;
mod version;
pub mod view;
mod watch;

use axum::body::Bytes;
use axum::routing::get;
use serde_json::Value;

use crate::error::ApiError;

pub fn routes() -> crate::routes::RouteTable {
    crate::routes::RouteTable::new()
        .route(
            "/rest/api/space",
            get(space::list_spaces).post(space::create_space),
        )
        .route(
            "/rest/api/space/{key}",
            get(space::get_space)
                .put(space::update_space)
                .delete(space::delete_space),
        )
        .route(
            "/rest/cairn/1/import/confluence",
            axum::routing::post(import::import_confluence)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/rest/cairn/1/export/confluence/{key}",
            axum::routing::post(space_export::start_export),
        )
        .route(
            "/rest/cairn/1/export/confluence/{key}/{task}",
            get(space_export::download_export),
        )
        .route(
            "/rest/cairn/1/export/html/{key}",
            axum::routing::post(space_export::start_site_export),
        )
        .route(
            "/rest/cairn/1/export/html/{key}/{task}",
            get(space_export::download_site_export),
        )
        .route("/rest/cairn/1/export/pdf/{key}", get(export::space_pdf))
        .route(
            "/rest/cairn/1/export/markdown/{id}",
            get(export::page_markdown),
        )
        .route("/rest/api/longtask", get(space::list_tasks))
        .route("/rest/api/longtask/{id}", get(space::get_task))
        .route(
            "/rest/api/content",
            get(content::list_content).post(content::create_content),
        )
        .route(
            "/rest/api/content/{id}/child/attachment",
            get(attachment::list_attachments)
                .post(attachment::upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/rest/api/content/{id}/child/attachment/{attachment}/data",
            axum::routing::post(attachment::upload_new_version)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/rest/api/content/{id}/child/attachment/{attachment}",
            axum::routing::put(attachment::update_metadata),
        )
        .route(
            "/rest/api/content/{id}/child/attachment/{attachment}/download",
            get(attachment::download_by_id),
        )
        .route(
            "/json/removeattachment.action",
            axum::routing::post(attachment::remove_by_action),
        )
        .route(
            "/download/attachments/{page}/{filename}",
            get(attachment::download_by_name),
        )
        .route(
            "/rest/api/contentbody/convert/{to}",
            axum::routing::post(convert::convert),
        )
        .route(
            "/rpc/json-rpc/confluenceservice-v2",
            axum::routing::post(permission::json_rpc),
        )
        .route(
            "/spaces/flyingpdf/pdfpageexport.action",
            get(export::page_pdf),
        )
        .route("/exportword", get(export::page_word))
        .route("/rest/api/search", get(search::search))
        .route("/rest/api/content/search", get(search::content_search))
        .route("/rest/quicknav/1/search", get(search::quick_navigation))
        .route(
            "/rest/api/content/{id}",
            get(content::get_content)
                .put(content::update_content)
                .delete(content::delete_content)
                // PUT carries attachment versions too (multipart): it limits JSON bodies itself.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/rest/api/content/{id}/child/page",
            get(content::list_child_pages),
        )
        .route("/rest/api/content/{id}/history", get(content::get_history))
        .route(
            "/rest/api/content/{id}/child/comment",
            get(content::list_child_comments),
        )
        .route(
            "/rest/api/content/{id}/label",
            get(label::list_labels)
                .post(label::add_labels)
                .delete(label::remove_label_by_query),
        )
        .route(
            "/rest/api/content/{id}/label/{label}",
            axum::routing::delete(label::remove_label_by_path),
        )
        .route(
            "/rest/api/content/{id}/property",
            get(property::list_properties).post(property::create_property),
        )
        .route(
            "/rest/api/content/{id}/property/{key}",
            get(property::get_property)
                .put(property::update_property)
                .delete(property::delete_property),
        )
        .route(
            "/rest/api/content/{id}/restriction",
            get(permission::list)
                .put(permission::replace)
                .post(permission::add)
                .delete(permission::remove_all),
        )
        .route(
            "/rest/api/content/{id}/restriction/byOperation",
            get(permission::by_operation),
        )
        .route(
            "/rest/api/content/{id}/restriction/byOperation/{operation}",
            get(permission::for_operation),
        )
        .route(
            "/rest/api/space/{key}/permissions",
            get(permission::space_permissions),
        )
        .route(
            "/rest/api/space/{key}/permission",
            get(permission::space_permission_page).post(permission::grant_space_permission),
        )
        .route("/rest/api/user/current", get(user::current_user))
        .route("/rest/api/user", get(user::find_user))
        .route("/rest/api/user/anonymous", get(user::anonymous_user))
        .route("/rest/api/group", get(user::list_groups))
        .route(
            "/rest/api/group/{name}/member",
            get(user::group_members).post(user::add_member_by_body),
        )
        .route(
            "/rest/api/group/{name}/member/{username}",
            axum::routing::delete(user::remove_member_by_path),
        )
        .route(
            "/rest/api/user/{username}/group/{name}",
            axum::routing::put(user::change_membership).delete(user::change_membership),
        )
        .route(
            "/rest/api/admin/group",
            axum::routing::post(user::create_group),
        )
        .route(
            "/rest/api/admin/user",
            axum::routing::post(admin_user::create_user),
        )
        .route(
            "/rest/api/admin/user/{username}/password",
            axum::routing::post(admin_user::set_password),
        )
        .route(
            "/rest/api/admin/user/{username}/disable",
            axum::routing::put(admin_user::disable),
        )
        .route(
            "/rest/api/admin/user/{username}/enable",
            axum::routing::put(admin_user::enable),
        )
        .route(
            "/rest/api/user/current/password",
            axum::routing::post(admin_user::change_own_password),
        )
        .route(
            "/rest/api/admin/group/{name}",
            axum::routing::delete(user::delete_group),
        )
        .route("/rest/api/accessmode", get(user::access_mode))
        .route("/rest/api/permissions", get(global_permission::list_all))
        .route(
            "/rest/api/permissions/anonymous",
            get(global_permission::list_anonymous),
        )
        .route(
            "/rest/api/permissions/anonymous/grant",
            axum::routing::put(global_permission::grant_anonymous),
        )
        .route(
            "/rest/api/permissions/anonymous/revoke",
            axum::routing::put(global_permission::revoke_anonymous),
        )
        .route(
            "/rest/api/permissions/group/{name}",
            get(global_permission::list_group),
        )
        .route(
            "/rest/api/permissions/group/{name}/grant",
            axum::routing::put(global_permission::grant_group),
        )
        .route(
            "/rest/api/permissions/group/{name}/revoke",
            axum::routing::put(global_permission::revoke_group),
        )
        .route(
            "/rest/api/permissions/user/{username}",
            get(global_permission::list_user),
        )
        .route(
            "/rest/api/permissions/user/{username}/grant",
            axum::routing::put(global_permission::grant_user),
        )
        .route(
            "/rest/api/permissions/user/{username}/revoke",
            axum::routing::put(global_permission::revoke_user),
        )
        .route("/rest/api/audit", get(audit::list))
        .route("/rest/api/audit/export", get(audit::export))
        .route(
            "/rest/api/audit/retention",
            get(audit::retention).put(audit::set_retention),
        )
        .route(
            "/rest/api/content/{id}/move/{position}/{target}",
            axum::routing::put(movement::move_by_rest),
        )
        .route(
            "/pages/movepage.action",
            axum::routing::post(movement::move_by_action),
        )
        .route("/rest/api/space/{key}/content", get(space::space_content))
        .route(
            "/rest/api/space/{key}/content/{kind}",
            get(space::space_content_of_type),
        )
        .route(
            "/rest/api/content/{id}/child",
            get(content::list_children_by_kind),
        )
        .route(
            "/rest/api/content/{id}/descendant/page",
            get(content::list_descendant_pages),
        )
        .route(
            "/rest/api/content/{id}/version",
            get(version::list_versions),
        )
        .route(
            "/rest/experimental/content/{id}/version",
            get(version::list_versions),
        )
        .route(
            "/rest/api/content/{id}/version/{number}",
            get(version::get_version).delete(version::delete_version),
        )
        .route(
            "/rest/experimental/content/{id}/version/{number}",
            get(version::get_version).delete(version::delete_version),
        )
        .route(
            "/rest/api/user/watch/content/{id}",
            get(watch::is_watching_content)
                .post(watch::watch_content)
                .delete(watch::unwatch_content),
        )
        .route(
            "/rest/api/user/watch/space/{key}",
            get(watch::is_watching_space)
                .post(watch::watch_space)
                .delete(watch::unwatch_space),
        )
        .route(
            "/rest/api/user/watch/label/{name}",
            get(watch::is_watching_label)
                .post(watch::watch_label)
                .delete(watch::unwatch_label),
        )
        .route(
            "/rest/pat/latest/tokens",
            get(token::list_tokens).post(token::create_token),
        )
        .route(
            "/rest/pat/latest/tokens/{id}",
            axum::routing::delete(token::revoke_token),
        )
        .route(
            "/rest/api/content/{id}/copy",
            axum::routing::post(copy::copy_page),
        )
        .route("/rest/cairn/1/openapi.json", get(openapi_document))
        .route(
            "/rest/cairn/1/accessmode",
            axum::routing::put(user::set_access_mode),
        )
        .route(
            "/rest/cairn/1/editor/users",
            get(editor_support::suggest_users),
        )
        .route(
            "/rest/cairn/1/editor/paste",
            axum::routing::post(editor_support::paste),
        )
        .route(
            "/rest/cairn/1/configuration",
            get(configuration::get_configuration).put(configuration::set_configuration),
        )
}

/// `GET /rest/cairn/1/openapi.json`: the REST API's OpenAPI document, for anyone (it describes the
/// API, not the site). Built once per process: it is the same for every request.
async fn openapi_document() -> axum::response::Response {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    crate::error::json_body(DOCUMENT.get_or_init(openapi::document))
}

pub use crate::request::parse_query;

/// Reads a JSON request body; malformed JSON is a 400 in Confluence's error shape.
pub fn parse_json_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request("a JSON request body is required"));
    }
    cairn_core::limits::check_json(body).map_err(|error| ApiError::bad_request(error.message))?;
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("request body is not valid JSON: {error}")))
}

/// A content id as clients send it in JSON: a string of digits or a number.
pub fn json_content_id(value: &Value) -> Option<cairn_core::ContentId> {
    match value {
        Value::String(text) => cairn_core::ContentId::parse(text),
        Value::Number(number) => number
            .as_i64()
            .filter(|id| *id > 0)
            .map(cairn_core::ContentId),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_plus_and_percent() {
        let pairs = parse_query("title=Root+A&cql=type%3Dpage&flag");
        assert_eq!(pairs.get("title"), Some("Root A"));
        assert_eq!(pairs.get("cql"), Some("type=page"));
        assert_eq!(pairs.get("flag"), Some(""));
        assert_eq!(pairs.get("missing"), None);
    }

    #[test]
    fn content_ids_come_as_strings_or_numbers() {
        assert_eq!(
            json_content_id(&serde_json::json!("65538")),
            Some(cairn_core::ContentId(65538))
        );
        assert_eq!(
            json_content_id(&serde_json::json!(65538)),
            Some(cairn_core::ContentId(65538))
        );
        assert_eq!(json_content_id(&serde_json::json!(-1)), None);
        assert_eq!(json_content_id(&serde_json::json!({"id": 1})), None);
    }
}
