//! Starting and stopping a daemon: connect the queue and the artifact store, bring up the
//! scheduler over the rig's devices, then serve the API beside the workers and the reaper.
//! SIGTERM (or Ctrl-C) stops claiming, lets running jobs finish within the grace period,
//! releases the rest, and returns.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::task::JoinSet;

use super::api;
use super::artifacts::ArtifactStore;
use super::config::{redact_url, DaemonConfig};
use super::db::Db;
use super::metrics::DaemonMetrics;
use super::state::AppState;
use super::worker::{run_reaper, run_worker};
use crate::registry::{DeviceSelection, Registry};
use crate::scheduler::{Scheduler, SchedulerConfig};

/// A daemon serving in this process.
#[derive(Debug)]
pub struct RunningDaemon {
    /// The address the API listens on (the real port when the config asked for port 0).
    pub addr: SocketAddr,
    state: AppState,
    tasks: JoinSet<()>,
}

/// Connects everything and starts serving; returns once the API is listening.
pub async fn start(config: DaemonConfig) -> anyhow::Result<RunningDaemon> {
    let scheduler = {
        let devices = config.devices.clone();
        tokio::task::spawn_blocking(move || scheduler(&devices)).await.context("starting the scheduler")??
    };
    start_with_scheduler(config, scheduler).await
}

/// [`start`] on a given scheduler (tests inject faulty devices this way).
pub async fn start_with_scheduler(config: DaemonConfig, scheduler: Arc<Scheduler>) -> anyhow::Result<RunningDaemon> {
    tokio::fs::create_dir_all(&config.data_dir)
        .await
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let connections = (config.workers as u32 * 2 + 8).min(64);
    let db = Db::connect(&config.database_url, connections)
        .await
        .with_context(|| format!("opening the queue at {}", redact_url(&config.database_url)))?;
    let artifacts = ArtifactStore::open(&config.artifacts).await.context("opening the artifact store")?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        queue = %redact_url(&config.database_url),
        artifacts = %artifacts.describe(),
        devices = %scheduler.device_ids().join(","),
        workers = config.workers,
        "zkaccel daemon started"
    );
    let workers = config.workers;
    let state = AppState::new(config, db, artifacts, DaemonMetrics::new(), scheduler);

    let mut tasks = JoinSet::new();
    let app = api::router(state.clone());
    let shutdown = state.clone();
    tasks.spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async move { shutdown.stopped().await }).await;
        if let Err(e) = served {
            tracing::error!("the HTTP server stopped: {e}");
        }
    });
    for index in 0..workers {
        tasks.spawn(run_worker(state.clone(), index));
    }
    tasks.spawn(run_reaper(state.clone()));
    Ok(RunningDaemon { addr, state, tasks })
}

impl RunningDaemon {
    /// The daemon's shared state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops as SIGTERM does and waits until everything has finished.
    pub async fn stop(mut self) {
        self.state.begin_stop();
        while self.tasks.join_next().await.is_some() {}
        self.state.db().close().await;
        tracing::info!("zkaccel daemon stopped");
    }

    /// Serves until SIGTERM or Ctrl-C, then stops gracefully.
    pub async fn serve_until_signal(self) -> anyhow::Result<()> {
        wait_for_signal().await?;
        tracing::info!(
            grace_seconds = self.state.config().shutdown.grace_seconds,
            "stopping: no new jobs; running jobs finish or are released"
        );
        self.stop().await;
        Ok(())
    }
}

async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    tokio::select! {
        _ = term.recv() => {}
        r = tokio::signal::ctrl_c() => r.context("listening for Ctrl-C")?,
    }
    Ok(())
}

/// The scheduler over the configured devices (the scheduler's own config file applies too).
fn scheduler(devices: &str) -> anyhow::Result<Arc<Scheduler>> {
    let selection: DeviceSelection = devices.parse().with_context(|| format!("devices = {devices:?}"))?;
    let mut config = SchedulerConfig::load()?;
    config.devices = Some(selection.clone());
    let registry = Registry::detect(&selection)?;
    if selection != DeviceSelection::All {
        for entry in registry.entries() {
            registry.require(&entry.id)?;
        }
    }
    Ok(Arc::new(Scheduler::from_registry(&registry, config)?))
}
