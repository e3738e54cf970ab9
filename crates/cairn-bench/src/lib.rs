//! Cairn's benchmark tooling, used by `cairn bench`:
//!
//! - a seeded, deterministic dataset generator ([`generate`]) that writes tiers of realistic content
//!   through the store's own API, and a [`Manifest`] of what it made;
//! - a load harness ([`harness`]) that logs in virtual users and plays the action mix of Atlassian's
//!   Data Center App Performance Toolkit ([`mix`]) on Cairn's UI, on an open schedule
//!   ([`schedule`]), with per-action HDR-histogram reports ([`report`]).
//!
//! Must not: load anything but this host (targets are checked), or hold SQL (it writes through
//! `cairn-store`'s API). It speaks HTTP only as a client of Cairn's UI.
//!
//! Main types: [`DatasetPlan`], [`GenerateOptions`], [`Harness`], [`ActionMix`], [`RunSummary`].

pub mod blobs;
pub mod dataset;
pub mod error;
pub mod generate;
pub mod harness;
pub mod manifest;
pub mod mix;
pub mod progress;
pub mod report;
pub mod rng;
pub mod schedule;
pub mod search;
pub mod text;

pub use dataset::{DatasetPlan, Tier};
pub use error::BenchError;
pub use generate::{GenerateOptions, GenerateReport, generate};
pub use harness::{Harness, HarnessOptions, check_local_target};
pub use manifest::Manifest;
pub use mix::{Action, ActionMix};
pub use report::RunSummary;
pub use schedule::OpenSchedule;
