//! Evaluating a [`ContentQuery`] with SQL: the search that runs on the database until the search
//! index takes over. Text matching is substring matching on lower-cased title and body.

use std::collections::HashMap;

use cairn_core::{Comparison, Content, ContentId, ContentQuery, OrderField, Predicate, UserId};
use sqlx::Row;

use crate::permission::{VIEWABLE_BINDS, bind_viewer, viewable_content};
use crate::row::{self, content_columns};
use crate::sql::owned_for_dialect;
use crate::{Store, StoreResult};

/// Most pages an `ancestor = N` clause expands to.
const MAX_ANCESTOR_EXPANSION: i64 = 100_000;

#[derive(Debug, Clone)]
enum Bind {
    Int(i64),
    Text(String),
}

/// SQL for a predicate, with its parameters in order.
struct Filter {
    sql: String,
    binds: Vec<Bind>,
    /// Descendant ids of each `ancestor = N`, resolved before the SQL is built.
    descendants: HashMap<ContentId, Vec<ContentId>>,
}

/// `%term%` for LIKE with `!` as the escape character (the same on all three dialects).
/// A trailing `*` (prefix) or `~` (fuzzy) marker is dropped: substrings already match prefixes, and
/// SQL has no fuzzy matching.
fn like_pattern(term: &str) -> String {
    let term = term.strip_suffix(['*', '~']).unwrap_or(term);
    let mut pattern = String::from("%");
    for character in term.chars() {
        if matches!(character, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

impl Filter {
    fn placeholders(count: usize) -> String {
        vec!["?"; count.max(1)].join(", ")
    }

    fn texts(&mut self, values: &[String]) -> String {
        if values.is_empty() {
            self.binds.push(Bind::Text(String::new()));
        }
        self.binds.extend(values.iter().cloned().map(Bind::Text));
        Self::placeholders(values.len())
    }

    fn ints(&mut self, values: impl IntoIterator<Item = i64>) -> String {
        let before = self.binds.len();
        self.binds.extend(values.into_iter().map(Bind::Int));
        let count = self.binds.len() - before;
        if count == 0 {
            self.binds.push(Bind::Int(-1));
        }
        Self::placeholders(count)
    }

    fn build(&mut self, predicate: &Predicate) -> String {
        match predicate {
            Predicate::All => "1 = 1".to_string(),
            // Attachments are not content rows: on the database, `type = attachment` finds nothing.
            Predicate::Nothing | Predicate::IsAttachment | Predicate::IsSpace => {
                "1 = 0".to_string()
            }
            Predicate::And(parts) | Predicate::Or(parts) => {
                let joiner = if matches!(predicate, Predicate::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                if parts.is_empty() {
                    return if joiner == " AND " {
                        "1 = 1".into()
                    } else {
                        "1 = 0".into()
                    };
                }
                let built: Vec<String> = parts
                    .iter()
                    .map(|part| format!("({})", self.build(part)))
                    .collect();
                built.join(joiner)
            }
            Predicate::Not(inner) => format!("NOT ({})", self.build(inner)),
            Predicate::ContentTypeIn(types) => {
                let names: Vec<String> =
                    types.iter().map(|kind| kind.as_str().to_string()).collect();
                format!("content_type IN ({})", self.texts(&names))
            }
            Predicate::SpaceKeyIn(keys) => {
                let mut spellings: Vec<String> = keys.clone();
                spellings.extend(
                    keys.iter()
                        .filter(|key| !key.starts_with('~'))
                        .map(|key| key.to_ascii_uppercase()),
                );
                format!(
                    "space_id IN (SELECT id FROM space WHERE space_key IN ({}))",
                    self.texts(&spellings)
                )
            }
            Predicate::TitleEquals(title) => {
                self.binds.push(Bind::Text(title.trim().to_lowercase()));
                self.binds.push(Bind::Text(title.trim().to_string()));
                "(live_title = ? OR (live_title IS NULL AND title = ?))".to_string()
            }
            Predicate::TitleContains(terms) | Predicate::TextContains(terms) => {
                let with_body = matches!(predicate, Predicate::TextContains(_));
                let clauses: Vec<String> = terms
                    .iter()
                    .map(|term| {
                        let pattern = like_pattern(term);
                        self.binds.push(Bind::Text(pattern.clone()));
                        if with_body {
                            self.binds.push(Bind::Text(pattern));
                            "(COALESCE(live_title, LOWER(title)) LIKE ? ESCAPE '!' OR LOWER(body) LIKE ? ESCAPE '!')".to_string()
                        } else {
                            "COALESCE(live_title, LOWER(title)) LIKE ? ESCAPE '!'".to_string()
                        }
                    })
                    .collect();
                if clauses.is_empty() {
                    "1 = 1".to_string()
                } else {
                    clauses.join(" AND ")
                }
            }
            Predicate::LabelIn(labels) => format!(
                "id IN (SELECT cl.content_id FROM content_label cl JOIN label l ON l.id = cl.label_id WHERE l.name IN ({}))",
                self.texts(labels)
            ),
            Predicate::ParentIs(parent) => {
                self.binds.push(Bind::Int(parent.0));
                "(parent_id = ? AND content_type = 'page')".to_string()
            }
            Predicate::AncestorIs(ancestor) => {
                let below = self.descendants.get(ancestor).cloned().unwrap_or_default();
                format!("id IN ({})", self.ints(below.iter().map(|id| id.0)))
            }
            Predicate::IdIn(ids) => format!("id IN ({})", self.ints(ids.iter().map(|id| id.0))),
            Predicate::CreatorIn(usernames) => {
                format!(
                    "creator_id IN (SELECT id FROM app_user WHERE username IN ({}))",
                    self.texts(usernames)
                )
            }
            Predicate::ContributorIn(usernames) => format!(
                "id IN (SELECT v.content_id FROM content_version v JOIN app_user u ON u.id = v.author_id WHERE u.username IN ({}))",
                self.texts(usernames)
            ),
            Predicate::MentionIn(names) => {
                let clauses: Vec<String> = names
                    .iter()
                    .map(|name| {
                        let pattern = like_pattern(&format!("=\"{name}\""));
                        self.binds.push(Bind::Text(pattern));
                        "LOWER(body) LIKE ? ESCAPE '!'".to_string()
                    })
                    .collect();
                if clauses.is_empty() {
                    "1 = 0".to_string()
                } else {
                    format!("(body LIKE '%<ri:user %' AND ({}))", clauses.join(" OR "))
                }
            }
            Predicate::ContainerIs(container) => {
                self.binds.push(Bind::Int(container.0));
                "id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)".to_string()
            }
            Predicate::Created(comparison, at) | Predicate::LastModified(comparison, at) => {
                let column = if matches!(predicate, Predicate::Created(..)) {
                    "created_ms"
                } else {
                    "last_modified_ms"
                };
                self.binds.push(Bind::Int(*at));
                let operator = match comparison {
                    Comparison::Equal => "=",
                    Comparison::NotEqual => "<>",
                    Comparison::Greater => ">",
                    Comparison::GreaterOrEqual => ">=",
                    Comparison::Less => "<",
                    Comparison::LessOrEqual => "<=",
                };
                format!("{column} {operator} ?")
            }
        }
    }
}

fn ancestors_in(predicate: &Predicate, found: &mut Vec<ContentId>) {
    match predicate {
        Predicate::AncestorIs(id) => found.push(*id),
        Predicate::And(parts) | Predicate::Or(parts) => {
            parts.iter().for_each(|part| ancestors_in(part, found))
        }
        Predicate::Not(inner) => ancestors_in(inner, found),
        _ => {}
    }
}

fn order_clause(order: &[(OrderField, bool)]) -> String {
    if order.is_empty() {
        return "last_modified_ms DESC, id DESC".to_string();
    }
    let mut keys: Vec<String> = order
        .iter()
        .map(|(field, descending)| {
            let column = match field {
                OrderField::Title => "title",
                OrderField::Created => "created_ms",
                OrderField::LastModified => "last_modified_ms",
                OrderField::Id => "id",
            };
            format!("{column} {}", if *descending { "DESC" } else { "ASC" })
        })
        .collect();
    keys.push("id ASC".to_string());
    keys.join(", ")
}

impl Store {
    /// Current content matching `query`, in its order, and the total number of matches.
    pub async fn search_content(
        &self,
        viewer: UserId,
        query: &ContentQuery,
        start: i64,
        limit: i64,
    ) -> StoreResult<(Vec<Content>, i64)> {
        let mut ancestors = Vec::new();
        ancestors_in(&query.predicate, &mut ancestors);
        let mut descendants = HashMap::new();
        for ancestor in ancestors {
            let (below, _) = self
                .list_descendants(viewer, ancestor, 0, MAX_ANCESTOR_EXPANSION)
                .await?;
            descendants.insert(ancestor, below.into_iter().map(|page| page.id).collect());
        }
        let mut filter = Filter {
            sql: String::new(),
            binds: Vec::new(),
            descendants,
        };
        filter.sql = filter.build(&query.predicate);
        // Comments are as visible as the content they are on.
        let condition = format!(
            "status = 'current' AND ({}) AND {}",
            filter.sql,
            viewable_content!(
                "COALESCE((SELECT cm.container_id FROM comment_meta cm WHERE cm.content_id = content.id), content.id)",
                "content.space_id"
            )
        );

        let count_sql = format!("SELECT COUNT(*) AS matches FROM content WHERE {condition}");
        let mut count = sqlx::query(owned_for_dialect(self.dialect(), count_sql));
        for bind in &filter.binds {
            count = match bind {
                Bind::Int(value) => count.bind(*value),
                Bind::Text(value) => count.bind(value.clone()),
            };
        }
        count = bind_viewer(count, viewer, VIEWABLE_BINDS);
        let total: i64 = count.fetch_one(self.pool()).await?.try_get("matches")?;

        let select_sql = format!(
            "SELECT {} FROM content WHERE {condition} ORDER BY {} LIMIT ? OFFSET ?",
            content_columns!(),
            order_clause(&query.order)
        );
        let mut select = sqlx::query(owned_for_dialect(self.dialect(), select_sql));
        for bind in &filter.binds {
            select = match bind {
                Bind::Int(value) => select.bind(*value),
                Bind::Text(value) => select.bind(value.clone()),
            };
        }
        let rows = bind_viewer(select, viewer, VIEWABLE_BINDS)
            .bind(limit)
            .bind(start)
            .fetch_all(self.pool())
            .await?;
        let contents = row::contents(&rows)?;
        Ok((contents, total))
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("50%_off!"), "%50!%!_off!!%");
    }
}
