//! The domain's dataloaders, built fresh for every request from the viewer's context. Each
//! relation field is one `load_one`, each batch one statement, and every statement starts from
//! the client scope.

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;
use std::marker::PhantomData;
use std::sync::Arc;
use studiogate_entities_masstock::{
    masstock_client_members as members, masstock_clients as clients, masstock_profiles as profiles,
    masstock_support_tickets as tickets, masstock_workflow_batch_results as batch_results,
    masstock_workflow_executions as executions, masstock_workflow_requests as requests,
    masstock_workflow_templates as templates, masstock_workflows as workflows,
};
use studiogate_graph::loader::{
    dataloader as loader, ByIdLoader, CountLoader, Keys, LazyColumn, ListLoader, PagedLoader,
    Relation, RequestLoaders, Visible,
};
use uuid::Uuid;

use crate::analytics::SuccessByClientIdLoader;
use crate::context::MasstockCtx;

pub(crate) type Paged<E> = Arc<DataLoader<PagedLoader<E, ()>>>;
pub(crate) type Counted<E> = Arc<DataLoader<CountLoader<E, ()>>>;
type ById<E> = DataLoader<ByIdLoader<E>>;

/// An execution's JSON documents and the fields that read them.
const EXECUTION_JSON: &[LazyColumn<executions::Entity>] = &[
    LazyColumn {
        column: executions::Column::InputData,
        fields: &["inputData", "referenceImageUrls"],
    },
    LazyColumn {
        column: executions::Column::OutputData,
        fields: &["outputData"],
    },
];

const WORKFLOW_JSON: &[LazyColumn<workflows::Entity>] = &[LazyColumn {
    column: workflows::Column::Config,
    fields: &["config"],
}];

/// A page loader and its count loader.
pub struct Paging<E: sea_orm::EntityTrait> {
    pub pages: Paged<E>,
    pub counts: Counted<E>,
}

/// The loaders of one request (or one subscription event), each holding the viewer's context.
pub struct Loaders {
    pub client: ById<clients::Entity>,
    pub profile: ById<profiles::Entity>,
    pub template: ById<templates::Entity>,
    pub workflow: ById<workflows::Entity>,
    pub request: ById<requests::Entity>,
    pub execution: ById<executions::Entity>,
    pub ticket: ById<tickets::Entity>,
    pub members_by_client: Paging<members::Entity>,
    pub workflows_by_client: Paging<workflows::Entity>,
    pub workflows_by_template: Paging<workflows::Entity>,
    pub requests_by_client: Paging<requests::Entity>,
    pub requests_by_workflow: Paging<requests::Entity>,
    pub executions_by_client: Paging<executions::Entity>,
    pub executions_by_workflow: Paging<executions::Entity>,
    pub tickets_by_client: Paging<tickets::Entity>,
    pub results_by_execution: DataLoader<ListLoader<batch_results::Entity>>,
    pub success_by_client: DataLoader<SuccessByClientIdLoader>,
}

fn by_id<E>(ctx: &Arc<MasstockCtx>, id: E::Column, id_of: fn(&E::Model) -> Uuid) -> ById<E>
where
    E: sea_orm::EntityTrait,
    MasstockCtx: Visible<E>,
{
    lean_by_id(ctx, id, id_of, &[])
}

/// A by-id loader whose root lookups leave out the `lazy` columns no selected field reads
/// (`ByIdLoader::one_for`): the node's list, as its pages use it.
fn lean_by_id<E>(
    ctx: &Arc<MasstockCtx>,
    id: E::Column,
    id_of: fn(&E::Model) -> Uuid,
    lazy: &'static [LazyColumn<E>],
) -> ById<E>
where
    E: sea_orm::EntityTrait,
    MasstockCtx: Visible<E>,
{
    loader(ByIdLoader::new(ctx.clone(), Keys { id, id_of }, lazy))
}

fn paged<E>(ctx: &Arc<MasstockCtx>, relation: Relation<E>) -> Paging<E>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
    MasstockCtx: Visible<E>,
{
    let parent = relation.parent;
    let pages = loader(PagedLoader::new(ctx.clone(), relation));
    let counts = loader(CountLoader {
        source: ctx.clone(),
        parent,
        _filter: PhantomData,
    });
    Paging {
        pages: Arc::new(pages),
        counts: Arc::new(counts),
    }
}

impl Loaders {
    pub fn new(ctx: &Arc<MasstockCtx>) -> Self {
        use executions::Column as E;
        use workflows::Column as W;
        Self {
            client: by_id(ctx, clients::Column::Id, |m: &clients::Model| m.id),
            profile: by_id(ctx, profiles::Column::Id, |m: &profiles::Model| m.id),
            template: by_id(ctx, templates::Column::Id, |m: &templates::Model| m.id),
            workflow: lean_by_id(ctx, W::Id, |m: &workflows::Model| m.id, WORKFLOW_JSON),
            request: by_id(ctx, requests::Column::Id, |m: &requests::Model| m.id),
            execution: lean_by_id(ctx, E::Id, |m: &executions::Model| m.id, EXECUTION_JSON),
            ticket: by_id(ctx, tickets::Column::Id, |m: &tickets::Model| m.id),
            members_by_client: paged(
                ctx,
                Relation {
                    parent: members::Column::ClientId,
                    parent_of: |m: &members::Model| m.client_id,
                    time: members::Column::CreatedAt,
                    id: members::Column::Id,
                    lazy: &[],
                },
            ),
            workflows_by_client: paged(
                ctx,
                Relation {
                    parent: W::ClientId,
                    // A workflow without a client is under no client's list.
                    parent_of: |m: &workflows::Model| m.client_id.unwrap_or_default(),
                    time: W::CreatedAt,
                    id: W::Id,
                    lazy: WORKFLOW_JSON,
                },
            ),
            workflows_by_template: paged(
                ctx,
                Relation {
                    parent: W::TemplateId,
                    parent_of: |m: &workflows::Model| m.template_id.unwrap_or_default(),
                    time: W::CreatedAt,
                    id: W::Id,
                    lazy: WORKFLOW_JSON,
                },
            ),
            requests_by_client: paged(
                ctx,
                Relation {
                    parent: requests::Column::ClientId,
                    parent_of: |m: &requests::Model| m.client_id,
                    time: requests::Column::CreatedAt,
                    id: requests::Column::Id,
                    lazy: &[],
                },
            ),
            requests_by_workflow: paged(
                ctx,
                Relation {
                    parent: requests::Column::WorkflowId,
                    parent_of: |m: &requests::Model| m.workflow_id,
                    time: requests::Column::CreatedAt,
                    id: requests::Column::Id,
                    lazy: &[],
                },
            ),
            executions_by_client: paged(
                ctx,
                Relation {
                    parent: E::ClientId,
                    parent_of: |m: &executions::Model| m.client_id,
                    time: E::CreatedAt,
                    id: E::Id,
                    lazy: EXECUTION_JSON,
                },
            ),
            executions_by_workflow: paged(
                ctx,
                Relation {
                    parent: E::WorkflowId,
                    parent_of: |m: &executions::Model| m.workflow_id,
                    time: E::CreatedAt,
                    id: E::Id,
                    lazy: EXECUTION_JSON,
                },
            ),
            tickets_by_client: paged(
                ctx,
                Relation {
                    parent: tickets::Column::ClientId,
                    parent_of: |m: &tickets::Model| m.client_id,
                    time: tickets::Column::CreatedAt,
                    id: tickets::Column::Id,
                    lazy: &[],
                },
            ),
            results_by_execution: loader(ListLoader {
                source: ctx.clone(),
                parent: batch_results::Column::ExecutionId,
                parent_of: |m: &batch_results::Model| m.execution_id,
                order: batch_results::Column::BatchIndex,
            }),
            success_by_client: loader(SuccessByClientIdLoader(ctx.clone())),
        }
    }
}

/// The request's loaders, built when a resolver first reaches for them.
pub fn request_loaders(ctx: &Arc<MasstockCtx>) -> RequestLoaders<MasstockCtx, Loaders> {
    RequestLoaders::new(ctx.clone(), Loaders::new)
}

/// The request's loaders, as resolvers reach them.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<RequestLoaders<MasstockCtx, Loaders>>()
        .get()
}
