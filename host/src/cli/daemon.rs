//! `zkaccel daemon`: serve the proving API over the durable queue, and the operator's
//! commands on the same database (tenants and their tokens, the dead-letter list).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use zkaccel::daemon::config::DaemonConfig;
use zkaccel::daemon::db::jobs::{JobState, WITNESS_DISCARDED};
use zkaccel::daemon::db::tenants::TenantLimits;
use zkaccel::daemon::db::Db;

/// Arguments of `zkaccel daemon`.
#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// The configuration file (TOML; see zkaccel.example.toml). Without it the defaults apply:
    /// 127.0.0.1:8080, a SQLite queue and artifacts under ./zkaccel-data. `ZKACCEL__…`
    /// environment variables override either.
    #[arg(long, short, env = "ZKACCEL_DAEMON_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Operator commands; without one, the daemon serves.
    #[command(subcommand)]
    pub command: Option<DaemonCommand>,
}

/// Operator commands against the daemon's database.
#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Tenants and their API tokens.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Jobs that failed for good: list them, or queue one again.
    #[command(subcommand, name = "dead-letter")]
    DeadLetter(DeadLetterCommand),
}

/// `zkaccel daemon tenant …`.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Make a tenant and print its first token (shown only once; only its hash is stored).
    Add {
        /// A unique name.
        name: String,
        /// Its own request-size limit in bytes (default: the config's limits.max_body_bytes).
        #[arg(long)]
        max_body_bytes: Option<u64>,
        /// Its own sustained requests per second (default: limits.requests_per_second).
        #[arg(long)]
        rate: Option<u32>,
        /// Its own burst (default: limits.burst).
        #[arg(long)]
        burst: Option<u32>,
    },
    /// List tenants.
    List,
    /// Give a tenant another token, labelled so it can be revoked alone.
    Token {
        /// The tenant.
        name: String,
        /// A label for the token.
        #[arg(long, default_value = "extra")]
        label: String,
    },
    /// Revoke a tenant's tokens with this label.
    Revoke {
        /// The tenant.
        name: String,
        /// The label (`initial` is the first token's).
        #[arg(long)]
        label: String,
    },
}

/// `zkaccel daemon dead-letter …`.
#[derive(Debug, Subcommand)]
pub enum DeadLetterCommand {
    /// List failed jobs of every tenant, newest first.
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Queue a failed job again with fresh attempts.
    Retry {
        /// The job's id.
        job_id: String,
    },
}

/// Runs `zkaccel daemon`.
pub fn run(args: &DaemonArgs) -> anyhow::Result<ExitCode> {
    let config = DaemonConfig::load(args.config.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    runtime.block_on(async move {
        match &args.command {
            None => serve(config).await,
            Some(command) => {
                let db = Db::connect(&config.database_url, 2).await?;
                operate(&db, command).await
            }
        }
    })
}

async fn serve(config: DaemonConfig) -> anyhow::Result<ExitCode> {
    let db = Db::connect(&config.database_url, 2).await?;
    first_run_tenant(&db, &config.data_dir).await?;
    db.close().await;
    let daemon = zkaccel::daemon::run::start(config).await?;
    eprintln!("zkaccel daemon listening on http://{} (SIGTERM or Ctrl-C stops it)", daemon.addr);
    daemon.serve_until_signal().await?;
    Ok(ExitCode::SUCCESS)
}

/// With no tenant at all, makes one named `default` so a fresh `zkaccel daemon` can be used at
/// once; its token goes to `<data_dir>/default.token` (readable by the owner only), never to the log.
async fn first_run_tenant(db: &Db, data_dir: &Path) -> anyhow::Result<()> {
    if !db.tenants().await?.is_empty() {
        return Ok(());
    }
    let token = match db.create_tenant("default", &TenantLimits::default()).await {
        Ok((_, token)) => token,
        // Another daemon starting on the same database made a tenant first: nothing to do.
        Err(_) if !db.tenants().await?.is_empty() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join("default.token");
    write_private(&path, &format!("{token}\n")).with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "no tenants yet: made tenant \"default\"; its token is in {} (export ZKACCEL_TOKEN=$(cat {}))",
        path.display(),
        path.display()
    );
    Ok(())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

async fn operate(db: &Db, command: &DaemonCommand) -> anyhow::Result<ExitCode> {
    match command {
        DaemonCommand::Tenant(TenantCommand::Add { name, max_body_bytes, rate, burst }) => {
            let limits = TenantLimits { max_body_bytes: *max_body_bytes, requests_per_second: *rate, burst: *burst };
            let (tenant, token) = db.create_tenant(name, &limits).await?;
            eprintln!("tenant {:?} ({}) made; its token (shown only now):", tenant.name, tenant.id);
            println!("{token}");
        }
        DaemonCommand::Tenant(TenantCommand::List) => {
            println!("{:<24} {:<36} {:>14} {:>6} {:>6}", "NAME", "ID", "MAX BODY", "RATE", "BURST");
            let show = |v: Option<String>| v.unwrap_or_else(|| "default".into());
            for t in db.tenants().await? {
                println!(
                    "{:<24} {:<36} {:>14} {:>6} {:>6}",
                    t.name,
                    t.id,
                    show(t.max_body_bytes.map(|v| v.to_string())),
                    show(t.requests_per_second.map(|v| v.to_string())),
                    show(t.burst.map(|v| v.to_string()))
                );
            }
        }
        DaemonCommand::Tenant(TenantCommand::Token { name, label }) => {
            let token = db.add_token(name, label).await?.with_context(|| format!("no tenant named {name:?}"))?;
            println!("{token}");
        }
        DaemonCommand::Tenant(TenantCommand::Revoke { name, label }) => {
            let n = db.revoke_tokens(name, label).await?;
            eprintln!("revoked {n} token(s) of {name:?} labelled {label:?}");
            if n == 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
        DaemonCommand::DeadLetter(DeadLetterCommand::List { limit }) => {
            println!("{:<36} {:<8} {:>8} {:<20} MESSAGE", "JOB", "KIND", "ATTEMPTS", "CODE");
            for job in db.dead_letters(*limit).await? {
                println!(
                    "{:<36} {:<8} {:>8} {:<20} {}",
                    job.id,
                    job.kind,
                    job.attempts,
                    job.error_code.as_deref().unwrap_or("-"),
                    job.last_error.as_deref().unwrap_or("-")
                );
            }
        }
        DaemonCommand::DeadLetter(DeadLetterCommand::Retry { job_id }) => {
            if db.retry_failed_job(job_id).await? {
                eprintln!("job {job_id} queued again");
            } else {
                let expired = db
                    .job_any_tenant(job_id)
                    .await?
                    .is_some_and(|job| job.state == JobState::Failed && job.spec.contains(WITNESS_DISCARDED));
                if expired {
                    eprintln!(
                        "job {job_id} cannot be retried: its witness was deleted after \
                         queue.failed_witness_retention_seconds; submit the job again"
                    );
                } else {
                    eprintln!("job {job_id} is not in the dead-letter list (no such job, or it has not failed)");
                }
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
