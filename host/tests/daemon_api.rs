//! The daemon's HTTP API against a real daemon in this process (SQLite queue, local artifact
//! store, the CPU): Groth16 and raw jobs end to end, idempotency, tenants and their isolation,
//! and every malformed request answered with a clear 4xx that leaves nothing behind.

#[path = "common/daemon_support.rs"]
mod daemon_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use zkaccel::daemon::client::{DaemonClient, JobState, SubmitOptions};
use zkaccel::daemon::config::DaemonConfig;
use zkaccel::daemon::db::tenants::TenantLimits;
use zkaccel::daemon::run::{start, RunningDaemon};
use zkaccel::groth16::decimal::signals_from_json;
use zkaccel::groth16::{Proof, Verifier, VerifyingKey};

const POSEIDON_1_2: &str = "7853200120776062878684798364095072458815029376092732009249414926327459813530";

fn fixture(circuit: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/groth16").join(circuit).join(file)
}

/// The multiplier's witness with one private value changed, written under `dir`: same length,
/// constant 1 intact, well-formed but not satisfying the circuit.
fn unsatisfying_witness(dir: &Path) -> PathBuf {
    let mut witness = zkaccel::groth16::format::read_wtns(&fixture("multiplier", "witness.wtns")).unwrap();
    let last = witness.len() - 1;
    witness[last] += ark_bn254::Fr::from(1u64);
    let path = dir.join("bad.wtns");
    zkaccel::groth16::format::write_wtns(&witness, std::fs::File::create(&path).unwrap()).unwrap();
    path
}

/// A daemon on a fresh SQLite queue in a temporary directory.
struct TestDaemon {
    daemon: Option<RunningDaemon>,
    url: String,
    dir: tempfile::TempDir,
}

impl TestDaemon {
    async fn start(configure: impl FnOnce(&mut DaemonConfig)) -> TestDaemon {
        let dir = tempfile::tempdir().unwrap();
        let mut config = daemon_support::local_config(dir.path(), &daemon_support::sqlite_url(dir.path()));
        configure(&mut config);
        let daemon = start(config).await.expect("starting the daemon");
        let url = format!("http://{}", daemon.addr);
        TestDaemon { daemon: Some(daemon), url, dir }
    }

    fn daemon(&self) -> &RunningDaemon {
        self.daemon.as_ref().unwrap()
    }

    async fn tenant(&self, name: &str, limits: TenantLimits) -> String {
        self.daemon().state().db().create_tenant(name, &limits).await.unwrap().1
    }

    async fn client(&self, name: &str) -> DaemonClient {
        DaemonClient::new(&self.url, &self.tenant(name, TenantLimits::default()).await).unwrap()
    }

    /// Files under the artifact store and the upload directory: a rejected request adds none.
    fn stored_files(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for root in [self.dir.path().join("artifacts"), self.dir.path().join("data/uploads")] {
            let mut stack = vec![root];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    if entry.path().is_dir() {
                        stack.push(entry.path());
                    } else {
                        found.push(entry.path());
                    }
                }
            }
        }
        found.sort();
        found
    }

    async fn job_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs").fetch_one(self.daemon().state().db().pool()).await.unwrap()
    }

    async fn stop(mut self) {
        self.daemon.take().unwrap().stop().await;
    }
}

/// A raw request, for the cases the client refuses to make.
async fn request(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.body(body);
    }
    let response = req.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn error_code(body: &Value) -> &str {
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "an error has a message: {body}");
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("not the API's error shape: {body}"))
}

fn verify(result: &Value, circuit: &str) {
    let vk_json: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(circuit, "verification_key.json")).unwrap()).unwrap();
    let verifier = Verifier::new(VerifyingKey::from_json(&vk_json, "vk").unwrap());
    let proof = Proof::from_json(&result["proof"], "proof").unwrap();
    let public = signals_from_json(&result["public"], "public").unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(circuit, "snarkjs_public.json")).unwrap()).unwrap();
    assert_eq!(result["public"], expected, "the public signals are snarkjs's");
    assert!(verifier.verify(&proof, &public).unwrap(), "the daemon's proof verifies");
}

/// Where a section of a snarkjs binary file starts: magic, version, count, then (type u32,
/// size u64, data) for each section.
fn section_start(file: &[u8], wanted: u32) -> usize {
    let u32_at = |at: usize| u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
    let mut at = 12;
    loop {
        let (kind, size) = (u32_at(at), u64::from_le_bytes(file[at + 4..at + 12].try_into().unwrap()) as usize);
        if kind == wanted {
            return at + 12;
        }
        at += 12 + size;
    }
}

async fn wait_done(client: &DaemonClient, id: &str) -> zkaccel::daemon::client::JobInfo {
    client.wait(id, Duration::from_millis(20), Some(Duration::from_secs(60))).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_groth16_job_goes_from_upload_to_a_verified_proof_and_reuses_the_prover() {
    let d = TestDaemon::start(|_| {}).await;
    let client = d.client("alice").await;
    let circuit = client.upload_circuit(&fixture("multiplier", "circuit.zkey"), Some("multiplier")).await.unwrap();
    assert_eq!(circuit.id, zkaccel::daemon::upload::sha256_file(&fixture("multiplier", "circuit.zkey")).unwrap());
    assert_eq!((circuit.name.as_deref(), circuit.n_public), (Some("multiplier"), 1));
    let again = client.upload_circuit(&fixture("multiplier", "circuit.zkey"), None).await.unwrap();
    assert_eq!(again.id, circuit.id, "content-addressed: one circuit");
    assert_eq!(client.circuits().await.unwrap().len(), 1);

    for _ in 0..2 {
        let job = client
            .submit_groth16(&circuit.id, &fixture("multiplier", "witness.wtns"), &SubmitOptions::default())
            .await
            .unwrap();
        assert_eq!(job.state, JobState::Queued);
        let done = wait_done(&client, &job.id).await;
        assert_eq!((done.state, done.attempts), (JobState::Done, 1), "{done:?}");
        assert!(done.timings.total_ms.is_some() && done.finished_at.is_some());
        verify(&client.result(&job.id).await.unwrap(), "multiplier");
    }
    let cache = d.daemon().state().provers().stats();
    assert_eq!((cache.misses, cache.hits, cache.entries), (1, 1, 1), "the second job reused the loaded key");
    let witnesses = d.dir.path().join("artifacts/witnesses");
    assert_eq!(std::fs::read_dir(&witnesses).map(|d| d.count()).unwrap_or(0), 0, "done jobs' witnesses are deleted");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raw_jobs_run_and_an_idempotency_key_returns_the_first_job() {
    let d = TestDaemon::start(|_| {}).await;
    let client = d.client("alice").await;
    let once = SubmitOptions { priority: Some(5), idempotency_key: Some("poseidon-1".into()) };
    let job = client.submit_raw(&json!({"kind": "poseidon", "arity": 2, "inputs": [["1", "2"]]}), &once).await.unwrap();
    let again =
        client.submit_raw(&json!({"kind": "poseidon", "arity": 2, "inputs": [["3", "4"]]}), &once).await.unwrap();
    assert_eq!((again.id.as_str(), again.priority), (job.id.as_str(), 5), "the existing job, not a new one");
    wait_done(&client, &job.id).await;
    assert_eq!(client.result(&job.id).await.unwrap(), json!({"hashes": [POSEIDON_1_2]}));

    let msm = client
        .submit_raw(&json!({"kind": "msm", "random": {"size": 300, "seed": 7}}), &SubmitOptions::default())
        .await
        .unwrap();
    let merkle =
        client.submit_raw(&json!({"kind": "merkle", "leaves": ["1", "2"]}), &SubmitOptions::default()).await.unwrap();
    assert_eq!(wait_done(&client, &msm.id).await.state, JobState::Done);
    assert_eq!(wait_done(&client, &merkle.id).await.state, JobState::Done);
    assert_eq!(client.result(&merkle.id).await.unwrap(), json!({"root": POSEIDON_1_2}));
    assert_eq!(client.result(&msm.id).await.unwrap()["point"].as_array().unwrap().len(), 2);
    assert_eq!(d.job_count().await, 3);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn missing_wrong_and_revoked_tokens_are_401() {
    let d = TestDaemon::start(|_| {}).await;
    let token = d.tenant("alice", TenantLimits::default()).await;
    let jobs = format!("{}/v1/jobs", d.url);
    let raw = br#"{"kind":"poseidon","arity":1,"inputs":[["1"]]}"#.to_vec();
    let bad_tokens =
        [None, Some("not-a-token"), Some("zk_0000000000000000000000000000000000000000000000000000000000000000")];
    for bad in bad_tokens {
        let (status, body) = request(reqwest::Method::POST, &jobs, bad, Some(raw.clone())).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNAUTHORIZED, "unauthorized"), "{bad:?}");
    }
    let (status, _) = request(reqwest::Method::GET, &jobs, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let db = d.daemon().state().db();
    assert_eq!(db.revoke_tokens("alice", "initial").await.unwrap(), 1);
    let (status, _) = request(reqwest::Method::GET, &jobs, Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token stops working at once");
    assert_eq!(d.job_count().await, 0, "no rejected request made a job");
    for open in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let (status, _) = request(reqwest::Method::GET, &format!("{}{open}", d.url), None, None).await;
        assert_eq!(status, StatusCode::OK, "{open} needs no token");
    }
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_tenants_circuits_and_jobs_answer_404() {
    let d = TestDaemon::start(|_| {}).await;
    let alice = d.client("alice").await;
    let bob_token = d.tenant("bob", TenantLimits::default()).await;
    let circuit = alice.upload_circuit(&fixture("multiplier", "circuit.zkey"), None).await.unwrap();
    let job = alice
        .submit_groth16(&circuit.id, &fixture("multiplier", "witness.wtns"), &SubmitOptions::default())
        .await
        .unwrap();
    wait_done(&alice, &job.id).await;
    let base = &d.url;
    let wtns = std::fs::read(fixture("multiplier", "witness.wtns")).unwrap();
    let cases = [
        (reqwest::Method::GET, format!("{base}/v1/circuits/{}", circuit.id), None, "unknown_circuit"),
        (reqwest::Method::DELETE, format!("{base}/v1/circuits/{}", circuit.id), None, "unknown_circuit"),
        (reqwest::Method::POST, format!("{base}/v1/circuits/{}/jobs", circuit.id), Some(wtns), "unknown_circuit"),
        (reqwest::Method::GET, format!("{base}/v1/jobs/{}", job.id), None, "not_found"),
        (reqwest::Method::GET, format!("{base}/v1/jobs/{}/result", job.id), None, "not_found"),
        (reqwest::Method::POST, format!("{base}/v1/jobs/{}/cancel", job.id), None, "not_found"),
    ];
    for (method, url, body, code) in cases {
        let (status, answer) = request(method.clone(), &url, Some(&bob_token), body).await;
        assert_eq!((status, error_code(&answer)), (StatusCode::NOT_FOUND, code), "{method} {url}");
    }
    let bob = DaemonClient::new(&d.url, &bob_token).unwrap();
    assert!(bob.circuits().await.unwrap().is_empty());
    assert!(bob.jobs(None, None).await.unwrap().is_empty());
    assert_eq!(alice.job(&job.id).await.unwrap().state, JobState::Done, "alice's job is untouched");
    assert_eq!(alice.circuits().await.unwrap().len(), 1, "alice's circuit is untouched");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversized_and_malformed_uploads_are_4xx_and_leave_nothing_behind() {
    let d = TestDaemon::start(|_| {}).await;
    let small = d.tenant("small", TenantLimits { max_body_bytes: Some(4096), ..Default::default() }).await;
    let token = d.tenant("alice", TenantLimits::default()).await;
    let circuits = format!("{}/v1/circuits", d.url);
    let zkey = std::fs::read(fixture("poseidon_chain_small", "circuit.zkey")).unwrap();
    assert!(zkey.len() > 4096);
    let before = d.stored_files();

    let (status, body) = request(reqwest::Method::POST, &circuits, Some(&small), Some(zkey.clone())).await;
    assert_eq!((status, error_code(&body)), (StatusCode::PAYLOAD_TOO_LARGE, "too_large"));

    let mut truncated = zkey.clone();
    truncated.truncate(zkey.len() / 2);
    let mut flipped = zkey.clone();
    flipped[section_start(&zkey, 5) + 10] ^= 0x55; // inside the first A-query point: off the curve
    let random: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for (what, bad) in
        [("empty", Vec::new()), ("random bytes", random), ("truncated", truncated), ("corrupted point", flipped)]
    {
        let (status, body) = request(reqwest::Method::POST, &circuits, Some(&token), Some(bad)).await;
        assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "bad_zkey"), "{what}: {body}");
    }
    let (status, list) = request(reqwest::Method::GET, &circuits, Some(&token), None).await;
    assert_eq!((status, list), (StatusCode::OK, json!({"circuits": []})));
    assert_eq!(d.stored_files(), before, "no artifact and no spooled file left behind");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_witnesses_unknown_circuits_and_bad_jobs_are_4xx_without_a_job() {
    let d = TestDaemon::start(|_| {}).await;
    let client = d.client("alice").await;
    let token = d.tenant("bob", TenantLimits::default()).await;
    let bob = DaemonClient::new(&d.url, &token).unwrap();
    let circuit = bob.upload_circuit(&fixture("multiplier", "circuit.zkey"), None).await.unwrap();
    let jobs_of = format!("{}/v1/circuits/{}/jobs", d.url, circuit.id);
    let other_witness = std::fs::read(fixture("many_public", "witness.wtns")).unwrap();
    let (status, body) = request(reqwest::Method::POST, &jobs_of, Some(&token), Some(other_witness)).await;
    assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "witness_mismatch"), "{body}");
    let (status, body) = request(reqwest::Method::POST, &jobs_of, Some(&token), Some(b"not a witness".to_vec())).await;
    assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "bad_witness"));
    let (status, body) = request(reqwest::Method::POST, &jobs_of, Some(&token), Some(Vec::new())).await;
    assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "bad_witness"));

    let unknown = "ab".repeat(32);
    let err = client
        .submit_groth16(&unknown, &fixture("multiplier", "witness.wtns"), &SubmitOptions::default())
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("unknown_circuit")));

    let jobs = format!("{}/v1/jobs", d.url);
    let bad_jobs: [&[u8]; 6] = [
        b"{",
        br#"{"kind":"fft"}"#,
        br#"{"kind":"poseidon","arity":2,"inputs":[["1"]]}"#,
        br#"{"kind":"ntt","values":["1","2","3"]}"#,
        br#"{"kind":"msm","scalars":["21888242871839275222246405745257275088548364400416034343698204186575808495617"],"bases":[["1","2"]]}"#,
        br#"{"kind":"merkle","random":{"size":4294967296,"seed":1}}"#,
    ];
    for bad in bad_jobs {
        let (status, body) = request(reqwest::Method::POST, &jobs, Some(&token), Some(bad.to_vec())).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::BAD_REQUEST, "bad_job"),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let ok = br#"{"kind":"poseidon","arity":1,"inputs":[["1"]]}"#.to_vec();
    for query in ["priority=101", "priority=high", "colour=red"] {
        let (status, body) =
            request(reqwest::Method::POST, &format!("{jobs}?{query}"), Some(&token), Some(ok.clone())).await;
        assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "bad_request"), "{query}");
    }
    let long_key = "k".repeat(201);
    let response = reqwest::Client::new()
        .post(&jobs)
        .bearer_auth(&token)
        .header("Idempotency-Key", long_key)
        .body(ok)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&response.json().await.unwrap()), "bad_idempotency_key");
    for path in ["/v1/jobs/not-a-uuid", "/v1/circuits/XYZ", "/v1/nothing-here"] {
        let (status, body) = request(reqwest::Method::GET, &format!("{}{path}", d.url), Some(&token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        error_code(&body);
    }
    assert_eq!(d.job_count().await, 0, "no rejected submission made a job");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tenant_over_its_rate_is_429_with_retry_after() {
    let d = TestDaemon::start(|_| {}).await;
    let token =
        d.tenant("slow", TenantLimits { requests_per_second: Some(1), burst: Some(3), ..Default::default() }).await;
    let other = d.tenant("other", TenantLimits::default()).await;
    let jobs = format!("{}/v1/jobs", d.url);
    for _ in 0..3 {
        assert_eq!(request(reqwest::Method::GET, &jobs, Some(&token), None).await.0, StatusCode::OK);
    }
    let response = reqwest::Client::new().get(&jobs).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().get("retry-after").is_some());
    assert_eq!(error_code(&response.json().await.unwrap()), "rate_limited");
    assert_eq!(request(reqwest::Method::GET, &jobs, Some(&other), None).await.0, StatusCode::OK, "per tenant");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn results_wait_for_done_cancelling_and_deleting_circuits() {
    // One worker that holds each result for a while: the first job stays running, the next queued.
    let d = TestDaemon::start(|c| {
        c.workers = 1;
        c.testing.hold_before_commit_ms = 1500;
    })
    .await;
    let client = d.client("alice").await;
    let circuit = client.upload_circuit(&fixture("multiplier", "circuit.zkey"), None).await.unwrap();
    let opts = SubmitOptions::default();
    let running = client.submit_groth16(&circuit.id, &fixture("multiplier", "witness.wtns"), &opts).await.unwrap();
    let queued = client.submit_groth16(&circuit.id, &fixture("multiplier", "witness.wtns"), &opts).await.unwrap();
    let err = client.result(&running.id).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("not_done")));
    let err = client.delete_circuit(&circuit.id).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("circuit_in_use")));

    let witnesses = d.dir.path().join("artifacts/witnesses");
    assert_eq!(std::fs::read_dir(&witnesses).unwrap().count(), 2, "each job has its own witness");
    let cancelled = client.cancel(&queued.id).await.unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert_eq!(std::fs::read_dir(&witnesses).unwrap().count(), 1, "a cancelled job's witness is deleted");
    let done = wait_done(&client, &running.id).await;
    assert_eq!(done.state, JobState::Done);
    verify(&client.result(&running.id).await.unwrap(), "multiplier");
    assert_eq!(client.job(&queued.id).await.unwrap().state, JobState::Cancelled, "never run");
    let err = client.cancel(&running.id).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("not_cancellable")));
    let err = client.result(&queued.id).await.unwrap_err();
    assert_eq!(err.code(), Some("not_done"));

    client.delete_circuit(&circuit.id).await.unwrap();
    assert!(client.circuit(&circuit.id).await.unwrap().is_none());
    assert!(!d.dir.path().join("artifacts/zkeys").join(&circuit.id).exists(), "the last reference removes the zkey");
    let err = client.delete_circuit(&circuit.id).await.unwrap_err();
    assert_eq!(err.code(), Some("unknown_circuit"));
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_witness_that_does_not_satisfy_the_circuit_fails_once_without_retries() {
    let d = TestDaemon::start(|_| {}).await;
    let client = d.client("alice").await;
    let circuit = client.upload_circuit(&fixture("multiplier", "circuit.zkey"), None).await.unwrap();
    let path = unsatisfying_witness(d.dir.path());
    let job = client.submit_groth16(&circuit.id, &path, &SubmitOptions::default()).await.unwrap();
    let failed = wait_done(&client, &job.id).await;
    assert_eq!((failed.state, failed.attempts), (JobState::Failed, 1), "{failed:?}");
    let witnesses = d.dir.path().join("artifacts/witnesses");
    assert_eq!(std::fs::read_dir(&witnesses).unwrap().count(), 1, "a failed job keeps its witness for a retry");
    assert!(failed.last_error.as_deref().unwrap().contains("does not satisfy"), "{failed:?}");
    let dead = d.daemon().state().db().dead_letters(10).await.unwrap();
    assert_eq!(dead[0].error_code.as_deref(), Some("witness_unsatisfied"));
    let metrics = reqwest::get(format!("{}/metrics", d.url)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("reason=\"witness_unsatisfied\""), "failures are counted by reason");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_jobs_witness_is_deleted_after_the_retention_and_the_job_cannot_be_retried() {
    // The reaper runs every second and keeps failed jobs' witnesses for one second.
    let d = TestDaemon::start(|c| {
        c.queue.reaper_interval_seconds = 1;
        c.queue.failed_witness_retention_seconds = 1;
    })
    .await;
    let client = d.client("alice").await;
    let circuit = client.upload_circuit(&fixture("multiplier", "circuit.zkey"), None).await.unwrap();
    let path = unsatisfying_witness(d.dir.path());
    let job = client.submit_groth16(&circuit.id, &path, &SubmitOptions::default()).await.unwrap();
    assert_eq!(wait_done(&client, &job.id).await.state, JobState::Failed);

    let witnesses = d.dir.path().join("artifacts/witnesses");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_dir(&witnesses).unwrap().count() > 0 {
        assert!(std::time::Instant::now() < deadline, "the reaper never deleted the expired witness");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let db = d.daemon().state().db();
    let row = db.job_any_tenant(&job.id).await.unwrap().unwrap();
    let spec: zkaccel::daemon::jobs::Groth16Spec = serde_json::from_str(&row.spec).unwrap();
    assert!(spec.witness_discarded_us.is_some(), "the job is marked: {}", row.spec);
    assert_eq!(row.state, JobState::Failed, "the job itself stays in the dead-letter list");
    assert!(!db.retry_failed_job(&job.id).await.unwrap(), "a job without its witness cannot be retried");
    assert_eq!(db.job_any_tenant(&job.id).await.unwrap().unwrap().state, JobState::Failed);
    // Nothing to do on the next sweep.
    let state = d.daemon().state();
    assert_eq!(zkaccel::daemon::housekeeping::discard_expired_witnesses(state, i64::MAX / 2).await.unwrap(), 0);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failed_witnesses_are_kept_within_the_retention_and_retries_still_work() {
    let d = TestDaemon::start(|_| {}).await; // the default: a week
    let client = d.client("alice").await;
    let circuit = client.upload_circuit(&fixture("multiplier", "circuit.zkey"), None).await.unwrap();
    let path = unsatisfying_witness(d.dir.path());
    let job = client.submit_groth16(&circuit.id, &path, &SubmitOptions::default()).await.unwrap();
    assert_eq!(wait_done(&client, &job.id).await.state, JobState::Failed);
    let state = d.daemon().state();
    let now = zkaccel::daemon::db::now_us();
    assert_eq!(zkaccel::daemon::housekeeping::discard_expired_witnesses(state, now).await.unwrap(), 0);
    assert_eq!(std::fs::read_dir(d.dir.path().join("artifacts/witnesses")).unwrap().count(), 1);
    // Within the retention the dead-letter retry runs the job again (and it fails again).
    assert!(state.db().retry_failed_job(&job.id).await.unwrap());
    state.notify_work();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let info = client.job(&job.id).await.unwrap();
        if info.state == JobState::Failed && info.attempts == 1 && info.finished_at.is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the retried job never failed again: {info:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Eight days on, the sweep deletes it.
    let later = now + 8 * 24 * 3600 * 1_000_000;
    assert_eq!(zkaccel::daemon::housekeeping::discard_expired_witnesses(state, later).await.unwrap(), 1);
    assert_eq!(std::fs::read_dir(d.dir.path().join("artifacts/witnesses")).unwrap().count(), 0);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_rigs_copies_of_unregistered_zkeys_are_removed() {
    let d = TestDaemon::start(|_| {}).await;
    let client = d.client("alice").await;
    let circuit = client.upload_circuit(&fixture("multiplier", "circuit.zkey"), None).await.unwrap();
    // As if this rig had fetched both from a remote store; one circuit has since been deleted.
    let cache = d.daemon().state().zkey_cache_dir();
    std::fs::create_dir_all(&cache).unwrap();
    let gone = "ab".repeat(32);
    for name in [circuit.id.as_str(), gone.as_str(), ".tmp-being-fetched"] {
        std::fs::write(cache.join(name), b"zkey").unwrap();
    }
    let evicted = zkaccel::daemon::housekeeping::evict_unregistered_zkeys(d.daemon().state()).await.unwrap();
    assert_eq!(evicted, 1);
    assert!(cache.join(&circuit.id).exists(), "a registered circuit's zkey stays");
    assert!(!cache.join(&gone).exists(), "an unregistered circuit's zkey goes");
    assert!(cache.join(".tmp-being-fetched").exists(), "a fetch in progress is left alone");
    d.stop().await;
}
