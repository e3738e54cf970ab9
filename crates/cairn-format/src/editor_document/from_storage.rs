//! Storage tree → editor model.
//!
//! Each construct is modelled only when every part of it is understood: an element with an
//! attribute, child or parameter the model has no place for becomes a [`Raw`] node holding its
//! exact source instead, so that nothing is ever dropped or reinterpreted.

use std::collections::BTreeMap;

use super::model::{
    Block, BlockMacro, ConfluenceLink, Emoticon, HtmlAttributes, Image, ImageSource, Inline,
    InlineNode, LinkTarget, ListItem, MacroInfo, Mark, PanelKind, Raw, Table, TableCell, TableRow,
    TaskItem, UserReference, is_plain_colour,
};
use crate::context::RenderContext;
use crate::editor::is_inline_macro;
use crate::policy::{attribute_kind, is_safe_image_url, is_safe_link_url};
use crate::resource::UserTarget;
use crate::tree::{NodeKind, NodeRef};

/// How deep editor nodes may nest before a subtree is carried as a raw node. It keeps the JSON
/// well inside serde_json's recursion limit (128), so the editor can always send back what it
/// was given.
pub(crate) const MAX_EDITOR_DEPTH: usize = 40;

/// Converts storage nodes to model nodes, asking `context` for display-only details.
pub(crate) struct FromStorage<'c> {
    pub(crate) context: &'c dyn RenderContext,
}

/// Whether a storage node sits between blocks rather than inside a line of text.
pub(crate) fn is_block_node(node: NodeRef<'_>) -> bool {
    match node.kind() {
        NodeKind::Text => false,
        NodeKind::Element => match node.name() {
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "dl" | "li"
            | "blockquote" | "hr" | "table" | "colgroup" | "thead" | "tbody" | "tfoot" | "tr"
            | "td" | "th" | "pre" | "div" | "figure" | "details" | "section" | "ac:task-list"
            | "ac:layout" | "ac:layout-section" | "ac:layout-cell" | "ac:rich-text-body"
            | "ac:adf-extension" => true,
            "ac:structured-macro" | "ac:macro" => !is_inline_macro(
                &node
                    .attribute("ac:name")
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
            ),
            _ => false,
        },
        NodeKind::CData | NodeKind::Comment | NodeKind::ProcessingInstruction => true,
    }
}

fn is_whitespace_text(node: NodeRef<'_>) -> bool {
    node.kind() == NodeKind::Text && node.text().chars().all(char::is_whitespace)
}

/// Text as the editor shows it: line breaks and tabs in markup are spaces when rendered.
fn editor_text(text: &str) -> String {
    text.replace(['\n', '\r', '\t'], " ")
}

/// The node's attributes when every one of them is allow-listed for `element`, skipping
/// `modelled` ones (which have attributes of their own); `None` when one is not.
fn html_attributes(node: NodeRef<'_>, element: &str, modelled: &[&str]) -> Option<HtmlAttributes> {
    let mut kept = HtmlAttributes::new();
    for attribute in node.attributes() {
        let name = attribute.name();
        if modelled.contains(&name) {
            continue;
        }
        attribute_kind(element, name)?;
        kept.insert(name.to_string(), attribute.value().into_owned());
    }
    Some(kept)
}

/// The carried form of a node the model does not cover.
pub(crate) fn raw(node: NodeRef<'_>) -> Raw {
    let label = match node.kind() {
        NodeKind::Element => match node.name() {
            "ac:structured-macro" | "ac:macro" => node
                .attribute("ac:name")
                .map(|name| name.into_owned())
                .unwrap_or_else(|| node.name().to_string()),
            name => name.to_string(),
        },
        NodeKind::Comment => "comment".to_string(),
        NodeKind::CData => "CDATA".to_string(),
        NodeKind::ProcessingInstruction => "processing instruction".to_string(),
        NodeKind::Text => "text".to_string(),
    };
    let mut parameters = BTreeMap::new();
    if matches!(node.name(), "ac:structured-macro" | "ac:macro") {
        for parameter in node
            .children()
            .filter(|child| child.is_named("ac:parameter"))
        {
            let name = parameter.attribute("ac:name").unwrap_or_default();
            let value: String = parameter.text_content().chars().take(200).collect();
            parameters.insert(name.into_owned(), value);
        }
    }
    Raw {
        storage: node.source().to_string(),
        label,
        parameters,
    }
}

/// A structured macro taken apart; `None` from [`macro_parts`] when it has anything else.
struct MacroParts<'a> {
    name: String,
    info: MacroInfo,
    body: MacroBody<'a>,
}

enum MacroBody<'a> {
    None,
    Plain(String),
    Rich(NodeRef<'a>),
}

fn macro_parts(node: NodeRef<'_>) -> Option<MacroParts<'_>> {
    let mut name = None;
    let mut info = MacroInfo::default();
    for attribute in node.attributes() {
        let value = attribute.value().into_owned();
        match attribute.name() {
            "ac:name" => name = Some(value),
            "ac:macro-id" => info.macro_id = Some(value),
            "ac:schema-version" => info.schema_version = Some(value),
            _ => return None,
        }
    }
    let mut body = MacroBody::None;
    for child in node.children() {
        if is_whitespace_text(child) {
            continue;
        }
        let only_attribute = |attribute: &str| {
            child
                .attributes()
                .all(|candidate| candidate.name() == attribute)
        };
        match child.name() {
            "ac:parameter" if only_attribute("ac:name") => {
                let all_text = child.children().all(|part| part.kind() == NodeKind::Text);
                let parameter_name = child.attribute("ac:name").unwrap_or_default().into_owned();
                if info.parameters.contains_key(&parameter_name) {
                    return None;
                }
                let value = if all_text {
                    child.text_content()
                } else {
                    let text = page_link_text(child)?;
                    info.page_links.insert(parameter_name.clone());
                    text
                };
                info.parameters.insert(parameter_name, value);
            }
            "ac:plain-text-body" if child.attributes().next().is_none() => {
                let all_text = child
                    .children()
                    .all(|part| matches!(part.kind(), NodeKind::Text | NodeKind::CData));
                if !all_text || !matches!(body, MacroBody::None) {
                    return None;
                }
                body = MacroBody::Plain(child.text_content());
            }
            "ac:rich-text-body" if child.attributes().next().is_none() => {
                if !matches!(body, MacroBody::None) {
                    return None;
                }
                body = MacroBody::Rich(child);
            }
            _ => return None,
        }
    }
    Some(MacroParts {
        name: name?,
        info,
        body,
    })
}

/// A parameter that is exactly `<ac:link><ri:page ri:content-title="T" [ri:space-key="K"]/></ac:link>`
/// as the text form `K:T` or `T`; None for anything else, or when the text form would read back
/// differently (a title with a colon but no space key).
fn page_link_text(parameter: NodeRef<'_>) -> Option<String> {
    fn only_child(node: NodeRef<'_>) -> Option<NodeRef<'_>> {
        let mut children = node.children();
        let first = children.next()?;
        children.next().is_none().then_some(first)
    }
    let link = only_child(parameter)?;
    if link.name() != "ac:link" || link.attributes().next().is_some() {
        return None;
    }
    let page = only_child(link)?;
    if page.name() != "ri:page" || page.children().next().is_some() {
        return None;
    }
    let mut title = None;
    let mut space_key = None;
    for attribute in page.attributes() {
        match attribute.name() {
            "ri:content-title" => title = Some(attribute.value().into_owned()),
            "ri:space-key" => space_key = Some(attribute.value().into_owned()),
            _ => return None,
        }
    }
    let title = title.filter(|title| !title.is_empty())?;
    match space_key {
        Some(key) if !key.is_empty() && !key.contains(':') => Some(format!("{key}:{title}")),
        Some(_) => None,
        None if title.contains(':') => None,
        None => Some(title),
    }
}

/// What a formatting element means as a mark.
enum MarkElement {
    NotAMark,
    Mark(Mark),
    /// A formatting element with attributes the mark cannot hold.
    Unmodelled,
}

fn mark_element(node: NodeRef<'_>) -> MarkElement {
    let simple = match node.name() {
        "strong" | "b" => Some(Mark::Bold),
        "em" | "i" => Some(Mark::Italic),
        "u" => Some(Mark::Underline),
        "s" | "del" | "strike" => Some(Mark::Strike),
        "sub" => Some(Mark::Subscript),
        "sup" => Some(Mark::Superscript),
        "code" => Some(Mark::Code),
        _ => None,
    };
    let attribute_count = node.attributes().count();
    if let Some(mark) = simple {
        return if attribute_count == 0 {
            MarkElement::Mark(mark)
        } else {
            MarkElement::Unmodelled
        };
    }
    match node.name() {
        "a" => match node.attribute("href") {
            Some(href) if attribute_count == 1 && is_safe_link_url(&href) => {
                MarkElement::Mark(Mark::Link {
                    href: href.into_owned(),
                })
            }
            _ => MarkElement::Unmodelled,
        },
        "span" => match node.attribute("style") {
            Some(style) if attribute_count == 1 => text_colour(&style)
                .map(|color| MarkElement::Mark(Mark::TextColor { color }))
                .unwrap_or(MarkElement::Unmodelled),
            _ => MarkElement::Unmodelled,
        },
        _ => MarkElement::NotAMark,
    }
}

/// The colour of a `style` holding exactly one plain `color` declaration.
fn text_colour(style: &str) -> Option<String> {
    let mut declarations = style.split(';').filter(|part| !part.trim().is_empty());
    let (property, value) = declarations.next()?.split_once(':')?;
    if declarations.next().is_some() || !property.trim().eq_ignore_ascii_case("color") {
        return None;
    }
    let value = value.trim();
    is_plain_colour(value).then(|| value.to_string())
}

fn is_task_child(node: NodeRef<'_>, name: &str) -> bool {
    node.is_named(name)
        && node.attributes().next().is_none()
        && node.children().all(|child| child.kind() == NodeKind::Text)
}

impl FromStorage<'_> {
    /// Blocks of a container (document, list item, cell, macro body): runs of inline nodes
    /// become paragraphs, runs of whitespace between blocks disappear.
    pub(crate) fn blocks<'a>(
        &self,
        children: impl Iterator<Item = NodeRef<'a>>,
        depth: usize,
    ) -> Vec<Block> {
        let mut blocks = Vec::new();
        let mut run: Vec<NodeRef<'a>> = Vec::new();
        for child in children {
            if is_block_node(child) {
                self.flush_run(&mut run, depth, &mut blocks);
                blocks.push(self.block(child, depth));
            } else {
                run.push(child);
            }
        }
        self.flush_run(&mut run, depth, &mut blocks);
        blocks
    }

    fn flush_run(&self, run: &mut Vec<NodeRef<'_>>, depth: usize, blocks: &mut Vec<Block>) {
        if !run.iter().all(|node| is_whitespace_text(*node)) {
            blocks.push(Block::Paragraph {
                html: HtmlAttributes::new(),
                content: self.inline_nodes(run.iter().copied(), depth),
            });
        }
        run.clear();
    }

    /// Like [`Self::blocks`], with an empty paragraph when there is none: TipTap containers
    /// hold at least one block.
    fn non_empty_blocks<'a>(
        &self,
        children: impl Iterator<Item = NodeRef<'a>>,
        depth: usize,
    ) -> Vec<Block> {
        let mut blocks = self.blocks(children, depth);
        if blocks.is_empty() {
            blocks.push(empty_paragraph());
        }
        blocks
    }

    /// Blocks of a list or task item, which must start with a paragraph.
    fn item_blocks<'a>(
        &self,
        children: impl Iterator<Item = NodeRef<'a>>,
        depth: usize,
    ) -> Vec<Block> {
        let mut blocks = self.blocks(children, depth);
        if !matches!(blocks.first(), Some(Block::Paragraph { .. })) {
            blocks.insert(0, empty_paragraph());
        }
        blocks
    }

    pub(crate) fn inline_nodes<'a>(
        &self,
        nodes: impl Iterator<Item = NodeRef<'a>>,
        depth: usize,
    ) -> Vec<Inline> {
        let mut out = Vec::new();
        let mut marks = Vec::new();
        for node in nodes {
            self.inline(node, &mut marks, depth, &mut out);
        }
        out
    }

    fn inline(
        &self,
        node: NodeRef<'_>,
        marks: &mut Vec<Mark>,
        depth: usize,
        out: &mut Vec<Inline>,
    ) {
        let converted = match node.kind() {
            NodeKind::Text => {
                let text = editor_text(&node.text());
                if text.is_empty() {
                    return;
                }
                InlineNode::Text(text)
            }
            NodeKind::Element if depth < MAX_EDITOR_DEPTH => match mark_element(node) {
                MarkElement::Mark(mark) => {
                    marks.push(mark);
                    for child in node.children() {
                        self.inline(child, marks, depth + 1, out);
                    }
                    marks.pop();
                    return;
                }
                MarkElement::Unmodelled => InlineNode::Raw(raw(node)),
                MarkElement::NotAMark => self
                    .inline_element(node)
                    .unwrap_or_else(|| InlineNode::Raw(raw(node))),
            },
            _ => InlineNode::Raw(raw(node)),
        };
        let mut sorted_marks = marks.clone();
        sorted_marks.sort();
        sorted_marks.dedup();
        out.push(Inline {
            node: converted,
            marks: sorted_marks,
        });
    }

    fn inline_element(&self, node: NodeRef<'_>) -> Option<InlineNode> {
        match node.name() {
            "br" if node.attributes().next().is_none() && node.children().next().is_none() => {
                Some(InlineNode::HardBreak)
            }
            "ac:link" => self.confluence_link(node),
            "ac:image" => self.image(node),
            "ac:emoticon" => emoticon(node),
            "time" => {
                let only_datetime = node.attributes().count() == 1;
                let datetime = node.attribute("datetime")?;
                (only_datetime && node.children().next().is_none()).then(|| InlineNode::Date {
                    datetime: datetime.into_owned(),
                })
            }
            "ac:structured-macro" => {
                let mut parts = macro_parts(node)?;
                if !matches!(parts.body, MacroBody::None) {
                    return None;
                }
                match parts.name.as_str() {
                    "status" => Some(InlineNode::Status {
                        colour: parts.info.parameters.remove("colour"),
                        title: parts.info.parameters.remove("title"),
                        info: parts.info,
                    }),
                    "anchor" => Some(InlineNode::Anchor {
                        name: parts.info.parameters.remove("").unwrap_or_default(),
                        info: parts.info,
                    }),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn confluence_link(&self, node: NodeRef<'_>) -> Option<InlineNode> {
        let mut anchor = None;
        for attribute in node.attributes() {
            match attribute.name() {
                "ac:anchor" => anchor = Some(attribute.value().into_owned()),
                _ => return None,
            }
        }
        let mut resource = None;
        let mut body = None;
        for child in node.children() {
            if is_whitespace_text(child) {
                continue;
            }
            let text_only = child
                .children()
                .all(|part| matches!(part.kind(), NodeKind::Text | NodeKind::CData));
            match child.name() {
                "ri:page" | "ri:attachment" | "ri:user" if resource.is_none() => {
                    if child.children().next().is_some() {
                        return None;
                    }
                    resource = Some(child);
                }
                "ac:plain-text-link-body" | "ac:link-body"
                    if body.is_none() && text_only && child.attributes().next().is_none() =>
                {
                    body = Some(child.text_content());
                }
                _ => return None,
            }
        }
        let attributes_within = |resource: NodeRef<'_>, allowed: &[&str]| {
            resource
                .attributes()
                .all(|attribute| allowed.contains(&attribute.name()))
        };
        let target = match resource {
            None if anchor.is_some() => LinkTarget::SamePage,
            None => return None,
            Some(user) if user.name() == "ri:user" => {
                if anchor.is_some() || body.is_some() || user.attributes().count() != 1 {
                    return None;
                }
                let (reference, target) = if let Some(key) = user.attribute("ri:userkey") {
                    (
                        UserReference::Key(key.to_string()),
                        UserTarget::Key(key.into_owned()),
                    )
                } else if let Some(id) = user.attribute("ri:account-id") {
                    let target = UserTarget::AccountId(id.to_string());
                    (UserReference::AccountId(id.into_owned()), target)
                } else {
                    let name = user.attribute("ri:username")?;
                    let target = UserTarget::Username(name.to_string());
                    (UserReference::Username(name.into_owned()), target)
                };
                let label = self.context.user(&target).map(|user| user.display_name);
                return Some(InlineNode::Mention {
                    user: reference,
                    label,
                });
            }
            Some(page) if page.name() == "ri:page" => {
                if !attributes_within(page, &["ri:content-title", "ri:space-key"]) {
                    return None;
                }
                LinkTarget::Page {
                    space_key: page.attribute("ri:space-key").map(|key| key.into_owned()),
                    title: page.attribute("ri:content-title")?.into_owned(),
                }
            }
            Some(attachment) => {
                if !attributes_within(attachment, &["ri:filename"]) {
                    return None;
                }
                LinkTarget::Attachment {
                    filename: attachment.attribute("ri:filename")?.into_owned(),
                }
            }
        };
        Some(InlineNode::Link(ConfluenceLink {
            target,
            anchor,
            body,
        }))
    }

    fn image(&self, node: NodeRef<'_>) -> Option<InlineNode> {
        let mut image = Image {
            source: ImageSource::Url { url: String::new() },
            width: None,
            height: None,
            align: None,
            alt: None,
            title: None,
            preview_url: None,
        };
        for attribute in node.attributes() {
            let value = Some(attribute.value().into_owned());
            match attribute.name() {
                "ac:width" => image.width = value,
                "ac:height" => image.height = value,
                "ac:align" => image.align = value,
                "ac:alt" => image.alt = value,
                "ac:title" => image.title = value,
                _ => return None,
            }
        }
        let mut resources = node.children().filter(|child| !is_whitespace_text(*child));
        let resource = resources.next()?;
        if resources.next().is_some()
            || resource.children().next().is_some()
            || resource.attributes().count() != 1
        {
            return None;
        }
        match resource.name() {
            "ri:attachment" => {
                let filename = resource.attribute("ri:filename")?.into_owned();
                image.preview_url = self
                    .context
                    .attachment_url(None, &filename)
                    .filter(|url| is_safe_image_url(url));
                image.source = ImageSource::Attachment { filename };
            }
            "ri:url" => {
                // An unsafe URL stays raw: the editor could not send it back.
                let url = resource.attribute("ri:value")?.into_owned();
                if !is_safe_image_url(&url) {
                    return None;
                }
                image.preview_url = Some(url.clone());
                image.source = ImageSource::Url { url };
            }
            _ => return None,
        }
        Some(InlineNode::Image(image))
    }

    /// One block-level storage node as a block.
    pub(crate) fn block(&self, node: NodeRef<'_>, depth: usize) -> Block {
        let converted = if node.is_element() && depth < MAX_EDITOR_DEPTH {
            self.element_block(node, depth + 1)
        } else {
            None
        };
        converted.unwrap_or_else(|| Block::Raw(raw(node)))
    }

    fn element_block(&self, node: NodeRef<'_>, depth: usize) -> Option<Block> {
        let name = node.name();
        match name {
            "p" => Some(Block::Paragraph {
                html: html_attributes(node, name, &[])?,
                content: self.inline_nodes(node.children(), depth),
            }),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Some(Block::Heading {
                level: name[1..].parse().ok()?,
                html: html_attributes(node, name, &[])?,
                content: self.inline_nodes(node.children(), depth),
            }),
            "ul" => Some(Block::BulletList {
                html: html_attributes(node, name, &[])?,
                items: self.list_items(node, depth)?,
            }),
            "ol" => {
                let start = match node.attribute("start") {
                    Some(start) => start.trim().parse().ok()?,
                    None => 1,
                };
                Some(Block::OrderedList {
                    start,
                    html: html_attributes(node, name, &["start"])?,
                    items: self.list_items(node, depth)?,
                })
            }
            "blockquote" => Some(Block::Blockquote {
                html: html_attributes(node, name, &[])?,
                content: self.non_empty_blocks(node.children(), depth),
            }),
            "hr" => (node.attributes().next().is_none() && node.children().next().is_none())
                .then_some(Block::HorizontalRule),
            "table" => self.table(node, depth).map(Block::Table),
            "ac:task-list" => self.task_list(node, depth),
            "ac:structured-macro" => self.block_macro(node, depth),
            _ => None,
        }
    }

    fn list_items(&self, list: NodeRef<'_>, depth: usize) -> Option<Vec<ListItem>> {
        let mut items = Vec::new();
        for child in list.children() {
            if is_whitespace_text(child) {
                continue;
            }
            if !child.is_named("li") {
                return None;
            }
            items.push(ListItem {
                html: html_attributes(child, "li", &[])?,
                content: self.item_blocks(child.children(), depth + 1),
            });
        }
        (!items.is_empty()).then_some(items)
    }

    fn task_list(&self, list: NodeRef<'_>, depth: usize) -> Option<Block> {
        if list.attributes().next().is_some() {
            return None;
        }
        let mut items = Vec::new();
        for task in list.children() {
            if is_whitespace_text(task) {
                continue;
            }
            if !task.is_named("ac:task") || task.attributes().next().is_some() {
                return None;
            }
            let mut task_id = None;
            let mut status = None;
            let mut body = None;
            for part in task.children() {
                if is_whitespace_text(part) {
                    continue;
                }
                if is_task_child(part, "ac:task-id") && task_id.is_none() {
                    task_id = Some(part.text_content());
                } else if is_task_child(part, "ac:task-status") && status.is_none() {
                    status = Some(part.text_content());
                } else if part.is_named("ac:task-body")
                    && part.attributes().next().is_none()
                    && body.is_none()
                {
                    body = Some(part);
                } else {
                    return None;
                }
            }
            let checked = match status.as_deref() {
                Some("complete") => true,
                Some("incomplete") | None => false,
                Some(_) => return None,
            };
            items.push(TaskItem {
                checked,
                task_id,
                content: match body {
                    Some(body) => self.item_blocks(body.children(), depth + 1),
                    None => vec![empty_paragraph()],
                },
            });
        }
        (!items.is_empty()).then_some(Block::TaskList { items })
    }

    fn table(&self, table: NodeRef<'_>, depth: usize) -> Option<Table> {
        let mut model = Table {
            html: html_attributes(table, "table", &[])?,
            colgroup: None,
            rows: Vec::new(),
        };
        for child in table.children() {
            if is_whitespace_text(child) {
                continue;
            }
            match child.name() {
                "colgroup" if model.colgroup.is_none() && model.rows.is_empty() => {
                    model.colgroup = Some(child.source().to_string());
                }
                "thead" | "tbody" | "tfoot" if child.attributes().next().is_none() => {
                    for row in child.children() {
                        if !is_whitespace_text(row) {
                            model.rows.push(self.table_row(row, depth + 1)?);
                        }
                    }
                }
                "tr" => model.rows.push(self.table_row(child, depth + 1)?),
                _ => return None,
            }
        }
        (!model.rows.is_empty()).then_some(model)
    }

    fn table_row(&self, row: NodeRef<'_>, depth: usize) -> Option<TableRow> {
        if !row.is_named("tr") {
            return None;
        }
        let mut cells = Vec::new();
        for cell in row.children() {
            if is_whitespace_text(cell) {
                continue;
            }
            let header = match cell.name() {
                "th" => true,
                "td" => false,
                _ => return None,
            };
            let span = |name: &str| match cell.attribute(name) {
                Some(value) => value.trim().parse::<u32>().ok().filter(|span| *span >= 1),
                None => Some(1),
            };
            cells.push(TableCell {
                header,
                colspan: span("colspan")?,
                rowspan: span("rowspan")?,
                html: html_attributes(cell, cell.name(), &["colspan", "rowspan"])?,
                content: self.non_empty_blocks(cell.children(), depth + 1),
            });
        }
        Some(TableRow {
            html: html_attributes(row, "tr", &[])?,
            cells: (!cells.is_empty()).then_some(cells)?,
        })
    }

    fn block_macro(&self, node: NodeRef<'_>, depth: usize) -> Option<Block> {
        let mut parts = macro_parts(node)?;
        let rich_body = |body: &MacroBody<'_>| match body {
            MacroBody::None => Some(vec![empty_paragraph()]),
            MacroBody::Rich(body) => Some(self.non_empty_blocks(body.children(), depth + 1)),
            MacroBody::Plain(_) => None,
        };
        if let Some(kind) = PanelKind::from_name(&parts.name) {
            return Some(Block::Panel {
                kind,
                title: parts.info.parameters.remove("title"),
                content: rich_body(&parts.body)?,
                info: parts.info,
            });
        }
        match parts.name.as_str() {
            "code" => {
                let code = match parts.body {
                    MacroBody::None => String::new(),
                    MacroBody::Plain(code) => code,
                    MacroBody::Rich(_) => return None,
                };
                Some(Block::Code {
                    language: parts.info.parameters.remove("language"),
                    title: parts.info.parameters.remove("title"),
                    info: parts.info,
                    code,
                })
            }
            "expand" => Some(Block::Expand {
                title: parts.info.parameters.remove("title"),
                content: rich_body(&parts.body)?,
                info: parts.info,
            }),
            name => {
                let known = BlockMacro::from_name(name)?;
                matches!(parts.body, MacroBody::None).then_some(Block::Macro {
                    name: known,
                    info: parts.info,
                })
            }
        }
    }
}

fn emoticon(node: NodeRef<'_>) -> Option<InlineNode> {
    if node.children().next().is_some() {
        return None;
    }
    let mut emoticon = Emoticon {
        name: String::new(),
        shortname: None,
        emoji_id: None,
        fallback: None,
    };
    let mut named = false;
    for attribute in node.attributes() {
        let value = attribute.value().into_owned();
        match attribute.name() {
            "ac:name" => {
                emoticon.name = value;
                named = true;
            }
            "ac:emoji-shortname" => emoticon.shortname = Some(value),
            "ac:emoji-id" => emoticon.emoji_id = Some(value),
            "ac:emoji-fallback" => emoticon.fallback = Some(value),
            _ => return None,
        }
    }
    named.then_some(InlineNode::Emoticon(emoticon))
}

pub(crate) fn empty_paragraph() -> Block {
    Block::Paragraph {
        html: HtmlAttributes::new(),
        content: Vec::new(),
    }
}
