//! Words and the storage-format body generator. Bodies look like real team pages: headings,
//! paragraphs with entities and inline markup, page and user links, an `info` macro, a table with
//! `status` macros, a `code` macro, an attachment image and lists.

use crate::dataset::PlannedUser;
use crate::rng::SeededRng;

pub const FIRST_NAMES: &[&str] = &[
    "Ada", "Bruno", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemal",
    "Lena", "Mateo", "Nora", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tala", "Umar", "Vera",
    "Wen", "Ximena", "Yusuf", "Zofia",
];

pub const LAST_NAMES: &[&str] = &[
    "Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "Laurent", "Moreau", "Nakamura", "O'Neill", "Petrov", "Quinn", "Rossi",
    "Schmidt", "Tanaka", "Úlfsson", "Vargas", "Weber", "Yilmaz", "Zhang",
];

pub const TOPICS: &[&str] = &[
    "Payments",
    "Search",
    "Onboarding",
    "Billing",
    "Platform",
    "Mobile",
    "Security",
    "Data",
    "Infrastructure",
    "Support",
    "Marketing",
    "Design",
    "Hiring",
    "Release",
    "Analytics",
    "Storage",
    "Networking",
    "Compliance",
    "Localization",
    "Documentation",
];

pub const TITLE_ADJECTIVES: &[&str] = &[
    "Quarterly",
    "Weekly",
    "Draft",
    "Final",
    "Internal",
    "Public",
    "Proposed",
    "Archived",
    "Current",
    "Legacy",
    "Annual",
    "Team",
];

pub const TITLE_NOUNS: &[&str] = &[
    "roadmap",
    "retrospective",
    "runbook",
    "design review",
    "meeting notes",
    "requirements",
    "postmortem",
    "checklist",
    "overview",
    "how-to",
    "decision log",
    "FAQ",
    "architecture",
    "test plan",
    "status report",
];

pub const LABELS: &[&str] = &[
    "roadmap",
    "meeting-notes",
    "howto",
    "decision",
    "architecture",
    "runbook",
    "draft",
    "archived",
    "security",
    "release",
    "q1",
    "q2",
    "q3",
    "q4",
    "team",
    "ops",
    "product",
    "customer",
    "incident",
    "onboarding",
    "api",
    "mobile",
    "web",
    "data",
    "infra",
    "finance",
    "legal",
    "hr",
    "design",
    "research",
];

/// Words of running text; the load harness searches for some of them.
pub const WORDS: &[&str] = &[
    "the",
    "team",
    "release",
    "deploy",
    "customer",
    "latency",
    "budget",
    "migration",
    "cluster",
    "database",
    "review",
    "quarter",
    "incident",
    "rollback",
    "metrics",
    "dashboard",
    "owner",
    "deadline",
    "feature",
    "backlog",
    "sprint",
    "capacity",
    "storage",
    "network",
    "cache",
    "index",
    "query",
    "schema",
    "replica",
    "failover",
    "alert",
    "runbook",
    "upgrade",
    "plan",
    "risk",
    "decision",
    "approval",
    "contract",
    "invoice",
    "onboarding",
    "training",
    "audit",
    "policy",
    "access",
    "token",
    "session",
    "export",
    "import",
    "archive",
    "search",
    "with",
    "and",
    "for",
    "after",
    "before",
    "during",
    "every",
    "next",
    "week",
    "month",
];

/// Words the harness searches for: rarer ones from [`WORDS`], present in many bodies.
pub const SEARCH_WORDS: &[&str] = &[
    "latency",
    "migration",
    "failover",
    "replica",
    "invoice",
    "audit",
    "rollback",
    "capacity",
];

/// `words` words of text, capitalised, ending with a period.
pub fn sentence(rng: &mut SeededRng, words: usize) -> String {
    let mut text = String::with_capacity(words * 8);
    for index in 0..words.max(1) {
        let word = rng.pick(WORDS);
        if index == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                text.extend(first.to_uppercase());
                text.push_str(chars.as_str());
            }
        } else {
            text.push(' ');
            text.push_str(word);
        }
    }
    text.push('.');
    text
}

/// Escapes text for an XML attribute or element.
pub fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A storage-format body of about `target_bytes`, made of varied sections.
pub fn storage_body(
    rng: &mut SeededRng,
    target_bytes: usize,
    space_key: &str,
    link_target: &dyn Fn(&mut SeededRng) -> String,
    image: Option<&str>,
    users: &[PlannedUser],
) -> String {
    let mut body = String::with_capacity(target_bytes + 1_024);
    let mut section = 0usize;
    if let Some(filename) = image {
        body.push_str(&format!(
            "<p><ac:image ac:alt=\"diagram\" ac:width=\"600\"><ri:attachment ri:filename=\"{}\"/></ac:image></p>",
            escape_xml(filename)
        ));
    }
    while body.len() < target_bytes {
        match section % 6 {
            0 => {
                body.push_str(&format!("<h2>{}</h2>", escape_xml(&sentence(rng, 4))));
                body.push_str(&format!(
                    "<p>{}&nbsp;&ndash; <strong>{}</strong> see <ac:link><ri:page ri:space-key=\"{}\" ri:content-title=\"{}\"/></ac:link>, owned by <ac:link><ri:user ri:username=\"{}\"/></ac:link> and <a href=\"https://example.com/{}\">the tracker</a>. {}</p>",
                    sentence(rng, 14),
                    sentence(rng, 3),
                    escape_xml(space_key),
                    escape_xml(&link_target(rng)),
                    escape_xml(&rng.pick(users).username),
                    rng.below(100_000),
                    sentence(rng, 18),
                ));
            }
            1 => body.push_str(&format!(
                "<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\"><ac:parameter ac:name=\"title\">{}</ac:parameter><ac:rich-text-body><p>{}</p></ac:rich-text-body></ac:structured-macro>",
                escape_xml(&sentence(rng, 3)),
                sentence(rng, 20)
            )),
            2 => {
                body.push_str("<table><tbody><tr><th>Item</th><th>Owner</th><th>Status</th></tr>");
                for _ in 0..(2 + rng.index(5)) {
                    let (colour, status) =
                        *rng.pick(&[("Green", "done"), ("Yellow", "in progress"), ("Red", "blocked")]);
                    body.push_str(&format!(
                        "<tr><td>{}</td><td>{}</td><td><ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"colour\">{colour}</ac:parameter><ac:parameter ac:name=\"title\">{status}</ac:parameter></ac:structured-macro></td></tr>",
                        sentence(rng, 4),
                        escape_xml(&rng.pick(users).display_name),
                    ));
                }
                body.push_str("</tbody></table>");
            }
            3 => body.push_str(&format!(
                "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\"><ac:parameter ac:name=\"language\">bash</ac:parameter><ac:plain-text-body><![CDATA[kubectl rollout status deploy/app-{0} && echo \"ok <{0}>\"\nhelm upgrade app ./chart --set image.tag=v{0}]]></ac:plain-text-body></ac:structured-macro>",
                rng.below(1_000)
            )),
            4 => {
                body.push_str("<ul>");
                for _ in 0..(2 + rng.index(4)) {
                    body.push_str(&format!("<li>{}</li>", sentence(rng, 7)));
                }
                body.push_str("</ul>");
            }
            _ => body.push_str(&format!(
                "<p>{} <em>{}</em> {}</p>",
                sentence(rng, 25),
                sentence(rng, 4),
                sentence(rng, 25)
            )),
        }
        section += 1;
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_capitalised_and_end_with_a_period() {
        let mut rng = SeededRng::new(1);
        let text = sentence(&mut rng, 5);
        assert!(text.ends_with('.'));
        assert!(text.chars().next().is_some_and(char::is_uppercase));
        assert_eq!(text.split(' ').count(), 5);
    }

    #[test]
    fn search_words_are_words_of_the_text() {
        for word in SEARCH_WORDS {
            assert!(WORDS.contains(word), "{word}");
        }
    }

    #[test]
    fn escaping_covers_markup_characters() {
        assert_eq!(escape_xml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
