//! Exporting a space as a Confluence XML space export (`cairn export confluence KEY FILE.zip`),
//! the shape Confluence 7 and 8 write and Cairn's importer reads back without loss.
//!
//! The zip holds, in this order: `attachments/<container id>/<attachment id>/<version>` (every
//! version's bytes, streamed from the blob store), `entities.xml` (Hibernate's generic shape,
//! written object by object while the space is read in batches), and
//! `exportDescriptor.properties`. It is written to a temporary file beside the destination and
//! renamed onto it only when complete, so a failed export leaves nothing behind.
//!
//! Content, attachments and spaces keep their Cairn ids as Confluence ids; objects Cairn has no
//! row of its own for (old versions, bodies, labellings, grants, watches) get ids from 2^52 up,
//! where no Cairn id is.

mod content;
pub(crate) mod entities;
pub mod zip_sink;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use bytes::Bytes;
use cairn_blob::{BlobKey, BlobStore};
use cairn_core::{ContentId, GroupId, Space, SpaceKey, SpaceStatus, Subject, UserId};
use cairn_store::Store;
use futures_util::StreamExt;

use crate::error::{ImportError, ImportResult};
use content::{class_of, status_of};
use entities::{DOCUMENT_END, Object, document_start, package};
use zip_sink::ZipSink;

/// Ids of objects without a Cairn row start here, above every id Cairn hands out (below 2^53).
const SYNTHETIC_IDS_FROM: i64 = 1 << 52;
/// entities.xml is handed to the zip in pieces of about this size.
const FLUSH_BYTES: usize = 256 * 1024;
/// Attachments read at once.
const ATTACHMENT_BATCH: i64 = 200;
/// The Confluence build the export says wrote it (7.19, whose exports Confluence 7.19 to 8.x
/// import).
const BUILD_NUMBER: &str = "8804";

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub space_key: String,
    pub pages: usize,
    pub blog_posts: usize,
    pub comments: usize,
    /// Versions of pages, blog posts and comments.
    pub versions: usize,
    /// Pages, blog posts and comments in the trash (counted above too).
    pub trashed: usize,
    pub labels: usize,
    pub properties: usize,
    pub restrictions: usize,
    pub space_permissions: usize,
    pub watches: usize,
    pub likes: usize,
    /// Labels of the space (written on its description object, as Confluence keeps them).
    pub space_labels: usize,
    pub attachments: usize,
    pub attachment_versions: usize,
    pub attachment_bytes: u64,
    pub users: usize,
    pub groups: usize,
    /// Attachment versions whose bytes the blob store did not have (left out of the zip).
    pub missing_files: Vec<String>,
    /// The size of the zip.
    pub zip_bytes: u64,
}

impl fmt::Display for ExportSummary {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(out, "space {} exported", self.space_key)?;
        writeln!(
            out,
            "  pages: {}, blog posts: {}, comments: {} ({} in the trash), versions: {}",
            self.pages, self.blog_posts, self.comments, self.trashed, self.versions
        )?;
        writeln!(
            out,
            "  attachments: {} ({} versions, {} bytes)",
            self.attachments, self.attachment_versions, self.attachment_bytes
        )?;
        writeln!(
            out,
            "  labels: {}, content properties: {}, restrictions: {}, space permissions: {}, watches: {}",
            self.labels, self.properties, self.restrictions, self.space_permissions, self.watches
        )?;
        writeln!(
            out,
            "  likes: {}, space labels: {}",
            self.likes, self.space_labels
        )?;
        writeln!(out, "  users: {}, groups: {}", self.users, self.groups)?;
        for missing in &self.missing_files {
            writeln!(
                out,
                "  note: {missing}: its bytes are missing from the blob store; left out"
            )?;
        }
        writeln!(out, "  zip: {} bytes", self.zip_bytes)
    }
}

/// Exports the space of `key` to a zip at `destination` (replaced if it exists).
pub async fn export_space(
    store: &Store,
    blobs: &BlobStore,
    key: &SpaceKey,
    destination: &Path,
) -> ImportResult<ExportSummary> {
    let space = store
        .find_space_by_key(key)
        .await?
        .ok_or_else(|| ImportError::SpaceNotFound(key.to_string()))?;
    let directory = match destination.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let temporary = tempfile::Builder::new()
        .prefix(".cairn-export-")
        .suffix(".zip.part")
        .tempfile_in(&directory)
        .map_err(|source| ImportError::Open {
            path: directory.display().to_string(),
            source,
        })?;
    let file = temporary.reopen().map_err(ImportError::ExportWrite)?;
    let mut sink = ZipSink::start(file);
    let written = write_export(store, blobs, &space, &mut sink).await;
    let mut summary = match written {
        Ok(summary) => {
            sink.finish().await?;
            summary
        }
        Err(error) => {
            drop(sink);
            // The temporary file is removed when `temporary` is dropped.
            return Err(error);
        }
    };
    let persisted = temporary
        .persist(destination)
        .map_err(|error| ImportError::ExportWrite(error.error))?;
    summary.zip_bytes = persisted
        .metadata()
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    tracing::info!(space = %key, bytes = summary.zip_bytes, "space exported");
    Ok(summary)
}

async fn write_export(
    store: &Store,
    blobs: &BlobStore,
    space: &Space,
    sink: &mut ZipSink,
) -> ImportResult<ExportSummary> {
    let mut entities = Entities {
        store,
        space,
        sink,
        buffer: String::with_capacity(FLUSH_BYTES + 64 * 1024),
        next_synthetic: SYNTHETIC_IDS_FROM,
        user_keys: HashMap::new(),
        group_names: HashMap::new(),
        labels_written: HashSet::new(),
        summary: ExportSummary {
            space_key: space.key.to_string(),
            ..ExportSummary::default()
        },
    };
    entities.write_attachment_files(blobs).await?;
    entities.sink.start_entry(crate::ENTITIES, true).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(0))
        .unwrap_or(0);
    entities
        .buffer
        .push_str(&document_start(&crate::time::format_export_time(now)));
    entities.write_space().await?;
    entities.write_contents().await?;
    entities.write_attachments().await?;
    entities.write_people().await?;
    entities.buffer.push_str(DOCUMENT_END);
    entities.flush().await?;
    entities
        .sink
        .start_entry("exportDescriptor.properties", true)
        .await?;
    let descriptor = descriptor(&space.key, now);
    entities.sink.write(Bytes::from(descriptor)).await?;
    Ok(entities.summary)
}

/// exportDescriptor.properties of a space export.
fn descriptor(key: &SpaceKey, now_ms: i64) -> String {
    format!(
        "#Created by Cairn at {}\nexportType=space\nspaceKey={}\nbuildNumber={BUILD_NUMBER}\ncreatedByBuildNumber={BUILD_NUMBER}\nbackupAttachments=true\ndefaultUsersGroup=confluence-users\ntimezoneId=UTC\nsource=server\n",
        crate::time::format_export_time(now_ms),
        properties_escape(key.as_str())
    )
}

/// `value` escaped for a Java properties file.
fn properties_escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '\\' | ':' | '=' | '#' | '!' | ' ' => {
                escaped.push('\\');
                escaped.push(character);
            }
            character if character.is_ascii() && !character.is_ascii_control() => {
                escaped.push(character)
            }
            character => {
                let mut units = [0_u16; 2];
                for unit in character.encode_utf16(&mut units) {
                    escaped.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    escaped
}

/// entities.xml being written, and what it has named so far.
pub(crate) struct Entities<'a> {
    store: &'a Store,
    space: &'a Space,
    sink: &'a mut ZipSink,
    /// XML not yet handed to the zip (at most about `FLUSH_BYTES` and one object).
    buffer: String,
    next_synthetic: i64,
    /// Every user named so far: their key, or `None` for an id with no user (left out).
    user_keys: HashMap<UserId, Option<String>>,
    /// Every group named so far: its name, or `None` when it no longer exists.
    group_names: HashMap<GroupId, Option<String>>,
    /// Labels whose `Label` object is written (each once).
    labels_written: HashSet<i64>,
    summary: ExportSummary,
}

impl Entities<'_> {
    fn synthetic_id(&mut self) -> i64 {
        let id = self.next_synthetic;
        self.next_synthetic += 1;
        id
    }

    async fn put(&mut self, object: Object) -> ImportResult<()> {
        self.buffer.push_str(&object.finish());
        if self.buffer.len() >= FLUSH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> ImportResult<()> {
        let bytes = Bytes::from(std::mem::take(&mut self.buffer).into_bytes());
        self.sink.write(bytes).await
    }

    /// Looks up the users of `ids` not looked up yet.
    async fn know_users(&mut self, ids: impl IntoIterator<Item = UserId>) -> ImportResult<()> {
        let unknown: BTreeSet<UserId> = ids
            .into_iter()
            .filter(|id| !self.user_keys.contains_key(id))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let unknown: Vec<UserId> = unknown.into_iter().collect();
        for user in self.store.find_users(&unknown).await? {
            self.user_keys.insert(user.id, Some(user.user_key));
        }
        for id in unknown {
            self.user_keys.entry(id).or_insert(None);
        }
        Ok(())
    }

    fn user_key(&self, id: UserId) -> Option<&str> {
        self.user_keys.get(&id).and_then(|key| key.as_deref())
    }

    async fn know_groups(&mut self, ids: impl IntoIterator<Item = GroupId>) -> ImportResult<()> {
        let unknown: Vec<GroupId> = ids
            .into_iter()
            .filter(|id| !self.group_names.contains_key(id))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        for (id, name) in self.store.export_group_names(&unknown).await? {
            self.group_names.insert(id, Some(name));
        }
        for id in unknown {
            self.group_names.entry(id).or_insert(None);
        }
        Ok(())
    }

    fn group_name(&self, id: GroupId) -> Option<&str> {
        self.group_names.get(&id).and_then(|name| name.as_deref())
    }

    /// The space, its description, its permissions and who watches it.
    async fn write_space(&mut self) -> ImportResult<()> {
        let space = self.space;
        self.know_users([space.creator_id]).await?;
        let description_id = self.synthetic_id();
        let description_body_id = self.synthetic_id();
        let creator = self.user_key(space.creator_id).map(str::to_string);
        let mut object = Object::new("Space", package::SPACES, space.id.0)
            .text("name", &space.name)
            .text("key", space.key.as_str())
            .text("lowerKey", &space.key.as_str().to_lowercase())
            .reference(
                "description",
                "SpaceDescription",
                package::SPACES,
                description_id,
            );
        if let Some(home) = space.homepage_id {
            object = object.reference("homePage", "Page", package::PAGES, home.0);
        }
        object = object
            .user_reference("creator", creator.as_deref())
            .time("creationDate", space.created_ms)
            .user_reference("lastModifier", creator.as_deref())
            .time("lastModificationDate", space.created_ms)
            .plain("spaceType", space.space_type.as_str())
            .enumeration(
                "spaceStatus",
                "SpaceStatus",
                package::SPACES,
                match space.status {
                    SpaceStatus::Archived => "ARCHIVED",
                    _ => "CURRENT",
                },
            );
        self.put(object).await?;
        self.put(
            Object::new("SpaceDescription", package::SPACES, description_id)
                .reference("space", "Space", package::SPACES, space.id.0)
                .collection(
                    "bodyContents",
                    "BodyContent",
                    package::CORE,
                    &[description_body_id],
                )
                .plain("version", 1)
                .user_reference("creator", creator.as_deref())
                .time("creationDate", space.created_ms)
                .time("lastModificationDate", space.created_ms)
                .text("versionComment", "")
                .null("originalVersionId")
                .text("contentStatus", "current"),
        )
        .await?;
        // Confluence keeps space descriptions as plain text (bodyType 0), as Cairn does.
        self.put(
            Object::new("BodyContent", package::CORE, description_body_id)
                .text("body", &space.description)
                .plain("bodyType", 0)
                .reference(
                    "content",
                    "SpaceDescription",
                    package::SPACES,
                    description_id,
                ),
        )
        .await?;

        self.write_space_labels(description_id).await?;

        let grants = self.store.export_space_grants(space.id).await?;
        self.know_users(grants.iter().filter_map(|grant| match grant.subject {
            Subject::User(user) => Some(user),
            _ => None,
        }))
        .await?;
        self.know_groups(grants.iter().filter_map(|grant| match grant.subject {
            Subject::Group(group) => Some(group),
            _ => None,
        }))
        .await?;
        for grant in grants {
            let permission_id = self.synthetic_id();
            let mut object = Object::new("SpacePermission", package::SECURITY, permission_id)
                .text("type", &grant.permission);
            match grant.subject {
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
                    object = object.text("group", &name);
                }
                // Naming nobody is how Confluence grants anonymous visitors.
                Subject::Anonymous => {}
            }
            object = object
                .time("creationDate", space.created_ms)
                .time("lastModificationDate", space.created_ms)
                .reference("space", "Space", package::SPACES, space.id.0);
            self.put(object).await?;
            self.summary.space_permissions += 1;
        }

        let watches = self.store.export_space_watches(&space.key).await?;
        self.know_users(watches.iter().map(|watch| watch.user_id))
            .await?;
        for watch in watches {
            let Some(key) = self.user_key(watch.user_id).map(str::to_string) else {
                continue;
            };
            let notification_id = self.synthetic_id();
            self.put(
                Object::new("Notification", package::NOTIFICATION, notification_id)
                    .time("creationDate", watch.created_ms)
                    .time("lastModificationDate", watch.created_ms)
                    .plain("digest", "false")
                    .plain("network", "false")
                    .reference("space", "Space", package::SPACES, space.id.0)
                    .user_reference("receiver", Some(&key))
                    .user_reference("creator", Some(&key))
                    .user_reference("lastModifier", Some(&key)),
            )
            .await?;
            self.summary.watches += 1;
        }
        Ok(())
    }

    /// The space's labels, as Confluence keeps them: labellings of its description object.
    async fn write_space_labels(&mut self, description_id: i64) -> ImportResult<()> {
        for space_label in self.store.space_labels(self.space.id).await? {
            let label = &space_label.label;
            if self.labels_written.insert(label.id) {
                self.put(
                    Object::new("Label", package::LABELS, label.id)
                        .text("name", &label.name)
                        .text("namespace", &label.prefix)
                        .time("creationDate", space_label.created_ms)
                        .time("lastModificationDate", space_label.created_ms),
                )
                .await?;
            }
            let labelling_id = self.synthetic_id();
            self.put(
                Object::new("Labelling", package::LABELS, labelling_id)
                    .reference("label", "Label", package::LABELS, label.id)
                    .reference(
                        "content",
                        "SpaceDescription",
                        package::SPACES,
                        description_id,
                    )
                    .time("creationDate", space_label.created_ms)
                    .time("lastModificationDate", space_label.created_ms)
                    .plain("labelableId", description_id)
                    .text("labelableType", "CONTENT"),
            )
            .await?;
            self.summary.space_labels += 1;
        }
        Ok(())
    }

    /// Every attachment version's bytes, streamed from the blob store into the zip.
    async fn write_attachment_files(&mut self, blobs: &BlobStore) -> ImportResult<()> {
        let mut after = ContentId(0);
        loop {
            let batch = self
                .store
                .export_attachments_after(self.space.id, after, ATTACHMENT_BATCH)
                .await?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            after = last.id;
            let containers: HashMap<ContentId, ContentId> = batch
                .iter()
                .map(|attachment| (attachment.id, attachment.container_id))
                .collect();
            let ids: Vec<ContentId> = batch.iter().map(|attachment| attachment.id).collect();
            for version in self.store.export_attachment_versions(&ids).await? {
                let Some(container) = containers.get(&version.attachment_id) else {
                    continue;
                };
                let name = format!(
                    "attachments/{}/{}/{}",
                    container.0, version.attachment_id.0, version.number
                );
                let key = BlobKey::new(version.blob_key.clone())?;
                let read = match blobs.get(&key, None).await {
                    Ok(read) => read,
                    Err(error) if error.is_not_found() => {
                        self.summary.missing_files.push(format!(
                            "attachment {} version {}",
                            version.attachment_id.0, version.number
                        ));
                        continue;
                    }
                    Err(error) => return Err(error.into()),
                };
                self.sink.start_entry(&name, false).await?;
                let mut stream = read.stream;
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk?;
                    self.summary.attachment_bytes += chunk.len() as u64;
                    self.sink.write(chunk).await?;
                }
            }
        }
    }

    /// Every attachment with each of its versions (the current one under the attachment's id,
    /// older ones naming it by `originalVersionId`), with size, media type and minor-edit flag
    /// as Confluence keeps them (`FILESIZE`, `MEDIA_TYPE`, `MINOR_EDIT` properties).
    async fn write_attachments(&mut self) -> ImportResult<()> {
        let mut after = ContentId(0);
        loop {
            let batch = self
                .store
                .export_attachments_after(self.space.id, after, ATTACHMENT_BATCH)
                .await?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            after = last.id;
            let ids: Vec<ContentId> = batch.iter().map(|attachment| attachment.id).collect();
            let containers: Vec<ContentId> = batch
                .iter()
                .map(|attachment| attachment.container_id)
                .collect();
            let classes: HashMap<ContentId, &'static str> = self
                .store
                .export_content_types(&containers)
                .await?
                .into_iter()
                .map(|(id, content_type)| (id, class_of(content_type)))
                .collect();
            let versions = self.store.export_attachment_versions(&ids).await?;
            self.know_users(
                batch
                    .iter()
                    .map(|attachment| attachment.creator_id)
                    .chain(versions.iter().map(|version| version.author_id)),
            )
            .await?;
            let by_id: HashMap<ContentId, &cairn_store::ExportedAttachment> = batch
                .iter()
                .map(|attachment| (attachment.id, attachment))
                .collect();
            for version in &versions {
                let Some(attachment) = by_id.get(&version.attachment_id) else {
                    continue;
                };
                let current = version.number == attachment.version;
                let object_id = if current {
                    attachment.id.0
                } else {
                    self.synthetic_id()
                };
                let container_class = classes
                    .get(&attachment.container_id)
                    .copied()
                    .unwrap_or("Page");
                let mut object = Object::new("Attachment", package::PAGES, object_id)
                    .text("title", &attachment.title)
                    .text("lowerTitle", &attachment.title.to_lowercase())
                    .plain("version", version.number)
                    .user_reference("creator", self.user_key(attachment.creator_id))
                    .time("creationDate", attachment.created_ms)
                    .user_reference("lastModifier", self.user_key(version.author_id))
                    .time("lastModificationDate", version.created_ms)
                    .text("versionComment", &version.comment);
                object = if current {
                    object.null("originalVersionId")
                } else {
                    object.plain("originalVersionId", attachment.id.0)
                };
                object = object
                    .text(
                        "contentStatus",
                        if current {
                            status_of(attachment.status)
                        } else {
                            "current"
                        },
                    )
                    .reference(
                        "containerContent",
                        container_class,
                        package::PAGES,
                        attachment.container_id.0,
                    )
                    .reference("space", "Space", package::SPACES, self.space.id.0);
                self.put(object).await?;
                for (name, string, long) in [
                    ("FILESIZE", None, Some(version.size_bytes)),
                    ("MEDIA_TYPE", Some(version.media_type.as_str()), None),
                    ("MINOR_EDIT", None, Some(i64::from(version.minor_edit))),
                ] {
                    let property_id = self.synthetic_id();
                    let mut property =
                        Object::new("ContentProperty", package::CONTENT, property_id)
                            .text("name", name);
                    property = match string {
                        Some(text) => property.text("stringValue", text),
                        None => property.null("stringValue"),
                    };
                    property = match long {
                        Some(number) => property.plain("longValue", number),
                        None => property.null("longValue"),
                    };
                    self.put(property.null("dateValue").reference(
                        "content",
                        "Attachment",
                        package::PAGES,
                        object_id,
                    ))
                    .await?;
                }
                self.summary.attachment_versions += 1;
            }
            self.summary.attachments += batch.len();
        }
    }

    /// Everyone the export named (`ConfluenceUserImpl` with the user key, and a Crowd
    /// `InternalUser` with the display name and e-mail address), and every group it named with
    /// those of its members that the export names too.
    async fn write_people(&mut self) -> ImportResult<()> {
        let named: Vec<UserId> = self
            .user_keys
            .iter()
            .filter(|(_, key)| key.is_some())
            .map(|(id, _)| *id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for user in self.store.find_users(&named).await? {
            self.put(
                Object::user(&user.user_key)
                    .text("name", &user.username)
                    .text("lowerName", &user.username.to_lowercase())
                    .text("email", &user.email),
            )
            .await?;
            self.put(
                Object::new("InternalUser", package::CROWD_USER, user.id.0)
                    .text("name", &user.username)
                    .text("lowerName", &user.username.to_lowercase())
                    .plain("active", user.active)
                    .time("createdDate", user.created_ms)
                    .time("updatedDate", user.created_ms)
                    .text("displayName", &user.display_name)
                    .text("lowerDisplayName", &user.display_name.to_lowercase())
                    .text("emailAddress", &user.email)
                    .text("lowerEmailAddress", &user.email.to_lowercase()),
            )
            .await?;
            self.summary.users += 1;
        }
        let groups: Vec<(GroupId, String)> = self
            .group_names
            .iter()
            .filter_map(|(id, name)| name.clone().map(|name| (*id, name)))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect();
        for (group, name) in groups {
            self.put(
                Object::new("InternalGroup", package::CROWD_GROUP, group.0)
                    .text("name", &name)
                    .text("lowerName", &name.to_lowercase())
                    .plain("active", "true")
                    .plain("local", "false")
                    .enumeration("type", "GroupType", package::CROWD_GROUP, "GROUP"),
            )
            .await?;
            for member in self.store.export_group_members(group, &named).await? {
                let membership_id = self.synthetic_id();
                self.put(
                    Object::new(
                        "HibernateMembership",
                        package::CROWD_MEMBERSHIP,
                        membership_id,
                    )
                    .reference(
                        "parentGroup",
                        "InternalGroup",
                        package::CROWD_GROUP,
                        group.0,
                    )
                    .reference(
                        "userMember",
                        "InternalUser",
                        package::CROWD_USER,
                        member.0,
                    ),
                )
                .await?;
            }
            self.summary.groups += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_values_are_escaped_for_java_properties() {
        assert_eq!(properties_escape("DEV"), "DEV");
        assert_eq!(properties_escape("~jo:e"), "~jo\\:e");
        assert_eq!(properties_escape("é"), "\\u00e9");
    }
}
