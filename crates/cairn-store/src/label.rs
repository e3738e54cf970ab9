//! Labels on content and content properties.

use cairn_core::{
    ContentId, ContentProperty, ContentStatus, Label, UserId, validate_label_name,
    validate_label_prefix, validate_property_key,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, is_unique_violation};
use crate::ids::Sequence;
use crate::journal::{Change, ChangeKind, record};
use crate::{Listed, Store, StoreResult, Window, WriteTx};

/// A property to write with [`Store::put_properties_in`], from [`Store::prepare_properties`].
#[derive(Debug, Clone)]
pub struct PropertyWrite {
    pub key: String,
    pub value_json: String,
    /// The id the property takes if it does not exist yet.
    pub id_if_new: i64,
}

pub(crate) fn label_from_row(row: &AnyRow) -> StoreResult<Label> {
    Ok(Label {
        id: row.try_get("id")?,
        prefix: row.try_get("prefix")?,
        name: row.try_get("name")?,
    })
}

fn property_from_row(row: &AnyRow) -> StoreResult<ContentProperty> {
    let version: i64 = row.try_get("version")?;
    Ok(ContentProperty {
        id: row.try_get("id")?,
        content_id: ContentId(row.try_get("content_id")?),
        key: row.try_get("property_key")?,
        value_json: row.try_get("value_json")?,
        version: i32::try_from(version).unwrap_or(i32::MAX),
        modifier_id: UserId(row.try_get("modifier_id")?),
        modified_ms: row.try_get("modified_ms")?,
    })
}

impl Store {
    /// Fails with `ContentNotFound` unless `id` is current content.
    /// Labels and properties hang on current content, drafts and current attachments.
    async fn require_current(&self, id: ContentId) -> StoreResult<()> {
        match self.find_content(id).await? {
            // Drafts carry them too (clients set appearance properties when they create one).
            Some(content) if content.status != ContentStatus::Trashed => Ok(()),
            Some(_) => Err(StoreError::ContentNotFound(id)),
            None => match self.find_attachment(id).await? {
                Some(attachment) if attachment.status == ContentStatus::Current => Ok(()),
                _ => Err(StoreError::ContentNotFound(id)),
            },
        }
    }

    /// Labels on `content_id`, by prefix and name.
    pub async fn labels_of(&self, content_id: ContentId) -> StoreResult<Vec<Label>> {
        let rows = sqlx::query(self.sql(
            "SELECT l.id, l.prefix, l.name FROM label l JOIN content_label cl ON cl.label_id = l.id WHERE cl.content_id = ? ORDER BY l.prefix, l.name",
        ))
        .bind(content_id.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(label_from_row).collect()
    }

    /// The id of label `prefix:name`, created if it does not exist yet.
    async fn label_id(&self, prefix: &str, name: &str, now_ms: i64) -> StoreResult<i64> {
        let select = || {
            sqlx::query(self.sql("SELECT id FROM label WHERE prefix = ? AND name = ?"))
                .bind(prefix.to_string())
                .bind(name.to_string())
        };
        if let Some(row) = select().fetch_optional(self.pool()).await? {
            return Ok(row.try_get("id")?);
        }
        let id = self.next_id(Sequence::Label).await?;
        let inserted = sqlx::query(
            self.sql("INSERT INTO label (id, prefix, name, created_ms) VALUES (?, ?, ?, ?)"),
        )
        .bind(id)
        .bind(prefix)
        .bind(name)
        .bind(now_ms)
        .execute(self.pool())
        .await;
        match inserted {
            Ok(_) => Ok(id),
            // Someone created the same label a moment ago: use theirs.
            Err(error) if is_unique_violation(&error) => {
                Ok(select().fetch_one(self.pool()).await?.try_get("id")?)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Adds labels (`(prefix, name)`; names are validated and lower-cased) and returns every label now
    /// on the content. Adding a label that is already there changes nothing.
    pub async fn add_labels(
        &self,
        content_id: ContentId,
        labels: &[(String, String)],
        now_ms: i64,
    ) -> StoreResult<Vec<Label>> {
        let mut checked = Vec::with_capacity(labels.len());
        for (prefix, name) in labels {
            checked.push((validate_label_prefix(prefix)?, validate_label_name(name)?));
        }
        self.require_current(content_id).await?;
        let mut label_ids = Vec::with_capacity(checked.len());
        for (prefix, name) in &checked {
            label_ids.push(self.label_id(prefix, name, now_ms).await?);
        }
        let mut transaction = self.begin_write().await?;
        let mut added = Vec::new();
        for (label_id, (_, name)) in label_ids.into_iter().zip(&checked) {
            // Looked for first: a failed INSERT would abort the whole transaction on PostgreSQL.
            let present = sqlx::query(self.sql(
                "SELECT COUNT(*) AS present FROM content_label WHERE content_id = ? AND label_id = ?",
            ))
            .bind(content_id.0)
            .bind(label_id)
            .fetch_one(&mut *transaction)
            .await?;
            let present: i64 = present.try_get("present")?;
            if present > 0 {
                continue;
            }
            sqlx::query(self.sql(
                "INSERT INTO content_label (content_id, label_id, created_ms) VALUES (?, ?, ?)",
            ))
            .bind(content_id.0)
            .bind(label_id)
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?;
            added.push(name.as_str());
        }
        if !added.is_empty() {
            let change = Change::of_content_id(ChangeKind::LabelsChanged, content_id)
                .with_payload(format!("added={}", added.join(",")));
            record(self, &mut transaction, &change).await?;
        }
        transaction.commit_if_changed().await?;
        self.labels_of(content_id).await
    }

    /// Makes the labels of `content_id` exactly `labels` (adding missing ones, removing the rest).
    pub async fn set_labels(
        &self,
        content_id: ContentId,
        labels: &[(String, String)],
        now_ms: i64,
    ) -> StoreResult<Vec<Label>> {
        let mut wanted = Vec::with_capacity(labels.len());
        for (prefix, name) in labels {
            wanted.push((validate_label_prefix(prefix)?, validate_label_name(name)?));
        }
        for existing in self.labels_of(content_id).await? {
            if !wanted.contains(&(existing.prefix.clone(), existing.name.clone())) {
                self.remove_label(content_id, &existing.name, Some(&existing.prefix))
                    .await?;
            }
        }
        self.add_labels(content_id, &wanted, now_ms).await
    }

    /// Validates `labels` (`(prefix, name)`) and makes sure each exists, so that
    /// [`Store::set_labels_in`] can put them on content inside a write transaction. A label made
    /// here and then not used is harmless: labels are a shared vocabulary.
    pub async fn prepare_labels(
        &self,
        labels: &[(String, String)],
        now_ms: i64,
    ) -> StoreResult<Vec<Label>> {
        let mut prepared: Vec<Label> = Vec::with_capacity(labels.len());
        for (prefix, name) in labels {
            let prefix = validate_label_prefix(prefix)?;
            let name = validate_label_name(name)?;
            if prepared
                .iter()
                .any(|label| label.prefix == prefix && label.name == name)
            {
                continue;
            }
            let id = self.label_id(&prefix, &name, now_ms).await?;
            prepared.push(Label { id, prefix, name });
        }
        Ok(prepared)
    }

    /// Makes the labels of `content_id` exactly `labels` (from [`Store::prepare_labels`]) inside
    /// `transaction`, recording the change when there is one.
    pub async fn set_labels_in(
        &self,
        transaction: &mut WriteTx,
        content_id: ContentId,
        labels: &[Label],
        now_ms: i64,
    ) -> StoreResult<()> {
        let rows = sqlx::query(self.sql(
            "SELECT l.id, l.prefix, l.name FROM label l JOIN content_label cl ON cl.label_id = l.id WHERE cl.content_id = ?",
        ))
        .bind(content_id.0)
        .fetch_all(&mut **transaction)
        .await?;
        let present = rows
            .iter()
            .map(label_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let mut removed = Vec::new();
        for label in &present {
            if !labels.iter().any(|wanted| wanted.id == label.id) {
                sqlx::query(
                    self.sql("DELETE FROM content_label WHERE content_id = ? AND label_id = ?"),
                )
                .bind(content_id.0)
                .bind(label.id)
                .execute(&mut **transaction)
                .await?;
                removed.push(label.name.as_str());
            }
        }
        let mut added = Vec::new();
        for label in labels {
            if present.iter().any(|existing| existing.id == label.id) {
                continue;
            }
            sqlx::query(self.sql(
                "INSERT INTO content_label (content_id, label_id, created_ms) VALUES (?, ?, ?)",
            ))
            .bind(content_id.0)
            .bind(label.id)
            .bind(now_ms)
            .execute(&mut **transaction)
            .await?;
            added.push(label.name.as_str());
        }
        if added.is_empty() && removed.is_empty() {
            return Ok(());
        }
        let change = Change::of_content_id(ChangeKind::LabelsChanged, content_id).with_payload(
            format!("added={};removed={}", added.join(","), removed.join(",")),
        );
        record(self, transaction, &change).await
    }

    /// Removes label `name` (any prefix unless one is given); false when it was not on the content.
    pub async fn remove_label(
        &self,
        content_id: ContentId,
        name: &str,
        prefix: Option<&str>,
    ) -> StoreResult<bool> {
        self.require_current(content_id).await?;
        let name = name.trim().to_lowercase();
        let mut transaction = self.begin_write().await?;
        let result = match prefix {
            Some(prefix) => sqlx::query(self.sql(
                "DELETE FROM content_label WHERE content_id = ? AND label_id IN (SELECT id FROM label WHERE name = ? AND prefix = ?)",
            ))
            .bind(content_id.0)
            .bind(&name)
            .bind(prefix)
            .execute(&mut *transaction)
            .await?,
            None => sqlx::query(self.sql(
                "DELETE FROM content_label WHERE content_id = ? AND label_id IN (SELECT id FROM label WHERE name = ?)",
            ))
            .bind(content_id.0)
            .bind(&name)
            .execute(&mut *transaction)
            .await?,
        };
        if result.rows_affected() > 0 {
            let change = Change::of_content_id(ChangeKind::LabelsChanged, content_id)
                .with_payload(format!("removed={name}"));
            record(self, &mut transaction, &change).await?;
        }
        transaction.commit_if_changed().await?;
        Ok(result.rows_affected() > 0)
    }

    /// Properties of `content_id` ordered by key; the flag says whether more follow.
    pub async fn list_properties(
        &self,
        content_id: ContentId,
        window: Window,
    ) -> StoreResult<Listed<ContentProperty>> {
        let Window { start, limit } = window;
        self.require_current(content_id).await?;
        let rows = sqlx::query(self.sql(
            "SELECT id, content_id, property_key, value_json, version, modifier_id, modified_ms FROM content_property WHERE content_id = ? ORDER BY property_key LIMIT ? OFFSET ?",
        ))
        .bind(content_id.0)
        .bind(limit + 1)
        .bind(start)
        .fetch_all(self.pool())
        .await?;
        let mut properties = rows
            .iter()
            .map(property_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let has_more = properties.len() as i64 > limit;
        properties.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(Listed {
            items: properties,
            has_more,
        })
    }

    pub async fn find_property(
        &self,
        content_id: ContentId,
        key: &str,
    ) -> StoreResult<Option<ContentProperty>> {
        let row = sqlx::query(self.sql(
            "SELECT id, content_id, property_key, value_json, version, modifier_id, modified_ms FROM content_property WHERE content_id = ? AND property_key = ?",
        ))
        .bind(content_id.0)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(property_from_row).transpose()
    }

    /// Creates property `key` at version 1; `PropertyKeyTaken` when it exists.
    pub async fn create_property(
        &self,
        content_id: ContentId,
        key: &str,
        value_json: &str,
        author_id: UserId,
        now_ms: i64,
    ) -> StoreResult<ContentProperty> {
        let key = validate_property_key(key)?;
        self.require_current(content_id).await?;
        let id = self.next_id(Sequence::Property).await?;
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(self.sql(
            "INSERT INTO content_property (id, content_id, property_key, value_json, version, modifier_id, modified_ms) VALUES (?, ?, ?, ?, 1, ?, ?)",
        ))
        .bind(id)
        .bind(content_id.0)
        .bind(&key)
        .bind(value_json)
        .bind(author_id.0)
        .bind(now_ms)
        .execute(&mut *transaction)
        .await;
        if inserted.is_ok() {
            let change = Change::of_content_id(ChangeKind::PropertiesChanged, content_id)
                .with_payload(key.as_str());
            record(self, &mut transaction, &change).await?;
            transaction.commit().await?;
        }
        match inserted {
            Ok(_) => Ok(ContentProperty {
                id,
                content_id,
                key,
                value_json: value_json.to_string(),
                version: 1,
                modifier_id: author_id,
                modified_ms: now_ms,
            }),
            Err(error) if is_unique_violation(&error) => Err(StoreError::PropertyKeyTaken(key)),
            Err(error) => Err(error.into()),
        }
    }

    /// Sets property `key` to `value_json` as version `new_version` (current + 1). An absent key is
    /// created at version 1; a wrong version is `PropertyStale`.
    pub async fn update_property(
        &self,
        content_id: ContentId,
        key: &str,
        value_json: &str,
        new_version: i32,
        author_id: UserId,
        now_ms: i64,
    ) -> StoreResult<ContentProperty> {
        let key = validate_property_key(key)?;
        self.require_current(content_id).await?;
        let mut transaction = self.begin_write().await?;
        let updated = sqlx::query(self.sql(
            "UPDATE content_property SET value_json = ?, version = ?, modifier_id = ?, modified_ms = ? WHERE content_id = ? AND property_key = ? AND version = ?",
        ))
        .bind(value_json)
        .bind(new_version)
        .bind(author_id.0)
        .bind(now_ms)
        .bind(content_id.0)
        .bind(&key)
        .bind(new_version - 1)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 1 {
            let change = Change::of_content_id(ChangeKind::PropertiesChanged, content_id)
                .with_payload(key.as_str());
            record(self, &mut transaction, &change).await?;
            transaction.commit().await?;
            return self
                .find_property(content_id, &key)
                .await?
                .ok_or(StoreError::PropertyNotFound(key));
        }
        drop(transaction);
        match self.find_property(content_id, &key).await? {
            Some(existing) => Err(StoreError::PropertyStale {
                key,
                current: existing.version,
            }),
            None => {
                self.create_property(content_id, &key, value_json, author_id, now_ms)
                    .await
            }
        }
    }

    /// Validates `properties` (`(key, value_json)`) and gives each an id to use if it is new, so
    /// that [`Store::put_properties_in`] can write them inside a write transaction.
    pub async fn prepare_properties(
        &self,
        properties: &[(String, String)],
    ) -> StoreResult<Vec<PropertyWrite>> {
        let mut prepared = Vec::with_capacity(properties.len());
        for (key, value_json) in properties {
            prepared.push(PropertyWrite {
                key: validate_property_key(key)?,
                value_json: value_json.clone(),
                id_if_new: self.next_id(Sequence::Property).await?,
            });
        }
        Ok(prepared)
    }

    /// Sets each property on `content_id` inside `transaction`: an existing key takes the next
    /// version, a new one is created at version 1. Records one change per key.
    pub async fn put_properties_in(
        &self,
        transaction: &mut WriteTx,
        content_id: ContentId,
        properties: &[PropertyWrite],
        author_id: UserId,
        now_ms: i64,
    ) -> StoreResult<()> {
        for property in properties {
            let updated = sqlx::query(self.sql(
                "UPDATE content_property SET value_json = ?, version = version + 1, modifier_id = ?, modified_ms = ? WHERE content_id = ? AND property_key = ?",
            ))
            .bind(&property.value_json)
            .bind(author_id.0)
            .bind(now_ms)
            .bind(content_id.0)
            .bind(&property.key)
            .execute(&mut **transaction)
            .await?;
            if updated.rows_affected() == 0 {
                sqlx::query(self.sql(
                    "INSERT INTO content_property (id, content_id, property_key, value_json, version, modifier_id, modified_ms) VALUES (?, ?, ?, ?, 1, ?, ?)",
                ))
                .bind(property.id_if_new)
                .bind(content_id.0)
                .bind(&property.key)
                .bind(&property.value_json)
                .bind(author_id.0)
                .bind(now_ms)
                .execute(&mut **transaction)
                .await?;
            }
            let change = Change::of_content_id(ChangeKind::PropertiesChanged, content_id)
                .with_payload(property.key.as_str());
            record(self, transaction, &change).await?;
        }
        Ok(())
    }

    /// Deletes property `key`; false when there was none.
    pub async fn delete_property(&self, content_id: ContentId, key: &str) -> StoreResult<bool> {
        self.require_current(content_id).await?;
        let mut transaction = self.begin_write().await?;
        let result = sqlx::query(
            self.sql("DELETE FROM content_property WHERE content_id = ? AND property_key = ?"),
        )
        .bind(content_id.0)
        .bind(key)
        .execute(&mut *transaction)
        .await?;
        if result.rows_affected() > 0 {
            let change =
                Change::of_content_id(ChangeKind::PropertiesChanged, content_id).with_payload(key);
            record(self, &mut transaction, &change).await?;
        }
        transaction.commit_if_changed().await?;
        Ok(result.rows_affected() > 0)
    }
}
