//! Studios mutations: one input object in, a payload with the changed node out.

mod companies;
mod executions;
mod files;
mod kanban;
mod runner;
mod studios;
mod templates;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct StudiosMutation(
    companies::CompanyMutation,
    studios::StudioMutation,
    executions::ExecutionMutation,
    files::FileMutation,
    kanban::KanbanMutation,
    templates::TemplateMutation,
    runner::RunnerMutation,
);
