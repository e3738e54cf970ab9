//! Global permissions (migration 0011): who may use the site, create spaces and personal spaces,
//! and administer it, granted to users, groups or anonymous visitors. Every change has its journal
//! entry (`global.permissions_changed`) so nodes drop what they cached.

use std::collections::BTreeSet;

use cairn_core::{ANONYMOUS, GlobalPermission, Subject, UserId};
use sqlx::Row;

use crate::journal::{Change, ChangeKind, record};
use crate::statement::Statement;
use crate::{Store, StoreResult};

/// One global grant, with the name of whom it is granted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalGrant {
    pub permission: GlobalPermission,
    pub subject: Subject,
    /// Username or group name; empty for anonymous.
    pub subject_name: String,
}

/// One change to the global permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalPermissionChange {
    Grant(GlobalPermission, Subject),
    Revoke(GlobalPermission, Subject),
}

/// SQL query: the administration grants that reach `?` (the viewer, bound twice), directly or
/// through a group.
macro_rules! administration_grants {
    () => {
        "SELECT 1 AS granted FROM global_permission adm WHERE adm.permission IN ('ADMINISTRATECONFLUENCE', 'SYSTEMADMINISTRATOR') AND ((adm.subject_type = 'user' AND adm.subject_id = ?) OR (adm.subject_type = 'group' AND adm.subject_id IN (SELECT adm_member.group_id FROM group_member adm_member WHERE adm_member.user_id = ?)))"
    };
}
pub(crate) use administration_grants;

/// SQL condition: the viewer (every `?`) is a site administrator.
macro_rules! administers_site {
    () => {
        concat!(
            "EXISTS (",
            crate::global_permission::administration_grants!(),
            ")"
        )
    };
}
pub(crate) use administers_site;

impl Store {
    /// The global permissions `viewer` holds, directly or through a group; for [`ANONYMOUS`], what
    /// anonymous visitors are granted.
    pub async fn global_permissions_of(
        &self,
        viewer: UserId,
    ) -> StoreResult<BTreeSet<GlobalPermission>> {
        let mut statement =
            Statement::new("SELECT DISTINCT gp.permission FROM global_permission gp WHERE ");
        if viewer == ANONYMOUS {
            statement.push("gp.subject_type = 'anonymous'");
        } else {
            statement.push_each_bound_to(crate::permission::names_viewer!("gp"), viewer.0);
        }
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let mut held = BTreeSet::new();
        for row in &rows {
            let name: String = row.try_get("permission")?;
            if let Some(permission) = GlobalPermission::parse(&name, None) {
                held.insert(permission);
            }
        }
        Ok(held)
    }

    /// Every global grant, with names, by permission then subject.
    pub async fn global_grants(&self) -> StoreResult<Vec<GlobalGrant>> {
        let rows = sqlx::query(self.sql(
            "SELECT gp.permission, gp.subject_type, gp.subject_id, COALESCE(u.username, g.name, '') AS subject_name FROM global_permission gp LEFT JOIN app_user u ON gp.subject_type = 'user' AND u.id = gp.subject_id LEFT JOIN user_group g ON gp.subject_type = 'group' AND g.id = gp.subject_id",
        ))
        .fetch_all(self.pool())
        .await?;
        let mut grants = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: String = row.try_get("permission")?;
            let subject_type: String = row.try_get("subject_type")?;
            let subject_id: i64 = row.try_get("subject_id")?;
            let (Some(permission), Some(subject)) = (
                GlobalPermission::parse(&name, None),
                Subject::from_stored(&subject_type, subject_id),
            ) else {
                continue;
            };
            grants.push(GlobalGrant {
                permission,
                subject,
                subject_name: row.try_get("subject_name")?,
            });
        }
        grants.sort_by(|a, b| {
            (a.permission, a.subject, &a.subject_name).cmp(&(
                b.permission,
                b.subject,
                &b.subject_name,
            ))
        });
        Ok(grants)
    }

    /// Applies `changes` in one transaction; granting what is held or revoking what is not changes
    /// nothing. Answers whether anything changed.
    pub async fn change_global_permissions(
        &self,
        changes: &[GlobalPermissionChange],
    ) -> StoreResult<bool> {
        let mut transaction = self.begin_write().await?;
        for change in changes {
            let (permission, subject, grant) = match *change {
                GlobalPermissionChange::Grant(permission, subject) => (permission, subject, true),
                GlobalPermissionChange::Revoke(permission, subject) => (permission, subject, false),
            };
            let held = sqlx::query(self.sql(
                "SELECT 1 AS held FROM global_permission WHERE permission = ? AND subject_type = ? AND subject_id = ?",
            ))
            .bind(permission.as_str())
            .bind(subject.type_name())
            .bind(subject.id_value())
            .fetch_optional(&mut *transaction)
            .await?
            .is_some();
            let statement = match (grant, held) {
                (true, false) => {
                    "INSERT INTO global_permission (permission, subject_type, subject_id) VALUES (?, ?, ?)"
                }
                (false, true) => {
                    "DELETE FROM global_permission WHERE permission = ? AND subject_type = ? AND subject_id = ?"
                }
                _ => continue,
            };
            sqlx::query(self.sql(statement))
                .bind(permission.as_str())
                .bind(subject.type_name())
                .bind(subject.id_value())
                .execute(&mut *transaction)
                .await?;
            let entry = Change {
                kind: ChangeKind::GlobalPermissionsChanged,
                entity_id: None,
                space_id: None,
                payload: permission.as_str().to_string(),
            };
            record(self, &mut transaction, &entry).await?;
        }
        let changed = transaction.recorded_changes() > 0;
        transaction.commit_if_changed().await?;
        Ok(changed)
    }
}
