//! Validation of what people type. Messages are lowercase and name the object, and reach users as-is.

use std::fmt;

/// Longest page or blog post title, as in Confluence.
pub const MAX_TITLE_CHARS: usize = 255;

/// A rule broken by user input; the message is safe and meant to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub message: String,
}

impl ValidationError {
    pub fn new(message: impl Into<String>) -> ValidationError {
        ValidationError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValidationError {}

/// Checks a page or blog post title and returns it trimmed.
pub fn validate_title(title: &str) -> Result<String, ValidationError> {
    let trimmed = title.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new("title must not be empty"));
    }
    if trimmed.chars().count() > MAX_TITLE_CHARS {
        return Err(ValidationError::new(format!(
            "title must be at most {MAX_TITLE_CHARS} characters"
        )));
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err(ValidationError::new(
            "title must not contain control characters",
        ));
    }
    Ok(trimmed.to_string())
}

/// Checks a space name and returns it trimmed.
pub fn validate_space_name(name: &str) -> Result<String, ValidationError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new("space name must not be empty"));
    }
    if trimmed.chars().count() > 200 {
        return Err(ValidationError::new(
            "space name must be at most 200 characters",
        ));
    }
    Ok(trimmed.to_string())
}

/// Checks a username and returns it lower-cased (usernames are case-insensitive, as in Confluence).
pub fn validate_username(username: &str) -> Result<String, ValidationError> {
    let trimmed = username.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new("username must not be empty"));
    }
    if trimmed.chars().count() > 100 {
        return Err(ValidationError::new(
            "username must be at most 100 characters",
        ));
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if !trimmed.chars().all(allowed) {
        return Err(ValidationError::new(format!(
            "username '{trimmed}' may only contain letters, digits and . _ - @"
        )));
    }
    Ok(trimmed.to_lowercase())
}

/// Checks a group name and returns it lower-cased.
pub fn validate_group_name(name: &str) -> Result<String, ValidationError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 100 {
        return Err(ValidationError::new(
            "group name must be 1 to 100 characters",
        ));
    }
    if trimmed.chars().any(|c| c.is_control() || c == '/') {
        return Err(ValidationError::new(
            "group name must not contain control characters or '/'",
        ));
    }
    Ok(trimmed.to_lowercase())
}

/// Characters Confluence does not allow in label names.
const LABEL_FORBIDDEN: &[char] = &[
    ':', ';', ',', '.', ' ', '?', '&', '[', ']', '(', ')', '#', '^', '*', '@', '!', '<', '>', '"',
    '\'', '/', '\\',
];

/// Checks a label name and returns it lower-cased, as Confluence stores labels.
pub fn validate_label_name(name: &str) -> Result<String, ValidationError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new("label name must not be empty"));
    }
    if trimmed.chars().count() > 255 {
        return Err(ValidationError::new(
            "label name must be at most 255 characters",
        ));
    }
    if let Some(bad) = trimmed
        .chars()
        .find(|c| LABEL_FORBIDDEN.contains(c) || c.is_whitespace() || c.is_control())
    {
        return Err(ValidationError::new(format!(
            "label '{trimmed}' contains a character that is not allowed: {bad:?}"
        )));
    }
    Ok(trimmed.to_lowercase())
}

/// Checks a label prefix: `global` (the default), `my` or `team`.
pub fn validate_label_prefix(prefix: &str) -> Result<String, ValidationError> {
    match prefix.trim() {
        "" | "global" => Ok("global".to_string()),
        "my" => Ok("my".to_string()),
        "team" => Ok("team".to_string()),
        other => Err(ValidationError::new(format!(
            "label prefix '{other}' is not one of global, my, team"
        ))),
    }
}

/// Checks a content property key.
pub fn validate_property_key(key: &str) -> Result<String, ValidationError> {
    if key.is_empty() || key.chars().count() > 255 {
        return Err(ValidationError::new(
            "property key must be 1 to 255 characters",
        ));
    }
    if key.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "property key must not contain control characters",
        ));
    }
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(validate_title("  Hello  ").as_deref(), Ok("Hello"));
        assert!(validate_title("   ").is_err());
        assert!(validate_title(&"x".repeat(256)).is_err());
        assert!(validate_title(&"é".repeat(255)).is_ok());
        assert!(validate_title("a\u{0007}b").is_err());
    }

    #[test]
    fn labels_are_lower_cased_and_restricted() {
        assert_eq!(
            validate_label_name(" Release-Notes ").as_deref(),
            Ok("release-notes")
        );
        assert!(validate_label_name("two words").is_err());
        assert!(validate_label_name("a:b").is_err());
        assert!(validate_label_name("").is_err());
        assert_eq!(validate_label_prefix("").as_deref(), Ok("global"));
        assert!(validate_label_prefix("secret").is_err());
    }

    #[test]
    fn usernames_are_lower_cased_and_restricted() {
        assert_eq!(validate_username("Alice.B").as_deref(), Ok("alice.b"));
        assert!(validate_username("a b").is_err());
        assert!(validate_username("a:b").is_err());
        assert!(validate_username("").is_err());
    }
}
