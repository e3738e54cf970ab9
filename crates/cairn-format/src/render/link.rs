//! Links, images, emoticons and task lists.

use super::Renderer;
use crate::context::RenderContext;
use crate::extract::{anchor_slug, default_link_text};
use crate::policy::{is_acceptable_number, is_plain_token, is_safe_image_url};
use crate::resource::{AttachmentOwner, Resource, UserTarget};
use crate::tree::NodeRef;

/// Where a resource leads and what it is called when the link has no body.
pub(crate) struct Target {
    pub(crate) url: Option<String>,
    pub(crate) class: &'static str,
    pub(crate) label: String,
}

/// Asks the context where a resource leads.
pub(crate) fn resolve_target(context: &dyn RenderContext, resource: &Resource) -> Target {
    match resource {
        Resource::Page(page) => Target {
            url: context.page_url(page),
            class: "confluence-link",
            label: page.title.clone(),
        },
        Resource::BlogPost {
            space_key,
            title,
            posting_day,
        } => Target {
            url: context.blog_post_url(space_key.as_deref(), title, posting_day.as_deref()),
            class: "confluence-link",
            label: title.clone(),
        },
        Resource::Attachment { filename, owner } => Target {
            url: context.attachment_url(owner.as_ref(), filename),
            class: "confluence-attachment-link",
            label: filename.clone(),
        },
        Resource::User(user) => match context.user(user) {
            Some(display) => Target {
                url: display.profile_url,
                class: "confluence-userlink user-mention",
                label: display.display_name,
            },
            None => Target {
                url: None,
                class: "confluence-userlink user-mention",
                label: match user {
                    UserTarget::Username(name) => name.clone(),
                    UserTarget::Key(_) | UserTarget::AccountId(_) => "unknown user".to_string(),
                },
            },
        },
        Resource::Space { space_key } => Target {
            url: context.space_url(space_key),
            class: "confluence-link",
            label: space_key.clone(),
        },
        Resource::ContentEntity { content_id } => Target {
            url: context.content_url(content_id),
            class: "confluence-link",
            label: content_id.clone(),
        },
        Resource::Url { value } => Target {
            url: Some(value.clone()),
            class: "external-link",
            label: value.clone(),
        },
        Resource::Shortcut { key, parameter } => Target {
            url: context.shortcut_url(key, parameter),
            class: "external-link",
            label: format!("{key}:{parameter}"),
        },
    }
}

impl Renderer<'_> {
    pub(super) fn resolve(&self, resource: &Resource) -> Target {
        resolve_target(self.context, resource)
    }

    /// Writes `<a class href>` (or a `<span>` when the target has no safe URL), the body, and
    /// the closing tag.
    fn anchor_element(&mut self, url: Option<&str>, class: &str, body: impl FnOnce(&mut Self)) {
        let url = url.filter(|url| crate::policy::is_safe_link_url(url));
        if self.inside_link {
            return body(self);
        }
        let element = if url.is_some() { "a" } else { "span" };
        self.raw("<");
        self.raw(element);
        if let Some(url) = url {
            self.href(url);
        }
        let class = if url.is_some() {
            class.to_string()
        } else {
            format!("{class} cairn-unresolved-link")
        };
        self.attribute("class", &class);
        self.raw(">");
        let was_inside_link = self.inside_link;
        self.inside_link = true;
        body(self);
        self.inside_link = was_inside_link;
        self.raw("</");
        self.raw(element);
        self.raw(">");
    }

    pub(super) fn link(&mut self, link: NodeRef<'_>) {
        let resource = Resource::first_child_of(link);
        let anchor = link
            .attribute("ac:anchor")
            .filter(|anchor| !anchor.trim().is_empty())
            .map(|anchor| anchor_slug(&anchor));
        let target = resource.as_ref().map(|resource| self.resolve(resource));
        let url = match (&target, &anchor) {
            (Some(target), Some(anchor)) => {
                target.url.as_ref().map(|url| format!("{url}#{anchor}"))
            }
            (Some(target), None) => target.url.clone(),
            (None, Some(anchor)) => Some(format!("#{anchor}")),
            (None, None) => None,
        };
        let class = target
            .as_ref()
            .map_or("confluence-link", |target| target.class);
        let label = target
            .map(|target| target.label)
            .unwrap_or_else(|| default_link_text(link));
        self.anchor_element(url.as_deref(), class, |renderer| {
            if let Some(body) = link.child_element("ac:link-body") {
                renderer.children(body);
            } else if let Some(body) = link.child_element("ac:plain-text-link-body") {
                renderer.text(&body.text_content());
            } else {
                renderer.text(&label);
            }
        });
    }

    pub(super) fn image(&mut self, image: NodeRef<'_>) {
        let source = match Resource::first_child_of(image) {
            Some(Resource::Url { value }) => Some(value),
            Some(Resource::Attachment { filename, owner }) => {
                self.context.attachment_url(owner.as_ref(), &filename)
            }
            _ => None,
        };
        let alt = image
            .attribute("ac:alt")
            .map(|alt| alt.into_owned())
            .or_else(|| match Resource::first_child_of(image) {
                Some(Resource::Attachment { filename, .. }) => Some(filename),
                _ => None,
            });
        let Some(source) = source.filter(|source| is_safe_image_url(source)) else {
            self.raw("<span class=\"confluence-embedded-file-wrapper cairn-unresolved-image\">");
            self.text(alt.as_deref().unwrap_or("image"));
            self.raw("</span>");
            return;
        };
        let mut class = String::from("confluence-embedded-image");
        if let Some(align) = image
            .attribute("ac:align")
            .filter(|align| is_plain_token(align))
        {
            class.push_str(" image-");
            class.push_str(&align);
        }
        if image.attribute("ac:border").as_deref() == Some("true") {
            class.push_str(" confluence-content-image-border");
        }
        self.raw("<span class=\"confluence-embedded-file-wrapper\"><img");
        self.attribute("class", &class);
        self.attribute("src", &source);
        if let Some(alt) = alt {
            self.attribute("alt", &alt);
        }
        if let Some(title) = image.attribute("ac:title") {
            self.attribute("title", &title);
        }
        for (from, to) in [("ac:width", "width"), ("ac:height", "height")] {
            if let Some(value) = image
                .attribute(from)
                .filter(|value| is_acceptable_number(value))
            {
                self.attribute(to, &value);
            }
        }
        self.raw(" /></span>");
    }

    pub(super) fn emoticon(&mut self, emoticon: NodeRef<'_>) {
        let name = emoticon.attribute("ac:name").unwrap_or_default();
        let symbol = emoticon_symbol(&name)
            .map(str::to_string)
            .or_else(|| {
                emoticon
                    .attribute("ac:emoji-fallback")
                    .map(|fallback| fallback.chars().take(16).collect())
            })
            .unwrap_or_else(|| format!(":{name}:"));
        self.raw("<span class=\"emoticon");
        if is_plain_token(&name) {
            self.raw(" emoticon-");
            self.raw(&name);
        }
        self.raw("\"");
        if !name.is_empty() {
            self.attribute("title", &name);
        }
        self.raw(">");
        self.text(&symbol);
        self.raw("</span>");
    }

    pub(super) fn task_list(&mut self, list: NodeRef<'_>) {
        self.raw("<ul class=\"inline-task-list\">");
        for task in list.children().filter(|child| child.is_named("ac:task")) {
            let complete = task
                .child_element("ac:task-status")
                .is_some_and(|status| status.text_content().trim() == "complete");
            if complete {
                self.raw("<li class=\"checked\"><input type=\"checkbox\" disabled=\"disabled\" checked=\"checked\" /> ");
            } else {
                self.raw("<li><input type=\"checkbox\" disabled=\"disabled\" /> ");
            }
            if let Some(body) = task.child_element("ac:task-body") {
                self.children(body);
            }
            self.raw("</li>");
        }
        self.raw("</ul>");
    }

    /// A link to an attachment, as `view-file` and `attachments` show it.
    pub(super) fn attachment_link(&mut self, owner: Option<&AttachmentOwner>, filename: &str) {
        let url = self.context.attachment_url(owner, filename);
        self.anchor_element(url.as_deref(), "confluence-attachment-link", |renderer| {
            renderer.text(filename)
        });
    }

    /// A link to a user, as `profile` and mentions show it.
    pub(super) fn user_link(&mut self, user: &UserTarget) {
        let target = self.resolve(&Resource::User(user.clone()));
        self.anchor_element(target.url.as_deref(), target.class, |renderer| {
            renderer.text(&target.label)
        });
    }
}

/// The emoji Confluence shows for its named emoticons.
fn emoticon_symbol(name: &str) -> Option<&'static str> {
    let symbol = match name {
        "smile" => "🙂",
        "sad" => "🙁",
        "cheeky" => "😛",
        "laugh" => "😀",
        "wink" => "😉",
        "thumbs-up" => "👍",
        "thumbs-down" => "👎",
        "information" => "ℹ️",
        "tick" => "✅",
        "cross" => "❌",
        "warning" => "⚠️",
        "plus" => "➕",
        "minus" => "➖",
        "question" => "❓",
        "light-on" => "💡",
        "light-off" => "🌑",
        "yellow-star" => "⭐",
        "red-star" | "green-star" | "blue-star" => "★",
        "heart" => "❤️",
        "broken-heart" => "💔",
        _ => return None,
    };
    Some(symbol)
}

#[cfg(test)]
mod tests {
    use crate::UserDisplay;
    use crate::context::{NoContext, RenderContext};
    use crate::render::render_storage;
    use crate::resource::{AttachmentOwner, PageTarget, UserTarget};

    fn render(storage: &str) -> String {
        render_storage(storage, &NoContext).expect("well-formed")
    }

    struct Site;

    impl RenderContext for Site {
        fn current_space_key(&self) -> Option<&str> {
            Some("DEV")
        }
        fn attachment_url(
            &self,
            owner: Option<&AttachmentOwner>,
            filename: &str,
        ) -> Option<String> {
            let page = match owner {
                Some(AttachmentOwner::Page(PageTarget { title, .. })) => title.as_str(),
                _ => "current",
            };
            Some(format!("/download/attachments/{page}/{filename}"))
        }
        fn user(&self, user: &UserTarget) -> Option<UserDisplay> {
            Some(UserDisplay {
                display_name: format!("User {}", user.value()),
                profile_url: Some("/users/1".into()),
            })
        }
        fn shortcut_url(&self, key: &str, parameter: &str) -> Option<String> {
            (key == "jira").then(|| format!("https://jira.example.com/browse/{parameter}"))
        }
    }

    #[test]
    fn page_links_use_the_context_and_bodies() {
        let storage = concat!(
            "<ac:link><ri:page ri:content-title=\"Home Page\"/></ac:link>",
            "<ac:link ac:anchor=\"sec\"><ri:page ri:space-key=\"OPS\" ri:content-title=\"Run\"/>",
            "<ac:plain-text-link-body><![CDATA[a < b]]></ac:plain-text-link-body></ac:link>",
            "<ac:link><ri:page ri:content-title=\"X\"/><ac:link-body><em>rich</em><a href=\"/y\">nested</a></ac:link-body></ac:link>"
        );
        assert_eq!(
            render_storage(storage, &Site).expect("ok"),
            concat!(
                "<a href=\"/display/DEV/Home+Page\" class=\"confluence-link\">Home Page</a>",
                "<a href=\"/display/OPS/Run#sec\" class=\"confluence-link\">a &lt; b</a>",
                "<a href=\"/display/DEV/X\" class=\"confluence-link\"><em>rich</em>nested</a>"
            )
        );
        assert_eq!(
            render("<ac:link><ri:page ri:content-title=\"Home\"/></ac:link>"),
            "<span class=\"confluence-link cairn-unresolved-link\">Home</span>"
        );
    }

    #[test]
    fn every_resource_kind_renders_a_link() {
        let storage = concat!(
            "<ac:link><ri:blog-post ri:space-key=\"K\" ri:content-title=\"News\" ri:posting-day=\"2024/01/31\"/></ac:link>",
            "<ac:link><ri:attachment ri:filename=\"a b.pdf\"/></ac:link>",
            "<ac:link><ri:user ri:userkey=\"abc\"/></ac:link>",
            "<ac:link><ri:space ri:space-key=\"OPS\"/></ac:link>",
            "<ac:link><ri:content-entity ri:content-id=\"42\"/></ac:link>",
            "<ac:link><ri:url ri:value=\"https://example.com/\"/></ac:link>",
            "<ac:link><ri:shortcut ri:key=\"jira\" ri:parameter=\"ABC-1\"/></ac:link>",
            "<ac:link ac:anchor=\"top\"/>"
        );
        let html = render_storage(storage, &Site).expect("ok");
        for expected in [
            "href=\"/display/K/2024/01/31/News\"",
            "href=\"/download/attachments/current/a b.pdf\" class=\"confluence-attachment-link\">a b.pdf</a>",
            "href=\"/users/1\" class=\"confluence-userlink user-mention\">User abc</a>",
            "href=\"/display/OPS\"",
            "href=\"/pages/viewpage.action?pageId=42\"",
            "href=\"https://example.com/\" class=\"external-link\">https://example.com/</a>",
            "href=\"https://jira.example.com/browse/ABC-1\"",
            "href=\"#top\" class=\"confluence-link\">top</a>",
        ] {
            assert!(html.contains(expected), "{expected} missing from {html}");
        }
    }

    #[test]
    fn unsafe_url_resources_render_without_href() {
        assert_eq!(
            render("<ac:link><ri:url ri:value=\"javascript:alert(1)\"/></ac:link>"),
            "<span class=\"external-link cairn-unresolved-link\">javascript:alert(1)</span>"
        );
    }

    #[test]
    fn images_from_attachments_and_urls() {
        let storage = concat!(
            "<ac:image ac:alt=\"Logo\" ac:width=\"200\" ac:height=\"1e9\" ac:align=\"center\"><ri:attachment ri:filename=\"logo.png\"/></ac:image>",
            "<ac:image><ri:url ri:value=\"https://example.com/x.png\"/></ac:image>",
            "<ac:image><ri:url ri:value=\"javascript:alert(1)\"/></ac:image>"
        );
        assert_eq!(
            render_storage(storage, &Site).expect("ok"),
            concat!(
                "<span class=\"confluence-embedded-file-wrapper\"><img class=\"confluence-embedded-image image-center\" src=\"/download/attachments/current/logo.png\" alt=\"Logo\" width=\"200\" /></span>",
                "<span class=\"confluence-embedded-file-wrapper\"><img class=\"confluence-embedded-image\" src=\"https://example.com/x.png\" /></span>",
                "<span class=\"confluence-embedded-file-wrapper cairn-unresolved-image\">image</span>"
            )
        );
    }

    #[test]
    fn emoticons_and_tasks() {
        assert_eq!(
            render(
                "<ac:emoticon ac:name=\"tick\"/><ac:emoticon ac:name=\"blue-star\" ac:emoji-fallback=\"x\"/>"
            ),
            "<span class=\"emoticon emoticon-tick\" title=\"tick\">✅</span><span class=\"emoticon emoticon-blue-star\" title=\"blue-star\">★</span>"
        );
        let html = render(concat!(
            "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status>",
            "<ac:task-body>Done</ac:task-body></ac:task><ac:task><ac:task-id>2</ac:task-id>",
            "<ac:task-status>incomplete</ac:task-status><ac:task-body>Todo</ac:task-body></ac:task></ac:task-list>"
        ));
        assert_eq!(
            html,
            concat!(
                "<ul class=\"inline-task-list\"><li class=\"checked\"><input type=\"checkbox\" disabled=\"disabled\" checked=\"checked\" /> Done</li>",
                "<li><input type=\"checkbox\" disabled=\"disabled\" /> Todo</li></ul>"
            )
        );
    }
}
