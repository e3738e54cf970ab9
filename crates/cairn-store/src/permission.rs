//! Space permissions and content restrictions: what they grant, and SQL conditions that keep what a
//! viewer may not see out of every listing.
//!
//! A viewer is a user id (`cairn_core::ANONYMOUS`, 0, for nobody logged in). Site administrators
//! (an administration grant among the global permissions) hold every space permission; content restrictions apply to them too. A read restriction hides the
//! content and every page below it (by `parent_id`); comments and attachments follow their container.

use std::collections::BTreeSet;

use cairn_core::{
    ContentId, GroupId, Restriction, RestrictionOperation, SpaceId, SpacePermission, Subject,
    UserId,
};
use sqlx::Row;

use crate::statement::Statement;

use crate::journal::{Change, ChangeKind, record};
use crate::{Store, StoreError, StoreResult, WriteTx};

/// SQL condition: the subject in the row aliased `$row` (`subject_type`, `subject_id`) names the
/// viewer or one of their groups. The one place that rule is written; every `?` in it is the viewer.
macro_rules! names_viewer {
    ($row:literal) => {
        concat!(
            "((",
            $row,
            ".subject_type = 'user' AND ",
            $row,
            ".subject_id = ?) OR (",
            $row,
            ".subject_type = 'group' AND ",
            $row,
            ".subject_id IN (SELECT ",
            $row,
            "_member.group_id FROM group_member ",
            $row,
            "_member WHERE ",
            $row,
            "_member.user_id = ?)))"
        )
    };
}
pub(crate) use names_viewer;

/// SQL condition: the viewer may view space `$space` (a column). Every `?` in it is the viewer.
macro_rules! viewable_space {
    ($space:literal) => {
        concat!(
            "(",
            crate::global_permission::administers_site!(),
            " OR ",
            $space,
            " IN (SELECT sp.space_id FROM space_permission sp WHERE sp.permission = 'VIEWSPACE' AND (sp.subject_type = 'anonymous' OR ", crate::permission::names_viewer!("sp"), ")))"
        )
    };
}
pub(crate) use viewable_space;

/// SQL subquery: ids of content the viewer may not read, because it or a page above it carries a read
/// restriction that does not name the viewer or one of their groups, and of every comment on such a
/// page or on an attachment of such a page (a comment's `parent_id` is the comment it replies to, so
/// the tree walk alone would miss it). This is the one visibility rule: a comment is visible exactly
/// when its page is (its container, or the container of the attachment it is on). Every `?`
/// in it is the viewer. The set is small (restricted pages, their subtrees and their comments), so it is
/// computed per statement.
macro_rules! hidden_content {
    () => {
        concat!("WITH RECURSIVE hidden_content (id) AS (SELECT r.content_id FROM content_restriction r WHERE r.operation = 'read' GROUP BY r.content_id HAVING COUNT(CASE WHEN ", crate::permission::names_viewer!("r"), " THEN 1 END) = 0 UNION SELECT child.id FROM content child JOIN hidden_content h ON child.parent_id = h.id) SELECT id FROM hidden_content UNION ALL SELECT hcm.content_id FROM comment_meta hcm JOIN hidden_content hcp ON hcm.container_id = hcp.id UNION ALL SELECT hacm.content_id FROM comment_meta hacm JOIN attachment hca ON hca.id = hacm.container_id JOIN hidden_content hcap ON hca.container_id = hcap.id")
    };
}
pub(crate) use hidden_content;

/// SQL condition: the viewer may view the content whose id column is `$id` in space column `$space`.
/// Every `?` in it is the viewer: bind it with `Statement::push_each_bound_to`.
macro_rules! viewable_content {
    ($id:literal, $space:literal) => {
        concat!(
            "(",
            $crate::permission::viewable_space!($space),
            " AND ",
            $id,
            " NOT IN (",
            $crate::permission::hidden_content!(),
            "))"
        )
    };
}
pub(crate) use viewable_content;

/// SQL condition: the content row `$id` itself carries no read restriction that shuts the viewer out
/// (its ancestors are not looked at: for children of content already known to be viewable). Every `?`
/// in it is the viewer.
macro_rules! open_content {
    ($id:literal) => {
        concat!(
            "(NOT EXISTS (SELECT 1 FROM content_restriction r0 WHERE r0.content_id = ",
            $id,
            " AND r0.operation = 'read') OR EXISTS (SELECT 1 FROM content_restriction r1 WHERE r1.content_id = ",
            $id,
            " AND r1.operation = 'read' AND (", crate::permission::names_viewer!("r1"), ")))"
        )
    };
}
pub(crate) use open_content;

/// One grant of a space, with the name of whom it is granted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceGrant {
    pub permission: SpacePermission,
    pub subject: Subject,
    /// Username or group name; empty for anonymous.
    pub subject_name: String,
}

/// One restriction of a content, with the name of whom it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRestriction {
    pub restriction: Restriction,
    /// Username or group name.
    pub subject_name: String,
}

/// One change to a space's permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpacePermissionChange {
    Grant(SpacePermission, Subject),
    Revoke(SpacePermission, Subject),
}

impl Store {
    /// Whether `viewer` is a site administrator.
    pub async fn is_site_administrator(&self, viewer: UserId) -> StoreResult<bool> {
        self.is_administrator(viewer).await
    }

    /// The space permissions `viewer` holds in `space_id`, directly or through a group (every one for
    /// site administrators).
    pub async fn space_permissions_of(
        &self,
        viewer: UserId,
        space_id: SpaceId,
    ) -> StoreResult<BTreeSet<SpacePermission>> {
        if self.is_administrator(viewer).await? {
            return Ok(SpacePermission::ALL.into_iter().collect());
        }
        let mut statement = Statement::new(
            "SELECT DISTINCT sp.permission FROM space_permission sp WHERE sp.space_id = ",
        );
        statement
            .push_bind(space_id.0)
            .push(" AND (sp.subject_type = 'anonymous' OR ")
            .push_each_bound_to(names_viewer!("sp"), viewer.0)
            .push(")");
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let mut permissions = BTreeSet::new();
        for row in &rows {
            let name: String = row.try_get("permission")?;
            if let Some(permission) = SpacePermission::parse(&name) {
                permissions.insert(permission);
            }
        }
        Ok(permissions)
    }

    /// Every grant of a space, ordered by permission then subject.
    pub async fn space_grants(&self, space_id: SpaceId) -> StoreResult<Vec<SpaceGrant>> {
        let rows = sqlx::query(self.sql(
            "SELECT sp.permission, sp.subject_type, sp.subject_id, COALESCE(u.username, g.name, '') AS subject_name FROM space_permission sp LEFT JOIN app_user u ON sp.subject_type = 'user' AND u.id = sp.subject_id LEFT JOIN user_group g ON sp.subject_type = 'group' AND g.id = sp.subject_id WHERE sp.space_id = ? ORDER BY sp.permission, sp.subject_type, sp.subject_id",
        ))
        .bind(space_id.0)
        .fetch_all(self.pool())
        .await?;
        let mut grants = Vec::with_capacity(rows.len());
        for row in &rows {
            let permission: String = row.try_get("permission")?;
            let subject_type: String = row.try_get("subject_type")?;
            let subject_id: i64 = row.try_get("subject_id")?;
            let (Some(permission), Some(subject)) = (
                SpacePermission::parse(&permission),
                Subject::from_stored(&subject_type, subject_id),
            ) else {
                continue;
            };
            grants.push(SpaceGrant {
                permission,
                subject,
                subject_name: row.try_get("subject_name")?,
            });
        }
        grants.sort_by_key(|grant| (grant.permission, grant.subject));
        Ok(grants)
    }

    /// Grants `permission` in `space_id` to `subject` (nothing changes when it is granted already).
    pub async fn grant_space_permission(
        &self,
        space_id: SpaceId,
        permission: SpacePermission,
        subject: Subject,
    ) -> StoreResult<()> {
        self.change_space_permissions(
            space_id,
            &[SpacePermissionChange::Grant(permission, subject)],
        )
        .await
    }

    /// Takes `permission` in `space_id` away from `subject` (nothing changes when it was not
    /// granted).
    pub async fn revoke_space_permission(
        &self,
        space_id: SpaceId,
        permission: SpacePermission,
        subject: Subject,
    ) -> StoreResult<()> {
        self.change_space_permissions(
            space_id,
            &[SpacePermissionChange::Revoke(permission, subject)],
        )
        .await
    }

    /// Applies `changes` to the permissions of `space_id` in one transaction, in order, each with
    /// its journal entry: all of them or none. Revoking what is not granted changes nothing.
    pub async fn change_space_permissions(
        &self,
        space_id: SpaceId,
        changes: &[SpacePermissionChange],
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        for change in changes {
            let permission = match *change {
                SpacePermissionChange::Grant(permission, subject) => {
                    insert_grants(self, &mut transaction, space_id, &[permission], subject).await?;
                    permission
                }
                SpacePermissionChange::Revoke(permission, subject) => {
                    sqlx::query(self.sql(
                        "DELETE FROM space_permission WHERE space_id = ? AND permission = ? AND subject_type = ? AND subject_id = ?",
                    ))
                    .bind(space_id.0)
                    .bind(permission.as_str())
                    .bind(subject.type_name())
                    .bind(subject.id_value())
                    .execute(&mut *transaction)
                    .await?;
                    permission
                }
            };
            let entry = Change::of_space(ChangeKind::SpacePermissionsChanged, space_id)
                .with_payload(permission.as_str());
            record(self, &mut transaction, &entry).await?;
        }
        transaction.commit_if_changed().await?;
        Ok(())
    }

    /// The restrictions on one content, with names, ordered by operation then subject.
    pub async fn content_restrictions(
        &self,
        content_id: ContentId,
    ) -> StoreResult<Vec<NamedRestriction>> {
        let rows = sqlx::query(self.sql(
            "SELECT r.operation, r.subject_type, r.subject_id, COALESCE(u.username, g.name, '') AS subject_name FROM content_restriction r LEFT JOIN app_user u ON r.subject_type = 'user' AND u.id = r.subject_id LEFT JOIN user_group g ON r.subject_type = 'group' AND g.id = r.subject_id WHERE r.content_id = ?",
        ))
        .bind(content_id.0)
        .fetch_all(self.pool())
        .await?;
        let mut restrictions = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(restriction) = restriction_from_row(row)? else {
                continue;
            };
            restrictions.push(NamedRestriction {
                restriction,
                subject_name: row.try_get("subject_name")?,
            });
        }
        restrictions.sort_by_key(|named| named.restriction);
        Ok(restrictions)
    }

    /// Replaces the restrictions of `content_id` for each operation in `operations` with those of
    /// `restrictions` for that operation, in one transaction.
    pub async fn replace_content_restrictions(
        &self,
        content_id: ContentId,
        operations: &[RestrictionOperation],
        restrictions: &[Restriction],
    ) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        self.replace_content_restrictions_in(
            &mut transaction,
            content_id,
            operations,
            restrictions,
        )
        .await?;
        transaction.commit().await
    }

    /// [`Store::replace_content_restrictions`] inside `transaction`, with its journal entry.
    pub async fn replace_content_restrictions_in(
        &self,
        transaction: &mut WriteTx,
        content_id: ContentId,
        operations: &[RestrictionOperation],
        restrictions: &[Restriction],
    ) -> StoreResult<()> {
        for operation in operations {
            sqlx::query(
                self.sql("DELETE FROM content_restriction WHERE content_id = ? AND operation = ?"),
            )
            .bind(content_id.0)
            .bind(operation.as_str())
            .execute(&mut **transaction)
            .await?;
        }
        let mut unique: Vec<Restriction> = restrictions
            .iter()
            .filter(|restriction| operations.contains(&restriction.operation))
            .copied()
            .collect();
        unique.sort();
        unique.dedup();
        for restriction in unique {
            sqlx::query(self.sql(
                "INSERT INTO content_restriction (content_id, operation, subject_type, subject_id) VALUES (?, ?, ?, ?)",
            ))
            .bind(content_id.0)
            .bind(restriction.operation.as_str())
            .bind(restriction.subject.type_name())
            .bind(restriction.subject.id_value())
            .execute(&mut **transaction)
            .await?;
        }
        let change = Change::of_content_id(ChangeKind::RestrictionsChanged, content_id);
        record(self, transaction, &change).await
    }

    /// The restrictions of `content_id` as `transaction` sees them, after taking the content's row
    /// lock: concurrent changes of the same content's restrictions wait for each other, so each
    /// decides on what the other committed.
    pub async fn lock_content_restrictions_in(
        &self,
        transaction: &mut WriteTx,
        content_id: ContentId,
    ) -> StoreResult<Vec<Restriction>> {
        // A no-op update: the one row lock every dialect takes the same way (SQLite's write lock
        // is already held by the transaction).
        let locked = sqlx::query(self.sql("UPDATE content SET id = id WHERE id = ?"))
            .bind(content_id.0)
            .execute(&mut **transaction)
            .await?;
        if locked.rows_affected() == 0 {
            return Err(StoreError::ContentNotFound(content_id));
        }
        let rows = sqlx::query(self.sql(
            "SELECT operation, subject_type, subject_id FROM content_restriction WHERE content_id = ?",
        ))
        .bind(content_id.0)
        .fetch_all(&mut **transaction)
        .await?;
        let mut restrictions = Vec::with_capacity(rows.len());
        for row in &rows {
            restrictions.extend(restriction_from_row(row)?);
        }
        restrictions.sort();
        Ok(restrictions)
    }

    /// The groups `user_id` belongs to, as `transaction` sees them.
    pub async fn group_ids_of_in(
        &self,
        transaction: &mut WriteTx,
        user_id: UserId,
    ) -> StoreResult<Vec<GroupId>> {
        let rows = sqlx::query(self.sql("SELECT group_id FROM group_member WHERE user_id = ?"))
            .bind(user_id.0)
            .fetch_all(&mut **transaction)
            .await?;
        rows.iter()
            .map(|row| Ok(GroupId(row.try_get("group_id")?)))
            .collect()
    }

    /// Whether `viewer` may read `content_id` (a page or blog post): no read restriction on it or on a
    /// page above it shuts them out. Space permissions are not looked at here.
    pub async fn read_restrictions_allow(
        &self,
        viewer: UserId,
        content_id: ContentId,
    ) -> StoreResult<bool> {
        let mut statement = Statement::new(
            "WITH RECURSIVE chain (id, parent_id, depth) AS (SELECT id, parent_id, 0 FROM content WHERE id = ",
        );
        statement
            .push_bind(content_id.0)
            .push(" UNION ALL SELECT c.id, c.parent_id, chain.depth + 1 FROM content c JOIN chain ON c.id = chain.parent_id WHERE chain.depth < 1000) SELECT COUNT(*) AS closed FROM chain WHERE EXISTS (SELECT 1 FROM content_restriction r WHERE r.content_id = chain.id AND r.operation = 'read') AND NOT EXISTS (SELECT 1 FROM content_restriction r WHERE r.content_id = chain.id AND r.operation = 'read' AND (")
            .push_each_bound_to(names_viewer!("r"), viewer.0)
            .push("))");
        let row = statement
            .query(self.dialect())
            .fetch_one(self.pool())
            .await?;
        let closed: i64 = row.try_get("closed")?;
        Ok(closed == 0)
    }

    /// How many pages below `page_id` (at any depth, in any status) `viewer` may not read because of
    /// a read restriction between them and `page_id`. For a page the viewer can read, zero means
    /// they can read its whole subtree.
    pub async fn pages_below_hidden_from(
        &self,
        viewer: UserId,
        page_id: ContentId,
    ) -> StoreResult<i64> {
        let mut statement = Statement::new(
            "WITH RECURSIVE subtree (id, depth) AS (SELECT id, 0 FROM content WHERE parent_id = ",
        );
        statement
            .push_bind(page_id.0)
            .push(" AND content_type = 'page' UNION ALL SELECT c.id, subtree.depth + 1 FROM content c JOIN subtree ON c.parent_id = subtree.id WHERE subtree.depth < 1000 AND c.content_type = 'page') SELECT COUNT(*) AS hidden FROM subtree WHERE EXISTS (SELECT 1 FROM content_restriction r WHERE r.content_id = subtree.id AND r.operation = 'read') AND NOT EXISTS (SELECT 1 FROM content_restriction r WHERE r.content_id = subtree.id AND r.operation = 'read' AND (")
            .push_each_bound_to(names_viewer!("r"), viewer.0)
            .push("))");
        let row = statement
            .query(self.dialect())
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("hidden")?)
    }

    /// Whether `viewer` passes the update restrictions of `content_id` (none, or one names them or a
    /// group of theirs). Update restrictions are not inherited.
    pub async fn update_restrictions_allow(
        &self,
        viewer: UserId,
        content_id: ContentId,
    ) -> StoreResult<bool> {
        let mut statement = Statement::new("SELECT COUNT(*) AS total, COUNT(CASE WHEN ");
        statement
            .push_each_bound_to(names_viewer!("r"), viewer.0)
            .push(" THEN 1 END) AS matching FROM content_restriction r WHERE r.content_id = ")
            .push_bind(content_id.0)
            .push(" AND r.operation = 'update'");
        let row = statement
            .query(self.dialect())
            .fetch_one(self.pool())
            .await?;
        let total: i64 = row.try_get("total")?;
        let matching: i64 = row.try_get("matching")?;
        Ok(total == 0 || matching > 0)
    }

    /// Whether `user_id` is `subject` or a member of it.
    pub async fn subject_includes(&self, subject: Subject, user_id: UserId) -> StoreResult<bool> {
        match subject {
            Subject::Anonymous => Ok(true),
            Subject::User(id) => Ok(id == user_id),
            Subject::Group(group_id) => {
                let row = sqlx::query(self.sql(
                    "SELECT COUNT(*) AS memberships FROM group_member WHERE group_id = ? AND user_id = ?",
                ))
                .bind(group_id.0)
                .bind(user_id.0)
                .fetch_one(self.pool())
                .await?;
                let memberships: i64 = row.try_get("memberships")?;
                Ok(memberships > 0)
            }
        }
    }

    /// The group named `name` (case-insensitively), for grants by name.
    pub async fn group_id_by_name(&self, name: &str) -> StoreResult<Option<GroupId>> {
        Ok(self.find_group(name).await?.map(|group| group.id))
    }
}

/// The restriction in a `content_restriction` row (`operation`, `subject_type`, `subject_id`);
/// `None` for an operation or subject type this release does not know.
fn restriction_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Option<Restriction>> {
    let operation: String = row.try_get("operation")?;
    let subject_type: String = row.try_get("subject_type")?;
    let subject_id: i64 = row.try_get("subject_id")?;
    Ok(RestrictionOperation::parse(&operation)
        .zip(Subject::from_stored(&subject_type, subject_id))
        .map(|(operation, subject)| Restriction { operation, subject }))
}

/// Grants each of `permissions` to `subject`, skipping those it already holds.
pub(crate) async fn insert_grants(
    store: &Store,
    transaction: &mut WriteTx,
    space_id: SpaceId,
    permissions: &[SpacePermission],
    subject: Subject,
) -> StoreResult<()> {
    let rows = sqlx::query(store.sql(
        "SELECT permission FROM space_permission WHERE space_id = ? AND subject_type = ? AND subject_id = ?",
    ))
    .bind(space_id.0)
    .bind(subject.type_name())
    .bind(subject.id_value())
    .fetch_all(&mut **transaction)
    .await?;
    let mut held = BTreeSet::new();
    for row in &rows {
        let name: String = row.try_get("permission")?;
        held.insert(name);
    }
    for permission in permissions {
        if held.contains(permission.as_str()) {
            continue;
        }
        sqlx::query(store.sql(
            "INSERT INTO space_permission (space_id, permission, subject_type, subject_id) VALUES (?, ?, ?, ?)",
        ))
        .bind(space_id.0)
        .bind(permission.as_str())
        .bind(subject.type_name())
        .bind(subject.id_value())
        .execute(&mut **transaction)
        .await?;
    }
    Ok(())
}

/// The grants a new space starts with: its creator holds every permission, every user the defaults.
pub(crate) async fn grant_new_space_defaults(
    store: &Store,
    transaction: &mut WriteTx,
    space_id: SpaceId,
    creator: UserId,
    space_type: cairn_core::SpaceType,
) -> StoreResult<()> {
    insert_grants(
        store,
        transaction,
        space_id,
        &SpacePermission::ALL,
        Subject::User(creator),
    )
    .await?;
    let users_group = sqlx::query(store.sql("SELECT id FROM user_group WHERE name = ?"))
        .bind(cairn_core::USERS_GROUP)
        .fetch_optional(&mut **transaction)
        .await?;
    if let Some(row) = users_group {
        let group_id: i64 = row.try_get("id")?;
        insert_grants(
            store,
            transaction,
            space_id,
            match space_type {
                cairn_core::SpaceType::Global => &SpacePermission::DEFAULT_FOR_USERS[..],
                cairn_core::SpaceType::Personal => &SpacePermission::DEFAULT_FOR_PERSONAL[..],
            },
            Subject::Group(GroupId(group_id)),
        )
        .await?;
    }
    Ok(())
}

/// The read subjects `content_id` names of its own (empty when it has no read restriction).
async fn read_subjects_in(
    store: &Store,
    transaction: &mut WriteTx,
    content_id: ContentId,
) -> StoreResult<Vec<Subject>> {
    let rows = sqlx::query(store.sql(
        "SELECT subject_type, subject_id FROM content_restriction WHERE content_id = ? AND operation = 'read'",
    ))
    .bind(content_id.0)
    .fetch_all(&mut **transaction)
    .await?;
    let mut subjects = Vec::with_capacity(rows.len());
    for row in &rows {
        let subject_type: String = row.try_get("subject_type")?;
        let subject_id: i64 = row.try_get("subject_id")?;
        if let Some(subject) = Subject::from_stored(&subject_type, subject_id) {
            subjects.push(subject);
        }
    }
    subjects.sort();
    subjects.dedup();
    Ok(subjects)
}

/// `(group, user)` for every member of the groups among `subjects`.
async fn memberships_in(
    store: &Store,
    transaction: &mut WriteTx,
    subjects: &[Subject],
) -> StoreResult<BTreeSet<(GroupId, UserId)>> {
    let mut memberships = BTreeSet::new();
    for subject in subjects {
        let Subject::Group(group) = *subject else {
            continue;
        };
        let rows = sqlx::query(store.sql("SELECT user_id FROM group_member WHERE group_id = ?"))
            .bind(group.0)
            .fetch_all(&mut **transaction)
            .await?;
        for row in &rows {
            memberships.insert((group, UserId(row.try_get("user_id")?)));
        }
    }
    Ok(memberships)
}

/// The ids above `start` (itself first), up the `parent_id` chain, whatever their status.
pub(crate) async fn chain_from_in(
    store: &Store,
    transaction: &mut WriteTx,
    start: Option<ContentId>,
) -> StoreResult<Vec<ContentId>> {
    let mut chain = Vec::new();
    let mut cursor = start;
    while let Some(id) = cursor {
        if chain.len() >= crate::content::MAX_TREE_DEPTH || chain.contains(&id) {
            break;
        }
        let row = sqlx::query(store.sql("SELECT parent_id FROM content WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(&mut **transaction)
            .await?;
        let Some(row) = row else { break };
        chain.push(id);
        cursor = row.try_get::<Option<i64>, _>("parent_id")?.map(ContentId);
    }
    Ok(chain)
}

/// Gives `page_id` a read restriction of its own that keeps out everyone the read restrictions of
/// `left_behind` kept out (pages it no longer lies below after a move, trash, purge or restore), so a
/// structure change never widens who may read it or anything below it. See
/// [`cairn_core::narrow_read_subjects`]. Records the restriction change when there was
/// one. Runs inside the transaction of the structure change.
pub(crate) async fn carry_read_restrictions(
    store: &Store,
    transaction: &mut WriteTx,
    page_id: ContentId,
    left_behind: &[ContentId],
) -> StoreResult<()> {
    let original = read_subjects_in(store, transaction, page_id).await?;
    let mut own = original.clone();
    for level in left_behind {
        let inherited = read_subjects_in(store, transaction, *level).await?;
        if inherited.is_empty() {
            continue;
        }
        let involved: Vec<Subject> = own.iter().chain(&inherited).copied().collect();
        let memberships = memberships_in(store, transaction, &involved).await?;
        own = cairn_core::narrow_read_subjects(&own, &inherited, &memberships);
    }
    if own == original {
        return Ok(());
    }
    sqlx::query(
        store.sql("DELETE FROM content_restriction WHERE content_id = ? AND operation = 'read'"),
    )
    .bind(page_id.0)
    .execute(&mut **transaction)
    .await?;
    for subject in &own {
        sqlx::query(store.sql(
            "INSERT INTO content_restriction (content_id, operation, subject_type, subject_id) VALUES (?, 'read', ?, ?)",
        ))
        .bind(page_id.0)
        .bind(subject.type_name())
        .bind(subject.id_value())
        .execute(&mut **transaction)
        .await?;
    }
    let change = Change::of_content_id(ChangeKind::RestrictionsChanged, page_id);
    record(store, transaction, &change).await?;
    tracing::info!(content_id = %page_id, "read restriction carried over a structure change");
    Ok(())
}
