//! Script-injection vectors (tests/it/xss_corpus.txt) fed through every path that turns content
//! into HTML: rendering storage that contains them as markup, as text, as attribute values, as
//! macro parameters, as resource identifiers and link bodies, through a context that returns
//! them as URLs and names; and the sanitizer. Nothing executable may survive.

use cairn_format::entity::{escape_attribute, escape_text};
use cairn_format::policy::{ElementPolicy, element_policy};
use cairn_format::{
    AttachmentListing, AttachmentOwner, ChildPage, NoContext, PageTarget, RenderContext,
    UserDisplay, UserTarget, parse, render_storage, sanitize_html,
};

fn corpus() -> Vec<String> {
    include_str!("xss_corpus.txt")
        .split("\n%%\n")
        .filter(|entry| !entry.starts_with('#'))
        .map(|entry| entry.strip_suffix('\n').unwrap_or(entry).to_string())
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// A context that answers every question with the attack string itself.
struct Hostile(String);

impl RenderContext for Hostile {
    fn current_space_key(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn page_url(&self, _page: &PageTarget) -> Option<String> {
        Some(self.0.clone())
    }
    fn blog_post_url(
        &self,
        _space: Option<&str>,
        _title: &str,
        _day: Option<&str>,
    ) -> Option<String> {
        Some(self.0.clone())
    }
    fn attachment_url(&self, _owner: Option<&AttachmentOwner>, _filename: &str) -> Option<String> {
        Some(self.0.clone())
    }
    fn user(&self, _user: &UserTarget) -> Option<UserDisplay> {
        Some(UserDisplay {
            display_name: self.0.clone(),
            profile_url: Some(self.0.clone()),
        })
    }
    fn space_url(&self, _space_key: &str) -> Option<String> {
        Some(self.0.clone())
    }
    fn content_url(&self, _content_id: &str) -> Option<String> {
        Some(self.0.clone())
    }
    fn shortcut_url(&self, _key: &str, _parameter: &str) -> Option<String> {
        Some(self.0.clone())
    }
    fn jira_issue_url(&self, _server: Option<&str>, _key: &str) -> Option<String> {
        Some(self.0.clone())
    }
    fn children(&self, _parent: Option<&PageTarget>, _depth: Option<usize>) -> Vec<ChildPage> {
        vec![ChildPage {
            title: self.0.clone(),
            url: self.0.clone(),
            children: vec![],
        }]
    }
    fn attachments(&self, _owner: Option<&PageTarget>) -> Vec<AttachmentListing> {
        vec![AttachmentListing {
            filename: self.0.clone(),
            url: self.0.clone(),
            size_bytes: Some(1),
            comment: Some(self.0.clone()),
        }]
    }
    fn page_storage(&self, _page: &PageTarget) -> Option<String> {
        Some(self.0.clone())
    }
}

const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "background",
    "poster",
    "data",
    "xlink:href",
    "dynsrc",
    "lowsrc",
];

fn is_dangerous_url(value: &str) -> bool {
    let compact: String = value
        .chars()
        .filter(|c| *c > ' ' && *c != '\u{7F}')
        .collect::<String>()
        .to_ascii_lowercase();
    let raster_image = [
        "data:image/png",
        "data:image/gif",
        "data:image/jpeg",
        "data:image/jpg",
        "data:image/webp",
    ]
    .iter()
    .any(|prefix| compact.starts_with(prefix));
    [
        "javascript:",
        "vbscript:",
        "livescript:",
        "mocha:",
        "data:text",
    ]
    .iter()
    .any(|scheme| compact.starts_with(scheme))
        || (compact.starts_with("data:") && !raster_image)
}

/// Fails unless `html` is well-formed, uses only allow-listed elements, has no event handler,
/// no script URL and no style that can run or load anything.
fn assert_harmless(html: &str, path: &str) {
    let lowercase = html.to_ascii_lowercase();
    for forbidden in [
        "<script", "<iframe", "<object", "<embed", "<style", "<svg", "<math", "<frame", "<applet",
        "<meta", "<link", "<base", "<form",
    ] {
        assert!(
            !lowercase.contains(forbidden),
            "{forbidden} survived via {path}: {html}"
        );
    }
    let document = parse(html)
        .unwrap_or_else(|error| panic!("output of {path} is not well-formed ({error}): {html}"));
    for node in document.descendants().filter(|node| node.is_element()) {
        let name = node.name();
        assert!(
            element_policy(name) == ElementPolicy::Keep || name == "input",
            "element <{name}> survived via {path}: {html}"
        );
        for attribute in node.attributes() {
            let attribute_name = attribute.name().to_ascii_lowercase();
            let value = attribute.value();
            assert!(
                !attribute_name.starts_with("on"),
                "handler {attribute_name} survived via {path}: {html}"
            );
            if URL_ATTRIBUTES.contains(&attribute_name.as_str()) {
                assert!(
                    !is_dangerous_url(&value),
                    "URL {value:?} survived via {path}: {html}"
                );
            }
            // Values the renderer builds itself from macro names and parameters: only plain words.
            let plain_only = match attribute_name.as_str() {
                "data-macro-name" => "-_.",
                "data-theme" => "",
                "data-syntaxhighlighter-params" => " :;-#",
                _ => "*",
            };
            if plain_only != "*" {
                assert!(
                    value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || plain_only.contains(c)),
                    "{attribute_name}={value:?} survived via {path}: {html}"
                );
            }
            if attribute_name == "style" {
                let style = value.to_ascii_lowercase();
                for bad in [
                    "expression",
                    "url(",
                    "javascript",
                    "behavior",
                    "binding",
                    "\\",
                    "@import",
                ] {
                    assert!(
                        !style.contains(bad),
                        "style {style:?} survived via {path}: {html}"
                    );
                }
            }
        }
    }
}

fn render_and_check(storage: &str, context: &dyn RenderContext, path: &str) {
    if let Ok(html) = render_storage(storage, context) {
        assert_harmless(&html, path);
    }
}

fn macro_with(name: &str, parameter: &str, value: &str, body: &str) -> String {
    format!(
        "<ac:structured-macro ac:name=\"{name}\"><ac:parameter ac:name=\"{parameter}\">{value}</ac:parameter>{body}</ac:structured-macro>"
    )
}

/// Storage documents that carry `vector` in every place content can put it.
fn placements(vector: &str) -> Vec<(String, String)> {
    let text = escape_text(vector);
    let attribute = escape_attribute(vector);
    let mut storages = vec![
        ("as text".to_string(), format!("<p>{text}</p>")),
        ("as sanitized storage".to_string(), sanitize_html(vector)),
    ];
    let attribute_places = [
        ("a href", format!("<a href=\"{attribute}\">x</a>")),
        ("img src", format!("<img src=\"{attribute}\"/>")),
        (
            "blockquote cite",
            format!("<blockquote cite=\"{attribute}\">q</blockquote>"),
        ),
        ("style", format!("<p style=\"{attribute}\">x</p>")),
        ("class", format!("<p class=\"{attribute}\">x</p>")),
        ("title", format!("<p title=\"{attribute}\">x</p>")),
        ("time datetime", format!("<time datetime=\"{attribute}\"/>")),
        (
            "ri:url in link",
            format!("<ac:link><ri:url ri:value=\"{attribute}\"/></ac:link>"),
        ),
        (
            "ri:url in image",
            format!("<ac:image><ri:url ri:value=\"{attribute}\"/></ac:image>"),
        ),
        (
            "page title",
            format!(
                "<ac:link><ri:page ri:space-key=\"K\" ri:content-title=\"{attribute}\"/></ac:link>"
            ),
        ),
        (
            "space key",
            format!(
                "<ac:link><ri:page ri:space-key=\"{attribute}\" ri:content-title=\"T\"/></ac:link>"
            ),
        ),
        (
            "blog post",
            format!(
                "<ac:link><ri:blog-post ri:space-key=\"K\" ri:content-title=\"{attribute}\" ri:posting-day=\"{attribute}\"/></ac:link>"
            ),
        ),
        (
            "attachment",
            format!("<ac:image><ri:attachment ri:filename=\"{attribute}\"/></ac:image>"),
        ),
        (
            "username",
            format!("<ac:link><ri:user ri:username=\"{attribute}\"/></ac:link>"),
        ),
        (
            "userkey",
            format!("<ac:link><ri:user ri:userkey=\"{attribute}\"/></ac:link>"),
        ),
        (
            "space",
            format!("<ac:link><ri:space ri:space-key=\"{attribute}\"/></ac:link>"),
        ),
        (
            "content id",
            format!("<ac:link><ri:content-entity ri:content-id=\"{attribute}\"/></ac:link>"),
        ),
        (
            "shortcut",
            format!(
                "<ac:link><ri:shortcut ri:key=\"{attribute}\" ri:parameter=\"{attribute}\"/></ac:link>"
            ),
        ),
        (
            "link anchor",
            format!(
                "<ac:link ac:anchor=\"{attribute}\"><ri:page ri:content-title=\"T\"/></ac:link>"
            ),
        ),
        (
            "image attributes",
            format!(
                "<ac:image ac:alt=\"{attribute}\" ac:title=\"{attribute}\" ac:align=\"{attribute}\" ac:width=\"{attribute}\"><ri:url ri:value=\"https://e.com/x.png\"/></ac:image>"
            ),
        ),
        (
            "macro name",
            format!("<ac:structured-macro ac:name=\"{attribute}\"/>"),
        ),
        (
            "macro name with a body",
            format!(
                "<ac:structured-macro ac:name=\"{attribute}\"><ac:rich-text-body><p>b</p></ac:rich-text-body></ac:structured-macro>"
            ),
        ),
        (
            "legacy macro name",
            format!(
                "<ac:macro ac:name=\"{attribute}\"><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body></ac:macro>"
            ),
        ),
        (
            "emoticon",
            format!("<ac:emoticon ac:name=\"{attribute}\" ac:emoji-fallback=\"{attribute}\"/>"),
        ),
        (
            "layout type",
            format!(
                "<ac:layout><ac:layout-section ac:type=\"{attribute}\"><ac:layout-cell/></ac:layout-section></ac:layout>"
            ),
        ),
        (
            "comment marker",
            format!(
                "<ac:inline-comment-marker ac:ref=\"{attribute}\">m</ac:inline-comment-marker>"
            ),
        ),
    ];
    storages.extend(
        attribute_places
            .into_iter()
            .map(|(path, storage)| (path.to_string(), storage)),
    );
    let parameter_places = [
        ("code", "language"),
        ("code", "title"),
        ("code", "firstline"),
        ("code", "theme"),
        ("code", "linenumbers"),
        ("code", "collapse"),
        ("noformat", "title"),
        ("tip", "icon"),
        ("status", "subtle"),
        ("info", "title"),
        ("warning", "icon"),
        ("panel", "title"),
        ("panel", "bgColor"),
        ("expand", "title"),
        ("status", "title"),
        ("status", "colour"),
        ("anchor", ""),
        ("jira", "key"),
        ("jira", "server"),
        ("jira", "jqlQuery"),
        ("toc", "type"),
        ("children", "page"),
        ("include", ""),
        ("excerpt-include", ""),
        ("unknown-macro", "x"),
    ];
    for (name, parameter) in parameter_places {
        storages.push((
            format!("{name} parameter {parameter:?}"),
            macro_with(name, parameter, &text, ""),
        ));
    }
    storages.push((
        "collapsed code with line numbers".into(),
        macro_with(
            "code",
            "title",
            &text,
            &format!(
                "<ac:parameter ac:name=\"collapse\">true</ac:parameter><ac:parameter ac:name=\"linenumbers\">true</ac:parameter><ac:parameter ac:name=\"language\">{text}</ac:parameter><ac:parameter ac:name=\"theme\">{text}</ac:parameter>"
            ),
        ),
    ));
    storages.push((
        "toc separator".into(),
        format!(
            "<h1>a</h1><h1>b</h1>{}",
            macro_with(
                "toc",
                "type",
                "flat",
                &format!("<ac:parameter ac:name=\"separator\">{text}</ac:parameter>")
            )
        ),
    ));
    if !vector.contains("]]>") {
        let cdata = format!("<![CDATA[{vector}]]>");
        storages.push((
            "code body".into(),
            macro_with(
                "code",
                "language",
                "js",
                &format!("<ac:plain-text-body>{cdata}</ac:plain-text-body>"),
            ),
        ));
        storages.push((
            "noformat body".into(),
            macro_with(
                "noformat",
                "x",
                "",
                &format!("<ac:plain-text-body>{cdata}</ac:plain-text-body>"),
            ),
        ));
        storages.push((
            "plain link body".into(),
            format!("<ac:link><ri:page ri:content-title=\"T\"/><ac:plain-text-link-body>{cdata}</ac:plain-text-link-body></ac:link>"),
        ));
    }
    if parse(vector).is_ok() {
        let rich_places = [
            (
                "info body",
                macro_with(
                    "info",
                    "title",
                    "t",
                    &format!("<ac:rich-text-body>{vector}</ac:rich-text-body>"),
                ),
            ),
            (
                "unknown macro body",
                macro_with(
                    "mystery",
                    "x",
                    "y",
                    &format!("<ac:rich-text-body>{vector}</ac:rich-text-body>"),
                ),
            ),
            (
                "link body",
                format!(
                    "<ac:link><ri:page ri:content-title=\"T\"/><ac:link-body>{vector}</ac:link-body></ac:link>"
                ),
            ),
            (
                "task body",
                format!(
                    "<ac:task-list><ac:task><ac:task-body>{vector}</ac:task-body></ac:task></ac:task-list>"
                ),
            ),
            (
                "table cell",
                format!("<table><tbody><tr><td>{vector}</td></tr></tbody></table>"),
            ),
            (
                "layout cell",
                format!(
                    "<ac:layout><ac:layout-section ac:type=\"single\"><ac:layout-cell>{vector}</ac:layout-cell></ac:layout-section></ac:layout>"
                ),
            ),
        ];
        storages.extend(
            rich_places
                .into_iter()
                .map(|(path, storage)| (path.to_string(), storage)),
        );
    }
    storages
}

#[test]
fn the_corpus_is_substantial() {
    let vectors = corpus();
    assert!(vectors.len() >= 140, "only {} vectors", vectors.len());
    assert!(
        vectors.iter().any(|vector| vector.contains('\t')),
        "the tab tricks are in the corpus"
    );
    assert!(
        vectors.iter().any(|vector| vector.contains('\n')),
        "the newline tricks are in the corpus"
    );
}

#[test]
fn no_vector_survives_the_sanitizer() {
    for vector in corpus() {
        assert_harmless(
            &sanitize_html(&vector),
            &format!("sanitize_html({vector:?})"),
        );
    }
}

#[test]
fn no_vector_survives_rendering_as_storage() {
    let mut parsed = 0;
    for vector in corpus() {
        if let Ok(html) = render_storage(&vector, &NoContext) {
            parsed += 1;
            assert_harmless(&html, &format!("render({vector:?})"));
        }
    }
    assert!(
        parsed >= 50,
        "only {parsed} vectors are well-formed storage; the render path needs them"
    );
}

#[test]
fn no_vector_survives_any_placement_in_storage() {
    let include = "<ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ri:page ri:content-title=\"X\"/></ac:parameter></ac:structured-macro>";
    let context_paths = format!(
        "{include}<ac:structured-macro ac:name=\"children\"/><ac:structured-macro ac:name=\"attachments\"/><ac:structured-macro ac:name=\"profile\"><ac:parameter ac:name=\"user\"><ri:user ri:userkey=\"k\"/></ac:parameter></ac:structured-macro><ac:structured-macro ac:name=\"view-file\"><ac:parameter ac:name=\"name\"><ri:attachment ri:filename=\"f\"/></ac:parameter></ac:structured-macro><ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"key\">A-1</ac:parameter></ac:structured-macro><ac:link><ri:page ri:content-title=\"P\"/></ac:link><ac:link><ri:blog-post ri:content-title=\"B\" ri:posting-day=\"2024/01/01\"/></ac:link><ac:link><ri:space ri:space-key=\"S\"/></ac:link><ac:link><ri:content-entity ri:content-id=\"1\"/></ac:link><ac:link><ri:shortcut ri:key=\"k\" ri:parameter=\"p\"/></ac:link><ac:link><ri:user ri:userkey=\"u\"/></ac:link><ac:image><ri:attachment ri:filename=\"i.png\"/></ac:image>"
    );
    for vector in corpus() {
        for (path, storage) in placements(&vector) {
            render_and_check(&storage, &NoContext, &format!("{path} with {vector:?}"));
            render_and_check(
                &storage,
                &Hostile(vector.clone()),
                &format!("{path} with hostile context, {vector:?}"),
            );
        }
        render_and_check(
            &context_paths,
            &Hostile(vector.clone()),
            &format!("context answers {vector:?}"),
        );
    }
}
