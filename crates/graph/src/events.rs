//! Change events between a committed write and the subscriptions that watch it, on every
//! replica. Payloads carry ids only: subscribers load rows through the tenant-scoped loaders,
//! so nothing a subscriber receives bypasses the guards.
//!
//! PostgreSQL: a write publishes with `pg_notify` after its commit; every replica (the
//! publisher included) hears it on a dedicated LISTEN connection that reconnects on its own.
//! SQLite: one process is the only replica, and a broadcast channel does the same job.
//! Delivery is at most once: an event sent while a listener reconnects is lost.

use futures_util::future::{self, BoxFuture};
use futures_util::stream::{self, Stream, StreamExt};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

use crate::error::GraphResult;
use crate::{ErrorCode, GraphError};

/// The NOTIFY channel all replicas of one database share.
pub const CHANNEL: &str = "studiogate_events";
/// How far a subscriber may fall behind before it is dropped: the broadcast channel keeps this
/// many events, so a slow subscriber costs bounded memory.
pub const BUFFER: usize = 1024;
/// `application_name` of the LISTEN connection (visible in `pg_stat_activity`).
pub const LISTENER_NAME: &str = "studiogate-events";

/// One bus per process: a topic per domain, all carried by one NOTIFY channel.
#[derive(Clone)]
pub struct EventBus {
    /// A broadcast channel per topic, so a busy topic cannot make another's subscribers lag.
    topics: Arc<HashMap<&'static str, broadcast::Sender<Arc<Value>>>>,
    /// Set on PostgreSQL: events go out through NOTIFY and come back through the listener.
    notify: Option<DatabaseConnection>,
}

/// What travels through NOTIFY: the topic and the event.
#[derive(Serialize, Deserialize)]
struct Envelope {
    topic: String,
    event: Value,
}

/// One domain's events: where it publishes after commit and where its subscriptions listen.
#[derive(Clone)]
pub struct Topic {
    name: &'static str,
    tx: broadcast::Sender<Arc<Value>>,
    notify: Option<DatabaseConnection>,
}

fn channels(topics: &[&'static str]) -> Arc<HashMap<&'static str, broadcast::Sender<Arc<Value>>>> {
    Arc::new(
        topics
            .iter()
            .map(|name| (*name, broadcast::channel(BUFFER).0))
            .collect(),
    )
}

impl EventBus {
    /// In-process delivery only (SQLite).
    pub fn local(topics: &[&'static str]) -> Self {
        Self {
            topics: channels(topics),
            notify: None,
        }
    }

    /// Delivery through PostgreSQL: LISTEN is in place when this returns, so no event
    /// published after start-up is missed.
    pub async fn postgres(
        url: &str,
        db: DatabaseConnection,
        topics: &[&'static str],
    ) -> Result<Self, sea_orm::sqlx::Error> {
        let options = PgConnectOptions::from_str(url)?.application_name(LISTENER_NAME);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with(options)
            .await?;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        let topics = channels(topics);
        tokio::spawn(listen(listener, topics.clone()));
        Ok(Self {
            topics,
            notify: Some(db),
        })
    }

    /// The topic `name`, if it was declared when the bus was made.
    pub fn topic(&self, name: &'static str) -> Option<Topic> {
        self.topics.get(name).map(|tx| Topic {
            name,
            tx: tx.clone(),
            notify: self.notify.clone(),
        })
    }
}

impl Topic {
    /// Publishes an event of committed work. Never fails the caller: the write is already
    /// done, and a lost event only means a subscriber refreshes later.
    pub async fn publish(&self, event: &impl Serialize) {
        let value = match serde_json::to_value(event) {
            Ok(value) => value,
            Err(err) => return tracing::error!(%err, "serialising a change event"),
        };
        match &self.notify {
            Some(db) => {
                let envelope = Envelope {
                    topic: self.name.to_owned(),
                    event: value,
                };
                let payload = serde_json::to_string(&envelope).unwrap_or_default();
                let sql = Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), payload.into()],
                );
                if let Err(err) = db.execute(sql).await {
                    tracing::warn!(%err, "publishing a change event");
                }
            }
            // No receiver is not an error: nobody is subscribed.
            None => drop(self.tx.send(Arc::new(value))),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Value>> {
        self.tx.subscribe()
    }
}

/// Forwards notifications to their topic until the process ends. `PgListener` reconnects and
/// re-LISTENs by itself when its connection drops (`Ok(None)`); a failed reconnect is retried
/// each second.
async fn listen(
    mut listener: PgListener,
    topics: Arc<HashMap<&'static str, broadcast::Sender<Arc<Value>>>>,
) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                match serde_json::from_str::<Envelope>(notification.payload()) {
                    Ok(envelope) => match topics.get(envelope.topic.as_str()) {
                        Some(tx) => drop(tx.send(Arc::new(envelope.event))),
                        None => tracing::debug!(topic = %envelope.topic, "event of no topic here"),
                    },
                    Err(err) => tracing::warn!(%err, "unreadable change event"),
                }
            }
            Ok(None) => tracing::warn!("event listener lost its connection; reconnected"),
            Err(err) => {
                tracing::warn!(%err, "event listener cannot reach the database; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// A topic's events of type `E`, in order. `Err(n)`: the subscriber fell `n` events behind
/// and the bus dropped them for it. Events that are not an `E` are skipped.
pub fn typed<E: DeserializeOwned + Send + 'static>(
    topic: &Topic,
) -> impl Stream<Item = Result<E, u64>> + Send {
    published::<E>(topic).map(|item| item.map(|(_, event)| event))
}

/// As [`typed`], with each event's published value: every subscriber of this process gets
/// the same one, so it tells which deliveries are of the same event.
fn published<E: DeserializeOwned + Send + 'static>(
    topic: &Topic,
) -> impl Stream<Item = Result<(Arc<Value>, E), u64>> + Send {
    stream::unfold(topic.subscribe(), |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(value) => {
                    if let Ok(event) = E::deserialize(&*value) {
                        return Some((Ok((value, event)), rx));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => return Some((Err(n), rx)),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}

/// The data one connection's subscriptions load an event with, shared: the first of them to
/// load an event builds it (fresh loaders, memberships read again), the others loading the
/// same event reuse it, so their loads go out together as one batch instead of one per
/// subscription. A later event always gets data of its own.
pub struct PerEvent<C> {
    last: std::sync::Mutex<Option<(Arc<Value>, C)>>,
}

impl<C> Default for PerEvent<C> {
    fn default() -> Self {
        Self {
            last: std::sync::Mutex::new(None),
        }
    }
}

impl<C: Clone> PerEvent<C> {
    fn get(&self, event: &Arc<Value>, build: impl FnOnce() -> C) -> C {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*last {
            Some((seen, data)) if Arc::ptr_eq(seen, event) => data.clone(),
            _ => {
                let data = build();
                *last = Some((event.clone(), data.clone()));
                data
            }
        }
    }
}

/// A subscription's deliveries: the topic's events that `matches`, each loaded by `load` with
/// data `fresh` builds at that moment (fresh loaders, memberships read again), so an event
/// reaches only a subscriber who may see its row when it is delivered; `None` from `load`
/// hides the event. The subscriptions of one connection share that data per event through
/// `shared` (see [`PerEvent`]). A subscriber that falls too far behind gets one RATE_LIMITED
/// error (reason `SLOW_SUBSCRIBER`) and its subscription ends.
pub fn deliveries<E, C, T, M, F, L>(
    topic: &Topic,
    matches: M,
    fresh: F,
    shared: Arc<PerEvent<C>>,
    load: L,
) -> impl Stream<Item = GraphResult<T>> + Send
where
    E: DeserializeOwned + Send + 'static,
    C: Clone + Send + 'static,
    T: Send + 'static,
    M: Fn(&E) -> bool + Send + 'static,
    F: Fn() -> C + Send + Sync + 'static,
    L: Fn(C, E) -> BoxFuture<'static, Result<Option<T>, GraphError>> + Send + Sync + 'static,
{
    let (fresh, load) = (Arc::new(fresh), Arc::new(load));
    published::<E>(topic)
        .filter(move |item| future::ready(item.as_ref().map_or(true, |(_, e)| matches(e))))
        .then(move |item| {
            let (fresh, load, shared) = (fresh.clone(), load.clone(), shared.clone());
            async move {
                let (value, event) = match item {
                    Ok(event) => event,
                    Err(missed) => {
                        return Some(Err(GraphError::new(
                            ErrorCode::RateLimited,
                            format!("The subscriber fell {missed} events behind; subscribe again"),
                        )
                        .with_reason("SLOW_SUBSCRIBER")
                        .into()))
                    }
                };
                let data = shared.get(&value, || fresh());
                match load(data, event).await {
                    Ok(row) => row.map(Ok),
                    Err(err) => {
                        tracing::warn!(?err, "loading a subscription event; skipped");
                        None
                    }
                }
            }
        })
        .filter_map(future::ready)
        .scan(false, |ended, item| {
            if *ended {
                return future::ready(None);
            }
            *ended = item.is_err();
            future::ready(Some(item))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn local_subscribers_get_every_event_and_lag_is_reported() {
        let bus = EventBus::local(&["a"]);
        let bus = bus.topic("a").expect("declared");
        let mut rx = bus.subscribe();
        bus.publish(&json!({ "n": 1 })).await;
        assert_eq!(*rx.recv().await.expect("event"), json!({ "n": 1 }));
        for n in 0..BUFFER + 5 {
            bus.publish(&json!({ "n": n })).await;
        }
        // A subscriber that fell behind learns it, instead of the channel growing.
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(5))
        ));
    }

    /// One domain's burst of events does not make another domain's subscribers lag.
    #[tokio::test]
    async fn topics_have_buffers_of_their_own() {
        let bus = EventBus::local(&["busy", "quiet"]);
        let (busy, quiet) = (
            bus.topic("busy").expect("busy"),
            bus.topic("quiet").expect("quiet"),
        );
        let mut rx = quiet.subscribe();
        for n in 0..BUFFER * 2 {
            busy.publish(&json!({ "n": n })).await;
        }
        quiet.publish(&json!({ "q": 1 })).await;
        assert_eq!(*rx.recv().await.expect("event"), json!({ "q": 1 }));
        assert!(bus.topic("undeclared").is_none());
    }

    /// Two subscriptions sharing a `PerEvent` build an event's data once; the next event gets
    /// data of its own.
    #[tokio::test]
    async fn subscriptions_sharing_per_event_data_build_it_once_per_event() {
        use futures_util::FutureExt;
        use std::sync::atomic::{AtomicU64, Ordering};
        let bus = EventBus::local(&["t"]);
        let topic = bus.topic("t").expect("declared");
        let built = Arc::new(AtomicU64::new(0));
        let shared: Arc<PerEvent<u64>> = Arc::default();
        let subscribe = || {
            let built = built.clone();
            deliveries(
                &topic,
                |_: &u64| true,
                move || built.fetch_add(1, Ordering::SeqCst),
                shared.clone(),
                |data: u64, n: u64| async move { Ok(Some((data, n))) }.boxed(),
            )
        };
        let (a, b) = (subscribe(), subscribe());
        futures_util::pin_mut!(a, b);
        topic.publish(&7u64).await;
        topic.publish(&8u64).await;
        let first = (a.next().await, b.next().await);
        let second = (a.next().await, b.next().await);
        let got = |r: Option<GraphResult<(u64, u64)>>| r.expect("some").expect("ok");
        assert_eq!((got(first.0), got(first.1)), ((0, 7), (0, 7)));
        assert_eq!((got(second.0), got(second.1)), ((1, 8), (1, 8)));
        assert_eq!(built.load(Ordering::SeqCst), 2);
    }

    /// Deliveries skip what does not match, hide what the loader hides, and end a lagging
    /// subscriber with one SLOW_SUBSCRIBER error.
    #[tokio::test]
    async fn deliveries_load_matching_events_and_end_a_lagging_subscriber() {
        use futures_util::FutureExt;
        let bus = EventBus::local(&["t"]);
        let topic = bus.topic("t").expect("declared");
        let seen = deliveries(
            &topic,
            |n: &u64| n.is_multiple_of(2),
            || 10,
            Arc::default(),
            |offset: u64, n: u64| async move { Ok((n != 4).then_some(n + offset)) }.boxed(),
        );
        futures_util::pin_mut!(seen);
        for n in 0..7u64 {
            topic.publish(&n).await;
        }
        let first: Vec<u64> = seen
            .as_mut()
            .take(3)
            .map(|r| r.expect("ok"))
            .collect()
            .await;
        assert_eq!(first, [10, 12, 16]);
        for n in 0..(BUFFER as u64 + 10) {
            topic.publish(&(n * 2)).await;
        }
        let err = seen.next().await.expect("an item").expect_err("lagged");
        assert_eq!(
            err.extensions
                .as_ref()
                .and_then(|e| e.get("reason"))
                .map(|v| v.to_string()),
            Some("\"SLOW_SUBSCRIBER\"".into())
        );
        assert!(seen.next().await.is_none(), "the subscription ended");
    }
}
