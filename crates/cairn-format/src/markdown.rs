//! Markdown to storage format (CommonMark with tables, strikethrough and task lists, read by
//! `pulldown-cmark`), and storage format to Markdown for export.

mod export;

pub use export::storage_to_markdown;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::entity::{escape_attribute, escape_text_into};
use crate::sanitize::sanitize_html;
use crate::storage::code_macro;

/// How an open list is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ListKind {
    Bullet,
    Ordered,
    Task,
    /// Nested too deep to be written; its content joins the enclosing block.
    Flattened,
}

/// How many lists, quotes and inline containers may nest in the output. Deeper ones are
/// flattened, so that the result stays within the parser's depth limit.
const MAX_NESTING: usize = 64;

/// Tags that nest without bound in Markdown.
fn nests(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
    )
}

fn nests_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
    )
}

/// Converts Markdown to storage format. Always succeeds; the result is well-formed.
/// Fenced code becomes a `code` macro with its language, task lists become `ac:task-list`,
/// images with a relative path become attachment images, raw HTML blocks are sanitized.
pub fn markdown_to_storage(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    let mut converter = Converter {
        out: String::with_capacity(markdown.len() * 2),
        ..Converter::default()
    };
    converter.run(&events);
    converter.out
}

#[derive(Default)]
struct Converter {
    out: String,
    lists: Vec<ListKind>,
    next_task_id: usize,
    in_table_head: bool,
    /// While inside an image: its resource identifier and the alt text collected so far.
    image: Option<(String, String)>,
    /// While inside a code block: its language and text.
    code: Option<(String, String)>,
    /// While inside an HTML block: its source, sanitized at the end.
    html_block: Option<String>,
    /// For each open nesting tag: whether it was written.
    nesting: Vec<bool>,
    /// How many open nesting tags were written.
    written_nesting: usize,
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Whether the list starting at `events[start]` is a task list (its first item has a marker).
fn starts_task_list(events: &[Event<'_>], start: usize) -> bool {
    events
        .iter()
        .skip(start + 1)
        .take(3)
        .any(|event| matches!(event, Event::TaskListMarker(_)))
}

/// The marker of the item starting at `events[start]`, if it has one.
fn item_marker(events: &[Event<'_>], start: usize) -> Option<bool> {
    events
        .iter()
        .skip(start + 1)
        .take(2)
        .find_map(|event| match event {
            Event::TaskListMarker(checked) => Some(*checked),
            _ => None,
        })
}

fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte))
    })
}

impl Converter {
    fn text(&mut self, text: &str) {
        if let Some((_, alt)) = &mut self.image {
            alt.push_str(text);
        } else if let Some((_, code)) = &mut self.code {
            code.push_str(text);
        } else if let Some(html) = &mut self.html_block {
            html.push_str(text);
        } else {
            escape_text_into(&mut self.out, text);
        }
    }

    fn in_task_item(&self) -> bool {
        self.lists.last() == Some(&ListKind::Task)
    }

    fn run(&mut self, events: &[Event<'_>]) {
        for (index, event) in events.iter().enumerate() {
            match event {
                Event::Start(tag) => {
                    if nests(tag) {
                        let write = self.written_nesting < MAX_NESTING;
                        self.nesting.push(write);
                        if !write {
                            if matches!(tag, Tag::List(_)) {
                                self.lists.push(ListKind::Flattened);
                            }
                            continue;
                        }
                        self.written_nesting += 1;
                    }
                    self.start(tag, events, index);
                }
                Event::End(tag) => {
                    if nests_end(*tag) {
                        let written = self.nesting.pop().unwrap_or(true);
                        if !written {
                            if matches!(tag, TagEnd::List(_)) {
                                self.lists.pop();
                            }
                            continue;
                        }
                        self.written_nesting = self.written_nesting.saturating_sub(1);
                    }
                    self.end(*tag);
                }
                Event::Text(text) => self.text(text),
                Event::Code(code) => {
                    self.out.push_str("<code>");
                    escape_text_into(&mut self.out, code);
                    self.out.push_str("</code>");
                }
                Event::Html(html) => self.text(html),
                Event::InlineHtml(html) => {
                    let tag = html.trim().to_ascii_lowercase();
                    if matches!(tag.as_str(), "<br>" | "<br/>" | "<br />") {
                        self.out.push_str("<br />");
                    } else {
                        self.text(html);
                    }
                }
                Event::SoftBreak => self.text("\n"),
                Event::HardBreak => self.out.push_str("<br />"),
                Event::Rule => self.out.push_str("<hr />"),
                Event::TaskListMarker(_) => {}
                Event::InlineMath(math) | Event::DisplayMath(math) => self.text(math),
                Event::FootnoteReference(name) => self.text(&format!("[^{name}]")),
            }
        }
    }

    fn start(&mut self, tag: &Tag<'_>, events: &[Event<'_>], index: usize) {
        match tag {
            Tag::Paragraph => {
                if !self.in_task_item() {
                    self.out.push_str("<p>");
                }
            }
            Tag::Heading { level, .. } => {
                self.out.push_str(&format!("<h{}>", heading_number(*level)))
            }
            Tag::BlockQuote(_) => self.out.push_str("<blockquote>"),
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((language, String::new()));
            }
            Tag::HtmlBlock => self.html_block = Some(String::new()),
            Tag::List(start) => {
                let kind = if starts_task_list(events, index) {
                    self.out.push_str("<ac:task-list>");
                    ListKind::Task
                } else if let Some(start) = start {
                    if *start == 1 {
                        self.out.push_str("<ol>");
                    } else {
                        self.out.push_str(&format!("<ol start=\"{start}\">"));
                    }
                    ListKind::Ordered
                } else {
                    self.out.push_str("<ul>");
                    ListKind::Bullet
                };
                self.lists.push(kind);
            }
            Tag::Item => {
                if self.in_task_item() {
                    self.next_task_id += 1;
                    let status = if item_marker(events, index) == Some(true) {
                        "complete"
                    } else {
                        "incomplete"
                    };
                    self.out.push_str(&format!(
                        "<ac:task><ac:task-id>{}</ac:task-id><ac:task-status>{status}</ac:task-status><ac:task-body>",
                        self.next_task_id
                    ));
                } else {
                    self.out.push_str("<li>");
                }
            }
            Tag::Table(_) => self.out.push_str("<table><tbody>"),
            Tag::TableHead => {
                self.in_table_head = true;
                self.out.push_str("<tr>");
            }
            Tag::TableRow => self.out.push_str("<tr>"),
            Tag::TableCell => self
                .out
                .push_str(if self.in_table_head { "<th>" } else { "<td>" }),
            Tag::Emphasis => self.out.push_str("<em>"),
            Tag::Strong => self.out.push_str("<strong>"),
            Tag::Strikethrough => self.out.push_str("<del>"),
            Tag::Superscript => self.out.push_str("<sup>"),
            Tag::Subscript => self.out.push_str("<sub>"),
            Tag::Link { dest_url, .. } => self
                .out
                .push_str(&format!("<a href=\"{}\">", escape_attribute(dest_url))),
            Tag::Image { dest_url, .. } => {
                let resource = if has_scheme(dest_url) {
                    format!("<ri:url ri:value=\"{}\" />", escape_attribute(dest_url))
                } else {
                    let filename = dest_url.rsplit('/').next().unwrap_or(dest_url);
                    format!(
                        "<ri:attachment ri:filename=\"{}\" />",
                        escape_attribute(filename)
                    )
                };
                // The alt text is known only at the end of the image; the resource waits until then.
                self.image = Some((resource, String::new()));
            }
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                if !self.in_task_item() {
                    self.out.push_str("</p>");
                }
            }
            TagEnd::Heading(level) => self.out.push_str(&format!("</h{}>", heading_number(level))),
            TagEnd::BlockQuote(_) => self.out.push_str("</blockquote>"),
            TagEnd::CodeBlock => {
                if let Some((language, code)) = self.code.take() {
                    let code = code.strip_suffix('\n').unwrap_or(&code);
                    self.out.push_str(&code_macro(Some(&language), code));
                }
            }
            TagEnd::HtmlBlock => {
                if let Some(html) = self.html_block.take() {
                    self.out.push_str(&sanitize_html(html.trim()));
                }
            }
            TagEnd::List(_) => match self.lists.pop() {
                Some(ListKind::Task) => self.out.push_str("</ac:task-list>"),
                Some(ListKind::Ordered) => self.out.push_str("</ol>"),
                Some(ListKind::Bullet | ListKind::Flattened) | None => self.out.push_str("</ul>"),
            },
            TagEnd::Item => {
                if self.in_task_item() {
                    self.out.push_str("</ac:task-body></ac:task>");
                } else {
                    self.out.push_str("</li>");
                }
            }
            TagEnd::Table => self.out.push_str("</tbody></table>"),
            TagEnd::TableHead => {
                self.in_table_head = false;
                self.out.push_str("</tr>");
            }
            TagEnd::TableRow => self.out.push_str("</tr>"),
            TagEnd::TableCell => {
                self.out
                    .push_str(if self.in_table_head { "</th>" } else { "</td>" })
            }
            TagEnd::Emphasis => self.out.push_str("</em>"),
            TagEnd::Strong => self.out.push_str("</strong>"),
            TagEnd::Strikethrough => self.out.push_str("</del>"),
            TagEnd::Superscript => self.out.push_str("</sup>"),
            TagEnd::Subscript => self.out.push_str("</sub>"),
            TagEnd::Link => self.out.push_str("</a>"),
            TagEnd::Image => {
                if let Some((resource, alt)) = self.image.take() {
                    let alt_attribute = if alt.is_empty() {
                        String::new()
                    } else {
                        format!(" ac:alt=\"{}\"", escape_attribute(&alt))
                    };
                    self.out
                        .push_str(&format!("<ac:image{alt_attribute}>{resource}</ac:image>"));
                }
            }
            TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::check_well_formed;

    fn convert(markdown: &str) -> String {
        let storage = markdown_to_storage(markdown);
        assert!(
            check_well_formed(&storage).is_ok(),
            "not well-formed: {storage}"
        );
        storage
    }

    #[test]
    fn commonmark_blocks_and_inlines() {
        assert_eq!(
            convert(
                "# Title\n\nSome **bold**, *em*, ~~gone~~ and `a<b` [link](https://e.com/?a&b).\n\n> quoted\n\n---\n"
            ),
            "<h1>Title</h1><p>Some <strong>bold</strong>, <em>em</em>, <del>gone</del> and <code>a&lt;b</code> <a href=\"https://e.com/?a&amp;b\">link</a>.</p><blockquote><p>quoted</p></blockquote><hr />"
        );
    }

    #[test]
    fn fenced_code_becomes_a_code_macro() {
        assert_eq!(
            convert("```rust\nfn main() {}\n```\n"),
            "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">rust</ac:parameter><ac:plain-text-body><![CDATA[fn main() {}]]></ac:plain-text-body></ac:structured-macro>"
        );
    }

    #[test]
    fn lists_nest_and_number() {
        assert_eq!(
            convert("- a\n  - b\n- c\n\n3. x\n4. y\n"),
            "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul><ol start=\"3\"><li>x</li><li>y</li></ol>"
        );
    }

    #[test]
    fn task_lists_become_confluence_tasks() {
        assert_eq!(
            convert("- [x] done\n- [ ] todo\n"),
            "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>done</ac:task-body></ac:task><ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>todo</ac:task-body></ac:task></ac:task-list>"
        );
    }

    #[test]
    fn tables_have_a_header_row() {
        assert_eq!(
            convert("| A | B |\n|---|---|\n| 1 | 2 |\n"),
            "<table><tbody><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></tbody></table>"
        );
    }

    #[test]
    fn images_are_attachments_or_urls() {
        assert_eq!(
            convert("![Logo](img/logo.png) ![](https://e.com/x.png)"),
            "<p><ac:image ac:alt=\"Logo\"><ri:attachment ri:filename=\"logo.png\" /></ac:image> <ac:image><ri:url ri:value=\"https://e.com/x.png\" /></ac:image></p>"
        );
    }

    #[test]
    fn raw_html_is_sanitized_or_escaped() {
        assert_eq!(
            convert("<div onclick=\"x()\">hi<script>bad()</script></div>\n"),
            "<div>hi</div>"
        );
        assert_eq!(
            convert("a <b>b</b><br>c"),
            "<p>a &lt;b&gt;b&lt;/b&gt;<br />c</p>"
        );
    }
}
