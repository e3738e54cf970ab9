//! Sanitizer for HTML from outside (pasted, imported, sent by the editor).
//!
//! Input is read with the tolerant tokenizer in [`crate::html`]; output is rebuilt from scratch
//! as well-formed XHTML that only contains allow-listed elements, attributes, URLs and styles
//! (see [`crate::policy`]). Because the output is serialized by this module, never copied, a
//! trick that confuses the tokenizer can at worst lose content, not smuggle markup through.

use crate::entity::{escape_attribute_into, is_xml_char};
use crate::html::{Token, Tokenizer};
use crate::policy::{
    AttributeKind, ElementPolicy, attribute_kind, element_policy, filter_style,
    is_acceptable_number, is_safe_image_url, is_safe_link_url, is_void_element,
};

/// Deepest nesting the sanitizer writes; deeper elements are unwrapped so that the output
/// always parses as storage (which has its own depth limit).
const MAX_OUTPUT_DEPTH: usize = 128;

/// Cleans arbitrary HTML into safe, well-formed XHTML usable as a storage body.
pub fn sanitize_html(html: &str) -> String {
    let mut sanitizer = Sanitizer::new(html.len());
    for token in Tokenizer::new(html) {
        sanitizer.token(token, &mut |_, _| false);
    }
    sanitizer.finish()
}

/// Rebuilds HTML token by token. `intercept` lets a caller (the editor mapping) take over a
/// start tag: it returns true when it wrote something itself and the element's content must be
/// skipped.
pub(crate) struct Sanitizer {
    out: String,
    /// Kept elements still open, innermost last.
    open: Vec<String>,
    /// While skipping a removed element: its name and how many of the same name are nested.
    skipping: Option<(String, usize)>,
}

/// Elements that close an open paragraph when they start.
fn closes_paragraph(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "dl"
            | "pre"
            | "blockquote"
            | "table"
            | "hr"
            | "figure"
            | "details"
    )
}

impl Sanitizer {
    pub(crate) fn new(capacity: usize) -> Self {
        Sanitizer {
            out: String::with_capacity(capacity),
            open: Vec::new(),
            skipping: None,
        }
    }

    pub(crate) fn out_mut(&mut self) -> &mut String {
        &mut self.out
    }

    /// Skips everything up to the end tag matching a start tag named `name`.
    pub(crate) fn skip_element(&mut self, name: &str) {
        self.skipping = Some((name.to_string(), 1));
    }

    pub(crate) fn token(
        &mut self,
        token: Token<'_>,
        intercept: &mut dyn FnMut(&mut Sanitizer, &Token<'_>) -> bool,
    ) {
        if let Some((skipped_name, nesting)) = &mut self.skipping {
            match &token {
                Token::StartTag {
                    name,
                    self_closing: false,
                    ..
                } if name == skipped_name => *nesting += 1,
                Token::EndTag { name } if name == skipped_name => {
                    *nesting -= 1;
                    if *nesting == 0 {
                        self.skipping = None;
                    }
                }
                _ => {}
            }
            return;
        }
        if intercept(self, &token) {
            return;
        }
        match token {
            Token::Text(text) => self.text(&text),
            Token::StartTag {
                name,
                attributes,
                self_closing,
            } => self.start_tag(&name, &attributes, self_closing),
            Token::EndTag { name } => self.end_tag(&name),
        }
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                c if is_xml_char(c) => self.out.push(c),
                _ => {}
            }
        }
    }

    /// Closes open elements down to (and including) the innermost one named `name`, but not
    /// past any of `boundaries`. Returns whether it closed something.
    fn close_to(&mut self, name: &str, boundaries: &[&str]) -> bool {
        let Some(index) = self
            .open
            .iter()
            .rposition(|open| open == name || boundaries.contains(&open.as_str()))
            .filter(|index| self.open[*index] == name)
        else {
            return false;
        };
        while self.open.len() > index {
            if let Some(closed) = self.open.pop() {
                self.out.push_str("</");
                self.out.push_str(&closed);
                self.out.push('>');
            }
        }
        true
    }

    fn close_implied(&mut self, name: &str) {
        const LIST_BOUNDARIES: &[&str] = &["ul", "ol", "table", "div", "blockquote"];
        const CELL_BOUNDARIES: &[&str] = &["tr", "table"];
        const ROW_BOUNDARIES: &[&str] = &["thead", "tbody", "tfoot", "table"];
        if closes_paragraph(name) {
            self.close_to(
                "p",
                &[
                    "div",
                    "li",
                    "td",
                    "th",
                    "blockquote",
                    "table",
                    "details",
                    "dd",
                ],
            );
        }
        match name {
            "li" => {
                self.close_to("li", LIST_BOUNDARIES);
            }
            "dt" | "dd" => {
                let _closed = self.close_to("dt", &["dl"]) || self.close_to("dd", &["dl"]);
            }
            "td" | "th" => {
                let _closed =
                    self.close_to("td", CELL_BOUNDARIES) || self.close_to("th", CELL_BOUNDARIES);
            }
            "tr" => {
                self.close_to("tr", ROW_BOUNDARIES);
            }
            "thead" | "tbody" | "tfoot" => {
                for section in ["thead", "tbody", "tfoot"] {
                    self.close_to(section, &["table"]);
                }
            }
            "a" => {
                self.close_to("a", &[]);
            }
            _ => {}
        }
    }

    fn start_tag(&mut self, raw_name: &str, attributes: &[(String, String)], self_closing: bool) {
        let name = raw_name.to_ascii_lowercase();
        let policy = if name.contains(':') {
            ElementPolicy::Unwrap
        } else {
            element_policy(&name)
        };
        match policy {
            ElementPolicy::Remove => {
                if !is_void_element(&name) && !self_closing {
                    self.skip_element(&name);
                }
                return;
            }
            ElementPolicy::Unwrap => return,
            ElementPolicy::Keep => {}
        }
        self.close_implied(&name);
        let void = is_void_element(&name);
        if !void && self.open.len() >= MAX_OUTPUT_DEPTH {
            return;
        }
        self.out.push('<');
        self.out.push_str(&name);
        write_allowed_attributes(&mut self.out, &name, attributes);
        if void {
            self.out.push_str(" />");
        } else {
            self.out.push('>');
            self.open.push(name);
        }
    }

    fn end_tag(&mut self, name: &str) {
        if self.open.iter().any(|open| open == name) {
            self.close_to(name, &[]);
        }
    }

    pub(crate) fn finish(mut self) -> String {
        while let Some(closed) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(&closed);
            self.out.push('>');
        }
        self.out
    }
}

/// Writes the attributes the allow-list keeps for `element`, values checked and escaped.
pub(crate) fn write_allowed_attributes(
    out: &mut String,
    element: &str,
    attributes: &[(String, String)],
) {
    for (name, value) in attributes {
        let Some(kind) = attribute_kind(element, name) else {
            continue;
        };
        let kept_value = match kind {
            AttributeKind::Text => Some(value.clone()),
            AttributeKind::Number => is_acceptable_number(value).then(|| value.clone()),
            AttributeKind::LinkUrl => is_safe_link_url(value).then(|| value.clone()),
            AttributeKind::ImageUrl => is_safe_image_url(value).then(|| value.clone()),
            AttributeKind::Style => filter_style(value),
        };
        if let Some(kept_value) = kept_value {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            let printable: String = kept_value.chars().filter(|c| is_xml_char(*c)).collect();
            escape_attribute_into(out, &printable);
            out.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::check_well_formed;

    fn clean(html: &str) -> String {
        let cleaned = sanitize_html(html);
        assert!(
            check_well_formed(&cleaned).is_ok(),
            "not well-formed: {cleaned}"
        );
        cleaned
    }

    #[test]
    fn sloppy_html_becomes_well_formed_xhtml() {
        assert_eq!(
            clean("<P>one<p>two<br>three"),
            "<p>one</p><p>two<br />three</p>"
        );
        assert_eq!(
            clean("<ul><li>a<li>b</ul>"),
            "<ul><li>a</li><li>b</li></ul>"
        );
        assert_eq!(
            clean("<table><tr><td>1<td>2<tr><td>3</table>"),
            "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>"
        );
        assert_eq!(clean("<b><i>x</b>y</i>"), "<b><i>x</i></b>y");
        assert_eq!(clean("a </span> b"), "a  b");
        assert_eq!(clean("<p>x<div>y</div>"), "<p>x</p><div>y</div>");
    }

    #[test]
    fn attributes_pass_the_allow_list() {
        assert_eq!(
            clean("<a href=https://e.com/?a=1&b=2 onclick=x() target=_blank>l</a>"),
            "<a href=\"https://e.com/?a=1&amp;b=2\">l</a>"
        );
        assert_eq!(
            clean("<td colspan=2 rowspan=x>c</td>"),
            "<td colspan=\"2\">c</td>"
        );
        assert_eq!(
            clean("<p style='color:red;position:fixed'>s</p>"),
            "<p style=\"color: red;\">s</p>"
        );
    }

    #[test]
    fn dangerous_elements_disappear_with_their_content() {
        assert_eq!(clean("a<script>alert(1)</script>b"), "ab");
        assert_eq!(clean("a<style>p{}</style><iframe src=x>t</iframe>b"), "ab");
        assert_eq!(
            clean("<object><object></object>inner</object>after"),
            "after"
        );
        assert_eq!(clean("<svg><script>x</script></svg>ok"), "ok");
        assert_eq!(clean("<input value=x>k"), "k");
    }

    #[test]
    fn unknown_elements_are_unwrapped() {
        assert_eq!(clean("<font color=red>x</font><ac:link>y</ac:link>"), "xy");
    }

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(
            clean("1 &lt; 2 &amp;&amp; 3 > 2\u{1}"),
            "1 &lt; 2 &amp;&amp; 3 &gt; 2"
        );
    }

    #[test]
    fn deep_nesting_is_capped() {
        let deep = "<div>".repeat(5000);
        let cleaned = clean(&deep);
        assert_eq!(cleaned.matches("<div>").count(), MAX_OUTPUT_DEPTH);
    }
}
