//! The S3 backend: object_store's `AmazonS3` over reqwest and rustls (ring).

use std::sync::Arc;
use std::time::Duration;

use object_store::ClientOptions;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;

use crate::{BlobError, S3Settings};

/// Region used for signing when none is configured; what AWS and most S3-compatible servers expect.
const DEFAULT_REGION: &str = "us-east-1";

/// Builds the S3 client for `bucket`, below `prefix` when it is not empty.
pub(crate) fn open_s3(
    bucket: &str,
    prefix: &str,
    settings: &S3Settings,
) -> Result<Arc<dyn ObjectStore>, BlobError> {
    install_ring_as_tls_provider();

    let allows_http = settings
        .endpoint
        .as_deref()
        .is_some_and(|endpoint| endpoint.starts_with("http://"));
    let client_options = ClientOptions::new()
        .with_allow_http(allows_http)
        .with_connect_timeout(Duration::from_secs(10))
        // A 200 MB download to a slow client may take many minutes: bound the silence between
        // reads instead of the whole request.
        .with_timeout_disabled()
        .with_read_timeout(Duration::from_secs(60));

    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(settings.region.as_deref().unwrap_or(DEFAULT_REGION))
        .with_virtual_hosted_style_request(!settings.uses_path_style())
        .with_client_options(client_options);
    if let Some(endpoint) = &settings.endpoint {
        builder = builder.with_endpoint(endpoint.trim_end_matches('/'));
    }
    if let Some(access_key_id) = &settings.access_key_id {
        builder = builder.with_access_key_id(access_key_id);
    }
    if let Some(secret_access_key) = &settings.secret_access_key {
        builder = builder.with_secret_access_key(secret_access_key);
    }
    if let Some(session_token) = &settings.session_token {
        builder = builder.with_token(session_token);
    }
    let location_name = if prefix.is_empty() {
        format!("s3://{bucket}")
    } else {
        format!("s3://{bucket}/{prefix}")
    };
    let s3 = builder
        .build()
        .map_err(|source| BlobError::InvalidLocation {
            location: location_name,
            reason: source.to_string(),
        })?;

    if prefix.is_empty() {
        return Ok(Arc::new(s3));
    }
    let prefix_path = ObjectPath::from_iter(prefix.split('/'));
    Ok(Arc::new(PrefixStore::new(s3, prefix_path)))
}

/// reqwest is built with rustls but no bundled crypto provider, so that ring is the only one in
/// the binary (object_store's batteries-included `aws` feature would add aws-lc-rs). reqwest
/// takes the process-wide default provider when it builds its client; install ring unless the
/// binary already installed a provider.
pub fn install_ring_as_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another thread installing a provider is fine: one is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
