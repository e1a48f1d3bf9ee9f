//! The HTTP surface: POST /graphql, GraphiQL and subscriptions (websocket) on GET /graphql,
//! health, readiness, metrics.

use async_graphql::ErrorExtensions;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use studiogate_entities_identity::accounts;
use studiogate_graph::{AuthError, ErrorCode, EventBus, GraphError, Metrics};
use studiogate_identity::{AccountHooks, Authenticator, ClientInfo, IdentityConfig, IdentityCtx};
use studiogate_studios::{FileStore, ProfileHooks, Services};
use tokio::sync::watch;

use crate::config::{Config, Toggle};
use crate::idempotency::{self, Claim};
use crate::schema::{self, AppSchema};
use crate::{db, seed};

pub(crate) struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub authenticator: Authenticator,
    pub identity: Arc<IdentityConfig>,
    pub hooks: Arc<dyn AccountHooks>,
    pub files: Arc<FileStore>,
    pub metrics: Metrics,
    pub services: Services,
    pub ws_send_timeout: Duration,
    /// Turns true when the server starts shutting down; websockets close with 1001.
    pub shutdown: watch::Receiver<bool>,
}

pub fn router(
    config: &Config,
    db: DatabaseConnection,
    metrics: Metrics,
    events: EventBus,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Router> {
    let hooks: Arc<dyn AccountHooks> = Arc::new(ProfileHooks);
    let files = Arc::new(config.file_store()?);
    let services = Services {
        db: db.clone(),
        files: files.clone(),
        events,
        lease: Duration::from_secs(config.runner_lease_secs.max(1)),
    };
    let state = Arc::new(AppState {
        schema: schema::build(),
        authenticator: Authenticator::new(
            config.jwt_keys(),
            config.jwks(),
            db.clone(),
            hooks.clone(),
        ),
        identity: Arc::new(config.identity()),
        hooks,
        files,
        db,
        metrics,
        services,
        ws_send_timeout: Duration::from_secs(config.ws_send_timeout_secs.max(1)),
        shutdown,
    });
    Ok(Router::new()
        .route("/graphql", get(crate::ws::graphql_get).post(graphql))
        .route("/files/{id}", get(download))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state))
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    if config.jwt_secret.is_none() {
        tracing::warn!("STUDIOGATE_JWT_SECRET is not set; using the development secret");
    }
    let metrics = Metrics::default();
    let db = db::connect(&config.database_url, Some(&metrics)).await?;
    let demo = demo_account(&config, &db).await?;
    let keys = config.jwt_keys();
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let addr = listener.local_addr()?;
    println!("studiogate listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphql");
    if let Some(account) = demo {
        let token = keys.sign(account, 30 * 24 * 3600, None);
        println!("Demo token (admin of Company 000), paste into GraphiQL's headers pane:");
        println!("{{\"Authorization\": \"Bearer {token}\"}}");
    }
    let events = if config.database_url.starts_with("postgres") {
        EventBus::postgres(&config.database_url, db.clone()).await?
    } else {
        EventBus::local()
    };
    tokio::spawn(crate::leases::sweep(
        db::background(&config.database_url).await?,
        events.clone(),
        Duration::from_secs(config.lease_sweep_secs.max(1)),
    ));
    let (stopping, shutdown) = watch::channel(false);
    let app = router(&config, db, metrics.clone(), events, shutdown)?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    })
    .await?;
    // Upgraded connections outlive the HTTP server: give them a moment to send their close
    // frames.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while metrics.websocket_connections.get() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting connections and let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Seeds the demo into an empty SQLite database; returns the demo admin when the demo is there.
async fn demo_account(
    config: &Config,
    db: &DatabaseConnection,
) -> anyhow::Result<Option<uuid::Uuid>> {
    if config.demo == Toggle::Off || !config.database_url.starts_with("sqlite") {
        return Ok(None);
    }
    if accounts::Entity::find().count(db).await? == 0 {
        seed::load(db, &seed::Shape::demo()).await?;
        tracing::info!("loaded the demo dataset");
    }
    let admin = seed::account_id(0, 0);
    Ok(accounts::Entity::find_by_id(admin)
        .one(db)
        .await?
        .map(|a| a.id))
}

async fn graphql(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let viewer = match state.authenticator.viewer(header).await {
        Ok(viewer) => viewer,
        Err(AuthError::Internal) => return internal_error(),
        Err(err) => return unauthenticated(&err.to_string()),
    };
    state.metrics.graphql_requests.inc();
    let client = ClientInfo {
        ip: Some(peer.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let request = request.into_inner();
    let idempotent = match idempotency_claim(&state, &headers, &viewer, &request).await {
        Ok(claimed) => claimed,
        Err(answer) => return answer,
    };
    let request = request.data(viewer.clone());
    let request = studiogate_identity::request_data(
        request,
        IdentityCtx {
            db: state.db.clone(),
            viewer: viewer.clone(),
            client,
            config: state.identity.clone(),
            hooks: state.hooks.clone(),
        },
    );
    let request = studiogate_studios::request_data(request, &state.services, &viewer);
    let mut response = state.schema.execute(request).await;
    // Parse and validation errors (too deep, too complex, unknown fields) come without a code.
    for error in response
        .errors
        .iter_mut()
        .filter(|e| e.extensions.is_none())
    {
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", ErrorCode::GraphqlValidationFailed.as_str());
        error.extensions = Some(ext);
    }
    if let Some((account, key)) = idempotent {
        if let Err(err) = idempotency::finish(&state.db, account, &key, &response).await {
            tracing::error!(?err, "recording an idempotent response");
        }
    }
    GraphQLResponse::from(response).into_response()
}

/// `Ok(Some(..))`: run the request and record its outcome under the key; `Ok(None)`: no key
/// (or not a mutation); `Err(answer)`: answer without running it (a replay or a refusal).
async fn idempotency_claim(
    state: &AppState,
    headers: &HeaderMap,
    viewer: &studiogate_graph::Viewer,
    request: &async_graphql::Request,
) -> Result<Option<(uuid::Uuid, String)>, Response> {
    let (Some(key), Some(account)) = (headers.get(idempotency::HEADER), viewer.account_id) else {
        return Ok(None);
    };
    if !idempotency::is_mutation(request) {
        return Ok(None);
    }
    let key = key.to_str().unwrap_or_default();
    if !idempotency::valid_key(key) {
        return Err(graph_error(GraphError::bad_input(
            "Idempotency-Key",
            "Idempotency-Key must be 1-255 visible ASCII characters",
        )));
    }
    let hash = idempotency::fingerprint(request);
    match idempotency::claim(&state.db, account, key, &hash).await {
        Ok(Claim::Run) => Ok(Some((account, key.to_owned()))),
        Ok(Claim::Replay(body)) => {
            Err(([("idempotent-replayed", "true")], Json(body)).into_response())
        }
        Ok(Claim::Refuse(err)) | Err(err) => Err(graph_error(err)),
    }
}

/// A whole-request error in the GraphQL response shape.
fn graph_error(err: GraphError) -> Response {
    let error = err.extend();
    let mut server = async_graphql::ServerError::new(error.message, None);
    server.extensions = error.extensions;
    GraphQLResponse::from(async_graphql::Response::from_errors(vec![server])).into_response()
}

fn internal_error() -> Response {
    let body = json!({
        "errors": [{
            "message": "Internal server error",
            "extensions": { "code": ErrorCode::InternalServerError.as_str() }
        }]
    });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

/// A bad credential fails the whole request, as a GraphQL error with HTTP 401.
fn unauthenticated(message: &str) -> Response {
    let body = json!({
        "errors": [{
            "message": message,
            "extensions": { "code": ErrorCode::Unauthenticated.as_str() }
        }]
    });
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(body),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct LinkParams {
    expires: i64,
    signature: String,
}

/// Serves a file's bytes behind a signed, short-lived link (see `File.downloadUrl`).
async fn download(
    State(state): State<Arc<AppState>>,
    Path(id): Path<uuid::Uuid>,
    Query(link): Query<LinkParams>,
) -> Response {
    match studiogate_studios::download(&state.db, &state.files, id, link.expires, &link.signature)
        .await
    {
        Ok(file) => {
            let name: String = file
                .filename
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            (
                [
                    (header::CONTENT_TYPE, file.mime_type),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                ],
                file.content,
            )
                .into_response()
        }
        Err(err) if err.code == ErrorCode::NotFound => {
            (StatusCode::NOT_FOUND, "File not found or link expired").into_response()
        }
        Err(_) => internal_error(),
    }
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
