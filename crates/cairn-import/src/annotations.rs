//! What users added around content: JSON content properties, watches and likes.
//!
//! JSON content properties (`/rest/api/content/{id}/property`) are `CustomContentEntityObject`s of
//! the content-property storage module: the title is the key, the body the JSON value, the
//! container the content. Watches are `Notification` objects naming a user (`receiver` or
//! `userName`) and a page or blog post (`content`, `page`) or a space (`space`). Likes are
//! `LikeEntity` objects naming a user (`user`) and a page, blog post or comment (`content`);
//! Cloud writes `liked` beside them, and a like it says is withdrawn (`false`) is left out.

use std::collections::HashSet;

use crate::model::{BodyRef, Builder, Objects, Person, id_number, raw_status_is_current};
use crate::time::parse_export_time;

/// The plugin module whose custom content holds JSON content properties.
const CONTENT_PROPERTY_MODULE: &str = "content-property-storage:content-property";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportProperty {
    /// The page, blog post or comment (the current object).
    pub content_id: i64,
    pub key: String,
    /// The JSON value.
    pub value: BodyRef,
    pub version: i32,
    pub modifier: Person,
    pub modified_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportWatchTarget {
    /// A page or blog post.
    Content(i64),
    Space(i64),
}

/// Someone liking a page, blog post or comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportLike {
    /// The current object of the content liked.
    pub content_id: i64,
    pub username: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportWatch {
    pub username: String,
    pub target: ExportWatchTarget,
    pub created_ms: i64,
}

/// Whether custom content `object` is a JSON content property.
pub(crate) fn is_content_property(object: &crate::xml::RawObject) -> bool {
    object
        .text_trimmed("pluginModuleKey")
        .is_some_and(|module| module.ends_with(CONTENT_PROPERTY_MODULE))
}

/// The JSON content properties on the content in `content_ids` (pages, blog posts, comments).
pub(crate) fn properties(
    builder: &mut Builder<'_>,
    objects: &Objects,
    content_ids: &HashSet<i64>,
) -> Vec<ExportProperty> {
    let mut properties = Vec::new();
    let mut seen = HashSet::new();
    for object in objects.of("CustomContentEntityObject") {
        if !is_content_property(object) || !raw_status_is_current(object) {
            continue;
        }
        // A property's old versions name their current object; only the current one is kept.
        if builder.originals.contains_key(&object.id) {
            continue;
        }
        let container = object
            .reference("containerContent")
            .or_else(|| object.reference("content"))
            .map(|container| {
                builder
                    .originals
                    .get(&container.id)
                    .cloned()
                    .unwrap_or_else(|| container.id.clone())
            });
        let Some(content_id) = container
            .as_deref()
            .and_then(id_number)
            .filter(|id| content_ids.contains(id))
        else {
            builder.skip(
                "content property",
                &object.id,
                "on no page, blog post or comment that is imported",
            );
            continue;
        };
        let Some(key) = object.text_trimmed("title") else {
            builder.skip("content property", &object.id, "no key");
            continue;
        };
        let key = match cairn_core::validate_property_key(key) {
            Ok(key) => key,
            Err(error) => {
                builder.skip("content property", &object.id, error.to_string());
                continue;
            }
        };
        let Some(value) = builder.bodies.get(&object.id).cloned() else {
            builder.skip(
                "content property",
                &object.id,
                format!("{key}: no value in the export"),
            );
            continue;
        };
        if !seen.insert((content_id, key.clone())) {
            builder.skip(
                "content property",
                &object.id,
                format!("{key}: a second property of that key on {content_id}"),
            );
            continue;
        }
        properties.push(ExportProperty {
            content_id,
            key,
            value,
            version: object
                .number("version")
                .and_then(|number| i32::try_from(number).ok())
                .filter(|number| *number >= 1)
                .unwrap_or(1),
            modifier: builder
                .person(object, "lastModifier", "lastModifierName")
                .or_else(|| builder.person(object, "creator", "creatorName")),
            modified_ms: object
                .text("lastModificationDate")
                .or_else(|| object.text("creationDate"))
                .and_then(parse_export_time)
                .unwrap_or(0),
        });
    }
    properties
}

/// The watches on the content in `content_ids` and the spaces in `space_ids`.
pub(crate) fn watches(
    builder: &mut Builder<'_>,
    objects: &Objects,
    content_ids: &HashSet<i64>,
    space_ids: &HashSet<i64>,
) -> Vec<ExportWatch> {
    let mut watches = Vec::new();
    let mut seen = HashSet::new();
    for object in objects.of("Notification") {
        let Some(username) = builder.person(object, "receiver", "userName") else {
            builder.skip("watch", &object.id, "names no user");
            continue;
        };
        let content = object
            .reference("content")
            .or_else(|| object.reference("page"))
            .map(|content| {
                builder
                    .originals
                    .get(&content.id)
                    .cloned()
                    .unwrap_or_else(|| content.id.clone())
            });
        let target = if let Some(content) = content {
            match id_number(&content).filter(|id| content_ids.contains(id)) {
                Some(id) => ExportWatchTarget::Content(id),
                None => {
                    builder.skip(
                        "watch",
                        &object.id,
                        format!("on content {content}, which is not imported"),
                    );
                    continue;
                }
            }
        } else if let Some(space) = object.reference("space") {
            match id_number(&space.id).filter(|id| space_ids.contains(id)) {
                Some(id) => ExportWatchTarget::Space(id),
                None => continue,
            }
        } else {
            builder.skip(
                "watch",
                &object.id,
                "of a kind Cairn does not have (site-wide, a label or blog posts of a space)",
            );
            continue;
        };
        if seen.insert((username.to_lowercase(), target)) {
            watches.push(ExportWatch {
                username,
                target,
                created_ms: object
                    .text("creationDate")
                    .and_then(parse_export_time)
                    .unwrap_or(0),
            });
        }
    }
    watches
}

/// The likes of the content in `content_ids` (pages, blog posts, comments).
pub(crate) fn likes(
    builder: &mut Builder<'_>,
    objects: &Objects,
    content_ids: &HashSet<i64>,
) -> Vec<ExportLike> {
    let mut likes = Vec::new();
    let mut seen = HashSet::new();
    for object in objects.of("LikeEntity") {
        if object.text_trimmed("liked") == Some("false") {
            continue;
        }
        let Some(username) = builder.person(object, "user", "userName") else {
            builder.skip("like", &object.id, "names no user");
            continue;
        };
        // A like of an old version belongs to the current object.
        let content = object.reference("content").map(|content| {
            builder
                .originals
                .get(&content.id)
                .cloned()
                .unwrap_or_else(|| content.id.clone())
        });
        let Some(content_id) = content
            .as_deref()
            .and_then(id_number)
            .filter(|id| content_ids.contains(id))
        else {
            builder.skip(
                "like",
                &object.id,
                format!(
                    "of {}, which is not imported",
                    content.as_deref().unwrap_or("nothing the export names")
                ),
            );
            continue;
        };
        if seen.insert((content_id, username.to_lowercase())) {
            likes.push(ExportLike {
                content_id,
                username,
                created_ms: object
                    .text("creationDate")
                    .and_then(parse_export_time)
                    .unwrap_or(0),
            });
        }
    }
    likes
}
