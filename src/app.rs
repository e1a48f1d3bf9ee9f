//! The HTTP surface: POST /graphql, GraphiQL and subscriptions (websocket) on GET /graphql,
//! health, readiness, metrics.

use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, ErrorExtensions};
use async_graphql_axum::GraphQLResponse;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use studiogate_entities_identity::accounts;
use studiogate_graph::{AuthError, ErrorCode, EventBus, GraphError, Metrics, Viewer};
use studiogate_identity::{AccountHooks, Authenticator, ClientInfo, IdentityConfig, IdentityCtx};
use studiogate_studios::{FileStore, ProfileHooks, Services};

use crate::config::{Config, Limits, Toggle};
use crate::idempotency::{self, Claim};
use crate::observability;
use crate::persisted::{self, Documents};
use crate::ratelimit::Limiter;
use crate::schema::{self, AppSchema};
use crate::shutdown::{self, Shutdown};
use crate::{db, intake, seed};

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
    limits: Limits,
    csrf_prevention: bool,
    documents: Documents,
    limiter: Arc<Limiter>,
    /// Turns true when shutdown begins: readiness turns false, websockets close with 1001.
    pub shutdown: Shutdown,
}

/// The app. `side_db` is a small pool of its own for the rate limiter's membership lookups.
pub fn router(
    config: &Config,
    db: DatabaseConnection,
    side_db: DatabaseConnection,
    metrics: Metrics,
    events: EventBus,
    shutdown: Shutdown,
) -> anyhow::Result<Router> {
    let hooks: Arc<dyn AccountHooks> = Arc::new(ProfileHooks);
    let files = Arc::new(config.file_store()?);
    let documents = match &config.limits.trusted_documents {
        Some(path) => Documents::trusted(path)?,
        None => Documents::automatic(config.limits.apq_cache_size as usize),
    };
    let services = Services {
        db: db.clone(),
        files: files.clone(),
        events,
        lease: Duration::from_secs(config.runner_lease_secs.max(1)),
    };
    let state = Arc::new(AppState {
        schema: schema::build(&config.limits, config.production),
        limits: config.limits.clone(),
        csrf_prevention: config.http.csrf_prevention == Toggle::On,
        documents,
        limiter: Limiter::new(&config.rate_limits, side_db),
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
        metrics: metrics.clone(),
        services,
        ws_send_timeout: Duration::from_secs(config.ws_send_timeout_secs.max(1)),
        shutdown,
    });
    let graphql = get(graphql_get)
        .post(graphql_post)
        // Bodies are inflated before the size limit counts them.
        .layer(tower_http::decompression::RequestDecompressionLayer::new());
    let timeout = Duration::from_secs(config.request_timeout_secs);
    let mut routes = Router::new()
        .route("/graphql", graphql)
        .route("/files/{id}", get(download))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(state)
        .layer(from_fn_with_state(timeout, observability::timeout))
        .layer(from_fn_with_state(metrics, observability::scope));
    if !config.http.cors_origins.is_empty() {
        routes = routes.layer(cors(&config.http.cors_origins)?);
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
        .max_age(std::time::Duration::from_secs(3600)))
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    if config.jwt_secret.is_none() {
        tracing::warn!("STUDIOGATE_JWT_SECRET is not set; using the development secret");
    }
    let metrics = Metrics::default();
    let pool = db::PoolSettings::from_config(&config);
    let db = db::connect(&config.database_url, &pool, Some(&metrics)).await?;
    let demo = demo_account(&config, &db).await?;
    let keys = config.jwt_keys();
    // Everything that can refuse to start does so before the address is announced.
    let side_db = db::connect_side(&config.database_url).await?;
    let (trigger, stopping) = shutdown::channel();
    let events = if config.database_url.starts_with("postgres") {
        EventBus::postgres(&config.database_url, db.clone()).await?
    } else {
        EventBus::local()
    };
    tokio::spawn(crate::leases::sweep(
        db::connect_side(&config.database_url).await?,
        events.clone(),
        Duration::from_secs(config.lease_sweep_secs.max(1)),
    ));
    let app = router(
        &config,
        db.clone(),
        side_db,
        metrics.clone(),
        events,
        stopping.clone(),
    )?;
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let addr = listener.local_addr()?;
    println!("studiogate listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphql");
    if let Some(account) = demo {
        let token = keys.sign(account, 30 * 24 * 3600, None);
        println!("Demo token (admin of Company 000), paste into GraphiQL's headers pane:");
        println!("{{\"Authorization\": \"Bearer {token}\"}}");
    }
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(trigger.on_signal());
    let deadline = Duration::from_secs(config.shutdown_timeout_secs);
    shutdown::run_with_deadline(server, stopping, deadline).await?;
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

/// Seeds the demo into an empty SQLite database; returns the demo admin when the demo is there.
async fn demo_account(
    config: &Config,
    db: &DatabaseConnection,
) -> anyhow::Result<Option<uuid::Uuid>> {
    if !config.demo_enabled() || !config.database_url.starts_with("sqlite") {
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

async fn graphql_post(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if state.csrf_prevention && !intake::preflighted(&headers) {
        return intake::csrf_refusal();
    }
    let batch = match intake::read_post(&state.limits, &headers, body).await {
        Ok(batch) => batch,
        Err(refusal) => return refusal,
    };
    let requests = match batch {
        BatchRequest::Single(request) => return run(&state, peer, &headers, request, false).await,
        BatchRequest::Batch(requests) => requests,
    };
    let max = state.limits.max_batch as usize;
    if requests.len() > max || requests.is_empty() {
        let message = if max == 0 {
            "Batched requests are turned off: send one operation per request".to_owned()
        } else {
            format!("A batch holds 1 to {max} operations")
        };
        return intake::refuse(StatusCode::BAD_REQUEST, "BATCH_NOT_ALLOWED", &message);
    }
    if headers.contains_key(idempotency::HEADER) {
        return intake::refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput.as_str(),
            "Idempotency-Key applies to one operation, not to a batch",
        );
    }
    let viewer = match authenticate(&state, &headers).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let mut responses = Vec::with_capacity(requests.len());
    for mut request in requests {
        if let Err(refusal) = admit(&state, peer, &viewer, &mut request).await {
            return refusal;
        }
        responses.push(execute(&state, peer, &headers, &viewer, request).await);
    }
    encode(StatusCode::OK, accepts_graphql_json(&headers), &responses)
}

/// GET /graphql: a websocket upgrade starts a subscription connection; an operation in the
/// query string runs (queries only); anything else gets GraphiQL.
async fn graphql_get(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
) -> Response {
    let upgrade = request
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
    if upgrade {
        return crate::ws::upgrade(state, request).await;
    }
    let (parts, _) = request.into_parts();
    match intake::read_get(parts.uri.query()) {
        Ok(Some(operation)) => run(&state, peer, &parts.headers, operation, true).await,
        Ok(None) => graphiql().await.into_response(),
        Err(refusal) => *refusal,
    }
}

/// One operation: authenticate, admit, run.
async fn run(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    mut request: async_graphql::Request,
    get: bool,
) -> Response {
    let viewer = match authenticate(state, headers).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    if let Err(refusal) = admit(state, peer, &viewer, &mut request).await {
        return refusal;
    }
    if get {
        // A GET that is not a query: refused as a possible forgery first, then as a GET.
        if let Err(refusal) = intake::ensure_query(&request) {
            if state.csrf_prevention && !intake::preflighted(headers) {
                return intake::csrf_refusal();
            }
            return *refusal;
        }
    }
    let idempotent = match idempotency_claim(state, headers, &viewer, &request).await {
        Ok(claimed) => claimed,
        Err(answer) => return answer,
    };
    let response = execute(state, peer, headers, &viewer, request).await;
    if let Some((account, key)) = idempotent {
        if let Err(err) = idempotency::finish(&state.db, account, &key, &response).await {
            tracing::error!(?err, "recording an idempotent response");
        }
    }
    respond(headers, response)
}

/// The GraphQL-over-HTTP response: `application/graphql-response+json` when the client accepts
/// it, and then a request error (the operation never ran: no `data`) is a 400; otherwise
/// `application/json` with 200, as older clients expect.
fn respond(headers: &HeaderMap, response: async_graphql::Response) -> Response {
    let modern = accepts_graphql_json(headers);
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut answer = if modern && request_error {
        encode(
            StatusCode::BAD_REQUEST,
            modern,
            &json!({ "errors": response.errors }),
        )
    } else {
        encode(StatusCode::OK, modern, &response)
    };
    answer.headers_mut().extend(response.http_headers);
    answer
}

fn accepts_graphql_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/graphql-response+json"))
}

/// Serialises straight to bytes (the fields keep the order of the query) with the negotiated
/// content type.
fn encode(status: StatusCode, modern: bool, body: &impl serde::Serialize) -> Response {
    let Ok(body) = serde_json::to_vec(body) else {
        return internal_error();
    };
    let content_type = if modern {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Viewer, Response> {
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    match state.authenticator.viewer(header).await {
        Ok(viewer) => Ok(viewer),
        Err(AuthError::Internal) => Err(internal_error()),
        Err(err) => Err(unauthenticated(&err.to_string())),
    }
}

/// The rate limits, then the operation's document: a persisted one by hash, or a trusted one.
async fn admit(
    state: &AppState,
    peer: SocketAddr,
    viewer: &Viewer,
    request: &mut async_graphql::Request,
) -> Result<(), Response> {
    if let Err(limited) = state.limiter.check(viewer, peer.ip()).await {
        let secs = limited.retry_after.as_secs_f64().ceil().max(1.0) as u64;
        let mut response = intake::refuse(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited.as_str(),
            &format!(
                "Too many requests for this {}; retry in {secs} s",
                limited.scope
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Err(response);
    }
    state.documents.resolve(request).map_err(|refusal| {
        let status = if refusal.code == persisted::NOT_FOUND {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        intake::refuse(status, refusal.code, &refusal.message)
    })?;
    if request.query.trim().is_empty() {
        return Err(intake::refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "A GraphQL request needs a non-empty `query` or an `extensions.persistedQuery` hash",
        ));
    }
    Ok(())
}

/// Runs an admitted operation with the viewer's request data.
async fn execute(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    viewer: &Viewer,
    request: async_graphql::Request,
) -> async_graphql::Response {
    state.metrics.graphql_requests.inc();
    let client = ClientInfo {
        ip: Some(peer.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let request = request.data(viewer.clone());
    let request = observability::with_request_id(request, headers);
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
    let request = studiogate_studios::request_data(request, &state.services, viewer);
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
    response
}

/// `Ok(Some(..))`: run the request and record its outcome under the key; `Ok(None)`: no key
/// (or not a mutation); `Err(answer)`: answer without running it (a replay or a refusal).
async fn idempotency_claim(
    state: &AppState,
    headers: &HeaderMap,
    viewer: &Viewer,
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
    observability::count_error(err.code.as_str());
    let error = err.extend();
    let mut server = async_graphql::ServerError::new(error.message, None);
    server.extensions = error.extensions;
    GraphQLResponse::from(async_graphql::Response::from_errors(vec![server])).into_response()
}

fn internal_error() -> Response {
    observability::internal_error()
}

/// A bad credential fails the whole request, as a GraphQL error with HTTP 401.
fn unauthenticated(message: &str) -> Response {
    let mut response = intake::refuse(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated.as_str(),
        message,
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
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

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql")
            .finish(),
    )
}

/// How long readiness waits for the database: an unreachable server otherwise holds the probe
/// for the whole pool acquire timeout.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 while the database answers; 503 while it does not, or once shutdown has begun (so a
/// load balancer stops sending new work). Each probe takes a pooled connection, and the pool
/// tests it before handing it out, so a restarted database is found again without a restart.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if *state.shutdown.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
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

async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    db::sample_pool(&state.db, &state.metrics);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
