//! Per-request state of the MasStock domain: the viewer, their memberships (loaded at most once
//! per request) and the client scope derived from them.

use async_graphql::Context;
use sea_orm::{DatabaseConnection, Select};
use std::sync::Arc;
use studiogate_entities_masstock::{
    masstock_client_members as members, masstock_clients as clients, masstock_profiles as profiles,
    masstock_support_tickets as tickets, masstock_workflow_batch_results as batch_results,
    masstock_workflow_executions as executions, masstock_workflow_requests as requests,
    masstock_workflow_templates as templates, masstock_workflows as workflows, scope, ClientScope,
    Clients,
};
use studiogate_graph::loader::Visible;
use studiogate_graph::{GraphError, MembershipCache, Topic, Viewer};
use uuid::Uuid;

use crate::enums::MemberRole;
use crate::secret::KeyRing;

pub struct MasstockCtx {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    pub files: Arc<studiogate_platform::FileStore>,
    pub keys: Arc<KeyRing>,
    /// Where committed changes are announced to subscriptions.
    pub events: Topic,
    /// How long a runner's claim holds without a heartbeat.
    pub lease: std::time::Duration,
    /// Loaded on first use; mutations that change memberships forget it.
    memberships: MembershipCache<members::Model>,
}

impl MasstockCtx {
    pub fn new(
        db: DatabaseConnection,
        viewer: Viewer,
        files: Arc<studiogate_platform::FileStore>,
        keys: Arc<KeyRing>,
        events: Topic,
        lease: std::time::Duration,
    ) -> Self {
        Self {
            db,
            viewer,
            files,
            keys,
            events,
            lease,
            memberships: MembershipCache::default(),
        }
    }

    /// The same viewer with nothing cached: memberships are read again on first use.
    pub fn fresh(&self) -> Self {
        Self::new(
            self.db.clone(),
            self.viewer.clone(),
            self.files.clone(),
            self.keys.clone(),
            self.events.clone(),
            self.lease,
        )
    }

    pub fn account_id(&self) -> Result<Uuid, GraphError> {
        self.viewer
            .account_id
            .ok_or_else(GraphError::unauthenticated)
    }

    /// Whether the viewer is a MasStock platform admin (the spec's `users.role = 'admin'`).
    pub fn is_admin(&self) -> bool {
        self.viewer.is_platform_admin(crate::DOMAIN)
    }

    /// The viewer's memberships of active clients (while their own profile is active); one
    /// statement, then cached for the request.
    pub async fn memberships(&self) -> Result<Arc<Vec<members::Model>>, GraphError> {
        let account_id = self.account_id()?;
        let load = || scope::memberships_of(account_id).all(&self.db);
        Ok(self.memberships.get_or_load(load).await?)
    }

    /// Platform admins see every client (the spec's admin policy is `ALL`); everyone else
    /// the active clients they are an active member of.
    pub async fn scope(&self) -> Result<ClientScope, GraphError> {
        let account_id = self.account_id()?;
        if self.is_admin() {
            return Ok(ClientScope {
                account_id,
                clients: Clients::All,
            });
        }
        let ids = self
            .memberships()
            .await?
            .iter()
            .map(|m| m.client_id)
            .collect();
        Ok(ClientScope {
            account_id,
            clients: Clients::Only(ids),
        })
    }

    /// The viewer's own scope as a member, never widened by platform administration: what
    /// members write (executions, requests, tickets) goes through it.
    pub async fn member_scope(&self) -> Result<ClientScope, GraphError> {
        let account_id = self.account_id()?;
        let ids = self
            .memberships()
            .await?
            .iter()
            .map(|m| m.client_id)
            .collect();
        Ok(ClientScope {
            account_id,
            clients: Clients::Only(ids),
        })
    }

    /// The viewer's role in an active client they are a member of.
    pub async fn role_in(&self, client_id: Uuid) -> Result<Option<MemberRole>, GraphError> {
        let found = self
            .memberships()
            .await?
            .iter()
            .find(|m| m.client_id == client_id)
            .map(|m| m.role.clone());
        found.map(|r| MemberRole::from_db(&r)).transpose()
    }
}

/// The domain's per-request data, as resolvers reach it.
pub fn masstock_ctx<'a>(ctx: &Context<'a>) -> &'a Arc<MasstockCtx> {
    ctx.data_unchecked::<Arc<MasstockCtx>>()
}

/// Each entity's visible rows come from the matching [`ClientScope`] select.
macro_rules! visible {
    ($($entity:ident => $scope:ident),+ $(,)?) => {$(
        #[async_trait::async_trait]
        impl Visible<$entity::Entity> for MasstockCtx {
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
    clients => clients,
    members => members,
    profiles => profiles,
    templates => templates,
    workflows => workflows,
    requests => requests,
    executions => executions,
    batch_results => batch_results,
    tickets => tickets,
);
