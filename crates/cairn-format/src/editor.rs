//! The mapping between storage format and the HTML a WYSIWYG editor works on.
//!
//! Plain XHTML the allow-list knows becomes ordinary editable HTML. Everything else (macros,
//! links, images, emoticons, task lists, layouts, unknown or unsafe elements, comments) becomes
//! one atomic node: `<div class="cairn-macro" data-macro-storage="…">preview</div>` (a `span`
//! for inline constructs), where the attribute holds the exact original storage and the content
//! is a rendered preview. Going back, each atomic node is replaced by its original storage byte
//! for byte, and the rest passes through the sanitizer, so the editor can never inject markup
//! the allow-list refuses.

use crate::context::RenderContext;
use crate::error::FormatError;
use crate::html::{Token, Tokenizer};
use crate::parse::check_well_formed;
use crate::policy::{ElementPolicy, element_policy, is_void_element};
use crate::render::{Renderer, preview_renderer};
use crate::sanitize::{Sanitizer, write_allowed_attributes};
use crate::tree::{Document, NodeKind, NodeRef};

/// Class marking an atomic node in editor HTML.
pub const ATOMIC_CLASS: &str = "cairn-macro";

/// Attribute holding an atomic node's original storage.
pub const STORAGE_ATTRIBUTE: &str = "data-macro-storage";

/// Macros that sit inside a line of text.
pub(crate) fn is_inline_macro(name: &str) -> bool {
    matches!(
        name,
        "status" | "anchor" | "jira" | "profile" | "view-file" | "mathinline" | "eazy-math-inline"
    )
}

fn is_inline_atomic(node: NodeRef<'_>) -> bool {
    match node.name() {
        "ac:link" | "ac:image" | "ac:emoticon" | "ac:inline-comment-marker" | "ac:placeholder" => {
            true
        }
        "ac:structured-macro" | "ac:macro" => is_inline_macro(
            &node
                .attribute("ac:name")
                .unwrap_or_default()
                .to_ascii_lowercase(),
        ),
        _ => node.kind() != NodeKind::Element,
    }
}

/// Escapes storage for the attribute; line breaks become references so that a browser's
/// newline normalisation cannot change them.
fn escape_storage_attribute(storage: &str, out: &mut String) {
    for c in storage.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            _ => out.push(c),
        }
    }
}

/// Converts storage to editor HTML; `context` supplies what macro previews need.
pub fn storage_to_editor_html(document: &Document, context: &dyn RenderContext) -> String {
    let mut out = String::with_capacity(document.source().len() * 2);
    let mut previews = preview_renderer(document, context);
    for root in document.roots() {
        editor_node(root, &mut previews, &mut out);
    }
    out
}

fn editor_node(node: NodeRef<'_>, previews: &mut Renderer<'_>, out: &mut String) {
    match node.kind() {
        // The parser guarantees text holds no `<` and only valid references.
        NodeKind::Text => out.push_str(node.source()),
        NodeKind::CData | NodeKind::Comment | NodeKind::ProcessingInstruction => {
            atomic(node, previews, out)
        }
        NodeKind::Element => {
            let name = node.name();
            let editable = !name.contains(':') && element_policy(name) == ElementPolicy::Keep;
            if !editable {
                return atomic(node, previews, out);
            }
            out.push('<');
            out.push_str(name);
            let attributes: Vec<(String, String)> = node
                .attributes()
                .map(|attribute| (attribute.name().to_string(), attribute.value().into_owned()))
                .collect();
            write_allowed_attributes(out, name, &attributes);
            if is_void_element(name) {
                out.push_str(" />");
                return;
            }
            out.push('>');
            for child in node.children() {
                editor_node(child, previews, out);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

fn atomic(node: NodeRef<'_>, previews: &mut Renderer<'_>, out: &mut String) {
    let element = if is_inline_atomic(node) {
        "span"
    } else {
        "div"
    };
    out.push('<');
    out.push_str(element);
    out.push_str(" class=\"");
    out.push_str(ATOMIC_CLASS);
    out.push_str("\" contenteditable=\"false\" ");
    out.push_str(STORAGE_ATTRIBUTE);
    out.push_str("=\"");
    escape_storage_attribute(node.source(), out);
    out.push_str("\">");
    if node.is_element() {
        out.push_str(&previews.render_fragment(node));
    }
    out.push_str("</");
    out.push_str(element);
    out.push('>');
}

/// Converts editor HTML back to storage: atomic nodes return to their original storage, the
/// rest is sanitized into well-formed XHTML. Fails only when an atomic node carries storage
/// that is not well-formed (a tampered or corrupted editor document).
pub fn editor_html_to_storage(html: &str) -> Result<String, FormatError> {
    let mut sanitizer = Sanitizer::new(html.len());
    let mut failure: Option<FormatError> = None;
    for token in Tokenizer::new(html) {
        sanitizer.token(token, &mut |sanitizer, token| {
            let Token::StartTag {
                name,
                attributes,
                self_closing,
            } = token
            else {
                return false;
            };
            let is_atomic = attributes.iter().any(|(attribute, value)| {
                attribute == "class" && value.split_whitespace().any(|class| class == ATOMIC_CLASS)
            });
            let storage = attributes
                .iter()
                .find(|(attribute, _)| attribute == STORAGE_ATTRIBUTE)
                .map(|(_, value)| value);
            let (true, Some(storage)) = (is_atomic, storage) else {
                return false;
            };
            match check_well_formed(storage) {
                Ok(()) => sanitizer.out_mut().push_str(storage),
                Err(error) => {
                    failure.get_or_insert(FormatError::EditorContent {
                        source: Box::new(error),
                    });
                }
            }
            if !*self_closing && !is_void_element(name) {
                sanitizer.skip_element(name);
            }
            true
        });
    }
    if let Some(error) = failure {
        return Err(error);
    }
    let storage = sanitizer.finish();
    // Restored macros nested inside deep editor markup could exceed the depth limit together.
    check_well_formed(&storage).map_err(|error| FormatError::EditorContent {
        source: Box::new(error),
    })?;
    Ok(storage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoContext;
    use crate::parse;

    fn to_editor(storage: &str) -> String {
        storage_to_editor_html(&parse(storage).unwrap(), &NoContext)
    }

    #[test]
    fn macros_become_atomic_nodes_with_a_preview() {
        let html = to_editor(
            "<p>a <ac:emoticon ac:name=\"tick\"/></p><ac:structured-macro ac:name=\"info\"><ac:rich-text-body><p>x\ny</p></ac:rich-text-body></ac:structured-macro>",
        );
        assert!(html.starts_with("<p>a <span class=\"cairn-macro\" contenteditable=\"false\" data-macro-storage=\"&lt;ac:emoticon ac:name=&quot;tick&quot;/&gt;\"><span class=\"emoticon emoticon-tick\""), "{html}");
        assert!(html.contains("<div class=\"cairn-macro\" contenteditable=\"false\" data-macro-storage=\"&lt;ac:structured-macro"), "{html}");
        assert!(
            html.contains("x&#10;y"),
            "line breaks are kept as references: {html}"
        );
        assert!(
            html.contains("confluence-information-macro-body"),
            "the preview is rendered: {html}"
        );
    }

    #[test]
    fn plain_xhtml_stays_editable_and_unsafe_parts_stay_atomic() {
        assert_eq!(
            to_editor("<p class=\"c\">t<br/></p>"),
            "<p class=\"c\">t<br /></p>"
        );
        let html = to_editor("<script>x()</script>");
        assert!(html.starts_with("<div class=\"cairn-macro\""), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn atomic_nodes_return_to_their_exact_storage() {
        let storage = "<p>Hi <ac:link ac:anchor='x'><ri:page ri:content-title=\"A &amp; B\" /></ac:link></p><ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[a\r\n\tb]]></ac:plain-text-body></ac:structured-macro>";
        let html = to_editor(storage);
        assert_eq!(editor_html_to_storage(&html).unwrap(), storage);
    }

    #[test]
    fn editing_around_atomic_nodes_keeps_them() {
        let html = to_editor("<p>one <ac:emoticon ac:name=\"smile\"/></p>");
        let edited = html.replace("one", "<b>two</b> <img src=x onerror=alert(1)>");
        assert_eq!(
            editor_html_to_storage(&edited).unwrap(),
            "<p><b>two</b> <img src=\"x\" /> <ac:emoticon ac:name=\"smile\"/></p>"
        );
    }

    #[test]
    fn tampered_atomic_storage_is_an_error() {
        let html = "<div class=\"cairn-macro\" data-macro-storage=\"&lt;p&gt;unclosed\">x</div>";
        let error = editor_html_to_storage(html).unwrap_err();
        assert!(matches!(error, FormatError::EditorContent { .. }));
        assert!(error.to_string().contains("Error parsing xhtml"), "{error}");
    }

    #[test]
    fn atomic_storage_cannot_smuggle_unsafe_html_into_storage_unseen() {
        // Storage is not HTML: it is rendered through the allow-list before any browser sees it.
        let html = "<div class=\"cairn-macro\" data-macro-storage=\"&lt;script&gt;x&lt;/script&gt;\"></div>";
        let storage = editor_html_to_storage(html).unwrap();
        let rendered = crate::render::render_storage(&storage, &NoContext).unwrap();
        assert!(!rendered.contains("<script"), "{rendered}");
    }
}
