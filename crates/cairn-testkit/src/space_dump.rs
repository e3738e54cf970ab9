//! Everything a space holds, read from a store and its blob store into plain values that compare
//! across two wikis: users and groups by name, content and attachment ids by their rank in the
//! space (an import under another key maps ids in order), attachment bytes in full.

use std::collections::{BTreeMap, HashMap};

use cairn_blob::{BlobKey, BlobStore};
use cairn_core::{ContentId, SpaceKey, Subject, UserId};
use cairn_store::Store;

/// What a space holds, comparable across wikis (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceDump {
    pub name: String,
    pub description: String,
    pub space_type: String,
    /// The rank of the home page.
    pub home: Option<usize>,
    /// `(permission, subject)`, sorted.
    pub grants: Vec<(String, String)>,
    pub space_watchers: Vec<String>,
    /// The space's labels, `prefix:name`, sorted.
    pub labels: Vec<String>,
    /// By rank.
    pub contents: BTreeMap<usize, ContentDump>,
    /// By rank.
    pub attachments: BTreeMap<usize, AttachmentDump>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentDump {
    pub content_type: String,
    pub status: String,
    pub parent: Option<usize>,
    /// The rank among its siblings by (position, lower-cased title, id), pages other than the home
    /// page only.
    pub sibling_rank: Option<usize>,
    pub title: String,
    pub version: i32,
    pub creator: String,
    pub created_ms: i64,
    pub last_modifier: String,
    pub last_modified_ms: i64,
    pub comment_container: Option<usize>,
    pub comment_location: Option<String>,
    pub inline_properties: Option<serde_json::Value>,
    /// `(number, title, body, author, time, message, minor edit)`.
    pub versions: Vec<(i32, String, String, String, i64, String, bool)>,
    /// `prefix:name`, sorted.
    pub labels: Vec<String>,
    /// `(key, value, version, modifier, time)`, sorted.
    pub properties: Vec<(String, serde_json::Value, i32, String, i64)>,
    /// `(operation, subject)`, sorted.
    pub restrictions: Vec<(String, String)>,
    pub watchers: Vec<String>,
    /// Who likes it, sorted.
    pub likers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentDump {
    pub container: Option<usize>,
    pub title: String,
    pub status: String,
    pub version: i32,
    pub creator: String,
    pub created_ms: i64,
    /// `(number, media type, size, sha256, comment, minor edit, author, time)` and the bytes.
    pub versions: Vec<(AttachmentVersionDump, Vec<u8>)>,
}

pub type AttachmentVersionDump = (i32, String, i64, String, String, bool, String, i64);

/// Reads everything of the space of `key` (which must exist).
pub async fn dump_space(store: &Store, blobs: &BlobStore, key: &SpaceKey) -> SpaceDump {
    let space = store
        .find_space_by_key(key)
        .await
        .expect("space read")
        .unwrap_or_else(|| panic!("space {key} exists"));
    let mut contents = Vec::new();
    let mut after = ContentId(0);
    loop {
        let batch = store
            .export_contents_after(space.id, after, 1000)
            .await
            .expect("contents");
        let Some(last) = batch.last() else { break };
        after = last.id;
        contents.extend(batch);
    }
    let mut attachments = Vec::new();
    let mut after = ContentId(0);
    loop {
        let batch = store
            .export_attachments_after(space.id, after, 1000)
            .await
            .expect("attachments");
        let Some(last) = batch.last() else { break };
        after = last.id;
        attachments.extend(batch);
    }
    let mut all_ids: Vec<i64> = contents
        .iter()
        .map(|content| content.id.0)
        .chain(attachments.iter().map(|attachment| attachment.id.0))
        .collect();
    all_ids.sort_unstable();
    let rank: HashMap<i64, usize> = all_ids
        .iter()
        .enumerate()
        .map(|(index, id)| (*id, index))
        .collect();
    let rank_of = |id: ContentId| rank.get(&id.0).copied();

    let ids: Vec<ContentId> = contents.iter().map(|content| content.id).collect();
    let mut versions = Vec::new();
    let mut cursor = (ContentId(0), 0);
    loop {
        let batch = store
            .export_versions_after(&ids, cursor, 1000)
            .await
            .expect("versions");
        let Some(last) = batch.last() else { break };
        cursor = (last.content_id, last.number);
        versions.extend(batch);
    }
    let labels = store.export_labels(&ids).await.expect("labels");
    let properties = store.export_properties(&ids).await.expect("properties");
    let restrictions = store.export_restrictions(&ids).await.expect("restrictions");
    let watches = store.export_content_watches(&ids).await.expect("watches");
    let likes = store.export_likes(&ids).await.expect("likes");
    let attachment_ids: Vec<ContentId> =
        attachments.iter().map(|attachment| attachment.id).collect();
    let attachment_versions = store
        .export_attachment_versions(&attachment_ids)
        .await
        .expect("attachment versions");
    let grants = store.export_space_grants(space.id).await.expect("grants");
    let space_watches = store
        .export_space_watches(&space.key)
        .await
        .expect("space watches");

    let mut user_ids: Vec<UserId> = vec![space.creator_id];
    user_ids.extend(
        contents
            .iter()
            .flat_map(|c| [c.creator_id, c.last_modifier_id]),
    );
    user_ids.extend(versions.iter().map(|v| v.author_id));
    user_ids.extend(properties.iter().map(|p| p.modifier_id));
    user_ids.extend(watches.iter().chain(&space_watches).map(|w| w.user_id));
    user_ids.extend(likes.iter().map(|like| like.user_id));
    user_ids.extend(attachments.iter().map(|a| a.creator_id));
    user_ids.extend(attachment_versions.iter().map(|v| v.author_id));
    for subject in grants
        .iter()
        .map(|grant| grant.subject)
        .chain(restrictions.iter().map(|restriction| restriction.subject))
    {
        if let Subject::User(user) = subject {
            user_ids.push(user);
        }
    }
    user_ids.sort_unstable_by_key(|id| id.0);
    user_ids.dedup();
    let names: HashMap<UserId, String> = store
        .find_users(&user_ids)
        .await
        .expect("users")
        .into_iter()
        .map(|user| (user.id, user.username))
        .collect();
    let name = |id: UserId| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{}", id.0))
    };
    let mut group_ids = Vec::new();
    for subject in grants
        .iter()
        .map(|grant| grant.subject)
        .chain(restrictions.iter().map(|restriction| restriction.subject))
    {
        if let Subject::Group(group) = subject {
            group_ids.push(group);
        }
    }
    let group_names: HashMap<_, _> = store
        .export_group_names(&group_ids)
        .await
        .expect("groups")
        .into_iter()
        .collect();
    let subject_name = |subject: Subject| match subject {
        Subject::User(user) => format!("user:{}", name(user)),
        Subject::Group(group) => format!(
            "group:{}",
            group_names.get(&group).cloned().unwrap_or_default()
        ),
        Subject::Anonymous => "anonymous".to_string(),
    };

    // Sibling order, the importer's rule.
    let mut siblings: BTreeMap<Option<i64>, Vec<(i64, String, i64)>> = BTreeMap::new();
    for content in &contents {
        if content.content_type == cairn_core::ContentType::Page
            && Some(content.id) != space.homepage_id
        {
            siblings
                .entry(content.parent_id.map(|parent| parent.0))
                .or_default()
                .push((
                    content.position.unwrap_or(i64::MAX),
                    content.title.to_lowercase(),
                    content.id.0,
                ));
        }
    }
    let mut sibling_rank: HashMap<i64, usize> = HashMap::new();
    for list in siblings.values_mut() {
        list.sort();
        for (index, (_, _, id)) in list.iter().enumerate() {
            sibling_rank.insert(*id, index);
        }
    }

    let mut dumped = BTreeMap::new();
    for content in &contents {
        let mut content_labels: Vec<String> = labels
            .iter()
            .filter(|label| label.content_id == content.id)
            .map(|label| format!("{}:{}", label.prefix, label.name))
            .collect();
        content_labels.sort();
        let mut content_properties: Vec<_> = properties
            .iter()
            .filter(|property| property.content_id == content.id)
            .map(|property| {
                (
                    property.key.clone(),
                    serde_json::from_str(&property.value_json).expect("JSON property"),
                    property.version,
                    name(property.modifier_id),
                    property.modified_ms,
                )
            })
            .collect();
        content_properties.sort_by(|a, b| a.0.cmp(&b.0));
        let mut content_restrictions: Vec<(String, String)> = restrictions
            .iter()
            .filter(|restriction| restriction.content_id == content.id)
            .map(|restriction| {
                (
                    restriction.operation.clone(),
                    subject_name(restriction.subject),
                )
            })
            .collect();
        content_restrictions.sort();
        let mut watchers: Vec<String> = watches
            .iter()
            .filter(|watch| watch.content_id == Some(content.id))
            .map(|watch| name(watch.user_id))
            .collect();
        watchers.sort();
        let mut likers: Vec<String> = likes
            .iter()
            .filter(|like| like.content_id == content.id)
            .map(|like| name(like.user_id))
            .collect();
        likers.sort();
        dumped.insert(
            rank_of(content.id).expect("ranked"),
            ContentDump {
                content_type: content.content_type.as_str().to_string(),
                status: content.status.as_str().to_string(),
                parent: content.parent_id.and_then(rank_of),
                sibling_rank: sibling_rank.get(&content.id.0).copied(),
                title: content.title.clone(),
                version: content.version,
                creator: name(content.creator_id),
                created_ms: content.created_ms,
                last_modifier: name(content.last_modifier_id),
                last_modified_ms: content.last_modified_ms,
                comment_container: content.comment_container.and_then(rank_of),
                comment_location: content.comment_location.clone(),
                inline_properties: content
                    .inline_properties
                    .as_deref()
                    .map(|json| serde_json::from_str(json).expect("inline properties JSON")),
                versions: versions
                    .iter()
                    .filter(|version| version.content_id == content.id)
                    .map(|version| {
                        (
                            version.number,
                            version.title.clone(),
                            version.body.clone(),
                            name(version.author_id),
                            version.created_ms,
                            version.message.clone(),
                            version.minor_edit,
                        )
                    })
                    .collect(),
                labels: content_labels,
                properties: content_properties,
                restrictions: content_restrictions,
                watchers,
                likers,
            },
        );
    }

    let mut dumped_attachments = BTreeMap::new();
    for attachment in &attachments {
        let mut files = Vec::new();
        for version in attachment_versions
            .iter()
            .filter(|version| version.attachment_id == attachment.id)
        {
            let bytes = blobs
                .get_bytes(&BlobKey::new(version.blob_key.clone()).expect("blob key"))
                .await
                .expect("attachment bytes")
                .to_vec();
            files.push((
                (
                    version.number,
                    version.media_type.clone(),
                    version.size_bytes,
                    version.sha256.clone(),
                    version.comment.clone(),
                    version.minor_edit,
                    name(version.author_id),
                    version.created_ms,
                ),
                bytes,
            ));
        }
        dumped_attachments.insert(
            rank_of(attachment.id).expect("ranked"),
            AttachmentDump {
                container: rank_of(attachment.container_id),
                title: attachment.title.clone(),
                status: attachment.status.as_str().to_string(),
                version: attachment.version,
                creator: name(attachment.creator_id),
                created_ms: attachment.created_ms,
                versions: files,
            },
        );
    }

    let mut grant_rows: Vec<(String, String)> = grants
        .iter()
        .map(|grant| (grant.permission.clone(), subject_name(grant.subject)))
        .collect();
    grant_rows.sort();
    let mut space_watchers: Vec<String> = space_watches
        .iter()
        .map(|watch| name(watch.user_id))
        .collect();
    space_watchers.sort();
    let mut space_labels: Vec<String> = store
        .space_labels(space.id)
        .await
        .expect("space labels")
        .into_iter()
        .map(|space_label| format!("{}:{}", space_label.label.prefix, space_label.label.name))
        .collect();
    space_labels.sort();
    SpaceDump {
        name: space.name.clone(),
        description: space.description.clone(),
        space_type: space.space_type.as_str().to_string(),
        home: space.homepage_id.and_then(rank_of),
        grants: grant_rows,
        space_watchers,
        labels: space_labels,
        contents: dumped,
        attachments: dumped_attachments,
    }
}
