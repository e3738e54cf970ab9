//! `cairn bench confluence-export` writes a synthetic Confluence space export of a chosen size;
//! `cairn bench confluence-import` imports an export with this binary (a child process, a fresh
//! home, a fresh database per run) and measures it from outside: wall time, pages/s, MB/s and the
//! child's peak resident memory (`VmHWM` of /proc/<pid>/status, the kernel's high-water mark,
//! polled while it runs), beside a baseline of the same bytes merely read.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

#[derive(Args)]
pub struct ConfluenceExportArgs {
    /// About the size of the zip, in MiB (attachments make up most of it).
    #[arg(long, default_value_t = 1024)]
    size_mb: u64,
    /// The zip to write (replaced if it exists).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The space's key.
    #[arg(long, default_value = "SYN")]
    space_key: String,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchDatabase {
    Sqlite,
    Postgres,
    Mysql,
}

#[derive(Args)]
pub struct ConfluenceImportArgs {
    /// The export to import.
    file: PathBuf,
    /// Databases to import into, one run each (repeatable).
    #[arg(long = "database", value_enum, default_values_t = [BenchDatabase::Sqlite])]
    databases: Vec<BenchDatabase>,
    /// Where the fresh homes go (removed after each run).
    #[arg(long, default_value = "/var/tmp")]
    work_dir: PathBuf,
    /// The PostgreSQL server; a fresh database is created on it per run (127.0.0.1 only).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// The MySQL/MariaDB server; a fresh database is created on it per run (127.0.0.1 only).
    #[arg(long, default_value = "mysql://root@127.0.0.1:3306/mysql")]
    mysql_url: String,
    /// The binary that imports (default: this one).
    #[arg(long)]
    binary: Option<PathBuf>,
    /// A run taking longer is stopped.
    #[arg(long, default_value = "3600s", value_parser = cairn_cluster::parse_duration)]
    timeout: Duration,
    /// The memory budget the peak is held against, in MB (10^6 bytes).
    #[arg(long, default_value_t = 500)]
    budget_mb: u64,
}

pub async fn confluence_export(args: ConfluenceExportArgs) -> anyhow::Result<()> {
    let options = cairn_import::synthetic::SyntheticOptions {
        size_bytes: args.size_mb * 1024 * 1024,
        seed: args.seed,
        space_key: args.space_key.clone(),
    };
    eprintln!(
        "writing a synthetic export of about {} MiB (seed {}) to {}",
        args.size_mb,
        args.seed,
        args.out.display()
    );
    let started = Instant::now();
    let out = args.out.clone();
    let summary = tokio::task::spawn_blocking(move || {
        cairn_import::synthetic::write_synthetic_export(&out, &options)
    })
    .await??;
    print!("{summary}");
    println!("written in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// One import, measured.
struct Measured {
    database: &'static str,
    wall: Duration,
    peak_rss_kb: u64,
    /// When the peak was first seen, from the start.
    peak_at: Duration,
    pages: u64,
    versions: u64,
}

pub async fn confluence_import(args: ConfluenceImportArgs) -> anyhow::Result<()> {
    let binary = match &args.binary {
        Some(binary) => binary.clone(),
        None => std::env::current_exe().context("cannot find this binary")?,
    };
    let file = args
        .file
        .canonicalize()
        .with_context(|| format!("cannot find {}", args.file.display()))?;
    let zip_bytes = std::fs::metadata(&file)?.len();
    println!(
        "export: {} ({:.1} MB); binary: {}",
        file.display(),
        megabytes(zip_bytes),
        binary.display()
    );
    println!("machine: {}", machine());

    // Baselines: the bytes read (which also puts the file in the page cache, as it is for the
    // imports after), then every entry inflated by unzip.
    let read_time = read_whole_file(&file)?;
    println!(
        "baseline: file read    {:>8.2} s  {:>8.1} MB/s",
        read_time.as_secs_f64(),
        megabytes(zip_bytes) / read_time.as_secs_f64()
    );
    let unzip_time = unzip_to_nowhere(&file)?;
    if let Some(unzip_time) = unzip_time {
        println!(
            "baseline: unzip -p     {:>8.2} s  {:>8.1} MB/s",
            unzip_time.as_secs_f64(),
            megabytes(zip_bytes) / unzip_time.as_secs_f64()
        );
    }

    let mut results = Vec::new();
    for database in &args.databases {
        let measured = import_once(&args, &binary, &file, *database).await?;
        println!(
            "{}: {:.1} s, peak RSS {:.0} MB (at {:.0} s), {} pages",
            measured.database,
            measured.wall.as_secs_f64(),
            measured.peak_rss_kb as f64 * 1024.0 / 1e6,
            measured.peak_at.as_secs_f64(),
            measured.pages
        );
        results.push(measured);
    }

    println!();
    println!(
        "| database | wall (s) | pages/s | versions/s | MB/s | peak RSS (MB) | budget {} MB | MB/s ÷ file read | MB/s ÷ unzip -p |",
        args.budget_mb
    );
    println!("|---|---:|---:|---:|---:|---:|---|---:|---:|");
    for measured in &results {
        let seconds = measured.wall.as_secs_f64();
        let rate = megabytes(zip_bytes) / seconds;
        let peak_mb = measured.peak_rss_kb as f64 * 1024.0 / 1e6;
        println!(
            "| {} | {:.1} | {:.0} | {:.0} | {:.1} | {:.0} | {} | {:.3} | {} |",
            measured.database,
            seconds,
            measured.pages as f64 / seconds,
            measured.versions as f64 / seconds,
            rate,
            peak_mb,
            if peak_mb < args.budget_mb as f64 {
                "under"
            } else {
                "OVER"
            },
            read_time.as_secs_f64() / seconds,
            unzip_time.map_or_else(
                || "–".to_string(),
                |unzip| format!("{:.3}", unzip.as_secs_f64() / seconds)
            ),
        );
    }
    Ok(())
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |count| count.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    format!("{cpus} CPUs ({model}), load average {load}")
}

fn read_whole_file(path: &Path) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0_u8; 1024 * 1024];
    while file.read(&mut buffer)? > 0 {}
    Ok(started.elapsed())
}

/// `unzip -p FILE > /dev/null`: every entry read and inflated; `None` without unzip.
fn unzip_to_nowhere(path: &Path) -> anyhow::Result<Option<Duration>> {
    let started = Instant::now();
    let status = Command::new("unzip")
        .arg("-p")
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(status) if status.success() => Ok(Some(started.elapsed())),
        _ => Ok(None),
    }
}

/// Only the database servers of this host.
fn check_local(url: &str) -> anyhow::Result<()> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(host, _)| host);
    if host != "127.0.0.1" && host != "localhost" {
        bail!("the benchmark only uses databases on 127.0.0.1, not {host:?}");
    }
    Ok(())
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let scheme_end = base.find("://").map_or(0, |index| index + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

async fn import_once(
    args: &ConfluenceImportArgs,
    binary: &Path,
    file: &Path,
    database: BenchDatabase,
) -> anyhow::Result<Measured> {
    let home = tempfile::Builder::new()
        .prefix("cairn-import-bench-")
        .tempdir_in(&args.work_dir)
        .with_context(|| format!("cannot make a home in {}", args.work_dir.display()))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let name = format!("cairn_import_bench_{stamp}_{}", std::process::id());
    let (label, url) = match database {
        BenchDatabase::Sqlite => ("SQLite", None),
        BenchDatabase::Postgres => ("PostgreSQL", Some(with_database(&args.postgres_url, &name))),
        BenchDatabase::Mysql => ("MariaDB", Some(with_database(&args.mysql_url, &name))),
    };
    if let Some(url) = &url {
        check_local(url)?;
        let parsed = cairn_store::DatabaseUrl::parse(url, None, None)
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        cairn_store::probe::create_database(&parsed)
            .await
            .map_err(|error| anyhow::anyhow!("cannot create database {name}: {error}"))?;
        eprintln!("{label}: created database {name}");
    }
    let mut command = Command::new(binary);
    command
        .arg("import")
        .arg("confluence")
        .arg(file)
        .arg("--home")
        .arg(home.path());
    if let Some(url) = &url {
        command.arg("--database-url").arg(url);
    }
    let stdout_path = home.path().join("import.out");
    command
        .stdout(std::fs::File::create(&stdout_path)?)
        .stderr(Stdio::inherit())
        .env_remove("CAIRN_DATABASE_URL");
    eprintln!("{label}: importing into {}", home.path().display());
    let started = Instant::now();
    let mut child = command.spawn().context("cannot start the import")?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_rss_kb = 0;
    let mut peak_at = Duration::ZERO;
    let status = loop {
        if let Some(high_water) = high_water_mark_kb(&status_path)
            && high_water > peak_rss_kb
        {
            peak_rss_kb = high_water;
            peak_at = started.elapsed();
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > args.timeout {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{label}: the import took longer than {:?}; stopped",
                args.timeout
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let wall = started.elapsed();
    let report = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    if let Some(url) = &url {
        let parsed = cairn_store::DatabaseUrl::parse(url, None, None)
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        match cairn_store::probe::drop_database(&parsed).await {
            Ok(()) => eprintln!("{label}: dropped database {name}"),
            Err(error) => eprintln!("{label}: database {name} is left: {error}"),
        }
    }
    if !status.success() {
        bail!("{label}: the import failed ({status}):\n{report}");
    }
    let count = |prefix: &str| {
        report
            .lines()
            .find_map(|line| line.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|number| number.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(Measured {
        database: label,
        wall,
        peak_rss_kb,
        peak_at,
        pages: count("pages ") + count("blog posts "),
        versions: count("versions "),
    })
}

/// `VmHWM` of a /proc/<pid>/status, in kB; `None` once the process is gone.
fn high_water_mark_kb(status_path: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_path).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_url_names_the_fresh_database() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
    }

    #[test]
    fn only_this_host_is_used() {
        assert!(check_local("postgres://postgres@127.0.0.1:5432/x").is_ok());
        assert!(check_local("mysql://root@db.example.com:3306/x").is_err());
    }
}
