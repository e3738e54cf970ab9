//! Who may do what: space permissions and content restrictions, as Confluence has them.
//!
//! A space grants permissions ([`SpacePermission`]) to users, groups or anonymous visitors. A page or
//! blog post may further be restricted ([`RestrictionOperation`]): a read restriction lets only the
//! named users and groups view it, and is inherited by every page below it; an update restriction lets
//! only them edit it and is not inherited. Site administrators hold every space permission, but
//! restrictions apply to them as to anyone.

use std::collections::BTreeSet;

use crate::id::{GroupId, UserId};

/// A space permission, named as Confluence's `getSpacePermissionSets` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpacePermission {
    ViewSpace,
    EditSpace,
    EditBlog,
    Comment,
    CreateAttachment,
    RemovePage,
    RemoveBlog,
    RemoveComment,
    RemoveAttachment,
    RemoveOwnContent,
    SetPagePermissions,
    SetSpacePermissions,
    ExportSpace,
}

impl SpacePermission {
    /// Every permission, in the order Confluence lists them.
    pub const ALL: [SpacePermission; 13] = [
        SpacePermission::ViewSpace,
        SpacePermission::EditSpace,
        SpacePermission::EditBlog,
        SpacePermission::Comment,
        SpacePermission::CreateAttachment,
        SpacePermission::RemovePage,
        SpacePermission::RemoveBlog,
        SpacePermission::RemoveComment,
        SpacePermission::RemoveAttachment,
        SpacePermission::RemoveOwnContent,
        SpacePermission::SetPagePermissions,
        SpacePermission::SetSpacePermissions,
        SpacePermission::ExportSpace,
    ];

    /// What every logged-in user (the `confluence-users` group) gets in a new space: read, write and
    /// tidy up after themselves, but not delete others' work or administer the space.
    pub const DEFAULT_FOR_USERS: [SpacePermission; 8] = [
        SpacePermission::ViewSpace,
        SpacePermission::EditSpace,
        SpacePermission::EditBlog,
        SpacePermission::Comment,
        SpacePermission::CreateAttachment,
        SpacePermission::RemoveOwnContent,
        SpacePermission::SetPagePermissions,
        SpacePermission::ExportSpace,
    ];

    /// What every logged-in user gets in someone's personal space: read it and comment.
    pub const DEFAULT_FOR_PERSONAL: [SpacePermission; 2] =
        [SpacePermission::ViewSpace, SpacePermission::Comment];

    pub fn as_str(self) -> &'static str {
        match self {
            SpacePermission::ViewSpace => "VIEWSPACE",
            SpacePermission::EditSpace => "EDITSPACE",
            SpacePermission::EditBlog => "EDITBLOG",
            SpacePermission::Comment => "COMMENT",
            SpacePermission::CreateAttachment => "CREATEATTACHMENT",
            SpacePermission::RemovePage => "REMOVEPAGE",
            SpacePermission::RemoveBlog => "REMOVEBLOG",
            SpacePermission::RemoveComment => "REMOVECOMMENT",
            SpacePermission::RemoveAttachment => "REMOVEATTACHMENT",
            SpacePermission::RemoveOwnContent => "REMOVEOWNCONTENT",
            SpacePermission::SetPagePermissions => "SETPAGEPERMISSIONS",
            SpacePermission::SetSpacePermissions => "SETSPACEPERMISSIONS",
            SpacePermission::ExportSpace => "EXPORTSPACE",
        }
    }

    /// Parses a permission name, case-insensitively.
    pub fn parse(text: &str) -> Option<SpacePermission> {
        SpacePermission::ALL
            .into_iter()
            .find(|permission| permission.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The `(operation, targetType)` pair Confluence Data Center's REST API shows for this permission.
    pub fn rest_operation(self) -> (&'static str, &'static str) {
        match self {
            SpacePermission::ViewSpace => ("read", "space"),
            SpacePermission::EditSpace => ("create", "page"),
            SpacePermission::EditBlog => ("create", "blogpost"),
            SpacePermission::Comment => ("create", "comment"),
            SpacePermission::CreateAttachment => ("create", "attachment"),
            SpacePermission::RemovePage => ("delete", "page"),
            SpacePermission::RemoveBlog => ("delete", "blogpost"),
            SpacePermission::RemoveComment => ("delete", "comment"),
            SpacePermission::RemoveAttachment => ("delete", "attachment"),
            SpacePermission::RemoveOwnContent => ("delete_own", "space"),
            SpacePermission::SetPagePermissions => ("restrict", "space"),
            SpacePermission::SetSpacePermissions => ("administer", "space"),
            SpacePermission::ExportSpace => ("export", "space"),
        }
    }

    /// The permission for an `(operation, targetType)` pair of the REST API.
    pub fn from_rest_operation(operation: &str, target_type: &str) -> Option<SpacePermission> {
        SpacePermission::ALL
            .into_iter()
            .find(|permission| permission.rest_operation() == (operation, target_type))
    }
}

/// A site-wide permission (Confluence's global permissions), granted to users, groups or anonymous
/// visitors. Site administration follows `Administer` and `SystemAdministrator`, which the
/// `confluence-administrators` group always holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GlobalPermission {
    /// "Can use": sign in and see what space permissions allow. For anonymous: anonymous access.
    Use,
    CreateSpace,
    CreatePersonalSpace,
    Administer,
    SystemAdministrator,
}

impl GlobalPermission {
    pub const ALL: [GlobalPermission; 5] = [
        GlobalPermission::Use,
        GlobalPermission::CreateSpace,
        GlobalPermission::CreatePersonalSpace,
        GlobalPermission::Administer,
        GlobalPermission::SystemAdministrator,
    ];

    /// What anonymous visitors may be granted: using the site (reading) only.
    pub const FOR_ANONYMOUS: [GlobalPermission; 1] = [GlobalPermission::Use];

    /// Confluence's stored names.
    pub fn as_str(self) -> &'static str {
        match self {
            GlobalPermission::Use => "USECONFLUENCE",
            GlobalPermission::CreateSpace => "CREATESPACE",
            GlobalPermission::CreatePersonalSpace => "PERSONALSPACE",
            GlobalPermission::Administer => "ADMINISTRATECONFLUENCE",
            GlobalPermission::SystemAdministrator => "SYSTEMADMINISTRATOR",
        }
    }

    /// How the administration screen names it.
    pub fn label(self) -> &'static str {
        match self {
            GlobalPermission::Use => "Can use",
            GlobalPermission::CreateSpace => "Create space",
            GlobalPermission::CreatePersonalSpace => "Create personal space",
            GlobalPermission::Administer => "Confluence administrator",
            GlobalPermission::SystemAdministrator => "System administrator",
        }
    }

    /// The `(operationKey, targetType)` pair of Confluence Data Center's global permissions REST.
    pub fn rest_operation(self) -> (&'static str, &'static str) {
        match self {
            GlobalPermission::Use => ("use", "application"),
            GlobalPermission::CreateSpace => ("create", "space"),
            GlobalPermission::CreatePersonalSpace => ("create", "personalspace"),
            GlobalPermission::Administer => ("administer", "application"),
            GlobalPermission::SystemAdministrator => ("administer", "system"),
        }
    }

    /// A stored name (`USECONFLUENCE`), or an `operationKey` with its `targetType`.
    pub fn parse(name: &str, target_type: Option<&str>) -> Option<GlobalPermission> {
        let name = name.trim();
        GlobalPermission::ALL.into_iter().find(|permission| {
            permission.as_str().eq_ignore_ascii_case(name)
                || target_type.is_some_and(|target| {
                    let (operation, target_of) = permission.rest_operation();
                    operation.eq_ignore_ascii_case(name)
                        && target_of.eq_ignore_ascii_case(target.trim())
                })
        })
    }

    /// Whether it makes its holder a site administrator.
    pub fn administers(self) -> bool {
        matches!(
            self,
            GlobalPermission::Administer | GlobalPermission::SystemAdministrator
        )
    }
}

/// Who a permission or restriction is granted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    User(UserId),
    Group(GroupId),
    /// Visitors who are not logged in (space permissions only).
    Anonymous,
}

impl Subject {
    /// The stored `subject_type`.
    pub fn type_name(self) -> &'static str {
        match self {
            Subject::User(_) => "user",
            Subject::Group(_) => "group",
            Subject::Anonymous => "anonymous",
        }
    }

    /// The stored `subject_id` (0 for anonymous).
    pub fn id_value(self) -> i64 {
        match self {
            Subject::User(id) => id.0,
            Subject::Group(id) => id.0,
            Subject::Anonymous => 0,
        }
    }

    /// Rebuilds a subject from its stored form.
    pub fn from_stored(type_name: &str, id: i64) -> Option<Subject> {
        match type_name {
            "user" => Some(Subject::User(UserId(id))),
            "group" => Some(Subject::Group(GroupId(id))),
            "anonymous" => Some(Subject::Anonymous),
            _ => None,
        }
    }
}

/// What a content restriction limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RestrictionOperation {
    /// Viewing; inherited by every page below.
    Read,
    /// Editing; applies to the content itself only.
    Update,
}

impl RestrictionOperation {
    pub const ALL: [RestrictionOperation; 2] =
        [RestrictionOperation::Read, RestrictionOperation::Update];

    pub fn as_str(self) -> &'static str {
        match self {
            RestrictionOperation::Read => "read",
            RestrictionOperation::Update => "update",
        }
    }

    pub fn parse(text: &str) -> Option<RestrictionOperation> {
        match text.trim().to_ascii_lowercase().as_str() {
            "read" | "view" => Some(RestrictionOperation::Read),
            "update" | "edit" => Some(RestrictionOperation::Update),
            _ => None,
        }
    }
}

/// One restriction: `subject` may do `operation` on the content it is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Restriction {
    pub operation: RestrictionOperation,
    pub subject: Subject,
}

/// The viewer of a request nobody signed in to (anonymous access): no account has this id, and no
/// group has it as a member, so only grants to anonymous reach it.
pub const ANONYMOUS: UserId = UserId(0);

/// A user id no account has: a read restriction naming it lets nobody in (see
/// [`narrow_read_subjects`]).
pub const NOBODY: UserId = UserId(-1);

/// The read restriction a page must carry of its own when it leaves a restricted page above it (a
/// move out of the subtree, the parent's trash or purge, a restore to the space root), so that who
/// may read it does not widen.
///
/// Read restrictions along a page's ancestry combine with AND (every restricted page on the way
/// must let the viewer in), the subjects of one page with OR. `own` are the page's own read subjects
/// (empty when it has none), `inherited` those of the page it leaves (non-empty). The answer lets in
/// exactly who both let in today: subjects both name, users of one that are members of a group of
/// the other, and the common members of two different groups, named one by one (later changes to
/// those groups' membership do not reach the copy). When nobody passes both, the answer names
/// [`NOBODY`], so the page stays shut rather than opening up. `memberships` holds `(group, user)`
/// for every group either list names.
pub fn narrow_read_subjects(
    own: &[Subject],
    inherited: &[Subject],
    memberships: &BTreeSet<(GroupId, UserId)>,
) -> Vec<Subject> {
    if own.is_empty() {
        let mut kept = inherited.to_vec();
        kept.sort();
        kept.dedup();
        return kept;
    }
    let member = |group: GroupId, user: UserId| memberships.contains(&(group, user));
    let members_of = |group: GroupId| {
        memberships
            .iter()
            .filter(move |(of, _)| *of == group)
            .map(|(_, user)| *user)
    };
    let mut kept = BTreeSet::new();
    for subject in own {
        if inherited.contains(subject) {
            kept.insert(*subject);
            continue;
        }
        match *subject {
            Subject::User(user) => {
                let admitted = inherited
                    .iter()
                    .any(|other| matches!(*other, Subject::Group(group) if member(group, user)));
                if admitted {
                    kept.insert(*subject);
                }
            }
            Subject::Group(group) => {
                for other in inherited {
                    match *other {
                        Subject::User(user) if member(group, user) => {
                            kept.insert(Subject::User(user));
                        }
                        Subject::Group(other_group) if other_group != group => {
                            for user in members_of(group).filter(|user| member(other_group, *user))
                            {
                                kept.insert(Subject::User(user));
                            }
                        }
                        _ => {}
                    }
                }
            }
            // Read restrictions name users and groups; anonymous never passes one.
            Subject::Anonymous => {}
        }
    }
    if kept.is_empty() {
        kept.insert(Subject::User(NOBODY));
    }
    kept.into_iter().collect()
}

/// The operation whose restrictions would shut out the user making them, if any: someone who
/// restricts a page must stay among those each restricted operation lets in (themselves, or a
/// group they belong to), or nobody they could ask would be left to lift it. Operations without
/// restrictions are open to everyone and cannot lock anybody out. `caller_groups` are the groups
/// the caller belongs to.
pub fn restrictions_lock_out(
    caller: UserId,
    caller_groups: &[GroupId],
    restrictions: &[Restriction],
) -> Option<RestrictionOperation> {
    let lets_in = |subject: Subject| match subject {
        Subject::User(user) => user == caller,
        Subject::Group(group) => caller_groups.contains(&group),
        Subject::Anonymous => true,
    };
    RestrictionOperation::ALL.into_iter().find(|operation| {
        let mut of_operation = restrictions
            .iter()
            .filter(|restriction| restriction.operation == *operation)
            .peekable();
        of_operation.peek().is_some()
            && !of_operation.any(|restriction| lets_in(restriction.subject))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64) -> Subject {
        Subject::User(UserId(id))
    }

    fn group(id: i64) -> Subject {
        Subject::Group(GroupId(id))
    }

    #[test]
    fn global_permissions_read_as_stored_names_or_rest_operations() {
        for permission in GlobalPermission::ALL {
            assert_eq!(
                GlobalPermission::parse(permission.as_str(), None),
                Some(permission)
            );
            let (operation, target) = permission.rest_operation();
            assert_eq!(
                GlobalPermission::parse(operation, Some(target)),
                Some(permission)
            );
        }
        assert_eq!(GlobalPermission::parse("use", None), None);
        assert_eq!(GlobalPermission::parse("read", Some("space")), None);
        assert!(GlobalPermission::SystemAdministrator.administers());
        assert!(!GlobalPermission::CreateSpace.administers());
    }

    #[test]
    fn narrowing_keeps_exactly_who_passed_both() {
        let none = BTreeSet::new();
        // No own restriction: the inherited one is copied.
        assert_eq!(
            narrow_read_subjects(&[], &[user(2), user(1)], &none),
            vec![user(1), user(2)]
        );
        // Both name the same subjects: kept; one only one side names: dropped.
        assert_eq!(
            narrow_read_subjects(&[user(1), user(3)], &[user(1), user(2)], &none),
            vec![user(1)]
        );
        // A user of one side in a group of the other.
        let memberships: BTreeSet<_> = [
            (GroupId(10), UserId(1)),
            (GroupId(10), UserId(2)),
            (GroupId(11), UserId(2)),
            (GroupId(11), UserId(3)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            narrow_read_subjects(&[user(1), user(4)], &[group(10)], &memberships),
            vec![user(1)]
        );
        assert_eq!(
            narrow_read_subjects(&[group(10)], &[user(2), user(3)], &memberships),
            vec![user(2)]
        );
        // Two different groups: their common members, by name.
        assert_eq!(
            narrow_read_subjects(&[group(10)], &[group(11)], &memberships),
            vec![user(2)]
        );
        // The same group on both sides stays a group.
        assert_eq!(
            narrow_read_subjects(&[group(10)], &[group(10)], &memberships),
            vec![group(10)]
        );
    }

    #[test]
    fn nobody_in_common_stays_shut() {
        let none = BTreeSet::new();
        assert_eq!(
            narrow_read_subjects(&[user(1)], &[user(2)], &none),
            vec![Subject::User(NOBODY)]
        );
        assert_eq!(
            narrow_read_subjects(&[Subject::Anonymous], &[user(2)], &none),
            vec![Subject::User(NOBODY)]
        );
    }

    #[test]
    fn permission_names_round_trip() {
        for permission in SpacePermission::ALL {
            assert_eq!(
                SpacePermission::parse(permission.as_str()),
                Some(permission)
            );
            let (operation, target) = permission.rest_operation();
            assert_eq!(
                SpacePermission::from_rest_operation(operation, target),
                Some(permission)
            );
        }
        assert_eq!(
            SpacePermission::parse(" viewspace "),
            Some(SpacePermission::ViewSpace)
        );
        assert_eq!(SpacePermission::parse("FLY"), None);
    }

    #[test]
    fn defaults_for_users_never_include_administration() {
        assert!(
            !SpacePermission::DEFAULT_FOR_USERS.contains(&SpacePermission::SetSpacePermissions)
        );
        assert!(!SpacePermission::DEFAULT_FOR_USERS.contains(&SpacePermission::RemovePage));
        assert!(SpacePermission::DEFAULT_FOR_USERS.contains(&SpacePermission::ViewSpace));
    }

    #[test]
    fn subjects_round_trip_through_their_stored_form() {
        for subject in [
            Subject::User(UserId(7)),
            Subject::Group(GroupId(1)),
            Subject::Anonymous,
        ] {
            assert_eq!(
                Subject::from_stored(subject.type_name(), subject.id_value()),
                Some(subject)
            );
        }
        assert_eq!(Subject::from_stored("robot", 1), None);
    }

    #[test]
    fn restriction_operations_accept_confluence_aliases() {
        assert_eq!(
            RestrictionOperation::parse("Read"),
            Some(RestrictionOperation::Read)
        );
        assert_eq!(
            RestrictionOperation::parse("edit"),
            Some(RestrictionOperation::Update)
        );
        assert_eq!(RestrictionOperation::parse("delete"), None);
    }

    fn restriction(operation: RestrictionOperation, subject: Subject) -> Restriction {
        Restriction { operation, subject }
    }

    #[test]
    fn no_restrictions_lock_nobody_out() {
        assert_eq!(restrictions_lock_out(UserId(1), &[], &[]), None);
    }

    #[test]
    fn restricting_to_oneself_or_ones_group_is_allowed() {
        let me = UserId(1);
        let team = GroupId(7);
        let mine = [
            restriction(RestrictionOperation::Read, Subject::User(me)),
            restriction(RestrictionOperation::Update, Subject::Group(team)),
        ];
        assert_eq!(restrictions_lock_out(me, &[team], &mine), None);
    }

    #[test]
    fn restricting_to_others_only_is_refused_per_operation() {
        let me = UserId(1);
        let others = [
            restriction(RestrictionOperation::Read, Subject::User(me)),
            restriction(RestrictionOperation::Update, Subject::User(UserId(2))),
            restriction(RestrictionOperation::Update, Subject::Group(GroupId(9))),
        ];
        assert_eq!(
            restrictions_lock_out(me, &[GroupId(7)], &others),
            Some(RestrictionOperation::Update)
        );
        assert_eq!(
            restrictions_lock_out(me, &[GroupId(9)], &others),
            None,
            "a member of the named group stays in"
        );
    }

    #[test]
    fn a_read_restriction_naming_only_others_is_refused() {
        let others = [restriction(
            RestrictionOperation::Read,
            Subject::User(UserId(2)),
        )];
        assert_eq!(
            restrictions_lock_out(UserId(1), &[], &others),
            Some(RestrictionOperation::Read)
        );
    }
}
