//! What a [`JsonBuilder`] looks up, and how a list's needs are loaded in batches.

use std::collections::{BTreeSet, HashMap};

use cairn_core::{
    Attachment, AttachmentVersion, CommentMeta, Content, ContentId, ContentType, Label, Space,
    SpaceId, User, UserId,
};

use super::{Expand, JsonBuilder};
use crate::error::ApiError;

/// What one request has looked up already. The std mutex is never held across `.await`.
#[derive(Default)]
pub(super) struct Looked {
    users: HashMap<UserId, Option<User>>,
    spaces: HashMap<SpaceId, Space>,
    /// Comment facts by comment id; `None` for content that is not a comment.
    comments: HashMap<ContentId, Option<CommentMeta>>,
    labels: HashMap<ContentId, Vec<Label>>,
    /// Content met while walking up the tree or as attachments' containers, by id.
    pub(super) contents: HashMap<ContentId, Content>,
    /// Attachment versions by attachment and number.
    attachment_versions: HashMap<(ContentId, i32), AttachmentVersion>,
}

impl JsonBuilder<'_> {
    fn with_looked<T>(&self, read: impl FnOnce(&mut Looked) -> T) -> Option<T> {
        self.looked.lock().ok().map(|mut looked| read(&mut looked))
    }

    /// Loads, in batches, what showing `contents` with `expand` needs: their spaces, the comment
    /// facts of comments, the people of their versions and history, their labels and the pages
    /// above them. Later lookups of the same things are answered from memory.
    pub async fn preload(&self, contents: &[&Content], expand: &Expand) -> Result<(), ApiError> {
        let store = &self.state.store;
        self.preload_spaces(contents.iter().map(|content| content.space_id))
            .await?;
        let comment_ids: Vec<ContentId> = contents
            .iter()
            .filter(|content| content.content_type == ContentType::Comment)
            .map(|content| content.id)
            .collect();
        if !comment_ids.is_empty() {
            let metas = store.comment_metas(&comment_ids).await?;
            self.with_looked(|looked| {
                for id in &comment_ids {
                    looked.comments.entry(*id).or_insert(None);
                }
                for meta in metas {
                    looked.comments.insert(meta.content_id, Some(meta));
                }
            });
        }
        let mut user_ids = BTreeSet::new();
        for content in contents {
            if expand.has("version") || expand.has("history") {
                user_ids.insert(content.last_modifier_id);
            }
            if expand.has("history") {
                user_ids.insert(content.creator_id);
            }
        }
        self.preload_users(user_ids).await?;
        if expand.has("metadata") {
            let ids: Vec<ContentId> = contents.iter().map(|content| content.id).collect();
            let mut labels = store.labels_of_each(&ids).await?;
            self.with_looked(|looked| {
                for id in ids {
                    looked
                        .labels
                        .insert(id, labels.remove(&id).unwrap_or_default());
                }
            });
        }
        if expand.has("ancestors") {
            self.preload_ancestors(contents).await?;
        }
        Ok(())
    }

    /// Loads the spaces of `ids` not looked up yet, in one query.
    pub(crate) async fn preload_spaces(
        &self,
        ids: impl IntoIterator<Item = SpaceId>,
    ) -> Result<(), ApiError> {
        let wanted: BTreeSet<SpaceId> = ids.into_iter().collect();
        let missing: Vec<SpaceId> = self
            .with_looked(|looked| {
                wanted
                    .into_iter()
                    .filter(|id| !looked.spaces.contains_key(id))
                    .collect()
            })
            .unwrap_or_default();
        if missing.is_empty() {
            return Ok(());
        }
        let spaces = self.state.store.find_spaces_by_ids(&missing).await?;
        self.with_looked(|looked| {
            for space in spaces {
                looked.spaces.insert(space.id, space);
            }
        });
        Ok(())
    }

    /// Loads the users of `ids` not looked up yet, in one query.
    pub(crate) async fn preload_users(&self, ids: BTreeSet<UserId>) -> Result<(), ApiError> {
        let missing: Vec<UserId> = self
            .with_looked(|looked| {
                ids.into_iter()
                    .filter(|id| !looked.users.contains_key(id))
                    .collect()
            })
            .unwrap_or_default();
        if missing.is_empty() {
            return Ok(());
        }
        let users = self.state.store.find_users(&missing).await?;
        self.with_looked(|looked| {
            for id in &missing {
                looked.users.entry(*id).or_insert(None);
            }
            for user in users {
                looked.users.insert(user.id, Some(user));
            }
        });
        Ok(())
    }

    /// Walks up the tree from every item at once: one query per level, not per page.
    async fn preload_ancestors(&self, contents: &[&Content]) -> Result<(), ApiError> {
        let mut wanted: BTreeSet<ContentId> = contents
            .iter()
            .filter_map(|content| content.parent_id)
            .collect();
        for _ in 0..cairn_store::MAX_TREE_DEPTH {
            let missing: Vec<ContentId> = self
                .with_looked(|looked| {
                    wanted
                        .iter()
                        .filter(|id| !looked.contents.contains_key(id))
                        .copied()
                        .collect()
                })
                .unwrap_or_default();
            if missing.is_empty() {
                break;
            }
            let parents = self.state.store.find_contents(&missing).await?;
            wanted = parents
                .iter()
                .filter_map(|parent| parent.parent_id)
                .collect();
            self.with_looked(|looked| {
                for parent in parents {
                    looked.contents.insert(parent.id, parent);
                }
            });
        }
        Ok(())
    }

    pub(super) async fn user(&self, id: UserId) -> Result<Option<User>, ApiError> {
        if let Some(cached) = self
            .with_looked(|looked| looked.users.get(&id).cloned())
            .flatten()
        {
            return Ok(cached);
        }
        let user = self.state.store.find_user(id).await?;
        self.with_looked(|looked| looked.users.insert(id, user.clone()));
        Ok(user)
    }

    pub async fn space_of(&self, id: SpaceId) -> Result<Space, ApiError> {
        if let Some(cached) = self
            .with_looked(|looked| looked.spaces.get(&id).cloned())
            .flatten()
        {
            return Ok(cached);
        }
        let space = self
            .state
            .store
            .find_space_by_id(id)
            .await?
            .ok_or_else(ApiError::internal)?;
        self.with_looked(|looked| looked.spaces.insert(id, space.clone()));
        Ok(space)
    }

    pub(super) async fn comment_meta(
        &self,
        content: &Content,
    ) -> Result<Option<CommentMeta>, ApiError> {
        if content.content_type != ContentType::Comment {
            return Ok(None);
        }
        if let Some(cached) = self
            .with_looked(|looked| looked.comments.get(&content.id).cloned())
            .flatten()
        {
            return Ok(cached);
        }
        let meta = self.state.store.comment_meta(content.id).await?;
        self.with_looked(|looked| looked.comments.insert(content.id, meta.clone()));
        Ok(meta)
    }

    pub(super) async fn labels_of(&self, id: ContentId) -> Result<Vec<Label>, ApiError> {
        if let Some(cached) = self
            .with_looked(|looked| looked.labels.get(&id).cloned())
            .flatten()
        {
            return Ok(cached);
        }
        Ok(self.state.store.labels_of(id).await?)
    }

    /// The pages above `content`, from the top down, from what [`Self::preload`] walked or the store.
    pub(super) async fn ancestors_of(&self, content: &Content) -> Result<Vec<Content>, ApiError> {
        let walked = self.with_looked(|looked| {
            let mut chain = Vec::new();
            let mut cursor = content.parent_id;
            while let Some(parent_id) = cursor {
                let parent = looked.contents.get(&parent_id)?;
                cursor = parent.parent_id;
                chain.push(parent.clone());
                if chain.len() >= cairn_store::MAX_TREE_DEPTH {
                    break;
                }
            }
            chain.reverse();
            Some(chain)
        });
        match walked.flatten() {
            Some(chain) => Ok(chain),
            None => Ok(self.state.store.ancestors(content).await?),
        }
    }

    /// Loads, in batches, what showing `attachments` with `expand` needs: their spaces, their
    /// current versions and the versions' authors, and their containers.
    pub(crate) async fn preload_attachments(
        &self,
        attachments: &[Attachment],
        expand: &Expand,
    ) -> Result<(), ApiError> {
        self.preload_spaces(attachments.iter().map(|attachment| attachment.space_id))
            .await?;
        if expand.has("version") {
            let wanted: Vec<(ContentId, i32)> = attachments
                .iter()
                .map(|attachment| (attachment.id, attachment.version))
                .collect();
            let versions = self.state.store.attachment_versions_of(&wanted).await?;
            self.preload_users(versions.iter().map(|version| version.author_id).collect())
                .await?;
            self.with_looked(|looked| {
                for version in versions {
                    looked
                        .attachment_versions
                        .insert((version.attachment_id, version.number), version);
                }
            });
        }
        if expand.has("container") {
            let missing: Vec<ContentId> = self
                .with_looked(|looked| {
                    let ids: BTreeSet<ContentId> = attachments
                        .iter()
                        .map(|attachment| attachment.container_id)
                        .filter(|id| !looked.contents.contains_key(id))
                        .collect();
                    ids.into_iter().collect()
                })
                .unwrap_or_default();
            if !missing.is_empty() {
                let containers = self.state.store.find_contents(&missing).await?;
                self.with_looked(|looked| {
                    for container in containers {
                        looked.contents.insert(container.id, container);
                    }
                });
            }
        }
        Ok(())
    }

    /// Version `number` of attachment `id`, from what was preloaded or the store.
    pub(crate) async fn attachment_version(
        &self,
        id: ContentId,
        number: i32,
    ) -> Result<Option<AttachmentVersion>, ApiError> {
        if let Some(cached) = self
            .with_looked(|looked| looked.attachment_versions.get(&(id, number)).cloned())
            .flatten()
        {
            return Ok(Some(cached));
        }
        Ok(self.state.store.attachment_version(id, number).await?)
    }

    /// Content `id`, from what was preloaded or the store.
    pub(crate) async fn content_by_id(&self, id: ContentId) -> Result<Option<Content>, ApiError> {
        if let Some(cached) = self
            .with_looked(|looked| looked.contents.get(&id).cloned())
            .flatten()
        {
            return Ok(Some(cached));
        }
        Ok(self.state.store.find_content(id).await?)
    }
}
