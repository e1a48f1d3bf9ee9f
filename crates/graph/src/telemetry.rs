//! Per-request telemetry. The HTTP layer opens a [`RequestScope`] (request id, metrics handle,
//! a statement counter) around each request; it is a task-local, so the sea-orm statement
//! callback and the dataloaders (whose batches run in tasks of their own, started through
//! [`spawn`]) find it without any plumbing through resolvers.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{Response, ServerError};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing::Instrument;

use crate::{ErrorCode, Metrics};

/// The id of the HTTP request (header `x-request-id`), as GraphQL request data.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// What one HTTP request carries along for telemetry.
pub struct RequestScope {
    pub request_id: String,
    pub metrics: Option<Metrics>,
    statements: AtomicU64,
    operation: Mutex<Option<String>>,
}

tokio::task_local! {
    static SCOPE: Arc<RequestScope>;
}

impl RequestScope {
    pub fn new(request_id: String, metrics: Option<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            request_id,
            metrics,
            statements: AtomicU64::new(0),
            operation: Mutex::new(None),
        })
    }

    /// SQL statements sent so far on behalf of this request.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// The operation name, once the GraphQL request is parsed (`anonymous` without one).
    pub fn operation(&self) -> Option<String> {
        self.operation.lock().ok().and_then(|o| o.clone())
    }

    fn set_operation(&self, name: &str) {
        if let Ok(mut slot) = self.operation.lock() {
            *slot = Some(name.to_owned());
        }
    }
}

/// Runs `fut` with `scope` as the current request scope.
pub async fn scoped<F: Future>(scope: Arc<RequestScope>, fut: F) -> F::Output {
    SCOPE.scope(scope, fut).await
}

/// The scope of the request being served, if any.
pub fn current() -> Option<Arc<RequestScope>> {
    SCOPE.try_with(Arc::clone).ok()
}

/// Called once per SQL statement (from the sea-orm metric callback).
pub fn count_statement() {
    let _ = SCOPE.try_with(|s| s.statements.fetch_add(1, Ordering::Relaxed));
}

/// `tokio::spawn` that keeps the caller's tracing span and request scope: dataloader batches
/// run in tasks of their own, and their statements and logs belong to the request.
pub fn spawn<F>(fut: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let fut = fut.in_current_span();
    match current() {
        Some(scope) => tokio::spawn(SCOPE.scope(scope, fut)),
        None => tokio::spawn(fut),
    }
}

/// Records a dataloader batch of `keys` keys and runs it inside a span of its own.
pub async fn batch<F: Future>(loader: &str, keys: usize, fut: F) -> F::Output {
    if let Some(metrics) = current().and_then(|s| s.metrics.clone()) {
        metrics.observe_batch(loader, keys);
    }
    fut.instrument(tracing::debug_span!("dataloader", loader, keys))
        .await
}

/// Times operations by name and outcome, counts errors by code, and masks unexpected errors:
/// an error without a code (a resolver's stray `?` on a foreign error type) becomes
/// `INTERNAL_SERVER_ERROR`; every internal error carries `extensions.requestId` and is logged
/// with it, so a client's report leads to the log line. One per request, driven by the
/// gateway extension ([`crate::gateway`]).
#[derive(Default)]
pub(crate) struct Observed {
    operation: Mutex<Option<String>>,
}

impl Observed {
    fn operation(&self) -> String {
        self.operation
            .lock()
            .ok()
            .and_then(|o| o.clone())
            .unwrap_or_else(|| "anonymous".to_owned())
    }

    /// The operation name the request gives, if any.
    pub(crate) fn name(&self, name: Option<&str>) {
        if let (Some(name), Ok(mut slot)) = (name, self.operation.lock()) {
            *slot = Some(name.to_owned());
        }
    }

    /// Times the whole request and counts its errors by code, in the request's [`Metrics`]
    /// (its data's, else its scope's).
    pub(crate) async fn request(
        &self,
        metrics: Option<&Metrics>,
        run: impl Future<Output = Response>,
    ) -> Response {
        let start = Instant::now();
        let metrics = metrics
            .cloned()
            .or_else(|| current().and_then(|s| s.metrics.clone()));
        let response = run.await;
        if let Some(metrics) = metrics {
            let outcome = if response.errors.is_empty() {
                "ok"
            } else {
                "error"
            };
            let seconds = start.elapsed().as_secs_f64();
            metrics.observe_request(&self.operation(), outcome, seconds);
            for error in &response.errors {
                // Errors without a code here are parse and validation errors.
                let code = code_of(error);
                metrics.count_error(code.unwrap_or(ErrorCode::GraphqlValidationFailed.as_str()));
            }
        }
        response
    }

    /// Names an unnamed request after the one operation of its document.
    pub(crate) fn parsed(&self, document: &ExecutableDocument) {
        let unnamed = self.operation.lock().map(|o| o.is_none()).unwrap_or(false);
        if let (true, DocumentOperations::Multiple(ops)) = (unnamed, &document.operations) {
            if ops.len() == 1 {
                self.name(ops.keys().next().map(|n| n.as_str()));
            }
        }
        if let Some(scope) = current() {
            scope.set_operation(&self.operation());
        }
    }

    /// Runs the operation in its span and masks its unexpected errors, naming the request's
    /// [`RequestId`] (its data's, else its scope's). `run` may also parse and validate: its
    /// errors without a path (parse and validation errors, which name no field) are left as
    /// they are.
    pub(crate) async fn execute(
        &self,
        request_id: Option<&RequestId>,
        run: impl Future<Output = Response>,
    ) -> Response {
        let request_id = request_id
            .map(|r| r.0.clone())
            .or_else(|| current().map(|s| s.request_id.clone()));
        let span = tracing::info_span!("graphql.operation", operation = %self.operation());
        let mut response = run.instrument(span).await;
        for error in response.errors.iter_mut().filter(|e| !e.path.is_empty()) {
            mask(error, request_id.as_deref());
        }
        response
    }
}

fn code_of(error: &ServerError) -> Option<&str> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.as_str()),
        _ => None,
    }
}

/// Whether an error without a code is async-graphql's refusal of an argument value (a
/// malformed UUID or DateTime, an empty string where an id goes): the client's input, not a
/// failure of ours. Its message names the type and what was wrong, nothing of the server.
fn is_input_error(error: &ServerError) -> bool {
    let message = error.message.as_str();
    message.starts_with("Failed to parse \"")
        || message.starts_with("Expected input type \"")
        || message.starts_with("Invalid value for argument")
}

/// An execution error without a code is a bug's symptom: its message may carry anything (SQL,
/// paths), so the client gets the generic one and the log gets the detail. An argument value
/// async-graphql refused is the exception: BAD_USER_INPUT with its message.
fn mask(error: &mut ServerError, request_id: Option<&str>) {
    let internal = ErrorCode::InternalServerError.as_str();
    match code_of(error) {
        None if is_input_error(error) => {
            tracing::debug!(request_id, path = ?error.path, error = %error.message, "argument refused");
            let ext = error.extensions.get_or_insert_with(Default::default);
            ext.set("code", ErrorCode::BadUserInput.as_str());
            return;
        }
        None => {
            tracing::error!(
                request_id,
                path = ?error.path,
                error = %error.message,
                "unexpected error, masked"
            );
            error.message = "Internal server error".to_owned();
        }
        Some(code) if code == internal => {
            tracing::error!(request_id, path = ?error.path, "internal error returned");
        }
        Some(_) => return,
    }
    let ext = error.extensions.get_or_insert_with(Default::default);
    ext.set("code", internal);
    if let Some(id) = request_id {
        ext.set("requestId", id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_argument_value_is_the_clients_error() {
        let mut error = ServerError::new(
            r#"Failed to parse "UUID": invalid character: found `n` at 0"#,
            None,
        );
        mask(&mut error, Some("req-2"));
        assert_eq!(
            error.message,
            r#"Failed to parse "UUID": invalid character: found `n` at 0"#
        );
        let ext = error.extensions.expect("extensions");
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
    }

    #[test]
    fn an_error_without_code_is_masked_with_the_request_id() {
        let mut error = ServerError::new("relation \"x\" does not exist", None);
        mask(&mut error, Some("req-1"));
        assert_eq!(error.message, "Internal server error");
        let ext = error.extensions.expect("extensions");
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("INTERNAL_SERVER_ERROR"))
        );
        assert_eq!(
            ext.get("requestId"),
            Some(&async_graphql::Value::from("req-1"))
        );
    }

    #[test]
    fn client_errors_are_left_alone() {
        let mut error = ServerError::new("Studio not found", None);
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", "NOT_FOUND");
        error.extensions = Some(ext);
        mask(&mut error, Some("req-1"));
        assert_eq!(error.message, "Studio not found");
        assert!(error.extensions.expect("ext").get("requestId").is_none());
    }
}
