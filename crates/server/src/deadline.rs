//! The request timeout for websocket operations. Over HTTP `observability::timeout` bounds a
//! whole request; a socket carries many operations for as long as it stays open, so each
//! operation is bounded on its own, with the same limit (`STUDIOGATE_REQUEST_TIMEOUT_SECS`):
//!
//! - a query or a mutation must give its one response within the limit, counted from its
//!   arrival on the socket (admission included), as an HTTP request counts from its arrival;
//! - a subscription may wait for events as long as it likes (waiting costs nothing but its
//!   slot), but each event's response must come within the limit of the moment the event
//!   begins to resolve. The schema asks for fresh per-operation data at that moment
//!   (`studiogate_graph::fresh`), and the data builder of each operation tells its
//!   [`OperationClock`]. The event's row is loaded just before that, inside the domain's
//!   stream where no hook of the server reaches, and so is the subscription's access check
//!   when it starts (after its admission, which is timed): only the database's own timeouts
//!   (PostgreSQL's statement timeout, SQLite's busy timeout) bound those.
//!
//! Past the limit the operation gets one `TIMEOUT` error with the message HTTP gives, counted
//! in the errors metric and in the duration histogram as outcome `timeout`. Its stream is
//! dropped before the error goes out: its work is cancelled and what it holds (its slot of
//! running operations) is released. A subscription ends there, since its stream cannot be
//! resumed once cancelled mid-event; the client subscribes again, as after any error.

use async_graphql::{ErrorExtensionValues, Response, ServerError};
use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use studiogate_graph::{ErrorCode, Metrics};
use tokio::sync::Notify;
use tokio::time::Instant;

/// What one operation tells its timer: that it turned out to be a subscription, and each time
/// work on a response begins.
#[derive(Default)]
pub struct OperationClock {
    subscription: AtomicBool,
    begun: AtomicU64,
    wake: Notify,
}

impl OperationClock {
    /// The operation is a subscription: its wait for events is not bounded, its events are.
    pub fn subscription(&self) {
        self.subscription.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Work on one response began (an event's, or the operation's own).
    pub fn begin(&self) {
        self.begun.fetch_add(1, Ordering::SeqCst);
        self.wake.notify_one();
    }

    fn begun(&self) -> u64 {
        self.begun.load(Ordering::SeqCst)
    }
}

/// The limit, and where a timeout is counted.
pub struct Timeout {
    pub limit: Duration,
    pub metrics: Metrics,
    /// The operation's name as the client gave it (the metric bounds the label set).
    pub operation: Option<String>,
}

impl Timeout {
    /// `responses` held to the limit, as the module docs say. The clock starts now.
    pub fn bound(
        self,
        responses: BoxStream<'static, Response>,
        clock: Arc<OperationClock>,
    ) -> BoxStream<'static, Response> {
        let timed = Timed {
            deadline: Some(Instant::now() + self.limit),
            arriving: true,
            answered: 0,
            responses,
            clock,
            timeout: self,
        };
        stream::unfold(Some(timed), |timed| async move {
            let mut timed = timed?;
            match timed.next().await {
                Ok(response) => response.map(|response| (response, Some(timed))),
                Err(started) => {
                    let timeout = timed.into_timeout();
                    Some((timeout.refuse(started), None))
                }
            }
        })
        .boxed()
    }

    /// Counts and logs a timeout, and gives the operation's error.
    fn refuse(self, started: Instant) -> Response {
        let operation = self.operation.as_deref().unwrap_or("anonymous");
        tracing::warn!(limit = ?self.limit, operation, "websocket operation timed out");
        let code = ErrorCode::Timeout.as_str();
        let seconds = started.elapsed().as_secs_f64();
        self.metrics.observe_request(operation, "timeout", seconds);
        self.metrics.count_error(code);
        let mut error = ServerError::new(crate::observability::timeout_message(self.limit), None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", code);
        error.extensions = Some(extensions);
        Response::from_errors(vec![error])
    }
}

struct Timed {
    responses: BoxStream<'static, Response>,
    clock: Arc<OperationClock>,
    /// When the response being worked on is due; `None` while a subscription waits.
    deadline: Option<Instant>,
    /// Whether the deadline is the operation's own, from its arrival (not an event's).
    arriving: bool,
    /// Work begun on this many responses had been answered at the last response.
    answered: u64,
    timeout: Timeout,
}

impl Timed {
    /// The next response, `None` at the end, or when the response that was due began, if it
    /// did not come in time.
    async fn next(&mut self) -> Result<Option<Response>, Instant> {
        loop {
            self.recheck();
            let wake = self.clock.clone();
            let woken = wake.wake.notified();
            let next = match self.deadline {
                Some(deadline) => {
                    let started = deadline - self.timeout.limit;
                    tokio::select! {
                        biased;
                        next = self.responses.next() => Some(next),
                        () = woken => None,
                        () = tokio::time::sleep_until(deadline) => return Err(started),
                    }
                }
                None => tokio::select! {
                    biased;
                    next = self.responses.next() => Some(next),
                    () = woken => None,
                },
            };
            // Woken by the clock: look at it again (a stale wake-up changes nothing).
            let Some(next) = next else { continue };
            self.deadline = None;
            self.arriving = false;
            self.answered = self.clock.begun();
            return Ok(next);
        }
    }

    /// A subscription's own deadline is dropped; an event begun and not yet answered gets one.
    fn recheck(&mut self) {
        if self.arriving && self.clock.subscription.load(Ordering::SeqCst) {
            self.arriving = false;
            self.deadline = None;
        }
        if !self.arriving && self.deadline.is_none() && self.clock.begun() > self.answered {
            self.deadline = Some(Instant::now() + self.timeout.limit);
        }
    }

    /// Drops the operation's stream (cancelling its work, releasing its slot) and keeps what
    /// the error needs.
    fn into_timeout(self) -> Timeout {
        drop(self.responses);
        self.timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_millis(50);

    fn timeout(metrics: &Metrics) -> Timeout {
        Timeout {
            limit: LIMIT,
            metrics: metrics.clone(),
            operation: Some("Slow".into()),
        }
    }

    fn answer(n: i32) -> Response {
        Response::new(async_graphql::Value::from(n))
    }

    fn code(response: &Response) -> Option<String> {
        let error = response.errors.first()?;
        match error.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(code) => Some(code.clone()),
            _ => None,
        }
    }

    /// Dropped with the stream: tells whether the operation's work was released.
    struct Held(Arc<AtomicBool>);

    impl Drop for Held {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_query_that_never_answers_gets_one_timeout_and_is_dropped() {
        let metrics = Metrics::default();
        let released = Arc::new(AtomicBool::new(false));
        let held = Held(released.clone());
        let never = stream::pending::<Response>()
            .map(move |r| {
                let _held = &held;
                r
            })
            .boxed();
        let mut responses = timeout(&metrics).bound(never, Arc::default());
        let first = responses.next().await.expect("an answer");
        assert_eq!(code(&first).as_deref(), Some("TIMEOUT"));
        assert_eq!(first.errors[0].message, "The request took longer than 0 s");
        assert!(released.load(Ordering::SeqCst), "the operation was dropped");
        assert!(
            responses.next().await.is_none(),
            "nothing after the timeout"
        );
        assert!(metrics
            .render()
            .contains("studiogate_graphql_errors_total{code=\"TIMEOUT\"} 1"));
    }

    #[tokio::test]
    async fn a_query_that_answers_in_time_is_untouched() {
        let metrics = Metrics::default();
        let once = stream::iter([answer(1)]).boxed();
        let responses: Vec<_> = timeout(&metrics)
            .bound(once, Arc::default())
            .collect()
            .await;
        assert_eq!(responses.len(), 1);
        assert!(responses[0].errors.is_empty());
    }

    /// A subscription waits for its event far past the limit, then the event resolves at once:
    /// it is delivered. The next event begins and never resolves: it times out.
    #[tokio::test]
    async fn a_subscription_waits_unbounded_but_each_event_is_bounded() {
        let metrics = Metrics::default();
        let clock = Arc::new(OperationClock::default());
        let events = {
            let clock = clock.clone();
            stream::unfold(0, move |n| {
                let clock = clock.clone();
                async move {
                    if n == 0 {
                        clock.subscription();
                    }
                    // Waiting for the event: not bounded.
                    tokio::time::sleep(LIMIT * 4).await;
                    clock.begin();
                    if n > 0 {
                        // The second event never finishes resolving.
                        std::future::pending::<()>().await;
                    }
                    Some((answer(n), n + 1))
                }
            })
            .boxed()
        };
        let mut responses = timeout(&metrics).bound(events, clock);
        let first = responses.next().await.expect("the first event");
        assert!(first.errors.is_empty(), "{:?}", first.errors);
        let second = responses.next().await.expect("the second event's answer");
        assert_eq!(code(&second).as_deref(), Some("TIMEOUT"));
        assert!(responses.next().await.is_none(), "the subscription ended");
    }
}
