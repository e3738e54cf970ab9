//! Identifier newtypes. Numeric ids come from one instance-wide allocator in the store and stay below
//! 2^53 so JavaScript clients read them exactly.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::validate::ValidationError;

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

numeric_id!(
    /// A page, blog post (and later comment or attachment): Confluence's content id, shown to clients
    /// as a JSON string of digits.
    ContentId
);
numeric_id!(
    /// A space's numeric id (a JSON number in the REST API).
    SpaceId
);
numeric_id!(
    /// A user account.
    UserId
);
numeric_id!(
    /// A group of users.
    GroupId
);

impl ContentId {
    /// Parses a content id as clients send it: digits, optionally prefixed with `att` (attachments).
    pub fn parse(text: &str) -> Option<ContentId> {
        let digits = text.strip_prefix("att").unwrap_or(text);
        if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(ContentId)
    }
}

/// A space key as users type it: letters and digits (Confluence also allows `~username` for personal
/// spaces). Stored and compared exactly; keys are upper-cased on creation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpaceKey(String);

impl SpaceKey {
    /// Longest key accepted, as in Confluence.
    pub const MAX_CHARS: usize = 255;

    /// Validates a key for a new global space. Keys are upper-cased, as Confluence does.
    pub fn new_global(text: &str) -> Result<SpaceKey, ValidationError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new("space key must not be empty"));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new(format!(
                "space key must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        if !trimmed.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ValidationError::new(format!(
                "space key '{trimmed}' may only contain the letters a-z and digits"
            )));
        }
        Ok(SpaceKey(trimmed.to_ascii_uppercase()))
    }

    /// The key of `username`'s personal space: `~username`, as Confluence names them.
    pub fn personal(username: &str) -> SpaceKey {
        SpaceKey(format!("~{username}"))
    }

    /// Whether this is a personal space's key.
    pub fn is_personal(&self) -> bool {
        self.0.starts_with('~')
    }

    /// Wraps a key read back from storage or from a URL, without validation (lookups of a malformed key
    /// simply find nothing).
    pub fn from_stored(text: impl Into<String>) -> SpaceKey {
        SpaceKey(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SpaceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ids_accept_digits_and_attachment_prefix() {
        assert_eq!(ContentId::parse("65539"), Some(ContentId(65539)));
        assert_eq!(ContentId::parse("att65539"), Some(ContentId(65539)));
        assert_eq!(ContentId::parse(""), None);
        assert_eq!(ContentId::parse("12a"), None);
        assert_eq!(ContentId::parse("-5"), None);
        assert_eq!(ContentId::parse("99999999999999999999"), None);
    }

    #[test]
    fn space_keys_are_upper_cased_and_checked() {
        assert_eq!(
            SpaceKey::new_global(" dev ").map(|k| k.0),
            Ok("DEV".to_string())
        );
        assert!(SpaceKey::new_global("").is_err());
        assert!(SpaceKey::new_global("a-b").is_err());
        assert!(SpaceKey::new_global(&"A".repeat(256)).is_err());
    }
}
