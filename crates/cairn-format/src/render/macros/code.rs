//! The code block and noformat macros in Confluence's markup.
//!
//! A code block is a `code panel` whose `pre.syntaxhighlighter-pre` holds the code as escaped text
//! and, in `data-syntaxhighlighter-params`, the options Confluence hands its SyntaxHighlighter
//! (`brush: java; gutter: false; theme: Confluence`). Converters read the language from `brush`;
//! Cairn's page script reads `gutter`, `first-line` and `collapse` to number lines and fold code,
//! as Confluence does in the browser.

use super::MacroView;
use crate::render::Renderer;

/// The brush Confluence writes when a code block names no language, or one it does not know: its
/// documented default language, Java.
const DEFAULT_BRUSH: &str = "java";

/// Confluence's default theme for code blocks.
const DEFAULT_THEME: &str = "Confluence";

/// Language names Confluence's code macro knows (the names and aliases of its built-in brushes),
/// lowercase. Confluence writes any of them into `brush` as given; others become the default.
const KNOWN_BRUSHES: &[&str] = &[
    "actionscript3",
    "as3",
    "applescript",
    "bash",
    "shell",
    "sh",
    "c#",
    "c-sharp",
    "csharp",
    "coldfusion",
    "cf",
    "cpp",
    "c",
    "css",
    "delphi",
    "pascal",
    "pas",
    "diff",
    "patch",
    "erl",
    "erlang",
    "groovy",
    "java",
    "jfx",
    "javafx",
    "js",
    "jscript",
    "javascript",
    "perl",
    "pl",
    "php",
    "text",
    "plain",
    "powershell",
    "ps",
    "py",
    "python",
    "ruby",
    "rails",
    "ror",
    "rb",
    "sass",
    "scss",
    "scala",
    "sql",
    "vb",
    "vbnet",
    "xml",
    "xhtml",
    "xslt",
    "html",
    "yaml",
    "yml",
];

/// The themes of Confluence's code macro, spelled as Confluence spells them.
const THEMES: &[&str] = &[
    "Confluence",
    "Default",
    "DJango",
    "Eclipse",
    "Emacs",
    "FadeToGrey",
    "Midnight",
    "RDark",
];

/// The brush for a code block's `language` parameter, as Confluence chooses it: a known language
/// in lowercase, `plain` for `none`, `actionscript3` for `actionscript`, and Java for anything else.
/// Only names from [`KNOWN_BRUSHES`] come out, so the value needs no further checking.
fn brush_for(language: Option<&str>) -> &'static str {
    let Some(language) = language else {
        return DEFAULT_BRUSH;
    };
    let lowercase = language.to_ascii_lowercase();
    let alias = match lowercase.as_str() {
        "none" => "plain",
        "actionscript" => "actionscript3",
        "html/xml" => "xml",
        other => other,
    };
    KNOWN_BRUSHES
        .iter()
        .find(|known| **known == alias)
        .copied()
        .unwrap_or(DEFAULT_BRUSH)
}

/// The theme for a code block's `theme` parameter, matched without regard to case; Confluence's
/// default for a missing or unknown one.
fn theme_for(theme: Option<&str>) -> &'static str {
    theme
        .and_then(|theme| {
            THEMES
                .iter()
                .find(|known| known.eq_ignore_ascii_case(theme))
                .copied()
        })
        .unwrap_or(DEFAULT_THEME)
}

/// `data-syntaxhighlighter-params`, with the options in the order Confluence writes them.
fn syntax_highlighter_params(view: &MacroView<'_>, theme: &str) -> String {
    let brush = brush_for(view.text("language").as_deref());
    let gutter = view.flag("linenumbers");
    let mut params = format!("brush: {brush}; gutter: {gutter}");
    if let Some(first_line) = view
        .text("firstline")
        .and_then(|line| line.parse::<i64>().ok())
    {
        params.push_str(&format!("; first-line: {first_line}"));
    }
    params.push_str(&format!("; theme: {theme}"));
    if view.flag("collapse") {
        params.push_str("; collapse: true");
    }
    params
}

impl Renderer<'_> {
    pub(super) fn code_macro(&mut self, view: &MacroView<'_>) {
        let code = view.plain_body().unwrap_or_default();
        let title = view.text("title");
        let collapse = view.flag("collapse");
        let theme = theme_for(view.text("theme").as_deref());
        self.raw(
            "<div class=\"code panel pdl conf-macro output-block\" style=\"border-width: 1px;\"",
        );
        self.macro_attributes(view);
        self.raw(">");
        // Confluence gives a collapsible block a header even without a title, to hold the control
        // that unfolds it; the control stays hidden until the page script makes it work.
        if collapse {
            self.raw("<div class=\"codeHeader panelHeader pdl hide-border-bottom\"><b class=\"code-title\">");
            self.text(title.as_deref().unwrap_or_default());
            self.raw(concat!(
                "</b><span class=\"collapse-source expand-control\" style=\"display:none;\">",
                "<span class=\"expand-control-icon icon\">&nbsp;</span>",
                "<span class=\"expand-control-text\">Expand source</span></span>",
                "<span class=\"collapse-spinner-wrapper\"></span></div>",
                "<div class=\"codeContent panelContent pdl hide-toolbar\">"
            ));
        } else {
            if let Some(title) = &title {
                self.raw("<div class=\"codeHeader panelHeader pdl\" style=\"border-bottom-width: 1px;\"><b>");
                self.text(title);
                self.raw("</b></div>");
            }
            self.raw("<div class=\"codeContent panelContent pdl\">");
        }
        self.raw("<pre class=\"syntaxhighlighter-pre\"");
        self.attribute(
            "data-syntaxhighlighter-params",
            &syntax_highlighter_params(view, theme),
        );
        self.attribute("data-theme", theme);
        self.raw(">");
        self.text(&code);
        self.raw("</pre></div></div>");
    }

    pub(super) fn noformat_macro(&mut self, view: &MacroView<'_>) {
        let text = match view.plain_body() {
            Some(text) => text,
            None => view
                .rich_body()
                .map(|body| body.text_content())
                .unwrap_or_default(),
        };
        self.raw("<div class=\"preformatted panel conf-macro output-block\" style=\"border-width: 1px;\"");
        self.macro_attributes(view);
        self.raw(">");
        if let Some(title) = view.text("title") {
            self.raw("<div class=\"preformattedHeader panelHeader\" style=\"border-bottom-width: 1px;\"><b>");
            self.text(&title);
            self.raw("</b></div>");
        }
        self.raw("<div class=\"preformattedContent panelContent\"><pre>");
        self.text(&text);
        self.raw("</pre></div></div>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoContext;
    use crate::render::render_storage;

    fn code(parameters: &[(&str, &str)], body: &str) -> String {
        let mut storage = String::from("<ac:structured-macro ac:name=\"code\">");
        for (name, value) in parameters {
            storage.push_str(&format!(
                "<ac:parameter ac:name=\"{name}\">{value}</ac:parameter>"
            ));
        }
        storage.push_str(&format!(
            "<ac:plain-text-body><![CDATA[{body}]]></ac:plain-text-body></ac:structured-macro>"
        ));
        render_storage(&storage, &NoContext).unwrap()
    }

    #[test]
    fn a_plain_code_block_is_a_java_panel_like_confluence_writes() {
        assert_eq!(
            code(&[], "if (a < b && c) {}"),
            concat!(
                "<div class=\"code panel pdl conf-macro output-block\" style=\"border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"code\">",
                "<div class=\"codeContent panelContent pdl\">",
                "<pre class=\"syntaxhighlighter-pre\" data-syntaxhighlighter-params=\"brush: java; gutter: false; theme: Confluence\" data-theme=\"Confluence\">",
                "if (a &lt; b &amp;&amp; c) {}</pre></div></div>"
            )
        );
    }

    #[test]
    fn the_language_becomes_the_brush() {
        let html = code(&[("language", "Python")], "x = 1");
        assert!(
            html.contains(
                "data-syntaxhighlighter-params=\"brush: python; gutter: false; theme: Confluence\""
            ),
            "{html}"
        );
        for (language, brush) in [
            ("py", "py"),
            ("bash", "bash"),
            ("c#", "c#"),
            ("none", "plain"),
            ("actionscript", "actionscript3"),
            ("html/xml", "xml"),
            ("js", "js"),
        ] {
            assert_eq!(brush_for(Some(language)), brush, "{language}");
        }
    }

    #[test]
    fn unknown_or_missing_languages_fall_back_to_java_as_in_confluence() {
        assert_eq!(brush_for(None), "java");
        assert_eq!(brush_for(Some("rust")), "java");
        assert_eq!(brush_for(Some("x\" onclick=\"y")), "java");
        let hostile = code(
            &[("language", "java\"&gt;&lt;script&gt;x&lt;/script&gt;")],
            "z",
        );
        assert!(
            !hostile.contains("<script") && hostile.contains("brush: java;"),
            "{hostile}"
        );
    }

    #[test]
    fn a_title_gets_confluence_s_code_header() {
        assert_eq!(
            code(&[("title", "main.rs &lt;1&gt;"), ("language", "java")], "x"),
            concat!(
                "<div class=\"code panel pdl conf-macro output-block\" style=\"border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"code\">",
                "<div class=\"codeHeader panelHeader pdl\" style=\"border-bottom-width: 1px;\"><b>main.rs &lt;1&gt;</b></div>",
                "<div class=\"codeContent panelContent pdl\">",
                "<pre class=\"syntaxhighlighter-pre\" data-syntaxhighlighter-params=\"brush: java; gutter: false; theme: Confluence\" data-theme=\"Confluence\">",
                "x</pre></div></div>"
            )
        );
    }

    #[test]
    fn line_numbers_turn_the_gutter_on_from_the_first_line() {
        let html = code(&[("linenumbers", "true"), ("firstline", "0010")], "a\nb");
        assert!(
            html.contains("data-syntaxhighlighter-params=\"brush: java; gutter: true; first-line: 10; theme: Confluence\""),
            "{html}"
        );
        assert!(
            html.contains(">a\nb</pre>"),
            "the code stays plain text: {html}"
        );
        let without_start = code(&[("linenumbers", "true"), ("firstline", "ten")], "a");
        assert!(
            without_start.contains("\"brush: java; gutter: true; theme: Confluence\""),
            "{without_start}"
        );
    }

    #[test]
    fn collapsed_blocks_get_the_expand_control_and_the_collapse_option() {
        assert_eq!(
            code(
                &[("collapse", "true"), ("title", "Log"), ("language", "bash")],
                "x"
            ),
            concat!(
                "<div class=\"code panel pdl conf-macro output-block\" style=\"border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"code\">",
                "<div class=\"codeHeader panelHeader pdl hide-border-bottom\"><b class=\"code-title\">Log</b>",
                "<span class=\"collapse-source expand-control\" style=\"display:none;\"><span class=\"expand-control-icon icon\">&nbsp;</span>",
                "<span class=\"expand-control-text\">Expand source</span></span><span class=\"collapse-spinner-wrapper\"></span></div>",
                "<div class=\"codeContent panelContent pdl hide-toolbar\">",
                "<pre class=\"syntaxhighlighter-pre\" data-syntaxhighlighter-params=\"brush: bash; gutter: false; theme: Confluence; collapse: true\" data-theme=\"Confluence\">",
                "x</pre></div></div>"
            )
        );
        let untitled = code(&[("collapse", "true")], "x");
        assert!(
            untitled.contains(
                "<b class=\"code-title\"></b><span class=\"collapse-source expand-control\""
            ),
            "{untitled}"
        );
    }

    #[test]
    fn themes_are_confluence_s_and_default_to_confluence() {
        let html = code(&[("theme", "midnight")], "x");
        assert!(
            html.contains("theme: Midnight\" data-theme=\"Midnight\""),
            "{html}"
        );
        assert_eq!(theme_for(Some("FadeToGrey")), "FadeToGrey");
        assert_eq!(theme_for(Some("Solarized")), "Confluence");
        assert_eq!(theme_for(Some("\"><x")), "Confluence");
        assert_eq!(theme_for(None), "Confluence");
    }

    #[test]
    fn noformat_is_a_preformatted_panel() {
        let storage = "<ac:structured-macro ac:name=\"noformat\"><ac:plain-text-body><![CDATA[<b>not bold</b>]]></ac:plain-text-body></ac:structured-macro>";
        assert_eq!(
            render_storage(storage, &NoContext).unwrap(),
            concat!(
                "<div class=\"preformatted panel conf-macro output-block\" style=\"border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"noformat\">",
                "<div class=\"preformattedContent panelContent\"><pre>&lt;b&gt;not bold&lt;/b&gt;</pre></div></div>"
            )
        );
        let titled = "<ac:structured-macro ac:name=\"noformat\"><ac:parameter ac:name=\"title\">Out</ac:parameter><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body></ac:structured-macro>";
        assert!(render_storage(titled, &NoContext).unwrap().contains(
            "<div class=\"preformattedHeader panelHeader\" style=\"border-bottom-width: 1px;\"><b>Out</b></div>"
        ));
    }
}
