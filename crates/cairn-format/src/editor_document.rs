//! Storage format ↔ the WYSIWYG editor's document (TipTap/ProseMirror JSON), lossless both ways.
//!
//! The editor models the constructs people edit (paragraphs, headings, marks, lists, task lists,
//! tables, links, images, the code, panel, expand, status, toc, children and anchor macros,
//! mentions, emoticons, dates); everything else becomes a raw node that carries its exact
//! storage (`rawBlock`, `rawInline`). The node schema is documented in `frontend/README.md` and
//! mirrored by `frontend/src/schema.ts`.
//!
//! **Architecture invariant: an unedited block comes back byte for byte.** The document is cut
//! into top-level blocks, each owning a byte range of the original storage (whitespace between
//! blocks belongs to the block after it). On the way back the original is converted again, and
//! each block is compared with the original blocks by its *fresh storage*, the canonical
//! serialization of its model: a block whose fresh storage equals an original block's (matched
//! in order, common prefix and suffix first) emits that block's original bytes; any other block
//! is written fresh. Comparing fresh storage rather than JSON makes the comparison blind to what
//! TipTap adds or reorders (default attributes, mark order, text node splits).
//!
//! **Architecture invariant: the editor cannot bring in markup of its own.** Fresh storage is
//! built from the model with allow-listed elements and attributes only; raw nodes are accepted
//! only when their storage is the source of a node of the page being edited. Hence the API
//! takes that original document on the way back.

mod from_json;
mod from_storage;
mod model;
mod to_json;
mod to_storage;

use std::collections::HashMap;
use std::ops::Range;

use from_storage::{FromStorage, empty_paragraph, is_block_node};
use model::Block;

use crate::context::{NoContext, RenderContext};
use crate::error::FormatError;
use crate::parse::check_well_formed;
use crate::tree::{Document, NodeKind, NodeRef};

/// One top-level block and the bytes of the original storage it owns.
struct Segment {
    source: Range<usize>,
    block: Block,
}

/// Cuts a document into top-level blocks that together own every byte of its source.
fn segments(document: &Document, context: &dyn RenderContext) -> Vec<Segment> {
    let converter = FromStorage { context };
    let mut segments = Vec::new();
    let mut start = 0;
    let mut run: Vec<NodeRef<'_>> = Vec::new();
    let flush = |run: &mut Vec<NodeRef<'_>>, start: &mut usize, segments: &mut Vec<Segment>| {
        let has_content = run
            .iter()
            .any(|node| node.kind() != NodeKind::Text || !node.text().trim().is_empty());
        if let (true, Some(last)) = (has_content, run.last()) {
            let end = last.span().end;
            segments.push(Segment {
                source: *start..end,
                block: Block::Paragraph {
                    html: Default::default(),
                    content: converter.inline_nodes(run.iter().copied(), 0),
                },
            });
            *start = end;
        }
        run.clear();
    };
    for root in document.roots() {
        if is_block_node(root) {
            flush(&mut run, &mut start, &mut segments);
            let end = root.span().end;
            segments.push(Segment {
                source: start..end,
                block: converter.block(root, 0),
            });
            start = end;
        } else {
            run.push(root);
        }
    }
    flush(&mut run, &mut start, &mut segments);
    let length = document.source().len();
    match segments.last_mut() {
        Some(last) => last.source.end = length,
        // A document needs one block; an empty paragraph owns the empty or blank source.
        None => segments.push(Segment {
            source: 0..length,
            block: empty_paragraph(),
        }),
    }
    segments
}

/// Converts storage to the editor's document, as TipTap JSON. `context` supplies what the
/// editor shows but does not save (user names of mentions, image URLs).
pub fn storage_to_editor_json(document: &Document, context: &dyn RenderContext) -> String {
    let segments = segments(document, context);
    to_json::document_value(segments.iter().map(|segment| &segment.block)).to_string()
}

/// Converts the editor's document (TipTap JSON) back to storage. `original` is the storage the
/// editor was opened with: unchanged blocks come back as its exact bytes, and raw nodes are
/// accepted only if they are part of it.
///
/// Fails with [`FormatError::EditorDocument`] when the JSON is not a valid editor document
/// (naming where), and with [`FormatError::EditorContent`] when the result would nest deeper
/// than storage allows.
pub fn editor_json_to_storage(
    editor_json: &str,
    original: &Document,
) -> Result<String, FormatError> {
    let value: serde_json::Value =
        serde_json::from_str(editor_json).map_err(|error| FormatError::EditorDocument {
            path: "doc".to_string(),
            reason: format!("not valid JSON: {error}"),
        })?;
    let reader = from_json::Reader {
        allowed_raw: original.descendants().map(|node| node.source()).collect(),
    };
    let blocks = reader.document(&value)?;
    let edited: Vec<String> = blocks.iter().map(to_storage::block_storage).collect();
    let original_segments = segments(original, &NoContext);
    let original_fresh: Vec<String> = original_segments
        .iter()
        .map(|segment| to_storage::block_storage(&segment.block))
        .collect();
    let mut storage = String::with_capacity(original.source().len());
    // New tasks are numbered after every task id the page has, as Confluence does.
    let mut next_task_id = edited
        .iter()
        .map(String::as_str)
        .chain([original.source()])
        .flat_map(task_ids)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    for (fresh, matched) in edited.iter().zip(match_blocks(&original_fresh, &edited)) {
        match matched {
            Some(index) => {
                storage.push_str(&original.source()[original_segments[index].source.clone()])
            }
            None => push_numbering_new_tasks(fresh, &mut next_task_id, &mut storage),
        }
    }
    check_well_formed(&storage).map_err(|error| FormatError::EditorContent {
        source: Box::new(error),
    })?;
    Ok(storage)
}

const TASK_ID_OPEN: &str = "<ac:task-id>";
const TASK_ID_CLOSE: &str = "</ac:task-id>";
/// How the writer starts a task it has no id for (text in storage cannot look like this: its
/// `<` is escaped).
const TASK_WITHOUT_ID: &str = "<ac:task><ac:task-status>";

/// The numeric task ids in `storage`.
fn task_ids(storage: &str) -> impl Iterator<Item = u64> + '_ {
    storage.split(TASK_ID_OPEN).skip(1).filter_map(|rest| {
        let (id, _) = rest.split_once(TASK_ID_CLOSE)?;
        id.trim().parse().ok()
    })
}

/// Appends the writer's `block` storage to `out`, giving each task without an id the next one.
fn push_numbering_new_tasks(block: &str, next_id: &mut u64, out: &mut String) {
    let mut rest = block;
    while let Some(at) = rest.find(TASK_WITHOUT_ID) {
        out.push_str(&rest[..at]);
        out.push_str("<ac:task>");
        out.push_str(TASK_ID_OPEN);
        out.push_str(&next_id.to_string());
        out.push_str(TASK_ID_CLOSE);
        out.push_str("<ac:task-status>");
        *next_id = next_id.saturating_add(1);
        rest = &rest[at + TASK_WITHOUT_ID.len()..];
    }
    out.push_str(rest);
}

/// For each edited block, the original block it is unchanged from, if any. Matches keep their
/// order: the common prefix and suffix first, then, in between, each edited block takes the
/// first unused original block after the previous match with the same fresh storage.
fn match_blocks(original: &[String], edited: &[String]) -> Vec<Option<usize>> {
    let mut matched = vec![None; edited.len()];
    let prefix = original
        .iter()
        .zip(edited)
        .take_while(|(before, after)| before == after)
        .count();
    for (index, slot) in matched.iter_mut().enumerate().take(prefix) {
        *slot = Some(index);
    }
    let suffix = original[prefix..]
        .iter()
        .rev()
        .zip(edited[prefix..].iter().rev())
        .take_while(|(before, after)| before == after)
        .count();
    for offset in 1..=suffix {
        matched[edited.len() - offset] = Some(original.len() - offset);
    }
    let original_middle = prefix..original.len() - suffix;
    let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
    for index in original_middle.clone().rev() {
        positions
            .entry(original[index].as_str())
            .or_default()
            .push(index);
    }
    let mut next_free = original_middle.start;
    for index in prefix..edited.len() - suffix {
        let Some(candidates) = positions.get_mut(edited[index].as_str()) else {
            continue;
        };
        // Candidates are stacked in reverse, so the smallest index is on top.
        while candidates
            .last()
            .is_some_and(|candidate| *candidate < next_free)
        {
            candidates.pop();
        }
        if let Some(candidate) = candidates.pop() {
            matched[index] = Some(candidate);
            next_free = candidate + 1;
        }
    }
    matched
}

#[cfg(test)]
mod tests;
