//! The one async-graphql extension of the served schema. async-graphql sends every resolved
//! field, and every item of every list, through the whole chain of extensions: one boxed
//! future and one dynamic call per extension per field, whether the extension looks at fields
//! or not. The nested read resolves about 12,000 fields, so four extensions cost four chains
//! each. Here the request-level parts (per-operation data, observability, operation limits)
//! and the per-field tenant guard share one extension, and a field pays for one.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextResolve, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerResult, Value, Variables};
use std::sync::Arc;

use crate::telemetry::Observed;
use crate::{FreshData, OperationLimits, PolicyRegistry};

/// Per-operation data ([`FreshData`]), observability ([`crate::telemetry`]), the
/// deny-by-default tenant guard ([`crate::policy`]) and the [`OperationLimits`].
pub struct Gateway {
    policies: Arc<PolicyRegistry>,
    limits: OperationLimits,
}

impl Gateway {
    pub fn new(policies: PolicyRegistry, limits: OperationLimits) -> Self {
        Self {
            policies: Arc::new(policies),
            limits,
        }
    }
}

impl ExtensionFactory for Gateway {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GatewayExtension {
            policies: self.policies.clone(),
            limits: self.limits,
            observed: Observed::default(),
        })
    }
}

struct GatewayExtension {
    policies: Arc<PolicyRegistry>,
    limits: OperationLimits,
    observed: Observed,
}

#[async_trait::async_trait]
impl Extension for GatewayExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        self.observed.request(ctx, next.run(ctx)).await
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.observed.name(request.operation_name.as_deref());
        self.limits.check_request(&mut request)?;
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        self.limits
            .check_cost(&document, &ctx.schema_env.registry, variables)?;
        self.observed.parsed(&document);
        Ok(document)
    }

    /// Every operation, and every subscription event, runs with the connection's
    /// [`FreshData`] when it has one.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match ctx.data_opt::<FreshData>() {
            Some(fresh) => {
                let data = fresh.build();
                self.observed
                    .execute(ctx, next.run_with_data(ctx, operation_name, data))
                    .await
            }
            None => {
                self.observed
                    .execute(ctx, next.run(ctx, operation_name))
                    .await
            }
        }
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        crate::policy::admit(&self.policies, ctx, &info)?;
        next.run(ctx, info).await
    }
}
