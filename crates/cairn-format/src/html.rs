//! A tolerant HTML tokenizer for input that is not XHTML: pasted or imported HTML and what the
//! editor sends back. It never fails; it follows the HTML tokenizer closely enough that what it
//! reads as text, tags and attribute values is what a browser would read.

use std::borrow::Cow;

use crate::entity::named_entity;

/// One token of HTML input. Names are lowercase; attribute values and text are decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    StartTag {
        name: String,
        attributes: Vec<(String, String)>,
        self_closing: bool,
    },
    EndTag {
        name: String,
    },
    Text(Cow<'a, str>),
}

/// Elements whose content is raw text up to their own end tag.
fn is_raw_text_element(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "xmp"
            | "iframe"
            | "noembed"
            | "noframes"
            | "noscript"
            | "textarea"
            | "title"
            | "plaintext"
    )
}

/// Entities from HTML5 outside the XHTML set that filter-evasion tricks rely on.
fn html5_extra_entity(name: &str) -> Option<char> {
    let c = match name {
        "Tab" => '\t',
        "NewLine" => '\n',
        "colon" => ':',
        "semi" => ';',
        "lpar" => '(',
        "rpar" => ')',
        "sol" => '/',
        "bsol" => '\\',
        "period" => '.',
        "comma" => ',',
        "excl" => '!',
        "quest" => '?',
        "num" => '#',
        "equals" => '=',
        "plus" => '+',
        "grave" => '`',
        "lowbar" => '_',
        "lsqb" | "lbrack" => '[',
        "rsqb" | "rbrack" => ']',
        "lcub" | "lbrace" => '{',
        "rcub" | "rbrace" => '}',
        "verbar" | "vert" => '|',
        "dollar" => '$',
        "percnt" => '%',
        "ast" => '*',
        "commat" => '@',
        "Hat" => '^',
        _ => return None,
    };
    Some(c)
}

/// Decodes character references as HTML does: numeric ones with or without `;`, named ones
/// from the XHTML set plus a few HTML5 names, and a handful of legacy names without `;`.
pub(crate) fn decode_html_references(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut decoded = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let (replacement, consumed) = decode_one_reference(after);
        match replacement {
            Some(c) => decoded.push(c),
            None => decoded.push('&'),
        }
        rest = &after[consumed..];
    }
    decoded.push_str(rest);
    Cow::Owned(decoded)
}

/// Decodes the reference after a `&`; returns the character and how many bytes it used.
fn decode_one_reference(after: &str) -> (Option<char>, usize) {
    let bytes = after.as_bytes();
    if bytes.first() == Some(&b'#') {
        let hex = matches!(bytes.get(1), Some(b'x' | b'X'));
        let digits_start = if hex { 2 } else { 1 };
        let digits_length = bytes[digits_start..]
            .iter()
            .take_while(|byte| {
                if hex {
                    byte.is_ascii_hexdigit()
                } else {
                    byte.is_ascii_digit()
                }
            })
            .count();
        if digits_length == 0 {
            return (None, 0);
        }
        let digits = &after[digits_start..digits_start + digits_length];
        let value = u32::from_str_radix(digits, if hex { 16 } else { 10 }).unwrap_or(u32::MAX);
        let c = char::from_u32(value)
            .filter(|c| *c != '\0')
            .unwrap_or('\u{FFFD}');
        let mut consumed = digits_start + digits_length;
        if bytes.get(consumed) == Some(&b';') {
            consumed += 1;
        }
        return (Some(c), consumed);
    }
    let name_length = bytes
        .iter()
        .take(32)
        .take_while(|byte| byte.is_ascii_alphanumeric())
        .count();
    let name = &after[..name_length];
    if bytes.get(name_length) == Some(&b';') {
        if let Some(c) = named_entity(name).or_else(|| html5_extra_entity(name)) {
            return (Some(c), name_length + 1);
        }
        return (None, 0);
    }
    // Legacy references that browsers accept without a semicolon.
    for legacy in ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"] {
        if name.starts_with(legacy) && name.len() == legacy.len() {
            return (named_entity(legacy), legacy.len());
        }
    }
    (None, 0)
}

/// Iterator over the tokens of an HTML string.
pub(crate) struct Tokenizer<'a> {
    source: &'a str,
    position: usize,
    /// Set after a raw-text start tag: the next token is its raw content.
    raw_text_of: Option<String>,
}

impl<'a> Tokenizer<'a> {
    pub(crate) fn new(source: &'a str) -> Self {
        Tokenizer {
            source,
            position: 0,
            raw_text_of: None,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.source.as_bytes()
    }

    fn raw_text(&mut self, element: &str) -> Option<Token<'a>> {
        let start = self.position;
        let rest = &self.source[start..];
        let closing = format!("</{element}");
        let mut search_from = 0;
        let end = loop {
            let Some(found) = find_ascii_case_insensitive(&rest[search_from..], &closing) else {
                break self.source.len();
            };
            let candidate = start + search_from + found;
            let after = self.bytes().get(candidate + closing.len());
            if matches!(
                after,
                None | Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0C')
            ) {
                break candidate;
            }
            search_from += found + closing.len();
        };
        self.position = end;
        (end > start).then(|| Token::Text(Cow::Borrowed(&self.source[start..end])))
    }

    fn skip_past(&mut self, terminator: &str) {
        self.position = match self.source[self.position..].find(terminator) {
            Some(found) => self.position + found + terminator.len(),
            None => self.source.len(),
        };
    }

    fn tag_name(&mut self) -> String {
        let start = self.position;
        while let Some(byte) = self.bytes().get(self.position) {
            if matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C' | b'/' | b'>') {
                break;
            }
            self.position += 1;
        }
        self.source[start..self.position].to_ascii_lowercase()
    }

    fn skip_whitespace(&mut self) {
        while matches!(
            self.bytes().get(self.position),
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0C')
        ) {
            self.position += 1;
        }
    }

    /// Reads a start tag after its `<`; `None` when the input ends inside it (browsers drop it).
    fn start_tag(&mut self) -> Option<Token<'a>> {
        let name = self.tag_name();
        let mut attributes: Vec<(String, String)> = Vec::new();
        let mut self_closing = false;
        loop {
            self.skip_whitespace();
            match self.bytes().get(self.position)? {
                b'>' => {
                    self.position += 1;
                    break;
                }
                b'/' => {
                    self.position += 1;
                    self_closing = self.bytes().get(self.position) == Some(&b'>');
                    continue;
                }
                _ => {}
            }
            self_closing = false;
            let name_start = self.position;
            self.position += 1;
            while let Some(byte) = self.bytes().get(self.position) {
                if matches!(
                    byte,
                    b' ' | b'\t' | b'\n' | b'\r' | b'\x0C' | b'/' | b'>' | b'='
                ) {
                    break;
                }
                self.position += 1;
            }
            let attribute_name = self.source[name_start..self.position].to_ascii_lowercase();
            self.skip_whitespace();
            let mut value = String::new();
            if self.bytes().get(self.position) == Some(&b'=') {
                self.position += 1;
                self.skip_whitespace();
                value = self.attribute_value()?;
            }
            // The first of duplicate attributes wins, as in browsers.
            if !attributes
                .iter()
                .any(|(existing, _)| *existing == attribute_name)
            {
                attributes.push((attribute_name, value));
            }
        }
        if is_raw_text_element(&name) && !self_closing {
            self.raw_text_of = Some(name.clone());
        }
        Some(Token::StartTag {
            name,
            attributes,
            self_closing,
        })
    }

    fn attribute_value(&mut self) -> Option<String> {
        let bytes = self.bytes();
        let raw = match bytes.get(self.position)? {
            quote @ (b'"' | b'\'') => {
                let start = self.position + 1;
                let length = bytes[start..].iter().position(|byte| byte == quote)?;
                self.position = start + length + 1;
                &self.source[start..start + length]
            }
            _ => {
                let start = self.position;
                while let Some(byte) = bytes.get(self.position) {
                    if matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C' | b'>') {
                        break;
                    }
                    self.position += 1;
                }
                &self.source[start..self.position]
            }
        };
        Some(decode_html_references(raw).into_owned())
    }
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let haystack = haystack.as_bytes();
    let needle = needle.as_bytes();
    if needle.len() > haystack.len() {
        return None;
    }
    (0..=haystack.len() - needle.len())
        .find(|start| haystack[*start..*start + needle.len()].eq_ignore_ascii_case(needle))
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            if let Some(element) = self.raw_text_of.take()
                && let Some(token) = self.raw_text(&element)
            {
                return Some(token);
            }
            let bytes = self.bytes();
            if self.position >= bytes.len() {
                return None;
            }
            if bytes[self.position] != b'<' {
                let start = self.position;
                let length = bytes[start..]
                    .iter()
                    .position(|byte| *byte == b'<')
                    .unwrap_or(bytes.len() - start);
                self.position = start + length;
                return Some(Token::Text(decode_html_references(
                    &self.source[start..self.position],
                )));
            }
            let rest = &bytes[self.position..];
            match rest.get(1) {
                Some(byte) if byte.is_ascii_alphabetic() => {
                    self.position += 1;
                    match self.start_tag() {
                        Some(token) => return Some(token),
                        None => {
                            self.position = bytes.len();
                            return None;
                        }
                    }
                }
                Some(b'/') => {
                    if rest.get(2).is_some_and(u8::is_ascii_alphabetic) {
                        self.position += 2;
                        let name = self.tag_name();
                        self.skip_past(">");
                        return Some(Token::EndTag { name });
                    }
                    self.skip_past(">");
                }
                Some(b'!') if rest.starts_with(b"<!--") => {
                    self.position += 4;
                    self.skip_past("-->");
                }
                Some(b'!' | b'?') => self.skip_past(">"),
                _ => {
                    self.position += 1;
                    return Some(Token::Text(Cow::Borrowed("<")));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(html: &str) -> Vec<Token<'_>> {
        Tokenizer::new(html).collect()
    }

    fn start(name: &str, attributes: &[(&str, &str)]) -> Token<'static> {
        Token::StartTag {
            name: name.into(),
            attributes: attributes
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            self_closing: false,
        }
    }

    #[test]
    fn tags_attributes_and_text_are_read_like_a_browser() {
        assert_eq!(
            tokens("<P CLASS=a id='b c' data-x=\"1>2\" checked>x &amp; y</p>"),
            vec![
                start(
                    "p",
                    &[
                        ("class", "a"),
                        ("id", "b c"),
                        ("data-x", "1>2"),
                        ("checked", "")
                    ]
                ),
                Token::Text("x & y".into()),
                Token::EndTag { name: "p".into() },
            ]
        );
    }

    #[test]
    fn references_decode_with_and_without_semicolons() {
        assert_eq!(
            decode_html_references("&#106&#x61;&#X76;a&Tab;&colon;&lt&ampx"),
            "java\t:<&ampx"
        );
        assert_eq!(
            decode_html_references("&#0;&#xFFFFFFFFF;&bogus;"),
            "\u{FFFD}\u{FFFD}&bogus;"
        );
    }

    #[test]
    fn script_content_is_raw_text() {
        assert_eq!(
            tokens("<script>if (a<b) { x = '</p>' }</SCRIPT >t"),
            vec![
                start("script", &[]),
                Token::Text("if (a<b) { x = '</p>' }".into()),
                Token::EndTag {
                    name: "script".into()
                },
                Token::Text("t".into()),
            ]
        );
    }

    #[test]
    fn comments_declarations_and_stray_brackets() {
        assert_eq!(
            tokens("<!DOCTYPE html><!-- c --><?php x ?>a < b</ >"),
            vec![
                Token::Text("a ".into()),
                Token::Text("<".into()),
                Token::Text(" b".into())
            ]
        );
    }

    #[test]
    fn a_tag_cut_off_by_the_end_of_input_is_dropped() {
        assert_eq!(
            tokens("ok<img src=x onerror=alert(1)"),
            vec![Token::Text("ok".into())]
        );
        assert_eq!(tokens("<a href=\"x"), vec![]);
    }

    #[test]
    fn self_closing_and_duplicate_attributes() {
        assert_eq!(
            tokens("<br/><img src=a src=b />"),
            vec![
                Token::StartTag {
                    name: "br".into(),
                    attributes: vec![],
                    self_closing: true
                },
                Token::StartTag {
                    name: "img".into(),
                    attributes: vec![("src".into(), "a".into())],
                    self_closing: true
                },
            ]
        );
    }
}
