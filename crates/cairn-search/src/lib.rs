//! Cairn's search: CQL (Confluence Query Language) parsed into an AST ([`cql`]) and translated into a
//! [`cairn_core::ContentQuery`] ([`plan`]) that the store evaluates.
//!
//! Must not: do IO. Functions of time (`now()`, `startOfMonth("-1M")`) are resolved against a clock
//! value the caller passes in, and `currentUser()` against the caller's username.
//!
//! Main types: [`cql::Query`], [`cql::CqlError`], [`plan::plan`].

pub mod cql;
pub mod plan;
