//! Per-request state of the Studios domain: the viewer, their memberships (loaded at most once
//! per request) and the tenant scope derived from them.

use async_graphql::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Select};
use std::sync::Arc;
use studiogate_entities_studios::{
    card_field_definitions, companies, files, kanban_boards, kanban_cards, kanban_stages, scope,
    studios, user_companies, user_profiles, workflow_executions, workflow_templates, Companies,
    TenantScope,
};
use studiogate_graph::loader::Visible;
use studiogate_graph::{GraphError, MembershipCache, Topic, Viewer};
use uuid::Uuid;

use crate::enums::MembershipStatus;

pub struct StudiosCtx {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    pub files: Arc<studiogate_platform::FileStore>,
    /// Where committed changes are announced to subscriptions.
    pub events: Topic,
    /// How long a runner's claim holds without a heartbeat.
    pub lease: std::time::Duration,
    /// Whether the scope opens every company: true for a platform admin of studios reading;
    /// false for everyone else, and for a platform admin's writes (see [`StudiosCtx::writer`]).
    reads_every_company: bool,
    /// Whether this is the reading context (see [`StudiosCtx::scope`]).
    reading: bool,
    /// Loaded on first use (shared with the writer); mutations that change memberships forget
    /// it.
    memberships: MembershipCache<user_companies::Model>,
}

impl StudiosCtx {
    pub fn new(
        db: DatabaseConnection,
        viewer: Viewer,
        files: Arc<studiogate_platform::FileStore>,
        events: Topic,
        lease: std::time::Duration,
    ) -> Self {
        Self {
            reads_every_company: viewer.is_platform_admin(crate::DOMAIN),
            reading: true,
            db,
            viewer,
            files,
            events,
            lease,
            memberships: MembershipCache::default(),
        }
    }

    /// The context mutations write through. A platform admin of studios reads every company
    /// (support) and manages the template catalog, but writes inside a company only where an
    /// approved membership allows it, as anyone else: administering the platform is not
    /// membership of a tenant. It shares this context's memberships.
    pub fn writer(&self) -> Self {
        Self {
            db: self.db.clone(),
            viewer: self.viewer.clone(),
            files: self.files.clone(),
            events: self.events.clone(),
            lease: self.lease,
            reads_every_company: false,
            reading: false,
            memberships: self.memberships.clone(),
        }
    }

    /// The same viewer with nothing cached: memberships are read again on first use.
    pub fn fresh(&self) -> Self {
        Self::new(
            self.db.clone(),
            self.viewer.clone(),
            self.files.clone(),
            self.events.clone(),
            self.lease,
        )
    }

    pub fn account_id(&self) -> Result<Uuid, GraphError> {
        self.viewer
            .account_id
            .ok_or_else(GraphError::unauthenticated)
    }

    /// The viewer's memberships of every status; one statement, then cached for the request.
    pub async fn memberships(&self) -> Result<Arc<Vec<user_companies::Model>>, GraphError> {
        let account_id = self.account_id()?;
        let load = || scope::memberships_of(account_id).all(&self.db);
        Ok(self.memberships.get_or_load(load).await?)
    }

    /// After a mutation changed the viewer's memberships.
    pub async fn forget_memberships(&self) {
        self.memberships.forget().await;
    }

    /// Only approved memberships open a company's data; platform admins see every company.
    /// On PostgreSQL each scoped statement reads the memberships itself
    /// ([`Companies::Selected`], one round trip fewer per request): every read, and a write's
    /// statements until something in the request has read the list (a role check), which then
    /// serves as the scope. On SQLite, in process, the statement of their own measured cheaper
    /// than the subquery in every statement (`bench/results/2026-12-04.md`): the list, read
    /// once.
    pub async fn scope(&self) -> Result<TenantScope, GraphError> {
        let account_id = self.account_id()?;
        let approved = MembershipStatus::Approved.as_db();
        let selects = self.db.get_database_backend() == DbBackend::Postgres
            && (self.reading || !self.memberships.is_loaded().await);
        let companies = if self.reads_every_company {
            Companies::All
        } else if selects {
            Companies::Selected {
                select: Box::new(scope::approved_companies(account_id, approved)),
                postgres: true,
            }
        } else {
            let memberships = self.memberships().await?;
            let approved = memberships.iter().filter(|m| m.status == approved);
            Companies::Only(approved.map(|m| m.company_id).collect())
        };
        Ok(TenantScope {
            account_id,
            companies,
        })
    }

    /// The viewer's role in a company where they are an approved member.
    pub async fn role_in(&self, company_id: Uuid) -> Result<Option<String>, GraphError> {
        let approved = MembershipStatus::Approved.as_db();
        Ok(self
            .memberships()
            .await?
            .iter()
            .find(|m| m.company_id == company_id && m.status == approved)
            .map(|m| m.role.clone()))
    }
}

/// The domain's per-request data, as resolvers reach it.
pub fn studios_ctx<'a>(ctx: &Context<'a>) -> &'a Arc<StudiosCtx> {
    ctx.data_unchecked::<Arc<StudiosCtx>>()
}

/// The context mutations write through ([`StudiosCtx::writer`]).
pub struct Writer(pub Arc<StudiosCtx>);

pub fn writer<'a>(ctx: &Context<'a>) -> &'a Arc<StudiosCtx> {
    &ctx.data_unchecked::<Writer>().0
}

/// Each entity's visible rows come from the matching [`TenantScope`] select.
macro_rules! visible {
    ($($entity:ident => $scope:ident),+ $(,)?) => {$(
        #[async_trait::async_trait]
        impl Visible<$entity::Entity> for StudiosCtx {
            fn db(&self) -> &DatabaseConnection {
                &self.db
            }
            async fn visible(&self) -> Result<Select<$entity::Entity>, GraphError> {
                Ok(self.scope().await?.$scope())
            }
        }
    )+};
}

visible!(
    companies => companies,
    studios => studios,
    workflow_executions => executions,
    files => files,
    kanban_boards => kanban_boards,
    kanban_stages => kanban_stages,
    kanban_cards => kanban_cards,
    card_field_definitions => card_field_definitions,
    user_companies => memberships,
    user_profiles => profiles,
);

#[async_trait::async_trait]
impl Visible<workflow_templates::Entity> for StudiosCtx {
    fn db(&self) -> &DatabaseConnection {
        &self.db
    }
    async fn visible(&self) -> Result<Select<workflow_templates::Entity>, GraphError> {
        self.account_id()?;
        Ok(scope::templates(
            self.viewer.is_platform_admin(crate::DOMAIN),
        ))
    }
}
