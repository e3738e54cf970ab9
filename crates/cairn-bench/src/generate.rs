//! Writes a [`DatasetPlan`] into a Cairn database and blob store through the store's own API, so the
//! data obeys every rule the application keeps (versions, positions, titles, restrictions).
//!
//! Spaces are shared out among a few workers; each worker creates its spaces' pages in plan order, so
//! a parent always exists before its children. Ids therefore differ between runs, but titles, bodies,
//! the tree and everything on a page follow from the seed alone.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cairn_blob::{BlobKey, BlobStore};
use cairn_core::{
    ContentId, ContentType, NewVersion, Restriction, RestrictionOperation, SpaceKey, Subject,
    UserId,
};
use cairn_store::{NewComment, NewContent, NewSpace, NewUser, Store, StoredFile, UpdateContent};

use crate::dataset::{self, BASE_TIME_MS, DatasetPlan, PlannedPage, Tier, USER_PASSWORD};
use crate::error::BenchError;
use crate::manifest::{Manifest, ManifestAttachment, ManifestPage};
use crate::progress::Progress;

/// How to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub tier: Tier,
    pub seed: u64,
    /// Concurrent writers (spaces are shared out among them).
    pub workers: usize,
    /// Draw a progress bar on standard error.
    pub show_progress: bool,
}

/// What was generated, and how long it took.
#[derive(Debug, Clone)]
pub struct GenerateReport {
    pub users: usize,
    pub spaces: usize,
    pub pages: usize,
    pub page_versions: usize,
    pub blog_posts: usize,
    pub comments: usize,
    pub attachments: usize,
    pub attachment_bytes: u64,
    pub labels: usize,
    pub restricted_pages: usize,
    pub widest_parent: usize,
    pub elapsed: Duration,
}

impl GenerateReport {
    pub fn pages_per_second(&self) -> f64 {
        self.pages as f64 / self.elapsed.as_secs_f64().max(0.001)
    }
}

impl std::fmt::Display for GenerateReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "users            {}", self.users)?;
        writeln!(f, "spaces           {}", self.spaces)?;
        writeln!(
            f,
            "pages            {} ({} versions, {:.2} per page; widest parent has {} children)",
            self.pages,
            self.page_versions,
            self.page_versions as f64 / self.pages.max(1) as f64,
            self.widest_parent
        )?;
        writeln!(f, "restricted pages {}", self.restricted_pages)?;
        writeln!(f, "blog posts       {}", self.blog_posts)?;
        writeln!(f, "comments         {}", self.comments)?;
        writeln!(
            f,
            "attachments      {} ({:.1} MB)",
            self.attachments,
            self.attachment_bytes as f64 / 1e6
        )?;
        writeln!(f, "labels on pages  {}", self.labels)?;
        write!(
            f,
            "took {:.1} s: {:.0} pages/s (each page with its versions, attachments, comments and labels)",
            self.elapsed.as_secs_f64(),
            self.pages_per_second()
        )
    }
}

/// Counters one worker adds to the report.
#[derive(Debug, Default, Clone, Copy)]
struct WorkerTally {
    attachment_bytes: u64,
    labels: usize,
}

/// Pages of the plan that a worker created, by plan number.
type CreatedPages = HashMap<usize, ContentId>;

/// Generates the dataset of `options` into `store` and `blobs` and returns the report and the
/// manifest the load harness reads. Refuses a database that already holds a generated dataset.
pub async fn generate(
    store: &Store,
    blobs: &BlobStore,
    options: &GenerateOptions,
) -> Result<(GenerateReport, Manifest), BenchError> {
    let started = Instant::now();
    let plan = DatasetPlan::new(options.tier, options.seed);
    if store
        .find_user_by_username(&plan.users[0].username)
        .await?
        .is_some()
    {
        return Err(BenchError::invalid(
            "this database already holds a generated dataset: generate into a fresh home or database",
        ));
    }
    let password_hash = cairn_app::credentials::hash_password_off_thread(USER_PASSWORD.to_string())
        .await
        .map_err(|error| BenchError::Invalid(error.to_string()))?;
    let user_ids = create_users(store, &plan, &password_hash).await?;
    for (index, space) in plan.spaces.iter().enumerate() {
        store
            .create_space(NewSpace {
                space_type: cairn_core::SpaceType::Global,
                key: SpaceKey::from_stored(space.key.clone()),
                name: space.name.clone(),
                description: space.description.clone(),
                creator_id: user_ids[space.creator],
                now_ms: BASE_TIME_MS + index as i64,
            })
            .await?;
    }

    let progress = Progress::new((plan.pages.len() + plan.blog_posts.len()) as u64);
    let drawing = options
        .show_progress
        .then(|| progress.draw("pages and blog posts"));
    let plan = std::sync::Arc::new(plan);
    let user_ids = std::sync::Arc::new(user_ids);
    let pages_by_space = plan.pages_by_space();
    let workers = options.workers.clamp(1, plan.spaces.len());
    let mut tasks = Vec::with_capacity(workers);
    for worker in 0..workers {
        let spaces: Vec<usize> = (worker..plan.spaces.len()).step_by(workers).collect();
        let page_indices: Vec<usize> = spaces
            .iter()
            .flat_map(|&space| pages_by_space[space].iter().copied())
            .collect();
        let blog_indices: Vec<usize> = (0..plan.blog_posts.len())
            .filter(|&index| spaces.contains(&plan.blog_posts[index].space))
            .collect();
        let (store, blobs, plan, user_ids, progress) = (
            store.clone(),
            blobs.clone(),
            plan.clone(),
            user_ids.clone(),
            progress.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut tally = WorkerTally::default();
            let mut created = CreatedPages::new();
            for index in page_indices {
                let page = &plan.pages[index];
                let id = create_page(&store, &blobs, &plan, &user_ids, page, &created, &mut tally)
                    .await?;
                created.insert(page.number, id);
                progress.add(1);
            }
            let mut blog_ids = Vec::with_capacity(blog_indices.len());
            for index in blog_indices {
                blog_ids.push(create_blog_post(&store, &plan, &user_ids, index).await?);
                progress.add(1);
            }
            Ok::<_, BenchError>((tally, created, blog_ids))
        }));
    }
    let mut tally = WorkerTally::default();
    let mut page_ids = CreatedPages::new();
    let mut blog_ids = Vec::new();
    let mut failure = None;
    for task in tasks {
        match task.await {
            Ok(Ok((worker_tally, created, blogs))) => {
                tally.attachment_bytes += worker_tally.attachment_bytes;
                tally.labels += worker_tally.labels;
                page_ids.extend(created);
                blog_ids.extend(blogs.into_iter().map(|id| id.0));
            }
            Ok(Err(error)) => failure = failure.or(Some(error)),
            Err(join_error) => {
                failure = failure.or(Some(BenchError::invalid(format!(
                    "a generator worker failed: {join_error}"
                ))))
            }
        }
    }
    if let Some(drawing) = drawing {
        if failure.is_some() {
            drawing.abort();
        }
        let _ = drawing.await;
    }
    if let Some(error) = failure {
        return Err(error);
    }
    blog_ids.sort_unstable();
    let report = GenerateReport {
        users: plan.users.len(),
        spaces: plan.spaces.len(),
        pages: plan.pages.len(),
        page_versions: plan.total_versions(),
        blog_posts: plan.blog_posts.len(),
        comments: plan.total_comments(),
        attachments: plan.total_attachments(),
        attachment_bytes: tally.attachment_bytes,
        labels: tally.labels,
        restricted_pages: plan.pages.iter().filter(|page| page.restricted).count(),
        widest_parent: plan.widest_parent(),
        elapsed: started.elapsed(),
    };
    let manifest = manifest_of(&plan, &page_ids, blog_ids);
    Ok((report, manifest))
}

async fn create_users(
    store: &Store,
    plan: &DatasetPlan,
    password_hash: &str,
) -> Result<Vec<UserId>, BenchError> {
    let mut ids = Vec::with_capacity(plan.users.len());
    for (index, user) in plan.users.iter().enumerate() {
        let created = store
            .create_user(NewUser {
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                email: format!("{}@example.com", user.username),
                password_hash: password_hash.to_string(),
                administrator: false,
                now_ms: BASE_TIME_MS + index as i64,
            })
            .await?;
        ids.push(created.id);
    }
    Ok(ids)
}

fn version_by(author_id: UserId, now_ms: i64, message: &str) -> NewVersion {
    NewVersion {
        author_id,
        now_ms,
        message: message.to_string(),
        minor_edit: false,
    }
}

/// Creates one page with its later versions, attachments, comments, labels and restriction.
async fn create_page(
    store: &Store,
    blobs: &BlobStore,
    plan: &DatasetPlan,
    user_ids: &[UserId],
    page: &PlannedPage,
    created: &CreatedPages,
    tally: &mut WorkerTally,
) -> Result<ContentId, BenchError> {
    // Each page gets its own hour of history, its edits and comments minutes apart.
    let page_time_ms = BASE_TIME_MS + 3_600_000 * page.number as i64;
    let creator = user_ids[page.creator];
    let parent_id = match page.parent {
        Some(parent) => Some(*created.get(&parent).ok_or_else(|| {
            BenchError::invalid(format!("page {} is created before its parent", page.number))
        })?),
        None => None,
    };
    let content = store
        .create_content(NewContent {
            content_type: ContentType::Page,
            space_key: SpaceKey::from_stored(plan.spaces[page.space].key.clone()),
            parent_id,
            title: page.title.clone(),
            body: dataset::page_body(plan, page, 1),
            version: version_by(creator, page_time_ms, ""),
        })
        .await?;
    let id = content.id;
    for version in 2..=page.versions {
        store
            .update_content(UpdateContent {
                id,
                new_version_number: version as i32,
                title: None,
                body: Some(dataset::page_body(plan, page, version)),
                new_parent_id: None,
                version: version_by(creator, page_time_ms + 60_000 * version as i64, "revised"),
            })
            .await?;
    }
    for (index, file) in page.attachments.iter().enumerate() {
        let attachment_id = store.allocate_content_id().await?;
        let bytes = if file.media_type == "image/png" {
            Bytes::from_static(crate::blobs::PNG_BYTES)
        } else {
            Bytes::from(crate::blobs::document_bytes(
                &file.filename,
                file.size_bytes,
                plan.seed ^ ((page.number as u64) << 8) ^ index as u64,
            ))
        };
        let key = BlobKey::new(format!("attachments/{id}/{attachment_id}/v1-generated"))?;
        let size = bytes.len();
        let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
        let stored = blobs.put_stream(&key, stream, None).await?;
        store
            .create_attachment(
                attachment_id,
                id,
                &file.filename,
                &StoredFile {
                    media_type: file.media_type.to_string(),
                    size_bytes: size as i64,
                    sha256: stored.sha256_hex,
                    blob_key: key.as_str().to_string(),
                    comment: String::new(),
                    minor_edit: false,
                    author_id: creator,
                    now_ms: page_time_ms + 1_000 + index as i64,
                },
            )
            .await?;
        tally.attachment_bytes += size as u64;
    }
    let mut comment_ids: Vec<ContentId> = Vec::with_capacity(page.comments.len());
    for (index, comment) in page.comments.iter().enumerate() {
        let (created_comment, _) = store
            .create_comment(NewComment {
                container_id: id,
                parent_comment_id: comment.reply_to.map(|reply_to| comment_ids[reply_to]),
                body: format!("<p>{}</p>", crate::text::escape_xml(&comment.text)),
                location: cairn_core::CommentLocation::Footer,
                inline_properties: None,
                version: version_by(
                    user_ids[comment.author],
                    page_time_ms + 600_000 + 60_000 * index as i64,
                    "",
                ),
            })
            .await?;
        comment_ids.push(created_comment.id);
    }
    if !page.labels.is_empty() {
        let labels: Vec<(String, String)> = page
            .labels
            .iter()
            .map(|name| ("global".to_string(), name.clone()))
            .collect();
        store.add_labels(id, &labels, page_time_ms).await?;
        tally.labels += labels.len();
    }
    if page.restricted {
        store
            .replace_content_restrictions(
                id,
                &[RestrictionOperation::Read],
                &[Restriction {
                    operation: RestrictionOperation::Read,
                    subject: Subject::User(creator),
                }],
            )
            .await?;
    }
    Ok(id)
}

async fn create_blog_post(
    store: &Store,
    plan: &DatasetPlan,
    user_ids: &[UserId],
    index: usize,
) -> Result<ContentId, BenchError> {
    let post = &plan.blog_posts[index];
    // Blog posts are spread over the generated history, a few hours apart.
    let created = store
        .create_content(NewContent {
            content_type: ContentType::BlogPost,
            space_key: SpaceKey::from_stored(plan.spaces[post.space].key.clone()),
            parent_id: None,
            title: post.title.clone(),
            body: dataset::blog_body(plan, post),
            version: version_by(
                user_ids[post.creator],
                BASE_TIME_MS + 4 * 3_600_000 * post.number as i64,
                "",
            ),
        })
        .await?;
    Ok(created.id)
}

/// The harness's view of the generated data: only what every user may see.
fn manifest_of(plan: &DatasetPlan, page_ids: &CreatedPages, blog_ids: Vec<i64>) -> Manifest {
    let hidden = hidden_pages(plan);
    let mut pages = Vec::new();
    let mut attachments = Vec::new();
    for page in &plan.pages {
        if hidden[page.number] {
            continue;
        }
        let Some(id) = page_ids.get(&page.number) else {
            continue;
        };
        pages.push(ManifestPage {
            id: id.0,
            space_key: plan.spaces[page.space].key.clone(),
        });
        for file in &page.attachments {
            attachments.push(ManifestAttachment {
                page_id: id.0,
                filename: file.filename.clone(),
            });
        }
    }
    Manifest {
        tier: plan.tier.name().to_string(),
        seed: plan.seed,
        password: USER_PASSWORD.to_string(),
        usernames: plan
            .users
            .iter()
            .map(|user| user.username.clone())
            .collect(),
        space_keys: plan.spaces.iter().map(|space| space.key.clone()).collect(),
        pages,
        blog_posts: blog_ids,
        attachments,
        search_words: crate::text::SEARCH_WORDS
            .iter()
            .map(|word| word.to_string())
            .collect(),
    }
}

/// Pages nobody but their restricted readers may see: restricted ones and everything below them.
pub fn hidden_pages(plan: &DatasetPlan) -> Vec<bool> {
    let mut hidden = vec![false; plan.pages.len()];
    // Parents come before children in the plan, so one pass settles inheritance.
    for page in &plan.pages {
        hidden[page.number] = page.restricted || page.parent.is_some_and(|parent| hidden[parent]);
    }
    hidden
}
