//! What the API handlers and the workers share.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::{watch, Notify};

use super::artifacts::ArtifactStore;
use super::config::DaemonConfig;
use super::db::Db;
use super::metrics::DaemonMetrics;
use super::prover_cache::ProverCache;
use super::rate_limit::RateLimiter;
use crate::scheduler::Scheduler;

/// The daemon's shared state: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: DaemonConfig,
    name: String,
    db: Db,
    artifacts: ArtifactStore,
    metrics: DaemonMetrics,
    limiter: RateLimiter,
    scheduler: Arc<Scheduler>,
    provers: ProverCache,
    work_available: Notify,
    stopping: AtomicBool,
    stop_tx: watch::Sender<bool>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("name", &self.inner.name).finish_non_exhaustive()
    }
}

impl AppState {
    /// Bundles the daemon's parts.
    pub fn new(
        config: DaemonConfig,
        db: Db,
        artifacts: ArtifactStore,
        metrics: DaemonMetrics,
        scheduler: Arc<Scheduler>,
    ) -> AppState {
        let provers = ProverCache::new(config.prover_cache.budget_bytes, scheduler.clone(), Some(scheduler.clone()));
        let name = config.daemon_name();
        let (stop_tx, _) = watch::channel(false);
        AppState {
            inner: Arc::new(Inner {
                config,
                name,
                db,
                artifacts,
                metrics,
                limiter: RateLimiter::default(),
                scheduler,
                provers,
                work_available: Notify::new(),
                stopping: AtomicBool::new(false),
                stop_tx,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DaemonConfig {
        &self.inner.config
    }

    /// This daemon's name in leases and logs.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The queue database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The artifact store.
    pub fn artifacts(&self) -> &ArtifactStore {
        &self.inner.artifacts
    }

    /// The Prometheus metrics.
    pub fn metrics(&self) -> &DaemonMetrics {
        &self.inner.metrics
    }

    /// Per-tenant rate limits.
    pub fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    /// The scheduler over the rig's devices.
    pub fn scheduler(&self) -> &Arc<Scheduler> {
        &self.inner.scheduler
    }

    /// Provers kept between jobs.
    pub fn provers(&self) -> &ProverCache {
        &self.inner.provers
    }

    /// Scratch directory for spooled uploads.
    pub fn upload_dir(&self) -> PathBuf {
        self.inner.config.data_dir.join("uploads")
    }

    /// Directory of zkeys fetched from object storage.
    pub fn zkey_cache_dir(&self) -> PathBuf {
        self.inner.config.data_dir.join("zkeys")
    }

    /// The lease length in microseconds.
    pub fn lease_us(&self) -> i64 {
        self.inner.config.lease().as_micros() as i64
    }

    /// Wakes an idle worker: a job was just queued here.
    pub fn notify_work(&self) {
        self.inner.work_available.notify_one();
    }

    /// Waits until [`AppState::notify_work`] is called.
    pub async fn work_available(&self) {
        self.inner.work_available.notified().await;
    }

    /// Starts the shutdown: workers stop claiming, the API answers 503 to new work.
    pub fn begin_stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.stop_tx.send_replace(true);
        self.inner.work_available.notify_waiters();
    }

    /// Whether the shutdown has begun.
    pub fn is_stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::SeqCst)
    }

    /// Resolves once the shutdown has begun.
    pub async fn stopped(&self) {
        let mut rx = self.inner.stop_tx.subscribe();
        let _ = rx.wait_for(|stopping| *stopping).await;
    }
}
