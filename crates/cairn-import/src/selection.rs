//! What of a read export the writer imports: comments that are live and on an imported page,
//! blog post or attachment; attachment versions whose file is in the export (an attachment with
//! none is left out, and so are the comments on it), one current file per name and container; and
//! the likes of what is imported. What is left out is named in the report.

use std::collections::HashSet;

use crate::model::{ExportAttachment, ExportComment, ExportStatus, Model};
use crate::report::ImportReport;

/// What is imported of the comments and attachments.
pub(crate) struct Selected {
    pub comments: Vec<ExportComment>,
    pub comment_ids: HashSet<i64>,
    pub attachments: Vec<ExportAttachment>,
}

/// Selects what is imported, narrows `model.likes` to it, and reports what is left out.
pub(crate) fn select(model: &mut Model, report: &mut ImportReport) -> Selected {
    let mut comments = Vec::new();
    for comment in &model.comments {
        if comment.status == ExportStatus::Trashed {
            report.skip("comment", comment.id, "deleted in Confluence");
        } else {
            if comment.inline {
                report.inline_comments += 1;
            }
            comments.push(comment.clone());
        }
    }
    let mut attachments = Vec::new();
    for attachment in &model.attachments {
        let with_bytes: Vec<_> = attachment
            .versions
            .iter()
            .filter(|version| version.file.is_some())
            .cloned()
            .collect();
        for missing in attachment
            .versions
            .iter()
            .filter(|version| version.file.is_none())
        {
            report.skip(
                "attachment version",
                attachment.id,
                format!(
                    "version {} of {}: no file in the export",
                    missing.number, attachment.title
                ),
            );
        }
        if with_bytes.is_empty() {
            continue;
        }
        let mut kept = attachment.clone();
        kept.versions = with_bytes;
        attachments.push(kept);
    }
    // Current attachments of one container must have distinct names; a later duplicate is skipped.
    let mut live_names = HashSet::new();
    attachments.retain(|attachment| {
        attachment.status != ExportStatus::Current
            || live_names.insert((attachment.container_id, attachment.title.to_lowercase()))
            || {
                report.skip(
                    "attachment",
                    attachment.id,
                    format!("a second current file named {}", attachment.title),
                );
                false
            }
    });

    // A comment on an attachment goes with it: an attachment without a file is not imported.
    let imported_attachment_ids: HashSet<i64> =
        attachments.iter().map(|attachment| attachment.id).collect();
    let page_ids: HashSet<i64> = model.contents.iter().map(|content| content.id).collect();
    comments.retain(|comment| {
        page_ids.contains(&comment.container_id)
            || imported_attachment_ids.contains(&comment.container_id)
            || {
                report.skip(
                    "comment",
                    comment.id,
                    format!(
                        "on attachment {}, which is not imported (no file in the export)",
                        comment.container_id
                    ),
                );
                false
            }
    });
    // A reply whose parent is left out stays, as a comment of its own.
    let comment_ids: HashSet<i64> = comments.iter().map(|comment| comment.id).collect();
    report.attachment_comments = comments
        .iter()
        .filter(|comment| imported_attachment_ids.contains(&comment.container_id))
        .count();
    // Likes of what is imported.
    let liked: HashSet<i64> = page_ids.union(&comment_ids).copied().collect();
    let likes: Vec<crate::model::ExportLike> = model
        .likes
        .iter()
        .filter(|like| {
            liked.contains(&like.content_id) || {
                report.skip(
                    "like",
                    like.content_id,
                    format!("by {}: of a comment that is not imported", like.username),
                );
                false
            }
        })
        .cloned()
        .collect();
    model.likes = likes;
    Selected {
        comments,
        comment_ids,
        attachments,
    }
}
