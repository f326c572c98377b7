//! An async HTTP client for the daemon's API (docs/DAEMON.md), and the JSON shapes the API
//! speaks — [`CircuitInfo`], [`JobInfo`], [`ErrorBody`] — which the server serialises too.
//!
//! Uploads (zkeys, witnesses) are streamed from disk, never read whole into memory.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use reqwest::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio_util::io::ReaderStream;

/// The header that makes a submission idempotent.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// A circuit: an uploaded `.zkey`, named by the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitInfo {
    /// The SHA-256 of the `.zkey`, 64 lower-case hex digits.
    pub id: String,
    /// The name given at upload (`?name=`), if any.
    pub name: Option<String>,
    /// The `.zkey`'s size in bytes.
    pub size_bytes: u64,
    /// Witness length (signals, the constant 1 included).
    pub n_vars: u64,
    /// Public signals (outputs and public inputs).
    pub n_public: u64,
    /// The evaluation domain's size (a power of two).
    pub domain_size: u64,
    /// When it was uploaded (RFC 3339, UTC).
    pub created_at: String,
}

/// What a job computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// A Groth16 proof of a circuit's witness.
    Groth16,
    /// A raw G1 multi-scalar multiplication.
    Msm,
    /// A raw number-theoretic transform.
    Ntt,
    /// Raw Poseidon hashes.
    Poseidon,
    /// A raw Poseidon Merkle root.
    Merkle,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Taken by a worker.
    Running,
    /// Finished with a result.
    Done,
    /// Finished without one (see `last_error`).
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

/// Every job kind, in the API's order.
pub const JOB_KINDS: [JobKind; 5] = [JobKind::Groth16, JobKind::Msm, JobKind::Ntt, JobKind::Poseidon, JobKind::Merkle];
/// Every job state, in the API's order.
pub const JOB_STATES: [JobState; 5] =
    [JobState::Queued, JobState::Running, JobState::Done, JobState::Failed, JobState::Cancelled];

impl JobKind {
    /// The API's name ("groth16", "msm", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Groth16 => "groth16",
            JobKind::Msm => "msm",
            JobKind::Ntt => "ntt",
            JobKind::Poseidon => "poseidon",
            JobKind::Merkle => "merkle",
        }
    }
}

impl JobState {
    /// The API's name ("queued", "running", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Whether the job has finished (done, failed or cancelled): its state never changes again.
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed | JobState::Cancelled)
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        JOB_KINDS.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown job kind {s:?}"))
    }
}

impl std::str::FromStr for JobState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        JOB_STATES.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown job state {s:?}"))
    }
}

/// A job's durations in milliseconds; `None` until the phase is reached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobTimings {
    /// From submission until a worker took it (or until now while queued).
    pub queued_ms: Option<f64>,
    /// From the start of its last attempt until it finished (or until now while running).
    pub running_ms: Option<f64>,
    /// From submission until it finished.
    pub total_ms: Option<f64>,
}

/// A job, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobInfo {
    /// Its id (a UUID).
    pub id: String,
    /// What it computes.
    pub kind: JobKind,
    /// The circuit it proves (Groth16 jobs); `None` for raw jobs.
    pub circuit_id: Option<String>,
    /// Where it is in its life.
    pub state: JobState,
    /// -100 to 100; higher runs first.
    pub priority: i32,
    /// Attempts started so far.
    pub attempts: u32,
    /// Attempts allowed before it fails.
    pub max_attempts: u32,
    /// The `Idempotency-Key` it was submitted with, if any.
    pub idempotency_key: Option<String>,
    /// The last attempt's error, if one failed.
    pub last_error: Option<String>,
    /// When it was submitted (RFC 3339, UTC).
    pub created_at: String,
    /// When its last attempt started.
    pub started_at: Option<String>,
    /// When it finished.
    pub finished_at: Option<String>,
    /// Its durations.
    pub timings: JobTimings,
}

/// `GET /v1/circuits`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitList {
    /// The tenant's circuits.
    pub circuits: Vec<CircuitInfo>,
}

/// `GET /v1/jobs`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobList {
    /// The tenant's jobs, newest first.
    pub jobs: Vec<JobInfo>,
}

/// The API's error body: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable code to match on (`unknown_circuit`, `not_done`, ...).
    pub code: String,
    /// A message for people.
    pub message: String,
}

impl ErrorBody {
    /// An error body with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody { error: ErrorDetail { code: code.into(), message: message.into() } }
    }
}

/// What can go wrong talking to the daemon.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The daemon answered with an error status.
    #[error("{code} ({status}): {message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The error's stable code (`http_<status>` when the body was not the API's error shape).
        code: String,
        /// Its message.
        message: String,
    },
    /// The request could not be sent or its answer read.
    #[error("request to the daemon failed")]
    Http(#[from] reqwest::Error),
    /// A local file could not be read (the message names the file).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The job did not finish in time.
    #[error("timed out waiting for the job to finish")]
    Timeout,
    /// The daemon answered something that is not the API.
    #[error("unexpected answer from the daemon: {0}")]
    Unexpected(String),
}

impl ClientError {
    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The stable code of an API error.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Options of a job submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmitOptions {
    /// -100 to 100 (the daemon's default is 0).
    pub priority: Option<i32>,
    /// Makes the submission idempotent: the same key returns the tenant's existing job.
    pub idempotency_key: Option<String>,
}

/// A client of one daemon, with one tenant's token.
#[derive(Debug, Clone)]
pub struct DaemonClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// Called with the bytes sent so far during an upload.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// At most this much of a non-API error body goes into an error message.
const MAX_BODY_IN_ERROR: usize = 300;

impl DaemonClient {
    /// A client of the daemon at `base_url` (`http://host:port`, optionally with a path prefix)
    /// that authenticates with `token`.
    pub fn new(base_url: &str, token: &str) -> anyhow::Result<Self> {
        let url = Url::parse(base_url).map_err(|e| anyhow::anyhow!("invalid daemon URL {base_url:?}: {e}"))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https") && url.has_host(),
            "invalid daemon URL {base_url:?}: expected http://HOST[:PORT]"
        );
        anyhow::ensure!(!token.is_empty(), "the API token is empty");
        anyhow::ensure!(
            HeaderValue::from_str(&format!("Bearer {token}")).is_ok(),
            "the API token has characters an HTTP header cannot carry"
        );
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("zkaccel/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(DaemonClient { base: base_url.trim_end_matches('/').to_string(), token: token.to_string(), http })
    }

    /// The daemon's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Uploads a `.zkey` (streamed from disk) as a circuit, named `name`.
    pub async fn upload_circuit(&self, zkey: &Path, name: Option<&str>) -> Result<CircuitInfo, ClientError> {
        self.upload_circuit_with_progress(zkey, name, None).await
    }

    /// [`Self::upload_circuit`], calling `progress` with the bytes sent so far.
    pub async fn upload_circuit_with_progress(
        &self,
        zkey: &Path,
        name: Option<&str>,
        progress: Option<Progress>,
    ) -> Result<CircuitInfo, ClientError> {
        let mut request = self.request(Method::POST, &["v1", "circuits"])?;
        if let Some(name) = name {
            request = request.query(&[("name", name)]);
        }
        let request = self.with_file_body(request, zkey, progress).await?;
        self.json(request).await
    }

    /// The circuit `id`, or `None` when this tenant has none with that id.
    pub async fn circuit(&self, id: &str) -> Result<Option<CircuitInfo>, ClientError> {
        match self.json(self.request(Method::GET, &["v1", "circuits", id])?).await {
            Ok(circuit) => Ok(Some(circuit)),
            Err(ClientError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// This tenant's circuits.
    pub async fn circuits(&self) -> Result<Vec<CircuitInfo>, ClientError> {
        let list: CircuitList = self.json(self.request(Method::GET, &["v1", "circuits"])?).await?;
        Ok(list.circuits)
    }

    /// Deletes the circuit `id` (`circuit_in_use` while a job of it is queued or running).
    pub async fn delete_circuit(&self, id: &str) -> Result<(), ClientError> {
        self.send(self.request(Method::DELETE, &["v1", "circuits", id])?).await.map(|_| ())
    }

    /// Submits a Groth16 job: the witness `wtns` (streamed from disk) for the circuit `circuit_id`.
    pub async fn submit_groth16(
        &self,
        circuit_id: &str,
        wtns: &Path,
        opts: &SubmitOptions,
    ) -> Result<JobInfo, ClientError> {
        let request = self.request(Method::POST, &["v1", "circuits", circuit_id, "jobs"])?;
        let request = self.with_file_body(Self::with_options(request, opts), wtns, None).await?;
        self.json(request).await
    }

    /// Submits a raw job (`{"kind": "msm", ...}`, docs/DAEMON.md).
    pub async fn submit_raw(&self, job: &serde_json::Value, opts: &SubmitOptions) -> Result<JobInfo, ClientError> {
        let request = self.request(Method::POST, &["v1", "jobs"])?;
        self.json(Self::with_options(request, opts).json(job)).await
    }

    /// This tenant's jobs, newest first, optionally only those in `state`, at most `limit`.
    pub async fn jobs(&self, state: Option<JobState>, limit: Option<u32>) -> Result<Vec<JobInfo>, ClientError> {
        let mut request = self.request(Method::GET, &["v1", "jobs"])?;
        if let Some(state) = state {
            request = request.query(&[("state", state.as_str())]);
        }
        if let Some(limit) = limit {
            request = request.query(&[("limit", limit)]);
        }
        let list: JobList = self.json(request).await?;
        Ok(list.jobs)
    }

    /// The job `id`.
    pub async fn job(&self, id: &str) -> Result<JobInfo, ClientError> {
        self.json(self.request(Method::GET, &["v1", "jobs", id])?).await
    }

    /// The job's result (`not_done` (409) while it is not done).
    pub async fn result(&self, id: &str) -> Result<serde_json::Value, ClientError> {
        self.json(self.request(Method::GET, &["v1", "jobs", id, "result"])?).await
    }

    /// Cancels the job (`not_cancellable` (409) once it has finished).
    pub async fn cancel(&self, id: &str) -> Result<JobInfo, ClientError> {
        self.json(self.request(Method::POST, &["v1", "jobs", id, "cancel"])?).await
    }

    /// Polls the job every `poll` until it is done, failed or cancelled, and returns it then;
    /// [`ClientError::Timeout`] after `timeout`. A `rate_limited` (429) or 503 answer waits
    /// (`Retry-After`, at least `poll`) and polls again.
    pub async fn wait(&self, id: &str, poll: Duration, timeout: Option<Duration>) -> Result<JobInfo, ClientError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let pause = match self.get_job_for_wait(id).await {
                Ok(job) if job.state.is_finished() => return Ok(job),
                Ok(_) => poll,
                Err(WaitError::Busy(retry_after)) => retry_after.unwrap_or(poll).max(poll),
                Err(WaitError::Fatal(e)) => return Err(e),
            };
            let pause = match deadline {
                None => pause,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(ClientError::Timeout);
                    }
                    pause.min(left)
                }
            };
            tokio::time::sleep(pause).await;
        }
    }

    async fn get_job_for_wait(&self, id: &str) -> Result<JobInfo, WaitError> {
        let request = self.request(Method::GET, &["v1", "jobs", id]).map_err(WaitError::Fatal)?;
        let response = request.send().await.map_err(|e| WaitError::Fatal(e.into()))?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            return Err(WaitError::Busy(retry_after(response.headers())));
        }
        let bytes = Self::check(response).await.map_err(WaitError::Fatal)?;
        decode(&bytes).map_err(WaitError::Fatal)
    }

    /// A request to `base/segments...` (each segment percent-encoded) with the bearer token.
    fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder, ClientError> {
        let mut url = Url::parse(&self.base).map_err(|e| ClientError::Unexpected(format!("base URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| ClientError::Unexpected(format!("{} cannot be a base URL", self.base)))?
            .pop_if_empty()
            .extend(segments);
        Ok(self.http.request(method, url).bearer_auth(&self.token))
    }

    fn with_options(mut request: RequestBuilder, opts: &SubmitOptions) -> RequestBuilder {
        if let Some(priority) = opts.priority {
            request = request.query(&[("priority", priority)]);
        }
        if let Some(key) = &opts.idempotency_key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        request
    }

    /// Gives `request` the file at `path` as its body, streamed, with its length.
    async fn with_file_body(
        &self,
        request: RequestBuilder,
        path: &Path,
        progress: Option<Progress>,
    ) -> Result<RequestBuilder, ClientError> {
        let with_path = |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        let file = tokio::fs::File::open(path).await.map_err(with_path)?;
        let len = file.metadata().await.map_err(with_path)?.len();
        let mut sent = 0u64;
        let stream = ReaderStream::with_capacity(file, 1 << 16).inspect_ok(move |chunk| {
            sent += chunk.len() as u64;
            if let Some(progress) = &progress {
                progress(sent);
            }
        });
        Ok(request
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, len)
            .body(reqwest::Body::wrap_stream(stream)))
    }

    /// Sends the request; the body of a success, the API error of a failure.
    async fn send(&self, request: RequestBuilder) -> Result<bytes::Bytes, ClientError> {
        Self::check(request.send().await?).await
    }

    async fn check(response: reqwest::Response) -> Result<bytes::Bytes, ClientError> {
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            return Ok(bytes);
        }
        Err(api_error(status, &bytes))
    }

    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ClientError> {
        decode(&self.send(request).await?)
    }
}

/// Why one poll of [`DaemonClient::wait`] did not return a job.
enum WaitError {
    /// The daemon is busy (429 or 503); poll again after this long, if it said.
    Busy(Option<Duration>),
    /// Anything else ends the wait.
    Fatal(ClientError),
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds.min(300)))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| ClientError::Unexpected(format!("{e} in {}", excerpt(bytes))))
}

/// The API error in an error answer; a body that is not the API's shape becomes `http_<status>`.
fn api_error(status: StatusCode, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => {
            ClientError::Api { status: status.as_u16(), code: error.code, message: error.message }
        }
        Err(_) => ClientError::Api {
            status: status.as_u16(),
            code: format!("http_{}", status.as_u16()),
            message: if body.is_empty() {
                status.canonical_reason().unwrap_or("no message").to_string()
            } else {
                excerpt(body)
            },
        },
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(MAX_BODY_IN_ERROR) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;

    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    /// One request as the canned server saw it.
    #[derive(Debug, Clone)]
    struct Seen {
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
        }
    }

    /// A tiny HTTP/1.1 server that answers the n-th request with `answers[n]` (the last one
    /// repeats) — (status, extra headers, body) — and records every request it saw.
    /// A canned answer: status, extra headers, body.
    type Answer = (u16, Vec<(&'static str, String)>, String);

    async fn canned(answers: Vec<Answer>) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            let mut n = 0;
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let mut reader = BufReader::new(stream);
                // Keep-alive: serve requests on this connection until the client closes it.
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        break;
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or_default().to_string();
                    let target = parts.next().unwrap_or_default().to_string();
                    let mut headers = Vec::new();
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).await.unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap();
                        headers.push((k.trim().to_string(), v.trim().to_string()));
                    }
                    let header =
                        |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
                    let mut body = Vec::new();
                    if let Some(len) = header("content-length") {
                        body.resize(len.parse().unwrap(), 0);
                        reader.read_exact(&mut body).await.unwrap();
                    } else if header("transfer-encoding").is_some() {
                        loop {
                            let mut size = String::new();
                            reader.read_line(&mut size).await.unwrap();
                            let size = usize::from_str_radix(size.trim(), 16).unwrap();
                            let mut chunk = vec![0; size + 2];
                            reader.read_exact(&mut chunk).await.unwrap();
                            if size == 0 {
                                break;
                            }
                            body.extend_from_slice(&chunk[..size]);
                        }
                    }
                    log.lock().unwrap().push(Seen { method, target, headers, body });
                    let (status, extra, text) = answers[n.min(answers.len() - 1)].clone();
                    n += 1;
                    let mut out = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                        text.len()
                    );
                    for (k, v) in extra {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    out.push_str(&text);
                    if reader.get_mut().write_all(out.as_bytes()).await.is_err() {
                        break;
                    }
                }
            }
        });
        (base, seen)
    }

    fn job_json(state: &str) -> serde_json::Value {
        serde_json::json!({
            "id": "6f1c2b7e-8a4d-4c1e-9b0a-3d5e7f9a1b2c", "kind": "groth16",
            "circuit_id": "ab".repeat(32), "state": state, "priority": 5, "attempts": 1, "max_attempts": 3,
            "idempotency_key": null, "last_error": null, "created_at": "2025-01-02T03:04:05Z",
            "started_at": null, "finished_at": null,
            "timings": {"queued_ms": 1.5, "running_ms": null, "total_ms": null}
        })
    }

    fn circuit_json() -> serde_json::Value {
        serde_json::json!({
            "id": "ab".repeat(32), "name": "poseidon", "size_bytes": 1000, "n_vars": 10, "n_public": 2,
            "domain_size": 16, "created_at": "2025-01-02T03:04:05Z"
        })
    }

    #[test]
    fn shapes_round_trip_with_the_documented_field_names() {
        let job: JobInfo = serde_json::from_value(job_json("running")).unwrap();
        assert_eq!((job.kind, job.state, job.priority), (JobKind::Groth16, JobState::Running, 5));
        assert_eq!(job.timings.queued_ms, Some(1.5));
        assert_eq!(serde_json::to_value(&job).unwrap(), job_json("running"), "nulls are written, not skipped");
        let circuit: CircuitInfo = serde_json::from_value(circuit_json()).unwrap();
        assert_eq!(serde_json::to_value(&circuit).unwrap(), circuit_json());
        let error = serde_json::to_value(ErrorBody::new("not_done", "job x is running")).unwrap();
        assert_eq!(error, serde_json::json!({"error": {"code": "not_done", "message": "job x is running"}}));
        assert!(serde_json::from_value::<JobInfo>(job_json("paused")).is_err());
        assert_eq!("cancelled".parse::<JobState>().unwrap(), JobState::Cancelled);
        assert_eq!("merkle".parse::<JobKind>().unwrap().to_string(), "merkle");
        assert!("fft".parse::<JobKind>().is_err());
        assert!(JOB_STATES.iter().filter(|s| s.is_finished()).count() == 3);
    }

    #[test]
    fn new_validates_url_and_token() {
        assert!(DaemonClient::new("http://127.0.0.1:8080/", "t").is_ok());
        assert_eq!(DaemonClient::new("http://h:1/prefix/", "t").unwrap().base_url(), "http://h:1/prefix");
        assert!(DaemonClient::new("127.0.0.1:8080", "t").is_err());
        assert!(DaemonClient::new("ftp://host", "t").is_err());
        assert!(DaemonClient::new("http://host", "").is_err());
        assert!(DaemonClient::new("http://host", "bad\ntoken").is_err());
    }

    #[tokio::test]
    async fn maps_api_errors_and_404_to_none() {
        let body = ErrorBody::new("unknown_circuit", "no circuit 3f2a for this tenant");
        let (base, seen) = canned(vec![(404, vec![], serde_json::to_string(&body).unwrap())]).await;
        let client = DaemonClient::new(&base, "secret").unwrap();
        assert_eq!(client.circuit("3f2a").await.unwrap(), None);
        let err = client.job("nope").await.unwrap_err();
        assert_eq!(err.to_string(), "unknown_circuit (404): no circuit 3f2a for this tenant");
        assert_eq!((err.status(), err.code()), (Some(404), Some("unknown_circuit")));
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].target, "/v1/circuits/3f2a");
        assert_eq!(seen[0].header("authorization"), Some("Bearer secret"));
        assert_eq!(seen[1].target, "/v1/jobs/nope");
    }

    #[tokio::test]
    async fn a_body_that_is_not_the_api_shape_keeps_its_status() {
        let (base, _) = canned(vec![(502, vec![], "<html>bad gateway</html>".into()), (200, vec![], "{".into())]).await;
        let client = DaemonClient::new(&base, "t").unwrap();
        let err = client.result("j").await.unwrap_err();
        assert!(
            matches!(&err, ClientError::Api { status: 502, code, message } if code == "http_502" && message.contains("bad gateway")),
            "{err}"
        );
        let err = client.result("j").await.unwrap_err();
        assert!(matches!(err, ClientError::Unexpected(_)), "{err}");
    }

    #[tokio::test]
    async fn connection_refused_is_an_http_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = DaemonClient::new(&base, "t").unwrap().job("x").await.unwrap_err();
        assert!(matches!(err, ClientError::Http(_)), "{err}");
    }

    #[tokio::test]
    async fn uploads_stream_the_file_with_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("circuit.zkey");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let (base, seen) = canned(vec![(201, vec![], circuit_json().to_string())]).await;
        let client = DaemonClient::new(&base, "t").unwrap();
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let progress: Progress = Arc::new(move |n| counter.store(n, Ordering::SeqCst));
        let circuit = client.upload_circuit_with_progress(&path, Some("my circuit"), Some(progress)).await.unwrap();
        assert_eq!(circuit.name.as_deref(), Some("poseidon"));
        assert_eq!(sent.load(Ordering::SeqCst), data.len() as u64);
        {
            let seen = seen.lock().unwrap();
            assert_eq!((seen[0].method.as_str(), seen[0].target.as_str()), ("POST", "/v1/circuits?name=my+circuit"));
            assert_eq!(seen[0].header("content-length"), Some("300000"));
            assert_eq!(seen[0].header("content-type"), Some("application/octet-stream"));
            assert!(seen[0].body == data, "the body arrives whole");
        }
        let err = client.upload_circuit(&dir.path().join("missing.zkey"), None).await.unwrap_err();
        assert!(matches!(&err, ClientError::Io(_)) && err.to_string().contains("missing.zkey"), "{err}");
    }

    #[tokio::test]
    async fn submissions_carry_priority_and_idempotency_key() {
        let dir = tempfile::tempdir().unwrap();
        let wtns = dir.path().join("witness.wtns");
        std::fs::write(&wtns, b"wtns-bytes").unwrap();
        let (base, seen) = canned(vec![(201, vec![], job_json("queued").to_string())]).await;
        let client = DaemonClient::new(&base, "t").unwrap();
        let opts = SubmitOptions { priority: Some(-7), idempotency_key: Some("key-1".into()) };
        let job = client.submit_groth16(&"ab".repeat(32), &wtns, &opts).await.unwrap();
        assert_eq!(job.state, JobState::Queued);
        let raw = serde_json::json!({"kind": "merkle", "leaves": ["1", "2"]});
        client.submit_raw(&raw, &SubmitOptions::default()).await.unwrap();
        client.jobs(Some(JobState::Done), Some(10)).await.unwrap_err(); // the canned job is not a list
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].target, format!("/v1/circuits/{}/jobs?priority=-7", "ab".repeat(32)));
        assert_eq!(seen[0].header("idempotency-key"), Some("key-1"));
        assert_eq!(seen[0].body, b"wtns-bytes");
        assert_eq!((seen[1].method.as_str(), seen[1].target.as_str()), ("POST", "/v1/jobs"));
        assert_eq!(seen[1].header("idempotency-key"), None);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&seen[1].body).unwrap(), raw);
        assert_eq!(seen[2].target, "/v1/jobs?state=done&limit=10");
    }

    #[tokio::test]
    async fn ids_are_percent_encoded_into_one_segment() {
        let (base, seen) = canned(vec![(200, vec![], job_json("done").to_string())]).await;
        let client = DaemonClient::new(&format!("{base}/prefix/"), "t").unwrap();
        client.cancel("a/../b?c").await.unwrap();
        assert_eq!(seen.lock().unwrap()[0].target, "/prefix/v1/jobs/a%2F..%2Fb%3Fc/cancel");
    }

    #[tokio::test]
    async fn wait_polls_until_finished_through_rate_limits() {
        let (base, seen) = canned(vec![
            (200, vec![], job_json("queued").to_string()),
            (429, vec![("retry-after", "0".into())], ErrorBody::new("rate_limited", "slow down").to_json()),
            (200, vec![], job_json("running").to_string()),
            (200, vec![], job_json("failed").to_string()),
        ])
        .await;
        let client = DaemonClient::new(&base, "t").unwrap();
        let job = client.wait("j", Duration::from_millis(5), Some(Duration::from_secs(20))).await.unwrap();
        assert_eq!(job.state, JobState::Failed);
        assert_eq!(seen.lock().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn wait_times_out_and_stops_on_errors() {
        let (base, _) = canned(vec![(200, vec![], job_json("running").to_string())]).await;
        let client = DaemonClient::new(&base, "t").unwrap();
        let started = Instant::now();
        let err = client.wait("j", Duration::from_millis(20), Some(Duration::from_millis(100))).await.unwrap_err();
        assert!(matches!(err, ClientError::Timeout), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let (base, _) = canned(vec![(401, vec![], ErrorBody::new("unauthorized", "unknown token").to_json())]).await;
        let client = DaemonClient::new(&base, "t").unwrap();
        let err = client.wait("j", Duration::from_millis(5), None).await.unwrap_err();
        assert_eq!(err.to_string(), "unauthorized (401): unknown token");
    }

    impl ErrorBody {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}
