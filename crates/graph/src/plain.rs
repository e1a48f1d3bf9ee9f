//! Lists of small objects answered without async-graphql's per-object machinery.
//!
//! async-graphql resolves every object of a list as a container: a vector of boxed futures,
//! one per selected field, polled through a `FuturesUnordered`, and an `IndexMap` the answers
//! are merged into. For an object whose fields only read its row that costs far more than
//! the reading: the nested read's 2,000 `ExecutionFile`s and their `File`s spent a fifth of
//! the request's CPU there. A [`PlainList`] answers such a list directly when every field its
//! selection names is [`Plain`]: the selection is compiled once per list into a [`Plan`]
//! (aliases, `__typename`, fragments on the type itself), then each object is one map built
//! with the same `ScalarType`/`EnumType` conversions the object's resolvers use, so the answer
//! is byte for byte the same. Anything else (an argument, a custom directive, a fragment on
//! another type, a response key selected twice, a field that is not plain, a value that cannot
//! be read) leaves the whole list to async-graphql as before. The policies do not mind: they
//! are checked on the whole selection before anything runs ([`crate::gateway`]).

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, FragmentDefinition, Selection};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a field of a [`Plain`] type is, when it is plain.
#[derive(Clone, Copy)]
pub enum PlainField {
    /// A scalar or enum read from the object itself.
    Leaf,
    /// An object, or a list of objects, read from the object itself, itself plain
    /// ([`PlainType::of`]): [`Plain::value`] answers it with the plan it is given.
    Object(PlainType),
}

/// A [`Plain`] type as a plan needs it: its GraphQL name (the one its `OutputType` registers,
/// for `__typename` and fragment conditions) and its plain fields.
#[derive(Clone, Copy)]
pub struct PlainType {
    name: fn() -> Cow<'static, str>,
    fields: fn(&str) -> Option<PlainField>,
}

impl PlainType {
    pub fn of<T: Plain>() -> Self {
        Self {
            name: T::type_name,
            fields: T::field,
        }
    }
}

/// An object type some of whose fields are answered from the object alone, with no wait.
pub trait Plain: OutputType {
    /// Whether the field `name` (without arguments) is plain, and how.
    fn field(name: &str) -> Option<PlainField>;

    /// The value of the plain field `name`; `plan` is its selection when it is an object.
    /// `None` when the value cannot be read (the list then goes the usual way, which reports
    /// the error where it belongs).
    fn value(&self, name: &str, plan: Option<&Plan>) -> Option<Value>;
}

/// A selection on a [`Plain`] type, compiled: one entry per response key, in order.
pub struct Plan(Vec<Planned>);

struct Planned {
    key: Name,
    name: Name,
    kind: Kind,
}

enum Kind {
    TypeName(String),
    Leaf,
    Object(Plan),
}

impl Plan {
    /// The plan of `selection` on type `ty`, if every selected field is plain.
    fn of(
        selection: &[Positioned<Selection>],
        ty: PlainType,
        fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    ) -> Option<Self> {
        let mut plan = Plan(Vec::new());
        plan.add(selection, ty, &(ty.name)(), fragments)?;
        Some(plan)
    }

    /// Adds `selection` on type `ty` (named `type_name`).
    fn add(
        &mut self,
        selection: &[Positioned<Selection>],
        ty: PlainType,
        type_name: &str,
        fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    ) -> Option<()> {
        for item in selection {
            let nested = match &item.node {
                Selection::Field(field) => {
                    let planned = Self::field(&field.node, ty, type_name, fragments)?;
                    // The same key twice merges sub-selections: async-graphql's business.
                    if self.0.iter().any(|p| p.key == planned.key) {
                        return None;
                    }
                    self.0.push(planned);
                    continue;
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = fragments.get(&spread.node.fragment_name.node)?;
                    let applies = spread.node.directives.is_empty()
                        && fragment.node.directives.is_empty()
                        && fragment.node.type_condition.node.on.node == type_name;
                    applies.then_some(&fragment.node.selection_set)
                }
                Selection::InlineFragment(inline) => {
                    let on = inline.node.type_condition.as_ref();
                    let applies = inline.node.directives.is_empty()
                        && on.is_none_or(|c| c.node.on.node == type_name);
                    applies.then_some(&inline.node.selection_set)
                }
            };
            self.add(&nested?.node.items, ty, type_name, fragments)?;
        }
        Some(())
    }

    fn field(
        field: &Field,
        ty: PlainType,
        type_name: &str,
        fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    ) -> Option<Planned> {
        if !field.arguments.is_empty() || !field.directives.is_empty() {
            return None;
        }
        let name = &field.name.node;
        let sub = &field.selection_set.node.items;
        let kind = match (name.as_str(), sub.is_empty()) {
            ("__typename", true) => Kind::TypeName(type_name.to_owned()),
            (name, leaf) => match ((ty.fields)(name)?, leaf) {
                (PlainField::Leaf, true) => Kind::Leaf,
                (PlainField::Object(child), false) => {
                    Kind::Object(Plan::of(sub, child, fragments)?)
                }
                _ => return None,
            },
        };
        Some(Planned {
            key: field.response_key().node.clone(),
            name: name.clone(),
            kind,
        })
    }

    /// `object`'s answer to this plan.
    pub fn answer<T: Plain + ?Sized>(&self, object: &T) -> Option<Value> {
        let mut map = IndexMap::with_capacity(self.0.len());
        for p in &self.0 {
            let value = match &p.kind {
                Kind::TypeName(name) => Value::String(name.clone()),
                Kind::Leaf => object.value(&p.name, None)?,
                Kind::Object(plan) => object.value(&p.name, Some(plan))?,
            };
            map.insert(p.key.clone(), value);
        }
        Some(Value::Object(map))
    }
}

/// The plans of one request, by selection set and type: the selection under a page's
/// `nodes`, or under an execution's `files`, is compiled once per request, not once per
/// object or per list. The gateway puts one into every operation's data; without it each
/// use compiles its own.
#[derive(Default)]
pub struct Plans(Mutex<Vec<(PlanKey, Option<Arc<Plan>>)>>);

/// A selection set's address and a plain type's Rust name.
type PlanKey = (usize, &'static str);

impl Plans {
    /// The plan of the selection `ctx` is at, on `T`, if every selected field is plain.
    fn of<T: Plain>(ctx: &ContextSelectionSet<'_>) -> Option<Arc<Plan>> {
        let compile = || {
            let (items, fragments) = (&ctx.item.node.items, &ctx.query_env.fragments);
            Plan::of(items, PlainType::of::<T>(), fragments).map(Arc::new)
        };
        let Some(Ok(mut plans)) = ctx.data_opt::<Plans>().map(|p| p.0.lock()) else {
            return compile();
        };
        // The document outlives the request and its plans: the address names the selection.
        let key = (ctx.item as *const _ as usize, std::any::type_name::<T>());
        if let Some((_, plan)) = plans.iter().find(|(at, _)| *at == key) {
            return plan.clone();
        }
        let plan = compile();
        plans.push((key, plan.clone()));
        plan
    }
}

/// A list field's objects, answered by a [`Plan`] when every selected field is plain, else by
/// async-graphql as a `Vec<T>`. The schema sees a `Vec<T>`.
pub struct PlainList<T>(pub Vec<T>);

impl<T: Plain> PlainList<T> {
    /// The list's answer to `plan`, if every object can give its own.
    pub fn answer(&self, plan: &Plan) -> Option<Value> {
        self.0
            .iter()
            .map(|o| plan.answer(o))
            .collect::<Option<_>>()
            .map(Value::List)
    }
}

impl<T: Plain> OutputType for PlainList<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match Plans::of::<T>(ctx).and_then(|plan| self.answer(&plan)) {
            Some(items) => Ok(items),
            None => OutputType::resolve(&self.0, ctx, field).await,
        }
    }
}

/// One object answered by its [`Plan`] when every selected field is plain, else by
/// async-graphql as a `T`; the schema sees a `T`. For objects async-graphql resolves one at a
/// time, such as a page's `nodes` and its edges' `node`: the plan is compiled once per request
/// ([`Plans`]), and each object skips the per-field futures.
pub struct PlainObject<T>(pub T);

impl<T: Plain> OutputType for PlainObject<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match Plans::of::<T>(ctx).and_then(|plan| plan.answer(&self.0)) {
            Some(value) => Ok(value),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::DocumentOperations;

    /// A thing with a plain `label` and a plain `part`; `slow` is not plain.
    struct Thing;

    #[async_graphql::Object]
    impl Thing {
        async fn label(&self) -> &str {
            "x"
        }

        async fn part(&self) -> Thing {
            Thing
        }

        async fn slow(&self) -> &str {
            "x"
        }
    }

    impl Plain for Thing {
        fn field(name: &str) -> Option<PlainField> {
            match name {
                "label" => Some(PlainField::Leaf),
                "part" => Some(PlainField::Object(PlainType::of::<Thing>())),
                _ => None,
            }
        }

        fn value(&self, name: &str, plan: Option<&Plan>) -> Option<Value> {
            match (name, plan) {
                ("label", _) => Some(Value::String("x".into())),
                ("part", Some(plan)) => plan.answer(self),
                _ => None,
            }
        }
    }

    /// The answer of `Thing` to the selection of the document's one field, if plain.
    fn answer(query: &str) -> Option<String> {
        let doc = parse_query(query).expect("parses");
        let DocumentOperations::Single(op) = &doc.operations else {
            panic!("one operation")
        };
        let Selection::Field(field) = &op.node.selection_set.node.items[0].node else {
            panic!("a field")
        };
        let items = &field.node.selection_set.node.items;
        let plan = Plan::of(items, PlainType::of::<Thing>(), &doc.fragments)?;
        plan.answer(&Thing).map(|v| v.to_string())
    }

    #[test]
    fn plain_selections_are_answered_in_order() {
        assert_eq!(
            answer("{ t { label b: label __typename part { label } } }").as_deref(),
            Some(r#"{label: "x", b: "x", __typename: "Thing", part: {label: "x"}}"#)
        );
        assert_eq!(
            answer("{ t { ...F ... on Thing { b: label } ... { c: label } } } fragment F on Thing { label }")
                .as_deref(),
            Some(r#"{label: "x", b: "x", c: "x"}"#)
        );
    }

    #[test]
    fn anything_else_goes_the_usual_way() {
        for query in [
            "{ t { label slow } }",  // a field that is not plain
            "{ t { label label } }", // a key twice: merged by async-graphql
            "{ t { part { label } part { b: label } } }",
            "{ t { label(x: 1) } }",            // an argument
            "{ t { label @cached } }",          // a custom directive
            "{ t { ... on Other { label } } }", // a fragment on another type
            "{ t { ...F } } fragment F on Other { label }",
            "{ t { label { label } } }", // a selection under a leaf
            "{ t { part } }",            // an object without one
        ] {
            assert_eq!(answer(query), None, "{query}");
        }
    }
}

#[cfg(test)]
mod objects {
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Request, Schema};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// How often a plan asked [`Probe`] about a field.
    static ASKED: AtomicUsize = AtomicUsize::new(0);

    /// An object whose plain `label` says "plain" where its resolver says "resolved", to show
    /// which way it was answered.
    struct Probe;

    #[Object]
    impl Probe {
        async fn label(&self) -> &str {
            "resolved"
        }

        async fn slow(&self) -> &str {
            "slow"
        }
    }

    impl Plain for Probe {
        fn field(name: &str) -> Option<PlainField> {
            ASKED.fetch_add(1, Ordering::SeqCst);
            (name == "label").then_some(PlainField::Leaf)
        }

        fn value(&self, name: &str, _: Option<&Plan>) -> Option<Value> {
            (name == "label").then(|| Value::String("plain".into()))
        }
    }

    struct Query;

    #[Object]
    impl Query {
        async fn probes(&self) -> Vec<PlainObject<Probe>> {
            vec![PlainObject(Probe), PlainObject(Probe), PlainObject(Probe)]
        }
    }

    async fn run(query: &str, plans: bool) -> String {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        let mut request = Request::new(query);
        if plans {
            request = request.data(Plans::default());
        }
        let response = schema.execute(request).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data.to_string()
    }

    #[tokio::test]
    async fn plain_objects_answer_by_one_plan_per_request_else_as_usual() {
        ASKED.store(0, Ordering::SeqCst);
        let plain = r#"{probes: [{label: "plain"}, {label: "plain"}, {label: "plain"}]}"#;
        assert_eq!(run("{ probes { label } }", true).await, plain);
        assert_eq!(
            ASKED.load(Ordering::SeqCst),
            1,
            "one plan for three objects"
        );
        assert_eq!(run("{ probes { label } }", false).await, plain);
        assert_eq!(
            ASKED.load(Ordering::SeqCst),
            4,
            "without plans, one per object"
        );
        assert_eq!(
            run("{ probes { label slow } }", true).await,
            r#"{probes: [{label: "resolved", slow: "slow"}, {label: "resolved", slow: "slow"}, {label: "resolved", slow: "slow"}]}"#
        );
    }
}
