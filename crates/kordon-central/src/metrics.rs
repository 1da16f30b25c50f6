//! The server's metrics, in the Prometheus text format: what it accepted
//! and refused and why, how long ingest takes, who is connected, what
//! arrived, how far the projection lags, and what the console was asked.
//!
//! One [`Metrics`] per process, shared by the QUIC side, the console and
//! the metrics listener (`kordon-server run --metrics ADDR`); each
//! [`Central`](crate::Central) opened without one keeps its own, unseen.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The counters, gauges and histograms of one server process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    records_accepted: IntCounter,
    records_refused: IntCounterVec,
    ingest_seconds: Histogram,
    connections_refused: IntCounterVec,
    vehicles_connected: IntGauge,
    blob_bytes_received: IntCounter,
    projection_lag_records: IntGauge,
    projection_lag_seconds: IntGauge,
    http_requests: IntCounterVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
    registry
        .register(Box::new(c.clone()))
        .unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
    c
}

fn counters(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels)
        .unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
    registry
        .register(Box::new(c.clone()))
        .unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
    c
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
    registry
        .register(Box::new(g.clone()))
        .unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
    g
}

impl Metrics {
    /// Every metric, at zero. The names and labels are fixed here (the
    /// `unreachable!`s are for names this code spells wrongly, which a
    /// unit test would catch), never taken from input.
    pub fn new() -> Self {
        let registry = Registry::new();
        let ingest = Histogram::with_opts(
            HistogramOpts::new(
                "kordon_ingest_seconds",
                "Time to verify and store one uploaded batch of records",
            )
            .buckets(prometheus::exponential_buckets(0.0005, 2.0, 16).unwrap_or_default()),
        )
        .unwrap_or_else(|e| unreachable!("metric kordon_ingest_seconds: {e}"));
        registry
            .register(Box::new(ingest.clone()))
            .unwrap_or_else(|e| unreachable!("metric kordon_ingest_seconds: {e}"));
        Metrics {
            records_accepted: counter(
                &registry,
                "kordon_records_accepted_total",
                "Signed records accepted (stored now or before)",
            ),
            records_refused: counters(
                &registry,
                "kordon_records_refused_total",
                "Signed records refused, by reason",
                &["reason"],
            ),
            ingest_seconds: ingest,
            connections_refused: counters(
                &registry,
                "kordon_connections_refused_total",
                "Vehicle connections refused, by reason (not_enrolled, revoked, bad_token, ...)",
                &["reason"],
            ),
            vehicles_connected: gauge(
                &registry,
                "kordon_vehicles_connected",
                "Vehicles connected now (QUIC connections with a device certificate)",
            ),
            blob_bytes_received: counter(
                &registry,
                "kordon_blob_bytes_received_total",
                "Bytes of scan files received (pieces, before their check)",
            ),
            projection_lag_records: gauge(
                &registry,
                "kordon_projection_lag_records",
                "Records stored but not yet projected into inspections and the queue",
            ),
            projection_lag_seconds: gauge(
                &registry,
                "kordon_projection_lag_seconds",
                "Age of the oldest record not yet projected (0 when none waits)",
            ),
            http_requests: counters(
                &registry,
                "kordon_http_requests_total",
                "Console and API requests, by route and status",
                &["route", "status"],
            ),
            registry,
        }
    }

    /// One uploaded batch: how many records were accepted, the refusals'
    /// reason codes, and how long it took.
    pub fn ingested<'a>(
        &self,
        accepted: u64,
        refused: impl IntoIterator<Item = &'a str>,
        seconds: f64,
    ) {
        self.records_accepted.inc_by(accepted);
        for reason in refused {
            self.records_refused.with_label_values(&[reason]).inc();
        }
        self.ingest_seconds.observe(seconds);
    }

    /// A vehicle's connection refused (`reason`: the refusal's code).
    pub fn connection_refused(&self, reason: &str) {
        self.connections_refused.with_label_values(&[reason]).inc();
    }

    /// A vehicle connected; the gauge goes down when the guard is dropped.
    pub fn vehicle_connected(&self) -> ConnectedGuard {
        self.vehicles_connected.inc();
        ConnectedGuard(self.vehicles_connected.clone())
    }

    pub fn blob_bytes(&self, n: u64) {
        self.blob_bytes_received.inc_by(n);
    }

    /// The projection's lag, as the store last saw it.
    pub fn set_projection_lag(&self, records: u64, oldest_age_ms: i64) {
        self.projection_lag_records
            .set(i64::try_from(records).unwrap_or(i64::MAX));
        self.projection_lag_seconds.set(oldest_age_ms.max(0) / 1000);
    }

    /// One HTTP request, by its route's template (never the raw path: the
    /// label set stays small) and status.
    pub fn http_request(&self, route: &str, status: u16) {
        self.http_requests
            .with_label_values(&[route, &status.to_string()])
            .inc();
    }

    /// Everything, in the Prometheus text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "metrics could not be encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Holds a vehicle's place in `kordon_vehicles_connected`.
#[derive(Debug)]
pub struct ConnectedGuard(IntGauge);

impl Drop for ConnectedGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_move_and_render_as_prometheus_text() {
        let m = Metrics::new();
        m.ingested(3, ["bad_signature", "bad_signature", "malformed"], 0.002);
        m.connection_refused("revoked");
        let guard = m.vehicle_connected();
        m.blob_bytes(4096);
        m.http_request("/api/fleet", 200);
        let text = m.render();
        for line in [
            "kordon_records_accepted_total 3",
            "kordon_records_refused_total{reason=\"bad_signature\"} 2",
            "kordon_records_refused_total{reason=\"malformed\"} 1",
            "kordon_connections_refused_total{reason=\"revoked\"} 1",
            "kordon_vehicles_connected 1",
            "kordon_blob_bytes_received_total 4096",
            "kordon_ingest_seconds_count 1",
            "kordon_http_requests_total{route=\"/api/fleet\",status=\"200\"} 1",
            "# TYPE kordon_ingest_seconds histogram",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        drop(guard);
        assert!(m.render().contains("kordon_vehicles_connected 0"));
    }
}
