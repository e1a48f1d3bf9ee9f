//! Tenant-scoped selects, the first wall between tenants. Code outside this module never calls
//! `Entity::find()` for tenant data; it starts from one of these and only narrows it further.

use sea_orm::sea_query::{Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::generated::{
    card_field_definitions, companies, files, kanban_boards, kanban_cards, kanban_stages, studios,
    user_companies, user_profiles, workflow_executions, workflow_templates,
};

/// What one viewer may see: their own account, and the companies where their membership is
/// `approved` (pending, rejected and revoked memberships grant nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    pub account_id: Uuid,
    pub companies: Companies,
}

/// The companies a scope opens; `All` is a studios platform admin reading (private files
/// still stay with their uploader).
pub type Companies = studiogate_graph::Tenants;

impl TenantScope {
    fn in_companies<C: ColumnTrait>(&self, column: C) -> SimpleExpr {
        self.companies.condition(column)
    }

    fn studio_ids(&self) -> SelectStatement {
        Query::select()
            .column(studios::Column::Id)
            .from(studios::Entity)
            .and_where(self.in_companies(studios::Column::CompanyId))
            .to_owned()
    }

    fn board_ids(&self) -> SelectStatement {
        Query::select()
            .column(kanban_boards::Column::Id)
            .from(kanban_boards::Entity)
            .and_where(kanban_boards::Column::StudioId.in_subquery(self.studio_ids()))
            .to_owned()
    }

    pub fn companies(&self) -> Select<companies::Entity> {
        companies::Entity::find().filter(self.in_companies(companies::Column::Id))
    }

    pub fn studios(&self) -> Select<studios::Entity> {
        studios::Entity::find().filter(self.in_companies(studios::Column::CompanyId))
    }

    pub fn executions(&self) -> Select<workflow_executions::Entity> {
        workflow_executions::Entity::find()
            .filter(workflow_executions::Column::StudioId.in_subquery(self.studio_ids()))
    }

    /// `private` files only for their uploader. The spec's `studio` and `company` levels both
    /// mean "members of the owning company": studio access is company membership.
    pub fn files(&self) -> Select<files::Entity> {
        files::Entity::find()
            .filter(files::Column::StudioId.in_subquery(self.studio_ids()))
            .filter(
                Condition::any()
                    .add(files::Column::AccessLevel.ne("private"))
                    .add(files::Column::UploadedBy.eq(self.account_id)),
            )
    }

    pub fn kanban_boards(&self) -> Select<kanban_boards::Entity> {
        kanban_boards::Entity::find()
            .filter(kanban_boards::Column::StudioId.in_subquery(self.studio_ids()))
    }

    pub fn kanban_stages(&self) -> Select<kanban_stages::Entity> {
        kanban_stages::Entity::find()
            .filter(kanban_stages::Column::BoardId.in_subquery(self.board_ids()))
    }

    pub fn kanban_cards(&self) -> Select<kanban_cards::Entity> {
        kanban_cards::Entity::find()
            .filter(kanban_cards::Column::BoardId.in_subquery(self.board_ids()))
    }

    pub fn card_field_definitions(&self) -> Select<card_field_definitions::Entity> {
        card_field_definitions::Entity::find()
            .filter(card_field_definitions::Column::StudioId.in_subquery(self.studio_ids()))
    }

    /// Memberships of the viewer's companies, and the viewer's own (of any status).
    pub fn memberships(&self) -> Select<user_companies::Entity> {
        user_companies::Entity::find().filter(
            Condition::any()
                .add(self.in_companies(user_companies::Column::CompanyId))
                .add(user_companies::Column::UserId.eq(self.account_id)),
        )
    }

    /// The viewer's profile and those of people with a membership in the viewer's companies.
    pub fn profiles(&self) -> Select<user_profiles::Entity> {
        let colleagues = Query::select()
            .column(user_companies::Column::UserId)
            .from(user_companies::Entity)
            .and_where(self.in_companies(user_companies::Column::CompanyId))
            .to_owned();
        user_profiles::Entity::find().filter(
            Condition::any()
                .add(user_profiles::Column::Id.eq(self.account_id))
                .add(user_profiles::Column::Id.in_subquery(colleagues)),
        )
    }
}

/// Workflow templates are the platform's catalog, not tenant data: members see the active
/// ones, platform admins see all.
pub fn templates(include_inactive: bool) -> Select<workflow_templates::Entity> {
    let select = workflow_templates::Entity::find();
    if include_inactive {
        select
    } else {
        select.filter(workflow_templates::Column::IsActive.eq(true))
    }
}

/// A viewer's own memberships, of every status: what a [`TenantScope`] is built from.
pub fn memberships_of(account_id: Uuid) -> Select<user_companies::Entity> {
    user_companies::Entity::find().filter(user_companies::Column::UserId.eq(account_id))
}

/// A viewer's own account row.
pub fn own_account(account_id: Uuid) -> Select<crate::generated::accounts::Entity> {
    use crate::generated::accounts;
    accounts::Entity::find().filter(accounts::Column::Id.eq(account_id))
}

/// A company by id, for join requests: the requester is not a member yet, and learns no more
/// than that the company exists.
pub fn joinable_company(company_id: Uuid) -> Select<companies::Entity> {
    companies::Entity::find().filter(companies::Column::Id.eq(company_id))
}

impl TenantScope {
    /// Files of the visible studios, private ones included: for totals only (a count reveals
    /// nothing of a private file, and a studio's totals must not depend on who asks).
    pub fn files_for_totals(&self) -> Select<files::Entity> {
        files::Entity::find().filter(files::Column::StudioId.in_subquery(self.studio_ids()))
    }
}

/// A file by id for a download link: the link's signature, issued to a viewer who could see
/// the file, is the authorisation.
pub fn signed_file(file_id: Uuid) -> Select<files::Entity> {
    files::Entity::find().filter(files::Column::Id.eq(file_id))
}
