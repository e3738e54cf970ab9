//! The storage ↔ editor JSON converters end to end: every page of the corpus and every generated
//! tree comes back byte for byte when unedited, even after the changes TipTap makes to a
//! document it loads and saves; editing one block rewrites only that block; whatever the editor
//! sends, the result is well-formed storage whose plain XHTML the allow-list accepts, or a clear
//! error.

use cairn_format::policy::{
    AttributeKind, ElementPolicy, attribute_kind, element_policy, filter_style, is_safe_image_url,
    is_safe_link_url,
};
use cairn_format::{
    Document, FormatError, NoContext, check_well_formed, editor_json_to_storage, parse,
    storage_to_editor_json,
};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::roundtrip::{gen_nodes, storage_of};

/// Pages of `editor_corpus.txt` and the script-injection corpus that parse as storage.
fn corpus() -> Vec<String> {
    let pages = include_str!("editor_corpus.txt")
        .split("\n%%\n")
        .skip(1)
        .chain(include_str!("xss_corpus.txt").split("\n%%\n").skip(1));
    pages
        .filter(|page| parse(page).is_ok())
        .map(str::to_string)
        .collect()
}

fn to_json(document: &Document) -> Value {
    serde_json::from_str(&storage_to_editor_json(document, &NoContext)).unwrap()
}

fn round_trip(storage: &str) -> String {
    let document = parse(storage).unwrap();
    let editor = storage_to_editor_json(&document, &NoContext);
    editor_json_to_storage(&editor, &document).unwrap()
}

#[test]
fn every_corpus_page_comes_back_byte_for_byte() {
    let pages = corpus();
    assert!(pages.len() > 40, "{}", pages.len());
    for page in &pages {
        assert_eq!(&round_trip(page), page);
    }
}

#[test]
fn the_corpus_exercises_every_node_type_of_the_schema() {
    let mut seen = std::collections::BTreeSet::new();
    fn collect(value: &Value, seen: &mut std::collections::BTreeSet<String>) {
        if let Some(kind) = value["type"].as_str() {
            seen.insert(kind.to_string());
        }
        for mark in value["marks"].as_array().into_iter().flatten() {
            seen.insert(format!(
                "mark {}",
                mark["type"].as_str().unwrap_or_default()
            ));
        }
        for child in value["content"].as_array().into_iter().flatten() {
            collect(child, seen);
        }
    }
    for page in corpus() {
        collect(&to_json(&parse(&page).unwrap()), &mut seen);
    }
    for expected in [
        "paragraph",
        "heading",
        "bulletList",
        "orderedList",
        "listItem",
        "taskList",
        "taskItem",
        "blockquote",
        "horizontalRule",
        "table",
        "tableRow",
        "tableHeader",
        "tableCell",
        "codeBlock",
        "confluencePanel",
        "confluenceExpand",
        "confluenceMacro",
        "rawBlock",
        "text",
        "hardBreak",
        "confluenceImage",
        "confluenceLink",
        "confluenceMention",
        "confluenceEmoticon",
        "confluenceDate",
        "confluenceStatus",
        "confluenceAnchor",
        "rawInline",
        "mark bold",
        "mark italic",
        "mark underline",
        "mark strike",
        "mark code",
        "mark subscript",
        "mark superscript",
        "mark link",
        "mark textStyle",
    ] {
        assert!(seen.contains(expected), "{expected} not in {seen:?}");
    }
}

/// What TipTap does to a document it loads and saves without edits: every attribute spelled
/// out (nulls included), marks in its own order, text split at arbitrary points.
fn as_tiptap_would_send_it(value: &mut Value, seed: &mut u64) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    let attributes = object.entry("attrs").or_insert_with(|| json!({}));
    if let Some(attributes) = attributes.as_object_mut() {
        attributes.entry("html").or_insert(Value::Null);
        attributes.entry("tiptapDefault").or_insert(json!(1));
    }
    if let Some(Value::Array(marks)) = object.get_mut("marks") {
        marks.reverse();
    }
    let Some(Value::Array(content)) = object.get_mut("content") else {
        return;
    };
    let mut split = Vec::with_capacity(content.len());
    for mut child in content.drain(..) {
        as_tiptap_would_send_it(&mut child, seed);
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let text = child["text"].as_str().map(str::to_string);
        match text {
            Some(text) if text.chars().count() > 1 && seed.is_multiple_of(2) => {
                let cut = text.char_indices().nth(1).map_or(0, |(index, _)| index);
                let mut first = child.clone();
                first["text"] = json!(text[..cut]);
                child["text"] = json!(text[cut..]);
                split.push(first);
                split.push(child);
            }
            _ => split.push(child),
        }
    }
    *content = split;
}

#[test]
fn tiptap_normalisation_of_an_unedited_page_is_not_an_edit() {
    let mut seed = 7;
    for page in corpus() {
        let document = parse(&page).unwrap();
        let mut editor = to_json(&document);
        as_tiptap_would_send_it(&mut editor, &mut seed);
        assert_eq!(
            editor_json_to_storage(&editor.to_string(), &document).unwrap(),
            page
        );
    }
}

/// Top-level blocks to assemble pages from: each is one block of the editor document.
const BLOCKS: &[&str] = &[
    "<p>plain</p>",
    "<p class='c'>quoted <b>bold</b> &amp; <ac:emoticon ac:name='smile'/></p>",
    "<h2 >Heading</h2 >",
    "<ul>\n<li>a</li>\n<li>b<ol><li>c</li></ol></li>\n</ul>",
    "<ac:task-list>\n<ac:task>\n<ac:task-id>3</ac:task-id>\n<ac:task-status>incomplete</ac:task-status>\n<ac:task-body>t</ac:task-body>\n</ac:task>\n</ac:task-list>",
    "<table><tbody><tr><th>h</th></tr><tr><td>d</td></tr></tbody></table>",
    "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">js</ac:parameter><ac:plain-text-body><![CDATA[a && b]]></ac:plain-text-body></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"info\"><ac:rich-text-body>\n<p>i</p>\n</ac:rich-text-body></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"drawio\"><ac:parameter ac:name=\"x\">y</ac:parameter></ac:structured-macro>",
    "<!-- note -->",
    "<hr/>",
    "<blockquote><p>q</p></blockquote>",
    "<p />",
    "<p>plain</p>",
];

const SEPARATORS: &[&str] = &["", "\n", "\n\n", " ", "\r\n  "];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Checks what the allow-list checks, on storage: plain elements are allowed and carry only
/// allowed attributes with acceptable values; Confluence elements are left to the renderer.
fn assert_plain_markup_is_allowed(storage: &str) {
    let document = parse(storage).unwrap();
    for node in document.descendants().filter(|node| node.is_element()) {
        let name = node.name();
        if name.contains(':') {
            continue;
        }
        assert_eq!(
            element_policy(name),
            ElementPolicy::Keep,
            "<{name}> in {storage}"
        );
        for attribute in node.attributes() {
            let value = attribute.value();
            let acceptable = match attribute_kind(name, attribute.name()) {
                None => false,
                Some(AttributeKind::Text) => true,
                Some(AttributeKind::Number) => value.bytes().all(|byte| byte.is_ascii_digit()),
                Some(AttributeKind::LinkUrl) => is_safe_link_url(&value),
                Some(AttributeKind::ImageUrl) => is_safe_image_url(&value),
                Some(AttributeKind::Style) => filter_style(&value).as_deref() == Some(&*value),
            };
            assert!(
                acceptable,
                "{}={value:?} on <{name}> in {storage}",
                attribute.name()
            );
        }
    }
}

/// A generated editor document: known node types with hostile text, attributes and URLs.
fn gen_editor_document() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        "[a-z ]{1,8}",
        Just("<script>alert(1)</script>".to_string()),
        Just("]]> & \u{1} \u{FFFE}".to_string()),
        Just("\"'<>&".to_string()),
    ];
    let mark = prop_oneof![
        Just(json!({"type": "bold"})),
        Just(json!({"type": "code"})),
        Just(json!({"type": "subscript"})),
        prop::sample::select(vec![
            "https://e.com/?a=1&b=2",
            "/relative",
            "javascript:alert(1)",
            "data:text/html,x",
            " java\tscript:x"
        ])
        .prop_map(|href| json!({"type": "link", "attrs": {"href": href, "target": "_blank"}})),
        prop::sample::select(vec![
            "red",
            "#00ff00",
            "rgb(1, 2, 3)",
            "red; position: fixed",
            "url(x)",
            "expression(alert(1))"
        ])
        .prop_map(|color| json!({"type": "textStyle", "attrs": {"color": color}})),
    ];
    let html = prop::collection::btree_map(
        prop::sample::select(vec![
            "class", "style", "onclick", "href", "title", "data-x", "colspan", "start",
        ]),
        prop::sample::select(vec![
            "x",
            "color: red",
            "javascript:x",
            "background: url(x)",
            "\"><script>",
            "12",
        ]),
        0..3,
    );
    let inline = prop_oneof![
        (text.clone(), prop::collection::vec(mark, 0..3))
            .prop_map(|(text, marks)| json!({"type": "text", "text": text, "marks": marks})),
        Just(json!({"type": "hardBreak"})),
        text.clone().prop_map(|name| json!({"type": "confluenceStatus", "attrs": {"colour": "Red", "title": name}})),
        text.clone().prop_map(|name| json!({"type": "confluenceAnchor", "attrs": {"name": name, "parameters": {"<x>": name}}})),
        text.clone().prop_map(|title| json!({"type": "confluenceLink", "attrs": {"page": title, "body": "]]>"}})),
        prop::sample::select(vec!["https://e.com/a.png", "data:image/svg+xml,<svg/>", "javascript:x"])
            .prop_map(|url| json!({"type": "confluenceImage", "attrs": {"url": url, "width": "\"100"}})),
    ];
    let paragraph = (html.clone(), prop::collection::vec(inline, 0..5)).prop_map(
        |(html, content)| json!({"type": "paragraph", "attrs": {"html": html}, "content": content}),
    );
    let block = paragraph.prop_recursive(4, 32, 4, move |inner| {
        prop_oneof![
            (html.clone(), prop::collection::vec(inner.clone(), 1..3)).prop_map(|(html, content)| {
                json!({"type": "bulletList", "attrs": {"html": html}, "content": [{"type": "listItem", "content": content}]})
            }),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|content| {
                json!({"type": "confluencePanel", "attrs": {"panelType": "info", "title": "</ac:parameter>"}, "content": content})
            }),
            (html.clone(), prop::collection::vec(inner.clone(), 1..3)).prop_map(|(html, content)| {
                json!({"type": "table", "content": [{"type": "tableRow", "content": [
                    {"type": "tableHeader", "attrs": {"colspan": 2, "html": html}, "content": content}]}]})
            }),
            prop::collection::vec(inner, 1..3).prop_map(|content| {
                json!({"type": "taskList", "content": [{"type": "taskItem", "attrs": {"checked": true, "taskId": "<1>"}, "content": content}]})
            }),
            Just(json!({"type": "codeBlock", "attrs": {"language": "a\"b"}, "content": [{"type": "text", "text": "x ]]> y"}]})),
        ]
    });
    prop::collection::vec(block, 1..5)
        .prop_map(|content| json!({"type": "doc", "content": content}))
}

/// Well-formed storage built from the constructs the editor models, nested at random, with
/// Confluence's spelling variants (quotes, whitespace, self-closing tags, references).
fn gen_modelled_page() -> impl Strategy<Value = String> {
    let inline = prop_oneof![
        "[a-z ]{1,6}",
        Just("&amp;&nbsp;&#233;".to_string()),
        Just("<br/>".to_string()),
        Just("<ac:emoticon ac:name='tick' />".to_string()),
        Just("<time datetime=\"2024-01-02\"/>".to_string()),
        Just("<ac:link><ri:user ri:userkey=\"k\"/></ac:link>".to_string()),
        Just("<ac:link><ri:page ri:content-title=\"P\"/><ac:plain-text-link-body><![CDATA[b]]></ac:plain-text-link-body></ac:link>".to_string()),
        Just("<ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"title\">s</ac:parameter></ac:structured-macro>".to_string()),
        Just("<ac:structured-macro ac:name=\"jira\"/>".to_string()),
    ];
    let text = prop::collection::vec(inline, 0..4).prop_flat_map(|parts| {
        let text = parts.concat();
        prop::sample::select(vec![
            "b", "em", "u", "s", "code", "sub", "sup", "strong", "i",
        ])
        .prop_map(move |mark| vec![text.clone(), format!("<{mark}>{text}</{mark}>")])
        .prop_flat_map(prop::sample::select)
    });
    let paragraph = (
        text.clone(),
        prop::sample::select(vec!["p", "h1", "h4", "p class='x'"]),
    )
        .prop_map(|(text, tag)| {
            let name = tag.split(' ').next().unwrap_or("p");
            format!("<{tag}>{text}</{name}>")
        });
    let block = paragraph.prop_recursive(4, 24, 3, |inner| {
        let blocks = prop::collection::vec(inner, 1..3).prop_map(|blocks| blocks.join("\n"));
        prop_oneof![
            blocks.clone().prop_map(|b| format!("<ul>\n<li>{b}</li>\n</ul>")),
            blocks.clone().prop_map(|b| format!("<ol start=\"2\"><li>x</li><li>{b}</li></ol>")),
            blocks.clone().prop_map(|b| format!("<blockquote>{b}</blockquote>")),
            blocks.clone().prop_map(|b| format!("<table><tbody><tr><th>h</th></tr><tr><td colspan=\"2\">{b}</td></tr></tbody></table>")),
            blocks.clone().prop_map(|b| format!("<ac:task-list>\n<ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>{b}</ac:task-body></ac:task>\n</ac:task-list>")),
            blocks.clone().prop_map(|b| format!("<ac:structured-macro ac:name=\"note\"><ac:rich-text-body>{b}</ac:rich-text-body></ac:structured-macro>")),
            blocks.prop_map(|b| format!("<ac:structured-macro ac:name=\"expand\"><ac:parameter ac:name=\"title\">t</ac:parameter><ac:rich-text-body>\n{b}\n</ac:rich-text-body></ac:structured-macro>")),
            Just("<ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[a < b]]></ac:plain-text-body></ac:structured-macro>".to_string()),
            Just("<hr/>".to_string()),
        ]
    });
    prop::collection::vec((block, prop::sample::select(SEPARATORS)), 0..6).prop_map(|blocks| {
        blocks
            .into_iter()
            .map(|(block, separator)| format!("{separator}{block}"))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_storage_comes_back_byte_for_byte(nodes in gen_nodes()) {
        let mut storage = String::new();
        storage_of(&nodes, &mut storage);
        prop_assert_eq!(round_trip(&storage), storage);
    }

    #[test]
    fn pages_assembled_from_the_corpus_come_back_byte_for_byte(
        picks in prop::collection::vec((0..64usize, 0..SEPARATORS.len()), 0..12),
    ) {
        let pages = corpus();
        let storage: String = picks
            .iter()
            .map(|(page, separator)| format!("{}{}", SEPARATORS[*separator], pages[page % pages.len()]))
            .collect();
        prop_assert_eq!(round_trip(&storage), storage);
    }

    #[test]
    fn editing_one_paragraph_changes_only_that_paragraphs_bytes(
        picks in prop::collection::vec((0..BLOCKS.len(), 0..SEPARATORS.len()), 1..10),
        trailing in 0..SEPARATORS.len(),
        target in any::<prop::sample::Index>(),
        new_text in "[a-zA-Z0-9 <>&\"'é]{1,20}",
    ) {
        let segments: Vec<String> = picks
            .iter()
            .map(|(block, separator)| format!("{}{}", SEPARATORS[*separator], BLOCKS[*block]))
            .collect();
        let storage = segments.concat() + SEPARATORS[trailing];
        let paragraphs: Vec<usize> = picks
            .iter()
            .enumerate()
            .filter(|(_, (block, _))| BLOCKS[*block].starts_with("<p"))
            .map(|(index, _)| index)
            .collect();
        prop_assume!(!paragraphs.is_empty());
        let edited_index = paragraphs[target.index(paragraphs.len())];
        let document = parse(&storage).unwrap();
        let mut editor = to_json(&document);
        prop_assert_eq!(editor["content"].as_array().unwrap().len(), picks.len());
        let new_text = format!("edited {new_text}");
        editor["content"][edited_index] = json!({"type": "paragraph", "content": [{"type": "text", "text": new_text}]});
        let mut expected = String::new();
        for (index, segment) in segments.iter().enumerate() {
            if index == edited_index {
                expected.push_str(&format!("<p>{}</p>", escape(&new_text)));
            } else {
                expected.push_str(segment);
            }
        }
        // Whitespace after the last block belongs to it.
        if edited_index + 1 != segments.len() {
            expected.push_str(SEPARATORS[trailing]);
        }
        prop_assert_eq!(editor_json_to_storage(&editor.to_string(), &document).unwrap(), expected);
    }

    #[test]
    fn whatever_the_editor_sends_the_storage_is_well_formed_and_allowed(editor in gen_editor_document()) {
        match editor_json_to_storage(&editor.to_string(), &parse("").unwrap()) {
            Ok(storage) => {
                prop_assert!(check_well_formed(&storage).is_ok(), "{}", storage);
                assert_plain_markup_is_allowed(&storage);
                prop_assert!(!storage.contains("<script"), "{}", storage);
            }
            Err(FormatError::EditorDocument { reason, .. }) => {
                prop_assert!(reason.contains("allowed") || reason.contains("colour"), "{}", reason);
            }
            Err(other) => prop_assert!(false, "unexpected error {}", other),
        }
    }

    #[test]
    fn generated_pages_of_modelled_constructs_come_back_byte_for_byte(storage in gen_modelled_page()) {
        prop_assert!(parse(&storage).is_ok(), "{}", storage);
        prop_assert_eq!(round_trip(&storage), storage);
    }

    #[test]
    fn arbitrary_editor_input_is_an_error_or_storage_never_a_panic(input in "\\PC{0,200}") {
        if let Ok(storage) = editor_json_to_storage(&input, &parse("<p>x</p>").unwrap()) {
            prop_assert!(check_well_formed(&storage).is_ok());
        }
    }

    #[test]
    fn json_shaped_input_is_an_error_or_storage_never_a_panic(
        input in "(\\{|\\}|\\[|\\]|,|:|\"type\"|\"doc\"|\"content\"|\"attrs\"|\"text\"|\"marks\"|\"paragraph\"|\"heading\"|\"table\"|\"level\"|\"x\"|null|1|true){0,60}",
    ) {
        if let Ok(storage) = editor_json_to_storage(&input, &parse("").unwrap()) {
            prop_assert!(check_well_formed(&storage).is_ok());
        }
    }
}

/// The editor documents of the corpus, as the frontend's schema test loads them
/// (`frontend/test/schema.test.mjs`): a snapshot, rewritten when `CAIRN_BLESS=1` is set.
#[test]
fn the_frontend_schema_fixture_matches_the_converter() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../frontend/test/corpus-documents.json"
    );
    let documents: Vec<Value> = corpus()
        .iter()
        .map(|page| to_json(&parse(page).unwrap()))
        .collect();
    let expected = serde_json::to_string_pretty(&documents).unwrap() + "\n";
    if std::env::var_os("CAIRN_BLESS").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == expected,
        "{path} is stale: rerun this test with CAIRN_BLESS=1 and commit the file"
    );
}
