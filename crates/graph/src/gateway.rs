//! The served schema behind one gate. async-graphql sends every resolved field, and every
//! item of every list, through the whole chain of its extensions (a boxed future, a dynamic
//! call and two registry lookups per field), whether an extension looks at fields or not;
//! the nested read resolves about 12,000 fields. So queries and mutations run on a schema
//! with no extension at all, and what an extension did is done here once per operation:
//! the operation limits, the deny-by-default policies (checked on the whole selection before
//! anything runs, [`PolicyRegistry::refusals`]), per-operation data and observability.
//!
//! Subscriptions run on a second instance of the same schema whose one extension gives every
//! event fresh data ([`FreshData`]) and its span: an event is an operation of its own.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
};
use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use async_graphql::registry::Registry;
use async_graphql::{
    Data, Executor, ObjectType, Positioned, Request, Response, Schema, SchemaBuilder, ServerError,
    ServerResult, SubscriptionType, Variables,
};
use std::any::{Any, TypeId};
use std::sync::Arc;

use crate::parsed::ParsedDocuments;
use crate::plain::Plans;
use crate::policy::{FieldTypes, Roots};
use crate::telemetry::Observed;
use crate::{FreshData, Metrics, OperationLimits, PolicyRegistry, RequestId, Viewer};

/// What every operation passes before it runs.
struct Gate {
    policies: PolicyRegistry,
    types: FieldTypes,
    roots: Roots,
    limits: OperationLimits,
    /// The schema's types, for the cost of an operation.
    registry: Registry,
    documents: ParsedDocuments,
}

/// The schema of `Q`, `M` and `S` behind the gate: an [`Executor`] for the transports.
pub struct Gateway<Q, M, S> {
    /// Queries and mutations: no extension.
    schema: Schema<Q, M, S>,
    /// Subscriptions: the [`EventData`] extension.
    events: Schema<Q, M, S>,
    gate: Arc<Gate>,
}

impl<Q, M, S> Clone for Gateway<Q, M, S> {
    fn clone(&self) -> Self {
        Self {
            schema: self.schema.clone(),
            events: self.events.clone(),
            gate: self.gate.clone(),
        }
    }
}

impl<Q, M, S> Gateway<Q, M, S>
where
    Q: ObjectType + Default + 'static,
    M: ObjectType + Default + 'static,
    S: SubscriptionType + Default + 'static,
{
    /// `settings` applies the same async-graphql settings to both instances.
    pub fn new(
        policies: PolicyRegistry,
        limits: OperationLimits,
        settings: impl Fn(SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S>,
    ) -> Self {
        let build = || Schema::build(Q::default(), M::default(), S::default());
        let mut registry = Registry {
            query_type: Q::type_name().into_owned(),
            mutation_type: Some(M::type_name().into_owned()),
            subscription_type: Some(S::type_name().into_owned()),
            ..Registry::default()
        };
        Q::create_type_info(&mut registry);
        M::create_type_info(&mut registry);
        S::create_type_info(&mut registry);
        let roots = Roots {
            query: registry.query_type.clone(),
            mutation: M::type_name().into_owned(),
            subscription: S::type_name().into_owned(),
        };
        Self {
            schema: settings(build()).finish(),
            events: settings(build().extension(EventData)).finish(),
            gate: Arc::new(Gate {
                policies,
                types: FieldTypes::of(&registry),
                roots,
                limits,
                registry,
                documents: ParsedDocuments::default(),
            }),
        }
    }

    /// The schema in SDL.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }
}

/// A value of the request's data, else of the connection's.
fn lookup<'a, T: Any>(request: &'a Data, session: Option<&'a Data>) -> Option<&'a T> {
    let id = TypeId::of::<T>();
    request
        .get(&id)
        .or_else(|| session.and_then(|s| s.get(&id)))
        .and_then(|d| d.downcast_ref::<T>())
}

impl Gate {
    /// Parses the document (once per text while it is cached, [`ParsedDocuments`]; the
    /// request keeps it, and async-graphql reuses it), names the operation, and runs
    /// the limits and the policies. The limits' walks run before async-graphql sees the
    /// document: its own recursion-depth check expands every fragment spread without a
    /// budget, so a small document of fragments spreading fragments twice would hold a
    /// worker for seconds. A document that does not parse is left to async-graphql, which
    /// reports it as usual; so is an operation name the document lacks. The viewer is the
    /// request's, else the connection's (`session`).
    fn admit(
        &self,
        request: &mut Request,
        session: Option<&Data>,
        observed: &Observed,
    ) -> Result<Option<OperationType>, Vec<ServerError>> {
        observed.name(request.operation_name.as_deref());
        let viewer = lookup::<Viewer>(&request.data, session).cloned();
        let viewer = viewer.as_ref();
        let variables = std::mem::take(&mut request.variables);
        let name = request.operation_name.take();
        let verdict = match self.documents.parse(request) {
            Ok(document) => self.check(document, name.as_deref(), &variables, viewer, observed),
            Err(_) => Ok(None),
        };
        request.variables = variables;
        request.operation_name = name;
        verdict
    }

    fn check(
        &self,
        document: &ExecutableDocument,
        name: Option<&str>,
        variables: &Variables,
        viewer: Option<&Viewer>,
        observed: &Observed,
    ) -> Result<Option<OperationType>, Vec<ServerError>> {
        let one = |result: ServerResult<()>| result.map_err(|e| vec![e]);
        one(self.limits.check(document))?;
        one(self.limits.check_cost(document, &self.registry, variables))?;
        observed.parsed(document);
        let Some(operation) = operation(document, name) else {
            return Ok(None);
        };
        let refused = self.policies.refusals(
            &self.types,
            &self.roots,
            operation,
            &document.fragments,
            viewer,
        );
        if refused.is_empty() {
            Ok(Some(operation.node.ty))
        } else {
            Err(refused)
        }
    }
}

/// Puts the operation's fresh data into its request data, when the request carries a
/// [`FreshData`] builder (a websocket operation's), and its [`Plans`]; returns its request id.
fn prepare(request: &mut Request, session: Option<&Data>) -> Option<RequestId> {
    if let Some(fresh) = FreshData::of(&request.data) {
        fresh.fill(&mut request.data);
    }
    request.data.insert(Plans::default());
    lookup::<RequestId>(&request.data, session).cloned()
}

/// The operation a request names (or its only one); `None` when the name is missing from the
/// document, or absent with several operations to choose from.
pub fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    }
}

impl<Q, M, S> Executor for Gateway<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    /// One operation over HTTP: timed and counted, its unexpected errors masked.
    async fn execute(&self, mut request: Request) -> Response {
        let observed = Observed::default();
        let metrics = lookup::<Metrics>(&request.data, None).cloned();
        let run = async {
            if let Err(refused) = self.gate.admit(&mut request, None, &observed) {
                return Response::from_errors(refused);
            }
            let request_id = prepare(&mut request, None);
            observed
                .execute(request_id.as_ref(), self.schema.execute(request))
                .await
        };
        observed.request(metrics.as_ref(), run).await
    }

    /// An operation over a websocket: a query or mutation answers once; a subscription runs
    /// on the events schema, each event with fresh data.
    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let observed = Observed::default();
        let kind = match self
            .gate
            .admit(&mut request, session_data.as_deref(), &observed)
        {
            Ok(kind) => kind,
            Err(refused) => return stream::once(async { Response::from_errors(refused) }).boxed(),
        };
        let session_data = session_data.unwrap_or_default();
        if kind == Some(OperationType::Subscription) {
            return self
                .events
                .execute_stream_with_session_data(request, session_data);
        }
        let request_id = prepare(&mut request, Some(&session_data));
        let schema = self.schema.clone();
        stream::once(async move {
            let mut responses = schema.execute_stream_with_session_data(request, session_data);
            let first = async move { responses.next().await.unwrap_or_default() };
            observed.execute(request_id.as_ref(), first).await
        })
        .boxed()
    }
}

/// The extension of the subscription schema: every event runs with the connection's
/// [`FreshData`], in its span, its unexpected errors masked. The gate ran before the stream
/// began; an extension per request names the operation for the span.
struct EventData;

impl ExtensionFactory for EventData {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(EventDataExtension {
            observed: Observed::default(),
        })
    }
}

struct EventDataExtension {
    observed: Observed,
}

#[async_trait::async_trait]
impl Extension for EventDataExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.observed.name(request.operation_name.as_deref());
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
        self.observed.parsed(&document);
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let request_id = ctx.data_opt::<RequestId>();
        match ctx.data_opt::<FreshData>() {
            Some(fresh) => {
                let mut data = Data::default();
                fresh.fill(&mut data);
                let run = next.run_with_data(ctx, operation_name, data);
                self.observed.execute(request_id, run).await
            }
            None => {
                let run = next.run(ctx, operation_name);
                self.observed.execute(request_id, run).await
            }
        }
    }
}
