//! Pages and blog posts: create, read, optimistic update, trash, restore, purge, tree queries.
//!
//! Architecture invariant: every change of title or body is a new row in `content_version` with the
//! next number, written in the same transaction as the `content` row, and the `content` row is only
//! updated when its stored version is the one the edit was based on. A stale edit is
//! [`StoreError::StaleVersion`], never a lost update.

use cairn_core::{
    Content, ContentId, ContentStatus, ContentType, ContentVersion, NewVersion, SpaceId, SpaceKey,
    UserId, ValidationError, validate_title,
};
use sqlx::Row;

use crate::error::{StoreError, is_unique_violation};
use crate::ids::Sequence;
use crate::journal::{Change, ChangeKind, record};
use crate::permission::{carry_read_restrictions, chain_from_in, open_content, viewable_content};
use crate::row::{self, content_columns, version_columns};
use crate::statement::Statement;
use crate::{Listed, Store, StoreResult, Window, WriteTx};

/// Deepest page tree walked when collecting ancestors; deeper means a corrupt tree.
pub const MAX_TREE_DEPTH: usize = 1000;

/// A new page or blog post.
#[derive(Debug, Clone)]
pub struct NewContent {
    pub content_type: ContentType,
    pub space_key: SpaceKey,
    /// Parent page (pages only); `None` puts the page at the space root.
    pub parent_id: Option<ContentId>,
    pub title: String,
    pub body: String,
    pub version: NewVersion,
}

/// An edit of existing content, based on the version the editor saw.
#[derive(Debug, Clone)]
pub struct UpdateContent {
    pub id: ContentId,
    /// The number the new version will have: the version the edit is based on, plus one.
    pub new_version_number: i32,
    /// New title; `None` keeps the title.
    pub title: Option<String>,
    /// New body; `None` keeps the body.
    pub body: Option<String>,
    /// New parent page; `None` keeps the parent.
    pub new_parent_id: Option<ContentId>,
    pub version: NewVersion,
}

/// A filter over content for listings such as `GET /rest/api/content`.
#[derive(Debug, Clone)]
pub struct ContentListing {
    pub content_type: ContentType,
    pub space_id: Option<SpaceId>,
    /// Title, matched trimmed and case-insensitively (as titles are unique).
    pub title: Option<String>,
    /// `None` lists every status.
    pub status: Option<ContentStatus>,
    /// Only content carrying this label (by name, any prefix).
    pub label: Option<String>,
    /// Only pages at the root of their space (`depth=root`).
    pub root_only: bool,
    /// Whose view: content they may not see is left out.
    pub viewer: UserId,
    /// Only content created within `[from, to)` (epoch ms): blog posts of one posting day.
    pub created_between: Option<(i64, i64)>,
    pub window: Window,
}

/// Everything an insert of a content row with its first version needs.
pub(crate) struct ContentInsert<'a> {
    /// A draft: status `draft`, and its title claims no uniqueness until it is published.
    pub draft: bool,
    pub id: ContentId,
    pub content_type: ContentType,
    pub space_id: SpaceId,
    pub space_key: &'a SpaceKey,
    pub parent_id: Option<ContentId>,
    pub position: Option<i64>,
    pub title: &'a str,
    pub body: &'a str,
    pub version: &'a NewVersion,
}

/// Inserts a content row and its version 1 inside `transaction`.
pub(crate) async fn insert_content(
    store: &Store,
    transaction: &mut WriteTx,
    insert: ContentInsert<'_>,
) -> StoreResult<()> {
    let inserted = sqlx::query(store.sql(
        "INSERT INTO content (id, content_type, status, space_id, parent_id, position, title, live_title, body, version, creator_id, created_ms, last_modifier_id, last_modified_ms, version_message, minor_edit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(insert.id.0)
    .bind(insert.content_type.as_str())
    .bind(if insert.draft {
        ContentStatus::Draft.as_str()
    } else {
        ContentStatus::Current.as_str()
    })
    .bind(insert.space_id.0)
    .bind(insert.parent_id.map(|id| id.0))
    .bind(insert.position)
    .bind(insert.title)
    .bind((!insert.draft).then(|| live_title(insert.content_type, insert.title)).flatten())
    .bind(insert.body)
    .bind(insert.version.author_id.0)
    .bind(insert.version.now_ms)
    .bind(insert.version.author_id.0)
    .bind(insert.version.now_ms)
    .bind(&insert.version.message)
    .bind(i16::from(insert.version.minor_edit))
    .execute(&mut **transaction)
    .await;
    if let Err(error) = inserted {
        if is_unique_violation(&error) {
            return Err(StoreError::TitleTaken {
                title: insert.title.to_string(),
                space_key: insert.space_key.clone(),
            });
        }
        return Err(error.into());
    }
    insert_version(
        store,
        transaction,
        insert.id,
        1,
        insert.title,
        insert.body,
        insert.version,
    )
    .await
}

async fn insert_version(
    store: &Store,
    transaction: &mut WriteTx,
    id: ContentId,
    number: i32,
    title: &str,
    body: &str,
    version: &NewVersion,
) -> StoreResult<()> {
    sqlx::query(store.sql(
        "INSERT INTO content_version (content_id, number, title, body, author_id, created_ms, message, minor_edit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(id.0)
    .bind(number)
    .bind(title)
    .bind(body)
    .bind(version.author_id.0)
    .bind(version.now_ms)
    .bind(&version.message)
    .bind(i16::from(version.minor_edit))
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

/// The key that makes titles unique per space and type (case-insensitive, as Confluence's LOWERTITLE).
/// Comments all share their container's title, so they have none.
fn live_title(content_type: ContentType, title: &str) -> Option<String> {
    (content_type != ContentType::Comment).then(|| title.to_lowercase())
}

async fn content_in(
    store: &Store,
    transaction: &mut WriteTx,
    id: ContentId,
) -> StoreResult<Option<Content>> {
    let row = sqlx::query(store.sql(concat!(
        "SELECT ",
        content_columns!(),
        " FROM content WHERE id = ?"
    )))
    .bind(id.0)
    .fetch_optional(&mut **transaction)
    .await?;
    row.as_ref().map(row::content).transpose()
}

/// The next position among the children of `parent_id` (or the root pages of `space_id`).
async fn next_position(
    store: &Store,
    transaction: &mut WriteTx,
    space_id: SpaceId,
    parent_id: Option<ContentId>,
) -> StoreResult<i64> {
    let row = match parent_id {
        Some(parent) => {
            sqlx::query(store.sql("SELECT MAX(position) AS last_position FROM content WHERE parent_id = ?"))
                .bind(parent.0)
                .fetch_one(&mut **transaction)
                .await?
        }
        None => {
            sqlx::query(store.sql(
                "SELECT MAX(position) AS last_position FROM content WHERE space_id = ? AND content_type = 'page' AND parent_id IS NULL",
            ))
            .bind(space_id.0)
            .fetch_one(&mut **transaction)
            .await?
        }
    };
    let last: Option<i64> = row.try_get("last_position")?;
    Ok(last.map_or(0, |position| position + 1))
}

/// Checks that `parent_id` can hold a child page of `space_id` and returns it.
async fn check_parent(
    store: &Store,
    transaction: &mut WriteTx,
    space_id: SpaceId,
    space_key: &SpaceKey,
    parent_id: ContentId,
) -> StoreResult<Content> {
    let parent = content_in(store, transaction, parent_id)
        .await?
        .filter(|parent| parent.status == ContentStatus::Current)
        .ok_or(StoreError::ContentNotFound(parent_id))?;
    if parent.content_type != ContentType::Page {
        return Err(ValidationError::new(format!("parent {parent_id} is not a page")).into());
    }
    if parent.space_id != space_id {
        return Err(ValidationError::new(format!(
            "parent page {parent_id} is not in space {space_key}"
        ))
        .into());
    }
    Ok(parent)
}

impl Store {
    pub(crate) async fn next_content_id(&self) -> StoreResult<ContentId> {
        Ok(ContentId(self.next_id(Sequence::Content).await?))
    }

    /// Creates a page or blog post with its version 1.
    pub async fn create_content(&self, new_content: NewContent) -> StoreResult<Content> {
        self.insert_new_content(new_content, false).await
    }

    /// Creates an unpublished draft of a page or blog post (version 1, status `draft`).
    pub async fn create_draft(&self, new_content: NewContent) -> StoreResult<Content> {
        self.insert_new_content(new_content, true).await
    }

    async fn insert_new_content(
        &self,
        new_content: NewContent,
        draft: bool,
    ) -> StoreResult<Content> {
        let id = self.next_content_id().await?;
        let mut transaction = self.begin_write().await?;
        let created = self
            .create_content_in(&mut transaction, id, new_content, draft)
            .await?;
        transaction.commit().await?;
        Ok(created)
    }

    /// Creates a page or blog post (a draft when `draft`) under `id` (from
    /// [`Store::allocate_content_id`]) inside `transaction`, with its journal entry.
    pub async fn create_content_in(
        &self,
        transaction: &mut WriteTx,
        id: ContentId,
        new_content: NewContent,
        draft: bool,
    ) -> StoreResult<Content> {
        let title = validate_title(&new_content.title)?;
        let space_row = sqlx::query(self.sql("SELECT id FROM space WHERE space_key = ?"))
            .bind(new_content.space_key.as_str())
            .fetch_optional(&mut **transaction)
            .await?
            .ok_or_else(|| StoreError::SpaceNotFound(new_content.space_key.clone()))?;
        let space_id = SpaceId(space_row.try_get("id")?);
        let (parent_id, position) = match new_content.content_type {
            ContentType::Comment => {
                return Err(ValidationError::new(
                    "comments are created on a page, with create_comment",
                )
                .into());
            }
            ContentType::BlogPost => (None, None),
            ContentType::Page => {
                if let Some(parent_id) = new_content.parent_id {
                    check_parent(
                        self,
                        transaction,
                        space_id,
                        &new_content.space_key,
                        parent_id,
                    )
                    .await?;
                }
                let position =
                    next_position(self, transaction, space_id, new_content.parent_id).await?;
                (new_content.parent_id, Some(position))
            }
        };
        insert_content(
            self,
            transaction,
            ContentInsert {
                draft,
                id,
                content_type: new_content.content_type,
                space_id,
                space_key: &new_content.space_key,
                parent_id,
                position,
                title: &title,
                body: &new_content.body,
                version: &new_content.version,
            },
        )
        .await?;
        let change = Change {
            kind: ChangeKind::ContentCreated,
            entity_id: Some(id.0),
            space_id: Some(space_id.0),
            payload: new_content.content_type.as_str().to_string(),
        };
        record(self, transaction, &change).await?;
        let version = new_content.version;
        Ok(Content {
            id,
            content_type: new_content.content_type,
            status: if draft {
                ContentStatus::Draft
            } else {
                ContentStatus::Current
            },
            space_id,
            parent_id,
            position,
            title,
            body: new_content.body,
            version: 1,
            creator_id: version.author_id,
            created_ms: version.now_ms,
            last_modifier_id: version.author_id,
            last_modified_ms: version.now_ms,
            version_message: version.message,
            minor_edit: version.minor_edit,
        })
    }

    /// Saves a new version, if and only if the stored version is the one the edit was based on.
    pub async fn update_content(&self, update: UpdateContent) -> StoreResult<Content> {
        let mut transaction = self.begin_write().await?;
        let updated = self.update_content_in(&mut transaction, update).await;
        self.commit_or_report_latest(transaction, updated).await
    }

    /// Commits when `outcome` succeeded; otherwise rolls back, and a stale version reports the
    /// version committed now (another edit may have won the race meanwhile).
    async fn commit_or_report_latest(
        &self,
        transaction: WriteTx,
        outcome: StoreResult<Content>,
    ) -> StoreResult<Content> {
        match outcome {
            Ok(content) => {
                transaction.commit().await?;
                Ok(content)
            }
            Err(error) => {
                drop(transaction);
                Err(self.with_latest_version(error).await)
            }
        }
    }

    /// `error`, with a stale version naming the version committed now rather than the one an
    /// aborted transaction read. Call it after the transaction is gone.
    pub async fn with_latest_version(&self, error: StoreError) -> StoreError {
        let StoreError::StaleVersion { id, current } = error else {
            return error;
        };
        match self.find_content(id).await {
            Ok(Some(latest)) => StoreError::StaleVersion {
                id,
                current: latest.version,
            },
            Ok(None) => StoreError::ContentNotFound(id),
            Err(_) => StoreError::StaleVersion { id, current },
        }
    }

    /// [`Store::update_content`] inside `transaction`, with its journal entry. A stale version is
    /// reported with the version read in the transaction; [`Store::with_latest_version`] names
    /// the one committed once the transaction is gone.
    pub async fn update_content_in(
        &self,
        transaction: &mut WriteTx,
        update: UpdateContent,
    ) -> StoreResult<Content> {
        let new_title = update.title.as_deref().map(validate_title).transpose()?;
        let current = content_in(self, transaction, update.id)
            .await?
            .filter(|content| content.status == ContentStatus::Current)
            .ok_or(StoreError::ContentNotFound(update.id))?;
        if update.new_version_number != current.version + 1 {
            return Err(StoreError::StaleVersion {
                id: update.id,
                current: current.version,
            });
        }
        let space_key = self.space_key_in(transaction, current.space_id).await?;
        let (parent_id, position) = match update.new_parent_id {
            Some(new_parent) if Some(new_parent) != current.parent_id => {
                if current.content_type != ContentType::Page {
                    return Err(ValidationError::new("only pages have parents").into());
                }
                check_parent(self, transaction, current.space_id, &space_key, new_parent).await?;
                self.refuse_cycle(transaction, update.id, new_parent)
                    .await?;
                let position =
                    next_position(self, transaction, current.space_id, Some(new_parent)).await?;
                (Some(new_parent), Some(position))
            }
            _ => (current.parent_id, current.position),
        };
        let title = new_title.unwrap_or_else(|| current.title.clone());
        let body = update.body.unwrap_or_else(|| current.body.clone());
        let version = &update.version;
        let updated = sqlx::query(self.sql(
            "UPDATE content SET title = ?, live_title = ?, body = ?, version = ?, parent_id = ?, position = ?, last_modifier_id = ?, last_modified_ms = ?, version_message = ?, minor_edit = ? WHERE id = ? AND version = ? AND status = 'current'",
        ))
        .bind(&title)
        .bind(live_title(current.content_type, &title))
        .bind(&body)
        .bind(update.new_version_number)
        .bind(parent_id.map(|id| id.0))
        .bind(position)
        .bind(version.author_id.0)
        .bind(version.now_ms)
        .bind(&version.message)
        .bind(i16::from(version.minor_edit))
        .bind(update.id.0)
        .bind(current.version)
        .execute(&mut **transaction)
        .await;
        let updated = match updated {
            Ok(result) => result,
            Err(error) if is_unique_violation(&error) => {
                return Err(StoreError::TitleTaken { title, space_key });
            }
            Err(error) => return Err(error.into()),
        };
        if updated.rows_affected() != 1 {
            // Another edit committed between our read and our write; the caller reports which.
            return Err(StoreError::StaleVersion {
                id: update.id,
                current: current.version,
            });
        }
        insert_version(
            self,
            transaction,
            update.id,
            update.new_version_number,
            &title,
            &body,
            version,
        )
        .await?;
        let change = Change::of_content(ChangeKind::ContentUpdated, &current);
        record(self, transaction, &change).await?;
        Ok(Content {
            title,
            body,
            parent_id,
            position,
            version: update.new_version_number,
            last_modifier_id: version.author_id,
            last_modified_ms: version.now_ms,
            version_message: version.message.clone(),
            minor_edit: version.minor_edit,
            ..current
        })
    }

    async fn space_key_in(
        &self,
        transaction: &mut WriteTx,
        space_id: SpaceId,
    ) -> StoreResult<SpaceKey> {
        let row = sqlx::query(self.sql("SELECT space_key FROM space WHERE id = ?"))
            .bind(space_id.0)
            .fetch_one(&mut **transaction)
            .await?;
        Ok(SpaceKey::from_stored(
            row.try_get::<String, _>("space_key")?,
        ))
    }

    /// Refuses to move `id` under `new_parent` when `new_parent` is `id` itself or one of its descendants.
    async fn refuse_cycle(
        &self,
        transaction: &mut WriteTx,
        id: ContentId,
        new_parent: ContentId,
    ) -> StoreResult<()> {
        let mut cursor = Some(new_parent);
        for _ in 0..MAX_TREE_DEPTH {
            let Some(step) = cursor else { return Ok(()) };
            if step == id {
                return Err(ValidationError::new(format!(
                    "page {id} cannot be moved under itself or one of its descendants"
                ))
                .into());
            }
            let row = sqlx::query(self.sql("SELECT parent_id FROM content WHERE id = ?"))
                .bind(step.0)
                .fetch_optional(&mut **transaction)
                .await?;
            cursor = match row {
                Some(row) => row.try_get::<Option<i64>, _>("parent_id")?.map(ContentId),
                None => None,
            };
        }
        Err(ValidationError::new("page tree is deeper than allowed").into())
    }

    /// The content with `id`, whatever its status.
    pub async fn find_content(&self, id: ContentId) -> StoreResult<Option<Content>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE id = ?"
        )))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row::content).transpose()
    }

    /// Version `number` of content `id`.
    pub async fn find_version(
        &self,
        id: ContentId,
        number: i32,
    ) -> StoreResult<Option<ContentVersion>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            version_columns!(),
            " FROM content_version WHERE content_id = ? AND number = ?"
        )))
        .bind(id.0)
        .bind(number)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row::content_version).transpose()
    }

    /// Versions of `id`, newest first; the flag says whether more follow.
    pub async fn list_versions(
        &self,
        id: ContentId,
        window: Window,
    ) -> StoreResult<Listed<ContentVersion>> {
        let Window { start, limit } = window;
        let rows = sqlx::query(self.sql(concat!(
            "SELECT ",
            version_columns!(),
            " FROM content_version WHERE content_id = ? ORDER BY number DESC LIMIT ? OFFSET ?"
        )))
        .bind(id.0)
        .bind(limit + 1)
        .bind(start)
        .fetch_all(self.pool())
        .await?;
        let versions = rows
            .iter()
            .map(row::content_version)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(split_page(versions, limit))
    }

    /// Current child pages of `parent_id` in position order (then id).
    pub async fn list_children(
        &self,
        viewer: UserId,
        parent_id: ContentId,
        window: Window,
    ) -> StoreResult<Listed<Content>> {
        let Window { start, limit } = window;
        let mut statement = Statement::new(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE parent_id = "
        ));
        statement
            .push_bind(parent_id.0)
            .push(" AND status = 'current' AND content_type = 'page' AND ")
            .push_each_bound_to(open_content!("content.id"), viewer.0)
            .push_compare(" ORDER BY position, id LIMIT ", limit + 1)
            .push_compare(" OFFSET ", start);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let children = row::contents(&rows)?;
        Ok(split_page(children, limit))
    }

    /// Current pages at the root of a space: the home page first, then by position and id.
    pub async fn list_root_pages(
        &self,
        viewer: UserId,
        space_id: SpaceId,
        window: Window,
    ) -> StoreResult<Listed<Content>> {
        let Window { start, limit } = window;
        let mut statement = Statement::new(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE space_id = "
        ));
        statement
            .push_bind(space_id.0)
            .push(" AND content_type = 'page' AND status = 'current' AND parent_id IS NULL AND ")
            .push_each_bound_to(open_content!("content.id"), viewer.0)
            .push_compare(
                " ORDER BY CASE WHEN position IS NULL THEN 0 ELSE 1 END, position, id LIMIT ",
                limit + 1,
            )
            .push_compare(" OFFSET ", start);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let pages = row::contents(&rows)?;
        Ok(split_page(pages, limit))
    }

    /// The ancestors of `content`, root first, direct parent last.
    pub async fn ancestors(&self, content: &Content) -> StoreResult<Vec<Content>> {
        let mut ancestors = Vec::new();
        let mut cursor = content.parent_id;
        while let Some(parent_id) = cursor {
            if ancestors.len() >= MAX_TREE_DEPTH {
                break;
            }
            let Some(parent) = self.find_content(parent_id).await? else {
                break;
            };
            cursor = parent.parent_id;
            ancestors.push(parent);
        }
        ancestors.reverse();
        Ok(ancestors)
    }

    /// Content matching `listing`, ordered by id.
    pub async fn list_content(&self, listing: &ContentListing) -> StoreResult<Listed<Content>> {
        // Titles match as uniqueness is decided: trimmed and case-insensitive (trashed content,
        // which holds no unique title, matches exactly after trimming). Each filter is optional.
        let wanted_title = listing
            .title
            .as_deref()
            .map(|title| title.trim().to_string());
        let mut statement = Statement::new(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE content_type = "
        ));
        statement.push_bind(listing.content_type.as_str());
        if let Some(space_id) = listing.space_id {
            statement.push_compare(" AND space_id = ", space_id.0);
        }
        if let Some(title) = &wanted_title {
            statement
                .push_compare(" AND (live_title = ", title.to_lowercase())
                .push_compare(" OR (status <> 'current' AND title = ", title.as_str())
                .push("))");
        }
        if let Some(status) = listing.status {
            statement.push_compare(" AND status = ", status.as_str());
        }
        if let Some(label) = &listing.label {
            statement
                .push(" AND id IN (SELECT cl.content_id FROM content_label cl JOIN label l ON l.id = cl.label_id WHERE l.name = ")
                .push_bind(label.as_str())
                .push(")");
        }
        if listing.root_only {
            statement.push(" AND parent_id IS NULL");
        }
        statement.push_compare(" AND (status <> 'draft' OR creator_id = ", listing.viewer.0);
        statement.push(")");
        if let Some((from, to)) = listing.created_between {
            statement
                .push_compare(" AND created_ms >= ", from)
                .push_compare(" AND created_ms < ", to);
        }
        statement
            .push(" AND ")
            .push_each_bound_to(
                viewable_content!("content.id", "content.space_id"),
                listing.viewer.0,
            )
            .push_compare(" ORDER BY id LIMIT ", listing.window.fetch_limit())
            .push_compare(" OFFSET ", listing.window.start);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let contents = row::contents(&rows)?;
        Ok(Listed::from_fetched(contents, listing.window))
    }

    /// The most recently changed current pages and blog posts.
    pub async fn recently_updated(&self, viewer: UserId, limit: i64) -> StoreResult<Vec<Content>> {
        let mut statement = Statement::new(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE status = 'current' AND content_type IN ('page', 'blogpost') AND "
        ));
        statement
            .push_each_bound_to(
                viewable_content!("content.id", "content.space_id"),
                viewer.0,
            )
            .push_compare(" ORDER BY last_modified_ms DESC, id DESC LIMIT ", limit);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        row::contents(&rows)
    }

    /// Blog posts of a space, newest first.
    pub async fn list_blog_posts(
        &self,
        viewer: UserId,
        space_id: SpaceId,
        limit: i64,
    ) -> StoreResult<Vec<Content>> {
        let mut statement = Statement::new(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE space_id = "
        ));
        statement
            .push_bind(space_id.0)
            .push(" AND content_type = 'blogpost' AND status = 'current' AND ")
            .push_each_bound_to(open_content!("content.id"), viewer.0)
            .push_compare(" ORDER BY created_ms DESC, id DESC LIMIT ", limit);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        row::contents(&rows)
    }

    /// Moves current content to the trash. Its child pages move up to its parent.
    pub async fn trash_content(&self, id: ContentId, now_ms: i64) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let content = content_in(self, &mut transaction, id)
            .await?
            .filter(|content| content.status == ContentStatus::Current)
            .ok_or(StoreError::ContentNotFound(id))?;
        sqlx::query(self.sql(
            "UPDATE content SET status = 'trashed', live_title = NULL, trashed_ms = ? WHERE id = ?",
        ))
        .bind(now_ms)
        .bind(id.0)
        .execute(&mut *transaction)
        .await?;
        // The children move up to the trashed page's parent; they keep out whoever its read
        // restriction kept out.
        let children = sqlx::query(
            self.sql("SELECT id FROM content WHERE parent_id = ? AND status = 'current'"),
        )
        .bind(id.0)
        .fetch_all(&mut *transaction)
        .await?;
        for child in &children {
            let child_id = ContentId(child.try_get("id")?);
            carry_read_restrictions(self, &mut transaction, child_id, &[id]).await?;
        }
        sqlx::query(
            self.sql("UPDATE content SET parent_id = ? WHERE parent_id = ? AND status = 'current'"),
        )
        .bind(content.parent_id.map(|parent| parent.0))
        .bind(id.0)
        .execute(&mut *transaction)
        .await?;
        let change = Change::of_content(ChangeKind::ContentTrashed, &content);
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Brings trashed content back. A page whose parent is gone returns to the space root.
    pub async fn restore_content(&self, id: ContentId) -> StoreResult<Content> {
        let mut transaction = self.begin_write().await?;
        let restored = self.restore_content_in(&mut transaction, id).await?;
        transaction.commit().await?;
        Ok(restored)
    }

    /// [`Store::restore_content`] inside `transaction`, with its journal entry.
    pub async fn restore_content_in(
        &self,
        transaction: &mut WriteTx,
        id: ContentId,
    ) -> StoreResult<Content> {
        let content = content_in(self, transaction, id)
            .await?
            .filter(|content| content.status == ContentStatus::Trashed)
            .ok_or(StoreError::ContentNotFound(id))?;
        let parent_alive = match content.parent_id {
            Some(parent_id) => content_in(self, transaction, parent_id)
                .await?
                .is_some_and(|parent| parent.status == ContentStatus::Current),
            None => false,
        };
        let parent_id = if parent_alive {
            content.parent_id
        } else {
            // Back at the space root, it keeps out whoever the pages it was under kept out.
            let left_behind = chain_from_in(self, transaction, content.parent_id).await?;
            carry_read_restrictions(self, transaction, id, &left_behind).await?;
            None
        };
        let space_key = self.space_key_in(transaction, content.space_id).await?;
        let restored = sqlx::query(self.sql(
            "UPDATE content SET status = 'current', live_title = ?, trashed_ms = NULL, parent_id = ? WHERE id = ?",
        ))
        .bind(live_title(content.content_type, &content.title))
        .bind(parent_id.map(|parent| parent.0))
        .bind(id.0)
        .execute(&mut **transaction)
        .await;
        if let Err(error) = restored {
            if is_unique_violation(&error) {
                return Err(StoreError::TitleTaken {
                    title: content.title,
                    space_key,
                });
            }
            return Err(error.into());
        }
        let change = Change::of_content(ChangeKind::ContentRestored, &content);
        record(self, transaction, &change).await?;
        Ok(Content {
            status: ContentStatus::Current,
            parent_id,
            ..content
        })
    }

    /// Deletes trashed content or a draft, with all its versions, for good.
    pub async fn purge_content(&self, id: ContentId) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let purged = content_in(self, &mut transaction, id)
            .await?
            .filter(|content| content.status != ContentStatus::Current)
            .ok_or(StoreError::ContentNotFound(id))?;
        // Trashed pages that were below it take its place under its parent, and keep out whoever
        // its read restriction kept out (a later restore must not open them up).
        let orphans = sqlx::query(self.sql("SELECT id FROM content WHERE parent_id = ?"))
            .bind(id.0)
            .fetch_all(&mut *transaction)
            .await?;
        for orphan in &orphans {
            let orphan_id = ContentId(orphan.try_get("id")?);
            carry_read_restrictions(self, &mut transaction, orphan_id, &[id]).await?;
        }
        sqlx::query(self.sql("UPDATE content SET parent_id = ? WHERE parent_id = ?"))
            .bind(purged.parent_id.map(|parent| parent.0))
            .bind(id.0)
            .execute(&mut *transaction)
            .await?;
        // The content's comments go with it (their versions, labels and properties first).
        for statement in [
            "DELETE FROM content_version WHERE content_id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM content_label WHERE content_id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM content_property WHERE content_id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM content_like WHERE content_id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM content WHERE id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM comment_meta WHERE container_id = ?",
            // Comments on its attachments go too.
            "DELETE FROM content_version WHERE content_id IN (SELECT m.content_id FROM comment_meta m JOIN attachment a ON a.id = m.container_id WHERE a.container_id = ?)",
            "DELETE FROM content_label WHERE content_id IN (SELECT m.content_id FROM comment_meta m JOIN attachment a ON a.id = m.container_id WHERE a.container_id = ?)",
            "DELETE FROM content_property WHERE content_id IN (SELECT m.content_id FROM comment_meta m JOIN attachment a ON a.id = m.container_id WHERE a.container_id = ?)",
            "DELETE FROM content_like WHERE content_id IN (SELECT m.content_id FROM comment_meta m JOIN attachment a ON a.id = m.container_id WHERE a.container_id = ?)",
            "DELETE FROM content WHERE id IN (SELECT m.content_id FROM comment_meta m JOIN attachment a ON a.id = m.container_id WHERE a.container_id = ?)",
            "DELETE FROM comment_meta WHERE container_id IN (SELECT id FROM attachment WHERE container_id = ?)",
            // Attachment rows go too; their bytes are left to the blob sweeper.
            "DELETE FROM attachment_version WHERE attachment_id IN (SELECT id FROM attachment WHERE container_id = ?)",
            "DELETE FROM content_label WHERE content_id IN (SELECT id FROM attachment WHERE container_id = ?)",
            "DELETE FROM content_property WHERE content_id IN (SELECT id FROM attachment WHERE container_id = ?)",
            "DELETE FROM attachment WHERE container_id = ?",
            "DELETE FROM content_version WHERE content_id = ?",
            "DELETE FROM content_label WHERE content_id = ?",
            "DELETE FROM content_property WHERE content_id = ?",
            "DELETE FROM content_restriction WHERE content_id = ?",
            "DELETE FROM content_like WHERE content_id = ?",
            "DELETE FROM page_draft WHERE content_id = ?",
        ] {
            sqlx::query(self.sql(statement))
                .bind(id.0)
                .execute(&mut *transaction)
                .await?;
        }
        sqlx::query(self.sql("DELETE FROM content WHERE id = ?"))
            .bind(id.0)
            .execute(&mut *transaction)
            .await?;
        record(
            self,
            &mut transaction,
            &Change::of_content(ChangeKind::ContentPurged, &purged),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Changes a draft's title and body in place (still version 1); with `publish` it becomes current
    /// content, its title now claiming uniqueness (a clash is [`StoreError::TitleTaken`]).
    pub async fn save_draft(
        &self,
        id: ContentId,
        title: Option<String>,
        body: Option<String>,
        version: NewVersion,
        publish: bool,
    ) -> StoreResult<Content> {
        let mut transaction = self.begin_write().await?;
        let saved = self
            .save_draft_in(&mut transaction, id, title, body, version, publish)
            .await?;
        transaction.commit().await?;
        Ok(saved)
    }

    /// [`Store::save_draft`] inside `transaction`, with its journal entry.
    pub async fn save_draft_in(
        &self,
        transaction: &mut WriteTx,
        id: ContentId,
        title: Option<String>,
        body: Option<String>,
        version: NewVersion,
        publish: bool,
    ) -> StoreResult<Content> {
        let draft = content_in(self, transaction, id)
            .await?
            .filter(|content| content.status == ContentStatus::Draft)
            .ok_or(StoreError::ContentNotFound(id))?;
        let title = match title {
            Some(title) => validate_title(&title)?,
            None => draft.title.clone(),
        };
        // Read before the update: after a failed statement PostgreSQL answers nothing more.
        let space_key = self.space_key_in(transaction, draft.space_id).await?;
        let body = body.unwrap_or_else(|| draft.body.clone());
        let status = if publish {
            ContentStatus::Current
        } else {
            ContentStatus::Draft
        };
        let updated = sqlx::query(self.sql(
            "UPDATE content SET status = ?, title = ?, live_title = ?, body = ?, last_modifier_id = ?, last_modified_ms = ?, version_message = ?, minor_edit = ? WHERE id = ? AND status = 'draft'",
        ))
        .bind(status.as_str())
        .bind(&title)
        .bind(publish.then(|| live_title(draft.content_type, &title)).flatten())
        .bind(&body)
        .bind(version.author_id.0)
        .bind(version.now_ms)
        .bind(&version.message)
        .bind(i16::from(version.minor_edit))
        .bind(id.0)
        .execute(&mut **transaction)
        .await;
        if let Err(error) = updated {
            if is_unique_violation(&error) {
                return Err(StoreError::TitleTaken { title, space_key });
            }
            return Err(error.into());
        }
        sqlx::query(self.sql(
            "UPDATE content_version SET title = ?, body = ?, author_id = ?, created_ms = ?, message = ?, minor_edit = ? WHERE content_id = ? AND number = 1",
        ))
        .bind(&title)
        .bind(&body)
        .bind(version.author_id.0)
        .bind(version.now_ms)
        .bind(&version.message)
        .bind(i16::from(version.minor_edit))
        .bind(id.0)
        .execute(&mut **transaction)
        .await?;
        let kind = if publish {
            ChangeKind::ContentCreated
        } else {
            ChangeKind::ContentUpdated
        };
        record(self, transaction, &Change::of_content(kind, &draft)).await?;
        Ok(Content {
            status,
            title,
            body,
            last_modifier_id: version.author_id,
            last_modified_ms: version.now_ms,
            version_message: version.message,
            minor_edit: version.minor_edit,
            ..draft
        })
    }

    /// Trashed content of a space, most recently trashed first.
    pub async fn list_trash(&self, space_id: SpaceId, limit: i64) -> StoreResult<Vec<Content>> {
        let rows = sqlx::query(self.sql(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE space_id = ? AND status = 'trashed' ORDER BY trashed_ms DESC, id DESC LIMIT ?"
        )))
        .bind(space_id.0)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        row::contents(&rows)
    }
}

/// Splits a fetch of `limit + 1` rows into the page and whether more follow.
fn split_page<T>(rows: Vec<T>, limit: i64) -> Listed<T> {
    Listed::from_fetched(rows, Window::first(limit))
}

impl Store {
    /// Removes historical version `number` of `id`. The current version cannot be removed.
    /// Returns false when there was no such version.
    pub async fn delete_version(&self, id: ContentId, number: i32) -> StoreResult<bool> {
        let content = self
            .find_content(id)
            .await?
            .ok_or(StoreError::ContentNotFound(id))?;
        if number == content.version {
            return Err(ValidationError::new(format!(
                "version {number} is the current version of {id} and cannot be removed"
            ))
            .into());
        }
        let mut transaction = self.begin_write().await?;
        let result = sqlx::query(
            self.sql("DELETE FROM content_version WHERE content_id = ? AND number = ?"),
        )
        .bind(id.0)
        .bind(number)
        .execute(&mut *transaction)
        .await?;
        let change = Change::of_content(ChangeKind::ContentVersionDeleted, &content);
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(result.rows_affected() == 1)
    }

    /// Current pages and blog posts of a space ordered by id; `root_only` keeps pages at the root.
    pub async fn list_space_content(
        &self,
        viewer: UserId,
        space_id: SpaceId,
        content_type: ContentType,
        root_only: bool,
        window: Window,
    ) -> StoreResult<Listed<Content>> {
        let Window { start, limit } = window;
        let mut statement = Statement::new(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE space_id = "
        ));
        statement
            .push_bind(space_id.0)
            .push_compare(" AND content_type = ", content_type.as_str())
            .push(" AND status = 'current'");
        if root_only {
            statement.push(" AND parent_id IS NULL");
        }
        statement
            .push(" AND ")
            .push_each_bound_to(
                viewable_content!("content.id", "content.space_id"),
                viewer.0,
            )
            .push_compare(" ORDER BY id LIMIT ", limit + 1)
            .push_compare(" OFFSET ", start);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let contents = row::contents(&rows)?;
        Ok(split_page(contents, limit))
    }

    /// Current descendant pages of `id`, level by level (children, then grandchildren…), each level in
    /// position order. Reads only as many levels and rows as the requested window needs.
    pub async fn list_descendants(
        &self,
        viewer: UserId,
        id: ContentId,
        window: Window,
    ) -> StoreResult<Listed<Content>> {
        let Window { start, limit } = window;
        let wanted =
            usize::try_from(start.saturating_add(limit).saturating_add(1)).unwrap_or(usize::MAX);
        let mut found: Vec<Content> = Vec::new();
        let mut level = vec![id];
        let mut depth = 0;
        while !level.is_empty() && found.len() < wanted && depth < MAX_TREE_DEPTH {
            let mut next_level = Vec::new();
            for parent in level {
                let room = i64::try_from(wanted - found.len().min(wanted)).unwrap_or(i64::MAX);
                if room == 0 {
                    break;
                }
                let children = self
                    .list_children(viewer, parent, Window::first(room))
                    .await?
                    .items;
                next_level.extend(children.iter().map(|child| child.id));
                found.extend(children);
            }
            level = next_level;
            depth += 1;
        }
        let skip = usize::try_from(start).unwrap_or(usize::MAX);
        let window: Vec<Content> = found.into_iter().skip(skip).collect();
        Ok(split_page(window, limit))
    }
}
