//! Statement text for the three dialects. Statements are written once with `?` placeholders; PostgreSQL
//! wants `$1, $2, …`, so they are rewritten for it. Statement text in this crate is static and never
//! contains a `?` inside a string literal, which keeps the rewrite a plain scan.

use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

use crate::db::Dialect;

/// Returns `statement` with placeholders in the form `dialect` expects.
pub(crate) fn for_dialect(dialect: Dialect, statement: &'static str) -> SqlStr {
    match dialect {
        Dialect::Postgres => AssertSqlSafe(numbered_placeholders(statement)).into_sql_str(),
        Dialect::Sqlite | Dialect::Mysql => statement.into_sql_str(),
    }
}

/// Statement text assembled at run time (search filters). Only the structure comes from code; every
/// value is a bound parameter.
pub(crate) fn owned_for_dialect(dialect: Dialect, statement: String) -> SqlStr {
    match dialect {
        Dialect::Postgres => AssertSqlSafe(numbered_placeholders(&statement)).into_sql_str(),
        Dialect::Sqlite | Dialect::Mysql => AssertSqlSafe(statement).into_sql_str(),
    }
}

/// SQL for the database's current time in epoch milliseconds. Cluster times (heartbeats, lease
/// expiry, journal entries) use it, so every node compares ages on one clock.
pub(crate) fn now_ms_expression(dialect: Dialect) -> &'static str {
    match dialect {
        // clock_timestamp, not now(): now() is frozen at the start of the transaction.
        Dialect::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        Dialect::Mysql => "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)",
        Dialect::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
    }
}

fn numbered_placeholders(statement: &str) -> String {
    let mut rewritten = String::with_capacity(statement.len() + 16);
    let mut number = 0;
    for character in statement.chars() {
        if character == '?' {
            number += 1;
            rewritten.push('$');
            rewritten.push_str(&number.to_string());
        } else {
            rewritten.push(character);
        }
    }
    rewritten
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered_in_order() {
        assert_eq!(
            numbered_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
        assert_eq!(numbered_placeholders("SELECT 1"), "SELECT 1");
    }
}
