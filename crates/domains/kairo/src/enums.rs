//! The spec's enumerations, as GraphQL enums over the strings the columns store.

use studiogate_graph::db_enum;

db_enum!(
    /// A person's KAIRO role: the studio's own ADMIN and TEAM see every company; a CLIENT sees
    /// its own company.
    KairoRole {
        Admin = "ADMIN",
        Team = "TEAM",
        Client = "CLIENT",
    }
);

db_enum!(
    /// Where an automation stands; only ACTIVE automations run.
    KairoAutomationStatus {
        Draft = "DRAFT",
        Active = "ACTIVE",
        Paused = "PAUSED",
        Archived = "ARCHIVED",
    }
);

db_enum!(
    /// The state of one automation run.
    KairoRunStatus {
        Running = "RUNNING",
        Success = "SUCCESS",
        Failed = "FAILED",
    }
);

db_enum!(
    /// What kind of file an asset is.
    KairoAssetType {
        Model = "MODEL",
        Texture = "TEXTURE",
        Image = "IMAGE",
        Video = "VIDEO",
    }
);

db_enum!(
    /// Where a lead stands in the sales pipeline.
    KairoLeadStatus {
        New = "NEW",
        Contacted = "CONTACTED",
        Qualified = "QUALIFIED",
        Converted = "CONVERTED",
        Lost = "LOST",
    }
);

db_enum!(
    /// Where a lead came from.
    KairoLeadSource {
        ContactForm = "CONTACT_FORM",
        PlatformSignup = "PLATFORM_SIGNUP",
        Chat = "CHAT",
    }
);
