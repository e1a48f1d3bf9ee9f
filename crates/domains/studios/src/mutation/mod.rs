//! Studios mutations: one input object in, a payload with the changed node out.

mod company;
mod execution;
mod field_definition;
mod file;
mod kanban;
mod profile;
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
    field_definition::FieldDefinitionMutation,
    profile::ProfileMutation,
    template::TemplateMutation,
    runner::RunnerMutation,
);
