//! Statements assembled with their binds in step. Every value is pushed where its placeholder is
//! written, so nothing counts placeholders: a fragment that names the viewer three times binds the
//! viewer three times because it says `?` three times ([`Statement::push_each_bound_to`]), and an
//! `IN` list writes as many placeholders as it binds values ([`Statement::push_in_list`]).
//!
//! Only structure comes from code; every value is a bound parameter. The text uses `?` and is
//! numbered for PostgreSQL when it is run (`sql::owned_for_dialect`).

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Arguments};

use crate::db::Dialect;
use crate::sql::owned_for_dialect;

/// One value to bind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BindValue {
    Int(i64),
    Text(String),
    MaybeInt(Option<i64>),
    MaybeText(Option<String>),
}

impl From<i64> for BindValue {
    fn from(value: i64) -> BindValue {
        BindValue::Int(value)
    }
}

impl From<i16> for BindValue {
    fn from(value: i16) -> BindValue {
        BindValue::Int(i64::from(value))
    }
}

impl From<&str> for BindValue {
    fn from(value: &str) -> BindValue {
        BindValue::Text(value.to_string())
    }
}

impl From<String> for BindValue {
    fn from(value: String) -> BindValue {
        BindValue::Text(value)
    }
}

impl From<Option<i64>> for BindValue {
    fn from(value: Option<i64>) -> BindValue {
        BindValue::MaybeInt(value)
    }
}

impl From<Option<&str>> for BindValue {
    fn from(value: Option<&str>) -> BindValue {
        BindValue::MaybeText(value.map(str::to_string))
    }
}

/// A statement being written: its text and, in order, the values of its placeholders.
#[derive(Debug, Clone, Default)]
pub(crate) struct Statement {
    text: String,
    binds: Vec<BindValue>,
}

impl Statement {
    pub(crate) fn new(text: &str) -> Statement {
        debug_assert!(!text.contains('?'), "placeholders come with their values");
        Statement {
            text: text.to_string(),
            binds: Vec::new(),
        }
    }

    /// Appends SQL text that has no placeholder.
    pub(crate) fn push(&mut self, text: &str) -> &mut Statement {
        debug_assert!(!text.contains('?'), "placeholders come with their values");
        self.text.push_str(text);
        self
    }

    /// Appends one placeholder and its value.
    pub(crate) fn push_bind(&mut self, value: impl Into<BindValue>) -> &mut Statement {
        self.text.push('?');
        self.binds.push(value.into());
        self
    }

    /// Appends `text` followed by a placeholder for `value` (`" AND space_id = "`, id).
    pub(crate) fn push_compare(
        &mut self,
        text: &str,
        value: impl Into<BindValue>,
    ) -> &mut Statement {
        self.push(text).push_bind(value)
    }

    /// Appends a fragment whose every placeholder stands for the same `value` (the viewer of a
    /// visibility condition), binding it once per `?` written.
    pub(crate) fn push_each_bound_to(
        &mut self,
        fragment: &str,
        value: impl Into<BindValue>,
    ) -> &mut Statement {
        let value = value.into();
        for (index, piece) in fragment.split('?').enumerate() {
            if index > 0 {
                self.text.push('?');
                self.binds.push(value.clone());
            }
            self.text.push_str(piece);
        }
        self
    }

    /// Appends `(?, ?, …)` with one placeholder per value. An empty list becomes `(NULL)`, which
    /// matches nothing, as an empty `IN` should.
    pub(crate) fn push_in_list<V: Into<BindValue>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Statement {
        self.text.push('(');
        let mut first = true;
        for value in values {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.push_bind(value);
        }
        if first {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    /// The statement for `dialect`, with every value bound.
    pub(crate) fn query(&self, dialect: Dialect) -> Query<'static, Any, AnyArguments> {
        let mut arguments = AnyArguments::default();
        for value in &self.binds {
            // Adding a value to `Any` arguments only fails for types the driver cannot encode;
            // these four are the driver's own.
            let added = match value {
                BindValue::Int(value) => arguments.add(*value),
                BindValue::Text(value) => arguments.add(value.clone()),
                BindValue::MaybeInt(value) => arguments.add(*value),
                BindValue::MaybeText(value) => arguments.add(value.clone()),
            };
            debug_assert!(added.is_ok(), "bind value encodes");
        }
        sqlx::query_with(owned_for_dialect(dialect, self.text.clone()), arguments)
    }

    #[cfg(test)]
    fn parts(&self) -> (&str, &[BindValue]) {
        (&self.text, &self.binds)
    }
}

/// The largest `IN` list one statement binds; longer lists are read in chunks of this size.
pub(crate) const IN_LIST_CHUNK: usize = 500;

impl crate::Store {
    /// Runs `make(chunk)` for each chunk of `ids` and gathers the rows, so that a long list never
    /// becomes a statement with thousands of placeholders.
    pub(crate) async fn fetch_in_chunks<T>(
        &self,
        ids: &[T],
        make: impl Fn(&[T]) -> Statement,
    ) -> crate::StoreResult<Vec<sqlx::any::AnyRow>> {
        let mut rows = Vec::new();
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            rows.extend(
                make(chunk)
                    .query(self.dialect())
                    .fetch_all(self.pool())
                    .await?,
            );
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_comes_with_its_value() {
        let mut statement = Statement::new("SELECT id FROM content WHERE content_type = ");
        statement
            .push_bind("page")
            .push_compare(" AND space_id = ", 7_i64)
            .push(" AND ")
            .push_each_bound_to("(a = ? OR b = ?)", 42_i64)
            .push(" AND id IN ")
            .push_in_list([1_i64, 2, 3]);
        let (text, binds) = statement.parts();
        assert_eq!(
            text,
            "SELECT id FROM content WHERE content_type = ? AND space_id = ? AND (a = ? OR b = ?) AND id IN (?, ?, ?)"
        );
        assert_eq!(text.matches('?').count(), binds.len());
        assert_eq!(
            binds,
            [
                BindValue::Text("page".into()),
                BindValue::Int(7),
                BindValue::Int(42),
                BindValue::Int(42),
                BindValue::Int(1),
                BindValue::Int(2),
                BindValue::Int(3),
            ]
        );
    }

    #[test]
    fn an_empty_list_matches_nothing() {
        let mut statement = Statement::new("SELECT 1 WHERE id IN ");
        statement.push_in_list(Vec::<i64>::new());
        assert_eq!(statement.parts().0, "SELECT 1 WHERE id IN (NULL)");
        assert!(statement.parts().1.is_empty());
    }
}
