//! Macros (`ac:structured-macro` and legacy `ac:macro`).

use super::Renderer;
use crate::context::ChildPage;
use crate::extract::{Heading, anchor_slug};
use crate::parse::parse;
use crate::policy::{filter_style, is_plain_token};
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
}

impl Renderer<'_> {
    pub(super) fn structured_macro(&mut self, node: NodeRef<'_>) {
        let view = MacroView::new(node);
        match view.name.as_str() {
            "code" => self.code_macro(&view),
            "noformat" => self.noformat_macro(&view),
            "info" | "note" | "tip" | "warning" => self.admonition_macro(&view),
            "panel" => self.panel_macro(&view),
            "expand" => self.expand_macro(&view),
            "quote" => self.body_in(&view, "<blockquote class=\"cairn-quote\">", "</blockquote>"),
            "excerpt" => {
                if !view.flag("hidden") {
                    self.body_in(&view, "<div class=\"cairn-excerpt\">", "</div>");
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

    fn body_in(&mut self, view: &MacroView<'_>, open: &str, close: &str) {
        self.raw(open);
        if let Some(body) = view.rich_body() {
            self.children(body);
        }
        self.raw(close);
    }

    fn unknown_macro(&mut self, view: &MacroView<'_>) {
        match view.rich_body() {
            Some(body) => {
                self.raw("<div class=\"cairn-macro-body\"");
                self.attribute("data-macro-name", &view.name);
                self.raw(">");
                self.children(body);
                self.raw("</div>");
            }
            None => {
                self.raw("<span class=\"cairn-unknown-macro\">");
                self.text(&view.name);
                self.raw("</span>");
            }
        }
    }

    fn macro_error(&mut self, view: &MacroView<'_>, message: &str) {
        self.raw("<div class=\"cairn-macro-error\">");
        self.text(&view.name);
        self.text(": ");
        self.text(message);
        self.raw("</div>");
    }

    fn code_macro(&mut self, view: &MacroView<'_>) {
        let code = view.plain_body().unwrap_or_default();
        let language = view
            .text("language")
            .map(|language| language.to_ascii_lowercase());
        let language = language.filter(|language| {
            language
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"+#-_.".contains(&byte))
        });
        let line_numbers = view.flag("linenumbers");
        let collapse = view.flag("collapse");
        if collapse {
            self.raw("<details class=\"code-collapse\"><summary>");
            self.text(view.text("title").as_deref().unwrap_or("Expand source"));
            self.raw("</summary>");
        }
        self.raw("<div class=\"code panel\">");
        if let Some(title) = view.text("title").filter(|_| !collapse) {
            self.raw("<div class=\"codeHeader\"><b>");
            self.text(&title);
            self.raw("</b></div>");
        }
        self.raw("<pre class=\"code");
        if line_numbers {
            self.raw(" linenumbers");
        }
        self.raw("\"");
        if let Some(language) = &language {
            self.attribute("data-language", language);
        }
        self.raw("><code");
        if let Some(language) = &language {
            self.attribute("class", &format!("language-{language}"));
        }
        self.raw(">");
        if line_numbers {
            let first_line = view
                .text("firstline")
                .and_then(|line| line.parse::<u64>().ok())
                .unwrap_or(1);
            let code = code.strip_suffix('\n').unwrap_or(&code);
            for (offset, line) in code.split('\n').enumerate() {
                if offset > 0 {
                    self.raw("\n");
                }
                self.raw("<span class=\"line-number\">");
                self.raw(&(first_line + offset as u64).to_string());
                self.raw("</span>");
                self.text(line);
            }
        } else {
            self.text(&code);
        }
        self.raw("</code></pre></div>");
        if collapse {
            self.raw("</details>");
        }
    }

    fn noformat_macro(&mut self, view: &MacroView<'_>) {
        self.raw("<div class=\"preformatted panel\"><pre class=\"noformat\">");
        let text = match view.plain_body() {
            Some(text) => text,
            None => view
                .rich_body()
                .map(|body| body.text_content())
                .unwrap_or_default(),
        };
        self.text(&text);
        self.raw("</pre></div>");
    }

    fn admonition_macro(&mut self, view: &MacroView<'_>) {
        self.raw("<div class=\"confluence-information-macro confluence-information-macro-");
        self.raw(&view.name);
        if view.text("icon").as_deref() != Some("false") {
            self.raw(" has-icon");
        }
        self.raw("\">");
        if let Some(title) = view.text("title") {
            self.raw("<p class=\"title\">");
            self.text(&title);
            self.raw("</p>");
        }
        self.body_in(
            view,
            "<div class=\"confluence-information-macro-body\">",
            "</div>",
        );
        self.raw("</div>");
    }

    fn panel_macro(&mut self, view: &MacroView<'_>) {
        let mut panel_style = String::new();
        if let Some(colour) = view.text("bgColor") {
            panel_style.push_str(&format!("background-color: {colour};"));
        }
        self.raw("<div class=\"panel\"");
        if let Some(style) = filter_style(&panel_style) {
            self.attribute("style", &style);
        }
        self.raw(">");
        if let Some(title) = view.text("title") {
            self.raw("<div class=\"panelHeader\"><b>");
            self.text(&title);
            self.raw("</b></div>");
        }
        self.body_in(view, "<div class=\"panelContent\">", "</div>");
        self.raw("</div>");
    }

    fn expand_macro(&mut self, view: &MacroView<'_>) {
        self.raw("<details class=\"expand-container\"><summary class=\"expand-control\">");
        self.text(
            view.text("title")
                .as_deref()
                .unwrap_or("Click here to expand..."),
        );
        self.raw("</summary>");
        self.body_in(view, "<div class=\"expand-content\">", "</div>");
        self.raw("</details>");
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
        self.raw("<div class=\"toc-macro\">");
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
                self.raw("<ul>");
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
        self.raw("<div class=\"childpages-macro\">");
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
            if self.href_link_start(&child.url) {
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

    /// Opens `<a href>` if the URL is safe; returns whether it did.
    fn href_link_start(&mut self, url: &str) -> bool {
        if !crate::policy::is_safe_link_url(url) || self.inside_link {
            return false;
        }
        self.raw("<a");
        self.href(url);
        self.raw(">");
        true
    }

    fn status_macro(&mut self, view: &MacroView<'_>) {
        let colour = view
            .text("colour")
            .or_else(|| view.text("color"))
            .unwrap_or_else(|| "Grey".to_string());
        let colour = match colour.to_ascii_lowercase().as_str() {
            "red" => "red",
            "yellow" => "yellow",
            "green" => "green",
            "blue" => "blue",
            _ => "grey",
        };
        self.raw("<span class=\"status-macro aui-lozenge aui-lozenge-");
        self.raw(colour);
        if view.flag("subtle") {
            self.raw(" aui-lozenge-subtle");
        }
        self.raw("\">");
        let title = view.text("title").unwrap_or_else(|| colour.to_string());
        self.text(&title.to_uppercase());
        self.raw("</span>");
    }

    fn anchor_macro(&mut self, view: &MacroView<'_>) {
        if let Some(name) = view.text("") {
            self.raw("<span class=\"confluence-anchor-link\"");
            self.attribute("id", &anchor_slug(&name));
            self.raw("></span>");
        }
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
            "cairn-excerpt-include"
        } else {
            "cairn-include"
        };
        self.raw("<div");
        self.attribute("class", class);
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
        self.raw("<div class=\"cairn-attachments\">");
        if attachments.is_empty() {
            self.raw("<p class=\"cairn-empty\">No attachments</p>");
        } else {
            self.raw("<table class=\"attachments\"><thead><tr><th>File</th><th>Size</th><th>Comment</th></tr></thead><tbody>");
            for attachment in &attachments {
                self.raw("<tr><td>");
                if self.href_link_start(&attachment.url) {
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
                self.raw("<span class=\"cairn-view-file\">");
                self.attachment_link(owner.as_ref(), &filename);
                self.raw("</span>");
            }
            _ => self.macro_error(view, "no attachment given"),
        }
    }

    fn profile_macro(&mut self, view: &MacroView<'_>) {
        match view.resource("user") {
            Some(Resource::User(user)) => {
                self.raw("<div class=\"cairn-profile\">");
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
            self.raw("<span class=\"jira-issue\">");
            match url {
                Some(url) if self.href_link_start(&url) => {
                    self.text(&key);
                    self.raw("</a>");
                }
                _ => self.text(&key),
            }
            self.raw("</span>");
        } else if let Some(query) = view.text("jqlQuery") {
            self.raw("<span class=\"jira-issues\">");
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
