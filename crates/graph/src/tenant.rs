//! The plumbing of tenant scopes every domain repeats: which tenants a viewer's scope opens,
//! and the viewer's memberships, read at most once per request (or per subscription event)
//! and shared by everything that asks in that request.

use sea_orm::sea_query::{Expr, SelectStatement, SimpleExpr};
use sea_orm::ColumnTrait;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Mutex;
use uuid::Uuid;

/// The tenants a scope opens.
#[derive(Debug, Clone, PartialEq)]
pub enum Tenants {
    Only(Vec<Uuid>),
    /// The tenants a one-column select lists (a viewer's approved memberships), read by every
    /// scoped statement itself instead of by a statement of its own. On PostgreSQL the
    /// condition is `= ANY(ARRAY(select))`, an InitPlan run once per statement however many
    /// `LATERAL` pages it holds (as `IN (select)` the planner joins it into every page);
    /// elsewhere `IN (select)`, which SQLite also runs once.
    Selected {
        select: Box<SelectStatement>,
        postgres: bool,
    },
    /// Every tenant (a platform admin reading, where the domain allows it).
    All,
}

impl Tenants {
    /// `column IN (ids)`, or no restriction for [`Tenants::All`]; an empty list matches none.
    pub fn condition<C: ColumnTrait>(&self, column: C) -> SimpleExpr {
        match self {
            Self::Only(ids) => column.is_in(ids.iter().copied()),
            Self::Selected {
                select,
                postgres: true,
            } => Expr::cust_with_exprs(
                "$1 = ANY(ARRAY $2)",
                [
                    Expr::col((column.entity_name(), column)).into(),
                    SimpleExpr::SubQuery(
                        None,
                        Box::new(select.as_ref().clone().into_sub_query_statement()),
                    ),
                ],
            ),
            Self::Selected { select, .. } => column.in_subquery(select.as_ref().clone()),
            Self::All => Expr::value(true),
        }
    }
}

/// A viewer's memberships (rows of type `M`), loaded on first use. Clones share the cache, so
/// a domain's reading and writing contexts of one request read them once between them.
pub struct MembershipCache<M>(Arc<Mutex<Option<Arc<Vec<M>>>>>);

impl<M> Clone for MembershipCache<M> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<M> Default for MembershipCache<M> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<M> MembershipCache<M> {
    /// The memberships, loading them with `load` the first time. The lock is held across the
    /// load, so concurrent resolvers wait for one statement instead of sending one each.
    pub async fn get_or_load<F, Fut, E>(&self, load: F) -> Result<Arc<Vec<M>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<M>, E>>,
    {
        let mut cached = self.0.lock().await;
        if let Some(rows) = cached.as_ref() {
            return Ok(rows.clone());
        }
        let rows = Arc::new(load().await?);
        *cached = Some(rows.clone());
        Ok(rows)
    }

    /// Whether they have been loaded in this request (and not forgotten since).
    pub async fn is_loaded(&self) -> bool {
        self.0.lock().await.is_some()
    }

    /// Forgets them (after a mutation changed them): the next use reads them again.
    pub async fn forget(&self) {
        *self.0.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn memberships_load_once_per_cache_and_again_after_forget() {
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(vec![1, 2])
        };
        let cache = MembershipCache::default();
        let writer = cache.clone();
        assert_eq!(*cache.get_or_load(load).await.expect("rows"), vec![1, 2]);
        assert_eq!(*writer.get_or_load(load).await.expect("rows"), vec![1, 2]);
        assert_eq!(loads.load(Ordering::SeqCst), 1, "shared by clones");
        writer.forget().await;
        cache.get_or_load(load).await.expect("rows");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        // A failed load caches nothing.
        let failing = MembershipCache::<i32>::default();
        assert!(failing
            .get_or_load(|| async { Err::<Vec<i32>, _>("down") })
            .await
            .is_err());
        assert_eq!(*failing.get_or_load(load).await.expect("rows"), vec![1, 2]);
    }
}
