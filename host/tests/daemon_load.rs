//! Two daemons on one queue under concurrent load: eight clients submit small Poseidon jobs to
//! both, half of them repeating another client's idempotency keys at the same time. Every key
//! makes exactly one job, every job is done once with the right hash, and both daemons work.

#[path = "common/daemon_process.rs"]
mod daemon_process;
#[path = "common/daemon_support.rs"]
mod daemon_support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use daemon_process::eventually;
use daemon_support::{fresh_db, Engine};
use zkaccel::daemon::artifacts::ArtifactStoreConfig;
use zkaccel::daemon::client::{DaemonClient, IDEMPOTENCY_KEY};
use zkaccel::daemon::config::{DaemonConfig, LimitsConfig, QueueConfig};
use zkaccel::daemon::db::jobs::JobState;
use zkaccel::daemon::db::tenants::TenantLimits;
use zkaccel::daemon::db::Db;
use zkaccel::daemon::run::{start, RunningDaemon};

/// Client tasks.
const TASKS: usize = 8;
/// Submissions per task.
const PER_TASK: usize = 25;
/// Poseidon([1, 2]) (0x115cc0f5…189a), in decimal.
const POSEIDON_1_2: &str = "7853200120776062878684798364095072458815029376092732009249414926327459813530";
const NAMES: [&str; 2] = ["alpha", "beta"];

fn config(name: &str, url: &str, dir: &Path) -> DaemonConfig {
    DaemonConfig {
        listen: "127.0.0.1:0".into(),
        database_url: url.into(),
        devices: "cpu".into(),
        workers: 2,
        data_dir: dir.join(name),
        daemon_id: Some(name.into()),
        artifacts: ArtifactStoreConfig::Local { path: dir.join("artifacts") },
        queue: QueueConfig {
            lease_seconds: 30,
            heartbeat_seconds: 2,
            max_attempts: 3,
            reaper_interval_seconds: 1,
            poll_interval_ms: 50,
            ..QueueConfig::default()
        },
        // The load must not be throttled: 200 submissions and the polling in a few seconds.
        limits: LimitsConfig { requests_per_second: 100_000, burst: 100_000, ..LimitsConfig::default() },
        ..DaemonConfig::default()
    }
}

/// One submission's answer: its key, HTTP status and job id.
type Answer = (String, u16, String);

async fn load(engine: Engine, test: &str) {
    let Some(test_db) = fresh_db(engine, test).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&test_db.url, 4).await.unwrap();
    let (tenant, token) = db.create_tenant("load", &TenantLimits::default()).await.unwrap();
    let daemons: Vec<RunningDaemon> = vec![
        start(config(NAMES[0], &test_db.url, dir.path())).await.unwrap(),
        start(config(NAMES[1], &test_db.url, dir.path())).await.unwrap(),
    ];
    let urls: Vec<String> = daemons.iter().map(|d| format!("http://{}", d.addr)).collect();

    // Tasks 2i and 2i+1 submit the same keys at the same time, each to the other daemon.
    let body = serde_json::json!({"kind": "poseidon", "arity": 2, "inputs": [["1", "2"]]});
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (http, urls, token, body) = (http.clone(), urls.clone(), token.clone(), body.clone());
            tokio::spawn(async move {
                let mut answers: Vec<Answer> = Vec::new();
                for k in 0..PER_TASK {
                    let key = format!("load-{}-{k}", task / 2);
                    let url = &urls[(task + k) % 2];
                    let response = http
                        .post(format!("{url}/v1/jobs"))
                        .bearer_auth(&token)
                        .header(IDEMPOTENCY_KEY, &key)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap();
                    assert!(status == 200 || status == 201, "submitting {key} to {url}: {status} {text}");
                    let job: serde_json::Value = serde_json::from_str(&text).unwrap();
                    answers.push((key, status, job["id"].as_str().unwrap().to_string()));
                }
                answers
            })
        })
        .collect();
    let mut by_key: HashMap<String, Vec<(u16, String)>> = HashMap::new();
    for task in tasks {
        for (key, status, id) in task.await.unwrap() {
            by_key.entry(key).or_default().push((status, id));
        }
    }

    let keys = TASKS / 2 * PER_TASK;
    assert_eq!(by_key.len(), keys);
    for (key, answers) in &by_key {
        assert_eq!(answers.len(), 2, "{key} was submitted twice");
        assert_eq!(answers[0].1, answers[1].1, "both submissions of {key} name one job: {answers:?}");
        let created = answers.iter().filter(|(status, _)| *status == 201).count();
        assert_eq!(created, 1, "exactly one submission of {key} made the job (201), the other got it (200)");
    }
    let ids: HashSet<&str> = by_key.values().map(|a| a[0].1.as_str()).collect();
    assert_eq!(ids.len(), keys, "one job per distinct key");

    let (db_ref, tenant_id) = (&db, tenant.id.as_str());
    let jobs = eventually("every job to finish", Duration::from_secs(60), || async move {
        let jobs = db_ref.jobs(tenant_id, None, 1000).await.unwrap();
        jobs.iter().all(|j| j.state.is_finished()).then_some(jobs)
    })
    .await;
    assert_eq!(jobs.len(), keys, "no job beyond one per key");
    assert_eq!(jobs.iter().map(|j| j.id.as_str()).collect::<HashSet<_>>(), ids);
    let mut split: BTreeMap<String, usize> = BTreeMap::new();
    for job in &jobs {
        assert_eq!(job.state, JobState::Done, "job {} ended {:?}: {:?}", job.id, job.state, job.last_error);
        assert_eq!(job.attempts, 1, "job {} ran once", job.id);
        let result: serde_json::Value = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
        assert_eq!(result, serde_json::json!({"hashes": [POSEIDON_1_2]}), "job {}", job.id);
        *split.entry(job.lease_owner.clone().unwrap_or_default()).or_default() += 1;
    }
    assert_eq!(split.keys().map(String::as_str).collect::<Vec<_>>(), NAMES, "both daemons ran jobs: {split:?}");
    assert_eq!(split.values().sum::<usize>(), keys);

    // The API answers the same result through either daemon.
    for (i, id) in ids.iter().enumerate() {
        let client = DaemonClient::new(&urls[i % 2], &token).unwrap();
        assert_eq!(client.result(id).await.unwrap()["hashes"][0], POSEIDON_1_2);
    }
    eprintln!("{test}: jobs per daemon {split:?}");
    for daemon in daemons {
        daemon.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_daemons_under_concurrent_idempotent_load() {
    load(Engine::Postgres, "daemon_load::postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_daemons_under_concurrent_idempotent_load() {
    load(Engine::Sqlite, "daemon_load::sqlite").await;
}
