//! Snapshots of an index: its committed files packed into one stream, and unpacked again.
//!
//! Format: a magic line, the journal position (i64 LE), the number of files (u64 LE), then per
//! file its name length, name, size (u64 LE each) and bytes.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{IndexError, SearchIndex};

/// First line of a snapshot file.
const SNAPSHOT_MAGIC: &[u8] = b"cairn-search-snapshot-1\n";

impl SearchIndex {
    /// Writes a consistent copy of the last commit to `out` (the writer is held meanwhile, so no
    /// commit or merge clean-up changes the files underneath). Returns the journal position it
    /// includes.
    pub fn write_snapshot(&self, out: &mut impl Write) -> Result<i64, IndexError> {
        let _writer = self.lock_writer()?;
        let metas = self.index.load_metas()?;
        let position: i64 = metas
            .payload
            .as_deref()
            .and_then(|payload| payload.parse().ok())
            .unwrap_or(0);
        let mut files: Vec<PathBuf> = metas
            .list_segment_files()
            .into_iter()
            .filter(|file| self.directory.join(file).is_file())
            .collect();
        files.sort();
        files.push(PathBuf::from("meta.json"));
        out.write_all(SNAPSHOT_MAGIC)?;
        out.write_all(&position.to_le_bytes())?;
        out.write_all(&(files.len() as u64).to_le_bytes())?;
        for file in files {
            let name = file.to_string_lossy().into_owned();
            let bytes = fs::read(self.directory.join(&file))?;
            out.write_all(&(name.len() as u64).to_le_bytes())?;
            out.write_all(name.as_bytes())?;
            out.write_all(&(bytes.len() as u64).to_le_bytes())?;
            out.write_all(&bytes)?;
        }
        Ok(position)
    }

    /// Unpacks a snapshot written by [`Self::write_snapshot`] into an empty `directory`. Returns
    /// the journal position it includes. Nothing is left behind on error but what the caller
    /// removes with the directory.
    pub fn restore_snapshot(directory: &Path, input: &mut impl Read) -> Result<i64, IndexError> {
        fs::create_dir_all(directory)?;
        Self::empty_directory(directory)?;
        let mut magic = vec![0u8; SNAPSHOT_MAGIC.len()];
        input.read_exact(&mut magic)?;
        if magic != SNAPSHOT_MAGIC {
            return Err(IndexError::BadSnapshot("unknown format".into()));
        }
        let position = i64::from_le_bytes(read_array(input)?);
        let count = u64::from_le_bytes(read_array(input)?);
        for _ in 0..count {
            let name_length = u64::from_le_bytes(read_array(input)?);
            if name_length > 255 {
                return Err(IndexError::BadSnapshot("file name too long".into()));
            }
            let mut name = vec![0u8; name_length as usize];
            input.read_exact(&mut name)?;
            let name = String::from_utf8(name)
                .map_err(|_| IndexError::BadSnapshot("file name is not UTF-8".into()))?;
            if name.contains('/') || name.contains('\\') || name.starts_with('.') {
                return Err(IndexError::BadSnapshot(format!("file name {name}")));
            }
            let size = u64::from_le_bytes(read_array(input)?);
            let mut file = fs::File::create(directory.join(&name))?;
            let copied = io::copy(&mut input.take(size), &mut file)?;
            if copied != size {
                return Err(IndexError::BadSnapshot(format!("{name} is truncated")));
            }
            file.sync_all()?;
        }
        Ok(position)
    }
}

fn read_array<const N: usize>(input: &mut impl Read) -> Result<[u8; N], IndexError> {
    let mut bytes = [0u8; N];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}
