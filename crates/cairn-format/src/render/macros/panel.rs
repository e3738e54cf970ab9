//! Macros that frame their body: the information macros (info, tip, note, warning), panel and
//! expand, in Confluence's markup.

use super::MacroView;
use crate::policy::filter_style;
use crate::render::Renderer;

/// The four information macros. Confluence names their classes and icons after what they mean,
/// not after the macro: `info` is `…-information`, a note shows a warning sign and a warning an
/// error sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InformationMacro {
    Info,
    Tip,
    Note,
    Warning,
}

impl InformationMacro {
    fn class(self) -> &'static str {
        match self {
            InformationMacro::Info => "confluence-information-macro-information",
            InformationMacro::Tip => "confluence-information-macro-tip",
            InformationMacro::Note => "confluence-information-macro-note",
            InformationMacro::Warning => "confluence-information-macro-warning",
        }
    }

    fn icon_class(self) -> &'static str {
        match self {
            InformationMacro::Info => "aui-iconfont-info",
            InformationMacro::Tip => "aui-iconfont-approve",
            InformationMacro::Note => "aui-iconfont-warning",
            InformationMacro::Warning => "aui-iconfont-error",
        }
    }
}

impl Renderer<'_> {
    pub(super) fn information_macro(&mut self, view: &MacroView<'_>, kind: InformationMacro) {
        let show_icon = view.text("icon").as_deref() != Some("false");
        self.raw("<div class=\"confluence-information-macro ");
        if !show_icon {
            self.raw("has-no-icon ");
        }
        self.raw(kind.class());
        self.raw(" conf-macro output-block\"");
        self.macro_attributes(view);
        self.raw(">");
        if let Some(title) = view.text("title") {
            self.raw("<p class=\"title\">");
            self.text(&title);
            self.raw("</p>");
        }
        if show_icon {
            self.raw("<span class=\"aui-icon aui-icon-small ");
            self.raw(kind.icon_class());
            self.raw(" confluence-information-macro-icon\"></span>");
        }
        self.body_in(
            view,
            "<div class=\"confluence-information-macro-body\">",
            "</div>",
        );
        self.raw("</div>");
    }

    pub(super) fn panel_macro(&mut self, view: &MacroView<'_>) {
        let background = view
            .text("bgColor")
            .and_then(|colour| filter_style(&format!("background-color: {colour};")));
        let panel_style = match &background {
            Some(background) => format!("{background} border-width: 1px;"),
            None => "border-width: 1px;".to_string(),
        };
        self.raw("<div class=\"panel conf-macro output-block\"");
        self.attribute("style", &panel_style);
        self.macro_attributes(view);
        self.raw(">");
        if let Some(title) = view.text("title") {
            self.raw("<div class=\"panelHeader\" style=\"border-bottom-width: 1px;\"><b>");
            self.text(&title);
            self.raw("</b></div>");
        }
        self.raw("<div class=\"panelContent\"");
        if let Some(background) = &background {
            self.attribute("style", background);
        }
        self.raw(">");
        if let Some(body) = view.rich_body() {
            self.children(body);
        }
        self.raw("</div></div>");
    }

    /// Confluence's expand container with its control and content; inside, `details` and
    /// `summary` let the reader open it without any script.
    pub(super) fn expand_macro(&mut self, view: &MacroView<'_>) {
        self.raw("<div class=\"expand-container conf-macro output-block\"");
        self.macro_attributes(view);
        self.raw(
            "><details><summary class=\"expand-control\"><span class=\"expand-control-text\">",
        );
        self.text(
            view.text("title")
                .as_deref()
                .unwrap_or("Click here to expand..."),
        );
        self.raw("</span></summary>");
        self.body_in(view, "<div class=\"expand-content\">", "</div>");
        self.raw("</details></div>");
    }
}

#[cfg(test)]
mod tests {
    use crate::context::NoContext;
    use crate::render::render_storage;

    fn render(name: &str, parameters: &[(&str, &str)]) -> String {
        let mut storage = format!("<ac:structured-macro ac:name=\"{name}\">");
        for (parameter, value) in parameters {
            storage.push_str(&format!(
                "<ac:parameter ac:name=\"{parameter}\">{value}</ac:parameter>"
            ));
        }
        storage
            .push_str("<ac:rich-text-body><p>Body</p></ac:rich-text-body></ac:structured-macro>");
        render_storage(&storage, &NoContext).unwrap()
    }

    #[test]
    fn each_information_macro_has_confluence_s_class_and_icon() {
        for (name, class, icon) in [
            ("info", "information", "info"),
            ("tip", "tip", "approve"),
            ("note", "note", "warning"),
            ("warning", "warning", "error"),
        ] {
            assert_eq!(
                render(name, &[]),
                format!(
                    "<div class=\"confluence-information-macro confluence-information-macro-{class} conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"{name}\"><span class=\"aui-icon aui-icon-small aui-iconfont-{icon} confluence-information-macro-icon\"></span><div class=\"confluence-information-macro-body\"><p>Body</p></div></div>"
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn an_information_macro_title_comes_before_the_icon() {
        assert_eq!(
            render("note", &[("title", "Mind &lt;this&gt;")]),
            "<div class=\"confluence-information-macro confluence-information-macro-note conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"note\"><p class=\"title\">Mind &lt;this&gt;</p><span class=\"aui-icon aui-icon-small aui-iconfont-warning confluence-information-macro-icon\"></span><div class=\"confluence-information-macro-body\"><p>Body</p></div></div>"
        );
    }

    #[test]
    fn without_its_icon_an_information_macro_says_so_in_its_class() {
        assert_eq!(
            render("tip", &[("icon", "false"), ("title", "T")]),
            "<div class=\"confluence-information-macro has-no-icon confluence-information-macro-tip conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"tip\"><p class=\"title\">T</p><div class=\"confluence-information-macro-body\"><p>Body</p></div></div>"
        );
    }

    #[test]
    fn the_legacy_macro_element_renders_the_same() {
        let html = render_storage(
            "<ac:macro ac:name=\"INFO\"><ac:rich-text-body><p>legacy</p></ac:rich-text-body></ac:macro>",
            &NoContext,
        )
        .unwrap();
        assert!(
            html.starts_with("<div class=\"confluence-information-macro confluence-information-macro-information conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"info\">"),
            "{html}"
        );
    }

    #[test]
    fn panels_keep_their_sanitised_background_colour() {
        assert_eq!(
            render("panel", &[("title", "P"), ("bgColor", "#ffeeee")]),
            concat!(
                "<div class=\"panel conf-macro output-block\" style=\"background-color: #ffeeee; border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"panel\">",
                "<div class=\"panelHeader\" style=\"border-bottom-width: 1px;\"><b>P</b></div>",
                "<div class=\"panelContent\" style=\"background-color: #ffeeee;\"><p>Body</p></div></div>"
            )
        );
        assert_eq!(
            render("panel", &[]),
            "<div class=\"panel conf-macro output-block\" style=\"border-width: 1px;\" data-hasbody=\"true\" data-macro-name=\"panel\"><div class=\"panelContent\"><p>Body</p></div></div>"
        );
        let hostile = render(
            "panel",
            &[("bgColor", "red;background:url(javascript:x)\" onclick=\"y")],
        );
        assert!(
            !hostile.contains("url") && !hostile.contains("onclick"),
            "{hostile}"
        );
    }

    #[test]
    fn expand_is_confluence_s_container_around_a_details_element() {
        assert_eq!(
            render("expand", &[("title", "More")]),
            concat!(
                "<div class=\"expand-container conf-macro output-block\" data-hasbody=\"true\" data-macro-name=\"expand\">",
                "<details><summary class=\"expand-control\"><span class=\"expand-control-text\">More</span></summary>",
                "<div class=\"expand-content\"><p>Body</p></div></details></div>"
            )
        );
        assert!(render("expand", &[]).contains("Click here to expand..."));
    }
}
