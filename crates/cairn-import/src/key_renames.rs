//! Links into a space imported under another key (`--space-key-map OLD=NEW`): every body that
//! names `OLD` (links to its pages, blog posts, attachments and the space itself, and the space
//! parameters of macros) is rewritten to name `NEW`, so links keep working. Nothing else in a
//! body changes.

use std::collections::HashMap;

use cairn_core::SpaceKey;

use crate::model::ExportSpace;

/// The space keys an import changes beyond upper-casing, and how many bodies it rewrote.
#[derive(Debug, Default)]
pub(crate) struct KeyRenames {
    /// An export's space key, lower-cased (Confluence resolves keys in links regardless of case),
    /// to its key in Cairn.
    new_key_of: HashMap<String, String>,
    /// The renames as the export and Cairn write the keys, for the report.
    renames: Vec<String>,
    /// Versions whose body was rewritten.
    pub rewritten_bodies: usize,
}

impl KeyRenames {
    /// The renames of `spaces` imported under `keys` (export space id to Cairn key). A global key
    /// that is only upper-cased needs none: links find `DS` by `ds`.
    pub fn of<'a>(
        spaces: impl IntoIterator<Item = &'a ExportSpace>,
        keys: &HashMap<i64, SpaceKey>,
    ) -> KeyRenames {
        let mut renames = KeyRenames::default();
        for space in spaces {
            let Some(key) = keys.get(&space.id) else {
                continue;
            };
            if key.as_str().eq_ignore_ascii_case(&space.key) {
                continue;
            }
            renames
                .new_key_of
                .insert(space.key.to_lowercase(), key.as_str().to_string());
            renames.renames.push(format!("{} to {key}", space.key));
        }
        renames.renames.sort();
        renames
    }

    /// `body` with the renamed keys rewritten; a body that does not parse is kept as it is.
    pub fn apply(&mut self, body: String) -> String {
        if self.new_key_of.is_empty() {
            return body;
        }
        let Ok(document) = cairn_format::parse(&body) else {
            return body;
        };
        let new_key_of = |key: &str| self.new_key_of.get(&key.to_lowercase()).cloned();
        match cairn_format::rename_space_key_references(&document, &new_key_of) {
            Some(rewritten) => {
                self.rewritten_bodies += 1;
                rewritten
            }
            None => body,
        }
    }

    /// The report's note, when bodies were rewritten.
    pub fn note(&self) -> Option<String> {
        (self.rewritten_bodies > 0).then(|| {
            format!(
                "links in {} page, blog post and comment versions were rewritten to the new space keys ({})",
                self.rewritten_bodies,
                self.renames.join(", ")
            )
        })
    }
}
