//! The one admission path of every operation, over HTTP and over WebSocket alike:
//! authentication, then the rate limits, then the document (persisted by hash, or trusted).
//! Each transport turns a [`Refusal`] into its own shape: an HTTP response with a status, or
//! a GraphQL error on the socket.
//!
//! The rate limits and the document are two steps, because HTTP charges a request before it
//! reads its body (an upload may be hundreds of megabytes spooled to disk) and only reads the
//! document from that body. [`Admission::charge`] gives a [`Charged`] and
//! [`Admission::admit_document`] takes one, so no operation runs uncharged and no charge
//! admits two: a POST is charged once before its body is read, and each further operation of
//! a batch once more; a GET and each websocket operation once.

use async_graphql::{ErrorExtensionValues, ServerError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use std::net::IpAddr;
use std::sync::Arc;
use studiogate_graph::{AuthError, Authenticate, ErrorCode, Viewer};

use crate::intake;
use crate::persisted::{self, Documents};
use crate::ratelimit::{Limited, Limiter};

/// Why an operation does not run.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Seconds until a rate-limited caller may try again.
    pub retry_after: Option<u64>,
}

impl Refusal {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The HTTP answer: the status, the error body and, where they apply, `Retry-After` and
    /// `WWW-Authenticate`.
    pub fn into_response(self) -> Response {
        if self.code == ErrorCode::InternalServerError {
            return crate::observability::internal_error();
        }
        let mut response = intake::refuse(self.status, self.code, &self.message);
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }

    /// The same refusal as a GraphQL error, for a websocket operation.
    pub fn into_server_error(self) -> ServerError {
        crate::observability::count_error(self.code.as_str());
        let mut error = ServerError::new(self.message, None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", self.code.as_str());
        if let Some(secs) = self.retry_after {
            extensions.set("retryAfter", secs);
        }
        error.extensions = Some(extensions);
        error
    }
}

/// Whether any string (or object key) in `value` holds a NUL character.
fn has_nul(value: &async_graphql::Variables) -> bool {
    fn walk(value: &async_graphql::Value) -> bool {
        use async_graphql::Value;
        match value {
            Value::String(s) => s.contains('\0'),
            Value::List(items) => items.iter().any(walk),
            Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || walk(v)),
            _ => false,
        }
    }
    value.iter().any(|(k, v)| k.contains('\0') || walk(v))
}

/// One operation's draw on the rate limits, to be spent on one document.
#[must_use = "a charge admits one document"]
#[derive(Debug)]
pub struct Charged(());

/// `RATE_LIMITED` with `Retry-After`: too many `what` ("requests for this viewer").
fn rate_limited(limited: &Limited, what: &str) -> Refusal {
    let secs = limited.retry_after_secs();
    let mut refusal = Refusal::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        format!("Too many {what}; retry in {secs} s"),
    );
    refusal.retry_after = Some(secs);
    refusal
}

pub struct Admission {
    authenticator: Arc<dyn Authenticate>,
    limiter: Arc<Limiter>,
    documents: Documents,
}

impl Admission {
    pub fn new(
        authenticator: Arc<dyn Authenticate>,
        limiter: Arc<Limiter>,
        documents: Documents,
    ) -> Self {
        Self {
            authenticator,
            limiter,
            documents,
        }
    }

    /// The viewer of an `Authorization` value (a header, or `connection_init`'s entry); none
    /// is the anonymous viewer, a bad one is refused.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Viewer, Refusal> {
        match self.authenticator.viewer(authorization).await {
            Ok(viewer) => Ok(viewer),
            Err(AuthError::Internal) => Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalServerError,
                "Internal server error",
            )),
            Err(err) => Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                err.to_string(),
            )),
        }
    }

    /// A websocket upgrade, before anyone is authenticated: it draws on the caller's IP bucket,
    /// as an anonymous request does, so opening sockets is rate limited too.
    pub async fn admit_upgrade(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.limiter
            .check(&Viewer::anonymous(), ip)
            .await
            .map_err(|limited| rate_limited(&limited, "connections from this address"))
    }

    /// An upload (a multipart body, read and spooled before any GraphQL runs) is read only for
    /// a signed-in viewer: every upload mutation needs one, so an anonymous caller is refused
    /// before a byte of the body is read.
    pub fn admit_upload(&self, viewer: &Viewer) -> Result<(), Refusal> {
        if viewer.is_authenticated() {
            return Ok(());
        }
        Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "Uploads need a signed-in viewer: send an Authorization header",
        ))
    }

    /// The rate limits: one token from the viewer's bucket (the address's when anonymous) and
    /// from each of its tenants'.
    pub async fn charge(&self, viewer: &Viewer, ip: IpAddr) -> Result<Charged, Refusal> {
        match self.limiter.check(viewer, ip).await {
            Ok(()) => Ok(Charged(())),
            Err(limited) => {
                let what = format!("requests for this {}", limited.scope);
                Err(rate_limited(&limited, &what))
            }
        }
    }

    /// The operation's document, once charged: a persisted one by hash, or a trusted one. On
    /// success `request.query` holds the document to run.
    pub fn admit_document(
        &self,
        _charged: Charged,
        request: &mut async_graphql::Request,
    ) -> Result<(), Refusal> {
        self.documents.resolve(request).map_err(|refusal| {
            // Apollo clients read a miss from a 200 answer, then send the document.
            let status = if refusal.code == persisted::NOT_FOUND {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            Refusal::new(status, refusal.code, refusal.message)
        })?;
        if has_nul(&request.variables) || request.query.contains('\0') {
            // PostgreSQL refuses NUL in text and SQLite keeps it: refused here, the answer is
            // the same on both, and it is the client's.
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                studiogate_graph::error::NUL_IN_STRING,
            ));
        }
        if request.query.trim().is_empty() {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "A GraphQL request needs a non-empty `query` or an `extensions.persistedQuery` hash",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_found_anywhere_in_the_variables() {
        let vars = |json: serde_json::Value| async_graphql::Variables::from_json(json);
        assert!(!has_nul(&vars(
            serde_json::json!({ "a": "plain", "b": [1, "x"] })
        )));
        assert!(has_nul(&vars(serde_json::json!({ "a": "nul\u{0}" }))));
        assert!(has_nul(&vars(
            serde_json::json!({ "a": { "b": ["x", "\u{0}"] } })
        )));
        assert!(has_nul(&vars(serde_json::json!({ "a": { "k\u{0}": 1 } }))));
    }
}
