//! A space as a static HTML site (Confluence's "HTML export",
//! `/spaces/exportspacehtml.action?key=KEY`): a zip with `index.html` (the space's name and page
//! tree), one `<id>.html` per page and blog post the caller may see, `style.css`, and the current
//! version of every attachment of those under `attachments/<page id>/<file name>`.
//!
//! As the XML export ([`crate::space_export`]), it runs as a long task: the zip is written into a
//! temporary file by `cairn-import`'s zip writer thread (attachment bytes streamed from the blob
//! store, bodies rendered one page at a time on the blocking pool), then kept in the blob store
//! under `exports/{task}.zip` for [`download`]. Memory holds the tree's ids and titles (at most
//! [`MAX_PAGES`] pages and blog posts), never the zip or more than one body.
//!
//! Links between the space's pages and to its attachments are rewritten to relative file links
//! by the site's [`RenderContext`]; links elsewhere are left as the renderer writes them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use cairn_blob::{BlobKey, BlobRead};
use cairn_core::{Attachment, ContentId, ContentStatus, ContentType, Space, SpaceKey, UserId};
use cairn_format::{
    AttachmentOwner, ChildPage, PageTarget, RenderContext, SiteLink, SiteTreeNode, UserDisplay,
    UserTarget, encode_file_segment, safe_file_name,
};
use cairn_import::ZipSink;
use cairn_store::{AttachmentListing, Window};
use futures_util::StreamExt;

use crate::audit::{self, Event, category, object};
use crate::clock::now_ms;
use crate::space_pages::{TreePage, exportable_space, viewable_tree};
use crate::{Caller, Error, ErrorCode, Node};

/// How a site export task's name starts; the space key follows.
const TASK_PREFIX: &str = "Export space as HTML ";
/// Most pages and blog posts in one site; the index says when some were left out.
pub const MAX_PAGES: usize = 5000;
/// Most attachments of one page in the site.
const MAX_ATTACHMENTS_PER_PAGE: i64 = 1000;
/// Rows read per listing.
const LISTING_WINDOW: i64 = 100;

/// Whether long task `task` is a site export of the space of `key` started by `user`. A site
/// holds what the user who started it may see, so it is theirs alone: another exporter of the
/// space may be shut out of some of its pages.
pub fn is_site_export_of(task: &cairn_store::LongTask, key: &SpaceKey, user: UserId) -> bool {
    task.name == format!("{TASK_PREFIX}{key}") && task.creator_id == user
}

/// The path a finished site export is downloaded from.
pub fn download_path(key: &SpaceKey, task: i64) -> String {
    format!(
        "/rest/cairn/1/export/html/{}/{task}",
        cairn_format::encode_path_segment(key.as_str())
    )
}

/// The file name a browser saves the site under.
pub fn file_name(key: &SpaceKey) -> String {
    format!("{}-html.zip", safe_file_name(key.as_str()))
}

/// The file of page or blog post `id` in the site.
fn page_file(id: ContentId) -> String {
    format!("{}.html", id.0)
}

/// The zip entry (and relative link, percent-encoded) of attachment `file_name` of page `page`.
fn attachment_entry(page: ContentId, file_name: &str) -> (String, String) {
    let safe = safe_file_name(file_name);
    (
        format!("attachments/{}/{safe}", page.0),
        format!("attachments/{}/{}", page.0, encode_file_segment(&safe)),
    )
}

/// Starts exporting the space of `key` as a static site, as a long task; answers the task's id.
pub async fn start(node: &Node, caller: &Caller, key: &SpaceKey) -> Result<i64, Error> {
    let space = exportable_space(node, caller, key).await?;
    let task = node
        .store
        .start_task(
            &format!("{TASK_PREFIX}{}", space.key),
            caller.user.id,
            &node.cluster.node_id,
            now_ms(),
        )
        .await?;
    audit::record(
        node,
        caller,
        Event::new(
            category::SPACES,
            "Space HTML export started",
            object::SPACE,
            space.key.to_string(),
        )
        .with_id(task),
    )
    .await;
    // As the XML export, the task owns itself: it runs to its end whatever happens to the
    // request; if the process dies first the task stays `running` and no zip is stored.
    tokio::spawn(run(node.clone(), task, space, caller.user.id));
    Ok(task)
}

async fn run(node: Node, task: i64, space: Space, viewer: UserId) {
    if let Err(error) = node
        .store
        .set_task_progress(task, 10, &format!("exporting space {} as HTML", space.key))
        .await
    {
        tracing::warn!(task, %error, "cannot record an export's progress");
    }
    let outcome = export_and_store(&node, task, &space, viewer).await;
    let (succeeded, message) = match outcome {
        Ok(summary) => (
            true,
            format!("{summary}download: {}", download_path(&space.key, task)),
        ),
        Err(message) => (false, message),
    };
    if let Err(error) = node
        .store
        .finish_task(task, succeeded, &message, now_ms())
        .await
    {
        tracing::error!(task, %error, "cannot record the end of an export");
    }
}

async fn export_and_store(
    node: &Node,
    task: i64,
    space: &Space,
    viewer: UserId,
) -> Result<String, String> {
    let server_failed = |what: &str, error: &dyn std::fmt::Display| {
        tracing::error!(task, space = %space.key, %error, "{what}");
        format!(
            "space {} was not exported: the server failed (its log says why)",
            space.key
        )
    };
    let directory =
        tempfile::tempdir().map_err(|error| server_failed("no temporary directory", &error))?;
    let path = directory.path().join("site.zip");
    let file = std::fs::File::create(&path)
        .map_err(|error| server_failed("cannot create an export's file", &error))?;
    let summary = write_site(node, space, viewer, ZipSink::start(file))
        .await
        .map_err(|error| server_failed("a space HTML export failed", &error))?;
    crate::space_export::store_zip(node, task, &path)
        .await
        .map_err(|error| server_failed("cannot store a finished export", &error))?;
    tracing::info!(task, space = %space.key, "space exported as HTML");
    Ok(summary.to_string())
}

/// What a site holds, for the task's message.
#[derive(Debug, Default)]
struct SiteSummary {
    pages: usize,
    blog_posts: usize,
    attachments: usize,
    attachment_bytes: u64,
    missing_files: Vec<String>,
    left_out: bool,
}

impl std::fmt::Display for SiteSummary {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(formatter, "pages: {}", self.pages)?;
        writeln!(formatter, "blog posts: {}", self.blog_posts)?;
        writeln!(
            formatter,
            "attachments: {} ({} bytes)",
            self.attachments, self.attachment_bytes
        )?;
        if self.left_out {
            writeln!(
                formatter,
                "left out: pages beyond the first {MAX_PAGES} (the index says so)"
            )?;
        }
        for missing in &self.missing_files {
            writeln!(formatter, "missing from the blob store: {missing}")?;
        }
        Ok(())
    }
}

/// A failure while writing the site.
#[derive(Debug, thiserror::Error)]
enum SiteError {
    #[error(transparent)]
    App(#[from] Error),
    #[error(transparent)]
    Zip(#[from] cairn_import::ImportError),
    #[error(transparent)]
    Blob(#[from] cairn_blob::BlobError),
    #[error("rendering a page failed: {0}")]
    Render(String),
}

impl From<cairn_store::StoreError> for SiteError {
    fn from(error: cairn_store::StoreError) -> SiteError {
        SiteError::App(error.into())
    }
}

/// What every page's rendering needs to know about the site: which pages and blog posts are in
/// it (by lower-cased title, as Confluence resolves links) and the tree for `children` macros.
#[derive(Debug, Default)]
struct SiteIndex {
    space_key: String,
    pages_by_title: HashMap<String, ContentId>,
    posts_by_title: HashMap<String, ContentId>,
    titles: HashMap<ContentId, String>,
    parents: HashMap<ContentId, ContentId>,
    children: HashMap<ContentId, Vec<ContentId>>,
}

impl SiteIndex {
    fn in_this_space(&self, space_key: Option<&str>) -> bool {
        space_key.is_none_or(|key| key.eq_ignore_ascii_case(&self.space_key))
    }

    fn child_pages(&self, parent: ContentId, depth: Option<usize>, level: usize) -> Vec<ChildPage> {
        let deeper = depth.is_none_or(|depth| level < depth) && level < 32;
        self.children
            .get(&parent)
            .map(|children| {
                children
                    .iter()
                    .map(|child| ChildPage {
                        title: self.titles.get(child).cloned().unwrap_or_default(),
                        url: page_file(*child),
                        children: if deeper {
                            self.child_pages(*child, depth, level + 1)
                        } else {
                            Vec::new()
                        },
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The render context of one page of the site.
struct SiteContext<'a> {
    index: &'a SiteIndex,
    page: ContentId,
    title: &'a str,
    /// File names of the page's attachments in the site.
    own_attachments: &'a HashSet<String>,
}

impl RenderContext for SiteContext<'_> {
    fn current_space_key(&self) -> Option<&str> {
        Some(&self.index.space_key)
    }

    fn current_page(&self) -> Option<PageTarget> {
        Some(PageTarget {
            space_key: Some(self.index.space_key.clone()),
            title: self.title.to_string(),
        })
    }

    fn page_url(&self, page: &PageTarget) -> Option<String> {
        if !self.index.in_this_space(page.space_key.as_deref()) {
            return None;
        }
        let id = self.index.pages_by_title.get(&page.title.to_lowercase())?;
        Some(page_file(*id))
    }

    fn blog_post_url(
        &self,
        space_key: Option<&str>,
        title: &str,
        _posting_day: Option<&str>,
    ) -> Option<String> {
        if !self.index.in_this_space(space_key) {
            return None;
        }
        let id = self.index.posts_by_title.get(&title.to_lowercase())?;
        Some(page_file(*id))
    }

    fn attachment_url(&self, owner: Option<&AttachmentOwner>, filename: &str) -> Option<String> {
        let page = match owner {
            None if self.own_attachments.contains(filename) => self.page,
            None => return None,
            Some(AttachmentOwner::Page(target)) => {
                if !self.index.in_this_space(target.space_key.as_deref()) {
                    return None;
                }
                *self
                    .index
                    .pages_by_title
                    .get(&target.title.to_lowercase())?
            }
            Some(AttachmentOwner::BlogPost {
                space_key, title, ..
            }) => {
                if !self.index.in_this_space(space_key.as_deref()) {
                    return None;
                }
                *self.index.posts_by_title.get(&title.to_lowercase())?
            }
        };
        Some(attachment_entry(page, filename).1)
    }

    fn user(&self, user: &UserTarget) -> Option<UserDisplay> {
        // A profile link would lead back into the wiki, which the site stands apart from.
        match user {
            UserTarget::Username(username) => Some(UserDisplay {
                display_name: username.clone(),
                profile_url: None,
            }),
            UserTarget::Key(_) | UserTarget::AccountId(_) => None,
        }
    }

    fn space_url(&self, space_key: &str) -> Option<String> {
        self.index
            .in_this_space(Some(space_key))
            .then(|| "index.html".to_string())
    }

    fn content_url(&self, content_id: &str) -> Option<String> {
        let id = ContentId(content_id.parse().ok()?);
        self.index.titles.contains_key(&id).then(|| page_file(id))
    }

    fn children(&self, parent: Option<&PageTarget>, depth: Option<usize>) -> Vec<ChildPage> {
        let parent = match parent {
            None => self.page,
            Some(target) if self.index.in_this_space(target.space_key.as_deref()) => {
                match self.index.pages_by_title.get(&target.title.to_lowercase()) {
                    Some(id) => *id,
                    None => return Vec::new(),
                }
            }
            Some(_) => return Vec::new(),
        };
        self.index.child_pages(parent, depth, 1)
    }
}

/// The blog posts of `space` that `viewer` may see, newest first, at most `room` of them.
async fn viewable_blog_posts(
    node: &Node,
    viewer: UserId,
    space: &Space,
    room: usize,
) -> Result<(Vec<(ContentId, String)>, bool), Error> {
    let mut posts = Vec::new();
    let mut start = 0;
    loop {
        let listed = node
            .store
            .list_space_content(
                viewer,
                space.id,
                ContentType::BlogPost,
                false,
                Window::new(start, LISTING_WINDOW),
            )
            .await?;
        for post in listed.items {
            if posts.len() == room {
                return Ok((posts, true));
            }
            posts.push((post.id, post.title));
        }
        if !listed.has_more {
            return Ok((posts, false));
        }
        start += LISTING_WINDOW;
    }
}

/// The current attachments of `page`, by id.
async fn attachments_of(node: &Node, page: ContentId) -> Result<Vec<Attachment>, Error> {
    let listed = node
        .store
        .list_attachments(&AttachmentListing {
            container_id: page,
            filename: None,
            media_type: None,
            window: Window::first(MAX_ATTACHMENTS_PER_PAGE),
        })
        .await?;
    Ok(listed.items)
}

/// The nested lists of the index from the tree in tree order.
fn index_tree(pages: &[TreePage]) -> Vec<SiteTreeNode> {
    fn level(pages: &[TreePage], at: &mut usize, depth: usize) -> Vec<SiteTreeNode> {
        let mut nodes = Vec::new();
        while let Some(page) = pages.get(*at) {
            if page.depth < depth {
                break;
            }
            *at += 1;
            let children = level(pages, at, page.depth + 1);
            nodes.push(SiteTreeNode {
                link: SiteLink {
                    title: page.title.clone(),
                    href: page_file(page.id),
                },
                children,
            });
        }
        nodes
    }
    let mut at = 0;
    level(pages, &mut at, 0)
}

async fn write_entry(sink: &mut ZipSink, name: &str, text: String) -> Result<(), SiteError> {
    sink.start_entry(name, true).await?;
    sink.write(Bytes::from(text)).await?;
    Ok(())
}

/// Writes the whole site into `sink` and closes it.
async fn write_site(
    node: &Node,
    space: &Space,
    viewer: UserId,
    mut sink: ZipSink,
) -> Result<SiteSummary, SiteError> {
    let tree = viewable_tree(node, viewer, space, MAX_PAGES).await?;
    let (posts, posts_left_out) =
        viewable_blog_posts(node, viewer, space, MAX_PAGES - tree.pages.len()).await?;
    let mut summary = SiteSummary {
        left_out: tree.truncated || posts_left_out,
        ..SiteSummary::default()
    };
    let mut index = SiteIndex {
        space_key: space.key.to_string(),
        ..SiteIndex::default()
    };
    for page in &tree.pages {
        index
            .pages_by_title
            .insert(page.title.to_lowercase(), page.id);
        index.titles.insert(page.id, page.title.clone());
        if let Some(parent) = page.parent_id {
            index.parents.insert(page.id, parent);
            index.children.entry(parent).or_default().push(page.id);
        }
    }
    for (id, title) in &posts {
        index.posts_by_title.insert(title.to_lowercase(), *id);
        index.titles.insert(*id, title.clone());
    }
    let index = Arc::new(index);

    write_entry(
        &mut sink,
        cairn_format::SITE_STYLESHEET_FILE,
        cairn_format::SITE_STYLESHEET.to_string(),
    )
    .await?;
    let note = summary.left_out.then(|| {
        format!("This export holds the first {MAX_PAGES} pages and blog posts of the space.")
    });
    let index_html = cairn_format::site_index_html(
        &space.name,
        &space.description,
        &index_tree(&tree.pages),
        &posts
            .iter()
            .map(|(id, title)| SiteLink {
                title: title.clone(),
                href: page_file(*id),
            })
            .collect::<Vec<_>>(),
        note.as_deref(),
    );
    write_entry(&mut sink, "index.html", index_html).await?;

    let home = SiteLink {
        title: space.name.clone(),
        href: "index.html".to_string(),
    };
    let pages = tree.pages.iter().map(|page| page.id);
    let post_ids = posts.iter().map(|(id, _)| *id);
    for (id, is_post) in pages
        .map(|id| (id, false))
        .chain(post_ids.map(|id| (id, true)))
    {
        // Content may have gone since the listing: only what is still current is written.
        let Some(content) = node
            .store
            .find_content(id)
            .await?
            .filter(|content| content.status == ContentStatus::Current)
        else {
            continue;
        };
        // A restriction added since the walk must still keep the page out: what the viewer may
        // not see never leaves the server.
        if !crate::access::can_view(node, viewer, &content).await? {
            continue;
        }
        let attachments = attachments_of(node, id).await?;
        let mut breadcrumbs = vec![home.clone()];
        let mut ancestors = Vec::new();
        let mut cursor = index.parents.get(&id);
        while let Some(parent) = cursor {
            if ancestors.len() > 64 {
                break;
            }
            ancestors.push(SiteLink {
                title: index.titles.get(parent).cloned().unwrap_or_default(),
                href: page_file(*parent),
            });
            cursor = index.parents.get(parent);
        }
        breadcrumbs.extend(ancestors.into_iter().rev());
        let attachment_links: Vec<SiteLink> = attachments
            .iter()
            .map(|attachment| SiteLink {
                title: attachment.title.clone(),
                href: attachment_entry(id, &attachment.title).1,
            })
            .collect();
        let own_attachments: HashSet<String> = attachments
            .iter()
            .map(|attachment| attachment.title.clone())
            .collect();
        let page_index = Arc::clone(&index);
        let byline = format!("Version {}", content.version);
        // Rendering is CPU work proportional to the body: keep it off the async workers.
        let html = tokio::task::spawn_blocking(move || {
            let context = SiteContext {
                index: &page_index,
                page: content.id,
                title: &content.title,
                own_attachments: &own_attachments,
            };
            let body = cairn_format::render_storage(&content.body, &context).unwrap_or_else(|_| {
                format!(
                    "<pre>{}</pre>",
                    cairn_format::entity::escape_text(&content.body)
                )
            });
            cairn_format::site_page_html(
                &content.title,
                &byline,
                &breadcrumbs,
                &body,
                &attachment_links,
            )
        })
        .await
        .map_err(|error| SiteError::Render(error.to_string()))?;
        write_entry(&mut sink, &page_file(id), html).await?;
        if is_post {
            summary.blog_posts += 1;
        } else {
            summary.pages += 1;
        }
        for attachment in &attachments {
            write_attachment(node, &mut sink, id, attachment, &mut summary).await?;
        }
    }
    sink.finish().await?;
    Ok(summary)
}

/// Streams the current version of `attachment` of page `page` into the zip.
async fn write_attachment(
    node: &Node,
    sink: &mut ZipSink,
    page: ContentId,
    attachment: &Attachment,
    summary: &mut SiteSummary,
) -> Result<(), SiteError> {
    let Some(version) = node
        .store
        .attachment_version(attachment.id, attachment.version)
        .await?
    else {
        summary.missing_files.push(attachment.title.clone());
        return Ok(());
    };
    let read = match BlobKey::new(version.blob_key.clone()) {
        Ok(key) => match node.blobs.get(&key, None).await {
            Ok(read) => read,
            Err(error) if error.is_not_found() => {
                summary
                    .missing_files
                    .push(format!("{} of page {}", attachment.title, page.0));
                return Ok(());
            }
            Err(error) => return Err(error.into()),
        },
        Err(error) => return Err(error.into()),
    };
    // Attachments are mostly compressed already: stored as they are.
    sink.start_entry(&attachment_entry(page, &attachment.title).0, false)
        .await?;
    let mut stream = read.stream;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        summary.attachment_bytes += chunk.len() as u64;
        sink.write(chunk).await?;
    }
    summary.attachments += 1;
    Ok(())
}

/// The zip of site export task `task` of the space of `key`, for the user who started it while
/// they may still export that space: 404 when there is no such finished export of theirs (also
/// for anyone else, before any permission is looked at: another user's task is not theirs to
/// know of), 403 when they may no longer export the space.
pub async fn download(
    node: &Node,
    caller: &Caller,
    key: &SpaceKey,
    task: i64,
) -> Result<BlobRead, Error> {
    let not_found = || {
        Error::not_found(
            ErrorCode::TaskNotFound,
            format!("space {key} has no finished HTML export {task} of yours"),
        )
    };
    let is_mine = |found: &cairn_store::LongTask| is_site_export_of(found, key, caller.user.id);
    if !node
        .store
        .find_task(task)
        .await?
        .is_some_and(|found| is_mine(&found))
    {
        return Err(not_found());
    }
    exportable_space(node, caller, key).await?;
    crate::space_export::stored_zip(node, task, is_mine, not_found).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree_page(id: i64, title: &str, parent: Option<i64>, depth: usize) -> TreePage {
        TreePage {
            id: ContentId(id),
            title: title.to_string(),
            parent_id: parent.map(ContentId),
            depth,
        }
    }

    #[test]
    fn the_index_nests_pages_in_tree_order() {
        let pages = [
            tree_page(1, "Home", None, 0),
            tree_page(2, "Child", Some(1), 1),
            tree_page(3, "Grandchild", Some(2), 2),
            tree_page(4, "Second child", Some(1), 1),
            tree_page(5, "Other root", None, 0),
        ];
        let tree = index_tree(&pages);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].link.href, "1.html");
        let children: Vec<&str> = tree[0]
            .children
            .iter()
            .map(|child| child.link.title.as_str())
            .collect();
        assert_eq!(children, ["Child", "Second child"]);
        assert_eq!(tree[0].children[0].children[0].link.href, "3.html");
        assert!(tree[1].children.is_empty());
    }

    fn site_index() -> SiteIndex {
        let mut index = SiteIndex {
            space_key: "DEV".to_string(),
            ..SiteIndex::default()
        };
        for (id, title) in [(1, "Home"), (2, "Setup Guide")] {
            index
                .pages_by_title
                .insert(title.to_lowercase(), ContentId(id));
            index.titles.insert(ContentId(id), title.to_string());
        }
        index.parents.insert(ContentId(2), ContentId(1));
        index.children.insert(ContentId(1), vec![ContentId(2)]);
        index
            .posts_by_title
            .insert("news".to_string(), ContentId(9));
        index.titles.insert(ContentId(9), "News".to_string());
        index
    }

    #[test]
    fn links_inside_the_space_become_relative_file_links() {
        let index = site_index();
        let own: HashSet<String> = ["a b.png".to_string()].into_iter().collect();
        let context = SiteContext {
            index: &index,
            page: ContentId(1),
            title: "Home",
            own_attachments: &own,
        };
        let page = |space: Option<&str>, title: &str| PageTarget {
            space_key: space.map(str::to_string),
            title: title.to_string(),
        };
        assert_eq!(
            context.page_url(&page(None, "setup guide")).as_deref(),
            Some("2.html")
        );
        assert_eq!(
            context
                .page_url(&page(Some("dev"), "Setup Guide"))
                .as_deref(),
            Some("2.html")
        );
        assert_eq!(context.page_url(&page(Some("OPS"), "Setup Guide")), None);
        assert_eq!(context.page_url(&page(None, "Not exported")), None);
        assert_eq!(
            context
                .blog_post_url(None, "News", Some("2026/01/02"))
                .as_deref(),
            Some("9.html")
        );
        assert_eq!(
            context.attachment_url(None, "a b.png").as_deref(),
            Some("attachments/1/a%20b.png")
        );
        assert_eq!(context.attachment_url(None, "missing.png"), None);
        assert_eq!(
            context
                .attachment_url(
                    Some(&AttachmentOwner::Page(page(None, "Setup Guide"))),
                    "x/y.txt"
                )
                .as_deref(),
            Some("attachments/2/x_y.txt")
        );
        assert_eq!(context.content_url("2").as_deref(), Some("2.html"));
        assert_eq!(context.content_url("77"), None);
        assert_eq!(context.space_url("DEV").as_deref(), Some("index.html"));
        assert_eq!(context.space_url("OPS"), None);
        let children = context.children(None, None);
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].url, "2.html");
    }

    #[test]
    fn attachment_entries_are_one_safe_segment_below_their_page() {
        assert_eq!(
            attachment_entry(ContentId(5), "../../etc/passwd"),
            (
                "attachments/5/.._.._etc_passwd".to_string(),
                "attachments/5/.._.._etc_passwd".to_string()
            )
        );
    }
}
