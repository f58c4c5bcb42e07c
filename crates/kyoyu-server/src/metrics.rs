//! `/healthz` and `/metrics` (Prometheus text format): request counts by route class and
//! status class, objects delivered and refused by the gate, and a latency histogram.
//!
//! Key decision: a handful of atomic counters written out by hand in the exposition format
//! instead of a metrics framework: the set is small and fixed, and it costs nothing per request
//! beyond a few relaxed atomic adds.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency bucket bounds, seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

/// The counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; 5]; 4],
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    /// Objects that left through TAXII.
    pub objects_delivered: AtomicU64,
    /// Objects the gate kept from a reader.
    pub objects_refused: AtomicU64,
    /// Objects added through TAXII.
    pub objects_added: AtomicU64,
}

const ROUTES: [&str; 4] = ["taxii", "api", "health", "other"];

impl Metrics {
    /// Counts one finished request.
    pub fn record(&self, path: &str, status: u16, elapsed: Duration) {
        let route = if path.starts_with("/taxii2") {
            0
        } else if path.starts_with("/api") {
            1
        } else if path == "/healthz" || path == "/metrics" {
            2
        } else {
            3
        };
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.requests[route][class].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP kyoyu_http_requests_total Requests answered.");
        let _ = writeln!(out, "# TYPE kyoyu_http_requests_total counter");
        for (route, counters) in ROUTES.iter().zip(&self.requests) {
            for (class, counter) in counters.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "kyoyu_http_requests_total{{route=\"{route}\",status=\"{}xx\"}} {}",
                    class + 1,
                    counter.load(Ordering::Relaxed)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP kyoyu_http_request_duration_seconds Time to answer a request."
        );
        let _ = writeln!(out, "# TYPE kyoyu_http_request_duration_seconds histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency_buckets) {
            let _ = writeln!(
                out,
                "kyoyu_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "kyoyu_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "kyoyu_http_request_duration_seconds_sum {}",
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "kyoyu_http_request_duration_seconds_count {count}");
        for (name, help, counter) in [
            (
                "kyoyu_taxii_objects_delivered_total",
                "Objects that left through TAXII.",
                &self.objects_delivered,
            ),
            (
                "kyoyu_taxii_objects_refused_total",
                "Objects the egress gate kept from a reader.",
                &self.objects_refused,
            ),
            (
                "kyoyu_taxii_objects_added_total",
                "Objects added through TAXII.",
                &self.objects_added,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        out
    }
}

/// The job queue's gauges in the Prometheus text format.
pub(crate) fn queue(stats: &kyoyu_store::QueueStats) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP kyoyu_jobs Jobs in the store's queue, by state."
    );
    let _ = writeln!(out, "# TYPE kyoyu_jobs gauge");
    for (state, count) in [
        ("queued", stats.queued),
        ("running", stats.running),
        ("dead", stats.dead),
    ] {
        let _ = writeln!(out, "kyoyu_jobs{{state=\"{state}\"}} {count}");
    }
    let _ = writeln!(
        out,
        "# HELP kyoyu_jobs_oldest_due_seconds Age of the oldest job that is due and waiting."
    );
    let _ = writeln!(out, "# TYPE kyoyu_jobs_oldest_due_seconds gauge");
    let _ = writeln!(
        out,
        "kyoyu_jobs_oldest_due_seconds {}",
        stats.oldest_due.map_or(0.0, |age| age.as_secs_f64())
    );
    out
}
