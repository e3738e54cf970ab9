//! JSON shapes of the REST API: content, spaces, users, versions, history and paged lists, built as
//! Confluence Server builds them (see docs/confluence-compat.md), with `expand` and `_expandable`.

use cairn_store::{Listed, Window};
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use cairn_core::{Content, ContentId, ContentType, ContentVersion, Space, SpaceId, User, UserId};
use serde_json::{Map, Value, json};

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
pub fn paged_list(
    results: Vec<Value>,
    paging: Paging,
    has_more: bool,
    base: &str,
    path: &str,
    query: &QueryPairs,
) -> Value {
    let mut links = Map::new();
    links.insert("base".into(), json!(base));
    links.insert("context".into(), json!(""));
    links.insert("self".into(), json!(format!("{base}{path}")));
    if has_more {
        let next = format!(
            "{path}?{}",
            query.with_window(paging.start + paging.limit, paging.limit)
        );
        links.insert("next".into(), json!(next));
    }
    if paging.start > 0 {
        let previous_start = (paging.start - paging.limit).max(0);
        links.insert(
            "prev".into(),
            json!(format!(
                "{path}?{}",
                query.with_window(previous_start, paging.limit)
            )),
        );
    }
    json!({
        "results": results,
        "start": paging.start,
        "limit": paging.limit,
        "size": results.len(),
        "_links": Value::Object(links),
    })
}

/// A body to show, with what rendering needs to know about its page.
struct BodyOf<'a> {
    id: ContentId,
    storage: &'a str,
    space_key: &'a str,
    title: &'a str,
}

/// Builds JSON for one request, remembering users and spaces it already looked up.
pub struct JsonBuilder<'a> {
    pub state: &'a AppState,
    pub base: String,
    /// Whose view: expansions (children) leave out what this user may not see.
    pub viewer: UserId,
    /// Looked up once per request; the std mutex is never held across `.await`.
    users: Mutex<HashMap<UserId, Option<User>>>,
    spaces: Mutex<HashMap<SpaceId, Space>>,
}

impl<'a> JsonBuilder<'a> {
    pub fn new(state: &'a AppState, base: String, viewer: UserId) -> JsonBuilder<'a> {
        JsonBuilder {
            state,
            base,
            viewer,
            users: Mutex::new(HashMap::new()),
            spaces: Mutex::new(HashMap::new()),
        }
    }

    async fn user(&self, id: UserId) -> Result<Option<User>, ApiError> {
        if let Some(cached) = self
            .users
            .lock()
            .ok()
            .and_then(|users| users.get(&id).cloned())
        {
            return Ok(cached);
        }
        let user = self.state.store.find_user(id).await?;
        if let Ok(mut users) = self.users.lock() {
            users.insert(id, user.clone());
        }
        Ok(user)
    }

    pub async fn space_of(&self, id: SpaceId) -> Result<Space, ApiError> {
        if let Some(cached) = self
            .spaces
            .lock()
            .ok()
            .and_then(|spaces| spaces.get(&id).cloned())
        {
            return Ok(cached);
        }
        let space = self
            .state
            .store
            .find_space_by_id(id)
            .await?
            .ok_or_else(ApiError::internal)?;
        if let Ok(mut spaces) = self.spaces.lock() {
            spaces.insert(id, space.clone());
        }
        Ok(space)
    }

    /// Confluence Server's user object; a deleted user shows as an unknown user.
    pub fn user_json(&self, user: Option<&User>) -> Value {
        match user {
            Some(user) => json!({
                "type": "known",
                "username": user.username,
                "userKey": user.user_key,
                "profilePicture": {"path": "/images/icons/profilepics/default.svg", "width": 48, "height": 48, "isDefault": true},
                "displayName": user.display_name,
                "_links": {"self": format!("{}/rest/api/user?key={}", self.base, user.user_key)},
                "_expandable": {"status": ""},
            }),
            None => json!({
                "type": "unknown",
                "username": "unknown",
                "displayName": "Unknown user",
                "profilePicture": {"path": "/images/icons/profilepics/default.svg", "width": 48, "height": 48, "isDefault": true},
                "_links": {},
                "_expandable": {},
            }),
        }
    }

    pub async fn user_json_by_id(&self, id: UserId) -> Result<Value, ApiError> {
        let user = self.user(id).await?;
        Ok(self.user_json(user.as_ref()))
    }

    /// The space object; `expand` may ask for `description.plain`, `homepage`.
    pub async fn space_json(&self, space: &Space, expand: &Expand) -> Result<Value, ApiError> {
        let key = space.key.as_str();
        let mut object = Map::new();
        object.insert("id".into(), json!(space.id.0));
        object.insert("key".into(), json!(key));
        object.insert("name".into(), json!(space.name));
        object.insert("type".into(), json!(space.space_type.as_str()));
        object.insert("status".into(), json!(space.status.as_str()));
        let mut expandable = Map::new();
        for name in [
            "metadata",
            "icon",
            "retentionPolicy",
            "lookAndFeel",
            "permissions",
            "settings",
        ] {
            expandable.insert(name.into(), json!(""));
        }
        if expand.has("description") {
            object.insert(
                "description".into(),
                json!({"plain": {"value": space.description, "representation": "plain"}, "_expandable": {"view": ""}}),
            );
        } else {
            expandable.insert("description".into(), json!(""));
        }
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
                        Box::pin(self.content_json(&homepage, &expand.below("homepage"))).await?;
                    object.insert("homepage".into(), nested);
                }
            }
            Some(homepage_id) => {
                expandable.insert(
                    "homepage".into(),
                    json!(format!("/rest/api/content/{homepage_id}")),
                );
            }
            None => {}
        }
        object.insert(
            "_links".into(),
            json!({
                "webui": format!("/display/{}", encode_component(key)),
                "self": format!("{}/rest/api/space/{}", self.base, encode_component(key)),
                "base": self.base,
                "context": "",
            }),
        );
        object.insert("_expandable".into(), Value::Object(expandable));
        Ok(Value::Object(object))
    }

    /// A version object for the latest version of `content`.
    pub async fn current_version_json(&self, content: &Content) -> Result<Value, ApiError> {
        Ok(self.version_object(
            content.id,
            content.version,
            self.user_json_by_id(content.last_modifier_id).await?,
            content.last_modified_ms,
            &content.version_message,
            content.minor_edit,
        ))
    }

    /// A version object for a stored version.
    pub async fn stored_version_json(&self, version: &ContentVersion) -> Result<Value, ApiError> {
        Ok(self.version_object(
            version.content_id,
            version.number,
            self.user_json_by_id(version.author_id).await?,
            version.created_ms,
            &version.message,
            version.minor_edit,
        ))
    }

    /// A version of an attachment in the same shape as a content version.
    pub async fn attachment_version_object(
        &self,
        version: &cairn_core::AttachmentVersion,
    ) -> Result<Value, ApiError> {
        Ok(self.version_object(
            version.attachment_id,
            version.number,
            self.user_json_by_id(version.author_id).await?,
            version.created_ms,
            &version.comment,
            version.minor_edit,
        ))
    }

    fn version_object(
        &self,
        id: ContentId,
        number: i32,
        by: Value,
        when_ms: i64,
        message: &str,
        minor_edit: bool,
    ) -> Value {
        json!({
            "by": by,
            "when": iso_from_ms(when_ms),
            "friendlyWhen": friendly_from_ms(when_ms, now_ms()),
            "message": message,
            "number": number,
            "minorEdit": minor_edit,
            "hidden": false,
            "_links": {"self": format!("{}/rest/experimental/content/{id}/version/{number}", self.base)},
            "_expandable": {"content": format!("/rest/api/content/{id}"), "collaborators": ""},
        })
    }

    /// The history object: creator, creation time, latest version, and (when asked) the one before.
    pub async fn history_json(
        &self,
        content: &Content,
        with_previous: bool,
    ) -> Result<Value, ApiError> {
        let mut history = Map::new();
        history.insert("latest".into(), json!(true));
        history.insert(
            "createdBy".into(),
            self.user_json_by_id(content.creator_id).await?,
        );
        history.insert("createdDate".into(), json!(iso_from_ms(content.created_ms)));
        history.insert(
            "lastUpdated".into(),
            self.current_version_json(content).await?,
        );
        let mut expandable = Map::new();
        expandable.insert("contributors".into(), json!(""));
        expandable.insert("nextVersion".into(), json!(""));
        if content.version > 1 {
            if with_previous {
                if let Some(previous) = self
                    .state
                    .store
                    .find_version(content.id, content.version - 1)
                    .await?
                {
                    history.insert(
                        "previousVersion".into(),
                        self.stored_version_json(&previous).await?,
                    );
                }
            } else {
                expandable.insert("previousVersion".into(), json!(""));
            }
        }
        history.insert(
            "_links".into(),
            json!({"self": format!("{}/rest/api/content/{}/history", self.base, content.id), "base": self.base, "context": ""}),
        );
        history.insert("_expandable".into(), Value::Object(expandable));
        Ok(Value::Object(history))
    }

    /// Each of `contents` as [`JsonBuilder::content_json`] shows it, in order.
    pub async fn contents_json<'c>(
        &self,
        contents: impl IntoIterator<Item = &'c Content>,
        expand: &Expand,
    ) -> Result<Vec<Value>, ApiError> {
        let mut results = Vec::new();
        for content in contents {
            results.push(self.content_json(content, expand).await?);
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
    ) -> Result<Value, ApiError> {
        let results = self
            .contents_json(contents, &Expand::parse(query.get("expand")))
            .await?;
        Ok(paged_list(
            results, paging, has_more, &self.base, path, query,
        ))
    }

    /// A page or blog post as the current content, with `expand` applied.
    pub async fn content_json(
        &self,
        content: &Content,
        expand: &Expand,
    ) -> Result<Value, ApiError> {
        self.content_json_at(content, None, expand).await
    }

    /// A page or blog post; with `at_version`, as it was at that stored version (`status: historical`).
    pub async fn content_json_at(
        &self,
        content: &Content,
        at_version: Option<&ContentVersion>,
        expand: &Expand,
    ) -> Result<Value, ApiError> {
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
        let mut object = Map::new();
        let mut expandable = Map::new();
        object.insert("id".into(), json!(id.to_string()));
        object.insert("type".into(), json!(content.content_type.as_str()));
        object.insert("status".into(), json!(status));
        object.insert("title".into(), json!(title));

        if expand.has("space") {
            object.insert(
                "space".into(),
                self.space_json(&space, &expand.below("space")).await?,
            );
        }
        expandable.insert(
            "space".into(),
            json!(format!("/rest/api/space/{}", space.key)),
        );
        let comment = match content.content_type {
            ContentType::Comment => self.state.store.comment_meta(id).await?,
            _ => None,
        };
        match &comment {
            // A comment's container is the page or blog post it is on.
            Some(meta) => {
                let container_id = meta.container_id;
                // The comment is visible only when its container is (the store's rule); the check
                // is repeated here so no expansion can ever carry content past it.
                let container = match expand.has("container") {
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
                match container {
                    Some(container) => {
                        let nested =
                            Box::pin(self.content_json(&container, &expand.below("container")))
                                .await?;
                        object.insert("container".into(), nested);
                    }
                    None => {
                        expandable.insert(
                            "container".into(),
                            json!(format!("/rest/api/content/{container_id}")),
                        );
                    }
                }
            }
            None => {
                expandable.insert(
                    "container".into(),
                    json!(format!("/rest/api/space/{}", space.key)),
                );
                if expand.has("container") {
                    object.insert(
                        "container".into(),
                        self.space_json(&space, &Expand::default()).await?,
                    );
                }
            }
        }

        if expand.has("history") {
            let with_previous = expand.has("history.previousVersion");
            object.insert(
                "history".into(),
                self.history_json(content, with_previous).await?,
            );
        } else {
            expandable.insert(
                "history".into(),
                json!(format!("/rest/api/content/{id}/history")),
            );
        }

        if expand.has("version") {
            let version = match at_version {
                Some(version) => self.stored_version_json(version).await?,
                None => self.current_version_json(content).await?,
            };
            object.insert("version".into(), version);
        } else {
            expandable.insert("version".into(), json!(""));
        }

        if expand.has("ancestors") {
            let mut ancestors = Vec::new();
            for ancestor in self.state.store.ancestors(content).await? {
                ancestors.push(self.content_stub_json(&ancestor, &space));
            }
            object.insert("ancestors".into(), Value::Array(ancestors));
        } else {
            expandable.insert("ancestors".into(), json!(""));
        }

        if expand.has("body") {
            let page = BodyOf {
                id,
                storage: body,
                space_key: space.key.as_str(),
                title,
            };
            object.insert("body".into(), self.body_json(&page, &expand.below("body")));
        } else {
            expandable.insert("body".into(), json!(""));
        }

        if expand.has("metadata") {
            object.insert(
                "metadata".into(),
                self.metadata_json(content, &expand.below("metadata"))
                    .await?,
            );
        } else {
            expandable.insert("metadata".into(), json!(""));
        }

        if expand.has("children") && content.content_type == ContentType::Page {
            object.insert(
                "children".into(),
                self.children_json(content, &expand.below("children"))
                    .await?,
            );
        } else {
            expandable.insert(
                "children".into(),
                json!(format!("/rest/api/content/{id}/child")),
            );
        }
        expandable.insert(
            "descendants".into(),
            json!(format!("/rest/api/content/{id}/descendant")),
        );
        expandable.insert(
            "restrictions".into(),
            json!(format!("/rest/api/content/{id}/restriction/byOperation")),
        );
        expandable.insert("operations".into(), json!(""));

        let extensions = match &comment {
            Some(meta) => {
                let mut extensions =
                    json!({"location": meta.location.as_str(), "_expandable": {"resolution": ""}});
                if let Some(properties) = &meta.inline_properties {
                    extensions["inlineProperties"] =
                        serde_json::from_str(properties).unwrap_or(Value::Null);
                }
                extensions
            }
            None => {
                let position = match content.position {
                    Some(position) => json!(position),
                    None => json!("none"),
                };
                json!({"position": position})
            }
        };
        object.insert("extensions".into(), extensions);
        let webui = match &comment {
            Some(meta) => comment_webui_path(meta.container_id, id),
            None => webui_path(&space.key, &shown),
        };
        object.insert(
            "_links".into(),
            json!({
                "webui": webui,
                "edit": format!("/pages/resumedraft.action?draftId={id}"),
                "tinyui": tiny_path(id),
                "self": format!("{}/rest/api/content/{id}", self.base),
                "collection": "/rest/api/content",
                "base": self.base,
                "context": "",
            }),
        );
        object.insert("_expandable".into(), Value::Object(expandable));
        Ok(Value::Object(object))
    }

    /// `metadata`: labels (always, as clients read them after writes) and, when asked, properties.
    async fn metadata_json(&self, content: &Content, expand: &Expand) -> Result<Value, ApiError> {
        let id = content.id;
        let labels = self.state.store.labels_of(id).await?;
        let label_count = labels.len() as i64;
        let label_list = paged_list(
            labels.iter().map(super::label::label_json).collect(),
            Paging {
                start: 0,
                limit: label_count.max(200),
            },
            false,
            &self.base,
            &format!("/rest/api/content/{id}/label"),
            &QueryPairs::default(),
        );
        let mut metadata = Map::new();
        metadata.insert("labels".into(), label_list);
        let mut expandable = Map::new();
        for name in ["currentuser", "frontend", "editorHtml"] {
            expandable.insert(name.into(), json!(""));
        }
        if expand.has("properties") && content.status == cairn_core::ContentStatus::Current {
            let Listed {
                items: properties, ..
            } = self
                .state
                .store
                .list_properties(id, Window::first(1000))
                .await?;
            let mut by_key = Map::new();
            for property in &properties {
                by_key.insert(
                    property.key.clone(),
                    super::property::property_json(property, &self.base),
                );
            }
            metadata.insert("properties".into(), Value::Object(by_key));
        } else {
            expandable.insert("properties".into(), json!(""));
        }
        metadata.insert("_expandable".into(), Value::Object(expandable));
        Ok(Value::Object(metadata))
    }

    /// The short form used inside `ancestors`.
    fn content_stub_json(&self, content: &Content, space: &Space) -> Value {
        let id = content.id;
        json!({
            "id": id.to_string(),
            "type": content.content_type.as_str(),
            "status": content.status.as_str(),
            "title": content.title,
            "extensions": {"position": content.position.map_or(json!("none"), |position| json!(position))},
            "_links": {
                "webui": webui_path(&space.key, content),
                "tinyui": tiny_path(id),
                "self": format!("{}/rest/api/content/{id}", self.base),
            },
            "_expandable": {
                "space": format!("/rest/api/space/{}", space.key),
                "history": format!("/rest/api/content/{id}/history"),
                "children": format!("/rest/api/content/{id}/child"),
                "version": "", "ancestors": "", "body": "", "metadata": "",
            },
        })
    }

    fn body_json(&self, page: &BodyOf<'_>, expand: &Expand) -> Value {
        let id = page.id;
        let storage = page.storage;
        let mut body = Map::new();
        let mut expandable = Map::new();
        if expand.has("storage") {
            body.insert(
                "storage".into(),
                json!({"value": storage, "representation": "storage", "_expandable": {"content": format!("/rest/api/content/{id}")}}),
            );
        } else {
            expandable.insert("storage".into(), json!(""));
        }
        for representation in ["view", "export_view", "styled_view"] {
            if expand.has(representation) {
                body.insert(
                    representation.into(),
                    json!({
                        "value": render::storage_to_view_of_page(storage, Some(page.space_key), Some(page.title), Some(page.id)),
                        "representation": representation,
                    }),
                );
            } else {
                expandable.insert(representation.into(), json!(""));
            }
        }
        expandable.insert("editor".into(), json!(""));
        expandable.insert("anonymous_export_view".into(), json!(""));
        body.insert("_expandable".into(), Value::Object(expandable));
        Value::Object(body)
    }

    pub async fn children_json(
        &self,
        content: &Content,
        expand: &Expand,
    ) -> Result<Value, ApiError> {
        let mut children = Map::new();
        let mut expandable = Map::new();
        if expand.has("page") {
            let paging = Paging {
                start: 0,
                limit: 200,
            };
            let Listed {
                items: pages,
                has_more,
            } = self
                .state
                .store
                .list_children(self.viewer, content.id, paging.window())
                .await?;
            let mut results = Vec::with_capacity(pages.len());
            for page in &pages {
                results.push(Box::pin(self.content_json(page, &expand.below("page"))).await?);
            }
            let path = format!("/rest/api/content/{}/child/page", content.id);
            children.insert(
                "page".into(),
                paged_list(
                    results,
                    paging,
                    has_more,
                    &self.base,
                    &path,
                    &QueryPairs::default(),
                ),
            );
        } else {
            expandable.insert(
                "page".into(),
                json!(format!("/rest/api/content/{}/child/page", content.id)),
            );
        }
        if expand.has("attachment") {
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
            let mut results = Vec::with_capacity(attachments.len());
            for attachment in &attachments {
                results.push(
                    self.attachment_json(attachment, &expand.below("attachment"))
                        .await?,
                );
            }
            let path = format!("/rest/api/content/{}/child/attachment", content.id);
            let paging = Paging {
                start: 0,
                limit: 200,
            };
            children.insert(
                "attachment".into(),
                paged_list(
                    results,
                    paging,
                    has_more,
                    &self.base,
                    &path,
                    &QueryPairs::default(),
                ),
            );
        } else {
            expandable.insert(
                "attachment".into(),
                json!(format!("/rest/api/content/{}/child/attachment", content.id)),
            );
        }
        expandable.insert(
            "comment".into(),
            json!(format!("/rest/api/content/{}/child/comment", content.id)),
        );
        children.insert(
            "_links".into(),
            json!({"self": format!("{}/rest/api/content/{}/child", self.base, content.id)}),
        );
        children.insert("_expandable".into(), Value::Object(expandable));
        Ok(Value::Object(children))
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
            vec![json!(1), json!(2)],
            Paging { start: 0, limit: 2 },
            true,
            "http://h",
            "/rest/api/x",
            &query,
        );
        assert_eq!(
            list["_links"]["next"],
            "/rest/api/x?expand=version%2Cspace&limit=2&start=2"
        );
        assert_eq!(list["size"], 2);
        let last = paged_list(
            vec![json!(1)],
            Paging { start: 2, limit: 2 },
            false,
            "http://h",
            "/rest/api/x",
            &query,
        );
        assert!(last["_links"].get("next").is_none());
        assert_eq!(
            last["_links"]["prev"],
            "/rest/api/x?expand=version%2Cspace&limit=2&start=0"
        );
    }
}
