//! Workers: claim the next job, keep its lease alive with heartbeats while it runs, and commit
//! its result (or its failure) under the lease. On shutdown a worker stops claiming; a job still
//! running when the grace period ends is released back to the queue.

use std::time::Duration;

use tracing::Instrument;

use super::db::jobs::{Claimed, JobState};
use super::db::now_us;
use super::housekeeping::{discard_expired_witnesses, evict_unregistered_zkeys};
use super::jobs::{discard_witness, execute};
use super::state::AppState;

/// Runs one worker until the daemon stops.
pub async fn run_worker(state: AppState, index: usize) {
    let lease_us = state.lease_us();
    let poll = Duration::from_millis(state.config().queue.poll_interval_ms);
    while !state.is_stopping() {
        match state.db().claim_job(state.name(), lease_us).await {
            Ok(Some(claimed)) => {
                let span = tracing::info_span!("job", job = %claimed.job.id, kind = %claimed.job.kind, worker = index);
                run_claimed(&state, claimed).instrument(span).await;
            }
            Ok(None) => {
                tokio::select! {
                    _ = state.work_available() => {}
                    _ = tokio::time::sleep(poll) => {}
                    _ = state.stopped() => {}
                }
            }
            Err(e) => {
                tracing::warn!("claiming a job: {e}");
                tokio::select! {
                    _ = tokio::time::sleep(poll.max(Duration::from_millis(500))) => {}
                    _ = state.stopped() => {}
                }
            }
        }
    }
}

/// Runs a claimed job with a heartbeat beside it, then commits the outcome.
async fn run_claimed(state: &AppState, claimed: Claimed) {
    let job = &claimed.job;
    tracing::info!(attempt = job.attempts, "job started");
    let queue_wait =
        Duration::from_micros(job.started_us.unwrap_or(job.created_us).saturating_sub(job.created_us) as u64);
    let started = std::time::Instant::now();

    let (lost_tx, mut lost_rx) = tokio::sync::watch::channel(false);
    let heartbeat = tokio::spawn(heartbeat(state.clone(), claimed.clone(), lost_tx));
    // The test-only hold counts as part of the job: heartbeats go on, and a shutdown's grace
    // period or a lost lease ends it like any long computation.
    let hold = Duration::from_millis(state.config().testing.hold_before_commit_ms);
    let work = async {
        let outcome = execute(state, job).await;
        if !hold.is_zero() {
            tokio::time::sleep(hold).await;
        }
        outcome
    };
    tokio::pin!(work);
    let grace = Duration::from_secs(state.config().shutdown.grace_seconds);
    let outcome = tokio::select! {
        outcome = &mut work => Some(outcome),
        _ = lost_rx.changed() => {
            // Cancelled, or the lease expired and another daemon took the job: stop waiting for
            // a result nobody may commit (the computation itself finishes on its thread).
            tracing::warn!("lease lost (job cancelled or taken over); its result will be discarded");
            None
        }
        _ = stopping_past_grace(state, grace) => None,
    };
    heartbeat.abort();
    let Some(outcome) = outcome else {
        if state.is_stopping() && !*lost_rx.borrow() {
            match state.db().release_job(&claimed).await {
                Ok(true) => tracing::info!("released at shutdown: another daemon will run it"),
                Ok(false) => {}
                Err(e) => tracing::warn!("releasing the job at shutdown (its lease will expire instead): {e}"),
            }
        }
        return;
    };

    let run = started.elapsed();
    match outcome {
        Ok(result) => match state.db().complete_job(&claimed, &result).await {
            Ok(true) => {
                let total = Duration::from_micros((now_us() - job.created_us).max(0) as u64);
                state.metrics().observe_job(&job.kind, queue_wait, run, total);
                tracing::info!(run_ms = run.as_secs_f64() * 1e3, "job done");
                discard_witness(state, job).await;
            }
            Ok(false) => tracing::warn!("the job was cancelled or taken over before its result was committed"),
            Err(e) => tracing::error!("committing the result (the lease will expire and the job rerun): {e}"),
        },
        Err(failure) => {
            state.metrics().job_failed(&job.kind, failure.code);
            match state.db().fail_job(&claimed, failure.retry, failure.code, &failure.message).await {
                Ok(Some(JobState::Queued)) => {
                    tracing::warn!(code = failure.code, "attempt failed, requeued: {}", failure.message)
                }
                Ok(Some(_)) => tracing::warn!(code = failure.code, "job failed: {}", failure.message),
                Ok(None) => tracing::warn!("the job was cancelled or taken over before its failure was recorded"),
                Err(e) => tracing::error!("recording the failure (the lease will expire and the job rerun): {e}"),
            }
        }
    }
}

/// Resolves once the daemon has been stopping for `grace`.
async fn stopping_past_grace(state: &AppState, grace: Duration) {
    state.stopped().await;
    tokio::time::sleep(grace).await;
}

/// Renews the lease every `heartbeat_seconds`; signals `lost` when it can no longer be renewed.
async fn heartbeat(state: AppState, claimed: Claimed, lost: tokio::sync::watch::Sender<bool>) {
    let every = Duration::from_secs(state.config().queue.heartbeat_seconds);
    let lease_us = state.lease_us();
    loop {
        tokio::time::sleep(every).await;
        match state.db().heartbeat(&claimed, lease_us).await {
            Ok(true) => {}
            Ok(false) => {
                let _ = lost.send(true);
                return;
            }
            // A database hiccup: keep trying until the lease would have expired anyway.
            Err(e) => tracing::warn!("renewing the lease: {e}"),
        }
    }
}

/// Returns expired leases to the queue and does the housekeeping (expired witnesses, zkeys of
/// deleted circuits) every `reaper_interval_seconds` until the daemon stops.
pub async fn run_reaper(state: AppState) {
    let every = Duration::from_secs(state.config().queue.reaper_interval_seconds);
    while !state.is_stopping() {
        match state.db().reap_expired_leases().await {
            Ok((0, 0)) => {}
            Ok((requeued, failed)) => {
                tracing::warn!(requeued, failed, "expired leases reaped (a daemon died or lost the database)");
                if requeued > 0 {
                    state.notify_work();
                }
            }
            Err(e) => tracing::warn!("reaping expired leases: {e}"),
        }
        if let Err(e) = discard_expired_witnesses(&state, now_us()).await {
            tracing::warn!("deleting expired witnesses: {e}");
        }
        if let Err(e) = evict_unregistered_zkeys(&state).await {
            tracing::warn!("removing zkeys of deleted circuits: {e}");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = state.stopped() => {}
        }
    }
}
