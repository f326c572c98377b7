//! The daemon's Prometheus metrics, served at `GET /metrics` in the text exposition format.
//!
//! Every series is prefixed `zkaccel_`. Queue depth, device and prover-cache gauges are set from
//! snapshots (the previous label sets are dropped first, so a vanished state or device stops
//! being reported); the job histograms and counters accumulate. docs/grafana/zkaccel-daemon.json
//! charts them; a test below keeps the two in step.

use std::time::Duration;

use prometheus::{
    exponential_buckets, Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::scheduler::DeviceStats;

/// The daemon's metrics registry and every series in it.
#[derive(Clone)]
pub struct DaemonMetrics {
    registry: Registry,
    jobs_queued: IntGaugeVec,
    job_queue_wait_seconds: HistogramVec,
    job_run_seconds: HistogramVec,
    job_total_seconds: HistogramVec,
    jobs_completed_total: IntCounterVec,
    proofs_total: IntCounter,
    job_failures_total: IntCounterVec,
    http_requests_total: IntCounterVec,
    device_busy_seconds: GaugeVec,
    device_failures: IntGaugeVec,
    device_healthy: IntGaugeVec,
    prover_cache_bytes: IntGauge,
    prover_cache_entries: IntGauge,
}

impl std::fmt::Debug for DaemonMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaemonMetrics").finish_non_exhaustive()
    }
}

impl Default for DaemonMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Latency buckets in seconds: 1 ms doubling to about 9 minutes (20 buckets, then +Inf).
fn latency_buckets() -> Vec<f64> {
    exponential_buckets(0.001, 2.0, 20).expect("static bucket parameters are valid")
}

impl DaemonMetrics {
    /// A fresh registry with every series registered (and none observed yet).
    pub fn new() -> Self {
        let registry = Registry::new();
        let histogram = |name: &str, help: &str| {
            let opts = HistogramOpts::new(name, help).buckets(latency_buckets());
            let metric = HistogramVec::new(opts, &["kind"]).expect("valid histogram");
            registry.register(Box::new(metric.clone())).expect("unique metric name");
            metric
        };
        let int_gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            let metric = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid gauge");
            registry.register(Box::new(metric.clone())).expect("unique metric name");
            metric
        };
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let metric = IntCounterVec::new(Opts::new(name, help), labels).expect("valid counter");
            registry.register(Box::new(metric.clone())).expect("unique metric name");
            metric
        };
        let int_gauge = |name: &str, help: &str| {
            let metric = IntGauge::new(name, help).expect("valid gauge");
            registry.register(Box::new(metric.clone())).expect("unique metric name");
            metric
        };

        let jobs_queued =
            int_gauge_vec("zkaccel_jobs_queued", "Jobs in the queue by state and priority.", &["state", "priority"]);
        let job_queue_wait_seconds =
            histogram("zkaccel_job_queue_wait_seconds", "Seconds a job waited in the queue before it ran.");
        let job_run_seconds = histogram("zkaccel_job_run_seconds", "Seconds a job ran (its last attempt).");
        let job_total_seconds = histogram("zkaccel_job_total_seconds", "Seconds from submission to completion.");
        let jobs_completed_total = counter_vec("zkaccel_jobs_completed_total", "Jobs completed, by kind.", &["kind"]);
        let proofs_total = IntCounter::new("zkaccel_proofs_total", "Groth16 proofs completed.").expect("valid counter");
        registry.register(Box::new(proofs_total.clone())).expect("unique metric name");
        let job_failures_total =
            counter_vec("zkaccel_job_failures_total", "Jobs failed, by kind and reason.", &["kind", "reason"]);
        let http_requests_total = counter_vec(
            "zkaccel_http_requests_total",
            "HTTP requests answered, by route template and status.",
            &["route", "status"],
        );
        let device_busy_seconds = GaugeVec::new(
            Opts::new("zkaccel_device_busy_seconds", "Seconds each device spent in backend calls (kind: device kind)."),
            &["device", "kind"],
        )
        .expect("valid gauge");
        registry.register(Box::new(device_busy_seconds.clone())).expect("unique metric name");
        let device_failures = int_gauge_vec(
            "zkaccel_device_failures",
            "Faults each device had, by fault kind (timeout, device_lost, ...).",
            &["device", "kind"],
        );
        let device_healthy =
            int_gauge_vec("zkaccel_device_healthy", "1 when the scheduler admits the device, else 0.", &["device"]);
        let prover_cache_bytes = int_gauge("zkaccel_prover_cache_bytes", "Bytes held by the prover cache.");
        let prover_cache_entries = int_gauge("zkaccel_prover_cache_entries", "Proving keys held by the prover cache.");

        Self {
            registry,
            jobs_queued,
            job_queue_wait_seconds,
            job_run_seconds,
            job_total_seconds,
            jobs_completed_total,
            proofs_total,
            job_failures_total,
            http_requests_total,
            device_busy_seconds,
            device_failures,
            device_healthy,
            prover_cache_bytes,
            prover_cache_entries,
        }
    }

    /// The underlying registry, for callers that add their own series.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Replaces the queue-depth gauge with a snapshot of `(state, priority, count)` rows.
    pub fn set_queue_depth(&self, counts: &[(String, i64, i64)]) {
        self.jobs_queued.reset();
        for (state, priority, count) in counts {
            self.jobs_queued.with_label_values(&[state.as_str(), &priority.to_string()]).set(*count);
        }
    }

    /// Records a finished job of `kind` ("groth16", "msm", ...): its three latencies, one
    /// completion, and one proof when it is a Groth16 job.
    pub fn observe_job(&self, kind: &str, queue_wait: Duration, run: Duration, total: Duration) {
        self.job_queue_wait_seconds.with_label_values(&[kind]).observe(queue_wait.as_secs_f64());
        self.job_run_seconds.with_label_values(&[kind]).observe(run.as_secs_f64());
        self.job_total_seconds.with_label_values(&[kind]).observe(total.as_secs_f64());
        self.jobs_completed_total.with_label_values(&[kind]).inc();
        if kind == "groth16" {
            self.proofs_total.inc();
        }
    }

    /// Counts a failed job of `kind`, with a short stable `reason` (an error code, not a message).
    pub fn job_failed(&self, kind: &str, reason: &str) {
        self.job_failures_total.with_label_values(&[kind, reason]).inc();
    }

    /// Counts an answered request; `route` is the route template (`/v1/jobs/{id}`), never the raw path.
    pub fn http_request(&self, route: &str, status: u16) {
        self.http_requests_total.with_label_values(&[route, &status.to_string()]).inc();
    }

    /// Replaces the device gauges with the scheduler's current stats.
    pub fn set_device_stats(&self, stats: &[DeviceStats]) {
        self.device_busy_seconds.reset();
        self.device_failures.reset();
        self.device_healthy.reset();
        for device in stats {
            let id = device.id.as_str();
            self.device_busy_seconds.with_label_values(&[id, device.kind.as_str()]).set(device.busy_seconds);
            for (kind, count) in &device.failures {
                self.device_failures
                    .with_label_values(&[id, kind.as_str()])
                    .set(i64::try_from(*count).unwrap_or(i64::MAX));
            }
            self.device_healthy.with_label_values(&[id]).set(i64::from(device.health.state == "healthy"));
        }
    }

    /// Sets the prover cache's current size.
    pub fn set_prover_cache(&self, entries: u64, bytes: u64) {
        self.prover_cache_entries.set(i64::try_from(entries).unwrap_or(i64::MAX));
        self.prover_cache_bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    /// Every series in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out).expect("encoding into memory cannot fail");
        String::from_utf8(out).expect("the text encoder writes UTF-8")
    }

    /// The `Content-Type` of [`Self::render`]'s output.
    pub const CONTENT_TYPE: &'static str = "text/plain; version=0.0.4; charset=utf-8";
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::scheduler::HealthReport;

    /// One parsed sample line: the series name, its labels, its value.
    type Sample = (String, BTreeMap<String, String>, f64);

    /// Parses the text exposition format's sample lines (labels without escaped quotes suffice here).
    fn parse(text: &str) -> Vec<Sample> {
        let mut samples = Vec::new();
        for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("value in {line:?}")),
            };
            let (name, labels) = match series.split_once('{') {
                None => (series.to_string(), BTreeMap::new()),
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').expect("labels end with }");
                    let labels = body
                        .split("\",")
                        .filter(|pair| !pair.is_empty())
                        .map(|pair| {
                            let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
                            (k.to_string(), v.trim_end_matches('"').to_string())
                        })
                        .collect();
                    (name.to_string(), labels)
                }
            };
            samples.push((name, labels, value));
        }
        samples
    }

    fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && l.len() == labels.len()
                    && labels.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, v)| *v)
    }

    fn device(id: &str, kind: &str, state: &'static str, busy: f64, failures: &[(&str, u64)]) -> DeviceStats {
        DeviceStats {
            id: id.into(),
            kind: kind.into(),
            name: format!("{id} device"),
            role: "worker",
            health: HealthReport { state, last_fault: None, retry_in_ms: None },
            busy_seconds: busy,
            bytes_moved: 0,
            ops: 0,
            elements: 0,
            shares: 0,
            readmissions: 0,
            failures: failures.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            calibrated: false,
        }
    }

    /// A registry with one sample of every series.
    fn populated() -> DaemonMetrics {
        let m = DaemonMetrics::new();
        m.set_queue_depth(&[("queued".into(), 0, 3), ("running".into(), 10, 1)]);
        m.observe_job("groth16", Duration::from_millis(5), Duration::from_millis(900), Duration::from_millis(905));
        m.observe_job("msm", Duration::from_millis(1), Duration::from_millis(20), Duration::from_millis(21));
        m.job_failed("groth16", "bad_witness");
        m.http_request("/v1/jobs/{id}", 200);
        m.http_request("/v1/jobs/{id}", 200);
        m.http_request("/v1/jobs", 401);
        m.set_device_stats(&[
            device("cpu", "cpu", "healthy", 1.5, &[]),
            device("cuda:0", "cuda", "unhealthy", 0.25, &[("timeout", 2)]),
        ]);
        m.set_prover_cache(2, 1 << 20);
        m
    }

    #[test]
    fn renders_every_series_with_its_labels() {
        let m = populated();
        let text = m.render();
        let s = parse(&text);
        assert_eq!(value(&s, "zkaccel_jobs_queued", &[("state", "queued"), ("priority", "0")]), Some(3.0));
        assert_eq!(value(&s, "zkaccel_jobs_queued", &[("state", "running"), ("priority", "10")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_job_run_seconds_count", &[("kind", "groth16")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_job_run_seconds_sum", &[("kind", "groth16")]), Some(0.9));
        assert_eq!(value(&s, "zkaccel_job_queue_wait_seconds_count", &[("kind", "msm")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_job_total_seconds_bucket", &[("kind", "msm"), ("le", "0.032")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_job_total_seconds_bucket", &[("kind", "msm"), ("le", "0.016")]), Some(0.0));
        assert_eq!(value(&s, "zkaccel_job_total_seconds_bucket", &[("kind", "msm"), ("le", "+Inf")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_jobs_completed_total", &[("kind", "groth16")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_jobs_completed_total", &[("kind", "msm")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_proofs_total", &[]), Some(1.0), "only groth16 jobs are proofs");
        assert_eq!(
            value(&s, "zkaccel_job_failures_total", &[("kind", "groth16"), ("reason", "bad_witness")]),
            Some(1.0)
        );
        assert_eq!(
            value(&s, "zkaccel_http_requests_total", &[("route", "/v1/jobs/{id}"), ("status", "200")]),
            Some(2.0)
        );
        assert_eq!(value(&s, "zkaccel_http_requests_total", &[("route", "/v1/jobs"), ("status", "401")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_device_busy_seconds", &[("device", "cpu"), ("kind", "cpu")]), Some(1.5));
        assert_eq!(value(&s, "zkaccel_device_busy_seconds", &[("device", "cuda:0"), ("kind", "cuda")]), Some(0.25));
        assert_eq!(value(&s, "zkaccel_device_failures", &[("device", "cuda:0"), ("kind", "timeout")]), Some(2.0));
        assert_eq!(value(&s, "zkaccel_device_healthy", &[("device", "cpu")]), Some(1.0));
        assert_eq!(value(&s, "zkaccel_device_healthy", &[("device", "cuda:0")]), Some(0.0));
        assert_eq!(value(&s, "zkaccel_prover_cache_bytes", &[]), Some(1048576.0));
        assert_eq!(value(&s, "zkaccel_prover_cache_entries", &[]), Some(2.0));
        assert!(text.contains("# TYPE zkaccel_job_run_seconds histogram"));
        assert!(text.contains("# TYPE zkaccel_proofs_total counter"));
        assert!(s.iter().all(|(name, _, _)| name.starts_with("zkaccel_")));
    }

    #[test]
    fn histogram_buckets_span_a_millisecond_to_minutes() {
        let b = latency_buckets();
        assert_eq!(b[0], 0.001);
        assert!((500.0..=1200.0).contains(b.last().unwrap()), "{b:?}");
    }

    #[test]
    fn snapshots_replace_vanished_label_sets() {
        let m = populated();
        m.set_queue_depth(&[("queued".into(), -5, 7)]);
        m.set_device_stats(&[device("cpu", "cpu", "healthy", 2.0, &[])]);
        let s = parse(&m.render());
        assert_eq!(value(&s, "zkaccel_jobs_queued", &[("state", "queued"), ("priority", "-5")]), Some(7.0));
        assert_eq!(value(&s, "zkaccel_jobs_queued", &[("state", "queued"), ("priority", "0")]), None);
        assert_eq!(value(&s, "zkaccel_jobs_queued", &[("state", "running"), ("priority", "10")]), None);
        assert_eq!(value(&s, "zkaccel_device_healthy", &[("device", "cuda:0")]), None);
        assert_eq!(value(&s, "zkaccel_device_failures", &[("device", "cuda:0"), ("kind", "timeout")]), None);
        assert_eq!(value(&s, "zkaccel_device_busy_seconds", &[("device", "cpu"), ("kind", "cpu")]), Some(2.0));
    }

    /// Every `zkaccel_*` name in the dashboard's PromQL must be a series the registry renders.
    #[test]
    fn grafana_dashboard_uses_only_rendered_series() {
        let dashboard: serde_json::Value =
            serde_json::from_str(include_str!("../../../docs/grafana/zkaccel-daemon.json")).expect("dashboard JSON");
        let mut exprs = Vec::new();
        collect_exprs(&dashboard, &mut exprs);
        assert!(exprs.len() >= 8, "the dashboard has its queries: {exprs:?}");
        let rendered: BTreeSet<String> = parse(&populated().render()).into_iter().map(|(name, _, _)| name).collect();
        let mut used = BTreeSet::new();
        for expr in &exprs {
            let mut rest = expr.as_str();
            while let Some(at) = rest.find("zkaccel_") {
                let tail = &rest[at..];
                let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
                used.insert(tail[..end].to_string());
                rest = &tail[end..];
            }
        }
        assert!(used.len() >= 8, "{used:?}");
        for name in &used {
            assert!(rendered.contains(name), "the dashboard queries {name}, which /metrics never renders");
        }
        // And every family the daemon exports is charted somewhere.
        for family in populated().registry().gather() {
            let family = family.name();
            assert!(used.iter().any(|u| u.starts_with(family)), "{family} is not on the dashboard");
        }
    }

    fn collect_exprs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("expr", serde_json::Value::String(expr)) => out.push(expr.clone()),
                        _ => collect_exprs(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_exprs(v, out)),
            _ => {}
        }
    }
}
