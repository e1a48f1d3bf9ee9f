//! Scoped selects and writes, the first wall between KAIRO's companies. Domain code never calls
//! a bare `find`, `update_many` or `delete_many` (`crates/domains/clippy.toml`): it starts from
//! one of these and only narrows it further.
//!
//! KAIRO's tenant is the company. The studio's own staff (ADMIN and TEAM) see every company; a
//! CLIENT sees its own company's rows; everyone, anonymous callers included, sees published
//! projects and services. Soft-deleted rows (`deleted_at`) are nobody's.

use sea_orm::sea_query::{Expr, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select, UpdateMany};
use uuid::Uuid;

use crate::generated::{
    kairo_assets as assets, kairo_automation_runs as runs, kairo_automations as automations,
    kairo_companies as companies, kairo_leads as leads, kairo_profiles as profiles,
    kairo_projects as projects, kairo_services as services,
};

/// What a viewer's KAIRO role opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// ADMIN or TEAM: the studio's own people, who see every company.
    Staff,
    /// A CLIENT, of one company (or of none yet: then it sees only what is public).
    Client { company: Option<Uuid> },
    /// No token: public rows only.
    Public,
}

/// The ids of the companies not deleted.
fn live_companies() -> SelectStatement {
    Query::select()
        .column(companies::Column::Id)
        .from(companies::Entity)
        .and_where(companies::Column::DeletedAt.is_null())
        .to_owned()
}

/// Rows of no company (the studio's own) or of a company not deleted.
fn of_live_company<C: ColumnTrait>(column: C) -> SimpleExpr {
    column.is_null().or(column.in_subquery(live_companies()))
}

/// One viewer's view of KAIRO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KairoScope {
    pub account_id: Option<Uuid>,
    pub access: Access,
}

impl KairoScope {
    pub fn is_staff(&self) -> bool {
        self.access == Access::Staff
    }

    /// The client's company, if any.
    pub fn company(&self) -> Option<Uuid> {
        match self.access {
            Access::Client { company } => company,
            _ => None,
        }
    }

    /// `column = <own company>`, all rows for staff, none for the rest; a soft-deleted
    /// company's rows are nobody's (its clients' scope closes with it).
    fn in_company<C: ColumnTrait>(&self, column: C) -> SimpleExpr {
        match self.access {
            Access::Staff => of_live_company(column),
            Access::Client {
                company: Some(company),
            } => column.eq(company).and(column.in_subquery(live_companies())),
            _ => Expr::value(false),
        }
    }

    pub fn companies(&self) -> Select<companies::Entity> {
        companies::Entity::find()
            .filter(companies::Column::DeletedAt.is_null())
            .filter(self.in_company(companies::Column::Id))
    }

    /// The viewer's own profile, and those of its company (everyone's for staff).
    pub fn profiles(&self) -> Select<profiles::Entity> {
        let own = match self.account_id {
            Some(id) => profiles::Column::Id.eq(id),
            None => Expr::value(false),
        };
        profiles::Entity::find()
            .filter(profiles::Column::DeletedAt.is_null())
            .filter(
                Condition::any()
                    .add(own)
                    .add(self.in_company(profiles::Column::CompanyId)),
            )
    }

    /// Published projects for everyone, the own company's unpublished ones for its clients,
    /// every project for staff.
    pub fn projects(&self) -> Select<projects::Entity> {
        projects::Entity::find()
            .filter(projects::Column::DeletedAt.is_null())
            .filter(of_live_company(projects::Column::CompanyId))
            .filter(
                Condition::any()
                    .add(projects::Column::Published.eq(true))
                    .add(self.in_company(projects::Column::CompanyId)),
            )
    }

    pub fn automations(&self) -> Select<automations::Entity> {
        automations::Entity::find()
            .filter(automations::Column::DeletedAt.is_null())
            .filter(self.in_company(automations::Column::CompanyId))
    }

    fn automation_ids(&self) -> SelectStatement {
        Query::select()
            .column(automations::Column::Id)
            .from(automations::Entity)
            .and_where(automations::Column::DeletedAt.is_null())
            .and_where(self.in_company(automations::Column::CompanyId))
            .to_owned()
    }

    pub fn runs(&self) -> Select<runs::Entity> {
        runs::Entity::find().filter(runs::Column::AutomationId.in_subquery(self.automation_ids()))
    }

    pub fn assets(&self) -> Select<assets::Entity> {
        assets::Entity::find()
            .filter(assets::Column::DeletedAt.is_null())
            .filter(self.in_company(assets::Column::CompanyId))
    }

    /// Leads are the studio's sales pipeline: staff only.
    pub fn leads(&self) -> Select<leads::Entity> {
        let staff = self.is_staff();
        leads::Entity::find()
            .filter(leads::Column::DeletedAt.is_null())
            .filter(Expr::value(staff))
    }

    /// Published services for everyone, drafts for staff.
    pub fn services(&self) -> Select<services::Entity> {
        let staff = self.is_staff();
        services::Entity::find().filter(
            Condition::any()
                .add(services::Column::Published.eq(true))
                .add(Expr::value(staff)),
        )
    }
}

/// Scoped writes: each UPDATE carries the predicate of the matching select (published rows
/// aside: being public is no licence to write), so a write narrowed to a row by id cannot reach
/// a row the writer may not write even if the check before it was skipped.
impl KairoScope {
    pub fn update_companies(&self) -> UpdateMany<companies::Entity> {
        companies::Entity::update_many()
            .filter(companies::Column::DeletedAt.is_null())
            .filter(self.in_company(companies::Column::Id))
    }

    pub fn update_projects(&self) -> UpdateMany<projects::Entity> {
        projects::Entity::update_many()
            .filter(projects::Column::DeletedAt.is_null())
            .filter(self.in_company(projects::Column::CompanyId))
    }

    /// Staff write projects of no company (the studio's own case studies) too.
    pub fn update_any_project(&self) -> UpdateMany<projects::Entity> {
        let staff = self.is_staff();
        projects::Entity::update_many()
            .filter(projects::Column::DeletedAt.is_null())
            .filter(of_live_company(projects::Column::CompanyId))
            .filter(Expr::value(staff))
    }

    pub fn update_automations(&self) -> UpdateMany<automations::Entity> {
        automations::Entity::update_many()
            .filter(automations::Column::DeletedAt.is_null())
            .filter(self.in_company(automations::Column::CompanyId))
    }

    pub fn update_runs(&self) -> UpdateMany<runs::Entity> {
        runs::Entity::update_many()
            .filter(runs::Column::AutomationId.in_subquery(self.automation_ids()))
    }

    pub fn update_assets(&self) -> UpdateMany<assets::Entity> {
        assets::Entity::update_many()
            .filter(assets::Column::DeletedAt.is_null())
            .filter(self.in_company(assets::Column::CompanyId))
    }

    pub fn update_leads(&self) -> UpdateMany<leads::Entity> {
        let staff = self.is_staff();
        leads::Entity::update_many()
            .filter(leads::Column::DeletedAt.is_null())
            .filter(Expr::value(staff))
    }

    pub fn update_services(&self) -> UpdateMany<services::Entity> {
        let staff = self.is_staff();
        services::Entity::update_many().filter(Expr::value(staff))
    }

    /// Profiles: staff change anyone's (roles, companies); others only their own.
    pub fn update_profiles(&self) -> UpdateMany<profiles::Entity> {
        let mut cond = Condition::any().add(Expr::value(self.is_staff()));
        if let Some(id) = self.account_id {
            cond = cond.add(profiles::Column::Id.eq(id));
        }
        profiles::Entity::update_many()
            .filter(profiles::Column::DeletedAt.is_null())
            .filter(cond)
    }
}

/// An account's own profile, whatever its role: what a scope is built from (and what the
/// account hooks write).
pub fn own_profile(account_id: Uuid) -> Select<profiles::Entity> {
    profiles::Entity::find()
        .filter(profiles::Column::Id.eq(account_id))
        .filter(profiles::Column::DeletedAt.is_null())
}

/// Whether a profile row exists for the account, deleted or not (the hook creates it once).
pub fn any_profile(account_id: Uuid) -> Select<profiles::Entity> {
    profiles::Entity::find().filter(profiles::Column::Id.eq(account_id))
}

/// An asset by id, for a download whose signed link was issued to a viewer allowed to see
/// it (the signature is the check); deleted assets, and those of deleted companies, are gone.
pub fn signed_asset(id: Uuid) -> Select<assets::Entity> {
    assets::Entity::find()
        .filter(assets::Column::Id.eq(id))
        .filter(assets::Column::DeletedAt.is_null())
        .filter(of_live_company(assets::Column::CompanyId))
}
