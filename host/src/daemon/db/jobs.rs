//! The job queue: submission (idempotent), claiming with leases, heartbeats, atomic completion,
//! retries with a bound, the reaper, cancellation and the dead-letter list.
//!
//! Every state change that a worker makes is guarded by its lease token: a worker whose lease
//! expired (and whose job another daemon claimed) can no longer commit, so a job's result is
//! written exactly once, in the same statement that marks it done.

use sqlx::Row;

use super::{now_us, Context, Db, DbError, Dialect};

pub use crate::daemon::client::JobState;

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// The job's id (a UUID).
    pub id: String,
    /// Its tenant.
    pub tenant_id: String,
    /// `groth16`, `msm`, `ntt`, `poseidon` or `merkle`.
    pub kind: String,
    /// The circuit of a Groth16 job.
    pub circuit_id: Option<String>,
    /// What to run: JSON (the raw job, or the witness's artifact key).
    pub spec: String,
    /// Higher runs first.
    pub priority: i64,
    /// Where it is.
    pub state: JobState,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
    /// Claims so far.
    pub attempts: i64,
    /// Claims allowed.
    pub max_attempts: i64,
    /// The current lease's owner (a daemon name).
    pub lease_owner: Option<String>,
    /// Submission time (µs).
    pub created_us: i64,
    /// Time of the latest claim (µs).
    pub started_us: Option<i64>,
    /// Time it reached a final state (µs).
    pub finished_us: Option<i64>,
    /// The result (JSON), once done.
    pub result: Option<String>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// The last failure's stable code.
    pub error_code: Option<String>,
}

/// A job to insert.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Its tenant.
    pub tenant_id: String,
    /// Its kind.
    pub kind: String,
    /// The circuit of a Groth16 job.
    pub circuit_id: Option<String>,
    /// What to run (JSON).
    pub spec: String,
    /// Higher runs first.
    pub priority: i64,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
    /// Claims allowed.
    pub max_attempts: i64,
}

/// A job claimed by a worker, with the lease token that guards its later updates.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The job as it was claimed.
    pub job: JobRow,
    /// Proof of the lease; every later update of the job by this worker must present it.
    pub lease_token: String,
}

/// How a failure is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A device or I/O problem: run the job again while attempts remain.
    Transient,
    /// A bad input: retrying cannot help.
    Permanent,
}

/// The field a Groth16 job's spec gains when its witness is discarded
/// (`daemon::jobs::Groth16Spec::witness_discarded_us`).
pub const WITNESS_DISCARDED: &str = "witness_discarded_us";

const COLUMNS: &str = "id, tenant_id, kind, circuit_id, spec, priority, state, idempotency_key, attempts, \
     max_attempts, lease_owner, created_us, started_us, finished_us, result, last_error, error_code";

fn from_row(row: &sqlx::any::AnyRow) -> Result<JobRow, sqlx::Error> {
    let state: String = row.try_get("state")?;
    Ok(JobRow {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        kind: row.try_get("kind")?,
        circuit_id: row.try_get("circuit_id")?,
        spec: row.try_get("spec")?,
        priority: row.try_get("priority")?,
        state: state.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?,
        idempotency_key: row.try_get("idempotency_key")?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        lease_owner: row.try_get("lease_owner")?,
        created_us: row.try_get("created_us")?,
        started_us: row.try_get("started_us")?,
        finished_us: row.try_get("finished_us")?,
        result: row.try_get("result")?,
        last_error: row.try_get("last_error")?,
        error_code: row.try_get("error_code")?,
    })
}

fn rows(rows: Vec<sqlx::any::AnyRow>, what: &str) -> Result<Vec<JobRow>, DbError> {
    rows.iter().map(from_row).collect::<Result<_, _>>().context(what)
}

impl Db {
    /// Inserts a job, or returns the tenant's existing job with the same idempotency key.
    /// Returns the job and whether it is new. Safe under concurrent submissions of one key.
    pub async fn submit_job(&self, job: &NewJob) -> Result<(JobRow, bool), DbError> {
        let id = uuid::Uuid::new_v4().to_string();
        let done = sqlx::query(
            "INSERT INTO jobs (id, tenant_id, kind, circuit_id, spec, priority, state, idempotency_key, \
             attempts, max_attempts, created_us) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, 0, $8, $9) \
             ON CONFLICT (tenant_id, idempotency_key) DO NOTHING",
        )
        .bind(&id)
        .bind(&job.tenant_id)
        .bind(&job.kind)
        .bind(&job.circuit_id)
        .bind(&job.spec)
        .bind(job.priority)
        .bind(&job.idempotency_key)
        .bind(job.max_attempts)
        .bind(now_us())
        .execute(self.pool())
        .await
        .context("queueing a job")?;
        let (query, key) = if done.rows_affected() == 1 {
            (format!("SELECT {COLUMNS} FROM jobs WHERE id = $1 AND tenant_id = $2"), id)
        } else {
            let key = job.idempotency_key.clone().unwrap_or_default();
            (format!("SELECT {COLUMNS} FROM jobs WHERE idempotency_key = $1 AND tenant_id = $2"), key)
        };
        let row = sqlx::query(&query)
            .bind(&key)
            .bind(&job.tenant_id)
            .fetch_one(self.pool())
            .await
            .context("reading a queued job")?;
        Ok((from_row(&row).context("reading a queued job")?, done.rows_affected() == 1))
    }

    /// The tenant's job with this id (`None` for another tenant's job).
    pub async fn job(&self, tenant_id: &str, id: &str) -> Result<Option<JobRow>, DbError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1 AND tenant_id = $2"))
            .bind(id)
            .bind(tenant_id)
            .fetch_optional(self.pool())
            .await
            .context("reading a job")?;
        row.map(|r| from_row(&r)).transpose().context("reading a job")
    }

    /// The tenant's job submitted with this idempotency key.
    pub async fn job_by_idempotency_key(&self, tenant_id: &str, key: &str) -> Result<Option<JobRow>, DbError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE idempotency_key = $1 AND tenant_id = $2"))
            .bind(key)
            .bind(tenant_id)
            .fetch_optional(self.pool())
            .await
            .context("reading a job")?;
        row.map(|r| from_row(&r)).transpose().context("reading a job")
    }

    /// Any tenant's job with this id (operators and workers).
    pub async fn job_any_tenant(&self, id: &str) -> Result<Option<JobRow>, DbError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a job")?;
        row.map(|r| from_row(&r)).transpose().context("reading a job")
    }

    /// The tenant's jobs, newest first, optionally in one state.
    pub async fn jobs(&self, tenant_id: &str, state: Option<JobState>, limit: i64) -> Result<Vec<JobRow>, DbError> {
        let found = match state {
            Some(state) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM jobs WHERE tenant_id = $1 AND state = $2 \
                 ORDER BY created_us DESC, id LIMIT $3"
                ))
                .bind(tenant_id)
                .bind(state.as_str())
                .bind(limit)
                .fetch_all(self.pool())
                .await
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM jobs WHERE tenant_id = $1 ORDER BY created_us DESC, id LIMIT $2"
                ))
                .bind(tenant_id)
                .bind(limit)
                .fetch_all(self.pool())
                .await
            }
        };
        rows(found.context("listing jobs")?, "listing jobs")
    }

    /// Claims the next queued job (highest priority, then oldest) for `owner` with a lease of
    /// `lease_us`; `None` when the queue is empty.
    pub async fn claim_job(&self, owner: &str, lease_us: i64) -> Result<Option<Claimed>, DbError> {
        let lock = match self.dialect() {
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let token = uuid::Uuid::new_v4().to_string();
        let now = now_us();
        let row = sqlx::query(&format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = $1, lease_owner = $2, \
             lease_expires_us = $3, started_us = $4 \
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' \
                         ORDER BY priority DESC, created_us, id LIMIT 1{lock}) \
             AND state = 'queued' RETURNING {COLUMNS}"
        ))
        .bind(&token)
        .bind(owner)
        .bind(now + lease_us)
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .context("claiming a job")?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Claimed { job: from_row(&row).context("reading a claimed job")?, lease_token: token }))
    }

    /// Renews a lease; `false` when the lease is lost (expired and taken, or the job cancelled).
    pub async fn heartbeat(&self, claimed: &Claimed, lease_us: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_expires_us = $1 WHERE id = $2 AND lease_token = $3 AND state = 'running'",
        )
        .bind(now_us() + lease_us)
        .bind(&claimed.job.id)
        .bind(&claimed.lease_token)
        .execute(self.pool())
        .await
        .context("renewing a lease")?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks the job done with its result, in one statement; `false` (and nothing written) when
    /// the lease was lost.
    pub async fn complete_job(&self, claimed: &Claimed, result: &str) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'done', result = $1, finished_us = $2, lease_token = NULL, \
             lease_expires_us = NULL, last_error = NULL, error_code = NULL \
             WHERE id = $3 AND lease_token = $4 AND state = 'running'",
        )
        .bind(result)
        .bind(now_us())
        .bind(&claimed.job.id)
        .bind(&claimed.lease_token)
        .execute(self.pool())
        .await
        .context("committing a job's result")?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failure: a transient one requeues the job while attempts remain, otherwise (and
    /// for a permanent one) the job fails for good with the error kept. Returns the new state,
    /// or `None` when the lease was lost.
    pub async fn fail_job(
        &self,
        claimed: &Claimed,
        retry: Retry,
        code: &str,
        message: &str,
    ) -> Result<Option<JobState>, DbError> {
        let requeue = retry == Retry::Transient && claimed.job.attempts < claimed.job.max_attempts;
        let (state, finished) = if requeue { (JobState::Queued, None) } else { (JobState::Failed, Some(now_us())) };
        let done = sqlx::query(
            "UPDATE jobs SET state = $1, finished_us = $2, lease_token = NULL, lease_owner = NULL, \
             lease_expires_us = NULL, last_error = $3, error_code = $4 \
             WHERE id = $5 AND lease_token = $6 AND state = 'running'",
        )
        .bind(state.as_str())
        .bind(finished)
        .bind(message)
        .bind(code)
        .bind(&claimed.job.id)
        .bind(&claimed.lease_token)
        .execute(self.pool())
        .await
        .context("recording a job's failure")?;
        Ok((done.rows_affected() == 1).then_some(state))
    }

    /// Gives a claimed job back to the queue without counting the attempt (a graceful shutdown).
    pub async fn release_job(&self, claimed: &Claimed) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_token = NULL, lease_owner = NULL, \
             lease_expires_us = NULL WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(&claimed.job.id)
        .bind(&claimed.lease_token)
        .execute(self.pool())
        .await
        .context("releasing a job")?;
        Ok(done.rows_affected() == 1)
    }

    /// Cancels the tenant's job if it has not finished; returns the job as it is now, or `None`
    /// when the tenant has no such job.
    pub async fn cancel_job(&self, tenant_id: &str, id: &str) -> Result<Option<JobRow>, DbError> {
        sqlx::query(
            "UPDATE jobs SET state = 'cancelled', finished_us = $1, lease_token = NULL, lease_expires_us = NULL \
             WHERE id = $2 AND tenant_id = $3 AND state IN ('queued', 'running')",
        )
        .bind(now_us())
        .bind(id)
        .bind(tenant_id)
        .execute(self.pool())
        .await
        .context("cancelling a job")?;
        self.job(tenant_id, id).await
    }

    /// Returns running jobs whose lease expired to the queue, or fails them for good when their
    /// attempts are used up. Returns (requeued, failed).
    pub async fn reap_expired_leases(&self) -> Result<(u64, u64), DbError> {
        let now = now_us();
        let mut tx = self.pool().begin().await.context("reaping expired leases")?;
        let failed = sqlx::query(
            "UPDATE jobs SET state = 'failed', finished_us = $1, lease_token = NULL, lease_expires_us = NULL, \
             last_error = 'its daemon stopped renewing the lease (crashed or lost the database) on the last attempt', \
             error_code = 'lease_expired' \
             WHERE state = 'running' AND lease_expires_us < $1 AND attempts >= max_attempts",
        )
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("failing jobs out of attempts")?
        .rows_affected();
        let requeued = sqlx::query(
            "UPDATE jobs SET state = 'queued', lease_token = NULL, lease_owner = NULL, lease_expires_us = NULL, \
             last_error = 'its daemon stopped renewing the lease (crashed or lost the database)', \
             error_code = 'lease_expired' \
             WHERE state = 'running' AND lease_expires_us < $1",
        )
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("requeueing expired leases")?
        .rows_affected();
        tx.commit().await.context("reaping expired leases")?;
        Ok((requeued, failed))
    }

    /// Failed jobs of every tenant (the dead-letter list), newest first.
    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<JobRow>, DbError> {
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE state = 'failed' ORDER BY finished_us DESC, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .context("listing failed jobs")?;
        rows(found, "listing failed jobs")
    }

    /// Failed Groth16 jobs that finished before `cutoff_us` and still hold a witness, oldest
    /// first: (id, spec).
    pub async fn failed_jobs_holding_witnesses(
        &self,
        cutoff_us: i64,
        limit: i64,
    ) -> Result<Vec<(String, String)>, DbError> {
        let found = sqlx::query(&format!(
            "SELECT id, spec FROM jobs WHERE kind = 'groth16' AND state = 'failed' AND finished_us < $1 \
             AND spec NOT LIKE '%{WITNESS_DISCARDED}%' ORDER BY finished_us, id LIMIT $2"
        ))
        .bind(cutoff_us)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .context("listing failed jobs' witnesses")?;
        found
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("spec")?)))
            .collect::<Result<_, sqlx::Error>>()
            .context("listing failed jobs' witnesses")
    }

    /// Replaces a failed job's spec with `new_spec` if the job is still failed with `old_spec`
    /// (a retry in between wins); `true` when replaced.
    pub async fn replace_failed_spec(&self, id: &str, old_spec: &str, new_spec: &str) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE jobs SET spec = $3 WHERE id = $1 AND state = 'failed' AND spec = $2")
            .bind(id)
            .bind(old_spec)
            .bind(new_spec)
            .execute(self.pool())
            .await
            .context("marking a witness discarded")?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts a failed job back in the queue with fresh attempts; `false` when it is not failed
    /// or its witness was discarded after the retention period.
    pub async fn retry_failed_job(&self, id: &str) -> Result<bool, DbError> {
        let done = sqlx::query(&format!(
            "UPDATE jobs SET state = 'queued', attempts = 0, finished_us = NULL WHERE id = $1 AND state = 'failed' \
             AND spec NOT LIKE '%{WITNESS_DISCARDED}%'"
        ))
        .bind(id)
        .execute(self.pool())
        .await
        .context("retrying a failed job")?;
        Ok(done.rows_affected() == 1)
    }

    /// Job counts by (state, priority), for the queue-depth metric.
    pub async fn job_counts(&self) -> Result<Vec<(String, i64, i64)>, DbError> {
        let found = sqlx::query("SELECT state, priority, COUNT(*) AS n FROM jobs GROUP BY state, priority")
            .fetch_all(self.pool())
            .await
            .context("counting jobs")?;
        found
            .iter()
            .map(|r| Ok((r.try_get("state")?, r.try_get("priority")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .context("counting jobs")
    }
}
