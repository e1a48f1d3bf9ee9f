//! Change events between a committed write and the subscriptions that watch it, on every
//! replica. Payloads carry ids only: subscribers load rows through the tenant-scoped loaders,
//! so nothing a subscriber receives bypasses the guards.
//!
//! PostgreSQL: a write publishes with `pg_notify` after its commit; every replica (the
//! publisher included) hears it on a dedicated LISTEN connection that reconnects on its own.
//! SQLite: one process is the only replica, and a broadcast channel does the same job.
//! Delivery is at most once: an event sent while a listener reconnects is lost.

use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

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
}
