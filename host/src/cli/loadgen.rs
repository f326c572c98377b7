//! `zkaccel loadgen`: load and latency figures of a running daemon (docs/DAEMON.md), for sizing
//! rigs and checking the queue's targets (docs/BENCHMARKS.md, "Daemon").
//!
//! - `latency`: one trivial raw job at a time; the queue's overhead as the server saw it
//!   (`timings.total_ms`) and the client's round trip (submission until it sees the job done).
//! - `throughput`: open-loop submissions at a fixed rate, each with its own idempotency key; then
//!   every job is waited for, and lost or duplicated jobs are counted (exit code 1 when any).
//! - `groth16`: one circuit, a warm-up job, then jobs one after another; end-to-end and proving time.
//!
//! Every mode talks to the daemon through [`DaemonClient`] on one tokio thread, so the load
//! generator takes as little of the machine as it can from a daemon running beside it.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use zkaccel::bench::machine::Machine;
use zkaccel::bench::stats::Summary;
use zkaccel::daemon::client::{ClientError, DaemonClient, JobInfo, JobState, SubmitOptions};
use zkaccel::daemon::upload::sha256_file;

use super::client::Connection;

/// Arguments of `zkaccel loadgen`.
#[derive(Debug, Args)]
pub struct LoadgenArgs {
    /// What to measure.
    #[command(subcommand)]
    pub mode: LoadgenMode,
}

/// The load generator's modes.
#[derive(Debug, Subcommand)]
pub enum LoadgenMode {
    /// One trivial Poseidon job at a time: the queue's overhead (server) and round trip (client).
    Latency(LatencyArgs),
    /// Submissions at a fixed rate, open loop; then checks that every job finished exactly once.
    Throughput(ThroughputArgs),
    /// Groth16 jobs of one circuit one after another, after a warm-up job that caches the prover.
    Groth16(Groth16Args),
}

/// Options every mode takes.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// The daemon.
    #[command(flatten)]
    pub connection: Connection,
    /// Also write every figure (and this machine's description) as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Arguments of `zkaccel loadgen latency`.
#[derive(Debug, Args)]
pub struct LatencyArgs {
    /// The daemon and the output.
    #[command(flatten)]
    pub common: Common,
    /// Timed jobs.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: u32,
    /// Untimed jobs first (connections opened, caches warm).
    #[arg(long, default_value_t = 20)]
    pub warmup: u32,
    /// Milliseconds between polls of a job's state; the round trip includes up to one of them
    /// and one extra GET.
    #[arg(long, default_value_t = 1)]
    pub poll_ms: u64,
    /// Give up on a job after this many seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

/// Arguments of `zkaccel loadgen throughput`.
#[derive(Debug, Args)]
pub struct ThroughputArgs {
    /// The daemon and the output.
    #[command(flatten)]
    pub common: Common,
    /// Submissions per second, on a fixed schedule whatever the answers take.
    #[arg(long, default_value_t = 200.0, value_parser = positive_f64)]
    pub rate: f64,
    /// Seconds to submit for.
    #[arg(long, default_value_t = 60.0, value_parser = positive_f64)]
    pub duration: f64,
    /// Most submissions awaiting an answer at once; at the cap the schedule waits, and the
    /// report shows how late it fell.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_in_flight: u64,
    /// After the last submission, wait this many seconds at most for every job to finish;
    /// a job not done by then counts as lost.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub finish_timeout: u64,
    /// Submissions sent a second time with the same idempotency key at the end, to check that
    /// each returns its first job (spread evenly over the run; 0 for none).
    #[arg(long, default_value_t = 100)]
    pub recheck: u32,
}

/// Arguments of `zkaccel loadgen groth16`.
#[derive(Debug, Args)]
pub struct Groth16Args {
    /// The daemon and the output.
    #[command(flatten)]
    pub common: Common,
    /// The proving key: uploaded unless the daemon already has it (its id is the file's SHA-256).
    #[arg(long, value_name = "CIRCUIT.zkey")]
    pub zkey: PathBuf,
    /// The witness every job proves.
    #[arg(long, value_name = "WITNESS.wtns")]
    pub witness: PathBuf,
    /// Timed jobs, after one warm-up job.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: u32,
    /// Milliseconds between polls of a job's state (each poll is a request the daemon serves
    /// while it proves).
    #[arg(long, default_value_t = 5)]
    pub poll_ms: u64,
    /// Give up on a job after this many seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

fn positive_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("expected a positive number, got {s:?}")),
    }
}

/// The `p`-quantile (0..=1) of samples sorted ascending, interpolating linearly between
/// neighbours (as the bench's quartiles do); `None` for no samples.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = p.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

/// The distribution of a set of durations, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dist {
    /// Samples.
    pub n: usize,
    /// The median (the bench's definition: the mean of the middle two for an even count).
    pub median_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The smallest sample.
    pub min_ms: f64,
    /// The largest sample.
    pub max_ms: f64,
    /// The mean.
    pub mean_ms: f64,
}

impl Dist {
    /// Summarises samples in milliseconds; `None` when there are none.
    pub fn of(samples_ms: &[f64]) -> Option<Dist> {
        let mut sorted: Vec<f64> = samples_ms.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        // Median, min and max as the bench computes them (nanosecond resolution).
        let ns: Vec<u64> = sorted.iter().map(|ms| (ms.max(0.0) * 1e6).round() as u64).collect();
        let summary = Summary::of(&ns)?;
        let ms = |ns: u64| ns as f64 / 1e6;
        Some(Dist {
            n: sorted.len(),
            median_ms: ms(summary.median_ns),
            p90_ms: percentile(&sorted, 0.90)?,
            p99_ms: percentile(&sorted, 0.99)?,
            min_ms: ms(summary.min_ns),
            max_ms: ms(summary.max_ns),
            mean_ms: sorted.iter().sum::<f64>() / sorted.len() as f64,
        })
    }
}

/// One line of the printed table.
fn print_dist(label: &str, dist: Option<&Dist>) {
    match dist {
        Some(d) => println!(
            "  {label:<34} median {:>9.3} ms   p90 {:>9.3}   p99 {:>9.3}   max {:>9.3}   (n = {})",
            d.median_ms, d.p90_ms, d.p99_ms, d.max_ms, d.n
        ),
        None => println!("  {label:<34} no samples"),
    }
}

/// What every JSON report starts with.
#[derive(Debug, Serialize)]
struct Header {
    mode: &'static str,
    url: String,
    started_unix_s: f64,
    machine: Machine,
}

impl Header {
    fn new(mode: &'static str, common: &Common) -> Header {
        let started_unix_s = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        Header { mode, url: common.connection.url.clone(), started_unix_s, machine: Machine::detect() }
    }
}

/// Runs `zkaccel loadgen`; exit code 1 when `throughput` saw a lost, duplicated or failed job or
/// a failed submission.
pub fn run(args: &LoadgenArgs) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the tokio runtime")?;
    match &args.mode {
        LoadgenMode::Latency(a) => runtime.block_on(latency(a)),
        LoadgenMode::Throughput(a) => runtime.block_on(throughput(a)),
        LoadgenMode::Groth16(a) => runtime.block_on(groth16(a)),
    }
}

fn client_of(common: &Common) -> anyhow::Result<DaemonClient> {
    DaemonClient::new(&common.connection.url, &common.connection.token)
}

fn write_json(common: &Common, report: &impl Serialize) -> anyhow::Result<()> {
    if let Some(path) = &common.json {
        let text = serde_json::to_string_pretty(report)?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The trivial raw job: one Poseidon hash of one input.
fn poseidon_job(i: u64) -> serde_json::Value {
    serde_json::json!({"kind": "poseidon", "arity": 1, "inputs": [[i.to_string()]]})
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The server's timings of a finished job: (total, queued, running) in ms.
fn server_times(job: &JobInfo) -> (Option<f64>, Option<f64>, Option<f64>) {
    (job.timings.total_ms, job.timings.queued_ms, job.timings.running_ms)
}

/// Figures of `loadgen latency`.
#[derive(Debug, Serialize)]
struct LatencyReport {
    #[serde(flatten)]
    header: Header,
    jobs: u32,
    warmup: u32,
    poll_ms: u64,
    /// `timings.total_ms`: submitted → claimed → done, as the server saw it.
    server_total_ms: Option<Dist>,
    /// `timings.queued_ms`: submitted → claimed.
    server_queued_ms: Option<Dist>,
    /// `timings.running_ms`: claimed → done.
    server_running_ms: Option<Dist>,
    /// The client's submission request alone.
    submit_ms: Option<Dist>,
    /// Submission until the client saw the job done (polling included).
    round_trip_ms: Option<Dist>,
}

async fn latency(args: &LatencyArgs) -> anyhow::Result<ExitCode> {
    let client = client_of(&args.common)?;
    let header = Header::new("latency", &args.common);
    let poll = Duration::from_millis(args.poll_ms);
    let timeout = Some(Duration::from_secs(args.timeout));
    let (mut total, mut queued, mut running, mut submit, mut round_trip) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    eprintln!("latency: {} warm-up and {} timed Poseidon jobs, one at a time", args.warmup, args.jobs);
    for i in 0..u64::from(args.warmup + args.jobs) {
        let started = Instant::now();
        let job = client.submit_raw(&poseidon_job(i), &SubmitOptions::default()).await?;
        let submitted = started.elapsed();
        let job = client.wait(&job.id, poll, timeout).await.with_context(|| format!("waiting for job {}", job.id))?;
        let observed = started.elapsed();
        if job.state != JobState::Done {
            bail!("job {} {}: {}", job.id, job.state, job.last_error.as_deref().unwrap_or("no error given"));
        }
        if i < u64::from(args.warmup) {
            continue;
        }
        let (t, q, r) = server_times(&job);
        total.extend(t);
        queued.extend(q);
        running.extend(r);
        submit.push(ms(submitted));
        round_trip.push(ms(observed));
    }
    let report = LatencyReport {
        header,
        jobs: args.jobs,
        warmup: args.warmup,
        poll_ms: args.poll_ms,
        server_total_ms: Dist::of(&total),
        server_queued_ms: Dist::of(&queued),
        server_running_ms: Dist::of(&running),
        submit_ms: Dist::of(&submit),
        round_trip_ms: Dist::of(&round_trip),
    };
    println!("latency of {} Poseidon jobs, one at a time (poll every {} ms):", args.jobs, args.poll_ms);
    print_dist("queue overhead, server (total_ms)", report.server_total_ms.as_ref());
    print_dist("  queue wait (queued_ms)", report.server_queued_ms.as_ref());
    print_dist("  running (running_ms)", report.server_running_ms.as_ref());
    print_dist("submission request, client", report.submit_ms.as_ref());
    print_dist("round trip, client (with polling)", report.round_trip_ms.as_ref());
    write_json(&args.common, &report)?;
    Ok(ExitCode::SUCCESS)
}

/// One submission of `loadgen throughput`.
#[derive(Debug)]
struct Submitted {
    index: usize,
    /// How late it left against its schedule.
    lag: Duration,
    /// Request until answer.
    latency: Duration,
    /// When the answer came, from the run's start.
    answered: Duration,
    /// The job's id, or the error's label ("429 rate_limited", "transport", ...).
    outcome: Result<String, String>,
}

/// How an error is counted in the report.
fn error_label(e: &ClientError) -> String {
    match e {
        ClientError::Api { status, code, .. } => format!("{status} {code}"),
        ClientError::Http(e) if e.is_timeout() => "transport: timeout".into(),
        ClientError::Http(e) if e.is_connect() => "transport: connect".into(),
        ClientError::Http(_) => "transport: other".into(),
        ClientError::Io(_) => "local io".into(),
        ClientError::Timeout => "timeout".into(),
        ClientError::Unexpected(_) => "unexpected answer".into(),
    }
}

/// Figures of `loadgen throughput`.
#[derive(Debug, Serialize)]
struct ThroughputReport {
    #[serde(flatten)]
    header: Header,
    rate_per_s: f64,
    duration_s: f64,
    max_in_flight: u64,
    /// Submissions scheduled (rate × duration).
    submissions: usize,
    /// Answered with a job (201).
    accepted: usize,
    /// Accepted submissions per second, from the first submission to the last answer.
    achieved_rate_per_s: f64,
    /// Submission request until answer.
    submit_latency_ms: Option<Dist>,
    /// How late submissions left against their schedule (the cap or a busy client).
    schedule_lag_ms: Option<Dist>,
    /// Failed submissions by "status code" (or transport error).
    errors: BTreeMap<String, usize>,
    /// Accepted jobs seen done at the end.
    done: usize,
    /// Accepted jobs that failed or were cancelled.
    failed: usize,
    /// Accepted jobs not found, or not finished by the deadline.
    lost: usize,
    /// Why each lost job counts as lost.
    lost_reasons: BTreeMap<String, usize>,
    /// Distinct job ids among accepted submissions (one per idempotency key when all is well).
    distinct_ids: usize,
    /// Resubmissions with an earlier key, and those that did not return the first job.
    rechecked: usize,
    /// Keys sharing a job id, plus rechecks answered with another job.
    duplicates: usize,
    /// From the end of the submissions until every accepted job was seen finished.
    drain_s: f64,
    /// Server timings of the done jobs under this load.
    server_total_ms: Option<Dist>,
    /// Queue wait of the done jobs.
    server_queued_ms: Option<Dist>,
    /// Running time of the done jobs.
    server_running_ms: Option<Dist>,
}

async fn throughput(args: &ThroughputArgs) -> anyhow::Result<ExitCode> {
    let client = client_of(&args.common)?;
    let header = Header::new("throughput", &args.common);
    let n = (args.rate * args.duration).round() as usize;
    anyhow::ensure!(n >= 1, "--rate × --duration gives no submission");
    // Keys unique to this run: another run against the same tenant must not find them.
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let key = move |i: usize| format!("loadgen-{run_id}-{i}");
    eprintln!(
        "throughput: {n} Poseidon jobs at {} per second for {} s (at most {} in flight)",
        args.rate, args.duration, args.max_in_flight
    );

    let permits = Arc::new(Semaphore::new(args.max_in_flight as usize));
    let mut tasks = JoinSet::new();
    let mut submissions = Vec::with_capacity(n);
    let origin = tokio::time::Instant::now() + Duration::from_millis(20);
    for index in 0..n {
        let at = origin + Duration::from_secs_f64(index as f64 / args.rate);
        tokio::time::sleep_until(at).await;
        let permit = permits.clone().acquire_owned().await?;
        let lag = at.elapsed();
        let (client, key) = (client.clone(), key(index));
        tasks.spawn(async move {
            let _permit = permit;
            let opts = SubmitOptions { priority: None, idempotency_key: Some(key) };
            let sent = Instant::now();
            let answer = client.submit_raw(&poseidon_job(index as u64), &opts).await;
            let outcome = answer.map(|job| job.id).map_err(|e| error_label(&e));
            Submitted { index, lag, latency: sent.elapsed(), answered: origin.elapsed(), outcome }
        });
        // Collect the answers that have come, so finished tasks do not pile up.
        while let Some(done) = tasks.try_join_next() {
            submissions.push(done?);
        }
    }
    while let Some(done) = tasks.join_next().await {
        submissions.push(done?);
    }
    let submitted_by = submissions.iter().map(|s| s.answered).max().unwrap_or_default();

    let mut errors = BTreeMap::new();
    let mut accepted: Vec<(usize, String)> = Vec::new();
    for s in &submissions {
        match &s.outcome {
            Ok(id) => accepted.push((s.index, id.clone())),
            Err(label) => *errors.entry(label.clone()).or_insert(0) += 1,
        }
    }
    let distinct: HashSet<&str> = accepted.iter().map(|(_, id)| id.as_str()).collect();
    let distinct_ids = distinct.len();

    // Wait for every accepted job, a few at a time.
    eprintln!("waiting for {} jobs to finish", accepted.len());
    let drain_started = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(args.finish_timeout);
    let waiters = Arc::new(Semaphore::new(8));
    let mut waits = JoinSet::new();
    for (_, id) in &accepted {
        let (client, id, waiters) = (client.clone(), id.clone(), waiters.clone());
        waits.spawn(async move {
            let _permit = waiters.acquire_owned().await;
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            client.wait(&id, Duration::from_millis(50), Some(left)).await
        });
    }
    let (mut done, mut failed, mut lost) = (0, 0, 0);
    let mut lost_reasons = BTreeMap::new();
    let (mut total, mut queued, mut running) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(waited) = waits.join_next().await {
        match waited? {
            Ok(job) if job.state == JobState::Done => {
                done += 1;
                let (t, q, r) = server_times(&job);
                total.extend(t);
                queued.extend(q);
                running.extend(r);
            }
            Ok(_) => failed += 1,
            Err(e) => {
                lost += 1;
                let reason = match &e {
                    ClientError::Api { status: 404, .. } => "not found".to_string(),
                    ClientError::Timeout => "not finished by the deadline".to_string(),
                    e => error_label(e),
                };
                *lost_reasons.entry(reason).or_insert(0) += 1;
            }
        }
    }
    let drain_s = drain_started.elapsed().as_secs_f64();

    // Submit a few keys again: each must come back as its first job.
    let mut rechecked = 0;
    let mut recheck_mismatches = 0;
    if args.recheck > 0 && !accepted.is_empty() {
        let step = (accepted.len() / args.recheck as usize).max(1);
        for (index, id) in accepted.iter().step_by(step).take(args.recheck as usize) {
            let opts = SubmitOptions { priority: None, idempotency_key: Some(key(*index)) };
            rechecked += 1;
            match client.submit_raw(&poseidon_job(*index as u64), &opts).await {
                Ok(job) if &job.id == id => {}
                Ok(job) => {
                    eprintln!("key {} returned job {} instead of {id}", key(*index), job.id);
                    recheck_mismatches += 1;
                }
                Err(e) => {
                    eprintln!("resubmitting key {}: {e}", key(*index));
                    recheck_mismatches += 1;
                }
            }
        }
    }

    let latencies: Vec<f64> = submissions.iter().map(|s| ms(s.latency)).collect();
    let lags: Vec<f64> = submissions.iter().map(|s| ms(s.lag)).collect();
    let span = submitted_by.as_secs_f64();
    let report = ThroughputReport {
        header,
        rate_per_s: args.rate,
        duration_s: args.duration,
        max_in_flight: args.max_in_flight,
        submissions: n,
        accepted: accepted.len(),
        achieved_rate_per_s: if span > 0.0 { accepted.len() as f64 / span } else { 0.0 },
        submit_latency_ms: Dist::of(&latencies),
        schedule_lag_ms: Dist::of(&lags),
        errors,
        done,
        failed,
        lost,
        lost_reasons,
        distinct_ids,
        rechecked,
        duplicates: (accepted.len() - distinct_ids) + recheck_mismatches,
        drain_s,
        server_total_ms: Dist::of(&total),
        server_queued_ms: Dist::of(&queued),
        server_running_ms: Dist::of(&running),
    };
    println!(
        "throughput: {} submissions scheduled at {}/s for {} s; {} accepted, {:.1}/s achieved",
        report.submissions, report.rate_per_s, report.duration_s, report.accepted, report.achieved_rate_per_s
    );
    print_dist("submission latency", report.submit_latency_ms.as_ref());
    print_dist("schedule lag", report.schedule_lag_ms.as_ref());
    print_dist("server total_ms under load", report.server_total_ms.as_ref());
    print_dist("  queued_ms", report.server_queued_ms.as_ref());
    print_dist("  running_ms", report.server_running_ms.as_ref());
    if report.errors.is_empty() {
        println!("  submission errors: none");
    } else {
        for (label, count) in &report.errors {
            println!("  submission errors: {count} × {label}");
        }
    }
    println!(
        "  jobs: {} done, {} failed, {} lost{}; all seen finished {:.2} s after the last answer",
        report.done,
        report.failed,
        report.lost,
        if report.lost_reasons.is_empty() { String::new() } else { format!(" ({:?})", report.lost_reasons) },
        report.drain_s
    );
    println!(
        "  duplicates: {} ({} distinct ids for {} accepted keys; {} keys resubmitted, {} answered with another job)",
        report.duplicates, report.distinct_ids, report.accepted, report.rechecked, recheck_mismatches
    );
    write_json(&args.common, &report)?;
    let bad = !report.errors.is_empty() || report.lost > 0 || report.duplicates > 0 || report.failed > 0;
    if bad {
        eprintln!("FAILED: a submission failed, or a job was lost, duplicated or failed");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// One Groth16 job's figures, in ms.
#[derive(Debug, Clone, Serialize)]
struct Groth16Sample {
    /// `timings.total_ms`: submitted → done, as the server saw it.
    server_total_ms: Option<f64>,
    /// `timings.queued_ms`.
    server_queued_ms: Option<f64>,
    /// `timings.running_ms`: the proof, on the daemon.
    server_running_ms: Option<f64>,
    /// Submission (the witness uploaded) until the client saw the job done.
    round_trip_ms: f64,
    /// The round trip plus fetching the proof.
    with_result_ms: f64,
}

/// Median and minimum of one figure over the timed Groth16 jobs.
#[derive(Debug, Clone, Copy, Serialize)]
struct MedianMin {
    median_ms: f64,
    min_ms: f64,
}

impl MedianMin {
    fn of(samples: impl IntoIterator<Item = Option<f64>>) -> Option<MedianMin> {
        let samples: Vec<f64> = samples.into_iter().flatten().collect();
        Dist::of(&samples).map(|d| MedianMin { median_ms: d.median_ms, min_ms: d.min_ms })
    }
}

/// Figures of `loadgen groth16`.
#[derive(Debug, Serialize)]
struct Groth16Report {
    #[serde(flatten)]
    header: Header,
    zkey: PathBuf,
    witness: PathBuf,
    circuit_id: String,
    /// Whether the circuit was uploaded now (else the daemon had it).
    uploaded: bool,
    poll_ms: u64,
    /// The first job (it loads the key and caches the prover).
    warmup: Groth16Sample,
    /// The timed jobs, in order.
    samples: Vec<Groth16Sample>,
    server_total: Option<MedianMin>,
    server_running: Option<MedianMin>,
    round_trip: Option<MedianMin>,
    with_result: Option<MedianMin>,
}

async fn groth16_job(client: &DaemonClient, circuit_id: &str, args: &Groth16Args) -> anyhow::Result<Groth16Sample> {
    let started = Instant::now();
    let job = client.submit_groth16(circuit_id, &args.witness, &SubmitOptions::default()).await?;
    let job = client
        .wait(&job.id, Duration::from_millis(args.poll_ms), Some(Duration::from_secs(args.timeout)))
        .await
        .with_context(|| format!("waiting for job {}", job.id))?;
    let round_trip = started.elapsed();
    if job.state != JobState::Done {
        bail!("job {} {}: {}", job.id, job.state, job.last_error.as_deref().unwrap_or("no error given"));
    }
    let result = client.result(&job.id).await?;
    let with_result = started.elapsed();
    anyhow::ensure!(result.get("proof").is_some(), "job {}'s result has no proof", job.id);
    let (t, q, r) = server_times(&job);
    Ok(Groth16Sample {
        server_total_ms: t,
        server_queued_ms: q,
        server_running_ms: r,
        round_trip_ms: ms(round_trip),
        with_result_ms: ms(with_result),
    })
}

async fn groth16(args: &Groth16Args) -> anyhow::Result<ExitCode> {
    let client = client_of(&args.common)?;
    let header = Header::new("groth16", &args.common);
    anyhow::ensure!(args.witness.is_file(), "no witness file {}", args.witness.display());
    let circuit_id = sha256_file(&args.zkey).with_context(|| format!("reading {}", args.zkey.display()))?;
    let uploaded = client.circuit(&circuit_id).await?.is_none();
    if uploaded {
        let name = args.zkey.file_stem().map(|s| s.to_string_lossy().into_owned());
        eprintln!("uploading {} as circuit {circuit_id}", args.zkey.display());
        let circuit = client.upload_circuit(&args.zkey, name.as_deref()).await?;
        anyhow::ensure!(
            circuit.id == circuit_id,
            "the daemon named the circuit {} (expected {circuit_id})",
            circuit.id
        );
    }
    eprintln!("groth16: one warm-up job, then {} timed jobs one after another", args.jobs);
    let warmup = groth16_job(&client, &circuit_id, args).await?;
    let mut samples = Vec::new();
    for _ in 0..args.jobs {
        samples.push(groth16_job(&client, &circuit_id, args).await?);
    }
    let report = Groth16Report {
        header,
        zkey: args.zkey.clone(),
        witness: args.witness.clone(),
        circuit_id,
        uploaded,
        poll_ms: args.poll_ms,
        server_total: MedianMin::of(samples.iter().map(|s| s.server_total_ms)),
        server_running: MedianMin::of(samples.iter().map(|s| s.server_running_ms)),
        round_trip: MedianMin::of(samples.iter().map(|s| Some(s.round_trip_ms))),
        with_result: MedianMin::of(samples.iter().map(|s| Some(s.with_result_ms))),
        warmup,
        samples,
    };
    println!(
        "groth16: {} jobs of {} one after another (poll every {} ms)",
        args.jobs,
        args.zkey.display(),
        args.poll_ms
    );
    let line = |label: &str, m: Option<MedianMin>| match m {
        Some(m) => println!("  {label:<40} median {:>9.1} ms   min {:>9.1} ms", m.median_ms, m.min_ms),
        None => println!("  {label:<40} no samples"),
    };
    line("server total_ms (submitted → done)", report.server_total);
    line("proving, server running_ms", report.server_running);
    line("client round trip (witness upload → done)", report.round_trip);
    line("client round trip + proof fetched", report.with_result);
    println!(
        "  warm-up job (loads and caches the prover): server total {:.1} ms, round trip {:.1} ms",
        report.warmup.server_total_ms.unwrap_or(f64::NAN),
        report.warmup.round_trip_ms
    );
    write_json(&args.common, &report)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<LoadgenMode, clap::Error> {
        let mut all = vec!["zkaccel", "loadgen"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all)?.command {
            Command::Loadgen(args) => Ok(args.mode),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn parses_the_three_modes_with_their_defaults() {
        let mode = parse(&["latency", "--url", "http://h:1", "--token", "t"]).unwrap();
        let LoadgenMode::Latency(a) = mode else { panic!("latency") };
        assert_eq!((a.jobs, a.warmup, a.poll_ms), (300, 20, 1));
        assert_eq!((a.common.connection.url.as_str(), a.common.connection.token.as_str()), ("http://h:1", "t"));
        assert_eq!(a.common.json, None);

        let mode = parse(&["throughput", "--token", "t", "--json", "out.json"]).unwrap();
        let LoadgenMode::Throughput(a) = mode else { panic!("throughput") };
        assert_eq!((a.rate, a.duration, a.max_in_flight, a.recheck), (200.0, 60.0, 256, 100));
        assert_eq!(a.common.json.as_deref(), Some(Path::new("out.json")));

        let mode = parse(&["throughput", "--token", "t", "--rate", "12.5", "--duration", "3"]).unwrap();
        let LoadgenMode::Throughput(a) = mode else { panic!("throughput") };
        assert_eq!((a.rate, a.duration), (12.5, 3.0));

        let mode = parse(&["groth16", "--token", "t", "--zkey", "c.zkey", "--witness", "w.wtns"]).unwrap();
        let LoadgenMode::Groth16(a) = mode else { panic!("groth16") };
        assert_eq!((a.jobs, a.poll_ms), (10, 5));
        assert_eq!((a.zkey.as_path(), a.witness.as_path()), (Path::new("c.zkey"), Path::new("w.wtns")));
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(parse(&["latency", "--token", "t", "--jobs", "0"]).is_err());
        assert!(parse(&["throughput", "--token", "t", "--rate", "0"]).is_err());
        assert!(parse(&["throughput", "--token", "t", "--rate", "-5"]).is_err());
        assert!(parse(&["throughput", "--token", "t", "--duration", "inf"]).is_err());
        assert!(parse(&["throughput", "--token", "t", "--max-in-flight", "0"]).is_err());
        assert!(parse(&["groth16", "--token", "t", "--zkey", "c.zkey"]).is_err(), "--witness is required");
        assert!(parse(&["flood", "--token", "t"]).is_err());
        assert!(parse(&[]).is_err(), "a mode is required");
    }

    #[test]
    fn percentiles_interpolate_between_neighbours() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.99), Some(7.0));
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 0.0), Some(1.0));
        assert_eq!(percentile(&sorted, 1.0), Some(100.0));
        assert!((percentile(&sorted, 0.9).unwrap() - 90.1).abs() < 1e-9);
        assert!((percentile(&sorted, 0.99).unwrap() - 99.01).abs() < 1e-9);
        assert_eq!(percentile(&[1.0, 3.0], 0.5), Some(2.0));
    }

    #[test]
    fn distributions_share_the_bench_median() {
        assert_eq!(Dist::of(&[]), None);
        let d = Dist::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((d.n, d.median_ms, d.min_ms, d.max_ms, d.mean_ms), (4, 2.5, 1.0, 4.0, 2.5));
        assert!((d.p90_ms - 3.7).abs() < 1e-9 && (d.p99_ms - 3.97).abs() < 1e-9);
        let d = Dist::of(&[0.25, 10.0, f64::NAN]).unwrap();
        assert_eq!((d.n, d.median_ms), (2, 5.125), "non-finite samples are dropped");
        assert_eq!(
            MedianMin::of([Some(3.0), None, Some(1.0), Some(2.0)]).map(|m| (m.median_ms, m.min_ms)),
            Some((2.0, 1.0))
        );
    }

    #[test]
    fn the_trivial_job_is_one_poseidon_hash_of_one_input() {
        assert_eq!(poseidon_job(42), serde_json::json!({"kind": "poseidon", "arity": 1, "inputs": [["42"]]}));
        let api = ClientError::Api { status: 429, code: "rate_limited".into(), message: "slow down".into() };
        assert_eq!(error_label(&api), "429 rate_limited");
        assert_eq!(error_label(&ClientError::Timeout), "timeout");
    }
}
