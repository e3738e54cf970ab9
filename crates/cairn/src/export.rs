//! `cairn export confluence SPACEKEY FILE.zip`: a space written as a Confluence XML space export,
//! through `cairn-import`'s exporter. Works with no node running and while nodes serve: it only
//! reads the configured database and blob store.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::{FlagValues, HomeArgs, connect, init_logging, load_settings};

#[derive(Subcommand)]
pub enum ExportTarget {
    /// A Confluence XML space export (what `cairn import confluence` and Confluence read).
    Confluence(ConfluenceArgs),
}

#[derive(Args)]
pub struct ConfluenceArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// The key of the space to export.
    space_key: String,
    /// The zip file to write (replaced if it exists; written beside it first, then renamed).
    file: PathBuf,
}

pub async fn export(target: ExportTarget) -> anyhow::Result<()> {
    let ExportTarget::Confluence(args) = target;
    let typed = args.space_key.trim();
    if typed.is_empty() || typed.chars().count() > cairn_core::SpaceKey::MAX_CHARS {
        anyhow::bail!("'{}' is not a space key", args.space_key);
    }
    let key = if typed.starts_with('~') {
        cairn_core::SpaceKey::from_stored(typed)
    } else {
        cairn_core::SpaceKey::new_global(typed)
            .with_context(|| format!("'{}' is not a space key", args.space_key))?
    };
    let settings = load_settings(&args.home, FlagValues::default())?;
    init_logging("warn");
    let store = connect(&settings).await?;
    store.migrate().await.context("database migration failed")?;
    let s3_settings = cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
    let blobs = cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
        .await
        .context("cannot open the blob store")?;
    eprintln!("exporting space {key} to {}", args.file.display());
    let outcome = cairn_import::export_space(&store, &blobs, &key, &args.file).await;
    store.close().await;
    let summary = outcome.with_context(|| format!("cannot export space {key}"))?;
    print!("{summary}");
    Ok(())
}
