//! What the load harness needs to know about a generated dataset: who can log in, and which pages,
//! blog posts and attachments exist and are visible to every generated user. Written by the generator
//! beside the data (`bench-manifest.json` in the home) and read by `cairn bench run`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::BenchError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub tier: String,
    pub seed: u64,
    /// The password of every user in `usernames`.
    pub password: String,
    pub usernames: Vec<String>,
    pub space_keys: Vec<String>,
    /// Pages every user may view (restricted pages and the pages below them are left out).
    pub pages: Vec<ManifestPage>,
    /// Blog post ids.
    pub blog_posts: Vec<i64>,
    /// Attachments on visible pages.
    pub attachments: Vec<ManifestAttachment>,
    /// Words that occur in many bodies, for searches.
    pub search_words: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestPage {
    pub id: i64,
    pub space_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestAttachment {
    pub page_id: i64,
    pub filename: String,
}

impl Manifest {
    pub fn read(path: &Path) -> Result<Manifest, BenchError> {
        let text = std::fs::read_to_string(path).map_err(|source| BenchError::File {
            path: path.display().to_string(),
            source,
        })?;
        let manifest: Manifest = serde_json::from_str(&text)?;
        manifest.check()?;
        Ok(manifest)
    }

    pub fn write(&self, path: &Path) -> Result<(), BenchError> {
        let text = serde_json::to_string(self)?;
        std::fs::write(path, text).map_err(|source| BenchError::File {
            path: path.display().to_string(),
            source,
        })
    }

    /// Refuses a manifest the harness cannot run on.
    pub fn check(&self) -> Result<(), BenchError> {
        if self.usernames.is_empty()
            || self.pages.is_empty()
            || self.blog_posts.is_empty()
            || self.attachments.is_empty()
            || self.search_words.is_empty()
        {
            return Err(BenchError::invalid(
                "the manifest lacks users, pages, blog posts, attachments or search words",
            ));
        }
        Ok(())
    }
}
