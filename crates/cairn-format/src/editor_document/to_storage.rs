//! Editor model → fresh storage.
//!
//! Everything written here is built from the model, never copied from the editor, except raw
//! nodes and table column groups, whose storage was checked against the page being edited
//! before it got into the model. Plain XHTML attributes pass the allow-list again
//! ([`write_allowed_attributes`]), so a changed block can only contain markup the sanitizer
//! would keep.
//!
//! The output is canonical: the same model always gives the same bytes, which is what lets
//! [`super`] compare an edited block with an original one by their fresh storage.

use super::model::{
    Block, ConfluenceLink, Emoticon, HtmlAttributes, Image, ImageSource, Inline, InlineNode,
    LinkTarget, ListItem, MacroInfo, Mark, Table, TableCell, UserReference,
};
use crate::entity::{escape_attribute_into, escape_text_into, is_xml_char};
use crate::sanitize::write_allowed_attributes;

/// The fresh storage of one block.
pub(crate) fn block_storage(block: &Block) -> String {
    let mut out = String::new();
    write_block(block, &mut out);
    out
}

fn xml_chars(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|c| is_xml_char(*c)).collect())
    }
}

fn write_text(text: &str, out: &mut String) {
    escape_text_into(out, &xml_chars(text));
}

/// Writes ` name="value"`.
fn write_attribute(name: &str, value: &str, out: &mut String) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_attribute_into(out, &xml_chars(value));
    out.push('"');
}

fn write_optional_attribute(name: &str, value: Option<&String>, out: &mut String) {
    if let Some(value) = value {
        write_attribute(name, value, out);
    }
}

fn write_html_start(element: &str, html: &HtmlAttributes, out: &mut String) {
    out.push('<');
    out.push_str(element);
    let attributes: Vec<(String, String)> = html
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    write_allowed_attributes(out, element, &attributes);
    out.push('>');
}

fn write_end(element: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(element);
    out.push('>');
}

/// A CDATA section; `]]>` in the text is split across two sections.
fn write_cdata(text: &str, out: &mut String) {
    out.push_str("<![CDATA[");
    out.push_str(&xml_chars(text).replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

fn write_macro_start(name: &str, info: &MacroInfo, out: &mut String) {
    out.push_str("<ac:structured-macro");
    write_attribute("ac:name", name, out);
    write_optional_attribute("ac:schema-version", info.schema_version.as_ref(), out);
    write_optional_attribute("ac:macro-id", info.macro_id.as_ref(), out);
    out.push('>');
}

/// Writes the surfaced parameters first, in the order given, then the others by name.
fn write_parameters(surfaced: &[(&str, Option<&String>)], info: &MacroInfo, out: &mut String) {
    let others = info.parameters.iter().filter(|(name, _)| {
        !surfaced
            .iter()
            .any(|(surfaced_name, _)| *surfaced_name == name.as_str())
    });
    let surfaced_present = surfaced
        .iter()
        .filter_map(|(name, value)| value.map(|value| (*name, value)));
    for (name, value) in surfaced_present.chain(others.map(|(name, value)| (name.as_str(), value)))
    {
        out.push_str("<ac:parameter");
        write_attribute("ac:name", name, out);
        out.push('>');
        if info.page_links.contains(name) && !value.is_empty() {
            write_page_link(value, out);
        } else {
            write_text(value, out);
        }
        out.push_str("</ac:parameter>");
    }
}

/// A page named in text form (`SPACE:title` or `title`) as `<ac:link><ri:page …/></ac:link>`.
fn write_page_link(reference: &str, out: &mut String) {
    out.push_str("<ac:link><ri:page");
    match reference.split_once(':') {
        Some((space_key, title))
            if !space_key.is_empty() && !space_key.contains(char::is_whitespace) =>
        {
            write_attribute("ri:space-key", space_key, out);
            write_attribute("ri:content-title", title, out);
        }
        _ => write_attribute("ri:content-title", reference, out),
    }
    out.push_str(" /></ac:link>");
}

pub(crate) fn write_blocks(blocks: &[Block], out: &mut String) {
    for block in blocks {
        write_block(block, out);
    }
}

fn write_block(block: &Block, out: &mut String) {
    match block {
        Block::Paragraph { html, content } => {
            write_html_start("p", html, out);
            write_inlines(content, out);
            write_end("p", out);
        }
        Block::Heading {
            level,
            html,
            content,
        } => {
            let element = format!("h{}", (*level).clamp(1, 6));
            write_html_start(&element, html, out);
            write_inlines(content, out);
            write_end(&element, out);
        }
        Block::BulletList { html, items } => {
            write_html_start("ul", html, out);
            write_list_items(items, out);
            write_end("ul", out);
        }
        Block::OrderedList { start, html, items } => {
            let mut attributes = html.clone();
            if *start != 1 {
                attributes.insert("start".to_string(), start.to_string());
            }
            write_html_start("ol", &attributes, out);
            write_list_items(items, out);
            write_end("ol", out);
        }
        Block::TaskList { items } => {
            out.push_str("<ac:task-list>");
            for item in items {
                out.push_str("<ac:task>");
                if let Some(task_id) = &item.task_id {
                    out.push_str("<ac:task-id>");
                    write_text(task_id, out);
                    out.push_str("</ac:task-id>");
                }
                out.push_str("<ac:task-status>");
                out.push_str(if item.checked {
                    "complete"
                } else {
                    "incomplete"
                });
                out.push_str("</ac:task-status><ac:task-body>");
                write_item_content(&item.content, out);
                out.push_str("</ac:task-body></ac:task>");
            }
            out.push_str("</ac:task-list>");
        }
        Block::Blockquote { html, content } => {
            write_html_start("blockquote", html, out);
            write_blocks(content, out);
            write_end("blockquote", out);
        }
        Block::HorizontalRule => out.push_str("<hr />"),
        Block::Table(table) => write_table(table, out),
        Block::Code {
            language,
            title,
            info,
            code,
        } => {
            write_macro_start("code", info, out);
            write_parameters(
                &[("language", language.as_ref()), ("title", title.as_ref())],
                info,
                out,
            );
            out.push_str("<ac:plain-text-body>");
            write_cdata(code, out);
            out.push_str("</ac:plain-text-body></ac:structured-macro>");
        }
        Block::Panel {
            kind,
            title,
            info,
            content,
        } => write_rich_macro(kind.name(), title.as_ref(), info, content, out),
        Block::Expand {
            title,
            info,
            content,
        } => write_rich_macro("expand", title.as_ref(), info, content, out),
        Block::Macro { name, info } => {
            write_macro_start(name.name(), info, out);
            write_parameters(&[], info, out);
            out.push_str("</ac:structured-macro>");
        }
        Block::Raw(raw) => out.push_str(&raw.storage),
    }
}

fn write_rich_macro(
    name: &str,
    title: Option<&String>,
    info: &MacroInfo,
    content: &[Block],
    out: &mut String,
) {
    write_macro_start(name, info, out);
    write_parameters(&[("title", title)], info, out);
    out.push_str("<ac:rich-text-body>");
    write_blocks(content, out);
    out.push_str("</ac:rich-text-body></ac:structured-macro>");
}

fn write_list_items(items: &[ListItem], out: &mut String) {
    for item in items {
        write_html_start("li", &item.html, out);
        write_item_content(&item.content, out);
        write_end("li", out);
    }
}

/// Writes a list or task item the way Confluence does: the first paragraph's text directly in
/// the item when only nested lists follow it, paragraphs otherwise.
fn write_item_content(blocks: &[Block], out: &mut String) {
    if let Some((Block::Paragraph { html, content }, rest)) = blocks.split_first() {
        let only_lists_follow = rest.iter().all(|block| {
            matches!(
                block,
                Block::BulletList { .. } | Block::OrderedList { .. } | Block::TaskList { .. }
            )
        });
        if html.is_empty() && only_lists_follow {
            write_inlines(content, out);
            write_blocks(rest, out);
            return;
        }
    }
    write_blocks(blocks, out);
}

fn write_table(table: &Table, out: &mut String) {
    write_html_start("table", &table.html, out);
    if let Some(colgroup) = &table.colgroup {
        out.push_str(colgroup);
    }
    out.push_str("<tbody>");
    for row in &table.rows {
        write_html_start("tr", &row.html, out);
        for cell in &row.cells {
            write_cell(cell, out);
        }
        write_end("tr", out);
    }
    out.push_str("</tbody>");
    write_end("table", out);
}

fn write_cell(cell: &TableCell, out: &mut String) {
    let element = if cell.header { "th" } else { "td" };
    let mut attributes = cell.html.clone();
    if cell.colspan != 1 {
        attributes.insert("colspan".to_string(), cell.colspan.to_string());
    }
    if cell.rowspan != 1 {
        attributes.insert("rowspan".to_string(), cell.rowspan.to_string());
    }
    write_html_start(element, &attributes, out);
    match cell.content.as_slice() {
        [Block::Paragraph { html, content }] if html.is_empty() => write_inlines(content, out),
        blocks => write_blocks(blocks, out),
    }
    write_end(element, out);
}

fn mark_tags(mark: &Mark) -> (String, &'static str) {
    match mark {
        Mark::Link { href } => {
            let mut start = "<a".to_string();
            write_attribute("href", href, &mut start);
            start.push('>');
            (start, "</a>")
        }
        Mark::TextColor { color } => {
            let mut start = "<span".to_string();
            write_attribute("style", &format!("color: {color};"), &mut start);
            start.push('>');
            (start, "</span>")
        }
        Mark::Bold => ("<strong>".to_string(), "</strong>"),
        Mark::Italic => ("<em>".to_string(), "</em>"),
        Mark::Underline => ("<u>".to_string(), "</u>"),
        Mark::Strike => ("<s>".to_string(), "</s>"),
        Mark::Subscript => ("<sub>".to_string(), "</sub>"),
        Mark::Superscript => ("<sup>".to_string(), "</sup>"),
        Mark::Code => ("<code>".to_string(), "</code>"),
    }
}

/// Writes inline nodes, opening and closing marks only where they change, so that adjacent
/// nodes with the same marks share their elements whatever the editor's text splitting.
pub(crate) fn write_inlines(inlines: &[Inline], out: &mut String) {
    let mut open: Vec<&Mark> = Vec::new();
    for inline in inlines {
        let kept = open
            .iter()
            .zip(&inline.marks)
            .take_while(|(open_mark, mark)| **open_mark == *mark)
            .count();
        while open.len() > kept {
            if let Some(mark) = open.pop() {
                out.push_str(mark_tags(mark).1);
            }
        }
        for mark in &inline.marks[kept..] {
            out.push_str(&mark_tags(mark).0);
            open.push(mark);
        }
        write_inline_node(&inline.node, out);
    }
    while let Some(mark) = open.pop() {
        out.push_str(mark_tags(mark).1);
    }
}

fn write_inline_node(node: &InlineNode, out: &mut String) {
    match node {
        InlineNode::Text(text) => write_text(text, out),
        InlineNode::HardBreak => out.push_str("<br />"),
        InlineNode::Image(image) => write_image(image, out),
        InlineNode::Link(link) => write_confluence_link(link, out),
        InlineNode::Mention { user, .. } => {
            let (attribute, value) = match user {
                UserReference::Key(key) => ("ri:userkey", key),
                UserReference::AccountId(id) => ("ri:account-id", id),
                UserReference::Username(name) => ("ri:username", name),
            };
            out.push_str("<ac:link><ri:user");
            write_attribute(attribute, value, out);
            out.push_str(" /></ac:link>");
        }
        InlineNode::Emoticon(emoticon) => write_emoticon(emoticon, out),
        InlineNode::Date { datetime } => {
            out.push_str("<time");
            write_attribute("datetime", datetime, out);
            out.push_str(" />");
        }
        InlineNode::Status {
            colour,
            title,
            info,
        } => {
            write_macro_start("status", info, out);
            write_parameters(
                &[("colour", colour.as_ref()), ("title", title.as_ref())],
                info,
                out,
            );
            out.push_str("</ac:structured-macro>");
        }
        InlineNode::Anchor { name, info } => {
            write_macro_start("anchor", info, out);
            write_parameters(&[("", Some(name))], info, out);
            out.push_str("</ac:structured-macro>");
        }
        InlineNode::Raw(raw) => out.push_str(&raw.storage),
    }
}

fn write_image(image: &Image, out: &mut String) {
    out.push_str("<ac:image");
    write_optional_attribute("ac:align", image.align.as_ref(), out);
    write_optional_attribute("ac:width", image.width.as_ref(), out);
    write_optional_attribute("ac:height", image.height.as_ref(), out);
    write_optional_attribute("ac:alt", image.alt.as_ref(), out);
    write_optional_attribute("ac:title", image.title.as_ref(), out);
    out.push('>');
    match &image.source {
        ImageSource::Attachment { filename } => {
            out.push_str("<ri:attachment");
            write_attribute("ri:filename", filename, out);
        }
        ImageSource::Url { url } => {
            out.push_str("<ri:url");
            write_attribute("ri:value", url, out);
        }
    }
    out.push_str(" /></ac:image>");
}

fn write_confluence_link(link: &ConfluenceLink, out: &mut String) {
    out.push_str("<ac:link");
    write_optional_attribute("ac:anchor", link.anchor.as_ref(), out);
    out.push('>');
    match &link.target {
        LinkTarget::Page { space_key, title } => {
            out.push_str("<ri:page");
            write_optional_attribute("ri:space-key", space_key.as_ref(), out);
            write_attribute("ri:content-title", title, out);
            out.push_str(" />");
        }
        LinkTarget::Attachment { filename } => {
            out.push_str("<ri:attachment");
            write_attribute("ri:filename", filename, out);
            out.push_str(" />");
        }
        LinkTarget::SamePage => {}
    }
    if let Some(body) = &link.body {
        out.push_str("<ac:plain-text-link-body>");
        write_cdata(body, out);
        out.push_str("</ac:plain-text-link-body>");
    }
    out.push_str("</ac:link>");
}

fn write_emoticon(emoticon: &Emoticon, out: &mut String) {
    out.push_str("<ac:emoticon");
    write_attribute("ac:name", &emoticon.name, out);
    write_optional_attribute("ac:emoji-shortname", emoticon.shortname.as_ref(), out);
    write_optional_attribute("ac:emoji-id", emoticon.emoji_id.as_ref(), out);
    write_optional_attribute("ac:emoji-fallback", emoticon.fallback.as_ref(), out);
    out.push_str(" />");
}
