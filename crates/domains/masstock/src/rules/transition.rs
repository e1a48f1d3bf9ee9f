//! The spec's state machines. Each says whether a move is allowed; services apply it with a
//! conditional UPDATE (the row must still be in `from`).

use crate::enums::{RequestStatus, RunStatus, TicketStatus};
use crate::error::MasstockError;

fn refuse(what: &'static str, from: &str, to: &str) -> MasstockError {
    MasstockError::InvalidTransition {
        what,
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

/// `PENDING -> APPROVED | REJECTED`, once.
pub fn request(from: RequestStatus, to: RequestStatus) -> Result<(), MasstockError> {
    use RequestStatus::{Approved, Pending, Rejected};
    match (from, to) {
        (Pending, Approved | Rejected) => Ok(()),
        _ => Err(refuse("A workflow request", from.as_db(), to.as_db())),
    }
}

/// Executions and batch results alike: `PENDING -> PROCESSING -> COMPLETED | FAILED`.
pub fn run(what: &'static str, from: RunStatus, to: RunStatus) -> Result<(), MasstockError> {
    use RunStatus::{Completed, Failed, Pending, Processing};
    match (from, to) {
        (Pending, Processing) | (Processing, Completed | Failed) => Ok(()),
        _ => Err(refuse(what, from.as_db(), to.as_db())),
    }
}

/// `OPEN -> IN_PROGRESS -> RESOLVED -> CLOSED`, one step at a time.
pub fn ticket(from: TicketStatus, to: TicketStatus) -> Result<(), MasstockError> {
    use TicketStatus::{Closed, InProgress, Open, Resolved};
    match (from, to) {
        (Open, InProgress) | (InProgress, Resolved) | (Resolved, Closed) => Ok(()),
        _ => Err(refuse("A support ticket", from.as_db(), to.as_db())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_decided_once() {
        use RequestStatus::*;
        assert!(request(Pending, Approved).is_ok());
        assert!(request(Pending, Rejected).is_ok());
        assert!(request(Approved, Rejected).is_err());
        assert!(request(Rejected, Pending).is_err());
        assert!(request(Pending, Pending).is_err());
    }

    #[test]
    fn runs_go_forward_only() {
        use RunStatus::*;
        assert!(run("x", Pending, Processing).is_ok());
        assert!(run("x", Processing, Completed).is_ok());
        assert!(run("x", Processing, Failed).is_ok());
        assert!(run("x", Pending, Completed).is_err());
        assert!(run("x", Completed, Processing).is_err());
        assert!(run("x", Failed, Completed).is_err());
    }

    #[test]
    fn tickets_move_one_step_at_a_time() {
        use TicketStatus::*;
        assert!(ticket(Open, InProgress).is_ok());
        assert!(ticket(InProgress, Resolved).is_ok());
        assert!(ticket(Resolved, Closed).is_ok());
        assert!(ticket(Open, Closed).is_err());
        assert!(ticket(Closed, Open).is_err());
    }
}
