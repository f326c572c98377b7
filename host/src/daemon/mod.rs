//! The proving daemon: an HTTP API over a durable job queue, workers that prove on the rig's
//! devices through the scheduler, and the operations endpoints. See docs/DAEMON.md.
//!
//! ```text
//! api (axum) ──► db (SQLite | PostgreSQL, sqlx Any) ◄── worker ──► raw_jobs / prover_cache ──► scheduler
//!     └──────────► artifacts (local directory | S3) ◄───┘
//! ```

pub mod artifacts;
pub mod client;
pub mod metrics;
pub mod openapi;
pub mod prover_cache;
pub mod raw_jobs;
pub mod upload;
pub mod config;
pub mod db;
pub mod error;
