//! The filters a list relation takes from its field's arguments (or, for memberships, from
//! the viewer's role); each narrows the loader's select, after the tenant scope.

use async_graphql::InputObject;
use sea_orm::{ColumnTrait, DbBackend, QueryFilter, Select};
use studiogate_entities_studios::{studios, user_companies, workflow_executions as executions};
use studiogate_graph::loader::ListFilter;

use crate::enums::{BusinessArea, ExecutionStatus, MembershipStatus};

/// Narrows a studio list.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StudioFilter {
    /// Only studios of this business area.
    pub business_area: Option<BusinessArea>,
}

impl ListFilter<studios::Entity> for StudioFilter {
    fn apply(&self, select: Select<studios::Entity>, _: DbBackend) -> Select<studios::Entity> {
        match self.business_area {
            Some(area) => select.filter(studios::Column::BusinessArea.eq(area.as_db())),
            None => select,
        }
    }
}

/// Narrows an execution list.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct WorkflowExecutionFilter {
    /// Only executions in one of these states.
    pub status: Option<Vec<ExecutionStatus>>,
}

impl ListFilter<executions::Entity> for WorkflowExecutionFilter {
    fn apply(
        &self,
        select: Select<executions::Entity>,
        _: DbBackend,
    ) -> Select<executions::Entity> {
        match &self.status {
            Some(statuses) => {
                select.filter(executions::Column::Status.is_in(statuses.iter().map(|s| s.as_db())))
            }
            None => select,
        }
    }
}

/// Which memberships of a company to list. Only company admins see requests and revocations;
/// everyone else is limited to approved members.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MembershipStatuses(pub Vec<MembershipStatus>);

impl ListFilter<user_companies::Entity> for MembershipStatuses {
    fn apply(
        &self,
        select: Select<user_companies::Entity>,
        _: DbBackend,
    ) -> Select<user_companies::Entity> {
        select.filter(user_companies::Column::Status.is_in(self.0.iter().map(|s| s.as_db())))
    }
}
