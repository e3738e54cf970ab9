//! Rendering of every supported macro through the public API, with a context that knows a
//! small site.

use cairn_format::{
    AttachmentListing, AttachmentOwner, ChildPage, NoContext, PageTarget, RenderContext,
    UserDisplay, UserTarget, render_storage,
};

/// A site with a few pages, one of which includes itself through another.
struct Site;

impl RenderContext for Site {
    fn current_space_key(&self) -> Option<&str> {
        Some("DEV")
    }

    fn current_page(&self) -> Option<PageTarget> {
        Some(PageTarget {
            space_key: Some("DEV".into()),
            title: "Current".into(),
        })
    }

    fn attachment_url(&self, _owner: Option<&AttachmentOwner>, filename: &str) -> Option<String> {
        Some(format!("/download/attachments/1/{filename}"))
    }

    fn user(&self, user: &UserTarget) -> Option<UserDisplay> {
        Some(UserDisplay {
            display_name: format!("Ada ({})", user.value()),
            profile_url: Some("/users/ada".into()),
        })
    }

    fn jira_issue_url(&self, _server: Option<&str>, issue_key: &str) -> Option<String> {
        Some(format!("https://jira.example.com/browse/{issue_key}"))
    }

    fn children(&self, parent: Option<&PageTarget>, depth: Option<usize>) -> Vec<ChildPage> {
        let grandchild = ChildPage {
            title: "Grandchild".into(),
            url: "/display/DEV/Grandchild".into(),
            children: vec![],
        };
        let prefix = parent.map_or("Child", |page| page.title.as_str());
        vec![
            ChildPage {
                title: format!("{prefix} A"),
                url: "/display/DEV/A".into(),
                children: if depth == Some(1) {
                    vec![]
                } else {
                    vec![grandchild]
                },
            },
            ChildPage {
                title: format!("{prefix} B"),
                url: "/display/DEV/B".into(),
                children: vec![],
            },
        ]
    }

    fn attachments(&self, _owner: Option<&PageTarget>) -> Vec<AttachmentListing> {
        vec![AttachmentListing {
            filename: "report.pdf".into(),
            url: "/download/attachments/1/report.pdf".into(),
            size_bytes: Some(2048),
            comment: Some("Q1 <draft>".into()),
        }]
    }

    fn page_storage(&self, page: &PageTarget) -> Option<String> {
        let storage = match page.title.as_str() {
            "Shared" => "<p>shared text</p><h2>Inside</h2>",
            "Loop" => {
                "<p>loop start</p><ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ri:page ri:content-title=\"Current\"/></ac:parameter></ac:structured-macro>"
            }
            "Self" => {
                "<p>self</p><ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ri:page ri:content-title=\"Self\"/></ac:parameter></ac:structured-macro>"
            }
            "With excerpt" => {
                "<p>before</p><ac:structured-macro ac:name=\"excerpt\"><ac:rich-text-body><p>the gist</p></ac:rich-text-body></ac:structured-macro><p>after</p>"
            }
            "Broken" => "<p>unclosed",
            _ => return None,
        };
        Some(storage.to_string())
    }
}

fn site(storage: &str) -> String {
    render_storage(storage, &Site).unwrap()
}

fn structured(name: &str, parameters: &[(&str, &str)], body: &str) -> String {
    let mut storage = format!(
        "<ac:structured-macro ac:name=\"{name}\" ac:schema-version=\"1\" ac:macro-id=\"0b9e\">"
    );
    for (parameter, value) in parameters {
        storage.push_str(&format!(
            "<ac:parameter ac:name=\"{parameter}\">{value}</ac:parameter>"
        ));
    }
    storage.push_str(body);
    storage.push_str("</ac:structured-macro>");
    storage
}

fn rich(body: &str) -> String {
    format!("<ac:rich-text-body>{body}</ac:rich-text-body>")
}

fn plain(body: &str) -> String {
    format!("<ac:plain-text-body><![CDATA[{body}]]></ac:plain-text-body>")
}

#[test]
fn code_macro_escapes_code_and_keeps_language_and_title() {
    let html = site(&structured(
        "code",
        &[("language", "Rust"), ("title", "main.rs")],
        &plain("if a < b && c { \"x\" }"),
    ));
    assert_eq!(
        html,
        concat!(
            "<div class=\"code panel pdl conf-macro output-block\" style=\"border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"code\">",
            "<div class=\"codeHeader panelHeader pdl\" style=\"border-bottom-width: 1px;\"><b>main.rs</b></div>",
            "<div class=\"codeContent panelContent pdl\"><pre class=\"syntaxhighlighter-pre\" ",
            "data-syntaxhighlighter-params=\"brush: java; gutter: false; theme: Confluence\" data-theme=\"Confluence\">",
            "if a &lt; b &amp;&amp; c { \"x\" }</pre></div></div>"
        ),
        "Rust is not a language Confluence's code macro knows, so the brush is its default"
    );
    let python = site(&structured("code", &[("language", "Python")], &plain("x")));
    assert!(
        python.contains(
            "data-syntaxhighlighter-params=\"brush: python; gutter: false; theme: Confluence\""
        ),
        "{python}"
    );
}

#[test]
fn code_macro_numbers_lines_from_firstline() {
    let html = site(&structured(
        "code",
        &[("linenumbers", "true"), ("firstline", "10")],
        &plain("a\nb\n"),
    ));
    assert!(
        html.contains(concat!(
            "data-syntaxhighlighter-params=\"brush: java; gutter: true; first-line: 10; theme: Confluence\" ",
            "data-theme=\"Confluence\">a\nb\n</pre>"
        )),
        "{html}"
    );
    let hostile_language = site(&structured(
        "code",
        &[("language", "x\" onclick=\"y")],
        &plain("z"),
    ));
    assert!(!hostile_language.contains("onclick"), "{hostile_language}");
}

#[test]
fn noformat_is_preformatted_text() {
    assert_eq!(
        site(&structured("noformat", &[], &plain("<b>not bold</b>"))),
        concat!(
            "<div class=\"preformatted panel conf-macro output-block\" style=\"border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"noformat\">",
            "<div class=\"preformattedContent panelContent\"><pre>&lt;b&gt;not bold&lt;/b&gt;</pre></div></div>"
        )
    );
}

#[test]
fn admonitions_have_their_class_title_and_body() {
    for (name, class, icon) in [
        ("info", "information", "info"),
        ("note", "note", "warning"),
        ("tip", "tip", "approve"),
        ("warning", "warning", "error"),
    ] {
        let html = site(&structured(
            name,
            &[("title", "Heads up")],
            &rich("<p>Body</p>"),
        ));
        assert_eq!(
            html,
            format!(
                "<div class=\"confluence-information-macro confluence-information-macro-{class} conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"{name}\"><p class=\"title\">Heads up</p><span class=\"aui-icon aui-icon-small aui-iconfont-{icon} confluence-information-macro-icon\"></span><div class=\"confluence-information-macro-body\"><p>Body</p></div></div>"
            )
        );
    }
}

#[test]
fn panel_expand_and_quote_wrap_their_bodies() {
    let panel = site(&structured(
        "panel",
        &[("title", "P"), ("bgColor", "#ffeeee")],
        &rich("<p>x</p>"),
    ));
    assert_eq!(
        panel,
        concat!(
            "<div class=\"panel conf-macro output-block\" style=\"background-color: #ffeeee; border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"panel\">",
            "<div class=\"panelHeader\" style=\"border-bottom-width: 1px;\"><b>P</b></div>",
            "<div class=\"panelContent\" style=\"background-color: #ffeeee;\"><p>x</p></div></div>"
        )
    );
    let hostile_panel = site(&structured(
        "panel",
        &[("bgColor", "red;background:url(javascript:x)")],
        &rich(""),
    ));
    assert!(!hostile_panel.contains("url"), "{hostile_panel}");
    let expand = site(&structured("expand", &[], &rich("<p>hidden</p>")));
    assert_eq!(
        expand,
        concat!(
            "<div class=\"expand-container conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"expand\"><details>",
            "<summary class=\"expand-control\"><span class=\"expand-control-text\">Click here to expand...</span></summary>",
            "<div class=\"expand-content\"><p>hidden</p></div></details></div>"
        )
    );
    let quote = site(&structured("quote", &[], &rich("<p>q</p>")));
    assert_eq!(
        quote,
        "<blockquote class=\"cairn-quote conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"quote\"><p>q</p></blockquote>"
    );
}

#[test]
fn toc_lists_headings_with_anchors_matching_heading_ids() {
    let storage = format!(
        "{}<h1>One</h1><h2>Two</h2><h3>Deep</h3><h2>Three</h2><h1>Four</h1>",
        structured("toc", &[("maxLevel", "2")], "")
    );
    let html = site(&storage);
    assert!(html.starts_with(concat!(
        "<div class=\"toc-macro conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"toc\">",
        "<ul class=\"toc-indentation\"><li><a href=\"#one\">One</a><ul class=\"toc-indentation\"><li><a href=\"#two\">Two</a></li>",
        "<li><a href=\"#three\">Three</a></li></ul></li><li><a href=\"#four\">Four</a></li></ul></div>"
    )), "{html}");
    assert!(html.contains("<h2 id=\"two\">Two</h2>") && html.contains("<h3 id=\"deep\">Deep</h3>"));
    let flat = site(&format!(
        "{}<h1>A</h1><h1>B</h1>",
        structured("toc", &[("type", "flat")], "")
    ));
    assert!(
        flat.starts_with(
            "<div class=\"toc-macro conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"toc\"><a href=\"#a\">A</a> | <a href=\"#b\">B</a></div>"
        ),
        "{flat}"
    );
}

#[test]
fn children_lists_pages_from_the_context() {
    let html = site(&structured("children", &[("all", "true")], ""));
    assert_eq!(
        html,
        concat!(
            "<div class=\"childpages-macro conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"children\">",
            "<ul><li><a href=\"/display/DEV/A\">Child A</a><ul><li>",
            "<a href=\"/display/DEV/Grandchild\">Grandchild</a></li></ul></li><li><a href=\"/display/DEV/B\">Child B</a></li></ul></div>"
        )
    );
    let of_other_page = site(&structured(
        "children",
        &[("page", "<ri:page ri:content-title=\"Other\"/>")],
        "",
    ));
    assert!(
        of_other_page.contains("Other A") && !of_other_page.contains("Grandchild"),
        "{of_other_page}"
    );
    let without_context = render_storage(&structured("children", &[], ""), &NoContext).unwrap();
    assert!(without_context.contains("No child pages"));
}

#[test]
fn status_anchor_and_excerpt() {
    assert_eq!(
        site(&structured(
            "status",
            &[("title", "Done"), ("colour", "Green")],
            ""
        )),
        "<span class=\"status-macro aui-lozenge aui-lozenge-success conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"status\">DONE</span>"
    );
    assert_eq!(
        site(&structured("status", &[("colour", "Purple\" x=\"")], "")),
        "<span class=\"status-macro aui-lozenge conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"status\">GREY</span>"
    );
    assert_eq!(
        site(&structured("anchor", &[("", "here")], "")),
        "<span class=\"confluence-anchor-link conf-macro output-inline\" id=\"here\" data-hasbody=\"false\" data-macro-name=\"anchor\"></span>"
    );
    assert_eq!(
        site(&structured("excerpt", &[], &rich("<p>e</p>"))),
        "<div class=\"cairn-excerpt conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"excerpt\"><p>e</p></div>"
    );
    assert_eq!(
        site(&structured(
            "excerpt",
            &[("hidden", "true")],
            &rich("<p>e</p>")
        )),
        ""
    );
}

#[test]
fn include_renders_other_pages_and_stops_cycles() {
    let include = |title: &str| {
        structured(
            "include",
            &[("", &format!("<ri:page ri:content-title=\"{title}\"/>"))],
            "",
        )
    };
    assert_eq!(
        site(&include("Shared")),
        concat!(
            "<div class=\"cairn-include conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"include\">",
            "<p>shared text</p><h2 id=\"inside\">Inside</h2></div>"
        )
    );
    let looped = site(&include("Loop"));
    assert!(
        looped.contains("loop start") && looped.contains("include: include cycle"),
        "{looped}"
    );
    let self_include = site(&include("Self"));
    assert_eq!(
        self_include.matches("<p>self</p>").count(),
        1,
        "{self_include}"
    );
    assert!(site(&include("Missing")).contains("page \"Missing\" not found"));
    assert!(site(&include("Broken")).contains("cannot be read"));
    let excerpt = site(&structured(
        "excerpt-include",
        &[("", "<ri:page ri:content-title=\"With excerpt\"/>")],
        "",
    ));
    assert_eq!(
        excerpt,
        "<div class=\"cairn-excerpt-include conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"excerpt-include\"><p>the gist</p></div>"
    );
}

#[test]
fn attachments_view_file_and_profile() {
    let attachments = site(&structured("attachments", &[], ""));
    assert!(attachments.contains("<a href=\"/download/attachments/1/report.pdf\">report.pdf</a></td><td>2.0 kB</td><td>Q1 &lt;draft&gt;</td>"), "{attachments}");
    let view_file = site(&structured(
        "view-file",
        &[("name", "<ri:attachment ri:filename=\"deck.pptx\"/>")],
        "",
    ));
    assert_eq!(
        view_file,
        concat!(
            "<span class=\"confluence-embedded-file-wrapper cairn-view-file conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"view-file\">",
            "<a href=\"/download/attachments/1/deck.pptx\" class=\"confluence-attachment-link\">deck.pptx</a></span>"
        )
    );
    let profile = site(&structured(
        "profile",
        &[("user", "<ri:user ri:userkey=\"k1\"/>")],
        "",
    ));
    assert_eq!(
        profile,
        concat!(
            "<div class=\"profile-macro cairn-profile conf-macro output-block\" data-hasbody=\"false\" data-macro-name=\"profile\">",
            "<a href=\"/users/ada\" class=\"confluence-userlink user-mention\">Ada (k1)</a></div>"
        )
    );
}

#[test]
fn jira_renders_as_a_link() {
    assert_eq!(
        site(&structured(
            "jira",
            &[("server", "JIRA"), ("key", "ABC-12")],
            ""
        )),
        concat!(
            "<span class=\"confluence-jim-macro jira-issue conf-macro output-inline\" data-jira-key=\"ABC-12\" data-hasbody=\"false\" data-macro-name=\"jira\">",
            "<a href=\"https://jira.example.com/browse/ABC-12\" class=\"jira-issue-key\">ABC-12</a></span>"
        )
    );
    assert_eq!(
        render_storage(&structured("jira", &[("key", "ABC-12")], ""), &NoContext).unwrap(),
        "<span class=\"confluence-jim-macro jira-issue conf-macro output-inline\" data-jira-key=\"ABC-12\" data-hasbody=\"false\" data-macro-name=\"jira\">ABC-12</span>"
    );
    assert!(
        site(&structured("jira", &[("jqlQuery", "project = ABC")], "")).contains("project = ABC")
    );
}

#[test]
fn unknown_macros_show_their_body_or_their_name() {
    assert_eq!(
        site(&structured("cheese", &[], "")),
        "<span class=\"cairn-unknown-macro conf-macro output-inline\" data-hasbody=\"false\" data-macro-name=\"cheese\">cheese</span>"
    );
    assert_eq!(
        site(&structured("details", &[], &rich("<p>props</p>"))),
        "<div class=\"cairn-macro-body conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"details\"><p>props</p></div>"
    );
    assert_eq!(
        site(
            "<ac:macro ac:name=\"info\"><ac:rich-text-body><p>legacy</p></ac:rich-text-body></ac:macro>"
        ),
        concat!(
            "<div class=\"confluence-information-macro confluence-information-macro-information conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"info\">",
            "<span class=\"aui-icon aui-icon-small aui-iconfont-info confluence-information-macro-icon\"></span>",
            "<div class=\"confluence-information-macro-body\"><p>legacy</p></div></div>"
        )
    );
}

#[test]
fn rendered_html_is_well_formed_xhtml() {
    let storage = format!(
        "<h1>T</h1>{}{}{}<p>a&nbsp;b<br/></p><table><tbody><tr><td>c</td></tr></tbody></table>",
        structured("code", &[("linenumbers", "true")], &plain("x")),
        structured("info", &[], &rich("<p>i</p>")),
        structured("toc", &[], "")
    );
    let html = site(&storage);
    assert!(cairn_format::check_well_formed(&html).is_ok(), "{html}");
}

#[test]
fn links_to_anchors_meet_heading_and_anchor_ids() {
    let html = site(&format!(
        "<h2>Set up &amp; Run</h2>{}<p><ac:link ac:anchor=\"Set up &amp; Run\"/><ac:link ac:anchor=\"My Spot\"><ac:plain-text-link-body><![CDATA[spot]]></ac:plain-text-link-body></ac:link></p>",
        structured("anchor", &[("", "My Spot")], "")
    ));
    assert!(html.contains("<h2 id=\"set-up-run\">"), "{html}");
    assert!(
        html.contains("<span class=\"confluence-anchor-link conf-macro output-inline\" id=\"my-spot\" data-hasbody=\"false\" data-macro-name=\"anchor\"></span>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"#set-up-run\" class=\"confluence-link\">Set up &amp; Run</a>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"#my-spot\" class=\"confluence-link\">spot</a>"),
        "{html}"
    );
}
