//! What an import did: counts per kind, what was skipped and why, and what was noticed.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::Skipped;

/// The report printed at the end of `cairn import confluence`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Nothing was written (`--dry-run`).
    pub dry_run: bool,
    pub spaces: usize,
    pub pages: usize,
    pub blog_posts: usize,
    /// Pages and blog posts imported into the trash.
    pub trashed: usize,
    /// Versions of pages and blog posts.
    pub versions: usize,
    pub comments: usize,
    /// Of the comments, those inline (with their markers in the page's body).
    pub inline_comments: usize,
    pub labels: usize,
    pub attachments: usize,
    pub attachment_versions: usize,
    pub attachment_bytes: u64,
    pub users_created: usize,
    pub groups_created: usize,
    /// Group memberships added (of users the import created).
    pub memberships: usize,
    pub space_permissions: usize,
    /// Page and blog post restrictions (one per operation and user or group).
    pub restrictions: usize,
    /// Content properties (JSON properties, and the status of comments).
    pub properties: usize,
    pub watches: usize,
    pub likes: usize,
    /// Labels on spaces (`team` labels: the space's categories).
    pub space_labels: usize,
    /// Comments on attachments (counted in `comments` too).
    pub attachment_comments: usize,
    /// Confluence content ids kept as they were.
    pub ids_kept: usize,
    /// Confluence content ids that were taken and got new ids.
    pub ids_mapped: usize,
    pub control_characters_dropped: u64,
    /// Every imported content id: Confluence's id -> Cairn's (the same where it was kept).
    pub content_ids: BTreeMap<i64, i64>,
    pub skipped: Vec<Skipped>,
    /// Differences worth knowing that did not stop anything (sizes, renamed keys, missing versions).
    pub notes: Vec<String>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would import (dry run, nothing written)"
        } else {
            "imported"
        };
        writeln!(f, "{verb}:")?;
        writeln!(f, "  spaces               {}", self.spaces)?;
        writeln!(f, "  pages                {}", self.pages)?;
        writeln!(f, "  blog posts           {}", self.blog_posts)?;
        writeln!(
            f,
            "  in the trash         {} (of the pages and blog posts)",
            self.trashed
        )?;
        writeln!(f, "  versions             {}", self.versions)?;
        writeln!(
            f,
            "  comments             {} ({} inline, {} on attachments)",
            self.comments, self.inline_comments, self.attachment_comments
        )?;
        writeln!(f, "  labels               {}", self.labels)?;
        writeln!(
            f,
            "  attachments          {} ({} versions, {} bytes)",
            self.attachments, self.attachment_versions, self.attachment_bytes
        )?;
        writeln!(
            f,
            "  users created        {} (deactivated)",
            self.users_created
        )?;
        writeln!(f, "  groups created       {}", self.groups_created)?;
        writeln!(f, "  group memberships    {}", self.memberships)?;
        writeln!(f, "  space permissions    {}", self.space_permissions)?;
        writeln!(f, "  restrictions         {}", self.restrictions)?;
        writeln!(f, "  content properties   {}", self.properties)?;
        writeln!(f, "  watches              {}", self.watches)?;
        writeln!(f, "  likes                {}", self.likes)?;
        writeln!(f, "  space labels         {}", self.space_labels)?;
        if !self.dry_run {
            writeln!(
                f,
                "  content ids          {} kept, {} mapped to new ids",
                self.ids_kept, self.ids_mapped
            )?;
        }
        if self.control_characters_dropped > 0 {
            writeln!(
                f,
                "  control characters   {} dropped from entities.xml",
                self.control_characters_dropped
            )?;
        }
        let mut by_kind: BTreeMap<&str, Vec<&Skipped>> = BTreeMap::new();
        for skipped in &self.skipped {
            by_kind.entry(skipped.kind).or_default().push(skipped);
        }
        if by_kind.is_empty() {
            writeln!(f, "skipped: nothing")?;
        } else {
            writeln!(f, "skipped:")?;
            for (kind, items) in by_kind {
                writeln!(f, "  {kind}: {}", items.len())?;
                for item in items {
                    writeln!(f, "    {} {}: {}", kind, item.id, item.reason)?;
                }
            }
        }
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}
