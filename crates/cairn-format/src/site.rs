//! Whole HTML documents around rendered bodies, for the exports that leave the wiki: a page as a
//! Word-compatible HTML file, and the pages of a space's static HTML site (each page, the index with
//! the page tree, the shared stylesheet).
//!
//! Bodies come in already rendered by [`crate::render_storage`] (safe HTML); everything this
//! module adds itself (titles, names, links) is escaped here. Links in the site are relative, so
//! the unzipped site works from any directory and from `file://`.

use crate::entity::{escape_attribute, escape_text};

/// The stylesheet every page of a static site links to (`style.css` beside the pages).
pub const SITE_STYLESHEET: &str =
    "body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; \
max-width: 56rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #172b4d; }
a { color: #0052cc; }
nav.breadcrumbs { font-size: 0.9rem; margin-bottom: 1rem; }
h1.title { border-bottom: 1px solid #dfe1e6; padding-bottom: 0.3rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #c1c7d0; padding: 0.3rem 0.5rem; vertical-align: top; }
pre, code { background: #f4f5f7; }
pre { padding: 0.5rem; overflow-x: auto; }
img { max-width: 100%; }
ul.attachments { font-size: 0.9rem; }
footer { margin-top: 3rem; font-size: 0.8rem; color: #6b778c; }
";

/// File name of the stylesheet in a static site.
pub const SITE_STYLESHEET_FILE: &str = "style.css";

/// A link in a static site: what it shows and its relative target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteLink {
    pub title: String,
    /// Relative to the site's top directory (`123.html`, `attachments/123/a.png`), percent-encoded
    /// where needed.
    pub href: String,
}

/// A page of the site's tree, with the pages below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteTreeNode {
    pub link: SiteLink,
    pub children: Vec<SiteTreeNode>,
}

/// The start of an HTML document called `title` with the site's stylesheet.
fn document_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <link rel=\"stylesheet\" href=\"{SITE_STYLESHEET_FILE}\">\n</head>\n<body>\n",
        escape_text(title)
    )
}

fn link_html(link: &SiteLink) -> String {
    format!(
        "<a href=\"{}\">{}</a>",
        escape_attribute(&link.href),
        escape_text(&link.title)
    )
}

/// One page of a static site: the breadcrumbs (the site's index first, then the ancestors), the
/// title, the rendered body, and the page's attachments.
pub fn site_page_html(
    title: &str,
    byline: &str,
    breadcrumbs: &[SiteLink],
    body_html: &str,
    attachments: &[SiteLink],
) -> String {
    let mut html = document_head(title);
    html.push_str("<nav class=\"breadcrumbs\">");
    let crumbs: Vec<String> = breadcrumbs.iter().map(link_html).collect();
    html.push_str(&crumbs.join(" / "));
    html.push_str("</nav>\n<h1 class=\"title\">");
    html.push_str(&escape_text(title));
    html.push_str("</h1>\n");
    if !byline.is_empty() {
        html.push_str("<p class=\"byline\">");
        html.push_str(&escape_text(byline));
        html.push_str("</p>\n");
    }
    html.push_str("<main>\n");
    html.push_str(body_html);
    html.push_str("\n</main>\n");
    if !attachments.is_empty() {
        html.push_str("<h2>Attachments</h2>\n<ul class=\"attachments\">\n");
        for attachment in attachments {
            html.push_str("<li>");
            html.push_str(&link_html(attachment));
            html.push_str("</li>\n");
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn push_tree(html: &mut String, nodes: &[SiteTreeNode]) {
    if nodes.is_empty() {
        return;
    }
    html.push_str("<ul>\n");
    for node in nodes {
        html.push_str("<li>");
        html.push_str(&link_html(&node.link));
        push_tree(html, &node.children);
        html.push_str("</li>\n");
    }
    html.push_str("</ul>\n");
}

/// The site's `index.html`: the space's name, its page tree as nested lists, its blog posts, and
/// `note` (what was left out) when there is one.
pub fn site_index_html(
    space_name: &str,
    description: &str,
    tree: &[SiteTreeNode],
    blog_posts: &[SiteLink],
    note: Option<&str>,
) -> String {
    let mut html = document_head(space_name);
    html.push_str("<h1 class=\"title\">");
    html.push_str(&escape_text(space_name));
    html.push_str("</h1>\n");
    if !description.is_empty() {
        html.push_str("<p>");
        html.push_str(&escape_text(description));
        html.push_str("</p>\n");
    }
    html.push_str("<h2>Pages</h2>\n");
    if tree.is_empty() {
        html.push_str("<p>No pages.</p>\n");
    }
    push_tree(&mut html, tree);
    if !blog_posts.is_empty() {
        html.push_str("<h2>Blog posts</h2>\n<ul>\n");
        for post in blog_posts {
            html.push_str("<li>");
            html.push_str(&link_html(post));
            html.push_str("</li>\n");
        }
        html.push_str("</ul>\n");
    }
    if let Some(note) = note {
        html.push_str("<footer>");
        html.push_str(&escape_text(note));
        html.push_str("</footer>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// A page as a Word-compatible HTML document (what Confluence's "Export to Word" answers): Word
/// opens HTML that declares its Office namespaces as a document of its own.
pub fn word_document_html(title: &str, body_html: &str) -> String {
    let title = escape_text(title);
    format!(
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\" \
         xmlns:w=\"urn:schemas-microsoft-com:office:word\" xmlns=\"http://www.w3.org/TR/REC-html40\">\n\
         <head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n\
         <meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml><![endif]-->\n\
         <style>body {{ font-family: Arial, sans-serif; }} table {{ border-collapse: collapse; }} \
         th, td {{ border: 1px solid #999; padding: 4px; }}</style>\n\
         </head>\n<body>\n<h1>{title}</h1>\n{body_html}\n</body>\n</html>\n"
    )
}

/// A file name from untrusted text (a title, an attachment's name) that is safe as one path
/// segment in a zip and on any file system: path separators, control characters and the
/// characters Windows refuses become `_`, and `.`/`..` cannot result.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|character| match character {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            character if character.is_control() => '_',
            character => character,
        })
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed.chars().all(|character| character == '.') {
        "_".to_string()
    } else {
        trimmed.to_string()
    }
}

/// A relative link's percent-encoding of one path segment (spaces as `%20`, not `+`, since a
/// file link is not a query).
pub fn encode_file_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(title: &str, href: &str) -> SiteLink {
        SiteLink {
            title: title.into(),
            href: href.into(),
        }
    }

    #[test]
    fn the_index_nests_the_tree_and_escapes_titles() {
        let tree = vec![SiteTreeNode {
            link: link("Home <1>", "1.html"),
            children: vec![SiteTreeNode {
                link: link("Child", "2.html"),
                children: Vec::new(),
            }],
        }];
        let html = site_index_html(
            "Dev & Ops",
            "",
            &tree,
            &[link("News", "3.html")],
            Some("1 page left out"),
        );
        assert!(html.contains("<title>Dev &amp; Ops</title>"), "{html}");
        assert!(html.contains(
            "<li><a href=\"1.html\">Home &lt;1&gt;</a><ul>\n<li><a href=\"2.html\">Child</a></li>\n</ul>\n</li>"
        ), "{html}");
        assert!(html.contains("<a href=\"3.html\">News</a>"));
        assert!(html.contains("1 page left out"));
        assert!(html.contains("href=\"style.css\""));
    }

    #[test]
    fn a_page_has_its_breadcrumbs_body_and_attachments() {
        let html = site_page_html(
            "Child",
            "Version 2",
            &[link("Space", "index.html"), link("Home", "1.html")],
            "<p>Body</p>",
            &[link("a b.png", "attachments/2/a%20b.png")],
        );
        assert!(html.contains("<a href=\"index.html\">Space</a> / <a href=\"1.html\">Home</a>"));
        assert!(html.contains("<main>\n<p>Body</p>\n</main>"));
        assert!(html.contains("<a href=\"attachments/2/a%20b.png\">a b.png</a>"));
    }

    #[test]
    fn a_word_document_declares_its_charset_and_title() {
        let html = word_document_html("R&D", "<p>x</p>");
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("<h1>R&amp;D</h1>\n<p>x</p>"));
        assert!(html.contains("urn:schemas-microsoft-com:office:word"));
    }

    #[test]
    fn file_names_stay_one_safe_segment() {
        assert_eq!(safe_file_name("a/b\\c.txt"), "a_b_c.txt");
        assert_eq!(safe_file_name(".."), "_");
        assert_eq!(safe_file_name(" "), "_");
        assert_eq!(safe_file_name("réport.pdf"), "réport.pdf");
        assert_eq!(encode_file_segment("a b/é"), "a%20b%2F%C3%A9");
    }
}
