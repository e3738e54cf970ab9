//! What users added around content and spaces, as Confluence shows it: `metadata.likes` of
//! content, `extensions.resolution` of inline comments, `metadata.labels` of spaces. Read-only;
//! the caller has already been found to see the content or space.

use cairn_core::{CommentLocation, CommentMeta, Content, ContentId, Space};

use super::{JsonBuilder, Paging, QueryPairs, paged_list, unexpanded};
use crate::api::view::{LikesView, ResolutionView, SpaceMetadata};
use crate::error::ApiError;
use crate::time_format::iso_from_ms;

/// The content property Confluence keeps an inline comment's resolution in.
const RESOLUTION_PROPERTY: &str = "status";

impl JsonBuilder<'_> {
    /// `metadata.likes` of `id`.
    pub(super) async fn likes_view(&self, id: ContentId) -> Result<LikesView, ApiError> {
        let summary = self.state.store.like_summary(id, Some(self.viewer)).await?;
        Ok(LikesView {
            count: summary.count,
            current_user: summary.by_viewer,
        })
    }

    /// `extensions.resolution` of an inline comment: the status its `status` property holds (a
    /// JSON string, or the bare text an older client wrote), `open` while it has none.
    pub(super) async fn resolution_view(
        &self,
        comment: &Content,
        meta: &CommentMeta,
    ) -> Result<Option<Box<ResolutionView>>, ApiError> {
        if meta.location != CommentLocation::Inline {
            return Ok(None);
        }
        let property = self
            .state
            .store
            .find_property(comment.id, RESOLUTION_PROPERTY)
            .await?;
        let (status, modifier, modified_ms) = match &property {
            Some(property) => (
                resolution_status(&property.value_json),
                property.modifier_id,
                property.modified_ms,
            ),
            None => ("open".to_string(), comment.creator_id, comment.created_ms),
        };
        Ok(Some(Box::new(ResolutionView {
            status,
            last_modifier: self.user_view_by_id(modifier).await?,
            last_modified_date: iso_from_ms(modified_ms),
        })))
    }

    /// `metadata` of `space`: its labels.
    pub(super) async fn space_metadata(&self, space: &Space) -> Result<SpaceMetadata, ApiError> {
        let labels = self.state.store.space_labels(space.id).await?;
        let count = labels.len() as i64;
        Ok(SpaceMetadata {
            labels: paged_list(
                labels
                    .iter()
                    .map(|space_label| crate::api::label::label_view(&space_label.label))
                    .collect(),
                Paging {
                    start: 0,
                    limit: count.max(200),
                },
                false,
                &self.base,
                &format!(
                    "/rest/api/space/{}",
                    crate::links::encode_component(space.key.as_str())
                ),
                &QueryPairs::default(),
            ),
            expandable: unexpanded(&[]),
        })
    }
}

/// The status a `status` property's JSON holds: a JSON string's text, else the JSON as written.
fn resolution_status(value_json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(value_json) {
        Ok(serde_json::Value::String(status)) => status,
        _ => value_json.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::resolution_status;

    #[test]
    fn a_status_is_read_from_a_json_string_or_as_written() {
        assert_eq!(resolution_status("\"resolved\""), "resolved");
        assert_eq!(resolution_status(" reopened "), "reopened");
        assert_eq!(resolution_status("\"open\""), "open");
    }
}
