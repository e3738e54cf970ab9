//! How far an import has come: the reader and the writer report each step to a [`ProgressSink`],
//! which the command line draws as a bar and a node's long task records as its percentage.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One step of an import and how far it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportProgress {
    /// Reading entities.xml: bytes read of its uncompressed size.
    Reading { bytes_read: u64, bytes_total: u64 },
    /// Storing attachment files in the blob store: file versions stored of those to store.
    StoringFiles { files_stored: u64, files_total: u64 },
    /// Writing rows: pages, blog posts and comments written of those to write.
    Writing {
        contents_written: u64,
        contents_total: u64,
    },
    /// The transaction is being committed.
    Committing,
}

/// Share of the whole import each step stands for, in percent: reading is most of the work for a
/// text-heavy export, storing files for one with many attachments.
const READING_UP_TO: f64 = 40.0;
const STORING_UP_TO: f64 = 65.0;
const WRITING_UP_TO: f64 = 98.0;

impl ImportProgress {
    /// The whole import's progress, 0 to 100.
    pub fn percent(&self) -> f64 {
        let part = |done: u64, total: u64| {
            if total == 0 {
                1.0
            } else {
                (done as f64 / total as f64).min(1.0)
            }
        };
        match *self {
            ImportProgress::Reading {
                bytes_read,
                bytes_total,
            } => READING_UP_TO * part(bytes_read, bytes_total),
            ImportProgress::StoringFiles {
                files_stored,
                files_total,
            } => READING_UP_TO + (STORING_UP_TO - READING_UP_TO) * part(files_stored, files_total),
            ImportProgress::Writing {
                contents_written,
                contents_total,
            } => {
                STORING_UP_TO
                    + (WRITING_UP_TO - STORING_UP_TO) * part(contents_written, contents_total)
            }
            ImportProgress::Committing => WRITING_UP_TO,
        }
    }

    /// The step in words, for a person watching.
    pub fn describe(&self) -> String {
        const MIB: f64 = 1024.0 * 1024.0;
        match *self {
            ImportProgress::Reading {
                bytes_read,
                bytes_total,
            } => format!(
                "reading entities.xml: {:.1} of {:.1} MiB",
                bytes_read as f64 / MIB,
                bytes_total as f64 / MIB
            ),
            ImportProgress::StoringFiles {
                files_stored,
                files_total,
            } => format!("storing attachment files: {files_stored} of {files_total}"),
            ImportProgress::Writing {
                contents_written,
                contents_total,
            } => format!(
                "writing pages, blog posts and comments: {contents_written} of {contents_total}"
            ),
            ImportProgress::Committing => "committing".to_string(),
        }
    }
}

/// Where progress goes; the default discards it. Called from the import's task, so it must be
/// quick (record the value; draw or store it elsewhere).
#[derive(Clone, Default)]
pub struct ProgressSink(Option<Arc<dyn Fn(ImportProgress) + Send + Sync>>);

impl ProgressSink {
    pub fn new(report: impl Fn(ImportProgress) + Send + Sync + 'static) -> ProgressSink {
        ProgressSink(Some(Arc::new(report)))
    }

    pub fn report(&self, progress: ImportProgress) {
        if let Some(report) = &self.0 {
            report(progress);
        }
    }
}

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(if self.0.is_some() {
            "ProgressSink(reporting)"
        } else {
            "ProgressSink(discarding)"
        })
    }
}

/// A reader that counts the bytes read through it into a counter another thread can look at.
pub(crate) struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    pub fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        CountingReader { inner, count }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.count.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_follow_each_other_without_going_back() {
        let steps = [
            ImportProgress::Reading {
                bytes_read: 0,
                bytes_total: 100,
            },
            ImportProgress::Reading {
                bytes_read: 100,
                bytes_total: 100,
            },
            ImportProgress::StoringFiles {
                files_stored: 0,
                files_total: 10,
            },
            ImportProgress::StoringFiles {
                files_stored: 5,
                files_total: 10,
            },
            ImportProgress::Writing {
                contents_written: 0,
                contents_total: 3,
            },
            ImportProgress::Writing {
                contents_written: 3,
                contents_total: 3,
            },
            ImportProgress::Committing,
        ];
        let percents: Vec<f64> = steps.iter().map(ImportProgress::percent).collect();
        assert_eq!(percents[0], 0.0);
        assert!(
            percents.windows(2).all(|pair| pair[0] <= pair[1]),
            "{percents:?}"
        );
        assert!(percents[6] < 100.0, "only the finished task is at 100");
        let nothing_to_store = ImportProgress::StoringFiles {
            files_stored: 0,
            files_total: 0,
        };
        assert_eq!(
            nothing_to_store.percent(),
            STORING_UP_TO,
            "a step with nothing to do is done"
        );
        assert_eq!(
            ImportProgress::Reading {
                bytes_read: 3 * 1024 * 1024,
                bytes_total: 12 * 1024 * 1024
            }
            .describe(),
            "reading entities.xml: 3.0 of 12.0 MiB"
        );
    }

    #[test]
    fn a_counting_reader_counts_what_passes() {
        let count = Arc::new(AtomicU64::new(0));
        let mut reader = CountingReader::new(&b"0123456789"[..], count.clone());
        let mut buffer = [0_u8; 4];
        reader.read_exact(&mut buffer).expect("read");
        assert_eq!(count.load(Ordering::Relaxed), 4);
        std::io::copy(&mut reader, &mut std::io::sink()).expect("the rest");
        assert_eq!(count.load(Ordering::Relaxed), 10);
    }
}
