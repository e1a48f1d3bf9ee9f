//! Logs, request ids, request scope and the request timeout: the layers every HTTP request
//! passes through, outermost first:
//!
//! 1. `x-request-id`: a sane client-supplied id is kept, anything else replaced by a UUID; the
//!    id is set on the request (headers and a `tower_http::request_id::RequestId` extension)
//!    and echoed on the response;
//! 2. a `request` span carrying the id (every log line of the request has it);
//! 3. a panic becomes a 500 in the GraphQL error shape instead of a dropped connection;
//! 4. the request scope (`studiogate_graph::telemetry`): per-request statement count and the
//!    metrics handle, read by the schema extension and the dataloaders;
//! 5. the request timeout: HTTP 504 with `extensions.code = TIMEOUT`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::time::{Duration, Instant};
use studiogate_graph::telemetry::{self, RequestScope};
use studiogate_graph::{ErrorCode, Metrics, RequestId};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::settings::LogFormat;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request id of a request that passed the layers (empty before them).
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Adds the request id to a GraphQL request's data, so errors of this request carry it in
/// `extensions.requestId` (the request scope has it too; this also covers WebSocket requests).
pub fn with_request_id(
    request: async_graphql::Request,
    headers: &HeaderMap,
) -> async_graphql::Request {
    request.data(RequestId(request_id(headers)))
}

type Base =
    tracing_subscriber::layer::Layered<tracing_subscriber::EnvFilter, tracing_subscriber::Registry>;
type BoxedLayer = Box<dyn tracing_subscriber::Layer<Base> + Send + Sync>;

/// Keeps the span exporter (with the `otel` feature) until the process ends; dropping it
/// flushes the spans not yet sent.
pub struct TracingGuard {
    #[cfg(feature = "otel")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for TracingGuard {
    fn drop(&mut self) {
        #[cfg(feature = "otel")]
        if let Some(provider) = self.provider.take() {
            if let Err(err) = provider.shutdown() {
                eprintln!("studiogate: flushing spans: {err}");
            }
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`); JSON lines in production mode.
/// With the `otel` feature and an OTLP endpoint, spans are exported too.
pub fn init_tracing(
    format: LogFormat,
    otlp_endpoint: Option<&str>,
) -> anyhow::Result<TracingGuard> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    #[cfg_attr(not(feature = "otel"), allow(unused_mut))]
    let mut layers: Vec<BoxedLayer> = vec![match format {
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Text => fmt.boxed(),
    }];
    #[cfg_attr(not(feature = "otel"), allow(unused_mut))]
    let mut guard = TracingGuard {
        #[cfg(feature = "otel")]
        provider: None,
    };
    #[cfg(feature = "otel")]
    if let Some(endpoint) = otlp_endpoint {
        let (layer, provider) = otel::layer(endpoint)?;
        layers.push(layer);
        guard.provider = Some(provider);
    }
    #[cfg(not(feature = "otel"))]
    if otlp_endpoint.is_some() {
        anyhow::bail!("STUDIOGATE_OTLP_ENDPOINT needs a build with the `otel` feature");
    }
    tracing_subscriber::registry()
        .with(filter)
        .with(layers)
        .init();
    Ok(guard)
}

#[cfg(feature = "otel")]
mod otel {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::{SpanExporter, WithExportConfig};
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use opentelemetry_sdk::Resource;
    use tracing_subscriber::Layer;

    /// Spans to an OTLP/HTTP collector (`http://host:4318/v1/traces`), batched off the
    /// request path.
    pub fn layer(endpoint: &str) -> anyhow::Result<(super::BoxedLayer, SdkTracerProvider)> {
        let exporter = SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .build()?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name("studiogate").build())
            .build();
        let tracer = provider.tracer("studiogate");
        let layer = tracing_opentelemetry::layer().with_tracer(tracer).boxed();
        Ok((layer, provider))
    }
}

/// Client ids are kept when they are short and plainly printable, so they can be logged as is.
fn sane(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=128).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
}

async fn drop_insane_request_id(mut request: Request, next: Next) -> Response {
    if let Some(value) = request.headers().get(REQUEST_ID_HEADER) {
        if !sane(value) {
            request.headers_mut().remove(REQUEST_ID_HEADER);
        }
    }
    next.run(request).await
}

fn request_span(request: &Request<Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id(request.headers()),
    )
}

/// The request id and tracing layers; apply to the whole router.
pub fn layers(router: axum::Router) -> axum::Router {
    let header = HeaderName::from_static(REQUEST_ID_HEADER);
    let trace = tower_http::trace::TraceLayer::new_for_http()
        .make_span_with(request_span)
        .on_response(
            tower_http::trace::DefaultOnResponse::new()
                .level(tracing::Level::INFO)
                .latency_unit(tower_http::LatencyUnit::Micros),
        );
    router
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(header.clone()))
        .layer(SetRequestIdLayer::new(header, MakeRequestUuid))
        .layer(axum::middleware::from_fn(drop_insane_request_id))
}

fn panicked(_: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!("a request handler panicked");
    internal_error()
}

/// Counts an error answered outside the schema (a refused token, a refused header).
pub fn count_error(code: &str) {
    if let Some(metrics) = telemetry::current().and_then(|s| s.metrics.clone()) {
        metrics.count_error(code);
    }
}

/// The whole-request answer for an unexpected failure: generic, with the request id.
pub fn internal_error() -> Response {
    count_error(ErrorCode::InternalServerError.as_str());
    let mut extensions = json!({ "code": ErrorCode::InternalServerError.as_str() });
    if let Some(scope) = telemetry::current() {
        extensions["requestId"] = json!(scope.request_id);
    }
    let body =
        json!({ "errors": [{ "message": "Internal server error", "extensions": extensions }] });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

/// Opens the request scope and, for GraphQL requests, records the statements the request sent.
pub async fn scope(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    // GET runs queries too (with an operation in the query string; without one it is GraphiQL).
    let graphql = request.uri().path() == "/graphql"
        && (request.method() == Method::POST
            || (request.method() == Method::GET && request.uri().query().is_some()));
    let scope = RequestScope::new(request_id(request.headers()), Some(metrics.clone()));
    let response = telemetry::scoped(scope.clone(), next.run(request)).await;
    if graphql {
        metrics
            .statements_per_request
            .observe(scope.statements() as f64);
    }
    response
}

/// What a client past the request timeout reads, over HTTP and over a websocket alike.
pub fn timeout_message(limit: Duration) -> String {
    format!("The request took longer than {} s", limit.as_secs())
}

/// Runs the rest of the request under the configured timeout.
pub async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let scope = telemetry::current();
            let id = scope.as_ref().map(|s| s.request_id.clone());
            let operation = scope.as_ref().and_then(|s| s.operation());
            tracing::warn!(?limit, operation, "request timed out");
            if let Some(metrics) = scope.as_ref().and_then(|s| s.metrics.as_ref()) {
                let operation = operation.as_deref().unwrap_or("unknown");
                metrics.observe_request(operation, "timeout", start.elapsed().as_secs_f64());
                metrics.count_error(ErrorCode::Timeout.as_str());
            }
            let body = json!({ "errors": [{
                "message": timeout_message(limit),
                "extensions": { "code": ErrorCode::Timeout.as_str(), "requestId": id }
            }] });
            (StatusCode::GATEWAY_TIMEOUT, Json(body)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_request_ids_are_kept() {
        assert!(sane(&HeaderValue::from_static("3f2a-01:trace/1")));
        assert!(!sane(&HeaderValue::from_static("")));
        assert!(!sane(&HeaderValue::from_static("a b")));
        assert!(!sane(&HeaderValue::from_static("x\"y")));
        let long = "a".repeat(129);
        assert!(!sane(&HeaderValue::from_str(&long).expect("ascii")));
    }
}
