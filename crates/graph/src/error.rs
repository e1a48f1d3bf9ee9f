//! The closed set of error codes a client can see, and the one conversion into a GraphQL error.

use async_graphql::ErrorExtensions;

/// Every error a client receives carries exactly one of these in `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    InvalidTransition,
    RateLimited,
    /// The request ran past the configured request timeout.
    Timeout,
    InternalServerError,
    /// The operation itself is invalid: unknown fields, too deep, too complex.
    GraphqlValidationFailed,
    /// The HTTP request is not a GraphQL request: no query, a malformed body.
    BadRequest,
    /// A request a browser could have sent cross-site without a preflight.
    CsrfPrevented,
    /// The body, or an uploaded file, is over its limit.
    PayloadTooLarge,
    /// A JSON array of operations where batching is off, or a batch over its size.
    BatchNotAllowed,
    /// A mutation or subscription sent with GET.
    MethodNotAllowed,
    /// An automatic persisted query's hash that this server does not hold (Apollo's code:
    /// the client then sends the document).
    PersistedQueryNotFound,
    /// Automatic persisted queries are off.
    PersistedQueryNotSupported,
    /// Trusted-documents mode, and the operation is not in the manifest.
    OperationNotTrusted,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::InvalidTransition => "INVALID_TRANSITION",
            Self::RateLimited => "RATE_LIMITED",
            Self::Timeout => "TIMEOUT",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::BadRequest => "BAD_REQUEST",
            Self::CsrfPrevented => "CSRF_PREVENTED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::BatchNotAllowed => "BATCH_NOT_ALLOWED",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            Self::OperationNotTrusted => "OPERATION_NOT_TRUSTED",
        }
    }
}

/// A client-facing error: a code, a message safe to show, and optionally the offending input
/// field. Internal causes are logged where they are converted and never reach the client.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type
/// into an error without extensions, and the code must never be lost on the way.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    /// A finer, domain-specific reason within the code (such as `STALE_OBJECT`).
    pub reason: Option<&'static str>,
    /// Itemised problems of one input (such as JSON Schema violations with their pointers).
    pub violations: Option<serde_json::Value>,
    /// Seconds until a refused caller may try again (`RATE_LIMITED`).
    pub retry_after: Option<u64>,
}

impl GraphError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            reason: None,
            violations: None,
            retry_after: None,
        }
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    pub fn with_violations(mut self, violations: Vec<serde_json::Value>) -> Self {
        self.violations = Some(serde_json::Value::Array(violations));
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    /// A unique value already taken.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message).with_field(field)
    }

    /// The row changed since the client read it (its `updatedAt` no longer matches).
    pub fn stale(what: &str) -> Self {
        Self::new(
            ErrorCode::Conflict,
            format!("{what} was changed by someone else; reload and retry"),
        )
        .with_field("updatedAt")
        .with_reason("STALE_OBJECT")
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Authentication required")
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "Not allowed")
    }

    /// The same answer for a missing row and for a row of another tenant.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadUserInput, message).with_field(field)
    }

    /// Logs the cause once, here, and gives the client nothing but the code.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::InternalServerError, "Internal server error")
    }
}

/// The refusal of a string holding a NUL character, wherever it is found (variables, document
/// literals, or PostgreSQL's refusal): PostgreSQL cannot store NUL in text, SQLite can, and the
/// answer must not depend on the backend.
pub const NUL_IN_STRING: &str = "Strings may not contain the NUL character (\\u0000)";

impl From<sea_orm::DbErr> for GraphError {
    fn from(err: sea_orm::DbErr) -> Self {
        // PostgreSQL refuses a NUL character in text (SQLite stores it): that is the client's
        // input, escaped in the document (`"\u0000"`) where the HTTP layer cannot see it.
        if err
            .to_string()
            .contains("invalid byte sequence for encoding \"UTF8\": 0x00")
        {
            return Self::new(ErrorCode::BadUserInput, NUL_IN_STRING);
        }
        Self::internal(&err)
    }
}

impl ErrorExtensions for GraphError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.message.clone()).extend_with(|_, ext| {
            ext.set("code", self.code.as_str());
            if let Some(field) = &self.field {
                ext.set("field", field.as_str());
            }
            if let Some(reason) = self.reason {
                ext.set("reason", reason);
            }
            if let Some(secs) = self.retry_after {
                ext.set("retryAfter", secs);
            }
            if let Some(violations) = &self.violations {
                if let Ok(value) = async_graphql::Value::from_json(violations.clone()) {
                    ext.set("violations", value);
                }
            }
        })
    }
}

impl From<GraphError> for async_graphql::Error {
    fn from(err: GraphError) -> Self {
        err.extend()
    }
}

/// Resolvers return this; `?` on a [`GraphError`] keeps the code.
pub type GraphResult<T> = Result<T, async_graphql::Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_carries_code_and_field() {
        let err: async_graphql::Error = GraphError::bad_input("first", "must be 1..100").into();
        let ext = err.extensions.expect("extensions");
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
        assert_eq!(ext.get("field"), Some(&async_graphql::Value::from("first")));
    }

    #[test]
    fn internal_error_hides_its_cause() {
        let err = GraphError::internal(&"relation \"x\" does not exist");
        assert_eq!(err.message, "Internal server error");
        assert_eq!(err.code, ErrorCode::InternalServerError);
    }
}
