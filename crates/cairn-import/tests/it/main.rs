//! The importer's tests: exports built in code, and (when present) the real exports of the
//! fixtures directory.

mod against_xml;
mod annotations;
mod builder;
mod export;
mod fixtures;
mod grants;
mod reader;
mod synthetic;
mod writer;
