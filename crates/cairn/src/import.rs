//! `cairn import confluence FILE.zip`: a Confluence XML export into the configured database and
//! blob store, through `cairn-import`. Works with no node running and while nodes serve: what it
//! writes goes through the store with journal entries, so running nodes see and index it.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
    let outcome = import_showing_progress(&store, &blobs, &args.file, options).await;
    store.close().await;
    print!("{}", outcome?);
    Ok(())
}

/// Imports the export at `file` with a progress bar on standard error; the error says that
/// nothing was changed.
pub async fn import_showing_progress(
    store: &cairn_store::Store,
    blobs: &cairn_blob::BlobStore,
    file: &Path,
    options: cairn_import::ImportOptions,
) -> anyhow::Result<cairn_import::ImportReport> {
    let progress = progress_bar();
    let options = cairn_import::ImportOptions {
        progress: progress.clone(),
        ..options
    };
    eprintln!("reading {}", file.display());
    let outcome = async {
        let mut export = cairn_import::Export::read_reporting(file, &progress).await?;
        cairn_import::import(store, blobs, &mut export, &options).await
    }
    .await;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    outcome.with_context(|| format!("cannot import {}; nothing was changed", file.display()))
}

/// Width of the bar, in characters.
const BAR_WIDTH: usize = 30;

/// A progress bar on standard error: redrawn in place on a terminal; otherwise a line each time
/// the import passes another tenth, so a log stays short.
fn progress_bar() -> cairn_import::ProgressSink {
    let terminal = std::io::stderr().is_terminal();
    // What was drawn last: the whole percent on a terminal, the tenth in a log.
    let last_drawn: Mutex<Option<(u64, String)>> = Mutex::new(None);
    cairn_import::ProgressSink::new(move |progress| {
        let percent = progress.percent();
        let step = if terminal {
            percent as u64
        } else {
            (percent / 10.0) as u64
        };
        let words = progress.describe();
        // Words change with every file or megabyte; on a terminal redraw at most per percent
        // or per change of step kind, so the bar does not flicker.
        let kind: String = words.split(':').next().unwrap_or_default().to_string();
        let Ok(mut last) = last_drawn.lock() else {
            return;
        };
        if last.as_ref() == Some(&(step, kind.clone())) {
            return;
        }
        *last = Some((step, kind));
        let mut stderr = std::io::stderr().lock();
        if terminal {
            let filled = ((percent / 100.0) * BAR_WIDTH as f64) as usize;
            let _ = write!(
                stderr,
                "\r\x1b[2K[{}{}] {percent:>3.0}% {words}",
                "#".repeat(filled.min(BAR_WIDTH)),
                ".".repeat(BAR_WIDTH - filled.min(BAR_WIDTH)),
            );
        } else {
            let _ = writeln!(stderr, "{percent:>3.0}% {words}");
        }
        let _ = stderr.flush();
    })
}
