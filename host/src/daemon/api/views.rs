//! Rows of the queue database as the API shows them (the shapes in [`crate::daemon::client`]).

use crate::daemon::client::{CircuitInfo, JobInfo, JobKind, JobTimings};
use crate::daemon::db::circuits::CircuitRow;
use crate::daemon::db::jobs::{JobRow, JobState};
use crate::daemon::db::now_us;

/// A circuit row as the API shows it.
pub fn circuit_info(row: &CircuitRow) -> CircuitInfo {
    CircuitInfo {
        id: row.id.clone(),
        name: row.name.clone(),
        size_bytes: row.size_bytes,
        n_vars: row.n_vars,
        n_public: row.n_public,
        domain_size: row.domain_size,
        created_at: rfc3339(row.created_us),
    }
}

/// A job row as the API shows it, with durations measured up to now for unfinished phases.
pub fn job_info(row: &JobRow) -> JobInfo {
    let ms = |from: i64, to: i64| Some((to - from).max(0) as f64 / 1e3);
    let now = now_us();
    let end = row.finished_us.unwrap_or(now);
    let timings = JobTimings {
        queued_ms: match (row.state, row.started_us) {
            (JobState::Queued, _) => ms(row.created_us, now),
            (_, Some(started)) => ms(row.created_us, started),
            (_, None) => row.finished_us.and_then(|f| ms(row.created_us, f)),
        },
        running_ms: row.started_us.filter(|_| row.state != JobState::Queued).and_then(|s| ms(s, end)),
        total_ms: row.finished_us.and_then(|f| ms(row.created_us, f)),
    };
    JobInfo {
        id: row.id.clone(),
        kind: row.kind.parse().unwrap_or(JobKind::Groth16),
        circuit_id: row.circuit_id.clone(),
        state: row.state,
        priority: row.priority.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        attempts: row.attempts.max(0) as u32,
        max_attempts: row.max_attempts.max(0) as u32,
        idempotency_key: row.idempotency_key.clone(),
        last_error: row.last_error.clone(),
        created_at: rfc3339(row.created_us),
        started_at: row.started_us.map(rfc3339),
        finished_at: row.finished_us.map(rfc3339),
        timings,
    }
}

/// Microseconds since the epoch as RFC 3339 UTC with microseconds: `2026-12-03T21:36:52.123456Z`.
pub fn rfc3339(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(951_782_400_000_001), "2000-02-29T00:00:00.000001Z");
        assert_eq!(rfc3339(1_796_333_812_123_456), "2026-12-03T21:36:52.123456Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999999Z");
    }
}
