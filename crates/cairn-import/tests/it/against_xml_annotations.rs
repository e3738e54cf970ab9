//! Likes and space labels of a real export against its own entities.xml (a part of
//! `against_xml.rs`): who likes which imported page, blog post or comment (`LikeEntity`, those
//! Cloud marks withdrawn left out), and the labels on each space's description object.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use cairn_core::{ContentId, SpaceKey, UserId};

use super::{Check, originals, user_names};

impl Check<'_> {
    pub(super) async fn likes(&self, pages: &HashSet<String>) {
        let name = self.name;
        let users = user_names(self.objects);
        let originals = originals(self.objects, &["Page", "BlogPost", "Comment"]);
        let mut expected: BTreeMap<ContentId, BTreeSet<String>> = BTreeMap::new();
        for like in self.objects.of("LikeEntity") {
            if like.text_trimmed("liked") == Some("false") {
                continue;
            }
            let (Some(content), Some(user)) = (like.reference("content"), like.reference("user"))
            else {
                continue;
            };
            let content = originals.get(&content.id).unwrap_or(&content.id);
            // Likes of what is imported: pages and blog posts of the export's spaces, and
            // comments that are imported.
            let imported = pages.contains(content)
                || (self.imported(content)
                    && self.objects.of("Comment").iter().any(|c| &c.id == content));
            if !imported {
                continue;
            }
            expected
                .entry(self.id(content))
                .or_default()
                .insert(users.get(&user.id).cloned().unwrap_or(user.id.clone()));
        }
        let ids: Vec<ContentId> = self
            .report
            .content_ids
            .values()
            .map(|id| ContentId(*id))
            .collect();
        let likes = self.store.export_likes(&ids).await.expect("likes");
        let user_ids: Vec<UserId> = likes.iter().map(|like| like.user_id).collect();
        let names: HashMap<UserId, String> = self
            .store
            .find_users(&user_ids)
            .await
            .expect("users")
            .into_iter()
            .map(|user| (user.id, user.username.to_lowercase()))
            .collect();
        let mut stored: BTreeMap<ContentId, BTreeSet<String>> = BTreeMap::new();
        for like in &likes {
            stored
                .entry(like.content_id)
                .or_default()
                .insert(names.get(&like.user_id).cloned().unwrap_or_default());
        }
        assert_eq!(stored, expected, "{name}: likes");
        assert_eq!(
            self.report.likes,
            expected.values().map(BTreeSet::len).sum::<usize>(),
            "{name}: likes reported"
        );
    }

    pub(super) async fn space_labels(&self) {
        let name = self.name;
        let labels: HashMap<&str, (&str, &str)> = self
            .objects
            .of("Label")
            .iter()
            .filter_map(|label| {
                Some((
                    label.id.as_str(),
                    (
                        label.text_trimmed("namespace").unwrap_or("global"),
                        label.text_trimmed("name")?,
                    ),
                ))
            })
            .collect();
        for space in self.objects.of("Space") {
            let key = space.text_trimmed("key").expect("a space key");
            let cairn_key = if key.starts_with('~') {
                key.to_string()
            } else {
                key.to_uppercase()
            };
            let description = space.reference("description").map(|d| d.id.as_str());
            let listed: HashSet<&str> = self
                .objects
                .of("SpaceDescription")
                .iter()
                .filter(|object| Some(object.id.as_str()) == description)
                .flat_map(|object| object.references("labellings"))
                .map(|labelling| labelling.id.as_str())
                .collect();
            let wanted: BTreeSet<(String, String)> = self
                .objects
                .of("Labelling")
                .iter()
                .filter(|labelling| match labelling.reference("content") {
                    Some(content) => Some(content.id.as_str()) == description,
                    None => listed.contains(labelling.id.as_str()),
                })
                .filter_map(|labelling| labels.get(labelling.reference("label")?.id.as_str()))
                .filter(|(namespace, _)| matches!(*namespace, "global" | "my" | "team"))
                .map(|(namespace, label)| (namespace.to_string(), label.to_lowercase()))
                .collect();
            let stored_space = self
                .store
                .find_space_by_key(&SpaceKey::from_stored(cairn_key.clone()))
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("{name}: space {cairn_key}"));
            let stored: BTreeSet<(String, String)> = self
                .store
                .space_labels(stored_space.id)
                .await
                .expect("space labels")
                .into_iter()
                .map(|space_label| (space_label.label.prefix, space_label.label.name))
                .collect();
            assert_eq!(stored, wanted, "{name}: labels of space {cairn_key}");
        }
    }
}
