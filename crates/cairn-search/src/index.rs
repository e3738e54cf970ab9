//! The per-node search index: a tantivy index of current pages, blog posts and comments, evaluated
//! against a [`ContentQuery`] with the viewer's [`Visibility`] applied at query time.
//!
//! The index lives in a directory of its own (never shared between nodes). Each commit carries the
//! cluster journal position it includes, so a node that reopens or restores an index knows where to
//! replay the journal from. Writes are serialised by one writer behind a mutex; searches run on
//! a reader that is reloaded after every commit. Every method blocks (file IO, merges): async
//! callers run them on `spawn_blocking`.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs;
use std::io;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cairn_core::{
    Comparison, ContentId, ContentQuery, ContentType, OrderField, Predicate, SearchDocument,
    SpaceId,
};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, TokenStream,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

/// Name of the English analyzer: words, lower case, Porter stemming.
const ENGLISH: &str = "cairn_english";
/// Memory the writer may buffer before it flushes a segment.
const WRITER_MEMORY_BYTES: usize = 24_000_000;
/// Longest excerpt, in characters.
const EXCERPT_CHARS: usize = 240;
/// Title matches weigh this much more than body matches.
const TITLE_BOOST: f32 = 3.0;
/// Marks around highlighted words, as Confluence sends them.
pub const HIGHLIGHT_START: &str = "@@@hl@@@";
pub const HIGHLIGHT_END: &str = "@@@endhl@@@";

/// What went wrong in the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index file: {0}")]
    Io(#[from] io::Error),
    #[error("search index snapshot is not valid: {0}")]
    BadSnapshot(String),
    #[error("search index writer lock poisoned")]
    Poisoned,
}

/// What a viewer may see, decided outside the index (from space permissions and read
/// restrictions) and applied to every query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visibility {
    /// Site administrators see every space; everyone else only `spaces`.
    pub all_spaces: bool,
    /// Spaces the viewer may view.
    pub spaces: Vec<SpaceId>,
    /// Content whose read restrictions shut the viewer out: hidden with everything below it.
    pub hidden_roots: Vec<ContentId>,
}

/// One match.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: ContentId,
    pub score: f32,
    /// Body text around the matched words, with the words between [`HIGHLIGHT_START`] and
    /// [`HIGHLIGHT_END`]; the start of the body when nothing was searched for.
    pub excerpt: String,
}

/// A page of matches and how many there are in all.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    pub total: usize,
}

/// The fields of the schema.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    space_id: Field,
    space_key: Field,
    title: Field,
    title_exact: Field,
    text: Field,
    label: Field,
    parent: Field,
    ancestor: Field,
    container: Field,
    lineage: Field,
    creator: Field,
    contributor: Field,
    mention: Field,
    created: Field,
    modified: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let english = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ENGLISH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: builder.add_u64_field("id", INDEXED | FAST | STORED),
        kind: builder.add_text_field("kind", STRING),
        space_id: builder.add_u64_field("space_id", INDEXED),
        space_key: builder.add_text_field("space_key", STRING),
        title: builder.add_text_field("title", english.clone()),
        title_exact: builder.add_text_field("title_exact", STRING | FAST),
        text: builder.add_text_field("text", english),
        label: builder.add_text_field("label", STRING),
        parent: builder.add_u64_field("parent", INDEXED),
        ancestor: builder.add_u64_field("ancestor", INDEXED),
        container: builder.add_u64_field("container", INDEXED),
        lineage: builder.add_u64_field("lineage", INDEXED),
        creator: builder.add_text_field("creator", STRING),
        contributor: builder.add_text_field("contributor", STRING),
        mention: builder.add_text_field("mention", STRING),
        created: builder.add_i64_field("created", INDEXED | FAST),
        modified: builder.add_i64_field("modified", INDEXED | FAST),
    };
    (builder.build(), fields)
}

fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

fn as_u64(id: i64) -> u64 {
    u64::try_from(id).unwrap_or(0)
}

/// The search index of one node.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    /// Reloaded after every commit, so searches see what was committed.
    reader: IndexReader,
    /// The one writer. Std mutex: held for the duration of a blocking write or commit, never across
    /// an `.await` (callers are on blocking threads).
    writer: Mutex<IndexWriter>,
    directory: PathBuf,
}

impl SearchIndex {
    /// Opens the index in `directory`, creating an empty one if there is none (or the one there was
    /// written with another schema, in which case it is emptied: the journal position is then 0 and
    /// the caller rebuilds).
    pub fn open(directory: &Path) -> Result<SearchIndex, IndexError> {
        fs::create_dir_all(directory)?;
        let (schema, fields) = schema();
        let index = match Index::open_in_dir(directory) {
            Ok(existing) if existing.schema() == schema => existing,
            Ok(_) | Err(tantivy::TantivyError::OpenDirectoryError(_)) => {
                Self::empty_directory(directory)?;
                Index::create_in_dir(directory, schema)?
            }
            Err(_) => {
                Self::empty_directory(directory)?;
                Index::create_in_dir(directory, schema)?
            }
        };
        index.tokenizers().register(ENGLISH, english_analyzer());
        let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            fields,
            reader,
            writer: Mutex::new(writer),
            directory: directory.to_path_buf(),
        })
    }

    fn empty_directory(directory: &Path) -> Result<(), IndexError> {
        for entry in fs::read_dir(directory)? {
            let path = entry?.path();
            if path.is_file() {
                fs::remove_file(path)?;
            }
        }
        Ok(())
    }

    /// The journal position the last commit includes (0 for a new index).
    pub fn committed_position(&self) -> Result<i64, IndexError> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|payload| payload.parse().ok())
            .unwrap_or(0))
    }

    /// Documents in the last commit.
    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn lock_writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, IndexError> {
        self.writer.lock().map_err(|_| IndexError::Poisoned)
    }

    fn to_document(&self, document: &SearchDocument) -> TantivyDocument {
        let fields = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(fields.id, as_u64(document.id.0));
        doc.add_text(fields.kind, document.kind.as_str());
        doc.add_u64(fields.space_id, as_u64(document.space_id.0));
        doc.add_text(fields.space_key, document.space_key.to_lowercase());
        doc.add_text(fields.title, &document.title);
        doc.add_text(fields.title_exact, document.title.trim().to_lowercase());
        doc.add_text(fields.text, &document.text);
        for label in &document.labels {
            doc.add_text(fields.label, label.to_lowercase());
        }
        if let Some(parent) = document.parent_id {
            doc.add_u64(fields.parent, as_u64(parent.0));
        }
        for ancestor in &document.ancestors {
            doc.add_u64(fields.ancestor, as_u64(ancestor.0));
        }
        if let Some(container) = document.container_id {
            doc.add_u64(fields.container, as_u64(container.0));
        }
        for above in &document.lineage {
            doc.add_u64(fields.lineage, as_u64(above.0));
        }
        doc.add_text(fields.creator, document.creator.to_lowercase());
        for contributor in &document.contributors {
            doc.add_text(fields.contributor, contributor.to_lowercase());
        }
        for mentioned in &document.mentions {
            doc.add_text(fields.mention, mentioned.to_lowercase());
        }
        doc.add_i64(fields.created, document.created_ms);
        doc.add_i64(fields.modified, document.last_modified_ms);
        doc
    }

    /// Replaces (or adds) these documents and removes `removed`; visible after [`Self::commit`].
    pub fn write(
        &self,
        documents: &[SearchDocument],
        removed: &[ContentId],
    ) -> Result<(), IndexError> {
        let writer = self.lock_writer()?;
        for id in removed {
            writer.delete_term(Term::from_field_u64(self.fields.id, as_u64(id.0)));
        }
        for document in documents {
            writer.delete_term(Term::from_field_u64(self.fields.id, as_u64(document.id.0)));
            writer.add_document(self.to_document(document))?;
        }
        Ok(())
    }

    /// Removes every document of a space.
    pub fn remove_space(&self, space: SpaceId) -> Result<(), IndexError> {
        let writer = self.lock_writer()?;
        writer.delete_term(Term::from_field_u64(self.fields.space_id, as_u64(space.0)));
        Ok(())
    }

    /// Removes every document.
    pub fn clear(&self) -> Result<(), IndexError> {
        let writer = self.lock_writer()?;
        writer.delete_all_documents()?;
        Ok(())
    }

    /// Makes every write so far durable and searchable, recording `position` as the journal
    /// position it includes.
    pub fn commit(&self, position: i64) -> Result<(), IndexError> {
        {
            let mut writer = self.lock_writer()?;
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&position.to_string());
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Ids of indexed documents whose lineage includes `id` (pages below it, comments on it and on
    /// the pages below it).
    pub fn ids_below(&self, id: ContentId) -> Result<Vec<ContentId>, IndexError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_u64(self.fields.lineage, as_u64(id.0)),
            IndexRecordOption::Basic,
        );
        let addresses = searcher.search(&query, &DocSetCollector)?;
        addresses
            .into_iter()
            .map(|address| self.id_of(&searcher, address))
            .collect()
    }

    fn id_of(&self, searcher: &Searcher, address: DocAddress) -> Result<ContentId, IndexError> {
        let column = searcher
            .segment_reader(address.segment_ord)
            .fast_fields()
            .u64("id")?;
        let id = column.first(address.doc_id).unwrap_or(0);
        Ok(ContentId(i64::try_from(id).unwrap_or(0)))
    }

    /// Matches of `query` the viewer may see, ordered by the query's order (by relevance when it
    /// searches text and names no order, else by last modification, newest first), from `start`.
    pub fn search(
        &self,
        query: &ContentQuery,
        visibility: &Visibility,
        start: usize,
        limit: usize,
    ) -> Result<SearchPage, IndexError> {
        let searcher = self.reader.searcher();
        let matching = self.to_query(&query.predicate);
        let mut visible = self.visible(matching.box_clone(), visibility);
        if !asks_for_spaces(&query.predicate) {
            visible = BooleanQuery::new(vec![
                (Occur::Must, Box::new(visible) as Box<dyn Query>),
                (
                    Occur::MustNot,
                    self.term_set(
                        self.fields.kind,
                        [cairn_core::SearchKind::Space.as_str().to_string()],
                    ),
                ),
            ]);
        }
        let by_relevance = query.order.is_empty() && has_text(&query.predicate);
        let (addresses, total): (Vec<(f32, DocAddress)>, usize) = if by_relevance {
            searcher.search(
                &visible,
                &(
                    TopDocs::with_limit(limit.max(1))
                        .and_offset(start)
                        .order_by_score(),
                    Count,
                ),
            )?
        } else {
            let all = searcher.search(&visible, &DocSetCollector)?;
            let total = all.len();
            let sorted = self.sorted(&searcher, all, &query.order)?;
            let page = sorted
                .into_iter()
                .skip(start)
                .take(limit)
                .map(|address| (0.0, address))
                .collect();
            (page, total)
        };
        let addresses: Vec<(f32, DocAddress)> = addresses.into_iter().take(limit).collect();
        let mut snippets = SnippetGenerator::create(&searcher, &*matching, self.fields.text)?;
        snippets.set_max_num_chars(EXCERPT_CHARS);
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, address) in addresses {
            let stored: TantivyDocument = searcher.doc(address)?;
            let id = stored
                .get_first(self.fields.id)
                .and_then(|value| value.as_u64())
                .unwrap_or(0);
            let text = stored
                .get_first(self.fields.text)
                .and_then(|value| value.as_str())
                .unwrap_or("");
            hits.push(Hit {
                id: ContentId(i64::try_from(id).unwrap_or(0)),
                score,
                excerpt: excerpt(&snippets, text),
            });
        }
        Ok(SearchPage { hits, total })
    }

    /// Sorts matches by `order`, ties (and an empty order) by last modification, newest first,
    /// then by id.
    fn sorted(
        &self,
        searcher: &Searcher,
        addresses: impl IntoIterator<Item = DocAddress>,
        order: &[(OrderField, bool)],
    ) -> Result<Vec<DocAddress>, IndexError> {
        #[derive(Default)]
        struct Keys {
            id: u64,
            created: i64,
            modified: i64,
            title: String,
        }
        let wants_title = order.iter().any(|(field, _)| *field == OrderField::Title);
        let mut keyed: Vec<(Keys, DocAddress)> = Vec::new();
        let mut columns = BTreeMap::new();
        for address in addresses {
            let (ids, created, modified, titles) = match columns.entry(address.segment_ord) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(first) => {
                    let fast = searcher.segment_reader(address.segment_ord).fast_fields();
                    let title = if wants_title {
                        fast.str("title_exact")?
                    } else {
                        None
                    };
                    first.insert((
                        fast.u64("id")?,
                        fast.i64("created")?,
                        fast.i64("modified")?,
                        title,
                    ))
                }
            };
            let doc = address.doc_id;
            let mut keys = Keys {
                id: ids.first(doc).unwrap_or(0),
                created: created.first(doc).unwrap_or(0),
                modified: modified.first(doc).unwrap_or(0),
                title: String::new(),
            };
            if let Some(titles) = titles
                && let Some(ord) = titles.term_ords(doc).next()
            {
                titles.ord_to_str(ord, &mut keys.title)?;
            }
            keyed.push((keys, address));
        }
        keyed.sort_by(|(left, _), (right, _)| {
            let mut ordering = std::cmp::Ordering::Equal;
            for (field, descending) in order {
                let by_field = match field {
                    OrderField::Title => left.title.cmp(&right.title),
                    OrderField::Created => left.created.cmp(&right.created),
                    OrderField::LastModified => left.modified.cmp(&right.modified),
                    OrderField::Id => left.id.cmp(&right.id),
                };
                ordering = if *descending {
                    by_field.reverse()
                } else {
                    by_field
                };
                if ordering.is_ne() {
                    return ordering;
                }
            }
            if order.is_empty() {
                ordering = right
                    .modified
                    .cmp(&left.modified)
                    .then(right.id.cmp(&left.id));
            }
            ordering.then(left.id.cmp(&right.id))
        });
        Ok(keyed.into_iter().map(|(_, address)| address).collect())
    }

    /// `matching` restricted to what `visibility` lets the viewer see.
    fn visible(&self, matching: Box<dyn Query>, visibility: &Visibility) -> BooleanQuery {
        let fields = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, matching)];
        if !visibility.all_spaces {
            clauses.push((
                Occur::Must,
                Box::new(TermSetQuery::new(visibility.spaces.iter().map(|space| {
                    Term::from_field_u64(fields.space_id, as_u64(space.0))
                }))),
            ));
        }
        if !visibility.hidden_roots.is_empty() {
            for field in [fields.id, fields.lineage] {
                clauses.push((
                    Occur::MustNot,
                    Box::new(TermSetQuery::new(
                        visibility
                            .hidden_roots
                            .iter()
                            .map(|root| Term::from_field_u64(field, as_u64(root.0))),
                    )),
                ));
            }
        }
        BooleanQuery::new(clauses)
    }

    fn term_set(&self, field: Field, values: impl IntoIterator<Item = String>) -> Box<dyn Query> {
        Box::new(TermSetQuery::new(
            values
                .into_iter()
                .map(|value| Term::from_field_text(field, &value)),
        ))
    }

    fn id_term(&self, field: Field, id: ContentId) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_u64(field, as_u64(id.0)),
            IndexRecordOption::Basic,
        ))
    }

    /// The tantivy query for a predicate (without visibility).
    fn to_query(&self, predicate: &Predicate) -> Box<dyn Query> {
        let fields = &self.fields;
        match predicate {
            Predicate::All => Box::new(AllQuery),
            Predicate::Nothing => Box::new(EmptyQuery),
            Predicate::And(parts) if parts.is_empty() => Box::new(AllQuery),
            Predicate::And(parts) => Box::new(BooleanQuery::new(
                parts
                    .iter()
                    .map(|part| (Occur::Must, self.to_query(part)))
                    .collect(),
            )),
            Predicate::Or(parts) if parts.is_empty() => Box::new(EmptyQuery),
            Predicate::Or(parts) => Box::new(BooleanQuery::new(
                parts
                    .iter()
                    .map(|part| (Occur::Should, self.to_query(part)))
                    .collect(),
            )),
            Predicate::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, self.to_query(inner)),
            ])),
            Predicate::ContentTypeIn(types) => self.term_set(
                fields.kind,
                types.iter().map(|kind| kind.as_str().to_string()),
            ),
            Predicate::SpaceKeyIn(keys) => {
                self.term_set(fields.space_key, keys.iter().map(|key| key.to_lowercase()))
            }
            Predicate::TitleEquals(title) => {
                self.term_set(fields.title_exact, [title.trim().to_lowercase()])
            }
            Predicate::TitleContains(terms) => self.all_terms(terms, &[(fields.title, 1.0)]),
            Predicate::TextContains(terms) => {
                self.all_terms(terms, &[(fields.title, TITLE_BOOST), (fields.text, 1.0)])
            }
            Predicate::LabelIn(labels) => self.term_set(
                fields.label,
                labels.iter().map(|label| label.to_lowercase()),
            ),
            Predicate::ParentIs(parent) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, self.id_term(fields.parent, *parent)),
                (
                    Occur::Must,
                    self.term_set(fields.kind, [ContentType::Page.as_str().to_string()]),
                ),
            ])),
            Predicate::AncestorIs(ancestor) => self.id_term(fields.ancestor, *ancestor),
            Predicate::IdIn(ids) => Box::new(TermSetQuery::new(
                ids.iter()
                    .map(|id| Term::from_field_u64(fields.id, as_u64(id.0))),
            )),
            Predicate::CreatorIn(names) => {
                self.term_set(fields.creator, names.iter().map(|name| name.to_lowercase()))
            }
            Predicate::ContributorIn(names) => self.term_set(
                fields.contributor,
                names.iter().map(|name| name.to_lowercase()),
            ),
            Predicate::ContainerIs(container) => self.id_term(fields.container, *container),
            Predicate::MentionIn(names) => {
                self.term_set(fields.mention, names.iter().map(|name| name.to_lowercase()))
            }
            Predicate::IsSpace => self.term_set(
                fields.kind,
                [cairn_core::SearchKind::Space.as_str().to_string()],
            ),
            Predicate::IsAttachment => self.term_set(
                fields.kind,
                [cairn_core::SearchKind::Attachment.as_str().to_string()],
            ),
            Predicate::Created(comparison, at) => time_range(fields.created, *comparison, *at),
            Predicate::LastModified(comparison, at) => {
                time_range(fields.modified, *comparison, *at)
            }
        }
    }

    /// Every term must match in one of `fields` (weighted).
    fn all_terms(&self, terms: &[String], fields: &[(Field, f32)]) -> Box<dyn Query> {
        let mut analyzer = english_analyzer();
        let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in terms {
            let per_field: Vec<(Occur, Box<dyn Query>)> = fields
                .iter()
                .filter_map(|(field, boost)| {
                    let matched = term_query(&mut analyzer, *field, term);
                    // Titles are short and typed as they are remembered: a plain word also
                    // matches as the start of a title word (`grand` finds "Grandchild").
                    let matched = if *field == self.fields.title {
                        matched.map(|query| with_title_prefix(query, *field, term))
                    } else {
                        matched
                    };
                    matched.map(|query| {
                        let boosted: Box<dyn Query> = if (*boost - 1.0).abs() > f32::EPSILON {
                            Box::new(BoostQuery::new(query, *boost))
                        } else {
                            query
                        };
                        (Occur::Should, boosted)
                    })
                })
                .collect();
            if !per_field.is_empty() {
                required.push((Occur::Must, Box::new(BooleanQuery::new(per_field))));
            }
        }
        if required.is_empty() {
            return Box::new(AllQuery);
        }
        Box::new(BooleanQuery::new(required))
    }
}

/// Whether a predicate names `type = space` anywhere: only then are spaces among the results.
fn asks_for_spaces(predicate: &Predicate) -> bool {
    match predicate {
        Predicate::IsSpace => true,
        Predicate::And(parts) | Predicate::Or(parts) => parts.iter().any(asks_for_spaces),
        Predicate::Not(inner) => asks_for_spaces(inner),
        _ => false,
    }
}

/// Whether a predicate searches words (then results are ranked by relevance).
fn has_text(predicate: &Predicate) -> bool {
    match predicate {
        Predicate::TextContains(_) | Predicate::TitleContains(_) => true,
        Predicate::And(parts) | Predicate::Or(parts) => parts.iter().any(has_text),
        _ => false,
    }
}

/// One search term on one field: a word (stemmed), a phrase (words in order), `word*` (prefix) or
/// `word~` (fuzzy, one or two edits). `None` when the term holds no word.
fn term_query(analyzer: &mut TextAnalyzer, field: Field, term: &str) -> Option<Box<dyn Query>> {
    let trimmed = term.trim();
    if let Some(prefix) = trimmed.strip_suffix('*')
        && !prefix.contains(char::is_whitespace)
        && !prefix.is_empty()
    {
        let lower = prefix.to_lowercase();
        return Some(Box::new(FuzzyTermQuery::new_prefix(
            Term::from_field_text(field, &lower),
            0,
            true,
        )));
    }
    if let Some(word) = trimmed.strip_suffix('~')
        && !word.contains(char::is_whitespace)
    {
        let tokens = tokens(analyzer, word);
        let token = tokens.first()?;
        let distance = if token.chars().count() > 5 { 2 } else { 1 };
        return Some(Box::new(FuzzyTermQuery::new(
            Term::from_field_text(field, token),
            distance,
            true,
        )));
    }
    let tokens = tokens(analyzer, trimmed);
    match tokens.as_slice() {
        [] => None,
        [single] => Some(Box::new(TermQuery::new(
            Term::from_field_text(field, single),
            IndexRecordOption::WithFreqs,
        ))),
        several => Some(Box::new(PhraseQuery::new(
            several
                .iter()
                .map(|token| Term::from_field_text(field, token))
                .collect(),
        ))),
    }
}

/// `query`, or a title word starting with `term` when it is one plain word (scored lower than a
/// whole-word match).
fn with_title_prefix(query: Box<dyn Query>, field: Field, term: &str) -> Box<dyn Query> {
    let word = term.trim();
    let plain = word.chars().count() >= 2 && word.chars().all(char::is_alphanumeric);
    if !plain {
        return query;
    }
    let prefix =
        FuzzyTermQuery::new_prefix(Term::from_field_text(field, &word.to_lowercase()), 0, true);
    Box::new(BooleanQuery::new(vec![
        (Occur::Should, query),
        (
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(prefix), 0.5)),
        ),
    ]))
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut found = Vec::new();
    while stream.advance() {
        found.push(stream.token().text.clone());
    }
    found
}

fn time_range(field: Field, comparison: Comparison, at: i64) -> Box<dyn Query> {
    let term = Term::from_field_i64(field, at);
    let (lower, upper) = match comparison {
        Comparison::Equal => (Bound::Included(term.clone()), Bound::Included(term)),
        Comparison::NotEqual => {
            return Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (
                    Occur::MustNot,
                    Box::new(RangeQuery::new(
                        Bound::Included(term.clone()),
                        Bound::Included(term),
                    )),
                ),
            ]));
        }
        Comparison::Greater => (Bound::Excluded(term), Bound::Unbounded),
        Comparison::GreaterOrEqual => (Bound::Included(term), Bound::Unbounded),
        Comparison::Less => (Bound::Unbounded, Bound::Excluded(term)),
        Comparison::LessOrEqual => (Bound::Unbounded, Bound::Included(term)),
    };
    Box::new(RangeQuery::new(lower, upper))
}

/// The excerpt of `text`: around the matched words when there are some, else its start.
fn excerpt(snippets: &SnippetGenerator, text: &str) -> String {
    let snippet = snippets.snippet(text);
    if snippet.highlighted().is_empty() {
        return start_of(text, EXCERPT_CHARS);
    }
    let fragment = snippet.fragment();
    let mut out = String::with_capacity(fragment.len() + 40);
    let mut cursor = 0;
    for range in snippet.highlighted() {
        if range.start < cursor || range.end > fragment.len() {
            continue;
        }
        out.push_str(&fragment[cursor..range.start]);
        out.push_str(HIGHLIGHT_START);
        out.push_str(&fragment[range.start..range.end]);
        out.push_str(HIGHLIGHT_END);
        cursor = range.end;
    }
    out.push_str(&fragment[cursor..]);
    out.trim().to_string()
}

/// At most `max_chars` characters of `text`, cut at a word boundary when there is one.
fn start_of(text: &str, max_chars: usize) -> String {
    let trimmed = text.trim();
    match trimmed.char_indices().nth(max_chars) {
        None => trimmed.to_string(),
        Some((cut, _)) => {
            let head = &trimmed[..cut];
            let at_word = head.rfind(char::is_whitespace).unwrap_or(cut);
            format!("{}…", head[..at_word].trim_end())
        }
    }
}

mod snapshot;

#[cfg(test)]
mod tests;
