//! Where the blobs live: the `blob_store` setting and the S3 options that go with it.

use std::fmt;
use std::path::PathBuf;

use crate::BlobError;

/// The parsed location setting.
///
/// - a plain path or `file:///absolute/path`: a directory, shared by all nodes (NFS, a volume);
/// - `s3://bucket` or `s3://bucket/prefix/inside`: an S3 bucket, optionally below a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    Directory { root: PathBuf },
    S3 { bucket: String, prefix: String },
}

impl BlobLocation {
    /// Parses a location setting such as `s3://cairn/prod`, `file:///srv/cairn/blobs` or `blobs`.
    pub fn parse(location: &str) -> Result<Self, BlobError> {
        let invalid = |reason: &str| BlobError::InvalidLocation {
            location: location.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = location.trim();
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        if let Some(rest) = trimmed.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if !is_valid_bucket_name(bucket) {
                return Err(invalid(
                    "a bucket name has 3 to 63 lowercase letters, digits, '-' and '.'",
                ));
            }
            let prefix = prefix.trim_matches('/');
            if !prefix.is_empty() && crate::BlobKey::new(prefix).is_err() {
                return Err(invalid(
                    "the prefix may contain only ASCII letters, digits, '-', '_', '.' and '/'",
                ));
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
        if let Some(rest) = trimmed.strip_prefix("file://") {
            // Only the empty host is supported: `file:///srv/blobs`.
            if !rest.starts_with('/') {
                return Err(invalid(
                    "a file URL needs an absolute path and no host, e.g. file:///srv/cairn/blobs",
                ));
            }
            if rest.contains('%') {
                return Err(invalid(
                    "percent-encoded file URLs are not supported; give a plain path",
                ));
            }
            return Ok(Self::Directory {
                root: PathBuf::from(rest),
            });
        }
        if let Some((scheme, _)) = trimmed.split_once("://") {
            return Err(invalid(&format!(
                "unsupported scheme {scheme:?}; use a path, file:///… or s3://bucket/prefix"
            )));
        }
        Ok(Self::Directory {
            root: PathBuf::from(trimmed),
        })
    }
}

impl fmt::Display for BlobLocation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Directory { root } => write!(formatter, "directory {}", root.display()),
            Self::S3 { bucket, prefix } if prefix.is_empty() => write!(formatter, "s3://{bucket}"),
            Self::S3 { bucket, prefix } => write!(formatter, "s3://{bucket}/{prefix}"),
        }
    }
}

/// S3's bucket naming rules, loosely: 3-63 characters, lowercase letters, digits, `-`, `.`.
fn is_valid_bucket_name(bucket: &str) -> bool {
    (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'.'
        })
        && !bucket.starts_with(['-', '.'])
        && !bucket.ends_with(['-', '.'])
}

/// Connection settings for an S3 location. Unset values fall back to the AWS defaults
/// (`us-east-1`, credentials from the instance or web identity when no keys are given).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    /// Endpoint of an S3-compatible server (MinIO, Ceph, Garage, moto), e.g.
    /// `http://127.0.0.1:9000`. Unset means AWS. An `http://` endpoint allows plain HTTP.
    pub endpoint: Option<String>,
    /// Region used for signing; `us-east-1` when unset.
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    /// Never printed: `Debug` shows `***`.
    pub secret_access_key: Option<String>,
    /// Temporary credentials' session token. Never printed.
    pub session_token: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`) instead of virtual-hosted
    /// (`bucket.endpoint/key`).
    /// Unset means path style with a custom endpoint (what most S3-compatible servers need) and
    /// virtual-hosted style on AWS.
    pub path_style: Option<bool>,
}

impl S3Settings {
    /// Reads the settings from the process environment: `CAIRN_S3_ENDPOINT`, `CAIRN_S3_REGION`
    /// (else `AWS_REGION`, else `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, `CAIRN_S3_PATH_STYLE` (`true` or `false`).
    pub fn from_env() -> Result<Self, BlobError> {
        Self::from_variables(|name| std::env::var(name).ok())
    }

    /// Like [`S3Settings::from_env`] with the variables looked up by `lookup`; empty values
    /// count as unset.
    pub fn from_variables(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, BlobError> {
        let variable = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let path_style = match variable("CAIRN_S3_PATH_STYLE") {
            None => None,
            Some(value) => Some(
                parse_bool(&value).ok_or_else(|| BlobError::InvalidLocation {
                    location: format!("CAIRN_S3_PATH_STYLE={value}"),
                    reason: "expected true or false".to_owned(),
                })?,
            ),
        };
        Ok(Self {
            endpoint: variable("CAIRN_S3_ENDPOINT"),
            region: variable("CAIRN_S3_REGION")
                .or_else(|| variable("AWS_REGION"))
                .or_else(|| variable("AWS_DEFAULT_REGION")),
            access_key_id: variable("AWS_ACCESS_KEY_ID"),
            secret_access_key: variable("AWS_SECRET_ACCESS_KEY"),
            session_token: variable("AWS_SESSION_TOKEN"),
            path_style,
        })
    }

    /// Whether requests use path-style addressing, after defaults.
    pub fn uses_path_style(&self) -> bool {
        self.path_style.unwrap_or(self.endpoint.is_some())
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |secret: &Option<String>| secret.as_ref().map(|_| "***");
        formatter
            .debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &redacted(&self.secret_access_key))
            .field("session_token", &redacted(&self.session_token))
            .field("path_style", &self.path_style)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directories_and_buckets() {
        let cases = [
            (
                "/srv/cairn/blobs",
                BlobLocation::Directory {
                    root: "/srv/cairn/blobs".into(),
                },
            ),
            (
                "cairn-home/shared/blobs",
                BlobLocation::Directory {
                    root: "cairn-home/shared/blobs".into(),
                },
            ),
            (
                "file:///srv/blobs",
                BlobLocation::Directory {
                    root: "/srv/blobs".into(),
                },
            ),
            (
                "s3://cairn-prod",
                BlobLocation::S3 {
                    bucket: "cairn-prod".into(),
                    prefix: String::new(),
                },
            ),
            (
                "s3://cairn-prod/",
                BlobLocation::S3 {
                    bucket: "cairn-prod".into(),
                    prefix: String::new(),
                },
            ),
            (
                "s3://cairn.prod/wiki/main/",
                BlobLocation::S3 {
                    bucket: "cairn.prod".into(),
                    prefix: "wiki/main".into(),
                },
            ),
        ];
        for (setting, expected) in cases {
            assert_eq!(BlobLocation::parse(setting).unwrap(), expected, "{setting}");
        }
    }

    #[test]
    fn rejects_unusable_locations_with_a_reason() {
        for setting in [
            "",
            "   ",
            "s3://",
            "s3://UPPER",
            "s3://ab",
            "s3://bucket/../x",
            "file://host/srv",
            "file://relative",
            "file:///srv/with%20space",
            "gs://bucket",
        ] {
            match BlobLocation::parse(setting) {
                Err(BlobError::InvalidLocation { location, reason }) => {
                    assert_eq!(location, setting);
                    assert!(!reason.is_empty());
                }
                other => panic!("{setting:?} was accepted: {other:?}"),
            }
        }
    }

    #[test]
    fn reads_s3_settings_from_variables() {
        let variables = [
            ("CAIRN_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("AWS_ACCESS_KEY_ID", "key-id"),
            ("AWS_SECRET_ACCESS_KEY", "very-secret"),
            ("AWS_SESSION_TOKEN", ""),
        ];
        let lookup = |name: &str| {
            variables
                .iter()
                .find(|(variable, _)| *variable == name)
                .map(|(_, value)| (*value).to_owned())
        };
        let settings = S3Settings::from_variables(lookup).unwrap();
        assert_eq!(settings.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
        assert_eq!(settings.access_key_id.as_deref(), Some("key-id"));
        assert_eq!(settings.secret_access_key.as_deref(), Some("very-secret"));
        assert_eq!(settings.session_token, None, "empty means unset");
        assert!(
            settings.uses_path_style(),
            "custom endpoints default to path style"
        );

        let debug = format!("{settings:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
    }

    #[test]
    fn path_style_setting_overrides_the_default() {
        let aws = S3Settings::from_variables(|_| None).unwrap();
        assert!(
            !aws.uses_path_style(),
            "AWS defaults to virtual-hosted style"
        );

        let forced = S3Settings::from_variables(|name| {
            (name == "CAIRN_S3_PATH_STYLE").then(|| "true".to_owned())
        })
        .unwrap();
        assert!(forced.uses_path_style());

        let invalid = S3Settings::from_variables(|name| {
            (name == "CAIRN_S3_PATH_STYLE").then(|| "sometimes".to_owned())
        });
        assert!(matches!(invalid, Err(BlobError::InvalidLocation { .. })));
    }
}
