//! The domain's dataloaders, built fresh for every request from the viewer's context. Each
//! relation field is one `load_one`, each batch one statement, and every statement starts from
//! the tenant scope.

mod activity;
mod analytics;
mod filter;
mod kanban;
mod people;
mod usage;

pub use activity::{DailyAnalytics, DailyByCompanyLoader, DailyByStudioLoader, DayRange};
pub use analytics::{Analytics, AnalyticsByCompanyIdLoader, AnalyticsByStudioIdLoader};
pub use filter::{MembershipStatuses, StudioFilter, WorkflowExecutionFilter};
pub use kanban::KanbanCardFilter;
pub use people::EmailByUserIdLoader;
pub use usage::{usages, ExecutionRow, FileRow, FileUsage, UsagesByFileIdLoader};

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;
use std::marker::PhantomData;
use std::sync::Arc;
use studiogate_entities_studios::{
    card_field_definitions as field_defs, companies, files, kanban_boards, kanban_cards,
    kanban_stages, studios, user_companies, user_profiles, workflow_executions as executions,
    workflow_templates as templates,
};
use studiogate_graph::loader::{
    dataloader as loader, ByIdLoader, CountLoader, Keys, LazyColumn, ListLoader, PagedLoader,
    Relation, RequestLoaders, Shared, Visible,
};

use crate::context::StudiosCtx;
/// A page loader; its rows are the entity's models unless `R` says otherwise.
pub(crate) type Paged<E, F, R = <E as sea_orm::EntityTrait>::Model> =
    Arc<DataLoader<PagedLoader<E, F, R>>>;
pub(crate) type Counted<E, F> = Arc<DataLoader<CountLoader<E, F>>>;
type ById<E> = DataLoader<ByIdLoader<E>>;
type Listed<E> = DataLoader<ListLoader<E>>;

/// An execution's columns that a page reads only when a field that reads them is selected:
/// its JSON documents and its nullable columns. `claimed_by` has no field, so pages never read
/// it. Its keys (`id`, `studio_id`, `created_at`) and the other `NOT NULL` columns are always
/// read (`template_id` and `user_id` also key its other lists).
const EXECUTION_LAZY: &[LazyColumn<executions::Entity>] = &[
    lazy(executions::Column::InputData, &["inputData"]),
    lazy(executions::Column::OutputData, &["outputData"]),
    lazy(executions::Column::Logs, &["logs"]),
    lazy(executions::Column::FilesUsed, &["files"]),
    lazy(
        executions::Column::ActivepiecesRunId,
        &["activepiecesRunId"],
    ),
    lazy(executions::Column::StartedAt, &["startedAt"]),
    lazy(executions::Column::CompletedAt, &["completedAt"]),
    lazy(executions::Column::DurationSeconds, &["durationSeconds"]),
    lazy(executions::Column::ErrorMessage, &["errorMessage"]),
    lazy(executions::Column::LeaseExpiresAt, &["leaseExpiresAt"]),
    lazy(executions::Column::ClaimedBy, &[]),
];

const fn lazy(
    column: executions::Column,
    fields: &'static [&'static str],
) -> LazyColumn<executions::Entity> {
    LazyColumn { column, fields }
}

/// The loaders of one request (or one subscription event), each holding the viewer's context.
pub struct Loaders {
    pub company: ById<companies::Entity>,
    pub studio: ById<studios::Entity>,
    pub execution: ById<executions::Entity>,
    /// Shared: every executions page of a level asks it for its files.
    pub file: DataLoader<Shared<ByIdLoader<files::Entity, FileRow>>>,
    pub template: ById<templates::Entity>,
    pub board: ById<kanban_boards::Entity>,
    pub stage: ById<kanban_stages::Entity>,
    pub profile: ById<user_profiles::Entity>,
    pub studios_by_company: Paged<studios::Entity, StudioFilter>,
    pub studio_count_by_company: Counted<studios::Entity, StudioFilter>,
    pub members_by_company: Paged<user_companies::Entity, MembershipStatuses>,
    pub member_count_by_company: Counted<user_companies::Entity, MembershipStatuses>,
    pub executions_by_studio: Paged<executions::Entity, WorkflowExecutionFilter, ExecutionRow>,
    pub execution_count_by_studio: Counted<executions::Entity, WorkflowExecutionFilter>,
    pub executions_by_template: Paged<executions::Entity, WorkflowExecutionFilter, ExecutionRow>,
    pub executions_by_user: Paged<executions::Entity, WorkflowExecutionFilter, ExecutionRow>,
    pub execution_count_by_user: Counted<executions::Entity, WorkflowExecutionFilter>,
    pub usages_by_file: DataLoader<UsagesByFileIdLoader>,
    pub studio_analytics: DataLoader<AnalyticsByStudioIdLoader>,
    pub company_analytics: DataLoader<AnalyticsByCompanyIdLoader>,
    pub studio_daily: DataLoader<DailyByStudioLoader>,
    pub company_daily: DataLoader<DailyByCompanyLoader>,
    pub execution_count_by_template: Counted<executions::Entity, WorkflowExecutionFilter>,
    pub files_by_studio: Paged<files::Entity, ()>,
    pub files_by_uploader: Paged<files::Entity, ()>,
    pub file_count_by_uploader: Counted<files::Entity, ()>,
    pub email: DataLoader<EmailByUserIdLoader>,
    pub file_count_by_studio: Counted<files::Entity, ()>,
    pub boards_by_studio: Paged<kanban_boards::Entity, ()>,
    pub board_count_by_studio: Counted<kanban_boards::Entity, ()>,
    pub stages_by_board: Listed<kanban_stages::Entity>,
    pub cards_by_stage: Listed<kanban_cards::Entity>,
    pub cards_by_board: Paged<kanban_cards::Entity, KanbanCardFilter>,
    pub card_count_by_board: Counted<kanban_cards::Entity, KanbanCardFilter>,
    pub field_defs_by_studio: Listed<field_defs::Entity>,
}

fn by_id<E>(ctx: &Arc<StudiosCtx>, id: E::Column, id_of: fn(&E::Model) -> uuid::Uuid) -> ById<E>
where
    E: sea_orm::EntityTrait,
    StudiosCtx: Visible<E>,
{
    loader(rows_by_id(ctx, id, id_of))
}

fn rows_by_id<E, R>(
    ctx: &Arc<StudiosCtx>,
    id: E::Column,
    id_of: fn(&E::Model) -> uuid::Uuid,
) -> ByIdLoader<E, R>
where
    E: sea_orm::EntityTrait,
    StudiosCtx: Visible<E>,
{
    ByIdLoader::new(ctx.clone(), Keys { id, id_of }, &[])
}

fn paged<E, F, R>(ctx: &Arc<StudiosCtx>, relation: Relation<E>) -> (Paged<E, F, R>, Counted<E, F>)
where
    E: sea_orm::EntityTrait,
    StudiosCtx: Visible<E>,
    F: Send + 'static,
    R: Send + Sync + 'static,
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

fn listed<E>(
    ctx: &Arc<StudiosCtx>,
    parent: E::Column,
    parent_of: fn(&E::Model) -> uuid::Uuid,
    order: E::Column,
) -> Listed<E>
where
    E: sea_orm::EntityTrait,
    StudiosCtx: Visible<E>,
{
    loader(ListLoader {
        source: ctx.clone(),
        parent,
        parent_of,
        order,
    })
}

impl Loaders {
    pub fn new(ctx: &Arc<StudiosCtx>) -> Self {
        use executions::Column as E;
        let (studios_by_company, studio_count_by_company) = paged(
            ctx,
            Relation {
                parent: studios::Column::CompanyId,
                parent_of: |m: &studios::Model| m.company_id,
                time: studios::Column::CreatedAt,
                id: studios::Column::Id,
                lazy: &[],
            },
        );
        let (members_by_company, member_count_by_company) = paged(
            ctx,
            Relation {
                parent: user_companies::Column::CompanyId,
                parent_of: |m: &user_companies::Model| m.company_id,
                time: user_companies::Column::CreatedAt,
                id: user_companies::Column::Id,
                lazy: &[],
            },
        );
        let (executions_by_studio, execution_count_by_studio) = paged(
            ctx,
            Relation {
                parent: E::StudioId,
                parent_of: |m: &executions::Model| m.studio_id,
                time: E::CreatedAt,
                id: E::Id,
                lazy: EXECUTION_LAZY,
            },
        );
        let (executions_by_template, execution_count_by_template) = paged(
            ctx,
            Relation {
                parent: E::TemplateId,
                parent_of: |m: &executions::Model| m.template_id,
                time: E::CreatedAt,
                id: E::Id,
                lazy: EXECUTION_LAZY,
            },
        );
        let (executions_by_user, execution_count_by_user) = paged(
            ctx,
            Relation {
                parent: E::UserId,
                parent_of: |m: &executions::Model| m.user_id,
                time: E::CreatedAt,
                id: E::Id,
                lazy: EXECUTION_LAZY,
            },
        );
        let (files_by_studio, file_count_by_studio) = paged(
            ctx,
            Relation {
                parent: files::Column::StudioId,
                parent_of: |m: &files::Model| m.studio_id,
                time: files::Column::UploadTimestamp,
                id: files::Column::Id,
                lazy: &[],
            },
        );
        let (files_by_uploader, file_count_by_uploader) = paged(
            ctx,
            Relation {
                parent: files::Column::UploadedBy,
                parent_of: |m: &files::Model| m.uploaded_by,
                time: files::Column::UploadTimestamp,
                id: files::Column::Id,
                lazy: &[],
            },
        );
        let (boards_by_studio, board_count_by_studio) = paged(
            ctx,
            Relation {
                parent: kanban_boards::Column::StudioId,
                parent_of: |m: &kanban_boards::Model| m.studio_id,
                time: kanban_boards::Column::CreatedAt,
                id: kanban_boards::Column::Id,
                lazy: &[],
            },
        );
        let (cards_by_board, card_count_by_board) = paged(ctx, kanban::cards_by_board());
        Self {
            company: by_id(ctx, companies::Column::Id, |m: &companies::Model| m.id),
            studio: by_id(ctx, studios::Column::Id, |m: &studios::Model| m.id),
            execution: loader(ByIdLoader::new(
                ctx.clone(),
                Keys {
                    id: E::Id,
                    id_of: |m: &executions::Model| m.id,
                },
                EXECUTION_LAZY,
            )),
            file: loader(Shared(rows_by_id::<_, FileRow>(
                ctx,
                files::Column::Id,
                |m: &files::Model| m.id,
            ))),
            template: by_id(ctx, templates::Column::Id, |m: &templates::Model| m.id),
            board: by_id(
                ctx,
                kanban_boards::Column::Id,
                |m: &kanban_boards::Model| m.id,
            ),
            stage: by_id(
                ctx,
                kanban_stages::Column::Id,
                |m: &kanban_stages::Model| m.id,
            ),
            profile: by_id(
                ctx,
                user_profiles::Column::Id,
                |m: &user_profiles::Model| m.id,
            ),
            studios_by_company,
            studio_count_by_company,
            members_by_company,
            member_count_by_company,
            executions_by_studio,
            execution_count_by_studio,
            executions_by_template,
            execution_count_by_template,
            executions_by_user,
            execution_count_by_user,
            usages_by_file: loader(UsagesByFileIdLoader(ctx.clone())),
            studio_analytics: loader(AnalyticsByStudioIdLoader(ctx.clone())),
            company_analytics: loader(AnalyticsByCompanyIdLoader(ctx.clone())),
            studio_daily: loader(DailyByStudioLoader(ctx.clone())),
            company_daily: loader(DailyByCompanyLoader(ctx.clone())),
            files_by_studio,
            file_count_by_studio,
            files_by_uploader,
            file_count_by_uploader,
            email: loader(EmailByUserIdLoader(ctx.clone())),
            boards_by_studio,
            board_count_by_studio,
            stages_by_board: listed(
                ctx,
                kanban_stages::Column::BoardId,
                |m: &kanban_stages::Model| m.board_id,
                kanban_stages::Column::Position,
            ),
            cards_by_stage: listed(
                ctx,
                kanban_cards::Column::StageId,
                |m: &kanban_cards::Model| m.stage_id,
                kanban_cards::Column::Position,
            ),
            cards_by_board,
            card_count_by_board,
            field_defs_by_studio: listed(
                ctx,
                field_defs::Column::StudioId,
                |m: &field_defs::Model| m.studio_id,
                field_defs::Column::DisplayOrder,
            ),
        }
    }
}

/// The request's loaders, built when a resolver first reaches for them.
pub fn request_loaders(ctx: &Arc<StudiosCtx>) -> RequestLoaders<StudiosCtx, Loaders> {
    RequestLoaders::new(ctx.clone(), Loaders::new)
}

/// The request's loaders, as resolvers reach them.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<RequestLoaders<StudiosCtx, Loaders>>()
        .get()
}
