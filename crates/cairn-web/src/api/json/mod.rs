//! Fills in the REST API's typed responses (`view`) as Confluence Server does (see
//! docs/confluence-compat.md): content, spaces, users, versions, history and paged lists, with
//! `expand` and `_expandable`. A [`JsonBuilder`] serves one request and loads what a list needs in
//! batches (`JsonBuilder::preload`), so a list of fifty pages costs a few queries, not fifty.

mod annotations;
mod lookup;

use cairn_store::{Listed, Window};
use std::collections::BTreeSet;
use std::sync::Mutex;

use cairn_core::{Content, ContentId, ContentType, ContentVersion, Space, User, UserId};

use super::view::{
    BodyView, ChildrenView, CommentExtensions, Container, ContentExtensions, ContentStub,
    ContentView, Expandable, HistoryView, Links, MetadataView, PageExtensions, PagedList, Position,
    ProfilePicture, Represented, SpaceDescription, SpaceView, UserView, VersionView, links,
};
use crate::AppState;
use crate::error::ApiError;
use crate::links::{comment_webui_path, encode_component, tiny_path, webui_path};
use crate::render;
use crate::time_format::{friendly_from_ms, iso_from_ms, now_ms};

/// The `expand` parameter: dotted paths, where asking for `a.b` implies `a`.
#[derive(Debug, Clone, Default)]
pub struct Expand {
    paths: BTreeSet<String>,
}

impl Expand {
    pub fn parse(text: Option<&str>) -> Expand {
        let paths = text
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|path| !path.is_empty() && *path != "None")
            .map(str::to_string)
            .collect();
        Expand { paths }
    }

    /// True when `path` or anything below it was asked for.
    pub fn has(&self, path: &str) -> bool {
        self.paths.iter().any(|asked| {
            asked == path
                || (asked.starts_with(path) && asked.as_bytes().get(path.len()) == Some(&b'.'))
        })
    }

    /// The expansions below `prefix.`, for nested objects.
    pub fn below(&self, prefix: &str) -> Expand {
        let lead = format!("{prefix}.");
        Expand {
            paths: self
                .paths
                .iter()
                .filter_map(|path| path.strip_prefix(&lead))
                .map(str::to_string)
                .collect(),
        }
    }
}

pub use crate::request::{MAX_START, Paging, QueryPairs};

/// Confluence's paged list: `results`, `start`, `limit`, `size`, and `_links` with a relative `next`
/// present exactly when more items exist.
pub fn paged_list<T>(
    results: Vec<T>,
    paging: Paging,
    has_more: bool,
    base: &str,
    path: &str,
    query: &QueryPairs,
) -> PagedList<T> {
    let mut list_links = links([
        ("base", base.to_string()),
        ("context", String::new()),
        ("self", format!("{base}{path}")),
    ]);
    if has_more {
        let next = format!(
            "{path}?{}",
            query.with_window(paging.start + paging.limit, paging.limit)
        );
        list_links.insert("next", next);
    }
    if paging.start > 0 {
        let previous_start = (paging.start - paging.limit).max(0);
        list_links.insert(
            "prev",
            format!("{path}?{}", query.with_window(previous_start, paging.limit)),
        );
    }
    PagedList {
        size: results.len(),
        results,
        start: paging.start,
        limit: paging.limit,
        links: list_links,
    }
}

/// `_expandable` entries whose link is empty.
fn unexpanded(names: &[&'static str]) -> Expandable {
    names.iter().map(|name| (*name, String::new())).collect()
}

/// A body to show, with what rendering needs to know about its page.
struct BodyOf<'a> {
    id: ContentId,
    storage: &'a str,
    space_key: &'a str,
    title: &'a str,
    /// The page's children for its `children` macros (empty when it has none).
    children: &'a [cairn_format::ChildPage],
    /// The people it mentions.
    people: &'a crate::people::People,
}

/// Builds the typed responses of one request, remembering what it looked up: a list preloads what
/// its items need in a few batched queries ([`JsonBuilder::preload`]).
pub struct JsonBuilder<'a> {
    pub state: &'a AppState,
    pub base: String,
    /// Whose view: expansions (children) leave out what this user may not see.
    pub viewer: UserId,
    looked: Mutex<lookup::Looked>,
}

impl<'a> JsonBuilder<'a> {
    pub fn new(state: &'a AppState, base: String, viewer: UserId) -> JsonBuilder<'a> {
        JsonBuilder {
            state,
            base,
            viewer,
            looked: Mutex::new(lookup::Looked::default()),
        }
    }

    /// Confluence Server's user object; a deleted user shows as an unknown user.
    pub fn user_view(&self, user: Option<&User>) -> UserView {
        match user {
            Some(user) => UserView {
                kind: "known",
                username: Some(user.username.clone()),
                user_key: Some(user.user_key.clone()),
                profile_picture: ProfilePicture::default_for(
                    "/images/icons/profilepics/default.svg",
                ),
                display_name: user.display_name.clone(),
                status: None,
                links: links([(
                    "self",
                    format!("{}/rest/api/user?key={}", self.base, user.user_key),
                )]),
                expandable: Some(unexpanded(&["status"])),
            },
            None => UserView {
                kind: "unknown",
                username: Some("unknown".to_string()),
                user_key: None,
                profile_picture: ProfilePicture::default_for(
                    "/images/icons/profilepics/default.svg",
                ),
                display_name: "Unknown user".to_string(),
                status: None,
                links: Links::new(),
                expandable: Some(Expandable::new()),
            },
        }
    }

    pub async fn user_view_by_id(&self, id: UserId) -> Result<UserView, ApiError> {
        let user = self.user(id).await?;
        Ok(self.user_view(user.as_ref()))
    }

    /// The space object; `expand` may ask for `description.plain`, `homepage`.
    pub async fn space_view(&self, space: &Space, expand: &Expand) -> Result<SpaceView, ApiError> {
        let key = space.key.as_str();
        let mut expandable = unexpanded(&[
            "icon",
            "retentionPolicy",
            "lookAndFeel",
            "permissions",
            "settings",
        ]);
        let description = if expand.has("description") {
            Some(SpaceDescription {
                plain: Represented {
                    value: space.description.clone(),
                    representation: "plain",
                    expandable: None,
                },
                expandable: unexpanded(&["view"]),
            })
        } else {
            expandable.insert("description", String::new());
            None
        };
        let metadata = if expand.has("metadata") {
            Some(self.space_metadata(space).await?)
        } else {
            expandable.insert("metadata", String::new());
            None
        };
        let mut homepage_view = None;
        match space.homepage_id {
            Some(homepage_id) if expand.has("homepage") => {
                let homepage = self.state.store.find_content(homepage_id).await?;
                // A restricted home page stays out of the space for those who may not read it.
                let readable = match &homepage {
                    Some(homepage) => {
                        crate::access::can_view(self.state, self.viewer, homepage).await?
                    }
                    None => false,
                };
                if let Some(homepage) = homepage.filter(|_| readable) {
                    let nested =
                        Box::pin(self.content_view(&homepage, &expand.below("homepage"))).await?;
                    homepage_view = Some(Box::new(nested));
                }
            }
            Some(homepage_id) => {
                expandable.insert("homepage", format!("/rest/api/content/{homepage_id}"));
            }
            None => {}
        }
        Ok(SpaceView {
            id: space.id.0,
            key: key.to_string(),
            name: space.name.clone(),
            space_type: space.space_type.as_str(),
            status: space.status.as_str(),
            description,
            homepage: homepage_view,
            metadata,
            links: links([
                ("webui", format!("/display/{}", encode_component(key))),
                (
                    "self",
                    format!("{}/rest/api/space/{}", self.base, encode_component(key)),
                ),
                ("base", self.base.clone()),
                ("context", String::new()),
            ]),
            expandable,
        })
    }

    /// A version object for the latest version of `content`.
    pub async fn current_version_view(&self, content: &Content) -> Result<VersionView, ApiError> {
        Ok(self.version_view(
            content.id,
            content.version,
            self.user_view_by_id(content.last_modifier_id).await?,
            content.last_modified_ms,
            &content.version_message,
            content.minor_edit,
        ))
    }

    /// A version object for a stored version.
    pub async fn stored_version_view(
        &self,
        version: &ContentVersion,
    ) -> Result<VersionView, ApiError> {
        Ok(self.version_view(
            version.content_id,
            version.number,
            self.user_view_by_id(version.author_id).await?,
            version.created_ms,
            &version.message,
            version.minor_edit,
        ))
    }

    /// A version of an attachment in the same shape as a content version.
    pub async fn attachment_version_view(
        &self,
        version: &cairn_core::AttachmentVersion,
    ) -> Result<VersionView, ApiError> {
        Ok(self.version_view(
            version.attachment_id,
            version.number,
            self.user_view_by_id(version.author_id).await?,
            version.created_ms,
            &version.comment,
            version.minor_edit,
        ))
    }

    /// A version of `id` (as clients name it: digits, or `att…` for attachments).
    pub fn version_view_of(
        &self,
        id: &str,
        number: i32,
        by: UserView,
        when_ms: i64,
        message: &str,
        minor_edit: bool,
    ) -> VersionView {
        VersionView {
            by,
            when: iso_from_ms(when_ms),
            friendly_when: friendly_from_ms(when_ms, now_ms()),
            message: message.to_string(),
            number,
            minor_edit,
            hidden: false,
            content: None,
            collaborators: None,
            links: links([(
                "self",
                format!(
                    "{}/rest/experimental/content/{id}/version/{number}",
                    self.base
                ),
            )]),
            expandable: links([
                ("content", format!("/rest/api/content/{id}")),
                ("collaborators", String::new()),
            ]),
        }
    }

    fn version_view(
        &self,
        id: ContentId,
        number: i32,
        by: UserView,
        when_ms: i64,
        message: &str,
        minor_edit: bool,
    ) -> VersionView {
        self.version_view_of(&id.to_string(), number, by, when_ms, message, minor_edit)
    }

    /// The history object: creator, creation time, latest version, and (when asked) the one before.
    pub async fn history_view(
        &self,
        content: &Content,
        with_previous: bool,
    ) -> Result<HistoryView, ApiError> {
        let mut expandable = unexpanded(&["contributors", "nextVersion"]);
        let mut previous_version = None;
        if content.version > 1 {
            if with_previous {
                if let Some(previous) = self
                    .state
                    .store
                    .find_version(content.id, content.version - 1)
                    .await?
                {
                    previous_version = Some(self.stored_version_view(&previous).await?);
                }
            } else {
                expandable.insert("previousVersion", String::new());
            }
        }
        Ok(HistoryView {
            latest: true,
            created_by: self.user_view_by_id(content.creator_id).await?,
            created_date: iso_from_ms(content.created_ms),
            last_updated: self.current_version_view(content).await?,
            previous_version,
            links: links([
                (
                    "self",
                    format!("{}/rest/api/content/{}/history", self.base, content.id),
                ),
                ("base", self.base.clone()),
                ("context", String::new()),
            ]),
            expandable,
        })
    }

    /// Each of `contents` as [`JsonBuilder::content_view`] shows it, in order, with what they need
    /// loaded in batches first.
    pub async fn content_views<'c>(
        &self,
        contents: impl IntoIterator<Item = &'c Content>,
        expand: &Expand,
    ) -> Result<Vec<ContentView>, ApiError> {
        let contents: Vec<&Content> = contents.into_iter().collect();
        self.preload(&contents, expand).await?;
        let mut results = Vec::with_capacity(contents.len());
        for content in contents {
            results.push(self.content_view(content, expand).await?);
        }
        Ok(results)
    }

    /// A paged list of content at `path`, each item expanded as the query's `expand` asks.
    pub async fn content_page(
        &self,
        contents: &[Content],
        has_more: bool,
        paging: Paging,
        path: &str,
        query: &QueryPairs,
    ) -> Result<PagedList<ContentView>, ApiError> {
        let results = self
            .content_views(contents, &Expand::parse(query.get("expand")))
            .await?;
        Ok(paged_list(
            results, paging, has_more, &self.base, path, query,
        ))
    }

    /// A page or blog post as the current content, with `expand` applied.
    pub async fn content_view(
        &self,
        content: &Content,
        expand: &Expand,
    ) -> Result<ContentView, ApiError> {
        self.content_view_at(content, None, expand).await
    }

    /// A page or blog post; with `at_version`, as it was at that stored version (`status: historical`).
    pub async fn content_view_at(
        &self,
        content: &Content,
        at_version: Option<&ContentVersion>,
        expand: &Expand,
    ) -> Result<ContentView, ApiError> {
        let space = self.space_of(content.space_id).await?;
        let id = content.id;
        let (status, title, body) = match at_version {
            Some(version) if version.number != content.version => {
                ("historical", &version.title, &version.body)
            }
            _ => (content.status.as_str(), &content.title, &content.body),
        };
        let shown = Content {
            title: title.clone(),
            ..content.clone()
        };
        let mut expandable = Expandable::new();
        let space_view = if expand.has("space") {
            Some(Box::new(
                self.space_view(&space, &expand.below("space")).await?,
            ))
        } else {
            None
        };
        expandable.insert("space", format!("/rest/api/space/{}", space.key));
        let comment = self.comment_meta(content).await?;
        let container = match &comment {
            // A comment's container is the page or blog post it is on.
            Some(meta) => {
                let container_id = meta.container_id;
                // The comment is visible only when its container is (the store's rule); the check
                // is repeated here so no expansion can ever carry content past it.
                let visible_container = match expand.has("container") {
                    true => match self.state.store.find_content(container_id).await? {
                        Some(container)
                            if crate::access::can_view(self.state, self.viewer, &container)
                                .await? =>
                        {
                            Some(container)
                        }
                        _ => None,
                    },
                    false => None,
                };
                match visible_container {
                    Some(container) => {
                        let nested =
                            Box::pin(self.content_view(&container, &expand.below("container")))
                                .await?;
                        Some(Container::Content(Box::new(nested)))
                    }
                    None => {
                        expandable.insert("container", format!("/rest/api/content/{container_id}"));
                        None
                    }
                }
            }
            None => {
                expandable.insert("container", format!("/rest/api/space/{}", space.key));
                if expand.has("container") {
                    let nested = self.space_view(&space, &Expand::default()).await?;
                    Some(Container::Space(Box::new(nested)))
                } else {
                    None
                }
            }
        };

        let history = if expand.has("history") {
            let with_previous = expand.has("history.previousVersion");
            Some(self.history_view(content, with_previous).await?)
        } else {
            expandable.insert("history", format!("/rest/api/content/{id}/history"));
            None
        };

        let version = if expand.has("version") {
            Some(match at_version {
                Some(version) => self.stored_version_view(version).await?,
                None => self.current_version_view(content).await?,
            })
        } else {
            expandable.insert("version", String::new());
            None
        };

        let ancestors = if expand.has("ancestors") {
            let chain = self.ancestors_of(content).await?;
            Some(
                chain
                    .iter()
                    .map(|ancestor| self.content_stub(ancestor, &space))
                    .collect(),
            )
        } else {
            expandable.insert("ancestors", String::new());
            None
        };

        let body_view = if expand.has("body") {
            let body_expand = expand.below("body");
            let rendered = ["view", "export_view", "styled_view"]
                .iter()
                .any(|representation| body_expand.has(representation));
            let (children, people) = if rendered {
                (
                    crate::child_pages::gather(self.state, self.viewer, &space.key, id, body)
                        .await?,
                    crate::people::gather(self.state, body).await?,
                )
            } else {
                (Vec::new(), crate::people::People::default())
            };
            let page = BodyOf {
                id,
                storage: body,
                space_key: space.key.as_str(),
                title,
                children: &children,
                people: &people,
            };
            Some(self.body_view(&page, &body_expand))
        } else {
            expandable.insert("body", String::new());
            None
        };

        let metadata = if expand.has("metadata") {
            Some(
                self.metadata_view(content, &expand.below("metadata"))
                    .await?,
            )
        } else {
            expandable.insert("metadata", String::new());
            None
        };

        let children = if expand.has("children") && content.content_type == ContentType::Page {
            Some(
                self.children_view(content, &expand.below("children"))
                    .await?,
            )
        } else {
            expandable.insert("children", format!("/rest/api/content/{id}/child"));
            None
        };
        expandable.insert("descendants", format!("/rest/api/content/{id}/descendant"));
        expandable.insert(
            "restrictions",
            format!("/rest/api/content/{id}/restriction/byOperation"),
        );
        expandable.insert("operations", String::new());

        let extensions = match &comment {
            Some(meta) => {
                let resolution = if expand.below("extensions").has("resolution") {
                    self.resolution_view(content, meta).await?
                } else {
                    None
                };
                ContentExtensions::Comment(CommentExtensions {
                    location: meta.location.as_str(),
                    inline_properties: meta.inline_properties.as_deref().map(|properties| {
                        serde_json::from_str(properties).unwrap_or(serde_json::Value::Null)
                    }),
                    expandable: if resolution.is_some() {
                        Expandable::new()
                    } else {
                        unexpanded(&["resolution"])
                    },
                    resolution,
                })
            }
            None => ContentExtensions::Page(PageExtensions {
                position: Position::of(content.position),
            }),
        };
        let webui = match &comment {
            Some(meta) => comment_webui_path(meta.container_id, id),
            None => webui_path(&space.key, &shown),
        };
        Ok(ContentView {
            id: id.to_string(),
            content_type: content.content_type.as_str(),
            status,
            title: title.clone(),
            space: space_view,
            container,
            history,
            version,
            ancestors,
            body: body_view,
            metadata,
            children,
            extensions,
            links: links([
                ("webui", webui),
                ("edit", format!("/pages/resumedraft.action?draftId={id}")),
                ("tinyui", tiny_path(id)),
                ("self", format!("{}/rest/api/content/{id}", self.base)),
                ("collection", "/rest/api/content".to_string()),
                ("base", self.base.clone()),
                ("context", String::new()),
            ]),
            expandable,
        })
    }

    /// `metadata`: labels (always, as clients read them after writes) and, when asked, properties.
    async fn metadata_view(
        &self,
        content: &Content,
        expand: &Expand,
    ) -> Result<MetadataView, ApiError> {
        let id = content.id;
        let labels = self.labels_of(id).await?;
        let label_count = labels.len() as i64;
        let label_list = paged_list(
            labels.iter().map(super::label::label_view).collect(),
            Paging {
                start: 0,
                limit: label_count.max(200),
            },
            false,
            &self.base,
            &format!("/rest/api/content/{id}/label"),
            &QueryPairs::default(),
        );
        let mut expandable = unexpanded(&["currentuser", "frontend", "editorHtml"]);
        let properties =
            if expand.has("properties") && content.status == cairn_core::ContentStatus::Current {
                let Listed {
                    items: properties, ..
                } = self
                    .state
                    .store
                    .list_properties(id, Window::first(1000))
                    .await?;
                Some(
                    properties
                        .iter()
                        .map(|property| {
                            (
                                property.key.clone(),
                                super::property::property_view(property, &self.base),
                            )
                        })
                        .collect(),
                )
            } else {
                expandable.insert("properties", String::new());
                None
            };
        let likes = if expand.has("likes") {
            Some(self.likes_view(id).await?)
        } else {
            expandable.insert("likes", String::new());
            None
        };
        Ok(MetadataView {
            labels: label_list,
            properties,
            likes,
            expandable,
        })
    }

    /// The short form used inside `ancestors`.
    fn content_stub(&self, content: &Content, space: &Space) -> ContentStub {
        let id = content.id;
        let mut expandable = unexpanded(&["version", "ancestors", "body", "metadata"]);
        expandable.insert("space", format!("/rest/api/space/{}", space.key));
        expandable.insert("history", format!("/rest/api/content/{id}/history"));
        expandable.insert("children", format!("/rest/api/content/{id}/child"));
        ContentStub {
            id: id.to_string(),
            content_type: content.content_type.as_str(),
            status: content.status.as_str(),
            title: content.title.clone(),
            extensions: PageExtensions {
                position: Position::of(content.position),
            },
            links: links([
                ("webui", webui_path(&space.key, content)),
                ("tinyui", tiny_path(id)),
                ("self", format!("{}/rest/api/content/{id}", self.base)),
            ]),
            expandable,
        }
    }

    fn body_view(&self, page: &BodyOf<'_>, expand: &Expand) -> BodyView {
        let id = page.id;
        let mut expandable = unexpanded(&["editor", "anonymous_export_view"]);
        let storage = if expand.has("storage") {
            Some(Represented {
                value: page.storage.to_string(),
                representation: "storage",
                expandable: Some(links([("content", format!("/rest/api/content/{id}"))])),
            })
        } else {
            expandable.insert("storage", String::new());
            None
        };
        let mut rendered = |representation: &'static str| {
            if expand.has(representation) {
                Some(Represented {
                    value: render::storage_to_view_with_children(
                        page.storage,
                        Some(page.space_key),
                        Some(page.title),
                        Some(page.id),
                        page.children,
                        page.people,
                    ),
                    representation,
                    expandable: None,
                })
            } else {
                expandable.insert(representation, String::new());
                None
            }
        };
        let view = rendered("view");
        let export_view = rendered("export_view");
        let styled_view = rendered("styled_view");
        BodyView {
            storage,
            view,
            export_view,
            styled_view,
            expandable,
        }
    }

    pub async fn children_view(
        &self,
        content: &Content,
        expand: &Expand,
    ) -> Result<ChildrenView, ApiError> {
        let mut expandable = Expandable::new();
        let paging = Paging {
            start: 0,
            limit: 200,
        };
        let page = if expand.has("page") {
            let Listed {
                items: pages,
                has_more,
            } = self
                .state
                .store
                .list_children(self.viewer, content.id, paging.window())
                .await?;
            let results = Box::pin(self.content_views(&pages, &expand.below("page"))).await?;
            let path = format!("/rest/api/content/{}/child/page", content.id);
            Some(paged_list(
                results,
                paging,
                has_more,
                &self.base,
                &path,
                &QueryPairs::default(),
            ))
        } else {
            expandable.insert(
                "page",
                format!("/rest/api/content/{}/child/page", content.id),
            );
            None
        };
        let attachment = if expand.has("attachment") {
            let listing = cairn_store::AttachmentListing {
                container_id: content.id,
                filename: None,
                media_type: None,
                window: Window::first(200),
            };
            let Listed {
                items: attachments,
                has_more,
            } = self.state.store.list_attachments(&listing).await?;
            let results = self
                .attachment_views(&attachments, &expand.below("attachment"))
                .await?;
            let path = format!("/rest/api/content/{}/child/attachment", content.id);
            Some(paged_list(
                results,
                paging,
                has_more,
                &self.base,
                &path,
                &QueryPairs::default(),
            ))
        } else {
            expandable.insert(
                "attachment",
                format!("/rest/api/content/{}/child/attachment", content.id),
            );
            None
        };
        expandable.insert(
            "comment",
            format!("/rest/api/content/{}/child/comment", content.id),
        );
        Ok(ChildrenView {
            page,
            attachment,
            links: links([(
                "self",
                format!("{}/rest/api/content/{}/child", self.base, content.id),
            )]),
            expandable,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_implies_parents_and_ignores_none() {
        let expand = Expand::parse(Some("body.storage,history.lastUpdated, space"));
        assert!(expand.has("body"));
        assert!(expand.has("body.storage"));
        assert!(!expand.has("body.view"));
        assert!(expand.has("history"));
        assert!(expand.has("space"));
        assert!(!expand.has("spa"));
        assert!(expand.below("body").has("storage"));
        assert!(!Expand::parse(Some("None")).has("None"));
    }

    #[test]
    fn next_link_keeps_every_parameter() {
        let query = QueryPairs(vec![
            ("expand".into(), "version,space".into()),
            ("limit".into(), "2".into()),
            ("start".into(), "0".into()),
        ]);
        let list = paged_list(
            vec![1, 2],
            Paging { start: 0, limit: 2 },
            true,
            "http://h",
            "/rest/api/x",
            &query,
        );
        assert_eq!(
            list.links.get("next").map(String::as_str),
            Some("/rest/api/x?expand=version%2Cspace&limit=2&start=2")
        );
        assert_eq!(list.size, 2);
        let last = paged_list(
            vec![1],
            Paging { start: 2, limit: 2 },
            false,
            "http://h",
            "/rest/api/x",
            &query,
        );
        assert!(!last.links.contains_key("next"));
        assert_eq!(
            last.links.get("prev").map(String::as_str),
            Some("/rest/api/x?expand=version%2Cspace&limit=2&start=0")
        );
    }
}
