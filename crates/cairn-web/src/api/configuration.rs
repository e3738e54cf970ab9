//! Cairn's own `GET` and `PUT /rest/cairn/1/configuration` (site administrators): the general
//! configuration for scripts, as the General configuration screen shows and changes it.

use axum::body::Bytes;
use cairn_app::configuration::{self, ChangeConfiguration, Configuration};

use super::parse_json_body;
use super::request::{ConfigurationRequest, decode};
use super::view::ConfigurationView;
use crate::error::{ApiError, ApiJson};
use crate::request_context::ApiContext;

fn view(current: &Configuration) -> ConfigurationView {
    ConfigurationView {
        site_title: current.title().to_string(),
        base_url: current.base_url.clone(),
        attachment_max_mb: current.attachment_max_mb,
        rate_limit_per_minute: current.rate_limit_per_minute,
        time_zone: current.time_zone.clone(),
    }
}

/// `GET /rest/cairn/1/configuration`: what is set (`null` where the node's setting applies).
pub async fn get_configuration(
    ApiContext { state, caller, .. }: ApiContext,
) -> Result<ApiJson<ConfigurationView>, ApiError> {
    cairn_app::access::require_site_administrator(
        &caller.as_caller(),
        "read the general configuration",
    )?;
    let current = configuration::current(&state).await;
    Ok(ApiJson(view(&current)))
}

/// `PUT /rest/cairn/1/configuration` with any of `siteTitle`, `baseUrl`, `timeZone`,
/// `attachmentMaxMb`, `rateLimitPerMinute` (`""` clears one, back to the node's setting): the configuration now.
pub async fn set_configuration(
    ApiContext { state, caller, .. }: ApiContext,
    body: Bytes,
) -> Result<ApiJson<ConfigurationView>, ApiError> {
    let request: ConfigurationRequest = decode(&parse_json_body(&body)?, "a configuration")?;
    let change = ChangeConfiguration {
        site_title: request.site_title,
        base_url: request.base_url,
        attachment_max_mb: request.attachment_max_mb,
        rate_limit_per_minute: request.rate_limit_per_minute,
        time_zone: request.time_zone,
    };
    let now = configuration::change(&state, &caller.as_caller(), change).await?;
    Ok(ApiJson(view(&now)))
}
