//! What goes wrong in the MasStock domain, as the services and rules see it, and the one match
//! that gives each case its client code, `reason` and field.
//!
//! Services return [`MasstockError`]; resolvers hand it on with `.map_err(GraphError::from)?`
//! (a bare `?` would lose the code: the enum is `Display`).

use sea_orm::{DbErr, SqlErr};
use studiogate_graph::{ErrorCode, GraphError};

/// A MasStock write that did not happen, and why. The message is what the client reads.
#[derive(Debug, thiserror::Error)]
pub enum MasstockError {
    /// Input a rule refused: the field, a `reason` clients can switch on, and the message.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
        message: String,
    },
    /// A state machine has no such move.
    #[error("{what} cannot go from {} to {}", from.to_uppercase(), to.to_uppercase())]
    InvalidTransition {
        what: &'static str,
        from: String,
        to: String,
    },
    /// The row's status changed between our read and our write.
    #[error("{what} changed meanwhile; reload and retry")]
    ChangedMeanwhile { what: &'static str },
    /// The account is a member of the client already.
    #[error("This user is already a member of the client")]
    AlreadyMember,
    /// The client must keep an owner.
    #[error("A client needs at least one owner; appoint another owner first")]
    LastOwner,
    /// Only the client's owners may do this (the viewer is a collaborator).
    #[error("Only the client's owners may do this")]
    OwnersOnly,
    /// A runner reported on an execution it no longer holds.
    #[error("This runner no longer holds the execution (its lease expired or it was reassigned)")]
    LeaseLost,
    /// Anything already in client form: not found, bad input, unauthenticated, internal.
    #[error("{}", .0.message)]
    Graph(GraphError),
}

impl MasstockError {
    pub fn invalid(field: &'static str, reason: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason,
            message: message.into(),
        }
    }

    /// A write's error: a unique constraint is `on_unique`; anything else is internal.
    pub fn unique(on_unique: Self) -> impl FnOnce(DbErr) -> Self {
        move |err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => on_unique,
            _ => err.into(),
        }
    }
}

impl From<GraphError> for MasstockError {
    fn from(err: GraphError) -> Self {
        Self::Graph(err)
    }
}

impl From<DbErr> for MasstockError {
    fn from(err: DbErr) -> Self {
        Self::Graph(err.into())
    }
}

/// The one place a MasStock error gets its code, `reason` and field.
impl From<MasstockError> for GraphError {
    fn from(err: MasstockError) -> Self {
        use ErrorCode::{BadUserInput, Conflict, Forbidden, InvalidTransition};
        let (code, reason, field) = match &err {
            MasstockError::Invalid { field, reason, .. } => {
                (BadUserInput, Some(*reason), Some(*field))
            }
            MasstockError::InvalidTransition { .. } => (InvalidTransition, None, Some("status")),
            MasstockError::ChangedMeanwhile { .. } => {
                (Conflict, Some("CHANGED_MEANWHILE"), Some("status"))
            }
            MasstockError::AlreadyMember => (Conflict, Some("ALREADY_MEMBER"), Some("userId")),
            MasstockError::LastOwner => (Conflict, Some("LAST_OWNER"), None),
            MasstockError::OwnersOnly => (Forbidden, Some("OWNERS_ONLY"), None),
            MasstockError::LeaseLost => (Conflict, Some("LEASE_LOST"), Some("executionId")),
            MasstockError::Graph(err) => return err.clone(),
        };
        let mut out = GraphError::new(code, err.to_string());
        out.reason = reason;
        out.field = field.map(str::to_owned);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_carries_its_field_and_reason() {
        let err: GraphError =
            MasstockError::invalid("prompts", "TOO_MANY_PROMPTS", "At most 100 prompts").into();
        assert_eq!(err.code, ErrorCode::BadUserInput);
        assert_eq!(err.reason, Some("TOO_MANY_PROMPTS"));
        assert_eq!(err.field.as_deref(), Some("prompts"));
    }

    #[test]
    fn transitions_say_where_from_and_where_to() {
        let err: GraphError = MasstockError::InvalidTransition {
            what: "A ticket",
            from: "closed".into(),
            to: "open".into(),
        }
        .into();
        assert_eq!(err.code, ErrorCode::InvalidTransition);
        assert_eq!(err.message, "A ticket cannot go from CLOSED to OPEN");
    }
}
