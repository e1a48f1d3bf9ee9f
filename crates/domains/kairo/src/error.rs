//! What goes wrong in the KAIRO domain, as its services and rules see it, and the one match
//! that gives each case its client code, `reason` and field.
//!
//! Services return [`KairoError`]; resolvers hand it on with `.map_err(GraphError::from)?`
//! (a bare `?` would turn the `Display` enum into an error without its code).

use studiogate_graph::{ErrorCode, GraphError};

/// A KAIRO write that did not happen, and why. The message is what the client reads.
#[derive(Debug, thiserror::Error)]
pub enum KairoError {
    /// An input field breaks a rule (`reason` names which).
    #[error("{message}")]
    Invalid {
        field: String,
        reason: &'static str,
        message: String,
    },
    /// A slug already in use.
    #[error("The slug {slug:?} is already in use")]
    SlugTaken { slug: String },
    /// A state machine has no such move.
    #[error("{what} cannot go from {from} to {to}")]
    Transition {
        what: &'static str,
        from: &'static str,
        to: &'static str,
    },
    /// The row changed state between our read and our write.
    #[error("{what} changed meanwhile; reload and retry")]
    ChangedMeanwhile { what: &'static str },
    /// Lead creation from one address came too often.
    #[error("Too many submissions from your address; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// Anything already in client form: not found, forbidden, internal.
    #[error("{}", .0.message)]
    Graph(GraphError),
}

impl KairoError {
    pub fn invalid(field: &str, reason: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            reason,
            message: message.into(),
        }
    }
}

impl From<GraphError> for KairoError {
    fn from(err: GraphError) -> Self {
        Self::Graph(err)
    }
}

impl From<sea_orm::DbErr> for KairoError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Graph(GraphError::from(err))
    }
}

impl From<KairoError> for GraphError {
    fn from(err: KairoError) -> Self {
        let message = err.to_string();
        match err {
            KairoError::Invalid { field, reason, .. } => {
                GraphError::bad_input(field, message).with_reason(reason)
            }
            KairoError::SlugTaken { .. } => {
                GraphError::conflict("slug", message).with_reason("SLUG_TAKEN")
            }
            KairoError::Transition { .. } => {
                GraphError::new(ErrorCode::InvalidTransition, message).with_field("status")
            }
            KairoError::ChangedMeanwhile { .. } => {
                GraphError::new(ErrorCode::Conflict, message).with_reason("CHANGED_MEANWHILE")
            }
            KairoError::RateLimited { retry_after } => {
                GraphError::new(ErrorCode::RateLimited, message).with_retry_after(retry_after)
            }
            KairoError::Graph(err) => err,
        }
    }
}
