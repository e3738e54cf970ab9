//! Resource identifiers (`ri:` elements): what a link, image or macro parameter points at.

use crate::tree::NodeRef;

/// A page named by space and title, as `ri:page` writes it. `space_key` is `None` when the
/// reference means "the same space as the page that contains it".
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageTarget {
    pub space_key: Option<String>,
    pub title: String,
}

/// How a user is identified.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserTarget {
    /// `ri:userkey` (Confluence Server).
    Key(String),
    /// `ri:username` (legacy).
    Username(String),
    /// `ri:account-id` (Confluence Cloud).
    AccountId(String),
}

impl UserTarget {
    /// The identifying value, whatever its kind.
    pub fn value(&self) -> &str {
        match self {
            UserTarget::Key(value) | UserTarget::Username(value) | UserTarget::AccountId(value) => {
                value
            }
        }
    }
}

/// The page or blog post that owns an attachment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttachmentOwner {
    Page(PageTarget),
    BlogPost {
        space_key: Option<String>,
        title: String,
        posting_day: Option<String>,
    },
}

/// One resource identifier.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// `<ri:page ri:space-key ri:content-title/>`.
    Page(PageTarget),
    /// `<ri:blog-post ri:space-key ri:content-title ri:posting-day/>`.
    BlogPost {
        space_key: Option<String>,
        title: String,
        posting_day: Option<String>,
    },
    /// `<ri:attachment ri:filename/>`, owned by the current page unless `owner` says otherwise.
    Attachment {
        filename: String,
        owner: Option<AttachmentOwner>,
    },
    /// `<ri:user …/>`.
    User(UserTarget),
    /// `<ri:space ri:space-key/>`.
    Space { space_key: String },
    /// `<ri:content-entity ri:content-id/>`.
    ContentEntity { content_id: String },
    /// `<ri:url ri:value/>`.
    Url { value: String },
    /// `<ri:shortcut ri:key ri:parameter/>` (e.g. a Jira issue shortcut).
    Shortcut { key: String, parameter: String },
}

fn attribute_string(node: NodeRef<'_>, name: &str) -> Option<String> {
    node.attribute(name).map(|value| value.into_owned())
}

fn non_empty_attribute(node: NodeRef<'_>, name: &str) -> Option<String> {
    attribute_string(node, name).filter(|value| !value.trim().is_empty())
}

impl Resource {
    /// Reads a resource identifier element; `None` for anything else or when required
    /// attributes are missing.
    pub fn from_element(node: NodeRef<'_>) -> Option<Resource> {
        let resource = match node.name() {
            "ri:page" => Resource::Page(PageTarget {
                space_key: non_empty_attribute(node, "ri:space-key"),
                title: attribute_string(node, "ri:content-title")?,
            }),
            "ri:blog-post" => Resource::BlogPost {
                space_key: non_empty_attribute(node, "ri:space-key"),
                title: attribute_string(node, "ri:content-title")?,
                posting_day: non_empty_attribute(node, "ri:posting-day"),
            },
            "ri:attachment" => {
                let owner = node
                    .children()
                    .find_map(|child| match Resource::from_element(child) {
                        Some(Resource::Page(page)) => Some(AttachmentOwner::Page(page)),
                        Some(Resource::BlogPost {
                            space_key,
                            title,
                            posting_day,
                        }) => Some(AttachmentOwner::BlogPost {
                            space_key,
                            title,
                            posting_day,
                        }),
                        _ => None,
                    });
                Resource::Attachment {
                    filename: attribute_string(node, "ri:filename")?,
                    owner,
                }
            }
            "ri:user" => Resource::User(
                non_empty_attribute(node, "ri:userkey")
                    .map(UserTarget::Key)
                    .or_else(|| {
                        non_empty_attribute(node, "ri:account-id").map(UserTarget::AccountId)
                    })
                    .or_else(|| {
                        non_empty_attribute(node, "ri:username").map(UserTarget::Username)
                    })?,
            ),
            "ri:space" => Resource::Space {
                space_key: non_empty_attribute(node, "ri:space-key")?,
            },
            "ri:content-entity" => Resource::ContentEntity {
                content_id: non_empty_attribute(node, "ri:content-id")?,
            },
            "ri:url" => Resource::Url {
                value: attribute_string(node, "ri:value")?,
            },
            "ri:shortcut" => Resource::Shortcut {
                key: attribute_string(node, "ri:key")?,
                parameter: attribute_string(node, "ri:parameter").unwrap_or_default(),
            },
            _ => return None,
        };
        Some(resource)
    }

    /// The first resource identifier among a node's children.
    pub fn first_child_of(node: NodeRef<'_>) -> Option<Resource> {
        node.children().find_map(Resource::from_element)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn resource(storage: &str) -> Option<Resource> {
        let document = parse(storage).expect("well-formed");
        document.roots().next().and_then(Resource::from_element)
    }

    #[test]
    fn every_resource_kind_is_read() {
        assert_eq!(
            resource("<ri:page ri:space-key=\"DEV\" ri:content-title=\"A &amp; B\"/>"),
            Some(Resource::Page(PageTarget {
                space_key: Some("DEV".into()),
                title: "A & B".into()
            }))
        );
        assert_eq!(
            resource("<ri:page ri:content-title=\"Home\" ri:version-at-save=\"3\"/>"),
            Some(Resource::Page(PageTarget {
                space_key: None,
                title: "Home".into()
            }))
        );
        assert_eq!(
            resource(
                "<ri:blog-post ri:space-key=\"K\" ri:content-title=\"News\" ri:posting-day=\"2024/01/31\"/>"
            ),
            Some(Resource::BlogPost {
                space_key: Some("K".into()),
                title: "News".into(),
                posting_day: Some("2024/01/31".into())
            })
        );
        assert_eq!(
            resource(
                "<ri:attachment ri:filename=\"a.png\"><ri:page ri:content-title=\"Other\"/></ri:attachment>"
            ),
            Some(Resource::Attachment {
                filename: "a.png".into(),
                owner: Some(AttachmentOwner::Page(PageTarget {
                    space_key: None,
                    title: "Other".into()
                }))
            })
        );
        assert_eq!(
            resource("<ri:user ri:userkey=\"ff80\"/>"),
            Some(Resource::User(UserTarget::Key("ff80".into())))
        );
        assert_eq!(
            resource("<ri:user ri:account-id=\"557058\"/>"),
            Some(Resource::User(UserTarget::AccountId("557058".into())))
        );
        assert_eq!(
            resource("<ri:user ri:username=\"jdoe\"/>"),
            Some(Resource::User(UserTarget::Username("jdoe".into())))
        );
        assert_eq!(
            resource("<ri:space ri:space-key=\"OPS\"/>"),
            Some(Resource::Space {
                space_key: "OPS".into()
            })
        );
        assert_eq!(
            resource("<ri:content-entity ri:content-id=\"123\"/>"),
            Some(Resource::ContentEntity {
                content_id: "123".into()
            })
        );
        assert_eq!(
            resource("<ri:url ri:value=\"https://example.com\"/>"),
            Some(Resource::Url {
                value: "https://example.com".into()
            })
        );
        assert_eq!(
            resource("<ri:shortcut ri:key=\"jira\" ri:parameter=\"ABC-1\"/>"),
            Some(Resource::Shortcut {
                key: "jira".into(),
                parameter: "ABC-1".into()
            })
        );
    }

    #[test]
    fn incomplete_identifiers_are_not_resources() {
        assert_eq!(resource("<ri:page ri:space-key=\"DEV\"/>"), None);
        assert_eq!(resource("<ri:user/>"), None);
        assert_eq!(resource("<p/>"), None);
    }
}
