//! Storage format to Markdown, for export. Lossy by nature: what Markdown cannot say (colours,
//! layouts, most macros) is reduced to its text.

use crate::context::RenderContext;
use crate::render::link::resolve_target;
use crate::render::macros::MacroView;
use crate::resource::Resource;
use crate::tree::{Document, NodeKind, NodeRef};

/// Converts a storage document to GitHub-flavoured Markdown; links and images get their URLs
/// from `context`.
pub fn storage_to_markdown(document: &Document, context: &dyn RenderContext) -> String {
    let mut writer = Writer {
        context,
        out: String::new(),
        list_depth: 0,
        in_pre: false,
    };
    for root in document.roots() {
        writer.node(root);
    }
    let trimmed = writer.out.trim_matches('\n');
    format!("{trimmed}\n")
}

struct Writer<'c> {
    context: &'c dyn RenderContext,
    out: String,
    list_depth: usize,
    in_pre: bool,
}

/// Escapes characters that Markdown would read as syntax.
fn escape_markdown(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// A fence longer than any backtick run in `code`.
fn fence_for(code: &str) -> String {
    let longest_run = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest_run.max(2) + 1)
}

impl Writer<'_> {
    fn blank_line(&mut self) {
        if self.out.is_empty() {
            return;
        }
        while !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn new_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// Writes a node into a separate buffer and returns it.
    fn capture(&mut self, write: impl FnOnce(&mut Self)) -> String {
        let saved = std::mem::take(&mut self.out);
        write(self);
        std::mem::replace(&mut self.out, saved)
    }

    fn children(&mut self, node: NodeRef<'_>) {
        for child in node.children() {
            self.node(child);
        }
    }

    fn node(&mut self, node: NodeRef<'_>) {
        match node.kind() {
            NodeKind::Text | NodeKind::CData => {
                let text = node.text();
                if self.in_pre {
                    self.out.push_str(&text);
                } else {
                    let collapsed: String = text
                        .split(|c: char| c.is_whitespace() && c != '\u{A0}')
                        .collect::<Vec<_>>()
                        .join(" ");
                    if collapsed.trim().is_empty()
                        && (self.out.is_empty() || self.out.ends_with('\n'))
                    {
                        return;
                    }
                    escape_markdown(&collapsed, &mut self.out);
                }
            }
            NodeKind::Element => self.element(node),
            NodeKind::Comment | NodeKind::ProcessingInstruction => {}
        }
    }

    fn wrap_inline(&mut self, node: NodeRef<'_>, marker: &str) {
        let inner = self.capture(|writer| writer.children(node));
        if inner.trim().is_empty() {
            self.out.push_str(&inner);
            return;
        }
        self.out.push_str(marker);
        self.out.push_str(inner.trim());
        self.out.push_str(marker);
    }

    fn link(&mut self, label: &str, url: Option<&str>) {
        match url.filter(|url| crate::policy::is_safe_link_url(url)) {
            Some(url) => {
                self.out.push('[');
                self.out.push_str(label);
                self.out.push_str("](");
                self.out
                    .push_str(&url.replace(' ', "%20").replace(')', "%29"));
                self.out.push(')');
            }
            None => self.out.push_str(label),
        }
    }

    fn element(&mut self, node: NodeRef<'_>) {
        let name = node.name();
        match name {
            "p" | "div" => {
                if self.list_depth == 0 {
                    self.blank_line();
                    self.children(node);
                    self.blank_line();
                } else {
                    self.children(node);
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.blank_line();
                let level = usize::from(name.as_bytes()[1] - b'0');
                self.out.push_str(&"#".repeat(level));
                self.out.push(' ');
                let inner = self.capture(|writer| writer.children(node));
                self.out.push_str(inner.trim());
                self.blank_line();
            }
            "strong" | "b" => self.wrap_inline(node, "**"),
            "em" | "i" => self.wrap_inline(node, "*"),
            "del" | "s" | "strike" => self.wrap_inline(node, "~~"),
            "code" | "tt" => {
                let code = node.text_content();
                let fence = if code.contains('`') { "`` " } else { "`" };
                self.out.push_str(fence);
                self.out.push_str(&code);
                self.out.push_str(&fence.chars().rev().collect::<String>());
            }
            "br" => self.out.push_str("\\\n"),
            "hr" => {
                self.blank_line();
                self.out.push_str("---");
                self.blank_line();
            }
            "a" => {
                let label = self.capture(|writer| writer.children(node));
                let href = node.attribute("href");
                self.link(label.trim(), href.as_deref());
            }
            "img" => {
                let alt = node.attribute("alt").unwrap_or_default();
                if let Some(source) = node.attribute("src") {
                    self.out.push_str(&format!("![{alt}]({source})"));
                }
            }
            "ul" | "ol" => self.list(node, name == "ol"),
            "blockquote" => self.quote(node, None),
            "pre" => {
                let code = node.text_content();
                self.fenced(&code, "");
            }
            "table" => self.table(node),
            "ac:structured-macro" | "ac:macro" => self.structured_macro(node),
            "ac:link" => {
                let resource = Resource::first_child_of(node);
                let target = resource
                    .as_ref()
                    .map(|resource| resolve_target(self.context, resource));
                let label = if let Some(body) = node.child_element("ac:link-body") {
                    self.capture(|writer| writer.children(body))
                } else if let Some(body) = node.child_element("ac:plain-text-link-body") {
                    let mut escaped = String::new();
                    escape_markdown(&body.text_content(), &mut escaped);
                    escaped
                } else {
                    let mut escaped = String::new();
                    let label = target
                        .as_ref()
                        .map(|target| target.label.clone())
                        .unwrap_or_default();
                    escape_markdown(&label, &mut escaped);
                    escaped
                };
                let anchor = node
                    .attribute("ac:anchor")
                    .filter(|anchor| !anchor.trim().is_empty())
                    .map(|anchor| crate::extract::anchor_slug(&anchor));
                let url = match (target.and_then(|target| target.url), anchor) {
                    (Some(url), Some(anchor)) => Some(format!("{url}#{anchor}")),
                    (Some(url), None) => Some(url),
                    (None, Some(anchor)) => Some(format!("#{anchor}")),
                    (None, None) => None,
                };
                self.link(label.trim(), url.as_deref());
            }
            "ac:image" => {
                let resource = Resource::first_child_of(node);
                let target = resource
                    .as_ref()
                    .map(|resource| resolve_target(self.context, resource));
                let alt = node
                    .attribute("ac:alt")
                    .map(|alt| alt.into_owned())
                    .or_else(|| target.as_ref().map(|target| target.label.clone()))
                    .unwrap_or_default();
                match target.and_then(|target| target.url) {
                    Some(url) => self
                        .out
                        .push_str(&format!("![{alt}]({})", url.replace(' ', "%20"))),
                    None => escape_markdown(&alt, &mut self.out),
                }
            }
            "ac:emoticon" => {
                let fallback = node.attribute("ac:emoji-fallback").map(|f| f.into_owned());
                let name = node.attribute("ac:name").unwrap_or_default();
                self.out
                    .push_str(&fallback.unwrap_or_else(|| format!(":{name}:")));
            }
            "ac:task-list" => {
                self.new_line();
                for task in node.children().filter(|child| child.is_named("ac:task")) {
                    let complete = task
                        .child_element("ac:task-status")
                        .is_some_and(|s| s.text_content().trim() == "complete");
                    let body = task
                        .child_element("ac:task-body")
                        .map(|body| self.capture(|w| w.children(body)));
                    self.out.push_str(&"  ".repeat(self.list_depth));
                    self.out
                        .push_str(if complete { "- [x] " } else { "- [ ] " });
                    self.out.push_str(body.unwrap_or_default().trim());
                    self.out.push('\n');
                }
                self.blank_line();
            }
            "ac:parameter" | "ac:placeholder" | "ac:task-id" | "ac:task-status"
            | "ac:task-uuid" => {}
            _ if name.starts_with("ri:") => {}
            "script" | "style" => {}
            _ => self.children(node),
        }
    }

    fn fenced(&mut self, code: &str, language: &str) {
        self.blank_line();
        let fence = fence_for(code);
        self.out.push_str(&fence);
        self.out.push_str(language);
        self.out.push('\n');
        self.out.push_str(code.strip_suffix('\n').unwrap_or(code));
        self.out.push('\n');
        self.out.push_str(&fence);
        self.blank_line();
    }

    fn quote(&mut self, body: NodeRef<'_>, first_line: Option<&str>) {
        let saved_depth = self.list_depth;
        self.list_depth = 0;
        let inner = self.capture(|writer| writer.children(body));
        self.list_depth = saved_depth;
        self.blank_line();
        if let Some(first_line) = first_line {
            self.out.push_str("> ");
            self.out.push_str(first_line);
            self.out.push('\n');
        }
        for line in inner.trim_matches('\n').lines() {
            self.out.push('>');
            if !line.is_empty() {
                self.out.push(' ');
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
        self.blank_line();
    }

    fn list(&mut self, node: NodeRef<'_>, ordered: bool) {
        if self.list_depth == 0 {
            self.blank_line();
        } else {
            self.new_line();
        }
        let indent = "  ".repeat(self.list_depth);
        self.list_depth += 1;
        for (index, item) in node
            .children()
            .filter(|child| child.is_named("li"))
            .enumerate()
        {
            let content = self.capture(|writer| writer.children(item));
            self.new_line();
            self.out.push_str(&indent);
            if ordered {
                self.out.push_str(&format!("{}. ", index + 1));
            } else {
                self.out.push_str("- ");
            }
            self.out.push_str(content.trim_matches('\n').trim_start());
        }
        self.list_depth -= 1;
        if self.list_depth == 0 {
            self.blank_line();
        } else {
            self.new_line();
        }
    }

    fn table(&mut self, table: NodeRef<'_>) {
        let rows: Vec<NodeRef<'_>> = table
            .descendants()
            .filter(|node| node.is_named("tr"))
            .filter(|row| row.descendants().all(|inner| !inner.is_named("table")))
            .collect();
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                row.children()
                    .filter(|cell| cell.is_named("td") || cell.is_named("th"))
                    .map(|cell| {
                        let saved_depth = self.list_depth;
                        self.list_depth = 1;
                        let text = self.capture(|writer| writer.children(cell));
                        self.list_depth = saved_depth;
                        text.trim().replace('\n', "<br>")
                    })
                    .collect()
            })
            .collect();
        let columns = cells.iter().map(Vec::len).max().unwrap_or(0);
        if columns == 0 {
            return;
        }
        self.blank_line();
        for (index, row) in cells.iter().enumerate() {
            self.out.push('|');
            for column in 0..columns {
                self.out.push(' ');
                self.out
                    .push_str(row.get(column).map_or("", String::as_str));
                self.out.push_str(" |");
            }
            self.out.push('\n');
            if index == 0 {
                self.out.push('|');
                self.out.push_str(&" --- |".repeat(columns));
                self.out.push('\n');
            }
        }
        self.blank_line();
    }

    fn structured_macro(&mut self, node: NodeRef<'_>) {
        let view = MacroView::new(node);
        match view.name.as_str() {
            "code" | "noformat" => {
                let code = view.plain_body().unwrap_or_default();
                let language = view.text("language").unwrap_or_default();
                self.fenced(&code, &language);
            }
            "info" | "note" | "tip" | "warning" => {
                let kind = match view.name.as_str() {
                    "info" => "NOTE",
                    "tip" => "TIP",
                    "note" => "IMPORTANT",
                    _ => "WARNING",
                };
                let mut first_line = format!("[!{kind}]");
                if let Some(title) = view.text("title") {
                    first_line.push_str("\n> **");
                    escape_markdown(&title, &mut first_line);
                    first_line.push_str("**");
                }
                if let Some(body) = view.rich_body() {
                    self.quote(body, Some(&first_line));
                }
            }
            "quote" => {
                if let Some(body) = view.rich_body() {
                    self.quote(body, None);
                }
            }
            "status" => {
                let title = view.text("title").unwrap_or_default();
                self.out.push_str("**");
                escape_markdown(&title.to_uppercase(), &mut self.out);
                self.out.push_str("**");
            }
            "jira" => {
                if let Some(key) = view.text("key") {
                    let url = self
                        .context
                        .jira_issue_url(view.text("server").as_deref(), &key);
                    self.link(&key, url.as_deref());
                }
            }
            _ => {
                if let Some(title) = view
                    .text("title")
                    .filter(|_| matches!(view.name.as_str(), "panel" | "expand"))
                {
                    self.blank_line();
                    self.out.push_str("**");
                    escape_markdown(&title, &mut self.out);
                    self.out.push_str("**");
                    self.blank_line();
                }
                if let Some(body) = view.rich_body() {
                    self.children(body);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoContext;
    use crate::markdown::markdown_to_storage;
    use crate::parse;

    fn export(storage: &str) -> String {
        storage_to_markdown(&parse(storage).unwrap(), &NoContext)
    }

    #[test]
    fn blocks_and_inlines_export() {
        assert_eq!(
            export(
                "<h2>Title</h2><p>Some <strong>bold</strong> and <em>em</em> with <code>x</code> and a_b.</p><hr/><p>Line<br/>two</p>"
            ),
            "## Title\n\nSome **bold** and *em* with `x` and a\\_b.\n\n---\n\nLine\\\ntwo\n"
        );
    }

    #[test]
    fn lists_tables_and_code_export() {
        assert_eq!(
            export("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>"),
            "- a\n  - b\n- c\n"
        );
        assert_eq!(
            export("<ol><li><p>x</p></li><li>y</li></ol>"),
            "1. x\n2. y\n"
        );
        assert_eq!(
            export(
                "<table><tbody><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></tbody></table>"
            ),
            "| A | B |\n| --- | --- |\n| 1 | 2 |\n"
        );
        assert_eq!(
            export(
                "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">rust</ac:parameter><ac:plain-text-body><![CDATA[let a = `b`;]]></ac:plain-text-body></ac:structured-macro>"
            ),
            "```rust\nlet a = `b`;\n```\n"
        );
    }

    #[test]
    fn confluence_elements_export() {
        assert_eq!(
            export(
                "<p><ac:link><ri:page ri:space-key=\"DEV\" ri:content-title=\"Home Page\"/></ac:link></p>"
            ),
            "[Home Page](/display/DEV/Home+Page)\n"
        );
        assert_eq!(
            export(
                "<ac:task-list><ac:task><ac:task-status>complete</ac:task-status><ac:task-body>done</ac:task-body></ac:task></ac:task-list>"
            ),
            "- [x] done\n"
        );
        assert_eq!(
            export(
                "<ac:structured-macro ac:name=\"info\"><ac:parameter ac:name=\"title\">T</ac:parameter><ac:rich-text-body><p>careful</p></ac:rich-text-body></ac:structured-macro>"
            ),
            "> [!NOTE]\n> **T**\n> careful\n"
        );
        assert_eq!(
            export("<p><a href=\"javascript:alert(1)\">x</a></p>"),
            "x\n"
        );
    }

    #[test]
    fn markdown_survives_a_trip_through_storage() {
        let markdown = "# Title\n\nSome **bold** and *em* with `code`.\n\n- a\n  - b\n- c\n\n| A | B |\n| --- | --- |\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n\n- [x] done\n- [ ] todo\n";
        let storage = markdown_to_storage(markdown);
        assert_eq!(export(&storage), markdown);
    }
}
