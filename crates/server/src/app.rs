//! The HTTP surface: /graphql (operations, GraphiQL, subscriptions), the domains' own routes,
//! health, readiness and metrics; and `serve`, which starts it all.

use async_graphql::{Data, Executor};
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use studiogate_graph::{
    domain, AccountHookList, DemoAccount, Domains, EventBus, Metrics, Platform, RequestInfo,
};

use crate::admission::Admission;
use crate::persisted::Documents;
use crate::ratelimit::Limiter;
use crate::settings::{Limits, Settings, Toggle};
use crate::shutdown::{self, Shutdown};
use crate::{db, graphiql, http, idempotency, observability};

pub(crate) struct AppState<E> {
    pub schema: E,
    pub domains: Domains,
    pub platform: Platform,
    pub admission: Admission,
    pub limits: Limits,
    pub csrf_prevention: bool,
    pub ws_send_timeout: Duration,
    /// The request timeout, which websocket operations are held to as well (`deadline`).
    pub request_timeout: Duration,
    /// Turns true when shutdown begins: readiness turns false, websockets close with 1001.
    pub shutdown: Shutdown,
    /// Websocket operations running, per viewer (per IP when anonymous).
    pub ws_operations: crate::ws::Running,
}

impl<E> AppState<E> {
    /// Every domain's data for one request, one websocket operation or one event.
    pub fn request_data(&self, data: &mut Data, request: &RequestInfo<'_>) {
        data.insert(request.viewer.clone());
        for domain in self.domains.iter() {
            domain.request_data(&self.platform, request, data);
        }
    }
}

/// The shared handles every domain gets: pools, the event bus with each domain's topics, the
/// metrics and every domain's account hooks.
pub async fn platform(settings: &Settings, domains: &Domains) -> anyhow::Result<Platform> {
    let metrics = Metrics::default();
    db::migrate(&settings.database_url, domains).await?;
    let db = db::connect(&settings.database_url, &settings.pool, Some(&metrics)).await?;
    let topics = domain::topics(domains);
    let events = if settings.database_url.starts_with("postgres") {
        EventBus::postgres(&settings.database_url, db.clone(), &topics).await?
    } else {
        EventBus::local(&topics)
    };
    Ok(Platform {
        background: db::connect_side(&settings.database_url).await?,
        db,
        events,
        metrics,
        account_hooks: AccountHookList::new(
            domains.iter().filter_map(|d| d.account_hooks()).collect(),
        ),
    })
}

/// The app: /graphql, the domains' routes, health, readiness and metrics.
pub fn router<E: Executor>(
    settings: &Settings,
    schema: E,
    domains: Domains,
    platform: Platform,
    shutdown: Shutdown,
) -> anyhow::Result<Router> {
    let authenticator = domains
        .iter()
        .find_map(|d| d.authenticator(&platform))
        .ok_or_else(|| anyhow::anyhow!("no domain authenticates viewers"))?;
    let documents = match &settings.limits.trusted_documents {
        Some(path) => Documents::trusted(path)?,
        None => Documents::automatic(
            settings.limits.apq_cache_size as usize,
            settings.limits.apq_cache_bytes as usize,
        ),
    };
    let limiter = Limiter::new(
        &settings.rate_limits,
        platform.background.clone(),
        domains.clone(),
    );
    let extra = domains
        .iter()
        .fold(Router::new(), |routes, d| routes.merge(d.routes(&platform)));
    let metrics = platform.metrics.clone();
    let state = Arc::new(AppState {
        schema,
        domains,
        platform,
        admission: Admission::new(authenticator, limiter, documents),
        limits: settings.limits.clone(),
        csrf_prevention: settings.http.csrf_prevention == Toggle::On,
        ws_send_timeout: settings.ws_send_timeout,
        request_timeout: settings.request_timeout,
        shutdown,
        ws_operations: crate::ws::Running::default(),
    });
    let graphql = get(http::get::<E>)
        .post(http::post::<E>)
        // Bodies are inflated before the size limit counts them.
        .layer(tower_http::decompression::RequestDecompressionLayer::new());
    let mut routes = Router::new()
        .route("/graphql", graphql)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz::<E>))
        .route("/metrics", get(metrics_text::<E>))
        .with_state(state)
        .merge(graphiql::routes())
        .merge(extra)
        .layer(from_fn_with_state(
            settings.request_timeout,
            observability::timeout,
        ))
        .layer(from_fn_with_state(metrics, observability::scope));
    if !settings.http.cors_origins.is_empty() {
        routes = routes.layer(cors(&settings.http.cors_origins)?);
    }
    Ok(observability::layers(routes))
}

/// Browsers on the listed origins may call the API; others get no CORS headers.
fn cors(origins: &[String]) -> anyhow::Result<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins = origins
        .iter()
        .map(|o| {
            HeaderValue::from_str(o.trim().trim_end_matches('/'))
                .map_err(|_| anyhow::anyhow!("STUDIOGATE_CORS_ORIGINS: {o:?} is not an origin"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("apollo-require-preflight"),
            header::HeaderName::from_static("x-apollo-operation-name"),
            header::HeaderName::from_static(idempotency::HEADER),
        ])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(3600)))
}

/// Migrates, starts the domains' jobs and serves until SIGTERM or Ctrl-C.
pub async fn serve<E: Executor>(
    settings: Settings,
    schema: E,
    domains: Domains,
) -> anyhow::Result<()> {
    let platform = platform(&settings, &domains).await?;
    let demo = demo(&settings, &domains, &platform).await?;
    let (trigger, stopping) = shutdown::channel();
    for domain in domains.iter() {
        for job in domain.jobs(&platform) {
            tokio::spawn(job);
        }
    }
    let db = platform.db.clone();
    let metrics = platform.metrics.clone();
    // Everything that can refuse to start does so before the address is announced.
    let app = router(&settings, schema, domains, platform, stopping.clone())?;
    let listener = tokio::net::TcpListener::bind(&settings.listen).await?;
    let addr = listener.local_addr()?;
    println!("studiogate listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphql");
    if let (Some(account), Some(keys)) = (demo, &settings.demo) {
        let token = keys.sign(account.id, 30 * 24 * 3600, None);
        println!(
            "Demo token ({}), paste into GraphiQL's headers pane:",
            account.description
        );
        println!("{{\"Authorization\": \"Bearer {token}\"}}");
    }
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(trigger.on_signal());
    shutdown::run_with_deadline(server, stopping, settings.shutdown_timeout).await?;
    // Upgraded connections outlive the HTTP server: give them a moment to send their close
    // frames.
    let ws_deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while metrics.websocket_connections.get() > 0 && tokio::time::Instant::now() < ws_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    db.close().await?;
    tracing::info!("stopped");
    Ok(())
}

/// Each domain's demo, loaded into an empty SQLite database; the first demo account found.
async fn demo(
    settings: &Settings,
    domains: &Domains,
    platform: &Platform,
) -> anyhow::Result<Option<DemoAccount>> {
    if settings.demo.is_none() || !settings.database_url.starts_with("sqlite") {
        return Ok(None);
    }
    let mut account = None;
    for domain in domains.iter() {
        let demo = domain
            .demo(&platform.db)
            .await
            .map_err(|err| anyhow::anyhow!("loading the {} demo: {err}", domain.name()))?;
        account = account.or(demo);
    }
    if let Some(account) = &account {
        for domain in domains.iter() {
            domain
                .demo_account(&platform.db, account)
                .await
                .map_err(|err| anyhow::anyhow!("opening the {} demo: {err}", domain.name()))?;
        }
    }
    Ok(account)
}

/// How long readiness waits for the database: an unreachable server otherwise holds the probe
/// for the whole pool acquire timeout.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 while the database answers; 503 while it does not, or once shutdown has begun (so a
/// load balancer stops sending new work). Each probe takes a pooled connection, and the pool
/// tests it before handing it out, so a restarted database is found again without a restart.
async fn readyz<E>(State(state): State<Arc<AppState<E>>>) -> Response {
    if *state.shutdown.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match tokio::time::timeout(READY_TIMEOUT, state.platform.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
        Err(_) => {
            tracing::warn!("database did not answer within {READY_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics_text<E>(State(state): State<Arc<AppState<E>>>) -> Response {
    db::sample_pool(&state.platform.db, &state.platform.metrics);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.platform.metrics.render(),
    )
        .into_response()
}
