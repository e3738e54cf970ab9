//! What the writer settles before its one transaction (inside it, nothing else may touch the
//! database): titles that would clash, the groups to use or create, the memberships to add, the
//! content properties with their ids and checked JSON values.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use cairn_core::{ContentId, GroupId, SpaceKey, UserId};
use cairn_store::{ImportedProperty, Store};

use crate::error::ImportResult;
use crate::model::{ContentKind, ExportComment, ExportStatus, ExportSubject, Model, Person};
use crate::reader::Export;
use crate::report::ImportReport;
use crate::writer::person_username;

/// A group the import uses: Cairn's group of that name, or one it creates.
#[derive(Debug, Clone)]
pub(crate) struct PreparedGroup {
    pub id: GroupId,
    pub name: String,
    /// Cairn has no group of that name: the import creates it.
    pub created: bool,
}

/// What the transaction writes besides content: groups, memberships, properties.
pub(crate) struct Access<'a> {
    /// By lower-cased name.
    pub groups: &'a BTreeMap<String, PreparedGroup>,
    pub memberships: &'a [(GroupId, UserId)],
    /// With their new ids.
    pub properties: &'a [(i64, ImportedProperty)],
}

/// Live pages (and live blog posts) of one space whose titles differ only by letter case cannot
/// both keep their titles in Cairn, where titles are unique regardless of case (as in
/// Confluence). The first by id keeps its title; each later one gets ` (2)`, ` (3)`… and a note.
pub(crate) fn separate_clashing_titles(
    model: &mut Model,
    keys: &HashMap<i64, SpaceKey>,
    report: &mut ImportReport,
) {
    let mut taken: HashSet<(i64, ContentKind, String)> = model
        .contents
        .iter()
        .filter(|content| content.status == ExportStatus::Current)
        .map(|content| {
            (
                content.space_id,
                content.kind,
                content.current().title.to_lowercase(),
            )
        })
        .collect();
    let mut order: Vec<usize> = (0..model.contents.len())
        .filter(|index| model.contents[*index].status == ExportStatus::Current)
        .collect();
    order.sort_by_key(|index| model.contents[*index].id);
    let mut kept: HashSet<(i64, ContentKind, String)> = HashSet::new();
    for index in order {
        let content = &mut model.contents[index];
        let title = content.current().title.clone();
        let slot = (content.space_id, content.kind, title.to_lowercase());
        if kept.insert(slot) {
            continue;
        }
        let mut number = 2;
        let renamed = loop {
            let candidate = format!("{title} ({number})");
            let candidate_slot = (content.space_id, content.kind, candidate.to_lowercase());
            if !taken.contains(&candidate_slot) {
                taken.insert(candidate_slot.clone());
                kept.insert(candidate_slot);
                break candidate;
            }
            number += 1;
        };
        let key = keys
            .get(&content.space_id)
            .map(SpaceKey::to_string)
            .unwrap_or_default();
        report.notes.push(format!(
            "space {key}: {} {} \"{title}\" is imported as \"{renamed}\": another {} of the space has the same title but for letter case",
            content.kind.label(),
            content.id,
            content.kind.label()
        ));
        if let Some(current) = content.versions.last_mut() {
            current.title = renamed;
        }
    }
}

/// The groups the export names (its groups, and those of its grants), each found in Cairn by
/// name or given a new id.
pub(crate) async fn prepare_groups(
    store: &Store,
    model: &Model,
    report: &mut ImportReport,
) -> ImportResult<BTreeMap<String, PreparedGroup>> {
    let mut names: BTreeSet<String> = model
        .groups
        .iter()
        .map(|group| group.name.clone())
        .collect();
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
        if let ExportSubject::Group(name) = subject {
            names.insert(name.clone());
        }
    }
    let mut groups = BTreeMap::new();
    for name in names {
        let prepared = match store.group_id_by_name(&name).await? {
            Some(id) => PreparedGroup {
                id,
                name: name.clone(),
                created: false,
            },
            None => {
                report.groups_created += 1;
                PreparedGroup {
                    id: store.allocate_group_id().await?,
                    name: name.clone(),
                    created: true,
                }
            }
        };
        groups.insert(name, prepared);
    }
    Ok(groups)
}

/// The memberships of the export's groups for the users the import creates. Users Cairn had
/// already keep their memberships as they are: an export must not widen what they may do.
pub(crate) fn memberships_of_new_users(
    model: &Model,
    groups: &BTreeMap<String, PreparedGroup>,
    user_ids: &HashMap<String, UserId>,
    created_users: &HashSet<UserId>,
    report: &mut ImportReport,
) -> Vec<(GroupId, UserId)> {
    let mut memberships = Vec::new();
    let mut of_existing_users = 0_usize;
    for group in &model.groups {
        let Some(prepared) = groups.get(&group.name) else {
            continue;
        };
        for member in &group.members {
            let Some(user) = user_ids.get(&person_username(&Some(member.clone()))) else {
                continue;
            };
            if created_users.contains(user) {
                memberships.push((prepared.id, *user));
            } else {
                of_existing_users += 1;
            }
        }
    }
    report.memberships = memberships.len();
    if of_existing_users > 0 {
        report.notes.push(format!(
            "{of_existing_users} group memberships of users Cairn had already were not added (their memberships stay as they are)"
        ));
    }
    memberships
}

/// The content properties to write, with fresh ids: the export's JSON content properties whose
/// value is JSON, and the `status` of comments (open, resolved…) as a property `status`.
pub(crate) async fn prepare_properties(
    store: &Store,
    export: &mut Export,
    model: &Model,
    comments: &[ExportComment],
    id: &impl Fn(i64) -> ContentId,
    user_of: &impl Fn(&Person) -> UserId,
    report: &mut ImportReport,
) -> ImportResult<Vec<(i64, ImportedProperty)>> {
    let comment_ids: HashSet<i64> = comments.iter().map(|comment| comment.id).collect();
    let page_ids: HashSet<i64> = model.contents.iter().map(|content| content.id).collect();
    let mut keys: HashSet<(i64, String)> = HashSet::new();
    let mut properties = Vec::new();
    for property in &model.properties {
        if !page_ids.contains(&property.content_id) && !comment_ids.contains(&property.content_id) {
            report.skip(
                "content property",
                property.content_id,
                format!("{}: on a comment that is not imported", property.key),
            );
            continue;
        }
        let text = export.body_text(&property.value).await?;
        if serde_json::from_str::<serde_json::Value>(&text).is_err() {
            report.skip(
                "content property",
                property.content_id,
                format!("{}: its value is not JSON", property.key),
            );
            continue;
        }
        keys.insert((property.content_id, property.key.clone()));
        properties.push(ImportedProperty {
            content_id: id(property.content_id),
            key: property.key.clone(),
            value_json: text,
            version: property.version,
            modifier_id: user_of(&property.modifier),
            modified_ms: property.modified_ms,
        });
    }
    for comment in comments {
        let Some(status) = &comment.status_property else {
            continue;
        };
        if !keys.insert((comment.id, "status".to_string())) {
            continue;
        }
        let current = comment.current();
        properties.push(ImportedProperty {
            content_id: id(comment.id),
            key: "status".to_string(),
            value_json: serde_json::Value::String(status.clone()).to_string(),
            version: 1,
            modifier_id: user_of(&current.author),
            modified_ms: current.created_ms,
        });
    }
    report.properties = properties.len();
    let mut with_ids = Vec::with_capacity(properties.len());
    for property in properties {
        with_ids.push((store.allocate_property_id().await?, property));
    }
    Ok(with_ids)
}

/// The `inlineProperties` of an inline comment: the marker it hangs on in the page's body and
/// the text that marker covered.
pub(crate) fn inline_properties(comment: &ExportComment) -> String {
    let mut properties = serde_json::Map::new();
    if let Some(marker) = &comment.marker_ref {
        properties.insert(
            "markerRef".into(),
            serde_json::Value::String(marker.clone()),
        );
    }
    if let Some(selection) = &comment.original_selection {
        properties.insert(
            "originalSelection".into(),
            serde_json::Value::String(selection.clone()),
        );
    }
    serde_json::Value::Object(properties).to_string()
}
