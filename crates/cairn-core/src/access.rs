//! Who may do what: every access decision of Cairn as a pure function of facts the application
//! layer gathers (the space permissions a caller holds, whether restrictions let them in, who
//! created what). The functions here decide; they never look anything up.
//!
//! The rules follow Confluence Server: space permissions say what a caller may do in a space at
//! all, content restrictions narrow that for one page, and whatever a caller may not view does not
//! exist for them (a 404, never a 403).

use std::collections::BTreeSet;

use crate::content::{ContentStatus, ContentType};
use crate::id::UserId;
use crate::permission::SpacePermission;

/// What a caller wants to do with content they can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentAction {
    /// Change the body, title, labels, properties, place in the tree or restrictions.
    Edit,
    /// Move to the trash, purge, or (for comments) remove.
    Delete,
    /// Add a comment.
    Comment,
    /// Add an attachment or a new version of one.
    Attach,
}

impl ContentAction {
    /// The verb Confluence's refusal messages use ("Not permitted to edit content …").
    pub fn verb(self) -> &'static str {
        match self {
            ContentAction::Edit => "edit",
            ContentAction::Delete => "delete",
            ContentAction::Comment => "comment on",
            ContentAction::Attach => "attach files to",
        }
    }
}

/// The space permissions one caller holds in one space.
pub type HeldPermissions = BTreeSet<SpacePermission>;

/// Whether a draft may be seen by `viewer` at all: a draft is its creator's alone until it is
/// published. Content in any other status passes this rule.
pub fn draft_visible_to(status: ContentStatus, creator: UserId, viewer: UserId) -> bool {
    status != ContentStatus::Draft || creator == viewer
}

/// Whether `viewer` may view content: its status lets them (drafts), they hold VIEWSPACE, and no
/// read restriction on it or above it shuts them out (`read_restrictions_allow`, which the store
/// answers for the governing page).
pub fn may_view(
    status: ContentStatus,
    creator: UserId,
    viewer: UserId,
    held: &HeldPermissions,
    read_restrictions_allow: bool,
) -> bool {
    draft_visible_to(status, creator, viewer)
        && held.contains(&SpacePermission::ViewSpace)
        && read_restrictions_allow
}

/// Whether the space permissions `held` let a caller do `action` to content of `content_type`;
/// `own` says the caller created it (REMOVEOWNCONTENT, and comments are edited by their authors).
pub fn space_allows(
    action: ContentAction,
    content_type: ContentType,
    held: &HeldPermissions,
    own: bool,
) -> bool {
    let holds = |permission| held.contains(&permission);
    let removes_own = own && holds(SpacePermission::RemoveOwnContent);
    match (action, content_type) {
        (ContentAction::Edit, ContentType::Page) => holds(SpacePermission::EditSpace),
        (ContentAction::Edit, ContentType::BlogPost) => holds(SpacePermission::EditBlog),
        // Comments are edited by their authors (and removed by moderators).
        (ContentAction::Edit, ContentType::Comment) => own && holds(SpacePermission::Comment),
        (ContentAction::Delete, ContentType::Page) => {
            holds(SpacePermission::RemovePage) || removes_own
        }
        (ContentAction::Delete, ContentType::BlogPost) => {
            holds(SpacePermission::RemoveBlog) || removes_own
        }
        (ContentAction::Delete, ContentType::Comment) => {
            holds(SpacePermission::RemoveComment) || removes_own
        }
        (ContentAction::Comment, _) => holds(SpacePermission::Comment),
        (ContentAction::Attach, _) => holds(SpacePermission::CreateAttachment),
    }
}

/// Whether a page's update restrictions govern `action`: commenting needs only the right to view,
/// and a comment is governed by its author and the space, not by its page's edit restrictions.
pub fn update_restrictions_govern(action: ContentAction, content_type: ContentType) -> bool {
    action != ContentAction::Comment && content_type != ContentType::Comment
}

/// The whole rule for an action on content the caller can view. `update_restrictions_allow` is
/// only consulted when [`update_restrictions_govern`] says so (callers may skip the query
/// otherwise and pass anything).
pub fn may_act(
    action: ContentAction,
    content_type: ContentType,
    held: &HeldPermissions,
    own: bool,
    update_restrictions_allow: bool,
) -> bool {
    space_allows(action, content_type, held, own)
        && (!update_restrictions_govern(action, content_type) || update_restrictions_allow)
}

/// Removing an attachment (a file or one of its versions): REMOVEATTACHMENT in the space, or
/// REMOVEOWNCONTENT for a file the caller added; the page's update restrictions apply too.
pub fn may_remove_attachment(
    held: &HeldPermissions,
    own: bool,
    update_restrictions_allow: bool,
) -> bool {
    let space_allows = held.contains(&SpacePermission::RemoveAttachment)
        || (own && held.contains(&SpacePermission::RemoveOwnContent));
    space_allows && update_restrictions_allow
}

/// The space permission that adding content of `content_type` needs, as Confluence names it.
pub fn permission_to_add(content_type: ContentType) -> SpacePermission {
    match content_type {
        ContentType::BlogPost => SpacePermission::EditBlog,
        ContentType::Comment => SpacePermission::Comment,
        _ => SpacePermission::EditSpace,
    }
}

/// Administering a space (its settings, permissions, trash, and every page's restrictions) takes
/// SETSPACEPERMISSIONS there.
pub fn administers_space(held: &HeldPermissions) -> bool {
    held.contains(&SpacePermission::SetSpacePermissions)
}

/// What a page move needs to know, gathered by the application layer. The caller can view the page
/// and the target (otherwise the move is not found before this rule is asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveFacts {
    /// The caller may edit the page being moved.
    pub may_edit_page: bool,
    /// The caller may add pages in the target's space.
    pub may_add_in_target_space: bool,
    /// The move takes the page into another space.
    pub leaves_its_space: bool,
    /// The caller may delete the page in its current space.
    pub may_delete_page: bool,
    /// How many pages below the moved page the caller cannot view.
    pub pages_below_hidden: i64,
}

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveRefusal {
    /// The caller may not edit the page.
    MayNotEdit,
    /// The caller may not add pages where the page would go.
    MayNotAddThere,
    /// Leaving a space means deleting the page there, which the caller may not.
    MayNotRemoveFromSpace,
    /// The subtree holds pages the caller cannot see: not theirs to carry anywhere.
    HiddenPagesBelow,
}

/// The rule for moving a page, as Confluence has it: edit on the page, the right to add pages in
/// the target's space and, when the page leaves its space, to delete it there; and no page below
/// it that the caller cannot see.
pub fn may_move(facts: MoveFacts) -> Result<(), MoveRefusal> {
    if !facts.may_edit_page {
        return Err(MoveRefusal::MayNotEdit);
    }
    if !facts.may_add_in_target_space {
        return Err(MoveRefusal::MayNotAddThere);
    }
    if facts.leaves_its_space && !facts.may_delete_page {
        return Err(MoveRefusal::MayNotRemoveFromSpace);
    }
    if facts.pages_below_hidden > 0 {
        return Err(MoveRefusal::HiddenPagesBelow);
    }
    Ok(())
}

/// Whether a caller may read or change what belongs to another user (their watches, say): only
/// site administrators may, and everyone may for themselves.
pub fn may_act_for_user(
    caller: UserId,
    subject: UserId,
    caller_is_site_administrator: bool,
) -> bool {
    caller == subject || caller_is_site_administrator
}

/// Whether a group may be removed: the two built-in groups stay.
pub fn group_is_removable(name: &str) -> bool {
    name != crate::user::USERS_GROUP && name != crate::user::ADMINISTRATORS_GROUP
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(permissions: &[SpacePermission]) -> HeldPermissions {
        permissions.iter().copied().collect()
    }

    const ME: UserId = UserId(1);
    const OTHER: UserId = UserId(2);

    #[test]
    fn drafts_are_their_creators_alone() {
        assert!(draft_visible_to(ContentStatus::Draft, ME, ME));
        assert!(!draft_visible_to(ContentStatus::Draft, OTHER, ME));
        assert!(draft_visible_to(ContentStatus::Current, OTHER, ME));
        assert!(draft_visible_to(ContentStatus::Trashed, OTHER, ME));
    }

    #[test]
    fn viewing_needs_viewspace_and_open_read_restrictions() {
        let viewer = held(&[SpacePermission::ViewSpace]);
        assert!(may_view(ContentStatus::Current, OTHER, ME, &viewer, true));
        assert!(!may_view(ContentStatus::Current, OTHER, ME, &viewer, false));
        assert!(!may_view(
            ContentStatus::Current,
            OTHER,
            ME,
            &held(&[]),
            true
        ));
        assert!(!may_view(ContentStatus::Draft, OTHER, ME, &viewer, true));
        // Even a space administrator's rights do not open another person's draft.
        let everything: HeldPermissions = SpacePermission::ALL.into_iter().collect();
        assert!(!may_view(
            ContentStatus::Draft,
            OTHER,
            ME,
            &everything,
            true
        ));
    }

    #[test]
    fn editing_follows_the_content_type() {
        let pages = held(&[SpacePermission::ViewSpace, SpacePermission::EditSpace]);
        let blogs = held(&[SpacePermission::ViewSpace, SpacePermission::EditBlog]);
        assert!(space_allows(
            ContentAction::Edit,
            ContentType::Page,
            &pages,
            false
        ));
        assert!(!space_allows(
            ContentAction::Edit,
            ContentType::BlogPost,
            &pages,
            false
        ));
        assert!(space_allows(
            ContentAction::Edit,
            ContentType::BlogPost,
            &blogs,
            false
        ));
        assert!(!space_allows(
            ContentAction::Edit,
            ContentType::Page,
            &blogs,
            false
        ));
    }

    #[test]
    fn comments_are_edited_by_their_authors_only() {
        let commenter = held(&[SpacePermission::ViewSpace, SpacePermission::Comment]);
        assert!(space_allows(
            ContentAction::Edit,
            ContentType::Comment,
            &commenter,
            true
        ));
        assert!(!space_allows(
            ContentAction::Edit,
            ContentType::Comment,
            &commenter,
            false
        ));
        let editor = held(&[SpacePermission::EditSpace]);
        assert!(!space_allows(
            ContentAction::Edit,
            ContentType::Comment,
            &editor,
            true
        ));
    }

    #[test]
    fn deleting_takes_the_remove_permission_or_ownership() {
        let own_only = held(&[SpacePermission::RemoveOwnContent]);
        for content_type in [
            ContentType::Page,
            ContentType::BlogPost,
            ContentType::Comment,
        ] {
            assert!(space_allows(
                ContentAction::Delete,
                content_type,
                &own_only,
                true
            ));
            assert!(!space_allows(
                ContentAction::Delete,
                content_type,
                &own_only,
                false
            ));
        }
        let page_remover = held(&[SpacePermission::RemovePage]);
        assert!(space_allows(
            ContentAction::Delete,
            ContentType::Page,
            &page_remover,
            false
        ));
        assert!(!space_allows(
            ContentAction::Delete,
            ContentType::BlogPost,
            &page_remover,
            false
        ));
        let blog_remover = held(&[SpacePermission::RemoveBlog]);
        assert!(space_allows(
            ContentAction::Delete,
            ContentType::BlogPost,
            &blog_remover,
            false
        ));
        let moderator = held(&[SpacePermission::RemoveComment]);
        assert!(space_allows(
            ContentAction::Delete,
            ContentType::Comment,
            &moderator,
            false
        ));
        assert!(!space_allows(
            ContentAction::Delete,
            ContentType::Page,
            &moderator,
            false
        ));
    }

    #[test]
    fn commenting_and_attaching_have_their_own_permissions() {
        let commenter = held(&[SpacePermission::Comment]);
        assert!(space_allows(
            ContentAction::Comment,
            ContentType::Page,
            &commenter,
            false
        ));
        assert!(!space_allows(
            ContentAction::Attach,
            ContentType::Page,
            &commenter,
            false
        ));
        let attacher = held(&[SpacePermission::CreateAttachment]);
        assert!(space_allows(
            ContentAction::Attach,
            ContentType::BlogPost,
            &attacher,
            false
        ));
        assert!(!space_allows(
            ContentAction::Comment,
            ContentType::BlogPost,
            &attacher,
            false
        ));
    }

    #[test]
    fn update_restrictions_bind_edits_but_not_comments() {
        let editor = held(&[SpacePermission::EditSpace, SpacePermission::Comment]);
        assert!(may_act(
            ContentAction::Edit,
            ContentType::Page,
            &editor,
            false,
            true
        ));
        assert!(!may_act(
            ContentAction::Edit,
            ContentType::Page,
            &editor,
            false,
            false
        ));
        // A page shut to edits may still be commented on.
        assert!(may_act(
            ContentAction::Comment,
            ContentType::Page,
            &editor,
            false,
            false
        ));
        // A comment's author edits it whatever the page's edit restrictions say.
        assert!(may_act(
            ContentAction::Edit,
            ContentType::Comment,
            &editor,
            true,
            false
        ));
        assert!(!update_restrictions_govern(
            ContentAction::Comment,
            ContentType::Page
        ));
        assert!(update_restrictions_govern(
            ContentAction::Attach,
            ContentType::Page
        ));
    }

    #[test]
    fn attachments_are_removed_by_removers_or_their_uploader() {
        let remover = held(&[SpacePermission::RemoveAttachment]);
        let own_only = held(&[SpacePermission::RemoveOwnContent]);
        assert!(may_remove_attachment(&remover, false, true));
        assert!(!may_remove_attachment(&remover, false, false));
        assert!(may_remove_attachment(&own_only, true, true));
        assert!(!may_remove_attachment(&own_only, false, true));
    }

    #[test]
    fn adding_content_takes_the_permission_of_its_type() {
        assert_eq!(
            permission_to_add(ContentType::Page),
            SpacePermission::EditSpace
        );
        assert_eq!(
            permission_to_add(ContentType::BlogPost),
            SpacePermission::EditBlog
        );
        assert_eq!(
            permission_to_add(ContentType::Comment),
            SpacePermission::Comment
        );
    }

    #[test]
    fn space_administration_is_setspacepermissions() {
        assert!(administers_space(&held(&[
            SpacePermission::SetSpacePermissions
        ])));
        assert!(!administers_space(&held(&[
            SpacePermission::ViewSpace,
            SpacePermission::EditSpace,
            SpacePermission::RemovePage,
        ])));
    }

    fn allowed_move() -> MoveFacts {
        MoveFacts {
            may_edit_page: true,
            may_add_in_target_space: true,
            leaves_its_space: false,
            may_delete_page: false,
            pages_below_hidden: 0,
        }
    }

    #[test]
    fn a_move_within_a_space_needs_edit_and_add() {
        assert_eq!(may_move(allowed_move()), Ok(()));
        let no_edit = MoveFacts {
            may_edit_page: false,
            ..allowed_move()
        };
        assert_eq!(may_move(no_edit), Err(MoveRefusal::MayNotEdit));
        let no_add = MoveFacts {
            may_add_in_target_space: false,
            ..allowed_move()
        };
        assert_eq!(may_move(no_add), Err(MoveRefusal::MayNotAddThere));
    }

    #[test]
    fn leaving_a_space_needs_the_right_to_delete_there() {
        let leaving = MoveFacts {
            leaves_its_space: true,
            ..allowed_move()
        };
        assert_eq!(may_move(leaving), Err(MoveRefusal::MayNotRemoveFromSpace));
        let leaving_with_delete = MoveFacts {
            may_delete_page: true,
            ..leaving
        };
        assert_eq!(may_move(leaving_with_delete), Ok(()));
    }

    #[test]
    fn a_subtree_with_hidden_pages_stays_where_it_is() {
        let hidden = MoveFacts {
            pages_below_hidden: 1,
            ..allowed_move()
        };
        assert_eq!(may_move(hidden), Err(MoveRefusal::HiddenPagesBelow));
    }

    #[test]
    fn only_administrators_act_for_others() {
        assert!(may_act_for_user(ME, ME, false));
        assert!(!may_act_for_user(ME, OTHER, false));
        assert!(may_act_for_user(ME, OTHER, true));
    }

    #[test]
    fn built_in_groups_stay() {
        assert!(!group_is_removable(crate::user::USERS_GROUP));
        assert!(!group_is_removable(crate::user::ADMINISTRATORS_GROUP));
        assert!(group_is_removable("developers"));
    }
}
