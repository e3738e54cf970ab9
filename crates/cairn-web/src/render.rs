//! Storage format to view HTML (through `cairn-format`, safe by construction), the well-formedness
//! check on writes, and conversion of other representations to storage.

use cairn_format::{ChildPage, PageTarget, RenderContext, UserDisplay, UserTarget};

use crate::people::{People, profile_path};

/// What the renderer knows about the page being shown. Attachment lists and includes fall back to
/// `cairn-format`'s defaults until those features exist.
struct PageContext<'a> {
    space_key: Option<&'a str>,
    title: Option<&'a str>,
    /// The page whose attachments `ri:attachment` without an owner refers to.
    page_id: Option<cairn_core::ContentId>,
    /// The page's children as the viewer sees them, gathered before rendering (`child_pages.rs`)
    /// when the body has a `children` macro.
    children: &'a [ChildPage],
    /// The people the body mentions, gathered before rendering (`people.rs`).
    people: &'a People,
}

/// `tree` cut below `depth` levels (`None`: all of it).
fn to_depth(tree: &[ChildPage], depth: Option<usize>) -> Vec<ChildPage> {
    tree.iter()
        .map(|child| ChildPage {
            children: match depth {
                Some(1) => Vec::new(),
                Some(depth) => to_depth(&child.children, Some(depth - 1)),
                None => to_depth(&child.children, None),
            },
            ..child.clone()
        })
        .collect()
}

/// Whether a body lists child pages (so rendering it needs them gathered first).
pub fn asks_for_children(storage: &str) -> bool {
    storage.contains("ac:name=\"children\"")
}

impl RenderContext for PageContext<'_> {
    fn current_space_key(&self) -> Option<&str> {
        self.space_key
    }

    fn children(&self, parent: Option<&PageTarget>, depth: Option<usize>) -> Vec<ChildPage> {
        // Only the page's own children are gathered; a macro naming another page lists nothing.
        let own = parent.is_none_or(|parent| {
            Some(parent.title.as_str()) == self.title
                && parent
                    .space_key
                    .as_deref()
                    .is_none_or(|key| Some(key) == self.space_key)
        });
        if own {
            to_depth(self.children, depth)
        } else {
            Vec::new()
        }
    }

    fn current_page(&self) -> Option<PageTarget> {
        self.title.map(|title| PageTarget {
            space_key: self.space_key.map(str::to_string),
            title: title.to_string(),
        })
    }
    fn user(&self, user: &UserTarget) -> Option<UserDisplay> {
        self.people.display(user).or_else(|| match user {
            UserTarget::Username(username) => Some(UserDisplay {
                display_name: username.clone(),
                profile_url: Some(profile_path(username)),
            }),
            UserTarget::Key(_) | UserTarget::AccountId(_) => None,
        })
    }

    fn attachment_url(
        &self,
        owner: Option<&cairn_format::AttachmentOwner>,
        filename: &str,
    ) -> Option<String> {
        match (owner, self.page_id) {
            (None, Some(page_id)) => Some(format!(
                "/download/attachments/{page_id}/{}",
                crate::links::encode_component(filename)
            )),
            _ => None,
        }
    }
}

/// Renders a storage-format body of a page in `space_key` as safe view HTML. A body that does not
/// parse (only possible for content written before the check existed) is shown as escaped text.
pub fn storage_to_view(storage: &str, space_key: Option<&str>, title: Option<&str>) -> String {
    storage_to_view_of_page(storage, space_key, title, None)
}

/// As [`storage_to_view`], resolving the page's own attachments (images, links) to download URLs.
pub fn storage_to_view_of_page(
    storage: &str,
    space_key: Option<&str>,
    title: Option<&str>,
    page_id: Option<cairn_core::ContentId>,
) -> String {
    storage_to_view_with_children(storage, space_key, title, page_id, &[], &People::default())
}

/// As [`storage_to_view_of_page`], with the page's children for its `children` macros and the
/// people it mentions.
pub fn storage_to_view_with_children(
    storage: &str,
    space_key: Option<&str>,
    title: Option<&str>,
    page_id: Option<cairn_core::ContentId>,
    children: &[ChildPage],
    people: &People,
) -> String {
    let context = PageContext {
        space_key,
        title,
        page_id,
        children,
        people,
    };
    match cairn_format::render_storage(storage, &context) {
        Ok(html) => html,
        Err(error) => {
            tracing::warn!(%error, "stored body does not parse; showing it as text");
            format!(
                "<pre class=\"cairn-storage\">{}</pre>",
                escape_html(storage)
            )
        }
    }
}

/// The editor's document (TipTap JSON) for a page's storage, with the page's context for what the
/// editor shows but does not save (user names, image URLs). Fails when the storage does not parse.
pub fn storage_to_editor_document(
    storage: &str,
    space_key: Option<&str>,
    title: Option<&str>,
    page_id: Option<cairn_core::ContentId>,
    people: &People,
) -> Result<String, cairn_format::FormatError> {
    let context = PageContext {
        space_key,
        title,
        page_id,
        children: &[],
        people,
    };
    let document = cairn_format::parse(storage)?;
    Ok(cairn_format::storage_to_editor_json(&document, &context))
}

/// A page's storage as Markdown, with the page's context for links and its attachments' URLs.
/// Fails when the storage does not parse.
pub fn storage_to_markdown_of_page(
    storage: &str,
    space_key: Option<&str>,
    title: Option<&str>,
    page_id: Option<cairn_core::ContentId>,
) -> Result<String, cairn_format::FormatError> {
    let people = People::default();
    let context = PageContext {
        space_key,
        title,
        page_id,
        children: &[],
        people: &people,
    };
    let document = cairn_format::parse(storage)?;
    Ok(cairn_format::storage_to_markdown(&document, &context))
}

/// Checks that a body is well-formed storage format; the error reads like Confluence's
/// (`Error parsing xhtml: … at line L, column C`).
pub fn check_storage(storage: &str) -> Result<(), String> {
    cairn_format::check_well_formed(storage).map_err(|error| error.to_string())
}

/// Converts Confluence wiki markup to storage format.
pub fn wiki_to_storage(wiki: &str) -> String {
    cairn_format::wiki_to_storage(wiki)
}

pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
