//! A synthetic Confluence space export of a chosen size, for benchmarks and tests of the importer
//! (`cairn bench confluence-export`): the shape Confluence 8 writes (entities.xml in Hibernate's
//! generic shape, `exportDescriptor.properties`, `attachments/<container>/<attachment>/<version>`)
//! with the mix of a real space: a page tree with several versions each, blog posts, footer
//! comments with replies, labels, restrictions, space permissions and attachments with versions,
//! which make up most of the bytes.
//!
//! Everything is derived from the seed and an object's index, so the zip is written in one
//! streaming pass: nothing but counters and a buffer of one object is held in memory, whatever the
//! size. The same size and seed give the same zip.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;

use crate::error::{ImportError, ImportResult};
use crate::export::entities::{DOCUMENT_END, Object, document_start, package};
use crate::time::format_export_time;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SyntheticOptions {
    /// About the size of the zip, in bytes (attachments are sized to reach it).
    pub size_bytes: u64,
    pub seed: u64,
    /// The space's key.
    pub space_key: String,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyntheticSummary {
    pub pages: u64,
    pub blog_posts: u64,
    /// Versions of pages and blog posts.
    pub versions: u64,
    pub comments: u64,
    pub labellings: u64,
    pub restrictions: u64,
    pub attachments: u64,
    pub attachment_versions: u64,
    pub attachment_bytes: u64,
    pub users: u64,
    /// entities.xml before compression.
    pub entities_bytes: u64,
    /// The zip.
    pub zip_bytes: u64,
}

impl std::fmt::Display for SyntheticSummary {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            out,
            "pages: {} ({} versions with blog posts), blog posts: {}, comments: {}, labels: {}, restrictions: {}, users: {}",
            self.pages,
            self.versions,
            self.blog_posts,
            self.comments,
            self.labellings,
            self.restrictions,
            self.users
        )?;
        writeln!(
            out,
            "attachments: {} ({} versions, {} bytes)",
            self.attachments, self.attachment_versions, self.attachment_bytes
        )?;
        writeln!(
            out,
            "entities.xml: {} bytes uncompressed; zip: {} bytes",
            self.entities_bytes, self.zip_bytes
        )
    }
}

/// Compressed entities.xml per page (with its share of blog posts, comments and the rest),
/// measured on generated exports; the attachments get what is left of the size.
const ENTITIES_BYTES_PER_PAGE: u64 = 2_500;
/// Pages per MiB of export.
const PAGES_PER_MIB: u64 = 10;
/// Ids start here, as in a Confluence of some age.
const FIRST_ID: i64 = 65_600_000;
/// Two years of history before the export, in milliseconds.
const HISTORY_MS: i64 = 2 * 365 * 24 * 3600 * 1000;
/// The export's time: 2024-06-01 00:00:00 UTC.
const EXPORT_MS: i64 = 1_717_200_000_000;
const GROUPS: [&str; 3] = [
    "confluence-users",
    "confluence-administrators",
    "engineering",
];
const LABEL_COUNT: u64 = 150;
const WORDS: [&str; 96] = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "for",
    "is",
    "on",
    "that",
    "by",
    "this",
    "with",
    "you",
    "it",
    "not",
    "or",
    "be",
    "are",
    "from",
    "at",
    "as",
    "release",
    "service",
    "deploy",
    "cluster",
    "database",
    "migration",
    "review",
    "customer",
    "meeting",
    "notes",
    "decision",
    "owner",
    "status",
    "risk",
    "schedule",
    "budget",
    "design",
    "architecture",
    "incident",
    "postmortem",
    "runbook",
    "onboarding",
    "checklist",
    "roadmap",
    "quarter",
    "feature",
    "request",
    "ticket",
    "support",
    "network",
    "storage",
    "latency",
    "throughput",
    "backup",
    "restore",
    "policy",
    "security",
    "access",
    "token",
    "gateway",
    "billing",
    "invoice",
    "report",
    "metrics",
    "dashboard",
    "alert",
    "pager",
    "rotation",
    "team",
    "project",
    "milestone",
    "sprint",
    "retrospective",
    "action",
    "item",
    "follow",
    "up",
    "draft",
    "approved",
    "pending",
    "blocked",
    "requirements",
    "specification",
    "interface",
    "version",
    "upgrade",
    "rollback",
    "capacity",
    "planning",
    "estimate",
    "vendor",
    "contract",
    "renewal",
    "training",
];
const MEDIA: [(&str, &str); 6] = [
    ("png", "image/png"),
    ("pdf", "application/pdf"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("zip", "application/zip"),
    ("jpg", "image/jpeg"),
];

/// SplitMix64: a fast, seedable generator; every value is a function of the seed and a key, so
/// any object can be regenerated from its index.
fn mix(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

/// The weight of one attachment version's share of the bytes: log-uniform over 1 to about
/// 3,000, so most files are small and a few large ones hold much of the bytes, as in a wiki.
fn weight(seed: u64, attachment: u64, version: u64) -> f64 {
    let mut rng = Rng::new(seed, &[7, attachment, version]);
    let uniform = (rng.below(1 << 20) as f64) / f64::from(1 << 20);
    (uniform * 8.0).exp()
}

/// The size of one attachment version.
fn attachment_size(seed: u64, scale: f64, attachment: u64, version: u64) -> u64 {
    ((weight(seed, attachment, version) * scale) as u64).max(1)
}

/// A sentence of `least` words and up to `spread` more, with its full stop.
fn sentence(rng: &mut Rng, least: u64, spread: u64, out: &mut String) {
    let words = least + if spread > 0 { rng.below(spread) } else { 0 };
    for index in 0..words {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(rng.word());
    }
    out.push('.');
}

/// A stream of numbers from `seed` and `key`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, key: &[u64]) -> Rng {
        let mut state = mix(seed);
        for part in key {
            state = mix(state ^ part);
        }
        Rng(state)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    /// A word, the common ones more often (roughly Zipf).
    fn word(&mut self) -> &'static str {
        let a = self.below(WORDS.len() as u64);
        let b = self.below(WORDS.len() as u64);
        WORDS[usize::try_from(a.min(b)).unwrap_or(0)]
    }
}

/// The counts of a space of `size_bytes`, all derived from it.
#[derive(Debug, Clone, Copy)]
struct Plan {
    pages: u64,
    blog_posts: u64,
    users: u64,
    attachments: u64,
    /// Bytes the attachment versions share.
    attachment_budget: u64,
}

impl Plan {
    fn of(size_bytes: u64) -> Plan {
        let pages = (size_bytes / (1024 * 1024) * PAGES_PER_MIB).max(12);
        let entities = pages * ENTITIES_BYTES_PER_PAGE;
        Plan {
            pages,
            blog_posts: (pages / 10).max(2),
            users: 20 + pages / 100,
            attachments: (pages * 6 / 10).max(4),
            attachment_budget: size_bytes.saturating_sub(entities).max(64 * 1024),
        }
    }
}

/// Ids of one export: each kind of object gets a range of its own, so an object's id is a
/// function of its index.
#[derive(Debug, Clone, Copy)]
struct Ids {
    space: i64,
    page: i64,
    blog: i64,
    attachment: i64,
    /// Everything else (old versions, bodies, comments, labels…) counts up from here.
    other: i64,
}

impl Ids {
    fn of(plan: &Plan) -> Ids {
        let span = |count: u64| i64::try_from(count).unwrap_or(i64::MAX / 8);
        let space = FIRST_ID;
        let page = space + 1;
        let blog = page + span(plan.pages);
        let attachment = blog + span(plan.blog_posts);
        Ids {
            space,
            page,
            blog,
            attachment,
            other: attachment + span(plan.attachments),
        }
    }
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The zip, and what has gone into it.
struct Writer {
    zip: zip::ZipWriter<BufWriter<File>>,
    seed: u64,
    plan: Plan,
    ids: Ids,
    next_other: i64,
    summary: SyntheticSummary,
}

/// Writes a synthetic space export of about `options.size_bytes` to `path` (replaced if it
/// exists). Blocking: call it from a thread that may block.
pub fn write_synthetic_export(
    path: &Path,
    options: &SyntheticOptions,
) -> ImportResult<SyntheticSummary> {
    let file = File::create(path).map_err(|source| ImportError::Open {
        path: path.display().to_string(),
        source,
    })?;
    let plan = Plan::of(options.size_bytes);
    let ids = Ids::of(&plan);
    let mut writer = Writer {
        zip: zip::ZipWriter::new(BufWriter::with_capacity(1024 * 1024, file)),
        seed: options.seed,
        plan,
        ids,
        // Labels take the first ids of the "other" range.
        next_other: ids.other + to_i64(LABEL_COUNT),
        summary: SyntheticSummary::default(),
    };
    writer.write_attachment_files()?;
    writer.start("entities.xml", true)?;
    writer.put_text(&document_start(&format_export_time(EXPORT_MS)))?;
    writer.write_people()?;
    writer.write_space(&options.space_key)?;
    writer.write_labels()?;
    writer.write_pages()?;
    writer.write_blog_posts()?;
    writer.write_attachments()?;
    writer.put_text(DOCUMENT_END)?;
    writer.start("exportDescriptor.properties", true)?;
    let descriptor = format!(
        "#Created by Cairn's synthetic export\nexportType=space\nspaceKey={}\nbuildNumber=8804\ncreatedByBuildNumber=8804\nbackupAttachments=true\ndefaultUsersGroup=confluence-users\nsource=server\n",
        options.space_key
    );
    writer.put_text(&descriptor)?;
    let Writer {
        zip, mut summary, ..
    } = writer;
    let mut inner = zip.finish().map_err(ImportError::ZipWrite)?;
    inner.flush().map_err(ImportError::ExportWrite)?;
    summary.zip_bytes = inner
        .get_ref()
        .metadata()
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    Ok(summary)
}

impl Writer {
    fn start(&mut self, name: &str, deflate: bool) -> ImportResult<()> {
        let options = SimpleFileOptions::default()
            .compression_method(if deflate {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            })
            .large_file(true);
        self.zip
            .start_file(name, options)
            .map_err(ImportError::ZipWrite)
    }

    fn put_text(&mut self, text: &str) -> ImportResult<()> {
        self.zip
            .write_all(text.as_bytes())
            .map_err(ImportError::ExportWrite)
    }

    fn put(&mut self, object: Object) -> ImportResult<()> {
        let xml = object.finish();
        self.summary.entities_bytes += xml.len() as u64;
        self.put_text(&xml)
    }

    fn other_id(&mut self) -> i64 {
        let id = self.next_other;
        self.next_other += 1;
        id
    }

    fn rng(&self, key: &[u64]) -> Rng {
        Rng::new(self.seed, key)
    }

    fn user_key(&self, user: u64) -> String {
        format!(
            "8a7f808a{:024x}",
            mix(self.seed ^ user) as u128 & ((1 << 96) - 1)
        )
    }

    fn page_id(&self, page: u64) -> i64 {
        self.ids.page + to_i64(page)
    }

    /// Page 0 is the home page; trashed pages (one in fifty, leaves) are never parents.
    fn trashed(page: u64) -> bool {
        page % 50 == 9
    }

    /// The parent of page `page` (> 0): the home page for the first few, else an earlier live
    /// page, mostly a recent one, which makes a tree of some depth.
    fn parent_of(&self, page: u64) -> u64 {
        if page < 12 {
            return 0;
        }
        let mut rng = self.rng(&[1, page]);
        let window = page.min(400);
        let mut parent = page - 1 - rng.below(window);
        if Self::trashed(parent) {
            parent -= 1;
        }
        parent
    }

    fn page_title(&self, page: u64) -> String {
        if page == 0 {
            return "Home".to_string();
        }
        let mut rng = self.rng(&[2, page]);
        let first = rng.word();
        let second = rng.word();
        let mut title = format!("{first} {second} {page}");
        if let Some(initial) = title.get(..1) {
            title = initial.to_uppercase() + &title[1..];
        }
        title
    }

    /// The time of version `number` of `versions` of something created at `created_ms`.
    fn version_time(created_ms: i64, number: u64, versions: u64) -> i64 {
        let step = (EXPORT_MS - created_ms) / to_i64(versions + 1);
        created_ms + step * to_i64(number - 1)
    }

    /// A storage-format body of about `length` bytes: headings, paragraphs, lists, a table, an
    /// info and a code macro, links to other pages and mentions of people, as pages hold them.
    fn body(&self, rng: &mut Rng, length: usize) -> String {
        let mut body = String::with_capacity(length + 512);
        while body.len() < length {
            match rng.below(10) {
                0 => {
                    body.push_str("<h2>");
                    sentence(rng, 3, 0, &mut body);
                    body.push_str("</h2>");
                }
                1 => {
                    body.push_str("<ul>");
                    for _ in 0..2 + rng.below(4) {
                        body.push_str("<li>");
                        sentence(rng, 4, 8, &mut body);
                        body.push_str("</li>");
                    }
                    body.push_str("</ul>");
                }
                2 => {
                    body.push_str(
                        "<table><tbody><tr><th>Item</th><th>Owner</th><th>Status</th></tr>",
                    );
                    for _ in 0..2 + rng.below(5) {
                        body.push_str("<tr><td>");
                        sentence(rng, 3, 0, &mut body);
                        let user = rng.below(self.plan.users);
                        body.push_str(&format!(
                            "</td><td><ac:link><ri:user ri:userkey=\"{}\" /></ac:link></td><td><ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\"><ac:parameter ac:name=\"colour\">Green</ac:parameter><ac:parameter ac:name=\"title\">{}</ac:parameter></ac:structured-macro></td></tr>",
                            self.user_key(user),
                            rng.word()
                        ));
                    }
                    body.push_str("</tbody></table>");
                }
                3 => {
                    body.push_str("<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\"><ac:rich-text-body><p>");
                    sentence(rng, 10, 20, &mut body);
                    body.push_str("</p></ac:rich-text-body></ac:structured-macro>");
                }
                4 => {
                    body.push_str("<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">bash</ac:parameter><ac:plain-text-body><![CDATA[");
                    for _ in 0..2 + rng.below(6) {
                        body.push_str(&format!(
                            "{} --{} {} && echo \"{} <ok>\"\n",
                            rng.word(),
                            rng.word(),
                            rng.below(10_000),
                            rng.word()
                        ));
                    }
                    body.push_str("]]></ac:plain-text-body></ac:structured-macro>");
                }
                5 => {
                    let other = rng.below(self.plan.pages);
                    body.push_str("<p>See <ac:link><ri:page ri:content-title=\"");
                    body.push_str(&self.page_title(other));
                    body.push_str("\" /></ac:link> and ");
                    sentence(rng, 6, 10, &mut body);
                    body.push_str("</p>");
                }
                _ => {
                    body.push_str("<p>");
                    for _ in 0..1 + rng.below(4) {
                        sentence(rng, 8, 16, &mut body);
                        body.push(' ');
                    }
                    body.push_str("<strong>");
                    body.push_str(rng.word());
                    body.push_str("</strong> &ndash; ");
                    sentence(rng, 5, 0, &mut body);
                    body.push_str("</p>");
                }
            }
        }
        body
    }

    /// Writes one version of a page, blog post or comment (its object and its body) and answers
    /// the object's id.
    #[allow(clippy::too_many_arguments)]
    fn write_version(
        &mut self,
        class: &str,
        current_id: i64,
        number: u64,
        versions: u64,
        title: Option<&str>,
        author: u64,
        creator: u64,
        created_ms: i64,
        body: &str,
        extra: impl FnOnce(Object) -> Object,
    ) -> ImportResult<i64> {
        let current = number == versions;
        let object_id = if current { current_id } else { self.other_id() };
        let body_id = self.other_id();
        let mut object = Object::new(class, package::PAGES, object_id);
        object = match title {
            Some(title) => object
                .text("title", title)
                .text("lowerTitle", &title.to_lowercase()),
            None => object.null("title"),
        };
        object = object
            .collection("bodyContents", "BodyContent", package::CORE, &[body_id])
            .plain("version", number)
            .user_reference("creator", Some(&self.user_key(creator)))
            .time("creationDate", created_ms)
            .user_reference("lastModifier", Some(&self.user_key(author)))
            .time(
                "lastModificationDate",
                Self::version_time(created_ms, number, versions),
            )
            .text(
                "versionComment",
                if number == 1 || !number.is_multiple_of(3) {
                    ""
                } else {
                    "Updated after the review"
                },
            );
        object = if current {
            object.null("originalVersionId")
        } else {
            object.plain("originalVersionId", current_id)
        };
        object = extra(object);
        self.put(object)?;
        self.put(
            Object::new("BodyContent", package::CORE, body_id)
                .text("body", body)
                .plain("bodyType", 2)
                .reference("content", class, package::PAGES, object_id),
        )?;
        Ok(object_id)
    }

    fn write_people(&mut self) -> ImportResult<()> {
        for user in 0..self.plan.users {
            let key = self.user_key(user);
            let name = format!("user{user:04}");
            self.put(
                Object::user(&key)
                    .text("name", &name)
                    .text("lowerName", &name)
                    .text("email", &format!("{name}@example.com")),
            )?;
            self.summary.users += 1;
        }
        Ok(())
    }

    fn write_space(&mut self, key: &str) -> ImportResult<()> {
        let description_id = self.other_id();
        let description_body_id = self.other_id();
        let creator = self.user_key(0);
        let created_ms = EXPORT_MS - HISTORY_MS;
        self.put(
            Object::new("Space", package::SPACES, self.ids.space)
                .text("name", "Synthetic engineering space")
                .text("key", key)
                .text("lowerKey", &key.to_lowercase())
                .reference(
                    "description",
                    "SpaceDescription",
                    package::SPACES,
                    description_id,
                )
                .reference("homePage", "Page", package::PAGES, self.page_id(0))
                .user_reference("creator", Some(&creator))
                .time("creationDate", created_ms)
                .user_reference("lastModifier", Some(&creator))
                .time("lastModificationDate", created_ms)
                .plain("spaceType", "global")
                .enumeration("spaceStatus", "SpaceStatus", package::SPACES, "CURRENT"),
        )?;
        self.put(
            Object::new("SpaceDescription", package::SPACES, description_id)
                .reference("space", "Space", package::SPACES, self.ids.space)
                .collection(
                    "bodyContents",
                    "BodyContent",
                    package::CORE,
                    &[description_body_id],
                )
                .plain("version", 1)
                .user_reference("creator", Some(&creator))
                .time("creationDate", created_ms)
                .time("lastModificationDate", created_ms)
                .null("originalVersionId")
                .text("contentStatus", "current"),
        )?;
        self.put(
            Object::new("BodyContent", package::CORE, description_body_id)
                .text("body", "A generated space of the size of a real one.")
                .plain("bodyType", 0)
                .reference(
                    "content",
                    "SpaceDescription",
                    package::SPACES,
                    description_id,
                ),
        )?;
        let group_permissions: [(&str, &[&str]); 3] = [
            (
                GROUPS[0],
                &[
                    "VIEWSPACE",
                    "EDITSPACE",
                    "EDITBLOG",
                    "COMMENT",
                    "CREATEATTACHMENT",
                ],
            ),
            (
                GROUPS[1],
                &[
                    "VIEWSPACE",
                    "EDITSPACE",
                    "REMOVEPAGE",
                    "SETPAGEPERMISSIONS",
                    "SETSPACEPERMISSIONS",
                    "EXPORTSPACE",
                ],
            ),
            (GROUPS[2], &["VIEWSPACE", "EDITSPACE", "REMOVEOWNCONTENT"]),
        ];
        for (group, permissions) in group_permissions {
            for permission in permissions {
                let id = self.other_id();
                self.put(
                    Object::new("SpacePermission", package::SECURITY, id)
                        .text("type", permission)
                        .text("group", group)
                        .time("creationDate", created_ms)
                        .reference("space", "Space", package::SPACES, self.ids.space),
                )?;
            }
        }
        for permission in ["VIEWSPACE", "SETSPACEPERMISSIONS", "EXPORTSPACE"] {
            let id = self.other_id();
            self.put(
                Object::new("SpacePermission", package::SECURITY, id)
                    .text("type", permission)
                    .user_reference("userSubject", Some(&creator))
                    .time("creationDate", created_ms)
                    .reference("space", "Space", package::SPACES, self.ids.space),
            )?;
        }
        Ok(())
    }

    fn label_id(&self, label: u64) -> i64 {
        // Labels take the first ids of the "other" range.
        self.ids.other + to_i64(label)
    }

    fn write_labels(&mut self) -> ImportResult<()> {
        for label in 0..LABEL_COUNT {
            let mut rng = self.rng(&[3, label]);
            let name = format!("{}-{label}", rng.word());
            self.put(
                Object::new("Label", package::LABELS, self.label_id(label))
                    .text("name", &name)
                    .text("namespace", "global")
                    .time("creationDate", EXPORT_MS - HISTORY_MS)
                    .time("lastModificationDate", EXPORT_MS - HISTORY_MS),
            )?;
        }
        Ok(())
    }

    fn write_pages(&mut self) -> ImportResult<()> {
        for page in 0..self.plan.pages {
            let mut rng = self.rng(&[4, page]);
            let id = self.page_id(page);
            let versions = 1 + rng.below(5);
            let creator = rng.below(self.plan.users);
            let created_ms = EXPORT_MS - HISTORY_MS + to_i64(rng.below(HISTORY_MS as u64 / 2));
            let title = self.page_title(page);
            let length = 1_000 + usize::try_from(rng.below(7_000)).unwrap_or(0);
            let parent = (page > 0).then(|| self.parent_of(page));
            let trashed = Self::trashed(page);
            for number in 1..=versions {
                let author = if number == 1 {
                    creator
                } else {
                    rng.below(self.plan.users)
                };
                // Each version adds to the page.
                let body = self.body(
                    &mut rng,
                    length * usize::try_from(number).unwrap_or(1)
                        / usize::try_from(versions).unwrap_or(1),
                );
                let current = number == versions;
                let space = self.ids.space;
                let parent_id = parent.map(|parent| self.page_id(parent));
                self.write_version(
                    "Page",
                    id,
                    number,
                    versions,
                    Some(&title),
                    author,
                    creator,
                    created_ms,
                    &body,
                    |object| {
                        let object = object
                            .text(
                                "contentStatus",
                                if current && trashed {
                                    "deleted"
                                } else {
                                    "current"
                                },
                            )
                            .reference("space", "Space", package::SPACES, space);
                        match (current, parent_id) {
                            (true, Some(parent_id)) => object.null("position").reference(
                                "parent",
                                "Page",
                                package::PAGES,
                                parent_id,
                            ),
                            (true, None) => object.null("position"),
                            (false, _) => object,
                        }
                    },
                )?;
                self.summary.versions += 1;
            }
            self.summary.pages += 1;
            self.write_labellings(&mut rng, "Page", id)?;
            self.write_comments(&mut rng, "Page", id, created_ms)?;
            if page % 20 == 7 {
                self.write_restriction(&mut rng, id)?;
            }
        }
        Ok(())
    }

    fn write_blog_posts(&mut self) -> ImportResult<()> {
        for post in 0..self.plan.blog_posts {
            let mut rng = self.rng(&[5, post]);
            let id = self.ids.blog + to_i64(post);
            let versions = 1 + rng.below(2);
            let creator = rng.below(self.plan.users);
            let created_ms = EXPORT_MS - HISTORY_MS
                + to_i64(post) * (HISTORY_MS / to_i64(self.plan.blog_posts + 1));
            let title = format!("Weekly notes {post}: {} {}", rng.word(), rng.word());
            let length = 2_000 + usize::try_from(rng.below(4_000)).unwrap_or(0);
            for number in 1..=versions {
                let body = self.body(&mut rng, length);
                let space = self.ids.space;
                self.write_version(
                    "BlogPost",
                    id,
                    number,
                    versions,
                    Some(&title),
                    creator,
                    creator,
                    created_ms,
                    &body,
                    |object| {
                        object.text("contentStatus", "current").reference(
                            "space",
                            "Space",
                            package::SPACES,
                            space,
                        )
                    },
                )?;
                self.summary.versions += 1;
            }
            self.summary.blog_posts += 1;
            self.write_labellings(&mut rng, "BlogPost", id)?;
            self.write_comments(&mut rng, "BlogPost", id, created_ms)?;
        }
        Ok(())
    }

    fn write_labellings(&mut self, rng: &mut Rng, class: &str, content: i64) -> ImportResult<()> {
        let count = rng.below(4);
        let first = rng.below(LABEL_COUNT);
        for index in 0..count {
            let label = (first + index * 7) % LABEL_COUNT;
            let id = self.other_id();
            self.put(
                Object::new("Labelling", package::LABELS, id)
                    .reference("label", "Label", package::LABELS, self.label_id(label))
                    .reference("content", class, package::PAGES, content)
                    .time("creationDate", EXPORT_MS - HISTORY_MS / 2)
                    .time("lastModificationDate", EXPORT_MS - HISTORY_MS / 2)
                    .plain("labelableId", content)
                    .text("labelableType", "CONTENT"),
            )?;
            self.summary.labellings += 1;
        }
        Ok(())
    }

    /// Footer comments, some replying to the one before, some edited once.
    fn write_comments(
        &mut self,
        rng: &mut Rng,
        container_class: &str,
        container: i64,
        created_ms: i64,
    ) -> ImportResult<()> {
        let count = rng.below(4);
        let mut previous: Option<i64> = None;
        for _ in 0..count {
            let id = self.other_id();
            let versions = 1 + u64::from(rng.below(4) == 0);
            let author = rng.below(self.plan.users);
            let parent = previous.filter(|_| rng.below(3) == 0);
            let comment_created = created_ms + to_i64(rng.below(86_400_000));
            for number in 1..=versions {
                let mut text = String::from("<p>");
                for _ in 0..8 + rng.below(40) {
                    text.push_str(rng.word());
                    text.push(' ');
                }
                text.push_str("</p>");
                let current = number == versions;
                self.write_version(
                    "Comment",
                    id,
                    number,
                    versions,
                    None,
                    author,
                    author,
                    comment_created,
                    &text,
                    |object| {
                        let object = object.text("contentStatus", "current").reference(
                            "containerContent",
                            container_class,
                            package::PAGES,
                            container,
                        );
                        match (current, parent) {
                            (true, Some(parent)) => {
                                object.reference("parent", "Comment", package::PAGES, parent)
                            }
                            _ => object,
                        }
                    },
                )?;
            }
            self.summary.comments += 1;
            previous = Some(id);
        }
        Ok(())
    }

    /// A view restriction to a group and an edit restriction to a person.
    fn write_restriction(&mut self, rng: &mut Rng, page: i64) -> ImportResult<()> {
        let user = self.user_key(rng.below(self.plan.users));
        for (set_type, subject) in [("View", None), ("Edit", Some(user))] {
            let set_id = self.other_id();
            self.put(
                Object::new("ContentPermissionSet", package::SECURITY, set_id)
                    .text("type", set_type)
                    .reference("owningContent", "Page", package::PAGES, page),
            )?;
            let permission_id = self.other_id();
            let mut object = Object::new("ContentPermission", package::SECURITY, permission_id)
                .text("type", set_type);
            object = match &subject {
                Some(key) => object.user_reference("userSubject", Some(key)),
                None => object.text("groupName", GROUPS[2]),
            };
            self.put(object.reference(
                "owningSet",
                "ContentPermissionSet",
                package::SECURITY,
                set_id,
            ))?;
            self.summary.restrictions += 1;
        }
        Ok(())
    }

    /// The container page of attachment `attachment`, its number of versions and its file type.
    fn attachment_facts(&self, attachment: u64) -> (u64, u64, usize) {
        let mut rng = self.rng(&[6, attachment]);
        let mut page = rng.below(self.plan.pages);
        if Self::trashed(page) {
            page -= 1;
        }
        let versions = 1 + rng.below(3);
        let media = usize::try_from(rng.below(MEDIA.len() as u64)).unwrap_or(0);
        (page, versions, media)
    }

    /// What one unit of weight is worth in bytes: the attachment budget over the weights of
    /// every attachment version.
    fn attachment_scale(&self) -> f64 {
        let mut total = 0.0;
        for attachment in 0..self.plan.attachments {
            let (_, versions, _) = self.attachment_facts(attachment);
            for version in 1..=versions {
                total += weight(self.seed, attachment, version);
            }
        }
        self.plan.attachment_budget as f64 / total.max(1.0)
    }

    fn attachment_title(&self, attachment: u64, media: usize) -> String {
        let mut rng = self.rng(&[8, attachment]);
        format!(
            "{}-{}-{attachment}.{}",
            rng.word(),
            rng.word(),
            MEDIA[media].0
        )
    }

    /// Every attachment version's bytes: incompressible, as most attachments are, stored as they
    /// are.
    fn write_attachment_files(&mut self) -> ImportResult<()> {
        let scale = self.attachment_scale();
        let seed = self.seed;
        let size_of = |attachment, version| attachment_size(seed, scale, attachment, version);
        let mut chunk = vec![0_u8; 64 * 1024];
        for attachment in 0..self.plan.attachments {
            let (page, versions, _) = self.attachment_facts(attachment);
            let id = self.ids.attachment + to_i64(attachment);
            for version in 1..=versions {
                let name = format!("attachments/{}/{id}/{version}", self.page_id(page));
                self.start(&name, false)?;
                let mut left = size_of(attachment, version);
                let mut rng = self.rng(&[9, attachment, version]);
                while left > 0 {
                    let length = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(0);
                    for word in chunk[..length].chunks_mut(8) {
                        let bytes = rng.next().to_le_bytes();
                        word.copy_from_slice(&bytes[..word.len()]);
                    }
                    self.zip
                        .write_all(&chunk[..length])
                        .map_err(ImportError::ExportWrite)?;
                    left -= length as u64;
                }
                self.summary.attachment_versions += 1;
                self.summary.attachment_bytes += size_of(attachment, version);
            }
            self.summary.attachments += 1;
        }
        Ok(())
    }

    /// Every attachment with its versions (the current one under the attachment's id, older ones
    /// naming it by `originalVersionId`) and their `FILESIZE` and `MEDIA_TYPE`.
    fn write_attachments(&mut self) -> ImportResult<()> {
        let scale = self.attachment_scale();
        let seed = self.seed;
        let size_of = |attachment, version| attachment_size(seed, scale, attachment, version);
        for attachment in 0..self.plan.attachments {
            let (page, versions, media) = self.attachment_facts(attachment);
            let id = self.ids.attachment + to_i64(attachment);
            let title = self.attachment_title(attachment, media);
            let mut rng = self.rng(&[10, attachment]);
            let creator = rng.below(self.plan.users);
            let created_ms = EXPORT_MS - HISTORY_MS / 2 + to_i64(rng.below(HISTORY_MS as u64 / 4));
            for version in 1..=versions {
                let current = version == versions;
                let object_id = if current { id } else { self.other_id() };
                let mut object = Object::new("Attachment", package::PAGES, object_id)
                    .text("title", &title)
                    .text("lowerTitle", &title.to_lowercase())
                    .plain("version", version)
                    .user_reference("creator", Some(&self.user_key(creator)))
                    .time("creationDate", created_ms)
                    .user_reference("lastModifier", Some(&self.user_key(creator)))
                    .time(
                        "lastModificationDate",
                        Self::version_time(created_ms, version, versions),
                    )
                    .text("versionComment", "");
                object = if current {
                    object.null("originalVersionId")
                } else {
                    object.plain("originalVersionId", id)
                };
                object = object
                    .text("contentStatus", "current")
                    .reference(
                        "containerContent",
                        "Page",
                        package::PAGES,
                        self.page_id(page),
                    )
                    .reference("space", "Space", package::SPACES, self.ids.space);
                self.put(object)?;
                for (name, string, long) in [
                    ("FILESIZE", None, Some(to_i64(size_of(attachment, version)))),
                    ("MEDIA_TYPE", Some(MEDIA[media].1), None),
                ] {
                    let property_id = self.other_id();
                    let mut property =
                        Object::new("ContentProperty", package::CONTENT, property_id)
                            .text("name", name);
                    property = match string {
                        Some(text) => property.text("stringValue", text),
                        None => property.null("stringValue"),
                    };
                    property = match long {
                        Some(number) => property.plain("longValue", number),
                        None => property.null("longValue"),
                    };
                    self.put(property.null("dateValue").reference(
                        "content",
                        "Attachment",
                        package::PAGES,
                        object_id,
                    ))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_grows_with_the_size_and_keeps_most_bytes_for_attachments() {
        let small = Plan::of(2 * 1024 * 1024);
        let large = Plan::of(1024 * 1024 * 1024);
        assert!(small.pages >= 12);
        assert_eq!(large.pages, 10_240);
        assert!(large.attachment_budget > 1024 * 1024 * 1024 / 2);
    }

    #[test]
    fn numbers_are_a_function_of_the_seed_and_the_key() {
        assert_eq!(Rng::new(1, &[2, 3]).next(), Rng::new(1, &[2, 3]).next());
        assert_ne!(Rng::new(1, &[2, 3]).next(), Rng::new(2, &[2, 3]).next());
    }
}
