//! Prometheus metrics, one registry per running app (so parallel test servers do not mix).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// `{operation, outcome}`: the operation name (bounded, see [`operation_label`]) and
/// `ok` / `error` / `timeout`.
pub type OperationLabels = [(&'static str, String); 2];
type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// SQL statements sent to the database, counted by sea-orm's metric callback.
    pub db_statements: Counter,
    /// GraphQL operations executed over HTTP.
    pub graphql_requests: Counter,
    /// Seconds from the start of execution to the response, by operation and outcome.
    pub request_duration: HistogramFamily<OperationLabels>,
    /// Errors returned to clients, by `extensions.code`.
    pub errors: Family<[(&'static str, String); 1], Counter>,
    /// SQL statements one GraphQL request sent.
    pub statements_per_request: Histogram,
    /// Keys per dataloader batch, by loader.
    pub batch_size: HistogramFamily<[(&'static str, String); 1]>,
    /// Connections the pool holds (sampled at scrape time).
    pub pool_connections: Gauge,
    /// Idle connections in the pool (sampled at scrape time).
    pub pool_idle: Gauge,
    /// The configured maximum of pool connections.
    pub pool_max: Gauge,
    /// Open websocket connections (GraphQL subscriptions).
    pub websocket_connections: Gauge,
    /// Subscription events sent to clients (`next` messages).
    pub subscription_events: Counter,
    /// Websocket clients dropped because they did not read their socket.
    pub slow_clients_dropped: Counter,
    /// The operation names labelled so far; past [`MAX_OPERATION_LABELS`] new names are
    /// counted as `other`, so clients cannot grow `/metrics` without bound.
    operations: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// Distinct `operation` labels at most (the first names seen keep theirs).
pub const MAX_OPERATION_LABELS: usize = 200;

fn latency_histogram() -> Histogram {
    // 1 ms .. about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn batch_histogram() -> Histogram {
    // 1 .. 4,096 keys.
    Histogram::new(exponential_buckets(1.0, 2.0, 13))
}

impl Default for Metrics {
    fn default() -> Self {
        let metrics = Self {
            registry: Arc::new(Registry::default()),
            db_statements: Counter::default(),
            graphql_requests: Counter::default(),
            request_duration: Family::new_with_constructor(latency_histogram),
            errors: Family::default(),
            statements_per_request: Histogram::new([
                0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 50.0,
            ]),
            batch_size: Family::new_with_constructor(batch_histogram),
            pool_connections: Gauge::default(),
            pool_idle: Gauge::default(),
            pool_max: Gauge::default(),
            websocket_connections: Gauge::default(),
            operations: Arc::default(),
            subscription_events: Counter::default(),
            slow_clients_dropped: Counter::default(),
        };
        let mut registry = Registry::with_prefix("studiogate");
        let m = &metrics;
        registry.register(
            "db_statements",
            "SQL statements sent to the database",
            m.db_statements.clone(),
        );
        registry.register(
            "graphql_requests",
            "GraphQL operations executed",
            m.graphql_requests.clone(),
        );
        registry.register(
            "graphql_request_duration_seconds",
            "GraphQL request latency by operation name and outcome",
            m.request_duration.clone(),
        );
        registry.register(
            "graphql_errors",
            "Errors returned to clients by extensions.code",
            m.errors.clone(),
        );
        registry.register(
            "db_statements_per_request",
            "SQL statements sent by one GraphQL request",
            m.statements_per_request.clone(),
        );
        registry.register(
            "dataloader_batch_size",
            "Keys per dataloader batch",
            m.batch_size.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Connections held by the database pool",
            m.pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle connections in the database pool",
            m.pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Configured maximum of database pool connections",
            m.pool_max.clone(),
        );
        registry.register(
            "websocket_connections",
            "Open websocket connections",
            m.websocket_connections.clone(),
        );
        registry.register(
            "subscription_events_delivered",
            "Subscription events sent to clients",
            m.subscription_events.clone(),
        );
        registry.register(
            "websocket_slow_clients_dropped",
            "Websocket clients dropped for not reading their socket",
            m.slow_clients_dropped.clone(),
        );
        Self {
            registry: Arc::new(registry),
            ..metrics
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    pub fn observe_request(&self, operation: &str, outcome: &str, seconds: f64) {
        self.request_duration
            .get_or_create(&[
                ("operation", self.bounded_label(operation)),
                ("outcome", outcome.to_owned()),
            ])
            .observe(seconds);
    }

    /// Codes are the server's own SCREAMING_SNAKE words; anything else is counted as `OTHER`.
    pub fn count_error(&self, code: &str) {
        let sane = (1..=48).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
        let code = if sane { code } else { "OTHER" };
        self.errors
            .get_or_create(&[("code", code.to_owned())])
            .inc();
    }

    /// `operation_label`, and `other` for a new name once the label set is full.
    fn bounded_label(&self, operation: &str) -> String {
        let label = operation_label(operation);
        let Ok(mut seen) = self.operations.lock() else {
            return "other".to_owned();
        };
        if seen.contains(&label) {
            return label;
        }
        if seen.len() >= MAX_OPERATION_LABELS {
            return "other".to_owned();
        }
        seen.insert(label.clone());
        label
    }

    pub fn observe_batch(&self, loader: &str, keys: usize) {
        self.batch_size
            .get_or_create(&[("loader", loader.to_owned())])
            .observe(keys as f64);
    }
}

/// Operation names come from clients: keep the label set bounded and printable.
pub fn operation_label(name: &str) -> String {
    let sane = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if sane {
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_counter_is_exposed_with_total_suffix() {
        let metrics = Metrics::default();
        metrics.db_statements.inc_by(3);
        assert!(metrics
            .render()
            .contains("studiogate_db_statements_total 3"));
    }

    #[test]
    fn operation_labels_are_bounded() {
        assert_eq!(operation_label("Flagship_1"), "Flagship_1");
        assert_eq!(operation_label("drop table;"), "other");
        assert_eq!(operation_label(&"a".repeat(65)), "other");
    }

    /// 20,000 client-chosen names made `/metrics` 37 MB; past the first names seen, new ones
    /// share one label.
    #[test]
    fn operation_names_beyond_the_label_set_share_one_label() {
        let metrics = Metrics::default();
        for n in 0..(MAX_OPERATION_LABELS + 500) {
            metrics.observe_request(&format!("Op{n}"), "ok", 0.001);
        }
        metrics.observe_request("Op0", "ok", 0.001);
        let text = metrics.render();
        assert!(text.contains(r#"operation="Op0""#));
        assert!(!text.contains(&format!(r#"operation="Op{}""#, MAX_OPERATION_LABELS + 1)));
        assert!(text.contains(r#"operation="other""#));
        let series = text
            .matches("studiogate_graphql_request_duration_seconds_count")
            .count();
        assert!(series <= MAX_OPERATION_LABELS + 1, "{series} series");
    }

    #[test]
    fn request_histogram_is_labelled() {
        let metrics = Metrics::default();
        metrics.observe_request("Viewer", "ok", 0.01);
        metrics.count_error("NOT_FOUND");
        let text = metrics.render();
        assert!(text.contains(
            "studiogate_graphql_request_duration_seconds_count{operation=\"Viewer\",outcome=\"ok\"} 1"
        ));
        assert!(text.contains("studiogate_graphql_errors_total{code=\"NOT_FOUND\"} 1"));
    }
}
