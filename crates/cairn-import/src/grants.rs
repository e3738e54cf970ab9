//! Who may do what, as an export says it: space permissions, page restrictions, groups and their
//! members.
//!
//! Space permissions are `SpacePermission` objects naming their space (or listed by the space's
//! `permissions`); those naming no space are the site's global permissions. A subject is a group
//! (`group`), a user (`userSubject` by key, or `userName`), Cloud's "all users"
//! (`allUsersSubject`, Cairn's `confluence-users`) or, when none is named, anonymous visitors.
//! Restrictions are `ContentPermission` objects in a `ContentPermissionSet` owned by a page or
//! blog post (`View` is Cairn's read restriction, `Edit` its update restriction). Groups are
//! `InternalGroup` (Crowd, with `HibernateMembership` objects) or `DefaultHibernateGroup`
//! (Confluence 3, with `localMembers`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use cairn_core::{RestrictionOperation, SpacePermission};

use crate::model::{Builder, Objects, id_number};
use crate::xml::RawObject;

/// Confluence's group of every signed-in user, as Cairn names it too.
pub const USERS_GROUP: &str = "confluence-users";

/// Whom a permission or restriction names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExportSubject {
    /// A user name.
    User(String),
    /// A group name, lower-cased.
    Group(String),
    /// Visitors who are not signed in.
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSpacePermission {
    pub space_id: i64,
    pub permission: SpacePermission,
    pub subject: ExportSubject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRestriction {
    /// The page or blog post (the current object).
    pub content_id: i64,
    pub operation: RestrictionOperation,
    /// A user or a group, never anonymous.
    pub subject: ExportSubject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportGroup {
    /// Lower-cased.
    pub name: String,
    /// User names of its members.
    pub members: BTreeSet<String>,
}

/// The subject `object` names in `group_property`, `userSubject`/`userName` or `allUsersSubject`;
/// an error says why a group name cannot be a Cairn group's.
fn subject(
    builder: &Builder<'_>,
    object: &RawObject,
    group_property: &str,
) -> Result<ExportSubject, String> {
    if let Some(group) = object.text_trimmed(group_property) {
        return cairn_core::validate_group_name(group)
            .map(ExportSubject::Group)
            .map_err(|error| format!("group {group}: {error}"));
    }
    if let Some(user) = builder.person(object, "userSubject", "userName") {
        return Ok(ExportSubject::User(user));
    }
    if object.text_trimmed("allUsersSubject").is_some() {
        return Ok(ExportSubject::Group(USERS_GROUP.to_string()));
    }
    Ok(ExportSubject::Anonymous)
}

/// The space permissions of the spaces in `space_ids`.
pub(crate) fn space_permissions(
    builder: &mut Builder<'_>,
    objects: &Objects,
    space_ids: &HashSet<i64>,
) -> Vec<ExportSpacePermission> {
    let mut listed_by_space: HashMap<&str, i64> = HashMap::new();
    for space in objects.of("Space") {
        if let Some(space_id) = id_number(&space.id) {
            for permission in space.references("permissions") {
                listed_by_space.insert(permission.id.as_str(), space_id);
            }
        }
    }
    let mut permissions = Vec::new();
    let mut seen = HashSet::new();
    let mut global = 0_usize;
    for object in objects.of("SpacePermission") {
        let space_id = object
            .reference("space")
            .and_then(|space| id_number(&space.id))
            .or_else(|| listed_by_space.get(object.id.as_str()).copied());
        let Some(space_id) = space_id else {
            global += 1;
            continue;
        };
        if !space_ids.contains(&space_id) {
            continue;
        }
        let type_name = object.text_trimmed("type").unwrap_or_default();
        let Some(permission) = SpacePermission::parse(type_name) else {
            builder.skip(
                "space permission",
                &object.id,
                format!("{type_name}: Cairn has no such space permission"),
            );
            continue;
        };
        let granted_to = match subject(builder, object, "group") {
            Ok(granted_to) => granted_to,
            Err(reason) => {
                builder.skip("space permission", &object.id, reason);
                continue;
            }
        };
        if seen.insert((space_id, permission, granted_to.clone())) {
            permissions.push(ExportSpacePermission {
                space_id,
                permission,
                subject: granted_to,
            });
        }
    }
    if global > 0 {
        builder.skip(
            "global permission",
            &format!("{global} objects"),
            "site-wide permissions are not imported (Cairn's stay as they are)",
        );
    }
    permissions
}

/// The restrictions on the pages and blog posts in `content_ids`.
pub(crate) fn restrictions(
    builder: &mut Builder<'_>,
    objects: &Objects,
    content_ids: &HashSet<i64>,
) -> Vec<ExportRestriction> {
    // set id -> (content, the set's type)
    let mut sets: HashMap<&str, (Option<String>, Option<&str>)> = HashMap::new();
    let mut set_of_permission: HashMap<&str, &str> = HashMap::new();
    for set in objects.of("ContentPermissionSet") {
        let owner = set.reference("owningContent").map(|owner| {
            builder
                .originals
                .get(&owner.id)
                .cloned()
                .unwrap_or_else(|| owner.id.clone())
        });
        sets.insert(set.id.as_str(), (owner, set.text_trimmed("type")));
        for permission in set.references("contentPermissions") {
            set_of_permission.insert(permission.id.as_str(), set.id.as_str());
        }
    }
    let mut restrictions = Vec::new();
    let mut seen = HashSet::new();
    for object in objects.of("ContentPermission") {
        let set_id = object
            .reference("owningSet")
            .map(|set| set.id.as_str())
            .or_else(|| set_of_permission.get(object.id.as_str()).copied());
        let Some((owner, set_type)) = set_id.and_then(|set| sets.get(set)) else {
            builder.skip(
                "restriction",
                &object.id,
                "in no permission set of the export",
            );
            continue;
        };
        let Some(content_id) = owner
            .as_deref()
            .and_then(id_number)
            .filter(|id| content_ids.contains(id))
        else {
            builder.skip(
                "restriction",
                &object.id,
                "on no page or blog post that is imported",
            );
            continue;
        };
        let type_name = object
            .text_trimmed("type")
            .or(*set_type)
            .unwrap_or_default();
        let operation = match type_name.to_ascii_lowercase().as_str() {
            "view" => RestrictionOperation::Read,
            "edit" => RestrictionOperation::Update,
            _ => {
                builder.skip(
                    "restriction",
                    &object.id,
                    format!("type {type_name}: only View and Edit exist in Cairn"),
                );
                continue;
            }
        };
        let restricted_to = match subject(builder, object, "groupName") {
            Ok(restricted_to) => restricted_to,
            Err(reason) => {
                builder.skip("restriction", &object.id, reason);
                continue;
            }
        };
        if restricted_to == ExportSubject::Anonymous {
            builder.skip(
                "restriction",
                &object.id,
                "names neither a user nor a group",
            );
            continue;
        }
        if seen.insert((content_id, operation, restricted_to.clone())) {
            restrictions.push(ExportRestriction {
                content_id,
                operation,
                subject: restricted_to,
            });
        }
    }
    restrictions
}

/// The groups of a site export with their members.
pub(crate) fn groups(builder: &mut Builder<'_>, objects: &Objects) -> Vec<ExportGroup> {
    let user_names: HashMap<&str, &str> = ["InternalUser", "DefaultHibernateUser"]
        .into_iter()
        .flat_map(|class| objects.of(class))
        .filter_map(|user| Some((user.id.as_str(), user.text_trimmed("name")?)))
        .collect();
    let mut by_id: HashMap<&str, String> = HashMap::new();
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for group in objects
        .of("InternalGroup")
        .iter()
        .chain(objects.of("DefaultHibernateGroup"))
    {
        let Some(name) = group.text_trimmed("name") else {
            builder.skip("group", &group.id, "no name");
            continue;
        };
        let name = match cairn_core::validate_group_name(name) {
            Ok(name) => name,
            Err(error) => {
                builder.skip("group", &group.id, error.to_string());
                continue;
            }
        };
        let members = groups.entry(name.clone()).or_default();
        for member in group.references("localMembers") {
            if let Some(user) = user_names.get(member.id.as_str()) {
                members.insert(user.to_lowercase());
            }
        }
        by_id.insert(group.id.as_str(), name);
    }
    for membership in objects.of("HibernateMembership") {
        let group = membership
            .reference("parentGroup")
            .and_then(|group| by_id.get(group.id.as_str()));
        let Some(group) = group else {
            builder.skip(
                "group membership",
                &membership.id,
                "in no group of the export",
            );
            continue;
        };
        if membership.reference("childGroupMember").is_some() {
            builder.skip(
                "group membership",
                &membership.id,
                format!("a group nested in {group}: Cairn's groups hold users only"),
            );
            continue;
        }
        let user = membership
            .reference("userMember")
            .and_then(|user| user_names.get(user.id.as_str()));
        let Some(user) = user else {
            builder.skip(
                "group membership",
                &membership.id,
                "names no user of the export",
            );
            continue;
        };
        if let Some(members) = groups.get_mut(group) {
            members.insert(user.to_lowercase());
        }
    }
    groups
        .into_iter()
        .map(|(name, members)| ExportGroup { name, members })
        .collect()
}
