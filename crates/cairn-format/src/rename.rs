//! Rewriting references when a page is renamed or moved to another space, and when a space is
//! brought in under another key (an import with a key mapping).
//!
//! Only the attribute values (and macro parameters) that match change; every other byte of the
//! stored body stays as it was.

use crate::entity::{escape_attribute, escape_text_into};
use crate::resource::PageTarget;
use crate::tree::Document;

/// Rewrites every `ri:page` that points at `from` so that it points at `to`. Identifiers without
/// a space key mean `current_space_key`; so do `from` and `to` without one. Returns `None` when
/// nothing pointed at `from`.
pub fn rename_page_references(
    document: &Document,
    current_space_key: &str,
    from: &PageTarget,
    to: &PageTarget,
) -> Option<String> {
    let from_space = from.space_key.as_deref().unwrap_or(current_space_key);
    let to_space = to.space_key.as_deref().unwrap_or(current_space_key);
    let mut replacements = Vec::new();
    for node in document
        .descendants()
        .filter(|node| node.is_named("ri:page"))
    {
        let space_key = node.attribute("ri:space-key").filter(|key| !key.is_empty());
        let space = space_key.as_deref().unwrap_or(current_space_key);
        let title_matches = node
            .attribute("ri:content-title")
            .is_some_and(|title| title == from.title);
        if space != from_space || !title_matches {
            continue;
        }
        if let Some(title_span) = node.attribute_value_span("ri:content-title") {
            replacements.push((title_span, escape_attribute(&to.title)));
        }
        match node.attribute_value_span("ri:space-key") {
            Some(space_span) if space_key.is_some() => {
                replacements.push((space_span, escape_attribute(to_space)))
            }
            _ if to_space != current_space_key => {
                let after_name = node.span().start + "<ri:page".len();
                let attribute = format!(" ri:space-key=\"{}\"", escape_attribute(to_space));
                replacements.push((after_name..after_name, attribute));
            }
            _ => {}
        }
    }
    if replacements.is_empty() {
        return None;
    }
    Some(document.source_with_replacements(replacements))
}

/// Macro parameters that name one space key or a comma-separated list of them (the children,
/// recently updated, content by label, page tree and blog posts macros, among others).
const SPACE_KEY_PARAMETERS: [&str; 3] = ["spaceKey", "spaces", "space"];

/// Rewrites every space key the body names, as `new_key_of` maps it (keys it answers `None` for
/// stay): the `ri:space-key` of any resource identifier (`ri:page`, `ri:blog-post`, `ri:space`,
/// the page of an `ri:attachment`…) and the items of the space parameters of macros. Returns
/// `None` when nothing named a mapped key.
pub fn rename_space_key_references(
    document: &Document,
    new_key_of: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let mut replacements = Vec::new();
    for node in document.descendants() {
        if node.name().starts_with("ri:")
            && let Some(key) = node.attribute("ri:space-key")
            && let Some(new_key) = new_key_of(&key)
            && let Some(span) = node.attribute_value_span("ri:space-key")
        {
            replacements.push((span, escape_attribute(&new_key)));
            continue;
        }
        let names_spaces = node.is_named("ac:parameter")
            && node
                .attribute("ac:name")
                .is_some_and(|name| SPACE_KEY_PARAMETERS.contains(&name.as_ref()));
        if !names_spaces {
            continue;
        }
        let mut children = node.children();
        let (Some(text), None) = (children.next(), children.next()) else {
            // A parameter holding markup (an `ri:space` identifier) is handled above.
            continue;
        };
        if text.kind() != crate::tree::NodeKind::Text {
            continue;
        }
        let value = text.text();
        let mut changed = false;
        let items: Vec<String> = value
            .split(',')
            .map(|item| {
                let trimmed = item.trim();
                match new_key_of(trimmed) {
                    Some(new_key) => {
                        changed = true;
                        item.replace(trimmed, &new_key)
                    }
                    None => item.to_string(),
                }
            })
            .collect();
        if changed {
            let mut escaped = String::new();
            escape_text_into(&mut escaped, &items.join(","));
            replacements.push((text.span(), escaped));
        }
    }
    if replacements.is_empty() {
        return None;
    }
    Some(document.source_with_replacements(replacements))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn page(space_key: Option<&str>, title: &str) -> PageTarget {
        PageTarget {
            space_key: space_key.map(str::to_string),
            title: title.to_string(),
        }
    }

    #[test]
    fn renames_touch_only_matching_titles() {
        let document = parse(concat!(
            "<p><ac:link><ri:page ri:content-title=\"Old &amp; Gold\" ri:version-at-save=\"2\"/></ac:link> ",
            "<ac:link><ri:page ri:space-key='DEV' ri:content-title='Old &amp; Gold'/><ac:plain-text-link-body><![CDATA[keep]]></ac:plain-text-link-body></ac:link> ",
            "<ac:link><ri:page ri:space-key=\"OPS\" ri:content-title=\"Old &amp; Gold\"/></ac:link></p>"
        ))
        .unwrap();
        let renamed = rename_page_references(
            &document,
            "DEV",
            &page(None, "Old & Gold"),
            &page(None, "New \"Gold\""),
        );
        assert_eq!(
            renamed.as_deref(),
            Some(concat!(
                "<p><ac:link><ri:page ri:content-title=\"New &quot;Gold&quot;\" ri:version-at-save=\"2\"/></ac:link> ",
                "<ac:link><ri:page ri:space-key='DEV' ri:content-title='New &quot;Gold&quot;'/><ac:plain-text-link-body><![CDATA[keep]]></ac:plain-text-link-body></ac:link> ",
                "<ac:link><ri:page ri:space-key=\"OPS\" ri:content-title=\"Old &amp; Gold\"/></ac:link></p>"
            ))
        );
    }

    #[test]
    fn moving_to_another_space_adds_the_space_key() {
        let document = parse("<ac:link><ri:page ri:content-title=\"A\"/></ac:link>").unwrap();
        let moved = rename_page_references(
            &document,
            "DEV",
            &page(Some("DEV"), "A"),
            &page(Some("OPS"), "A"),
        );
        assert_eq!(
            moved.as_deref(),
            Some("<ac:link><ri:page ri:space-key=\"OPS\" ri:content-title=\"A\"/></ac:link>")
        );
        assert_eq!(
            rename_page_references(&document, "DEV", &page(None, "B"), &page(None, "C")),
            None
        );
    }

    #[test]
    fn include_parameters_and_attachment_owners_follow_the_rename() {
        let document = parse(concat!(
            "<ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ri:page ri:content-title=\"A\"/></ac:parameter></ac:structured-macro>",
            "<ac:image><ri:attachment ri:filename=\"x.png\"><ri:page ri:content-title=\"A\"/></ri:attachment></ac:image>"
        ))
        .unwrap();
        let renamed =
            rename_page_references(&document, "DEV", &page(None, "A"), &page(None, "B")).unwrap();
        assert_eq!(renamed.matches("ri:content-title=\"B\"").count(), 2);
    }

    #[test]
    fn space_keys_follow_a_key_mapping() {
        let document = parse(concat!(
            "<p><ac:link><ri:page ri:space-key=\"DEV\" ri:content-title=\"A\"/></ac:link>",
            "<ac:link><ri:space ri:space-key='dev'/></ac:link>",
            "<ac:link><ri:page ri:space-key=\"OPS\" ri:content-title=\"A\"/></ac:link></p>",
            "<ac:image><ri:attachment ri:filename=\"x.png\"><ri:blog-post ri:space-key=\"DEV\" ri:content-title=\"B\" ri:posting-day=\"2020/01/02\"/></ri:attachment></ac:image>",
            "<ac:structured-macro ac:name=\"recently-updated\"><ac:parameter ac:name=\"spaces\">@self, DEV,OPS</ac:parameter>",
            "<ac:parameter ac:name=\"title\">DEV</ac:parameter></ac:structured-macro>",
            "<ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"spaceKey\">DEV</ac:parameter></ac:structured-macro>"
        ))
        .unwrap();
        let mapping = |key: &str| key.eq_ignore_ascii_case("DEV").then(|| "DEV2".to_string());
        let renamed = rename_space_key_references(&document, &mapping).unwrap();
        assert_eq!(
            renamed,
            concat!(
                "<p><ac:link><ri:page ri:space-key=\"DEV2\" ri:content-title=\"A\"/></ac:link>",
                "<ac:link><ri:space ri:space-key='DEV2'/></ac:link>",
                "<ac:link><ri:page ri:space-key=\"OPS\" ri:content-title=\"A\"/></ac:link></p>",
                "<ac:image><ri:attachment ri:filename=\"x.png\"><ri:blog-post ri:space-key=\"DEV2\" ri:content-title=\"B\" ri:posting-day=\"2020/01/02\"/></ri:attachment></ac:image>",
                "<ac:structured-macro ac:name=\"recently-updated\"><ac:parameter ac:name=\"spaces\">@self, DEV2,OPS</ac:parameter>",
                "<ac:parameter ac:name=\"title\">DEV</ac:parameter></ac:structured-macro>",
                "<ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"spaceKey\">DEV2</ac:parameter></ac:structured-macro>"
            )
        );
        let unmapped = |_: &str| None;
        assert_eq!(rename_space_key_references(&document, &unmapped), None);
    }
}
