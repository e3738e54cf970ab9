//! Small helpers for writing storage format markup from the converters.

use crate::entity::{escape_attribute, escape_text};

/// A CDATA section holding `text`; a `]]>` inside is split across two sections.
pub(crate) fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// The start tag of a structured macro.
pub(crate) fn macro_open(name: &str) -> String {
    format!(
        "<ac:structured-macro ac:name=\"{}\" ac:schema-version=\"1\">",
        escape_attribute(name)
    )
}

/// A macro parameter with a text value.
pub(crate) fn parameter(name: &str, value: &str) -> String {
    format!(
        "<ac:parameter ac:name=\"{}\">{}</ac:parameter>",
        escape_attribute(name),
        escape_text(value)
    )
}

/// A complete code macro.
pub(crate) fn code_macro(language: Option<&str>, code: &str) -> String {
    let mut storage = macro_open("code");
    if let Some(language) = language.filter(|language| !language.is_empty()) {
        storage.push_str(&parameter("language", language));
    }
    storage.push_str("<ac:plain-text-body>");
    storage.push_str(&cdata(code));
    storage.push_str("</ac:plain-text-body></ac:structured-macro>");
    storage
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn cdata_survives_its_own_terminator() {
        let storage = cdata("a]]>b");
        let document = parse(&storage).unwrap();
        let text: String = document
            .roots()
            .map(|node| node.text().into_owned())
            .collect();
        assert_eq!(text, "a]]>b");
    }

    #[test]
    fn code_macros_carry_language_and_body() {
        assert_eq!(
            code_macro(Some("rust"), "x"),
            "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">rust</ac:parameter><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body></ac:structured-macro>"
        );
    }
}
