//! Storage format to view HTML.
//!
//! Safe by construction: plain XHTML passes only through the allow-list in [`crate::policy`]
//! (elements, attributes, URL schemes, style properties); Confluence elements are turned into
//! markup this module writes itself, with every value escaped and every URL checked. Nothing from
//! the source is copied to the output unescaped except text nodes, which the parser guarantees
//! contain no `<` and only valid references.

pub(crate) mod link;
pub(crate) mod macros;

use std::borrow::Cow;

use crate::context::RenderContext;
use crate::entity::{escape_attribute_into, escape_text_into};
use crate::error::FormatError;
use crate::extract::headings_with_nodes;
use crate::extract::{AnchorNamer, Heading};
use crate::parse::{MAX_DEPTH, parse};
use crate::policy::{
    AttributeKind, ElementPolicy, attribute_kind, element_policy, filter_style,
    is_acceptable_number, is_safe_image_url, is_safe_link_url, is_void_element,
};
use crate::resource::PageTarget;
use crate::tree::{Document, NodeId, NodeKind, NodeRef};

/// How many pages deep `include` may nest before it stops.
const MAX_INCLUDE_DEPTH: usize = 4;

/// Renders a parsed document to view HTML.
pub fn render_to_html(document: &Document, context: &dyn RenderContext) -> String {
    let include_chain: Vec<PageTarget> = context.current_page().into_iter().collect();
    let mut renderer = Renderer::new(document, context, include_chain, 0);
    renderer.render_children_of_document();
    renderer.out
}

/// Parses and renders a storage fragment.
pub fn render_storage(storage: &str, context: &dyn RenderContext) -> Result<String, FormatError> {
    let document = parse(storage)?;
    Ok(render_to_html(&document, context))
}

/// A renderer for previews of single nodes of one document, as the editor shows macros. Made
/// once per document so that the heading pre-pass is not repeated for every preview.
pub(crate) fn preview_renderer<'d>(
    document: &'d Document,
    context: &'d dyn RenderContext,
) -> Renderer<'d> {
    Renderer::new(
        document,
        context,
        context.current_page().into_iter().collect(),
        0,
    )
}

pub(crate) struct Renderer<'d> {
    document: &'d Document,
    context: &'d dyn RenderContext,
    out: String,
    /// Headings of this document with their anchors, sorted by node id.
    headings: Vec<(NodeId, Heading)>,
    /// Anchors for headings the pre-pass did not see (none in practice; kept unique anyway).
    extra_anchors: AnchorNamer,
    /// Pages being included, outermost first, to stop include cycles.
    include_chain: Vec<PageTarget>,
    /// Element depth, counted across included documents, so recursion stays bounded.
    depth: usize,
    /// Inside a link: nested links are unwrapped, since HTML forbids `<a>` in `<a>`.
    inside_link: bool,
}

impl<'d> Renderer<'d> {
    fn new(
        document: &'d Document,
        context: &'d dyn RenderContext,
        include_chain: Vec<PageTarget>,
        depth: usize,
    ) -> Self {
        Renderer {
            document,
            context,
            out: String::with_capacity(document.source().len() + document.source().len() / 2),
            headings: headings_with_nodes(document),
            extra_anchors: AnchorNamer::default(),
            include_chain,
            depth,
            inside_link: false,
        }
    }

    /// Renders one node of the renderer's document and returns the HTML.
    pub(crate) fn render_fragment(&mut self, node: NodeRef<'_>) -> String {
        self.node(node);
        std::mem::take(&mut self.out)
    }

    fn render_children_of_document(&mut self) {
        for root in self.document.roots() {
            self.node(root);
        }
    }

    pub(crate) fn node(&mut self, node: NodeRef<'_>) {
        match node.kind() {
            // The parser guarantees text holds no `<` and only valid references: safe as is.
            NodeKind::Text => self.out.push_str(node.source()),
            NodeKind::CData => self.text(&node.text()),
            NodeKind::Element => {
                if self.depth >= MAX_DEPTH * 2 {
                    return;
                }
                self.depth += 1;
                self.element(node);
                self.depth -= 1;
            }
            NodeKind::Comment | NodeKind::ProcessingInstruction => {}
        }
    }

    pub(crate) fn children(&mut self, node: NodeRef<'_>) {
        for child in node.children() {
            self.node(child);
        }
    }

    pub(crate) fn text(&mut self, text: &str) {
        escape_text_into(&mut self.out, text);
    }

    pub(crate) fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// Writes ` name="value"` with the value escaped.
    pub(crate) fn attribute(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_attribute_into(&mut self.out, value);
        self.out.push('"');
    }

    /// Writes ` href="url"` if the URL is safe for a link; returns whether it did.
    pub(crate) fn href(&mut self, url: &str) -> bool {
        let safe = is_safe_link_url(url);
        if safe {
            self.attribute("href", url);
        }
        safe
    }

    fn element(&mut self, node: NodeRef<'_>) {
        let name = node.name();
        if let Some(confluence_name) = name.strip_prefix("ac:") {
            self.confluence_element(node, confluence_name);
        } else if name.starts_with("ri:") {
            // Resource identifiers only mean something inside links, images and parameters.
        } else if name.contains(':') {
            self.children(node);
        } else {
            self.xhtml_element(node);
        }
    }

    fn confluence_element(&mut self, node: NodeRef<'_>, local_name: &str) {
        match local_name {
            "structured-macro" | "macro" => self.structured_macro(node),
            "link" => self.link(node),
            "image" => self.image(node),
            "emoticon" => self.emoticon(node),
            "task-list" => self.task_list(node),
            "layout" => self.wrapped(node, "div", "cairn-layout"),
            "layout-section" => self.layout_section(node),
            "layout-cell" => self.wrapped(node, "div", "cairn-layout-cell"),
            "inline-comment-marker" => self.inline_comment_marker(node),
            "adf-extension" => {
                if let Some(fallback) = node
                    .descendants()
                    .find(|child| child.is_named("ac:adf-fallback"))
                {
                    self.children(fallback);
                }
            }
            "parameter"
            | "default-parameter"
            | "placeholder"
            | "plain-text-body"
            | "plain-text-link-body"
            | "task-id"
            | "task-uuid"
            | "task-status" => {}
            _ => self.children(node),
        }
    }

    pub(crate) fn wrapped(&mut self, node: NodeRef<'_>, element: &str, class: &str) {
        self.out.push('<');
        self.out.push_str(element);
        self.attribute("class", class);
        self.out.push('>');
        self.children(node);
        self.out.push_str("</");
        self.out.push_str(element);
        self.out.push('>');
    }

    fn layout_section(&mut self, node: NodeRef<'_>) {
        let layout_type = node.attribute("ac:type").unwrap_or_default();
        let mut class = String::from("cairn-layout-section");
        if crate::policy::is_plain_token(&layout_type) {
            class.push_str(" cairn-layout-");
            class.push_str(&layout_type.replace('_', "-"));
        }
        self.wrapped(node, "div", &class);
    }

    fn inline_comment_marker(&mut self, node: NodeRef<'_>) {
        self.raw("<span class=\"inline-comment-marker\"");
        if let Some(reference) = node.attribute("ac:ref") {
            self.attribute("data-ref", &reference);
        }
        self.raw(">");
        self.children(node);
        self.raw("</span>");
    }

    fn xhtml_element(&mut self, node: NodeRef<'_>) {
        let raw_name = node.name();
        let lowercase_name;
        let name = if raw_name.bytes().any(|byte| byte.is_ascii_uppercase()) {
            lowercase_name = raw_name.to_ascii_lowercase();
            lowercase_name.as_str()
        } else {
            raw_name
        };
        match element_policy(name) {
            ElementPolicy::Remove => return,
            ElementPolicy::Unwrap => return self.children(node),
            ElementPolicy::Keep => {}
        }
        if name == "a" && self.inside_link {
            return self.children(node);
        }
        self.out.push('<');
        self.out.push_str(name);
        if let Some(level) = heading_level(name) {
            let anchor = self.heading_anchor(node, level);
            self.attribute("id", &anchor);
        }
        self.allowed_attributes(node, name);
        if is_void_element(name) {
            self.out.push_str(" />");
            return;
        }
        self.out.push('>');
        let was_inside_link = self.inside_link;
        self.inside_link |= name == "a";
        if name == "time" && node.children().next().is_none() {
            if let Some(datetime) = node.attribute("datetime") {
                self.text(&datetime);
            }
        } else {
            self.children(node);
        }
        self.inside_link = was_inside_link;
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn allowed_attributes(&mut self, node: NodeRef<'_>, element: &str) {
        for attribute in node.attributes() {
            let raw_name = attribute.name();
            let name: Cow<'_, str> = if raw_name.bytes().any(|byte| byte.is_ascii_uppercase()) {
                Cow::Owned(raw_name.to_ascii_lowercase())
            } else {
                Cow::Borrowed(raw_name)
            };
            let Some(kind) = attribute_kind(element, &name) else {
                continue;
            };
            let value = attribute.value();
            match kind {
                AttributeKind::Text => self.attribute(&name, &value),
                AttributeKind::Number if is_acceptable_number(&value) => {
                    self.attribute(&name, &value)
                }
                AttributeKind::Number => {}
                AttributeKind::LinkUrl => {
                    if is_safe_link_url(&value) {
                        self.attribute(&name, &value);
                    }
                }
                AttributeKind::ImageUrl => {
                    if is_safe_image_url(&value) {
                        self.attribute(&name, &value);
                    }
                }
                AttributeKind::Style => {
                    if let Some(style) = filter_style(&value) {
                        self.attribute("style", &style);
                    }
                }
            }
        }
    }

    fn heading_anchor(&mut self, node: NodeRef<'_>, level: u8) -> String {
        let same_document = std::ptr::eq(node.document(), self.document);
        let known = same_document
            .then(|| {
                self.headings
                    .binary_search_by_key(&node.id(), |(id, _)| *id)
                    .ok()
            })
            .flatten();
        match known {
            Some(index) => self.headings[index].1.anchor.clone(),
            None => {
                let text = node.text_content();
                format!("h{level}-{}", self.extra_anchors.anchor_for(&text))
            }
        }
    }

    /// Renders another page's document inline (for `include`), guarding against cycles.
    pub(crate) fn included_document(
        &mut self,
        page: PageTarget,
        document: &Document,
        render_body: impl FnOnce(&mut Renderer<'_>),
    ) {
        let mut chain = self.include_chain.clone();
        chain.push(page);
        let mut nested = Renderer::new(document, self.context, chain, self.depth);
        render_body(&mut nested);
        self.out.push_str(&nested.out);
    }

    /// Whether including `page` would revisit a page already being rendered, or nest too deep.
    pub(crate) fn include_refused(&self, page: &PageTarget) -> Option<&'static str> {
        let current_space = self.context.current_space_key();
        let same = |other: &PageTarget| {
            other.title == page.title
                && other.space_key.as_deref().or(current_space)
                    == page.space_key.as_deref().or(current_space)
        };
        if self.include_chain.iter().any(same) {
            Some("include cycle")
        } else if self.include_chain.len() > MAX_INCLUDE_DEPTH {
            Some("includes nested too deeply")
        } else {
            None
        }
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', digit @ b'1'..=b'6'] => Some(digit - b'0'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoContext;

    fn render(storage: &str) -> String {
        render_storage(storage, &NoContext).expect("well-formed")
    }

    #[test]
    fn plain_xhtml_passes_through_the_allow_list() {
        assert_eq!(
            render("<p class=\"x\" onclick=\"evil()\">a &amp; b&nbsp;<strong>c</strong><br/></p>"),
            "<p class=\"x\">a &amp; b&nbsp;<strong>c</strong><br /></p>"
        );
        assert_eq!(render("<p/>"), "<p></p>");
        assert_eq!(render("<script>alert(1)</script><font>kept</font>"), "kept");
    }

    #[test]
    fn links_and_images_are_checked() {
        assert_eq!(render("<a href=\"javascript:alert(1)\">x</a>"), "<a>x</a>");
        assert_eq!(
            render("<a href=\"https://e.com/?a=1&amp;b=2\">x</a>"),
            "<a href=\"https://e.com/?a=1&amp;b=2\">x</a>"
        );
        assert_eq!(
            render("<img src=\"data:image/png;base64,AA==\" width=\"10\" height=\"x\"/>"),
            "<img src=\"data:image/png;base64,AA==\" width=\"10\" />"
        );
    }

    #[test]
    fn headings_get_ids_and_styles_are_filtered() {
        assert_eq!(render("<h2>Set up</h2>"), "<h2 id=\"set-up\">Set up</h2>");
        assert_eq!(
            render("<span style=\"color: red; position: absolute\">x</span>"),
            "<span style=\"color: red;\">x</span>"
        );
    }

    #[test]
    fn time_elements_show_their_date() {
        assert_eq!(
            render("<time datetime=\"2024-01-31\" />"),
            "<time datetime=\"2024-01-31\">2024-01-31</time>"
        );
    }

    #[test]
    fn comments_and_unknown_prefixes_are_dropped_or_unwrapped() {
        assert_eq!(
            render("<!-- hidden --><x:y>t</x:y><ri:page ri:content-title=\"A\"/>"),
            "t"
        );
    }

    #[test]
    fn layouts_and_markers_become_classed_divs_and_spans() {
        let html = render(concat!(
            "<ac:layout><ac:layout-section ac:type=\"two_equal\"><ac:layout-cell><p>a</p></ac:layout-cell>",
            "</ac:layout-section></ac:layout><p><ac:inline-comment-marker ac:ref=\"u1\">c</ac:inline-comment-marker></p>"
        ));
        assert_eq!(
            html,
            concat!(
                "<div class=\"cairn-layout\"><div class=\"cairn-layout-section cairn-layout-two-equal\">",
                "<div class=\"cairn-layout-cell\"><p>a</p></div></div></div>",
                "<p><span class=\"inline-comment-marker\" data-ref=\"u1\">c</span></p>"
            )
        );
    }
}
