//! Command-line arguments (clap derive) and the dispatch to each subcommand.

mod bench;
mod bench_fpga;
mod bench_scheduler;
mod calibrate;
mod client;
mod daemon;
mod devices;
mod loadgen;
mod progress;
mod prove;
mod setup_insecure;
mod verify;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// zkaccel: hardware-accelerated BN254 MSM, NTT and Poseidon for zero-knowledge provers.
#[derive(Debug, Parser)]
#[command(name = "zkaccel", version, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr: -v for debug, -vv for trace. RUST_LOG overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the devices zkaccel can use, with their limits, and the missing ones with the reason.
    Devices(devices::DevicesArgs),
    /// Benchmark backends against arkworks / ark-poly / light-poseidon, verifying every result.
    Bench(bench::BenchArgs),
    /// Prove a circom circuit with Groth16: zkey + witness in, snarkjs's proof.json and public.json out.
    Prove(prove::ProveArgs),
    /// Verify a Groth16 proof with snarkjs's verification_key.json: exit 0 when valid, 1 when not.
    Verify(verify::VerifyArgs),
    /// INSECURE Groth16 key for a circom .r1cs from a seed (anyone can forge proofs): for benchmarks and tests.
    SetupInsecure(setup_insecure::SetupInsecureArgs),
    /// Measure each device's throughput for the scheduler and cache it (`bench --scheduler` uses it).
    Calibrate(calibrate::CalibrateArgs),
    /// Run the proving daemon: HTTP API, durable job queue (SQLite or PostgreSQL), workers.
    Daemon(daemon::DaemonArgs),
    /// Submit a Groth16 or raw job to a daemon (uploading the zkey when the daemon lacks it).
    Submit(client::SubmitArgs),
    /// Show a daemon job's state.
    Status(client::StatusArgs),
    /// Fetch a done job's result: snarkjs's proof.json and public.json, or the raw job's JSON.
    Result(client::ResultArgs),
    /// Cancel a queued or running daemon job.
    Cancel(client::CancelArgs),
    /// Load a daemon: queue latency, sustained submission rate (no job lost or duplicated), Groth16 jobs.
    Loadgen(loadgen::LoadgenArgs),
}

/// Runs the parsed command; the exit code is not success for an invalid proof.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Devices(args) => devices::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Bench(args) => bench::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Prove(args) => prove::run(&args, cli.verbose).map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => verify::run(&args),
        Command::SetupInsecure(args) => setup_insecure::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Calibrate(args) => calibrate::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Daemon(args) => daemon::run(&args),
        Command::Submit(args) => client::run_submit(&args),
        Command::Status(args) => client::run_status(&args),
        Command::Result(args) => client::run_result(&args),
        Command::Cancel(args) => client::run_cancel(&args),
        Command::Loadgen(args) => loadgen::run(&args),
    }
}

/// Logs to stderr, at `warn` by default (`info` for the daemon, which logs each job) and more
/// with each `-v`; `RUST_LOG` takes precedence.
pub fn init_tracing(verbose: u8, daemon: bool) {
    let default = match verbose {
        0 if daemon => "warn,zkaccel=info",
        0 => "warn",
        1 => "warn,zkaccel=debug,zkaccel_backends=debug",
        _ => "debug,zkaccel=trace,zkaccel_backends=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // ZKACCEL_LOG_FORMAT=json: one JSON object per line (with the job span's fields), for log shippers.
    if std::env::var("ZKACCEL_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().with_current_span(true).init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_bench_lists() {
        let cli =
            Cli::try_parse_from(["zkaccel", "-vv", "bench", "--op", "msm,ntt", "--log-n", "8,10", "--quick"]).unwrap();
        assert_eq!(cli.verbose, 2);
        let Command::Bench(args) = cli.command else { panic!("bench") };
        let config = args.config();
        assert_eq!(config.ops, vec![zkaccel::bench::BenchOp::Msm, zkaccel::bench::BenchOp::Ntt]);
        assert_eq!(config.log_n, vec![8, 10]);
        assert!(config.quick);
        assert!(Cli::try_parse_from(["zkaccel", "bench", "--op", "fft"]).is_err());
        assert!(Cli::try_parse_from(["zkaccel", "bench", "--backend", "tpu"]).is_err());
        assert!(Cli::try_parse_from(["zkaccel", "bench", "--baseline", "gnark"]).is_err());
    }

    #[test]
    fn parses_bench_suites_and_record_subcommands() {
        let cli = Cli::try_parse_from(["zkaccel", "bench", "--suite", "quick", "--csv", "r.csv"]).unwrap();
        let Command::Bench(args) = cli.command else { panic!("bench") };
        assert!(args.command.is_none());
        let config = args.config();
        assert_eq!((config.suite, config.warmup), (Some(zkaccel::bench::Suite::Quick), 1));
        assert!(config.circuits().contains(&"multiplier".to_string()));
        assert!(Cli::try_parse_from(["zkaccel", "bench", "--suite", "quick", "--op", "msm"]).is_err());
        assert!(Cli::try_parse_from(["zkaccel", "bench", "--suite", "huge"]).is_err());
        let cli = Cli::try_parse_from(["zkaccel", "bench", "compare", "a.json", "b.json"]).unwrap();
        let Command::Bench(args) = cli.command else { panic!("bench") };
        let Some(bench::BenchCommand::Compare(records)) = args.command else { panic!("compare") };
        assert_eq!(records.records.len(), 2);
        let cli = Cli::try_parse_from(["zkaccel", "bench", "plot", "a.json", "-o", "out.svg"]).unwrap();
        let Command::Bench(args) = cli.command else { panic!("bench") };
        assert!(matches!(args.command, Some(bench::BenchCommand::Plot(_))));
        assert!(Cli::try_parse_from(["zkaccel", "bench", "plot", "a.json"]).is_err(), "-o is required");
        assert!(Cli::try_parse_from(["zkaccel", "bench", "compare"]).is_err(), "records are required");
        assert!(Cli::try_parse_from(["zkaccel", "bench", "--quick", "compare", "a.json"]).is_err());
    }

    #[test]
    fn parses_scheduler_flags() {
        let cli = Cli::try_parse_from(["zkaccel", "bench", "--scheduler", "--devices", "cpu,cuda:0"]).unwrap();
        let Command::Bench(args) = cli.command else { panic!("bench") };
        assert!(args.scheduler);
        assert_eq!(args.backend.to_string(), "cpu,cuda:0", "--devices narrows like --backend");
        let cli = Cli::try_parse_from(["zkaccel", "calibrate", "--devices", "cpu", "--output", "/tmp/c.json"]).unwrap();
        let Command::Calibrate(args) = cli.command else { panic!("calibrate") };
        assert_eq!(args.devices.to_string(), "cpu");
        assert!(Cli::try_parse_from(["zkaccel", "calibrate", "--devices", "tpu"]).is_err());
    }
}
