//! TipTap JSON → the editor model.
//!
//! Reading accepts what TipTap's `getJSON()` sends (every attribute, defaults and nulls
//! included) and ignores attributes it does not know, since TipTap adds some of its own (a
//! link's `target`, a cell's `colwidth`). Unknown node or mark types, wrong value types, unsafe
//! URLs and raw storage that is not part of the page being edited are errors naming the place
//! in the document (`doc.content[2].attrs.level`).

use std::collections::{BTreeMap, HashSet};
use std::ops::RangeInclusive;

use serde_json::{Map, Value};

use super::model::{
    Block, BlockMacro, ConfluenceLink, Emoticon, Image, ImageSource, Inline, InlineNode,
    LinkTarget, ListItem, MacroInfo, Mark, PanelKind, Raw, Table, TableCell, TableRow, TaskItem,
    UserReference, is_plain_colour,
};
use crate::error::FormatError;
use crate::policy::{is_safe_image_url, is_safe_link_url};

fn invalid(path: &str, reason: impl Into<String>) -> FormatError {
    FormatError::EditorDocument {
        path: path.to_string(),
        reason: reason.into(),
    }
}

/// One JSON node being read, with where it is for error messages.
struct NodeIn<'v> {
    kind: &'v str,
    attributes: Option<&'v Map<String, Value>>,
    content: &'v [Value],
    object: &'v Map<String, Value>,
    path: String,
}

fn node_in(value: &Value, path: String) -> Result<NodeIn<'_>, FormatError> {
    let object = value
        .as_object()
        .ok_or_else(|| invalid(&path, "expected a node object"))?;
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(&path, "a node needs a string \"type\""))?;
    let attributes = match object.get("attrs") {
        None | Some(Value::Null) => None,
        Some(Value::Object(attributes)) => Some(attributes),
        Some(_) => return Err(invalid(&path, "\"attrs\" must be an object")),
    };
    let content = match object.get("content") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(content)) => content.as_slice(),
        Some(_) => return Err(invalid(&path, "\"content\" must be an array")),
    };
    Ok(NodeIn {
        kind,
        attributes,
        content,
        object,
        path,
    })
}

impl<'v> NodeIn<'v> {
    fn attribute(&self, name: &str) -> Option<&'v Value> {
        self.attributes
            .and_then(|attributes| attributes.get(name))
            .filter(|value| !value.is_null())
    }

    fn attribute_path(&self, name: &str) -> String {
        format!("{}.attrs.{name}", self.path)
    }

    fn string(&self, name: &str) -> Result<Option<String>, FormatError> {
        match self.attribute(name) {
            None => Ok(None),
            Some(Value::String(value)) => Ok(Some(value.clone())),
            Some(_) => Err(invalid(&self.attribute_path(name), "expected a string")),
        }
    }

    fn required_string(&self, name: &str) -> Result<String, FormatError> {
        self.string(name)?
            .ok_or_else(|| invalid(&self.attribute_path(name), "this attribute is required"))
    }

    fn boolean(&self, name: &str) -> Result<bool, FormatError> {
        match self.attribute(name) {
            None => Ok(false),
            Some(Value::Bool(value)) => Ok(*value),
            Some(_) => Err(invalid(
                &self.attribute_path(name),
                "expected true or false",
            )),
        }
    }

    fn integer(
        &self,
        name: &str,
        default: u32,
        range: RangeInclusive<u32>,
    ) -> Result<u32, FormatError> {
        let Some(value) = self.attribute(name) else {
            return Ok(default);
        };
        value
            .as_u64()
            .and_then(|number| u32::try_from(number).ok())
            .filter(|number| range.contains(number))
            .ok_or_else(|| {
                let reason = format!(
                    "expected an integer from {} to {}",
                    range.start(),
                    range.end()
                );
                invalid(&self.attribute_path(name), reason)
            })
    }

    fn string_map(&self, name: &str) -> Result<BTreeMap<String, String>, FormatError> {
        let Some(value) = self.attribute(name) else {
            return Ok(BTreeMap::new());
        };
        let object = value
            .as_object()
            .ok_or_else(|| invalid(&self.attribute_path(name), "expected an object of strings"))?;
        object
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => Ok((key.clone(), text.clone())),
                _ => Err(invalid(
                    &format!("{}.{key}", self.attribute_path(name)),
                    "expected a string",
                )),
            })
            .collect()
    }

    fn macro_info(&self) -> Result<MacroInfo, FormatError> {
        Ok(MacroInfo {
            macro_id: self.string("macroId")?,
            schema_version: self.string("schemaVersion")?,
            parameters: self.string_map("parameters")?,
            page_links: self.string_list("pageLinks")?.into_iter().collect(),
        })
    }

    fn string_list(&self, name: &str) -> Result<Vec<String>, FormatError> {
        let Some(value) = self.attribute(name) else {
            return Ok(Vec::new());
        };
        let list = value
            .as_array()
            .ok_or_else(|| invalid(&self.attribute_path(name), "expected a list of strings"))?;
        list.iter()
            .enumerate()
            .map(|(index, value)| match value {
                Value::String(text) => Ok(text.clone()),
                _ => Err(invalid(
                    &format!("{}[{index}]", self.attribute_path(name)),
                    "expected a string",
                )),
            })
            .collect()
    }

    fn children(&self) -> impl Iterator<Item = (String, &'v Value)> + '_ {
        self.content
            .iter()
            .enumerate()
            .map(|(index, child)| (format!("{}.content[{index}]", self.path), child))
    }
}

/// Reads editor JSON into the model. `allowed_raw` holds the storage of every node of the page
/// being edited: raw nodes must come from there, so the editor cannot bring in storage of its
/// own making.
pub(crate) struct Reader<'o> {
    pub(crate) allowed_raw: HashSet<&'o str>,
}

impl Reader<'_> {
    pub(crate) fn document(&self, value: &Value) -> Result<Vec<Block>, FormatError> {
        let document = node_in(value, "doc".to_string())?;
        if document.kind != "doc" {
            return Err(invalid("doc", "the top node must be of type \"doc\""));
        }
        self.blocks(&document)
    }

    fn blocks(&self, parent: &NodeIn<'_>) -> Result<Vec<Block>, FormatError> {
        parent
            .children()
            .map(|(path, child)| self.block(node_in(child, path)?))
            .collect()
    }

    fn raw(&self, node: &NodeIn<'_>) -> Result<Raw, FormatError> {
        let storage = node.required_string("storage")?;
        if !self.allowed_raw.contains(storage.as_str()) {
            return Err(invalid(
                &node.attribute_path("storage"),
                "raw storage does not come from the page being edited",
            ));
        }
        Ok(Raw {
            storage,
            ..Raw::default()
        })
    }

    fn block(&self, node: NodeIn<'_>) -> Result<Block, FormatError> {
        let html = || node.string_map("html");
        let block = match node.kind {
            "paragraph" => Block::Paragraph {
                html: html()?,
                content: self.inlines(&node)?,
            },
            "heading" => Block::Heading {
                level: u8::try_from(node.integer("level", 1, 1..=6)?).unwrap_or(1),
                html: html()?,
                content: self.inlines(&node)?,
            },
            "bulletList" => Block::BulletList {
                html: html()?,
                items: self.list_items(&node)?,
            },
            "orderedList" => Block::OrderedList {
                start: node.integer("start", 1, 0..=999_999)?,
                html: html()?,
                items: self.list_items(&node)?,
            },
            "taskList" => Block::TaskList {
                items: node
                    .children()
                    .map(|(path, child)| {
                        let item = node_in(child, path)?;
                        expect_kind(&item, &["taskItem"])?;
                        Ok(TaskItem {
                            checked: item.boolean("checked")?,
                            task_id: item.string("taskId")?,
                            content: self.blocks(&item)?,
                        })
                    })
                    .collect::<Result<_, FormatError>>()?,
            },
            "blockquote" => Block::Blockquote {
                html: html()?,
                content: self.blocks(&node)?,
            },
            "horizontalRule" => Block::HorizontalRule,
            "table" => Block::Table(self.table(&node)?),
            "codeBlock" => Block::Code {
                language: node.string("language")?,
                title: node.string("title")?,
                info: node.macro_info()?,
                code: plain_text(&node)?,
            },
            "confluencePanel" => {
                let panel_type = node.required_string("panelType")?;
                let kind = PanelKind::from_name(&panel_type).ok_or_else(|| {
                    invalid(
                        &node.attribute_path("panelType"),
                        "expected info, note, tip, warning or panel",
                    )
                })?;
                Block::Panel {
                    kind,
                    title: node.string("title")?,
                    info: node.macro_info()?,
                    content: self.blocks(&node)?,
                }
            }
            "confluenceExpand" => Block::Expand {
                title: node.string("title")?,
                info: node.macro_info()?,
                content: self.blocks(&node)?,
            },
            "confluenceMacro" => {
                let name = node.required_string("name")?;
                let known = BlockMacro::from_name(&name).ok_or_else(|| {
                    invalid(&node.attribute_path("name"), "expected toc or children")
                })?;
                Block::Macro {
                    name: known,
                    info: node.macro_info()?,
                }
            }
            "rawBlock" => Block::Raw(self.raw(&node)?),
            other => {
                return Err(invalid(
                    &node.path,
                    format!("unknown block node type \"{other}\""),
                ));
            }
        };
        Ok(block)
    }

    fn list_items(&self, list: &NodeIn<'_>) -> Result<Vec<ListItem>, FormatError> {
        list.children()
            .map(|(path, child)| {
                let item = node_in(child, path)?;
                expect_kind(&item, &["listItem"])?;
                Ok(ListItem {
                    html: item.string_map("html")?,
                    content: self.blocks(&item)?,
                })
            })
            .collect()
    }

    fn table(&self, node: &NodeIn<'_>) -> Result<Table, FormatError> {
        let colgroup = node.string("colgroup")?;
        let foreign = colgroup.as_ref().is_some_and(|colgroup| {
            !colgroup.starts_with("<colgroup") || !self.allowed_raw.contains(colgroup.as_str())
        });
        if foreign {
            return Err(invalid(
                &node.attribute_path("colgroup"),
                "the column group does not come from the page being edited",
            ));
        }
        let rows = node
            .children()
            .map(|(path, child)| {
                let row = node_in(child, path)?;
                expect_kind(&row, &["tableRow"])?;
                let cells = row
                    .children()
                    .map(|(path, child)| {
                        let cell = node_in(child, path)?;
                        expect_kind(&cell, &["tableCell", "tableHeader"])?;
                        Ok(TableCell {
                            header: cell.kind == "tableHeader",
                            colspan: cell.integer("colspan", 1, 1..=1000)?,
                            rowspan: cell.integer("rowspan", 1, 1..=1000)?,
                            html: cell.string_map("html")?,
                            content: self.blocks(&cell)?,
                        })
                    })
                    .collect::<Result<_, FormatError>>()?;
                Ok(TableRow {
                    html: row.string_map("html")?,
                    cells,
                })
            })
            .collect::<Result<_, FormatError>>()?;
        Ok(Table {
            html: node.string_map("html")?,
            colgroup,
            rows,
        })
    }

    fn inlines(&self, parent: &NodeIn<'_>) -> Result<Vec<Inline>, FormatError> {
        let mut inlines = Vec::with_capacity(parent.content.len());
        for (path, child) in parent.children() {
            let node = node_in(child, path)?;
            let marks = marks(&node)?;
            let converted = match node.kind {
                "text" => {
                    let text = text_of(&node)?;
                    if text.is_empty() {
                        continue;
                    }
                    InlineNode::Text(text.to_string())
                }
                "hardBreak" => InlineNode::HardBreak,
                "confluenceImage" => InlineNode::Image(image(&node)?),
                "confluenceLink" => InlineNode::Link(confluence_link(&node)?),
                "confluenceMention" => InlineNode::Mention {
                    user: user_reference(&node)?,
                    label: None,
                },
                "confluenceEmoticon" => InlineNode::Emoticon(Emoticon {
                    name: non_empty(&node, "name")?,
                    shortname: node.string("shortname")?,
                    emoji_id: node.string("emojiId")?,
                    fallback: node.string("fallback")?,
                }),
                "confluenceDate" => InlineNode::Date {
                    datetime: non_empty(&node, "datetime")?,
                },
                "confluenceStatus" => InlineNode::Status {
                    colour: node.string("colour")?,
                    title: node.string("title")?,
                    info: node.macro_info()?,
                },
                "confluenceAnchor" => InlineNode::Anchor {
                    name: node.string("name")?.unwrap_or_default(),
                    info: node.macro_info()?,
                },
                "rawInline" => InlineNode::Raw(self.raw(&node)?),
                other => {
                    return Err(invalid(
                        &node.path,
                        format!("unknown inline node type \"{other}\""),
                    ));
                }
            };
            inlines.push(Inline {
                node: converted,
                marks,
            });
        }
        Ok(inlines)
    }
}

fn expect_kind(node: &NodeIn<'_>, kinds: &[&str]) -> Result<(), FormatError> {
    if kinds.contains(&node.kind) {
        return Ok(());
    }
    Err(invalid(
        &node.path,
        format!("expected a node of type {}", kinds.join(" or ")),
    ))
}

fn text_of<'v>(node: &NodeIn<'v>) -> Result<&'v str, FormatError> {
    node.object
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(&node.path, "a text node needs a string \"text\""))
}

/// The text of a code block: its text children, marks ignored.
fn plain_text(node: &NodeIn<'_>) -> Result<String, FormatError> {
    let mut text = String::new();
    for (path, child) in node.children() {
        let child = node_in(child, path)?;
        match child.kind {
            "text" => text.push_str(text_of(&child)?),
            "hardBreak" => text.push('\n'),
            _ => return Err(invalid(&child.path, "a code block holds only text")),
        }
    }
    Ok(text)
}

fn non_empty(node: &NodeIn<'_>, name: &str) -> Result<String, FormatError> {
    let value = node.required_string(name)?;
    if value.is_empty() {
        return Err(invalid(&node.attribute_path(name), "must not be empty"));
    }
    Ok(value)
}

fn marks(node: &NodeIn<'_>) -> Result<Vec<Mark>, FormatError> {
    let list = match node.object.get("marks") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid(&node.path, "\"marks\" must be an array")),
    };
    let mut marks = Vec::with_capacity(list.len());
    for (index, value) in list.iter().enumerate() {
        let mark = node_in(value, format!("{}.marks[{index}]", node.path))?;
        let converted = match mark.kind {
            "bold" => Mark::Bold,
            "italic" => Mark::Italic,
            "underline" => Mark::Underline,
            "strike" => Mark::Strike,
            "subscript" => Mark::Subscript,
            "superscript" => Mark::Superscript,
            "code" => Mark::Code,
            "link" => {
                let href = mark.required_string("href")?;
                if !is_safe_link_url(&href) {
                    return Err(invalid(
                        &mark.attribute_path("href"),
                        "only http, https, mailto, tel and relative links are allowed",
                    ));
                }
                Mark::Link { href }
            }
            "textStyle" => {
                // TipTap keeps an empty text style for a moment after a colour is removed.
                let Some(color) = mark.string("color")? else {
                    continue;
                };
                if !is_plain_colour(&color) {
                    return Err(invalid(&mark.attribute_path("color"), "not a plain colour"));
                }
                Mark::TextColor { color }
            }
            other => {
                return Err(invalid(
                    &mark.path,
                    format!("unknown mark type \"{other}\""),
                ));
            }
        };
        marks.push(converted);
    }
    marks.sort();
    marks.dedup();
    Ok(marks)
}

fn image(node: &NodeIn<'_>) -> Result<Image, FormatError> {
    let source = match (node.string("attachment")?, node.string("url")?) {
        (Some(filename), None) => ImageSource::Attachment { filename },
        (None, Some(url)) if is_safe_image_url(&url) => ImageSource::Url { url },
        (None, Some(_)) => {
            return Err(invalid(
                &node.attribute_path("url"),
                "only http, https, relative and raster data images are allowed",
            ));
        }
        _ => {
            return Err(invalid(
                &node.path,
                "an image needs exactly one of \"attachment\" and \"url\"",
            ));
        }
    };
    Ok(Image {
        source,
        width: node.string("width")?,
        height: node.string("height")?,
        align: node.string("align")?,
        alt: node.string("alt")?,
        title: node.string("title")?,
        preview_url: None,
    })
}

fn confluence_link(node: &NodeIn<'_>) -> Result<ConfluenceLink, FormatError> {
    let anchor = node.string("anchor")?;
    let target = match (node.string("page")?, node.string("attachment")?) {
        (Some(title), None) => LinkTarget::Page {
            space_key: node.string("spaceKey")?,
            title,
        },
        (None, Some(filename)) => LinkTarget::Attachment { filename },
        (None, None) if anchor.is_some() => LinkTarget::SamePage,
        _ => {
            return Err(invalid(
                &node.path,
                "a link needs one of \"page\" and \"attachment\", or an \"anchor\"",
            ));
        }
    };
    Ok(ConfluenceLink {
        target,
        anchor,
        body: node.string("body")?,
    })
}

fn user_reference(node: &NodeIn<'_>) -> Result<UserReference, FormatError> {
    let references = (
        node.string("userKey")?,
        node.string("accountId")?,
        node.string("username")?,
    );
    match references {
        (Some(key), None, None) => Ok(UserReference::Key(key)),
        (None, Some(id), None) => Ok(UserReference::AccountId(id)),
        (None, None, Some(name)) => Ok(UserReference::Username(name)),
        _ => Err(invalid(
            &node.path,
            "a mention needs exactly one of \"userKey\", \"accountId\" and \"username\"",
        )),
    }
}
