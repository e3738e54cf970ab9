//! The normalised model of an export: what entities.xml says once its objects are joined, whatever
//! the Confluence version that wrote it.
//!
//! Joins go both ways, because which side of a relation an export writes depends on its version:
//! a body names its content or the content lists its bodies; a property names its owner or the
//! owner lists it; a page names its parent or the parent lists its children; an old version names
//! its current object (`originalVersion`, a reference, or `originalVersionId`, a number) or the
//! current object lists it (`historicalVersions`).
//!
//! Bodies stay in the spill file ([`BodyRef`]); everything else of the model is in memory.

use std::collections::{BTreeMap, HashMap, HashSet};

pub use crate::annotations::{ExportLike, ExportProperty, ExportWatch, ExportWatchTarget};
pub use crate::grants::{ExportGroup, ExportRestriction, ExportSpacePermission, ExportSubject};
use crate::time::parse_export_time;
use crate::xml::RawObject;

/// Whose: the user name an export gives (resolved from a user key where it gives a key).
pub type Person = Option<String>;

/// A user the export describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportUser {
    /// Confluence's user key (5.x and later), when there is one.
    pub key: Option<String>,
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub active: bool,
}

/// How a body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    /// XHTML storage format (bodyType 2), kept verbatim.
    Storage,
    /// Confluence 3's wiki markup (bodyType 1, or no bodyType at all in old exports).
    WikiMarkup,
    /// Plain text (bodyType 0).
    Raw,
}

/// A body in the spill file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyRef {
    pub id: String,
    pub body_type: BodyType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStatus {
    Current,
    /// `deleted` in the export: in the space's trash.
    Trashed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentKind {
    Page,
    BlogPost,
}

impl ContentKind {
    pub fn label(self) -> &'static str {
        match self {
            ContentKind::Page => "page",
            ContentKind::BlogPost => "blog post",
        }
    }
}

/// One version of a page, blog post or comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportVersion {
    /// The object that holds this version (the current object for the latest).
    pub object_id: i64,
    pub number: i32,
    pub title: String,
    pub author: Person,
    pub created_ms: i64,
    pub message: String,
    pub minor_edit: bool,
    pub body: Option<BodyRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSpace {
    pub id: i64,
    pub key: String,
    pub name: String,
    /// The body of its SpaceDescription.
    pub description: Option<BodyRef>,
    pub home_page_id: Option<i64>,
    pub creator: Person,
    pub created_ms: i64,
    /// `~username` spaces, or spaceType `personal`.
    pub personal: bool,
}

/// A page or blog post, current or in the trash, with every version the export holds (the
/// current one last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportContent {
    pub id: i64,
    pub kind: ContentKind,
    pub status: ExportStatus,
    pub space_id: i64,
    pub parent_id: Option<i64>,
    pub position: Option<i64>,
    pub creator: Person,
    pub created_ms: i64,
    pub versions: Vec<ExportVersion>,
}

impl ExportContent {
    pub fn current(&self) -> &ExportVersion {
        // Invariant: the model is built with the current object as the last version.
        &self.versions[self.versions.len() - 1]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportComment {
    pub id: i64,
    pub status: ExportStatus,
    /// The page, blog post or attachment commented on.
    pub container_id: i64,
    pub parent_id: Option<i64>,
    /// Marked by the `inline-comment` content property.
    pub inline: bool,
    /// The `status` content property says `resolved`.
    pub resolved: bool,
    /// The `status` content property as written (`open`, `resolved`, `reopened`, `dangling`).
    pub status_property: Option<String>,
    /// Inline comments: the `ac:ref` of the marker in the page's body (`inline-marker-ref`).
    pub marker_ref: Option<String>,
    /// Inline comments: the text the marker covered (`inline-original-selection`).
    pub original_selection: Option<String>,
    pub creator: Person,
    pub created_ms: i64,
    pub versions: Vec<ExportVersion>,
}

impl ExportComment {
    pub fn current(&self) -> &ExportVersion {
        // Invariant: built with the current object as the last version.
        &self.versions[self.versions.len() - 1]
    }
}

/// A label on a page or blog post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportLabelling {
    pub content_id: i64,
    /// `global`, `my` or `team`.
    pub prefix: String,
    pub name: String,
    pub created_ms: i64,
}

/// A label on a space (Confluence labels the space's description object): `global`, `team` (the
/// space's categories) or `my` (`my:favourite`, a person's favourite spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSpaceLabel {
    pub space_id: i64,
    pub prefix: String,
    pub name: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportAttachmentVersion {
    pub object_id: i64,
    pub number: i32,
    pub media_type: String,
    /// The size entities.xml declares (the bytes in the archive win).
    pub declared_size: Option<i64>,
    pub author: Person,
    pub created_ms: i64,
    pub comment: String,
    pub minor_edit: bool,
    /// `attachments/<container>/<current attachment id>/<version>` when the archive has it.
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportAttachment {
    pub id: i64,
    pub container_id: i64,
    pub title: String,
    pub status: ExportStatus,
    pub creator: Person,
    pub created_ms: i64,
    /// Oldest first; the current version last.
    pub versions: Vec<ExportAttachmentVersion>,
}

impl ExportAttachment {
    pub fn current(&self) -> &ExportAttachmentVersion {
        // Invariant: built with the current object as the last version.
        &self.versions[self.versions.len() - 1]
    }
}

/// Something the export holds that is not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub kind: &'static str,
    pub id: String,
    pub reason: String,
}

/// The objects of an export by class, as the spill gives them back.
#[derive(Default)]
pub(crate) struct Objects {
    pub by_class: HashMap<String, Vec<RawObject>>,
    pub bodies: Vec<crate::spill::BodyEntry>,
    /// Every file in the archive under `attachments/`.
    pub files: HashSet<String>,
}

impl Objects {
    pub(crate) fn of(&self, class: &str) -> &[RawObject] {
        self.by_class.get(class).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The classes the model reads from the spill.
pub(crate) const MODEL_CLASSES: [&str; 22] = [
    "ConfluenceUserImpl",
    "InternalUser",
    "DefaultHibernateUser",
    "Space",
    "SpaceDescription",
    "Page",
    "BlogPost",
    "Comment",
    "Attachment",
    "Label",
    "Labelling",
    "ContentProperty",
    "Draft",
    "CustomContentEntityObject",
    "SpacePermission",
    "ContentPermissionSet",
    "ContentPermission",
    "InternalGroup",
    "DefaultHibernateGroup",
    "HibernateMembership",
    "Notification",
    "LikeEntity",
];

/// The properties the model reads; the others (`ancestors`, `outgoingLinks`, `lowerTitle`…) are
/// left in the spill when objects are loaded, since the model holds every object at once while it
/// joins them. A property read anywhere in the model must be listed here (a test checks the
/// names this crate's model code reads).
pub(crate) const MODEL_PROPERTIES: [&str; 65] = [
    "active",
    "allUsersSubject",
    "attachment",
    "attachmentVersion",
    "bodyContents",
    "childGroupMember",
    "children",
    "childrens",
    "comment",
    "containerContent",
    "content",
    "contentPermissions",
    "contentProperties",
    "contentStatus",
    "contentType",
    "creationDate",
    "creator",
    "creatorName",
    "dateValue",
    "description",
    "displayName",
    "email",
    "emailAddress",
    "fileName",
    "fileSize",
    "fullName",
    "group",
    "groupName",
    "historicalVersions",
    "homePage",
    "key",
    "label",
    "labellings",
    "lastModificationDate",
    "lastModifier",
    "lastModifierName",
    "liked",
    "localMembers",
    "longValue",
    "lowerName",
    "name",
    "namespace",
    "originalVersion",
    "originalVersionId",
    "owner",
    "owningContent",
    "owningSet",
    "page",
    "parent",
    "parentGroup",
    "permissions",
    "pluginModuleKey",
    "position",
    "receiver",
    "space",
    "spaceType",
    "stringValue",
    "title",
    "type",
    "user",
    "userMember",
    "userName",
    "userSubject",
    "version",
    "versionComment",
];

/// The model's own static copy of property name `name`, when the model reads it.
pub(crate) fn model_property(name: &str) -> Option<&'static str> {
    // Sorted (a test checks), so a binary search.
    MODEL_PROPERTIES
        .binary_search(&name)
        .ok()
        .map(|index| MODEL_PROPERTIES[index])
}

/// The model, built from the spilled objects.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Model {
    pub users: Vec<ExportUser>,
    pub spaces: Vec<ExportSpace>,
    pub contents: Vec<ExportContent>,
    pub comments: Vec<ExportComment>,
    pub labellings: Vec<ExportLabelling>,
    pub space_labels: Vec<ExportSpaceLabel>,
    pub attachments: Vec<ExportAttachment>,
    /// Groups of a site export, with their members.
    pub groups: Vec<ExportGroup>,
    pub space_permissions: Vec<ExportSpacePermission>,
    pub restrictions: Vec<ExportRestriction>,
    pub properties: Vec<ExportProperty>,
    pub watches: Vec<ExportWatch>,
    pub likes: Vec<ExportLike>,
    pub skipped: Vec<Skipped>,
}

pub(crate) fn id_number(text: &str) -> Option<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| (1..(1_i64 << 53)).contains(id))
}

/// Lifecycle status of a content object as the export writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawStatus {
    Current,
    Deleted,
    Draft,
    Other,
}

fn raw_status(object: &RawObject) -> RawStatus {
    match object.text_trimmed("contentStatus") {
        None | Some("current") => RawStatus::Current,
        Some("deleted") => RawStatus::Deleted,
        Some("draft") => RawStatus::Draft,
        Some(_) => RawStatus::Other,
    }
}

/// Whether `object` is live content (not a draft, not deleted).
pub(crate) fn raw_status_is_current(object: &RawObject) -> bool {
    raw_status(object) == RawStatus::Current
}

pub(crate) struct Builder<'a> {
    objects: &'a Objects,
    /// user key -> user name
    user_names: HashMap<String, String>,
    /// content id -> its first body
    pub(crate) bodies: HashMap<String, BodyRef>,
    /// historical object id -> current object id (both ways joined)
    pub(crate) originals: HashMap<String, String>,
    /// owner id -> its content properties
    properties: HashMap<String, Vec<&'a RawObject>>,
    skipped: Vec<Skipped>,
}

impl<'a> Builder<'a> {
    fn new(objects: &'a Objects) -> Builder<'a> {
        let mut user_names = HashMap::new();
        for user in objects.of("ConfluenceUserImpl") {
            if let Some(name) = user
                .text_trimmed("name")
                .or_else(|| user.text_trimmed("lowerName"))
            {
                user_names.insert(user.id.clone(), name.to_string());
            }
        }

        let body_type = |number: Option<i64>| match number {
            Some(2) => Some(BodyType::Storage),
            Some(1) | None => Some(BodyType::WikiMarkup),
            Some(0) => Some(BodyType::Raw),
            Some(_) => None,
        };
        let mut bodies = HashMap::new();
        let mut body_types = HashMap::new();
        for entry in &objects.bodies {
            let Some(kind) = body_type(entry.body_type) else {
                continue;
            };
            body_types.insert(entry.id.clone(), kind);
            if let Some(content) = &entry.content {
                bodies.entry(content.id.clone()).or_insert(BodyRef {
                    id: entry.id.clone(),
                    body_type: kind,
                });
            }
        }
        // The other side: content listing its bodies (the list wins, it is the content's own).
        for class in [
            "Page",
            "BlogPost",
            "Comment",
            "SpaceDescription",
            "CustomContentEntityObject",
        ] {
            for object in objects.of(class) {
                if let Some(first) = object
                    .references("bodyContents")
                    .iter()
                    .find(|body| body_types.contains_key(&body.id))
                {
                    bodies.insert(
                        object.id.clone(),
                        BodyRef {
                            id: first.id.clone(),
                            body_type: body_types[&first.id],
                        },
                    );
                }
            }
        }

        let mut originals = HashMap::new();
        for class in [
            "Page",
            "BlogPost",
            "Comment",
            "Attachment",
            "CustomContentEntityObject",
        ] {
            for object in objects.of(class) {
                for historical in object.references("historicalVersions") {
                    originals.insert(historical.id.clone(), object.id.clone());
                }
            }
        }
        for class in [
            "Page",
            "BlogPost",
            "Comment",
            "Attachment",
            "CustomContentEntityObject",
        ] {
            for object in objects.of(class) {
                let original = object
                    .reference("originalVersion")
                    .map(|reference| reference.id.clone())
                    .or_else(|| object.text_trimmed("originalVersionId").map(str::to_string))
                    .filter(|original| *original != object.id);
                if let Some(original) = original {
                    originals.insert(object.id.clone(), original);
                }
            }
        }

        let mut properties: HashMap<String, Vec<&RawObject>> = HashMap::new();
        let by_id: HashMap<&str, &RawObject> = objects
            .of("ContentProperty")
            .iter()
            .map(|property| (property.id.as_str(), property))
            .collect();
        let mut owned: HashSet<&str> = HashSet::new();
        for property in objects.of("ContentProperty") {
            if let Some(owner) = property.reference("content") {
                properties
                    .entry(owner.id.clone())
                    .or_default()
                    .push(property);
                owned.insert(property.id.as_str());
            }
        }
        for class in ["Page", "BlogPost", "Comment", "Attachment"] {
            for object in objects.of(class) {
                for reference in object.references("contentProperties") {
                    if owned.contains(reference.id.as_str()) {
                        continue;
                    }
                    if let Some(property) = by_id.get(reference.id.as_str()) {
                        properties
                            .entry(object.id.clone())
                            .or_default()
                            .push(property);
                    }
                }
            }
        }

        Builder {
            objects,
            user_names,
            bodies,
            originals,
            properties,
            skipped: Vec::new(),
        }
    }

    pub(crate) fn skip(&mut self, kind: &'static str, id: &str, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            kind,
            id: id.to_string(),
            reason: reason.into(),
        });
    }

    /// The person in `reference_name` (a user object) or else `name_property` (a user name).
    pub(crate) fn person(
        &self,
        object: &RawObject,
        reference_name: &str,
        name_property: &str,
    ) -> Person {
        if let Some(reference) = object.reference(reference_name) {
            return Some(
                self.user_names
                    .get(&reference.id)
                    .cloned()
                    .unwrap_or_else(|| reference.id.clone()),
            );
        }
        object.text_trimmed(name_property).map(str::to_string)
    }

    fn property(&self, owner: &str, name: &str) -> Option<&'a RawObject> {
        self.properties
            .get(owner)?
            .iter()
            .find(|property| property.text("name") == Some(name))
            .copied()
    }

    fn property_text(&self, owner: &str, name: &str) -> Option<String> {
        let property = self.property(owner, name)?;
        property
            .text_trimmed("stringValue")
            .map(str::to_string)
            .or_else(|| {
                property
                    .number("longValue")
                    .map(|number| number.to_string())
            })
    }

    fn version_of(&self, object: &RawObject, title: &str) -> Option<ExportVersion> {
        let object_id = id_number(&object.id)?;
        let created_ms = object
            .text("lastModificationDate")
            .or_else(|| object.text("creationDate"))
            .and_then(parse_export_time)
            .unwrap_or(0);
        Some(ExportVersion {
            object_id,
            number: object
                .number("version")
                .and_then(|number| i32::try_from(number).ok())
                .filter(|number| *number >= 1)
                .unwrap_or(1),
            title: title.to_string(),
            author: self
                .person(object, "lastModifier", "lastModifierName")
                .or_else(|| self.person(object, "creator", "creatorName")),
            created_ms,
            message: object
                .text("versionComment")
                .unwrap_or_default()
                .to_string(),
            minor_edit: self.property_text(&object.id, "MINOR_EDIT").as_deref() == Some("1"),
            body: self.bodies.get(&object.id).cloned(),
        })
    }

    /// Splits the objects of `classes` into current objects and their old versions, skipping drafts.
    fn current_and_history(
        &mut self,
        classes: &[&str],
        kind: &'static str,
    ) -> (Vec<&'a RawObject>, HashMap<String, Vec<&'a RawObject>>) {
        let objects = self.objects;
        let mut current = Vec::new();
        let mut history: HashMap<String, Vec<&RawObject>> = HashMap::new();
        for class in classes {
            for object in objects.of(class) {
                let status = raw_status(object);
                let original = self.originals.get(&object.id).cloned();
                match (status, original) {
                    (RawStatus::Draft, Some(original)) => self.skip(
                        kind,
                        &object.id,
                        format!("an unpublished draft of {original}: drafts are not versions"),
                    ),
                    (RawStatus::Draft, None) => {
                        self.skip(kind, &object.id, "a draft that was never published")
                    }
                    (RawStatus::Other, _) => self.skip(
                        kind,
                        &object.id,
                        format!(
                            "status {}",
                            object.text_trimmed("contentStatus").unwrap_or_default()
                        ),
                    ),
                    (_, Some(original)) => history.entry(original).or_default().push(object),
                    (_, None) => current.push(object),
                }
            }
        }
        (current, history)
    }

    /// Every version of `object` (its history, then itself), oldest first, one per number.
    fn versions(
        &self,
        object: &RawObject,
        history: &HashMap<String, Vec<&RawObject>>,
        title_of: impl Fn(&RawObject) -> String,
    ) -> Option<Vec<ExportVersion>> {
        let latest = self.version_of(object, &title_of(object))?;
        let mut by_number: BTreeMap<i32, ExportVersion> = BTreeMap::new();
        for old in history.get(&object.id).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(version) = self.version_of(old, &title_of(old))
                && version.number < latest.number
            {
                by_number.insert(version.number, version);
            }
        }
        by_number.insert(latest.number, latest);
        Some(by_number.into_values().collect())
    }
}

/// Builds the model from the spilled objects.
pub(crate) fn build(objects: &Objects) -> Model {
    let mut builder = Builder::new(objects);
    let mut model = Model {
        users: users(objects),
        ..Model::default()
    };

    for draft in objects.of("Draft") {
        builder.skip("draft", &draft.id, "drafts are not versions");
    }
    let custom = objects
        .of("CustomContentEntityObject")
        .iter()
        .filter(|object| !crate::annotations::is_content_property(object))
        .count();
    if custom > 0 {
        builder.skip(
            "custom content",
            &format!("{custom} objects"),
            "content of apps (CustomContentEntityObject) is not imported",
        );
    }

    // Spaces.
    let descriptions: HashMap<&str, &RawObject> = objects
        .of("SpaceDescription")
        .iter()
        .map(|description| (description.id.as_str(), description))
        .collect();
    for space in objects.of("Space") {
        let (Some(id), Some(key)) = (id_number(&space.id), space.text_trimmed("key")) else {
            builder.skip("space", &space.id, "no id or key");
            continue;
        };
        let description = space
            .reference("description")
            .and_then(|reference| descriptions.get(reference.id.as_str()))
            .and_then(|description| builder.bodies.get(&description.id).cloned());
        model.spaces.push(ExportSpace {
            id,
            key: key.to_string(),
            name: space.text_trimmed("name").unwrap_or(key).to_string(),
            description,
            home_page_id: space
                .reference("homePage")
                .and_then(|home| id_number(&home.id)),
            creator: builder.person(space, "creator", "creatorName"),
            created_ms: space
                .text("creationDate")
                .and_then(parse_export_time)
                .unwrap_or(0),
            personal: key.starts_with('~') || space.text_trimmed("spaceType") == Some("personal"),
        });
    }
    let space_ids: HashSet<i64> = model.spaces.iter().map(|space| space.id).collect();

    // Pages and blog posts.
    let (current, history) = builder.current_and_history(&["Page", "BlogPost"], "page");
    let mut parents: HashMap<String, String> = HashMap::new();
    for object in &current {
        for child in object
            .references("children")
            .iter()
            .chain(object.references("childrens"))
        {
            parents.insert(child.id.clone(), object.id.clone());
        }
    }
    let title = |object: &RawObject| object.text("title").unwrap_or_default().trim().to_string();
    for object in &current {
        let Some(id) = id_number(&object.id) else {
            builder.skip("page", &object.id, "an id that is not a number below 2^53");
            continue;
        };
        let kind = if object.class == "BlogPost" {
            ContentKind::BlogPost
        } else {
            ContentKind::Page
        };
        let Some(space_id) = object
            .reference("space")
            .and_then(|space| id_number(&space.id))
            .filter(|space| space_ids.contains(space))
        else {
            builder.skip(kind_label(kind), &object.id, "not in a space of the export");
            continue;
        };
        let Some(versions) = builder.versions(object, &history, title) else {
            continue;
        };
        let parent_id = match kind {
            ContentKind::BlogPost => None,
            ContentKind::Page => object
                .reference("parent")
                .map(|parent| parent.id.clone())
                .or_else(|| parents.get(&object.id).cloned())
                .and_then(|parent| id_number(&parent)),
        };
        model.contents.push(ExportContent {
            id,
            kind,
            status: if raw_status(object) == RawStatus::Deleted {
                ExportStatus::Trashed
            } else {
                ExportStatus::Current
            },
            space_id,
            parent_id,
            position: object.number("position"),
            creator: builder.person(object, "creator", "creatorName"),
            created_ms: object
                .text("creationDate")
                .and_then(parse_export_time)
                .unwrap_or(0),
            versions,
        });
    }
    let content_ids: HashMap<i64, ContentKind> = model
        .contents
        .iter()
        .map(|content| (content.id, content.kind))
        .collect();
    // A parent the export does not hold (or that is not a page): the page goes to the root.
    for content in &mut model.contents {
        if let Some(parent) = content.parent_id
            && content_ids.get(&parent) != Some(&ContentKind::Page)
        {
            content.parent_id = None;
        }
    }

    // Attachments.
    let (current_files, file_history) = builder.current_and_history(&["Attachment"], "attachment");
    for object in &current_files {
        let Some(id) = id_number(&object.id) else {
            builder.skip(
                "attachment",
                &object.id,
                "an id that is not a number below 2^53",
            );
            continue;
        };
        let container = object
            .reference("containerContent")
            .or_else(|| object.reference("content"));
        let Some(container_id) = container
            .and_then(|container| id_number(&container.id))
            .filter(|container| content_ids.contains_key(container))
        else {
            builder.skip(
                "attachment",
                &object.id,
                "on no page or blog post that is imported",
            );
            continue;
        };
        let title = object
            .text_trimmed("title")
            .or_else(|| object.text_trimmed("fileName"))
            .unwrap_or_default()
            .to_string();
        if title.is_empty() {
            builder.skip("attachment", &object.id, "no file name");
            continue;
        }
        let mut by_number: BTreeMap<i32, ExportAttachmentVersion> = BTreeMap::new();
        let olds = file_history
            .get(&object.id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for version_object in olds.iter().copied().chain(std::iter::once(*object)) {
            let Some(object_id) = id_number(&version_object.id) else {
                continue;
            };
            let number = version_object
                .number("attachmentVersion")
                .or_else(|| version_object.number("version"))
                .and_then(|number| i32::try_from(number).ok())
                .filter(|number| *number >= 1)
                .unwrap_or(1);
            let file = format!("attachments/{container_id}/{id}/{number}");
            by_number.insert(
                number,
                ExportAttachmentVersion {
                    object_id,
                    number,
                    media_type: version_object
                        .text_trimmed("contentType")
                        .map(str::to_string)
                        .or_else(|| builder.property_text(&version_object.id, "MEDIA_TYPE"))
                        .unwrap_or_else(|| "application/octet-stream".to_string()),
                    declared_size: version_object.number("fileSize").or_else(|| {
                        builder
                            .property_text(&version_object.id, "FILESIZE")
                            .and_then(|size| size.parse().ok())
                    }),
                    author: builder
                        .person(version_object, "lastModifier", "lastModifierName")
                        .or_else(|| builder.person(version_object, "creator", "creatorName")),
                    created_ms: version_object
                        .text("lastModificationDate")
                        .or_else(|| version_object.text("creationDate"))
                        .and_then(parse_export_time)
                        .unwrap_or(0),
                    comment: version_object
                        .text("comment")
                        .or_else(|| version_object.text("versionComment"))
                        .unwrap_or_default()
                        .to_string(),
                    minor_edit: builder
                        .property_text(&version_object.id, "MINOR_EDIT")
                        .as_deref()
                        == Some("1"),
                    file: objects.files.contains(&file).then_some(file),
                },
            );
        }
        // The current object's number is the highest; an old object claiming more is noise.
        let current_number = by_number.keys().next_back().copied().unwrap_or(1);
        model.attachments.push(ExportAttachment {
            id,
            container_id,
            title,
            status: if raw_status(object) == RawStatus::Deleted {
                ExportStatus::Trashed
            } else {
                ExportStatus::Current
            },
            creator: builder.person(object, "creator", "creatorName"),
            created_ms: object
                .text("creationDate")
                .and_then(parse_export_time)
                .unwrap_or(0),
            versions: by_number
                .into_values()
                .filter(|version| version.number <= current_number)
                .collect(),
        });
    }

    let attachment_ids: HashSet<i64> = model
        .attachments
        .iter()
        .map(|attachment| attachment.id)
        .collect();

    // Comments.
    let (current_comments, comment_history) = builder.current_and_history(&["Comment"], "comment");
    let mut comment_parents: HashMap<String, String> = HashMap::new();
    for object in &current_comments {
        for child in object.references("children") {
            comment_parents.insert(child.id.clone(), object.id.clone());
        }
    }
    for object in &current_comments {
        let Some(id) = id_number(&object.id) else {
            builder.skip(
                "comment",
                &object.id,
                "an id that is not a number below 2^53",
            );
            continue;
        };
        let container = object
            .reference("containerContent")
            .or_else(|| object.reference("owner"))
            .or_else(|| object.reference("page"));
        let Some(container) = container else {
            builder.skip("comment", &object.id, "on nothing the export names");
            continue;
        };
        // A comment on an attachment names the attachment's current object or an old version.
        let container_id = builder
            .originals
            .get(&container.id)
            .cloned()
            .unwrap_or_else(|| container.id.clone());
        let Some(container_id) = id_number(&container_id)
            .filter(|id| content_ids.contains_key(id) || attachment_ids.contains(id))
        else {
            builder.skip(
                "comment",
                &object.id,
                format!(
                    "on {} {}, which is not imported",
                    container.class, container.id
                ),
            );
            continue;
        };
        let Some(versions) = builder.versions(object, &comment_history, |_| String::new()) else {
            continue;
        };
        let inline = builder
            .property_text(&object.id, "inline-comment")
            .as_deref()
            == Some("true")
            || builder.property(&object.id, "inline-marker-ref").is_some();
        model.comments.push(ExportComment {
            id,
            status: if raw_status(object) == RawStatus::Deleted {
                ExportStatus::Trashed
            } else {
                ExportStatus::Current
            },
            container_id,
            parent_id: object
                .reference("parent")
                .map(|parent| parent.id.clone())
                .or_else(|| comment_parents.get(&object.id).cloned())
                .and_then(|parent| id_number(&parent)),
            inline,
            resolved: builder.property_text(&object.id, "status").as_deref() == Some("resolved"),
            status_property: builder.property_text(&object.id, "status"),
            marker_ref: builder.property_text(&object.id, "inline-marker-ref"),
            original_selection: builder
                .property(&object.id, "inline-original-selection")
                .and_then(|property| property.text("stringValue"))
                .map(str::to_string),
            creator: builder.person(object, "creator", "creatorName"),
            created_ms: object
                .text("creationDate")
                .and_then(parse_export_time)
                .unwrap_or(0),
            versions,
        });
    }
    let comment_ids: HashSet<i64> = model.comments.iter().map(|comment| comment.id).collect();
    for comment in &mut model.comments {
        if let Some(parent) = comment.parent_id
            && !comment_ids.contains(&parent)
        {
            comment.parent_id = None;
        }
    }

    // Labels, of content and of spaces.
    (model.labellings, model.space_labels) =
        crate::labels::labels(&mut builder, objects, &content_ids, &space_ids);

    // Who may do what, and what users added around the content.
    model.space_permissions = crate::grants::space_permissions(&mut builder, objects, &space_ids);
    let page_ids: HashSet<i64> = content_ids.keys().copied().collect();
    model.restrictions = crate::grants::restrictions(&mut builder, objects, &page_ids);
    model.groups = crate::grants::groups(&mut builder, objects);
    let annotated: HashSet<i64> = page_ids.union(&comment_ids).copied().collect();
    model.properties = crate::annotations::properties(&mut builder, objects, &annotated);
    model.watches = crate::annotations::watches(&mut builder, objects, &page_ids, &space_ids);
    model.likes = crate::annotations::likes(&mut builder, objects, &annotated);

    model.skipped = builder.skipped;
    model
}

fn kind_label(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Page => "page",
        ContentKind::BlogPost => "blog post",
    }
}

/// Users: ConfluenceUserImpl (key and name), with the profile of InternalUser (Crowd, 4.x and
/// later) or DefaultHibernateUser (3.x) of the same name, in site exports.
fn users(objects: &Objects) -> Vec<ExportUser> {
    let mut by_name: BTreeMap<String, ExportUser> = BTreeMap::new();
    for user in objects.of("ConfluenceUserImpl") {
        let Some(name) = user
            .text_trimmed("name")
            .or_else(|| user.text_trimmed("lowerName"))
        else {
            continue;
        };
        by_name.insert(
            name.to_lowercase(),
            ExportUser {
                key: Some(user.id.clone()),
                username: name.to_string(),
                display_name: None,
                email: None,
                active: true,
            },
        );
    }
    for (class, display, email) in [
        ("InternalUser", "displayName", "emailAddress"),
        ("DefaultHibernateUser", "fullName", "email"),
    ] {
        for user in objects.of(class) {
            let Some(name) = user.text_trimmed("name") else {
                continue;
            };
            let entry = by_name
                .entry(name.to_lowercase())
                .or_insert_with(|| ExportUser {
                    key: None,
                    username: name.to_string(),
                    display_name: None,
                    email: None,
                    active: true,
                });
            entry.display_name = user.text_trimmed(display).map(str::to_string);
            entry.email = user.text_trimmed(email).map(str::to_string);
            entry.active = user.text_trimmed("active") != Some("false");
        }
    }
    by_name.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_properties_kept_are_sorted_for_the_search() {
        assert!(MODEL_PROPERTIES.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(model_property("title"), Some("title"));
        assert_eq!(model_property("outgoingLinks"), None);
    }

    /// Every property the model's code reads by a literal name is kept when objects are loaded:
    /// a name missing from `MODEL_PROPERTIES` would read as absent on every export.
    #[test]
    fn every_property_the_model_reads_is_kept() {
        let sources = [
            include_str!("model.rs"),
            include_str!("grants.rs"),
            include_str!("annotations.rs"),
        ];
        let readers = [
            ".text(\"",
            ".text_trimmed(\"",
            ".reference(\"",
            ".references(\"",
            ".number(\"",
        ];
        let mut checked = 0;
        for source in sources {
            for reader in readers {
                for (start, _) in source.match_indices(reader) {
                    let rest = &source[start + reader.len()..];
                    let Some(end) = rest.find('"') else {
                        continue;
                    };
                    let name = &rest[..end];
                    assert!(
                        model_property(name).is_some(),
                        "{name} is read but not kept"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 40, "only {checked} reads found");
    }
}
