//! A page as a PDF document: the title, then headings, paragraphs, list items, code and table rows of
//! the body, laid out on A4 pages in the standard PDF fonts (Helvetica, Courier). Those fonts carry
//! Latin-1 (WinAnsi) text; other characters are shown as `?`. Images and colours are left out.
//!
//! [`storage_to_pdf`] writes one page; [`PdfBook`] writes several (a space), each starting on a new
//! PDF page, after a contents list. A book is built one document at a time, so its caller never
//! holds more than one parsed body; what the book keeps is the laid-out text.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::tree::{Document, NodeKind, NodeRef};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// A unit of the page's text, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Heading(u8, String),
    Paragraph(String),
    Bullet(usize, String),
    Code(Vec<String>),
    Row(String),
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "li"
            | "pre"
            | "table"
            | "tbody"
            | "thead"
            | "tr"
            | "div"
            | "blockquote"
            | "hr"
            | "ac:structured-macro"
            | "ac:rich-text-body"
            | "ac:layout"
            | "ac:layout-section"
            | "ac:layout-cell"
            | "ac:task-list"
            | "ac:task"
    )
}

fn has_block_children(node: &NodeRef<'_>) -> bool {
    node.children()
        .any(|child| child.is_element() && is_block(child.name()))
}

fn collect(node: NodeRef<'_>, depth: usize, blocks: &mut Vec<Block>) {
    if !node.is_element() {
        if node.kind() == NodeKind::Text {
            let text = collapse_whitespace(&node.text());
            if !text.is_empty() {
                blocks.push(Block::Paragraph(text));
            }
        }
        return;
    }
    let name = node.name();
    match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level = name.as_bytes()[1] - b'0';
            blocks.push(Block::Heading(
                level,
                collapse_whitespace(&node.text_content()),
            ));
        }
        "li" | "ac:task" => {
            let own: String = node
                .children()
                .filter(|child| {
                    !(child.is_element()
                        && matches!(child.name(), "ul" | "ol" | "ac:task-id" | "ac:task-status"))
                })
                .map(|child| {
                    if child.is_element() {
                        child.text_content()
                    } else {
                        child.text().into_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            let own = collapse_whitespace(&own);
            if !own.is_empty() {
                blocks.push(Block::Bullet(depth, own));
            }
            for nested in node
                .children()
                .filter(|child| child.is_element() && matches!(child.name(), "ul" | "ol"))
            {
                collect(nested, depth + 1, blocks);
            }
        }
        "ul" | "ol" | "ac:task-list" => {
            for child in node.children() {
                collect(child, depth, blocks);
            }
        }
        "pre" => blocks.push(Block::Code(
            node.text_content().lines().map(str::to_string).collect(),
        )),
        "tr" => {
            let cells: Vec<String> = node
                .children()
                .filter(|child| child.is_element())
                .map(|cell| collapse_whitespace(&cell.text_content()))
                .collect();
            blocks.push(Block::Row(cells.join("  |  ")));
        }
        "ac:structured-macro"
            if matches!(
                node.attribute("ac:name").as_deref(),
                Some("code" | "noformat")
            ) =>
        {
            let body = node
                .child_element("ac:plain-text-body")
                .map(|body| body.text_content())
                .unwrap_or_default();
            blocks.push(Block::Code(body.lines().map(str::to_string).collect()));
        }
        "ac:parameter" | "ac:plain-text-body" | "ac:task-id" | "ac:task-status"
        | "ac:placeholder" => {}
        _ if has_block_children(&node) || is_block(name) && name != "p" => {
            for child in node.children() {
                collect(child, depth, blocks);
            }
        }
        _ => {
            let text = collapse_whitespace(&node.text_content());
            if !text.is_empty() {
                blocks.push(Block::Paragraph(text));
            }
        }
    }
}

/// Latin-1 text in the WinAnsi encoding of the standard fonts; other characters become `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|character| match character {
            ' '..='~' => character as u8,
            '\u{a0}'..='\u{ff}' => character as u32 as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '\t' => b' ',
            _ => b'?',
        })
        .collect()
}

/// Splits `text` into lines of at most `width` characters, at spaces where possible.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if line.chars().count() + word.chars().count() + 1 > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Lays out lines top to bottom, starting new pages as needed.
struct Layout {
    pages: Vec<Content>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        let mut layout = Layout {
            pages: Vec::new(),
            y: 0.0,
        };
        layout.new_page();
        layout
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    fn line(&mut self, font: &[u8], size: f32, indent: f32, text: &str) {
        let height = size * 1.35;
        if self.y - height < MARGIN {
            self.new_page();
        }
        self.y -= height;
        let y = self.y;
        if let Some(page) = self.pages.last_mut() {
            page.begin_text();
            page.set_font(Name(font), size);
            page.next_line(MARGIN + indent, y);
            page.show(Str(&win_ansi(text)));
            page.end_text();
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// Lines of `text` wrapped for a font whose average glyph is `advance` × size wide.
    fn paragraph(&mut self, font: &[u8], size: f32, advance: f32, indent: f32, text: &str) {
        let width = ((PAGE_WIDTH - 2.0 * MARGIN - indent) / (size * advance)).max(10.0) as usize;
        for line in wrap(text, width) {
            self.line(font, size, indent, &line);
        }
    }
}

/// Lays out one document: its title, the byline under it, then its body.
fn lay_out_document(layout: &mut Layout, title: &str, byline: &str, document: &Document) {
    let mut blocks = Vec::new();
    for root in document.roots() {
        collect(root, 0, &mut blocks);
    }
    layout.paragraph(b"F2", 20.0, 0.55, 0.0, title);
    if !byline.is_empty() {
        layout.paragraph(b"F1", 9.0, 0.5, 0.0, byline);
    }
    layout.gap(10.0);
    for block in &blocks {
        match block {
            Block::Heading(level, text) => {
                let size = match level {
                    1 => 17.0,
                    2 => 15.0,
                    3 => 13.0,
                    _ => 11.5,
                };
                layout.gap(6.0);
                layout.paragraph(b"F2", size, 0.55, 0.0, text);
            }
            Block::Paragraph(text) => {
                layout.paragraph(b"F1", 11.0, 0.5, 0.0, text);
                layout.gap(4.0);
            }
            Block::Bullet(depth, text) => {
                let indent = 14.0 * (*depth as f32 + 1.0);
                layout.paragraph(b"F1", 11.0, 0.5, indent, &format!("• {text}"));
            }
            Block::Code(lines) => {
                for line in lines {
                    layout.paragraph(b"F3", 9.0, 0.6, 10.0, line);
                }
                layout.gap(4.0);
            }
            Block::Row(text) => layout.paragraph(b"F1", 10.0, 0.5, 0.0, text),
        }
    }
}

/// The PDF file of laid-out `pages`, with `title` in its document information.
fn assemble(title: &str, pages: Vec<Content>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let page_tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let mono = Ref::new(5);
    let info = Ref::new(6);
    let page_refs: Vec<(Ref, Ref)> = (0..pages.len())
        .map(|index| {
            let first = 7 + 2 * index as i32;
            (Ref::new(first), Ref::new(first + 1))
        })
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(page_tree);
    pdf.pages(page_tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(page_refs.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(mono)
        .base_font(Name(b"Courier"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Cairn"));
    for ((page_ref, content_ref), content) in page_refs.iter().zip(pages) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(page_tree)
            .contents(*content_ref);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.pair(Name(b"F3"), mono);
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_ref, &content.finish());
    }
    pdf.finish()
}

/// The page `title` (with a `byline` under it) and its storage-format body as a PDF file.
pub fn storage_to_pdf(title: &str, byline: &str, document: &Document) -> Vec<u8> {
    let mut layout = Layout::new();
    lay_out_document(&mut layout, title, byline, document);
    assemble(title, layout.pages)
}

/// A contents entry: a document's title, its depth in the tree and the body page it starts on.
struct Chapter {
    title: String,
    depth: usize,
    first_page: usize,
}

/// Several documents as one PDF (a space in tree order): a contents list, then each document
/// starting on a new PDF page. Add documents with [`PdfBook::add`], then [`PdfBook::finish`].
pub struct PdfBook {
    title: String,
    /// The documents' pages; the contents pages are laid out in `finish`, when page numbers are
    /// known, and go before them.
    body: Option<Layout>,
    chapters: Vec<Chapter>,
}

impl PdfBook {
    /// An empty book called `title` (the first line of its contents page).
    pub fn new(title: &str) -> PdfBook {
        PdfBook {
            title: title.to_string(),
            body: None,
            chapters: Vec::new(),
        }
    }

    /// Adds a document, `depth` levels below the top of the tree, on a new PDF page.
    pub fn add(&mut self, title: &str, depth: usize, byline: &str, document: &Document) {
        let layout = match &mut self.body {
            Some(layout) => {
                layout.new_page();
                layout
            }
            None => self.body.insert(Layout::new()),
        };
        self.chapters.push(Chapter {
            title: title.to_string(),
            depth,
            first_page: layout.pages.len() - 1,
        });
        lay_out_document(layout, title, byline, document);
    }

    /// How many PDF pages the documents added so far take (without the contents).
    pub fn page_count(&self) -> usize {
        self.body.as_ref().map_or(0, |layout| layout.pages.len())
    }

    /// The contents list, numbering body pages after `contents_pages` pages of contents.
    fn contents(&self, note: Option<&str>, contents_pages: usize) -> Layout {
        let mut layout = Layout::new();
        layout.paragraph(b"F2", 20.0, 0.55, 0.0, &self.title);
        if let Some(note) = note {
            layout.paragraph(b"F1", 9.0, 0.5, 0.0, note);
        }
        layout.gap(10.0);
        layout.paragraph(b"F2", 15.0, 0.55, 0.0, "Contents");
        layout.gap(4.0);
        if self.chapters.is_empty() {
            layout.paragraph(b"F1", 11.0, 0.5, 0.0, "No pages.");
        }
        for chapter in &self.chapters {
            let indent = 14.0 * chapter.depth.min(10) as f32;
            let number = contents_pages + chapter.first_page + 1;
            layout.paragraph(
                b"F1",
                11.0,
                0.5,
                indent,
                &format!("{} \u{b7} {number}", chapter.title),
            );
        }
        layout
    }

    /// The PDF file: the contents (with `note` under the title, when given), then the documents.
    pub fn finish(self, note: Option<&str>) -> Vec<u8> {
        // Page numbers depend on how many pages the contents take, which can depend on the
        // numbers' width: lay it out again until the count holds (twice in practice).
        let mut contents_pages = 1;
        let mut contents = self.contents(note, contents_pages);
        for _ in 0..4 {
            if contents.pages.len() == contents_pages {
                break;
            }
            contents_pages = contents.pages.len();
            contents = self.contents(note, contents_pages);
        }
        let mut pages = contents.pages;
        if let Some(body) = self.body {
            pages.extend(body.pages);
        }
        assemble(&self.title, pages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }

    /// The bytes of every string shown with `Tj` (literal `(…)` or hex `<…>`), one line each.
    fn shown_text(pdf: &[u8]) -> Vec<u8> {
        let mut text = Vec::new();
        let mut index = 0;
        while index < pdf.len() {
            match pdf[index] {
                b'<' if pdf.get(index + 1) != Some(&b'<') => {
                    let end = pdf[index..]
                        .iter()
                        .position(|b| *b == b'>')
                        .map_or(pdf.len(), |end| index + end);
                    let hex: Vec<u8> = pdf[index + 1..end]
                        .iter()
                        .copied()
                        .filter(u8::is_ascii_hexdigit)
                        .collect();
                    if pdf[end..].starts_with(b"> Tj") {
                        for pair in hex.chunks(2) {
                            let digits = std::str::from_utf8(pair).unwrap_or("3f");
                            text.push(u8::from_str_radix(digits, 16).unwrap_or(b'?'));
                        }
                        text.push(b'\n');
                    }
                    index = end + 1;
                }
                b'(' => {
                    // Literal strings may hold balanced parentheses unescaped.
                    let mut end = index + 1;
                    let mut raw = Vec::new();
                    let mut depth = 0;
                    while end < pdf.len() && (pdf[end] != b')' || depth > 0) {
                        match pdf[end] {
                            b'\\' => end += 1,
                            b'(' => depth += 1,
                            b')' => depth -= 1,
                            _ => {}
                        }
                        if let Some(byte) = pdf.get(end) {
                            raw.push(*byte);
                        }
                        end += 1;
                    }
                    if pdf[end..].starts_with(b") Tj") {
                        text.extend(raw);
                        text.push(b'\n');
                    }
                    index = end + 1;
                }
                _ => index += 1,
            }
        }
        text
    }

    #[test]
    fn a_page_becomes_a_pdf_with_its_text() {
        let document = parse(
            "<h2>Steps</h2><ul><li>Tag it<ul><li>nested</li></ul></li></ul><table><tbody><tr><th>a</th><td>b</td></tr></tbody></table>\
             <ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[cargo build]]></ac:plain-text-body></ac:structured-macro><p>Caf\u{e9} \u{2014} done</p>",
        )
        .expect("parses");
        let pdf = storage_to_pdf("Release (v2)", "Version 3 by admin", &document);
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n"));
        let shown = shown_text(&pdf);
        for text in [
            &b"Release (v2)"[..],
            b"Steps",
            b"\x95 Tag it",
            b"\x95 nested",
            b"a  |  b",
            b"cargo build",
            b"Caf\xe9 \x97 done",
        ] {
            assert!(
                contains(&shown, text),
                "{:?} missing from {:?}",
                String::from_utf8_lossy(text),
                String::from_utf8_lossy(&shown)
            );
        }
    }

    #[test]
    fn long_pages_flow_onto_more_pages_and_lines_wrap() {
        let body = "<p>word </p>".repeat(400);
        let document = parse(&body).expect("parses");
        let pdf = storage_to_pdf("Long", "", &document);
        let pages = pdf
            .windows(b"/Type /Page\n".len())
            .filter(|w| w == b"/Type /Page\n")
            .count()
            + pdf
                .windows(b"/Type /Page/".len())
                .filter(|w| w == b"/Type /Page/")
                .count();
        assert!(pages >= 1);
        assert!(contains(&pdf, b"/Count "), "a page tree");
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(win_ansi("a\u{20ac}\u{4e2d}"), vec![b'a', 0x80, b'?']);
    }

    #[test]
    fn a_book_lists_its_documents_and_starts_each_on_a_new_page() {
        let first = parse("<p>First body</p>").expect("parses");
        let second = parse(&"<p>Second body words</p>".repeat(200)).expect("parses");
        let third = parse("<p>Third body</p>").expect("parses");
        let mut book = PdfBook::new("Space DEV");
        book.add("Home", 0, "Version 1", &first);
        book.add("Child", 1, "", &second);
        book.add("Sibling", 0, "", &third);
        let body_pages = book.page_count();
        assert!(
            body_pages >= 4,
            "each document starts a page, the long one flows on"
        );
        let pdf = book.finish(Some("Only the first pages."));
        let text = crate::pdf_text(&pdf);
        for wanted in [
            "Space DEV",
            "Contents",
            "Only the first pages.",
            "Home \u{b7} 2",
            "Child \u{b7} 3",
            "First body",
            "Third body",
        ] {
            assert!(text.contains(wanted), "{wanted:?} missing from {text:?}");
        }
        // One contents page, then the body; the last document starts on the body's last page.
        let sibling_page = 1 + body_pages;
        assert!(
            text.contains(&format!("Sibling \u{b7} {sibling_page}")),
            "{text}"
        );
    }

    #[test]
    fn an_empty_book_says_so() {
        let pdf = PdfBook::new("Empty").finish(None);
        assert!(crate::pdf_text(&pdf).contains("No pages."));
    }
}
