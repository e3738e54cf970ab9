//! Property tests: generated well-formed trees serialize, parse and serialize identically and
//! parse to the structure they were generated from; arbitrary input never panics any entry
//! point, and every converter's output is well-formed storage.

use cairn_format::{
    NoContext, NodeKind, NodeRef, check_well_formed, editor_html_to_storage, markdown_to_storage,
    parse, render_to_html, sanitize_html, storage_to_editor_html, storage_to_markdown,
    wiki_to_storage,
};
use proptest::prelude::*;

/// A generated node, with the formatting choices that its storage form must keep.
#[derive(Clone, Debug)]
pub(crate) enum GenNode {
    Element {
        name: String,
        attributes: Vec<GenAttribute>,
        children: Vec<GenNode>,
        self_closing: bool,
        space_before_close: bool,
    },
    Text(Vec<GenChar>),
    CData(String),
    Comment(String),
}

#[derive(Clone, Debug)]
pub(crate) struct GenAttribute {
    name: String,
    value: Vec<GenChar>,
    single_quoted: bool,
    spacing: &'static str,
}

/// A character and how it is spelled in the source.
#[derive(Clone, Debug)]
pub(crate) struct GenChar {
    character: char,
    spelling: u8,
}

const ELEMENT_NAMES: &[&str] = &[
    "p",
    "strong",
    "em",
    "h1",
    "h3",
    "ul",
    "li",
    "table",
    "td",
    "span",
    "a",
    "ac:structured-macro",
    "ac:parameter",
    "ac:rich-text-body",
    "ac:link",
    "ac:link-body",
    "ri:page",
    "ri:attachment",
    "ac:image",
    "ac:task-list",
    "ac:layout-cell",
    "été",
];

const ATTRIBUTE_NAMES: &[&str] = &[
    "class",
    "href",
    "style",
    "ac:name",
    "ri:content-title",
    "ri:space-key",
    "data-x",
    "title",
];

fn spelled(c: &GenChar, in_attribute_with_quote: Option<char>) -> String {
    let must_escape =
        matches!(c.character, '<' | '&') || Some(c.character) == in_attribute_with_quote;
    let named = match c.character {
        '<' => Some("lt"),
        '&' => Some("amp"),
        '>' => Some("gt"),
        '"' => Some("quot"),
        '\'' => Some("apos"),
        '\u{A0}' => Some("nbsp"),
        'é' => Some("eacute"),
        '–' => Some("ndash"),
        '’' => Some("rsquo"),
        _ => None,
    };
    match (c.spelling % 4, named) {
        (0, _) if !must_escape => c.character.to_string(),
        (1, Some(name)) => format!("&{name};"),
        (2, _) => format!("&#{};", u32::from(c.character)),
        (_, _) => format!("&#x{:X};", u32::from(c.character)),
    }
}

pub(crate) fn storage_of(nodes: &[GenNode], out: &mut String) {
    for node in nodes {
        match node {
            GenNode::Text(chars) => {
                for c in chars {
                    out.push_str(&spelled(c, None));
                }
            }
            GenNode::CData(text) => out.push_str(&format!("<![CDATA[{text}]]>")),
            GenNode::Comment(text) => out.push_str(&format!("<!--{text}-->")),
            GenNode::Element {
                name,
                attributes,
                children,
                self_closing,
                space_before_close,
            } => {
                out.push('<');
                out.push_str(name);
                for attribute in attributes {
                    let quote = if attribute.single_quoted { '\'' } else { '"' };
                    out.push_str(attribute.spacing);
                    out.push_str(&attribute.name);
                    out.push('=');
                    out.push(quote);
                    for c in &attribute.value {
                        out.push_str(&spelled(c, Some(quote)));
                    }
                    out.push(quote);
                }
                if *space_before_close {
                    out.push(' ');
                }
                if *self_closing && children.is_empty() {
                    out.push_str("/>");
                } else {
                    out.push('>');
                    storage_of(children, out);
                    out.push_str(&format!("</{name}>"));
                }
            }
        }
    }
}

fn gen_char() -> impl Strategy<Value = GenChar> {
    let characters = prop_oneof![
        8 => proptest::char::range('a', 'z'),
        2 => Just(' '),
        1 => prop::sample::select(vec!['<', '>', '&', '"', '\'', '\u{A0}', 'é', '–', '’', '\n', '\t', '😀', 'ß']),
    ];
    (characters, any::<u8>()).prop_map(|(character, spelling)| GenChar {
        character,
        spelling,
    })
}

fn gen_attributes() -> impl Strategy<Value = Vec<GenAttribute>> {
    prop::collection::btree_map(
        prop::sample::select(ATTRIBUTE_NAMES),
        (
            prop::collection::vec(gen_char(), 0..12),
            any::<bool>(),
            prop::sample::select(vec![" ", "  ", "\n", " \t"]),
        ),
        0..3,
    )
    .prop_map(|map| {
        map.into_iter()
            .map(|(name, (value, single_quoted, spacing))| GenAttribute {
                name: name.to_string(),
                value,
                single_quoted,
                spacing,
            })
            .collect()
    })
}

fn gen_leaf() -> impl Strategy<Value = GenNode> {
    prop_oneof![
        6 => prop::collection::vec(gen_char(), 1..16).prop_map(GenNode::Text),
        1 => "[a-z <>&\\]]{0,12}".prop_filter("no terminator", |text: &String| !text.contains("]]>")).prop_map(GenNode::CData),
        1 => "[a-z <>&]{0,12}".prop_map(GenNode::Comment),
    ]
}

pub(crate) fn gen_nodes() -> impl Strategy<Value = Vec<GenNode>> {
    let node = gen_leaf().prop_recursive(6, 48, 5, |inner| {
        (
            prop::sample::select(ELEMENT_NAMES),
            gen_attributes(),
            prop::collection::vec(inner, 0..5),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(name, attributes, children, self_closing, space_before_close)| GenNode::Element {
                    name: name.to_string(),
                    attributes,
                    children,
                    self_closing,
                    space_before_close,
                },
            )
    });
    prop::collection::vec(node, 0..6)
}

/// Adjacent text nodes merge when parsed; the comparison sees them as one.
fn merged_text(chars: &[GenChar]) -> String {
    chars.iter().map(|c| c.character).collect()
}

fn assert_same_structure(generated: &[GenNode], parsed: Vec<NodeRef<'_>>) {
    let mut expected: Vec<GenNode> = Vec::new();
    for node in generated {
        match (expected.last_mut(), node) {
            (Some(GenNode::Text(previous)), GenNode::Text(next)) => {
                previous.extend(next.iter().cloned())
            }
            _ => expected.push(node.clone()),
        }
    }
    assert_eq!(expected.len(), parsed.len());
    for (generated_node, parsed_node) in expected.iter().zip(parsed) {
        match generated_node {
            GenNode::Text(chars) => {
                assert_eq!(parsed_node.kind(), NodeKind::Text);
                assert_eq!(parsed_node.text(), merged_text(chars));
            }
            GenNode::CData(text) => {
                assert_eq!(parsed_node.kind(), NodeKind::CData);
                assert_eq!(parsed_node.text(), text.as_str());
            }
            GenNode::Comment(_) => assert_eq!(parsed_node.kind(), NodeKind::Comment),
            GenNode::Element {
                name,
                attributes,
                children,
                ..
            } => {
                assert_eq!(parsed_node.name(), name);
                for attribute in attributes {
                    assert_eq!(
                        parsed_node.attribute(&attribute.name).as_deref(),
                        Some(merged_text(&attribute.value).as_str())
                    );
                }
                assert_eq!(parsed_node.attributes().count(), attributes.len());
                assert_same_structure(children, parsed_node.children().collect());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_trees_round_trip_byte_for_byte(nodes in gen_nodes()) {
        let mut storage = String::new();
        storage_of(&nodes, &mut storage);
        let document = parse(&storage).unwrap();
        prop_assert_eq!(document.to_storage(), storage.clone());
        let reparsed = parse(&document.to_storage()).unwrap();
        prop_assert_eq!(reparsed.to_storage(), storage);
        assert_same_structure(&nodes, document.roots().collect());
    }

    #[test]
    fn rendered_and_exported_output_of_generated_trees_is_sound(nodes in gen_nodes()) {
        let mut storage = String::new();
        storage_of(&nodes, &mut storage);
        let document = parse(&storage).unwrap();
        let html = render_to_html(&document, &NoContext);
        prop_assert!(check_well_formed(&html).is_ok(), "{}", html);
        let _ = storage_to_markdown(&document, &NoContext);
    }

    #[test]
    fn the_editor_mapping_keeps_every_confluence_element_exactly(nodes in gen_nodes()) {
        let mut storage = String::new();
        storage_of(&nodes, &mut storage);
        let document = parse(&storage).unwrap();
        let editor_html = storage_to_editor_html(&document, &NoContext);
        let back = editor_html_to_storage(&editor_html).unwrap();
        prop_assert!(check_well_formed(&back).is_ok(), "{}", back);
        for node in document.descendants().filter(|node| node.name().starts_with("ac:") || node.name().starts_with("ri:")) {
            prop_assert!(back.contains(node.source()), "{} lost from {}", node.source(), back);
        }
    }

    #[test]
    fn arbitrary_input_never_panics_and_converters_stay_well_formed(input in "\\PC{0,300}") {
        if let Ok(document) = parse(&input) {
            prop_assert_eq!(document.to_storage(), input.clone());
            let html = render_to_html(&document, &NoContext);
            prop_assert!(check_well_formed(&html).is_ok(), "{}", html);
        }
        let sanitized = sanitize_html(&input);
        prop_assert!(check_well_formed(&sanitized).is_ok(), "{}", sanitized);
        let from_wiki = wiki_to_storage(&input);
        prop_assert!(check_well_formed(&from_wiki).is_ok(), "{}", from_wiki);
        let from_markdown = markdown_to_storage(&input);
        prop_assert!(check_well_formed(&from_markdown).is_ok(), "{}", from_markdown);
        let _ = editor_html_to_storage(&input);
    }

    #[test]
    fn markup_heavy_input_never_panics(input in "([<>&/!?\\[\\]{}|*_#;:=\"' a-z\\-]|ac:|ri:|CDATA|--|&amp;|&#x|h1\\. |\\{code\\}|\n){0,120}") {
        if let Ok(document) = parse(&input) {
            prop_assert_eq!(document.to_storage(), input.clone());
            let html = render_to_html(&document, &NoContext);
            prop_assert!(check_well_formed(&html).is_ok(), "{}", html);
        }
        prop_assert!(check_well_formed(&sanitize_html(&input)).is_ok());
        prop_assert!(check_well_formed(&wiki_to_storage(&input)).is_ok(), "{}", wiki_to_storage(&input));
        prop_assert!(check_well_formed(&markdown_to_storage(&input)).is_ok(), "{}", markdown_to_storage(&input));
    }
}
