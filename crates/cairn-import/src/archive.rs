//! The export's zip archive: what it holds, entities.xml read through a filter of control
//! characters, and attachment files streamed in chunks.
//!
//! Zip reading is blocking IO, so each reader runs on a thread of its own and hands its bytes to
//! async code over bounded channels: memory stays at a few chunks whatever the size of a file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use zip::ZipArchive;

use crate::error::{ImportError, ImportResult};

/// The name of the file every Confluence XML export has at its root.
pub const ENTITIES: &str = "entities.xml";
/// Files read at once when streaming an attachment.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks in flight between the reading thread and the blob store.
const CHUNKS_IN_FLIGHT: usize = 4;

/// An opened export: its path and the size of every file it holds.
#[derive(Debug, Clone)]
pub struct Archive {
    path: PathBuf,
    /// Entry name -> uncompressed size, as the zip's directory says.
    entries: BTreeMap<String, u64>,
}

impl Archive {
    /// Opens `path`, reads the zip directory and checks that entities.xml is there.
    pub fn open(path: &Path) -> ImportResult<Archive> {
        let mut archive = open_zip(path)?;
        let mut entries = BTreeMap::new();
        for index in 0..archive.len() {
            let file = archive.by_index(index).map_err(|source| ImportError::Zip {
                path: path.display().to_string(),
                source,
            })?;
            // Names that are not UTF-8 cannot be any file an export is read for.
            if file.is_file()
                && let Ok(name) = file.name()
            {
                entries.insert(name.into_owned(), file.size());
            }
        }
        if !entries.contains_key(ENTITIES) {
            return Err(ImportError::NoEntities {
                path: path.display().to_string(),
            });
        }
        Ok(Archive {
            path: path.to_path_buf(),
            entries,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The uncompressed size of `name`, when the archive holds it.
    pub fn entry_size(&self, name: &str) -> Option<u64> {
        self.entries.get(name).copied()
    }

    /// Every entry name under `prefix`.
    pub fn entries_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .range(prefix.to_string()..)
            .map(|(name, _)| name.as_str())
            .take_while(move |name| name.starts_with(prefix))
    }

    /// The text of a small file (exportDescriptor.properties), at most `limit` bytes of it.
    pub fn read_small(&self, name: &str, limit: u64) -> ImportResult<Option<String>> {
        if !self.entries.contains_key(name) {
            return Ok(None);
        }
        let mut archive = open_zip(&self.path)?;
        let file = archive.by_name(name).map_err(|source| ImportError::Zip {
            path: self.path.display().to_string(),
            source,
        })?;
        let mut bytes = Vec::new();
        file.take(limit)
            .read_to_end(&mut bytes)
            .map_err(|source| ImportError::Read {
                entry: name.to_string(),
                source,
            })?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Starts a thread that streams files of this archive on request (see [`FileStreamer`]).
    pub fn file_streamer(&self) -> ImportResult<FileStreamer> {
        let mut archive = open_zip(&self.path)?;
        let (requests, incoming) = std::sync::mpsc::channel::<FileRequest>();
        std::thread::Builder::new()
            .name("cairn-import-files".into())
            .spawn(move || {
                while let Ok(request) = incoming.recv() {
                    stream_one(&mut archive, request);
                }
            })
            .map_err(|source| ImportError::Read {
                entry: "attachments".into(),
                source,
            })?;
        Ok(FileStreamer { requests })
    }
}

pub(crate) fn open_zip(path: &Path) -> ImportResult<ZipArchive<File>> {
    let file = File::open(path).map_err(|source| ImportError::Open {
        path: path.display().to_string(),
        source,
    })?;
    ZipArchive::new(file).map_err(|source| ImportError::Zip {
        path: path.display().to_string(),
        source,
    })
}

struct FileRequest {
    name: String,
    chunks: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
}

/// Streams files out of the archive, one at a time, from a thread that owns the open archive (so
/// its directory is read once). Dropping it ends the thread.
pub struct FileStreamer {
    requests: std::sync::mpsc::Sender<FileRequest>,
}

impl FileStreamer {
    /// The bytes of `name` as a stream of chunks; an error item when the file cannot be read (a
    /// damaged archive, a checksum that does not match).
    pub fn stream(
        &self,
        name: &str,
    ) -> ImportResult<impl futures_util::Stream<Item = io::Result<Bytes>> + Send + use<>> {
        let (sender, receiver) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        self.requests
            .send(FileRequest {
                name: name.to_string(),
                chunks: sender,
            })
            .map_err(|_| ImportError::ReaderGone)?;
        Ok(futures_util::stream::unfold(
            receiver,
            |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) },
        ))
    }
}

fn stream_one(archive: &mut ZipArchive<File>, request: FileRequest) {
    let mut file = match archive.by_name(&request.name) {
        Ok(file) => file,
        Err(error) => {
            let _ = request
                .chunks
                .blocking_send(Err(io::Error::other(error.to_string())));
            return;
        }
    };
    loop {
        let mut chunk = vec![0u8; CHUNK_BYTES];
        match read_full(&mut file, &mut chunk) {
            Ok(0) => return,
            Ok(filled) => {
                chunk.truncate(filled);
                if request
                    .chunks
                    .blocking_send(Ok(Bytes::from(chunk)))
                    .is_err()
                {
                    return;
                }
            }
            Err(error) => {
                let _ = request.chunks.blocking_send(Err(error));
                return;
            }
        }
    }
}

/// Reads until `buffer` is full or the file ends; the number of bytes read.
fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Drops the C0 control characters XML 1.0 forbids (all below U+0020 but tab, line feed and
/// carriage return), which real exports carry in titles and bodies, even inside CDATA. In UTF-8
/// these bytes never occur inside a multi-byte character, so dropping bytes drops characters.
pub struct ControlCharacterFilter<R> {
    inner: R,
    /// How many bytes were dropped so far (reported).
    pub dropped: u64,
}

impl<R> ControlCharacterFilter<R> {
    pub fn new(inner: R) -> Self {
        ControlCharacterFilter { inner, dropped: 0 }
    }
}

pub(crate) fn is_forbidden_control(byte: u8) -> bool {
    byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')
}

impl<R: Read> Read for ControlCharacterFilter<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            let read = self.inner.read(buffer)?;
            if read == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for index in 0..read {
                let byte = buffer[index];
                if is_forbidden_control(byte) {
                    self.dropped += 1;
                } else {
                    buffer[kept] = byte;
                    kept += 1;
                }
            }
            // A chunk made only of control characters must not look like the end of the file.
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_drops_control_characters_but_keeps_whitespace_and_utf8() {
        let input = "a\u{1}b\tc\r\n\u{0}\u{1f}é\u{b}".as_bytes();
        let mut filter = ControlCharacterFilter::new(input);
        let mut output = String::new();
        filter
            .read_to_string(&mut output)
            .expect("filtered text is UTF-8");
        assert_eq!(output, "ab\tc\r\né");
        assert_eq!(filter.dropped, 4);
    }

    #[test]
    fn a_chunk_of_only_control_characters_is_not_the_end() {
        let input: &[u8] = b"\x01\x02\x03";
        let mut chained = ControlCharacterFilter::new(input.chain(&b"x"[..]));
        let mut output = Vec::new();
        chained.read_to_end(&mut output).expect("reads");
        assert_eq!(output, b"x");
    }
}
