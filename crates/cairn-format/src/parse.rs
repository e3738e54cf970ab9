//! The storage format parser: a hand-written, single-pass XML fragment tokenizer that builds the
//! lossless [`Document`] tree.
//!
//! It accepts what Confluence accepts: several top-level nodes, `ac:`/`ri:` prefixes without
//! namespace declarations, the XHTML named entities, CDATA sections, comments and processing
//! instructions. It rejects what an XML parser would reject, with the position of the problem.

use std::ops::Range;

use crate::entity::resolve_reference;
use crate::error::{FormatError, Malformation, Position};
use crate::tree::{AttributeData, Document, ElementData, Node, NodeKind};

/// How deep elements may nest. Deeper input is rejected rather than risking the stack of the
/// recursive consumers (renderer, converters).
pub const MAX_DEPTH: usize = 256;

/// Parses a storage fragment into a lossless tree.
pub fn parse(storage: &str) -> Result<Document, FormatError> {
    Parser::new(storage).run()
}

/// Checks that a storage fragment is well-formed without keeping the tree.
pub fn check_well_formed(storage: &str) -> Result<(), FormatError> {
    parse(storage).map(|_| ())
}

struct Parser<'s> {
    source: &'s str,
    bytes: &'s [u8],
    position: usize,
    nodes: Vec<Node>,
    attributes: Vec<AttributeData>,
    /// Indices in `nodes` of the elements still open, innermost last.
    open_elements: Vec<usize>,
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_name_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte == b':' || byte >= 0x80
}

fn is_name_byte(byte: u8) -> bool {
    is_name_start(byte) || byte.is_ascii_digit() || byte == b'-' || byte == b'.'
}

impl<'s> Parser<'s> {
    fn new(source: &'s str) -> Self {
        Parser {
            source,
            bytes: source.as_bytes(),
            position: 0,
            // A rough guess that avoids most regrowth on typical pages.
            nodes: Vec::with_capacity(source.len() / 24 + 4),
            attributes: Vec::with_capacity(source.len() / 48 + 4),
            open_elements: Vec::new(),
        }
    }

    fn error(&self, malformation: Malformation, offset: usize) -> FormatError {
        FormatError::Xhtml {
            malformation,
            position: Position::of_offset(self.source, offset),
        }
    }

    fn run(mut self) -> Result<Document, FormatError> {
        while self.position < self.bytes.len() {
            if self.bytes[self.position] == b'<' {
                self.markup()?;
            } else {
                self.text()?;
            }
        }
        if let Some(&innermost) = self.open_elements.last() {
            let name = self.source[self.nodes[innermost].element.name.clone()].to_string();
            return Err(self.error(Malformation::UnclosedElement { name }, self.bytes.len()));
        }
        Ok(Document {
            source: self.source.to_string(),
            nodes: self.nodes,
            attributes: self.attributes,
        })
    }

    fn push_leaf(&mut self, kind: NodeKind, span: Range<usize>) {
        let index = self.nodes.len();
        self.nodes.push(Node {
            kind,
            span,
            subtree_end: index + 1,
            element: ElementData::default(),
        });
    }

    fn text(&mut self) -> Result<(), FormatError> {
        let start = self.position;
        let mut cursor = start;
        while cursor < self.bytes.len() {
            match self.bytes[cursor] {
                b'<' => break,
                b'&' => cursor = self.reference(cursor)?,
                _ => cursor += 1,
            }
        }
        self.position = cursor;
        self.push_leaf(NodeKind::Text, start..cursor);
        Ok(())
    }

    /// Validates the reference starting at `amp` and returns the offset after its `;`.
    fn reference(&self, amp: usize) -> Result<usize, FormatError> {
        let rest = &self.bytes[amp + 1..];
        let body_length = rest
            .iter()
            .take(40)
            .position(|byte| !(byte.is_ascii_alphanumeric() || *byte == b'#'))
            .unwrap_or(rest.len().min(40));
        if body_length == 0 || rest.get(body_length) != Some(&b';') {
            return Err(self.error(Malformation::BareAmpersand, amp));
        }
        let body = &self.source[amp + 1..amp + 1 + body_length];
        if resolve_reference(body).is_none() {
            let malformation = if body.starts_with('#') {
                Malformation::InvalidCharacterReference {
                    reference: body.to_string(),
                }
            } else {
                Malformation::UnknownEntity {
                    name: body.to_string(),
                }
            };
            return Err(self.error(malformation, amp));
        }
        Ok(amp + body_length + 2)
    }

    fn markup(&mut self) -> Result<(), FormatError> {
        let start = self.position;
        let rest = &self.bytes[start..];
        if rest.starts_with(b"</") {
            self.end_tag()
        } else if rest.starts_with(b"<!--") {
            self.delimited(NodeKind::Comment, "-->", "comment")
        } else if rest.starts_with(b"<![CDATA[") {
            self.delimited(NodeKind::CData, "]]>", "CDATA section")
        } else if rest.starts_with(b"<!") {
            Err(self.error(Malformation::UnsupportedDeclaration, start))
        } else if rest.starts_with(b"<?") {
            self.delimited(
                NodeKind::ProcessingInstruction,
                "?>",
                "processing instruction",
            )
        } else {
            self.start_tag()
        }
    }

    fn delimited(
        &mut self,
        kind: NodeKind,
        terminator: &str,
        construct: &'static str,
    ) -> Result<(), FormatError> {
        let start = self.position;
        let opener_length = match kind {
            NodeKind::CData => "<![CDATA[".len(),
            NodeKind::Comment => "<!--".len(),
            _ => "<?".len(),
        };
        let Some(found) = self.source[start + opener_length..].find(terminator) else {
            return Err(self.error(Malformation::Unterminated { construct }, start));
        };
        let end = start + opener_length + found + terminator.len();
        self.push_leaf(kind, start..end);
        self.position = end;
        Ok(())
    }

    fn name_at(&self, start: usize) -> usize {
        let mut cursor = start;
        if cursor < self.bytes.len() && is_name_start(self.bytes[cursor]) {
            cursor += 1;
            while cursor < self.bytes.len() && is_name_byte(self.bytes[cursor]) {
                cursor += 1;
            }
        }
        cursor
    }

    fn skip_whitespace(&self, mut cursor: usize) -> usize {
        while cursor < self.bytes.len() && is_whitespace(self.bytes[cursor]) {
            cursor += 1;
        }
        cursor
    }

    fn start_tag(&mut self) -> Result<(), FormatError> {
        let start = self.position;
        let name_start = start + 1;
        let name_end = self.name_at(name_start);
        if name_end == name_start {
            return Err(self.error(Malformation::InvalidTagStart, start));
        }
        let element_name = &self.source[name_start..name_end];
        let first_attribute = self.attributes.len();
        let mut cursor = name_end;
        let self_closing = loop {
            let after_whitespace = self.skip_whitespace(cursor);
            match self.bytes.get(after_whitespace) {
                None => {
                    let name = element_name.to_string();
                    return Err(self.error(Malformation::UnterminatedStartTag { name }, start));
                }
                Some(b'>') => {
                    cursor = after_whitespace + 1;
                    break false;
                }
                Some(b'/') => {
                    if self.bytes.get(after_whitespace + 1) != Some(&b'>') {
                        let name = element_name.to_string();
                        return Err(self.error(
                            Malformation::UnterminatedStartTag { name },
                            after_whitespace,
                        ));
                    }
                    cursor = after_whitespace + 2;
                    break true;
                }
                Some(_) => {
                    if after_whitespace == cursor {
                        let detail = "attributes must be separated by whitespace";
                        let element = element_name.to_string();
                        return Err(
                            self.error(Malformation::BadAttribute { element, detail }, cursor)
                        );
                    }
                    cursor = self.attribute(after_whitespace, element_name, first_attribute)?;
                }
            }
        };
        let index = self.nodes.len();
        let element = ElementData {
            name: name_start..name_end,
            start_tag_end: cursor,
            end_tag_start: cursor,
            attributes: first_attribute..self.attributes.len(),
        };
        self.nodes.push(Node {
            kind: NodeKind::Element,
            span: start..cursor,
            subtree_end: index + 1,
            element,
        });
        self.position = cursor;
        if !self_closing {
            if self.open_elements.len() >= MAX_DEPTH {
                return Err(self.error(Malformation::TooDeep { limit: MAX_DEPTH }, start));
            }
            self.open_elements.push(index);
        }
        Ok(())
    }

    /// Parses one `name="value"` starting at `start`, returning the offset after its closing quote.
    fn attribute(
        &mut self,
        start: usize,
        element_name: &str,
        first_attribute: usize,
    ) -> Result<usize, FormatError> {
        let bad = |parser: &Self, detail: &'static str, at: usize| {
            let element = element_name.to_string();
            parser.error(Malformation::BadAttribute { element, detail }, at)
        };
        let name_end = self.name_at(start);
        if name_end == start {
            return Err(bad(self, "expected an attribute name", start));
        }
        let name = &self.source[start..name_end];
        let equals = self.skip_whitespace(name_end);
        if self.bytes.get(equals) != Some(&b'=') {
            return Err(bad(self, "expected '=' after the attribute name", equals));
        }
        let quote_at = self.skip_whitespace(equals + 1);
        let quote = match self.bytes.get(quote_at) {
            Some(quote @ (b'"' | b'\'')) => *quote,
            _ => return Err(bad(self, "attribute values must be quoted", quote_at)),
        };
        let value_start = quote_at + 1;
        let mut cursor = value_start;
        loop {
            match self.bytes.get(cursor) {
                None => return Err(bad(self, "unterminated attribute value", quote_at)),
                Some(b'<') => return Err(self.error(Malformation::LessThanInAttribute, cursor)),
                Some(b'&') => cursor = self.reference(cursor)?,
                Some(byte) if *byte == quote => break,
                Some(_) => cursor += 1,
            }
        }
        let duplicate = self.attributes[first_attribute..]
            .iter()
            .any(|existing| &self.source[existing.name.clone()] == name);
        if duplicate {
            let malformation = Malformation::DuplicateAttribute {
                element: element_name.to_string(),
                attribute: name.to_string(),
            };
            return Err(self.error(malformation, start));
        }
        self.attributes.push(AttributeData {
            name: start..name_end,
            value: value_start..cursor,
        });
        Ok(cursor + 1)
    }

    fn end_tag(&mut self) -> Result<(), FormatError> {
        let start = self.position;
        let name_start = start + 2;
        let name_end = self.name_at(name_start);
        let name = &self.source[name_start..name_end];
        if name.is_empty() {
            return Err(self.error(Malformation::InvalidTagStart, start));
        }
        let close = self.skip_whitespace(name_end);
        if self.bytes.get(close) != Some(&b'>') {
            let malformation = Malformation::UnterminatedEndTag {
                name: name.to_string(),
            };
            return Err(self.error(malformation, close));
        }
        let Some(&innermost) = self.open_elements.last() else {
            let malformation = Malformation::UnexpectedCloseTag {
                found: name.to_string(),
                expected: None,
            };
            return Err(self.error(malformation, start));
        };
        let open_name = &self.source[self.nodes[innermost].element.name.clone()];
        if open_name != name {
            let malformation = Malformation::UnexpectedCloseTag {
                found: name.to_string(),
                expected: Some(open_name.to_string()),
            };
            return Err(self.error(malformation, start));
        }
        self.open_elements.pop();
        let end = close + 1;
        let subtree_end = self.nodes.len();
        let node = &mut self.nodes[innermost];
        node.span.end = end;
        node.element.end_tag_start = start;
        node.subtree_end = subtree_end;
        self.position = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn malformation_of(storage: &str) -> (Malformation, usize, usize) {
        match parse(storage) {
            Err(FormatError::Xhtml {
                malformation,
                position,
            }) => (malformation, position.line, position.column),
            other => panic!("expected a parse error for {storage:?}, got {other:?}"),
        }
    }

    #[test]
    fn a_fragment_with_several_roots_round_trips_byte_for_byte() {
        let storage = "<p class='a'  id = \"b\">x&nbsp;y&#233;</p>\n<h1>T</h1><br/><hr />text";
        let document = parse(storage).expect("well-formed");
        assert_eq!(document.to_storage(), storage);
        assert_eq!(document.roots().count(), 6);
    }

    #[test]
    fn macros_with_cdata_and_comments_keep_their_structure() {
        let storage = concat!(
            "<!-- note --><ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">rust</ac:parameter>",
            "<ac:plain-text-body><![CDATA[fn main() { if a < b && c > d {} }]]></ac:plain-text-body></ac:structured-macro>"
        );
        let document = parse(storage).expect("well-formed");
        assert_eq!(document.to_storage(), storage);
        let roots: Vec<_> = document.roots().collect();
        assert_eq!(roots[0].kind(), NodeKind::Comment);
        let macro_node = roots[1];
        assert!(macro_node.is_named("ac:structured-macro"));
        assert_eq!(macro_node.attribute("ac:name").as_deref(), Some("code"));
        let body = macro_node
            .child_element("ac:plain-text-body")
            .expect("body");
        assert_eq!(body.text_content(), "fn main() { if a < b && c > d {} }");
    }

    #[test]
    fn attribute_values_are_decoded_on_request() {
        let document =
            parse("<a href=\"?a=1&amp;b=&quot;2&quot;\" title='it&rsquo;s'>x</a>").expect("ok");
        let link = document.roots().next().expect("root");
        assert_eq!(link.attribute("href").as_deref(), Some("?a=1&b=\"2\""));
        assert_eq!(link.attribute("title").as_deref(), Some("it’s"));
        assert_eq!(
            link.attributes().next().map(|a| a.raw_value()),
            Some("?a=1&amp;b=&quot;2&quot;")
        );
    }

    #[test]
    fn a_mismatched_close_tag_names_both_tags_and_the_position() {
        let (malformation, line, column) = malformation_of("<p>Some <strong>text</p>");
        assert_eq!(
            malformation,
            Malformation::UnexpectedCloseTag {
                found: "p".into(),
                expected: Some("strong".into())
            }
        );
        assert_eq!((line, column), (1, 21));
        let message = parse("<p>Some <strong>text</p>")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "Error parsing xhtml: Unexpected close tag </p>; expected </strong> at line 1, column 21"
        );
    }

    #[test]
    fn unclosed_elements_are_reported_at_the_end() {
        let (malformation, line, column) = malformation_of("<p>\n<em>x</em>");
        assert_eq!(
            malformation,
            Malformation::UnclosedElement { name: "p".into() }
        );
        assert_eq!((line, column), (2, 11));
    }

    #[test]
    fn stray_close_tags_are_errors() {
        let (malformation, ..) = malformation_of("text</p>");
        assert_eq!(
            malformation,
            Malformation::UnexpectedCloseTag {
                found: "p".into(),
                expected: None
            }
        );
    }

    #[test]
    fn attribute_syntax_is_checked() {
        assert!(matches!(
            malformation_of("<p class=x>y</p>").0,
            Malformation::BadAttribute { .. }
        ));
        assert!(matches!(
            malformation_of("<p class>y</p>").0,
            Malformation::BadAttribute { .. }
        ));
        assert!(matches!(
            malformation_of("<p a=\"1\"b=\"2\">y</p>").0,
            Malformation::BadAttribute { .. }
        ));
        assert!(matches!(
            malformation_of("<p a=\"1\" a='2'>y</p>").0,
            Malformation::DuplicateAttribute { .. }
        ));
        assert_eq!(
            malformation_of("<p a=\"<\">y</p>").0,
            Malformation::LessThanInAttribute
        );
        assert!(matches!(
            malformation_of("<p a=\"1>y</p>").0,
            Malformation::LessThanInAttribute
        ));
        assert!(matches!(
            malformation_of("<p a=\"1").0,
            Malformation::BadAttribute { .. }
        ));
        assert!(matches!(
            malformation_of("<p").0,
            Malformation::UnterminatedStartTag { .. }
        ));
        assert!(matches!(
            malformation_of("<p/ >").0,
            Malformation::UnterminatedStartTag { .. }
        ));
    }

    #[test]
    fn references_are_checked_against_the_xhtml_set() {
        assert!(parse("<p>&nbsp;&ndash;&rsquo;&oacute;&hellip;&#x1F600;&#169;&apos;</p>").is_ok());
        assert_eq!(
            malformation_of("<p>&bogus;</p>").0,
            Malformation::UnknownEntity {
                name: "bogus".into()
            }
        );
        assert_eq!(
            malformation_of("<p>a & b</p>").0,
            Malformation::BareAmpersand
        );
        assert_eq!(
            malformation_of("<p>a &amp b</p>").0,
            Malformation::BareAmpersand
        );
        assert!(matches!(
            malformation_of("<p>&#0;</p>").0,
            Malformation::InvalidCharacterReference { .. }
        ));
        assert!(matches!(
            malformation_of("<p t=\"&bogus;\"/>").0,
            Malformation::UnknownEntity { .. }
        ));
    }

    #[test]
    fn other_markup_errors_are_reported() {
        assert_eq!(malformation_of("a < b").0, Malformation::InvalidTagStart);
        assert_eq!(
            malformation_of("<!-- open").0,
            Malformation::Unterminated {
                construct: "comment"
            }
        );
        assert_eq!(
            malformation_of("<![CDATA[x").0,
            Malformation::Unterminated {
                construct: "CDATA section"
            }
        );
        assert_eq!(
            malformation_of("<!DOCTYPE html>").0,
            Malformation::UnsupportedDeclaration
        );
        assert!(matches!(
            malformation_of("<p>x</p x>").0,
            Malformation::UnterminatedEndTag { .. }
        ));
        assert_eq!(malformation_of("</>").0, Malformation::InvalidTagStart);
    }

    #[test]
    fn nesting_beyond_the_limit_is_an_error_not_a_crash() {
        let deep = "<div>".repeat(MAX_DEPTH + 1) + &"</div>".repeat(MAX_DEPTH + 1);
        assert_eq!(
            malformation_of(&deep).0,
            Malformation::TooDeep { limit: MAX_DEPTH }
        );
        let at_limit = "<div>".repeat(MAX_DEPTH) + &"</div>".repeat(MAX_DEPTH);
        assert!(parse(&at_limit).is_ok());
        let very_deep = "<b>".repeat(100_000);
        assert!(parse(&very_deep).is_err());
    }

    #[test]
    fn processing_instructions_and_non_ascii_names_are_kept() {
        let storage = "<?xml version=\"1.0\"?><été x='ü'>ç</été>";
        let document = parse(storage).expect("ok");
        assert_eq!(document.to_storage(), storage);
        assert_eq!(document.roots().nth(1).map(|node| node.name()), Some("été"));
    }

    #[test]
    fn tree_navigation_matches_the_markup() {
        let document = parse("<ul><li>a</li><li><b>b</b>c</li></ul><p/>").expect("ok");
        let list = document.roots().next().expect("ul");
        let items: Vec<_> = list.children().collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].text_content(), "bc");
        assert_eq!(items[1].inner_source(), "<b>b</b>c");
        assert!(document.roots().nth(1).is_some_and(|p| p.is_self_closing()));
        assert_eq!(list.descendants().count(), 6);
    }

    #[test]
    fn empty_input_is_an_empty_document() {
        let document = parse("").expect("ok");
        assert_eq!(document.node_count(), 0);
        assert_eq!(document.to_storage(), "");
    }
}
