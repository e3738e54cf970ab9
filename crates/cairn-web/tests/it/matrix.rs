//! The permission matrix: every route the router serves, times seven callers (anonymous, signed in
//! without access to the space, space viewer, space editor, space administrator, an editor shut out
//! of the page by a read restriction, site administrator), each with the status it must get.
//!
//! The route list comes from the router itself (`cairn_web::routes::route_paths`, and the methods of
//! each path from the `Allow` header of a 405): a route the matrix below does not name fails the
//! test, so a new route cannot land without a decision on who may call it.
//!
//! Every refusal (401, 403, 404, the login redirect) is sent with a request that would otherwise be
//! valid, so only the permission check can answer it; every allowed read is sent and must succeed.
//! Allowed writes are not sent here (they would change the fixture the other cells need): the
//! route's own tests drive them.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use cairn_core::{SpaceKey, SpacePermission, Subject};
use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{call, new_page, new_space};

every_dialect!(every_route_answers_every_caller_as_the_matrix_says);

const PASSWORD: &str = "matrix-pass-1";

/// Routes outside `/rest/` that answer as the REST API does (401 to anonymous callers, not the
/// login redirect): the endpoints clients call at Confluence's old action URLs, and the metrics.
const API_OUTSIDE_REST: &[&str] = &[
    "/metrics",
    "/rpc/json-rpc/confluenceservice-v2",
    "/pages/movepage.action",
    "/download/attachments/{page}/{filename}",
    "/json/removeattachment.action",
    "/spaces/flyingpdf/pdfpageexport.action",
    "/exportword",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Caller {
    Anonymous,
    Outsider,
    Viewer,
    Editor,
    SpaceAdmin,
    Excluded,
    SiteAdmin,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Outsider,
    Caller::Viewer,
    Caller::Editor,
    Caller::SpaceAdmin,
    Caller::Excluded,
    Caller::SiteAdmin,
];

impl Caller {
    fn username(self) -> Option<&'static str> {
        match self {
            Caller::Anonymous => None,
            Caller::Outsider => Some("outsider"),
            Caller::Viewer => Some("viewer"),
            Caller::Editor => Some("editor"),
            Caller::SpaceAdmin => Some("spaceadmin"),
            Caller::Excluded => Some("excluded"),
            Caller::SiteAdmin => Some(ADMIN_USERNAME),
        }
    }
}

/// Who may call a route, as a rule over the seven callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (their own things, or what they can see).
    SignedIn,
    /// Those who may view the space SEC.
    ViewSpace,
    /// Those who may view the restricted page (the excluded editor may not).
    ViewPage,
    /// Those who may edit the page.
    EditPage,
    /// Those who may comment on or attach files to the page.
    ContributeToPage,
    /// Those who may delete someone else's page (REMOVEPAGE).
    DeletePage,
    /// Those who may add pages and blog posts to SEC.
    AddToSpace,
    /// Space administrators.
    AdministerSpace,
    /// Site administrators.
    AdministerSite,
    /// Something of the site administrator's own (a token, a long task): not found for anyone else.
    SiteAdministratorsOwn,
}

/// What a caller must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    /// A success (2xx or 3xx other than the login redirect); sent only for reads.
    Allowed,
    /// This refusal.
    Refused(StatusCode),
    /// The UI's answer to an anonymous caller: a redirect to the login page.
    LoginRedirect,
}

fn expected(rule: Rule, caller: Caller, is_ui: bool) -> Expected {
    use Caller::*;
    let anonymous = if is_ui {
        Expected::LoginRedirect
    } else {
        Expected::Refused(StatusCode::UNAUTHORIZED)
    };
    let not_found = Expected::Refused(StatusCode::NOT_FOUND);
    let forbidden = Expected::Refused(StatusCode::FORBIDDEN);
    match (rule, caller) {
        (Rule::Public, _) => Expected::Allowed,
        (_, Anonymous) => anonymous,
        (Rule::SignedIn, _) => Expected::Allowed,
        (Rule::AdministerSite, SiteAdmin) => Expected::Allowed,
        (Rule::AdministerSite, _) => forbidden,
        (Rule::SiteAdministratorsOwn, SiteAdmin) => Expected::Allowed,
        (Rule::SiteAdministratorsOwn, _) => not_found,
        (_, Outsider) => not_found,
        (Rule::ViewSpace | Rule::AddToSpace | Rule::AdministerSpace, Excluded) => match rule {
            Rule::ViewSpace | Rule::AddToSpace => Expected::Allowed,
            _ => forbidden,
        },
        (_, Excluded) => not_found,
        (Rule::ViewSpace | Rule::ViewPage, _) => Expected::Allowed,
        (_, SiteAdmin | SpaceAdmin) => Expected::Allowed,
        (Rule::EditPage | Rule::ContributeToPage | Rule::AddToSpace, Editor) => Expected::Allowed,
        (_, Editor | Viewer) => forbidden,
    }
}

/// The body a request carries.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
    File,
}

/// One row of the matrix: a route template and method, the concrete request, and its rule.
pub(crate) struct Row {
    pub(crate) method: Method,
    pub(crate) template: &'static str,
    pub(crate) url: String,
    pub(crate) body: Body,
    rule: Rule,
}

/// The ids the rows point at.
pub(crate) struct Fixture {
    page: String,
    /// A page in the trash of SEC.
    trashed: String,
    /// The site administrator's unpublished new page in SEC.
    draft: String,
    attachment: String,
    token: String,
    task: String,
    /// A finished export of SEC, started by the site administrator.
    export: String,
    /// A finished static-site export of SEC, started by the site administrator.
    site_export: String,
}

pub(crate) fn rows(fixture: &Fixture) -> Vec<Row> {
    let page = &fixture.page;
    let attachment = &fixture.attachment;
    let page_update = json!({"type": "page", "title": "Restricted page", "version": {"number": 3},
        "body": {"storage": {"value": "<p>changed</p>", "representation": "storage"}}});
    let comment = json!({"type": "comment", "container": {"id": page},
        "body": {"storage": {"value": "<p>c</p>", "representation": "storage"}}});
    let read_restriction = json!([{"operation": "read", "restrictions": {
        "user": [{"type": "known", "username": "admin"}], "group": []}}]);
    let space_grant = json!({"subject": {"type": "user", "identifier": "outsider"},
        "operation": {"key": "read", "target": "space"}});
    let edit_form = vec![
        ("title", "Restricted page".to_string()),
        ("body", "<p>x</p>".to_string()),
        ("originalVersion", "2".to_string()),
        ("pageId", page.to_string()),
    ];
    let create_form = vec![
        ("spaceKey", "SEC".to_string()),
        ("title", "Matrix page".to_string()),
        ("body", "<p>x</p>".to_string()),
    ];
    use Method as M;
    use Rule::*;
    let row = |method: Method, template: &'static str, url: String, body: Body, rule: Rule| Row {
        method,
        template,
        url,
        body,
        rule,
    };
    let at = |template: &'static str| {
        template
            .replace("{id}", page)
            .replace("{key}", "SEC")
            .replace("{attachment}", attachment)
    };
    let get =
        |template: &'static str, rule: Rule| row(M::GET, template, at(template), Body::None, rule);
    vec![
        // Health, metrics and the cluster.
        get("/status", Public),
        get("/healthz", Public),
        get("/readyz", Public),
        get("/rest/cairn/1/cluster", AdministerSite),
        get("/rest/cairn/1/openapi.json", Public),
        get("/metrics", AdministerSite),
        // Spaces.
        get("/rest/api/space", SignedIn),
        row(
            M::POST,
            "/rest/api/space",
            "/rest/api/space".into(),
            Body::Json(new_space("NEW")),
            SignedIn,
        ),
        get("/rest/api/space/{key}", ViewSpace),
        row(
            M::PUT,
            "/rest/api/space/{key}",
            at("/rest/api/space/{key}"),
            Body::Json(json!({"name": "Renamed"})),
            AdministerSpace,
        ),
        row(
            M::DELETE,
            "/rest/api/space/{key}",
            at("/rest/api/space/{key}"),
            Body::None,
            AdministerSpace,
        ),
        get("/rest/api/space/{key}/content", ViewSpace),
        row(
            M::GET,
            "/rest/api/space/{key}/content/{kind}",
            "/rest/api/space/SEC/content/page".into(),
            Body::None,
            ViewSpace,
        ),
        get("/rest/api/space/{key}/permissions", AdministerSpace),
        get("/rest/api/space/{key}/permission", AdministerSpace),
        row(
            M::POST,
            "/rest/api/space/{key}/permission",
            at("/rest/api/space/{key}/permission"),
            Body::Json(space_grant),
            AdministerSpace,
        ),
        get("/rest/api/longtask", SignedIn),
        row(
            M::GET,
            "/rest/api/longtask/{id}",
            format!("/rest/api/longtask/{}", fixture.task),
            Body::None,
            SiteAdministratorsOwn,
        ),
        // Content.
        get("/rest/api/content", SignedIn),
        row(
            M::POST,
            "/rest/api/content",
            "/rest/api/content".into(),
            Body::Json(new_page("SEC", "Matrix page", None)),
            AddToSpace,
        ),
        get("/rest/api/content/{id}", ViewPage),
        row(
            M::PUT,
            "/rest/api/content/{id}",
            at("/rest/api/content/{id}"),
            Body::Json(page_update),
            EditPage,
        ),
        row(
            M::DELETE,
            "/rest/api/content/{id}",
            at("/rest/api/content/{id}"),
            Body::None,
            DeletePage,
        ),
        get("/rest/api/content/{id}/child", ViewPage),
        get("/rest/api/content/{id}/child/page", ViewPage),
        get("/rest/api/content/{id}/child/comment", ViewPage),
        get("/rest/api/content/{id}/descendant/page", ViewPage),
        get("/rest/api/content/{id}/history", ViewPage),
        get("/rest/api/content/{id}/version", ViewPage),
        get("/rest/experimental/content/{id}/version", ViewPage),
        row(
            M::GET,
            "/rest/api/content/{id}/version/{number}",
            at("/rest/api/content/{id}/version/1"),
            Body::None,
            ViewPage,
        ),
        row(
            M::DELETE,
            "/rest/api/content/{id}/version/{number}",
            at("/rest/api/content/{id}/version/1"),
            Body::None,
            DeletePage,
        ),
        row(
            M::GET,
            "/rest/experimental/content/{id}/version/{number}",
            at("/rest/experimental/content/{id}/version/1"),
            Body::None,
            ViewPage,
        ),
        row(
            M::DELETE,
            "/rest/experimental/content/{id}/version/{number}",
            at("/rest/experimental/content/{id}/version/1"),
            Body::None,
            DeletePage,
        ),
        row(
            M::PUT,
            "/rest/api/content/{id}/move/{position}/{target}",
            at("/rest/api/content/{id}/move/append/{id}"),
            Body::None,
            EditPage,
        ),
        row(
            M::POST,
            "/rest/api/content/{id}/copy",
            at("/rest/api/content/{id}/copy"),
            Body::Json(json!({"destination": {"type": "space", "value": "SEC"},
                "pageTitle": "A copy of the restricted page"})),
            EditPage,
        ),
        row(
            M::POST,
            "/pages/movepage.action",
            format!("/pages/movepage.action?pageId={page}&position=topLevel&spaceKey=SEC"),
            Body::None,
            EditPage,
        ),
        // Comments (created through /rest/api/content).
        row(
            M::POST,
            "/rest/api/content",
            "/rest/api/content".into(),
            Body::Json(comment),
            ContributeToPage,
        ),
        // Labels and properties.
        get("/rest/api/content/{id}/label", ViewPage),
        row(
            M::POST,
            "/rest/api/content/{id}/label",
            at("/rest/api/content/{id}/label"),
            Body::Json(json!([{"prefix": "global", "name": "added"}])),
            EditPage,
        ),
        row(
            M::DELETE,
            "/rest/api/content/{id}/label",
            at("/rest/api/content/{id}/label?name=tag"),
            Body::None,
            EditPage,
        ),
        row(
            M::DELETE,
            "/rest/api/content/{id}/label/{label}",
            at("/rest/api/content/{id}/label/tag"),
            Body::None,
            EditPage,
        ),
        get("/rest/api/content/{id}/property", ViewPage),
        row(
            M::POST,
            "/rest/api/content/{id}/property",
            at("/rest/api/content/{id}/property"),
            Body::Json(json!({"key": "added", "value": {"a": 1}})),
            EditPage,
        ),
        row(
            M::GET,
            "/rest/api/content/{id}/property/{key}",
            at("/rest/api/content/{id}/property/prop"),
            Body::None,
            ViewPage,
        ),
        row(
            M::PUT,
            "/rest/api/content/{id}/property/{key}",
            at("/rest/api/content/{id}/property/prop"),
            Body::Json(json!({"key": "prop", "value": {"a": 2}, "version": {"number": 2}})),
            EditPage,
        ),
        row(
            M::DELETE,
            "/rest/api/content/{id}/property/{key}",
            at("/rest/api/content/{id}/property/prop"),
            Body::None,
            EditPage,
        ),
        // Restrictions.
        get("/rest/api/content/{id}/restriction", ViewPage),
        row(
            M::PUT,
            "/rest/api/content/{id}/restriction",
            at("/rest/api/content/{id}/restriction"),
            Body::Json(read_restriction.clone()),
            EditPage,
        ),
        row(
            M::POST,
            "/rest/api/content/{id}/restriction",
            at("/rest/api/content/{id}/restriction"),
            Body::Json(read_restriction),
            EditPage,
        ),
        row(
            M::DELETE,
            "/rest/api/content/{id}/restriction",
            at("/rest/api/content/{id}/restriction"),
            Body::None,
            EditPage,
        ),
        get("/rest/api/content/{id}/restriction/byOperation", ViewPage),
        row(
            M::GET,
            "/rest/api/content/{id}/restriction/byOperation/{operation}",
            at("/rest/api/content/{id}/restriction/byOperation/read"),
            Body::None,
            ViewPage,
        ),
        // Attachments.
        get("/rest/api/content/{id}/child/attachment", ViewPage),
        row(
            M::POST,
            "/rest/api/content/{id}/child/attachment",
            at("/rest/api/content/{id}/child/attachment"),
            Body::File,
            ContributeToPage,
        ),
        row(
            M::POST,
            "/rest/api/content/{id}/child/attachment/{attachment}/data",
            at("/rest/api/content/{id}/child/attachment/{attachment}/data"),
            Body::File,
            ContributeToPage,
        ),
        row(
            M::PUT,
            "/rest/api/content/{id}/child/attachment/{attachment}",
            at("/rest/api/content/{id}/child/attachment/{attachment}"),
            Body::Json(
                json!({"id": attachment, "type": "attachment", "title": "renamed.txt", "version": {"number": 2}}),
            ),
            ContributeToPage,
        ),
        get(
            "/rest/api/content/{id}/child/attachment/{attachment}/download",
            ViewPage,
        ),
        row(
            M::GET,
            "/download/attachments/{page}/{filename}",
            format!("/download/attachments/{page}/file.txt"),
            Body::None,
            ViewPage,
        ),
        row(
            M::POST,
            "/json/removeattachment.action",
            format!("/json/removeattachment.action?pageId={page}&fileName=file.txt"),
            Body::None,
            DeletePage,
        ),
        // Conversion, search, export, JSON-RPC.
        row(
            M::POST,
            "/rest/api/contentbody/convert/{to}",
            "/rest/api/contentbody/convert/view".into(),
            Body::Json(json!({"value": "<p>x</p>", "representation": "storage"})),
            SignedIn,
        ),
        row(
            M::GET,
            "/rest/api/search",
            "/rest/api/search?cql=type=page".into(),
            Body::None,
            SignedIn,
        ),
        row(
            M::GET,
            "/rest/api/content/search",
            "/rest/api/content/search?cql=type=page".into(),
            Body::None,
            SignedIn,
        ),
        row(
            M::GET,
            "/rest/quicknav/1/search",
            "/rest/quicknav/1/search?query=Restricted".into(),
            Body::None,
            SignedIn,
        ),
        row(
            M::GET,
            "/spaces/flyingpdf/pdfpageexport.action",
            format!("/spaces/flyingpdf/pdfpageexport.action?pageId={page}"),
            Body::None,
            ViewPage,
        ),
        row(
            M::GET,
            "/exportword",
            format!("/exportword?pageId={page}"),
            Body::None,
            ViewPage,
        ),
        row(
            M::GET,
            "/rest/cairn/1/export/markdown/{id}",
            format!("/rest/cairn/1/export/markdown/{page}"),
            Body::None,
            ViewPage,
        ),
        row(
            M::POST,
            "/rpc/json-rpc/confluenceservice-v2",
            "/rpc/json-rpc/confluenceservice-v2".into(),
            Body::Json(json!({"jsonrpc": "2.0", "method": "getSpace", "params": ["SEC"], "id": 1})),
            SignedIn,
        ),
        // Users and groups.
        get("/rest/api/user/current", SignedIn),
        row(
            M::GET,
            "/rest/api/user",
            "/rest/api/user?username=viewer".into(),
            Body::None,
            SignedIn,
        ),
        get("/rest/api/user/anonymous", Public),
        get("/rest/api/group", SignedIn),
        row(
            M::GET,
            "/rest/api/group/{name}/member",
            "/rest/api/group/confluence-users/member".into(),
            Body::None,
            SignedIn,
        ),
        row(
            M::POST,
            "/rest/api/group/{name}/member",
            "/rest/api/group/team/member".into(),
            Body::Json(json!({"type": "user", "name": "viewer"})),
            AdministerSite,
        ),
        row(
            M::DELETE,
            "/rest/api/group/{name}/member/{username}",
            "/rest/api/group/team/member/viewer".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/user/{username}/group/{name}",
            "/rest/api/user/viewer/group/team".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::DELETE,
            "/rest/api/user/{username}/group/{name}",
            "/rest/api/user/viewer/group/team".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::POST,
            "/rest/api/admin/group",
            "/rest/api/admin/group".into(),
            Body::Json(json!({"name": "newgroup"})),
            AdministerSite,
        ),
        row(
            M::DELETE,
            "/rest/api/admin/group/{name}",
            "/rest/api/admin/group/team".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::POST,
            "/rest/api/admin/user",
            "/rest/api/admin/user".into(),
            Body::Json(json!({"userName": "newcomer", "fullName": "New Comer",
                "email": "newcomer@example.test", "password": "newcomer-password"})),
            AdministerSite,
        ),
        row(
            M::POST,
            "/rest/api/admin/user/{username}/password",
            "/rest/api/admin/user/viewer/password".into(),
            Body::Json(json!({"password": "another-password"})),
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/admin/user/{username}/disable",
            "/rest/api/admin/user/viewer/disable".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/admin/user/{username}/enable",
            "/rest/api/admin/user/viewer/enable".into(),
            Body::None,
            AdministerSite,
        ),
        // The old password is wrong on purpose: the shape test sends this as the administrator.
        row(
            M::POST,
            "/rest/api/user/current/password",
            "/rest/api/user/current/password".into(),
            Body::Json(
                json!({"oldPassword": "not-the-password", "newPassword": "whatever-password"}),
            ),
            SignedIn,
        ),
        get("/rest/api/accessmode", Public),
        get("/rest/api/permissions", AdministerSite),
        get("/rest/api/permissions/anonymous", AdministerSite),
        row(
            M::GET,
            "/rest/api/permissions/group/{name}",
            "/rest/api/permissions/group/team".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::GET,
            "/rest/api/permissions/user/{username}",
            "/rest/api/permissions/user/viewer".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/permissions/anonymous/grant",
            "/rest/api/permissions/anonymous/grant".into(),
            Body::Json(json!([{"operationKey": "use", "targetType": "application"}])),
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/permissions/anonymous/revoke",
            "/rest/api/permissions/anonymous/revoke".into(),
            Body::Json(json!([{"operationKey": "use", "targetType": "application"}])),
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/permissions/group/{name}/grant",
            "/rest/api/permissions/group/team/grant".into(),
            Body::Json(json!([{"operationKey": "use", "targetType": "application"}])),
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/permissions/group/{name}/revoke",
            "/rest/api/permissions/group/team/revoke".into(),
            Body::Json(json!([{"operationKey": "use", "targetType": "application"}])),
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/permissions/user/{username}/grant",
            "/rest/api/permissions/user/viewer/grant".into(),
            Body::Json(json!([{"operationKey": "use", "targetType": "application"}])),
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/api/permissions/user/{username}/revoke",
            "/rest/api/permissions/user/viewer/revoke".into(),
            Body::Json(json!([{"operationKey": "use", "targetType": "application"}])),
            AdministerSite,
        ),
        row(
            M::GET,
            "/rest/cairn/1/editor/users",
            "/rest/cairn/1/editor/users?query=view".into(),
            Body::None,
            SignedIn,
        ),
        row(
            M::POST,
            "/rest/cairn/1/editor/paste",
            "/rest/cairn/1/editor/paste".into(),
            Body::Json(json!({"format": "markdown", "value": "# Pasted"})),
            SignedIn,
        ),
        get("/rest/cairn/1/configuration", AdministerSite),
        row(
            M::PUT,
            "/rest/cairn/1/configuration",
            "/rest/cairn/1/configuration".into(),
            Body::Json(json!({"siteTitle": "Matrix wiki"})),
            AdministerSite,
        ),
        get("/rest/api/audit", AdministerSite),
        get("/rest/api/audit/export", AdministerSite),
        get("/rest/api/audit/retention", AdministerSite),
        row(
            M::PUT,
            "/rest/api/audit/retention",
            "/rest/api/audit/retention".into(),
            Body::Json(json!({"number": 5, "units": "YEARS"})),
            AdministerSite,
        ),
        // Watches: whoever can see a thing may watch it.
        get("/rest/api/user/watch/content/{id}", ViewPage),
        row(
            M::POST,
            "/rest/api/user/watch/content/{id}",
            at("/rest/api/user/watch/content/{id}"),
            Body::None,
            ViewPage,
        ),
        row(
            M::DELETE,
            "/rest/api/user/watch/content/{id}",
            at("/rest/api/user/watch/content/{id}"),
            Body::None,
            ViewPage,
        ),
        get("/rest/api/user/watch/space/{key}", ViewSpace),
        row(
            M::POST,
            "/rest/api/user/watch/space/{key}",
            at("/rest/api/user/watch/space/{key}"),
            Body::None,
            ViewSpace,
        ),
        row(
            M::DELETE,
            "/rest/api/user/watch/space/{key}",
            at("/rest/api/user/watch/space/{key}"),
            Body::None,
            ViewSpace,
        ),
        row(
            M::GET,
            "/rest/api/user/watch/label/{name}",
            "/rest/api/user/watch/label/tag".into(),
            Body::None,
            SignedIn,
        ),
        row(
            M::POST,
            "/rest/api/user/watch/label/{name}",
            "/rest/api/user/watch/label/tag".into(),
            Body::None,
            SignedIn,
        ),
        row(
            M::DELETE,
            "/rest/api/user/watch/label/{name}",
            "/rest/api/user/watch/label/tag".into(),
            Body::None,
            SignedIn,
        ),
        // Personal access tokens: everyone has their own.
        get("/rest/pat/latest/tokens", SignedIn),
        row(
            M::POST,
            "/rest/pat/latest/tokens",
            "/rest/pat/latest/tokens".into(),
            Body::Json(json!({"name": "matrix"})),
            SignedIn,
        ),
        row(
            M::DELETE,
            "/rest/pat/latest/tokens/{id}",
            format!("/rest/pat/latest/tokens/{}", fixture.token),
            Body::None,
            SiteAdministratorsOwn,
        ),
        // The UI.
        get("/", SignedIn),
        get("/dashboard.action", SignedIn),
        get("/login.action", Public),
        row(
            M::POST,
            "/login.action",
            "/login.action".into(),
            Body::Form(vec![
                ("os_username", "nobody".into()),
                ("os_password", "x".into()),
            ]),
            Public,
        ),
        row(
            M::POST,
            "/logout.action",
            "/logout.action".into(),
            Body::None,
            Public,
        ),
        get("/spaces/createspace.action", SignedIn),
        row(
            M::POST,
            "/spaces/createspace.action",
            "/spaces/createspace.action".into(),
            Body::Form(vec![("key", "UINEW".into()), ("name", "UI new".into())]),
            SignedIn,
        ),
        get("/display/{key}", ViewSpace),
        row(
            M::GET,
            "/display/{key}/{*rest}",
            "/display/SEC/Restricted+page".into(),
            Body::None,
            ViewPage,
        ),
        row(
            M::GET,
            "/pages/viewpage.action",
            format!("/pages/viewpage.action?pageId={page}"),
            Body::None,
            ViewPage,
        ),
        row(
            M::GET,
            "/pages/createpage.action",
            "/pages/createpage.action?spaceKey=SEC".into(),
            Body::None,
            AddToSpace,
        ),
        row(
            M::POST,
            "/pages/createpage.action",
            "/pages/createpage.action".into(),
            Body::Form(create_form.clone()),
            AddToSpace,
        ),
        row(
            M::GET,
            "/pages/createblogpost.action",
            "/pages/createblogpost.action?spaceKey=SEC".into(),
            Body::None,
            AddToSpace,
        ),
        row(
            M::POST,
            "/pages/createblogpost.action",
            "/pages/createblogpost.action".into(),
            Body::Form([create_form, vec![("type", "blogpost".into())]].concat()),
            AddToSpace,
        ),
        row(
            M::GET,
            "/pages/editpage.action",
            format!("/pages/editpage.action?pageId={page}"),
            Body::None,
            EditPage,
        ),
        row(
            M::POST,
            "/pages/editpage.action",
            format!("/pages/editpage.action?pageId={page}"),
            Body::Form(edit_form.clone()),
            EditPage,
        ),
        row(
            M::POST,
            "/pages/savedraft.action",
            "/pages/savedraft.action".into(),
            Body::Form(edit_form.clone()),
            EditPage,
        ),
        row(
            M::POST,
            "/pages/discarddraft.action",
            "/pages/discarddraft.action".into(),
            Body::Form(vec![("pageId", page.to_string())]),
            EditPage,
        ),
        row(
            M::POST,
            "/pages/resolveconflict.action",
            "/pages/resolveconflict.action".into(),
            Body::Form(vec![
                ("pageId", page.to_string()),
                ("baseVersion", "1".to_string()),
                ("theirVersion", "2".to_string()),
                ("mine", "<p>mine</p>".to_string()),
                ("title", "Restricted page".to_string()),
            ]),
            EditPage,
        ),
        row(
            M::GET,
            "/users/viewuserprofile.action",
            "/users/viewuserprofile.action?username=admin".into(),
            Body::None,
            SignedIn,
        ),
        row(
            M::GET,
            "/pages/resumedraft.action",
            format!("/pages/resumedraft.action?draftId={}", fixture.draft),
            Body::None,
            SiteAdministratorsOwn,
        ),
        row(
            M::GET,
            "/pages/viewpreviousversions.action",
            format!("/pages/viewpreviousversions.action?pageId={page}"),
            Body::None,
            ViewPage,
        ),
        row(
            M::GET,
            "/pages/revertpagebacktoversion.action",
            format!("/pages/revertpagebacktoversion.action?pageId={page}&version=1"),
            Body::None,
            EditPage,
        ),
        row(
            M::POST,
            "/pages/revertpagebacktoversion.action",
            format!("/pages/revertpagebacktoversion.action?pageId={page}&version=1"),
            Body::None,
            EditPage,
        ),
        row(
            M::GET,
            "/pages/diffpagesbyversion.action",
            format!("/pages/diffpagesbyversion.action?pageId={page}&selectedPageVersions=1"),
            Body::None,
            ViewPage,
        ),
        row(
            M::GET,
            "/pages/movepagedialog.action",
            format!("/pages/movepagedialog.action?pageId={page}"),
            Body::None,
            EditPage,
        ),
        row(
            M::POST,
            "/pages/movepagedialog.action",
            format!("/pages/movepagedialog.action?pageId={page}&spaceKey=SEC"),
            Body::Form(vec![("parentId", String::new())]),
            EditPage,
        ),
        row(
            M::GET,
            "/pages/copypage.action",
            format!("/pages/copypage.action?idOfPageToCopy={page}"),
            Body::None,
            ViewPage,
        ),
        row(
            M::POST,
            "/pages/copypage.action",
            format!("/pages/copypage.action?idOfPageToCopy={page}&spaceKey=SEC"),
            Body::Form(vec![
                ("title", "A copy".into()),
                ("parentId", String::new()),
            ]),
            EditPage,
        ),
        row(
            M::GET,
            "/pages/removepage.action",
            format!("/pages/removepage.action?pageId={page}"),
            Body::None,
            DeletePage,
        ),
        row(
            M::POST,
            "/pages/removepage.action",
            format!("/pages/removepage.action?pageId={page}"),
            Body::None,
            DeletePage,
        ),
        row(
            M::POST,
            "/pages/doaddcomment.action",
            format!("/pages/doaddcomment.action?pageId={page}"),
            Body::Form(vec![("comment", "hello".into())]),
            ContributeToPage,
        ),
        row(
            M::POST,
            "/labels/addlabel.action",
            format!("/labels/addlabel.action?pageId={page}"),
            Body::Form(vec![("labels", "uilabel".into())]),
            EditPage,
        ),
        row(
            M::POST,
            "/labels/removelabel.action",
            format!("/labels/removelabel.action?pageId={page}&name=tag"),
            Body::None,
            EditPage,
        ),
        row(
            M::POST,
            "/pages/doattachfile.action",
            format!("/pages/doattachfile.action?pageId={page}"),
            Body::File,
            ContributeToPage,
        ),
        row(
            M::GET,
            "/pages/restrictions.action",
            format!("/pages/restrictions.action?pageId={page}"),
            Body::None,
            ViewPage,
        ),
        row(
            M::POST,
            "/pages/restrictions.action",
            format!("/pages/restrictions.action?pageId={page}"),
            Body::Form(vec![("read", "admin".into()), ("update", String::new())]),
            EditPage,
        ),
        row(
            M::GET,
            "/spaces/spacepermissions.action",
            "/spaces/spacepermissions.action?key=SEC".into(),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::POST,
            "/spaces/spacepermissions.action",
            "/spaces/spacepermissions.action?key=SEC".into(),
            Body::Form(vec![
                ("permission", "VIEWSPACE".into()),
                ("subjectType", "user".into()),
                ("subjectName", "outsider".into()),
            ]),
            AdministerSpace,
        ),
        row(
            M::GET,
            "/pages/viewtrash.action",
            "/pages/viewtrash.action?spaceKey=SEC".into(),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::POST,
            "/pages/restoretrashitem.action",
            format!("/pages/restoretrashitem.action?pageId={}", fixture.trashed),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::POST,
            "/pages/purgetrashitem.action",
            format!("/pages/purgetrashitem.action?pageId={}", fixture.trashed),
            Body::None,
            AdministerSpace,
        ),
        get("/plugins/personalaccesstokens/usertokens.action", SignedIn),
        row(
            M::POST,
            "/plugins/personalaccesstokens/usertokens.action",
            "/plugins/personalaccesstokens/usertokens.action".into(),
            Body::Form(vec![("action", "create".into()), ("name", "ui".into())]),
            SignedIn,
        ),
        row(
            M::GET,
            "/dosearchsite.action",
            "/dosearchsite.action?queryString=Restricted".into(),
            Body::None,
            SignedIn,
        ),
        get("/admin/cluster.action", AdministerSite),
        get("/admin/accessmode.action", AdministerSite),
        get("/admin/auditlog.action", AdministerSite),
        get("/admin/importspace.action", AdministerSite),
        row(
            M::POST,
            "/admin/importspace.action",
            "/admin/importspace.action".into(),
            Body::File,
            AdministerSite,
        ),
        row(
            M::POST,
            "/rest/cairn/1/import/confluence",
            "/rest/cairn/1/import/confluence".into(),
            Body::File,
            AdministerSite,
        ),
        row(
            M::POST,
            "/rest/cairn/1/export/confluence/{key}",
            "/rest/cairn/1/export/confluence/SEC".into(),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::GET,
            "/rest/cairn/1/export/confluence/{key}/{task}",
            format!("/rest/cairn/1/export/confluence/SEC/{}", fixture.export),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::GET,
            "/spaces/exportspacexml.action",
            "/spaces/exportspacexml.action?key=SEC".into(),
            Body::None,
            AdministerSpace,
        ),
        // Exports as documents need EXPORTSPACE, which in SEC only the space administrator (and
        // the site administrator, its creator) holds: the same callers as administering it.
        row(
            M::POST,
            "/rest/cairn/1/export/html/{key}",
            "/rest/cairn/1/export/html/SEC".into(),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::GET,
            "/rest/cairn/1/export/html/{key}/{task}",
            format!("/rest/cairn/1/export/html/SEC/{}", fixture.site_export),
            Body::None,
            SiteAdministratorsOwn,
        ),
        row(
            M::GET,
            "/rest/cairn/1/export/pdf/{key}",
            "/rest/cairn/1/export/pdf/SEC".into(),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::GET,
            "/spaces/exportspacehtml.action",
            "/spaces/exportspacehtml.action?key=SEC".into(),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::POST,
            "/spaces/exportspacehtml.action",
            "/spaces/exportspacehtml.action?key=SEC".into(),
            Body::Form(vec![]),
            AdministerSpace,
        ),
        row(
            M::GET,
            "/spaces/flyingpdf/flyingpdf.action",
            "/spaces/flyingpdf/flyingpdf.action?key=SEC".into(),
            Body::None,
            AdministerSpace,
        ),
        row(
            M::POST,
            "/spaces/exportspacexml.action",
            "/spaces/exportspacexml.action?key=SEC".into(),
            Body::Form(vec![]),
            AdministerSpace,
        ),
        get("/users/editmyprofile.action", SignedIn),
        row(
            M::POST,
            "/users/editmyprofile.action",
            "/users/editmyprofile.action".into(),
            Body::Form(vec![
                ("action", "details".into()),
                ("fullName", "Matrix Person".into()),
                ("email", "".into()),
            ]),
            SignedIn,
        ),
        row(
            M::GET,
            "/admin/users/edituser.action",
            "/admin/users/edituser.action?username=viewer".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::POST,
            "/admin/users/edituser.action",
            "/admin/users/edituser.action?username=viewer".into(),
            Body::Form(vec![
                ("action", "details".into()),
                ("fullName", "Viewer Person".into()),
                ("email", "".into()),
            ]),
            AdministerSite,
        ),
        get("/admin/viewgeneralconfig.action", AdministerSite),
        row(
            M::POST,
            "/admin/viewgeneralconfig.action",
            "/admin/viewgeneralconfig.action".into(),
            Body::Form(vec![("siteTitle", "Matrix wiki".into())]),
            AdministerSite,
        ),
        get(
            "/admin/permissions/globalpermissions.action",
            AdministerSite,
        ),
        row(
            M::POST,
            "/admin/permissions/globalpermissions.action",
            "/admin/permissions/globalpermissions.action".into(),
            Body::Form(vec![
                ("action", "add".into()),
                ("kind", "group".into()),
                ("name", "team".into()),
                ("permission", "CREATESPACE".into()),
            ]),
            AdministerSite,
        ),
        row(
            M::POST,
            "/admin/accessmode.action",
            "/admin/accessmode.action".into(),
            Body::Form(vec![("mode", "READ_WRITE".into())]),
            AdministerSite,
        ),
        row(
            M::PUT,
            "/rest/cairn/1/accessmode",
            "/rest/cairn/1/accessmode".into(),
            Body::Json(json!({"mode": "READ_WRITE"})),
            AdministerSite,
        ),
        get("/admin/users/browseusers.action", AdministerSite),
        get("/admin/users/browsegroups.action", AdministerSite),
        row(
            M::POST,
            "/admin/users/browsegroups.action",
            "/admin/users/browsegroups.action".into(),
            Body::Form(vec![
                ("action", "create".into()),
                ("name", "uigroup".into()),
            ]),
            AdministerSite,
        ),
        row(
            M::GET,
            "/admin/users/viewmembersofgroup.action",
            "/admin/users/viewmembersofgroup.action?membersOfGroupTerm=team".into(),
            Body::None,
            AdministerSite,
        ),
        row(
            M::POST,
            "/admin/users/viewmembersofgroup.action",
            "/admin/users/viewmembersofgroup.action?membersOfGroupTerm=team".into(),
            Body::Form(vec![
                ("action", "add".into()),
                ("username", "viewer".into()),
            ]),
            AdministerSite,
        ),
        row(
            M::POST,
            "/admin/users/browseusers.action",
            "/admin/users/browseusers.action".into(),
            Body::Form(vec![
                ("action", "deactivate".into()),
                ("username", "viewer".into()),
            ]),
            AdministerSite,
        ),
        row(M::GET, "/x/{code}", "/x/AAAB".into(), Body::None, Public),
        row(
            M::GET,
            "/spaces/{key}/pages/{id}",
            at("/spaces/{key}/pages/{id}"),
            Body::None,
            Public,
        ),
        row(
            M::GET,
            "/spaces/{key}/pages/{id}/{*title}",
            at("/spaces/{key}/pages/{id}/Restricted+page"),
            Body::None,
            Public,
        ),
        get("/static/cairn.css", Public),
        get("/static/cairn.js", Public),
        get("/assets/editor/editor.js", Public),
        get("/assets/editor/editor.css", Public),
        get("/images/icons/profilepics/default.svg", Public),
        get("/favicon.ico", Public),
        get("/static/favicon.svg", Public),
    ]
}

pub(crate) fn client_for(caller: Caller) -> reqwest::Client {
    cairn_blob::install_ring_as_tls_provider();
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(username) = caller.username() {
        let password = if caller == Caller::SiteAdmin {
            ADMIN_PASSWORD
        } else {
            PASSWORD
        };
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Basic {credentials}").parse().expect("header"),
        );
    }
    headers.insert("X-Atlassian-Token", "nocheck".parse().expect("header"));
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub(crate) async fn fixture(app: &TestApp) -> Fixture {
    let admin = app.admin();
    for name in ["outsider", "viewer", "editor", "spaceadmin", "excluded"] {
        app.create_user(name, PASSWORD).await;
    }
    let (status, space) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("SEC")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{space}");
    let store = &app.store;
    let sec = store
        .find_space_by_key(&SpaceKey::from_stored("SEC"))
        .await
        .expect("read")
        .expect("space");
    let users = store
        .group_id_by_name(cairn_core::USERS_GROUP)
        .await
        .expect("read")
        .expect("group");
    for permission in SpacePermission::DEFAULT_FOR_USERS {
        store
            .revoke_space_permission(sec.id, permission, Subject::Group(users))
            .await
            .expect("revoke");
    }
    let editing = [
        SpacePermission::ViewSpace,
        SpacePermission::EditSpace,
        SpacePermission::EditBlog,
        SpacePermission::Comment,
        SpacePermission::CreateAttachment,
        SpacePermission::RemoveOwnContent,
    ];
    let grants: [(&str, &[SpacePermission]); 4] = [
        ("viewer", &[SpacePermission::ViewSpace]),
        ("editor", &editing),
        ("excluded", &editing),
        ("spaceadmin", &SpacePermission::ALL),
    ];
    for (username, permissions) in grants {
        let user = store
            .find_user_by_username(username)
            .await
            .expect("read")
            .expect("user");
        for permission in permissions {
            store
                .grant_space_permission(sec.id, *permission, Subject::User(user.id))
                .await
                .expect("grant");
        }
    }
    let (status, page) = call(admin.post(app.url("/rest/api/content")).json(&new_page(
        "SEC",
        "Restricted page",
        None,
    )))
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let page = page["id"].as_str().expect("id").to_string();
    let (status, updated) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{page}")))
            .json(
                &json!({"type": "page", "title": "Restricted page", "version": {"number": 2},
            "body": {"storage": {"value": "<p>second</p>", "representation": "storage"}}}),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let (status, _) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{page}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {"user": [
            {"type": "known", "username": "admin"}, {"type": "known", "username": "viewer"},
            {"type": "known", "username": "editor"}, {"type": "known", "username": "spaceadmin"}],
            "group": []}}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    call(
        admin
            .post(app.url(&format!("/rest/api/content/{page}/label")))
            .json(&json!({"name": "tag"})),
    )
    .await;
    call(
        admin
            .post(app.url(&format!("/rest/api/content/{page}/property")))
            .json(&json!({"key": "prop", "value": {"a": 1}})),
    )
    .await;
    let (status, files) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{page}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(reqwest::multipart::Form::new().part("file", file_part())),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{files}");
    let attachment = files["results"][0]["id"].as_str().expect("id").to_string();
    let (status, group) = call(
        admin
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "team"})),
    )
    .await;
    assert!(status.is_success(), "{group}");
    let (status, token) = call(
        admin
            .post(app.url("/rest/pat/latest/tokens"))
            .json(&json!({"name": "admin's"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let (_, trashed) = call(admin.post(app.url("/rest/api/content")).json(&new_page(
        "SEC",
        "In the trash",
        None,
    )))
    .await;
    let trashed = trashed["id"].as_str().expect("id").to_string();
    let status = admin
        .delete(app.url(&format!("/rest/api/content/{trashed}")))
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    // An unpublished new page of the administrator's.
    let mut draft_page = new_page("SEC", "Draft of mine", None);
    draft_page["status"] = json!("draft");
    let (status, draft) = call(admin.post(app.url("/rest/api/content")).json(&draft_page)).await;
    assert!(status.is_success(), "{draft}");
    let draft = draft["id"].as_str().expect("id").to_string();
    // A long task of the administrator's: deleting a space of their own.
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("GONE")),
    )
    .await;
    let deleted = admin
        .delete(app.url("/rest/api/space/GONE"))
        .send()
        .await
        .expect("sent");
    let task: Value = deleted.json().await.expect("task");
    // A finished export of SEC, and a finished static-site export.
    let mut exports = Vec::new();
    for kind in ["confluence", "html"] {
        let (status, started) =
            call(admin.post(app.url(&format!("/rest/cairn/1/export/{kind}/SEC")))).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        let export = started["id"].as_str().expect("task id").to_string();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let (_, progress) =
                call(admin.get(app.url(&format!("/rest/api/longtask/{export}")))).await;
            if progress["finished"] == true {
                assert_eq!(progress["successful"], true, "{progress}");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the export finishes: {progress}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        exports.push(export);
    }
    let site_export = exports.pop().expect("site export");
    let export = exports.pop().expect("export");
    Fixture {
        page,
        trashed,
        draft,
        attachment,
        token: token["id"].to_string(),
        task: task["id"].as_str().expect("task id").to_string(),
        export,
        site_export,
    }
}

pub(crate) fn file_part() -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(b"matrix bytes".to_vec())
        .file_name("file.txt")
        .mime_str("text/plain")
        .expect("media type")
}

/// The methods the router serves at `url`, from the `Allow` header of its 405.
pub(crate) async fn served_methods(app: &TestApp, url: &str) -> BTreeSet<String> {
    let probe = client_for(Caller::SiteAdmin)
        .request(
            Method::from_bytes(b"PROPFIND").expect("method"),
            app.url(url),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(probe.status(), StatusCode::METHOD_NOT_ALLOWED, "{url}");
    probe
        .headers()
        .get("allow")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .split(',')
        .map(|method| method.trim().to_string())
        .filter(|method| !method.is_empty() && method != "HEAD")
        .collect()
}

async fn every_route_answers_every_caller_as_the_matrix_says(db: TestDb) {
    let app = TestApp::start(db).await;
    let fixture = fixture(&app).await;
    let rows = rows(&fixture);

    // The matrix names exactly the routes and methods the router serves.
    let mut named: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for row in &rows {
        named
            .entry(row.template)
            .or_default()
            .insert(row.method.to_string());
    }
    let served_paths: BTreeSet<&str> = cairn_web::routes::route_paths().into_iter().collect();
    let named_paths: BTreeSet<&str> = named.keys().copied().collect();
    let unnamed: Vec<_> = served_paths.difference(&named_paths).collect();
    assert!(
        unnamed.is_empty(),
        "routes missing from the matrix: {unnamed:?}"
    );
    let stale: Vec<_> = named_paths.difference(&served_paths).collect();
    assert!(
        stale.is_empty(),
        "the matrix names routes the router lacks: {stale:?}"
    );
    for row in &rows {
        let path_only = row.url.split('?').next().expect("path").to_string();
        let served = served_methods(&app, &path_only).await;
        assert_eq!(
            served, named[row.template],
            "methods of {} (probed at {path_only})",
            row.template
        );
    }

    let clients: Vec<(Caller, reqwest::Client)> = CALLERS
        .iter()
        .map(|caller| (*caller, client_for(*caller)))
        .collect();
    let mut mismatches = Vec::new();
    let mut sent = 0;
    for row in &rows {
        let is_ui =
            !row.template.starts_with("/rest/") && !API_OUTSIDE_REST.contains(&row.template);
        for (caller, client) in &clients {
            let expectation = expected(row.rule, *caller, is_ui);
            let is_read = row.method == Method::GET;
            if expectation == Expected::Allowed && !is_read {
                continue;
            }
            let mut request = client.request(row.method.clone(), app.url(&row.url));
            request = match &row.body {
                Body::None => request,
                Body::Json(value) => request.json(value),
                Body::Form(pairs) => request.form(pairs),
                Body::File => {
                    request.multipart(reqwest::multipart::Form::new().part("file", file_part()))
                }
            };
            let response = request.send().await.expect("sent");
            sent += 1;
            let status = response.status();
            let location = response
                .headers()
                .get("location")
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
                .to_string();
            let to_login = status.is_redirection() && location.starts_with("/login.action");
            let matches = match expectation {
                Expected::Allowed => (status.is_success() || status.is_redirection()) && !to_login,
                Expected::Refused(wanted) => status == wanted,
                Expected::LoginRedirect => to_login,
            };
            if !matches {
                mismatches.push(format!(
                    "{} {} as {caller:?}: expected {expectation:?}, got {status} {location}",
                    row.method, row.url
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {sent} cells differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // The restricted page is still what it was: no refused write changed it.
    let (status, page) = call(app.admin().get(app.url(&format!(
        "/rest/api/content/{}?expand=version,body.storage",
        fixture.page
    ))))
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["version"]["number"], 2);
    assert_eq!(page["body"]["storage"]["value"], "<p>second</p>");
}
