//! The daemon's client subcommands: `zkaccel submit`, `status`, `result` and `cancel`
//! (docs/DAEMON.md). Each builds its own tokio runtime and talks to the daemon over HTTP.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{ArgGroup, Args};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zkaccel::daemon::client::{DaemonClient, JobInfo, JobState, Progress, SubmitOptions};
use zkaccel::groth16::proof::to_snarkjs_string;

use super::prove::write_atomically;

/// How often `submit --wait` asks for the job's state.
const POLL: Duration = Duration::from_millis(500);

/// Where the daemon is and who is asking.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// The daemon's URL.
    #[arg(long, env = "ZKACCEL_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The tenant's API token.
    #[arg(long, env = "ZKACCEL_TOKEN", hide_env_values = true)]
    pub token: String,
}

impl Connection {
    fn client(&self) -> anyhow::Result<DaemonClient> {
        DaemonClient::new(&self.url, &self.token)
    }
}

/// Arguments of `zkaccel submit`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["zkey", "circuit", "raw"])))]
pub struct SubmitArgs {
    /// The daemon.
    #[command(flatten)]
    pub connection: Connection,
    /// Prove with this proving key: uploaded first unless the daemon already has it (its id is the
    /// file's SHA-256).
    #[arg(long, value_name = "CIRCUIT.zkey")]
    pub zkey: Option<PathBuf>,
    /// With --zkey: the circuit's name on the daemon, if it is uploaded now.
    #[arg(long, conflicts_with_all = ["circuit", "raw"])]
    pub name: Option<String>,
    /// Prove with a circuit the daemon already has (its id, 64 hex digits).
    #[arg(long, value_name = "ID")]
    pub circuit: Option<String>,
    /// Submit a raw MSM, NTT, Poseidon or Merkle job instead (JSON, see docs/DAEMON.md).
    #[arg(long, value_name = "JOB.json")]
    pub raw: Option<PathBuf>,
    /// The witness of a Groth16 job (from circom's witness calculator or snarkjs).
    #[arg(value_name = "WITNESS.wtns", required_unless_present = "raw", conflicts_with = "raw")]
    pub witness: Option<PathBuf>,
    /// -100 to 100; higher runs first (the daemon's default is 0).
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(-100..=100))]
    pub priority: Option<i32>,
    /// Submitting again with the same key returns the first job instead of making another.
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
    /// Wait until the job finishes and print its final state (exit code 1 when it failed or was cancelled).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds.
    #[arg(long, requires = "wait", value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Print the job as JSON instead of its id.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `zkaccel status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The daemon.
    #[command(flatten)]
    pub connection: Connection,
    /// The job's id.
    pub job_id: String,
    /// Print the job as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `zkaccel result`.
#[derive(Debug, Args)]
pub struct ResultArgs {
    /// The daemon.
    #[command(flatten)]
    pub connection: Connection,
    /// The job's id.
    pub job_id: String,
    /// Write a Groth16 job's proof here (snarkjs's proof.json) instead of printing the result.
    #[arg(long, value_name = "PROOF.json", requires = "public")]
    pub proof: Option<PathBuf>,
    /// Write a Groth16 job's public signals here (snarkjs's public.json).
    #[arg(long, value_name = "PUBLIC.json", requires = "proof")]
    pub public: Option<PathBuf>,
}

/// Arguments of `zkaccel cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The daemon.
    #[command(flatten)]
    pub connection: Connection,
    /// The job's id.
    pub job_id: String,
    /// Print the job as JSON.
    #[arg(long)]
    pub json: bool,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the tokio runtime")
}

/// Runs `zkaccel submit`: exit code 1 when `--wait` saw the job fail or be cancelled.
pub fn run_submit(args: &SubmitArgs) -> anyhow::Result<ExitCode> {
    let client = args.connection.client()?;
    let opts = SubmitOptions { priority: args.priority, idempotency_key: args.idempotency_key.clone() };
    // Read and hash local files before talking to the daemon: a typo fails fast.
    let raw = match &args.raw {
        Some(path) => Some(read_json(path)?),
        None => None,
    };
    let zkey_id = match &args.zkey {
        Some(zkey) => {
            Some(zkaccel::daemon::upload::sha256_file(zkey).with_context(|| format!("reading {}", zkey.display()))?)
        }
        None => None,
    };
    runtime()?.block_on(async {
        let job = match (raw, &args.witness) {
            (Some(raw), _) => client.submit_raw(&raw, &opts).await?,
            (None, Some(witness)) => {
                let circuit_id = match (&args.zkey, zkey_id) {
                    (Some(zkey), Some(id)) => ensure_uploaded(&client, zkey, &id, args.name.as_deref()).await?,
                    _ => args.circuit.clone().context("--zkey or --circuit is required with a witness")?,
                };
                client.submit_groth16(&circuit_id, witness, &opts).await?
            }
            (None, None) => bail!("a witness is required unless --raw is given"),
        };
        if !args.json {
            println!("{}", job.id);
        }
        if !args.wait {
            if args.json {
                print_json(&job)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        let job = client.wait(&job.id, POLL, args.timeout.map(Duration::from_secs)).await?;
        if args.json {
            print_json(&job)?;
        } else {
            print!("{}", describe(&job));
        }
        Ok(finished_exit_code(&job))
    })
}

/// Uploads the zkey unless the daemon already has the circuit `id`; returns the circuit's id.
async fn ensure_uploaded(client: &DaemonClient, zkey: &Path, id: &str, name: Option<&str>) -> anyhow::Result<String> {
    if client.circuit(id).await?.is_some() {
        return Ok(id.to_string());
    }
    let size = std::fs::metadata(zkey).with_context(|| format!("reading {}", zkey.display()))?.len();
    eprintln!("uploading {} ({:.1} MiB) as circuit {id}", zkey.display(), size as f64 / (1u64 << 20) as f64);
    let target =
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(Some(size), target);
    let style =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    let shown = bar.clone();
    let progress: Progress = Arc::new(move |sent| shown.set_position(sent));
    let uploaded = client.upload_circuit_with_progress(zkey, name, Some(progress)).await;
    bar.finish_and_clear();
    let circuit = uploaded?;
    if circuit.id != id {
        bail!("the daemon named the circuit {} but {} hashes to {id}", circuit.id, zkey.display());
    }
    eprintln!("uploaded circuit {id}");
    Ok(circuit.id)
}

/// Runs `zkaccel status`.
pub fn run_status(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let client = args.connection.client()?;
    let job = runtime()?.block_on(client.job(&args.job_id))?;
    if args.json {
        print_json(&job)?;
    } else {
        print!("{}", describe(&job));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `zkaccel result`: writes snarkjs's files with `--proof`/`--public`, else prints the result.
pub fn run_result(args: &ResultArgs) -> anyhow::Result<ExitCode> {
    let client = args.connection.client()?;
    let result = runtime()?.block_on(client.result(&args.job_id))?;
    match (&args.proof, &args.public) {
        (Some(proof_path), Some(public_path)) => {
            let (Some(proof), Some(public)) = (result.get("proof"), result.get("public")) else {
                bail!("job {}'s result is not a Groth16 proof; run without --proof/--public to print it", args.job_id);
            };
            write_atomically(proof_path, &to_snarkjs_string(proof))?;
            write_atomically(public_path, &to_snarkjs_string(public))?;
        }
        _ => print_json(&result)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `zkaccel cancel`.
pub fn run_cancel(args: &CancelArgs) -> anyhow::Result<ExitCode> {
    let client = args.connection.client()?;
    let job = runtime()?.block_on(client.cancel(&args.job_id))?;
    if args.json {
        print_json(&job)?;
    } else {
        println!("job {} {}", job.id, job.state);
    }
    Ok(ExitCode::SUCCESS)
}

/// Success for a done job; failure (1) for a failed or cancelled one, with the reason on stderr.
fn finished_exit_code(job: &JobInfo) -> ExitCode {
    match job.state {
        JobState::Done => ExitCode::SUCCESS,
        state => {
            match &job.last_error {
                Some(error) => eprintln!("job {} {state}: {error}", job.id),
                None => eprintln!("job {} {state}", job.id),
            }
            ExitCode::FAILURE
        }
    }
}

/// A few lines about the job, for people.
fn describe(job: &JobInfo) -> String {
    let mut out = format!("job {}: {} ({})\n", job.id, job.state, job.kind);
    if let Some(circuit) = &job.circuit_id {
        out.push_str(&format!("  circuit   {circuit}\n"));
    }
    out.push_str(&format!("  priority  {}, attempts {}/{}\n", job.priority, job.attempts, job.max_attempts));
    if let Some(key) = &job.idempotency_key {
        out.push_str(&format!("  idempotency key {key}\n"));
    }
    out.push_str(&format!("  created   {}\n", job.created_at));
    if let Some(at) = &job.started_at {
        out.push_str(&format!("  started   {at}\n"));
    }
    if let Some(at) = &job.finished_at {
        out.push_str(&format!("  finished  {at}\n"));
    }
    let ms = |label: &str, value: Option<f64>| value.map(|v| format!("{label} {v:.1} ms"));
    let t = &job.timings;
    let times: Vec<String> = [ms("queued", t.queued_ms), ms("running", t.running_ms), ms("total", t.total_ms)]
        .into_iter()
        .flatten()
        .collect();
    if !times.is_empty() {
        out.push_str(&format!("  times     {}\n", times.join(", ")));
    }
    if let Some(error) = &job.last_error {
        out.push_str(&format!("  error     {error}\n"));
    }
    out
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};
    use std::sync::Mutex;

    use axum::extract::{Path as UrlPath, Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use serde_json::{json, Value};

    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        let mut all = vec!["zkaccel"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).map(|cli| cli.command)
    }

    #[test]
    fn parses_submit() {
        let Command::Submit(args) =
            parse(&["submit", "--token", "t", "--zkey", "c.zkey", "w.wtns", "--priority", "-5", "--wait", "--json"])
                .unwrap()
        else {
            panic!("submit")
        };
        assert_eq!(args.zkey.as_deref(), Some(Path::new("c.zkey")));
        assert_eq!(args.witness.as_deref(), Some(Path::new("w.wtns")));
        assert_eq!((args.priority, args.wait, args.json), (Some(-5), true, true));
        if std::env::var_os("ZKACCEL_URL").is_none() {
            assert_eq!(args.connection.url, "http://127.0.0.1:8080");
        }
        let Command::Submit(args) =
            parse(&["submit", "--token", "t", "--raw", "job.json", "--idempotency-key", "k1"]).unwrap()
        else {
            panic!("submit")
        };
        assert_eq!((args.raw.as_deref(), args.idempotency_key.as_deref()), (Some(Path::new("job.json")), Some("k1")));
        assert!(parse(&["submit", "--token", "t", "--circuit", "ab", "w.wtns", "--url", "http://h:1"]).is_ok());
        for bad in [
            &["submit", "--token", "t", "w.wtns"][..],                // no circuit
            &["submit", "--token", "t", "--zkey", "c.zkey"],          // no witness
            &["submit", "--token", "t", "--raw", "j.json", "w.wtns"], // a witness with --raw
            &["submit", "--token", "t", "--zkey", "c", "--circuit", "ab", "w"], // two sources
            &["submit", "--token", "t", "--circuit", "ab", "w", "--priority", "101"],
            &["submit", "--token", "t", "--circuit", "ab", "w", "--timeout", "5"], // --timeout needs --wait
            &["submit", "--token", "t", "--circuit", "ab", "w", "--name", "n"],    // --name needs --zkey
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_status_result_and_cancel() {
        let Command::Status(args) = parse(&["status", "--token", "t", "j1", "--json"]).unwrap() else { panic!() };
        assert_eq!((args.job_id.as_str(), args.json), ("j1", true));
        let Command::Result(args) =
            parse(&["result", "--token", "t", "j1", "--proof", "p.json", "--public", "q.json"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(args.proof.as_deref(), Some(Path::new("p.json")));
        assert!(parse(&["result", "--token", "t", "j1", "--proof", "p.json"]).is_err(), "--proof needs --public");
        let Command::Cancel(args) = parse(&["cancel", "--token", "t", "j1"]).unwrap() else { panic!() };
        assert_eq!(args.job_id, "j1");
        assert!(parse(&["cancel", "--token", "t"]).is_err(), "a job id is required");
        if std::env::var_os("ZKACCEL_TOKEN").is_none() {
            assert!(parse(&["status", "j1"]).is_err(), "a token is required");
        }
    }

    fn job(id: &str, state: &str, error: Option<&str>) -> Value {
        json!({
            "id": id, "kind": "groth16", "circuit_id": "ab".repeat(32), "state": state, "priority": 0,
            "attempts": 1, "max_attempts": 3, "idempotency_key": null, "last_error": error,
            "created_at": "2025-01-02T03:04:05Z", "started_at": null, "finished_at": null,
            "timings": {"queued_ms": 2.0, "running_ms": 10.0, "total_ms": 12.0}
        })
    }

    /// What the fake daemon saw: uploads and submissions.
    #[derive(Default)]
    struct Fake {
        uploads: Mutex<Vec<(Option<String>, usize)>>,
        polls: Mutex<u32>,
    }

    /// A fake daemon: circuit `known` exists; uploads answer with the body's SHA-256; job "j-ok"
    /// finishes done after two polls, "j-bad" failed; results of "j-ok" are a Groth16 proof.
    fn fake_daemon(known: String) -> (String, Arc<Fake>) {
        let fake = Arc::new(Fake::default());
        let state = fake.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let known_for_get = known.clone();
                let app = Router::new()
                    .route(
                        "/v1/circuits/{id}",
                        get(move |UrlPath(id): UrlPath<String>| async move {
                            if id == known_for_get {
                                (StatusCode::OK, Json(json!({"id": id, "name": null, "size_bytes": 1, "n_vars": 1,
                                    "n_public": 1, "domain_size": 1, "created_at": "2025-01-02T03:04:05Z"})))
                            } else {
                                (StatusCode::NOT_FOUND, Json(json!({"error": {"code": "unknown_circuit", "message": "no"}})))
                            }
                        }),
                    )
                    .route(
                        "/v1/circuits",
                        post(
                            |State(fake): State<Arc<Fake>>,
                             Query(q): Query<std::collections::HashMap<String, String>>,
                             body: axum::body::Bytes| async move {
                                fake.uploads.lock().unwrap().push((q.get("name").cloned(), body.len()));
                                let id = hex::encode(Sha256::digest(&body));
                                (StatusCode::CREATED, Json(json!({"id": id, "name": q.get("name"), "size_bytes": body.len(),
                                    "n_vars": 1, "n_public": 1, "domain_size": 1, "created_at": "2025-01-02T03:04:05Z"})))
                            },
                        ),
                    )
                    .route(
                        "/v1/circuits/{id}/jobs",
                        post(|headers: HeaderMap| async move {
                            let id = if headers.contains_key("idempotency-key") { "j-bad" } else { "j-ok" };
                            (StatusCode::CREATED, Json(job(id, "queued", None)))
                        }),
                    )
                    .route(
                        "/v1/jobs/{id}",
                        get(|State(fake): State<Arc<Fake>>, UrlPath(id): UrlPath<String>| async move {
                            let mut polls = fake.polls.lock().unwrap();
                            *polls += 1;
                            match id.as_str() {
                                "j-bad" => Json(job(&id, "failed", Some("device lost"))),
                                _ if *polls < 3 => Json(job(&id, "running", None)),
                                _ => Json(job(&id, "done", None)),
                            }
                        }),
                    )
                    .route(
                        "/v1/jobs/{id}/result",
                        get(|UrlPath(id): UrlPath<String>| async move {
                            if id == "j-ok" {
                                (StatusCode::OK, Json(json!({
                                    "proof": {"pi_a": ["1", "2", "1"], "pi_b": [["1", "2"], ["3", "4"], ["1", "0"]],
                                              "pi_c": ["5", "6", "1"], "protocol": "groth16", "curve": "bn128"},
                                    "public": ["33"]})))
                            } else {
                                (StatusCode::CONFLICT, Json(json!({"error": {"code": "not_done", "message": "job is running"}})))
                            }
                        }),
                    )
                    .with_state(state);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(format!("http://{}", listener.local_addr().unwrap())).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        (rx.recv().unwrap(), fake)
    }

    fn connection(url: &str) -> Connection {
        Connection { url: url.to_string(), token: "t".into() }
    }

    #[test]
    fn submit_uploads_unknown_zkeys_waits_and_writes_results() {
        let dir = tempfile::tempdir().unwrap();
        let zkey = dir.path().join("c.zkey");
        let wtns = dir.path().join("w.wtns");
        std::fs::write(&zkey, vec![3u8; 100_000]).unwrap();
        std::fs::write(&wtns, b"witness").unwrap();
        let (url, fake) = fake_daemon("00".repeat(32));
        let submit = |idempotency_key: Option<&str>| SubmitArgs {
            connection: connection(&url),
            zkey: Some(zkey.clone()),
            name: Some("c".into()),
            circuit: None,
            raw: None,
            witness: Some(wtns.clone()),
            priority: Some(3),
            idempotency_key: idempotency_key.map(String::from),
            wait: true,
            timeout: Some(30),
            json: false,
        };
        assert_eq!(run_submit(&submit(None)).unwrap(), ExitCode::SUCCESS);
        assert_eq!(*fake.uploads.lock().unwrap(), [(Some("c".to_string()), 100_000)]);
        assert!(*fake.polls.lock().unwrap() >= 3, "waited through running");
        assert_eq!(run_submit(&submit(Some("k"))).unwrap(), ExitCode::FAILURE, "the failed job's exit code");

        let (proof, public) = (dir.path().join("proof.json"), dir.path().join("public.json"));
        let result = |job: &str| ResultArgs {
            connection: connection(&url),
            job_id: job.into(),
            proof: Some(proof.clone()),
            public: Some(public.clone()),
        };
        run_result(&result("j-ok")).unwrap();
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
        assert_eq!(written["protocol"], "groth16");
        assert_eq!(std::fs::read_to_string(&public).unwrap(), "[\n \"33\"\n]");
        let err = run_result(&result("j-running")).unwrap_err();
        assert_eq!(format!("{err:#}"), "not_done (409): job is running");

        let err =
            run_status(&StatusArgs { connection: connection("http://127.0.0.1:1"), job_id: "x".into(), json: false })
                .unwrap_err();
        assert!(format!("{err:#}").starts_with("request to the daemon failed"), "{err:#}");
    }

    #[test]
    fn submit_skips_the_upload_of_a_known_circuit() {
        let dir = tempfile::tempdir().unwrap();
        let zkey = dir.path().join("c.zkey");
        let wtns = dir.path().join("w.wtns");
        std::fs::write(&zkey, b"known").unwrap();
        std::fs::write(&wtns, b"witness").unwrap();
        let (url, fake) = fake_daemon(hex::encode(Sha256::digest(b"known")));
        let args = SubmitArgs {
            connection: connection(&url),
            zkey: Some(zkey),
            name: None,
            circuit: None,
            raw: None,
            witness: Some(wtns),
            priority: None,
            idempotency_key: None,
            wait: false,
            timeout: None,
            json: true,
        };
        assert_eq!(run_submit(&args).unwrap(), ExitCode::SUCCESS);
        assert!(fake.uploads.lock().unwrap().is_empty());
    }

    #[test]
    fn describes_jobs_for_people() {
        let job: JobInfo = serde_json::from_value(job("j", "failed", Some("device lost"))).unwrap();
        let text = describe(&job);
        assert!(text.starts_with("job j: failed (groth16)\n"), "{text}");
        assert!(text.contains("attempts 1/3") && text.contains("total 12.0 ms") && text.contains("device lost"));
        assert_eq!(finished_exit_code(&job), ExitCode::FAILURE);
    }
}
