//! Spaces. A space is created together with its home page, in one transaction.

use cairn_core::{
    ContentId, ContentType, NewVersion, Space, SpaceId, SpaceKey, UserId, home_page_title,
    validate_space_name,
};

use sqlx::Row;

use crate::content::{ContentInsert, insert_content};
use crate::error::{StoreError, is_unique_violation};
use crate::ids::Sequence;
use crate::journal::{Change, ChangeKind, record};
use crate::row::{self, space_columns};
use crate::statement::Statement;
use crate::{Listed, Store, StoreResult, Window};

/// What a new space is made of.
#[derive(Debug, Clone)]
pub struct NewSpace {
    pub key: SpaceKey,
    /// A team's space, or one person's (`~username`).
    pub space_type: cairn_core::SpaceType,
    pub name: String,
    pub description: String,
    pub creator_id: UserId,
    pub now_ms: i64,
}

impl Store {
    /// Creates a space (global or personal) and its home page (`{name} Home`, at the root, position "none").
    pub async fn create_space(&self, new_space: NewSpace) -> StoreResult<Space> {
        let name = validate_space_name(&new_space.name)?;
        let space_id = SpaceId(self.next_id(Sequence::Space).await?);
        let homepage_id = self.next_content_id().await?;
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(self.sql(
            "INSERT INTO space (id, space_key, name, description, space_type, status, homepage_id, creator_id, created_ms) VALUES (?, ?, ?, ?, ?, 'current', ?, ?, ?)",
        ))
        .bind(space_id.0)
        .bind(new_space.key.as_str())
        .bind(&name)
        .bind(&new_space.description)
        .bind(new_space.space_type.as_str())
        .bind(homepage_id.0)
        .bind(new_space.creator_id.0)
        .bind(new_space.now_ms)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if is_unique_violation(&error) {
                return Err(StoreError::SpaceKeyTaken(new_space.key));
            }
            return Err(error.into());
        }
        let version = NewVersion {
            author_id: new_space.creator_id,
            now_ms: new_space.now_ms,
            message: String::new(),
            minor_edit: false,
        };
        insert_content(
            self,
            &mut transaction,
            ContentInsert {
                draft: false,
                id: homepage_id,
                content_type: ContentType::Page,
                space_id,
                space_key: &new_space.key,
                parent_id: None,
                position: None,
                title: &home_page_title(&name),
                body: "",
                version: &version,
            },
        )
        .await?;
        crate::permission::grant_new_space_defaults(
            self,
            &mut transaction,
            space_id,
            new_space.creator_id,
            new_space.space_type,
        )
        .await?;
        let change = Change::of_space(ChangeKind::SpaceCreated, space_id)
            .with_payload(new_space.key.as_str());
        record(self, &mut transaction, &change).await?;
        // The home page is new content like any other (search indexes it from this entry).
        let mut home_created =
            Change::of_content_id(ChangeKind::ContentCreated, homepage_id).with_payload("page");
        home_created.space_id = Some(space_id.0);
        record(self, &mut transaction, &home_created).await?;
        transaction.commit().await?;
        Ok(Space {
            id: space_id,
            key: new_space.key,
            name,
            description: new_space.description,
            space_type: new_space.space_type,
            status: cairn_core::SpaceStatus::Current,
            homepage_id: Some(homepage_id),
            creator_id: new_space.creator_id,
            created_ms: new_space.now_ms,
        })
    }

    /// The space with `key`. Global keys are upper-case, so a lower-case spelling finds them too
    /// (as creation upper-cases them); personal keys (`~user`) match exactly.
    pub async fn find_space_by_key(&self, key: &SpaceKey) -> StoreResult<Option<Space>> {
        let select = |text: String| {
            sqlx::query(self.sql(concat!(
                "SELECT ",
                space_columns!(),
                " FROM space WHERE space_key = ?"
            )))
            .bind(text)
        };
        let mut row = select(key.as_str().to_string())
            .fetch_optional(self.pool())
            .await?;
        let upper = key.as_str().to_ascii_uppercase();
        if row.is_none() && !key.as_str().starts_with('~') && upper != key.as_str() {
            row = select(upper).fetch_optional(self.pool()).await?;
        }
        row.as_ref().map(row::space).transpose()
    }

    pub async fn find_space_by_id(&self, id: SpaceId) -> StoreResult<Option<Space>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            space_columns!(),
            " FROM space WHERE id = ?"
        )))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row::space).transpose()
    }

    /// The space with `key`, or [`StoreError::SpaceNotFound`].
    pub async fn space_by_key(&self, key: &SpaceKey) -> StoreResult<Space> {
        self.find_space_by_key(key)
            .await?
            .ok_or_else(|| StoreError::SpaceNotFound(key.clone()))
    }

    /// Spaces `viewer` may view, ordered by key, `limit` at most, after skipping `start`; the flag says whether more follow.
    pub async fn list_spaces(&self, viewer: UserId, window: Window) -> StoreResult<Listed<Space>> {
        let Window { start, limit } = window;
        let mut statement =
            Statement::new(concat!("SELECT ", space_columns!(), " FROM space WHERE "));
        statement
            .push_each_bound_to(crate::permission::viewable_space!("space.id"), viewer.0)
            .push_compare(" ORDER BY space_key LIMIT ", limit + 1)
            .push_compare(" OFFSET ", start);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let mut spaces = rows
            .iter()
            .map(row::space)
            .collect::<StoreResult<Vec<_>>>()?;
        let has_more = spaces.len() as i64 > limit;
        spaces.truncate(limit as usize);
        Ok(Listed {
            items: spaces,
            has_more,
        })
    }

    /// The spaces with the given keys (unknown keys are skipped), ordered by key.
    pub async fn spaces_by_keys(&self, keys: &[SpaceKey]) -> StoreResult<Vec<Space>> {
        let mut spaces = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(space) = self.find_space_by_key(key).await? {
                spaces.push(space);
            }
        }
        spaces.sort_by(|a, b| a.key.cmp(&b.key));
        spaces.dedup_by(|a, b| a.id == b.id);
        Ok(spaces)
    }
}

impl Store {
    /// Renames a space or changes its description (`None` keeps the value).
    pub async fn update_space(
        &self,
        key: &SpaceKey,
        name: Option<&str>,
        description: Option<&str>,
        homepage: Option<ContentId>,
    ) -> StoreResult<Space> {
        let space = self.space_by_key(key).await?;
        let name = match name {
            Some(name) => validate_space_name(name)?,
            None => space.name.clone(),
        };
        let description = description.map_or_else(|| space.description.clone(), str::to_string);
        let mut transaction = self.begin_write().await?;
        if let Some(homepage) = homepage {
            // The home page is a current page of this space.
            let row = sqlx::query(self.sql(
                "SELECT id FROM content WHERE id = ? AND space_id = ? AND content_type = 'page' AND status = 'current'",
            ))
            .bind(homepage.0)
            .bind(space.id.0)
            .fetch_optional(&mut *transaction)
            .await?;
            if row.is_none() {
                return Err(cairn_core::ValidationError::new(format!(
                    "homepage {homepage} is not a current page of space {key}"
                ))
                .into());
            }
        }
        let homepage_id = homepage.or(space.homepage_id);
        sqlx::query(
            self.sql("UPDATE space SET name = ?, description = ?, homepage_id = ? WHERE id = ?"),
        )
        .bind(&name)
        .bind(&description)
        .bind(homepage_id.map(|id| id.0))
        .bind(space.id.0)
        .execute(&mut *transaction)
        .await?;
        let change =
            Change::of_space(ChangeKind::SpaceUpdated, space.id).with_payload(key.as_str());
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(Space {
            name,
            description,
            homepage_id,
            ..space
        })
    }

    /// Deletes a space with everything in it, in one transaction. Returns the blob keys of its
    /// attachments, for the caller to delete.
    pub async fn delete_space(&self, space_id: SpaceId) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(self.sql(
            "SELECT v.blob_key FROM attachment_version v JOIN attachment a ON a.id = v.attachment_id WHERE a.space_id = ?",
        ))
        .bind(space_id.0)
        .fetch_all(self.pool())
        .await?;
        let keys = rows
            .iter()
            .map(|row| row.try_get("blob_key"))
            .collect::<Result<Vec<String>, _>>()?;
        let mut transaction = self.begin_write().await?;
        // Watchers of the space let go of it: a new space may take the key later. (Watches of its
        // content name ids, which are never given out again.)
        sqlx::query(self.sql(
            "DELETE FROM watch WHERE target_type = 'space' AND target_key IN (SELECT space_key FROM space WHERE id = ?)",
        ))
        .bind(space_id.0)
        .execute(&mut *transaction)
        .await?;
        for statement in [
            "DELETE FROM attachment_version WHERE attachment_id IN (SELECT id FROM attachment WHERE space_id = ?)",
            "DELETE FROM content_label WHERE content_id IN (SELECT id FROM attachment WHERE space_id = ?)",
            "DELETE FROM content_property WHERE content_id IN (SELECT id FROM attachment WHERE space_id = ?)",
            "DELETE FROM attachment WHERE space_id = ?",
            "DELETE FROM content_version WHERE content_id IN (SELECT id FROM content WHERE space_id = ?)",
            "DELETE FROM content_label WHERE content_id IN (SELECT id FROM content WHERE space_id = ?)",
            "DELETE FROM content_property WHERE content_id IN (SELECT id FROM content WHERE space_id = ?)",
            "DELETE FROM content_like WHERE content_id IN (SELECT id FROM content WHERE space_id = ?)",
            "DELETE FROM comment_meta WHERE content_id IN (SELECT id FROM content WHERE space_id = ?)",
            "DELETE FROM content_restriction WHERE content_id IN (SELECT id FROM content WHERE space_id = ?)",
            "DELETE FROM content WHERE space_id = ?",
            "DELETE FROM space_permission WHERE space_id = ?",
            "DELETE FROM space_label WHERE space_id = ?",
            "DELETE FROM space WHERE id = ?",
        ] {
            sqlx::query(self.sql(statement))
                .bind(space_id.0)
                .execute(&mut *transaction)
                .await?;
        }
        record(
            self,
            &mut transaction,
            &Change::of_space(ChangeKind::SpaceDeleted, space_id),
        )
        .await?;
        transaction.commit().await?;
        Ok(keys)
    }
}
