//! What a dataset holds, decided from a tier and a seed alone: spaces, users, the page tree, how many
//! versions, attachments, comments and labels each page gets, which pages are restricted, and every
//! title and body. Pure: nothing here touches a database, so the plan can be tested and the same seed
//! always gives the same data.

use crate::rng::SeededRng;
use crate::text;

/// The password every generated user has, so the load harness can log in as any of them.
pub const USER_PASSWORD: &str = "bench-password";

/// First moment of the generated history (2025-01-01T00:00:00Z); later items are spaced after it, so
/// the data is the same whenever it is generated.
pub const BASE_TIME_MS: i64 = 1_735_689_600_000;

/// How big a dataset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// A few dozen pages, for tests.
    Tiny,
    /// 50 spaces, 9,000 pages, 1,000 blog posts, 500 users.
    S,
    /// 500 spaces, 90,000 pages, 10,000 blog posts, 5,000 users.
    M,
}

impl Tier {
    pub fn parse(text: &str) -> Option<Tier> {
        match text.to_ascii_lowercase().as_str() {
            "tiny" => Some(Tier::Tiny),
            "s" => Some(Tier::S),
            "m" => Some(Tier::M),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Tier::Tiny => "tiny",
            Tier::S => "S",
            Tier::M => "M",
        }
    }

    pub fn shape(self) -> TierShape {
        match self {
            Tier::Tiny => TierShape {
                spaces: 3,
                pages: 40,
                blog_posts: 6,
                users: 6,
            },
            Tier::S => TierShape {
                spaces: 50,
                pages: 9_000,
                blog_posts: 1_000,
                users: 500,
            },
            Tier::M => TierShape {
                spaces: 500,
                pages: 90_000,
                blog_posts: 10_000,
                users: 5_000,
            },
        }
    }
}

/// The counts of a tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierShape {
    pub spaces: usize,
    pub pages: usize,
    pub blog_posts: usize,
    pub users: usize,
}

/// Average versions per page (Confluence's enterprise-scale figure is about 2.35).
pub const VERSIONS_PER_PAGE: f64 = 2.35;
/// Average attachments per page.
pub const ATTACHMENTS_PER_PAGE: f64 = 2.3;
/// Average comments per page.
pub const COMMENTS_PER_PAGE: f64 = 6.0;
/// Share of pages with a read restriction.
pub const RESTRICTED_SHARE: f64 = 0.015;
/// Root pages each space starts with; the first one is the hub that collects many children.
const ROOT_PAGES_PER_SPACE: usize = 5;
/// Share of a space's other pages placed directly under its hub page, so big spaces have parents of
/// more than 500 children.
const HUB_SHARE: f64 = 0.42;

/// One generated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedUser {
    pub username: String,
    pub display_name: String,
}

/// One generated space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSpace {
    pub key: String,
    pub name: String,
    pub description: String,
    /// Index into the users.
    pub creator: usize,
}

/// One generated page, with everything that will be attached to it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPage {
    /// Global page number (also in the title, which keeps titles unique).
    pub number: usize,
    pub space: usize,
    /// Global page number of the parent; always a smaller number in the same space.
    pub parent: Option<usize>,
    pub title: String,
    pub creator: usize,
    /// Size the first version's body aims at, in bytes.
    pub body_bytes: usize,
    /// Versions in total (at least 1).
    pub versions: usize,
    pub attachments: Vec<PlannedAttachment>,
    /// Comment authors, in order; each comment is a reply to the previous one with some chance.
    pub comments: Vec<PlannedComment>,
    pub labels: Vec<String>,
    /// Only its creator may read it (and, by inheritance, the pages below it).
    pub restricted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAttachment {
    pub filename: String,
    pub media_type: &'static str,
    pub size_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedComment {
    pub author: usize,
    /// Index of an earlier comment on the same page this one answers.
    pub reply_to: Option<usize>,
    pub text: String,
}

/// One generated blog post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedBlogPost {
    pub number: usize,
    pub space: usize,
    pub title: String,
    pub creator: usize,
    pub body_bytes: usize,
}

/// Independent random streams, one per part of the plan.
mod stream {
    pub const USERS: u64 = 1;
    pub const SPACES: u64 = 2;
    pub const PAGES: u64 = 3;
    pub const BLOGS: u64 = 4;
}

/// The whole dataset, decided up front (bodies are produced on demand by [`page_body`]).
#[derive(Debug, Clone)]
pub struct DatasetPlan {
    pub tier: Tier,
    pub seed: u64,
    pub users: Vec<PlannedUser>,
    pub spaces: Vec<PlannedSpace>,
    /// In creation order: within a space, a parent always comes before its children.
    pub pages: Vec<PlannedPage>,
    pub blog_posts: Vec<PlannedBlogPost>,
}

impl DatasetPlan {
    pub fn new(tier: Tier, seed: u64) -> DatasetPlan {
        let shape = tier.shape();
        let users = plan_users(shape.users, seed);
        let spaces = plan_spaces(shape.spaces, shape.users, seed);
        let pages = plan_pages(&shape, seed);
        let blog_posts = plan_blog_posts(&shape, seed);
        DatasetPlan {
            tier,
            seed,
            users,
            spaces,
            pages,
            blog_posts,
        }
    }

    /// Pages of each space, in creation order (indices into `pages`).
    pub fn pages_by_space(&self) -> Vec<Vec<usize>> {
        let mut by_space = vec![Vec::new(); self.spaces.len()];
        for (index, page) in self.pages.iter().enumerate() {
            by_space[page.space].push(index);
        }
        by_space
    }

    pub fn total_versions(&self) -> usize {
        self.pages.iter().map(|page| page.versions).sum()
    }

    pub fn total_attachments(&self) -> usize {
        self.pages.iter().map(|page| page.attachments.len()).sum()
    }

    pub fn total_comments(&self) -> usize {
        self.pages.iter().map(|page| page.comments.len()).sum()
    }

    /// The largest number of direct children of one page.
    pub fn widest_parent(&self) -> usize {
        let mut children = vec![0usize; self.pages.len()];
        for page in &self.pages {
            if let Some(parent) = page.parent {
                children[parent] += 1;
            }
        }
        children.into_iter().max().unwrap_or(0)
    }
}

fn plan_users(count: usize, seed: u64) -> Vec<PlannedUser> {
    let mut rng = SeededRng::derive(seed, stream::USERS);
    (0..count)
        .map(|index| PlannedUser {
            username: format!("user{index:05}"),
            display_name: format!(
                "{} {}",
                rng.pick(text::FIRST_NAMES),
                rng.pick(text::LAST_NAMES)
            ),
        })
        .collect()
}

fn plan_spaces(count: usize, users: usize, seed: u64) -> Vec<PlannedSpace> {
    let mut rng = SeededRng::derive(seed, stream::SPACES);
    (0..count)
        .map(|index| {
            let topic = rng.pick(text::TOPICS);
            PlannedSpace {
                key: format!("S{index:03}"),
                name: format!("{topic} {index}"),
                description: format!("Everything about {} ({index}).", topic.to_lowercase()),
                creator: rng.index(users),
            }
        })
        .collect()
}

/// Which space each page goes to: a skewed (Zipf-like) share, so a few spaces are big.
fn space_weights(spaces: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..spaces)
        .map(|index| 1.0 / ((index + 1) as f64).powf(0.8))
        .collect();
    let total: f64 = raw.iter().sum();
    raw.into_iter().map(|weight| weight / total).collect()
}

/// Page counts per space, summing exactly to `pages`.
fn pages_per_space(pages: usize, spaces: usize) -> Vec<usize> {
    let weights = space_weights(spaces);
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|weight| ((weight * pages as f64).floor() as usize).max(1))
        .collect();
    let mut assigned: usize = counts.iter().sum();
    let mut index = 0;
    while assigned < pages {
        counts[index % spaces] += 1;
        assigned += 1;
        index += 1;
    }
    while assigned > pages {
        let largest = (0..spaces).max_by_key(|&i| counts[i]).unwrap_or(0);
        counts[largest] -= 1;
        assigned -= 1;
    }
    counts
}

/// A body size in bytes: median about 4 KB, a long tail up to 200 KB.
fn body_size(rng: &mut SeededRng) -> usize {
    rng.log_normal(4_000.0, 0.85).clamp(700.0, 200_000.0) as usize
}

fn plan_pages(shape: &TierShape, seed: u64) -> Vec<PlannedPage> {
    let mut rng = SeededRng::derive(seed, stream::PAGES);
    let counts = pages_per_space(shape.pages, shape.spaces);
    let mut pages = Vec::with_capacity(shape.pages);
    for (space, &count) in counts.iter().enumerate() {
        let first = pages.len();
        for local in 0..count {
            let number = pages.len();
            let parent = if local < ROOT_PAGES_PER_SPACE {
                None
            } else if rng.chance(HUB_SHARE) {
                Some(first)
            } else {
                // Any earlier page of the space: a tree of logarithmic depth.
                Some(first + rng.index(local))
            };
            pages.push(plan_one_page(&mut rng, shape, number, space, parent));
        }
    }
    pages
}

fn plan_one_page(
    rng: &mut SeededRng,
    shape: &TierShape,
    number: usize,
    space: usize,
    parent: Option<usize>,
) -> PlannedPage {
    let title = format!(
        "{} {} {} {number}",
        rng.pick(text::TITLE_ADJECTIVES),
        rng.pick(text::TOPICS),
        rng.pick(text::TITLE_NOUNS)
    );
    let attachments = (0..rng.count_with_mean(ATTACHMENTS_PER_PAGE))
        .map(|index| plan_attachment(rng, number, index))
        .collect();
    let comment_count = rng.count_with_mean(COMMENTS_PER_PAGE);
    let mut comments = Vec::with_capacity(comment_count);
    for index in 0..comment_count {
        let reply_to = (index > 0 && rng.chance(0.3)).then(|| rng.index(index));
        comments.push(PlannedComment {
            author: rng.index(shape.users),
            reply_to,
            text: {
                let words = 8 + rng.index(20);
                text::sentence(rng, words)
            },
        });
    }
    let label_count = rng.index(5);
    let mut labels: Vec<String> = (0..label_count)
        .map(|_| rng.pick(text::LABELS).to_string())
        .collect();
    labels.sort();
    labels.dedup();
    PlannedPage {
        number,
        space,
        parent,
        title,
        creator: rng.index(shape.users),
        body_bytes: body_size(rng),
        versions: 1 + rng.count_with_mean(VERSIONS_PER_PAGE - 1.0),
        attachments,
        comments,
        labels,
        restricted: rng.chance(RESTRICTED_SHARE),
    }
}

fn plan_attachment(rng: &mut SeededRng, page: usize, index: usize) -> PlannedAttachment {
    // The first file of a page is an image its body shows; the others are documents.
    if index == 0 {
        return PlannedAttachment {
            filename: format!("diagram-{page}.png"),
            media_type: "image/png",
            size_bytes: crate::blobs::PNG_BYTES.len(),
        };
    }
    let (extension, media_type) = *rng.pick(&[
        ("txt", "text/plain"),
        ("csv", "text/csv"),
        ("json", "application/json"),
    ]);
    PlannedAttachment {
        filename: format!("notes-{page}-{index}.{extension}"),
        media_type,
        size_bytes: 300 + rng.index(6_000),
    }
}

fn plan_blog_posts(shape: &TierShape, seed: u64) -> Vec<PlannedBlogPost> {
    let mut rng = SeededRng::derive(seed, stream::BLOGS);
    (0..shape.blog_posts)
        .map(|number| PlannedBlogPost {
            number,
            space: rng.index(shape.spaces),
            title: format!(
                "{} notes on {} {number}",
                rng.pick(text::TITLE_ADJECTIVES),
                rng.pick(text::TOPICS).to_lowercase()
            ),
            creator: rng.index(shape.users),
            body_bytes: body_size(&mut rng),
        })
        .collect()
}

/// The body of version `version` (1-based) of `page`: its own stream, so bodies can be made in any
/// order and in parallel. Later versions add a revision note to the first version's text.
pub fn page_body(plan: &DatasetPlan, page: &PlannedPage, version: usize) -> String {
    let mut rng = SeededRng::derive(plan.seed, 0x1000_0000 + page.number as u64);
    let space = &plan.spaces[page.space];
    let siblings_in_space = |rng: &mut SeededRng| -> String {
        // A link target: an earlier page of the same space (or the page itself for the first one).
        let candidate = page.number - rng.index(page.number.min(40) + 1);
        let target = &plan.pages[candidate];
        if target.space == page.space {
            target.title.clone()
        } else {
            page.title.clone()
        }
    };
    let image = page.attachments.first().map(|file| file.filename.clone());
    let mut body = text::storage_body(
        &mut rng,
        page.body_bytes,
        &space.key,
        &siblings_in_space,
        image.as_deref(),
        &plan.users,
    );
    for revision in 2..=version {
        body.push_str(&format!(
            "<p>Revision {revision}: {}</p>",
            text::sentence(&mut rng, 12)
        ));
    }
    body
}

/// The body of a blog post.
pub fn blog_body(plan: &DatasetPlan, post: &PlannedBlogPost) -> String {
    let mut rng = SeededRng::derive(plan.seed, 0x2000_0000 + post.number as u64);
    let key = plan.spaces[post.space].key.clone();
    let title = post.title.clone();
    text::storage_body(
        &mut rng,
        post.body_bytes,
        &key,
        &|_| title.clone(),
        None,
        &plan.users,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_titles_and_bodies() {
        let first = DatasetPlan::new(Tier::Tiny, 42);
        let second = DatasetPlan::new(Tier::Tiny, 42);
        let titles = |plan: &DatasetPlan| -> Vec<String> {
            plan.pages.iter().map(|page| page.title.clone()).collect()
        };
        assert_eq!(titles(&first), titles(&second));
        assert_eq!(first.users, second.users);
        for (a, b) in first.pages.iter().zip(&second.pages) {
            assert_eq!(
                page_body(&first, a, a.versions),
                page_body(&second, b, b.versions)
            );
            assert_eq!(a.comments, b.comments);
            assert_eq!(a.attachments, b.attachments);
        }
        let other = DatasetPlan::new(Tier::Tiny, 43);
        assert_ne!(titles(&first), titles(&other));
        assert_ne!(
            page_body(&first, &first.pages[0], 1),
            page_body(&other, &other.pages[0], 1)
        );
    }

    #[test]
    fn bodies_are_well_formed_storage_format() {
        let plan = DatasetPlan::new(Tier::Tiny, 5);
        for page in &plan.pages {
            let body = page_body(&plan, page, page.versions);
            assert!(
                cairn_format::check_well_formed(&body).is_ok(),
                "page {}: {body}",
                page.number
            );
            assert!(body.len() >= page.body_bytes);
        }
        for post in &plan.blog_posts {
            assert!(cairn_format::check_well_formed(&blog_body(&plan, post)).is_ok());
        }
        let with_image = plan.pages.iter().find(|page| !page.attachments.is_empty());
        if let Some(page) = with_image {
            assert!(page_body(&plan, page, 1).contains("ri:attachment"));
        }
    }

    #[test]
    fn tier_s_has_the_asked_shape() {
        let plan = DatasetPlan::new(Tier::S, 1);
        assert_eq!(plan.spaces.len(), 50);
        assert_eq!(plan.pages.len(), 9_000);
        assert_eq!(plan.blog_posts.len(), 1_000);
        assert_eq!(plan.users.len(), 500);
        let pages = plan.pages.len() as f64;
        let versions = plan.total_versions() as f64 / pages;
        let attachments = plan.total_attachments() as f64 / pages;
        let comments = plan.total_comments() as f64 / pages;
        assert!(
            (versions - 2.35).abs() < 0.05,
            "versions per page {versions}"
        );
        assert!(
            (attachments - 2.3).abs() < 0.1,
            "attachments per page {attachments}"
        );
        assert!(
            (comments - 6.0).abs() < 0.15,
            "comments per page {comments}"
        );
        let restricted = plan.pages.iter().filter(|page| page.restricted).count() as f64 / pages;
        assert!(
            (0.01..=0.02).contains(&restricted),
            "restricted share {restricted}"
        );
        assert!(
            plan.widest_parent() > 500,
            "widest parent {}",
            plan.widest_parent()
        );
        let mut sizes: Vec<usize> = plan.pages.iter().map(|page| page.body_bytes).collect();
        sizes.sort_unstable();
        let median = sizes[sizes.len() / 2];
        assert!((3_500..4_500).contains(&median), "median body {median}");
        assert!(*sizes.last().unwrap_or(&0) > 50_000, "no long tail");
    }

    #[test]
    fn titles_are_unique_and_parents_come_first_in_the_same_space() {
        let plan = DatasetPlan::new(Tier::S, 9);
        let mut titles = std::collections::HashSet::new();
        for page in &plan.pages {
            assert!(titles.insert(page.title.to_lowercase()), "{}", page.title);
            if let Some(parent) = page.parent {
                assert!(parent < page.number);
                assert_eq!(plan.pages[parent].space, page.space);
            }
        }
    }
}
