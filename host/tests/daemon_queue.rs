//! The daemon's durable queue, run the same way against an embedded SQLite file and a real
//! PostgreSQL server: ordering, idempotency, leases, the reaper, bounded attempts and the
//! dead-letter list, cancellation, tenants, and concurrent claimers from two "daemons".

#[path = "common/daemon_support.rs"]
mod daemon_support;

use std::collections::HashSet;
use std::sync::Arc;

use daemon_support::{fresh_db, Engine};
use zkaccel::daemon::db::jobs::{JobState, NewJob, Retry};
use zkaccel::daemon::db::tenants::{token_hash, TenantLimits};
use zkaccel::daemon::db::Db;

const LEASE: i64 = 30_000_000;

async fn open(engine: Engine, test: &str) -> Option<(Db, daemon_support::TestDb)> {
    let test_db = fresh_db(engine, test).await?;
    let db = Db::connect(&test_db.url, 8).await.expect("connecting to the test database");
    Some((db, test_db))
}

async fn tenant(db: &Db, name: &str) -> String {
    db.create_tenant(name, &TenantLimits::default()).await.unwrap().0.id
}

fn job(tenant: &str, priority: i64, key: Option<&str>) -> NewJob {
    NewJob {
        tenant_id: tenant.into(),
        kind: "poseidon".into(),
        circuit_id: None,
        spec: r#"{"kind":"poseidon","arity":1,"inputs":[["1"]]}"#.into(),
        priority,
        idempotency_key: key.map(String::from),
        max_attempts: 3,
    }
}

/// Generates one #[tokio::test] per engine for each case.
macro_rules! on_both_engines {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                if let Some((db, _keep)) = super::open(super::Engine::Sqlite, stringify!($case)).await {
                    super::$case(db).await;
                }
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                if let Some((db, _keep)) = super::open(super::Engine::Postgres, stringify!($case)).await {
                    super::$case(db).await;
                }
            })*
        }
    };
}

on_both_engines!(
    a_job_goes_from_queued_to_done_with_its_result,
    higher_priority_first_then_oldest_first,
    an_idempotency_key_returns_the_existing_job,
    concurrent_submissions_with_one_key_make_one_job,
    an_expired_lease_is_requeued_and_the_old_worker_cannot_commit,
    attempts_are_bounded_then_the_job_is_dead_lettered,
    a_bad_input_fails_at_once,
    cancelling_stops_a_queued_or_running_job,
    a_released_job_keeps_its_attempts,
    two_daemons_claiming_concurrently_take_each_job_once,
    tenants_see_only_their_own_jobs_and_tokens_are_stored_hashed,
    reconnecting_keeps_the_schema_and_the_jobs,
    registering_and_deleting_one_zkey_never_interleave,
    failed_groth16_jobs_past_the_cutoff_give_up_their_witness_and_their_retry,
);

async fn a_job_goes_from_queued_to_done_with_its_result(db: Db) {
    let t = tenant(&db, "a").await;
    let (queued, new) = db.submit_job(&job(&t, 0, None)).await.unwrap();
    assert!(new);
    assert_eq!((queued.state, queued.attempts), (JobState::Queued, 0));
    let claimed = db.claim_job("daemon-1", LEASE).await.unwrap().expect("a queued job");
    assert_eq!(claimed.job.id, queued.id);
    assert_eq!((claimed.job.state, claimed.job.attempts), (JobState::Running, 1));
    assert_eq!(claimed.job.lease_owner.as_deref(), Some("daemon-1"));
    assert!(db.claim_job("daemon-1", LEASE).await.unwrap().is_none(), "the queue is empty now");
    assert!(db.heartbeat(&claimed, LEASE).await.unwrap());
    assert!(db.complete_job(&claimed, r#"{"hashes":["7"]}"#).await.unwrap());
    let done = db.job(&t, &queued.id).await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.result.as_deref(), Some(r#"{"hashes":["7"]}"#));
    assert!(done.finished_us.unwrap() >= done.started_us.unwrap());
    assert!(!db.complete_job(&claimed, "{}").await.unwrap(), "a result is written once");
    assert!(!db.heartbeat(&claimed, LEASE).await.unwrap(), "no lease on a finished job");
}

async fn higher_priority_first_then_oldest_first(db: Db) {
    let t = tenant(&db, "a").await;
    let mut ids = Vec::new();
    for priority in [0, 5, 0, -3, 5] {
        ids.push(db.submit_job(&job(&t, priority, None)).await.unwrap().0.id);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let mut order = Vec::new();
    while let Some(c) = db.claim_job("d", LEASE).await.unwrap() {
        order.push(c.job.id);
    }
    assert_eq!(order, vec![ids[1].clone(), ids[4].clone(), ids[0].clone(), ids[2].clone(), ids[3].clone()]);
}

async fn an_idempotency_key_returns_the_existing_job(db: Db) {
    let (a, b) = (tenant(&db, "a").await, tenant(&db, "b").await);
    let (first, new) = db.submit_job(&job(&a, 0, Some("k1"))).await.unwrap();
    assert!(new);
    let (again, new) = db.submit_job(&job(&a, 9, Some("k1"))).await.unwrap();
    assert!(!new);
    assert_eq!(again, first, "the existing job, unchanged");
    let (other_tenant, new) = db.submit_job(&job(&b, 0, Some("k1"))).await.unwrap();
    assert!(new && other_tenant.id != first.id, "keys are per tenant");
    let (no_key_1, _) = db.submit_job(&job(&a, 0, None)).await.unwrap();
    let (no_key_2, _) = db.submit_job(&job(&a, 0, None)).await.unwrap();
    assert_ne!(no_key_1.id, no_key_2.id, "jobs without a key are never merged");
}

async fn concurrent_submissions_with_one_key_make_one_job(db: Db) {
    let t = tenant(&db, "a").await;
    let db = Arc::new(db);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (db, t) = (db.clone(), t.clone());
            tokio::spawn(async move { db.submit_job(&job(&t, 0, Some("same"))).await.unwrap() })
        })
        .collect();
    let mut ids = HashSet::new();
    let mut created = 0;
    for task in tasks {
        let (row, new) = task.await.unwrap();
        ids.insert(row.id);
        created += new as usize;
    }
    assert_eq!((ids.len(), created), (1, 1));
    assert_eq!(db.jobs(&t, None, 100).await.unwrap().len(), 1);
}

async fn an_expired_lease_is_requeued_and_the_old_worker_cannot_commit(db: Db) {
    let t = tenant(&db, "a").await;
    let (queued, _) = db.submit_job(&job(&t, 0, None)).await.unwrap();
    let stale = db.claim_job("crashed", -1).await.unwrap().unwrap(); // a lease already expired
    assert_eq!(db.reap_expired_leases().await.unwrap(), (1, 0));
    let requeued = db.job(&t, &queued.id).await.unwrap().unwrap();
    assert_eq!(requeued.state, JobState::Queued);
    assert_eq!(requeued.error_code.as_deref(), Some("lease_expired"));
    let fresh = db.claim_job("healthy", LEASE).await.unwrap().unwrap();
    assert_eq!((fresh.job.id.as_str(), fresh.job.attempts), (queued.id.as_str(), 2));
    assert!(!db.heartbeat(&stale, LEASE).await.unwrap(), "the old lease is gone");
    assert!(!db.complete_job(&stale, r#"{"from":"stale"}"#).await.unwrap());
    assert!(db.fail_job(&stale, Retry::Transient, "device", "x").await.unwrap().is_none());
    assert!(db.complete_job(&fresh, r#"{"from":"fresh"}"#).await.unwrap());
    let done = db.job(&t, &queued.id).await.unwrap().unwrap();
    assert_eq!(done.result.as_deref(), Some(r#"{"from":"fresh"}"#));
    assert_eq!(db.reap_expired_leases().await.unwrap(), (0, 0), "a live lease is left alone");
}

async fn attempts_are_bounded_then_the_job_is_dead_lettered(db: Db) {
    let t = tenant(&db, "a").await;
    let mut new = job(&t, 0, None);
    new.max_attempts = 2;
    let (queued, _) = db.submit_job(&new).await.unwrap();
    let first = db.claim_job("d", LEASE).await.unwrap().unwrap();
    assert_eq!(
        db.fail_job(&first, Retry::Transient, "device_lost", "cuda:0 fell off the bus").await.unwrap(),
        Some(JobState::Queued)
    );
    let second = db.claim_job("d", LEASE).await.unwrap().unwrap();
    assert_eq!(second.job.attempts, 2);
    assert_eq!(db.fail_job(&second, Retry::Transient, "device_lost", "again").await.unwrap(), Some(JobState::Failed));
    let failed = db.job(&t, &queued.id).await.unwrap().unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!((failed.error_code.as_deref(), failed.last_error.as_deref()), (Some("device_lost"), Some("again")));
    let dead = db.dead_letters(10).await.unwrap();
    assert_eq!(dead.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), vec![queued.id.as_str()]);
    assert!(db.retry_failed_job(&queued.id).await.unwrap());
    assert!(!db.retry_failed_job(&queued.id).await.unwrap(), "only failed jobs are retried");
    let retried = db.claim_job("d", LEASE).await.unwrap().unwrap();
    assert_eq!((retried.job.id.as_str(), retried.job.attempts), (queued.id.as_str(), 1));

    // A lease expiring on the last attempt fails the job too.
    let (other, _) = db.submit_job(&NewJob { max_attempts: 1, ..job(&t, 0, None) }).await.unwrap();
    db.complete_job(&retried, "{}").await.unwrap();
    let _lost = db.claim_job("crashed", -1).await.unwrap().unwrap();
    assert_eq!(db.reap_expired_leases().await.unwrap(), (0, 1));
    assert_eq!(db.job(&t, &other.id).await.unwrap().unwrap().state, JobState::Failed);
}

async fn a_bad_input_fails_at_once(db: Db) {
    let t = tenant(&db, "a").await;
    let (queued, _) = db.submit_job(&job(&t, 0, None)).await.unwrap();
    let claimed = db.claim_job("d", LEASE).await.unwrap().unwrap();
    let state = db.fail_job(&claimed, Retry::Permanent, "witness_unsatisfied", "no").await.unwrap();
    assert_eq!(state, Some(JobState::Failed));
    assert_eq!(db.job(&t, &queued.id).await.unwrap().unwrap().attempts, 1);
}

async fn cancelling_stops_a_queued_or_running_job(db: Db) {
    let t = tenant(&db, "a").await;
    let (queued, _) = db.submit_job(&job(&t, 0, None)).await.unwrap();
    let cancelled = db.cancel_job(&t, &queued.id).await.unwrap().unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert!(db.claim_job("d", LEASE).await.unwrap().is_none(), "a cancelled job is never claimed");

    let (running, _) = db.submit_job(&job(&t, 0, None)).await.unwrap();
    let claimed = db.claim_job("d", LEASE).await.unwrap().unwrap();
    assert_eq!(db.cancel_job(&t, &running.id).await.unwrap().unwrap().state, JobState::Cancelled);
    assert!(!db.heartbeat(&claimed, LEASE).await.unwrap(), "the worker learns of it at its heartbeat");
    assert!(!db.complete_job(&claimed, "{}").await.unwrap());
    let after = db.job(&t, &running.id).await.unwrap().unwrap();
    assert_eq!((after.state, after.result), (JobState::Cancelled, None));
    assert_eq!(db.cancel_job(&t, &running.id).await.unwrap().unwrap().state, JobState::Cancelled);
    assert!(db.cancel_job(&t, "no-such-job").await.unwrap().is_none());
}

async fn a_released_job_keeps_its_attempts(db: Db) {
    let t = tenant(&db, "a").await;
    db.submit_job(&job(&t, 0, None)).await.unwrap();
    let claimed = db.claim_job("stopping", LEASE).await.unwrap().unwrap();
    assert!(db.release_job(&claimed).await.unwrap());
    let again = db.claim_job("other", LEASE).await.unwrap().unwrap();
    assert_eq!(again.job.attempts, 1, "a graceful release does not use up an attempt");
}

async fn two_daemons_claiming_concurrently_take_each_job_once(db: Db) {
    let t = tenant(&db, "a").await;
    const JOBS: usize = 60;
    for i in 0..JOBS {
        db.submit_job(&job(&t, (i % 3) as i64, None)).await.unwrap();
    }
    // A second pool on the same database is a second daemon.
    let url = db_url_of(&db).await;
    let other = match url {
        Some(url) => Db::connect(&url, 8).await.unwrap(),
        None => db.clone(),
    };
    let pools = [Arc::new(db.clone()), Arc::new(other)];
    let claimers: Vec<_> = (0..8)
        .map(|i| {
            let db = pools[i % 2].clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(c) = db.claim_job(&format!("daemon-{}", i % 2), LEASE).await.unwrap() {
                    assert!(db.complete_job(&c, &format!("{{\"by\":{i}}}")).await.unwrap());
                    mine.push(c.job.id);
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!((all.len(), unique.len()), (JOBS, JOBS), "every job claimed exactly once");
    let jobs = db.jobs(&t, Some(JobState::Done), 1000).await.unwrap();
    assert_eq!(jobs.len(), JOBS);
    assert!(jobs.iter().all(|j| j.attempts == 1));
}

/// The URL a test database was opened with is not kept by `Db`; the PostgreSQL case reopens
/// through `current_database()`, the SQLite one shares the pool (SQLite serialises writers anyway).
async fn db_url_of(db: &Db) -> Option<String> {
    if db.dialect() != zkaccel::daemon::db::Dialect::Postgres {
        return None;
    }
    let name: String = sqlx::query_scalar("SELECT current_database()::text").fetch_one(db.pool()).await.unwrap();
    let admin = std::env::var("ZKACCEL_TEST_POSTGRES_URL").unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

async fn tenants_see_only_their_own_jobs_and_tokens_are_stored_hashed(db: Db) {
    let (alice, token) =
        db.create_tenant("alice", &TenantLimits { max_body_bytes: Some(1024), ..Default::default() }).await.unwrap();
    let (bob, _) = db.create_tenant("bob", &TenantLimits::default()).await.unwrap();
    assert!(db.create_tenant("alice", &TenantLimits::default()).await.is_err(), "names are unique");
    assert_eq!(db.tenant_for_token(&token).await.unwrap().unwrap(), alice);
    assert_eq!(alice.max_body_bytes, Some(1024));
    assert!(db.tenant_for_token("zk_not-a-token").await.unwrap().is_none());
    let stored: Vec<String> = sqlx::query_scalar("SELECT hash FROM tokens").fetch_all(db.pool()).await.unwrap();
    assert!(stored.contains(&token_hash(&token)));
    assert!(!stored.iter().any(|h| token.contains(h.as_str())), "the secret itself is never stored");

    let (job_of_alice, _) = db.submit_job(&job(&alice.id, 0, None)).await.unwrap();
    assert!(db.job(&bob.id, &job_of_alice.id).await.unwrap().is_none());
    assert!(db.cancel_job(&bob.id, &job_of_alice.id).await.unwrap().is_none());
    assert_eq!(db.job(&alice.id, &job_of_alice.id).await.unwrap().unwrap().state, JobState::Queued);
    assert!(db.jobs(&bob.id, None, 10).await.unwrap().is_empty());

    let second = db.add_token("alice", "ci").await.unwrap().unwrap();
    assert_eq!(db.tenant_for_token(&second).await.unwrap().unwrap().id, alice.id);
    assert_eq!(db.revoke_tokens("alice", "ci").await.unwrap(), 1);
    assert!(db.tenant_for_token(&second).await.unwrap().is_none(), "a revoked token no longer works");
    assert!(db.tenant_for_token(&token).await.unwrap().is_some());
    assert!(db.add_token("nobody", "x").await.unwrap().is_none());
}

async fn reconnecting_keeps_the_schema_and_the_jobs(db: Db) {
    let t = tenant(&db, "a").await;
    let (queued, _) = db.submit_job(&job(&t, 0, None)).await.unwrap();
    let counts = db.job_counts().await.unwrap();
    assert_eq!(counts, vec![("queued".to_string(), 0, 1)]);
    if let Some(url) = db_url_of(&db).await {
        // Several daemons starting at once on one PostgreSQL all migrate safely.
        let starts: Vec<_> = (0..4)
            .map(|_| {
                tokio::spawn({
                    let url = url.clone();
                    async move { Db::connect(&url, 2).await.map(|_| ()) }
                })
            })
            .collect();
        for s in starts {
            s.await.unwrap().unwrap();
        }
        let again = Db::connect(&url, 2).await.unwrap();
        assert_eq!(again.job(&t, &queued.id).await.unwrap().unwrap().id, queued.id);
    }
}

async fn registering_and_deleting_one_zkey_never_interleave(db: Db) {
    use zkaccel::daemon::db::circuits::{CircuitRow, Deleted};
    let (a, b) = (tenant(&db, "a").await, tenant(&db, "b").await);
    let circuit = CircuitRow {
        id: "ab".repeat(32),
        name: None,
        size_bytes: 10,
        n_vars: 4,
        n_public: 1,
        domain_size: 8,
        created_us: 0,
    };
    let mut lock = db.lock_zkey(&circuit.id).await.unwrap();
    assert!(lock.insert_circuit(&a, &circuit).await.unwrap().1);
    lock.commit().await.unwrap();

    // Tenant b registers the same zkey while holding its lock: a's deletion must wait, and then
    // see b's registration (so it does not delete the blob b relies on).
    let mut held = db.lock_zkey(&circuit.id).await.unwrap();
    assert!(held.insert_circuit(&b, &circuit).await.unwrap().1);
    let deleter = {
        let (db, a, id) = (db.clone(), a.clone(), circuit.id.clone());
        tokio::spawn(async move {
            let mut lock = db.lock_zkey(&id).await.unwrap();
            let deleted = lock.delete_circuit(&a, &id).await.unwrap();
            lock.commit().await.unwrap();
            deleted
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!deleter.is_finished(), "the deletion waits for the registration's lock");
    held.commit().await.unwrap();
    assert_eq!(deleter.await.unwrap(), Deleted::Yes { last: false }, "b still has the zkey");

    let mut lock = db.lock_zkey(&circuit.id).await.unwrap();
    assert_eq!(lock.delete_circuit(&b, &circuit.id).await.unwrap(), Deleted::Yes { last: true });
    lock.commit().await.unwrap();
    let mut lock = db.lock_zkey(&circuit.id).await.unwrap();
    assert_eq!(lock.delete_circuit(&b, &circuit.id).await.unwrap(), Deleted::NotFound);
}

async fn failed_groth16_jobs_past_the_cutoff_give_up_their_witness_and_their_retry(db: Db) {
    use zkaccel::daemon::db::jobs::WITNESS_DISCARDED;
    let t = tenant(&db, "a").await;
    let groth16 = |w: &str| NewJob {
        kind: "groth16".into(),
        circuit_id: Some("c".repeat(64)),
        spec: format!(r#"{{"witness":"witnesses/{w}"}}"#),
        max_attempts: 1,
        ..job(&t, 0, None)
    };
    let mut failed = Vec::new();
    for w in ["w1", "w2"] {
        let (queued, _) = db.submit_job(&groth16(w)).await.unwrap();
        let claimed = db.claim_job("d", LEASE).await.unwrap().unwrap();
        db.fail_job(&claimed, Retry::Permanent, "witness_unsatisfied", "no").await.unwrap();
        failed.push(queued.id);
    }
    // A failed raw job and a queued Groth16 job are never candidates.
    let (raw, _) = db.submit_job(&NewJob { max_attempts: 1, ..job(&t, 0, None) }).await.unwrap();
    let claimed = db.claim_job("d", LEASE).await.unwrap().unwrap();
    db.fail_job(&claimed, Retry::Permanent, "bad_job", "no").await.unwrap();
    db.submit_job(&groth16("w3")).await.unwrap();

    let now = zkaccel::daemon::db::now_us();
    assert!(db.failed_jobs_holding_witnesses(now - 3_600_000_000, 10).await.unwrap().is_empty(), "none is that old");
    let found = db.failed_jobs_holding_witnesses(now + 1, 10).await.unwrap();
    let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, failed.iter().map(String::as_str).collect::<Vec<_>>(), "oldest first, Groth16 failures only");
    assert!(!ids.contains(&raw.id.as_str()));

    // Mark the first; a stale spec or a job no longer failed is not replaced.
    let (id, old) = &found[0];
    let new = old.replace('}', &format!(r#","{WITNESS_DISCARDED}":1}}"#));
    assert!(!db.replace_failed_spec(id, "stale", &new).await.unwrap());
    assert!(db.replace_failed_spec(id, old, &new).await.unwrap());
    assert!(!db.retry_failed_job(id).await.unwrap(), "a job without its witness is not retried");
    let left = db.failed_jobs_holding_witnesses(now + 1, 10).await.unwrap();
    assert_eq!(left.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), vec![failed[1].as_str()]);
    // The second is retried before the sweep marks it: the retry wins.
    assert!(db.retry_failed_job(&failed[1]).await.unwrap());
    assert!(!db.replace_failed_spec(&left[0].0, &left[0].1, &new).await.unwrap());
}
