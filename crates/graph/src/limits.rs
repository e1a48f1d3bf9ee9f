//! Operation limits beyond async-graphql's built-in depth and directive limits: aliases per
//! operation, fields at the root, and the cost of an operation.
//!
//! Cost counts the objects an operation can make the server produce: a scalar or enum field
//! costs nothing, every object (or list of objects) field costs 1 for each time it can be
//! resolved, and a field taking `first` multiplies everything below it by `first` (20 when
//! absent). So `companies(first: 10) { nodes { studios(first: 10) { nodes { id } } } }` costs
//! 1 + 10 + 10 + 100 = 121. Lists without `first` (an execution's files, a board's stages)
//! are small by construction and count once. Everything is counted with fragments expanded;
//! the walk stops as soon as a limit is crossed, so a fragment bomb costs nothing.

use crate::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, Positioned, ServerError, ServerResult, Variables};
use async_graphql_value::{ConstValue, Value};

#[derive(Clone, Copy)]
pub struct OperationLimits {
    /// Fields nested in fields, counted as async-graphql counts them, outside introspection.
    pub max_depth: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_cost: usize,
    /// Whether `__schema` and `__type` may be asked for.
    pub introspection: bool,
}

/// Counts while walking; `Err` once a limit is crossed.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    limits: OperationLimits,
    aliases: usize,
    /// Fragments on the current path: a cycle is left to validation to report.
    path: Vec<&'a str>,
    /// Selections visited so far: fragments spreading fragments can grow exponentially.
    visited: usize,
}

/// Selections one walk may visit with fragments expanded.
const MAX_VISITED: usize = 100_000;

/// The depth introspection may reach below `__schema` / `__type` (counted from the root): the
/// standard query of graphql-js, codegen and schemathesis nests `ofType` seven times inside
/// `__schema { types { fields { args { type ...` and reaches 13, past the depth an application
/// query gets. async-graphql's own depth limit is set to the larger of the two; the walk
/// applies each to its part.
pub const INTROSPECTION_DEPTH: usize = 16;

impl OperationLimits {
    pub fn check(&self, document: &ExecutableDocument) -> ServerResult<()> {
        for (_, operation) in document.operations.iter() {
            let root = &operation.node.selection_set;
            let mut walk = Walk {
                document,
                limits: *self,
                aliases: 0,
                path: Vec::new(),
                visited: 0,
            };
            let fields = walk.root_fields(root)?;
            if fields > self.max_root_fields {
                return Err(ServerError::new(
                    format!(
                        "The operation selects {fields} root fields; at most {} are allowed",
                        self.max_root_fields
                    ),
                    Some(root.pos),
                ));
            }
            walk.aliases(root, 0, false)?;
        }
        Ok(())
    }
}

impl OperationLimits {
    /// Refuses an operation whose cost (see the module docs) is above `max_cost`.
    pub fn check_cost(
        &self,
        document: &ExecutableDocument,
        registry: &Registry,
        variables: &Variables,
    ) -> ServerResult<()> {
        for (_, operation) in document.operations.iter() {
            let root = match operation.node.ty {
                OperationType::Query => Some(registry.query_type.as_str()),
                OperationType::Mutation => registry.mutation_type.as_deref(),
                OperationType::Subscription => registry.subscription_type.as_deref(),
            };
            let Some(root) = root else { continue };
            let mut cost = Cost {
                document,
                registry,
                variables,
                defaults: &operation.node.variable_definitions,
                max: self.max_cost,
                total: 0,
                path: Vec::new(),
                visited: 0,
            };
            cost.selection_set(&operation.node.selection_set, root, 1)?;
            if cost.total > self.max_cost {
                return Err(ServerError::new(
                    format!(
                        "Query is too complex: it costs more than {}, the limit (an object \
                         costs 1 per time it can be returned, `first` multiplies)",
                        self.max_cost
                    ),
                    Some(operation.pos),
                ));
            }
        }
        Ok(())
    }
}

struct Cost<'a> {
    document: &'a ExecutableDocument,
    registry: &'a Registry,
    variables: &'a Variables,
    defaults: &'a [Positioned<async_graphql::parser::types::VariableDefinition>],
    max: usize,
    total: usize,
    path: Vec<&'a str>,
    visited: usize,
}

impl<'a> Cost<'a> {
    fn selection_set(
        &mut self,
        set: &'a Positioned<SelectionSet>,
        type_name: &str,
        times: usize,
    ) -> ServerResult<()> {
        self.visited += set.node.items.len();
        if self.visited > MAX_VISITED || self.total > self.max {
            // Over already: the caller reports it; an expanding walk stops here.
            self.total = self.total.max(self.max.saturating_add(1));
            return Ok(());
        }
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let Some(meta) = self
                        .registry
                        .types
                        .get(type_name)
                        .and_then(|t| t.field_by_name(field.name.node.as_str()))
                    else {
                        continue; // __typename, or an unknown field validation reports
                    };
                    let target = MetaTypeName::concrete_typename(&meta.ty);
                    if self.registry.types.get(target).is_none_or(|t| t.is_leaf()) {
                        continue;
                    }
                    self.total = self.total.saturating_add(times);
                    let below = if meta.args.contains_key("first") {
                        times.saturating_mul(self.first(&field.arguments))
                    } else {
                        times
                    };
                    self.selection_set(&field.selection_set, target, below)?;
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |c| c.node.on.node.as_str());
                    self.selection_set(&inline.node.selection_set, on, times)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    if self.path.contains(&name) {
                        continue;
                    }
                    self.path.push(name);
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    self.selection_set(&fragment.node.selection_set, on, times)?;
                    self.path.pop();
                }
            }
        }
        Ok(())
    }

    /// The `first` argument's value (a literal or a variable), clamped to the page limits.
    fn first(&self, arguments: &[(Positioned<Name>, Positioned<Value>)]) -> usize {
        let value = arguments
            .iter()
            .find(|(name, _)| name.node.as_str() == "first")
            .map(|(_, value)| &value.node);
        let number = match value {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::Variable(var)) => match self.variables.get(var) {
                Some(ConstValue::Number(n)) => n.as_i64(),
                Some(_) => None,
                None => self
                    .defaults
                    .iter()
                    .find(|d| d.node.name.node == *var)
                    .and_then(|d| match d.node.default_value.as_ref().map(|v| &v.node) {
                        Some(ConstValue::Number(n)) => n.as_i64(),
                        _ => None,
                    }),
            },
            _ => None,
        };
        number
            .unwrap_or(i64::from(DEFAULT_PAGE_SIZE))
            .clamp(1, i64::from(MAX_PAGE_SIZE)) as usize
    }
}

impl<'a> Walk<'a> {
    fn fragment(&self, name: &str) -> Option<&'a Positioned<SelectionSet>> {
        self.document
            .fragments
            .get(name)
            .map(|f| &f.node.selection_set)
    }

    fn visit(&mut self, set: &Positioned<SelectionSet>) -> ServerResult<()> {
        self.visited += set.node.items.len();
        if self.visited > MAX_VISITED {
            return Err(ServerError::new(
                format!("The operation expands to more than {MAX_VISITED} selections"),
                Some(set.pos),
            ));
        }
        Ok(())
    }

    fn root_fields(&mut self, set: &'a Positioned<SelectionSet>) -> ServerResult<usize> {
        self.visit(set)?;
        let mut count = 0;
        for selection in &set.node.items {
            count += match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if !self.limits.introspection && (name == "__schema" || name == "__type") {
                        return Err(ServerError::new(
                            "Introspection is turned off on this server",
                            Some(field.pos),
                        ));
                    }
                    1
                }
                Selection::InlineFragment(inline) => {
                    self.root_fields(&inline.node.selection_set)?
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.fragment(name) {
                        Some(set) if !self.path.contains(&name) => {
                            self.path.push(name);
                            let n = self.root_fields(set)?;
                            self.path.pop();
                            n
                        }
                        _ => 0,
                    }
                }
            };
            if count > self.limits.max_root_fields {
                return Ok(count);
            }
        }
        Ok(count)
    }

    /// Counts aliases and checks depth, fragments expanded: `depth` is that of the fields of
    /// `set`'s parent, `introspecting` whether the walk is below `__schema` or `__type`.
    fn aliases(
        &mut self,
        set: &'a Positioned<SelectionSet>,
        depth: usize,
        introspecting: bool,
    ) -> ServerResult<()> {
        self.visit(set)?;
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.alias.is_some() {
                        self.aliases += 1;
                        if self.aliases > self.limits.max_aliases {
                            return Err(ServerError::new(
                                format!(
                                    "The operation uses more than {} aliases",
                                    self.limits.max_aliases
                                ),
                                Some(field.pos),
                            ));
                        }
                    }
                    for (_, value) in &field.node.arguments {
                        if has_nul(&value.node) {
                            return Err(nul_refusal(value.pos));
                        }
                    }
                    let name = field.node.name.node.as_str();
                    let introspecting = introspecting || name == "__schema" || name == "__type";
                    let limit = if introspecting {
                        INTROSPECTION_DEPTH.max(self.limits.max_depth)
                    } else {
                        self.limits.max_depth
                    };
                    if depth + 1 > limit {
                        // async-graphql's words, which clients already know.
                        return Err(ServerError::new(
                            "Query is nested too deep.",
                            Some(field.pos),
                        ));
                    }
                    self.aliases(&field.node.selection_set, depth + 1, introspecting)?;
                }
                Selection::InlineFragment(inline) => {
                    self.aliases(&inline.node.selection_set, depth, introspecting)?
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(set) = self.fragment(name) {
                        if !self.path.contains(&name) {
                            self.path.push(name);
                            self.aliases(set, depth, introspecting)?;
                            self.path.pop();
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether a literal of the document holds a NUL character (written `"\u0000"`).
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// PostgreSQL refuses NUL in text and SQLite keeps it: refused before either sees it, as the
/// client's input.
fn nul_refusal(pos: async_graphql::Pos) -> ServerError {
    let mut error = ServerError::new(crate::error::NUL_IN_STRING, Some(pos));
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", crate::ErrorCode::BadUserInput.as_str());
    error.extensions = Some(extensions);
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str) -> Result<(), String> {
        let limits = OperationLimits {
            max_depth: 4,
            max_aliases: 3,
            max_root_fields: 2,
            max_cost: 0,
            introspection: false,
        };
        let document = async_graphql::parser::parse_query(query).map_err(|e| e.to_string())?;
        limits.check(&document).map_err(|e| e.message)
    }

    #[test]
    fn aliases_count_through_fragments() {
        assert!(check("{ r { a: x b: x c: x } }").is_ok());
        assert!(check("{ r { a: x b: x c: x d: x } }").is_err());
        // Two spreads of a fragment with two aliases: four.
        let err = check("{ x { ...F } y { ...F } } fragment F on T { a: f b: f }")
            .expect_err("four aliases");
        assert!(err.contains("more than 3 aliases"), "{err}");
    }

    #[test]
    fn root_fields_count_through_fragments() {
        assert!(check("{ a b }").is_ok());
        assert!(check("{ a ...R } fragment R on Query { b c }").is_err());
        assert!(check("{ a ... on Query { b } }").is_ok());
        assert!(check("{ a ... on Query { b c } }").is_err());
    }

    #[test]
    fn introspection_can_be_refused() {
        let err = check("{ __schema { queryType { name } } }").expect_err("refused");
        assert!(err.contains("Introspection is turned off"), "{err}");
        assert!(check("{ ...I } fragment I on Query { __type(name: \"Q\") { name } }").is_err());
        assert!(check("{ __typename }").is_ok());
    }

    #[test]
    fn a_fragment_bomb_is_cut_short() {
        // Each level spreads the next twice: 2^40 selections if walked naively.
        let mut query = String::from("{ ...F0 }");
        for level in 0..40 {
            let next = level + 1;
            query.push_str(&format!(
                " fragment F{level} on Query {{ x {{ ...F{next} ...F{next} }} }}"
            ));
        }
        query.push_str(" fragment F40 on Query { x }");
        let limits = OperationLimits {
            max_depth: 64,
            max_aliases: 30,
            max_root_fields: 20,
            max_cost: 0,
            introspection: false,
        };
        let document = async_graphql::parser::parse_query(&query).expect("parses");
        let err = limits.check(&document).expect_err("refused").message;
        assert!(err.contains("expands to more than"), "{err}");
    }

    #[test]
    fn a_fragment_cycle_does_not_hang_the_walk() {
        // Validation reports the cycle; the walk must simply end.
        assert!(
            check("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }").is_ok()
        );
    }

    #[test]
    fn depth_is_limited_and_introspection_has_its_own_budget() {
        // max_depth 4 here: four nested fields pass, five do not.
        assert!(check("{ a { b { c { d } } } }").is_ok());
        let err = check("{ a { b { c { d { e } } } } }").expect_err("too deep");
        assert_eq!(err, "Query is nested too deep.");
        // Fragments count where they are spread.
        assert!(check("{ a { ...F } } fragment F on T { b { c { d { e } } } }").is_err());
        // Introspection may go to INTROSPECTION_DEPTH, no further.
        let nested = |n: usize| {
            let mut q = String::from("name");
            for _ in 0..n {
                q = format!("ofType {{ {q} }}");
            }
            format!("{{ __schema {{ types {{ {q} }} }} }}")
        };
        let limits = OperationLimits {
            max_depth: 4,
            max_aliases: 30,
            max_root_fields: 20,
            max_cost: 0,
            introspection: true,
        };
        let deepest = INTROSPECTION_DEPTH - 3; // __schema, types and the leaf
        let ok = async_graphql::parser::parse_query(nested(deepest)).expect("parses");
        assert!(limits.check(&ok).is_ok());
        let deeper = async_graphql::parser::parse_query(nested(deepest + 1)).expect("parses");
        assert!(limits.check(&deeper).is_err());
    }
}
