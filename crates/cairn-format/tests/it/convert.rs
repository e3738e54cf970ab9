//! Conversions end to end: wiki markup and Markdown through storage to view HTML, the editor
//! mapping round trip on a page with every kind of Confluence construct, and extraction.

use cairn_format::{
    NoContext, PageTarget, Resource, editor_html_to_storage, excerpt, extract_text, headings,
    markdown_to_storage, outgoing_links, parse, render_storage, storage_to_editor_html,
    wiki_to_storage,
};

/// A page in canonical form (double quotes, `<br />`, explicit end tags on other elements, only
/// the XML entities in plain parts),
/// holding every construct the editor must carry as an atomic node.
const CANONICAL_PAGE: &str = concat!(
    "<h1>Release plan</h1>",
    "<p>Owner: <ac:link><ri:user ri:userkey=\"8a7f\" /></ac:link>, see <ac:link ac:anchor=\"steps\"><ri:page ri:space-key=\"DEV\" ri:content-title=\"Checklist\" /><ac:plain-text-link-body><![CDATA[the checklist]]></ac:plain-text-link-body></ac:link>.<br />Status: ",
    "<ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\" ac:macro-id=\"9f1c\"><ac:parameter ac:name=\"colour\">Green</ac:parameter><ac:parameter ac:name=\"title\">On track</ac:parameter></ac:structured-macro> <ac:emoticon ac:name=\"tick\" /></p>",
    "<ac:structured-macro ac:name=\"toc\" ac:schema-version=\"1\"><ac:parameter ac:name=\"maxLevel\">2</ac:parameter></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\"><ac:parameter ac:name=\"title\">Note</ac:parameter><ac:rich-text-body>\n<p>Nested <strong>rich</strong> body &amp; <ac:link><ri:attachment ri:filename=\"plan.pdf\" /></ac:link></p>\n</ac:rich-text-body></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">bash</ac:parameter><ac:plain-text-body><![CDATA[echo \"<done>\" && exit 0\n]]></ac:plain-text-body></ac:structured-macro>",
    "<table class=\"confluenceTable\"><tbody><tr><th>Step</th><th>When</th></tr><tr><td><ac:image ac:width=\"200\"><ri:attachment ri:filename=\"a.png\"><ri:page ri:content-title=\"Other\" /></ri:attachment></ac:image></td><td><time datetime=\"2024-05-01\"></time></td></tr></tbody></table>",
    "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Ship it</ac:task-body></ac:task></ac:task-list>",
    "<ac:layout><ac:layout-section ac:type=\"two_equal\"><ac:layout-cell><p>left</p></ac:layout-cell><ac:layout-cell><p>right</p></ac:layout-cell></ac:layout-section></ac:layout>",
    "<p><ac:inline-comment-marker ac:ref=\"c0ffee\">commented</ac:inline-comment-marker> text</p>",
    "<ac:structured-macro ac:name=\"drawio\" ac:schema-version=\"1\"><ac:parameter ac:name=\"diagramName\">flow</ac:parameter></ac:structured-macro>",
    "<!-- kept comment --><custom:widget x=\"1\">unknown</custom:widget>",
    "<ac:adf-extension><ac:adf-node type=\"panel\"><ac:adf-content><p>cloud</p></ac:adf-content></ac:adf-node></ac:adf-extension>"
);

#[test]
fn the_editor_round_trip_restores_a_canonical_page_byte_for_byte() {
    let document = parse(CANONICAL_PAGE).unwrap();
    let editor_html = storage_to_editor_html(&document, &NoContext);
    assert_eq!(
        editor_html.matches("class=\"cairn-macro\"").count(),
        15,
        "{editor_html}"
    );
    assert_eq!(
        editor_html_to_storage(&editor_html).unwrap(),
        CANONICAL_PAGE
    );
}

#[test]
fn the_editor_round_trip_keeps_meaning_of_non_canonical_plain_parts() {
    let storage = "<p class='x'>a&nbsp;b<br/></p><ac:structured-macro ac:name='anchor'><ac:parameter ac:name=''>here</ac:parameter></ac:structured-macro>";
    let back = editor_html_to_storage(&storage_to_editor_html(
        &parse(storage).unwrap(),
        &NoContext,
    ))
    .unwrap();
    assert_eq!(
        back,
        "<p class=\"x\">a\u{A0}b<br /></p><ac:structured-macro ac:name='anchor'><ac:parameter ac:name=''>here</ac:parameter></ac:structured-macro>"
    );
    assert_eq!(
        render_storage(&back, &NoContext).unwrap(),
        render_storage(storage, &NoContext)
            .unwrap()
            .replace("&nbsp;", "\u{A0}")
    );
}

#[test]
fn wiki_markup_renders_like_confluence() {
    let storage = wiki_to_storage("h1. Plan\n{info}\nBe *careful*\n{info}\n* one\n* [DEV:Home]\n");
    let html = render_storage(&storage, &NoContext).unwrap();
    assert_eq!(
        html,
        concat!(
            "<h1 id=\"plan\">Plan</h1><div class=\"confluence-information-macro confluence-information-macro-information conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"info\">",
            "<span class=\"aui-icon aui-icon-small aui-iconfont-info confluence-information-macro-icon\"></span>",
            "<div class=\"confluence-information-macro-body\"><p>Be <strong>careful</strong></p></div></div>",
            "<ul><li>one</li><li><a href=\"/display/DEV/Home\" class=\"confluence-link\">Home</a></li></ul>"
        )
    );
}

#[test]
fn markdown_renders_with_code_and_tasks() {
    let storage = markdown_to_storage("## Steps\n\n```js\nlet a = 1 < 2;\n```\n\n- [ ] review\n");
    let html = render_storage(&storage, &NoContext).unwrap();
    assert!(html.contains("<h2 id=\"steps\">Steps</h2>"), "{html}");
    assert!(
        html.contains("data-syntaxhighlighter-params=\"brush: js; gutter: false; theme: Confluence\" data-theme=\"Confluence\">let a = 1 &lt; 2;</pre>"),
        "{html}"
    );
    assert!(
        html.contains("<li><input type=\"checkbox\" disabled=\"disabled\" /> review</li>"),
        "{html}"
    );
}

#[test]
fn extraction_reads_the_canonical_page() {
    let document = parse(CANONICAL_PAGE).unwrap();
    let text = extract_text(&document);
    assert!(
        text.starts_with("Release plan\nOwner: 8a7f, see the checklist."),
        "{text}"
    );
    assert!(
        text.contains("echo \"<done>\" && exit 0"),
        "code is searchable: {text}"
    );
    assert!(
        !text.contains("maxLevel") && !text.contains("Green"),
        "parameters are not text: {text}"
    );
    assert_eq!(headings(&document).len(), 1);
    let links = outgoing_links(&document);
    assert!(links.contains(&Resource::Page(PageTarget {
        space_key: Some("DEV".into()),
        title: "Checklist".into()
    })));
    assert!(links.iter().any(
        |link| matches!(link, Resource::Attachment { filename, .. } if filename == "plan.pdf")
    ));
    assert!(links.iter().any(|link| matches!(link, Resource::User(_))));
    assert_eq!(excerpt(&document, 20), "Release plan Owner:…");
}

#[test]
fn converters_keep_deeply_nested_input_within_the_parser_depth_limit() {
    let deep_markdown = format!("{} quoted", ">".repeat(400));
    assert!(cairn_format::check_well_formed(&markdown_to_storage(&deep_markdown)).is_ok());
    let deep_list: String = (0..400)
        .map(|depth| format!("{}- item\n", "  ".repeat(depth)))
        .collect();
    assert!(cairn_format::check_well_formed(&markdown_to_storage(&deep_list)).is_ok());
    let deep_wiki_list = format!("{} deep\n", "*".repeat(400));
    assert!(cairn_format::check_well_formed(&wiki_to_storage(&deep_wiki_list)).is_ok());
    let deep_wiki_macros = "{info}\n".repeat(100) + &"{info}\n".repeat(100);
    assert!(cairn_format::check_well_formed(&wiki_to_storage(&deep_wiki_macros)).is_ok());
}

#[test]
fn the_deepest_accepted_document_renders_on_a_small_stack() {
    let deep = format!(
        "{}x{}",
        "<div><ac:structured-macro ac:name=\"info\"><ac:rich-text-body>"
            .repeat(cairn_format::MAX_DEPTH / 3),
        "</ac:rich-text-body></ac:structured-macro></div>".repeat(cairn_format::MAX_DEPTH / 3)
    );
    let document = parse(&deep).unwrap();
    let html = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let html = cairn_format::render_to_html(&document, &NoContext);
            let _ = cairn_format::storage_to_markdown(&document, &NoContext);
            let _ = storage_to_editor_html(&document, &NoContext);
            let _ = extract_text(&document);
            html
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(html.contains('x'));
}
