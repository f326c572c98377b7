//! The daemon's housekeeping, run by the reaper: deleting the witnesses of jobs that failed
//! longer ago than the retention period, and the rig's copies of zkeys whose circuits are gone.

use super::db::DbError;
use super::jobs::Groth16Spec;
use super::state::AppState;

/// Failed jobs whose witnesses one sweep deletes at most.
const SWEEP_LIMIT: i64 = 1000;

/// Deletes the witnesses of Groth16 jobs that failed more than
/// `queue.failed_witness_retention_seconds` before `now_us`, marking each job first so a
/// dead-letter retry can no longer pick it up (a retry that wins the race keeps its witness).
/// Returns how many were deleted.
pub async fn discard_expired_witnesses(state: &AppState, now_us: i64) -> Result<u64, DbError> {
    let retention = state.config().queue.failed_witness_retention_seconds;
    if retention == 0 {
        return Ok(0);
    }
    let cutoff = retention_cutoff(now_us, retention);
    let mut discarded = 0;
    for (id, old) in state.db().failed_jobs_holding_witnesses(cutoff, SWEEP_LIMIT).await? {
        let Ok(mut spec) = serde_json::from_str::<Groth16Spec>(&old) else {
            tracing::warn!(job = %id, "a failed Groth16 job's spec does not parse; its witness is left");
            continue;
        };
        spec.witness_discarded_us = Some(now_us);
        let new = serde_json::to_string(&spec).expect("a Groth16 spec serialises");
        if !state.db().replace_failed_spec(&id, &old, &new).await? {
            continue;
        }
        match state.artifacts().delete(&spec.witness).await {
            Ok(()) => discarded += 1,
            Err(e) => tracing::warn!(job = %id, "deleting an expired witness: {e}"),
        }
    }
    if discarded > 0 {
        tracing::info!(discarded, retention_seconds = retention, "witnesses of long-failed jobs deleted");
    }
    Ok(discarded)
}

/// Deletes the zkeys this rig fetched from a remote artifact store (`data_dir/zkeys`) whose
/// circuit no tenant has registered any more. Returns how many were deleted. Files being
/// fetched (temporary names) are left alone; a circuit registered again is fetched again.
pub async fn evict_unregistered_zkeys(state: &AppState) -> Result<u64, DbError> {
    let dir = state.zkey_cache_dir();
    let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
        return Ok(0);
    };
    let mut evicted = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name();
        let Some(id) = name.to_str().filter(|n| is_circuit_id(n)) else { continue };
        if state.db().circuit_registered(id).await? {
            continue;
        }
        match tokio::fs::remove_file(entry.path()).await {
            Ok(()) => {
                evicted += 1;
                state.provers().remove(id);
            }
            Err(e) => tracing::warn!(circuit = id, "deleting the rig's copy of an unregistered zkey: {e}"),
        }
    }
    if evicted > 0 {
        tracing::info!(evicted, "zkeys of deleted circuits removed from this rig");
    }
    Ok(evicted)
}

/// The finish time (µs) before which a failed job's witness has outlived `retention_s`
/// seconds. Saturates: a huge retention keeps everything rather than wrapping to the future.
fn retention_cutoff(now_us: i64, retention_s: u64) -> i64 {
    let retention_us = i64::try_from(retention_s).unwrap_or(i64::MAX).saturating_mul(1_000_000);
    now_us.saturating_sub(retention_us)
}

/// Whether `name` is a circuit id: the zkey's SHA-256 in lower-case hex.
fn is_circuit_id(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cutoff_saturates_instead_of_wrapping() {
        let now = 1_800_000_000_000_000;
        assert_eq!(super::retention_cutoff(now, 60), now - 60_000_000);
        // Retentions whose microseconds overflow keep every witness (a cutoff far in the past).
        for huge in [10_000_000_000_000u64, u64::MAX] {
            assert!(super::retention_cutoff(now, huge) < 0, "{huge}");
        }
    }

    #[test]
    fn only_sha256_names_are_circuit_ids() {
        assert!(super::is_circuit_id(&"ab".repeat(32)));
        for other in [".tmpXYZ", "", &"AB".repeat(32), &"ab".repeat(31), &"ag".repeat(32)] {
            assert!(!super::is_circuit_id(other), "{other:?}");
        }
    }
}
