//! What a use case answers when it cannot do what was asked: a stable [`ErrorCode`] and a message
//! for people. The web layer turns the code into an HTTP status once (`cairn-web`'s `error.rs`).

use cairn_store::StoreError;

/// The stable snake_case name of every failure a client can see, listed in
/// docs/confluence-compat.md ("Error codes"). Clients may match on these; renaming one breaks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadRequest,
    NotAuthenticated,
    BadCredentials,
    Forbidden,
    TooManyLoginFailures,
    RateLimited,
    Busy,
    NotFound,
    NoSuchEndpoint,
    MethodNotAllowed,
    UnsupportedMediaType,
    RequestTooLarge,
    ContentNotFound,
    SpaceNotFound,
    VersionNotFound,
    AttachmentNotFound,
    AttachmentBytesMissing,
    LabelNotFound,
    PropertyNotFound,
    UserNotFound,
    GroupNotFound,
    TokenNotFound,
    TaskNotFound,
    SpaceKeyTaken,
    DuplicateTitle,
    AttachmentNameTaken,
    GroupTaken,
    UsernameTaken,
    PropertyKeyTaken,
    StaleVersion,
    StalePropertyVersion,
    AttachmentTooLarge,
    PropertyTooLarge,
    RangeNotSatisfiable,
    CqlRequired,
    InvalidCql,
    DatabaseUnavailable,
    ReadOnly,
    InternalError,
}

/// What kind of failure a code is; the web layer gives each kind its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The request itself is wrong (400).
    Invalid,
    /// No credentials, or wrong ones (401).
    Unauthenticated,
    /// The caller may see the thing but not do this to it (403).
    Forbidden,
    /// Missing, or hidden from the caller: the two are indistinguishable (404).
    NotFound,
    /// The method does not apply to the resource (405).
    MethodNotAllowed,
    /// Someone else changed it first (409).
    Conflict,
    /// Larger than a limit (413).
    TooLarge,
    /// The body's media type is not one the endpoint reads (415).
    UnsupportedMediaType,
    /// A byte range outside the file (416).
    RangeNotSatisfiable,
    /// Slow down; `retry_after` says for how long (429).
    TooMany,
    /// Cairn's fault; logged, never explained to the client (500).
    Internal,
    /// A dependency (the database) or the node is busy or away; try again shortly (503).
    Unavailable,
}

impl ErrorCode {
    /// Every code, in the order docs/confluence-compat.md lists them.
    pub const ALL: [ErrorCode; 39] = [
        ErrorCode::BadRequest,
        ErrorCode::NotAuthenticated,
        ErrorCode::BadCredentials,
        ErrorCode::Forbidden,
        ErrorCode::TooManyLoginFailures,
        ErrorCode::RateLimited,
        ErrorCode::Busy,
        ErrorCode::NotFound,
        ErrorCode::NoSuchEndpoint,
        ErrorCode::MethodNotAllowed,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::RequestTooLarge,
        ErrorCode::ContentNotFound,
        ErrorCode::SpaceNotFound,
        ErrorCode::VersionNotFound,
        ErrorCode::AttachmentNotFound,
        ErrorCode::AttachmentBytesMissing,
        ErrorCode::LabelNotFound,
        ErrorCode::PropertyNotFound,
        ErrorCode::UserNotFound,
        ErrorCode::GroupNotFound,
        ErrorCode::TokenNotFound,
        ErrorCode::TaskNotFound,
        ErrorCode::SpaceKeyTaken,
        ErrorCode::DuplicateTitle,
        ErrorCode::AttachmentNameTaken,
        ErrorCode::GroupTaken,
        ErrorCode::UsernameTaken,
        ErrorCode::PropertyKeyTaken,
        ErrorCode::StaleVersion,
        ErrorCode::StalePropertyVersion,
        ErrorCode::AttachmentTooLarge,
        ErrorCode::PropertyTooLarge,
        ErrorCode::RangeNotSatisfiable,
        ErrorCode::CqlRequired,
        ErrorCode::InvalidCql,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::ReadOnly,
        ErrorCode::InternalError,
    ];

    /// The name clients see in the `code` field.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::NotAuthenticated => "not_authenticated",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::TooManyLoginFailures => "too_many_login_failures",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Busy => "busy",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NoSuchEndpoint => "no_such_endpoint",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::RequestTooLarge => "request_too_large",
            ErrorCode::ContentNotFound => "content_not_found",
            ErrorCode::SpaceNotFound => "space_not_found",
            ErrorCode::VersionNotFound => "version_not_found",
            ErrorCode::AttachmentNotFound => "attachment_not_found",
            ErrorCode::AttachmentBytesMissing => "attachment_bytes_missing",
            ErrorCode::LabelNotFound => "label_not_found",
            ErrorCode::PropertyNotFound => "property_not_found",
            ErrorCode::UserNotFound => "user_not_found",
            ErrorCode::GroupNotFound => "group_not_found",
            ErrorCode::TokenNotFound => "token_not_found",
            ErrorCode::TaskNotFound => "task_not_found",
            ErrorCode::SpaceKeyTaken => "space_key_taken",
            ErrorCode::DuplicateTitle => "duplicate_title",
            ErrorCode::AttachmentNameTaken => "attachment_name_taken",
            ErrorCode::GroupTaken => "group_taken",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::PropertyKeyTaken => "property_key_taken",
            ErrorCode::StaleVersion => "stale_version",
            ErrorCode::StalePropertyVersion => "stale_property_version",
            ErrorCode::AttachmentTooLarge => "attachment_too_large",
            ErrorCode::PropertyTooLarge => "property_too_large",
            ErrorCode::RangeNotSatisfiable => "range_not_satisfiable",
            ErrorCode::CqlRequired => "cql_required",
            ErrorCode::InvalidCql => "invalid_cql",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::ReadOnly => "read_only",
            ErrorCode::InternalError => "internal_error",
        }
    }

    /// The kind of failure, which decides the HTTP status.
    pub fn kind(self) -> FailureKind {
        match self {
            ErrorCode::BadRequest
            | ErrorCode::SpaceKeyTaken
            | ErrorCode::DuplicateTitle
            | ErrorCode::AttachmentNameTaken
            | ErrorCode::GroupTaken
            | ErrorCode::UsernameTaken
            | ErrorCode::CqlRequired
            | ErrorCode::InvalidCql => FailureKind::Invalid,
            ErrorCode::NotAuthenticated | ErrorCode::BadCredentials => FailureKind::Unauthenticated,
            ErrorCode::Forbidden => FailureKind::Forbidden,
            ErrorCode::TooManyLoginFailures | ErrorCode::RateLimited => FailureKind::TooMany,
            ErrorCode::NotFound
            | ErrorCode::NoSuchEndpoint
            | ErrorCode::ContentNotFound
            | ErrorCode::SpaceNotFound
            | ErrorCode::VersionNotFound
            | ErrorCode::AttachmentNotFound
            | ErrorCode::AttachmentBytesMissing
            | ErrorCode::LabelNotFound
            | ErrorCode::PropertyNotFound
            | ErrorCode::UserNotFound
            | ErrorCode::GroupNotFound
            | ErrorCode::TokenNotFound
            | ErrorCode::TaskNotFound => FailureKind::NotFound,
            ErrorCode::MethodNotAllowed => FailureKind::MethodNotAllowed,
            ErrorCode::UnsupportedMediaType => FailureKind::UnsupportedMediaType,
            ErrorCode::PropertyKeyTaken
            | ErrorCode::StaleVersion
            | ErrorCode::StalePropertyVersion => FailureKind::Conflict,
            ErrorCode::RequestTooLarge
            | ErrorCode::AttachmentTooLarge
            | ErrorCode::PropertyTooLarge => FailureKind::TooLarge,
            ErrorCode::RangeNotSatisfiable => FailureKind::RangeNotSatisfiable,
            ErrorCode::InternalError => FailureKind::Internal,
            ErrorCode::Busy | ErrorCode::DatabaseUnavailable | ErrorCode::ReadOnly => {
                FailureKind::Unavailable
            }
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A failed use case: what went wrong, for programs ([`ErrorCode`]) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds the caller should wait before trying again (throttling, a busy node).
    pub retry_after: Option<u64>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::BadRequest, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::new(code, message)
    }

    /// Confluence's own wording, which clients match.
    pub fn content_not_found(id: impl std::fmt::Display) -> Error {
        Error::new(
            ErrorCode::ContentNotFound,
            format!("No content found with id: ContentId{{id={id}}}"),
        )
    }

    pub fn internal() -> Error {
        Error::new(
            ErrorCode::InternalError,
            "An internal error occurred; it has been logged",
        )
    }

    pub fn unavailable() -> Error {
        Error::new(
            ErrorCode::DatabaseUnavailable,
            "The database cannot be reached right now; try again shortly",
        )
    }

    /// 429 after repeated failed sign-ins (see [`crate::throttle`]).
    pub fn too_many_login_failures(seconds: u64) -> Error {
        Error {
            retry_after: Some(seconds),
            ..Error::new(
                ErrorCode::TooManyLoginFailures,
                format!("Too many failed sign-ins; try again in {seconds} s"),
            )
        }
    }

    pub fn with_retry_after(self, seconds: u64) -> Error {
        Error {
            retry_after: Some(seconds),
            ..self
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Error {
        match error {
            StoreError::ContentNotFound(id) => Error::content_not_found(id),
            StoreError::SpaceNotFound(key) => Error::new(
                ErrorCode::SpaceNotFound,
                format!("No space with key : {key}"),
            ),
            StoreError::SpaceKeyTaken(key) => Error::new(
                ErrorCode::SpaceKeyTaken,
                format!("A space already exists with key {key}"),
            ),
            StoreError::TitleTaken { title, space_key } => Error::new(
                ErrorCode::DuplicateTitle,
                format!(
                    "A page with this title already exists: A page already exists with the title {title} in the space with key {space_key}"
                ),
            ),
            StoreError::StaleVersion { current, .. } => Error::new(
                ErrorCode::StaleVersion,
                format!("Version must be incremented on update. Current version is: {current}"),
            ),
            StoreError::Invalid(validation) => Error::bad_request(validation.message),
            StoreError::PropertyKeyTaken(key) => Error::new(
                ErrorCode::PropertyKeyTaken,
                format!("Cannot create property: a property with key {key} already exists"),
            ),
            StoreError::PropertyStale { key, current } => Error::new(
                ErrorCode::StalePropertyVersion,
                format!(
                    "Version must be incremented on update of property {key}. Current version is: {current}"
                ),
            ),
            StoreError::PropertyNotFound(key) => Error::new(
                ErrorCode::PropertyNotFound,
                format!("Cannot find property with key: {key}"),
            ),
            StoreError::AttachmentNameTaken(name) => Error::new(
                ErrorCode::AttachmentNameTaken,
                format!(
                    "Cannot add a new attachment with same file name as an existing attachment: {name}"
                ),
            ),
            StoreError::GroupTaken(name) => Error::new(
                ErrorCode::GroupTaken,
                format!("A group named {name} already exists"),
            ),
            StoreError::UsernameTaken(name) => Error::new(
                ErrorCode::UsernameTaken,
                format!("A user with username {name} already exists"),
            ),
            StoreError::UserNotFound(name) => Error::new(
                ErrorCode::UserNotFound,
                format!("No user found with username: {name}"),
            ),
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "database unavailable");
                Error::unavailable()
            }
            other => {
                tracing::error!(error = %other, "store error");
                Error::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_names() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert!(names.iter().all(|name| {
            name.bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte == b'_')
        }));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "every code once");
    }

    #[test]
    fn every_code_is_listed_in_the_compatibility_notes() {
        let notes = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/confluence-compat.md"
        ))
        .expect("docs/confluence-compat.md");
        let missing: Vec<&str> = ErrorCode::ALL
            .iter()
            .map(|code| code.as_str())
            .filter(|code| !notes.contains(&format!("| `{code}` |")))
            .collect();
        assert!(
            missing.is_empty(),
            "not in the Error codes table: {missing:?}"
        );
    }

    #[test]
    fn store_conflicts_keep_confluence_wording() {
        let error = Error::from(StoreError::StaleVersion {
            id: cairn_core::ContentId(7),
            current: 3,
        });
        assert_eq!(error.code, ErrorCode::StaleVersion);
        assert_eq!(error.code.kind(), FailureKind::Conflict);
        assert!(error.message.contains("Current version is: 3"));
    }
}
