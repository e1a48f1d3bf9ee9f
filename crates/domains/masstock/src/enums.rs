//! The spec's enumerations, as GraphQL enums over the strings the columns store.

use studiogate_graph::db_enum;

db_enum!(
    /// Whether a client or a user is in use. `SUSPENDED` and `DELETED` are soft deletes: the
    /// row stays, and its members see and write nothing.
    MasstockStatus {
        Active = "active",
        Suspended = "suspended",
        Deleted = "deleted",
    }
);

db_enum!(
    /// A member's role within a client.
    MasstockMemberRole {
        /// Full access: workflows, executions, requests, tickets.
        Owner = "owner",
        /// Workflows, executions and results.
        Collaborator = "collaborator",
    }
);

db_enum!(
    /// Whether a workflow can be run.
    MasstockWorkflowStatus {
        Active = "active",
        Inactive = "inactive",
    }
);

db_enum!(
    /// Where a workflow request stands: `PENDING -> APPROVED | REJECTED`, decided by a
    /// platform admin.
    MasstockRequestStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
);

db_enum!(
    /// The state of an execution or of one of its batch results:
    /// `PENDING -> PROCESSING -> COMPLETED | FAILED`.
    MasstockRunStatus {
        Pending = "pending",
        Processing = "processing",
        Completed = "completed",
        Failed = "failed",
    }
);

db_enum!(
    /// Where a support ticket stands: `OPEN -> IN_PROGRESS -> RESOLVED -> CLOSED`.
    MasstockTicketStatus {
        Open = "open",
        InProgress = "in_progress",
        Resolved = "resolved",
        Closed = "closed",
    }
);

db_enum!(
    /// How urgent a support ticket is.
    MasstockTicketPriority {
        Low = "low",
        Medium = "medium",
        High = "high",
        Urgent = "urgent",
    }
);

db_enum!(
    /// The spec's `users.role`: `ADMIN` is a MasStock platform admin (identity's
    /// `platform_roles`), `USER` anyone else.
    MasstockUserRole {
        Admin = "admin",
        User = "user",
    }
);

pub use MasstockMemberRole as MemberRole;
pub use MasstockRequestStatus as RequestStatus;
pub use MasstockRunStatus as RunStatus;
pub use MasstockStatus as Status;
pub use MasstockTicketPriority as TicketPriority;
pub use MasstockTicketStatus as TicketStatus;
pub use MasstockWorkflowStatus as WorkflowStatus;
