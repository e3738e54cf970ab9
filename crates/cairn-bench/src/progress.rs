//! A small progress bar on standard error: redrawn in place on a terminal, a line every few seconds
//! otherwise (logs stay readable).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

/// Shared counter of finished units; the drawing task reads it, workers add to it.
#[derive(Clone)]
pub struct Progress {
    /// Units done so far. Relaxed ordering: it is only ever displayed.
    done: Arc<AtomicU64>,
    total: u64,
}

impl Progress {
    pub fn new(total: u64) -> Progress {
        Progress {
            done: Arc::new(AtomicU64::new(0)),
            total,
        }
    }

    pub fn add(&self, units: u64) {
        self.done.fetch_add(units, Ordering::Relaxed);
    }

    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Draws the bar until the returned handle is aborted (or everything is done).
    pub fn draw(&self, what: &'static str) -> JoinHandle<()> {
        let progress = self.clone();
        let on_terminal = std::io::stderr().is_terminal();
        tokio::spawn(async move {
            let started = Instant::now();
            let period = if on_terminal {
                Duration::from_millis(200)
            } else {
                Duration::from_secs(5)
            };
            let mut last_drawn = Instant::now();
            loop {
                // Short ticks, so the bar stops as soon as the work is done.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let finished = progress.done() >= progress.total;
                if !finished && last_drawn.elapsed() < period {
                    continue;
                }
                last_drawn = Instant::now();
                let line = progress_line(progress.done(), progress.total, started.elapsed(), what);
                let mut stderr = std::io::stderr().lock();
                if on_terminal {
                    let _ = write!(stderr, "\r{line}");
                } else {
                    let _ = writeln!(stderr, "{line}");
                }
                let _ = stderr.flush();
                if finished {
                    break;
                }
            }
            if on_terminal {
                let _ = writeln!(std::io::stderr());
            }
        })
    }
}

/// `[#####.....]  50%  4500/9000 pages  300/s  eta 15s`.
pub fn progress_line(done: u64, total: u64, elapsed: Duration, what: &str) -> String {
    const WIDTH: u64 = 30;
    let total = total.max(1);
    let done = done.min(total);
    let filled = (done * WIDTH / total) as usize;
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = if rate > 0.0 {
        format!("{:.0}s", (total - done) as f64 / rate)
    } else {
        "?".to_string()
    };
    format!(
        "[{}{}] {:>3}% {done}/{total} {what} {rate:.0}/s eta {eta}",
        "#".repeat(filled),
        ".".repeat(WIDTH as usize - filled),
        done * 100 / total,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_share_rate_and_eta() {
        let line = progress_line(50, 100, Duration::from_secs(10), "pages");
        assert!(
            line.starts_with("[###############...............]"),
            "{line}"
        );
        assert!(line.contains(" 50% 50/100 pages 5/s eta 10s"), "{line}");
    }
}
