//! What the renderer needs from the rest of Cairn, asked through [`RenderContext`].
//!
//! The format crate knows nothing of storage, permissions or routes. The caller implements this
//! trait over its page tree, attachments and users; every method has a default that renders a
//! sensible fallback, and [`NoContext`] uses only the defaults.

use crate::resource::{AttachmentOwner, PageTarget, UserTarget};

/// How to show a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserDisplay {
    pub display_name: String,
    /// The user's profile page, if there is one to link to.
    pub profile_url: Option<String>,
}

/// A child page for the `children` macro, with its own children when a depth was asked for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildPage {
    pub title: String,
    pub url: String,
    pub children: Vec<ChildPage>,
}

/// An attachment for the `attachments` macro.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentListing {
    pub filename: String,
    pub url: String,
    pub size_bytes: Option<u64>,
    pub comment: Option<String>,
}

/// Percent-encodes a path segment the way Confluence builds `/display/KEY/Page+Title`.
pub fn encode_path_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len() + 8);
    for byte in segment.bytes() {
        match byte {
            b' ' => encoded.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(byte as char)
            }
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                encoded.push('%');
                encoded.push(HEX[usize::from(byte >> 4)] as char);
                encoded.push(HEX[usize::from(byte & 0xF)] as char);
            }
        }
    }
    encoded
}

/// Data the renderer needs from outside the document. URLs returned here are still checked
/// against the URL allow-list before they are written.
pub trait RenderContext {
    /// Space of the page being rendered: the default for references without a space key.
    fn current_space_key(&self) -> Option<&str> {
        None
    }

    /// The page being rendered, used to stop `include` cycles at their first step.
    fn current_page(&self) -> Option<PageTarget> {
        None
    }

    /// URL of a page. The default builds Confluence's `/display/KEY/Title` when the space is known.
    fn page_url(&self, page: &PageTarget) -> Option<String> {
        let space_key = page.space_key.as_deref().or(self.current_space_key())?;
        Some(format!(
            "/display/{}/{}",
            encode_path_segment(space_key),
            encode_path_segment(&page.title)
        ))
    }

    /// URL of a blog post. The default builds `/display/KEY/YYYY/MM/DD/Title`.
    fn blog_post_url(
        &self,
        space_key: Option<&str>,
        title: &str,
        posting_day: Option<&str>,
    ) -> Option<String> {
        let space_key = space_key.or(self.current_space_key())?;
        let day = posting_day.filter(|day| day.bytes().all(|b| b.is_ascii_digit() || b == b'/'))?;
        Some(format!(
            "/display/{}/{}/{}",
            encode_path_segment(space_key),
            day,
            encode_path_segment(title)
        ))
    }

    /// Download URL of an attachment; `owner` is `None` for the current page. No default: the
    /// format crate cannot know page ids.
    fn attachment_url(&self, owner: Option<&AttachmentOwner>, filename: &str) -> Option<String> {
        let _ = (owner, filename);
        None
    }

    /// Display name and profile link of a user.
    fn user(&self, user: &UserTarget) -> Option<UserDisplay> {
        match user {
            UserTarget::Username(username) => Some(UserDisplay {
                display_name: username.clone(),
                profile_url: Some(format!("/display/~{}", encode_path_segment(username))),
            }),
            UserTarget::Key(_) | UserTarget::AccountId(_) => None,
        }
    }

    /// URL of a space's home. The default is `/display/KEY`.
    fn space_url(&self, space_key: &str) -> Option<String> {
        Some(format!("/display/{}", encode_path_segment(space_key)))
    }

    /// URL of content known only by id. The default is Confluence's `viewpage.action`.
    fn content_url(&self, content_id: &str) -> Option<String> {
        content_id
            .bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| format!("/pages/viewpage.action?pageId={content_id}"))
    }

    /// URL of a shortcut link (`ri:shortcut`), from the instance's shortcut configuration.
    fn shortcut_url(&self, key: &str, parameter: &str) -> Option<String> {
        let _ = (key, parameter);
        None
    }

    /// URL of a Jira issue on the given application link.
    fn jira_issue_url(&self, server: Option<&str>, issue_key: &str) -> Option<String> {
        let _ = (server, issue_key);
        None
    }

    /// Children of a page (`None`: the current page), `depth` levels deep (`None`: all).
    fn children(&self, parent: Option<&PageTarget>, depth: Option<usize>) -> Vec<ChildPage> {
        let _ = (parent, depth);
        Vec::new()
    }

    /// Attachments of a page (`None`: the current page).
    fn attachments(&self, owner: Option<&PageTarget>) -> Vec<AttachmentListing> {
        let _ = owner;
        Vec::new()
    }

    /// Storage body of another page, for `include` and `excerpt-include`; `None` when it does not
    /// exist or the reader may not see it.
    fn page_storage(&self, page: &PageTarget) -> Option<String> {
        let _ = page;
        None
    }
}

/// A context that knows nothing: links to pages need a space key, attachments and
/// includes render as unresolved.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoContext;

impl RenderContext for NoContext {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_follow_confluence_display_paths() {
        let page = PageTarget {
            space_key: Some("DEV".into()),
            title: "Release notes / 2.0 & more".into(),
        };
        assert_eq!(
            NoContext.page_url(&page).as_deref(),
            Some("/display/DEV/Release+notes+%2F+2.0+%26+more")
        );
        let same_space = PageTarget {
            space_key: None,
            title: "Home".into(),
        };
        assert_eq!(NoContext.page_url(&same_space), None);
    }

    #[test]
    fn defaults_build_sensible_fallbacks() {
        assert_eq!(
            NoContext
                .blog_post_url(Some("K"), "News", Some("2024/01/31"))
                .as_deref(),
            Some("/display/K/2024/01/31/News")
        );
        assert_eq!(
            NoContext.content_url("123").as_deref(),
            Some("/pages/viewpage.action?pageId=123")
        );
        assert_eq!(NoContext.content_url("1;x"), None);
        assert_eq!(NoContext.space_url("OPS").as_deref(), Some("/display/OPS"));
        assert_eq!(
            NoContext
                .user(&UserTarget::Username("jo doe".into()))
                .and_then(|user| user.profile_url)
                .as_deref(),
            Some("/display/~jo+doe")
        );
        assert_eq!(NoContext.attachment_url(None, "a.png"), None);
        assert!(NoContext.children(None, Some(1)).is_empty());
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode_path_segment("a b/ü\"<"), "a+b%2F%C3%BC%22%3C");
    }
}
