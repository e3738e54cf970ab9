//! The editor model → TipTap JSON.
//!
//! Only attributes that differ from the schema's defaults are written, so the document stays
//! small; display-only attributes (labels, preview URLs) are written for the editor to show.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::model::{
    Block, HtmlAttributes, ImageSource, Inline, InlineNode, LinkTarget, ListItem, MacroInfo, Mark,
    Raw, Table, UserReference,
};

/// Attributes of one node, written only when they differ from the default.
#[derive(Default)]
struct AttributesOut(Map<String, Value>);

impl AttributesOut {
    fn string(mut self, name: &str, value: &str) -> Self {
        self.0.insert(name.to_string(), Value::from(value));
        self
    }

    fn optional(self, name: &str, value: Option<&String>) -> Self {
        match value {
            Some(value) => self.string(name, value),
            None => self,
        }
    }

    fn number(mut self, name: &str, value: u32, default: u32) -> Self {
        if value != default {
            self.0.insert(name.to_string(), Value::from(value));
        }
        self
    }

    fn map(mut self, name: &str, map: &BTreeMap<String, String>) -> Self {
        if !map.is_empty() {
            let object: Map<String, Value> = map
                .iter()
                .map(|(key, value)| (key.clone(), Value::from(value.as_str())))
                .collect();
            self.0.insert(name.to_string(), Value::Object(object));
        }
        self
    }

    fn list(mut self, name: &str, list: &BTreeSet<String>) -> Self {
        if !list.is_empty() {
            let values = list
                .iter()
                .map(|value| Value::from(value.as_str()))
                .collect();
            self.0.insert(name.to_string(), Value::Array(values));
        }
        self
    }

    fn html(self, html: &HtmlAttributes) -> Self {
        self.map("html", html)
    }

    fn macro_info(self, info: &MacroInfo) -> Self {
        self.optional("macroId", info.macro_id.as_ref())
            .optional("schemaVersion", info.schema_version.as_ref())
            .map("parameters", &info.parameters)
            .list("pageLinks", &info.page_links)
    }
}

fn node(kind: &str, attributes: AttributesOut, content: Vec<Value>) -> Value {
    let mut object = Map::new();
    object.insert("type".to_string(), Value::from(kind));
    if !attributes.0.is_empty() {
        object.insert("attrs".to_string(), Value::Object(attributes.0));
    }
    if !content.is_empty() {
        object.insert("content".to_string(), Value::Array(content));
    }
    Value::Object(object)
}

/// The whole document.
pub(crate) fn document_value<'b>(blocks: impl Iterator<Item = &'b Block>) -> Value {
    node(
        "doc",
        AttributesOut::default(),
        blocks.map(block_value).collect(),
    )
}

fn blocks_value(blocks: &[Block]) -> Vec<Value> {
    blocks.iter().map(block_value).collect()
}

fn list_items_value(items: &[ListItem]) -> Vec<Value> {
    items
        .iter()
        .map(|item| {
            node(
                "listItem",
                AttributesOut::default().html(&item.html),
                blocks_value(&item.content),
            )
        })
        .collect()
}

fn block_value(block: &Block) -> Value {
    let attributes = AttributesOut::default();
    match block {
        Block::Paragraph { html, content } => {
            node("paragraph", attributes.html(html), inlines_value(content))
        }
        Block::Heading {
            level,
            html,
            content,
        } => node(
            "heading",
            attributes.number("level", u32::from(*level), 0).html(html),
            inlines_value(content),
        ),
        Block::BulletList { html, items } => {
            node("bulletList", attributes.html(html), list_items_value(items))
        }
        Block::OrderedList { start, html, items } => node(
            "orderedList",
            attributes.number("start", *start, 1).html(html),
            list_items_value(items),
        ),
        Block::TaskList { items } => {
            let items = items
                .iter()
                .map(|item| {
                    let mut attributes =
                        AttributesOut::default().optional("taskId", item.task_id.as_ref());
                    if item.checked {
                        attributes
                            .0
                            .insert("checked".to_string(), Value::Bool(true));
                    }
                    node("taskItem", attributes, blocks_value(&item.content))
                })
                .collect();
            node("taskList", attributes, items)
        }
        Block::Blockquote { html, content } => {
            node("blockquote", attributes.html(html), blocks_value(content))
        }
        Block::HorizontalRule => node("horizontalRule", attributes, Vec::new()),
        Block::Table(table) => table_value(table),
        Block::Code {
            language,
            title,
            info,
            code,
        } => {
            let text = if code.is_empty() {
                Vec::new()
            } else {
                vec![node_with_text(code, &[])]
            };
            node(
                "codeBlock",
                attributes
                    .optional("language", language.as_ref())
                    .optional("title", title.as_ref())
                    .macro_info(info),
                text,
            )
        }
        Block::Panel {
            kind,
            title,
            info,
            content,
        } => node(
            "confluencePanel",
            attributes
                .string("panelType", kind.name())
                .optional("title", title.as_ref())
                .macro_info(info),
            blocks_value(content),
        ),
        Block::Expand {
            title,
            info,
            content,
        } => node(
            "confluenceExpand",
            attributes
                .optional("title", title.as_ref())
                .macro_info(info),
            blocks_value(content),
        ),
        Block::Macro { name, info } => node(
            "confluenceMacro",
            attributes.string("name", name.name()).macro_info(info),
            Vec::new(),
        ),
        Block::Raw(raw) => node("rawBlock", raw_attributes(raw), Vec::new()),
    }
}

fn raw_attributes(raw: &Raw) -> AttributesOut {
    AttributesOut::default()
        .string("storage", &raw.storage)
        .string("label", &raw.label)
        .map("parameters", &raw.parameters)
}

fn table_value(table: &Table) -> Value {
    let rows = table
        .rows
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|cell| {
                    node(
                        if cell.header {
                            "tableHeader"
                        } else {
                            "tableCell"
                        },
                        AttributesOut::default()
                            .number("colspan", cell.colspan, 1)
                            .number("rowspan", cell.rowspan, 1)
                            .html(&cell.html),
                        blocks_value(&cell.content),
                    )
                })
                .collect();
            node("tableRow", AttributesOut::default().html(&row.html), cells)
        })
        .collect();
    node(
        "table",
        AttributesOut::default()
            .html(&table.html)
            .optional("colgroup", table.colgroup.as_ref()),
        rows,
    )
}

fn node_with_text(text: &str, marks: &[Mark]) -> Value {
    let mut object = Map::new();
    object.insert("type".to_string(), Value::from("text"));
    object.insert("text".to_string(), Value::from(text));
    if !marks.is_empty() {
        object.insert(
            "marks".to_string(),
            Value::Array(marks.iter().map(mark_value).collect()),
        );
    }
    Value::Object(object)
}

fn mark_value(mark: &Mark) -> Value {
    let (kind, attributes) = match mark {
        Mark::Link { href } => ("link", AttributesOut::default().string("href", href)),
        Mark::TextColor { color } => ("textStyle", AttributesOut::default().string("color", color)),
        Mark::Bold => ("bold", AttributesOut::default()),
        Mark::Italic => ("italic", AttributesOut::default()),
        Mark::Underline => ("underline", AttributesOut::default()),
        Mark::Strike => ("strike", AttributesOut::default()),
        Mark::Subscript => ("subscript", AttributesOut::default()),
        Mark::Superscript => ("superscript", AttributesOut::default()),
        Mark::Code => ("code", AttributesOut::default()),
    };
    node(kind, attributes, Vec::new())
}

fn inlines_value(inlines: &[Inline]) -> Vec<Value> {
    inlines.iter().map(inline_value).collect()
}

fn inline_value(inline: &Inline) -> Value {
    let attributes = AttributesOut::default();
    let mut value = match &inline.node {
        InlineNode::Text(text) => return node_with_text(text, &inline.marks),
        InlineNode::HardBreak => node("hardBreak", attributes, Vec::new()),
        InlineNode::Image(image) => {
            let attributes = match &image.source {
                ImageSource::Attachment { filename } => attributes.string("attachment", filename),
                ImageSource::Url { url } => attributes.string("url", url),
            };
            node(
                "confluenceImage",
                attributes
                    .optional("width", image.width.as_ref())
                    .optional("height", image.height.as_ref())
                    .optional("align", image.align.as_ref())
                    .optional("alt", image.alt.as_ref())
                    .optional("title", image.title.as_ref())
                    .optional("src", image.preview_url.as_ref()),
                Vec::new(),
            )
        }
        InlineNode::Link(link) => {
            let attributes = match &link.target {
                LinkTarget::Page { space_key, title } => attributes
                    .string("page", title)
                    .optional("spaceKey", space_key.as_ref()),
                LinkTarget::Attachment { filename } => attributes.string("attachment", filename),
                LinkTarget::SamePage => attributes,
            };
            node(
                "confluenceLink",
                attributes
                    .optional("anchor", link.anchor.as_ref())
                    .optional("body", link.body.as_ref()),
                Vec::new(),
            )
        }
        InlineNode::Mention { user, label } => {
            let attributes = match user {
                UserReference::Key(key) => attributes.string("userKey", key),
                UserReference::AccountId(id) => attributes.string("accountId", id),
                UserReference::Username(name) => attributes.string("username", name),
            };
            node(
                "confluenceMention",
                attributes.optional("label", label.as_ref()),
                Vec::new(),
            )
        }
        InlineNode::Emoticon(emoticon) => node(
            "confluenceEmoticon",
            attributes
                .string("name", &emoticon.name)
                .optional("shortname", emoticon.shortname.as_ref())
                .optional("emojiId", emoticon.emoji_id.as_ref())
                .optional("fallback", emoticon.fallback.as_ref()),
            Vec::new(),
        ),
        InlineNode::Date { datetime } => node(
            "confluenceDate",
            attributes.string("datetime", datetime),
            Vec::new(),
        ),
        InlineNode::Status {
            colour,
            title,
            info,
        } => node(
            "confluenceStatus",
            attributes
                .optional("colour", colour.as_ref())
                .optional("title", title.as_ref())
                .macro_info(info),
            Vec::new(),
        ),
        InlineNode::Anchor { name, info } => node(
            "confluenceAnchor",
            attributes.string("name", name).macro_info(info),
            Vec::new(),
        ),
        InlineNode::Raw(raw) => node("rawInline", raw_attributes(raw), Vec::new()),
    };
    if let (false, Value::Object(object)) = (inline.marks.is_empty(), &mut value) {
        object.insert(
            "marks".to_string(),
            Value::Array(inline.marks.iter().map(mark_value).collect()),
        );
    }
    value
}
