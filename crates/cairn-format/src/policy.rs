//! The HTML allow-list shared by the renderer, the sanitizer and the editor mapping: which
//! elements, attributes, URL schemes and style properties may reach a browser.
//!
//! Everything here answers "may this pass?"; anything not named is refused. Values that pass are
//! still escaped by the writer, so an allowed value cannot break out of its attribute.

use crate::entity::decode_references;

/// What to do with an element that comes from content (storage or pasted HTML).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementPolicy {
    /// Keep the element with its allowed attributes.
    Keep,
    /// Drop the tags but keep the content.
    Unwrap,
    /// Drop the element and everything inside it.
    Remove,
}

/// Elements that may appear in rendered and sanitized HTML.
fn is_allowed_element(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "big"
            | "blockquote"
            | "br"
            | "caption"
            | "cite"
            | "code"
            | "col"
            | "colgroup"
            | "dd"
            | "del"
            | "details"
            | "dfn"
            | "div"
            | "dl"
            | "dt"
            | "em"
            | "figcaption"
            | "figure"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "hr"
            | "i"
            | "img"
            | "ins"
            | "kbd"
            | "li"
            | "mark"
            | "ol"
            | "p"
            | "pre"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strike"
            | "strong"
            | "sub"
            | "summary"
            | "sup"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "time"
            | "tr"
            | "tt"
            | "u"
            | "ul"
            | "var"
    )
}

/// Elements whose content is code, styling, embedded objects or form controls: never shown as
/// text, never kept.
fn is_removed_element(name: &str) -> bool {
    matches!(
        name,
        "applet"
            | "audio"
            | "base"
            | "basefont"
            | "button"
            | "canvas"
            | "embed"
            | "frame"
            | "frameset"
            | "head"
            | "iframe"
            | "input"
            | "isindex"
            | "link"
            | "math"
            | "meta"
            | "noembed"
            | "noframes"
            | "noscript"
            | "object"
            | "option"
            | "param"
            | "plaintext"
            | "script"
            | "select"
            | "source"
            | "style"
            | "svg"
            | "template"
            | "textarea"
            | "title"
            | "track"
            | "video"
            | "xml"
            | "xmp"
    )
}

/// Void elements in HTML: written `<br />` and never given content.
pub fn is_void_element(name: &str) -> bool {
    matches!(
        name,
        "br" | "hr"
            | "img"
            | "col"
            | "area"
            | "base"
            | "embed"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Decides what happens to a content element, given its lowercase local name.
pub fn element_policy(name: &str) -> ElementPolicy {
    if is_allowed_element(name) {
        ElementPolicy::Keep
    } else if is_removed_element(name) {
        ElementPolicy::Remove
    } else {
        ElementPolicy::Unwrap
    }
}

/// What kind of value an allowed attribute carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeKind {
    /// Free text, escaped on output.
    Text,
    /// A link target: checked with [`is_safe_link_url`].
    LinkUrl,
    /// An image source: checked with [`is_safe_image_url`].
    ImageUrl,
    /// Inline CSS: filtered with [`filter_style`].
    Style,
    /// A small non-negative integer.
    Number,
}

/// Whether an attribute may stay on an element, and what it carries. Names are lowercase.
pub fn attribute_kind(element: &str, attribute: &str) -> Option<AttributeKind> {
    use AttributeKind::{ImageUrl, LinkUrl, Number, Style, Text};
    let kind = match (element, attribute) {
        (_, "class" | "title" | "dir" | "lang") => Text,
        (_, "style") => Style,
        ("a", "href") => LinkUrl,
        ("a", "name") => Text,
        ("img", "src") => ImageUrl,
        ("img", "alt") => Text,
        ("img", "width" | "height") => Number,
        ("td" | "th", "colspan" | "rowspan") => Number,
        ("td" | "th", "scope" | "align" | "valign") => Text,
        ("col" | "colgroup", "span") => Number,
        ("col", "width") => Text,
        ("table", "data-layout") => Text,
        ("ol", "start") => Number,
        ("ol", "type") => Text,
        ("time", "datetime") => Text,
        ("q" | "blockquote" | "del" | "ins", "cite") => LinkUrl,
        ("details", "open") => Text,
        _ => return None,
    };
    Some(kind)
}

/// Whether a value fits the attribute kind; URL and style values are checked by their own
/// functions.
pub fn is_acceptable_number(value: &str) -> bool {
    !value.is_empty() && value.len() <= 6 && value.bytes().all(|byte| byte.is_ascii_digit())
}

/// The scheme of a URL as a browser would see it, lowercased, if it has one. Browsers ignore
/// ASCII whitespace and control characters inside URLs, so they are dropped before looking.
fn scheme_of(decoded_url: &str) -> Option<String> {
    let compact: String = decoded_url
        .chars()
        .filter(|c| *c > ' ' && *c != '\u{7F}')
        .collect();
    let scheme_end = compact.find([':', '/', '?', '#'])?;
    if !compact[scheme_end..].starts_with(':') {
        return None;
    }
    Some(compact[..scheme_end].to_ascii_lowercase())
}

/// Whether a decoded URL may be used as a link: http, https, mailto, tel, or relative.
pub fn is_safe_link_url(decoded_url: &str) -> bool {
    match scheme_of(decoded_url) {
        None => true,
        Some(scheme) => matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel"),
    }
}

/// Whether a decoded URL may be used as an image source: a safe link URL or an inline raster
/// image (`data:image/png`, `gif`, `jpeg`, `webp`; never SVG, which can carry script).
pub fn is_safe_image_url(decoded_url: &str) -> bool {
    match scheme_of(decoded_url) {
        Some(scheme) if scheme == "data" => {
            let compact: String = decoded_url
                .chars()
                .filter(|c| *c > ' ')
                .collect::<String>()
                .to_ascii_lowercase();
            [
                "data:image/png",
                "data:image/gif",
                "data:image/jpeg",
                "data:image/jpg",
                "data:image/webp",
            ]
            .iter()
            .any(|prefix| {
                compact.starts_with(prefix)
                    && matches!(compact.as_bytes().get(prefix.len()), Some(b';' | b','))
            })
        }
        _ => is_safe_link_url(decoded_url),
    }
}

/// Decodes references (as a browser would) and checks a raw attribute URL for links.
pub fn is_safe_raw_link_url(raw_url: &str) -> bool {
    is_safe_link_url(&decode_references(raw_url))
}

/// CSS properties that may stay in a `style` attribute.
const ALLOWED_STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "text-align",
    "text-decoration",
    "font-weight",
    "font-style",
    "margin-left",
    "padding-left",
    "width",
    "vertical-align",
];

/// Keeps only allowed declarations with plain values (colours, lengths, keywords) and returns
/// them normalised, or `None` if nothing remains.
pub fn filter_style(style: &str) -> Option<String> {
    let mut kept = String::new();
    for declaration in style.split(';') {
        let Some((property, value)) = declaration.split_once(':') else {
            continue;
        };
        let property = property.trim().to_ascii_lowercase();
        let value = value.trim();
        if !ALLOWED_STYLE_PROPERTIES.contains(&property.as_str()) || !is_plain_style_value(value) {
            continue;
        }
        if !kept.is_empty() {
            kept.push(' ');
        }
        kept.push_str(&property);
        kept.push_str(": ");
        kept.push_str(value);
        kept.push(';');
    }
    (!kept.is_empty()).then_some(kept)
}

/// A CSS value made of words, numbers, `#hex`, percentages and `rgb(…)`: nothing that can load a
/// resource or run an expression.
fn is_plain_style_value(value: &str) -> bool {
    if value.is_empty() || value.len() > 64 {
        return false;
    }
    let allowed_characters = value
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || b" #%.,()-".contains(&byte));
    if !allowed_characters {
        return false;
    }
    let lowercase = value.to_ascii_lowercase();
    lowercase.match_indices('(').all(|(paren, _)| {
        let before = &lowercase[..paren];
        let function_start = before
            .rfind(|c: char| !c.is_ascii_alphabetic())
            .map_or(0, |index| index + 1);
        matches!(&before[function_start..], "rgb" | "rgba" | "hsl" | "hsla")
    })
}

/// Whether a class or identifier token is plain (letters, digits, `-`, `_`).
pub fn is_plain_token(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_kept_unwrapped_or_removed() {
        assert_eq!(element_policy("p"), ElementPolicy::Keep);
        assert_eq!(element_policy("script"), ElementPolicy::Remove);
        assert_eq!(element_policy("iframe"), ElementPolicy::Remove);
        assert_eq!(element_policy("svg"), ElementPolicy::Remove);
        assert_eq!(element_policy("font"), ElementPolicy::Unwrap);
        assert_eq!(element_policy("form"), ElementPolicy::Unwrap);
    }

    #[test]
    fn event_handlers_and_unknown_attributes_are_refused() {
        assert_eq!(attribute_kind("img", "onerror"), None);
        assert_eq!(attribute_kind("a", "onclick"), None);
        assert_eq!(attribute_kind("a", "href"), Some(AttributeKind::LinkUrl));
        assert_eq!(attribute_kind("div", "href"), None);
        assert_eq!(attribute_kind("p", "srcdoc"), None);
    }

    #[test]
    fn link_urls_allow_web_mail_and_relative_targets_only() {
        for good in [
            "https://example.com/a?b#c",
            "http://x",
            "mailto:a@b.c",
            "/display/DEV/Home",
            "#top",
            "page?x=1:2",
            "tel:+123",
        ] {
            assert!(is_safe_link_url(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:x",
            "\u{1}javascript:x",
            "vbscript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "livescript:x",
            "file:///etc/passwd",
            "java\u{A0}script:x",
        ] {
            assert!(!is_safe_link_url(bad), "{bad}");
        }
        assert!(!is_safe_raw_link_url("jav&#x09;ascript:alert(1)"));
        assert!(!is_safe_raw_link_url("&#106;avascript:alert(1)"));
    }

    #[test]
    fn image_urls_allow_raster_data_but_not_svg_or_html() {
        assert!(is_safe_image_url("data:image/png;base64,iVBORw0KGgo="));
        assert!(is_safe_image_url("https://example.com/a.svg"));
        assert!(!is_safe_image_url("data:image/svg+xml;base64,PHN2Zz4="));
        assert!(!is_safe_image_url("data:text/html,<script>"));
        assert!(!is_safe_image_url("javascript:alert(1)"));
    }

    #[test]
    fn styles_keep_plain_allowed_declarations() {
        assert_eq!(
            filter_style("color: rgb(255, 0, 0); position: fixed; text-align:center").as_deref(),
            Some("color: rgb(255, 0, 0); text-align: center;")
        );
        assert_eq!(filter_style("width: expression(alert(1))"), None);
        assert_eq!(
            filter_style("background-color: url(javascript:alert(1))"),
            None
        );
        assert_eq!(filter_style("color: red\\;"), None);
        assert_eq!(filter_style("behavior: url(x.htc)"), None);
        assert_eq!(filter_style("color: /**/red"), None);
    }

    #[test]
    fn plain_tokens_exclude_markup_and_spaces() {
        assert!(is_plain_token("language-rust_2"));
        assert!(!is_plain_token("a b"));
        assert!(!is_plain_token("a\"b"));
        assert!(!is_plain_token(""));
    }
}
