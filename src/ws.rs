//! GraphQL subscriptions over websocket (graphql-transport-ws, and the older graphql-ws
//! subprotocol) on GET /graphql (`app::graphql_get` hands upgrades here).
//!
//! The token travels in `connection_init` (`{"Authorization": "Bearer ..."}`) and is checked
//! as on POST; when it expires the connection is closed with 4401. Each operation and each
//! subscription event runs with fresh per-operation data (see `studiogate_graph::fresh`). A client that does not take a message within the send
//! timeout is dropped, so a stalled reader costs a bounded amount of memory: the bus buffers
//! at most `events::BUFFER` events per subscriber and the socket holds one message.

use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use futures_util::{Sink, SinkExt, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use studiogate_graph::{AuthError, FreshData, GraphError, Metrics};
use studiogate_identity::{ClientInfo, IdentityCtx};
use tokio::sync::watch;

use crate::app::AppState;

/// A websocket upgrade of GET /graphql: one GraphQL connection.
pub async fn upgrade(state: Arc<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(protocol) => protocol,
        Err(status) => return status.into_response(),
    };
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(ws) => ws
            .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
            .on_upgrade(move |socket| serve_socket(state, socket, protocol))
            .into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

async fn serve_socket(state: Arc<AppState>, socket: WebSocket, protocol: GraphQLProtocol) {
    let _open = OpenConnection::new(&state.metrics);
    let (sink, stream) = socket.split();
    let mut sink = SendTimeout::new(sink, state.ws_send_timeout, state.metrics.clone());
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
    let init = state.clone();
    GraphQLWebSocket::new_with_pair(&mut sink, stream, state.schema.clone(), protocol)
        .on_connection_init(move |payload| connection_data(init, payload, expires_tx))
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

/// Authenticates `connection_init` and builds the connection's data: the viewer, identity
/// context, the studios context used to start subscriptions, and fresh data for each operation.
async fn connection_data(
    state: Arc<AppState>,
    payload: serde_json::Value,
    expires: watch::Sender<Option<i64>>,
) -> async_graphql::Result<Data> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(key))
        .map(|v| v.as_str().unwrap_or("\u{0}"));
    let viewer = match state.authenticator.viewer(header).await {
        Ok(viewer) => viewer,
        Err(AuthError::Internal) => return Err(GraphError::internal(&"authenticating").into()),
        Err(err) => return Err(async_graphql::Error::new(err.to_string())),
    };
    // Verified above; only its `exp` is read here.
    if let Some(exp) = header
        .and_then(|h| studiogate_graph::bearer(Some(h)).ok().flatten())
        .and_then(token_exp)
    {
        let _ = expires.send(Some(exp));
    }
    let mut data = Data::default();
    data.insert(viewer.clone());
    data.insert(Arc::new(IdentityCtx {
        db: state.db.clone(),
        viewer: viewer.clone(),
        client: ClientInfo::default(),
        config: state.identity.clone(),
        hooks: state.hooks.clone(),
    }));
    studiogate_studios::operation_data(&mut data, &state.services, &viewer);
    let services = state.services.clone();
    data.insert(FreshData::new(move || {
        let mut fresh = Data::default();
        studiogate_studios::operation_data(&mut fresh, &services, &viewer);
        fresh
    }));
    Ok(data)
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
