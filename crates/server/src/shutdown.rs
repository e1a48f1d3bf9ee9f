//! Graceful shutdown: on SIGTERM or Ctrl-C the listener stops accepting, in-flight requests
//! get up to the configured deadline to finish, and long-lived connections (WebSockets) are
//! watch the [`Shutdown`] receiver (it turns `true`) so they can close with code 1001 (going
//! away).

use std::future::IntoFuture;
use std::time::Duration;
use tokio::sync::watch;

/// `true` once shutdown has begun; clone it into long-lived tasks
/// (`shutdown.wait_for(|stopping| *stopping).await`).
pub type Shutdown = watch::Receiver<bool>;

/// The sending half, kept by `serve`.
pub struct Trigger(watch::Sender<bool>);

pub fn channel() -> (Trigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (Trigger(tx), rx)
}

impl Trigger {
    /// Resolves on the first SIGTERM or Ctrl-C and tells every [`Shutdown`] handle.
    pub async fn on_signal(self) {
        signal().await;
        tracing::info!("shutdown signal received; finishing in-flight requests");
        let _ = self.0.send(true);
    }
}

/// Runs the server until it has drained after a signal, or until `deadline` has passed since
/// the signal, whichever comes first.
pub async fn run_with_deadline<S>(
    server: S,
    mut shutdown: Shutdown,
    deadline: Duration,
) -> std::io::Result<()>
where
    S: IntoFuture<Output = std::io::Result<()>>,
{
    let expired = async move {
        let _ = shutdown.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(deadline).await;
    };
    tokio::select! {
        result = server.into_future() => result,
        () = expired => {
            tracing::warn!(?deadline, "shutdown deadline passed; dropping unfinished requests");
            Ok(())
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
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
