//! The proving daemon: an HTTP API over a durable job queue, workers that prove on the rig's
//! devices through the scheduler, and the operations endpoints. See docs/DAEMON.md.
//!
//! ```text
//! api (axum) ──► db (SQLite | PostgreSQL, sqlx Any) ◄── worker ──► raw_jobs / prover_cache ──► scheduler
//!     └──────────► artifacts (local directory | S3) ◄───┘
//! ```

pub mod api;
pub mod artifacts;
pub mod client;
pub mod config;
pub mod db;
pub mod error;
pub mod housekeeping;
pub mod jobs;
pub mod metrics;
pub mod openapi;
pub mod prover_cache;
pub mod rate_limit;
pub mod raw_jobs;
pub mod run;
pub mod state;
pub mod upload;
pub mod worker;
