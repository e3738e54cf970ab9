//! Labels on pages, blog posts and attachments, from the REST API and the UI alike: whoever may
//! edit the content (or the page an attachment is on) may label it.

use cairn_core::{ContentId, Label};

use crate::access;
use crate::clock::now_ms;
use crate::error::{Error, ErrorCode};
use crate::{Caller, Node};

/// Adds `labels` (`(prefix, name)`) to `target` and returns every label now on it. Adding a label
/// that is there already changes nothing.
pub async fn add(
    node: &Node,
    caller: &Caller,
    target: ContentId,
    labels: &[(String, String)],
) -> Result<Vec<Label>, Error> {
    access::require_edit_target(node, caller.user.id, target).await?;
    let now_on_content = node.store.add_labels(target, labels, now_ms()).await?;
    tracing::info!(content_id = %target, user = %caller.user.username, added = labels.len(), "labels added");
    Ok(now_on_content)
}

/// Removes label `name` (any prefix) from `target`; not found when it is not there.
pub async fn remove(
    node: &Node,
    caller: &Caller,
    target: ContentId,
    name: &str,
) -> Result<(), Error> {
    access::require_edit_target(node, caller.user.id, target).await?;
    if node.store.remove_label(target, name, None).await? {
        tracing::info!(content_id = %target, user = %caller.user.username, label = name, "label removed");
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::LabelNotFound,
            format!("Label {name} is not on content {target}"),
        ))
    }
}
