//! A graphql-transport-ws client, as the `graphql-ws` npm package speaks it.

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::TestApp;

/// One websocket connection with one subscription (id `1`) on it.
pub struct Subscription {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the server said next.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A `next` message: one event's `{ data, errors }`.
    Next(Value),
    /// The server completed the operation of this id.
    Complete(String),
    /// The server closed the connection with this code.
    Closed(Option<u16>),
}

impl TestApp {
    /// Connects to `/graphql` over websocket, authenticates with `token` in `connection_init`
    /// and subscribes to `query`. Errors when the server refuses the connection.
    pub async fn subscribe(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Subscription> {
        let payload = match token {
            Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        let mut sub = match self.connect_ws(payload).await? {
            Ok(sub) => sub,
            Err(refused) => bail!("expected connection_ack, the server closed: {refused:?}"),
        };
        sub.subscribe_also("1", query, variables).await?;
        Ok(sub)
    }
}

/// How the server refused a connection at `connection_init`: the close frame it sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub code: Option<u16>,
    pub reason: String,
}

impl TestApp {
    /// Opens a graphql-transport-ws connection and sends `connection_init` with `payload`
    /// (such as `{"Authorization": "Bearer ..."}`). `Ok(Ok(..))` once the server acknowledges
    /// it, with no operation started; `Ok(Err(..))` when it closes the connection instead.
    pub async fn connect_ws(
        &self,
        payload: Value,
    ) -> anyhow::Result<Result<Subscription, Refused>> {
        let url = format!("{}/graphql", self.base_url.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request()?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
        send(
            &mut ws,
            json!({ "type": "connection_init", "payload": payload }),
        )
        .await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let msg = tokio::time::timeout_at(deadline, ws.next())
                .await
                .context("no answer to connection_init")?;
            let refused = |code: Option<u16>, reason: String| Ok(Err(Refused { code, reason }));
            match msg {
                None | Some(Err(_)) => return refused(None, String::new()),
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (Some(u16::from(f.code)), f.reason.to_string()))
                        .unwrap_or_default();
                    return refused(code, reason);
                }
                Some(Ok(Message::Text(text))) => {
                    let msg: Value = serde_json::from_str(&text).context("server message")?;
                    match msg["type"].as_str() {
                        Some("connection_ack") => return Ok(Ok(Subscription { ws })),
                        Some("ping") => send(&mut ws, json!({ "type": "pong" })).await?,
                        _ => bail!("expected connection_ack, got {msg}"),
                    }
                }
                Some(Ok(_)) => {}
            }
        }
    }
}

async fn send(
    ws: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    msg: Value,
) -> anyhow::Result<()> {
    ws.send(Message::Text(msg.to_string().into())).await?;
    Ok(())
}

#[derive(Debug)]
enum Incoming {
    Ack,
    Frame(Frame),
}

impl Subscription {
    /// The next thing the server says within `wait`; `None` if it says nothing.
    pub async fn next(&mut self, wait: Duration) -> anyhow::Result<Option<Frame>> {
        match self.frame(wait).await? {
            Some(Incoming::Frame(frame)) => Ok(Some(frame)),
            Some(Incoming::Ack) => bail!("a second connection_ack"),
            None => Ok(None),
        }
    }

    /// The next event's payload (`{ data, errors }`); fails on anything else or on timeout.
    pub async fn event(&mut self, wait: Duration) -> anyhow::Result<Value> {
        match self.next(wait).await? {
            Some(Frame::Next(payload)) => Ok(payload),
            other => bail!("expected an event within {wait:?}, got {other:?}"),
        }
    }

    async fn frame(&mut self, wait: Duration) -> anyhow::Result<Option<Incoming>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let msg = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return Ok(None),
                Ok(None) => return Ok(Some(Incoming::Frame(Frame::Closed(None)))),
                Ok(Some(msg)) => msg,
            };
            let text = match msg {
                Ok(Message::Text(text)) => text,
                Ok(Message::Close(frame)) => {
                    let code = frame.map(|f| u16::from(f.code));
                    return Ok(Some(Incoming::Frame(Frame::Closed(code))));
                }
                Ok(_) => continue,
                // A connection reset after a close counts as closed.
                Err(_) => return Ok(Some(Incoming::Frame(Frame::Closed(None)))),
            };
            let msg: Value = serde_json::from_str(&text).context("server message")?;
            match msg["type"].as_str() {
                Some("connection_ack") => return Ok(Some(Incoming::Ack)),
                Some("next") => {
                    return Ok(Some(Incoming::Frame(Frame::Next(msg["payload"].clone()))))
                }
                Some("error") => {
                    let errors = json!({ "errors": msg["payload"] });
                    return Ok(Some(Incoming::Frame(Frame::Next(errors))));
                }
                Some("complete") => {
                    let id = msg["id"].as_str().unwrap_or_default().to_owned();
                    return Ok(Some(Incoming::Frame(Frame::Complete(id))));
                }
                Some("ping") => send(&mut self.ws, json!({ "type": "pong" })).await?,
                _ => {}
            }
        }
    }

    /// Starts another operation on the same connection, as `id`.
    pub async fn subscribe_also(
        &mut self,
        id: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<()> {
        self.start(id, json!({ "query": query, "variables": variables }))
            .await
    }

    /// Starts an operation as `id` with a whole `subscribe` payload: `query`, `variables`,
    /// `operationName`, `extensions`, as a client sends them (any of them left out).
    pub async fn start(&mut self, id: &str, payload: Value) -> anyhow::Result<()> {
        send(
            &mut self.ws,
            json!({ "id": id, "type": "subscribe", "payload": payload }),
        )
        .await
    }

    /// Closes the connection normally.
    pub async fn close(mut self) {
        let _ = self
            .ws
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }))
            .await;
    }
}
