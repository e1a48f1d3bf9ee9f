//! GraphQL over websocket (graphql-transport-ws, and the older graphql-ws subprotocol) on
//! GET /graphql (`http::get` hands upgrades here). Operations pass the same admission as HTTP
//! requests (`admission`) and run with the same per-request data.
//!
//! The token travels in `connection_init` (`{"Authorization": "Bearer ..."}`) and is checked
//! as on POST; when it expires the connection is closed with 4401. Each operation and each
//! subscription event runs with fresh per-operation data (see `studiogate_graph::fresh`). A
//! client that does not take a message within the send timeout is dropped, so a stalled
//! reader costs a bounded amount of memory: the bus buffers at most `events::BUFFER` events
//! per subscriber and the socket holds one message.
//!
//! Operations are held to the request timeout as HTTP requests are: a query or mutation's one
//! response, and each subscription event's response, but not a subscription's wait for
//! events (see `deadline`).

use async_graphql::{Data, Executor};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream};
use futures_util::{Sink, SinkExt, StreamExt};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;
use studiogate_graph::{ClientInfo, ErrorCode, FreshData, Metrics, RequestInfo, Viewer};
use tokio::sync::watch;

use crate::app::AppState;
use crate::deadline::{OperationClock, Timeout};
use crate::ratelimit::Caller;

/// Builds the data of one operation or one event (see `studiogate_graph::fresh`).
type BuildData = Arc<dyn Fn(&mut Data) + Send + Sync>;

/// A websocket upgrade of GET /graphql: one GraphQL connection.
pub async fn upgrade<E: Executor>(
    state: Arc<AppState<E>>,
    peer: SocketAddr,
    request: Request,
) -> Response {
    if let Err(refusal) = state.admission.admit_upgrade(peer.ip()).await {
        return refusal.into_response();
    }
    let (mut parts, _) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(protocol) => protocol,
        Err(status) => return status.into_response(),
    };
    let client = crate::http::client_info(peer, &parts.headers);
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(ws) => ws
            .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
            // A message is at most what an HTTP body may be: a bigger one ends the connection.
            .max_message_size(state.limits.max_body_bytes as usize)
            .max_frame_size(state.limits.max_body_bytes as usize)
            .on_upgrade(move |socket| serve_socket(state, socket, protocol, client, peer.ip()))
            .into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

/// Websocket operations running per caller, over all its sockets.
#[derive(Default)]
pub struct Running(Arc<std::sync::Mutex<HashMap<Caller, usize>>>);

/// One running operation: counted on its socket and for its caller until dropped.
struct Slot {
    socket: Arc<AtomicUsize>,
    running: Arc<std::sync::Mutex<HashMap<Caller, usize>>>,
    caller: Caller,
}

impl Running {
    /// A slot for one more operation of `caller` on `socket`, or why not.
    fn acquire(
        &self,
        socket: &Arc<AtomicUsize>,
        caller: Caller,
        limits: &crate::settings::Limits,
    ) -> Result<Slot, String> {
        let per_socket = limits.ws_max_operations_per_socket as usize;
        let per_viewer = limits.ws_max_operations_per_viewer as usize;
        let mut running = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if socket.load(Ordering::SeqCst) >= per_socket {
            return Err(format!(
                "A websocket runs at most {per_socket} operations at once; complete one first"
            ));
        }
        let count = running.entry(caller).or_default();
        if *count >= per_viewer {
            return Err(format!(
                "A viewer runs at most {per_viewer} websocket operations at once; complete one \
                 first"
            ));
        }
        *count += 1;
        socket.fetch_add(1, Ordering::SeqCst);
        Ok(Slot {
            socket: socket.clone(),
            running: self.0.clone(),
            caller,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.socket.fetch_sub(1, Ordering::SeqCst);
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = running.get_mut(&self.caller) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.caller);
            }
        }
    }
}

/// The schema as one connection sees it: every operation passes the same admission as an
/// HTTP request (rate limits, persisted and trusted documents) before it runs, and takes a
/// slot of the socket's and the viewer's running operations for as long as it runs.
struct Admitted<E> {
    state: Arc<AppState<E>>,
    /// The viewer `connection_init` authenticated; anonymous until then.
    viewer: Arc<OnceLock<Viewer>>,
    ip: IpAddr,
    /// Operations running on this socket.
    open: Arc<AtomicUsize>,
    /// The connection's data builder, once `connection_init` made it.
    fresh: Arc<OnceLock<BuildData>>,
}

impl<E> Clone for Admitted<E> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            viewer: self.viewer.clone(),
            ip: self.ip,
            open: self.open.clone(),
            fresh: self.fresh.clone(),
        }
    }
}

/// `RATE_LIMITED`, reason `TOO_MANY_OPERATIONS`: the socket or the viewer runs its most.
fn too_many_operations(message: String) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", ErrorCode::RateLimited.as_str());
    extensions.set("reason", "TOO_MANY_OPERATIONS");
    error.extensions = Some(extensions);
    crate::observability::count_error(ErrorCode::RateLimited.as_str());
    error
}

/// A refusal answered on the socket as the operation's one response.
fn refused(error: async_graphql::ServerError) -> BoxStream<'static, async_graphql::Response> {
    stream::once(async move { async_graphql::Response::from_errors(vec![error]) }).boxed()
}

impl<E: Executor> Executor for Admitted<E> {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        let mut responses = self.execute_stream(request, None);
        responses.next().await.unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let clock = Arc::new(OperationClock::default());
        let timeout = Timeout {
            limit: self.state.request_timeout,
            metrics: self.state.platform.metrics.clone(),
            operation: request.operation_name.clone(),
        };
        let responses = stream::once(self.clone().run(request, session_data, clock.clone()))
            .flatten()
            .map(|mut response| {
                crate::http::label_validation_errors(&mut response);
                response
            })
            .boxed();
        timeout.bound(responses, clock)
    }
}

impl<E: Executor> Admitted<E> {
    /// Admits one operation and starts it, telling `clock` what its timer needs to know.
    async fn run(
        self,
        mut request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
        clock: Arc<OperationClock>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let viewer = self.viewer.get().cloned().unwrap_or_else(Viewer::anonymous);
        let admission = &self.state.admission;
        let admitted = admission
            .charge(&viewer, self.ip)
            .await
            .and_then(|charged| admission.admit_document(charged, &mut request));
        if let Err(refusal) = admitted {
            return refused(refusal.into_server_error());
        }
        let caller = Caller::of(&viewer, self.ip);
        let limits = &self.state.limits;
        let slot = match self.state.ws_operations.acquire(&self.open, caller, limits) {
            Ok(slot) => slot,
            Err(message) => return refused(too_many_operations(message)),
        };
        let subscription = crate::intake::operation_type(&mut request)
            == Some(async_graphql::parser::types::OperationType::Subscription);
        if subscription {
            clock.subscription();
        }
        // The operation's own data builder: the connection's, and a tick of the clock, so the
        // timer knows when each event begins to resolve.
        if let Some(build) = self.fresh.get().cloned() {
            let clock = clock.clone();
            request = request.data(FreshData::new(move |data| {
                clock.begin();
                build(data)
            }));
        }
        self.state.platform.metrics.graphql_requests.inc();
        // The slot lives as long as the operation's stream.
        self.state
            .schema
            .execute_stream(request, session_data)
            .map(move |response| {
                let _running = &slot;
                response
            })
            .boxed()
    }
}

async fn serve_socket<E: Executor>(
    state: Arc<AppState<E>>,
    socket: WebSocket,
    protocol: GraphQLProtocol,
    client: ClientInfo,
    ip: IpAddr,
) {
    let _open = OpenConnection::new(&state.platform.metrics);
    let (sink, stream) = socket.split();
    let mut sink = SendTimeout::new(sink, state.ws_send_timeout, state.platform.metrics.clone());
    let mut shutdown = state.shutdown.clone();
    // The `exp` (Unix time) of the token `connection_init` brought, once it is known.
    let (expires_tx, expires) = watch::channel(None::<i64>);
    let mut expiry = expires.clone();
    // The input ends at shutdown or when the token expires; that ends every operation.
    let ended = async move {
        let expired = async {
            match expiry.wait_for(Option::is_some).await.map(|e| *e) {
                Ok(Some(exp)) => {
                    let left = exp - chrono::Utc::now().timestamp();
                    tokio::time::sleep(Duration::from_secs(left.max(0) as u64)).await;
                }
                _ => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => {}
            () = expired => {}
        }
    };
    let stream = stream.take_until(Box::pin(ended));
    let executor = Admitted {
        state: state.clone(),
        viewer: Arc::new(OnceLock::new()),
        ip,
        open: Arc::new(AtomicUsize::new(0)),
        fresh: Arc::new(OnceLock::new()),
    };
    let init = Connection {
        state: state.clone(),
        viewer: executor.viewer.clone(),
        fresh: executor.fresh.clone(),
        client,
        expires: expires_tx,
    };
    GraphQLWebSocket::new_with_pair(&mut sink, stream, executor, protocol)
        .on_connection_init(move |payload| init.data(payload))
        .serve()
        .await;
    let expired = expires
        .borrow()
        .is_some_and(|exp| exp <= chrono::Utc::now().timestamp());
    let close = if *state.shutdown.borrow() {
        Some((axum::extract::ws::close_code::AWAY, "server shutting down"))
    } else if expired {
        // graphql-transport-ws's code for an unauthorized connection.
        Some((4401, "token expired"))
    } else {
        None
    };
    if let Some((code, reason)) = close {
        let close = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = sink.send(Message::Close(Some(close))).await;
    }
}

/// What `connection_init` needs to turn its payload into the connection's data.
struct Connection<E> {
    state: Arc<AppState<E>>,
    viewer: Arc<OnceLock<Viewer>>,
    /// Where the data builder goes, for the operations to wrap.
    fresh: Arc<OnceLock<BuildData>>,
    client: ClientInfo,
    expires: watch::Sender<Option<i64>>,
}

impl<E: Send + Sync + 'static> Connection<E> {
    /// Authenticates `connection_init` as an HTTP request is authenticated, and builds the
    /// connection's data: every domain's request data (used to start subscriptions), and the
    /// builder of fresh data that each operation carries for itself and its events
    /// ([`Admitted::run`]), which the same function fills.
    async fn data(self, payload: serde_json::Value) -> async_graphql::Result<Data> {
        let header = ["Authorization", "authorization"]
            .iter()
            .find_map(|key| payload.get(key))
            .map(|v| v.as_str().unwrap_or("\u{0}"));
        let viewer = self
            .state
            .admission
            .authenticate(header)
            .await
            .map_err(|refusal| {
                let error = refusal.into_server_error();
                let mut err = async_graphql::Error::new(error.message);
                err.extensions = error.extensions;
                err
            })?;
        // Verified above; only its `exp` is read here.
        if let Some(exp) = header
            .and_then(|h| studiogate_graph::bearer(Some(h)).ok().flatten())
            .and_then(token_exp)
        {
            let _ = self.expires.send(Some(exp));
        }
        let _ = self.viewer.set(viewer.clone());
        let mut data = Data::default();
        let request = RequestInfo {
            viewer: &viewer,
            client: &self.client,
        };
        self.state.request_data(&mut data, &request);
        let (state, client) = (self.state, self.client);
        let build: BuildData = Arc::new(move |fresh| {
            state.request_data(
                fresh,
                &RequestInfo {
                    viewer: &viewer,
                    client: &client,
                },
            );
        });
        let _ = self.fresh.set(build);
        Ok(data)
    }
}

/// The `exp` claim of a JWT (already verified).
fn token_exp(token: &str) -> Option<i64> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes).ok()?["exp"].as_i64()
}

/// Counts an open connection for as long as it lives.
struct OpenConnection(Metrics);

impl OpenConnection {
    fn new(metrics: &Metrics) -> Self {
        metrics.websocket_connections.inc();
        Self(metrics.clone())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.websocket_connections.dec();
    }
}

/// The socket's sending half with a deadline on every send: when the client stops reading,
/// its TCP buffers fill, the send stays pending, and after `timeout` the connection fails
/// instead of holding events for it.
pub struct SendTimeout<S> {
    inner: S,
    timeout: Duration,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    metrics: Metrics,
}

#[derive(Debug)]
pub struct SendFailed;

impl<S> SendTimeout<S> {
    pub fn new(inner: S, timeout: Duration, metrics: Metrics) -> Self {
        Self {
            inner,
            timeout,
            deadline: None,
            metrics,
        }
    }

    fn with_deadline<E>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<Result<(), E>>,
    ) -> Poll<Result<(), SendFailed>> {
        match poll {
            Poll::Ready(result) => {
                self.deadline = None;
                Poll::Ready(result.map_err(|_| SendFailed))
            }
            Poll::Pending => {
                let timeout = self.timeout;
                let deadline = self
                    .deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                if deadline.as_mut().poll(cx).is_ready() {
                    tracing::warn!("websocket client stopped reading; dropped");
                    self.metrics.slow_clients_dropped.inc();
                    return Poll::Ready(Err(SendFailed));
                }
                Poll::Pending
            }
        }
    }
}

impl<S: Sink<Message> + Unpin> Sink<Message> for SendTimeout<S> {
    type Error = SendFailed;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendFailed>> {
        let poll = Pin::new(&mut self.inner).poll_ready(cx);
        self.with_deadline(cx, poll)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), SendFailed> {
        if let Message::Text(text) = &item {
            // graphql-transport-ws says `next`, the older graphql-ws `data`.
            if text.starts_with(r#"{"type":"next""#) || text.starts_with(r#"{"type":"data""#) {
                self.metrics.subscription_events.inc();
            }
        }
        Pin::new(&mut self.inner)
            .start_send(item)
            .map_err(|_| SendFailed)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendFailed>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.with_deadline(cx, poll)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendFailed>> {
        let poll = Pin::new(&mut self.inner).poll_close(cx);
        self.with_deadline(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink whose buffer never drains, as a client that stopped reading looks from here.
    struct Stalled;

    impl Sink<Message> for Stalled {
        type Error = ();
        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Pending
        }
        fn start_send(self: Pin<&mut Self>, _: Message) -> Result<(), ()> {
            Ok(())
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Pending
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_is_dropped_after_the_timeout() {
        let metrics = Metrics::default();
        let timeout = Duration::from_millis(100);
        let mut sink = SendTimeout::new(Stalled, timeout, metrics.clone());
        let started = tokio::time::Instant::now();
        let sent = tokio::time::timeout(
            Duration::from_secs(10),
            sink.send(Message::Text("{}".into())),
        )
        .await
        .expect("the send gives up by itself");
        assert!(sent.is_err());
        assert!(started.elapsed() >= timeout);
        assert_eq!(metrics.slow_clients_dropped.get(), 1);
    }
}
