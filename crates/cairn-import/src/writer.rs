//! Writing a read export into a Cairn store and blob store, all or nothing.
//!
//! 1. Check before writing anything: every space key (after `--space-key-map`) is valid and free.
//! 2. Find the users the export names; those Cairn does not have are created deactivated and
//!    without a password (their names stay on what they wrote, as in Confluence after a user
//!    leaves; an administrator can activate them). Content without an author is attributed to a
//!    deactivated user `anonymous`.
//! 3. Reserve ids: Confluence's content ids are kept where no node can have used them, mapped
//!    where not, and the id sequence moves past them (`Store::reserve_import_ids`).
//! 4. Stream every attachment file from the zip into the blob store.
//! 5. One transaction: spaces, users, pages, blog posts and comments (on them and on
//!    attachments) with all their versions, labels, attachments, restrictions, properties, and
//!    what users added around them (`annotation_rows`: watches, likes, space labels), each with
//!    its journal entry, so running nodes see and index them.
//!
//! If step 4 or 5 fails, the bytes already stored are deleted and the transaction is rolled back:
//! the wiki is as it was (only the reserved ids are never used, like any reserved block).

use std::collections::{BTreeMap, HashMap, HashSet};

use cairn_blob::{BlobKey, BlobStore};
use cairn_core::{
    CommentLocation, ContentId, ContentType, RestrictionOperation, SpaceId, SpaceKey,
    SpacePermission, SpaceType, Subject, UserId,
};
use cairn_store::{
    ImportedAttachment, ImportedContent, ImportedSpace, ImportedUser, ImportedVersion, Store,
    StoredFile,
};
use rand::RngExt;

use crate::error::{ImportError, ImportResult};
use crate::key_renames::KeyRenames;
use crate::model::{
    BodyType, ContentKind, ExportStatus, ExportSubject, ExportVersion, Person, Skipped,
};
use crate::prepare::{
    Access, inline_properties, memberships_of_new_users, prepare_groups, prepare_properties,
    separate_clashing_titles,
};
use crate::progress::{ImportProgress, ProgressSink};
use crate::reader::Export;
use crate::report::ImportReport;

/// A page among its siblings: its position in the export, its lower-cased title, its id.
type SiblingOrder = (i64, String, i64);

/// The author of content whose export names nobody.
const ANONYMOUS_USERNAME: &str = "anonymous";

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Space key in the export -> key in Cairn.
    pub space_key_map: BTreeMap<String, String>,
    /// Read, check and report, but write nothing.
    pub dry_run: bool,
    /// Where the import reports how far it is.
    pub progress: ProgressSink,
}

impl ImportOptions {
    /// Parses one `OLD=NEW` of `--space-key-map`.
    pub fn add_key_mapping(&mut self, text: &str) -> ImportResult<()> {
        let Some((old, new)) = text.split_once('=') else {
            return Err(ImportError::InvalidKeyMap(text.to_string()));
        };
        let (old, new) = (old.trim(), new.trim());
        if old.is_empty() || new.is_empty() {
            return Err(ImportError::InvalidKeyMap(text.to_string()));
        }
        self.space_key_map.insert(old.to_string(), new.to_string());
        Ok(())
    }
}

/// The Cairn key of an export's space key: mapped when asked, global keys upper-cased (as Cairn
/// keys are), personal keys (`~name`) kept.
fn target_key(options: &ImportOptions, key: &str, personal: bool) -> ImportResult<SpaceKey> {
    // Keys are matched regardless of case, as Confluence's links find them.
    let mapped = options
        .space_key_map
        .iter()
        .find(|(old, _)| old.eq_ignore_ascii_case(key))
        .map(|(_, new)| new.clone())
        .unwrap_or_else(|| key.to_string());
    if personal && let Some(name) = mapped.strip_prefix('~') {
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(ImportError::InvalidSpaceKey {
                key: mapped.clone(),
                reason: "not a personal space key".into(),
            });
        }
        return Ok(SpaceKey::personal(name));
    }
    SpaceKey::new_global(&mapped).map_err(|error| ImportError::InvalidSpaceKey {
        key: mapped.clone(),
        reason: error.to_string(),
    })
}

/// Imports `export` into `store` and `blobs`.
pub async fn import(
    store: &Store,
    blobs: &BlobStore,
    export: &mut Export,
    options: &ImportOptions,
) -> ImportResult<ImportReport> {
    let mut model = export.model.clone();
    if model.spaces.is_empty() {
        return Err(ImportError::NoSpaces);
    }
    let mut report = ImportReport {
        dry_run: options.dry_run,
        control_characters_dropped: export.control_characters_dropped,
        skipped: model.skipped.clone(),
        ..ImportReport::default()
    };

    // 1. Space keys, checked before anything is written.
    let mut keys: HashMap<i64, SpaceKey> = HashMap::new();
    let mut seen = HashSet::new();
    for space in &model.spaces {
        let key = target_key(options, &space.key, space.personal)?;
        if !seen.insert(key.clone()) {
            return Err(ImportError::InvalidSpaceKey {
                key: key.to_string(),
                reason: "two spaces of the export would have this key".into(),
            });
        }
        if store.find_space_by_key(&key).await?.is_some() {
            return Err(ImportError::SpaceKeyTaken(key.to_string()));
        }
        if key.as_str() != space.key {
            report
                .notes
                .push(format!("space {} is imported as {key}", space.key));
        }
        keys.insert(space.id, key);
    }
    for old in options.space_key_map.keys() {
        if !model
            .spaces
            .iter()
            .any(|space| space.key.eq_ignore_ascii_case(old))
        {
            report.notes.push(format!(
                "the space key mapping {old}={} was not used: the export has no space {old}",
                options.space_key_map[old]
            ));
        }
    }
    separate_clashing_titles(&mut model, &keys, &mut report);

    // What is imported: attachments need bytes; comments need to be live.
    let crate::selection::Selected {
        comments,
        comment_ids,
        attachments,
    } = crate::selection::select(&mut model, &mut report);

    // 2. Users.
    let mut people: Vec<Person> = Vec::new();
    for space in &model.spaces {
        people.push(space.creator.clone());
    }
    for content in &model.contents {
        people.push(content.creator.clone());
        people.extend(
            content
                .versions
                .iter()
                .map(|version| version.author.clone()),
        );
    }
    for comment in &comments {
        people.push(comment.creator.clone());
        people.extend(
            comment
                .versions
                .iter()
                .map(|version| version.author.clone()),
        );
    }
    for attachment in &attachments {
        people.push(attachment.creator.clone());
        people.extend(
            attachment
                .versions
                .iter()
                .map(|version| version.author.clone()),
        );
    }
    // Every user a site export describes, and everyone its grants and watches name.
    people.extend(model.users.iter().map(|user| Some(user.username.clone())));
    for subject in model
        .space_permissions
        .iter()
        .map(|grant| &grant.subject)
        .chain(
            model
                .restrictions
                .iter()
                .map(|restriction| &restriction.subject),
        )
    {
        if let ExportSubject::User(name) = subject {
            people.push(Some(name.clone()));
        }
    }
    people.extend(
        model
            .watches
            .iter()
            .map(|watch| Some(watch.username.clone())),
    );
    people.extend(
        model
            .properties
            .iter()
            .map(|property| property.modifier.clone()),
    );
    people.extend(model.likes.iter().map(|like| Some(like.username.clone())));
    let profiles: HashMap<String, &crate::model::ExportUser> = model
        .users
        .iter()
        .map(|user| (user.username.to_lowercase(), user))
        .collect();
    let mut user_ids: HashMap<String, UserId> = HashMap::new();
    let mut new_users: Vec<ImportedUser> = Vec::new();
    let mut taken_keys = HashSet::new();
    for person in people {
        let username = person_username(&person);
        if user_ids.contains_key(&username) {
            continue;
        }
        if let Some(user) = store.find_user_by_username(&username).await? {
            user_ids.insert(username, user.id);
            continue;
        }
        let profile = profiles.get(&username);
        let confluence_key = profile
            .and_then(|profile| profile.key.clone())
            .filter(|key| key.len() <= 64 && !taken_keys.contains(key));
        let user_key = match confluence_key {
            Some(key) if store.find_user_by_key(&key).await?.is_none() => key,
            _ => random_user_key(),
        };
        taken_keys.insert(user_key.clone());
        let id = if options.dry_run {
            UserId(0)
        } else {
            store.allocate_user_id().await?
        };
        new_users.push(ImportedUser {
            id,
            username: username.clone(),
            user_key,
            display_name: profile
                .and_then(|profile| profile.display_name.clone())
                .unwrap_or_else(|| username.clone()),
            email: profile
                .and_then(|profile| profile.email.clone())
                .unwrap_or_default(),
            created_ms: 0,
        });
        user_ids.insert(username, id);
    }
    report.users_created = new_users.len();
    let user_of = |person: &Person| user_ids[&person_username(person)];
    let created_users: HashSet<UserId> = new_users.iter().map(|user| user.id).collect();

    // Positions among siblings: the export's position, then the title.
    let homes: HashSet<i64> = model
        .spaces
        .iter()
        .filter_map(|space| space.home_page_id)
        .collect();
    let mut siblings: BTreeMap<(i64, Option<i64>), Vec<SiblingOrder>> = BTreeMap::new();
    for content in &model.contents {
        if content.kind == ContentKind::Page && !homes.contains(&content.id) {
            siblings
                .entry((content.space_id, content.parent_id))
                .or_default()
                .push((
                    content.position.unwrap_or(i64::MAX),
                    content.current().title.to_lowercase(),
                    content.id,
                ));
        }
    }
    let mut positions: HashMap<i64, i64> = HashMap::new();
    for list in siblings.values_mut() {
        list.sort();
        for (index, (_, _, id)) in list.iter().enumerate() {
            positions.insert(*id, index as i64);
        }
    }

    for content in &model.contents {
        match content.kind {
            ContentKind::Page => report.pages += 1,
            ContentKind::BlogPost => report.blog_posts += 1,
        }
        if content.status == ExportStatus::Trashed {
            report.trashed += 1;
        }
        report.versions += content.versions.len();
        let expected = usize::try_from(content.current().number).unwrap_or(0);
        if content.versions.len() < expected {
            report.notes.push(format!(
                "{} {}: {} of its {} versions are in the export",
                content.kind.label(),
                content.id,
                content.versions.len(),
                expected
            ));
        }
    }
    report.spaces = model.spaces.len();
    report.comments = comments.len();
    report.labels = model.labellings.len();
    report.attachments = attachments.len();
    report.attachment_versions = attachments
        .iter()
        .map(|attachment| attachment.versions.len())
        .sum();
    report.space_permissions = model.space_permissions.len();
    report.restrictions = model.restrictions.len();
    report.watches = model.watches.len();
    report.likes = model.likes.len();
    report.space_labels = model.space_labels.len();
    for space in &model.spaces {
        if !model
            .space_permissions
            .iter()
            .any(|grant| grant.space_id == space.id)
        {
            report.notes.push(format!(
                "space {}: the export has no space permissions, so it gets those of a new Cairn space",
                keys[&space.id]
            ));
        }
    }
    if options.dry_run {
        report.properties = model.properties.len();
        return Ok(report);
    }

    // 3. Ids.
    let wanted: Vec<i64> = model
        .contents
        .iter()
        .map(|content| content.id)
        .chain(comments.iter().map(|comment| comment.id))
        .chain(attachments.iter().map(|attachment| attachment.id))
        .collect();
    let ids = store.reserve_import_ids(&wanted).await?;
    report.ids_kept = ids.iter().filter(|(old, new)| old == new).count();
    report.ids_mapped = ids.len() - report.ids_kept;
    report.content_ids = ids.iter().map(|(old, new)| (*old, *new)).collect();
    let id = |old: i64| ContentId(ids.get(&old).copied().unwrap_or(old));
    let mut space_ids = HashMap::new();
    for space in &model.spaces {
        space_ids.insert(space.id, store.allocate_space_id().await?);
    }
    let mut label_ids = HashMap::new();
    let labels = model
        .labellings
        .iter()
        .map(|labelling| (&labelling.prefix, &labelling.name))
        .chain(
            model
                .space_labels
                .iter()
                .map(|label| (&label.prefix, &label.name)),
        );
    for (prefix, name) in labels {
        let label = (prefix.clone(), name.clone());
        if let std::collections::hash_map::Entry::Vacant(entry) = label_ids.entry(label) {
            let (prefix, name) = entry.key();
            let new_id = match store.find_label_id(prefix, name).await? {
                Some(existing) => existing,
                None => store.allocate_label_id().await?,
            };
            entry.insert(new_id);
        }
    }

    let groups = prepare_groups(store, &model, &mut report).await?;
    let memberships =
        memberships_of_new_users(&model, &groups, &user_ids, &created_users, &mut report);
    let properties =
        prepare_properties(store, export, &model, &comments, &id, &user_of, &mut report).await?;

    // 4. Bytes.
    let mut stored_keys: Vec<BlobKey> = Vec::new();
    let stored = store_attachment_bytes(
        blobs,
        export,
        &attachments,
        &id,
        &user_of,
        &mut stored_keys,
        &mut report,
        &options.progress,
    )
    .await;
    let imported_attachments = match stored {
        Ok(imported) => imported,
        Err(error) => {
            delete_blobs(blobs, &stored_keys).await;
            return Err(error);
        }
    };

    // 5. One transaction.
    let access = Access {
        groups: &groups,
        memberships: &memberships,
        properties: &properties,
    };
    let written = write_rows(
        store,
        export,
        &model,
        &comments,
        &comment_ids,
        &keys,
        &space_ids,
        &new_users,
        &imported_attachments,
        &label_ids,
        &positions,
        &access,
        &id,
        &user_of,
        &options.progress,
    )
    .await;
    match written {
        Ok(malformed) => report.notes.extend(malformed),
        Err(error) => {
            delete_blobs(blobs, &stored_keys).await;
            return Err(error);
        }
    }
    Ok(report)
}

pub(crate) fn person_username(person: &Person) -> String {
    person
        .as_deref()
        .map(str::trim)
        .filter(|name| cairn_core::validate_username(name).is_ok())
        .map(str::to_lowercase)
        .unwrap_or_else(|| ANONYMOUS_USERNAME.to_string())
}

fn random_user_key() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

async fn delete_blobs(blobs: &BlobStore, keys: &[BlobKey]) {
    for key in keys {
        if let Err(error) = blobs.delete(key).await {
            tracing::warn!(key = %key, %error, "could not delete the bytes of a failed import");
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn store_attachment_bytes(
    blobs: &BlobStore,
    export: &Export,
    attachments: &[crate::model::ExportAttachment],
    id: &impl Fn(i64) -> ContentId,
    user_of: &impl Fn(&Person) -> UserId,
    stored_keys: &mut Vec<BlobKey>,
    report: &mut ImportReport,
    progress: &ProgressSink,
) -> ImportResult<Vec<ImportedAttachment>> {
    let streamer = export.archive.file_streamer()?;
    let mut imported = Vec::with_capacity(attachments.len());
    let files_total = attachments
        .iter()
        .flat_map(|attachment| &attachment.versions)
        .filter(|version| version.file.is_some())
        .count() as u64;
    let mut files_stored = 0;
    progress.report(ImportProgress::StoringFiles {
        files_stored,
        files_total,
    });
    for attachment in attachments {
        let attachment_id = id(attachment.id);
        let container_id = id(attachment.container_id);
        let mut versions = Vec::with_capacity(attachment.versions.len());
        for version in &attachment.versions {
            let Some(file) = &version.file else {
                continue;
            };
            let suffix: u64 = rand::rng().random();
            let key = BlobKey::new(format!(
                "attachments/{}/{}/v{}-{suffix:016x}",
                container_id.0, attachment_id.0, version.number
            ))?;
            let stream = streamer.stream(file)?;
            let stored = blobs.put_stream(&key, stream, None).await?;
            stored_keys.push(key.clone());
            files_stored += 1;
            progress.report(ImportProgress::StoringFiles {
                files_stored,
                files_total,
            });
            let size_bytes = i64::try_from(stored.size_bytes).unwrap_or(i64::MAX);
            report.attachment_bytes += stored.size_bytes;
            if let Some(declared) = version.declared_size
                && declared != size_bytes
            {
                report.notes.push(format!(
                    "attachment {} ({}) version {}: {size_bytes} bytes in the export, {declared} declared (the bytes are kept)",
                    attachment.id, attachment.title, version.number
                ));
            }
            versions.push((
                version.number,
                StoredFile {
                    media_type: version.media_type.clone(),
                    size_bytes,
                    sha256: stored.sha256_hex,
                    blob_key: key.as_str().to_string(),
                    comment: version.comment.clone(),
                    minor_edit: version.minor_edit,
                    author_id: user_of(&version.author),
                    now_ms: version.created_ms,
                },
            ));
        }
        imported.push(ImportedAttachment {
            id: attachment_id,
            container_id,
            space_id: SpaceId(attachment.container_id),
            title: attachment.title.clone(),
            trashed: attachment.status == ExportStatus::Trashed,
            creator_id: user_of(&attachment.creator),
            created_ms: attachment.created_ms,
            versions,
        });
    }
    Ok(imported)
}

/// The storage-format body of `version`: storage kept verbatim, wiki markup converted, plain text
/// escaped into a paragraph.
async fn storage_body(
    export: &mut Export,
    version: &ExportVersion,
    key_renames: &mut KeyRenames,
) -> ImportResult<String> {
    let Some(body) = &version.body else {
        return Ok(String::new());
    };
    let text = export.body_text(body).await?;
    Ok(match body.body_type {
        BodyType::Storage => key_renames.apply(text),
        BodyType::WikiMarkup => key_renames.apply(cairn_format::wiki_to_storage(&text)),
        BodyType::Raw if text.is_empty() => text,
        BodyType::Raw => format!(
            "<p>{}</p>",
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        ),
    })
}

/// The versions of one page, blog post or comment (`what`, for notes). A body that is not
/// well-formed storage format is kept as it is (Confluence shows such bodies too, as an error
/// block) and noted in `malformed`.
async fn imported_versions(
    export: &mut Export,
    versions: &[ExportVersion],
    user_of: &impl Fn(&Person) -> UserId,
    title: Option<&str>,
    what: &str,
    malformed: &mut Vec<String>,
    key_renames: &mut KeyRenames,
) -> ImportResult<Vec<ImportedVersion>> {
    let mut imported = Vec::with_capacity(versions.len());
    for version in versions {
        let body = storage_body(export, version, key_renames).await?;
        if let Err(error) = cairn_format::check_well_formed(&body) {
            malformed.push(format!(
                "{what} version {}: the body is not well-formed storage format ({error}); it is kept as it is",
                version.number
            ));
        }
        imported.push(ImportedVersion {
            number: version.number,
            title: title.map_or_else(|| version.title.clone(), str::to_string),
            body,
            author_id: user_of(&version.author),
            created_ms: version.created_ms,
            message: version.message.clone(),
            minor_edit: version.minor_edit,
        });
    }
    Ok(imported)
}

#[allow(clippy::too_many_arguments)]
async fn write_rows(
    store: &Store,
    export: &mut Export,
    model: &crate::model::Model,
    comments: &[crate::model::ExportComment],
    comment_ids: &HashSet<i64>,
    keys: &HashMap<i64, SpaceKey>,
    space_ids: &HashMap<i64, SpaceId>,
    new_users: &[ImportedUser],
    attachments: &[ImportedAttachment],
    label_ids: &HashMap<(String, String), i64>,
    positions: &HashMap<i64, i64>,
    access: &Access<'_>,
    id: &impl Fn(i64) -> ContentId,
    user_of: &impl Fn(&Person) -> UserId,
    progress: &ProgressSink,
) -> ImportResult<Vec<String>> {
    let mut malformed = Vec::new();
    let contents_total = (model.contents.len() + comments.len()) as u64;
    let mut contents_written = 0;
    let mut written_one = || {
        contents_written += 1;
        // Every 100th, so a large space does not report a hundred thousand times.
        if contents_written % 100 == 0 || contents_written == contents_total {
            progress.report(ImportProgress::Writing {
                contents_written,
                contents_total,
            });
        }
    };
    progress.report(ImportProgress::Writing {
        contents_written: 0,
        contents_total,
    });
    let subject_of = |subject: &ExportSubject| match subject {
        ExportSubject::User(name) => Subject::User(user_of(&Some(name.clone()))),
        ExportSubject::Group(name) => Subject::Group(access.groups[name].id),
        ExportSubject::Anonymous => Subject::Anonymous,
    };
    let mut key_renames = KeyRenames::of(&model.spaces, keys);
    let mut transaction = store.begin_write().await?;
    for user in new_users {
        store.import_user_in(&mut transaction, user).await?;
    }
    for group in access.groups.values().filter(|group| group.created) {
        store
            .import_group_in(&mut transaction, group.id, &group.name, 0)
            .await?;
    }
    for (group, user) in access.memberships {
        store
            .import_membership_in(&mut transaction, *group, *user)
            .await?;
    }
    for space in &model.spaces {
        let description = match &space.description {
            Some(body) => {
                let text = export.body_text(body).await?;
                // Cairn's space description is plain text.
                match body.body_type {
                    BodyType::Storage => cairn_format::parse(&text)
                        .map(|document| cairn_format::extract_text(&document))
                        .unwrap_or(text),
                    BodyType::WikiMarkup | BodyType::Raw => text,
                }
            }
            None => String::new(),
        };
        store
            .import_space_in(
                &mut transaction,
                &ImportedSpace {
                    id: space_ids[&space.id],
                    key: keys[&space.id].clone(),
                    name: space.name.clone(),
                    description: description.trim().to_string(),
                    space_type: if space.personal {
                        SpaceType::Personal
                    } else {
                        SpaceType::Global
                    },
                    homepage_id: space.home_page_id.map(id),
                    creator_id: user_of(&space.creator),
                    created_ms: space.created_ms,
                    grants: {
                        let grants: Vec<(SpacePermission, Subject)> = model
                            .space_permissions
                            .iter()
                            .filter(|grant| grant.space_id == space.id)
                            .map(|grant| (grant.permission, subject_of(&grant.subject)))
                            .collect();
                        (!grants.is_empty()).then_some(grants)
                    },
                },
            )
            .await?;
    }
    let mut titles: HashMap<i64, String> = HashMap::new();
    let mut space_of: HashMap<i64, SpaceId> = HashMap::new();
    let mut space_keys: HashMap<i64, SpaceKey> = HashMap::new();
    for content in &model.contents {
        titles.insert(content.id, content.current().title.clone());
        let space_id = space_ids[&content.space_id];
        space_of.insert(content.id, space_id);
        space_keys.insert(content.id, keys[&content.space_id].clone());
        let what = format!("{} {}", content.kind.label(), content.id);
        let versions = imported_versions(
            export,
            &content.versions,
            user_of,
            None,
            &what,
            &mut malformed,
            &mut key_renames,
        )
        .await?;
        store
            .import_content_in(
                &mut transaction,
                &ImportedContent {
                    id: id(content.id),
                    content_type: match content.kind {
                        ContentKind::Page => ContentType::Page,
                        ContentKind::BlogPost => ContentType::BlogPost,
                    },
                    trashed: content.status == ExportStatus::Trashed,
                    space_id,
                    space_key: keys[&content.space_id].clone(),
                    parent_id: content.parent_id.map(id),
                    position: positions.get(&content.id).copied(),
                    creator_id: user_of(&content.creator),
                    created_ms: content.created_ms,
                    versions,
                    comment_container: None,
                    comment_location: CommentLocation::Footer,
                    inline_properties: None,
                },
            )
            .await?;
        written_one();
    }
    // A comment on an attachment is in the space of the attachment's page.
    for attachment in &model.attachments {
        titles.insert(attachment.id, attachment.title.clone());
        if let (Some(space_id), Some(space_key)) = (
            space_of.get(&attachment.container_id).copied(),
            space_keys.get(&attachment.container_id).cloned(),
        ) {
            space_of.insert(attachment.id, space_id);
            space_keys.insert(attachment.id, space_key);
        }
    }
    for comment in comments {
        let title = format!(
            "Re: {}",
            titles
                .get(&comment.container_id)
                .map(String::as_str)
                .unwrap_or_default()
        );
        let what = format!("comment {}", comment.id);
        let versions = imported_versions(
            export,
            &comment.versions,
            user_of,
            Some(&title),
            &what,
            &mut malformed,
            &mut key_renames,
        )
        .await?;
        store
            .import_content_in(
                &mut transaction,
                &ImportedContent {
                    id: id(comment.id),
                    content_type: ContentType::Comment,
                    trashed: false,
                    space_id: space_of[&comment.container_id],
                    space_key: space_keys[&comment.container_id].clone(),
                    parent_id: comment
                        .parent_id
                        .filter(|parent| comment_ids.contains(parent))
                        .map(id),
                    position: None,
                    creator_id: user_of(&comment.creator),
                    created_ms: comment.created_ms,
                    versions,
                    comment_container: Some(id(comment.container_id)),
                    comment_location: if comment.inline {
                        CommentLocation::Inline
                    } else {
                        CommentLocation::Footer
                    },
                    inline_properties: comment.inline.then(|| inline_properties(comment)),
                },
            )
            .await?;
        written_one();
    }
    for labelling in &model.labellings {
        let label = (labelling.prefix.clone(), labelling.name.clone());
        store
            .import_label_in(
                &mut transaction,
                id(labelling.content_id),
                &labelling.prefix,
                &labelling.name,
                label_ids[&label],
                labelling.created_ms,
            )
            .await?;
    }
    for attachment in attachments {
        // The container's space (store_attachment_bytes carries the export's container id).
        let mut row = attachment.clone();
        row.space_id = space_of[&row.space_id.0];
        store.import_attachment_in(&mut transaction, &row).await?;
    }
    let mut restrictions: BTreeMap<i64, Vec<(RestrictionOperation, Subject)>> = BTreeMap::new();
    for restriction in &model.restrictions {
        restrictions
            .entry(restriction.content_id)
            .or_default()
            .push((restriction.operation, subject_of(&restriction.subject)));
    }
    for (content_id, rows) in &restrictions {
        store
            .import_restrictions_in(&mut transaction, id(*content_id), rows)
            .await?;
    }
    for (property_id, property) in access.properties {
        store
            .import_property_in(&mut transaction, *property_id, property)
            .await?;
    }
    crate::annotation_rows::write_annotations(
        store,
        &mut transaction,
        model,
        keys,
        space_ids,
        label_ids,
        id,
        user_of,
    )
    .await?;
    progress.report(ImportProgress::Committing);
    transaction.commit().await?;
    malformed.extend(key_renames.note());
    Ok(malformed)
}

impl ImportReport {
    pub(crate) fn skip(&mut self, kind: &'static str, id: i64, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            kind,
            id: id.to_string(),
            reason: reason.into(),
        });
    }
}
