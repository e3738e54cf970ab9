//! Writing what users added around the imported content and spaces, in the import's
//! transaction: watches, likes and space labels (each with its journal entry).

use std::collections::HashMap;

use cairn_core::{ContentId, SpaceId, SpaceKey, UserId};
use cairn_store::{Store, WatchTarget, WriteTx};

use crate::error::ImportResult;
use crate::model::{ExportWatchTarget, Model, Person};

/// Writes the watches, likes and space labels of `model` (already narrowed to what is imported).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_annotations(
    store: &Store,
    transaction: &mut WriteTx,
    model: &Model,
    keys: &HashMap<i64, SpaceKey>,
    space_ids: &HashMap<i64, SpaceId>,
    label_ids: &HashMap<(String, String), i64>,
    id: &impl Fn(i64) -> ContentId,
    user_of: &impl Fn(&Person) -> UserId,
) -> ImportResult<()> {
    for watch in &model.watches {
        let target = match watch.target {
            ExportWatchTarget::Content(content_id) => WatchTarget::Content(id(content_id)),
            ExportWatchTarget::Space(space_id) => WatchTarget::Space(keys[&space_id].clone()),
        };
        store
            .import_watch_in(
                transaction,
                user_of(&Some(watch.username.clone())),
                &target,
                watch.created_ms,
            )
            .await?;
    }
    for like in &model.likes {
        store
            .import_like_in(
                transaction,
                id(like.content_id),
                user_of(&Some(like.username.clone())),
                like.created_ms,
            )
            .await?;
    }
    for label in &model.space_labels {
        store
            .import_space_label_in(
                transaction,
                space_ids[&label.space_id],
                &label.prefix,
                &label.name,
                label_ids[&(label.prefix.clone(), label.name.clone())],
                label.created_ms,
            )
            .await?;
    }
    Ok(())
}
