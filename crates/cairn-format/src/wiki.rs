//! Confluence wiki markup to storage format (`representation: "wiki"` in the REST API).
//!
//! Covers what clients send: headings, text effects, lists nested by repetition, tables, links,
//! images, `{code}`, `{noformat}`, admonitions, `{toc}`, `{quote}`, `bq.`, rules and line
//! breaks. An unknown `{macro}` becomes an empty structured macro of that name, as in Confluence.

use crate::entity::{escape_attribute, escape_text_into};
use crate::storage::{cdata, macro_open, parameter};

/// Converts wiki markup to storage format. Always succeeds; the result is well-formed.
pub fn wiki_to_storage(wiki: &str) -> String {
    let lines: Vec<&str> = wiki.lines().collect();
    let mut out = String::with_capacity(wiki.len() * 2);
    blocks(&lines, &mut out, 0);
    out
}

/// Macros whose body is wiki markup, rendered as a rich-text body.
fn is_rich_body_macro(name: &str) -> bool {
    matches!(
        name,
        "info"
            | "note"
            | "tip"
            | "warning"
            | "panel"
            | "expand"
            | "quote"
            | "excerpt"
            | "section"
            | "column"
    )
}

/// A `{name:params}` tag at the start of `text`: name, raw parameters and length.
fn macro_tag(text: &str) -> Option<(&str, &str, usize)> {
    let inner = text.strip_prefix('{')?;
    let close = inner.find('}')?;
    let tag = &inner[..close];
    let (name, parameters) = tag.split_once(':').unwrap_or((tag, ""));
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    valid_name.then_some((name, parameters, close + 2))
}

/// Parses `a=1|b=2` (or a bare default value) into storage parameters.
fn macro_parameters(name: &str, raw: &str) -> String {
    let mut out = String::new();
    for part in raw.split('|').filter(|part| !part.is_empty()) {
        match part.split_once('=') {
            Some((key, value)) => out.push_str(&parameter(key.trim(), value.trim())),
            None if name == "code" => out.push_str(&parameter("language", part.trim())),
            None => out.push_str(&parameter("", part.trim())),
        }
    }
    out
}

fn blocks(lines: &[&str], out: &mut String, depth: usize) {
    let mut paragraph: Vec<&str> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let trimmed = line.trim_start();
        if let Some((name, raw_parameters, tag_length)) = macro_tag(trimmed) {
            let body_macro =
                matches!(name, "code" | "noformat") || (is_rich_body_macro(name) && depth < 16);
            if body_macro {
                flush_paragraph(&mut paragraph, out);
                let closing = format!("{{{name}}}");
                let first_rest = &trimmed[tag_length..];
                let mut body_lines: Vec<&str> = Vec::new();
                let mut end = index;
                if let Some(close) = first_rest.find(&closing) {
                    body_lines.push(&first_rest[..close]);
                } else {
                    if !first_rest.trim().is_empty() {
                        body_lines.push(first_rest);
                    }
                    end = index + 1;
                    while end < lines.len() {
                        if let Some(close) = lines[end].find(&closing) {
                            if !lines[end][..close].is_empty() {
                                body_lines.push(&lines[end][..close]);
                            }
                            break;
                        }
                        body_lines.push(lines[end]);
                        end += 1;
                    }
                }
                body_macro_storage(name, raw_parameters, &body_lines, out, depth);
                index = end + 1;
                continue;
            }
            if tag_length == trimmed.trim_end().len() {
                flush_paragraph(&mut paragraph, out);
                out.push_str(&macro_open(name));
                out.push_str(&macro_parameters(name, raw_parameters));
                out.push_str("</ac:structured-macro>");
                index += 1;
                continue;
            }
        }
        if trimmed.trim().is_empty() {
            flush_paragraph(&mut paragraph, out);
        } else if let Some((level, text)) = heading(trimmed) {
            flush_paragraph(&mut paragraph, out);
            out.push_str(&format!("<h{level}>"));
            inline(text.trim(), out);
            out.push_str(&format!("</h{level}>"));
        } else if let Some(text) = trimmed.strip_prefix("bq. ") {
            flush_paragraph(&mut paragraph, out);
            out.push_str("<blockquote><p>");
            inline(text.trim(), out);
            out.push_str("</p></blockquote>");
        } else if trimmed.trim_end() == "----" {
            flush_paragraph(&mut paragraph, out);
            out.push_str("<hr />");
        } else if list_item(trimmed).is_some() {
            flush_paragraph(&mut paragraph, out);
            let start = index;
            while index < lines.len() && list_item(lines[index].trim_start()).is_some() {
                index += 1;
            }
            list(&lines[start..index], out);
            continue;
        } else if trimmed.starts_with('|') {
            flush_paragraph(&mut paragraph, out);
            let start = index;
            while index < lines.len() && lines[index].trim_start().starts_with('|') {
                index += 1;
            }
            table(&lines[start..index], out);
            continue;
        } else {
            paragraph.push(line);
        }
        index += 1;
    }
    flush_paragraph(&mut paragraph, out);
}

fn body_macro_storage(
    name: &str,
    raw_parameters: &str,
    body_lines: &[&str],
    out: &mut String,
    depth: usize,
) {
    out.push_str(&macro_open(name));
    out.push_str(&macro_parameters(name, raw_parameters));
    if matches!(name, "code" | "noformat") {
        out.push_str("<ac:plain-text-body>");
        out.push_str(&cdata(&body_lines.join("\n")));
        out.push_str("</ac:plain-text-body>");
    } else {
        out.push_str("<ac:rich-text-body>");
        blocks(body_lines, out, depth + 1);
        out.push_str("</ac:rich-text-body>");
    }
    out.push_str("</ac:structured-macro>");
}

fn flush_paragraph(paragraph: &mut Vec<&str>, out: &mut String) {
    if paragraph.is_empty() {
        return;
    }
    out.push_str("<p>");
    for (index, line) in paragraph.iter().enumerate() {
        if index > 0 {
            out.push_str("<br />");
        }
        inline(line.trim(), out);
    }
    out.push_str("</p>");
    paragraph.clear();
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let bytes = line.as_bytes();
    match bytes {
        [b'h', level @ b'1'..=b'6', b'.', b' ', ..] => Some((level - b'0', &line[4..])),
        [b'h', level @ b'1'..=b'6', b'.'] => Some((level - b'0', "")),
        _ => None,
    }
}

/// `*# text` → markers and text.
fn list_item(line: &str) -> Option<(&str, &str)> {
    let marker_length = line
        .bytes()
        .take_while(|byte| matches!(byte, b'*' | b'#' | b'-'))
        .count();
    if marker_length == 0 || !line[marker_length..].starts_with(' ') {
        return None;
    }
    let markers = &line[..marker_length];
    // `-` is a list marker only alone (`- item`); `----` is a rule, `-x-` is strikethrough.
    if markers.contains('-') && markers != "-" {
        return None;
    }
    Some((markers, line[marker_length..].trim()))
}

/// Deepest list nesting written; keeps the output within the parser's depth limit.
const MAX_LIST_DEPTH: usize = 16;

fn list(lines: &[&str], out: &mut String) {
    let mut open: Vec<&'static str> = Vec::new();
    for line in lines {
        let Some((markers, text)) = list_item(line.trim_start()) else {
            continue;
        };
        // Deeper markers than any real page uses are treated as the deepest level kept.
        let markers = &markers[..markers.len().min(MAX_LIST_DEPTH)];
        let wanted: Vec<&'static str> = markers
            .bytes()
            .map(|byte| if byte == b'#' { "ol" } else { "ul" })
            .collect();
        let common = open
            .iter()
            .zip(&wanted)
            .take_while(|(open_list, wanted_list)| open_list == wanted_list)
            .count();
        while open.len() > common {
            if let Some(list) = open.pop() {
                out.push_str(&format!("</li></{list}>"));
            }
        }
        if common == wanted.len() {
            // A sibling of the item still open at this level.
            out.push_str("</li>");
        }
        for (level, list) in wanted.iter().enumerate().skip(common) {
            out.push_str(&format!("<{list}>"));
            open.push(list);
            if level + 1 < wanted.len() {
                // A level skipped by the markers gets an empty item to hold the deeper list.
                out.push_str("<li>");
            }
        }
        out.push_str("<li>");
        inline(text, out);
    }
    while let Some(list) = open.pop() {
        out.push_str(&format!("</li></{list}>"));
    }
}

fn table(lines: &[&str], out: &mut String) {
    out.push_str("<table><tbody>");
    for line in lines {
        let row = line.trim();
        out.push_str("<tr>");
        let mut rest = row;
        while !rest.is_empty() {
            let header = rest.starts_with("||");
            let marker_length = if header { 2 } else { 1 };
            rest = &rest[marker_length..];
            let cell_end = rest.find('|').unwrap_or(rest.len());
            let cell = &rest[..cell_end];
            rest = &rest[cell_end..];
            if rest.is_empty() && cell.trim().is_empty() {
                break;
            }
            let element = if header { "th" } else { "td" };
            out.push_str(&format!("<{element}>"));
            inline(cell.trim(), out);
            out.push_str(&format!("</{element}>"));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn is_word_character(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// Text effects: marker character and storage element.
fn effect_element(marker: char) -> Option<&'static str> {
    match marker {
        '*' => Some("strong"),
        '_' => Some("em"),
        '-' => Some("del"),
        '+' => Some("u"),
        '^' => Some("sup"),
        '~' => Some("sub"),
        _ => None,
    }
}

/// Converts one line of inline wiki markup.
fn inline(text: &str, out: &mut String) {
    inline_at_depth(text, out, 0);
}

fn inline_at_depth(text: &str, out: &mut String, depth: usize) {
    let mut rest = text;
    let mut previous: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        if c == '\\' {
            if let Some(after_break) = after.strip_prefix('\\') {
                out.push_str("<br />");
                rest = after_break;
                previous = None;
                continue;
            }
            if let Some(escaped) = after.chars().next() {
                escape_text_into(out, escaped.encode_utf8(&mut [0; 4]));
                rest = &after[escaped.len_utf8()..];
                previous = Some(escaped);
                continue;
            }
        }
        if let Some(consumed) = inline_construct(rest, previous, out, depth) {
            previous = rest[..consumed].chars().last();
            rest = &rest[consumed..];
            continue;
        }
        escape_text_into(out, c.encode_utf8(&mut [0; 4]));
        previous = Some(c);
        rest = after;
    }
}

/// Tries the construct starting at `text`; writes it and returns how many bytes it used.
fn inline_construct(
    text: &str,
    previous: Option<char>,
    out: &mut String,
    depth: usize,
) -> Option<usize> {
    if let Some(inner) = text.strip_prefix("{{") {
        let close = inner.find("}}")?;
        out.push_str("<code>");
        escape_text_into(out, &inner[..close]);
        out.push_str("</code>");
        return Some(close + 4);
    }
    let first = text.chars().next()?;
    if first == '[' {
        let close = text.find(']')?;
        link(&text[1..close], out);
        return Some(close + 1);
    }
    if first == '!' {
        let close = text[1..].find('!')? + 1;
        let body = &text[1..close];
        if body.is_empty() || body.contains(' ') && !body.contains('|') {
            return None;
        }
        image(body, out);
        return Some(close + 1);
    }
    if first == '{' {
        let (name, raw_parameters, length) = macro_tag(text)?;
        out.push_str(&macro_open(name));
        out.push_str(&macro_parameters(name, raw_parameters));
        out.push_str("</ac:structured-macro>");
        return Some(length);
    }
    let element = effect_element(first)?;
    if is_word_character(previous) || depth > 8 {
        return None;
    }
    let inner_start = first.len_utf8();
    if text[inner_start..].starts_with(char::is_whitespace) {
        return None;
    }
    let mut search = inner_start;
    while let Some(found) = text[search..].find(first) {
        let close = search + found;
        let before = text[..close].chars().last();
        let after = text[close + first.len_utf8()..].chars().next();
        if close > inner_start
            && !before.is_some_and(char::is_whitespace)
            && !is_word_character(after)
        {
            out.push_str(&format!("<{element}>"));
            inline_at_depth(&text[inner_start..close], out, depth + 1);
            out.push_str(&format!("</{element}>"));
            return Some(close + first.len_utf8());
        }
        search = close + first.len_utf8();
    }
    None
}

fn plain_link_body(text: &str) -> String {
    format!(
        "<ac:plain-text-link-body>{}</ac:plain-text-link-body>",
        cdata(text)
    )
}

fn is_space_key(candidate: &str) -> bool {
    !candidate.is_empty()
        && (candidate.starts_with('~')
            || candidate
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_'))
}

/// `[text|target]` or `[target]`.
fn link(body: &str, out: &mut String) {
    let (text, target) = match body.split_once('|') {
        Some((text, target)) => (Some(text.trim()), target.trim()),
        None => (None, body.trim()),
    };
    let lowercase = target.to_ascii_lowercase();
    if ["http://", "https://", "mailto:", "ftp://"]
        .iter()
        .any(|scheme| lowercase.starts_with(scheme))
    {
        out.push_str(&format!("<a href=\"{}\">", escape_attribute(target)));
        escape_text_into(out, text.unwrap_or(target));
        out.push_str("</a>");
        return;
    }
    let body_markup = text.map(plain_link_body).unwrap_or_default();
    if let Some(username) = target.strip_prefix('~') {
        out.push_str(&format!(
            "<ac:link><ri:user ri:username=\"{}\" />{body_markup}</ac:link>",
            escape_attribute(username)
        ));
        return;
    }
    if let Some(anchor) = target.strip_prefix('#') {
        out.push_str(&format!(
            "<ac:link ac:anchor=\"{}\">{body_markup}</ac:link>",
            escape_attribute(anchor)
        ));
        return;
    }
    let (page_part, attachment) = match target.split_once('^') {
        Some((page, file)) => (page, Some(file)),
        None => (target, None),
    };
    let (page_part, anchor) = match page_part.split_once('#') {
        Some((page, anchor)) => (page, Some(anchor)),
        None => (page_part, None),
    };
    let (space_key, title) = match page_part.split_once(':') {
        Some((space, title)) if is_space_key(space) => (Some(space), title),
        _ => (None, page_part),
    };
    let page_identifier = |title: &str| {
        let space = space_key
            .map(|key| format!(" ri:space-key=\"{}\"", escape_attribute(key)))
            .unwrap_or_default();
        format!(
            "<ri:page{space} ri:content-title=\"{}\" />",
            escape_attribute(title)
        )
    };
    let anchor_attribute = anchor
        .map(|anchor| format!(" ac:anchor=\"{}\"", escape_attribute(anchor)))
        .unwrap_or_default();
    let resource = match attachment {
        Some(file) if title.is_empty() => format!(
            "<ri:attachment ri:filename=\"{}\" />",
            escape_attribute(file)
        ),
        Some(file) => format!(
            "<ri:attachment ri:filename=\"{}\">{}</ri:attachment>",
            escape_attribute(file),
            page_identifier(title)
        ),
        None => page_identifier(title),
    };
    out.push_str(&format!(
        "<ac:link{anchor_attribute}>{resource}{body_markup}</ac:link>"
    ));
}

/// `!file.png!`, `!https://…/x.png!`, `!file.png|alt=x,width=100!`.
fn image(body: &str, out: &mut String) {
    let (source, options) = body.split_once('|').unwrap_or((body, ""));
    let mut attributes = String::new();
    for option in options
        .split(',')
        .filter(|option| !option.trim().is_empty())
    {
        let (key, value) = option.split_once('=').unwrap_or((option, "true"));
        let key = key.trim();
        if matches!(
            key,
            "alt" | "title" | "width" | "height" | "align" | "border" | "thumbnail"
        ) {
            attributes.push_str(&format!(" ac:{key}=\"{}\"", escape_attribute(value.trim())));
        }
    }
    let lowercase = source.to_ascii_lowercase();
    let resource = if lowercase.starts_with("http://") || lowercase.starts_with("https://") {
        format!("<ri:url ri:value=\"{}\" />", escape_attribute(source))
    } else {
        format!(
            "<ri:attachment ri:filename=\"{}\" />",
            escape_attribute(source.trim_start_matches('^'))
        )
    };
    out.push_str(&format!("<ac:image{attributes}>{resource}</ac:image>"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::check_well_formed;

    fn convert(wiki: &str) -> String {
        let storage = wiki_to_storage(wiki);
        assert!(
            check_well_formed(&storage).is_ok(),
            "not well-formed: {storage}"
        );
        storage
    }

    #[test]
    fn headings_paragraphs_and_effects() {
        assert_eq!(
            convert(
                "h1. Title\nSome *bold* and _it_ -gone- +under+ {{a<b}}\nnext line\n\nnew para"
            ),
            "<h1>Title</h1><p>Some <strong>bold</strong> and <em>it</em> <del>gone</del> <u>under</u> <code>a&lt;b</code><br />next line</p><p>new para</p>"
        );
        assert_eq!(convert("a-b-c and 2*3*4"), "<p>a-b-c and 2*3*4</p>");
        assert_eq!(
            convert("*bold _and italic_*"),
            "<p><strong>bold <em>and italic</em></strong></p>"
        );
        assert_eq!(
            convert("line\\\\break \\*not bold\\*"),
            "<p>line<br />break *not bold*</p>"
        );
    }

    #[test]
    fn nested_lists_by_repetition() {
        assert_eq!(
            convert("* a\n** b\n** c\n* d\n*# e\n# f"),
            "<ul><li>a<ul><li>b</li><li>c</li></ul></li><li>d<ol><li>e</li></ol></li></ul><ol><li>f</li></ol>"
        );
    }

    #[test]
    fn tables_with_header_rows() {
        assert_eq!(
            convert("||H1||H2||\n|a|*b*|"),
            "<table><tbody><tr><th>H1</th><th>H2</th></tr><tr><td>a</td><td><strong>b</strong></td></tr></tbody></table>"
        );
    }

    #[test]
    fn links_of_every_kind() {
        assert_eq!(
            convert("[Example|https://example.com/?a=1&b=2]"),
            "<p><a href=\"https://example.com/?a=1&amp;b=2\">Example</a></p>"
        );
        assert_eq!(
            convert("[Home Page]"),
            "<p><ac:link><ri:page ri:content-title=\"Home Page\" /></ac:link></p>"
        );
        assert_eq!(
            convert("[Read|DEV:Release Notes]"),
            "<p><ac:link><ri:page ri:space-key=\"DEV\" ri:content-title=\"Release Notes\" /><ac:plain-text-link-body><![CDATA[Read]]></ac:plain-text-link-body></ac:link></p>"
        );
        assert_eq!(
            convert("[^report.pdf]"),
            "<p><ac:link><ri:attachment ri:filename=\"report.pdf\" /></ac:link></p>"
        );
        assert_eq!(
            convert("[~jdoe]"),
            "<p><ac:link><ri:user ri:username=\"jdoe\" /></ac:link></p>"
        );
        assert_eq!(
            convert("[#anchor]"),
            "<p><ac:link ac:anchor=\"anchor\"></ac:link></p>"
        );
    }

    #[test]
    fn images() {
        assert_eq!(
            convert("!logo.png!"),
            "<p><ac:image><ri:attachment ri:filename=\"logo.png\" /></ac:image></p>"
        );
        assert_eq!(
            convert("!https://e.com/x.png|alt=X,width=100!"),
            "<p><ac:image ac:alt=\"X\" ac:width=\"100\"><ri:url ri:value=\"https://e.com/x.png\" /></ac:image></p>"
        );
        assert_eq!(convert("Wow! Great!"), "<p>Wow! Great!</p>");
    }

    #[test]
    fn code_noformat_and_admonitions() {
        assert_eq!(
            convert("{code:java}\nif (a < b) {}\n{code}"),
            "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">java</ac:parameter><ac:plain-text-body><![CDATA[if (a < b) {}]]></ac:plain-text-body></ac:structured-macro>"
        );
        assert_eq!(
            convert("{noformat}*raw*{noformat}"),
            "<ac:structured-macro ac:name=\"noformat\" ac:schema-version=\"1\"><ac:plain-text-body><![CDATA[*raw*]]></ac:plain-text-body></ac:structured-macro>"
        );
        assert_eq!(
            convert("{info:title=Note}\nBe *careful*\n{info}"),
            "<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\"><ac:parameter ac:name=\"title\">Note</ac:parameter><ac:rich-text-body><p>Be <strong>careful</strong></p></ac:rich-text-body></ac:structured-macro>"
        );
        assert!(convert("{quote}\nq\n{quote}").contains("ac:name=\"quote\""));
    }

    #[test]
    fn toc_rules_quotes_and_unknown_macros() {
        assert_eq!(
            convert("{toc}"),
            "<ac:structured-macro ac:name=\"toc\" ac:schema-version=\"1\"></ac:structured-macro>"
        );
        assert_eq!(convert("----"), "<hr />");
        assert_eq!(
            convert("bq. quoted"),
            "<blockquote><p>quoted</p></blockquote>"
        );
        assert_eq!(
            convert("{cheese}"),
            "<ac:structured-macro ac:name=\"cheese\" ac:schema-version=\"1\"></ac:structured-macro>"
        );
        assert_eq!(
            convert("Status {status:colour=Green|title=OK} here"),
            "<p>Status <ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\"><ac:parameter ac:name=\"colour\">Green</ac:parameter><ac:parameter ac:name=\"title\">OK</ac:parameter></ac:structured-macro> here</p>"
        );
    }

    #[test]
    fn cdata_terminators_in_code_are_split() {
        let storage = convert("{code}a]]>b{code}");
        assert!(
            storage.contains("<![CDATA[a]]]]><![CDATA[>b]]>"),
            "{storage}"
        );
    }
}
