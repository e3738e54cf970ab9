//! Decoding rows into domain types. Column lists live beside their decoders so they stay in step;
//! they are macros so statements can be assembled with `concat!` and stay `&'static str`.

use cairn_core::{
    Content, ContentId, ContentStatus, ContentType, ContentVersion, Space, SpaceId, SpaceKey,
    SpaceStatus, SpaceType, User, UserId,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::error::StoreError;

macro_rules! content_columns {
    () => {
        "id, content_type, status, space_id, parent_id, position, title, body, version, creator_id, created_ms, last_modifier_id, last_modified_ms, version_message, minor_edit"
    };
}
pub(crate) use content_columns;

macro_rules! version_columns {
    () => {
        "content_id, number, title, body, author_id, created_ms, message, minor_edit"
    };
}
pub(crate) use version_columns;

macro_rules! space_columns {
    () => {
        "id, space_key, name, description, space_type, status, homepage_id, creator_id, created_ms"
    };
}
pub(crate) use space_columns;

macro_rules! user_columns {
    () => {
        "id, username, user_key, display_name, email, active, created_ms"
    };
}
pub(crate) use user_columns;

/// Column `column` of `row`, read as text and parsed into a domain value; text that is no such
/// value is a corrupt row, not a panic.
pub(crate) fn parsed<T>(
    row: &AnyRow,
    column: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| corrupt(column, &text))
}

fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(
        format!("unexpected value {value:?} in column {column}").into(),
    ))
}

pub(crate) fn flag(row: &AnyRow, column: &str) -> StoreResult<bool> {
    let value: i64 = row.try_get(column)?;
    Ok(value != 0)
}

pub(crate) fn content(row: &AnyRow) -> StoreResult<Content> {
    let type_text: String = row.try_get("content_type")?;
    let status_text: String = row.try_get("status")?;
    let version: i64 = row.try_get("version")?;
    Ok(Content {
        id: ContentId(row.try_get("id")?),
        content_type: ContentType::parse(&type_text)
            .ok_or_else(|| corrupt("content_type", &type_text))?,
        status: ContentStatus::parse(&status_text)
            .ok_or_else(|| corrupt("status", &status_text))?,
        space_id: SpaceId(row.try_get("space_id")?),
        parent_id: row.try_get::<Option<i64>, _>("parent_id")?.map(ContentId),
        position: row.try_get("position")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        version: i32::try_from(version).map_err(|_| corrupt("version", &version.to_string()))?,
        creator_id: UserId(row.try_get("creator_id")?),
        created_ms: row.try_get("created_ms")?,
        last_modifier_id: UserId(row.try_get("last_modifier_id")?),
        last_modified_ms: row.try_get("last_modified_ms")?,
        version_message: row.try_get("version_message")?,
        minor_edit: flag(row, "minor_edit")?,
    })
}

/// Every row as content.
pub(crate) fn contents(rows: &[AnyRow]) -> StoreResult<Vec<Content>> {
    rows.iter().map(content).collect()
}

pub(crate) fn content_version(row: &AnyRow) -> StoreResult<ContentVersion> {
    let number: i64 = row.try_get("number")?;
    Ok(ContentVersion {
        content_id: ContentId(row.try_get("content_id")?),
        number: i32::try_from(number).map_err(|_| corrupt("number", &number.to_string()))?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        author_id: UserId(row.try_get("author_id")?),
        created_ms: row.try_get("created_ms")?,
        message: row.try_get("message")?,
        minor_edit: flag(row, "minor_edit")?,
    })
}

pub(crate) fn space(row: &AnyRow) -> StoreResult<Space> {
    Ok(Space {
        id: SpaceId(row.try_get("id")?),
        key: SpaceKey::from_stored(row.try_get::<String, _>("space_key")?),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        space_type: parsed(row, "space_type", SpaceType::parse)?,
        status: parsed(row, "status", SpaceStatus::parse)?,
        homepage_id: row.try_get::<Option<i64>, _>("homepage_id")?.map(ContentId),
        creator_id: UserId(row.try_get("creator_id")?),
        created_ms: row.try_get("created_ms")?,
    })
}

pub(crate) fn user(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        username: row.try_get("username")?,
        user_key: row.try_get("user_key")?,
        display_name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        active: flag(row, "active")?,
        created_ms: row.try_get("created_ms")?,
    })
}
