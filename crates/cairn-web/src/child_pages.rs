//! The child pages a `children` macro lists, gathered before a page is rendered (rendering is
//! synchronous and pure): the page's children as the viewer sees them, level by level, within a
//! budget, and a fingerprint of them for the rendered-page cache's key, so a cached page shows its
//! children as they are now and as this viewer may see them.

use std::hash::{DefaultHasher, Hash, Hasher};

use cairn_core::{Content, ContentId, SpaceKey, UserId};
use cairn_format::ChildPage;
use cairn_store::{Listed, Window};

use crate::AppState;
use crate::error::ApiError;
use crate::links::webui_path;

/// Deepest level gathered (a macro asking for all levels gets this many).
const MAX_DEPTH: usize = 5;
/// Most pages gathered for one page view.
const MAX_PAGES: usize = 500;

/// The children of `page` in `space_key` that `viewer` may see, `MAX_DEPTH` levels deep at most,
/// in position order; empty when the body has no `children` macro.
pub async fn gather(
    state: &AppState,
    viewer: UserId,
    space_key: &SpaceKey,
    page: ContentId,
    storage: &str,
) -> Result<Vec<ChildPage>, ApiError> {
    if !crate::render::asks_for_children(storage) {
        return Ok(Vec::new());
    }
    let mut budget = MAX_PAGES;
    level(state, viewer, space_key, page, 1, &mut budget).await
}

async fn level(
    state: &AppState,
    viewer: UserId,
    space_key: &SpaceKey,
    parent: ContentId,
    depth: usize,
    budget: &mut usize,
) -> Result<Vec<ChildPage>, ApiError> {
    if depth > MAX_DEPTH || *budget == 0 {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(*budget).unwrap_or(i64::MAX).min(200);
    let Listed { items, .. } = state
        .store
        .list_children(viewer, parent, Window::first(limit))
        .await?;
    *budget = budget.saturating_sub(items.len());
    let mut pages = Vec::with_capacity(items.len());
    for child in &items {
        let grandchildren =
            Box::pin(level(state, viewer, space_key, child.id, depth + 1, budget)).await?;
        pages.push(child_page(space_key, child, grandchildren));
    }
    Ok(pages)
}

fn child_page(space_key: &SpaceKey, content: &Content, children: Vec<ChildPage>) -> ChildPage {
    ChildPage {
        title: content.title.clone(),
        url: webui_path(space_key, content),
        children,
    }
}

/// A short fingerprint of `tree` for a cache key: equal trees, equal fingerprints.
pub fn fingerprint(tree: &[ChildPage]) -> String {
    if tree.is_empty() {
        return String::new();
    }
    let mut hasher = DefaultHasher::new();
    tree.hash(&mut hasher);
    format!("|children:{:016x}", hasher.finish())
}
