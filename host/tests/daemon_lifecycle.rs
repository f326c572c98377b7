//! The daemon process's life: SIGTERM lets a running job finish within the grace period, or
//! gives it back to the queue when the grace runs out; a stopping daemon takes no new jobs;
//! `/readyz` reports its checks; the first start makes a default tenant whose token is written
//! readable by its owner only.

#[path = "common/daemon_process.rs"]
mod daemon_process;

use std::time::{Duration, Instant};

use daemon_process::{eventually, DaemonProcess, DaemonSpec};
use zkaccel::daemon::client::{DaemonClient, JobState as ApiState, SubmitOptions};
use zkaccel::daemon::db::jobs::{JobRow, JobState};
use zkaccel::daemon::db::tenants::TenantLimits;
use zkaccel::daemon::db::{now_us, Db};

/// Poseidon([1, 2]), in decimal.
const POSEIDON_1_2: &str = "7853200120776062878684798364095072458815029376092732009249414926327459813530";

fn poseidon_job() -> serde_json::Value {
    serde_json::json!({"kind": "poseidon", "arity": 2, "inputs": [["1", "2"]]})
}

/// A SQLite queue in a temporary directory with one tenant; the daemon spec to serve it.
struct Setup {
    dir: tempfile::TempDir,
    url: String,
    db: Db,
    tenant: String,
    token: String,
}

impl Setup {
    async fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("queue.sqlite").display());
        let db = Db::connect(&url, 2).await.unwrap();
        let (tenant, token) = db.create_tenant("life", &TenantLimits::default()).await.unwrap();
        Setup { dir, url, db, tenant: tenant.id, token }
    }

    fn spec(&self, name: &str, hold_ms: u64, grace_s: u64) -> DaemonSpec {
        let data = self.dir.path().join(name);
        DaemonSpec::new(name, &self.url, &data, &self.dir.path().join("artifacts"))
            .set("TESTING__HOLD_BEFORE_COMMIT_MS", hold_ms)
            .set("SHUTDOWN__GRACE_SECONDS", grace_s)
    }

    async fn job(&self, id: &str) -> JobRow {
        self.db.job(&self.tenant, id).await.unwrap().unwrap()
    }

    /// Submits a Poseidon job and waits until the daemon runs it.
    async fn running_job(&self, client: &DaemonClient) -> String {
        let job = client.submit_raw(&poseidon_job(), &SubmitOptions::default()).await.unwrap();
        let id = job.id.as_str();
        eventually("the job to run", Duration::from_secs(20), || async move {
            (client.job(id).await.unwrap().state == ApiState::Running).then_some(())
        })
        .await;
        job.id
    }
}

fn assert_done_with_the_hash(job: &JobRow) {
    assert_eq!(job.state, JobState::Done, "{job:?}");
    let result: serde_json::Value = serde_json::from_str(job.result.as_deref().unwrap()).unwrap();
    assert_eq!(result, serde_json::json!({"hashes": [POSEIDON_1_2]}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_running_job_finish_within_the_grace() {
    let setup = Setup::new().await;
    let mut daemon = DaemonProcess::start(&setup.spec("graceful", 1500, 10)).await;
    let client = DaemonClient::new(&daemon.url, &setup.token).unwrap();
    let id = setup.running_job(&client).await;

    let signalled_us = now_us();
    let signalled = Instant::now();
    daemon.terminate();
    let status = daemon.wait_exit(Duration::from_secs(10)).await.expect("the daemon exits within its 10 s grace");
    assert!(status.success(), "exit status {status}");
    let job = setup.job(&id).await;
    assert_done_with_the_hash(&job);
    assert_eq!(job.attempts, 1);
    assert!(job.finished_us.unwrap() > signalled_us, "the job finished after the SIGTERM, during the grace");
    assert!(signalled.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_past_the_grace_releases_the_job_for_another_daemon() {
    let setup = Setup::new().await;
    let mut daemon = DaemonProcess::start(&setup.spec("short-grace", 5000, 1)).await;
    let client = DaemonClient::new(&daemon.url, &setup.token).unwrap();
    let id = setup.running_job(&client).await;

    let signalled = Instant::now();
    daemon.terminate();
    let status = daemon.wait_exit(Duration::from_secs(4)).await.expect("the daemon exits soon after its 1 s grace");
    assert!(status.success(), "exit status {status}");
    assert!(signalled.elapsed() < Duration::from_secs(4), "it did not wait for the 5 s job");
    let released = setup.job(&id).await;
    assert_eq!((released.state, released.attempts), (JobState::Queued, 0), "released without using an attempt");
    assert_eq!((released.lease_owner, released.result), (None, None));

    let other = DaemonProcess::start(&setup.spec("next", 0, 10)).await;
    let client = DaemonClient::new(&other.url, &setup.token).unwrap();
    let job = client.wait(&id, Duration::from_millis(25), Some(Duration::from_secs(30))).await.unwrap();
    assert_eq!(job.state, ApiState::Done);
    let finished = setup.job(&id).await;
    assert_done_with_the_hash(&finished);
    assert_eq!((finished.attempts, finished.lease_owner.as_deref()), (1, Some("next")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_daemon_takes_no_new_jobs() {
    let setup = Setup::new().await;
    let mut daemon = DaemonProcess::start(&setup.spec("stopping", 2000, 10)).await;
    let client = DaemonClient::new(&daemon.url, &setup.token).unwrap();
    let running = setup.running_job(&client).await;

    daemon.terminate();
    // Until the daemon has handled the signal a submission may still be accepted; from then on
    // every one is refused: 503 shutting_down, the connection refused once the API closed, or
    // closed unanswered (a connection still in the listen backlog when the listener closed:
    // never read, so it must not have made a job; checked below).
    let mut accepted = Vec::new();
    let mut refusals = 0;
    while daemon.try_wait().is_none() {
        // A connection of its own each time: no pooled connection closing under the request.
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let answer = http
            .post(format!("{}/v1/jobs", daemon.url))
            .bearer_auth(&setup.token)
            .json(&poseidon_job())
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match answer {
            Ok(r) if r.status().as_u16() == 201 => {
                assert_eq!(refusals, 0, "a job was accepted after the daemon had refused one");
                accepted.push(r.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string());
            }
            Ok(r) => {
                let status = r.status().as_u16();
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!((status, body["error"]["code"].as_str()), (503, Some("shutting_down")), "{body}");
                refusals += 1;
            }
            Err(e) => {
                let unanswered = e.is_request() && format!("{e:?}").contains("IncompleteMessage");
                assert!(e.is_connect() || unanswered, "while stopping: {e:?}");
                refusals += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refusals > 0, "no submission was refused while the daemon stopped");
    assert!(accepted.len() < 5, "submissions kept being accepted after SIGTERM: {accepted:?}");
    assert!(daemon.try_wait().unwrap().success());
    assert_done_with_the_hash(&setup.job(&running).await);
    for id in &accepted {
        let job = setup.job(id).await;
        assert!(matches!(job.state, JobState::Queued | JobState::Done), "an accepted job is kept: {job:?}");
    }
    let jobs = setup.db.jobs(&setup.tenant, None, 1000).await.unwrap();
    assert_eq!(jobs.len(), 1 + accepted.len(), "only the running job and the accepted ones exist: {jobs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_reports_its_checks_and_devices() {
    let setup = Setup::new().await;
    let daemon = DaemonProcess::start(&setup.spec("ready", 0, 10)).await;
    let response = reqwest::get(format!("{}/readyz", daemon.url)).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");
    let checks = &body["checks"];
    assert_eq!(
        (&checks["database"], &checks["artifacts"], &checks["accepting"]),
        (&"ok".into(), &"ok".into(), &"ok".into())
    );
    assert_eq!(checks["devices"], serde_json::json!(["cpu"]), "the configured devices: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_writes_a_private_default_token_that_works() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("queue.sqlite").display());
    let data = dir.path().join("data");
    let spec = DaemonSpec::new("fresh", &url, &data, &dir.path().join("artifacts"));
    let mut daemon = DaemonProcess::start(&spec).await;

    let path = data.join("default.token");
    let mode = std::fs::metadata(&path).expect("default.token written").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "default.token is readable by its owner only: {mode:o}");
    let token = std::fs::read_to_string(&path).unwrap().trim().to_string();
    assert!(!daemon.log_text().contains(&token), "the token is never logged");
    let client = DaemonClient::new(&daemon.url, &token).unwrap();
    let job = client.submit_raw(&poseidon_job(), &SubmitOptions::default()).await.unwrap();
    let job = client.wait(&job.id, Duration::from_millis(25), Some(Duration::from_secs(30))).await.unwrap();
    assert_eq!(job.state, ApiState::Done);
    assert_eq!(client.result(&job.id).await.unwrap()["hashes"][0], POSEIDON_1_2);
    let wrong = DaemonClient::new(&daemon.url, "zk_not-the-token").unwrap();
    assert_eq!(wrong.jobs(None, None).await.unwrap_err().code(), Some("unauthorized"));

    // A restart finds the tenant: the token file is left alone and still works.
    daemon.kill();
    let daemon = DaemonProcess::start(&spec).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), token);
    let client = DaemonClient::new(&daemon.url, &token).unwrap();
    assert_eq!(client.jobs(None, None).await.unwrap().len(), 1);
}
