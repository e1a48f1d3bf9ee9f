//! Tenant-scoped selects and writes, the first wall between MasStock's clients. Code outside
//! this module never calls `Entity::find()`, `find_by_id`, `update_many()` or `delete_many()`
//! for tenant data (`crates/domains/clippy.toml` denies them in every domain crate); it starts
//! from one of these and only narrows it further.

use sea_orm::sea_query::{Expr, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select, UpdateMany};
use uuid::Uuid;

use crate::generated::{
    masstock_client_members as members, masstock_clients as clients, masstock_profiles as profiles,
    masstock_support_tickets as tickets, masstock_workflow_batch_results as batch_results,
    masstock_workflow_executions as executions, masstock_workflow_requests as requests,
    masstock_workflow_templates as templates, masstock_workflows as workflows,
};

/// The clients a scope opens; `All` is a MasStock platform admin.
pub type Clients = studiogate_graph::Tenants;

/// What one viewer may see: their own profile, and the clients they are a member of while
/// both the client and their profile are `active`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientScope {
    pub account_id: Uuid,
    pub clients: Clients,
}

/// The status that opens a client or a profile; `suspended` and `deleted` open nothing.
pub const ACTIVE: &str = "active";

impl ClientScope {
    fn in_clients<C: ColumnTrait>(&self, column: C) -> SimpleExpr {
        self.clients.condition(column)
    }

    fn execution_ids(&self) -> SelectStatement {
        Query::select()
            .column(executions::Column::Id)
            .from(executions::Entity)
            .and_where(self.in_clients(executions::Column::ClientId))
            .to_owned()
    }

    fn member_ids(&self) -> SelectStatement {
        Query::select()
            .column(members::Column::UserId)
            .from(members::Entity)
            .and_where(self.in_clients(members::Column::ClientId))
            .to_owned()
    }

    pub fn is_all(&self) -> bool {
        self.clients == Clients::All
    }

    pub fn clients(&self) -> Select<clients::Entity> {
        clients::Entity::find().filter(self.in_clients(clients::Column::Id))
    }

    pub fn members(&self) -> Select<members::Entity> {
        members::Entity::find().filter(self.in_clients(members::Column::ClientId))
    }

    /// The viewer's own profile and those of the members of the viewer's clients.
    pub fn profiles(&self) -> Select<profiles::Entity> {
        if self.is_all() {
            return profiles::Entity::find();
        }
        profiles::Entity::find().filter(
            Condition::any()
                .add(profiles::Column::Id.eq(self.account_id))
                .add(profiles::Column::Id.in_subquery(self.member_ids())),
        )
    }

    /// The template catalog is the platform admins' alone.
    pub fn templates(&self) -> Select<templates::Entity> {
        let open = self.is_all();
        templates::Entity::find().filter(Expr::value(open))
    }

    /// A workflow without a client is seen by platform admins only.
    pub fn workflows(&self) -> Select<workflows::Entity> {
        workflows::Entity::find().filter(self.in_clients(workflows::Column::ClientId))
    }

    pub fn requests(&self) -> Select<requests::Entity> {
        requests::Entity::find().filter(self.in_clients(requests::Column::ClientId))
    }

    pub fn executions(&self) -> Select<executions::Entity> {
        executions::Entity::find().filter(self.in_clients(executions::Column::ClientId))
    }

    pub fn batch_results(&self) -> Select<batch_results::Entity> {
        batch_results::Entity::find()
            .filter(batch_results::Column::ExecutionId.in_subquery(self.execution_ids()))
    }

    pub fn tickets(&self) -> Select<tickets::Entity> {
        tickets::Entity::find().filter(self.in_clients(tickets::Column::ClientId))
    }

    pub fn update_clients(&self) -> UpdateMany<clients::Entity> {
        clients::Entity::update_many().filter(self.in_clients(clients::Column::Id))
    }

    pub fn update_members(&self) -> UpdateMany<members::Entity> {
        members::Entity::update_many().filter(self.in_clients(members::Column::ClientId))
    }

    pub fn delete_members(&self) -> sea_orm::DeleteMany<members::Entity> {
        members::Entity::delete_many().filter(self.in_clients(members::Column::ClientId))
    }

    pub fn update_templates(&self) -> UpdateMany<templates::Entity> {
        let open = self.is_all();
        templates::Entity::update_many().filter(Expr::value(open))
    }

    pub fn update_workflows(&self) -> UpdateMany<workflows::Entity> {
        workflows::Entity::update_many().filter(self.in_clients(workflows::Column::ClientId))
    }

    pub fn update_requests(&self) -> UpdateMany<requests::Entity> {
        requests::Entity::update_many().filter(self.in_clients(requests::Column::ClientId))
    }

    pub fn update_executions(&self) -> UpdateMany<executions::Entity> {
        executions::Entity::update_many().filter(self.in_clients(executions::Column::ClientId))
    }

    pub fn update_batch_results(&self) -> UpdateMany<batch_results::Entity> {
        batch_results::Entity::update_many()
            .filter(batch_results::Column::ExecutionId.in_subquery(self.execution_ids()))
    }

    pub fn update_tickets(&self) -> UpdateMany<tickets::Entity> {
        tickets::Entity::update_many().filter(self.in_clients(tickets::Column::ClientId))
    }

    pub fn update_profiles(&self) -> UpdateMany<profiles::Entity> {
        if self.is_all() {
            return profiles::Entity::update_many();
        }
        profiles::Entity::update_many().filter(profiles::Column::Id.eq(self.account_id))
    }
}

/// The account's memberships that open a client: the client is active and so is the
/// account's profile (a suspended or deleted client's members see nothing).
pub fn memberships_of(account: Uuid) -> Select<members::Entity> {
    let active_clients = Query::select()
        .column(clients::Column::Id)
        .from(clients::Entity)
        .and_where(clients::Column::Status.eq(ACTIVE))
        .to_owned();
    let active_profile = Query::select()
        .column(profiles::Column::Id)
        .from(profiles::Entity)
        .and_where(profiles::Column::Id.eq(account))
        .and_where(profiles::Column::Status.eq(ACTIVE))
        .to_owned();
    members::Entity::find()
        .filter(members::Column::UserId.eq(account))
        .filter(members::Column::ClientId.in_subquery(active_clients))
        .filter(members::Column::UserId.in_subquery(active_profile))
}

/// The account's own profile.
pub fn own_profile(account: Uuid) -> Select<profiles::Entity> {
    profiles::Entity::find().filter(profiles::Column::Id.eq(account))
}

/// The account's own profile, to record a sign-in.
pub fn update_own_profile(account: Uuid) -> UpdateMany<profiles::Entity> {
    profiles::Entity::update_many().filter(profiles::Column::Id.eq(account))
}

/// Whether the MasStock tables hold anything yet (the demo loads into an empty domain).
pub fn any_client() -> Select<clients::Entity> {
    clients::Entity::find()
}

/// A batch result by id alone, for a download whose signed link proves that a viewer allowed
/// to see the result asked for it (the signature covers the id and the expiry).
pub fn signed_result(id: Uuid) -> Select<batch_results::Entity> {
    batch_results::Entity::find().filter(batch_results::Column::Id.eq(id))
}
