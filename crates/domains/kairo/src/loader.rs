//! The domain's dataloaders, built fresh for every request from the viewer's context. Each
//! relation field is one `load_one`, each batch one statement, and every statement starts from
//! the viewer's scope.

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;
use std::marker::PhantomData;
use std::sync::Arc;
use studiogate_entities_kairo::{
    kairo_assets as assets, kairo_automation_runs as runs, kairo_automations as automations,
    kairo_companies as companies, kairo_leads as leads, kairo_profiles as profiles,
    kairo_projects as projects, kairo_services as services,
};
use studiogate_graph::loader::{
    dataloader as loader, ByIdLoader, CountLoader, Keys, LazyColumn, PagedLoader, Relation,
    RequestLoaders, Visible,
};

use crate::context::KairoCtx;

pub(crate) type Paged<E> = Arc<DataLoader<PagedLoader<E, ()>>>;
pub(crate) type Counted<E> = Arc<DataLoader<CountLoader<E, ()>>>;
type ById<E> = DataLoader<ByIdLoader<E>>;

/// A project's JSON documents and the fields that read them.
const PROJECT_JSON: &[LazyColumn<projects::Entity>] = &[
    LazyColumn {
        column: projects::Column::Content,
        fields: &["content"],
    },
    LazyColumn {
        column: projects::Column::Metrics,
        fields: &["metrics"],
    },
];

const AUTOMATION_JSON: &[LazyColumn<automations::Entity>] = &[LazyColumn {
    column: automations::Column::Flow,
    fields: &["flow"],
}];

const RUN_JSON: &[LazyColumn<runs::Entity>] = &[LazyColumn {
    column: runs::Column::Logs,
    fields: &["logs"],
}];

/// The loaders of one request (or one subscription event), each holding the viewer's context.
pub struct Loaders {
    pub company: ById<companies::Entity>,
    pub profile: ById<profiles::Entity>,
    pub project: ById<projects::Entity>,
    pub automation: ById<automations::Entity>,
    pub run: ById<runs::Entity>,
    pub asset: ById<assets::Entity>,
    pub lead: ById<leads::Entity>,
    pub service: ById<services::Entity>,
    pub projects_by_company: Paged<projects::Entity>,
    pub project_count_by_company: Counted<projects::Entity>,
    pub automations_by_company: Paged<automations::Entity>,
    pub automation_count_by_company: Counted<automations::Entity>,
    pub automations_by_user: Paged<automations::Entity>,
    pub automation_count_by_user: Counted<automations::Entity>,
    pub runs_by_automation: Paged<runs::Entity>,
    pub run_count_by_automation: Counted<runs::Entity>,
    pub assets_by_company: Paged<assets::Entity>,
    pub asset_count_by_company: Counted<assets::Entity>,
    pub users_by_company: Paged<profiles::Entity>,
    pub user_count_by_company: Counted<profiles::Entity>,
}

fn by_id<E>(ctx: &Arc<KairoCtx>, id: E::Column, id_of: fn(&E::Model) -> uuid::Uuid) -> ById<E>
where
    E: sea_orm::EntityTrait,
    KairoCtx: Visible<E>,
{
    lean_by_id(ctx, id, id_of, &[])
}

/// A by-id loader whose root lookups leave out the `lazy` columns no selected field reads
/// (`ByIdLoader::one_for`): the node's list, as its pages use it.
fn lean_by_id<E>(
    ctx: &Arc<KairoCtx>,
    id: E::Column,
    id_of: fn(&E::Model) -> uuid::Uuid,
    lazy: &'static [LazyColumn<E>],
) -> ById<E>
where
    E: sea_orm::EntityTrait,
    KairoCtx: Visible<E>,
{
    loader(ByIdLoader::new(ctx.clone(), Keys { id, id_of }, lazy))
}

fn paged<E>(ctx: &Arc<KairoCtx>, relation: Relation<E>) -> (Paged<E>, Counted<E>)
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
    KairoCtx: Visible<E>,
{
    let parent = relation.parent;
    let pages = loader(PagedLoader::new(ctx.clone(), relation));
    let counts = loader(CountLoader {
        source: ctx.clone(),
        parent,
        _filter: PhantomData,
    });
    (Arc::new(pages), Arc::new(counts))
}

/// Rows without a parent (a project of no company) never match a parent key, so the
/// nullable foreign keys read as the nil id here.
fn or_nil(id: Option<uuid::Uuid>) -> uuid::Uuid {
    id.unwrap_or_default()
}

impl Loaders {
    pub fn new(ctx: &Arc<KairoCtx>) -> Self {
        let (projects_by_company, project_count_by_company) = paged(
            ctx,
            Relation {
                parent: projects::Column::CompanyId,
                parent_of: |m: &projects::Model| or_nil(m.company_id),
                time: projects::Column::CreatedAt,
                id: projects::Column::Id,
                lazy: PROJECT_JSON,
            },
        );
        let (automations_by_company, automation_count_by_company) = paged(
            ctx,
            Relation {
                parent: automations::Column::CompanyId,
                parent_of: |m: &automations::Model| or_nil(m.company_id),
                time: automations::Column::CreatedAt,
                id: automations::Column::Id,
                lazy: AUTOMATION_JSON,
            },
        );
        let (automations_by_user, automation_count_by_user) = paged(
            ctx,
            Relation {
                parent: automations::Column::UserId,
                parent_of: |m: &automations::Model| m.user_id,
                time: automations::Column::CreatedAt,
                id: automations::Column::Id,
                lazy: AUTOMATION_JSON,
            },
        );
        let (runs_by_automation, run_count_by_automation) = paged(
            ctx,
            Relation {
                parent: runs::Column::AutomationId,
                parent_of: |m: &runs::Model| m.automation_id,
                time: runs::Column::StartedAt,
                id: runs::Column::Id,
                lazy: RUN_JSON,
            },
        );
        let (assets_by_company, asset_count_by_company) = paged(
            ctx,
            Relation {
                parent: assets::Column::CompanyId,
                parent_of: |m: &assets::Model| or_nil(m.company_id),
                time: assets::Column::CreatedAt,
                id: assets::Column::Id,
                lazy: &[],
            },
        );
        let (users_by_company, user_count_by_company) = paged(
            ctx,
            Relation {
                parent: profiles::Column::CompanyId,
                parent_of: |m: &profiles::Model| or_nil(m.company_id),
                time: profiles::Column::CreatedAt,
                id: profiles::Column::Id,
                lazy: &[],
            },
        );
        Self {
            company: by_id(ctx, companies::Column::Id, |m: &companies::Model| m.id),
            profile: by_id(ctx, profiles::Column::Id, |m: &profiles::Model| m.id),
            project: lean_by_id(
                ctx,
                projects::Column::Id,
                |m: &projects::Model| m.id,
                PROJECT_JSON,
            ),
            automation: lean_by_id(
                ctx,
                automations::Column::Id,
                |m: &automations::Model| m.id,
                AUTOMATION_JSON,
            ),
            run: lean_by_id(ctx, runs::Column::Id, |m: &runs::Model| m.id, RUN_JSON),
            asset: by_id(ctx, assets::Column::Id, |m: &assets::Model| m.id),
            lead: by_id(ctx, leads::Column::Id, |m: &leads::Model| m.id),
            service: by_id(ctx, services::Column::Id, |m: &services::Model| m.id),
            projects_by_company,
            project_count_by_company,
            automations_by_company,
            automation_count_by_company,
            automations_by_user,
            automation_count_by_user,
            runs_by_automation,
            run_count_by_automation,
            assets_by_company,
            asset_count_by_company,
            users_by_company,
            user_count_by_company,
        }
    }
}

/// The request's loaders, built when a resolver first reaches for them.
pub fn request_loaders(ctx: &Arc<KairoCtx>) -> RequestLoaders<KairoCtx, Loaders> {
    RequestLoaders::new(ctx.clone(), Loaders::new)
}

/// The request's loaders, as resolvers reach them.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<RequestLoaders<KairoCtx, Loaders>>()
        .get()
}
