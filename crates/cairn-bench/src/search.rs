//! `cairn bench search`: the search index on a generated corpus (100,000 pages by default), without
//! the database, so the figures are the index's own: indexing rate, query latency for two- and
//! three-word queries and for CQL with filters (as a user who sees most spaces, with some pages
//! hidden by restrictions), and the time to write a snapshot and to open an index from one.
//!
//! Words follow a Zipf-like law over a vocabulary of common words and 20,000 rarer ones, so queries
//! meet both long and short posting lists, as on a real wiki.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cairn_core::{
    ContentId, ContentQuery, ContentType, Predicate, SearchDocument, SearchKind, SpaceId,
};
use cairn_search::index::{SearchIndex, Visibility};
use cairn_search::plan::{PlanContext, plan_cql};

use crate::error::BenchError;
use crate::rng::SeededRng;
use crate::text::{LABELS, TITLE_ADJECTIVES, TITLE_NOUNS, WORDS};

/// What to measure on.
#[derive(Debug, Clone)]
pub struct SearchBenchOptions {
    pub documents: usize,
    pub seed: u64,
    /// Queries of each kind.
    pub queries: usize,
    /// Where the index (and its snapshot) are written; emptied first.
    pub directory: PathBuf,
}

/// Latency figures of one kind of query.
#[derive(Debug, Clone)]
pub struct QueryFigures {
    pub kind: &'static str,
    pub p50: Duration,
    pub p95: Duration,
    /// Mean matches per query (the total, not the page of 25).
    pub mean_matches: f64,
}

/// What `cairn bench search` measured.
#[derive(Debug, Clone)]
pub struct SearchBenchReport {
    pub documents: usize,
    pub text_bytes: u64,
    pub indexing: Duration,
    pub index_bytes: u64,
    pub queries: Vec<QueryFigures>,
    pub snapshot_write: Duration,
    pub snapshot_bytes: u64,
    /// Unpacking a snapshot and opening the index: a new node's index is ready after this plus
    /// the download and the journal replay.
    pub snapshot_restore: Duration,
}

const SPACES: i64 = 200;
const RARE_WORDS: usize = 20_000;
const PAGE_SIZE: usize = 25;

/// A vocabulary index drawn with a Zipf-like law (rank ~ N^u): a few words are everywhere, most
/// are rare.
fn zipf_word(rng: &mut SeededRng, vocabulary: &[String]) -> usize {
    let size = vocabulary.len() as f64;
    let rank = size.powf(rng.next_f64()) - 1.0;
    (rank as usize).min(vocabulary.len() - 1)
}

fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = WORDS.iter().map(|word| word.to_string()).collect();
    let syllables = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "pa", "qu", "dor", "fen", "gal",
        "hix", "jun",
    ];
    for index in 0..RARE_WORDS {
        let mut word = String::new();
        let mut rest = index + 17;
        for _ in 0..3 {
            word.push_str(syllables[rest % syllables.len()]);
            rest /= syllables.len();
        }
        word.push_str(&format!("{}", index % 97));
        words.push(word);
    }
    words
}

fn document(rng: &mut SeededRng, id: i64, vocabulary: &[String]) -> SearchDocument {
    let space = 1 + (rng.below(SPACES as u64) as i64);
    let blog = rng.chance(0.1);
    let title = format!(
        "{} {} {}",
        rng.pick(TITLE_ADJECTIVES),
        rng.pick(TITLE_NOUNS),
        vocabulary[zipf_word(rng, vocabulary)]
    );
    // Median about 550 words (some 4 KB), long tail to several thousand.
    let words = (150.0 * (1.0 / (1.0 - rng.next_f64() * 0.97)).powf(1.3)) as usize + 150;
    let mut text = String::with_capacity(words * 8);
    for index in 0..words {
        if index > 0 {
            text.push(if index % 12 == 0 { '\n' } else { ' ' });
        }
        text.push_str(&vocabulary[zipf_word(rng, vocabulary)]);
    }
    let parent = (!blog && id > 10 && rng.chance(0.8))
        .then(|| ContentId(1 + rng.below(id as u64 - 1) as i64));
    let labels = (0..rng.below(3))
        .map(|_| rng.pick(LABELS).to_string())
        .collect();
    SearchDocument {
        id: ContentId(id),
        kind: SearchKind::Content(if blog {
            ContentType::BlogPost
        } else {
            ContentType::Page
        }),
        space_id: SpaceId(space),
        space_key: format!("S{space}"),
        title,
        text,
        labels,
        parent_id: parent,
        ancestors: parent.into_iter().collect(),
        container_id: None,
        lineage: parent.into_iter().collect(),
        creator: format!("user{}", rng.below(500)),
        contributors: vec![format!("user{}", rng.below(500))],
        mentions: Vec::new(),
        created_ms: 1_700_000_000_000 + id * 60_000,
        last_modified_ms: 1_700_000_000_000 + id * 90_000,
    }
}

fn directory_bytes(directory: &Path) -> u64 {
    std::fs::read_dir(directory)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.metadata().ok())
                .filter(|meta| meta.is_file())
                .map(|meta| meta.len())
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let rank = ((sorted.len() as f64) * fraction).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Builds the corpus, indexes it and measures; prints progress to standard error.
pub fn run_search_bench(options: &SearchBenchOptions) -> Result<SearchBenchReport, BenchError> {
    let index_directory = options.directory.join("index");
    let restored_directory = options.directory.join("restored");
    for directory in [&index_directory, &restored_directory] {
        if directory.exists() {
            std::fs::remove_dir_all(directory)?;
        }
    }
    let vocabulary = vocabulary();
    let mut rng = SeededRng::derive(options.seed, 0x5ea4c4);
    eprintln!("generating {} documents…", options.documents);
    let documents: Vec<SearchDocument> = (1..=options.documents as i64)
        .map(|id| document(&mut rng, id, &vocabulary))
        .collect();
    let text_bytes: u64 = documents
        .iter()
        .map(|document| document.text.len() as u64)
        .sum();

    let index = SearchIndex::open(&index_directory).map_err(BenchError::search)?;
    let started = Instant::now();
    for (batch_number, batch) in documents.chunks(1000).enumerate() {
        index.write(batch, &[]).map_err(BenchError::search)?;
        if batch_number % 10 == 9 {
            eprint!("\rindexed {}", (batch_number + 1) * 1000);
        }
    }
    index.commit(1).map_err(BenchError::search)?;
    let indexing = started.elapsed();
    eprintln!(
        "\rindexed {} in {:.1} s",
        documents.len(),
        indexing.as_secs_f64()
    );

    // A user who sees 90% of the spaces, with 1.5% of pages restricted away from them.
    let visibility = Visibility {
        all_spaces: false,
        spaces: (1..=SPACES)
            .filter(|space| space % 10 != 0)
            .map(SpaceId)
            .collect(),
        hidden_roots: (0..options.documents / 66)
            .map(|_| ContentId(1 + rng.below(options.documents as u64) as i64))
            .collect(),
    };
    let mut queries = Vec::new();
    for (kind, words) in [("two words", 2), ("three words", 3)] {
        let mut times = Vec::with_capacity(options.queries);
        let mut matches = 0usize;
        for _ in 0..options.queries {
            let terms = (0..words)
                .map(|_| vocabulary[zipf_word(&mut rng, &vocabulary) / 8].clone())
                .collect();
            let query = ContentQuery {
                predicate: Predicate::TextContains(terms),
                order: Vec::new(),
            };
            let started = Instant::now();
            let page = index
                .search(&query, &visibility, 0, PAGE_SIZE)
                .map_err(BenchError::search)?;
            times.push(started.elapsed());
            matches += page.total;
        }
        times.sort();
        queries.push(QueryFigures {
            kind,
            p50: percentile(&times, 0.5),
            p95: percentile(&times, 0.95),
            mean_matches: matches as f64 / options.queries as f64,
        });
    }
    let context = PlanContext {
        current_user: "user1",
        now_ms: 1_700_000_000_000 + (options.documents as i64) * 90_000,
    };
    let mut times = Vec::with_capacity(options.queries);
    let mut matches = 0usize;
    for _ in 0..options.queries {
        let first = 1 + rng.below(SPACES as u64);
        let word = &vocabulary[zipf_word(&mut rng, &vocabulary) / 8];
        let label = rng.pick(LABELS);
        let cql = format!(
            "type = page AND space IN (S{first}, S{}, S{}) AND lastmodified >= now(\"-60d\") AND (text ~ \"{word}\" OR label = \"{label}\") ORDER BY lastmodified DESC",
            first % SPACES as u64 + 1,
            (first + 7) % SPACES as u64 + 1
        );
        let query =
            plan_cql(&cql, &context).map_err(|error| BenchError::Search(error.to_string()))?;
        let started = Instant::now();
        let page = index
            .search(&query, &visibility, 0, PAGE_SIZE)
            .map_err(BenchError::search)?;
        times.push(started.elapsed());
        matches += page.total;
    }
    times.sort();
    queries.push(QueryFigures {
        kind: "CQL with filters",
        p50: percentile(&times, 0.5),
        p95: percentile(&times, 0.95),
        mean_matches: matches as f64 / options.queries as f64,
    });

    let snapshot_path = options.directory.join("snapshot.bin");
    let started = Instant::now();
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&snapshot_path)?);
        index.write_snapshot(&mut out).map_err(BenchError::search)?;
        std::io::Write::flush(&mut out)?;
    }
    let snapshot_write = started.elapsed();
    let snapshot_bytes = std::fs::metadata(&snapshot_path)?.len();
    let index_bytes = directory_bytes(&index_directory);
    drop(index);
    let started = Instant::now();
    {
        let mut input = std::io::BufReader::new(std::fs::File::open(&snapshot_path)?);
        SearchIndex::restore_snapshot(&restored_directory, &mut input)
            .map_err(BenchError::search)?;
        let restored = SearchIndex::open(&restored_directory).map_err(BenchError::search)?;
        if restored.document_count() != documents.len() as u64 {
            return Err(BenchError::Search(
                "the restored index lost documents".into(),
            ));
        }
    }
    let snapshot_restore = started.elapsed();
    Ok(SearchBenchReport {
        documents: documents.len(),
        text_bytes,
        indexing,
        index_bytes,
        queries,
        snapshot_write,
        snapshot_bytes,
        snapshot_restore,
    })
}

impl SearchBenchReport {
    /// The report as a small text table.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let megabytes = |bytes: u64| bytes as f64 / 1_048_576.0;
        out.push_str(&format!(
            "corpus: {} documents, {:.0} MiB of text\n",
            self.documents,
            megabytes(self.text_bytes)
        ));
        out.push_str(&format!(
            "indexing: {:.1} s, {:.0} documents/s, {:.1} MiB/s of text; index {:.0} MiB\n",
            self.indexing.as_secs_f64(),
            self.documents as f64 / self.indexing.as_secs_f64(),
            megabytes(self.text_bytes) / self.indexing.as_secs_f64(),
            megabytes(self.index_bytes)
        ));
        out.push_str("query                 p50        p95        mean matches\n");
        for figures in &self.queries {
            out.push_str(&format!(
                "{:<20} {:>7.2} ms {:>7.2} ms {:>10.0}\n",
                figures.kind,
                figures.p50.as_secs_f64() * 1000.0,
                figures.p95.as_secs_f64() * 1000.0,
                figures.mean_matches
            ));
        }
        out.push_str(&format!(
            "snapshot: written in {:.2} s ({:.0} MiB); unpacked and opened in {:.2} s\n",
            self.snapshot_write.as_secs_f64(),
            megabytes(self.snapshot_bytes),
            self.snapshot_restore.as_secs_f64()
        ));
        out
    }
}
