//! Generic dataloaders over sea-orm entities. Each batch is exactly one SQL statement, and the
//! statement always starts from the domain's tenant-scoped select ([`Visible`]), so no loader
//! can return a row the viewer may not see.

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    IdenStatic, QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use uuid::Uuid;

use crate::pagination::{connection, ListConnection, Page, PageArgs, TotalCount};
use crate::GraphError;

/// Keys per statement. Large enough that a whole level of a big nested query is one
/// statement (10 x 10 x 10 executions reference about 1,200 files), and well under the bind
/// limits (SQLite 32,766, PostgreSQL 65,535).
pub const MAX_BATCH: usize = 5_000;

/// How long a loader collects keys before it sends its statement. Sibling fields enqueue their
/// keys within microseconds of each other, but async-graphql's default of 1 ms let a slow debug
/// build split one level into two batches now and then; 2 ms keeps one statement per level.
pub const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(2);

/// `column IN (keys)`, for a batch of keys. One key is `column = $1`. On PostgreSQL more keys
/// are `column = ANY($1)`, the keys one `uuid[]` parameter, so a loader's statement has one
/// text whatever the batch's size: sqlx prepares each text once per connection (and keeps 100
/// of them), where `IN ($1, ..., $n)` is another statement for every `n`. A single key stays
/// an equality because PostgreSQL plans a prepared `= ANY($1)` for an array of unknown length:
/// its generic plan expects ten keys (a hash join where one key wants an index probe), so it
/// plans a lookup anew on every call instead. SQLite has no arrays: `IN ($1, ..., $n)` there.
pub fn in_keys<C: ColumnTrait>(column: C, keys: &[Uuid], backend: DbBackend) -> SimpleExpr {
    match keys {
        [key] => column.eq(*key),
        _ if backend == DbBackend::Postgres => {
            Expr::col((column.entity_name(), column)).eq(PgFunc::any(Expr::val(keys.to_vec())))
        }
        _ => column.is_in(keys.iter().copied()),
    }
}

/// A request-scoped dataloader with the house batch size and window.
pub fn dataloader<T: Send + Sync + 'static>(inner: T) -> DataLoader<T> {
    DataLoader::new(inner, crate::telemetry::spawn)
        .max_batch_size(MAX_BATCH)
        .delay(BATCH_WINDOW)
}

/// A domain's dataloaders for one request, built when a resolver first reaches for them. A
/// domain builds a few dozen loaders (an allocation or more each, and a formatted label), and
/// most operations read one domain: built up front, every domain added would cost every
/// request of the others. `C` is the domain's request context, which the loaders close over.
pub struct RequestLoaders<C, L> {
    ctx: Arc<C>,
    build: fn(&Arc<C>) -> L,
    loaders: std::sync::OnceLock<L>,
}

impl<C, L> RequestLoaders<C, L> {
    pub fn new(ctx: Arc<C>, build: fn(&Arc<C>) -> L) -> Self {
        Self {
            ctx,
            build,
            loaders: std::sync::OnceLock::new(),
        }
    }

    /// The loaders, built by the first caller; every later one shares them (their batches
    /// and caches are the request's).
    pub fn get(&self) -> &L {
        self.loaders.get_or_init(|| (self.build)(&self.ctx))
    }
}

/// `studios.by_id`: the entity's module name and the loader kind, for metrics and spans.
fn label<E: EntityTrait>(kind: &str) -> String {
    let path = std::any::type_name::<E>();
    let module = path.rsplit("::").nth(1).unwrap_or(path);
    format!("{module}.{kind}")
}

/// The rows of one entity that the current request may see.
#[async_trait::async_trait]
pub trait Visible<E: EntityTrait>: Send + Sync + 'static {
    fn db(&self) -> &DatabaseConnection;
    /// A select carrying the tenant predicate; loaders only ever add conditions to it.
    async fn visible(&self) -> Result<Select<E>, GraphError>;
}

/// A filter a list accepts, applied to the scoped select. `()` means none.
pub trait ListFilter<E: EntityTrait>: Send + Sync + Hash + Eq + Clone + 'static {
    fn apply(&self, select: Select<E>, backend: sea_orm::DbBackend) -> Select<E>;
}

impl<E: EntityTrait> ListFilter<E> for () {
    fn apply(&self, select: Select<E>, _: sea_orm::DbBackend) -> Select<E> {
        select
    }
}

/// How to read the keys of an entity's rows.
pub struct Keys<E: EntityTrait> {
    pub id: E::Column,
    pub id_of: fn(&E::Model) -> Uuid,
}

/// What a loader reads a row into before it hands out the entity's model: the model itself
/// (sea-orm's derive reads each column by name), or a domain's row type that reads the same
/// columns its own way (by position, say) and gives the model back.
pub trait ModelRow<E: EntityTrait>: FromQueryResult + Send + 'static {
    /// Whether this row reads SQL `NULL` in a `NOT NULL` JSON column as JSON `null` (see
    /// [`PageRow::NULL_JSON`]).
    const NULL_JSON: bool = false;

    fn into_model(self) -> E::Model;
}

impl<M> ModelRow<M::Entity> for M
where
    M: sea_orm::ModelTrait + FromQueryResult + Send + 'static,
    M::Entity: EntityTrait<Model = M>,
{
    fn into_model(self) -> M {
        self
    }
}

/// On PostgreSQL, the value at `idx` decoded straight from the row's bytes: `Some(None)` for
/// SQL `NULL`, `Some(Some(value))` when it decodes, `None` otherwise (not a PostgreSQL row,
/// no such column, or a value that does not decode). The row types that use it read an
/// entity's generated model, whose field types are its table's, so sqlx's check of every
/// value's type against the Rust type (type infos compared, and cloned) is left out. Decoding
/// stays checked: a value of the wrong size or form does not decode.
fn decoded_pg<T>(res: &sea_orm::QueryResult, idx: usize) -> Option<Option<T>>
where
    T: for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>,
{
    use sea_orm::sqlx::{Row, ValueRef};
    let raw = res.try_as_pg_row()?.try_get_raw(idx).ok()?;
    if raw.is_null() {
        return Some(None);
    }
    T::decode(raw).ok().map(Some)
}

/// A column of a row, by position, for rows read by position ([`ModelRow`], [`PageRow`]): on
/// PostgreSQL decoded from its bytes ([`decoded_pg`]); anything else, and what does not
/// decode, read by sea-orm, which reports what is wrong.
pub fn column<T>(res: &sea_orm::QueryResult, idx: usize) -> Result<T, sea_orm::DbErr>
where
    T: sea_orm::TryGetable + for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>,
{
    match decoded_pg(res, idx) {
        Some(Some(value)) => Ok(value),
        _ => res.try_get_by_index(idx),
    }
}

/// A nullable column of a row, by position, as [`column`] reads it. sea-orm reads a SQL
/// `NULL` as an error that carries the column's index formatted as text, which `Option` then
/// drops: a page's stand-ins ([`LazyColumn`]) are `NULL` in every row, so a nested read
/// formatted and freed thousands of such texts. Here a `NULL` is seen in the raw value first.
pub fn nullable<T>(res: &sea_orm::QueryResult, idx: usize) -> Result<Option<T>, sea_orm::DbErr>
where
    T: sea_orm::TryGetable + for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>,
{
    use sea_orm::sqlx::{Row, ValueRef};
    if let Some(value) = decoded_pg(res, idx) {
        return Ok(value);
    }
    let sqlite_null = res
        .try_as_sqlite_row()
        .is_some_and(|row| row.try_get_raw(idx).is_ok_and(|v| v.is_null()));
    if sqlite_null {
        return Ok(None);
    }
    // Not readable raw, or not decodable: sea-orm reads it (and reports what is wrong).
    res.try_get_by_index(idx)
}

/// Rows by primary key: `SELECT ... WHERE <scope> AND id IN (...)`, read through `R`.
pub struct ByIdLoader<E: EntityTrait, R = <E as EntityTrait>::Model> {
    source: Arc<dyn Visible<E>>,
    keys: Keys<E>,
    /// The columns a root lookup ([`ByIdLoader::one_for`]) leaves out when its selection
    /// reads none of them: the node's [`Relation::lazy`], or none.
    lazy: &'static [LazyColumn<E>],
    row: std::marker::PhantomData<fn() -> R>,
}

impl<E: EntityTrait, R> ByIdLoader<E, R> {
    /// Rows of `source` by `keys`; root lookups leave out `lazy` when nothing reads it.
    pub fn new(source: Arc<dyn Visible<E>>, keys: Keys<E>, lazy: &'static [LazyColumn<E>]) -> Self {
        Self {
            source,
            keys,
            lazy,
            row: std::marker::PhantomData,
        }
    }

    /// The bits over `lazy` of the columns the root selection `wanted` does not read.
    fn left_out(&self, wanted: &async_graphql::Lookahead<'_>) -> u64 {
        omitted(self.lazy, |field| wanted.field(field).exists())
    }
}

impl<E, R> Loader<Uuid> for ByIdLoader<E, R>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
    R: ModelRow<E>,
{
    type Value = E::Model;
    type Error = GraphError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, E::Model>, GraphError> {
        crate::telemetry::batch(&label::<E>("by_id"), ids.len(), self.load_ids(ids, 0)).await
    }
}

impl<E, R> ByIdLoader<E, R>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
    R: ModelRow<E>,
{
    /// One row now, without waiting out the batch window: for lookups at the root of an
    /// operation, which have nothing below them to batch with (reach it through
    /// `DataLoader::loader`). The same scoped select as a batch of one.
    pub async fn one(&self, id: Uuid) -> Result<Option<E::Model>, GraphError> {
        Ok(self.load(&[id]).await?.remove(&id))
    }

    /// [`ByIdLoader::one`] for the root field at `ctx`, reading only the lazy columns its
    /// selection needs (fragments included); the others hold their stand-ins. The row is the
    /// field's alone: it never enters the loader's cache, where a relation could find it.
    pub async fn one_for(
        &self,
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
    ) -> Result<Option<E::Model>, GraphError> {
        let omit = self.left_out(&ctx.look_ahead());
        let ids = [id];
        let lookup = self.load_ids(&ids, omit);
        let mut rows = crate::telemetry::batch(&label::<E>("by_id"), 1, lookup).await?;
        Ok(rows.remove(&id))
    }

    /// [`ByIdLoader::one_for`] for a root field whose selection holds the connection `field`
    /// over `pages` once, with rows asked for: the row and the connection's page in one
    /// statement, the page's own scoped select (filter, cursor, order, `LIMIT first + 1`, lazy
    /// columns as its selection needs) `UNION ALL` the row's. The row is the line whose page
    /// columns are `NULL`; without it there is no visible row, and the page is dropped. The
    /// page then waits in `pages` under the key its connection will ask with ([`paged_rows`]).
    /// Any other selection, or arguments the connection refuses, goes [`ByIdLoader::one_for`]'s
    /// way, and the connection loads (or refuses) as it always does.
    pub async fn one_with_page<C, F, Q>(
        &self,
        ctx: &async_graphql::Context<'_>,
        id: Uuid,
        field: &str,
        pages: &PagedLoader<C, F, Q>,
    ) -> Result<Option<E::Model>, GraphError>
    where
        E::Model: FromQueryResult,
        C: EntityTrait,
        F: ListFilter<C> + async_graphql::InputType + Default,
        Q: PageRow<C>,
    {
        let wanted = ctx.look_ahead();
        let Some((args, filter)) = page_asked(&wanted.field(field), pages) else {
            return self.one_for(ctx, id).await;
        };
        let lookup = self.load_with_page(id, self.left_out(&wanted), pages, args, filter);
        crate::telemetry::batch(&label::<E>("by_id"), 1, lookup).await
    }

    async fn load_with_page<C, F, Q>(
        &self,
        id: Uuid,
        omit: u64,
        pages: &PagedLoader<C, F, Q>,
        args: PageArgs,
        filter: F,
    ) -> Result<Option<E::Model>, GraphError>
    where
        E::Model: FromQueryResult,
        C: EntityTrait,
        F: ListFilter<C>,
        Q: PageRow<C>,
    {
        use sea_orm::sea_query::{Alias, Query, UnionType};
        use sea_orm::{Iterable, QueryTrait};
        let db = self.source.db();
        let backend = db.get_database_backend();
        let row = self.source.visible().await?.filter(self.keys.id.eq(id));
        // The row is read into the generated model, which refuses `NULL` JSON.
        let (row, _) = project(
            row,
            self.lazy,
            &[self.keys.id.as_str()],
            omit,
            backend,
            false,
            false,
        );
        let rel = &pages.relation;
        let page = filter.apply(pages.source.visible().await?, backend);
        let page = page.filter(rel.parent.eq(id));
        let keys = [rel.parent.as_str(), rel.time.as_str(), rel.id.as_str()];
        let (page, present) = project(
            page,
            rel.lazy,
            &keys,
            args.omit,
            backend,
            Q::NULL_JSON,
            Q::LEAN,
        );
        let page = args.apply(page, rel.time, rel.id);
        // Both halves have the page's columns first, at the positions its rows read them
        // from, then the row's as `row_<column>`; each half's other columns are `NULL`. The
        // row's columns come back once, not on every line of the page.
        let mut page_list = String::from("\"page\".*");
        let mut row_list = String::new();
        for _ in 0..present.count(C::Column::iter().len()) {
            row_list.push_str("NULL, ");
        }
        for (i, column) in E::Column::iter().enumerate() {
            let alias = format!("{ROW}{}", column.as_str());
            page_list.push_str(", NULL AS ");
            push_quoted(&mut page_list, &alias, backend);
            if i > 0 {
                row_list.push_str(", ");
            }
            row_list.push_str("\"row\".");
            push_quoted(&mut row_list, column.as_str(), backend);
        }
        let order = args.order.order();
        let row = Query::select()
            .expr(Expr::cust(row_list))
            .from_subquery(row.into_query(), Alias::new("row"))
            .to_owned();
        let stmt = Query::select()
            .expr(Expr::cust(page_list))
            .from_subquery(page.into_query(), Alias::new("page"))
            .union(UnionType::All, row)
            .order_by(Alias::new(rel.time.as_str()), order.clone())
            .order_by(Alias::new(rel.id.as_str()), order)
            .to_owned();
        let id_at = C::Column::iter()
            .position(|c| c.as_str() == rel.id.as_str())
            .and_then(|i| present.at(i))
            .ok_or_else(|| GraphError::internal(&"a page without its id column"))?;
        let mut model = None;
        let mut page = Page::default();
        for r in db.query_all(backend.build(&stmt)).await? {
            if nullable::<Uuid>(&r, id_at)?.is_some() {
                page.rows.push(Q::from_page(&r, present)?);
            } else {
                model = Some(E::Model::from_query_result(&r, ROW)?);
            }
        }
        let Some(model) = model else {
            return Ok(None);
        };
        let mut ready = pages.ready.lock().unwrap_or_else(|e| e.into_inner());
        ready.insert((id, args, filter), Arc::new(page));
        Ok(Some(model))
    }

    async fn load_ids(
        &self,
        ids: &[Uuid],
        omit: u64,
    ) -> Result<HashMap<Uuid, E::Model>, GraphError> {
        let db = self.source.db();
        let backend = db.get_database_backend();
        let select = self
            .source
            .visible()
            .await?
            .filter(in_keys(self.keys.id, ids, backend));
        let keys = [self.keys.id.as_str()];
        let rows = project(select, self.lazy, &keys, omit, backend, R::NULL_JSON, false)
            .0
            .into_model::<R>()
            .all(db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let m = r.into_model();
                ((self.keys.id_of)(&m), m)
            })
            .collect())
    }
}

/// The prefix of a lookup's columns in [`ByIdLoader::one_with_page`]'s statement.
const ROW: &str = "row_";

/// The page the connection selection `conn` asks `pages` for, with its filter, when it is
/// one field (not merged from several) whose rows are asked for and whose arguments the
/// connection accepts: `first`, `after`, `order` and `filter`, as its resolver reads them.
fn page_asked<C, F, Q>(
    conn: &async_graphql::Lookahead<'_>,
    pages: &PagedLoader<C, F, Q>,
) -> Option<(PageArgs, F)>
where
    C: EntityTrait,
    F: ListFilter<C> + async_graphql::InputType + Default,
    Q: PageRow<C>,
{
    use crate::ListOrder;
    use async_graphql::InputType;
    let fields = conn.selection_fields();
    let [field] = fields.as_slice() else {
        return None;
    };
    let (mut first, mut after, mut order, mut filter) = (None, None, None, None);
    for (name, value) in field.arguments().ok()? {
        let value = Some(value);
        match name.as_str() {
            "first" => first = Option::<i32>::parse(value).ok()?,
            "after" => after = Option::<String>::parse(value).ok()?,
            "order" => order = Option::<ListOrder>::parse(value).ok()?,
            "filter" => filter = Option::<F>::parse(value).ok()?,
            _ => return None,
        }
    }
    let args = PageArgs::parse(first, after, order).ok()?;
    let args = pages.projected_by(&async_graphql::Lookahead::from(*field), args);
    args.rows.then(|| (args, filter.unwrap_or_default()))
}

/// A loader whose values every asker shares (`Arc`) instead of getting its own copy: the
/// dataloader clones a batch's value once per asker, and an executions page's files are asked
/// for by every page of the level (2,000 copies of a file row, strings and metadata, in the
/// nested read). Derefs to the loader it wraps, for its own methods (`ByIdLoader::one`).
pub struct Shared<L>(pub L);

impl<K, L> Loader<K> for Shared<L>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K>,
{
    type Value = Arc<L::Value>;
    type Error = L::Error;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, Arc<L::Value>>, L::Error> {
        let values = self.0.load(keys).await?;
        Ok(values.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

impl<L> std::ops::Deref for Shared<L> {
    type Target = L;

    fn deref(&self) -> &L {
        &self.0
    }
}

/// How an entity hangs off its parent and how its lists are ordered.
pub struct Relation<E: EntityTrait> {
    pub parent: E::Column,
    pub parent_of: fn(&E::Model) -> Uuid,
    pub time: E::Column,
    pub id: E::Column,
    /// The columns a page leaves out when no field that reads them is selected.
    pub lazy: &'static [LazyColumn<E>],
}

/// A column and the GraphQL fields of the node that read it. A page whose selection names
/// none of them reads a stand-in instead: SQL `NULL` for a nullable column, and for a JSON one
/// when the page's row takes it ([`PageRow::NULL_JSON`]); a JSON `null` for other JSON
/// columns. The database does not send the value (nor detoast a large document), and the
/// gateway decodes a `NULL` or a JSON `null` instead of the document. Every field that reads
/// the column must be listed, or it would answer the stand-in. A column with no stand-in
/// (`NOT NULL` and not JSON) and the relation's keys (parent, time, id) are always read,
/// whatever the list says.
pub struct LazyColumn<E: EntityTrait> {
    pub column: E::Column,
    pub fields: &'static [&'static str],
}

/// Most lazy columns one relation can leave out ([`PageArgs::omit`] is a bit set).
const MAX_LAZY_COLUMNS: usize = 64;

/// What a page reads in place of a column it leaves out; `None` when the column's type has no
/// stand-in that decodes into its model field. `NULL` wherever the reader takes it: in a
/// nullable column, and in a `NOT NULL` JSON column when the row reads `NULL` there as JSON
/// `null` (`null_json`, [`PageRow::NULL_JSON`]); else a JSON `null`.
fn stand_in(
    def: &sea_orm::ColumnDef,
    backend: sea_orm::DbBackend,
    null_json: bool,
) -> Option<&'static str> {
    use sea_orm::sea_query::ColumnType;
    match def.get_column_type() {
        _ if def.is_null() => Some("NULL"),
        ColumnType::Json | ColumnType::JsonBinary if null_json => Some("NULL"),
        ColumnType::Json | ColumnType::JsonBinary => Some(match backend {
            sea_orm::DbBackend::Postgres => "'null'::jsonb",
            _ => "'null'",
        }),
        _ => None,
    }
}

/// A `NOT NULL` JSON column of a row that takes `NULL` for JSON `null` ([`PageRow::NULL_JSON`]),
/// as [`nullable`] reads it.
pub fn json_or_null(
    res: &sea_orm::QueryResult,
    idx: usize,
) -> Result<serde_json::Value, sea_orm::DbErr> {
    Ok(nullable(res, idx)?.unwrap_or(serde_json::Value::Null))
}

/// The bits over `lazy` of the columns no field of the selection reads (`selects` tells
/// whether a field is selected).
fn omitted<E: EntityTrait>(lazy: &[LazyColumn<E>], selects: impl Fn(&str) -> bool) -> u64 {
    let mut omit = 0;
    for (i, column) in lazy.iter().enumerate().take(MAX_LAZY_COLUMNS) {
        if !column.fields.iter().any(|f| selects(f)) {
            omit |= 1 << i;
        }
    }
    omit
}

/// `select` reading every column of `E` in its declared order, those in `omit` (bits over
/// `lazy`) replaced by their stand-ins (`null_json`: see [`stand_in`]), except `keys`; when
/// `lean`, those columns are not in the list at all, and the [`Present`] returned tells a row
/// read by position where each column is (`lean` needs at most 64 columns). The
/// list is written here as one piece of SQL text (`"table"."column", NULL AS "column", ...`)
/// rather than as a column expression each: sea-query quotes an identifier with two
/// allocations and a formatted write each time it builds the statement, and a lookup of a wide
/// row spent more CPU writing its select list than reading its row. The text is what
/// sea-query writes for the same columns.
fn project<E: EntityTrait>(
    select: Select<E>,
    lazy: &[LazyColumn<E>],
    keys: &[&str],
    omit: u64,
    backend: sea_orm::DbBackend,
    null_json: bool,
    lean: bool,
) -> (Select<E>, Present) {
    use sea_orm::Iterable;
    let lean = lean && E::Column::iter().len() <= Present::MAX_COLUMNS;
    let quoted = |out: &mut String, name: &str| push_quoted(out, name, backend);
    let left_out = |name: &str| {
        omit != 0
            && !keys.contains(&name)
            && lazy
                .iter()
                .enumerate()
                .any(|(i, l)| omit & (1 << i) != 0 && l.column.as_str() == name)
    };
    let table = E::default();
    let mut list = String::with_capacity(64 * 16);
    let mut present = Present::ALL;
    for (i, column) in E::Column::iter().enumerate() {
        let name = column.as_str();
        let stand_in = left_out(name)
            .then(|| stand_in(&column.def(), backend, null_json))
            .flatten();
        if lean && stand_in.is_some() {
            present.0 &= !(1 << i);
            continue;
        }
        if !list.is_empty() {
            list.push_str(", ");
        }
        match stand_in {
            Some(sql) => {
                list.push_str(sql);
                list.push_str(" AS ");
                quoted(&mut list, name);
            }
            None => {
                quoted(&mut list, table.table_name());
                list.push('.');
                quoted(&mut list, name);
            }
        }
    }
    (select.select_only().expr(Expr::cust(list)), present)
}

/// Which of an entity's columns a statement reads, by their place in the entity's
/// `Column::iter()`, in that order: column `i` is at [`Present::at`]`(i)` of the row. A page
/// whose row reads it ([`PageRow::LEAN`]) leaves a column it does not need out of the
/// statement, rather than reading a stand-in in its place: PostgreSQL then carries no `NULL`
/// through each step of the plan for it, and the gateway decodes no value for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Present(u64);

impl Present {
    /// Every column, each at its own place.
    pub const ALL: Present = Present(u64::MAX);

    /// Most columns an entity can have for its statements to leave columns out.
    pub const MAX_COLUMNS: usize = 64;

    /// Where column `i` is in the row; `None` when the statement leaves it out.
    pub fn at(self, i: usize) -> Option<usize> {
        if i >= Self::MAX_COLUMNS {
            return (self == Self::ALL).then_some(i);
        }
        if self.0 & (1 << i) == 0 {
            return None;
        }
        Some((self.0 & ((1 << i) - 1)).count_ones() as usize)
    }

    /// How many of the first `columns` columns the statement reads.
    fn count(self, columns: usize) -> usize {
        (0..columns).filter(|&i| self.at(i).is_some()).count()
    }

    /// Column `i`, which every statement reads (a key, or a column with no stand-in), as
    /// [`column`] reads it.
    pub fn column<T>(self, res: &sea_orm::QueryResult, i: usize) -> Result<T, sea_orm::DbErr>
    where
        T: sea_orm::TryGetable + for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>,
    {
        match self.at(i) {
            Some(idx) => column(res, idx),
            None => Err(sea_orm::DbErr::Custom(format!(
                "column {i} is always read, but the statement left it out"
            ))),
        }
    }

    /// Nullable column `i`, as [`nullable`] reads it; `None` when the statement leaves it out.
    pub fn nullable<T>(
        self,
        res: &sea_orm::QueryResult,
        i: usize,
    ) -> Result<Option<T>, sea_orm::DbErr>
    where
        T: sea_orm::TryGetable + for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>,
    {
        match self.at(i) {
            Some(idx) => nullable(res, idx),
            None => Ok(None),
        }
    }

    /// `NOT NULL` JSON column `i` of a row that takes `NULL` for JSON `null`, as
    /// [`json_or_null`] reads it; JSON `null` when the statement leaves it out.
    pub fn json_or_null(
        self,
        res: &sea_orm::QueryResult,
        i: usize,
    ) -> Result<serde_json::Value, sea_orm::DbErr> {
        match self.at(i) {
            Some(idx) => json_or_null(res, idx),
            None => Ok(serde_json::Value::Null),
        }
    }
}

/// `name` quoted as an identifier of `backend`, appended to `out`.
fn push_quoted(out: &mut String, name: &str, backend: sea_orm::DbBackend) {
    let quote = if backend == sea_orm::DbBackend::MySql {
        '`'
    } else {
        '"'
    };
    out.push(quote);
    for c in name.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
}

/// Whether the connection field at `ctx` selects `field` on its nodes, through `nodes` or
/// `edges { node }`, fragments included.
pub fn node_selects(ctx: &async_graphql::Context<'_>, field: &str) -> bool {
    node_selects_by(&ctx.look_ahead(), field)
}

/// [`node_selects`] for the connection selection `wanted`.
fn node_selects_by(wanted: &async_graphql::Lookahead<'_>, field: &str) -> bool {
    wanted.field("nodes").field(field).exists()
        || wanted.field("edges").field("node").field(field).exists()
}

/// What a page's rows are read into: the entity's model, or a domain's own row that reads
/// the model's columns and decodes some of them its own way (a JSON list straight into typed
/// values, say, rather than into a `serde_json::Value` first). The page's statement is the
/// same; the row only has to hand back the model its keys are read from.
pub trait PageRow<E: EntityTrait>: FromQueryResult + Clone + Send + Sync + 'static {
    /// Whether this row reads SQL `NULL` in a `NOT NULL` JSON column as JSON `null` (through
    /// [`json_or_null`]). Then a statement that leaves such a column out
    /// ([`LazyColumn`]) reads `NULL` in its place rather than `'null'::jsonb`: PostgreSQL
    /// sends a `NULL` as a length alone, while it encodes a JSON `null` for every row and the
    /// gateway parses it back. sea-orm's generated models cannot (their `serde_json::Value`
    /// fields refuse `NULL`), so the default is no.
    const NULL_JSON: bool = false;

    /// Whether this row reads a page by position through [`Present`]
    /// ([`PageRow::from_page`]): then a column the page leaves out is not in its statement at
    /// all. A row read by name (sea-orm's generated models) needs every column, so the
    /// default is no: a left-out column is there as its stand-in.
    const LEAN: bool = false;

    /// One line of a page whose statement reads the columns `present`. By default the row
    /// reads itself by name ([`FromQueryResult`]), from a statement with every column.
    fn from_page(res: &sea_orm::QueryResult, present: Present) -> Result<Self, sea_orm::DbErr> {
        debug_assert!(present == Present::ALL || Self::LEAN);
        Self::from_query_result(res, "")
    }

    fn model(&self) -> &E::Model;
}

impl<M> PageRow<M::Entity> for M
where
    M: sea_orm::ModelTrait + FromQueryResult + Clone + Send + Sync + 'static,
    M::Entity: EntityTrait<Model = M>,
{
    fn model(&self) -> &M {
        self
    }
}

/// A page's key: its parent, its arguments and its filter.
type PageKey<F> = (Uuid, PageArgs, F);

/// One page of children for each parent: one windowed statement per distinct page/filter.
/// Rows are read into `R`: the entity's model unless a domain reads its own [`PageRow`].
pub struct PagedLoader<E: EntityTrait, F, R = <E as EntityTrait>::Model> {
    source: Arc<dyn Visible<E>>,
    relation: Relation<E>,
    /// Pages a root lookup read with its row ([`ByIdLoader::one_with_page`]), each waiting
    /// for the one connection field that asks for it ([`paged_rows`] takes it out).
    ready: std::sync::Mutex<HashMap<PageKey<F>, Arc<Page<R>>>>,
}

impl<E, F, R> Loader<(Uuid, PageArgs, F)> for PagedLoader<E, F, R>
where
    E: EntityTrait,
    F: ListFilter<E>,
    R: PageRow<E>,
{
    /// Shared: the loader hands each waiter a reference, not a copy of every row.
    type Value = Arc<Page<R>>;
    type Error = GraphError;

    async fn load(
        &self,
        keys: &[PageKey<F>],
    ) -> Result<HashMap<PageKey<F>, Arc<Page<R>>>, GraphError> {
        crate::telemetry::batch(&label::<E>("page"), keys.len(), self.load_pages(keys)).await
    }
}

impl<E: EntityTrait, F, R> PagedLoader<E, F, R> {
    pub fn new(source: Arc<dyn Visible<E>>, relation: Relation<E>) -> Self {
        Self {
            source,
            relation,
            ready: Default::default(),
        }
    }
}

impl<E, F, R> PagedLoader<E, F, R>
where
    E: EntityTrait,
    F: ListFilter<E>,
    R: PageRow<E>,
{
    /// `args` for the selection at `ctx`: no rows when none are asked for, and the lazy
    /// columns no selected field reads left out (through `nodes` and `edges { node }`,
    /// fragments included).
    pub fn projected(&self, ctx: &async_graphql::Context<'_>, args: PageArgs) -> PageArgs {
        self.projected_by(&ctx.look_ahead(), args)
    }

    /// [`PagedLoader::projected`] for the connection selection `wanted`.
    fn projected_by(&self, wanted: &async_graphql::Lookahead<'_>, args: PageArgs) -> PageArgs {
        let mut args = args.selected_by(wanted);
        if !args.rows {
            return args;
        }
        args.omit = omitted(self.relation.lazy, |f| node_selects_by(wanted, f));
        args
    }

    /// The page under `key` if a root lookup read it with its row.
    fn take_ready(&self, key: &PageKey<F>) -> Option<Arc<Page<R>>> {
        let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        if ready.is_empty() {
            return None;
        }
        ready.remove(key)
    }

    async fn load_pages(
        &self,
        keys: &[PageKey<F>],
    ) -> Result<HashMap<PageKey<F>, Arc<Page<R>>>, GraphError> {
        let db = self.source.db();
        let mut out = HashMap::with_capacity(keys.len());
        // In a nested query every parent asks with the same arguments: one group, one statement.
        for ((args, filter), parents) in group(keys, |(p, a, f)| ((a.clone(), f.clone()), *p)) {
            let rel = &self.relation;
            let backend = db.get_database_backend();
            let select = filter.apply(self.source.visible().await?, backend);
            let keys = [rel.parent.as_str(), rel.time.as_str(), rel.id.as_str()];
            let (select, present) = project(
                select,
                rel.lazy,
                &keys,
                args.omit,
                backend,
                R::NULL_JSON,
                R::LEAN,
            );
            let stmt = args.per_parent(backend, select, rel.parent, &parents, rel.time, rel.id);
            let mut pages: HashMap<Uuid, Page<R>> = HashMap::new();
            for res in db.query_all(stmt).await? {
                let row = R::from_page(&res, present)?;
                pages
                    .entry((rel.parent_of)(row.model()))
                    .or_default()
                    .rows
                    .push(row);
            }
            for parent in parents {
                let page = pages.remove(&parent).unwrap_or_default();
                out.insert((parent, args.clone(), filter.clone()), Arc::new(page));
            }
        }
        Ok(out)
    }
}

/// `totalCount` of children per parent: `SELECT parent, COUNT(*) ... GROUP BY parent`.
pub struct CountLoader<E: EntityTrait, F> {
    pub source: Arc<dyn Visible<E>>,
    pub parent: E::Column,
    pub _filter: std::marker::PhantomData<fn() -> F>,
}

impl<E, F> Loader<(Uuid, F)> for CountLoader<E, F>
where
    E: EntityTrait,
    F: ListFilter<E>,
{
    type Value = i64;
    type Error = GraphError;

    async fn load(&self, keys: &[(Uuid, F)]) -> Result<HashMap<(Uuid, F), i64>, GraphError> {
        crate::telemetry::batch(&label::<E>("count"), keys.len(), self.load_counts(keys)).await
    }
}

impl<E, F> CountLoader<E, F>
where
    E: EntityTrait,
    F: ListFilter<E>,
{
    async fn load_counts(&self, keys: &[(Uuid, F)]) -> Result<HashMap<(Uuid, F), i64>, GraphError> {
        let db = self.source.db();
        let backend = db.get_database_backend();
        let mut out = HashMap::with_capacity(keys.len());
        for (filter, parents) in group(keys, |(p, f)| (f.clone(), *p)) {
            let counts: HashMap<Uuid, i64> = filter
                .apply(self.source.visible().await?, backend)
                .filter(in_keys(self.parent, &parents, backend))
                .select_only()
                .column(self.parent)
                .column_as(Expr::cust("COUNT(*)"), "count")
                .group_by(self.parent)
                .into_tuple::<(Uuid, i64)>()
                .all(db)
                .await?
                .into_iter()
                .collect();
            for parent in parents {
                let n = counts.get(&parent).copied().unwrap_or(0);
                out.insert((parent, filter.clone()), n);
            }
        }
        Ok(out)
    }
}

/// All children of each parent in a fixed order (for short lists such as board stages).
pub struct ListLoader<E: EntityTrait> {
    pub source: Arc<dyn Visible<E>>,
    pub parent: E::Column,
    pub parent_of: fn(&E::Model) -> Uuid,
    pub order: E::Column,
}

impl<E> Loader<Uuid> for ListLoader<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + FromQueryResult,
{
    type Value = Vec<E::Model>;
    type Error = GraphError;

    async fn load(&self, parents: &[Uuid]) -> Result<HashMap<Uuid, Vec<E::Model>>, GraphError> {
        crate::telemetry::batch(&label::<E>("list"), parents.len(), self.load_lists(parents)).await
    }
}

impl<E> ListLoader<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + FromQueryResult,
{
    async fn load_lists(
        &self,
        parents: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<E::Model>>, GraphError> {
        let db = self.source.db();
        let rows = self
            .source
            .visible()
            .await?
            .filter(in_keys(self.parent, parents, db.get_database_backend()))
            .order_by_asc(self.order)
            .all(db)
            .await?;
        let mut out: HashMap<Uuid, Vec<E::Model>> =
            parents.iter().map(|p| (*p, Vec::new())).collect();
        for row in rows {
            out.entry((self.parent_of)(&row)).or_default().push(row);
        }
        Ok(out)
    }
}

/// Groups keys by what must be equal within one statement, keeping the parents of each group.
fn group<K, G: Hash + Eq>(keys: &[K], split: impl Fn(&K) -> (G, Uuid)) -> HashMap<G, Vec<Uuid>> {
    let mut groups: HashMap<G, Vec<Uuid>> = HashMap::new();
    for key in keys {
        let (g, parent) = split(key);
        groups.entry(g).or_default().push(parent);
    }
    groups
}

/// A connection field over a [`PagedLoader`], with a lazy `totalCount` from its [`CountLoader`];
/// the page reads only what the selection at `ctx` needs ([`PagedLoader::projected`]): no rows
/// for `totalCount` alone, no lazy column that no selected field reads.
#[allow(clippy::too_many_arguments)]
pub async fn paged_connection<E, F, R, N>(
    ctx: &async_graphql::Context<'_>,
    pages: &Arc<DataLoader<PagedLoader<E, F, R>>>,
    counts: &Arc<DataLoader<CountLoader<E, F>>>,
    parent: Uuid,
    args: PageArgs,
    filter: F,
    cursor: fn(&R) -> crate::Cursor,
    node: fn(R) -> N,
) -> crate::error::GraphResult<ListConnection<N>>
where
    E: EntityTrait,
    F: ListFilter<E>,
    R: PageRow<E>,
    N: async_graphql::OutputType,
{
    let (args, page) = paged_rows(ctx, pages, parent, args, filter.clone()).await?;
    let total = lazy_count(counts, parent, filter);
    Ok(connection(&args, page, cursor, node, total))
}

/// The page of `parent`'s children a connection field at `ctx` needs (see
/// [`paged_connection`]), with the arguments it was read with: for a field that builds its
/// nodes from the whole page at once.
pub async fn paged_rows<E, F, R>(
    ctx: &async_graphql::Context<'_>,
    pages: &Arc<DataLoader<PagedLoader<E, F, R>>>,
    parent: Uuid,
    args: PageArgs,
    filter: F,
) -> crate::error::GraphResult<(PageArgs, Page<R>)>
where
    E: EntityTrait,
    F: ListFilter<E>,
    R: PageRow<E>,
{
    let args = pages.loader().projected(ctx, args);
    if !args.rows {
        return Ok((args, Page::default()));
    }
    let key = (parent, args, filter);
    let page = match pages.loader().take_ready(&key) {
        Some(page) => page,
        None => pages.load_one(key.clone()).await?.unwrap_or_default(),
    };
    let args = key.1;
    // The batch's map is gone once every waiter has its page, so the rows move out here;
    // a page another field of the request also holds is copied.
    let page = Arc::try_unwrap(page).unwrap_or_else(|shared| (*shared).clone());
    Ok((args, page))
}

/// A `totalCount` of `parent`'s children, counted only if selected.
pub fn lazy_count<E, F>(
    counts: &Arc<DataLoader<CountLoader<E, F>>>,
    parent: Uuid,
    filter: F,
) -> TotalCount
where
    E: EntityTrait,
    F: ListFilter<E>,
{
    let counts = counts.clone();
    TotalCount::new(move || {
        let (counts, filter) = (counts.clone(), filter.clone());
        async move { Ok(counts.load_one((parent, filter)).await?.unwrap_or(0)) }
    })
}

/// A root list: one page of `visible` (the tenant-scoped select, filters applied) in keyset
/// order, and a lazy `totalCount` over the same rows. Two statements at most: the page only
/// when rows are asked for ([`PageArgs::selected_in`]), the count only when `totalCount` is.
pub async fn root_connection<E, N>(
    db: &DatabaseConnection,
    visible: Select<E>,
    args: &PageArgs,
    relation: (E::Column, E::Column),
    cursor: fn(&E::Model) -> crate::Cursor,
    node: fn(E::Model) -> N,
) -> crate::error::GraphResult<ListConnection<N>>
where
    E: EntityTrait,
    E::Model: Send + Sync + FromQueryResult,
    N: async_graphql::OutputType,
{
    use sea_orm::PaginatorTrait;
    let (time, id) = relation;
    let rows = if args.rows {
        args.apply(visible.clone(), time, id)
            .all(db)
            .await
            .map_err(GraphError::from)?
    } else {
        Vec::new()
    };
    let db = db.clone();
    let total = TotalCount::new(move || {
        let (visible, db) = (visible.clone(), db.clone());
        async move { Ok(visible.count(&db).await.map_err(GraphError::from)? as i64) }
    });
    Ok(connection(args, Page { rows }, cursor, node, total))
}

/// The row `id` of `E` if the viewer may see it. A foreign row answers exactly as a missing
/// one: NOT_FOUND naming `what`.
pub async fn visible_row<E, V>(source: &V, id: Uuid, what: &str) -> Result<E::Model, GraphError>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    V: Visible<E> + ?Sized,
{
    use sea_orm::{Iterable, PrimaryKeyToColumn};
    let key = E::PrimaryKey::iter()
        .next()
        .map(PrimaryKeyToColumn::into_column)
        .ok_or_else(|| GraphError::internal(&"an entity without a primary key"))?;
    source
        .visible()
        .await?
        .filter(key.eq(id))
        .one(source.db())
        .await?
        .ok_or_else(|| GraphError::not_found(what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};
    use sea_orm::{ActiveModelTrait, Database, Set};

    /// Rows of two tenants, `a` and `b`, each under a parent.
    mod item {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "items")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub tenant: String,
            pub parent: Uuid,
            pub created_at: DateTimeWithTimeZone,
            #[sea_orm(column_type = "JsonBinary")]
            pub doc: Json,
            pub note: Option<String>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// Tenant `a`'s view: every statement starts from `tenant = 'a'`.
    struct TenantA(DatabaseConnection);

    #[async_trait::async_trait]
    impl Visible<item::Entity> for TenantA {
        fn db(&self) -> &DatabaseConnection {
            &self.0
        }
        async fn visible(&self) -> Result<Select<item::Entity>, GraphError> {
            Ok(item::Entity::find().filter(item::Column::Tenant.eq("a")))
        }
    }

    struct World {
        source: Arc<TenantA>,
        /// Parent -> its `a` rows, oldest first; `b` rows hang under the same parents.
        parents: Vec<(Uuid, Vec<Uuid>)>,
        foreign: Uuid,
    }

    async fn world() -> World {
        let db = Database::connect("sqlite::memory:").await.expect("sqlite");
        db.execute_unprepared(
            "CREATE TABLE items (id uuid_text PRIMARY KEY, tenant TEXT NOT NULL, \
             parent uuid_text NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL, note TEXT)",
        )
        .await
        .expect("table");
        let start = Utc::now().fixed_offset();
        let mut parents = Vec::new();
        let mut foreign = Uuid::nil();
        for p in 0..3 {
            let parent = Uuid::new_v4();
            let mut ours = Vec::new();
            for k in 0..(p + 2) {
                for tenant in ["a", "b"] {
                    let id = Uuid::new_v4();
                    item::ActiveModel {
                        id: Set(id),
                        tenant: Set(tenant.into()),
                        parent: Set(parent),
                        created_at: Set(start + Duration::seconds(i64::from(k))),
                        doc: Set(serde_json::json!({ "k": k })),
                        note: Set(Some(format!("note {k}"))),
                    }
                    .insert(&db)
                    .await
                    .expect("row");
                    match tenant {
                        "a" => ours.push(id),
                        _ => foreign = id,
                    }
                }
            }
            parents.push((parent, ours));
        }
        World {
            source: Arc::new(TenantA(db)),
            parents,
            foreign,
        }
    }

    /// The items' JSON column, read only for the field `doc`.
    const DOC: &[LazyColumn<item::Entity>] = &[LazyColumn {
        column: item::Column::Doc,
        fields: &["doc"],
    }];

    /// Every column but the id declared lazy: the JSON and the nullable one can be left out,
    /// the `NOT NULL` text and the relation's keys cannot.
    const ALL: &[LazyColumn<item::Entity>] = &[
        LazyColumn {
            column: item::Column::Doc,
            fields: &["doc"],
        },
        LazyColumn {
            column: item::Column::Note,
            fields: &["note"],
        },
        LazyColumn {
            column: item::Column::Tenant,
            fields: &[],
        },
        LazyColumn {
            column: item::Column::Parent,
            fields: &[],
        },
        LazyColumn {
            column: item::Column::CreatedAt,
            fields: &[],
        },
    ];

    fn relation() -> Relation<item::Entity> {
        Relation {
            parent: item::Column::Parent,
            parent_of: |m| m.parent,
            time: item::Column::CreatedAt,
            id: item::Column::Id,
            lazy: &[],
        }
    }

    /// Tenant `a`'s rows by id, leaving out `lazy` in root lookups.
    fn by_id(w: &World, lazy: &'static [LazyColumn<item::Entity>]) -> ByIdLoader<item::Entity> {
        let keys = Keys {
            id: item::Column::Id,
            id_of: |m: &item::Model| m.id,
        };
        ByIdLoader::new(w.source.clone(), keys, lazy)
    }

    #[tokio::test]
    async fn lookups_by_id_answer_only_the_tenants_rows() {
        let w = world().await;
        let loader = by_id(&w, &[]);
        let ours = w.parents[0].1[0];
        let found = loader.load(&[ours, w.foreign]).await.expect("batch");
        assert_eq!(found.keys().copied().collect::<Vec<_>>(), [ours]);
        let row = visible_row::<item::Entity, _>(w.source.as_ref(), ours, "Item").await;
        assert_eq!(row.expect("visible").id, ours);
        for id in [w.foreign, Uuid::new_v4()] {
            let err = visible_row::<item::Entity, _>(w.source.as_ref(), id, "Item")
                .await
                .expect_err("hidden");
            // A foreign row is as missing as one that does not exist.
            assert_eq!(
                (err.code, err.message.as_str()),
                (crate::ErrorCode::NotFound, "Item not found")
            );
        }
    }

    #[tokio::test]
    async fn pages_and_counts_are_per_parent_and_within_the_tenant() {
        let w = world().await;
        let pages = PagedLoader::<item::Entity, ()>::new(
            w.source.clone() as Arc<dyn Visible<item::Entity>>,
            relation(),
        );
        let counts = CountLoader::<item::Entity, ()> {
            source: w.source.clone() as Arc<dyn Visible<item::Entity>>,
            parent: item::Column::Parent,
            _filter: std::marker::PhantomData,
        };
        let args =
            PageArgs::parse(Some(2), None, Some(crate::ListOrder::OldestFirst)).expect("args");
        let keys: Vec<_> = w
            .parents
            .iter()
            .map(|(p, _)| (*p, args.clone(), ()))
            .collect();
        let loaded = pages.load(&keys).await.expect("pages");
        let count_keys: Vec<_> = w.parents.iter().map(|(p, _)| (*p, ())).collect();
        let totals = counts.load(&count_keys).await.expect("counts");
        for (parent, ours) in &w.parents {
            let page = &loaded[&(*parent, args.clone(), ())];
            // The page holds a look-ahead row when there are more.
            let ids: Vec<Uuid> = page.rows.iter().map(|m| m.id).collect();
            let want: Vec<Uuid> = ours.iter().copied().take(3).collect();
            assert_eq!(ids, want, "oldest first, tenant a only, first + 1 rows");
            assert_eq!(totals[&(*parent, ())], ours.len() as i64);
        }
    }

    /// The page of `parent` read twice in one batch: whole, and with the `omit` bits of
    /// `lazy` left out.
    async fn full_and_lean(
        w: &World,
        lazy: &'static [LazyColumn<item::Entity>],
        parent: Uuid,
        omit: u64,
    ) -> (Page<item::Model>, Page<item::Model>) {
        let pages = PagedLoader::<item::Entity, ()>::new(
            w.source.clone() as Arc<dyn Visible<item::Entity>>,
            Relation { lazy, ..relation() },
        );
        let args =
            PageArgs::parse(Some(10), None, Some(crate::ListOrder::OldestFirst)).expect("args");
        let lean = PageArgs {
            omit,
            ..args.clone()
        };
        let mut loaded = pages
            .load(&[(parent, args.clone(), ()), (parent, lean.clone(), ())])
            .await
            .expect("pages");
        let full = loaded.remove(&(parent, args, ())).expect("full");
        let lean = loaded.remove(&(parent, lean, ())).expect("lean");
        (Arc::unwrap_or_clone(full), Arc::unwrap_or_clone(lean))
    }

    fn ids(page: &Page<item::Model>) -> Vec<Uuid> {
        page.rows.iter().map(|m| m.id).collect()
    }

    #[tokio::test]
    async fn a_page_leaves_out_the_json_columns_it_is_told_to() {
        let w = world().await;
        let (parent, ours) = &w.parents[2];
        let (full, lean) = full_and_lean(&w, DOC, *parent, 1).await;
        assert_eq!(ids(&full), *ours);
        assert_eq!(ids(&lean), *ours, "the same rows, in the same order");
        for (k, (full, lean)) in full.rows.iter().zip(&lean.rows).enumerate() {
            assert_eq!(full.doc, serde_json::json!({ "k": k }));
            assert_eq!(lean.doc, serde_json::Value::Null, "left out");
            assert_eq!(
                (lean.parent, lean.created_at),
                (full.parent, full.created_at)
            );
        }
    }

    /// A root lookup through [`ByIdLoader::one_for`] reads a lazy column only when a field of
    /// its selection (fragments included) reads it; `held` answers what the row holds, and
    /// reads no column of its own.
    #[tokio::test]
    async fn a_root_lookup_reads_the_lazy_columns_its_selection_needs() {
        use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
        struct Item(item::Model);
        #[Object]
        impl Item {
            async fn doc(&self) -> &serde_json::Value {
                &self.0.doc
            }
            async fn note(&self) -> Option<&str> {
                self.0.note.as_deref()
            }
            async fn held(&self) -> String {
                format!("{} {:?} {}", self.0.doc, self.0.note, self.0.tenant)
            }
        }
        struct Query(ByIdLoader<item::Entity>, Uuid);
        #[Object]
        impl Query {
            async fn item(&self, ctx: &async_graphql::Context<'_>) -> Option<Item> {
                self.0.one_for(ctx, self.1).await.expect("lookup").map(Item)
            }
            async fn foreign(&self, ctx: &async_graphql::Context<'_>, id: Uuid) -> bool {
                self.0.one_for(ctx, id).await.expect("lookup").is_some()
            }
        }
        let w = world().await;
        let id = w.parents[0].1[1];
        let schema = Schema::new(Query(by_id(&w, ALL), id), EmptyMutation, EmptySubscription);
        let held = |query: &'static str| {
            let schema = &schema;
            async move {
                let response = schema.execute(query).await;
                assert!(response.errors.is_empty(), "{:?}", response.errors);
                response.data.into_json().expect("json")["item"]["held"].clone()
            }
        };
        let note = "Some(\"note 1\")";
        assert_eq!(
            held("{ item { held } }").await,
            "null None a",
            "both left out"
        );
        assert_eq!(
            held("{ item { held doc } }").await,
            "{\"k\":1} None a",
            "the document only"
        );
        assert_eq!(
            held("{ item { held ...N } } fragment N on Item { note }").await,
            format!("null {note} a"),
            "the note, through a fragment"
        );
        let foreign = format!("{{ foreign(id: \"{}\") }}", w.foreign);
        let response = schema.execute(foreign.as_str()).await;
        assert_eq!(
            response.data.into_json().expect("json")["foreign"],
            false,
            "another tenant's row is not found"
        );
    }

    #[tokio::test]
    async fn a_page_leaves_out_what_has_a_stand_in_and_reads_its_keys() {
        let w = world().await;
        let (parent, ours) = &w.parents[1];
        let (full, lean) = full_and_lean(&w, ALL, *parent, (1 << ALL.len()) - 1).await;
        assert_eq!(ids(&lean), *ours, "the same rows, in the same order");
        for (full, lean) in full.rows.iter().zip(&lean.rows) {
            assert!(full.note.is_some());
            assert_eq!((&lean.doc, &lean.note), (&serde_json::Value::Null, &None));
            assert_eq!(
                (&lean.tenant, lean.parent, lean.created_at),
                (&full.tenant, full.parent, full.created_at),
                "no stand-in, or a key: read"
            );
        }
    }

    /// `doc` read straight into its own type, as a domain's [`PageRow`] reads a JSON column.
    #[derive(Clone, serde::Deserialize)]
    struct K {
        k: i64,
    }

    #[derive(Clone, serde::Deserialize)]
    #[serde(transparent)]
    struct Doc(Option<K>);

    impl sea_orm::TryGetableFromJson for Doc {}

    #[derive(Clone)]
    struct TypedItem {
        model: item::Model,
        doc: Doc,
    }

    impl FromQueryResult for TypedItem {
        fn from_query_result(
            res: &sea_orm::QueryResult,
            pre: &str,
        ) -> Result<Self, sea_orm::DbErr> {
            Ok(Self {
                model: item::Model::from_query_result(res, pre)?,
                doc: res.try_get(pre, "doc")?,
            })
        }
    }

    impl PageRow<item::Entity> for TypedItem {
        fn model(&self) -> &item::Model {
            &self.model
        }
    }

    /// Pages of `w` read into `R`, with `lazy` lazy, and arguments that read every column.
    fn lazy_pages<R: PageRow<item::Entity>>(
        w: &World,
        lazy: &'static [LazyColumn<item::Entity>],
    ) -> (PagedLoader<item::Entity, (), R>, PageArgs) {
        let pages = PagedLoader::new(
            w.source.clone() as Arc<dyn Visible<item::Entity>>,
            Relation { lazy, ..relation() },
        );
        let args =
            PageArgs::parse(Some(10), None, Some(crate::ListOrder::OldestFirst)).expect("args");
        (pages, args)
    }

    /// Pages of `w` read into `R`, with `doc` lazy; the arguments that read it and the same
    /// arguments leaving it out.
    fn doc_pages<R: PageRow<item::Entity>>(
        w: &World,
    ) -> (PagedLoader<item::Entity, (), R>, PageArgs, PageArgs) {
        let (pages, args) = lazy_pages(w, DOC);
        let lean = PageArgs {
            omit: 1,
            ..args.clone()
        };
        (pages, args, lean)
    }

    #[tokio::test]
    async fn a_page_reads_into_a_domains_own_row() {
        let w = world().await;
        let (pages, args, lean) = doc_pages::<TypedItem>(&w);
        let keys: Vec<_> = w
            .parents
            .iter()
            .flat_map(|(p, _)| [(*p, args.clone(), ()), (*p, lean.clone(), ())])
            .collect();
        let loaded = pages.load(&keys).await.expect("pages");
        for (parent, ours) in &w.parents {
            let (full, lean) = (
                &loaded[&(*parent, args.clone(), ())],
                &loaded[&(*parent, lean.clone(), ())],
            );
            let ids =
                |page: &Page<TypedItem>| page.rows.iter().map(|r| r.model.id).collect::<Vec<_>>();
            assert_eq!(
                ids(full),
                *ours,
                "grouped by the model's parent, tenant a only"
            );
            assert_eq!(ids(lean), *ours);
            let ks: Vec<Option<i64>> = full
                .rows
                .iter()
                .map(|r| r.doc.0.as_ref().map(|d| d.k))
                .collect();
            let want: Vec<Option<i64>> = (0..ours.len() as i64).map(Some).collect();
            assert_eq!(ks, want, "decoded into the row's own type");
            assert!(
                lean.rows.iter().all(|r| r.doc.0.is_none()),
                "left out: null"
            );
        }
    }

    /// An item read by position, taking `NULL` in `doc` for JSON `null`.
    #[derive(Clone)]
    struct NullJsonItem(item::Model);

    impl FromQueryResult for NullJsonItem {
        fn from_query_result(res: &sea_orm::QueryResult, _: &str) -> Result<Self, sea_orm::DbErr> {
            use item::Column as C;
            Ok(Self(item::Model {
                id: column(res, C::Id as usize)?,
                tenant: column(res, C::Tenant as usize)?,
                parent: column(res, C::Parent as usize)?,
                created_at: column(res, C::CreatedAt as usize)?,
                doc: json_or_null(res, C::Doc as usize)?,
                note: nullable(res, C::Note as usize)?,
            }))
        }
    }

    impl PageRow<item::Entity> for NullJsonItem {
        const NULL_JSON: bool = true;

        fn model(&self) -> &item::Model {
            &self.0
        }
    }

    /// A row that takes `NULL` for JSON `null` gets `NULL` in place of a `NOT NULL` JSON column
    /// its page leaves out, and reads it as JSON `null`; a row that does not gets a JSON `null`.
    #[tokio::test]
    async fn a_row_that_takes_null_json_gets_null_for_a_left_out_json_column() {
        use sea_orm::{DatabaseBackend::Postgres, QueryTrait};
        let sql = |null_json| {
            project(
                item::Entity::find(),
                DOC,
                &[],
                1,
                Postgres,
                null_json,
                false,
            )
            .0
            .build(Postgres)
            .to_string()
        };
        assert!(
            sql(false).contains(r#"'null'::jsonb AS "doc""#),
            "{}",
            sql(false)
        );
        assert!(sql(true).contains(r#", NULL AS "doc""#), "{}", sql(true));

        let w = world().await;
        let (pages, args, lean) = doc_pages::<NullJsonItem>(&w);
        let (parent, ours) = &w.parents[1];
        let keys = [(*parent, args.clone(), ()), (*parent, lean.clone(), ())];
        let loaded = pages.load(&keys).await.expect("pages");
        let (full, lean) = (&loaded[&keys[0]], &loaded[&keys[1]]);
        let ids = |page: &Page<NullJsonItem>| page.rows.iter().map(|r| r.0.id).collect::<Vec<_>>();
        assert_eq!((ids(full), ids(lean)), (ours.clone(), ours.clone()));
        for (full, lean) in full.rows.iter().zip(&lean.rows) {
            assert!(full.0.doc.is_object(), "read: {:?}", full.0.doc);
            assert_eq!(lean.0.doc, serde_json::Value::Null, "left out: null");
            assert_eq!(lean.0.note, full.0.note, "not left out: read");
        }
    }

    /// An item read by position through [`Present`], as a page of it reads it.
    #[derive(Clone)]
    struct LeanItem(item::Model);

    impl FromQueryResult for LeanItem {
        fn from_query_result(res: &sea_orm::QueryResult, _: &str) -> Result<Self, sea_orm::DbErr> {
            Self::from_page(res, Present::ALL)
        }
    }

    impl PageRow<item::Entity> for LeanItem {
        const NULL_JSON: bool = true;
        const LEAN: bool = true;

        fn from_page(res: &sea_orm::QueryResult, at: Present) -> Result<Self, sea_orm::DbErr> {
            use item::Column as C;
            Ok(Self(item::Model {
                id: at.column(res, C::Id as usize)?,
                tenant: at.column(res, C::Tenant as usize)?,
                parent: at.column(res, C::Parent as usize)?,
                created_at: at.column(res, C::CreatedAt as usize)?,
                doc: at.json_or_null(res, C::Doc as usize)?,
                note: at.nullable(res, C::Note as usize)?,
            }))
        }

        fn model(&self) -> &item::Model {
            &self.0
        }
    }

    /// A lean row's page leaves what it does not read out of the statement: no stand-in in
    /// its place, and the columns after it move up. Left out in the middle (`doc`), at the
    /// end (`note`) or both, the rows read the same as a page that leaves nothing out.
    #[tokio::test]
    async fn a_lean_rows_page_has_no_column_it_leaves_out() {
        use sea_orm::{DatabaseBackend::Postgres, QueryTrait};
        // `doc` and `note`: the columns with a stand-in.
        const DOC_NOTE: &[LazyColumn<item::Entity>] = ALL.split_at(2).0;
        // The select list and where each column is, leaving out `omit` of `DOC_NOTE`.
        let projected = |omit, lean| {
            let (select, present) = project(
                item::Entity::find(),
                DOC_NOTE,
                &[],
                omit,
                Postgres,
                true,
                lean,
            );
            (select.build(Postgres).to_string(), present)
        };
        let (sql, present) = projected(0b11, true);
        let list =
            r#"SELECT "items"."id", "items"."tenant", "items"."parent", "items"."created_at" FROM"#;
        assert!(sql.starts_with(list), "{sql}");
        assert_eq!(
            (0..6).map(|i| present.at(i)).collect::<Vec<_>>(),
            [Some(0), Some(1), Some(2), Some(3), None, None]
        );
        let (sql, present) = projected(0b01, true);
        assert!(!sql.contains("doc"), "{sql}");
        assert_eq!(
            (present.at(4), present.at(5)),
            (None, Some(4)),
            "note moves up"
        );
        let (sql, present) = projected(0b11, false);
        assert!(sql.contains(r#"NULL AS "note""#), "{sql}");
        assert_eq!(
            present,
            Present::ALL,
            "not lean: stand-ins keep every place"
        );

        let w = world().await;
        let (pages, args) = lazy_pages::<LeanItem>(&w, DOC_NOTE);
        let with = |omit| PageArgs {
            omit,
            ..args.clone()
        };
        let (parent, ours) = &w.parents[2];
        let keys: Vec<_> = (0..4).map(|omit| (*parent, with(omit), ())).collect();
        let loaded = pages.load(&keys).await.expect("pages");
        let full = &loaded[&keys[0]];
        assert_eq!(full.rows.iter().map(|r| r.0.id).collect::<Vec<_>>(), *ours);
        for key in &keys[1..] {
            let lean = &loaded[key];
            assert_eq!(lean.rows.len(), full.rows.len());
            for (full, lean) in full.rows.iter().zip(&lean.rows) {
                let want = item::Model {
                    doc: if key.1.omit & 1 == 0 {
                        full.0.doc.clone()
                    } else {
                        serde_json::Value::Null
                    },
                    note: if key.1.omit & 2 == 0 {
                        full.0.note.clone()
                    } else {
                        None
                    },
                    ..full.0.clone()
                };
                assert_eq!(lean.0, want, "omit {:#b}", key.1.omit);
            }
        }
    }

    #[tokio::test]
    async fn a_root_connection_pages_the_scope_and_counts_it_lazily() {
        let w = world().await;
        let args =
            PageArgs::parse(Some(3), None, Some(crate::ListOrder::OldestFirst)).expect("args");
        let visible = w.source.visible().await.expect("scope");
        let conn = root_connection(
            w.source.db(),
            visible,
            &args,
            (item::Column::CreatedAt, item::Column::Id),
            |m| crate::Cursor {
                at: m.created_at,
                id: m.id,
            },
            |m| m.id.to_string(),
        )
        .await
        .expect("connection");
        assert_eq!(conn.edges.len(), 3);
        assert!(conn.has_next_page);
        let all: usize = w.parents.iter().map(|(_, ours)| ours.len()).sum();
        assert_eq!(
            conn.additional_fields.total_count_for_test().await,
            all as i64
        );
        assert!(conn.edges.iter().all(|e| e.node != w.foreign.to_string()));
    }

    #[test]
    fn request_loaders_are_built_by_the_first_caller_and_shared() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static BUILT: AtomicUsize = AtomicUsize::new(0);
        fn build(ctx: &Arc<String>) -> String {
            BUILT.fetch_add(1, Ordering::SeqCst);
            format!("loaders of {ctx}")
        }
        drop(RequestLoaders::new(
            Arc::new("an unused domain".into()),
            build,
        ));
        assert_eq!(
            BUILT.load(Ordering::SeqCst),
            0,
            "unused loaders are never built"
        );
        let loaders = RequestLoaders::new(Arc::new("a request".into()), build);
        let first: *const String = loaders.get();
        assert_eq!(loaders.get(), "loaders of a request");
        assert!(
            std::ptr::eq(first, loaders.get()),
            "every caller gets the same loaders"
        );
        assert_eq!(BUILT.load(Ordering::SeqCst), 1, "built once");
    }

    #[tokio::test]
    async fn a_nullable_column_reads_null_as_none_and_reports_what_is_wrong() {
        use sea_orm::{ConnectionTrait, Statement};
        let db = Database::connect("sqlite::memory:").await.expect("sqlite");
        let row = db
            .query_one(Statement::from_string(
                db.get_database_backend(),
                "SELECT NULL, 'text', 3",
            ))
            .await
            .expect("query")
            .expect("a row");
        assert_eq!(nullable::<String>(&row, 0).expect("NULL"), None);
        assert_eq!(
            nullable::<String>(&row, 1).expect("text"),
            Some("text".to_owned())
        );
        assert_eq!(nullable::<i32>(&row, 2).expect("a number"), Some(3));
        assert!(nullable::<i32>(&row, 1).is_err(), "text is not a number");
        assert!(
            nullable::<String>(&row, 3).is_err(),
            "there is no fourth column"
        );
    }

    /// On PostgreSQL a batch's keys are one array parameter: batches of any size send one
    /// statement text (one prepared statement per connection), for rows by key and for pages
    /// of many parents; one key is an equality. SQLite lists the keys.
    #[test]
    fn batches_of_any_size_share_one_statement_text_on_postgres() {
        use sea_orm::QueryTrait;
        let keys = |n: usize| (0..n).map(|_| Uuid::new_v4()).collect::<Vec<_>>();
        let values = |st: &sea_orm::Statement| st.values.as_ref().map_or(0, |v| v.0.len());
        let by_key = |backend, n| {
            item::Entity::find()
                .filter(item::Column::Tenant.eq("a"))
                .filter(in_keys(item::Column::Id, &keys(n), backend))
                .build(backend)
        };
        let (two, many) = (
            by_key(DbBackend::Postgres, 2),
            by_key(DbBackend::Postgres, 300),
        );
        assert_eq!(two.sql, many.sql);
        assert!(two.sql.contains(r#""items"."id" = ANY($2)"#), "{}", two.sql);
        assert_eq!((values(&two), values(&many)), (2, 2));
        // One key is an equality, which PostgreSQL's generic plan serves with an index probe.
        let one = by_key(DbBackend::Postgres, 1);
        assert!(one.sql.ends_with(r#""items"."id" = $2"#), "{}", one.sql);
        let one = by_key(DbBackend::Sqlite, 1);
        assert!(one.sql.ends_with(r#""items"."id" = ?"#), "{}", one.sql);
        let (two, three) = (by_key(DbBackend::Sqlite, 2), by_key(DbBackend::Sqlite, 3));
        assert_ne!(two.sql, three.sql);
        assert_eq!(values(&three), 4);

        let args = PageArgs::parse(Some(2), None, None).expect("args");
        let pages = |backend, n| {
            args.per_parent(
                backend,
                item::Entity::find().filter(item::Column::Tenant.eq("a")),
                item::Column::Parent,
                &keys(n),
                item::Column::CreatedAt,
                item::Column::Id,
            )
        };
        let (one, many) = (
            pages(DbBackend::Postgres, 1),
            pages(DbBackend::Postgres, 50),
        );
        assert_eq!(one.sql, many.sql);
        assert!(
            one.sql.contains("unnest(CAST($1 AS uuid[]))"),
            "{}",
            one.sql
        );
        assert_eq!(values(&many), 3, "the parents, the tenant, the limit");
        let (one, many) = (pages(DbBackend::Sqlite, 1), pages(DbBackend::Sqlite, 3));
        assert_ne!(one.sql, many.sql);
    }
}
