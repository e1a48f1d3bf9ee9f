//! Studios mutations: one input object in, a payload with the changed node out.

mod companies;
mod executions;
mod kanban;
mod studios;
mod templates;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct StudiosMutation(
    companies::CompanyMutation,
    studios::StudioMutation,
    executions::ExecutionMutation,
    kanban::KanbanMutation,
    templates::TemplateMutation,
);
