use serde_json::{Value, json};

use super::*;
use crate::parse::parse;

fn to_json(storage: &str) -> Value {
    let document = parse(storage).unwrap();
    serde_json::from_str(&storage_to_editor_json(&document, &NoContext)).unwrap()
}

fn back(editor: &Value, original: &str) -> Result<String, FormatError> {
    editor_json_to_storage(&editor.to_string(), &parse(original).unwrap())
}

/// The storage written for `storage` when every block counts as edited: what the editor saves
/// once something changed.
fn fresh(storage: &str) -> String {
    let document = parse(storage).unwrap();
    segments(&document, &NoContext)
        .iter()
        .map(|segment| to_storage::block_storage(&segment.block))
        .collect()
}

/// Asserts the lossless round trip and returns the first top-level node.
fn first_block(storage: &str) -> Value {
    let editor = to_json(storage);
    assert_eq!(back(&editor, storage).unwrap(), storage);
    editor["content"][0].clone()
}

#[test]
fn paragraphs_carry_every_mark_in_a_fixed_nesting_order() {
    let storage = "<p>a <b>b <em>c</em></b><span style=\"color:#ff0000\">r</span><a href=\"https://e.com/?a=1&amp;b=2\">l</a><u>u</u><s>s</s><del>d</del><code>c</code><sub>1</sub><sup>2</sup></p>";
    let paragraph = first_block(storage);
    assert_eq!(paragraph["type"], "paragraph");
    assert_eq!(
        paragraph["content"][2],
        json!({"type": "text", "text": "c", "marks": [{"type": "bold"}, {"type": "italic"}]})
    );
    assert_eq!(
        paragraph["content"][3]["marks"][0],
        json!({"type": "textStyle", "attrs": {"color": "#ff0000"}})
    );
    assert_eq!(
        paragraph["content"][4]["marks"][0]["attrs"]["href"],
        "https://e.com/?a=1&b=2"
    );
    assert_eq!(
        fresh(storage),
        "<p>a <strong>b <em>c</em></strong><span style=\"color: #ff0000;\">r</span><a href=\"https://e.com/?a=1&amp;b=2\">l</a><u>u</u><s>sd</s><code>c</code><sub>1</sub><sup>2</sup></p>"
    );
}

#[test]
fn headings_rules_quotes_and_breaks_are_editable() {
    let storage =
        "<h3 style=\"text-align: center;\">T</h3><hr/><blockquote><p>q<br/>r</p></blockquote>";
    let editor = to_json(storage);
    assert_eq!(
        editor["content"][0],
        json!({"type": "heading", "attrs": {"level": 3, "html": {"style": "text-align: center;"}}, "content": [{"type": "text", "text": "T"}]})
    );
    assert_eq!(editor["content"][1], json!({"type": "horizontalRule"}));
    assert_eq!(
        editor["content"][2]["content"][0]["content"][1],
        json!({"type": "hardBreak"})
    );
    assert_eq!(back(&editor, storage).unwrap(), storage);
    assert_eq!(
        fresh(storage),
        "<h3 style=\"text-align: center;\">T</h3><hr /><blockquote><p>q<br />r</p></blockquote>"
    );
}

#[test]
fn lists_nest_and_numbered_lists_keep_their_start() {
    let storage =
        "<ul>\n<li>a<ul><li>b</li></ul></li>\n</ul><ol start=\"3\"><li><p>x</p><p>y</p></li></ol>";
    let editor = to_json(storage);
    let item = &editor["content"][0]["content"][0];
    assert_eq!(item["type"], "listItem");
    assert_eq!(
        item["content"][0],
        json!({"type": "paragraph", "content": [{"type": "text", "text": "a"}]})
    );
    assert_eq!(item["content"][1]["type"], "bulletList");
    assert_eq!(editor["content"][1]["attrs"]["start"], 3);
    assert_eq!(back(&editor, storage).unwrap(), storage);
    assert_eq!(
        fresh(storage),
        "<ul><li>a<ul><li>b</li></ul></li></ul><ol start=\"3\"><li><p>x</p><p>y</p></li></ol>"
    );
}

#[test]
fn task_lists_keep_ids_and_status() {
    let storage = "<ac:task-list>\n<ac:task>\n<ac:task-id>7</ac:task-id>\n<ac:task-status>complete</ac:task-status>\n<ac:task-body>Ship <strong>it</strong></ac:task-body>\n</ac:task>\n</ac:task-list>";
    let list = first_block(storage);
    assert_eq!(list["type"], "taskList");
    assert_eq!(
        list["content"][0]["attrs"],
        json!({"taskId": "7", "checked": true})
    );
    assert_eq!(
        fresh(storage),
        "<ac:task-list><ac:task><ac:task-id>7</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Ship <strong>it</strong></ac:task-body></ac:task></ac:task-list>"
    );
}

#[test]
fn new_tasks_are_numbered_after_the_page_s_highest_task_id() {
    let original = "<ac:task-list><ac:task><ac:task-id>7</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>old</ac:task-body></ac:task></ac:task-list><p>x</p><ac:task-list><ac:task><ac:task-status>incomplete</ac:task-status><ac:task-body>no id, untouched</ac:task-body></ac:task></ac:task-list>";
    let mut editor = to_json(original);
    // Two new tasks in a new list after the paragraph, and one appended to the first list.
    let new_task = |text: &str| {
        json!({"type": "taskItem", "attrs": {"checked": false},
               "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
    };
    editor["content"][0]["content"]
        .as_array_mut()
        .expect("items")
        .push(new_task("third"));
    editor["content"].as_array_mut().expect("blocks").insert(
        2,
        json!({"type": "taskList", "content": [new_task("first"), new_task("second")]}),
    );
    assert_eq!(
        back(&editor, original).expect("converts"),
        concat!(
            "<ac:task-list><ac:task><ac:task-id>7</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>old</ac:task-body></ac:task>",
            "<ac:task><ac:task-id>8</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>third</ac:task-body></ac:task></ac:task-list>",
            "<p>x</p>",
            "<ac:task-list><ac:task><ac:task-id>9</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>first</ac:task-body></ac:task>",
            "<ac:task><ac:task-id>10</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>second</ac:task-body></ac:task></ac:task-list>",
            "<ac:task-list><ac:task><ac:task-status>incomplete</ac:task-status><ac:task-body>no id, untouched</ac:task-body></ac:task></ac:task-list>",
        )
    );
}

#[test]
fn tables_keep_header_cells_spans_and_column_widths() {
    let storage = "<table class=\"wrapped\"><colgroup><col style=\"width: 80px;\"/></colgroup><tbody><tr><th colspan=\"2\">H</th></tr><tr><td rowspan=\"2\"><p>a</p></td><td>b</td></tr></tbody></table>";
    let table = first_block(storage);
    assert_eq!(
        table["attrs"]["colgroup"],
        "<colgroup><col style=\"width: 80px;\"/></colgroup>"
    );
    assert_eq!(table["content"][0]["content"][0]["type"], "tableHeader");
    assert_eq!(table["content"][0]["content"][0]["attrs"]["colspan"], 2);
    assert_eq!(table["content"][1]["content"][0]["attrs"]["rowspan"], 2);
    assert_eq!(
        fresh(storage),
        "<table class=\"wrapped\"><colgroup><col style=\"width: 80px;\"/></colgroup><tbody><tr><th colspan=\"2\">H</th></tr><tr><td rowspan=\"2\">a</td><td>b</td></tr></tbody></table>"
    );
}

#[test]
fn confluence_links_mentions_images_emoticons_and_dates_are_parameterised_atoms() {
    let storage = concat!(
        "<p><ac:link ac:anchor=\"s\"><ri:page ri:space-key=\"DEV\" ri:content-title=\"Plan\"/><ac:plain-text-link-body><![CDATA[the plan]]></ac:plain-text-link-body></ac:link>",
        "<ac:link><ri:attachment ri:filename=\"a.pdf\"/></ac:link><ac:link ac:anchor=\"top\"/>",
        "<ac:link><ri:user ri:userkey=\"8a7f\"/></ac:link>",
        "<ac:image ac:width=\"200\" ac:align=\"center\"><ri:attachment ri:filename=\"a.png\"/></ac:image>",
        "<ac:image><ri:url ri:value=\"https://e.com/i.png\"/></ac:image>",
        "<ac:emoticon ac:name=\"tick\"/><time datetime=\"2024-05-01\"/></p>"
    );
    let content = first_block(storage)["content"].clone();
    assert_eq!(
        content[0],
        json!({"type": "confluenceLink", "attrs": {"page": "Plan", "spaceKey": "DEV", "anchor": "s", "body": "the plan"}})
    );
    assert_eq!(content[1]["attrs"], json!({"attachment": "a.pdf"}));
    assert_eq!(content[2]["attrs"], json!({"anchor": "top"}));
    assert_eq!(
        content[3],
        json!({"type": "confluenceMention", "attrs": {"userKey": "8a7f"}})
    );
    assert_eq!(
        content[4]["attrs"],
        json!({"attachment": "a.png", "width": "200", "align": "center"})
    );
    assert_eq!(
        content[5]["attrs"],
        json!({"url": "https://e.com/i.png", "src": "https://e.com/i.png"})
    );
    assert_eq!(
        content[6],
        json!({"type": "confluenceEmoticon", "attrs": {"name": "tick"}})
    );
    assert_eq!(
        content[7],
        json!({"type": "confluenceDate", "attrs": {"datetime": "2024-05-01"}})
    );
    assert_eq!(
        fresh(storage),
        concat!(
            "<p><ac:link ac:anchor=\"s\"><ri:page ri:space-key=\"DEV\" ri:content-title=\"Plan\" /><ac:plain-text-link-body><![CDATA[the plan]]></ac:plain-text-link-body></ac:link>",
            "<ac:link><ri:attachment ri:filename=\"a.pdf\" /></ac:link><ac:link ac:anchor=\"top\"></ac:link>",
            "<ac:link><ri:user ri:userkey=\"8a7f\" /></ac:link>",
            "<ac:image ac:align=\"center\" ac:width=\"200\"><ri:attachment ri:filename=\"a.png\" /></ac:image>",
            "<ac:image><ri:url ri:value=\"https://e.com/i.png\" /></ac:image>",
            "<ac:emoticon ac:name=\"tick\" /><time datetime=\"2024-05-01\" /></p>"
        )
    );
}

#[test]
fn the_code_macro_is_an_editable_block_with_language_and_title() {
    let storage = "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\" ac:macro-id=\"m1\"><ac:parameter ac:name=\"title\">T</ac:parameter><ac:parameter ac:name=\"language\">rust</ac:parameter><ac:parameter ac:name=\"linenumbers\">true</ac:parameter><ac:plain-text-body><![CDATA[if a < b && c {}\n]]></ac:plain-text-body></ac:structured-macro>";
    let mut code = first_block(storage);
    assert_eq!(
        code,
        json!({"type": "codeBlock", "attrs": {"language": "rust", "title": "T", "macroId": "m1", "schemaVersion": "1", "parameters": {"linenumbers": "true"}}, "content": [{"type": "text", "text": "if a < b && c {}\n"}]})
    );
    code["content"][0]["text"] = json!("x[y[0]]> 1");
    let edited = back(&json!({"type": "doc", "content": [code]}), storage).unwrap();
    assert_eq!(
        edited,
        "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\" ac:macro-id=\"m1\"><ac:parameter ac:name=\"language\">rust</ac:parameter><ac:parameter ac:name=\"title\">T</ac:parameter><ac:parameter ac:name=\"linenumbers\">true</ac:parameter><ac:plain-text-body><![CDATA[x[y[0]]]]><![CDATA[> 1]]></ac:plain-text-body></ac:structured-macro>"
    );
    let body = parse(&edited).unwrap();
    let body = body
        .descendants()
        .find(|node| node.is_named("ac:plain-text-body"))
        .unwrap();
    assert_eq!(body.text_content(), "x[y[0]]> 1");
}

#[test]
fn panels_and_expand_have_rich_bodies() {
    for kind in ["info", "note", "tip", "warning", "panel"] {
        let storage = format!(
            "<ac:structured-macro ac:name=\"{kind}\"><ac:parameter ac:name=\"title\">Heads up</ac:parameter><ac:rich-text-body><p>x</p><ul><li>y</li></ul></ac:rich-text-body></ac:structured-macro>"
        );
        let panel = first_block(&storage);
        assert_eq!(panel["type"], "confluencePanel");
        assert_eq!(
            panel["attrs"],
            json!({"panelType": kind, "title": "Heads up"})
        );
        assert_eq!(panel["content"][1]["type"], "bulletList");
        assert_eq!(fresh(&storage), storage);
    }
    let storage = "<ac:structured-macro ac:name=\"expand\"><ac:parameter ac:name=\"title\">More</ac:parameter><ac:rich-text-body><p>hidden</p></ac:rich-text-body></ac:structured-macro>";
    let expand = first_block(storage);
    assert_eq!(expand["type"], "confluenceExpand");
    assert_eq!(expand["attrs"]["title"], "More");
    assert_eq!(fresh(storage), storage);
}

#[test]
fn status_toc_children_and_anchor_are_parameterised() {
    let storage = "<p><ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"colour\">Green</ac:parameter><ac:parameter ac:name=\"title\">OK</ac:parameter><ac:parameter ac:name=\"subtle\">true</ac:parameter></ac:structured-macro><ac:structured-macro ac:name=\"anchor\"><ac:parameter ac:name=\"\">here</ac:parameter></ac:structured-macro></p><ac:structured-macro ac:name=\"toc\"><ac:parameter ac:name=\"maxLevel\">2</ac:parameter></ac:structured-macro><ac:structured-macro ac:name=\"children\"/>";
    let editor = to_json(storage);
    assert_eq!(
        editor["content"][0]["content"][0],
        json!({"type": "confluenceStatus", "attrs": {"colour": "Green", "title": "OK", "parameters": {"subtle": "true"}}})
    );
    assert_eq!(
        editor["content"][0]["content"][1],
        json!({"type": "confluenceAnchor", "attrs": {"name": "here"}})
    );
    assert_eq!(
        editor["content"][1],
        json!({"type": "confluenceMacro", "attrs": {"name": "toc", "parameters": {"maxLevel": "2"}}})
    );
    assert_eq!(
        editor["content"][2],
        json!({"type": "confluenceMacro", "attrs": {"name": "children"}})
    );
    assert_eq!(back(&editor, storage).unwrap(), storage);
}

#[test]
fn a_children_macro_naming_a_page_by_link_is_edited_as_text_and_written_as_a_link() {
    let storage = "<ac:structured-macro ac:name=\"children\" ac:schema-version=\"2\"><ac:parameter ac:name=\"page\"><ac:link><ri:page ri:content-title=\"Release notes\" ri:space-key=\"DOC\" /></ac:link></ac:parameter><ac:parameter ac:name=\"depth\">2</ac:parameter></ac:structured-macro>";
    let block = first_block(storage);
    assert_eq!(
        block,
        json!({"type": "confluenceMacro", "attrs": {"name": "children", "schemaVersion": "2",
            "parameters": {"page": "DOC:Release notes", "depth": "2"}, "pageLinks": ["page"]}})
    );
    // Another page chosen in the form: written back as a link, with or without a space key.
    for (chosen, link) in [
        (
            "OPS:Runbooks",
            "<ri:page ri:space-key=\"OPS\" ri:content-title=\"Runbooks\" />",
        ),
        ("Runbooks", "<ri:page ri:content-title=\"Runbooks\" />"),
    ] {
        let mut edited = to_json(storage);
        edited["content"][0]["attrs"]["parameters"]["page"] = json!(chosen);
        assert_eq!(
            back(&edited, storage).unwrap(),
            // An edited macro's parameters are written by name.
            format!(
                "<ac:structured-macro ac:name=\"children\" ac:schema-version=\"2\"><ac:parameter ac:name=\"depth\">2</ac:parameter><ac:parameter ac:name=\"page\"><ac:link>{link}</ac:link></ac:parameter></ac:structured-macro>"
            )
        );
    }
    // A title with a colon and no space key would read back as a space key: it stays raw.
    let ambiguous = "<ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"page\"><ac:link><ri:page ri:content-title=\"Q3: plans\" /></ac:link></ac:parameter></ac:structured-macro>";
    assert_eq!(first_block(ambiguous)["type"], "rawBlock");
    // So does a link to anything but a page.
    let user = "<ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"page\"><ac:link><ri:user ri:userkey=\"k\" /></ac:link></ac:parameter></ac:structured-macro>";
    assert_eq!(first_block(user)["type"], "rawBlock");
}

#[test]
fn what_the_editor_does_not_model_is_raw_with_its_exact_storage() {
    let storage = "<ac:structured-macro ac:name=\"drawio\"><ac:parameter ac:name=\"key\">AB-1</ac:parameter></ac:structured-macro><p data-x=\"1\">p</p><p>a <ac:inline-comment-marker ac:ref=\"c\">b</ac:inline-comment-marker> <span class=\"k\">c</span></p><!-- c --><ac:structured-macro ac:name=\"info\"><ac:parameter ac:name=\"icon\"><ri:page ri:content-title=\"x\"/></ac:parameter></ac:structured-macro>";
    let editor = to_json(storage);
    assert_eq!(
        editor["content"][0],
        json!({"type": "rawBlock", "attrs": {"storage": "<ac:structured-macro ac:name=\"drawio\"><ac:parameter ac:name=\"key\">AB-1</ac:parameter></ac:structured-macro>", "label": "drawio", "parameters": {"key": "AB-1"}}})
    );
    assert_eq!(editor["content"][1]["type"], "rawBlock");
    assert_eq!(editor["content"][2]["content"][1]["type"], "rawInline");
    assert_eq!(
        editor["content"][2]["content"][3]["attrs"]["storage"],
        "<span class=\"k\">c</span>"
    );
    assert_eq!(editor["content"][3]["attrs"]["label"], "comment");
    assert_eq!(editor["content"][4]["type"], "rawBlock");
    assert_eq!(back(&editor, storage).unwrap(), storage);
    // Raw nodes keep their storage even when their block is rewritten.
    assert_eq!(fresh(storage), storage);
}

#[test]
fn loose_text_and_whitespace_between_blocks_come_back_exactly() {
    for storage in [
        "",
        "  \n",
        "loose <b>text</b>\n<p>x</p>\n\n",
        "<p>a</p>\r\n<p>b</p>\n",
        "a<!--x-->b",
    ] {
        let editor = to_json(storage);
        assert!(
            !editor["content"].as_array().unwrap().is_empty(),
            "{storage:?}"
        );
        assert_eq!(back(&editor, storage).unwrap(), storage);
    }
}

#[test]
fn editing_one_block_rewrites_only_that_block() {
    let storage =
        "<p class='x'>one</p>\n<p>two &amp; <ac:emoticon ac:name='smile'/></p>\n<h1>three</h1>";
    let mut editor = to_json(storage);
    editor["content"][1]["content"][0]["text"] = json!("2 & ");
    assert_eq!(
        back(&editor, storage).unwrap(),
        "<p class='x'>one</p><p>2 &amp; <ac:emoticon ac:name=\"smile\" /></p>\n<h1>three</h1>"
    );
}

#[test]
fn inserted_deleted_and_moved_blocks_keep_the_others_exact() {
    let storage = "<p a-b='1'>x</p><h2>A</h2> <h2>B</h2> <h2>C</h2>";
    let editor = to_json(storage);
    let blocks = editor["content"].as_array().unwrap().clone();
    let new_paragraph = json!({"type": "paragraph", "content": [{"type": "text", "text": "new"}]});
    let edited = json!({"type": "doc", "content": [blocks[0], blocks[1], new_paragraph, blocks[3], blocks[2]]});
    assert_eq!(
        back(&edited, storage).unwrap(),
        "<p a-b='1'>x</p><h2>A</h2><p>new</p> <h2>C</h2><h2>B</h2>"
    );
}

#[test]
fn what_tiptap_adds_or_reorders_does_not_count_as_an_edit() {
    let storage = "<p>a <strong><em>b</em></strong>c</p><ol><li>x</li></ol>";
    let tiptap = json!({"type": "doc", "content": [
        {"type": "paragraph", "attrs": {"html": null}, "content": [
            {"type": "text", "text": "a "},
            {"type": "text", "text": "b", "marks": [{"type": "italic"}, {"type": "bold"}]},
            {"type": "text", "text": "c"}]},
        {"type": "orderedList", "attrs": {"start": 1, "type": null, "html": null}, "content": [
            {"type": "listItem", "attrs": {"html": null}, "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "x"}]}]}]}
    ]});
    assert_eq!(back(&tiptap, storage).unwrap(), storage);
}

#[test]
fn raw_storage_must_come_from_the_page_being_edited() {
    let storage = "<ac:structured-macro ac:name=\"jira\"/>";
    let forged = json!({"type": "doc", "content": [{"type": "rawBlock", "attrs": {"storage": "<script>x</script>"}}]});
    let error = back(&forged, storage).unwrap_err();
    assert_eq!(
        error.to_string(),
        "editor document is not valid at doc.content[0].attrs.storage: raw storage does not come from the page being edited"
    );
    let colgroup = json!({"type": "doc", "content": [{"type": "table", "attrs": {"colgroup": "<ac:structured-macro ac:name=\"jira\"/>"}, "content": []}]});
    assert!(back(&colgroup, storage).is_err());
    let copied = json!({"type": "doc", "content": [{"type": "rawBlock", "attrs": {"storage": storage}}, {"type": "rawBlock", "attrs": {"storage": storage}}]});
    assert_eq!(
        back(&copied, storage).unwrap(),
        format!("{storage}{storage}")
    );
}

#[test]
fn the_editor_cannot_write_markup_the_allow_list_refuses() {
    let editor = json!({"type": "doc", "content": [
        {"type": "paragraph", "attrs": {"html": {"onclick": "x()", "style": "color: red; background: url(x)", "class": "a\"b"}}, "content": [
            {"type": "text", "text": "<script>alert(1)</script> \u{1}"}]},
        {"type": "table", "content": [{"type": "tableRow", "content": [{"type": "tableCell", "attrs": {"colspan": 2, "html": {"onmouseover": "x"}}}]}]}
    ]});
    assert_eq!(
        back(&editor, "").unwrap(),
        "<p class=\"a&quot;b\" style=\"color: red;\">&lt;script&gt;alert(1)&lt;/script&gt; </p><table><tbody><tr><td colspan=\"2\"></td></tr></tbody></table>"
    );
    for (mark, reason) in [
        (
            json!({"type": "link", "attrs": {"href": "javascript:alert(1)"}}),
            "only http",
        ),
        (
            json!({"type": "textStyle", "attrs": {"color": "red; position: fixed"}}),
            "not a plain colour",
        ),
        (json!({"type": "blink"}), "unknown mark type"),
    ] {
        let editor = json!({"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x", "marks": [mark]}]}]});
        let error = back(&editor, "").unwrap_err().to_string();
        assert!(
            error.contains("doc.content[0].content[0].marks[0]") && error.contains(reason),
            "{error}"
        );
    }
    let image = json!({"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "confluenceImage", "attrs": {"url": "data:image/svg+xml,<svg/>"}}]}]});
    assert!(back(&image, "").is_err());
}

#[test]
fn malformed_editor_documents_are_clear_errors() {
    let cases = [
        ("not json", "doc: not valid JSON"),
        ("[]", "doc: expected a node object"),
        (
            "{\"type\":\"paragraph\"}",
            "the top node must be of type \"doc\"",
        ),
        (
            "{\"type\":\"doc\",\"content\":{}}",
            "\"content\" must be an array",
        ),
        (
            "{\"type\":\"doc\",\"content\":[{\"type\":\"heading\",\"attrs\":{\"level\":9}}]}",
            "doc.content[0].attrs.level: expected an integer from 1 to 6",
        ),
        (
            "{\"type\":\"doc\",\"content\":[{\"type\":\"bulletList\",\"content\":[{\"type\":\"paragraph\"}]}]}",
            "doc.content[0].content[0]: expected a node of type listItem",
        ),
        (
            "{\"type\":\"doc\",\"content\":[{\"type\":\"video\"}]}",
            "unknown block node type \"video\"",
        ),
        (
            "{\"type\":\"doc\",\"content\":[{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\"}]}]}",
            "a text node needs a string \"text\"",
        ),
        (
            "{\"type\":\"doc\",\"content\":[{\"type\":\"confluenceMacro\",\"attrs\":{\"name\":\"html\"}}]}",
            "expected toc or children",
        ),
        (
            "{\"type\":\"doc\",\"content\":[{\"type\":\"paragraph\",\"content\":[{\"type\":\"confluenceMention\",\"attrs\":{}}]}]}",
            "a mention needs exactly one",
        ),
    ];
    for (input, expected) in cases {
        let error = editor_json_to_storage(input, &parse("").unwrap()).unwrap_err();
        assert!(
            matches!(error, FormatError::EditorDocument { .. }),
            "{error}"
        );
        assert!(error.to_string().contains(expected), "{input}: {error}");
    }
}

#[test]
fn deep_documents_are_bounded_not_crashes() {
    // The deepest nesting storage allows still converts and comes back.
    let levels = crate::parse::MAX_DEPTH / 2;
    let storage = "<ul><li>x".repeat(levels) + &"</li></ul>".repeat(levels);
    let editor = to_json(&storage);
    assert_eq!(back(&editor, &storage).unwrap(), storage);
    let json_depth = storage_to_editor_json(&parse(&storage).unwrap(), &NoContext)
        .bytes()
        .fold((0usize, 0usize), |(depth, deepest), byte| match byte {
            b'{' | b'[' => (depth + 1, deepest.max(depth + 1)),
            b'}' | b']' => (depth.saturating_sub(1), deepest),
            _ => (depth, deepest),
        })
        .1;
    assert!(json_depth < 128, "{json_depth}");
    // Tables and panels nest three and two editor levels per storage level.
    for (open, close) in [
        ("<table><tr><td>", "</td></tr></table>"),
        (
            "<ac:structured-macro ac:name=\"info\"><ac:rich-text-body>",
            "</ac:rich-text-body></ac:structured-macro>",
        ),
        (
            "<ac:task-list><ac:task><ac:task-body>",
            "</ac:task-body></ac:task></ac:task-list>",
        ),
    ] {
        let levels = (crate::parse::MAX_DEPTH - 3) / 3;
        let storage = open.repeat(levels) + "<p><b><i>x</i></b></p>" + &close.repeat(levels);
        let json = storage_to_editor_json(&parse(&storage).unwrap(), &NoContext);
        assert_eq!(
            editor_json_to_storage(&json, &parse(&storage).unwrap()).unwrap(),
            storage
        );
    }
    // Hostile JSON nesting is refused by the JSON reader.
    let hostile = "{\"type\":\"doc\",\"content\":[".to_string()
        + &"{\"type\":\"blockquote\",\"content\":[".repeat(50_000);
    assert!(editor_json_to_storage(&hostile, &parse("").unwrap()).is_err());
}

#[test]
fn display_only_details_come_from_the_context() {
    struct Users;
    impl RenderContext for Users {
        fn user(&self, _: &crate::resource::UserTarget) -> Option<crate::context::UserDisplay> {
            Some(crate::context::UserDisplay {
                display_name: "Ada".to_string(),
                profile_url: None,
            })
        }
        fn attachment_url(
            &self,
            _: Option<&crate::resource::AttachmentOwner>,
            filename: &str,
        ) -> Option<String> {
            Some(format!("/download/{filename}"))
        }
    }
    let storage = "<p><ac:link><ri:user ri:userkey=\"k\"/></ac:link><ac:image><ri:attachment ri:filename=\"a.png\"/></ac:image></p>";
    let document = parse(storage).unwrap();
    let editor: Value = serde_json::from_str(&storage_to_editor_json(&document, &Users)).unwrap();
    assert_eq!(editor["content"][0]["content"][0]["attrs"]["label"], "Ada");
    assert_eq!(
        editor["content"][0]["content"][1]["attrs"]["src"],
        "/download/a.png"
    );
    assert_eq!(back(&editor, storage).unwrap(), storage);
}
