//! Reading an export: one streaming pass over entities.xml into the spill file, then the model.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::archive::{Archive, ControlCharacterFilter, ENTITIES, open_zip};
use crate::error::{ImportError, ImportResult};
use crate::model::{self, BodyRef, MODEL_CLASSES, Model, Objects};
use crate::progress::{CountingReader, ImportProgress, ProgressSink};
use crate::spill::Spill;
use crate::xml::{ObjectReader, RawObject};

/// Objects written to the spill per transaction.
const SPILL_BATCH: usize = 500;
/// Objects parsed ahead of the spill.
const OBJECTS_IN_FLIGHT: usize = 1024;
/// exportDescriptor.properties is a few lines; more is not a descriptor.
const MAX_DESCRIPTOR_BYTES: u64 = 64 * 1024;

enum Parsed {
    Object(Box<RawObject>),
    Done { control_characters_dropped: u64 },
    Failed(ImportError),
}

/// An export read and joined: the model, and the spill and archive its bodies and files are read
/// from.
pub struct Export {
    pub model: Model,
    /// exportDescriptor.properties (`exportType`, `spaceKey`, `buildNumber`…).
    pub descriptor: BTreeMap<String, String>,
    /// Objects in entities.xml.
    pub objects_read: u64,
    /// Control characters XML forbids, dropped while reading.
    pub control_characters_dropped: u64,
    pub archive: Archive,
    spill: Spill,
}

impl Export {
    /// Reads the export at `path`.
    pub async fn read(path: &Path) -> ImportResult<Export> {
        Export::read_reporting(path, &ProgressSink::default()).await
    }

    /// Reads the export at `path`, reporting the bytes of entities.xml read to `progress`.
    pub async fn read_reporting(path: &Path, progress: &ProgressSink) -> ImportResult<Export> {
        let opened_path = path.to_path_buf();
        let archive = tokio::task::spawn_blocking(move || Archive::open(&opened_path))
            .await
            .map_err(|_| ImportError::ReaderGone)??;
        let descriptor = archive
            .read_small("exportDescriptor.properties", MAX_DESCRIPTOR_BYTES)?
            .map(|text| parse_properties(&text))
            .unwrap_or_default();

        let mut spill = Spill::create().await?;
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Parsed>(OBJECTS_IN_FLIGHT);
        let parse_path = path.to_path_buf();
        let bytes_total = archive.entry_size(ENTITIES).unwrap_or(0);
        let bytes_read = Arc::new(AtomicU64::new(0));
        let counted = bytes_read.clone();
        let reading = || ImportProgress::Reading {
            bytes_read: bytes_read.load(Ordering::Relaxed),
            bytes_total,
        };
        progress.report(reading());
        std::thread::Builder::new()
            .name("cairn-import-entities".into())
            .spawn(move || parse_entities(&parse_path, &sender, counted))
            .map_err(|source| ImportError::Read {
                entry: ENTITIES.into(),
                source,
            })?;

        let mut batch = Vec::with_capacity(SPILL_BATCH);
        let mut objects_read = 0;
        let control_characters_dropped = loop {
            match receiver.recv().await {
                Some(Parsed::Object(object)) => {
                    objects_read += 1;
                    batch.push(*object);
                    if batch.len() >= SPILL_BATCH {
                        spill.insert(&batch).await?;
                        batch.clear();
                        progress.report(reading());
                    }
                }
                Some(Parsed::Done {
                    control_characters_dropped,
                }) => break control_characters_dropped,
                Some(Parsed::Failed(error)) => return Err(error),
                None => return Err(ImportError::ReaderGone),
            }
        };
        spill.insert(&batch).await?;
        progress.report(reading());

        let mut objects = Objects {
            by_class: HashMap::new(),
            bodies: spill.body_index().await?,
            files: archive
                .entries_under("attachments/")
                .map(str::to_string)
                .collect::<HashSet<_>>(),
        };
        for class in MODEL_CLASSES {
            objects.by_class.insert(
                class.to_string(),
                spill.objects_of(class, model::model_property).await?,
            );
        }
        let model = model::build(&objects);
        Ok(Export {
            model,
            descriptor,
            objects_read,
            control_characters_dropped,
            archive,
            spill,
        })
    }

    /// The text of `body`, from the spill file.
    pub async fn body_text(&mut self, body: &BodyRef) -> ImportResult<String> {
        Ok(self.spill.body_text(&body.id).await?.unwrap_or_default())
    }
}

fn parse_entities(
    path: &Path,
    sender: &tokio::sync::mpsc::Sender<Parsed>,
    bytes_read: Arc<AtomicU64>,
) {
    let outcome = (|| -> ImportResult<u64> {
        let mut archive = open_zip(path)?;
        let entry = archive
            .by_name(ENTITIES)
            .map_err(|source| ImportError::Zip {
                path: path.display().to_string(),
                source,
            })?;
        let mut filter = ControlCharacterFilter::new(CountingReader::new(entry, bytes_read));
        let mut reader = ObjectReader::new(BufReader::with_capacity(256 * 1024, &mut filter));
        while let Some(object) = reader.next_object()? {
            if sender
                .blocking_send(Parsed::Object(Box::new(object)))
                .is_err()
            {
                return Ok(0);
            }
        }
        drop(reader);
        Ok(filter.dropped)
    })();
    let last = match outcome {
        Ok(control_characters_dropped) => Parsed::Done {
            control_characters_dropped,
        },
        Err(error) => Parsed::Failed(error),
    };
    let _ = sender.blocking_send(last);
}

/// `key=value` lines of a Java properties file (comments and blank lines skipped).
fn parse_properties(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('!'))
        .filter_map(|line| line.split_once(['=', ':']))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect()
}
