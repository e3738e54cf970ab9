//! Cairn's search: CQL (Confluence Query Language) parsed into an AST ([`cql`]) and translated into a
//! [`cairn_core::ContentQuery`] ([`plan`]) that the store evaluates.
//!
//! The per-node index ([`index`]) evaluates those queries with tantivy, with the viewer's visibility
//! applied at query time.
//!
//! Must not: do IO outside the index directory it is given (no database, no network). Functions of time (`now()`, `startOfMonth("-1M")`) are resolved against a clock
//! value the caller passes in, and `currentUser()` against the caller's username.
//!
//! Main types: [`cql::Query`], [`cql::CqlError`], [`plan::plan`], [`index::SearchIndex`].

pub mod cql;
#[cfg(feature = "index")]
pub mod index;
pub mod plan;
