//! Relay connections over keyset pagination.
//!
//! Every list is ordered by a timestamp with the id as tie-breaker, so a cursor is the
//! `(timestamp, id)` of the last row seen and the next page is one indexed range scan. Pages of
//! many parents at once (`first: 10` executions of each of 50 studios) are one statement: a
//! `LATERAL` page per parent on PostgreSQL, `ROW_NUMBER() OVER (PARTITION BY parent ...)` on
//! SQLite.

use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields};
use async_graphql::{Enum, Object, OutputType};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, FixedOffset};
use sea_orm::sea_query::{Alias, Asterisk, Expr, Func, JoinType, Order, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, IdenStatic, QueryFilter, QueryTrait, Select, Statement,
};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

use crate::error::{GraphError, GraphResult};

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// A connection costs its page size times what each item costs, so that nested pages
/// multiply: `first: 100` of `first: 100` of `first: 100` is refused by the default limit.
pub fn page_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let first = first.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE) as usize;
    first.saturating_mul(child_complexity.max(1))
}

/// The order of a list. Every list is newest first unless asked otherwise.
#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum ListOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

impl ListOrder {
    pub(crate) fn order(self) -> Order {
        match self {
            Self::NewestFirst => Order::Desc,
            Self::OldestFirst => Order::Asc,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Self::NewestFirst => "DESC",
            Self::OldestFirst => "ASC",
        }
    }
}

/// The position after which the next page starts. Clients see it only as an opaque string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "t")]
    pub at: DateTime<FixedOffset>,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(raw: &str) -> Result<Self, GraphError> {
        URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| GraphError::bad_input("after", "`after` is not a cursor of this list"))
    }
}

/// Validated `first` / `after` / `order` arguments of a connection field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: u64,
    pub after: Option<Cursor>,
    pub order: ListOrder,
    /// Whether the page's rows are asked for at all (see [`PageArgs::selected_in`]).
    pub rows: bool,
    /// The relation's lazy columns the page leaves out, as bits over its list
    /// ([`crate::loader::PagedLoader::projected`]).
    pub omit: u64,
}

impl PageArgs {
    pub fn parse(
        first: Option<i32>,
        after: Option<String>,
        order: Option<ListOrder>,
    ) -> Result<Self, GraphError> {
        let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&first) {
            return Err(GraphError::bad_input(
                "first",
                format!("`first` must be between 1 and {MAX_PAGE_SIZE}, got {first}"),
            ));
        }
        Ok(Self {
            first: first as u64,
            after: after.as_deref().map(Cursor::decode).transpose()?,
            order: order.unwrap_or_default(),
            rows: true,
            omit: 0,
        })
    }

    /// Fetches rows only when the connection's selection asks for them (`edges`, `nodes` or
    /// `pageInfo`, through fragments too): a connection asked only for `totalCount` reads no
    /// page.
    #[must_use]
    pub fn selected_in(self, ctx: &async_graphql::Context<'_>) -> Self {
        self.selected_by(&ctx.look_ahead())
    }

    /// [`PageArgs::selected_in`] for the connection selection `wanted`.
    #[must_use]
    pub fn selected_by(mut self, wanted: &async_graphql::Lookahead<'_>) -> Self {
        self.rows = ["edges", "nodes", "pageInfo"]
            .iter()
            .any(|field| wanted.field(field).exists());
        self
    }

    /// Rows strictly after the cursor in this order: `(t, id)` compared lexicographically.
    pub fn after_condition<C: ColumnTrait>(&self, time: C, id: C) -> Option<SimpleExpr> {
        let cursor = self.after.as_ref()?;
        let (time_past, id_past) = match self.order {
            ListOrder::NewestFirst => (time.lt(cursor.at), id.lt(cursor.id)),
            ListOrder::OldestFirst => (time.gt(cursor.at), id.gt(cursor.id)),
        };
        Some(time_past.or(time.eq(cursor.at).and(id_past)))
    }

    /// One page for one list: `ORDER BY t, id LIMIT first + 1` (the extra row tells whether
    /// there is a next page).
    pub fn apply<E: EntityTrait>(
        &self,
        select: Select<E>,
        time: E::Column,
        id: E::Column,
    ) -> Select<E> {
        use sea_orm::{QueryOrder, QuerySelect};
        let select = match self.after_condition(time, id) {
            Some(cond) => select.filter(cond),
            None => select,
        };
        select
            .order_by(time, self.order.order())
            .order_by(id, self.order.order())
            .limit(self.first + 1)
    }

    /// One page for each of many parents, in one statement; callers group the rows by the
    /// parent column. Within a parent, rows come in page order.
    ///
    /// On PostgreSQL each parent's page is its own index range scan, `LIMIT first + 1`
    /// (`CROSS JOIN LATERAL` over the parent ids): it reads the rows it returns and no others.
    /// SQLite has no LATERAL: there every child of the parents is numbered within its parent
    /// (`ROW_NUMBER() OVER (PARTITION BY parent ...)`) and the first `first + 1` are kept.
    pub fn per_parent<E: EntityTrait>(
        &self,
        backend: DbBackend,
        select: Select<E>,
        parent: E::Column,
        parents: &[Uuid],
        time: E::Column,
        id: E::Column,
    ) -> Statement {
        let select = match self.after_condition(time, id) {
            Some(cond) => select.filter(cond),
            None => select,
        };
        let dir = self.order.sql();
        let page_row = Alias::new("page_row");
        let outer = if backend == DbBackend::Postgres {
            use sea_orm::{QueryOrder, QuerySelect};
            let (parents_alias, paged) = (Alias::new("parents"), Alias::new("paged"));
            let parent_id = Alias::new("id");
            // The parents are one `uuid[]` parameter, unnested: one statement text for any
            // number of parents (see `loader::in_keys`). The cast keeps it typed when the
            // statement is replayed with its values inlined.
            let parent_ids = Query::select()
                .expr_as(
                    Func::cust(Alias::new("unnest"))
                        .arg(Expr::val(parents.to_vec()).cast_as(Alias::new("uuid[]"))),
                    parent_id.clone(),
                )
                .to_owned();
            let inner = select
                .filter(
                    Expr::col((E::default(), parent)).equals((parents_alias.clone(), parent_id)),
                )
                .order_by(time, self.order.order())
                .order_by(id, self.order.order())
                .limit(self.first + 1)
                .into_query();
            Query::select()
                .column((paged.clone(), Asterisk))
                .from_subquery(parent_ids, parents_alias)
                .join_lateral(
                    JoinType::InnerJoin,
                    inner,
                    paged.clone(),
                    Expr::cust("true"),
                )
                .order_by((paged.clone(), Alias::new(parent.as_str())), Order::Asc)
                .order_by(
                    (paged.clone(), Alias::new(time.as_str())),
                    self.order.order(),
                )
                .order_by((paged, Alias::new(id.as_str())), self.order.order())
                .to_owned()
        } else {
            let mut inner = select
                .filter(crate::loader::in_keys(parent, parents, backend))
                .into_query();
            inner.expr_as(
                Expr::cust(format!(
                    r#"ROW_NUMBER() OVER (PARTITION BY "{}" ORDER BY "{}" {dir}, "{}" {dir})"#,
                    parent.as_str(),
                    time.as_str(),
                    id.as_str()
                )),
                page_row.clone(),
            );
            Query::select()
                .column(Asterisk)
                .from_subquery(inner, Alias::new("paged"))
                .and_where(Expr::col(page_row.clone()).lte(self.first + 1))
                .order_by(page_row, Order::Asc)
                .to_owned()
        };
        backend.build(&outer)
    }
}

/// Rows of one page, with one row more than asked when there is a next page.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub rows: Vec<M>,
}

impl<M> Default for Page<M> {
    fn default() -> Self {
        Self { rows: Vec::new() }
    }
}

type CountFuture = Pin<Box<dyn Future<Output = GraphResult<i64>> + Send>>;

/// `totalCount` of a connection, computed only when the client asks for it (through the
/// relation's count loader, so it is one GROUP BY for all parents).
pub struct TotalCount(Box<dyn Fn() -> CountFuture + Send + Sync>);

impl TotalCount {
    pub fn new<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = GraphResult<i64>> + Send + 'static,
    {
        Self(Box::new(move || Box::pin(count())))
    }

    /// For lists whose rows are already all in memory.
    pub fn known(count: i64) -> Self {
        Self::new(move || async move { Ok(count) })
    }
}

#[cfg(test)]
impl TotalCount {
    /// The count, for tests outside GraphQL.
    pub async fn total_count_for_test(&self) -> i64 {
        (self.0)().await.unwrap_or(-1)
    }
}

/// The size of a whole list.
#[Object]
impl TotalCount {
    /// How many items the whole list holds, across all pages.
    async fn total_count(&self) -> GraphResult<i64> {
        (self.0)().await
    }
}

/// The GraphQL connection type every list returns. Its edges hold the [`Cursor`] itself: it is
/// encoded only when `cursor`, `startCursor` or `endCursor` is selected, not for every row.
pub type ListConnection<N> = Connection<Cursor, N, TotalCount, EmptyFields>;

impl CursorType for Cursor {
    type Error = String;

    fn decode_cursor(raw: &str) -> Result<Self, String> {
        Self::decode(raw).map_err(|e| e.message)
    }

    fn encode_cursor(&self) -> String {
        self.encode()
    }
}

/// Turns a fetched page into a connection: drops the look-ahead row and sets the cursors.
pub fn connection<M, N: OutputType>(
    args: &PageArgs,
    page: Page<M>,
    cursor: impl Fn(&M) -> Cursor,
    node: impl Fn(M) -> N,
    total: TotalCount,
) -> ListConnection<N> {
    let has_next = page.rows.len() as u64 > args.first;
    let mut conn = Connection::with_additional_fields(args.after.is_some(), has_next, total);
    conn.edges.extend(
        page.rows
            .into_iter()
            .take(args.first as usize)
            .map(|row| Edge::new(cursor(&row), node(row))),
    );
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = Cursor {
            at: chrono::Utc::now().fixed_offset(),
            id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).expect("decodes"), cursor);
        let err = Cursor::decode("not-a-cursor").expect_err("garbage");
        assert_eq!(err.field.as_deref(), Some("after"));
    }

    #[test]
    fn first_must_be_between_1_and_100() {
        assert_eq!(
            PageArgs::parse(None, None, None).expect("default").first,
            20
        );
        assert_eq!(
            PageArgs::parse(Some(100), None, None).expect("max").first,
            100
        );
        for bad in [0, -1, 101] {
            let err = PageArgs::parse(Some(bad), None, None).expect_err("out of range");
            assert_eq!(err.code, crate::ErrorCode::BadUserInput);
            assert_eq!(err.field.as_deref(), Some("first"));
        }
    }
}
