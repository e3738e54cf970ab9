//! The General configuration screen (`/admin/viewgeneralconfig.action`, Confluence's path): the
//! site's title, its base URL, the attachment size limit and the REST rate limit. Site
//! administrators only; the work is `cairn_app::configuration`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::configuration::{self, ChangeConfiguration, Configuration};
use maud::{Markup, html};

use super::layout::{administration_sidebar, page};
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::request::parse_query;

const SCREEN: &str = "/admin/viewgeneralconfig.action";

fn screen(
    state: &AppState,
    user: &Principal,
    current: &Configuration,
    message: Option<(&str, bool)>,
) -> Markup {
    let started_limit_mb = state.node.settings.attachment_max_bytes / (1024 * 1024);
    let started_rate = state.settings.rate_limit_per_minute;
    page(
        "General configuration",
        user,
        Some(administration_sidebar("General configuration")),
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { "General configuration" }
                @if let Some((text, is_error)) = message {
                    @if is_error { p.notice.error role="alert" { (text) } }
                    @else { p.notice.ok role="status" { (text) } }
                }
                form.card method="post" action=(SCREEN) {
                    label for="siteTitle" { "Site title" }
                    input type="text" id="siteTitle" name="siteTitle" maxlength="100"
                        value=(current.site_title.clone().unwrap_or_default()) placeholder=(configuration::DEFAULT_TITLE);
                    p.muted { "Shown in the header and in every page's title." }
                    label for="baseUrl" { "Server base URL" }
                    input type="url" id="baseUrl" name="baseUrl"
                        value=(current.base_url.clone().unwrap_or_default())
                        placeholder=(state.settings.base_url.clone().unwrap_or_else(|| "taken from each request".to_string()));
                    p.muted { "The address people and API clients use (https://wiki.example.com): links in REST answers are built on it. Empty: the node's setting, else each request's own address." }
                    label for="timeZone" { "Time zone" }
                    input type="text" id="timeZone" name="timeZone" maxlength="64" spellcheck="false"
                        value=(current.time_zone.clone().unwrap_or_default()) placeholder="UTC";
                    p.muted { "The times people see (page history, comments, the audit log) are shown in it: an IANA name such as Europe/Berlin or America/New_York. Empty: UTC. REST answers stay in UTC, as Confluence's do." }
                    label for="attachmentMaxMb" { "Attachment size limit (MB)" }
                    input type="number" id="attachmentMaxMb" name="attachmentMaxMb" min="1" max=(configuration::MAX_ATTACHMENT_MB)
                        value=(current.attachment_max_mb.map(|mb| mb.to_string()).unwrap_or_default())
                        placeholder=(started_limit_mb);
                    p.muted { "Largest file one upload may add. Empty: " (started_limit_mb) " MB, as the node was started." }
                    label for="rateLimit" { "REST requests a minute per credential (0: no limit)" }
                    input type="number" id="rateLimit" name="rateLimit" min="0" max=(configuration::MAX_RATE_LIMIT)
                        value=(current.rate_limit_per_minute.map(|limit| limit.to_string()).unwrap_or_default())
                        placeholder=(started_rate);
                    p.muted { "Counted on each node. Empty: " (started_rate) ", as the node was started." }
                    p { button.button type="submit" { "Save" } }
                }
            }
        },
    )
}

pub async fn configuration_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "change the general configuration")?;
    let current = configuration::current(&state).await;
    Ok(screen(&state, &user, &current, None))
}

pub async fn change_configuration(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    super::require_site_administrator(&user, "change the general configuration")?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let field = |name: &str| form.get(name).map(str::to_string);
    let change = ChangeConfiguration {
        site_title: field("siteTitle"),
        base_url: field("baseUrl"),
        attachment_max_mb: field("attachmentMaxMb"),
        rate_limit_per_minute: field("rateLimit"),
        time_zone: field("timeZone"),
    };
    match configuration::change(&state, &user.as_caller(), change).await {
        Ok(now) => Ok(screen(&state, &user, &now, Some(("Saved.", false))).into_response()),
        Err(error) if error.code.kind() == cairn_app::FailureKind::Internal => Err(error.into()),
        Err(error) => {
            let current = configuration::current(&state).await;
            Ok((
                StatusCode::BAD_REQUEST,
                screen(&state, &user, &current, Some((&error.message, true))),
            )
                .into_response())
        }
    }
}
