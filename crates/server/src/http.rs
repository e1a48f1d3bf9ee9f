//! GraphQL over HTTP on /graphql: POST runs operations (single, batched, multipart uploads),
//! GET runs queries from the query string, upgrades to a websocket, or serves GraphiQL.

use async_graphql::{BatchRequest, ErrorExtensions, Executor};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use studiogate_graph::{ClientInfo, ErrorCode, GraphError, RequestInfo, Viewer};

use crate::admission::{Charged, Refusal};
use crate::app::AppState;
use crate::idempotency::{self, Claim};
use crate::{graphiql, intake, observability};

pub async fn post<E: Executor>(
    State(state): State<Arc<AppState<E>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if state.csrf_prevention && !intake::preflighted(&headers) {
        return intake::csrf_refusal();
    }
    // Who calls, and their draw on the rate limits, before a byte of the body is read: an
    // upload is spooled to disk as it arrives, up to hundreds of megabytes.
    let upload = intake::is_multipart(&headers);
    let (viewer, charged) = match caller(&state, peer, &headers, upload).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal.into_response(),
    };
    let batch = match intake::read_post(&state.limits, &headers, body).await {
        Ok(batch) => batch,
        Err(refusal) => return refusal,
    };
    let requests = match batch {
        BatchRequest::Single(request) => {
            return run(&state, peer, &headers, &viewer, charged, request, false).await
        }
        BatchRequest::Batch(requests) => requests,
    };
    let max = state.limits.max_batch as usize;
    if requests.len() > max || requests.is_empty() {
        let message = if max == 0 {
            "Batched requests are turned off: send one operation per request".to_owned()
        } else {
            format!("A batch holds 1 to {max} operations")
        };
        return intake::refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BatchNotAllowed,
            &message,
        );
    }
    if headers.contains_key(idempotency::HEADER) {
        return intake::refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "Idempotency-Key applies to one operation, not to a batch",
        );
    }
    let mut charged = Some(charged);
    let mut responses = Vec::with_capacity(requests.len());
    for mut request in requests {
        // The first operation spends the request's charge; each further one draws its own.
        let charge = match charged.take() {
            Some(charge) => charge,
            None => match state.admission.charge(&viewer, peer.ip()).await {
                Ok(charge) => charge,
                Err(refusal) => return refusal.into_response(),
            },
        };
        if let Err(refusal) = state.admission.admit_document(charge, &mut request) {
            return refusal.into_response();
        }
        responses.push(execute(&state, peer, &headers, &viewer, request).await);
    }
    encode(StatusCode::OK, accepts_graphql_json(&headers), &responses)
}

/// GET /graphql: a websocket upgrade starts a subscription connection; an operation in the
/// query string runs (queries only); anything else gets GraphiQL.
pub async fn get<E: Executor>(
    State(state): State<Arc<AppState<E>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
) -> Response {
    let upgrade = request
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
    if upgrade {
        return crate::ws::upgrade(state, peer, request).await;
    }
    let (parts, _) = request.into_parts();
    match intake::read_get(parts.uri.query()) {
        Ok(Some(operation)) => {
            let (viewer, charged) = match caller(&state, peer, &parts.headers, false).await {
                Ok(caller) => caller,
                Err(refusal) => return refusal.into_response(),
            };
            run(
                &state,
                peer,
                &parts.headers,
                &viewer,
                charged,
                operation,
                true,
            )
            .await
        }
        Ok(None) => graphiql::page(),
        Err(refusal) => *refusal,
    }
}

/// The `Authorization` header; one that is not text is passed on as unreadable, so it is
/// refused rather than taken for none.
fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"))
}

/// The caller of a request, authenticated and charged once; an upload only for a signed-in
/// one. Headers alone decide this, so it happens before the body is read.
async fn caller<E>(
    state: &AppState<E>,
    peer: SocketAddr,
    headers: &HeaderMap,
    upload: bool,
) -> Result<(Viewer, Charged), Refusal> {
    let viewer = state.admission.authenticate(authorization(headers)).await?;
    if upload {
        state.admission.admit_upload(&viewer)?;
    }
    let charged = state.admission.charge(&viewer, peer.ip()).await?;
    Ok((viewer, charged))
}

/// One charged operation: its document admitted, then run.
async fn run<E: Executor>(
    state: &AppState<E>,
    peer: SocketAddr,
    headers: &HeaderMap,
    viewer: &Viewer,
    charged: Charged,
    mut request: async_graphql::Request,
    get: bool,
) -> Response {
    if let Err(refusal) = state.admission.admit_document(charged, &mut request) {
        return refusal.into_response();
    }
    if get {
        // A GET that is not a query: refused as a possible forgery first, then as a GET.
        if let Err(refusal) = intake::ensure_query(&mut request) {
            if state.csrf_prevention && !intake::preflighted(headers) {
                return intake::csrf_refusal();
            }
            return *refusal;
        }
    }
    let idempotent = match idempotency_claim(state, headers, viewer, &request).await {
        Ok(claimed) => claimed,
        Err(answer) => return answer,
    };
    // Held across the execution: cancelled before the answer, it releases the key.
    let reservation = idempotent.map(|(account, key)| {
        idempotency::Reservation::new(state.platform.db.clone(), account, key)
    });
    let response = execute(state, peer, headers, viewer, request).await;
    if let Some(reservation) = reservation {
        if let Err(err) = reservation.finish(&response).await {
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
        return observability::internal_error();
    };
    let content_type = if modern {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Runs an admitted operation with every domain's request data.
async fn execute<E: Executor>(
    state: &AppState<E>,
    peer: SocketAddr,
    headers: &HeaderMap,
    viewer: &Viewer,
    request: async_graphql::Request,
) -> async_graphql::Response {
    state.platform.metrics.graphql_requests.inc();
    let client = client_info(peer, headers);
    let mut request = observability::with_request_id(request, headers);
    state.request_data(
        &mut request.data,
        &RequestInfo {
            viewer,
            client: &client,
        },
    );
    let mut response = state.schema.execute(request).await;
    label_validation_errors(&mut response);
    response
}

/// The calling client as identity records it on sessions: its address and user agent.
pub fn client_info(peer: SocketAddr, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        ip: Some(peer.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// Parse and validation errors (too deep, too complex, unknown fields) come without a code.
pub fn label_validation_errors(response: &mut async_graphql::Response) {
    for error in response
        .errors
        .iter_mut()
        .filter(|e| e.extensions.is_none())
    {
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", ErrorCode::GraphqlValidationFailed.as_str());
        error.extensions = Some(ext);
    }
}

/// `Ok(Some(..))`: run the request and record its outcome under the key; `Ok(None)`: no key
/// (or not a mutation); `Err(answer)`: answer without running it (a replay or a refusal).
async fn idempotency_claim<E>(
    state: &AppState<E>,
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
        return Err(graph_error(
            headers,
            GraphError::bad_input(
                "Idempotency-Key",
                "Idempotency-Key must be 1-255 visible ASCII characters",
            ),
        ));
    }
    let hash = idempotency::fingerprint(request);
    match idempotency::claim(&state.platform.db, account, key, &hash).await {
        Ok(Claim::Run) => Ok(Some((account, key.to_owned()))),
        Ok(Claim::Replay(body)) => {
            Err(([("idempotent-replayed", "true")], Json(body)).into_response())
        }
        Ok(Claim::Refuse(err)) | Err(err) => Err(graph_error(headers, err)),
    }
}

/// A whole-request error in the GraphQL response shape, with the negotiated content type.
fn graph_error(headers: &HeaderMap, err: GraphError) -> Response {
    observability::count_error(err.code.as_str());
    let error = err.extend();
    let mut server = async_graphql::ServerError::new(error.message, None);
    server.extensions = error.extensions;
    let response = async_graphql::Response::from_errors(vec![server]);
    encode(StatusCode::OK, accepts_graphql_json(headers), &response)
}
