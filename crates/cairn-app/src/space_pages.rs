//! A space's pages as one viewer sees them, in tree order: what the space's static HTML site and
//! its PDF are made of ([`crate::space_site`], [`crate::space_pdf`]).
//!
//! Visibility is the store's: the walk reads only through listings that apply it in SQL (root
//! pages and children with the viewer's read restrictions), so a page the viewer may not see, and
//! everything below it, is never read. The walk keeps ids and titles, not bodies, and stops at a
//! cap, so a space of any size costs bounded memory; bodies are read one page at a time later.

use std::collections::HashMap;

use cairn_core::{ContentId, Space, SpaceKey, SpacePermission, UserId};
use cairn_store::Window;

use crate::{Caller, Error, Node};

/// Rows read per listing while walking the tree.
const LISTING_WINDOW: i64 = 100;

/// A page of the tree: where it is and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePage {
    pub id: ContentId,
    pub title: String,
    pub parent_id: Option<ContentId>,
    /// 0 at the space's root.
    pub depth: usize,
}

/// The pages of a space in tree order (each page, then its children in position order), and
/// whether the cap left some out.
#[derive(Debug, Default)]
pub struct SpaceTree {
    pub pages: Vec<TreePage>,
    pub truncated: bool,
}

/// The space of `key`, when `caller` may export it as a document (HTML site, PDF): 404 when they
/// cannot see it, 403 without EXPORTSPACE there (Confluence's "Export space" permission).
pub async fn exportable_space(
    node: &Node,
    caller: &Caller,
    key: &SpaceKey,
) -> Result<Space, Error> {
    let space = node.store.space_by_key(key).await?;
    crate::access::require_space_permission(
        node,
        caller.user.id,
        &space,
        SpacePermission::ExportSpace,
    )
    .await?;
    Ok(space)
}

/// Every listed child of `parent` (`None`: the root pages) that `viewer` may see, as
/// `(id, title)` in position order, at most `room` of them; the flag says whether more exist.
async fn children_of(
    node: &Node,
    viewer: UserId,
    space: &Space,
    parent: Option<ContentId>,
    room: usize,
) -> Result<(Vec<(ContentId, String)>, bool), Error> {
    let mut found = Vec::new();
    let mut start = 0;
    loop {
        let window = Window::new(start, LISTING_WINDOW);
        let listed = match parent {
            None => node.store.list_root_pages(viewer, space.id, window).await?,
            Some(parent) => node.store.list_children(viewer, parent, window).await?,
        };
        for page in listed.items {
            if found.len() == room {
                return Ok((found, true));
            }
            found.push((page.id, page.title));
        }
        if !listed.has_more {
            return Ok((found, false));
        }
        start += LISTING_WINDOW;
    }
}

/// The pages of `space` that `viewer` may see, in tree order, at most `cap` of them.
pub async fn viewable_tree(
    node: &Node,
    viewer: UserId,
    space: &Space,
    cap: usize,
) -> Result<SpaceTree, Error> {
    // Level by level, so the cap keeps the upper levels (the most useful part of a big space),
    // then put in tree order from the children lists.
    let mut children: HashMap<Option<ContentId>, Vec<(ContentId, String)>> = HashMap::new();
    let mut level = vec![None];
    let mut count = 0;
    let mut truncated = false;
    while !level.is_empty() {
        let mut next_level = Vec::new();
        for parent in level {
            let room = cap.saturating_sub(count);
            let (found, more) = children_of(node, viewer, space, parent, room).await?;
            truncated |= more;
            count += found.len();
            next_level.extend(found.iter().map(|(id, _)| Some(*id)));
            children.insert(parent, found);
        }
        level = next_level;
    }
    let mut pages = Vec::with_capacity(count);
    // A stack of (page, its parent, depth), children pushed in reverse to pop in position order.
    let mut stack: Vec<(ContentId, String, Option<ContentId>, usize)> = Vec::new();
    if let Some(roots) = children.remove(&None) {
        stack.extend(
            roots
                .into_iter()
                .rev()
                .map(|(id, title)| (id, title, None, 0)),
        );
    }
    while let Some((id, title, parent_id, depth)) = stack.pop() {
        if let Some(below) = children.remove(&Some(id)) {
            stack.extend(
                below
                    .into_iter()
                    .rev()
                    .map(|(child, child_title)| (child, child_title, Some(id), depth + 1)),
            );
        }
        pages.push(TreePage {
            id,
            title,
            parent_id,
            depth,
        });
    }
    Ok(SpaceTree { pages, truncated })
}
