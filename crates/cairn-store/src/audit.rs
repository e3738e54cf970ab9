//! The audit log (migration 0010): one row per action an administrator may need to account for,
//! with who did it, from which address, to which object, and what changed.
//!
//! Rows are written by the application layer once the action has committed
//! ([`Store::append_audit_record`]); they are read newest first with filters
//! ([`Store::audit_records`]) and pruned past the retention period
//! ([`Store::prune_audit_records`]). The log is not part of the cluster journal: no node caches
//! it, every read goes to the database.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::statement::Statement;
use crate::{Listed, Store, StoreResult, Window};

/// An object an entry names: what it is (`Space`, `Page`, `User`, `Group`...) and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditObject {
    pub name: String,
    #[serde(rename = "objectType")]
    pub object_type: String,
}

/// A value an action changed, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChange {
    pub name: String,
    #[serde(rename = "oldValue")]
    pub old_value: String,
    #[serde(rename = "newValue")]
    pub new_value: String,
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditRecord {
    /// The signed-in user who acted; `None` for an attempt by nobody known (a failed login).
    pub author_id: Option<i64>,
    /// Their username, or the name typed at a failed login.
    pub author_name: String,
    pub author_display: String,
    pub remote_address: String,
    pub category: String,
    pub summary: String,
    pub description: String,
    /// Whether the author acted as a site administrator.
    pub sys_admin: bool,
    /// The object acted on.
    pub object: AuditObject,
    /// Its id, when it has one (a content id, a space key, a username).
    pub object_id: String,
    /// Other objects involved (the space of a permission, the group of a membership).
    pub associated: Vec<AuditObject>,
    pub changed: Vec<AuditChange>,
}

/// An entry as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    /// When it was written: the database's clock, epoch milliseconds.
    pub created_ms: i64,
    pub entry: NewAuditRecord,
}

/// Which entries to read: a time range (inclusive, epoch milliseconds) and words to look for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Matched, case-insensitively, against the author, address, category, summary, description,
    /// objects and changed values.
    pub search: Option<String>,
}

/// Column widths of `audit_record`; longer values are cut at a character boundary.
const SHORT_TEXT: usize = 255;
const ADDRESS_TEXT: usize = 64;
const DESCRIPTION_TEXT: usize = 1024;
const SEARCH_TEXT: usize = 2048;
/// Most changed values and associated objects kept per entry.
const MAX_LISTED: usize = 50;

impl Store {
    /// Appends `record`, stamped with the database's clock.
    pub async fn append_audit_record(&self, record: &NewAuditRecord) -> StoreResult<()> {
        let associated: Vec<&AuditObject> = record.associated.iter().take(MAX_LISTED).collect();
        let changed: Vec<&AuditChange> = record.changed.iter().take(MAX_LISTED).collect();
        let associated_json = serde_json::to_string(&associated).unwrap_or_else(|_| "[]".into());
        let changed_json = serde_json::to_string(&changed).unwrap_or_else(|_| "[]".into());
        let insert = format!(
            "INSERT INTO audit_record (created_ms, author_id, author_name, author_display, remote_address, category, summary, description, sys_admin, object_type, object_name, object_id, associated, changed_values, search_text) VALUES ({}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            crate::sql::now_ms_expression(self.dialect())
        );
        sqlx::query(crate::sql::owned_for_dialect(self.dialect(), insert))
            .bind(record.author_id)
            .bind(cut(&record.author_name, SHORT_TEXT))
            .bind(cut(&record.author_display, SHORT_TEXT))
            .bind(cut(&record.remote_address, ADDRESS_TEXT))
            .bind(cut(&record.category, 64))
            .bind(cut(&record.summary, SHORT_TEXT))
            .bind(cut(&record.description, DESCRIPTION_TEXT))
            .bind(i16::from(record.sys_admin))
            .bind(cut(&record.object.object_type, 64))
            .bind(cut(&record.object.name, SHORT_TEXT))
            .bind(cut(&record.object_id, 64))
            .bind(associated_json)
            .bind(changed_json)
            .bind(search_text(record))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Entries matching `filter`, newest first.
    pub async fn audit_records(
        &self,
        filter: &AuditFilter,
        window: Window,
    ) -> StoreResult<Listed<AuditRecord>> {
        let mut statement = Statement::new(
            "SELECT id, created_ms, author_id, author_name, author_display, remote_address, category, summary, description, sys_admin, object_type, object_name, object_id, associated, changed_values FROM audit_record WHERE 1 = 1",
        );
        if let Some(from) = filter.from_ms {
            statement.push_compare(" AND created_ms >= ", from);
        }
        if let Some(to) = filter.to_ms {
            statement.push_compare(" AND created_ms <= ", to);
        }
        if let Some(search) = filter.search.as_deref().map(str::trim)
            && !search.is_empty()
        {
            statement
                .push_compare(" AND search_text LIKE ", like_pattern(search))
                .push(" ESCAPE '!'");
        }
        statement
            .push_compare(
                " ORDER BY created_ms DESC, id DESC LIMIT ",
                window.fetch_limit(),
            )
            .push_compare(" OFFSET ", window.start);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let records = rows
            .iter()
            .map(record_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Listed::from_fetched(records, window))
    }

    /// Deletes entries written before `before_ms`; answers how many went.
    pub async fn prune_audit_records(&self, before_ms: i64) -> StoreResult<u64> {
        let deleted = sqlx::query(self.sql("DELETE FROM audit_record WHERE created_ms < ?"))
            .bind(before_ms)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(deleted)
    }
}

fn record_from_row(row: &AnyRow) -> StoreResult<AuditRecord> {
    let associated: String = row.try_get("associated")?;
    let changed: String = row.try_get("changed_values")?;
    Ok(AuditRecord {
        id: row.try_get("id")?,
        created_ms: row.try_get("created_ms")?,
        entry: NewAuditRecord {
            author_id: row.try_get("author_id")?,
            author_name: row.try_get("author_name")?,
            author_display: row.try_get("author_display")?,
            remote_address: row.try_get("remote_address")?,
            category: row.try_get("category")?,
            summary: row.try_get("summary")?,
            description: row.try_get("description")?,
            sys_admin: crate::row::flag(row, "sys_admin")?,
            object: AuditObject {
                object_type: row.try_get("object_type")?,
                name: row.try_get("object_name")?,
            },
            object_id: row.try_get("object_id")?,
            // Written by this module from typed values; an unreadable list reads as empty.
            associated: serde_json::from_str(&associated).unwrap_or_default(),
            changed: serde_json::from_str(&changed).unwrap_or_default(),
        },
    })
}

/// What `searchString` is matched against: every text of the entry, lower-cased.
fn search_text(record: &NewAuditRecord) -> String {
    let mut words = vec![
        record.author_name.as_str(),
        record.author_display.as_str(),
        record.remote_address.as_str(),
        record.category.as_str(),
        record.summary.as_str(),
        record.description.as_str(),
        record.object.object_type.as_str(),
        record.object.name.as_str(),
    ];
    for object in record.associated.iter().take(MAX_LISTED) {
        words.push(&object.name);
    }
    for change in record.changed.iter().take(MAX_LISTED) {
        words.extend([
            change.name.as_str(),
            change.old_value.as_str(),
            change.new_value.as_str(),
        ]);
    }
    cut(&words.join(" ").to_lowercase(), SEARCH_TEXT).to_string()
}

/// `%text%` for `LIKE … ESCAPE '!'`, lower-cased, with the pattern characters taken literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for character in text.to_lowercase().chars() {
        if matches!(character, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

/// `text` cut to at most `max_bytes`, at a character boundary.
fn cut(text: &str, max_bytes: usize) -> &str {
    crate::journal::truncate_to_boundary(text, max_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("Space"), "%space%");
        assert_eq!(like_pattern("50%_off!"), "%50!%!_off!!%");
    }

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        assert_eq!(cut("abc", 10), "abc");
        assert_eq!(cut("ééé", 3), "é");
    }
}
