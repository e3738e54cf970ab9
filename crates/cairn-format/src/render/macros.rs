//! Macros (`ac:structured-macro` and legacy `ac:macro`), rendered in Confluence's markup.
//!
//! Tools that read Confluence's HTML (Markdown exporters, publishers) find macros by the markup
//! Confluence gives them, so every macro's outermost element carries what Confluence puts there:
//! `conf-macro output-block` (or `output-inline`), `data-hasbody` and `data-macro-name`, plus the
//! macro's own classes. Code blocks and noformat live in [`code`], the macros that frame a body
//! (information macros, panel, expand) in [`panel`].

mod code;
mod panel;

use self::panel::InformationMacro;
use super::Renderer;
use crate::context::ChildPage;
use crate::extract::{Heading, anchor_slug};
use crate::parse::parse;
use crate::policy::is_plain_token;
use crate::resource::{PageTarget, Resource};
use crate::tree::NodeRef;

/// Read access to a macro's name, parameters and body.
pub(crate) struct MacroView<'a> {
    pub(crate) node: NodeRef<'a>,
    pub(crate) name: String,
}

impl<'a> MacroView<'a> {
    pub(crate) fn new(node: NodeRef<'a>) -> Self {
        let name = node
            .attribute("ac:name")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        MacroView { node, name }
    }

    /// The parameter element with the given name; `""` is the default (unnamed) parameter.
    pub(crate) fn parameter(&self, name: &str) -> Option<NodeRef<'a>> {
        self.node.children().find(|child| {
            if child.is_named("ac:parameter") {
                child.attribute("ac:name").unwrap_or_default() == name
            } else {
                name.is_empty() && child.is_named("ac:default-parameter")
            }
        })
    }

    /// A parameter's text, trimmed; `None` when absent or empty.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        let text = self.parameter(name)?.text_content();
        let trimmed = text.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_string())
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        self.text(name)
            .is_some_and(|value| value.eq_ignore_ascii_case("true"))
    }

    /// A parameter holding a resource identifier, or a bare page title.
    pub(crate) fn resource(&self, name: &str) -> Option<Resource> {
        let parameter = self.parameter(name)?;
        Resource::first_child_of(parameter).or_else(|| {
            let title = parameter.text_content().trim().to_string();
            if title.is_empty() {
                return None;
            }
            Some(match title.split_once(':') {
                Some((space_key, title)) if is_plain_token(space_key) => {
                    Resource::Page(PageTarget {
                        space_key: Some(space_key.to_string()),
                        title: title.to_string(),
                    })
                }
                _ => Resource::Page(PageTarget {
                    space_key: None,
                    title,
                }),
            })
        })
    }

    pub(crate) fn rich_body(&self) -> Option<NodeRef<'a>> {
        self.node.child_element("ac:rich-text-body")
    }

    pub(crate) fn plain_body(&self) -> Option<String> {
        self.node
            .child_element("ac:plain-text-body")
            .map(|body| body.text_content())
    }

    /// Whether the macro has a body in storage, as Confluence's `data-hasbody` says.
    pub(crate) fn has_body(&self) -> bool {
        self.node.child_element("ac:rich-text-body").is_some()
            || self.node.child_element("ac:plain-text-body").is_some()
    }
}

/// Whether a macro name may go into `data-macro-name`: Confluence's names are lowercase ASCII words
/// joined by `-`, `_` or `.` (`excerpt-include`, `ui-tabs`). Any other name is left out of the
/// attribute (it is still shown, escaped, where the macro shows its name).
fn is_safe_macro_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"-_.".contains(&byte)
        })
}

impl Renderer<'_> {
    pub(super) fn structured_macro(&mut self, node: NodeRef<'_>) {
        let view = MacroView::new(node);
        match view.name.as_str() {
            "code" => self.code_macro(&view),
            "noformat" => self.noformat_macro(&view),
            "info" => self.information_macro(&view, InformationMacro::Info),
            "tip" => self.information_macro(&view, InformationMacro::Tip),
            "note" => self.information_macro(&view, InformationMacro::Note),
            "warning" => self.information_macro(&view, InformationMacro::Warning),
            "panel" => self.panel_macro(&view),
            "expand" => self.expand_macro(&view),
            "quote" => self.macro_around_body(&view, "blockquote", "cairn-quote"),
            "excerpt" => {
                if !view.flag("hidden") {
                    self.macro_around_body(&view, "div", "cairn-excerpt");
                }
            }
            "toc" => self.toc_macro(&view),
            "children" => self.children_macro(&view),
            "status" => self.status_macro(&view),
            "anchor" => self.anchor_macro(&view),
            "include" => self.include_macro(&view, false),
            "excerpt-include" => self.include_macro(&view, true),
            "attachments" => self.attachments_macro(&view),
            "view-file" => self.view_file_macro(&view),
            "profile" => self.profile_macro(&view),
            "jira" => self.jira_macro(&view),
            _ => self.unknown_macro(&view),
        }
    }

    /// Writes ` data-hasbody="…" data-macro-name="…"`, the attributes Confluence gives every
    /// macro's outermost element after its class; the name only when [`is_safe_macro_name`].
    fn macro_attributes(&mut self, view: &MacroView<'_>) {
        self.attribute(
            "data-hasbody",
            if view.has_body() { "true" } else { "false" },
        );
        if is_safe_macro_name(&view.name) {
            self.attribute("data-macro-name", &view.name);
        }
    }

    fn body_in(&mut self, view: &MacroView<'_>, open: &str, close: &str) {
        self.raw(open);
        if let Some(body) = view.rich_body() {
            self.children(body);
        }
        self.raw(close);
    }

    /// A block macro that is its rich body in one element of the given class.
    fn macro_around_body(&mut self, view: &MacroView<'_>, element: &str, class: &str) {
        self.raw("<");
        self.raw(element);
        self.attribute("class", &format!("{class} conf-macro output-block"));
        self.macro_attributes(view);
        self.raw(">");
        if let Some(body) = view.rich_body() {
            self.children(body);
        }
        self.raw("</");
        self.raw(element);
        self.raw(">");
    }

    fn unknown_macro(&mut self, view: &MacroView<'_>) {
        if view.rich_body().is_some() {
            return self.macro_around_body(view, "div", "cairn-macro-body");
        }
        self.raw("<span class=\"cairn-unknown-macro conf-macro output-inline\"");
        self.macro_attributes(view);
        self.raw(">");
        self.text(&view.name);
        self.raw("</span>");
    }

    fn macro_error(&mut self, view: &MacroView<'_>, message: &str) {
        self.raw("<div class=\"cairn-macro-error conf-macro output-block\"");
        self.macro_attributes(view);
        self.raw(">");
        self.text(&view.name);
        self.text(": ");
        self.text(message);
        self.raw("</div>");
    }

    fn toc_macro(&mut self, view: &MacroView<'_>) {
        let level_parameter = |name: &str, default: u8| {
            view.text(name)
                .and_then(|value| value.parse::<u8>().ok())
                .unwrap_or(default)
                .clamp(1, 7)
        };
        let min_level = level_parameter("minLevel", 1);
        let max_level = level_parameter("maxLevel", 7);
        let entries: Vec<Heading> = self
            .headings
            .iter()
            .map(|(_, heading)| heading.clone())
            .filter(|heading| (min_level..=max_level).contains(&heading.level))
            .collect();
        self.raw("<div class=\"toc-macro conf-macro output-block\"");
        self.macro_attributes(view);
        self.raw(">");
        if view.text("type").as_deref() == Some("flat") {
            let separator = view.text("separator").unwrap_or_else(|| " | ".to_string());
            for (index, heading) in entries.iter().enumerate() {
                if index > 0 {
                    self.text(&separator);
                }
                self.toc_link(&heading.anchor, &heading.text);
            }
            self.raw("</div>");
            return;
        }
        // Nest lists by level: open a list per level step down, close one per step up.
        let mut open_levels: Vec<u8> = Vec::new();
        for heading in &entries {
            while open_levels
                .last()
                .is_some_and(|level| *level > heading.level)
            {
                open_levels.pop();
                self.raw("</li></ul>");
            }
            if open_levels.last() == Some(&heading.level) {
                self.raw("</li>");
            } else {
                self.raw("<ul class=\"toc-indentation\">");
                open_levels.push(heading.level);
            }
            self.raw("<li>");
            self.toc_link(&heading.anchor, &heading.text);
        }
        for _ in open_levels {
            self.raw("</li></ul>");
        }
        self.raw("</div>");
    }

    fn toc_link(&mut self, anchor: &str, text: &str) {
        self.raw("<a");
        self.attribute("href", &format!("#{anchor}"));
        self.raw(">");
        self.text(text);
        self.raw("</a>");
    }

    fn children_macro(&mut self, view: &MacroView<'_>) {
        let parent = match view.resource("page") {
            Some(Resource::Page(page)) => Some(page),
            _ => None,
        };
        let depth = if view.flag("all") {
            None
        } else {
            Some(
                view.text("depth")
                    .and_then(|depth| depth.parse::<usize>().ok())
                    .unwrap_or(1)
                    .max(1),
            )
        };
        let children = self.context.children(parent.as_ref(), depth);
        self.raw("<div class=\"childpages-macro conf-macro output-block\"");
        self.macro_attributes(view);
        self.raw(">");
        if children.is_empty() {
            self.raw("<p class=\"cairn-empty\">No child pages</p>");
        } else {
            self.child_list(&children, 0);
        }
        self.raw("</div>");
    }

    fn child_list(&mut self, children: &[ChildPage], level: usize) {
        if level > 32 {
            return;
        }
        self.raw("<ul>");
        for child in children {
            self.raw("<li>");
            if self.href_link_start(&child.url, None) {
                self.text(&child.title);
                self.raw("</a>");
            } else {
                self.text(&child.title);
            }
            if !child.children.is_empty() {
                self.child_list(&child.children, level + 1);
            }
            self.raw("</li>");
        }
        self.raw("</ul>");
    }

    /// Opens `<a href>` (with a class if given) if the URL is safe; returns whether it did.
    fn href_link_start(&mut self, url: &str, class: Option<&str>) -> bool {
        if !crate::policy::is_safe_link_url(url) || self.inside_link {
            return false;
        }
        self.raw("<a");
        self.href(url);
        if let Some(class) = class {
            self.attribute("class", class);
        }
        self.raw(">");
        true
    }

    fn status_macro(&mut self, view: &MacroView<'_>) {
        let colour = view
            .text("colour")
            .or_else(|| view.text("color"))
            .unwrap_or_else(|| "Grey".to_string());
        // Confluence's status colours are AUI lozenges named for what they mean; grey is the plain
        // lozenge.
        let (colour_name, lozenge) = match colour.to_ascii_lowercase().as_str() {
            "red" => ("red", Some("aui-lozenge-error")),
            "yellow" => ("yellow", Some("aui-lozenge-current")),
            "green" => ("green", Some("aui-lozenge-success")),
            "blue" => ("blue", Some("aui-lozenge-complete")),
            "purple" => ("purple", Some("aui-lozenge-progress")),
            _ => ("grey", None),
        };
        self.raw("<span class=\"status-macro aui-lozenge");
        if let Some(lozenge) = lozenge {
            self.raw(" ");
            self.raw(lozenge);
        }
        if view.flag("subtle") {
            self.raw(" aui-lozenge-subtle");
        }
        self.raw(" conf-macro output-inline\"");
        self.macro_attributes(view);
        self.raw(">");
        let title = view
            .text("title")
            .unwrap_or_else(|| colour_name.to_string());
        self.text(&title.to_uppercase());
        self.raw("</span>");
    }

    fn anchor_macro(&mut self, view: &MacroView<'_>) {
        self.raw("<span class=\"confluence-anchor-link conf-macro output-inline\"");
        if let Some(name) = view.text("") {
            self.attribute("id", &anchor_slug(&name));
        }
        self.macro_attributes(view);
        self.raw("></span>");
    }

    fn include_macro(&mut self, view: &MacroView<'_>, excerpt_only: bool) {
        let page = match view.resource("") {
            Some(Resource::Page(page)) => page,
            Some(Resource::BlogPost {
                space_key, title, ..
            }) => PageTarget { space_key, title },
            _ => return self.macro_error(view, "no page given"),
        };
        if let Some(reason) = self.include_refused(&page) {
            return self.macro_error(view, reason);
        }
        let Some(storage) = self.context.page_storage(&page) else {
            return self.macro_error(view, &format!("page \"{}\" not found", page.title));
        };
        let Ok(document) = parse(&storage) else {
            return self.macro_error(view, &format!("page \"{}\" cannot be read", page.title));
        };
        let class = if excerpt_only {
            "cairn-excerpt-include conf-macro output-block"
        } else {
            "cairn-include conf-macro output-block"
        };
        self.raw("<div");
        self.attribute("class", class);
        self.macro_attributes(view);
        self.raw(">");
        self.included_document(page, &document, |nested| {
            if !excerpt_only {
                return nested.render_children_of_document();
            }
            let excerpt = document.descendants().find(|node| {
                (node.is_named("ac:structured-macro") || node.is_named("ac:macro"))
                    && node
                        .attribute("ac:name")
                        .is_some_and(|name| name.eq_ignore_ascii_case("excerpt"))
            });
            if let Some(body) = excerpt.and_then(|node| node.child_element("ac:rich-text-body")) {
                nested.children(body);
            }
        });
        self.raw("</div>");
    }

    fn attachments_macro(&mut self, view: &MacroView<'_>) {
        let owner = match view.resource("page") {
            Some(Resource::Page(page)) => Some(page),
            _ => None,
        };
        let attachments = self.context.attachments(owner.as_ref());
        self.raw("<div class=\"cairn-attachments conf-macro output-block\"");
        self.macro_attributes(view);
        self.raw(">");
        if attachments.is_empty() {
            self.raw("<p class=\"cairn-empty\">No attachments</p>");
        } else {
            self.raw("<table class=\"attachments\"><thead><tr><th>File</th><th>Size</th><th>Comment</th></tr></thead><tbody>");
            for attachment in &attachments {
                self.raw("<tr><td>");
                if self.href_link_start(&attachment.url, None) {
                    self.text(&attachment.filename);
                    self.raw("</a>");
                } else {
                    self.text(&attachment.filename);
                }
                self.raw("</td><td>");
                if let Some(size) = attachment.size_bytes {
                    self.text(&human_size(size));
                }
                self.raw("</td><td>");
                self.text(attachment.comment.as_deref().unwrap_or(""));
                self.raw("</td></tr>");
            }
            self.raw("</tbody></table>");
        }
        self.raw("</div>");
    }

    fn view_file_macro(&mut self, view: &MacroView<'_>) {
        match view.resource("name") {
            Some(Resource::Attachment { filename, owner }) => {
                self.raw("<span class=\"confluence-embedded-file-wrapper cairn-view-file conf-macro output-inline\"");
                self.macro_attributes(view);
                self.raw(">");
                self.attachment_link(owner.as_ref(), &filename);
                self.raw("</span>");
            }
            _ => self.macro_error(view, "no attachment given"),
        }
    }

    fn profile_macro(&mut self, view: &MacroView<'_>) {
        match view.resource("user") {
            Some(Resource::User(user)) => {
                self.raw("<div class=\"profile-macro cairn-profile conf-macro output-block\"");
                self.macro_attributes(view);
                self.raw(">");
                self.user_link(&user);
                self.raw("</div>");
            }
            _ => self.macro_error(view, "no user given"),
        }
    }

    fn jira_macro(&mut self, view: &MacroView<'_>) {
        if let Some(key) = view.text("key") {
            let server = view.text("server");
            let url = self.context.jira_issue_url(server.as_deref(), &key);
            self.raw("<span class=\"confluence-jim-macro jira-issue conf-macro output-inline\"");
            self.attribute("data-jira-key", &key);
            self.macro_attributes(view);
            self.raw(">");
            match url {
                Some(url) if self.href_link_start(&url, Some("jira-issue-key")) => {
                    self.text(&key);
                    self.raw("</a>");
                }
                _ => self.text(&key),
            }
            self.raw("</span>");
        } else if let Some(query) = view.text("jqlQuery") {
            self.raw("<span class=\"jira-issues conf-macro output-inline\"");
            self.macro_attributes(view);
            self.raw(">");
            self.text("Jira issues: ");
            self.text(&query);
            self.raw("</span>");
        } else {
            self.unknown_macro(view);
        }
    }
}

fn human_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} kB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{NoContext, RenderContext};
    use crate::render::render_storage;

    /// Knows one page, "Shared", with an excerpt.
    struct OnePage;

    impl RenderContext for OnePage {
        fn page_storage(&self, page: &PageTarget) -> Option<String> {
            (page.title == "Shared").then(|| {
                "<p>all</p><ac:structured-macro ac:name=\"excerpt\"><ac:rich-text-body><p>gist</p></ac:rich-text-body></ac:structured-macro>".to_string()
            })
        }
    }

    fn render(storage: &str) -> String {
        render_storage(storage, &NoContext).unwrap()
    }

    fn macro_storage(name: &str, parameters: &[(&str, &str)], body: &str) -> String {
        let mut storage = format!("<ac:structured-macro ac:name=\"{name}\">");
        for (parameter, value) in parameters {
            storage.push_str(&format!(
                "<ac:parameter ac:name=\"{parameter}\">{value}</ac:parameter>"
            ));
        }
        storage.push_str(body);
        storage.push_str("</ac:structured-macro>");
        storage
    }

    #[test]
    fn macro_names_are_written_only_when_they_are_plain() {
        assert!(is_safe_macro_name("excerpt-include"));
        assert!(is_safe_macro_name("ui_tabs.v2"));
        for unsafe_name in ["", "a\"b", "a<b", "a b", "a>b", "a'b", "café", "a=b"] {
            assert!(!is_safe_macro_name(unsafe_name), "{unsafe_name:?}");
        }
        let quoted = render("<ac:structured-macro ac:name=\"x&quot; onclick=&quot;y\"/>");
        assert_eq!(
            quoted,
            "<span class=\"cairn-unknown-macro conf-macro output-inline\" data-hasbody=\"false\">x\" onclick=\"y</span>"
        );
        let angled = render(
            "<ac:structured-macro ac:name=\"&lt;img src=x onerror=alert(1)&gt;\"><ac:rich-text-body><p>b</p></ac:rich-text-body></ac:structured-macro>",
        );
        assert_eq!(
            angled,
            "<div class=\"cairn-macro-body conf-macro output-block\" data-hasbody=\"true\"><p>b</p></div>"
        );
    }

    #[test]
    fn unknown_macros_keep_their_name_in_data_macro_name() {
        assert_eq!(
            render(&macro_storage("Cheese", &[], "")),
            "<span class=\"cairn-unknown-macro conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"cheese\">cheese</span>"
        );
        assert_eq!(
            render(&macro_storage(
                "details",
                &[],
                "<ac:rich-text-body><p>props</p></ac:rich-text-body>"
            )),
            "<div class=\"cairn-macro-body conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"details\"><p>props</p></div>"
        );
    }

    #[test]
    fn status_colours_are_confluence_s_lozenges() {
        for (colour, lozenge) in [
            ("Green", " aui-lozenge-success"),
            ("Red", " aui-lozenge-error"),
            ("Yellow", " aui-lozenge-current"),
            ("Blue", " aui-lozenge-complete"),
            ("Purple", " aui-lozenge-progress"),
            ("Grey", ""),
            ("Chartreuse\" x=\"", ""),
        ] {
            assert_eq!(
                render(&macro_storage(
                    "status",
                    &[("title", "Done"), ("colour", colour)],
                    ""
                )),
                format!(
                    "<span class=\"status-macro aui-lozenge{lozenge} conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"status\">DONE</span>"
                ),
                "{colour}"
            );
        }
        assert_eq!(
            render(&macro_storage(
                "status",
                &[("color", "Blue"), ("subtle", "true")],
                ""
            )),
            "<span class=\"status-macro aui-lozenge aui-lozenge-complete aui-lozenge-subtle conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"status\">BLUE</span>"
        );
    }

    #[test]
    fn anchors_are_confluence_s_empty_anchor_span() {
        assert_eq!(
            render(&macro_storage("anchor", &[("", "My Spot")], "")),
            "<span class=\"confluence-anchor-link conf-macro output-inline\" id=\"my-spot\" data-hasbody=\"false\" data-macro-name=\"anchor\"></span>"
        );
        assert_eq!(
            render(&macro_storage("anchor", &[], "")),
            "<span class=\"confluence-anchor-link conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"anchor\"></span>"
        );
    }

    #[test]
    fn toc_is_a_toc_macro_with_indented_lists() {
        let html = render(&format!(
            "{}<h1>One</h1><h2>Two</h2>",
            macro_storage("toc", &[], "")
        ));
        assert!(
            html.starts_with(concat!(
                "<div class=\"toc-macro conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"toc\">",
                "<ul class=\"toc-indentation\"><li><a href=\"#one\">One</a><ul class=\"toc-indentation\"><li><a href=\"#two\">Two</a></li></ul></li></ul></div>"
            )),
            "{html}"
        );
    }

    #[test]
    fn children_attachments_and_profiles_name_their_macro() {
        assert_eq!(
            render(&macro_storage("children", &[], "")),
            "<div class=\"childpages-macro conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"children\"><p class=\"cairn-empty\">No child pages</p></div>"
        );
        assert_eq!(
            render(&macro_storage("attachments", &[], "")),
            "<div class=\"cairn-attachments conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"attachments\"><p class=\"cairn-empty\">No attachments</p></div>"
        );
        let profile = render(&macro_storage(
            "profile",
            &[("user", "<ri:user ri:username=\"ada\"/>")],
            "",
        ));
        assert!(
            profile.starts_with("<div class=\"profile-macro cairn-profile conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"profile\">"),
            "{profile}"
        );
        let view_file = render(&macro_storage(
            "view-file",
            &[("name", "<ri:attachment ri:filename=\"deck.pptx\"/>")],
            "",
        ));
        assert!(
            view_file.starts_with("<span class=\"confluence-embedded-file-wrapper cairn-view-file conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"view-file\">"),
            "{view_file}"
        );
    }

    #[test]
    fn include_and_excerpt_include_name_their_macro() {
        let include =
            |name: &str| macro_storage(name, &[("", "<ri:page ri:content-title=\"Shared\"/>")], "");
        assert_eq!(
            render_storage(&include("include"), &OnePage).unwrap(),
            concat!(
                "<div class=\"cairn-include conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"include\"><p>all</p>",
                "<div class=\"cairn-excerpt conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"excerpt\"><p>gist</p></div></div>"
            )
        );
        assert_eq!(
            render_storage(&include("excerpt-include"), &OnePage).unwrap(),
            "<div class=\"cairn-excerpt-include conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"excerpt-include\"><p>gist</p></div>"
        );
        assert_eq!(
            render(&include("include")),
            "<div class=\"cairn-macro-error conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"include\">include: page \"Shared\" not found</div>"
        );
    }

    #[test]
    fn quotes_and_excerpts_wrap_their_body() {
        let body = "<ac:rich-text-body><p>q</p></ac:rich-text-body>";
        assert_eq!(
            render(&macro_storage("quote", &[], body)),
            "<blockquote class=\"cairn-quote conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"quote\"><p>q</p></blockquote>"
        );
        assert_eq!(
            render(&macro_storage("excerpt", &[("hidden", "true")], body)),
            ""
        );
    }

    #[test]
    fn jira_issues_carry_their_key() {
        assert_eq!(
            render(&macro_storage("jira", &[("key", "ABC-12")], "")),
            "<span class=\"confluence-jim-macro jira-issue conf-macro output-inline\" data-jira-key=\"ABC-12\" data-hasbody=\"false\" data-macro-name=\"jira\">ABC-12</span>"
        );
        let hostile = render(&macro_storage(
            "jira",
            &[("key", "A\"&gt;&lt;script&gt;x&lt;/script&gt;")],
            "",
        ));
        assert!(
            hostile.contains("data-jira-key=\"A&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"")
                && !hostile.contains("<script"),
            "{hostile}"
        );
        assert_eq!(
            render(&macro_storage("jira", &[("jqlQuery", "project = A")], "")),
            "<span class=\"jira-issues conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"jira\">Jira issues: project = A</span>"
        );
    }
}
