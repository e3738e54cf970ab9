//! What other parts of Cairn read out of a page without rendering it: plain text for the search
//! index, headings for the table of contents, outgoing links for backlinks and renames, and a
//! short excerpt.

use std::collections::{HashMap, HashSet};

use crate::policy::{ElementPolicy, element_policy};
use crate::resource::Resource;
use crate::tree::{Document, NodeId, NodeKind, NodeRef};

/// A heading of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The heading's text with whitespace collapsed.
    pub text: String,
    /// The `id` the renderer gives the heading, unique within the page.
    pub anchor: String,
}

/// Elements whose content is metadata, never reader-visible text.
fn is_metadata_element(name: &str) -> bool {
    matches!(
        name,
        "ac:parameter"
            | "ac:default-parameter"
            | "ac:task-id"
            | "ac:task-uuid"
            | "ac:task-status"
            | "ac:placeholder"
    )
}

/// Whether a content element's subtree is never shown (scripts, styles, embedded objects).
fn is_hidden_element(node: NodeRef<'_>) -> bool {
    let name = node.name();
    if is_metadata_element(name) {
        return true;
    }
    if name.contains(':') {
        return false;
    }
    if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
        element_policy(&name.to_ascii_lowercase()) == ElementPolicy::Remove
    } else {
        element_policy(name) == ElementPolicy::Remove
    }
}

/// Elements after which extracted text starts a new line.
fn is_block_element(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "tr"
            | "td"
            | "th"
            | "pre"
            | "blockquote"
            | "br"
            | "hr"
            | "table"
            | "ul"
            | "ol"
            | "dt"
            | "dd"
            | "ac:structured-macro"
            | "ac:macro"
            | "ac:task"
            | "ac:layout-cell"
            | "ac:plain-text-body"
            | "ac:rich-text-body"
    )
}

/// Collapses runs of whitespace (no-break spaces included) to one space, keeping single line
/// breaks between blocks.
fn collapse_whitespace(text: &str) -> String {
    let mut collapsed = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut pending_newline = false;
    for c in text.chars() {
        if c == '\n' {
            pending_newline = true;
        } else if c.is_whitespace() {
            pending_space = true;
        } else {
            if !collapsed.is_empty() {
                if pending_newline {
                    collapsed.push('\n');
                } else if pending_space {
                    collapsed.push(' ');
                }
            }
            pending_space = false;
            pending_newline = false;
            collapsed.push(c);
        }
    }
    collapsed
}

/// Plain text of the page for search indexing: visible text, code bodies included, macro
/// parameters and metadata excluded; one line per block.
pub fn extract_text(document: &Document) -> String {
    let mut raw = String::with_capacity(document.source().len() / 2);
    for root in document.roots() {
        collect_text(root, &mut raw);
    }
    collapse_whitespace(&raw)
}

fn collect_text(node: NodeRef<'_>, out: &mut String) {
    match node.kind() {
        NodeKind::Text | NodeKind::CData => out.push_str(&node.text()),
        NodeKind::Element => {
            if is_hidden_element(node) {
                return;
            }
            let name = node.name();
            if name == "ac:link" && !node.children().any(|child| child.name().starts_with("ac:")) {
                out.push_str(&default_link_text(node));
            }
            for child in node.children() {
                collect_text(child, out);
            }
            if is_block_element(name) {
                out.push('\n');
            }
        }
        NodeKind::Comment | NodeKind::ProcessingInstruction => {}
    }
}

/// The text a link shows when it has no body of its own.
pub(crate) fn default_link_text(link: NodeRef<'_>) -> String {
    match Resource::first_child_of(link) {
        Some(Resource::Page(page)) => page.title,
        Some(Resource::BlogPost { title, .. }) => title,
        Some(Resource::Attachment { filename, .. }) => filename,
        Some(Resource::User(user)) => user.value().to_string(),
        Some(Resource::Space { space_key }) => space_key,
        Some(Resource::ContentEntity { content_id }) => content_id,
        Some(Resource::Url { value }) => value,
        Some(Resource::Shortcut { key, parameter }) => format!("{key}:{parameter}"),
        None => link
            .attribute("ac:anchor")
            .map(|anchor| anchor.into_owned())
            .unwrap_or_default(),
    }
}

/// Gives headings unique, readable anchors.
#[derive(Default)]
pub(crate) struct AnchorNamer {
    used: HashMap<String, usize>,
}

/// The anchor id for a heading text or an anchor name: lowercase letters and digits joined by
/// `-`. Links to anchors (`ac:anchor`) go through the same function, so they meet the ids.
pub(crate) fn anchor_slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("section");
    }
    slug
}

impl AnchorNamer {
    pub(crate) fn anchor_for(&mut self, text: &str) -> String {
        let slug = anchor_slug(text);
        let count = self.used.entry(slug.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            slug
        } else {
            format!("{slug}-{count}")
        }
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// Headings with the node they come from, in document order.
pub(crate) fn headings_with_nodes(document: &Document) -> Vec<(NodeId, Heading)> {
    let mut namer = AnchorNamer::default();
    let mut headings = Vec::new();
    let mut walk = document.descendants();
    while let Some(node) = walk.next() {
        if !node.is_element() {
            continue;
        }
        if is_hidden_element(node) {
            walk.skip_subtree_of(node);
            continue;
        }
        if let Some(level) = heading_level(node.name()) {
            let mut raw = String::new();
            collect_text(node, &mut raw);
            let text = collapse_whitespace(&raw).replace('\n', " ");
            let anchor = namer.anchor_for(&text);
            headings.push((
                node.id(),
                Heading {
                    level,
                    text,
                    anchor,
                },
            ));
            walk.skip_subtree_of(node);
        }
    }
    headings
}

/// The page's headings in document order, with the anchors the renderer uses.
pub fn headings(document: &Document) -> Vec<Heading> {
    headings_with_nodes(document)
        .into_iter()
        .map(|(_, heading)| heading)
        .collect()
}

/// Everything the page points at, in document order without repeats: `ri:` identifiers in
/// links, images and macro parameters, and `href`s of plain links (same-page `#` anchors excluded).
pub fn outgoing_links(document: &Document) -> Vec<Resource> {
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    let mut walk = document.descendants();
    while let Some(node) = walk.next() {
        if !node.is_element() {
            continue;
        }
        let name = node.name();
        let resource = if name.starts_with("ri:") {
            let resource = Resource::from_element(node);
            // An attachment's owner page is part of the attachment reference, not a link.
            walk.skip_subtree_of(node);
            resource
        } else if name == "a" {
            node.attribute("href")
                .filter(|href| !href.trim().is_empty() && !href.starts_with('#'))
                .map(|href| Resource::Url {
                    value: href.into_owned(),
                })
        } else {
            None
        };
        if let Some(resource) = resource
            && seen.insert(resource.clone())
        {
            links.push(resource);
        }
    }
    links
}

/// A short plain-text summary: the body of the first `excerpt` macro if there is one, else the
/// start of the page's text, cut at a word boundary to at most `max_chars` characters.
pub fn excerpt(document: &Document, max_chars: usize) -> String {
    let excerpt_macro = document.descendants().find(|node| {
        (node.is_named("ac:structured-macro") || node.is_named("ac:macro"))
            && node.attribute("ac:name").as_deref() == Some("excerpt")
    });
    let text = match excerpt_macro.and_then(|node| node.child_element("ac:rich-text-body")) {
        Some(body) => {
            let mut raw = String::new();
            collect_text(body, &mut raw);
            collapse_whitespace(&raw)
        }
        None => extract_text(document),
    };
    truncate_at_word(&text.replace('\n', " "), max_chars)
}

fn truncate_at_word(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let budget = max_chars.saturating_sub(1);
    let cut = text
        .char_indices()
        .nth(budget)
        .map_or(text.len(), |(index, _)| index);
    let head = &text[..cut];
    let cut_between_words = text[cut..].starts_with(char::is_whitespace);
    let at_word = match head.rfind(' ') {
        Some(space) if !cut_between_words && space > cut / 2 => &head[..space],
        _ => head,
    };
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::resource::{PageTarget, UserTarget};

    fn document(storage: &str) -> Document {
        parse(storage).expect("well-formed")
    }

    #[test]
    fn text_skips_parameters_and_keeps_code() {
        let page = document(concat!(
            "<h1>Title</h1><p>Hello&nbsp;<strong>world</strong></p>",
            "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">rust</ac:parameter>",
            "<ac:plain-text-body><![CDATA[let x = 1;]]></ac:plain-text-body></ac:structured-macro>",
            "<p>See <ac:link><ri:page ri:content-title=\"Other page\"/></ac:link>.</p><script>bad()</script>"
        ));
        assert_eq!(
            extract_text(&page),
            "Title\nHello world\nlet x = 1;\nSee Other page."
        );
    }

    #[test]
    fn task_metadata_is_not_text() {
        let page = document(
            "<ac:task-list><ac:task><ac:task-id>7</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Ship it</ac:task-body></ac:task></ac:task-list>",
        );
        assert_eq!(extract_text(&page), "Ship it");
    }

    #[test]
    fn headings_get_unique_anchors() {
        let page = document("<h1>Intro</h1><h2>Set up <em>fast</em></h2><h2>Intro</h2><h3>!!</h3>");
        let found = headings(&page);
        let summary: Vec<_> = found
            .iter()
            .map(|h| (h.level, h.text.as_str(), h.anchor.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, "Intro", "intro"),
                (2, "Set up fast", "set-up-fast"),
                (2, "Intro", "intro-2"),
                (3, "!!", "section")
            ]
        );
    }

    #[test]
    fn links_cover_every_target_once() {
        let page = document(concat!(
            "<ac:link><ri:page ri:space-key=\"DEV\" ri:content-title=\"Home\"/></ac:link>",
            "<ac:link><ri:page ri:space-key=\"DEV\" ri:content-title=\"Home\"/></ac:link>",
            "<ac:image><ri:attachment ri:filename=\"a.png\"><ri:page ri:content-title=\"P\"/></ri:attachment></ac:image>",
            "<ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ri:page ri:content-title=\"Inc\"/></ac:parameter></ac:structured-macro>",
            "<p><ac:link><ri:user ri:userkey=\"k1\"/></ac:link><a href=\"https://example.com\">x</a><a href=\"#top\">t</a></p>"
        ));
        let links = outgoing_links(&page);
        assert_eq!(links.len(), 5);
        assert_eq!(
            links[0],
            Resource::Page(PageTarget {
                space_key: Some("DEV".into()),
                title: "Home".into()
            })
        );
        assert!(
            matches!(&links[1], Resource::Attachment { filename, owner: Some(_) } if filename == "a.png")
        );
        assert_eq!(
            links[2],
            Resource::Page(PageTarget {
                space_key: None,
                title: "Inc".into()
            })
        );
        assert_eq!(links[3], Resource::User(UserTarget::Key("k1".into())));
        assert_eq!(
            links[4],
            Resource::Url {
                value: "https://example.com".into()
            }
        );
    }

    #[test]
    fn anchor_slugs_match_confluence_anchor_names_loosely() {
        assert_eq!(anchor_slug("Set up & Run"), "set-up-run");
        assert_eq!(anchor_slug("Überblick 2"), "überblick-2");
        assert_eq!(anchor_slug("  "), "section");
    }

    #[test]
    fn excerpts_prefer_the_excerpt_macro_and_cut_at_words() {
        let with_macro = document(concat!(
            "<p>Intro text</p><ac:structured-macro ac:name=\"excerpt\"><ac:rich-text-body><p>The short story</p>",
            "</ac:rich-text-body></ac:structured-macro>"
        ));
        assert_eq!(excerpt(&with_macro, 100), "The short story");
        let plain = document("<p>one two three four five six</p>");
        assert_eq!(excerpt(&plain, 16), "one two three…");
        assert_eq!(excerpt(&plain, 100), "one two three four five six");
    }
}
