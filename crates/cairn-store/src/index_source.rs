//! What the search index is built from: current content with its labels, contributors, place in
//! the tree and space key, read in batches; and what a viewer may see, for query-time visibility.

use std::collections::{BTreeSet, HashMap};

use cairn_core::{ContentId, ContentType, SearchDocument, SearchKind, SpaceId, UserId};
use sqlx::Row;

use crate::permission::viewable_space;
use crate::sql::owned_for_dialect;
use crate::statement::Statement;
use crate::{Store, StoreResult};

/// A document for the index, with the storage-format body its text is still to be extracted from
/// (the store does not know the storage format).
#[derive(Debug, Clone)]
pub struct SearchSource {
    /// `text` is empty until the caller fills it from `body` or `file`.
    pub document: SearchDocument,
    /// Storage-format body (empty for attachments).
    pub body: String,
    /// An attachment's current file, whose text the caller may extract.
    pub file: Option<SourceFile>,
}

/// Where an attachment's current bytes are, and what they are.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub blob_key: String,
    pub media_type: String,
    pub size_bytes: i64,
}

/// What a viewer may see: every space (site administrators) or these, minus content under read
/// restrictions that shut them out (and everything below it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewerScope {
    pub all_spaces: bool,
    pub spaces: Vec<SpaceId>,
    pub hidden_roots: Vec<ContentId>,
}

/// Parents of content ids, remembered across batches while the whole index is rebuilt.
#[derive(Debug, Default)]
pub struct ParentMap {
    parents: HashMap<i64, Option<i64>>,
}

/// Most ids per `IN (…)` list.
const ID_CHUNK: usize = 500;

fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// The next `limit` content ids above `after` (whatever their status), then the current
    /// pages, blog posts and comments among them. Returns the sources and the last id looked at
    /// (`None` when there was nothing above `after`: the end).
    ///
    /// Ids only, on purpose, here and wherever content is read by id for the index: with a status
    /// condition in the statement SQLite chooses the status index and reads the whole table for
    /// every batch; by id alone every database walks the primary key, and status and type are
    /// checked on the rows.
    pub async fn search_sources_after(
        &self,
        after: ContentId,
        limit: i64,
        parents: &mut ParentMap,
    ) -> StoreResult<(Vec<SearchSource>, Option<ContentId>)> {
        let Some((ids, last)) = self.ids_after("content", after, limit).await? else {
            return Ok((Vec::new(), None));
        };
        let statement = format!(
            "SELECT {SOURCE_COLUMNS} FROM content WHERE id IN ({}) ORDER BY id",
            id_list(&ids)
        );
        let rows = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .fetch_all(self.pool())
            .await?;
        Ok((self.assemble_sources(rows, parents).await?, Some(last)))
    }

    /// The next `limit` ids of `table` above `after`, and the last of them; `None` at the end.
    async fn ids_after(
        &self,
        table: &'static str,
        after: ContentId,
        limit: i64,
    ) -> StoreResult<Option<(Vec<i64>, ContentId)>> {
        let statement = format!("SELECT id FROM {table} WHERE id > ? ORDER BY id LIMIT ?");
        let rows = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(after.0)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        let ids = rows
            .iter()
            .map(|row| row.try_get::<i64, _>("id"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids.last().map(|last| (ids.clone(), ContentId(*last))))
    }

    /// The sources of these ids that are current content; ids missing from the answer are gone
    /// (trashed, purged, drafts) and belong out of the index.
    pub async fn search_sources(&self, ids: &[ContentId]) -> StoreResult<Vec<SearchSource>> {
        let mut parents = ParentMap::default();
        let mut sources = Vec::with_capacity(ids.len());
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        for chunk in raw.chunks(ID_CHUNK) {
            let statement = format!(
                "SELECT {SOURCE_COLUMNS} FROM content WHERE id IN ({})",
                id_list(chunk)
            );
            let rows = sqlx::query(owned_for_dialect(self.dialect(), statement))
                .fetch_all(self.pool())
                .await?;
            sources.extend(self.assemble_sources(rows, &mut parents).await?);
        }
        Ok(sources)
    }

    async fn assemble_sources(
        &self,
        rows: Vec<sqlx::any::AnyRow>,
        parents: &mut ParentMap,
    ) -> StoreResult<Vec<SearchSource>> {
        let mut rows = rows;
        let mut indexable = Vec::with_capacity(rows.len());
        for row in &rows {
            let status: String = row.try_get("status")?;
            let kind: String = row.try_get("content_type")?;
            indexable.push(
                status == "current" && matches!(kind.as_str(), "page" | "blogpost" | "comment"),
            );
        }
        let mut keep = indexable.into_iter();
        rows.retain(|_| keep.next().unwrap_or(false));
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        struct Base {
            id: i64,
            kind: String,
            space_id: i64,
            parent_id: Option<i64>,
            title: String,
            body: String,
            creator_id: i64,
            created_ms: i64,
            modified_ms: i64,
        }
        let mut bases = Vec::with_capacity(rows.len());
        for row in &rows {
            bases.push(Base {
                id: row.try_get("id")?,
                kind: row.try_get("content_type")?,
                space_id: row.try_get("space_id")?,
                parent_id: row.try_get("parent_id")?,
                title: row.try_get("title")?,
                body: row.try_get("body")?,
                creator_id: row.try_get("creator_id")?,
                created_ms: row.try_get("created_ms")?,
                modified_ms: row.try_get("last_modified_ms")?,
            });
        }
        let ids: Vec<i64> = bases.iter().map(|base| base.id).collect();
        let listed = id_list(&ids);

        let space_keys = self
            .space_keys(bases.iter().map(|base| base.space_id))
            .await?;
        let mut labels = self.label_names(&listed).await?;
        let mut contributors = self
            .usernames_by_entity(format!(
                "SELECT DISTINCT v.content_id AS k, u.username AS v FROM content_version v JOIN app_user u ON u.id = v.author_id WHERE v.content_id IN ({listed})"
            ))
            .await?;
        let usernames = self
            .usernames(bases.iter().map(|base| base.creator_id))
            .await?;
        let containers: HashMap<i64, i64> = self
            .pairs(
                format!(
                    "SELECT content_id AS k, container_id AS v FROM comment_meta WHERE content_id IN ({listed})"
                ),
                |row| Ok((row.try_get("k")?, row.try_get("v")?)),
            )
            .await?
            .into_iter()
            .collect();
        // A comment on an attachment is hidden with the attachment's page: the page goes into
        // its lineage.
        let attachment_pages: HashMap<i64, i64> = self
            .pairs(
                format!(
                    "SELECT a.id AS k, a.container_id AS v FROM comment_meta m JOIN attachment a ON a.id = m.container_id WHERE m.content_id IN ({listed})"
                ),
                |row| Ok((row.try_get("k")?, row.try_get("v")?)),
            )
            .await?
            .into_iter()
            .collect();

        for base in &bases {
            parents.parents.insert(base.id, base.parent_id);
        }
        let mut wanted: Vec<i64> = bases
            .iter()
            .filter_map(|base| base.parent_id)
            .chain(containers.values().copied())
            .chain(attachment_pages.values().copied())
            .collect();
        self.load_parents(&mut wanted, parents).await?;

        let mut sources = Vec::with_capacity(bases.len());
        for base in bases {
            let Some(content_type) = ContentType::parse(&base.kind) else {
                continue;
            };
            let container = containers.get(&base.id).copied();
            let ancestors = match content_type {
                ContentType::Page => parents.chain_above(base.id),
                _ => Vec::new(),
            };
            let lineage = match container {
                Some(container) => {
                    let mut chain = vec![ContentId(container)];
                    match attachment_pages.get(&container) {
                        Some(page) => {
                            chain.push(ContentId(*page));
                            chain.extend(parents.chain_above(*page));
                        }
                        None => chain.extend(parents.chain_above(container)),
                    }
                    chain
                }
                None => ancestors.clone(),
            };
            let mut labels_of = labels.remove(&base.id).unwrap_or_default();
            labels_of.sort();
            sources.push(SearchSource {
                document: SearchDocument {
                    id: ContentId(base.id),
                    kind: SearchKind::Content(content_type),
                    space_id: SpaceId(base.space_id),
                    space_key: space_keys.get(&base.space_id).cloned().unwrap_or_default(),
                    title: base.title,
                    text: String::new(),
                    labels: labels_of,
                    parent_id: match content_type {
                        ContentType::Page => base.parent_id.map(ContentId),
                        _ => None,
                    },
                    ancestors,
                    container_id: container.map(ContentId),
                    lineage,
                    creator: usernames
                        .get(&base.creator_id)
                        .map(|name| name.to_lowercase())
                        .unwrap_or_default(),
                    contributors: contributors
                        .remove(&base.id)
                        .map(|names| names.into_iter().collect())
                        .unwrap_or_default(),
                    mentions: Vec::new(),
                    created_ms: base.created_ms,
                    last_modified_ms: base.modified_ms,
                },
                body: base.body,
                file: None,
            });
        }
        Ok(sources)
    }

    /// Loads the parents of `wanted` and of everything above them into `parents`.
    async fn load_parents(
        &self,
        wanted: &mut Vec<i64>,
        parents: &mut ParentMap,
    ) -> StoreResult<()> {
        // A tree deeper than this is a cycle or corruption; stop rather than loop.
        for _ in 0..256 {
            wanted.retain(|id| !parents.parents.contains_key(id));
            wanted.sort_unstable();
            wanted.dedup();
            if wanted.is_empty() {
                return Ok(());
            }
            let mut next = Vec::new();
            for chunk in wanted.chunks(ID_CHUNK) {
                let found = self
                    .pairs(
                        format!(
                            "SELECT id AS k, parent_id AS v FROM content WHERE id IN ({})",
                            id_list(chunk)
                        ),
                        |row| {
                            Ok((
                                row.try_get::<i64, _>("k")?,
                                row.try_get::<Option<i64>, _>("v")?,
                            ))
                        },
                    )
                    .await?;
                for (id, parent) in &found {
                    parents.parents.insert(*id, *parent);
                    if let Some(parent) = parent {
                        next.push(*parent);
                    }
                }
                // Ids that no longer exist have no parent.
                for id in chunk {
                    parents.parents.entry(*id).or_insert(None);
                }
            }
            *wanted = next;
        }
        Ok(())
    }

    async fn pairs<K, V>(
        &self,
        statement: String,
        read: impl Fn(&sqlx::any::AnyRow) -> StoreResult<(K, V)>,
    ) -> StoreResult<Vec<(K, V)>> {
        let rows = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(read).collect()
    }

    /// What `viewer` may see, for the search index's query-time filter.
    pub async fn viewer_scope(&self, viewer: UserId) -> StoreResult<ViewerScope> {
        let all_spaces = self.is_site_administrator(viewer).await?;
        let spaces = if all_spaces {
            Vec::new()
        } else {
            let mut statement = Statement::new("SELECT id FROM space WHERE ");
            statement.push_each_bound_to(viewable_space!("id"), viewer.0);
            let rows = statement
                .query(self.dialect())
                .fetch_all(self.pool())
                .await?;
            rows.iter()
                .map(|row| Ok(SpaceId(row.try_get("id")?)))
                .collect::<StoreResult<Vec<_>>>()?
        };
        let mut statement = Statement::new(
            "SELECT r.content_id AS id FROM content_restriction r WHERE r.operation = 'read' GROUP BY r.content_id HAVING COUNT(CASE WHEN ",
        );
        statement
            .push_each_bound_to(crate::permission::names_viewer!("r"), viewer.0)
            .push(" THEN 1 END) = 0");
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        let hidden_roots = rows
            .iter()
            .map(|row| Ok(ContentId(row.try_get("id")?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(ViewerScope {
            all_spaces,
            spaces,
            hidden_roots,
        })
    }
}

impl ParentMap {
    /// Pages above `id`, nearest first (as far as loaded).
    fn chain_above(&self, id: i64) -> Vec<ContentId> {
        let mut chain = Vec::new();
        let mut current = id;
        while let Some(Some(parent)) = self.parents.get(&current) {
            if chain.len() > 256 || chain.contains(&ContentId(*parent)) {
                break;
            }
            chain.push(ContentId(*parent));
            current = *parent;
        }
        chain
    }
}

const SOURCE_COLUMNS: &str = "id, content_type, status, space_id, parent_id, title, body, creator_id, created_ms, last_modified_ms";

impl Store {
    /// Current content with these ids, in the order given; ids that are not current content are
    /// left out.
    pub async fn current_contents(
        &self,
        ids: &[ContentId],
    ) -> StoreResult<Vec<cairn_core::Content>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let mut found: HashMap<ContentId, cairn_core::Content> = HashMap::new();
        for chunk in raw.chunks(ID_CHUNK) {
            let statement = format!(
                "SELECT {} FROM content WHERE id IN ({})",
                crate::row::content_columns!(),
                id_list(chunk)
            );
            let rows = sqlx::query(owned_for_dialect(self.dialect(), statement))
                .fetch_all(self.pool())
                .await?;
            // Status is checked here, not in the statement (see `search_sources_after`).
            for content in crate::row::contents(&rows)? {
                if content.status == cairn_core::ContentStatus::Current {
                    found.insert(content.id, content);
                }
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}

impl Store {
    /// The lowest id left in the journal (`None` when it is empty): an index at position `p` can
    /// be brought current by replay only if nothing above `p` was pruned.
    pub async fn journal_oldest(&self) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT MIN(id) AS lowest FROM cluster_journal")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("lowest")?)
    }
}

impl Store {
    /// How many documents a full index holds (current pages, blog posts, comments, and
    /// attachments of current content).
    pub async fn count_search_sources(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS documents FROM content WHERE status = 'current' AND content_type IN ('page', 'blogpost', 'comment')")
            .fetch_one(self.pool())
            .await?;
        let content: i64 = row.try_get("documents")?;
        let row = sqlx::query("SELECT COUNT(*) AS documents FROM attachment a JOIN content c ON c.id = a.container_id AND c.status = 'current' WHERE a.status = 'current'")
            .fetch_one(self.pool())
            .await?;
        let attachments: i64 = row.try_get("documents")?;
        Ok(content + attachments)
    }
}

/// Attachments with their container's status and their current version's bytes; callers add
/// `AND a.id IN (…)` and keep only current attachments of current content (checked on the rows,
/// see `search_sources_after`).
const ATTACHMENT_SOURCE_SELECT: &str = "SELECT a.id, a.container_id, a.space_id, a.title, a.media_type, a.size_bytes, a.creator_id, a.created_ms, a.last_modified_ms, a.status AS attachment_status, c.status AS container_status, v.blob_key FROM attachment a JOIN content c ON c.id = a.container_id JOIN attachment_version v ON v.attachment_id = a.id AND v.number = a.version WHERE 1 = 1";

impl Store {
    /// As [`Store::search_sources_after`] for attachments: the next `limit` attachment ids above
    /// `after`, then the current attachments of current content among them.
    pub async fn search_attachment_sources_after(
        &self,
        after: ContentId,
        limit: i64,
        parents: &mut ParentMap,
    ) -> StoreResult<(Vec<SearchSource>, Option<ContentId>)> {
        let Some((ids, last)) = self.ids_after("attachment", after, limit).await? else {
            return Ok((Vec::new(), None));
        };
        let statement = format!(
            "{ATTACHMENT_SOURCE_SELECT} AND a.id IN ({}) ORDER BY a.id",
            id_list(&ids)
        );
        let rows = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .fetch_all(self.pool())
            .await?;
        Ok((
            self.assemble_attachment_sources(rows, parents).await?,
            Some(last),
        ))
    }

    /// The sources of these ids that are current attachments of current content.
    pub async fn search_attachment_sources(
        &self,
        ids: &[ContentId],
    ) -> StoreResult<Vec<SearchSource>> {
        let mut parents = ParentMap::default();
        let mut sources = Vec::new();
        let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
        for chunk in raw.chunks(ID_CHUNK) {
            let statement = format!(
                "{ATTACHMENT_SOURCE_SELECT} AND a.id IN ({})",
                id_list(chunk)
            );
            let rows = sqlx::query(owned_for_dialect(self.dialect(), statement))
                .fetch_all(self.pool())
                .await?;
            sources.extend(self.assemble_attachment_sources(rows, &mut parents).await?);
        }
        Ok(sources)
    }

    async fn assemble_attachment_sources(
        &self,
        rows: Vec<sqlx::any::AnyRow>,
        parents: &mut ParentMap,
    ) -> StoreResult<Vec<SearchSource>> {
        let mut sources = Vec::with_capacity(rows.len());
        let mut creators = Vec::with_capacity(rows.len());
        for row in &rows {
            let attachment_status: String = row.try_get("attachment_status")?;
            let container_status: String = row.try_get("container_status")?;
            if attachment_status != "current" || container_status != "current" {
                continue;
            }
            let container = ContentId(row.try_get("container_id")?);
            creators.push(row.try_get::<i64, _>("creator_id")?);
            sources.push(SearchSource {
                document: SearchDocument {
                    id: ContentId(row.try_get("id")?),
                    kind: SearchKind::Attachment,
                    space_id: SpaceId(row.try_get("space_id")?),
                    space_key: String::new(),
                    title: row.try_get("title")?,
                    text: String::new(),
                    labels: Vec::new(),
                    parent_id: None,
                    ancestors: Vec::new(),
                    container_id: Some(container),
                    lineage: vec![container],
                    creator: String::new(),
                    contributors: Vec::new(),
                    mentions: Vec::new(),
                    created_ms: row.try_get("created_ms")?,
                    last_modified_ms: row.try_get("last_modified_ms")?,
                },
                body: String::new(),
                file: Some(SourceFile {
                    blob_key: row.try_get("blob_key")?,
                    media_type: row.try_get("media_type")?,
                    size_bytes: row.try_get("size_bytes")?,
                }),
            });
        }
        if sources.is_empty() {
            return Ok(sources);
        }
        let ids: Vec<i64> = sources.iter().map(|source| source.document.id.0).collect();
        let listed = id_list(&ids);
        let space_keys = self
            .space_keys(sources.iter().map(|source| source.document.space_id.0))
            .await?;
        let mut labels = self.label_names(&listed).await?;
        let mut contributors = self
            .usernames_by_entity(format!(
                "SELECT DISTINCT v.attachment_id AS k, u.username AS v FROM attachment_version v JOIN app_user u ON u.id = v.author_id WHERE v.attachment_id IN ({listed})"
            ))
            .await?;
        let usernames = self.usernames(creators.iter().copied()).await?;
        let mut containers: Vec<i64> = sources
            .iter()
            .filter_map(|source| source.document.container_id.map(|id| id.0))
            .collect();
        self.load_parents(&mut containers, parents).await?;
        for (source, creator) in sources.iter_mut().zip(creators) {
            let document = &mut source.document;
            document.space_key = space_keys
                .get(&document.space_id.0)
                .cloned()
                .unwrap_or_default();
            let mut found = labels.remove(&document.id.0).unwrap_or_default();
            found.sort();
            document.labels = found;
            document.contributors = contributors
                .remove(&document.id.0)
                .map(|names| names.into_iter().collect())
                .unwrap_or_default();
            document.creator = usernames
                .get(&creator)
                .map(|name| name.to_lowercase())
                .unwrap_or_default();
            if let Some(container) = document.container_id {
                document.lineage.extend(parents.chain_above(container.0));
            }
        }
        Ok(sources)
    }

    /// Space keys by space id.
    async fn space_keys(
        &self,
        spaces: impl IntoIterator<Item = i64>,
    ) -> StoreResult<HashMap<i64, String>> {
        let spaces: BTreeSet<i64> = spaces.into_iter().collect();
        if spaces.is_empty() {
            return Ok(HashMap::new());
        }
        let statement = format!(
            "SELECT id AS k, space_key AS v FROM space WHERE id IN ({})",
            id_list(&spaces.into_iter().collect::<Vec<_>>())
        );
        Ok(self
            .pairs(statement, |row| Ok((row.try_get("k")?, row.try_get("v")?)))
            .await?
            .into_iter()
            .collect())
    }

    /// Label names by content or attachment id, for the ids in `listed` (an `IN` list).
    async fn label_names(&self, listed: &str) -> StoreResult<HashMap<i64, Vec<String>>> {
        let mut labels: HashMap<i64, Vec<String>> = HashMap::new();
        let statement = format!(
            "SELECT cl.content_id AS k, l.name AS v FROM content_label cl JOIN label l ON l.id = cl.label_id WHERE cl.content_id IN ({listed})"
        );
        for (id, name) in self
            .pairs(statement, |row| {
                Ok((row.try_get::<i64, _>("k")?, row.try_get::<String, _>("v")?))
            })
            .await?
        {
            labels.entry(id).or_default().push(name);
        }
        Ok(labels)
    }

    /// Lower-case usernames by entity, from a statement answering `k` (entity id) and `v`
    /// (username).
    async fn usernames_by_entity(
        &self,
        statement: String,
    ) -> StoreResult<HashMap<i64, BTreeSet<String>>> {
        let mut found: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for (id, name) in self
            .pairs(statement, |row| {
                Ok((row.try_get::<i64, _>("k")?, row.try_get::<String, _>("v")?))
            })
            .await?
        {
            found.entry(id).or_default().insert(name.to_lowercase());
        }
        Ok(found)
    }

    /// Usernames by user id.
    async fn usernames(
        &self,
        users: impl IntoIterator<Item = i64>,
    ) -> StoreResult<HashMap<i64, String>> {
        let users: BTreeSet<i64> = users.into_iter().collect();
        if users.is_empty() {
            return Ok(HashMap::new());
        }
        let statement = format!(
            "SELECT id AS k, username AS v FROM app_user WHERE id IN ({})",
            id_list(&users.into_iter().collect::<Vec<_>>())
        );
        Ok(self
            .pairs(statement, |row| Ok((row.try_get("k")?, row.try_get("v")?)))
            .await?
            .into_iter()
            .collect())
    }

    /// Current attachments of current content with these ids, in the order given.
    pub async fn current_attachments(
        &self,
        ids: &[ContentId],
    ) -> StoreResult<Vec<cairn_core::Attachment>> {
        let mut found = Vec::new();
        for id in ids {
            if let Some(attachment) = self.find_attachment(*id).await?
                && attachment.status == cairn_core::ContentStatus::Current
            {
                found.push(attachment);
            }
        }
        Ok(found)
    }
}

impl Store {
    /// Search sources of these spaces (every space when `None`): name as title, description as
    /// text.
    pub async fn search_space_sources(
        &self,
        ids: Option<&[SpaceId]>,
    ) -> StoreResult<Vec<SearchSource>> {
        let filter = match ids {
            Some([]) => return Ok(Vec::new()),
            Some(ids) => format!(
                " WHERE s.id IN ({})",
                id_list(&ids.iter().map(|id| id.0).collect::<Vec<_>>())
            ),
            None => String::new(),
        };
        let statement = format!(
            "SELECT s.id, s.space_key, s.name, s.description, s.created_ms, u.username FROM space s LEFT JOIN app_user u ON u.id = s.creator_id{filter} ORDER BY s.id"
        );
        let rows = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let space = SpaceId(row.try_get("id")?);
                let creator: Option<String> = row.try_get("username")?;
                let created_ms: i64 = row.try_get("created_ms")?;
                Ok(SearchSource {
                    document: SearchDocument {
                        id: SearchDocument::space_document_id(space),
                        kind: SearchKind::Space,
                        space_id: space,
                        space_key: row.try_get("space_key")?,
                        title: row.try_get("name")?,
                        text: row.try_get("description")?,
                        labels: Vec::new(),
                        parent_id: None,
                        ancestors: Vec::new(),
                        container_id: None,
                        lineage: Vec::new(),
                        creator: creator.unwrap_or_default().to_lowercase(),
                        contributors: Vec::new(),
                        mentions: Vec::new(),
                        created_ms,
                        last_modified_ms: created_ms,
                    },
                    body: String::new(),
                    file: None,
                })
            })
            .collect()
    }
}
