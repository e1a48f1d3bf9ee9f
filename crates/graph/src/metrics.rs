//! Prometheus metrics, one registry per running app (so parallel test servers do not mix).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;

#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// SQL statements sent to the database, counted by sea-orm's metric callback.
    pub db_statements: Counter,
    /// GraphQL operations executed over HTTP.
    pub graphql_requests: Counter,
    /// Open websocket connections (GraphQL subscriptions).
    pub websocket_connections: Gauge,
    /// Subscription events sent to clients (`next` messages).
    pub subscription_events: Counter,
    /// Websocket clients dropped because they did not read their socket.
    pub slow_clients_dropped: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let db_statements = Counter::default();
        let graphql_requests = Counter::default();
        let websocket_connections = Gauge::default();
        let subscription_events = Counter::default();
        let slow_clients_dropped = Counter::default();
        let mut registry = Registry::with_prefix("studiogate");
        registry.register(
            "db_statements",
            "SQL statements sent to the database",
            db_statements.clone(),
        );
        registry.register(
            "graphql_requests",
            "GraphQL operations executed",
            graphql_requests.clone(),
        );
        registry.register(
            "websocket_connections",
            "Open websocket connections",
            websocket_connections.clone(),
        );
        registry.register(
            "subscription_events_delivered",
            "Subscription events sent to clients",
            subscription_events.clone(),
        );
        registry.register(
            "websocket_slow_clients_dropped",
            "Websocket clients dropped for not reading their socket",
            slow_clients_dropped.clone(),
        );
        Self {
            registry: Arc::new(registry),
            db_statements,
            graphql_requests,
            websocket_connections,
            subscription_events,
            slow_clients_dropped,
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
}
