//! The spec's enumerations, as GraphQL enums over the strings the columns store.

use studiogate_graph::db_enum;

db_enum!(
    /// A company's industry classification.
    IndustryType {
        Technology = "technology",
        Healthcare = "healthcare",
        Finance = "finance",
        Retail = "retail",
        Manufacturing = "manufacturing",
        Education = "education",
        Consulting = "consulting",
        Other = "other",
    }
);

db_enum!(
    /// The business area a studio or a workflow template focuses on.
    BusinessArea {
        Marketing = "marketing",
        Sales = "sales",
        Operations = "operations",
        CustomerSupport = "customer_support",
        Finance = "finance",
        Hr = "hr",
        Other = "other",
    }
);

db_enum!(
    /// A member's role within a company.
    MembershipRole {
        Admin = "admin",
        Member = "member",
    }
);

db_enum!(
    /// Where a join request stands. Only `APPROVED` grants access; `INACTIVE` is revoked access.
    MembershipStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
        Inactive = "inactive",
    }
);

db_enum!(
    /// How demanding a workflow template is to set up.
    ComplexityLevel {
        Beginner = "beginner",
        Intermediate = "intermediate",
        Advanced = "advanced",
    }
);

db_enum!(
    /// The state of a workflow execution.
    ExecutionStatus {
        Pending = "pending",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
        Paused = "paused",
    }
);

db_enum!(
    /// Who may see a file: `PRIVATE`, its uploader only; `STUDIO` and `COMPANY`, every approved
    /// member of the owning company. The two are one audience: access to a studio is granted
    /// through membership of its company, and there is no membership of a single studio.
    AccessLevel {
        Private = "private",
        Studio = "studio",
        Company = "company",
    }
);

db_enum!(
    /// How an execution used a file.
    FileUsageType {
        Input = "input",
        Output = "output",
    }
);

db_enum!(
    /// The kind of value a custom card field holds.
    CardFieldType {
        Text = "text",
        Number = "number",
        Date = "date",
        Dropdown = "dropdown",
        Checkbox = "checkbox",
    }
);
