//! A whole space as one PDF (Confluence's "Export to PDF" of a space,
//! `/spaces/flyingpdf/flyingpdf.action?key=KEY`): a contents list, then every page the caller may
//! see, in tree order, each starting on a new PDF page.
//!
//! Built in the request, bounded: at most [`MAX_PAGES`] pages and [`MAX_BODY_BYTES`] of stored
//! bodies go into one PDF (the contents page says when pages were left out), bodies are read and
//! laid out a batch at a time on the blocking pool, and only the laid-out text is kept.

use cairn_core::{ContentStatus, Space, SpaceKey};
use cairn_format::PdfBook;

use crate::space_pages::{TreePage, exportable_space, viewable_tree};
use crate::{Caller, Error, Node};

/// Most wiki pages in one space PDF.
pub const MAX_PAGES: usize = 1000;
/// Most bytes of stored bodies laid out into one space PDF.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// Pages read and laid out per trip to the blocking pool.
const BATCH: usize = 20;

/// A space's PDF, with the space it is of.
#[derive(Debug)]
pub struct SpacePdf {
    pub space: Space,
    pub bytes: Vec<u8>,
    /// Pages in the PDF.
    pub pages: usize,
}

/// One page read for the book: its place in the tree, its version and its body.
struct Chapter {
    page: TreePage,
    version: i32,
    body: String,
}

/// Adds `chapters` to `book` on the blocking pool (parsing and layout are CPU work).
async fn lay_out(mut book: PdfBook, chapters: Vec<Chapter>) -> Result<PdfBook, Error> {
    tokio::task::spawn_blocking(move || {
        for chapter in chapters {
            // A body written before well-formedness was checked is shown as its text, as the
            // page view does.
            let document = cairn_format::parse(&chapter.body).or_else(|_| {
                cairn_format::parse(&format!(
                    "<p>{}</p>",
                    cairn_format::entity::escape_text(&chapter.body)
                ))
            });
            let byline = format!("Version {}", chapter.version);
            if let Ok(document) = document {
                book.add(&chapter.page.title, chapter.page.depth, &byline, &document);
            }
        }
        book
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "laying out a space PDF failed");
        Error::internal()
    })
}

/// The PDF of the space of `key` for `caller` (404 when they cannot see the space, 403 without
/// EXPORTSPACE): every page they may see, in tree order.
pub async fn space_pdf(node: &Node, caller: &Caller, key: &SpaceKey) -> Result<SpacePdf, Error> {
    let space = exportable_space(node, caller, key).await?;
    let tree = viewable_tree(node, caller.user.id, &space, MAX_PAGES).await?;
    let mut left_out = tree.truncated;
    let mut book = PdfBook::new(&space.name);
    let mut body_bytes = 0_usize;
    let mut pages = 0_usize;
    let mut batch = Vec::with_capacity(BATCH);
    for page in tree.pages {
        // The page may have changed since the walk: only what is still current goes in.
        let Some(content) = node
            .store
            .find_content(page.id)
            .await?
            .filter(|content| content.status == ContentStatus::Current)
        else {
            continue;
        };
        // A restriction added since the walk must still keep the page out: what the viewer may
        // not see never leaves the server.
        if !crate::access::can_view(node, caller.user.id, &content).await? {
            continue;
        }
        body_bytes += content.body.len();
        if body_bytes > MAX_BODY_BYTES {
            left_out = true;
            break;
        }
        pages += 1;
        batch.push(Chapter {
            page,
            version: content.version,
            body: content.body,
        });
        if batch.len() == BATCH {
            book = lay_out(book, std::mem::take(&mut batch)).await?;
        }
    }
    book = lay_out(book, batch).await?;
    let note = left_out.then(|| {
        format!(
            "This PDF holds the first {pages} pages of the space in tree order: one PDF holds at \
             most {MAX_PAGES} pages and {} MiB of page text.",
            MAX_BODY_BYTES / (1024 * 1024)
        )
    });
    let bytes = tokio::task::spawn_blocking(move || book.finish(note.as_deref()))
        .await
        .map_err(|error| {
            tracing::error!(%error, "writing a space PDF failed");
            Error::internal()
        })?;
    tracing::info!(space = %space.key, pages, bytes = bytes.len(), "space exported as PDF");
    Ok(SpacePdf {
        space,
        bytes,
        pages,
    })
}
