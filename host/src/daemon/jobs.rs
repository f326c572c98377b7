//! Running one claimed job: a Groth16 proof through the prover cache, or a raw MSM / NTT /
//! Poseidon / Merkle job, on the rig's scheduler. Failures are classified: a bad input fails
//! the job at once, a device or storage problem lets it be retried.

use std::io::Cursor;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::artifacts::ArtifactError;
use super::db::circuits::zkey_key;
use super::db::jobs::{JobRow, Retry};
use super::raw_jobs::{RawJob, RawJobError, RawJobLimits};
use super::state::AppState;
use crate::groth16::format::{read_wtns_from, read_zkey, ZkeyOptions};
use crate::groth16::{decimal, Groth16Error};
use zkaccel_backends::Backend;

/// What a queued Groth16 job runs on (its `spec` column).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Groth16Spec {
    /// The witness's artifact-store key.
    pub witness: String,
    /// When the witness of this failed job was deleted after the retention period (µs since
    /// the epoch); such a job can no longer run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness_discarded_us: Option<i64>,
}

/// Why a job failed, and whether retrying may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    /// Retry or not.
    pub retry: Retry,
    /// Stable code (`witness_unsatisfied`, `device`, ...), also the metrics' `reason` label.
    pub code: &'static str,
    /// What happened.
    pub message: String,
}

impl JobFailure {
    fn permanent(code: &'static str, message: impl Into<String>) -> JobFailure {
        JobFailure { retry: Retry::Permanent, code, message: message.into() }
    }

    fn transient(code: &'static str, message: impl Into<String>) -> JobFailure {
        JobFailure { retry: Retry::Transient, code, message: message.into() }
    }
}

fn artifact_failure(what: &str, e: ArtifactError) -> JobFailure {
    match e {
        ArtifactError::NotFound { .. } => JobFailure::permanent("artifact_missing", format!("{what}: {e}")),
        other => JobFailure::transient("artifact_store", format!("{what}: {other}")),
    }
}

fn groth16_failure(e: Groth16Error) -> JobFailure {
    match e {
        Groth16Error::ProofRejected | Groth16Error::Unsatisfied(_) => {
            JobFailure::permanent("witness_unsatisfied", e.to_string())
        }
        Groth16Error::WitnessLength { .. } | Groth16Error::WitnessConstant(_) => {
            JobFailure::permanent("witness_mismatch", e.to_string())
        }
        Groth16Error::Format(_) => JobFailure::permanent("bad_artifact", e.to_string()),
        Groth16Error::Backend { .. } => JobFailure::transient("device", e.to_string()),
        other => JobFailure::transient("prover", other.to_string()),
    }
}

/// Deletes a finished Groth16 job's witness from the artifact store (best effort: a leftover is
/// only storage). Failed jobs keep theirs, for the dead-letter list's retries.
pub async fn discard_witness(state: &AppState, job: &JobRow) {
    if job.kind != "groth16" {
        return;
    }
    if let Ok(spec) = serde_json::from_str::<Groth16Spec>(&job.spec) {
        if let Err(e) = state.artifacts().delete(&spec.witness).await {
            tracing::warn!(job = %job.id, "deleting the witness of a finished job: {e}");
        }
    }
}

/// Runs the job and returns its result (JSON text).
pub async fn execute(state: &AppState, job: &JobRow) -> Result<String, JobFailure> {
    match job.kind.as_str() {
        "groth16" => prove(state, job).await,
        _ => run_raw(state, job).await,
    }
}

async fn prove(state: &AppState, job: &JobRow) -> Result<String, JobFailure> {
    let spec: Groth16Spec = serde_json::from_str(&job.spec)
        .map_err(|e| JobFailure::permanent("bad_job", format!("the stored job is not a Groth16 job: {e}")))?;
    if spec.witness_discarded_us.is_some() {
        return Err(JobFailure::permanent(
            "witness_expired",
            "the witness was deleted after the failed-job retention period; submit the job again",
        ));
    }
    let circuit = job.circuit_id.clone().ok_or_else(|| JobFailure::permanent("bad_job", "no circuit"))?;
    let zkey = zkey_path(state, &circuit).await?;
    let wtns = state.artifacts().get_bytes(&spec.witness).await.map_err(|e| artifact_failure("the witness", e))?;
    let shared = state.clone();
    let options = ZkeyOptions { validation_cache: Some(state.config().data_dir.join("validated-keys")) };
    let output = tokio::task::spawn_blocking(move || {
        let witness = read_wtns_from(Cursor::new(&wtns[..])).map_err(|e| groth16_failure(e.into()))?;
        let prover = shared
            .provers()
            .get_or_load(&circuit, || read_zkey(&zkey, &options).map_err(Groth16Error::from))
            .map_err(groth16_failure)?;
        prover.prove(&witness).map_err(groth16_failure)
    })
    .await
    .map_err(|e| JobFailure::transient("prover", format!("the proving thread panicked: {e}")))??;
    if output.recomputed_on_cpu {
        tracing::warn!(job = %job.id, "a device's part of the proof failed; it was recomputed on the CPU");
    }
    let result = json!({
        "proof": output.proof.to_json(),
        "public": decimal::signals_to_json(&output.public),
    });
    Ok(result.to_string())
}

/// The zkey on this rig's disk: in place for a local artifact store, else fetched once into
/// the data directory.
async fn zkey_path(state: &AppState, circuit: &str) -> Result<PathBuf, JobFailure> {
    let key = zkey_key(circuit);
    if let Some(path) = state.artifacts().local_path(&key) {
        return Ok(path);
    }
    let path = state.zkey_cache_dir().join(circuit);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        tokio::fs::create_dir_all(state.zkey_cache_dir())
            .await
            .map_err(|e| JobFailure::transient("io", format!("creating the zkey cache: {e}")))?;
        state.artifacts().fetch_to_file(&key, &path).await.map_err(|e| artifact_failure("the zkey", e))?;
    }
    Ok(path)
}

async fn run_raw(state: &AppState, job: &JobRow) -> Result<String, JobFailure> {
    let raw = RawJob::from_json(job.spec.as_bytes()).map_err(|e| JobFailure::permanent("bad_job", e.to_string()))?;
    let limits = RawJobLimits { max_elements: state.config().limits.max_raw_elements };
    let scheduler = state.scheduler().clone();
    let result = tokio::task::spawn_blocking(move || {
        let prepared = raw.prepare(&limits)?;
        prepared.run(scheduler.as_ref() as &dyn Backend)
    })
    .await
    .map_err(|e| JobFailure::transient("device", format!("the job's thread panicked: {e}")))?
    .map_err(|e| match e {
        RawJobError::Device(_) => JobFailure::transient("device", e.to_string()),
        other => JobFailure::permanent("bad_job", other.to_string()),
    })?;
    Ok(result.to_string())
}
