//! The rows of a site backup: which tables a backup holds ([`BACKUP_TABLES`]), reading them from
//! one consistent snapshot of the database in primary-key order ([`Snapshot`]), and writing them
//! back in one transaction ([`Restoring`]). The archive around the rows is `cairn-app`'s.
//!
//! Columns and their kinds come from the database's own schema at run time, so a column added by a
//! migration is backed up without a change here; a table is backed up or skipped only when it is
//! listed below, and a table in the database that the list does not name stops a backup (and a
//! test), so nothing is left out silently.

use futures_util::{Stream, StreamExt};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Executor, Row};

use crate::db::Dialect;
use crate::ids::Sequence;
use crate::statement::Statement;
use crate::{Store, StoreError, StoreResult, Unjournaled, WriteTx};

/// What a backup does with a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TablePolicy {
    /// Every row is backed up and restored.
    Copy,
    /// Not backed up, for the reason given: state of the running cluster, not of the site.
    Skip(&'static str),
}

/// A table of the schema and how a backup treats it.
#[derive(Debug, Clone, Copy)]
pub struct BackupTable {
    pub name: &'static str,
    /// The primary key, in the order rows are read.
    pub key: &'static [&'static str],
    pub policy: TablePolicy,
    /// The migrations insert rows into it (default groups and grants, id allocators); a restore
    /// replaces them with the backup's.
    pub seeded_by_migrations: bool,
    /// The column naming the attachment a row belongs to, for the rows that go with an attachment
    /// when it is purged (an attachment whose bytes vanish during a backup is left out with them).
    pub attachment_column: Option<&'static str>,
    /// A column whose values the database generates (a sequence, AUTO_INCREMENT): after a restore
    /// the generator is moved past the restored values.
    pub generated_id: Option<&'static str>,
}

const fn copied(name: &'static str, key: &'static [&'static str]) -> BackupTable {
    BackupTable {
        name,
        key,
        policy: TablePolicy::Copy,
        seeded_by_migrations: false,
        attachment_column: None,
        generated_id: None,
    }
}

const fn seeded(table: BackupTable) -> BackupTable {
    BackupTable {
        seeded_by_migrations: true,
        ..table
    }
}

const fn with_attachment(table: BackupTable, column: &'static str) -> BackupTable {
    BackupTable {
        attachment_column: Some(column),
        ..table
    }
}

const fn skipped(
    name: &'static str,
    key: &'static [&'static str],
    why: &'static str,
) -> BackupTable {
    BackupTable {
        name,
        key,
        policy: TablePolicy::Skip(why),
        seeded_by_migrations: false,
        attachment_column: None,
        generated_id: None,
    }
}

/// Every table of the schema, in the order a restore inserts them (what rows name comes before
/// them; the schema has no foreign keys, so the order is for the reader).
pub const BACKUP_TABLES: &[BackupTable] = &[
    seeded(copied("id_block", &["name"])),
    copied("app_user", &["id"]),
    seeded(copied("user_group", &["id"])),
    copied("group_member", &["group_id", "user_id"]),
    copied("user_session", &["token_hash"]),
    copied("access_token", &["id"]),
    seeded(copied(
        "global_permission",
        &["permission", "subject_type", "subject_id"],
    )),
    copied("space", &["id"]),
    copied(
        "space_permission",
        &["space_id", "permission", "subject_type", "subject_id"],
    ),
    copied("content", &["id"]),
    copied("content_version", &["content_id", "number"]),
    copied("comment_meta", &["content_id"]),
    copied(
        "content_restriction",
        &["content_id", "operation", "subject_type", "subject_id"],
    ),
    copied("label", &["id"]),
    with_attachment(
        copied("content_label", &["content_id", "label_id"]),
        "content_id",
    ),
    with_attachment(copied("content_property", &["id"]), "content_id"),
    with_attachment(copied("attachment", &["id"]), "id"),
    with_attachment(
        copied("attachment_version", &["attachment_id", "number"]),
        "attachment_id",
    ),
    copied("page_draft", &["content_id", "user_id"]),
    copied("watch", &["user_id", "target_type", "target_key"]),
    copied("content_like", &["content_id", "user_id"]),
    copied("space_label", &["space_id", "label_id"]),
    copied("long_task", &["id"]),
    copied("site_setting", &["setting_key"]),
    BackupTable {
        generated_id: Some("id"),
        ..copied("audit_record", &["id"])
    },
    skipped(
        "cluster_node",
        &["node_id"],
        "the nodes of the cluster that was backed up, not of the one restored",
    ),
    skipped(
        "cluster_journal",
        &["id"],
        "change notices for running nodes; a restored site starts with an empty journal and its nodes build their search index from the rows",
    ),
    skipped(
        "cluster_lease",
        &["name"],
        "singleton-job leases held by the nodes of the cluster that was backed up",
    ),
];

/// The table named `name` in [`BACKUP_TABLES`].
pub fn backup_table(name: &str) -> Option<&'static BackupTable> {
    BACKUP_TABLES.iter().find(|table| table.name == name)
}

/// sqlx's own bookkeeping of applied migrations: recreated by the migrations, never backed up.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// How a column's values are kept in a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// BIGINT, INTEGER, SMALLINT (booleans and times included).
    Integer,
    /// VARCHAR, CHAR, TEXT.
    Text,
}

impl CellKind {
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Integer => "integer",
            CellKind::Text => "text",
        }
    }

    pub fn parse(name: &str) -> Option<CellKind> {
        match name {
            "integer" => Some(CellKind::Integer),
            "text" => Some(CellKind::Text),
            _ => None,
        }
    }

    /// The kind of a column declared as `declared` (any dialect's spelling), if backup knows it.
    fn of_declared_type(declared: &str) -> Option<CellKind> {
        let declared = declared.to_ascii_lowercase();
        if declared.contains("int") {
            Some(CellKind::Integer)
        } else if declared.contains("char") || declared.contains("text") {
            Some(CellKind::Text)
        } else {
            None
        }
    }
}

/// A column of a table as the database declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: CellKind,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cell {
    Null,
    Integer(i64),
    Text(String),
}

impl Cell {
    fn bind_value(&self, kind: CellKind) -> StoreResult<crate::statement::BindValue> {
        use crate::statement::BindValue;
        match (self, kind) {
            (Cell::Null, CellKind::Integer) => Ok(BindValue::MaybeInt(None)),
            (Cell::Null, CellKind::Text) => Ok(BindValue::MaybeText(None)),
            (Cell::Integer(value), CellKind::Integer) => Ok(BindValue::MaybeInt(Some(*value))),
            (Cell::Text(value), CellKind::Text) => Ok(BindValue::MaybeText(Some(value.clone()))),
            (cell, kind) => Err(StoreError::Invalid(cairn_core::ValidationError::new(
                format!(
                    "a {} value cannot go into a {} column",
                    cell_kind_name(cell),
                    kind.name()
                ),
            ))),
        }
    }
}

fn cell_kind_name(cell: &Cell) -> &'static str {
    match cell {
        Cell::Null => "null",
        Cell::Integer(_) => "integer",
        Cell::Text(_) => "text",
    }
}

fn schema_error(message: String) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(message))
}

/// Column and table names from the schema are written into statements: only plain identifiers.
fn checked_identifier(name: &str) -> StoreResult<&str> {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
    if plain {
        Ok(name)
    } else {
        Err(schema_error(format!(
            "the schema has a name backup does not write into statements: {name:?}"
        )))
    }
}

/// The tables of the database (sqlx's migration bookkeeping left out), sorted.
async fn list_tables(connection: &mut AnyConnection, dialect: Dialect) -> StoreResult<Vec<String>> {
    let statement = match dialect {
        Dialect::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        Dialect::Mysql => {
            "SELECT CAST(table_name AS CHAR) AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
        }
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
    };
    let rows = sqlx::query(statement).fetch_all(&mut *connection).await?;
    let mut tables = rows
        .iter()
        .map(|row| row.try_get::<String, _>("name"))
        .collect::<Result<Vec<_>, _>>()?;
    tables.retain(|table| table != MIGRATIONS_TABLE);
    tables.sort();
    Ok(tables)
}

/// The columns of `table` in their declared order.
async fn list_columns(
    connection: &mut AnyConnection,
    dialect: Dialect,
    table: &str,
) -> StoreResult<Vec<Column>> {
    let statement = match dialect {
        Dialect::Postgres => {
            "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS declared FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
        }
        Dialect::Mysql => {
            "SELECT CAST(column_name AS CHAR) AS name, CAST(data_type AS CHAR) AS declared FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position"
        }
        Dialect::Sqlite => "SELECT name, type AS declared FROM pragma_table_info(?) ORDER BY cid",
    };
    let rows = sqlx::query(crate::sql::for_dialect(dialect, statement))
        .bind(table)
        .fetch_all(&mut *connection)
        .await?;
    let mut columns = Vec::with_capacity(rows.len());
    for row in &rows {
        let name: String = row.try_get("name")?;
        let declared: String = row.try_get("declared")?;
        let kind = CellKind::of_declared_type(&declared).ok_or_else(|| {
            schema_error(format!(
                "column {table}.{name} has type {declared}, which backup does not know"
            ))
        })?;
        checked_identifier(&name)?;
        columns.push(Column { name, kind });
    }
    if columns.is_empty() {
        return Err(schema_error(format!("table {table} has no columns")));
    }
    Ok(columns)
}

impl Store {
    /// The tables of this database (without sqlx's migration bookkeeping), sorted.
    pub async fn database_tables(&self) -> StoreResult<Vec<String>> {
        let mut connection = self.pool().acquire().await?;
        list_tables(&mut connection, self.dialect()).await
    }

    /// The columns of `table` as this database declares them.
    pub async fn table_columns(&self, table: &str) -> StoreResult<Vec<Column>> {
        let mut connection = self.pool().acquire().await?;
        list_columns(&mut connection, self.dialect(), table).await
    }

    /// The first table a restore would not start from empty: one that holds rows although the
    /// migrations put none there. `None` for a database without Cairn's tables or with only
    /// what the migrations make.
    pub async fn first_table_with_site_content(&self) -> StoreResult<Option<(String, i64)>> {
        let existing = self.database_tables().await?;
        for table in BACKUP_TABLES {
            let checked = table.policy == TablePolicy::Copy && !table.seeded_by_migrations;
            if !checked || !existing.iter().any(|name| name == table.name) {
                continue;
            }
            let statement = format!("SELECT COUNT(*) AS found FROM {}", table.name);
            let row = sqlx::query(crate::sql::owned_for_dialect(self.dialect(), statement))
                .fetch_one(self.pool())
                .await?;
            let found: i64 = row.try_get("found")?;
            if found > 0 {
                return Ok(Some((table.name.to_string(), found)));
            }
        }
        Ok(None)
    }

    /// Opens a read-only view of the whole database as it is now; every read through it sees
    /// that moment, whatever commits meanwhile (PostgreSQL and MySQL: a REPEATABLE READ
    /// transaction; SQLite: a read transaction on the WAL). Writers are not blocked.
    pub async fn open_snapshot(&self) -> StoreResult<Snapshot> {
        let mut connection = self.pool().acquire().await?;
        // The connection never goes back to the pool: if the snapshot is dropped without
        // `close`, its transaction must not be handed to another task.
        connection.close_on_drop();
        match self.dialect() {
            Dialect::Postgres => {
                connection
                    .execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?;
            }
            Dialect::Mysql => {
                // Sessions run at READ COMMITTED (db.rs); this transaction alone needs one view.
                connection
                    .execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    .await?;
                connection
                    .execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                    .await?;
            }
            Dialect::Sqlite => {
                connection.execute("BEGIN DEFERRED").await?;
                // A deferred transaction takes its view at its first read: take it now.
                connection.execute("SELECT COUNT(*) FROM id_block").await?;
            }
        }
        Ok(Snapshot {
            connection,
            dialect: self.dialect(),
        })
    }

    /// Begins the transaction a restore writes every row in. It records no journal entry: a
    /// restore runs while no node does, and the restored site starts with an empty journal.
    pub async fn begin_restore(&self) -> StoreResult<Restoring> {
        Ok(Restoring {
            transaction: self.begin_write().await?,
            dialect: self.dialect(),
        })
    }
}

/// A version of an attachment as a snapshot has it, with where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotBlob {
    pub attachment_id: i64,
    pub number: i64,
    pub blob_key: String,
    /// The attachment's current version number; `None` when the attachment row is missing.
    pub current_version: Option<i64>,
}

/// One consistent view of the database (see [`Store::open_snapshot`]). Close it with
/// [`Snapshot::close`]; dropped, its connection is closed.
pub struct Snapshot {
    /// A connection in an open read transaction; closed, never pooled again, when dropped.
    connection: PoolConnection<Any>,
    dialect: Dialect,
}

impl Snapshot {
    /// The tables as the snapshot sees them.
    pub async fn tables(&mut self) -> StoreResult<Vec<String>> {
        list_tables(&mut self.connection, self.dialect).await
    }

    pub async fn columns(&mut self, table: &str) -> StoreResult<Vec<Column>> {
        list_columns(&mut self.connection, self.dialect, table).await
    }

    /// The migrations applied, as the snapshot sees them.
    pub async fn applied_migrations(&mut self) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .fetch_all(&mut *self.connection)
        .await?;
        rows.iter()
            .map(|row| row.try_get::<i64, _>("version").map_err(StoreError::from))
            .collect()
    }

    /// Up to `limit` rows of `table` (its `columns`, in that order) after the row whose key is
    /// `after` (from the first row when `None`), in primary-key order, as they arrive from the
    /// database: one row at a time in memory, however large the rows.
    pub fn rows_after<'a>(
        &'a mut self,
        table: &BackupTable,
        columns: &'a [Column],
        after: Option<&[Cell]>,
        limit: usize,
    ) -> StoreResult<impl Stream<Item = StoreResult<Vec<Cell>>> + Send + 'a> {
        let mut statement = Statement::new("SELECT ");
        for (index, column) in columns.iter().enumerate() {
            if index > 0 {
                statement.push(", ");
            }
            let name = checked_identifier(&column.name)?;
            // PostgreSQL's CHAR (bpchar) does not decode through sqlx's Any driver; TEXT does.
            if self.dialect == Dialect::Postgres && column.kind == CellKind::Text {
                statement.push(&format!("CAST({name} AS TEXT) AS {name}"));
            } else {
                statement.push(name);
            }
        }
        statement.push(" FROM ").push(table.name);
        if let Some(after) = after {
            push_after_key(&mut statement, table, columns, after)?;
        }
        statement
            .push(" ORDER BY ")
            .push(&table.key.join(", "))
            .push(&format!(" LIMIT {limit}"));
        let rows = statement.query(self.dialect).fetch(&mut *self.connection);
        Ok(rows.map(move |row| decode_cells(&row?, columns)))
    }

    /// Up to `limit` attachment versions after (`attachment_id`, `number`) `after`, in that
    /// order, with their blob keys and their attachment's current version.
    pub async fn attachment_blobs_after(
        &mut self,
        after: Option<(i64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<SnapshotBlob>> {
        let mut statement = Statement::new(
            "SELECT v.attachment_id, v.number, v.blob_key, a.version AS current_version FROM attachment_version v LEFT JOIN attachment a ON a.id = v.attachment_id",
        );
        if let Some((attachment_id, number)) = after {
            statement
                .push_compare(" WHERE v.attachment_id > ", attachment_id)
                .push_compare(" OR (v.attachment_id = ", attachment_id)
                .push_compare(" AND v.number > ", number)
                .push(")");
        }
        statement.push(&format!(
            " ORDER BY v.attachment_id, v.number LIMIT {limit}"
        ));
        let rows = statement
            .query(self.dialect)
            .fetch_all(&mut *self.connection)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(SnapshotBlob {
                    attachment_id: row.try_get("attachment_id")?,
                    number: row.try_get("number")?,
                    blob_key: row.try_get("blob_key")?,
                    current_version: row.try_get("current_version")?,
                })
            })
            .collect()
    }

    /// Ends the read transaction.
    pub async fn close(mut self) -> StoreResult<()> {
        self.connection.execute("ROLLBACK").await?;
        Ok(())
    }
}

/// The values of `row`, read by the kinds of `columns`.
fn decode_cells(row: &sqlx::any::AnyRow, columns: &[Column]) -> StoreResult<Vec<Cell>> {
    let mut values = Vec::with_capacity(columns.len());
    for (index, column) in columns.iter().enumerate() {
        let value = match column.kind {
            CellKind::Integer => row
                .try_get::<Option<i64>, _>(index)?
                .map_or(Cell::Null, Cell::Integer),
            CellKind::Text => row
                .try_get::<Option<String>, _>(index)?
                .map_or(Cell::Null, Cell::Text),
        };
        values.push(value);
    }
    Ok(values)
}

/// ` WHERE` the row's key comes after `after` in key order, written as a union of ranges
/// (`k1 > a OR (k1 = a AND k2 > b) …`), which every dialect's planner reads as index ranges.
fn push_after_key(
    statement: &mut Statement,
    table: &BackupTable,
    columns: &[Column],
    after: &[Cell],
) -> StoreResult<()> {
    if after.len() != table.key.len() {
        return Err(schema_error(format!(
            "a key of {} has {} columns, not {}",
            table.name,
            table.key.len(),
            after.len()
        )));
    }
    let kinds = table
        .key
        .iter()
        .map(|key| {
            columns
                .iter()
                .find(|column| column.name == *key)
                .map(|column| column.kind)
                .ok_or_else(|| {
                    schema_error(format!("table {} has no key column {key}", table.name))
                })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    statement.push(" WHERE ");
    for last in 0..table.key.len() {
        if last > 0 {
            statement.push(" OR ");
        }
        statement.push("(");
        for index in 0..=last {
            if index > 0 {
                statement.push(" AND ");
            }
            let operator = if index == last { " > " } else { " = " };
            statement
                .push(table.key[index])
                .push(operator)
                .push_bind(after[index].bind_value(kinds[index])?);
        }
        statement.push(")");
    }
    Ok(())
}

/// The transaction of a restore (see [`Store::begin_restore`]). Dropped, it rolls back.
pub struct Restoring {
    transaction: WriteTx,
    dialect: Dialect,
}

impl Restoring {
    /// Deletes every row of `table` (the migrations' seed rows before the backup's replace them,
    /// or everything with `--replace`).
    pub async fn clear(&mut self, table: &BackupTable) -> StoreResult<()> {
        let statement = format!("DELETE FROM {}", table.name);
        sqlx::query(crate::sql::owned_for_dialect(self.dialect, statement))
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Inserts `rows` (values of `columns`, in that order) into `table` with one statement.
    pub async fn insert(
        &mut self,
        table: &BackupTable,
        columns: &[Column],
        rows: &[Vec<Cell>],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut statement = Statement::new("INSERT INTO ");
        statement.push(table.name).push(" (");
        for (index, column) in columns.iter().enumerate() {
            if index > 0 {
                statement.push(", ");
            }
            statement.push(checked_identifier(&column.name)?);
        }
        statement.push(") VALUES ");
        for (row_index, row) in rows.iter().enumerate() {
            if row.len() != columns.len() {
                return Err(schema_error(format!(
                    "a row of {} has {} values for {} columns",
                    table.name,
                    row.len(),
                    columns.len()
                )));
            }
            if row_index > 0 {
                statement.push(", ");
            }
            statement.push("(");
            for (index, (cell, column)) in row.iter().zip(columns).enumerate() {
                if index > 0 {
                    statement.push(", ");
                }
                statement.push_bind(cell.bind_value(column.kind)?);
            }
            statement.push(")");
        }
        statement
            .query(self.dialect)
            .execute(&mut *self.transaction)
            .await?;
        Ok(())
    }

    /// Moves every id allocator (`id_block`) past the highest id restored under it, and every
    /// database-generated id past the highest restored value, so that new rows never reuse one.
    /// `existing` names the tables the database has (an older schema lacks later ones).
    pub async fn advance_id_generators(&mut self, existing: &[String]) -> StoreResult<()> {
        let exists = |table: &str| existing.iter().any(|name| name == table);
        for sequence in Sequence::ALL {
            let mut highest: Option<i64> = None;
            for (table, column) in sequence.tables() {
                if !exists(table) {
                    continue;
                }
                let statement = format!("SELECT MAX({column}) AS highest FROM {table}");
                let row = sqlx::query(crate::sql::owned_for_dialect(self.dialect, statement))
                    .fetch_one(&mut *self.transaction)
                    .await?;
                let found: Option<i64> = row.try_get("highest")?;
                highest = highest.max(found);
            }
            let Some(highest) = highest else {
                continue;
            };
            sqlx::query(crate::sql::for_dialect(
                self.dialect,
                "UPDATE id_block SET next_value = ? WHERE name = ? AND next_value <= ?",
            ))
            .bind(highest + 1)
            .bind(sequence.name())
            .bind(highest)
            .execute(&mut *self.transaction)
            .await?;
        }
        // SQLite (AUTOINCREMENT) and MySQL (AUTO_INCREMENT) move their counters past explicitly
        // inserted ids by themselves; PostgreSQL sequences do not.
        if self.dialect == Dialect::Postgres {
            for table in BACKUP_TABLES {
                let (TablePolicy::Copy, Some(column)) = (table.policy, table.generated_id) else {
                    continue;
                };
                if !exists(table.name) {
                    continue;
                }
                let statement = format!(
                    "SELECT setval(pg_get_serial_sequence('{name}', '{column}'), COALESCE(MAX({column}), 0) + 1, false) AS next FROM {name}",
                    name = table.name,
                );
                sqlx::query(crate::sql::owned_for_dialect(self.dialect, statement))
                    .execute(&mut *self.transaction)
                    .await?;
            }
        }
        Ok(())
    }

    /// Commits every row at once.
    pub async fn commit(self) -> StoreResult<()> {
        self.transaction
            .commit_unjournaled(Unjournaled::Restore)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_of_every_dialect_have_a_kind() {
        for declared in ["BIGINT", "bigint", "INTEGER", "int", "smallint", "SMALLINT"] {
            assert_eq!(
                CellKind::of_declared_type(declared),
                Some(CellKind::Integer)
            );
        }
        for declared in [
            "VARCHAR(64)",
            "character varying",
            "CHAR(64)",
            "character",
            "TEXT",
            "mediumtext",
        ] {
            assert_eq!(CellKind::of_declared_type(declared), Some(CellKind::Text));
        }
        assert_eq!(CellKind::of_declared_type("BLOB"), None);
        assert_eq!(CellKind::of_declared_type("double precision"), None);
    }

    #[test]
    fn only_plain_names_go_into_statements() {
        assert!(checked_identifier("space_key").is_ok());
        assert!(checked_identifier("a; DROP TABLE x").is_err());
        assert!(checked_identifier("Name").is_err());
        assert!(checked_identifier("").is_err());
    }

    #[test]
    fn every_table_is_listed_once_with_a_key() {
        let mut names: Vec<&str> = BACKUP_TABLES.iter().map(|table| table.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a table is listed twice");
        assert!(BACKUP_TABLES.iter().all(|table| !table.key.is_empty()));
    }

    #[test]
    fn rows_after_a_composite_key_are_a_union_of_ranges() {
        let table = backup_table("content_version").expect("listed");
        let columns = vec![
            Column {
                name: "content_id".into(),
                kind: CellKind::Integer,
            },
            Column {
                name: "number".into(),
                kind: CellKind::Integer,
            },
        ];
        let mut statement = Statement::new("SELECT 1 FROM content_version");
        push_after_key(
            &mut statement,
            table,
            &columns,
            &[Cell::Integer(7), Cell::Integer(2)],
        )
        .expect("key fits");
        let text = format!("{statement:?}");
        assert!(
            text.contains("WHERE (content_id > ?) OR (content_id = ? AND number > ?)"),
            "{text}"
        );
    }
}
