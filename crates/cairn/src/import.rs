//! `cairn import confluence FILE.zip`: a Confluence XML export into the configured database and
//! blob store, through `cairn-import`. Works with no node running and while nodes serve: what it
//! writes goes through the store with journal entries, so running nodes see and index it.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::{FlagValues, HomeArgs, connect, init_logging, load_settings};

#[derive(Subcommand)]
pub enum ImportSource {
    /// A Confluence XML export (a space or site export, Confluence 3.x to 9.x or Cloud).
    Confluence(ConfluenceArgs),
}

#[derive(Args)]
pub struct ConfluenceArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// The export's zip file.
    file: PathBuf,
    /// Import space OLD under key NEW (repeatable), e.g. to import a space whose key is taken.
    #[arg(long = "space-key-map", value_name = "OLD=NEW")]
    space_key_map: Vec<String>,
    /// Read and check the export and report what would be imported; write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn import(source: ImportSource) -> anyhow::Result<()> {
    let ImportSource::Confluence(args) = source;
    let mut options = cairn_import::ImportOptions {
        dry_run: args.dry_run,
        ..cairn_import::ImportOptions::default()
    };
    for mapping in &args.space_key_map {
        options.add_key_mapping(mapping)?;
    }
    let settings = load_settings(&args.home, FlagValues::default())?;
    init_logging("warn");
    let store = connect(&settings).await?;
    store.migrate().await.context("database migration failed")?;
    let s3_settings = cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
    let blobs = cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
        .await
        .context("cannot open the blob store")?;
    eprintln!("reading {}", args.file.display());
    let mut export = cairn_import::Export::read(&args.file)
        .await
        .with_context(|| format!("cannot import {}", args.file.display()))?;
    let outcome = cairn_import::import(&store, &blobs, &mut export, &options).await;
    store.close().await;
    let report = outcome
        .with_context(|| format!("cannot import {}; nothing was changed", args.file.display()))?;
    print!("{report}");
    Ok(())
}
