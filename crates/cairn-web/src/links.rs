//! URLs Cairn hands out: web UI links as Confluence shapes them, tiny links, and the request's base.

use axum::http::HeaderMap;
use base64::Engine;
use cairn_core::{Attachment, Content, ContentId, ContentType, SpaceKey};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::AppState;
use crate::time_format::iso_from_ms;

/// Characters kept as-is in a path segment or query value.
const URL_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query value or path segment.
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, URL_SAFE).to_string()
}

/// A title as Confluence puts it in `/display/` URLs: spaces become `+`, the rest is percent-encoded.
pub fn title_segment(title: &str) -> String {
    title
        .split(' ')
        .map(encode_component)
        .collect::<Vec<_>>()
        .join("+")
}

/// `/display/KEY/Title` for pages, `/display/KEY/2024/01/31/Title` for blog posts.
pub fn webui_path(space_key: &SpaceKey, content: &Content) -> String {
    let key = encode_component(space_key.as_str());
    match content.content_type {
        ContentType::Page => format!("/display/{key}/{}", title_segment(&content.title)),
        // A comment's own link names its container; see `comment_webui_path`.
        ContentType::Comment => view_path(content.id),
        ContentType::BlogPost => {
            let day = &iso_from_ms(content.created_ms)[..10];
            format!(
                "/display/{key}/{}/{}",
                day.replace('-', "/"),
                title_segment(&content.title)
            )
        }
    }
}

/// Where a comment is shown: on its container's page, scrolled to the comment.
pub fn comment_webui_path(container: ContentId, comment: ContentId) -> String {
    format!(
        "/pages/viewpage.action?pageId={container}&focusedCommentId={comment}#comment-{comment}"
    )
}

/// `/pages/viewpage.action?pageId=N`: stable across renames.
pub fn view_path(id: ContentId) -> String {
    format!("/pages/viewpage.action?pageId={id}")
}

/// Confluence's tiny link: base64 of the id's little-endian bytes, trailing `=` and `A` removed,
/// `/` and `+` made URL-safe.
pub fn tiny_path(id: ContentId) -> String {
    let bytes = (id.0 as u64).to_le_bytes();
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let trimmed = encoded.trim_end_matches('=').trim_end_matches('A');
    format!("/x/{}", trimmed.replace('/', "-").replace('+', "_"))
}

/// Reverses [`tiny_path`]'s code (the part after `/x/`).
pub fn id_from_tiny(code: &str) -> Option<ContentId> {
    let mut standard = code.replace('-', "/").replace('_', "+");
    while standard.len() < 11 {
        standard.push('A');
    }
    standard.push('=');
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(standard)
        .ok()?;
    let array: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    let id = u64::from_le_bytes(array);
    i64::try_from(id).ok().filter(|id| *id > 0).map(ContentId)
}

/// The base URL for `_links.base`: the one set in the general configuration, else the node's
/// setting, else the request's scheme and host.
pub fn request_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(base) =
        crate::read_only::configured_base_url().or_else(|| state.settings.base_url.clone())
    {
        return base.trim_end_matches('/').to_string();
    }
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(axum::http::header::HOST))
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    format!("{}://{host}", request_scheme(headers))
}

/// `https` when a proxy says so, else `http`.
pub fn request_scheme(headers: &HeaderMap) -> &'static str {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok());
    match forwarded {
        Some(proto) if proto.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    }
}

/// `/download/attachments/{pageId}/{file}?version=N&modificationDate=…&api=v2`.
pub fn download_path(attachment: &Attachment) -> String {
    format!(
        "/download/attachments/{}/{}?version={}&modificationDate={}&api=v2",
        attachment.container_id,
        encode_component(&attachment.title),
        attachment.version,
        attachment.last_modified_ms
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_links_match_confluence() {
        assert_eq!(tiny_path(ContentId(3_604_482)), "/x/AgA3");
        assert_eq!(id_from_tiny("AgA3"), Some(ContentId(3_604_482)));
        for id in [65_536, 65_539, 98_765_432, 1 << 40] {
            let path = tiny_path(ContentId(id));
            assert_eq!(id_from_tiny(&path[3..]), Some(ContentId(id)), "{path}");
        }
    }

    #[test]
    fn titles_use_plus_for_spaces() {
        assert_eq!(title_segment("Root A"), "Root+A");
        assert_eq!(title_segment("a/b & c"), "a%2Fb+%26+c");
    }
}
