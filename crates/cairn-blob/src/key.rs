//! `BlobKey`: the name of one blob, relative to the store's root.

use std::fmt;
use std::str::FromStr;

use crate::BlobError;

/// Longest key accepted, in bytes. S3 allows 1024; staying well below leaves room for a bucket
/// prefix and keeps directory paths short.
pub const MAX_KEY_BYTES: usize = 512;

/// Longest segment between slashes, in bytes. Most filesystems allow 255 per name; the directory
/// backend appends a staging suffix (`#1`) while an upload is in progress.
pub const MAX_SEGMENT_BYTES: usize = 200;

/// A validated blob key such as `attachments/65/65539/v1`.
///
/// Keys are relative: segments separated by `/`, each made of ASCII letters, digits, `-`, `_` and
/// `.`, never empty, never starting with `.` (so `.` and `..` are impossible and the store can keep
/// hidden names for itself). The same key names the same bytes on every backend: the directory
/// backend turns segments into directories, S3 uses the key (below the configured prefix) verbatim.
///
/// A key is also used as a prefix for listing (`attachments`, `attachments/65`): prefixes match
/// whole segments, so `attachments/65` covers `attachments/65/…` and not `attachments/650/…`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// Checks `key` and wraps it.
    pub fn new(key: impl Into<String>) -> Result<Self, BlobError> {
        let key = key.into();
        match problem_with_key(&key) {
            None => Ok(Self(key)),
            Some(reason) => Err(BlobError::InvalidKey { key, reason }),
        }
    }

    /// The key as stored, e.g. `attachments/65/65539/v1`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Says what is wrong with `key`, or `None` when it is a valid key.
fn problem_with_key(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return Some("it is empty");
    }
    if key.len() > MAX_KEY_BYTES {
        return Some("it is longer than 512 bytes");
    }
    if key.starts_with('/') {
        return Some("it starts with a slash");
    }
    for segment in key.split('/') {
        if segment.is_empty() {
            return Some("it has an empty segment");
        }
        if segment.starts_with('.') {
            return Some("a segment starts with a dot");
        }
        if segment.len() > MAX_SEGMENT_BYTES {
            return Some("a segment is longer than 200 bytes");
        }
        let only_safe_characters = segment
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
        if !only_safe_characters {
            return Some("only ASCII letters, digits, '-', '_', '.' and '/' are allowed");
        }
    }
    None
}

impl fmt::Display for BlobKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for BlobKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "BlobKey({:?})", self.0)
    }
}

impl AsRef<str> for BlobKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for BlobKey {
    type Err = BlobError;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        Self::new(key)
    }
}

impl TryFrom<String> for BlobKey {
    type Error = BlobError;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        Self::new(key)
    }
}

impl TryFrom<&str> for BlobKey {
    type Error = BlobError;

    fn try_from(key: &str) -> Result<Self, Self::Error> {
        Self::new(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_typical_keys() {
        for key in [
            "attachments/65/65539/v1",
            "index-snapshots/2024-05-01T10.00.00Z_node-3.tar",
            "a",
            "A_b-c.d/e",
        ] {
            let parsed = BlobKey::new(key).unwrap();
            assert_eq!(parsed.as_str(), key);
            assert_eq!(parsed.to_string(), key);
        }
    }

    #[test]
    fn rejects_unsafe_keys_and_says_why() {
        let cases = [
            ("", "it is empty"),
            ("/attachments/1", "it starts with a slash"),
            ("attachments//1", "it has an empty segment"),
            ("attachments/1/", "it has an empty segment"),
            ("attachments/../etc", "a segment starts with a dot"),
            ("..", "a segment starts with a dot"),
            ("./a", "a segment starts with a dot"),
            ("a/.hidden", "a segment starts with a dot"),
            (
                "a b",
                "only ASCII letters, digits, '-', '_', '.' and '/' are allowed",
            ),
            (
                "a#1",
                "only ASCII letters, digits, '-', '_', '.' and '/' are allowed",
            ),
            (
                "a\\b",
                "only ASCII letters, digits, '-', '_', '.' and '/' are allowed",
            ),
            (
                "caf\u{e9}",
                "only ASCII letters, digits, '-', '_', '.' and '/' are allowed",
            ),
            (
                "a%2e",
                "only ASCII letters, digits, '-', '_', '.' and '/' are allowed",
            ),
        ];
        for (key, expected_reason) in cases {
            match BlobKey::new(key) {
                Err(BlobError::InvalidKey {
                    key: rejected,
                    reason,
                }) => {
                    assert_eq!(rejected, key);
                    assert_eq!(reason, expected_reason, "key {key:?}");
                }
                other => panic!("key {key:?} was not rejected: {other:?}"),
            }
        }
    }

    #[test]
    fn enforces_length_limits() {
        let long_segment = "a".repeat(MAX_SEGMENT_BYTES + 1);
        assert!(BlobKey::new(long_segment).is_err());
        assert!(BlobKey::new("a".repeat(MAX_SEGMENT_BYTES)).is_ok());

        let segment = "a".repeat(100);
        let too_long = [segment.as_str(); 6].join("/");
        assert!(too_long.len() > MAX_KEY_BYTES);
        assert!(BlobKey::new(too_long).is_err());
    }

    #[test]
    fn error_message_names_the_key() {
        let error = BlobKey::new("a/../b").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid blob key \"a/../b\": a segment starts with a dot"
        );
    }
}
