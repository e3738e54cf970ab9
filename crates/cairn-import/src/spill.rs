//! The spill file: every object of entities.xml in a temporary SQLite database, written during the
//! one pass over the document and read back to join relations both ways afterwards.
//!
//! This is the importer's private scratch file, deleted with its temporary directory; it is never
//! the wiki's database and only ever SQLite, which is why its few statements live here and not in
//! `cairn-store`. Bodies (the bulk of an export) go to a table of their own and are read back one
//! at a time, when the writer needs them.

use std::str::FromStr;

use futures_util::TryStreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Row, SqliteConnection};
use tempfile::TempDir;

use crate::error::{ImportError, ImportResult};
use crate::xml::{ObjectRef, Properties, RawObject};

/// A body as the index knows it: which object it belongs to (when the body says so) and its type.
#[derive(Debug, Clone)]
pub struct BodyEntry {
    pub id: String,
    pub content: Option<ObjectRef>,
    pub body_type: Option<i64>,
}

pub struct Spill {
    /// Owns the file: dropped, the directory and the database go.
    _directory: TempDir,
    connection: SqliteConnection,
}

impl Spill {
    pub async fn create() -> ImportResult<Spill> {
        let directory = tempfile::Builder::new()
            .prefix("cairn-import-")
            .tempdir()
            .map_err(ImportError::TempDir)?;
        let options = SqliteConnectOptions::from_str("sqlite://spill.db")?
            .filename(directory.path().join("spill.db"))
            .create_if_missing(true)
            // A scratch file: losing it in a crash loses nothing, so no journal and no fsync.
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off);
        let mut connection = SqliteConnection::connect_with(&options).await?;
        sqlx::query(
            "CREATE TABLE object (class TEXT NOT NULL, id TEXT NOT NULL, properties TEXT NOT NULL, PRIMARY KEY (class, id))",
        )
        .execute(&mut connection)
        .await?;
        sqlx::query(
            "CREATE TABLE body (id TEXT PRIMARY KEY, content_class TEXT, content_id TEXT, body_type INTEGER, body TEXT NOT NULL)",
        )
        .execute(&mut connection)
        .await?;
        Ok(Spill {
            _directory: directory,
            connection,
        })
    }

    /// Writes `objects` in one transaction. A later object of the same class and id replaces an
    /// earlier one.
    pub async fn insert(&mut self, objects: &[RawObject]) -> ImportResult<()> {
        let mut transaction = self.connection.begin().await?;
        for object in objects {
            if object.class == "BodyContent" {
                let content = object.reference("content");
                sqlx::query("INSERT OR REPLACE INTO body (id, content_class, content_id, body_type, body) VALUES (?, ?, ?, ?, ?)")
                    .bind(&object.id)
                    .bind(content.map(|reference| reference.class.as_str()))
                    .bind(content.map(|reference| reference.id.as_str()))
                    .bind(object.number("bodyType"))
                    .bind(object.text("body").unwrap_or_default())
                    .execute(&mut *transaction)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT OR REPLACE INTO object (class, id, properties) VALUES (?, ?, ?)",
                )
                .bind(&object.class)
                .bind(&object.id)
                .bind(serde_json::to_string(&object.properties)?)
                .execute(&mut *transaction)
                .await?;
            }
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Every object of `class`, with only the properties `known` names (see
    /// [`Properties::keep_only`]).
    pub async fn objects_of(
        &mut self,
        class: &str,
        known: impl Fn(&str) -> Option<&'static str>,
    ) -> ImportResult<Vec<RawObject>> {
        let mut rows = sqlx::query("SELECT id, properties FROM object WHERE class = ? ORDER BY id")
            .bind(class)
            .fetch(&mut self.connection);
        let mut objects = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let properties: String = row.try_get("properties")?;
            let mut properties: Properties = serde_json::from_str(&properties)?;
            properties.keep_only(&known);
            objects.push(RawObject {
                class: class.to_string(),
                id: row.try_get("id")?,
                properties,
            });
        }
        objects.shrink_to_fit();
        Ok(objects)
    }

    /// Every body, without its text.
    pub async fn body_index(&mut self) -> ImportResult<Vec<BodyEntry>> {
        let mut rows =
            sqlx::query("SELECT id, content_class, content_id, body_type FROM body ORDER BY id")
                .fetch(&mut self.connection);
        let mut entries = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let class: Option<String> = row.try_get("content_class")?;
            let id: Option<String> = row.try_get("content_id")?;
            entries.push(BodyEntry {
                id: row.try_get("id")?,
                content: class.zip(id).map(|(class, id)| ObjectRef { class, id }),
                body_type: row.try_get("body_type")?,
            });
        }
        Ok(entries)
    }

    /// The text of body `id`.
    pub async fn body_text(&mut self, id: &str) -> ImportResult<Option<String>> {
        let row = sqlx::query("SELECT body FROM body WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut self.connection)
            .await?;
        Ok(row.map(|row| row.try_get("body")).transpose()?)
    }
}
