//! The content of the exported space in entities.xml: pages, blog posts and comments with every
//! version (each old version its own object naming the current one by `originalVersionId`, each
//! body a `BodyContent`), and around them labels, content properties, restrictions and watches.
//! Read a batch of content at a time, its versions a few at a time.

use std::collections::{BTreeMap, HashMap};

use cairn_core::{ContentId, ContentStatus, ContentType, Subject};
use cairn_store::{ExportedContent, ExportedVersion};

use super::Entities;
use super::entities::{Object, package};
use crate::error::ImportResult;

/// Content read at once.
const CONTENT_BATCH: i64 = 100;
/// Versions (with their bodies) read at once.
const VERSION_BATCH: i64 = 25;
/// The plugin module whose custom content holds JSON content properties.
pub(crate) const CONTENT_PROPERTY_MODULE: &str =
    "com.atlassian.confluence.plugins.confluence-content-property-storage:content-property";

pub(crate) fn class_of(content_type: ContentType) -> &'static str {
    match content_type {
        ContentType::Page => "Page",
        ContentType::BlogPost => "BlogPost",
        ContentType::Comment => "Comment",
    }
}

pub(crate) fn status_of(status: ContentStatus) -> &'static str {
    match status {
        ContentStatus::Trashed => "deleted",
        ContentStatus::Current | ContentStatus::Draft => "current",
    }
}

impl Entities<'_> {
    /// Every page, blog post and comment of the space, batch by batch.
    pub(crate) async fn write_contents(&mut self) -> ImportResult<()> {
        let mut after = ContentId(0);
        loop {
            let batch = self
                .store
                .export_contents_after(self.space.id, after, CONTENT_BATCH)
                .await?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            after = last.id;
            self.write_content_batch(&batch).await?;
        }
    }

    async fn write_content_batch(&mut self, batch: &[ExportedContent]) -> ImportResult<()> {
        let ids: Vec<ContentId> = batch.iter().map(|content| content.id).collect();
        let by_id: HashMap<ContentId, &ExportedContent> =
            batch.iter().map(|content| (content.id, content)).collect();
        // The classes of the pages and blog posts comments are on (maybe in other batches).
        let containers: Vec<ContentId> = batch
            .iter()
            .filter_map(|content| content.comment_container)
            .collect();
        let mut classes: HashMap<ContentId, &'static str> = batch
            .iter()
            .map(|content| (content.id, class_of(content.content_type)))
            .collect();
        for (id, content_type) in self.store.export_content_types(&containers).await? {
            classes.insert(id, class_of(content_type));
        }
        // A comment's container that is no page, blog post or comment is an attachment.
        for container in &containers {
            classes.entry(*container).or_insert("Attachment");
        }
        self.know_users(
            batch
                .iter()
                .flat_map(|content| [content.creator_id, content.last_modifier_id]),
        )
        .await?;

        let mut written_current: Vec<ContentId> = Vec::new();
        let mut cursor = (ContentId(0), 0);
        loop {
            let versions = self
                .store
                .export_versions_after(&ids, cursor, VERSION_BATCH)
                .await?;
            let Some(last) = versions.last() else {
                break;
            };
            cursor = (last.content_id, last.number);
            self.know_users(versions.iter().map(|version| version.author_id))
                .await?;
            for version in &versions {
                let Some(content) = by_id.get(&version.content_id) else {
                    continue;
                };
                if version.number == content.version {
                    written_current.push(content.id);
                }
                self.write_version(content, version, &classes).await?;
            }
        }
        // A content row whose current version has no stored version (which Cairn never makes) is
        // still exported, without a body.
        for content in batch {
            if !written_current.contains(&content.id) {
                let version = ExportedVersion {
                    content_id: content.id,
                    number: content.version,
                    title: content.title.clone(),
                    body: String::new(),
                    author_id: content.last_modifier_id,
                    created_ms: content.last_modified_ms,
                    message: String::new(),
                    minor_edit: false,
                };
                self.write_version(content, &version, &classes).await?;
            }
        }
        for content in batch {
            match content.content_type {
                ContentType::Comment => {
                    self.summary.comments += 1;
                    self.write_comment_facts(content).await?;
                }
                ContentType::Page => self.summary.pages += 1,
                ContentType::BlogPost => self.summary.blog_posts += 1,
            }
            if content.status == ContentStatus::Trashed {
                self.summary.trashed += 1;
            }
        }
        let pages: Vec<ContentId> = batch
            .iter()
            .filter(|content| content.content_type != ContentType::Comment)
            .map(|content| content.id)
            .collect();
        self.write_labels(&pages, &classes).await?;
        self.write_properties(&ids, &by_id, &classes).await?;
        self.write_restrictions(&pages, &classes).await?;
        self.write_watches(&pages, &classes).await?;
        self.write_likes(&ids, &classes).await?;
        Ok(())
    }

    /// One version: the current object (the content's own id) or an old one (an id of the
    /// export's own, naming the current object), with its body.
    async fn write_version(
        &mut self,
        content: &ExportedContent,
        version: &ExportedVersion,
        classes: &HashMap<ContentId, &'static str>,
    ) -> ImportResult<()> {
        let current = version.number == content.version;
        let object_id = if current {
            content.id.0
        } else {
            self.synthetic_id()
        };
        let body_id = self.synthetic_id();
        let class = class_of(content.content_type);
        let mut object = Object::new(class, package::PAGES, object_id);
        if content.content_type == ContentType::Comment {
            object = object.null("title");
        } else {
            object = object
                .text("title", &version.title)
                .text("lowerTitle", &version.title.to_lowercase());
        }
        object = object
            .collection("bodyContents", "BodyContent", package::CORE, &[body_id])
            .plain("version", version.number)
            .user_reference("creator", self.user_key(content.creator_id))
            .time("creationDate", content.created_ms)
            .user_reference("lastModifier", self.user_key(version.author_id))
            .time("lastModificationDate", version.created_ms)
            .text("versionComment", &version.message);
        object = if current {
            object.null("originalVersionId")
        } else {
            object.plain("originalVersionId", content.id.0)
        };
        object = object.text(
            "contentStatus",
            if current {
                status_of(content.status)
            } else {
                "current"
            },
        );
        match content.content_type {
            ContentType::Page | ContentType::BlogPost => {
                object = object.reference("space", "Space", package::SPACES, self.space.id.0);
                if current && content.content_type == ContentType::Page {
                    object = match content.position {
                        Some(position) => object.plain("position", position),
                        None => object.null("position"),
                    };
                    if let Some(parent) = content.parent_id {
                        object = object.reference("parent", "Page", package::PAGES, parent.0);
                    }
                }
            }
            ContentType::Comment => {
                if let Some(container) = content.comment_container {
                    let container_class = classes.get(&container).copied().unwrap_or("Page");
                    object = object.reference(
                        "containerContent",
                        container_class,
                        package::PAGES,
                        container.0,
                    );
                }
                if current && let Some(parent) = content.parent_id {
                    object = object.reference("parent", "Comment", package::PAGES, parent.0);
                }
            }
        }
        self.put(object).await?;
        self.put(
            Object::new("BodyContent", package::CORE, body_id)
                .text("body", &version.body)
                .plain("bodyType", 2)
                .reference("content", class, package::PAGES, object_id),
        )
        .await?;
        if version.minor_edit {
            let property_id = self.synthetic_id();
            self.put(
                Object::new("ContentProperty", package::CONTENT, property_id)
                    .text("name", "MINOR_EDIT")
                    .null("stringValue")
                    .plain("longValue", 1)
                    .null("dateValue")
                    .reference("content", class, package::PAGES, object_id),
            )
            .await?;
        }
        self.summary.versions += 1;
        Ok(())
    }

    /// An inline comment's marks, as Confluence keeps them: content properties `inline-comment`,
    /// `inline-marker-ref` and `inline-original-selection` of the comment.
    async fn write_comment_facts(&mut self, comment: &ExportedContent) -> ImportResult<()> {
        if comment.comment_location.as_deref() != Some("inline") {
            return Ok(());
        }
        let inline: serde_json::Map<String, serde_json::Value> = comment
            .inline_properties
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        let mut marks = vec![("inline-comment", "true".to_string())];
        if let Some(marker) = inline.get("markerRef").and_then(|value| value.as_str()) {
            marks.push(("inline-marker-ref", marker.to_string()));
        }
        if let Some(selection) = inline
            .get("originalSelection")
            .and_then(|value| value.as_str())
        {
            marks.push(("inline-original-selection", selection.to_string()));
        }
        for (name, value) in marks {
            self.write_system_property(comment.id, "Comment", name, &value)
                .await?;
        }
        Ok(())
    }

    /// A `ContentProperty` (Confluence's own string properties of content).
    async fn write_system_property(
        &mut self,
        owner: ContentId,
        owner_class: &str,
        name: &str,
        value: &str,
    ) -> ImportResult<()> {
        let property_id = self.synthetic_id();
        self.put(
            Object::new("ContentProperty", package::CONTENT, property_id)
                .text("name", name)
                .text("stringValue", value)
                .null("longValue")
                .null("dateValue")
                .reference("content", owner_class, package::PAGES, owner.0),
        )
        .await
    }

    async fn write_labels(
        &mut self,
        pages: &[ContentId],
        classes: &HashMap<ContentId, &'static str>,
    ) -> ImportResult<()> {
        for label in self.store.export_labels(pages).await? {
            if self.labels_written.insert(label.label_id) {
                self.put(
                    Object::new("Label", package::LABELS, label.label_id)
                        .text("name", &label.name)
                        .text("namespace", &label.prefix)
                        .time("creationDate", label.created_ms)
                        .time("lastModificationDate", label.created_ms),
                )
                .await?;
            }
            let class = classes.get(&label.content_id).copied().unwrap_or("Page");
            let labelling_id = self.synthetic_id();
            self.put(
                Object::new("Labelling", package::LABELS, labelling_id)
                    .reference("label", "Label", package::LABELS, label.label_id)
                    .reference("content", class, package::PAGES, label.content_id.0)
                    .time("creationDate", label.created_ms)
                    .time("lastModificationDate", label.created_ms)
                    .plain("labelableId", label.content_id.0)
                    .text("labelableType", "CONTENT"),
            )
            .await?;
            self.summary.labels += 1;
        }
        Ok(())
    }

    /// JSON content properties, as the content-property module keeps them: custom content whose
    /// title is the key and whose body is the value. A comment's `status` (open, resolved…) is
    /// also where Confluence reads a comment's resolution: its `status` `ContentProperty`.
    async fn write_properties(
        &mut self,
        ids: &[ContentId],
        by_id: &HashMap<ContentId, &ExportedContent>,
        classes: &HashMap<ContentId, &'static str>,
    ) -> ImportResult<()> {
        let properties = self.store.export_properties(ids).await?;
        self.know_users(properties.iter().map(|property| property.modifier_id))
            .await?;
        for property in properties {
            let class = classes.get(&property.content_id).copied().unwrap_or("Page");
            let object_id = self.synthetic_id();
            let body_id = self.synthetic_id();
            let modifier = self.user_key(property.modifier_id).map(str::to_string);
            self.put(
                Object::new("CustomContentEntityObject", package::CONTENT, object_id)
                    .text("title", &property.key)
                    .text("lowerTitle", &property.key.to_lowercase())
                    .collection("bodyContents", "BodyContent", package::CORE, &[body_id])
                    .plain("version", property.version)
                    .user_reference("creator", modifier.as_deref())
                    .time("creationDate", property.modified_ms)
                    .user_reference("lastModifier", modifier.as_deref())
                    .time("lastModificationDate", property.modified_ms)
                    .text("versionComment", "")
                    .null("originalVersionId")
                    .text("contentStatus", "current")
                    .reference(
                        "containerContent",
                        class,
                        package::PAGES,
                        property.content_id.0,
                    )
                    .reference("space", "Space", package::SPACES, self.space.id.0)
                    .text("pluginModuleKey", CONTENT_PROPERTY_MODULE),
            )
            .await?;
            self.put(
                Object::new("BodyContent", package::CORE, body_id)
                    .text("body", &property.value_json)
                    .plain("bodyType", 1)
                    .reference(
                        "content",
                        "CustomContentEntityObject",
                        package::CONTENT,
                        object_id,
                    ),
            )
            .await?;
            let is_comment = by_id
                .get(&property.content_id)
                .is_some_and(|content| content.content_type == ContentType::Comment);
            if is_comment
                && property.key == "status"
                && let Ok(serde_json::Value::String(resolution)) =
                    serde_json::from_str::<serde_json::Value>(&property.value_json)
            {
                self.write_system_property(property.content_id, "Comment", "status", &resolution)
                    .await?;
            }
            self.summary.properties += 1;
        }
        Ok(())
    }

    async fn write_restrictions(
        &mut self,
        pages: &[ContentId],
        classes: &HashMap<ContentId, &'static str>,
    ) -> ImportResult<()> {
        let restrictions = self.store.export_restrictions(pages).await?;
        self.know_users(
            restrictions
                .iter()
                .filter_map(|restriction| match restriction.subject {
                    Subject::User(user) => Some(user),
                    _ => None,
                }),
        )
        .await?;
        self.know_groups(
            restrictions
                .iter()
                .filter_map(|restriction| match restriction.subject {
                    Subject::Group(group) => Some(group),
                    _ => None,
                }),
        )
        .await?;
        let mut sets: BTreeMap<(i64, &'static str), Vec<Subject>> = BTreeMap::new();
        for restriction in &restrictions {
            let set_type = match restriction.operation.as_str() {
                "read" => "View",
                "update" => "Edit",
                _ => continue,
            };
            sets.entry((restriction.content_id.0, set_type))
                .or_default()
                .push(restriction.subject);
        }
        for ((content_id, set_type), subjects) in sets {
            let class = classes
                .get(&ContentId(content_id))
                .copied()
                .unwrap_or("Page");
            let set_id = self.synthetic_id();
            self.put(
                Object::new("ContentPermissionSet", package::SECURITY, set_id)
                    .text("type", set_type)
                    .reference("owningContent", class, package::PAGES, content_id),
            )
            .await?;
            for subject in subjects {
                let permission_id = self.synthetic_id();
                let mut object = Object::new("ContentPermission", package::SECURITY, permission_id)
                    .text("type", set_type);
                match subject {
                    Subject::User(user) => {
                        let Some(key) = self.user_key(user).map(str::to_string) else {
                            continue;
                        };
                        object = object.user_reference("userSubject", Some(&key));
                    }
                    Subject::Group(group) => {
                        let Some(name) = self.group_name(group).map(str::to_string) else {
                            continue;
                        };
                        object = object.text("groupName", &name);
                    }
                    Subject::Anonymous => continue,
                }
                object = object.reference(
                    "owningSet",
                    "ContentPermissionSet",
                    package::SECURITY,
                    set_id,
                );
                self.put(object).await?;
                self.summary.restrictions += 1;
            }
        }
        Ok(())
    }

    /// Likes of pages, blog posts and comments, as Confluence 5 to 9 write them (`LikeEntity`).
    async fn write_likes(
        &mut self,
        ids: &[ContentId],
        classes: &HashMap<ContentId, &'static str>,
    ) -> ImportResult<()> {
        let likes = self.store.export_likes(ids).await?;
        self.know_users(likes.iter().map(|like| like.user_id))
            .await?;
        for like in likes {
            let Some(key) = self.user_key(like.user_id).map(str::to_string) else {
                continue;
            };
            let class = classes.get(&like.content_id).copied().unwrap_or("Page");
            let like_id = self.synthetic_id();
            self.put(
                Object::new("LikeEntity", package::LIKE, like_id)
                    .reference("content", class, package::PAGES, like.content_id.0)
                    .user_reference("user", Some(&key))
                    .time("creationDate", like.created_ms),
            )
            .await?;
            self.summary.likes += 1;
        }
        Ok(())
    }

    async fn write_watches(
        &mut self,
        pages: &[ContentId],
        classes: &HashMap<ContentId, &'static str>,
    ) -> ImportResult<()> {
        let watches = self.store.export_content_watches(pages).await?;
        self.know_users(watches.iter().map(|watch| watch.user_id))
            .await?;
        for watch in watches {
            let Some(content_id) = watch.content_id else {
                continue;
            };
            let Some(key) = self.user_key(watch.user_id).map(str::to_string) else {
                continue;
            };
            let class = classes.get(&content_id).copied().unwrap_or("Page");
            let notification_id = self.synthetic_id();
            self.put(
                Object::new("Notification", package::NOTIFICATION, notification_id)
                    .time("creationDate", watch.created_ms)
                    .time("lastModificationDate", watch.created_ms)
                    .plain("digest", "false")
                    .plain("network", "false")
                    .enumeration(
                        "type",
                        "ContentTypeEnum",
                        package::SEARCH,
                        if class == "BlogPost" {
                            "blogpost"
                        } else {
                            "page"
                        },
                    )
                    .reference("content", class, package::PAGES, content_id.0)
                    .user_reference("receiver", Some(&key))
                    .user_reference("creator", Some(&key))
                    .user_reference("lastModifier", Some(&key)),
            )
            .await?;
            self.summary.watches += 1;
        }
        Ok(())
    }
}
