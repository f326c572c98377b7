//! A daemon killed with SIGKILL in the middle of jobs loses nothing: the jobs it held come back
//! when their leases expire and are proved again (by another daemon on the same PostgreSQL
//! queue, or by the same daemon restarted on its SQLite file), each exactly once, and every
//! proof verifies.
//!
//! The victim runs with `[testing] hold_before_commit_ms`, so its jobs sit computed but not
//! committed while the test kills it.

#[path = "common/daemon_process.rs"]
mod daemon_process;
#[path = "common/daemon_support.rs"]
mod daemon_support;

use std::collections::HashSet;
use std::time::Duration;

use daemon_process::{assert_groth16_result_verifies, eventually, groth16_fixture, DaemonProcess, DaemonSpec};
use daemon_support::{fresh_db, Engine};
use zkaccel::daemon::client::{DaemonClient, SubmitOptions};
use zkaccel::daemon::db::jobs::{JobRow, JobState};
use zkaccel::daemon::db::tenants::TenantLimits;
use zkaccel::daemon::db::Db;

const CIRCUIT: &str = "multiplier";
/// The victim sits this long on each computed result before committing it.
const HOLD_MS: u64 = 3000;

/// Every job of the tenant, as stored.
async fn all_jobs(db: &Db, tenant: &str) -> Vec<JobRow> {
    db.jobs(tenant, None, 1000).await.unwrap()
}

/// Uploads the circuit through `client` and submits `n` proofs of the fixture's witness with
/// keys `crash-0`… (alternating between `clients`, whose daemons are woken at once and so
/// claim them first); returns the job ids in order.
async fn submit(clients: &[&DaemonClient], n: usize) -> Vec<String> {
    let dir = groth16_fixture(CIRCUIT);
    let circuit = clients[0].upload_circuit(&dir.join("circuit.zkey"), Some(CIRCUIT)).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let opts = SubmitOptions { priority: None, idempotency_key: Some(format!("crash-{i}")) };
        let job =
            clients[i % clients.len()].submit_groth16(&circuit.id, &dir.join("witness.wtns"), &opts).await.unwrap();
        ids.push(job.id);
    }
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), n, "distinct keys make distinct jobs");
    ids
}

/// Waits until `owner` holds at least one running job; returns them.
async fn running_jobs_of(db: &Db, tenant: &str, owner: &str) -> Vec<JobRow> {
    eventually(&format!("{owner} to hold a running job"), Duration::from_secs(30), || async move {
        let held: Vec<JobRow> = all_jobs(db, tenant)
            .await
            .into_iter()
            .filter(|j| j.state == JobState::Running && j.lease_owner.as_deref() == Some(owner))
            .collect();
        (!held.is_empty()).then_some(held)
    })
    .await
}

/// Waits until no job is queued or running, then checks that all `ids` (and no others) are
/// done with verifying proofs, and that every job in `held` was run again (attempts ≥ 2).
async fn assert_all_done(db: &Db, tenant: &str, client: &DaemonClient, ids: &[String], held: &[JobRow]) {
    let jobs = eventually("every job to finish", Duration::from_secs(60), || async move {
        let jobs = all_jobs(db, tenant).await;
        jobs.iter().all(|j| j.state.is_finished()).then_some(jobs)
    })
    .await;
    let states: Vec<_> = jobs.iter().map(|j| (j.id.as_str(), j.state, j.attempts, j.last_error.clone())).collect();
    assert_eq!(jobs.len(), ids.len(), "no job lost or duplicated: {states:?}");
    let stored: HashSet<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(stored, ids.iter().map(String::as_str).collect(), "the stored jobs are the submitted ones");
    for job in &jobs {
        assert_eq!(job.state, JobState::Done, "job {} ended {:?}: {:?}", job.id, job.state, job.last_error);
        assert!(job.attempts >= 1, "job {} done with {} attempts", job.id, job.attempts);
    }
    for lost in held {
        let job = jobs.iter().find(|j| j.id == lost.id).unwrap();
        assert!(job.attempts >= 2, "job {} held by the killed daemon was run again: {} attempts", job.id, job.attempts);
    }
    for id in ids {
        assert_groth16_result_verifies(CIRCUIT, &client.result(id).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_jobs_of_a_killed_daemon_are_finished_by_the_other_one() {
    const N: usize = 12;
    let Some(test_db) = fresh_db(Engine::Postgres, "daemon_crash::postgres").await else { return };
    let db = Db::connect(&test_db.url, 4).await.unwrap();
    let (tenant, token) = db.create_tenant("crash", &TenantLimits::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = dir.path().join("shared-artifacts");
    let spec = |name: &str| DaemonSpec::new(name, &test_db.url, &dir.path().join(name), &artifacts);
    let (victim_spec, survivor_spec) =
        (spec("victim").set("TESTING__HOLD_BEFORE_COMMIT_MS", HOLD_MS), spec("survivor"));
    let (mut victim, survivor) = tokio::join!(DaemonProcess::start(&victim_spec), DaemonProcess::start(&survivor_spec));
    let to_victim = DaemonClient::new(&victim.url, &token).unwrap();
    let to_survivor = DaemonClient::new(&survivor.url, &token).unwrap();

    let ids = submit(&[&to_victim], N).await;
    running_jobs_of(&db, &tenant.id, "victim").await;
    victim.kill();
    // The victim is dead: what it still held is frozen in the queue until its leases expire.
    let held: Vec<JobRow> = all_jobs(&db, &tenant.id)
        .await
        .into_iter()
        .filter(|j| j.state == JobState::Running && j.lease_owner.as_deref() == Some("victim"))
        .collect();
    assert!(!held.is_empty(), "the victim died holding a job (it sits {HOLD_MS} ms on each)");

    assert_all_done(&db, &tenant.id, &to_survivor, &ids, &held).await;
    let jobs = all_jobs(&db, &tenant.id).await;
    for lost in &held {
        let job = jobs.iter().find(|j| j.id == lost.id).unwrap();
        assert_eq!(job.lease_owner.as_deref(), Some("survivor"), "the survivor finished {}", job.id);
    }
    assert!(jobs.iter().any(|j| j.attempts >= 2), "at least one job was taken over");

    // Idempotency outlives the crash: the same key names the same, finished job.
    let wtns = groth16_fixture(CIRCUIT).join("witness.wtns");
    let circuit = jobs[0].circuit_id.clone().unwrap();
    let opts = SubmitOptions { priority: None, idempotency_key: Some("crash-0".into()) };
    let again = to_survivor.submit_groth16(&circuit, &wtns, &opts).await.unwrap();
    assert_eq!((again.id.as_str(), again.state.as_str()), (ids[0].as_str(), "done"));
    assert_eq!(all_jobs(&db, &tenant.id).await.len(), N);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_restarted_daemon_finishes_the_jobs_it_held_when_killed() {
    const N: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("queue.sqlite").display());
    let db = Db::connect(&url, 2).await.unwrap();
    let (tenant, token) = db.create_tenant("crash", &TenantLimits::default()).await.unwrap();
    let data_dir = dir.path().join("data");
    let artifacts = data_dir.join("artifacts");
    let spec = DaemonSpec::new("rig", &url, &data_dir, &artifacts);

    let mut first = DaemonProcess::start(&spec.clone().set("TESTING__HOLD_BEFORE_COMMIT_MS", HOLD_MS)).await;
    let client = DaemonClient::new(&first.url, &token).unwrap();
    let ids = submit(&[&client], N).await;
    running_jobs_of(&db, &tenant.id, "rig").await;
    first.kill();
    let held: Vec<JobRow> =
        all_jobs(&db, &tenant.id).await.into_iter().filter(|j| j.state == JobState::Running).collect();
    assert!(!held.is_empty(), "the daemon died holding a job");
    assert!(all_jobs(&db, &tenant.id).await.iter().any(|j| !j.state.is_finished()), "work was left when it died");

    let restarted = DaemonProcess::start(&spec).await;
    let client = DaemonClient::new(&restarted.url, &token).unwrap();
    assert_all_done(&db, &tenant.id, &client, &ids, &held).await;
}
