use async_graphql::{Context, Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_studios::workflow_templates;
use studiogate_graph::error::GraphResult;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::plain::PlainObject;
use studiogate_graph::ListOrder;
use uuid::Uuid;

use super::execution::executions_page;
use super::{utc, WorkflowExecution};
use crate::enums::{BusinessArea, ComplexityLevel};
use crate::loader::loaders;
use crate::loader::WorkflowExecutionFilter;

/// A pre-built automation from the platform catalog.
pub struct WorkflowTemplate(pub workflow_templates::Model);

/// A pre-built automation from the platform catalog.
#[Object]
impl WorkflowTemplate {
    /// Template id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Template name, unique in the catalog.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the template does.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The business area it serves.
    async fn business_area(&self) -> GraphResult<BusinessArea> {
        Ok(BusinessArea::from_db(&self.0.business_area)?)
    }

    /// The ActivePieces flow that implements it.
    async fn activepieces_flow_id(&self) -> Uuid {
        self.0.activepieces_flow_id
    }

    /// JSON Schema an execution's input must satisfy.
    async fn input_schema(&self) -> Json<serde_json::Value> {
        Json(self.0.input_schema.clone())
    }

    /// JSON Schema of the output, if declared.
    async fn output_schema(&self) -> Option<Json<serde_json::Value>> {
        self.0.output_schema.clone().map(Json)
    }

    /// Expected run time in minutes (1-1440).
    async fn estimated_duration_minutes(&self) -> i32 {
        self.0.estimated_duration_minutes
    }

    /// How demanding it is to set up.
    async fn complexity_level(&self) -> GraphResult<ComplexityLevel> {
        Ok(ComplexityLevel::from_db(&self.0.complexity_level)?)
    }

    /// Search tags.
    async fn tags(&self) -> Vec<String> {
        serde_json::from_value(self.0.tags.clone()).unwrap_or_default()
    }

    /// Semantic version.
    async fn version(&self) -> &str {
        &self.0.version
    }

    /// Whether members can start new executions of it.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }

    /// When the template was added.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the template was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// Executions of this template in the viewer's companies, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn executions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        filter: Option<WorkflowExecutionFilter>,
    ) -> GraphResult<ListConnection<PlainObject<WorkflowExecution>>> {
        let l = loaders(ctx);
        let args = (first, after, order);
        executions_page(
            ctx,
            &l.executions_by_template,
            &l.execution_count_by_template,
            self.0.id,
            args,
            filter,
        )
        .await
    }
}
