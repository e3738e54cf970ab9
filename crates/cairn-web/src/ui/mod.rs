//! The server-rendered web UI, at Confluence's URLs. No JavaScript is needed: every action is a link
//! or a form. With script, the page editor (the `frontend/` bundle) replaces the storage textarea. Pages are built with `maud`, which escapes every interpolated value.

mod access_mode;
mod arrange;
mod attachment;
mod audit;
mod cluster;
mod comment;
mod compare;
mod configuration;
mod editor;
mod editor_form;
mod global_permissions;
mod groups;
mod import;
mod label;
mod layout;
mod merge;
mod page;
mod permission;
mod profile;
mod search;
mod session;
mod space;
mod space_export;
mod space_site_export;
mod token;
mod users;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cairn_store::StoreError;

use crate::AppState;
use crate::auth::{Principal, authenticate, is_same_origin};
use crate::error::ApiError;
use crate::links::{encode_component, id_from_tiny, view_path};

pub fn routes() -> crate::routes::RouteTable {
    crate::routes::RouteTable::new()
        .route("/", get(space::dashboard))
        .route("/dashboard.action", get(space::dashboard))
        .route(
            "/login.action",
            get(session::login_form).post(session::login),
        )
        .route("/logout.action", post(session::logout))
        .route(
            "/spaces/createspace.action",
            get(space::create_space_form).post(space::create_space),
        )
        .route("/display/{key}", get(space::space_home))
        .route("/display/{key}/{*rest}", get(page::display))
        .route("/pages/viewpage.action", get(page::view_page))
        .route(
            "/pages/createpage.action",
            get(editor::create_form).post(editor::create),
        )
        .route(
            "/pages/createblogpost.action",
            get(editor::create_blog_form).post(editor::create),
        )
        .route(
            "/pages/editpage.action",
            get(editor::edit_form).post(editor::edit),
        )
        .route("/pages/savedraft.action", post(editor::save_draft))
        .route("/pages/resumedraft.action", get(editor::resume_draft))
        .route("/pages/discarddraft.action", post(editor::discard_draft))
        .route("/pages/resolveconflict.action", post(merge::resolve))
        .route("/pages/viewpreviousversions.action", get(page::history))
        .route("/pages/diffpagesbyversion.action", get(compare::compare))
        .route(
            "/pages/revertpagebacktoversion.action",
            get(page::confirm_revert).post(page::revert),
        )
        .route(
            "/pages/removepage.action",
            get(page::confirm_remove).post(page::remove),
        )
        .route(
            "/pages/movepagedialog.action",
            get(arrange::move_form).post(arrange::move_page),
        )
        .route(
            "/pages/copypage.action",
            get(arrange::copy_form).post(arrange::copy_page),
        )
        .route("/pages/doaddcomment.action", post(comment::add))
        .route("/labels/addlabel.action", post(label::add))
        .route("/labels/removelabel.action", post(label::remove))
        .route(
            "/pages/doattachfile.action",
            post(attachment::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/pages/restrictions.action",
            get(permission::restrictions_form).post(permission::save_restrictions),
        )
        .route(
            "/spaces/spacepermissions.action",
            get(permission::space_permissions).post(permission::change_space_permission),
        )
        .route(
            "/spaces/exportspacexml.action",
            get(space_export::export_page).post(space_export::start_export),
        )
        .route(
            "/spaces/exportspacehtml.action",
            get(space_site_export::html_export_page).post(space_site_export::start_html_export),
        )
        .route(
            "/spaces/flyingpdf/flyingpdf.action",
            get(space_site_export::pdf_export_page),
        )
        .route("/pages/viewtrash.action", get(page::trash))
        .route("/pages/restoretrashitem.action", post(page::restore))
        .route("/pages/purgetrashitem.action", post(page::purge))
        .route(
            "/plugins/personalaccesstokens/usertokens.action",
            get(token::tokens_page).post(token::tokens_action),
        )
        .route("/dosearchsite.action", get(search::search))
        .route("/admin/cluster.action", get(cluster::clustering))
        .route(
            "/admin/accessmode.action",
            get(access_mode::access_mode_page).post(access_mode::change_access_mode),
        )
        .route("/admin/auditlog.action", get(audit::audit_log))
        .route(
            "/admin/importspace.action",
            get(import::import_page)
                .post(import::start_import)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/users/viewuserprofile.action",
            get(profile::view_profile_page),
        )
        .route(
            "/users/editmyprofile.action",
            get(profile::own_profile).post(profile::change_own_profile),
        )
        .route(
            "/admin/users/edituser.action",
            get(profile::edit_user).post(profile::change_user),
        )
        .route(
            "/admin/viewgeneralconfig.action",
            get(configuration::configuration_page).post(configuration::change_configuration),
        )
        .route(
            "/admin/permissions/globalpermissions.action",
            get(global_permissions::global_permissions_page)
                .post(global_permissions::global_permissions_action),
        )
        .route(
            "/admin/users/browseusers.action",
            get(users::users_page).post(users::users_action),
        )
        .route(
            "/admin/users/browsegroups.action",
            get(groups::groups_page).post(groups::groups_action),
        )
        .route(
            "/admin/users/viewmembersofgroup.action",
            get(groups::members_page).post(groups::members_action),
        )
        .route("/x/{code}", get(tiny_link))
        .route("/spaces/{key}/pages/{id}", get(cloud_style_link))
        .route("/spaces/{key}/pages/{id}/{*title}", get(cloud_style_link))
        .route("/static/cairn.css", get(stylesheet))
        .route("/static/cairn.js", get(script))
        .route("/assets/editor/editor.js", get(editor_form::editor_script))
        .route(
            "/assets/editor/editor.css",
            get(editor_form::editor_stylesheet),
        )
        .route("/images/icons/profilepics/default.svg", get(default_avatar))
        .route("/favicon.ico", get(favicon))
        .route("/static/favicon.svg", get(favicon))
}

/// 403 unless `user` is a site administrator; `what` says what the screen does (`manage users`).
pub(crate) fn require_site_administrator(user: &Principal, what: &str) -> Result<(), UiError> {
    if user.administrator {
        Ok(())
    } else {
        Err(UiError::new(
            StatusCode::FORBIDDEN,
            format!("Only site administrators can {what}."),
        ))
    }
}

/// A logged-in UI user; anyone else is sent to the login page and brought back afterwards.
pub struct UiUser(pub Principal);

impl FromRequestParts<AppState> for UiUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(state, parts).await {
            Ok(Some(principal)) => {
                if parts.method == axum::http::Method::POST && !is_same_origin(parts) {
                    return Err(UiError::new(
                        StatusCode::FORBIDDEN,
                        "cross-site form submission refused",
                    )
                    .into_response());
                }
                Ok(UiUser(principal))
            }
            Ok(None) => {
                let destination = parts
                    .uri
                    .path_and_query()
                    .map(|pq| pq.as_str())
                    .unwrap_or("/");
                let target = format!(
                    "/login.action?os_destination={}",
                    encode_component(destination)
                );
                Err(Redirect::to(&target).into_response())
            }
            Err(error) => Err(UiError::from(error).into_response()),
        }
    }
}

/// The reader of a screen that only shows pages, spaces or search results: the signed-in user, or
/// the anonymous viewer while anonymous access is on; anyone else is sent to the login page.
pub struct UiReader(pub Principal);

impl FromRequestParts<AppState> for UiReader {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let reads = matches!(
            parts.method,
            axum::http::Method::GET | axum::http::Method::HEAD
        );
        if reads
            && parts.headers.get(header::AUTHORIZATION).is_none()
            && crate::auth::session_cookie(&parts.headers).is_none()
        {
            match cairn_app::global_permission::anonymous_access(state).await {
                Ok(true) => return Ok(UiReader(Principal::anonymous(parts))),
                Ok(false) => {}
                Err(error) => return Err(UiError::from(error).into_response()),
            }
        }
        UiUser::from_request_parts(parts, state)
            .await
            .map(|UiUser(user)| UiReader(user))
    }
}

/// An error shown as a page.
#[derive(Debug)]
pub struct UiError {
    status: StatusCode,
    message: String,
}

impl UiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> UiError {
        UiError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> UiError {
        UiError::new(StatusCode::NOT_FOUND, message)
    }
}

impl From<ApiError> for UiError {
    fn from(error: ApiError) -> UiError {
        UiError::new(error.status, error.message)
    }
}

impl From<cairn_app::Error> for UiError {
    fn from(error: cairn_app::Error) -> UiError {
        UiError::from(ApiError::from(error))
    }
}

impl From<StoreError> for UiError {
    fn from(error: StoreError) -> UiError {
        UiError::from(ApiError::from(error))
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = layout::bare_page(
            title,
            maud::html! {
                main.content id="content" tabindex="-1" {
                    div.card {
                        h1.title { (title) }
                        p role="alert" { (self.message) }
                        p { a href="/" { "Go to the dashboard" } }
                    }
                }
            },
        );
        (self.status, body).into_response()
    }
}

async fn tiny_link(Path(code): Path<String>) -> Result<Redirect, UiError> {
    let id = id_from_tiny(&code)
        .ok_or_else(|| UiError::not_found("this short link does not lead anywhere"))?;
    Ok(Redirect::to(&view_path(id)))
}

/// `/spaces/KEY/pages/ID[/Title]` (the newer Confluence link form): the page by its id.
async fn cloud_style_link(Path(parts): Path<Vec<(String, String)>>) -> Result<Redirect, UiError> {
    let id = parts
        .iter()
        .find(|(name, _)| name == "id")
        .and_then(|(_, value)| cairn_core::ContentId::parse(value))
        .ok_or_else(|| UiError::not_found("this link does not name a page"))?;
    Ok(Redirect::to(&view_path(id)))
}

pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/cairn.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/cairn.js"),
    )
        .into_response()
}

pub(crate) async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/favicon.svg"),
    )
        .into_response()
}

async fn default_avatar() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/default-avatar.svg"),
    )
        .into_response()
}
