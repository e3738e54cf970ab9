//! The export's zip file, written on a thread of its own: zip writing and deflating are blocking
//! work, so async code hands the thread one entry at a time, in chunks, over a bounded channel.
//! Memory stays at a few chunks whatever the size of entities.xml or of an attachment.

use std::fs::File;
use std::io::{BufWriter, Write};

use bytes::Bytes;
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;

use crate::error::{ImportError, ImportResult};

/// Chunks in flight between async code and the writing thread.
const CHUNKS_IN_FLIGHT: usize = 8;

enum Command {
    /// Starts entry `name`, deflated or stored as it is (attachments are mostly compressed
    /// already, and deflating them again would cost the node's CPU for little).
    Start {
        name: String,
        deflate: bool,
    },
    Write(Bytes),
}

/// The sending side; [`ZipSink::finish`] waits for the thread and answers its outcome.
pub struct ZipSink {
    commands: mpsc::Sender<Command>,
    thread: tokio::task::JoinHandle<ImportResult<()>>,
}

impl ZipSink {
    /// Starts writing a zip into `file`.
    pub fn start(file: File) -> ZipSink {
        let (commands, mut received) = mpsc::channel::<Command>(CHUNKS_IN_FLIGHT);
        let thread = tokio::task::spawn_blocking(move || {
            let mut zip = zip::ZipWriter::new(BufWriter::new(file));
            while let Some(command) = received.blocking_recv() {
                match command {
                    Command::Start { name, deflate } => {
                        let options = SimpleFileOptions::default()
                            .compression_method(if deflate {
                                zip::CompressionMethod::Deflated
                            } else {
                                zip::CompressionMethod::Stored
                            })
                            .large_file(true);
                        zip.start_file(name, options)
                            .map_err(ImportError::ZipWrite)?;
                    }
                    Command::Write(bytes) => {
                        zip.write_all(&bytes).map_err(ImportError::ExportWrite)?;
                    }
                }
            }
            let mut inner = zip.finish().map_err(ImportError::ZipWrite)?;
            inner.flush().map_err(ImportError::ExportWrite)?;
            inner
                .into_inner()
                .map_err(|error| ImportError::ExportWrite(error.into_error()))?
                .sync_all()
                .map_err(ImportError::ExportWrite)?;
            Ok(())
        });
        ZipSink { commands, thread }
    }

    async fn send(&mut self, command: Command) -> ImportResult<()> {
        if self.commands.send(command).await.is_err() {
            // The thread stopped: its error says why.
            return Err(self.failure().await);
        }
        Ok(())
    }

    async fn failure(&mut self) -> ImportError {
        match (&mut self.thread).await {
            Ok(Err(error)) => error,
            _ => ImportError::WriterGone,
        }
    }

    pub async fn start_entry(&mut self, name: &str, deflate: bool) -> ImportResult<()> {
        self.send(Command::Start {
            name: name.to_string(),
            deflate,
        })
        .await
    }

    pub async fn write(&mut self, bytes: Bytes) -> ImportResult<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.send(Command::Write(bytes)).await
    }

    /// Closes the zip and waits until it is written and synced.
    pub async fn finish(self) -> ImportResult<()> {
        let ZipSink { commands, thread } = self;
        drop(commands);
        match thread.await {
            Ok(outcome) => outcome,
            Err(_) => Err(ImportError::WriterGone),
        }
    }
}
