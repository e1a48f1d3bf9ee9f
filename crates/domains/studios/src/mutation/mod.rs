//! Studios mutations: one input object in, a payload with the changed node out.

mod company;
mod execution;
mod file;
mod kanban;
mod runner;
mod studio;
mod template;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct StudiosMutation(
    company::CompanyMutation,
    studio::StudioMutation,
    execution::ExecutionMutation,
    file::FileMutation,
    kanban::KanbanMutation,
    template::TemplateMutation,
    runner::RunnerMutation,
);
