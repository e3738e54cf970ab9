//! `cairn backup FILE` and `cairn restore FILE`: the whole site (every table's rows and the
//! attachment bytes they name) in one zip file, and back into an empty database of any dialect
//! (`cairn_app::backup`). Progress goes to standard error, the summary to standard output.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

use crate::{FlagValues, HomeArgs, connect, init_logging, load_settings};

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// The zip file to write; it must not exist. Written under a temporary name and renamed
    /// when complete.
    file: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// The backup file (`cairn backup`).
    file: PathBuf,
    /// Replace the site the database holds: every table the backup holds is emptied and
    /// refilled in one transaction. Without it, a database with a site is refused.
    #[arg(long)]
    replace: bool,
}

fn show_progress(started: Instant) -> impl Fn(cairn_app::backup::Progress) + Send + Sync {
    move |event| {
        let seconds = started.elapsed().as_secs_f64();
        match event {
            cairn_app::backup::Progress::Step(step) => eprintln!("[{seconds:6.1} s] {step}"),
            cairn_app::backup::Progress::Rows { table, rows } => {
                eprintln!("[{seconds:6.1} s]   {table}: {rows} rows so far")
            }
            cairn_app::backup::Progress::Table { name, rows } => {
                eprintln!("[{seconds:6.1} s]   {name}: {rows} rows")
            }
            cairn_app::backup::Progress::Blobs { count, bytes } => eprintln!(
                "[{seconds:6.1} s]   {count} blobs, {:.1} MiB",
                bytes as f64 / 1048576.0
            ),
        }
    }
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    if args.file.exists() {
        bail!(
            "{} exists already: choose another file name or remove it",
            args.file.display()
        );
    }
    let settings = load_settings(&args.home, FlagValues::default())?;
    init_logging("warn");
    let store = connect(&settings).await?;
    let blobs = open_blobs(&settings).await?;
    let started = Instant::now();
    let progress = show_progress(started);
    let outcome = cairn_app::backup::create(
        &store,
        &blobs,
        &args.file,
        env!("CARGO_PKG_VERSION"),
        &progress,
    )
    .await;
    store.close().await;
    let summary = outcome.with_context(|| format!("cannot back up to {}", args.file.display()))?;
    let manifest = &summary.manifest;
    let rows: u64 = manifest.tables.iter().map(|table| table.rows).sum();
    println!(
        "backup written to {}: {} tables, {rows} rows, {} blobs ({:.1} MiB), schema version {} on {}; file {:.1} MiB, {:.1} s",
        args.file.display(),
        manifest.tables.len(),
        manifest.blobs.count,
        manifest.blobs.bytes as f64 / 1048576.0,
        manifest.schema_version(),
        manifest.dialect,
        summary.file_bytes as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    if manifest.left_out.attachments + manifest.left_out.attachment_versions > 0 {
        println!(
            "left out, because they were deleted while the backup ran: {} attachments, {} attachment versions",
            manifest.left_out.attachments, manifest.left_out.attachment_versions
        );
    }
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let settings = load_settings(&args.home, FlagValues::default())?;
    init_logging("warn");
    let store = connect(&settings).await?;
    let blobs = open_blobs(&settings).await?;
    let started = Instant::now();
    let progress = show_progress(started);
    let options = cairn_app::backup::RestoreOptions {
        replace: args.replace,
    };
    let outcome = cairn_app::backup::restore(&store, &blobs, &args.file, options, &progress).await;
    store.close().await;
    let summary = outcome.with_context(|| {
        format!(
            "cannot restore {}; the database and blob store are as they were",
            args.file.display()
        )
    })?;
    // This node's own index describes the database before the restore.
    if let Some(directory) = &settings.search_index_dir
        && directory.exists()
    {
        std::fs::remove_dir_all(directory).with_context(|| {
            format!(
                "restored, but the search index {} could not be removed: remove it before starting the node",
                directory.display()
            )
        })?;
    }
    let manifest = &summary.manifest;
    let rows: u64 = manifest.tables.iter().map(|table| table.rows).sum();
    println!(
        "restored {} (Cairn {}, {} at schema version {}): {rows} rows, {} blobs written, {} already present; {:.1} s",
        args.file.display(),
        manifest.cairn_version,
        manifest.dialect,
        manifest.schema_version(),
        summary.blobs_written,
        summary.blobs_present,
        started.elapsed().as_secs_f64()
    );
    println!(
        "start the nodes: each builds its search index from the restored database (remove the search_index_dir of every other node first)"
    );
    Ok(())
}

async fn open_blobs(settings: &crate::Settings) -> anyhow::Result<cairn_blob::BlobStore> {
    let s3_settings = cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
    cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
        .await
        .context("cannot open the blob store")
}
