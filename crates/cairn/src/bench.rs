//! `cairn bench`: generate a benchmark dataset, and load a Cairn on this host with the harness.
//! The work is in the `cairn-bench` crate; this module reads flags and prints.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cairn_bench::{ActionMix, Harness, HarnessOptions, Manifest, OpenSchedule, Tier};
use clap::{Args, Subcommand};

use super::{HomeArgs, connect, init_logging, load_settings};
use config::FlagValues;

use super::config;

mod import;

#[derive(Subcommand)]
pub enum BenchTask {
    /// Generate a seeded dataset (tier tiny, S or M) into the home's database and blob store.
    Generate(GenerateArgs),
    /// Play the Data Center App Performance Toolkit's action mix against a Cairn on this host.
    Run(RunArgs),
    /// Fetch one URL back to back (closed loop) and report fetches per second.
    PageRate(PageRateArgs),
    /// Index a generated corpus (100,000 pages by default) and measure indexing, queries and
    /// snapshots, without the database.
    Search(SearchArgs),
    /// Write a synthetic Confluence space export of about a given size (streamed).
    ConfluenceExport(import::ConfluenceExportArgs),
    /// Import a Confluence export with this binary into fresh homes and databases, measuring
    /// wall time, pages/s, MB/s and peak RSS against the bytes merely read.
    ConfluenceImport(import::ConfluenceImportArgs),
}

#[derive(Args)]
pub struct SearchArgs {
    /// Documents in the corpus.
    #[arg(long, default_value_t = 100_000)]
    documents: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Queries of each kind.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Working directory for the index and its snapshot (default: a temporary directory).
    #[arg(long)]
    directory: Option<PathBuf>,
}

#[derive(Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// tiny, S (50 spaces, 9,000 pages) or M (500 spaces, 90,000 pages).
    #[arg(long, value_parser = parse_tier)]
    tier: Tier,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Concurrent writers.
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// Where to write the manifest the harness reads (default: bench-manifest.json in the home).
    #[arg(long)]
    manifest: Option<PathBuf>,
}

#[derive(Args)]
pub struct RunArgs {
    /// Base URL of the Cairn under test; only http://127.0.0.1, localhost or [::1].
    #[arg(long)]
    target: String,
    /// The manifest written by `cairn bench generate`.
    #[arg(long)]
    manifest: PathBuf,
    /// Logged-in virtual users.
    #[arg(long, default_value_t = 50)]
    users: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Fixed arrival rate, actions per second (open model).
    #[arg(long, default_value_t = 5.6)]
    rate: f64,
    /// Instead of one rate: step the rate up from --rate by --factor to --max-rate, and report the
    /// highest rate at which every action's p95 stays under --target-p95-ms.
    #[arg(long)]
    step_up: bool,
    #[arg(long, default_value_t = 1.5)]
    factor: f64,
    #[arg(long, default_value_t = 200.0)]
    max_rate: f64,
    #[arg(long, default_value_t = 50.0)]
    target_p95_ms: f64,
    /// Errors allowed in a passing step (share of actions).
    #[arg(long, default_value_t = 0.01)]
    max_error_rate: f64,
    /// Length of the run (of each step with --step-up).
    #[arg(long, default_value = "60s", value_parser = cairn_cluster::parse_duration)]
    duration: Duration,
    /// Most actions per run (per step with --step-up).
    #[arg(long, default_value_t = 100_000)]
    max_actions: u64,
    /// Most actions in flight; later arrivals wait, and the wait counts in their latency.
    #[arg(long, default_value_t = 256)]
    max_in_flight: usize,
    /// Longest an action may take before it counts as an error.
    #[arg(long, default_value = "30s", value_parser = cairn_cluster::parse_duration)]
    action_timeout: Duration,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Args)]
pub struct PageRateArgs {
    /// Base URL; only http://127.0.0.1, localhost or [::1].
    #[arg(long)]
    target: String,
    /// Path and query to fetch, e.g. /pages/viewpage.action?pageId=N or /page.html.
    #[arg(long)]
    path: String,
    /// Log in as the manifest's first user first (for Cairn; leave out for a static server).
    #[arg(long)]
    manifest: Option<PathBuf>,
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    #[arg(long, default_value = "10s", value_parser = cairn_cluster::parse_duration)]
    duration: Duration,
    #[arg(long)]
    json: Option<PathBuf>,
}

fn parse_tier(text: &str) -> Result<Tier, String> {
    Tier::parse(text).ok_or_else(|| format!("unknown tier {text:?}: use tiny, S or M"))
}

pub async fn bench(task: BenchTask) -> anyhow::Result<()> {
    match task {
        BenchTask::Generate(args) => generate(args).await,
        BenchTask::Run(args) => run(args).await,
        BenchTask::PageRate(args) => page_rate(args).await,
        BenchTask::Search(args) => search(args).await,
        BenchTask::ConfluenceExport(args) => import::confluence_export(args).await,
        BenchTask::ConfluenceImport(args) => import::confluence_import(args).await,
    }
}

async fn search(args: SearchArgs) -> anyhow::Result<()> {
    let temporary = tempfile::tempdir().context("no temporary directory")?;
    let options = cairn_bench::search::SearchBenchOptions {
        documents: args.documents,
        seed: args.seed,
        queries: args.queries.max(1),
        directory: args
            .directory
            .unwrap_or_else(|| temporary.path().to_path_buf()),
    };
    let report =
        tokio::task::spawn_blocking(move || cairn_bench::search::run_search_bench(&options))
            .await??;
    print!("{}", report.render());
    Ok(())
}

async fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let settings = load_settings(&args.home, FlagValues::default())?;
    init_logging("warn");
    let store = connect(&settings).await?;
    store.migrate().await.context("database migration failed")?;
    let s3_settings = cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
    let blobs = cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
        .await
        .context("cannot open the blob store")?;
    let options = cairn_bench::GenerateOptions {
        tier: args.tier,
        seed: args.seed,
        workers: args.workers,
        show_progress: true,
    };
    eprintln!(
        "generating tier {} (seed {}) on {}",
        args.tier.name(),
        args.seed,
        store.dialect().name()
    );
    let (report, manifest) = cairn_bench::generate(&store, &blobs, &options).await?;
    let manifest_path = args
        .manifest
        .unwrap_or_else(|| settings.home.join("bench-manifest.json"));
    manifest.write(&manifest_path)?;
    println!("{report}");
    println!("manifest: {}", manifest_path.display());
    println!(
        "users log in with password {:?}",
        cairn_bench::dataset::USER_PASSWORD
    );
    store.close().await;
    Ok(())
}

fn write_json(path: Option<&PathBuf>, value: &impl serde::Serialize) -> anyhow::Result<()> {
    if let Some(path) = path {
        let text = serde_json::to_string_pretty(value)?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let base = cairn_bench::check_local_target(&args.target)?;
    let manifest = Arc::new(Manifest::read(&args.manifest)?);
    let options = HarnessOptions {
        virtual_users: args.users,
        seed: args.seed,
        max_in_flight: args.max_in_flight,
        action_timeout: args.action_timeout,
    };
    eprintln!(
        "logging in {} virtual users",
        args.users.min(manifest.usernames.len())
    );
    let harness = Harness::connect(base, manifest, options).await?;
    let mix = ActionMix::toolkit();
    if !args.step_up {
        let schedule = OpenSchedule {
            rate_per_second: args.rate,
            duration: args.duration,
            max_actions: args.max_actions,
        };
        eprintln!(
            "running {:.1} actions/s for {:?} ({} actions)",
            args.rate,
            args.duration,
            schedule.action_count()
        );
        let summary = harness.run_open(&mix, schedule, 0).await?;
        print!("{}", summary.table());
        println!(
            "p95 target {} ms: {}",
            args.target_p95_ms,
            if summary.meets(args.target_p95_ms, args.max_error_rate) {
                "met by every action"
            } else {
                "NOT met"
            }
        );
        write_json(
            args.json.as_ref(),
            &serde_json::json!({ "rate": args.rate, "summary": summary }),
        )?;
        return Ok(());
    }
    let plan = cairn_bench::harness::StepUpPlan {
        rates: cairn_bench::schedule::step_rates(args.rate, args.factor, args.max_rate),
        step: args.duration,
        max_actions_per_step: args.max_actions,
        target_p95_ms: args.target_p95_ms,
        max_error_rate: args.max_error_rate,
    };
    let result = harness
        .step_up(&mix, &plan, &mut |rate, summary| {
            println!(
                "step {rate:.1} actions/s: worst p95 {:.1} ms, {} errors",
                summary.worst_p95_ms(),
                summary.total_errors
            );
            print!("{}", summary.table());
        })
        .await?;
    match result.best_rate {
        Some(rate) => println!(
            "highest rate with every action's p95 under {} ms: {rate:.1} actions/s",
            args.target_p95_ms
        ),
        None => println!(
            "no rate tried kept every action's p95 under {} ms",
            args.target_p95_ms
        ),
    }
    write_json(args.json.as_ref(), &result)?;
    Ok(())
}

async fn page_rate(args: PageRateArgs) -> anyhow::Result<()> {
    let base = cairn_bench::check_local_target(&args.target)?;
    let timeout = Duration::from_secs(30);
    let user = match &args.manifest {
        Some(path) => {
            let manifest = Manifest::read(path)?;
            cairn_bench::harness::VirtualUser::log_in(
                &base,
                &manifest.usernames[0],
                &manifest.password,
                timeout,
            )
            .await?
        }
        None => cairn_bench::harness::VirtualUser::anonymous(timeout)?,
    };
    let summary = cairn_bench::harness::closed_loop_get(
        &base,
        &user,
        &args.path,
        args.concurrency,
        args.duration,
    )
    .await;
    print!("{}", summary.table());
    write_json(args.json.as_ref(), &summary)?;
    Ok(())
}
