//! What goes wrong in the Studios domain, as the services and rules see it, and the one match
//! that gives each case its client code, `reason` and field.
//!
//! Services return [`StudiosError`]; resolvers hand it on with `.map_err(GraphError::from)?`.
//! Not a bare `?`: the enum is `Display` (thiserror), and async-graphql turns any `Display`
//! type into an error without extensions, so the code would be lost on the way.

use sea_orm::{DbErr, SqlErr};
use studiogate_graph::{ErrorCode, GraphError};

use crate::enums::ExecutionStatus;
use crate::rules::execution::Actor;

/// A Studios write that did not happen, and why. The message is what the client reads.
#[derive(Debug, thiserror::Error)]
pub enum StudiosError {
    /// A unique name (within its parent) is already in use.
    #[error("{}", .0.message())]
    NameTaken(Named),
    /// The row changed since the client read it (its `updatedAt` no longer matches), or
    /// between our read and our write.
    #[error("{entity} was changed by someone else; reload and retry")]
    Stale { entity: &'static str },
    /// A runner reported on, or heartbeated, an execution it no longer holds.
    #[error("This runner no longer holds the execution (its lease expired or it was reassigned)")]
    LeaseLost,
    /// The change would leave a company without an approved admin.
    #[error("A company needs at least one admin; appoint another admin first")]
    LastAdmin,
    /// The viewer asked to join a company they belong to or have asked to join already.
    #[error("You already have a membership or a pending request for this company")]
    AlreadyMember,
    /// Only the company's admins may do this.
    #[error("Not allowed")]
    NotAdmin,
    /// Only the row's creator or an admin of its company may do this (delete a card).
    #[error("Only its creator or a company admin may delete this {what}")]
    NotCreatorOrAdmin { what: &'static str },
    /// A stage that still holds cards is deleted only with a stage to move them to.
    #[error("The stage still holds {cards} cards; name a stage of the board to move them to")]
    StageNotEmpty { cards: usize },
    /// The membership's status does not allow the decision (`action` says which).
    #[error("A {} membership cannot be {action}", from.to_uppercase())]
    MembershipTransition { from: String, action: &'static str },
    /// The membership changed between our read and our write.
    #[error("A {} membership cannot be changed: it changed meanwhile", from.to_uppercase())]
    MembershipChangedMeanwhile { from: String },
    /// The execution state machine has no such move.
    #[error(
        "An execution cannot go from {} to {}",
        from.as_db().to_uppercase(),
        to.as_db().to_uppercase()
    )]
    InvalidTransition {
        from: ExecutionStatus,
        to: ExecutionStatus,
    },
    /// The move is legal but taken by the other kind of actor: runners start, succeed and
    /// fail; people pause, resume, cancel and retry.
    #[error(
        "Only {} moves an execution from {} to {}",
        taken_by.as_str(),
        from.as_db().to_uppercase(),
        to.as_db().to_uppercase()
    )]
    TransitionNotYours {
        from: ExecutionStatus,
        to: ExecutionStatus,
        taken_by: Actor,
    },
    /// A failed execution has been retried as often as allowed.
    #[error("An execution is retried at most {max} times")]
    RetryLimit { max: i32 },
    /// The execution's status changed between our read and our write.
    #[error("The execution changed state meanwhile; reload and retry")]
    ExecutionChangedMeanwhile,
    /// The upload would take the company's files past its storage quota.
    #[error("The company's files would exceed its storage quota of {limit} bytes ({used} in use)")]
    QuotaExceeded { limit: u64, used: u64 },
    /// Anything already in client form: not found, bad input, unauthenticated, internal.
    #[error("{}", .0.message)]
    Graph(GraphError),
}

/// What carries a unique name, for [`StudiosError::NameTaken`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// Unique among the companies one account created.
    Company,
    /// Unique within a company, ignoring case.
    Branch,
    Studio,
    Board,
    Stage,
    /// Its name and its display order are each unique within the studio.
    FieldDefinition,
    /// Unique in the catalog.
    Template,
}

impl Named {
    fn message(self) -> &'static str {
        match self {
            Self::Company => "You already have a company with this name",
            Self::Branch => "The company already has a branch with this name",
            Self::Studio => "The company already has a studio with this name",
            Self::Board => "The studio already has a board with this name",
            Self::Stage => "The board already has a stage with this name",
            Self::FieldDefinition => "The studio already has this field (or this display order)",
            Self::Template => "A template with this name already exists",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Self::Branch => "branch.name",
            Self::FieldDefinition => "fieldName",
            Self::Company | Self::Studio | Self::Board | Self::Stage | Self::Template => "name",
        }
    }
}

impl StudiosError {
    /// A write's error: a unique constraint is `name` taken; anything else is internal.
    pub fn taken(name: Named) -> impl FnOnce(DbErr) -> Self {
        move |err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::NameTaken(name),
            _ => err.into(),
        }
    }
}

impl From<GraphError> for StudiosError {
    fn from(err: GraphError) -> Self {
        Self::Graph(err)
    }
}

impl From<DbErr> for StudiosError {
    fn from(err: DbErr) -> Self {
        Self::Graph(err.into())
    }
}

/// The one place a Studios error gets its code, `reason` and field.
impl From<StudiosError> for GraphError {
    fn from(err: StudiosError) -> Self {
        use ErrorCode::{BadUserInput, Conflict, Forbidden, InvalidTransition};
        let (code, reason, field) = match &err {
            StudiosError::NameTaken(name) => (Conflict, None, Some(name.field())),
            StudiosError::Stale { .. } => (Conflict, Some("STALE_OBJECT"), Some("updatedAt")),
            StudiosError::LeaseLost => (Conflict, Some("LEASE_LOST"), Some("id")),
            StudiosError::LastAdmin => (Conflict, Some("LAST_ADMIN"), None),
            StudiosError::AlreadyMember => (Conflict, None, Some("companyId")),
            StudiosError::NotAdmin => (Forbidden, None, None),
            StudiosError::NotCreatorOrAdmin { .. } => (Forbidden, None, None),
            StudiosError::StageNotEmpty { .. } => (
                Conflict,
                Some("STAGE_NOT_EMPTY"),
                Some("moveCardsToStageId"),
            ),
            StudiosError::MembershipTransition { .. }
            | StudiosError::MembershipChangedMeanwhile { .. } => (InvalidTransition, None, None),
            StudiosError::InvalidTransition { .. } | StudiosError::ExecutionChangedMeanwhile => {
                (InvalidTransition, None, Some("status"))
            }
            StudiosError::TransitionNotYours { taken_by, .. } => (
                Forbidden,
                Some(match taken_by {
                    Actor::Runner => "RUNNER_TRANSITION",
                    Actor::Person => "PERSON_TRANSITION",
                }),
                Some("status"),
            ),
            StudiosError::RetryLimit { .. } => {
                (InvalidTransition, Some("RETRY_LIMIT"), Some("status"))
            }
            StudiosError::QuotaExceeded { .. } => {
                (BadUserInput, Some("QUOTA_EXCEEDED"), Some("file"))
            }
            StudiosError::Graph(err) => return err.clone(),
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

    fn client(err: StudiosError) -> GraphError {
        err.into()
    }

    #[test]
    fn a_stale_row_is_a_conflict_on_updated_at() {
        let err = client(StudiosError::Stale { entity: "Studio" });
        assert_eq!(err.code, ErrorCode::Conflict);
        assert_eq!(err.reason, Some("STALE_OBJECT"));
        assert_eq!(err.field.as_deref(), Some("updatedAt"));
        assert_eq!(
            err.message,
            "Studio was changed by someone else; reload and retry"
        );
    }

    #[test]
    fn a_taken_name_names_its_field() {
        let err = client(StudiosError::NameTaken(Named::Branch));
        assert_eq!(err.code, ErrorCode::Conflict);
        assert_eq!(err.field.as_deref(), Some("branch.name"));
        assert_eq!(err.reason, None);
    }

    #[test]
    fn transitions_say_where_from_and_where_to() {
        let err = client(StudiosError::InvalidTransition {
            from: ExecutionStatus::Succeeded,
            to: ExecutionStatus::Running,
        });
        assert_eq!(err.code, ErrorCode::InvalidTransition);
        assert_eq!(
            err.message,
            "An execution cannot go from SUCCEEDED to RUNNING"
        );
        let err = client(StudiosError::MembershipTransition {
            from: "rejected".into(),
            action: "revoked",
        });
        assert_eq!(err.message, "A REJECTED membership cannot be revoked");
        assert_eq!(err.field, None);
    }

    #[test]
    fn an_upload_over_the_quota_is_bad_input_on_the_file() {
        let err = client(StudiosError::QuotaExceeded {
            limit: 1000,
            used: 990,
        });
        assert_eq!(err.code, ErrorCode::BadUserInput);
        assert_eq!(err.reason, Some("QUOTA_EXCEEDED"));
        assert_eq!(err.field.as_deref(), Some("file"));
        assert_eq!(
            err.message,
            "The company's files would exceed its storage quota of 1000 bytes (990 in use)"
        );
    }

    #[test]
    fn an_error_already_in_client_form_passes_unchanged() {
        let err = client(
            GraphError::not_found("Studio")
                .with_field("studioId")
                .into(),
        );
        assert_eq!(err.code, ErrorCode::NotFound);
        assert_eq!(err.message, "Studio not found");
        assert_eq!(err.field.as_deref(), Some("studioId"));
    }
}
